/*
 * dnspacket.c -- the DNS wire codec: a name to wire form and back, a query
 * (RD, EDNS0, DO when the DNSSEC status is wanted), and a reply checked
 * the way s6-dns does it: id, the question, every count and record
 * bounds-checked, compression pointers backwards and counted; then the
 * records of the type asked for, owned by the name or by the end of its
 * CNAME chain, taken out (MX sorted by preference, equal ones shuffled).
 * Not here: sockets, tries and their timing, which servers (dns.c,
 * dnsconf.c); what the records mean to a delivery (qmail-remote.c,
 * mtasts.c, tls.c).
 * Limits: CNAME chains of 16 links; names of 253 characters from
 * [A-Za-z0-9-_]; 64 compression pointers per name. A TLSA RRset is kept
 * whole (its data points into the reply); the MX and address lists keep
 * the best/first ones; TXT records as struct dns_txtset bounds them.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include "dnspacket.h"
#include "name.h"

#define DNS_UDP_PAYLOAD	1232	/* EDNS0 size that avoids IP fragmentation (DNS flag day 2020) */
#define DNS_HEADER_LEN	12	/* RFC 1035 4.1.1 */
#define DNS_RR_FIXED	10	/* type, class, ttl, rdlength after the owner */
#define DNS_WIRE_MAX	255	/* a name in wire form, RFC 1035 3.1 */
#define DNS_LABEL_MAX	63	/* RFC 1035 2.3.4 */
#define DNS_JUMPS_MAX	64	/* compression pointers per name; 127 labels fit in 255 */
#define DNS_CHAIN_MAX	16	/* CNAME links followed; BIND's limit too */

#define DNS_C_IN	1
#define DNS_F_QR	0x8000
#define DNS_F_TC	0x0200
#define DNS_F_RD	0x0100
#define DNS_F_AD	0x0020
#define DNS_EDNS_DO	0x8000

/* One resource record, its owner decompressed. */
struct rr {
	unsigned char owner[DNS_WIRE_MAX];
	uint16_t type, class;
	uint32_t ttl;
	size_t rdata, rdlen;
};

static uint16_t
get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* Bytes we accept in a label of a name we are asked to look up. */
static int
name_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int
dns_random(void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Uniform in [0, n); 0 when the kernel gives no randomness (the MX
 * order then stays as sorted, which is still correct). */
static size_t
rand_below(size_t n)
{
	uint32_t x, limit;

	if (n < 2)
		return 0;
	limit = UINT32_MAX - UINT32_MAX % (uint32_t)n;
	do {
		if (dns_random(&x, sizeof x) != 0)
			return 0;
	} while (x >= limit);
	return x % (uint32_t)n;
}

/*
 * Text name to wire form. Accepts a trailing dot; rejects empty labels,
 * labels over 63, names over 253 and bytes outside [A-Za-z0-9-_].
 */
static int
name_to_wire(const char *s, unsigned char *wire, size_t *wlen)
{
	size_t len = strnlen(s, DNS_NAME_MAX + 2);
	size_t i, start = 0, o = 0;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > DNS_NAME_MAX)
		return -1;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			if (!name_char_ok((unsigned char)s[i]))
				return -1;
			continue;
		}
		if (i - start == 0 || i - start > DNS_LABEL_MAX)
			return -1;
		wire[o++] = (unsigned char)(i - start);
		memcpy(wire + o, s + start, i - start);
		o += i - start;
		start = i + 1;
	}
	wire[o++] = 0;
	*wlen = o;
	return 0;
}

/*
 * Wire name to text: lower case, no trailing dot, "" for the root.
 * A byte we would not accept in a query becomes '?', so that looking
 * the name up fails with DNS_BADNAME instead of asking for another name.
 * out has DNS_NAME_MAX + 1 bytes: 255 wire bytes are at most 253 text.
 */
static void
name_text(const unsigned char *w, char *out)
{
	size_t i = 0, o = 0, k;

	while (w[i] != 0) {
		if (o > 0)
			out[o++] = '.';
		for (k = 1; k <= w[i]; k++) {
			unsigned char c = name_lower_byte(w[i + k]);

			out[o++] = (char)(name_char_ok(c) ? c : '?');
		}
		i += 1 + (size_t)w[i];
	}
	out[o] = '\0';
}

