/*
 * ipme.h -- is this address one of ours? (interfaces + control/ipme)
 */
#ifndef IPME_H
#define IPME_H

#include <stddef.h>
#include "ip.h"

/* Collects the interfaces' addresses once, plus extra (control/ipme). */
int ipme_init(const struct ip_address *extra, size_t extra_count);
int ipme_is(const struct ip_address *ip);

#endif
