/*
 * control.c -- reads every control file in CONTROLDIR once, hands each
 * line to its grammar (ctlgrammar.c), keeps what they give in struct
 * config, and reports the first fault as an error naming the file and
 * the line. Also the one look-up that asks the file system: netqmail's
 * per-host tlshosts/ and notlshosts/ (ctl_tlshost()).
 * Not here: what a line means (ctlgrammar.c), matching (ctllookup.c),
 * acting on the settings (qmail-remote.c, smtp.c, tls.c), the interfaces'
 * own addresses (ipme.c).
 *
 * Reading follows qmail's control_readfile: trailing spaces, tabs and CRs
 * are removed, empty lines and lines starting with '#' are skipped. Unlike
 * qmail, a malformed line (a bad number included) is an error naming the
 * file and the line: the caller reports Z rather than guess.
 *
 * Keys: each key is put in its one form once, when its file is read, by
 * name_form() (name.h: lower case, one trailing dot off, UTF-8 names in
 * A-labels, addresses as addresses) -- in place by the grammar for ASCII,
 * here for a key holding UTF-8 -- so the look-ups only compare.
 *
 * Memory: each file is read into one buffer; lines are split in place and
 * every string in struct config points into those buffers (an A-label key,
 * longer than its UTF-8 spelling, gets a small allocation of its own).
 * Arrays are sized by a first counting pass and allocated once. Everything
 * sits on one list that ctl_free() releases.
 *
 * Limits: a file over CTL_FILE_MAX bytes is an error. Lines have no limit of
 * their own: they never leave the file's buffer. libidn2 is called only
 * for keys (and names asked about) that hold UTF-8.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "control.h"
#include "ctlpriv.h"
#include "ip.h"
#include "name.h"
#include "str.h"

#define CTL_FILE_MAX	(16UL * 1024 * 1024)	/* a 100k-domain smtproutes is ~5 MB */
#define CTL_READ_MIN	4096		/* first buffer when fstat says 0 (procfs-like files) */

struct ctl_buf {
	struct ctl_buf *next;
	max_align_t data[];	/* max_align_t: arrays of any struct may start here */
};

/* ---- allocation ---- */

static void *
ctl_alloc(struct config *cfg, size_t n, size_t size)
{
	struct ctl_buf *b;

	if (size && n > (SIZE_MAX - sizeof *b) / size)
		return NULL;
	b = calloc(1, sizeof *b + n * size);
	if (!b)
		return NULL;
	b->next = cfg->ctl_bufs;
	cfg->ctl_bufs = b;
	return b->data;
}

static char *
ctl_strdup(struct config *cfg, const char *s)
{
	size_t len = strlen(s);
	char *p = ctl_alloc(cfg, len + 1, 1);

	if (p)
		memcpy(p, s, len + 1);
	return p;
}

void
ctl_init(struct config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->timeoutconnect = 60;
	cfg->timeoutremote = 1200;
	cfg->timeoutdns = 30;
	cfg->tlsstrictness = -1;
	cfg->mtasts = 1;
	cfg->tls_default.dest = "";
}

void
ctl_free(struct config *cfg)
{
	struct ctl_buf *b = cfg->ctl_bufs, *next;

	for (; b; b = next) {
		next = b->next;
		free(b);
	}
	memset(cfg, 0, sizeof *cfg);
}

/* ---- errors ---- */

#define CTL_NOMEM	(-2)	/* alabel_key(): out of memory, not a bad key */

static int
fail(struct ctl_error *err, const char *file, unsigned line, const char *why)
{
	str_copy(err->file, sizeof err->file, file);
	err->line = line;
	str_copy(err->why, sizeof err->why, why);
	err->nomem = 0;
	return -1;
}

/* The caller says so (struct ctl_error's nomem), not the words. */
static int
fail_nomem(struct ctl_error *err, const char *file, unsigned line)
{
	fail(err, file, line, "out of memory");
	err->nomem = 1;
	return -1;
}

/* A key that could not be put in its A-label form (rc from alabel_keys). */
static int
fail_key(struct ctl_error *err, const char *file, unsigned line, const char *why, int rc)
{
	return rc == CTL_NOMEM ? fail_nomem(err, file, line) : fail(err, file, line, why);
}

