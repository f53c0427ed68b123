/*
 * mtasts.h -- MTA-STS (RFC 8461): the _mta-sts TXT record, the policy
 * file, MX patterns, the policy cache (what a policy makes of a peer's TLS
 * is tlspolicy.c's).
 */
#ifndef MTASTS_H
#define MTASTS_H

#include <stddef.h>
#include <time.h>
#include "dns.h"
#include "tlsrpt.h"

#define MTASTS_BODY_MAX		65536		/* RFC 8461 3.3: a policy of at most 64 KB */
#define MTASTS_MAX_AGE_MAX	31557600UL	/* RFC 8461 3.2: a year; more is cut to it */
#define MTASTS_ID_MAX		32		/* RFC 8461 3.1: 1*32(ALPHA / DIGIT) */
#define MTASTS_FETCH_S		20		/* the whole HTTPS fetch: DNS, connect, TLS, reply */
/*
 * A cache file: 7 lines and the end line (under 500 bytes), one
 * "mx: <pattern>" line per pattern -- a byte longer than the shortest line
 * a policy may list it with ("mx:a" LF: at most 64 KB / 5 of them; the
 * last line 2 bytes longer when it had no LF) -- and the policy as served,
 * one "served: <line>" per line -- 8 bytes more than the line and its LF,
 * and a line that parsed holds 2 bytes at least ("a:"): at most 64 KB / 3
 * of them. So every policy that parsed fits (RFC 8461 3.3 caps only the
 * policy, at 64 KB).
 */
#define MTASTS_CACHE_MAX	(MTASTS_BODY_MAX + MTASTS_BODY_MAX / 5 + \
				 MTASTS_BODY_MAX + 8 * (MTASTS_BODY_MAX / 3 + 1) + 1024)
#define MTASTS_RETRY_S		300		/* after a failed fetch, none for the same id this long */
#define MTASTS_REFRESH_S	86400		/* RFC 8461 3.3: refresh "once per day" */

enum mtasts_mode {
	MTASTS_NOPOLICY = 0,	/* no policy in force */
	MTASTS_NONE,		/* "mode: none": as without a policy */
	MTASTS_TESTING,		/* deliver as without, note what enforce would refuse */
	MTASTS_ENFORCE		/* only listed MX hosts, only verified TLS */
};

struct mtasts_policy {
	enum mtasts_mode mode;
	unsigned long max_age;		/* seconds, at most MTASTS_MAX_AGE_MAX */
	char id[MTASTS_ID_MAX + 1];	/* from the TXT record it was fetched for */
	long long fetched, expires;	/* seconds since the epoch */
	size_t npatterns;
	size_t patlen;			/* bytes of pat used */
	size_t nserved;
	size_t servedlen;		/* bytes of served used */
	char pat[MTASTS_BODY_MAX];	/* the mx patterns, lower case, each ended by NUL */
	/* the policy's lines as served (TLS-RPT's policy-string, RFC 8460
	 * 4.3): each without its line end, empty lines left out, control
	 * bytes as '?', each ended by NUL */
	char served[MTASTS_BODY_MAX];
};

/*
 * The policy id of a domain's _mta-sts TXT RRset: exactly one record that
 * starts with "v=STSv1", syntactically valid, with an id= (RFC 8461 3.1;
 * a second id= is ignored, the first counts). 0 with id filled; -1 with
 * *why otherwise (= no policy discovered).
 */
int mtasts_txt_id(const struct dns_txtset *txt, char id[MTASTS_ID_MAX + 1], const char **why);

/*
 * A policy file (RFC 8461 3.2) of len bytes into *p: version STSv1, mode,
 * max_age, at least one mx unless mode is none; LF or CRLF line ends;
 * empty lines and unknown keys ignored, whatever their values hold (UTF-8
 * included); version, mode or max_age given again: the first counts, the
 * rest are ignored. cache: the text is a cache file
 * (mtasts_cache_format): its id, fetched and expires lines are read too and
 * required. 0, or -1 with *why (a malformed policy is no policy).
 */
