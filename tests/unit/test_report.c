/*
 * test_report.c -- report texts byte for byte: the classic ones admins grep
 * for, whole, with our details on lines after them; "Remote host said:"
 * with NUL bytes masked, and bounded output.
 */
#include <string.h>
#include "check.h"
#include "report.h"

static char buf[SAID_MAX * 2];

static int
is(const struct outcome *f, const char *want)
{
	size_t n = report_format(f, buf, sizeof buf);

	if (n == strlen(want) && memcmp(buf, want, n) == 0)
		return 1;
	printf("got: [%.*s]\n", (int)n, buf);
	return 0;
}

int
main(void)
{
	static struct outcome f;

	outcome_set(&f, 'D', T_USAGE, NULL);
	CHECK(is(&f, "DI (qmail-remote) was invoked improperly. (#5.3.5)\n"), "usage");
	outcome_set(&f, 'Z', T_NOCONN, NULL);
	CHECK(is(&f, "ZSorry, I wasn't able to establish an SMTP connection. (#4.4.1)\n"), "noconn");
	outcome_set(&f, 'D', T_DNS_PERM, "nx.example");
	CHECK(is(&f, "DSorry, I couldn't find any host named nx.example. (#5.1.2)\n"), "perm dns");
	outcome_set(&f, 'Z', T_DNS_TEMP, NULL);
	CHECK(is(&f, "ZSorry, I couldn't find any host by that name. (#4.1.2)\n"), "temp dns");
	outcome_set(&f, 'D', T_NOMX, NULL);
	CHECK(is(&f, "DSorry, I couldn't find a mail exchanger or IP address. (#5.4.4)\n"), "nomx");
	outcome_set(&f, 'D', T_AMBIGMX, NULL);
	CHECK(is(&f, "DSorry. Although I'm listed as a best-preference MX or A for that host,\n"
	    "it isn't in my control/locals file, so I don't treat it as local. (#5.4.6)\n"), "ambigmx");
	outcome_set(&f, 'D', T_PARTIAL, NULL);
	CHECK(is(&f, "DSMTP cannot transfer messages with partial final lines. (#5.6.2)\n"), "partial");

	strcpy(f.host, "192.0.2.25");
	outcome_set(&f, 'Z', T_GREETING, NULL);
	f.said.len = 8;
	memcpy(f.said.text, "421 bye\n", 8);
	CHECK(is(&f, "ZConnected to 192.0.2.25 but greeting failed.\nRemote host said: 421 bye\n"), "greeting");
	outcome_set(&f, 'K', T_ACCEPTED, NULL);
	f.said.len = 9;
	memcpy(f.said.text, "250 o\0k\n\n", 9);
	CHECK(is(&f, "K192.0.2.25 accepted message.\nRemote host said: 250 o?k\n\n"), "accepted, NUL masked");
	/* every K variant: report.c owns the words (s/qmail's TLS line, its
	 * "(TLSA validated)", ours for MTA-STS, the skipped AUTH, the fallback) */
	{
		static const struct {
			const char *cipher;
			int dane, mtasts, auth_skipped, fell_back;
			const char *want;
		} k[] = {
			{ "", 0, 0, 0, 0, "K192.0.2.25 accepted message.\nRemote host said: 250 ok\n" },
			{ "TLSv1.3 TLS_AES_256_GCM_SHA384", 0, 0, 0, 0, "K192.0.2.25 accepted message.\n"
			    "TLS transmitted message accepted (TLSv1.3 TLS_AES_256_GCM_SHA384).\nRemote host said: 250 ok\n" },
			{ "TLSv1.3 TLS_AES_256_GCM_SHA384", 1, 0, 0, 0, "K192.0.2.25 accepted message.\n"
			    "TLS (TLSA validated) transmitted message accepted (TLSv1.3 TLS_AES_256_GCM_SHA384).\n"
			    "Remote host said: 250 ok\n" },
			{ "TLSv1.3 TLS_AES_256_GCM_SHA384", 1, 1, 0, 0, "K192.0.2.25 accepted message.\n"
			    "TLS (TLSA validated) transmitted message accepted (TLSv1.3 TLS_AES_256_GCM_SHA384).\n"
			    "Remote host said: 250 ok\n" },
			{ "TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384", 0, 1, 0, 0, "K192.0.2.25 accepted message.\n"
			    "TLS (MTA-STS enforced) transmitted message accepted (TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384).\n"
			    "Remote host said: 250 ok\n" },
			{ "", 0, 1, 0, 0, "K192.0.2.25 accepted message.\nRemote host said: 250 ok\n" },
			{ "TLSv1.3 TLS_AES_128_GCM_SHA256", 0, 0, 1, 0, "K192.0.2.25 accepted message.\n"
			    "TLS transmitted message accepted (TLSv1.3 TLS_AES_128_GCM_SHA256).\n"
			    "no supported AUTH method found, continuing without authentication.\nRemote host said: 250 ok\n" },
			{ "", 0, 0, 1, 0, "K192.0.2.25 accepted message.\n"
			    "no supported AUTH method found, continuing without authentication.\nRemote host said: 250 ok\n" },
			{ "", 0, 0, 0, 1, "K192.0.2.25 accepted message.\nRemote host said: 250 ok\n"
			    "TLS to 192.0.2.25 failed; sent without TLS.\n" },
		};
		size_t i;

		for (i = 0; i < sizeof k / sizeof k[0]; ++i) {
			memset(&f.tls, 0, sizeof f.tls);
			outcome_set(&f, 'K', T_ACCEPTED, NULL);
			f.said.len = 7;
			memcpy(f.said.text, "250 ok\n", 7);
			strcpy(f.tls.cipher, k[i].cipher);
			f.tls.dane = k[i].dane;
			f.tls.mtasts = k[i].mtasts;
			f.auth_skipped = k[i].auth_skipped;
			f.tls_fell_back = k[i].fell_back;
			CHECK(is(&f, k[i].want), "K variant %zu", i);
		}
		memset(&f.tls, 0, sizeof f.tls);
	}
	outcome_set(&f, 'Z', T_DROPPED, NULL);
	CHECK(is(&f, "ZConnected to 192.0.2.25 but connection died. (#4.4.2)\n"), "dropped");
	f.critical = 1;
	CHECK(is(&f, "ZConnected to 192.0.2.25 but connection died. Possible duplicate! (#4.4.2)\n"), "dup");
	f.critical = 0;
	/* every session that ended before the verdict: the classic sentence
	 * whole, with its code; why on a line of its own after it */
	outcome_set(&f, 'Z', T_TIMEOUT, NULL);
	CHECK(is(&f, "ZConnected to 192.0.2.25 but connection died. (#4.4.2)\n"
	    "Timed out (timeoutremote).\n"), "timeout, timeoutremote not known");
	report_timeout(1200);
	CHECK(is(&f, "ZConnected to 192.0.2.25 but connection died. (#4.4.2)\n"
	    "Timed out after 1200 seconds (timeoutremote).\n"), "timeout");
	f.critical = 1;
	report_timeout(1);
	CHECK(is(&f, "ZConnected to 192.0.2.25 but connection died. Possible duplicate! (#4.4.2)\n"
	    "Timed out after 1 second (timeoutremote).\n"), "timeout after the dot");
	outcome_set(&f, 'Z', T_PROTOCOL, "malformed reply line");
	CHECK(is(&f, "ZConnected to 192.0.2.25 but connection died. Possible duplicate! (#4.4.2)\n"
	    "Protocol violation: malformed reply line.\n"), "protocol after the dot");
	f.critical = 0;
	outcome_set(&f, 'Z', T_PROTOCOL, "data after the 220 to STARTTLS (command injection)");
	CHECK(is(&f, "ZConnected to 192.0.2.25 but connection died. (#4.4.2)\n"
	    "Protocol violation: data after the 220 to STARTTLS (command injection).\n"), "protocol");
	outcome_set(&f, 'Z', T_QMTP_PROTOCOL, "bad netstring");
	CHECK(is(&f, "ZConnected to 192.0.2.25 but recipient host did not talk proper QMTP.\n"
	    "Protocol violation: bad netstring.\n"), "qmtp protocol");
	f.critical = 1;
	CHECK(is(&f, "ZConnected to 192.0.2.25 but recipient host did not talk proper QMTP. Possible duplicate!\n"
	    "Protocol violation: bad netstring.\n"), "qmtp protocol, package sent");
	f.critical = 0;
	outcome_set(&f, 'Z', T_CONTROL, "smtproutes line 3: malformed port");
	CHECK(is(&f, "ZUnable to read control files. (#4.3.0)\nsmtproutes line 3: malformed port.\n"), "control");
	outcome_set(&f, 'Z', T_CONTROL, "helohost: neither helohost nor me is set.");
	CHECK(is(&f, "ZUnable to read control files. (#4.3.0)\nhelohost: neither helohost nor me is set.\n"),
	    "control, detail ending in a dot");
	outcome_set(&f, 'Z', T_OSERR, NULL);
	CHECK(is(&f, "ZSystem resources temporarily unavailable. (#4.3.0)\n"), "oserr");
	outcome_set(&f, 'Z', T_NOMEM, NULL);
	CHECK(is(&f, "ZOut of memory. (#4.3.0)\n"), "nomem");
	outcome_set(&f, 'Z', T_READ, NULL);
	CHECK(is(&f, "ZUnable to read message. (#4.3.0)\n"), "read");
	outcome_set(&f, 'Z', T_HELO, NULL);
	CHECK(is(&f, "ZConnected to 192.0.2.25 but my name was rejected.\n"), "helo");
	outcome_set(&f, 'Z', T_BIND, "192.0.2.99");
	CHECK(is(&f, "ZSystem can't bind to local ip address: 192.0.2.99. (#4.3.0)\n"), "bind");
	outcome_set(&f, 'D', T_GIVINGUP, NULL);
	CHECK(is(&f, "DGiving up on 192.0.2.25.\n"), "giving up");
	outcome_set(&f, 'D', T_SENDER, NULL);
	CHECK(is(&f, "DConnected to 192.0.2.25 but sender was rejected.\n"), "sender");
	outcome_set(&f, 'Z', T_DATA, NULL);
	CHECK(is(&f, "Z192.0.2.25 failed on DATA command.\n"), "data");
	outcome_set(&f, 'D', T_AFTERDATA, NULL);
	CHECK(is(&f, "D192.0.2.25 failed after I sent the message.\n"), "after data");

	outcome_set(&f, 'Z', T_ACCEPTED, NULL);
	f.said.len = SAID_MAX;
	memset(f.said.text, 'x', SAID_MAX);
	CHECK(report_format(&f, buf, 100) == 100, "bounded by the buffer");
	return check_done();
}
