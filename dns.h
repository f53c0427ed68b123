/*
 * dns.h -- our own stub resolver: MX, A/AAAA (following CNAMEs), TLSA, TXT,
 * and a batch of MX and TXT questions asked together (dns_ask).
 * Queries the nameservers of /etc/resolv.conf, or $DNSCACHEIP, over UDP
 * (TCP when truncated) and validates every response strictly.
 * Not here: choosing peers, reports, ipme (qmail-remote.c). The wire codec
 * (dnspacket.h) and the nameserver list (dnsconf.h) are the resolver's
 * own: nothing outside it and its tests includes them.
 */
#ifndef DNS_H
#define DNS_H

#include <stddef.h>
#include <stdint.h>
#include "ip.h"
#include "name.h"	/* DNS_NAME_MAX */

#define DNS_MX_MAX	64	/* MX records kept per domain */
#define DNS_IP_MAX	32	/* addresses kept per name (A + AAAA) */
/* TLSA: the whole RRset, whatever its size. The largest DNS message (a
 * TCP reply, 65535 bytes) holds at most this many TLSA records: each takes
 * 15 bytes at least (a 2-byte compressed owner, 10 fixed, usage, selector,
 * matching type) after the 12-byte header. The data is not copied into
 * the records but points into a reply (dns_parse) or into one static
 * 64 KB arena (dns_tlsa), so a 2 KB `3 0 0' record costs nothing extra. */
#define DNS_TLSA_MAX	((65535 - 12) / 15)

enum dns_status {
	DNS_OK = 0,		/* answer (possibly with zero records: NODATA) */
	DNS_NXDOMAIN,		/* the name does not exist: permanent */
	DNS_TEMP,		/* SERVFAIL, timeout, no nameserver, bad response */
	DNS_BADNAME		/* the name cannot be put in a query: permanent */
};

struct dns_mx {
	unsigned pref;
	char name[DNS_NAME_MAX + 1];	/* "" for the null MX target "." */
};

/* TXT (RFC 1035 3.3.14): one record, its character-strings concatenated
 * without separators (RFC 8461 3.1, RFC 7208 3.3); data is NUL-terminated
 * but may hold NUL bytes itself: len counts. */
struct dns_txt {
	size_t len;
	const char *data;
};
#define DNS_TXT_MAX	16	/* records kept per name: _mta-sts holds one */
#define DNS_TXT_BUF	4096	/* their text; a v=STSv1 record is under 100 bytes */
struct dns_txtset {
	size_t count;			/* records kept */
	size_t dropped;			/* records over DNS_TXT_MAX or DNS_TXT_BUF */
	struct dns_txt rec[DNS_TXT_MAX];
	char buf[DNS_TXT_BUF];
	size_t used;
};

struct dns_tlsa {
	unsigned char usage, selector, mtype;
	size_t len;			/* certificate association data: any length */
	const unsigned char *data;	/* see DNS_TLSA_MAX: never NULL */
};

/*
 * Reads $DNSCACHEIP (space/comma separated addresses) or else the
 * nameserver lines of /etc/resolv.conf; timeout_s bounds each whole
 * lookup (0 = only the built-in retry schedule). 0 or -1 (no nameserver).
 * Called lazily by the first lookup when not called before.
 */
int dns_init(unsigned timeout_s);

/* Sets the bound of dns_init() without reading any configuration: the
 * first lookup does that, so a delivery that needs no DNS never does.
 * The delivery's timeoutdns; a lookup with a bound of its own says so
 * (dns_ip_within(), a question's bound_s), and never changes this one. */
void dns_set_timeout(unsigned timeout_s);

/*
 * Every lookup takes a name in text form (ASCII, A-labels, trailing dot
 * optional) and, when ad is not NULL, sets *ad to 1 when the resolver
 * set the AD bit on the final answer (the query then carries EDNS0 DO);
 * dns_ip() sets it per lookup, as a mask of the two below.
 * With ad not NULL a SERVFAIL is sticky: once a server said it (which a
 * validating resolver says for bogus data), another server's answer to
 * that question counts only with AD set, else the lookup is DNS_TEMP.
 * Timeouts, REFUSED and unreachable servers move on to the next freely.
 */
#define DNS_AD_IP4	1	/* the A answer was validated */
#define DNS_AD_IP6	2	/* the AAAA answer was validated (or not needed) */

/* MX set, sorted by preference, equal preferences shuffled.
 * DNS_OK with *count == 0: the name exists without MX (implicit MX). */
