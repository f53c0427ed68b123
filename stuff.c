/*
 * stuff.c -- SMTP transparency for the message body (RFC 5321 4.5.2).
 * Unix lines end in LF; on the wire every line ends in CRLF and a line
 * starting with "." gets another. A CRLF in the input is one line end.
 * A CR not followed by LF is sent as a line end too: a lone CR (or LF)
 * on the wire is what SMTP smuggling builds on ("<LF>.<CR><LF>"), so the
 * receiver must never see one. Runs are copied with memcpy; nothing here
 * allocates or looks at a byte twice.
 * Not here: reading fd 0 or writing the socket (smtp.c).
 */
#include <string.h>
#include "stuff.h"

void
stuff_init(struct stuff *st, int dots)
{
	st->line_start = 1;
	st->cr_pending = 0;
	st->dots = dots;
}

/* Index of the first CR or LF in in[0..len), or len. */
static size_t
line_end(const char *in, size_t len)
{
	const char *lf = memchr(in, '\n', len);
	const char *cr = memchr(in, '\r', lf ? (size_t)(lf - in) : len);

	if (cr)
		return (size_t)(cr - in);
	return lf ? (size_t)(lf - in) : len;
}

size_t
stuff_encode(struct stuff *st, const char *in, size_t len, char *out)
{
	size_t i = 0, o = 0, run;

	while (i < len) {
		if (st->cr_pending) {
			st->cr_pending = 0;
			out[o++] = '\r';
			out[o++] = '\n';
			st->line_start = 1;
			if (in[i] == '\n')
				++i;
			continue;
		}
		if (st->line_start && in[i] == '.' && st->dots)
			out[o++] = '.';
		run = line_end(in + i, len - i);
		if (run > 0) {
			memcpy(out + o, in + i, run);
			o += run;
			i += run;
			st->line_start = 0;
			if (i == len)
				break;
		}
		if (in[i] == '\n') {
			out[o++] = '\r';
			out[o++] = '\n';
			st->line_start = 1;
		} else {
			st->cr_pending = 1;
		}
		++i;
	}
	return o;
}

size_t
stuff_finish(struct stuff *st, char *out)
{
	size_t o = 0;

	if (st->cr_pending) {
		/* a message ending in CR ends inside a line, as qmail sees it */
		return 0;
	}
	if (!st->line_start)
		return 0;
	if (!st->dots)
		return 1;
	out[o++] = '.';
	out[o++] = '\r';
	out[o++] = '\n';
	return o;
}
