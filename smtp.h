/*
 * smtp.h -- one SMTP session on a connected struct conn.
 */
#ifndef SMTP_H
#define SMTP_H

#include <stddef.h>
#include "session.h"

#define REPLY_LINE_MAX	2048	/* RFC 5321 4.5.3.1.5 says 512; be lenient, not unbounded */
#define REPLY_LINES_MAX	128	/* an EHLO today lists about 20; DoS bound (Postfix does the same) */
#define SMTP_AUTH_MECHS_MAX 256	/* the AUTH keyword's arguments, kept for auth.c */


/* What EHLO offered. */
struct ehlo {
	int pipelining, eightbitmime, starttls, chunking, smtputf8, enhancedstatuscodes;
	int size;			/* SIZE offered */
	unsigned long long size_max;	/* its argument, 0 = none */
	char auth[SMTP_AUTH_MECHS_MAX];	/* "PLAIN LOGIN ..." upper-case, "" = none */
};

enum next smtp_deliver(struct conn *c, const struct session_params *p, struct outcome *f);

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