static int
fail_errno(struct ctl_error *err, const char *file, int e)
{
	if (e == ENOMEM)
		return fail_nomem(err, file, 0);
	str_copy(err->file, sizeof err->file, file);
	err->line = 0;
	err->nomem = 0;
	str_append(err->why, sizeof err->why, str_copy(err->why, sizeof err->why,
	    "unreadable: "), strerror(e));
	return -1;
}

/* ---- tlsdestinations' default lines, folded into one ---- */

static int
same(const char *a, const char *b)
{
	return !a || !b || strcmp(a, b) == 0;
}

/* Folds default line d into def; two lines that set a field differently conflict. */
static int
merge_default(struct ctl_tlsdest *def, const struct ctl_tlsdest *d, struct ctl_error *err,
    const char *file)
{
	if (!same(def->cafile, d->cafile) || !same(def->ciphers, d->ciphers)
	    || (def->verifydepth && d->verifydepth && def->verifydepth != d->verifydepth)
	    || (def->port && d->port && def->port != d->port)) {
		return fail(err, file, d->line, "conflicts with an earlier default line");
	}
	def->mandatory |= d->mandatory;
	def->no_tlsa |= d->no_tlsa;
	def->allow_anon |= d->allow_anon;
	def->plain_retry |= d->plain_retry;
	def->explicit_star |= d->explicit_star;
	def->smtps |= d->smtps;
	def->qmtps |= d->qmtps;
	if (d->verify > def->verify)
		def->verify = d->verify;
	if (d->cafile)
		def->cafile = d->cafile;
	if (d->ciphers)
		def->ciphers = d->ciphers;
	if (d->verifydepth)
		def->verifydepth = d->verifydepth;
	if (d->port)
		def->port = d->port;
	if (!def->line)
		def->line = d->line;
	return 0;
}

/* ---- whole files ---- */

static const struct ctl_file {
	const char *name;
	enum ctl_kind kind;
} ctl_files[] = {
	{ "me", K_ME },
	{ "helohost", K_HELOHOST },
	{ "timeoutconnect", K_TIMEOUTCONNECT },
	{ "timeoutremote", K_TIMEOUTREMOTE },
	{ "timeoutdns", K_TIMEOUTDNS },
	{ "ipme", K_IPME },
	{ "smtproutes", K_SMTPROUTES },
	{ "qmtproutes", K_QMTPROUTES },
	{ "authsenders", K_AUTHSENDERS },
	{ "domainips", K_DOMAINIPS },
	{ "domaincerts", K_DOMAINCERTS },
	{ "tlsdestinations", K_TLSDESTINATIONS },
	{ "tlsclientciphers", K_TLSCLIENTCIPHERS },
	{ "trustanchors", K_TRUSTANCHORS },
	{ "clientcert", K_CLIENTCERT },
	{ "clientkey", K_CLIENTKEY },
	{ "tlsstrictness", K_TLSSTRICTNESS },
	{ "mtasts", K_MTASTS },
	{ "mtastsca", K_MTASTSCA },
	{ "tlsrpt", K_TLSRPT },
	{ "tlsrptsender", K_TLSRPTSENDER },
};

struct lines {
	char *p, *end;
	unsigned lineno;
};

/* The next line that is neither empty nor a comment, trailing white space cut off. */
static int
next_line(struct lines *it, char **s, size_t *len)
{
	while (it->p < it->end) {
		char *start = it->p, *nl = memchr(start, '\n', (size_t)(it->end - start));
		size_t n = (size_t)((nl ? nl : it->end) - start);

		it->p = nl ? nl + 1 : it->end;
		++it->lineno;
		while (n && (start[n - 1] == ' ' || start[n - 1] == '\t' || start[n - 1] == '\r'))
			--n;
		if (n == 0 || start[0] == '#')
			continue;
		*s = start;
		*len = n;
		return 1;
	}
	return 0;
}

