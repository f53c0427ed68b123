# scenarios_fallback.py -- the limits of the opportunistic fallback (SPEC 7,
# revised 2026-12-06; issue 22 A), exec'd by scenarios.py with its helpers
# in scope.  The peers are bed.d/45-fallback.sh: real Postfix listeners
# whose STARTTLS offers anonymous ciphers only (the client's opportunistic
# handshake fails and the built-in default falls back to plaintext), and
# tls/tlsfault.py for a 454 to STARTTLS and a reset handshake, with AUTH
# offered in plaintext.
#   1. with AUTH credentials there is no fallback: Z, nothing in plaintext
#      (no AUTH, no MAIL), whatever the plaintext EHLO offers;
#   2. after a fallback, a refusal that asks for TLS (530, 538, 5.7.x) is
#      temporary and names the TLS failure first; other refusals stay
#      classic;
#   3. a K after a fallback ends in "TLS to H failed; sent without TLS."
# Names defined here start with fb_/FB_ (all suites share one namespace).
exec(compile(open(os.path.join(bedlib.HERE, "tls", "scnlib.py")).read(),  # noqa: S102
             os.path.join(bedlib.HERE, "tls", "scnlib.py"), "exec"), globals())

FB_CAROL = "C4rol-Pw-91ab7"      # bed.d/40-auth.sh: Cyrus sasldb (CRAM-MD5)
FB_ALICE = "Al1ce-Pw-7f3e9"      # Dovecot (PLAIN, LOGIN)
FB_TRACE = {"QMAILREMOTE_TRACE": "1"}


def fb_line(ip):
    return b"TLS to %s failed; sent without TLS.\n" % ip.encode()


def fb_K(ip, said=SAID_PF):
    """K after a fallback: the classic lines, then the fallback line last"""
    return R(rb"K" + re.escape(ip).encode() + rb" accepted message\.\n" + said + re.escape(fb_line(ip)))


def fb_sessions(mode, pred, what, count=1, timeout=3.0):
    """pred(raw) holds for every faultsrv capture of MODE written during the
    scenario, and there are exactly count of them (no reconnect)"""
    def chk(c):
        files = captures_during(c, mode, count=count, slack=0.2, timeout=timeout)
        if len(files) != count:
            return "faultsrv (%s): %d session(s) during the scenario, want %d" % (mode, len(files), count)
        for f in files:
            with open(f, "rb") as fh:
                raw = fh.read()
            if not pred(raw):
                return "on the wire: %s is false\n      captured: %r" % (what, raw[:600])
        return None
    return chk


def fb_nothing_in_clear(raw):
    up = raw.upper()
    return b"\nAUTH" not in b"\n" + up and b"MAIL FROM" not in up


def fb_no_password(*secrets):
    """neither the reports nor the transcript hold a password"""
    def chk(c):
        for s in secrets:
            if s.encode() in c.stdout or s.encode() in c.stderr:
                return "the password %r appears in the output" % s
        return None
    return chk


def fb_sessions_did_not(service, words):
    """every session of pf-fallback's smtpd `service` that ended during the
    scenario did none of words: its disconnect line ("ehlo=1 starttls=0/1
    commands=1/2") counts each command the client sent"""
    def chk(c):
        since = int(time.time() - c.elapsed) - 1
        year = time.localtime().tm_year
        deadline = time.monotonic() + 3
        while True:
            seen = []
            for m in re.finditer(r"(?m)^(\w{3} \d\d \d\d:\d\d:\d\d) \S+ %s/smtpd\[\d+\]: disconnect from .*$"
                                 % re.escape(service), bedlib.maillog("pf-fallback")):
                t = time.mktime(time.strptime("%d %s" % (year, m.group(1)), "%Y %b %d %H:%M:%S"))
                if t >= since:
                    seen.append(m.group(0))
            if seen or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        if not seen:
            return "%s logged no session during the scenario" % service
        for line in seen:
            for w in words:
                if " %s=" % w in line:
                    return "%s: the client sent %s: %r" % (service, w.upper(), line)
        return None
    return chk