int mtasts_parse(const char *text, size_t len, struct mtasts_policy *p, int cache, const char **why);

/* Does the MX host name match one of the policy's patterns (RFC 8461 4.1:
 * "*." stands for exactly one leftmost label; case and one trailing dot
 * do not matter)? */
int mtasts_match(const struct mtasts_policy *p, const char *mx);

/* The cache file's text for p (policy domain domain); its length, or 0
 * when it does not fit size. */
size_t mtasts_cache_format(const struct mtasts_policy *p, const char *domain, char *buf, size_t size);
/*
 * The cache file of domain in dir: 1 read and valid (expired or not), 0 no
 * such file, -1 unreadable or malformed (*why; treated as absent). Writing:
 * a temporary file in dir, renamed over the old one, so that a reader never
 * sees half a file; 0, or -1 with *why (errno kept).
 */
int mtasts_cache_read(const char *dir, const char *domain, struct mtasts_policy *p, const char **why);
int mtasts_cache_write(const char *dir, const char *domain, const struct mtasts_policy *p, const char **why);
/*
 * Failed fetches, in dir/.fail.<domain> ("<id> <time>"): a fetch for the
 * same id is not tried again for MTASTS_RETRY_S seconds, so that a policy
 * host that does not answer does not cost every delivery the whole fetch
 * bound. mtasts_fail_recent: 1 when such a failure is recent (*when set).
 * mtasts_fail_note(..., NULL, 0) removes the note (after a good fetch).
 */
int mtasts_fail_recent(const char *dir, const char *domain, const char *id, time_t now, long long *when);
void mtasts_fail_note(const char *dir, const char *domain, const char *id, time_t now);

enum mtasts_action {
	MTASTS_ACT_NONE = 0,	/* no policy: no id in DNS and nothing unexpired cached */
	MTASTS_ACT_CACHED,	/* the cached policy, no fetch */
	MTASTS_ACT_FETCH	/* fetch for *fetch_id; if that fails, the cached policy while unexpired */
};
/*
 * RFC 8461 3.3 and 5.1: what to do with txt_id, the id of the TXT record
 * (NULL when none is visible: no record, a malformed one, a failed
 * lookup), and cache, the policy of the cache file (NULL: none). A new id
 * is fetched at once. A cached policy is refreshed once it is older than
 * MTASTS_REFRESH_S or half its max_age, whichever is sooner, whether or
 * not the TXT record is visible (then under the cached id): an attacker
 * who hides the record must not keep a policy from being refreshed until
 * it expires (RFC 8461 10.2). An expired one counts for nothing.
 * want_served: a TLS-RPT datagram will carry the policy's lines as
 * served; a cache file written before they were kept is then fetched
 * again (once), else used as it is.
 */
enum mtasts_action mtasts_decide(const struct mtasts_policy *cache, const char *txt_id, time_t now,
    int want_served, const char **fetch_id);

/*
 * RFC 8461 5.1, for the policy domain host (the host argument in its one
 * form, name.h: A-labels, lower case, no trailing dot):
 * txtst and txt are the TXT lookup at _mta-sts.host made with the MX
 * lookup; cafile the CA store for the HTTPS fetch (control/mtastsca); dir
 * the cache directory; want_served as for mtasts_decide(). Does as
 * mtasts_decide() says: fetches
 * https://mta-sts.domain/.well-known/mta-sts.txt (and keeps it) or uses
 * the cached policy; a failed fetch leaves an unexpired cached policy in
 * force and is noted (mtasts_fail_note). The policy in force (static
 * storage), or NULL; then *failure says why when a policy was announced
 * and could not be had (RFC 8460's sts-policy-fetch-error,
 * sts-policy-invalid, sts-webpki-invalid), else TLSRPT_SUCCESS.
 */
const struct mtasts_policy *mtasts_discover(const char *host, enum dns_status txtst,
    const struct dns_txtset *txt, const char *cafile, const char *dir, time_t now, int want_served,
    enum tlsrpt_type *failure);

#endif
