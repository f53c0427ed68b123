/*
 * qmtp.c -- one QMTP delivery (cr.yp.to/proto/qmtp.txt) on a connected
 * struct conn: one package -- the message as a netstring in encoding #2
 * (an LF, then the file's bytes unmodified), the sender as a netstring,
 * the recipients as a netstring of netstrings -- then one response
 * netstring per recipient, in order: K, Z or D and a text. Prints the
 * r/s/h recipient reports and decides the message report. QMTPS (port
 * 6209, s/qmail) is the same after a TLS handshake from the first byte.
 * Not here: choosing QMTP, the port or the peer (qmail-remote.c; the MXPS
 * rule is qmtp_mxps() below), TLS itself (tls.c swaps the conn's ops),
 * the report texts (report.c). Peer bytes come only via conn_read().
 * Limits: a response holds at most QMTP_RESPONSE_MAX bytes, a longer one
 * is refused from its length prefix alone; every block written and every
 * response read must finish within timeoutremote; the message moves in
 * QMTP_BLOCK pieces with no per-line work, and nothing is allocated.
 */
#include <stdio.h>
#include <string.h>
#include "message.h"
#include "qmtp.h"
#include "tls.h"
#include "trace.h"
#include "str.h"

#define QMTP_BLOCK	65536	/* the message moves in reads and writes of this size */
#define QMTP_DIGITS_MAX	20	/* an unsigned long long in decimal */

_Static_assert(QMTP_RESPONSE_MAX <= SAID_MAX, "a response text plus its LF must fit struct said");

/* What the session is doing: for the transcript and for "Possible duplicate!". */
enum qmtp_state { S_TLS, S_PACKAGE, S_RESPONSES };

static const struct step {
	const char *doing;
	int critical;		/* the whole package was sent: the server may have it */
} steps[] = {
	[S_TLS] = { "starting TLS (QMTPS)", 0 },
	[S_PACKAGE] = { "sending the package", 0 },		/* an incomplete package is thrown away (qmtp.txt 2) */
	[S_RESPONSES] = { "waiting for the responses", 1 },
};

int
qmtp_mxps(unsigned long pref)
{
	/* slice #1 of the experimental range 12800..13055 is QMTP */
	return pref >= 12800 && pref <= 13055 && pref % 16 == 1;
}

