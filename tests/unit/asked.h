/*
 * asked.h -- for the tests of the control files' look-ups (test_control.c,
 * fuzz_control.c): the names qmail-remote.c asks about, put in their one
 * form as it puts them (name_form()), from a ring of eight, so that one
 * call may take several.
 */
#ifndef ASKED_H
#define ASKED_H

#include <string.h>
#include "name.h"

/* s in its one form */
static inline const struct name *
N(const char *s)
{
	static struct name ring[8];
	static unsigned k;
	struct name *n = &ring[k++ % 8];

	(void)name_form(s, n, NULL);
	return n;
}

/* the one form of what follows sender's last '@' ("" without one) */
static inline const struct name *
SD(const char *sender)
{
	const char *at = sender ? strrchr(sender, '@') : NULL;

	return N(at ? at + 1 : "");
}

#endif
