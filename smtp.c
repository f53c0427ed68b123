/*
 * smtp.c -- one SMTP session on a connected struct conn: greeting, EHLO
 * (HELO when EHLO is refused), STARTTLS, AUTH (auth.c's mechanisms), the
 * SMTPUTF8/8BITMIME decision (idn.c), MAIL/RCPT/DATA -- pipelined when
 * offered -- the body through stuff.c as DATA or BDAT chunks, QUIT.
 * Decides each outcome where its cause is known: a failure before MAIL is
 * accepted lets qmail-remote.c try the next host; after that the outcome
 * is final for this run. Prints recipient reports (r/h/s).
 * Not here: choosing peers (qmail-remote.c), the handshake and its checks
 * (tls.c swaps the conn's ops), the report texts (report.c). Peer bytes
 * come only via conn_getline(); every reply is bounded in lines and bytes.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "auth.h"
#include "smtp.h"
#include "stuff.h"
#include "trace.h"
#include "str.h"

/* What the session is doing, for the transcript and for deciding whether
 * a failure still allows the next host. */
enum smtp_state { S_GREETING, S_EHLO, S_HELO, S_STARTTLS, S_AUTH, S_MAIL, S_RCPT, S_DATA, S_BODY, S_DOT };

static const struct step {
	const char *doing;
	int before_mail;	/* a failure here lets the next host try */
} steps[] = {
	[S_GREETING] = { "waiting for the greeting", 1 },
	[S_EHLO] = { "sending EHLO", 1 },
	[S_HELO] = { "sending HELO", 1 },
	[S_STARTTLS] = { "sending STARTTLS", 1 },
	[S_AUTH] = { "authenticating", 1 },
	[S_MAIL] = { "sending MAIL", 1 },
	[S_RCPT] = { "sending RCPT", 0 },
	[S_DATA] = { "sending DATA", 0 },
	[S_BODY] = { "sending the message", 0 },
	[S_DOT] = { "waiting for the reply to the final dot", 0 },	/* "Possible duplicate!" */
};

int
smtp_parse_line(const char *line, size_t len, int *code, int *more)
{
	if (len < 3)
		return -1;
	if (line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '9' ||
	    line[2] < '0' || line[2] > '9')
		return -1;
	if (len > 3 && line[3] != ' ' && line[3] != '-')
		return -1;
	*code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	*more = len > 3 && line[3] == '-';
	return 0;
}

/* Case-insensitive "kw is word, maybe followed by space and arguments". */
static int
keyword_is(const char *kw, size_t len, const char *word, const char **args)
{
	size_t n = strlen(word);

	if (len < n || strncasecmp(kw, word, n) != 0)
		return 0;
	if (len > n && kw[n] != ' ' && kw[n] != '=')	/* "AUTH=LOGIN" (old form) */
		return 0;
	*args = len > n ? kw + n + 1 : kw + len;
	return 1;
}

void
smtp_ehlo_keyword(struct ehlo *e, const char *kw, size_t len)
{
	const char *args;
	size_t n;

	if (keyword_is(kw, len, "PIPELINING", &args))
		e->pipelining = 1;
	else if (keyword_is(kw, len, "8BITMIME", &args))
		e->eightbitmime = 1;
	else if (keyword_is(kw, len, "STARTTLS", &args))
		e->starttls = 1;
	else if (keyword_is(kw, len, "CHUNKING", &args))
		e->chunking = 1;
	else if (keyword_is(kw, len, "SMTPUTF8", &args))
		e->smtputf8 = 1;
	else if (keyword_is(kw, len, "ENHANCEDSTATUSCODES", &args))
		e->enhancedstatuscodes = 1;
	else if (keyword_is(kw, len, "SIZE", &args)) {
		e->size = 1;
		e->size_max = 0;
		for (; args < kw + len && *args >= '0' && *args <= '9'; ++args) {
			if (e->size_max > (~0ULL - 9) / 10) {
				e->size_max = 0;	/* absurd: treat as no limit */
				break;
			}
			e->size_max = e->size_max * 10 + (unsigned)(*args - '0');
		}
	} else if (keyword_is(kw, len, "AUTH", &args)) {
		n = strlen(e->auth);
		for (; args < kw + len && n + 2 < sizeof e->auth; ++args) {
			char ch = *args;
			if (ch >= 'a' && ch <= 'z')
				ch = (char)(ch - 'a' + 'A');
			if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
			    ch == '-' || ch == '_' || ch == ' '))
				continue;	/* mechanism names are [A-Z0-9-_] (RFC 4422) */
			e->auth[n++] = ch;
		}
		if (n > 0 && n + 1 < sizeof e->auth && e->auth[n - 1] != ' ')
			e->auth[n++] = ' ';
		e->auth[n] = '\0';
	}
}

