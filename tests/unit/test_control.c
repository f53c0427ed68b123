/*
 * test_control.c -- control.c, ctlgrammar.c, ctllookup.c: each line parser
 * (input -> struct fields or the why of a malformed line), the look-up
 * rules, whole files through ctl_parse_text, and ctl_load on temporary
 * directories. The names looked up are put in their one form first, as
 * qmail-remote.c does (N(), SD(): asked.h); name_form() itself: test_name.c.
 * Build: cc -D_GNU_SOURCE -I. -Isubstdio tests/unit/test_control.c control.c ctlgrammar.c
 *   ctllookup.c name.c idn.c ip.c str.c lazylib.c trace.c -ldl
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "control.h"
#include "idn.h"
#include "asked.h"
#include "check.h"

static int
streq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

#define S(x)	((x) ? (x) : "(null)")

/* ctl_authsender as qmail-remote.c asks it */
static const struct route *
authsender(const struct config *cfg, const char *sender)
{
	return ctl_authsender(cfg, sender, SD(sender));
}

static const char *
ipstr(const struct ip_address *ip)
{
	static char buf[IP_FMT_MAX];

	ip_fmt(buf, ip);
	return buf;
}

/* ---- smtproutes / qmtproutes lines ---- */

static const struct route_case {
	const char *line;
	int qmtp;
	const char *why;	/* NULL: must parse */
	const char *domain, *relay;
	int is_ip;
	unsigned port;
	int smtps;
	const char *user, *password, *localip;
} route_cases[] = {
	/* seed 000 (s/qmail) */
	{ .line = "inside.af.mil:firewall.af.mil;26", .domain = "inside.af.mil", .relay = "firewall.af.mil", .port = 26 },
	{ .line = ":submission.myrelay.com;s587|myuserid|mypasswd", .domain = "", .relay = "submission.myrelay.com", .port = 587, .smtps = 1, .user = "myuserid", .password = "mypasswd" },
	{ .line = ":partnermx.net;42||2001::fefe", .domain = "", .relay = "partnermx.net", .port = 42, .localip = "2001::fefe" },
	{ .line = "!@:bouncehost.af.mil;27", .domain = "!@", .relay = "bouncehost.af.mil", .port = 27 },
	/* seed 001 (classic, netqmail) */
	{ .line = "inside.af.mil:firewall.af.mil:26", .domain = "inside.af.mil", .relay = "firewall.af.mil", .port = 26 },
	{ .line = ".af.mil:", .domain = ".af.mil", .relay = "" },
	{ .line = ":heaven.af.mil", .domain = "", .relay = "heaven.af.mil" },
	{ .line = "!@:bouncehost.af.mil:27", .domain = "!@", .relay = "bouncehost.af.mil", .port = 27 },
	{ .line = "x.example:relay.example:465", .domain = "x.example", .relay = "relay.example", .port = 465, .smtps = 1 },
	/* seed 003 */
	{ .line = "x.example:relay.example|user|pass", .domain = "x.example", .relay = "relay.example", .user = "user", .password = "pass" },
	{ .line = "x.example:relay.example:587|user|pa:ss;w", .domain = "x.example", .relay = "relay.example", .port = 587, .user = "user", .password = "pa:ss;w" },
	{ .line = "x.example:[192.0.2.1]:587|u|p", .domain = "x.example", .relay = "[192.0.2.1]", .is_ip = 1, .port = 587, .user = "u", .password = "p" },
	/* addresses */
	{ .line = "x.example:[192.0.2.1]:26", .domain = "x.example", .relay = "[192.0.2.1]", .is_ip = 1, .port = 26 },
	{ .line = "x.example:192.0.2.1:26", .domain = "x.example", .relay = "192.0.2.1", .is_ip = 1, .port = 26 },
	{ .line = "x.example:192.0.2.1", .domain = "x.example", .relay = "192.0.2.1", .is_ip = 1 },
	{ .line = "x.example:[2001:db8::1]:26", .domain = "x.example", .relay = "[2001:db8::1]", .is_ip = 1, .port = 26 },
	{ .line = "x.example:[IPv6:2001:db8::1]", .domain = "x.example", .relay = "[IPv6:2001:db8::1]", .is_ip = 1 },
	{ .line = "x.example:2001:db8::1;25", .domain = "x.example", .relay = "2001:db8::1", .is_ip = 1, .port = 25 },
	{ .line = "x.example:2001:db8::1;", .domain = "x.example", .relay = "2001:db8::1", .is_ip = 1 },
	{ .line = "[192.0.2.9]:relay.example", .domain = "[192.0.2.9]", .relay = "relay.example" },
	{ .line = "[2001:DB8::9]:relay.example;25", .domain = "[2001:db8::9]", .relay = "relay.example", .port = 25 },
	{ .line = "192.0.2.9:relay.example", .domain = "192.0.2.9", .relay = "relay.example" },
	/* one trailing dot is not part of the key; the relay is kept as written */
	{ .line = "Partner.Example.:relay.example.", .domain = "partner.example", .relay = "relay.example." },
	{ .line = ".Example.COM.:", .domain = ".example.com", .relay = "" },
	/* case, credentials, local address */
	{ .line = "X.Example:Relay.Example.COM", .domain = "x.example", .relay = "relay.example.com" },
	{ .line = "x.example:relay.example;587|user|", .domain = "x.example", .relay = "relay.example", .port = 587, .user = "user", .password = "" },
	{ .line = "x.example:relay.example;587|u|p|192.0.2.5", .domain = "x.example", .relay = "relay.example", .port = 587, .user = "u", .password = "p", .localip = "192.0.2.5" },
	{ .line = "x.example:relay.example;587|||[2001:db8::5]", .domain = "x.example", .relay = "relay.example", .port = 587, .localip = "2001:db8::5" },
	{ .line = "x.example:relay.example;25|", .domain = "x.example", .relay = "relay.example", .port = 25 },
	{ .line = "x.example:relay.example;25||", .domain = "x.example", .relay = "relay.example", .port = 25 },
	{ .line = "x.example:relay.example;|u|p", .domain = "x.example", .relay = "relay.example", .user = "u", .password = "p" },
	{ .line = "x.example:relay_1.example", .domain = "x.example", .relay = "relay_1.example" },
	/* qmtproutes */
	{ .line = "x.example:relay.example;6209", .qmtp = 1, .domain = "x.example", .relay = "relay.example", .port = 6209, .smtps = 1 },
	{ .line = "x.example:relay.example:209", .qmtp = 1, .domain = "x.example", .relay = "relay.example", .port = 209 },
	{ .line = "x.example:relay.example;s209", .qmtp = 1, .domain = "x.example", .relay = "relay.example", .port = 209, .smtps = 1 },
	{ .line = "x.example:relay.example;465", .qmtp = 1, .domain = "x.example", .relay = "relay.example", .port = 465 },
	{ .line = "x.example:relay.example", .qmtp = 1, .domain = "x.example", .relay = "relay.example" },
	{ .line = "x.example:relay.example;209||192.0.2.3", .qmtp = 1, .domain = "x.example", .relay = "relay.example", .port = 209, .localip = "192.0.2.3" },
	/* malformed */
	{ .line = "nocolon", .why = "missing ':'" },
	{ .line = "", .why = "missing ':'" },
	{ .line = "x.example:relay.example:0", .why = "invalid port" },
	{ .line = "x.example:relay.example:65536", .why = "invalid port" },
	{ .line = "x.example:relay.example:99999999999999999999999", .why = "invalid port" },
	{ .line = "x.example:relay.example:", .why = "invalid port" },
	{ .line = "x.example:relay.example:+25", .why = "invalid port" },
	{ .line = "x.example:relay.example;s", .why = "invalid port" },
	{ .line = "x.example:relay.example;-1", .why = "invalid port" },
	{ .line = "x.example:relay.example;25x", .why = "invalid port" },
	{ .line = "x.example:relay.example:26:27", .why = "invalid port" },
	{ .line = "x.example:relay.example;587||pass", .why = "password without user" },
	{ .line = "x.example:relay.example:587||pass", .why = "password without user" },
	{ .line = "x.example:relay.example||pass", .why = "password without user" },
	{ .line = "x.example:relay.example;587|u|p|", .domain = "x.example", .relay = "relay.example", .port = 587, .user = "u", .password = "p" },
	{ .line = "x.example:relay.example;587||p|192.0.2.1", .why = "password without user" },
	{ .line = "x.example:relay.example;587|user", .why = "missing password" },
	{ .line = "x.example:relay.example|user", .why = "missing password" },
	{ .line = "x.example:2001:db8::1", .why = "IPv6 relay needs [brackets] or the ';port' form" },
	{ .line = "x.example:2001:db8::1:25", .why = "IPv6 relay needs [brackets] or the ';port' form" },
	{ .line = "x.example:2001:db8::1:25|u|p", .why = "IPv6 relay needs [brackets] or the ';port' form" },
	{ .line = "x.example:[2001:db8::1", .why = "bad IP address" },
	{ .line = "x.example:[300.1.1.1]", .why = "bad IP address" },
	{ .line = "x.example:[192.0.2.1]x", .why = "bad IP address" },
	{ .line = "x.example:1.2.3.999", .why = "bad relay" },
	{ .line = "x.example:re lay.example", .why = "bad relay" },
	{ .line = "x.example:relay..example", .why = "bad relay" },
	{ .line = "x.example:relay/example", .why = "bad relay" },
	{ .line = "x.example:relay.example;;25", .why = "invalid port" },
	{ .line = "x y:relay.example", .why = "bad domain" },
	{ .line = ".:relay.example", .why = "bad domain" },
	{ .line = "..:relay.example", .why = "bad domain" },
	{ .line = "a..b:relay.example", .why = "bad domain" },
	{ .line = "x.example..:relay.example", .why = "bad domain" },
	{ .line = "1.2.3.999:relay.example", .why = "bad domain" },
	{ .line = "a@b:relay.example", .why = "bad domain" },
	{ .line = "*.example.com:relay.example", .why = "no '*' wildcards: write .example.com" },
	{ .line = "[192.0.2.300]:relay.example", .why = "bad IP address" },
	{ .line = "x.example:;26", .why = "missing relay" },
	{ .line = "x.example::26", .why = "missing relay" },
	{ .line = "x.example:relay.example;26|u|p|notip", .why = "bad local IP address" },
	{ .line = "x.example:relay.example;26||notip", .why = "password without user" },
	{ .line = "x.example:relay.example;26|u|p|192.0.2.1|x", .why = "too many '|' fields" },
	{ .line = "x.example:relay.example:26|u|p|x", .why = "too many '|' fields" },
	{ .line = "x.example:relay.example;209|u|p", .qmtp = 1, .why = "QMTP has no authentication: remove user|password" },
};

