/*
 * fuzz_idn.c -- libFuzzer target for idn.c. The input is a host name, an
 * address, an envelope (NUL-separated addresses) and a message, all at
 * once. Never a crash; on success the host is NUL-terminated printable
 * ASCII within the buffer, an address keeps its local part and gets an
 * ASCII domain, a failure leaves "" and a reason; the converted name
 * converts to itself and has a one form (name_form()); when the envelope
 * says "domains only", every address converts; the message scan agrees
 * with a byte-at-a-time reference. Buffers are malloc'ed at their exact
 * size so that ASan sees one byte too many.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* dlsym(RTLD_NEXT), memfd_create */
#endif
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "idn.h"
#include "name.h"

#define FUZZ_NAMES_MAX	16	/* addresses taken from one input */

static void
must(int cond)
{
	if (!cond)
		__builtin_trap();
}

static int
printable_ascii(const char *s)
{
	for (; *s; ++s)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

static void
host(const char *in, size_t size)
{
	char *out = malloc(size), again[IDN_HOST_SIZE];
	const char *why = NULL;
	struct name one;
	int r;

	if (out == NULL)
		return;
	r = idn_host_to_ascii(in, out, size, &why);
	if (r == 0) {
		must(strnlen(out, size) < size);
		must(printable_ascii(out));
		must(strlen(out) <= DNS_NAME_MAX + 1);
		/* a host this takes has a one form (qmail-remote.c's setup()
		 * counts on it), and libidn2 is not needed again for it */
		must(name_form(out, &one, NULL) == 0 && one.kind != NAME_NONE);
		/* what we send to DNS, fed back, is itself */
		if (size >= IDN_HOST_SIZE) {
			why = NULL;
			must(idn_host_to_ascii(out, again, sizeof again, &why) == 0);
			must(out[0] == '[' || strcmp(out, again) == 0);
		}
	} else {
		must(r == -1 && why != NULL);
		must(size == 0 || out[0] == '\0');
	}
	free(out);
}

static void
address(const char *in, size_t size)
{
	char *out = malloc(size);
	const char *why = NULL, *at, *oat;
	size_t local;
	int r;

	if (out == NULL)
		return;
	r = idn_address_to_ascii(in, out, size, &why);
	if (r == 0) {
		must(strnlen(out, size) < size);
		at = strrchr(in, '@');
		if (at == NULL) {
			must(strcmp(in, out) == 0);
		} else {
			local = (size_t)(at - in);
			must(strncmp(in, out, local + 1) == 0);	/* local part kept */
			oat = out + local;
			must(*oat == '@');
			if (strcmp(at, oat) != 0)
				must(printable_ascii(oat + 1));
		}
	} else {
		must(r == -1 && why != NULL);
		must(size == 0 || out[0] == '\0');
	}
	free(out);
}

/* The message scan, the slow and obvious way. */
static void
reference_scan(const uint8_t *d, size_t n, int *has_8bit, int *header)
{
	size_t i, end = n, hb = 0;
	int at_start = 1, after_cr = 0, h8 = 0, bad = 0;

	for (i = 0; i < n; ++i) {
		if (d[i] == '\n' && after_cr) {
			after_cr = 0;
			continue;
		}
		if (d[i] == '\n' || d[i] == '\r') {
			if (at_start) {
				end = i;
				break;
			}
			at_start = 1;
			after_cr = d[i] == '\r';
			continue;
		}
		at_start = after_cr = 0;
	}
	hb = end;
	*has_8bit = 0;
	for (i = 0; i < n; ++i)
		if (d[i] >= 0x80)
			*has_8bit = 1;
	for (i = 0; i < hb; ++i)
		if (d[i] >= 0x80)
			h8 = 1;
	/* RFC 3629 well-formedness of the header bytes, one sequence at a time */
	for (i = 0; i < hb && !bad;) {
		uint8_t b = d[i];
		size_t k, len;
		unsigned lo = 0x80, hi = 0xbf;

		if (b < 0x80) {
			++i;
			continue;
		}
		if (b >= 0xc2 && b <= 0xdf)
			len = 2;
		else if (b >= 0xe0 && b <= 0xef)
			len = 3, lo = b == 0xe0 ? 0xa0 : 0x80, hi = b == 0xed ? 0x9f : 0xbf;
		else if (b >= 0xf0 && b <= 0xf4)
			len = 4, lo = b == 0xf0 ? 0x90 : 0x80, hi = b == 0xf4 ? 0x8f : 0xbf;
		else {
			bad = 1;
			break;
		}
		if (i + len > hb) {
			bad = 1;
			break;
		}
		for (k = 1; k < len; ++k) {
			if (d[i + k] < (k == 1 ? lo : 0x80) || d[i + k] > (k == 1 ? hi : 0xbf))
				bad = 1;
		}
		i += len;
	}
	*header = !h8 ? IDN_HEADER_ASCII : bad ? IDN_HEADER_8BIT : IDN_HEADER_UTF8;
}

static void
scan(const uint8_t *data, size_t size)
{
	static int fd = -1;
	int h8, hh, r8, rh;

	if (fd == -1 && (fd = memfd_create("fuzz_idn", 0)) == -1)
		return;
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		return;
	must(idn_message_scan(fd, &h8, &hh) == IDN_SCAN_DONE);
	must(lseek(fd, 0, SEEK_CUR) == 0);
	reference_scan(data, size, &r8, &rh);
	must(h8 == r8 && hh == rh);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[8192];
	char *recips[FUZZ_NAMES_MAX], *p;
	struct idn_envelope env;
	static char conv[IDN_ADDRESS_SIZE];
	struct idn_decision d;
	const char *why;
	size_t n, len, i, outsize;

	if (size == 0 || size >= sizeof text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* the first byte picks a buffer size: exact, tiny, or the usual */
	outsize = data[0] & 0x80 ? (size_t)(data[0] & 0x3f) : IDN_HOST_SIZE;
	host(text + 1, outsize);
	address(text + 1, data[0] & 0x80 ? outsize : IDN_ADDRESS_SIZE);

	/* the envelope: NUL-separated addresses */
	for (n = 0, p = text + 1; n < FUZZ_NAMES_MAX && p < text + size; p += len + 1) {
		len = strlen(p);
		recips[n++] = p;
	}
	if (n > 0) {
		idn_envelope_scan(&env, recips[0], recips + 1, n - 1);
		must(!env.domains_only || env.needs_smtputf8);
		must(env.needs_smtputf8 == (env.why != NULL));
		must(env.culprit >= -1 && env.culprit < (int)n);
		if (env.domains_only)	/* the A-label fallback cannot fail later */
			for (i = 0; i < n; ++i)
				must(idn_address_to_ascii(recips[i], conv, sizeof conv, &why) == 0);
		for (i = 0; i < 32; ++i) {
			d = idn_decide(&env, i & 1, (int)(i >> 1 & 3) % 3, (int)(i >> 3 & 1), (int)(i >> 4 & 1));
			must(d.action >= IDN_SEND && d.action <= IDN_REFUSE);
			must(d.action != IDN_SEND_ALABELS || env.domains_only);
		}
	}
	scan(data, size);
	return 0;
}
