/*
 * test_mtasts.c -- MTA-STS: the TXT record check, the policy parser, MX
 * pattern matching, the cache file (format, read, write, replace), and
 * the HTTP response reader of https.c (served by in-memory conn ops in
 * pieces, as the fuzzer does). Table-driven.
 * With --corpus DIR KIND it writes the seeds for fuzz_mtasts (KIND policy)
 * or fuzz_https (KIND http).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "https.h"
#include "mtasts.h"
#include "tlsrpt.h"
#include "../fuzz/feed.h"

static struct mtasts_policy P;

/* ---- TXT ---- */

static void
txtset(struct dns_txtset *t, const char *const *recs, size_t n)
{
	size_t i;

	memset(t, 0, sizeof *t);
	for (i = 0; i < n; i++) {
		size_t len = strlen(recs[i]);

		memcpy(t->buf + t->used, recs[i], len + 1);
		t->rec[i].data = t->buf + t->used;
		t->rec[i].len = len;
		t->used += len + 1;
	}
	t->count = n;
}

static const struct tcase {
	const char *recs[3];
	size_t n;
	const char *id;		/* NULL: no policy */
} tcases[] = {
	{ { "v=STSv1; id=20160831085700Z;" }, 1, "20160831085700Z" },
	{ { "v=STSv1; id=abc" }, 1, "abc" },
	{ { "v=STSv1;id=abc" }, 1, "abc" },
	{ { "v=STSv1 ; id=abc ; ext=val" }, 1, "abc" },
	{ { "v=spf1 -all", "v=STSv1; id=x1" }, 2, "x1" },
	{ { "v=STSv1; id=a", "v=STSv1; id=b" }, 2, NULL },	/* two: no policy */
	{ { "v=STSv10; id=a" }, 1, NULL },
	{ { "v=STSv1" }, 1, NULL },				/* no id */
	{ { "v=STSv1; id=" }, 1, NULL },
	{ { "v=STSv1; id=a-b" }, 1, NULL },			/* only letters and digits */
	{ { "v=STSv1; id=123456789012345678901234567890123" }, 1, NULL },	/* 33 */
	{ { "v=STSv1; id=12345678901234567890123456789012" }, 1, "12345678901234567890123456789012" },
	/* a field given twice: the first counts, the rest are ignored
	 * (RFC 8461 3.2), also when the later one is no valid id */
	{ { "v=STSv1; id=a; id=b" }, 1, "a" },
	{ { "v=STSv1; id=first1; ext=1; id=second2;" }, 1, "first1" },
	{ { "v=STSv1; id=a; id=b-c" }, 1, "a" },
	{ { "v=STSv1; id=a-b; id=c" }, 1, NULL },		/* the first is the one that counts */
	{ { "v=STSv1; id=a; id=" }, 1, NULL },			/* not a field at all */
	{ { "v=STSv1; ext=1; id=a; v=STSv1" }, 1, "a" },
	{ { "v=STSv1; id=a;;" }, 1, NULL },
	{ { "v=STSv1 id=a" }, 1, NULL },
	{ { "V=STSV1; id=a" }, 1, NULL },			/* %s: case-sensitive */
	{ { " v=STSv1; id=a" }, 1, NULL },
	{ { "something else" }, 1, NULL },
	{ { "" }, 0, NULL },
};

static void
test_txt(void)
{
	struct dns_txtset t;
	char id[MTASTS_ID_MAX + 1];
	const char *why;
	size_t i;

	for (i = 0; i < sizeof tcases / sizeof tcases[0]; i++) {
		int r;

		txtset(&t, tcases[i].recs, tcases[i].n);
		r = mtasts_txt_id(&t, id, &why);
		if (tcases[i].id)
			CHECK(r == 0 && strcmp(id, tcases[i].id) == 0, "TXT %zu (%s): r %d id %s why %s", i,
			    tcases[i].recs[0], r, r == 0 ? id : "-", r ? why : "");
		else
			CHECK(r == -1, "TXT %zu (%s): accepted, id %s", i, tcases[i].recs[0], id);
	}
	txtset(&t, tcases[0].recs, 1);
	t.dropped = 1;	/* an RRset not read whole: no policy */
	CHECK(mtasts_txt_id(&t, id, &why) == -1, "TXT with dropped records accepted");
}

/* ---- the policy ---- */

