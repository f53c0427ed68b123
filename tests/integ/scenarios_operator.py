# scenarios_operator.py -- what an operator sees and configures (exec'd by
# scenarios.py with its helpers in scope): domainips and the smtproutes
# localip field (the source address the server logs, the HELO it got),
# binding failures, IPv6 link-local with %ifname, the QMAILREMOTE_TRACE
# transcript (also under qmail-rspawn's descriptors, and in a file), the
# connect-timeout tables (tcpto, and tcpto6 for IPv6), the reports on a
# terminal, and `make install` / `uninstall`.
# The client's extra addresses are bed.d/60-domainips.sh's: 192.0.2.11,
# 192.0.2.12, 2001:db8::11, fe80::11 (192.0.2.99 and 2001:db8::99 are nobody's).
# Names defined here start with op_/OP_ (all suites share one namespace).
import pty as op_pty
import select as op_select
import socket as op_socket
import shutil as op_shutil
import stat as op_stat
import threading as op_threading

OP_VETH = bedlib.BED_ID + "c0"        # lib.sh's VETH_CLIENT
OP_TRACE = {"QMAILREMOTE_TRACE": "1"}
OP_AD = r"(, DNSSEC-validated)?"          # once the zone is signed (DANE part)
OP_REPO = os.path.normpath(os.path.join(bedlib.HERE, "..", ".."))


def op_received_from(helo, ip):
    """the Received header shows HELO helo and the peer address ip"""
    def chk(c):
        got = bedlib.find_in_maildir("pf-plain", c.tok)
        if not got:
            return "pf-plain: nothing delivered with the token"
        info, _ = bedlib.split_delivered(got[0])
        want = "from %s (unknown [%s])" % (helo, ip)
        if not (info["received"] or "").startswith(want):
            return "Received %r does not start with %r" % (info["received"], want)
        return None
    return chk


def op_trace_all_stamped(c):
    """every transcript line starts with the time stamp: nothing else writes to stderr"""
    bad = [l for l in c.stderr.decode("utf-8", "replace").splitlines() if not re.match(r"\+\d+\.\d{3} ", l)]
    return "transcript lines without a time stamp: %r" % bad[:5] if bad else None


def op_no_secret(*secrets):
    def chk(c):
        import base64
        for sec in secrets:
            for f in (sec.encode(), base64.b64encode(sec.encode())):
                if f in c.stdout or f in c.stderr:
                    return "the output contains a secret (%r)" % f
        return None
    return chk


def op_dip(*lines):
    return {"domainips": "".join(l + "\n" for l in lines)}


OP_DIPS = op_dip("client.qrtest:192.0.2.11|helo11.qrtest", "*:192.0.2.12")
OP_BIND99 = X(b"ZSystem can't bind to local ip address: 192.0.2.99. (#4.3.0)\n")

