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
 * The set-up of a handshake done ahead (loading OpenSSL, the context, CA
 * material, client certificate), while the reply to STARTTLS or (SMTPS,
 * QMTPS) the TCP handshake is on its way: it belongs to the attempt that
 * made it, and the next tls_start() with it takes it, failure included.
 */
struct tls_pending {
	int ready;		/* tls_prepare() made it, tls_start() has not taken it */
	int fd;			/* the connection it was made for */
	void *ssl;		/* the SSL, or NULL when the set-up failed */
	size_t dane;		/* the TLSA records OpenSSL took */
	struct outcome failed;	/* why the set-up failed */
};

/*
 * Handshake on c (STARTTLS already accepted, or SMTPS), then checks as
 * the policy says; with tp (may be NULL) ready for c, its set-up is used.
 * On success the conn's ops are TLS, f->tls says how (cipher, DANE, the
 * MTA-STS testing audit) and 0 is returned; -1 with f filled (Z, and
 * f->tls.cert for a certificate check) otherwise; *protocol_error is set
 * when the failure was in the TLS protocol itself (what '?' and the
 * built-in default may retry in plaintext).
 * servername: for SNI and the name check (the MX host name, or NULL).
 */
int tls_start(struct conn *c, const struct tls_policy *pol, struct tls_pending *tp,
    const char *servername, unsigned timeout_s, struct outcome *f, int *protocol_error);
/* tls_start()'s set-up for the connection on fd, ahead, into tp.
 * tls_discard() drops it: the owner must, whenever the handshake will not
 * follow. Both take NULL as "nothing ahead". */
void tls_prepare(struct tls_pending *tp, int fd, const struct tls_policy *pol, const char *servername);
void tls_discard(struct tls_pending *tp);
/* Sends close_notify (best effort) and frees the session. */
void tls_close(struct conn *c);
/* Does c speak TLS now (a handshake done, not closed)? */
int tls_active(const struct conn *c);
/*
 * How many of pol's TLSA records OpenSSL would take (as tls_start() adds
 * them), for a caller that must know before connecting whether DANE will
 * authenticate the peer (MTA-STS applies where it does not). All of them
 * when it cannot tell: the handshake then decides, and fails closed.
 */
size_t tls_dane_usable(const struct tls_policy *pol, const char *servername);

#endif
