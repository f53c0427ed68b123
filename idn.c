/*
 * idn.c -- internationalised mail (SPEC §10, §6): host names to A-labels
 * with libidn2 (IDNA2008, UTS #46 non-transitional: "faß.de" stays
 * "xn--fa-hia.de", not "fass.de"), what the envelope needs (RFC 6531),
 * whether the message has 8-bit bytes (RFC 6152) and UTF-8 in its header
 * (RFC 6532), and the decision after EHLO: as is, SMTPUTF8, A-labels, or
 * refuse (#5.6.7).
 * Not here: DNS (dns.c), the MAIL/RCPT lines (smtp.c), report texts
 * (report.c), traces (the callers print idn_decision.why).
 * Limits: names as DNS takes them (253/63), inputs bounded before
 * libidn2 sees them, one static scan block; nothing allocated except by
 * libidn2 for a non-ASCII name, and freed at once.
 * Ordinary mail (ASCII names, 7-bit envelope) never calls libidn2.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <idn2.h>
#include "idn.h"
#include "ip.h"
#include "lazylib.h"
#include "name.h"

/*
 * libidn2 (and its libunistring) are loaded on the first non-ASCII name,
 * like OpenSSL in ossl.c: ordinary mail never maps them (in the static
 * build they are linked in). The pointers carry the header's own
 * prototypes.
 */
#define IDN_LIBRARY	"libidn2.so.0"	/* Debian's libidn2-0 */
static struct {
	__typeof__(&idn2_lookup_u8) lookup_u8;
	__typeof__(&idn2_free) free;
	__typeof__(&idn2_strerror) strerror;
} lib;
static int lib_state;	/* 0 not tried, 1 loaded, -1 failed */
unsigned long idn_library_calls;

static int
lib_load(void)
{
#ifdef QR_STATIC
	/* linked in (the static build) */
	lib.lookup_u8 = &idn2_lookup_u8;
	lib.free = &idn2_free;
	lib.strerror = &idn2_strerror;
	lib_state = 1;
	return 0;
#else
	static const struct lazylib_sym syms[] = {
		{ "idn2_lookup_u8", (void **)&lib.lookup_u8 },
		{ "idn2_free", (void **)&lib.free },
		{ "idn2_strerror", (void **)&lib.strerror },
	};
	void *h;

	if (lib_state)
		return lib_state > 0 ? 0 : -1;
	lib_state = -1;
	if (lazylib_open(IDN_LIBRARY, syms, sizeof syms / sizeof syms[0], "idn", &h) != 0)
		return -1;
	lib_state = 1;
	return 0;
#endif
}

static int
fail(char *out, size_t size, const char **why, const char *text)
{
	if (size > 0)
		out[0] = '\0';
	if (why)
		*why = text;
	return -1;
}

/* Label and name lengths of an ASCII result; one leading dot (".suffix")
 * and one trailing dot allowed. NULL when fine, or the reason. */
static const char *
name_shape(const char *s)
{
	size_t len = strlen(s), i, label = 0;

	if (len > 0 && s[len - 1] == '.')
		--len;
	if (len > DNS_NAME_MAX)
		return "name too long";
	if (len > 0 && s[0] == '.') {
		++s;
		--len;
	}
	if (len == 0)
		return "empty name";
	for (i = 0; i <= len; ++i) {
		if (i < len && s[i] != '.') {
			if (++label > IDN_LABEL_MAX)
				return "label longer than 63 characters";
			continue;
		}
		if (label == 0)
			return "empty label";
		label = 0;
	}
	return NULL;
}

