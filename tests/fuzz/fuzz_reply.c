/*
 * fuzz_reply.c -- libFuzzer target for the SMTP reply reader and the EHLO
 * keyword parser: the input is what a hostile server sends, served by
 * in-memory conn ops in random-sized pieces.
 */
#include <stdint.h>
#include <string.h>
#include "smtp.h"

#include "feed.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conn c;
	static struct said said;
	struct feed f = { data, size, 0 };
	struct ehlo e;
	const char *why;
	int r;

	conn_init(&c, -1);
	c.ops = &feed_ops;
	c.ctx = &f;
	memset(&e, 0, sizeof e);
	do {
		r = smtp_read_reply(&c, &said, &e, &why);
		if (said.len > sizeof said.text)
			__builtin_trap();
	} while (r == REPLY_OK);
	if (strlen(e.auth) >= sizeof e.auth)
		__builtin_trap();
	return 0;
}
