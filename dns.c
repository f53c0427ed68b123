/*
 * dns.c -- our stub resolver's lookups (dns.h): MX, A/AAAA and TLSA of a
 * name, following a CNAME chain, and TXT; MX and TXT questions also in a
 * batch (dns_ask), sent to each server together. Asked of the nameservers
 * that dnsconf.c lists, over UDP with a random id and source port, and
 * again over TCP when the reply is truncated. A reply that fails the
 * codec's checks (dnspacket.c) is ignored as possibly spoofed, and we keep
 * waiting for the real one until that try's time is up. A SERVFAIL is
 * the resolver's verdict (bogus data, to a validating one): after it,
 * only a validated answer from another server counts (servfailed()).
 * Not here: the wire format (dnspacket.c); which nameservers (dnsconf.c);
 * choosing peers, own addresses, reports (qmail-remote.c); DNSSEC
 * validation (we only pass on the AD bit of the resolver: the admin must
 * run a local validating one, see the man page); DANE matching (tls.c);
 * the libc resolver, which we never call.
 * Limits: UDP replies up to 4096 bytes, TCP up to 65535; DNS_ASK_MAX
 * questions at once. A TLSA RRset is kept whole (any reply's worth:
 * DNS_TLSA_MAX records, 64 KB of data).
 * Our own retry schedule (1, 2, 4, 8 s per server and round) replaces
 * resolv.conf's options, which dnsconf.c ignores.
 * Not reentrant: the reply buffers are static.
 * Built with -DDNS_TESTING (tests only), it also honours $DNS_TEST_PORT.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "dnsconf.h"
#include "dnspacket.h"
#include "trace.h"

#define DNS_PORT	53
#define DNS_UDP_MAX	4096	/* we ask for 1232; anything over 4096 is not for us */
#define DNS_TCP_MAX	65535	/* what the 2-byte TCP length prefix can say */
#define DNS_TRY_FIRST_MS 1000	/* wait for the first try at each server ... */
#define DNS_TRY_LAST_MS	8000	/* ... doubled each round up to this */
#define DNS_LOOKUP_MS	12000	/* whole lookup when timeout_s is 0 */

/* The nameservers of the lookup in progress (dnsconf.c) */
static const struct ip_address *ns;
static size_t ns_count;
static unsigned lookup_timeout_s;

static unsigned char udp_buf[DNS_UDP_MAX];
static unsigned char tcp_buf[DNS_TCP_MAX];

enum try_result {
	TRY_NOREPLY,	/* nothing usable in time: ask this server again next round */
	TRY_BAD,	/* REFUSED, unreachable, a broken reply ...: not again in this lookup */
	TRY_SERVFAIL,	/* SERVFAIL: not again in this lookup, and maybe "bogus" (servfailed()) */
	TRY_ANSWER	/* NOERROR or NXDOMAIN, validated */
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
dns_set_timeout(unsigned timeout_s)
{
	lookup_timeout_s = timeout_s;
}

int
dns_init(unsigned timeout_s)
{
	lookup_timeout_s = timeout_s;
	return dns_servers_load() > 0 ? 0 : -1;
}

static uint16_t
ns_port(void)
{
#ifdef DNS_TESTING
	const char *s = getenv("DNS_TEST_PORT");

	if (s && atoi(s) > 0 && atoi(s) < 65536)
		return (uint16_t)atoi(s);
#endif
	return DNS_PORT;
}

/* A non-blocking socket connected to server, so that only its replies
 * arrive; the kernel picks a random source port (Linux since 3.x). */
static int
ns_socket(const struct ip_address *server, int type)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	memset(&ss, 0, sizeof ss);
	if (server->af == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(ns_port());
		memcpy(&s6->sin6_addr, server->addr, 16);
		s6->sin6_scope_id = server->scope_id;
		sl = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(ns_port());
		memcpy(&s4->sin_addr, server->addr, 4);
		sl = sizeof *s4;
	}
	fd = socket(server->af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* 1 when fd is ready before deadline, 0 on timeout, -1 on error. */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd;

	for (;;) {
		int64_t left = deadline - now_ms();
		int r;

		if (left <= 0)
			return 0;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r > 0)
			return 1;
	}
}

