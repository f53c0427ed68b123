/*
 * name.h -- a host or a control file's key in its one form: what makes
 * "Example.COM.", "example.com" and a UTF-8 spelling one destination, and
 * "[192.0.2.7]", "192.0.2.7" and "[IPv6:::ffff:192.0.2.7]" one address
 * (SPEC 1, 4). Made once for each key when the control files are read
 * (control.c, ctlgrammar.c) and once per delivery for the names looked up
 * (qmail-remote.c), so that the look-ups (ctllookup.c) only compare.
 * Not here: whether a name is well-formed for its place (the line
 * grammars, idn_host_to_ascii for the host argument), DNS (dns.c).
 */
#ifndef NAME_H
#define NAME_H

#include "ip.h"

/* The longest name: text form, no trailing dot (RFC 1035 2.3.4: 255
 * octets on the wire). The one constant for it, in dns, idn, control and
 * mtasts alike. */
#define DNS_NAME_MAX	253

enum name_kind {
	NAME_NONE = 0,		/* no one form: matches nothing but a catch-all line */
	NAME_HOST,		/* a name (or a ".suffix" key) */
	NAME_ADDRESS		/* an IPv4 or IPv6 address, however written */
};

struct name {
	enum name_kind kind;
	struct ip_address ip;	/* NAME_ADDRESS: ::ffff:a.b.c.d as the IPv4
				 * address a.b.c.d, no scope */
	char text[DNS_NAME_MAX + 3];	/* NAME_HOST: ASCII, lower case, A-labels,
					 * no trailing dot; NAME_ADDRESS: its plain
					 * text form (192.0.2.7, 2001:db8::25);
					 * NAME_NONE: "" (idn.h's IDN_HOST_SIZE) */
};

/*
 * s in its one form, into *out:
 * - an address in any of its forms -- "[192.0.2.7]", "192.0.2.7",
 *   "[IPv6:2001:db8::25]", "[2001:db8::25]", "2001:db8::25" --
 *   becomes NAME_ADDRESS, ::ffff:a.b.c.d the IPv4 address, compared as
 *   an address (ip_equal), never as text;
 * - anything else is a name: one trailing dot removed ("." stays "."),
 *   ASCII letters lower-cased, and, when it holds UTF-8, its A-labels
 *   (idn_host_to_ascii(), then one trailing dot off again: a full stop
 *   that mapped to '.').
 * Nothing else is judged: "a..b" has a one form (and matches no key);
 * the grammars and idn_host_to_ascii() decide what is well-formed.
 * 0 (NAME_HOST or NAME_ADDRESS); -1 with NAME_NONE and *why (when why is
 * not NULL) a static text: NULL, empty, over 255 bytes, a '[' that is
 * no address literal, or a UTF-8 name with no A-label form (libidn2's
 * reason); IDN_UNAVAILABLE (idn.h) when libidn2 cannot be loaded.
 * libidn2 is called only for a name that holds UTF-8.
 */
int name_form(const char *s, struct name *out, const char **why);

/* ASCII letters in s lower-cased, in place; other bytes as they are. */
void name_lower(char *s);
/* One byte as name_lower() makes it (DNS compares names so: RFC 4343). */
static inline unsigned char
name_lower_byte(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* The len bytes at s hold no byte >= 0x80: its one form needs no
 * libidn2 and is no longer than s (the control files' grammars write such
 * keys in place); idn.c asks it of names, addresses and their parts. */
int name_is_ascii(const char *s, size_t len);

#endif
