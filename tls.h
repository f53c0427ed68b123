/*
 * tls.h -- TLS for a struct conn: the policy for one peer, the handshake,
 * verification (chain, name, pin, DANE) and the ops that replace plain
 * reads and writes. smtp.c and qmtp.c never know whether TLS is on.
 */
#ifndef TLS_H
#define TLS_H

#include "conn.h"
#include "control.h"
#include "dns.h"
#include "report.h"

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
	int exact_name;		/* '=': no wildcard, no partial match */
	int partial_wildcards;	/* '~': a partial wildcard (mx*.example.net) may match; every
				 * other name check takes only a whole leftmost '*' */
	int dns_id;		/* MTA-STS decides: the name must be a subjectAltName DNS-ID,
				 * never the subject's CN (RFC 8461 3.3, 4.2) */
	int allow_anon;		/* '-': anonymous (aNULL) ciphers, security level 0 */
	int plain_retry;	/* '?': after a TLS protocol error, retry in plaintext */
	int no_tlsa;		/* '/' and '%': no TLSA lookup */
	const char *fingerprint;	/* '%': pin, lowercase hex */
	const char *cafile;	/* file, or directory when it ends in '/' */
	const char *ciphers;
	unsigned verifydepth;
	const char *certfile, *keyfile, *keypass;	/* client certificate */
	int smtps;		/* implicit TLS from the first byte */
	int qmtps;		/* tlsdestinations said port 6209: QMTP over TLS */
	int broken;		/* a compatibility file could not be read: Z */
	unsigned port;		/* from tlsdestinations, 0 = unchanged */
	int fallback;		/* the built-in opportunistic TLS (SPEC 7): while the level is
				 * still TLS_MAY, a refused STARTTLS goes on in plaintext and a
				 * failed handshake retries the host without TLS */
	/* DANE (filled by the caller from dns_tlsa: the secure records of usages
	 * 2 and 3; tls.c uses those OpenSSL accepts, RFC 7672 2.2) */
	const struct dns_tlsa *tlsa;
	size_t tlsa_count;
	/* where they were found (RFC 7672 2.2.2): the TLSA base domain -- the
	 * SNI name, and the first name DANE-TA accepts -- and, when the peer's
	 * name was a CNAME, the chain's other name (its end, or the name as
	 * written), which DANE-TA accepts too; NULL: the servername alone */
	const char *tlsa_base;
	const char *tlsa_other_name;
	/* MTA-STS (mtasts.c): enforced here (the K report says so), or in
	 * testing mode: check the chain and name as enforce would, trace the
	 * outcome, refuse nothing */
	int mtasts;
	int sts_audit;
	/* https.c: the end of the stream must be a close_notify (an EOF
	 * without one is a read error, not the end of a body framed by the
	 * connection's end: a truncation attack leaves none) */
	int close_notify;
	/* last: the fields above share one page, whatever the path's length */
	char pem_path[CTL_PATH_MAX];	/* netqmail tlshosts/<FQDN>.pem */
};

/*
 * The policy for one delivery attempt: dest is the destination after
 * routes (relay name or address, or the host argument) and sender_domain
 * the envelope sender's domain, both in their one form (name.h: what
 * ctl_tlsdest() compares with the lines' keys); mxhost the name of the peer.
 */
void tls_policy_for(struct tls_policy *pol, const struct config *cfg,
    const struct name *dest, const char *mxhost, const struct name *sender_domain);

/*
 * Handshake on c (STARTTLS already accepted, or SMTPS), then checks as
 * the policy says. On success the conn's ops are TLS and 0 is returned;
 * -1 with f filled (Z) otherwise; *protocol_error is set when the failure
 * was in the TLS protocol itself (what '?' may retry in plaintext).
 * servername: for SNI and the name check (the MX host name, or NULL).
 * domain: the host argument, for the report texts.
 */
int tls_start(struct conn *c, const struct tls_policy *pol, const char *servername,
    const char *domain, unsigned timeout_s, struct fail *f, int *protocol_error);
/*
 * Does tls_start()'s set-up (loading OpenSSL, the context, CA material,
 * client certificate) ahead for the connection on fd, while the reply to
 * STARTTLS or (SMTPS, QMTPS) the TCP handshake is on its way; the next
 * tls_start() on that fd takes it, failure included. tls_discard() drops
 * it: the caller must, whenever the handshake will not follow.
 */
void tls_prepare(int fd, const struct tls_policy *pol, const char *servername);
void tls_discard(void);
/* Sends close_notify (best effort) and frees the session. */
void tls_close(struct conn *c);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384", for the K report and the transcript. */
const char *tls_describe(const struct conn *c);
/* MTA-STS testing (pol->sts_audit): what enforce would have refused the
 * last handshake with (T_TLS_SUBJECT, T_TLS_CHAIN, T_TLS_NOCERT; T_NONE:
 * nothing), and OpenSSL's reason. */
enum report_text tls_sts_audit(const char **detail);
/*
 * How many of pol's TLSA records OpenSSL would take (as tls_start() adds
 * them), for a caller that must know before connecting whether DANE will
 * authenticate the peer (MTA-STS applies where it does not). All of them
 * when it cannot tell: the handshake then decides, and fails closed.
 */
size_t tls_dane_usable(const struct tls_policy *pol, const char *servername);
/* Did DANE authenticate the peer? */
int tls_dane_authenticated(const struct conn *c);

#endif
