/*
 * test_dns.c -- unit tests for the resolver: packets built by hand (with
 * compression) fed to the codec's dns_parse, dns_query_build byte by byte
 * (dnspacket.h), the nameserver list from $DNSCACHEIP and resolv.conf
 * (dnsconf.h), and the lookups of dns.h over UDP/TCP against a forked
 * fake nameserver on 127.0.0.1/127.0.0.2 (and ::1 when the host has it)
 * on a free port.
 * It links dns.c and dnsconf.c built with DNS_TESTING, so that they
 * honour $DNS_TEST_PORT and $DNS_TEST_RESOLV_CONF (the Makefile builds
 * them so for it alone). Build by hand:
 *	cc -DDNS_TESTING -I. tests/unit/test_dns.c dns.c dnsconf.c \
 *	    dnspacket.c ip.c trace.c -o test_dns
 * "test_dns --corpus DIR" writes the parser cases as fuzzer seeds
 * (tests/fuzz/corpus/dns). Prints one line per failed check, then
 * "N passed, N failed".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

#include "dns.h"
#include "dnsconf.h"
#include "dnspacket.h"

/* What dns_init found: dnsconf.c's list. */
static size_t
dns_test_nameservers(struct ip_address *out, size_t max)
{
	const struct ip_address *list;
	size_t i, n;

	list = dns_servers(&n);
	for (i = 0; i < n && i < max; i++)
		out[i] = list[i];
	return n;
}

#define DNS_NS_MAX_TEST 32	/* more than dnsconf.c keeps, to see its limit */

/* ---------- packet assembly ---------- */

#define PKT_MAX 70000
#define ID 0x1234
#define RESP 0x8180	/* QR, RD, RA */

struct pkt {
	unsigned char b[PKT_MAX];
	size_t len;
	size_t rdl;	/* where the open record's rdlength goes */
};

static void
pu8(struct pkt *p, unsigned v)
{
	p->b[p->len++] = (unsigned char)v;
}

static void
pu16(struct pkt *p, unsigned v)
{
	pu8(p, v >> 8);
	pu8(p, v);
}

static void
pu32(struct pkt *p, unsigned long v)
{
	pu16(p, (unsigned)(v >> 16));
	pu16(p, (unsigned)v);
}

static void
pbytes(struct pkt *p, const void *d, size_t n)
{
	memcpy(p->b + p->len, d, n);
	p->len += n;
}

/* Labels of a dotted name, without the terminating root. */
static void
plabels(struct pkt *p, const char *s)
{
	while (*s) {
		size_t n = strcspn(s, ".");

		pu8(p, (unsigned)n);
		pbytes(p, s, n);
		s += n;
		if (*s == '.')
			s++;
	}
}

static void
pptr(struct pkt *p, size_t off)
{
	pu16(p, 0xc000 | (unsigned)off);
}

/* "@" is a pointer to the question name at offset 12; "" is the root. */
static void
pname(struct pkt *p, const char *s)
{
	if (strcmp(s, "@") == 0) {
		pptr(p, 12);
		return;
	}
	plabels(p, s);
	pu8(p, 0);
}

static void
pheader(struct pkt *p, unsigned id, unsigned flags, unsigned qd, unsigned an,
    unsigned nscount, unsigned ar)
{
	p->len = 0;
	pu16(p, id);
	pu16(p, flags);
	pu16(p, qd);
	pu16(p, an);
	pu16(p, nscount);
	pu16(p, ar);
}

static void
pcounts(struct pkt *p, unsigned an, unsigned nscount, unsigned ar)
{
	p->b[6] = (unsigned char)(an >> 8);
	p->b[7] = (unsigned char)an;
	p->b[8] = (unsigned char)(nscount >> 8);
	p->b[9] = (unsigned char)nscount;
	p->b[10] = (unsigned char)(ar >> 8);
	p->b[11] = (unsigned char)ar;
}

static void
pquestion(struct pkt *p, const char *name, unsigned type)
{
	pname(p, name);
	pu16(p, type);
	pu16(p, 1);
}

/* Type, class, ttl and a placeholder rdlength; pend() fills it in. */
static void
prr(struct pkt *p, unsigned type, unsigned class)
{
	pu16(p, type);
	pu16(p, class);
	pu32(p, 3600);
	p->rdl = p->len;
	pu16(p, 0);
}

static void
pend(struct pkt *p)
{
	size_t n = p->len - p->rdl - 2;

	p->b[p->rdl] = (unsigned char)(n >> 8);
	p->b[p->rdl + 1] = (unsigned char)n;
}

static void
rr_a(struct pkt *p, const char *owner, const char *addr)
{
	unsigned char a[4];

	inet_pton(AF_INET, addr, a);
	pname(p, owner);
	prr(p, DNS_T_A, 1);
	pbytes(p, a, 4);
	pend(p);
}

/* A TXT record of the strings in strs, separated by '|' in the C string */
static void
rr_txt(struct pkt *p, const char *owner, const char *strs)
{
	pname(p, owner);
	prr(p, DNS_T_TXT, 1);
	for (;;) {
		size_t n = strcspn(strs, "|");

		pu8(p, (unsigned)n);
		pbytes(p, strs, n);
		if (!strs[n])
			break;
		strs += n + 1;
	}
	pend(p);
}

static void
rr_aaaa(struct pkt *p, const char *owner, const char *addr)
{
	unsigned char a[16];

	inet_pton(AF_INET6, addr, a);
	pname(p, owner);
	prr(p, DNS_T_AAAA, 1);
	pbytes(p, a, 16);
	pend(p);
}

static void
rr_mx(struct pkt *p, const char *owner, unsigned pref, const char *target)
{
	pname(p, owner);
	prr(p, DNS_T_MX, 1);
	pu16(p, pref);
	pname(p, target);
	pend(p);
}

static void
rr_cname(struct pkt *p, const char *owner, const char *target)
{
	pname(p, owner);
	prr(p, DNS_T_CNAME, 1);
	pname(p, target);
	pend(p);
}

static void
rr_opt(struct pkt *p, unsigned payload, unsigned long ttl)
{
	pu8(p, 0);
	pu16(p, DNS_T_OPT);
	pu16(p, payload);
	pu32(p, ttl);
	pu16(p, 0);
}

static void
rr_tlsa(struct pkt *p, const char *owner, unsigned u, unsigned s, unsigned m, size_t n)
{
	size_t i;

	pname(p, owner);
	prr(p, DNS_T_TLSA, 1);
	pu8(p, u);
	pu8(p, s);
	pu8(p, m);
	for (i = 0; i < n; i++)
		pu8(p, (unsigned)i & 0xff);
	pend(p);
}

static void
rr_soa(struct pkt *p, const char *owner)
{
	pname(p, owner);
	prr(p, 6, 1);
	pname(p, "ns.example.org");
	pname(p, "hostmaster.example.org");
	pu32(p, 1);
	pu32(p, 2);
	pu32(p, 3);
	pu32(p, 4);
	pu32(p, 5);
	pend(p);
}

/* ---------- parser cases ---------- */

#define EX "example.org"
#define WWW "www.example.org"
#define TL "_25._tcp.mx.example.org"

static void
b_a(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 2, 0, 1);
	pquestion(p, EX, DNS_T_A);
	rr_a(p, "@", "192.0.2.1");
	rr_a(p, "EXAMPLE.org", "192.0.2.2");
	rr_opt(p, 1232, 0x8000);
}

static void
b_a_dup(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 3, 0, 0);
	pquestion(p, EX, DNS_T_A);
	rr_a(p, "@", "192.0.2.1");
	rr_a(p, "@", "192.0.2.1");
	rr_a(p, "@", "192.0.2.9");
}

static void
b_a_many(struct pkt *p)
{
	char a[32];
	int i;

	pheader(p, ID, RESP, 1, 5, 0, 0);
	pquestion(p, EX, DNS_T_A);
	for (i = 1; i <= 5; i++) {
		snprintf(a, sizeof a, "10.0.0.%d", i);
		rr_a(p, "@", a);
	}
}

static void
b_a_other_owner(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 2, 0, 0);
	pquestion(p, EX, DNS_T_A);
	rr_a(p, "other.example.org", "192.0.2.66");
	rr_a(p, "@", "192.0.2.1");
}

static void
b_aaaa(struct pkt *p)
{
	pheader(p, ID, RESP | 0x20, 1, 2, 0, 0);
	pquestion(p, EX, DNS_T_AAAA);
	rr_aaaa(p, "@", "2001:db8::1");
	rr_aaaa(p, "@", "2001:db8::2");
}

static void
b_mx(struct pkt *p)
{
	size_t q = 12;

	pheader(p, ID, RESP, 1, 3, 0, 0);
	pquestion(p, EX, DNS_T_MX);
	rr_mx(p, "@", 20, "MX2.Example.ORG");
	/* "mx1" + pointer to the question's example.org */
	pptr(p, q);
	prr(p, DNS_T_MX, 1);
	pu16(p, 10);
	plabels(p, "mx1");
	pptr(p, q);
	pend(p);
	rr_mx(p, "@", 30, "mx3.example.net.");
}

static void
b_mx_full(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 4, 0, 0);
	pquestion(p, EX, DNS_T_MX);
	rr_mx(p, "@", 40, "d.example.org");
	rr_mx(p, "@", 30, "c.example.org");
	rr_mx(p, "@", 10, "a.example.org");
	rr_mx(p, "@", 20, "b.example.org");
}

static void
b_mx_equal(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 4, 0, 0);
	pquestion(p, EX, DNS_T_MX);
	rr_mx(p, "@", 10, "a.example.org");
	rr_mx(p, "@", 10, "b.example.org");
	rr_mx(p, "@", 5, "first.example.org");
	rr_mx(p, "@", 10, "c.example.org");
}

static void
b_null_mx(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 1, 0, 0);
	pquestion(p, EX, DNS_T_MX);
	rr_mx(p, "@", 0, "");
}

static void
b_mx_root_and_host(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 2, 0, 0);
	pquestion(p, EX, DNS_T_MX);
	rr_mx(p, "@", 0, "");
	rr_mx(p, "@", 10, "mx.example.org");
}

static void
b_mx_odd_target(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 1, 0, 0);
	pquestion(p, EX, DNS_T_MX);
	pname(p, "@");
	prr(p, DNS_T_MX, 1);
	pu16(p, 10);
	pu8(p, 4);
	pbytes(p, "a.b ", 4);
	pname(p, "org");
	pend(p);
}

static void
b_nodata(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 0, 1, 1);
	pquestion(p, EX, DNS_T_MX);
	rr_soa(p, "@");
	rr_opt(p, 1232, 0);
}

static void
b_nxdomain(struct pkt *p)
{
	pheader(p, ID, RESP | 3, 1, 0, 1, 0);
	pquestion(p, EX, DNS_T_A);
	rr_soa(p, "example.org");
}

static void
b_servfail(struct pkt *p)
{
	pheader(p, ID, RESP | 2, 1, 0, 0, 0);
	pquestion(p, EX, DNS_T_A);
}

static void
b_cname(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 5, 0, 0);
	pquestion(p, WWW, DNS_T_A);
	rr_cname(p, "@", "a.example.net");
	rr_cname(p, "A.example.net", "b.example.net");
	rr_a(p, "@", "192.0.2.99");		/* owned by the alias: ignored */
	rr_a(p, "b.example.net", "192.0.2.7");
	rr_a(p, "c.example.net", "192.0.2.8");	/* unrelated */
}

static void
b_cname_reversed(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 3, 0, 0);
	pquestion(p, WWW, DNS_T_A);
	rr_a(p, "b.example.net", "192.0.2.7");
	rr_cname(p, "a.example.net", "b.example.net");
	rr_cname(p, "@", "a.example.net");
}

static void
b_cname_nodata(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 1, 0, 0);
	pquestion(p, WWW, DNS_T_AAAA);
	rr_cname(p, "@", "Target.Example.net");
}

static void
b_cname_nx(struct pkt *p)
{
	pheader(p, ID, RESP | 3, 1, 1, 0, 0);
	pquestion(p, WWW, DNS_T_MX);
	rr_cname(p, "@", "gone.example.net");
}

static void
b_cname_loop(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 2, 0, 0);
	pquestion(p, WWW, DNS_T_A);
	rr_cname(p, "@", "a.example.net");
	rr_cname(p, "a.example.net", "www.example.org");
}

static void
chain(struct pkt *p, int links)
{
	char from[64], to[64];
	int i;

	pheader(p, ID, RESP, 1, (unsigned)links + 1, 0, 0);
	pquestion(p, WWW, DNS_T_A);
	for (i = 0; i < links; i++) {
		snprintf(from, sizeof from, "c%d.example.net", i);
		snprintf(to, sizeof to, "c%d.example.net", i + 1);
		rr_cname(p, i == 0 ? "@" : from, to);
	}
	snprintf(to, sizeof to, "c%d.example.net", links);
	rr_a(p, to, "192.0.2.16");
}

