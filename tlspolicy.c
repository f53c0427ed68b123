/*
 * tlspolicy.c -- the one TLS decision (see tlspolicy.h): from the
 * tlsdestinations lines, the compatibility files (netqmail's tlshosts/ and
 * notlshosts/, skarnet's tlsstrictness), the route, the credentials, DANE
 * and MTA-STS to one policy for a peer, or "skip it". The precedence, as
 * SPEC 7 states it: a named line on top of the defaults (never lowering
 * them), else the defaults and then the compatibility files; strictness
 * where tlsdestinations says nothing about TLS; SMTPS; DANE (whose usable
 * records replace the CA and name checks); MTA-STS where DANE does not
 * authenticate; the plaintext fallback last, where nothing forbids it.
 * Pure: the caller looks everything up (files, DNS, OpenSSL's verdict on
 * TLSA records), so tests/unit/test_tlspolicy.c can try every combination.
 * Not here: the handshake and its checks (tls.c), what a failure reports
 * (report.c), the walk over the peers (qmail-remote.c).
 */
#include <string.h>
#include "tlspolicy.h"
#include "trace.h"

/* What a line says, for the decision below (the ports are read apart). */
static void
apply_rule(struct tls_policy *pol, const struct ctl_tlsdest *t, int *plain_retry)
{
	enum tls_level want = t->mandatory ? TLS_ENCRYPT : TLS_MAY;

	switch (t->verify) {
	case TLSV_NONE:
		break;
	case TLSV_CHAIN:
		want = TLS_VERIFY;
		break;
	case TLSV_NAME_WILD:
		want = TLS_NAME;
		pol->partial_wildcards = 1;	/* '~': "partial match allowed" (seed 000) */
		break;
	case TLSV_NAME_EXACT:
		want = TLS_NAME;
		pol->exact_name = 1;
		break;
	case TLSV_PIN:
		want = TLS_ENCRYPT;
		pol->fingerprint = t->fingerprint;
		pol->no_tlsa = 1;
		break;
	}
	if (want > pol->level)
		pol->level = want;
	if (t->allow_anon)
		pol->allow_anon = 1;
	if (t->plain_retry)
		*plain_retry = 1;
	if (t->no_tlsa)
		pol->no_tlsa = 1;
	if (t->cafile)
		pol->cafile = t->cafile;
	if (t->ciphers)
		pol->ciphers = t->ciphers;
	if (t->verifydepth)
		pol->verifydepth = t->verifydepth;
	if (t->no_starttls) {
		pol->level = TLS_NEVER;
		pol->no_tlsa = 1;	/* '!' names the destination: DANE too is off (SPEC 8) */
	}
}

/* The tlsdestinations port of the lines that apply (the named one's over
 * the defaults'), with its implicit-TLS marks. */
static void
port_of_line(const struct ctl_tlsdest *t, unsigned *port, int *smtps, int *qmtps)
{
	if (t->port) {
		*port = t->port;
		*smtps = t->smtps || t->qmtps;
		*qmtps = t->qmtps;
	}
}

/*
 * A line whose only word is '/' (named, or the default): it switches TLSA
 * lookups off and says nothing else about TLS, so it is not the admin's
 * word on TLS that overrides skarnet's tlsstrictness (SPEC 7).
 */
static int
only_no_tlsa(const struct ctl_tlsdest *t)
{
	return t->no_tlsa && !t->mandatory && t->verify == TLSV_NONE && !t->allow_anon &&
	    !t->plain_retry && !t->explicit_star && !t->no_starttls && !t->cafile && !t->ciphers &&
	    !t->verifydepth && !t->port;
}

/* The client certificate: domaincerts for the sender's domain, else
 * netqmail's clientcert.pem, else skarnet's clientcert and clientkey. */
static void
client_certificate(struct tls_policy *pol, const struct tls_facts *in)
{
	const struct config *cfg = in->cfg;

	if (in->domaincert) {
		pol->certfile = in->domaincert->certfile;
		pol->keyfile = in->domaincert->keyfile;
		pol->keypass = in->domaincert->password;
	} else if (cfg->clientcert_pem) {
		pol->certfile = cfg->clientcert_pem;
	} else if (cfg->clientcert) {
		pol->certfile = cfg->clientcert;
		pol->keyfile = cfg->clientkey;
	}
}

/* MTA-STS (RFC 8461), for a host DANE does not authenticate: enforce
 * skips an unlisted MX, and makes TLS mandatory with the chain verified
 * and the name a DNS-ID, never plaintext; testing checks as enforce
 * would and refuses nothing. 0, or -1: skip the peer. */
