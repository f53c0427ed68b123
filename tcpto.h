/*
 * tcpto.h -- qmail's TCP timeout table (queue/lock/tcpto), shared with
 * qmail-tcpto(8) and qmail-tcpok(8) in their format.
 */
#ifndef TCPTO_H
#define TCPTO_H

#include "ip.h"

/* Where the table is; a missing file switches the table off, as in qmail. */
void tcpto_path(const char *path);
/* 1 when recent timeouts say: skip this address for now. */
int tcpto_skip(const struct ip_address *ip);
/* Records a connect outcome: timed_out 1 after a timeout, 0 after success. */
void tcpto_record(const struct ip_address *ip, int timed_out);

#endif
