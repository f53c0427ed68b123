/*
 * ossl.c -- sets OpenSSL 3 up on first use (see ossl.h for why). Linked
 * dynamically: one dlopen of libssl.so.3, whose dependency libcrypto.so.3
 * comes along, and a dlsym per function (the default build). Linked
 * statically (QR_STATIC, make STATIC=yes): the table points at the
 * linked-in functions. Either way
 * OPENSSL_init_crypto() is the first call. Not here: any use of OpenSSL
 * (tls.c, auth.c).
 */
#define OSSL_NO_REDIRECT
#define OPENSSL_SUPPRESS_DEPRECATED	/* the ERR_load_*_strings, below */
#include <dlfcn.h>
#include <stddef.h>
#include "lazylib.h"
#include "ossl.h"
#include "trace.h"

#define OSSL_LIBRARY	"libssl.so.3"	/* the OpenSSL 3 ABI (Debian's libssl3) */
#ifdef QR_STATIC
#define OSSL_FROM	"linked in"
const char ossl_unavailable[] = "OpenSSL 3 could not be initialised";
#else
#define OSSL_FROM	OSSL_LIBRARY
const char ossl_unavailable[] = "OpenSSL 3 (" OSSL_LIBRARY ") could not be loaded";
#endif

struct ossl_api ossl_api;
static int state;	/* 0 not tried, 1 loaded, -1 failed */

/* libcrypto's error texts, by library, for ossl_reason(): the ones a TLS
 * set-up or handshake can raise (libssl's own load at initialisation) */
#define OSSL_STRING_LOADERS(F) \
	F(ERR_load_ERR_strings) F(ERR_load_X509_strings) F(ERR_load_X509V3_strings) \
	F(ERR_load_PEM_strings) F(ERR_load_EVP_strings) F(ERR_load_ASN1_strings) \
	F(ERR_load_BIO_strings) F(ERR_load_EC_strings) F(ERR_load_RSA_strings) \
	F(ERR_load_CRYPTO_strings) F(ERR_load_DH_strings) F(ERR_load_BN_strings)

#ifdef QR_STATIC
/* linked in (the static build): the table points at the functions themselves */
static int
open_library(void)
{
#define OSSL_RESOLVE(name) ossl_api.name = &(name);
	OSSL_FUNCTIONS(OSSL_RESOLVE)
#undef OSSL_RESOLVE
	return 0;
}

static void
load_error_texts(void)
{
#define OSSL_CALL(name) (void)name();
	OSSL_STRING_LOADERS(OSSL_CALL)
#undef OSSL_CALL
}
#else
static void *lib;	/* libssl.so.3, once loaded */

static int
open_library(void)
{
#define OSSL_SYM(name) { #name, (void **)&ossl_api.name },
	static const struct lazylib_sym syms[] = { OSSL_FUNCTIONS(OSSL_SYM) };
#undef OSSL_SYM

	return lazylib_open(OSSL_LIBRARY, syms, sizeof syms / sizeof syms[0], "tls", &lib);
}

/* looked up only when a failure first needs a text; one missing costs
 * only its texts */
static void
load_error_texts(void)
{
#define OSSL_NAME(name) #name,
	static const char *const loaders[] = { OSSL_STRING_LOADERS(OSSL_NAME) };
#undef OSSL_NAME

	for (size_t i = 0; i < sizeof loaders / sizeof *loaders; i++) {
		int (*load)(void);

		*(void **)&load = dlsym(lib, loaders[i]);
		if (load)
			load();
	}
}
#endif

int
ossl_load(void)
{

	if (state)
		return state > 0 ? 0 : -1;
	state = -1;
	if (open_library() != 0)
		return -1;
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
	/* which OpenSSL: for a static build, whether it has a security fix */
	TRACE("tls: %s (%s)", ossl_api.OpenSSL_version(OPENSSL_VERSION), OSSL_FROM);
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
		/* only now (a delivery that goes well never needs them); they
		 * load straight into the error table, whatever the
		 * initialisation flags said */
		load_error_texts();
		loaded = 1;
	}
	return ossl_api.ERR_reason_error_string(e);
}