/*
 * The one form (name_form()) of a key that holds UTF-8, which the line
 * grammar left as written, in cfg's memory: its A-labels can be longer
 * than its UTF-8 spelling, so they cannot be written in place. An ASCII
 * key is in its one form already, and libidn2 is never loaded for it.
 * prefix: bytes of *key kept as they are before the name ("u@" of an
 * authsenders address). -1 with why filled (libidn2's reason) when the
 * name has no A-label form, CTL_NOMEM when memory ran out.
 */
static int
alabel_key(struct config *cfg, const char **key, size_t prefix, char *why, size_t why_size)
{
	const char *reason = NULL;
	struct name n;
	size_t len;
	char *p;

	if (!*key || name_is_ascii(*key + prefix, strlen(*key + prefix)))
		return 0;
	if (name_form(*key + prefix, &n, &reason) != 0) {
		str_append(why, why_size, str_copy(why, why_size, "no A-label form: "),
		    reason ? reason : "invalid name");
		return -1;
	}
	len = strlen(n.text);
	if (!(p = ctl_alloc(cfg, prefix + len + 1, 1)))
		return CTL_NOMEM;
	memcpy(p, *key, prefix);
	memcpy(p + prefix, n.text, len + 1);
	*key = p;
	return 0;
}

/* Every key of one parsed line in its A-label form (see control.h). */
static int
alabel_keys(struct config *cfg, enum ctl_kind kind, void *el, char *why, size_t why_size)
{
	switch (kind) {
	case K_SMTPROUTES:
	case K_QMTPROUTES: {
		struct ctl_routeline *rl = el;
		return rl->domain_is_ip ? 0 : alabel_key(cfg, &rl->domain, 0, why, why_size);
	}
	case K_AUTHSENDERS: {
		struct ctl_authsender *as = el;
		const char *at = strrchr(as->sender, '@');
		return alabel_key(cfg, &as->sender, at ? (size_t)(at + 1 - as->sender) : 0, why, why_size);
	}
	case K_DOMAINIPS:
		return alabel_key(cfg, &((struct ctl_domainip *)el)->domain, 0, why, why_size);
	case K_DOMAINCERTS:
		return alabel_key(cfg, &((struct ctl_domaincert *)el)->domain, 0, why, why_size);
	case K_TLSDESTINATIONS: {
		struct ctl_tlsdest *d = el;
		int rc = d->dest_is_ip ? 0 : alabel_key(cfg, &d->dest, 0, why, why_size);

		return rc != 0 ? rc : alabel_key(cfg, &d->sender_domain, 0, why, why_size);
	}
	default:
		return 0;
	}
}

/*
 * tlsclientciphers: netqmail reads every line and joins them with ':'
 * (one cipher list written over several lines); text holds at least one.
 */
static int
join_ciphers(struct config *cfg, char *text, size_t len, struct ctl_error *err, const char *file)
{
	struct lines it = { text, text + len, 0 };
	size_t total = 0, n;
	char *s, *out;

	while (next_line(&it, &s, &n))
		total += n + 1;
	if (!(out = ctl_alloc(cfg, total, 1)))
		return fail_nomem(err, file, 0);
	cfg->tlsclientciphers = out;
	it.p = text;
	it.lineno = 0;
	while (next_line(&it, &s, &n)) {
		if (out != cfg->tlsclientciphers)
			*out++ = ':';
		memcpy(out, s, n);
		out += n;
	}
	*out = '\0';
	return 0;
}

/* Parses the file's text (len bytes, text[len] writable) in place into cfg. */
static int
parse_file(struct config *cfg, const struct ctl_file *cf, char *text, size_t len,
    struct ctl_error *err)
{
	struct lines it = { text, text + len, 0 };
	const char *why = "internal error";
	char whybuf[sizeof err->why];
	size_t count = 0, i = 0, size;
	void *array = NULL;
	char *s;
	size_t n;
	int is_default;

	text[len] = '\0';
	while (next_line(&it, &s, &n)) {
		if (memchr(s, '\0', n))
			return fail(err, cf->name, it.lineno, "NUL byte in line");
		++count;
	}
	if (cf->kind == K_TLSDESTINATIONS)
		cfg->has_tlsdestinations = 1;
	if (count == 0)
		return 0;
	if (cf->kind == K_TLSCLIENTCIPHERS)
		return join_ciphers(cfg, text, len, err, cf->name);

