/*
 * control.c -- reads every control file in CONTROLDIR once, validates it
 * and fills struct config; answers the look-ups (routes, authsenders,
 * domainips, domaincerts, tlsdestinations, netqmail tlshosts) from it.
 * Not here: acting on the settings (qmail-remote.c, smtp.c, tls.c), the
 * interfaces' own addresses (ipme.c).
 *
 * Reading follows qmail's control_readfile: trailing spaces, tabs and CRs
 * are removed, empty lines and lines starting with '#' are skipped. Unlike
 * qmail, a malformed line (a bad number included) is an error naming the
 * file and the line: the caller reports Z rather than guess.
 *
 * Matching: a key is put in its one form once, when its file is read, by
 * name_form() (name.h: lower case, one trailing dot off, UTF-8 names in
 * A-labels, addresses as addresses), and every host or domain asked about
 * is put in the same form, so one
 * destination matches however it is written and each look-up is a single
 * pass that keeps the most specific line -- the later one at equal keys,
 * as qmail's constmap does. Route precedence across authsenders,
 * qmtproutes and smtproutes lives in ctl_route() alone.
 *
 * Memory: each file is read into one buffer; lines are split in place and
 * every string in struct config points into those buffers (an A-label key,
 * longer than its UTF-8 spelling, gets a small allocation of its own).
 * Arrays are sized by a first counting pass and allocated once. Everything
 * sits on one list that ctl_free() releases.
 *
 * Limits: a file over CTL_FILE_MAX bytes is an error. Lines have no limit of
 * their own: they never leave the file's buffer. libidn2 is called only
 * for keys (and queries) that hold UTF-8.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "control.h"
#include "idn.h"
#include "name.h"
#include "str.h"

#define CTL_FILE_MAX	(16UL * 1024 * 1024)	/* a 100k-domain smtproutes is ~5 MB */
#define CTL_READ_MIN	4096		/* first buffer when fstat says 0 (procfs-like files) */
#define CTL_PORT_MAX	65535
#define CTL_TIMEOUT_MAX	604800UL	/* a week: also keeps milliseconds within an int */
#define CTL_VERIFYDEPTH_MAX	100	/* OpenSSL's default is 100 */

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

/* ---- small helpers ---- */

static int
fail(struct ctl_error *err, const char *file, unsigned line, const char *why)
{
	str_copy(err->file, sizeof err->file, file);
	err->line = line;
	str_copy(err->why, sizeof err->why, why);
	return -1;
}

static int
fail_errno(struct ctl_error *err, const char *file, int e)
{
	str_copy(err->file, sizeof err->file, file);
	err->line = 0;
	if (e == ENOMEM)
		str_copy(err->why, sizeof err->why, "out of memory");
	else
		str_append(err->why, sizeof err->why, str_copy(err->why, sizeof err->why,
		    "unreadable: "), strerror(e));
	return -1;
}

static int
is_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; ++s)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* Decimal, digits only, at most max: no sign, no space, no overflow. */
static int
scan_ulong(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!is_digits(s))
		return -1;
	for (; *s; ++s) {
		unsigned long d = (unsigned long)(*s - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int
has_8bit(const char *s)
{
	for (; *s; ++s)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

/* A byte that never belongs in a name, address or path written in a line. */
static int
is_space_or_ctl(char c)
{
	unsigned char u = (unsigned char)c;

	return u <= 0x20 || u == 0x7f;
}

static int
has_space_or_ctl(const char *s)
{
	for (; *s; ++s)
		if (is_space_or_ctl(*s))
			return 1;
	return 0;
}

/*
 * Splits s at each sep into f[0..max-1]; returns the field count, or
 * max + 1 when there are more (the last field then holds the rest).
 */
static size_t
split(char *s, char sep, char **f, size_t max)
{
	size_t n = 0;
	char *p;

	f[n++] = s;
	while ((p = strchr(s, sep))) {
		if (n == max)
			return max + 1;
		*p = '\0';
		s = p + 1;
		f[n++] = s;
	}
	return n;
}

/*
 * A host name: letters, digits, '-', '_', '.', or UTF-8 bytes (SPEC 10
 * turns those into A-labels later); no empty label except a trailing dot.
 * Lower-cases ASCII in place. leading_dot: ".suffix" allowed.
 */
static int
check_name(char *s, int leading_dot)
{
	size_t len = strlen(s), i;
	const char *label;

	if (leading_dot && s[0] == '.')
		++s, --len;
	if (len == 0 || len > DNS_NAME_MAX + 1 || s[0] == '.' || strstr(s, ".."))
		return -1;
	for (i = 0; i < len; ++i) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		    || c == '-' || c == '_' || c == '.' || c >= 0x80))
			return -1;
	}
	name_lower(s);
	/* "1.2.3.999" is a mistyped address, not a name: no TLD is all digits */
	if (s[len - 1] == '.')
		--len;
	label = s + len;
	while (label > s && label[-1] != '.')
		--label;
	for (i = (size_t)(label - s); i < len; ++i)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return -1;
}

