/*
 * report.c -- the only writer of fd 1: recipient reports (r/h/s) and the
 * one message report (K/Z/D), each ended by a 0 byte, as qmail-rspawn
 * reads them. Holds every report text: admins grep for the classic ones,
 * so they stay word for word as in qmail (status codes in "(#x.y.z)").
 * A classic sentence is never cut or widened: what we add (a file and
 * line, why a connection died, OpenSSL's reason) comes on a line of its
 * own after it, "Word: detail.", before "Remote host said:".
 * On a terminal (a hand run) it prints one readable line set per report.
 * Not here: deciding temp or perm (decided where the cause is known).
 */
#include <string.h>
#include <unistd.h>
#include "auth.h"
#include "report.h"
#include "str.h"

static char out[8192];
static size_t outlen;
static int on_tty = -1;
static unsigned timeout_remote;	/* for T_TIMEOUT's detail; 0 = not known */

void
report_timeout(unsigned seconds)
{
	timeout_remote = seconds;
}

static void
out_flush(void)
{
	size_t done = 0;
	ssize_t r;

	while (done < outlen) {
		r = write(1, out + done, outlen - done);
		if (r <= 0)
			_exit(111);	/* qmail-rspawn is gone; nobody to tell */
		done += (size_t)r;
	}
	outlen = 0;
}

static void
out_put(const char *s, size_t len)
{
	size_t room;

	while (len > 0) {
		if (outlen == sizeof out)
			out_flush();
		room = sizeof out - outlen;
		if (room > len)
			room = len;
		memcpy(out + outlen, s, room);
		outlen += room;
		s += room;
		len -= room;
	}
}

/* Appends to a bounded buffer; the report is cut, never overflowed. */
struct sbuf {
	char *s;
	size_t len, size;
};

static void
sb_put(struct sbuf *b, const char *s, size_t len)
{
	if (len > b->size - b->len)
		len = b->size - b->len;
	memcpy(b->s + b->len, s, len);
	b->len += len;
}

