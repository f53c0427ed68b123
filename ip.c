/*
 * ip.c -- parse and format IPv4/IPv6 addresses with inet_pton/inet_ntop.
 * Not here: names (dns.c). Never consults the resolver.
 */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>
#include "ip.h"

int
ip_scan(const char *s, struct ip_address *ip)
{
	memset(ip, 0, sizeof *ip);
	if (inet_pton(AF_INET, s, ip->addr) == 1) {
		ip->af = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, ip->addr) == 1) {
		ip->af = AF_INET6;
		return 0;
	}
	return -1;
}

int
ip_scan_literal(const char *s, struct ip_address *ip)
{
	char inner[IP_FMT_MAX + 8];
	size_t len = strlen(s);

	if (len < 3 || s[0] != '[' || s[len - 1] != ']' || len - 2 >= sizeof inner)
		return -1;
	memcpy(inner, s + 1, len - 2);
	inner[len - 2] = '\0';
	if (strncasecmp(inner, "IPv6:", 5) == 0) {
		if (ip_scan(inner + 5, ip) != 0 || ip->af != AF_INET6)
			return -1;
		return 0;
	}
	return ip_scan(inner, ip);
}

int
ip_scan_any(const char *s, struct ip_address *ip)
{
	return s[0] == '[' ? ip_scan_literal(s, ip) : ip_scan(s, ip);
}

size_t
ip_fmt(char *buf, const struct ip_address *ip)
{
	if (!inet_ntop(ip->af == AF_INET6 ? AF_INET6 : AF_INET, ip->addr, buf, IP_FMT_MAX)) {
		buf[0] = '\0';
		return 0;
	}
	return strlen(buf);
}

int
ip_equal(const struct ip_address *a, const struct ip_address *b)
{
	if (a->af != b->af)
		return 0;
	return memcmp(a->addr, b->addr, a->af == AF_INET ? 4 : 16) == 0;
}

int
ip_is_loopback(const struct ip_address *ip)
{
	static const unsigned char v6_loopback[16] = { [15] = 1 };
	static const unsigned char v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (ip->af == AF_INET)
		return ip->addr[0] == 127;
	if (memcmp(ip->addr, v6_loopback, 16) == 0)
		return 1;
	return memcmp(ip->addr, v4_mapped, 12) == 0 && ip->addr[12] == 127;
}
