/*
 * https.h -- one bounded HTTPS GET (for the MTA-STS policy file): SNI,
 * the chain and the host name checked by OpenSSL, HTTP/1.1, status 200
 * and media type text/plain only, no redirects, a body of bounded size,
 * the whole fetch bounded in time.
 */
#ifndef HTTPS_H
#define HTTPS_H

#include <stddef.h>
#include "conn.h"

#define HTTPS_LINE_MAX		8192	/* a status or header line; nginx's default buffer is 1 KB */
#define HTTPS_HEADERS_MAX	100	/* header lines of one response */
#define HTTPS_INTERIM_MAX	5	/* 1xx responses skipped before the real one */

enum https_status {
	HTTPS_OK = 0,		/* 200, the body in hand */
	HTTPS_FETCH,		/* no answer: DNS, connect, TLS handshake, timeout */
	HTTPS_WEBPKI,		/* the server's certificate failed the chain or name check */
	HTTPS_HTTP		/* it answered, but not 200, or malformed, or too large */
};

/*
 * GET https://host/path (host: A-labels), the chain verified against
 * cafile (a file, or a hashed directory when it ends in '/') and the name
 * host checked (a subjectAltName DNS-ID, no partial wildcard: RFC 8461
 * 3.3); each address of host tried in turn until timeout_s is
 * spent. The body (at most max bytes) into body, *len its length; why
 * (whysize bytes) says what failed.
 */
enum https_status https_get(const char *host, const char *path, const char *cafile,
    unsigned timeout_s, char *body, size_t max, size_t *len, char *why, size_t whysize);

/*
 * Reads one HTTP/1.1 response from c (after the request): the status line
 * (1xx skipped), headers, and a body framed by Content-Length, chunked
 * transfer coding or the connection's end, at most max bytes: c's read op
 * must return 0 (CONN_EOF) only for a clean end of the stream (a TLS
 * close_notify) and fail otherwise. 0 for a 200 of media type
 * text/plain (parameters ignored) with the body in body;
 * -1 with *why. *status: the status code (0 when none was read). For unit
 * tests and fuzzing too.
 */
int https_read_response(struct conn *c, char *body, size_t max, size_t *len, int *status,
    const char **why);

#endif
