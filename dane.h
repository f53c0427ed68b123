/*
 * dane.h -- a peer's TLSA records (RFC 7672), for tlspolicy.c to decide
 * with.
 */
#ifndef DANE_H
#define DANE_H

#include "delivery.h"
#include "tlspolicy.h"

/* The TLSA records of pr at port: where they were found, whether they
 * validated, their records of usages 2 and 3 (valid until the next call
 * for another name or port); out->failed when the lookup failed. */
void dane_lookup(struct tls_dane *out, const struct peer *pr, unsigned port);

#endif
