/*
 * ip.h -- one IPv4 or IPv6 address, and its text forms.
 * Not here: name resolution (dns.c), own-address checks (ipme.c).
 */
#ifndef IP_H
#define IP_H

#include <stddef.h>

#define IP_FMT_MAX	46	/* INET6_ADDRSTRLEN, with the NUL */

struct ip_address {
	int af;				/* AF_INET or AF_INET6 */
	unsigned char addr[16];		/* AF_INET uses the first 4 bytes */
	unsigned scope_id;		/* IPv6 link-local interface index, else 0 */
};

/* Whole string s must be an address; 0 on success, -1 otherwise. */
int ip_scan(const char *s, struct ip_address *ip);
/* Like ip_scan, but s may be "[a.b.c.d]", "[v6]" or "[IPv6:v6]" (RFC 5321 literal). */
int ip_scan_literal(const char *s, struct ip_address *ip);
/* Either: s bare (ip_scan) or bracketed (ip_scan_literal). */
int ip_scan_any(const char *s, struct ip_address *ip);
/* Writes the text form, NUL-terminated, into buf (IP_FMT_MAX bytes); returns its length. */
size_t ip_fmt(char *buf, const struct ip_address *ip);
int ip_equal(const struct ip_address *a, const struct ip_address *b);
int ip_is_loopback(const struct ip_address *ip);

#endif