int
smtp_read_reply(struct conn *c, struct said *said, struct ehlo *ehlo, const char **why)
{
	char line[REPLY_LINE_MAX + 1];
	size_t len, lines = 0, n, room;
	int r, code, more;

	said->len = 0;
	said->code = 0;
	for (;;) {
		r = conn_getline(c, line, REPLY_LINE_MAX, &len);
		if (r == CONN_TOOLONG) {
			*why = "reply line too long";
			return REPLY_BAD;
		}
		if (r != CONN_OK)
			return r;
		trace_line("<", line, len);
		if (smtp_parse_line(line, len, &code, &more) != 0) {
			*why = "malformed reply line";
			return REPLY_BAD;
		}
		if (++lines > REPLY_LINES_MAX) {
			*why = "too many reply lines";
			return REPLY_BAD;
		}
		room = sizeof said->text - said->len;	/* said->len never exceeds the size */
		if (room > 0) {	/* keep what fits, always ending in '\n' */
			n = len < room - 1 ? len : room - 1;
			memcpy(said->text + said->len, line, n);
			said->len += n;
			said->text[said->len++] = '\n';
		}
		if (ehlo && lines > 1 && len > 4)
			smtp_ehlo_keyword(ehlo, line + 4, len - 4);
		if (!more) {
			said->code = code;
			return REPLY_OK;
		}
	}
}

/*
 * Once a write has failed (the peer closed, reset, or stopped reading for
 * timeoutremote), nothing more is sent (conn.c), but the replies the peer
 * already sent are still read, each within this grace: with PIPELINING a
 * 5xx to MAIL may be waiting behind a batch the peer never read, and it
 * must decide the outcome rather than "connection died" (RFC 2920 3.1).
 */
#define WRITE_FAILED_GRACE_S	2

/* Sends what is buffered, then reads one reply within timeoutremote. */
static int
command(struct conn *c, const struct smtp_params *p, struct said *said,
    struct ehlo *ehlo, const char **why)
{
	int r;

	conn_deadline(c, p->timeout_s);
	if ((r = conn_flush(c)) != CONN_OK && trace_on)
		TRACE("write failed (%s): reading what the server already said",
		    r == CONN_TIMEOUT ? "timed out" : "connection closed");
	conn_deadline(c, conn_write_failed(c) != CONN_OK && p->timeout_s > WRITE_FAILED_GRACE_S ?
	    WRITE_FAILED_GRACE_S : p->timeout_s);
	r = smtp_read_reply(c, said, ehlo, why);
	/* the reply did not come: the write's failure is the better reason */
	if (r != REPLY_OK && r != REPLY_BAD && conn_write_failed(c) != CONN_OK)
		r = conn_write_failed(c);
	return r;
}

static void
send_line(struct conn *c, const char *a, const char *b, const char *d)
{
	char show[1024];

	(void)conn_puts(c, a);
	if (b)
		(void)conn_puts(c, b);
	if (d)
		(void)conn_puts(c, d);
	(void)conn_puts(c, "\r\n");
	if (trace_on) {
		str_append(show, sizeof show, str_append(show, sizeof show,
		    str_copy(show, sizeof show, a), b ? b : ""), d ? d : "");
		trace_line(">", show, strlen(show));
	}
}

/*
 * This session goes on without TLS after TLS to the host failed: a refused
 * STARTTLS that the policy let pass, or the retry after a failed handshake
 * (p->plaintext_only). SPEC 7: its K report says so, and a refusal that
 * asks for TLS is then temporary (refused_for_tls).
 */
static int tls_fell_back;

/* A reply that asks for TLS or authentication: 530 (RFC 3207 4, RFC 4954
 * 6), 538 (RFC 4954 6), or a 5xx whose enhanced status code (RFC 3463,
 * first line) is 5.7.x, "security or policy status". */