static void
b_chain16(struct pkt *p)
{
	chain(p, 16);
}

static void
b_chain17(struct pkt *p)
{
	chain(p, 17);
}

static void
b_tc(struct pkt *p)
{
	pheader(p, ID, RESP | 0x0200, 1, 5, 0, 0);	/* records cut off */
	pquestion(p, EX, DNS_T_A);
	rr_a(p, "@", "192.0.2.1");
}

static void
b_ad(struct pkt *p)
{
	pheader(p, ID, RESP | 0x20, 1, 1, 0, 1);
	pquestion(p, EX, DNS_T_A);
	rr_a(p, "@", "192.0.2.1");
	rr_opt(p, 1232, 0x8000);
}

static void
b_opt_ext_rcode(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 0, 0, 1);
	pquestion(p, EX, DNS_T_A);
	rr_opt(p, 1232, 0x01000000);	/* BADVERS = 16 */
}

static void
b_opt_with_options(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 1, 0, 1);
	pquestion(p, EX, DNS_T_A);
	rr_a(p, "@", "192.0.2.1");
	pu8(p, 0);
	prr(p, DNS_T_OPT, 1232);
	pu16(p, 10);	/* COOKIE */
	pu16(p, 8);
	pbytes(p, "12345678", 8);
	pu16(p, 12);	/* PADDING, empty */
	pu16(p, 0);
	pend(p);
}

static void
b_opt_bad_option(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 0, 0, 1);
	pquestion(p, EX, DNS_T_A);
	pu8(p, 0);
	prr(p, DNS_T_OPT, 1232);
	pu16(p, 10);
	pu16(p, 9);	/* longer than what is left */
	pbytes(p, "12345678", 8);
	pend(p);
}

static void
b_opt_twice(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 0, 0, 2);
	pquestion(p, EX, DNS_T_A);
	rr_opt(p, 1232, 0);
	rr_opt(p, 1232, 0);
}

static void
b_opt_in_answer(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 1, 0, 0);
	pquestion(p, EX, DNS_T_A);
	rr_opt(p, 1232, 0);
}

static void
b_opt_owner(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 0, 0, 1);
	pquestion(p, EX, DNS_T_A);
	pname(p, "@");
	prr(p, DNS_T_OPT, 1232);
	pend(p);
}

static void
b_tlsa(struct pkt *p)
{
	pheader(p, ID, RESP | 0x20, 1, 2, 0, 0);
	pquestion(p, TL, DNS_T_TLSA);
	rr_tlsa(p, "@", 3, 1, 1, 32);
	rr_tlsa(p, "@", 2, 0, 0, 600);	/* over the old 512-byte buffer: kept whole */
}

/* A whole certificate (3 0 0) of 2000 bytes, as DANE-EE publishes it,
 * with an RRSIG beside it (counted, not kept). */
static void
b_tlsa_big(struct pkt *p)
{
	pheader(p, ID, RESP | 0x20, 1, 2, 0, 1);
	pquestion(p, TL, DNS_T_TLSA);
	rr_tlsa(p, "@", 3, 0, 0, 2000);
	pname(p, "@");
	prr(p, 46, 1);	/* RRSIG */
	pbytes(p, "0123456789012345678901234567890123456789", 40);
	pend(p);
	rr_opt(p, 1232, 0x8000);
}

/* 40 records (the old parser kept 16), data lengths 0..39, and records
 * of other owners and types between them, which are not kept. */
static void
b_tlsa_many(struct pkt *p)
{
	unsigned i;

	pheader(p, ID, RESP | 0x20, 1, 0, 0, 0);
	pquestion(p, TL, DNS_T_TLSA);
	for (i = 0; i < 40; i++) {
		rr_tlsa(p, "@", 3, 1, i % 3, i);
		if (i % 10 == 9)
			rr_tlsa(p, "_26._tcp.mx.example.org", 3, 1, 1, 32);
	}
	rr_a(p, "@", "192.0.2.1");
	pcounts(p, 45, 0, 0);
}

/* The TLSA RRset behind a CNAME: owned by the chain's target. */
static void
b_tlsa_cname(struct pkt *p)
{
	pheader(p, ID, RESP | 0x20, 1, 3, 0, 0);
	pquestion(p, TL, DNS_T_TLSA);
	rr_cname(p, "@", "_25._tcp.mx.example.net");
	rr_tlsa(p, "_25._tcp.mx.example.net", 3, 1, 1, 32);
	rr_tlsa(p, "@", 3, 1, 1, 32);	/* the alias's own: not the answer */
}

/* Truncated over UDP: header and question only, the caller asks over TCP. */
static void
b_tlsa_tc(struct pkt *p)
{
	pheader(p, ID, RESP | 0x20 | 0x0200, 1, 3, 0, 0);
	pquestion(p, TL, DNS_T_TLSA);
	rr_tlsa(p, "@", 3, 0, 0, 700);
	p->len -= 300;	/* cut inside the record, as a server may */
}

static void
b_tlsa_short(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 1, 0, 0);
	pquestion(p, TL, DNS_T_TLSA);
	pname(p, "@");
	prr(p, DNS_T_TLSA, 1);
	pu8(p, 3);
	pu8(p, 1);
	pend(p);
}

static void
b_txt(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 2, 0, 0);
	pquestion(p, EX, 16);
	pname(p, "@");
	prr(p, 16, 1);
	pu8(p, 2);
	pbytes(p, "hi", 2);
	pend(p);
	pname(p, "@");
	prr(p, 16, 1);
	pend(p);
}

/* two records, one of two strings (concatenated without a space) */
static void
b_txt_strings(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 2, 0, 0);
	pquestion(p, "_mta-sts.example.com", 16);
	rr_txt(p, "@", "v=STSv1;| id=20240101");
	rr_txt(p, "@", "other");
	pend(p);
}

/* a string whose length byte runs past the rdata */
static void
b_txt_overrun(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 1, 0, 0);
	pquestion(p, EX, 16);
	pname(p, "@");
	prr(p, 16, 1);
	pu8(p, 5);
	pbytes(p, "abc", 3);
	pend(p);
}

/* 20 records: 16 kept, 4 counted as dropped */
static void
b_txt_many(struct pkt *p)
{
	int i;

	pheader(p, ID, RESP, 1, 20, 0, 0);
	pquestion(p, EX, 16);
	for (i = 0; i < 20; i++)
		rr_txt(p, "@", "x");
}

static void
b_wrong_id(struct pkt *p)
{
	b_a(p);
	p->b[1] ^= 1;
}

static void
b_wrong_qname(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 1, 0, 0);
	pquestion(p, "example.com", DNS_T_A);
	rr_a(p, "@", "192.0.2.1");
}

static void
b_wrong_qname_suffix(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 1, 0, 0);
	pquestion(p, "example.org.evil", DNS_T_A);
	rr_a(p, "@", "192.0.2.1");
}

static void
b_upper_qname(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 1, 0, 0);
	pquestion(p, "ExAmPlE.OrG", DNS_T_A);
	rr_a(p, "example.org", "192.0.2.1");
}

static void
b_wrong_qtype(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 1, 0, 0);
	pquestion(p, EX, DNS_T_AAAA);
	rr_a(p, "@", "192.0.2.1");
}

static void
b_wrong_class(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 0, 0, 0);
	pname(p, EX);
	pu16(p, DNS_T_A);
	pu16(p, 3);	/* CHAOS */
}

static void
b_answer_class(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 1, 0, 0);
	pquestion(p, EX, DNS_T_A);
	pname(p, "@");
	prr(p, DNS_T_A, 3);
	pbytes(p, "\1\2\3\4", 4);
	pend(p);
}

static void
b_no_qr(struct pkt *p)
{
	b_a(p);
	p->b[2] &= 0x7f;
}

static void
b_opcode(struct pkt *p)
{
	b_a(p);
	p->b[2] |= 0x10;	/* opcode 2, STATUS */
}

static void
b_qd0(struct pkt *p)
{
	pheader(p, ID, RESP | 1, 0, 0, 0, 0);	/* FORMERR without question */
}

static void
b_qd2(struct pkt *p)
{
	pheader(p, ID, RESP, 2, 0, 0, 0);
	pquestion(p, EX, DNS_T_A);
	pquestion(p, EX, DNS_T_A);
}

static void
b_short_header(struct pkt *p)
{
	b_a(p);
	p->len = 11;
}

static void
b_fwd_ptr(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 1, 0, 0);
	pquestion(p, EX, DNS_T_A);
	pptr(p, p->len + 2);	/* points at what follows */
	pname(p, EX);
	prr(p, DNS_T_A, 1);
	pbytes(p, "\1\2\3\4", 4);
	pend(p);
}

/* Well-formed but for a CNAME target pointing forward to the next owner. */
static void
b_fwd_ptr_rdata(struct pkt *p)
{
	size_t at;

	pheader(p, ID, RESP, 1, 2, 0, 0);
	pquestion(p, WWW, DNS_T_A);
	pname(p, "@");
	prr(p, DNS_T_CNAME, 1);
	at = p->len;
	pptr(p, 0);
	pend(p);
	p->b[at + 1] = (unsigned char)p->len;	/* the owner below */
	pname(p, "a.example.net");
	prr(p, DNS_T_A, 1);
	pbytes(p, "\1\2\3\4", 4);
	pend(p);
}

static void
b_qd2_one_question(struct pkt *p)
{
	b_a(p);
	p->b[5] = 2;
}

static void
b_opt_short_option(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 0, 0, 1);
	pquestion(p, EX, DNS_T_A);
	pu8(p, 0);
	prr(p, DNS_T_OPT, 1232);
	pu16(p, 10);	/* code without a length */
	pend(p);
}

static void
b_self_ptr(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 1, 0, 0);
	pquestion(p, EX, DNS_T_A);
	pptr(p, p->len);
	prr(p, DNS_T_A, 1);
	pbytes(p, "\1\2\3\4", 4);
	pend(p);
}

static void
b_loop_ptr(struct pkt *p)
{
	size_t at;

	pheader(p, ID, RESP, 1, 1, 0, 0);
	pquestion(p, EX, DNS_T_A);
	at = p->len;
	plabels(p, "a");
	pptr(p, at);	/* a.a.a.a... */
	prr(p, DNS_T_A, 1);
	pbytes(p, "\1\2\3\4", 4);
	pend(p);
}

static void
b_header_ptr(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 1, 0, 0);
	pquestion(p, EX, DNS_T_A);
	pptr(p, 4);
	prr(p, DNS_T_A, 1);
	pbytes(p, "\1\2\3\4", 4);
	pend(p);
}

static void
b_qname_ptr(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 0, 0, 0);
	pptr(p, 12);	/* the question name cannot point at itself */
	pu16(p, DNS_T_A);
	pu16(p, 1);
}

/* A record whose owner reaches the root through `jumps` pointers. */
static void
jumps(struct pkt *p, int n)
{
	size_t r, last;
	int i;

	pheader(p, ID, RESP, 1, 0, 2, 0);
	pquestion(p, EX, DNS_T_A);
	pname(p, "@");
	prr(p, 65280, 1);
	r = p->len;
	pu8(p, 0);
	last = r;
	for (i = 0; i < n - 1; i++) {
		size_t here = p->len;

		pptr(p, last);
		last = here;
	}
	pend(p);
	pptr(p, last);
	prr(p, 65280, 1);
	pend(p);
}

static void
b_jumps64(struct pkt *p)
{
	jumps(p, 64);
}

static void
b_jumps65(struct pkt *p)
{
	jumps(p, 65);
}

static void
label(char *buf, size_t n, char c)
{
	memset(buf, c, n);
	buf[n] = '\0';
}

/* owner: labels of 63, 63, 63 and `last` bytes */
static void
long_owner(struct pkt *p, size_t last)
{
	char l63[64], ll[64], name[300];

	label(l63, 63, 'x');
	label(ll, last, 'y');
	snprintf(name, sizeof name, "%s.%s.%s.%s", l63, l63, l63, ll);
	pheader(p, ID, RESP, 1, 0, 1, 0);
	pquestion(p, EX, DNS_T_A);
	pname(p, name);
	prr(p, 65280, 1);
	pend(p);
}

static void
b_name255(struct pkt *p)
{
	long_owner(p, 61);
}

static void
b_name256(struct pkt *p)
{
	long_owner(p, 62);
}

static void
b_name_compressed_257(struct pkt *p)
{
	size_t at;

	long_owner(p, 61);
	at = p->len - 10 - 255;	/* the 255-byte owner */
	pcounts(p, 0, 2, 0);
	plabels(p, "a");
	pptr(p, at);
	prr(p, 65280, 1);
	pend(p);
}

