/*
 * tls.c -- TLS under a struct conn, with OpenSSL 3: carries out the
 * policy tlspolicy.c decided for a peer. Runs the handshake within the
 * deadline, checks the peer as the policy demands -- chain and name with
 * OpenSSL's verifier (X509_VERIFY_PARAM_set1_host), pins with
 * X509_digest, DANE with OpenSSL's SSL_dane_* -- and then replaces the
 * conn's ops, so smtp.c and qmtp.c read and write as before. A failure is
 * a report, never a silent fall back to plaintext. CA material is loaded
 * only when a check needs it.
 * Not here: what the policy is (tlspolicy.c), STARTTLS itself and "next
 * MX" (smtp.c, qmail-remote.c), TLSA lookups (dns.c).
 */
#include <dirent.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <strings.h>
#include "ip.h"
#include "ossl.h"
#include "str.h"
#include "tls.h"
#include "trace.h"

static int initialised;	/* OpenSSL loaded and set up: once per process */

/* --- the ops that replace plain reads and writes --- */

static ssize_t
ssl_result(SSL *ssl, int r, size_t done, int *want)
{
	*want = 0;
	if (r == 1)
		return (ssize_t)done;
	switch (SSL_get_error(ssl, r)) {
	case SSL_ERROR_WANT_READ:
		*want = POLLIN;
		return -1;
	case SSL_ERROR_WANT_WRITE:
		*want = POLLOUT;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	default:
		if (trace_on) {
			const char *why = ossl_reason(ERR_peek_last_error());

			TRACE("tls: %s", why ? why : "I/O error");
		}
		return -1;
	}
}

static ssize_t
tls_read(struct conn *c, char *buf, size_t len, int *want)
{
	size_t got = 0;
	int r = SSL_read_ex(c->ctx, buf, len, &got);
	ssize_t s = ssl_result(c->ctx, r, got, want);

	return s;
}

static ssize_t
tls_write(struct conn *c, const char *buf, size_t len, int *want)
{
	size_t done = 0;
	int r = SSL_write_ex(c->ctx, buf, len, &done);

	return ssl_result(c->ctx, r, done, want);
}

static const struct conn_ops tls_ops = { tls_read, tls_write };

/* --- the handshake and the checks --- */

static int
password_cb(char *buf, int size, int rwflag, void *userdata)
{
	const char *pass = userdata;
	size_t n = pass ? strlen(pass) : 0;

	(void)rwflag;
	if (n == 0 || n > (size_t)size)
		return 0;	/* no password: the key stays locked, a clear report */
	memcpy(buf, pass, n);	/* NOLINT(bugprone-not-null-terminated-result): OpenSSL takes the length returned */
	return (int)n;
}

static int
accept_for_now(int ok, X509_STORE_CTX *store)
{
	(void)ok;
	(void)store;
	return 1;	/* the outcome is read from SSL_get_verify_result() */
}

static int
fail_tls(struct outcome *f, enum report_text text, const char *detail)
{
	outcome_set(f, 'Z', text, detail);
	return -1;
}

static const char *
openssl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = ossl_reason(e);

	return r ? r : "handshake failed";
}

/*
 * Anonymous (aNULL) ciphers have no certificate, so they can serve only a
 * connection whose policy checks none: never a verified, pinned or DANE
 * one, whatever a '-' default line says (seed 000: '-' allows them, it
 * does not weaken what a named line or a TLSA record demands).
 */
static int
anon_allowed(const struct tls_policy *pol)
{
	return pol->allow_anon && pol->level <= TLS_ENCRYPT && !pol->fingerprint && pol->tlsa_count == 0;
}

/* Does dir hold a name as c_rehash (update-ca-certificates) makes them,
 * "<8 hex digits>.<digit>", the names OpenSSL's directory lookup asks for? */
static int
has_hashed_names(const char *dir)
{
	DIR *d = opendir(dir);
	const struct dirent *e;
	const char *n;
	int i, found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		n = e->d_name;
		for (i = 0; i < 8 && ((n[i] >= '0' && n[i] <= '9') || (n[i] >= 'a' && n[i] <= 'f')); ++i)
			;
		found = i == 8 && n[8] == '.' && n[9] >= '0' && n[9] <= '9';
	}
	closedir(d);
	return found;
}