static int
asks_for_tls(const struct said *s)
{
	const char *t = s->text;

	if (s->code == 530 || s->code == 538)
		return 1;
	return s->code >= 500 && s->code <= 599 && s->len >= 9 && (t[3] == ' ' || t[3] == '-') &&
	    t[4] == '5' && t[5] == '.' && t[6] == '7' && t[7] == '.' && t[8] >= '0' && t[8] <= '9';
}

/* After a fallback to plaintext, a refusal that asks for TLS has the TLS
 * failure as its likely cause (a server that requires STARTTLS, a relay
 * that authorises by client certificate): temporary, never a bounce, and
 * its report names the TLS failure first (SPEC 7). */
static int
refused_for_tls(const struct said *s)
{
	return tls_fell_back && asks_for_tls(s);
}

/* Best effort: a QUIT the peer may or may not read. Classic qmail does not
 * wait for the 221: waiting for the remote side is just too ridiculous. */
static int quit_sent;

static void
quit(struct conn *c, const struct smtp_params *p)
{
	if (quit_sent)
		return;
	quit_sent = 1;
	conn_deadline(c, p->timeout_s < 5 ? p->timeout_s : 5);
	send_line(c, "QUIT", NULL, NULL);
	(void)conn_flush(c);
}

/* Turns a conn/reply status into the failure report for state s. */
static enum smtp_outcome
broken(struct conn *c, const struct smtp_params *p, struct fail *f,
    enum smtp_state s, int status, const char *why)
{
	fail_set(f, 'Z', status == CONN_TIMEOUT ? T_TIMEOUT : T_DROPPED, NULL);
	if (status == REPLY_BAD) {
		fail_set(f, 'Z', T_PROTOCOL, why);
		quit(c, p);
	}
	f->critical = s == S_DOT;
	TRACE("session failed while %s", steps[s].doing);
	return steps[s].before_mail ? SMTP_NEXT : SMTP_FINAL;
}

static enum smtp_outcome
rejected(struct conn *c, const struct smtp_params *p, struct fail *f,
    enum report_text text, const struct said *said, enum smtp_outcome how)
{
	fail_set(f, said->code >= 500 ? 'D' : 'Z', text, NULL);
	f->said = *said;
	quit(c, p);
	return how;
}

/* The server's latest reply. A session reads one reply at a time and
 * copies what it keeps (rejected() into f->said), so one buffer serves
 * every step: fewer pages touched per process. */
static struct said said;

/* The message path's only buffers: big blocks, no per-line work. BDAT puts
 * its command line in the room before the encoded block, so each chunk
 * is one write. */
#define BLOCK_SIZE	131072
#define BDAT_HEAD_MAX	32	/* "BDAT 262144 LAST\r\n" */
#define BDAT_WINDOW	8	/* chunk replies owed at most (RFC 3030 with PIPELINING) */
static char in[BLOCK_SIZE];
static char out[BDAT_HEAD_MAX + STUFF_OUT_MAX(BLOCK_SIZE)];

/* Streams fd 0 through stuff.c; 0, or -1 with f filled. */
static int
send_body(struct conn *c, const struct smtp_params *p, struct fail *f)
{
	struct stuff st;
	ssize_t r;
	size_t n;
	int w;

	stuff_init(&st, 1);
	for (;;) {
		r = message_read(p->msg, in, sizeof in);
		if (r < 0) {
			fail_set(f, 'Z', T_READ, NULL);
			return -1;	/* no dot: the server drops the transaction */
		}
		if (r == 0)
			break;
		n = stuff_encode(&st, in, (size_t)r, out);
		conn_deadline(c, p->timeout_s);
		if ((w = conn_write(c, out, n)) != CONN_OK) {
			broken(c, p, f, S_BODY, w, NULL);
			return -1;
		}
	}
	n = stuff_finish(&st, out);
	if (n == 0) {
		fail_set(f, 'D', T_PARTIAL, NULL);
		return -1;
	}
	trace_line(">", ".", 1);
	conn_deadline(c, p->timeout_s);
	if ((w = conn_put(c, out, n)) != CONN_OK) {
		broken(c, p, f, S_BODY, w, NULL);
		return -1;
	}
	return 0;
}

