/*
 * fuzz_qmtp.c -- libFuzzer target for QMTP responses: the input is what a
 * hostile server sends after the package, served by in-memory conn ops in
 * random-sized pieces. First qmtp_read_response() alone until it stops,
 * then a whole qmtp_deliver() (1 to 4 recipients, chosen by the first
 * byte) with its reports going to /dev/null.
 */
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include "message.h"
#include "qmtp.h"

#include "feed.h"
#include "fuzzmsg.h"
static struct message msg;
static char *recips[] = { "a@example.org", "b@example.org", "\xc3\xbc@example.org", "d@example.org" };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_message_init(&msg, "Subject: fuzz\n\nbody\r\n\x80\xff\n");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conn c;
	static struct outcome f;
	static char buf[QMTP_RESPONSE_MAX];
	static char rep[SAID_MAX + 1024];
	struct feed fd = { data, size, 0 };
	struct session_params p;
	const char *why;
	size_t len;
	int r;

	conn_init(&c, -1);
	c.ops = &feed_ops;
	c.ctx = &fd;
	do {
		r = qmtp_read_response(&c, buf, &len, &why);
		if (r == QMTP_OK && (len == 0 || len > sizeof buf ||
		    (buf[0] != 'K' && buf[0] != 'Z' && buf[0] != 'D')))
			__builtin_trap();
	} while (r == QMTP_OK);

	if (lseek(msg.fd, 0, SEEK_SET) != 0)
		__builtin_trap();
	memset(&p, 0, sizeof p);
	p.sender = "";
	p.recips = recips;
	p.nrecips = size > 0 ? 1 + data[0] % 4 : 1;
	p.msg = &msg;
	p.timeout_s = 1;
	p.host = "192.0.2.1";
	conn_init(&c, -1);
	c.ops = &feed_ops;
	c.ctx = &fd;
	fd.pos = 0;
	if (qmtp_deliver(&c, &p, &f) != NEXT_FINAL)
		__builtin_trap();
	if ((f.letter != 'K' && f.letter != 'Z' && f.letter != 'D') || f.said.len > sizeof f.said.text)
		__builtin_trap();
	if (report_format(&f, rep, sizeof rep) > sizeof rep)
		__builtin_trap();
	return 0;
}
