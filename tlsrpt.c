/*
 * tlsrpt.c -- names and classifies TLS outcomes the way RFC 8460 (SMTP TLS
 * Reporting) counts them, from the struct outcome a session or the policy
 * step left, and records each one in one place (tlsrpt_note).
 * Not here: deciding anything (qmail-remote.c, mtasts.c, tls.c); writing
 * or sending reports (not done yet: this is where it will go).
 */
#include <string.h>
#include "tlsrpt.h"
#include "trace.h"

static const char *const names[] = {
	[TLSRPT_SUCCESS] = "success",
	[TLSRPT_STARTTLS_NOT_SUPPORTED] = "starttls-not-supported",
	[TLSRPT_CERT_HOST_MISMATCH] = "certificate-host-mismatch",
	[TLSRPT_CERT_EXPIRED] = "certificate-expired",
	[TLSRPT_CERT_NOT_TRUSTED] = "certificate-not-trusted",
	[TLSRPT_VALIDATION_FAILURE] = "validation-failure",
	[TLSRPT_TLSA_INVALID] = "tlsa-invalid",
	[TLSRPT_DNSSEC_INVALID] = "dnssec-invalid",
	[TLSRPT_STS_POLICY_FETCH_ERROR] = "sts-policy-fetch-error",
	[TLSRPT_STS_POLICY_INVALID] = "sts-policy-invalid",
	[TLSRPT_STS_WEBPKI_INVALID] = "sts-webpki-invalid",
};

static const char *const policies[] = {
	[TLSRPT_NO_POLICY] = "no-policy-found",
	[TLSRPT_STS] = "sts",
	[TLSRPT_TLSA] = "tlsa",
};

const char *
tlsrpt_type_name(enum tlsrpt_type t)
{
	return (size_t)t < sizeof names / sizeof names[0] && names[t] ? names[t] : "validation-failure";
}

enum tlsrpt_type
tlsrpt_type_of(const struct outcome *f)
{
	if (f->letter == 'K')
		return TLSRPT_SUCCESS;
	switch (f->text) {
	case T_TLS_UNAVAILABLE:
	case T_TLS_STARTTLS:
		return TLSRPT_STARTTLS_NOT_SUPPORTED;
	case T_TLS_SUBJECT:
	case T_TLS_CHAIN:
	case T_TLS_NOCERT:
		return tlsrpt_type_of_cert(f->tls.cert);
	case T_TLSA_FAIL:
	case T_TLSA_MISSING:
		return TLSRPT_TLSA_INVALID;
	case T_TLSA_LOOKUP:
		return TLSRPT_DNSSEC_INVALID;
	default:
		return TLSRPT_VALIDATION_FAILURE;
	}
}

enum tlsrpt_type
tlsrpt_type_of_cert(enum tls_cert c)
{
	switch (c) {
	case TLS_CERT_NAME:
		return TLSRPT_CERT_HOST_MISMATCH;
	case TLS_CERT_EXPIRED:
		return TLSRPT_CERT_EXPIRED;
	case TLS_CERT_UNTRUSTED:
	case TLS_CERT_NONE:
		return TLSRPT_CERT_NOT_TRUSTED;
	default:
		return TLSRPT_VALIDATION_FAILURE;
	}
}

void
tlsrpt_note(const struct tlsrpt_result *r)
{
	TRACE("tls-rpt: %s %s %s%s%s%s%s%s%s", policies[r->policy], r->domain ? r->domain : "",
	    tlsrpt_type_name(r->type), r->mx && r->mx[0] ? " mx " : "", r->mx ? r->mx : "",
	    r->ip[0] ? " ip " : "", r->ip, r->detail && r->detail[0] ? ": " : "",
	    r->detail ? r->detail : "");
}
