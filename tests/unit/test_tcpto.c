/*
 * test_tcpto.c -- the timeout table in qmail's format: record layout
 * byte for byte (what qmail-tcpto prints and qmail-tcpok clears), the
 * two-timeouts rule, success clearing an entry, a full table replacing
 * its stalest entry, IPv6 left out, a missing table switched off.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "check.h"
#include "tcpto.h"

static char path[] = "/tmp/test_tcpto.XXXXXX";
static unsigned char table[1024];

static void
load(void)
{
	int fd = open(path, O_RDONLY);

	memset(table, 0xee, sizeof table);
	(void)!read(fd, table, sizeof table);
	close(fd);
}

static unsigned long
when(const unsigned char *rec)
{
	return (unsigned long)rec[8] | (unsigned long)rec[9] << 8 |
	    (unsigned long)rec[10] << 16 | (unsigned long)rec[11] << 24;
}

int
main(void)
{
	struct ip_address a, b, v6;
	unsigned long now = (unsigned long)time(NULL);
	int fd, i;

	fd = mkstemp(path);
	memset(table, 0, sizeof table);
	(void)!write(fd, table, sizeof table);	/* qmail's install makes it so */
	close(fd);
	tcpto_path(path);
	ip_scan("192.0.2.1", &a);
	ip_scan("192.0.2.2", &b);
	ip_scan("2001:db8::1", &v6);

	CHECK(!tcpto_skip(&a), "empty table: try");
	tcpto_record(&a, 1);
	load();
	CHECK(memcmp(table, a.addr, 4) == 0 && table[4] == 1, "first timeout recorded in record 0");
	CHECK(when(table) + 2 >= now && when(table) <= now + 2, "time of the timeout, little endian");
	CHECK(!tcpto_skip(&a), "one timeout: still try");
	tcpto_record(&a, 1);
	load();
	CHECK(table[4] == 1, "a second timeout within 2 minutes is the same event");
	/* make the first timeout old, as qmail-tcpto would see it later */
	fd = open(path, O_RDWR);
	table[8] = (unsigned char)(now - 300);
	table[9] = (unsigned char)((now - 300) >> 8);
	table[10] = (unsigned char)((now - 300) >> 16);
	table[11] = (unsigned char)((now - 300) >> 24);
	(void)!pwrite(fd, table, 16, 0);
	close(fd);
	tcpto_record(&a, 1);
	load();
	CHECK(table[4] == 2, "second timeout counted");
	CHECK(tcpto_skip(&a), "two recent timeouts: skip");
	CHECK(!tcpto_skip(&b), "another address: try");
	(void)tcpto_skip(&a);	/* as qmail-remote does: look, connect, record */
	tcpto_record(&a, 0);
	load();
	CHECK(table[4] == 0 && memcmp(table, a.addr, 4) == 0, "success clears the count (qmail-tcpok's effect)");
	CHECK(!tcpto_skip(&a), "cleared: try");

	/* fill every record, then one more replaces the stalest */
	for (i = 0; i < 64; ++i) {
		struct ip_address x = a;
		x.addr[3] = (unsigned char)(10 + i);
		tcpto_record(&x, 1);
	}
	load();
	CHECK(table[63 * 16 + 4] == 1, "table filled");
	tcpto_record(&b, 1);
	load();
	for (i = 0; i < 64; ++i)
		if (memcmp(table + i * 16, b.addr, 4) == 0)
			break;
	CHECK(i < 64, "full table: a new address replaces an entry");

	tcpto_record(&v6, 1);
	tcpto_record(&v6, 1);
	CHECK(!tcpto_skip(&v6), "IPv6 is not recorded");
	unlink(path);
	tcpto_record(&a, 1);
	CHECK(!tcpto_skip(&a), "no table: switched off");
	return check_done();
}
