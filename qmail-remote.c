/*
 * qmail-remote.c -- qmail-remote host sender recip...: the orchestra.
 * Reads the control files, picks the route, asks dns.c for the MX hosts
 * and their addresses, drops our own addresses (best-preference rule),
 * walks the peers in order, and hands each connection to smtp.c. It alone
 * decides "next peer" or "report and exit".
 * Not here: parsing (control.c, dns.c), protocol (smtp.c), texts (report.c).
 */
#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "conn.h"
#include "control.h"
#include "dns.h"
#include "idn.h"
#include "ipme.h"
#include "message.h"
#include "mtasts.h"
#include "name.h"
#include "qmtp.h"
#include "report.h"
#include "smtp.h"
#include "tcpconnect.h"
#include "tcpto.h"
#include "tls.h"
#include "tlsrpt.h"
#include "trace.h"
#include "str.h"

#ifndef QMAIL_HOME
#define QMAIL_HOME "/var/qmail"
#endif

#define MTASTS_DIR	QMAIL_HOME "/queue/mtasts"	/* the policy cache (make install) */
#define MTASTS_CA	"/etc/ssl/certs/"	/* hashed: only the certificates a chain needs are read */

#define PEERS_MAX	256	/* addresses tried per delivery */
#define PREF_ROUTE	300000	/* classic: with a route, no best-preference check */

struct peer {
	struct ip_address ip;
	unsigned long pref;
	const char *name;	/* MX host name as written, for the transcript, reports and TLS */
	const char *canon;	/* where the CNAME chain from name ended, when it did not end
				 * at name; validated whole where secure is set (DANE) */
	int secure;		/* this address's own answer (A or AAAA) validated (AD); the
				 * MX answer's status does not count (resolve_host()) */
};

static struct config cfg;
static struct peer peers[PEERS_MAX];
static size_t npeers;
static struct dns_mx mxs[DNS_MX_MAX];
static struct outcome fail;	/* the walk's: the last failure, or the final outcome */
/* MTA-STS: the TXT lookup made with the MX lookup, and the policy in force */
static struct dns_txtset sts_txt;
static enum dns_status sts_txtst = DNS_TEMP;
static const struct mtasts_policy *sts;

/* Addresses may not carry bytes that end an SMTP line or a report. */
static int
address_ok(const char *s)
{
	for (; *s; ++s)
		if ((unsigned char)*s < 32 || *s == 127)
			return 0;
	return 1;
}

static void
add_peer(const struct ip_address *ip, unsigned long pref, const char *name, const char *canon,
    int secure)
{
	/* the same address under two MX names stays twice, as in qmail: each
	 * name has its own TLSA records and may succeed where the other fails */
	if (npeers < PEERS_MAX) {
		peers[npeers].ip = *ip;
		peers[npeers].pref = pref;
		peers[npeers].name = name;
		peers[npeers].canon = canon;
		peers[npeers].secure = secure;
		++npeers;
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
resolve_host(const char *name, unsigned long pref)
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
		add_peer(&ips[i], pref, name, canon,
		    (ad & (ips[i].af == AF_INET6 ? DNS_AD_IP6 : DNS_AD_IP4)) != 0);
	return st;
}

/* The peers of host by its MX records (or its own address); self is
 * host's one form (name.h), its name as a peer's. */
static void
find_mx_peers(const char *host, const char *self, int want_sts)
{
	char txtname[DNS_NAME_MAX + 16];
	struct dns_question q[] = {
		{ .name = host, .type = DNS_T_MX, .to.mx = mxs, .max = DNS_MX_MAX, .want_ad = 1 },
		{ .name = txtname, .type = DNS_T_TXT, .to.txt = &sts_txt, .side = 1 },
	};
	size_t n, i, nq = 1;
	int soft = 0, ad;
	enum dns_status st;

	/* MTA-STS (RFC 8461 3.1): _mta-sts.<host> TXT asked together with the MX */
	if (want_sts && str_append(txtname, sizeof txtname, str_copy(txtname, sizeof txtname,
	    "_mta-sts."), host) <= DNS_NAME_MAX)
		nq = 2;
	(void)dns_ask(q, nq);
	if (nq == 2)
		sts_txtst = q[1].status;
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
		st = resolve_host(self, 0);
		if (st == DNS_NXDOMAIN || st == DNS_BADNAME)
			report_die('D', T_DNS_PERM, host);
		if (st != DNS_OK && npeers == 0)
			report_die('Z', T_DNS_TEMP, NULL);
		if (npeers == 0)
			report_die('D', T_NOMX, NULL);
		return;
	}
	if (n == 1 && mxs[0].name[0] == '\0')
		report_die('D', T_NULLMX, host);
	for (i = 0; i < n; ++i) {
		if (mxs[i].name[0] == '\0')
			continue;	/* a "." among real MX: unusable */
		TRACE("dns: MX %lu %s", (unsigned long)mxs[i].pref, mxs[i].name);
		st = resolve_host(mxs[i].name, mxs[i].pref);
		if (st == DNS_TEMP)
			soft = 1;
	}
	if (npeers == 0)
		report_die(soft ? 'Z' : 'D', soft ? T_DNS_TEMP : T_NOMX, NULL);
}

