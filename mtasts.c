/*
 * mtasts.c -- MTA-STS (RFC 8461) for one delivery: checks the _mta-sts TXT
 * record the MX lookup brought along, keeps policies in a cache directory
 * (one file per policy domain, replaced by rename), fetches a policy over
 * HTTPS (https.c) when the id changed or the cached one expired, parses it,
 * and tells whether it lists an MX host (mtasts_match).
 * Not here: what a policy makes of a peer's TLS -- enforce, testing, and
 * their precedence over tlsdestinations and DANE (tlspolicy.c) --, the DNS
 * queries (dns.c), the handshake and its checks (tls.c), "next MX"
 * (qmail-remote.c), reports (report.c).
 * Limits: a policy of 64 KB (RFC 8461 3.3), an id of 32 characters, a
 * max_age of a year; the fetch is bounded by MTASTS_FETCH_S seconds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include "https.h"
#include "mtasts.h"
#include "name.h"
#include "str.h"
#include "tlsrpt.h"
#include "trace.h"

#define MTASTS_WELL_KNOWN	"/.well-known/mta-sts.txt"	/* RFC 8461 3.3 */

static int
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 8461's ext-name: (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / "."). */
static int
ext_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 32 || !is_alnum((unsigned char)s[0]))
		return 0;
	for (i = 1; i < n; i++)
		if (!is_alnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
			return 0;
	return 1;
}

/* ---- the TXT record (RFC 8461 3.1) ---- */

/* One record known to start with "v=STSv1": its fields, and the id. */
static int
txt_fields(const char *s, size_t n, char id[MTASTS_ID_MAX + 1], const char **why)
{
	size_t i = 7, start, eq, k;	/* after "v=STSv1" */
	int have_id = 0;

	for (;;) {
		/* sts-field-delim: *WSP ";" *WSP, then a field or the end */
		while (i < n && is_wsp(s[i]))
			i++;
		if (i == n)
			break;
		if (s[i] != ';')
			return (*why = "malformed TXT record", -1);
		i++;
		while (i < n && is_wsp(s[i]))
			i++;
		if (i == n)
			break;
		start = i;
		while (i < n && s[i] != '=' && s[i] != ';' && !is_wsp(s[i]))
			i++;
		if (i == n || s[i] != '=' || !ext_name_ok(s + start, i - start))
			return (*why = "malformed TXT record", -1);
		eq = i++;
		/* ext-value: 1*(%x21-3A / %x3C / %x3E-7E) */
		while (i < n && (unsigned char)s[i] > 0x20 && (unsigned char)s[i] < 0x7f &&
		    s[i] != ';' && s[i] != '=')
			i++;
		if (i == eq + 1)
			return (*why = "malformed TXT record", -1);
		if (i < n && s[i] != ';' && !is_wsp(s[i]))
			return (*why = "malformed TXT record", -1);
		/* a second id= is an extension like any other: the first
		 * counts (RFC 8461 3.2, which speaks of TXT records too) */
		if (eq - start == 2 && memcmp(s + start, "id", 2) == 0 && !have_id) {
			if (i - eq - 1 > MTASTS_ID_MAX)
				return (*why = "TXT record id over 32 characters", -1);
			for (k = eq + 1; k < i; k++)
				if (!is_alnum((unsigned char)s[k]))
					return (*why = "TXT record id not letters and digits", -1);
			memcpy(id, s + eq + 1, i - eq - 1);
			id[i - eq - 1] = '\0';
			have_id = 1;
		}
	}
	return have_id ? 0 : (*why = "TXT record without id", -1);
}

int
mtasts_txt_id(const struct dns_txtset *txt, char id[MTASTS_ID_MAX + 1], const char **why)
{
	const struct dns_txt *one = NULL;
	size_t i, n = 0;

	if (txt->dropped)
		return (*why = "TXT RRset too large to read whole", -1);
	for (i = 0; i < txt->count; i++) {
		const struct dns_txt *t = &txt->rec[i];

		/* records that do not begin with v=STSv1 are discarded */
		if (t->len >= 7 && memcmp(t->data, "v=STSv1", 7) == 0 &&
		    (t->len == 7 || t->data[7] == ';' || is_wsp(t->data[7]))) {
			one = t;
			n++;
		}
	}
	if (n == 0)
		return (*why = "no v=STSv1 TXT record", -1);
	if (n > 1)
		return (*why = "more than one v=STSv1 TXT record", -1);
	return txt_fields(one->data, one->len, id, why);
}