/* n in decimal without leading zeros ("0" for 0), as netstrings want. */
static size_t
fmt_num(char *buf, unsigned long long n)
{
	char tmp[QMTP_DIGITS_MAX];
	size_t len = 0, i;

	do {
		tmp[len++] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	for (i = 0; i < len; ++i)
		buf[i] = tmp[len - 1 - i];
	return len;
}

static unsigned long long
netstring_size(unsigned long long len)
{
	char num[QMTP_DIGITS_MAX];

	return fmt_num(num, len) + 1 + len + 1;
}

/* One byte from the peer. */
static int
get_byte(struct conn *c, char *ch)
{
	size_t got;

	return conn_read(c, ch, 1, &got);
}

int
qmtp_read_response(struct conn *c, char *buf, size_t *len, const char **why)
{
	size_t n = 0, digits = 0, have = 0, got;
	char ch;
	int r;

	*len = 0;
	for (;;) {
		if ((r = get_byte(c, &ch)) != CONN_OK)
			return r;
		if (ch == ':')
			break;
		if (ch < '0' || ch > '9' || (digits == 1 && n == 0)) {
			*why = "bad netstring";	/* not a digit, or a leading zero */
			return QMTP_BAD;
		}
		n = n * 10 + (size_t)(ch - '0');
		++digits;
		if (n > QMTP_RESPONSE_MAX) {	/* stops the digits too: n grows tenfold each */
			*why = "response too long";
			return QMTP_BAD;
		}
	}
	if (digits == 0) {
		*why = "bad netstring";
		return QMTP_BAD;
	}
	if (n == 0) {
		*why = "empty response";	/* qmtp.txt 5: a nonempty string */
		return QMTP_BAD;
	}
	while (have < n) {
		if ((r = conn_read(c, buf + have, n - have, &got)) != CONN_OK)
			return r;
		have += got;
	}
	if ((r = get_byte(c, &ch)) != CONN_OK)
		return r;
	if (ch != ',') {
		*why = "bad netstring";
		return QMTP_BAD;
	}
	if (buf[0] != 'K' && buf[0] != 'Z' && buf[0] != 'D') {
		*why = "unknown status byte";
		return QMTP_BAD;
	}
	*len = n;
	return QMTP_OK;
}

/*
 * The text after the status byte as "Remote host said:" shows it. qmtp.txt
 * 5 warns of arbitrary bytes: control characters become '?' so a server
 * cannot add lines of its own to a report; bytes >= 0x80 (UTF-8) stay.
 */
static void
said_from(struct said *said, const char *resp, size_t len)
{
	size_t i;
	unsigned char ch;

	said->code = 0;
	said->len = 0;
	for (i = 1; i < len && said->len < sizeof said->text - 1; ++i) {
		ch = (unsigned char)resp[i];
		said->text[said->len++] = (char)((ch < 32 && ch != '\t') || ch == 127 ? '?' : ch);
	}
	said->text[said->len++] = '\n';
}

/* A dead or timed-out connection while in state s: Z, final (smtp.c's
 * broken() for QMTP, whose every state follows the first byte). -1. */
static int
broken(struct outcome *f, enum qmtp_state s, int status)
{
	outcome_set(f, 'Z', status == CONN_TIMEOUT ? T_TIMEOUT : T_DROPPED, NULL);
	f->critical = steps[s].critical;
	TRACE("qmtp: failed while %s (status %d)", steps[s].doing, status);
	return -1;
}

/* The netstring of s: "len:s,". */
static int
put_netstring(struct conn *c, const char *s, size_t len)
{
	char num[QMTP_DIGITS_MAX];
	int r;

	if ((r = conn_put(c, num, fmt_num(num, len))) != CONN_OK ||
	    (r = conn_put(c, ":", 1)) != CONN_OK ||
	    (r = conn_put(c, s, len)) != CONN_OK)
		return r;
	return conn_put(c, ",", 1);
}

/*
 * Sends the package; 0, or -1 with f filled. Each block
 * gets its own deadline, so a large message on a slow link is fine while
 * a stalled peer is not.
 */
static int
send_package(struct conn *c, const struct session_params *p, struct outcome *f)
{
	static char block[QMTP_BLOCK];
	char num[QMTP_DIGITS_MAX];
	unsigned long long left = p->msg->size, rlen = 0;
	size_t want;
	ssize_t n;
	int i, w;

	for (i = 0; i < p->nrecips; ++i)	/* argv's size is bounded: no overflow */
		rlen += netstring_size(strlen(p->recips[i]));
	TRACE("qmtp: > package: message %llu bytes, sender <%s>, %d recipient(s)",
	    p->msg->size, p->sender, p->nrecips);

	/* encoding #2 (qmtp.txt 4): an LF before the first line */
	conn_deadline(c, p->timeout_s);
	if ((w = conn_put(c, num, fmt_num(num, p->msg->size + 1))) != CONN_OK ||
	    (w = conn_put(c, ":\n", 2)) != CONN_OK)
		return broken(f, S_PACKAGE, w);
	while (left > 0) {
		want = left < sizeof block ? (size_t)left : sizeof block;
		n = message_read(p->msg, block, want);
		if (n <= 0) {
			/* read error, or the file shrank: the package stays incomplete,
			 * so the server must throw it away (qmtp.txt 2) */
			TRACE("qmtp: message ended %llu bytes early", left);
			outcome_set(f, 'Z', T_READ, NULL);
			return -1;
		}
		conn_deadline(c, p->timeout_s);
		if ((w = conn_write(c, block, (size_t)n)) != CONN_OK)
			return broken(f, S_PACKAGE, w);
		left -= (unsigned long long)n;
	}
	conn_deadline(c, p->timeout_s);
	if ((w = conn_put(c, ",", 1)) != CONN_OK ||
	    (w = put_netstring(c, p->sender, strlen(p->sender))) != CONN_OK ||
	    (w = conn_put(c, num, fmt_num(num, rlen))) != CONN_OK ||
	    (w = conn_put(c, ":", 1)) != CONN_OK)
		return broken(f, S_PACKAGE, w);
	for (i = 0; i < p->nrecips; ++i) {
		conn_deadline(c, p->timeout_s);
		if ((w = put_netstring(c, p->recips[i], strlen(p->recips[i]))) != CONN_OK)
			return broken(f, S_PACKAGE, w);
	}
	conn_deadline(c, p->timeout_s);
	if ((w = conn_put(c, ",", 1)) != CONN_OK || (w = conn_flush(c)) != CONN_OK)
		return broken(f, S_PACKAGE, w);
	return 0;
}

/* TLS for QMTPS, or a refusal when policy wants TLS that QMTP cannot give. */
static int
start_tls(struct conn *c, const struct session_params *p, struct outcome *f)
{
	int protocol_error;

	if (!p->tls)
		return 0;
	if (p->tls->smtps) {
		if (tls_start(c, p->tls, p->pending, p->mxname, p->timeout_s, f, &protocol_error) == 0)
			return 0;
		/* no '?' plaintext retry: port 6209 speaks TLS only */
		TRACE("qmtp: failed while %s", steps[S_TLS].doing);
		return -1;
	}
	if (p->tls->level >= TLS_ENCRYPT) {
		outcome_set(f, 'Z', T_TLS_UNAVAILABLE, "QMTP on this port has no STARTTLS");
		return -1;
	}
	return 0;
}

enum next
qmtp_deliver(struct conn *c, const struct session_params *p, struct outcome *f)
{
	static char resp[QMTP_RESPONSE_MAX];
	static struct said said, accepted_said;
	const char *why = "";
	size_t len;
	int i, r, accepted = 0, temporary = 0;

	f->critical = 0;
	memset(&f->tls, 0, sizeof f->tls);
	outcome_peer(f, p->host, p->mxname, p->domain);

	if (message_spool(p->msg) != 0) {
		outcome_set(f, 'Z', T_READ, NULL);
		return NEXT_FINAL;	/* a local problem: no other host does better */
	}
	if (start_tls(c, p, f) != 0)
		return NEXT_PEER;	/* not a byte of the package sent */
	if (send_package(c, p, f) != 0)
		return NEXT_FINAL;

	for (i = 0; i < p->nrecips; ++i) {
		/* one deadline per response; their number is bounded by argv */
		conn_deadline(c, p->timeout_s);
		r = qmtp_read_response(c, resp, &len, &why);
		if (r == QMTP_BAD) {
			TRACE("qmtp: response %d: %s", i + 1, why);
			outcome_set(f, 'Z', T_QMTP_PROTOCOL, why);
			f->critical = 1;
			return NEXT_FINAL;
		}
		if (r != QMTP_OK) {
			broken(f, S_RESPONSES, r);
			return NEXT_FINAL;
		}
		trace_line("<", resp, len);
		said_from(&said, resp, len);
		switch (resp[0]) {
		case 'K':
			report_recipient('r', p->recips[i], p->host, &said, 0);
			accepted_said = said;
			++accepted;
			break;
		case 'Z':
			report_recipient('s', p->recips[i], p->host, &said, 0);
			++temporary;
			break;
		default:
			report_recipient('h', p->recips[i], p->host, &said, 0);
			break;
		}
	}
	if (!accepted) {
		/* the recipient reports carry the reasons; this decides only
		 * for callers that read the message letter alone */
		outcome_set(f, temporary ? 'Z' : 'D', T_GIVINGUP, NULL);
		return NEXT_FINAL;
	}
	outcome_set(f, 'K', T_ACCEPTED, NULL);	/* the TLS facts: tls_start() */
	f->said = accepted_said;
	return NEXT_FINAL;
}
