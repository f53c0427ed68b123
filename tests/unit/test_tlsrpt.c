/*
 * test_tlsrpt.c -- TLS-RPT (tlsrpt.c): the datagram byte for byte against
 * what libtlsrpt 0.5 sends for the same calls (captured from the real
 * library: DANE success, MTA-STS host mismatch with and without the
 * optional fields, no-policy-found without STARTTLS, its escaping), bytes
 * outside valid UTF-8, a buffer too small; the TLSRPT record's selection
 * (RFC 8460 3); and tlsrpt_classify() as a table: each policy (DANE,
 * MTA-STS enforce and testing, a policy announced and not had, none) with
 * each way a session can end, and whether it is counted -- every
 * datagram read back by a strict JSON reader, as tlsrpt-collectd would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "jsoncheck.h"
#include "mtasts.h"
#include "tlspolicy.h"
#include "tlsrpt.h"

static char out[1 << 16];

/* (a) tlsrpt_init_policy(TLSA, "mx1.example.com"), one policy string, success */
static const char GOLDEN_A[] =
    "{\"dpv\": \"1\",\"d\": \"example.com\",\"pr\": \"v=TLSRPTv1; rua=mailto:tlsrpt@example.com\","
    "\"policies\":[{\"policy-type\":1,\"policy-domain\": \"mx1.example.com\",\"policy-string\":"
    "[\"3 1 1 0A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F9\"],\"t\":0,\"f\":0}]}";
/* (b) MTA-STS, certificate-host-mismatch, every failure field */
static const char GOLDEN_B[] =
    "{\"dpv\": \"1\",\"d\": \"example.org\",\"pr\": \"v=TLSRPTv1;rua=mailto:reports@example.org,"
    "https://tlsrpt.example.org/v1\",\"policies\":[{\"policy-type\":2,\"policy-domain\": \"example.org\","
    "\"policy-string\":[\"version: STSv1\",\"mode: enforce\",\"mx: mail.example.org\",\"mx: *.backup.example.org\","
    "\"max_age: 604800\"],\"mx-host\":[\"mail.example.org\",\"*.backup.example.org\"],\"failure-details\":"
    "[{\"c\":202,\"s\": \"192.0.2.10\",\"n\": \"mail.example.org\",\"h\": \"250-mail.example.org Hello\\r\\n"
    "250-PIPELINING\\r\\n250 STARTTLS\",\"r\": \"198.51.100.25\",\"a\": \"cert SAN \\\"other.example.net\\\" "
    "does not match\",\"f\": \"X509_V_ERR_HOSTNAME_MISMATCH\"}],\"t\":1,\"f\":1}]}";
/* (b') the same as Postfix sends it: no "a", no "f" */
static const char GOLDEN_B2[] =
    "{\"dpv\": \"1\",\"d\": \"example.org\",\"pr\": \"v=TLSRPTv1;rua=mailto:reports@example.org,"
    "https://tlsrpt.example.org/v1\",\"policies\":[{\"policy-type\":2,\"policy-domain\": \"example.org\","
    "\"policy-string\":[\"version: STSv1\",\"mode: enforce\",\"mx: mail.example.org\",\"mx: *.backup.example.org\","
    "\"max_age: 604800\"],\"mx-host\":[\"mail.example.org\",\"*.backup.example.org\"],\"failure-details\":"
    "[{\"c\":202,\"s\": \"192.0.2.10\",\"n\": \"mail.example.org\",\"h\": \"250-mail.example.org Hello\\r\\n"
    "250-PIPELINING\\r\\n250 STARTTLS\",\"r\": \"198.51.100.25\"}],\"t\":1,\"f\":1}]}";
