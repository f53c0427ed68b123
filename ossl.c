/*
 * ossl.c -- loads OpenSSL 3 on first use (see ossl.h for why): one dlopen
 * of libssl.so.3, whose dependency libcrypto.so.3 comes along, and a
 * dlsym per function. Not here: any use of OpenSSL (tls.c, auth.c).
 */
#define OSSL_NO_REDIRECT
#include <dlfcn.h>
#include <stddef.h>
#include "ossl.h"
#include "trace.h"

#define OSSL_LIBRARY	"libssl.so.3"	/* the OpenSSL 3 ABI (Debian's libssl3) */

struct ossl_api ossl_api;
static int state;	/* 0 not tried, 1 loaded, -1 failed */

int
ossl_load(void)
{
	void *lib;

	if (state)
		return state > 0 ? 0 : -1;
	state = -1;
	lib = dlopen(OSSL_LIBRARY, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		TRACE("tls: cannot load %s: %s", OSSL_LIBRARY, dlerror());
		return -1;
	}
#define OSSL_RESOLVE(name) \
	if (!(*(void **)&ossl_api.name = dlsym(lib, #name))) { \
		TRACE("tls: %s lacks %s", OSSL_LIBRARY, #name); \
		return -1; \
	}
	OSSL_FUNCTIONS(OSSL_RESOLVE)
#undef OSSL_RESOLVE
	/* before any other call: never read openssl.cnf or $OPENSSL_CONF,
	 * which could change what is accepted (nothing in the environment
	 * may weaken TLS) */
	if (!ossl_api.OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL))
		return -1;
	state = 1;
	return 0;
}
