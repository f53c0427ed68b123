/*
 * dnsconf.h -- the nameservers the resolver asks (dnsconf.c). Private to
 * the resolver: dns.c asks them, the tests check the list; every other
 * caller uses dns.h.
 */
#ifndef DNSCONF_H
#define DNSCONF_H

#include <stddef.h>
#include "ip.h"

#define DNS_NS_MAX	16	/* djbdns reads 16 from $DNSCACHEIP; glibc uses 3 */
#define DNS_RESOLV_MAX	16384	/* resolv.conf read up to this much */

/* (Re)reads the list: $DNSCACHEIP when it names anything, else the
 * nameserver lines of /etc/resolv.conf. The count; 0 is traced. */
size_t dns_servers_load(void);

/* The list, read by dns_servers_load() on the first call when not read
 * before: *count addresses (with their port left to dns.c). */
const struct ip_address *dns_servers(size_t *count);

#ifdef DNS_TESTING
/* Tests and fuzzing: the nameservers found in resolv.conf text (at most
 * 16 are kept); the count. */
size_t dns_test_resolv_text(const char *text, size_t len);
#endif

#endif