int
idn_host_to_ascii(const char *utf8, char *out, size_t size, const char **why)
{
	struct ip_address literal;
	const char *bad;
	uint8_t *a = NULL;
	size_t len, i;
	int rc;

	if (utf8 == NULL || out == NULL)
		return fail(out, out ? size : 0, why, "no name");
	len = strnlen(utf8, IDN_INPUT_MAX + 1);
	if (len > IDN_INPUT_MAX)
		return fail(out, size, why, "name too long");
	if (len == 0)
		return fail(out, size, why, "empty name");
	for (i = 0; i < len; ++i)
		if ((unsigned char)utf8[i] <= ' ' || utf8[i] == 0x7f)
			return fail(out, size, why, "control character or space in the name");

	if (utf8[0] == '[') {
		/* an address literal is judged here, once, by ip.c: one that is
		 * not an address never passes for a name (found by fuzz_idn: a
		 * 255-byte "[IPv6:...]" that was copied through as a "name") */
		if (ip_scan_literal(utf8, &literal) != 0)
			return fail(out, size, why, "not an address literal ([a.b.c.d] or [IPv6:...])");
		if (len >= size)
			return fail(out, size, why, "name too long");
		memcpy(out, utf8, len + 1);
		return 0;
	}

	if (name_is_ascii(utf8, len)) {
		/* what qmail-remote always did (lowercase), "xn--" labels too:
		 * DNS judges them, as it did for classic qmail -- IDNA2008
		 * refuses A-labels registered under IDNA2003 that resolve
		 * (xn--ls8h.la), and a bounce without a lookup would be wrong */
		if (len >= size)
			return fail(out, size, why, "name too long");
		memcpy(out, utf8, len + 1);
		name_lower(out);
	} else {
		if (lib_load() != 0) {
			(void)fail(out, size, why, "libidn2 (" IDN_LIBRARY ") could not be loaded");
			return IDN_UNAVAILABLE;	/* a local fault, not the name's */
		}
		++idn_library_calls;
		rc = lib.lookup_u8((const uint8_t *)utf8, &a, IDN2_NONTRANSITIONAL);
		if (rc != IDN2_OK) {
			lib.free(a);
			return fail(out, size, why, lib.strerror(rc));
		}
		len = strnlen((const char *)a, IDN_HOST_SIZE);
		if (len >= size || len >= IDN_HOST_SIZE || !name_is_ascii((const char *)a, len)) {
			lib.free(a);
			return fail(out, size, why, "name too long");
		}
		memcpy(out, a, len + 1);
		lib.free(a);
		/* UTS #46 may map a character to a space or a control character */
		for (i = 0; i < len; ++i)
			if ((unsigned char)out[i] <= ' ' || out[i] == 0x7f)
				return fail(out, size, why, "control character or space in the name");
		/* ... or map one away: U+00AD "[" becomes "[", which would then
		 * be read as the start of an address literal (found by fuzz_idn) */
		if (out[0] == '[')
			return fail(out, size, why, "malformed address literal");
	}
	if ((bad = name_shape(out)) != NULL)
		return fail(out, size, why, bad);
	return 0;
}

int
idn_address_to_ascii(const char *addr, char *out, size_t size, const char **why)
{
	const char *at;
	size_t len, local;
	int rc;

	if (addr == NULL || out == NULL)
		return fail(out, out ? size : 0, why, "no address");
	len = strnlen(addr, IDN_ADDRESS_MAX + 1);
	if (len > IDN_ADDRESS_MAX)
		return fail(out, size, why, "address too long");
	at = strrchr(addr, '@');	/* a quoted local part may hold '@' */
	if (at == NULL || at[1] == '\0' || name_is_ascii(at + 1, strlen(at + 1))) {
		if (len >= size)
			return fail(out, size, why, "address too long");
		memcpy(out, addr, len + 1);
		return 0;
	}
	local = (size_t)(at - addr) + 1;	/* with the '@' */
	if (local >= size)
		return fail(out, size, why, "address too long");
	memcpy(out, addr, local);
	if ((rc = idn_host_to_ascii(at + 1, out + local, size - local, why)) != 0) {
		(void)fail(out, size, NULL, NULL);
		return rc;
	}
	return 0;
}

void
idn_envelope_scan(struct idn_envelope *env, const char *sender,
    char *const *recips, size_t nrecips)
{
	static char tmp[IDN_ADDRESS_SIZE];
	const char *addr, *at, *dom, *last_dom = NULL, *why;
	size_t k, local, last_alen = 0;	/* last_dom's A-label length */
	int too_long = -1;

	memset(env, 0, sizeof *env);
	env->culprit = -1;
	for (k = 0; k <= nrecips; ++k) {
		addr = k == 0 ? sender : recips[k - 1];
		if (addr == NULL)
			continue;
		if (too_long == -1 && strnlen(addr, IDN_ADDRESS_MAX + 1) > IDN_ADDRESS_MAX)
			too_long = (int)k;
		at = strrchr(addr, '@');
		local = at ? (size_t)(at - addr) : strlen(addr);
		if (!name_is_ascii(addr, local)) {
			/* RFC 6531 3.2: no A-label form exists for a local part */
			env->needs_smtputf8 = 1;
			env->domains_only = 0;
			env->culprit = (int)k;
			env->why = "a non-ASCII local part";
			env->idn_error = NULL;
			return;
		}
		if (at == NULL || name_is_ascii(at + 1, strlen(at + 1)))
			continue;
		dom = at + 1;
		if (last_dom == NULL || strcmp(dom, last_dom) != 0 ||
		    local + 1 + last_alen >= sizeof tmp) {
			/* one libidn2 call per distinct domain (recipients share
			 * one), unless this local part makes the address too long
			 * for the A-label form (found by fuzz_idn) */
			int rc = idn_address_to_ascii(addr, tmp, sizeof tmp, &why);

			if (rc != 0) {
				env->needs_smtputf8 = 1;
				env->domains_only = 0;
				env->unavailable = rc == IDN_UNAVAILABLE;
				env->culprit = (int)k;
				env->why = env->unavailable ? "a non-ASCII domain, and no libidn2 to convert it" :
				    "a non-ASCII domain without an A-label form";
				env->idn_error = why;
				return;
			}
			last_dom = dom;
			last_alen = strlen(tmp) - local - 1;
		}
		if (!env->needs_smtputf8) {
			env->needs_smtputf8 = 1;
			env->domains_only = 1;
			env->culprit = (int)k;
			env->why = "a non-ASCII domain";
		}
	}
	if (env->domains_only && too_long != -1) {
		/* the fallback converts every address; this one would not fit */
		env->domains_only = 0;
		env->culprit = too_long;
		env->why = "an address too long to convert to A-labels";
	}
}

