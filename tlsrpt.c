/*
 * tlsrpt.c -- TLS reporting (RFC 8460) the way the field does it: finds a
 * domain's TLSRPT record, names and classifies each TLS outcome as RFC
 * 8460 counts it, encodes it as the datagram libtlsrpt sends (Postfix 3.10
 * links libtlsrpt) and hands it to sys4's tlsrpt-collectd, which collects,
 * aggregates, writes and sends the reports. The encoding is libtlsrpt's
 * byte for byte (its key order and separators: the collector aggregates by
 * the policy as it reads it), with one difference that keeps the collector
 * alive: a byte that is not part of valid UTF-8 goes as '?' (invalid UTF-8
 * makes tlsrpt-collectd's json.loads fail, and it exits).
 * Not here: deciding anything (tlspolicy.c, attempt.c), the DNS query
 * (dns.c), writing or sending reports (tlsrpt-reportd).
 * Limits: a datagram of TLSRPT_DATAGRAM_MAX bytes (Linux's default for an
 * AF_UNIX datagram is 212960): a larger one is not sent.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "mtasts.h"
#include "str.h"
#include "tlspolicy.h"
#include "tlsrpt.h"
#include "trace.h"

#define TLSRPT_DATAGRAM_MAX	212960

/* ---- the record ---- */

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

int
tlsrpt_record(const struct dns_txtset *txt, const char **record, size_t *len, const char **why)
{
	const struct dns_txt *one = NULL;
	size_t i, k, n = 0;

	if (txt->dropped)
		return (*why = "TXT RRset too large to read whole", -1);
	for (i = 0; i < txt->count; i++) {
		const struct dns_txt *t = &txt->rec[i];

		/* tlsrpt-version "v=TLSRPTv1", then *WSP ";" (RFC 8460 3);
		 * other records are not ours */
		if (t->len < 10 || memcmp(t->data, "v=TLSRPTv1", 10) != 0)
			continue;
		for (k = 10; k < t->len && is_wsp(t->data[k]); k++)
			;
		if (k < t->len && t->data[k] != ';')
			continue;
		one = t;
		n++;
	}
	if (n == 0)
		return (*why = "no v=TLSRPTv1 TXT record", -1);
	if (n > 1)
		return (*why = "more than one v=TLSRPTv1 TXT record", -1);
	if (!memmem(one->data, one->len, "rua=", 4))
		return (*why = "the TLSRPT record has no rua=", -1);
	*record = one->data;
	*len = one->len;
	return 0;
}

/* ---- result types ---- */

const char *
tlsrpt_type_name(enum tlsrpt_type t)
{
	switch (t) {
	case TLSRPT_SUCCESS: return "success";
	case TLSRPT_STARTTLS_NOT_SUPPORTED: return "starttls-not-supported";
	case TLSRPT_CERT_HOST_MISMATCH: return "certificate-host-mismatch";
	case TLSRPT_CERT_NOT_TRUSTED: return "certificate-not-trusted";
	case TLSRPT_CERT_EXPIRED: return "certificate-expired";
	case TLSRPT_VALIDATION_FAILURE: return "validation-failure";
	case TLSRPT_STS_POLICY_FETCH_ERROR: return "sts-policy-fetch-error";
	case TLSRPT_STS_POLICY_INVALID: return "sts-policy-invalid";
	case TLSRPT_STS_WEBPKI_INVALID: return "sts-webpki-invalid";
	case TLSRPT_TLSA_INVALID: return "tlsa-invalid";
	case TLSRPT_DNSSEC_INVALID: return "dnssec-invalid";
	case TLSRPT_DANE_REQUIRED: return "dane-required";
	}
	return "validation-failure";
}

enum tlsrpt_type
tlsrpt_type_of_cert(enum tls_cert c)
{
	switch (c) {
	case TLS_CERT_NAME:
		return TLSRPT_CERT_HOST_MISMATCH;
	case TLS_CERT_EXPIRED:
		return TLSRPT_CERT_EXPIRED;
	case TLS_CERT_UNTRUSTED:
	case TLS_CERT_NONE:
		return TLSRPT_CERT_NOT_TRUSTED;
	default:
		return TLSRPT_VALIDATION_FAILURE;
	}
}

