/*
 * https.c -- one bounded HTTPS GET, for the MTA-STS policy file: looks the
 * host up (dns.c), connects (tcpconnect.c), does the handshake with the
 * chain and the host name checked (tls.c, policy level "name": OpenSSL's
 * X509_VERIFY_PARAM_set1_host; a DNS-ID, never the subject's CN), sends
 * one HTTP/1.1 request and reads one response through conn.c's bounded
 * reader: status 200 only (redirects are not followed: RFC 8461 3.3), a
 * body framed by Content-Length, chunked transfer coding or the end of the
 * connection (then only when the TLS stream ended with a close_notify) and
 * no larger than the caller allows, the whole fetch within one deadline.
 * Not here: what the body means (mtasts.c); HTTP features a policy fetch
 * does not need (redirects, caching, compression, keep-alive, proxies).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "dns.h"
#include "https.h"
#include "report.h"
#include "str.h"
#include "tcpconnect.h"
#include "tls.h"
#include "trace.h"

#define HTTPS_PORT	443
#define HTTPS_TRAILERS_MAX 32	/* trailer lines after the last chunk */

static const char *
conn_why(int r)
{
	switch (r) {
	case CONN_EOF: return "connection closed";
	case CONN_TIMEOUT: return "timed out";
	case CONN_TOOLONG: return "line too long";
	default: return "read error";
	}
}

