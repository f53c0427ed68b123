/*
 * test_idn.c -- idn.c: host names to A-labels (UTS #46 non-transitional)
 * and what is refused, the ASCII fast path (libidn2 is never called: a
 * wrapper counts its calls), envelope analysis, address conversion, the
 * message scan on temporary files (block edges included), and the
 * decision table of SPEC §10.
 * Standalone: cc -I. tests/unit/test_idn.c idn.c -lidn2
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* dlsym(RTLD_NEXT), memfd_create */
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <idn2.h>
#include "check.h"
#include "idn.h"

#define lookups idn_library_calls	/* libidn2 calls, counted by idn.c */

static const struct {
	const char *in, *out;	/* out NULL: refused */
	int calls;		/* libidn2 calls expected */
} hosts[] = {
	{ "bücher.example", "xn--bcher-kva.example", 1 },
	{ "ÉCOLE.example", "xn--cole-9oa.example", 1 },	/* case folded by UTS #46 */
	{ "faß.de", "xn--fa-hia.de", 1 },		/* non-transitional: not fass.de */
	{ "Bücher.Example.", "xn--bcher-kva.example.", 1 },	/* trailing dot kept */
	{ ".bücher.example", ".xn--bcher-kva.example", 1 },	/* control files' .suffix */
	{ "bu\xcc\x88" "cher.example", "xn--bcher-kva.example", 1 },	/* NFD input */
	{ "ü。de", "xn--tda.de", 1 },			/* ideographic full stop */
	/* ASCII A-labels: lower-cased, left to DNS (no libidn2), as classic
	 * qmail did -- even ones IDNA2008 refuses, registered under IDNA2003
	 * and still resolving (U+1F4A9.la, i U+2764 .ws) */
	{ "XN--BCHER-KVA.example", "xn--bcher-kva.example", 0 },
	{ "xn--bcher-kva.example", "xn--bcher-kva.example", 0 },
	{ "xn--ls8h.la", "xn--ls8h.la", 0 },
	{ "XN--I-7IQ.ws", "xn--i-7iq.ws", 0 },
	{ "xn--invalid-", "xn--invalid-", 0 },
	{ "xn--a.de", "xn--a.de", 0 },
	{ "Mail.Example.COM", "mail.example.com", 0 },	/* the fast path */
	{ "mx1.example.org", "mx1.example.org", 0 },
	{ "r3---sn-abc.example", "r3---sn-abc.example", 0 },	/* legacy ASCII stays */
	{ "a_b.example", "a_b.example", 0 },
	{ "example.com.", "example.com.", 0 },
	{ "localhost", "localhost", 0 },
	{ "[192.0.2.1]", "[192.0.2.1]", 0 },
	{ "[IPv6:2001:DB8::1]", "[IPv6:2001:DB8::1]", 0 },	/* untouched */
	/* refused */
	{ "ü.xn--a.de", NULL, 1 },			/* with a U-label: all checked */
	{ "ab.\xe2\x92\x88" "com", NULL, 1 },		/* U+2488 DIGIT ONE FULL STOP: disallowed */
	{ "\xf0\x9f\x92\xa9.la", NULL, 1 },		/* U+1F4A9: disallowed in IDNA2008 */
	{ "a\xff" "b.de", NULL, 1 },			/* not UTF-8 */
	{ "\xc3", NULL, 1 },
	{ "-ü.de", NULL, 1 },
	{ "ab--ü.de", NULL, 1 },
	{ "ü..de", NULL, 1 },				/* libidn2 lets it through; we don't */
	{ "a..b", NULL, 0 },
	{ ".", NULL, 0 },
	{ "..x", NULL, 0 },
	{ "", NULL, 0 },
	{ "a b.de", NULL, 0 },
	{ "a\nb.de", NULL, 0 },
	{ "a\r\n.de", NULL, 0 },
	{ "ü\tx.de", NULL, 0 },
	{ "[192.0.2.1", NULL, 0 },
	{ "[ü]", NULL, 0 },
	/* brackets around what is no address: refused here, never a "name" */
	{ "[IPv6:2001:db@xn--hh;hh.le8:$:1]", NULL, 0 },
	{ "[mail.example.com]", NULL, 0 },
	{ "[192.0.2.999]", NULL, 0 },
	{ "[IPv6:192.0.2.1]", NULL, 0 },
	{ "[]", NULL, 0 },
	{ "[2001:db8::1]", "[2001:db8::1]", 0 },	/* a bare IPv6 literal, as qmail takes it */
	{ "\xc2\xad[", NULL, 1 },	/* U+00AD maps away: "[" is no literal (fuzz_idn) */
	{ "\xc2\xad[192.0.2.1]", NULL, 1 },	/* nor is this one */
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", NULL, 0 },	/* 64 */
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example",
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", 0 },	/* 63 */
	{ "üüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüü.de", NULL, 1 },
};

