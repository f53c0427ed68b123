/*
 * test_name.c -- name.c: name_form() as a table, each spelling of a
 * destination -> its one form (SPEC 1, 4: case, one trailing dot, UTF-8
 * or A-labels, the forms of an address), what has none, and that ASCII
 * never calls libidn2.
 * Standalone: cc -D_GNU_SOURCE -I. -Isubstdio tests/unit/test_name.c name.c idn.c ip.c
 *   lazylib.c trace.c -ldl
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "check.h"
#include "idn.h"
#include "name.h"

#define N_	NAME_NONE
#define H_	NAME_HOST
#define A_	NAME_ADDRESS

static const struct {
	const char *in;
	enum name_kind kind;
	const char *text;	/* the one form; "" for NAME_NONE */
	int calls;		/* libidn2 calls expected */
} cases[] = {
	/* a name: case and one trailing dot never matter */
	{ "example.com", H_, "example.com", 0 },
	{ "Example.COM.", H_, "example.com", 0 },
	{ "EXAMPLE.com", H_, "example.com", 0 },
	{ "example.com..", H_, "example.com.", 0 },	/* one dot only: no key matches it */
	{ "a..b", H_, "a..b", 0 },			/* nothing judged */
	{ ".", H_, ".", 0 },
	{ ".Sub.Example.", H_, ".sub.example", 0 },	/* a ".suffix" key */
	{ "a_b.Example", H_, "a_b.example", 0 },
	{ "abc.def", H_, "abc.def", 0 },		/* hex letters, but no address */
	{ "1.2.3.999", H_, "1.2.3.999", 0 },
	{ "192.0.2.7.", H_, "192.0.2.7", 0 },		/* an address has no trailing dot */
	/* UTF-8 and A-labels: one name */
	{ "xn--bcher-kva.example", H_, "xn--bcher-kva.example", 0 },
	{ "XN--BCHER-KVA.Example.", H_, "xn--bcher-kva.example", 0 },
	{ "b\xc3\xbc" "cher.example", H_, "xn--bcher-kva.example", 1 },
	{ "B\xc3\x9c" "CHER.example.", H_, "xn--bcher-kva.example", 1 },
	{ "b\xc3\xbc" "cher.example\xe3\x80\x82", H_, "xn--bcher-kva.example", 1 },	/* U+3002 */
	{ ".b\xc3\xbc" "cher.example", H_, ".xn--bcher-kva.example", 1 },
	/* an address, however written */
	{ "192.0.2.7", A_, "192.0.2.7", 0 },
	{ "[192.0.2.7]", A_, "192.0.2.7", 0 },
	{ "[::ffff:192.0.2.7]", A_, "192.0.2.7", 0 },
	{ "::FFFF:192.0.2.7", A_, "192.0.2.7", 0 },
	{ "[IPv6:::ffff:192.0.2.7]", A_, "192.0.2.7", 0 },
	{ "2001:db8::25", A_, "2001:db8::25", 0 },
	{ "2001:DB8:0:0::25", A_, "2001:db8::25", 0 },
	{ "[2001:db8::25]", A_, "2001:db8::25", 0 },
	{ "[IPv6:2001:DB8::25]", A_, "2001:db8::25", 0 },
	{ "[ipv6:2001:db8:0::25]", A_, "2001:db8::25", 0 },
	/* no one form */
	{ "", N_, "", 0 },
	{ "[192.0.2.7", N_, "", 0 },
	{ "[IPv6:192.0.2.7]", N_, "", 0 },		/* IPv6: takes IPv6 only */
	{ "[example.com]", N_, "", 0 },
	{ "b\xff.example", N_, "", 1 },			/* not UTF-8 */
	{ "\xe2\x98\x83.", N_, "", 1 },			/* U+2603: disallowed */
};

static void
test_table(void)
{
	struct name n, again;
	const char *why;
	unsigned long before;
	size_t i;
	int rc;

	for (i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
		why = NULL;
		before = idn_library_calls;
		memset(&n, 'X', sizeof n);
		rc = name_form(cases[i].in, &n, &why);
		CHECK(n.kind == cases[i].kind && strcmp(n.text, cases[i].text) == 0,
		    "name_form(%s): kind %d '%s', want %d '%s'", cases[i].in, (int)n.kind, n.text,
		    (int)cases[i].kind, cases[i].text);
		CHECK(cases[i].kind == NAME_NONE ? rc == -1 && why && *why : rc == 0,
		    "name_form(%s): rc %d why '%s'", cases[i].in, rc, why ? why : "(null)");
		CHECK(idn_library_calls - before == (unsigned long)cases[i].calls,
		    "name_form(%s): %lu libidn2 calls, want %d", cases[i].in, idn_library_calls - before,
		    cases[i].calls);
		if (n.kind == NAME_ADDRESS) {
			/* the text form names the same address: one key, one file name */
			CHECK(name_form(n.text, &again, NULL) == 0 && again.kind == NAME_ADDRESS
			    && ip_equal(&again.ip, &n.ip) && n.ip.scope_id == 0, "name_form(%s): address round trip",
			    cases[i].in);
		}
	}
	CHECK(name_form(NULL, &n, &why) == -1 && n.kind == NAME_NONE && n.text[0] == '\0', "NULL: no name");
	CHECK(name_form("", &n, NULL) == -1, "why may be NULL");
	CHECK(name_form("[::ffff:192.0.2.7]", &n, NULL) == 0 && n.ip.af == AF_INET, "v4-mapped is IPv4");
}

/* 255 bytes after one trailing dot: the longest ".suffix" key and a query
 * as long fit; one more has no one form */
static void
test_length(void)
{
	char big[300];
	struct name n;
	const char *why;

	memset(big, 'a', sizeof big);
	big[255] = '\0';
	CHECK(name_form(big, &n, &why) == 0 && n.kind == NAME_HOST && strlen(n.text) == 255, "255 bytes");
	big[255] = '.';
	big[256] = '\0';
	CHECK(name_form(big, &n, &why) == 0 && strlen(n.text) == 255, "255 bytes and a trailing dot");
	big[255] = 'A';
	CHECK(name_form(big, &n, &why) == -1 && n.kind == NAME_NONE && strcmp(why, "name too long") == 0,
	    "256 bytes: %s", why);
}

int
main(void)
{
	test_table();
	test_length();
	return check_done();
}
