/*
 * test_qmtp.c -- qmtp.c against a forked server on a socketpair: the exact
 * package bytes (qmtp.txt's own example, an empty sender, several and
 * UTF-8 recipients, CRLF and bytes >= 0x80 untouched, a partial last line,
 * an empty message, a pipe spooled first), then the reports and the exit
 * code for scripted responses: all K, mixed K/Z/D, only Z/D, malformed
 * netstrings, a close before or between responses (Possible duplicate!),
 * a server that never answers, one that closes while the package is sent,
 * a queue file that shrinks (exit 1). The client runs in a child too, so
 * report.c's buffered fd 1 and report_exit()'s code are seen as
 * qmail-rspawn sees them. Also message_spool() and qmtp_mxps().
 * Build (from the top directory):
 *   cc -D_GNU_SOURCE -I. -Isubstdio -o test_qmtp tests/unit/test_qmtp.c \
 *      qmtp.c message.c report.c trace.c tls.c control.c dns.c dnsconf.c dnspacket.c ip.c \
 *      substdio/conn.c -lssl -lcrypto
 * Prints one line per failed check, then "N passed, N failed".
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "message.h"
#include "qmtp.h"

#define HOST	"192.0.2.9"
#define CAP	(4 << 20)	/* what one case may send or print */

/* What the forked server does. */
enum serve { READ_THEN_REPLY, CLOSE_AT_ONCE, READ_THEN_HOLD };

struct tcase {
	const char *name;
	const char *msg;		/* the message file's bytes */
	size_t msglen;
	int from_pipe;			/* hand fd 0 over as a pipe */
	int shrink;			/* truncate the file after message_open() */
	const char *sender;
	const char *recips[8];
	enum serve serve;
	const char *reply;		/* the server's bytes after the package */
	size_t replylen;
	unsigned timeout_s;
	int tls_mandatory;		/* a policy that wants TLS on plain QMTP */
	/* results */
	char *got_pkg;
	size_t pkglen;
	char *got_out;
	size_t outlen;
	int status;			/* exit code; + 10 when NEXT_PEER */
};

static ssize_t
read_all(int fd, char *buf, size_t max)
{
	size_t have = 0;
	ssize_t r;

	while (have < max) {
		r = read(fd, buf + have, max - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		have += (size_t)r;
	}
	return (ssize_t)have;
}

static void
write_all(int fd, const char *buf, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		buf += w;
		len -= (size_t)w;
	}
}

/* The package qmtp.c should send: built independently of qmtp.c. */
static size_t
package(char *out, const char *msg, size_t msglen, const char *sender, const char *const *recips)
{
	static char rl[65536];
	size_t n = 0, r = 0;
	int i;

	n += (size_t)sprintf(out + n, "%zu:\n", msglen + 1);
	memcpy(out + n, msg, msglen);
	n += msglen;
	out[n++] = ',';
	n += (size_t)sprintf(out + n, "%zu:%s,", strlen(sender), sender);
	for (i = 0; recips[i]; ++i)
		r += (size_t)sprintf(rl + r, "%zu:%s,", strlen(recips[i]), recips[i]);
	n += (size_t)sprintf(out + n, "%zu:", r);
	memcpy(out + n, rl, r);
	n += r;
	out[n++] = ',';
	return n;
}

static void
server(int s, const struct tcase *t, size_t expect, int back)
{
	static char buf[CAP];
	size_t have = 0;
	ssize_t r;

	alarm(20);
	if (t->serve == CLOSE_AT_ONCE) {
		close(s);
		_exit(0);
	}
	while (have < expect) {
		r = read(s, buf + have, expect - have);
		if (r <= 0)
			break;
		have += (size_t)r;
	}
	if (t->reply)
		write_all(s, t->reply, t->replylen);
	if (t->serve == READ_THEN_HOLD)
		while (read(s, buf + have, sizeof buf - have) > 0)
			;
	close(s);
	/* last: the parent reads this pipe only after the client is done */
	write_all(back, buf, have);
	_exit(0);
}

