/*
 * jsoncheck.h -- a strict JSON reader (RFC 8259) for the tests of what we
 * send tlsrpt-collectd: the whole text must be valid UTF-8 (its
 * json.loads() dies on anything else) and one JSON value; each string is
 * handed, decoded, to a callback with its key path ("policies.n" for a
 * string under key "n" somewhere under "policies"), and each number too,
 * so a test can compare what was encoded with what the collector reads.
 * Written from RFC 8259 for the tests, independent of tlsrpt.c's encoder.
 */
#ifndef JSONCHECK_H
#define JSONCHECK_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct json_seen {
	/* called for each string value (not for keys), decoded */
	void (*string)(void *ctx, const char *key, const char *s, size_t n);
	/* called for each number, as its text */
	void (*number)(void *ctx, const char *key, const char *s, size_t n);
	void *ctx;
	char key[64];		/* the last key read at any depth */
	char sbuf[1 << 18];	/* a decoded string */
};

struct json_in {
	const unsigned char *p, *end;
	int depth;
	struct json_seen *seen;
};

/* the length of a valid UTF-8 sequence at p, or 0 (RFC 3629) */
static size_t
jc_utf8(const unsigned char *p, const unsigned char *end)
{
	unsigned long c;
	size_t k, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		k = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		k = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		k = 4;
	else
		return 0;
	if ((size_t)(end - p) < k)
		return 0;
	c = p[0] & (k == 2 ? 0x1f : k == 3 ? 0x0f : 0x07);
	for (i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((k == 3 && c < 0x800) || (k == 4 && c < 0x10000) || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return k;
}

/* the whole buffer is valid UTF-8 */
static int
jc_utf8_ok(const unsigned char *p, size_t n)
{
	const unsigned char *end = p + n;
	size_t k;

	while (p < end) {
		if (!(k = jc_utf8(p, end)))
			return 0;
		p += k;
	}
	return 1;
}

static void
jc_ws(struct json_in *in)
{
	while (in->p < in->end && (*in->p == ' ' || *in->p == '\t' || *in->p == '\n' || *in->p == '\r'))
		in->p++;
}

static int
jc_hex(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* a string at in->p (on its '"'); decoded into out (its length in *n) */
static int
jc_string(struct json_in *in, char *out, size_t size, size_t *n)
{
	size_t o = 0, k;

	if (in->p >= in->end || *in->p != '"')
		return -1;
	in->p++;
	for (;;) {
		if (in->p >= in->end)
			return -1;
		if (*in->p == '"') {
			in->p++;
			break;
		}
		if (*in->p < 0x20)
			return -1;	/* a raw control character */
		if (*in->p == '\\') {
			unsigned long c = 0;
			int i, h;

			if (in->end - in->p < 2)
				return -1;
			switch (in->p[1]) {
			case '"': case '\\': case '/':
				c = in->p[1];
				break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u':
				if (in->end - in->p < 6)
					return -1;
				for (i = 2; i < 6; i++) {
					if ((h = jc_hex(in->p[i])) < 0)
						return -1;
					c = c << 4 | (unsigned long)h;
				}
				in->p += 4;
				break;
			default:
				return -1;
			}
			in->p += 2;
			if (o + 4 >= size)
				return -1;
			if (c < 0x80) {
				out[o++] = (char)c;
			} else if (c < 0x800) {
				out[o++] = (char)(0xc0 | c >> 6);
				out[o++] = (char)(0x80 | (c & 0x3f));
			} else {	/* lone surrogates as Python keeps them; none here */
				out[o++] = (char)(0xe0 | c >> 12);
				out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
				out[o++] = (char)(0x80 | (c & 0x3f));
			}
			continue;
		}
		if (!(k = jc_utf8(in->p, in->end)) || o + k >= size)
			return -1;
		memcpy(out + o, in->p, k);
		o += k;
		in->p += k;
	}
	out[o] = '\0';
	*n = o;
	return 0;
}

static int jc_value(struct json_in *in);

static int
jc_number(struct json_in *in)
{
	const unsigned char *s = in->p;

	if (in->p < in->end && *in->p == '-')
		in->p++;
	if (in->p >= in->end || *in->p < '0' || *in->p > '9')
		return -1;
	if (*in->p == '0')
		in->p++;
	else
		while (in->p < in->end && *in->p >= '0' && *in->p <= '9')
			in->p++;
	if (in->p < in->end && *in->p == '.') {
		in->p++;
		if (in->p >= in->end || *in->p < '0' || *in->p > '9')
			return -1;
		while (in->p < in->end && *in->p >= '0' && *in->p <= '9')
			in->p++;
	}
	if (in->p < in->end && (*in->p == 'e' || *in->p == 'E')) {
		in->p++;
		if (in->p < in->end && (*in->p == '+' || *in->p == '-'))
			in->p++;
		if (in->p >= in->end || *in->p < '0' || *in->p > '9')
			return -1;
		while (in->p < in->end && *in->p >= '0' && *in->p <= '9')
			in->p++;
	}
	if (in->seen && in->seen->number)
		in->seen->number(in->seen->ctx, in->seen->key, (const char *)s, (size_t)(in->p - s));
	return 0;
}

static int
jc_word(struct json_in *in, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(in->end - in->p) < n || memcmp(in->p, w, n) != 0)
		return -1;
	in->p += n;
	return 0;
}

static int
jc_value(struct json_in *in)
{
	static char keybuf[256];
	size_t n;

	jc_ws(in);
	if (in->p >= in->end || ++in->depth > 32)
		return -1;
	switch (*in->p) {
	case '{':
		in->p++;
		jc_ws(in);
		if (in->p < in->end && *in->p == '}') {
			in->p++;
			break;
		}
		for (;;) {
			jc_ws(in);
			if (jc_string(in, keybuf, sizeof keybuf, &n) != 0)
				return -1;
			if (in->seen)
				(void)snprintf(in->seen->key, sizeof in->seen->key, "%.63s", keybuf);
			jc_ws(in);
			if (in->p >= in->end || *in->p++ != ':')
				return -1;
			if (jc_value(in) != 0)
				return -1;
			jc_ws(in);
			if (in->p < in->end && *in->p == ',') {
				in->p++;
				continue;
			}
			if (in->p < in->end && *in->p == '}') {
				in->p++;
				break;
			}
			return -1;
		}
		break;
	case '[':
		in->p++;
		jc_ws(in);
		if (in->p < in->end && *in->p == ']') {
			in->p++;
			break;
		}
		for (;;) {
			char key[64];

			if (in->seen)
				memcpy(key, in->seen->key, sizeof key);
			if (jc_value(in) != 0)
				return -1;
			if (in->seen)	/* each element under the array's key */
				memcpy(in->seen->key, key, sizeof key);
			jc_ws(in);
			if (in->p < in->end && *in->p == ',') {
				in->p++;
				continue;
			}
			if (in->p < in->end && *in->p == ']') {
				in->p++;
				break;
			}
			return -1;
		}
		break;
	case '"':
		if (in->seen) {
			if (jc_string(in, in->seen->sbuf, sizeof in->seen->sbuf, &n) != 0)
				return -1;
			if (in->seen->string)
				in->seen->string(in->seen->ctx, in->seen->key, in->seen->sbuf, n);
		} else {
			static char scratch[1 << 18];

			if (jc_string(in, scratch, sizeof scratch, &n) != 0)
				return -1;
		}
		break;
	case 't':
		if (jc_word(in, "true") != 0)
			return -1;
		break;
	case 'f':
		if (jc_word(in, "false") != 0)
			return -1;
		break;
	case 'n':
		if (jc_word(in, "null") != 0)
			return -1;
		break;
	default:
		if (jc_number(in) != 0)
			return -1;
	}
	in->depth--;
	return 0;
}

/* 0: buf is valid UTF-8 and exactly one JSON object (what the collector
 * needs: it reads "policies" of an object); seen may be NULL */
static int
json_check(const char *buf, size_t len, struct json_seen *seen)
{
	struct json_in in = { (const unsigned char *)buf, (const unsigned char *)buf + len, 0, seen };

	if (!jc_utf8_ok(in.p, len))
		return -1;
	jc_ws(&in);
	if (in.p >= in.end || *in.p != '{')
		return -1;
	if (jc_value(&in) != 0)
		return -1;
	jc_ws(&in);
	return in.p == in.end ? 0 : -1;
}

#endif
