/*
 * check.h -- the smallest test harness: CHECK(cond, ...) counts and prints
 * failures; check_done() prints "N passed, N failed" and sets the exit code.
 */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>

static int check_passed, check_failed;

#define CHECK(cond, ...) do { \
	if (cond) { ++check_passed; } else { ++check_failed; \
		fprintf(stdout, "FAIL %s:%d: ", __FILE__, __LINE__); \
		fprintf(stdout, __VA_ARGS__); fputc('\n', stdout); } \
} while (0)

static int
check_done(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