static int
tcp_write(int fd, const unsigned char *buf, size_t n, int64_t deadline)
{
	while (n > 0) {
		ssize_t w;

		if (wait_fd(fd, POLLOUT, deadline) != 1)
			return -1;
		w = write(fd, buf, n);
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
tcp_read(int fd, unsigned char *buf, size_t n, int64_t deadline)
{
	while (n > 0) {
		ssize_t r;

		if (wait_fd(fd, POLLIN, deadline) != 1)
			return -1;
		r = read(fd, buf, n);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return -1;
		buf += r;
		n -= (size_t)r;
	}
	return 0;
}

static enum try_result
judge(const struct dns_answer *ans)
{
	if (ans->rcode == 0 || ans->rcode == DNS_R_NXDOMAIN)
		return TRY_ANSWER;
	return ans->rcode == DNS_R_SERVFAIL ? TRY_SERVFAIL : TRY_BAD;
}

/* RFC 7766: the same query over TCP, with a 2-byte length prefix.
 * No one can inject into a TCP stream blindly, so a bad reply here is
 * the server's own fault. */
static enum try_result
try_tcp(const struct ip_address *server, const unsigned char *q, size_t qlen,
    uint16_t id, const char *qname, uint16_t qtype, struct dns_answer *ans,
    int64_t deadline)
{
	unsigned char out[2 + DNS_QUERY_MAX], hdr[2];
	int fd, err = 0;
	socklen_t el = sizeof err;
	size_t n;

	fd = ns_socket(server, SOCK_STREAM);
	if (fd < 0)
		return TRY_BAD;
	if (wait_fd(fd, POLLOUT, deadline) != 1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
		close(fd);
		return err ? TRY_BAD : TRY_NOREPLY;
	}
	/* the 2-byte length prefix (RFC 1035 4.2.2) */
	out[0] = (unsigned char)(qlen >> 8);
	out[1] = (unsigned char)qlen;
	memcpy(out + 2, q, qlen);
	if (tcp_write(fd, out, qlen + 2, deadline) != 0 ||
	    tcp_read(fd, hdr, 2, deadline) != 0) {
		close(fd);
		return TRY_NOREPLY;
	}
	n = (size_t)hdr[0] << 8 | hdr[1];
	if (tcp_read(fd, tcp_buf, n, deadline) != 0) {
		close(fd);
		return TRY_NOREPLY;
	}
	close(fd);
	if (dns_parse(tcp_buf, n, id, qname, qtype, ans) != 0 || ans->tc)
		return TRY_BAD;
	return judge(ans);
}

/*
 * One question of a lookup. A lookup asks up to DNS_ASK_MAX at once
 * (dns_ask(): the MX query and the TXT queries go to each server
 * together): every try sends each open question on its own socket, with
 * its own random id, and waits for the replies together.
 */
struct job {
	const char *qname;
	uint16_t qtype;
	int want_dnssec;
	int side;		/* bounded by DNS_SIDE_MS once the others are done */
	struct dns_answer *ans;
	int64_t deadline;
	enum dns_status st;
	int done;
	int servfailed;		/* a server said SERVFAIL: only a validated answer counts now */
	int dead[DNS_NS_MAX];	/* servers that failed this question */
	int fd;			/* the try in flight, -1 = none */
	uint16_t id;
	size_t qlen;
	unsigned char q[DNS_QUERY_MAX];
};

static void
job_finish(struct job *j, enum dns_status st)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
	j->st = st;
	j->done = 1;
}

/* A side question may outlast the others by DNS_SIDE_MS at most. */
static void
side_deadline(struct job *jobs, size_t n, int64_t now)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (!jobs[k].side && !jobs[k].done)
			return;
	for (k = 0; k < n; k++)
		if (jobs[k].side && jobs[k].deadline > now + DNS_SIDE_MS)
			jobs[k].deadline = now + DNS_SIDE_MS;
}

/* Sends j to server (a try): its socket in j->fd, or -1 (server marked
 * dead when it cannot be asked at all, e.g. no IPv6 here). */
