# scenarios_qmtp.py -- QMTP, QMTPS and MXPS against qmtpsrv.py (exec'd by
# scenarios.py with its helpers in scope; the peers are bed.d/50-qmtp.sh).
#
# qmtpsrv.py stores each package as $BED/qmtp/msg-N (the message bytes)
# and env-N (F sender NUL, T recipient NUL..., NUL): the message must
# arrive byte for byte (QMTP: LF line ends, no dot-stuffing) with the
# envelope as given.  It answers K, or Z for local parts starting with
# "z", D for "d".  Misbehaving modes listen on 192.0.2.90, one port each.
# Names defined here start with qmtp_/QMTP_ (all suites share one namespace).

QMTP_DIR = os.path.join(BED, "qmtp")
QMTP_OK_TEXT = rb"Remote host said: ok \d+ qp \d+\n"


def qmtp_find(tok, timeout=5.0, qdir=QMTP_DIR):
    """(message bytes, envelope bytes) of the package whose message holds
    tok, or (None, None)."""
    tb = tok.encode()
    deadline = time.monotonic() + timeout
    while True:
        for f in glob.glob(os.path.join(qdir, "msg-*")):
            if f.endswith(".tmp"):
                continue
            try:
                with open(f, "rb") as fh:
                    data = fh.read()
                if tb not in data:
                    continue
                env_path = os.path.join(qdir, "env-" + f.rsplit("-", 1)[1])
                if not os.path.exists(env_path):
                    continue          # env-N is written last
                with open(env_path, "rb") as fh:
                    return data, fh.read()
            except OSError:
                continue
        if time.monotonic() > deadline:
            return None, None
        time.sleep(0.1)


def qmtp_got(rcpts=None, sender=None, qdir=QMTP_DIR):
    """qmtpsrv.py has the message byte for byte with the envelope, and the
    client broke no rule of the protocol (qmtpsrv's errors file stays empty)."""
    def chk(c):
        data, env = qmtp_find(c.tok, qdir=qdir)
        if data is None:
            return "qmtpsrv.py has no package with the token"
        if data != c.msg:
            i = next((k for k in range(min(len(data), len(c.msg))) if data[k] != c.msg[k]),
                     min(len(data), len(c.msg)))
            return ("QMTP message bytes differ at offset %d (sent %d, got %d)\n      sent: %r\n      got:  %r"
                    % (i, len(c.msg), len(data), c.msg[max(0, i - 40):i + 40], data[max(0, i - 40):i + 40]))
        snd = c.sender if sender is None else sender
        want = (b"F" + snd.encode() + b"\0" + b"".join(b"T" + x.encode() + b"\0"
                                                       for x in (rcpts if rcpts is not None else c.rcpts)) + b"\0")
        if env != want:
            return "QMTP envelope %r, want %r" % (env, want)
        return qmtp_no_errors(qdir)
    return chk


def qmtp_no_errors(qdir):
    try:
        with open(os.path.join(qdir, "errors")) as f:
            errs = f.read()
    except OSError:
        return None
    return "qmtpsrv.py logged protocol violations by the client:\n%s" % errs if errs.strip() else None


def qmtp_not_got(c):
    return "qmtpsrv.py received the message but should not have" if qmtp_find(c.tok, 1.0)[0] else None


def qmtp_K(ip, tls=False):
    return R(rb"K" + re.escape(ip).encode() + rb" accepted message\.\n"
             + (rb"TLS transmitted message accepted \(TLSv1\.[23] [A-Za-z0-9_-]+\)\.\n" if tls else b"")
             + QMTP_OK_TEXT)


QMTP_S = X(b"s192.0.2.89 does not like recipient.\n"
           b"Remote host said: temporary failure for this recipient, try later (#4.2.0)\n")
QMTP_H = X(b"h192.0.2.89 does not like recipient.\nRemote host said: no mailbox here by that name (#5.1.1)\n")
QMTP_TRACE = {"QMAILREMOTE_TRACE": "1"}


def qmtp_route(line):
    return {"qmtproutes": line + "\n"}


def qmtp_big(tok):
    """2.4 MB: more than qmtpsrv's dropmsg mode reads, more than socket buffers hold"""
    return msg(tok, ("q" * 79 + "\n") * 30000)


# misbehaving qmtpsrv.py modes (bed.d/50-qmtp.sh): port -> the report they must give.
# A response that is not a proper netstring: seed 000's sentence "recipient
# host did not talk proper QMTP." whole, "Possible duplicate!" (the whole
# package was sent), and the reason on a line of its own.
def qmtp_proto(why):
    return X(b"ZConnected to 192.0.2.90 but recipient host did not talk proper QMTP. Possible duplicate!\n"
             b"Protocol violation: " + why.encode() + b".\n")