/* Both names valid wire form; ASCII case-insensitive (RFC 4343).
 * Length bytes are <= 63, below 'A', so folding them changes nothing. */
static int
name_equal(const unsigned char *a, const unsigned char *b)
{
	size_t i = 0, k;

	for (;;) {
		if (a[i] != b[i])
			return 0;
		if (a[i] == 0)
			return 1;
		for (k = 1; k <= a[i]; k++)
			if (name_lower_byte(a[i + k]) != name_lower_byte(b[i + k]))
				return 0;
		i += 1 + (size_t)a[i];
	}
}

/*
 * Reads the name at *pos, decompressing into out (DNS_WIRE_MAX bytes),
 * and moves *pos past it. Each pointer must point backwards and past the
 * header, at most DNS_JUMPS_MAX of them, and the result must fit 255 bytes:
 * together these make every loop end.
 */
static int
name_read(const unsigned char *pkt, size_t len, size_t *pos, unsigned char *out)
{
	size_t p = *pos, o = 0, end = 0;
	unsigned jumps = 0;
	int jumped = 0;

	for (;;) {
		unsigned c;

		if (p >= len)
			return -1;
		c = pkt[p];
		if ((c & 0xc0) == 0xc0) {
			size_t off;

			if (p + 2 > len)
				return -1;
			off = (size_t)(c & 0x3f) << 8 | pkt[p + 1];
			if (off < DNS_HEADER_LEN || off >= p || ++jumps > DNS_JUMPS_MAX)
				return -1;
			if (!jumped) {
				end = p + 2;
				jumped = 1;
			}
			p = off;
			continue;
		}
		if (c & 0xc0)	/* 0x40, 0x80: extended label types, never deployed */
			return -1;
		if (c == 0) {
			out[o++] = 0;
			*pos = jumped ? end : p + 1;
			return 0;
		}
		if (p + 1 + c > len || o + 1 + c + 1 > DNS_WIRE_MAX)
			return -1;
		memcpy(out + o, pkt + p, 1 + (size_t)c);
		o += 1 + (size_t)c;
		p += 1 + (size_t)c;
	}
}

static int
rr_read(const unsigned char *pkt, size_t len, size_t *pos, struct rr *rr)
{
	const unsigned char *p;

	if (name_read(pkt, len, pos, rr->owner) != 0)
		return -1;
	if (*pos + DNS_RR_FIXED > len)
		return -1;
	p = pkt + *pos;
	rr->type = get16(p);
	rr->class = get16(p + 2);
	rr->ttl = get32(p + 4);
	rr->rdlen = get16(p + 8);
	*pos += DNS_RR_FIXED;
	if (*pos + rr->rdlen > len)
		return -1;
	rr->rdata = *pos;
	*pos += rr->rdlen;
	return 0;
}

/* A name filling exactly the rdata from offset start. */
static int
rdata_name(const unsigned char *pkt, size_t len, const struct rr *rr, size_t start,
    unsigned char *out)
{
	size_t p = start;

	if (name_read(pkt, len, &p, out) != 0)
		return -1;
	return p == rr->rdata + rr->rdlen ? 0 : -1;
}

/* The rdata of the types we read must have the length the type needs;
 * the others only have to fit the packet (rr_read checked that). */
