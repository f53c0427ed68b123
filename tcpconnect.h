/*
 * tcpconnect.h -- a TCP connection within timeoutconnect, optionally
 * from a chosen local address.
 */
#ifndef TCPCONNECT_H
#define TCPCONNECT_H

#include "ip.h"

enum { TCP_BIND_FAILED = -2 };

/* Connected, non-blocking fd with TCP_NODELAY; -1 with errno (ETIMEDOUT
 * when the time ran out), or TCP_BIND_FAILED when local cannot be bound. */
int tcp_connect(const struct ip_address *ip, unsigned port,
    const struct ip_address *local, unsigned timeout_s);

#endif