static void
test_routes(void)
{
	size_t i;

	for (i = 0; i < sizeof route_cases / sizeof route_cases[0]; ++i) {
		const struct route_case *c = &route_cases[i];
		struct ctl_routeline out;
		const char *why = NULL;
		char buf[256];
		int rc;

		snprintf(buf, sizeof buf, "%s", c->line);
		rc = ctl_parse_route(buf, c->qmtp, &out, &why);
		if (c->why) {
			CHECK(rc == -1 && streq(why, c->why), "route '%s': rc %d why '%s', want '%s'",
			    c->line, rc, rc ? S(why) : "", c->why);
			continue;
		}
		CHECK(rc == 0, "route '%s': rc %d why '%s'", c->line, rc, rc ? S(why) : "");
		if (rc != 0)
			continue;
		CHECK(streq(out.domain, c->domain), "route '%s': domain '%s'", c->line, S(out.domain));
		CHECK(streq(out.route.relay, c->relay), "route '%s': relay '%s'", c->line, S(out.route.relay));
		CHECK(out.route.relay_is_ip == c->is_ip, "route '%s': relay_is_ip %d", c->line, out.route.relay_is_ip);
		CHECK(out.route.port == c->port, "route '%s': port %u", c->line, out.route.port);
		CHECK(out.route.smtps == c->smtps, "route '%s': smtps %d", c->line, out.route.smtps);
		CHECK(streq(out.route.user, c->user), "route '%s': user '%s'", c->line, S(out.route.user));
		CHECK(streq(out.route.password, c->password), "route '%s': password '%s'", c->line, S(out.route.password));
		CHECK(out.route.has_localip == (c->localip != NULL), "route '%s': has_localip %d", c->line, out.route.has_localip);
		if (c->localip && out.route.has_localip)
			CHECK(streq(ipstr(&out.route.localip), c->localip), "route '%s': localip %s", c->line, ipstr(&out.route.localip));
	}
}

/* ---- authsenders lines ---- */

static const struct auth_case {
	const char *line, *why, *sender, *relay;
	unsigned port;
	int smtps;
	const char *user, *password;
} auth_cases[] = {
	{ .line = "joe@example.com:relay.example.com;s587|u|p", .sender = "joe@example.com", .relay = "relay.example.com", .port = 587, .smtps = 1, .user = "u", .password = "p" },
	{ .line = "@example.com:relay.example.com:587|u|p", .sender = "@example.com", .relay = "relay.example.com", .port = 587, .user = "u", .password = "p" },
	{ .line = "example.com:relay.example.com:587|u|p", .sender = "example.com", .relay = "relay.example.com", .port = 587, .user = "u", .password = "p" },
	{ .line = ":relay.example.com:587|u|p", .sender = "", .relay = "relay.example.com", .port = 587, .user = "u", .password = "p" },
	{ .line = "joe@example.com:relay.example.com", .sender = "joe@example.com", .relay = "relay.example.com" },
	{ .line = "Joe@Example.COM:relay.example.com", .sender = "Joe@example.com", .relay = "relay.example.com" },
	{ .line = "joe@example.com.:relay.example.com", .sender = "joe@example.com", .relay = "relay.example.com" },
	/* s/qmail: a ".suffix" of the sender's domain */
	{ .line = ".Example.COM:relay.example.com", .sender = ".example.com", .relay = "relay.example.com" },
	{ .line = "@.example.com:relay.example.com", .why = "bad sender" },
	{ .line = ".:relay.example.com", .why = "bad sender" },
	{ .line = "joe@example.com:relay.example.com:587|u|p:w|x", .why = "too many '|' fields" },
	{ .line = "joe@:relay.example.com", .why = "bad sender" },
	{ .line = "@:relay.example.com", .why = "bad sender" },
	{ .line = "jo e@example.com:relay.example.com", .why = "bad sender" },
	{ .line = "joe@example.com:", .why = "missing relay" },
	{ .line = "joe@example.com", .why = "missing ':'" },
	{ .line = "joe@example.com:relay.example.com:0|u|p", .why = "invalid port" },
};

static void
test_authsenders(void)
{
	size_t i;

	for (i = 0; i < sizeof auth_cases / sizeof auth_cases[0]; ++i) {
		const struct auth_case *c = &auth_cases[i];
		struct ctl_authsender out;
		const char *why = NULL;
		char buf[256];
		int rc;

		snprintf(buf, sizeof buf, "%s", c->line);
		rc = ctl_parse_authsender(buf, &out, &why);
		if (c->why) {
			CHECK(rc == -1 && streq(why, c->why), "authsender '%s': rc %d why '%s'", c->line, rc, rc ? S(why) : "");
			continue;
		}
		CHECK(rc == 0, "authsender '%s': rc %d why '%s'", c->line, rc, rc ? S(why) : "");
		if (rc != 0)
			continue;
		CHECK(streq(out.sender, c->sender), "authsender '%s': sender '%s'", c->line, S(out.sender));
		CHECK(streq(out.route.relay, c->relay), "authsender '%s': relay '%s'", c->line, S(out.route.relay));
		CHECK(out.route.port == c->port && out.route.smtps == c->smtps, "authsender '%s': port %u smtps %d", c->line, out.route.port, out.route.smtps);
		CHECK(streq(out.route.user, c->user) && streq(out.route.password, c->password), "authsender '%s': credentials", c->line);
	}
}

/* ---- domainips, domaincerts ---- */

