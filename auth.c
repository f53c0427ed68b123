/*
 * auth.c -- the client side of SMTP AUTH's SASL mechanisms: choosing one
 * (SCRAM-SHA-256, CRAM-MD5, LOGIN, PLAIN; PLAIN and LOGIN only over TLS or
 * loopback), writing the AUTH command and each answer to a 334 challenge,
 * and checking SCRAM's server signature before a 235 is believed.
 * Not here: sockets and replies (smtp.c drives it, see smtp.c's AUTH loop),
 * report texts (report.c maps enum auth_error), where credentials come from
 * (control.c: authsenders, smtproutes).
 *
 * Limits: user and password at most 512 bytes each, non-empty, without
 * control characters (C0, DEL, C1 as UTF-8). SASLprep (RFC 4013) is not
 * implemented: UTF-8 is passed as it is, which equals SASLprep for every
 * printable ASCII string; a password with non-ASCII spaces or soft hyphens
 * may then differ from what a SASLprep-ing server derives. A challenge
 * decodes to at most AUTH_DECODED_MAX bytes. Nothing is allocated: every
 * buffer is on the stack or in struct sasl, and each one that held the
 * password, the salted password, a key, a proof or encoded credentials is
 * cleared with OPENSSL_cleanse before the function returns. The password
 * itself is never copied into struct sasl.
 */
#include <limits.h>
#include <string.h>
#include <strings.h>
#include "auth.h"
#include "ossl.h"

#define SHA256_LEN	32
#define MD5_LEN		16
#define NONCE_RANDOM	24	/* bytes; base64 makes AUTH_SCRAM_NONCE_LEN characters */
/* "c=biws,r=" + the combined nonce (at most the whole server-first) */
#define CFWP_MAX	(9 + AUTH_DECODED_MAX)
/* client-first-bare "," server-first "," client-final-without-proof */
#define AUTHMSG_MAX	(AUTH_SCRAM_BARE_MAX + 1 + AUTH_DECODED_MAX + 1 + CFWP_MAX)
/* client-final: without-proof ",p=" base64(proof) */
#define FINAL_MAX	(CFWP_MAX + 3 + 44 + 1)

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
auth_b64encode(const unsigned char *in, size_t len, char *out, size_t size, size_t *outlen)
{
	size_t i, o = 0, need;
	unsigned long v;

	if (len > (((size_t)-1) / 4 - 1) * 3)
		return -1;
	need = 4 * ((len + 2) / 3);
	if (size < need + 1)
		return -1;
	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64chars[v >> 18 & 63];
		out[o++] = b64chars[v >> 12 & 63];
		out[o++] = b64chars[v >> 6 & 63];
		out[o++] = b64chars[v & 63];
	}
	if (i < len) {
		v = (unsigned long)in[i] << 16;
		if (i + 1 < len)
			v |= (unsigned long)in[i + 1] << 8;
		out[o++] = b64chars[v >> 18 & 63];
		out[o++] = b64chars[v >> 12 & 63];
		out[o++] = (char)(i + 1 < len ? b64chars[v >> 6 & 63] : '=');
		out[o++] = '=';
	}
	out[o] = '\0';
	*outlen = o;
	return 0;
}

static int
b64value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strict: a challenge that is not clean base64 is the server's error, and
 * guessing what it meant is how parsers disagree (non-zero pad bits are
 * accepted: RFC 4648 3.5 lets decoders do so). */
