/*
 * test_stuff.c -- the DATA encoding: every input → exact wire bytes, in
 * one block and split at every offset, and the smuggling invariant: no
 * lone CR or LF and no "<CRLF>.<CRLF>" before the end, whatever the input.
 */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "stuff.h"

static size_t
encode_split(const char *in, size_t len, size_t split, char *out, int *ok)
{
	struct stuff st;
	size_t o = 0, f;

	stuff_init(&st, 1);
	if (split > len)
		split = len;
	o += stuff_encode(&st, in, split, out + o);
	o += stuff_encode(&st, in + split, len - split, out + o);
	f = stuff_finish(&st, out + o);
	*ok = f != 0;
	return o + f;
}

static const struct {
	const char *in, *wire;
	int ok;
} cases[] = {
	{ "", ".\r\n", 1 },
	{ "a\n", "a\r\n.\r\n", 1 },
	{ "a\nb\n", "a\r\nb\r\n.\r\n", 1 },
	{ ".\n", "..\r\n.\r\n", 1 },
	{ "..x\n.\n", "...x\r\n..\r\n.\r\n", 1 },
	{ "a.\n.b\n", "a.\r\n..b\r\n.\r\n", 1 },
	{ "\n\n", "\r\n\r\n.\r\n", 1 },
	{ "a\r\nb\r\n", "a\r\nb\r\n.\r\n", 1 },		/* CRLF input: one line end */
	{ "a\rb\n", "a\r\nb\r\n.\r\n", 1 },		/* lone CR: a line end */
	{ "x\n.\r\n", "x\r\n..\r\n.\r\n", 1 },		/* smuggling: <LF>.<CR><LF> */
	{ "x\r.\rfoo\n", "x\r\n..\r\nfoo\r\n.\r\n", 1 },	/* <CR>.<CR> */
	{ "\r\n.\r\n", "\r\n..\r\n.\r\n", 1 },
	{ "a\r\r\n", "a\r\n\r\n.\r\n", 1 },
	{ "abc", NULL, 0 },
	{ "a\nb", NULL, 0 },
	{ "a\r", NULL, 0 },
};

/* No CR without LF after it, no LF without CR before it, and the only
 * "\r\n.\r\n" is the terminator. */
static int
wire_clean(const char *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; ++i) {
		if (w[i] == '\r' && (i + 1 >= n || w[i + 1] != '\n'))
			return 0;
		if (w[i] == '\n' && (i == 0 || w[i - 1] != '\r'))
			return 0;
		if (i + 5 <= n && i + 5 != n && memcmp(w + i, "\r\n.\r\n", 5) == 0)
			return 0;
	}
	if (n >= 3 && memcmp(w, ".\r\n", 3) == 0 && n != 3)
		return 0;
	return 1;
}

int
main(void)
{
	static char out[1 << 16], in[4096];
	size_t i, split, n, len;
	int ok;
	unsigned seed = 1;

	for (i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
		len = strlen(cases[i].in);
		for (split = 0; split <= len; ++split) {
			n = encode_split(cases[i].in, len, split, out, &ok);
			CHECK(ok == cases[i].ok, "case %zu split %zu: ok %d", i, split, ok);
			if (ok && cases[i].wire)
				CHECK(n == strlen(cases[i].wire) && memcmp(out, cases[i].wire, n) == 0,
				    "case %zu split %zu: wrong wire bytes", i, split);
		}
	}
	/* random inputs over the alphabet that matters */
	for (i = 0; i < 20000; ++i) {
		static const char alpha[] = "\r\n.a";
		len = (size_t)(rand_r(&seed) % 64);
		for (n = 0; n < len; ++n)
			in[n] = alpha[rand_r(&seed) % 4];
		if (len == 0 || in[len - 1] != '\n')
			in[len++] = '\n';
		n = encode_split(in, len, (size_t)rand_r(&seed) % (len + 1), out, &ok);
		if (!ok) {	/* only a trailing lone CR can fail now: "..\r\n" ends in LF */
			CHECK(0, "random %zu: refused a message ending in LF", i);
			continue;
		}
		if (!wire_clean(out, n)) {
			CHECK(0, "random %zu: unclean wire", i);
			break;
		}
		++check_passed;
	}
	/* STUFF_OUT_MAX holds the worst case */
	memset(in, '\n', 1000);
	n = encode_split(in, 1000, 500, out, &ok);
	CHECK(n <= STUFF_OUT_MAX(1000) + 3, "worst case %zu", n);
	memset(in, '\r', 1000);
	in[999] = '\n';
	n = encode_split(in, 1000, 1000, out, &ok);
	CHECK(ok && n <= STUFF_OUT_MAX(1000) + 3, "CR worst case %zu", n);
	/* BDAT: CRLF only, no dot doubling, nothing at the end */
	{
		struct stuff st;
		static const char msg[] = ".a\n..b\r\nc\rd\n";
		stuff_init(&st, 0);
		n = stuff_encode(&st, msg, sizeof msg - 1, out);
		CHECK(n == 15 && memcmp(out, ".a\r\n..b\r\nc\r\nd\r\n", 15) == 0, "bdat encoding");
		CHECK(stuff_finish(&st, out) == 1, "bdat finish");
		stuff_init(&st, 0);
		n = stuff_encode(&st, "x", 1, out);
		CHECK(stuff_finish(&st, out) == 0, "bdat partial line");
	}
	return check_done();
}