static int
rdata_check(const unsigned char *pkt, size_t len, const struct rr *rr)
{
	unsigned char name[DNS_WIRE_MAX];
	size_t p, end;

	if (rr->type == DNS_T_OPT) {
		/* RFC 6891 6.1.2: options are {code, length, data} */
		end = rr->rdata + rr->rdlen;
		for (p = rr->rdata; p < end; ) {
			if (p + 4 > end)
				return -1;
			p += 4 + (size_t)get16(pkt + p + 2);
			if (p > end)
				return -1;
		}
		return 0;
	}
	if (rr->class != DNS_C_IN)
		return 0;
	switch (rr->type) {
	case DNS_T_A:
		return rr->rdlen == 4 ? 0 : -1;
	case DNS_T_AAAA:
		return rr->rdlen == 16 ? 0 : -1;
	case DNS_T_CNAME:
		return rdata_name(pkt, len, rr, rr->rdata, name);
	case DNS_T_MX:
		if (rr->rdlen < 3)
			return -1;
		return rdata_name(pkt, len, rr, rr->rdata + 2, name);
	case DNS_T_TLSA:
		return rr->rdlen >= 3 ? 0 : -1;
	case DNS_T_TXT:
		/* character-strings filling the rdata exactly (an empty
		 * rdata, seen in the wild, is an empty record) */
		end = rr->rdata + rr->rdlen;
		for (p = rr->rdata; p < end; p += 1 + (size_t)pkt[p])
			;
		return p == end ? 0 : -1;
	default:
		return 0;
	}
}

/* Finds in the answer section the CNAME owned by cur; its target into next. */
static int
chain_next(const unsigned char *pkt, size_t len, size_t pos, unsigned an,
    const unsigned char *cur, unsigned char *next)
{
	struct rr rr;
	unsigned i;

	for (i = 0; i < an; i++) {
		if (rr_read(pkt, len, &pos, &rr) != 0)
			return 0;	/* cannot happen: dns_parse read them all */
		if (rr.type == DNS_T_CNAME && rr.class == DNS_C_IN &&
		    name_equal(rr.owner, cur)) {
			size_t p = rr.rdata;

			return name_read(pkt, len, &p, next) == 0;
		}
	}
	return 0;
}

static void
mx_sort(struct dns_mx *mx, size_t n)
{
	struct dns_mx t;
	size_t i, j, run;

	for (i = 1; i < n; i++) {
		t = mx[i];
		for (j = i; j > 0 && mx[j - 1].pref > t.pref; j--)
			mx[j] = mx[j - 1];
		mx[j] = t;
	}
	/* Fisher-Yates within each run of equal preference (RFC 5321 5.1) */
	for (i = 0; i < n; i += run) {
		for (run = 1; i + run < n && mx[i + run].pref == mx[i].pref; run++)
			;
		for (j = run; j > 1; j--) {
			size_t k = rand_below(j);

			t = mx[i + j - 1];
			mx[i + j - 1] = mx[i + k];
			mx[i + k] = t;
		}
	}
}

/* Adds one MX; when full, it replaces the worst one if better, so that
 * a long set still keeps its best preferences. */
static void
mx_add(struct dns_answer *ans, unsigned pref, const unsigned char *target)
{
	size_t i, worst = 0;

	if (ans->max == 0)
		return;
	if (ans->count < ans->max) {
		i = ans->count++;
	} else {
		for (i = 1; i < ans->count; i++)
			if (ans->rr.mx[i].pref > ans->rr.mx[worst].pref)
				worst = i;
		if (pref >= ans->rr.mx[worst].pref)
			return;
		i = worst;
	}
	ans->rr.mx[i].pref = pref;
	name_text(target, ans->rr.mx[i].name);
}

static void
ip_add(struct dns_answer *ans, int af, const unsigned char *addr)
{
	struct ip_address ip;
	size_t i;

	memset(&ip, 0, sizeof ip);
	ip.af = af;
	memcpy(ip.addr, addr, af == AF_INET ? 4 : 16);
	for (i = 0; i < ans->count; i++)
		if (ip_equal(&ans->rr.ip[i], &ip))
			return;
	if (ans->count < ans->max)
		ans->rr.ip[ans->count++] = ip;
	else
		ans->dropped++;
}

/* One TXT record (rdata_check: well-formed), its strings concatenated;
 * one that does not fit the set is counted in dropped, never cut. */
static void
txt_add(struct dns_txtset *t, const unsigned char *rd, size_t rdlen)
{
	size_t p, n = 0;
	char *out;

	for (p = 0; p < rdlen; p += 1 + (size_t)rd[p])
		n += rd[p];
	if (t->count == DNS_TXT_MAX || n + 1 > sizeof t->buf - t->used) {
		t->dropped++;
		return;
	}
	out = t->buf + t->used;
	t->rec[t->count].data = out;
	t->rec[t->count].len = n;
	t->count++;
	t->used += n + 1;
	for (p = 0; p < rdlen; p += 1 + (size_t)rd[p]) {
		memcpy(out, rd + p + 1, rd[p]);
		out += rd[p];
	}
	*out = '\0';
}

