#!/usr/bin/env python3
"""scenarios.py -- run qmail-remote against the test bed and check its reports.

usage: scenarios.py [-k SUBSTRING]... [-x SUBSTRING]... [--list]
  -k  run only scenarios whose name contains one of these; -x  leave out
      those whose name contains one of these
  env QR     the binary (default: ../../qmail-remote, the repository build)
  env BED    the bed's state directory (default /tmp/qr-bed); bed-up must have run
  env QR_TRACE=1  also set QMAILREMOTE_TRACE=1 for the client (transcript on
                  stderr, shown for failing cases)

Each scenario runs, inside namespace qr-client,
    env -i CONTROLDIR=$BED/control/<name> DNSCACHEIP=192.0.2.53 $QR host sender rcpt...
with the message on stdin (a regular file unless the scenario says pipe),
stdout and stderr separate (fds="rspawn": one pipe, as qmail-rspawn runs
qmail-remote), the qmail lock directory hidden under an empty tmpfs
(lockdir=DIR: DIR mounted there, for the tcpto tables), splits stdout into NUL-terminated reports and compares them with the
expected ones: X(b"...") exact bytes, R(rb"...") a regular expression that
must match the whole report (without its NUL).  Extra checks look at what
the servers received: the Postfix Maildirs (bytes compared exactly after
stripping the headers Postfix prepends), Postfix's maillog, smtp-sink dumps
and faultsrv.py captures.  Prints each failing case with expected vs
actual, then "N passed, N failed" alone on a line; exits 1 if any failed.
"""
import os
import re
import subprocess
import sys
import time

sys.dont_write_bytecode = True   # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bedlib  # noqa: E402
from bedlib import BED  # noqa: E402

QR = os.environ.get("QR") or os.path.normpath(os.path.join(bedlib.HERE, "..", "..", "qmail-remote"))
QMAIL_QUEUE = os.path.join(os.environ.get("QMAIL_HOME", "/var/qmail"), "queue")
SENDER = "sender@client.qrtest"
BASE_CONTROL = {"me": "client.qrtest\n", "timeoutconnect": "2\n", "timeoutremote": "3\n",
                "timeoutdns": "5\n"}
DIRECTORY = object()      # control value: make that control file a directory (unreadable)


# ---------------------------------------------------------------- expectations
class X:
    """exact report text (without the NUL)"""
    def __init__(self, b):
        self.b = b if isinstance(b, bytes) else b.encode()

    def ok(self, got):
        return got == self.b

    def __repr__(self):
        return "exactly %r" % self.b


class R:
    """regular expression matching the whole report (without the NUL)"""
    def __init__(self, pat):
        self.pat = pat if isinstance(pat, bytes) else pat.encode()
        self.rx = re.compile(self.pat)

    def ok(self, got):
        return self.rx.fullmatch(got) is not None

    def __repr__(self):
        return "regex %r" % self.pat


ANY_RCPTS = None          # expect_rcpts: any number (0..n) of r/h/s reports

IP25 = rb"192\.0\.2\.25"
IP25_ANY = rb"(192\.0\.2\.25|2001:db8::25)"


def K_pf(ip):
    """K report from Postfix at ip (a regex fragment)"""
    # after BDAT Postfix says "Ok: 228 bytes queued as ..."
    return R(rb"K" + ip + rb" accepted message\.\nRemote host said: 250 2\.0\.0 Ok: (\d+ bytes )?queued as [0-9A-F]+\n")


def qid_of(final):
    m = re.search(rb"queued as ([0-9A-F]+)", final or b"")
    return m.group(1).decode() if m else None


# ---------------------------------------------------------------- messages
def msg(tok, body="This is a test message.\n", headers="", to="rcpt@plain.qrtest"):
    return ("From: Sender <%s>\nTo: %s\nSubject: qr-bed %s\nDate: Tue, 24 Nov 2026 10:00:00 +0000\n"
            "Message-ID: <%s@client.qrtest>\n%s\n" % (SENDER, to, tok, tok, headers)).encode("utf-8") \
        + (body.encode("utf-8") if isinstance(body, str) else body)


def msg_transparency(tok):
    return msg(tok, (".\n..\n.leading dot\n..two dots\n...three\n. \n \n\nFrom the start\n"
                     ">From quoted\ntab\there and trailing space \n8bit: \u00e4\u00f6\u00fc \u20ac \U0001F600\n"
                     + "L" * 3000 + "\n" + "\n\n"))


def msg_partial(tok):
    return msg(tok, "this line has no newline")


# ---------------------------------------------------------------- checks
class Ctx:
    pass


def delivered(instance, rcpts=None, sender=None, helo="client.qrtest", alt_rcpts=None):
    """The message reached instance once per recipient, byte for byte, with
    the right envelope.  rcpts default to the scenario's recipients;
    alt_rcpts: acceptable alternative recipient lists (e.g. A-label forms)."""
    def chk(c):
        want = list(rcpts if rcpts is not None else c.rcpts)
        got = bedlib.find_in_maildir(instance, c.tok, want=len(want))
        if len(got) != len(want):
            return "%s: %d messages with the token delivered, want %d" % (instance, len(got), len(want))
        tos = []
        for g in got:
            info, rest = bedlib.split_delivered(g)
            if rest != c.msg:
                i = next((k for k in range(min(len(rest), len(c.msg))) if rest[k] != c.msg[k]),
                         min(len(rest), len(c.msg)))
                return ("%s: delivered bytes differ at offset %d (sent %d bytes, got %d)\n"
                        "      sent: %r\n      got:  %r" % (instance, i, len(c.msg), len(rest),
                                                            c.msg[max(0, i - 40):i + 40],
                                                            rest[max(0, i - 40):i + 40]))
            snd = c.sender if sender is None else sender
            if info["return_path"] != "<%s>" % snd:
                return "%s: Return-Path %r, want <%s>" % (instance, info["return_path"], snd)
            if helo and not (info["received"] or "").startswith("from %s (" % helo):
                return "%s: Received %r does not show HELO %s" % (instance, info["received"], helo)
            tos.append(info["delivered_to"])
        options = [want] + list(alt_rcpts or [])
        if not any(sorted(tos) == sorted(o) for o in options):
            return "%s: Delivered-To %r, want %r" % (instance, sorted(tos), " or ".join(map(str, options)))
        return None
    return chk


