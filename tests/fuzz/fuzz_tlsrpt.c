/*
 * fuzz_tlsrpt.c -- libFuzzer target for what qmail-remote tells
 * tlsrpt-collectd: the input, cut at NULs, gives the datagram's strings
 * (the domain, the TLSRPT record, the policy domain, the MX name, the
 * server's EHLO reply, the details) and, read as an MTA-STS policy, its
 * lines as served; its first byte the policy and result type. Whatever
 * the bytes, the datagram must be valid UTF-8 and one JSON object that a
 * strict reader (tests/unit/jsoncheck.h, not tlsrpt.c's code) accepts,
 * and each string that was valid UTF-8 must read back unchanged. The
 * same fields, as TXT records, go through the TLSRPT record check.
 */
#include <stdint.h>
#include <string.h>
#include "../unit/jsoncheck.h"
#include "mtasts.h"
#include "tlsrpt.h"

#define NFIELDS 8

static char datagram[1 << 20];
static struct mtasts_policy policy;
static struct json_seen seen;
static char field[NFIELDS][4096];
static size_t field_len[NFIELDS];
static int matched[NFIELDS];
static const char *const KEY[NFIELDS] = { "d", "pr", "policy-domain", "n", "h", "a", "f", "s" };

static void
on_string(void *ctx, const char *key, const char *s, size_t n)
{
	size_t i;

	(void)ctx;
	for (i = 0; i < NFIELDS; i++)
		if (strcmp(key, KEY[i]) == 0 && n == field_len[i] && memcmp(s, field[i], n) == 0)
			matched[i] = 1;
}

static const enum tlsrpt_type TYPES[] = { TLSRPT_SUCCESS, TLSRPT_STARTTLS_NOT_SUPPORTED,
	TLSRPT_CERT_HOST_MISMATCH, TLSRPT_CERT_NOT_TRUSTED, TLSRPT_CERT_EXPIRED, TLSRPT_VALIDATION_FAILURE,
	TLSRPT_STS_POLICY_FETCH_ERROR, TLSRPT_STS_POLICY_INVALID, TLSRPT_STS_WEBPKI_INVALID, TLSRPT_TLSA_INVALID,
	TLSRPT_DNSSEC_INVALID, TLSRPT_DANE_REQUIRED };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlsrpt_result r;
	struct dns_txtset txt;
	const char *rec, *why;
	size_t i, k, pos = 1, n, len;
	int p, plain[NFIELDS];

	if (size < 1 || size > 16384)
		return 0;
	memset(&r, 0, sizeof r);
	memset(&txt, 0, sizeof txt);
	for (i = 0; i < NFIELDS; i++) {
		for (n = 0; pos + n < size && data[pos + n] != 0 && n < sizeof field[i] - 1; n++)
			;
		memcpy(field[i], data + pos, n);
		field[i][n] = '\0';
		field_len[i] = n;
		pos += n + 1;
		if (pos > size)
			pos = size;
		plain[i] = jc_utf8_ok((const unsigned char *)field[i], n);
		matched[i] = 0;
		txt.rec[i].data = field[i];
		txt.rec[i].len = n;
	}
	txt.count = NFIELDS;
	if (tlsrpt_record(&txt, &rec, &len, &why) == 0 &&
	    (len < 10 || memcmp(rec, "v=TLSRPTv1", 10) != 0 || !memmem(rec, len, "rua=", 4)))
		__builtin_trap();

	p = data[0] % 3;
	r.policy = p == 0 ? TLSRPT_TLSA : p == 1 ? TLSRPT_STS : TLSRPT_NO_POLICY;
	r.type = TYPES[(data[0] >> 2) % (sizeof TYPES / sizeof TYPES[0])];
	r.domain = field[0];
	r.record = field[1];
	r.record_len = field_len[1];
	r.policy_domain = field[2];
	r.mx = field[3];
	r.ehlo = field[4];
	r.detail = field[5];
	r.reason = field[6];
	r.sending_ip = field[7];
	r.receiving_ip = "192.0.2.1";
	/* the rest of the input as a policy served: its lines, its patterns */
	if (r.policy == TLSRPT_STS && mtasts_parse((const char *)data + pos, size - pos, &policy, 0, &why) == 0) {
		r.served = policy.served;
		r.nserved = policy.nserved;
		r.mx_patterns = policy.pat;
		r.nmx_patterns = policy.npatterns;
	}
	n = tlsrpt_datagram(&r, datagram, sizeof datagram);
	if (n == 0)
		__builtin_trap();	/* 16 KB of input always fits a megabyte */
	memset(&seen, 0, sizeof seen);
	seen.string = on_string;
	if (json_check(datagram, n, &seen) != 0)
		__builtin_trap();	/* the collector would die on it */
	for (i = 0; i < NFIELDS; i++) {
		/* each field that was valid UTF-8 reads back unchanged; "a"
		 * and "f" only in a failure, and only when not empty */
		k = i;
		if (!plain[k])
			continue;
		if ((k == 5 || k == 6) && (r.type == TLSRPT_SUCCESS || field_len[k] == 0))
			continue;
		if ((k == 3 || k == 4 || k == 7) && r.type == TLSRPT_SUCCESS)
			continue;
		if (!matched[k])
			__builtin_trap();
	}
	return 0;
}
