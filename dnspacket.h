/*
 * dnspacket.h -- the DNS wire codec (dnspacket.c): a query built, a reply
 * checked and its records taken out. Private to the resolver: dns.c asks
 * with it, tests/unit/test_dns.c and tests/fuzz/fuzz_dns.c test it; every
 * other caller uses the lookups of dns.h.
 */
#ifndef DNSPACKET_H
#define DNSPACKET_H

#include <stddef.h>
#include <stdint.h>
#include "dns.h"

#define DNS_QUERY_MAX	512	/* header 12 + name 255 + 4 + OPT 11 = 282 */
#define DNS_R_SERVFAIL	2	/* RFC 1035 4.1.1 */
#define DNS_R_NXDOMAIN	3

/*
 * The packet parser under the lookups.
 * Checks id, the question (name, type, class IN), lengths, counts and
 * compression pointers. Collects answer records of qtype owned by qname
 * or by the CNAME chain from it; *canon receives the chain's final name.
 * TLSA data points into pkt.
 */
struct dns_answer {
	int rcode;
	int ad;			/* AD bit */
	int tc;			/* truncated */
	size_t count;		/* records of qtype collected */
	size_t max;		/* capacity of the array below */
	size_t dropped;		/* A, AAAA, TLSA records that did not fit it */
	uint16_t qtype;
	union {
		struct dns_mx *mx;
		struct ip_address *ip;
		struct dns_tlsa *tlsa;
		struct dns_txtset *txt;	/* qtype TXT: max is ignored */
	} rr;
	char canon[DNS_NAME_MAX + 1];
};
/* 0 on a well-formed response to this question, -1 otherwise. */
int dns_parse(const unsigned char *pkt, size_t len, uint16_t id,
    const char *qname, uint16_t qtype, struct dns_answer *ans);

/* Builds a query (RD set, EDNS0 with DO when want_dnssec); returns its
 * length or 0 when the name is not a valid DNS name. buf >= 512 bytes. */
size_t dns_query_build(unsigned char *buf, size_t size, uint16_t id,
    const char *qname, uint16_t qtype, int want_dnssec);

/* n bytes from the kernel's random source into buf: 0, or -1 (errno) when
 * it gives none. The MX shuffle here, the query ids in dns.c. */
int dns_random(void *buf, size_t n);

#endif
