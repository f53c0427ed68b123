/*
 * fuzz_control.c -- libFuzzer target for control.c, ctlgrammar.c,
 * ctllookup.c and name.c. The first byte picks what the rest is fed to:
 * byte % 8 = 0..5 one line to ctl_parse_route (SMTP, QMTP),
 * ctl_parse_authsender, ctl_parse_domainip, ctl_parse_domaincert or
 * ctl_parse_tlsdest; 6 and 7 a whole file, named
 * by (byte >> 3) % the number of files, through ctl_parse_text, followed by
 * every look-up (hosts and senders in every spelling: case, a trailing
 * dot, address forms, UTF-8, put in their one form by name_form() as
 * qmail-remote.c does), and name_form() of each of those names and of the
 * input's first line. Checks the invariants a caller relies on.
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Isubstdio \
 *   tests/fuzz/fuzz_control.c control.c ctlgrammar.c ctllookup.c name.c \
 *   idn.c ip.c str.c lazylib.c trace.c -ldl
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "control.h"
#include "idn.h"
#include "name.h"
#include "../unit/asked.h"

static const char *const files[] = {
	"smtproutes", "qmtproutes", "authsenders", "domainips", "domaincerts",
	"tlsdestinations", "ipme", "me", "helohost", "timeoutconnect",
	"timeoutremote", "timeoutdns", "tlsclientciphers", "trustanchors",
	"clientcert", "clientkey", "tlsstrictness",
};

static const char *const hosts[] = {
	"inside.af.mil", "x.af.mil", "af.mil", "example.com", "a.b.example.com",
	"mx.partner.com", "[192.0.2.1]", "!@", "", ".", "a..b", "Example.COM.", "x.af.mil..",
	"192.0.2.1", "[IPv6:2001:db8::25]", "2001:db8::25", "[::ffff:192.0.2.1]", "[1.2.3",
	"xn--bcher-kva.example", "b\xc3\xbc" "cher.example", "b\xff.example", "\xe2\x98\x83.",
};

static const char *const senders[] = {
	"", "joe@example.com", "Joe@EXAMPLE.com", "@", "@example.com", "noat", "a@", NULL,
	"joe@a.example.com.", "j\xc3\xbcrgen@b\xc3\xbc" "cher.example", "x@[192.0.2.1]",
};

#define NUM(a)	(sizeof (a) / sizeof (a)[0])

static void
check_route(const struct route *r, int qmtp)
{
	if (!r->relay || r->port > 65535)
		abort();
	if (r->password && !r->user)
		abort();
	if (r->relay[0] == '\0' && (r->port || r->user || r->relay_is_ip))
		abort();
	if (!qmtp && r->port == 465 && !r->smtps)
		abort();
	if (qmtp && r->user)
		abort();
}

static void
check_tlsdest(const struct ctl_tlsdest *d)
{
	if (!d->dest || d->port > 65535 || d->verify > TLSV_PIN)
		abort();
	if (d->fingerprint) {
		size_t n = strlen(d->fingerprint);
		if (n != 40 && n != 56 && n != 64 && n != 128)
			abort();
	}
	if (d->prefix == '%' && (!d->fingerprint || d->verify != TLSV_PIN))
		abort();
	if (d->no_starttls && (d->mandatory || d->smtps))
		abort();
}

static void
check_why(int rc, const char *why)
{
	if (rc != 0 && rc != -1)
		abort();
	if (rc == -1 && (!why || !*why))
		abort();
}

/* the route chosen is a line of the file named, and qmtp says which */
static void
check_choice(const struct config *cfg, const struct ctl_route_choice *rc)
{
	const struct ctl_routeline *rl = rc->qmtp ? cfg->qmtproutes : cfg->smtproutes;
	size_t n = rc->qmtp ? cfg->qmtproutes_count : cfg->smtproutes_count, i;

	if (!rc->route) {
		if (rc->file || rc->qmtp)
			abort();
		return;
	}
	check_route(rc->route, rc->qmtp);
	if (!rc->file || rc->qmtp != (strcmp(rc->file, "qmtproutes") == 0))
		abort();
	if (strcmp(rc->file, "authsenders") == 0) {
		for (i = 0; i < cfg->authsenders_count; ++i)
			if (rc->route == &cfg->authsenders[i].route)
				return;
		abort();
	}
	for (i = 0; i < n; ++i)
		if (rc->route == &rl[i].route)
			return;
	abort();
}

/* After a whole file: every name key is lower-case ASCII (A-labels), with
 * no trailing dot; address keys hold IPv4 or IPv6. */
static void
check_key(const char *k, int is_ip, const struct ip_address *ip)
{
	size_t n = strlen(k);
	const char *p;

	if (is_ip) {
		if (ip->af != AF_INET && ip->af != AF_INET6)
			abort();
		return;
	}
	if (n > 1 && k[n - 1] == '.' && strcmp(k, "!@") != 0)
		abort();
	for (p = k; *p; ++p)
		if ((unsigned char)*p >= 0x80 || (*p >= 'A' && *p <= 'Z'))
			abort();
}

static void
check_keys(const struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->smtproutes_count; ++i)
		check_key(cfg->smtproutes[i].domain, cfg->smtproutes[i].domain_is_ip, &cfg->smtproutes[i].domain_ip);
	for (i = 0; i < cfg->qmtproutes_count; ++i)
		check_key(cfg->qmtproutes[i].domain, cfg->qmtproutes[i].domain_is_ip, &cfg->qmtproutes[i].domain_ip);
	for (i = 0; i < cfg->domainips_count; ++i)
		check_key(cfg->domainips[i].domain, 0, NULL);
	for (i = 0; i < cfg->domaincerts_count; ++i)
		check_key(cfg->domaincerts[i].domain, 0, NULL);
	for (i = 0; i < cfg->authsenders_count; ++i) {
		const char *at = strrchr(cfg->authsenders[i].sender, '@');
		check_key(at ? at + 1 : cfg->authsenders[i].sender, 0, NULL);
	}
	for (i = 0; i < cfg->tlsdests_count; ++i) {
		check_key(cfg->tlsdests[i].dest, cfg->tlsdests[i].dest_is_ip, &cfg->tlsdests[i].dest_ip);
		if (cfg->tlsdests[i].sender_domain)
			check_key(cfg->tlsdests[i].sender_domain, 0, NULL);
	}
}