int
auth_b64decode(const char *in, size_t len, unsigned char *out, size_t size, size_t *outlen)
{
	size_t i, o = 0, n, k;
	int v[4], pad;

	if (len % 4 != 0)
		return -1;
	for (i = 0; i < len; i += 4) {
		pad = 0;
		for (k = 0; k < 4; ++k) {
			unsigned char c = (unsigned char)in[i + k];
			if (c == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				++pad;
				continue;
			}
			if (pad || (v[k] = b64value(c)) < 0)
				return -1;	/* bad byte, or data after '=' */
		}
		n = 3 - (size_t)pad;
		if (n > size - o)
			return -1;
		out[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (n > 1)
			out[o++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		if (n > 2)
			out[o++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
	}
	*outlen = o;
	return 0;
}

/* Appends n bytes to line (size bytes, kept NUL-terminated). */
static int
put(char *line, size_t size, size_t *pos, const char *p, size_t n)
{
	if (*pos >= size || size - *pos <= n)
		return -1;
	memcpy(line + *pos, p, n);
	*pos += n;
	line[*pos] = '\0';
	return 0;
}

/* Appends base64(in) to line. */
static int
put64(char *line, size_t size, size_t *pos, const void *in, size_t n)
{
	size_t m;

	if (*pos >= size || auth_b64encode(in, n, line + *pos, size - *pos, &m) != 0)
		return -1;
	*pos += m;
	return 0;
}

/* Non-empty, at most max bytes, no control characters: a CR or LF would
 * end the SMTP line (command injection), and SASLprep prohibits the rest. */
static int
usable(const char *str, size_t max, size_t *len)
{
	const unsigned char *u = (const unsigned char *)str;
	size_t i, n;

	if (!str)
		return 0;
	n = strnlen(str, max + 1);
	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; ++i) {
		if (u[i] < 0x20 || u[i] == 0x7f)
			return 0;
		if (u[i] == 0xc2 && i + 1 < n && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f)
			return 0;	/* U+0080..U+009F */
	}
	*len = n;
	return 1;
}

static int
stop(struct sasl *s, enum auth_error *err, enum auth_error e)
{
	s->state = SASL_FAILED;
	*err = e;
	return -1;
}

/* Is word (n bytes) in the space-separated list? */
static int
offered_has(const char *list, const char *word)
{
	size_t n = strlen(word), k;
	const char *p = list;

	while (*p) {
		while (*p == ' ')
			++p;
		for (k = 0; p[k] && p[k] != ' '; ++k)
			;
		if (k == n && strncasecmp(p, word, n) == 0)
			return 1;
		p += k;
	}
	return 0;
}

/* Strongest first; the index is the enum value. */
static const char *const mech_names[] = {
	[AUTH_NONE] = "",
	[AUTH_PLAIN] = "PLAIN",
	[AUTH_LOGIN] = "LOGIN",
	[AUTH_CRAM_MD5] = "CRAM-MD5",
	[AUTH_SCRAM_SHA_256] = "SCRAM-SHA-256",
	[AUTH_REFUSED_PLAINTEXT] = "",
};

const char *
auth_mech_name(enum auth_mech m)
{
	if ((unsigned)m >= sizeof mech_names / sizeof mech_names[0])
		return "";
	return mech_names[m];
}

enum auth_mech
auth_choose(const char *offered, int plaintext_ok)
{
	static const enum auth_mech order[] = {
		AUTH_SCRAM_SHA_256, AUTH_CRAM_MD5, AUTH_LOGIN, AUTH_PLAIN
	};
	size_t i;
	int withheld = 0;

	if (!offered)
		return AUTH_NONE;
	for (i = 0; i < sizeof order / sizeof order[0]; ++i) {
		if (!offered_has(offered, mech_names[order[i]]))
			continue;
		/* RFC 4954 4, RFC 4616 6: never a clear-text password on a
		 * wire anyone can read; loopback and TLS are fine */
		if (!plaintext_ok && (order[i] == AUTH_LOGIN || order[i] == AUTH_PLAIN)) {
			withheld = 1;
			continue;
		}
		return order[i];
	}
	return withheld ? AUTH_REFUSED_PLAINTEXT : AUTH_NONE;
}

/* client-first-bare (RFC 5802 5.1): "n=" saslname ",r=" nonce, with ','
 * and '=' in the name written as "=2C" and "=3D". */
static int
scram_bare(struct sasl *s)
{
	size_t i, pos = 0;
	int r = 0;

	r |= put(s->bare, sizeof s->bare, &pos, "n=", 2);
	for (i = 0; i < s->user_len; ++i) {
		if (s->user[i] == ',')
			r |= put(s->bare, sizeof s->bare, &pos, "=2C", 3);
		else if (s->user[i] == '=')
			r |= put(s->bare, sizeof s->bare, &pos, "=3D", 3);
		else
			r |= put(s->bare, sizeof s->bare, &pos, s->user + i, 1);
	}
	r |= put(s->bare, sizeof s->bare, &pos, ",r=", 3);
	r |= put(s->bare, sizeof s->bare, &pos, s->nonce, s->nonce_len);
	s->bare_len = pos;
	return r ? -1 : 0;
}

/* base64("n,," client-first-bare): no channel binding ("n": we do not
 * support it, so SCRAM-SHA-256-PLUS is never chosen). */
static int
scram_first(struct sasl *s, char *line, size_t size, size_t *pos)
{
	char first[3 + AUTH_SCRAM_BARE_MAX];

	first[0] = 'n';		/* gs2 header "n,,": no channel binding, no authzid */
	first[1] = first[2] = ',';
	memcpy(first + 3, s->bare, s->bare_len);
	return put64(line, size, pos, first, 3 + s->bare_len);
}

static int
start(struct sasl *s, enum auth_mech m, const char *user, const char *pass,
    const char *nonce, char *line, size_t size, size_t *len, enum auth_error *err)
{
	unsigned char creds[1 + AUTH_USER_MAX + 1 + AUTH_PASS_MAX];
	unsigned char rnd[NONCE_RANDOM];
	size_t pos = 0, n, i;
	int r;

	memset(s, 0, sizeof *s);
	s->iter_min = AUTH_SCRAM_ITER_MIN;
	s->iter_max = AUTH_SCRAM_ITER_MAX;
	*len = 0;
	if (size > 0)
		line[0] = '\0';
	if (m != AUTH_PLAIN && m != AUTH_LOGIN && m != AUTH_CRAM_MD5 && m != AUTH_SCRAM_SHA_256)
		return stop(s, err, AUTH_ERR_PROTOCOL);
	s->mech = m;
	if (!usable(user, AUTH_USER_MAX, &s->user_len) || !usable(pass, AUTH_PASS_MAX, &s->pass_len))
		return stop(s, err, AUTH_ERR_CREDENTIALS);
	s->user = user;
	s->pass = pass;
	if ((m == AUTH_CRAM_MD5 || m == AUTH_SCRAM_SHA_256) && ossl_load() != 0)
		return stop(s, err, AUTH_ERR_CRYPTO);	/* their hashes come from OpenSSL */

	switch (m) {
	case AUTH_PLAIN:
		/* RFC 4616 2: [authzid] NUL authcid NUL passwd, sent as the
		 * initial response (RFC 4954 4) to save a round trip */
		creds[0] = '\0';
		memcpy(creds + 1, user, s->user_len);
		creds[1 + s->user_len] = '\0';
		memcpy(creds + 2 + s->user_len, pass, s->pass_len);
		n = 2 + s->user_len + s->pass_len;
		r = put(line, size, &pos, "AUTH PLAIN ", 11) || put64(line, size, &pos, creds, n);
		explicit_bzero(creds, sizeof creds);
		if (r) {
			explicit_bzero(line, size);
			return stop(s, err, AUTH_ERR_ENCODE_PLAIN);
		}
		break;
	case AUTH_LOGIN:
		if (put(line, size, &pos, "AUTH LOGIN", 10))
			return stop(s, err, AUTH_ERR_ENCODE_USER);
		break;
	case AUTH_CRAM_MD5:
		if (put(line, size, &pos, "AUTH CRAM-MD5", 13))
			return stop(s, err, AUTH_ERR_ENCODE_DIGEST);
		break;
	default:	/* AUTH_SCRAM_SHA_256 */
		if (nonce) {
			n = strlen(nonce);
			if (n == 0 || n > AUTH_SCRAM_NONCE_LEN)
				return stop(s, err, AUTH_ERR_PROTOCOL);
			for (i = 0; i < n; ++i)
				if (nonce[i] < 0x21 || nonce[i] > 0x7e || nonce[i] == ',')
					return stop(s, err, AUTH_ERR_PROTOCOL);
			memcpy(s->nonce, nonce, n);
		} else {
			/* RFC 5802 5.1: a nonce the server cannot predict */
			if (RAND_bytes(rnd, sizeof rnd) != 1)
				return stop(s, err, AUTH_ERR_CRYPTO);
			r = auth_b64encode(rnd, sizeof rnd, s->nonce, sizeof s->nonce, &n);
			explicit_bzero(rnd, sizeof rnd);
			if (r)
				return stop(s, err, AUTH_ERR_CRYPTO);
		}
		s->nonce_len = n;
		if (scram_bare(s) || put(line, size, &pos, "AUTH SCRAM-SHA-256 ", 19) ||
		    scram_first(s, line, size, &pos))
			return stop(s, err, AUTH_ERR_ENCODE_SCRAM);
		break;
	}
	s->state = SASL_COMMAND;
	*len = pos;
	*err = AUTH_OK;
	return 0;
}

int
sasl_start(struct sasl *s, enum auth_mech m, const char *user, const char *pass,
    char *line, size_t size, size_t *len, enum auth_error *err)
{
	return start(s, m, user, pass, NULL, line, size, len, err);
}

int
sasl_start_with_nonce(struct sasl *s, enum auth_mech m, const char *user,
    const char *pass, const char *nonce, char *line, size_t size, size_t *len,
    enum auth_error *err)
{
	if (!nonce)
		nonce = "";
	return start(s, m, user, pass, nonce, line, size, len, err);
}

/* RFC 2195: base64(user " " hex(HMAC-MD5(password, challenge))). */
static int
cram_md5(struct sasl *s, const char *challenge, size_t len, char *line,
    size_t size, size_t *pos, enum auth_error *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char chal[AUTH_DECODED_MAX];
	unsigned char digest[MD5_LEN];
	char resp[AUTH_USER_MAX + 1 + 2 * MD5_LEN];
	unsigned int dlen = 0;
	size_t n, i;
	int r;

	if (auth_b64decode(challenge, len, chal, sizeof chal, &n) != 0 || n == 0)
		return stop(s, err, AUTH_ERR_DECODE_CHALLENGE);
	if (!HMAC(EVP_md5(), s->pass, (int)s->pass_len, chal, n, digest, &dlen) ||
	    dlen != MD5_LEN) {
		explicit_bzero(digest, sizeof digest);
		return stop(s, err, AUTH_ERR_CRYPTO);
	}
	memcpy(resp, s->user, s->user_len);
	resp[s->user_len] = ' ';
	for (i = 0; i < MD5_LEN; ++i) {
		resp[s->user_len + 1 + 2 * i] = hex[digest[i] >> 4];
		resp[s->user_len + 2 + 2 * i] = hex[digest[i] & 15];
	}
	r = put64(line, size, pos, resp, s->user_len + 1 + 2 * (size_t)MD5_LEN);
	explicit_bzero(digest, sizeof digest);
	explicit_bzero(resp, sizeof resp);
	if (r)
		return stop(s, err, AUTH_ERR_ENCODE_DIGEST);
	return 0;
}

/* The value of attribute a ("r", "s", ...) at *p in [*p, end): "a=" value
 * up to the next ',' or end. Moves *p past the value (and its ','). */
static int
attr(const unsigned char **p, const unsigned char *end, char a,
    const unsigned char **v, size_t *n)
{
	const unsigned char *q = *p;

	if (end - q < 2 || q[0] != (unsigned char)a || q[1] != '=')
		return -1;
	q += 2;
	*v = q;
	while (q < end && *q != ',')
		++q;
	*n = (size_t)(q - *v);
	*p = q < end ? q + 1 : q;
	return 0;
}

/* The SCRAM keys (RFC 5802 3): proof and the expected server signature. */
static int
scram_keys(struct sasl *s, const unsigned char *salt, size_t saltlen, unsigned long iter,
    const char *authmsg, size_t amlen, unsigned char proof[SHA256_LEN])
{
	unsigned char salted[SHA256_LEN], ckey[SHA256_LEN], stored[SHA256_LEN];
	unsigned char csig[SHA256_LEN] = { 0 }, skey[SHA256_LEN];
	unsigned int l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0;
	int ok, i;

	ok = PKCS5_PBKDF2_HMAC(s->pass, (int)s->pass_len, salt, (int)saltlen, (int)iter,
	    EVP_sha256(), SHA256_LEN, salted) == 1 &&
	    HMAC(EVP_sha256(), salted, SHA256_LEN, (const unsigned char *)"Client Key", 10,
	    ckey, &l1) && l1 == SHA256_LEN &&
	    EVP_Digest(ckey, SHA256_LEN, stored, &l2, EVP_sha256(), NULL) == 1 &&
	    l2 == SHA256_LEN &&
	    HMAC(EVP_sha256(), stored, SHA256_LEN, (const unsigned char *)authmsg, amlen,
	    csig, &l3) && l3 == SHA256_LEN &&
	    HMAC(EVP_sha256(), salted, SHA256_LEN, (const unsigned char *)"Server Key", 10,
	    skey, &l4) && l4 == SHA256_LEN &&
	    HMAC(EVP_sha256(), skey, SHA256_LEN, (const unsigned char *)authmsg, amlen,
	    s->server_sig, &l5) && l5 == SHA256_LEN;
	for (i = 0; ok && i < SHA256_LEN; ++i)	/* only from keys that were computed */
		proof[i] = ckey[i] ^ csig[i];
	explicit_bzero(salted, sizeof salted);
	explicit_bzero(ckey, sizeof ckey);
	explicit_bzero(stored, sizeof stored);
	explicit_bzero(csig, sizeof csig);
	explicit_bzero(skey, sizeof skey);
	return ok ? 0 : -1;
}

/* server-first (RFC 5802 7): [m=ext,] r=nonce,s=salt,i=count[,ext...]
 * → client-final: c=biws,r=nonce,p=proof. */
static int
scram_server_first(struct sasl *s, const char *challenge, size_t len, char *line,
    size_t size, size_t *pos, enum auth_error *err)
{
	unsigned char sf[AUTH_DECODED_MAX], salt[AUTH_SCRAM_SALT_MAX];
	unsigned char proof[SHA256_LEN];
	char authmsg[AUTHMSG_MAX], final[FINAL_MAX];
	const unsigned char *p, *end, *rv, *sv, *iv;
	size_t n, rn, sn, in, saltlen, i, am = 0, fl = 0;
	unsigned long iter = 0;
	int r, too_big = 0;

	if (auth_b64decode(challenge, len, sf, sizeof sf, &n) != 0)
		return stop(s, err, AUTH_ERR_DECODE_CHALLENGE);
	if (n == 0 || memchr(sf, '\0', n))
		return stop(s, err, AUTH_ERR_SCRAM_SERVER_FIRST);
	p = sf;
	end = sf + n;
	/* "m=" is a mandatory extension we cannot know: RFC 5802 5.1 says fail */
	if (attr(&p, end, 'r', &rv, &rn) || attr(&p, end, 's', &sv, &sn) ||
	    attr(&p, end, 'i', &iv, &in))
		return stop(s, err, AUTH_ERR_SCRAM_SERVER_FIRST);
	/* the rest, if any, is extensions: ignored, but part of AuthMessage */
	for (i = 0; i < rn; ++i)
		if (rv[i] < 0x21 || rv[i] > 0x7e)	/* printable, and ',' ended it */
			return stop(s, err, AUTH_ERR_SCRAM_SERVER_FIRST);
	/* our nonce plus the server's own part: else a replay, or a mix-up */
	if (rn <= s->nonce_len || memcmp(rv, s->nonce, s->nonce_len) != 0)
		return stop(s, err, AUTH_ERR_SCRAM_NONCE);
	if (sn == 0 || auth_b64decode((const char *)sv, sn, salt, sizeof salt, &saltlen) != 0 ||
	    saltlen == 0)
		return stop(s, err, AUTH_ERR_SCRAM_SERVER_FIRST);
	if (in == 0 || iv[0] < '1' || iv[0] > '9')	/* posit-number */
		return stop(s, err, AUTH_ERR_SCRAM_SERVER_FIRST);
	for (i = 0; i < in; ++i) {
		if (iv[i] < '0' || iv[i] > '9')
			return stop(s, err, AUTH_ERR_SCRAM_SERVER_FIRST);
		if (iter > 100000000UL)		/* stop before unsigned long overflows */
			too_big = 1;
		else
			iter = iter * 10 + (unsigned long)(iv[i] - '0');
	}
	if (too_big || iter < s->iter_min || iter > s->iter_max || iter > INT_MAX)
		return stop(s, err, AUTH_ERR_SCRAM_ITERATIONS);

	/* client-final-without-proof, then AuthMessage (RFC 5802 3) */
	r = put(final, sizeof final, &fl, "c=biws,r=", 9) ||
	    put(final, sizeof final, &fl, (const char *)rv, rn);
	r = r || put(authmsg, sizeof authmsg, &am, s->bare, s->bare_len) ||
	    put(authmsg, sizeof authmsg, &am, ",", 1) ||
	    put(authmsg, sizeof authmsg, &am, (const char *)sf, n) ||
	    put(authmsg, sizeof authmsg, &am, ",", 1) ||
	    put(authmsg, sizeof authmsg, &am, final, fl);
	if (r)
		return stop(s, err, AUTH_ERR_ENCODE_SCRAM);
	if (scram_keys(s, salt, saltlen, iter, authmsg, am, proof) != 0) {
		explicit_bzero(proof, sizeof proof);
		explicit_bzero(s->server_sig, sizeof s->server_sig);
		return stop(s, err, AUTH_ERR_CRYPTO);
	}
	r = put(final, sizeof final, &fl, ",p=", 3) ||
	    put64(final, sizeof final, &fl, proof, sizeof proof) ||
	    put64(line, size, pos, final, fl);
	explicit_bzero(proof, sizeof proof);
	explicit_bzero(final, sizeof final);
	if (r) {
		explicit_bzero(line, size);
		return stop(s, err, AUTH_ERR_ENCODE_SCRAM);
	}
	return 0;
}

/* server-final (RFC 5802 7): "v=" signature [",ext"], or "e=" error.
 * 1: verified; 0: not a server-final; -1 with *err. */
static int
scram_server_final(struct sasl *s, const unsigned char *sf, size_t n, enum auth_error *err)
{
	unsigned char sig[AUTH_DECODED_MAX];
	const unsigned char *p = sf, *v;
	size_t vn, siglen;
	int same;

	if (n >= 2 && sf[0] == 'e' && sf[1] == '=') {
		*err = AUTH_ERR_REJECTED_PROOF;
		return -1;
	}
	if (attr(&p, sf + n, 'v', &v, &vn))
		return 0;
	if (auth_b64decode((const char *)v, vn, sig, sizeof sig, &siglen) != 0 ||
	    siglen != SHA256_LEN) {
		*err = AUTH_ERR_SCRAM_SERVER_FINAL;
		return -1;
	}
	same = CRYPTO_memcmp(sig, s->server_sig, SHA256_LEN) == 0;
	explicit_bzero(sig, sizeof sig);
	if (!same) {
		/* whoever answered does not know the server key: a fake
		 * server that just learned a proof to attack offline */
		*err = AUTH_ERR_SCRAM_SIGNATURE;
		return -1;
	}
	s->verified = 1;
	return 1;
}

int
sasl_step(struct sasl *s, const char *challenge, size_t len, char *line,
    size_t size, size_t *outlen, enum auth_error *err)
{
	unsigned char sf[AUTH_DECODED_MAX];
	size_t pos = 0, n;
	int r;

	*outlen = 0;
	if (size == 0)
		return stop(s, err, AUTH_ERR_PROTOCOL);
	line[0] = '\0';
	*err = AUTH_OK;
	switch (s->mech) {
	case AUTH_PLAIN:
		/* only a server that ignored the initial response asks */
		if (s->state != SASL_COMMAND || s->ir_resent)
			return stop(s, err, AUTH_ERR_PROTOCOL);
		{
			unsigned char creds[1 + AUTH_USER_MAX + 1 + AUTH_PASS_MAX];

			creds[0] = '\0';
			memcpy(creds + 1, s->user, s->user_len);
			creds[1 + s->user_len] = '\0';
			memcpy(creds + 2 + s->user_len, s->pass, s->pass_len);
			r = put64(line, size, &pos, creds, 2 + s->user_len + s->pass_len);
			explicit_bzero(creds, sizeof creds);
		}
		if (r)
			return stop(s, err, AUTH_ERR_ENCODE_PLAIN);
		s->ir_resent = 1;
		s->state = SASL_PASS;
		break;
	case AUTH_LOGIN:
		/* the prompts ("VXNlcm5hbWU6", "Username:", ...) vary: the
		 * order of the 334s is what counts */
		if (s->state == SASL_COMMAND) {
			if (put64(line, size, &pos, s->user, s->user_len))
				return stop(s, err, AUTH_ERR_ENCODE_USER);
			s->state = SASL_USER;
		} else if (s->state == SASL_USER) {
			if (put64(line, size, &pos, s->pass, s->pass_len)) {
				explicit_bzero(line, size);
				return stop(s, err, AUTH_ERR_ENCODE_PASS);
			}
			s->state = SASL_PASS;
		} else
			return stop(s, err, AUTH_ERR_PROTOCOL);
		break;
	case AUTH_CRAM_MD5:
		if (s->state != SASL_COMMAND)
			return stop(s, err, AUTH_ERR_PROTOCOL);
		if (cram_md5(s, challenge, len, line, size, &pos, err))
			return -1;
		s->state = SASL_DIGEST;
		break;
	case AUTH_SCRAM_SHA_256:
		if (s->state == SASL_COMMAND && len == 0 && !s->ir_resent) {
			/* "334 " with nothing: the initial response was
			 * ignored; send client-first once more */
			if (scram_first(s, line, size, &pos))
				return stop(s, err, AUTH_ERR_ENCODE_SCRAM);
			s->ir_resent = 1;
		} else if (s->state == SASL_COMMAND) {
			if (scram_server_first(s, challenge, len, line, size, &pos, err))
				return -1;
			s->state = SASL_PROOF;
		} else if (s->state == SASL_PROOF) {
			/* server-final as a challenge (RFC 4954 has no data
			 * with success): verify, answer with an empty line */
			if (auth_b64decode(challenge, len, sf, sizeof sf, &n) != 0)
				return stop(s, err, AUTH_ERR_DECODE_CHALLENGE);
			r = scram_server_final(s, sf, n, err);
			if (r < 0)
				return stop(s, err, *err);
			if (r == 0)
				return stop(s, err, AUTH_ERR_SCRAM_SERVER_FINAL);
			s->state = SASL_VERIFIED;
		} else
			return stop(s, err, AUTH_ERR_PROTOCOL);
		break;
	default:
		return stop(s, err, AUTH_ERR_PROTOCOL);
	}
	*outlen = pos;
	return 0;
}

/* A 235's text as additional data: "[2.7.0 ]<base64 server-final>". */
static int
finish_data(struct sasl *s, const char *text, size_t len, enum auth_error *err)
{
	unsigned char sf[AUTH_DECODED_MAX];
	size_t i, k, n, from;
	int r;

	for (k = 0; k < 2; ++k) {
		from = 0;
		if (k == 1) {	/* skip an enhanced status code (RFC 3463) */
			if (len < 2 || text[0] != '2' || text[1] != '.')
				break;
			while (from < len && text[from] != ' ')
				++from;
			while (from < len && text[from] == ' ')
				++from;
		}
		for (i = from; i < len && text[i] != ' '; ++i)
			;
		if (i == from || auth_b64decode(text + from, i - from, sf, sizeof sf, &n) != 0)
			continue;
		r = scram_server_final(s, sf, n, err);
		if (r != 0)
			return r;
	}
	return 0;
}

int
sasl_finish(struct sasl *s, const char *text, size_t len, enum auth_error *err)
{
	*err = AUTH_OK;
	switch (s->mech) {
	case AUTH_PLAIN:
	case AUTH_LOGIN:
	case AUTH_CRAM_MD5:
		if (s->state == SASL_IDLE || s->state == SASL_DONE || s->state == SASL_FAILED)
			return stop(s, err, AUTH_ERR_PROTOCOL);
		break;
	case AUTH_SCRAM_SHA_256:
		/* mutual authentication is SCRAM's point: a 235 from a
		 * server that has not shown it knows our key proves nothing */
		if (s->state == SASL_PROOF && !s->verified && text && finish_data(s, text, len, err) < 0)
			return stop(s, err, *err);
		if (s->state == SASL_IDLE || s->state == SASL_DONE || s->state == SASL_FAILED)
			return stop(s, err, AUTH_ERR_PROTOCOL);
		if (!s->verified)
			return stop(s, err, AUTH_ERR_SCRAM_UNVERIFIED);
		break;
	default:
		return stop(s, err, AUTH_ERR_PROTOCOL);
	}
	s->state = SASL_DONE;
	return 0;
}

enum auth_error
sasl_rejected(const struct sasl *s, int code)
{
	if (code == 432)	/* RFC 4954 6: a password transition is needed */
		return AUTH_ERR_PASSWORD_EXPIRED;
	switch (s->mech) {
	case AUTH_PLAIN:
		/* the initial response carried the credentials: 535 judges
		 * them, anything else refuses the mechanism */
		if (s->state == SASL_COMMAND)
			return code == 535 ? AUTH_ERR_REJECTED_PLAIN : AUTH_ERR_REJECTED_AUTH_PLAIN;
		if (s->state == SASL_PASS)
			return AUTH_ERR_REJECTED_PLAIN;
		break;
	case AUTH_LOGIN:
		if (s->state == SASL_COMMAND)
			return AUTH_ERR_REJECTED_AUTH_LOGIN;
		if (s->state == SASL_USER)
			return AUTH_ERR_REJECTED_USERNAME;
		if (s->state == SASL_PASS)
			return AUTH_ERR_REJECTED_PASSWORD;
		break;
	case AUTH_CRAM_MD5:
		if (s->state == SASL_COMMAND)
			return AUTH_ERR_REJECTED_AUTH_CRAM;
		if (s->state == SASL_DIGEST)
			return AUTH_ERR_REJECTED_DIGEST;
		break;
	case AUTH_SCRAM_SHA_256:
		if (s->state == SASL_COMMAND)
			return AUTH_ERR_REJECTED_AUTH_SCRAM;
		if (s->state == SASL_PROOF || s->state == SASL_VERIFIED)
			return AUTH_ERR_REJECTED_PROOF;
		break;
	default:
		break;
	}
	return AUTH_ERR_PROTOCOL;
}

void
sasl_wipe(struct sasl *s)
{
	explicit_bzero(s, sizeof *s);
}

int
sasl_challenge(const char *text, size_t textlen, size_t *off, size_t *len)
{
	size_t b, e;

	e = textlen;
	if (e > 0 && text[e - 1] == '\n')
		--e;
	b = e;
	while (b > 0 && text[b - 1] != '\n')
		--b;
	if (e - b < 3)
		return -1;
	b += 3;
	if (b < e && (text[b] == ' ' || text[b] == '-'))
		++b;
	while (e > b && (text[e - 1] == ' ' || text[e - 1] == '\t' || text[e - 1] == '\r'))
		--e;
	*off = b;
	*len = e - b;
	return 0;
}