static void
client(int s, const struct tcase *t, int out)
{
	static struct conn c;
	static struct outcome f;
	static struct message m;
	static struct tls_policy pol;
	struct session_params p;
	char path[] = "/tmp/test_qmtp.XXXXXX";
	int fd, pp[2];
	enum next o;

	alarm(20);
	signal(SIGPIPE, SIG_IGN);	/* as qmail-remote must */
	if (dup2(out, 1) == -1)
		_exit(99);
	if (t->from_pipe) {
		if (pipe(pp) != 0 || fork() == 0) {
			close(pp[0]);
			write_all(pp[1], t->msg, t->msglen);
			_exit(0);
		}
		close(pp[1]);
		fd = pp[0];
	} else {
		fd = mkstemp(path);
		unlink(path);
		write_all(fd, t->msg, t->msglen);
		lseek(fd, 0, SEEK_SET);
	}
	if (message_open(&m, fd) != 0)
		_exit(98);
	if (t->shrink && ftruncate(fd, (off_t)(t->msglen / 2)) != 0)
		_exit(97);
	memset(&p, 0, sizeof p);
	p.sender = t->sender;
	for (p.nrecips = 0; t->recips[p.nrecips]; ++p.nrecips)
		;
	p.recips = (char **)t->recips;
	p.msg = &m;
	p.timeout_s = t->timeout_s ? t->timeout_s : 5;
	p.host = HOST;
	p.mxname = "qmtp.example";
	p.domain = "example";
	pol.level = TLS_MAY;
	if (t->tls_mandatory) {
		pol.level = TLS_ENCRYPT;
		p.tls = &pol;
	}
	conn_init(&c, s);
	o = qmtp_deliver(&c, &p, &f);
	report_exit(&f, o == NEXT_PEER ? 10 : 0);
}

/* Runs one case: forks the server and the client, collects what each saw. */
static void
run(struct tcase *t, size_t expect)
{
	static char pkg[CAP], out[CAP];
	int sv[2], back[2], o[2], st;
	pid_t ps, pc;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 || pipe(back) != 0 || pipe(o) != 0) {
		perror("test_qmtp");
		exit(2);
	}
	fflush(stdout);
	if ((ps = fork()) == 0) {
		close(sv[0]);
		close(back[0]);
		close(o[0]);
		close(o[1]);
		server(sv[1], t, expect, back[1]);
	}
	if ((pc = fork()) == 0) {
		close(sv[1]);
		close(back[0]);
		close(back[1]);
		close(o[0]);
		client(sv[0], t, o[1]);
	}
	close(sv[0]);
	close(sv[1]);
	close(back[1]);
	close(o[1]);
	t->outlen = (size_t)read_all(o[0], out, sizeof out);
	t->pkglen = (size_t)read_all(back[0], pkg, sizeof pkg);
	close(o[0]);
	close(back[0]);
	waitpid(ps, &st, 0);
	waitpid(pc, &st, 0);
	t->status = WIFEXITED(st) ? WEXITSTATUS(st) : 200 + WTERMSIG(st);
	t->got_pkg = pkg;
	t->got_out = out;
}

static int
same(const char *what, const char *got, size_t gotlen, const char *want, size_t wantlen)
{
	size_t i;

	if (gotlen == wantlen && memcmp(got, want, gotlen) == 0)
		return 1;
	printf("%s differs: got %zu bytes [", what, gotlen);
	for (i = 0; i < gotlen && i < 400; ++i)
		printf((unsigned char)got[i] >= 32 && got[i] != 127 ? "%c" : "\\x%02x", (unsigned char)got[i]);
	printf("], want %zu bytes [", wantlen);
	for (i = 0; i < wantlen && i < 400; ++i)
		printf((unsigned char)want[i] >= 32 && want[i] != 127 ? "%c" : "\\x%02x", (unsigned char)want[i]);
	printf("]\n");
	return 0;
}

#define S(lit)	lit, sizeof(lit) - 1
#define SAME(what, got, gotlen, lit)	same(what, got, gotlen, S(lit))

