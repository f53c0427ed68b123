/*
 * ossl.h -- OpenSSL 3, loaded when a delivery first needs it. Included by
 * tls.c and auth.c after the OpenSSL headers: every OpenSSL function they
 * call becomes a call through a table that ossl_load() fills with dlopen()
 * and dlsym(), with the very prototypes of the headers (__typeof__), so the
 * compiler still checks each call. A plain delivery never maps libssl or
 * libcrypto: no loader relocations, no dirty pages (about 2 MB of RSS and
 * half a millisecond of CPU saved per process). The static build (opt-in,
 * make STATIC=yes; QR_STATIC) fills the same table with the functions'
 * addresses.
 */
#ifndef OSSL_H
#define OSSL_H

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define OSSL_FUNCTIONS(F) \
	F(SSL_CTX_new) \
	F(SSL_CTX_free) \
	F(SSL_CTX_ctrl) \
	F(SSL_CTX_set_options) \
	F(SSL_CTX_set_verify) \
	F(SSL_CTX_set_security_level) \
	F(SSL_CTX_set_cipher_list) \
	F(SSL_CTX_set_verify_depth) \
	F(SSL_CTX_set_default_verify_paths) \
	F(SSL_CTX_load_verify_locations) \
	F(SSL_CTX_dane_enable) \
	F(SSL_CTX_use_certificate_chain_file) \
	F(SSL_CTX_set_default_passwd_cb) \
	F(SSL_CTX_set_default_passwd_cb_userdata) \
	F(SSL_CTX_use_PrivateKey_file) \
	F(SSL_CTX_check_private_key) \
	F(SSL_new) \
	F(SSL_free) \
	F(SSL_set_fd) \
	F(SSL_ctrl) \
	F(SSL_dane_enable) \
	F(SSL_dane_set_flags) \
	F(SSL_dane_tlsa_add) \
	F(SSL_add1_host) \
	F(SSL_get0_param) \
	F(SSL_connect) \
	F(SSL_get_error) \
	F(SSL_read_ex) \
	F(SSL_write_ex) \
	F(SSL_shutdown) \
	F(SSL_clear_options) \
	F(SSL_get_version) \
	F(SSL_version) \
	F(SSL_get_current_cipher) \
	F(SSL_CIPHER_get_name) \
	F(SSL_get1_peer_certificate) \
	F(SSL_get_verify_result) \
	F(SSL_get0_dane_authority) \
	F(TLS_client_method) \
	F(OPENSSL_init_ssl) \
	F(X509_VERIFY_PARAM_set_hostflags) \
	F(X509_VERIFY_PARAM_set1_host) \
	F(X509_NAME_oneline) \
	F(X509_get_subject_name) \
	F(X509_get_issuer_name) \
	F(X509_free) \
	F(X509_digest) \
	F(X509_verify_cert_error_string) \
	F(ERR_clear_error) \
	F(ERR_peek_last_error) \
	F(ERR_reason_error_string) \
	F(EVP_sha1) \
	F(EVP_sha224) \
	F(EVP_sha256) \
	F(EVP_sha512) \
	F(EVP_md5) \
	F(EVP_Digest) \
	F(HMAC) \
	F(PKCS5_PBKDF2_HMAC) \
	F(RAND_bytes) \
	F(OPENSSL_cleanse) \
	F(CRYPTO_memcmp) \
	F(OPENSSL_init_crypto) \
	F(X509_get_default_cert_file) \
	F(X509_get_default_cert_dir) \
	F(X509_VERIFY_PARAM_set1_ip_asc) \
	F(X509_get_ext_d2i) \
	F(OPENSSL_sk_num) \
	F(OPENSSL_sk_value) \
	F(GENERAL_NAMES_free) \
	F(ASN1_STRING_get0_data) \
	F(ASN1_STRING_length) \
	F(OpenSSL_version)

struct ossl_api {
#define OSSL_MEMBER(name) __typeof__(&(name)) (name);
	OSSL_FUNCTIONS(OSSL_MEMBER)
#undef OSSL_MEMBER
};
extern struct ossl_api ossl_api;

/* The reason text of OpenSSL error e, or NULL; loads libcrypto's error
 * texts on first use (initialisation skips them: a delivery that goes well
 * never needs one). */
const char *ossl_reason(unsigned long e);

/* 0 once libssl.so.3 (and through it libcrypto.so.3) is loaded and every
 * function found (linked in: once initialised); -1 when OpenSSL 3 is not
 * installed or does not initialise. Cheap after the first. */
int ossl_load(void);
/* Why ossl_load() failed, for the report's detail: names the library
 * only where one is loaded. */
extern const char ossl_unavailable[];