static int
digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
hexval(char c)
{
	if (digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly n bytes of body into buf. */
static int
read_exact(struct conn *c, char *buf, size_t n, const char **why)
{
	size_t got;
	int r;

	while (n > 0) {
		if ((r = conn_read(c, buf, n, &got)) != CONN_OK)
			return (*why = r == CONN_EOF ? "body cut short" : conn_why(r), -1);
		buf += got;
		n -= got;
	}
	return 0;
}

/* RFC 9112 7.1: hex size [; extensions] CRLF ... CRLF, then 0, trailers. */
static int
read_chunked(struct conn *c, char *line, char *body, size_t max, size_t *len, const char **why)
{
	size_t n, i, size, k;
	int r, h;

	for (;;) {
		if ((r = conn_getline(c, line, HTTPS_LINE_MAX, &n)) != CONN_OK)
			return (*why = conn_why(r), -1);
		for (i = 0, size = 0; i < n && (h = hexval(line[i])) >= 0; i++) {
			if (size > max)	/* stops the growth before it could overflow */
				return (*why = "body over the size limit", -1);
			size = size * 16 + (size_t)h;
		}
		if (i == 0 || (i < n && line[i] != ';' && line[i] != ' ' && line[i] != '\t'))
			return (*why = "malformed chunk size", -1);
		if (size == 0)
			break;
		if (size > max - *len)
			return (*why = "body over the size limit", -1);
		if (read_exact(c, body + *len, size, why) != 0)
			return -1;
		*len += size;
		if ((r = conn_getline(c, line, HTTPS_LINE_MAX, &n)) != CONN_OK)
			return (*why = conn_why(r), -1);
		if (n != 0)
			return (*why = "chunk not followed by CRLF", -1);
	}
	for (k = 0;; k++) {	/* trailer section, then the empty line */
		if ((r = conn_getline(c, line, HTTPS_LINE_MAX, &n)) != CONN_OK)
			return (*why = conn_why(r), -1);
		if (n == 0)
			return 0;
		if (k == HTTPS_TRAILERS_MAX)
			return (*why = "too many trailer lines", -1);
	}
}

/*
 * RFC 9112 6.3 (7.): neither Content-Length nor a transfer coding, so the
 * body ends where the connection does. The conn must tell a clean end
 * (CONN_EOF: tls.c gives it only for a close_notify when the policy says
 * close_notify) from a connection cut by someone in the path (CONN_IO), or
 * a truncated policy would pass for a whole one.
 */
static int
read_to_close(struct conn *c, char *body, size_t max, size_t *len, const char **why)
{
	char extra;
	size_t got;
	int r;

	for (;;) {
		if (*len == max)	/* one byte more tells "exactly max" from "over" */
			r = conn_read(c, &extra, 1, &got);
		else
			r = conn_read(c, body + *len, max - *len, &got);
		if (r == CONN_EOF)
			return 0;
		if (r == CONN_IO)
			return (*why = "the body ended without a TLS close_notify (cut short?)", -1);
		if (r != CONN_OK)
			return (*why = conn_why(r), -1);
		if (*len == max)
			return (*why = "body over the size limit", -1);
		*len += got;
	}
}

static int
name_is(const char *line, size_t n, const char *name)
{
	size_t k = strlen(name);

	return n == k && strncasecmp(line, name, k) == 0;
}

int
https_read_response(struct conn *c, char *body, size_t max, size_t *len, int *status,
    const char **why)
{
	static char line[HTTPS_LINE_MAX + 1];
	unsigned long long clen = 0;
	int have_clen = 0, chunked = 0, other_coding = 0, text_plain = 0, r, interim;
	size_t n, h, i, vn;
	const char *colon, *v;

	*status = 0;
	*len = 0;
	for (interim = 0;; interim++) {
		if ((r = conn_getline(c, line, HTTPS_LINE_MAX, &n)) != CONN_OK)
			return (*why = conn_why(r), -1);
		/* HTTP/1.x SP 3DIGIT [SP reason] */
		if (n < 12 || memcmp(line, "HTTP/1.", 7) != 0 || !digit(line[7]) || line[8] != ' ' ||
		    !digit(line[9]) || !digit(line[10]) || !digit(line[11]) || (n > 12 && line[12] != ' '))
			return (*why = "malformed status line", -1);
		*status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
		for (h = 0;; h++) {
			if ((r = conn_getline(c, line, HTTPS_LINE_MAX, &n)) != CONN_OK)
				return (*why = conn_why(r), -1);
			if (n == 0)
				break;
			if (h == HTTPS_HEADERS_MAX)
				return (*why = "too many header lines", -1);
			if (line[0] == ' ' || line[0] == '\t')
				return (*why = "folded header line", -1);
			colon = memchr(line, ':', n);
			if (!colon || colon == line)
				return (*why = "malformed header line", -1);
			v = colon + 1;
			vn = n - (size_t)(v - line);
			while (vn > 0 && (*v == ' ' || *v == '\t')) {
				v++;
				vn--;
			}
			while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
				vn--;
			if (name_is(line, (size_t)(colon - line), "Content-Length")) {
				unsigned long long x = 0;

				if (vn == 0 || vn > 18)
					return (*why = "malformed Content-Length", -1);
				for (i = 0; i < vn; i++) {
					if (!digit(v[i]))
						return (*why = "malformed Content-Length", -1);
					x = x * 10 + (unsigned)(v[i] - '0');
				}
				if (have_clen && x != clen)
					return (*why = "two different Content-Lengths", -1);
				clen = x;
				have_clen = 1;
			} else if (name_is(line, (size_t)(colon - line), "Content-Type")) {
				/* the media type, its parameters (charset=...) ignored */
				text_plain = vn >= 10 && strncasecmp(v, "text/plain", 10) == 0 &&
				    (vn == 10 || v[10] == ';' || v[10] == ' ' || v[10] == '\t');
			} else if (name_is(line, (size_t)(colon - line), "Transfer-Encoding")) {
				if (vn == 7 && strncasecmp(v, "chunked", 7) == 0)
					chunked = 1;
				else
					other_coding = 1;
			}
		}
		if (*status >= 200)
			break;
		if (interim == HTTPS_INTERIM_MAX)	/* 1xx: the real response follows */
			return (*why = "too many interim (1xx) responses", -1);
		have_clen = chunked = other_coding = text_plain = 0;
	}
	if (*status >= 300 && *status < 400)
		return (*why = "a redirect (not followed: RFC 8461 3.3)", -1);
	if (*status != 200)
		return (*why = "status is not 200", -1);
	/* RFC 8461 3.2: a policy is text/plain; anything else may be what a
	 * user of the web server uploaded (HTML, an image) */
	if (!text_plain)
		return (*why = "the media type is not text/plain", -1);
	if (other_coding)
		return (*why = "a transfer coding other than chunked", -1);
	if (chunked && have_clen)	/* RFC 9112 6.3: a smuggling attempt, or a broken proxy */
		return (*why = "both Content-Length and Transfer-Encoding", -1);
	if (chunked)
		return read_chunked(c, line, body, max, len, why);
	if (!have_clen)
		return read_to_close(c, body, max, len, why);
	if (clen > max)
		return (*why = "body over the size limit", -1);
	if (read_exact(c, body, (size_t)clen, why) != 0)
		return -1;
	*len = (size_t)clen;
	return 0;
}

enum https_status
https_get(const char *host, const char *path, const char *cafile, unsigned timeout_s,
    char *body, size_t max, size_t *len, char *why, size_t whysize)
{
	static struct conn c;
	static struct tls_policy pol;
	static struct outcome f;
	struct ip_address ips[DNS_IP_MAX];
	char text[IP_FMT_MAX], req[1024];
	long long deadline = conn_now_ms() + (long long)timeout_s * 1000, left;
	enum https_status result = HTTPS_FETCH;
	enum dns_status st;
	const char *w;
	size_t n = 0, i;
	int fd, perr, status, r;

	*len = 0;
	/* the lookup within the fetch's bound too (timeoutdns may be longer) */
	st = dns_ip_within(host, ips, DNS_IP_MAX, &n, NULL, timeout_s);
	if (n == 0) {
		(void)snprintf(why, whysize, "%s: %s", host, st == DNS_NXDOMAIN ? "no such name" :
		    st == DNS_OK ? "no address" : "DNS lookup failed");
		return HTTPS_FETCH;
	}
	if ((size_t)snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: qmail-remote\r\n"
	    "Accept: text/plain\r\nConnection: close\r\n\r\n", path, host) >= sizeof req) {
		str_copy(why, whysize, "request too long");
		return HTTPS_FETCH;
	}
	(void)snprintf(why, whysize, "%s: timed out", host);
	for (i = 0; i < n; i++) {
		left = (deadline - conn_now_ms() + 999) / 1000;
		if (left <= 0)
			break;
		ip_fmt(text, &ips[i]);
		TRACE("https: connect %s port %d (%s)", text, HTTPS_PORT, host);
		fd = tcp_connect(&ips[i], HTTPS_PORT, NULL, (unsigned)left, NULL, NULL);
		if (fd < 0) {
			(void)snprintf(why, whysize, "%s: connect to %s: %s", host, text, strerror(errno));
			TRACE("https: %s", why);
			continue;
		}
		/* the handshake gets what the connect left of the bound */
		left = (deadline - conn_now_ms() + 999) / 1000;
		if (left <= 0) {
			close(fd);
			break;
		}
		conn_init(&c, fd);
		tls_webpki_policy(&pol, cafile);	/* RFC 8461 3.3 */
		memset(&f, 0, sizeof f);
		str_copy(f.host, sizeof f.host, text);
		str_copy(f.mxname, sizeof f.mxname, host);
		str_copy(f.domain, sizeof f.domain, host);
		if (tls_start(&c, &pol, NULL, host, (unsigned)left, &f, &perr) != 0) {
			str_copy(f.mxname, sizeof f.mxname, host);
			str_copy(f.domain, sizeof f.domain, host);
			report_reason(&f, why, whysize);	/* s/qmail's words, on one line */
			TRACE("https: %s", why);
			/* RFC 8460: a certificate the WebPKI does not accept */
			result = f.tls.cert != TLS_CERT_OK ? HTTPS_WEBPKI : HTTPS_FETCH;
			close(fd);
			continue;
		}
		c.deadline_ms = deadline;	/* one bound for the rest of the fetch */
		TRACE("https: > GET %s HTTP/1.1 (Host: %s)", path, host);
		if (conn_puts(&c, req) != CONN_OK || conn_flush(&c) != CONN_OK) {
			(void)snprintf(why, whysize, "%s: the request could not be sent", host);
			r = -1;
			status = 0;
		} else {
			r = https_read_response(&c, body, max, len, &status, &w);
			if (r != 0)
				(void)snprintf(why, whysize, "%s: HTTP %d: %s", host, status, w);
			else
				TRACE("https: < HTTP 200, %zu bytes", *len);
		}
		tls_close(&c);
		close(fd);
		if (r == 0)
			return HTTPS_OK;
		return status ? HTTPS_HTTP : HTTPS_FETCH;
	}
	return result;
}