/* Runs t, expecting the server to see the package built from t. */
static void
run_pkg(struct tcase *t, const char *want_out, size_t want_outlen, int want_status)
{
	static char want[CAP];
	size_t n = package(want, t->msg, t->msglen, t->sender, t->recips);

	run(t, n);
	CHECK(same("package", t->got_pkg, t->pkglen, want, n), "%s: package", t->name);
	CHECK(same("reports", t->got_out, t->outlen, want_out, want_outlen), "%s: reports", t->name);
	CHECK(t->status == want_status, "%s: exit %d, want %d", t->name, t->status, want_status);
}

static const char small[] = "Subject: 8bit\r\nX: \x80\xff\xc3\xa9\n\nbody\r\n.\n";

static void
test_example(void)
{
	/* qmtp.txt section 8, byte for byte */
	static const char want_pkg[] =
	    "246:\n"
	    "Received: (qmail-queue invoked by uid 0); 29 Jul 1996 09:36:40 -0000\n"
	    "Date: 29 Jul 1996 11:35:35 -0000\n"
	    "Message-ID: <19960729113535.375.qmail@heaven.af.mil>\n"
	    "From: God@heaven.af.mil\n"
	    "To: djb@silverton.berkeley.edu (D. J. Bernstein)\n"
	    "\n"
	    "This is a test.\n"
	    ","
	    "24:God-DSN-37@heaven.af.mil,"
	    "30:26:djb@silverton.berkeley.edu,,";
	struct tcase t = { .name = "qmtp.txt example", .sender = "God-DSN-37@heaven.af.mil",
	    .recips = { "djb@silverton.berkeley.edu" }, .reply = S("21:Kok 838640135 qp 1390,") };

	t.msg = want_pkg + 5;
	t.msglen = 245;
	run(&t, sizeof want_pkg - 1);
	CHECK(SAME("package", t.got_pkg, t.pkglen, want_pkg), "example package");
	CHECK(SAME("reports", t.got_out, t.outlen,
	    "r\0K" HOST " accepted message.\nRemote host said: ok 838640135 qp 1390\n\0"), "example reports");
	CHECK(t.status == 0, "example exit %d", t.status);
}

static void
test_replies(void)
{
	struct tcase t = { .name = "all K", .msg = small, .msglen = sizeof small - 1, .sender = "",
	    .recips = { "a@example.org", "b@example.net", "\xc3\xbc@b\xc3\xbc" "cher.example" },
	    .reply = S("4:Kok1,4:Kok2,21:Kok3 \xc3\xa9t\xc3\xa9 accept\xc3\xa9" "d ,") };

	run_pkg(&t, S("r\0r\0r\0K" HOST " accepted message.\nRemote host said: ok3 \xc3\xa9t\xc3\xa9 accept\xc3\xa9" "d \n\0"), 0);

	t.name = "mixed";
	t.reply = "6:Kfirst,10:Ztry later,8:Dno such,";
	t.replylen = strlen(t.reply);
	run_pkg(&t, S("r\0"
	    "s" HOST " does not like recipient.\nRemote host said: try later\n\0"
	    "h" HOST " does not like recipient.\nRemote host said: no such\n\0"
	    "K" HOST " accepted message.\nRemote host said: first\n\0"), 0);

	t.name = "Z and D";
	t.reply = "2:Zx,2:Dy,2:Dz,";
	t.replylen = strlen(t.reply);
	run_pkg(&t, S("s" HOST " does not like recipient.\nRemote host said: x\n\0"
	    "h" HOST " does not like recipient.\nRemote host said: y\n\0"
	    "h" HOST " does not like recipient.\nRemote host said: z\n\0"
	    "ZGiving up on " HOST ".\n\0"), 0);

	t.name = "only D";
	t.reply = "2:Dx,1:D,2:Dz,";
	t.replylen = strlen(t.reply);
	run_pkg(&t, S("h" HOST " does not like recipient.\nRemote host said: x\n\0"
	    "h" HOST " does not like recipient.\nRemote host said: \n\0"
	    "h" HOST " does not like recipient.\nRemote host said: z\n\0"
	    "DGiving up on " HOST ".\n\0"), 0);

	t.name = "control bytes masked";
	t.reply = "10:Da\0b\nc\rd\te,2:Kk,2:Kk,";
	t.replylen = sizeof "10:Da\0b\nc\rd\te,2:Kk,2:Kk," - 1;
	run_pkg(&t, S("h" HOST " does not like recipient.\nRemote host said: a?b?c?d\te\n\0"
	    "r\0r\0K" HOST " accepted message.\nRemote host said: k\n\0"), 0);
}

