/*
 * fuzz_sasl.c -- libFuzzer target for auth.c: what a hostile server can
 * send during AUTH, fed through every mechanism's steps, plus the base64
 * codec and the challenge extractor on the raw input.
 *
 * Input: byte 0 picks the mechanism (low 2 bits) and the line size (the
 * rest: from a few bytes up to AUTH_LINE_MAX); byte 1 picks the
 * credentials; then records separated by '\n', each a reply: 'C' + text
 * is a 334 challenge, 'F' + text a 235, anything else a rejection with
 * that byte as the code's last digit. The SCRAM client nonce is fixed
 * (RFC 7677's) so server-firsts can extend it.
 * Checked: no crash, outputs NUL-terminated within their buffers, client
 * lines pure base64 (no CR/LF to inject commands), a failed state stays
 * failed, sasl_wipe clears everything, base64 round trips.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "auth.h"

#define CHECK(x)	do { if (!(x)) __builtin_trap(); } while (0)

static const enum auth_mech mechs[4] = { AUTH_PLAIN, AUTH_LOGIN, AUTH_CRAM_MD5, AUTH_SCRAM_SHA_256 };
static const char *const users[4] = { "user", "tim", "a,b=c", "\xc3\xa4user" };
static const char *const passes[4] = { "pencil", "tanstaaftanstaaf", "p=,w", "p\xc3\xa4ss" };

static int
is_b64(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; ++i)
		if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z') ||
		    (p[i] >= '0' && p[i] <= '9') || p[i] == '+' || p[i] == '/' || p[i] == '='))
			return 0;
	return 1;
}

static void
codec(const uint8_t *data, size_t size)
{
	static unsigned char dec[8192], back[8192];
	static char enc[16384];
	size_t n, m, off, len;

	if (auth_b64decode((const char *)data, size, dec, sizeof dec, &n) == 0) {
		CHECK(n <= sizeof dec && n <= size / 4 * 3);
		CHECK(auth_b64encode(dec, n, enc, sizeof enc, &m) == 0);
		CHECK(m == size && enc[m] == '\0');
	}
	if (size <= sizeof back && auth_b64encode(data, size, enc, sizeof enc, &m) == 0) {
		CHECK(m == 4 * ((size + 2) / 3) && is_b64(enc, m) && enc[m] == '\0');
		CHECK(auth_b64decode(enc, m, back, sizeof back, &n) == 0);
		CHECK(n == size && memcmp(back, data, size) == 0);
	}
	if (sasl_challenge((const char *)data, size, &off, &len) == 0)
		CHECK(off <= size && len <= size - off);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char zero[sizeof(struct sasl)];
	static char line[AUTH_LINE_MAX + 1];
	struct sasl s;
	enum auth_error err;
	enum auth_mech m;
	size_t linesize, len, pos, end;
	int r, failed = 0, code;

	codec(data, size);
	if (size < 2)
		return 0;
	m = mechs[data[0] & 3];
	linesize = data[0] >> 2 == 63 ? 5 + (size_t)(data[1] >> 2) : AUTH_LINE_MAX;
	line[linesize] = '\x5a';	/* a canary just past the buffer we give */
	r = sasl_start_with_nonce(&s, m, users[data[1] & 3], passes[data[1] & 3],
	    "rOprNGfwEbeRWgbNEkqO", line, linesize, &len, &err);
	if (r != 0) {
		/* only a line too small for the command */
		CHECK(err == AUTH_ERR_ENCODE_PLAIN || err == AUTH_ERR_ENCODE_USER ||
		    err == AUTH_ERR_ENCODE_DIGEST || err == AUTH_ERR_ENCODE_SCRAM);
		CHECK(linesize < AUTH_LINE_MAX);
		sasl_wipe(&s);
		return 0;
	}
	CHECK(err == AUTH_OK && len < linesize && line[len] == '\0' && line[linesize] == '\x5a');
	/* keep PBKDF2 cheap (4096 rounds made a run take milliseconds and
	 * held the fuzzer to a few hundred runs a second); the bounds
	 * themselves are unit-tested */
	s.iter_min = 1;
	s.iter_max = 64;

	for (pos = 2; pos < size; pos = end + 1) {
		const char *rec = (const char *)data + pos;
		const char *nl = memchr(rec, '\n', size - pos);

		end = nl ? (size_t)(nl - (const char *)data) : size;
		if (end == pos)
			continue;
		if (rec[0] == 'C') {
			r = sasl_step(&s, rec + 1, end - pos - 1, line, linesize, &len, &err);
			CHECK(len < linesize && line[len] == '\0' && line[linesize] == '\x5a');
			if (r == 0) {
				CHECK(!failed && err == AUTH_OK && is_b64(line, len));
			} else {
				CHECK(len == 0 && err != AUTH_OK && s.state == SASL_FAILED);
				failed = 1;
			}
		} else if (rec[0] == 'F') {
			r = sasl_finish(&s, rec + 1, end - pos - 1, &err);
			if (r == 0) {
				CHECK(!failed && err == AUTH_OK && s.state == SASL_DONE);
				CHECK(m != AUTH_SCRAM_SHA_256 || s.verified);
			} else {
				CHECK(err != AUTH_OK && s.state == SASL_FAILED);
				failed = 1;
			}
		} else {
			code = 500 + (rec[0] & 63);
			err = sasl_rejected(&s, code);
			CHECK(err != AUTH_OK);
		}
	}
	sasl_wipe(&s);
	CHECK(memcmp(&s, zero, sizeof s) == 0);
	return 0;
}
