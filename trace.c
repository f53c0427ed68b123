/*
 * trace.c -- the transcript an admin reads when a route misbehaves: one
 * line per event, with milliseconds since start, each line one write().
 * Where it goes (trace_init): QMAILREMOTE_TRACE=/abs/path appends to that
 * file (created 0600, never through a symlink, a regular file only), each
 * line led by the pid so that concurrent deliveries can share the file;
 * any other value means fd 2 -- but never when fd 2 is the same open file
 * as fd 1 (qmail-rspawn runs us with fd_copy(2,1)): a transcript line
 * there would come before the first report and turn a 4xx recipient into
 * a bounce. A terminal on both (a hand run) keeps the transcript. A file
 * that cannot be opened means no transcript, never a failed delivery.
 * Callers mask secrets before they get here (AUTH payloads are never passed in).
 * Not here: reports (report.c owns fd 1).
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "trace.h"

int trace_on;
static struct timespec start;
static int out_fd = -1;		/* fd 2 or the file */
static long pid;		/* file mode: leads each line */

/* fd 2 may carry the transcript: it is open (else a later socket could
 * take its number) and not fd 1's open file, unless that is a terminal. */
static int
stderr_usable(void)
{
	struct stat s1, s2;

	if (fstat(2, &s2) != 0)
		return 0;
	if (fstat(1, &s1) != 0)
		return 1;
	if (s1.st_dev == s2.st_dev && s1.st_ino == s2.st_ino)
		return isatty(1);
	return 1;
}

/* The file the switch names, or -1. O_NOFOLLOW: a symlink there is
 * refused, not followed; a FIFO or device (O_NONBLOCK: no waiting for a
 * reader) or a second hard link is refused too: appends go only to the
 * regular file the admin named. fd 0-2 (one was closed at start) would
 * pose as a standard descriptor: refused. */
static int
open_file(const char *path)
{
	struct stat st;
	int fd;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0600);
	if (fd < 0)
		return -1;
	if (fd <= 2 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		close(fd);
		return -1;
	}
	return fd;
}

void
trace_init(void)
{
	const char *v = getenv("QMAILREMOTE_TRACE");
	char when[64];
	struct tm tm;
	time_t now;

	trace_on = 0;
	if (!v || !*v)
		return;
	if (v[0] == '/') {
		out_fd = open_file(v);
		pid = (long)getpid();
	} else if (stderr_usable()) {
		out_fd = 2;
	}
	if (out_fd < 0)
		return;
	trace_on = 1;
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (pid) {	/* a shared file: say when this run began */
		now = time(NULL);
		if (gmtime_r(&now, &tm) && strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm) > 0)
			trace("start %s", when);
	}
}

static size_t
stamp(char *buf, size_t size)
{
	struct timespec now;
	long long ms;
	int n;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
	if (pid)
		n = snprintf(buf, size, "%ld +%lld.%03lld ", pid, ms / 1000, ms % 1000);
	else
		n = snprintf(buf, size, "+%lld.%03lld ", ms / 1000, ms % 1000);
	return n > 0 ? (size_t)n : 0;
}

static void
put(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t r = write(out_fd, buf, len);
		if (r <= 0)
			return;
		buf += r;
		len -= (size_t)r;
	}
}

void
trace(const char *fmt, ...)
{
	char buf[1024];
	size_t n;
	va_list ap;
	int r;

	if (!trace_on)
		return;
	n = stamp(buf, sizeof buf);
	va_start(ap, fmt);
	r = vsnprintf(buf + n, sizeof buf - n - 1, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	n += (size_t)r < sizeof buf - n - 1 ? (size_t)r : sizeof buf - n - 2;
	buf[n++] = '\n';
	put(buf, n);
}

void
trace_line(const char *dir, const char *line, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char buf[1200];
	size_t n, i;

	if (!trace_on)
		return;
	n = stamp(buf, sizeof buf);
	buf[n++] = dir[0];
	buf[n++] = ' ';
	for (i = 0; i < len && n < sizeof buf - 8; ++i) {
		unsigned char ch = (unsigned char)line[i];
		if (ch >= 32 && ch < 127 && ch != '\\') {
			buf[n++] = (char)ch;
		} else {
			buf[n++] = '\\';
			buf[n++] = 'x';
			buf[n++] = hex[ch >> 4];
			buf[n++] = hex[ch & 15];
		}
	}
	if (i < len) {
		buf[n++] = '.';	/* cut: "..." */
		buf[n++] = '.';
		buf[n++] = '.';
	}
	buf[n++] = '\n';
	put(buf, n);
}