/* Classic rule: if we are a best-preference MX, only better ones may take it. */
static unsigned long
pref_limit(void)
{
	unsigned long prefme = PREF_ROUTE;
	size_t i;

	for (i = 0; i < npeers; ++i)
		if (peers[i].pref < prefme && ipme_is(&peers[i].ip))
			prefme = peers[i].pref;
	for (i = 0; i < npeers; ++i)
		if (peers[i].pref < prefme)
			return prefme;
	report_die('D', T_AMBIGMX, NULL);
}

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
static void
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

static const char *
sender_domain(const char *sender)
{
	const char *at = strrchr(sender, '@');

	return at ? at + 1 : "";
}

/*
 * Everything one delivery knows once the arguments and files are read.
 * host keeps a trailing dot as given (DNS and the report texts see it
 * so); host_name is its one form (name.h: no trailing dot, an address
 * as an address), made once, which the control files' keys, read into
 * the same form, are compared with, so no other spelling is looked up.
 */
static struct delivery {
	char host[DNS_NAME_MAX + 8];		/* A-labels, lower case */
	struct name host_name;			/* host in its one form */
	char relay[DNS_NAME_MAX + 8];		/* the route's relay in A-labels, no trailing dot */
	const char *sender;
	struct name sender_domain_name;		/* the sender's domain in its one form */
	const char *dest;			/* what tlsdestinations matches, as given */
	struct name dest_name;			/* ... in its one form */
	const struct route *route;		/* NULL: MX lookup of host */
	int qmtp_route;				/* from qmtproutes */
	int sts;				/* MTA-STS may apply (choose_route()) */
	unsigned route_port;
	int route_smtps;
	const struct ip_address *local;		/* domainips / route localip */
	unsigned long prefme;			/* peers at or above: not tried */
	struct message msg;
	struct idn_envelope idn;
	struct session_params sp;
} d;

/* Arguments, control files and the message: every refusal that needs no
 * network happens here. */
