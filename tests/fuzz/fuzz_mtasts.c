/*
 * fuzz_mtasts.c -- libFuzzer target for the MTA-STS parsers: the input is
 * a policy file (as a hostile web server would serve it), read both as a
 * fetched policy and as a cache file; whatever parses must give patterns
 * that fit, match themselves (host names), and survive the cache
 * format's round trip (TLS-RPT's lines as served included). The same
 * bytes, cut into TXT records at NULs, go
 * through the TXT record check.
 */
#include <stdint.h>
#include <string.h>
#include "mtasts.h"

static struct mtasts_policy p, back;
static char text[MTASTS_CACHE_MAX];
static struct dns_txtset t;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why, *pat, *s;
	char id[MTASTS_ID_MAX + 1];
	size_t i, n;

	if (size > MTASTS_BODY_MAX)
		return 0;
	for (int cache = 0; cache < 2; cache++) {
		if (mtasts_parse((const char *)data, size, &p, cache, &why) != 0)
			continue;
		if (p.patlen > sizeof p.pat || p.max_age > MTASTS_MAX_AGE_MAX || p.mode < MTASTS_NONE ||
		    p.mode > MTASTS_ENFORCE || (p.mode != MTASTS_NONE && p.npatterns == 0))
			__builtin_trap();
		for (i = 0, pat = p.pat; i < p.npatterns; i++, pat += strlen(pat) + 1) {
			if (pat[0] != '*' && !mtasts_match(&p, pat))
				__builtin_trap();	/* a host name matches its own pattern */
		}
		if (!cache) {
			memcpy(p.id, "fuzz", 5);
			p.fetched = 1;
			p.expires = 2;
		}
		n = mtasts_cache_format(&p, "example.org", text, sizeof text);
		if (n == 0 || mtasts_parse(text, n, &back, 1, &why) != 0 || back.npatterns != p.npatterns ||
		    back.mode != p.mode || back.max_age != p.max_age || strcmp(back.id, p.id) != 0 ||
		    back.nserved != p.nserved || back.servedlen != p.servedlen ||
		    memcmp(back.served, p.served, p.servedlen) != 0)
			__builtin_trap();	/* what we write we read back, the lines as served too */
	}
	/* TXT records: the input cut at NUL bytes */
	memset(&t, 0, sizeof t);
	for (s = (const char *)data, i = 0; i <= size && t.count < DNS_TXT_MAX; i++) {
		if (i == size || data[i] == 0) {
			n = (size_t)((const char *)data + i - s);
			if (t.used + n + 1 > sizeof t.buf)
				break;
			memcpy(t.buf + t.used, s, n);
			t.buf[t.used + n] = '\0';
			t.rec[t.count].data = t.buf + t.used;
			t.rec[t.count++].len = n;
			t.used += n + 1;
			s = (const char *)data + i + 1;
		}
	}
	if (mtasts_txt_id(&t, id, &why) == 0 && (strlen(id) == 0 || strlen(id) > MTASTS_ID_MAX))
		__builtin_trap();
	return 0;
}
