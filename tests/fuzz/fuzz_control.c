/*
 * fuzz_control.c -- libFuzzer target for control.c. The first byte picks
 * what the rest is fed to: byte % 8 = 0..5 one line to ctl_parse_route
 * (SMTP, QMTP), ctl_parse_authsender, ctl_parse_domainip,
 * ctl_parse_domaincert or ctl_parse_tlsdest; 6 and 7 a whole file, named
 * by (byte >> 3) % the number of files, through ctl_parse_text, followed by
 * every look-up. Checks the invariants a caller relies on.
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -I. \
 *   tests/fuzz/fuzz_control.c control.c ip.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "control.h"

static const char *const files[] = {
	"smtproutes", "qmtproutes", "authsenders", "domainips", "domaincerts",
	"tlsdestinations", "ipme", "me", "helohost", "timeoutconnect",
	"timeoutremote", "timeoutdns", "tlsclientciphers", "trustanchors",
	"clientcert", "clientkey", "tlsstrictness",
};

static const char *const hosts[] = {
	"inside.af.mil", "x.af.mil", "af.mil", "example.com", "a.b.example.com",
	"mx.partner.com", "[192.0.2.1]", "!@", "", ".", "a..b",
};

static const char *const senders[] = {
	"", "joe@example.com", "Joe@EXAMPLE.com", "@", "@example.com", "noat", "a@", NULL,
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

static void
lookups(struct config *cfg, const char *extra)
{
	const struct route *r;
	const struct ctl_tlsdest *d;
	size_t i, j;
	char *pem;
	int no_tls;

	for (i = 0; i <= NUM(hosts); ++i) {
		const char *h = i < NUM(hosts) ? hosts[i] : extra;
		for (j = 0; j <= NUM(senders); ++j) {
			const char *s = j < NUM(senders) ? senders[j] : extra;
			if ((r = ctl_smtproute(cfg, h, s)))
				check_route(r, 0);
			if ((r = ctl_qmtproute(cfg, h, s)))
				check_route(r, 1);
			if ((d = ctl_tlsdest(cfg, h, s)))
				check_tlsdest(d);
		}
		if (ctl_tlshost(cfg, h, &pem, &no_tls) == 1)
			free(pem);
	}
	for (j = 0; j <= NUM(senders); ++j) {
		const char *s = j < NUM(senders) ? senders[j] : extra;
		if ((r = ctl_authsender(cfg, s)))
			check_route(r, 0);
		(void)ctl_domainip(cfg, s);
		(void)ctl_domaincert(cfg, s);
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
