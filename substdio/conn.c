/*
 * conn.c -- buffered, deadline-bounded reads and writes on a connection.
 * The only reader of network input for the SMTP and QMTP sessions: lines
 * are bounded by the caller and nothing is allocated. The deadline is set
 * once per reply, so a peer trickling one byte a second cannot stretch it.
 * Not here: what the bytes mean; TLS (tls.c supplies other ops).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "conn.h"

static ssize_t
plain_read(struct conn *c, char *buf, size_t len, int *want)
{
	ssize_t r = read(c->fd, buf, len);

	*want = 0;
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		*want = POLLIN;
	return r;
}

static ssize_t
plain_write(struct conn *c, const char *buf, size_t len, int *want)
{
	ssize_t r = write(c->fd, buf, len);

	*want = 0;
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		*want = POLLOUT;
	return r;
}

const struct conn_ops conn_plain_ops = { plain_read, plain_write };

void
conn_init(struct conn *c, int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags != -1 && !(flags & O_NONBLOCK))
		(void)fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	c->fd = fd;
	c->ops = &conn_plain_ops;
	c->ctx = NULL;
	c->deadline_ms = 0;
	c->bytes_in = c->bytes_out = 0;
	c->rpos = c->rlen = 0;
	c->wlen = 0;
	c->write_failed = CONN_OK;
}

long long
conn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
conn_deadline(struct conn *c, unsigned timeout_s)
{
	c->deadline_ms = conn_now_ms() + (long long)timeout_s * 1000;
}

int
conn_wait(struct conn *c, int want)
{
	struct pollfd p;
	long long left;
	int r;

	for (;;) {
		left = c->deadline_ms ? c->deadline_ms - conn_now_ms() : -1;
		if (c->deadline_ms && left <= 0)
			return CONN_TIMEOUT;
		p.fd = c->fd;
		p.events = (short)want;
		p.revents = 0;
		r = poll(&p, 1, left > 0x7fffffff ? 0x7fffffff : (int)left);
		if (r > 0)
			return CONN_OK;
		if (r == 0)
			return CONN_TIMEOUT;
		if (errno != EINTR)
			return CONN_IO;
	}
}

/* Refills rbuf (which must be empty); CONN_OK when at least one byte came. */
static int
fill(struct conn *c)
{
	ssize_t r;
	int want, w;

	c->rpos = c->rlen = 0;
	for (;;) {
		r = c->ops->read(c, c->rbuf, sizeof c->rbuf, &want);
		if (r > 0) {
			c->rlen = (size_t)r;
			c->bytes_in += (size_t)r;
			return CONN_OK;
		}
		if (r == 0)
			return CONN_EOF;
		if (!want)
			return CONN_IO;
		if ((w = conn_wait(c, want)) != CONN_OK)
			return w;
	}
}

int
conn_getline(struct conn *c, char *buf, size_t max, size_t *len)
{
	size_t have = 0, take;
	const char *start, *nl;
	int r;

	for (;;) {
		if (c->rpos == c->rlen && (r = fill(c)) != CONN_OK)
			return r;
		start = c->rbuf + c->rpos;
		nl = memchr(start, '\n', c->rlen - c->rpos);
		take = nl ? (size_t)(nl - start) : c->rlen - c->rpos;
		if (have + take > max + 1)	/* + 1: the CR before the LF */
			return CONN_TOOLONG;
		memcpy(buf + have, start, take);
		have += take;
		c->rpos += take + (nl ? 1 : 0);
		if (nl) {
			if (have > 0 && buf[have - 1] == '\r')
				--have;
			if (have > max)
				return CONN_TOOLONG;
			*len = have;
			return CONN_OK;
		}
	}
}

size_t
conn_pending(const struct conn *c)
{
	return c->rlen - c->rpos;
}

int
conn_read(struct conn *c, char *buf, size_t len, size_t *got)
{
	size_t n;
	int r;

	*got = 0;
	if (len == 0)
		return CONN_OK;
	if (c->rpos == c->rlen && (r = fill(c)) != CONN_OK)
		return r;
	n = c->rlen - c->rpos;
	if (n > len)
		n = len;
	memcpy(buf, c->rbuf + c->rpos, n);
	c->rpos += n;
	*got = n;
	return CONN_OK;
}

static int
write_all(struct conn *c, const char *buf, size_t len)
{
	ssize_t r;
	int want, w;

	if (c->write_failed != CONN_OK)
		return c->write_failed;
	while (len > 0) {
		r = c->ops->write(c, buf, len, &want);
		if (r > 0) {
			buf += r;
			len -= (size_t)r;
			c->bytes_out += (size_t)r;
			continue;
		}
		if (r == 0 || !want)
			return c->write_failed = CONN_IO;
		if ((w = conn_wait(c, want)) != CONN_OK)
			return c->write_failed = w;
	}
	return CONN_OK;
}

int
conn_write_failed(const struct conn *c)
{
	return c->write_failed;
}

int
conn_flush(struct conn *c)
{
	int r;

	if (c->wlen == 0)
		return CONN_OK;
	r = write_all(c, c->wbuf, c->wlen);
	c->wlen = 0;
	return r;
}

int
conn_put(struct conn *c, const char *buf, size_t len)
{
	size_t room;
	int r;

	if (c->write_failed != CONN_OK)
		return c->write_failed;
	while (len > 0) {
		room = sizeof c->wbuf - c->wlen;
		if (room == 0) {
			if ((r = conn_flush(c)) != CONN_OK)
				return r;
			continue;
		}
		if (room > len)
			room = len;
		memcpy(c->wbuf + c->wlen, buf, room);
		c->wlen += room;
		buf += room;
		len -= room;
	}
	return CONN_OK;
}

int
conn_puts(struct conn *c, const char *s)
{
	return conn_put(c, s, strlen(s));
}

int
conn_write(struct conn *c, const char *buf, size_t len)
{
	int r;

	if (c->wlen + len <= sizeof c->wbuf)
		return conn_put(c, buf, len);
	if ((r = conn_flush(c)) != CONN_OK)
		return r;
	return write_all(c, buf, len);
}
