/*
 * tlsrpt.h -- TLS reporting (RFC 8460): a domain's TLSRPT record, each
 * TLS outcome of a delivery in RFC 8460's terms, and the datagram that
 * tells sys4's tlsrpt-collectd about it, in libtlsrpt's wire format (what
 * Postfix 3.10 sends), so that a site's one collector serves qmail too.
 */
#ifndef TLSRPT_H
#define TLSRPT_H

#include <stddef.h>
#include "dns.h"
#include "ip.h"
#include "report.h"

/* libtlsrpt's codes (tlsrpt.h there): the policy types */
enum tlsrpt_policy {
	TLSRPT_TLSA = 1,	/* "tlsa" */
	TLSRPT_STS = 2,		/* "sts" */
	TLSRPT_NO_POLICY = 9	/* "no-policy-found" */
};

/* RFC 8460 4.3.2's result types, with libtlsrpt's codes; 0: success */
enum tlsrpt_type {
	TLSRPT_SUCCESS = 0,
	TLSRPT_STARTTLS_NOT_SUPPORTED = 201,
	TLSRPT_CERT_HOST_MISMATCH = 202,
	TLSRPT_CERT_NOT_TRUSTED = 203,
	TLSRPT_CERT_EXPIRED = 204,
	TLSRPT_VALIDATION_FAILURE = 205,
	TLSRPT_STS_POLICY_FETCH_ERROR = 301,
	TLSRPT_STS_POLICY_INVALID = 302,
	TLSRPT_STS_WEBPKI_INVALID = 303,
	TLSRPT_TLSA_INVALID = 304,
	TLSRPT_DNSSEC_INVALID = 305,
	TLSRPT_DANE_REQUIRED = 306
};

/*
 * One session's TLS outcome (RFC 8460 4.3, 4.4): the policy applied and
 * its result. Strings may be NULL (then left out of the datagram); any
 * byte may be in them (a server's EHLO name, OpenSSL's reason): the
 * datagram escapes them and keeps it valid UTF-8.
 */
struct tlsrpt_result {
	const char *domain;		/* "d": the recipient domain (one form) */
	const char *record;		/* "pr": its TLSRPT record as published */
	size_t record_len;
	enum tlsrpt_policy policy;
	const char *policy_domain;	/* the recipient domain; DANE: the TLSA base domain */
	/* the policy's strings: DANE's records (usages 2 and 3), or MTA-STS's
	 * lines as served and its mx patterns (each ended by NUL) */
	const struct dns_tlsa *tlsa;
	size_t ntlsa;
	const char *served;
	size_t nserved;
	const char *mx_patterns;
	size_t nmx_patterns;
	enum tlsrpt_type type;		/* TLSRPT_SUCCESS, or why it failed */
	const char *sending_ip;		/* "s" */
	const char *mx;			/* "n": the MX host */
	const char *ehlo;		/* "h": the name in its EHLO reply */
	const char *receiving_ip;	/* "r" */
	const char *detail;		/* "a": additional information, our words */
	const char *reason;		/* "f": failure-reason-code, OpenSSL's words */
};

struct tls_policy;
struct mtasts_policy;

/* What one attempt at a peer met, as tlsrpt_classify() reads it. */
struct tlsrpt_session {
	enum {
		TLSRPT_SESSION,		/* an SMTP session took place: o says how it went */
		TLSRPT_SKIP_TLSA_FAILED,	/* no session: the TLSA lookup failed */
		TLSRPT_SKIP_STS_UNLISTED	/* no session: MTA-STS enforce does not list the MX */
	} what;
	const struct tls_policy *policy;	/* the policy tlspolicy.c decided for it */
	const struct outcome *o;	/* the session's outcome; o->tls what it met */
	const struct mtasts_policy *sts;	/* the MTA-STS policy in force, or NULL */
	enum tlsrpt_type sts_failure;	/* else why one announced could not be had */
	const char *domain;		/* the recipient domain, its one form */
	const char *mx;			/* the peer's name */
};

/*
 * The policy applied and its result for one session (RFC 8460 4.3, SPEC
 * 13): fills r's policy, policy domain and strings, type, detail and
 * reason from s (the rest -- record, addresses, EHLO -- is the caller's);
 * 0, or -1 with *why when the session is not RFC 8460's to count (TLS off
 * by local policy, a session that ended before TLS was reached).
 */
int tlsrpt_classify(const struct tlsrpt_session *s, struct tlsrpt_result *r, const char **why);

/*
 * The TLSRPT record among a domain's _smtp._tls TXT records (RFC 8460 3):
 * exactly one that starts with "v=TLSRPTv1" (then white space and ';' or
 * its end) and holds a "rua=". 0 with *record and *len (into txt), or -1
 * with *why: the domain asked for no reports.
 */
int tlsrpt_record(const struct dns_txtset *txt, const char **record, size_t *len, const char **why);

/* The result type a failed (or K) struct outcome stands for. */
enum tlsrpt_type tlsrpt_type_of(const struct outcome *f);
/* The result type of a certificate problem (tls.c's enum tls_cert). */
enum tlsrpt_type tlsrpt_type_of_cert(enum tls_cert c);
/* RFC 8460's name of a result type ("certificate-host-mismatch"). */
const char *tlsrpt_type_name(enum tlsrpt_type t);

/*
 * r as libtlsrpt encodes a delivery request of one policy (a JSON object
 * on one line, its keys in libtlsrpt's order), into buf; its length, or
 * 0 when it does not fit size.
 */
size_t tlsrpt_datagram(const struct tlsrpt_result *r, char *buf, size_t size);

/*
 * Records one outcome: a transcript line "tls-rpt: ...", and, with socket
 * (control/tlsrpt) and a TLSRPT record, the datagram to tlsrpt-collectd
 * there: one sendto() that never waits; no socket, nobody listening, a
 * full queue cost nothing but a transcript line.
 */
void tlsrpt_note(const struct tlsrpt_result *r, const char *socket);

#endif