/*
 * The message scan. The header ends at the first empty line as the wire
 * will show it: stuff.c makes a lone CR a line end and CRLF one line end,
 * so "\n\n", "\r\n\r\n", "\r\r" and a first line that is empty all end it.
 */
struct scan {
	int in_header;		/* still before the empty line */
	int at_start;		/* the last byte ended a line (or nothing read yet) */
	int after_cr;		/* the last byte was CR: an LF now is part of it */
	int has_8bit;		/* a byte >= 0x80 anywhere */
	int header_8bit;	/* ... in the header */
	int header_bad;		/* ... and it is not well-formed UTF-8 */
	unsigned need;		/* UTF-8 continuation bytes still expected */
	unsigned char lo, hi;	/* the range the next continuation byte must be in */
};

#define HIGH_BITS	0x8080808080808080ULL

/* Any byte >= 0x80? Eight words OR-ed per test: memory-bound, not branch-bound. */
static int
any_8bit(const unsigned char *p, size_t n)
{
	uint64_t w[8], acc;
	size_t i;

	while (n >= sizeof w) {
		memcpy(w, p, sizeof w);	/* no alignment or aliasing assumptions */
		acc = 0;
		for (i = 0; i < 8; ++i)
			acc |= w[i];
		if (acc & HIGH_BITS)
			return 1;
		p += sizeof w;
		n -= sizeof w;
	}
	while (n >= 8) {
		memcpy(w, p, 8);
		if (w[0] & HIGH_BITS)
			return 1;
		p += 8;
		n -= 8;
	}
	for (; n > 0; --n, ++p)
		if (*p & 0x80)
			return 1;
	return 0;
}

/* RFC 3629 4 (well-formed sequences: no overlongs, surrogates, > U+10FFFF). */
static void
utf8_byte(struct scan *s, unsigned char b)
{
	if (s->need > 0) {
		if (b < s->lo || b > s->hi) {
			s->header_bad = 1;
			s->need = 0;
			return;
		}
		--s->need;
		s->lo = 0x80;
		s->hi = 0xbf;
		return;
	}
	if (b < 0x80)
		return;
	s->lo = 0x80;
	s->hi = 0xbf;
	if (b >= 0xc2 && b <= 0xdf)
		s->need = 1;
	else if (b == 0xe0)
		s->need = 2, s->lo = 0xa0;
	else if (b == 0xed)
		s->need = 2, s->hi = 0x9f;
	else if (b >= 0xe1 && b <= 0xef)
		s->need = 2;
	else if (b == 0xf0)
		s->need = 3, s->lo = 0x90;
	else if (b == 0xf4)
		s->need = 3, s->hi = 0x8f;
	else if (b >= 0xf1 && b <= 0xf3)
		s->need = 3;
	else
		s->header_bad = 1;
}

/* Bytes of the header that are neither CR nor LF. */
static void
header_run(struct scan *s, const unsigned char *p, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	s->at_start = 0;
	s->after_cr = 0;
	if (s->need == 0 && !any_8bit(p, n))
		return;
	for (i = 0; i < n && !s->header_bad; ++i) {
		if (p[i] >= 0x80)
			s->header_8bit = s->has_8bit = 1;
		utf8_byte(s, p[i]);
	}
}