static void
setup(int argc, char **argv)
{
	static struct ctl_error err;
	const char *dir, *why;
	char what[256];
	int i, rc;

	if (argc < 4)
		report_die('D', T_USAGE, NULL);
	trace_init();
	if (!address_ok(argv[1]))	/* it would be echoed into the report */
		report_die('D', T_DNS_PERM, "(a host name with control characters)");
	for (i = 2; i < argc; ++i)
		if (!address_ok(argv[i]))
			report_die('D', T_TEXT, "Sorry, an envelope address contains a control character. (#5.1.3)");
	/* IDNA2008: a UTF-8 host becomes A-labels before any DNS query */
	if ((rc = idn_host_to_ascii(argv[1], d.host, sizeof d.host, &why)) != 0) {
		TRACE("host %s: %s", argv[1], why);
		if (rc == IDN_UNAVAILABLE)
			report_die('Z', T_OSERR, why);
		report_die('D', T_DNS_PERM, argv[1]);
	}
	d.sender = argv[2];
	idn_envelope_scan(&d.idn, argv[2], argv + 3, (size_t)(argc - 3));
	/* a UTF-8 domain and no libidn2: the A-labels exist, we cannot make
	 * them now (nor match the sender's domain in the control files) */
	if (d.idn.unavailable)
		report_die('Z', T_OSERR, d.idn.idn_error);
	/* the one form of each name the control files are asked about, made
	 * once (the host has one: idn_host_to_ascii() took it) */
	(void)name_form(d.host, &d.host_name, NULL);
	(void)name_form(sender_domain(d.sender), &d.sender_domain_name, NULL);

	dir = getenv("CONTROLDIR");
	if (!dir || !*dir)
		dir = QMAIL_HOME "/control";
	if (ctl_load(&cfg, dir, &err) != 0) {
		if (strcmp(err.why, "out of memory") == 0)
			report_die('Z', T_NOMEM, NULL);
		if (err.line)
			(void)snprintf(what, sizeof what, "%s line %u: %s", err.file, err.line, err.why);
		else
			(void)snprintf(what, sizeof what, "%s: %s", err.file, err.why);
		report_die('Z', T_CONTROL, what);
	}
	if (message_open(&d.msg, 0) != 0)
		report_die('Z', T_READ, NULL);
	/* a partial final line: refused when the peer turns out to speak
	 * SMTP (attempt()); QMTP carries it byte for byte (SPEC 2) */
	tcpto_path(QMAIL_HOME "/queue/lock/tcpto");
	dns_set_timeout(cfg.timeoutdns);

	d.sp.sender = argv[2];
	d.sp.recips = argv + 3;
	d.sp.nrecips = argc - 3;
	d.sp.msg = &d.msg;
	d.sp.timeout_s = cfg.timeoutremote;
	report_timeout(cfg.timeoutremote);
	d.sp.domain = d.host;
	d.sp.idn = &d.idn;
}

/* 8-bit body (BODY=8BITMIME) and UTF-8 headers (SMTPUTF8, RFC 6532), known
 * before MAIL: read once, before the first SMTP session (QMTP, 8-bit clean
 * and without extensions, never pays for it); a pipe is not scanned. */
static void
scan_message(void)
{
	static int scanned;

	if (scanned)
		return;
	scanned = 1;
	if (idn_message_scan(d.msg.fd, &d.sp.has_8bit, &d.sp.header) == IDN_SCAN_ERROR)
		report_die('Z', T_READ, NULL);
}

/* The precedence of authsenders, qmtproutes and smtproutes (SPEC 4) is
 * ctl_route()'s; none applies: DNS. */
static void
choose_route(void)
{
	struct ctl_route_choice rc;
	const struct route *r;
	const char *why;

	ctl_route(&cfg, &d.host_name, d.sender, &d.sender_domain_name, &rc);
	r = rc.route;
	if (r)
		TRACE("route: %s line %u%s", rc.file, r->line, r->relay[0] ? "" : ": MX look-up");
	d.route_port = 25;
	if (rc.qmtp) {
		d.qmtp_route = 1;
		d.route_port = QMTP_PORT;
	}
	d.route = r;
	if (r && r->port)
		d.route_port = r->port;
	d.route_smtps = r && r->smtps;
	if (r && r->relay[0] && !r->relay_is_ip) {
		struct name relay;
		int idn_rc = idn_host_to_ascii(r->relay, d.relay, sizeof d.relay, &why);

		if (idn_rc == IDN_UNAVAILABLE)
			report_die('Z', T_OSERR, why);
		if (idn_rc != 0)
			report_die('D', T_DNS_PERM, r->relay);
		/* the relay is the peer's name, as an MX name from DNS would be:
		 * SNI and the certificate's name never end in a dot -- its one
		 * form (a name that reads as an address has no dot to lose and
		 * stays as written) */
		if (name_form(d.relay, &relay, NULL) == 0 && relay.kind == NAME_HOST)
			str_copy(d.relay, sizeof d.relay, relay.text);
	}
	/* tlsdestinations matches the destination after routes */
	d.dest = r && r->relay[0] ? (r->relay_is_ip ? r->relay : d.relay) : d.host;
	if (d.dest == d.host)
		d.dest_name = d.host_name;
	else
		(void)name_form(d.dest, &d.dest_name, NULL);
	d.sp.auth_user = r && r->user && r->user[0] ? r->user : NULL;
	d.sp.auth_pass = r && r->password ? r->password : "";
	/* MTA-STS (RFC 8461): for the MX hosts of the host argument; only
	 * what changes TLS for them wins over it (SPEC 12): a route to a
	 * relay, or to QMTP (no STARTTLS on its port); a tlsdestinations line
	 * naming the destination that says '!' or makes TLS mandatory or pins
	 * it. A route with an empty relay still goes to the MX hosts, and a
	 * '/' line only stops TLSA lookups: the policy holds. */
	if (cfg.mtasts && r && (r->relay[0] || d.qmtp_route)) {
		TRACE("mta-sts: not used: a route %s", r->relay[0] ? "to a relay" : "to QMTP");
	} else if (cfg.mtasts && d.host[0] != '[') {
		const struct ctl_tlsdest *t = ctl_tlsdest(&cfg, &d.dest_name, &d.sender_domain_name);

		if (t && (t->no_starttls || t->mandatory || t->fingerprint || t->smtps || t->qmtps))
			TRACE("mta-sts: not used: a tlsdestinations line names %s (line %u)", d.dest, t->line);
		else
			d.sts = 1;
	}
}