static const struct pcase {
	const char *text;
	int ok;
	enum mtasts_mode mode;
	unsigned long max_age;
	const char *pats;	/* space-separated */
} pcases[] = {
	{ "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n"
	  "mx: backupmx.example.com\r\nmax_age: 604800\r\n", 1, MTASTS_ENFORCE, 604800,
	  "mail.example.com *.example.net backupmx.example.com" },
	{ "version: STSv1\nmode: testing\nmx: MX.Example.COM.\nmax_age: 86400", 1, MTASTS_TESTING,
	  86400, "mx.example.com" },
	{ "version: STSv1\nmode: none\nmax_age: 0\n", 1, MTASTS_NONE, 0, "" },
	{ "version:STSv1\nmode:\tenforce  \nmx:a.example\nmax_age:1\n\n\n", 1, MTASTS_ENFORCE, 1, "a.example" },
	{ "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 99999999999\n", 0, 0, 0, NULL },	/* 11 digits */
	{ "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 9999999999\n", 1, MTASTS_ENFORCE,
	  MTASTS_MAX_AGE_MAX, "a.example" },	/* cut to a year */
	{ "version: STSv1\nmode: enforce\nmax_age: 10\n", 0, 0, 0, NULL },	/* no mx */
	{ "mode: enforce\nmx: a.example\nmax_age: 10\n", 0, 0, 0, NULL },	/* no version */
	{ "version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 10\n", 0, 0, 0, NULL },
	{ "version: STSv1\nmode: Enforce\nmx: a.example\nmax_age: 10\n", 0, 0, 0, NULL },
	/* a field other than mx given twice: the first counts, the rest are
	 * ignored (RFC 8461 3.2), whatever they hold; never "no policy" */
	{ "version: STSv1\nmode: enforce\nmode: none\nmx: a.example\nmax_age: 10\n", 1, MTASTS_ENFORCE, 10,
	  "a.example" },
	{ "version: STSv1\nmode: enforce\nmode: testing\nmx: a.example\nmax_age: 10\n", 1, MTASTS_ENFORCE, 10,
	  "a.example" },
	{ "version: STSv1\nmode: testing\nmx: a.example\nmode: enforce\nmax_age: 10\n", 1, MTASTS_TESTING, 10,
	  "a.example" },
	{ "version: STSv1\nversion: STSv2\nmode: enforce\nmx: a.example\nmax_age: 10\n", 1, MTASTS_ENFORCE, 10,
	  "a.example" },
	{ "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 10\nmax_age: 86400\n", 1, MTASTS_ENFORCE, 10,
	  "a.example" },
	{ "version: STSv1\nmode: enforce\nmode: bogus\nmx: a.example\nmax_age: 10\nmax_age: x\nversion: 2\n", 1,
	  MTASTS_ENFORCE, 10, "a.example" },
	{ "version: STSv1\nmode: bogus\nmode: enforce\nmx: a.example\nmax_age: 10\n", 0, 0, 0, NULL },
	{ "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: x\nmax_age: 10\n", 0, 0, 0, NULL },
	{ "version: STSv1\nmode: enforce\nmx: a.example\nmx: b.example\nmx: a.example\nmax_age: 1\n", 1,
	  MTASTS_ENFORCE, 1, "a.example b.example a.example" },
	/* extension values may hold UTF-8 (RFC 8461 3.2, sts-policy-ext-value);
	 * only the fields read are held to their grammar */
	{ "version: STSv1\r\nmode: enforce\r\nmx: a.example\r\nmax_age: 10\r\nowner: Zo\xc3\xab\r\n", 1, MTASTS_ENFORCE,
	  10, "a.example" },
	{ "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 10\nnote: \xe2\x9c\x89 \xf0\x9f\x93\xa8 x\n", 1,
	  MTASTS_ENFORCE, 10, "a.example" },
	{ "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 10\nnote: \xff\xfe\n", 1, MTASTS_ENFORCE, 10,
	  "a.example" },
	{ "version: STSv1\nmode: enforce\nmx: zo\xc3\xab.example\nmax_age: 10\n", 0, 0, 0, NULL },	/* U-label */
	{ "version: STSv1\nmode: enforce\xc2\xa0\nmx: a.example\nmax_age: 10\n", 0, 0, 0, NULL },
	{ "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 1\xc2\xb2\n", 0, 0, 0, NULL },
	{ "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 10\now\xc3\xb1" "er: x\n", 0, 0, 0, NULL },	/* a key */
	{ "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -1\n", 0, 0, 0, NULL },
	{ "version: STSv1\nmode: enforce\nmx: a.example\n", 0, 0, 0, NULL },	/* no max_age */
	{ "version: STSv1\nmode: enforce\nmx: *.*.example\nmax_age: 10\n", 0, 0, 0, NULL },
	{ "version: STSv1\nmode: enforce\nmx: a..example\nmax_age: 10\n", 0, 0, 0, NULL },
	{ "version: STSv1\nmode: enforce\nmx: a_b.example\nmax_age: 10\n", 0, 0, 0, NULL },
	{ "version: STSv1\nmode: enforce\nmx: *\nmax_age: 10\n", 0, 0, 0, NULL },
	{ "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 10\nthis is not a field\n", 0, 0, 0, NULL },
	{ "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 10\nfuture_key: any value here\n", 1,
	  MTASTS_ENFORCE, 10, "a.example" },
	/* an extension's value is never read: a control byte there is no
	 * reason to drop the policy (SPEC 12) */
	{ "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 10\nkey: bad\001byte\n", 1, MTASTS_ENFORCE, 10,
	  "a.example" },
	{ "version: STSv1\nmode: enforce\001\nmx: a.example\nmax_age: 10\n", 0, 0, 0, NULL },
	{ "<html><body>404 Not Found</body></html>\n", 0, 0, 0, NULL },
	{ "", 0, 0, 0, NULL },
	/* the cache's own keys mean nothing in a fetched policy */
	{ "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 10\nexpires: x\nid: !\n", 1,
	  MTASTS_ENFORCE, 10, "a.example" },
};

static void
pats_text(const struct mtasts_policy *p, char *out, size_t size)
{
	const char *s = p->pat;
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < p->npatterns; i++, s += strlen(s) + 1)
		o += (size_t)snprintf(out + o, size - o, "%s%s", i ? " " : "", s);
}

