/*
 * substdio/ is this project's substdio and holds nothing else: the
 * buffered I/O layer that every protocol (SMTP, QMTP, the MTA-STS fetch)
 * reads and writes the network through, as qmail's substdio is.
 *
 * conn.h -- one network connection with explicit buffers and a deadline.
 * Every byte from a peer is read through conn_getline() or conn_read(),
 * bounded by the caller; writes are buffered and flushed by conn_flush().
 * TLS (tls.c) replaces the ops; nothing above this layer knows about it.
 * Not here: protocols (smtp.c, qmtp.c), connecting (qmail-remote.c).
 */
#ifndef CONN_H
#define CONN_H

#include <stddef.h>
#include <sys/types.h>

#define CONN_RBUF_SIZE	16384	/* one TLS record; replies are far shorter */
#define CONN_WBUF_SIZE	65536	/* big enough for a pipelined envelope */

enum conn_status {
	CONN_OK = 0,
	CONN_EOF = -1,		/* peer closed */
	CONN_TIMEOUT = -2,	/* deadline passed */
	CONN_IO = -3,		/* read/write error (errno kept) or TLS failure */
	CONN_TOOLONG = -4	/* line longer than the caller allows */
};

struct conn;

/*
 * An op returns the bytes moved (> 0), 0 for end of file (read only),
 * or -1: with *want set to POLLIN or POLLOUT the op must be retried
 * once the descriptor is ready; with *want == 0 it failed.
 */
struct conn_ops {
	ssize_t (*read)(struct conn *c, char *buf, size_t len, int *want);
	ssize_t (*write)(struct conn *c, const char *buf, size_t len, int *want);
};

struct conn {
	int fd;
	const struct conn_ops *ops;
	void *ctx;			/* the ops' state: tls.c keeps its SSL here */
	long long deadline_ms;		/* CLOCK_MONOTONIC; 0 = none */
	unsigned long long bytes_in, bytes_out;
	size_t rpos, rlen;
	size_t wlen;
	int write_failed;		/* a CONN_* status: nothing more is written */
	char rbuf[CONN_RBUF_SIZE];
	char wbuf[CONN_WBUF_SIZE];
};

/* Plain TCP on fd, which conn_init makes non-blocking. */
void conn_init(struct conn *c, int fd);
extern const struct conn_ops conn_plain_ops;

long long conn_now_ms(void);
/* From now on, every read and write must finish within timeout_s seconds. */
void conn_deadline(struct conn *c, unsigned timeout_s);

/*
 * Next line from the peer without its LF (a CR before the LF is removed
 * too); NUL bytes are kept. Fails with CONN_TOOLONG when the line holds
 * more than max bytes, which leaves the stream unusable. buf must hold
 * max + 1 bytes (room for the CR before it is dropped).
 */
int conn_getline(struct conn *c, char *buf, size_t max, size_t *len);
/* Bytes received but not yet consumed: a reply may not be followed by any
 * before STARTTLS (RFC 3207 section 5, command injection). */
size_t conn_pending(const struct conn *c);
/*
 * At least 1 and at most len bytes from the peer into buf: what is
 * buffered first, else one read within the deadline. For data that is
 * not made of lines (QMTP's netstrings); the caller bounds the total.
 * CONN_OK with *got set, or CONN_EOF, CONN_TIMEOUT, CONN_IO (*got = 0).
 */
int conn_read(struct conn *c, char *buf, size_t len, size_t *got);
/* Waits for the descriptor to become readable or writable (want = POLLIN
 * or POLLOUT) within the deadline; used by the ops' callers and by tls.c. */
int conn_wait(struct conn *c, int want);

/*
 * Writes. The first failure (CONN_IO, CONN_EOF, CONN_TIMEOUT) is kept:
 * from then on every write returns it at once and nothing more goes out,
 * so a command cut short by the failure is never followed by another one
 * glued to it (a peer that wakes up later would read them as one line).
 * Reads go on: a reply the peer sent before it stopped reading still
 * counts (conn_write_failed tells the caller).
 */
int conn_put(struct conn *c, const char *buf, size_t len);
int conn_puts(struct conn *c, const char *s);
int conn_flush(struct conn *c);
/* Flushes the buffer, then writes buf directly: for large message blocks. */
int conn_write(struct conn *c, const char *buf, size_t len);
/* The failure that ended writing, or CONN_OK. */
int conn_write_failed(const struct conn *c);

#endif
