/*
 * report.h -- the reports qmail-rspawn reads from fd 1, and their texts.
 * report.c is the only writer of fd 1. Every classic text lives there.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stddef.h>

#define SAID_MAX	4096	/* remote text kept per report (qmail: 5000) */

/* What the remote host said: every line of one reply, CR removed, each
 * line ending in '\n'. Truncated (never overflowing) at SAID_MAX. */
struct said {
	int code;		/* 3-digit SMTP code of the last line, 0 = none */
	size_t len;
	char text[SAID_MAX];
};

enum report_text {
	T_NONE = 0,
	T_USAGE,		/* D invoked improperly (#5.3.5) */
	T_NOMEM,		/* Z out of memory (#4.3.0) */
	T_OSERR,		/* Z system resources (#4.3.0) */
	T_READ,			/* Z unable to read message (#4.3.0) */
	T_CONTROL,		/* Z unable to read control files. (#4.3.0) + a detail line */
	T_NOCONN,		/* Z no SMTP connection (#4.4.1) */
	T_DNS_TEMP,		/* Z no host by that name, temporary (#4.1.2) */
	T_DNS_PERM,		/* D no host named detail (#5.1.2) */
	T_NOMX,			/* D no mail exchanger or IP address (#5.4.4) */
	T_NULLMX,		/* D detail does not accept mail (#5.1.10) */
	T_AMBIGMX,		/* D best-preference MX is me (#5.4.6) */
	T_PARTIAL,		/* D partial final line (#5.6.2) */
	T_BIND,			/* Z can't bind to local ip address: detail */
	T_GREETING,		/* Connected to H but greeting failed. */
	T_HELO,			/* Connected to H but my name was rejected. */
	T_SENDER,		/* Connected to H but sender was rejected. */
	T_GIVINGUP,		/* D Giving up on H. */
	T_DATA,			/* H failed on DATA command. */
	T_AFTERDATA,		/* H failed after I sent the message. */
	T_ACCEPTED,		/* K H accepted message. */
	T_DROPPED,		/* Z Connected to H but connection died. (#4.4.2) */
	T_TIMEOUT,		/* the same + "Timed out after N seconds (timeoutremote)." */
	T_PROTOCOL,		/* the same + "Protocol violation: detail." */
	T_QMTP_PROTOCOL,	/* Z ... recipient host did not talk proper QMTP. + detail line */
	/* TLS (seed 000's texts; M = the MX host name, H = the host argument) */
	T_TLS_CERT_LOAD,	/* Can't load X.509 certificate: detail. */
	T_TLS_KEY_LOAD,		/* Can't load X.509 private key: detail. */
	T_TLS_KEY_MISMATCH,	/* Keyfile does not match X.509 certificate: detail. */
	T_TLS_CIPHERS,		/* I wasn't able to process the TLS ciphers: detail. */
	T_TLS_CA,		/* I wasn't able to setup CAFILE/CADIR: detail for TLS. */
	T_TLS_CONTEXT,		/* I wasn't able to create TLS context for: H at M. */
	T_TLS_CONNECT,		/* I wasn't able to establish a TLS connection with: M for H. */
	T_TLS_PROTOCOL,		/* TLS connection/protocol error with host: M for H. */
	T_TLS_STARTTLS,		/* I wasn't able to negotiate a StartTLS connection with: M for H. */
	T_TLS_NOCERT,		/* Unable to obtain X.500 certificate from: M for H. */
	T_TLS_SUBJECT,		/* Unable to validate X.500 certificate Subject for: H at M. */
	T_TLS_CHAIN,		/* Unable to verify X.509 certificate chain from: M for H: detail. */
	T_TLS_PIN,		/* Received X.500 certificate from: M for H does not match ... */
	T_TLS_DIGEST,		/* ... posses an unknown digest method. */
	T_TLSA_MISSING,		/* TLSA X.509 cert required but missing from: M for H. */
	T_TLSA_FAIL,		/* TLSA validation failed for: M for H: detail. */
	T_TLSA_LOOKUP,		/* TLSA lookup error for: M for H. */
	T_TLS_UNAVAILABLE,	/* TLS is required for M for H but not possible: detail. */
	T_AUTH,			/* Connected to H but ...: the text for f->subcode (auth.h) */
	T_SMTPUTF8,		/* D the message needs SMTPUTF8 and H does not offer it (#5.6.7) */
	T_TEXT,			/* letter + detail verbatim */
	T_STS_MX		/* MTA-STS policy of H (enforce) does not list the mail exchanger M */
};

/* What the walk over the peers does after a session (qmail-remote.c reads
 * it; the session decides it where the cause is known). */
