/*
 * fuzz_reply.c -- libFuzzer target for the SMTP reply reader and the EHLO
 * keyword parser: the input is what a hostile server sends, served by
 * in-memory conn ops in random-sized pieces.
 */
#include <stdint.h>
#include <string.h>
#include "smtp.h"

struct feed {
	const uint8_t *data;
	size_t len, pos;
};

static ssize_t
feed_read(struct conn *c, char *buf, size_t len, int *want)
{
	struct feed *f = c->ctx;
	size_t n = f->len - f->pos;

	*want = 0;
	if (n == 0)
		return 0;
	if (n > len)
		n = len;
	if (n > 1 + (f->data[f->pos] & 31))	/* vary the read sizes */
		n = 1 + (f->data[f->pos] & 31);
	memcpy(buf, f->data + f->pos, n);
	f->pos += n;
	return (ssize_t)n;
}

static ssize_t
feed_write(struct conn *c, const char *buf, size_t len, int *want)
{
	(void)c;
	(void)buf;
	*want = 0;
	return (ssize_t)len;
}

static const struct conn_ops feed_ops = { feed_read, feed_write };

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