static void
try_send(struct job *j, size_t server)
{
	j->fd = -1;
	if (dns_random(&j->id, sizeof j->id) != 0) {
		job_finish(j, DNS_TEMP);	/* a guessable id invites spoofing */
		return;
	}
	j->qlen = dns_query_build(j->q, sizeof j->q, j->id, j->qname, j->qtype, j->want_dnssec);
	j->fd = ns_socket(&ns[server], SOCK_DGRAM);
	if (j->fd < 0) {
		j->dead[server] = 1;
		return;
	}
	if (send(j->fd, j->q, j->qlen, 0) != (ssize_t)j->qlen) {
		close(j->fd);
		j->fd = -1;
	}
}

/*
 * What arrived on j's socket. 0: nothing valid yet, keep waiting (replies
 * that fail validation are ignored as possibly spoofed); 1: the try is
 * over, its result in *r.
 */
static int
try_receive(struct job *j, size_t server, enum try_result *r)
{
	for (;;) {
		ssize_t n = recv(j->fd, udp_buf, sizeof udp_buf, MSG_TRUNC);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			/* ICMP port unreachable: nobody listens there */
			*r = errno == ECONNREFUSED ? TRY_BAD : TRY_NOREPLY;
			return 1;
		}
		if ((size_t)n > sizeof udp_buf)
			continue;
		if (dns_parse(udp_buf, (size_t)n, j->id, j->qname, j->qtype, j->ans) != 0) {
			if (errno == ELOOP) {	/* a valid reply, a broken chain */
				*r = TRY_BAD;
				return 1;
			}
			continue;	/* maybe spoofed: wait for the real one */
		}
		if (j->ans->tc) {
			TRACE("dns: %s: reply truncated over UDP, asking again over TCP", j->qname);
			*r = try_tcp(&ns[server], j->q, j->qlen, j->id, j->qname, j->qtype, j->ans,
			    j->deadline);
			return 1;
		}
		*r = judge(j->ans);
		return 1;
	}
}

static const char *
type_name(uint16_t qtype)
{
	switch (qtype) {
	case DNS_T_A: return "A";
	case DNS_T_AAAA: return "AAAA";
	case DNS_T_MX: return "MX";
	case DNS_T_TXT: return "TXT";
	case DNS_T_TLSA: return "TLSA";
	default: return "?";
	}
}

/*
 * A SERVFAIL is an answer, not only a dead server: a validating resolver
 * gives it for data that failed validation ("bogus"). Another server's
 * answer to the same question may be a non-validating resolver's copy of
 * the attacker's data, without AD: "bogus" would become "insecure", and
 * DANE would be off. So once a server said SERVFAIL to a question asked
 * for its DNSSEC status, only a validated answer to it counts (SPEC 5).
 * A question that does not ask for it (TXT for MTA-STS, the policy host's
 * address: both are authenticated by PKIX, not DNSSEC) moves on freely,
 * as after REFUSED or a timeout.
 */
static void
servfailed(struct job *j, size_t server)
{
	char text[IP_FMT_MAX];

	j->dead[server] = 1;
	if (!j->want_dnssec)
		return;
	if (trace_on && !j->servfailed) {
		ip_fmt(text, &ns[server]);
		TRACE("dns: %s %s: SERVFAIL from %s: from now on only a validated (AD) answer counts",
		    j->qname, type_name(j->qtype), text);
	}
	j->servfailed = 1;
}

/* NOERROR or NXDOMAIN from server: the question's answer, unless a
 * SERVFAIL came before it and this one is not validated (servfailed()). */
static void
answered(struct job *j, size_t server)
{
	char text[IP_FMT_MAX];

	if (j->servfailed && !j->ans->ad) {
		if (trace_on) {
			ip_fmt(text, &ns[server]);
			TRACE("dns: %s %s: the answer from %s is not validated (no AD) after a SERVFAIL: "
			    "the lookup fails", j->qname, type_name(j->qtype), text);
		}
		job_finish(j, DNS_TEMP);
		return;
	}
	job_finish(j, j->ans->rcode == DNS_R_NXDOMAIN ? DNS_NXDOMAIN : DNS_OK);
}

/* One try of every open question at server, until start + wait (or each
 * question's deadline). */