/*
 * The system's CA store, for a verification with no cafile of its own: the
 * hashed directory, where OpenSSL reads only the certificates a chain
 * names, when it is there; the bundle file only where the directory holds
 * no hashed names. Parsing Debian's bundle (about 145 certificates) costs
 * 40 to 85 ms of CPU, more than the rest of a TLS delivery. OpenSSL's
 * built-in paths: $SSL_CERT_FILE and $SSL_CERT_DIR never count (nothing in
 * the environment may change what a verified delivery trusts). 1, or 0
 * with *used: the store that could not be loaded.
 */
static int
load_system_ca(SSL_CTX *ctx, const char **used)
{
	const char *dir = X509_get_default_cert_dir();

	*used = dir;
	if (has_hashed_names(dir) && SSL_CTX_load_verify_locations(ctx, NULL, dir)) {
		TRACE("tls: CA store %s (hashed directory)", dir);
		return 1;
	}
	*used = X509_get_default_cert_file();
	TRACE("tls: CA store %s (%s holds no hashed names)", *used, dir);
	return SSL_CTX_load_verify_locations(ctx, *used, NULL);
}

static SSL_CTX *
make_ctx(const struct tls_policy *pol, struct outcome *f)
{
	SSL_CTX *ctx;
	const char *ca = pol->cafile;

	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx) {
		fail_tls(f, T_TLS_CONTEXT, NULL);
		return NULL;
	}
	if (pol->level <= TLS_MAY) {
		/* opportunistic: any TLS beats the plaintext it replaces (as
		 * Postfix's "may"), so TLS 1.0 and 1.1 too, which OpenSSL 3
		 * allows only at security level 0; mandatory levels: TLS 1.2+ */
		SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
		SSL_CTX_set_security_level(ctx, 0);
	} else {
		SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_for_now);
	if (anon_allowed(pol)) {
		/* anonymous DH has no certificate: only where configured ('-') */
		SSL_CTX_set_security_level(ctx, 0);
		/* not "DEFAULT:aNULL": DEFAULT removes aNULL for good */
		if (!SSL_CTX_set_cipher_list(ctx, pol->ciphers ? pol->ciphers : "ALL:!eNULL:@SECLEVEL=0"))
			goto ciphers;
	} else if (pol->ciphers && !SSL_CTX_set_cipher_list(ctx, pol->ciphers)) {
		goto ciphers;
	}
	if (pol->verifydepth)
		SSL_CTX_set_verify_depth(ctx, (int)pol->verifydepth);
	if (pol->load_ca) {	/* tlspolicy.c: not for DANE, which brings its own anchors */
		int ok;
		size_t n = ca ? strlen(ca) : 0;
		struct stat st;
		if (!ca)
			ok = load_system_ca(ctx, &ca);
		else if (n > 0 && ca[n - 1] == '/')	/* OpenSSL does not look now: we do */
			ok = stat(ca, &st) == 0 && S_ISDIR(st.st_mode) &&
			    SSL_CTX_load_verify_locations(ctx, NULL, ca);
		else
			ok = SSL_CTX_load_verify_locations(ctx, ca, NULL);
		if (!ok && pol->level < TLS_VERIFY) {
			/* only MTA-STS testing asked for it, and testing refuses
			 * nothing: the audit finds no anchor and says so */
			TRACE("tls: MTA-STS testing: the CA store %s cannot be read: no chain can verify", ca);
			ERR_clear_error();
		} else if (!ok) {
			fail_tls(f, T_TLS_CA, ca);
			SSL_CTX_free(ctx);
			return NULL;
		}
	}
	if (pol->tlsa_count > 0 && SSL_CTX_dane_enable(ctx) <= 0) {
		fail_tls(f, T_TLS_CONTEXT, NULL);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (pol->certfile) {
		const char *key = pol->keyfile ? pol->keyfile : pol->certfile;
		if (SSL_CTX_use_certificate_chain_file(ctx, pol->certfile) != 1) {
			fail_tls(f, T_TLS_CERT_LOAD, pol->certfile);
			SSL_CTX_free(ctx);
			return NULL;
		}
		SSL_CTX_set_default_passwd_cb(ctx, password_cb);
		SSL_CTX_set_default_passwd_cb_userdata(ctx, (void *)pol->keypass);
		if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
			/* OpenSSL 3 refuses a key that does not match right here */
			unsigned long e = ERR_peek_last_error();
			fail_tls(f, ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH ||
			    ERR_GET_REASON(e) == X509_R_KEY_TYPE_MISMATCH ? T_TLS_KEY_MISMATCH : T_TLS_KEY_LOAD, key);
			SSL_CTX_free(ctx);
			return NULL;
		}
		if (SSL_CTX_check_private_key(ctx) != 1) {
			fail_tls(f, T_TLS_KEY_MISMATCH, key);
			SSL_CTX_free(ctx);
			return NULL;
		}
	}
	return ctx;