/* ---- the policy (RFC 8461 3.2) ---- */

/* An mx value: ["*."] Domain (letters, digits, '-'; labels of 1..63);
 * one trailing dot is dropped. Appended to p->pat in lower case. */
static int
add_pattern(struct mtasts_policy *p, const char *v, size_t n)
{
	size_t i, label = 0, start = 0;

	if (n > 0 && v[n - 1] == '.')
		n--;
	if (n >= 2 && v[0] == '*' && v[1] == '.')
		start = 2;
	if (n == start || n > DNS_NAME_MAX)
		return -1;
	for (i = start; i < n; i++) {
		if (v[i] == '.') {
			if (label == 0)
				return -1;
			label = 0;
			continue;
		}
		if (!is_alnum((unsigned char)v[i]) && v[i] != '-')
			return -1;
		if (++label > 63)
			return -1;
	}
	if (label == 0 || p->patlen + n + 1 > sizeof p->pat)
		return -1;
	memcpy(p->pat + p->patlen, v, n);
	p->pat[p->patlen + n] = '\0';
	name_lower(p->pat + p->patlen);
	p->patlen += n + 1;
	p->npatterns++;
	return 0;
}

/* One line of the policy as served, kept for TLS-RPT (a 64 KB policy's
 * lines always fit: each takes its bytes and a NUL for its LF). */
static void
add_served(struct mtasts_policy *p, const char *v, size_t n)
{
	size_t i;

	if (p->servedlen + n + 1 > sizeof p->served)
		return;
	for (i = 0; i < n; i++) {	/* a NUL or a line end would end it early */
		char c = v[i];

		if ((unsigned char)c < 0x20 && c != '\t')
			c = '?';
		p->served[p->servedlen++] = c;
	}
	p->served[p->servedlen++] = '\0';
	p->nserved++;
}

static int
scan_number(const char *v, size_t n, unsigned digits_max, unsigned long long *out)
{
	size_t i;

	if (n == 0 || n > digits_max)
		return -1;
	*out = 0;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		*out = *out * 10 + (unsigned)(v[i] - '0');
	}
	return 0;
}

static int
key_is(const char *k, size_t n, const char *want)
{
	return strlen(want) == n && memcmp(k, want, n) == 0;
}

