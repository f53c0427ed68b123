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
 * One session's state, made anew by smtp_deliver() for every connection:
 * nothing of it outlives the session or is reset from outside. Each step
 * below returns 0 to go on, or -1 with the outcome filled (its letter,
 * text, the server's reply, and in o->next what the walk does next).
 */
struct session {
	struct conn *c;
	const struct session_params *p;
	struct outcome *o;
	struct ehlo ehlo;		/* what the last EHLO offered */
	struct idn_decision intl;	/* SMTPUTF8 / A-labels / BODY=8BITMIME */
	int quit_sent;			/* QUIT is out (with the dot, or after a failure) */
	int auth_skipped;		/* credentials given, no method in common */
	/* the session goes on without TLS after TLS to the host failed: a
	 * refused STARTTLS the policy let pass, or the retry after a failed
	 * handshake (p->plaintext_only). SPEC 7: its K report says so, and a
	 * refusal that asks for TLS is then temporary (refused_for_tls) */
	int tls_fell_back;
};

/* The server's latest reply. A session reads one reply at a time and
 * copies what it keeps (into the outcome), so one buffer serves every
 * step: fewer pages touched per process. */
static struct said said;

/*
 * Once a write has failed (the peer closed, reset, or stopped reading for
 * timeoutremote), nothing more is sent (conn.c), but the replies the peer
 * already sent are still read, each within this grace: with PIPELINING a
 * 5xx to MAIL may be waiting behind a batch the peer never read, and it
 * must decide the outcome rather than "connection died" (RFC 2920 3.1).
 */
#define WRITE_FAILED_GRACE_S	2

/* Sends what is buffered, then reads one reply (into said) within
 * timeoutremote; a CONN_* or REPLY_* status. */
static int
command(struct session *s, struct ehlo *ehlo, const char **why)
{
	struct conn *c = s->c;
	unsigned timeout_s = s->p->timeout_s;
	int r;

	conn_deadline(c, timeout_s);
	if ((r = conn_flush(c)) != CONN_OK && trace_on)
		TRACE("write failed (%s): reading what the server already said",
		    r == CONN_TIMEOUT ? "timed out" : "connection closed");
	conn_deadline(c, conn_write_failed(c) != CONN_OK && timeout_s > WRITE_FAILED_GRACE_S ?
	    WRITE_FAILED_GRACE_S : timeout_s);
	r = smtp_read_reply(c, &said, ehlo, why);
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

/* A reply that asks for TLS or authentication: 530 (RFC 3207 4, RFC 4954
 * 6), 538 (RFC 4954 6), or a 5xx whose enhanced status code (RFC 3463,
 * first line) is 5.7.x, "security or policy status". */
static int
asks_for_tls(const struct said *r)
{
	const char *t = r->text;

	if (r->code == 530 || r->code == 538)
		return 1;
	return r->code >= 500 && r->code <= 599 && r->len >= 9 && (t[3] == ' ' || t[3] == '-') &&
	    t[4] == '5' && t[5] == '.' && t[6] == '7' && t[7] == '.' && t[8] >= '0' && t[8] <= '9';
}

/* After a fallback to plaintext, a refusal that asks for TLS has the TLS
 * failure as its likely cause (a server that requires STARTTLS, a relay
 * that authorises by client certificate): temporary, never a bounce, and
 * its report names the TLS failure first (SPEC 7). */
static int
refused_for_tls(const struct session *s, const struct said *r)
{
	return s->tls_fell_back && asks_for_tls(r);
}

/* Best effort: a QUIT the peer may or may not read. Classic qmail does not
 * wait for the 221: waiting for the remote side is just too ridiculous. */
static void
quit(struct session *s)
{
	if (s->quit_sent)
		return;
	s->quit_sent = 1;
	conn_deadline(s->c, s->p->timeout_s < 5 ? s->p->timeout_s : 5);
	send_line(s->c, "QUIT", NULL, NULL);
	(void)conn_flush(s->c);
}

/* The session broke (a conn or reply status) in state st: Z, and the next
 * host only before a transaction started. -1. */
static int
broken(struct session *s, enum smtp_state st, int status, const char *why)
{
	struct outcome *o = s->o;

	outcome_set(o, 'Z', status == CONN_TIMEOUT ? T_TIMEOUT : T_DROPPED, NULL);
	if (status == REPLY_BAD) {
		outcome_set(o, 'Z', T_PROTOCOL, why);
		quit(s);
	}
	o->critical = st == S_DOT;
	o->next = steps[st].before_mail ? NEXT_PEER : NEXT_FINAL;
	TRACE("session failed while %s", steps[st].doing);
	return -1;
}

/* The server refused (said, with text): D for 5xx, else Z; then next. -1. */
static int
rejected(struct session *s, enum report_text text, enum next next)
{
	outcome_set(s->o, said.code >= 500 ? 'D' : 'Z', text, NULL);
	s->o->said = said;
	s->o->next = next;
	quit(s);
	return -1;
}

/* After a fallback, a refusal that asked for TLS: temporary, TLS first. */
static void
temporary_for_tls(struct session *s)
{
	s->o->letter = 'Z';
	s->o->tls_fell_back = 1;
}

/* The message path's only buffers: big blocks, no per-line work. BDAT puts
 * its command line in the room before the encoded block, so each chunk
 * is one write. */
#define BLOCK_SIZE	131072
#define BDAT_HEAD_MAX	32	/* "BDAT 262144 LAST\r\n" */
#define BDAT_WINDOW	8	/* chunk replies owed at most (RFC 3030 with PIPELINING) */
static char in[BLOCK_SIZE];
static char out[BDAT_HEAD_MAX + STUFF_OUT_MAX(BLOCK_SIZE)];

/* Streams fd 0 through stuff.c after the 354; 0, or -1 (final). */
static int
send_body(struct session *s)
{
	struct conn *c = s->c;
	struct stuff st;
	ssize_t r;
	size_t n;
	int w;

	stuff_init(&st, 1);
	for (;;) {
		r = message_read(s->p->msg, in, sizeof in);
		if (r < 0) {
			outcome_set(s->o, 'Z', T_READ, NULL);
			return -1;	/* no dot: the server drops the transaction */
		}
		if (r == 0)
			break;
		n = stuff_encode(&st, in, (size_t)r, out);
		conn_deadline(c, s->p->timeout_s);
		if ((w = conn_write(c, out, n)) != CONN_OK)
			return broken(s, S_BODY, w, NULL);
	}
	n = stuff_finish(&st, out);
	if (n == 0) {
		outcome_set(s->o, 'D', T_PARTIAL, NULL);
		return -1;
	}
	trace_line(">", ".", 1);
	conn_deadline(c, s->p->timeout_s);
	if ((w = conn_put(c, out, n)) != CONN_OK)
		return broken(s, S_BODY, w, NULL);
	return 0;
}

/* The server's first EHLO (or HELO) reply, for TLS-RPT (RFC 8460 4.3:
 * receiving-mx-helo), as Postfix gives it: every line with its code,
 * joined by CRLF; what it holds is the server's, tlsrpt.c escapes it. */
static void
keep_ehlo_reply(char *kept, size_t size, const struct said *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->len && n + 3 < size; i++) {
		if (r->text[i] != '\n')
			kept[n++] = r->text[i];
		else if (i + 1 < r->len) {
			kept[n++] = '\r';
			kept[n++] = '\n';
		}
	}
	kept[n] = '\0';
}

/* EHLO, or HELO when EHLO is refused; 0 once the name was accepted. */
static int
hello(struct session *s)
{
	const char *helohost = s->p->helohost, *why = NULL;
	int r;

	send_line(s->c, "EHLO ", helohost, NULL);
	r = command(s, &s->ehlo, &why);
	if (r != REPLY_OK)
		return broken(s, S_EHLO, r, why);
	if (said.code >= 500) {
		memset(&s->ehlo, 0, sizeof s->ehlo);
		send_line(s->c, "HELO ", helohost, NULL);
		r = command(s, NULL, &why);
		if (r != REPLY_OK)
			return broken(s, S_HELO, r, why);
	}
	if (said.code < 200 || said.code > 299) {
		rejected(s, T_HELO, NEXT_PEER);
		/* classic: a refused name is never final; a bad helohost must
		 * not bounce a whole domain's mail (SPEC 6) */
		s->o->letter = 'Z';
		s->o->tls_fell_back = refused_for_tls(s, &said);
		return -1;
	}
	if (!s->o->tls.ehlo[0])
		keep_ehlo_reply(s->o->tls.ehlo, sizeof s->o->tls.ehlo, &said);
	return 0;
}

/* The handshake under the policy; 0, or -1 (the host again without TLS
 * where the policy allows it, else the next host). */
static int
start_tls(struct session *s)
{
	const struct session_params *p = s->p;
	int protocol_error;

	s->o->tls.handshake = 1;
	if (tls_start(s->c, p->tls, p->pending, p->mxname, p->timeout_s, s->o, &protocol_error) == 0)
		return 0;
	s->o->next = NEXT_PEER;
	/* only where the policy allows it (tlspolicy.c: opportunistic TLS,
	 * '?' or the built-in default, no credentials): an attacker who can
	 * break a handshake can strip STARTTLS too, so deferring would only
	 * lose mail */
	if (protocol_error && p->tls->retry_after_error)
		s->o->next = NEXT_RETRY_PLAIN;
	else if (protocol_error && p->tls->credentials_hold_tls)
		TRACE("tls: no retry without TLS: AUTH credentials go only over TLS");
	return -1;
}

/*
 * STARTTLS when the policy wants TLS and the server offers it (RFC 3207),
 * then EHLO again; 0 to go on (under TLS, or in plaintext where the
 * policy allows it), -1 otherwise.
 */
static int
starttls(struct session *s)
{
	const struct session_params *p = s->p;
	const char *why = NULL;
	int r;

	if (!p->tls || p->tls->smtps || p->plaintext_only || p->tls->level == TLS_NEVER)
		return 0;
	if (!s->ehlo.starttls) {
		s->o->tls.no_starttls = 1;
		if (p->tls->level < TLS_ENCRYPT)
			return 0;
		outcome_set(s->o, 'Z', T_TLS_UNAVAILABLE, "the server does not offer STARTTLS");
		s->o->next = NEXT_PEER;
		quit(s);
		return -1;
	}
	send_line(s->c, "STARTTLS", NULL, NULL);
	/* set TLS up while the 220 travels: a round trip on a real network
	 * hides OpenSSL's start-up (milliseconds) */
	if (conn_flush(s->c) == CONN_OK)
		tls_prepare(p->pending, s->c->fd, p->tls, p->mxname);
	r = command(s, NULL, &why);
	if (r != REPLY_OK || said.code != 220 || conn_pending(s->c) > 0)
		tls_discard(p->pending);	/* no handshake follows */
	if (r != REPLY_OK)
		return broken(s, S_STARTTLS, r, why);
	if (said.code == 220) {
		/* RFC 3207 5: nothing may follow the 220 in plaintext; anything
		 * that did was injected, and must never be read as a reply
		 * under TLS */
		if (conn_pending(s->c) > 0) {
			TRACE("%zu bytes after the 220 to STARTTLS", conn_pending(s->c));
			return broken(s, S_STARTTLS, REPLY_BAD, "data after the 220 to STARTTLS (command injection)");
		}
		if (start_tls(s) != 0)
			return -1;
		memset(&s->ehlo, 0, sizeof s->ehlo);	/* forget what plaintext said */
		return hello(s);
	}
	s->o->tls.no_starttls = 2;	/* refused: as good as not offered (RFC 8460 4.3.2.1) */
	if (p->tls->plain_after_refusal) {
		/* SPEC 7: the built-in opportunistic TLS goes on in plaintext,
		 * as Postfix's "may" does (RFC 3207 4.1) */
		TRACE("tls: STARTTLS refused (%d): going on without TLS", said.code);
		s->tls_fell_back = 1;
		return 0;
	}
	/* an explicit '*' (seed 000): offered and refused is a failure ('?'
	 * retries the host without STARTTLS); so is any refusal when
	 * credentials are to be sent */
	outcome_set(s->o, 'Z', T_TLS_STARTTLS, p->tls->credentials_hold_tls ?
	    "the server refused STARTTLS, and AUTH credentials go only over TLS" :
	    "the server refused STARTTLS");
	s->o->said = said;
	s->o->next = p->tls->retry_after_refusal ? NEXT_RETRY_PLAIN : NEXT_PEER;
	quit(s);
	return -1;
}

/* Reads one BDAT reply; 0 when 2xx, else -1 (final). */
static int
bdat_reply(struct session *s, int last_sent, int is_last)
{
	const char *why = NULL;
	int r = command(s, NULL, &why);

	if (r != REPLY_OK)
		return broken(s, last_sent ? S_DOT : S_BODY, r, why);
	if (said.code >= 200 && said.code <= 299) {
		if (is_last) {
			outcome_set(s->o, 'K', T_ACCEPTED, NULL);
			s->o->said = said;
		}
		return 0;
	}
	rejected(s, is_last ? T_AFTERDATA : T_DATA, NEXT_FINAL);
	if (said.code < 400)
		s->o->letter = 'Z';
	if (!is_last && refused_for_tls(s, &said))	/* a chunk refused as DATA would be */
		temporary_for_tls(s);
	return -1;
}

/*
 * CHUNKING (RFC 3030): the message in BDAT chunks, CRLF line ends, no
 * dot-stuffing. A regular file's last chunk carries LAST; a pipe ends
 * with "BDAT 0 LAST". With PIPELINING up to BDAT_WINDOW chunk replies are
 * owed; a refused chunk ends the transaction. 0 = K in the outcome, -1 =
 * it says why (final).
 */
static int
send_bdat(struct session *s)
{
	struct conn *c = s->c;
	const struct session_params *p = s->p;
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
			outcome_set(s->o, 'Z', T_READ, NULL);
			return -1;	/* no LAST: the server drops the transaction */
		}
		done += (unsigned long long)r;
		n = r > 0 ? stuff_encode(&st, in, (size_t)r, out + BDAT_HEAD_MAX) : 0;
		last = r == 0 || (p->msg->is_regular && done >= p->msg->size);
		if (last && stuff_finish(&st, head) == 0) {
			outcome_set(s->o, 'D', T_PARTIAL, NULL);
			return -1;
		}
		if (n == 0 && !last)
			continue;
		hl = (int)str_append_ulong(head, sizeof head, str_copy(head, sizeof head, "BDAT "), n);
		hl = (int)str_append(head, sizeof head, (size_t)hl, last ? " LAST\r\n" : "\r\n");
		trace_line(">", head, (size_t)hl - 2);
		memcpy(out + BDAT_HEAD_MAX - hl, head, (size_t)hl);
		conn_deadline(c, p->timeout_s);
		if ((w = conn_write(c, out + BDAT_HEAD_MAX - hl, (size_t)hl + n)) != CONN_OK)
			return broken(s, last ? S_DOT : S_BODY, w, NULL);
		++owed;
		while (owed > (last ? 0 : s->ehlo.pipelining ? BDAT_WINDOW : 0))
			if (bdat_reply(s, last, --owed == 0 && last) != 0)
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

/* An address as this transaction sends it: A-label domains when the server
 * lacks SMTPUTF8 and only domains were non-ASCII (idn_decide checked that
 * every address converts). */
static const char *
wire_address(const struct session *s, const char *addr)
{
	static char buf[IDN_ADDRESS_SIZE];
	const char *why;

	if (s->intl.action != IDN_SEND_ALABELS)
		return addr;
	return idn_address_to_ascii(addr, buf, sizeof buf, &why) == 0 ? buf : addr;
}

static void
queue_command(struct session *s, int i, const char *mailargs)
{
	const struct session_params *p = s->p;

	if (i == 0)
		send_line(s->c, "MAIL FROM:<", wire_address(s, p->sender), mailargs);
	else if (i <= p->nrecips)
		send_line(s->c, "RCPT TO:<", wire_address(s, p->recips[i - 1]), ">");
	else
		send_line(s->c, "DATA", NULL, NULL);
}

/* The envelope; 0 when the message is to be sent (the 354 came, or BDAT
 * needs no go-ahead), -1 when the outcome is decided. */
static int
envelope(struct session *s)
{
	const struct session_params *p = s->p;
	const struct ehlo *ehlo = &s->ehlo;
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
	if (s->intl.body_8bitmime)		/* RFC 6152 */
		n = str_append(mailargs, sizeof mailargs, n, " BODY=8BITMIME");
	if (s->intl.action == IDN_SEND_SMTPUTF8)	/* RFC 6531 3.4 */
		(void)str_append(mailargs, sizeof mailargs, n, " SMTPUTF8");
	for (got = 0; got < total; ++got) {
		/* without pipelining, all recipients refused: no DATA at all */
		if (window == 1 && !ehlo->chunking && got == total - 1 && accepted == 0)
			break;
		if (sent == got || (window > 1 && sent - got < window / 2))
			while (sent < total && sent - got < window)
				queue_command(s, sent++, mailargs);
		r = command(s, NULL, &why);
		if (r != REPLY_OK)
			return broken(s, got == 0 ? S_MAIL : got <= p->nrecips ? S_RCPT : S_DATA, r, why);
		if (got == 0) {
			if (said.code < 200 || said.code > 299) {
				if (!refused_for_tls(s, &said))
					return rejected(s, T_SENDER, NEXT_FINAL);
				/* no transaction yet: another host may do TLS */
				rejected(s, T_SENDER, NEXT_PEER);
				temporary_for_tls(s);
				return -1;
			}
		} else if (got <= p->nrecips) {
			if (said.code >= 200 && said.code <= 299) {
				report_recipient('r', p->recips[got - 1], p->host, &said, 0);
				++accepted;
			} else {
				int for_tls = refused_for_tls(s, &said);

				report_recipient(said.code >= 500 && !for_tls ? 'h' : 's', p->recips[got - 1],
				    p->host, &said, for_tls);
			}
		}
	}
	if (accepted == 0) {
		/* RFC 2920 3.1: a DATA accepted anyway gets an empty message */
		if (!ehlo->chunking && got == total && said.code == 354) {
			(void)conn_puts(s->c, ".\r\n");
			(void)command(s, NULL, &why);
		}
		outcome_set(s->o, 'D', T_GIVINGUP, NULL);
		quit(s);
		return -1;
	}
	if (ehlo->chunking)
		return 0;	/* BDAT needs no go-ahead */
	if (said.code != 354) {
		rejected(s, T_DATA, NEXT_FINAL);
		if (said.code < 400)
			s->o->letter = 'Z';
		if (refused_for_tls(s, &said))
			temporary_for_tls(s);
		return -1;
	}
	if (conn_pending(s->c) > 0)	/* nothing may follow the 354: out of order */
		return broken(s, S_DATA, REPLY_BAD, "reply after the 354 to DATA");
	return 0;
}

/* K: the server's 2xx after the message, and the session's facts for its
 * words (report.c: s/qmail's TLS line, the skipped AUTH, the fallback). */
static void
accepted_facts(struct session *s)
{
	struct outcome *o = s->o;

	o->tls_fell_back = s->tls_fell_back;	/* "TLS to H failed; sent without TLS." */
	o->auth_skipped = s->auth_skipped;
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
 * PLAIN and LOGIN only under TLS or to a loopback peer. 0 to go on
 * (authenticated, or no method in common: s/qmail delivers anyway and
 * says so); a refusal is Z and lets the next host try.
 */
static int
authenticate(struct session *s)
{
	static struct sasl sasl;
	static char line[AUTH_LINE_MAX];
	const struct session_params *p = s->p;
	struct conn *c = s->c;
	enum auth_mech m;
	enum auth_error err = AUTH_OK;
	const char *why = NULL;
	size_t len = 0, off, clen;
	int r, rc = -1;

	said.code = 0;
	said.len = 0;
	m = auth_choose(s->ehlo.auth, tls_active(c) || p->peer_loopback);
	if (m == AUTH_NONE) {
		TRACE("auth: %s", report_auth_text(AUTH_ERR_NOMECH));
		s->auth_skipped = 1;
		return 0;
	}
	if (m == AUTH_REFUSED_PLAINTEXT) {
		err = AUTH_ERR_PLAINTEXT;
		goto failed;
	}
	if (sasl_start(&sasl, m, p->auth_user, p->auth_pass, line, sizeof line, &len, &err) != 0)
		goto failed;
	send_secret(c, line, len, m == AUTH_PLAIN || m == AUTH_SCRAM_SHA_256 ?
	    (m == AUTH_PLAIN ? "AUTH PLAIN (credentials not shown)" : "AUTH SCRAM-SHA-256 (client-first not shown)") :
	    auth_mech_name(m)[0] == 'L' ? "AUTH LOGIN" : "AUTH CRAM-MD5");
	for (;;) {
		r = command(s, NULL, &why);
		if (r != REPLY_OK) {
			broken(s, S_AUTH, r, why);
			goto wipe;
		}
		if (said.code == 334) {
			if (sasl_challenge(said.text, said.len, &off, &clen) != 0)
				off = clen = 0;
			if (sasl_step(&sasl, said.text + off, clen, line, sizeof line, &len, &err) != 0) {
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
			if (sasl_finish(&sasl, said.text + off, clen, &err) != 0)
				goto failed;
			TRACE("auth: %s authenticated", auth_mech_name(m));
			rc = 0;
			goto wipe;
		}
		err = sasl_rejected(&sasl, said.code);
		goto failed;
	}
failed:
	outcome_set(s->o, 'Z', T_AUTH, NULL);
	s->o->subcode = (int)err;
	s->o->next = NEXT_PEER;
	if (said.code && err != AUTH_ERR_PLAINTEXT && err != AUTH_ERR_CREDENTIALS)
		s->o->said = said;
	quit(s);
wipe:
	sasl_wipe(&sasl);
	explicit_bzero(line, sizeof line);
	explicit_bzero(&said, sizeof said);	/* a server may echo what we sent */
	explicit_bzero(c->wbuf, sizeof c->wbuf);	/* sent lines stay in the buffer */
	return rc;
}

enum next
smtp_deliver(struct conn *c, const struct session_params *p, struct outcome *f)
{
	struct session s;
	const char *why = NULL;
	int r;

	memset(&s, 0, sizeof s);
	s.c = c;
	s.p = p;
	s.o = f;
	s.tls_fell_back = p->plaintext_only;	/* the retry after a failed handshake */
	memset(&f->tls, 0, sizeof f->tls);
	outcome_peer(f, p->host, p->mxname, p->domain);

	/* a retry without TLS exists only where the policy allows one: the
	 * caller never asks otherwise, and this keeps it so */
	if (p->plaintext_only && p->tls && p->tls->level != TLS_NEVER &&
	    (p->tls->smtps || !p->tls->retry_after_error)) {
		outcome_set(f, 'Z', T_TLS_UNAVAILABLE, "no retry without TLS under this policy");
		f->next = NEXT_PEER;
		return f->next;
	}
	if (p->tls && p->tls->smtps && !p->plaintext_only && start_tls(&s) != 0)
		return f->next;
	conn_deadline(c, p->timeout_s);
	r = smtp_read_reply(c, &said, NULL, &why);
	if (r != REPLY_OK) {
		broken(&s, S_GREETING, r, why);
		return f->next;
	}
	if (said.code < 200 || said.code > 299) {
		rejected(&s, T_GREETING, NEXT_PEER);
		f->letter = 'Z';	/* classic: a failed greeting is never final */
		return f->next;
	}
	if (hello(&s) != 0 || starttls(&s) != 0)
		return f->next;

	/* RFC 6531: decided on the final EHLO, before credentials are spent */
	if (p->idn) {
		s.intl = idn_decide(p->idn, p->has_8bit, p->header, s.ehlo.smtputf8, s.ehlo.eightbitmime);
		if (s.intl.why)
			TRACE("idn: %s", s.intl.why);
		if (s.intl.action == IDN_REFUSE) {
			outcome_set(f, 'D', T_SMTPUTF8, NULL);
			f->next = NEXT_PEER;	/* another MX may offer SMTPUTF8 */
			quit(&s);
			return f->next;
		}
	}
	if (p->auth_user && authenticate(&s) != 0)
		return f->next;
	if (envelope(&s) != 0)
		return f->next;

	if (s.ehlo.chunking) {
		if (send_bdat(&s) == 0) {
			accepted_facts(&s);
			quit(&s);
		}
		return NEXT_FINAL;
	}
	if (send_body(&s) != 0)
		return NEXT_FINAL;
	if (s.ehlo.pipelining) {	/* QUIT rides with the final dot */
		send_line(c, "QUIT", NULL, NULL);
		s.quit_sent = 1;
	}
	r = command(&s, NULL, &why);
	if (r != REPLY_OK) {
		broken(&s, S_DOT, r, why);
		return NEXT_FINAL;
	}
	if (said.code < 200 || said.code > 299) {
		rejected(&s, T_AFTERDATA, NEXT_FINAL);
		if (said.code < 400)
			f->letter = 'Z';
		return NEXT_FINAL;
	}
	outcome_set(f, 'K', T_ACCEPTED, NULL);
	f->said = said;
	accepted_facts(&s);
	quit(&s);
	return NEXT_FINAL;
}
