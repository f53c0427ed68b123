/*
 * test_tcpto.c -- the timeout tables. The classic IPv4 table in qmail's
 * format: record layout byte for byte (what qmail-tcpto prints and
 * qmail-tcpok clears), the two-timeouts rule, success clearing an entry, a
 * full table replacing its stalest entry, bytes outside the fields left as
 * they were. The IPv6 side table (tcpto6, 32-byte records) with the same
 * rules, without changing one byte of the IPv4 file; ::ffff:a.b.c.d counted
 * as a.b.c.d in the classic table; a missing or short file switching its
 * table off.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "check.h"
#include "tcpto.h"

static char dir[] = "/tmp/test_tcpto.XXXXXX";
static char path[64], path6[64];
static unsigned char table[1024], table6[2048], saved[1024];

static void
make(const char *p, size_t size)
{
	static const unsigned char zero[2048];
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	(void)!write(fd, zero, size);	/* qmail's install (and ours for tcpto6) makes it so */
	close(fd);
}

static void
load(void)
{
	int fd = open(path, O_RDONLY);

	memset(table, 0xee, sizeof table);
	(void)!read(fd, table, sizeof table);
	close(fd);
	fd = open(path6, O_RDONLY);
	memset(table6, 0xee, sizeof table6);
	if (fd >= 0) {
		(void)!read(fd, table6, sizeof table6);
		close(fd);
	}
}

static unsigned long long
le(const unsigned char *p, int n)
{
	unsigned long long w = 0;

	while (n-- > 0)
		w = w << 8 | p[n];
	return w;
}

/* Makes record i's last timeout 300 s old, as later runs would see it. */
static void
age(const char *p, size_t recsize, size_t off, int n, int i)
{
	unsigned char rec[32];
	unsigned long long t;
	int fd = open(p, O_RDWR), k;

	(void)!pread(fd, rec, recsize, (off_t)(i * recsize));
	t = le(rec + off, n) - 300;
	for (k = 0; k < n; ++k, t >>= 8)
		rec[off + k] = (unsigned char)t;
	(void)!pwrite(fd, rec, recsize, (off_t)(i * recsize));
	close(fd);
}

static int
find6(const struct ip_address *ip)
{
	int i;

	for (i = 0; i < 64; ++i)
		if (memcmp(table6 + i * 32, ip->addr, 16) == 0)
			return i;
	return -1;
}

static void
test_classic(const struct ip_address *a, const struct ip_address *b)
{
	unsigned long now = (unsigned long)time(NULL);
	unsigned char *rec;
	int i, fd;

	CHECK(!tcpto_skip(a), "empty table: try");
	tcpto_record(a, 1);
	load();
	CHECK(memcmp(table, a->addr, 4) == 0 && table[4] == 1, "first timeout recorded in record 0");
	CHECK(le(table + 8, 4) + 2 >= now && le(table + 8, 4) <= now + 2, "time of the timeout, little endian");
	CHECK(!tcpto_skip(a), "one timeout: still try");
	tcpto_record(a, 1);
	load();
	CHECK(table[4] == 1, "a second timeout within 2 minutes is the same event");
	age(path, 16, 8, 4, 0);
	tcpto_record(a, 1);
	load();
	CHECK(table[4] == 2, "second timeout counted");
	CHECK(tcpto_skip(a), "two recent timeouts: skip");
	CHECK(!tcpto_skip(b), "another address: try");
	(void)tcpto_skip(a);	/* as qmail-remote does: look, connect, record */
	tcpto_record(a, 0);
	load();
	CHECK(table[4] == 0 && memcmp(table, a->addr, 4) == 0, "success clears the count (qmail-tcpok's effect)");
	CHECK(!tcpto_skip(a), "cleared: try");

	/* qmail writes the address, the count and the time, nothing else */
	fd = open(path, O_RDWR);
	rec = table;
	memset(rec + 5, 0x5a, 3);
	memset(rec + 12, 0xa5, 4);
	(void)!pwrite(fd, rec, 16, 0);
	close(fd);
	tcpto_record(b, 1);
	load();
	CHECK(memcmp(rec, b->addr, 4) == 0 && rec[4] == 1,
	    "a new address takes the first record with count 0 (a's, cleared), as qmail");
	CHECK(rec[5] == 0x5a && rec[7] == 0x5a && rec[12] == 0xa5 && rec[15] == 0xa5,
	    "bytes 5-7 and 12-15 are left as they were, as qmail does");

	/* fill every record, then one more replaces the stalest */
	for (i = 0; i < 64; ++i) {
		struct ip_address x = *a;
		x.addr[2] = 7;
		x.addr[3] = (unsigned char)(10 + i);
		tcpto_record(&x, 1);
	}
	load();
	CHECK(table[63 * 16 + 4] == 1, "table filled");
	age(path, 16, 8, 4, 40);
	{
		struct ip_address y = *a;
		y.addr[3] = 250;
		tcpto_record(&y, 1);
		load();
		CHECK(memcmp(table + 40 * 16, y.addr, 4) == 0 && table[40 * 16 + 4] == 1,
		    "full table: a new address replaces the stalest entry");
	}
}