def not_delivered(instance, wait=1.5):
    def chk(c):
        got = bedlib.find_in_maildir(instance, c.tok, want=1, timeout=wait)
        return "%s: message was delivered but should not have been" % instance if got else None
    return chk


def via_port_2525(expect=True):
    """The K report's queue id was logged by the smtpd on port 2525 (or not)."""
    def chk(c):
        qid = qid_of(c.final)
        if not qid:
            return "no queue id in the K report"
        if not bedlib.maillog_has("pf-plain", r"/smtpd\[\d+\]: %s: client=" % qid):
            return "queue id %s not found in pf-plain's maillog" % qid
        on2525 = re.search(r"postfix-2525/smtpd\[\d+\]: %s: client=" % qid,
                           bedlib.maillog("pf-plain")) is not None
        if on2525 != expect:
            return "message %s was %sreceived on port 2525" % (qid, "" if on2525 else "not ")
        return None
    return chk


def client_ip(instance, ip):
    """instance's smtpd logged this message (the K report's queue id) as
    coming from ip."""
    def chk(c):
        qid = qid_of(c.final)
        if not qid:
            return "no queue id in the K report"
        pat = r"/smtpd\[\d+\]: %s: client=unknown\[%s\]$" % (qid, re.escape(ip))
        if not bedlib.maillog_has(instance, pat):
            got = re.findall(r"(?m)^.*%s: client=.*$" % qid, bedlib.maillog(instance))
            return "%s maillog: want client=unknown[%s], got %r" % (instance, ip, got)
        return None
    return chk


def sink_got(name):
    def chk(c):
        return None if bedlib.find_sink_dump(name, c.tok) else "smtp-sink %s has no dump with the token" % name
    return chk


def wire(pred, what, mode="ok"):
    """pred(raw_bytes, recv_sizes) on faultsrv's capture of the session."""
    def chk(c):
        raw, chunks = bedlib.find_fault_capture(mode, c.tok)
        if raw is None:
            return "faultsrv (%s) captured no session with the token" % mode
        if not pred(raw, chunks):
            return "on the wire: %s is false\n      captured: %r" % (what, raw[:600])
        return None
    return chk


def data_section(raw):
    m = re.search(rb"(?is)\r\nDATA\r\n(.*?\r\n)\.\r\n", raw)
    return m.group(1) if m else None


def mail_line(raw):
    m = re.search(rb"(?im)^MAIL FROM:[^\r\n]*", raw)
    return m.group(0) if m else b""


def time_between(lo=None, hi=None):
    def chk(c):
        if lo is not None and c.elapsed < lo:
            return "finished after %.1f s, expected at least %.1f s" % (c.elapsed, lo)
        if hi is not None and c.elapsed > hi:
            return "took %.1f s, expected at most %.1f s" % (c.elapsed, hi)
        return None
    return chk


# ---------------------------------------------------------------- scenario
class Scn:
    def __init__(self, name, host=None, rcpts=(), sender=SENDER, args=None, message=msg,
                 stdin="file", control=None, env=None, dnscache="192.0.2.53", resolv=None,
                 expect_rcpts=ANY_RCPTS, final=None, checks=(), max_time=15, rc=0, fds="split",
                 lockdir=None, stsdir=None, certs=None):
        self.__dict__.update(locals())
        del self.__dict__["self"]


def make_control(name, overrides):
    d = os.path.join(BED, "control", name)
    subprocess.run(["rm", "-rf", d])
    os.makedirs(d)
    ctl = dict(BASE_CONTROL)
    ctl.update(overrides or {})
    for k, v in ctl.items():
        if v is None:
            continue
        if v is DIRECTORY:
            os.makedirs(os.path.join(d, k))
            continue
        with open(os.path.join(d, k), "w", encoding="utf-8") as f:
            f.write(v)
    return d


def run_client(s, tok):
    """Run qmail-remote for scenario s; return a Ctx with the outcome."""
    c = Ctx()
    c.tok, c.sender, c.rcpts = tok, s.sender, list(s.rcpts)
    c.msg = s.message(tok) if callable(s.message) else s.message
    rundir = os.path.join(BED, "run")
    os.makedirs(rundir, exist_ok=True)
    mpath = os.path.join(rundir, s.name + ".msg")
    with open(mpath, "wb") as f:
        f.write(c.msg)
    envv = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "CONTROLDIR=" + make_control(s.name, s.control)]
    if s.dnscache:
        envv.append("DNSCACHEIP=" + s.dnscache)
    if os.environ.get("QR_TRACE"):
        envv.append("QMAILREMOTE_TRACE=1")
    envv += ["%s=%s" % kv for kv in (s.env or {}).items()]
    argv = [QR] + (list(s.args) if s.args is not None else [s.host, s.sender] + list(s.rcpts))
    rpath = ""
    if s.resolv is not None:
        rpath = os.path.join(rundir, s.name + ".resolv.conf")
        with open(rpath, "w") as f:
            f.write(s.resolv)
    # ip netns exec gives every command its own mount namespace (slave to
    # the host's): mounts made here are private to this run.  A scenario's
    # own resolv.conf is bind-mounted over /etc/resolv.conf, and the qmail
    # queue directory (or, where the qmail home does not exist, its nearest
    # existing parent, /var) is hidden under an empty tmpfs holding an empty
    # queue/lock, so the host's tcpto table neither changes the outcome nor
    # is written to, and queue/mtasts (the MTA-STS cache) is missing.  A
    # scenario's lockdir is bind-mounted over queue/lock, its stsdir over
    # queue/mtasts, and the directory its certs() returns over /etc/ssl/certs
    # (the system's CA store: the hashed directory and the bundle file).
    prelude = ('[ -z "$0" ] || mount --bind "$0" /etc/resolv.conf || exit 111; '
               'd="$QQ"; while [ ! -d "$d" ]; do d=$(dirname "$d"); done; '
               'mount -t tmpfs qr-bed "$d" && mkdir -p "$QQ/lock" || exit 111; '
               '[ -z "$QLOCK" ] || mount --bind "$QLOCK" "$QQ/lock" || exit 111; '
               'if [ -n "$QSTS" ]; then mkdir -p "$QQ/mtasts" && mount --bind "$QSTS" "$QQ/mtasts" || exit 111; fi; '
               '[ -z "$QCERTS" ] || mount --bind "$QCERTS" /etc/ssl/certs || exit 111; '
               'exec "$@"')
    cmd = ["ip", "netns", "exec", bedlib.NS_CLIENT, "env", "QQ=" + QMAIL_QUEUE, "QLOCK=" + (s.lockdir or ""),
           "QSTS=" + (s.stsdir or ""), "QCERTS=" + (s.certs() if s.certs else ""),
           "sh", "-c", prelude, rpath, "env", "-i"] + envv + argv
    c.cmd = argv
    # fds="rspawn": stdout and stderr are one pipe, as qmail-rspawn runs
    # qmail-remote (fd_copy(2,1)); stderr is then empty here
    err = subprocess.STDOUT if s.fds == "rspawn" else subprocess.PIPE
    t0 = time.monotonic()
    try:
        if s.stdin == "pipe":
            p = subprocess.run(cmd, input=c.msg, stdout=subprocess.PIPE, stderr=err, cwd=rundir,
                               timeout=s.max_time + 15)
        else:
            with open(mpath, "rb") as fin:
                p = subprocess.run(cmd, stdin=fin, stdout=subprocess.PIPE, stderr=err, cwd=rundir,
                                   timeout=s.max_time + 15)
        c.stdout, c.stderr, c.rc = p.stdout, p.stderr or b"", p.returncode
    except subprocess.TimeoutExpired as e:
        c.stdout, c.stderr, c.rc = e.stdout or b"", e.stderr or b"", "hung (killed)"
    c.elapsed = time.monotonic() - t0
    parts = c.stdout.split(b"\0")
    c.unterminated = parts[-1]
    c.reports = parts[:-1]
    c.final = c.reports[-1] if c.reports else None
    return c