static void
test_parse(void)
{
	char got[1024];
	const char *why;
	size_t i;

	for (i = 0; i < sizeof pcases / sizeof pcases[0]; i++) {
		const struct pcase *c = &pcases[i];
		int r = mtasts_parse(c->text, strlen(c->text), &P, 0, &why);

		if (!c->ok) {
			CHECK(r == -1, "policy %zu accepted: %s", i, c->text);
			continue;
		}
		CHECK(r == 0, "policy %zu refused (%s): %s", i, why, c->text);
		if (r != 0)
			continue;
		pats_text(&P, got, sizeof got);
		CHECK(P.mode == c->mode && P.max_age == c->max_age && strcmp(got, c->pats) == 0,
		    "policy %zu: mode %d max_age %lu mx \"%s\"", i, P.mode, P.max_age, got);
	}
}

/* ---- patterns ---- */

static void
test_match(void)
{
	static const char policy[] = "version: STSv1\nmode: enforce\nmax_age: 1\n"
	    "mx: mail.example.com\nmx: *.example.net\n";
	static const struct { const char *mx; int want; } m[] = {
		{ "mail.example.com", 1 }, { "MAIL.Example.Com", 1 }, { "mail.example.com.", 1 },
		{ "mail2.example.com", 0 }, { "example.com", 0 }, { "ail.example.com", 0 },
		{ "x.mail.example.com", 0 },
		{ "a.example.net", 1 }, { "A.EXAMPLE.NET.", 1 }, { "example.net", 0 },
		{ "a.b.example.net", 0 }, { ".example.net", 0 }, { "aexample.net", 0 },
		{ "a.example.network", 0 }, { "", 0 },
	};
	const char *why;
	size_t i;

	CHECK(mtasts_parse(policy, sizeof policy - 1, &P, 0, &why) == 0, "match policy: %s", why);
	for (i = 0; i < sizeof m / sizeof m[0]; i++)
		CHECK(mtasts_match(&P, m[i].mx) == m[i].want, "match %s: want %d", m[i].mx, m[i].want);
}

/* ---- the cache ---- */