/* (c) no-policy-found, starttls-not-supported, IPv6 */
static const char GOLDEN_C[] =
    "{\"dpv\": \"1\",\"d\": \"example.net\",\"pr\": \"v=TLSRPTv1; rua=mailto:tls@example.net\",\"policies\":"
    "[{\"policy-type\":9,\"policy-domain\": \"example.net\",\"failure-details\":[{\"c\":201,\"s\": \"2001:db8::1\","
    "\"n\": \"mx.example.net\",\"h\": \"250-mx.example.net\\r\\n250 SIZE 10240000\",\"r\": \"2001:db8:5::25\"}],"
    "\"t\":1,\"f\":1}]}";
/* (e) libtlsrpt's escaping, no policy domain */
static const char GOLDEN_E[] =
    "{\"dpv\": \"1\",\"d\": \"Example.COM.\",\"pr\": \"v=TLSRPTv1;rua=mailto:a@b\",\"policies\":[{\"policy-type\":9,"
    "\"failure-details\":[{\"c\":205,\"a\": \"q\\\" bs\\\\ sl/ nl\\n cr\\r tab\\t bs\\b ff\\f nul-ish\\u0001 "
    "del\\u007f utf8 \xc3\xa4\"}],\"t\":1,\"f\":1}]}";

static void
golden(const char *name, const struct tlsrpt_result *r, const char *want)
{
	size_t n = tlsrpt_datagram(r, out, sizeof out);

	CHECK(n == strlen(want) && memcmp(out, want, n) == 0, "%s: libtlsrpt's bytes\n  want %s\n  got  %.*s", name,
	    want, (int)n, out);
	CHECK(json_check(out, n, NULL) == 0, "%s: valid JSON", name);
}

static void
test_golden(void)
{
	static const unsigned char assoc[32] = { 0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x60, 0x71, 0x82, 0x93, 0xa4,
		0xb5, 0xc6, 0xd7, 0xe8, 0xf9, 0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x60, 0x71, 0x82, 0x93, 0xa4, 0xb5,
		0xc6, 0xd7, 0xe8, 0xf9 };
	static const struct dns_tlsa tlsa = { 3, 1, 1, 32, assoc };
	static const char served[] = "version: STSv1\0mode: enforce\0mx: mail.example.org\0mx: *.backup.example.org\0"
	    "max_age: 604800";
	static const char pats[] = "mail.example.org\0*.backup.example.org";
	struct tlsrpt_result r;

	memset(&r, 0, sizeof r);
	r.domain = "example.com";
	r.record = "v=TLSRPTv1; rua=mailto:tlsrpt@example.com";
	r.record_len = strlen(r.record);
	r.policy = TLSRPT_TLSA;
	r.policy_domain = "mx1.example.com";
	r.tlsa = &tlsa;
	r.ntlsa = 1;
	r.mx = "mx1.example.com";	/* success: no failure details */
	golden("(a) dane success", &r, GOLDEN_A);

	memset(&r, 0, sizeof r);
	r.domain = "example.org";
	r.record = "v=TLSRPTv1;rua=mailto:reports@example.org,https://tlsrpt.example.org/v1";
	r.record_len = strlen(r.record);
	r.policy = TLSRPT_STS;
	r.policy_domain = "example.org";
	r.served = served;
	r.nserved = 5;
	r.mx_patterns = pats;
	r.nmx_patterns = 2;
	r.type = TLSRPT_CERT_HOST_MISMATCH;
	r.sending_ip = "192.0.2.10";
	r.mx = "mail.example.org";
	r.ehlo = "250-mail.example.org Hello\r\n250-PIPELINING\r\n250 STARTTLS";
	r.receiving_ip = "198.51.100.25";
	golden("(b') sts mismatch as Postfix", &r, GOLDEN_B2);
	r.detail = "cert SAN \"other.example.net\" does not match";
	r.reason = "X509_V_ERR_HOSTNAME_MISMATCH";
	golden("(b) sts mismatch, all fields", &r, GOLDEN_B);
	CHECK(tlsrpt_datagram(&r, out, strlen(GOLDEN_B)) == strlen(GOLDEN_B), "an exact fit");
	CHECK(tlsrpt_datagram(&r, out, strlen(GOLDEN_B) - 1) == 0, "one byte short: nothing");

	memset(&r, 0, sizeof r);
	r.domain = "example.net";
	r.record = "v=TLSRPTv1; rua=mailto:tls@example.net";
	r.record_len = strlen(r.record);
	r.policy = TLSRPT_NO_POLICY;
	r.policy_domain = "example.net";
	r.type = TLSRPT_STARTTLS_NOT_SUPPORTED;
	r.sending_ip = "2001:db8::1";
	r.mx = "mx.example.net";
	r.ehlo = "250-mx.example.net\r\n250 SIZE 10240000";
	r.receiving_ip = "2001:db8:5::25";
	golden("(c) no policy, no STARTTLS", &r, GOLDEN_C);

	memset(&r, 0, sizeof r);
	r.domain = "Example.COM.";
	r.record = "v=TLSRPTv1;rua=mailto:a@b";
	r.record_len = strlen(r.record);
	r.policy = TLSRPT_NO_POLICY;
	r.type = TLSRPT_VALIDATION_FAILURE;
	r.detail = "q\" bs\\ sl/ nl\n cr\r tab\t bs\b ff\f nul-ish\x01 del\x7f utf8 \xc3\xa4";
	golden("(e) escaping", &r, GOLDEN_E);
}