ciphers:
	fail_tls(f, T_TLS_CIPHERS, pol->ciphers ? pol->ciphers : "aNULL");
	SSL_CTX_free(ctx);
	return NULL;
}

static const EVP_MD *
pin_digest(size_t hexlen)
{
	switch (hexlen) {
	case 40: return EVP_sha1();
	case 56: return EVP_sha224();
	case 64: return EVP_sha256();
	case 128: return EVP_sha512();
	}
	return NULL;
}

static int
check_pin(X509 *cert, const char *want, char *got, size_t gotsize)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	size_t i;
	const EVP_MD *type = pin_digest(strlen(want));

	if (!type || !X509_digest(cert, type, md, &mdlen) || 2 * (size_t)mdlen + 1 > gotsize)
		return -1;
	for (i = 0; i < mdlen; ++i) {
		got[2 * i] = hex[md[i] >> 4];
		got[2 * i + 1] = hex[md[i] & 15];
	}
	got[2 * (size_t)mdlen] = '\0';
	return strcasecmp(got, want) == 0 ? 0 : 1;
}

/* The certificate's DNS names, for the transcript (at most a line's worth). */
static void
trace_san(X509 *cert)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	char line[512];
	size_t n = 0;
	int i, k, len;

	if (!names)
		return;
	for (i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
		const unsigned char *s;

		if (g->type != GEN_DNS)
			continue;
		s = ASN1_STRING_get0_data(g->d.dNSName);
		len = ASN1_STRING_length(g->d.dNSName);
		for (k = 0; k < len && n + 2 < sizeof line; ++k)	/* hostile bytes shown as '?' */
			line[n++] = (char)(s[k] > ' ' && s[k] < 127 ? s[k] : '?');
		if (n + 2 < sizeof line)
			line[n++] = ' ';
	}
	line[n] = '\0';
	GENERAL_NAMES_free(names);
	if (n)
		TRACE("tls: peer certificate DNS names %s", line);
}

static int
is_address(const char *name)
{
	struct ip_address ip;

	return ip_scan_any(name, &ip) == 0;
}

/*
 * DANE on ssl with the policy's TLSA records (usages 2 and 3). *taken:
 * how many OpenSSL accepted -- a record it refuses (a digest of the wrong
 * length, an unknown matching type or selector, data that does not parse)
 * is unusable (RFC 7672 2.2), whatever the DNS parser kept. -1 when DANE
 * could not be set up at all (no memory).
 * DANE-TA's names: the TLSA base domain (servername without one) and,
 * behind a CNAME, the chain's other name (SPEC 8).
 */
static int
dane_add(SSL *ssl, const struct tls_policy *pol, const char *servername, size_t *taken)
{
	const char *base = pol->tlsa_base ? pol->tlsa_base : servername;
	size_t i;

	*taken = 0;
	if (SSL_dane_enable(ssl, base) <= 0)
		return -1;
	if (pol->tlsa_other_name && SSL_add1_host(ssl, pol->tlsa_other_name) != 1)
		return -1;
	TRACE("tls: DANE: DANE-TA names %s%s%s", base, pol->tlsa_other_name ? " " : "",
	    pol->tlsa_other_name ? pol->tlsa_other_name : "");
	/* DANE-EE: no name or date check (RFC 7672 3.1.1) */
	SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	for (i = 0; i < pol->tlsa_count; ++i) {
		const struct dns_tlsa *t = &pol->tlsa[i];
		int r = SSL_dane_tlsa_add(ssl, t->usage, t->selector, t->mtype, t->data, t->len);

		if (r < 0)
			return -1;
		if (r > 0) {
			++*taken;
		} else if (trace_on) {
			const char *why = ossl_reason(ERR_peek_last_error());

			TRACE("tls: DANE: TLSA %u %u %u (%zu bytes of data) unusable: %s",
			    t->usage, t->selector, t->mtype, t->len, why ? why : "refused by OpenSSL");
		}
	}
	ERR_clear_error();
	return 0;
}