QMTP_MODES = [
    # (mode, port, message, recipient reports, message report, control)
    ("badnetstring", 2105, msg, [], qmtp_proto("bad netstring"), {}),
    ("leadingzero", 2106, msg, [], qmtp_proto("bad netstring"), {}),
    ("nocomma", 2107, msg, [], qmtp_proto("bad netstring"), {}),
    ("oversized", 2108, msg, [], qmtp_proto("response too long"), {}),
    ("garbage", 2109, msg, [], qmtp_proto("bad netstring"), {}),
    ("empty", 2110, msg, [], qmtp_proto("empty response"), {}),
    ("badstatus", 2111, msg, [], qmtp_proto("unknown status byte"), {}),
    # the connection ends or stalls: the classic "connection died" texts;
    # the whole package was sent, so the server may have it: Possible duplicate!
    ("dropresp", 2101, msg, [], died("192.0.2.90", dup=True), {}),
    ("halfresp", 2102, msg, [r], died("192.0.2.90", dup=True), {}),
    ("stall", 2103, msg, [], died("192.0.2.90", dup=True, timeout=True), {}),
    # closed inside the package: nothing was delivered, no duplicate warning
    ("dropmsg", 2112, qmtp_big, [], died("192.0.2.90"), {}),
    # answers after 5 s: within a timeoutremote of 8 s that is a success
    ("slow", 2104, msg, [r, r], R(rb"K192\.0\.2\.90 accepted message\.\n" + QMTP_OK_TEXT),
     {"timeoutremote": "8\n"}),
    # one response too many after the last: ignored, the answers are complete
    ("extra", 2113, msg, [r, r], R(rb"K192\.0\.2\.90 accepted message\.\n" + QMTP_OK_TEXT), {}),
]