static void
b_label64(struct pkt *p)
{
	char l[65];

	label(l, 64, 'z');
	pheader(p, ID, RESP, 1, 0, 1, 0);
	pquestion(p, EX, DNS_T_A);
	pname(p, l);
	prr(p, 65280, 1);
	pend(p);
}

static void
b_ext_label(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 0, 1, 0);
	pquestion(p, EX, DNS_T_A);
	pu8(p, 0x80);
	pu8(p, 0);
	prr(p, 65280, 1);
	pend(p);
}

static void
b_a_rdlen5(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 1, 0, 0);
	pquestion(p, EX, DNS_T_A);
	pname(p, "@");
	prr(p, DNS_T_A, 1);
	pbytes(p, "\1\2\3\4\5", 5);
	pend(p);
}

static void
b_aaaa_rdlen4(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 1, 0, 0);
	pquestion(p, EX, DNS_T_AAAA);
	pname(p, "@");
	prr(p, DNS_T_AAAA, 1);
	pbytes(p, "\1\2\3\4", 4);
	pend(p);
}

static void
b_glue_rdlen(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 1, 0, 1);
	pquestion(p, EX, DNS_T_MX);
	rr_mx(p, "@", 10, "mx.example.org");
	pname(p, "mx.example.org");
	prr(p, DNS_T_A, 1);
	pbytes(p, "\1\2\3", 3);
	pend(p);
}

static void
b_mx_rdlen2(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 1, 0, 0);
	pquestion(p, EX, DNS_T_MX);
	pname(p, "@");
	prr(p, DNS_T_MX, 1);
	pu16(p, 10);
	pend(p);
}

static void
b_mx_extra_byte(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 1, 0, 0);
	pquestion(p, EX, DNS_T_MX);
	pname(p, "@");
	prr(p, DNS_T_MX, 1);
	pu16(p, 10);
	pname(p, "mx.example.org");
	pu8(p, 0);
	pend(p);
}

static void
b_mx_name_overruns(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 1, 0, 0);
	pquestion(p, EX, DNS_T_MX);
	pname(p, "@");
	prr(p, DNS_T_MX, 1);
	pu16(p, 10);
	pname(p, "mx.example.org");
	pend(p);
	p->b[p->rdl + 1] -= 3;	/* the name runs past the rdata */
}

static void
b_cname_extra_byte(struct pkt *p)
{
	pheader(p, ID, RESP, 1, 1, 0, 0);
	pquestion(p, WWW, DNS_T_A);
	pname(p, "@");
	prr(p, DNS_T_CNAME, 1);
	pname(p, "a.example.net");
	pu8(p, 0);
	pend(p);
}

static void
b_count_plus1(struct pkt *p)
{
	b_a(p);
	pcounts(p, 3, 0, 1);
}

static void
b_count_huge(struct pkt *p)
{
	b_a(p);
	pcounts(p, 65535, 65535, 65535);
}

static void
b_ns_count(struct pkt *p)
{
	b_a(p);
	pcounts(p, 2, 1, 1);
}

static void
b_rdlen_past_end(struct pkt *p)
{
	b_a(p);
	p->len -= 11;	/* drop the OPT */
	pcounts(p, 2, 0, 0);
	p->b[p->len - 5] = 5;	/* last A claims 5 bytes, 4 are there */
}

static void
b_trailing(struct pkt *p)
{
	b_a(p);
	pu8(p, 0);
}

typedef void builder(struct pkt *);

struct pcase {
	const char *name;
	builder *build;
	const char *qname;
	uint16_t qtype;
	int ret;		/* what dns_parse returns */
	int rcode, tc, ad;
	size_t count;
	const char *canon;	/* NULL: not checked */
	const char *records;	/* records as text, see fmt_records; NULL: not checked */
	size_t max;		/* 0: the type's usual maximum */
};