S += [
    # ---- domainips: the sender's domain, then "*"
    Scn("domainips-sender-domain", "plain4.qrtest", ["dip@plain4.qrtest"], control=OP_DIPS,
        expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain", helo="helo11.qrtest"), client_ip("pf-plain", "192.0.2.11"),
                op_received_from("helo11.qrtest", "192.0.2.11")]),
    Scn("domainips-sender-domain-any-case", "plain4.qrtest", ["dip@plain4.qrtest"], sender="Sender@CLIENT.qrtest",
        control=OP_DIPS, expect_rcpts=[r], final=K_pf(IP25),
        checks=[client_ip("pf-plain", "192.0.2.11"), op_received_from("helo11.qrtest", "192.0.2.11")]),
    Scn("domainips-wildcard", "plain4.qrtest", ["dip@plain4.qrtest"], sender="someone@other.qrtest",
        control=OP_DIPS, expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"), client_ip("pf-plain", "192.0.2.12"),
                op_received_from("client.qrtest", "192.0.2.12")]),
    Scn("domainips-wildcard-helohost", "plain4.qrtest", ["dip@plain4.qrtest"],
        control=op_dip("*:192.0.2.12|helo12.qrtest"), expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain", helo="helo12.qrtest"), client_ip("pf-plain", "192.0.2.12")]),
    Scn("domainips-wildcard-bounce", "plain4.qrtest", ["dip@plain4.qrtest"], sender="",
        control=OP_DIPS, expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"), client_ip("pf-plain", "192.0.2.12")]),
    Scn("domainips-no-match-default-address", "plain4.qrtest", ["dip@plain4.qrtest"],
        control=op_dip("other.qrtest:192.0.2.11|helo11.qrtest"), expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"), client_ip("pf-plain", "192.0.2.10")]),
    Scn("domainips-helohost-file-overridden", "plain4.qrtest", ["dip@plain4.qrtest"],
        control={"domainips": "client.qrtest:192.0.2.11|helo11.qrtest\n", "helohost": "helo.qrtest\n"},
        expect_rcpts=[r], final=K_pf(IP25), checks=[delivered("pf-plain", helo="helo11.qrtest")]),
    Scn("domainips-ipv6", "v6mx.qrtest", ["dip6@v6mx.qrtest"], control=op_dip("*:2001:db8::11|helo6.qrtest"),
        expect_rcpts=[r], final=K_pf(rb"2001:db8::25"),
        checks=[delivered("pf-plain", helo="helo6.qrtest"), client_ip("pf-plain", "2001:db8::11")]),
    Scn("domainips-ipv4-with-dual-stack-mx", "plain.qrtest", ["dip@plain.qrtest"],
        control=op_dip("*:192.0.2.11"), expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"), client_ip("pf-plain", "192.0.2.11")]),
    Scn("domainips-link-local-ifname", "[2001:db8::25]", ["ll@plain.qrtest"],
        control=op_dip("*:fe80::11%" + OP_VETH), expect_rcpts=[r], final=K_pf(rb"2001:db8::25"),
        checks=[delivered("pf-plain"), client_ip("pf-plain", "fe80::11")]),
    Scn("domainips-unknown-ifname", "[2001:db8::25]", ["ll@plain.qrtest"],
        control=op_dip("*:fe80::11%nosuchif0"), final=R(rb"Z[^\0]*domainips[^\0]*"),
        checks=[not_delivered("pf-plain", 0.5)]),
    # ---- smtproutes localip: "relay;port||localip" and the 4-field form
    Scn("route-localip", "route.qrtest", ["lip@route.qrtest"],
        control=route(["route.qrtest:192.0.2.25;25||192.0.2.12"]),
        expect_rcpts=[r], final=K_pf(IP25), checks=[delivered("pf-plain"), client_ip("pf-plain", "192.0.2.12")]),
    Scn("route-localip-four-fields", "route.qrtest", ["lip@route.qrtest"],
        control=route(["route.qrtest:192.0.2.25;25|||192.0.2.11"]), expect_rcpts=[r], final=K_pf(IP25),
        checks=[client_ip("pf-plain", "192.0.2.11")]),
    Scn("route-localip-v6", "route.qrtest", ["lip6@route.qrtest"],
        control=route(["route.qrtest:2001:db8::25;25||2001:db8::11"]), expect_rcpts=[r],
        final=K_pf(rb"2001:db8::25"), checks=[client_ip("pf-plain", "2001:db8::11")]),
    Scn("route-localip-beats-domainips", "route.qrtest", ["lip@route.qrtest"],
        control={"smtproutes": "route.qrtest:192.0.2.25;25||192.0.2.12\n",
                 "domainips": "*:192.0.2.11|helo11.qrtest\n"},
        expect_rcpts=[r], final=K_pf(IP25),
        # the address comes from the route; the HELO still from domainips
        checks=[client_ip("pf-plain", "192.0.2.12"), delivered("pf-plain", helo="helo11.qrtest")]),
    # ---- an address this host does not have
    Scn("domainips-bind-missing-address", "plain4.qrtest", ["bind@plain4.qrtest"], control=op_dip("*:192.0.2.99"),
        final=OP_BIND99, checks=[not_delivered("pf-plain", 0.5)]),
    Scn("domainips-bind-missing-v6", "v6mx.qrtest", ["bind@v6mx.qrtest"], control=op_dip("*:2001:db8::99"),
        final=X(b"ZSystem can't bind to local ip address: 2001:db8::99. (#4.3.0)\n")),
    Scn("route-localip-missing-address", "route.qrtest", ["bind@route.qrtest"],
        control=route(["route.qrtest:192.0.2.25;25||192.0.2.99"]), final=OP_BIND99),
    # ---- own addresses: a secondary address of an interface is "me" (#5.4.6)
    Scn("ipme-secondary-address", "selfsecondary.qrtest", ["a@selfsecondary.qrtest"], final=D546),
    # ---- the transcript (QMAILREMOTE_TRACE=1): DNS, connects, commands, replies
    Scn("transcript-plain", "plain4.qrtest", ["tr@plain4.qrtest"], env=OP_TRACE, expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"), op_trace_all_stamped,
                trace_has(r"dns: MX plain4\.qrtest: status 0, 1 record\(s\)" + OP_AD, r"dns: MX 10 mx-plain4\.qrtest",
                         r"dns: mx-plain4\.qrtest: status 0, 1 address\(es\)" + OP_AD,
                         r"connect 192\.0\.2\.25 port 25 \(mx-plain4\.qrtest, preference 10\)",
                         r"< 220 mx-plain\.qrtest ESMTP Postfix \(qr-bed pf-plain\)", r"> EHLO client\.qrtest",
                         r"< 250-mx-plain\.qrtest", r"< 250 CHUNKING",
                         r"> MAIL FROM:<sender@client\.qrtest> SIZE=\d+", r"> RCPT TO:<tr@plain4\.qrtest>",
                         r"< 250 2\.1\.0 Ok", r"< 250 2\.1\.5 Ok", r"> BDAT \d+ LAST",
                         r"< 250 2\.0\.0 Ok: \d+ bytes queued as [0-9A-F]+", r"> QUIT")]),
    Scn("transcript-mx-walk", "refuse.qrtest", ["tr@refuse.qrtest"], env=OP_TRACE, expect_rcpts=[r],
        final=K_pf(IP25),
        checks=[trace_has(r"dns: MX refuse\.qrtest: status 0, 2 record\(s\)" + OP_AD,
                         r"connect 192\.0\.2\.39 port 25 \(mx-refuse\.qrtest, preference 10\)",
                         r"connect 192\.0\.2\.39: Connection refused",
                         r"connect 192\.0\.2\.25 port 25 \(mx-plain4\.qrtest, preference 20\)",
                         r"< 220 .*")]),
    Scn("transcript-data-path", "nochunk.qrtest", ["tr@nochunk.qrtest"], env=OP_TRACE, expect_rcpts=[r],
        final=K_pf(rb"192\.0\.2\.24"),
        checks=[trace_has(r"> MAIL FROM:<sender@client\.qrtest> SIZE=\d+", r"> DATA", r"< 354 .*", r"> \.",
                         r"< 250 2\.0\.0 Ok: queued as [0-9A-F]+")]),
    Scn("transcript-starttls", "authtls.qrtest", ["tr@authtls.qrtest"], env=OP_TRACE, expect_rcpts=[r],
        final=R(rb"K192\.0\.2\.80 accepted message\.\n"
                rb"TLS transmitted message accepted \(TLSv1\.[23] [A-Za-z0-9_-]+\)\.\n"
                rb"Remote host said: 250 2\.0\.0 Ok: (\d+ bytes )?queued as [0-9A-F]+\n"),
        checks=[delivered("pf-auth"),
                trace_has(r"dns: MX 10 mx-auth-plain\.qrtest", r"connect 192\.0\.2\.80 port 25 .*",
                         r"> EHLO client\.qrtest", r"< 250-STARTTLS", r"> STARTTLS", r"< 220 2\.0\.0 .*",
                         r"tls: TLSv1\.[23] [A-Za-z0-9_-]+",
                         r"tls: peer certificate subject /CN=mx-auth\.qrtest issuer /CN=mx-auth\.qrtest",
                         r"> EHLO client\.qrtest", r"> MAIL FROM:<sender@client\.qrtest>.*")]),
    Scn("transcript-auth-scram", "auth.qrtest", ["tr@auth.qrtest"], env=OP_TRACE,
        control=route(["auth.qrtest:mx-auth-scram.qrtest;25|carol|C4rol-Pw-91ab7"]), expect_rcpts=[r],
        final=K_pf(rb"192\.0\.2\.84"),
        checks=[op_no_secret("C4rol-Pw-91ab7", "\0carol\0C4rol-Pw-91ab7"),
                trace_has(r"< 250-AUTH SCRAM-SHA-256 CRAM-MD5", r"> AUTH SCRAM-SHA-256 \(client-first not shown\)",
                         r"< 334 \S+", r"> \(AUTH response not shown\)", r"< 334 \S+",
                         r"> \(AUTH response not shown\)", r"< 235 2\.7\.0 Authentication successful",
                         r"auth: SCRAM-SHA-256 authenticated", r"> MAIL FROM:<sender@client\.qrtest>.*")]),
    Scn("transcript-auth-plain-tls", "auth.qrtest", ["tr@auth.qrtest"], env=OP_TRACE,
        control=route(["auth.qrtest:mx-auth-plain.qrtest;25|alice|Al1ce-Pw-7f3e9"]), expect_rcpts=[r],
        final=R(rb"K192\.0\.2\.80 accepted message\.\n[^\0]*"),
        checks=[op_no_secret("Al1ce-Pw-7f3e9", "\0alice\0Al1ce-Pw-7f3e9"),
                trace_has(r"> STARTTLS", r"tls: TLSv1\.[23] .*", r"> EHLO client\.qrtest",
                         r"> AUTH PLAIN \(credentials not shown\)", r"< 235 2\.7\.0 Authentication successful",
                         r"auth: PLAIN authenticated")]),
    Scn("transcript-off-by-default", "plain4.qrtest", ["tr@plain4.qrtest"], expect_rcpts=[r], final=K_pf(IP25),
        checks=[lambda c: "stderr is not empty without QMAILREMOTE_TRACE: %r" % c.stderr[:200]
                if c.stderr and not os.environ.get("QR_TRACE") else None]),
]


# ---------------------------------------------------------------- a terminal
OP_PRELUDE = ('if [ -d "$QQ" ]; then mount -t tmpfs qr-bed "$QQ" || exit 111; fi; exec "$@"')


def op_run_tty(name, host, rcpts, control=None, env=None, stderr_tty=False):
    """Run the client with stdout (and with stderr_tty stderr too) on a
    pseudo-terminal; (output, exit status, token)."""
    tok = bedlib.token(name)
    m = msg(tok)
    rundir = os.path.join(BED, "run")
    os.makedirs(rundir, exist_ok=True)
    mpath = os.path.join(rundir, name + ".msg")
    with open(mpath, "wb") as f:
        f.write(m)
    envv = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "CONTROLDIR=" + make_control(name, control),
            "DNSCACHEIP=192.0.2.53"] + ["%s=%s" % kv for kv in (env or {}).items()]
    cmd = ["ip", "netns", "exec", bedlib.NS_CLIENT, "env", "QQ=" + QMAIL_QUEUE, "sh", "-c", OP_PRELUDE, "-",
           "env", "-i"] + envv + [QR, host, SENDER] + list(rcpts)
    master, slave = op_pty.openpty()
    with open(mpath, "rb") as fin:
        p = subprocess.Popen(cmd, stdin=fin, stdout=slave, stderr=slave if stderr_tty else subprocess.PIPE,
                             cwd=rundir)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not op_select.select([master], [], [], 1)[0]:
            continue
        try:
            d = os.read(master, 65536)
        except OSError:          # EIO: the last writer closed the terminal
            break
        if not d:
            break
        out += d
    os.close(master)
    try:
        rc = p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = "hung"
    return out, rc, tok


def op_tty():
    """On a terminal the reports are readable: a word (and the recipient),
    then the text indented by four spaces; no NUL bytes."""
    errs = []
    out, rc, tok = op_run_tty("tty-readable-reports", "reject.qrtest", ["good@reject.qrtest", "bad@reject.qrtest"])
    text = out.replace(b"\r\n", b"\n")
    want = (rb"recipient accepted <good@reject\.qrtest>\n"
            rb"recipient rejected permanently <bad@reject\.qrtest>\n"
            rb"    192\.0\.2\.27 does not like recipient\.\n"
            rb"    Remote host said: 550 5\.1\.1 <bad@reject\.qrtest>: Recipient address rejected: no such user here\n"
            rb"delivered\n"
            rb"    192\.0\.2\.27 accepted message\.\n"
            rb"    Remote host said: 250 2\.0\.0 Ok: (\d+ bytes )?queued as [0-9A-F]+\n")
    if b"\0" in out:
        errs.append("NUL bytes on the terminal: %r" % out)
    if not re.fullmatch(want, text):
        errs.append("terminal output:\n      want regex %r\n      got  %r" % (want, text))
    if rc != 0:
        errs.append("exit status %r, want 0" % rc)
    if not bedlib.find_in_maildir("pf-reject", tok):
        errs.append("pf-reject: the message was not delivered")
    out, rc, _ = op_run_tty("tty-readable-deferral", "refuseonly.qrtest", ["a@refuseonly.qrtest"])
    text = out.replace(b"\r\n", b"\n")
    want = b"deferred (temporary failure)\n    Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)\n"
    if text != want or b"\0" in out:
        errs.append("terminal output:\n      want %r\n      got  %r" % (want, out))
    return errs


def op_tty_transcript():
    """A hand run on a terminal (stdout and stderr both on it, the same open
    file) keeps showing the transcript with QMAILREMOTE_TRACE=1."""
    out, rc, _ = op_run_tty("tty-transcript", "plain4.qrtest", ["tty@plain4.qrtest"], env=OP_TRACE,
                            stderr_tty=True)
    text = out.replace(b"\r\n", b"\n")
    errs = []
    for pat in (rb"(?m)^\+\d+\.\d{3} connect 192\.0\.2\.25 port 25 ", rb"(?m)^\+\d+\.\d{3} > QUIT$",
                rb"(?m)^delivered\n    192\.0\.2\.25 accepted message\.$"):
        if not re.search(pat, text):
            errs.append("terminal output has no %r:\n      %r" % (pat, text[-1500:]))
    if rc != 0:
        errs.append("exit status %r, want 0" % rc)
    return errs


# ---------------------------------------------------------------- the transcript under qmail-rspawn
def op_rspawn(out):
    """What qmail-send gets from qmail-rspawn for this output (qmail-rspawn.c
    report(), exit status 0): the first K/Z/D report gives the result, the
    first report's letter overrides it for s (Z) and h (D); the text is the
    first report's, followed by the K/Z/D report right after it when the
    result is not better than the override."""
    if not out:
        return b"Zqmail-remote produced no output.\n"
    result, j = -1, 0
    for k in range(len(out)):
        if out[k] == 0:
            if out[j:j + 1] == b"K":
                result = 1
                break
            if out[j:j + 1] == b"Z":
                result = 0
                break
            if out[j:j + 1] == b"D":
                break
            j = k + 1
    orr = {b"s": 0, b"h": -1}.get(out[:1], result)
    text = {1: b"K", 0: b"Z", -1: b"D"}[orr]
    k = 1
    while k < len(out):
        k += 1
        if out[k - 1] == 0:
            text += out[1:].split(b"\0")[0]
            if result <= orr and k < len(out) and out[k:k + 1] in (b"Z", b"D", b"K"):
                text += out[k + 1:].split(b"\0")[0]
            break
    return text


OP_QID = re.compile(rb"queued as [0-9A-F]+")


def op_rspawn_pair(name, host, rcpts, env):
    """The same delivery run twice as qmail-rspawn runs it (stdout and stderr
    one pipe): with env, and without; (with, without)."""
    runs, tok = [], bedlib.token(name)
    for tag, e in (("", env), ("-reference", {})):
        sc = Scn(name + tag, host, rcpts, fds="rspawn", env=e, message=msg(tok))   # the same bytes
        runs.append(run_client(sc, tok))
    return runs


def op_rspawn_4xx():
    """qmail-rspawn's descriptors (fd 2 = fd 1), QMAILREMOTE_TRACE=1, one
    recipient that gets 450: the output is byte for byte that of a run
    without the switch, and qmail-rspawn reads it as a temporary failure
    (s overrides the D of "Giving up"), not as a bounce."""
    with_tr, without = op_rspawn_pair("transcript-rspawn-fds-4xx", "reject.qrtest", ["later@reject.qrtest"], OP_TRACE)
    want = REJ_LATER.b + b"\0DGiving up on 192.0.2.27.\n\0"
    errs = []
    if without.stdout != want:
        errs.append("without the switch: output %r, want %r" % (without.stdout, want))
    if with_tr.stdout != without.stdout:
        errs.append("QMAILREMOTE_TRACE=1 changed the output on fd 1:\n      with    %r\n      without %r"
                    % (with_tr.stdout[:1500], without.stdout))
    got = op_rspawn(with_tr.stdout)
    if got[:1] != b"Z" or got != b"Z" + REJ_LATER.b[1:] + b"Giving up on 192.0.2.27.\n":
        errs.append("qmail-rspawn would tell qmail-send %r: want Z (the 450 is temporary)" % got[:300])
    for c in (with_tr, without):
        if c.rc != 0:
            errs.append("exit status %r" % c.rc)
    return errs


def op_rspawn_mixed():
    """The same with accepted, temporarily and permanently rejected
    recipients and a K: the reports are identical (but for the queue id)."""
    with_tr, without = op_rspawn_pair("transcript-rspawn-fds-mixed", "reject.qrtest",
                                      ["good@reject.qrtest", "later@reject.qrtest", "bad@reject.qrtest"], OP_TRACE)
    errs = []
    a, b = OP_QID.sub(b"queued as QID", with_tr.stdout), OP_QID.sub(b"queued as QID", without.stdout)
    if a != b:
        errs.append("QMAILREMOTE_TRACE=1 changed the output on fd 1:\n      with    %r\n      without %r"
                    % (a[:1500], b))
    reps = with_tr.stdout.split(b"\0")
    want = [r, REJ_LATER, REJ_BAD, K_pf(rb"192\.0\.2\.27")]
    if len(reps) != 5 or reps[-1] != b"" or not all(w.ok(g) for w, g in zip(want, reps)):
        errs.append("reports %r, want %r" % (reps, want))
    return errs


def op_trace_dir(tag):
    d = os.path.join(BED, "run", "trace-" + tag)
    op_shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


OP_FILE_LINE = re.compile(r"(\d+) \+\d+\.\d{3} (.*)")


def op_trace_file():
    """QMAILREMOTE_TRACE=/path under qmail-rspawn's descriptors: three
    deliveries at once append to one new file (mode 0600), every line whole
    and led by its process id, each run's transcript complete; the reports
    are only reports."""
    d = op_trace_dir("file")
    path = os.path.join(d, "trace")
    runs = [None] * 3

    def one(i):
        sc = Scn("transcript-file-%d" % i, "plain4.qrtest", ["file%d@plain4.qrtest" % i], fds="rspawn",
                 env={"QMAILREMOTE_TRACE": path})
        runs[i] = run_client(sc, bedlib.token(sc.name))
    ts = [op_threading.Thread(target=one, args=(i,)) for i in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    errs = []
    for i, c in enumerate(runs):
        reps = c.stdout.split(b"\0")
        if len(reps) != 3 or reps[0] != b"r" or not K_pf(IP25).ok(reps[1]) or reps[2] != b"":
            errs.append("run %d: output %r, want r and K only" % (i, c.stdout[:600]))
    if not os.path.isfile(path):
        return errs + ["no transcript file %s" % path]
    mode = op_stat.S_IMODE(os.lstat(path).st_mode)
    if mode != 0o600:
        errs.append("%s has mode %o, want 600" % (path, mode))
    text = op_read(path).decode("utf-8", "replace")
    per = {}
    for line in text.splitlines():
        m = OP_FILE_LINE.fullmatch(line)
        if not m:
            errs.append("a line that is not '<pid> +s.ms text': %r" % line)
            continue
        per.setdefault(m.group(1), []).append(m.group(2))
    if len(per) != 3:
        errs.append("%d process ids in the file, want 3" % len(per))
    for pid, lines in per.items():
        if not re.fullmatch(r"start \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", lines[0]):
            errs.append("pid %s: first line %r is not the start line" % (pid, lines[0]))
        for want in (r"connect 192\.0\.2\.25 port 25 .*", r"> RCPT TO:<file\d@plain4\.qrtest>",
                     r"< 250 2\.0\.0 Ok: .*queued as [0-9A-F]+", r"> QUIT"):
            if not any(re.fullmatch(want, l) for l in lines):
                errs.append("pid %s: no line %r in its transcript" % (pid, want))
    return errs


def op_trace_file_refused():
    """QMAILREMOTE_TRACE naming a symlink (to a file root could write), a
    FIFO without a reader, a second hard link, or a file in a directory that
    does not exist: no transcript anywhere, nothing followed or changed, and
    the delivery is K with exactly the reports of a run without the switch."""
    d = op_trace_dir("refused")
    victim = os.path.join(d, "victim")
    with open(victim, "wb") as f:
        f.write(b"keep me\n")
    os.symlink(victim, os.path.join(d, "symlink"))
    os.mkfifo(os.path.join(d, "fifo"))
    os.link(victim, os.path.join(d, "hardlink"))
    errs = []
    for what in ("symlink", "fifo", "hardlink", "nodir/trace"):
        sc = Scn("transcript-file-refused-" + what.split("/")[0], "plain4.qrtest", ["ref@plain4.qrtest"],
                 fds="rspawn", env={"QMAILREMOTE_TRACE": os.path.join(d, what)}, max_time=10)
        c = run_client(sc, bedlib.token(sc.name))
        reps = c.stdout.split(b"\0")
        if len(reps) != 3 or reps[0] != b"r" or not K_pf(IP25).ok(reps[1]) or reps[2] != b"":
            errs.append("%s: output %r, want r and K only (exit %r, %.1f s)" % (what, c.stdout[:600], c.rc, c.elapsed))
    if op_read(victim) != b"keep me\n":
        errs.append("the symlink's target was written to: %r" % op_read(victim)[:300])
    if not os.path.islink(os.path.join(d, "symlink")):
        errs.append("the symlink was replaced")
    if sorted(os.listdir(d)) != ["fifo", "hardlink", "symlink", "victim"]:
        errs.append("files appeared: %r" % sorted(os.listdir(d)))
    return errs


# ---------------------------------------------------------------- the timeout tables
# The scenarios hide the qmail lock directory; these give qmail-remote one
# (Scn lockdir) with qmail's tcpto (1024 zero bytes) and tcpto6 (2048).
OP_TCPTO = {4: ("tcpto", 16, 4, 4, 8, 4), 6: ("tcpto6", 32, 16, 16, 24, 8)}   # name, record, addr, count, when


def op_lockdir(tag):
    d = os.path.join(BED, "run", "lock-" + tag)
    op_shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name, size in (("tcpto", 1024), ("tcpto6", 2048)):
        with open(os.path.join(d, name), "wb") as f:
            f.write(bytes(size))
    return d


def op_tcpto_rec(lock, fam, ip):
    """(index, count, time) of ip's record in the family's table, or None"""
    name, rsz, alen, cnt, woff, wlen = OP_TCPTO[fam]
    data = op_read(os.path.join(lock, name))
    key = op_socket.inet_pton(op_socket.AF_INET if fam == 4 else op_socket.AF_INET6, ip)
    for i in range(len(data) // rsz):
        rec = data[i * rsz:(i + 1) * rsz]
        if rec[:alen] == key:
            return i, rec[cnt], int.from_bytes(rec[woff:woff + wlen], "little")
    return None


def op_tcpto_age(lock, fam, ip, secs=300):
    """Makes ip's last timeout secs older, as a retry that much later sees it
    (qmail counts a second timeout only 2 minutes after the first)."""
    name, rsz, alen, cnt, woff, wlen = OP_TCPTO[fam]
    i, _, t = op_tcpto_rec(lock, fam, ip)
    with open(os.path.join(lock, name), "r+b") as f:
        f.seek(i * rsz + woff)
        f.write((t - secs).to_bytes(wlen, "little"))


def op_tcpto_walk(tag, runs, fam, ip, other):
    """runs: (host, rcpts, final) three times: the first two time out at ip
    (the count in the family's table goes 1, 2), the third skips ip at once.
    The other family's table keeps its bytes."""
    lock = op_lockdir(tag)
    name_other = OP_TCPTO[other][0]
    before = op_read(os.path.join(lock, name_other))
    text = re.escape(ip)
    errs = []
    for n, (host, rcpts, final) in enumerate(runs, 1):
        sc = Scn("tcpto-%s-%d" % (tag, n), host, rcpts, lockdir=lock, env=OP_TRACE, final=final, max_time=12,
                 checks=[trace_has(r"connect (::ffff:)?%s: Connection timed out" % text), time_between(lo=1.5)] if n < 3 else
                 [trace_has(r"skip %s: recent connect timeouts \(qmail-tcpto\)" % text),
                  trace_lacks(r"connect %s port" % text), time_between(hi=1.5)])
        c = run_client(sc, bedlib.token(sc.name))
        e = judge(sc, c)
        if e:
            errs.append("run %d (%s): %s\n%s" % (n, host, "\n    ".join(e), show(c)))
        rec = op_tcpto_rec(lock, fam, ip)
        if n < 3:
            if not rec or rec[1] != n:
                errs.append("after run %d: %s has record %r in %s, want count %d"
                            % (n, ip, rec, OP_TCPTO[fam][0], n))
            if rec:
                op_tcpto_age(lock, fam, ip)
    if op_read(os.path.join(lock, name_other)) != before:
        errs.append("%s changed: %r" % (name_other, op_read(os.path.join(lock, name_other))))
    return errs


def op_tcpto6():
    """A dual-stack walk whose IPv6 MX times out (uneq6: MX 10 2001:db8:dead::99,
    MX 20 192.0.2.25): two timeouts go to tcpto6, and the third delivery
    skips the dead address at once instead of waiting timeoutconnect; the
    classic tcpto keeps every byte."""
    run = ("uneq6.qrtest", ["a@uneq6.qrtest"], K_pf(IP25))
    return op_tcpto_walk("v6", [run] * 3, 6, "2001:db8:dead::99", 4)


def op_tcpto_classic():
    """The classic table in the bed: uneq (MX 10 203.0.113.99) times out, then
    the literal [::ffff:203.0.113.99] (an IPv4-mapped address) times out and
    counts as 203.0.113.99 in tcpto; the third delivery to uneq skips it at
    once. tcpto6 keeps every byte."""
    run = ("uneq.qrtest", ["a@uneq.qrtest"], K_pf(IP25))
    return op_tcpto_walk("v4", [run, ("[::ffff:203.0.113.99]", ["a@uneq.qrtest"], Z441), run],
                         4, "203.0.113.99", 6)


# ---------------------------------------------------------------- make install
def op_make(src, root, target):
    """make TARGET DESTDIR=root from a staging copy of the Makefile, with
    the binary under test standing in for the build (-o: nothing is built)."""
    return subprocess.run(["make", "-s", "-C", src, "-o", "all", "-o", "qmail-remote", "-o", "build/qmail-remote",
                           target, "DESTDIR=" + root], capture_output=True, text=True, timeout=60)


def op_stage(tag):
    tmp = os.path.join(BED, "install-" + tag)
    op_shutil.rmtree(tmp, ignore_errors=True)
    src, root = os.path.join(tmp, "src"), os.path.join(tmp, "root")
    os.makedirs(os.path.join(src, "man"))
    op_shutil.copy(os.path.join(OP_REPO, "Makefile"), src)
    op_shutil.copy(os.path.join(OP_REPO, "man", "qmail-remote.8"), os.path.join(src, "man"))
    op_shutil.copy(QR, os.path.join(src, "qmail-remote"))
    return src, root


def op_read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def op_install():
    """make install DESTDIR=...: bin/qmail-remote mode 711 and the man
    page; a reinstall keeps the replaced binary as qmail-remote.orig;
    make uninstall puts it back, and a second one removes the binary."""
    src, root = op_stage("layout")
    home = os.path.join(root, "var", "qmail")
    binp, orig = os.path.join(home, "bin", "qmail-remote"), os.path.join(home, "bin", "qmail-remote.orig")
    man = os.path.join(home, "man", "man8", "qmail-remote.8")
    ours, manpage = op_read(QR), op_read(os.path.join(src, "man", "qmail-remote.8"))
    errs = []

    def step(target):
        p = op_make(src, root, target)
        if p.returncode != 0:
            errs.append("make %s failed (%d): %s" % (target, p.returncode, (p.stdout + p.stderr)[-800:]))
        return p.returncode == 0

    def mode(path):
        return op_stat.S_IMODE(os.stat(path).st_mode)

    if not step("install"):
        return errs
    if op_read(binp) != ours:
        errs.append("install: %s is not the binary under test" % binp)
    elif mode(binp) != 0o711:
        errs.append("install: %s has mode %o, want 711" % (binp, mode(binp)))
    if op_read(man) != manpage:
        errs.append("install: no man page at %s" % man)
    elif mode(man) != 0o644:
        errs.append("install: %s has mode %o, want 644" % (man, mode(man)))
    if os.path.exists(orig):
        errs.append("install: %s exists after a first install" % orig)
    # a new build replaces the installed one: the old one is kept
    with open(os.path.join(src, "qmail-remote"), "ab") as f:
        f.write(b"\0new build")
    newer = op_read(os.path.join(src, "qmail-remote"))
    if not step("install"):
        return errs
    if op_read(binp) != newer or mode(binp) != 0o711:
        errs.append("reinstall: %s is not the new binary with mode 711" % binp)
    if op_read(orig) != ours:
        errs.append("reinstall: %s is not the binary it replaced" % orig)
    if not step("uninstall"):
        return errs
    if op_read(binp) != ours:
        errs.append("uninstall: %s is not the binary the last install replaced" % binp)
    if os.path.exists(orig):
        errs.append("uninstall: %s still exists" % orig)
    if os.path.exists(man):
        errs.append("uninstall: the man page is still there")
    if not step("uninstall"):
        return errs
    if os.path.exists(binp):
        errs.append("second uninstall: %s still exists (nothing was left to put back)" % binp)
    op_shutil.rmtree(os.path.dirname(src), ignore_errors=True)
    return errs


def op_install_upgrade():
    """A qmail installation's own qmail-remote is what `make install` keeps
    as qmail-remote.orig; installing a newer build of ours over ours (an
    upgrade) must not replace that backup with our old build, or `make
    uninstall` can never bring the original back.  (Makefile: install
    copies bin/qmail-remote to .orig unconditionally.)"""
    src, root = op_stage("upgrade")
    bindir = os.path.join(root, "var", "qmail", "bin")
    os.makedirs(bindir)
    classic = b"#!/bin/sh\n# the qmail installation's own qmail-remote\nexit 111\n"
    binp, orig = os.path.join(bindir, "qmail-remote"), os.path.join(bindir, "qmail-remote.orig")
    with open(binp, "wb") as f:
        f.write(classic)
    os.chmod(binp, 0o711)
    errs = []
    for n in (1, 2):
        p = op_make(src, root, "install")
        if p.returncode != 0:
            return ["make install #%d failed: %s" % (n, (p.stdout + p.stderr)[-800:])]
        if op_read(orig) != classic:
            errs.append("after install #%d: qmail-remote.orig is not the original qmail-remote" % n)
    p = op_make(src, root, "uninstall")
    if p.returncode != 0:
        return errs + ["make uninstall failed: %s" % (p.stdout + p.stderr)[-800:]]
    if op_read(binp) != classic:
        errs.append("after install, install, uninstall: bin/qmail-remote is not the original qmail-remote")
    if not errs:
        op_shutil.rmtree(os.path.dirname(src), ignore_errors=True)
    return errs


SPECIAL += [("transcript-rspawn-fds-4xx", op_rspawn_4xx), ("transcript-rspawn-fds-mixed", op_rspawn_mixed),
            ("transcript-file", op_trace_file), ("transcript-file-refused", op_trace_file_refused),
            ("tty-transcript", op_tty_transcript)]
SPECIAL += [("tcpto6-ipv6-timeouts-skipped", op_tcpto6), ("tcpto-classic-and-v4-mapped", op_tcpto_classic)]
def op_install_tcpto6():
    """make install creates queue/lock/tcpto6 when the queue exists and the
    file does not: 2048 zero bytes, mode 644, owner qmailr (group qmail)
    when root installs and they exist; a reinstall keeps its records; make
    uninstall removes it; without a queue nothing is created."""
    src, root = op_stage("tcpto6")
    lock = os.path.join(root, "var", "qmail", "queue", "lock")
    t6 = os.path.join(lock, "tcpto6")
    os.makedirs(lock)
    errs = []
    p = op_make(src, root, "install")
    if p.returncode != 0:
        return ["make install failed: %s" % (p.stdout + p.stderr)[-800:]]
    if op_read(t6) != bytes(2048):
        return ["install: %s is %r, want 2048 zero bytes" % (t6, (op_read(t6) or b"")[:64])]
    st = os.stat(t6)
    if op_stat.S_IMODE(st.st_mode) != 0o644:
        errs.append("install: %s has mode %o, want 644" % (t6, op_stat.S_IMODE(st.st_mode)))
    try:
        import pwd
        want_uid = pwd.getpwnam("qmailr").pw_uid if os.geteuid() == 0 else os.geteuid()
    except KeyError:
        want_uid = os.geteuid()
    if st.st_uid != want_uid:
        errs.append("install: %s is owned by uid %d, want %d (qmailr when it exists)" % (t6, st.st_uid, want_uid))
    with open(t6, "r+b") as f:      # a record, as qmail-remote would leave it
        f.write(bytes.fromhex("20010db8dead00000000000000000099") + b"\2")
    kept = op_read(t6)
    p = op_make(src, root, "install")
    if p.returncode != 0 or op_read(t6) != kept:
        errs.append("reinstall: %s was replaced (records lost)" % t6)
    p = op_make(src, root, "uninstall")
    if p.returncode != 0 or os.path.exists(t6):
        errs.append("uninstall: %s still exists" % t6)
    op_shutil.rmtree(os.path.dirname(src), ignore_errors=True)
    src, root = op_stage("tcpto6-noqueue")
    p = op_make(src, root, "install")
    if p.returncode != 0:
        errs.append("make install without a queue failed: %s" % (p.stdout + p.stderr)[-800:])
    elif os.path.exists(os.path.join(root, "var", "qmail", "queue")):
        errs.append("install without a queue created %s" % os.path.join(root, "var", "qmail", "queue"))
    op_shutil.rmtree(os.path.dirname(src), ignore_errors=True)
    return errs


SPECIAL += [("install-creates-tcpto6", op_install_tcpto6)]
SPECIAL += [("tty-readable-reports", op_tty), ("install-layout-and-uninstall", op_install),
            ("install-upgrade-keeps-original", op_install_upgrade)]
