/*
 * smtp.h -- one SMTP session on a connected struct conn.
 */
#ifndef SMTP_H
#define SMTP_H

#include <stddef.h>
#include "conn.h"
#include "message.h"
#include "report.h"
#include "tls.h"
#include "idn.h"

#define REPLY_LINE_MAX	2048	/* RFC 5321 4.5.3.1.5 says 512; be lenient, not unbounded */
#define REPLY_LINES_MAX	128	/* an EHLO today lists about 20; DoS bound (Postfix does the same) */
#define SMTP_AUTH_MECHS_MAX 256	/* the AUTH keyword's arguments, kept for auth.c */

enum smtp_outcome {
	SMTP_FINAL = 0,		/* the message report is decided: f holds it */
	SMTP_NEXT,		/* failed before MAIL was accepted: try the next host */
	SMTP_RETRY_PLAIN	/* opportunistic TLS failed in its protocol ('?', or the
				 * built-in default): the same host again, without TLS */
};

/* What EHLO offered. */
struct ehlo {
	int pipelining, eightbitmime, starttls, chunking, smtputf8, enhancedstatuscodes;
	int size;			/* SIZE offered */
	unsigned long long size_max;	/* its argument, 0 = none */
	char auth[SMTP_AUTH_MECHS_MAX];	/* "PLAIN LOGIN ..." upper-case, "" = none */
};

struct smtp_params {
	const char *helohost;
	const char *sender;
	char **recips;
	int nrecips;
	struct message *msg;
	unsigned timeout_s;		/* timeoutremote */
	const char *host;		/* peer address as text, for reports */
	const char *mxname;		/* peer name: SNI, name checks, TLS texts */
	const char *domain;		/* the host argument, for TLS texts */
	const struct tls_policy *tls;	/* NULL: no TLS at all */
	int plaintext_only;		/* the '?' retry: no STARTTLS this time */
	const char *auth_user;		/* SMTP AUTH credentials, NULL = none */
	const char *auth_pass;		/* never printed, traced or logged */
	int peer_loopback;		/* PLAIN/LOGIN may go without TLS to loopback */
	const struct idn_envelope *idn;	/* NULL: an ASCII envelope, nothing to decide */
	int has_8bit;			/* the message has bytes >= 0x80 */
	int header;			/* enum idn_header: UTF-8 in the header section */
};

enum smtp_outcome smtp_deliver(struct conn *c, const struct smtp_params *p, struct fail *f);

/* Exposed for unit tests and fuzzing. */
enum reply_status {
	REPLY_OK = 0,
	REPLY_BAD = -5		/* malformed line, too many lines */
};
/* Reads one (multi-line) reply; CONN_* or REPLY_* status; *why says what was bad. */
int smtp_read_reply(struct conn *c, struct said *said, struct ehlo *ehlo, const char **why);
/* Parses one reply line; 0 with *code and *more set, or -1. */
int smtp_parse_line(const char *line, size_t len, int *code, int *more);
/* Interprets one EHLO keyword line (the text after "250-"/"250 "). */
void smtp_ehlo_keyword(struct ehlo *e, const char *kw, size_t len);

#endif