enum tlsrpt_type
tlsrpt_type_of(const struct outcome *f)
{
	if (f->letter == 'K')
		return TLSRPT_SUCCESS;
	switch (f->text) {
	case T_TLS_UNAVAILABLE:
	case T_TLS_STARTTLS:
		return TLSRPT_STARTTLS_NOT_SUPPORTED;
	case T_TLS_SUBJECT:
	case T_TLS_CHAIN:
	case T_TLS_NOCERT:
		return tlsrpt_type_of_cert(f->tls.cert);
	case T_TLSA_FAIL:
	case T_TLSA_MISSING:
		return TLSRPT_TLSA_INVALID;
	case T_TLSA_LOOKUP:
		return TLSRPT_DNSSEC_INVALID;
	default:
		return TLSRPT_VALIDATION_FAILURE;
	}
}

/* ---- one session's result ---- */

/* OpenSSL's reason as Postfix gives failure-reason-code: its words
 * joined by '_' ("certificate_has_expired"); NULL when there is none. */
static const char *
reason_code(const char *text)
{
	static char code[128];
	size_t i;

	if (!text || !text[0])
		return NULL;
	for (i = 0; text[i] && i + 1 < sizeof code; i++) {
		code[i] = text[i];
		if (code[i] == ' ')
			code[i] = '_';
	}
	code[i] = '\0';
	return code;
}

/* The reason code of a failed handshake or certificate check. */
static const char *
reason_of(const struct outcome *o)
{
	switch (o->text) {
	case T_TLS_CONNECT:
		return "tls-handshake-failure";	/* Postfix's words */
	case T_TLS_SUBJECT:
		return "hostname_mismatch";
	case T_TLS_NOCERT:
	case T_TLSA_MISSING:
		return "no_peer_certificate";
	case T_TLS_PIN:
		return "fingerprint_mismatch";
	case T_TLS_CHAIN:
	case T_TLSA_FAIL:
		return reason_code(o->detail);	/* X509_verify_cert_error_string() */
	default:
		return NULL;
	}
}

int
tlsrpt_classify(const struct tlsrpt_session *s, struct tlsrpt_result *r, const char **why)
{
	const struct tls_policy *pol = s->policy;
	const struct outcome *o = s->o;
	const struct tls_seen *t = &o->tls;
	int sts_missing = 0;

	r->domain = s->domain;
	r->mx = s->mx;
	r->type = TLSRPT_SUCCESS;
	/* the policy (RFC 8460 4.3.1): DANE where its records decide, under
	 * the TLSA base domain; MTA-STS where its policy decides (enforce) or
	 * is audited (testing), with its lines as served and its patterns;
	 * an MTA-STS policy announced and not had; else none */
	if (pol->tlsa_count > 0 || s->what == TLSRPT_SKIP_TLSA_FAILED) {
		r->policy = TLSRPT_TLSA;
		r->policy_domain = pol->tlsa_base ? pol->tlsa_base : s->mx;
		r->tlsa = pol->tlsa;
		r->ntlsa = pol->tlsa_count;
	} else if ((pol->mtasts || pol->sts_audit) && s->sts) {
		r->policy = TLSRPT_STS;
		r->policy_domain = s->domain;
		r->served = s->sts->served;
		r->nserved = s->sts->nserved;
		r->mx_patterns = s->sts->pat;
		r->nmx_patterns = s->sts->npatterns;
	} else if (s->sts_failure != TLSRPT_SUCCESS) {
		r->policy = TLSRPT_STS;
		r->policy_domain = s->domain;
		sts_missing = 1;
	} else {
		r->policy = TLSRPT_NO_POLICY;
		r->policy_domain = s->domain;	/* as Postfix: the collector keys on it */
	}

	switch (s->what) {
	case TLSRPT_SKIP_TLSA_FAILED:
		r->type = TLSRPT_DNSSEC_INVALID;
		r->detail = "the TLSA lookup failed: the MX host was not tried";
		return 0;
	case TLSRPT_SKIP_STS_UNLISTED:
		r->type = TLSRPT_VALIDATION_FAILURE;
		r->detail = "the policy does not list this MX host";
		return 0;
	case TLSRPT_SESSION:
		break;
	}
	if (pol->level == TLS_NEVER && !t->handshake)
		return (*why = "no TLS by local policy", -1);
	if (t->cipher[0]) {
		/* TLS was had: whatever the server said next (RFC 8460 4.2);
		 * under MTA-STS testing, what enforce would have refused */
		if (r->policy == TLSRPT_STS && pol->sts_audit && !pol->mtasts) {
			if (pol->sts_audit_unlisted) {
				r->type = TLSRPT_VALIDATION_FAILURE;
				r->detail = "the policy does not list this MX host";
			} else if (t->audit != TLS_CERT_OK) {
				r->type = tlsrpt_type_of_cert(t->audit);
				r->detail = "MTA-STS testing: enforce would refuse this certificate";
				r->reason = reason_code(t->audit_detail);
			} else if (t->audit_old_tls) {
				r->type = TLSRPT_VALIDATION_FAILURE;
				r->detail = "MTA-STS testing: enforce would refuse TLS below 1.2";
				r->reason = reason_code(t->cipher);
			}
		}
	} else if (t->handshake) {
		r->type = tlsrpt_type_of(o);
		r->detail = o->detail[0] ? o->detail : NULL;
		r->reason = reason_of(o);
	} else if (t->no_starttls) {
		r->type = TLSRPT_STARTTLS_NOT_SUPPORTED;
		r->detail = t->no_starttls == 2 ? "the server refused STARTTLS" : "the server does not offer STARTTLS";
	} else {
		return (*why = "the session ended before TLS", -1);
	}
	/* a policy announced and not had: each session counts against it
	 * (RFC 8460 4.3.2.2), whatever TLS it had */
	if (sts_missing) {
		r->type = s->sts_failure;
		r->detail = "no MTA-STS policy could be had";
		r->reason = NULL;
	}
	return 0;
}