	switch (cf->kind) {
	case K_IPME: size = sizeof *cfg->ipme; break;
	case K_SMTPROUTES: case K_QMTPROUTES: size = sizeof *cfg->smtproutes; break;
	case K_AUTHSENDERS: size = sizeof *cfg->authsenders; break;
	case K_DOMAINIPS: size = sizeof *cfg->domainips; break;
	case K_DOMAINCERTS: size = sizeof *cfg->domaincerts; break;
	case K_TLSDESTINATIONS: size = sizeof *cfg->tlsdests; break;
	default: size = 0; break;
	}
	if (size && !(array = ctl_alloc(cfg, count, size)))
		return fail_nomem(err, cf->name, 0);
	switch (cf->kind) {
	case K_IPME: cfg->ipme = array; cfg->ipme_count = 0; break;
	case K_SMTPROUTES: cfg->smtproutes = array; cfg->smtproutes_count = 0; break;
	case K_QMTPROUTES: cfg->qmtproutes = array; cfg->qmtproutes_count = 0; break;
	case K_AUTHSENDERS: cfg->authsenders = array; cfg->authsenders_count = 0; break;
	case K_DOMAINIPS: cfg->domainips = array; cfg->domainips_count = 0; break;
	case K_DOMAINCERTS: cfg->domaincerts = array; cfg->domaincerts_count = 0; break;
	case K_TLSDESTINATIONS: cfg->tlsdests = array; cfg->tlsdests_count = 0; break;
	default: break;
	}

	it.p = text;
	it.lineno = 0;
	while (next_line(&it, &s, &n)) {
		int rc = 0;

		s[n] = '\0';
		switch (cf->kind) {
		case K_IPME:
			rc = ctl_parse_ipme(s, &cfg->ipme[i], &why);
			if (rc == 0)
				cfg->ipme_count = ++i;
			break;
		case K_SMTPROUTES:
		case K_QMTPROUTES: {
			struct ctl_routeline *rl = (struct ctl_routeline *)array + i;
			rc = ctl_parse_route(s, cf->kind == K_QMTPROUTES, rl, &why);
			rl->route.line = it.lineno;
			if (rc == 0 && (rc = alabel_keys(cfg, cf->kind, rl, whybuf, sizeof whybuf)) != 0)
				return fail_key(err, cf->name, it.lineno, whybuf, rc);
			if (rc == 0 && cf->kind == K_SMTPROUTES)
				cfg->smtproutes_count = ++i;
			else if (rc == 0)
				cfg->qmtproutes_count = ++i;
			break;
		}
		case K_AUTHSENDERS:
			rc = ctl_parse_authsender(s, &cfg->authsenders[i], &why);
			cfg->authsenders[i].route.line = it.lineno;
			if (rc == 0 && (rc = alabel_keys(cfg, cf->kind, &cfg->authsenders[i], whybuf, sizeof whybuf)) != 0)
				return fail_key(err, cf->name, it.lineno, whybuf, rc);
			if (rc == 0)
				cfg->authsenders_count = ++i;
			break;
		case K_DOMAINIPS:
			rc = ctl_parse_domainip(s, &cfg->domainips[i], &why);
			if (rc == 0 && (rc = alabel_keys(cfg, cf->kind, &cfg->domainips[i], whybuf, sizeof whybuf)) != 0)
				return fail_key(err, cf->name, it.lineno, whybuf, rc);
			if (rc == 0)
				cfg->domainips_count = ++i;
			break;
		case K_DOMAINCERTS:
			rc = ctl_parse_domaincert(s, &cfg->domaincerts[i], &why);
			if (rc == 0 && (rc = alabel_keys(cfg, cf->kind, &cfg->domaincerts[i], whybuf, sizeof whybuf)) != 0)
				return fail_key(err, cf->name, it.lineno, whybuf, rc);
			if (rc == 0)
				cfg->domaincerts_count = ++i;
			break;
		case K_TLSDESTINATIONS: {
			struct ctl_tlsdest *d = &cfg->tlsdests[i];
			rc = ctl_parse_tlsdest(s, d, &is_default, &why);
			d->line = it.lineno;
			if (rc == 0 && !is_default && (rc = alabel_keys(cfg, cf->kind, d, whybuf, sizeof whybuf)) != 0)
				return fail_key(err, cf->name, it.lineno, whybuf, rc);
			if (rc == 0 && is_default) {
				if (merge_default(&cfg->tls_default, d, err, cf->name) != 0)
					return -1;
				memset(d, 0, sizeof *d);
			} else if (rc == 0) {
				cfg->tlsdests_count = ++i;
			}
			break;
		}
		default:
			if (ctl_parse_single(cfg, cf->kind, s, &why) != 0)
				return fail(err, cf->name, it.lineno, why);
			return 0;	/* qmail reads the first line only */
		}
		if (rc != 0)
			return fail(err, cf->name, it.lineno, why);
	}
	return 0;
}

