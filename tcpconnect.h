/*
 * tcpconnect.h -- a TCP connection within timeoutconnect, optionally
 * from a chosen local address.
 */
#ifndef TCPCONNECT_H
#define TCPCONNECT_H

#include "ip.h"

enum { TCP_BIND_FAILED = -2 };

/* Connected, non-blocking fd with TCP_NODELAY; -1 with errno (ETIMEDOUT
 * when the time ran out), or TCP_BIND_FAILED when local cannot be bound.
 * meanwhile, when not NULL, runs once while the TCP handshake travels,
 * with the fd and arg: work that needs the fd but no byte from the peer
 * (SMTPS and QMTPS set TLS up there). */
int tcp_connect(const struct ip_address *ip, unsigned port,
    const struct ip_address *local, unsigned timeout_s,
    void (*meanwhile)(int fd, void *arg), void *arg);

#endif