/* A CR or LF in the header; returns 1 when it ends the header. */
static int
header_eol(struct scan *s, unsigned char c)
{
	if (s->need > 0) {	/* a sequence cut by a line end */
		s->header_bad = 1;
		s->need = 0;
	}
	if (c == '\n' && s->after_cr) {
		s->after_cr = 0;	/* CRLF: the CR ended the line */
		return 0;
	}
	if (s->at_start)
		return 1;	/* an empty line */
	s->at_start = 1;
	s->after_cr = c == '\r';
	return 0;
}

/* Header bytes of one block; returns where the body starts in it (end
 * if the header goes on). */
static const unsigned char *
header_block(struct scan *s, const unsigned char *p, const unsigned char *end)
{
	const unsigned char *nl, *cr;

	while (p < end && !s->header_bad) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		cr = memchr(p, '\r', (size_t)(nl - p));
		if (cr != NULL)
			nl = cr;
		header_run(s, p, (size_t)(nl - p));
		if (nl == end)
			return end;
		p = nl + 1;
		if (header_eol(s, *nl)) {
			s->in_header = 0;
			return p;
		}
	}
	return end;
}

enum idn_scan
idn_message_scan(int fd, int *has_8bit, int *header)
{
	static unsigned char block[IDN_SCAN_BLOCK];
	struct scan s;
	struct stat st;
	const unsigned char *p, *end;
	off_t pos;
	ssize_t r;
	size_t want;

	*has_8bit = 0;
	*header = IDN_HEADER_ASCII;
	if (fstat(fd, &st) == -1)
		return IDN_SCAN_ERROR;
	if (!S_ISREG(st.st_mode))
		return IDN_SCAN_UNKNOWN;
	pos = lseek(fd, 0, SEEK_CUR);	/* where message_read() will start */
	if (pos == -1 || pos > st.st_size)
		return IDN_SCAN_UNKNOWN;	/* as message_open(): a stream */

	memset(&s, 0, sizeof s);
	s.in_header = 1;
	s.at_start = 1;
	while (pos < st.st_size) {
		want = sizeof block;
		if ((unsigned long long)(st.st_size - pos) < want)
			want = (size_t)(st.st_size - pos);
		r = pread(fd, block, want, pos);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return IDN_SCAN_ERROR;
		if (r == 0)
			break;	/* the file shrank: what is there is what is sent */
		pos += r;
		p = block;
		end = block + r;
		if (s.in_header)
			p = header_block(&s, p, end);
		if (s.header_bad)
			break;	/* both answers known: 8-bit, not UTF-8 */
		if (!s.in_header && !s.has_8bit && p < end && any_8bit(p, (size_t)(end - p)))
			s.has_8bit = 1;
		if (!s.in_header && s.has_8bit)
			break;
	}
	if (s.need > 0)
		s.header_bad = 1;	/* the file ended inside a sequence */
	*has_8bit = s.has_8bit;
	if (s.header_8bit)
		*header = s.header_bad ? IDN_HEADER_8BIT : IDN_HEADER_UTF8;
	return IDN_SCAN_DONE;
}

struct idn_decision
idn_decide(const struct idn_envelope *env, int has_8bit, int header,
    int smtputf8, int eightbitmime)
{
	struct idn_decision d;
	int header_utf8 = header == IDN_HEADER_UTF8;

	d.why = NULL;
	if (!env->needs_smtputf8 && !header_utf8) {
		d.action = IDN_SEND;	/* raw 8-bit (IDN_HEADER_8BIT) goes as classic qmail sends it */
	} else if (smtputf8) {
		d.action = IDN_SEND_SMTPUTF8;
		d.why = env->needs_smtputf8 ? env->why : "UTF-8 in the header (RFC 6532)";
	} else if (!env->needs_smtputf8) {
		/* SPEC 10: the queue does not record whether the mail came with
		 * SMTPUTF8, such mail is common, and classic qmail and Postfix
		 * deliver it as it is; bouncing it would be a regression */
		d.action = IDN_SEND;
		d.why = "UTF-8 in the header, no SMTPUTF8 offered: sent as it is";
	} else if (env->domains_only) {
		d.action = IDN_SEND_ALABELS;	/* RFC 6531 3.2: A-labels need no extension */
		d.why = env->why;
	} else {
		d.action = IDN_REFUSE;	/* a local part has no ASCII form: #5.6.7 */
		d.why = env->why;
	}
	/* RFC 6152: announce 8-bit data; a peer without 8BITMIME gets it as
	 * classic qmail always sent it (SPEC §6 adds BODY only when offered) */
	d.body_8bitmime = d.action != IDN_REFUSE && has_8bit && eightbitmime;
	return d;
}
