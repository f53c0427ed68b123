/*
 * control.h -- every control file, read once and validated into struct
 * config. Nobody else opens CONTROLDIR. A malformed line is an error that
 * names the file and line; the caller turns it into a Z report.
 * Not here: acting on the settings (qmail-remote.c, smtp.c, tls.c).
 */
#ifndef CONTROL_H
#define CONTROL_H

#include <stddef.h>
#include "ip.h"
#include "name.h"

#define CTL_PATH_MAX	4096
#define TLSRPT_SOCKET_PATH_MAX	108	/* struct sockaddr_un's sun_path on Linux */
/* the ports the lines name and the TLS decision knows by number */
#define SMTPS_PORT	465	/* RFC 8314: TLS from the first byte */
#define QMTP_PORT	209	/* cr.yp.to/proto/qmtp.txt */
#define QMTPS_PORT	6209	/* s/qmail: QMTP over TLS from the first byte */

struct ctl_error {
	char file[64];		/* control file name relative to CONTROLDIR */
	unsigned line;		/* 1-based; 0 = the file as a whole */
	char why[128];		/* e.g. "invalid port", "unreadable" */
	int nomem;		/* it was a lack of memory, not the file: Z #4.3.0 "Out of memory" */
};

/* A destination override: one line of smtproutes, qmtproutes or authsenders. */
struct route {
	const char *relay;	/* "" = look up MX records for the host as usual */
	int relay_is_ip;	/* relay was an address ("1.2.3.4", "[v6]", bare v6 in ';' form) */
	struct ip_address relay_ip;
	unsigned port;		/* 0 = protocol default (25 SMTP, 209 QMTP) */
	int smtps;		/* implicit TLS: "s<port>" or port 465 */
	const char *user;	/* NULL when the line has no credentials */
	const char *password;	/* NULL when absent; never printed anywhere */
	int has_localip;	/* ";port|user|pass|localip" field given */
	struct ip_address localip;
	unsigned line;		/* where it came from, for the transcript */
};

/*
 * Keys (the part before the first ':') are put in their one form when a
 * file is read, by name_form() (name.h), and the host or domain asked
 * about is put in the same form, so that one destination matches however
 * it is written: ASCII letters lower-cased, one trailing dot removed, a
 * name holding UTF-8 turned into its A-label form (a key that has none is
 * a malformed line), and an address -- "[192.0.2.7]", "192.0.2.7",
 * "[IPv6:2001:db8::25]", "[2001:db8::25]", "2001:db8::25" -- kept as an
 * address (::ffff:a.b.c.d as the IPv4 address) and compared as one (its
 * text stays as written, lower-cased). The line parsers below do it for
 * ASCII keys; a key holding UTF-8 needs memory of its own for its
 * A-labels: ctl_load and ctl_parse_text do that one.
 */

/* One line of smtproutes or qmtproutes. */
struct ctl_routeline {
	const char *domain;	/* "", "!@", a name, ".suffix", or an address as written */
	int domain_is_ip;	/* the key is an address: domain_ip holds it */
	struct ip_address domain_ip;
	struct route route;
};

/* One line of authsenders. */
struct ctl_authsender {
	const char *sender;	/* "u@domain", "@domain", "domain", ".suffix" or "" (every sender) */
	struct route route;
};

/* One domainips line: domain:localip[%ifname]|helohost */
struct ctl_domainip {
	const char *domain;	/* a name, ".suffix", or "*" = any sender domain */
	struct ip_address localip;	/* scope_id set from %ifname */
	const char *ifname;	/* NULL when no %ifname */
	const char *helohost;	/* NULL when no |helohost */
};

/* One domaincerts line: domain:certificate|keyfile|password */
struct ctl_domaincert {
	const char *domain;	/* a name, ".suffix", or "*" = default */
	const char *certfile;
	const char *keyfile;	/* NULL: the key is in certfile */
	const char *password;	/* NULL when the key is not encrypted */
};

/*
 * tlsdestinations (SPEC.md section 7; seed 000 and 003 forms):
 *   destination:cafile|ciphers|verifydepth;[s]port|domain
 *   destination:=fingerprint|ciphers|verifydepth;[s]port|domain
 */
enum tls_verify {
	TLSV_NONE = 0,		/* accept any certificate */
	TLSV_CHAIN,		/* chain must verify (cafile or default CA) */
	TLSV_NAME_WILD,		/* '~': chain + name, wildcard/partial allowed */
	TLSV_NAME_EXACT,	/* '=': chain + name equals the FQDN */
	TLSV_PIN		/* '%': fingerprint pinning */
};