/* EHLO, or HELO when EHLO is refused; SMTP_FINAL means "go on". */
static int
hello(struct conn *c, const struct smtp_params *p, struct fail *f, struct ehlo *ehlo)
{
	const char *why = NULL;
	int r;

	send_line(c, "EHLO ", p->helohost, NULL);
	r = command(c, p, &said, ehlo, &why);
	if (r != REPLY_OK)
		return broken(c, p, f, S_EHLO, r, why);
	if (said.code >= 500) {
		memset(ehlo, 0, sizeof *ehlo);
		send_line(c, "HELO ", p->helohost, NULL);
		r = command(c, p, &said, NULL, &why);
		if (r != REPLY_OK)
			return broken(c, p, f, S_HELO, r, why);
	}
	if (said.code < 200 || said.code > 299) {
		rejected(c, p, f, T_HELO, &said, SMTP_NEXT);
		/* classic: a refused name is never final; a bad helohost must
		 * not bounce a whole domain's mail (SPEC 6) */
		f->letter = 'Z';
		f->tls_fell_back = refused_for_tls(&said);
		return SMTP_NEXT;
	}
	return SMTP_FINAL;
}

/* The handshake under the policy; SMTP_FINAL means "go on". */
static int
start_tls(struct conn *c, const struct smtp_params *p, struct fail *f)
{
	int protocol_error;

	if (tls_start(c, p->tls, p->mxname, p->domain, p->timeout_s, f, &protocol_error) == 0)
		return SMTP_FINAL;
	/* only where the policy allows it (tlspolicy.c: opportunistic TLS,
	 * '?' or the built-in default, no credentials): an attacker who can
	 * break a handshake can strip STARTTLS too, so deferring would only
	 * lose mail */
	if (protocol_error && p->tls->retry_after_error)
		return SMTP_RETRY_PLAIN;
	if (protocol_error && p->tls->credentials_hold_tls)
		TRACE("tls: no retry without TLS: AUTH credentials go only over TLS");
	return SMTP_NEXT;
}

/* Reads one BDAT reply; 0 when 2xx, else the outcome in f. */
static int
bdat_reply(struct conn *c, const struct smtp_params *p, struct fail *f, int last_sent, int is_last)
{
	const char *why = NULL;
	int r = command(c, p, &said, NULL, &why);

	if (r != REPLY_OK) {
		broken(c, p, f, last_sent ? S_DOT : S_BODY, r, why);
		return -1;
	}
	if (said.code >= 200 && said.code <= 299) {
		if (is_last) {
			fail_set(f, 'K', T_ACCEPTED, NULL);
			f->said = said;
		}
		return 0;
	}
	rejected(c, p, f, is_last ? T_AFTERDATA : T_DATA, &said, SMTP_FINAL);
	if (said.code < 400)
		f->letter = 'Z';
	if (!is_last && refused_for_tls(&said)) {	/* a chunk refused as DATA would be */
		f->letter = 'Z';
		f->tls_fell_back = 1;
	}
	return -1;
}

/*
 * CHUNKING (RFC 3030): the message in BDAT chunks, CRLF line ends, no
 * dot-stuffing. A regular file's last chunk carries LAST; a pipe ends
 * with "BDAT 0 LAST". With PIPELINING up to BDAT_WINDOW chunk replies are
 * owed; a refused chunk ends the transaction. 0 = K in f, -1 = f says why.
 */
static int
send_bdat(struct conn *c, const struct smtp_params *p, struct fail *f, int pipelining)
{
	struct stuff st;
	unsigned long long done = 0;
	char head[BDAT_HEAD_MAX];
	int owed = 0, last = 0, w, hl;
	ssize_t r;
	size_t n;

	stuff_init(&st, 0);
	while (!last) {
		r = message_read(p->msg, in, sizeof in);
		if (r < 0) {
			fail_set(f, 'Z', T_READ, NULL);
			return -1;	/* no LAST: the server drops the transaction */
		}
		done += (unsigned long long)r;
		n = r > 0 ? stuff_encode(&st, in, (size_t)r, out + BDAT_HEAD_MAX) : 0;
		last = r == 0 || (p->msg->is_regular && done >= p->msg->size);
		if (last && stuff_finish(&st, head) == 0) {
			fail_set(f, 'D', T_PARTIAL, NULL);
			return -1;
		}
		if (n == 0 && !last)
			continue;
		hl = (int)str_append_ulong(head, sizeof head, str_copy(head, sizeof head, "BDAT "), n);
		hl = (int)str_append(head, sizeof head, (size_t)hl, last ? " LAST\r\n" : "\r\n");
		trace_line(">", head, (size_t)hl - 2);
		memcpy(out + BDAT_HEAD_MAX - hl, head, (size_t)hl);
		conn_deadline(c, p->timeout_s);
		if ((w = conn_write(c, out + BDAT_HEAD_MAX - hl, (size_t)hl + n)) != CONN_OK) {
			broken(c, p, f, last ? S_DOT : S_BODY, w, NULL);
			return -1;
		}
		++owed;
		while (owed > (last ? 0 : pipelining ? BDAT_WINDOW : 0))
			if (bdat_reply(c, p, f, last, --owed == 0 && last) != 0)
				return -1;
	}
	return 0;
}