/*
 * A key (or the domain of one) in its one form, in place: name_form()
 * once (name.h). 1: an address (*ip, when address_ok; s stays as written,
 * lower-cased); 0: a name that check_name() takes as written (before its
 * trailing dot goes: "x.example.." stays refused), now in lower case
 * without a trailing dot; -1: neither. A key holding UTF-8 is judged but
 * left as written: its A-label form would not fit in the line, and the
 * reader makes it (alabel_key), calling name_form() then.
 */
static int
key_form(char *s, int leading_dot, int address_ok, struct ip_address *ip)
{
	struct name n;

	n.kind = NAME_NONE;
	if (!has_8bit(s))
		(void)name_form(s, &n, NULL);
	if (address_ok && n.kind == NAME_ADDRESS) {
		*ip = n.ip;
		name_lower(s);
		return 1;
	}
	if (check_name(s, leading_dot) != 0)
		return -1;
	if (n.kind == NAME_HOST)
		memcpy(s, n.text, strlen(n.text) + 1);	/* never longer */
	else if (!has_8bit(s))
		return -1;	/* cannot be: check_name() takes no address */
	return 0;
}

/* "1.2.3.4", "::1" or the bracketed forms of ip_scan_literal. */
static int
scan_ip(const char *s, struct ip_address *ip)
{
	if (s[0] == '[')
		return ip_scan_literal(s, ip);
	return ip_scan(s, ip);
}

/* ---- routes: smtproutes, qmtproutes, authsenders ---- */

/* [s]port; empty stays 0 (protocol default). */
static int
parse_port(const char *s, int qmtp, unsigned *port, int *tls, const char **why)
{
	unsigned long v;

	*port = 0;
	if (*s == '\0')
		return 0;
	if (*s == 's') {
		*tls = 1;
		++s;
	}
	if (scan_ulong(s, CTL_PORT_MAX, &v) != 0 || v == 0)
		return (*why = "invalid port", -1);
	*port = (unsigned)v;
	if ((!qmtp && v == 465) || (qmtp && v == 6209))
		*tls = 1;
	return 0;
}

/* bare_v6: the ';' form, where a relay may be an unbracketed IPv6 address. */
static int
parse_relay(char *s, int bare_v6, struct route *r, const char **why)
{
	r->relay = s;
	if (*s == '\0')
		return (*why = "missing relay", -1);
	if (*s == '[') {
		if (ip_scan_literal(s, &r->relay_ip) != 0)
			return (*why = "bad IP address", -1);
		r->relay_is_ip = 1;
		return 0;
	}
	if (strchr(s, ':')) {
		if (!bare_v6)
			return (*why = "IPv6 relay needs [brackets] or the ';port' form", -1);
		if (ip_scan(s, &r->relay_ip) != 0 || r->relay_ip.af != AF_INET6)
			return (*why = "bad IP address", -1);
		r->relay_is_ip = 1;
		return 0;
	}
	if (ip_scan(s, &r->relay_ip) == 0) {
		r->relay_is_ip = 1;
		return 0;
	}
	memset(&r->relay_ip, 0, sizeof r->relay_ip);
	if (check_name(s, 0) != 0)
		return (*why = "bad relay", -1);
	return 0;
}

/*
 * "relay" or "relay:port" (classic; also the relay part of seed 003's
 * "relay:port|user|password"). Only a bracketed literal may contain ':'
 * before the port: "2001:db8::1:25" cannot be split safely.
 */
static int
parse_relay_colon_port(char *s, int qmtp, struct route *r, const char **why)
{
	char *colon;

	if (*s == '[') {
		char *close = strchr(s, ']');
		if (!close)
			return (*why = "bad IP address", -1);
		colon = close[1] == ':' ? close + 1 : NULL;
		if (!colon && close[1])
			return (*why = "bad IP address", -1);
	} else {
		struct ip_address ip;
		char *last = strrchr(s, ':');

		colon = strchr(s, ':');
		if (colon != last) {
			int v6;
			*last = '\0';
			v6 = ip_scan(s, &ip) == 0;
			*last = ':';
			if (v6 || ip_scan(s, &ip) == 0)
				return (*why = "IPv6 relay needs [brackets] or the ';port' form", -1);
		}
	}
	if (colon) {
		*colon = '\0';
		if (colon[1] == '\0')
			return (*why = "invalid port", -1);
		if (parse_port(colon + 1, qmtp, &r->port, &r->smtps, why) != 0)
			return -1;
	}
	return parse_relay(s, 0, r, why);
}

/*
 * user, password, localip as cut from the line (NULL = field absent).
 * semicolon_form: s/qmail's "port||localip" (no credentials, a local
 * address) is accepted; in seed 003's form the third field is a password.
 */
static int
parse_credentials(char *user, char *pass, char *localip, int semicolon_form, int qmtp,
    struct route *r, const char **why)
{
	struct ip_address ip;

