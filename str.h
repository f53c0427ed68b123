/*
 * str.h -- bounded string building into fixed buffers, qmail's str_copy
 * and fmt_ulong in spirit. The rule: what every delivery runs (the SMTP
 * dialogue, the message path, the reports) builds its strings with these,
 * never with snprintf, whose code alone touches about 128 KB of libc per
 * process; snprintf stays on the paths that load OpenSSL, read an MTA-STS
 * cache or report a broken control file, which pay far more already. Each
 * call truncates to the buffer, keeps it NUL-terminated (size > 0) and
 * returns the new length. Not here: anything with a format.
 */
#ifndef STR_H
#define STR_H

#include <stddef.h>

/* dst = src */
size_t str_copy(char *dst, size_t size, const char *src);

/* dst[len...] = src; len is the current length of dst */
size_t str_append(char *dst, size_t size, size_t len, const char *src);

/* dst[len...] = n in decimal */
size_t str_append_ulong(char *dst, size_t size, size_t len, unsigned long long n);

#endif
