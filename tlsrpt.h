/*
 * tlsrpt.h -- one TLS outcome of a delivery, kept whole in one struct
 * (RFC 8460 4.3: policy type, policy domain, result type, MX host, address)
 * so that TLS reports can be written from it later without re-plumbing.
 * Today tlsrpt_note() only puts it in the transcript.
 */
#ifndef TLSRPT_H
#define TLSRPT_H

#include "ip.h"
#include "report.h"

enum tlsrpt_policy {
	TLSRPT_NO_POLICY = 0,	/* "no-policy-found" */
	TLSRPT_STS,		/* "sts" */
	TLSRPT_TLSA		/* "tlsa" */
};

/* RFC 8460 4.3.2: the result types, and success */
enum tlsrpt_type {
	TLSRPT_SUCCESS = 0,
	TLSRPT_STARTTLS_NOT_SUPPORTED,
	TLSRPT_CERT_HOST_MISMATCH,
	TLSRPT_CERT_EXPIRED,
	TLSRPT_CERT_NOT_TRUSTED,
	TLSRPT_VALIDATION_FAILURE,
	TLSRPT_TLSA_INVALID,
	TLSRPT_DNSSEC_INVALID,
	TLSRPT_STS_POLICY_FETCH_ERROR,
	TLSRPT_STS_POLICY_INVALID,
	TLSRPT_STS_WEBPKI_INVALID
};

struct tlsrpt_result {
	enum tlsrpt_policy policy;
	const char *domain;		/* the policy domain (the recipient domain) */
	enum tlsrpt_type type;
	const char *mx;			/* the MX host ("" for a policy failure) */
	char ip[IP_FMT_MAX];		/* its address ("" when none) */
	const char *detail;		/* RFC 8460's additional-information, or "" */
};

/* The result type a failed (or K) struct outcome stands for. */
enum tlsrpt_type tlsrpt_type_of(const struct outcome *f);
/* The result type of a certificate problem (tls.c's enum tls_cert). */
enum tlsrpt_type tlsrpt_type_of_cert(enum tls_cert c);
/* RFC 8460's name of a result type ("certificate-host-mismatch"). */
const char *tlsrpt_type_name(enum tlsrpt_type t);
/* Records one outcome (today: a transcript line "tls-rpt: ..."). */
void tlsrpt_note(const struct tlsrpt_result *r);

#endif
