/*
 * trace.c -- the transcript an admin reads when a route misbehaves: one
 * line per event on stderr, with milliseconds since start. Callers mask
 * secrets before they get here (AUTH payloads are never passed in).
 * Not here: reports (report.c owns fd 1).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "trace.h"

int trace_on;
static struct timespec start;

void
trace_init(void)
{
	const char *v = getenv("QMAILREMOTE_TRACE");

	trace_on = v && *v;
	if (trace_on)
		clock_gettime(CLOCK_MONOTONIC, &start);
}

static size_t
stamp(char *buf, size_t size)
{
	struct timespec now;
	long long ms;
	int n;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
	n = snprintf(buf, size, "+%lld.%03lld ", ms / 1000, ms % 1000);
	return n > 0 ? (size_t)n : 0;
}

static void
put(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t r = write(2, buf, len);
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