enum dns_status dns_mx(const char *name, struct dns_mx *mx, size_t max,
    size_t *count, int *ad);

/*
 * Questions asked together: each on its own socket with its own random id,
 * all of them sent to each server at once, so that the MTA-STS and
 * TLS-RPT TXT records cost the MX lookup no round trip (SPEC 12, 13). The
 * caller fills the first part of each question; dns_ask() the rest. Each
 * question has its own status, its own deadline and its own SERVFAIL rule
 * (want_ad, as ad above).
 * A side question is one not worth delaying mail for (RFC 8461 3 lets the
 * sender go on without a policy it could not discover): once every other
 * question of the batch is done, it may go on for DNS_SIDE_MS at most,
 * then it is DNS_TEMP; a batch of side questions alone is bounded so too.
 * Only MX and TXT: an address lookup follows its CNAME chain through both
 * families (dns_ip), and TLSA records need dns_tlsa()'s arena.
 */
#define DNS_SIDE_MS	2000
#define DNS_ASK_MAX	4	/* the MX, MTA-STS and TLS-RPT questions, and one more */
struct dns_question {
	/* asked */
	const char *name;
	uint16_t type;			/* DNS_T_MX or DNS_T_TXT */
	union {
		struct dns_mx *mx;	/* max of them, kept as dns_mx() keeps them */
		struct dns_txtset *txt;	/* bounded by its own size; count 0 unless DNS_OK */
	} to;
	size_t max;			/* room at to.mx; unused for TXT */
	int want_ad;			/* the DNSSEC status: DO asked, ad set, SERVFAIL sticky */
	int side;			/* see above */
	unsigned bound_s;		/* 0: timeoutdns alone; else this, when shorter or
					 * timeoutdns is 0 (dns_set_timeout) */
	/* answered */
	enum dns_status status;
	size_t count;			/* records kept: 0 unless DNS_OK */
	int ad;				/* the AD bit of a DNS_OK or DNS_NXDOMAIN answer to
					 * a want_ad question; else 0 */
};
/* Asks the n questions together. 0; or -1 (EINVAL: n is 0 or over
 * DNS_ASK_MAX, a type is not MX or TXT) having asked nothing, every
 * question DNS_TEMP. */
int dns_ask(struct dns_question *q, size_t n);

/* A and AAAA of name, following a CNAME chain (bounded); IPv6 after IPv4
 * unless the caller reorders. DNS_OK with *count == 0: no address.
 * DNSSEC status per lookup (*ad: DNS_AD_IP4 | DNS_AD_IP6): a failed AAAA
 * lookup (timeout, SERVFAIL) leaves the validated A addresses secure, and
 * the other way round; the failed family brings no address. */
enum dns_status dns_ip(const char *name, struct ip_address *ip, size_t max,
    size_t *count, int *ad);
/* dns_ip() within bound_s seconds as well: the shorter of it and
 * timeoutdns counts, or bound_s alone when timeoutdns is 0 (0: no bound
 * of its own). For a lookup inside a fetch with its own deadline (https.c). */
enum dns_status dns_ip_within(const char *name, struct ip_address *ip, size_t max,
    size_t *count, int *ad, unsigned bound_s);
/* dns_ip(), and where the CNAME chain from name ended (lower case, no
 * trailing dot; name itself when it is no alias, "" when neither lookup
 * answered) into canon. The chain is validated as far as *ad says: AD on
 * an answer covers every RRset in it, the CNAMEs included (RFC 4035
 * 3.2.3), and only a chain the answer holds whole is followed (the
 * records of the type asked for must be owned by its end). For DANE's
 * TLSA base domain (RFC 7672 2.2.2). */
enum dns_status dns_ip_canon(const char *name, struct ip_address *ip, size_t max,
    size_t *count, int *ad, char canon[DNS_NAME_MAX + 1]);

/* TLSA records at name (e.g. "_25._tcp.mx.example.org"): the whole RRset.
 * Their data is in dns.c's static arena, valid until the next dns_tlsa().
 * An RRset with more records than max is never cut short: the lookup then
 * fails (DNS_TEMP, traced), as a security check must fail closed. */
enum dns_status dns_tlsa(const char *name, struct dns_tlsa *tlsa, size_t max,
    size_t *count, int *ad);

#define DNS_T_A		1
#define DNS_T_CNAME	5
#define DNS_T_MX	15
#define DNS_T_TXT	16
#define DNS_T_AAAA	28
#define DNS_T_OPT	41
#define DNS_T_TLSA	52

#endif
