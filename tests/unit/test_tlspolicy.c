/*
 * test_tlspolicy.c -- the one TLS decision (tlspolicy.c) as a table, in
 * the way of Postfix's smtp_tls_policy_test: every combination of the
 * tlsdestinations lines below (none, '*', '?', '/', '-', '+*', '=*',
 * '~*', '-*', '/' + '*', named, '=', '~', '-', '%', '/', '!', a cafile, SMTPS
 * and QMTPS ports, mixtures), netqmail's files (tlshosts/<mx>.pem,
 * notlshosts/<mx>, tlshosts/exhaustivelist), skarnet's tlsstrictness 2,
 * the route (MX, SMTPS, another port, QMTP, QMTPS), AUTH credentials,
 * DANE (an insecure peer, no records, a failed lookup, usable records,
 * usages 0/1 only, records OpenSSL takes none of) and MTA-STS (none,
 * testing and enforce, the peer listed or not): 62,400 decisions.
 *   - Each is checked against the rules SPEC 7, 8 and 12 state (the
 *     invariants below): a rule broken anywhere in the table fails.
 *   - The part of the table with one route and no credentials or
 *     compatibility files (and sweeps of those) is compared, line by
 *     line, with tests/unit/tlspolicy.ref: any change of a decision shows
 *     there. `test_tlspolicy --ref` prints the table to regenerate it.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "asked.h"
#include "check.h"
#include "tlspolicy.h"

#define REF_FILE	"tests/unit/tlspolicy.ref"

static const char *const LINES[][3] = {	/* tlsdestinations */
	{ NULL }, { "*:" }, { "?:" }, { "*:", "?:" }, { "/:" }, { "-:" }, { "+*:" }, { "+*:/ca/bundle.pem" },
	{ "=*:" }, { "~*:" }, { "-*:" }, { "/*:" }, { "example.org:" }, { "=example.org:" },
	{ "~example.org:" }, { "-example.org:" }, { "/example.org:" }, { "!example.org:" },
	{ "example.org:/ca/partner/" }, { "example.org:;465" }, { "example.org:;6209" },
	{ "%example.org:=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
	{ "+*:", "%example.org:=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
	{ "?:", "example.org:" }, { "/:", "/example.org:" }, { "other.org:" },
};
#define NLINES (sizeof LINES / sizeof LINES[0])
enum { C_NONE, C_PEM, C_NOTLS, C_EXHAUSTIVE, NCOMPAT };
static const char *const COMPAT[] = { "-", "tlshosts-pem", "notlshosts", "exhaustivelist" };
static const struct { unsigned port; int smtps, qmtp; const char *name; } ROUTES[] = {
	{ 25, 0, 0, "mx" }, { 465, 1, 0, "route-s465" }, { 587, 0, 0, "route-587" },
	{ 209, 0, 1, "qmtp" }, { 6209, 0, 1, "qmtp-6209" },
};
#define NROUTES (sizeof ROUTES / sizeof ROUTES[0])
enum { D_INSECURE, D_NONE, D_FAILED, D_USABLE, D_PKIX_ONLY, D_OPENSSL_NONE, NDANE };
static const char *const DANE[] = { "insecure-peer", "no-tlsa", "tlsa-failed", "tlsa-usable",
	"tlsa-pkix-only", "tlsa-openssl-none" };
enum { M_NONE, M_TESTING_LISTED, M_TESTING_UNLISTED, M_ENFORCE_LISTED, M_ENFORCE_UNLISTED, NSTS };
static const char *const STS[] = { "-", "testing", "testing-unlisted", "enforce", "enforce-unlisted" };
static const char *const LEVEL[] = { "never", "may", "encrypt", "verify", "name" };
static const char *const VERDICT[] = { "go", "want-tlsa", "skip-tlsa-failed", "skip-sts-unlisted", "broken" };

static struct dns_tlsa recs[2] = {
	{ 3, 1, 1, 32, (const unsigned char *)"0123456789abcdef0123456789abcdef" },
	{ 2, 0, 1, 32, (const unsigned char *)"fedcba9876543210fedcba9876543210" },
};

static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	(void)snprintf(path, sizeof path, "%s/%s", dir, name);
	if (!(f = fopen(path, "w")) || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* A control directory with lines l, compatibility file c and strictness s. */
static void
control(const char *top, size_t l, int c, int s, struct config *cfg)
{
	char dir[256], text[512], sub[300];
	struct ctl_error err;
	size_t i;

	(void)snprintf(dir, sizeof dir, "%s/%zu-%d-%d", top, l, c, s);
	(void)snprintf(sub, sizeof sub, "%s/tlshosts", dir);
	if (mkdir(dir, 0700) != 0 || mkdir(sub, 0700) != 0) {
		perror(dir);
		exit(1);
	}
	(void)snprintf(sub, sizeof sub, "%s/notlshosts", dir);
	(void)mkdir(sub, 0700);
	write_file(dir, "me", "client.example\n");
	text[0] = '\0';
	for (i = 0; i < 3 && LINES[l][i]; ++i) {
		strcat(text, LINES[l][i]);
		strcat(text, "\n");
	}
	if (text[0])
		write_file(dir, "tlsdestinations", text);
	if (c == C_PEM)
		write_file(dir, "tlshosts/mx.example.org.pem", "(a CA file)\n");
	if (c == C_NOTLS)
		write_file(dir, "notlshosts/mx.example.org", "");
	if (c == C_EXHAUSTIVE)
		write_file(dir, "tlshosts/exhaustivelist", "");
	if (s) {
		write_file(dir, "tlsstrictness", "2\n");
		write_file(dir, "trustanchors", "/ta/\n");
	}
	if (ctl_load(cfg, dir, &err) != 0) {
		printf("%s: %s line %u: %s\n", dir, err.file, err.line, err.why);
		exit(1);
	}
}

struct row {
	size_t l;
	int c, s, r, creds, dn, m, rs;
};

/* The decision for one row, as qmail-remote.c's decide_tls() makes it. */
static enum tls_verdict
decide(const struct config *cfg, const struct row *w, struct tls_policy *pol)
{
	static char pem[4096];
	struct tls_facts in;
	struct tls_dane dane;
	struct tls_sts sts;
	enum tls_verdict v;

	memset(&in, 0, sizeof in);
	in.cfg = cfg;
	in.named = ctl_tlsdest(cfg, N("example.org"), N("client.example"));
	in.domaincert = ctl_domaincert(cfg, N("client.example"));
	if (!in.named) {
		char *path = NULL;
		int r = ctl_tlshost(cfg, "mx.example.org", &path, &in.compat_no_tls);

		in.compat_broken = r < 0;
		if (r == 1 && path) {
			(void)snprintf(pem, sizeof pem, "%s", path);
			in.tlshost_pem = pem;
		}
		free(path);
	}
	in.route_port = ROUTES[w->r].port;
	in.route_smtps = ROUTES[w->r].smtps;
	in.qmtp_route = ROUTES[w->r].qmtp;
	in.credentials = w->creds;
	in.report_sender = w->rs;
	in.mxname = "mx.example.org";
	in.peer_secure = w->dn != D_INSECURE;
	if (w->m != M_NONE) {
		sts.mode = w->m == M_TESTING_LISTED || w->m == M_TESTING_UNLISTED ? MTASTS_TESTING : MTASTS_ENFORCE;
		sts.listed = w->m == M_TESTING_LISTED || w->m == M_ENFORCE_LISTED;
		sts.ca = "/sts/ca/";
		sts.domain = "example.org";
		in.sts = &sts;
	}
	v = tls_decide(&in, pol);
	if (v != TLS_WANT_TLSA)
		return v;
	memset(&dane, 0, sizeof dane);
	dane.failed = w->dn == D_FAILED;
	if (w->dn == D_USABLE || w->dn == D_PKIX_ONLY || w->dn == D_OPENSSL_NONE) {
		dane.secure = 1;
		dane.tlsa = recs;
		dane.count = w->dn == D_PKIX_ONLY ? 0 : 2;	/* records of usage 2 and 3 */
		dane.base = "mx.example.org";
		dane.none_usable = in.sts && w->dn == D_OPENSSL_NONE;	/* asked only under MTA-STS */
	}
	in.dane = &dane;
	return tls_decide(&in, pol);
}

static void
format(char *buf, size_t size, const struct row *w, enum tls_verdict v, const struct tls_policy *p)
{
	char lines[200] = "", ca[300];
	const char *pem = p->cafile ? strstr(p->cafile, "/tlshosts/") : NULL;
	size_t i;

	/* the control directory is a temporary one: not in the table */
	(void)snprintf(ca, sizeof ca, "%s%s", pem ? "CONTROLDIR" : "", pem ? pem : p->cafile ? p->cafile :
	    "(system)");
	for (i = 0; i < 3 && LINES[w->l][i]; ++i) {
		strcat(lines, i ? "," : "");
		strcat(lines, strlen(LINES[w->l][i]) > 30 ? "%example.org:=<sha256>" : LINES[w->l][i]);
	}
	(void)snprintf(buf, size,
	    "%s %s %s %s %s %s %s%s -> %s %s port%u%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s\n",
	    lines[0] ? lines : "(none)", COMPAT[w->c], w->s ? "strict2" : "-", ROUTES[w->r].name,
	    w->creds ? "creds" : "-", DANE[w->dn], STS[w->m], w->rs ? " report-sender" : "", VERDICT[v], LEVEL[p->level], p->port,
	    p->qmtp ? " qmtp" : "", p->smtps ? " smtps" : "", p->load_ca ? " ca=" : "",
	    p->load_ca ? ca : "", p->check_name ? " name" : "",
	    p->exact_name ? " exact" : "", p->partial_wildcards ? " partial" : "", p->dns_id ? " dns-id" : "",
	    p->allow_anon ? " anon" : "", p->no_tlsa ? " no-tlsa" : "", p->fingerprint ? " pin" : "",
	    p->tlsa_count ? " dane" : "", p->tlsa_base ? " base=" : "", p->tlsa_base ? p->tlsa_base : "",
	    p->mtasts ? " sts-enforce" : "", p->sts_audit ? " sts-audit" : "",
	    p->plain_after_refusal ? " plain-after-refusal" : "", p->retry_after_refusal ? " retry-after-refusal" : "",
	    p->retry_after_error ? " retry-after-error" : "", p->credentials_hold_tls ? " creds-hold-tls" : "");
}

/* The rules, for every row (SPEC 7, 8, 12). none: the same row without
 * MTA-STS, for what testing must leave alone. */
static void
rules(const struct row *w, enum tls_verdict v, const struct tls_policy *p, const struct tls_policy *none,
    enum tls_verdict vnone, const char *row)
{
	int fallback = p->plain_after_refusal || p->retry_after_refusal || p->retry_after_error;
	const char *first = LINES[w->l][0] ? LINES[w->l][0] : "";
	const char *last = LINES[w->l][1] ? (LINES[w->l][2] ? LINES[w->l][2] : LINES[w->l][1]) : first;
	int named = strstr(last, "example.org:") != NULL;	/* a line names the destination */
	int slash = last[0] == '/' && !strchr(last, '*');	/* TLSA off, nothing more */
	int bang = last[0] == '!';
	int pinned = strchr(last, '%') != NULL;
	int lookup = w->dn != D_INSECURE && !p->no_tlsa && !w->rs;	/* never for the report sender */
	int dane_usable = lookup && (w->dn == D_USABLE || (w->dn == D_OPENSSL_NONE && w->m == M_NONE));
	int enforce = (w->m == M_ENFORCE_LISTED || w->m == M_ENFORCE_UNLISTED) && !w->rs;

	CHECK(v != TLS_WANT_TLSA && v != TLS_BROKEN, "%s: verdict %s", row, VERDICT[v]);
	/* the fallback: opportunistic TLS only, never with credentials, never
	 * where a line names the destination (but '/', which says nothing) */
	CHECK(!fallback || p->level == TLS_MAY, "%s: a fallback above \"may\"", row);
	CHECK(!fallback || !w->creds, "%s: a fallback with credentials", row);
	CHECK(!fallback || !named || slash, "%s: a fallback under a named line", row);
	CHECK(!w->creds || p->level != TLS_MAY || p->credentials_hold_tls, "%s: credentials do not hold TLS", row);
	/* SMTPS and QMTPS: TLS from the first byte, no plaintext */
	CHECK(!p->smtps || (p->level >= TLS_ENCRYPT && !fallback), "%s: SMTPS without mandatory TLS", row);
	CHECK(p->smtps || (p->qmtp ? p->port != 6209 : p->port != 465), "%s: port 465 or 6209 without TLS", row);
	/* DANE: a failed lookup skips the peer; usable records make TLS
	 * mandatory and replace the CA; '/', '%' and '!' lines stop it, the
	 * compatibility files never do */
	CHECK((v == TLS_SKIP_TLSA_FAILED) == (lookup && w->dn == D_FAILED), "%s: TLSA failure verdict", row);
	if (dane_usable && v == TLS_GO)
		CHECK(p->level >= TLS_ENCRYPT && p->tlsa_count > 0 && !p->load_ca && !fallback,
		    "%s: usable DANE does not decide", row);
	if (lookup && (w->dn == D_PKIX_ONLY || w->dn == D_USABLE || w->dn == D_OPENSSL_NONE) && v == TLS_GO)
		CHECK(p->level >= TLS_ENCRYPT, "%s: a secure TLSA RRset without mandatory TLS", row);
	CHECK(!(slash || bang || pinned) || !p->tlsa_count, "%s: TLSA despite a '/', '!' or '%%' line", row);
	/* '!' names the destination: no STARTTLS unless SMTPS, DANE off */
	if (bang)
		CHECK(p->level == TLS_NEVER || p->smtps || enforce, "%s: '!' with STARTTLS", row);
	/* pinning: the fingerprint, no chain, no TLSA */
	if (pinned)
		CHECK(p->fingerprint && p->no_tlsa, "%s: '%%' does not pin", row);
	/* netqmail's files without a named line: tlshosts/<mx>.pem verifies
	 * the name against it; notlshosts/ and exhaustivelist never hold
	 * back the TLSA records DNS publishes */
	if (!named && w->c == C_PEM)
		CHECK(p->level == TLS_NAME && (!p->load_ca || strstr(p->cafile ? p->cafile : "", "mx.example.org.pem")),
		    "%s: tlshosts/<mx>.pem does not verify", row);
	if (!named && (w->c == C_NOTLS || w->c == C_EXHAUSTIVE) && dane_usable && v == TLS_GO)
		CHECK(p->level >= TLS_ENCRYPT && p->tlsa_count > 0, "%s: a compatibility file stopped DANE", row);
	/* tlsstrictness 2 where tlsdestinations says nothing about TLS (no
	 * line, or '/' lines only): the name verified against trustanchors */
	if (w->s && (!first[0] || (slash && (first[0] == '/'))) && w->c == C_NONE && !dane_usable && v == TLS_GO)
		CHECK(p->level == TLS_NAME && p->check_name && !fallback, "%s: tlsstrictness 2 did not hold", row);
	/* MTA-STS enforce where DANE does not decide: listed hosts only, the
	 * chain and the name as a DNS-ID, never plaintext */
	if (enforce && !dane_usable && !(lookup && w->dn == D_FAILED)) {
		CHECK((v == TLS_SKIP_STS_UNLISTED) == (w->m == M_ENFORCE_UNLISTED), "%s: enforce verdict", row);
		if (v == TLS_GO)
			CHECK(p->level == TLS_NAME && p->dns_id && p->check_name && p->mtasts && !fallback &&
			    !p->partial_wildcards, "%s: enforce is not verified TLS", row);
	}
	/* MTA-STS testing refuses nothing: level and fallback as without it */
	if ((w->m == M_TESTING_LISTED || w->m == M_TESTING_UNLISTED) && !w->rs) {
		CHECK(v == vnone && p->level == none->level && p->retry_after_error == none->retry_after_error &&
		    p->plain_after_refusal == none->plain_after_refusal, "%s: testing changed the outcome", row);
		CHECK(dane_usable || p->tlsa_count || p->sts_audit || v != TLS_GO, "%s: testing does not audit", row);
	}
	/* a check that needs anchors loads them, DANE never */
	CHECK(!p->load_ca || !p->tlsa_count, "%s: CA loaded for DANE", row);
	CHECK(p->level < TLS_VERIFY || p->tlsa_count || p->load_ca, "%s: verify without a CA", row);
}

/* The TLS-RPT report sender (RFC 8460 3, SPEC 13): its mail goes as the
 * same row would with no DANE and no MTA-STS -- the lines' TLS, whatever
 * they say, holds -- so no DANE or MTA-STS failure can defer it. */
static void
report_sender_rule(const struct config *cfg, const struct row *w, enum tls_verdict v, const struct tls_policy *p,
    const char *row)
{
	static struct tls_policy bare;
	struct row b = *w;
	char bare_row[640];
	enum tls_verdict vb;

	b.dn = D_INSECURE;
	b.m = M_NONE;
	b.rs = 0;
	vb = decide(cfg, &b, &bare);
	format(bare_row, sizeof bare_row, &b, vb, &bare);
	CHECK(v != TLS_SKIP_TLSA_FAILED && v != TLS_SKIP_STS_UNLISTED && !p->tlsa_count && !p->mtasts && !p->sts_audit,
	    "%s: DANE or MTA-STS for the report sender", row);
	CHECK(strcmp(strstr(row, " -> "), strstr(bare_row, " -> ")) == 0,
	    "%s: the report sender's TLS is not the lines' alone:\n  want%s", row, strstr(bare_row, " -> "));
}

static int
compare_with_ref(const char *table, size_t len)
{
	static char ref[1 << 20];
	size_t n, i, line = 1;
	FILE *f = fopen(REF_FILE, "r");

	if (!f) {
		perror(REF_FILE);
		return -1;
	}
	n = fread(ref, 1, sizeof ref, f);
	fclose(f);
	for (i = 0; i < n && i < len && ref[i] == table[i]; ++i)
		if (ref[i] == '\n')
			++line;
	if (i == n && i == len)
		return 0;
	while (i > 0 && ref[i - 1] != '\n')	/* the whole line, from its start */
		--i;
	printf("%s line %zu differs:\n  want: %.*s\n  got:  %.*s\n", REF_FILE, line,
	    (int)strcspn(ref + i, "\n"), ref + i, (int)strcspn(table + i, "\n"), table + i);
	return -1;
}

static int
remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* Records OpenSSL takes none of at the handshake (tls.c drops them with
 * tls_drop_tlsa()) leave the checks records of usages 0 and 1 only leave:
 * the same level, name check and CA material (a '+' line's CA loaded). */
static void
unusable_rule(const struct config *cfg, const struct row *w, const struct tls_policy *p, const char *row)
{
	static struct tls_policy dropped, pkix;
	struct row other = *w;

	other.dn = D_PKIX_ONLY;
	(void)decide(cfg, &other, &pkix);
	dropped = *p;
	tls_drop_tlsa(&dropped);
	CHECK(dropped.tlsa_count == 0 && dropped.level == pkix.level && dropped.check_name == pkix.check_name &&
	    dropped.load_ca == pkix.load_ca, "%s: without its unusable records: level %d name %d ca %d, "
	    "want those of usages 0/1 only: %d %d %d", row, (int)dropped.level, dropped.check_name, dropped.load_ca,
	    (int)pkix.level, pkix.check_name, pkix.load_ca);
}

int
main(int argc, char **argv)
{
	static char table[1 << 20];
	static struct config cfg;
	static struct tls_policy pol, none;
	char top[] = "/tmp/test_tlspolicy.XXXXXX", row[640];
	size_t used = 0, rows = 0, decisions = 0;
	int print_ref = argc == 2 && strcmp(argv[1], "--ref") == 0;
	struct row w;
	enum tls_verdict v, vnone;

	if (!mkdtemp(top)) {
		perror(top);
		return 1;
	}
	for (w.l = 0; w.l < NLINES; ++w.l)
	for (w.c = 0; w.c < NCOMPAT; ++w.c)
	for (w.s = 0; w.s < 2; ++w.s) {
		control(top, w.l, w.c, w.s, &cfg);
		for (w.r = 0; w.r < (int)NROUTES; ++w.r)
		for (w.creds = 0; w.creds < 2; ++w.creds)
		for (w.dn = 0; w.dn < NDANE; ++w.dn)
		for (w.m = 0; w.m < NSTS; ++w.m)
		for (w.rs = 0; w.rs < 2; ++w.rs) {
			struct row plain = w;

			plain.m = M_NONE;
			vnone = decide(&cfg, &plain, &none);
			v = decide(&cfg, &w, &pol);
			format(row, sizeof row, &w, v, &pol);
			rules(&w, v, &pol, &none, vnone, row);
			if (w.rs)
				report_sender_rule(&cfg, &w, v, &pol, row);
			if (w.dn == D_OPENSSL_NONE && v == TLS_GO && pol.tlsa_count > 0)
				unusable_rule(&cfg, &w, &pol, row);
			++decisions;
			/* the reference: all of DANE x MTA-STS for each line set
			 * (MX, no credentials, no compatibility files), and
			 * sweeps of the files, strictness, routes, credentials */
			if ((w.c == C_NONE && !w.s && w.r == 0 && !w.creds) || (!w.rs && (
			    (w.dn == D_INSECURE && w.m == M_NONE && w.r == 0 && !w.creds) ||
			    (w.dn == D_INSECURE && w.m == M_NONE && w.c == C_NONE && !w.s) ||
			    (w.dn == D_USABLE && w.m == M_ENFORCE_LISTED && w.r == 0 && !w.creds && w.s)))) {
				size_t k = strlen(row);

				if (used + k < sizeof table) {
					memcpy(table + used, row, k);
					used += k;
				}
				++rows;
			}
		}
		ctl_free(&cfg);
	}
	if (nftw(top, remove_one, 8, FTW_DEPTH | FTW_PHYS) != 0)
		perror(top);
	if (print_ref) {
		fwrite(table, 1, used, stdout);
		return 0;
	}
	CHECK(decisions == 124800, "decisions: %zu", decisions);
	CHECK(compare_with_ref(table, used) == 0, "the table (%zu rows) matches %s", rows, REF_FILE);
	return check_done();
}