	if (user && *user == '\0' && pass && *pass && !localip && semicolon_form) {
		/* ";42||2001::fefe" (seed 000): no credentials, a local address */
		if (scan_ip(pass, &ip) != 0)
			return (*why = "password without user", -1);
		localip = pass;
		pass = NULL;
	}
	if (user && *user) {
		if (!pass)
			return (*why = "missing password", -1);
		if (qmtp)
			return (*why = "QMTP has no authentication: remove user|password", -1);
		r->user = user;
		r->password = pass;
	} else if (pass && *pass) {
		return (*why = "password without user", -1);
	}
	if (localip && *localip) {
		if (scan_ip(localip, &r->localip) != 0)
			return (*why = "bad local IP address", -1);
		r->has_localip = 1;
	}
	return 0;
}

/*
 * The part after "domain:". need_relay: authsenders, where an empty relay
 * makes no sense.
 */
static int
parse_route_rest(char *rest, int qmtp, int need_relay, struct route *r, const char **why)
{
	char *semi = strchr(rest, ';'), *bar = strchr(rest, '|');
	char *f[4];
	size_t n;

	memset(r, 0, sizeof *r);
	r->relay = "";
	if (*rest == '\0') {
		if (need_relay)
			return (*why = "missing relay", -1);
		return 0;
	}
	if (semi && (!bar || semi < bar)) {
		/* s/qmail: relay;[s]port|user|password|localip */
		*semi = '\0';
		if (parse_relay(rest, 1, r, why) != 0)
			return -1;
		n = split(semi + 1, '|', f, 4);
		if (n > 4)
			return (*why = "too many '|' fields", -1);
		if (parse_port(f[0], qmtp, &r->port, &r->smtps, why) != 0)
			return -1;
		return parse_credentials(n > 1 ? f[1] : NULL, n > 2 ? f[2] : NULL,
		    n > 3 ? f[3] : NULL, 1, qmtp, r, why);
	}
	if (bar) {
		/* seed 003: relay[:port]|user|password */
		*bar = '\0';
		if (parse_relay_colon_port(rest, qmtp, r, why) != 0)
			return -1;
		n = split(bar + 1, '|', f, 2);
		if (n > 2)
			return (*why = "too many '|' fields", -1);
		return parse_credentials(f[0], n > 1 ? f[1] : NULL, NULL, 0, qmtp, r, why);
	}
	return parse_relay_colon_port(rest, qmtp, r, why);
}

/*
 * The domain of a route line: "", "!@", a name, ".suffix" or an address
 * literal as qmail-remote's host argument writes it. Returns the rest, or
 * NULL when there is no ':'.
 */
static char *
split_key(char *line, int prefixed)
{
	char *c = NULL;

	if (line[0] == '[' || (prefixed && line[0] && line[1] == '['))
		c = strstr(line, "]:");
	c = c ? c + 1 : strchr(line, ':');
	if (!c)
		return NULL;
	*c = '\0';
	return c + 1;
}

/* The key of a route line: "", "!@", an address in any form, a name or a ".suffix". */
static int
route_key(struct ctl_routeline *out, char *d, const char **why)
{
	int r;

	if (*d == '\0' || strcmp(d, "!@") == 0)
		return 0;
	if ((r = key_form(d, 1, 1, &out->domain_ip)) >= 0) {
		out->domain_is_ip = r;
		return 0;
	}
	if (d[0] == '[')
		return (*why = "bad IP address", -1);
	if (strchr(d, '*'))
		return (*why = "no '*' wildcards: write .example.com", -1);
	return (*why = "bad domain", -1);
}

int
ctl_parse_route(char *line, int qmtp, struct ctl_routeline *out, const char **why)
{
	char *rest = split_key(line, 0);

	memset(out, 0, sizeof *out);
	out->route.relay = "";
	if (!rest)
		return (*why = "missing ':'", -1);
	out->domain = line;
	if (route_key(out, line, why) != 0)
		return -1;
	return parse_route_rest(rest, qmtp, 0, &out->route, why);
}

/* sender is "u@d", "@d", "d", ".suffix" (s/qmail) or "" (every sender);
 * it has no ':'. */
int
ctl_parse_authsender(char *line, struct ctl_authsender *out, const char **why)
{
	char *rest = strchr(line, ':'), *at;

	memset(out, 0, sizeof *out);
	out->route.relay = "";
	if (!rest)
		return (*why = "missing ':'", -1);
	*rest++ = '\0';
	out->sender = line;
	if (has_space_or_ctl(line))
		return (*why = "bad sender", -1);
	at = strrchr(line, '@');
	if (at) {
		if (at[1] == '\0' || key_form(at + 1, 0, 0, NULL) != 0)
			return (*why = "bad sender", -1);
	} else if (*line && key_form(line, 1, 0, NULL) != 0) {
		return (*why = "bad sender", -1);
	}
	return parse_route_rest(rest, 0, 1, &out->route, why);
}

/* ---- domainips, domaincerts ---- */

/* "*", a name, or (s/qmail) a ".suffix" of the sender's domain */
static int
check_sender_domain(char *d)
{
	if (strcmp(d, "*") == 0)
		return 0;
	return key_form(d, 1, 0, NULL);
}

