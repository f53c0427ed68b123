/*
 * peers.c -- the peers of one delivery, in the order they are tried: the
 * route's relay (an address, or a name's addresses), the host's address
 * literal, or its MX records (sorted, equal preferences shuffled: dns.c)
 * and each one's A and AAAA addresses, with the _mta-sts TXT record asked
 * together with the MX; then qmail's rule that when we are a
 * best-preference MX only better ones may take the mail.
 * Not here: TLSA (dane.c), what is tried and how (attempt.c), the walk
 * (qmail-remote.c).
 */
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include "delivery.h"
#include "ipme.h"
#include "report.h"
#include "str.h"
#include "tlsrpt.h"
#include "trace.h"

static void
add_peer(struct delivery *d, const struct ip_address *ip, unsigned long pref, const char *name,
    const char *canon, int secure)
{
	/* the same address under two MX names stays twice, as in qmail: each
	 * name has its own TLSA records and may succeed where the other fails */
	if (d->npeers < PEERS_MAX) {
		d->peers[d->npeers].ip = *ip;
		d->peers[d->npeers].pref = pref;
		d->peers[d->npeers].name = name;
		d->peers[d->npeers].canon = canon;
		d->peers[d->npeers].secure = secure;
		++d->npeers;
	}
}

/*
 * A and AAAA of name into peers; the DNS status for the caller. Each
 * address is as secure as its own lookup: a failed AAAA lookup leaves the
 * validated IPv4 addresses secure (DANE), and brings no address itself.
 * Whether the MX answer that named the host validated does not matter:
 * an unsigned domain whose MX is a signed host with TLSA records gets
 * DANE for it (RFC 7672 2.2.1 allows it, Postfix does it by default:
 * signed hosting providers protect their unsigned customers' domains;
 * SPEC 8). A forged MX can lead elsewhere, but not to this host without
 * its TLSA records.
 */
static enum dns_status
resolve_host(struct delivery *d, const char *name, unsigned long pref)
{
	static const char *const validated[] = { "", ", DNSSEC-validated: IPv4 only",
		", DNSSEC-validated: IPv6 only", ", DNSSEC-validated" };
	/* one chain end per call: a call per MX record, or one for the relay
	 * or the implicit MX */
	static char ends[DNS_MX_MAX + 1][DNS_NAME_MAX + 1];
	static size_t nends;
	struct ip_address ips[DNS_IP_MAX];
	size_t n = 0, i;
	enum dns_status st;
	const char *canon = NULL;
	int ad = 0;

	if (nends == sizeof ends / sizeof ends[0])
		report_die('Z', T_NOMEM, NULL);	/* cannot happen: see above */
	st = dns_ip_canon(name, ips, DNS_IP_MAX, &n, &ad, ends[nends]);
	if (n > 0 && ends[nends][0] && strcasecmp(ends[nends], name) != 0)
		canon = ends[nends++];
	TRACE("dns: %s: status %d, %zu address(es)%s%s%s", name, (int)st, n, validated[ad & 3],
	    canon ? ", CNAME chain to " : "", canon ? canon : "");
	for (i = 0; i < n; ++i)
		add_peer(d, &ips[i], pref, name, canon,
		    (ad & (ips[i].af == AF_INET6 ? DNS_AD_IP6 : DNS_AD_IP4)) != 0);
	return st;
}

/* The domain's TLSRPT record, when it publishes one (RFC 8460 3): else
 * no datagram is sent for this delivery. */
static void
tlsrpt_discover(struct delivery *d, const char *name, enum dns_status st)
{
	const char *why = "lookup failed";
	size_t i;

	if (st == DNS_OK)
		for (i = 0; trace_on && i < d->rpt_txt.count; i++)
			TRACE("tls-rpt: TXT %s: %zu bytes", name, d->rpt_txt.rec[i].len);
	if (st == DNS_OK && tlsrpt_record(&d->rpt_txt, &d->rpt_record, &d->rpt_record_len, &why) == 0) {
		TRACE("tls-rpt: %s publishes a TLSRPT record: datagrams go to %s", d->host_name.text,
		    d->rpt_socket);
		return;
	}
	d->rpt_record = NULL;
	TRACE("tls-rpt: %s: %s: no reports", name, st == DNS_NXDOMAIN ? "NXDOMAIN" : why);
}

/* The peers of host by its MX records (or its own address); self is
 * host's one form (name.h), its name as a peer's. */
