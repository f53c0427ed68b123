# scenarios_tlsrpt.py -- TLS-RPT (RFC 8460) scenarios (exec'd by scenarios.py,
# its helpers in scope).  The part is bed.d/95-tlsrpt.sh/.zone; the test
# collector tlsrpt/collector.py judges each datagram by tlsrpt-collectd's
# rules and libtlsrpt's bytes and logs it in $BED/tlsrpt/collector.log.
# Every scenario checks what the same delivery checks without TLS-RPT (its
# reports, the message at the server), and then the datagrams that reached
# the collector while the client ran: how many, each accepted (ok), each
# decoded and compared field by field with the object the contract wants.
# Names defined here start with rpt_/RPT_ (all suites share one namespace).
exec(compile(open(os.path.join(bedlib.HERE, "tls", "scnlib.py")).read(),  # noqa: S102
             os.path.join(bedlib.HERE, "tls", "scnlib.py"), "exec"), globals())
import importlib.util  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402


def _rpt_load(name):
    path = os.path.join(bedlib.HERE, "tlsrpt", name + ".py")
    spec = importlib.util.spec_from_file_location("qr_tlsrpt_" + name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


rpt_collector = _rpt_load("collector")
rpt_hostile = _rpt_load("hostilesrv")

RPT_DIR = os.path.join(BED, "tlsrpt")
RPT_SOCK = os.path.join(RPT_DIR, "collector.sock")
RPT_LOG = os.path.join(RPT_DIR, "collector.log")
RPT_FULL = os.path.join(RPT_DIR, "full.sock")
RPT_STALE = os.path.join(RPT_DIR, "stale.sock")
RPT_MISSING = os.path.join(RPT_DIR, "missing.sock")
RPT_QLOG = os.path.join(RPT_DIR, "qlog.log")
RPT_DNS = "192.0.2.56"               # tlsrpt/qlog.py: unbound, every question logged
RPT_SRC4, RPT_SRC6 = "192.0.2.10", "2001:db8::10"
RPT_PF_TLS = "mx-tls.qrtest"          # pf-tls's EHLO name, on every address
RPT_CTL = {"tlsrpt": RPT_SOCK + "\n"}
RPT_POLICIES = os.path.join(bedlib.HERE, "mtasts", "policies")
# "h" is the whole first EHLO reply, its lines joined by CRLF, and a
# failure may carry OpenSSL's reason as "f", as Postfix (smtp_tlsrpt.c)
# sends them and man/qmail-remote.8 (TLS-RPT) documents;
# TLSRPT_BED_AS_POSTFIX=0 checks the bed's first contract instead ("h" the
# EHLO name alone, no "f").
RPT_AS_POSTFIX = os.environ.get("TLSRPT_BED_AS_POSTFIX", "1") == "1"

# the client's start and end time (time.time(), the collector's clock: the
# kernel's receive time of each datagram) on every Ctx: the datagrams of a
# run are those received between the two
if not getattr(run_client, "stamped", False):
    def _run_client_stamped(s, tok, _run=run_client):
        t0 = time.time()
        c = _run(s, tok)
        c.t0, c.t1 = t0, time.time()
        return c
    _run_client_stamped.stamped = True
    run_client = _run_client_stamped


# ---------------------------------------------------------------- what arrived
def rpt_log_lines():
    out = []
    try:
        with open(RPT_LOG) as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass          # a line being written
    except OSError:
        pass
    return out


def rpt_received(c, timeout=10.0):
    """the collector's log lines for the datagrams received while c's client
    ran; first a sync datagram of ours goes through the same socket, so once
    it is logged, everything the client sent before has been"""
    if getattr(c, "rpt", None) is not None:
        return c.rpt
    nonce = "%s-%d" % (c.tok, time.time_ns())
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        s.sendto(rpt_collector.SYNC + nonce.encode(), RPT_SOCK)
    except OSError as e:
        raise RuntimeError("collector socket %s: %s" % (RPT_SOCK, e))
    finally:
        s.close()
    deadline = time.monotonic() + timeout
    while True:
        lines = rpt_log_lines()
        if any(l.get("sync") == nonce for l in lines):
            break
        if time.monotonic() > deadline:
            raise RuntimeError("the collector did not log the sync datagram within %g s" % timeout)
        time.sleep(0.05)
    c.rpt = [l for l in lines if "ok" in l and c.t0 <= l["time"] <= c.t1]
    return c.rpt


class RptOpt:
    """a key that may be missing; when there, equal to v (None: any string)"""
    def __init__(self, v=None):
        self.v = v

    def __repr__(self):
        return "optional(%r)" % (self.v,) if self.v is not None else "optional(any string)"


class RptEhlo:
    """"h": the contract's form is the EHLO name (the first word of the
    reply's first line); with TLSRPT_BED_AS_POSTFIX=1, Postfix's form: the
    whole first EHLO reply, its lines (codes and all) joined by CRLF"""
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return ("the EHLO reply of %r" if RPT_AS_POSTFIX else "%r") % self.name


class RptOneOf:
    def __init__(self, *vs):
        self.vs = vs

    def __repr__(self):
        return "one of %r" % (self.vs,)


def rpt_match(want, got, path):
    """[] if got is what want describes, else every difference"""
    if isinstance(want, RptOneOf):
        if any(not rpt_match(w, got, path) for w in want.vs):
            return []
        return ["%s: %r is not %r" % (path, got, want)]
    if isinstance(want, RptEhlo):
        if not RPT_AS_POSTFIX:
            return rpt_match(want.name, got, path)
        lines = got.split("\r\n") if isinstance(got, str) else [""]
        if re.match(r"250[- ]%s( |$)" % re.escape(want.name), lines[0]) and \
                all(re.match(r"250[- ]", l) for l in lines):
            return []
        return ["%s: %r is not %r" % (path, got, want)]
    if isinstance(want, RptOpt):
        return [] if want.v is None and isinstance(got, str) else rpt_match(want.v, got, path)
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return ["%s: %r, want an object" % (path, got)]
        errs = []
        for k, w in want.items():
            if k in got:
                errs += rpt_match(w, got[k], "%s.%s" % (path, k))
            elif not isinstance(w, RptOpt):
                errs.append("%s: no %r (want %r)" % (path, k, w))
        errs += ["%s: %r not wanted (%r)" % (path, k, got[k]) for k in got if k not in want]
        return errs
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return ["%s: %r, want %r" % (path, got, want)]
        return [e for i, (w, g) in enumerate(zip(want, got)) for e in rpt_match(w, g, "%s[%d]" % (path, i))]
    return [] if (want == got and type(want) is type(got)) else ["%s: %r, want %r" % (path, got, want)]


def rpt_show(lines):
    return "\n".join("        %s %s" % ("ok " if l["ok"] else "BAD", l["raw"][:1500] +
                                        ("" if l["ok"] else "\n          why: " + l["why"])) for l in lines)


def rpt_got(*want):
    """exactly these datagrams reached the collector while the client ran,
    in this order, each accepted (ok) and equal to its object; an element
    of want may be a function returning it (evaluated once the bed is up);
    none at all for rpt_got()"""
    def chk(c):
        try:
            got = rpt_received(c)
        except RuntimeError as e:
            return str(e)
        ws = [w() if callable(w) else w for w in want]
        if len(got) != len(ws):
            return "collector: %d datagram(s) during the run, want %d%s" % (
                len(got), len(ws), (":\n" + rpt_show(got)) if got else "")
        errs = []
        for i, (g, w) in enumerate(zip(got, ws)):
            if not g["ok"]:
                errs.append("collector refused datagram %d: %s\n%s" % (i + 1, g["why"], rpt_show([g])))
                continue
            e = rpt_match(w, g["parsed"], "datagram %d" % (i + 1))
            if e:
                errs.append("%s\n%s" % ("\n    ".join(e), rpt_show([g])))
        return "\n    ".join(errs) or None
    return chk


# ---------------------------------------------------------------- what should arrive
def rpt_pr(dom):
    return "v=TLSRPTv1; rua=mailto:tlsrpt@%s" % dom


def rpt_dg(dom, policy, pr=None):
    return {"dpv": "1", "d": dom, "pr": rpt_pr(dom) if pr is None else pr, "policies": [policy]}


def rpt_fd(code, mx, ip, helo=RPT_PF_TLS, src=RPT_SRC4):
    """a failure-detail: c, s, n, h, r, "a" if the client likes, no "f"
    (but for TLSRPT_BED_AS_POSTFIX=1)"""
    fd = {"c": code, "s": src, "n": mx, "h": RptEhlo(helo), "r": ip, "a": RptOpt()}
    if RPT_AS_POSTFIX:
        fd["f"] = RptOpt()
    return fd


def _rpt_policy(ptype, pdom, extra, fail):
    p = {"policy-type": ptype, "policy-domain": pdom}
    p.update(extra)
    if fail is not None:
        p.update({"failure-details": [fail], "t": 1, "f": 1})
    else:
        p.update({"t": 0, "f": 0})
    return p


def rpt_tlsa(base, rrs, fail=None):
    return _rpt_policy(1, base, {"policy-string": rrs}, fail)


def rpt_sts(dom, fail=None, lines=None, mx=None):
    """an sts policy of dom: its lines and mx patterns as mtasts/policies
    serves them (unless given)"""
    if lines is None:
        lines = rpt_sts_lines(dom)
    if mx is None:
        mx = [l.split(":", 1)[1].strip() for l in (lines.vs[0] if isinstance(lines, RptOneOf) else lines)
              if l.startswith("mx:")]
    return _rpt_policy(2, dom, {"policy-string": lines, "mx-host": mx}, fail)


def rpt_nopolicy(dom, fail=None):
    return _rpt_policy(9, dom, {}, fail)


def rpt_sts_lines(dom):
    """the lines of dom's policy (dom without .qrtest in mtasts/policies)"""
    with open(RPT_POLICIES) as f:
        for line in f:
            w = line.split(None, 2)
            if len(w) == 3 and w[0] + ".qrtest" == dom:
                return w[2].rstrip("\n").split("|")
    raise KeyError("%s: not in %s" % (dom, RPT_POLICIES))


_rpt_rr_cache = {}


def rpt_rr(usage, sel, mtype, cert):
    """one TLSA record as the policy-string has it: "u s m HEX" (upper case)"""
    k = (usage, sel, mtype, cert)
    if k not in _rpt_rr_cache:
        p = subprocess.run([os.path.join(bedlib.HERE, "tls", "pki"), "tlsa", str(sel), str(mtype),
                            os.path.join(TLSD, cert + ".crt")], stdout=subprocess.PIPE, check=True)
        _rpt_rr_cache[k] = "%d %d %d %s" % (usage, sel, mtype, p.stdout.decode().strip().upper())
    return _rpt_rr_cache[k]


# ---------------------------------------------------------------- DNS questions (tlsrpt/qlog.py)
def rpt_questions(c):
    """[(time, "q"|"r", type, name)] qlog logged while the client ran"""
    out = []
    try:
        with open(RPT_QLOG) as f:
            for line in f:
                w = line.split()
                if len(w) == 5 and w[1] in ("q", "r"):
                    t = float(w[0])
                    if c.t0 <= t <= c.t1:
                        out.append((t, w[1], w[3], w[4].rstrip(".").lower()))
    except OSError:
        pass
    return out


def rpt_asked_with_mx(dom):
    """TXT _smtp._tls.<dom> was asked, once, before the MX answer for dom
    went out (qlog holds each answer back 0.3 s): in the MX query's batch"""
    def chk(c):
        qs = rpt_questions(c)
        txt = [t for t, k, ty, n in qs if k == "q" and ty == "TXT" and n == "_smtp._tls." + dom]
        mx_r = [t for t, k, ty, n in qs if k == "r" and ty == "MX" and n == dom]
        if len(txt) != 1:
            return "qlog: TXT _smtp._tls.%s asked %d times, want once\n      questions: %r" % (dom, len(txt), qs)
        if not mx_r or txt[0] >= mx_r[0]:
            return "qlog: TXT _smtp._tls.%s asked after the MX answer went out (not in its batch)\n" \
                   "      questions: %r" % (dom, qs)
        return None
    return chk


def rpt_not_asked(what=r"_smtp\._tls\.", some=True):
    """no question matching what; with some, other questions (so the
    scenario did use qlog)"""
    def chk(c):
        qs = rpt_questions(c)
        if not qs and some:
            return "qlog logged no question during the run (is the scenario's dnscache %s?)" % RPT_DNS
        bad = [q for q in qs if re.match(what, q[3])]
        return "qlog: asked %r" % bad if bad else None
    return chk


# ---------------------------------------------------------------- the other sockets
def rpt_still_full(c):
    """full.sock's queue is still full (nobody reads it: it was full all along)"""
    try:
        n = rpt_collector.fill(RPT_FULL)
    except OSError as e:
        return "full.sock: %s" % e
    return None if n == 0 else "full.sock took %d datagram(s) after the run: it was not full" % n


RPT_QUICK = time_between(hi=3)
RPT_K60 = K_tls(IP60)
RPT_K60_DANE = K_tls(IP60, dane=True)
RPT_K61 = K_tls(rb"192\.0\.2\.61")
RPT_K65 = K_pf(rb"192\.0\.2\.65")
RPT_NOMATCH = "no matching DANE TLSA records"


def rpt_sender(addr):
    return {"tlsrptsender": addr + "\n"}


# ---------------------------------------------------------------- DANE
S += [
    Scn("tlsrpt-dane-validated", "dane-ee.qrtest", ["a@dane-ee.qrtest"], control=RPT_CTL, expect_rcpts=[r],
        final=RPT_K60_DANE,
        checks=[rpt_got(lambda: rpt_dg("dane-ee.qrtest", rpt_tlsa("mx-dane-ee.qrtest", [rpt_rr(3, 1, 1, "mx-tls")]))),
                delivered("pf-tls")]),
    Scn("tlsrpt-dane-ta-validated", "dane-ta.qrtest", ["a@dane-ta.qrtest"], control=RPT_CTL, expect_rcpts=[r],
        final=K_tls(rb"192\.0\.2\.69", dane=True),
        checks=[rpt_got(lambda: rpt_dg("dane-ta.qrtest", rpt_tlsa("mx-dane-ta.qrtest", [rpt_rr(2, 0, 1, "ca")]))),
                delivered("pf-tls")]),
    Scn("tlsrpt-dane-no-match-304", "dane-bad.qrtest", ["a@dane-bad.qrtest"], control=RPT_CTL,
        final=z_tlsa("mx-dane-bad.qrtest", "dane-bad.qrtest", RPT_NOMATCH),
        checks=[rpt_got(lambda: rpt_dg("dane-bad.qrtest", rpt_tlsa(
            "mx-dane-bad.qrtest", [rpt_rr(3, 1, 1, "wrongname")],
            rpt_fd(304, "mx-dane-bad.qrtest", "192.0.2.60")))), nd("pf-tls")]),
    # the TLSA base domain is the CNAME chain's end: the policy domain; the
    # failure names the MX host as the MX record has it
    Scn("tlsrpt-dane-cname-target-validated", "dane-cn-ok.qrtest", ["a@dane-cn-ok.qrtest"], control=RPT_CTL,
        expect_rcpts=[r], final=RPT_K60_DANE,
        checks=[rpt_got(lambda: rpt_dg("dane-cn-ok.qrtest", rpt_tlsa("mx-dane-cn-ok-t.qrtest",
                                                                     [rpt_rr(3, 1, 1, "mx-tls")]))),
                delivered("pf-tls")]),
    Scn("tlsrpt-dane-cname-target-no-match", "dane-cn-bad.qrtest", ["a@dane-cn-bad.qrtest"], control=RPT_CTL,
        final=z_tlsa("mx-dane-cn-bad.qrtest", "dane-cn-bad.qrtest", RPT_NOMATCH),
        checks=[rpt_got(lambda: rpt_dg("dane-cn-bad.qrtest", rpt_tlsa(
            "mx-dane-cn-bad-t.qrtest", [rpt_rr(3, 1, 1, "wrongname")],
            rpt_fd(304, "mx-dane-cn-bad.qrtest", "192.0.2.60")))), nd("pf-tls")]),
    Scn("tlsrpt-dane-no-starttls-201", "dane-notls.qrtest", ["a@dane-notls.qrtest"], control=RPT_CTL,
        final=z_nostarttls("mx-dane-notls.qrtest", "dane-notls.qrtest"),
        checks=[rpt_got(lambda: rpt_dg("dane-notls.qrtest", rpt_tlsa(
            "mx-dane-notls.qrtest", [rpt_rr(3, 1, 1, "mx-tls")],
            rpt_fd(201, "mx-dane-notls.qrtest", "192.0.2.65")))), nd("pf-tls")]),
    # the TLSA lookup fails (bogus: SERVFAIL): dnssec-invalid. No TLSA records
    # to name: the contract leaves the policy type open (tlsa or
    # no-policy-found), and whether the client connected at all
    Scn("tlsrpt-dane-bogus-tlsa-305", "dane-bogus.qrtest", ["a@dane-bogus.qrtest"], control=RPT_CTL,
        final=z_tlsa_lookup("mx-dane-bogus.qrtest", "dane-bogus.qrtest"),
        checks=[rpt_got({"dpv": "1", "d": "dane-bogus.qrtest", "pr": rpt_pr("dane-bogus.qrtest"),
                         "policies": [{"policy-type": RptOneOf(1, 9),
                                       "policy-domain": RptOneOf("mx-dane-bogus.qrtest", "dane-bogus.qrtest"),
                                       "failure-details": [{"c": 305, "s": RptOpt(RPT_SRC4),
                                                            "n": "mx-dane-bogus.qrtest", "h": RptOpt(RptEhlo(RPT_PF_TLS)),
                                                            "r": RptOpt("192.0.2.60"), "a": RptOpt()}],
                                       "t": 1, "f": 1}]}), nd("pf-tls")]),
]

# ---------------------------------------------------------------- MTA-STS
S += [
    Scn("tlsrpt-sts-enforce-delivered", "sts-enforce.qrtest", ["a@sts-enforce.qrtest"],
        control=ctl(STS_CTL, RPT_CTL), expect_rcpts=[r], final=K_sts(IP60),
        checks=[rpt_got(lambda: rpt_dg("sts-enforce.qrtest", rpt_sts("sts-enforce.qrtest"))), delivered("pf-tls")]),
    # UTF-8 in the policy (an extension field) goes as it is: raw bytes, valid UTF-8
    Scn("tlsrpt-sts-enforce-utf8-policy-line", "sts-utf8.qrtest", ["a@sts-utf8.qrtest"],
        control=ctl(STS_CTL, RPT_CTL), expect_rcpts=[r], final=K_sts(IP60),
        checks=[rpt_got(lambda: rpt_dg("sts-utf8.qrtest", rpt_sts("sts-utf8.qrtest"))), delivered("pf-tls")]),
    # 7200 more mx lines (LF line ends), about 140 KB of datagram
    Scn("tlsrpt-sts-enforce-64k-policy", "sts-many.qrtest", ["a@sts-many.qrtest"],
        control=ctl(STS_CTL, RPT_CTL), expect_rcpts=[r], final=K_sts(IP60),
        checks=[rpt_got(lambda: rpt_dg("sts-many.qrtest", rpt_sts(
            "sts-many.qrtest", lines=rpt_sts_lines("sts-many.qrtest") + ["mx:h%04x" % i for i in range(7200)]))),
            delivered("pf-tls")]),
    # the lines as served: a blank and a tab at the end of a line are the policy's
    Scn("tlsrpt-sts-enforce-lines-trailing-blanks", "rpt-sts-blanks.qrtest", ["a@rpt-sts-blanks.qrtest"],
        control=ctl(STS_CTL, RPT_CTL), expect_rcpts=[r], final=K_sts(IP60),
        checks=[rpt_got(lambda: rpt_dg("rpt-sts-blanks.qrtest", rpt_sts(
            "rpt-sts-blanks.qrtest", mx=["mx-tls.qrtest"]))), delivered("pf-tls")]),
    Scn("tlsrpt-sts-enforce-wrong-name-202", "sts-wrongname.qrtest", ["a@sts-wrongname.qrtest"],
        control=ctl(STS_CTL, RPT_CTL), final=z_subject("mx-wrongname.qrtest", "sts-wrongname.qrtest"),
        checks=[rpt_got(lambda: rpt_dg("sts-wrongname.qrtest", rpt_sts(
            "sts-wrongname.qrtest", rpt_fd(202, "mx-wrongname.qrtest", "192.0.2.61")))), nd("pf-tls")]),
    Scn("tlsrpt-sts-enforce-expired-204", "rpt-sts-expired.qrtest", ["a@rpt-sts-expired.qrtest"],
        control=ctl(STS_CTL, RPT_CTL), final=z_chain("mx-expired.qrtest", "rpt-sts-expired.qrtest", rb"[^\n]+"),
        checks=[rpt_got(lambda: rpt_dg("rpt-sts-expired.qrtest", rpt_sts(
            "rpt-sts-expired.qrtest", rpt_fd(204, "mx-expired.qrtest", "192.0.2.62")))), nd("pf-tls")]),
    Scn("tlsrpt-sts-enforce-self-signed-203", "rpt-sts-self.qrtest", ["a@rpt-sts-self.qrtest"],
        control=ctl(STS_CTL, RPT_CTL), final=z_chain("mx-selfsigned.qrtest", "rpt-sts-self.qrtest", rb"[^\n]+"),
        checks=[rpt_got(lambda: rpt_dg("rpt-sts-self.qrtest", rpt_sts(
            "rpt-sts-self.qrtest", rpt_fd(203, "mx-selfsigned.qrtest", "192.0.2.63")))), nd("pf-tls")]),
    Scn("tlsrpt-sts-enforce-no-starttls-201", "sts-notls.qrtest", ["a@sts-notls.qrtest"],
        control=ctl(STS_CTL, RPT_CTL), final=z_nostarttls("mx-notls.qrtest", "sts-notls.qrtest"),
        checks=[rpt_got(lambda: rpt_dg("sts-notls.qrtest", rpt_sts(
            "sts-notls.qrtest", rpt_fd(201, "mx-notls.qrtest", "192.0.2.65")))), nd("pf-tls")]),
    # an MX the enforce policy does not list is skipped without a
    # connection: validation-failure, no EHLO name (no EHLO); the source and
    # peer addresses as the client knows them
    Scn("tlsrpt-sts-enforce-not-listed-205", "sts-notlisted.qrtest", ["a@sts-notlisted.qrtest"],
        control=ctl(STS_CTL, RPT_CTL), final=sts_z_mx("sts-notlisted.qrtest", "mx-plain4.qrtest"),
        checks=[rpt_got(lambda: rpt_dg("sts-notlisted.qrtest", rpt_sts(
            "sts-notlisted.qrtest", {"c": 205, "s": RptOpt(RPT_SRC4), "n": "mx-plain4.qrtest",
                                     "r": RptOpt("192.0.2.25"), "a": RptOpt()}))), nd("pf-plain")]),
    # the listed MX fails TLS, the unlisted one after it is skipped: two datagrams
    Scn("tlsrpt-sts-enforce-listed-fails-unlisted-skipped", "sts-cause.qrtest", ["a@sts-cause.qrtest"],
        control=ctl(STS_CTL, RPT_CTL), final=z_subject("mx-wrongname.qrtest", "sts-cause.qrtest"),
        checks=[rpt_got(lambda: rpt_dg("sts-cause.qrtest", rpt_sts(
                            "sts-cause.qrtest", rpt_fd(202, "mx-wrongname.qrtest", "192.0.2.61"))),
                        lambda: rpt_dg("sts-cause.qrtest", rpt_sts(
                            "sts-cause.qrtest", {"c": 205, "s": RptOpt(RPT_SRC4), "n": "mx-plain4.qrtest",
                                                 "r": RptOpt("192.0.2.25"), "a": RptOpt()}))),
                nd("pf-tls"), nd("pf-plain")]),
    # testing: delivered, what enforce would have refused reported as a failure
    Scn("tlsrpt-sts-testing-wrong-name-202", "rpt-sts-testname.qrtest", ["a@rpt-sts-testname.qrtest"],
        control=ctl(STS_CTL, RPT_CTL), expect_rcpts=[r], final=RPT_K61,
        checks=[rpt_got(lambda: rpt_dg("rpt-sts-testname.qrtest", rpt_sts(
            "rpt-sts-testname.qrtest", rpt_fd(202, "mx-wrongname.qrtest", "192.0.2.61")))), delivered("pf-tls")]),
    Scn("tlsrpt-sts-testing-not-listed-205", "rpt-sts-testmx.qrtest", ["a@rpt-sts-testmx.qrtest"],
        control=ctl(STS_CTL, RPT_CTL), expect_rcpts=[r], final=RPT_K60,
        checks=[rpt_got(lambda: rpt_dg("rpt-sts-testmx.qrtest", rpt_sts(
            "rpt-sts-testmx.qrtest", rpt_fd(205, "mx-tls.qrtest", "192.0.2.60")))), delivered("pf-tls")]),
    Scn("tlsrpt-sts-testing-expired-204", "rpt-sts-testexp.qrtest", ["a@rpt-sts-testexp.qrtest"],
        control=ctl(STS_CTL, RPT_CTL), expect_rcpts=[r], final=K_tls(rb"192\.0\.2\.62"),
        checks=[rpt_got(lambda: rpt_dg("rpt-sts-testexp.qrtest", rpt_sts(
            "rpt-sts-testexp.qrtest", rpt_fd(204, "mx-expired.qrtest", "192.0.2.62")))), delivered("pf-tls")]),
    Scn("tlsrpt-sts-testing-self-signed-203", "rpt-sts-testself.qrtest", ["a@rpt-sts-testself.qrtest"],
        control=ctl(STS_CTL, RPT_CTL), expect_rcpts=[r], final=K_tls(rb"192\.0\.2\.63"),
        checks=[rpt_got(lambda: rpt_dg("rpt-sts-testself.qrtest", rpt_sts(
            "rpt-sts-testself.qrtest", rpt_fd(203, "mx-selfsigned.qrtest", "192.0.2.63")))), delivered("pf-tls")]),
    # both (not listed, and a certificate for another name): one failure for
    # the session; the contract does not say which
    Scn("tlsrpt-sts-testing-not-listed-and-wrong-name", "sts-testing.qrtest", ["a@sts-testing.qrtest"],
        control=ctl(STS_CTL, RPT_CTL), expect_rcpts=[r], final=RPT_K61,
        checks=[rpt_got(lambda: rpt_dg("sts-testing.qrtest", rpt_sts(
            "sts-testing.qrtest", dict(rpt_fd(202, "mx-wrongname.qrtest", "192.0.2.61"), c=RptOneOf(202, 205))))),
            delivered("pf-tls")]),
    # usable DANE records decide for the host, not the policy: tlsa
    Scn("tlsrpt-sts-dane-decides", "sts-dane.qrtest", ["a@sts-dane.qrtest"], control=ctl(STS_CTL, RPT_CTL),
        expect_rcpts=[r], final=K_tls(rb"192\.0\.2\.63", dane=True),
        checks=[rpt_got(lambda: rpt_dg("sts-dane.qrtest", rpt_tlsa("mx-dane-ee-self.qrtest",
                                                                  [rpt_rr(3, 1, 1, "selfsigned")]))),
                delivered("pf-tls")]),
]


def rpt_sts_missing(dom, code):
    """a policy announced (TXT id=) and not had: sts, no policy-string and
    no mx-host (there is no policy to quote), the session at mx-notls
    (no STARTTLS, delivered in plaintext as without a policy) counted
    against it with the reason the policy could not be had"""
    return Scn("tlsrpt-sts-%s-%d" % (dom.split(".")[0][4:], code), dom, ["a@" + dom],
               control=ctl(STS_CTL, RPT_CTL), expect_rcpts=[r], final=RPT_K65,
               checks=[rpt_got(rpt_dg(dom, _rpt_policy(2, dom, {}, rpt_fd(code, "mx-notls.qrtest", "192.0.2.65")))),
                       delivered("pf-tls"), received("pf-tls", tls=False)])


# the policy fetch (RFC 8460 4.3.2.2): HTTP 404 and a text/html policy are
# sts-policy-fetch-error, a policy host whose certificate does not name it
# sts-webpki-invalid, a policy that does not parse sts-policy-invalid
S += [rpt_sts_missing("sts-404.qrtest", 301), rpt_sts_missing("sts-html.qrtest", 301),
      rpt_sts_missing("sts-webpki.qrtest", 303), rpt_sts_missing("sts-malformed.qrtest", 302)]


def rpt_sts_cached():
    """The policy from the cache gives the same datagram as the fetched one
    (the cache keeps the lines as served): byte for byte, so tlsrpt-collectd
    counts both sessions in one row."""
    d = sts_dir("tlsrpt-cached")
    errs, raws = [], []
    for name, trace in (("tlsrpt-sts-fetched", r"mta-sts: fetching"),
                        ("tlsrpt-sts-cached", r"mta-sts: policy of sts-enforce\.qrtest cached")):
        e, c = sts_run(Scn(name, "sts-enforce.qrtest", ["a@sts-enforce.qrtest"], control=ctl(STS_CTL, RPT_CTL),
                           env=TRACE, stsdir=d, expect_rcpts=[r], final=K_sts(IP60),
                           checks=[rpt_got(lambda: rpt_dg("sts-enforce.qrtest", rpt_sts("sts-enforce.qrtest"))),
                                   sts_trace(trace), delivered("pf-tls")]))
        errs += e
        raws += [(l["raw"], l["row"]) for l in (getattr(c, "rpt", None) or [])]
    if not errs and (len(raws) != 2 or raws[0] != raws[1]):
        errs.append("the fetched and the cached policy's datagrams differ:\n      %r\n      %r" % tuple(raws[:2]))
    return errs


def rpt_sts_old_cache():
    """A cache file written before the cache kept the lines as served (no
    "served:" lines: what an upgrade finds), same id as the TXT record,
    fresh: fetched again once, so that the datagram's policy-string is the
    policy as served, not an empty list (tlsrpt-collectd would count the
    same policy in a row of its own)."""
    d = sts_dir("tlsrpt-oldcache")
    now = int(time.time())
    with open(os.path.join(d, "sts-enforce.qrtest"), "w") as f:
        f.write(sts_cache_text("sts-enforce.qrtest", "20260101T000000", now - 60, now + 86400, "enforce", 86400,
                               ["mx-tls.qrtest"]))
    return sts_run(Scn("tlsrpt-sts-cache-without-served-lines", "sts-enforce.qrtest", ["a@sts-enforce.qrtest"],
                       control=ctl(STS_CTL, RPT_CTL), env=TRACE, stsdir=d, expect_rcpts=[r], final=K_sts(IP60),
                       checks=[rpt_got(lambda: rpt_dg("sts-enforce.qrtest", rpt_sts(
                           "sts-enforce.qrtest", lines=rpt_sts_lines("sts-enforce.qrtest")))),
                               sts_trace(r"mta-sts: cached policy id 20260101T000000, TXT id 20260101T000000: "
                                         r"fetching it again: its lines as served were not kept",
                                         r"mta-sts: fetching https://mta-sts\.sts-enforce\.qrtest/"),
                               delivered("pf-tls")]))[0]


SPECIAL += [("tlsrpt-sts-cached-policy-same-datagram", rpt_sts_cached),
            ("tlsrpt-sts-cache-without-served-lines", rpt_sts_old_cache)]

# ---------------------------------------------------------------- no policy
S += [
    Scn("tlsrpt-nopolicy-tls-success", "tls.qrtest", ["a@tls.qrtest"], control=RPT_CTL, expect_rcpts=[r],
        final=RPT_K60, checks=[rpt_got(rpt_dg("tls.qrtest", rpt_nopolicy("tls.qrtest"))), delivered("pf-tls")]),
    # d and policy-domain: the host argument in lower case, without the dot
    Scn("tlsrpt-nopolicy-host-upper-trailing-dot", "TLS.QRtest.", ["a@tls.qrtest"], control=RPT_CTL,
        expect_rcpts=[r], final=RPT_K60,
        checks=[rpt_got(rpt_dg("tls.qrtest", rpt_nopolicy("tls.qrtest"))), delivered("pf-tls")]),
    Scn("tlsrpt-nopolicy-no-starttls-201", "notls.qrtest", ["a@notls.qrtest"], control=RPT_CTL, expect_rcpts=[r],
        final=RPT_K65,
        checks=[rpt_got(rpt_dg("notls.qrtest", rpt_nopolicy("notls.qrtest",
                                                            rpt_fd(201, "mx-notls.qrtest", "192.0.2.65")))),
                delivered("pf-tls"), received("pf-tls", tls=False)]),
    # IPv6: the addresses without brackets
    Scn("tlsrpt-nopolicy-no-starttls-ipv6", "v6mx.qrtest", ["a@v6mx.qrtest"], control=RPT_CTL, expect_rcpts=[r],
        final=K_pf(rb"2001:db8::25"),
        checks=[rpt_got(rpt_dg("v6mx.qrtest", rpt_nopolicy("v6mx.qrtest", rpt_fd(
            201, "mx-plain6.qrtest", "2001:db8::25", helo="mx-plain.qrtest", src=RPT_SRC6)))),
            delivered("pf-plain")]),
    Scn("tlsrpt-nopolicy-starttls-refused-201", "tlsrefuse.tlsfault.qrtest", ["a@tlsfault.qrtest"], control=RPT_CTL,
        expect_rcpts=[r], final=K_fell_back(K_fault(rb"192\.0\.2\.71", "tlsrefuse"), "192.0.2.71"),
        checks=[rpt_got(rpt_dg("tlsrefuse.tlsfault.qrtest", rpt_nopolicy("tlsrefuse.tlsfault.qrtest", rpt_fd(
            201, "tlsrefuse.tlsfault.qrtest", "192.0.2.71", helo="tlsfault.qrtest"))))]),
    # a failed handshake is a failure; the plaintext retry after it is no session to report
    Scn("tlsrpt-nopolicy-handshake-fails-205-retry-unreported", "tlsbadhs.tlsfault.qrtest", ["a@tlsfault.qrtest"],
        control=RPT_CTL, expect_rcpts=[r], final=K_fell_back(K_fault(rb"192\.0\.2\.74", "tlsbadhs"), "192.0.2.74"),
        checks=[rpt_got(rpt_dg("tlsbadhs.tlsfault.qrtest", rpt_nopolicy("tlsbadhs.tlsfault.qrtest", rpt_fd(
            205, "tlsbadhs.tlsfault.qrtest", "192.0.2.74", helo="tlsfault.qrtest"))))]),
    # TLS negotiated, then the server refused (421: no client certificate): a TLS success
    Scn("tlsrpt-nopolicy-tls-then-421-success", "ccert.qrtest", ["a@ccert.qrtest"], control=RPT_CTL,
        final=Z_CCERT_NONE, checks=[rpt_got(rpt_dg("ccert.qrtest", rpt_nopolicy("ccert.qrtest")))]),
    # two sessions (TLS made mandatory by a named line, no STARTTLS at either
    # MX): two datagrams, each with its own server's EHLO reply
    Scn("tlsrpt-two-sessions-own-ehlo", "rpt-ehlo2.qrtest", ["a@rpt-ehlo2.qrtest"],
        control=ctl(RPT_CTL, tlsdest("rpt-ehlo2.qrtest:")),
        final=z_nostarttls("mx-plain4.qrtest", "rpt-ehlo2.qrtest"),
        checks=[rpt_got(rpt_dg("rpt-ehlo2.qrtest", rpt_nopolicy("rpt-ehlo2.qrtest",
                                                                rpt_fd(201, "mx-notls.qrtest", "192.0.2.65"))),
                        rpt_dg("rpt-ehlo2.qrtest", rpt_nopolicy("rpt-ehlo2.qrtest", rpt_fd(
                            201, "mx-plain4.qrtest", "192.0.2.25", helo="mx-plain.qrtest")))),
                nd("pf-tls"), nd("pf-plain")]),
    # connections that end before EHLO (refused; a 554 greeting) are no sessions
    Scn("tlsrpt-refused-mx-unreported", "rpt-refusenext.qrtest", ["a@rpt-refusenext.qrtest"], control=RPT_CTL,
        expect_rcpts=[r], final=RPT_K60,
        checks=[rpt_got(rpt_dg("rpt-refusenext.qrtest", rpt_nopolicy("rpt-refusenext.qrtest"))),
                delivered("pf-tls")]),
    Scn("tlsrpt-greeting-554-unreported", "rpt-greetnext.qrtest", ["a@rpt-greetnext.qrtest"], control=RPT_CTL,
        expect_rcpts=[r], final=RPT_K60,
        checks=[rpt_got(rpt_dg("rpt-greetnext.qrtest", rpt_nopolicy("rpt-greetnext.qrtest"))),
                delivered("pf-tls")]),
]

# ---------------------------------------------------------------- discovery
S += [
    # the TXT question goes with the MX question (qlog holds each answer 0.3 s)
    Scn("tlsrpt-discovery-with-mx-query", "tls.qrtest", ["a@tls.qrtest"], control=RPT_CTL, dnscache=RPT_DNS,
        expect_rcpts=[r], final=RPT_K60,
        checks=[rpt_got(rpt_dg("tls.qrtest", rpt_nopolicy("tls.qrtest"))), rpt_asked_with_mx("tls.qrtest")]),
    Scn("tlsrpt-two-records-none-sent", "rpt-two.qrtest", ["a@rpt-two.qrtest"], control=RPT_CTL, dnscache=RPT_DNS,
        expect_rcpts=[r], final=RPT_K60,
        checks=[rpt_got(), rpt_asked_with_mx("rpt-two.qrtest"), delivered("pf-tls")]),
    Scn("tlsrpt-no-record-none-sent", "rpt-none.qrtest", ["a@rpt-none.qrtest"], control=RPT_CTL, dnscache=RPT_DNS,
        expect_rcpts=[r], final=RPT_K60,
        checks=[rpt_got(), rpt_asked_with_mx("rpt-none.qrtest"), delivered("pf-tls")]),
    Scn("tlsrpt-record-without-rua-none-sent", "rpt-norua.qrtest", ["a@rpt-norua.qrtest"], control=RPT_CTL,
        expect_rcpts=[r], final=RPT_K60, checks=[rpt_got(), delivered("pf-tls")]),
    Scn("tlsrpt-record-v10-none-sent", "rpt-v10.qrtest", ["a@rpt-v10.qrtest"], control=RPT_CTL,
        expect_rcpts=[r], final=RPT_K60, checks=[rpt_got(), delivered("pf-tls")]),
    # another TXT record beside it does not count; "pr" as published (no blank after ';')
    Scn("tlsrpt-record-beside-other-txt", "rpt-other.qrtest", ["a@rpt-other.qrtest"], control=RPT_CTL,
        expect_rcpts=[r], final=RPT_K60,
        checks=[rpt_got(rpt_dg("rpt-other.qrtest", rpt_nopolicy("rpt-other.qrtest"),
                               pr="v=TLSRPTv1;rua=mailto:tlsrpt@rpt-other.qrtest,https://tlsrpt.rpt-other.qrtest/v1"))]),
    # two character-strings, joined as they are; blanks and a tab before the ';'
    Scn("tlsrpt-record-two-strings-blanks", "rpt-split.qrtest", ["a@rpt-split.qrtest"], control=RPT_CTL,
        expect_rcpts=[r], final=RPT_K60,
        checks=[rpt_got(rpt_dg("rpt-split.qrtest", rpt_nopolicy("rpt-split.qrtest"),
                               pr="v=TLSRPTv1 \t ;rua=mailto:tlsrpt@rpt-split.qrtest"))]),
    # quotes, a backslash, a control byte and a byte that is not UTF-8 (0xE9) in the record
    Scn("tlsrpt-record-hostile-bytes", "rpt-escape.qrtest", ["a@rpt-escape.qrtest"], control=RPT_CTL,
        expect_rcpts=[r], final=RPT_K60,
        checks=[rpt_got(rpt_dg("rpt-escape.qrtest", rpt_nopolicy("rpt-escape.qrtest"),
                               pr='v=TLSRPTv1; rua=mailto:tlsrpt@rpt-escape.qrtest; x="q\\b\x01?/"'))]),
]

# ---------------------------------------------------------------- nothing to report
S += [
    Scn("tlsrpt-no-control-file-no-query", "dane-ee.qrtest", ["a@dane-ee.qrtest"], dnscache=RPT_DNS,
        expect_rcpts=[r], final=RPT_K60_DANE, checks=[rpt_got(), rpt_not_asked(), delivered("pf-tls")]),
    Scn("tlsrpt-address-literal-no-query", "[192.0.2.60]", ["a@tls.qrtest"], control=RPT_CTL, dnscache=RPT_DNS,
        expect_rcpts=[r], final=RPT_K60, checks=[rpt_got(), rpt_not_asked(some=False), delivered("pf-tls")]),
    Scn("tlsrpt-route-to-relay-no-query", "tls.qrtest", ["a@tls.qrtest"],
        control=ctl(RPT_CTL, route(["tls.qrtest:mx-tls.qrtest"])), dnscache=RPT_DNS, expect_rcpts=[r],
        final=RPT_K60, checks=[rpt_got(), rpt_not_asked(), delivered("pf-tls")]),
    Scn("tlsrpt-bang-line-no-tls", "tls.qrtest", ["a@tls.qrtest"], control=ctl(RPT_CTL, tlsdest("!tls.qrtest:")),
        expect_rcpts=[r], final=K_pf(IP60), checks=[rpt_got(), received("pf-tls", tls=False)]),
    Scn("tlsrpt-notlshosts-no-tls", "tls.qrtest", ["a@tls.qrtest"],
        control=ctl(RPT_CTL, {"notlshosts/mx-tls.qrtest": ""}), expect_rcpts=[r], final=K_pf(IP60),
        checks=[rpt_got(), received("pf-tls", tls=False)]),
    Scn("tlsrpt-qmtp-unreported", "mxps.qrtest", ["a@mxps.qrtest"], control=RPT_CTL, expect_rcpts=[r],
        final=qmtp_K("192.0.2.89"), checks=[rpt_got(), qmtp_got()]),
]

# ---------------------------------------------------------------- the report sender
RPT_EXEMPT = rpt_sender("sender@CLIENT.QRtest")      # the scenarios' SENDER, its domain in other case
S += [
    Scn("tlsrpt-sender-exempt-dane-fails-delivered", "dane-bad.qrtest", ["a@dane-bad.qrtest"],
        control=ctl(RPT_CTL, RPT_EXEMPT), expect_rcpts=[r], final=RPT_K60,
        checks=[rpt_got(), delivered("pf-tls")]),
    Scn("tlsrpt-sender-exempt-sts-fails-delivered", "sts-notlisted.qrtest", ["a@sts-notlisted.qrtest"],
        control=ctl(STS_CTL, RPT_CTL, RPT_EXEMPT), expect_rcpts=[r], final=K_pf(IP25),
        checks=[rpt_got(), delivered("pf-plain")]),
    # an admin's named line still holds
    Scn("tlsrpt-sender-exempt-named-line-holds", "notls.qrtest", ["a@notls.qrtest"],
        control=ctl(RPT_CTL, RPT_EXEMPT, tlsdest("notls.qrtest:")),
        final=z_nostarttls("mx-notls.qrtest", "notls.qrtest"), checks=[rpt_got(), nd("pf-tls")]),
    # the local part as written (RFC 5321 2.4; an exemption is a weakening:
    # the narrow reading), the domain in any case (RPT_EXEMPT): another
    # spelling of the local part is another sender, held and reported
    Scn("tlsrpt-sender-local-part-case-not-exempt", "dane-bad.qrtest", ["a@dane-bad.qrtest"],
        control=ctl(RPT_CTL, rpt_sender("SENDER@client.qrtest")),
        final=z_tlsa("mx-dane-bad.qrtest", "dane-bad.qrtest", RPT_NOMATCH),
        checks=[rpt_got(lambda: rpt_dg("dane-bad.qrtest", rpt_tlsa(
            "mx-dane-bad.qrtest", [rpt_rr(3, 1, 1, "wrongname")],
            rpt_fd(304, "mx-dane-bad.qrtest", "192.0.2.60")))), nd("pf-tls")]),
    # the sender exempts, not the file: another sender is held and reported
    Scn("tlsrpt-sender-other-not-exempt", "dane-bad.qrtest", ["a@dane-bad.qrtest"],
        control=ctl(RPT_CTL, rpt_sender("tlsrpt-noreply@client.qrtest")),
        final=z_tlsa("mx-dane-bad.qrtest", "dane-bad.qrtest", RPT_NOMATCH),
        checks=[rpt_got(lambda: rpt_dg("dane-bad.qrtest", rpt_tlsa(
            "mx-dane-bad.qrtest", [rpt_rr(3, 1, 1, "wrongname")],
            rpt_fd(304, "mx-dane-bad.qrtest", "192.0.2.60")))), nd("pf-tls")]),
]

# ---------------------------------------------------------------- a collector that cannot take it
S += [
    Scn("tlsrpt-socket-missing", "tls.qrtest", ["a@tls.qrtest"], control={"tlsrpt": RPT_MISSING + "\n"},
        expect_rcpts=[r], final=RPT_K60, checks=[RPT_QUICK, rpt_got(), delivered("pf-tls")]),
    Scn("tlsrpt-socket-stale-nobody-listens", "tls.qrtest", ["a@tls.qrtest"], control={"tlsrpt": RPT_STALE + "\n"},
        expect_rcpts=[r], final=RPT_K60, checks=[RPT_QUICK, rpt_got(), delivered("pf-tls")]),
    Scn("tlsrpt-socket-queue-full", "tls.qrtest", ["a@tls.qrtest"], control={"tlsrpt": RPT_FULL + "\n"},
        expect_rcpts=[r], final=RPT_K60, checks=[RPT_QUICK, rpt_still_full, rpt_got(), delivered("pf-tls")]),
    Scn("tlsrpt-socket-queue-full-failure", "dane-bad.qrtest", ["a@dane-bad.qrtest"],
        control={"tlsrpt": RPT_FULL + "\n"}, final=z_tlsa("mx-dane-bad.qrtest", "dane-bad.qrtest", RPT_NOMATCH),
        checks=[RPT_QUICK, rpt_still_full, rpt_got(), nd("pf-tls")]),
]

# ---------------------------------------------------------------- hostile bytes (tlsrpt/hostilesrv.py)
S += [
    Scn("tlsrpt-hostile-ehlo-name", "rpt-hostile.qrtest", ["a@rpt-hostile.qrtest"], control=RPT_CTL,
        expect_rcpts=[r], final=K_fault(rb"192\.0\.2\.170", "hostile"),
        checks=[rpt_got(rpt_dg("rpt-hostile.qrtest", rpt_nopolicy("rpt-hostile.qrtest", rpt_fd(
            201, "mx-rpt-hostile.qrtest", "192.0.2.170", helo=rpt_hostile.expected_h(rpt_hostile.NAMES["hostile"])))))]),
    Scn("tlsrpt-hostile-ehlo-every-byte", "rpt-allbytes.qrtest", ["a@rpt-allbytes.qrtest"], control=RPT_CTL,
        expect_rcpts=[r], final=K_fault(rb"192\.0\.2\.171", "allbytes"),
        checks=[rpt_got(rpt_dg("rpt-allbytes.qrtest", rpt_nopolicy("rpt-allbytes.qrtest", rpt_fd(
            201, "mx-rpt-allbytes.qrtest", "192.0.2.171",
            helo=rpt_hostile.expected_h(rpt_hostile.NAMES["allbytes"])))))]),
]