/* "domain:rest" of domainips and domaincerts: the rest, or NULL with *why. */
static char *
sender_domain_key(char *line, const char **domain, const char **why)
{
	char *rest = strchr(line, ':');

	if (!rest)
		return (*why = "missing ':'", NULL);
	*rest++ = '\0';
	*domain = line;
	if (check_sender_domain(line) != 0)
		return (*why = "bad domain", NULL);
	return rest;
}

int
ctl_parse_domainip(char *line, struct ctl_domainip *out, const char **why)
{
	char *rest, *f[2] = { NULL, NULL }, *pct;
	unsigned idx;
	size_t n;

	memset(out, 0, sizeof *out);
	if (!(rest = sender_domain_key(line, &out->domain, why)))
		return -1;
	n = split(rest, '|', f, 2);
	if (n > 2)
		return (*why = "too many '|' fields", -1);
	pct = strchr(f[0], '%');
	if (pct)
		*pct++ = '\0';
	if (*f[0] == '\0')
		return (*why = "missing local IP address", -1);
	if (scan_ip(f[0], &out->localip) != 0)
		return (*why = "bad IP address", -1);
	if (pct) {
		if (*pct == '\0' || strlen(pct) >= IF_NAMESIZE || strchr(pct, '/') || has_space_or_ctl(pct))
			return (*why = "bad interface name", -1);
		idx = if_nametoindex(pct);
		if (idx == 0)
			return (*why = "no such interface", -1);
		out->ifname = pct;
		if (out->localip.af == AF_INET6)
			out->localip.scope_id = idx;
	}
	if (n > 1 && *f[1]) {
		if (has_space_or_ctl(f[1]))
			return (*why = "bad helohost", -1);
		out->helohost = f[1];
	}
	return 0;
}

int
ctl_parse_domaincert(char *line, struct ctl_domaincert *out, const char **why)
{
	char *rest, *f[3];
	size_t n;

	memset(out, 0, sizeof *out);
	if (!(rest = sender_domain_key(line, &out->domain, why)))
		return -1;
	n = split(rest, '|', f, 3);
	if (n > 3)
		return (*why = "too many '|' fields", -1);
	if (*f[0] == '\0')
		return (*why = "missing certificate", -1);
	out->certfile = f[0];
	if (n > 1 && *f[1])
		out->keyfile = f[1];
	if (n > 2 && *f[2])
		out->password = f[2];
	return 0;
}

/* ---- tlsdestinations ---- */

/* The fields of a line in either order, as cut out of it. */
struct tlsfields {
	char *ca;		/* cafile or "=fingerprint" */
	char *ciphers;
	char *depth;
	char *port;
	char *domain;
};

static int
all_of(const char *s, size_t n, const char *set)
{
	size_t i;

	for (i = 0; i < n; ++i)
		if (!s[i] || !strchr(set, s[i]))
			return 0;
	return 1;
}

/*
 * Seed 003 wrote destination:cafile|verifydepth:port|ciphers|domain (and
 * "dest::port"). Seed 000, our primary form, has ';' before the port, so
 * a line with ';' is seed 000. Without ';', the line is seed 003 only when
 * the seed 000 reading could not be meant: four fields (000 has three
 * before ';'), a second field of digits and ':' (a depth[:port], never an
 * OpenSSL cipher list), a cafile ending in ":digits" (the port), or a third
 * field that is not a number (000's verifydepth).
 */
static int
is_seed003(const char *rest)
{
	const char *f[4], *e[4], *p, *colon;
	size_t n = 0;

	if (strchr(rest, ';'))
		return 0;
	for (p = rest;;) {
		const char *bar = strchr(p, '|');
		if (n == 4)
			return 1;	/* four fields or more */
		f[n] = p;
		e[n] = bar ? bar : p + strlen(p);
		++n;
		if (!bar)
			break;
		p = bar + 1;
	}
	if (n >= 2 && e[1] > f[1] && all_of(f[1], (size_t)(e[1] - f[1]), "0123456789:"))
		return 1;
	if (f[0][0] != '=') {
		for (colon = e[0]; colon > f[0] && colon[-1] != ':'; --colon)
			;
		if (colon > f[0] && all_of(colon, (size_t)(e[0] - colon), "0123456789"))
			return 1;	/* "dest::port", "dest:cafile:port" */
	}
	if (n == 3 && e[2] > f[2] && !all_of(f[2], (size_t)(e[2] - f[2]), "0123456789"))
		return 1;
	return 0;
}

static int
cut_seed000(char *rest, struct tlsfields *tf, const char **why)
{
	char *semi = strchr(rest, ';'), *f[3];
	size_t n;

	if (semi) {
		*semi = '\0';
		n = split(semi + 1, '|', f, 2);
		if (n > 2)
			return (*why = "too many '|' fields after ';'", -1);
		tf->port = f[0];
		tf->domain = n > 1 ? f[1] : NULL;
	}
	n = split(rest, '|', f, 3);
	if (n > 3)
		return (*why = "too many '|' fields", -1);
	tf->ca = f[0];
	tf->ciphers = n > 1 ? f[1] : NULL;
	tf->depth = n > 2 ? f[2] : NULL;
	return 0;
}