/* path holds text alone */
static void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL, "fopen %s: %s", path, strerror(errno));
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void
test_cache(void)
{
	static struct mtasts_policy back;
	static char text[MTASTS_CACHE_MAX];
	static const char policy[] = "version: STSv1\nmode: enforce\nmax_age: 86400\n"
	    "mx: mx1.example.org\nmx: *.example.org\n";
	char dir[] = "/tmp/test_mtasts.XXXXXX", path[256], a[1024], b[1024];
	const char *why;
	struct stat st;
	size_t n;
	FILE *f;

	CHECK(mtasts_parse(policy, sizeof policy - 1, &P, 0, &why) == 0, "cache policy: %s", why);
	strcpy(P.id, "id20260101");
	P.fetched = 1800000000LL;
	P.expires = P.fetched + 86400;
	n = mtasts_cache_format(&P, "example.org", text, sizeof text);
	CHECK(n > 0 && strcmp(text, "# qmail-remote MTA-STS policy of example.org\nid: id20260101\n"
	    "fetched: 1800000000\nexpires: 1800086400\nversion: STSv1\nmode: enforce\n"
	    "max_age: 86400\nmx: mx1.example.org\nmx: *.example.org\nserved: version: STSv1\n"
	    "served: mode: enforce\nserved: max_age: 86400\nserved: mx: mx1.example.org\n"
	    "served: mx: *.example.org\n# end\n") == 0, "cache format:\n%s", text);
	/* the cache file is a policy with the cache's lines: it reads back,
	 * the lines as served included (TLS-RPT's policy-string) */
	CHECK(mtasts_parse(text, n, &back, 1, &why) == 0 && strcmp(back.id, P.id) == 0 &&
	    back.fetched == P.fetched && back.expires == P.expires && back.mode == P.mode &&
	    back.npatterns == 2 && back.nserved == 5 && back.servedlen == P.servedlen &&
	    memcmp(back.served, P.served, P.servedlen) == 0, "cache reads back: %s", why);
	/* served as served: CRLF ends, an extension in UTF-8, the order kept,
	 * empty lines and control bytes not kept as such */
	{
		static const char crlf[] = "version: STSv1\r\n\r\nmx: b.example\r\nowner: Zo\xc3\xab\x01\r\n"
		    "mode: testing\r\nmax_age: 60\r\nmx: a.example";

		CHECK(mtasts_parse(crlf, sizeof crlf - 1, &back, 0, &why) == 0 && back.nserved == 6 &&
		    back.servedlen == sizeof "version: STSv1\0mx: b.example\0owner: Zo\xc3\xab?\0mode: testing\0"
		    "max_age: 60\0mx: a.example" && memcmp(back.served, "version: STSv1\0mx: b.example\0"
		    "owner: Zo\xc3\xab?\0mode: testing\0max_age: 60\0mx: a.example", back.servedlen) == 0,
		    "served lines as served (%zu)", back.servedlen);
	}
	/* blanks inside and at the end of a line are the line's (RFC 8460
	 * 4.3.1: the policy's text), and survive the cache; a line of blanks
	 * only is an empty line */
	{
		static const char blanks[] = "version: STSv1 \nmode:\tenforce\t\n \t\nmx:  a.example  \r\nmax_age: 60";
		static const char want[] = "version: STSv1 \0mode:\tenforce\t\0mx:  a.example  \0max_age: 60";
		static struct mtasts_policy again;

		CHECK(mtasts_parse(blanks, sizeof blanks - 1, &back, 0, &why) == 0 && back.nserved == 4 &&
		    back.servedlen == sizeof want && memcmp(back.served, want, sizeof want) == 0,
		    "served lines keep their blanks (%zu)", back.servedlen);
		memcpy(back.id, "b1", 3);
		back.fetched = 1;
		back.expires = 2;
		n = mtasts_cache_format(&back, "example.org", text, sizeof text);
		CHECK(n > 0 && mtasts_parse(text, n, &again, 1, &why) == 0 && again.nserved == 4 &&
		    again.servedlen == sizeof want && memcmp(again.served, want, sizeof want) == 0,
		    "served lines with blanks survive the cache");
	}
	/* a cache file needs its id, fetched and expires */
	CHECK(mtasts_parse(policy, sizeof policy - 1, &back, 1, &why) == -1, "cache without id accepted");

	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	CHECK(mtasts_cache_read(dir, "example.org", &back, &why) == 0, "absent cache file read");
	CHECK(mtasts_cache_write(dir, "example.org", &P, &why) == 0, "cache write: %s", why);
	snprintf(path, sizeof path, "%s/example.org", dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "cache file mode %o", st.st_mode & 0777);
	memset(&back, 0, sizeof back);
	CHECK(mtasts_cache_read(dir, "example.org", &back, &why) == 1 && back.expires == P.expires &&
	    mtasts_match(&back, "a.example.org") && !mtasts_match(&back, "example.org"),
	    "cache read back: %s", why);
	/* replaced whole, and no temporary file left behind */
	P.expires += 1;
	CHECK(mtasts_cache_write(dir, "example.org", &P, &why) == 0, "cache rewrite: %s", why);
	CHECK(mtasts_cache_read(dir, "example.org", &back, &why) == 1 && back.expires == P.expires,
	    "cache rewrite read");
	snprintf(a, sizeof a, "ls -A %s | wc -l", dir);
	f = popen(a, "r");
	CHECK(f && fgets(b, sizeof b, f) && atoi(b) == 1, "files in the cache dir: %s", b);
	if (f)
		pclose(f);
	/* a broken file counts as absent (-1), never as a policy */
	put(path, "# qmail-remote MTA-STS policy of example.org\nid: x\nfetched: 1\n");
	CHECK(mtasts_cache_read(dir, "example.org", &back, &why) == -1, "half a cache file read");
	/* a whole file written by hand reads; one cut inside the last mx line
	 * (a crash mid-write) is no policy, not a policy listing "mx1.exa" */
	put(path, "# qmail-remote MTA-STS policy of example.org\nid: x\nfetched: 1\nexpires: 99999999999\n"
	    "version: STSv1\nmode: enforce\nmax_age: 86400\nmx: mx1.example.org\n# end\n");
	CHECK(mtasts_cache_read(dir, "example.org", &back, &why) == 1 && mtasts_match(&back, "mx1.example.org"),
	    "a whole cache file written by hand not read: %s", why);
	put(path, "# qmail-remote MTA-STS policy of example.org\nid: x\nfetched: 1\nexpires: 99999999999\n"
	    "version: STSv1\nmode: enforce\nmax_age: 86400\nmx: mx1.example.org\n");
	CHECK(mtasts_cache_read(dir, "example.org", &back, &why) == -1, "a cache file without its end line read");
	put(path, "# qmail-remote MTA-STS policy of example.org\nid: x\nfetched: 1\nexpires: 99999999999\n"
	    "version: STSv1\nmode: enforce\nmax_age: 86400\nmx: mx1.exa");
	CHECK(mtasts_cache_read(dir, "example.org", &back, &why) == -1, "a cache file cut in an mx line read");
	/* names that are no file name in dir */
	CHECK(mtasts_cache_read(dir, "../etc", &back, &why) == -1, "../etc read");
	CHECK(mtasts_cache_write(dir, "a/b", &P, &why) == -1, "a/b written");
	/* a failed fetch is remembered for the same id, MTASTS_RETRY_S seconds */
	{
		long long when = 0;

		mtasts_fail_note(dir, "example.org", "id1", 1800000000);
		CHECK(mtasts_fail_recent(dir, "example.org", "id1", 1800000000 + MTASTS_RETRY_S - 1, &when) == 1 &&
		    when == 1800000000, "failed fetch not remembered");
		CHECK(mtasts_fail_recent(dir, "example.org", "id1", 1800000000 + MTASTS_RETRY_S, &when) == 0,
		    "failed fetch remembered too long");
		CHECK(mtasts_fail_recent(dir, "example.org", "id2", 1800000001, &when) == 0,
		    "failed fetch of another id remembered");
		CHECK(mtasts_fail_recent(dir, "example.net", "id1", 1800000001, &when) == 0,
		    "failed fetch of another domain remembered");
		CHECK(mtasts_cache_read(dir, "example.org", &back, &why) == -1, "the note spoilt the cache");
		mtasts_fail_note(dir, "example.org", NULL, 0);
		CHECK(mtasts_fail_recent(dir, "example.org", "id1", 1800000001, &when) == 0, "note not removed");
	}
	/* every policy that parsed is cached: the cache's "mx: " lines are
	 * longer than the shortest a policy may use ("mx:a" + LF), so a 64 KB
	 * policy of such lines makes a larger file -- for the longest domain */
	{
		static char big[MTASTS_BODY_MAX + 1];
		static const char head[] = "version:STSv1\nmode:enforce\nmax_age:86400\nmx:mx1.example.org\n";
		char dom[256];
		size_t len = sizeof head - 1, npat;

		memcpy(big, head, len);
		while (len + 5 + 4 <= MTASTS_BODY_MAX) {
			memcpy(big + len, "mx:a\n", 5);
			len += 5;
		}
		memcpy(big + len, "mx:b", 4);	/* the last line without its LF */
		len += 4;
		CHECK(mtasts_parse(big, len, &P, 0, &why) == 0, "64 KB of short mx lines: %s", why);
		npat = P.npatterns;
		strcpy(P.id, "12345678901234567890123456789012");
		P.fetched = 1000000000000000000LL;
		P.expires = 1000000000000000000LL;
		memset(dom, 'd', 253);
		for (n = 63; n < 253; n += 64)
			dom[n] = '.';
		dom[253] = '\0';
		n = mtasts_cache_format(&P, dom, text, sizeof text);
		CHECK(n > MTASTS_BODY_MAX, "a %zu-byte policy of %zu mx lines does not fit the cache format (%zu)", len,
		    npat, n);
		CHECK(mtasts_cache_write(dir, "example.org", &P, &why) == 0, "64 KB policy not cached: %s", why);
		memset(&back, 0, sizeof back);
		CHECK(mtasts_cache_read(dir, "example.org", &back, &why) == 1 && back.npatterns == npat &&
		    mtasts_match(&back, "mx1.example.org") && mtasts_match(&back, "b"),
		    "64 KB policy read back: %s, %zu patterns", why, back.npatterns);
	}
	/* a missing directory: the write fails (the caller traces it) */
	snprintf(a, sizeof a, "%s/missing", dir);
	CHECK(mtasts_cache_write(a, "example.org", &P, &why) == -1, "write into a missing dir");
	snprintf(a, sizeof a, "rm -rf %s", dir);
	CHECK(system(a) == 0, "rm");
}