/* The addresses to try, and the preference at which our own start. */
static void
gather_peers(void)
{
	struct ip_address literal;
	enum dns_status st;

	if (d.route && d.route->relay_is_ip) {
		add_peer(&d.route->relay_ip, 0, d.route->relay, NULL, 0);
		d.prefme = PREF_ROUTE;
		return;
	}
	if (d.route && d.route->relay[0]) {	/* "as if host had relay as its only MX" */
		st = resolve_host(d.relay, 0);
		if (st == DNS_NXDOMAIN || st == DNS_BADNAME)
			report_die('D', T_DNS_PERM, d.route->relay);
		if (npeers == 0)
			report_die(st == DNS_TEMP ? 'Z' : 'D', st == DNS_TEMP ? T_DNS_TEMP : T_NOMX, NULL);
		d.prefme = PREF_ROUTE;
		return;
	}
	if (d.host[0] == '[') {
		if (ip_scan_literal(d.host, &literal) != 0)
			report_die('D', T_DNS_PERM, d.host);
		add_peer(&literal, 0, d.host, NULL, 0);
	} else {
		find_mx_peers(d.host, d.host_name.text, d.sts);
	}
	/* a route with an empty relay is a plain MX lookup, own check included */
	if (ipme_init(cfg.ipme, cfg.ipme_count) != 0)
		report_die('Z', T_OSERR, NULL);
	d.prefme = pref_limit();
}

/* domainips by the sender's domain; a route's localip wins. */
static void
choose_local(void)
{
	const struct ctl_domainip *dip = ctl_domainip(&cfg, &d.sender_domain_name);

	d.sp.helohost = cfg.helohost;
	if (dip) {
		d.local = &dip->localip;
		if (dip->helohost)
			d.sp.helohost = dip->helohost;
	}
	if (d.route && d.route->has_localip)
		d.local = &d.route->localip;
}

static const char *
sts_ca(void)
{
	return cfg.mtastsca ? cfg.mtastsca : MTASTS_CA;
}

/*
 * One attempt at one peer: its TLS policy, the TLS set-up done ahead and
 * the connection. attempt() fills it anew for each peer; nothing of it
 * outlives the attempt or is kept anywhere else.
 */
struct attempt {
	const struct peer *pr;
	char text[IP_FMT_MAX];		/* its address: reports, the transcript */
	struct tls_policy policy;
	struct tls_pending pending;	/* tls.c's set-up, while a reply or SYN-ACK travels */
	struct conn conn;
};

/* One TLS outcome under DANE or MTA-STS, in RFC 8460's terms (tlsrpt.c);
 * fail as the attempt left it. Today it goes to the transcript only, so
 * nothing is done without one. */