static void
test_hosts(void)
{
	char out[IDN_HOST_SIZE], big[2048];
	const char *why;
	unsigned long before;
	size_t i;
	int r;

	for (i = 0; i < sizeof hosts / sizeof hosts[0]; ++i) {
		before = lookups;
		why = NULL;
		memset(out, 'X', sizeof out);
		r = idn_host_to_ascii(hosts[i].in, out, sizeof out, &why);
		if (hosts[i].out) {
			CHECK(r == 0 && strcmp(out, hosts[i].out) == 0, "host %zu [%s]: %d [%s] %s",
			    i, hosts[i].in, r, out, why ? why : "");
		} else {
			CHECK(r == -1 && out[0] == '\0' && why != NULL && *why,
			    "host %zu [%s] should fail: %d [%s]", i, hosts[i].in, r, out);
		}
		CHECK(lookups - before == (unsigned long)hosts[i].calls,
		    "host %zu [%s]: %lu libidn2 calls, want %d", i, hosts[i].in, lookups - before, hosts[i].calls);
	}

	/* length: 253 is a name, 254 is not (4 x 63 + 3 dots = 255) */
	memset(big, 'a', 253);
	big[63] = big[127] = big[191] = '.';
	big[253] = '\0';
	CHECK(idn_host_to_ascii(big, out, sizeof out, &why) == 0 && strlen(out) == 253, "253 bytes");
	big[253] = '.';
	big[254] = '\0';
	CHECK(idn_host_to_ascii(big, out, sizeof out, &why) == 0 && strlen(out) == 254, "253 + trailing dot");
	big[253] = 'a';
	CHECK(idn_host_to_ascii(big, out, sizeof out, &why) == -1 && out[0] == '\0', "254 bytes");
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	before = lookups;
	CHECK(idn_host_to_ascii(big, out, sizeof out, &why) == -1, "2 KB name");
	for (i = 0; i + 2 < sizeof big; i += 2)
		memcpy(big + i, "\xc3\xbc", 2);	/* ü x 1023: refused before libidn2 */
	big[i] = '\0';
	CHECK(idn_host_to_ascii(big, out, sizeof out, &why) == -1 && lookups == before,
	    "over IDN_INPUT_MAX never reaches libidn2");

	/* a buffer too small is a failure, never a truncation */
	CHECK(idn_host_to_ascii("example.com", out, 11, &why) == -1 && out[0] == '\0', "small out (ascii)");
	CHECK(idn_host_to_ascii("example.com", out, 12, &why) == 0, "exact out");
	CHECK(idn_host_to_ascii("bücher.example", out, 21, &why) == -1 && out[0] == '\0', "small out (idn)");
	CHECK(idn_host_to_ascii("bücher.example", out, 22, &why) == 0, "exact out (idn)");
	CHECK(idn_host_to_ascii(NULL, out, sizeof out, &why) == -1 && out[0] == '\0', "NULL");
	CHECK(idn_host_to_ascii("x", out, 0, &why) == -1, "size 0");
	CHECK(idn_host_to_ascii("a..b", out, sizeof out, NULL) == -1, "why may be NULL");

	/* the fast path, measured: 10000 ordinary names, no libidn2 call */
	before = lookups;
	for (i = 0; i < 10000; ++i)
		(void)idn_host_to_ascii(i & 1 ? "MX.Example.NET" : "mail.example.com", out, sizeof out, &why);
	CHECK(lookups == before, "ASCII names never call libidn2 (%lu calls)", lookups - before);
}