/* bytes outside valid UTF-8 become '?', valid sequences stay */
static void
test_utf8(void)
{
	static const struct { const char *in, *want; } t[] = {
		{ "a\xe9" "b", "a?b" },				/* Latin-1 */
		{ "\xc0\x80", "??" },				/* overlong NUL */
		{ "\xe0\x80\xaf", "???" },			/* overlong '/' */
		{ "\xed\xa0\x80", "???" },			/* a surrogate */
		{ "\xf4\x90\x80\x80", "????" },			/* past U+10FFFF */
		{ "\xe2\x82", "??" },				/* cut short */
		{ "\xe2\x82\xac", "\xe2\x82\xac" },		/* U+20AC */
		{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },	/* U+1F600 */
		{ "\x80\xbf", "??" },				/* lone continuations */
		{ "x\xc3", "x?" },
	};
	struct tlsrpt_result r;
	char want[256];
	size_t i, n;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		memset(&r, 0, sizeof r);
		r.domain = "example.net";
		r.record = "v=TLSRPTv1; rua=mailto:tls@example.net";
		r.record_len = strlen(r.record);
		r.policy = TLSRPT_NO_POLICY;
		r.type = TLSRPT_STARTTLS_NOT_SUPPORTED;
		r.ehlo = t[i].in;
		n = tlsrpt_datagram(&r, out, sizeof out);
		(void)snprintf(want, sizeof want, "\"h\": \"%s\"}", t[i].want);
		CHECK(n > 0 && memmem(out, n, want, strlen(want)) != NULL, "utf8 %zu: want %s in %.*s", i, want, (int)n, out);
		CHECK(json_check(out, n, NULL) == 0, "utf8 %zu: valid JSON and UTF-8", i);
	}
}

static void
record(const char *name, const char *const *txt, size_t ntxt, int dropped, const char *want)
{
	struct dns_txtset set;
	const char *rec = NULL, *why = NULL;
	size_t i, len = 0;
	int rc;

	memset(&set, 0, sizeof set);
	for (i = 0; i < ntxt; i++) {
		set.rec[i].data = txt[i];
		set.rec[i].len = strlen(txt[i]);
	}
	set.count = ntxt;
	set.dropped = (size_t)dropped;
	rc = tlsrpt_record(&set, &rec, &len, &why);
	if (want)
		CHECK(rc == 0 && len == strlen(want) && memcmp(rec, want, len) == 0, "record %s: want %s, got %s", name,
		    want, rc == 0 ? rec : why);
	else
		CHECK(rc == -1 && why, "record %s: none wanted", name);
}

