/*
 * tcpto.c -- the connect-timeout tables. IPv4: queue/lock/tcpto, the table
 * qmail-remote has kept since qmail 1.03, in its format and with its logic
 * so that qmail-tcpto(8) prints it and qmail-tcpok(8) clears it: 16-byte
 * records, bytes 0-3 the IPv4 address, byte 4 the count of consecutive
 * timeouts, bytes 8-11 the time of the last one (little endian); the other
 * bytes are never written. IPv6: queue/lock/tcpto6 beside it, the same
 * logic with 32-byte records: bytes 0-15 the address, byte 16 the count,
 * bytes 24-31 the time (little endian); at most 64 records, like qmail's
 * 1024 bytes. The classic tools never see it: they would misread a wider
 * record. An IPv4-mapped address (::ffff:a.b.c.d) is its IPv4 address and
 * goes to the classic table. Two or more timeouts within ~1-1.5 hours:
 * skip the address. Each file is locked with flock() for updates, as qmail
 * does, and a missing file switches its table off (qmail-remote runs as
 * qmailr, which cannot create files in queue/lock: `make install` creates
 * tcpto6, as qmail's install creates tcpto).
 * Not here: deciding to try another address (qmail-remote.c).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "tcpto.h"

/* One table's layout. */
struct table {
	const char *path;	/* NULL: off */
	size_t rec;		/* bytes per record */
	size_t alen;		/* address bytes, at offset 0 */
	size_t count;		/* offset of the timeout count */
	size_t when;		/* offset of the time of the last timeout */
	size_t wlen;		/* its bytes, little endian */
	size_t max;		/* bytes read at most (64 records) */
};

static char path6[4096];
static struct table v4 = { "/var/qmail/queue/lock/tcpto", 16, 4, 4, 8, 4, 1024 };
static struct table v6 = { "/var/qmail/queue/lock/tcpto6", 32, 16, 16, 24, 8, 2048 };
static unsigned char buf[2048];
static int was_there;

void
tcpto_path(const char *path)
{
	int n = snprintf(path6, sizeof path6, "%s6", path);

	v4.path = path;
	v6.path = n > 0 && (size_t)n < sizeof path6 ? path6 : NULL;
}

/* The table for ip and the bytes that key it; NULL for no table. */
static const struct table *
pick(const struct ip_address *ip, const unsigned char **key)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (ip->af == AF_INET) {
		*key = ip->addr;
		return v4.path ? &v4 : NULL;
	}
	if (ip->af != AF_INET6)
		return NULL;
	if (memcmp(ip->addr, mapped, sizeof mapped) == 0) {
		*key = ip->addr + 12;
		return v4.path ? &v4 : NULL;
	}
	*key = ip->addr;
	return v6.path ? &v6 : NULL;
}

static unsigned long long
when(const struct table *t, const unsigned char *rec)
{
	unsigned long long w = 0;
	size_t i;

	for (i = t->wlen; i > 0; --i)
		w = w << 8 | rec[t->when + i - 1];
	return w;
}

static void
set_when(const struct table *t, unsigned char *rec, unsigned long long w)
{
	size_t i;

	for (i = 0; i < t->wlen; ++i, w >>= 8)
		rec[t->when + i] = (unsigned char)w;
}

/* Reads table t; returns the record count, and a locked fd in *lockfd
 * when the count is not 0. */
static size_t
load(const struct table *t, int *lockfd)
{
	ssize_t r;
	int fd;

	fd = open(t->path, O_RDWR | O_CLOEXEC);
	if (fd == -1)
		return 0;
	if (flock(fd, LOCK_EX) == -1 || (r = pread(fd, buf, t->max, 0)) < (ssize_t)t->rec) {
		close(fd);
		return 0;
	}
	*lockfd = fd;
	return (size_t)r / t->rec;
}

static void
unlock(int fd)
{
	(void)flock(fd, LOCK_UN);
	close(fd);
}

int
tcpto_skip(const struct ip_address *ip)
{
	unsigned long long now = (unsigned long long)time(NULL);
	const struct table *t;
	const unsigned char *key;
	unsigned char *rec;
	size_t n, i;
	int fd;

	was_there = 0;
	if (!(t = pick(ip, &key)) || (n = load(t, &fd)) == 0)
		return 0;
	unlock(fd);
	for (i = 0, rec = buf; i < n; ++i, rec += t->rec) {
		if (memcmp(rec, key, t->alen) != 0)
			continue;
		was_there = 1;
		/* qmail's back-off: 64 to 97 minutes, varied by pid */
		return rec[t->count] >= 2 &&
		    now - when(t, rec) < (unsigned long long)(60 + (getpid() & 31)) << 6;
	}
	return 0;
}

void
tcpto_record(const struct ip_address *ip, int timed_out)
{
	unsigned long long now = (unsigned long long)time(NULL), first = 0, w;
	const struct table *t;
	const unsigned char *key;
	unsigned char *rec;
	size_t n, i, pos = (size_t)-1;
	int fd;

	if (!(t = pick(ip, &key)) || (!timed_out && !was_there))
		return;
	if ((n = load(t, &fd)) == 0)
		return;
	for (i = 0, rec = buf; i < n; ++i, rec += t->rec) {
		if (memcmp(rec, key, t->alen) != 0)
			continue;
		if (!timed_out) {
			rec[t->count] = 0;
		} else {
			if (rec[t->count] && now < when(t, rec) + 120) {	/* counted already */
				unlock(fd);
				return;
			}
			if (++rec[t->count] > 10)
				rec[t->count] = 10;
			set_when(t, rec, now);
		}
		(void)pwrite(fd, rec, t->rec, (off_t)(i * t->rec));
		unlock(fd);
		return;
	}
	if (!timed_out) {
		unlock(fd);
		return;
	}
	for (i = 0, rec = buf; i < n; ++i, rec += t->rec)
		if (!rec[t->count]) {
			pos = i;
			break;
		}
	if (pos == (size_t)-1)	/* full: replace the stalest entry */
		for (i = 0, rec = buf; i < n; ++i, rec += t->rec) {
			w = when(t, rec) + ((unsigned long long)rec[t->count] << 10);
			if (pos == (size_t)-1 || w < first) {
				pos = i;
				first = w;
			}
		}
	/* as qmail: the address, the count and the time; nothing else */
	rec = buf + pos * t->rec;
	memcpy(rec, key, t->alen);
	rec[t->count] = 1;
	set_when(t, rec, now);
	(void)pwrite(fd, rec, t->rec, (off_t)(pos * t->rec));
	unlock(fd);
}
