/*
 * trace.h -- the debug transcript, switched on by the environment variable
 * QMAILREMOTE_TRACE: an absolute path appends it to that file; any other
 * non-empty value writes it to fd 2, unless fd 2 is the same open file as
 * fd 1 (qmail-rspawn's fd_copy(2,1)) and not a terminal: then there is
 * none. Off by default; when off, a call costs one test of trace_on.
 */
#ifndef TRACE_H
#define TRACE_H

#include <stddef.h>

extern int trace_on;

void trace_init(void);
/* One event line: "+12.345 what ..." (file mode: "pid +12.345 what ..."). */
void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A protocol line; dir is "<" (from the peer) or ">" (to it). Bytes that
 * are not printable are shown as \xNN; len bounds what is shown. */
void trace_line(const char *dir, const char *line, size_t len);

#define TRACE(...)	do { if (trace_on) trace(__VA_ARGS__); } while (0)

#endif