static void
test_record(void)
{
	const char *one[] = { "v=TLSRPTv1; rua=mailto:tls@example.net" };
	const char *tight[] = { "v=TLSRPTv1;rua=https://r.example.net/v1" };
	const char *spaced[] = { "v=TLSRPTv1 \t; rua=mailto:tls@example.net" };
	const char *others[] = { "v=spf1 -all", "v=TLSRPTv1; rua=mailto:tls@example.net", "v=STSv1; id=1" };
	const char *two[] = { "v=TLSRPTv1; rua=mailto:a@example.net", "v=TLSRPTv1; rua=mailto:b@example.net" };
	const char *norua[] = { "v=TLSRPTv1; ruf=mailto:a@example.net" };
	const char *v10[] = { "v=TLSRPTv10; rua=mailto:a@example.net" };
	const char *bare[] = { "v=TLSRPTv1" };
	const char *lower[] = { "v=tlsrptv1; rua=mailto:a@example.net" };

	record("one", one, 1, 0, one[0]);
	record("no space", tight, 1, 0, tight[0]);
	record("space before ;", spaced, 1, 0, spaced[0]);
	record("among others", others, 3, 0, others[1]);
	record("two", two, 2, 0, NULL);
	record("no rua", norua, 1, 0, NULL);
	record("v=TLSRPTv10", v10, 1, 0, NULL);
	record("bare version", bare, 1, 0, NULL);
	record("lower case", lower, 1, 0, NULL);
	record("none", NULL, 0, 0, NULL);
	record("RRset not whole", one, 1, 1, NULL);
}

/* ---- tlsrpt_classify() as a table ---- */

enum pol { P_NONE, P_DANE, P_ENFORCE, P_TESTING, P_TESTING_UNLISTED, P_STS_MISSING, P_NEVER };
static const char *const POL[] = { "none", "dane", "sts-enforce", "sts-testing", "sts-testing-unlisted",
	"sts-not-had", "tls-off" };
enum end { E_TLS, E_TLS_AUDIT_NAME, E_TLS_AUDIT_EXPIRED, E_TLS_OLD, E_NAME, E_EXPIRED, E_UNTRUSTED, E_TLSA,
	E_PROTOCOL, E_NOT_OFFERED, E_REFUSED, E_BEFORE_TLS, E_SKIP_TLSA, E_SKIP_UNLISTED };
static const char *const END[] = { "tls", "tls, audit: name", "tls, audit: expired", "TLSv1.1", "name mismatch",
	"expired", "untrusted", "tlsa mismatch", "handshake failed", "no STARTTLS", "STARTTLS refused",
	"ended before TLS", "skip: TLSA lookup failed", "skip: not listed" };

struct crow {
	enum pol p;
	enum end e;
	const char *want;	/* "<policy-type> <result-type>", or "-": not counted */
	const char *want_policy_domain;
};