struct ctl_tlsdest {
	const char *dest;	/* destination host, ".suffix" or address; "" for defaults */
	int dest_is_ip;		/* dest is an address: dest_ip holds it */
	struct ip_address dest_ip;
	char prefix;		/* 0 or one of = ~ - % / ! */
	int mandatory;		/* TLS required: a named line (not "!", and "/" only with a cafile), a two-char default */
	int no_tlsa;		/* '/' prefix or '/' default, or '%' */
	int allow_anon;		/* '-': aNULL ciphers allowed */
	int no_starttls;	/* '!': never STARTTLS */
	int plain_retry;	/* '?': retry in plaintext after a TLS protocol error */
	int explicit_star;	/* the default line '*' itself: opportunistic TLS fails closed (seed 000) */
	enum tls_verify verify;
	const char *cafile;	/* NULL = none; ends in '/' = hashed directory */
	const char *fingerprint;	/* lowercase hex, colons removed, or NULL */
	const char *ciphers;	/* NULL = OpenSSL default */
	unsigned verifydepth;	/* 0 = OpenSSL default */
	unsigned port;		/* 0 = unchanged */
	int smtps;		/* 's' before the port, or port 465 */
	int qmtps;		/* port 6209: QMTP over TLS (seed 000) */
	const char *sender_domain;	/* NULL = any sender */
	unsigned line;
};

struct ctl_buf;		/* private to control.c */

struct config {
	const char *me;
	const char *helohost;		/* defaults to me */
	unsigned timeoutconnect;	/* seconds, default 60 */
	unsigned timeoutremote;		/* seconds, default 1200 */
	unsigned timeoutdns;		/* seconds, default 30; 0 = resolver retries only */

	struct ip_address *ipme;	/* control/ipme (interfaces are added elsewhere) */
	size_t ipme_count;

	/* Each list keeps file order; lookups below implement the matching rules. */
	struct ctl_routeline *smtproutes, *qmtproutes;
	size_t smtproutes_count, qmtproutes_count;
	struct ctl_authsender *authsenders;
	size_t authsenders_count;
	struct ctl_domainip *domainips;
	size_t domainips_count;
	struct ctl_domaincert *domaincerts;
	size_t domaincerts_count;

	/* tlsdestinations: the single/two-char defaults are folded into tls_default. */
	struct ctl_tlsdest tls_default;	/* '*' when the file is absent */
	int has_tlsdestinations;
	struct ctl_tlsdest *tlsdests;
	size_t tlsdests_count;

	/* netqmail TLS patch (seed 001) */
	const char *clientcert_pem;	/* path of control/clientcert.pem if it exists */
	const char *tlsclientciphers;	/* every line joined with ':' (netqmail), or NULL */
	/* tlshosts/<FQDN>.pem and notlshosts/<FQDN> are per-host: see ctl_tlshost() */
	int tlshosts_exhaustive;	/* tlshosts/exhaustivelist exists */

	/* skarnet (seed 004) */
	const char *trustanchors;	/* path (ends in '/' = directory) or NULL */
	const char *clientcert;		/* path or NULL */
	const char *clientkey;		/* path or NULL */
	int tlsstrictness;		/* 0, 1 or 2; -1 when the file is absent */

	/* MTA-STS (RFC 8461) */
	int mtasts;			/* control/mtasts: 0 off, 1 on (the default) */
	const char *mtastsca;		/* control/mtastsca: CA file, or directory ending in '/';
					 * NULL: the system's /etc/ssl/certs/ */

	/* TLS-RPT (RFC 8460) */
	const char *tlsrpt;		/* control/tlsrpt: tlsrpt-collectd's socket; NULL: off */
	const char *tlsrptsender;	/* control/tlsrptsender: the reports' envelope sender */

	const char *controldir;

	struct ctl_buf *ctl_bufs;	/* private to control.c: what ctl_free() releases */
};

/*
 * Reads everything from dir (CONTROLDIR). 0 on success; -1 with *err
 * filled: a present but unreadable file, or a malformed line. Out of
 * memory: -1 with err->why "out of memory" and line 0.
 */
int ctl_load(struct config *cfg, const char *dir, struct ctl_error *err);
/* Sets the defaults of a struct config that holds nothing yet (ctl_load does it). */
void ctl_init(struct config *cfg);
/* Releases everything ctl_load or ctl_parse_text allocated; cfg is zeroed. */
void ctl_free(struct config *cfg);
/*
 * Parses text (len bytes, copied) as the control file called name
 * ("smtproutes", "tlsdestinations", "me", ...) into cfg, as ctl_load would
 * after reading it. For unit tests and fuzzing. 0, or -1 with *err.
 */
int ctl_parse_text(struct config *cfg, const char *name, const char *text, size_t len, struct ctl_error *err);