S += [
    # ---- qmtproutes: both port forms, the default port, IPv6, precedence
    Scn("qmtp-route-semicolon-port", "qmtp.qrtest", ["a@qmtp.qrtest"],
        control=qmtp_route("qmtp.qrtest:192.0.2.89;209"), env=QMTP_TRACE, expect_rcpts=[r],
        final=qmtp_K("192.0.2.89"),
        checks=[qmtp_got(), trace_has(r"connect 192\.0\.2\.89 port 209 .*QMTP",
                                       r"qmtp: > package: message \d+ bytes, sender <sender@client\.qrtest>, "
                                       r"1 recipient\(s\)", r"< Kok \d+ qp \d+")]),
    Scn("qmtp-route-colon-port", "qmtp.qrtest", ["a@qmtp.qrtest"],
        control=qmtp_route("qmtp.qrtest:mx-qmtp.qrtest:209"), expect_rcpts=[r], final=qmtp_K("192.0.2.89"),
        checks=[qmtp_got()]),
    Scn("qmtp-route-default-port", "qmtp.qrtest", ["a@qmtp.qrtest"],
        control=qmtp_route("qmtp.qrtest:192.0.2.89"), env=QMTP_TRACE, expect_rcpts=[r],
        final=qmtp_K("192.0.2.89"), checks=[qmtp_got(), trace_has(r"connect 192\.0\.2\.89 port 209 .*")]),
    Scn("qmtp-route-v6", "qmtp.qrtest", ["a@qmtp.qrtest"],
        control=qmtp_route("qmtp.qrtest:2001:db8::89;209"), expect_rcpts=[r], final=qmtp_K("2001:db8::89"),
        checks=[qmtp_got()]),
    Scn("qmtp-route-suffix", "a.qmtp.qrtest", ["a@a.qmtp.qrtest"],
        control=qmtp_route(".qmtp.qrtest:192.0.2.89;209"), expect_rcpts=[r], final=qmtp_K("192.0.2.89"),
        checks=[qmtp_got()]),
    Scn("qmtp-route-beats-smtproutes", "qmtp.qrtest", ["a@qmtp.qrtest"],
        control={"qmtproutes": "qmtp.qrtest:192.0.2.89;209\n", "smtproutes": "qmtp.qrtest:192.0.2.25\n"},
        expect_rcpts=[r], final=qmtp_K("192.0.2.89"), checks=[qmtp_got(), not_delivered("pf-plain", 0.5)]),
    # ---- the message: byte for byte, LF line ends, no dot-stuffing, any size
    Scn("qmtp-transparency", "qmtp.qrtest", ["text@qmtp.qrtest"], message=msg_transparency,
        control=qmtp_route("qmtp.qrtest:192.0.2.89;209"), expect_rcpts=[r], final=qmtp_K("192.0.2.89"),
        checks=[qmtp_got()]),
    Scn("qmtp-large-message", "qmtp.qrtest", ["big@qmtp.qrtest"], message=qmtp_big,
        control=qmtp_route("qmtp.qrtest:192.0.2.89;209"), expect_rcpts=[r], final=qmtp_K("192.0.2.89"),
        checks=[qmtp_got()]),
    Scn("qmtp-pipe-stdin", "qmtp.qrtest", ["pipe@qmtp.qrtest"], stdin="pipe",
        control=qmtp_route("qmtp.qrtest:192.0.2.89;209"), expect_rcpts=[r], final=qmtp_K("192.0.2.89"),
        checks=[qmtp_got()]),
    Scn("qmtp-pipe-stdin-large", "qmtp.qrtest", ["pipebig@qmtp.qrtest"], stdin="pipe", message=qmtp_big,
        control=qmtp_route("qmtp.qrtest:192.0.2.89;209"), expect_rcpts=[r], final=qmtp_K("192.0.2.89"),
        checks=[qmtp_got()]),
    # QMTP carries a partial final line byte for byte (SPEC 2): only SMTP refuses it
    Scn("qmtp-partial-final-line", "qmtp.qrtest", ["partial@qmtp.qrtest"], message=msg_partial,
        control=qmtp_route("qmtp.qrtest:192.0.2.89;209"), expect_rcpts=[r], final=qmtp_K("192.0.2.89"),
        checks=[qmtp_got()]),
    Scn("qmtp-partial-final-line-pipe", "qmtp.qrtest", ["partialpipe@qmtp.qrtest"], message=msg_partial,
        stdin="pipe", control=qmtp_route("qmtp.qrtest:192.0.2.89;209"), expect_rcpts=[r],
        final=qmtp_K("192.0.2.89"), checks=[qmtp_got()]),
    Scn("qmtp-partial-final-line-mxps", "mxps.qrtest", ["partialmxps@mxps.qrtest"], message=msg_partial,
        expect_rcpts=[r], final=qmtp_K("192.0.2.89"), checks=[qmtp_got()]),
    # MXPS could not connect by QMTP: SMTP it is, and SMTP cannot carry it
    Scn("qmtp-partial-final-line-mxps-fallback", "mxpsfb.qrtest", ["partialfb@mxpsfb.qrtest"],
        message=msg_partial, final=D562, checks=[not_delivered("pf-plain"), qmtp_not_got]),
    Scn("qmtp-partial-final-line-mxps-fallback-pipe", "mxpsfb.qrtest", ["partialfbp@mxpsfb.qrtest"],
        message=msg_partial, stdin="pipe", final=D562, checks=[not_delivered("pf-plain"), qmtp_not_got]),
    Scn("qmtp-bounce-empty-sender", "qmtp.qrtest", ["bounce@qmtp.qrtest"], sender="",
        control=qmtp_route("qmtp.qrtest:192.0.2.89;209"), expect_rcpts=[r], final=qmtp_K("192.0.2.89"),
        checks=[qmtp_got()]),
    # ---- per-recipient answers: K/Z/D -> r/s/h, and the message letter
    Scn("qmtp-mixed-recipients", "qmtp.qrtest", ["a@qmtp.qrtest", "zed@qmtp.qrtest", "dan@qmtp.qrtest",
                                                 "b@qmtp.qrtest"],
        control=qmtp_route("qmtp.qrtest:192.0.2.89;209"), expect_rcpts=[r, QMTP_S, QMTP_H, r],
        final=qmtp_K("192.0.2.89"), checks=[qmtp_got()]),
    Scn("qmtp-all-temporary", "qmtp.qrtest", ["zed@qmtp.qrtest", "zoe@qmtp.qrtest"],
        control=qmtp_route("qmtp.qrtest:192.0.2.89;209"), expect_rcpts=[QMTP_S, QMTP_S],
        final=X(b"ZGiving up on 192.0.2.89.\n"), checks=[qmtp_got()]),
    Scn("qmtp-all-permanent", "qmtp.qrtest", ["dan@qmtp.qrtest"],
        control=qmtp_route("qmtp.qrtest:192.0.2.89;209"), expect_rcpts=[QMTP_H],
        final=X(b"DGiving up on 192.0.2.89.\n"), checks=[qmtp_got()]),
    Scn("qmtp-temporary-and-permanent", "qmtp.qrtest", ["dan@qmtp.qrtest", "zed@qmtp.qrtest"],
        control=qmtp_route("qmtp.qrtest:192.0.2.89;209"), expect_rcpts=[QMTP_H, QMTP_S],
        final=X(b"ZGiving up on 192.0.2.89.\n"), checks=[qmtp_got()]),
    # ---- QMTPS: TLS from the first byte on 6209
    Scn("qmtps-6209", "qmtp.qrtest", ["tls@qmtp.qrtest"], control=qmtp_route("qmtp.qrtest:mx-qmtp.qrtest;6209"),
        env=QMTP_TRACE, expect_rcpts=[r], final=qmtp_K("192.0.2.89", tls=True),
        checks=[qmtp_got(), trace_has(r"connect 192\.0\.2\.89 port 6209 .*QMTPS", r"tls: set up while connecting",
                                       r"tls: TLSv1\.[23] .*",
                                       r"qmtp: > package: .*")]),
    Scn("qmtps-s-port", "qmtp.qrtest", ["tls@qmtp.qrtest"], control=qmtp_route("qmtp.qrtest:192.0.2.89;s6210"),
        env=QMTP_TRACE, expect_rcpts=[r], final=qmtp_K("192.0.2.89", tls=True),
        checks=[qmtp_got(qdir=QMTP_DIR + "-tls"), trace_has(r"connect 192\.0\.2\.89 port 6210 .*QMTPS")]),
    Scn("qmtps-s-port-colon-form", "qmtp.qrtest", ["tls@qmtp.qrtest"],
        control=qmtp_route("qmtp.qrtest:mx-qmtp.qrtest:s6210"), expect_rcpts=[r],
        final=qmtp_K("192.0.2.89", tls=True), checks=[qmtp_got(qdir=QMTP_DIR + "-tls")]),
    # "domain:" with no relay: QMTP (port 209) to the MX hosts of the domain
    Scn("qmtp-route-empty-relay-uses-mx", "qmtpmx.qrtest", ["mx@qmtpmx.qrtest"], env=QMTP_TRACE,
        control=qmtp_route("qmtpmx.qrtest:"), expect_rcpts=[r], final=qmtp_K("192.0.2.89"),
        checks=[qmtp_got(), trace_has(r"dns: MX 10 mx-qmtp\.qrtest", r"connect 192\.0\.2\.89 port 209 .*")]),
    Scn("qmtps-6209-colon-form", "qmtp.qrtest", ["tls@qmtp.qrtest"],
        control=qmtp_route("qmtp.qrtest:192.0.2.89:6209"), expect_rcpts=[r],
        final=qmtp_K("192.0.2.89", tls=True), checks=[qmtp_got()]),
    # ---- MXPS: preference 12801 (+16k) means QMTP on port 209 first
    Scn("qmtp-mxps-12801", "mxps.qrtest", ["a@mxps.qrtest"], env=QMTP_TRACE, expect_rcpts=[r],
        final=qmtp_K("192.0.2.89"),
        checks=[qmtp_got(), trace_has(r"dns: MX 12801 mx-qmtp\.qrtest",
                                       r"connect 192\.0\.2\.89 port 209 "
                                       r"\(mx-qmtp\.qrtest, preference 12801: MXPS, QMTP\)",
                                       r"qmtp: > package: .*")]),
    Scn("qmtp-mxps-12817", "mxps17.qrtest", ["a@mxps17.qrtest"], expect_rcpts=[r], final=qmtp_K("192.0.2.89"),
        checks=[qmtp_got()]),
    Scn("qmtp-mxps-12802-is-smtp", "mxps2.qrtest", ["a@mxps2.qrtest"], env=QMTP_TRACE, final=Z441,
        checks=[qmtp_not_got, trace_lacks(r"connect \S+ port 209"),
                trace_has(r"connect 192\.0\.2\.89 port 25 .*")]),
    Scn("qmtp-mxps-closed-falls-back-to-smtp", "mxpsfb.qrtest", ["fb@mxpsfb.qrtest"], env=QMTP_TRACE,
        expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"), qmtp_not_got,
                trace_has(r"connect 192\.0\.2\.25 port 209 \(mx-plain4\.qrtest, preference 12801: MXPS, QMTP\)",
                           r"connect 192\.0\.2\.25: .*: SMTP instead", r"connect 192\.0\.2\.25 port 25 .*",
                           r"> EHLO client\.qrtest")]),
    Scn("qmtp-mxps-pipe-fallback-to-smtp", "mxpsfb.qrtest", ["fbpipe@mxpsfb.qrtest"], stdin="pipe",
        expect_rcpts=[r], final=K_pf(IP25), checks=[delivered("pf-plain")]),
    # an smtproutes line with an empty relay means "look up the MX as usual"
    # (SPEC 4): the MX's MXPS preference counts as it does without the line
    Scn("qmtp-mxps-with-empty-relay-route", "mxps.qrtest", ["er@mxps.qrtest"], env=QMTP_TRACE,
        control={"smtproutes": "mxps.qrtest:\n:192.0.2.26\n"}, expect_rcpts=[r], final=qmtp_K("192.0.2.89"),
        checks=[qmtp_got()]),
    Scn("qmtp-route-with-credentials-refused", "qmtp.qrtest", ["a@qmtp.qrtest"],
        control=qmtp_route("qmtp.qrtest:192.0.2.89;209|alice|secret"),
        final=R(rb"ZUnable to read control files\. \(#4\.3\.0\)\nqmtproutes line 1: [^\0]*\.\n"),
        checks=[qmtp_not_got]),
    # nothing listens: the classic text (s/qmail says the same for QMTP)
    Scn("qmtp-route-refused", "qmtp.qrtest", ["a@qmtp.qrtest"], control=qmtp_route("qmtp.qrtest:192.0.2.90;2100"),
        final=Z441),
    # connected by QMTP, then it failed: no second try by SMTP
    Scn("qmtp-mxps-no-smtp-after-qmtp-failure", "mxpsbad.qrtest", ["a@mxpsbad.qrtest"], env=QMTP_TRACE,
        final=died("192.0.2.90", dup=True), checks=[trace_lacks(r"connect \S+ port 25")]),
]
for _m, _port, _msg, _rc, _final, _ctl in QMTP_MODES:
    _c = {"qmtproutes": "qmtp.qrtest:192.0.2.90;%d\n" % _port}
    _c.update(_ctl)
    S.append(Scn("qmtp-peer-" + _m, "qmtp.qrtest", ["a@qmtp.qrtest", "b@qmtp.qrtest"], message=_msg,
                 control=_c, expect_rcpts=_rc, final=_final, max_time=20))
