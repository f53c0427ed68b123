/*
 * fuzz_https.c -- libFuzzer target for the HTTP response reader of the
 * MTA-STS policy fetch: the input is what a hostile web server sends after
 * the TLS handshake, served by in-memory conn ops in random-sized pieces.
 * A body is never longer than the limit, and a 200 is the only success.
 */
#include <stdint.h>
#include <string.h>
#include "https.h"
#include "mtasts.h"

#include "feed.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conn c;
	static char body[MTASTS_BODY_MAX];
	struct feed f = { data, size, 0 };
	const char *why;
	size_t len = 0;
	int status, r;

	conn_init(&c, -1);
	c.ops = &feed_ops;
	c.ctx = &f;
	/* a small limit too, so that the size checks are reached */
	r = https_read_response(&c, body, (data && size && (data[0] & 1)) ? 100 : sizeof body, &len, &status, &why);
	if (len > sizeof body || (r == 0 && status != 200) || (r != 0 && !why))
		__builtin_trap();
	return 0;
}
