/*
 * qmtp.h -- one QMTP delivery (cr.yp.to/proto/qmtp.txt) on a connected
 * struct conn: QMTP on port 209, QMTPS (TLS from the first byte) on 6209.
 */
#ifndef QMTP_H
#define QMTP_H

#include <stddef.h>
#include "session.h"

/*
 * One response netstring: status byte + text. qmail-qmtpd sends about 25
 * bytes; a limit keeps a hostile server from making us read megabytes,
 * and the text then fits struct said whole (text + "\n" <= SAID_MAX).
 */
#define QMTP_RESPONSE_MAX	4096

/*
 * Delivers p->msg to p->recips with one package, then reads one response
 * per recipient and prints their r/s/h reports; f receives the message
 * report. The SMTP-only parameters are not used.
 *
 * TLS: with p->tls->smtps set (port 6209) the handshake comes first,
 * under p->tls as for SMTPS. Without it, a p->tls that makes TLS
 * mandatory (level >= TLS_ENCRYPT) is refused: QMTP has no STARTTLS and
 * must not fall back to plaintext.
 *
 * Returns NEXT_PEER only when the TLS handshake or the TLS policy failed
 * (f says why, Z): no byte of the package was sent, so the next host
 * (or, under MXPS, SMTP on this one) may try. Everything else is
 * NEXT_FINAL: once the package is on its way the outcome is final (MXPS:
 * no SMTP retry after a QMTP connection succeeded).
 *
 * A message that is not a regular file is spooled first (message_spool);
 * qmail-remote.c should do that before it connects, so a slow pipe does
 * not hold a connection open.
 *
 * A message that cannot be fed whole (a read error, a queue file that
 * shrank) is a Z report like any other: qmail-remote exits 0 for QMTP too,
 * because qmail-rspawn turns any other exit status but 111 into a bounce
 * and drops the reports (SPEC 2, overriding seed 000's exit 1).
 */
enum next qmtp_deliver(struct conn *c, const struct session_params *p, struct outcome *f);

/* MXPS (cr.yp.to/im/mxps.html): does this MX preference ask for QMTP? */
int qmtp_mxps(unsigned long pref);

/* Exposed for unit tests and fuzzing. */
enum qmtp_status {
	QMTP_OK = 0,
	QMTP_BAD = -5		/* not a netstring, too long, empty, bad status byte */
};
/*
 * Reads one response netstring into buf (QMTP_RESPONSE_MAX bytes): *len
 * bytes, buf[0] is 'K', 'Z' or 'D'. QMTP_OK, QMTP_BAD with *why (a
 * short phrase for the report), or a CONN_* status.
 */
int qmtp_read_response(struct conn *c, char *buf, size_t *len, const char **why);

#endif
