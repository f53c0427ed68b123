/*
 * attempt.c -- one attempt at one peer: the TLS policy for it
 * (tlspolicy.c decides from what is looked up here: the control files'
 * lines for the destination and the peer, DANE's records, the MTA-STS
 * policy), the connection (MXPS's QMTP first where it applies, TLS set up
 * while the TCP handshake travels), the session (smtp.c or qmtp.c) and
 * what it means for the walk: report and exit on a final outcome, else
 * the next peer or the same one without TLS. Also the TLS outcome under
 * DANE or MTA-STS in RFC 8460's terms (tlsrpt.c).
 * Not here: which peers (peers.c), the order of the walk (qmail-remote.c),
 * the protocols (smtp.c, qmtp.c), the handshake (tls.c), texts (report.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "attempt.h"
#include "dane.h"
#include "qmtp.h"
#include "report.h"
#include "smtp.h"
#include "str.h"
#include "tcpconnect.h"
#include "tcpto.h"
#include "tlsrpt.h"
#include "trace.h"

/* 8-bit body (BODY=8BITMIME) and UTF-8 headers (SMTPUTF8, RFC 6532), known
 * before MAIL: read once, before the first SMTP session (QMTP, 8-bit clean
 * and without extensions, never pays for it); a pipe is not scanned. */
static void
scan_message(struct delivery *d)
{
	if (d->msg_scanned)
		return;
	d->msg_scanned = 1;
	if (idn_message_scan(d->msg.fd, &d->sp.has_8bit, &d->sp.header) == IDN_SCAN_ERROR)
		report_die('Z', T_READ, NULL);
}

/* The local address of the connection fd, as text ("" when unknown). */
static void
local_address(int fd, char *text)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	text[0] = '\0';
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET)
		(void)inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, text, IP_FMT_MAX);
	else if (ss.ss_family == AF_INET6)
		(void)inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, text, IP_FMT_MAX);
}

/*
 * TLS-RPT (RFC 8460, SPEC 13): the TLS result of one SMTP session -- or
 * of a peer the policy skipped (fd -1) -- under the policy applied to it
 * (tlsrpt.c classifies), to the transcript and, where the domain asks
 * for reports and control/tlsrpt names the collector, as one datagram.
 * Not for QMTP (RFC 8460 counts SMTP), nor the retry without TLS (the
 * failed handshake before it was the session's result), nor the report
 * sender's mail (RFC 8460 3). Costs nothing without a transcript or a
 * report to send.
 */
