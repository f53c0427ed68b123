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
	int dots;		/* DATA: double leading dots; BDAT (RFC 3030): don't */
};

#define STUFF_OUT_MAX(len)	(2 * (len) + 2)	/* worst case output for len bytes */

/* dots: 1 for DATA, 0 for BDAT (CRLF line ends only, no terminator). */
void stuff_init(struct stuff *st, int dots);
/* Encodes len bytes of message into out (STUFF_OUT_MAX(len) bytes); returns
 * the bytes written. Keeps state across blocks. */
size_t stuff_encode(struct stuff *st, const char *in, size_t len, char *out);
/* Ends the message: for DATA writes ".\r\n" into out (3 bytes) and returns
 * its length; for BDAT returns 1 and writes nothing. Returns 0 when the
 * message ended inside a line (partial final line: the caller must not
 * end the transaction). */
size_t stuff_finish(struct stuff *st, char *out);

#endif
