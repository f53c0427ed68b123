/*
 * fuzzmsg.h -- for the fuzz targets that deliver: a message in an
 * in-memory file, opened as qmail-remote opens fd 0, and fd 1 (the
 * reports) sent to /dev/null. Traps when any of that fails.
 */
#ifndef FUZZMSG_H
#define FUZZMSG_H

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "message.h"

static void
fuzz_message_init(struct message *m, const char *text)
{
	size_t len = strlen(text);
	int fd = memfd_create("fuzz_message", 0), null = open("/dev/null", O_WRONLY);

	if (fd == -1 || null == -1 || write(fd, text, len) != (ssize_t)len ||
	    lseek(fd, 0, SEEK_SET) != 0 || message_open(m, fd) != 0 || dup2(null, 1) == -1)
		__builtin_trap();
}

#endif