static void
sb_puts(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

static void
sb_said(struct sbuf *b, const struct said *said)
{
	size_t i, start;

	if (!said || said->len == 0)
		return;
	sb_puts(b, "Remote host said: ");
	start = b->len;
	sb_put(b, said->text, said->len);
	for (i = start; i < b->len; ++i)
		if (b->s[i] == '\0')
			b->s[i] = '?';	/* a 0 byte would end the report early */
	if (b->len > 0 && b->s[b->len - 1] != '\n')
		sb_puts(b, "\n");
}

void
outcome_peer(struct outcome *f, const char *host, const char *mxname, const char *domain)
{
	str_copy(f->host, sizeof f->host, host);
	str_copy(f->mxname, sizeof f->mxname, mxname ? mxname : host);
	str_copy(f->domain, sizeof f->domain, domain ? domain : "");
}

void
outcome_set(struct outcome *f, char letter, enum report_text text, const char *detail)
{
	size_t n = 0;

	f->letter = letter;
	f->text = text;
	f->next = NEXT_FINAL;
	f->subcode = 0;
	f->tls_fell_back = 0;
	f->auth_skipped = 0;
	if (detail) {
		n = strlen(detail);
		if (n >= sizeof f->detail)
			n = sizeof f->detail - 1;
		memcpy(f->detail, detail, n);
	}
	f->detail[n] = '\0';
	f->said.len = 0;
	f->said.code = 0;
}

/* "Connected to H but X." texts, as qmail's quit() wrote them. */
static void
connected(struct sbuf *b, const struct outcome *f, const char *what)
{
	sb_puts(b, "Connected to ");
	sb_puts(b, f->host);
	sb_puts(b, " but ");
	sb_puts(b, what);
}

/* AUTH outcomes: "Connected to H but <text>." -- s/qmail's words where
 * it has them (seed 000, RESULTS), so its users' log searches still work. */
static const char *const auth_texts[] = {
	[AUTH_OK] = "authentication succeeded",
	[AUTH_ERR_NOMECH] = "no supported AUTH method found, continuing without authentication",
	[AUTH_ERR_PLAINTEXT] = "it offers only PLAIN or LOGIN without TLS: refusing to send a password in plaintext",
	[AUTH_ERR_CREDENTIALS] = "the AUTH user name or password in the control files is unusable (empty, too long, or with control characters)",
	[AUTH_ERR_CRYPTO] = "authentication failed inside OpenSSL",
	[AUTH_ERR_PROTOCOL] = "the AUTH dialogue violated the protocol",
	[AUTH_ERR_PASSWORD_EXPIRED] = "authentication was rejected (password transition needed)",
	[AUTH_ERR_REJECTED_AUTH_PLAIN] = "authentication was rejected (AUTH PLAIN)",
	[AUTH_ERR_ENCODE_PLAIN] = "unable to base64encode (plain)",
	[AUTH_ERR_REJECTED_PLAIN] = "authentication was rejected (plain)",
	[AUTH_ERR_REJECTED_AUTH_LOGIN] = "authentication was rejected (AUTH LOGIN)",
	[AUTH_ERR_ENCODE_USER] = "unable to base64encode user",
	[AUTH_ERR_REJECTED_USERNAME] = "authentication was rejected (username)",
	[AUTH_ERR_ENCODE_PASS] = "unable to base64encode pass",
	[AUTH_ERR_REJECTED_PASSWORD] = "authentication was rejected (password)",
	[AUTH_ERR_REJECTED_AUTH_CRAM] = "authentication was rejected (AUTH CRAM-MD5)",
	[AUTH_ERR_DECODE_CHALLENGE] = "unable to base64decode challenge",
	[AUTH_ERR_ENCODE_DIGEST] = "unable to base64encode username+digest",
	[AUTH_ERR_REJECTED_DIGEST] = "authentication was rejected (username+digest)",
	[AUTH_ERR_REJECTED_AUTH_SCRAM] = "authentication was rejected (AUTH SCRAM-SHA-256)",
	[AUTH_ERR_ENCODE_SCRAM] = "unable to base64encode (SCRAM-SHA-256)",
	[AUTH_ERR_SCRAM_SERVER_FIRST] = "its SCRAM-SHA-256 server-first message was malformed",
	[AUTH_ERR_SCRAM_NONCE] = "its SCRAM-SHA-256 nonce did not extend ours",
	[AUTH_ERR_SCRAM_ITERATIONS] = "its SCRAM-SHA-256 iteration count was out of bounds",
	[AUTH_ERR_REJECTED_PROOF] = "authentication was rejected (SCRAM-SHA-256 proof)",
	[AUTH_ERR_SCRAM_SERVER_FINAL] = "its SCRAM-SHA-256 server-final message was malformed",
	[AUTH_ERR_SCRAM_SIGNATURE] = "its SCRAM-SHA-256 server signature was wrong: it is not the server that knows the password",
	[AUTH_ERR_SCRAM_UNVERIFIED] = "it accepted SCRAM-SHA-256 without proving its signature",
};

const char *
report_auth_text(int code)
{
	if (code < 0 || (size_t)code >= sizeof auth_texts / sizeof auth_texts[0] || !auth_texts[code])
		return "authentication failed";
	return auth_texts[code];
}

/* TLS texts end the line themselves: "a b c\n" */
static void
tls_text(struct sbuf *b, const char *a, const char *bb, const char *c)
{
	sb_puts(b, a);
	sb_puts(b, bb);
	if (c) {
		sb_puts(b, c);
		if (c[strlen(c) - 1] == '.')
			sb_puts(b, "\n");
	}
}

/* "... M for H<end>" as s/qmail words its TLS failures. */
static void
mx_for_host(struct sbuf *b, const char *what, const struct outcome *f, const char *end)
{
	sb_puts(b, what);
	sb_puts(b, f->mxname[0] ? f->mxname : f->host);
	sb_puts(b, " for ");
	sb_puts(b, f->domain);
	sb_puts(b, end);
	if (end[strlen(end) - 1] == '.')
		sb_puts(b, "\n");
}

/* What we add to a classic sentence: a line of its own, "Word: detail.",
 * nothing when there is no detail. */
static void
detail_line(struct sbuf *b, const char *word, const char *detail)
{
	size_t n = strlen(detail);

	if (n == 0)
		return;
	if (word)
		sb_puts(b, word);
	sb_puts(b, detail);
	sb_puts(b, detail[n - 1] == '.' ? "\n" : ".\n");
}

/* Why a connection died, when it was our deadline: timeoutremote bounds
 * each step (a reply, a write), conn.c's deadline. */
static void
timed_out(struct sbuf *b)
{
	char num[24];
	unsigned t = timeout_remote;
	size_t i = sizeof num;

	if (t == 0) {
		sb_puts(b, "Timed out (timeoutremote).\n");
		return;
	}
	num[--i] = '\0';
	do {
		num[--i] = (char)('0' + t % 10);
		t /= 10;
	} while (t > 0);
	sb_puts(b, "Timed out after ");
	sb_puts(b, num + i);
	sb_puts(b, timeout_remote == 1 ? " second (timeoutremote).\n" : " seconds (timeoutremote).\n");
}

/* OpenSSL's reason, on a line of its own after the classic sentence. */
static void
reason(struct sbuf *b, const char *why)
{
	if (why && *why) {
		sb_puts(b, "TLS: ");
		sb_puts(b, why);
		sb_puts(b, "\n");
	}
}

/*
 * SPEC 7: mail that went out without TLS after TLS to host failed says so,
 * so that qmail's log tells a broken handshake from a server that offers
 * no STARTTLS: the last line of a K report (after "Remote host said:", so
 * that the classic lines stay together for log parsers), the first line of
 * a refusal that asked for TLS (the likely cause first).
 */
static void
fell_back(struct sbuf *b, const char *host)
{
	sb_puts(b, "TLS to ");
	sb_puts(b, host);
	sb_puts(b, " failed; sent without TLS.\n");
}

size_t
report_format(const struct outcome *f, char *buf, size_t size)
{
	struct sbuf b = { buf, 0, size };
	size_t n;

	sb_put(&b, &f->letter, 1);
	if (f->tls_fell_back && f->letter != 'K')
		fell_back(&b, f->host);
	switch (f->text) {
	case T_NONE:
	case T_TEXT:
		sb_puts(&b, f->detail);
		sb_puts(&b, "\n");
		break;
	case T_USAGE:
		sb_puts(&b, "I (qmail-remote) was invoked improperly. (#5.3.5)\n");
		break;
	case T_NOMEM:
		sb_puts(&b, "Out of memory. (#4.3.0)\n");
		break;
	case T_OSERR:	/* classic; then what was missing, when known */
		sb_puts(&b, "System resources temporarily unavailable. (#4.3.0)\n");
		detail_line(&b, NULL, f->detail);
		break;
	case T_READ:
		sb_puts(&b, "Unable to read message. (#4.3.0)\n");
		break;
	case T_CONTROL:	/* classic; then which file, which line, what is wrong */
		sb_puts(&b, "Unable to read control files. (#4.3.0)\n");
		detail_line(&b, NULL, f->detail);
		break;
	case T_NOCONN:
		sb_puts(&b, "Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)\n");
		break;
	case T_DNS_TEMP:
		sb_puts(&b, "Sorry, I couldn't find any host by that name. (#4.1.2)\n");
		break;
	case T_DNS_PERM:
		sb_puts(&b, "Sorry, I couldn't find any host named ");
		sb_puts(&b, f->detail);
		sb_puts(&b, ". (#5.1.2)\n");
		break;
	case T_NOMX:
		sb_puts(&b, "Sorry, I couldn't find a mail exchanger or IP address. (#5.4.4)\n");
		break;
	case T_NULLMX:
		sb_puts(&b, "Sorry, ");
		sb_puts(&b, f->detail);
		sb_puts(&b, " does not accept mail: its MX is \".\" (null MX, RFC 7505). (#5.1.10)\n");
		break;
	case T_AMBIGMX:
		sb_puts(&b, "Sorry. Although I'm listed as a best-preference MX or A for that host,\n"
		    "it isn't in my control/locals file, so I don't treat it as local. (#5.4.6)\n");
		break;
	case T_PARTIAL:
		sb_puts(&b, "SMTP cannot transfer messages with partial final lines. (#5.6.2)\n");
		break;
	case T_BIND:
		sb_puts(&b, "System can't bind to local ip address: ");
		sb_puts(&b, f->detail);
		sb_puts(&b, ". (#4.3.0)\n");
		break;
	case T_GREETING:
		connected(&b, f, "greeting failed.\n");
		break;
	case T_HELO:
		connected(&b, f, "my name was rejected.\n");
		break;
	case T_SENDER:
		connected(&b, f, "sender was rejected.\n");
		break;
	case T_GIVINGUP:
		sb_puts(&b, "Giving up on ");
		sb_puts(&b, f->host);
		sb_puts(&b, ".\n");
		break;
	case T_DATA:
		sb_puts(&b, f->host);
		sb_puts(&b, " failed on DATA command.\n");
		break;
	case T_AFTERDATA:
		sb_puts(&b, f->host);
		sb_puts(&b, " failed after I sent the message.\n");
		break;
	case T_ACCEPTED:
		sb_puts(&b, f->host);
		sb_puts(&b, " accepted message.\n");
		if (f->tls.cipher[0]) {	/* s/qmail's words, "(TLSA validated)" its too */
			sb_puts(&b, "TLS ");
			sb_puts(&b, f->tls.dane ? "(TLSA validated) " : f->tls.mtasts ? "(MTA-STS enforced) " : "");
			sb_puts(&b, "transmitted message accepted (");
			sb_puts(&b, f->tls.cipher);
			sb_puts(&b, ").\n");
		}
		if (f->auth_skipped) {	/* seed 000: delivered all the same, and said */
			sb_puts(&b, report_auth_text(AUTH_ERR_NOMECH));
			sb_puts(&b, ".\n");
		}
		break;
	case T_DROPPED:	/* every session that ended before the server's verdict */
	case T_TIMEOUT:
	case T_PROTOCOL:
		connected(&b, f, "connection died. ");
		if (f->critical)
			sb_puts(&b, "Possible duplicate! ");
		sb_puts(&b, "(#4.4.2)\n");
		if (f->text == T_TIMEOUT)
			timed_out(&b);
		else if (f->text == T_PROTOCOL)
			detail_line(&b, "Protocol violation: ", f->detail);
		break;
	case T_QMTP_PROTOCOL:	/* seed 000's sentence, whole */
		connected(&b, f, "recipient host did not talk proper QMTP.");
		if (f->critical)	/* the whole package was sent */
			sb_puts(&b, " Possible duplicate!");
		sb_puts(&b, "\n");
		detail_line(&b, "Protocol violation: ", f->detail);
		break;
	case T_SMTPUTF8:
		sb_puts(&b, "Sorry, the message needs SMTPUTF8 (a non-ASCII address) and ");
		sb_puts(&b, f->host);
		sb_puts(&b, " does not offer it. (#5.6.7)\n");
		break;
	case T_AUTH:
		connected(&b, f, report_auth_text(f->subcode));
		sb_puts(&b, ".\n");
		break;
	case T_TLS_CERT_LOAD:
		tls_text(&b, "Can't load X.509 certificate: ", f->detail, ".");
		break;
	case T_TLS_KEY_LOAD:
		tls_text(&b, "Can't load X.509 private key: ", f->detail, ".");
		break;
	case T_TLS_KEY_MISMATCH:
		tls_text(&b, "Keyfile does not match X.509 certificate: ", f->detail, ".");
		break;
	case T_TLS_CIPHERS:
		tls_text(&b, "I wasn't able to process the TLS ciphers: ", f->detail, ".");
		break;
	case T_TLS_CA:
		n = strlen(f->detail);
		tls_text(&b, n > 0 && f->detail[n - 1] == '/' ?
		    "I wasn't able to setup CADIR: " : "I wasn't able to setup CAFILE: ",
		    f->detail, " for TLS.");
		break;
	case T_TLS_CONTEXT:
		tls_text(&b, "I wasn't able to create TLS context for: ", f->domain, " at ");
		tls_text(&b, f->mxname, "", ".");
		break;
	case T_TLS_CONNECT:
		mx_for_host(&b, "I wasn't able to establish a TLS connection with: ", f, ".");
		reason(&b, f->detail);
		break;
	case T_TLS_PROTOCOL:
		mx_for_host(&b, "TLS connection/protocol error with host: ", f, ".");
		reason(&b, f->detail);
		break;
	case T_TLS_STARTTLS:
		mx_for_host(&b, "I wasn't able to negotiate a StartTLS connection with: ", f, ".");
		reason(&b, f->detail);
		break;
	case T_TLS_NOCERT:
		mx_for_host(&b, "Unable to obtain X.500 certificate from: ", f, ".");
		break;
	case T_TLS_SUBJECT:
		tls_text(&b, "Unable to validate X.500 certificate Subject for: ", f->domain, " at ");
		tls_text(&b, f->mxname, "", ".");
		break;
	case T_TLS_CHAIN:
		mx_for_host(&b, "Unable to verify X.509 certificate chain from: ", f, ": ");
		tls_text(&b, f->detail, "", ".");
		break;
	case T_TLS_PIN:
		mx_for_host(&b, "Received X.500 certificate from: ", f, " does not match provided fingerprint: ");
		tls_text(&b, f->detail, "", ".");
		break;
	case T_TLS_DIGEST:
		mx_for_host(&b, "Received X.500 certificate from: ", f, " posses an unknown digest method.");
		break;
	case T_TLSA_MISSING:
		mx_for_host(&b, "TLSA X.509 cert required but missing from: ", f, ".");
		break;
	case T_TLSA_FAIL:
		mx_for_host(&b, "TLSA validation of the X.509 certificate failed for: ", f, ": ");
		tls_text(&b, f->detail, "", ".");
		break;
	case T_TLSA_LOOKUP:
		mx_for_host(&b, "TLSA lookup error for: ", f, ".");
		break;
	case T_STS_MX:
		sb_puts(&b, "MTA-STS policy of ");
		sb_puts(&b, f->domain);
		sb_puts(&b, " (enforce) does not list the mail exchanger ");
		sb_puts(&b, f->mxname);
		sb_puts(&b, "; not sending to it.\n");
		break;
	case T_TLS_UNAVAILABLE:
		mx_for_host(&b, "TLS is required for: ", f, " but ");
		tls_text(&b, f->detail, "", "; not sending in plaintext.");
		break;
	}
	sb_said(&b, &f->said);
	if (f->tls_fell_back && f->letter == 'K')
		fell_back(&b, f->host);
	return b.len;
}

void
report_reason(const struct outcome *f, char *buf, size_t size)
{
	char text[1024];
	size_t n = report_format(f, text, sizeof text - 1), i;

	text[n] = '\0';
	/* "Zline one\nline two\n" -> "line one line two" */
	for (i = 1; i < n; i++)
		if (text[i] == '\n')
			text[i] = i + 1 < n ? ' ' : '\0';
	str_copy(buf, size, n > 1 ? text + 1 : "TLS failed");
}

static const char *
letter_word(char letter)
{
	switch (letter) {
	case 'r': return "recipient accepted";
	case 'h': return "recipient rejected permanently";
	case 's': return "recipient rejected temporarily";
	case 'K': return "delivered";
	case 'Z': return "deferred (temporary failure)";
	case 'D': return "failed (permanent failure)";
	}
	return "?";
}

/* One report: letter + text + 0 byte; on a terminal, readable lines. */
static void
emit(const char *rep, size_t len, const char *recip)
{
	const char *text = rep + 1, *nl;
	size_t left = len - 1;

	if (on_tty < 0)
		on_tty = isatty(1);
	if (!on_tty) {
		out_put(rep, len);
		out_put("", 1);
		return;
	}
	out_put(letter_word(rep[0]), strlen(letter_word(rep[0])));
	if (recip) {
		out_put(" <", 2);
		out_put(recip, strlen(recip));
		out_put(">", 1);
	}
	out_put("\n", 1);
	while (left > 0) {
		nl = memchr(text, '\n', left);
		size_t n = nl ? (size_t)(nl - text) + 1 : left;
		out_put("    ", 4);
		out_put(text, n);
		if (!nl)
			out_put("\n", 1);
		text += n;
		left -= n;
	}
}

void
report_recipient(char letter, const char *recip, const char *host, const struct said *said,
    int tls_fell_back)
{
	char buf[SAID_MAX + 512];
	struct sbuf b = { buf, 0, sizeof buf };

	sb_put(&b, &letter, 1);
	if (letter != 'r') {	/* classic: a bare "r" for acceptance */
		if (tls_fell_back)
			fell_back(&b, host);
		sb_puts(&b, host);
		sb_puts(&b, " does not like recipient.\n");
		sb_said(&b, said);
	}
	emit(buf, b.len, recip);
}

void
report_flush(void)
{
	out_flush();
}

void
report_exit(const struct outcome *f, int exitcode)
{
	char buf[SAID_MAX + 1024];

	emit(buf, report_format(f, buf, sizeof buf), NULL);
	out_flush();
	_exit(exitcode);
}

void
report_die(char letter, enum report_text text, const char *detail)
{
	static struct outcome f;

	outcome_set(&f, letter, text, detail);
	report_exit(&f, 0);
}