/* OpenSSL loaded and initialised, once: 0, or -1. */
static int
init_openssl(void)
{
	if (initialised)
		return 0;
	if (ossl_load() != 0)
		return -1;
	/* as ossl_load(): no config, no cleanup at exit, libcrypto's texts
	 * later; libssl's error texts are cheap and kept */
	OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS |
	    OPENSSL_INIT_NO_ATEXIT, NULL);
	initialised = 1;
	return 0;
}

size_t
tls_dane_usable(const struct tls_policy *pol, const char *servername)
{
	SSL_CTX *ctx;
	SSL *ssl = NULL;
	size_t taken = pol->tlsa_count;

	if (pol->tlsa_count == 0 || init_openssl() != 0)
		return pol->tlsa_count;	/* cannot tell: the handshake will fail closed */
	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_client_method())) && SSL_CTX_dane_enable(ctx) > 0 &&
	    (ssl = SSL_new(ctx)) && dane_add(ssl, pol, servername, &taken) != 0)
		taken = pol->tlsa_count;
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return taken;
}

/*
 * The name check's flags (SPEC 7): a partial wildcard ("mx*.example.net",
 * which RFC 6125 6.4.3 let clients match and RFC 9525 forbids) only for a
 * '~' line, whose meaning is "partial match allowed", as Postfix; never a
 * wildcard for '='. Where MTA-STS decides (dns_id, or the check made only
 * for testing mode's audit) a DNS-ID is required: OpenSSL otherwise falls
 * back to the subject's CN when the certificate has no DNS name.
 */
static unsigned
host_flags(const struct tls_policy *pol)
{
	unsigned flags = pol->exact_name ? X509_CHECK_FLAG_NO_WILDCARDS :
	    pol->partial_wildcards ? 0 : X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS;

	if (pol->dns_id)
		flags |= X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;
	return flags;
}

/* The SSL for a handshake on fd: OpenSSL loaded, the context made (CA,
 * client certificate, ciphers), SNI, DANE or the name to check. NULL with
 * f filled when any of that fails. *dane: the TLSA records OpenSSL took
 * (0: no DANE on this SSL). */
