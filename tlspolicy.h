/*
 * tlspolicy.h -- the one TLS decision for a peer (SPEC 7, 8, 12): what
 * the control files say about the destination and the peer, the
 * delivery's route and credentials, DANE's lookup and MTA-STS's policy,
 * in; one struct tls_policy, or "skip this peer" with its reason, out.
 * tls.c carries the policy out, smtp.c reads its fallback answers, and
 * nobody else decides.
 */
#ifndef TLSPOLICY_H
#define TLSPOLICY_H

#include <stddef.h>
#include "control.h"
#include "dns.h"
#include "mtasts.h"

/* Ordered: a higher level never accepts less than a lower one. */
enum tls_level {
	TLS_NEVER = 0,		/* '!', notlshosts/, tlshosts/exhaustivelist */
	TLS_MAY,		/* opportunistic: STARTTLS if offered, any certificate */
	TLS_ENCRYPT,		/* mandatory, any certificate ('-*', a named line) */
	TLS_VERIFY,		/* mandatory, chain verified ('+*', cafile) */
	TLS_NAME		/* mandatory, chain + host name ('~', '=', tlshosts/) */
};

struct tls_policy {
	enum tls_level level;
	/* how the peer is checked */
	int load_ca;		/* a chain is verified (or audited): CA material is needed */
	int check_name;		/* the certificate must name the peer (or is audited for it) */
	int exact_name;		/* '=': no wildcard, no partial match */
	int partial_wildcards;	/* '~': a partial wildcard (mx*.example.net) may match; every
				 * other name check takes only a whole leftmost '*' */
	int dns_id;		/* MTA-STS decides: the name must be a subjectAltName DNS-ID,
				 * never the subject's CN (RFC 8461 3.3, 4.2) */
	int allow_anon;		/* '-': anonymous (aNULL) ciphers, security level 0 */
	int no_tlsa;		/* '/', '%', '!': no TLSA lookup */
	const char *fingerprint;	/* '%': pin, lowercase hex */
	const char *cafile;	/* file, or directory when it ends in '/'; NULL: the system's */
	const char *ciphers;
	unsigned verifydepth;
	const char *certfile, *keyfile, *keypass;	/* client certificate */
	/* where and how */
	unsigned port;		/* the port to connect to */
	int qmtp;		/* speak QMTP there */
	int smtps;		/* implicit TLS from the first byte (SMTPS, QMTPS) */
	/* what may follow a failed TLS (SPEC 7): never with credentials,
	 * never above "may" */
	int plain_after_refusal;	/* a refused STARTTLS: go on in plaintext, same session */
	int retry_after_refusal;	/* a refused STARTTLS: the host again without TLS ('?') */
	int retry_after_error;		/* a handshake that failed in the TLS protocol: the
					 * host again without TLS (the built-in default, '?') */
	int credentials_hold_tls;	/* opportunistic, and AUTH credentials forbid plaintext */
	/* DANE: the secure records of usages 2 and 3 (tls.c uses those OpenSSL
	 * accepts, RFC 7672 2.2) and where they were found (RFC 7672 2.2.2):
	 * the TLSA base domain -- the SNI name, and the first name DANE-TA
	 * accepts -- and the CNAME chain's other name, which DANE-TA accepts
	 * too; NULL: the peer's name alone */
	const struct dns_tlsa *tlsa;
	size_t tlsa_count;
	const char *tlsa_base;
	const char *tlsa_other_name;
	/* MTA-STS: enforced here (the K report says so), or testing: the
	 * chain and name checked as enforce would, traced, nothing refused */
	int mtasts;
	int sts_audit;
	int sts_audit_unlisted;	/* testing: the policy does not list the peer (TLS-RPT) */
	/* https.c: the end of the stream must be a close_notify (an EOF
	 * without one is a read error, not the end of a body framed by the
	 * connection's end: a truncation attack leaves none) */
	int close_notify;
};

/* What DANE's lookup found for the peer (qmail-remote.c asks where
 * tls_decide() said TLSA is wanted). */
struct tls_dane {
	int failed;			/* SERVFAIL, timeout, an RRset not kept whole */
	int secure;			/* a validated RRset with records */
	const struct dns_tlsa *tlsa;	/* its records of usages 2 and 3 */
	size_t count;
	const char *base, *other_name;	/* see struct tls_policy */
	int none_usable;		/* OpenSSL takes none of them: known only where
					 * MTA-STS asked (tls_dane_usable()) */
};