/* ---- fetch, refresh or use the cache (RFC 8461 3.3, 5.1) ---- */

#define NOW 1800000000LL
#define DAY 86400LL

static const struct dcase {
	const char *name;
	int cached;			/* a cache file was read */
	const char *cid;		/* its id */
	long long fetched, expires;
	unsigned long max_age;
	const char *txt;		/* the TXT record's id, NULL: none visible */
	enum mtasts_action want;
	const char *fetch_id;
	int report;			/* 1: a TLS-RPT datagram wants the lines as served; 2: either way */
} dcases[] = {
	{ "nothing", 0, NULL, 0, 0, 0, NULL, MTASTS_ACT_NONE, NULL },
	{ "new domain", 0, NULL, 0, 0, 0, "a1", MTASTS_ACT_FETCH, "a1" },
	{ "same id, fresh", 1, "a1", NOW - 60, NOW + 7 * DAY, 7 * DAY, "a1", MTASTS_ACT_CACHED, NULL },
	{ "hidden, fresh", 1, "a1", NOW - 60, NOW + 7 * DAY, 7 * DAY, NULL, MTASTS_ACT_CACHED, NULL },
	{ "new id", 1, "a1", NOW - 60, NOW + 7 * DAY, 7 * DAY, "b2", MTASTS_ACT_FETCH, "b2" },
	/* older than a day: refreshed whether or not the record is seen */
	{ "same id, a day old", 1, "a1", NOW - DAY, NOW + 6 * DAY, 7 * DAY, "a1", MTASTS_ACT_FETCH, "a1" },
	{ "hidden, a day old", 1, "a1", NOW - DAY, NOW + 6 * DAY, 7 * DAY, NULL, MTASTS_ACT_FETCH, "a1" },
	{ "hidden, a day less a second", 1, "a1", NOW - DAY + 1, NOW + 6 * DAY, 7 * DAY, NULL, MTASTS_ACT_CACHED, NULL },
	{ "hidden, two days old", 1, "a1", NOW - 2 * DAY, NOW + 5 * DAY, 7 * DAY, NULL, MTASTS_ACT_FETCH, "a1" },
	/* or half its max_age, whichever is sooner */
	{ "hidden, half an hour of an hour", 1, "a1", NOW - 1800, NOW + 1800, 3600, NULL, MTASTS_ACT_FETCH, "a1" },
	{ "hidden, under half an hour", 1, "a1", NOW - 1799, NOW + 1801, 3600, NULL, MTASTS_ACT_CACHED, NULL },
	{ "same id, half its max_age", 1, "a1", NOW - 1800, NOW + 1800, 3600, "a1", MTASTS_ACT_FETCH, "a1" },
	{ "a year's max_age, a day", 1, "a1", NOW - DAY, NOW + 300 * DAY, 31557600, "a1", MTASTS_ACT_FETCH, "a1" },
	/* expired: counts for nothing */
	{ "hidden, expired", 1, "a1", NOW - 7 * DAY, NOW, 7 * DAY, NULL, MTASTS_ACT_NONE, NULL },
	{ "same id, expired", 1, "a1", NOW - 7 * DAY, NOW - 1, 7 * DAY, "a1", MTASTS_ACT_FETCH, "a1" },
	{ "max_age 0", 1, "a1", NOW - 1, NOW - 1, 0, NULL, MTASTS_ACT_NONE, NULL },
	/* fetched in the future (a clock set back): kept until it expires */
	{ "fetched later than now", 1, "a1", NOW + 100, NOW + DAY, DAY, NULL, MTASTS_ACT_CACHED, NULL },
	/* 2: a cache file without "served:" lines (written before TLS-RPT):
	 * fetched again, fresh or not, under its id, when a datagram wants
	 * them; otherwise used as any cached policy */
	{ "fresh, no served lines, reporting", 2, "a1", NOW - 60, NOW + 7 * DAY, 7 * DAY, "a1", MTASTS_ACT_FETCH, "a1", 1 },
	{ "hidden, no served lines, reporting", 2, "a1", NOW - 60, NOW + 7 * DAY, 7 * DAY, NULL, MTASTS_ACT_FETCH, "a1", 1 },
	{ "expired, no served lines, reporting", 2, "a1", NOW - 7 * DAY, NOW, 7 * DAY, NULL, MTASTS_ACT_NONE, NULL, 1 },
	{ "new id, no served lines, reporting", 2, "a1", NOW - 60, NOW + 7 * DAY, 7 * DAY, "b2", MTASTS_ACT_FETCH, "b2", 1 },
	{ "fresh, no served lines", 2, "a1", NOW - 60, NOW + 7 * DAY, 7 * DAY, "a1", MTASTS_ACT_CACHED, NULL, 0 },
	{ "hidden, no served lines", 2, "a1", NOW - 60, NOW + 7 * DAY, 7 * DAY, NULL, MTASTS_ACT_CACHED, NULL, 0 },
	{ "hidden, no served lines, a day old", 2, "a1", NOW - DAY, NOW + 6 * DAY, 7 * DAY, NULL, MTASTS_ACT_FETCH, "a1", 0 },
	{ "expired, no served lines", 2, "a1", NOW - 7 * DAY, NOW, 7 * DAY, NULL, MTASTS_ACT_NONE, NULL, 0 },
};

