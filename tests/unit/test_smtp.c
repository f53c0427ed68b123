/*
 * test_smtp.c -- the bounded reply reader and the EHLO keyword parser,
 * fed through a real socketpair so conn.c's buffering is exercised too.
 */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "check.h"
#include "smtp.h"

static struct conn c;
static struct said said;

/* Writes bytes to one end, then reads one reply from the other. */
static int
reply_of(const char *bytes, size_t len, struct ehlo *e, const char **why)
{
	int sv[2], r;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return -99;
	if (len)
		(void)!write(sv[1], bytes, len);
	close(sv[1]);	/* EOF after the bytes */
	conn_init(&c, sv[0]);
	conn_deadline(&c, 2);
	r = smtp_read_reply(&c, &said, e, why);
	close(sv[0]);
	return r;
}

#define REPLY(s, e, why)	reply_of(s, sizeof(s) - 1, e, why)

/*
 * conn.c: once a write fails, nothing more is written (a later command
 * must never follow one cut short), while replies already sent are still
 * read. The peer's receive buffer is kept full: the first flush times out.
 */
static void
test_write_failure(void)
{
	static char block[CONN_WBUF_SIZE];
	char line[64];
	size_t len, got = 0;
	ssize_t n;
	int sv[2], one = 4096, w;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return;
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &one, sizeof one);
	(void)!write(sv[1], "554 go away\r\n", 13);	/* the reply, before the stall */
	conn_init(&c, sv[0]);
	memset(block, 'x', sizeof block);
	conn_deadline(&c, 1);
	for (w = CONN_OK; w == CONN_OK && got < 64 * sizeof block; got += sizeof block)
		w = conn_write(&c, block, sizeof block);
	CHECK(w == CONN_TIMEOUT, "a peer that stops reading: the write times out (%d)", w);
	CHECK(conn_write_failed(&c) == CONN_TIMEOUT, "the failure is kept");
	/* what the peer has now is all it will ever get */
	for (got = 0; (n = recv(sv[1], block, sizeof block, MSG_DONTWAIT)) > 0; got += (size_t)n)
		;
	CHECK(conn_puts(&c, "RCPT TO:<later@example>\r\n") == CONN_TIMEOUT, "a later put fails at once");
	CHECK(conn_flush(&c) == CONN_OK && c.wlen == 0, "... and buffers nothing");
	CHECK(conn_write(&c, block, 10) == CONN_TIMEOUT, "a later write fails at once");
	CHECK(recv(sv[1], block, sizeof block, MSG_DONTWAIT) < 0, "not one byte more reached the peer");
	conn_deadline(&c, 1);
	CHECK(conn_getline(&c, line, sizeof line - 1, &len) == CONN_OK && len == 11 &&
	    memcmp(line, "554 go away", 11) == 0, "the reply sent before the stall is still read");
	close(sv[0]);
	close(sv[1]);
}