#ifndef OSSL_NO_REDIRECT
#define SSL_CTX_new (ossl_api.SSL_CTX_new)
#define SSL_CTX_free (ossl_api.SSL_CTX_free)
#define SSL_CTX_ctrl (ossl_api.SSL_CTX_ctrl)
#define SSL_CTX_set_options (ossl_api.SSL_CTX_set_options)
#define SSL_CTX_set_verify (ossl_api.SSL_CTX_set_verify)
#define SSL_CTX_set_security_level (ossl_api.SSL_CTX_set_security_level)
#define SSL_CTX_set_cipher_list (ossl_api.SSL_CTX_set_cipher_list)
#define SSL_CTX_set_verify_depth (ossl_api.SSL_CTX_set_verify_depth)
#define SSL_CTX_set_default_verify_paths (ossl_api.SSL_CTX_set_default_verify_paths)
#define SSL_CTX_load_verify_locations (ossl_api.SSL_CTX_load_verify_locations)
#define SSL_CTX_dane_enable (ossl_api.SSL_CTX_dane_enable)
#define SSL_CTX_use_certificate_chain_file (ossl_api.SSL_CTX_use_certificate_chain_file)
#define SSL_CTX_set_default_passwd_cb (ossl_api.SSL_CTX_set_default_passwd_cb)
#define SSL_CTX_set_default_passwd_cb_userdata (ossl_api.SSL_CTX_set_default_passwd_cb_userdata)
#define SSL_CTX_use_PrivateKey_file (ossl_api.SSL_CTX_use_PrivateKey_file)
#define SSL_CTX_check_private_key (ossl_api.SSL_CTX_check_private_key)
#define SSL_new (ossl_api.SSL_new)
#define SSL_free (ossl_api.SSL_free)
#define SSL_set_fd (ossl_api.SSL_set_fd)
#define SSL_ctrl (ossl_api.SSL_ctrl)
#define SSL_dane_enable (ossl_api.SSL_dane_enable)
#define SSL_dane_set_flags (ossl_api.SSL_dane_set_flags)
#define SSL_dane_tlsa_add (ossl_api.SSL_dane_tlsa_add)
#define SSL_add1_host (ossl_api.SSL_add1_host)
#define SSL_get0_param (ossl_api.SSL_get0_param)
#define SSL_connect (ossl_api.SSL_connect)
#define SSL_get_error (ossl_api.SSL_get_error)
#define SSL_read_ex (ossl_api.SSL_read_ex)
#define SSL_write_ex (ossl_api.SSL_write_ex)
#define SSL_shutdown (ossl_api.SSL_shutdown)
#define SSL_clear_options (ossl_api.SSL_clear_options)
#define SSL_get_version (ossl_api.SSL_get_version)
#define SSL_version (ossl_api.SSL_version)
#define SSL_get_current_cipher (ossl_api.SSL_get_current_cipher)
#define SSL_CIPHER_get_name (ossl_api.SSL_CIPHER_get_name)
#define SSL_get1_peer_certificate (ossl_api.SSL_get1_peer_certificate)
#define SSL_get_verify_result (ossl_api.SSL_get_verify_result)
#define SSL_get0_dane_authority (ossl_api.SSL_get0_dane_authority)
#define TLS_client_method (ossl_api.TLS_client_method)
#define OPENSSL_init_ssl (ossl_api.OPENSSL_init_ssl)
#define X509_VERIFY_PARAM_set_hostflags (ossl_api.X509_VERIFY_PARAM_set_hostflags)
#define X509_VERIFY_PARAM_set1_host (ossl_api.X509_VERIFY_PARAM_set1_host)
#define X509_NAME_oneline (ossl_api.X509_NAME_oneline)
#define X509_get_subject_name (ossl_api.X509_get_subject_name)
#define X509_get_issuer_name (ossl_api.X509_get_issuer_name)
#define X509_free (ossl_api.X509_free)
#define X509_digest (ossl_api.X509_digest)
#define X509_verify_cert_error_string (ossl_api.X509_verify_cert_error_string)
#define ERR_clear_error (ossl_api.ERR_clear_error)
#define ERR_peek_last_error (ossl_api.ERR_peek_last_error)
#define ERR_reason_error_string (ossl_api.ERR_reason_error_string)
#define EVP_sha1 (ossl_api.EVP_sha1)
#define EVP_sha224 (ossl_api.EVP_sha224)
#define EVP_sha256 (ossl_api.EVP_sha256)
#define EVP_sha512 (ossl_api.EVP_sha512)
#define EVP_md5 (ossl_api.EVP_md5)
#define EVP_Digest (ossl_api.EVP_Digest)
#define HMAC (ossl_api.HMAC)
#define PKCS5_PBKDF2_HMAC (ossl_api.PKCS5_PBKDF2_HMAC)
#define RAND_bytes (ossl_api.RAND_bytes)
#define OPENSSL_cleanse (ossl_api.OPENSSL_cleanse)
#define CRYPTO_memcmp (ossl_api.CRYPTO_memcmp)
#define OPENSSL_init_crypto (ossl_api.OPENSSL_init_crypto)
#define X509_get_default_cert_file (ossl_api.X509_get_default_cert_file)
#define X509_get_default_cert_dir (ossl_api.X509_get_default_cert_dir)
#define X509_VERIFY_PARAM_set1_ip_asc (ossl_api.X509_VERIFY_PARAM_set1_ip_asc)
#define X509_get_ext_d2i (ossl_api.X509_get_ext_d2i)
#define OPENSSL_sk_num (ossl_api.OPENSSL_sk_num)
#define OPENSSL_sk_value (ossl_api.OPENSSL_sk_value)
#define GENERAL_NAMES_free (ossl_api.GENERAL_NAMES_free)
#define ASN1_STRING_get0_data (ossl_api.ASN1_STRING_get0_data)
#define ASN1_STRING_length (ossl_api.ASN1_STRING_length)
#define OpenSSL_version (ossl_api.OpenSSL_version)
#endif

#endif