static int
cut_seed003(char *rest, struct tlsfields *tf, const char **why)
{
	char *f[4], *colon;
	size_t n = split(rest, '|', f, 4);

	if (n > 4)
		return (*why = "too many '|' fields", -1);
	tf->ca = f[0];
	if (n > 1) {
		tf->depth = f[1];
		colon = strchr(f[1], ':');
	} else {
		colon = f[0][0] == '=' ? NULL : strrchr(f[0], ':');
	}
	if (colon) {
		*colon = '\0';
		tf->port = colon + 1;
	}
	tf->ciphers = n > 2 ? f[2] : NULL;
	tf->domain = n > 3 ? f[3] : NULL;
	return 0;
}

/* "=AB:CD:..." -> lower-case hex without colons, in place. */
static int
parse_fingerprint(char *s, const char **out)
{
	char *w = s;
	const char *r;
	size_t len;

	name_lower(s);
	for (r = s; *r; ++r) {
		char c = *r;
		if (c == ':')
			continue;
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -1;
		*w++ = c;
	}
	*w = '\0';
	len = (size_t)(w - s);
	/* SHA-1, SHA-224, SHA-256, SHA-512 (seed 000) */
	if (len != 40 && len != 56 && len != 64 && len != 128)
		return -1;
	*out = s;
	return 0;
}

static int
apply_fields(struct tlsfields *tf, struct ctl_tlsdest *d, const char **why)
{
	unsigned long v;

	if (tf->ca && tf->ca[0] == '=') {
		if (parse_fingerprint(tf->ca + 1, &d->fingerprint) != 0)
			return (*why = "bad fingerprint", -1);
	} else if (tf->ca && *tf->ca) {
		d->cafile = tf->ca;
	}
	if (tf->ciphers && *tf->ciphers)
		d->ciphers = tf->ciphers;
	if (tf->depth && *tf->depth) {
		if (scan_ulong(tf->depth, CTL_VERIFYDEPTH_MAX, &v) != 0)
			return (*why = "invalid verifydepth", -1);
		d->verifydepth = (unsigned)v;
	}
	if (tf->port && *tf->port) {
		if (parse_port(tf->port, 0, &d->port, &d->smtps, why) != 0)
			return -1;
		if (d->port == 6209) {
			d->qmtps = 1;
			d->smtps = 0;
		}
	}
	if (tf->domain && *tf->domain) {
		if (key_form(tf->domain, 0, 0, NULL) != 0)
			return (*why = "bad sender domain", -1);
		d->sender_domain = tf->domain;
	}
	return 0;
}

int
ctl_parse_tlsdest(char *line, struct ctl_tlsdest *out, int *is_default, const char **why)
{
	struct tlsfields tf = { 0 };
	char *rest = split_key(line, 1), *dest = line;
	int rc;

	memset(out, 0, sizeof *out);
	out->dest = "";
	*is_default = 0;
	if (!rest)
		return (*why = "missing ':'", -1);
	rc = is_seed003(rest) ? cut_seed003(rest, &tf, why) : cut_seed000(rest, &tf, why);
	if (rc != 0 || apply_fields(&tf, out, why) != 0)
		return -1;
	out->dest = dest;

	if (dest[0] && !dest[1] && strchr("*?-/", dest[0])) {
		*is_default = 1;
		out->explicit_star = dest[0] == '*';
		out->plain_retry = dest[0] == '?';
		out->allow_anon = dest[0] == '-';
		out->no_tlsa = dest[0] == '/';
	} else if (dest[0] && dest[1] == '*' && !dest[2] && strchr("-+~=/", dest[0])) {
		*is_default = 1;
		out->mandatory = 1;
		switch (dest[0]) {
		case '-': out->allow_anon = 1; break;
		case '+': out->verify = TLSV_CHAIN; break;
		case '~': out->verify = TLSV_NAME_WILD; break;
		case '=': out->verify = TLSV_NAME_EXACT; break;
		case '/': out->no_tlsa = 1; break;
		}
	}
	if (*is_default) {
		if (out->fingerprint)
			return (*why = "a fingerprint needs the '%' prefix and a destination", -1);
		if (out->sender_domain)
			return (*why = "a default cannot be bound to a sender domain", -1);
		return 0;
	}

	if (dest[0] && strchr("=~-%/!", dest[0]))
		out->prefix = *dest++;
	out->dest = dest;
	if ((rc = key_form(dest, 1, 1, &out->dest_ip)) < 0)
		return (*why = "bad destination", -1);
	out->dest_is_ip = rc;
	if (out->fingerprint && out->prefix != '%')
		return (*why = "a fingerprint needs the '%' prefix", -1);
	out->mandatory = 1;
	if (out->cafile)
		out->verify = TLSV_CHAIN;
	switch (out->prefix) {
	case '=':
		out->verify = TLSV_NAME_EXACT;
		break;
	case '~':
		out->verify = TLSV_NAME_WILD;
		break;
	case '-':
		out->allow_anon = 1;
		break;
	case '%':
		if (!out->fingerprint)	/* also when a cafile was given instead */
			return (*why = "'%' needs =fingerprint", -1);
		out->verify = TLSV_PIN;
		out->no_tlsa = 1;
		break;
	case '/':
		/* only TLSA is off; TLS is mandatory only when a cafile asks to verify */
		out->no_tlsa = 1;
		out->mandatory = out->cafile != NULL;
		break;
	case '!':
		if (out->cafile || out->ciphers || out->verifydepth)
			return (*why = "'!' (no STARTTLS) takes no TLS settings", -1);
		if (out->smtps || out->qmtps)
			return (*why = "'!' (no STARTTLS) conflicts with implicit TLS", -1);
		out->no_starttls = 1;
		out->mandatory = 0;
		break;
	}
	return 0;
}

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