S += [
    # the whole package was sent before the bad response came: the server
    # may have queued the message, as after a connection that dies then.
    # qmtp.c sets f->critical for this case: "Possible duplicate!"
    Scn("qmtp-protocol-error-possible-duplicate", "qmtp.qrtest", ["a@qmtp.qrtest"],
        control={"qmtproutes": "qmtp.qrtest:192.0.2.90;2105\n"},
        final=qmtp_proto("bad netstring")),
]


def qmtp_feed_failure():
    """The message file shrinks while qmail-remote feeds it into the package
    (slowread.py reads nothing for 3 s, so the client blocks in write):
    Z "Unable to read message" and exit status 0: seed 000 exits 1 here,
    but qmail-rspawn turns that into "Unable to run qmail-remote" (a
    bounce) and throws the reports away (SPEC 2, revised 2026-12-02)."""
    s = Scn("qmtp-feed-failure-exit-0", "qmtp.qrtest", ["feed@qmtp.qrtest"],
            message=lambda t: msg(t, ("f" * 99 + "\n") * 200000),
            control={"qmtproutes": "qmtp.qrtest:192.0.2.90;2199\n", "timeoutremote": "10\n"},
            expect_rcpts=[], final=X(b"ZUnable to read message. (#4.3.0)\n"), rc=0, max_time=20)
    mpath = os.path.join(BED, "run", s.name + ".msg")

    def shrink():
        # once the client is connected it has taken the size (fstat) and
        # is blocked feeding the package: cut the file to 1 MB of 20
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            ss = bedlib.in_client(["ss", "-Htn", "state", "established", "dst", "192.0.2.90:2199"],
                                  capture_output=True, text=True).stdout
            if "192.0.2.90:2199" in ss:
                break
            time.sleep(0.05)
        with open(mpath, "r+b") as f:
            f.truncate(1000000)
    import threading
    t = threading.Thread(target=shrink)
    t.start()
    c = run_client(s, bedlib.token(s.name))   # writes mpath first, then runs
    t.join()
    return judge(s, c)


SPECIAL += [("qmtp-feed-failure-exit-0", qmtp_feed_failure)]
