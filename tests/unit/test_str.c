/*
 * test_str.c -- bounded string building: exact copies, truncation at
 * every buffer size (always terminated, never past the end), appends to a
 * full buffer, decimals from 0 to 2^64-1.
 */
#include <string.h>
#include "check.h"
#include "str.h"

int
main(void)
{
	char buf[32], guard[64];
	size_t size, n;

	n = str_copy(buf, sizeof buf, "hello");
	CHECK(n == 5 && strcmp(buf, "hello") == 0, "copy: %zu '%s'", n, buf);
	n = str_append(buf, sizeof buf, n, ", world");
	CHECK(n == 12 && strcmp(buf, "hello, world") == 0, "append: %zu '%s'", n, buf);
	for (size = 1; size <= 20; size++) {
		memset(guard, '#', sizeof guard);
		n = str_append(guard, size, str_copy(guard, size, "0123456789"), "abcdefghij");
		CHECK(n == size - 1 && guard[n] == '\0' && guard[size] == '#' &&
		    memcmp(guard, "0123456789abcdefghij", n) == 0,
		    "size %zu: length %zu '%.*s'", size, n, (int)n, guard);
	}
	CHECK(str_copy(guard, 0, "x") == 0 && guard[0] == '0', "size 0 wrote");
	n = str_append(buf, 4, 10, "x");	/* a length past the buffer */
	CHECK(n == 3 && buf[3] == '\0', "length past size: %zu", n);
	n = str_append_ulong(buf, sizeof buf, str_copy(buf, sizeof buf, "SIZE="), 0);
	CHECK(n == 6 && strcmp(buf, "SIZE=0") == 0, "0: '%s'", buf);
	n = str_append_ulong(buf, sizeof buf, 0, 18446744073709551615ULL);
	CHECK(n == 20 && strcmp(buf, "18446744073709551615") == 0, "max: '%s'", buf);
	n = str_append_ulong(buf, 8, 0, 1234567890ULL);
	CHECK(n == 7 && strcmp(buf, "1234567") == 0, "cut number: '%s'", buf);
	return check_done();
}