int
mtasts_parse(const char *text, size_t len, struct mtasts_policy *p, int cache, const char **why)
{
	const char *line = text, *end = text + len, *nl, *k, *v;
	size_t kn, vn, rawn, i;
	unsigned long long num;
	int have_version = 0, have_mode = 0, have_age = 0, have_id = 0, have_fetched = 0,
	    have_expires = 0;

	memset(p, 0, offsetof(struct mtasts_policy, pat));
	for (; line < end; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			nl = end;
		k = line;
		vn = (size_t)(nl - line);
		if (vn > 0 && k[vn - 1] == '\r')
			vn--;
		rawn = vn;	/* the line as served, without its end */
		while (vn > 0 && is_wsp(k[vn - 1]))
			vn--;
		if (vn == 0)
			continue;	/* an empty line (a trailing one is common) */
		if (cache && k[0] == '#')
			continue;	/* the cache file's first line */
		/* TLS-RPT's policy-string: each line byte for byte (blanks
		 * included), in the cache after "served: " */
		if (cache && rawn >= 8 && memcmp(k, "served: ", 8) == 0) {
			add_served(p, k + 8, rawn - 8);
			continue;
		}
		if (!cache)
			add_served(p, k, rawn);
		for (kn = 0; kn < vn && k[kn] != ':'; kn++)
			;
		if (kn == vn || !ext_name_ok(k, kn))
			return (*why = "malformed line (not key: value)", -1);
		v = k + kn + 1;
		vn -= kn + 1;
		while (vn > 0 && is_wsp(*v)) {
			v++;
			vn--;
		}
		/*
		 * Only the fields read here are held to their grammar (each
		 * check below admits ASCII letters, digits and '.', '-', '*'
		 * alone); an extension's value may hold UTF-8 (RFC 8461 3.2's
		 * sts-policy-ext-value) and is never looked at. A field other
		 * than mx given again: the first counts, the rest are ignored
		 * (RFC 8461 3.2), whatever they hold.
		 */
		if (key_is(k, kn, "version")) {
			if (have_version++)
				continue;
			if (!key_is(v, vn, "STSv1"))
				return (*why = "version is not STSv1", -1);
		} else if (key_is(k, kn, "mode")) {
			if (have_mode++)
				continue;
			if (key_is(v, vn, "enforce"))
				p->mode = MTASTS_ENFORCE;
			else if (key_is(v, vn, "testing"))
				p->mode = MTASTS_TESTING;
			else if (key_is(v, vn, "none"))
				p->mode = MTASTS_NONE;
			else
				return (*why = "mode is not enforce, testing or none", -1);
		} else if (key_is(k, kn, "max_age")) {
			if (have_age++)
				continue;
			if (scan_number(v, vn, 10, &num) != 0)
				return (*why = "max_age is not 1 to 10 digits", -1);
			p->max_age = num > MTASTS_MAX_AGE_MAX ? MTASTS_MAX_AGE_MAX : (unsigned long)num;
		} else if (key_is(k, kn, "mx")) {
			if (add_pattern(p, v, vn) != 0)
				return (*why = "mx is not a host name or *.name", -1);
		} else if (cache && key_is(k, kn, "id")) {
			if (have_id++ || vn == 0 || vn > MTASTS_ID_MAX)
				return (*why = "bad id", -1);
			for (i = 0; i < vn; i++)
				if (!is_alnum((unsigned char)v[i]))
					return (*why = "bad id", -1);
			memcpy(p->id, v, vn);
			p->id[vn] = '\0';
		} else if (cache && (key_is(k, kn, "fetched") || key_is(k, kn, "expires"))) {
			int *seen = k[0] == 'f' ? &have_fetched : &have_expires;

			if ((*seen)++ || scan_number(v, vn, 19, &num) != 0 || num > (1ULL << 62))
				return (*why = "bad time", -1);
			*(k[0] == 'f' ? &p->fetched : &p->expires) = (long long)num;
		}
		/* any other key: ignored (RFC 8461 3.2) */
	}
	if (!have_version)
		return (*why = "no version", -1);
	if (!have_mode)
		return (*why = "no mode", -1);
	if (!have_age)
		return (*why = "no max_age", -1);
	if (p->npatterns == 0 && p->mode != MTASTS_NONE)
		return (*why = "no mx", -1);
	if (cache && (!have_id || !have_fetched || !have_expires))
		return (*why = "cache file without id, fetched or expires", -1);
	return 0;
}

int
mtasts_match(const struct mtasts_policy *p, const char *mx)
{
	size_t n = strlen(mx), i, pn;
	const char *pat = p->pat, *dot;

	if (n > 0 && mx[n - 1] == '.')
		n--;
	for (i = 0; i < p->npatterns; i++, pat += pn + 1) {
		pn = strlen(pat);
		if (pn >= 2 && pat[0] == '*' && pat[1] == '.') {
			/* exactly one label before the suffix: not the suffix
			 * itself, not two labels (RFC 8461 4.1) */
			dot = memchr(mx, '.', n);
			if (dot && dot > mx && (size_t)(mx + n - dot) == pn - 1 &&
			    strncasecmp(dot, pat + 1, pn - 1) == 0)
				return 1;
		} else if (pn == n && strncasecmp(mx, pat, n) == 0) {
			return 1;
		}
	}
	return 0;
}

/* ---- the cache ---- */

static const char *const mode_names[] = {
	[MTASTS_NOPOLICY] = "(none)", [MTASTS_NONE] = "none", [MTASTS_TESTING] = "testing",
	[MTASTS_ENFORCE] = "enforce",
};

#define CACHE_END	"# end\n"