enum ctl_kind {
	K_ME, K_HELOHOST, K_TIMEOUTCONNECT, K_TIMEOUTREMOTE, K_TIMEOUTDNS, K_IPME,
	K_SMTPROUTES, K_QMTPROUTES, K_AUTHSENDERS, K_DOMAINIPS, K_DOMAINCERTS,
	K_TLSDESTINATIONS, K_TLSCLIENTCIPHERS, K_TRUSTANCHORS, K_CLIENTCERT,
	K_CLIENTKEY, K_TLSSTRICTNESS, K_MTASTS, K_MTASTSCA
};

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

static int
parse_timeout(const char *s, unsigned min, unsigned *out, const char **why)
{
	unsigned long v;

	if (scan_ulong(s, CTL_TIMEOUT_MAX, &v) != 0)
		return (*why = "invalid number of seconds", -1);
	if (v < min)
		return (*why = "must be at least 1 second", -1);
	*out = (unsigned)v;
	return 0;
}

/* A first-line-only file: me, helohost, a timeout, a path... */
static int
parse_single(struct config *cfg, enum ctl_kind kind, char *s, const char **why)
{
	switch (kind) {
	case K_ME:
	case K_HELOHOST:
		if (has_space_or_ctl(s))
			return (*why = "bad host name", -1);
		if (kind == K_ME)
			cfg->me = s;
		else
			cfg->helohost = s;
		return 0;
	case K_TIMEOUTCONNECT:
		return parse_timeout(s, 1, &cfg->timeoutconnect, why);
	case K_TIMEOUTREMOTE:
		return parse_timeout(s, 1, &cfg->timeoutremote, why);
	case K_TIMEOUTDNS:
		return parse_timeout(s, 0, &cfg->timeoutdns, why);
	case K_TRUSTANCHORS:
		cfg->trustanchors = s;
		return 0;
	case K_CLIENTCERT:
		cfg->clientcert = s;
		return 0;
	case K_CLIENTKEY:
		cfg->clientkey = s;
		return 0;
	case K_TLSSTRICTNESS:
		if (strcmp(s, "0") != 0 && strcmp(s, "1") != 0 && strcmp(s, "2") != 0)
			return (*why = "must be 0, 1 or 2", -1);
		cfg->tlsstrictness = s[0] - '0';
		return 0;
	case K_MTASTS:
		if (strcmp(s, "0") != 0 && strcmp(s, "1") != 0)
			return (*why = "must be 0 or 1", -1);
		cfg->mtasts = s[0] - '0';
		return 0;
	case K_MTASTSCA:
		if (s[0] != '/')
			return (*why = "must be an absolute path", -1);
		cfg->mtastsca = s;
		return 0;
	default:
		return (*why = "internal error", -1);
	}
}

/*
 * The one form (name_form()) of a key that holds UTF-8, which the line
 * grammar left as written, in cfg's memory: its A-labels can be longer
 * than its UTF-8 spelling, so they cannot be written in place. An ASCII
 * key is in its one form already, and libidn2 is never loaded for it.
 * prefix: bytes of *key kept as they are before the name ("u@" of an
 * authsenders address). -1 with why filled (libidn2's reason) when the
 * name has no A-label form, or "out of memory".
 */
