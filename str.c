/*
 * str.c -- bounded string building (see str.h). Not here: formats,
 * allocation.
 */
#include <string.h>
#include "str.h"

size_t
str_append(char *dst, size_t size, size_t len, const char *src)
{
	size_t n;

	if (size == 0)
		return 0;
	if (len >= size)
		len = size - 1;
	n = strnlen(src, size - 1 - len);
	memcpy(dst + len, src, n);
	dst[len + n] = '\0';
	return len + n;
}

size_t
str_copy(char *dst, size_t size, const char *src)
{
	return str_append(dst, size, 0, src);
}

size_t
str_append_ulong(char *dst, size_t size, size_t len, unsigned long long n)
{
	char digits[21];	/* 2^64 - 1 has 20 */
	size_t i = sizeof digits - 1;

	digits[i] = '\0';
	do {
		digits[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	return str_append(dst, size, len, digits + i);
}
