/*
 * delivery.h -- what one delivery knows, for the rooms that carry it out:
 * qmail-remote.c (the story: arguments, control files, route, MTA-STS, the
 * walk over the peers), peers.c (which peers, in which order), dane.c (a
 * peer's TLSA records) and attempt.c (one attempt at one peer). Filled by
 * qmail-remote.c and peers.c before the walk; during it only the message
 * scan (attempt.c) changes anything.
 */
#ifndef DELIVERY_H
#define DELIVERY_H

#include "control.h"
#include "dns.h"
#include "idn.h"
#include "message.h"
#include "mtasts.h"
#include "name.h"
#include "session.h"
#include "tlsrpt.h"

#define PEERS_MAX	256	/* addresses tried per delivery */
#define PREF_ROUTE	300000	/* classic: with a route, no best-preference check */

struct peer {
	struct ip_address ip;
	unsigned long pref;
	const char *name;	/* MX host name as written, for the transcript, reports and TLS */
	const char *canon;	/* where the CNAME chain from name ended, when it did not end
				 * at name; validated whole where secure is set (DANE) */
	int secure;		/* this address's own answer (A or AAAA) validated (AD); the
				 * MX answer's status does not count (peers.c) */
};

/*
 * host keeps a trailing dot as given (DNS and the report texts see it
 * so); host_name is its one form (name.h: no trailing dot, an address as
 * an address), made once, which the control files' keys, read into the
 * same form, are compared with, so no other spelling is looked up.
 */
struct delivery {
	struct config cfg;
	char host[DNS_NAME_MAX + 8];		/* A-labels, lower case */
	struct name host_name;			/* host in its one form */
	char relay[DNS_NAME_MAX + 8];		/* the route's relay in A-labels, no trailing dot */
	const char *sender;
	struct name sender_domain_name;		/* the sender's domain in its one form */
	const char *dest;			/* what tlsdestinations matches, as given */
	struct name dest_name;			/* ... in its one form */
	const struct route *route;		/* NULL: MX lookup of host */
	int qmtp_route;				/* from qmtproutes */
	unsigned route_port;
	int route_smtps;
	const struct ip_address *local;		/* domainips / route localip */
	struct message msg;
	int msg_scanned;			/* 8-bit body and UTF-8 header known (attempt.c) */
	struct idn_envelope idn;
	struct session_params sp;		/* what every session gets; attempt.c adds the peer */
	/* the peers, in the order they are tried, and where our own start */
	struct peer peers[PEERS_MAX];
	size_t npeers;
	unsigned long prefme;			/* peers at or above: not tried */
	/* MTA-STS: may it apply (no route, no line that changes TLS), the
	 * TXT lookup made with the MX lookup, the policy in force, its CA */
	int sts;
	struct dns_txtset sts_txt;
	enum dns_status sts_txtst;
	const struct mtasts_policy *sts_policy;
	const char *sts_ca;
	enum tlsrpt_type sts_failure;		/* a policy announced and not had: why */
	/* TLS-RPT (RFC 8460): control/tlsrpt's socket (NULL: no reports,
	 * no query; so for the report sender); the domain's TLSRPT record
	 * (NULL: it asks for none, or no query): non-NULL, a datagram goes */
	const char *rpt_socket;
	struct dns_txtset rpt_txt;
	const char *rpt_record;
	size_t rpt_record_len;
	int report_sender;			/* the sender is control/tlsrptsender: exempt */
};

/* peers.c: d->peers from the route's relay, the host literal, or the MX
 * records (and the _mta-sts TXT record with them, when d->sts); the
 * best-preference rule in d->prefme. Reports and exits when there are
 * none. */
void peers_gather(struct delivery *d);

#endif
