/*
 * test_auth.c -- the SASL client: base64 both ways (RFC 4648 vectors and
 * strictness), the choice of mechanism and the plaintext rule, PLAIN
 * (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195's example), SCRAM-SHA-256 (RFC
 * 7677's example, both places the server-final may arrive, and every way
 * a server-first or server-final can be wrong), credential checks, the
 * reply text → error mapping, and that sasl_wipe leaves nothing behind.
 */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "auth.h"

#define RFC7677_NONCE	"rOprNGfwEbeRWgbNEkqO"
#define RFC7677_SERVER_NONCE	RFC7677_NONCE "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define RFC7677_SALT	"W22ZaJ0SNY7soEsUEjb6gQ=="
#define RFC7677_FIRST	"biwsbj11c2VyLHI9ck9wck5HZndFYmVSV2diTkVrcU8="
#define RFC7677_SERVER_FIRST "cj1yT3ByTkdmd0ViZVJXZ2JORWtxTyVodllEcFdVYTJSYVRDQWZ1eEZJbGopaE5sRiRrMCxzPVcyMlphSjBTTlk3c29Fc1VFamI2Z1E9PSxpPTQwOTY="
#define RFC7677_FINAL	"Yz1iaXdzLHI9ck9wck5HZndFYmVSV2diTkVrcU8laHZZRHBXVWEyUmFUQ0FmdXhGSWxqKWhObEYkazAscD1kSHpiWmFwV0lrNGpVaE4rVXRlOXl0YWc5empmTUhnc3FtbWl6N0FuZFZRPQ=="
#define RFC7677_SERVER_FINAL "dj02cnJpVFJCaTIzV3BSUi93dHVwK21NaFVaVW4vZEI1bkxUSlJzamw5NUc0PQ=="

static char line[AUTH_LINE_MAX];
static size_t len;

/* base64 of a string, for hand-made challenges */
static const char *
b64(const char *s)
{
	static char out[4][AUTH_LINE_MAX];
	static int k;
	size_t n;

	k = (k + 1) % 4;
	if (auth_b64encode((const unsigned char *)s, strlen(s), out[k], sizeof out[k], &n) != 0)
		return "!";
	return out[k];
}

static int
step(struct sasl *s, const char *challenge, enum auth_error *err)
{
	return sasl_step(s, challenge, strlen(challenge), line, sizeof line, &len, err);
}

static int
finish(struct sasl *s, const char *text, enum auth_error *err)
{
	return sasl_finish(s, text, strlen(text), err);
}

/* Does the memory hold needle anywhere? */
static int
holds(const void *mem, size_t size, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= size; ++i)
		if (memcmp((const char *)mem + i, needle, n) == 0)
			return 1;
	return 0;
}