size_t
mtasts_cache_format(const struct mtasts_policy *p, const char *domain, char *buf, size_t size)
{
	const char *pat = p->pat;
	size_t o, i;
	int n;

	n = snprintf(buf, size, "# qmail-remote MTA-STS policy of %s\nid: %s\nfetched: %lld\n"
	    "expires: %lld\nversion: STSv1\nmode: %s\nmax_age: %lu\n", domain, p->id, p->fetched,
	    p->expires, mode_names[p->mode], p->max_age);
	if (n < 0 || (size_t)n >= size)
		return 0;
	o = (size_t)n;
	for (i = 0; i < p->npatterns; i++, pat += strlen(pat) + 1) {
		n = snprintf(buf + o, size - o, "mx: %s\n", pat);
		if (n < 0 || (size_t)n >= size - o)
			return 0;
		o += (size_t)n;
	}
	for (i = 0, pat = p->served; i < p->nserved; i++, pat += strlen(pat) + 1) {
		n = snprintf(buf + o, size - o, "served: %s\n", pat);
		if (n < 0 || (size_t)n >= size - o)
			return 0;
		o += (size_t)n;
	}
	/* the last line: a file cut short (a crash mid-write on a file system
	 * that kept the rename) is no policy, never a shorter list of MX hosts */
	if (size - o <= sizeof CACHE_END - 1)
		return 0;
	memcpy(buf + o, CACHE_END, sizeof CACHE_END);
	return o + sizeof CACHE_END - 1;
}

/* A policy domain as a file name: what idn_host_to_ascii lets through,
 * checked again here (no '/', no leading '.'). */
static int
cache_path(char *buf, size_t size, const char *dir, const char *domain)
{
	size_t i, n = strlen(domain);

	if (n == 0 || n > DNS_NAME_MAX || domain[0] == '.')
		return -1;
	for (i = 0; i < n; i++)
		if (!is_alnum((unsigned char)domain[i]) && domain[i] != '-' && domain[i] != '.' &&
		    domain[i] != '_')
			return -1;
	/* no snprintf: this runs for every delivery that may have a policy */
	n = str_append(buf, size, str_append(buf, size, str_copy(buf, size, dir), "/"), domain);
	return n + 1 < size ? 0 : -1;
}

