/*
 * message.c -- fd 0 as qmail-rspawn hands it over (the queue file) or as
 * an admin types it (a pipe or terminal). For a regular file the size
 * (for SIZE=) and the last byte (partial final line) are known before
 * any connection is made, so a bad message costs no SMTP session.
 * QMTP must declare the size before the first byte: message_spool()
 * copies a pipe once into a private temporary file to learn it.
 * Not here: encoding (stuff.c), sending (smtp.c, qmtp.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "message.h"

#define SPOOL_BLOCK	65536	/* one read and one write per 64 KB, as the SMTP path reads */
#define SPOOL_PATH_MAX	4096	/* PATH_MAX on Linux; a longer $TMPDIR is refused */

int
message_open(struct message *m, int fd)
{
	struct stat st;
	char last;
	off_t pos;

	m->fd = fd;
	m->is_regular = 0;
	m->size = 0;
	m->partial = 0;
	if (fstat(fd, &st) == -1)
		return -1;
	if (!S_ISREG(st.st_mode))
		return 0;
	pos = lseek(fd, 0, SEEK_CUR);
	if (pos == -1 || pos > st.st_size)
		return 0;	/* treat like a stream */
	m->is_regular = 1;
	m->size = (unsigned long long)(st.st_size - pos);
	if (m->size > 0) {
		if (pread(fd, &last, 1, st.st_size - 1) != 1)
			return -1;
		m->partial = last != '\n';
	}
	return 0;
}

ssize_t
message_read(struct message *m, char *buf, size_t len)
{
	ssize_t r;

	do
		r = read(m->fd, buf, len);
	while (r == -1 && errno == EINTR);
	return r;
}

/* A file nobody else can open: O_TMPFILE never has a name; the mkstemp
 * fallback (file systems without O_TMPFILE) loses its name at once. */
static int
spool_file(void)
{
	char path[SPOOL_PATH_MAX];
	const char *dir = getenv("TMPDIR");
	int fd, n, e;

	if (!dir || !*dir)
		dir = "/tmp";
#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd != -1)
		return fd;
#endif
	n = snprintf(path, sizeof path, "%s/qmail-remote.XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(path, O_CLOEXEC);	/* mode 0600 */
	if (fd == -1)
		return -1;
	if (unlink(path) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(fd, buf, len);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

int
message_spool(struct message *m)
{
	static char block[SPOOL_BLOCK];
	unsigned long long size = 0;
	char last = '\n';
	ssize_t r;
	int fd, e;

	if (m->is_regular)
		return 0;
	if ((fd = spool_file()) == -1)
		return -1;
	for (;;) {
		r = message_read(m, block, sizeof block);
		if (r == 0)
			break;
		if (r < 0 || write_all(fd, block, (size_t)r) != 0)
			goto fail;
		size += (unsigned long long)r;
		last = block[r - 1];
	}
	if (lseek(fd, 0, SEEK_SET) == -1)
		goto fail;
	m->fd = fd;
	m->is_regular = 1;
	m->size = size;
	m->partial = size > 0 && last != '\n';
	return 0;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}