static void
test_violations(void)
{
	static const struct { const char *name, *reply, *why; } v[] = {
		{ "garbage", "hello there,", "bad netstring" },
		{ "leading zero", "05:Kabcd,", "bad netstring" },
		{ "missing comma", "5:Kabcd;", "bad netstring" },
		{ "no length", ":Kab,", "bad netstring" },
		{ "space", "5 :Kabcd,", "bad netstring" },
		{ "negative", "-5:Kabcd,", "bad netstring" },
		{ "empty", "0:,", "empty response" },
		{ "00", "00:,", "bad netstring" },
		{ "status", "3:Xab,", "unknown status byte" },
		{ "lowercase k", "3:kab,", "unknown status byte" },
		{ "oversized", "4097:K", "response too long" },
		{ "huge", "99999999999999999999999999:K", "response too long" },
	};
	static char want[512];
	size_t i, n;
	struct tcase t = { .msg = small, .msglen = sizeof small - 1, .sender = "s@example.org",
	    .recips = { "r@example.org" } };

	for (i = 0; i < sizeof v / sizeof v[0]; ++i) {
		t.name = v[i].name;
		t.reply = v[i].reply;
		t.replylen = strlen(v[i].reply);
		n = (size_t)snprintf(want, sizeof want, "ZConnected to " HOST
		    " but recipient host did not talk proper QMTP. Possible duplicate!\nProtocol violation: %s.\n",
		    v[i].why) + 1;
		run_pkg(&t, want, n, 0);
	}

	t.name = "second response bad";
	t.recips[1] = "r2@example.org";
	t.reply = "2:Kk,2:Kk.";
	t.replylen = strlen(t.reply);
	run_pkg(&t, S("r\0ZConnected to " HOST " but recipient host did not talk proper QMTP. Possible duplicate!\n"
	    "Protocol violation: bad netstring.\n\0"), 0);
}

static void
test_limits(void)
{
	static char reply[QMTP_RESPONSE_MAX + 64], want[QMTP_RESPONSE_MAX + 256];
	struct tcase t = { .name = "longest response", .msg = small, .msglen = sizeof small - 1,
	    .sender = "s@example.org", .recips = { "r@example.org" } };
	size_t n;

	n = (size_t)sprintf(reply, "%d:K", QMTP_RESPONSE_MAX);
	memset(reply + n, 'x', QMTP_RESPONSE_MAX - 1);
	n += QMTP_RESPONSE_MAX - 1;
	reply[n++] = ',';
	t.reply = reply;
	t.replylen = n;
	n = (size_t)sprintf(want, "r%cK" HOST " accepted message.\nRemote host said: ", 0);
	memset(want + n, 'x', QMTP_RESPONSE_MAX - 1);
	n += QMTP_RESPONSE_MAX - 1;
	memcpy(want + n, "\n", 2);
	n += 2;
	run_pkg(&t, want, n, 0);

	t.name = "one byte too long";
	n = (size_t)sprintf(reply, "%d:K", QMTP_RESPONSE_MAX + 1);
	t.replylen = n;
	run_pkg(&t, S("ZConnected to " HOST " but recipient host did not talk proper QMTP. Possible duplicate!\n"
	    "Protocol violation: response too long.\n\0"), 0);
}