/*
 * The records of qtype owned by owner, from the answer section.
 * TLSA records are kept whole, their data pointing into pkt: one that did
 * not fit the array is counted in dropped, never silently lost (a TLSA
 * RRset cut short could lose the one record that matches).
 */
static void
collect(const unsigned char *pkt, size_t len, size_t pos, unsigned an,
    const unsigned char *owner, uint16_t qtype, struct dns_answer *ans)
{
	unsigned char target[DNS_WIRE_MAX];
	unsigned mx_seen = 0, mx_root = 0, root_pref = 0;
	struct rr rr;
	unsigned i;

	for (i = 0; i < an; i++) {
		if (rr_read(pkt, len, &pos, &rr) != 0)
			return;
		if (rr.type != qtype || rr.class != DNS_C_IN || !name_equal(rr.owner, owner))
			continue;
		switch (qtype) {
		case DNS_T_A:
			ip_add(ans, AF_INET, pkt + rr.rdata);
			break;
		case DNS_T_AAAA:
			ip_add(ans, AF_INET6, pkt + rr.rdata);
			break;
		case DNS_T_MX: {
			size_t p = rr.rdata + 2;

			if (name_read(pkt, len, &p, target) != 0)
				return;
			mx_seen++;
			if (target[0] == 0) {
				/* a target "." is not a host; alone it is a null MX */
				mx_root++;
				root_pref = get16(pkt + rr.rdata);
				break;
			}
			mx_add(ans, get16(pkt + rr.rdata), target);
			break;
		}
		case DNS_T_TLSA:
			if (ans->count < ans->max) {
				struct dns_tlsa *t = &ans->rr.tlsa[ans->count++];

				t->usage = pkt[rr.rdata];
				t->selector = pkt[rr.rdata + 1];
				t->mtype = pkt[rr.rdata + 2];
				t->len = rr.rdlen - 3;	/* rdata_check: rdlen >= 3 */
				t->data = pkt + rr.rdata + 3;
			} else {
				ans->dropped++;
			}
			break;
		case DNS_T_TXT:
			txt_add(ans->rr.txt, pkt + rr.rdata, rr.rdlen);
			ans->count = ans->rr.txt->count;
			break;
		default:
			/* other types: validated and counted, nothing stored */
			ans->count++;
			break;
		}
	}
	if (qtype != DNS_T_MX)
		return;
	/* RFC 7505 says a null MX is "0 ."; we take any lone "." the same
	 * way: it says no mail, and the A record must not be tried instead. */
	if (mx_seen == 1 && mx_root == 1 && ans->max > 0) {
		ans->rr.mx[0].pref = root_pref;
		ans->rr.mx[0].name[0] = '\0';
		ans->count = 1;
		return;
	}
	mx_sort(ans->rr.mx, ans->count);
}

/*
 * -1 with errno EINVAL: qname is not a name we would ask for; EPROTO: not
 * a well-formed reply to this question (maybe spoofed: keep waiting);
 * ELOOP: a well-formed reply whose CNAME chain loops or is over
 * DNS_CHAIN_MAX (the server's answer: ask another one). With TC set only
 * the header and question are checked: the rest may be cut anywhere.
 * Types other than A, AAAA, MX and TLSA are counted, not stored.
 */