static const struct ctl_file *
find_file(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof ctl_files / sizeof ctl_files[0]; ++i)
		if (strcmp(ctl_files[i].name, name) == 0)
			return &ctl_files[i];
	return NULL;
}

int
ctl_parse_text(struct config *cfg, const char *name, const char *text, size_t len,
    struct ctl_error *err)
{
	const struct ctl_file *cf = find_file(name);
	char *copy;

	memset(err, 0, sizeof *err);
	if (!cf)
		return fail(err, name, 0, "unknown control file");
	if (len > CTL_FILE_MAX)
		return fail(err, name, 0, "too large");
	copy = ctl_alloc(cfg, len + 1, 1);
	if (!copy)
		return fail_nomem(err, name, 0);
	memcpy(copy, text, len);
	return parse_file(cfg, cf, copy, len, err);
}

/* a b c d into buf, or -1 when it does not fit */
static int
join3(char *buf, size_t size, const char *a, const char *b, const char *c, const char *d)
{
	size_t n = str_append(buf, size, str_append(buf, size, str_append(buf, size,
	    str_copy(buf, size, a), b), c), d);

	return n + 1 >= size ? -1 : 0;
}

static int
make_path(char *buf, size_t size, const char *dir, const char *name)
{
	return join3(buf, size, dir, "/", name, "");
}

/*
 * 1 with the file's bytes (text[*len] is room for a NUL) when it exists,
 * 0 when it does not, -1 with *err. One open and one read loop; the
 * buffer grows only if the file grows while we read it.
 */