int
mtasts_cache_read(const char *dir, const char *domain, struct mtasts_policy *p, const char **why)
{
	static char text[MTASTS_CACHE_MAX + 1];
	char path[4096];
	struct stat st;
	size_t len = 0;
	ssize_t r;
	int fd;

	if (cache_path(path, sizeof path, dir, domain) != 0)
		return (*why = "no file name for this domain", -1);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : (*why = strerror(errno), -1);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MTASTS_CACHE_MAX) {
		close(fd);
		return (*why = "not a regular file of at most 78 KB", -1);
	}
	while (len <= MTASTS_CACHE_MAX) {
		r = read(fd, text + len, MTASTS_CACHE_MAX + 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (len > MTASTS_CACHE_MAX)
		return (*why = "too large", -1);
	if (len < sizeof CACHE_END || memcmp(text + len - sizeof CACHE_END, "\n" CACHE_END,
	    sizeof CACHE_END) != 0)
		return (*why = "cut short (no end line)", -1);
	return mtasts_parse(text, len, p, 1, why) == 0 ? 1 : -1;
}

int
mtasts_cache_write(const char *dir, const char *domain, const struct mtasts_policy *p, const char **why)
{
	static char text[MTASTS_CACHE_MAX];
	char path[4096], tmp[4096];
	unsigned long long rnd = 0;
	size_t n = mtasts_cache_format(p, domain, text, sizeof text), done = 0;
	ssize_t w;
	int fd, e;

	if (n == 0 || cache_path(path, sizeof path, dir, domain) != 0)
		return (*why = "policy too large for the cache", -1);
	/* a name of its own per writer: concurrent deliveries never share
	 * a temporary file, and rename() replaces the old file in one step */
	(void)getrandom(&rnd, sizeof rnd, GRND_NONBLOCK);
	if ((size_t)snprintf(tmp, sizeof tmp, "%s/.tmp.%ld.%llx", dir, (long)getpid(), rnd) >= sizeof tmp)
		return (*why = "path too long", -1);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return (*why = strerror(errno), -1);
	while (done < n) {
		w = write(fd, text + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			e = w < 0 ? errno : ENOSPC;
			close(fd);
			(void)unlink(tmp);
			return (errno = e, *why = strerror(e), -1);
		}
		done += (size_t)w;
	}
	/* on disk before it replaces the old file: never a renamed empty file */
	if (fsync(fd) != 0) {
		e = errno;
		close(fd);
		(void)unlink(tmp);
		return (errno = e, *why = strerror(e), -1);
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		e = errno;
		(void)unlink(tmp);
		return (errno = e, *why = strerror(e), -1);
	}
	return 0;
}

/* ---- failed fetches ---- */

/* dir/.fail.<domain>: a name no domain has (domains never start with '.') */
static int
fail_path(char *buf, size_t size, const char *dir, const char *domain)
{
	char name[DNS_NAME_MAX + 8];

	if (str_append(name, sizeof name, str_copy(name, sizeof name, ".fail."), domain) > 255)
		return -1;	/* longer than a file name may be: no note */
	return cache_path(buf, size, dir, domain) != 0 ? -1 :
	    (str_append(buf, size, str_append(buf, size, str_copy(buf, size, dir), "/"), name) + 1 < size ? 0 : -1);
}

int
mtasts_fail_recent(const char *dir, const char *domain, const char *id, time_t now, long long *when)
{
	char path[4096], text[128];
	unsigned long long t = 0;
	size_t n = strlen(id), i;
	ssize_t r;
	int fd;

	if (fail_path(path, sizeof path, dir, domain) != 0)
		return 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	r = read(fd, text, sizeof text - 1);
	close(fd);
	if (r <= 0 || (size_t)r <= n + 1 || memcmp(text, id, n) != 0 || text[n] != ' ')
		return 0;	/* another id (or nothing readable): fetch */
	for (i = n + 1; i < (size_t)r && text[i] >= '0' && text[i] <= '9' && t < (1ULL << 40); i++)
		t = t * 10 + (unsigned)(text[i] - '0');
	if (i == n + 1 || i >= (size_t)r || text[i] != '\n')
		return 0;
	*when = (long long)t;
	return (long long)t <= (long long)now && (long long)now < (long long)t + MTASTS_RETRY_S;
}

void
mtasts_fail_note(const char *dir, const char *domain, const char *id, time_t now)
{
	char path[4096], tmp[4096], text[128];
	unsigned long long rnd = 0;
	int fd, n, ok;

	if (fail_path(path, sizeof path, dir, domain) != 0)
		return;
	if (!id) {
		(void)unlink(path);
		return;
	}
	n = snprintf(text, sizeof text, "%s %lld\n", id, (long long)now);
	(void)getrandom(&rnd, sizeof rnd, GRND_NONBLOCK);
	if (n <= 0 || (size_t)n >= sizeof text ||
	    (size_t)snprintf(tmp, sizeof tmp, "%s/.tmp.%ld.%llx", dir, (long)getpid(), rnd) >= sizeof tmp)
		return;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;	/* no cache directory: nothing remembered */
	ok = write(fd, text, (size_t)n) == n;
	if (close(fd) != 0 || !ok || rename(tmp, path) != 0)
		(void)unlink(tmp);
}

/* ---- the decision (RFC 8461 5.1) ---- */

static struct mtasts_policy cached, fresh;
static char body[MTASTS_BODY_MAX];

static const char *
utc(long long t)
{
	static char buf[2][32];
	static int k;
	time_t tt = (time_t)t;
	struct tm tm;

	k ^= 1;
	if (!gmtime_r(&tt, &tm) || strftime(buf[k], sizeof buf[k], "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		return "?";
	return buf[k];
}

/* The policy and its patterns, for the transcript. */
static void
trace_policy(const char *domain, const struct mtasts_policy *p, const char *how)
{
	char list[512];
	const char *pat = p->pat;
	size_t i, o = 0;

	if (!trace_on)
		return;
	list[0] = '\0';
	for (i = 0; i < p->npatterns; i++, pat += strlen(pat) + 1)
		o = str_append(list, sizeof list, str_append(list, sizeof list, o, i ? " " : ""), pat);
	TRACE("mta-sts: policy of %s %s: id %s, mode %s, max_age %lu, expires %s; mx: %s", domain,
	    how, p->id, mode_names[p->mode], p->max_age, utc(p->expires), p->npatterns ? list : "(none)");
}

/* A TXT record for the transcript: printable ASCII, the rest as '?'. */
static void
trace_txt(const char *domain, const struct dns_txtset *txt)
{
	char shown[256];
	size_t i, k;

	for (i = 0; trace_on && i < txt->count; i++) {
		for (k = 0; k < txt->rec[i].len && k + 1 < sizeof shown; k++) {
			shown[k] = txt->rec[i].data[k];
			if (shown[k] < ' ' || shown[k] > '~')
				shown[k] = '?';
		}
		shown[k] = '\0';
		TRACE("mta-sts: TXT _mta-sts.%s: \"%s\"", domain, shown);
	}
}

/* Why no policy could be had, in RFC 8460's terms, for the sessions that
 * follow (mtasts_discover()'s *failure) and the transcript. */
static enum tlsrpt_type policy_failure;

static void
note_policy_failure(const char *domain, enum tlsrpt_type type, const char *why)
{
	policy_failure = type;
	TRACE("tls-rpt: sts %s %s: %s", domain, tlsrpt_type_name(type), why);
}

/* Fetches and parses the policy for id into fresh; 0, or -1 (traced). */
static int
fetch(const char *domain, const char *id, const char *cafile, time_t now)
{
	char host[DNS_NAME_MAX + 16], why[256];
	const char *perr;
	size_t len = 0;
	enum https_status st;

	if ((size_t)snprintf(host, sizeof host, "mta-sts.%s", domain) >= sizeof host ||
	    strlen(host) > DNS_NAME_MAX) {
		TRACE("mta-sts: mta-sts.%s is too long a name to fetch from", domain);
		return -1;
	}
	TRACE("mta-sts: fetching https://%s%s (CA %s)", host, MTASTS_WELL_KNOWN, cafile);
	st = https_get(host, MTASTS_WELL_KNOWN, cafile, MTASTS_FETCH_S, body, sizeof body, &len,
	    why, sizeof why);
	if (st != HTTPS_OK) {
		TRACE("mta-sts: fetch failed: %s", why);
		/* RFC 8460 4.3.2.2: a certificate the WebPKI does not accept;
		 * anything else that kept the policy from us (HTTP 4xx/5xx, a
		 * media type other than text/plain, no connection) a fetch error */
		note_policy_failure(domain, st == HTTPS_WEBPKI ? TLSRPT_STS_WEBPKI_INVALID :
		    TLSRPT_STS_POLICY_FETCH_ERROR, why);
		return -1;
	}
	if (mtasts_parse(body, len, &fresh, 0, &perr) != 0) {
		TRACE("mta-sts: the policy of %s is malformed: %s", domain, perr);
		note_policy_failure(domain, TLSRPT_STS_POLICY_INVALID, perr);
		return -1;
	}
	str_copy(fresh.id, sizeof fresh.id, id);
	fresh.fetched = (long long)now;
	fresh.expires = (long long)now + (long long)fresh.max_age;
	return 0;
}

enum mtasts_action
mtasts_decide(const struct mtasts_policy *cache, const char *txt_id, time_t now, int want_served,
    const char **fetch_id)
{
	long long refresh;

	*fetch_id = txt_id;
	if (cache && cache->expires <= (long long)now)
		cache = NULL;	/* expired: as if never fetched */
	if (!cache)
		return txt_id ? MTASTS_ACT_FETCH : MTASTS_ACT_NONE;
	if (txt_id && strcmp(txt_id, cache->id) != 0)
		return MTASTS_ACT_FETCH;	/* a new policy */
	if (cache->nserved == 0 && want_served) {
		/* written before the lines as served were kept, and a TLS-RPT
		 * datagram needs them (its policy-string): fetched again, once;
		 * it holds meanwhile */
		*fetch_id = cache->id;
		return MTASTS_ACT_FETCH;
	}
	refresh = (long long)(cache->max_age / 2);
	if (refresh > MTASTS_REFRESH_S)
		refresh = MTASTS_REFRESH_S;
	if ((long long)now - cache->fetched < refresh)
		return MTASTS_ACT_CACHED;
	*fetch_id = cache->id;		/* the same policy, or the TXT record hidden */
	return MTASTS_ACT_FETCH;
}

const struct mtasts_policy *
mtasts_discover(const char *host, enum dns_status txtst, const struct dns_txtset *txt,
    const char *cafile, const char *dir, time_t now, int want_served, enum tlsrpt_type *failure)
{
	char id[MTASTS_ID_MAX + 1], domain[DNS_NAME_MAX + 2];
	const char *why = NULL, *fid = NULL;
	int have_id = 0, c, fetched;
	int have_cache;
	long long failed_at = 0;
	enum mtasts_action act;

	*failure = TLSRPT_SUCCESS;
	policy_failure = TLSRPT_SUCCESS;

	/* one policy domain however the host is written: host comes in its
	 * one form (name.h), so "example.com." is example.com for the cache
	 * file, the fetch host, SNI and the name check (which a trailing dot
	 * would fail) */
	if (strlen(host) >= sizeof domain) {
		TRACE("mta-sts: %s is too long a name for a policy", host);
		return NULL;
	}
	str_copy(domain, sizeof domain, host);

	if (txtst == DNS_OK) {
		trace_txt(domain, txt);
		have_id = mtasts_txt_id(txt, id, &why) == 0;
		if (!have_id && txt->count > 0)
			TRACE("mta-sts: _mta-sts.%s: %s: no policy discovered", domain, why);
	} else {
		TRACE("mta-sts: TXT _mta-sts.%s: lookup %s", domain,
		    txtst == DNS_NXDOMAIN ? "NXDOMAIN" : "failed");
	}
	c = mtasts_cache_read(dir, domain, &cached, &why);
	if (c < 0)
		TRACE("mta-sts: cache %s/%s: %s: ignored", dir, domain, why);
	have_cache = c > 0 && cached.expires > (long long)now;
	if (c > 0 && !have_cache)
		TRACE("mta-sts: the cached policy of %s expired at %s", domain, utc(cached.expires));

	/* RFC 8461 5.1: the same id, unexpired and refreshed lately: no fetch */
	act = mtasts_decide(c > 0 ? &cached : NULL, have_id ? id : NULL, now, want_served, &fid);
	if (act == MTASTS_ACT_CACHED) {
		if (!have_id)
			TRACE("mta-sts: no usable TXT record for %s: the cached policy stays in force", domain);
		trace_policy(domain, &cached, "cached");
		return &cached;
	}
	if (act == MTASTS_ACT_NONE) {
		TRACE("mta-sts: %s has no policy", domain);
		return NULL;
	}
	if (have_cache && have_id)
		TRACE("mta-sts: cached policy id %s, TXT id %s: %s", cached.id, id,
		    strcmp(id, cached.id) ? "fetching the new one" : cached.nserved == 0 && want_served ?
		    "fetching it again: its lines as served were not kept" : "refreshing it");
	else if (have_cache)	/* RFC 8461 3.3, 10.2: hidden or not, a policy is refreshed */
		TRACE("mta-sts: no usable TXT record for %s: refreshing the cached policy (id %s, fetched %s)",
		    domain, cached.id, utc(cached.fetched));
	if (mtasts_fail_recent(dir, domain, fid, now, &failed_at)) {
		TRACE("mta-sts: the fetch for id %s failed at %s: not tried again before %s", fid,
		    utc(failed_at), utc(failed_at + MTASTS_RETRY_S));
		fetched = -1;
	} else if ((fetched = fetch(domain, fid, cafile, now)) != 0) {
		mtasts_fail_note(dir, domain, fid, now);
	} else {
		mtasts_fail_note(dir, domain, NULL, now);
	}
	if (fetched != 0) {
		if (have_cache) {
			TRACE("mta-sts: the cached policy of %s stays in force", domain);
			trace_policy(domain, &cached, "cached");
			return &cached;
		}
		TRACE("mta-sts: nothing cached for %s: no policy", domain);
		/* a policy was announced and could not be had: each session
		 * counts against it (RFC 8460 4.3.2.2); a fetch not tried for a
		 * recent failure counts as a fetch error */
		*failure = fetched == -1 && policy_failure ? policy_failure : TLSRPT_STS_POLICY_FETCH_ERROR;
		return NULL;
	}
	trace_policy(domain, &fresh, "fetched");
	if (mtasts_cache_write(dir, domain, &fresh, &why) != 0)
		TRACE("mta-sts: cache %s: %s: the policy is used, not kept", dir, why);
	return &fresh;
}