/*
 * MAIL, every RCPT and DATA. With PIPELINING (RFC 2920) up to
 * PIPELINE_WINDOW commands are in flight, so 100 recipients cost two
 * round trips instead of 102; without it the window is one command and
 * this is the classic dialogue. Replies are matched to commands strictly
 * in order, and the reports are the same either way.
 */
#define PIPELINE_WINDOW	128	/* replies a server may owe us; ~100 bytes each fit any socket buffer */
enum { ENVELOPE_DATA = 100 };	/* 354 received: send the message */

static struct idn_decision intl;	/* SMTPUTF8 / A-labels / BODY=8BITMIME */

/* An address as this transaction sends it: A-label domains when the server
 * lacks SMTPUTF8 and only domains were non-ASCII (idn_decide checked that
 * every address converts). */
static const char *
wire_address(const char *addr)
{
	static char buf[IDN_ADDRESS_SIZE];
	const char *why;

	if (intl.action != IDN_SEND_ALABELS)
		return addr;
	return idn_address_to_ascii(addr, buf, sizeof buf, &why) == 0 ? buf : addr;
}

static void
queue_command(struct conn *c, const struct smtp_params *p, int i, const char *mailargs)
{
	if (i == 0)
		send_line(c, "MAIL FROM:<", wire_address(p->sender), mailargs);
	else if (i <= p->nrecips)
		send_line(c, "RCPT TO:<", wire_address(p->recips[i - 1]), ">");
	else
		send_line(c, "DATA", NULL, NULL);
}

static int
envelope(struct conn *c, const struct smtp_params *p, struct fail *f, const struct ehlo *ehlo)
{
	const char *why = NULL;
	char mailargs[80];
	size_t n;
	int total = p->nrecips + (ehlo->chunking ? 1 : 2), sent = 0, got, r, accepted = 0;
	int window = ehlo->pipelining ? PIPELINE_WINDOW : 1;

	/* SIZE (RFC 1870): a server that cannot take it says so before DATA */
	n = str_copy(mailargs, sizeof mailargs, ">");
	if (ehlo->size && p->msg->is_regular) {
		n = str_append(mailargs, sizeof mailargs, n, " SIZE=");
		n = str_append_ulong(mailargs, sizeof mailargs, n, p->msg->size);
	}
	if (intl.body_8bitmime)		/* RFC 6152 */
		n = str_append(mailargs, sizeof mailargs, n, " BODY=8BITMIME");
	if (intl.action == IDN_SEND_SMTPUTF8)	/* RFC 6531 3.4 */
		(void)str_append(mailargs, sizeof mailargs, n, " SMTPUTF8");
	for (got = 0; got < total; ++got) {
		/* without pipelining, all recipients refused: no DATA at all */
		if (window == 1 && !ehlo->chunking && got == total - 1 && accepted == 0)
			break;
		if (sent == got || (window > 1 && sent - got < window / 2))
			while (sent < total && sent - got < window)
				queue_command(c, p, sent++, mailargs);
		r = command(c, p, &said, NULL, &why);
		if (r != REPLY_OK)
			return broken(c, p, f, got == 0 ? S_MAIL : got <= p->nrecips ? S_RCPT : S_DATA, r, why);
		if (got == 0) {
			if (said.code < 200 || said.code > 299) {
				if (!refused_for_tls(&said))
					return rejected(c, p, f, T_SENDER, &said, SMTP_FINAL);
				/* no transaction yet: another host may do TLS */
				rejected(c, p, f, T_SENDER, &said, SMTP_NEXT);
				f->letter = 'Z';
				f->tls_fell_back = 1;
				return SMTP_NEXT;
			}
		} else if (got <= p->nrecips) {
			if (said.code >= 200 && said.code <= 299) {
				report_recipient('r', p->recips[got - 1], p->host, &said, 0);
				++accepted;
			} else {
				int for_tls = refused_for_tls(&said);

				report_recipient(said.code >= 500 && !for_tls ? 'h' : 's', p->recips[got - 1],
				    p->host, &said, for_tls);
			}
		}
	}
	if (accepted == 0) {
		/* RFC 2920 3.1: a DATA accepted anyway gets an empty message */
		if (!ehlo->chunking && got == total && said.code == 354) {
			(void)conn_puts(c, ".\r\n");
			(void)command(c, p, &said, NULL, &why);
		}
		fail_set(f, 'D', T_GIVINGUP, NULL);
		quit(c, p);
		return SMTP_FINAL;
	}
	if (ehlo->chunking)
		return ENVELOPE_DATA;	/* BDAT needs no go-ahead */
	if (said.code != 354) {
		rejected(c, p, f, T_DATA, &said, SMTP_FINAL);
		if (said.code < 400)
			f->letter = 'Z';
		if (refused_for_tls(&said)) {
			f->letter = 'Z';
			f->tls_fell_back = 1;
		}
		return SMTP_FINAL;
	}
	if (conn_pending(c) > 0)	/* nothing may follow the 354: out of order */
		return broken(c, p, f, S_DATA, REPLY_BAD, "reply after the 354 to DATA");
	return ENVELOPE_DATA;
}