/* The MTA-STS policy in force for the delivery, as it meets this peer. */
struct tls_sts {
	enum mtasts_mode mode;
	int listed;			/* the policy lists the peer's name */
	const char *ca;			/* control/mtastsca or the system's directory */
	const char *domain;		/* the policy domain, for the transcript */
};

/* Everything the decision reads; the caller looks it up. */
struct tls_facts {
	const struct config *cfg;	/* defaults, strictness, ciphers, client certificates */
	const struct ctl_tlsdest *named;	/* the tlsdestinations line naming the destination */
	const struct ctl_domaincert *domaincert;	/* the sender domain's, or NULL */
	/* netqmail's per-host files, consulted only without a named line */
	int compat_broken;		/* tlshosts/ or notlshosts/ unreadable */
	const char *tlshost_pem;	/* tlshosts/<mx>.pem */
	int compat_no_tls;		/* notlshosts/<mx>, tlshosts/exhaustivelist */
	/* the delivery */
	unsigned route_port;		/* 25, QMTP's 209, or the route's port */
	int route_smtps;		/* the route said "s<port>" */
	int qmtp_route;			/* qmtproutes */
	int credentials;		/* AUTH credentials apply */
	int report_sender;		/* the sender is control/tlsrptsender: RFC 8460 3 wants
					 * its reports delivered despite DANE or MTA-STS */
	/* the peer */
	const char *mxname;		/* its name, for the transcript */
	int peer_secure;		/* its address answer validated: DANE may apply */
	const struct tls_dane *dane;	/* NULL: not looked up (yet) */
	const struct tls_sts *sts;	/* NULL: no MTA-STS policy for this delivery */
};

enum tls_verdict {
	TLS_GO = 0,		/* connect with the policy */
	TLS_WANT_TLSA,		/* look TLSA up at _<port>._tcp (policy.port) and decide again */
	TLS_SKIP_TLSA_FAILED,	/* the TLSA lookup failed: Z for this host, next MX */
	TLS_SKIP_STS_UNLISTED,	/* enforce: the policy does not list this MX host */
	TLS_BROKEN		/* a compatibility file could not be read: Z */
};

/*
 * The decision (pure: no files, no DNS, no OpenSSL). Called first with
 * facts->dane NULL: TLS_WANT_TLSA when a TLSA lookup applies (the peer is
 * secure and no line says '/', '%' or '!'); then again with its result.
 * out is filled whatever the verdict (the transcript shows it).
 */
enum tls_verdict tls_decide(const struct tls_facts *facts, struct tls_policy *out);

/*
 * p without its TLSA records, which OpenSSL can use none of (RFC 7672 2.2:
 * TLS stays mandatory, unauthenticated by DANE): the policy's own checks
 * are left, with the CA material they need -- decided here, as in
 * tls_decide(). The TLSA base domain stays (SNI) unless the caller drops it.
 */
void tls_drop_tlsa(struct tls_policy *p);

/* The policy of the MTA-STS policy fetch (RFC 8461 3.3): the chain
 * against ca and the host's name as a DNS-ID, the stream's end a
 * close_notify. */
void tls_webpki_policy(struct tls_policy *out, const char *ca);

/*
 * Does MTA-STS apply to the delivery (SPEC 12)? Only what changes TLS for
 * the destination leaves it aside: a route to a relay, or to QMTP (no
 * STARTTLS on its port); a tlsdestinations line naming the destination
 * that says '!', makes TLS mandatory or pins it. A route with an empty
 * relay still goes to the MX hosts, and a '/' line only stops TLSA
 * lookups: there the policy holds. Nor does it apply to the TLS-RPT
 * report sender's mail (RFC 8460 3: delivered despite TLS failures).
 */
enum tls_sts_use {
	TLS_STS_USE = 0,
	TLS_STS_ROUTE_RELAY,
	TLS_STS_ROUTE_QMTP,
	TLS_STS_NAMED_LINE,
	TLS_STS_REPORT_SENDER
};
enum tls_sts_use tls_sts_use(const struct route *route, int qmtp_route, const struct ctl_tlsdest *named,
    int report_sender);

#endif