int
main(void)
{
	static char big[REPLY_LINE_MAX * 2 + 16];
	static char many[REPLY_LINES_MAX * 8 + 16];
	struct ehlo e;
	const char *why = "";
	int code, more, r;
	size_t i;

	test_write_failure();
	CHECK(smtp_parse_line("250 ok", 6, &code, &more) == 0 && code == 250 && !more, "250 ok");
	CHECK(smtp_parse_line("250-ok", 6, &code, &more) == 0 && more, "250-ok");
	CHECK(smtp_parse_line("250", 3, &code, &more) == 0 && code == 250, "bare 250");
	CHECK(smtp_parse_line("25", 2, &code, &more) == -1, "short");
	CHECK(smtp_parse_line("2x0 ok", 6, &code, &more) == -1, "non-digit");
	CHECK(smtp_parse_line("650 ok", 6, &code, &more) == -1, "6xx");
	CHECK(smtp_parse_line("250ok", 5, &code, &more) == -1, "no separator");

	CHECK(REPLY("220 hi\r\n", NULL, &why) == REPLY_OK && said.code == 220, "simple");
	CHECK(said.len == 7 && memcmp(said.text, "220 hi\n", 7) == 0, "text kept, CR dropped");
	CHECK(REPLY("250-a\r\n250-b\r\n250 c\r\n", NULL, &why) == REPLY_OK && said.code == 250, "multi");
	CHECK(said.len == 18 && memcmp(said.text, "250-a\n250-b\n250 c\n", 18) == 0, "multi text");
	CHECK(REPLY("250 bare lf\n", NULL, &why) == REPLY_OK, "bare LF line end accepted");
	CHECK(REPLY("550 a\0b\r\n", NULL, &why) == REPLY_OK && said.len == 8 && said.text[5] == 0 && said.text[6] == 'b',
	    "NUL kept in said (report.c masks it)");
	CHECK(REPLY("250-a\r\n", NULL, &why) == CONN_EOF, "EOF inside multiline");
	CHECK(REPLY("", NULL, &why) == CONN_EOF, "EOF at once");
	CHECK(REPLY("garbage\r\n", NULL, &why) == REPLY_BAD, "garbage");
	CHECK(REPLY("250-ok\r\nxyz\r\n", NULL, &why) == REPLY_BAD, "garbage continuation");

	memset(big, 'x', sizeof big);
	memcpy(big, "250 ", 4);
	r = reply_of(big, sizeof big, NULL, &why);
	CHECK(r == REPLY_BAD && strstr(why, "too long"), "overlong line: %d", r);
	memcpy(big + REPLY_LINE_MAX, "\r\n", 2);
	CHECK(reply_of(big, REPLY_LINE_MAX + 2, NULL, &why) == REPLY_OK, "line of exactly the limit");
	memcpy(big + REPLY_LINE_MAX, "x\r\n", 3);
	CHECK(reply_of(big, REPLY_LINE_MAX + 3, NULL, &why) == REPLY_BAD, "limit + 1");

	for (i = 0; i + 8 <= sizeof many - 16; i += 7)
		memcpy(many + i, "250-ab\n", 7);
	memcpy(many + i, "250 x\n", 6);
	CHECK(reply_of(many, i + 6, NULL, &why) == REPLY_BAD && strstr(why, "too many"), "endless multiline");

	/* long lines until the reply text is full: kept bounded, never overflowing */
	{
		static char longs[(REPLY_LINE_MAX + 2) * 6 + 16];
		size_t at = 0, k;
		for (k = 0; k < 5; ++k) {
			memcpy(longs + at, "250-", 4);
			memset(longs + at + 4, 'y', REPLY_LINE_MAX - 4);
			memcpy(longs + at + REPLY_LINE_MAX, "\r\n", 2);
			at += REPLY_LINE_MAX + 2;
		}
		memcpy(longs + at, "250 end\r\n", 9);
		r = reply_of(longs, at + 9, NULL, &why);
		CHECK(r == REPLY_OK && said.len == sizeof said.text && said.text[said.len - 1] == '\n',
		    "full reply text: %d %zu", r, said.len);
	}
	memset(&e, 0, sizeof e);
	r = REPLY("250-mx.example Hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8bitmime\r\n"
	    "250-AUTH PLAIN login CRAM-MD5\r\n250-AUTH=OLD\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n"
	    "250-CHUNKING\r\n250 SMTPUTF8\r\n", &e, &why);
	CHECK(r == REPLY_OK, "ehlo reply");
	CHECK(e.pipelining && e.eightbitmime && e.starttls && e.chunking && e.smtputf8 &&
	    e.enhancedstatuscodes && e.size && e.size_max == 10240000, "ehlo flags");
	CHECK(strcmp(e.auth, "PLAIN LOGIN CRAM-MD5 OLD ") == 0, "auth mechs '%s'", e.auth);
	memset(&e, 0, sizeof e);
	r = REPLY("250-PIPELINING is the greeting line\r\n250-SIZEX\r\n250-STARTTLSX\r\n250 SIZE 99999999999999999999999\r\n", &e, &why);
	CHECK(r == REPLY_OK && !e.pipelining && !e.starttls && e.size && e.size_max == 0,
	    "first line is not a keyword; prefixes don't match; absurd SIZE");
	return check_done();
}
