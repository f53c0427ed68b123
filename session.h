/*
 * session.h -- what one session gets to deliver the message over a
 * connected struct conn, SMTP (smtp.c) or QMTP (qmtp.c) alike: the
 * envelope, the message, the peer and its TLS policy. A session leaves
 * the message outcome and, in its return value, what the walk over the
 * peers does next (report.h). The fields only SMTP reads say so.
 */
#ifndef SESSION_H
#define SESSION_H

#include "conn.h"
#include "idn.h"
#include "message.h"
#include "report.h"
#include "tls.h"

struct session_params {
	const char *sender;
	char **recips;
	int nrecips;
	struct message *msg;
	unsigned timeout_s;		/* timeoutremote */
	const char *host;		/* peer address as text, for reports */
	const char *mxname;		/* peer name: SNI, name checks, TLS texts */
	const char *domain;		/* the host argument, for TLS texts */
	const struct tls_policy *tls;	/* NULL: no TLS at all */
	struct tls_pending *pending;	/* the attempt's TLS set-up done ahead (may be NULL) */
	/* SMTP only */
	const char *helohost;
	int plaintext_only;		/* the retry without TLS: no STARTTLS this time */
	const char *auth_user;		/* SMTP AUTH credentials, NULL = none */
	const char *auth_pass;		/* never printed, traced or logged */
	int peer_loopback;		/* PLAIN/LOGIN may go without TLS to loopback */
	const struct idn_envelope *idn;	/* NULL: an ASCII envelope, nothing to decide */
	int has_8bit;			/* the message has bytes >= 0x80 */
	int header;			/* enum idn_header: UTF-8 in the header section */
};

#endif