static const struct {
	const char *in, *out;
} addrs[] = {
	{ "user@bücher.example", "user@xn--bcher-kva.example" },
	{ "jörg@bücher.example", "jörg@xn--bcher-kva.example" },	/* local part untouched */
	{ "Jörg@Bücher.Example", "Jörg@xn--bcher-kva.example" },
	{ "User@Example.COM", "User@Example.COM" },	/* all ASCII: byte for byte */
	{ "jörg@example.com", "jörg@example.com" },
	{ "u@xn--invalid-", "u@xn--invalid-" },		/* ASCII domains are not judged */
	{ "\"a@b\"@bücher.example", "\"a@b\"@xn--bcher-kva.example" },
	{ "u@[192.0.2.1]", "u@[192.0.2.1]" },
	{ "", "" },
	{ "postmaster", "postmaster" },
	{ "bücher", "bücher" },
	{ "a@", "a@" },
	{ "@bücher.example", "@xn--bcher-kva.example" },
	{ "u@\xf0\x9f\x92\xa9.la", NULL },
	{ "u@a\xff.de", NULL },
	{ "u@ü..de", NULL },
};

static void
test_addresses(void)
{
	char out[IDN_ADDRESS_SIZE], big[IDN_ADDRESS_MAX + 8];
	const char *why;
	size_t i;
	int r;

	for (i = 0; i < sizeof addrs / sizeof addrs[0]; ++i) {
		why = NULL;
		memset(out, 'X', sizeof out);
		r = idn_address_to_ascii(addrs[i].in, out, sizeof out, &why);
		if (addrs[i].out)
			CHECK(r == 0 && strcmp(out, addrs[i].out) == 0, "address %zu [%s]: %d [%s] %s",
			    i, addrs[i].in, r, out, why ? why : "");
		else
			CHECK(r == -1 && out[0] == '\0' && why != NULL, "address %zu [%s] should fail: [%s]",
			    i, addrs[i].in, out);
	}
	CHECK(idn_address_to_ascii("u@bücher.example", out, 5, &why) == -1 && out[0] == '\0', "small out");
	CHECK(idn_address_to_ascii("u@bücher.example", out, 2, &why) == -1 && out[0] == '\0', "tiny out");
	CHECK(idn_address_to_ascii("u@bücher.example", out, 24, &why) == 0, "exact out");
	CHECK(idn_address_to_ascii("u@example.com", out, 13, &why) == -1, "small out (ascii)");
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	big[10] = '@';
	CHECK(idn_address_to_ascii(big, out, sizeof out, &why) == -1 && out[0] == '\0', "over IDN_ADDRESS_MAX");
	CHECK(idn_address_to_ascii(NULL, out, sizeof out, &why) == -1, "NULL");
}