static void
try_server(struct job *jobs, size_t n, size_t server, int64_t start, int64_t wait)
{
	struct pollfd pfd[DNS_ASK_MAX];
	struct job *pj[DNS_ASK_MAX];
	size_t k, np;
	int64_t now, end, first;
	enum try_result r;
	int pr;

	for (k = 0; k < n; k++)
		if (!jobs[k].done && !jobs[k].dead[server])
			try_send(&jobs[k], server);
	for (;;) {
		now = now_ms();
		side_deadline(jobs, n, now);
		first = INT64_MAX;
		np = 0;
		for (k = 0; k < n; k++) {
			if (jobs[k].fd < 0)
				continue;
			end = start + wait < jobs[k].deadline ? start + wait : jobs[k].deadline;
			if (now >= end) {	/* no reply in time: the next server */
				close(jobs[k].fd);
				jobs[k].fd = -1;
				continue;
			}
			if (end < first)
				first = end;
			pfd[np].fd = jobs[k].fd;
			pfd[np].events = POLLIN;
			pfd[np].revents = 0;
			pj[np++] = &jobs[k];
		}
		if (np == 0)
			return;
		pr = poll(pfd, (nfds_t)np, first - now > INT_MAX ? INT_MAX : (int)(first - now));
		if (pr < 0 && errno == EINTR)
			continue;
		for (k = 0; k < np; k++) {
			r = TRY_NOREPLY;
			if (pr > 0 && !pfd[k].revents)
				continue;
			if (pr > 0 && !try_receive(pj[k], server, &r))
				continue;
			close(pj[k]->fd);
			pj[k]->fd = -1;
			if (r == TRY_ANSWER)
				answered(pj[k], server);
			else if (r == TRY_SERVFAIL)
				servfailed(pj[k], server);
			else if (r == TRY_BAD)
				pj[k]->dead[server] = 1;
		}
	}
}

/*
 * Asks each nameserver in turn, waiting 1 s for each in the first round,
 * then 2, 4, 8 s, until each question's deadline. A server that failed a
 * question (SERVFAIL, REFUSED, unreachable) is not asked it again; when
 * none is left: DNS_TEMP. After a SERVFAIL, an answer without AD to a
 * question that wants DNSSEC is DNS_TEMP too (servfailed()).
 */
static void
lookup_jobs(struct job *jobs, size_t n)
{
	int64_t wait = DNS_TRY_FIRST_MS, now;
	size_t i, k, open;

	for (k = 0; k < n; k++) {
		jobs[k].fd = -1;
		jobs[k].done = 0;
		jobs[k].servfailed = 0;
		memset(jobs[k].dead, 0, sizeof jobs[k].dead);
		jobs[k].ans->count = jobs[k].ans->dropped = 0;
		jobs[k].ans->ad = 0;
		if (jobs[k].qtype == DNS_T_TXT)
			jobs[k].ans->rr.txt->count = jobs[k].ans->rr.txt->dropped = 0;
		if (dns_query_build(jobs[k].q, sizeof jobs[k].q, 0, jobs[k].qname, jobs[k].qtype,
		    jobs[k].want_dnssec) == 0)
			job_finish(&jobs[k], DNS_BADNAME);
	}
	ns = dns_servers(&ns_count);
	for (;;) {
		for (i = 0; i < ns_count; i++) {
			now = now_ms();
			side_deadline(jobs, n, now);
			for (k = open = 0; k < n; k++) {
				if (!jobs[k].done && now >= jobs[k].deadline)
					job_finish(&jobs[k], DNS_TEMP);
				open += !jobs[k].done;
			}
			if (open == 0)
				return;
			try_server(jobs, n, i, now, wait);
		}
		for (k = open = 0; k < n; k++) {
			for (i = 0; i < ns_count && !jobs[k].done; i++)
				if (!jobs[k].dead[i])
					break;
			if (!jobs[k].done && i == ns_count)
				job_finish(&jobs[k], DNS_TEMP);	/* every server failed it */
			open += !jobs[k].done;
		}
		if (open == 0)
			return;
		if (wait < DNS_TRY_LAST_MS)
			wait *= 2;
	}
}

/* The deadline of a lookup that starts at now: timeoutdns, or the
 * caller's own bound_s when that is shorter or timeoutdns is 0 (a fetch
 * with a bound of its own: https.c); with neither, DNS_LOOKUP_MS. */
