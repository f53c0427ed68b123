/*
 * dnsconf.c -- the nameservers our resolver asks: the addresses in
 * $DNSCACHEIP (djbdns style: separated by spaces; commas too), or else
 * the nameserver lines of /etc/resolv.conf, v4 and v6 ("addr%iface" for a
 * link-local one, "[addr]"), read when the first lookup needs them
 * (dns_init() reads them again).
 * Not here: asking them (dns.c); resolv.conf's options, search and domain
 * lines, which we ignore (dns.c has its own retry schedule and never
 * completes a name).
 * Limits: 16 nameservers (the rest ignored); resolv.conf read up to 16 KB
 * (a last line cut by that bound is dropped), lines over 512 bytes
 * skipped. Built with -DDNS_TESTING (tests only), it reads
 * $DNS_TEST_RESOLV_CONF instead of /etc/resolv.conf when set.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dnsconf.h"
#include "trace.h"

#define DNS_RESOLV_LINE_MAX 512	/* a nameserver line is short; longer lines are skipped */

static struct ip_address ns[DNS_NS_MAX];
static size_t ns_count;
static int ns_ready;

/* "addr" or "addr%iface" (interface name or number), or "[addr]". */
static void
ns_add(const char *s, size_t len)
{
	char buf[IP_FMT_MAX + IF_NAMESIZE + 2];
	struct ip_address ip;
	char *pct;

	if (ns_count >= DNS_NS_MAX || len == 0 || len >= sizeof buf)
		return;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[0] == '[') {
		if (ip_scan_literal(buf, &ip) == 0)
			ns[ns_count++] = ip;
		return;
	}
	pct = strchr(buf, '%');
	if (pct)
		*pct++ = '\0';
	if (ip_scan(buf, &ip) != 0)
		return;
	if (pct) {
		char *end;
		unsigned long n;

		if (ip.af != AF_INET6)
			return;
		n = strtoul(pct, &end, 10);
		if (*pct == '\0' || *end != '\0' || n > UINT_MAX)
			n = if_nametoindex(pct);
		if (n == 0)
			return;	/* unknown interface: this server cannot be reached */
		ip.scope_id = (unsigned)n;
	}
	ns[ns_count++] = ip;
}

static int
ns_sep(char c)
{
	return c == ' ' || c == '\t' || c == ',' || c == '\n' || c == '\r';
}

/* djbdns style: addresses separated by spaces (we also take commas). */
static void
ns_from_list(const char *s)
{
	size_t n;

	while (*s) {
		while (*s && ns_sep(*s))
			s++;
		for (n = 0; s[n] && !ns_sep(s[n]); n++)
			;
		ns_add(s, n);
		s += n;
	}
}

/* The nameserver lines of resolv.conf text buf[0..len) (buf[len] must be
 * writable): lines longer than a nameserver line can be are skipped. */
static void
ns_from_resolv_text(char *buf, size_t len)
{
	char *line, *end;

	buf[len] = '\0';
	for (line = buf; line < buf + len; line = end + 1) {
		char *p = line;
		size_t n;

		end = memchr(line, '\n', (size_t)(buf + len - line));
		if (!end)
			end = buf + len;
		*end = '\0';
		if ((size_t)(end - line) >= DNS_RESOLV_LINE_MAX)
			continue;	/* too long for a nameserver line */
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "nameserver", 10) != 0 || (p[10] != ' ' && p[10] != '\t'))
			continue;
		p += 10;
		while (*p == ' ' || *p == '\t')
			p++;
		for (n = 0; p[n] && !ns_sep(p[n]) && p[n] != '#' && p[n] != ';'; n++)
			;
		ns_add(p, n);
	}
}

/* resolv.conf in one read into a fixed buffer (no stdio: a delivery that
 * needs nothing else from it should not map that code); a last line cut
 * by the size bound is dropped. */
static void
ns_from_resolv_conf(const char *path)
{
	char buf[DNS_RESOLV_MAX + 1];
	size_t len = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return;
	while (len < DNS_RESOLV_MAX) {
		r = read(fd, buf + len, DNS_RESOLV_MAX - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (len == DNS_RESOLV_MAX)
		while (len > 0 && buf[len - 1] != '\n')
			len--;
	ns_from_resolv_text(buf, len);
}

#ifdef DNS_TESTING
size_t
dns_test_resolv_text(const char *text, size_t len)
{
	static char buf[DNS_RESOLV_MAX + 1];

	if (len > DNS_RESOLV_MAX)
		len = DNS_RESOLV_MAX;
	memcpy(buf, text, len);
	ns_count = 0;
	ns_ready = 1;
	ns_from_resolv_text(buf, len);
	return ns_count;
}
#endif

size_t
dns_servers_load(void)
{
	const char *env = getenv("DNSCACHEIP");
	const char *path = "/etc/resolv.conf";

#ifdef DNS_TESTING
	if (getenv("DNS_TEST_RESOLV_CONF"))
		path = getenv("DNS_TEST_RESOLV_CONF");
#endif
	ns_count = 0;
	ns_ready = 1;
	if (env && env[strspn(env, " \t,\r\n")] != '\0')
		ns_from_list(env);
	else
		ns_from_resolv_conf(path);
	if (ns_count == 0)
		TRACE("dns: no nameserver configured");
	return ns_count;
}

const struct ip_address *
dns_servers(size_t *count)
{
	if (!ns_ready)
		(void)dns_servers_load();
	*count = ns_count;
	return ns;
}