static void
note_tls(const struct attempt *a)
{
	const struct tls_policy *pol = &a->policy;
	struct tlsrpt_result r;

	if (!trace_on || (pol->tlsa_count == 0 && !pol->mtasts && !pol->sts_audit))
		return;
	memset(&r, 0, sizeof r);
	r.policy = pol->tlsa_count > 0 ? TLSRPT_TLSA : TLSRPT_STS;
	r.domain = d.host;
	r.mx = fail.mxname;
	str_copy(r.ip, sizeof r.ip, a->text);
	r.type = tlsrpt_type_of(&fail);
	r.detail = fail.letter == 'K' ? "" : fail.text == T_STS_MX ? "the policy does not list this MX host" :
	    fail.detail;
	if (fail.letter != 'K' && r.type == TLSRPT_VALIDATION_FAILURE && fail.text != T_STS_MX)
		return;	/* not a TLS failure (a refused sender, a dead connection) */
	if (pol->sts_audit && !pol->mtasts) {	/* testing: what enforce would have met */
		if (fail.letter == 'K' && !fail.tls.cipher[0]) {
			r.type = TLSRPT_STARTTLS_NOT_SUPPORTED;
		} else if (fail.tls.audit != TLS_CERT_OK) {
			r.type = tlsrpt_type_of_cert(fail.tls.audit);
			r.detail = fail.tls.audit_detail;
		}
	}
	tlsrpt_note(&r);
}

enum attempt_result {
	ATTEMPT_SKIPPED,	/* not tried: nothing learnt */
	ATTEMPT_NOCONN,		/* no connection: temporary */
	ATTEMPT_FAILED,		/* fail holds this host's report */
	ATTEMPT_RETRY_PLAIN	/* opportunistic TLS failed: the same host once more without it */
};

/*
 * The TLS policy for pr: what tlspolicy.c decides from the control files,
 * the route, the credentials, DANE and MTA-STS, which are looked up here
 * (tlshosts/ and notlshosts/ for the peer only without a named line, TLSA
 * only where the decision asks for it, OpenSSL's verdict on the records
 * only where MTA-STS would otherwise decide). The verdict; policy holds
 * the policy.
 */
static enum tls_verdict
decide_tls(struct attempt *a)
{
	const struct peer *pr = a->pr;
	static char pem[CTL_PATH_MAX];	/* netqmail's tlshosts/<FQDN>.pem of this peer */
	static struct tls_dane dane;
	struct tls_facts in;
	struct tls_sts stsf;
	enum tls_verdict v;

	memset(&in, 0, sizeof in);
	in.cfg = &cfg;
	in.named = ctl_tlsdest(&cfg, &d.dest_name, &d.sender_domain_name);
	in.domaincert = ctl_domaincert(&cfg, &d.sender_domain_name);
	if (!in.named && pr->name) {
		char *path = NULL;
		int r = ctl_tlshost(&cfg, pr->name, &path, &in.compat_no_tls);

		in.compat_broken = r < 0;
		if (r == 1 && path) {
			str_copy(pem, sizeof pem, path);
			in.tlshost_pem = pem;
		}
		free(path);
	}
	in.route_port = d.route_port;
	in.route_smtps = d.route_smtps;
	in.qmtp_route = d.qmtp_route;
	in.credentials = d.sp.auth_user != NULL;
	in.mxname = pr->name;
	in.peer_secure = pr->secure;
	if (sts) {
		stsf.mode = sts->mode;
		stsf.listed = mtasts_match(sts, pr->name);
		stsf.ca = sts_ca();
		stsf.domain = d.host;
		in.sts = &stsf;
	}
	v = tls_decide(&in, &a->policy);
	if (v != TLS_WANT_TLSA)
		return v;
	dane_lookup(&dane, pr, a->policy.port);
	if (sts && dane.secure && dane.count > 0) {
		/* MTA-STS decides where DANE cannot authenticate: ask OpenSSL
		 * now whether it takes any of the records */
		struct tls_policy probe;

		memset(&probe, 0, sizeof probe);
		probe.tlsa = dane.tlsa;
		probe.tlsa_count = dane.count;
		probe.tlsa_base = dane.base;
		probe.tlsa_other_name = dane.other_name;
		dane.none_usable = tls_dane_usable(&probe, pr->name) == 0;
	}
	in.dane = &dane;
	return tls_decide(&in, &a->policy);
}

/* SMTPS and QMTPS: OpenSSL's set-up (milliseconds) while the TCP
 * handshake travels; tls_start() takes it. */