static void
test_drops(void)
{
	static char big[1 << 20];
	struct tcase t = { .name = "close before responses", .msg = small, .msglen = sizeof small - 1,
	    .sender = "s@example.org", .recips = { "r1@example.org", "r2@example.org" } };

	run_pkg(&t, S("ZConnected to " HOST " but connection died. Possible duplicate! (#4.4.2)\n\0"), 0);

	t.name = "close between responses";
	t.reply = "2:Kk,";
	t.replylen = 5;
	run_pkg(&t, S("r\0ZConnected to " HOST " but connection died. Possible duplicate! (#4.4.2)\n\0"), 0);

	t.name = "close inside a response";
	t.reply = "2:Kk,5:Zab";
	t.replylen = 10;
	run_pkg(&t, S("r\0ZConnected to " HOST " but connection died. Possible duplicate! (#4.4.2)\n\0"), 0);

	t.name = "no answer";
	t.reply = NULL;
	t.serve = READ_THEN_HOLD;
	t.timeout_s = 1;
	report_timeout(1);	/* qmail-remote.c passes timeoutremote */
	run_pkg(&t, S("ZConnected to " HOST " but connection died. Possible duplicate! (#4.4.2)\n"
	    "Timed out after 1 second (timeoutremote).\n\0"), 0);

	/* the server goes away before the package is complete: it holds nothing */
	memset(big, 'a', sizeof big);
	big[sizeof big - 1] = '\n';
	t.name = "close while sending";
	t.msg = big;
	t.msglen = sizeof big;
	t.serve = CLOSE_AT_ONCE;
	t.timeout_s = 5;
	run(&t, 0);
	CHECK(SAME("reports", t.got_out, t.outlen, "ZConnected to " HOST " but connection died. (#4.4.2)\n\0"),
	    "close while sending: reports");
	CHECK(t.status == 0, "close while sending: exit %d", t.status);
}

static void
test_messages(void)
{
	static char big[300000], want[400000];
	size_t i, n;
	struct tcase t = { .name = "partial last line", .msg = "no newline at the end", .msglen = 21,
	    .sender = "s@example.org", .recips = { "r@example.org" }, .reply = S("2:Kk,") };

	run_pkg(&t, S("r\0K" HOST " accepted message.\nRemote host said: k\n\0"), 0);

	t.name = "empty message";
	t.msg = "";
	t.msglen = 0;
	run_pkg(&t, S("r\0K" HOST " accepted message.\nRemote host said: k\n\0"), 0);
	CHECK(t.pkglen >= 4 && memcmp(t.got_pkg, "1:\n,", 4) == 0, "empty message is 1:<LF>,");

	t.name = "pipe";
	t.msg = small;
	t.msglen = sizeof small - 1;
	t.from_pipe = 1;
	run_pkg(&t, S("r\0K" HOST " accepted message.\nRemote host said: k\n\0"), 0);

	for (i = 0; i < sizeof big; ++i)
		big[i] = i % 71 == 70 ? '\n' : (char)(i * 7);
	t.name = "big pipe";
	t.msg = big;
	t.msglen = sizeof big;
	run_pkg(&t, S("r\0K" HOST " accepted message.\nRemote host said: k\n\0"), 0);

	/* the queue file shrank after its size was taken: the package is
	 * never completed; a Z report, exit 0 (qmail-rspawn turns any exit
	 * but 0 and 111 into a bounce and drops the reports: SPEC 2) */
	t.name = "shrunk queue file";
	t.from_pipe = 0;
	t.shrink = 1;
	n = (size_t)sprintf(want, "%zu:\n", sizeof big + 1);
	memcpy(want + n, big, sizeof big / 2);
	n += sizeof big / 2;
	run(&t, sizeof want);
	CHECK(t.pkglen > 8 && t.pkglen <= n && memcmp(t.got_pkg, want, t.pkglen) == 0,
	    "shrunk: the package stops early (%zu of %zu bytes)", t.pkglen, n);
	CHECK(SAME("reports", t.got_out, t.outlen, "ZUnable to read message. (#4.3.0)\n\0"), "shrunk: report");
	CHECK(t.status == 0, "shrunk: exit %d", t.status);
}

