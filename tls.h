/*
 * tls.h -- TLS for a struct conn: the policy for one peer, the handshake,
 * verification (chain, name, pin, DANE) and the ops that replace plain
 * reads and writes. smtp.c and qmtp.c never know whether TLS is on.
 */
#ifndef TLS_H
#define TLS_H

#include "conn.h"
#include "report.h"
#include "tlspolicy.h"

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
