/*
 * idn.h -- internationalised mail (SPEC §10): host names to A-labels
 * (IDNA2008, UTS #46 non-transitional, via libidn2), what the envelope
 * and the message need (SMTPUTF8, RFC 6531/6532; 8BITMIME, RFC 6152),
 * and the one decision smtp.c takes after EHLO. Pure functions: no
 * reports, no traces, no globals; the callers write the words.
 */
#ifndef IDN_H
#define IDN_H

#include <stddef.h>
#include "name.h"	/* DNS_NAME_MAX */

#define IDN_LABEL_MAX	63	/* RFC 1035 2.3.4 */
#define IDN_INPUT_MAX	1024	/* UTF-8 bytes we hand to libidn2 (DoS bound): a name
				 * whose A-labels fit 253 bytes takes at most ~950
				 * bytes of NFC UTF-8 (59 code points of 4 bytes per label) */
#define IDN_HOST_SIZE	(DNS_NAME_MAX + 3)	/* out buffer: name, trailing dot, NUL (+1 slack) */
#define IDN_ADDRESS_MAX	1024	/* an address we convert; RFC 5321 4.5.3.1.3: a path is 256 */
#define IDN_ADDRESS_SIZE (IDN_ADDRESS_MAX + 1)	/* out buffer for idn_address_to_ascii() */
#ifndef IDN_SCAN_BLOCK	/* tests build with a tiny one to hit every block edge */
#define IDN_SCAN_BLOCK	262144	/* one pread per 256 KB: 400 calls for 100 MB, fits L2 */
#endif

/*
 * A host name (the host argument, a route relay, a tlsdestinations or
 * smtproutes name) to the form DNS and name checks use. MX targets need
 * none: DNS gives them in wire form, ASCII already.
 * - all ASCII ("xn--" labels too): lower-cased and copied; libidn2 is
 *   not called (the path every ordinary delivery takes; DNS judges the
 *   name, as it did for classic qmail);
 * - otherwise idn2_lookup_u8(IDN2_NONTRANSITIONAL): U-labels become
 *   A-labels, A-labels among them are checked, case is folded (UTS #46
 *   mapping);
 * - "[...]" is copied untouched when ip_scan_literal() takes it as an
 *   address literal, refused otherwise.
 * One leading dot (the ".suffix" form of control files) and one trailing
 * dot are kept. Refused: empty labels, a label over 63, a name over 253,
 * control characters and spaces, input over IDN_INPUT_MAX.
 * 0 with out (always NUL-terminated ASCII), or -1 with out = "" and *why
 * a short static text (libidn2's idn2_strerror() or ours). size should be
 * IDN_HOST_SIZE; a smaller out that cannot hold the result is -1 too.
 * IDN_UNAVAILABLE (and *why) when the name needs libidn2 and it cannot be
 * loaded: a fault of this system, not of the name (Z, never D).
 */
#define IDN_UNAVAILABLE	(-2)
int idn_host_to_ascii(const char *utf8, char *out, size_t size, const char **why);

/*
 * An envelope address with its domain (after the last '@') converted by
 * idn_host_to_ascii() when the domain holds non-ASCII; an all-ASCII
 * domain and the local part are copied byte for byte (a non-ASCII local
 * part stays as it is: the caller uses this only when
 * idn_envelope.domains_only). "", "local" without '@', and "@" forms are
 * copied as they are. 0 with out, or -1 (IDN_UNAVAILABLE) with out = ""
 * and *why.
 */
int idn_address_to_ascii(const char *addr, char *out, size_t size, const char **why);

/* What the envelope needs. */
struct idn_envelope {
	int needs_smtputf8;	/* some address holds non-ASCII: SMTPUTF8 when offered */
	int domains_only;	/* ... only in domains, and idn_address_to_ascii()
				 * succeeds for every address into IDN_ADDRESS_SIZE:
				 * without SMTPUTF8, send them as A-labels (RFC 6531 3.2) */
	int culprit;		/* first address that decided: -1 none, 0 the sender, i+1 recips[i] */
	const char *why;	/* for the transcript: what needs SMTPUTF8, NULL = nothing */
	const char *idn_error;	/* libidn2's reason when a domain has no A-label form */
	int unavailable;	/* ... because libidn2 could not be loaded (the caller
				 * defers: a fault here, not in the address) */
};

/* Looks at the sender (may be "") and every recipient. Never fails. */
void idn_envelope_scan(struct idn_envelope *env, const char *sender,
    char *const *recips, size_t nrecips);

/* The header section's bytes (up to the first empty line, as smtp.c's
 * encoding puts it on the wire). */
enum idn_header {
	IDN_HEADER_ASCII = 0,	/* 7-bit, or unknown (the scan could not look) */
	IDN_HEADER_UTF8 = 1,	/* non-ASCII, all well-formed UTF-8: RFC 6532, needs SMTPUTF8 */
	IDN_HEADER_8BIT = 2	/* non-ASCII but not UTF-8: legacy raw 8-bit, not RFC 6532 */
};

enum idn_scan {
	IDN_SCAN_ERROR = -1,	/* pread or fstat failed: errno set */
	IDN_SCAN_UNKNOWN = 0,	/* not a regular file: outputs 0 (7-bit, ASCII header) */
	IDN_SCAN_DONE = 1
};

/*
 * Scans a regular file from its current offset to its end, with pread()
 * (the offset does not move), in IDN_SCAN_BLOCK pieces, stopping as soon
 * as the answers are known: *has_8bit (any byte >= 0x80 anywhere: BODY=
 * 8BITMIME when offered) and *header (enum idn_header). A pipe or a
 * terminal cannot be read twice: IDN_SCAN_UNKNOWN with both 0, so the
 * caller adds no BODY=8BITMIME and asks SMTPUTF8 only for the envelope
 * (classic qmail sends such bytes as they are); message_spool() first
 * makes the scan possible.
 */
enum idn_scan idn_message_scan(int fd, int *has_8bit, int *header);

/* What to do with this peer, after EHLO. */
enum idn_action {
	IDN_SEND = 0,		/* nothing international: as classic qmail does */
	IDN_SEND_SMTPUTF8,	/* addresses as given, "SMTPUTF8" on MAIL (RFC 6531 3.4) */
	IDN_SEND_ALABELS,	/* each address via idn_address_to_ascii(), no SMTPUTF8 */
	IDN_REFUSE		/* needs SMTPUTF8, the peer lacks it: #5.6.7 (RFC 6531 3.2) */
};

struct idn_decision {
	enum idn_action action;
	int body_8bitmime;	/* add "BODY=8BITMIME" to MAIL (RFC 6152) */
	const char *why;	/* for the transcript; NULL when nothing international */
};

/*
 * The table of SPEC §10 and §6. has_8bit and header come from
 * idn_message_scan(); smtputf8 and eightbitmime from EHLO (struct ehlo).
 * Only the envelope can force a refusal: a UTF-8 header goes as it is to
 * a peer without SMTPUTF8 (with BODY=8BITMIME when offered).
 */
struct idn_decision idn_decide(const struct idn_envelope *env, int has_8bit, int header,
    int smtputf8, int eightbitmime);

/* libidn2 calls made so far (it is loaded on the first non-ASCII name). */
extern unsigned long idn_library_calls;

#endif
