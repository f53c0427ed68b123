/*
 * ipme.c -- the host's own addresses, so qmail-remote never delivers to
 * itself (a mail loop) and applies the best-preference MX rule (#5.4.6).
 * From getifaddrs(), plus control/ipme (skarnet: addresses behind NAT or
 * that the interfaces don't show), plus 0.0.0.0 and :: which reach us too.
 * Not here: the decision what to do about it (qmail-remote.c).
 */
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "ipme.h"

#define IPME_MAX	1024	/* interfaces' addresses kept; more is absurd */

static struct ip_address mine[IPME_MAX];
static size_t mine_count;
static int ready;

static void
add(const struct ip_address *ip)
{
	if (mine_count < IPME_MAX)
		mine[mine_count++] = *ip;
}

int
ipme_init(const struct ip_address *extra, size_t extra_count)
{
	struct ifaddrs *ifa, *i;
	struct ip_address ip;
	size_t k;

	if (ready)
		return 0;
	memset(&ip, 0, sizeof ip);
	ip.af = AF_INET;
	add(&ip);		/* 0.0.0.0 */
	ip.af = AF_INET6;
	add(&ip);		/* :: */
	for (k = 0; k < extra_count; ++k)
		add(&extra[k]);
	if (getifaddrs(&ifa) == -1)
		return -1;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		memset(&ip, 0, sizeof ip);
		if (i->ifa_addr->sa_family == AF_INET) {
			ip.af = AF_INET;
			memcpy(ip.addr, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			ip.af = AF_INET6;
			memcpy(ip.addr, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		add(&ip);
	}
	freeifaddrs(ifa);
	ready = 1;
	return 0;
}

int
ipme_is(const struct ip_address *ip)
{
	size_t k;

	if (ip_is_loopback(ip))
		return 1;
	for (k = 0; k < mine_count; ++k)
		if (ip_equal(ip, &mine[k]))
			return 1;
	return 0;
}
