/*
 * tcpconnect.c -- non-blocking connect bounded by timeoutconnect, with
 * bind() to a local address first when domainips or a route asks for
 * one. TCP_NODELAY because we buffer ourselves: the final dot must not
 * wait for a delayed ACK (Nagle), which costs notqmail ~40 ms a message.
 * Not here: choosing the address (qmail-remote.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "tcpconnect.h"

static socklen_t
to_sockaddr(const struct ip_address *ip, unsigned port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (ip->af == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)port);
		memcpy(&s6->sin6_addr, ip->addr, 16);
		s6->sin6_scope_id = ip->scope_id;
		return sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)port);
		memcpy(&s4->sin_addr, ip->addr, 4);
		return sizeof *s4;
	}
}

int
tcp_connect(const struct ip_address *ip, unsigned port,
    const struct ip_address *local, unsigned timeout_s,
    void (*meanwhile)(int fd, void *arg), void *arg)
{
	struct sockaddr_storage ss;
	struct pollfd p;
	socklen_t sl;
	int fd, one = 1, err = 0, r, saved;
	socklen_t errlen = sizeof err;

	fd = socket(ip->af == AF_INET6 ? AF_INET6 : AF_INET,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (local) {
		sl = to_sockaddr(local, 0, &ss);
		if (bind(fd, (struct sockaddr *)&ss, sl) == -1) {
			close(fd);
			return TCP_BIND_FAILED;
		}
	}
	sl = to_sockaddr(ip, port, &ss);
	if (connect(fd, (struct sockaddr *)&ss, sl) == 0)
		return fd;
	if (errno != EINPROGRESS)
		goto fail;
	if (meanwhile)
		meanwhile(fd, arg);
	p.fd = fd;
	p.events = POLLOUT;
	do
		r = poll(&p, 1, timeout_s > 2000000 ? 2000000000 : (int)timeout_s * 1000);
	while (r == -1 && errno == EINTR);
	if (r == 0) {
		errno = ETIMEDOUT;
		goto fail;
	}
	if (r == -1)
		goto fail;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) == -1)
		goto fail;
	if (err) {
		errno = err;
		goto fail;
	}
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}