enum next {
	NEXT_FINAL = 0,		/* the message report is decided: the outcome holds it */
	NEXT_PEER,		/* failed before a transaction started: try the next host */
	NEXT_RETRY_PLAIN	/* opportunistic TLS failed in its protocol (where the
				 * policy allows it): the same host again, without TLS */
};

/* Why a certificate check failed, in the terms RFC 8460 counts: tls.c
 * sets it from OpenSSL's verify result, tlsrpt.c reads it. */
enum tls_cert {
	TLS_CERT_OK = 0,
	TLS_CERT_EXPIRED,	/* outside its validity dates */
	TLS_CERT_UNTRUSTED,	/* no chain to a trusted anchor, or another chain error */
	TLS_CERT_NAME,		/* it does not name the peer */
	TLS_CERT_NONE		/* the server sent none */
};

/* What a session learnt of TLS, whatever its end: the K report's words
 * come from it (report.c), TLS-RPT's result types too (tlsrpt.c). Set by
 * tls.c and the sessions; outcome_set() leaves it alone. */
struct tls_seen {
	char cipher[128];	/* "TLSv1.3 TLS_AES_256_GCM_SHA384" once a handshake
				 * succeeded, "" otherwise */
	int dane;		/* DANE authenticated the peer */
	int mtasts;		/* an MTA-STS policy in enforce mode held the session */
	enum tls_cert cert;	/* the certificate check that failed, and why */
	enum tls_cert audit;	/* MTA-STS testing: what enforce would have refused */
	char audit_detail[128];	/* OpenSSL's reason for it */
	int audit_old_tls;	/* MTA-STS testing: TLS below 1.2, which enforce refuses */
	/* for TLS-RPT (RFC 8460 4.3): what the session met */
	int handshake;		/* a TLS handshake was tried */
	int no_starttls;	/* 1: the server did not offer STARTTLS, 2: it refused it */
	char ehlo[512];		/* its first EHLO (or HELO) reply, lines joined by CRLF,
				 * as much as fits ("" none): the server's bytes */
};

/* A message outcome, decided where its cause is known. */
struct outcome {
	char letter;		/* 'K', 'Z' or 'D' */
	enum report_text text;
	enum next next;		/* what the walk does next (a session sets it) */
	int critical;		/* the final dot was sent: "Possible duplicate!" */
	int auth_skipped;	/* K: credentials given, no AUTH method in common */
	int tls_fell_back;	/* sent without TLS after TLS to this host failed (SPEC 7):
				 * the K report ends, a refusal that asked for TLS
				 * begins, with "TLS to H failed; sent without TLS." */
	int subcode;		/* T_AUTH: which enum auth_error */
	char host[64];		/* the peer's address as text */
	char mxname[264];	/* the peer's name (TLS texts' "remotehost") */
	char domain[264];	/* the host argument (TLS texts' "host") */
	char detail[512];	/* a name, file, or reason the text mentions */
	struct said said;	/* remote reply, said.len == 0 when none */
	struct tls_seen tls;
};

/* The outcome's letter, text and detail; no reply, next NEXT_FINAL (the
 * caller sets another), tls untouched. */
void outcome_set(struct outcome *f, char letter, enum report_text text, const char *detail);
/* The peer the outcome is about, for the texts: its address, its name
 * (NULL: the address) and the host argument (NULL: ""). */
void outcome_peer(struct outcome *f, const char *host, const char *mxname, const char *domain);

/* r/h/s for one recipient, in argv order (recip only shows on a terminal);
 * tls_fell_back: a refusal that asked for TLS after a fallback to
 * plaintext, whose text then begins with the TLS failure. */
void report_recipient(char letter, const char *recip, const char *host, const struct said *said,
    int tls_fell_back);
/* Writes out what is buffered (the recipient reports so far). */
void report_flush(void);
/* timeoutremote, for the text of a connection that timed out. */
void report_timeout(unsigned seconds);
/* The message report; flushes and exits 0 (or exitcode for QMTP). */
void report_exit(const struct outcome *f, int exitcode) __attribute__((noreturn));
/* Formats the message report into buf (for tests); returns its length. */
size_t report_format(const struct outcome *f, char *buf, size_t size);
/* The outcome's words on one line, without the letter (what https.c
 * traces and passes on as a fetch's reason). */
void report_reason(const struct outcome *f, char *buf, size_t size);
/* The words for an enum auth_error (for the K note and the transcript). */
const char *report_auth_text(int code);
/* Shortcut: report a text with no host or reply, and exit. */
void report_die(char letter, enum report_text text, const char *detail) __attribute__((noreturn));

#endif