int
dns_parse(const unsigned char *pkt, size_t len, uint16_t id,
    const char *qname, uint16_t qtype, struct dns_answer *ans)
{
	unsigned char want[DNS_WIRE_MAX], cur[DNS_WIRE_MAX], next[DNS_WIRE_MAX];
	size_t wlen, pos, an_pos;
	unsigned flags, qd, an, nscount, ar, i, hops;
	int opt_seen = 0, ext_rcode = 0;
	struct rr rr;

	ans->rcode = -1;
	ans->ad = ans->tc = 0;
	ans->count = ans->dropped = 0;
	ans->qtype = qtype;
	ans->canon[0] = '\0';
	if (qtype == DNS_T_TXT)
		ans->rr.txt->count = ans->rr.txt->dropped = ans->rr.txt->used = 0;
	if (name_to_wire(qname, want, &wlen) != 0)
		return (errno = EINVAL, -1);
	if (len < DNS_HEADER_LEN || get16(pkt) != id)
		return (errno = EPROTO, -1);
	flags = get16(pkt + 2);
	qd = get16(pkt + 4);
	an = get16(pkt + 6);
	nscount = get16(pkt + 8);
	ar = get16(pkt + 10);
	if (!(flags & DNS_F_QR) || (flags >> 11 & 0xf) != 0 || qd != 1)
		return (errno = EPROTO, -1);
	pos = DNS_HEADER_LEN;
	if (name_read(pkt, len, &pos, cur) != 0 || !name_equal(cur, want) ||
	    pos + 4 > len || get16(pkt + pos) != qtype ||
	    get16(pkt + pos + 2) != DNS_C_IN)
		return (errno = EPROTO, -1);
	pos += 4;
	ans->tc = (flags & DNS_F_TC) != 0;
	ans->ad = (flags & DNS_F_AD) != 0;
	ans->rcode = (int)(flags & 0xf);
	if (ans->tc)
		return 0;	/* the records may be cut short: the caller asks over TCP */

	an_pos = pos;
	for (i = 0; i < an + nscount + ar; i++) {
		if (rr_read(pkt, len, &pos, &rr) != 0 || rdata_check(pkt, len, &rr) != 0)
			return (errno = EPROTO, -1);
		if (rr.type == DNS_T_OPT) {
			/* RFC 6891 6.1.1: one OPT, owned by the root, in additional */
			if (i < an + nscount || opt_seen || rr.owner[0] != 0)
				return (errno = EPROTO, -1);
			opt_seen = 1;
			ext_rcode = (int)(rr.ttl >> 24);
		} else if (i < an && rr.class != DNS_C_IN) {
			return (errno = EPROTO, -1);
		}
	}
	if (pos != len)
		return (errno = EPROTO, -1);
	ans->rcode |= ext_rcode << 4;

	memcpy(cur, want, wlen);
	if (qtype != DNS_T_CNAME) {
		for (hops = 0; chain_next(pkt, len, an_pos, an, cur, next); hops++) {
			if (hops == DNS_CHAIN_MAX)
				return (errno = ELOOP, -1);
			memcpy(cur, next, sizeof cur);
		}
	}
	name_text(cur, ans->canon);
	if (ans->rcode == 0)
		collect(pkt, len, an_pos, an, cur, qtype, ans);
	return 0;
}

size_t
dns_query_build(unsigned char *buf, size_t size, uint16_t id,
    const char *qname, uint16_t qtype, int want_dnssec)
{
	unsigned char wire[DNS_WIRE_MAX];
	size_t wlen, n;

	if (name_to_wire(qname, wire, &wlen) != 0)
		return 0;
	n = DNS_HEADER_LEN + wlen + 4 + 11;
	if (size < n)
		return 0;
	memset(buf, 0, n);
	put16(buf, id);
	/* RFC 6840 5.7: AD in a query asks for AD in the reply */
	put16(buf + 2, DNS_F_RD | (want_dnssec ? DNS_F_AD : 0));
	put16(buf + 4, 1);	/* qdcount */
	put16(buf + 10, 1);	/* arcount: the OPT record */
	memcpy(buf + DNS_HEADER_LEN, wire, wlen);
	n = DNS_HEADER_LEN + wlen;
	put16(buf + n, qtype);
	put16(buf + n + 2, DNS_C_IN);
	n += 4;
	/* OPT: root owner, type, payload size as class, ttl = ext rcode 0,
	 * version 0, flags (DO), rdlength 0 */
	buf[n] = 0;
	put16(buf + n + 1, DNS_T_OPT);
	put16(buf + n + 3, DNS_UDP_PAYLOAD);
	put16(buf + n + 7, want_dnssec ? DNS_EDNS_DO : 0);
	return n + 11;
}