static int64_t
lookup_deadline(int64_t now, unsigned bound_s)
{
	unsigned s = lookup_timeout_s;

	if (bound_s > 0 && (s == 0 || bound_s < s))
		s = bound_s;
	return now + (s > 0 ? (int64_t)s * 1000 : DNS_LOOKUP_MS);
}

static enum dns_status
lookup(const char *qname, uint16_t qtype, struct dns_answer *ans,
    int want_dnssec, int64_t deadline)
{
	struct job j;

	j.qname = qname;
	j.qtype = qtype;
	j.want_dnssec = want_dnssec;
	j.side = 0;
	j.ans = ans;
	j.deadline = deadline;
	lookup_jobs(&j, 1);
	return j.st;
}

int
dns_ask(struct dns_question *q, size_t n)
{
	struct dns_answer ans[DNS_ASK_MAX];
	struct job jobs[DNS_ASK_MAX];
	int64_t now = now_ms();
	size_t k;

	for (k = 0; k < n; k++) {
		q[k].status = DNS_TEMP;
		q[k].count = 0;
		q[k].ad = 0;
	}
	if (n == 0 || n > DNS_ASK_MAX)
		return (errno = EINVAL, -1);
	for (k = 0; k < n; k++) {
		if (q[k].type == DNS_T_MX) {
			ans[k].max = q[k].max;
			ans[k].rr.mx = q[k].to.mx;
		} else if (q[k].type == DNS_T_TXT) {
			ans[k].max = DNS_TXT_MAX;
			ans[k].rr.txt = q[k].to.txt;
		} else {
			return (errno = EINVAL, -1);
		}
		jobs[k].qname = q[k].name;
		jobs[k].qtype = q[k].type;
		jobs[k].want_dnssec = q[k].want_ad != 0;
		jobs[k].side = q[k].side != 0;
		jobs[k].ans = &ans[k];
		jobs[k].deadline = lookup_deadline(now, q[k].bound_s);
	}
	lookup_jobs(jobs, n);
	for (k = 0; k < n; k++) {
		q[k].status = jobs[k].st;
		if (jobs[k].st == DNS_OK)
			q[k].count = ans[k].count;
		else if (q[k].type == DNS_T_TXT)
			q[k].to.txt->count = 0;
		if (q[k].want_ad && (jobs[k].st == DNS_OK || jobs[k].st == DNS_NXDOMAIN))
			q[k].ad = ans[k].ad;
	}
	return 0;
}

enum dns_status
dns_mx(const char *name, struct dns_mx *mx, size_t max, size_t *count, int *ad)
{
	struct dns_question q = {
		.name = name, .type = DNS_T_MX, .to.mx = mx, .max = max, .want_ad = ad != NULL,
	};

	(void)dns_ask(&q, 1);
	*count = q.count;
	if (ad)
		*ad = q.ad;
	return q.status;
}

/*
 * A then AAAA, both within one deadline. An address from either is an
 * answer; with none, a temporary failure of either is DNS_TEMP.
 * The DNSSEC status is kept per lookup: an AAAA lookup that failed must
 * not make the validated IPv4 addresses insecure (that would turn DANE
 * off for them: RFC 7672 2.2.2), and a failed lookup brings no address.
 * canon: where the CNAME chain ended. The two answers name the same end
 * unless the chain changed between them; then the AAAA lookup counts as
 * failed, so that each address kept has the one chain the caller sees
 * (DANE looks for TLSA records at its end).
 */
