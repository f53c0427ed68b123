/*
 * tcpto.c -- the timeout table qmail-remote has kept since qmail 1.03, in
 * its format so qmail-tcpto(8) prints it and qmail-tcpok(8) clears it:
 * 16-byte records, bytes 0-3 the IPv4 address, byte 4 the count of
 * consecutive timeouts, bytes 8-11 the time of the last one (little
 * endian). Two or more timeouts within ~1-1.5 hours: skip the address.
 * The file is locked with flock() for updates, as qmail does.
 * IPv6 addresses are not recorded: the classic format has no room for
 * them and the classic tools would misread a wider record.
 * Not here: deciding to try another address (qmail-remote.c).
 */
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "tcpto.h"

#define TCPTO_BYTES	1024	/* qmail's table: 64 records */

static const char *table = "/var/qmail/queue/lock/tcpto";
static unsigned char buf[TCPTO_BYTES];
static int was_there;

void
tcpto_path(const char *path)
{
	table = path;
}

static unsigned long
when(const unsigned char *rec)
{
	return (unsigned long)rec[8] | (unsigned long)rec[9] << 8 |
	    (unsigned long)rec[10] << 16 | (unsigned long)rec[11] << 24;
}

static void
set_when(unsigned char *rec, unsigned long t)
{
	rec[8] = (unsigned char)t;
	rec[9] = (unsigned char)(t >> 8);
	rec[10] = (unsigned char)(t >> 16);
	rec[11] = (unsigned char)(t >> 24);
}

/* Reads the table; returns the record count, and a locked fd in *lockfd
 * when the count is not 0. */
static int
load(int *lockfd)
{
	ssize_t r;
	int fd;

	fd = open(table, O_RDWR | O_CLOEXEC);
	if (fd == -1)
		return 0;
	if (flock(fd, LOCK_EX) == -1 || (r = pread(fd, buf, sizeof buf, 0)) < 16) {
		close(fd);
		return 0;
	}
	*lockfd = fd;
	return (int)(r >> 4);
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
	unsigned long now = (unsigned long)time(NULL);
	unsigned char *rec;
	int n, i, fd;

	was_there = 0;
	if (ip->af != AF_INET || (n = load(&fd)) == 0)
		return 0;
	unlock(fd);
	for (i = 0, rec = buf; i < n; ++i, rec += 16) {
		if (memcmp(rec, ip->addr, 4) != 0)
			continue;
		was_there = 1;
		/* qmail's back-off: 64 to 97 minutes, varied by pid */
		return rec[4] >= 2 && now - when(rec) < (unsigned long)(60 + (getpid() & 31)) << 6;
	}
	return 0;
}

void
tcpto_record(const struct ip_address *ip, int timed_out)
{
	unsigned long now = (unsigned long)time(NULL), first = 0, t;
	unsigned char *rec;
	int n, i, fd, pos = -1;

	if (ip->af != AF_INET || (!timed_out && !was_there))
		return;
	if ((n = load(&fd)) == 0)
		return;
	for (i = 0, rec = buf; i < n; ++i, rec += 16) {
		if (memcmp(rec, ip->addr, 4) != 0)
			continue;
		if (!timed_out) {
			rec[4] = 0;
		} else {
			if (rec[4] && now < when(rec) + 120) {	/* counted already */
				unlock(fd);
				return;
			}
			if (++rec[4] > 10)
				rec[4] = 10;
			set_when(rec, now);
		}
		(void)pwrite(fd, rec, 16, (off_t)i << 4);
		unlock(fd);
		return;
	}
	if (!timed_out) {
		unlock(fd);
		return;
	}
	for (i = 0, rec = buf; i < n; ++i, rec += 16)
		if (!rec[4]) {
			pos = i;
			break;
		}
	if (pos < 0)	/* full: replace the stalest entry */
		for (i = 0, rec = buf; i < n; ++i, rec += 16) {
			t = when(rec) + ((unsigned long)rec[4] << 10);
			if (pos < 0 || t < first) {
				pos = i;
				first = t;
			}
		}
	rec = buf + (pos << 4);
	memset(rec, 0, 16);
	memcpy(rec, ip->addr, 4);
	rec[4] = 1;
	set_when(rec, now);
	(void)pwrite(fd, rec, 16, (off_t)pos << 4);
	unlock(fd);
}