static const struct pcase pcases[] = {
	{ "a", b_a, EX, DNS_T_A, 0, 0, 0, 0, 2, EX, "192.0.2.1 192.0.2.2", 0 },
	{ "a_trailing_dot_query", b_a, EX ".", DNS_T_A, 0, 0, 0, 0, 2, EX, NULL, 0 },
	{ "a_dup", b_a_dup, EX, DNS_T_A, 0, 0, 0, 0, 2, NULL, "192.0.2.1 192.0.2.9", 0 },
	{ "a_max", b_a_many, EX, DNS_T_A, 0, 0, 0, 0, 3, NULL, "10.0.0.1 10.0.0.2 10.0.0.3", 3 },
	{ "a_other_owner", b_a_other_owner, EX, DNS_T_A, 0, 0, 0, 0, 1, NULL, "192.0.2.1", 0 },
	{ "aaaa", b_aaaa, EX, DNS_T_AAAA, 0, 0, 0, 1, 2, NULL, "2001:db8::1 2001:db8::2", 0 },
	{ "mx", b_mx, EX, DNS_T_MX, 0, 0, 0, 0, 3, NULL,
	    "10 mx1.example.org,20 mx2.example.org,30 mx3.example.net", 0 },
	{ "mx_full", b_mx_full, EX, DNS_T_MX, 0, 0, 0, 0, 2, NULL,
	    "10 a.example.org,20 b.example.org", 2 },
	{ "null_mx", b_null_mx, EX, DNS_T_MX, 0, 0, 0, 0, 1, NULL, "0 ", 0 },
	{ "mx_root_and_host", b_mx_root_and_host, EX, DNS_T_MX, 0, 0, 0, 0, 1, NULL,
	    "10 mx.example.org", 0 },
	{ "mx_odd_target", b_mx_odd_target, EX, DNS_T_MX, 0, 0, 0, 0, 1, NULL, "10 a?b?.org", 0 },
	{ "nodata", b_nodata, EX, DNS_T_MX, 0, 0, 0, 0, 0, EX, "", 0 },
	{ "nxdomain", b_nxdomain, EX, DNS_T_A, 0, 3, 0, 0, 0, EX, "", 0 },
	{ "servfail", b_servfail, EX, DNS_T_A, 0, 2, 0, 0, 0, NULL, "", 0 },
	{ "cname", b_cname, WWW, DNS_T_A, 0, 0, 0, 0, 1, "b.example.net", "192.0.2.7", 0 },
	{ "cname_reversed", b_cname_reversed, WWW, DNS_T_A, 0, 0, 0, 0, 1, "b.example.net",
	    "192.0.2.7", 0 },
	{ "cname_nodata", b_cname_nodata, WWW, DNS_T_AAAA, 0, 0, 0, 0, 0, "target.example.net",
	    "", 0 },
	{ "cname_nx", b_cname_nx, WWW, DNS_T_MX, 0, 3, 0, 0, 0, "gone.example.net", "", 0 },
	{ "cname_loop", b_cname_loop, WWW, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "chain16", b_chain16, WWW, DNS_T_A, 0, 0, 0, 0, 1, "c16.example.net", "192.0.2.16", 0 },
	{ "chain17", b_chain17, WWW, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "tc", b_tc, EX, DNS_T_A, 0, 0, 1, 0, 0, NULL, "", 0 },
	{ "ad", b_ad, EX, DNS_T_A, 0, 0, 0, 1, 1, NULL, "192.0.2.1", 0 },
	{ "opt_ext_rcode", b_opt_ext_rcode, EX, DNS_T_A, 0, 16, 0, 0, 0, NULL, "", 0 },
	{ "opt_options", b_opt_with_options, EX, DNS_T_A, 0, 0, 0, 0, 1, NULL, "192.0.2.1", 0 },
	{ "opt_bad_option", b_opt_bad_option, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "opt_twice", b_opt_twice, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "opt_in_answer", b_opt_in_answer, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "opt_owner", b_opt_owner, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "tlsa", b_tlsa, TL, DNS_T_TLSA, 0, 0, 0, 1, 2, TL,
	    "3 1 1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f,"
	    "2 0 0 600:00010203...", 0 },
	{ "tlsa_big", b_tlsa_big, TL, DNS_T_TLSA, 0, 0, 0, 1, 1, TL, "3 0 0 2000:00010203...", 0 },
	{ "tlsa_many", b_tlsa_many, TL, DNS_T_TLSA, 0, 0, 0, 1, 40, TL, NULL, 0 },
	{ "tlsa_cname", b_tlsa_cname, TL, DNS_T_TLSA, 0, 0, 0, 1, 1, "_25._tcp.mx.example.net",
	    "3 1 1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 0 },
	{ "tlsa_tc", b_tlsa_tc, TL, DNS_T_TLSA, 0, 0, 1, 1, 0, NULL, "", 0 },
	{ "tlsa_short", b_tlsa_short, TL, DNS_T_TLSA, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "txt_counted", b_txt, EX, 16, 0, 0, 0, 0, 2, NULL, NULL, 0 },
	{ "txt_strings", b_txt_strings, "_mta-sts.example.com", 16, 0, 0, 0, 0, 2, NULL,
	    "v=STSv1; id=20240101,other", 0 },
	{ "txt_overrun", b_txt_overrun, EX, 16, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "txt_many", b_txt_many, EX, 16, 0, 0, 0, 0, 16, NULL, NULL, 0 },
	{ "wrong_id", b_wrong_id, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "wrong_qname", b_wrong_qname, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "wrong_qname_suffix", b_wrong_qname_suffix, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "upper_qname", b_upper_qname, EX, DNS_T_A, 0, 0, 0, 0, 1, EX, "192.0.2.1", 0 },
	{ "wrong_qtype", b_wrong_qtype, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "wrong_class", b_wrong_class, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "answer_class", b_answer_class, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "no_qr", b_no_qr, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "opcode", b_opcode, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "qd0", b_qd0, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "qd2", b_qd2, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "short_header", b_short_header, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "fwd_ptr", b_fwd_ptr, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "fwd_ptr_rdata", b_fwd_ptr_rdata, WWW, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "qd2_one_question", b_qd2_one_question, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "opt_short_option", b_opt_short_option, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "self_ptr", b_self_ptr, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "loop_ptr", b_loop_ptr, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "header_ptr", b_header_ptr, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "qname_ptr", b_qname_ptr, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "jumps64", b_jumps64, EX, DNS_T_A, 0, 0, 0, 0, 0, NULL, "", 0 },
	{ "jumps65", b_jumps65, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "name255", b_name255, EX, DNS_T_A, 0, 0, 0, 0, 0, NULL, "", 0 },
	{ "name256", b_name256, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "name_compressed_257", b_name_compressed_257, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "label64", b_label64, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "ext_label", b_ext_label, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "a_rdlen5", b_a_rdlen5, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "aaaa_rdlen4", b_aaaa_rdlen4, EX, DNS_T_AAAA, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "glue_rdlen", b_glue_rdlen, EX, DNS_T_MX, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "mx_rdlen2", b_mx_rdlen2, EX, DNS_T_MX, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "mx_extra_byte", b_mx_extra_byte, EX, DNS_T_MX, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "mx_name_overruns", b_mx_name_overruns, EX, DNS_T_MX, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "cname_extra_byte", b_cname_extra_byte, WWW, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "count_plus1", b_count_plus1, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "count_huge", b_count_huge, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "ns_count", b_ns_count, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "rdlen_past_end", b_rdlen_past_end, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
	{ "trailing", b_trailing, EX, DNS_T_A, -1, 0, 0, 0, 0, NULL, NULL, 0 },
};

static struct pkt P;	/* static: 70 KB */

union rrbuf {
	struct dns_mx mx[DNS_MX_MAX];
	struct ip_address ip[DNS_IP_MAX];
	struct dns_tlsa tlsa[DNS_TLSA_MAX];
	struct dns_txtset txt;
};

static void
answer_init(struct dns_answer *ans, union rrbuf *rb, uint16_t qtype, size_t max)
{
	memset(ans, 0, sizeof *ans);
	switch (qtype) {
	case DNS_T_MX:
		ans->rr.mx = rb->mx;
		ans->max = DNS_MX_MAX;
		break;
	case DNS_T_TLSA:
		ans->rr.tlsa = rb->tlsa;
		ans->max = DNS_TLSA_MAX;
		break;
	case DNS_T_TXT:
		ans->rr.txt = &rb->txt;
		break;
	default:
		ans->rr.ip = rb->ip;
		ans->max = DNS_IP_MAX;
		break;
	}
	if (max)
		ans->max = max;
}

/* A: "a b", MX: "pref name,pref name", TLSA: "u s m hex,..." */
static void
fmt_records(char *out, size_t size, const struct dns_answer *ans)
{
	size_t i, k, o = 0;

	out[0] = '\0';
	for (i = 0; i < ans->count && o + 1 < size; i++) {
		char ipbuf[IP_FMT_MAX];

		switch (ans->qtype) {
		case DNS_T_A:
		case DNS_T_AAAA:
			ip_fmt(ipbuf, &ans->rr.ip[i]);
			o += (size_t)snprintf(out + o, size - o, "%s%s", i ? " " : "", ipbuf);
			break;
		case DNS_T_MX:
			o += (size_t)snprintf(out + o, size - o, "%s%u %s", i ? "," : "",
			    ans->rr.mx[i].pref, ans->rr.mx[i].name);
			break;
		case DNS_T_TLSA:
			/* over 32 bytes: "len:" and the first 4 (test_tlsa_data checks all) */
			o += (size_t)snprintf(out + o, size - o, "%s%u %u %u ", i ? "," : "",
			    ans->rr.tlsa[i].usage, ans->rr.tlsa[i].selector,
			    ans->rr.tlsa[i].mtype);
			if (ans->rr.tlsa[i].len > 32 && o < size)
				o += (size_t)snprintf(out + o, size - o, "%zu:", ans->rr.tlsa[i].len);
			for (k = 0; k < ans->rr.tlsa[i].len && k < (ans->rr.tlsa[i].len > 32 ? 4 : 32) &&
			    o + 3 < size; k++)
				o += (size_t)snprintf(out + o, size - o, "%02x",
				    ans->rr.tlsa[i].data[k]);
			if (ans->rr.tlsa[i].len > 32 && o + 4 < size)
				o += (size_t)snprintf(out + o, size - o, "...");
			break;
		case DNS_T_TXT:
			o += (size_t)snprintf(out + o, size - o, "%s%.*s", i ? "," : "",
			    (int)ans->rr.txt->rec[i].len, ans->rr.txt->rec[i].data);
			break;
		default:
			return;
		}
		if (o >= size)
			o = size - 1;
	}
}

static void
test_parse_cases(void)
{
	static union rrbuf rb;
	struct dns_answer ans;
	char got[4096];
	size_t i, n;

	for (i = 0; i < sizeof pcases / sizeof pcases[0]; i++) {
		const struct pcase *c = &pcases[i];
		int r;

		memset(&P, 0, sizeof P);
		c->build(&P);
		answer_init(&ans, &rb, c->qtype, c->max);
		r = dns_parse(P.b, P.len, ID, c->qname, c->qtype, &ans);
		CHECK(r == c->ret, "%s: dns_parse returned %d, want %d", c->name, r, c->ret);
		if (r != 0 || c->ret != 0)
			continue;
		CHECK(ans.rcode == c->rcode, "%s: rcode %d, want %d", c->name, ans.rcode, c->rcode);
		CHECK(ans.tc == c->tc, "%s: tc %d, want %d", c->name, ans.tc, c->tc);
		CHECK(ans.ad == c->ad, "%s: ad %d, want %d", c->name, ans.ad, c->ad);
		CHECK(ans.count == c->count, "%s: count %zu, want %zu", c->name, ans.count, c->count);
		if (c->canon)
			CHECK(strcmp(ans.canon, c->canon) == 0, "%s: canon \"%s\", want \"%s\"",
			    c->name, ans.canon, c->canon);
		if (c->records) {
			fmt_records(got, sizeof got, &ans);
			CHECK(strcmp(got, c->records) == 0, "%s: records \"%s\", want \"%s\"",
			    c->name, got, c->records);
		}
		/* every proper prefix of a complete reply is malformed */
		if (!c->tc) {
			size_t bad = 0;

			for (n = 0; n < P.len; n++) {
				answer_init(&ans, &rb, c->qtype, c->max);
				if (dns_parse(P.b, n, ID, c->qname, c->qtype, &ans) != -1)
					bad++;
			}
			CHECK(bad == 0, "%s: %zu truncations accepted", c->name, bad);
		}
	}
}

/* Every record's data is the pattern rr_tlsa wrote, inside the packet. */
static int
tlsa_data_ok(const struct dns_answer *ans, const struct pkt *p)
{
	size_t i, k;

	for (i = 0; i < ans->count; i++) {
		const struct dns_tlsa *t = &ans->rr.tlsa[i];

		if (!t->data || t->data < p->b || t->data + t->len > p->b + p->len)
			return 0;
		for (k = 0; k < t->len; k++)
			if (t->data[k] != (k & 0xff))
				return 0;
	}
	return 1;
}

/*
 * The whole TLSA RRset is kept, whatever its size and count (issue 16.1):
 * data over the old 512-byte buffer, more than the old 16 records, the
 * largest reply TCP can carry; and a set larger than the caller's array
 * is never cut silently: dropped says so (dns_tlsa then fails closed).
 */
static void
test_tlsa_whole(void)
{
	static union rrbuf rb;
	static struct dns_tlsa many[DNS_TLSA_MAX];
	struct dns_answer ans;
	size_t n, i;
	int r;

	memset(&P, 0, sizeof P);
	b_tlsa(&P);
	answer_init(&ans, &rb, DNS_T_TLSA, 0);
	r = dns_parse(P.b, P.len, ID, TL, DNS_T_TLSA, &ans);
	CHECK(r == 0 && ans.count == 2 && ans.rr.tlsa[1].len == 600 && ans.dropped == 0 &&
	    tlsa_data_ok(&ans, &P), "tlsa: 600 bytes not kept whole: r %d count %zu len %zu",
	    r, ans.count, ans.rr.tlsa[1].len);
	b_tlsa_big(&P);
	answer_init(&ans, &rb, DNS_T_TLSA, 0);
	r = dns_parse(P.b, P.len, ID, TL, DNS_T_TLSA, &ans);
	CHECK(r == 0 && ans.count == 1 && ans.rr.tlsa[0].len == 2000 && tlsa_data_ok(&ans, &P),
	    "tlsa_big: r %d count %zu", r, ans.count);

	b_tlsa_many(&P);
	answer_init(&ans, &rb, DNS_T_TLSA, 0);
	r = dns_parse(P.b, P.len, ID, TL, DNS_T_TLSA, &ans);
	CHECK(r == 0 && ans.count == 40 && ans.dropped == 0 && tlsa_data_ok(&ans, &P),
	    "tlsa_many: r %d count %zu dropped %zu", r, ans.count, ans.dropped);
	for (i = 0; r == 0 && i < ans.count; i++)
		CHECK(ans.rr.tlsa[i].len == i && ans.rr.tlsa[i].mtype == i % 3,
		    "tlsa_many: record %zu: len %zu mtype %u", i, ans.rr.tlsa[i].len,
		    ans.rr.tlsa[i].mtype);
	/* a smaller array: full, and the rest counted as dropped */
	answer_init(&ans, &rb, DNS_T_TLSA, 16);
	r = dns_parse(P.b, P.len, ID, TL, DNS_T_TLSA, &ans);
	CHECK(r == 0 && ans.count == 16 && ans.dropped == 24,
	    "tlsa_many max 16: r %d count %zu dropped %zu", r, ans.count, ans.dropped);
	answer_init(&ans, &rb, DNS_T_TLSA, 0);
	ans.max = 0;
	r = dns_parse(P.b, P.len, ID, TL, DNS_T_TLSA, &ans);
	CHECK(r == 0 && ans.count == 0 && ans.dropped == 40,
	    "tlsa_many max 0: r %d count %zu dropped %zu", r, ans.count, ans.dropped);

	/* the most records a 65535-byte reply holds: each 15 bytes, no data */
	pheader(&P, ID, RESP | 0x20, 1, 0, 0, 0);
	pquestion(&P, TL, DNS_T_TLSA);
	for (n = 0; P.len + 15 <= 65535; n++)
		rr_tlsa(&P, "@", 3, 1, 1, 0);
	pcounts(&P, (unsigned)n, 0, 0);
	memset(&ans, 0, sizeof ans);
	ans.rr.tlsa = many;
	ans.max = DNS_TLSA_MAX;
	r = dns_parse(P.b, P.len, ID, TL, DNS_T_TLSA, &ans);
	CHECK(r == 0 && n <= DNS_TLSA_MAX && ans.count == n && ans.dropped == 0,
	    "64 KB of TLSA records: r %d, %zu of %zu kept (DNS_TLSA_MAX %d), dropped %zu",
	    r, ans.count, n, DNS_TLSA_MAX, ans.dropped);
	/* one record filling a 65535-byte reply */
	pheader(&P, ID, RESP | 0x20, 1, 1, 0, 0);
	pquestion(&P, TL, DNS_T_TLSA);
	rr_tlsa(&P, "@", 3, 0, 0, 65535 - P.len - 15);
	answer_init(&ans, &rb, DNS_T_TLSA, 0);
	r = dns_parse(P.b, P.len, ID, TL, DNS_T_TLSA, &ans);
	CHECK(r == 0 && P.len == 65535 && ans.count == 1 && tlsa_data_ok(&ans, &P),
	    "one 64 KB TLSA record: r %d len %zu count %zu", r, P.len, ans.count);
}

static void
test_loop_errno(void)
{
	static union rrbuf rb;
	struct dns_answer ans;
	int r;

	memset(&P, 0, sizeof P);
	b_cname_loop(&P);
	answer_init(&ans, &rb, DNS_T_A, 0);
	errno = 0;
	r = dns_parse(P.b, P.len, ID, WWW, DNS_T_A, &ans);
	CHECK(r == -1 && errno == ELOOP, "cname loop: r %d errno %d, want ELOOP", r, errno);
	b_wrong_id(&P);
	errno = 0;
	r = dns_parse(P.b, P.len, ID, EX, DNS_T_A, &ans);
	CHECK(r == -1 && errno != ELOOP, "wrong id: errno must not be ELOOP");
	r = dns_parse(P.b, P.len, ID, "bad..name", DNS_T_A, &ans);
	CHECK(r == -1, "bad qname accepted by dns_parse");
}

static void
test_mx_shuffle(void)
{
	static union rrbuf rb;
	struct dns_answer ans;
	int i, ab = 0, ba = 0, second[3] = { 0, 0, 0 }, bad = 0;

	memset(&P, 0, sizeof P);
	b_mx_equal(&P);
	for (i = 0; i < 400; i++) {
		int pa = -1, pb = -1;
		size_t k;

		answer_init(&ans, &rb, DNS_T_MX, 0);
		if (dns_parse(P.b, P.len, ID, EX, DNS_T_MX, &ans) != 0 || ans.count != 4 ||
		    strcmp(rb.mx[0].name, "first.example.org") != 0 || rb.mx[0].pref != 5) {
			bad++;
			continue;
		}
		for (k = 1; k < 4; k++) {
			if (rb.mx[k].pref != 10)
				bad++;
			if (strcmp(rb.mx[k].name, "a.example.org") == 0)
				pa = (int)k;
			if (strcmp(rb.mx[k].name, "b.example.org") == 0)
				pb = (int)k;
		}
		if (pa < 0 || pb < 0) {
			bad++;
			continue;
		}
		if (pa < pb)
			ab++;
		else
			ba++;
		second[rb.mx[1].name[0] - 'a' < 3 ? rb.mx[1].name[0] - 'a' : 0]++;
	}
	CHECK(bad == 0, "mx shuffle: %d bad results", bad);
	CHECK(ab > 0 && ba > 0, "mx shuffle: a before b %d times, b before a %d times", ab, ba);
	CHECK(second[0] > 0 && second[1] > 0 && second[2] > 0,
	    "mx shuffle: a/b/c first among equals %d/%d/%d times",
	    second[0], second[1], second[2]);
}

/* ---------- dns_query_build ---------- */

static void
test_query_build(void)
{
	static const unsigned char want_do[] = {
		0xbe, 0xef, 0x01, 0x20, 0, 1, 0, 0, 0, 0, 0, 1,
		7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0,
		0, 15, 0, 1,
		0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0,
	};
	static const unsigned char want_plain[] = {
		0x00, 0x07, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
		1, 'a', 2, '_', '-', 0,
		0, 52, 0, 1,
		0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0,
	};
	static const char *bad[] = {
		"", ".", "..", "a..b", ".a", "a b", "a\tb", "\xc3\xa4.org", "a@b", "a/b",
		"exa mple.org", "a\\.b", "*.example.org",
	};
	unsigned char buf[512];
	char name[300], l63[64], l64[65];
	size_t n, i;

	n = dns_query_build(buf, sizeof buf, 0xbeef, "Example.org.", DNS_T_MX, 1);
	CHECK(n == sizeof want_do && memcmp(buf, want_do, n) == 0,
	    "query with DO: length %zu or bytes differ", n);
	n = dns_query_build(buf, sizeof buf, 7, "a._-", DNS_T_TLSA, 0);
	CHECK(n == sizeof want_plain && memcmp(buf, want_plain, n) == 0,
	    "query without DO: length %zu or bytes differ", n);
	n = dns_query_build(buf, sizeof want_do - 1, 0xbeef, "Example.org", DNS_T_MX, 1);
	CHECK(n == 0, "query into too small a buffer: %zu", n);
	n = dns_query_build(buf, sizeof want_do, 0xbeef, "Example.org", DNS_T_MX, 1);
	CHECK(n == sizeof want_do, "query into an exact buffer: %zu", n);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(dns_query_build(buf, sizeof buf, 1, bad[i], DNS_T_A, 1) == 0,
		    "bad name \"%s\" accepted", bad[i]);

	label(l63, 63, 'a');
	label(l64, 64, 'a');
	CHECK(dns_query_build(buf, sizeof buf, 1, l63, DNS_T_A, 1) != 0, "63-byte label refused");
	CHECK(dns_query_build(buf, sizeof buf, 1, l64, DNS_T_A, 1) == 0, "64-byte label accepted");
	/* 63.63.63.61 = 253 characters: the longest name */
	snprintf(name, sizeof name, "%s.%s.%s.%.61s", l63, l63, l63, l63);
	CHECK(strlen(name) == 253 && dns_query_build(buf, sizeof buf, 1, name, DNS_T_A, 1) ==
	    12 + 255 + 4 + 11, "253-character name refused");
	strcat(name, ".");
	CHECK(dns_query_build(buf, sizeof buf, 1, name, DNS_T_A, 1) != 0,
	    "253-character name with a dot refused");
	snprintf(name, sizeof name, "%s.%s.%s.%.62s", l63, l63, l63, l63);
	CHECK(dns_query_build(buf, sizeof buf, 1, name, DNS_T_A, 1) == 0,
	    "254-character name accepted");
}

/* ---------- nameserver list ---------- */

static void
test_nameservers(void)
{
	struct ip_address got[DNS_NS_MAX_TEST];
	char path[] = "/tmp/test_dns_resolvXXXXXX", line[2000];
	char fmt[IP_FMT_MAX];
	FILE *f;
	size_t n, i;
	int fd;

	setenv("DNSCACHEIP", " 127.0.0.1,127.0.0.2 ::1,, [::2] nonsense 10.0.0.1%lo ", 1);
	CHECK(dns_init(0) == 0, "DNSCACHEIP list refused");
	n = dns_test_nameservers(got, DNS_NS_MAX_TEST);
	CHECK(n == 4, "DNSCACHEIP: %zu servers, want 4", n);
	if (n == 4) {
		ip_fmt(fmt, &got[2]);
		CHECK(strcmp(fmt, "::1") == 0, "DNSCACHEIP third: %s", fmt);
		ip_fmt(fmt, &got[3]);
		CHECK(strcmp(fmt, "::2") == 0, "DNSCACHEIP fourth: %s", fmt);
	}
	setenv("DNSCACHEIP", "nonsense", 1);
	CHECK(dns_init(0) == -1, "DNSCACHEIP without an address accepted");

	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		CHECK(0, "cannot write %s", path);
		return;
	}
	fprintf(f, "# comment\n; nameserver 9.9.9.9\nsearch example.org\n");
	fprintf(f, "nameserver 127.0.0.1\n");
	fprintf(f, "  nameserver\t::1%%lo   # loopback\n");
	fprintf(f, "nameserver fe80::1%%1\n");
	fprintf(f, "nameserver fe80::2%%no-such-if0\n");
	fprintf(f, "nameserverx 1.1.1.1\n");
	fprintf(f, "nameserver 1.2.3.4.5\n");
	fprintf(f, "nameserver 192.0.2.53;comment\n");
	memset(line, 'x', sizeof line - 1);
	line[sizeof line - 1] = '\0';
	memcpy(line, "nameserver 8.8.8.8 ", 19);
	fprintf(f, "%s\n", line);
	for (i = 0; i < 20; i++)
		fprintf(f, "nameserver 10.0.0.%zu\n", i);
	fclose(f);
	unsetenv("DNSCACHEIP");
	setenv("DNS_TEST_RESOLV_CONF", path, 1);
	CHECK(dns_init(0) == 0, "resolv.conf refused");
	n = dns_test_nameservers(got, DNS_NS_MAX_TEST);
	CHECK(n == 16, "resolv.conf: %zu servers, want 16", n);
	if (n == 16) {
		ip_fmt(fmt, &got[0]);
		CHECK(strcmp(fmt, "127.0.0.1") == 0, "resolv.conf first: %s", fmt);
		ip_fmt(fmt, &got[1]);
		CHECK(strcmp(fmt, "::1") == 0 && got[1].scope_id != 0,
		    "resolv.conf second: %s scope %u", fmt, got[1].scope_id);
		ip_fmt(fmt, &got[2]);
		CHECK(strcmp(fmt, "fe80::1") == 0 && got[2].scope_id == 1,
		    "resolv.conf third: %s scope %u", fmt, got[2].scope_id);
		ip_fmt(fmt, &got[3]);
		CHECK(strcmp(fmt, "192.0.2.53") == 0, "resolv.conf fourth: %s", fmt);
		ip_fmt(fmt, &got[4]);
		CHECK(strcmp(fmt, "10.0.0.0") == 0, "resolv.conf fifth: %s", fmt);
	}
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "search example.org\n");
		fclose(f);
	}
	CHECK(dns_init(0) == -1, "resolv.conf without nameserver accepted");
	/* past the read bound: the line the bound cuts is not taken, so
	 * "nameserver 192.0.2.10" cannot become 192.0.2.1 */
	f = fopen(path, "w");
	if (f) {
		size_t filled = 0;

		while (filled + 40 < DNS_RESOLV_MAX - 40) {
			fprintf(f, "%39s\n", "# padding");	/* 40 bytes */
			filled += 40;
		}
		fprintf(f, "%*s\n", (int)(DNS_RESOLV_MAX - filled - 21), "#");
		fprintf(f, "nameserver 192.0.2.10\n");
		fclose(f);
	}
	CHECK(dns_init(0) == -1, "resolv.conf: a line cut at %d bytes was taken", DNS_RESOLV_MAX);
	n = dns_test_nameservers(got, DNS_NS_MAX_TEST);
	if (n == 1) {
		ip_fmt(fmt, &got[0]);
		CHECK(0, "resolv.conf: cut line gave %s", fmt);
	}
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "nameserver 192.0.2.7");	/* no final newline */
		fclose(f);
	}
	CHECK(dns_init(0) == 0 && dns_test_nameservers(got, DNS_NS_MAX_TEST) == 1,
	    "resolv.conf: a last line without newline was not taken");
	setenv("DNS_TEST_RESOLV_CONF", "/nonexistent/resolv.conf", 1);
	CHECK(dns_init(0) == -1, "missing resolv.conf accepted");
	unlink(path);
	unsetenv("DNS_TEST_RESOLV_CONF");
}

