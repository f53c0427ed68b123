/*
 * stuff.h -- the SMTP DATA encoding of a message: LF -> CRLF, a leading
 * "." doubled (RFC 5321 4.5.2), and no lone CR or LF ever on the wire.
 */
#ifndef STUFF_H
#define STUFF_H

#include <stddef.h>

struct stuff {
	int line_start;		/* the next byte begins a line */
	int cr_pending;		/* the last block ended in CR: is it CRLF? */
};

#define STUFF_OUT_MAX(len)	(2 * (len) + 2)	/* worst case output for len bytes */

void stuff_init(struct stuff *st);
/* Encodes len bytes of message into out (STUFF_OUT_MAX(len) bytes); returns
 * the bytes written. Keeps state across blocks. */
size_t stuff_encode(struct stuff *st, const char *in, size_t len, char *out);
/* Ends the message: writes a pending line end and ".\r\n" into out (5 bytes).
 * Returns the length, or 0 when the message ended inside a line (partial
 * final line: the caller must not send the dot). */
size_t stuff_finish(struct stuff *st, char *out);

#endif