static int auth_skipped;	/* credentials given, no method in common */

/* s/qmail's K text says TLS was used, and that AUTH was skipped. */
static void
accepted_with_tls(const struct conn *c, const struct smtp_params *p, struct fail *f)
{
	size_t n = 0;

	f->detail[0] = '\0';
	/* s/qmail's "(TLSA validated)", and in its style MTA-STS's */
	if (tls_describe(c))
		n = (size_t)snprintf(f->detail, sizeof f->detail, "TLS %stransmitted message accepted (%s).",
		    tls_dane_authenticated(c) ? "(TLSA validated) " :
		    p->tls && p->tls->mtasts ? "(MTA-STS enforced) " : "", tls_describe(c));
	f->tls_fell_back = tls_fell_back;	/* "TLS to H failed; sent without TLS." */
	if (auth_skipped && n < sizeof f->detail)
		(void)snprintf(f->detail + n, sizeof f->detail - n, "%s%s.", n ? "\n" : "",
		    report_auth_text(AUTH_ERR_NOMECH));
}

/* Sends one AUTH line; the transcript shows only what it is, never it. */
static void
send_secret(struct conn *c, const char *line, size_t len, const char *what)
{
	(void)conn_put(c, line, len);
	(void)conn_puts(c, "\r\n");
	trace_line(">", what, strlen(what));
}

/*
 * SMTP AUTH (RFC 4954) with auth.c's mechanisms, strongest offered first.
 * PLAIN and LOGIN only under TLS or to a loopback peer. SMTP_FINAL means
 * "go on" (authenticated, or no method in common: s/qmail delivers
 * anyway and says so); a refusal is Z and lets the next host try.
 */