static void
report_tls(const struct attempt *a, int what, int fd)
{
	const struct delivery *d = a->d;
	struct tlsrpt_session s;
	struct tlsrpt_result r;
	char local[IP_FMT_MAX];
	const char *why = NULL;

	if (d->report_sender || (!trace_on && !d->rpt_record))
		return;
	if (d->sp.plaintext_only && what == TLSRPT_SESSION) {
		TRACE("tls-rpt: not counted: the retry without TLS (the failed handshake was)");
		return;
	}
	memset(&s, 0, sizeof s);
	s.what = what;
	s.policy = &a->policy;
	s.o = a->o;
	s.sts = d->sts_policy;
	s.sts_failure = d->sts_failure;
	s.domain = d->host_name.text;
	s.mx = a->pr->name;
	memset(&r, 0, sizeof r);
	if (tlsrpt_classify(&s, &r, &why) != 0) {
		TRACE("tls-rpt: not counted: %s", why);
		return;
	}
	r.record = d->rpt_record;
	r.record_len = d->rpt_record_len;
	r.receiving_ip = a->text;
	if (fd >= 0) {	/* a session: this connection's facts (a skip has none) */
		local_address(fd, local);
		r.sending_ip = local;
		r.ehlo = a->o->tls.ehlo[0] ? a->o->tls.ehlo : NULL;
	}
	tlsrpt_note(&r, d->rpt_socket);
}

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
	in.cfg = &a->d->cfg;
	in.named = ctl_tlsdest(&a->d->cfg, &a->d->dest_name, &a->d->sender_domain_name);
	in.domaincert = ctl_domaincert(&a->d->cfg, &a->d->sender_domain_name);
	if (!in.named && pr->name) {
		char *path = NULL;
		int r = ctl_tlshost(&a->d->cfg, pr->name, &path, &in.compat_no_tls);

		in.compat_broken = r < 0;
		if (r == 1 && path) {
			str_copy(pem, sizeof pem, path);
			in.tlshost_pem = pem;
		}
		free(path);
	}
	in.route_port = a->d->route_port;
	in.route_smtps = a->d->route_smtps;
	in.qmtp_route = a->d->qmtp_route;
	in.credentials = a->d->sp.auth_user != NULL;
	in.report_sender = a->d->report_sender;
	in.mxname = pr->name;
	in.peer_secure = pr->secure;
	if (a->d->sts_policy) {
		stsf.mode = a->d->sts_policy->mode;
		stsf.listed = mtasts_match(a->d->sts_policy, pr->name);
		stsf.ca = a->d->sts_ca;
		stsf.domain = a->d->host;
		in.sts = &stsf;
	}
	v = tls_decide(&in, &a->policy);
	if (v != TLS_WANT_TLSA)
		return v;
	dane_lookup(&dane, pr, a->policy.port);
	if (a->d->sts_policy && dane.secure && dane.count > 0) {
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
	return !(a->d->route && a->d->route->relay[0]) && qmtp_mxps(a->pr->pref) && a->policy.level < TLS_ENCRYPT;
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

	if (trace_on && a->d->local) {
		ip_fmt(from, a->d->local);
		TRACE("source address %s (domainips or the route's localip)", from);
	}

	if (mxps_applies(a)) {
		/* MXPS: QMTP first; only a failed connection falls back to SMTP */
		TRACE("connect %s port %u (%s, preference %lu: MXPS, QMTP)", text, QMTP_PORT,
		    pr->name, pr->pref);
		fd = tcp_connect(&pr->ip, QMTP_PORT, a->d->local, a->d->cfg.timeoutconnect, NULL, NULL);
		if (fd >= 0)
			*qmtp = 1;
		else if (fd != TCP_BIND_FAILED)
			TRACE("connect %s: %s: SMTP instead", text, strerror(errno));
	}
	if (fd < 0 && fd != TCP_BIND_FAILED) {
		TRACE("connect %s port %u (%s, preference %lu)%s", text, port, pr->name, pr->pref,
		    a->policy.smtps ? (*qmtp ? " QMTPS" : " SMTPS") : *qmtp ? " QMTP" : "");
		fd = tcp_connect(&pr->ip, port, a->d->local, a->d->cfg.timeoutconnect,
		    tls_first ? prepare_tls : NULL, a);
	}
	if (fd == TCP_BIND_FAILED) {
		char lt[IP_FMT_MAX];
		ip_fmt(lt, a->d->local);
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
enum attempt_result
attempt(struct attempt *a, struct delivery *d, const struct peer *pr, int plaintext_only,
    struct outcome *walk)
{
	const char *text = a->text;
	unsigned port;
	int fd, qmtp;
	enum next next;

	a->d = d;
	a->o = walk;
	a->pr = pr;
	ip_fmt(a->text, &pr->ip);
	if (d->local && d->local->af != pr->ip.af) {
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
		outcome_set(a->o, 'Z', T_TLSA_LOOKUP, NULL);
		outcome_peer(a->o, text, pr->name, d->host);
		report_tls(a, TLSRPT_SKIP_TLSA_FAILED, -1);
		return ATTEMPT_FAILED;
	case TLS_SKIP_STS_UNLISTED: {
		static struct outcome earlier;

		earlier = *a->o;
		outcome_set(a->o, 'Z', T_STS_MX, NULL);
		outcome_peer(a->o, text, pr->name, d->host);
		report_tls(a, TLSRPT_SKIP_STS_UNLISTED, -1);
		/* a host the policy lists failed before: that explains the
		 * deferral, not skipping this one (the transcript has both);
		 * the skip still makes the outcome temporary, as no connection */
		if (earlier.letter && earlier.text != T_STS_MX) {
			*a->o = earlier;
			return ATTEMPT_NOCONN;
		}
		return ATTEMPT_FAILED;
	}
	}
	port = a->policy.port;
	qmtp = a->policy.qmtp;
	/* QMTP needs the length first: a pipe is spooled before connecting */
	if ((qmtp || qmtp_mxps(pr->pref)) && !d->msg.is_regular && message_spool(&d->msg) != 0)
		report_die('Z', T_READ, NULL);
	/* "impossible in SMTP" (seed 000): known now unless MXPS may still
	 * make it QMTP; a pipe's last line is judged as it is sent */
	if (d->msg.partial && !qmtp && !mxps_applies(a))
		report_die('D', T_PARTIAL, NULL);
	if ((fd = open_connection(a, port, &qmtp, a->policy.smtps && (qmtp || !plaintext_only))) < 0)
		return ATTEMPT_NOCONN;
	if (d->msg.partial && !qmtp) {	/* MXPS fell back to SMTP */
		close(fd);
		report_die('D', T_PARTIAL, NULL);
	}

	conn_init(&a->conn, fd);
	d->sp.host = text;
	d->sp.mxname = pr->name;
	d->sp.tls = &a->policy;
	d->sp.pending = &a->pending;
	d->sp.plaintext_only = plaintext_only;
	d->sp.peer_loopback = ip_is_loopback(&pr->ip);
	if (qmtp) {
		if (qmtp_deliver(&a->conn, &d->sp, a->o) == NEXT_FINAL)
			report_exit(a->o, 0);
		next = NEXT_PEER;
	} else {
		scan_message(a->d);
		next = smtp_deliver(&a->conn, &d->sp, a->o);
		report_tls(a, TLSRPT_SESSION, fd);
		if (next == NEXT_FINAL)
			report_exit(a->o, 0);
	}
	tls_close(&a->conn);
	tls_discard(&a->pending);	/* whatever set-up the session did not take */
	close(fd);
	return next == NEXT_RETRY_PLAIN ? ATTEMPT_RETRY_PLAIN : ATTEMPT_FAILED;
}