static enum dns_status
ip_lookup(const char *name, struct ip_address *ip, size_t max, size_t *count, int *ad,
    char *canon, unsigned bound_s)
{
	struct dns_answer a4, a6;
	enum dns_status st4, st6 = DNS_OK;
	int64_t deadline = lookup_deadline(now_ms(), bound_s);
	size_t n4, n6 = 0;
	int asked6 = 0;

	*count = 0;
	if (ad)
		*ad = 0;
	if (canon)
		canon[0] = '\0';
	a4.max = max;
	a4.rr.ip = ip;
	st4 = lookup(name, DNS_T_A, &a4, ad != NULL, deadline);
	if (st4 == DNS_BADNAME || st4 == DNS_NXDOMAIN) {
		if (ad && st4 == DNS_NXDOMAIN && a4.ad)
			*ad = DNS_AD_IP4 | DNS_AD_IP6;
		return st4;
	}
	n4 = st4 == DNS_OK ? a4.count : 0;
	a6.ad = 1;	/* AAAA not asked when A filled the array: no IPv6 address */
	if (n4 < max) {
		a6.max = max - n4;
		a6.rr.ip = ip + n4;
		st6 = lookup(name, DNS_T_AAAA, &a6, ad != NULL, deadline);
		n6 = st6 == DNS_OK ? a6.count : 0;
		asked6 = 1;
	}
	if (asked6 && st4 == DNS_OK && st6 == DNS_OK && strcmp(a4.canon, a6.canon) != 0) {
		TRACE("dns: %s: the A answer's CNAME chain ends at %s, the AAAA answer's at %s: "
		    "IPv6 addresses not used", name, a4.canon, a6.canon);
		st6 = DNS_TEMP;
		n6 = 0;
	}
	if (canon) {
		const char *end = st4 == DNS_OK ? a4.canon : asked6 && st6 == DNS_OK ? a6.canon : "";

		memcpy(canon, end, strlen(end) + 1);	/* both DNS_NAME_MAX + 1 bytes */
	}
	if (ad)
		*ad = (st4 == DNS_OK && a4.ad ? DNS_AD_IP4 : 0) |
		    (st6 == DNS_OK && a6.ad ? DNS_AD_IP6 : 0);
	if (n4 + n6 > 0) {
		*count = n4 + n6;
		return DNS_OK;
	}
	if (st4 == DNS_TEMP || st6 == DNS_TEMP)
		return DNS_TEMP;
	if (st6 == DNS_NXDOMAIN)
		return DNS_NXDOMAIN;
	return DNS_OK;
}

enum dns_status
dns_ip_canon(const char *name, struct ip_address *ip, size_t max, size_t *count, int *ad,
    char canon[DNS_NAME_MAX + 1])
{
	return ip_lookup(name, ip, max, count, ad, canon, 0);
}

enum dns_status
dns_ip(const char *name, struct ip_address *ip, size_t max, size_t *count, int *ad)
{
	return dns_ip_canon(name, ip, max, count, ad, NULL);
}

enum dns_status
dns_ip_within(const char *name, struct ip_address *ip, size_t max, size_t *count, int *ad,
    unsigned bound_s)
{
	return ip_lookup(name, ip, max, count, ad, NULL, bound_s);
}

/*
 * The records point into the reply buffer, which the next lookup reuses:
 * their data is copied to one arena that holds any reply's (a reply is at
 * most DNS_TCP_MAX bytes, so the data of all its records fits).
 */
enum dns_status
dns_tlsa(const char *name, struct dns_tlsa *tlsa, size_t max, size_t *count, int *ad)
{
	static unsigned char arena[DNS_TCP_MAX];
	struct dns_answer ans;
	enum dns_status st;
	size_t i, used = 0;

	ans.max = max;
	ans.rr.tlsa = tlsa;
	st = lookup(name, DNS_T_TLSA, &ans, ad != NULL, lookup_deadline(now_ms(), 0));
	*count = 0;
	if (st == DNS_OK && ans.dropped > 0) {
		TRACE("dns: TLSA %s: %zu record(s) over the %zu kept: the lookup counts as failed",
		    name, ans.dropped, max);
		st = DNS_TEMP;
	}
	if (ad)
		*ad = st == DNS_OK || st == DNS_NXDOMAIN ? ans.ad : 0;
	if (st != DNS_OK)
		return st;
	for (i = 0; i < ans.count; i++) {
		if (tlsa[i].len > sizeof arena - used) {	/* cannot happen: see above */
			TRACE("dns: TLSA %s: data over %zu bytes: the lookup counts as failed",
			    name, sizeof arena);
			if (ad)
				*ad = 0;
			return DNS_TEMP;
		}
		memcpy(arena + used, tlsa[i].data, tlsa[i].len);
		tlsa[i].data = arena + used;
		used += tlsa[i].len;
	}
	*count = ans.count;
	return st;
}