static int
read_file(struct config *cfg, const char *name, char **text, size_t *len, struct ctl_error *err)
{
	char path[CTL_PATH_MAX];
	struct ctl_buf *b = NULL, *nb;
	struct stat st;
	size_t cap, n = 0;
	ssize_t r;
	int fd, e;

	if (make_path(path, sizeof path, cfg->controldir, name) != 0)
		return fail(err, name, 0, "path too long");
	/* O_NONBLOCK: a FIFO put there by mistake must not hang the delivery */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : fail_errno(err, name, errno);
	if (fstat(fd, &st) != 0) {
		e = errno;
		goto bad;
	}
	if (S_ISDIR(st.st_mode)) {
		e = EISDIR;
		goto bad;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return fail(err, name, 0, "not a regular file");
	}
	if ((unsigned long long)st.st_size > CTL_FILE_MAX) {
		close(fd);
		return fail(err, name, 0, "too large");
	}
	/* one byte more than fstat says, so that EOF is seen without growing */
	cap = st.st_size > 0 ? (size_t)st.st_size + 1 : CTL_READ_MIN;
	if (!(b = malloc(sizeof *b + cap + 1))) {
		e = ENOMEM;
		goto bad;
	}
	for (;;) {
		if (n == cap) {
			if (cap > CTL_FILE_MAX) {
				free(b);
				close(fd);
				return fail(err, name, 0, "too large");
			}
			cap = cap * 2 > CTL_FILE_MAX + 1 ? CTL_FILE_MAX + 1 : cap * 2;
			if (!(nb = realloc(b, sizeof *b + cap + 1))) {
				e = ENOMEM;
				goto bad;
			}
			b = nb;
		}
		r = read(fd, (char *)b->data + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			goto bad;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	b->next = cfg->ctl_bufs;
	cfg->ctl_bufs = b;
	*text = (char *)b->data;
	*len = n;
	return 1;
bad:
	free(b);
	close(fd);
	return fail_errno(err, name, e);
}

/* stat(): 1 exists, 0 absent (ENOENT, or a path component is not a directory), -1 errno. */
static int
exists(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0)
		return 1;
	return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
}

int
ctl_load(struct config *cfg, const char *dir, struct ctl_error *err)
{
	char path[CTL_PATH_MAX];
	const char *name;
	char *text = NULL;
	size_t i, len = 0;
	int r;

	ctl_init(cfg);
	memset(err, 0, sizeof *err);
	if (!(cfg->controldir = ctl_strdup(cfg, dir))) {
		fail_nomem(err, "", 0);
		goto bad;
	}
	for (i = 0; i < sizeof ctl_files / sizeof ctl_files[0]; ++i) {
		r = read_file(cfg, ctl_files[i].name, &text, &len, err);
		if (r < 0 || (r > 0 && parse_file(cfg, &ctl_files[i], text, len, err) != 0))
			goto bad;
	}

	name = "clientcert.pem";
	if (make_path(path, sizeof path, dir, name) != 0) {
		fail(err, name, 0, "path too long");
		goto bad;
	}
	r = exists(path);
	if (r < 0) {
		fail_errno(err, name, errno);
		goto bad;
	}
	if (r && !(cfg->clientcert_pem = ctl_strdup(cfg, path))) {
		fail_nomem(err, name, 0);
		goto bad;
	}
	name = "tlshosts/exhaustivelist";
	if (make_path(path, sizeof path, dir, name) != 0) {
		fail(err, name, 0, "path too long");
		goto bad;
	}
	r = exists(path);
	if (r < 0) {
		fail_errno(err, name, errno);
		goto bad;
	}
	cfg->tlshosts_exhaustive = r;

	if (!cfg->helohost)
		cfg->helohost = cfg->me;
	if (!cfg->helohost) {
		fail(err, "helohost", 0, "neither helohost nor me is set");
		goto bad;
	}
	return 0;
bad:
	ctl_free(cfg);
	return -1;
}

/* ---- tlshosts/, notlshosts/ ---- */

/*
 * The file name for fqdn, normalised as a key: a name of [a-z0-9.-], not
 * starting with '.', 1..253 bytes, or an address in its plain text form
 * (only [0-9a-f.:]): either way it cannot leave the directory.
 */
static int
fqdn_ok(const char *fqdn, char *out, size_t size)
{
	struct name q;
	size_t i, len;

	(void)name_form(fqdn, &q, NULL);
	if (q.kind == NAME_NONE)
		return 0;
	if (q.kind == NAME_ADDRESS) {
		if (size < IP_FMT_MAX)
			return 0;
		return str_copy(out, size, q.text) > 0;
	}
	len = strlen(q.text);
	if (len == 0 || len > DNS_NAME_MAX || len >= size || q.text[0] == '.')
		return 0;
	for (i = 0; i <= len; ++i) {
		char c = q.text[i];
		if (c && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
			return 0;
		out[i] = c;
	}
	return 1;
}

int
ctl_tlshost(const struct config *cfg, const char *fqdn, char **pem_path, int *no_tls)
{
	char name[DNS_NAME_MAX + 1], path[CTL_PATH_MAX];
	int r;

	*pem_path = NULL;
	*no_tls = 0;
	if (!cfg->controldir || !fqdn_ok(fqdn, name, sizeof name)) {
		*no_tls = cfg->tlshosts_exhaustive;
		return 0;
	}
	if (join3(path, sizeof path, cfg->controldir, "/tlshosts/", name, ".pem") != 0)
		return (errno = ENAMETOOLONG, -1);
	r = exists(path);
	if (r < 0)
		return -1;
	if (r) {
		if (!(*pem_path = strdup(path)))
			return (errno = ENOMEM, -1);
		return 1;
	}
	if (cfg->tlshosts_exhaustive) {
		*no_tls = 1;
		return 0;
	}
	if (join3(path, sizeof path, cfg->controldir, "/notlshosts/", name, "") != 0)
		return (errno = ENAMETOOLONG, -1);
	r = exists(path);
	if (r < 0)
		return -1;
	*no_tls = r;
	return 0;
}