static int
apply_sts(struct tls_policy *pol, const struct tls_sts *sts, const char *mxname, int *fallback,
    int *plain_retry)
{
	if (sts->mode != MTASTS_ENFORCE && sts->mode != MTASTS_TESTING)
		return 0;
	if (sts->mode == MTASTS_ENFORCE)
		pol->mtasts = 1;	/* this host's outcome is the policy's (tlsrpt) */
	if (!sts->listed) {
		if (sts->mode == MTASTS_ENFORCE) {
			TRACE("mta-sts: skip %s: the policy of %s (enforce) does not list it", mxname,
			    sts->domain);
			return -1;
		}
		TRACE("mta-sts: testing: %s is not listed by the policy of %s (enforce would skip it)",
		    mxname, sts->domain);
		pol->sts_audit_unlisted = 1;
	}
	if (sts->mode == MTASTS_TESTING) {
		/* as without a policy; tls.c checks and traces the certificate */
		pol->sts_audit = 1;
		if (!pol->cafile)
			pol->cafile = sts->ca;
		return 0;
	}
	if (pol->level < TLS_VERIFY)
		pol->cafile = sts->ca;
	if (pol->level < TLS_NAME)
		pol->level = TLS_NAME;
	/* RFC 8461 4.2: a DNS-ID matching the MX host, with the usual
	 * wildcards only, whatever a '~*' default would allow */
	pol->dns_id = 1;
	pol->partial_wildcards = 0;
	*fallback = 0;
	*plain_retry = 0;
	TRACE("tls: MTA-STS (enforce): TLS mandatory, chain verified against %s and the name %s",
	    pol->cafile ? pol->cafile : "OpenSSL's default CA store", mxname);
	return 0;
}

/* A chain is verified (or audited) and no DANE record brings the
 * anchors: CA material is loaded. */
static int
needs_ca(const struct tls_policy *p)
{
	return (p->level >= TLS_VERIFY || p->sts_audit) && p->tlsa_count == 0;
}