static void
test_v6(const struct ip_address *c, const struct ip_address *d)
{
	unsigned long long now = (unsigned long long)time(NULL);
	int i, k;

	memcpy(saved, table, sizeof saved);	/* the IPv4 file as the classic tests left it */
	CHECK(!tcpto_skip(c), "IPv6, empty table: try");
	tcpto_record(c, 1);
	load();
	CHECK(memcmp(table6, c->addr, 16) == 0 && table6[16] == 1, "IPv6 timeout recorded in record 0");
	CHECK(le(table6 + 24, 8) + 2 >= now && le(table6 + 24, 8) <= now + 2, "time: bytes 24-31, little endian");
	for (k = 17; k < 24 && table6[k] == 0; ++k)
		;
	CHECK(k == 24, "bytes 17-23 stay 0");
	CHECK(!tcpto_skip(c), "IPv6, one timeout: still try");
	tcpto_record(c, 1);
	load();
	CHECK(table6[16] == 1, "IPv6: a second timeout within 2 minutes is the same event");
	age(path6, 32, 24, 8, 0);
	tcpto_record(c, 1);
	load();
	CHECK(table6[16] == 2, "IPv6: second timeout counted");
	CHECK(tcpto_skip(c), "IPv6: two recent timeouts: skip");
	CHECK(!tcpto_skip(d), "another IPv6 address: try");
	(void)tcpto_skip(c);
	tcpto_record(c, 0);
	load();
	CHECK(table6[16] == 0 && memcmp(table6, c->addr, 16) == 0, "IPv6: success clears the count");
	CHECK(!tcpto_skip(c), "IPv6 cleared: try");

	for (i = 0; i < 64; ++i) {
		struct ip_address x = *c;
		x.addr[14] = 7;
		x.addr[15] = (unsigned char)i;
		tcpto_record(&x, 1);
	}
	load();
	CHECK(table6[63 * 32 + 16] == 1, "IPv6 table filled (64 records of 32 bytes)");
	age(path6, 32, 24, 8, 17);
	tcpto_record(d, 1);
	load();
	CHECK(find6(d) == 17, "IPv6, full table: a new address replaces the stalest entry");
	CHECK(memcmp(table, saved, sizeof saved) == 0, "the IPv4 file is byte for byte as before all this");
}

static void
test_mapped(void)
{
	struct ip_address m, v;
	int i;

	ip_scan("::ffff:192.0.2.77", &m);
	ip_scan("192.0.2.77", &v);
	load();
	memcpy(saved, table6, sizeof saved);
	tcpto_record(&m, 1);
	load();
	for (i = 0; i < 64 && memcmp(table + i * 16, v.addr, 4) != 0; ++i)
		;
	CHECK(i < 64 && table[i * 16 + 4] == 1, "::ffff:192.0.2.77 counts as 192.0.2.77");
	if (i == 64)
		return;
	age(path, 16, 8, 4, i);
	tcpto_record(&v, 1);
	load();
	CHECK(table[i * 16 + 4] == 2, "the IPv4 form and the mapped form are one entry");
	CHECK(tcpto_skip(&m) && tcpto_skip(&v), "both forms skipped");
	CHECK(memcmp(table6, saved, sizeof saved) == 0, "the IPv6 file is not touched by a mapped address");
}

int
main(void)
{
	struct ip_address a, b, c, d;
	struct stat st;

	if (!mkdtemp(dir))
		return 1;
	strcat(strcpy(path, dir), "/tcpto");
	strcat(strcpy(path6, dir), "/tcpto6");
	make(path, 1024);
	make(path6, 2048);
	tcpto_path(path);
	ip_scan("192.0.2.1", &a);
	ip_scan("192.0.2.2", &b);
	ip_scan("2001:db8::1", &c);
	ip_scan("2001:db8:1::2", &d);

	test_classic(&a, &b);
	test_v6(&c, &d);
	test_mapped();

	/* a missing side file switches IPv6 off and is not created; IPv4 goes on */
	unlink(path6);
	ip_scan("2001:db8:2::3", &c);
	tcpto_record(&c, 1);
	CHECK(!tcpto_skip(&c) && stat(path6, &st) != 0, "no tcpto6: IPv6 off, nothing created");
	ip_scan("192.0.2.200", &a);
	tcpto_record(&a, 1);
	load();
	{
		int i;
		for (i = 0; i < 64 && memcmp(table + i * 16, a.addr, 4) != 0; ++i)
			;
		CHECK(i < 64, "no tcpto6: IPv4 still recorded");
	}
	/* shorter than one record: off */
	make(path6, 31);
	tcpto_record(&c, 1);
	load();
	CHECK(stat(path6, &st) == 0 && st.st_size == 31 && table6[0] == 0, "tcpto6 of 31 bytes: off, unchanged");
	unlink(path);
	unlink(path6);
	tcpto_record(&b, 1);
	CHECK(!tcpto_skip(&b), "no table: switched off");
	rmdir(dir);
	return check_done();
}
