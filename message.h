/*
 * message.h -- the message on fd 0: its size when known, the partial
 * final line check, spooling a pipe to learn its size, and block reads.
 */
#ifndef MESSAGE_H
#define MESSAGE_H

#include <stddef.h>
#include <sys/types.h>

struct message {
	int fd;
	int is_regular;			/* a queue file: size and last byte known */
	unsigned long long size;	/* valid when is_regular */
	int partial;			/* regular file not ending in LF */
};

/* 0, or -1 with errno when fd 0 cannot be examined. */
int message_open(struct message *m, int fd);
/*
 * Makes the size known (QMTP declares it first): when fd 0 is not a
 * regular file, copies it once into a private unlinked file in $TMPDIR
 * (default /tmp), mode 0600, and reads from that from then on, with
 * is_regular, size and partial set as for a queue file. A no-op for a
 * regular file. Bounded by the disk only. 0, or -1 with errno (nothing
 * changed; the input may be partly consumed).
 */
int message_spool(struct message *m);
/* Next block of the message: bytes read, 0 at the end, -1 on error. */
ssize_t message_read(struct message *m, char *buf, size_t len);

#endif
