/*
 * test_session.c -- whole SMTP sessions against a scripted peer on a
 * socketpair: the exact bytes the client sends (pipelined batches, BDAT
 * framing, dot-stuffing, QUIT) and the exact reports it prints, for the
 * same dialogue with and without PIPELINING and CHUNKING, and for
 * rejections at every command.
 */
#include <fcntl.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "smtp.h"

/* A step: once the client's bytes contain `after` (searched past the
 * previous step's match), the peer sends `reply`. */
struct step {
	const char *after, *reply;
};

static char got[1 << 16];	/* what the client sent */
static size_t got_len;
static char reports[1 << 14];	/* what it printed on fd 1 */
static size_t reports_len;
static struct outcome f;

/* 1 in a sanitizer build, whose shadow memory makes RSS meaningless */
static int
sanitized(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return 1;
#else
	return 0;
#endif
}

static void
peer(int fd, const struct step *steps, int tell)
{
	static char buf[1 << 16];
	size_t len = 0, from = 0;
	ssize_t r;
	char *hit;

	for (; steps->reply; ++steps) {
		if (!steps->after)
			break;
		while (!(hit = memmem(buf + from, len - from, steps->after, strlen(steps->after)))) {
			r = read(fd, buf + len, sizeof buf - len);
			if (r <= 0)
				goto out;
			len += (size_t)r;
		}
		from = (size_t)(hit - buf) + strlen(steps->after);
		if (strcmp(steps->reply, "<close>") == 0) {
			close(fd);
			goto out;
		}
		(void)!write(fd, steps->reply, strlen(steps->reply));
	}
	while ((r = read(fd, buf + len, sizeof buf - len)) > 0)
		len += (size_t)r;
out:
	(void)!write(tell, buf, len);
	_exit(0);
}

static const struct tls_policy *policy;
static unsigned timeout_s = 5;
static const char *auth_user, *auth_pass;
static int loopback;
static int plaintext_only;

static enum next
session(const struct step *steps, const char *message, int nrecips, char **recips)
{
	static struct conn c;
	static struct message msg;
	struct session_params p;
	int sv[2], tell[2], out[2], saved1, mf;
	char path[] = "/tmp/test_session.XXXXXX";
	enum next o;
	pid_t pid;
	ssize_t r;

	(void)!socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	(void)!pipe(tell);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		close(tell[0]);
		peer(sv[1], steps, tell[1]);
	}
	close(sv[1]);
	close(tell[1]);
	mf = mkstemp(path);
	unlink(path);
	(void)!write(mf, message, strlen(message));
	lseek(mf, 0, SEEK_SET);
	message_open(&msg, mf);
	(void)!pipe(out);
	saved1 = dup(1);
	dup2(out[1], 1);
	close(out[1]);

	memset(&p, 0, sizeof p);
	p.helohost = "client.example";
	p.sender = "a@client.example";
	p.recips = recips;
	p.nrecips = nrecips;
	p.msg = &msg;
	p.timeout_s = timeout_s;
	p.host = "192.0.2.25";
	p.mxname = "mx.example";
	p.domain = "example";
	p.tls = policy;
	p.auth_user = auth_user;
	p.auth_pass = auth_pass;
	p.peer_loopback = loopback;
	p.plaintext_only = plaintext_only;
	conn_init(&c, sv[0]);
	memset(&f, 0, sizeof f);
	o = smtp_deliver(&c, &p, &f);
	report_flush();
	dup2(saved1, 1);
	close(saved1);
	reports_len = 0;
	while ((r = read(out[0], reports + reports_len, sizeof reports - reports_len)) > 0)
		reports_len += (size_t)r;
	close(out[0]);
	close(sv[0]);
	close(mf);
	got_len = 0;
	while ((r = read(tell[0], got + got_len, sizeof got - got_len)) > 0)
		got_len += (size_t)r;
	close(tell[0]);
	waitpid(pid, NULL, 0);
	return o;
}

static int
sent(const char *want)
{
	if (got_len == strlen(want) && memcmp(got, want, got_len) == 0)
		return 1;
	printf("client sent: [%.*s]\n", (int)got_len, got);
	return 0;
}

static int
printed(const char *want, size_t len)
{
	if (reports_len == len && memcmp(reports, want, len) == 0)
		return 1;
	printf("reports: [%.*s]\n", (int)reports_len, reports);
	return 0;
}

static int
message_report(const char *want)
{
	char buf[8192];
	size_t n = report_format(&f, buf, sizeof buf);

	if (n == strlen(want) && memcmp(buf, want, n) == 0)
		return 1;
	printf("message report: [%.*s]\n", (int)n, buf);
	return 0;
}

static int
contains(const char *s)
{
	return memmem(got, got_len, s, strlen(s)) != NULL;
}

#define PRINTED(s)	printed(s, sizeof(s) - 1)

/* The policy tlspolicy.c decides for a peer at port 25 under these
 * tlsdestinations lines (NULL: none), with or without AUTH credentials:
 * the sessions below run under what the one decision gives. */