static int
authenticate(struct conn *c, const struct smtp_params *p, struct fail *f, const struct ehlo *e)
{
	static struct sasl s;
	static char line[AUTH_LINE_MAX];
	enum auth_mech m;
	enum auth_error err = AUTH_OK;
	const char *why = NULL;
	size_t len = 0, off, clen;
	int r, outcome = SMTP_NEXT;

	said.code = 0;
	said.len = 0;
	m = auth_choose(e->auth, tls_describe(c) != NULL || p->peer_loopback);
	if (m == AUTH_NONE) {
		TRACE("auth: %s", report_auth_text(AUTH_ERR_NOMECH));
		auth_skipped = 1;
		return SMTP_FINAL;
	}
	if (m == AUTH_REFUSED_PLAINTEXT) {
		err = AUTH_ERR_PLAINTEXT;
		goto failed;
	}
	if (sasl_start(&s, m, p->auth_user, p->auth_pass, line, sizeof line, &len, &err) != 0)
		goto failed;
	send_secret(c, line, len, m == AUTH_PLAIN || m == AUTH_SCRAM_SHA_256 ?
	    (m == AUTH_PLAIN ? "AUTH PLAIN (credentials not shown)" : "AUTH SCRAM-SHA-256 (client-first not shown)") :
	    auth_mech_name(m)[0] == 'L' ? "AUTH LOGIN" : "AUTH CRAM-MD5");
	for (;;) {
		r = command(c, p, &said, NULL, &why);
		if (r != REPLY_OK) {
			outcome = broken(c, p, f, S_AUTH, r, why);
			goto wipe;
		}
		if (said.code == 334) {
			if (sasl_challenge(said.text, said.len, &off, &clen) != 0)
				off = clen = 0;
			if (sasl_step(&s, said.text + off, clen, line, sizeof line, &len, &err) != 0) {
				(void)conn_puts(c, "*\r\n");	/* RFC 4954 4: cancel */
				trace_line(">", "*", 1);
				goto failed;
			}
			send_secret(c, line, len, "(AUTH response not shown)");
			continue;
		}
		if (said.code == 235) {
			if (sasl_challenge(said.text, said.len, &off, &clen) != 0)
				off = clen = 0;
			if (sasl_finish(&s, said.text + off, clen, &err) != 0)
				goto failed;
			TRACE("auth: %s authenticated", auth_mech_name(m));
			outcome = SMTP_FINAL;
			goto wipe;
		}
		err = sasl_rejected(&s, said.code);
		goto failed;
	}
failed:
	fail_set(f, 'Z', T_AUTH, NULL);
	f->subcode = (int)err;
	if (said.code && err != AUTH_ERR_PLAINTEXT && err != AUTH_ERR_CREDENTIALS)
		f->said = said;
	quit(c, p);
wipe:
	sasl_wipe(&s);
	explicit_bzero(line, sizeof line);
	explicit_bzero(&said, sizeof said);	/* a server may echo what we sent */
	explicit_bzero(c->wbuf, sizeof c->wbuf);	/* sent lines stay in the buffer */
	return outcome;
}