static void
test_b64(void)
{
	static const struct { const char *plain, *enc; } v[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	static const char *bad[] = {
		"Zg=", "Zm9v\n", "Zm 9v", "Z===", "====", "=Zg=", "Zg==Zg==", "Zm9v!A==",
		"Zg=a", "Zm9vY", "Zm9\r", "Zm-_", "Zm9v\0Zg=",
	};
	unsigned char out[64];
	char enc[64];
	size_t i, n;

	for (i = 0; i < sizeof v / sizeof v[0]; ++i) {
		CHECK(auth_b64encode((const unsigned char *)v[i].plain, strlen(v[i].plain),
		    enc, sizeof enc, &n) == 0 && n == strlen(v[i].enc) &&
		    strcmp(enc, v[i].enc) == 0, "encode %s -> %s", v[i].plain, enc);
		CHECK(auth_b64decode(v[i].enc, strlen(v[i].enc), out, sizeof out, &n) == 0 &&
		    n == strlen(v[i].plain) && memcmp(out, v[i].plain, n) == 0,
		    "decode %s", v[i].enc);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; ++i)
		CHECK(auth_b64decode(bad[i], i == 12 ? 9 : strlen(bad[i]), out, sizeof out, &n) != 0,
		    "decode accepted bad %zu \"%s\"", i, bad[i]);
	/* non-zero pad bits: accepted, RFC 4648 3.5 allows it */
	CHECK(auth_b64decode("Zh==", 4, out, sizeof out, &n) == 0 && n == 1 && out[0] == 'f',
	    "Zh== not accepted as f");
	/* output bounds */
	CHECK(auth_b64decode("Zm9vYmFy", 8, out, 5, &n) != 0, "decode overflowed 5 bytes");
	CHECK(auth_b64decode("Zm9vYmFy", 8, out, 6, &n) == 0 && n == 6, "decode into exactly 6");
	CHECK(auth_b64decode("Zm9vYg==", 8, out, 4, &n) == 0 && n == 4, "decode padded into exactly 4");
	CHECK(auth_b64encode((const unsigned char *)"foo", 3, enc, 4, &n) != 0, "encode without room for NUL");
	CHECK(auth_b64encode((const unsigned char *)"foo", 3, enc, 5, &n) == 0 && n == 4, "encode into exactly 5");
}

static void
test_choose(void)
{
	static const struct { const char *offered; int plain_ok; enum auth_mech want; } v[] = {
		{ "PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256 ", 1, AUTH_SCRAM_SHA_256 },
		{ "PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256 ", 0, AUTH_SCRAM_SHA_256 },
		{ "PLAIN LOGIN CRAM-MD5 ", 1, AUTH_CRAM_MD5 },
		{ "PLAIN LOGIN CRAM-MD5 ", 0, AUTH_CRAM_MD5 },
		{ "PLAIN LOGIN ", 1, AUTH_LOGIN },
		{ "LOGIN PLAIN", 1, AUTH_LOGIN },
		{ "PLAIN ", 1, AUTH_PLAIN },
		{ "PLAIN LOGIN ", 0, AUTH_REFUSED_PLAINTEXT },
		{ "PLAIN", 0, AUTH_REFUSED_PLAINTEXT },
		{ "LOGIN ", 0, AUTH_REFUSED_PLAINTEXT },
		{ "", 1, AUTH_NONE },
		{ "", 0, AUTH_NONE },
		{ "GSSAPI NTLM XOAUTH2 ", 1, AUTH_NONE },
		{ "GSSAPI NTLM XOAUTH2 ", 0, AUTH_NONE },
		{ "SCRAM-SHA-256-PLUS SCRAM-SHA-1 CRAM-MD5X PLAINX", 1, AUTH_NONE },	/* whole names only */
		{ "SCRAM-SHA-256-PLUS SCRAM-SHA-256", 0, AUTH_SCRAM_SHA_256 },
		{ "  cram-md5   plain ", 1, AUTH_CRAM_MD5 },	/* any case, any spacing */
		{ "DIGEST-MD5 PLAIN", 1, AUTH_PLAIN },
	};
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; ++i)
		CHECK(auth_choose(v[i].offered, v[i].plain_ok) == v[i].want,
		    "auth_choose(\"%s\", %d) = %d, want %d", v[i].offered, v[i].plain_ok,
		    (int)auth_choose(v[i].offered, v[i].plain_ok), (int)v[i].want);
	CHECK(auth_choose(NULL, 1) == AUTH_NONE, "auth_choose(NULL)");
	CHECK(strcmp(auth_mech_name(AUTH_SCRAM_SHA_256), "SCRAM-SHA-256") == 0 &&
	    strcmp(auth_mech_name(AUTH_CRAM_MD5), "CRAM-MD5") == 0 &&
	    strcmp(auth_mech_name(AUTH_NONE), "") == 0 &&
	    strcmp(auth_mech_name((enum auth_mech)99), "") == 0, "auth_mech_name");
}