static SSL *
setup(int fd, const struct tls_policy *pol, const char *servername, struct outcome *f, size_t *dane)
{
	SSL_CTX *ctx;
	SSL *ssl;
	const char *sni;

	if (init_openssl() != 0) {
		fail_tls(f, T_TLS_CONTEXT, ossl_unavailable);
		return NULL;
	}
	ERR_clear_error();
	if (!(ctx = make_ctx(pol, f)))
		return NULL;
	ssl = SSL_new(ctx);
	SSL_CTX_free(ctx);	/* the SSL keeps its own reference */
	if (!ssl || !SSL_set_fd(ssl, fd)) {
		SSL_free(ssl);
		fail_tls(f, T_TLS_CONTEXT, NULL);
		return NULL;
	}
	/* SNI: the TLSA base domain under DANE (RFC 7672 8.1), which behind a
	 * CNAME is not the name as written */
	sni = pol->tlsa_base ? pol->tlsa_base : servername;
	if (sni && !is_address(sni)) {
		SSL_set_tlsext_host_name(ssl, sni);
		TRACE("tls: SNI %s", sni);
	}
	if (pol->close_notify)	/* make_ctx()'s SSL_OP_IGNORE_UNEXPECTED_EOF: not here */
		SSL_clear_options(ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
	*dane = 0;
	if (pol->tlsa_count > 0) {
		if (dane_add(ssl, pol, servername, dane) != 0) {
			SSL_free(ssl);
			fail_tls(f, T_TLS_CONTEXT, NULL);
			return NULL;
		}
		/* DANE-TA's name check (SSL_dane_enable set the name) */
		X509_VERIFY_PARAM_set_hostflags(SSL_get0_param(ssl), host_flags(pol));
	} else if (pol->check_name && servername) {
		X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
		char literal[IP_FMT_MAX + 8];
		size_t n = strlen(servername);
		int ok;

		X509_VERIFY_PARAM_set_hostflags(param, host_flags(pol));
		if (is_address(servername)) {	/* a literal or a relay address: iPAddress SAN */
			if (servername[0] == '[' && n >= 2 && n - 2 < sizeof literal) {
				memcpy(literal, servername + 1, n - 2);
				literal[n - 2] = '\0';
				servername = strncasecmp(literal, "IPv6:", 5) == 0 ? literal + 5 : literal;
			}
			ok = X509_VERIFY_PARAM_set1_ip_asc(param, servername);
		} else {
			ok = X509_VERIFY_PARAM_set1_host(param, servername, 0);
		}
		if (!ok) {
			SSL_free(ssl);
			fail_tls(f, T_TLS_CONTEXT, NULL);
			return NULL;
		}
	}
	return ssl;
}

/*
 * setup(), and when OpenSSL took none of a secure RRset's TLSA records,
 * setup() again without them: RFC 7672 2.2, a secure TLSA RRset with no
 * usable record means TLS mandatory (the caller made it so) but no DANE
 * authentication -- the policy's own checks, as for an RRset of usages 0
 * and 1 only. Never plaintext, never a DANE check that cannot pass.
 */
static SSL *
setup_dane(int fd, const struct tls_policy *pol, const char *servername, struct outcome *f,
    size_t *dane)
{
	struct tls_policy unusable;
	SSL *ssl = setup(fd, pol, servername, f, dane);

	if (!ssl || pol->tlsa_count == 0 || *dane > 0) {
		if (ssl && *dane > 0)
			TRACE("tls: DANE: OpenSSL took %zu of %zu TLSA record(s)", *dane, pol->tlsa_count);
		return ssl;
	}
	TRACE("tls: DANE: OpenSSL can use none of the %zu TLSA record(s): TLS mandatory, "
	    "unauthenticated (RFC 7672 2.2)", pol->tlsa_count);
	SSL_free(ssl);
	unusable = *pol;
	tls_drop_tlsa(&unusable);	/* and the CA a '+' line or tlsstrictness needs */
	return setup(fd, &unusable, servername, f, dane);
}

void
tls_discard(struct tls_pending *tp)
{
	if (!tp)
		return;
	if (tp->ssl)
		SSL_free(tp->ssl);
	tp->ssl = NULL;
	tp->dane = 0;
	tp->ready = 0;
}

void
tls_prepare(struct tls_pending *tp, int fd, const struct tls_policy *pol, const char *servername)
{
	SSL *ssl;

	if (!tp)
		return;
	tls_discard(tp);
	memset(&tp->failed, 0, sizeof tp->failed);
	ssl = setup_dane(fd, pol, servername, &tp->failed, &tp->dane);
	tp->ssl = ssl;
	tp->fd = fd;
	tp->ready = 1;
}

/* The certificate problem a verify result stands for (RFC 8460's terms). */
static enum tls_cert
cert_problem(long vr)
{
	if (vr == X509_V_OK)
		return TLS_CERT_OK;
	if (vr == X509_V_ERR_HOSTNAME_MISMATCH || vr == X509_V_ERR_IP_ADDRESS_MISMATCH)
		return TLS_CERT_NAME;
	if (vr == X509_V_ERR_CERT_HAS_EXPIRED || vr == X509_V_ERR_CRL_HAS_EXPIRED)
		return TLS_CERT_EXPIRED;
	return TLS_CERT_UNTRUSTED;
}

int
tls_start(struct conn *c, const struct tls_policy *pol, struct tls_pending *tp,
    const char *servername, unsigned timeout_s, struct outcome *f, int *protocol_error)
{
	SSL *ssl;
	X509 *cert;
	long vr;
	int r, want, w;
	size_t dane = 0;	/* TLSA records OpenSSL took: DANE decides */
	char got[2 * EVP_MAX_MD_SIZE + 1];

	*protocol_error = 0;
	f->tls.cert = f->tls.audit = TLS_CERT_OK;
	if (tp && tp->ready && tp->fd == c->fd) {	/* made while a reply or SYN-ACK travelled */
		ssl = tp->ssl;
		dane = tp->dane;
		tp->ssl = NULL;
		tp->ready = 0;
		if (!ssl) {
			outcome_set(f, tp->failed.letter, tp->failed.text, tp->failed.detail);
			return -1;
		}
	} else {
		tls_discard(tp);
		if (!(ssl = setup_dane(c->fd, pol, servername, f, &dane)))
			return -1;
	}

	conn_deadline(c, timeout_s);
	for (;;) {
		ERR_clear_error();
		r = SSL_connect(ssl);
		if (r == 1)
			break;
		switch (SSL_get_error(ssl, r)) {
		case SSL_ERROR_WANT_READ:
			want = POLLIN;
			break;
		case SSL_ERROR_WANT_WRITE:
			want = POLLOUT;
			break;
		default:
			*protocol_error = 1;
			fail_tls(f, T_TLS_CONNECT, openssl_reason());
			TRACE("tls: handshake failed: %s", f->detail);
			SSL_free(ssl);
			return -1;
		}
		if ((w = conn_wait(c, want)) != CONN_OK) {
			fail_tls(f, T_TLS_CONNECT, w == CONN_TIMEOUT ? "timed out" : "connection failed");
			SSL_free(ssl);
			return -1;
		}
	}
	(void)snprintf(f->tls.cipher, sizeof f->tls.cipher, "%s %s", SSL_get_version(ssl),
	    SSL_get_cipher_name(ssl));
	TRACE("tls: %s", f->tls.cipher);

	cert = SSL_get1_peer_certificate(ssl);
	if (trace_on && cert) {
		char subject[256], issuer[256];
		X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject);
		X509_NAME_oneline(X509_get_issuer_name(cert), issuer, sizeof issuer);
		TRACE("tls: peer certificate subject %s issuer %s", subject, issuer);
		trace_san(cert);
	}
	vr = SSL_get_verify_result(ssl);
	if (pol->sts_audit && pol->level < TLS_VERIFY && !dane) {
		/* MTA-STS testing: what enforce would have said, refusing nothing */
		f->tls.audit = !cert ? TLS_CERT_NONE : cert_problem(vr);
		str_copy(f->tls.audit_detail, sizeof f->tls.audit_detail,
		    vr != X509_V_OK ? X509_verify_cert_error_string(vr) : "");
		TRACE("tls: MTA-STS testing: the certificate %s%s", f->tls.audit == TLS_CERT_OK ?
		    "verifies with the name" : "would fail enforce: ", f->tls.audit_detail);
		/* enforce asks TLS 1.2 at least (the mandatory levels' minimum) */
		f->tls.audit_old_tls = SSL_version(ssl) < TLS1_2_VERSION;
		if (f->tls.audit_old_tls)
			TRACE("tls: MTA-STS testing: %s would fail enforce (TLS 1.2 at least)", SSL_get_version(ssl));
	}
	if (!cert && (pol->level >= TLS_VERIFY || pol->fingerprint || dane)) {
		r = dane ? T_TLSA_MISSING : T_TLS_NOCERT;
		f->tls.cert = TLS_CERT_NONE;
		goto reject;
	}
	if (pol->fingerprint) {
		r = check_pin(cert, pol->fingerprint, got, sizeof got);
		if (r < 0) {
			r = T_TLS_DIGEST;
			goto reject;
		}
		if (r > 0) {
			fail_tls(f, T_TLS_PIN, got);
			goto rejected;
		}
	}
	if (dane > 0) {
		if (vr != X509_V_OK || SSL_get0_dane_authority(ssl, NULL, NULL) < 0) {
			fail_tls(f, T_TLSA_FAIL, X509_verify_cert_error_string(vr));
			goto rejected;
		}
		TRACE("tls: DANE authenticated the peer");
	} else if (pol->level >= TLS_VERIFY) {
		f->tls.cert = cert_problem(vr);
		if (f->tls.cert == TLS_CERT_NAME) {
			r = T_TLS_SUBJECT;
			goto reject;
		}
		if (vr != X509_V_OK) {
			fail_tls(f, T_TLS_CHAIN, X509_verify_cert_error_string(vr));
			goto rejected;
		}
		TRACE("tls: certificate verified%s", pol->level >= TLS_NAME ? " with the name" : "");
	}
	f->tls.dane = dane > 0;	/* and it authenticated the peer: checked above */
	f->tls.mtasts = pol->mtasts;	/* an enforce policy held the session */
	X509_free(cert);
	c->ctx = ssl;
	c->ops = &tls_ops;
	c->rpos = c->rlen = 0;
	return 0;
reject:
	fail_tls(f, (enum report_text)r, NULL);
rejected:
	TRACE("tls: peer rejected: %d %s", (int)f->text, f->detail);
	f->tls.cipher[0] = '\0';	/* no TLS session came of it */
	X509_free(cert);
	SSL_free(ssl);
	return -1;
}

void
tls_close(struct conn *c)
{
	if (c->ops != &tls_ops)
		return;
	(void)SSL_shutdown(c->ctx);
	SSL_free(c->ctx);
	c->ctx = NULL;
	c->ops = &conn_plain_ops;
}

int
tls_active(const struct conn *c)
{
	return c->ops == &tls_ops;
}