enum smtp_outcome
smtp_deliver(struct conn *c, const struct smtp_params *p, struct fail *f)
{
	struct ehlo ehlo;
	const char *why = NULL;
	int r;

	memset(&ehlo, 0, sizeof ehlo);
	quit_sent = 0;
	tls_fell_back = p->plaintext_only;	/* the retry after a failed handshake */
	auth_skipped = 0;
	str_copy(f->host, sizeof f->host, p->host);
	str_copy(f->mxname, sizeof f->mxname, p->mxname ? p->mxname : p->host);
	str_copy(f->domain, sizeof f->domain, p->domain ? p->domain : "");

	/* a retry without TLS exists only where the level allows one: the
	 * caller never asks otherwise, and this keeps it so */
	if (p->plaintext_only && p->tls && p->tls->level != TLS_NEVER &&
	    (p->tls->smtps || !p->tls->retry_after_error)) {
		fail_set(f, 'Z', T_TLS_UNAVAILABLE, "no retry without TLS under this policy");
		return SMTP_NEXT;
	}
	if (p->tls && p->tls->smtps && !p->plaintext_only) {
		r = start_tls(c, p, f);
		if (r != SMTP_FINAL)
			return (enum smtp_outcome)r;
	}
	conn_deadline(c, p->timeout_s);
	r = smtp_read_reply(c, &said, NULL, &why);
	if (r != REPLY_OK)
		return broken(c, p, f, S_GREETING, r, why);
	if (said.code < 200 || said.code > 299) {
		rejected(c, p, f, T_GREETING, &said, SMTP_NEXT);
		f->letter = 'Z';	/* classic: a failed greeting is never final */
		return SMTP_NEXT;
	}

	r = hello(c, p, f, &ehlo);
	if (r != SMTP_FINAL)
		return (enum smtp_outcome)r;
	if (p->tls && !p->tls->smtps && !p->plaintext_only && p->tls->level != TLS_NEVER) {
		if (ehlo.starttls) {
			send_line(c, "STARTTLS", NULL, NULL);
			/* set TLS up while the 220 travels: a round trip on a
			 * real network hides OpenSSL's start-up (milliseconds) */
			if (conn_flush(c) == CONN_OK)
				tls_prepare(c->fd, p->tls, p->mxname);
			r = command(c, p, &said, NULL, &why);
			if (r != REPLY_OK || said.code != 220 || conn_pending(c) > 0)
				tls_discard();	/* no handshake follows */
			if (r != REPLY_OK)
				return broken(c, p, f, S_STARTTLS, r, why);
			if (said.code == 220) {
				/* RFC 3207 5: nothing may follow the 220 in plaintext;
				 * anything that did was injected, and must never be
				 * read as a reply under TLS */
				if (conn_pending(c) > 0) {
					TRACE("%zu bytes after the 220 to STARTTLS", conn_pending(c));
					return broken(c, p, f, S_STARTTLS, REPLY_BAD,
					    "data after the 220 to STARTTLS (command injection)");
				}
				r = start_tls(c, p, f);
				if (r != SMTP_FINAL)
					return (enum smtp_outcome)r;
				memset(&ehlo, 0, sizeof ehlo);	/* forget what plaintext said */
				r = hello(c, p, f, &ehlo);
				if (r != SMTP_FINAL)
					return (enum smtp_outcome)r;
			} else if (p->tls->plain_after_refusal) {
				/* SPEC 7: the built-in opportunistic TLS goes on in
				 * plaintext, as Postfix's "may" does (RFC 3207 4.1) */
				TRACE("tls: STARTTLS refused (%d): going on without TLS", said.code);
				tls_fell_back = 1;
			} else {
				/* an explicit '*' (seed 000): offered and refused is a
				 * failure ('?' retries the host without STARTTLS); so
				 * is any refusal when credentials are to be sent */
				fail_set(f, 'Z', T_TLS_STARTTLS, p->tls->credentials_hold_tls ?
				    "the server refused STARTTLS, and AUTH credentials go only over TLS" :
				    "the server refused STARTTLS");
				f->said = said;
				quit(c, p);
				if (p->tls->retry_after_refusal)
					return SMTP_RETRY_PLAIN;
				return SMTP_NEXT;
			}
		} else if (p->tls->level >= TLS_ENCRYPT) {
			fail_set(f, 'Z', T_TLS_UNAVAILABLE, "the server does not offer STARTTLS");
			quit(c, p);
			return SMTP_NEXT;
		}
	}

	/* RFC 6531: decided on the final EHLO, before credentials are spent */
	memset(&intl, 0, sizeof intl);
	if (p->idn) {
		intl = idn_decide(p->idn, p->has_8bit, p->header, ehlo.smtputf8, ehlo.eightbitmime);
		if (intl.why)
			TRACE("idn: %s", intl.why);
		if (intl.action == IDN_REFUSE) {
			fail_set(f, 'D', T_SMTPUTF8, NULL);
			quit(c, p);
			return SMTP_NEXT;	/* another MX may offer SMTPUTF8 */
		}
	}
	if (p->auth_user) {
		r = authenticate(c, p, f, &ehlo);
		if (r != SMTP_FINAL)
			return (enum smtp_outcome)r;
	}
	r = envelope(c, p, f, &ehlo);
	if (r != ENVELOPE_DATA)
		return (enum smtp_outcome)r;

	if (ehlo.chunking) {
		if (send_bdat(c, p, f, ehlo.pipelining) == 0) {
			accepted_with_tls(c, p, f);
			quit(c, p);
		}
		return SMTP_FINAL;
	}
	if (send_body(c, p, f) != 0)
		return SMTP_FINAL;
	if (ehlo.pipelining) {	/* QUIT rides with the final dot */
		send_line(c, "QUIT", NULL, NULL);
		quit_sent = 1;
	}
	r = command(c, p, &said, NULL, &why);
	if (r != REPLY_OK)
		return broken(c, p, f, S_DOT, r, why);
	if (said.code < 200 || said.code > 299) {
		rejected(c, p, f, T_AFTERDATA, &said, SMTP_FINAL);
		if (said.code < 400)
			f->letter = 'Z';
		return SMTP_FINAL;
	}
	fail_set(f, 'K', T_ACCEPTED, NULL);
	f->said = said;
	accepted_with_tls(c, p, f);
	quit(c, p);
	return SMTP_FINAL;
}