static void
test_plain(void)
{
	struct sasl s;
	enum auth_error err;

	/* RFC 4616 4's example, without authzid */
	CHECK(sasl_start(&s, AUTH_PLAIN, "tim", "tanstaaftanstaaf", line, sizeof line, &len, &err) == 0 &&
	    strcmp(line, "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm") == 0 && len == strlen(line),
	    "PLAIN start: %s", line);
	CHECK(sasl_rejected(&s, 535) == AUTH_ERR_REJECTED_PLAIN, "PLAIN 535");
	CHECK(sasl_rejected(&s, 504) == AUTH_ERR_REJECTED_AUTH_PLAIN, "PLAIN 504");
	CHECK(sasl_rejected(&s, 534) == AUTH_ERR_REJECTED_AUTH_PLAIN, "PLAIN 534");
	CHECK(sasl_rejected(&s, 432) == AUTH_ERR_PASSWORD_EXPIRED, "PLAIN 432");
	CHECK(finish(&s, "2.7.0 Authentication successful", &err) == 0 && err == AUTH_OK, "PLAIN 235");
	CHECK(s.state == SASL_DONE, "PLAIN done");
	CHECK(finish(&s, "2.7.0 again", &err) != 0 && err == AUTH_ERR_PROTOCOL, "PLAIN second 235");
	sasl_wipe(&s);

	/* a server that ignores the initial response asks with an empty 334 */
	sasl_start(&s, AUTH_PLAIN, "tim", "tanstaaftanstaaf", line, sizeof line, &len, &err);
	CHECK(step(&s, "", &err) == 0 && strcmp(line, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm") == 0,
	    "PLAIN after 334: %s", line);
	CHECK(sasl_rejected(&s, 535) == AUTH_ERR_REJECTED_PLAIN &&
	    sasl_rejected(&s, 454) == AUTH_ERR_REJECTED_PLAIN, "PLAIN rejected after 334");
	CHECK(step(&s, "", &err) != 0 && err == AUTH_ERR_PROTOCOL && len == 0 && line[0] == '\0',
	    "PLAIN third 334");
	sasl_wipe(&s);

	/* authzid-less with a UTF-8 password */
	CHECK(sasl_start(&s, AUTH_PLAIN, "user", "p\xc3\xa4ss", line, sizeof line, &len, &err) == 0 &&
	    strcmp(line, "AUTH PLAIN AHVzZXIAcMOkc3M=") == 0, "PLAIN UTF-8: %s", line);
	sasl_wipe(&s);
}

static void
test_login(void)
{
	struct sasl s;
	enum auth_error err;

	CHECK(sasl_start(&s, AUTH_LOGIN, "tim", "tanstaaftanstaaf", line, sizeof line, &len, &err) == 0 &&
	    strcmp(line, "AUTH LOGIN") == 0 && len == 10, "LOGIN start: %s", line);
	CHECK(sasl_rejected(&s, 504) == AUTH_ERR_REJECTED_AUTH_LOGIN, "LOGIN refused");
	CHECK(step(&s, "VXNlcm5hbWU6", &err) == 0 && strcmp(line, "dGlt") == 0, "LOGIN user: %s", line);
	CHECK(sasl_rejected(&s, 535) == AUTH_ERR_REJECTED_USERNAME, "LOGIN user rejected");
	CHECK(step(&s, "UGFzc3dvcmQ6", &err) == 0 && strcmp(line, "dGFuc3RhYWZ0YW5zdGFhZg==") == 0,
	    "LOGIN pass: %s", line);
	CHECK(sasl_rejected(&s, 535) == AUTH_ERR_REJECTED_PASSWORD, "LOGIN pass rejected");
	CHECK(step(&s, "UGFzc3dvcmQ6", &err) != 0 && err == AUTH_ERR_PROTOCOL, "LOGIN third 334");
	sasl_wipe(&s);

	/* prompts are not looked at: plain text, empty, junk all work */
	sasl_start(&s, AUTH_LOGIN, "tim", "tanstaaftanstaaf", line, sizeof line, &len, &err);
	CHECK(step(&s, "Username:", &err) == 0 && strcmp(line, "dGlt") == 0, "LOGIN raw prompt");
	CHECK(step(&s, "", &err) == 0 && strcmp(line, "dGFuc3RhYWZ0YW5zdGFhZg==") == 0, "LOGIN empty prompt");
	CHECK(finish(&s, "2.7.0 ok", &err) == 0, "LOGIN 235");
	sasl_wipe(&s);
}

static void
test_cram(void)
{
	struct sasl s;
	enum auth_error err;

	CHECK(sasl_start(&s, AUTH_CRAM_MD5, "tim", "tanstaaftanstaaf", line, sizeof line, &len, &err) == 0 &&
	    strcmp(line, "AUTH CRAM-MD5") == 0, "CRAM start: %s", line);
	CHECK(sasl_rejected(&s, 504) == AUTH_ERR_REJECTED_AUTH_CRAM, "CRAM refused");
	/* RFC 2195 2 */
	CHECK(step(&s, b64("<1896.697170952@postoffice.reston.mci.net>"), &err) == 0 &&
	    strcmp(line, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw") == 0,
	    "CRAM RFC 2195: %s", line);
	CHECK(strcmp(line, b64("tim b913a602c7eda7a495b4e6e7334d3890")) == 0, "CRAM digest text");
	CHECK(sasl_rejected(&s, 535) == AUTH_ERR_REJECTED_DIGEST, "CRAM digest rejected");
	CHECK(step(&s, "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+", &err) != 0 &&
	    err == AUTH_ERR_PROTOCOL, "CRAM second 334");
	sasl_wipe(&s);

	sasl_start(&s, AUTH_CRAM_MD5, "tim", "tanstaaftanstaaf", line, sizeof line, &len, &err);
	CHECK(step(&s, "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ", &err) != 0 &&
	    err == AUTH_ERR_DECODE_CHALLENGE, "CRAM unpadded challenge");
	CHECK(step(&s, b64("x"), &err) != 0 && err == AUTH_ERR_PROTOCOL, "CRAM after failure");
	sasl_start(&s, AUTH_CRAM_MD5, "tim", "tanstaaftanstaaf", line, sizeof line, &len, &err);
	CHECK(step(&s, "PDE4OTYu Njk3", &err) != 0 && err == AUTH_ERR_DECODE_CHALLENGE, "CRAM space");
	sasl_start(&s, AUTH_CRAM_MD5, "tim", "tanstaaftanstaaf", line, sizeof line, &len, &err);
	CHECK(step(&s, "", &err) != 0 && err == AUTH_ERR_DECODE_CHALLENGE, "CRAM empty challenge");
	sasl_start(&s, AUTH_CRAM_MD5, "tim", "tanstaaftanstaaf", line, sizeof line, &len, &err);
	CHECK(step(&s, "PDE4*TYu", &err) != 0 && err == AUTH_ERR_DECODE_CHALLENGE, "CRAM bad char");
	sasl_wipe(&s);
}

/* Starts the RFC 7677 example and answers its server-first. */
static int
scram_to_proof(struct sasl *s, enum auth_error *err)
{
	if (sasl_start_with_nonce(s, AUTH_SCRAM_SHA_256, "user", "pencil", RFC7677_NONCE,
	    line, sizeof line, &len, err) != 0)
		return -1;
	return step(s, RFC7677_SERVER_FIRST, err);
}

static void
test_scram_example(void)
{
	struct sasl s;
	enum auth_error err;

	/* RFC 7677 3, server-final in a 334 answered by an empty line
	 * (Postfix with Cyrus or Dovecot) */
	CHECK(sasl_start_with_nonce(&s, AUTH_SCRAM_SHA_256, "user", "pencil", RFC7677_NONCE,
	    line, sizeof line, &len, &err) == 0 &&
	    strcmp(line, "AUTH SCRAM-SHA-256 " RFC7677_FIRST) == 0, "SCRAM start: %s", line);
	CHECK(!holds(&s, sizeof s, "pencil"), "SCRAM struct holds the password after start");
	CHECK(sasl_rejected(&s, 504) == AUTH_ERR_REJECTED_AUTH_SCRAM, "SCRAM refused");
	CHECK(finish(&s, "2.7.0 ok", &err) != 0 && err == AUTH_ERR_SCRAM_UNVERIFIED,
	    "SCRAM 235 to client-first");
	sasl_start_with_nonce(&s, AUTH_SCRAM_SHA_256, "user", "pencil", RFC7677_NONCE,
	    line, sizeof line, &len, &err);
	CHECK(step(&s, RFC7677_SERVER_FIRST, &err) == 0 && strcmp(line, RFC7677_FINAL) == 0,
	    "SCRAM client-final: %s (err %d)", line, (int)err);
	CHECK(!holds(&s, sizeof s, "pencil"), "SCRAM struct holds the password after proof");
	CHECK(sasl_rejected(&s, 535) == AUTH_ERR_REJECTED_PROOF, "SCRAM proof rejected");
	CHECK(finish(&s, "2.7.0 Authentication successful", &err) != 0 &&
	    err == AUTH_ERR_SCRAM_UNVERIFIED, "SCRAM 235 before server-final");
	scram_to_proof(&s, &err);
	CHECK(step(&s, RFC7677_SERVER_FINAL, &err) == 0 && len == 0 && line[0] == '\0',
	    "SCRAM server-final in 334: %d", (int)err);
	CHECK(s.verified && s.state == SASL_VERIFIED, "SCRAM verified");
	CHECK(sasl_rejected(&s, 535) == AUTH_ERR_REJECTED_PROOF, "SCRAM rejected after verify");
	CHECK(step(&s, RFC7677_SERVER_FINAL, &err) != 0 && err == AUTH_ERR_PROTOCOL,
	    "SCRAM 334 after server-final");
	scram_to_proof(&s, &err);
	step(&s, RFC7677_SERVER_FINAL, &err);
	CHECK(finish(&s, "2.7.0 Authentication successful", &err) == 0 && err == AUTH_OK,
	    "SCRAM 235 after server-final");
	sasl_wipe(&s);

	/* server-final as the 235's additional data */
	scram_to_proof(&s, &err);
	CHECK(finish(&s, RFC7677_SERVER_FINAL, &err) == 0, "SCRAM server-final in 235: %d", (int)err);
	scram_to_proof(&s, &err);
	CHECK(finish(&s, "2.7.0 " RFC7677_SERVER_FINAL, &err) == 0,
	    "SCRAM server-final in 235 after status code: %d", (int)err);
	scram_to_proof(&s, &err);
	CHECK(finish(&s, RFC7677_SERVER_FINAL " Authentication successful", &err) == 0,
	    "SCRAM server-final in 235 before text: %d", (int)err);
	scram_to_proof(&s, &err);
	CHECK(finish(&s, b64("v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="), &err) != 0 &&
	    err == AUTH_ERR_SCRAM_SIGNATURE, "SCRAM wrong signature in 235");
	scram_to_proof(&s, &err);
	CHECK(finish(&s, "", &err) != 0 && err == AUTH_ERR_SCRAM_UNVERIFIED, "SCRAM empty 235");
	sasl_wipe(&s);

	/* the initial response ignored: client-first again, then on */
	sasl_start_with_nonce(&s, AUTH_SCRAM_SHA_256, "user", "pencil", RFC7677_NONCE,
	    line, sizeof line, &len, &err);
	CHECK(step(&s, "", &err) == 0 && strcmp(line, RFC7677_FIRST) == 0, "SCRAM resend: %s", line);
	CHECK(step(&s, RFC7677_SERVER_FIRST, &err) == 0 && strcmp(line, RFC7677_FINAL) == 0,
	    "SCRAM client-final after resend");
	sasl_start_with_nonce(&s, AUTH_SCRAM_SHA_256, "user", "pencil", RFC7677_NONCE,
	    line, sizeof line, &len, &err);
	step(&s, "", &err);
	CHECK(step(&s, "", &err) != 0 && err == AUTH_ERR_SCRAM_SERVER_FIRST, "SCRAM second empty 334");
	sasl_wipe(&s);
}

static void
test_scram_bad(void)
{
	static const struct { const char *server_first; enum auth_error want; } sf[] = {
		{ "r=" RFC7677_SERVER_NONCE ",s=" RFC7677_SALT ",i=4096", AUTH_OK },
		{ "r=" RFC7677_SERVER_NONCE ",s=" RFC7677_SALT ",i=4096,x=ext", AUTH_OK },
		{ "r=" RFC7677_SERVER_NONCE ",s=" RFC7677_SALT ",i=1000000", AUTH_OK },
		{ "r=XrOprNGfwEbeRWgbNEkqO%hvYDpW,s=" RFC7677_SALT ",i=4096", AUTH_ERR_SCRAM_NONCE },
		{ "r=rOprNGfwEbeRWgbNEkq,s=" RFC7677_SALT ",i=4096", AUTH_ERR_SCRAM_NONCE },
		{ "r=" RFC7677_NONCE ",s=" RFC7677_SALT ",i=4096", AUTH_ERR_SCRAM_NONCE },	/* no server part */
		{ "r=" RFC7677_NONCE "\x01x,s=" RFC7677_SALT ",i=4096", AUTH_ERR_SCRAM_SERVER_FIRST },
		{ "r=" RFC7677_NONCE "x y,s=" RFC7677_SALT ",i=4096", AUTH_ERR_SCRAM_SERVER_FIRST },
		{ "r=" RFC7677_SERVER_NONCE ",i=4096", AUTH_ERR_SCRAM_SERVER_FIRST },
		{ "r=" RFC7677_SERVER_NONCE ",s=" RFC7677_SALT, AUTH_ERR_SCRAM_SERVER_FIRST },
		{ "s=" RFC7677_SALT ",i=4096", AUTH_ERR_SCRAM_SERVER_FIRST },
		{ "r=" RFC7677_SERVER_NONCE ",i=4096,s=" RFC7677_SALT, AUTH_ERR_SCRAM_SERVER_FIRST },
		{ "m=ext,r=" RFC7677_SERVER_NONCE ",s=" RFC7677_SALT ",i=4096", AUTH_ERR_SCRAM_SERVER_FIRST },
		{ "r=" RFC7677_SERVER_NONCE ",s=,i=4096", AUTH_ERR_SCRAM_SERVER_FIRST },
		{ "r=" RFC7677_SERVER_NONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ,i=4096", AUTH_ERR_SCRAM_SERVER_FIRST },
		{ "r=" RFC7677_SERVER_NONCE ",s=" RFC7677_SALT ",i=", AUTH_ERR_SCRAM_SERVER_FIRST },
		{ "r=" RFC7677_SERVER_NONCE ",s=" RFC7677_SALT ",i=04096", AUTH_ERR_SCRAM_SERVER_FIRST },
		{ "r=" RFC7677_SERVER_NONCE ",s=" RFC7677_SALT ",i=4096x", AUTH_ERR_SCRAM_SERVER_FIRST },
		{ "r=" RFC7677_SERVER_NONCE ",s=" RFC7677_SALT ",i=-4096", AUTH_ERR_SCRAM_SERVER_FIRST },
		{ "r=" RFC7677_SERVER_NONCE ",s=" RFC7677_SALT ",i=4095", AUTH_ERR_SCRAM_ITERATIONS },
		{ "r=" RFC7677_SERVER_NONCE ",s=" RFC7677_SALT ",i=1", AUTH_ERR_SCRAM_ITERATIONS },
		{ "r=" RFC7677_SERVER_NONCE ",s=" RFC7677_SALT ",i=1000001", AUTH_ERR_SCRAM_ITERATIONS },
		{ "r=" RFC7677_SERVER_NONCE ",s=" RFC7677_SALT ",i=2147483648", AUTH_ERR_SCRAM_ITERATIONS },
		{ "r=" RFC7677_SERVER_NONCE ",s=" RFC7677_SALT ",i=99999999999999999999999999999", AUTH_ERR_SCRAM_ITERATIONS },
		{ "r=", AUTH_ERR_SCRAM_SERVER_FIRST },
		{ "r=,s=" RFC7677_SALT ",i=4096", AUTH_ERR_SCRAM_NONCE },
		{ ",", AUTH_ERR_SCRAM_SERVER_FIRST },
	};
	static const struct { const char *server_final; enum auth_error want; } fin[] = {
		{ "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", AUTH_OK },
		{ "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=,x=ext", AUTH_OK },
		{ "v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", AUTH_ERR_SCRAM_SIGNATURE },
		{ "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5=", AUTH_OK },	/* pad bits ignored */
		{ "v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", AUTH_ERR_SCRAM_SIGNATURE },
		{ "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl9", AUTH_ERR_SCRAM_SERVER_FINAL },
		{ "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4", AUTH_ERR_SCRAM_SERVER_FINAL },
		{ "v=", AUTH_ERR_SCRAM_SERVER_FINAL },
		{ "e=invalid-proof", AUTH_ERR_REJECTED_PROOF },
		{ "", AUTH_ERR_SCRAM_SERVER_FINAL },
		{ "x=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", AUTH_ERR_SCRAM_SERVER_FINAL },
	};
	struct sasl s;
	enum auth_error err;
	size_t i;
	int r;

	for (i = 0; i < sizeof sf / sizeof sf[0]; ++i) {
		sasl_start_with_nonce(&s, AUTH_SCRAM_SHA_256, "user", "pencil", RFC7677_NONCE,
		    line, sizeof line, &len, &err);
		err = AUTH_OK;
		r = step(&s, b64(sf[i].server_first), &err);
		CHECK((r == 0) == (sf[i].want == AUTH_OK) && err == sf[i].want,
		    "server-first \"%s\": r %d err %d, want %d", sf[i].server_first, r, (int)err,
		    (int)sf[i].want);
		if (r != 0)
			CHECK(s.state == SASL_FAILED && len == 0, "failed state after \"%s\"", sf[i].server_first);
	}
	sasl_start_with_nonce(&s, AUTH_SCRAM_SHA_256, "user", "pencil", RFC7677_NONCE,
	    line, sizeof line, &len, &err);
	CHECK(step(&s, "cj1yT3ByTkdm!", &err) != 0 && err == AUTH_ERR_DECODE_CHALLENGE,
	    "server-first not base64");
	sasl_start_with_nonce(&s, AUTH_SCRAM_SHA_256, "user", "pencil", RFC7677_NONCE,
	    line, sizeof line, &len, &err);
	CHECK(sasl_step(&s, "cj1y\0\0\0\0", 8, line, sizeof line, &len, &err) != 0,
	    "server-first with NULs in base64");
	{
		static const char nul[] = "r=" RFC7677_SERVER_NONCE ",s=" RFC7677_SALT ",i=4096,x=\0";
		char enc[256];
		size_t n;

		auth_b64encode((const unsigned char *)nul, sizeof nul - 1, enc, sizeof enc, &n);
		sasl_start_with_nonce(&s, AUTH_SCRAM_SHA_256, "user", "pencil", RFC7677_NONCE,
		    line, sizeof line, &len, &err);
		CHECK(step(&s, enc, &err) != 0 && err == AUTH_ERR_SCRAM_SERVER_FIRST,
		    "server-first with a decoded NUL");
	}
	/* a lower ceiling, as the fuzzer sets it */
	sasl_start_with_nonce(&s, AUTH_SCRAM_SHA_256, "user", "pencil", RFC7677_NONCE,
	    line, sizeof line, &len, &err);
	s.iter_max = 4096;
	CHECK(step(&s, b64("r=" RFC7677_SERVER_NONCE ",s=" RFC7677_SALT ",i=4097"), &err) != 0 &&
	    err == AUTH_ERR_SCRAM_ITERATIONS, "iter_max lowered");
	/* and a lower floor: 2 rounds then pass the count check */
	sasl_start_with_nonce(&s, AUTH_SCRAM_SHA_256, "user", "pencil", RFC7677_NONCE,
	    line, sizeof line, &len, &err);
	s.iter_min = 1;
	s.iter_max = 64;
	CHECK(step(&s, b64("r=" RFC7677_SERVER_NONCE ",s=" RFC7677_SALT ",i=2"), &err) == 0 &&
	    err == AUTH_OK, "iter_min lowered: %d", (int)err);

	for (i = 0; i < sizeof fin / sizeof fin[0]; ++i) {
		scram_to_proof(&s, &err);
		err = AUTH_OK;
		r = step(&s, b64(fin[i].server_final), &err);
		CHECK((r == 0) == (fin[i].want == AUTH_OK) && err == fin[i].want,
		    "server-final \"%s\" in 334: r %d err %d, want %d", fin[i].server_final, r,
		    (int)err, (int)fin[i].want);
		if (r != 0)
			CHECK(finish(&s, "2.7.0 ok", &err) != 0, "235 after a bad server-final");
	}
	scram_to_proof(&s, &err);
	CHECK(step(&s, "dj02cnJp!", &err) != 0 && err == AUTH_ERR_DECODE_CHALLENGE,
	    "server-final not base64");
	scram_to_proof(&s, &err);
	CHECK(finish(&s, b64("e=other-error"), &err) != 0 && err == AUTH_ERR_REJECTED_PROOF,
	    "235 carrying e=");
	sasl_wipe(&s);
}

static void
test_scram_user(void)
{
	struct sasl s;
	enum auth_error err;
	unsigned char dec[AUTH_LINE_MAX];
	size_t n;
	int r;
	char a[40], b[40];

	/* RFC 5802 5.1: ',' and '=' in the name are escaped */
	r = sasl_start(&s, AUTH_SCRAM_SHA_256, "a,b=c", "pw", line, sizeof line, &len, &err);
	CHECK(r == 0 && strncmp(line, "AUTH SCRAM-SHA-256 ", 19) == 0, "SCRAM start");
	r = auth_b64decode(line + 19, len - 19, dec, sizeof dec - 1, &n);
	dec[r == 0 ? n : 0] = '\0';
	CHECK(r == 0 && strncmp((char *)dec, "n,,n=a=2Cb=3Dc,r=", 17) == 0 && n == 17 + AUTH_SCRAM_NONCE_LEN &&
	    !strchr((char *)dec + 17, ','), "escaped client-first: %s", (char *)dec);
	snprintf(a, sizeof a, "%s", s.nonce);
	CHECK(strlen(a) == AUTH_SCRAM_NONCE_LEN && s.nonce_len == AUTH_SCRAM_NONCE_LEN, "nonce length");
	sasl_start(&s, AUTH_SCRAM_SHA_256, "a", "pw", line, sizeof line, &len, &err);
	snprintf(b, sizeof b, "%s", s.nonce);
	CHECK(strcmp(a, b) != 0, "nonces repeat: %s", a);
	sasl_wipe(&s);

	CHECK(sasl_start_with_nonce(&s, AUTH_SCRAM_SHA_256, "u", "p", "a,b", line, sizeof line, &len, &err) != 0,
	    "test nonce with ','");
	CHECK(sasl_start_with_nonce(&s, AUTH_SCRAM_SHA_256, "u", "p", "", line, sizeof line, &len, &err) != 0,
	    "empty test nonce");
}

static void
test_credentials(void)
{
	static const struct { const char *user, *pass; } bad[] = {
		{ "", "p" }, { "u", "" }, { "u\r\nMAIL FROM:<x>", "p" }, { "u", "p\n" },
		{ "u", "p\x7f" }, { "u", "p\tq" }, { "u", "p\xc2\x85q" }, { NULL, "p" }, { "u", NULL },
	};
	static const enum auth_mech mechs[] = { AUTH_PLAIN, AUTH_LOGIN, AUTH_CRAM_MD5, AUTH_SCRAM_SHA_256 };
	static char big[AUTH_PASS_MAX + 2], max[AUTH_PASS_MAX + 1], small[64];
	struct sasl s;
	enum auth_error err;
	size_t i, m;

	memset(big, 'x', sizeof big - 1);
	memset(max, ',', sizeof max - 1);	/* worst case for SCRAM's escaping */
	for (m = 0; m < sizeof mechs / sizeof mechs[0]; ++m) {
		for (i = 0; i < sizeof bad / sizeof bad[0]; ++i)
			CHECK(sasl_start(&s, mechs[m], bad[i].user, bad[i].pass, line, sizeof line, &len, &err) != 0 &&
			    err == AUTH_ERR_CREDENTIALS && s.state == SASL_FAILED, "mech %zu bad %zu accepted", m, i);
		CHECK(sasl_start(&s, mechs[m], big, "p", line, sizeof line, &len, &err) != 0 &&
		    err == AUTH_ERR_CREDENTIALS, "mech %zu: 513-byte user", m);
		CHECK(sasl_start(&s, mechs[m], "u", big, line, sizeof line, &len, &err) != 0 &&
		    err == AUTH_ERR_CREDENTIALS, "mech %zu: 513-byte password", m);
		/* the largest credentials fit AUTH_LINE_MAX at every step */
		CHECK(sasl_start(&s, mechs[m], max, max, line, sizeof line, &len, &err) == 0,
		    "mech %zu: 512-byte credentials: %d", m, (int)err);
		if (mechs[m] == AUTH_LOGIN) {
			CHECK(step(&s, "", &err) == 0 && step(&s, "", &err) == 0, "LOGIN 512");
		} else if (mechs[m] == AUTH_CRAM_MD5) {
			CHECK(step(&s, b64("<1.2@x>"), &err) == 0, "CRAM 512");
		} else if (mechs[m] == AUTH_SCRAM_SHA_256) {
			/* a server nonce filling the largest reply line */
			static char sfirst[1600];
			size_t k;

			k = (size_t)snprintf(sfirst, sizeof sfirst, "r=%s", s.nonce);
			while (k < 1450)
				sfirst[k++] = 'N';
			snprintf(sfirst + k, sizeof sfirst - k, ",s=%s,i=4096", RFC7677_SALT);
			CHECK(step(&s, b64(sfirst), &err) == 0, "SCRAM 512, long nonce: %d", (int)err);
		}
		sasl_wipe(&s);
		CHECK(sasl_start(&s, mechs[m], "u", "p", small, 12, &len, &err) != 0 ||
		    mechs[m] == AUTH_LOGIN, "mech %zu in 12 bytes", m);
	}
	CHECK(sasl_start(&s, AUTH_NONE, "u", "p", line, sizeof line, &len, &err) != 0 &&
	    err == AUTH_ERR_PROTOCOL, "AUTH_NONE started");
	CHECK(sasl_start(&s, AUTH_REFUSED_PLAINTEXT, "u", "p", line, sizeof line, &len, &err) != 0 &&
	    err == AUTH_ERR_PROTOCOL, "AUTH_REFUSED_PLAINTEXT started");

	/* every too-small line names the right encode error */
	CHECK(sasl_start(&s, AUTH_PLAIN, "tim", "tanstaaftanstaaf", small, 20, &len, &err) != 0 &&
	    err == AUTH_ERR_ENCODE_PLAIN, "PLAIN small line");
	sasl_start(&s, AUTH_LOGIN, "tim", "tanstaaftanstaaf", line, sizeof line, &len, &err);
	CHECK(sasl_step(&s, "", 0, small, 4, &len, &err) != 0 && err == AUTH_ERR_ENCODE_USER, "LOGIN small user");
	sasl_start(&s, AUTH_LOGIN, "tim", "tanstaaftanstaaf", line, sizeof line, &len, &err);
	step(&s, "", &err);
	CHECK(sasl_step(&s, "", 0, small, 20, &len, &err) != 0 && err == AUTH_ERR_ENCODE_PASS, "LOGIN small pass");
	sasl_start(&s, AUTH_CRAM_MD5, "tim", "tanstaaftanstaaf", line, sizeof line, &len, &err);
	CHECK(sasl_step(&s, "PDE+", 4, small, 40, &len, &err) != 0 && err == AUTH_ERR_ENCODE_DIGEST,
	    "CRAM small line");
	CHECK(sasl_start_with_nonce(&s, AUTH_SCRAM_SHA_256, "user", "pencil", RFC7677_NONCE,
	    small, 40, &len, &err) != 0 && err == AUTH_ERR_ENCODE_SCRAM, "SCRAM small first");
	sasl_start_with_nonce(&s, AUTH_SCRAM_SHA_256, "user", "pencil", RFC7677_NONCE,
	    line, sizeof line, &len, &err);
	CHECK(sasl_step(&s, RFC7677_SERVER_FIRST, strlen(RFC7677_SERVER_FIRST), small, 60, &len, &err) != 0 &&
	    err == AUTH_ERR_ENCODE_SCRAM, "SCRAM small final");
	sasl_wipe(&s);
}

static void
test_wipe(void)
{
	static const enum auth_mech mechs[] = { AUTH_PLAIN, AUTH_LOGIN, AUTH_CRAM_MD5, AUTH_SCRAM_SHA_256 };
	static const unsigned char zero[sizeof(struct sasl)];
	/* a copy, so the string literal is not what we find */
	char pass[] = { 'p', 'e', 'n', 'c', 'i', 'l', '\0' };
	struct sasl s;
	enum auth_error err;
	size_t m;

	for (m = 0; m < sizeof mechs / sizeof mechs[0]; ++m) {
		memset(&s, 0xa5, sizeof s);
		sasl_start_with_nonce(&s, mechs[m], "user", pass, RFC7677_NONCE, line, sizeof line, &len, &err);
		if (mechs[m] == AUTH_SCRAM_SHA_256) {
			step(&s, RFC7677_SERVER_FIRST, &err);
			step(&s, RFC7677_SERVER_FINAL, &err);
		} else if (mechs[m] == AUTH_CRAM_MD5) {
			step(&s, b64("<1.2@x>"), &err);
		} else {
			step(&s, "", &err);
			step(&s, "", &err);
		}
		CHECK(!holds(&s, sizeof s, "pencil") && !holds(&s, sizeof s, "cGVuY2ls"),
		    "mech %zu: struct holds the password", m);
		sasl_wipe(&s);
		CHECK(memcmp(&s, zero, sizeof s) == 0, "mech %zu: struct not clear after sasl_wipe", m);
		CHECK(!holds(&s, sizeof s, "pencil"), "mech %zu: password after wipe", m);
	}
}

static void
test_challenge(void)
{
	static const struct { const char *said; int ok; const char *want; } v[] = {
		{ "334 VXNlcm5hbWU6\n", 0, "VXNlcm5hbWU6" },
		{ "334 \n", 0, "" },
		{ "334\n", 0, "" },
		{ "334 dj0x  \t\n", 0, "dj0x" },
		{ "334-ignored\n334 dj0x\n", 0, "dj0x" },
		{ "235 2.7.0 Authentication successful\n", 0, "2.7.0 Authentication successful" },
		{ "334 Zm9v", 0, "Zm9v" },	/* truncated: no final "\n" */
		{ "", -1, "" },
		{ "33\n", -1, "" },
	};
	size_t i, off, n;
	int r;

	for (i = 0; i < sizeof v / sizeof v[0]; ++i) {
		off = n = 99;
		r = sasl_challenge(v[i].said, strlen(v[i].said), &off, &n);
		CHECK(r == v[i].ok && (r != 0 || (n == strlen(v[i].want) &&
		    memcmp(v[i].said + off, v[i].want, n) == 0)), "sasl_challenge(\"%s\")", v[i].said);
	}
}

static void
test_rejected(void)
{
	struct sasl s;

	memset(&s, 0, sizeof s);
	CHECK(sasl_rejected(&s, 535) == AUTH_ERR_PROTOCOL, "rejected before start");
	s.mech = AUTH_LOGIN;
	s.state = SASL_DONE;
	CHECK(sasl_rejected(&s, 535) == AUTH_ERR_PROTOCOL, "rejected after done");
	s.state = SASL_USER;
	CHECK(sasl_rejected(&s, 432) == AUTH_ERR_PASSWORD_EXPIRED, "432");
}

int
main(void)
{
	test_b64();
	test_choose();
	test_plain();
	test_login();
	test_cram();
	test_scram_example();
	test_scram_bad();
	test_scram_user();
	test_credentials();
	test_wipe();
	test_challenge();
	test_rejected();
	return check_done();
}