def fb_rspawn(want):
    """what qmail-rspawn makes of the output (scenarios_operator's op_rspawn)
    starts with the letter want"""
    def chk(c):
        got = op_rspawn(c.stdout)  # noqa: F821 -- defined by scenarios_operator.py, run later
        return None if got[:1] == want else "qmail-rspawn would report %r, want %r" % (got[:200], want)
    return chk


def fb_route(relay, user, pw):
    return route(["fb.qrtest:%s|%s|%s" % (relay, user, pw)])


def fb_handshake(mx, host):
    return z_handshake(mx, host)


S += [
    # ---- 1. credentials go only where TLS was had: no fallback, Z, nothing in clear
    # a 454 to STARTTLS (the scripted server offers AUTH CRAM-MD5 PLAIN LOGIN in clear)
    Scn("fallback-credentials-starttls-454", "fb.qrtest", ["a@fb.qrtest"], env=FB_TRACE,
        control=fb_route("tlsrefuseauth.tlsfault.qrtest;25", "carol", FB_CAROL),
        final=X(b"ZI wasn't able to negotiate a StartTLS connection with: tlsrefuseauth.tlsfault.qrtest for "
                b"fb.qrtest.\nTLS: the server refused STARTTLS, and AUTH credentials go only over TLS\n"
                b"Remote host said: 454 4.7.0 TLS not available due to local problem\n"),
        checks=[fb_sessions("tlsrefuseauth", fb_nothing_in_clear, "no AUTH and no MAIL in plaintext"),
                fb_no_password(FB_CAROL)]),
    # the handshake reset after the 220: no reconnect in plaintext
    Scn("fallback-credentials-handshake-reset", "fb.qrtest", ["a@fb.qrtest"], env=FB_TRACE,
        control=fb_route("tlsresetauth.tlsfault.qrtest;25", "carol", FB_CAROL),
        final=fb_handshake("tlsresetauth.tlsfault.qrtest", "fb.qrtest"),
        checks=[fb_sessions("tlsresetauth", fb_nothing_in_clear, "no AUTH and no MAIL in plaintext"),
                stderr_has(r"tls: no retry without TLS: AUTH credentials go only over TLS"),
                fb_no_password(FB_CAROL)]),
    # a real Postfix: the handshake fails (anonymous ciphers only), CRAM-MD5 is
    # offered in plaintext: never used there
    Scn("fallback-credentials-real-handshake-cram-offered", "fb.qrtest", ["a@fb.qrtest"],
        control=fb_route("mx-fb-cram.qrtest", "carol", FB_CAROL),
        final=fb_handshake("mx-fb-cram.qrtest", "fb.qrtest"),
        checks=[nd("pf-fallback"), fb_sessions_did_not("postfix-fb-cram", ("auth", "mail"))]),
    # ... and without credentials the same server takes the mail in plaintext
    Scn("fallback-no-credentials-real-handshake-delivers", "fb-cram.qrtest", ["a@fb-cram.qrtest"],
        expect_rcpts=[r], final=fb_K("192.0.2.165"),
        checks=[delivered("pf-fallback"), received("pf-fallback", tls=False)]),
    # the same from authsenders (not next to the other reset scenario: the
    # captures are told apart by time)
    Scn("fallback-credentials-authsenders-handshake-reset", "fb.qrtest", ["a@fb.qrtest"],
        control={"authsenders": "%s:tlsresetauth.tlsfault.qrtest;25|carol|%s\n" % (SENDER, FB_CAROL)},
        final=fb_handshake("tlsresetauth.tlsfault.qrtest", "fb.qrtest"),
        checks=[fb_sessions("tlsresetauth", fb_nothing_in_clear, "no AUTH and no MAIL in plaintext")]),
    # the case: a submission relay with AUTH only under TLS; the
    # plaintext session had no AUTH, the relay refused RCPT, the mail bounced
    Scn("fallback-credentials-auth-only-relay-not-bounced", "fb.qrtest", ["a@fb.qrtest"],
        control=fb_route("mx-fb-authrelay.qrtest", "alice", FB_ALICE),
        final=fb_handshake("mx-fb-authrelay.qrtest", "fb.qrtest"),
        checks=[nd("pf-fallback"), fb_sessions_did_not("postfix-fb-authrelay", ("auth", "mail"))]),

    # ---- 2. after a fallback, a refusal that asks for TLS is temporary
    # a server that requires TLS: MAIL gets 530 (was D)
    Scn("fallback-mail-530-temporary", "fb-tlsreq.qrtest", ["a@fb-tlsreq.qrtest"],
        final=X(b"Z" + fb_line("192.0.2.160") + b"Connected to 192.0.2.160 but sender was rejected.\n"
                b"Remote host said: 530 5.7.0 Must issue a STARTTLS command first\n"),
        checks=[nd("pf-fallback"), fb_rspawn(b"Z")]),
    # a relay that authorises by client certificate: RCPT gets 554 5.7.1 (was h)
    Scn("fallback-rcpt-571-temporary", "fb-relay.qrtest", ["a@fb-relay.qrtest"],
        expect_rcpts=[X(b"s" + fb_line("192.0.2.161") + b"192.0.2.161 does not like recipient.\n"
                        b"Remote host said: 554 5.7.1 <a@fb-relay.qrtest>: Relay access denied\n")],
        final=X(b"DGiving up on 192.0.2.161.\n"), checks=[nd("pf-fallback"), fb_rspawn(b"Z")]),
    # DATA refused in plaintext (Postfix's reject_plaintext_session, 554 5.7.1) (was D)
    Scn("fallback-data-571-temporary", "fb-data.qrtest", ["a@fb-data.qrtest"], expect_rcpts=[r],
        final=R(rb"Z" + re.escape(fb_line("192.0.2.167")) + rb"192\.0\.2\.167 failed on DATA command\.\n"
                rb"Remote host said: 554 5\.7\.1 Session encryption is required\n"),
        checks=[nd("pf-fallback"), fb_rspawn(b"Z")]),
    # a refusal that has nothing to do with TLS stays classic: h; the
    # other recipient is delivered, and the K says it went without TLS
    Scn("fallback-rcpt-511-stays-permanent", "fb-rcpt.qrtest", ["good@fb-rcpt.qrtest", "bad@fb-rcpt.qrtest"],
        expect_rcpts=[r, X(b"h192.0.2.162 does not like recipient.\n"
                           b"Remote host said: 550 5.1.1 <bad@fb-rcpt.qrtest>: Recipient address rejected: "
                           b"no such user here\n")],
        final=fb_K("192.0.2.162"),
        checks=[delivered("pf-fallback", rcpts=["good@fb-rcpt.qrtest"]), received("pf-fallback", tls=False)]),
    Scn("fallback-rcpt-511-alone-bounces", "fb-rcpt.qrtest", ["bad@fb-rcpt.qrtest"],
        expect_rcpts=[X(b"h192.0.2.162 does not like recipient.\n"
                        b"Remote host said: 550 5.1.1 <bad@fb-rcpt.qrtest>: Recipient address rejected: "
                        b"no such user here\n")],
        final=X(b"DGiving up on 192.0.2.162.\n"), checks=[fb_rspawn(b"D")]),

    # ---- 3. the K after a fallback says so
    Scn("fallback-k-says-sent-without-tls", "fb-rcpt.qrtest", ["good@fb-rcpt.qrtest"], fds="rspawn",
        expect_rcpts=[r], final=fb_K("192.0.2.162"), checks=[delivered("pf-fallback"), fb_rspawn(b"K")]),
]