static const struct crow CLASSIFY[] = {
	{ P_NONE, E_TLS, "9 success", "example.org" },
	{ P_NONE, E_NOT_OFFERED, "9 starttls-not-supported", "example.org" },	/* SPEC 13: whatever the policy */
	{ P_NONE, E_REFUSED, "9 starttls-not-supported", "example.org" },
	{ P_NONE, E_PROTOCOL, "9 validation-failure", "example.org" },	/* then the retry without TLS */
	{ P_NONE, E_BEFORE_TLS, "-", NULL },
	{ P_NEVER, E_BEFORE_TLS, "-", NULL },
	{ P_NEVER, E_NOT_OFFERED, "-", NULL },				/* TLS off here: nothing to count */
	{ P_DANE, E_TLS, "1 success", "mx.example.org" },
	{ P_DANE, E_TLSA, "1 tlsa-invalid", "mx.example.org" },
	{ P_DANE, E_NOT_OFFERED, "1 starttls-not-supported", "mx.example.org" },
	{ P_DANE, E_PROTOCOL, "1 validation-failure", "mx.example.org" },
	{ P_DANE, E_SKIP_TLSA, "1 dnssec-invalid", "mx.example.org" },
	{ P_DANE, E_BEFORE_TLS, "-", NULL },
	{ P_ENFORCE, E_TLS, "2 success", "example.org" },
	{ P_ENFORCE, E_NAME, "2 certificate-host-mismatch", "example.org" },
	{ P_ENFORCE, E_EXPIRED, "2 certificate-expired", "example.org" },
	{ P_ENFORCE, E_UNTRUSTED, "2 certificate-not-trusted", "example.org" },
	{ P_ENFORCE, E_NOT_OFFERED, "2 starttls-not-supported", "example.org" },
	{ P_ENFORCE, E_REFUSED, "2 starttls-not-supported", "example.org" },
	{ P_ENFORCE, E_PROTOCOL, "2 validation-failure", "example.org" },
	{ P_ENFORCE, E_SKIP_UNLISTED, "2 validation-failure", "example.org" },
	{ P_ENFORCE, E_BEFORE_TLS, "-", NULL },
	{ P_TESTING, E_TLS, "2 success", "example.org" },
	{ P_TESTING, E_TLS_AUDIT_NAME, "2 certificate-host-mismatch", "example.org" },
	{ P_TESTING, E_TLS_AUDIT_EXPIRED, "2 certificate-expired", "example.org" },
	{ P_TESTING, E_TLS_OLD, "2 validation-failure", "example.org" },
	{ P_TESTING, E_NOT_OFFERED, "2 starttls-not-supported", "example.org" },
	{ P_TESTING_UNLISTED, E_TLS, "2 validation-failure", "example.org" },
	{ P_STS_MISSING, E_TLS, "2 sts-policy-fetch-error", "example.org" },
	{ P_STS_MISSING, E_NOT_OFFERED, "2 sts-policy-fetch-error", "example.org" },
	{ P_STS_MISSING, E_BEFORE_TLS, "-", NULL },
	/* the audit is MTA-STS testing's: without it a TLS session is a success */
	{ P_NONE, E_TLS_AUDIT_NAME, "9 success", "example.org" },
	{ P_DANE, E_TLS_OLD, "1 success", "mx.example.org" },
};

/* what the collector reads back: every string by key, the numbers */
struct readback {
	char h[600], n[128], policy_domain[128];
	int strings, policy_type, c, t_is_1;
};

static void
rb_string(void *ctx, const char *key, const char *s, size_t n)
{
	struct readback *rb = ctx;

	rb->strings++;
	if (strcmp(key, "h") == 0)
		(void)snprintf(rb->h, sizeof rb->h, "%.*s", (int)n, s);
	if (strcmp(key, "n") == 0)
		(void)snprintf(rb->n, sizeof rb->n, "%.*s", (int)n, s);
	if (strcmp(key, "policy-domain") == 0)
		(void)snprintf(rb->policy_domain, sizeof rb->policy_domain, "%.*s", (int)n, s);
}

static void
rb_number(void *ctx, const char *key, const char *s, size_t n)
{
	struct readback *rb = ctx;

	if (strcmp(key, "policy-type") == 0)
		rb->policy_type = atoi(s);
	if (strcmp(key, "c") == 0)
		rb->c = atoi(s);
	if (strcmp(key, "t") == 0)
		rb->t_is_1 = n == 1 && s[0] == '1';
}

