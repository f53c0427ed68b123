/*
 * name.c -- name_form(): a host or a control file's key in its one form
 * (name.h), the one place that knows what makes two spellings one
 * destination: case, one trailing dot, UTF-8 or A-labels, the forms of an
 * address. Not here: whether a name is well-formed for its place (the
 * line grammars, idn_host_to_ascii() for the host argument), matching
 * (ctllookup.c), DNS (dns.c).
 * Limits: a name of 255 bytes after its trailing dot (a ".suffix" key of
 * 253 and its dot, with room to spare); libidn2 only for UTF-8, which
 * ordinary mail never has.
 */
#include <string.h>
#include <sys/socket.h>
#include "idn.h"
#include "ip.h"
#include "name.h"

_Static_assert(sizeof ((struct name *)0)->text == IDN_HOST_SIZE,
    "a name's one form holds what idn_host_to_ascii() writes");

void
name_lower(char *s)
{
	for (; *s; ++s)
		*s = (char)name_lower_byte((unsigned char)*s);
}

int
name_is_ascii(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; ++i)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

/* An address in any of its forms: 0 with *ip, ::ffff:a.b.c.d as IPv4. */
static int
address_form(const char *s, struct ip_address *ip)
{
	static const unsigned char v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

	/* a name is refused before inet_pton is asked (a large smtproutes) */
	if (s[0] != '[' && s[strspn(s, "0123456789abcdefABCDEF.:")] != '\0')
		return -1;
	if (ip_scan_any(s, ip) != 0)
		return -1;
	/* one destination, one key: the v4-mapped form is the IPv4 address */
	if (ip->af == AF_INET6 && memcmp(ip->addr, v4_mapped, sizeof v4_mapped) == 0) {
		memmove(ip->addr, ip->addr + 12, 4);
		memset(ip->addr + 4, 0, 12);
		ip->af = AF_INET;
	}
	ip->scope_id = 0;
	return 0;
}

static int
none(struct name *out, const char **why, const char *text)
{
	out->kind = NAME_NONE;
	out->text[0] = '\0';
	if (why)
		*why = text;
	return -1;
}

int
name_form(const char *s, struct name *out, const char **why)
{
	char utf8[sizeof out->text];
	size_t len;
	int rc;

	memset(out, 0, sizeof *out);
	if (!s)
		return none(out, why, "no name");
	if (address_form(s, &out->ip) == 0) {
		out->kind = NAME_ADDRESS;
		(void)ip_fmt(out->text, &out->ip);
		return 0;
	}
	memset(&out->ip, 0, sizeof out->ip);
	len = strlen(s);
	if (len > 1 && s[len - 1] == '.')
		--len;
	if (len == 0)
		return none(out, why, "empty name");
	if (len >= sizeof out->text)
		return none(out, why, "name too long");
	if (s[0] == '[')
		return none(out, why, "not an address literal ([a.b.c.d] or [IPv6:...])");
	memcpy(out->text, s, len);
	out->text[len] = '\0';
	name_lower(out->text);
	out->kind = NAME_HOST;
	if (name_is_ascii(out->text, len))
		return 0;
	memcpy(utf8, out->text, len + 1);
	if ((rc = idn_host_to_ascii(utf8, out->text, sizeof out->text, why)) != 0) {
		out->kind = NAME_NONE;
		out->text[0] = '\0';
		return rc;
	}
	len = strlen(out->text);
	if (len > 1 && out->text[len - 1] == '.')	/* a full stop that mapped to '.' */
		out->text[len - 1] = '\0';
	return 0;
}
