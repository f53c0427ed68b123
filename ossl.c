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
static void *lib;	/* libssl.so.3, once loaded */

/* libcrypto's error texts, by library, for ossl_reason(): the ones a TLS
 * set-up or handshake can raise (libssl's own load at initialisation) */
static const char *const string_loaders[] = {
	"ERR_load_ERR_strings", "ERR_load_X509_strings", "ERR_load_X509V3_strings",
	"ERR_load_PEM_strings", "ERR_load_EVP_strings", "ERR_load_ASN1_strings",
	"ERR_load_BIO_strings", "ERR_load_EC_strings", "ERR_load_RSA_strings",
	"ERR_load_CRYPTO_strings", "ERR_load_DH_strings", "ERR_load_BN_strings",
};

int
ossl_load(void)
{

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
	 * may weaken TLS). libcrypto's error texts (loaded when a failure
	 * needs one, below) and the cleanup at exit (the process ends anyway)
	 * cost about half a millisecond per delivery. The legacy name tables
	 * of ciphers and digests stay: DANE finds its digests by NID there,
	 * and a traditional encrypted PEM key its cipher by name. */
	if (!ossl_api.OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG |
	    OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS | OPENSSL_INIT_NO_ATEXIT, NULL))
		return -1;
	state = 1;
	return 0;
}

const char *
ossl_reason(unsigned long e)
{
	static int loaded;

	if (state <= 0 || !e)
		return NULL;
	if (!loaded) {
		/* looked up only now (a delivery that goes well never needs
		 * them); they load straight into the error table, whatever the
		 * initialisation flags said; one missing costs only its texts */
		for (size_t i = 0; i < sizeof string_loaders / sizeof *string_loaders; i++) {
			int (*load)(void);

			*(void **)&load = dlsym(lib, string_loaders[i]);
			if (load)
				load();
		}
		loaded = 1;
	}
	return ossl_api.ERR_reason_error_string(e);
}