static void
test_classify(void)
{
	static struct mtasts_policy sts;
	static const struct dns_tlsa tlsa = { 3, 1, 1, 3, (const unsigned char *)"\x01\x02\x03" };
	static struct json_seen seen;
	size_t i;

	memset(&sts, 0, sizeof sts);
	memcpy(sts.served, "version: STSv1\0mode: enforce\0mx: mx.example.org\0max_age: 86400", 62);
	sts.nserved = 4;
	memcpy(sts.pat, "mx.example.org", 15);
	sts.npatterns = 1;
	for (i = 0; i < sizeof CLASSIFY / sizeof CLASSIFY[0]; i++) {
		const struct crow *w = &CLASSIFY[i];
		struct tls_policy pol;
		struct outcome o;
		struct tlsrpt_session s;
		struct tlsrpt_result r;
		struct readback rb;
		const char *why = NULL;
		char got[128];
		size_t n;
		int rc;

		memset(&pol, 0, sizeof pol);
		memset(&o, 0, sizeof o);
		memset(&s, 0, sizeof s);
		memset(&r, 0, sizeof r);
		pol.level = w->p == P_NEVER ? TLS_NEVER : w->p == P_NONE || w->p == P_STS_MISSING ||
		    w->p == P_TESTING || w->p == P_TESTING_UNLISTED ? TLS_MAY : TLS_NAME;
		if (w->p == P_DANE) {
			pol.tlsa = &tlsa;
			pol.tlsa_count = 1;
			pol.tlsa_base = "mx.example.org";
		}
		pol.mtasts = w->p == P_ENFORCE;
		pol.sts_audit = w->p == P_TESTING || w->p == P_TESTING_UNLISTED;
		pol.sts_audit_unlisted = w->p == P_TESTING_UNLISTED;
		s.what = w->e == E_SKIP_TLSA ? TLSRPT_SKIP_TLSA_FAILED : w->e == E_SKIP_UNLISTED ?
		    TLSRPT_SKIP_STS_UNLISTED : TLSRPT_SESSION;
		s.policy = &pol;
		s.o = &o;
		s.sts = w->p == P_ENFORCE || w->p == P_TESTING || w->p == P_TESTING_UNLISTED ? &sts : NULL;
		s.sts_failure = w->p == P_STS_MISSING ? TLSRPT_STS_POLICY_FETCH_ERROR : TLSRPT_SUCCESS;
		s.domain = "example.org";
		s.mx = "mx.example.org";
		o.letter = 'Z';
		switch (w->e) {
		case E_TLS_OLD:
			o.tls.audit_old_tls = 1;
			/* FALLTHROUGH */
		case E_TLS:
		case E_TLS_AUDIT_NAME:
		case E_TLS_AUDIT_EXPIRED:
			o.letter = 'K';
			o.text = T_ACCEPTED;
			o.tls.handshake = 1;
			strcpy(o.tls.cipher, w->e == E_TLS_OLD ? "TLSv1.1 AES128-SHA" : "TLSv1.3 TLS_AES_256_GCM_SHA384");
			o.tls.audit = w->e == E_TLS_AUDIT_NAME ? TLS_CERT_NAME : w->e == E_TLS_AUDIT_EXPIRED ?
			    TLS_CERT_EXPIRED : TLS_CERT_OK;
			strcpy(o.tls.audit_detail, w->e == E_TLS_AUDIT_NAME ? "hostname mismatch" :
			    w->e == E_TLS_AUDIT_EXPIRED ? "certificate has expired" : "");
			break;
		case E_NAME:
			o.tls.handshake = 1;
			o.text = T_TLS_SUBJECT;
			o.tls.cert = TLS_CERT_NAME;
			break;
		case E_EXPIRED:
		case E_UNTRUSTED:
			o.tls.handshake = 1;
			o.text = T_TLS_CHAIN;
			o.tls.cert = w->e == E_EXPIRED ? TLS_CERT_EXPIRED : TLS_CERT_UNTRUSTED;
			strcpy(o.detail, w->e == E_EXPIRED ? "certificate has expired" : "unable to get local issuer certificate");
			break;
		case E_TLSA:
			o.tls.handshake = 1;
			o.text = T_TLSA_FAIL;
			strcpy(o.detail, "no matching DANE TLSA records");
			break;
		case E_PROTOCOL:
			o.tls.handshake = 1;
			o.text = T_TLS_CONNECT;
			strcpy(o.detail, "error:0A000410:SSL routines::sslv3 alert handshake failure");
			break;
		case E_NOT_OFFERED:
			o.tls.no_starttls = 1;
			o.text = T_TLS_UNAVAILABLE;
			break;
		case E_REFUSED:
			o.tls.no_starttls = 2;
			o.text = T_TLS_STARTTLS;
			break;
		case E_BEFORE_TLS:
			o.text = T_GREETING;
			break;
		case E_SKIP_TLSA:
		case E_SKIP_UNLISTED:
			break;
		}
		strcpy(o.tls.ehlo, "250-mx.example.org \"hi\"\xff\r\n250 STARTTLS");
		rc = tlsrpt_classify(&s, &r, &why);
		if (rc != 0)
			(void)snprintf(got, sizeof got, "-");
		else
			(void)snprintf(got, sizeof got, "%d %s", (int)r.policy, tlsrpt_type_name(r.type));
		CHECK(strcmp(got, w->want) == 0, "classify %s / %s: want %s, got %s%s%s", POL[w->p], END[w->e], w->want,
		    got, why ? ": " : "", why ? why : "");
		if (rc != 0) {
			CHECK(why != NULL, "classify %s / %s: a reason not to count", POL[w->p], END[w->e]);
			continue;
		}
		/* the datagram the collector would read */
		r.record = "v=TLSRPTv1; rua=mailto:tls@example.org";
		r.record_len = strlen(r.record);
		r.receiving_ip = "192.0.2.25";
		r.sending_ip = "198.51.100.1";
		r.ehlo = o.tls.ehlo;
		n = tlsrpt_datagram(&r, out, sizeof out);
		memset(&rb, 0, sizeof rb);
		memset(&seen, 0, sizeof seen);
		seen.string = rb_string;
		seen.number = rb_number;
		seen.ctx = &rb;
		CHECK(n > 0 && json_check(out, n, &seen) == 0, "classify %s / %s: valid JSON: %.*s", POL[w->p], END[w->e],
		    (int)n, out);
		CHECK(rb.policy_type == (int)r.policy && strcmp(rb.policy_domain, w->want_policy_domain) == 0,
		    "classify %s / %s: policy %d %s read back", POL[w->p], END[w->e], rb.policy_type, rb.policy_domain);
		if (r.type != TLSRPT_SUCCESS)
			CHECK(rb.c == (int)r.type && rb.t_is_1 && strcmp(rb.n, "mx.example.org") == 0 &&
			    strcmp(rb.h, "250-mx.example.org \"hi\"?\r\n250 STARTTLS") == 0,
			    "classify %s / %s: failure details read back (c %d, h %s)", POL[w->p], END[w->e], rb.c, rb.h);
		else
			CHECK(rb.c == 0 && !rb.t_is_1, "classify %s / %s: a success has no failure details", POL[w->p],
			    END[w->e]);
		if (r.policy == TLSRPT_STS && s.sts)
			CHECK(memmem(out, n, "\"policy-string\":[\"version: STSv1\",\"mode: enforce\",\"mx: mx.example.org\","
			    "\"max_age: 86400\"],\"mx-host\":[\"mx.example.org\"]", 99) != NULL,
			    "classify %s / %s: the policy as served", POL[w->p], END[w->e]);
		if (r.policy == TLSRPT_TLSA && s.what == TLSRPT_SESSION)
			CHECK(memmem(out, n, "\"policy-string\":[\"3 1 1 010203\"]", 32) != NULL, "classify %s / %s: the records",
			    POL[w->p], END[w->e]);
	}
}

int
main(void)
{
	test_golden();
	test_utf8();
	test_record();
	test_classify();
	return check_done();
}
