/*
 * ctllookup.c -- the look-ups in what control.c read: the route for a
 * delivery (authsenders, qmtproutes, smtproutes and their precedence,
 * SPEC 4), domainips and domaincerts by the sender's domain, the
 * tlsdestinations line for a destination (SPEC 7). Each is one pass over
 * the file's lines that keeps the most specific -- the exact key, then
 * ".suffix" keys from the longest, then the catch-all; the later of two
 * lines at one key, as qmail's constmap does.
 * Not here: putting names in their one form (name.c: the keys when their
 * files are read, the names asked about once per delivery in
 * qmail-remote.c): here names are only compared. The file system
 * (control.c, ctl_tlshost() included).
 */
#include <stddef.h>
#include <string.h>
#include "control.h"
#include "name.h"

/*
 * Every name asked about comes in its one form (name.h, control.h): a
 * look-up compares it with the keys as it is. NULL is no name.
 *
 * How specifically a key names the query: 0 not at all, RANK_DEFAULT for
 * the catch-all "", 1 + its length for a ".suffix" (the longer, the more
 * specific), RANK_EXACT for the name or the address itself. A ".suffix"
 * matches only names below it: ".example.com" not example.com itself.
 */
#define RANK_DEFAULT	1
#define RANK_EXACT	(sizeof ((struct name *)0)->text + 2)	/* above 1 + the longest key */
#define RANK_BOUNCE	(RANK_EXACT + 1)	/* "!@" for the empty sender: above every domain */
#define RANK_ADDRESS	(RANK_EXACT + 1)	/* authsenders: a whole address, above its domain */

static size_t
rank_name(const char *key, const struct name *q)
{
	size_t kl, nl;

	if (!q || q->kind != NAME_HOST)
		return 0;
	if (strcmp(key, q->text) == 0)
		return RANK_EXACT;
	if (key[0] != '.')
		return 0;
	kl = strlen(key);
	nl = strlen(q->text);
	return nl > kl && memcmp(q->text + nl - kl, key, kl) == 0 ? 1 + kl : 0;
}

static size_t
rank_dest(const char *key, int key_is_ip, const struct ip_address *key_ip, const struct name *q)
{
	if (key_is_ip)
		return q && q->kind == NAME_ADDRESS && ip_equal(key_ip, &q->ip) ? RANK_EXACT : 0;
	if (key[0] == '\0')
		return RANK_DEFAULT;
	return rank_name(key, q);
}

/* The best line of one route file for q, *rank its rank (0: none). In
 * one file the later of two lines with the same key wins (qmail's constmap). */
static const struct ctl_routeline *
route_best(const struct ctl_routeline *rl, size_t count, const struct name *q, int bounce,
    size_t *rank)
{
	const struct ctl_routeline *best = NULL;
	size_t i, r;

	*rank = 0;
	for (i = 0; i < count; ++i) {
		if (strcmp(rl[i].domain, "!@") == 0)
			r = bounce ? RANK_BOUNCE : 0;
		else
			r = rank_dest(rl[i].domain, rl[i].domain_is_ip, &rl[i].domain_ip, q);
		if (r && r >= *rank) {
			best = &rl[i];
			*rank = r;
		}
	}
	return best;
}

void
ctl_route(const struct config *cfg, const struct name *host, const char *sender,
    const struct name *sender_domain, struct ctl_route_choice *out)
{
	const struct ctl_routeline *ql, *sl;
	size_t qr, sr;

	memset(out, 0, sizeof *out);
	if ((out->route = ctl_authsender(cfg, sender, sender_domain))) {
		out->file = "authsenders";
		return;
	}
	ql = route_best(cfg->qmtproutes, cfg->qmtproutes_count, host, sender && !*sender, &qr);
	sl = route_best(cfg->smtproutes, cfg->smtproutes_count, host, sender && !*sender, &sr);
	/* the more specific level wins; within one, qmtproutes (s/qmail) */
	if (ql && qr >= sr) {
		out->route = &ql->route;
		out->file = "qmtproutes";
		out->qmtp = 1;
	} else if (sl) {
		out->route = &sl->route;
		out->file = "smtproutes";
	}
}

