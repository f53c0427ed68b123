/*
 * fuzz_dns.c -- libFuzzer target for the resolver's codec (dnspacket.c)
 * and its resolv.conf reading (dnsconf.c): the input is a reply, given
 * to dns_parse as the answer to several questions (A, AAAA, MX, TLSA,
 * CNAME chains from www.example.org, an uncollected type), with the id
 * taken from the input so the header check lets it through. Whatever it
 * accepts must satisfy the invariants below. The input is also tried as
 * a name: a query built for it, turned into a reply, must parse back,
 * and as the text of resolv.conf.
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -DDNS_TESTING -I. \
 *	tests/fuzz/fuzz_dns.c dnsconf.c dnspacket.c ip.c trace.c -o fuzz_dns
 * Seeds: tests/fuzz/corpus/dns/ (written by test_dns --corpus).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "dnsconf.h"
#include "dnspacket.h"

static const struct question {
	const char *qname;
	uint16_t qtype;
	size_t max;	/* small ones exercise the "array full" paths */
} questions[] = {
	{ "example.org", DNS_T_A, DNS_IP_MAX },
	{ "example.org", DNS_T_A, 1 },
	{ "example.org", DNS_T_AAAA, DNS_IP_MAX },
	{ "example.org", DNS_T_MX, DNS_MX_MAX },
	{ "example.org", DNS_T_MX, 2 },
	{ "example.org", 16, 0 },
	{ "example.org", DNS_T_CNAME, 0 },
	{ "www.example.org", DNS_T_A, DNS_IP_MAX },
	{ "www.example.org", DNS_T_AAAA, DNS_IP_MAX },
	{ "www.example.org", DNS_T_MX, DNS_MX_MAX },
	{ "_25._tcp.mx.example.org", DNS_T_TLSA, DNS_TLSA_MAX },
	{ "_25._tcp.mx.example.org", DNS_T_TLSA, 2 },
};

static struct dns_mx mx[DNS_MX_MAX];
static struct ip_address ip[DNS_IP_MAX];
static struct dns_tlsa tlsa[DNS_TLSA_MAX];

static int
text_ok(const char *s)
{
	size_t n = strnlen(s, DNS_NAME_MAX + 1);

	if (n > DNS_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (*s < '!' || *s > '~' || (*s >= 'A' && *s <= 'Z'))
			return 0;
	return 1;
}

static void
check(const struct question *q, const struct dns_answer *ans, const uint8_t *pkt, size_t len)
{
	size_t i;

	if (!text_ok(ans->canon) || ans->tc > 1 || ans->ad > 1 || ans->rcode < 0 ||
	    ans->rcode > 0xfff)
		abort();
	if (ans->tc && ans->count != 0)
		abort();
	if (ans->rcode != 0 && ans->count != 0)
		abort();
	/* nothing dropped unless the array is full */
	if (ans->dropped != 0 && ans->count != q->max)
		abort();
	switch (q->qtype) {
	case DNS_T_A:
	case DNS_T_AAAA:
		if (ans->count > q->max)
			abort();
		for (i = 0; i < ans->count; i++) {
			if (ans->rr.ip[i].af != (q->qtype == DNS_T_A ? AF_INET : AF_INET6))
				abort();
			if (i > 0 && ip_equal(&ans->rr.ip[i], &ans->rr.ip[i - 1]))
				abort();
		}
		break;
	case DNS_T_MX:
		if (ans->count > q->max)
			abort();
		for (i = 0; i < ans->count; i++) {
			if (!text_ok(ans->rr.mx[i].name) || ans->rr.mx[i].pref > 65535)
				abort();
			if (i > 0 && ans->rr.mx[i].pref < ans->rr.mx[i - 1].pref)
				abort();
			if (ans->rr.mx[i].name[0] == '\0' && ans->count != 1)
				abort();
		}
		break;
	case DNS_T_TLSA:
		/* the whole RRset: each record's data inside the reply, and no
		 * reply can hold more than DNS_TLSA_MAX of them */
		if (ans->count > q->max || (q->max == DNS_TLSA_MAX && len <= 65535 && ans->dropped != 0))
			abort();
		for (i = 0; i < ans->count; i++)
			if (!ans->rr.tlsa[i].data || ans->rr.tlsa[i].data < pkt ||
			    ans->rr.tlsa[i].len > len ||
			    ans->rr.tlsa[i].data + ans->rr.tlsa[i].len > pkt + len)
				abort();
		break;
	}
}

/* The input as a name: a query for it, with QR set, is a valid empty reply. */
static void
name_roundtrip(const uint8_t *data, size_t size)
{
	unsigned char pkt[512];
	char name[300];
	struct dns_answer ans;
	size_t n;

	if (size >= sizeof name)
		return;
	memcpy(name, data, size);
	name[size] = '\0';
	n = dns_query_build(pkt, sizeof pkt, 0x4242, name, DNS_T_MX, size & 1);
	if (n == 0)
		return;
	if (n > 12 + 255 + 4 + 11)
		abort();
	pkt[2] |= 0x80;
	memset(&ans, 0, sizeof ans);
	ans.rr.mx = mx;
	ans.max = DNS_MX_MAX;
	if (dns_parse(pkt, n, 0x4242, name, DNS_T_MX, &ans) != 0 || ans.count != 0 ||
	    ans.rcode != 0 || !text_ok(ans.canon))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t id = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0;
	size_t i;

	for (i = 0; i < sizeof questions / sizeof questions[0]; i++) {
		const struct question *q = &questions[i];
		struct dns_answer ans;

		memset(&ans, 0, sizeof ans);
		ans.max = q->max;
		if (q->qtype == DNS_T_MX)
			ans.rr.mx = mx;
		else if (q->qtype == DNS_T_TLSA)
			ans.rr.tlsa = tlsa;
		else
			ans.rr.ip = ip;
		if (dns_parse(data, size, id, q->qname, q->qtype, &ans) == 0)
			check(q, &ans, data, size);
	}
	name_roundtrip(data, size);
	/* and as resolv.conf: never more than the 16 servers kept */
	if (dns_test_resolv_text((const char *)data, size) > 16)
		abort();
	return 0;
}
