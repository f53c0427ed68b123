/*
 * auth.h -- the client side of SMTP AUTH's SASL mechanisms (RFC 4954):
 * PLAIN (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195) and SCRAM-SHA-256
 * (RFC 5802, RFC 7677). A stepper without I/O: smtp.c sends the lines
 * it writes and feeds it the server's 334 challenges.
 */
#ifndef AUTH_H
#define AUTH_H

#include <stddef.h>

#define AUTH_USER_MAX	512	/* bytes; far beyond any real account name */
#define AUTH_PASS_MAX	512	/* bytes; keeps every client line below AUTH_LINE_MAX */
#define AUTH_LINE_MAX	4096	/* the line buffer smtp.c gives: the longest client line
				 * (SCRAM client-final echoing a 2 KB server nonce) + NUL */
#define AUTH_DECODED_MAX 2048	/* a decoded challenge: a reply line is at most 2048
				 * bytes (REPLY_LINE_MAX), so this is never the limit */
#define AUTH_SCRAM_NONCE_LEN 32	/* our nonce: 24 random bytes in base64, no ',' */
#define AUTH_SCRAM_SALT_MAX 128	/* decoded salt; RFC 5802 servers use 12..64 */
#define AUTH_SCRAM_ITER_MIN 4096	/* RFC 7677 4: SHOULD be at least 4096; less
					 * makes the proof cheap to crack offline */
#define AUTH_SCRAM_ITER_MAX 1000000	/* bounds the CPU a hostile server can make us
					 * spend (0.25 s); OWASP asks 600000 for SHA-256 */
/* client-first-bare: "n=" escaped user (each byte at most "=2C") ",r=" nonce */
#define AUTH_SCRAM_BARE_MAX (2 + 3 * AUTH_USER_MAX + 3 + AUTH_SCRAM_NONCE_LEN + 1)

enum auth_mech {
	AUTH_NONE = 0,		/* no method in common: note it, deliver without AUTH */
	AUTH_PLAIN,
	AUTH_LOGIN,
	AUTH_CRAM_MD5,
	AUTH_SCRAM_SHA_256,
	AUTH_REFUSED_PLAINTEXT	/* only PLAIN/LOGIN offered, and no TLS: Z, never send */
};

/*
 * Every outcome; report.c turns each into one report text (s/qmail's
 * where it has one). All failures are Z; AUTH_ERR_NOMECH is a note.
 */
enum auth_error {
	AUTH_OK = 0,
	AUTH_ERR_NOMECH,		/* K note: no supported AUTH method found */
	AUTH_ERR_PLAINTEXT,		/* refusing to send a password in plaintext */
	AUTH_ERR_CREDENTIALS,		/* user/password empty, too long, control characters */
	AUTH_ERR_CRYPTO,		/* OpenSSL failed (random bytes, HMAC, PBKDF2) */
	AUTH_ERR_PROTOCOL,		/* a 334 where none may come (also: no step left) */
	AUTH_ERR_PASSWORD_EXPIRED,	/* 432: a password transition is needed */
	/* PLAIN */
	AUTH_ERR_REJECTED_AUTH_PLAIN,	/* AUTH PLAIN refused (not 334/235, not 535) */
	AUTH_ERR_ENCODE_PLAIN,		/* the credentials do not fit the line */
	AUTH_ERR_REJECTED_PLAIN,	/* the credentials were refused */
	/* LOGIN */
	AUTH_ERR_REJECTED_AUTH_LOGIN,	/* AUTH LOGIN refused */
	AUTH_ERR_ENCODE_USER,
	AUTH_ERR_REJECTED_USERNAME,	/* refused after the user name */
	AUTH_ERR_ENCODE_PASS,
	AUTH_ERR_REJECTED_PASSWORD,	/* refused after the password */
	/* CRAM-MD5 */
	AUTH_ERR_REJECTED_AUTH_CRAM,	/* AUTH CRAM-MD5 refused */
	AUTH_ERR_DECODE_CHALLENGE,	/* a challenge that is not strict base64 (any mechanism) */
	AUTH_ERR_ENCODE_DIGEST,
	AUTH_ERR_REJECTED_DIGEST,	/* refused after user + digest */
	/* SCRAM-SHA-256 */
	AUTH_ERR_REJECTED_AUTH_SCRAM,	/* AUTH SCRAM-SHA-256 <client-first> refused */
	AUTH_ERR_ENCODE_SCRAM,		/* client-first or client-final does not fit */
	AUTH_ERR_SCRAM_SERVER_FIRST,	/* server-first malformed, or a mandatory extension */
	AUTH_ERR_SCRAM_NONCE,		/* server nonce does not extend ours */
	AUTH_ERR_SCRAM_ITERATIONS,	/* i= outside AUTH_SCRAM_ITER_MIN..iter_max */
	AUTH_ERR_REJECTED_PROOF,	/* refused after client-final (or server-final e=) */
	AUTH_ERR_SCRAM_SERVER_FINAL,	/* server-final malformed */
	AUTH_ERR_SCRAM_SIGNATURE,	/* wrong server signature: not the server we know */
	AUTH_ERR_SCRAM_UNVERIFIED	/* 235 before the server proved its signature */
};