/* ---- the datagram: libtlsrpt's JSON ---- */

struct jbuf {
	char *p;
	size_t len, size;
	int full;	/* something did not fit: the datagram is not sent */
};

static void
put(struct jbuf *b, const char *s, size_t n)
{
	if (b->full || n > b->size - b->len) {
		b->full = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void
puts_(struct jbuf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void
put_uint(struct jbuf *b, unsigned long n)
{
	char num[24];

	put(b, num, str_append_ulong(num, sizeof num, 0, n));
}

/* The length of the valid UTF-8 sequence at s (n bytes left), or 0
 * (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF). */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t k, i;
	unsigned long c;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	k = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (n < k)
		return 0;
	c = s[0] & (0x3f >> (k - 1));
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((k == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) || (k == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return k;
}

/* A JSON string as libtlsrpt's json_escape() writes it -- the quotes,
 * \" \\ \b \t \n \f \r, \u00xx for the other control bytes and DEL, the
 * rest as it is -- except that a byte outside valid UTF-8 is '?'. */
static void
jstr(struct jbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	char esc[7] = "\\u00";
	size_t i, k;

	put(b, "\"", 1);
	for (i = 0; i < n; i++) {
		switch (u[i]) {
		case '"': put(b, "\\\"", 2); continue;
		case '\\': put(b, "\\\\", 2); continue;
		case '\b': put(b, "\\b", 2); continue;
		case '\t': put(b, "\\t", 2); continue;
		case '\n': put(b, "\\n", 2); continue;
		case '\f': put(b, "\\f", 2); continue;
		case '\r': put(b, "\\r", 2); continue;
		}
		if (u[i] < 0x20 || u[i] == 0x7f) {
			esc[4] = hex[u[i] >> 4];
			esc[5] = hex[u[i] & 15];
			put(b, esc, 6);
		} else if (u[i] < 0x80) {
			put(b, s + i, 1);
		} else if ((k = utf8_len(u + i, n - i)) > 0) {
			put(b, s + i, k);
			i += k - 1;
		} else {
			put(b, "?", 1);
		}
	}
	put(b, "\"", 1);
}

/* ,"key": "value" -- libtlsrpt's string attribute (a space after the
 * colon), left out when value is NULL */
static void
attr(struct jbuf *b, const char *key, const char *value)
{
	if (!value)
		return;
	puts_(b, ",\"");
	puts_(b, key);
	puts_(b, "\": ");
	jstr(b, value, strlen(value));
}

/* A TLSA record as Postfix gives it: "usage selector mtype HEX". */
static void
tlsa_string(struct jbuf *b, const struct dns_tlsa *t)
{
	static const char hex[] = "0123456789ABCDEF";
	char head[16], two[2];
	size_t i, n;

	n = str_append_ulong(head, sizeof head, 0, t->usage);
	n = str_append_ulong(head, sizeof head, str_append(head, sizeof head, n, " "), t->selector);
	n = str_append(head, sizeof head, str_append_ulong(head, sizeof head,
	    str_append(head, sizeof head, n, " "), t->mtype), " ");
	put(b, "\"", 1);
	put(b, head, n);
	for (i = 0; i < t->len; i++) {
		two[0] = hex[t->data[i] >> 4];
		two[1] = hex[t->data[i] & 15];
		put(b, two, 2);
	}
	put(b, "\"", 1);
}

/* ,"key":["a","b"] from n strings each ended by NUL; nothing when n is 0 */
static void
string_list(struct jbuf *b, const char *key, const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	puts_(b, ",\"");
	puts_(b, key);
	puts_(b, "\":[");
	for (i = 0; i < n; i++, s += strlen(s) + 1) {
		if (i)
			put(b, ",", 1);
		jstr(b, s, strlen(s));
	}
	put(b, "]", 1);
}

size_t
tlsrpt_datagram(const struct tlsrpt_result *r, char *buf, size_t size)
{
	struct jbuf b = { buf, 0, size, 0 };
	size_t i;

	/* tlsrpt_init_delivery_request(): the version, the domain, the record */
	puts_(&b, "{\"dpv\": \"1\",\"d\": ");
	jstr(&b, r->domain, strlen(r->domain));
	puts_(&b, ",\"pr\": ");
	jstr(&b, r->record, r->record_len);
	/* tlsrpt_init_policy() */
	puts_(&b, ",\"policies\":[{\"policy-type\":");
	put_uint(&b, (unsigned long)r->policy);
	attr(&b, "policy-domain", r->policy_domain);
	/* tlsrpt_finish_policy(): the strings, the mx patterns, the failure */
	if (r->ntlsa > 0) {
		puts_(&b, ",\"policy-string\":[");
		for (i = 0; i < r->ntlsa; i++) {
			if (i)
				put(&b, ",", 1);
			tlsa_string(&b, &r->tlsa[i]);
		}
		put(&b, "]", 1);
	}
	string_list(&b, "policy-string", r->served, r->nserved);
	string_list(&b, "mx-host", r->mx_patterns, r->nmx_patterns);
	if (r->type != TLSRPT_SUCCESS) {
		puts_(&b, ",\"failure-details\":[{\"c\":");
		put_uint(&b, (unsigned long)r->type);
		attr(&b, "s", r->sending_ip);
		attr(&b, "n", r->mx);
		attr(&b, "h", r->ehlo);
		attr(&b, "r", r->receiving_ip);
		attr(&b, "a", r->detail && r->detail[0] ? r->detail : NULL);
		attr(&b, "f", r->reason && r->reason[0] ? r->reason : NULL);
		puts_(&b, "}],\"t\":1,\"f\":1}]}");
	} else {
		puts_(&b, ",\"t\":0,\"f\":0}]}");
	}
	return b.full ? 0 : b.len;
}

/* ---- the collector ---- */

static void
send_datagram(const char *socket_path, const char *buf, size_t len)
{
	struct sockaddr_un sun;
	size_t n = strlen(socket_path);
	int fd;

	if (n >= sizeof sun.sun_path)
		return;	/* control.c refuses such a path */
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, socket_path, n);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		TRACE("tls-rpt: no socket: %s", strerror(errno));
		return;
	}
	/* never waits: a collector that is gone or behind loses a report,
	 * the delivery nothing (libtlsrpt sends the same way) */
	if (sendto(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)&sun, sizeof sun) !=
	    (ssize_t)len)
		TRACE("tls-rpt: not sent to %s: %s", socket_path, strerror(errno));
	else
		TRACE("tls-rpt: sent to %s (%zu bytes)", socket_path, len);
	(void)close(fd);
}

static const char *
policy_name(enum tlsrpt_policy p)
{
	return p == TLSRPT_TLSA ? "tlsa" : p == TLSRPT_STS ? "sts" : "no-policy-found";
}

void
tlsrpt_note(const struct tlsrpt_result *r, const char *socket)
{
	static char datagram[TLSRPT_DATAGRAM_MAX];
	size_t n;

	TRACE("tls-rpt: %s %s %s%s%s%s%s%s%s", policy_name(r->policy), r->domain ? r->domain : "",
	    tlsrpt_type_name(r->type), r->mx && r->mx[0] ? " mx " : "", r->mx ? r->mx : "",
	    r->receiving_ip && r->receiving_ip[0] ? " ip " : "", r->receiving_ip ? r->receiving_ip : "",
	    r->detail && r->detail[0] ? ": " : "", r->detail ? r->detail : "");
	if (!socket || !r->record || !r->domain)
		return;
	if ((n = tlsrpt_datagram(r, datagram, sizeof datagram)) == 0) {
		TRACE("tls-rpt: the datagram would exceed %d bytes: not sent", TLSRPT_DATAGRAM_MAX);
		return;
	}
	send_datagram(socket, datagram, n);
}