static int
alabel_key(struct config *cfg, const char **key, size_t prefix, char *why, size_t why_size)
{
	const char *reason = NULL;
	struct name n;
	size_t len;
	char *p;

	if (!*key || !has_8bit(*key + prefix))
		return 0;
	if (name_form(*key + prefix, &n, &reason) != 0) {
		str_append(why, why_size, str_copy(why, why_size, "no A-label form: "),
		    reason ? reason : "invalid name");
		return -1;
	}
	len = strlen(n.text);
	if (!(p = ctl_alloc(cfg, prefix + len + 1, 1))) {
		str_copy(why, why_size, "out of memory");
		return -1;
	}
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
		if (!d->dest_is_ip && alabel_key(cfg, &d->dest, 0, why, why_size) != 0)
			return -1;
		return alabel_key(cfg, &d->sender_domain, 0, why, why_size);
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
		return fail(err, file, 0, "out of memory");
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
		return fail(err, cf->name, 0, "out of memory");
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
			rc = scan_ip(s, &cfg->ipme[i]);
			if (rc != 0)
				why = "bad IP address";
			else
				cfg->ipme_count = ++i;
			break;
		case K_SMTPROUTES:
		case K_QMTPROUTES: {
			struct ctl_routeline *rl = (struct ctl_routeline *)array + i;
			rc = ctl_parse_route(s, cf->kind == K_QMTPROUTES, rl, &why);
			rl->route.line = it.lineno;
			if (rc == 0 && alabel_keys(cfg, cf->kind, rl, whybuf, sizeof whybuf) != 0)
				return fail(err, cf->name, it.lineno, whybuf);
			if (rc == 0 && cf->kind == K_SMTPROUTES)
				cfg->smtproutes_count = ++i;
			else if (rc == 0)
				cfg->qmtproutes_count = ++i;
			break;
		}
		case K_AUTHSENDERS:
			rc = ctl_parse_authsender(s, &cfg->authsenders[i], &why);
			cfg->authsenders[i].route.line = it.lineno;
			if (rc == 0 && alabel_keys(cfg, cf->kind, &cfg->authsenders[i], whybuf, sizeof whybuf) != 0)
				return fail(err, cf->name, it.lineno, whybuf);
			if (rc == 0)
				cfg->authsenders_count = ++i;
			break;
		case K_DOMAINIPS:
			rc = ctl_parse_domainip(s, &cfg->domainips[i], &why);
			if (rc == 0 && alabel_keys(cfg, cf->kind, &cfg->domainips[i], whybuf, sizeof whybuf) != 0)
				return fail(err, cf->name, it.lineno, whybuf);
			if (rc == 0)
				cfg->domainips_count = ++i;
			break;
		case K_DOMAINCERTS:
			rc = ctl_parse_domaincert(s, &cfg->domaincerts[i], &why);
			if (rc == 0 && alabel_keys(cfg, cf->kind, &cfg->domaincerts[i], whybuf, sizeof whybuf) != 0)
				return fail(err, cf->name, it.lineno, whybuf);
			if (rc == 0)
				cfg->domaincerts_count = ++i;
			break;
		case K_TLSDESTINATIONS: {
			struct ctl_tlsdest *d = &cfg->tlsdests[i];
			rc = ctl_parse_tlsdest(s, d, &is_default, &why);
			d->line = it.lineno;
			if (rc == 0 && !is_default && alabel_keys(cfg, cf->kind, d, whybuf, sizeof whybuf) != 0)
				return fail(err, cf->name, it.lineno, whybuf);
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
			if (parse_single(cfg, cf->kind, s, &why) != 0)
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
		return fail(err, name, 0, "out of memory");
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
		fail(err, "", 0, "out of memory");
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
		fail(err, name, 0, "out of memory");
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

/* ---- look-ups ---- */

/*
 * Every name asked about comes in its one form (name.h, control.h): a
 * look-up compares it with the keys as it is. NULL is no name.
 *
 * How specifically a key names the query: 0 not at all, RANK_DEFAULT for
 * the catch-all "", 1 + its length for a ".suffix" (the longer, the more
 * specific), RANK_EXACT for the name or the address itself. A ".suffix"
 * matches only names below it: ".example.com" not example.com itself.
 */
#define RANK_DEFAULT	1
#define RANK_EXACT	((size_t)IDN_HOST_SIZE + 2)
#define RANK_BOUNCE	(RANK_EXACT + 1)	/* "!@" for the empty sender: above every domain */
#define RANK_ADDRESS	(RANK_EXACT + 1)	/* authsenders: a whole address, above its domain */

static size_t
rank_name(const char *key, const struct name *q)
{
	size_t kl, nl;

	if (!q || q->kind != NAME_HOST)
		return 0;
	if (strcmp(key, q->text) == 0)
		return RANK_EXACT;
	if (key[0] != '.')
		return 0;
	kl = strlen(key);
	nl = strlen(q->text);
	return nl > kl && memcmp(q->text + nl - kl, key, kl) == 0 ? 1 + kl : 0;
}

static size_t
rank_dest(const char *key, int key_is_ip, const struct ip_address *key_ip, const struct name *q)
{
	if (key_is_ip)
		return q && q->kind == NAME_ADDRESS && ip_equal(key_ip, &q->ip) ? RANK_EXACT : 0;
	if (key[0] == '\0')
		return RANK_DEFAULT;
	return rank_name(key, q);
}

/* The best line of one route file for q, *rank its rank (0: none). In
 * one file the later of two lines with the same key wins (qmail's constmap). */
static const struct ctl_routeline *
route_best(const struct ctl_routeline *rl, size_t count, const struct name *q, int bounce,
    size_t *rank)
{
	const struct ctl_routeline *best = NULL;
	size_t i, r;

	*rank = 0;
	for (i = 0; i < count; ++i) {
		if (strcmp(rl[i].domain, "!@") == 0)
			r = bounce ? RANK_BOUNCE : 0;
		else
			r = rank_dest(rl[i].domain, rl[i].domain_is_ip, &rl[i].domain_ip, q);
		if (r && r >= *rank) {
			best = &rl[i];
			*rank = r;
		}
	}
	return best;
}

void
ctl_route(const struct config *cfg, const struct name *host, const char *sender,
    const struct name *sender_domain, struct ctl_route_choice *out)
{
	const struct ctl_routeline *ql, *sl;
	size_t qr, sr;

	memset(out, 0, sizeof *out);
	if ((out->route = ctl_authsender(cfg, sender, sender_domain))) {
		out->file = "authsenders";
		return;
	}
	ql = route_best(cfg->qmtproutes, cfg->qmtproutes_count, host, sender && !*sender, &qr);
	sl = route_best(cfg->smtproutes, cfg->smtproutes_count, host, sender && !*sender, &sr);
	/* the more specific level wins; within one, qmtproutes (s/qmail) */
	if (ql && qr >= sr) {
		out->route = &ql->route;
		out->file = "qmtproutes";
		out->qmtp = 1;
	} else if (sl) {
		out->route = &sl->route;
		out->file = "smtproutes";
	}
}

/* Local parts compare exactly (RFC 5321 2.4); the domain as sender_domain. */
const struct route *
ctl_authsender(const struct config *cfg, const char *sender, const struct name *sender_domain)
{
	const struct ctl_authsender *as = cfg->authsenders, *best = NULL;
	const char *at, *key, *kat;
	size_t i, r, rank = 0;

	if (!cfg->authsenders_count)
		return NULL;
	if (!sender)
		sender = "";
	at = strrchr(sender, '@');
	for (i = 0; i < cfg->authsenders_count; ++i) {
		key = as[i].sender;
		kat = strrchr(key, '@');
		if (key[0] == '\0')
			r = RANK_DEFAULT;
		else if (!at)
			r = 0;		/* "noat": only the empty line */
		else if (kat && kat != key)	/* an address: above any domain */
			r = kat - key == at - sender && memcmp(key, sender, (size_t)(at - sender)) == 0
			    && rank_name(kat + 1, sender_domain) == RANK_EXACT ? RANK_ADDRESS : 0;
		else
			r = rank_name(kat ? kat + 1 : key, sender_domain);	/* "@d", "d", ".suffix" */
		if (r && r >= rank) {
			best = &as[i];
			rank = r;
		}
	}
	return best ? &best->route : NULL;
}

/* domainips and domaincerts: the sender's domain exactly, then each
 * ".suffix" from the longest, then "*"; the later line at one key. base
 * is an array of count elements of size bytes, each with its domain
 * string pointer at domain_at. */
static const void *
by_sender_domain(const void *base, size_t count, size_t size, size_t domain_at,
    const struct name *sender_domain)
{
	const char *el = base, *best = NULL;
	size_t i, r, rank = 0;

	if (!count)
		return NULL;
	for (i = 0; i < count; ++i) {
		const char *key = *(const char *const *)(el + i * size + domain_at);
		r = strcmp(key, "*") == 0 ? RANK_DEFAULT : rank_name(key, sender_domain);
		if (r && r >= rank) {
			best = el + i * size;
			rank = r;
		}
	}
	return best;
}

const struct ctl_domainip *
ctl_domainip(const struct config *cfg, const struct name *sender_domain)
{
	return by_sender_domain(cfg->domainips, cfg->domainips_count, sizeof *cfg->domainips,
	    offsetof(struct ctl_domainip, domain), sender_domain);
}

const struct ctl_domaincert *
ctl_domaincert(const struct config *cfg, const struct name *sender_domain)
{
	return by_sender_domain(cfg->domaincerts, cfg->domaincerts_count, sizeof *cfg->domaincerts,
	    offsetof(struct ctl_domaincert, domain), sender_domain);
}

const struct ctl_tlsdest *
ctl_tlsdest(const struct config *cfg, const struct name *host, const struct name *sender_domain)
{
	const struct ctl_tlsdest *td = cfg->tlsdests, *best = NULL;
	size_t i, r, score = 0;

	if (!cfg->tlsdests_count)
		return NULL;
	for (i = 0; i < cfg->tlsdests_count; ++i) {
		r = rank_dest(td[i].dest, td[i].dest_is_ip, &td[i].dest_ip, host);
		if (!r)
			continue;
		/* at one key, a line bound to this sender's domain is preferred */
		if (td[i].sender_domain) {
			if (!sender_domain || sender_domain->kind != NAME_HOST
			    || strcmp(td[i].sender_domain, sender_domain->text) != 0)
				continue;
			r = 2 * r + 1;
		} else {
			r = 2 * r;
		}
		if (r >= score) {
			best = &td[i];
			score = r;
		}
	}
	return best;
}

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
