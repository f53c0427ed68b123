/*
 * ctlgrammar.c -- the grammar of each control file's lines: one line of
 * smtproutes, qmtproutes, authsenders, domainips, domaincerts,
 * tlsdestinations (seed 000's field order and seed 003's) or ipme, and
 * the first line of a one-line file, into the fields of control.h's
 * structs or a "why" that names what is wrong. Each key goes through
 * name_form() once (name.h): an ASCII key is put in its one form in
 * place; one holding UTF-8 is judged and left to control.c, whose memory
 * its A-labels need.
 * Not here: reading the files, line numbers, errors naming file and line,
 * what one line means for the next (tlsdestinations' default lines)
 * (control.c); matching (ctllookup.c).
 * Limits: a line is split in place and never copied; numbers are bounded
 * (ports, seconds, verify depth) and never wrap.
 */
#include <net/if.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include "control.h"
#include "ctlpriv.h"
#include "name.h"

#define CTL_PORT_MAX	65535
#define CTL_TIMEOUT_MAX	604800UL	/* a week: also keeps milliseconds within an int */
#define CTL_VERIFYDEPTH_MAX	100	/* OpenSSL's default is 100 */

/* ---- small helpers ---- */

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
	struct name n = { .kind = NAME_NONE };

	if (name_is_ascii(s, strlen(s)))
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
	else if (name_is_ascii(s, strlen(s)))
		return -1;	/* cannot be: check_name() takes no address */
	return 0;
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
	if ((!qmtp && v == SMTPS_PORT) || (qmtp && v == QMTPS_PORT))
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
		if (ip_scan_any(pass, &ip) != 0)
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
		if (ip_scan_any(localip, &r->localip) != 0)
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
	if (ip_scan_any(f[0], &out->localip) != 0)
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
		if (d->port == QMTPS_PORT) {
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

/* ---- ipme and the one-line files ---- */

int
ctl_parse_ipme(const char *line, struct ip_address *ip, const char **why)
{
	if (ip_scan_any(line, ip) != 0)
		return (*why = "bad IP address", -1);
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
int
ctl_parse_single(struct config *cfg, enum ctl_kind kind, char *s, const char **why)
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
	case K_TLSRPT:	/* an AF_UNIX socket: sun_path holds 108 bytes */
		if (s[0] != '/')
			return (*why = "must be an absolute path", -1);
		if (strlen(s) >= TLSRPT_SOCKET_PATH_MAX)
			return (*why = "socket path too long", -1);
		cfg->tlsrpt = s;
		return 0;
	case K_TLSRPTSENDER:
		if (has_space_or_ctl(s) || !strchr(s, '@') || s[0] == '@' || !strrchr(s, '@')[1])
			return (*why = "must be an address, local@domain", -1);
		cfg->tlsrptsender = s;
		return 0;
	default:
		return (*why = "internal error", -1);
	}
}