/* name_form() of s: a one form or a reason; ASCII, lower case; an
 * address compares as itself; the one form of the one form is itself */
static void
check_name_form(const char *s)
{
	static const unsigned char v4_mapped[12] = { [10] = 0xff, [11] = 0xff };
	struct name n, again;
	const char *why = NULL, *p;
	size_t len;
	int rc = name_form(s, &n, &why);

	if (rc != 0 && rc != -1 && rc != IDN_UNAVAILABLE)
		abort();
	if ((rc == 0) != (n.kind != NAME_NONE))
		abort();
	len = strnlen(n.text, sizeof n.text);
	if (len == sizeof n.text)
		abort();
	if (n.kind == NAME_NONE) {
		if (len != 0 || !why || !*why)
			abort();
		return;
	}
	for (p = n.text; *p; ++p)
		if ((unsigned char)*p >= 0x80 || (*p >= 'A' && *p <= 'Z'))
			abort();
	if (name_form(n.text, &again, NULL) != 0)
		abort();
	if (n.kind == NAME_ADDRESS) {
		if ((n.ip.af != AF_INET && n.ip.af != AF_INET6) || n.ip.scope_id != 0
		    || (n.ip.af == AF_INET6 && memcmp(n.ip.addr, v4_mapped, sizeof v4_mapped) == 0)
		    || again.kind != NAME_ADDRESS || !ip_equal(&again.ip, &n.ip)
		    || strcmp(again.text, n.text) != 0)
			abort();
	} else if (len == 0 || (n.text[len - 1] != '.' && again.kind == NAME_HOST
	    && strcmp(again.text, n.text) != 0)) {
		abort();
	}
}

static void
lookups(struct config *cfg, const char *extra)
{
	struct ctl_route_choice rc;
	const struct route *r;
	const struct ctl_tlsdest *d;
	size_t i, j;
	char *pem;
	int no_tls;

	for (i = 0; i <= NUM(hosts); ++i) {
		const char *h = i < NUM(hosts) ? hosts[i] : extra;
		check_name_form(h);
		for (j = 0; j <= NUM(senders); ++j) {
			const char *s = j < NUM(senders) ? senders[j] : extra;
			ctl_route(cfg, N(h), s, SD(s), &rc);
			check_choice(cfg, &rc);
			if ((d = ctl_tlsdest(cfg, N(h), N(s))))
				check_tlsdest(d);
		}
		if (ctl_tlshost(cfg, h, &pem, &no_tls) == 1)
			free(pem);
	}
	for (j = 0; j <= NUM(senders); ++j) {
		const char *s = j < NUM(senders) ? senders[j] : extra;
		check_name_form(s);
		if ((r = ctl_authsender(cfg, s, SD(s))))
			check_route(r, 0);
		(void)ctl_domainip(cfg, N(s));
		(void)ctl_domaincert(cfg, N(s));
	}
	check_tlsdest(&cfg->tls_default);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_routeline rl;
	struct ctl_authsender as;
	struct ctl_domainip di;
	struct ctl_domaincert dc;
	struct ctl_tlsdest td;
	struct ctl_error err;
	struct config cfg;
	const char *why = NULL;
	char *line, *nl;
	unsigned sel;
	int rc, is_default;

	if (size == 0)
		return 0;
	sel = data[0];
	++data;
	--size;
	line = malloc(size + 1);
	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';

	switch (sel % 8) {
	case 0:
	case 1:
		rc = ctl_parse_route(line, sel % 8, &rl, &why);
		check_why(rc, why);
		if (rc == 0)
			check_route(&rl.route, sel % 8);
		break;
	case 2:
		rc = ctl_parse_authsender(line, &as, &why);
		check_why(rc, why);
		if (rc == 0)
			check_route(&as.route, 0);
		break;
	case 3:
		rc = ctl_parse_domainip(line, &di, &why);
		check_why(rc, why);
		break;
	case 4:
		rc = ctl_parse_domaincert(line, &dc, &why);
		check_why(rc, why);
		if (rc == 0 && (!dc.certfile || !*dc.certfile))
			abort();
		break;
	case 5:
		rc = ctl_parse_tlsdest(line, &td, &is_default, &why);
		check_why(rc, why);
		if (rc == 0)
			check_tlsdest(&td);
		break;
	default:
		ctl_init(&cfg);
		cfg.controldir = "/nonexistent/fuzz_control";
		rc = ctl_parse_text(&cfg, files[(sel >> 3) % NUM(files)], (const char *)data, size, &err);
		if (rc != 0 && rc != -1)
			abort();
		if (rc == -1 && (!memchr(err.why, '\0', sizeof err.why) || !err.why[0]
		    || !memchr(err.file, '\0', sizeof err.file)))
			abort();
		if (rc == 0)
			check_keys(&cfg);
		/* the input's first line, up to ':', doubles as a host and a sender */
		if ((nl = strchr(line, '\n')))
			*nl = '\0';
		if ((nl = strchr(line, ':')))
			*nl = '\0';
		lookups(&cfg, line);
		ctl_free(&cfg);
		break;
	}
	free(line);
	return 0;
}