/* ---------- live: a fake nameserver in a child process ---------- */

enum { S_U1, S_U2, S_U6, S_T1, S_T2, S_COUNT };

static int srv_fd[S_COUNT];
static unsigned srv_port;
static pid_t srv_pid;
static int late_count;
static unsigned timeout_count;	/* queries for timeout.test, told by count.test */

static int
srv_bind(int af, int type, const char *addr, unsigned port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	memset(&ss, 0, sizeof ss);
	if (af == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		s->sin_family = AF_INET;
		s->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, addr, &s->sin_addr);
		sl = sizeof *s;
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, addr, &s->sin6_addr);
		sl = sizeof *s;
	}
	fd = socket(af, type, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 ||
	    (type == SOCK_STREAM && listen(fd, 8) != 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
srv_open(void)
{
	int tries, i;

	for (tries = 0; tries < 50; tries++) {
		struct sockaddr_in s;
		socklen_t sl = sizeof s;

		srv_fd[S_U1] = srv_bind(AF_INET, SOCK_DGRAM, "127.0.0.1", 0);
		if (srv_fd[S_U1] < 0 ||
		    getsockname(srv_fd[S_U1], (struct sockaddr *)&s, &sl) != 0)
			return -1;
		srv_port = ntohs(s.sin_port);
		srv_fd[S_U2] = srv_bind(AF_INET, SOCK_DGRAM, "127.0.0.2", srv_port);
		srv_fd[S_T1] = srv_bind(AF_INET, SOCK_STREAM, "127.0.0.1", srv_port);
		srv_fd[S_T2] = srv_bind(AF_INET, SOCK_STREAM, "127.0.0.2", srv_port);
		srv_fd[S_U6] = srv_bind(AF_INET6, SOCK_DGRAM, "::1", srv_port);	/* optional */
		if (srv_fd[S_U2] >= 0 && srv_fd[S_T1] >= 0 && srv_fd[S_T2] >= 0)
			return 0;
		for (i = 0; i < S_COUNT; i++)
			if (srv_fd[i] >= 0)
				close(srv_fd[i]);
	}
	return -1;
}

/* The header and question of a reply to query q; records follow. */
static void
reply_start(struct pkt *r, const unsigned char *q, size_t qend, unsigned flags)
{
	pheader(r, (unsigned)(q[0] << 8 | q[1]), RESP | flags, 1, 0, 0, 0);
	pbytes(r, q + 12, qend - 12);
}

static void
emit(int fd, int tcp, const struct pkt *r, const struct sockaddr *to, socklen_t tolen)
{
	if (tcp) {
		unsigned char hdr[2] = { (unsigned char)(r->len >> 8), (unsigned char)r->len };

		if (write(fd, hdr, 2) != 2 || write(fd, r->b, r->len) != (ssize_t)r->len)
			return;
	} else {
		(void)sendto(fd, r->b, r->len, 0, to, tolen);
	}
}

static unsigned char pair_q[1024];
static size_t pair_qlen;
static struct sockaddr_storage pair_to;
static socklen_t pair_tolen;
static int pair_fd, pair_txt_seen;

static void
respond(int fd, int tcp, int which, const unsigned char *q, size_t qlen,
    const struct sockaddr *to, socklen_t tolen)
{
	static struct pkt r;
	char name[300];
	size_t pos = 12, o = 0;
	unsigned qtype, an = 0, i;

	if (qlen < 12)
		return;
	while (pos < qlen && q[pos] != 0 && q[pos] < 64) {
		size_t k;

		if (pos + 1 + q[pos] > qlen || o + q[pos] + 2 > sizeof name)
			return;
		if (o)
			name[o++] = '.';
		for (k = 1; k <= q[pos]; k++)
			name[o++] = (char)(q[pos + k] >= 'A' && q[pos + k] <= 'Z' ?
			    q[pos + k] + 32 : q[pos + k]);
		pos += 1 + q[pos];
	}
	name[o] = '\0';
	if (pos + 5 > qlen)
		return;
	qtype = (unsigned)(q[pos + 1] << 8 | q[pos + 2]);
	pos += 5;

	if (strcmp(name, "timeout.test") == 0 || strcmp(name, "_mta-sts.timeout.test") == 0) {
		timeout_count++;
		return;
	}
	/* the MX query of pair.test is answered only once its TXT query has
	 * come: a client that waited for the MX reply before asking the TXT
	 * would wait out its first try (1 s) */
	if (strcmp(name, "pair.test") == 0 && qtype == DNS_T_MX && !tcp && !pair_txt_seen) {
		if (qlen <= sizeof pair_q) {
			memcpy(pair_q, q, qlen);
			pair_qlen = qlen;
			memcpy(&pair_to, to, tolen);
			pair_tolen = tolen;
			pair_fd = fd;
		}
		return;
	}
	if (strcmp(name, "pair.test") == 0 && qtype == DNS_T_MX)
		pair_txt_seen = 0;
	if (strcmp(name, "_mta-sts.pair.test") == 0 && qtype == DNS_T_TXT) {
		reply_start(&r, q, pos, 0);
		rr_txt(&r, "@", "v=STSv1; id=pair1");
		pcounts(&r, 1, 0, 0);
		emit(fd, tcp, &r, to, tolen);
		pair_txt_seen = 1;
		if (pair_qlen) {
			size_t n = pair_qlen;

			pair_qlen = 0;
			respond(pair_fd, 0, which, pair_q, n, (struct sockaddr *)&pair_to, pair_tolen);
		}
		return;
	}
	if (strcmp(name, "late.test") == 0 && qtype == DNS_T_A && late_count++ % 2 == 0)
		return;
	if (strcmp(name, "spoof.test") == 0 && !tcp) {
		reply_start(&r, q, pos, 0);
		r.b[1] ^= 0x55;	/* wrong id */
		rr_a(&r, "@", "6.6.6.1");
		pcounts(&r, 1, 0, 0);
		emit(fd, tcp, &r, to, tolen);
		pheader(&r, (unsigned)(q[0] << 8 | q[1]), RESP, 1, 1, 0, 0);
		pquestion(&r, "spoof.tesu", qtype);	/* wrong question */
		rr_a(&r, "@", "6.6.6.2");
		emit(fd, tcp, &r, to, tolen);
		reply_start(&r, q, pos, 0);
		pu8(&r, 0xc0);	/* malformed: cut in the middle of a record */
		pcounts(&r, 1, 0, 0);
		emit(fd, tcp, &r, to, tolen);
		if (which == 0) {	/* right id and question, from 127.0.0.2 */
			reply_start(&r, q, pos, 0);
			rr_a(&r, "@", "6.6.6.3");
			pcounts(&r, 1, 0, 0);
			emit(srv_fd[S_U2], tcp, &r, to, tolen);
		}
	}
	/* SERVFAIL from 127.0.0.1 (a validating resolver's word for bogus
	 * data); 127.0.0.2 answers as a non-validating resolver would, or
	 * validated (servfail-ad.test) */
	if ((strcmp(name, "servfail.test") == 0 || strcmp(name, "servfail-ad.test") == 0 ||
	    strcmp(name, "servfail-nx.test") == 0 || strcmp(name, "_25._tcp.servfail.test") == 0 ||
	    strcmp(name, "_mta-sts.servfail.test") == 0) && which == 0) {
		reply_start(&r, q, pos, 2);
		emit(fd, tcp, &r, to, tolen);
		return;
	}
	if (strcmp(name, "servfail-nx.test") == 0) {
		reply_start(&r, q, pos, 3);
		emit(fd, tcp, &r, to, tolen);
		return;
	}
	if (strcmp(name, "refused1.test") == 0 && which == 0) {
		reply_start(&r, q, pos, 5);
		emit(fd, tcp, &r, to, tolen);
		return;
	}
	if (strcmp(name, "refused.test") == 0) {
		reply_start(&r, q, pos, 5);
		emit(fd, tcp, &r, to, tolen);
		return;
	}
	if (strcmp(name, "nx.test") == 0) {
		reply_start(&r, q, pos, 3);
		emit(fd, tcp, &r, to, tolen);
		return;
	}
	if (strcmp(name, "loop.test") == 0) {
		reply_start(&r, q, pos, 0);
		rr_cname(&r, "@", "loop2.test");
		rr_cname(&r, "loop2.test", "loop.test");
		pcounts(&r, 2, 0, 0);
		emit(fd, tcp, &r, to, tolen);
		return;
	}
	if (strcmp(name, "tcbad.test") == 0) {
		reply_start(&r, q, pos, tcp ? 0 : 0x0200);
		if (tcp)
			pcounts(&r, 1, 0, 0);	/* a record promised, none there */
		emit(fd, tcp, &r, to, tolen);
		return;
	}
	if (strcmp(name, "huge.test") == 0 && !tcp && qtype == DNS_T_A) {
		char a[32];

		reply_start(&r, q, pos, 0);	/* valid, but over 4096 bytes */
		for (i = 0; i < 300; i++) {
			snprintf(a, sizeof a, "10.1.%u.%u", i / 256, i % 256);
			rr_a(&r, "@", a);
		}
		pcounts(&r, 300, 0, 0);
		emit(fd, tcp, &r, to, tolen);
		reply_start(&r, q, pos, 0);
		rr_a(&r, "@", "192.0.2.5");
		pcounts(&r, 1, 0, 0);
		emit(fd, tcp, &r, to, tolen);
		return;
	}
	if ((strcmp(name, "tc.test") == 0 || strcmp(name, "_25._tcp.big.test") == 0) && !tcp) {
		reply_start(&r, q, pos, 0x0200);
		emit(fd, tcp, &r, to, tolen);
		return;
	}
	/* one family's lookup fails (SERVFAIL), the other validates */
	if ((strcmp(name, "v6fail.test") == 0 && qtype == DNS_T_AAAA) ||
	    (strcmp(name, "v4fail.test") == 0 && qtype == DNS_T_A)) {
		reply_start(&r, q, pos, 2);
		emit(fd, tcp, &r, to, tolen);
		return;
	}
	reply_start(&r, q, pos,
	    strcmp(name, "ad.test") == 0 || strcmp(name, "_25._tcp.dane.test") == 0 ||
	    strcmp(name, "_25._tcp.big.test") == 0 || strcmp(name, "v6fail.test") == 0 ||
	    strcmp(name, "v4fail.test") == 0 || strcmp(name, "servfail-ad.test") == 0 ? 0x20 : 0);
	if (strcmp(name, "tc.test") == 0 && qtype == DNS_T_A) {
		char a[32];

		for (i = 0; i < 300; i++, an++) {	/* 4800 bytes: more than UDP holds */
			snprintf(a, sizeof a, "10.0.%u.%u", i / 256, i % 256);
			rr_a(&r, "@", a);
		}
	} else if ((strcmp(name, "ok.test") == 0 || strcmp(name, "ad.test") == 0) &&
	    qtype == DNS_T_A) {
		rr_a(&r, "@", "192.0.2.1");
		an++;
	} else if ((strcmp(name, "ok.test") == 0 || strcmp(name, "ad.test") == 0) &&
	    qtype == DNS_T_AAAA) {
		rr_aaaa(&r, "@", "2001:db8::1");
		an++;
	} else if ((strcmp(name, "ok.test") == 0 || strcmp(name, "pair.test") == 0) && qtype == DNS_T_MX) {
		rr_mx(&r, "@", 10, "mx.ok.test");
		an++;
	} else if (strcmp(name, "spoof.test") == 0 && qtype == DNS_T_A) {
		rr_a(&r, "@", "192.0.2.2");
		an++;
	} else if (strcmp(name, "servfail.test") == 0 && qtype == DNS_T_A) {
		rr_a(&r, "@", "192.0.2.3");
		an++;
	} else if (strcmp(name, "servfail-ad.test") == 0 && qtype == DNS_T_A) {
		rr_a(&r, "@", "192.0.2.7");
		an++;
	} else if (strcmp(name, "refused1.test") == 0 && qtype == DNS_T_A) {
		rr_a(&r, "@", "192.0.2.8");
		an++;
	} else if (strcmp(name, "_smtp._tls.pair.test") == 0 && qtype == DNS_T_TXT) {
		rr_txt(&r, "@", "v=TLSRPTv1; rua=mailto:tlsrpt@pair.test");
		an++;
	} else if (strcmp(name, "_mta-sts.servfail.test") == 0 && qtype == DNS_T_TXT) {
		rr_txt(&r, "@", "v=STSv1; id=sf1");
		an++;
	} else if (strcmp(name, "late.test") == 0 && qtype == DNS_T_A) {
		rr_a(&r, "@", "192.0.2.4");
		an++;
	} else if (strcmp(name, "count.test") == 0 && qtype == DNS_T_A) {
		char a[32];

		snprintf(a, sizeof a, "10.0.0.%u", timeout_count & 0xff);
		rr_a(&r, "@", a);
		an++;
		timeout_count = 0;
	} else if (strcmp(name, "cname.test") == 0) {
		rr_cname(&r, "@", "ok.test");
		an++;
		if (qtype == DNS_T_A) {
			rr_a(&r, "ok.test", "192.0.2.1");
			an++;
		}
	} else if (strcmp(name, "cnsplit.test") == 0 && qtype == DNS_T_A) {
		/* the A and AAAA answers' chains end at different names */
		rr_cname(&r, "@", "a.split.test");
		rr_a(&r, "a.split.test", "192.0.2.9");
		an += 2;
	} else if (strcmp(name, "cnsplit.test") == 0 && qtype == DNS_T_AAAA) {
		rr_cname(&r, "@", "b.split.test");
		rr_aaaa(&r, "b.split.test", "2001:db8::9");
		an += 2;
	} else if (strcmp(name, "mx.test") == 0 && qtype == DNS_T_MX) {
		rr_mx(&r, "@", 10, "b.mx.test");
		rr_mx(&r, "@", 5, "A.mx.test");
		rr_mx(&r, "@", 10, "c.mx.test");
		an += 3;
	} else if (strcmp(name, "nullmx.test") == 0 && qtype == DNS_T_MX) {
		rr_mx(&r, "@", 0, "");
		an++;
	} else if (strcmp(name, "_25._tcp.dane.test") == 0 && qtype == DNS_T_TLSA) {
		rr_tlsa(&r, "@", 3, 1, 1, 32);
		an++;
	} else if (strcmp(name, "_25._tcp.big.test") == 0 && qtype == DNS_T_TLSA) {
		for (i = 0; i < 20; i++, an++)	/* 20 whole certificates: 30 KB, TCP only */
			rr_tlsa(&r, "@", 3, 0, 0, 1500 + i);
	} else if (strcmp(name, "v6fail.test") == 0 && qtype == DNS_T_A) {
		rr_a(&r, "@", "192.0.2.6");
		an++;
	} else if (strcmp(name, "v4fail.test") == 0 && qtype == DNS_T_AAAA) {
		rr_aaaa(&r, "@", "2001:db8::6");
		an++;
	}
	rr_opt(&r, 1232, 0x8000);
	pcounts(&r, an, 0, 1);
	emit(fd, tcp, &r, to, tolen);
}

static void
srv_loop(void)
{
	struct pollfd pfd[S_COUNT];
	unsigned char q[1024];
	int i;

	for (;;) {
		for (i = 0; i < S_COUNT; i++) {
			pfd[i].fd = srv_fd[i];
			pfd[i].events = POLLIN;
		}
		if (poll(pfd, S_COUNT, -1) < 0)
			continue;
		for (i = 0; i < S_COUNT; i++) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof from;
			ssize_t n;

			if (pfd[i].fd < 0 || !(pfd[i].revents & POLLIN))
				continue;
			if (i == S_U1 || i == S_U2 || i == S_U6) {
				n = recvfrom(srv_fd[i], q, sizeof q, 0, (struct sockaddr *)&from, &fl);
				if (n > 0)
					respond(srv_fd[i], 0, i == S_U2, q, (size_t)n,
					    (struct sockaddr *)&from, fl);
			} else {
				struct timeval tv = { 2, 0 };
				unsigned char hdr[2];
				int c = accept(srv_fd[i], NULL, NULL);
				size_t want;

				if (c < 0)
					continue;
				setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
				if (recv(c, hdr, 2, MSG_WAITALL) == 2) {
					want = (size_t)(hdr[0] << 8 | hdr[1]);
					if (want <= sizeof q &&
					    recv(c, q, want, MSG_WAITALL) == (ssize_t)want)
						respond(c, 1, i == S_T2, q, want, NULL, 0);
				}
				close(c);
			}
		}
	}
}

static int
srv_start(void)
{
	char port[16];
	int i;

	if (srv_open() != 0)
		return -1;
	srv_pid = fork();
	if (srv_pid < 0)
		return -1;
	if (srv_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		srv_loop();
		_exit(0);
	}
	for (i = 0; i < S_COUNT; i++)
		if (srv_fd[i] >= 0)
			close(srv_fd[i]);
	snprintf(port, sizeof port, "%u", srv_port);
	setenv("DNS_TEST_PORT", port, 1);
	return 0;
}

static void
srv_stop(void)
{
	if (srv_pid > 0) {
		kill(srv_pid, SIGTERM);
		waitpid(srv_pid, NULL, 0);
	}
}

static int64_t
ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
use_servers(const char *list, unsigned timeout_s)
{
	setenv("DNSCACHEIP", list, 1);
	CHECK(dns_init(timeout_s) == 0, "dns_init with DNSCACHEIP=%s failed", list);
}

static const char *
ip_text(const struct ip_address *ip)
{
	static char buf[4][IP_FMT_MAX];
	static int k;

	k = (k + 1) % 4;
	ip_fmt(buf[k], ip);
	return buf[k];
}

/* The MX set of name and the TXT records at txtname, asked together as
 * qmail-remote asks them (the TXT a side question without DNSSEC): the
 * MX status; the TXT's in *tst. */
static enum dns_status
mx_txt(const char *name, struct dns_mx *mx, size_t *n, int *ad, const char *txtname,
    struct dns_txtset *txt, enum dns_status *tst)
{
	struct dns_question q[] = {
		{ .name = name, .type = DNS_T_MX, .to.mx = mx, .max = DNS_MX_MAX, .want_ad = 1 },
		{ .name = txtname, .type = DNS_T_TXT, .to.txt = txt, .side = 1 },
	};

	CHECK(dns_ask(q, 2) == 0, "dns_ask %s + %s refused", name, txtname);
	*n = q[0].count;
	*ad = q[0].ad;
	*tst = q[1].status;
	return q[0].status;
}

static void
test_live(void)
{
	struct ip_address ip[DNS_IP_MAX];
	struct dns_mx mx[DNS_MX_MAX];
	static struct dns_tlsa tlsa[DNS_TLSA_MAX];
	size_t n, n2, i;
	int ad, st, r;
	int64_t t0, dt;

	if (srv_start() != 0) {
		CHECK(0, "cannot start the fake nameserver");
		return;
	}
	use_servers("127.0.0.1", 5);

	st = dns_ip("ok.test", ip, DNS_IP_MAX, &n, &ad);
	CHECK(st == DNS_OK && n == 2 && ad == 0, "ok.test: st %d n %zu ad %d", st, n, ad);
	if (st == DNS_OK && n == 2)
		CHECK(strcmp(ip_text(&ip[0]), "192.0.2.1") == 0 &&
		    strcmp(ip_text(&ip[1]), "2001:db8::1") == 0, "ok.test: %s %s",
		    ip_text(&ip[0]), ip_text(&ip[1]));
	st = dns_ip("ok.test", ip, 1, &n, NULL);
	CHECK(st == DNS_OK && n == 1 && ip[0].af == AF_INET, "ok.test max 1: st %d n %zu", st, n);
	st = dns_ip("ad.test.", ip, DNS_IP_MAX, &n, &ad);
	CHECK(st == DNS_OK && n == 2 && ad == (DNS_AD_IP4 | DNS_AD_IP6), "ad.test: st %d n %zu ad %d",
	    st, n, ad);
	/* DNSSEC status per lookup: a failed AAAA lookup leaves A validated */
	st = dns_ip("v6fail.test", ip, DNS_IP_MAX, &n, &ad);
	CHECK(st == DNS_OK && n == 1 && ad == DNS_AD_IP4 && ip[0].af == AF_INET,
	    "v6fail.test: st %d n %zu ad %d", st, n, ad);
	st = dns_ip("v4fail.test", ip, DNS_IP_MAX, &n, &ad);
	CHECK(st == DNS_OK && n == 1 && ad == DNS_AD_IP6 && ip[0].af == AF_INET6,
	    "v4fail.test: st %d n %zu ad %d", st, n, ad);
	st = dns_ip("cname.test", ip, DNS_IP_MAX, &n, &ad);
	CHECK(st == DNS_OK && n == 1 && strcmp(ip_text(&ip[0]), "192.0.2.1") == 0,
	    "cname.test: st %d n %zu", st, n);
	st = dns_ip("nx.test", ip, DNS_IP_MAX, &n, &ad);
	CHECK(st == DNS_NXDOMAIN && n == 0, "nx.test: st %d n %zu", st, n);
	/* the chain's end, for DANE's TLSA base domain */
	{
		char canon[DNS_NAME_MAX + 1];

		st = dns_ip_canon("cname.test", ip, DNS_IP_MAX, &n, &ad, canon);
		CHECK(st == DNS_OK && n == 1 && strcmp(canon, "ok.test") == 0, "cname.test canon: st %d n %zu %s",
		    st, n, canon);
		st = dns_ip_canon("OK.test.", ip, DNS_IP_MAX, &n, &ad, canon);
		CHECK(st == DNS_OK && n == 2 && strcmp(canon, "ok.test") == 0, "OK.test. canon: st %d n %zu %s",
		    st, n, canon);
		st = dns_ip_canon("nx.test", ip, DNS_IP_MAX, &n, &ad, canon);
		CHECK(st == DNS_NXDOMAIN && canon[0] == '\0', "nx.test canon: st %d %s", st, canon);
		/* two chains: the AAAA lookup counts as failed, its address unused */
		st = dns_ip_canon("cnsplit.test", ip, DNS_IP_MAX, &n, &ad, canon);
		CHECK(st == DNS_OK && n == 1 && ip[0].af == AF_INET && strcmp(canon, "a.split.test") == 0,
		    "cnsplit.test: st %d n %zu %s", st, n, canon);
	}
	st = dns_mx("nx.test", mx, DNS_MX_MAX, &n, NULL);
	CHECK(st == DNS_NXDOMAIN && n == 0, "nx.test MX: st %d n %zu", st, n);
	st = dns_mx("ok.test", mx, DNS_MX_MAX, &n, &ad);
	CHECK(st == DNS_OK && n == 1 && mx[0].pref == 10 && strcmp(mx[0].name, "mx.ok.test") == 0,
	    "ok.test MX: st %d n %zu", st, n);
	st = dns_mx("ad.test", mx, DNS_MX_MAX, &n, &ad);
	CHECK(st == DNS_OK && n == 0 && ad == 1, "ad.test MX (implicit): st %d n %zu ad %d",
	    st, n, ad);
	st = dns_mx("mx.test", mx, DNS_MX_MAX, &n, &ad);
	CHECK(st == DNS_OK && n == 3 && strcmp(mx[0].name, "a.mx.test") == 0 &&
	    mx[1].pref == 10 && mx[2].pref == 10, "mx.test: st %d n %zu", st, n);
	st = dns_mx("nullmx.test", mx, DNS_MX_MAX, &n, &ad);
	CHECK(st == DNS_OK && n == 1 && mx[0].name[0] == '\0', "nullmx.test: st %d n %zu", st, n);
	st = dns_tlsa("_25._tcp.dane.test", tlsa, DNS_TLSA_MAX, &n, &ad);
	CHECK(st == DNS_OK && n == 1 && ad == 1 && tlsa[0].usage == 3 && tlsa[0].selector == 1 &&
	    tlsa[0].mtype == 1 && tlsa[0].len == 32 && tlsa[0].data[31] == 31,
	    "dane TLSA: st %d n %zu ad %d", st, n, ad);
	st = dns_tlsa("_25._tcp.ok.test", tlsa, DNS_TLSA_MAX, &n, &ad);
	CHECK(st == DNS_OK && n == 0, "no TLSA: st %d n %zu", st, n);

	/* 20 whole certificates: truncated over UDP, all of them over TCP, the
	 * data kept in dns.c's arena past the next lookup (which reuses the
	 * TCP buffer); an array too small for the RRset fails the lookup */
	st = dns_tlsa("_25._tcp.big.test", tlsa, DNS_TLSA_MAX, &n, &ad);
	CHECK(st == DNS_OK && n == 20 && ad == 1, "big TLSA: st %d n %zu ad %d", st, n, ad);
	(void)dns_ip("tc.test", ip, DNS_IP_MAX, &n2, NULL);
	for (i = 0; st == DNS_OK && i < n && i < 20; i++) {
		size_t k, bad = 0;

		for (k = 0; k < tlsa[i].len; k++)
			bad += tlsa[i].data[k] != (k & 0xff);
		CHECK(tlsa[i].usage == 3 && tlsa[i].selector == 0 && tlsa[i].mtype == 0 &&
		    tlsa[i].len == 1500 + i && bad == 0, "big TLSA record %zu: len %zu, %zu bad bytes",
		    i, tlsa[i].len, bad);
	}
	st = dns_tlsa("_25._tcp.big.test", tlsa, 19, &n, &ad);
	CHECK(st == DNS_TEMP && n == 0 && ad == 0, "big TLSA into 19: st %d n %zu ad %d", st, n, ad);

	/* truncated over UDP: 300 records over TCP, the first 32 kept */
	t0 = ms();
	st = dns_ip("tc.test", ip, DNS_IP_MAX, &n, &ad);
	dt = ms() - t0;
	CHECK(st == DNS_OK && n == DNS_IP_MAX && strcmp(ip_text(&ip[0]), "10.0.0.0") == 0 &&
	    strcmp(ip_text(&ip[31]), "10.0.0.31") == 0, "tc.test: st %d n %zu", st, n);
	CHECK(dt < 900, "tc.test took %lld ms", (long long)dt);

	/* wrong id, wrong question, malformed, wrong source: ignored, then
	 * the real reply */
	t0 = ms();
	st = dns_ip("spoof.test", ip, DNS_IP_MAX, &n, &ad);
	dt = ms() - t0;
	CHECK(st == DNS_OK && n == 1 && strcmp(ip_text(&ip[0]), "192.0.2.2") == 0,
	    "spoof.test: st %d n %zu %s", st, n, n ? ip_text(&ip[0]) : "");
	CHECK(dt < 900, "spoof.test took %lld ms", (long long)dt);

	/* a reply over 4096 bytes is ignored: we asked for 1232 */
	st = dns_ip("huge.test", ip, DNS_IP_MAX, &n, &ad);
	CHECK(st == DNS_OK && n == 1 && strcmp(ip_text(&ip[0]), "192.0.2.5") == 0,
	    "huge.test: st %d n %zu", st, n);

	/* a valid reply with a CNAME loop, a bad TCP reply: that server
	 * is done for, and with no other one, DNS_TEMP at once */
	t0 = ms();
	st = dns_ip("loop.test", ip, DNS_IP_MAX, &n, &ad);
	dt = ms() - t0;
	CHECK(st == DNS_TEMP && n == 0 && dt < 900, "loop.test: st %d n %zu, %lld ms",
	    st, n, (long long)dt);
	t0 = ms();
	st = dns_mx("tcbad.test", mx, DNS_MX_MAX, &n, &ad);
	dt = ms() - t0;
	CHECK(st == DNS_TEMP && n == 0 && dt < 900, "tcbad.test: st %d n %zu, %lld ms",
	    st, n, (long long)dt);

	/* no reply to the first try: the second, 1 s later, is answered */
	t0 = ms();
	st = dns_ip("late.test", ip, DNS_IP_MAX, &n, &ad);
	dt = ms() - t0;
	CHECK(st == DNS_OK && n == 1 && strcmp(ip_text(&ip[0]), "192.0.2.4") == 0,
	    "late.test: st %d n %zu", st, n);
	CHECK(dt >= 900 && dt < 2500, "late.test took %lld ms", (long long)dt);

	/* SERVFAIL from the first server (a validating resolver's "bogus"):
	 * the second one is asked at once, but its answer counts only when
	 * validated -- else "bogus" would become "insecure" (SPEC 5) */
	use_servers("127.0.0.1, 127.0.0.2", 5);
	t0 = ms();
	st = dns_ip("servfail.test", ip, DNS_IP_MAX, &n, &ad);
	dt = ms() - t0;
	CHECK(st == DNS_TEMP && n == 0 && ad == 0, "servfail.test, unvalidated after SERVFAIL: st %d n %zu ad %d",
	    st, n, ad);
	CHECK(dt < 900, "servfail.test took %lld ms", (long long)dt);
	t0 = ms();
	st = dns_ip("servfail-ad.test", ip, DNS_IP_MAX, &n, &ad);
	dt = ms() - t0;
	CHECK(st == DNS_OK && n == 1 && strcmp(ip_text(&ip[0]), "192.0.2.7") == 0 &&
	    ad == (DNS_AD_IP4 | DNS_AD_IP6), "servfail-ad.test, validated after SERVFAIL: st %d n %zu ad %d",
	    st, n, ad);
	CHECK(dt < 900, "servfail-ad.test took %lld ms", (long long)dt);
	/* an unvalidated NXDOMAIN after a SERVFAIL must not bounce the mail */
	st = dns_mx("servfail-nx.test", mx, DNS_MX_MAX, &n, &ad);
	CHECK(st == DNS_TEMP && n == 0 && ad == 0, "servfail-nx.test MX: st %d n %zu ad %d", st, n, ad);
	st = dns_ip("servfail-nx.test", ip, DNS_IP_MAX, &n, &ad);
	CHECK(st == DNS_TEMP && n == 0, "servfail-nx.test: st %d n %zu", st, n);
	/* the TLSA of the bed's dane-bogus-tlsa-servfail-then-unvalidated:
	 * SERVFAIL, then an authoritative server's unvalidated "no records" */
	st = dns_tlsa("_25._tcp.servfail.test", tlsa, DNS_TLSA_MAX, &n, &ad);
	CHECK(st == DNS_TEMP && n == 0 && ad == 0, "TLSA after SERVFAIL: st %d n %zu ad %d", st, n, ad);
	/* a question that does not ask for DNSSEC (ad NULL, no DO) moves on
	 * as before: nothing in its answer is trusted for its DNSSEC status */
	st = dns_ip("servfail.test", ip, DNS_IP_MAX, &n, NULL);
	CHECK(st == DNS_OK && n == 1 && strcmp(ip_text(&ip[0]), "192.0.2.3") == 0,
	    "servfail.test without DNSSEC: st %d n %zu", st, n);
	{
		static struct dns_txtset txt;
		enum dns_status tst;

		st = mx_txt("servfail.test", mx, &n, &ad, "_mta-sts.servfail.test", &txt, &tst);
		CHECK(st == DNS_TEMP && tst == DNS_OK && txt.count == 1 &&
		    strcmp(txt.rec[0].data, "v=STSv1; id=sf1") == 0,
		    "servfail.test MX+TXT: MX st %d, TXT st %d count %zu", st, tst, txt.count);
	}
	/* the SERVFAIL rule is each question's own: the same TXT question,
	 * asked for its DNSSEC status, fails as the MX did */
	{
		static struct dns_txtset txt;
		struct dns_question q = {
			.name = "_mta-sts.servfail.test", .type = DNS_T_TXT, .to.txt = &txt, .want_ad = 1,
		};

		r = dns_ask(&q, 1);
		CHECK(r == 0 && q.status == DNS_TEMP && q.count == 0 && q.ad == 0 && txt.count == 0,
		    "servfail TXT with DNSSEC: r %d st %d count %zu ad %d txt %zu", r, q.status,
		    q.count, q.ad, txt.count);
	}
	/* REFUSED is no verdict on the data: the next server's unvalidated
	 * answer counts */
	t0 = ms();
	st = dns_ip("refused1.test", ip, DNS_IP_MAX, &n, &ad);
	dt = ms() - t0;
	CHECK(st == DNS_OK && n == 1 && strcmp(ip_text(&ip[0]), "192.0.2.8") == 0 && ad == 0,
	    "refused1.test: st %d n %zu ad %d", st, n, ad);
	CHECK(dt < 900, "refused1.test took %lld ms", (long long)dt);
	t0 = ms();
	st = dns_mx("refused.test", mx, DNS_MX_MAX, &n, &ad);
	dt = ms() - t0;
	CHECK(st == DNS_TEMP && n == 0, "refused.test: st %d n %zu", st, n);
	CHECK(dt < 900, "refused.test took %lld ms", (long long)dt);

	/* nobody at 127.0.0.3: port unreachable, next server at once */
	use_servers("127.0.0.3 127.0.0.1", 5);
	t0 = ms();
	st = dns_ip("ok.test", ip, DNS_IP_MAX, &n, &ad);
	dt = ms() - t0;
	CHECK(st == DNS_OK && n == 2, "unreachable first: st %d n %zu", st, n);
	CHECK(dt < 900, "unreachable first took %lld ms", (long long)dt);

	if (srv_fd[S_U6] >= 0) {
		use_servers("::1", 5);
		st = dns_ip("ok.test", ip, DNS_IP_MAX, &n, &ad);
		CHECK(st == DNS_OK && n == 2, "over ::1: st %d n %zu", st, n);
	} else {
		printf("note: no ::1 here, IPv6 nameserver not tested\n");
	}

	/* no reply at all: DNS_TEMP when timeout_s is up, A and AAAA together */
	use_servers("127.0.0.1", 2);
	t0 = ms();
	st = dns_ip("timeout.test", ip, DNS_IP_MAX, &n, &ad);
	dt = ms() - t0;
	CHECK(st == DNS_TEMP && n == 0, "timeout.test: st %d n %zu", st, n);
	CHECK(dt >= 1900 && dt < 3000, "timeout.test took %lld ms, want 2000", (long long)dt);
	t0 = ms();
	st = dns_tlsa("timeout.test", tlsa, DNS_TLSA_MAX, &n, &ad);
	dt = ms() - t0;
	CHECK(st == DNS_TEMP && dt < 3000, "timeout.test TLSA: st %d, %lld ms", st, (long long)dt);

	/* the retry schedule: tries at 0, 1 and 3 s (waits of 1, 2, 4 s) */
	st = dns_ip("count.test", ip, DNS_IP_MAX, &n, NULL);	/* resets the count */
	use_servers("127.0.0.1", 4);
	t0 = ms();
	st = dns_tlsa("timeout.test", tlsa, DNS_TLSA_MAX, &n, &ad);
	dt = ms() - t0;
	CHECK(st == DNS_TEMP && dt >= 3900 && dt < 5000, "timeout.test 4 s: st %d, %lld ms",
	    st, (long long)dt);
	st = dns_ip("count.test", ip, DNS_IP_MAX, &n, NULL);
	CHECK(st == DNS_OK && n == 1 && strcmp(ip_text(&ip[0]), "10.0.0.3") == 0,
	    "retry schedule: %s tries in 4 s, want 3", n ? ip_text(&ip[0]) : "?");

	/* a lookup's own bound (https.c's fetch, a question's bound_s): the
	 * shorter of it and timeoutdns, or it alone when timeoutdns is 0:
	 * about 1 s each; and timeoutdns itself stays as it was for the next
	 * lookup */
	{
		static const struct { unsigned timeoutdns_s, bound_s; } within[] = {
			{ 0, 1 }, { 1, 3 }, { 2, 1 },
		};
		struct dns_question q = {
			.name = "timeout.test", .type = DNS_T_MX, .to.mx = mx, .max = DNS_MX_MAX,
		};

		for (i = 0; i < sizeof within / sizeof within[0]; i++) {
			use_servers("127.0.0.1", within[i].timeoutdns_s);
			t0 = ms();
			st = dns_ip_within("timeout.test", ip, DNS_IP_MAX, &n, NULL, within[i].bound_s);
			dt = ms() - t0;
			CHECK(st == DNS_TEMP && n == 0 && dt >= 900 && dt < 1600,
			    "within %u s, timeoutdns %u s: st %d n %zu, %lld ms", within[i].bound_s,
			    within[i].timeoutdns_s, st, n, (long long)dt);
			q.bound_s = within[i].bound_s;
			t0 = ms();
			r = dns_ask(&q, 1);
			dt = ms() - t0;
			CHECK(r == 0 && q.status == DNS_TEMP && dt >= 900 && dt < 1600,
			    "question bound %u s, timeoutdns %u s: r %d st %d, %lld ms", q.bound_s,
			    within[i].timeoutdns_s, r, q.status, (long long)dt);
		}
		t0 = ms();
		st = dns_ip("timeout.test", ip, DNS_IP_MAX, &n, NULL);
		dt = ms() - t0;
		CHECK(st == DNS_TEMP && dt >= 1900 && dt < 2600,
		    "timeoutdns 2 s after a lookup within 1 s: st %d, %lld ms", st, (long long)dt);
		st = dns_ip_within("ok.test", ip, DNS_IP_MAX, &n, &ad, 1);
		CHECK(st == DNS_OK && n == 2 && ad == 0, "ok.test within 1 s: st %d n %zu ad %d",
		    st, n, ad);
	}

	/* MX and TXT together: no round trip more; the TXT waits at most
	 * DNS_SIDE_MS after the MX answer */
	use_servers("127.0.0.1", 5);
	{
		static struct dns_txtset txt;
		enum dns_status tst;

		t0 = ms();
		st = mx_txt("pair.test", mx, &n, &ad, "_mta-sts.pair.test", &txt, &tst);
		dt = ms() - t0;
		CHECK(st == DNS_OK && n == 1 && tst == DNS_OK && txt.count == 1 &&
		    strcmp(txt.rec[0].data, "v=STSv1; id=pair1") == 0 && dt < 900,
		    "pair.test: st %d n %zu txt st %d count %zu, %lld ms", st, n, tst, txt.count,
		    (long long)dt);
		t0 = ms();
		st = mx_txt("ok.test", mx, &n, &ad, "_mta-sts.ok.test", &txt, &tst);
		dt = ms() - t0;
		CHECK(st == DNS_OK && n == 1 && tst == DNS_OK && txt.count == 0 && dt < 900,
		    "ok.test MX+TXT: st %d n %zu txt st %d count %zu, %lld ms", st, n, tst, txt.count,
		    (long long)dt);
		t0 = ms();
		st = mx_txt("ok.test", mx, &n, &ad, "_mta-sts.timeout.test", &txt, &tst);
		dt = ms() - t0;
		CHECK(st == DNS_OK && n == 1 && tst == DNS_TEMP && txt.count == 0 &&
		    dt >= DNS_SIDE_MS - 100 && dt < DNS_SIDE_MS + 600,
		    "TXT timing out: st %d n %zu txt st %d, %lld ms", st, n, tst, (long long)dt);
		st = mx_txt("nx.test", mx, &n, &ad, "_mta-sts.nx.test", &txt, &tst);
		CHECK(st == DNS_NXDOMAIN && tst == DNS_OK, "nx.test MX+TXT: st %d txt st %d", st, tst);
	}
	/* three questions, as issue 24 asks them: the TLS-RPT TXT record
	 * beside the MTA-STS one, still no round trip more */
	{
		static struct dns_txtset sts_txt, rpt_txt;
		struct dns_question q[] = {
			{ .name = "pair.test", .type = DNS_T_MX, .to.mx = mx, .max = DNS_MX_MAX,
			  .want_ad = 1 },
			{ .name = "_mta-sts.pair.test", .type = DNS_T_TXT, .to.txt = &sts_txt, .side = 1 },
			{ .name = "_smtp._tls.pair.test", .type = DNS_T_TXT, .to.txt = &rpt_txt,
			  .side = 1 },
		};

		t0 = ms();
		r = dns_ask(q, 3);
		dt = ms() - t0;
		CHECK(r == 0 && q[0].status == DNS_OK && q[0].count == 1 &&
		    strcmp(mx[0].name, "mx.ok.test") == 0 && q[1].status == DNS_OK &&
		    q[1].count == 1 && strcmp(sts_txt.rec[0].data, "v=STSv1; id=pair1") == 0 &&
		    q[2].status == DNS_OK && q[2].count == 1 && rpt_txt.count == 1 &&
		    strcmp(rpt_txt.rec[0].data, "v=TLSRPTv1; rua=mailto:tlsrpt@pair.test") == 0 &&
		    dt < 900, "pair.test, three questions: r %d st %d/%d/%d count %zu/%zu/%zu, %lld ms",
		    r, q[0].status, q[1].status, q[2].status, q[0].count, q[1].count, q[2].count,
		    (long long)dt);
	}
	/* what dns_ask refuses, asking nothing: every question DNS_TEMP */
	{
		struct dns_question q[DNS_ASK_MAX + 1];
		size_t k, bad;

		for (k = 0; k < DNS_ASK_MAX + 1; k++) {
			memset(&q[k], 0, sizeof q[k]);
			q[k].name = "ok.test";
			q[k].type = DNS_T_MX;
			q[k].to.mx = mx;
			q[k].max = DNS_MX_MAX;
			q[k].status = DNS_OK;
			q[k].count = 7;
		}
		errno = 0;
		r = dns_ask(q, 0);
		CHECK(r == -1 && errno == EINVAL, "dns_ask of no question: r %d errno %d", r, errno);
		errno = 0;
		r = dns_ask(q, DNS_ASK_MAX + 1);
		for (k = bad = 0; k < DNS_ASK_MAX + 1; k++)
			bad += q[k].status != DNS_TEMP || q[k].count != 0;
		CHECK(r == -1 && errno == EINVAL && bad == 0,
		    "dns_ask of %d questions: r %d errno %d, %zu not DNS_TEMP", DNS_ASK_MAX + 1, r,
		    errno, bad);
		q[0].status = q[1].status = DNS_OK;
		q[1].type = DNS_T_A;
		errno = 0;
		r = dns_ask(q, 2);
		CHECK(r == -1 && errno == EINVAL && q[0].status == DNS_TEMP && q[1].status == DNS_TEMP,
		    "dns_ask of an A question: r %d errno %d st %d/%d", r, errno, q[0].status,
		    q[1].status);
		q[0].status = q[1].status = DNS_OK;
		q[1].type = DNS_T_TLSA;
		r = dns_ask(q, 2);
		CHECK(r == -1 && q[0].status == DNS_TEMP && q[1].status == DNS_TEMP,
		    "dns_ask of a TLSA question: r %d st %d/%d", r, q[0].status, q[1].status);
	}

	st = dns_mx("bad name.test", mx, DNS_MX_MAX, &n, &ad);
	CHECK(st == DNS_BADNAME, "bad name: st %d", st);
	st = dns_ip("", ip, DNS_IP_MAX, &n, &ad);
	CHECK(st == DNS_BADNAME, "empty name: st %d", st);

	/* no nameserver: DNS_TEMP without waiting */
	setenv("DNSCACHEIP", "none", 1);
	CHECK(dns_init(0) == -1, "DNSCACHEIP=none accepted");
	t0 = ms();
	st = dns_ip("ok.test", ip, DNS_IP_MAX, &n, &ad);
	dt = ms() - t0;
	CHECK(st == DNS_TEMP && dt < 100, "no nameserver: st %d, %lld ms", st, (long long)dt);
	st = dns_mx("bad..name", mx, DNS_MX_MAX, &n, &ad);
	CHECK(st == DNS_BADNAME, "bad name without nameserver: st %d", st);

	srv_stop();
}

/* ---------- seeds for the fuzzer ---------- */

static int
write_corpus(const char *dir)
{
	char path[4096];
	size_t i;

	for (i = 0; i < sizeof pcases / sizeof pcases[0]; i++) {
		FILE *f;

		memset(&P, 0, sizeof P);
		pcases[i].build(&P);
		snprintf(path, sizeof path, "%s/%s", dir, pcases[i].name);
		f = fopen(path, "wb");
		if (!f || fwrite(P.b, 1, P.len, f) != P.len || fclose(f) != 0) {
			perror(path);
			return 1;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--corpus") == 0)
		return write_corpus(argv[2]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_parse_cases();
	test_tlsa_whole();
	test_loop_errno();
	test_mx_shuffle();
	test_query_build();
	test_nameservers();
	test_live();
	return check_done();
}