static void
prepare_tls(int fd, void *attempt)
{
	struct attempt *a = attempt;

	TRACE("tls: set up while connecting");
	tls_prepare(&a->pending, fd, &a->policy, a->pr->name);
}

/* MXPS (cr.yp.to/im/mxps.html): this MX's preference asks for QMTP first;
 * not through a route, and not when TLS is mandatory (QMTP on 209 has none). */
static int
mxps_applies(const struct attempt *a)
{
	return !(d.route && d.route->relay[0]) && qmtp_mxps(a->pr->pref) && a->policy.level < TLS_ENCRYPT;
}

/* Opens a connection to pr on the policy's port, MXPS first when it
 * applies; the fd, or -1 (reason traced, tcpto updated). tls_first:
 * the session starts with a TLS handshake (SMTPS, QMTPS). */
static int
open_connection(struct attempt *a, unsigned port, int *qmtp, int tls_first)
{
	const struct peer *pr = a->pr;
	const char *text = a->text;
	int fd = -1;
	char from[IP_FMT_MAX];

	if (trace_on && d.local) {
		ip_fmt(from, d.local);
		TRACE("source address %s (domainips or the route's localip)", from);
	}

	if (mxps_applies(a)) {
		/* MXPS: QMTP first; only a failed connection falls back to SMTP */
		TRACE("connect %s port %u (%s, preference %lu: MXPS, QMTP)", text, QMTP_PORT,
		    pr->name, pr->pref);
		fd = tcp_connect(&pr->ip, QMTP_PORT, d.local, cfg.timeoutconnect, NULL, NULL);
		if (fd >= 0)
			*qmtp = 1;
		else if (fd != TCP_BIND_FAILED)
			TRACE("connect %s: %s: SMTP instead", text, strerror(errno));
	}
	if (fd < 0 && fd != TCP_BIND_FAILED) {
		TRACE("connect %s port %u (%s, preference %lu)%s", text, port, pr->name, pr->pref,
		    a->policy.smtps ? (*qmtp ? " QMTPS" : " SMTPS") : *qmtp ? " QMTP" : "");
		fd = tcp_connect(&pr->ip, port, d.local, cfg.timeoutconnect,
		    tls_first ? prepare_tls : NULL, a);
	}
	if (fd == TCP_BIND_FAILED) {
		char lt[IP_FMT_MAX];
		ip_fmt(lt, d.local);
		report_die('Z', T_BIND, lt);
	}
	if (fd < 0) {
		TRACE("connect %s: %s", text, strerror(errno));
		tcpto_record(&pr->ip, errno == ETIMEDOUT);
		tls_discard(&a->pending);	/* made for this connection, which is no more */
		return -1;
	}
	tcpto_record(&pr->ip, 0);
	return fd;
}

