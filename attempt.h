/*
 * attempt.h -- one attempt at one peer: its TLS policy, the connection,
 * the session (SMTP or QMTP).
 */
#ifndef ATTEMPT_H
#define ATTEMPT_H

#include "conn.h"
#include "delivery.h"
#include "tls.h"

/*
 * One attempt's state: made anew by attempt() for each peer, nothing of
 * it outlives the attempt or is kept anywhere else (the caller keeps one,
 * statically: its connection's buffers are large).
 */
struct attempt {
	struct delivery *d;		/* the delivery it belongs to */
	struct outcome *o;		/* the walk's outcome: this host's failure goes there */
	const struct peer *pr;
	char text[IP_FMT_MAX];		/* its address: reports, the transcript */
	struct tls_policy policy;
	struct tls_pending pending;	/* tls.c's set-up, while a reply or SYN-ACK travels */
	struct conn conn;
};

enum attempt_result {
	ATTEMPT_SKIPPED,	/* not tried: nothing learnt */
	ATTEMPT_NOCONN,		/* no connection: temporary */
	ATTEMPT_FAILED,		/* *walk holds this host's report */
	ATTEMPT_RETRY_PLAIN	/* opportunistic TLS failed: the same host once more without it */
};

/*
 * Tries pr (plaintext_only: the retry without TLS the policy allowed);
 * *walk is the walk's outcome: this host's failure goes there. Exits
 * (report_exit) on a final outcome.
 */
enum attempt_result attempt(struct attempt *a, struct delivery *d, const struct peer *pr,
    int plaintext_only, struct outcome *walk);

#endif
