/*
 * feed.h -- conn ops that serve a fuzzer's input as a hostile peer would:
 * in pieces of 1 to 32 bytes chosen by the data itself, then EOF; writes
 * vanish. Shared by the fuzz targets that read replies through conn.c.
 */
#ifndef FEED_H
#define FEED_H

#include <stdint.h>
#include <string.h>
#include "conn.h"

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
	if (n > (size_t)(1 + (f->data[f->pos] & 31)))	/* vary the read sizes */
		n = (size_t)(1 + (f->data[f->pos] & 31));
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

#endif