/* One peer: policy, DANE, connection, session. Exits on a final outcome. */
static enum attempt_result
attempt(struct attempt *a, const struct peer *pr, int plaintext_only)
{
	const char *text = a->text;
	unsigned port;
	int fd, qmtp;
	enum next o;

	a->pr = pr;
	ip_fmt(a->text, &pr->ip);
	if (d.local && d.local->af != pr->ip.af) {
		TRACE("skip %s: the local address has another family", text);
		return ATTEMPT_SKIPPED;
	}
	if (tcpto_skip(&pr->ip)) {
		TRACE("skip %s: recent connect timeouts (qmail-tcpto)", text);
		return ATTEMPT_NOCONN;
	}
	switch (decide_tls(a)) {
	case TLS_GO:
	case TLS_WANT_TLSA:	/* decide_tls() asked and decided again */
		break;
	case TLS_BROKEN:
		report_die('Z', T_CONTROL, "tlshosts/ or notlshosts/: unreadable");
	case TLS_SKIP_TLSA_FAILED:
		outcome_set(&fail, 'Z', T_TLSA_LOOKUP, NULL);
		str_copy(fail.host, sizeof fail.host, text);
		str_copy(fail.mxname, sizeof fail.mxname, pr->name);
		str_copy(fail.domain, sizeof fail.domain, d.host);
		return ATTEMPT_FAILED;
	case TLS_SKIP_STS_UNLISTED: {
		static struct outcome earlier;

		earlier = fail;
		outcome_set(&fail, 'Z', T_STS_MX, NULL);
		str_copy(fail.host, sizeof fail.host, text);
		str_copy(fail.mxname, sizeof fail.mxname, pr->name);
		str_copy(fail.domain, sizeof fail.domain, d.host);
		note_tls(a);
		/* a host the policy lists failed before: that explains the
		 * deferral, not skipping this one (the transcript has both);
		 * the skip still makes the outcome temporary, as no connection */
		if (earlier.letter && earlier.text != T_STS_MX) {
			fail = earlier;
			return ATTEMPT_NOCONN;
		}
		return ATTEMPT_FAILED;
	}
	}
	port = a->policy.port;
	qmtp = a->policy.qmtp;
	/* QMTP needs the length first: a pipe is spooled before connecting */
	if ((qmtp || qmtp_mxps(pr->pref)) && !d.msg.is_regular && message_spool(&d.msg) != 0)
		report_die('Z', T_READ, NULL);
	/* "impossible in SMTP" (seed 000): known now unless MXPS may still
	 * make it QMTP; a pipe's last line is judged as it is sent */
	if (d.msg.partial && !qmtp && !mxps_applies(a))
		report_die('D', T_PARTIAL, NULL);
	if ((fd = open_connection(a, port, &qmtp, a->policy.smtps && (qmtp || !plaintext_only))) < 0)
		return ATTEMPT_NOCONN;
	if (d.msg.partial && !qmtp) {	/* MXPS fell back to SMTP */
		close(fd);
		report_die('D', T_PARTIAL, NULL);
	}

	conn_init(&a->conn, fd);
	d.sp.host = text;
	d.sp.mxname = pr->name;
	d.sp.tls = &a->policy;
	d.sp.pending = &a->pending;
	d.sp.plaintext_only = plaintext_only;
	d.sp.peer_loopback = ip_is_loopback(&pr->ip);
	if (qmtp) {
		if (qmtp_deliver(&a->conn, &d.sp, &fail) == NEXT_FINAL)
			report_exit(&fail, 0);
		o = NEXT_PEER;
	} else {
		scan_message();
		o = smtp_deliver(&a->conn, &d.sp, &fail);
		note_tls(a);
		if (o == NEXT_FINAL)
			report_exit(&fail, 0);
	}
	tls_close(&a->conn);
	tls_discard(&a->pending);	/* whatever set-up the session did not take */
	close(fd);
	return o == NEXT_RETRY_PLAIN ? ATTEMPT_RETRY_PLAIN : ATTEMPT_FAILED;
}

int
main(int argc, char **argv)
{
	static struct attempt a;	/* one at a time; its conn's buffers are large */
	size_t k;
	int have_fail = 0, all_perm = 1, plaintext_only = 0;

	/* a peer closing while we write must be a report, not a silent death */
	(void)signal(SIGPIPE, SIG_IGN);
	/* the control files hold passwords and key passphrases: no core file */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	setup(argc, argv);
	choose_route();
	gather_peers();
	choose_local();
	if (d.sts)
		sts = mtasts_discover(d.host_name.text, sts_txtst, &sts_txt, sts_ca(), MTASTS_DIR, time(NULL));

	for (k = 0; k < npeers; ++k) {
		if (peers[k].pref >= d.prefme)
			continue;
		switch (attempt(&a, &peers[k], plaintext_only)) {
		case ATTEMPT_SKIPPED:
			break;
		case ATTEMPT_NOCONN:
			all_perm = 0;
			break;
		case ATTEMPT_RETRY_PLAIN:
			TRACE("opportunistic TLS failed: the same host again without TLS");
			plaintext_only = 1;
			have_fail = 1;
			all_perm = 0;
			--k;	/* this peer once more (k wraps and comes back) */
			continue;
		case ATTEMPT_FAILED:
			have_fail = 1;
			if (fail.letter != 'D')
				all_perm = 0;
			break;
		}
		plaintext_only = 0;
	}
	if (!have_fail)
		report_die('Z', T_NOCONN, NULL);
	/* Every peer failed before MAIL: permanent only if all said so. */
	if (!all_perm)
		fail.letter = 'Z';
	report_exit(&fail, 0);
}
