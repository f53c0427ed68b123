/*
 * lazylib.h -- a shared library mapped on first use (OpenSSL in ossl.c,
 * libidn2 in idn.c): one dlopen, then a dlsym per function into a table
 * whose slots carry the headers' own prototypes. Ordinary mail never maps
 * either library. The static build (QR_STATIC) fills the same tables with
 * the linked-in functions' addresses and never calls this.
 */
#ifndef LAZYLIB_H
#define LAZYLIB_H

#include <stddef.h>

struct lazylib_sym {
	const char *name;
	void **slot;		/* where the function's address goes */
};

/*
 * Maps soname (RTLD_NOW, RTLD_LOCAL: nothing of it leaks into other
 * lookups) and resolves each of the n names into its slot. 0, or -1 with
 * the reason traced under what ("tls", "idn"). *handle: the library, for
 * later lookups (NULL when it could not be mapped).
 */
int lazylib_open(const char *soname, const struct lazylib_sym *syms, size_t n, const char *what,
    void **handle);

#endif