static void
find_mx_peers(struct delivery *d, const char *host, const char *self, int want_sts)
{
	static struct dns_mx mxs[DNS_MX_MAX];
	char txtname[DNS_NAME_MAX + 16], rptname[DNS_NAME_MAX + 16];
	struct dns_question q[3] = {
		{ .name = host, .type = DNS_T_MX, .to.mx = mxs, .max = DNS_MX_MAX, .want_ad = 1 },
	};
	struct dns_question *sts_q = NULL, *rpt_q = NULL;
	size_t n, i, nq = 1;
	int soft = 0, ad;
	enum dns_status st;

	/* MTA-STS (RFC 8461 3.1) and TLS-RPT (RFC 8460 3): _mta-sts.<host>
	 * and _smtp._tls.<host> TXT asked together with the MX, at no cost in
	 * round trips, each bounded to outlast it by DNS_SIDE_MS at most */
	if (want_sts && str_append(txtname, sizeof txtname, str_copy(txtname, sizeof txtname,
	    "_mta-sts."), host) <= DNS_NAME_MAX) {
		sts_q = &q[nq++];
		*sts_q = (struct dns_question){ .name = txtname, .type = DNS_T_TXT, .to.txt = &d->sts_txt,
		    .side = 1 };
	}
	if (d->rpt_socket && str_append(rptname, sizeof rptname, str_copy(rptname, sizeof rptname,
	    "_smtp._tls."), host) <= DNS_NAME_MAX) {
		rpt_q = &q[nq++];
		*rpt_q = (struct dns_question){ .name = rptname, .type = DNS_T_TXT, .to.txt = &d->rpt_txt,
		    .side = 1 };
	}
	(void)dns_ask(q, nq);
	if (sts_q)
		d->sts_txtst = sts_q->status;
	if (rpt_q)
		tlsrpt_discover(d, rptname, rpt_q->status);
	st = q[0].status;
	n = q[0].count;
	ad = q[0].ad;
	TRACE("dns: MX %s: status %d, %zu record(s)%s", host, (int)st, n, ad ? ", DNSSEC-validated" : "");
	if (st == DNS_NXDOMAIN || st == DNS_BADNAME)
		report_die('D', T_DNS_PERM, host);
	if (st != DNS_OK)
		report_die('Z', T_DNS_TEMP, NULL);
	if (n == 0) {	/* no MX: the host itself (RFC 5321 5.1) */
		/* its name goes to SNI and the certificate check, as DNS
		 * gives MX names: without the trailing dot "host." may have */
		st = resolve_host(d, self, 0);
		if (st == DNS_NXDOMAIN || st == DNS_BADNAME)
			report_die('D', T_DNS_PERM, host);
		if (st != DNS_OK && d->npeers == 0)
			report_die('Z', T_DNS_TEMP, NULL);
		if (d->npeers == 0)
			report_die('D', T_NOMX, NULL);
		return;
	}
	if (n == 1 && mxs[0].name[0] == '\0')
		report_die('D', T_NULLMX, host);
	for (i = 0; i < n; ++i) {
		if (mxs[i].name[0] == '\0')
			continue;	/* a "." among real MX: unusable */
		TRACE("dns: MX %lu %s", (unsigned long)mxs[i].pref, mxs[i].name);
		st = resolve_host(d, mxs[i].name, mxs[i].pref);
		if (st == DNS_TEMP)
			soft = 1;
	}
	if (d->npeers == 0)
		report_die(soft ? 'Z' : 'D', soft ? T_DNS_TEMP : T_NOMX, NULL);
}

/* Classic rule: if we are a best-preference MX, only better ones may take it. */
static unsigned long
pref_limit(const struct delivery *d)
{
	unsigned long prefme = PREF_ROUTE;
	size_t i;

	for (i = 0; i < d->npeers; ++i)
		if (d->peers[i].pref < prefme && ipme_is(&d->peers[i].ip))
			prefme = d->peers[i].pref;
	for (i = 0; i < d->npeers; ++i)
		if (d->peers[i].pref < prefme)
			return prefme;
	report_die('D', T_AMBIGMX, NULL);
}

/* The addresses to try, and the preference at which our own start. */
void
peers_gather(struct delivery *d)
{
	struct ip_address literal;
	enum dns_status st;

	if (d->route && d->route->relay_is_ip) {
		add_peer(d, &d->route->relay_ip, 0, d->route->relay, NULL, 0);
		d->prefme = PREF_ROUTE;
		return;
	}
	if (d->route && d->route->relay[0]) {	/* "as if host had relay as its only MX" */
		st = resolve_host(d, d->relay, 0);
		if (st == DNS_NXDOMAIN || st == DNS_BADNAME)
			report_die('D', T_DNS_PERM, d->route->relay);
		if (d->npeers == 0)
			report_die(st == DNS_TEMP ? 'Z' : 'D', st == DNS_TEMP ? T_DNS_TEMP : T_NOMX, NULL);
		d->prefme = PREF_ROUTE;
		return;
	}
	if (d->host[0] == '[') {
		if (ip_scan_literal(d->host, &literal) != 0)
			report_die('D', T_DNS_PERM, d->host);
		add_peer(d, &literal, 0, d->host, NULL, 0);
	} else {
		find_mx_peers(d, d->host, d->host_name.text, d->sts);
	}
	/* a route with an empty relay is a plain MX lookup, own check included */
	if (ipme_init(d->cfg.ipme, d->cfg.ipme_count) != 0)
		report_die('Z', T_OSERR, NULL);
	d->prefme = pref_limit(d);
}