static void
test_decide(void)
{
	static const char *const act[] = { "none", "cached", "fetch" };
	size_t k;

	/* each row once per report value; rows with served lines (or no
	 * cache) must not care whether a datagram wants them */
	for (k = 0; k < 2 * (sizeof dcases / sizeof dcases[0]); k++) {
		const struct dcase *c = &dcases[k / 2];
		int report = (int)(k % 2);
		const char *fid = "unset";
		enum mtasts_action got;

		if (c->cached == 2 && report != c->report)
			continue;

		memset(&P, 0, sizeof P);
		if (c->cached) {
			strcpy(P.id, c->cid);
			P.fetched = c->fetched;
			P.expires = c->expires;
			P.max_age = c->max_age;
			P.mode = MTASTS_ENFORCE;
			P.nserved = c->cached == 1;
		}
		got = mtasts_decide(c->cached ? &P : NULL, c->txt, (time_t)NOW, report, &fid);
		CHECK(got == c->want && (got != MTASTS_ACT_FETCH || (fid && strcmp(fid, c->fetch_id) == 0)),
		    "decide %s (report %d): %s (id %s), want %s (id %s)", c->name, report, act[got],
		    got == MTASTS_ACT_FETCH && fid ? fid : "-", act[c->want], c->fetch_id ? c->fetch_id : "-");
	}
}

/* ---- the HTTP response reader ---- */

