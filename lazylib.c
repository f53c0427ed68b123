/*
 * lazylib.c -- maps a shared library on first use and resolves the
 * functions a module calls through its own table (see lazylib.h). Not
 * here: which library or functions (ossl.c, idn.c), the static build.
 */
#include <dlfcn.h>
#include "lazylib.h"
#include "trace.h"

int
lazylib_open(const char *soname, const struct lazylib_sym *syms, size_t n, const char *what,
    void **handle)
{
	size_t i;

	*handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!*handle) {
		TRACE("%s: cannot load %s: %s", what, soname, dlerror());
		return -1;
	}
	for (i = 0; i < n; ++i)
		if (!(*syms[i].slot = dlsym(*handle, syms[i].name))) {
			TRACE("%s: %s lacks %s", what, soname, syms[i].name);
			return -1;
		}
	return 0;
}
