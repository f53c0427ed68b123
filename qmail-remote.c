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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "conn.h"
#include "control.h"
#include "dns.h"
#include "idn.h"
#include "ipme.h"
#include "message.h"
#include "qmtp.h"
#include "report.h"
#include "smtp.h"
#include "tcpconnect.h"
#include "tcpto.h"
#include "tls.h"
#include "trace.h"

#ifndef QMAIL_HOME
#define QMAIL_HOME "/var/qmail"
#endif

#define PEERS_MAX	256	/* addresses tried per delivery */
#define PREF_ROUTE	300000	/* classic: with a route, no best-preference check */

struct peer {
	struct ip_address ip;
	unsigned long pref;
	const char *name;	/* MX host name, for the transcript and TLS */
	int secure;		/* MX and address answers were DNSSEC-validated (AD) */
};

static struct config cfg;
static struct peer peers[PEERS_MAX];
static size_t npeers;
static struct dns_mx mxs[DNS_MX_MAX];
static struct conn conn;
static struct fail fail;
static struct tls_policy policy;

static void
lowercase(char *s)
{
	for (; *s; ++s)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

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
add_peer(const struct ip_address *ip, unsigned long pref, const char *name, int secure)
{
	size_t i;

	for (i = 0; i < npeers; ++i)
		if (ip_equal(&peers[i].ip, ip))
			return;	/* the same address under two MX names */
	if (npeers < PEERS_MAX) {
		peers[npeers].ip = *ip;
		peers[npeers].pref = pref;
		peers[npeers].name = name;
		peers[npeers].secure = secure;
		++npeers;
	}
}

/* A and AAAA of name into peers; the DNS status for the caller. */
static enum dns_status
resolve_host(const char *name, unsigned long pref, int mx_secure)
{
	struct ip_address ips[DNS_IP_MAX];
	size_t n = 0, i;
	enum dns_status st;
	int ad = 0;

	st = dns_ip(name, ips, DNS_IP_MAX, &n, &ad);
	TRACE("dns: %s: status %d, %zu address(es)%s", name, (int)st, n, ad ? ", DNSSEC-validated" : "");
	for (i = 0; i < n; ++i)
		add_peer(&ips[i], pref, name, mx_secure && ad);
	return st;
}

/* The peers of host by its MX records (or its own address). */
static void
find_mx_peers(const char *host)
{
	size_t n = 0, i;
	int soft = 0, ad = 0;
	enum dns_status st;

	st = dns_mx(host, mxs, DNS_MX_MAX, &n, &ad);
	TRACE("dns: MX %s: status %d, %zu record(s)%s", host, (int)st, n, ad ? ", DNSSEC-validated" : "");
	if (st == DNS_NXDOMAIN || st == DNS_BADNAME)
		report_die('D', T_DNS_PERM, host);
	if (st != DNS_OK)
		report_die('Z', T_DNS_TEMP, NULL);
	if (n == 0) {	/* no MX: the host itself (RFC 5321 5.1) */
		st = resolve_host(host, 0, ad);
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
		st = resolve_host(mxs[i].name, mxs[i].pref, ad);
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

/*
 * DANE (RFC 7672): TLSA at _port._tcp.mxhost, only when the MX host and
 * its addresses came DNSSEC-validated; trusted only with the AD bit.
 * 0 = policy updated (or nothing to do), -1 = lookup failed: Z, next host.
 */
static int
dane_policy(struct tls_policy *pol, const struct peer *pr, unsigned port)
{
	static struct dns_tlsa tlsa[DNS_TLSA_MAX];
	static struct dns_tlsa usable[DNS_TLSA_MAX];
	static char last[DNS_NAME_MAX + 16];
	static enum dns_status last_st;
	static size_t last_n;
	static int last_ad;
	char qname[DNS_NAME_MAX + 16];
	size_t i, u = 0;

	if (!pr->secure || pol->no_tlsa || pol->level == TLS_NEVER)
		return 0;
	snprintf(qname, sizeof qname, "_%u._tcp.%s", port, pr->name);
	if (strcmp(qname, last) != 0) {	/* the same MX's other addresses: ask once */
		last_n = 0;
		last_ad = 0;
		last_st = dns_tlsa(qname, tlsa, DNS_TLSA_MAX, &last_n, &last_ad);
		snprintf(last, sizeof last, "%s", qname);
		TRACE("dns: TLSA %s: status %d, %zu record(s)%s", qname, (int)last_st, last_n,
		    last_ad ? ", DNSSEC-validated" : ", not validated");
	}
	if (last_st == DNS_TEMP)
		return -1;
	if (last_st != DNS_OK || !last_ad || last_n == 0)
		return 0;	/* insecure or no records: no DANE */
	for (i = 0; i < last_n; ++i)	/* DANE-TA, DANE-EE; len 0 = data too long to keep */
		if ((tlsa[i].usage == 2 || tlsa[i].usage == 3) && tlsa[i].len > 0)
			usable[u++] = tlsa[i];
	if (pol->level < TLS_ENCRYPT)
		pol->level = TLS_ENCRYPT;	/* secure TLSA: TLS is mandatory */
	pol->tlsa = usable;
	pol->tlsa_count = u;
	pol->tlsa_secure_unusable = u == 0;
	TRACE("tls: DANE: %zu usable TLSA record(s)%s", u, u ? "" : ": encrypt, unauthenticated");
	return 0;
}

static const char *
sender_domain(const char *sender)
{
	const char *at = strrchr(sender, '@');

	return at ? at + 1 : "";
}

int
main(int argc, char **argv)
{
	static struct ctl_error err;
	static struct message msg;
	static char host[DNS_NAME_MAX + 8], host_utf8[DNS_NAME_MAX + 8], relay[DNS_NAME_MAX + 8];
	static struct idn_envelope idnenv;
	const char *why;
	int has_8bit = 0, header = 0;
	struct smtp_params sp;
	const struct route *route = NULL;
	const struct ctl_domainip *dip;
	const struct ip_address *local = NULL;
	const char *dir, *helohost;
	char hosttext[IP_FMT_MAX];
	struct ip_address literal;
	unsigned long prefme;
	unsigned route_port = 25, port;
	int fd, i, have_fail = 0, all_perm = 1, route_smtps = 0, plaintext_only = 0;
	int qmtp_route = 0, qmtp, exitcode;
	const char *dest;
	size_t k;

	/* a peer closing while we write must be a report, not a silent death */
	signal(SIGPIPE, SIG_IGN);
	/* the control files hold passwords and key passphrases: no core file */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (argc < 4)
		report_die('D', T_USAGE, NULL);
	trace_init();
	if (!address_ok(argv[1]))	/* it would be echoed into the report */
		report_die('D', T_DNS_PERM, "(a host name with control characters)");
	for (i = 2; i < argc; ++i)
		if (!address_ok(argv[i]))
			report_die('D', T_TEXT, "Sorry, an envelope address contains a control character. (#5.1.3)");
	/* IDNA2008: a UTF-8 host becomes A-labels before any DNS query */
	if (idn_host_to_ascii(argv[1], host, sizeof host, &why) != 0) {
		TRACE("host %s: %s", argv[1], why);
		report_die('D', T_DNS_PERM, argv[1]);
	}
	if (strlen(argv[1]) < sizeof host_utf8) {	/* for control files written in UTF-8 */
		strcpy(host_utf8, argv[1]);
		lowercase(host_utf8);
	}
	idn_envelope_scan(&idnenv, argv[2], argv + 3, (size_t)(argc - 3));

	dir = getenv("CONTROLDIR");
	if (!dir || !*dir)
		dir = QMAIL_HOME "/control";
	if (ctl_load(&cfg, dir, &err) != 0) {
		char what[256];
		if (strcmp(err.why, "out of memory") == 0)
			report_die('Z', T_NOMEM, NULL);
		if (err.line)
			snprintf(what, sizeof what, "%s line %u: %s", err.file, err.line, err.why);
		else
			snprintf(what, sizeof what, "%s: %s", err.file, err.why);
		report_die('Z', T_CONTROL, what);
	}
	if (message_open(&msg, 0) != 0)
		report_die('Z', T_READ, NULL);
	if (msg.partial)
		report_die('D', T_PARTIAL, NULL);
	/* 8-bit body (BODY=8BITMIME) and UTF-8 headers (SMTPUTF8, RFC 6532),
	 * known before MAIL; a pipe is not scanned */
	if (idn_message_scan(msg.fd, &has_8bit, &header) == IDN_SCAN_ERROR)
		report_die('Z', T_READ, NULL);
	tcpto_path(QMAIL_HOME "/queue/lock/tcpto");
	if (dns_init(cfg.timeoutdns) != 0)
		TRACE("dns: no nameserver configured");

	/* precedence: authsenders > qmtproutes > smtproutes > DNS */
	route = ctl_authsender(&cfg, argv[2]);
	if (!route && ((route = ctl_qmtproute(&cfg, host, argv[2])) != NULL ||
	    (host_utf8[0] && (route = ctl_qmtproute(&cfg, host_utf8, argv[2])) != NULL))) {
		qmtp_route = 1;
		route_port = QMTP_PORT;
	}
	if (!route)
		route = ctl_smtproute(&cfg, host, argv[2]);
	if (!route && host_utf8[0])
		route = ctl_smtproute(&cfg, host_utf8, argv[2]);
	if (route && route->port)
		route_port = route->port;
	if (route && route->smtps)
		route_smtps = 1;
	/* tlsdestinations matches the destination after routes */
	if (route && route->relay[0] && !route->relay_is_ip) {
		if (idn_host_to_ascii(route->relay, relay, sizeof relay, &why) != 0)
			report_die('D', T_DNS_PERM, route->relay);
	}
	dest = route && route->relay[0] ? (route->relay_is_ip ? route->relay : relay) : host;

	if (route && route->relay_is_ip) {
		add_peer(&route->relay_ip, 0, route->relay, 0);
		prefme = PREF_ROUTE;
	} else if (route && route->relay[0]) {
		enum dns_status st = resolve_host(relay, 0, 1);
		if (st == DNS_NXDOMAIN || st == DNS_BADNAME)
			report_die('D', T_DNS_PERM, route->relay);
		if (npeers == 0)
			report_die(st == DNS_TEMP ? 'Z' : 'D', st == DNS_TEMP ? T_DNS_TEMP : T_NOMX, NULL);
		prefme = PREF_ROUTE;
	} else {
		if (host[0] == '[') {
			if (ip_scan_literal(host, &literal) != 0)
				report_die('D', T_DNS_PERM, host);
			add_peer(&literal, 0, host, 0);
		} else {
			find_mx_peers(host);
		}
		/* a route with an empty relay is a plain MX lookup, own check included */
		if (ipme_init(cfg.ipme, cfg.ipme_count) != 0)
			report_die('Z', T_OSERR, NULL);
		prefme = pref_limit();
	}

	helohost = cfg.helohost;
	dip = ctl_domainip(&cfg, sender_domain(argv[2]));
	if (dip) {
		local = &dip->localip;
		if (dip->helohost)
			helohost = dip->helohost;
	}
	if (route && route->has_localip)
		local = &route->localip;

	sp.helohost = helohost;
	sp.sender = argv[2];
	sp.recips = argv + 3;
	sp.nrecips = argc - 3;
	sp.msg = &msg;
	sp.timeout_s = cfg.timeoutremote;
	sp.domain = host;
	sp.idn = &idnenv;
	sp.has_8bit = has_8bit;
	sp.header = header;
	sp.auth_user = route && route->user && route->user[0] ? route->user : NULL;
	sp.auth_pass = route && route->password ? route->password : "";

	for (k = 0; k < npeers; ++k) {
		if (peers[k].pref >= prefme)
			continue;
		ip_fmt(hosttext, &peers[k].ip);
		if (local && local->af != peers[k].ip.af) {
			TRACE("skip %s: the local address has another family", hosttext);
			continue;
		}
		if (tcpto_skip(&peers[k].ip)) {
			TRACE("skip %s: recent connect timeouts (qmail-tcpto)", hosttext);
			all_perm = 0;
			continue;
		}
		tls_policy_for(&policy, &cfg, dest, peers[k].name, sender_domain(argv[2]));
		if (policy.broken)
			report_die('Z', T_CONTROL, "tlshosts/ or notlshosts/: unreadable");
		port = policy.port ? policy.port : route_port;
		qmtp = qmtp_route || policy.qmtps;
		if (qmtp)	/* QMTPS: TLS from the first byte on 6209, or "s<port>" */
			policy.smtps = port == QMTPS_PORT || (qmtp_route && route_smtps) || policy.qmtps;
		else
			policy.smtps = policy.port ? policy.smtps || port == 465 : route_smtps || port == 465;
		if (policy.smtps && policy.level < TLS_ENCRYPT)
			policy.level = TLS_ENCRYPT;	/* SMTPS has no plaintext */
		if (dane_policy(&policy, &peers[k], port) != 0) {
			fail_set(&fail, 'Z', T_TLSA_LOOKUP, NULL);
			snprintf(fail.host, sizeof fail.host, "%s", hosttext);
			snprintf(fail.mxname, sizeof fail.mxname, "%s", peers[k].name);
			snprintf(fail.domain, sizeof fail.domain, "%s", host);
			have_fail = 1;	/* report this, not "no connection" */
			all_perm = 0;
			continue;
		}
		fd = -1;
		if (!(route && route->relay[0]) && qmtp_mxps(peers[k].pref) && policy.level < TLS_ENCRYPT) {
			/* MXPS: QMTP first; only a failed connection falls back to SMTP */
			if (!msg.is_regular && message_spool(&msg) != 0)
				report_die('Z', T_READ, NULL);
			if (msg.partial)
				report_die('D', T_PARTIAL, NULL);
			TRACE("connect %s port %u (%s, preference %lu: MXPS, QMTP)", hosttext,
			    QMTP_PORT, peers[k].name, peers[k].pref);
			fd = tcp_connect(&peers[k].ip, QMTP_PORT, local, cfg.timeoutconnect);
			if (fd >= 0)
				qmtp = 1;
			else
				TRACE("connect %s: %s: SMTP instead", hosttext, strerror(errno));
		}
		if (qmtp && !msg.is_regular && message_spool(&msg) != 0)
			report_die('Z', T_READ, NULL);
		if (msg.partial)	/* a pipe, now spooled: refused like a queue file */
			report_die('D', T_PARTIAL, NULL);
		if (fd < 0) {
			TRACE("connect %s port %u (%s, preference %lu)%s", hosttext, port,
			    peers[k].name, peers[k].pref, policy.smtps ? (qmtp ? " QMTPS" : " SMTPS") : qmtp ? " QMTP" : "");
			fd = tcp_connect(&peers[k].ip, port, local, cfg.timeoutconnect);
		}
		if (fd == TCP_BIND_FAILED) {
			char lt[IP_FMT_MAX];
			ip_fmt(lt, local);
			report_die('Z', T_BIND, lt);
		}
		if (fd < 0) {
			TRACE("connect %s: %s", hosttext, strerror(errno));
			tcpto_record(&peers[k].ip, errno == ETIMEDOUT);
			all_perm = 0;
			continue;
		}
		tcpto_record(&peers[k].ip, 0);
		conn_init(&conn, fd);
		have_fail = 1;
		sp.host = hosttext;
		sp.mxname = peers[k].name;
		sp.tls = &policy;
		sp.plaintext_only = plaintext_only;
		sp.peer_loopback = ip_is_loopback(&peers[k].ip);
		if (qmtp) {
			if (qmtp_deliver(&conn, &sp, &fail, &exitcode) == SMTP_FINAL)
				report_exit(&fail, exitcode);
			tls_close(&conn);
			close(fd);
			all_perm = 0;
			continue;
		}
		switch (smtp_deliver(&conn, &sp, &fail)) {
		case SMTP_FINAL:
			report_exit(&fail, 0);
		case SMTP_RETRY_PLAIN:
			TRACE("TLS protocol error under '?': the same host again without TLS");
			plaintext_only = 1;
			--k;	/* this peer once more */
			break;
		case SMTP_NEXT:
			plaintext_only = 0;
			break;
		}
		tls_close(&conn);
		close(fd);
		if (fail.letter != 'D')
			all_perm = 0;
	}
	if (!have_fail)
		report_die('Z', T_NOCONN, NULL);
	/* Every peer failed before MAIL: permanent only if all said so. */
	if (!all_perm)
		fail.letter = 'Z';
	report_exit(&fail, 0);
}
