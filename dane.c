/*
 * dane.c -- a peer's TLSA records (RFC 7672) as DNS publishes them: at the
 * end of its CNAME chain, then at its name as written, trusted only with
 * the resolver's AD bit, the whole RRset whatever its size; asked once per
 * name and port. What they mean for TLS is tlspolicy.c's to decide.
 * Not here: the DNS queries themselves (dns.c), OpenSSL's DANE (tls.c).
 */
#include <stdio.h>
#include <string.h>
#include "dane.h"
#include "str.h"
#include "trace.h"

/* The TLSA records at _port._tcp.base into tlsa (*n of them): 1 when
 * there are records and the answer validated, 0 when there are none or it
 * did not (NXDOMAIN, NODATA, insecure), -1 when the lookup failed. */
static int
tlsa_at(const char *base, unsigned port, struct dns_tlsa *tlsa, size_t *n)
{
	char qname[DNS_NAME_MAX + 16];
	enum dns_status st;
	int ad = 0;

	(void)snprintf(qname, sizeof qname, "_%u._tcp.%s", port, base);
	*n = 0;
	st = dns_tlsa(qname, tlsa, DNS_TLSA_MAX, n, &ad);
	TRACE("dns: TLSA %s: status %d, %zu record(s)%s", qname, (int)st, *n,
	    ad ? ", DNSSEC-validated" : ", not validated");
	if (st == DNS_TEMP)
		return -1;
	return st == DNS_OK && ad && *n > 0;
}

/*
 * DANE (RFC 7672): the TLSA records of this peer, only when its address
 * came DNSSEC-validated (the MX answer may be insecure: resolve_host());
 * trusted only with the AD bit.
 * The TLSA base domain (RFC 7672 2.2.2, SPEC 8): when the address lookup
 * followed a CNAME chain, which validated whole if the address did, TLSA
 * first at the chain's end, then, if none are there (or none validated),
 * at the name as written -- the records the operator of either name
 * published. A failed lookup at the end is Z, never a reason to ask the
 * other name: a SERVFAIL may be bogus data (Postfix decides the same).
 * The base found is the SNI name; DANE-TA accepts it and the chain's other
 * name (tls.c).
 * The whole RRset is used, whatever its size: dns_tlsa() fails the lookup
 * rather than cut it short. Records of usages 2 and 3 go to tls.c, which
 * counts those OpenSSL accepts (RFC 7672 2.2: the others are unusable).
 * What it means for TLS is tlspolicy.c's to decide: here only what was found.
 */
void
dane_lookup(struct tls_dane *out, const struct peer *pr, unsigned port)
{
	static struct dns_tlsa tlsa[DNS_TLSA_MAX];	/* BSS: touched only as far as used */
	static char last[2 * DNS_NAME_MAX + 32];	/* the port and names last asked for */
	static int last_rc;				/* tlsa_at()'s, for the base */
	static int last_at_end;				/* the base is the chain's end */
	static size_t last_n, last_u;
	char key[sizeof last];
	const char *base[2];
	size_t nbase = 0, i;

	memset(out, 0, sizeof *out);
	(void)snprintf(key, sizeof key, "%u %s %s", port, pr->name, pr->canon ? pr->canon : "");
	if (strcmp(key, last) != 0) {	/* the same MX's other addresses: ask once */
		str_copy(last, sizeof last, key);
		if (pr->canon)
			base[nbase++] = pr->canon;
		base[nbase++] = pr->name;
		last_u = 0;
		for (i = 0; i < nbase; ++i) {
			last_at_end = pr->canon && i == 0;
			last_rc = tlsa_at(base[i], port, tlsa, &last_n);
			if (last_rc != 0)
				break;
			if (i + 1 < nbase)
				TRACE("tls: DANE: no secure TLSA records at the CNAME target %s: trying %s as written",
				    base[i], base[i + 1]);
		}
		for (i = 0; last_rc > 0 && i < last_n; ++i)	/* DANE-TA, DANE-EE first, in order */
			if (tlsa[i].usage == 2 || tlsa[i].usage == 3) {
				struct dns_tlsa t = tlsa[i];

				tlsa[i] = tlsa[last_u];
				tlsa[last_u++] = t;
			}
	}
	out->failed = last_rc < 0;
	if (last_rc <= 0)
		return;	/* failed, or insecure or no records: no DANE */
	out->secure = 1;
	out->tlsa = tlsa;
	out->count = last_u;
	out->base = last_at_end ? pr->canon : pr->name;
	/* DANE-TA accepts both names of the chain (Postfix's match list too) */
	out->other_name = pr->canon ? (last_at_end ? pr->name : pr->canon) : NULL;
	TRACE("tls: DANE: TLSA base domain %s%s%s%s", out->base,
	    last_at_end ? " (the CNAME target of " : "", last_at_end ? pr->name : "",
	    last_at_end ? ")" : "");
	TRACE("tls: DANE: %zu TLSA record(s) of usage 2 or 3%s", last_u,
	    last_u ? "" : ": encrypt, unauthenticated");
}

