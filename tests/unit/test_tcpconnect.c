/*
 * test_tcpconnect.c -- tcp_connect() on loopback: a listening port gives a
 * non-blocking fd with TCP_NODELAY, and the meanwhile hook (SMTPS and
 * QMTPS set TLS up there) runs at most once, with that very fd, before
 * the connection is reported; a closed port gives -1 with ECONNREFUSED,
 * and the fd the hook saw is not left open.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "check.h"
#include "tcpconnect.h"

static int hook_calls, hook_fd, hook_fd_open;

static void
hook(int fd, void *arg)
{
	++hook_calls;
	hook_fd = fd;
	hook_fd_open = fcntl(fd, F_GETFD) != -1;
	CHECK(arg == (const void *)&hook_calls, "the hook gets its argument");
}

/* A listening socket on 127.0.0.1; its port in *port. */
static int
listener(unsigned *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sa, sizeof sa) == -1 || listen(fd, 4) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) == -1)
		return -1;
	*port = ntohs(sa.sin_port);
	return fd;
}

int
main(void)
{
	struct ip_address lo;
	unsigned port = 0, closed_port;
	int l, fd, one = 0, flags;
	socklen_t len = sizeof one;

	memset(&lo, 0, sizeof lo);
	lo.af = AF_INET;
	memcpy(lo.addr, "\177\0\0\1", 4);

	l = listener(&port);
	CHECK(l >= 0, "a loopback listener");
	fd = tcp_connect(&lo, port, NULL, 5, hook, &hook_calls);
	CHECK(fd >= 0, "connected to the listener (%s)", strerror(errno));
	CHECK(hook_calls <= 1, "the hook ran at most once (%d)", hook_calls);
	CHECK(hook_calls == 0 || (hook_fd == fd && hook_fd_open), "the hook saw the connection's fd");
	printf("loopback connect: the hook ran %d time(s)\n", hook_calls);
	flags = fcntl(fd, F_GETFL);
	CHECK(flags != -1 && (flags & O_NONBLOCK), "the fd is non-blocking");
	CHECK(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, &len) == 0 && one, "TCP_NODELAY is set");
	close(fd);

	/* the same port once nobody listens: refused, nothing left open */
	closed_port = port;
	close(l);
	hook_calls = 0;
	hook_fd = -1;
	fd = tcp_connect(&lo, closed_port, NULL, 5, hook, &hook_calls);
	CHECK(fd == -1 && errno == ECONNREFUSED, "a closed port is refused (%d, %s)", fd, strerror(errno));
	CHECK(hook_calls <= 1, "the hook ran at most once (%d)", hook_calls);
	CHECK(hook_calls == 0 || fcntl(hook_fd, F_GETFD) == -1, "the refused fd is closed");

	/* no hook: the same as before the hook existed */
	l = listener(&port);
	fd = tcp_connect(&lo, port, NULL, 5, NULL, NULL);
	CHECK(fd >= 0, "connected without a hook");
	close(fd);
	close(l);
	return check_done();
}