enum sasl_state {
	SASL_IDLE = 0,		/* nothing sent */
	SASL_COMMAND,		/* the AUTH command is out */
	SASL_USER,		/* LOGIN: the user name is out */
	SASL_PASS,		/* LOGIN: the password is out; PLAIN: the credentials after a 334 */
	SASL_DIGEST,		/* CRAM-MD5: user + digest is out */
	SASL_PROOF,		/* SCRAM: client-final is out */
	SASL_VERIFIED,		/* SCRAM: server signature checked, empty response out */
	SASL_DONE,		/* 235 accepted */
	SASL_FAILED		/* an error was returned: no further step */
};

/* One authentication. Holds no copy of the password; sasl_wipe() clears
 * what was derived from it. */
struct sasl {
	enum auth_mech mech;
	enum sasl_state state;
	const char *user, *pass;	/* the caller's strings, checked by sasl_start */
	size_t user_len, pass_len;
	int ir_resent;			/* the server ignored the initial response once */
	int verified;			/* SCRAM: the server signature matched */
	unsigned long iter_min;		/* AUTH_SCRAM_ITER_MIN; a fuzzer may lower both, */
	unsigned long iter_max;		/* AUTH_SCRAM_ITER_MAX; to keep PBKDF2 cheap */
	size_t nonce_len, bare_len;
	char nonce[AUTH_SCRAM_NONCE_LEN + 1];
	char bare[AUTH_SCRAM_BARE_MAX];	/* client-first-bare, for AuthMessage */
	unsigned char server_sig[32];	/* the ServerSignature we expect */
};

/*
 * The strongest offered mechanism: SCRAM-SHA-256, CRAM-MD5, LOGIN, PLAIN.
 * offered: the EHLO AUTH list (names separated by spaces, any case).
 * plaintext_ok = 0 (no TLS, peer not loopback) rules out PLAIN and LOGIN;
 * AUTH_REFUSED_PLAINTEXT then says that only those were offered.
 */
enum auth_mech
auth_choose(const char *offered, int plaintext_ok);
/* "PLAIN", ..., for transcripts; "" for AUTH_NONE. */
const char *
auth_mech_name(enum auth_mech m);

/*
 * Writes the AUTH command into line (size bytes, NUL-terminated, no CRLF),
 * *len its length: "AUTH PLAIN <b64(\0user\0pass)>", "AUTH LOGIN",
 * "AUTH CRAM-MD5", "AUTH SCRAM-SHA-256 <b64(client-first)>".
 * 0, or -1 with *err: AUTH_ERR_CREDENTIALS, AUTH_ERR_CRYPTO (no random
 * bytes), AUTH_ERR_ENCODE_{PLAIN,SCRAM} (or _USER, _DIGEST: line shorter
 * than the bare command), AUTH_ERR_PROTOCOL (m is not a mechanism).
 * user and pass must outlive s.
 */
int
sasl_start(struct sasl *s, enum auth_mech m, const char *user, const char *pass,
    char *line, size_t size, size_t *len, enum auth_error *err);
/* sasl_start with a fixed SCRAM client nonce: for tests (RFC 7677's example)
 * only. nonce: 1..AUTH_SCRAM_NONCE_LEN printable characters, no ','. */
int
sasl_start_with_nonce(struct sasl *s, enum auth_mech m, const char *user,
    const char *pass, const char *nonce, char *line, size_t size, size_t *len,
    enum auth_error *err);

/*
 * Answers a 334: challenge is its text after "334 " (base64, maybe empty,
 * no CRLF; see sasl_challenge). Writes the next client line (base64, maybe
 * empty, no CRLF) into line. 0, or -1 with *err: AUTH_ERR_PROTOCOL,
 * AUTH_ERR_DECODE_CHALLENGE, AUTH_ERR_ENCODE_{USER,PASS,PLAIN,DIGEST,SCRAM},
 * AUTH_ERR_CRYPTO, AUTH_ERR_SCRAM_{SERVER_FIRST,NONCE,ITERATIONS,
 * SERVER_FINAL,SIGNATURE}, AUTH_ERR_REJECTED_PROOF (server-final "e=").
 */
int
sasl_step(struct sasl *s, const char *challenge, size_t len, char *line,
    size_t size, size_t *outlen, enum auth_error *err);

/*
 * Accepts a 235: text is its last line after "235 " (may carry SCRAM's
 * server-final as additional data). 0, or -1 with *err:
 * AUTH_ERR_SCRAM_UNVERIFIED, AUTH_ERR_SCRAM_SIGNATURE, AUTH_ERR_PROTOCOL,
 * AUTH_ERR_REJECTED_PROOF (additional data "e=").
 */
int
sasl_finish(struct sasl *s, const char *text, size_t len, enum auth_error *err);

/* The error for a reply other than 334 or 235 (code: its 3-digit code),
 * given what was last sent. */
enum auth_error
sasl_rejected(const struct sasl *s, int code);

/* Clears everything derived from the secrets (and the pointers to them). */
void
sasl_wipe(struct sasl *s);

/*
 * The challenge inside a reply as struct said keeps it (every line ending
 * in "\n"): the last line after its code and separator, trailing white
 * space removed. Sets *off and *len into text; -1 when there is no line.
 */
int
sasl_challenge(const char *text, size_t textlen, size_t *off, size_t *len);

/* Base64 (RFC 4648 4) with padding. Encode: out needs 4 * ((len + 2) / 3) + 1
 * bytes (NUL-terminated). Decode is strict: only the alphabet, length a
 * multiple of 4, '=' only as final padding, no white space. 0 or -1. */
int
auth_b64encode(const unsigned char *in, size_t len, char *out, size_t size, size_t *outlen);
int
auth_b64decode(const char *in, size_t len, unsigned char *out, size_t size, size_t *outlen);

#endif