/*
 * The look-ups below take each name asked about in its one form (struct
 * name, made by name_form()): qmail-remote.c makes those of the host, of
 * the destination after routes and of the sender's domain once per
 * delivery, and the keys were put in the same form when their files were
 * read, so a look-up only compares. A NULL name, or one of kind
 * NAME_NONE, matches nothing but the catch-all lines. sender_domain is
 * the one form of what follows the envelope sender's last '@' (NAME_NONE
 * when there is none).
 */

/*
 * The route for a delivery to host (the host argument) from sender (as
 * given; NULL = "") (SPEC 4), all in one place:
 *   1. authsenders, by the sender (see ctl_authsender);
 *   2. for the empty sender (a bounce), "!@" in qmtproutes, then in smtproutes;
 *   3. level by level -- the exact host, each ".suffix" from the longest,
 *      the catch-all "" -- with qmtproutes before smtproutes only within
 *      one level (as s/qmail does);
 *   4. none: out->route = NULL, the caller looks up the MX records.
 * In one file, the later of two lines with the same key wins (qmail's
 * constmap).
 */
struct ctl_route_choice {
	const struct route *route;	/* NULL: no line applies */
	const char *file;		/* "authsenders", "qmtproutes", "smtproutes" or NULL */
	int qmtp;			/* from qmtproutes */
};
void ctl_route(const struct config *cfg, const struct name *host, const char *sender,
    const struct name *sender_domain, struct ctl_route_choice *out);
/*
 * authsenders alone: the exact address (local part compared exactly), then
 * "@domain" or "domain", then each ".suffix" of the domain from the
 * longest, then "" (every sender, bounces included). NULL = none.
 */
const struct route *ctl_authsender(const struct config *cfg, const char *sender,
    const struct name *sender_domain);
/* domainips / domaincerts for the sender's domain: exactly, then each
 * ".suffix" from the longest, then "*". NULL = none. */
const struct ctl_domainip *ctl_domainip(const struct config *cfg, const struct name *sender_domain);
const struct ctl_domaincert *ctl_domaincert(const struct config *cfg, const struct name *sender_domain);
/* tlsdestinations: exact host (or address), then ".suffix" lines from the
 * longest; at one key a line bound to sender_domain wins over an unbound
 * one, and the later line over an earlier one. NULL = none (use
 * cfg->tls_default). */
const struct ctl_tlsdest *ctl_tlsdest(const struct config *cfg, const struct name *host,
    const struct name *sender_domain);

/*
 * netqmail TLS patch, per MX host (fqdn: the name of the server connected to).
 *   1: tlshosts/<fqdn>.pem exists: *pem_path = its path (malloc'd, the caller
 *      frees it), *no_tls = 0. TLS is required and the server certificate
 *      must verify against that file and match fqdn.
 *   0: no such file: *pem_path = NULL; *no_tls = 1 when TLS must not be tried
 *      (notlshosts/<fqdn> exists, or tlshosts/exhaustivelist exists), else 0.
 *  -1: stat() failed other than ENOENT/ENOTDIR (e.g. EACCES), or out of
 *      memory: errno set, *pem_path = NULL, *no_tls = 0. Caller: Z.
 * fqdn, the peer's name as given, is put in its one form here, where
 * alone it is looked up (name_form(): lower case, no trailing dot; an
 * address in any form becomes its plain text form, 192.0.2.7 or
 * 2001:db8::7); a
 * name that is then empty, longer than 253 bytes, starts with '.' or has
 * a byte outside [a-z0-9.-] is never looked up (it cannot name a file
 * inside those directories): result 0 as if absent.
 */
int ctl_tlshost(const struct config *cfg, const char *fqdn, char **pem_path, int *no_tls);

/* Parsers for single lines, exposed for unit tests and fuzzing.
 * 0 on success, -1 with *why set to a static text. Strings point into line,
 * which the parser may modify in place (it splits fields with NULs, puts
 * an ASCII key in its one form). A key holding UTF-8 is judged but left as
 * written: its one form is made by ctl_load / ctl_parse_text. */
int ctl_parse_route(char *line, int qmtp, struct ctl_routeline *out, const char **why);
int ctl_parse_authsender(char *line, struct ctl_authsender *out, const char **why);
int ctl_parse_domainip(char *line, struct ctl_domainip *out, const char **why);
int ctl_parse_domaincert(char *line, struct ctl_domaincert *out, const char **why);
/* is_default: the line is a default: * ? - / or a two-char form ending in *; then
 * out->dest is that token and ctl_load folds it into cfg->tls_default. */
int ctl_parse_tlsdest(char *line, struct ctl_tlsdest *out, int *is_default, const char **why);

#endif