static void
test_tls_policy(void)
{
	struct tcase t = { .name = "mandatory TLS on plain QMTP", .msg = small, .msglen = sizeof small - 1,
	    .sender = "s@example.org", .recips = { "r@example.org" }, .tls_mandatory = 1 };

	run(&t, 1);
	CHECK(t.pkglen == 0, "nothing sent in plaintext (%zu bytes)", t.pkglen);
	CHECK(SAME("reports", t.got_out, t.outlen, "ZTLS is required for: qmtp.example for example "
	    "but QMTP on this port has no STARTTLS; not sending in plaintext.\n\0"), "tls refusal report");
	CHECK(t.status == 10, "tls refusal: NEXT_PEER, exit 0 (got %d)", t.status);
}

static void
test_spool(void)
{
	static char big[200000], back[200001];
	static struct message m;
	char dir[] = "/tmp/test_qmtp_spool.XXXXXX";
	struct stat st;
	int pp[2], empty;
	pid_t w;
	size_t i;
	ssize_t n;

	for (i = 0; i < sizeof big; ++i)
		big[i] = (char)(i * 13);
	big[sizeof big - 1] = 'x';	/* partial */
	if (!mkdtemp(dir) || pipe(pp) != 0)
		return;
	setenv("TMPDIR", dir, 1);
	if ((w = fork()) == 0) {
		close(pp[0]);
		write_all(pp[1], big, sizeof big);
		_exit(0);
	}
	close(pp[1]);
	CHECK(message_open(&m, pp[0]) == 0 && !m.is_regular, "pipe is not regular");
	CHECK(message_spool(&m) == 0, "spool: %s", strerror(errno));
	waitpid(w, NULL, 0);
	CHECK(m.is_regular && m.size == sizeof big && m.partial, "spooled: regular %d size %llu partial %d",
	    m.is_regular, m.size, m.partial);
	CHECK(m.fd != pp[0] && fstat(m.fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) == 0,
	    "a private regular file");
	n = read_all(m.fd, back, sizeof back);
	CHECK(n == (ssize_t)sizeof big && memcmp(back, big, sizeof big) == 0, "spooled bytes (%zd)", n);
	empty = rmdir(dir) == 0;	/* unlinked at once: the directory is empty */
	CHECK(empty, "no name left in $TMPDIR");
	CHECK(message_spool(&m) == 0 && m.size == sizeof big, "spooling twice is a no-op");
	close(m.fd);
	close(pp[0]);
	unsetenv("TMPDIR");

	if (pipe(pp) != 0)
		return;
	write_all(pp[1], "a\n", 2);
	close(pp[1]);
	CHECK(message_open(&m, pp[0]) == 0 && message_spool(&m) == 0 && m.size == 2 && !m.partial,
	    "small pipe, complete last line");
	close(m.fd);
	close(pp[0]);

	setenv("TMPDIR", "/nonexistent/qmtp-test", 1);
	if (pipe(pp) != 0)
		return;
	close(pp[1]);
	CHECK(message_open(&m, pp[0]) == 0 && message_spool(&m) == -1 && !m.is_regular && m.fd == pp[0],
	    "a bad $TMPDIR fails, nothing changed");
	close(pp[0]);
	unsetenv("TMPDIR");
}

static void
test_mxps(void)
{
	static const struct { unsigned long pref; int qmtp; } v[] = {
		{ 12801, 1 }, { 12817, 1 }, { 13041, 1 }, { 12800, 0 }, { 12802, 0 }, { 12816, 0 },
		{ 13055, 0 }, { 13057, 0 }, { 12785, 0 }, { 1, 0 }, { 17, 0 }, { 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; ++i)
		CHECK(qmtp_mxps(v[i].pref) == v[i].qmtp, "mxps %lu", v[i].pref);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_example();
	test_replies();
	test_violations();
	test_limits();
	test_drops();
	test_messages();
	test_tls_policy();
	test_spool();
	test_mxps();
	return check_done();
}