/* Local parts compare exactly (RFC 5321 2.4); the domain as sender_domain. */
const struct route *
ctl_authsender(const struct config *cfg, const char *sender, const struct name *sender_domain)
{
	const struct ctl_authsender *as = cfg->authsenders, *best = NULL;
	const char *at, *key, *kat;
	size_t i, r, rank = 0;

	if (!cfg->authsenders_count)
		return NULL;
	if (!sender)
		sender = "";
	at = strrchr(sender, '@');
	for (i = 0; i < cfg->authsenders_count; ++i) {
		key = as[i].sender;
		kat = strrchr(key, '@');
		if (key[0] == '\0')
			r = RANK_DEFAULT;
		else if (!at)
			r = 0;		/* "noat": only the empty line */
		else if (kat && kat != key)	/* an address: above any domain */
			r = kat - key == at - sender && memcmp(key, sender, (size_t)(at - sender)) == 0
			    && rank_name(kat + 1, sender_domain) == RANK_EXACT ? RANK_ADDRESS : 0;
		else
			r = rank_name(kat ? kat + 1 : key, sender_domain);	/* "@d", "d", ".suffix" */
		if (r && r >= rank) {
			best = &as[i];
			rank = r;
		}
	}
	return best ? &best->route : NULL;
}

/* domainips and domaincerts: the sender's domain exactly, then each
 * ".suffix" from the longest, then "*"; the later line at one key. base
 * is an array of count elements of size bytes, each with its domain
 * string pointer at domain_at. */
static const void *
by_sender_domain(const void *base, size_t count, size_t size, size_t domain_at,
    const struct name *sender_domain)
{
	const char *el = base, *best = NULL;
	size_t i, r, rank = 0;

	if (!count)
		return NULL;
	for (i = 0; i < count; ++i) {
		const char *key = *(const char *const *)(el + i * size + domain_at);
		r = strcmp(key, "*") == 0 ? RANK_DEFAULT : rank_name(key, sender_domain);
		if (r && r >= rank) {
			best = el + i * size;
			rank = r;
		}
	}
	return best;
}

const struct ctl_domainip *
ctl_domainip(const struct config *cfg, const struct name *sender_domain)
{
	return by_sender_domain(cfg->domainips, cfg->domainips_count, sizeof *cfg->domainips,
	    offsetof(struct ctl_domainip, domain), sender_domain);
}

const struct ctl_domaincert *
ctl_domaincert(const struct config *cfg, const struct name *sender_domain)
{
	return by_sender_domain(cfg->domaincerts, cfg->domaincerts_count, sizeof *cfg->domaincerts,
	    offsetof(struct ctl_domaincert, domain), sender_domain);
}

const struct ctl_tlsdest *
ctl_tlsdest(const struct config *cfg, const struct name *host, const struct name *sender_domain)
{
	const struct ctl_tlsdest *td = cfg->tlsdests, *best = NULL;
	size_t i, r, score = 0;

	if (!cfg->tlsdests_count)
		return NULL;
	for (i = 0; i < cfg->tlsdests_count; ++i) {
		r = rank_dest(td[i].dest, td[i].dest_is_ip, &td[i].dest_ip, host);
		if (!r)
			continue;
		/* at one key, a line bound to this sender's domain is preferred */
		if (td[i].sender_domain) {
			if (!sender_domain || sender_domain->kind != NAME_HOST
			    || strcmp(td[i].sender_domain, sender_domain->text) != 0)
				continue;
			r = 2 * r + 1;
		} else {
			r = 2 * r;
		}
		if (r >= score) {
			best = &td[i];
			score = r;
		}
	}
	return best;
}