static void
test_envelope(void)
{
	struct idn_envelope e;
	char *r1[] = { "a@example.com", "b@example.org" };
	char *r2[] = { "a@example.com", "b@bücher.example" };
	char *r3[] = { "a@bücher.example", "b@example.com", "jörg@example.com" };
	char *r4[] = { "a@\xf0\x9f\x92\xa9.la" };
	char *r5[] = { "jörg" };
	char *r6[] = { "a@bücher.example", NULL };
	char *many[100];
	static char longaddr[IDN_ADDRESS_MAX + 2];
	unsigned long before;
	size_t i;

	idn_envelope_scan(&e, "me@example.com", r1, 2);
	CHECK(!e.needs_smtputf8 && !e.domains_only && e.culprit == -1 && e.why == NULL, "ascii");
	idn_envelope_scan(&e, "", r1, 2);
	CHECK(!e.needs_smtputf8 && !e.domains_only, "bounce, ascii");
	idn_envelope_scan(&e, "me@bücher.example", r1, 2);
	CHECK(e.needs_smtputf8 && e.domains_only && e.culprit == 0, "sender domain");
	idn_envelope_scan(&e, "", r2, 2);
	CHECK(e.needs_smtputf8 && e.domains_only && e.culprit == 2 && e.why, "recipient domain");
	idn_envelope_scan(&e, "", r3, 3);
	CHECK(e.needs_smtputf8 && !e.domains_only && e.culprit == 3, "local part wins over domains");
	idn_envelope_scan(&e, "jörg@example.com", r1, 2);
	CHECK(e.needs_smtputf8 && !e.domains_only && e.culprit == 0, "sender local part");
	idn_envelope_scan(&e, "", r4, 1);
	CHECK(e.needs_smtputf8 && !e.domains_only && e.culprit == 1 && e.idn_error, "no A-label form");
	idn_envelope_scan(&e, "", r5, 1);
	CHECK(e.needs_smtputf8 && !e.domains_only, "no '@', non-ASCII");
	{
		/* a second address at the same domain whose local part leaves
		 * no room for the A-label form: not "domains only" (fuzz_idn) */
		static char local_long[IDN_ADDRESS_MAX];
		char *r7[] = { "a@bücher.example", local_long };

		memset(local_long, 'x', IDN_ADDRESS_MAX - 20);
		memcpy(local_long + IDN_ADDRESS_MAX - 20, "@bücher.example", sizeof "@bücher.example");
		CHECK(strlen(local_long) <= IDN_ADDRESS_MAX, "test address fits the input bound");
		idn_envelope_scan(&e, "", r7, 2);
		CHECK(e.needs_smtputf8 && !e.domains_only && e.culprit == 2,
		    "too long as A-labels: domains_only %d culprit %d", e.domains_only, e.culprit);
	}
	idn_envelope_scan(&e, "", r1, 0);
	CHECK(!e.needs_smtputf8, "no recipients");

	/* the fallback must work for every address, ASCII ones included */
	memset(longaddr, 'a', sizeof longaddr - 1);
	longaddr[sizeof longaddr - 1] = '\0';
	longaddr[1] = '@';
	r6[1] = longaddr;
	idn_envelope_scan(&e, "", r6, 2);
	CHECK(e.needs_smtputf8 && !e.domains_only && e.culprit == 2, "an address too long for the fallback");
	idn_envelope_scan(&e, "", r6 + 1, 1);
	CHECK(!e.needs_smtputf8 && !e.domains_only, "a long ASCII address alone is not our business");

	/* 100 recipients in one non-ASCII domain: libidn2 once */
	for (i = 0; i < 100; ++i)
		many[i] = "x@bücher.example";
	before = lookups;
	idn_envelope_scan(&e, "me@example.com", many, 100);
	CHECK(e.needs_smtputf8 && e.domains_only && lookups - before == 1,
	    "one lookup per distinct domain (%lu)", lookups - before);
	before = lookups;
	idn_envelope_scan(&e, "me@example.com", r1, 2);
	CHECK(lookups == before, "ascii envelope: no libidn2");
}

/* The message scan on a temporary file holding len bytes of s. */
static char tmpdir_path[256];