def judge(s, c):
    """List of problems (empty = pass)."""
    errs = []
    if c.rc != s.rc:
        errs.append("exit status %r, want %r" % (c.rc, s.rc))
    if c.unterminated:
        errs.append("output does not end with a NUL: trailing %r" % c.unterminated[:300])
    if not c.reports:
        errs.append("no report at all")
        return errs
    rc_reports, final = c.reports[:-1], c.reports[-1]
    if s.final is not None and not s.final.ok(final):
        errs.append("message report:\n      want %r\n      got  %r" % (s.final, final))
    if final[:1] not in (b"K", b"Z", b"D"):
        errs.append("last report %r is not K/Z/D" % final[:60])
    if s.expect_rcpts is ANY_RCPTS:
        n = len(s.rcpts)
        bad = [r for r in rc_reports if r[:1] not in (b"r", b"h", b"s")]
        if len(rc_reports) > n or bad:
            errs.append("recipient reports %r: want at most %d, each r/h/s" % (rc_reports, n))
    else:
        if len(rc_reports) != len(s.expect_rcpts):
            errs.append("%d recipient reports, want %d:\n      want %r\n      got  %r"
                        % (len(rc_reports), len(s.expect_rcpts), s.expect_rcpts, rc_reports))
        else:
            for i, (w, g) in enumerate(zip(s.expect_rcpts, rc_reports)):
                if not w.ok(g):
                    errs.append("recipient report %d:\n      want %r\n      got  %r" % (i + 1, w, g))
    if not errs or all(e.startswith("exit status") for e in errs):
        for chk in s.checks:
            e = chk(c)
            if e:
                errs.append(e)
    return errs


# ---------------------------------------------------------------- the scenarios
r = X(b"r")
Z441 = X(b"ZSorry, I wasn't able to establish an SMTP connection. (#4.4.1)\n")
Z412 = X(b"ZSorry, I couldn't find any host by that name. (#4.1.2)\n")
D544 = X(b"DSorry, I couldn't find a mail exchanger or IP address. (#5.4.4)\n")
D546 = X(b"DSorry. Although I'm listed as a best-preference MX or A for that host,\n"
         b"it isn't in my control/locals file, so I don't treat it as local. (#5.4.6)\n")
D535 = X(b"DI (qmail-remote) was invoked improperly. (#5.3.5)\n")
D562 = X(b"DSMTP cannot transfer messages with partial final lines. (#5.6.2)\n")
REJ_BAD = X(b"h192.0.2.27 does not like recipient.\nRemote host said: 550 5.1.1 <bad@reject.qrtest>: "
            b"Recipient address rejected: no such user here\n")
REJ_LATER = X(b"s192.0.2.27 does not like recipient.\nRemote host said: 450 4.2.0 <later@reject.qrtest>: "
              b"Recipient address rejected: try again later\n")
REJ_FULL = X(b"s192.0.2.27 does not like recipient.\nRemote host said: 452 4.2.2 <full@reject.qrtest>: "
             b"Recipient address rejected: mailbox full\n")
K_FAULT_OK = R(rb"K192\.0\.2\.51 accepted message\.\nRemote host said: 250 2\.0\.0 Ok: queued as FAULTOK\d+\n")
SINK_ERR5 = b"Remote host said: 500 5.3.0 Error: command failed\n"


def died(ip, dup=False, timeout=False, seconds=3, protocol=None):
    """connection died: the classic sentence whole, with "Possible duplicate! "
    after the dot; why (our deadline: timeoutremote, 3 s in BASE_CONTROL;
    a protocol violation) on a line of its own after it"""
    text = b"ZConnected to %s but connection died. %s(#4.4.2)\n" % (ip.encode(), b"Possible duplicate! " if dup else b"")
    if timeout:
        text += b"Timed out after %d second%s (timeoutremote).\n" % (seconds, b"" if seconds == 1 else b"s")
    if protocol:
        text += b"Protocol violation: %s.\n" % protocol.encode()
    return X(text)


def z_connected(ip):
    """some Z 'Connected to IP but ...' report (wording of the failure left open)"""
    return R(rb"ZConnected to " + re.escape(ip).encode() + rb" but [^\0]*")


def route(lines):
    return {"smtproutes": "".join(l + "\n" for l in lines)}


