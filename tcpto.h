/*
 * tcpto.h -- the connect-timeout tables: qmail's queue/lock/tcpto for IPv4
 * (and ::ffff:a.b.c.d), in the format qmail-tcpto(8) and qmail-tcpok(8)
 * read, and queue/lock/tcpto6 beside it for IPv6, with the same rules.
 */
#ifndef TCPTO_H
#define TCPTO_H

#include "ip.h"

/* Where the IPv4 table is; the IPv6 one is the same path + "6". A missing
 * file switches its table off, as in qmail. */
void tcpto_path(const char *path);
/* 1 when recent timeouts say: skip this address for now. */
int tcpto_skip(const struct ip_address *ip);
/* Records a connect outcome: timed_out 1 after a timeout, 0 after success. */
void tcpto_record(const struct ip_address *ip, int timed_out);

#endif