static int
temp_with(const char *s, size_t len)
{
	char path[300];
	int fd;

	snprintf(path, sizeof path, "%s/msg.XXXXXX", tmpdir_path);
	fd = mkstemp(path);
	if (fd == -1)
		return -1;
	unlink(path);
	if (len > 0 && write(fd, s, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static const struct {
	const char *name, *msg;
	int has_8bit, header;
} scans[] = {
	{ "7-bit", "Subject: hi\n\nbody\n", 0, IDN_HEADER_ASCII },
	{ "8-bit body only", "Subject: hi\n\nb\xc3\xb6" "dy\n", 1, IDN_HEADER_ASCII },
	{ "latin-1 body", "Subject: hi\n\nb\xf6" "dy\n", 1, IDN_HEADER_ASCII },
	{ "utf-8 header", "Subject: h\xc3\xbc\n\nbody\n", 1, IDN_HEADER_UTF8 },
	{ "utf-8 header, 8-bit body", "From: J\xc3\xb6rg <j@x>\n\nb\xff\n", 1, IDN_HEADER_UTF8 },
	{ "utf-8 in a later field", "A: b\nC: d\nSubject: \xe2\x82\xac 5\n\nbody\n", 1, IDN_HEADER_UTF8 },
	{ "4-byte utf-8", "Subject: \xf0\x9f\x98\x80\n\n", 1, IDN_HEADER_UTF8 },
	{ "latin-1 header", "Subject: h\xfc\n\nbody\n", 1, IDN_HEADER_8BIT },
	{ "overlong", "Subject: \xc0\xaf\n\n", 1, IDN_HEADER_8BIT },
	{ "surrogate", "Subject: \xed\xa0\x80\n\n", 1, IDN_HEADER_8BIT },
	{ "beyond U+10FFFF", "Subject: \xf4\x90\x80\x80\n\n", 1, IDN_HEADER_8BIT },
	{ "sequence cut by a line end", "Subject: \xc3\nX: y\n\n", 1, IDN_HEADER_8BIT },
	{ "lone continuation", "Subject: \x80\n\n", 1, IDN_HEADER_8BIT },
	{ "utf-8 then latin-1", "A: \xc3\xbc\nB: \xfc\n\n", 1, IDN_HEADER_8BIT },
	{ "empty file", "", 0, IDN_HEADER_ASCII },
	{ "header, no body", "Subject: hi\n", 0, IDN_HEADER_ASCII },
	{ "utf-8 header, no body", "Subject: h\xc3\xbc\n", 1, IDN_HEADER_UTF8 },
	{ "utf-8 header, no newline", "Subject: h\xc3\xbc", 1, IDN_HEADER_UTF8 },
	{ "ends inside a sequence", "Subject: h\xc3", 1, IDN_HEADER_8BIT },
	{ "CRLF", "Subject: hi\r\n\r\nb\xc3\xb6" "dy\r\n", 1, IDN_HEADER_ASCII },
	{ "CRLF, utf-8 header", "Subject: h\xc3\xbc\r\n\r\nbody\r\n", 1, IDN_HEADER_UTF8 },
	{ "lone CR ends lines", "Subject: hi\r\rb\xc3\xb6" "dy\n", 1, IDN_HEADER_ASCII },
	{ "CR CR LF", "Subject: hi\r\r\nb\xc3\xb6" "dy\n", 1, IDN_HEADER_ASCII },
	{ "LF CR LF", "Subject: hi\n\r\nb\xc3\xb6" "dy\n", 1, IDN_HEADER_ASCII },
	{ "CR LF LF", "Subject: hi\r\n\nb\xc3\xb6" "dy\n", 1, IDN_HEADER_ASCII },
	{ "empty header", "\nSubject: h\xc3\xbc\n", 1, IDN_HEADER_ASCII },
	{ "empty header, CRLF", "\r\nSubject: h\xc3\xbc\n", 1, IDN_HEADER_ASCII },
	{ "folded field", "Subject: a\n \xc3\xbc\n\nbody\n", 1, IDN_HEADER_UTF8 },
	{ "a line of spaces is not empty", "A: b\n \nC: \xc3\xbc\n\n", 1, IDN_HEADER_UTF8 },
};

static void
check_scan(const char *name, const char *msg, size_t len, int want8, int wanth)
{
	int fd = temp_with(msg, len), h8 = -1, hh = -1;
	enum idn_scan r;

	if (fd == -1) {
		CHECK(0, "%s: temp file: %s", name, strerror(errno));
		return;
	}
	r = idn_message_scan(fd, &h8, &hh);
	CHECK(r == IDN_SCAN_DONE && h8 == want8 && hh == wanth, "scan %s: %d has_8bit %d header %d",
	    name, (int)r, h8, hh);
	CHECK(lseek(fd, 0, SEEK_CUR) == 0, "scan %s: the offset moved", name);
	close(fd);
}

#define EDGE	((size_t)IDN_SCAN_BLOCK)

static void
test_scan(void)
{
	static char big[3 * IDN_SCAN_BLOCK + 100];
	static const char off[] = "\xff\xff\xff\nSubject: hi\n\nbody\n";
	size_t i, n;
	int fd, pfd[2], h8, hh;

	for (i = 0; i < sizeof scans / sizeof scans[0]; ++i)
		check_scan(scans[i].name, scans[i].msg, strlen(scans[i].msg), scans[i].has_8bit, scans[i].header);

	/* the block edges: 8-bit after three blocks of 7-bit body */
	memset(big, 'a', sizeof big);
	memcpy(big, "Subject: x\n\n", 12);
	for (i = 100; i < sizeof big; i += 78)
		big[i] = '\n';
	check_scan("7-bit, 3 blocks", big, sizeof big, 0, IDN_HEADER_ASCII);
	big[sizeof big - 2] = (char)0x80;
	check_scan("8-bit in the last byte but one", big, sizeof big, 1, IDN_HEADER_ASCII);

	/* a header longer than a block, UTF-8 after the edge, a sequence split by it */
	memset(big, 'a', sizeof big);
	memcpy(big, "X: ", 3);
	for (i = 100; i < 2 * EDGE; i += 78)
		big[i] = '\n';
	big[EDGE - 3] = '\n';
	big[EDGE - 2] = 'Y';
	big[EDGE - 1] = (char)0xc3;	/* ü split over the edge */
	big[EDGE] = (char)0xbc;
	n = 2 * EDGE;
	big[n - 2] = '\n';
	big[n - 1] = '\n';
	check_scan("utf-8 split at the block edge", big, n + 10, 1, IDN_HEADER_UTF8);
	big[EDGE] = 'z';
	check_scan("sequence cut at the block edge", big, n + 10, 1, IDN_HEADER_8BIT);

	/* the empty line split by the edge; 8-bit body only */
	memset(big, 'a', sizeof big);
	memcpy(big, "X: ", 3);
	for (i = 100; i + 10 < EDGE; i += 78)
		big[i] = '\n';
	big[EDGE - 2] = '\n';
	big[EDGE - 1] = '\r';
	big[EDGE] = '\n';
	big[EDGE + 1] = '\r';
	big[EDGE + 2] = '\n';
	big[EDGE + 50] = (char)0xc3;
	big[EDGE + 51] = (char)0xbc;
	check_scan("CRLF CRLF split at the edge", big, EDGE + 100, 1, IDN_HEADER_ASCII);

	/* starts where fd 0's offset is, and leaves it there */
	fd = temp_with(off, sizeof off - 1);
	if (fd != -1) {
		lseek(fd, 4, SEEK_SET);
		CHECK(idn_message_scan(fd, &h8, &hh) == IDN_SCAN_DONE && h8 == 0 && hh == IDN_HEADER_ASCII,
		    "from the offset: %d %d", h8, hh);
		CHECK(lseek(fd, 0, SEEK_CUR) == 4, "offset kept");
		close(fd);
	}

	/* a pipe cannot be read twice: unknown, both 0 */
	if (pipe(pfd) == 0) {
		(void)!write(pfd[1], "Subject: h\xc3\xbc\n\n", 15);
		h8 = hh = -1;
		CHECK(idn_message_scan(pfd[0], &h8, &hh) == IDN_SCAN_UNKNOWN && h8 == 0 && hh == 0, "pipe");
		close(pfd[0]);
		close(pfd[1]);
	}
	fd = open("/dev/null", O_RDONLY);
	if (fd != -1) {
		CHECK(idn_message_scan(fd, &h8, &hh) == IDN_SCAN_UNKNOWN, "character device");
		close(fd);
	}
	CHECK(idn_message_scan(-1, &h8, &hh) == IDN_SCAN_ERROR && errno == EBADF, "bad fd");
}

/* The decision table: envelope x header x EHLO. */
enum { ASCII, DOMAINS, LOCAL };

static const struct {
	int env, has_8bit, header, smtputf8, eightbitmime;
	enum idn_action action;
	int body;
} table[] = {
	/* nothing international: classic qmail, BODY only for 8-bit with 8BITMIME */
	{ ASCII, 0, IDN_HEADER_ASCII, 0, 0, IDN_SEND, 0 },
	{ ASCII, 0, IDN_HEADER_ASCII, 1, 1, IDN_SEND, 0 },
	{ ASCII, 1, IDN_HEADER_ASCII, 0, 1, IDN_SEND, 1 },
	{ ASCII, 1, IDN_HEADER_ASCII, 1, 0, IDN_SEND, 0 },
	{ ASCII, 1, IDN_HEADER_ASCII, 0, 0, IDN_SEND, 0 },	/* sent as is (qmail) */
	{ ASCII, 1, IDN_HEADER_8BIT, 0, 1, IDN_SEND, 1 },	/* legacy raw header */
	{ ASCII, 1, IDN_HEADER_8BIT, 1, 1, IDN_SEND, 1 },
	{ ASCII, 1, IDN_HEADER_8BIT, 0, 0, IDN_SEND, 0 },
	/* UTF-8 header, ASCII envelope */
	{ ASCII, 1, IDN_HEADER_UTF8, 1, 1, IDN_SEND_SMTPUTF8, 1 },
	{ ASCII, 1, IDN_HEADER_UTF8, 1, 0, IDN_SEND_SMTPUTF8, 0 },	/* a peer breaking RFC 6531 3.1 */
	/* no SMTPUTF8: as it is, as classic qmail and Postfix send it (SPEC 10) */
	{ ASCII, 1, IDN_HEADER_UTF8, 0, 1, IDN_SEND, 1 },
	{ ASCII, 1, IDN_HEADER_UTF8, 0, 0, IDN_SEND, 0 },
	/* non-ASCII domains only */
	{ DOMAINS, 0, IDN_HEADER_ASCII, 1, 1, IDN_SEND_SMTPUTF8, 0 },
	{ DOMAINS, 1, IDN_HEADER_ASCII, 1, 1, IDN_SEND_SMTPUTF8, 1 },
	{ DOMAINS, 0, IDN_HEADER_ASCII, 0, 1, IDN_SEND_ALABELS, 0 },
	{ DOMAINS, 1, IDN_HEADER_ASCII, 0, 1, IDN_SEND_ALABELS, 1 },
	{ DOMAINS, 1, IDN_HEADER_ASCII, 0, 0, IDN_SEND_ALABELS, 0 },
	{ DOMAINS, 1, IDN_HEADER_8BIT, 0, 1, IDN_SEND_ALABELS, 1 },
	{ DOMAINS, 1, IDN_HEADER_UTF8, 1, 1, IDN_SEND_SMTPUTF8, 1 },
	{ DOMAINS, 1, IDN_HEADER_UTF8, 0, 1, IDN_SEND_ALABELS, 1 },	/* the header as it is */
	{ DOMAINS, 1, IDN_HEADER_UTF8, 0, 0, IDN_SEND_ALABELS, 0 },
	/* a non-ASCII local part (or a domain without an A-label form) */
	{ LOCAL, 0, IDN_HEADER_ASCII, 1, 1, IDN_SEND_SMTPUTF8, 0 },
	{ LOCAL, 1, IDN_HEADER_UTF8, 1, 1, IDN_SEND_SMTPUTF8, 1 },
	{ LOCAL, 1, IDN_HEADER_8BIT, 1, 1, IDN_SEND_SMTPUTF8, 1 },
	{ LOCAL, 0, IDN_HEADER_ASCII, 0, 1, IDN_REFUSE, 0 },
	{ LOCAL, 0, IDN_HEADER_ASCII, 0, 0, IDN_REFUSE, 0 },
	{ LOCAL, 1, IDN_HEADER_UTF8, 0, 1, IDN_REFUSE, 0 },
};

static void
test_decide(void)
{
	static const struct idn_envelope envs[] = {
		[ASCII] = { 0, 0, -1, NULL, NULL },
		[DOMAINS] = { 1, 1, 1, "a non-ASCII domain", NULL },
		[LOCAL] = { 1, 0, 1, "a non-ASCII local part", NULL },
	};
	struct idn_decision d;
	size_t i;

	for (i = 0; i < sizeof table / sizeof table[0]; ++i) {
		d = idn_decide(&envs[table[i].env], table[i].has_8bit, table[i].header,
		    table[i].smtputf8, table[i].eightbitmime);
		CHECK(d.action == table[i].action && d.body_8bitmime == table[i].body,
		    "decide row %zu: action %d body %d, want %d %d", i, (int)d.action, d.body_8bitmime,
		    (int)table[i].action, table[i].body);
		CHECK((d.why == NULL) == (table[i].env == ASCII && table[i].header != IDN_HEADER_UTF8),
		    "decide row %zu: why", i);
	}
	d = idn_decide(&envs[ASCII], 1, IDN_HEADER_UTF8, 0, 1);
	CHECK(d.why && strstr(d.why, "header") && strstr(d.why, "as it is"),
	    "a UTF-8 header without SMTPUTF8 is named, and sent");
	d = idn_decide(&envs[ASCII], 1, IDN_HEADER_UTF8, 1, 1);
	CHECK(d.why && strstr(d.why, "header"), "the header is named when it asks for SMTPUTF8");
	d = idn_decide(&envs[LOCAL], 0, IDN_HEADER_ASCII, 0, 1);
	CHECK(d.why && strstr(d.why, "local part"), "the local part is named");
}

int
main(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(tmpdir_path, sizeof tmpdir_path, "%s", t && *t ? t : "/tmp");
	test_hosts();
	test_addresses();
	test_envelope();
	test_scan();
	test_decide();
	return check_done();
}
