/*
 * ctlpriv.h -- what control.c (reading the files) and ctlgrammar.c (the
 * line grammars) share, and nobody else: control.h is the API.
 */
#ifndef CTLPRIV_H
#define CTLPRIV_H

#include "control.h"

/* The control files, as control.c's table names them. */
enum ctl_kind {
	K_ME, K_HELOHOST, K_TIMEOUTCONNECT, K_TIMEOUTREMOTE, K_TIMEOUTDNS, K_IPME,
	K_SMTPROUTES, K_QMTPROUTES, K_AUTHSENDERS, K_DOMAINIPS, K_DOMAINCERTS,
	K_TLSDESTINATIONS, K_TLSCLIENTCIPHERS, K_TRUSTANCHORS, K_CLIENTCERT,
	K_CLIENTKEY, K_TLSSTRICTNESS, K_MTASTS, K_MTASTSCA, K_TLSRPT, K_TLSRPTSENDER
};

/*
 * The first line of a one-line file -- me, helohost, a timeout, a path,
 * a switch -- into cfg (qmail reads no more of it). 0, or -1 with *why a
 * static text.
 */
int ctl_parse_single(struct config *cfg, enum ctl_kind kind, char *line, const char **why);

/* One ipme line: "1.2.3.4", "::1" or a bracketed literal. 0, or -1 with *why. */
int ctl_parse_ipme(const char *line, struct ip_address *ip, const char **why);

#endif