static const struct tls_policy *
decided(const char *lines, int credentials)
{
	static struct config cfg[8];
	static struct tls_policy pol[8];
	static size_t k;
	struct ctl_error err;
	struct tls_facts in;

	k = (k + 1) % 8;
	ctl_free(&cfg[k]);
	ctl_init(&cfg[k]);
	if (lines && ctl_parse_text(&cfg[k], "tlsdestinations", lines, strlen(lines), &err) != 0) {
		printf("tlsdestinations %s: %s\n", lines, err.why);
		exit(1);
	}
	memset(&in, 0, sizeof in);
	in.cfg = &cfg[k];
	in.route_port = 25;
	in.credentials = credentials;
	in.mxname = "mx.example";
	(void)tls_decide(&in, &pol[k]);
	return &pol[k];
}

static char *two[] = { "x@example", "y@example" };

int
main(void)
{
	/* classic dialogue, no extensions */
	static const struct step plain[] = {
		{ "", "220 mx ESMTP\r\n" },
		{ "EHLO client.example\r\n", "250 mx\r\n" },
		{ "MAIL FROM:<a@client.example>\r\n", "250 ok\r\n" },
		{ "RCPT TO:<x@example>\r\n", "250 ok\r\n" },
		{ "RCPT TO:<y@example>\r\n", "550 5.1.1 no such user\r\n" },
		{ "DATA\r\n", "354 go\r\n" },
		{ "\r\n.\r\n", "250 2.0.0 queued as 1\r\n" },
		{ NULL, NULL }
	};
	/* the same with PIPELINING: one batch, QUIT after the dot */
	static const struct step piped[] = {
		{ "", "220 mx ESMTP\r\n" },
		{ "EHLO client.example\r\n", "250-mx\r\n250-PIPELINING\r\n250 SIZE 1000\r\n" },
		{ "DATA\r\n", "250 ok\r\n250 ok\r\n550 5.1.1 no such user\r\n354 go\r\n" },
		{ "\r\n.\r\n", "250 2.0.0 queued as 1\r\n" },
		{ NULL, NULL }
	};
	/* CHUNKING + PIPELINING */
	static const struct step chunked[] = {
		{ "", "220 mx ESMTP\r\n" },
		{ "EHLO client.example\r\n", "250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n" },
		{ "RCPT TO:<y@example>\r\n", "250 ok\r\n250 ok\r\n550 5.1.1 no such user\r\n" },
		{ "LAST\r\n", "" },
		{ "b\r\n", "250 2.0.0 queued as 1\r\n" },
		{ NULL, NULL }
	};
	static const char msg[] = "Subject: t\n\n.dot\nb\n";

	CHECK(session(plain, msg, 2, two) == NEXT_FINAL, "plain final");
	CHECK(sent("EHLO client.example\r\nMAIL FROM:<a@client.example>\r\nRCPT TO:<x@example>\r\n"
	    "RCPT TO:<y@example>\r\nDATA\r\nSubject: t\r\n\r\n..dot\r\nb\r\n.\r\nQUIT\r\n"), "plain bytes");
	CHECK(PRINTED("r\0h192.0.2.25 does not like recipient.\nRemote host said: 550 5.1.1 no such user\n\0"), "plain reports");
	CHECK(message_report("K192.0.2.25 accepted message.\nRemote host said: 250 2.0.0 queued as 1\n"), "plain K");

	CHECK(session(piped, msg, 2, two) == NEXT_FINAL, "piped final");
	CHECK(sent("EHLO client.example\r\nMAIL FROM:<a@client.example> SIZE=19\r\nRCPT TO:<x@example>\r\n"
	    "RCPT TO:<y@example>\r\nDATA\r\nSubject: t\r\n\r\n..dot\r\nb\r\n.\r\nQUIT\r\n"), "piped bytes");
	CHECK(PRINTED("r\0h192.0.2.25 does not like recipient.\nRemote host said: 550 5.1.1 no such user\n\0"), "piped reports");
	CHECK(message_report("K192.0.2.25 accepted message.\nRemote host said: 250 2.0.0 queued as 1\n"), "piped K");

	CHECK(session(chunked, msg, 2, two) == NEXT_FINAL, "chunked final");
	CHECK(sent("EHLO client.example\r\nMAIL FROM:<a@client.example>\r\nRCPT TO:<x@example>\r\n"
	    "RCPT TO:<y@example>\r\nBDAT 23 LAST\r\nSubject: t\r\n\r\n.dot\r\nb\r\nQUIT\r\n"), "chunked bytes");
	CHECK(message_report("K192.0.2.25 accepted message.\nRemote host said: 250 2.0.0 queued as 1\n"), "chunked K");

	/* sender rejected under PIPELINING: no recipient reports from 503s */
	{
		static const struct step s[] = {
			{ "", "220 mx\r\n" },
			{ "EHLO", "250-mx\r\n250 PIPELINING\r\n" },
			{ "DATA\r\n", "553 5.7.1 sender refused\r\n503 need MAIL\r\n503 need MAIL\r\n503 need RCPT\r\n" },
			{ NULL, NULL }
		};
		CHECK(session(s, msg, 2, two) == NEXT_FINAL, "sender final");
		CHECK(PRINTED(""), "no recipient reports");
		CHECK(message_report("DConnected to 192.0.2.25 but sender was rejected.\nRemote host said: 553 5.7.1 sender refused\n"), "sender D");
	}
	/* every recipient refused, pipelined, and DATA answered 354 anyway */
	{
		static const struct step s[] = {
			{ "", "220 mx\r\n" },
			{ "EHLO", "250-mx\r\n250 PIPELINING\r\n" },
			{ "DATA\r\n", "250 ok\r\n450 later\r\n550 no\r\n354 go\r\n" },
			{ ".\r\n", "554 no valid recipients\r\n" },
			{ NULL, NULL }
		};
		CHECK(session(s, msg, 2, two) == NEXT_FINAL, "giving up final");
		CHECK(PRINTED("s192.0.2.25 does not like recipient.\nRemote host said: 450 later\n\0"
		    "h192.0.2.25 does not like recipient.\nRemote host said: 550 no\n\0"), "s and h");
		CHECK(message_report("DGiving up on 192.0.2.25.\n"), "giving up D");
		CHECK(contains("DATA\r\n.\r\n"), "empty message after a 354 with no recipients");
	}
	/* every recipient refused, no pipelining: no DATA at all */
	{
		static const struct step s[] = {
			{ "", "220 mx\r\n" },
			{ "EHLO", "250 mx\r\n" },
			{ "MAIL", "250 ok\r\n" },
			{ "RCPT TO:<x@example>\r\n", "550 no\r\n" },
			{ "RCPT TO:<y@example>\r\n", "550 no\r\n" },
			{ NULL, NULL }
		};
		session(s, msg, 2, two);
		CHECK(!contains("DATA"), "no DATA");
		CHECK(message_report("DGiving up on 192.0.2.25.\n"), "giving up D 2");
	}
	/* greeting 421 and EHLO/HELO refusals: the next host may try */
	{
		static const struct step s[] = { { "", "421 busy\r\n" }, { NULL, NULL } };
		CHECK(session(s, msg, 1, two) == NEXT_PEER, "greeting: next");
		CHECK(message_report("ZConnected to 192.0.2.25 but greeting failed.\nRemote host said: 421 busy\n"), "greeting Z");
	}
	{
		static const struct step s[] = {
			{ "", "220 mx\r\n" }, { "EHLO", "502 no EHLO\r\n" }, { "HELO client.example\r\n", "550 go away\r\n" },
			{ NULL, NULL }
		};
		CHECK(session(s, msg, 1, two) == NEXT_PEER, "helo: next");
		/* classic qmail: never final (SPEC 6) */
		CHECK(message_report("ZConnected to 192.0.2.25 but my name was rejected.\nRemote host said: 550 go away\n"), "helo Z");
	}
	/* a drop after the final dot: Possible duplicate */
	{
		static const struct step s[] = {
			{ "", "220 mx\r\n" }, { "EHLO", "250 mx\r\n" }, { "MAIL", "250 ok\r\n" },
			{ "RCPT", "250 ok\r\n" }, { "DATA", "354 go\r\n" }, { "\r\n.\r\n", "<close>" }, { NULL, NULL }
		};
		CHECK(session(s, msg, 1, two) == NEXT_FINAL, "drop: final");
		CHECK(message_report("ZConnected to 192.0.2.25 but connection died. Possible duplicate! (#4.4.2)\n"), "dup");
	}
	/* a BDAT chunk refused mid-stream */
	{
		static const struct step s[] = {
			{ "", "220 mx\r\n" }, { "EHLO", "250-mx\r\n250 CHUNKING\r\n" }, { "MAIL", "250 ok\r\n" },
			{ "RCPT", "250 ok\r\n" }, { "LAST\r\n", "" }, { "b\r\n", "552 5.3.4 too big\r\n" }, { NULL, NULL }
		};
		session(s, msg, 1, two);
		CHECK(message_report("D192.0.2.25 failed after I sent the message.\nRemote host said: 552 5.3.4 too big\n"), "bdat refused");
	}
	/* replies out of order: something after the 354 */
	{
		static const struct step s[] = {
			{ "", "220 mx\r\n" }, { "EHLO", "250-mx\r\n250 PIPELINING\r\n" },
			{ "DATA\r\n", "250 ok\r\n250 ok\r\n354 go\r\n250 extra\r\n" }, { NULL, NULL }
		};
		CHECK(session(s, msg, 1, two) == NEXT_FINAL, "out of order: final");
		CHECK(f.letter == 'Z' && f.text == T_PROTOCOL, "out of order: Z protocol");
		CHECK(!contains("Subject"), "message not sent");
	}
	/* STARTTLS: bytes injected after the 220 are never read as replies */
	{
		static struct tls_policy may = { .level = TLS_MAY };
		static const struct step s[] = {
			{ "", "220 mx\r\n" }, { "EHLO", "250-mx\r\n250 STARTTLS\r\n" },
			{ "STARTTLS\r\n", "220 go ahead\r\n250-mx\r\n250 AUTH PLAIN\r\n" }, { NULL, NULL }
		};
		policy = &may;
		CHECK(session(s, msg, 1, two) == NEXT_PEER, "injection: next host");
		CHECK(f.letter == 'Z' && f.text == T_PROTOCOL && strstr(f.detail, "STARTTLS"), "injection: Z protocol");
		CHECK(!contains("MAIL") && !contains("\x16\x03"), "injection: nothing sent after STARTTLS but QUIT");
	}
	/* mandatory TLS and no STARTTLS offered: never plaintext */
	{
		static struct tls_policy must = { .level = TLS_ENCRYPT };
		static const struct step s[] = {
			{ "", "220 mx\r\n" }, { "EHLO", "250-mx\r\n250 PIPELINING\r\n" }, { NULL, NULL }
		};
		policy = &must;
		CHECK(session(s, msg, 1, two) == NEXT_PEER, "stripped STARTTLS: next host");
		CHECK(f.letter == 'Z' && f.text == T_TLS_UNAVAILABLE, "stripped STARTTLS: Z");
		CHECK(!contains("MAIL"), "stripped STARTTLS: no MAIL in plaintext");
	}
	/* mandatory TLS, STARTTLS refused */
	{
		static struct tls_policy must = { .level = TLS_VERIFY };
		static const struct step s[] = {
			{ "", "220 mx\r\n" }, { "EHLO", "250-mx\r\n250 STARTTLS\r\n" },
			{ "STARTTLS\r\n", "454 TLS not available\r\n" }, { NULL, NULL }
		};
		policy = &must;
		CHECK(session(s, msg, 1, two) == NEXT_PEER, "refused STARTTLS: next host");
		CHECK(f.letter == 'Z' && f.text == T_TLS_STARTTLS, "refused STARTTLS: Z");
		CHECK(!contains("MAIL"), "refused STARTTLS: no MAIL in plaintext");
	}
	/* opportunistic, STARTTLS offered but refused: not plaintext (SPEC 7), next host */
	{
		static const struct step s[] = {
			{ "", "220 mx\r\n" }, { "EHLO", "250-mx\r\n250 STARTTLS\r\n" },
			{ "STARTTLS\r\n", "454 TLS not available\r\n" }, { "MAIL", "250 ok\r\n" },
			{ "RCPT", "250 ok\r\n" }, { "DATA", "354 go\r\n" }, { "\r\n.\r\n", "250 ok\r\n" }, { NULL, NULL }
		};
		policy = decided("*:\n", 0);
		CHECK(session(s, msg, 1, two) == NEXT_PEER, "opportunistic, refused STARTTLS: next host");
		CHECK(f.letter == 'Z' && f.text == T_TLS_STARTTLS && !contains("MAIL"), "refused STARTTLS: Z");
	}
	/* the same under '?': the same host again without TLS */
	{
		static const struct step s[] = {
			{ "", "220 mx\r\n" }, { "EHLO", "250-mx\r\n250 STARTTLS\r\n" },
			{ "STARTTLS\r\n", "454 TLS not available\r\n" }, { NULL, NULL }
		};
		policy = decided("*:\n?:\n", 0);
		CHECK(session(s, msg, 1, two) == NEXT_RETRY_PLAIN, "'?': retry in plaintext");
	}
	/* the retry without TLS: delivered in plaintext where the level
	 * allows it; never where it demands TLS, nor for SMTPS */
	{
		/* and one no decision makes (SMTPS is never "may"): smtp.c refuses
		 * a plaintext session for SMTPS on its own too */
		static struct tls_policy smtps = { .level = TLS_MAY, .smtps = 1, .retry_after_error = 1 };
		static const struct step s[] = {
			{ "", "220 mx\r\n" }, { "EHLO", "250-mx\r\n250 STARTTLS\r\n" }, { "MAIL", "250 ok\r\n" },
			{ "RCPT", "250 ok\r\n" }, { "DATA", "354 go\r\n" }, { "\r\n.\r\n", "250 ok\r\n" }, { NULL, NULL }
		};
		plaintext_only = 1;
		policy = decided("*:\n?:\n", 0);
		CHECK(session(s, msg, 1, two) == NEXT_FINAL && contains("MAIL") && !contains("STARTTLS"),
		    "plaintext retry under '?': delivered without STARTTLS");
		policy = decided("-*:\n?:\n", 0);
		CHECK(session(s, msg, 1, two) == NEXT_PEER && f.letter == 'Z' && f.text == T_TLS_UNAVAILABLE &&
		    !contains("EHLO") && !contains("MAIL"), "plaintext retry under mandatory TLS: Z, nothing sent");
		policy = &smtps;
		CHECK(session(s, msg, 1, two) == NEXT_PEER && f.letter == 'Z' && f.text == T_TLS_UNAVAILABLE &&
		    !contains("EHLO"), "plaintext retry for SMTPS: Z, nothing sent");
		plaintext_only = 0;
	}
	/*
	 * The limits of the fallback (SPEC 7, issue 22 A), as a table: the
	 * built-in opportunistic TLS (fallback) and '?' (plain_retry), with and
	 * without AUTH credentials, a refused STARTTLS and the retry after a
	 * failed handshake. Credentials never go where TLS was refused.
	 */
	{
		static const struct step refuse[] = {
			{ "", "220 mx\r\n" }, { "EHLO", "250-mx\r\n250-AUTH CRAM-MD5 PLAIN LOGIN\r\n250 STARTTLS\r\n" },
			{ "STARTTLS\r\n", "454 4.7.0 TLS not available\r\n" }, { "MAIL", "250 ok\r\n" },
			{ "RCPT", "250 ok\r\n" }, { "DATA", "354 go\r\n" }, { "\r\n.\r\n", "250 ok\r\n" }, { NULL, NULL }
		};
		static const struct step plain_cram[] = {
			{ "", "220 mx\r\n" }, { "EHLO", "250-mx\r\n250 AUTH CRAM-MD5\r\n" },
			{ "MAIL", "250 ok\r\n" },
			{ "RCPT", "250 ok\r\n" }, { "DATA", "354 go\r\n" }, { "\r\n.\r\n", "250 ok\r\n" }, { NULL, NULL }
		};
		/* the built-in default (no lines) and '?' with '*' (s/qmail's retry) */
		static const struct {
			const char *lines;
			const struct step *steps;
			int retry, creds;
			enum next want;
			char letter;
			const char *what;
		} t[] = {
			{ NULL, refuse, 0, 0, NEXT_FINAL, 'K', "built-in, STARTTLS refused: plaintext, same session" },
			{ NULL, refuse, 0, 1, NEXT_PEER, 'Z', "built-in, STARTTLS refused, credentials: Z" },
			{ "*:\n?:\n", refuse, 0, 0, NEXT_RETRY_PLAIN, 'Z', "'?', STARTTLS refused: retry" },
			{ "*:\n?:\n", refuse, 0, 1, NEXT_PEER, 'Z', "'?', STARTTLS refused, credentials: Z" },
			{ NULL, plain_cram, 1, 0, NEXT_FINAL, 'K', "built-in, the retry: plaintext" },
			{ NULL, plain_cram, 1, 1, NEXT_PEER, 'Z', "built-in, the retry, credentials: refused" },
			{ "*:\n?:\n", plain_cram, 1, 1, NEXT_PEER, 'Z', "'?', the retry, credentials: refused" },
		};
		size_t i;

		auth_pass = "Cr4m-Pw";
		for (i = 0; i < sizeof t / sizeof t[0]; ++i) {
			policy = decided(t[i].lines, t[i].creds);
			plaintext_only = t[i].retry;
			auth_user = t[i].creds ? "carol" : NULL;
			CHECK(session(t[i].steps, msg, 1, two) == t[i].want && f.letter == t[i].letter, "%s", t[i].what);
			if (t[i].creds)
				CHECK(!contains("AUTH") && !contains("MAIL") && !contains("Cr4m"), "%s", t[i].what);
			if (t[i].creds && !t[i].retry)
				CHECK(f.text == T_TLS_STARTTLS && message_report("ZI wasn't able to negotiate a StartTLS "
				    "connection with: mx.example for example.\nTLS: the server refused STARTTLS, and AUTH "
				    "credentials go only over TLS\nRemote host said: 454 4.7.0 TLS not available\n"), "%s", t[i].what);
			if (t[i].letter == 'K')
				CHECK(message_report("K192.0.2.25 accepted message.\nRemote host said: 250 ok\n"
				    "TLS to 192.0.2.25 failed; sent without TLS.\n"), "%s", t[i].what);
		}
		auth_user = NULL;
		auth_pass = NULL;
		plaintext_only = 0;
	}
	/*
	 * After a fallback, a refusal that asks for TLS (530, 538, 5.7.x) to
	 * EHLO, MAIL, RCPT or DATA is temporary and names the TLS failure
	 * first; other refusals stay as classic qmail has them; without a
	 * fallback nothing changes.
	 */
	{
		static const struct step mail530[] = {
			{ "", "220 mx\r\n" }, { "EHLO", "250 mx\r\n" },
			{ "MAIL", "530 5.7.0 Must issue a STARTTLS command first\r\n" }, { NULL, NULL }
		};
		static const struct step mail538[] = {
			{ "", "220 mx\r\n" }, { "EHLO", "250 mx\r\n" },
			{ "MAIL", "538 5.7.11 Encryption required for requested authentication mechanism\r\n" },
			{ NULL, NULL }
		};
		static const struct step mail571[] = {
			{ "", "220 mx\r\n" }, { "EHLO", "250 mx\r\n" },
			{ "MAIL", "554-5.7.1 Sender address rejected:\r\n554 5.7.1 TLS required\r\n" }, { NULL, NULL }
		};
		static const struct step mail550[] = {
			{ "", "220 mx\r\n" }, { "EHLO", "250 mx\r\n" },
			{ "MAIL", "550 5.1.0 Sender unknown\r\n" }, { NULL, NULL }
		};
		static const struct step rcpt[] = {
			{ "", "220 mx\r\n" }, { "EHLO", "250 mx\r\n" }, { "MAIL", "250 ok\r\n" },
			{ "RCPT TO:<x@example>", "554 5.7.1 <x@example>: Relay access denied\r\n" },
			{ "RCPT TO:<y@example>", "550 5.1.1 <y@example>: no such user\r\n" }, { NULL, NULL }
		};
		static const struct step data[] = {
			{ "", "220 mx\r\n" }, { "EHLO", "250 mx\r\n" }, { "MAIL", "250 ok\r\n" },
			{ "RCPT", "250 ok\r\n" }, { "DATA", "554 5.7.1 No TLS, no DATA\r\n" }, { NULL, NULL }
		};
		static const struct step ehlo[] = {
			{ "", "220 mx\r\n" }, { "EHLO", "530 5.7.0 Must issue a STARTTLS command first\r\n" },
			{ "HELO", "530 5.7.0 Must issue a STARTTLS command first\r\n" }, { NULL, NULL }
		};
		static char *one[] = { "x@example" };

		policy = decided(NULL, 0);
		plaintext_only = 1;
		CHECK(session(mail530, msg, 1, two) == NEXT_PEER && message_report("ZTLS to 192.0.2.25 failed; sent "
		    "without TLS.\nConnected to 192.0.2.25 but sender was rejected.\nRemote host said: 530 5.7.0 "
		    "Must issue a STARTTLS command first\n"), "after a fallback, MAIL 530: Z, next host, TLS first");
		CHECK(session(mail538, msg, 1, two) == NEXT_PEER && f.letter == 'Z' && f.tls_fell_back,
		    "after a fallback, MAIL 538: Z");
		CHECK(session(mail571, msg, 1, two) == NEXT_PEER && f.letter == 'Z' && f.tls_fell_back,
		    "after a fallback, MAIL 554 5.7.1 (multi-line): Z");
		CHECK(session(mail550, msg, 1, two) == NEXT_FINAL && f.letter == 'D' && !f.tls_fell_back,
		    "after a fallback, MAIL 550 5.1.0: D, as classic");
		session(rcpt, msg, 2, two);
		CHECK(PRINTED("sTLS to 192.0.2.25 failed; sent without TLS.\n192.0.2.25 does not like recipient.\n"
		    "Remote host said: 554 5.7.1 <x@example>: Relay access denied\n\0"
		    "h192.0.2.25 does not like recipient.\nRemote host said: 550 5.1.1 <y@example>: no such user\n\0"),
		    "after a fallback, RCPT 554 5.7.1: s with TLS first; 550 5.1.1: h");
		CHECK(session(data, msg, 1, one) == NEXT_FINAL && message_report("ZTLS to 192.0.2.25 failed; sent "
		    "without TLS.\n192.0.2.25 failed on DATA command.\nRemote host said: 554 5.7.1 No TLS, no DATA\n"),
		    "after a fallback, DATA 554 5.7.1: Z");
		CHECK(session(ehlo, msg, 1, one) == NEXT_PEER && f.letter == 'Z' && f.tls_fell_back && f.text == T_HELO,
		    "after a fallback, EHLO and HELO 530: Z, TLS first");
		plaintext_only = 0;
		CHECK(session(mail530, msg, 1, two) == NEXT_FINAL && message_report("DConnected to 192.0.2.25 but "
		    "sender was rejected.\nRemote host said: 530 5.7.0 Must issue a STARTTLS command first\n"),
		    "no fallback, MAIL 530: D, as classic");
		session(rcpt, msg, 2, two);
		CHECK(reports[0] == 'h', "no fallback, RCPT 554 5.7.1: h");
	}
	policy = NULL;

	/* AUTH: PLAIN to a loopback peer, with the initial response */
	auth_user = "user";
	auth_pass = "s3cret";
	loopback = 1;
	{
		static const struct step s[] = {
			{ "", "220 mx\r\n" }, { "EHLO", "250-mx\r\n250 AUTH PLAIN\r\n" },
			{ "AUTH PLAIN AHVzZXIAczNjcmV0\r\n", "235 ok\r\n" }, { "MAIL", "250 ok\r\n" },
			{ "RCPT", "250 ok\r\n" }, { "DATA", "354 go\r\n" }, { "\r\n.\r\n", "250 ok\r\n" }, { NULL, NULL }
		};
		session(s, msg, 1, two);
		CHECK(f.letter == 'K', "auth plain: K");
	}
	/* LOGIN refused after the password: Z, next host, nothing sent after */
	{
		static const struct step s[] = {
			{ "", "220 mx\r\n" }, { "EHLO", "250-mx\r\n250 AUTH LOGIN\r\n" },
			{ "AUTH LOGIN\r\n", "334 VXNlcm5hbWU6\r\n" }, { "dXNlcg==\r\n", "334 UGFzc3dvcmQ6\r\n" },
			{ "czNjcmV0\r\n", "535 5.7.8 bad credentials\r\n" }, { NULL, NULL }
		};
		CHECK(session(s, msg, 1, two) == NEXT_PEER, "auth login refused: next");
		CHECK(message_report("ZConnected to 192.0.2.25 but authentication was rejected (password).\n"
		    "Remote host said: 535 5.7.8 bad credentials\n"), "auth login refused: text");
		CHECK(!contains("MAIL"), "no MAIL after a refused AUTH");
	}
	/* CRAM-MD5 (RFC 2195's example) is preferred over LOGIN and PLAIN */
	auth_user = "tim";
	auth_pass = "tanstaaftanstaaf";
	loopback = 0;
	{
		static const struct step s[] = {
			{ "", "220 mx\r\n" }, { "EHLO", "250-mx\r\n250 AUTH PLAIN LOGIN CRAM-MD5\r\n" },
			{ "AUTH CRAM-MD5\r\n", "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n" },
			{ "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n", "235 ok\r\n" },
			{ "MAIL", "250 ok\r\n" }, { "RCPT", "250 ok\r\n" }, { "DATA", "354 go\r\n" },
			{ "\r\n.\r\n", "250 ok\r\n" }, { NULL, NULL }
		};
		session(s, msg, 1, two);
		CHECK(f.letter == 'K', "auth cram-md5: K");
	}
	/* only PLAIN offered, no TLS, not loopback: never sent */
	{
		static const struct step s[] = {
			{ "", "220 mx\r\n" }, { "EHLO", "250-mx\r\n250 AUTH PLAIN\r\n" }, { NULL, NULL }
		};
		CHECK(session(s, msg, 1, two) == NEXT_PEER, "plaintext refused: next");
		CHECK(f.text == T_AUTH && !contains("AUTH") && !contains("dGlt"), "plaintext refused: nothing sent");
	}
	/* no method in common: deliver without AUTH, and say so in the K report */
	{
		static const struct step s[] = {
			{ "", "220 mx\r\n" }, { "EHLO", "250-mx\r\n250 AUTH GSSAPI\r\n" }, { "MAIL", "250 ok\r\n" },
			{ "RCPT", "250 ok\r\n" }, { "DATA", "354 go\r\n" }, { "\r\n.\r\n", "250 ok\r\n" }, { NULL, NULL }
		};
		session(s, msg, 1, two);
		CHECK(message_report("K192.0.2.25 accepted message.\n"
		    "no supported AUTH method found, continuing without authentication.\n"
		    "Remote host said: 250 ok\n"), "no method: K note");
	}
	/* a challenge that is not base64 */
	{
		static const struct step s[] = {
			{ "", "220 mx\r\n" }, { "EHLO", "250-mx\r\n250 AUTH CRAM-MD5\r\n" },
			{ "AUTH CRAM-MD5\r\n", "334 !!notbase64!!\r\n" }, { NULL, NULL }
		};
		session(s, msg, 1, two);
		CHECK(message_report("ZConnected to 192.0.2.25 but unable to base64decode challenge.\n"
		    "Remote host said: 334 !!notbase64!!\n"), "bad challenge");
	}
	auth_user = auth_pass = NULL;

	/*
	 * The hostile-server matrix: at each step of the dialogue, with and
	 * without PIPELINING, and at the STARTTLS and AUTH commands, the
	 * server closes, stalls, sends garbage, an overlong line, an endless
	 * multiline reply or replies nobody asked for. Never K unless the
	 * final reply accepted the message; always within the timeout; memory
	 * bounded (peak RSS of this process, checked after the matrix).
	 */
	{
		static const char *faults[] = { "<close>", NULL /* stall */, "xyzzy garbage\r\n",
		    "<overlong>", "<endless>", "250 ok\r\n250 ok\r\n250 ok\r\n" /* extra */ };
		static const char *names[] = { "close", "stall", "garbage", "overlong", "endless", "extra" };
		static char overlong[REPLY_LINE_MAX + 64], endless[(REPLY_LINES_MAX + 8) * 8];
		/* rows: plain, pipelined, STARTTLS offered, AUTH offered */
		static const char *rowname[] = { "plain", "piped", "starttls", "auth" };
		static const struct step normal[4][9] = {
			{ { "", "220 mx\r\n" }, { "EHLO", "250 mx\r\n" }, { "MAIL", "250 ok\r\n" },
			  { "RCPT", "250 ok\r\n" }, { "DATA\r\n", "354 go\r\n" },
			  { "\r\n.\r\n", "250 queued\r\n" }, { "QUIT", "221 bye\r\n" }, { NULL, NULL } },
			{ { "", "220 mx\r\n" }, { "EHLO", "250-mx\r\n250 PIPELINING\r\n" },
			  { "DATA\r\n", "250 ok\r\n250 ok\r\n354 go\r\n" },
			  { "\r\n.\r\n", "250 queued\r\n" }, { "QUIT", "221 bye\r\n" }, { NULL, NULL } },
			{ { "", "220 mx\r\n" }, { "EHLO", "250-mx\r\n250 STARTTLS\r\n" },
			  { "STARTTLS\r\n", "220 go ahead\r\n" }, { NULL, NULL } },
			{ { "", "220 mx\r\n" }, { "EHLO", "250-mx\r\n250 AUTH PLAIN\r\n" },
			  { "AUTH PLAIN", "235 2.7.0 ok\r\n" }, { "MAIL", "250 ok\r\n" },
			  { "RCPT", "250 ok\r\n" }, { "DATA\r\n", "354 go\r\n" },
			  { "\r\n.\r\n", "250 queued\r\n" }, { "QUIT", "221 bye\r\n" }, { NULL, NULL } },
		};
		/* the first step each row is faulted at (the rows share the rest) */
		static const size_t first_fault[4] = { 0, 0, 2, 2 };
		static const size_t last_fault[4] = { 99, 99, 2, 2 };
		static struct tls_policy may = { .level = TLS_MAY };
		struct step s[9];
		size_t i, k, fault, row, at;
		struct timespec t0, t1;
		struct rusage ru;
		double took;

		memset(overlong, 'a', sizeof overlong - 3);
		memcpy(overlong, "250 ", 4);
		memcpy(overlong + sizeof overlong - 3, "\r\n", 3);
		for (at = 0; at + 8 < sizeof endless; at += 7)
			memcpy(endless + at, "250-xx\n", 7);
		timeout_s = 1;
		for (row = 0; row < 4; ++row) {
			policy = row == 2 ? &may : NULL;
			auth_user = row == 3 ? "user" : NULL;
			auth_pass = row == 3 ? "secret" : NULL;
			for (k = first_fault[row]; normal[row][k].after && k <= last_fault[row]; ++k)
				for (fault = 0; fault < sizeof faults / sizeof faults[0]; ++fault) {
					int last_step = normal[row][k + 1].after == NULL && row != 2;	/* QUIT */
					int after_dot = strstr(normal[row][k].after, ".\r\n") != NULL;
					for (i = 0; i < k; ++i)
						s[i] = normal[row][i];
					s[k].after = normal[row][k].after;
					s[k].reply = faults[fault] == NULL ? NULL :
					    strcmp(faults[fault], "<overlong>") == 0 ? overlong :
					    strcmp(faults[fault], "<endless>") == 0 ? endless : faults[fault];
					if (s[k].reply)
						s[k + 1] = (struct step){ NULL, NULL };
					else
						s[k] = (struct step){ NULL, NULL };
					clock_gettime(CLOCK_MONOTONIC, &t0);
					session(s, msg, 1, two);
					clock_gettime(CLOCK_MONOTONIC, &t1);
					took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
					/* a faulted STARTTLS may be followed by a plaintext
					 * attempt (opportunistic) that waits once more */
					CHECK(took < (row == 2 ? 2 : 1) * timeout_s + 2.5, "%s step %zu %s: took %.1f s",
					    rowname[row], k, names[fault], took);
					if (last_step) {	/* the message was accepted before QUIT */
						CHECK(f.letter == 'K', "%s step %zu (QUIT) %s: %c",
						    rowname[row], k, names[fault], f.letter);
					} else if (after_dot && fault == 5) {
						/* "250 ok" extras after the dot's 250: accepted */
						CHECK(f.letter != 'D', "extra after dot");
					} else {
						CHECK(f.letter == 'Z' || f.letter == 'D', "%s step %zu %s: letter %c (never K)",
						    rowname[row], k, names[fault], f.letter);
						if (after_dot && fault <= 1)
							CHECK(f.critical, "%s step %zu %s: Possible duplicate",
							    rowname[row], k, names[fault]);
					}
					if (row == 3)	/* the password never reaches a report */
						CHECK(!memmem(reports, reports_len, "secret", 6) &&
						    !strstr(f.detail, "secret") && !strstr(f.detail, "c2VjcmV0"),
						    "auth step %zu %s: password in a report", k, names[fault]);
				}
		}
		policy = NULL;
		auth_user = auth_pass = NULL;
		/* every fault above, endless replies included, fit in bounded
		 * buffers: this process (client and harness) stays small */
		getrusage(RUSAGE_SELF, &ru);
		CHECK(ru.ru_maxrss < (sanitized() ? 400 * 1024 : 8 * 1024),
		    "peak RSS after the matrix: %ld KB", ru.ru_maxrss);
		timeout_s = 5;
	}
	return check_done();
}