S = []
# ---- invocation
S += [
    Scn("args-none", args=[], final=D535, expect_rcpts=[]),
    Scn("args-two", args=["plain4.qrtest", SENDER], final=D535, expect_rcpts=[]),
]
# ---- plain delivery, byte-exact
S += [
    Scn("plain-one", "plain4.qrtest", ["rcpt@plain4.qrtest"], expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain")]),
    Scn("plain-dualstack", "plain.qrtest", ["rcpt@plain.qrtest"], expect_rcpts=[r], final=K_pf(IP25_ANY),
        checks=[delivered("pf-plain")]),
    Scn("plain-three-rcpts", "plain4.qrtest", ["a@plain4.qrtest", "b@plain4.qrtest", "c@other.qrtest"],
        expect_rcpts=[r, r, r], final=K_pf(IP25), checks=[delivered("pf-plain")]),
    Scn("plain-pipe-stdin", "plain4.qrtest", ["pipe@plain4.qrtest"], stdin="pipe", expect_rcpts=[r],
        final=K_pf(IP25), checks=[delivered("pf-plain")]),
    Scn("bounce-empty-sender", "plain4.qrtest", ["bounce@plain4.qrtest"], sender="", expect_rcpts=[r],
        final=K_pf(IP25), checks=[delivered("pf-plain")]),
    Scn("transparency", "plain4.qrtest", ["dots@plain4.qrtest"], message=msg_transparency,
        expect_rcpts=[r], final=K_pf(IP25), checks=[delivered("pf-plain")]),
    Scn("transparency-data-path", "nochunk.qrtest", ["dots@nochunk.qrtest"], message=msg_transparency,
        expect_rcpts=[r], final=K_pf(rb"192\.0\.2\.24"), checks=[delivered("pf-plain")]),
    Scn("long-line-data-path", "nochunk.qrtest", ["long@nochunk.qrtest"],
        message=lambda t: msg(t, "x" * 10000 + "\nend\n"), expect_rcpts=[r], final=K_pf(rb"192\.0\.2\.24"),
        checks=[delivered("pf-plain")]),
    Scn("headers-only", "plain4.qrtest", ["hdr@plain4.qrtest"], message=lambda t: msg(t, ""),
        expect_rcpts=[r], final=K_pf(IP25), checks=[delivered("pf-plain")]),
    Scn("long-line-10000", "plain4.qrtest", ["long@plain4.qrtest"],
        message=lambda t: msg(t, "x" * 10000 + "\nend\n"), expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain")]),
    Scn("many-rcpts-50", "plain4.qrtest", ["m%02d@plain4.qrtest" % i for i in range(50)],
        expect_rcpts=[r] * 50, final=K_pf(IP25), checks=[delivered("pf-plain")]),
    Scn("helohost", "plain4.qrtest", ["helo@plain4.qrtest"], control={"helohost": "helo.qrtest\n"},
        expect_rcpts=[r], final=K_pf(IP25), checks=[delivered("pf-plain", helo="helo.qrtest")]),
]
# ---- addresses: literals, IPv6, implicit MX, CNAME
S += [
    Scn("literal-v4", "[192.0.2.25]", ["lit@plain.qrtest"], expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain")]),
    Scn("literal-v6", "[2001:db8::25]", ["lit6@plain.qrtest"], expect_rcpts=[r],
        final=K_pf(rb"2001:db8::25"), checks=[delivered("pf-plain")]),
    Scn("literal-v6-tagged", "[IPv6:2001:db8::25]", ["lit6t@plain.qrtest"], expect_rcpts=[r],
        final=K_pf(rb"2001:db8::25"), checks=[delivered("pf-plain")]),
    Scn("v6only-implicit-mx", "v6only.qrtest", ["v6@v6only.qrtest"], expect_rcpts=[r],
        final=K_pf(rb"2001:db8::25"), checks=[delivered("pf-plain")]),
    Scn("v6-mx", "v6mx.qrtest", ["v6@v6mx.qrtest"], expect_rcpts=[r], final=K_pf(rb"2001:db8::25"),
        checks=[delivered("pf-plain")]),
    Scn("implicit-mx", "nomx.qrtest", ["a@nomx.qrtest"], expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain")]),
    Scn("cname-domain-not-canonicalised", "cname.qrtest", ["user@cname.qrtest"], expect_rcpts=[r],
        final=K_pf(IP25), checks=[delivered("pf-plain", rcpts=["user@cname.qrtest"])]),
    Scn("mx-target-cname", "mxcname.qrtest", ["a@mxcname.qrtest"], expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain")]),
    Scn("mx-a-dead-aaaa-good", "mixed.qrtest", ["a@mixed.qrtest"], expect_rcpts=[r],
        final=K_pf(rb"2001:db8::25"), max_time=10, checks=[delivered("pf-plain")]),
    Scn("mx-a-good-aaaa-refuses", "mixed2.qrtest", ["a@mixed2.qrtest"], expect_rcpts=[r],
        final=K_pf(IP25), checks=[delivered("pf-plain"), time_between(hi=5)]),
]
# ---- MX walk
S += [
    Scn("mx-dead-then-good", "uneq.qrtest", ["a@uneq.qrtest"], expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"), time_between(1.5, 10)]),
    Scn("mx-dead6-then-good", "uneq6.qrtest", ["a@uneq6.qrtest"], expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"), time_between(1.5, 10)]),
    Scn("mx-refused-then-good", "refuse.qrtest", ["a@refuse.qrtest"], expect_rcpts=[r],
        final=K_pf(IP25), checks=[delivered("pf-plain"), time_between(hi=5)]),
    Scn("mx-greet554-then-good", "greetnext.qrtest", ["a@greetnext.qrtest"], expect_rcpts=[r],
        final=K_pf(IP25), checks=[delivered("pf-plain")]),
    Scn("all-mx-dead", "dead.qrtest", ["a@dead.qrtest"], final=Z441, checks=[time_between(1.5, 10)]),
    Scn("all-mx-refuse", "refuseonly.qrtest", ["a@refuseonly.qrtest"], final=Z441,
        checks=[time_between(hi=5)]),
    Scn("self-best-mx", "self.qrtest", ["a@self.qrtest"], final=D546),
    Scn("self-best-drops-worse", "selfbest.qrtest", ["a@selfbest.qrtest"], final=D546),
    Scn("self-worse-mx-ignored", "selfworse.qrtest", ["a@selfworse.qrtest"], expect_rcpts=[r],
        final=K_pf(IP25), checks=[delivered("pf-plain")]),
]
# ---- DNS outcomes
S += [
    Scn("nxdomain", "nxdomain.qrtest", ["a@nxdomain.qrtest"],
        final=X(b"DSorry, I couldn't find any host named nxdomain.qrtest. (#5.1.2)\n")),
    Scn("servfail", "servfail.qrtest", ["a@servfail.qrtest"], final=Z412, checks=[time_between(hi=8)]),
    Scn("dns-timeout-resolver", "plain4.qrtest", ["a@plain4.qrtest"], dnscache="203.0.113.99",
        control={"timeoutdns": "2\n"}, final=Z412, checks=[time_between(hi=10)]),
    Scn("dns-timeout-delegation", "x.dnstimeout.qrtest", ["a@x.dnstimeout.qrtest"],
        control={"timeoutdns": "3\n"}, final=Z412, checks=[time_between(hi=12)]),
    Scn("null-mx", "nullmx.qrtest", ["a@nullmx.qrtest"], final=R(rb"D[^\0]*\(#5\.1\.10\)[^\0]*")),
    Scn("mx-target-no-address", "noaddr.qrtest", ["a@noaddr.qrtest"], final=D544),
    Scn("mx-target-nxdomain", "mxnx.qrtest", ["a@mxnx.qrtest"], final=D544),
    Scn("no-mx-no-address", "empty.qrtest", ["a@empty.qrtest"], final=D544),
    Scn("resolv-conf", "plain4.qrtest", ["rc@plain4.qrtest"], dnscache=None, expect_rcpts=[r],
        final=K_pf(IP25), checks=[delivered("pf-plain")]),
    Scn("resolv-conf-v6-server", "plain4.qrtest", ["rc6@plain4.qrtest"], dnscache=None,
        resolv="nameserver 2001:db8::53\n", expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain")]),
    Scn("resolv-conf-first-dead", "plain4.qrtest", ["rc2@plain4.qrtest"], dnscache=None,
        resolv="nameserver 203.0.113.99\nnameserver 192.0.2.53\n", control={"timeoutdns": "10\n"},
        expect_rcpts=[r], final=K_pf(IP25), checks=[delivered("pf-plain"), time_between(hi=12)]),
]
# ---- IDN / SMTPUTF8
S += [
    Scn("idn-host-utf8-domain", "b\u00fccher.qrtest", ["user@b\u00fccher.qrtest"], expect_rcpts=[r],
        final=K_pf(IP25),
        checks=[delivered("pf-plain", alt_rcpts=[["user@xn--bcher-kva.qrtest"]])]),
    Scn("utf8-local-part", "plain4.qrtest", ["j\u00fcrgen@plain4.qrtest"], expect_rcpts=[r],
        final=K_pf(IP25), checks=[delivered("pf-plain")]),
    Scn("utf8-local-no-smtputf8", "noutf8.qrtest", ["j\u00fcrgen@noutf8.qrtest"],
        final=R(rb"D[^\0]*\(#5\.6\.7\)[^\0]*"), checks=[not_delivered("pf-plain")]),
    Scn("utf8-domain-no-smtputf8-alabel", "noutf8.qrtest", ["user@b\u00fccher.qrtest"], expect_rcpts=[r],
        final=K_pf(rb"192\.0\.2\.23"),
        checks=[delivered("pf-plain", rcpts=["user@xn--bcher-kva.qrtest"])]),
]
# ---- recipient rejects (Postfix access map)
S += [
    Scn("rcpt-mixed", "reject.qrtest",
        ["good@reject.qrtest", "bad@reject.qrtest", "later@reject.qrtest", "full@reject.qrtest"],
        expect_rcpts=[r, REJ_BAD, REJ_LATER, REJ_FULL], final=K_pf(rb"192\.0\.2\.27"),
        checks=[delivered("pf-reject", rcpts=["good@reject.qrtest"])]),
    Scn("rcpt-all-permanent", "reject.qrtest", ["bad@reject.qrtest"], expect_rcpts=[REJ_BAD],
        final=X(b"DGiving up on 192.0.2.27.\n"), checks=[not_delivered("pf-reject")]),
    Scn("rcpt-all-temporary", "reject.qrtest", ["later@reject.qrtest"], expect_rcpts=[REJ_LATER],
        final=X(b"DGiving up on 192.0.2.27.\n")),
    Scn("size-known-rejected-at-mail", "reject.qrtest", ["good@reject.qrtest"],
        message=lambda t: msg(t, ("y" * 70 + "\n") * 900),
        final=X(b"DConnected to 192.0.2.27 but sender was rejected.\n"
                b"Remote host said: 552 5.3.4 Message size exceeds fixed limit\n"),
        checks=[not_delivered("pf-reject")]),
    Scn("size-unknown-rejected-after-data", "reject.qrtest", ["good@reject.qrtest"], stdin="pipe",
        message=lambda t: msg(t, ("y" * 70 + "\n") * 900), expect_rcpts=[r],
        final=R(rb"D192\.0\.2\.27 failed (after I sent the message|on DATA command)\.\n"
                rb"Remote host said: 552 5\.3\.4 (Message size exceeds fixed limit|Error: message file too big|"
                rb"Chunk exceeds message size limit)\n"),
        checks=[not_delivered("pf-reject")]),
]
# ---- greeting failures
S += [
    Scn("greeting-554", "greet554.qrtest", ["a@greet554.qrtest"],
        final=X(b"ZConnected to 192.0.2.28 but greeting failed.\nRemote host said: 554 5.7.1 "
                b"<unknown[192.0.2.10]>: Client host rejected: qr-bed: you are not welcome here\n")),
    Scn("greeting-421", "greet421.qrtest", ["a@greet421.qrtest"],
        final=X(b"ZConnected to 192.0.2.29 but greeting failed.\nRemote host said: 421 4.3.2 "
                b"<unknown[192.0.2.10]>: Client host rejected: qr-bed: service shutting down\n")),
]
# ---- smtp-sink: command rejects
S += [
    Scn("sink-mail-rejected", "mailrej.sink.qrtest", ["a@plain.qrtest"],
        final=X(b"DConnected to 192.0.2.30 but sender was rejected.\n" + SINK_ERR5)),
    Scn("sink-data-rejected", "datarej.sink.qrtest", ["a@plain.qrtest"], expect_rcpts=[r],
        final=X(b"D192.0.2.31 failed on DATA command.\n" + SINK_ERR5)),
    Scn("sink-dot-rejected", "dotrej.sink.qrtest", ["a@plain.qrtest"], expect_rcpts=[r],
        final=X(b"D192.0.2.32 failed after I sent the message.\n" + SINK_ERR5)),
    Scn("sink-dot-tempfail", "dottemp.sink.qrtest", ["a@plain.qrtest"], expect_rcpts=[r],
        final=X(b"Z192.0.2.33 failed after I sent the message.\n"
                b"Remote host said: 450 4.3.0 Error: command failed\n")),
    Scn("sink-no-esmtp-helo-fallback", "noesmtp.sink.qrtest", ["a@plain.qrtest"], expect_rcpts=[r],
        final=X(b"K192.0.2.34 accepted message.\nRemote host said: 250 2.0.0 Ok\n"),
        checks=[sink_got("noesmtp")]),
    Scn("sink-helo-rejected", "helorej.sink.qrtest", ["a@plain.qrtest"],
        # classic qmail: never final, whatever the code (SPEC 6)
        final=X(b"ZConnected to 192.0.2.36 but my name was rejected.\n" + SINK_ERR5)),
]
# ---- faultsrv.py
S += [
    Scn("fault-drop-after-dot", "fault.qrtest", ["a@fault.qrtest"], final=died("192.0.2.40", dup=True)),
    Scn("fault-drop-after-dot-v6", "[2001:db8::40]", ["a@fault.qrtest"],
        final=died("2001:db8::40", dup=True)),
    Scn("fault-slow-reply-after-dot", "slowdot.fault.qrtest", ["a@fault.qrtest"],
        final=died("192.0.2.49", dup=True, timeout=True), checks=[time_between(2.5, 12)]),
    Scn("fault-drop-at-data", "dropdata.fault.qrtest", ["a@fault.qrtest"], final=died("192.0.2.47")),
    Scn("fault-drop-mid-message", "dropmsg.fault.qrtest", ["a@fault.qrtest"], stdin="pipe",
        message=lambda t: msg(t, ("z" * 99 + "\n") * 120000), final=died("192.0.2.48")),
    Scn("fault-no-greeting", "stall.fault.qrtest", ["a@fault.qrtest"], final=died("192.0.2.41", timeout=True),
        checks=[time_between(2.5, 10)]),
    Scn("fault-garbage-greeting", "garbage.fault.qrtest", ["a@fault.qrtest"],
        final=died("192.0.2.42", protocol="malformed reply line"), checks=[time_between(hi=8)]),
    Scn("fault-overlong-greeting", "overlong.fault.qrtest", ["a@fault.qrtest"],
        final=died("192.0.2.43", protocol="reply line too long"), checks=[time_between(hi=8)]),
    Scn("fault-endless-greeting", "endless.fault.qrtest", ["a@fault.qrtest"],
        final=died("192.0.2.44", protocol="too many reply lines"), max_time=20, checks=[time_between(hi=20)]),
    Scn("fault-close-after-220", "close220.fault.qrtest", ["a@fault.qrtest"],
        final=died("192.0.2.45"), checks=[time_between(hi=8)]),
    Scn("fault-nul-in-reply", "nulreply.fault.qrtest", ["a@fault.qrtest"],
        expect_rcpts=[R(rb"h192\.0\.2\.46 does not like recipient\.\n"
                        rb"Remote host said: 550 5\.1\.1 no[^\0]such user\n")],
        final=X(b"DGiving up on 192.0.2.46.\n")),
    Scn("fault-multiline-reject", "mlreject.fault.qrtest", ["a@fault.qrtest"],
        expect_rcpts=[X(b"h192.0.2.50 does not like recipient.\nRemote host said: "
                        b"550-5.1.1 first line of the rejection\n550-5.1.1 second line\n"
                        b"550 5.1.1 last line\n")],
        final=X(b"DGiving up on 192.0.2.50.\n")),
]
# ---- what goes over the wire (faultsrv.py "ok" mode records it)
S += [
    Scn("wire-ehlo-me", "ok.fault.qrtest", ["a@fault.qrtest"], expect_rcpts=[r], final=K_FAULT_OK,
        checks=[wire(lambda raw, ch: raw.lower().startswith(b"ehlo client.qrtest\r\n"),
                     "first command is EHLO client.qrtest")]),
    Scn("wire-crlf-only", "ok.fault.qrtest", ["a@fault.qrtest"], expect_rcpts=[r], final=K_FAULT_OK,
        message=lambda t: msg(t, "bare CR\rinside\ncrlf line\r\nend CR\r\n\r\nlast\n"),
        checks=[wire(lambda raw, ch: re.search(rb"\r(?!\n)|(?<!\r)\n", raw) is None,
                     "every CR is followed by LF and every LF preceded by CR")]),
    Scn("wire-dot-stuffing", "ok.fault.qrtest", ["a@fault.qrtest"], expect_rcpts=[r], final=K_FAULT_OK,
        message=lambda t: msg(t, ".\n.x\n..y\nz\n"),
        checks=[wire(lambda raw, ch: (data_section(raw) or b"").endswith(
            b"\r\n\r\n..\r\n..x\r\n...y\r\nz\r\n"), "DATA ends with the stuffed lines")]),
    Scn("wire-dot-stuffing-first-line", "ok.fault.qrtest", ["a@fault.qrtest"], expect_rcpts=[r],
        final=K_FAULT_OK, message=lambda t: (".first line starts with a dot %s\n\nbody\n" % t).encode(),
        checks=[wire(lambda raw, ch: (data_section(raw) or b"").startswith(b"..first line"),
                     "the first line of DATA is dot-stuffed")]),
    Scn("wire-size-from-file", "ok.fault.qrtest", ["a@fault.qrtest"], expect_rcpts=[r], final=K_FAULT_OK,
        checks=[wire(lambda raw, ch: re.search(rb"(?i) SIZE=\d+", mail_line(raw)) is not None,
                     "MAIL FROM carries SIZE=")]),
    Scn("wire-no-size-from-pipe", "ok.fault.qrtest", ["a@fault.qrtest"], stdin="pipe", expect_rcpts=[r],
        final=K_FAULT_OK,
        checks=[wire(lambda raw, ch: b"SIZE=" not in mail_line(raw).upper(),
                     "MAIL FROM has no SIZE= (stdin is a pipe)")]),
    Scn("wire-8bitmime", "ok.fault.qrtest", ["a@fault.qrtest"], expect_rcpts=[r], final=K_FAULT_OK,
        message=lambda t: msg(t, "caf\u00e9\n"),
        checks=[wire(lambda raw, ch: b"BODY=8BITMIME" in mail_line(raw).upper(),
                     "MAIL FROM carries BODY=8BITMIME")]),
    Scn("wire-no-smtputf8-for-ascii", "ok.fault.qrtest", ["a@fault.qrtest"], expect_rcpts=[r],
        final=K_FAULT_OK,
        checks=[wire(lambda raw, ch: b"SMTPUTF8" not in mail_line(raw).upper(),
                     "MAIL FROM has no SMTPUTF8 for an ASCII message")]),
    Scn("wire-smtputf8", "ok.fault.qrtest", ["j\u00fcrgen@fault.qrtest"], expect_rcpts=[r],
        final=K_FAULT_OK,
        checks=[wire(lambda raw, ch: b"SMTPUTF8" in mail_line(raw).upper(),
                     "MAIL FROM carries SMTPUTF8")]),
    Scn("wire-pipelining", "ok.fault.qrtest", ["a@fault.qrtest", "b@fault.qrtest", "c@fault.qrtest"],
        expect_rcpts=[r, r, r], final=K_FAULT_OK,
        checks=[wire(lambda raw, ch: pipelined(raw, ch),
                     "MAIL, the RCPTs and DATA arrived in one read")]),
    Scn("wire-quit", "ok.fault.qrtest", ["a@fault.qrtest"], expect_rcpts=[r], final=K_FAULT_OK,
        checks=[wire(lambda raw, ch: raw.upper().endswith(b"\r\n.\r\nQUIT\r\n"),
                     "QUIT follows the message")]),
]
# ---- smtproutes
S += [
    Scn("route-bare-ip", "route.qrtest", ["a@route.qrtest"], control=route(["route.qrtest:192.0.2.25"]),
        expect_rcpts=[r], final=K_pf(IP25), checks=[delivered("pf-plain"), via_port_2525(False)]),
    Scn("route-bracket-ip", "route.qrtest", ["a@route.qrtest"],
        control=route(["route.qrtest:[192.0.2.25]"]), expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain")]),
    Scn("route-name", "route.qrtest", ["a@route.qrtest"], control=route(["route.qrtest:mx-plain4.qrtest"]),
        expect_rcpts=[r], final=K_pf(IP25), checks=[delivered("pf-plain")]),
    Scn("route-classic-port", "route.qrtest", ["a@route.qrtest"],
        control=route(["route.qrtest:192.0.2.25:2525"]), expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"), via_port_2525()]),
    Scn("route-semicolon-port", "route.qrtest", ["a@route.qrtest"],
        control=route(["route.qrtest:192.0.2.25;2525"]), expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"), via_port_2525()]),
    Scn("route-v6-semicolon-port", "route.qrtest", ["a@route.qrtest"],
        control=route(["route.qrtest:2001:db8::25;2525"]), expect_rcpts=[r], final=K_pf(rb"2001:db8::25"),
        checks=[delivered("pf-plain"), via_port_2525()]),
    Scn("route-v6-bracket-port", "route.qrtest", ["a@route.qrtest"],
        control=route(["route.qrtest:[2001:db8::25]:2525"]), expect_rcpts=[r],
        final=K_pf(rb"2001:db8::25"), checks=[delivered("pf-plain"), via_port_2525()]),
    Scn("route-suffix", "a.sub.qrtest", ["a@a.sub.qrtest"], control=route([".sub.qrtest:[192.0.2.25]"]),
        expect_rcpts=[r], final=K_pf(IP25), checks=[delivered("pf-plain")]),
    Scn("route-default", "nxdomain.qrtest", ["a@nxdomain.qrtest"], control=route([":192.0.2.25"]),
        expect_rcpts=[r], final=K_pf(IP25), checks=[delivered("pf-plain")]),
    Scn("route-exact-beats-suffix", "exact.qrtest", ["a@exact.qrtest"],
        control=route([".qrtest:192.0.2.26", "exact.qrtest:192.0.2.25"]), expect_rcpts=[r],
        final=K_pf(IP25)),
    Scn("route-suffix-beats-default", "other.qrtest", ["a@other.qrtest"],
        control=route([":192.0.2.25", ".qrtest:192.0.2.26", "exact.qrtest:192.0.2.25"]), expect_rcpts=[r],
        final=K_pf(rb"192\.0\.2\.26")),
    Scn("route-empty-relay-means-dns", "plain4.qrtest", ["a@plain4.qrtest"],
        control=route(["plain4.qrtest:", ":192.0.2.26"]), expect_rcpts=[r], final=K_pf(IP25)),
    Scn("route-bounce", "plain4.qrtest", ["a@plain4.qrtest"], sender="",
        control=route(["!@:192.0.2.25;2525"]), expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"), via_port_2525()]),
    Scn("route-bounce-not-for-senders", "plain4.qrtest", ["a@plain4.qrtest"],
        control=route(["!@:192.0.2.25;2525"]), expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"), via_port_2525(False)]),
    Scn("route-malformed-line", "route.qrtest", ["a@route.qrtest"],
        control=route(["route.qrtest:192.0.2.25:notaport"]), final=R(rb"Z[^\0]*smtproutes[^\0]*")),
]
# ---- control files and message problems
S += [
    Scn("control-me-missing", "plain4.qrtest", ["a@plain4.qrtest"], control={"me": None},
        final=R(rb"Z[^\0]*"), checks=[not_delivered("pf-plain")]),
    Scn("control-unreadable", "plain4.qrtest", ["a@plain4.qrtest"], control={"smtproutes": DIRECTORY},
        final=R(rb"Z[^\0]*smtproutes[^\0]*"), checks=[not_delivered("pf-plain")]),
    Scn("control-bad-timeout", "plain4.qrtest", ["a@plain4.qrtest"], control={"timeoutremote": "soon\n"},
        final=R(rb"Z[^\0]*timeoutremote[^\0]*"), checks=[not_delivered("pf-plain")]),
    Scn("partial-final-line", "plain4.qrtest", ["a@plain4.qrtest"], message=msg_partial, final=D562,
        checks=[not_delivered("pf-plain")]),
    Scn("partial-final-line-pipe", "plain4.qrtest", ["a@plain4.qrtest"], message=msg_partial,
        stdin="pipe", final=D562, checks=[not_delivered("pf-plain")]),
]


def pipelined(raw, chunks):
    """True when the bytes from MAIL FROM to DATA arrived in one recv()."""
    i = raw.upper().find(b"MAIL FROM")
    j = raw.upper().find(b"\r\nDATA\r\n")
    if i < 0 or j < 0 or not chunks:
        return False
    pos = 0
    for n in chunks:
        if pos <= i < pos + n:
            return j + 8 <= pos + n
        pos += n
    return False


# ---- scenarios that need more than one run
def eq_random():
    """equal-preference MX: both are used over 16 runs (chance of a false
    failure with a fair random choice: 2^-15)."""
    seen, errs = set(), []
    for i in range(16):
        s = Scn("mx-equal-random", "eq.qrtest", ["eq%d@eq.qrtest" % i], expect_rcpts=[r],
                final=K_pf(rb"192\.0\.2\.2[56]"))
        c = run_client(s, bedlib.token(s.name))
        e = judge(s, c)
        if e:
            return e
        seen.add(c.final[1:11])
        if len(seen) == 2:
            return []
    errs.append("16 runs all went to %r: equal-preference MX not randomised" % seen)
    return errs


SPECIAL = [("mx-equal-random", eq_random)]

# ---- transcript checks shared by the feature suites
def trace_has(*patterns):
    """the transcript (stderr) has lines matching the patterns, after the
    time stamp, in this order"""
    def chk(c):
        text = c.stderr.decode("utf-8", "replace")
        pos = 0
        for p in patterns:
            m = re.compile(r"(?m)^\+\d+\.\d{3} " + p + r"$").search(text, pos)
            if not m:
                return "transcript: no line %r after offset %d\n      transcript:\n        %s" % (
                    p, pos, text[-3000:].replace("\n", "\n        "))
            pos = m.end()
        return None
    return chk


def trace_lacks(pattern):
    """no transcript line matches the pattern (after the time stamp)"""
    def chk(c):
        m = re.search(r"(?m)^\+\d+\.\d{3} " + pattern, c.stderr.decode("utf-8", "replace"))
        return "transcript has %r but should not" % m.group(0) if m else None
    return chk


# ---- feature suites: every scenarios_*.py beside this file adds to S and
# SPECIAL, in name order, with this module's helpers in scope (one file per
# capability, so they can grow independently).
import glob  # noqa: E402
for _suite in sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "scenarios_*.py"))):
    exec(compile(open(_suite).read(), _suite, "exec"), globals())


# ---------------------------------------------------------------- main
def show(c):
    lines = ["      argv: %r" % [a for a in c.cmd[1:]],
             "      reports: %r" % c.reports, "      elapsed %.1f s, exit %r" % (c.elapsed, c.rc)]
    if c.stderr:
        tail = c.stderr.decode("utf-8", "replace")[-1500:]
        lines.append("      stderr (tail):\n        " + tail.replace("\n", "\n        "))
    return "\n".join(lines)


def main(argv):
    ks, xs, listing = [], [], False
    i = 0
    while i < len(argv):
        if argv[i] == "-k":
            ks.append(argv[i + 1]); i += 2
        elif argv[i] == "-x":
            xs.append(argv[i + 1]); i += 2
        elif argv[i] == "--list":
            listing = True; i += 1
        else:
            print("usage: scenarios.py [-k SUBSTRING]... [-x SUBSTRING]... [--list]", file=sys.stderr)
            return 2
    sel = lambda n: (not ks or any(k in n for k in ks)) and not any(x in n for x in xs)  # noqa: E731
    if listing:
        for s in S:
            if sel(s.name):
                print(s.name)
        for n, _ in SPECIAL:
            if sel(n):
                print(n)
        return 0
    if not (os.path.isfile(QR) and os.access(QR, os.X_OK)):
        print("FAIL: qmail-remote binary not found or not executable: %s\n"
              "      build it first (make), or point QR= at it" % QR)
        print("0 passed, 1 failed")
        return 1
    if not os.path.exists(os.path.join(BED, "up")):
        print("FAIL: the test bed is not up (run tests/integ/bed-up; BED=%s)" % BED)
        print("0 passed, 1 failed")
        return 1
    passed = failed = 0
    t_all = time.monotonic()
    for s in S:
        if not sel(s.name):
            continue
        c = run_client(s, bedlib.token(s.name))
        errs = judge(s, c)
        if errs:
            failed += 1
            print("FAIL %s (%.1f s)\n    %s\n%s" % (s.name, c.elapsed, "\n    ".join(errs), show(c)),
                  flush=True)
        else:
            passed += 1
            print("ok   %s (%.1f s)" % (s.name, c.elapsed), flush=True)
    for name, fn in SPECIAL:
        if not sel(name):
            continue
        t = time.monotonic()
        errs = fn()
        if errs:
            failed += 1
            print("FAIL %s\n    %s" % (name, "\n    ".join(errs)), flush=True)
        else:
            passed += 1
            print("ok   %s (%.1f s)" % (name, time.monotonic() - t), flush=True)
    print("(scenarios took %.0f s)" % (time.monotonic() - t_all))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