static const struct hcase {
	const char *name;
	const char *resp;
	int ret, status;
	const char *body;
} hcases[] = {
	{ "clen", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello", 0, 200, "hello" },
	{ "clen_lf", "HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: 2\n\nhi", 0, 200, "hi" },
	{ "clen_zero", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n", 0, 200, "" },
	{ "no_reason", "HTTP/1.0 200\r\nContent-Type: text/plain\r\nContent-Length: 1\r\n\r\nx", 0, 200, "x" },
	{ "chunked", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n"
	  "0\r\nX-Trailer: t\r\n\r\n", 0, 200, "hello, world" },
	{ "chunked_upper", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ntransfer-encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n", 0,
	  200, "0123456789" },
	{ "interim", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1\r\n\r\nz", 0, 200, "z" },
	{ "redirect", "HTTP/1.1 301 Moved Permanently\r\nLocation: https://x/\r\nContent-Length: 0\r\n\r\n", -1, 301, NULL },
	{ "not_found", "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno\n", -1, 404, NULL },
	{ "too_big", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 65537\r\n\r\n", -1, 200, NULL },
	{ "short_body", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nabc", -1, 200, NULL },
	/* framed by the connection's end (RFC 9112 6.3): the feed's end is a
	 * clean one (a close_notify); test_http() cuts them short too */
	{ "no_framing", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nabc", 0, 200, "abc" },
	{ "close_delimited", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
	  "version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\nmax_age: 86400\r\n", 0, 200,
	  "version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\nmax_age: 86400\r\n" },
	{ "close_delimited_http10", "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nx\n", 0, 200, "x\n" },
	{ "close_delimited_empty", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n", 0, 200, "" },
	{ "close_delimited_404", "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n\r\nnone", -1, 404, NULL },
	{ "both", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", -1, 200, NULL },
	{ "two_clens", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", -1, 200, NULL },
	{ "same_clens", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 0, 200, "abc" },
	{ "gzip", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", -1, 200, NULL },
	{ "bad_clen", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3x\r\n\r\nabc", -1, 200, NULL },
	{ "neg_clen", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: -3\r\n\r\nabc", -1, 200, NULL },
	{ "bad_status", "HTTP/2 200\r\n\r\n", -1, 0, NULL },
	{ "garbage", "SSH-2.0-OpenSSH\r\n", -1, 0, NULL },
	{ "folded", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX: a\r\n  b\r\nContent-Length: 0\r\n\r\n", -1, 200, NULL },
	{ "no_colon", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nbroken header\r\n\r\n", -1, 200, NULL },
	{ "chunk_big", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n10001\r\n", -1, 200, NULL },
	{ "chunk_huge", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffffffff\r\n", -1, 200, NULL },
	{ "chunk_bad", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", -1, 200, NULL },
	{ "chunk_nocrlf", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n", -1, 200, NULL },
	{ "chunk_eof", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", -1, 200, NULL },
	{ "eof", "", -1, 0, NULL },
	{ "interims", "HTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\n"
	  "HTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n", -1, 100, NULL },
	{ "type_charset", "HTTP/1.1 200 OK\r\nContent-Type: Text/Plain; charset=utf-8\r\nContent-Length: 1\r\n\r\nx", 0,
	  200, "x" },
};

static const char *const not_text[] = {
	"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1\r\n\r\nx",
	"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",	/* none */
	"HTTP/1.1 200 OK\r\nContent-Type: text/plainx\r\nContent-Length: 1\r\n\r\nx",
	"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Type: image/png\r\nContent-Length: 1\r\n\r\nx",
};

/* As feed_ops, but the end of the data is a connection cut without a
 * close_notify: what tls.c's read op gives when the policy asks for one. */
static ssize_t
cut_read(struct conn *c, char *buf, size_t len, int *want)
{
	struct feed *f = c->ctx;
	ssize_t n = f->pos < f->len ? feed_read(c, buf, len, want) : -1;

	*want = 0;
	return n;
}

static const struct conn_ops cut_ops = { cut_read, feed_write };

static int
read_as(const struct conn_ops *ops, const char *resp, size_t resplen, char *body, size_t max, size_t *len,
    int *status, const char **why)
{
	static struct conn c;
	static struct feed f;

	f.data = (const uint8_t *)resp;
	f.len = resplen;
	f.pos = 0;
	conn_init(&c, -1);
	c.ops = ops;
	c.ctx = &f;
	return https_read_response(&c, body, max, len, status, why);
}

static void
test_http(void)
{
	static struct conn c;
	static char body[MTASTS_BODY_MAX];
	static char big[80000];
	struct feed f;
	const char *why;
	size_t i, len, n;
	int status, r;

	for (i = 0; i < sizeof hcases / sizeof hcases[0]; i++) {
		const struct hcase *h = &hcases[i];

		f.data = (const uint8_t *)h->resp;
		f.len = strlen(h->resp);
		f.pos = 0;
		conn_init(&c, -1);
		c.ops = &feed_ops;
		c.ctx = &f;
		r = https_read_response(&c, body, sizeof body, &len, &status, &why);
		CHECK(r == h->ret && status == h->status, "http %s: ret %d status %d (%s)", h->name, r,
		    status, r ? why : "");
		if (r == 0 && h->body)
			CHECK(len == strlen(h->body) && memcmp(body, h->body, len) == 0, "http %s: body %.*s",
			    h->name, (int)len, body);
	}
	/* RFC 8461 3.2: a 200 of any media type but text/plain is refused */
	for (i = 0; i < sizeof not_text / sizeof not_text[0]; i++) {
		f.data = (const uint8_t *)not_text[i];
		f.len = strlen(not_text[i]);
		f.pos = 0;
		conn_init(&c, -1);
		c.ops = &feed_ops;
		c.ctx = &f;
		r = https_read_response(&c, body, sizeof body, &len, &status, &why);
		CHECK(r == -1 && status == 200 && strstr(why, "media type"), "http media type %zu: ret %d (%s)", i, r,
		    r ? why : "");
	}
	/* a header line over HTTPS_LINE_MAX, and more header lines than allowed */
	n = (size_t)snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX: ");
	memset(big + n, 'a', 9000);
	strcpy(big + n + 9000, "\r\nContent-Length: 0\r\n\r\n");
	f.data = (const uint8_t *)big;
	f.len = strlen(big);
	f.pos = 0;
	conn_init(&c, -1);
	c.ops = &feed_ops;
	c.ctx = &f;
	CHECK(https_read_response(&c, body, sizeof body, &len, &status, &why) == -1, "long header accepted");
	n = (size_t)snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n");
	for (i = 0; i < 101; i++)
		n += (size_t)snprintf(big + n, sizeof big - n, "X-%zu: y\r\n", i);
	snprintf(big + n, sizeof big - n, "Content-Length: 0\r\n\r\n");
	f.data = (const uint8_t *)big;
	f.len = strlen(big);
	f.pos = 0;
	conn_init(&c, -1);
	c.ops = &feed_ops;
	c.ctx = &f;
	CHECK(https_read_response(&c, body, sizeof body, &len, &status, &why) == -1, "101 headers accepted");
	/* a body framed by the connection's end counts only when the stream
	 * ended cleanly: cut short (no close_notify), it is refused; a body
	 * framed otherwise is complete before the end and does not care */
	for (i = 0; i < sizeof hcases / sizeof hcases[0]; i++) {
		const struct hcase *h = &hcases[i];
		int framed_by_end = strncmp(h->name, "close_delimited", 15) == 0 || strcmp(h->name, "no_framing") == 0;

		if (h->ret != 0)
			continue;
		r = read_as(&cut_ops, h->resp, strlen(h->resp), body, sizeof body, &len, &status, &why);
		CHECK(framed_by_end ? r == -1 && strstr(why, "close_notify") : r == 0, "http %s cut short: ret %d (%s)",
		    h->name, r, r ? why : "");
	}
	/* exactly 64 KB up to the connection's end is taken; a byte more is not */
	for (r = 0; r < 2; r++) {
		int got;

		n = (size_t)snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n");
		memset(big + n, 'p', MTASTS_BODY_MAX + (size_t)r);
		n += MTASTS_BODY_MAX + (size_t)r;
		got = read_as(&feed_ops, big, n, body, sizeof body, &len, &status, &why);
		CHECK(r ? got == -1 && strstr(why, "size limit") : got == 0 && len == sizeof body,
		    "64 KB to the end %s: ret %d len %zu (%s)", r ? "+1" : "exactly", got, len, got ? why : "");
	}
	/* exactly 64 KB in chunks is taken; a byte more is not */
	for (r = 0; r < 2; r++) {
		n = (size_t)snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n");
		for (i = 0; i < 16; i++) {
			n += (size_t)snprintf(big + n, sizeof big - n, "1000\r\n");
			memset(big + n, 'p', 4096);
			n += 4096;
			n += (size_t)snprintf(big + n, sizeof big - n, "\r\n");
		}
		n += (size_t)snprintf(big + n, sizeof big - n, r ? "1\r\nq\r\n0\r\n\r\n" : "0\r\n\r\n");
		f.data = (const uint8_t *)big;
		f.len = n;
		f.pos = 0;
		conn_init(&c, -1);
		c.ops = &feed_ops;
		c.ctx = &f;
		CHECK(https_read_response(&c, body, sizeof body, &len, &status, &why) == (r ? -1 : 0) &&
		    (r || len == sizeof body), "64 KB chunked %s: len %zu", r ? "+1" : "exactly", len);
	}
}

/* ---- RFC 8460 result types ---- */

static void
test_tlsrpt(void)
{
	/* tls.c says why a certificate check failed (enum tls_cert): the
	 * words of the text are never read */
	static const struct {
		char letter;
		enum report_text text;
		const char *detail;
		enum tls_cert cert;
		enum tlsrpt_type want;
	} m[] = {
		{ 'K', T_ACCEPTED, "", TLS_CERT_OK, TLSRPT_SUCCESS },
		{ 'Z', T_TLS_UNAVAILABLE, "the server does not offer STARTTLS", TLS_CERT_OK,
		    TLSRPT_STARTTLS_NOT_SUPPORTED },
		{ 'Z', T_TLS_STARTTLS, "the server refused STARTTLS", TLS_CERT_OK, TLSRPT_STARTTLS_NOT_SUPPORTED },
		{ 'Z', T_TLS_SUBJECT, "", TLS_CERT_NAME, TLSRPT_CERT_HOST_MISMATCH },
		{ 'Z', T_TLS_CHAIN, "certificate has expired", TLS_CERT_EXPIRED, TLSRPT_CERT_EXPIRED },
		{ 'Z', T_TLS_CHAIN, "unable to get local issuer certificate", TLS_CERT_UNTRUSTED,
		    TLSRPT_CERT_NOT_TRUSTED },
		{ 'Z', T_TLS_CHAIN, "words that say expired but are not", TLS_CERT_UNTRUSTED,
		    TLSRPT_CERT_NOT_TRUSTED },
		{ 'Z', T_TLS_NOCERT, "", TLS_CERT_NONE, TLSRPT_CERT_NOT_TRUSTED },
		{ 'Z', T_TLSA_FAIL, "no matching DANE TLSA records", TLS_CERT_OK, TLSRPT_TLSA_INVALID },
		{ 'Z', T_TLSA_LOOKUP, "", TLS_CERT_OK, TLSRPT_DNSSEC_INVALID },
		{ 'Z', T_STS_MX, "", TLS_CERT_OK, TLSRPT_VALIDATION_FAILURE },
	};
	struct outcome f;
	size_t i;

	for (i = 0; i < sizeof m / sizeof m[0]; i++) {
		memset(&f, 0, sizeof f);
		outcome_set(&f, m[i].letter, m[i].text, m[i].detail);
		f.tls.cert = m[i].cert;
		CHECK(tlsrpt_type_of(&f) == m[i].want, "tlsrpt %zu: %s, want %s", i,
		    tlsrpt_type_name(tlsrpt_type_of(&f)), tlsrpt_type_name(m[i].want));
	}
	CHECK(strcmp(tlsrpt_type_name(TLSRPT_CERT_HOST_MISMATCH), "certificate-host-mismatch") == 0 &&
	    strcmp(tlsrpt_type_name(TLSRPT_STS_WEBPKI_INVALID), "sts-webpki-invalid") == 0, "tlsrpt names");
}

/* ---- seeds for the fuzzers ---- */

static int
write_corpus(const char *dir, const char *kind)
{
	char path[4096];
	size_t i;
	FILE *f;

	if (strcmp(kind, "policy") == 0) {
		for (i = 0; i < sizeof pcases / sizeof pcases[0]; i++) {
			snprintf(path, sizeof path, "%s/policy%02zu", dir, i);
			if (!(f = fopen(path, "wb")) || fputs(pcases[i].text, f) < 0 || fclose(f) != 0)
				return perror(path), 1;
		}
		return 0;
	}
	for (i = 0; i < sizeof hcases / sizeof hcases[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, hcases[i].name);
		if (!(f = fopen(path, "wb")) || fputs(hcases[i].resp, f) < 0 || fclose(f) != 0)
			return perror(path), 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--corpus") == 0)
		return write_corpus(argv[2], argv[3]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_txt();
	test_parse();
	test_match();
	test_cache();
	test_decide();
	test_http();
	test_tlsrpt();
	return check_done();
}