static void
test_domainips(void)
{
	static const struct {
		const char *line, *why, *domain, *ip, *ifname, *helo;
		int scoped;
	} cases[] = {
		{ .line = "example.com:192.0.2.1|helo.example.com", .domain = "example.com", .ip = "192.0.2.1", .helo = "helo.example.com" },
		{ .line = "*:2001:db8::1", .domain = "*", .ip = "2001:db8::1" },
		{ .line = "*:fe80::1%lo|h.example", .domain = "*", .ip = "fe80::1", .ifname = "lo", .helo = "h.example", .scoped = 1 },
		{ .line = "x.example:192.0.2.1%lo", .domain = "x.example", .ip = "192.0.2.1", .ifname = "lo" },
		{ .line = "x.example:[2001:db8::2]|", .domain = "x.example", .ip = "2001:db8::2" },
		{ .line = "X.Example:192.0.2.1", .domain = "x.example", .ip = "192.0.2.1" },
		{ .line = "x.example.:192.0.2.1", .domain = "x.example", .ip = "192.0.2.1" },
		{ .line = ".Example.COM:192.0.2.1", .domain = ".example.com", .ip = "192.0.2.1" },
		{ .line = ".:192.0.2.1", .why = "bad domain" },
		{ .line = "x.example:fe80::1%nosuchif0", .why = "no such interface" },
		{ .line = "x.example:fe80::1%", .why = "bad interface name" },
		{ .line = "x.example:fe80::1%abcdefghijklmnopq", .why = "bad interface name" },
		{ .line = "x.example:notanip", .why = "bad IP address" },
		{ .line = "x.example:", .why = "missing local IP address" },
		{ .line = "x.example:|helo", .why = "missing local IP address" },
		{ .line = "x.example:192.0.2.1|h|extra", .why = "too many '|' fields" },
		{ .line = "x.example:192.0.2.1|h h", .why = "bad helohost" },
		{ .line = "bad dom:192.0.2.1", .why = "bad domain" },
		{ .line = "x.example", .why = "missing ':'" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
		struct ctl_domainip out;
		const char *why = NULL;
		char buf[256];
		int rc;

		snprintf(buf, sizeof buf, "%s", cases[i].line);
		rc = ctl_parse_domainip(buf, &out, &why);
		if (cases[i].why) {
			CHECK(rc == -1 && streq(why, cases[i].why), "domainip '%s': rc %d why '%s'", cases[i].line, rc, rc ? S(why) : "");
			continue;
		}
		CHECK(rc == 0, "domainip '%s': rc %d why '%s'", cases[i].line, rc, rc ? S(why) : "");
		if (rc != 0)
			continue;
		CHECK(streq(out.domain, cases[i].domain), "domainip '%s': domain '%s'", cases[i].line, S(out.domain));
		CHECK(streq(ipstr(&out.localip), cases[i].ip), "domainip '%s': ip %s", cases[i].line, ipstr(&out.localip));
		CHECK(streq(out.ifname, cases[i].ifname), "domainip '%s': ifname '%s'", cases[i].line, S(out.ifname));
		CHECK(streq(out.helohost, cases[i].helo), "domainip '%s': helohost '%s'", cases[i].line, S(out.helohost));
		CHECK(out.localip.scope_id == (cases[i].scoped ? if_nametoindex("lo") : 0),
		    "domainip '%s': scope_id %u", cases[i].line, out.localip.scope_id);
	}
}

static void
test_domaincerts(void)
{
	static const struct {
		const char *line, *why, *domain, *cert, *key, *pw;
	} cases[] = {
		{ .line = "example.com:/etc/ssl/c.pem|/etc/ssl/k.pem|secret", .domain = "example.com", .cert = "/etc/ssl/c.pem", .key = "/etc/ssl/k.pem", .pw = "secret" },
		{ .line = "*:/etc/ssl/c.pem", .domain = "*", .cert = "/etc/ssl/c.pem" },
		{ .line = "x.example:/c.pem||pw", .domain = "x.example", .cert = "/c.pem", .pw = "pw" },
		{ .line = "x.example:/c.pem|/k.pem|", .domain = "x.example", .cert = "/c.pem", .key = "/k.pem" },
		{ .line = "x.example:", .why = "missing certificate" },
		{ .line = "x.example:|/k.pem", .why = "missing certificate" },
		{ .line = "x.example:/c|/k|p|q", .why = "too many '|' fields" },
		{ .line = "x.example", .why = "missing ':'" },
		{ .line = "a b:/c", .why = "bad domain" },
		{ .line = ".example.com:/c", .domain = ".example.com", .cert = "/c" },
		{ .line = "..example.com:/c", .why = "bad domain" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
		struct ctl_domaincert out;
		const char *why = NULL;
		char buf[256];
		int rc;

		snprintf(buf, sizeof buf, "%s", cases[i].line);
		rc = ctl_parse_domaincert(buf, &out, &why);
		if (cases[i].why) {
			CHECK(rc == -1 && streq(why, cases[i].why), "domaincert '%s': rc %d why '%s'", cases[i].line, rc, rc ? S(why) : "");
			continue;
		}
		CHECK(rc == 0 && streq(out.domain, cases[i].domain) && streq(out.certfile, cases[i].cert)
		    && streq(out.keyfile, cases[i].key) && streq(out.password, cases[i].pw),
		    "domaincert '%s': rc %d domain '%s' cert '%s' key '%s' pw '%s'", cases[i].line, rc,
		    S(out.domain), S(out.certfile), S(out.keyfile), S(out.password));
	}
}

/* ---- tlsdestinations lines ---- */

#define FP40	"0123456789abcdef0123456789abcdef01234567"
#define FP64	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

enum { DEF = 1, MAND = 2, NOTLSA = 4, ANON = 8, NOSTART = 16, RETRY = 32, SMTPS = 64, QMTPS = 128 };

static const struct tls_case {
	const char *line, *why;
	int flags;
	const char *dest;
	char prefix;
	enum tls_verify verify;
	const char *cafile, *fp, *ciphers;
	unsigned depth, port;
	const char *sender_domain;
} tls_cases[] = {
	/* single- and two-char defaults (seed 000) */
	{ .line = "*:", .flags = DEF, .dest = "*", .verify = TLSV_NONE },
	{ .line = "?:", .flags = DEF | RETRY, .dest = "?", .verify = TLSV_NONE },
	{ .line = "-:", .flags = DEF | ANON, .dest = "-", .verify = TLSV_NONE },
	{ .line = "/:", .flags = DEF | NOTLSA, .dest = "/", .verify = TLSV_NONE },
	{ .line = "-*:", .flags = DEF | MAND | ANON, .dest = "-*", .verify = TLSV_NONE },
	{ .line = "+*:", .flags = DEF | MAND, .dest = "+*", .verify = TLSV_CHAIN },
	{ .line = "~*:", .flags = DEF | MAND, .dest = "~*", .verify = TLSV_NAME_WILD },
	{ .line = "=*:", .flags = DEF | MAND, .dest = "=*", .verify = TLSV_NAME_EXACT },
	{ .line = "/*:", .flags = DEF | MAND | NOTLSA, .dest = "/*", .verify = TLSV_NONE },
	{ .line = "+*:/etc/ssl/ca.pem|HIGH|5", .flags = DEF | MAND, .dest = "+*", .verify = TLSV_CHAIN, .cafile = "/etc/ssl/ca.pem", .ciphers = "HIGH", .depth = 5 },
	{ .line = "*:/etc/ssl/ca.pem", .flags = DEF, .dest = "*", .verify = TLSV_NONE, .cafile = "/etc/ssl/ca.pem" },
	/* named destinations (seed 000, our primary order) */
	{ .line = "example.com:", .flags = MAND, .dest = "example.com", .verify = TLSV_NONE },
	{ .line = "Example.COM:", .flags = MAND, .dest = "example.com", .verify = TLSV_NONE },
	{ .line = "securityfirst.com:/etc/ssl/cafile|SSLv2:HIGH", .flags = MAND, .dest = "securityfirst.com", .verify = TLSV_CHAIN, .cafile = "/etc/ssl/cafile", .ciphers = "SSLv2:HIGH" },
	{ .line = ".remote.com:/etc/ssl/certdir/||3;465", .flags = MAND | SMTPS, .dest = ".remote.com", .verify = TLSV_CHAIN, .cafile = "/etc/ssl/certdir/", .depth = 3, .port = 465 },
	{ .line = "mx.partner.com:/etc/ssl/partnerca||2;|mx.mydomain.net", .flags = MAND, .dest = "mx.partner.com", .verify = TLSV_CHAIN, .cafile = "/etc/ssl/partnerca", .depth = 2, .sender_domain = "mx.mydomain.net" },
	{ .line = "=mx.partner2.com:/etc/ssl/cacert||1", .flags = MAND, .dest = "mx.partner2.com", .prefix = '=', .verify = TLSV_NAME_EXACT, .cafile = "/etc/ssl/cacert", .depth = 1 },
	{ .line = "~wildneighbor.net:", .flags = MAND, .dest = "wildneighbor.net", .prefix = '~', .verify = TLSV_NAME_WILD },
	{ .line = "-anon.example:", .flags = MAND | ANON, .dest = "anon.example", .prefix = '-', .verify = TLSV_NONE },
	{ .line = "%pinned.example:=01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67", .flags = MAND | NOTLSA, .dest = "pinned.example", .prefix = '%', .verify = TLSV_PIN, .fp = FP40 },
	{ .line = "%pinned.example:=" FP64 "|HIGH", .flags = MAND | NOTLSA, .dest = "pinned.example", .prefix = '%', .verify = TLSV_PIN, .fp = FP64, .ciphers = "HIGH" },
	{ .line = "/nodane.org:", .flags = NOTLSA, .dest = "nodane.org", .prefix = '/', .verify = TLSV_NONE },
	{ .line = "/nodane.org:/etc/ssl/ca", .flags = MAND | NOTLSA, .dest = "nodane.org", .prefix = '/', .verify = TLSV_CHAIN, .cafile = "/etc/ssl/ca" },
	{ .line = "!plain.example:", .flags = NOSTART, .dest = "plain.example", .prefix = '!', .verify = TLSV_NONE },
	{ .line = "!plain.example:;2525", .flags = NOSTART, .dest = "plain.example", .prefix = '!', .verify = TLSV_NONE, .port = 2525 },
	{ .line = "x.example:;s2525", .flags = MAND | SMTPS, .dest = "x.example", .verify = TLSV_NONE, .port = 2525 },
	{ .line = "x.example:;6209", .flags = MAND | QMTPS, .dest = "x.example", .verify = TLSV_NONE, .port = 6209 },
	{ .line = "x.example:||;|Sender.Example", .flags = MAND, .dest = "x.example", .verify = TLSV_NONE, .sender_domain = "sender.example" },
	{ .line = "[192.0.2.7]:", .flags = MAND, .dest = "[192.0.2.7]", .verify = TLSV_NONE },
	{ .line = "=[2001:db8::7]:/ca", .flags = MAND, .dest = "[2001:db8::7]", .prefix = '=', .verify = TLSV_NAME_EXACT, .cafile = "/ca" },
	{ .line = "192.0.2.8:", .flags = MAND, .dest = "192.0.2.8", .verify = TLSV_NONE },
	{ .line = "Partner.Example.:", .flags = MAND, .dest = "partner.example", .verify = TLSV_NONE },
	{ .line = "%.Partner.Example.:=" FP40, .flags = MAND | NOTLSA, .dest = ".partner.example", .prefix = '%', .verify = TLSV_PIN, .fp = FP40 },
	{ .line = "[IPv6:2001:DB8::7]:", .flags = MAND, .dest = "[ipv6:2001:db8::7]", .verify = TLSV_NONE },
	{ .line = "x.example:;|Sender.Example.", .flags = MAND, .dest = "x.example", .verify = TLSV_NONE, .sender_domain = "sender.example" },
	{ .line = "x.example:/ca|HIGH|3", .flags = MAND, .dest = "x.example", .verify = TLSV_CHAIN, .cafile = "/ca", .ciphers = "HIGH", .depth = 3 },
	{ .line = "x.example:/ca||3", .flags = MAND, .dest = "x.example", .verify = TLSV_CHAIN, .cafile = "/ca", .depth = 3 },
	{ .line = "x.example:/ca|HIGH", .flags = MAND, .dest = "x.example", .verify = TLSV_CHAIN, .cafile = "/ca", .ciphers = "HIGH" },
	/* seed 003's order: destination:cafile|verifydepth:port|ciphers|domain */
	{ .line = ".remote.com:/etc/ssl/certdir/|3:465", .flags = MAND | SMTPS, .dest = ".remote.com", .verify = TLSV_CHAIN, .cafile = "/etc/ssl/certdir/", .depth = 3, .port = 465 },
	{ .line = "mx.partner.com:/etc/ssl/partnerca|2||mx.mydomain.net", .flags = MAND, .dest = "mx.partner.com", .verify = TLSV_CHAIN, .cafile = "/etc/ssl/partnerca", .depth = 2, .sender_domain = "mx.mydomain.net" },
	{ .line = "=mx.partner2.com:/etc/ssl/cacert|1", .flags = MAND, .dest = "mx.partner2.com", .prefix = '=', .verify = TLSV_NAME_EXACT, .cafile = "/etc/ssl/cacert", .depth = 1 },
	{ .line = "securityfirst.com:/etc/ssl/cafile||SSLv2:HIGH", .flags = MAND, .dest = "securityfirst.com", .verify = TLSV_CHAIN, .cafile = "/etc/ssl/cafile", .ciphers = "SSLv2:HIGH" },
	{ .line = "example.com::25", .flags = MAND, .dest = "example.com", .verify = TLSV_NONE, .port = 25 },
	{ .line = "example.com:/ca:25", .flags = MAND, .dest = "example.com", .verify = TLSV_CHAIN, .cafile = "/ca", .port = 25 },
	{ .line = "x.example:/ca|:465|HIGH", .flags = MAND | SMTPS, .dest = "x.example", .verify = TLSV_CHAIN, .cafile = "/ca", .ciphers = "HIGH", .port = 465 },
	{ .line = "x.example:/ca|3|HIGH|Sender.Example", .flags = MAND, .dest = "x.example", .verify = TLSV_CHAIN, .cafile = "/ca", .ciphers = "HIGH", .depth = 3, .sender_domain = "sender.example" },
	/* malformed */
	{ .line = "nocolon", .why = "missing ':'" },
	{ .line = "%x.example:", .why = "'%' needs =fingerprint" },
	{ .line = "%x.example:/ca", .why = "'%' needs =fingerprint" },
	{ .line = "%x.example:=abc", .why = "bad fingerprint" },
	{ .line = "%x.example:=zz23456789abcdef0123456789abcdef01234567", .why = "bad fingerprint" },
	{ .line = "%x.example:=" FP40 "0", .why = "bad fingerprint" },
	{ .line = "x.example:=" FP40, .why = "a fingerprint needs the '%' prefix" },
	{ .line = "*:=" FP40, .why = "a fingerprint needs the '%' prefix and a destination" },
	{ .line = "*:;|dom.example", .why = "a default cannot be bound to a sender domain" },
	{ .line = "x.example:/ca|HIGH|abc", .why = "invalid verifydepth" },
	{ .line = "x.example:/ca||101", .why = "invalid verifydepth" },
	{ .line = "x.example:;0", .why = "invalid port" },
	{ .line = "x.example:;70000", .why = "invalid port" },
	{ .line = "x.example:;s", .why = "invalid port" },
	{ .line = "x.example:/ca|3:99999", .why = "invalid port" },
	{ .line = "!x.example:/ca", .why = "'!' (no STARTTLS) takes no TLS settings" },
	{ .line = "!x.example:;465", .why = "'!' (no STARTTLS) conflicts with implicit TLS" },
	{ .line = "*x.example:", .why = "bad destination" },
	{ .line = "+x.example:", .why = "bad destination" },
	{ .line = "=:", .why = "bad destination" },
	{ .line = "x y:", .why = "bad destination" },
	{ .line = "?*:", .why = "bad destination" },
	{ .line = "**:", .why = "bad destination" },
	{ .line = ".:", .why = "bad destination" },
	{ .line = "=.:", .why = "bad destination" },
	{ .line = "x.example..:", .why = "bad destination" },
	{ .line = "[1.2.3]:", .why = "bad destination" },
	{ .line = "x.example:/a|b|1;25|dom.example|extra", .why = "too many '|' fields after ';'" },
	{ .line = "x.example:/a|b|1|2;25", .why = "too many '|' fields" },
	{ .line = "x.example:a|b|c|d|e", .why = "too many '|' fields" },
	{ .line = "x.example:;|bad domain", .why = "bad sender domain" },
};

static void
test_tlsdests(void)
{
	size_t i;

	for (i = 0; i < sizeof tls_cases / sizeof tls_cases[0]; ++i) {
		const struct tls_case *c = &tls_cases[i];
		struct ctl_tlsdest out;
		const char *why = NULL;
		char buf[256];
		int rc, def = -1, fl;

		snprintf(buf, sizeof buf, "%s", c->line);
		rc = ctl_parse_tlsdest(buf, &out, &def, &why);
		if (c->why) {
			CHECK(rc == -1 && streq(why, c->why), "tlsdest '%s': rc %d why '%s', want '%s'", c->line, rc, rc ? S(why) : "", c->why);
			continue;
		}
		CHECK(rc == 0, "tlsdest '%s': rc %d why '%s'", c->line, rc, rc ? S(why) : "");
		if (rc != 0)
			continue;
		fl = (def ? DEF : 0) | (out.mandatory ? MAND : 0) | (out.no_tlsa ? NOTLSA : 0)
		    | (out.allow_anon ? ANON : 0) | (out.no_starttls ? NOSTART : 0)
		    | (out.plain_retry ? RETRY : 0) | (out.smtps ? SMTPS : 0) | (out.qmtps ? QMTPS : 0);
		CHECK(fl == c->flags, "tlsdest '%s': flags %#x want %#x", c->line, fl, c->flags);
		CHECK(streq(out.dest, c->dest), "tlsdest '%s': dest '%s'", c->line, S(out.dest));
		CHECK(out.prefix == c->prefix, "tlsdest '%s': prefix '%c'", c->line, out.prefix ? out.prefix : '0');
		CHECK(out.verify == c->verify, "tlsdest '%s': verify %d want %d", c->line, (int)out.verify, (int)c->verify);
		CHECK(streq(out.cafile, c->cafile), "tlsdest '%s': cafile '%s'", c->line, S(out.cafile));
		CHECK(streq(out.fingerprint, c->fp), "tlsdest '%s': fingerprint '%s'", c->line, S(out.fingerprint));
		CHECK(streq(out.ciphers, c->ciphers), "tlsdest '%s': ciphers '%s'", c->line, S(out.ciphers));
		CHECK(out.verifydepth == c->depth, "tlsdest '%s': verifydepth %u", c->line, out.verifydepth);
		CHECK(out.port == c->port, "tlsdest '%s': port %u", c->line, out.port);
		CHECK(streq(out.sender_domain, c->sender_domain), "tlsdest '%s': sender_domain '%s'", c->line, S(out.sender_domain));
	}
}

/* ---- whole files and look-ups ---- */

static int
text(struct config *cfg, const char *name, const char *s, struct ctl_error *err)
{
	return ctl_parse_text(cfg, name, s, strlen(s), err);
}

static void
expect_error_len(const char *name, const char *s, size_t len, unsigned line, const char *why)
{
	struct config cfg;
	struct ctl_error err;
	int rc;

	ctl_init(&cfg);
	rc = ctl_parse_text(&cfg, name, s, len, &err);
	CHECK(rc == -1 && streq(err.file, name) && err.line == line && streq(err.why, why),
	    "%s text error: rc %d file '%s' line %u why '%s', want line %u '%s'",
	    name, rc, err.file, err.line, err.why, line, why);
	ctl_free(&cfg);
}

static void
expect_error(const char *name, const char *s, unsigned line, const char *why)
{
	expect_error_len(name, s, strlen(s), line, why);
}

static const char *
relay_of(const struct route *r)
{
	return r ? r->relay : "(none)";
}

/* ctl_route's relay, and the file it came from ("(none)" when DNS) */
static const char *
route_of(const struct config *cfg, const char *host, const char *sender, const char **file)
{
	struct ctl_route_choice rc;

	ctl_route(cfg, N(host), sender, SD(sender), &rc);
	if (file)
		*file = rc.file ? rc.file : "(none)";
	CHECK((rc.route != NULL) == (rc.file != NULL) && rc.qmtp == (rc.file && strcmp(rc.file, "qmtproutes") == 0),
	    "ctl_route(%s): route, file and qmtp agree", host);
	return relay_of(rc.route);
}

static void
test_route_lookup(void)
{
	static const char routes[] =
	    "# classic and s/qmail lines mixed\n"
	    "inside.af.mil:firewall.af.mil:26\n"
	    ".af.mil:\n"
	    "x.af.mil:xrelay.example\n"
	    "!@:bouncehost.af.mil;27\n"
	    ":heaven.af.mil\n"
	    "inside.af.mil:second.example\n"
	    ".b.af.mil:brelay.example\n";
	static const struct {
		const char *host, *sender, *relay;
	} cases[] = {
		{ "inside.af.mil", "a@b.example", "second.example" },	/* exact; the later line wins */
		{ "foo.af.mil", "a@b.example", "" },			/* ".af.mil": MX look-up */
		{ "af.mil", "a@b.example", "heaven.af.mil" },		/* ".af.mil" is not "af.mil" */
		{ "x.af.mil", "", "bouncehost.af.mil" },		/* bounce route wins */
		{ "inside.af.mil", "", "bouncehost.af.mil" },
		{ "x.af.mil", "a@b.example", "xrelay.example" },
		{ "a.b.af.mil", "a@b.example", "brelay.example" },	/* longest suffix first */
		{ "a.c.af.mil", "a@b.example", "" },
		{ "example.org", "a@b.example", "heaven.af.mil" },	/* default */
		{ "example.org", NULL, "heaven.af.mil" },
		{ "!@", "a@b.example", "heaven.af.mil" },		/* "!@" is not a host */
		/* one destination however written: case, one trailing dot */
		{ "X.AF.MIL.", "a@b.example", "xrelay.example" },
		{ "a.B.af.mil.", "a@b.example", "brelay.example" },
		{ "x.af.mil..", "a@b.example", "heaven.af.mil" },	/* only one dot */
		{ ".", "a@b.example", "heaven.af.mil" },
		{ "", "a@b.example", "heaven.af.mil" },
	};
	struct config cfg;
	struct ctl_error err;
	const char *file;
	size_t i;

	ctl_init(&cfg);
	CHECK(text(&cfg, "smtproutes", routes, &err) == 0, "smtproutes: %s line %u %s", err.file, err.line, err.why);
	CHECK(cfg.smtproutes_count == 7, "smtproutes count %zu", cfg.smtproutes_count);
	CHECK(cfg.smtproutes_count == 7 && cfg.smtproutes[0].route.line == 2 && cfg.smtproutes[6].route.line == 8,
	    "smtproutes line numbers");
	for (i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
		const char *relay = route_of(&cfg, cases[i].host, cases[i].sender, &file);
		CHECK(streq(relay, cases[i].relay) && streq(file, "smtproutes"), "route(%s, %s) = %s from %s, want %s",
		    cases[i].host, S(cases[i].sender), relay, file, cases[i].relay);
	}

	CHECK(text(&cfg, "qmtproutes", "inside.af.mil:qmtp.example;6209\n.mil:m.example:209\n", &err) == 0,
	    "qmtproutes: %s", err.why);
	{
		struct ctl_route_choice rc;
		ctl_route(&cfg, N("inside.af.mil"), "a@b", SD("a@b"), &rc);
		CHECK(rc.qmtp && rc.route && streq(rc.route->relay, "qmtp.example") && rc.route->port == 6209
		    && rc.route->smtps, "qmtproute exact beats smtproutes exact");
		/* ".af.mil" in smtproutes is longer than ".mil" in qmtproutes */
		CHECK(streq(route_of(&cfg, "foo.af.mil", "a@b", &file), "") && streq(file, "smtproutes"),
		    "smtproutes .af.mil beats qmtproutes .mil: %s", file);
		ctl_route(&cfg, N("foo.mil"), "a@b", SD("a@b"), &rc);
		CHECK(rc.qmtp && rc.route && streq(rc.route->relay, "m.example") && rc.route->port == 209
		    && !rc.route->smtps, "qmtproute suffix");
		/* the qmtproutes suffix beats smtproutes' catch-all */
		CHECK(streq(route_of(&cfg, "example.mil", "a@b", &file), "m.example") && streq(file, "qmtproutes"),
		    "qmtproutes .mil beats smtproutes ''");
		CHECK(streq(route_of(&cfg, "example.org", "a@b", &file), "heaven.af.mil") && streq(file, "smtproutes"),
		    "qmtproutes has no default: smtproutes'");
		CHECK(streq(route_of(&cfg, "x.mil", "", &file), "bouncehost.af.mil"), "smtproutes !@ beats qmtproutes suffix");
	}
	ctl_free(&cfg);

	ctl_init(&cfg);
	CHECK(text(&cfg, "smtproutes", "a.example:r.example\n", &err) == 0, "smtproutes no default");
	CHECK(streq(route_of(&cfg, "b.example", "x@y", &file), "(none)") && streq(file, "(none)"), "no default route -> NULL");
	CHECK(streq(route_of(&cfg, "a.example", "", NULL), "r.example"), "no bounce route: bounces follow the domain");
	ctl_free(&cfg);
}

/* SPEC 4 (revised): authsenders; "!@" (qmtproutes, then smtproutes); then
 * level by level, qmtproutes first only within a level. */
static void
test_route_precedence(void)
{
	static const struct {
		const char *qmtp, *smtp, *auth, *host, *sender, *relay, *file;
	} cases[] = {
		/* issue 16 item 15: qmtproutes' catch-all no longer beats these */
		{ ":q.relay\n", "!@:bounce.relay\n", NULL, "x.example", "", "bounce.relay", "smtproutes" },
		{ ":q.relay\n", "exact.example:s.relay;587|u|p\n", NULL, "exact.example", "a@b", "s.relay", "smtproutes" },
		{ ":q.relay\n", "exact.example:s.relay\n", NULL, "other.example", "a@b", "q.relay", "qmtproutes" },
		{ ".example:q.relay\n", "a.example:s.relay\n", NULL, "a.example", "a@b", "s.relay", "smtproutes" },
		{ ".example:q.relay\n", "a.example:s.relay\n", NULL, "b.example", "a@b", "q.relay", "qmtproutes" },
		{ ".example:q.relay\n", ".sub.example:s.relay\n", NULL, "x.sub.example", "a@b", "s.relay", "smtproutes" },
		{ ".sub.example:q.relay\n", ".example:s.relay\n", NULL, "x.sub.example", "a@b", "q.relay", "qmtproutes" },
		{ "a.example:\n", ":s.relay\n", NULL, "a.example", "a@b", "", "qmtproutes" },
		/* one level: qmtproutes first */
		{ "a.example:q.relay\n", "a.example:s.relay\n", NULL, "a.example", "a@b", "q.relay", "qmtproutes" },
		{ ".example:q.relay\n", ".example:s.relay\n", NULL, "a.example", "a@b", "q.relay", "qmtproutes" },
		{ ":q.relay\n", ":s.relay\n", NULL, "a.example", "a@b", "q.relay", "qmtproutes" },
		{ "!@:qb.relay\n", "!@:sb.relay\n", NULL, "a.example", "", "qb.relay", "qmtproutes" },
		/* "!@" beats every level, in either file */
		{ "!@:qb.relay\n", "a.example:s.relay\n", NULL, "a.example", "", "qb.relay", "qmtproutes" },
		{ "a.example:q.relay\n", "!@:sb.relay\n", NULL, "a.example", "", "sb.relay", "smtproutes" },
		{ "!@:qb.relay\n", "a.example:s.relay\n", NULL, "a.example", "a@b", "s.relay", "smtproutes" },
		/* authsenders first, for every host */
		{ "a.example:q.relay\n", "!@:sb.relay\n", ":auth.relay\n", "a.example", "", "auth.relay", "authsenders" },
		{ "a.example:q.relay\n", "", "a@b:auth.relay\n", "a.example", "a@b", "auth.relay", "authsenders" },
		{ "a.example:q.relay\n", "", "a@b:auth.relay\n", "a.example", "c@b", "q.relay", "qmtproutes" },
		/* the same key twice in one file: the later line */
		{ "a.example:q1.relay\na.example:q2.relay\n", "", NULL, "a.example", "a@b", "q2.relay", "qmtproutes" },
		{ "", "!@:s1.relay\n!@:s2.relay\n", NULL, "a.example", "", "s2.relay", "smtproutes" },
		{ "", "", NULL, "a.example", "a@b", "(none)", "(none)" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
		struct config cfg;
		struct ctl_error err;
		const char *relay, *file;

		ctl_init(&cfg);
		CHECK(text(&cfg, "qmtproutes", cases[i].qmtp, &err) == 0 && text(&cfg, "smtproutes", cases[i].smtp, &err) == 0
		    && (!cases[i].auth || text(&cfg, "authsenders", cases[i].auth, &err) == 0),
		    "precedence %zu: %s line %u %s", i, err.file, err.line, err.why);
		relay = route_of(&cfg, cases[i].host, cases[i].sender, &file);
		CHECK(streq(relay, cases[i].relay) && streq(file, cases[i].file),
		    "precedence %zu (%s from %s): %s from %s, want %s from %s", i, cases[i].host, S(cases[i].sender),
		    relay, file, cases[i].relay, cases[i].file);
		ctl_free(&cfg);
	}
}

static void
test_authsender_lookup(void)
{
	static const char lines[] =
	    "joe@example.com:exact.example;587|u|p\n"
	    "@example.com:at.example;587|u|p\n"
	    "other.org:plain.example;587|u|p\n"
	    ":every.example\n"
	    "@other.org:later.example\n";
	static const struct {
		const char *sender, *relay;
	} cases[] = {
		{ "joe@example.com", "exact.example" },
		{ "joe@EXAMPLE.com", "exact.example" },	/* domain part without case */
		{ "Joe@example.com", "at.example" },	/* local part exact */
		{ "ann@example.com", "at.example" },
		{ "x@other.org", "later.example" },	/* "domain" and "@domain": one key, the later line */
		{ "x@sub.other.org", "every.example" },
		{ "", "every.example" },
		{ NULL, "every.example" },
		{ "noat", "every.example" },
	};
	struct config cfg;
	struct ctl_error err;
	size_t i;

	ctl_init(&cfg);
	CHECK(text(&cfg, "authsenders", lines, &err) == 0, "authsenders: %s", err.why);
	for (i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
		const struct route *r = authsender(&cfg, cases[i].sender);
		CHECK(r && streq(r->relay, cases[i].relay), "authsender(%s) = %s, want %s",
		    S(cases[i].sender), relay_of(r), cases[i].relay);
	}
	ctl_free(&cfg);

	ctl_init(&cfg);
	CHECK(text(&cfg, "authsenders", "a@example.com:r.example\n", &err) == 0, "authsenders 2");
	CHECK(authsender(&cfg, "b@example.com") == NULL, "authsender: no match -> NULL");
	CHECK(authsender(&cfg, "") == NULL, "authsender: bounce, no \"\" line -> NULL");
	ctl_free(&cfg);
}

/* The look-ups take names in their one form and only compare: a name with
 * no one form (NULL, or NAME_NONE: empty, no A-labels) matches the
 * catch-all lines and nothing else, and an address the address keys. */
static void
test_names_asked(void)
{
	struct config cfg;
	struct ctl_error err;
	struct ctl_route_choice rc;
	struct name none;
	const struct ctl_tlsdest *d;
	const struct route *r;

	(void)name_form("b\xff.example", &none, NULL);
	CHECK(none.kind == NAME_NONE, "no one form");
	ctl_init(&cfg);
	CHECK(text(&cfg, "smtproutes", "b.example:exact.relay\n.example:suffix.relay\n:all.relay\n", &err) == 0
	    && text(&cfg, "authsenders", "@b.example:auth.relay\n", &err) == 0
	    && text(&cfg, "domainips", "b.example:192.0.2.1\n*:192.0.2.2\n", &err) == 0
	    && text(&cfg, "tlsdestinations", "b.example:/ca-b\n.example:/ca-suffix\n192.0.2.7:/ca-ip\n", &err) == 0,
	    "names asked: %s line %u %s", err.file, err.line, err.why);
	ctl_route(&cfg, NULL, "a@b.example", NULL, &rc);
	CHECK(rc.route && streq(rc.route->relay, "all.relay"), "route: no name: the catch-all");
	ctl_route(&cfg, &none, "a@b.example", &none, &rc);
	CHECK(rc.route && streq(rc.route->relay, "all.relay"), "route: NAME_NONE: the catch-all");
	ctl_route(&cfg, N("192.0.2.7"), "a@x.example", SD("a@x.example"), &rc);
	CHECK(rc.route && streq(rc.route->relay, "all.relay"), "route: an address is no name under .example");
	r = ctl_authsender(&cfg, "a@b.example", NULL);
	CHECK(r == NULL, "authsender: the domain not given, no domain line");
	r = ctl_authsender(&cfg, "a@b.example", N("b.example"));
	CHECK(r && streq(r->relay, "auth.relay"), "authsender: the domain given");
	CHECK(ctl_domainip(&cfg, NULL) && streq(ctl_domainip(&cfg, NULL)->domain, "*"), "domainip: no name: '*'");
	CHECK(ctl_domainip(&cfg, &none) && streq(ctl_domainip(&cfg, &none)->domain, "*"), "domainip: NAME_NONE: '*'");
	CHECK(ctl_domainip(&cfg, N("192.0.2.1")) && streq(ctl_domainip(&cfg, N("192.0.2.1"))->domain, "*"),
	    "domainip: an address: '*'");
	CHECK(ctl_tlsdest(&cfg, NULL, NULL) == NULL && ctl_tlsdest(&cfg, &none, &none) == NULL,
	    "tlsdest: no name: no line (tls_default)");
	d = ctl_tlsdest(&cfg, N("[::ffff:192.0.2.7]"), NULL);
	CHECK(d && streq(d->cafile, "/ca-ip"), "tlsdest: an address as an address");
	d = ctl_tlsdest(&cfg, N("B.Example."), NULL);
	CHECK(d && streq(d->cafile, "/ca-b"), "tlsdest: exact, in its one form");
	ctl_free(&cfg);
}

static void
test_domain_lookups(void)
{
	struct config cfg;
	struct ctl_error err;
	const struct ctl_domainip *d;
	const struct ctl_domaincert *c;

	ctl_init(&cfg);
	CHECK(text(&cfg, "domainips", "*:192.0.2.1\nexample.com:192.0.2.3\nexample.com:192.0.2.2|helo.example.com\n", &err) == 0,
	    "domainips: %s", err.why);
	d = ctl_domainip(&cfg, N("example.com"));
	CHECK(d && streq(ipstr(&d->localip), "192.0.2.2") && streq(d->helohost, "helo.example.com"), "domainip exact, later line");
	d = ctl_domainip(&cfg, N("EXAMPLE.com."));
	CHECK(d && streq(ipstr(&d->localip), "192.0.2.2"), "domainip exact, case, trailing dot");
	d = ctl_domainip(&cfg, N("sub.example.com"));
	CHECK(d && streq(ipstr(&d->localip), "192.0.2.1"), "domainip wildcard for a subdomain");
	d = ctl_domainip(&cfg, N(""));
	CHECK(d && streq(d->domain, "*"), "domainip wildcard for a bounce");
	d = ctl_domainip(&cfg, N(NULL));
	CHECK(d && streq(d->domain, "*"), "domainip wildcard for NULL");

	CHECK(text(&cfg, "domaincerts", "example.com:/c1\n*:/c2|/k2\n", &err) == 0, "domaincerts: %s", err.why);
	c = ctl_domaincert(&cfg, N("example.com"));
	CHECK(c && streq(c->certfile, "/c1"), "domaincert exact");
	c = ctl_domaincert(&cfg, N("other.example"));
	CHECK(c && streq(c->certfile, "/c2") && streq(c->keyfile, "/k2"), "domaincert default");
	ctl_free(&cfg);

	ctl_init(&cfg);
	CHECK(text(&cfg, "domainips", "example.com:192.0.2.2\n", &err) == 0, "domainips 2");
	CHECK(ctl_domainip(&cfg, N("other.example")) == NULL, "domainip: none");
	CHECK(ctl_domaincert(&cfg, N("other.example")) == NULL, "domaincert: none");
	ctl_free(&cfg);
}

/* issue 16 items 3 and 16: one destination however written */
static void
test_key_forms(void)
{
	static const char routes[] =
	    "192.0.2.7:v4.relay\n"
	    "[IPv6:2001:DB8::25]:v6.relay\n"
	    "[::ffff:192.0.2.8]:mapped.relay\n"
	    "Partner.Example.:partner.relay\n"
	    ".Sub.Example.:sub.relay\n";
	static const struct {
		const char *host, *relay;
	} rcases[] = {
		{ "[192.0.2.7]", "v4.relay" }, { "192.0.2.7", "v4.relay" }, { "[::ffff:192.0.2.7]", "v4.relay" },
		{ "[IPv6:::ffff:192.0.2.7]", "v4.relay" },
		{ "[2001:db8::25]", "v6.relay" }, { "[IPv6:2001:db8:0:0::25]", "v6.relay" }, { "2001:DB8::25", "v6.relay" },
		{ "[192.0.2.8]", "mapped.relay" }, { "192.0.2.8", "mapped.relay" },
		{ "partner.example", "partner.relay" }, { "PARTNER.example.", "partner.relay" },
		{ "a.sub.example.", "sub.relay" }, { "sub.example", "(none)" },
		{ "[192.0.2.9]", "(none)" },			/* an address never matches a ".suffix" */
		{ "[2001:db8::26]", "(none)" }, { "[192.0.2.7", "(none)" },
		{ "partner.example..", "(none)" },
	};
	static const char tlsd[] =
	    "[2001:db8::25]:/ca-v6\n"
	    "[192.0.2.7]:/ca-v4\n"
	    "192.0.2.8:/ca-bare\n"
	    "Partner.Example.:/ca-partner\n"
	    "%[::ffff:192.0.2.9]:=" FP40 "\n";
	static const struct {
		const char *host, *cafile;
	} tcases[] = {
		{ "2001:db8::25", "/ca-v6" }, { "[IPv6:2001:DB8::25]", "/ca-v6" }, { "[2001:db8:0::25]", "/ca-v6" },
		{ "192.0.2.7", "/ca-v4" }, { "[::ffff:192.0.2.7]", "/ca-v4" }, { "::ffff:192.0.2.7", "/ca-v4" },
		{ "[192.0.2.8]", "/ca-bare" }, { "partner.example.", "/ca-partner" }, { "Partner.Example", "/ca-partner" },
		{ "[192.0.2.10]", NULL }, { "x.partner.example", NULL },
	};
	struct config cfg;
	struct ctl_error err;
	const struct ctl_tlsdest *d;
	size_t i;

	ctl_init(&cfg);
	CHECK(text(&cfg, "smtproutes", routes, &err) == 0, "smtproutes key forms: line %u %s", err.line, err.why);
	expect_error("smtproutes", "a.example:r\n.7:r\n", 2, "bad domain");	/* a suffix of an address? no */
	CHECK(cfg.smtproutes_count == 5 && cfg.smtproutes[0].domain_is_ip && cfg.smtproutes[1].domain_is_ip
	    && cfg.smtproutes[2].domain_is_ip && cfg.smtproutes[2].domain_ip.af == AF_INET
	    && streq(ipstr(&cfg.smtproutes[2].domain_ip), "192.0.2.8") && !cfg.smtproutes[3].domain_is_ip
	    && streq(cfg.smtproutes[3].domain, "partner.example") && streq(cfg.smtproutes[4].domain, ".sub.example"),
	    "route keys normalised");
	for (i = 0; i < sizeof rcases / sizeof rcases[0]; ++i) {
		const char *relay = route_of(&cfg, rcases[i].host, "a@b", NULL);
		CHECK(streq(relay, rcases[i].relay), "key forms: route(%s) = %s, want %s", rcases[i].host, relay, rcases[i].relay);
	}
	CHECK(text(&cfg, "tlsdestinations", tlsd, &err) == 0, "tlsdestinations key forms: line %u %s", err.line, err.why);
	for (i = 0; i < sizeof tcases / sizeof tcases[0]; ++i) {
		d = ctl_tlsdest(&cfg, N(tcases[i].host), N(NULL));
		CHECK(tcases[i].cafile ? d && streq(d->cafile, tcases[i].cafile) : d == NULL,
		    "key forms: tlsdest(%s) = %s, want %s", tcases[i].host, d ? S(d->cafile) : "(none)", S(tcases[i].cafile));
	}
	d = ctl_tlsdest(&cfg, N("192.0.2.9"), N(NULL));
	CHECK(d && d->prefix == '%' && d->dest_is_ip, "key forms: a pinned v4-mapped address");
	ctl_free(&cfg);
}

/* issue 16 item 14: UTF-8 keys are A-label keys, matched at their own level */
static void
test_utf8_keys(void)
{
	struct config cfg;
	struct ctl_error err;
	const struct ctl_tlsdest *d;
	const struct ctl_domainip *di;
	const struct route *r;
	unsigned long calls;

	/* ASCII keys (xn-- ones included) never load libidn2 */
	calls = idn_library_calls;
	ctl_init(&cfg);
	CHECK(text(&cfg, "smtproutes", "xn--bcher-kva.example:r1\n.example:r2\n:r3\n", &err) == 0
	    && text(&cfg, "tlsdestinations", "=xn--bcher-kva.example:/ca\n", &err) == 0
	    && text(&cfg, "authsenders", "joe@example.com:r\n", &err) == 0, "ascii keys: %s", err.why);
	CHECK(streq(route_of(&cfg, "xn--bcher-kva.example", "a@example.com", NULL), "r1"), "A-label key, A-label host");
	(void)ctl_tlsdest(&cfg, N("xn--bcher-kva.example"), N("example.com"));
	(void)authsender(&cfg, "joe@example.com");
	CHECK(idn_library_calls == calls, "ASCII keys and queries: %lu libidn2 calls", idn_library_calls - calls);
	ctl_free(&cfg);

	ctl_init(&cfg);
	CHECK(text(&cfg, "smtproutes", "b\xc3\xbc" "cher.example:r1\n:r2\n.B\xc3\x9c" "CHER.example.:r3\n", &err) == 0,
	    "utf8 smtproutes: line %u %s", err.line, err.why);
	CHECK(idn_library_calls > calls, "a UTF-8 key calls libidn2");
	CHECK(cfg.smtproutes_count == 3 && streq(cfg.smtproutes[0].domain, "xn--bcher-kva.example")
	    && streq(cfg.smtproutes[2].domain, ".xn--bcher-kva.example"), "UTF-8 route keys in A-labels: '%s' '%s'",
	    cfg.smtproutes_count ? cfg.smtproutes[0].domain : "", cfg.smtproutes_count > 2 ? cfg.smtproutes[2].domain : "");
	CHECK(streq(route_of(&cfg, "xn--bcher-kva.example", "a@b", NULL), "r1"), "UTF-8 exact line beats the catch-all");
	CHECK(streq(route_of(&cfg, "b\xc3\xbc" "cher.example.", "a@b", NULL), "r1"), "UTF-8 query, UTF-8 key");
	CHECK(streq(route_of(&cfg, "mx.xn--bcher-kva.example", "a@b", NULL), "r3"), "UTF-8 suffix key");
	CHECK(text(&cfg, "tlsdestinations", "=b\xc3\xbc" "cher.example:/partner-ca\n.example:\n"
	    "x.example:;|b\xc3\xbc" "cher.example\n", &err) == 0, "utf8 tlsdestinations: line %u %s", err.line, err.why);
	d = ctl_tlsdest(&cfg, N("xn--bcher-kva.example"), N(NULL));
	CHECK(d && d->prefix == '=' && streq(d->cafile, "/partner-ca") && streq(d->dest, "xn--bcher-kva.example"),
	    "UTF-8 exact tlsdestinations line beats an A-label suffix line");
	d = ctl_tlsdest(&cfg, N("x.example"), N("xn--bcher-kva.example"));
	CHECK(d && d->line == 3, "UTF-8 |domain binding, A-label sender domain");
	d = ctl_tlsdest(&cfg, N("x.example"), N("B\xc3\x9c" "cher.example"));
	CHECK(d && d->line == 3, "UTF-8 |domain binding, UTF-8 sender domain");
	d = ctl_tlsdest(&cfg, N("x.example"), N("other.example"));
	CHECK(d && d->line == 2, "other sender: the suffix line");
	CHECK(text(&cfg, "authsenders", "j\xc3\xbcrgen@b\xc3\xbc" "cher.example:r-auth\n", &err) == 0
	    && streq(cfg.authsenders[0].sender, "j\xc3\xbcrgen@xn--bcher-kva.example"), "UTF-8 authsenders key '%s'",
	    cfg.authsenders_count ? cfg.authsenders[0].sender : "");
	r = authsender(&cfg, "j\xc3\xbcrgen@xn--bcher-kva.example");
	CHECK(r && streq(r->relay, "r-auth"), "authsender, A-label sender domain");
	r = authsender(&cfg, "j\xc3\xbcrgen@b\xc3\xbc" "cher.example");
	CHECK(r && streq(r->relay, "r-auth"), "authsender, UTF-8 sender domain");
	CHECK(authsender(&cfg, "J\xc3\xbcrgen@b\xc3\xbc" "cher.example") == NULL, "authsender: local part exact");
	CHECK(text(&cfg, "domainips", ".b\xc3\xbc" "cher.example:192.0.2.5\n", &err) == 0, "utf8 domainips");
	di = ctl_domainip(&cfg, N("mail.xn--bcher-kva.example"));
	CHECK(di && streq(ipstr(&di->localip), "192.0.2.5"), "UTF-8 domainips suffix");
	ctl_free(&cfg);

	/* no A-label form: a malformed line, naming file and line */
	ctl_init(&cfg);
	CHECK(text(&cfg, "smtproutes", "a.example:r\nb\xff" "cher.example:r\n", &err) == -1 && err.line == 2
	    && streq(err.file, "smtproutes") && strncmp(err.why, "no A-label form: ", 17) == 0,
	    "bad UTF-8 route key: line %u '%s'", err.line, err.why);
	ctl_free(&cfg);
	ctl_init(&cfg);
	CHECK(text(&cfg, "tlsdestinations", "*:\n=\xe2\x98\x83.example:\n", &err) == -1 && err.line == 2
	    && strncmp(err.why, "no A-label form: ", 17) == 0, "bad UTF-8 tlsdestinations key: line %u '%s'",
	    err.line, err.why);
	ctl_free(&cfg);
}

/* issue 16 item 20: the later of two lines with one key; s/qmail's ".suffix"
 * lines in authsenders, domainips and domaincerts */
static void
test_compat_lookups(void)
{
	struct config cfg;
	struct ctl_error err;
	const struct ctl_tlsdest *d;
	const struct ctl_domainip *di;
	const struct ctl_domaincert *dc;
	const struct route *r;
	static const struct {
		const char *sender, *relay;
	} acases[] = {
		{ "x@a.example.com", "suffix.relay" }, { "x@b.sub.example.com", "sub.relay" },
		{ "x@example.com", "at.relay" }, { "joe@a.example.com", "joe.relay" },
		{ "Joe@a.example.com", "suffix.relay" }, { "x@other.org", "all.relay" }, { "", "all.relay" },
		{ "x@A.EXAMPLE.COM.", "suffix.relay" },
	};
	size_t i;

	ctl_init(&cfg);
	CHECK(text(&cfg, "authsenders", ".example.com:suffix.relay\n@example.com:at.relay\n:all.relay\n"
	    ".sub.example.com:sub.relay\njoe@a.example.com:joe.relay\n", &err) == 0, "authsenders suffixes: %s", err.why);
	for (i = 0; i < sizeof acases / sizeof acases[0]; ++i) {
		r = authsender(&cfg, acases[i].sender);
		CHECK(r && streq(r->relay, acases[i].relay), "authsender(%s) = %s, want %s", acases[i].sender,
		    relay_of(r), acases[i].relay);
	}
	CHECK(text(&cfg, "authsenders", "joe@example.com:one.relay\njoe@example.com:two.relay\n", &err) == 0,
	    "authsenders twice");
	r = authsender(&cfg, "joe@example.com");
	CHECK(r && streq(r->relay, "two.relay"), "authsenders: the later line, %s", relay_of(r));
	ctl_free(&cfg);

	ctl_init(&cfg);
	CHECK(text(&cfg, "domainips", ".example.com:192.0.2.1\n*:192.0.2.9\nexample.com:192.0.2.2\n"
	    ".sub.example.com:192.0.2.3\n*:192.0.2.8\n", &err) == 0, "domainips suffixes: %s", err.why);
	di = ctl_domainip(&cfg, N("a.example.com"));
	CHECK(di && streq(ipstr(&di->localip), "192.0.2.1"), "domainips .suffix");
	di = ctl_domainip(&cfg, N("a.sub.example.com"));
	CHECK(di && streq(ipstr(&di->localip), "192.0.2.3"), "domainips longest .suffix");
	di = ctl_domainip(&cfg, N("example.com"));
	CHECK(di && streq(ipstr(&di->localip), "192.0.2.2"), "domainips exact beats suffix");
	di = ctl_domainip(&cfg, N("other.org"));
	CHECK(di && streq(ipstr(&di->localip), "192.0.2.8"), "domainips: the later '*' line");
	CHECK(text(&cfg, "domaincerts", ".example.com:/c-suffix\nexample.com:/c1\nexample.com:/c2\n*:/c-all\n", &err) == 0,
	    "domaincerts: %s", err.why);
	dc = ctl_domaincert(&cfg, N("mail.example.com"));
	CHECK(dc && streq(dc->certfile, "/c-suffix"), "domaincerts .suffix");
	dc = ctl_domaincert(&cfg, N("example.com"));
	CHECK(dc && streq(dc->certfile, "/c2"), "domaincerts: the later line");
	dc = ctl_domaincert(&cfg, N(""));
	CHECK(dc && streq(dc->certfile, "/c-all"), "domaincerts: a bounce gets '*'");
	ctl_free(&cfg);

	ctl_init(&cfg);
	CHECK(text(&cfg, "tlsdestinations", "x.example:/ca1\nx.example:/ca2\ny.example:/ca-bound;|s.example\n"
	    "y.example:/ca-unbound\ny.example:/ca-bound2;|s.example\n", &err) == 0, "tlsdestinations twice");
	d = ctl_tlsdest(&cfg, N("x.example"), N(NULL));
	CHECK(d && streq(d->cafile, "/ca2"), "tlsdestinations: the later line");
	d = ctl_tlsdest(&cfg, N("y.example"), N("s.example"));
	CHECK(d && streq(d->cafile, "/ca-bound2"), "tlsdestinations: the later bound line");
	d = ctl_tlsdest(&cfg, N("y.example"), N("t.example"));
	CHECK(d && streq(d->cafile, "/ca-unbound"), "tlsdestinations: the unbound line for other senders");
	ctl_free(&cfg);

	ctl_init(&cfg);
	CHECK(text(&cfg, "tlsclientciphers", "# netqmail joins the lines\nECDHE-ECDSA-AES128-GCM-SHA256 \n\n"
	    "AES128-SHA\n@SECLEVEL=1\n", &err) == 0 && streq(cfg.tlsclientciphers,
	    "ECDHE-ECDSA-AES128-GCM-SHA256:AES128-SHA:@SECLEVEL=1"), "tlsclientciphers joined: '%s'",
	    S(cfg.tlsclientciphers));
	CHECK(text(&cfg, "tlsclientciphers", "# only a comment\n", &err) == 0, "tlsclientciphers comment only");
	ctl_free(&cfg);
	ctl_init(&cfg);
	CHECK(text(&cfg, "tlsclientciphers", "HIGH\n", &err) == 0 && streq(cfg.tlsclientciphers, "HIGH"),
	    "tlsclientciphers one line");
	ctl_free(&cfg);
}

static void
test_tls_files(void)
{
	static const char lines[] =
	    "*:\n"
	    "/:\n"
	    "+*:\n"
	    "mx.partner.com:/etc/ssl/generic\n"
	    "mx.partner.com:/etc/ssl/partnerca||2;|mx.mydomain.net\n"
	    ".example.com:/ca-sub\n"
	    "example.com:/ca-exact\n"
	    ".com:/ca-com\n"
	    "only.bound.org:/ca-bound;|a.example\n"
	    "only.bound.org:/ca-bound-b;|b.example\n";
	static const struct {
		const char *host, *sender_domain, *cafile;
	} cases[] = {
		{ "mx.partner.com", "mx.mydomain.net", "/etc/ssl/partnerca" },	/* bound preferred */
		{ "mx.partner.com", "MX.MyDomain.NET", "/etc/ssl/partnerca" },
		{ "mx.partner.com", "other.net", "/etc/ssl/generic" },
		{ "mx.partner.com", NULL, "/etc/ssl/generic" },
		{ "example.com", "x.example", "/ca-exact" },
		{ "a.example.com", NULL, "/ca-sub" },
		{ "a.b.example.com", NULL, "/ca-sub" },
		{ "foo.com", NULL, "/ca-com" },
		{ "only.bound.org", "a.example", "/ca-bound" },
		{ "only.bound.org", "b.example", "/ca-bound-b" },
		{ "only.bound.org", "c.example", NULL },
		{ "only.bound.org", NULL, NULL },
		{ "nomatch.net", NULL, NULL },
	};
	struct config cfg;
	struct ctl_error err;
	size_t i;

	ctl_init(&cfg);
	CHECK(cfg.tls_default.verify == TLSV_NONE && !cfg.tls_default.mandatory && !cfg.has_tlsdestinations
	    && streq(cfg.tls_default.dest, ""), "tls default without the file");
	CHECK(text(&cfg, "tlsdestinations", lines, &err) == 0, "tlsdestinations: line %u %s", err.line, err.why);
	CHECK(cfg.has_tlsdestinations && cfg.tlsdests_count == 7, "tlsdests count %zu", cfg.tlsdests_count);
	CHECK(cfg.tls_default.mandatory && cfg.tls_default.no_tlsa && cfg.tls_default.verify == TLSV_CHAIN
	    && streq(cfg.tls_default.dest, "") && cfg.tls_default.line == 1, "tls default folded");
	for (i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
		const struct ctl_tlsdest *d = ctl_tlsdest(&cfg, N(cases[i].host), N(cases[i].sender_domain));
		CHECK(cases[i].cafile ? d && streq(d->cafile, cases[i].cafile) : d == NULL,
		    "tlsdest(%s, %s) = %s, want %s", cases[i].host, S(cases[i].sender_domain),
		    d ? S(d->cafile) : "(none)", S(cases[i].cafile));
	}
	ctl_free(&cfg);

	ctl_init(&cfg);
	CHECK(text(&cfg, "tlsdestinations", "-*:\n?:\n*:/ca|HIGH\n", &err) == 0, "tls defaults 2");
	CHECK(cfg.tls_default.mandatory && cfg.tls_default.allow_anon && cfg.tls_default.plain_retry
	    && streq(cfg.tls_default.cafile, "/ca") && streq(cfg.tls_default.ciphers, "HIGH")
	    && cfg.tlsdests_count == 0, "tls defaults 2 folded");
	ctl_free(&cfg);

	ctl_init(&cfg);
	CHECK(text(&cfg, "tlsdestinations", "# nothing\n", &err) == 0 && cfg.has_tlsdestinations
	    && !cfg.tls_default.mandatory, "empty tlsdestinations");
	ctl_free(&cfg);

	expect_error("tlsdestinations", "*:/ca1\n+*:/ca2\n", 2, "conflicts with an earlier default line");
	expect_error("tlsdestinations", "*:||3\n\n=*:||4\n", 3, "conflicts with an earlier default line");
	expect_error("tlsdestinations", "x.example:\n%y.example:\n", 2, "'%' needs =fingerprint");
}

static void
test_text_files(void)
{
	struct config cfg;
	struct ctl_error err;

	ctl_init(&cfg);
	CHECK(text(&cfg, "me", "# name\n\nmail.example.com \t\r\nsecond.line\n", &err) == 0
	    && streq(cfg.me, "mail.example.com"), "me: first significant line, trimmed: '%s'", S(cfg.me));
	CHECK(text(&cfg, "timeoutremote", "120\r\n", &err) == 0 && cfg.timeoutremote == 120, "timeoutremote 120");
	CHECK(text(&cfg, "timeoutdns", "0\n", &err) == 0 && cfg.timeoutdns == 0, "timeoutdns 0");
	CHECK(text(&cfg, "timeoutconnect", "604800", &err) == 0 && cfg.timeoutconnect == 604800, "timeoutconnect max");
	CHECK(text(&cfg, "ipme", "192.0.2.1\n# x\n2001:db8::1\n[192.0.2.2]\n", &err) == 0 && cfg.ipme_count == 3
	    && streq(ipstr(&cfg.ipme[1]), "2001:db8::1"), "ipme");
	CHECK(text(&cfg, "tlsstrictness", "2\n", &err) == 0 && cfg.tlsstrictness == 2, "tlsstrictness");
	CHECK(text(&cfg, "trustanchors", "/etc/ssl/certs/\n", &err) == 0 && streq(cfg.trustanchors, "/etc/ssl/certs/"), "trustanchors");
	CHECK(text(&cfg, "tlsclientciphers", "HIGH:!aNULL\n", &err) == 0 && streq(cfg.tlsclientciphers, "HIGH:!aNULL"), "tlsclientciphers");
	CHECK(text(&cfg, "clientcert", "/c.pem\n", &err) == 0 && streq(cfg.clientcert, "/c.pem"), "clientcert");
	CHECK(text(&cfg, "clientkey", "/k.pem\n", &err) == 0 && streq(cfg.clientkey, "/k.pem"), "clientkey");
	CHECK(text(&cfg, "smtproutes", "", &err) == 0 && cfg.smtproutes_count == 0, "empty smtproutes");
	CHECK(text(&cfg, "tlsrpt", "/run/tlsrpt/tlsrpt.sock\n", &err) == 0 && streq(cfg.tlsrpt, "/run/tlsrpt/tlsrpt.sock"),
	    "tlsrpt");
	CHECK(text(&cfg, "tlsrptsender", "# reportd's sender_address\ntlsrpt-noreply@example.net\n", &err) == 0 &&
	    streq(cfg.tlsrptsender, "tlsrpt-noreply@example.net"), "tlsrptsender");
	CHECK(ctl_parse_text(&cfg, "nosuchfile", "", 0, &err) == -1 && streq(err.why, "unknown control file"), "unknown name");
	ctl_free(&cfg);

	expect_error("timeoutremote", "abc\n", 1, "invalid number of seconds");
	expect_error("timeoutremote", "# c\n99999999999999999999\n", 2, "invalid number of seconds");
	expect_error("timeoutremote", " 120\n", 1, "invalid number of seconds");
	expect_error("timeoutremote", "-5\n", 1, "invalid number of seconds");
	expect_error("timeoutremote", "604801\n", 1, "invalid number of seconds");
	expect_error("timeoutconnect", "0\n", 1, "must be at least 1 second");
	expect_error("tlsstrictness", "3\n", 1, "must be 0, 1 or 2");
	expect_error("tlsstrictness", "01\n", 1, "must be 0, 1 or 2");
	expect_error("me", "my host\n", 1, "bad host name");
	expect_error("ipme", "192.0.2.1\n\n192.0.2.999\n", 3, "bad IP address");
	expect_error("smtproutes", "a:b\r\n#\r\nc:d:0\r\n", 3, "invalid port");
	expect_error_len("smtproutes", "a:b\nc:\0d\n", 9, 2, "NUL byte in line");
	expect_error("smtproutes", "a:b\n  # see: notes\n", 2, "bad domain");
	expect_error("authsenders", "\n\n\njoe@example.com:\n", 4, "missing relay");
	expect_error("domainips", "x.example:192.0.2.1%nosuchif0\n", 1, "no such interface");
	expect_error("domaincerts", "x.example\n", 1, "missing ':'");
	/* sun_path holds 108 bytes with the NUL: 107 fit, 108 do not */
	expect_error("tlsrpt", "run/tlsrpt.sock\n", 1, "must be an absolute path");
	{
		char path[200];

		memset(path, 'a', sizeof path);
		path[0] = '/';
		memcpy(path + 108, "\n", 2);
		expect_error("tlsrpt", path, 1, "socket path too long");
		memcpy(path + 107, "\n", 2);
		ctl_init(&cfg);
		CHECK(text(&cfg, "tlsrpt", path, &err) == 0 && strlen(cfg.tlsrpt) == 107, "tlsrpt: 107 bytes fit");
		ctl_free(&cfg);
	}
	expect_error("tlsrptsender", "tlsrpt\n", 1, "must be an address, local@domain");
	expect_error("tlsrptsender", "@example.net\n", 1, "must be an address, local@domain");
	expect_error("tlsrptsender", "tlsrpt@\n", 1, "must be an address, local@domain");
	expect_error("tlsrptsender", "a b@example.net\n", 1, "must be an address, local@domain");
}

/* ---- ctl_load on directories ---- */

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
put(const char *dir, const char *name, const char *content)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		CHECK(0, "cannot create %s: %s", path, strerror(errno));
		return;
	}
	fputs(content, f);
	fclose(f);
}

static void
sub(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (mkdir(path, 0755) != 0)
		CHECK(0, "mkdir %s: %s", path, strerror(errno));
}

static void
drop(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (remove(path) != 0)
		CHECK(0, "remove %s: %s", path, strerror(errno));
}

static char *
newdir(char *tmpl, size_t size)
{
	const char *t = getenv("TMPDIR");

	snprintf(tmpl, size, "%s/test_control.XXXXXX", t && *t ? t : "/tmp");
	return mkdtemp(tmpl);
}

static void
load_error(const char *dir, const char *file, unsigned line, const char *why_prefix)
{
	struct config cfg;
	struct ctl_error err;
	int rc = ctl_load(&cfg, dir, &err);

	CHECK(rc == -1 && streq(err.file, file) && err.line == line
	    && strncmp(err.why, why_prefix, strlen(why_prefix)) == 0,
	    "ctl_load: rc %d file '%s' line %u why '%s', want %s line %u '%s...'",
	    rc, err.file, err.line, err.why, file, line, why_prefix);
	CHECK(cfg.ctl_bufs == NULL && cfg.me == NULL, "ctl_load failure leaves cfg empty");
	if (rc == 0)
		ctl_free(&cfg);
}

static void
test_load(void)
{
	char dir[512], path[600];
	struct config cfg;
	struct ctl_error err;
	char *pem;
	int no_tls, rc, fd;

	if (!newdir(dir, sizeof dir)) {
		CHECK(0, "mkdtemp: %s", strerror(errno));
		return;
	}

	/* nothing at all */
	load_error(dir, "helohost", 0, "neither helohost nor me is set");
	snprintf(path, sizeof path, "%s/nonexistent", dir);
	load_error(path, "helohost", 0, "neither helohost nor me is set");

	/* me only: helohost falls back, the rest are defaults */
	put(dir, "me", "mail.example.com\n");
	rc = ctl_load(&cfg, dir, &err);
	CHECK(rc == 0, "ctl_load me only: %s %u %s", err.file, err.line, err.why);
	if (rc == 0) {
		CHECK(streq(cfg.me, "mail.example.com") && streq(cfg.helohost, "mail.example.com"), "helohost = me");
		CHECK(cfg.timeoutconnect == 60 && cfg.timeoutremote == 1200 && cfg.timeoutdns == 30, "timeout defaults");
		CHECK(cfg.tlsstrictness == -1 && !cfg.has_tlsdestinations && !cfg.tls_default.mandatory
		    && cfg.tls_default.verify == TLSV_NONE, "tls defaults");
		CHECK(cfg.smtproutes_count == 0 && cfg.ipme_count == 0 && !cfg.clientcert_pem
		    && !cfg.tlshosts_exhaustive && !cfg.trustanchors, "absent files");
		CHECK(streq(cfg.controldir, dir), "controldir");
		CHECK(streq(route_of(&cfg, "x.example", "a@b", NULL), "(none)"), "no routes");
		ctl_free(&cfg);
	}

	/* helohost only */
	drop(dir, "me");
	put(dir, "helohost", "helo.example.com\n");
	rc = ctl_load(&cfg, dir, &err);
	CHECK(rc == 0 && streq(cfg.helohost, "helo.example.com") && cfg.me == NULL, "helohost only");
	if (rc == 0)
		ctl_free(&cfg);
	put(dir, "me", "mail.example.com\n");

	/* a directory where a file should be */
	sub(dir, "smtproutes");
	load_error(dir, "smtproutes", 0, "unreadable: Is a directory");
	drop(dir, "smtproutes");

	/* a FIFO must not hang the delivery */
	snprintf(path, sizeof path, "%s/authsenders", dir);
	if (mkfifo(path, 0644) == 0) {
		load_error(dir, "authsenders", 0, "not a regular file");
		drop(dir, "authsenders");
	}

	/* unreadable: only meaningful when not root */
	if (geteuid() != 0) {
		put(dir, "timeoutremote", "10\n");
		snprintf(path, sizeof path, "%s/timeoutremote", dir);
		chmod(path, 0);
		load_error(dir, "timeoutremote", 0, "unreadable: Permission denied");
		drop(dir, "timeoutremote");
	}

	/* malformed line: file and line */
	put(dir, "smtproutes", "# routes\n\ninside.af.mil:firewall.af.mil:26\nx.example:relay:0\n");
	load_error(dir, "smtproutes", 4, "invalid port");
	put(dir, "smtproutes", "inside.af.mil:firewall.af.mil:26\n");
	put(dir, "timeoutconnect", "ten\n");
	load_error(dir, "timeoutconnect", 1, "invalid number of seconds");
	drop(dir, "timeoutconnect");
	put(dir, "tlsstrictness", "5\n");
	load_error(dir, "tlsstrictness", 1, "must be 0, 1 or 2");
	put(dir, "tlsstrictness", "1\n");

	/* too large: a sparse file */
	snprintf(path, sizeof path, "%s/qmtproutes", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		CHECK(ftruncate(fd, 17L * 1024 * 1024) == 0, "ftruncate");
		close(fd);
		load_error(dir, "qmtproutes", 0, "too large");
		drop(dir, "qmtproutes");
	}

	/* everything, compat files included */
	put(dir, "helohost", "helo.example.com\n");
	put(dir, "timeoutremote", "300\n");
	put(dir, "timeoutdns", "5\n");
	put(dir, "ipme", "192.0.2.1\n2001:db8::1\n");
	put(dir, "qmtproutes", "q.example:qmtp.example;6209\n");
	put(dir, "authsenders", "joe@example.com:relay.example;s587|joe|secret\n");
	put(dir, "domainips", "*:192.0.2.1|out.example.com\n");
	put(dir, "domaincerts", "*:/etc/ssl/client.pem\n");
	put(dir, "tlsdestinations", "*:\n~*:\n%pin.example:=" FP40 "\n");
	put(dir, "tlsclientciphers", "HIGH\n");
	put(dir, "trustanchors", "/etc/ssl/certs/\n");
	put(dir, "clientcert", "/etc/ssl/cc.pem\n");
	put(dir, "clientkey", "/etc/ssl/ck.pem\n");
	put(dir, "clientcert.pem", "");
	sub(dir, "tlshosts");
	sub(dir, "notlshosts");
	put(dir, "tlshosts/mx.example.com.pem", "");
	put(dir, "tlshosts/192.0.2.60.pem", "");
	put(dir, "tlshosts/2001:db8::60.pem", "");
	put(dir, "notlshosts/plain.example.com", "");
	rc = ctl_load(&cfg, dir, &err);
	CHECK(rc == 0, "ctl_load full: %s %u %s", err.file, err.line, err.why);
	if (rc == 0) {
		const struct route *r;
		CHECK(streq(cfg.me, "mail.example.com") && streq(cfg.helohost, "helo.example.com"), "me and helohost");
		CHECK(cfg.timeoutremote == 300 && cfg.timeoutdns == 5 && cfg.timeoutconnect == 60, "timeouts");
		CHECK(cfg.ipme_count == 2, "ipme count");
		CHECK(cfg.smtproutes_count == 1 && cfg.qmtproutes_count == 1 && cfg.authsenders_count == 1, "route counts");
		r = authsender(&cfg, "joe@example.com");
		CHECK(r && r->smtps && r->port == 587 && streq(r->password, "secret"), "authsender loaded");
		CHECK(cfg.has_tlsdestinations && cfg.tls_default.mandatory && cfg.tls_default.verify == TLSV_NAME_WILD
		    && cfg.tlsdests_count == 1, "tlsdestinations loaded");
		CHECK(streq(cfg.tlsclientciphers, "HIGH") && streq(cfg.trustanchors, "/etc/ssl/certs/")
		    && streq(cfg.clientcert, "/etc/ssl/cc.pem") && streq(cfg.clientkey, "/etc/ssl/ck.pem")
		    && cfg.tlsstrictness == 1, "compat text files");
		snprintf(path, sizeof path, "%s/clientcert.pem", dir);
		CHECK(streq(cfg.clientcert_pem, path), "clientcert.pem path '%s'", S(cfg.clientcert_pem));
		CHECK(!cfg.tlshosts_exhaustive, "no exhaustivelist");

		rc = ctl_tlshost(&cfg, "mx.example.com", &pem, &no_tls);
		snprintf(path, sizeof path, "%s/tlshosts/mx.example.com.pem", dir);
		CHECK(rc == 1 && streq(pem, path) && no_tls == 0, "tlshost pem: %d %s", rc, S(pem));
		free(pem);
		rc = ctl_tlshost(&cfg, "MX.Example.COM", &pem, &no_tls);
		CHECK(rc == 1 && pem, "tlshost pem, upper case");
		free(pem);
		rc = ctl_tlshost(&cfg, "mx.example.com.", &pem, &no_tls);
		CHECK(rc == 1 && streq(pem, path), "tlshost pem, trailing dot: %d %s", rc, S(pem));
		free(pem);
		rc = ctl_tlshost(&cfg, "[::ffff:192.0.2.60]", &pem, &no_tls);
		snprintf(path, sizeof path, "%s/tlshosts/192.0.2.60.pem", dir);
		CHECK(rc == 1 && streq(pem, path), "tlshost pem, an address: %d %s", rc, S(pem));
		free(pem);
		rc = ctl_tlshost(&cfg, "2001:DB8::60", &pem, &no_tls);
		snprintf(path, sizeof path, "%s/tlshosts/2001:db8::60.pem", dir);
		CHECK(rc == 1 && streq(pem, path), "tlshost pem, an IPv6 address: %d %s", rc, S(pem));
		free(pem);
		rc = ctl_tlshost(&cfg, "plain.example.com", &pem, &no_tls);
		CHECK(rc == 0 && pem == NULL && no_tls == 1, "notlshosts");
		rc = ctl_tlshost(&cfg, "other.example.com", &pem, &no_tls);
		CHECK(rc == 0 && pem == NULL && no_tls == 0, "neither");
		rc = ctl_tlshost(&cfg, "../tlshosts/mx.example.com", &pem, &no_tls);
		CHECK(rc == 0 && pem == NULL && no_tls == 0, "tlshost: '/' refused");
		rc = ctl_tlshost(&cfg, ".hidden", &pem, &no_tls);
		CHECK(rc == 0 && pem == NULL, "tlshost: leading dot refused");
		rc = ctl_tlshost(&cfg, "", &pem, &no_tls);
		CHECK(rc == 0 && pem == NULL, "tlshost: empty refused");
		rc = ctl_tlshost(&cfg, "a_b.example", &pem, &no_tls);
		CHECK(rc == 0 && pem == NULL, "tlshost: '_' refused");
		ctl_free(&cfg);
	}

	/* exhaustivelist: only hosts with a .pem get TLS */
	put(dir, "tlshosts/exhaustivelist", "");
	rc = ctl_load(&cfg, dir, &err);
	CHECK(rc == 0 && cfg.tlshosts_exhaustive, "exhaustivelist");
	if (rc == 0) {
		rc = ctl_tlshost(&cfg, "other.example.com", &pem, &no_tls);
		CHECK(rc == 0 && pem == NULL && no_tls == 1, "exhaustivelist: other host gets no TLS");
		rc = ctl_tlshost(&cfg, "mx.example.com", &pem, &no_tls);
		CHECK(rc == 1 && pem && no_tls == 0, "exhaustivelist: listed host");
		free(pem);
		ctl_free(&cfg);
	}

	/* a malformed line anywhere fails the whole load */
	put(dir, "tlsdestinations", "*:\n%pin.example:=nothex\n");
	load_error(dir, "tlsdestinations", 2, "bad fingerprint");

	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * A lack of memory is said as such (err.nomem), never by its words alone:
 * qmail-remote reports it as Z "Out of memory. (#4.3.0)". In a child with
 * its address space capped just above what it uses, a file's copy cannot
 * be made. Under a sanitizer the address space is the shadow's: skipped.
 */
static void
test_nomem(void)
{
#if defined(__SANITIZE_ADDRESS__)
	CHECK(1, "nomem: not under a sanitizer");
#else
	static struct config cfg;
	struct ctl_error err;
	size_t len = 8u << 20;
	int status = -1;
	pid_t pid;

	memset(&err, 0, sizeof err);
	CHECK(ctl_parse_text(&cfg, "smtproutes", "bad line\n", 9, &err) != 0 && !err.nomem,
	    "a bad line is not out of memory");
	pid = fork();
	if (pid == 0) {
		char *text = malloc(len);
		unsigned long pages = 0;
		FILE *f = fopen("/proc/self/statm", "r");
		struct rlimit lim;

		if (!text || !f || fscanf(f, "%lu", &pages) != 1)
			_exit(2);
		memset(text, 'x', len);
		lim.rlim_cur = lim.rlim_max = pages * (unsigned long)sysconf(_SC_PAGESIZE) + (2u << 20);
		if (setrlimit(RLIMIT_AS, &lim) != 0)
			_exit(3);
		ctl_init(&cfg);
		_exit(ctl_parse_text(&cfg, "me", text, len, &err) != 0 && err.nomem &&
		    strcmp(err.why, "out of memory") == 0 ? 0 : 1);
	}
	(void)waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "no memory for a file's copy: err.nomem (%d)",
	    status);
#endif
}

int
main(void)
{
	test_nomem();
	test_routes();
	test_authsenders();
	test_domainips();
	test_domaincerts();
	test_tlsdests();
	test_route_lookup();
	test_route_precedence();
	test_key_forms();
	test_utf8_keys();
	test_compat_lookups();
	test_authsender_lookup();
	test_domain_lookups();
	test_names_asked();
	test_tls_files();
	test_text_files();
	test_load();
	return check_done();
}
