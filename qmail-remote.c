/*
 * qmail-remote.c -- qmail-remote host sender recip...: the story of one
 * delivery. The arguments and the control files (setup), the route
 * (choose_route), the peers (peers.c), the local address (choose_local),
 * the MTA-STS policy (mtasts.c), then the walk over the peers, one
 * attempt each (attempt.c), until an outcome is final; it alone decides
 * "next peer" or "report and exit" for what the attempts leave open.
 * Not here: parsing (control.c, dns.c), the TLS decision (tlspolicy.c),
 * protocols (smtp.c, qmtp.c), texts (report.c).
 */
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "attempt.h"
#include "delivery.h"
#include "idn.h"
#include "ipme.h"
#include "qmtp.h"
#include "report.h"
#include "str.h"
#include "tcpto.h"
#include "tlspolicy.h"
#include "trace.h"

#ifndef QMAIL_HOME
#define QMAIL_HOME "/var/qmail"
#endif

#define MTASTS_DIR	QMAIL_HOME "/queue/mtasts"	/* the policy cache (make install) */
#define MTASTS_CA	"/etc/ssl/certs/"	/* hashed: only the certificates a chain needs are read */

/* The one delivery of this process: filled before the walk, read during
 * it (delivery.h). */
static struct delivery d;

/* Addresses may not carry bytes that end an SMTP line or a report. */
static int
address_ok(const char *s)
{
	for (; *s; ++s)
		if ((unsigned char)*s < 32 || *s == 127)
			return 0;
	return 1;
}

static const char *
sender_domain(const char *sender)
{
	const char *at = strrchr(sender, '@');

	return at ? at + 1 : "";
}

/* The sender is control/tlsrptsender's address: the local part as
 * written, the domain in any case. */
static int
is_report_sender(const char *sender, const char *report_sender)
{
	const char *at = strrchr(sender, '@'), *rat;

	if (!report_sender || !at || !(rat = strrchr(report_sender, '@')))
		return 0;
	return at - sender == rat - report_sender && memcmp(sender, report_sender, (size_t)(at - sender)) == 0 &&
	    strcasecmp(at, rat) == 0;
}

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
	if (ctl_load(&d.cfg, dir, &err) != 0) {
		if (err.nomem)
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
	dns_set_timeout(d.cfg.timeoutdns);

	d.sp.sender = argv[2];
	d.sp.recips = argv + 3;
	d.sp.nrecips = argc - 3;
	d.sp.msg = &d.msg;
	d.sp.timeout_s = d.cfg.timeoutremote;
	report_timeout(d.cfg.timeoutremote);
	d.sp.domain = d.host;
	d.sp.idn = &d.idn;
	d.sts_txtst = DNS_TEMP;
	d.sts_ca = d.cfg.mtastsca ? d.cfg.mtastsca : MTASTS_CA;
	/* TLS-RPT (RFC 8460): the report sender's mail is delivered despite
	 * DANE or MTA-STS failures, and its sessions are not reported (3) */
	d.report_sender = is_report_sender(d.sender, d.cfg.tlsrptsender);
	if (d.report_sender)
		TRACE("tls-rpt: the sender is control/tlsrptsender: no DANE, no MTA-STS, no reports");
	else
		d.rpt_socket = d.cfg.tlsrpt;
}

/* The precedence of authsenders, qmtproutes and smtproutes (SPEC 4) is
 * ctl_route()'s; none applies: DNS. */
static void
choose_route(void)
{
	struct ctl_route_choice rc;
	const struct route *r;
	const char *why;

	ctl_route(&d.cfg, &d.host_name, d.sender, &d.sender_domain_name, &rc);
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
	/* MTA-STS (RFC 8461): for the MX hosts of the host argument, unless
	 * what changes TLS for them says otherwise (SPEC 12) */
	if (d.cfg.mtasts && (d.host[0] != '[' || (r && (r->relay[0] || d.qmtp_route)))) {
		const struct ctl_tlsdest *t = ctl_tlsdest(&d.cfg, &d.dest_name, &d.sender_domain_name);

		switch (tls_sts_use(r, d.qmtp_route, t, d.report_sender)) {	/* tlspolicy.c decides */
		case TLS_STS_ROUTE_RELAY:
			TRACE("mta-sts: not used: a route to a relay");
			break;
		case TLS_STS_ROUTE_QMTP:
			TRACE("mta-sts: not used: a route to QMTP");
			break;
		case TLS_STS_NAMED_LINE:
			TRACE("mta-sts: not used: a tlsdestinations line names %s (line %u)", d.dest, t->line);
			break;
		case TLS_STS_REPORT_SENDER:
			TRACE("mta-sts: not used: the sender is the TLS-RPT report sender (RFC 8460 3)");
			break;
		case TLS_STS_USE:
			d.sts = d.host[0] != '[';	/* an address has no policy domain */
			break;
		}
	}
}

/* domainips by the sender's domain; a route's localip wins. */
static void
choose_local(void)
{
	const struct ctl_domainip *dip = ctl_domainip(&d.cfg, &d.sender_domain_name);

	d.sp.helohost = d.cfg.helohost;
	if (dip) {
		d.local = &dip->localip;
		if (dip->helohost)
			d.sp.helohost = dip->helohost;
	}
	if (d.route && d.route->has_localip)
		d.local = &d.route->localip;
}

int
main(int argc, char **argv)
{
	static struct attempt a;	/* one at a time; its conn's buffers are large */
	static struct outcome fail;	/* the walk's: the last failure, or the final outcome */
	size_t k;
	int have_fail = 0, all_perm = 1, plaintext_only = 0;

	/* a peer closing while we write must be a report, not a silent death */
	(void)signal(SIGPIPE, SIG_IGN);
	/* the control files hold passwords and key passphrases: no core file */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	setup(argc, argv);
	choose_route();
	peers_gather(&d);
	choose_local();
	if (d.sts)
		d.sts_policy = mtasts_discover(d.host_name.text, d.sts_txtst, &d.sts_txt, d.sts_ca, MTASTS_DIR,
		    time(NULL), d.rpt_record != NULL, &d.sts_failure);

	/* the walk: each peer in order, the same one again without TLS where
	 * the policy allowed it; the first final outcome ends it (attempt()) */
	for (k = 0; k < d.npeers; ++k) {
		if (d.peers[k].pref >= d.prefme)
			continue;
		switch (attempt(&a, &d, &d.peers[k], plaintext_only, &fail)) {
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
