/*
 * trace.h -- the debug transcript on fd 2, switched on by the environment
 * variable QMAILREMOTE_TRACE (any non-empty value). Off by default; when
 * off, a call costs one test of trace_on.
 */
#ifndef TRACE_H
#define TRACE_H

extern int trace_on;

void trace_init(void);
/* One event line: "+12.345 what ...". */
void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A protocol line; dir is "<" (from the peer) or ">" (to it). Bytes that
 * are not printable are shown as \xNN; len bounds what is shown. */
void trace_line(const char *dir, const char *line, size_t len);

#define TRACE(...)	do { if (trace_on) trace(__VA_ARGS__); } while (0)

#endif
