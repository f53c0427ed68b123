/*
 * message.c -- fd 0 as qmail-rspawn hands it over (the queue file) or as
 * an admin types it (a pipe or terminal). For a regular file the size
 * (for SIZE=) and the last byte (partial final line) are known before
 * any connection is made, so a bad message costs no SMTP session.
 * Not here: encoding (stuff.c), sending (smtp.c, qmtp.c).
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include "message.h"

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
