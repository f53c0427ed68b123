/*
 * fuzz_session.c -- libFuzzer target for a whole SMTP session (smtp.c's
 * state machine, pipelined or not, with or without CHUNKING and AUTH):
 * the input is everything a hostile server says, served by in-memory conn
 * ops in random-sized pieces; the first byte picks 1 to 4 recipients, AUTH
 * credentials or none, and whether the message counts as 8-bit. What the
 * client writes is kept and checked:
 *  - never a bare CR or LF on the wire (SMTP smuggling), whatever the
 *    message holds (it holds lone CRs, lone LFs, dots and 8-bit bytes);
 *  - K only after the end of the data was sent (the dot, or BDAT LAST);
 *  - the password never in a report, not even in base64 (unless the
 *    server itself said it);
 *  - a report letter, a bounded report.
 * No TLS here (OpenSSL per run would hide the state machine's speed).
 */
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include "message.h"
#include "smtp.h"

#include "feed.h"
#include "fuzzmsg.h"

#define WIRE_MAX (1 << 20)

static struct message msg;
static char *recips[] = { "a@example.org", "b@example.org", "c@example.org", "d@example.org" };
static char wire[WIRE_MAX];
static size_t wire_len, wire_lost;

static ssize_t
keep_write(struct conn *c, const char *buf, size_t len, int *want)
{
	size_t n = len < WIRE_MAX - wire_len ? len : WIRE_MAX - wire_len;

	(void)c;
	*want = 0;
	memcpy(wire + wire_len, buf, n);
	wire_len += n;
	wire_lost += len - n;
	return (ssize_t)len;
}

static const struct conn_ops session_ops = { feed_read, keep_write };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_message_init(&msg, "Subject: fuzz\n\n.\n..x\nlone\rcr\r\nbody\n\x80\xff\n.\r\n\r.\nend\n");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conn c;
	static struct outcome f;
	static char rep[SAID_MAX + 1024];
	struct feed fd = { data, size, 0 };
	struct session_params p;
	unsigned opt = size > 0 ? data[0] : 0;
	size_t i, n;

	if (lseek(msg.fd, 0, SEEK_SET) != 0)
		__builtin_trap();
	memset(&p, 0, sizeof p);
	memset(&f, 0, sizeof f);
	p.helohost = "client.example.org";
	p.sender = "s@example.org";
	p.recips = recips;
	p.nrecips = 1 + (int)(opt & 3);
	p.msg = &msg;
	p.timeout_s = 1;
	p.host = "192.0.2.1";
	p.mxname = "mx.example.org";
	p.domain = "example.org";
	if (opt & 4) {
		p.auth_user = "user";
		p.auth_pass = "secret";
		p.peer_loopback = 1;	/* PLAIN and LOGIN too, without TLS */
	}
	p.has_8bit = (opt & 8) != 0;
	wire_len = wire_lost = 0;
	conn_init(&c, -1);
	c.ops = &session_ops;
	c.ctx = &fd;
	(void)smtp_deliver(&c, &p, &f);
	(void)conn_flush(&c);

	if (f.letter != 'K' && f.letter != 'Z' && f.letter != 'D')
		__builtin_trap();
	if (f.said.len > sizeof f.said.text)
		__builtin_trap();
	n = report_format(&f, rep, sizeof rep);
	if (n > sizeof rep)
		__builtin_trap();
	if ((memmem(rep, n, "secret", 6) && !memmem(data, size, "secret", 6)) ||
	    (memmem(rep, n, "c2VjcmV0", 8) && !memmem(data, size, "c2VjcmV0", 8)))
		__builtin_trap();	/* not from us (a server may say it, of course) */
	for (i = 0; i < wire_len; ++i) {
		if (wire[i] == '\n' && (i == 0 || wire[i - 1] != '\r'))
			__builtin_trap();	/* bare LF */
		if (wire[i] == '\r' && i + 1 < wire_len && wire[i + 1] != '\n')
			__builtin_trap();	/* bare CR */
	}
	if (f.letter == 'K' && !wire_lost && !memmem(wire, wire_len, "\r\n.\r\n", 5) &&
	    !memmem(wire, wire_len, " LAST\r\n", 7))
		__builtin_trap();	/* accepted, yet the data never ended */
	return 0;
}