enum tls_verdict
tls_decide(const struct tls_facts *in, struct tls_policy *out)
{
	const struct config *cfg = in->cfg;
	const struct tls_dane *dane = in->dane;
	unsigned lines_port = 0;
	int line_smtps = 0, line_qmtps = 0, fallback, plain_retry = 0, usable_dane = 0;
	int first = !dane;	/* the lines' part is traced once, before any TLSA lookup */
	enum tls_verdict v = TLS_GO;

	memset(out, 0, sizeof *out);
	out->level = TLS_MAY;
	/* 1. tlsdestinations: a named line adds to the defaults, never lowers
	 * them ("+*:" and "example.com:" still verify example.com); without
	 * one, the defaults and then netqmail's per-host files */
	apply_rule(out, &cfg->tls_default, &plain_retry);
	port_of_line(&cfg->tls_default, &lines_port, &line_smtps, &line_qmtps);
	if (in->named) {
		apply_rule(out, in->named, &plain_retry);
		port_of_line(in->named, &lines_port, &line_smtps, &line_qmtps);
		if (first)
			TRACE("tls: policy from tlsdestinations line %u", in->named->line);
	} else if (in->compat_broken) {
		v = TLS_BROKEN;	/* tlshosts/ unreadable: never guess weaker */
	} else if (in->tlshost_pem) {
		/* netqmail: tlshosts/<FQDN>.pem demands TLS verified against it */
		out->cafile = in->tlshost_pem;
		if (out->level < TLS_NAME)
			out->level = TLS_NAME;
		if (first)
			TRACE("tls: policy from %s", in->tlshost_pem);
	} else if (in->compat_no_tls && out->level <= TLS_MAY) {
		/* no STARTTLS unless DNS publishes TLSA records: those hold
		 * whatever the compatibility files say (SPEC 8) */
		out->level = TLS_NEVER;
		if (first)
			TRACE("tls: notlshosts/ or tlshosts/exhaustivelist: no TLS (unless DANE)");
	}
	/* 2. skarnet: tlsstrictness 2 = mandatory, verified against
	 * trustanchors, where s/qmail's tlsdestinations says nothing about
	 * TLS -- no named line, no default line -- for a pinned ('%') or
	 * anonymous ('-') destination must not be made to verify a chain it
	 * does not have; a '/' line (TLSA off, nothing more) says nothing */
	if (cfg->tlsstrictness >= 2 && out->level != TLS_NEVER &&
	    (!in->named || only_no_tlsa(in->named)) &&
	    (!cfg->tls_default.line || only_no_tlsa(&cfg->tls_default))) {
		if (out->level < TLS_NAME)
			out->level = TLS_NAME;
		if (!out->cafile && cfg->trustanchors)
			out->cafile = cfg->trustanchors;
	}
	/* the built-in opportunistic TLS: no line names the destination and
	 * no '*' line fails it closed -- Postfix's "may", s/qmail's '?' */
	fallback = !in->named && !cfg->tls_default.explicit_star && out->level == TLS_MAY;
	if (!out->ciphers)
		out->ciphers = cfg->tlsclientciphers;
	client_certificate(out, in);

	/* 3. the port and the protocol: a tlsdestinations port wins over the
	 * route's; 465 and "s<port>" are SMTPS, 6209 QMTPS (SPEC 7, 11) */
	out->port = lines_port ? lines_port : in->route_port;
	out->qmtp = in->qmtp_route || line_qmtps;
	if (out->qmtp)
		out->smtps = out->port == QMTPS_PORT || (in->qmtp_route && in->route_smtps) || line_qmtps;
	else
		out->smtps = lines_port ? line_smtps || out->port == SMTPS_PORT :
		    in->route_smtps || out->port == SMTPS_PORT;
	if (out->smtps && out->level < TLS_ENCRYPT)
		out->level = TLS_ENCRYPT;	/* SMTPS has no plaintext */
	if (v != TLS_GO)
		return v;

	/* 4. DANE (RFC 7672): only for a secure peer, and where no line says
	 * '/', '%' or '!' (the compatibility files never stop it); never for
	 * the TLS-RPT report sender, whose reports must arrive despite the
	 * failures they report (RFC 8460 3): it keeps the lines' TLS */
	if (in->report_sender && first && in->peer_secure && !out->no_tlsa)
		TRACE("tls: the TLS-RPT report sender: no DANE for %s (RFC 8460 3)", in->mxname);
	if (in->peer_secure && !out->no_tlsa && !in->report_sender) {
		if (!dane)
			return TLS_WANT_TLSA;
		if (dane->failed)
			v = TLS_SKIP_TLSA_FAILED;	/* the rest still filled in, for the transcript */
		else if (dane->secure) {
			if (out->level < TLS_ENCRYPT)
				out->level = TLS_ENCRYPT;	/* secure TLSA: TLS is mandatory */
			out->tlsa = dane->tlsa;
			out->tlsa_count = dane->count;
			out->tlsa_base = dane->base;
			out->tlsa_other_name = dane->other_name;
		}
	}
	/* 5. MTA-STS where DANE does not authenticate (RFC 8461 2): secure
	 * records OpenSSL can use none of leave TLS mandatory (RFC 7672 2.2)
	 * and the policy's checks to do, on the MX name as written */
	if (in->sts && out->tlsa_count > 0 && dane->none_usable) {
		TRACE("mta-sts: OpenSSL can use none of the %zu TLSA record(s) of %s: the policy decides",
		    out->tlsa_count, in->mxname);
		tls_drop_tlsa(out);
		out->tlsa_base = out->tlsa_other_name = NULL;
	}
	usable_dane = out->tlsa_count > 0;
	if (in->sts && !in->report_sender && v == TLS_GO) {	/* a peer not tried needs none */
		if (usable_dane)
			TRACE("mta-sts: %s has usable TLSA records: DANE decides, not MTA-STS", in->mxname);
		else if (apply_sts(out, in->sts, in->mxname, &fallback, &plain_retry) != 0)
			v = TLS_SKIP_STS_UNLISTED;
	}

	/* 6. what a check needs */
	out->load_ca = needs_ca(out);
	out->check_name = out->level >= TLS_NAME || (out->sts_audit && out->level < TLS_VERIFY);
	if (out->sts_audit && out->level < TLS_NAME)
		out->dns_id = 1;	/* testing's audit: what enforce would ask */

	/* 7. the fallback to plaintext (SPEC 7): only opportunistic TLS, and
	 * never with AUTH credentials -- they go only where TLS was had
	 * (Postfix's rule), and a relay that wants them refuses plaintext */
	if (out->level == TLS_MAY) {
		out->credentials_hold_tls = in->credentials;
		if (!in->credentials) {
			out->plain_after_refusal = fallback;
			out->retry_after_refusal = plain_retry;
			out->retry_after_error = fallback || plain_retry;
		}
	}
	return v;
}

void
tls_drop_tlsa(struct tls_policy *p)
{
	p->tlsa = NULL;
	p->tlsa_count = 0;
	p->load_ca = needs_ca(p);
}

void
tls_webpki_policy(struct tls_policy *out, const char *ca)
{
	memset(out, 0, sizeof *out);
	out->level = TLS_NAME;	/* the chain and the name: WebPKI (RFC 8461 3.3) */
	out->load_ca = 1;
	out->check_name = 1;
	out->cafile = ca;
	out->dns_id = 1;	/* a DNS-ID, never the CN (RFC 8461 3.3) */
	out->close_notify = 1;	/* a body may end with the connection (RFC 9112 6.3) */
}

enum tls_sts_use
tls_sts_use(const struct route *route, int qmtp_route, const struct ctl_tlsdest *named, int report_sender)
{
	if (route && route->relay[0])
		return TLS_STS_ROUTE_RELAY;
	if (route && qmtp_route)
		return TLS_STS_ROUTE_QMTP;
	if (named && (named->no_starttls || named->mandatory || named->fingerprint || named->smtps ||
	    named->qmtps))
		return TLS_STS_NAMED_LINE;
	if (report_sender)
		return TLS_STS_REPORT_SENDER;
	return TLS_STS_USE;
}
