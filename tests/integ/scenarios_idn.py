# scenarios_idn.py -- internationalised mail beyond scenarios.py's IDN set:
# an invalid IDN host, 7-bit mail without BODY=8BITMIME, 8-bit mail to a
# server that offers no 8BITMIME (sent as is, as qmail always did).
# exec'd by scenarios.py with its helpers in scope.

IDN_BAD = "a\u2620b.qrtest"     # U+2620 is DISALLOWED in IDNA2008

S += [
    Scn("idn-invalid-host", IDN_BAD, ["a@plain4.qrtest"], expect_rcpts=[],
        final=X(("DSorry, I couldn't find any host named %s. (#5.1.2)\n" % IDN_BAD).encode("utf-8"))),
    Scn("wire-no-8bitmime-for-7bit", "ok.fault.qrtest", ["a@fault.qrtest"], expect_rcpts=[r], final=K_FAULT_OK,
        checks=[wire(lambda raw, ch: b"BODY=" not in mail_line(raw).upper(),
                     "a 7-bit message's MAIL FROM has no BODY=")]),
    Scn("8bit-body-without-8bitmime", "noesmtp.sink.qrtest", ["a@plain.qrtest"], expect_rcpts=[r],
        message=lambda tok: msg(tok, body="caf\u00e9 \u00fcber alles\n"),
        final=X(b"K192.0.2.34 accepted message.\nRemote host said: 250 2.0.0 Ok\n"),
        checks=[sink_got("noesmtp")]),
]

# An ASCII host with an A-label that IDNA2008 refuses (registered under
# IDNA2003, and resolving: U+1F4A9.la is xn--ls8h.la): DNS judges it, as
# it did for classic qmail; no bounce without a lookup.
S += [
    Scn("idn-ascii-alabel-idna2003-delivered", "XN--LS8H.qrtest", ["a@xn--ls8h.qrtest"], expect_rcpts=[r],
        final=K_pf(IP25), checks=[delivered("pf-plain", rcpts=["a@xn--ls8h.qrtest"])]),
]


# libidn2 cannot be loaded (a libidn2.so.0 without its symbols first on
# LD_LIBRARY_PATH): a fault of this system, never of the address -- Z
# (#4.3.0), where a bounce (#5.1.2, #5.6.7) lost the mail for good. The
# static build links libidn2 in: make check's static smoke leaves these out.
IDN_NOLIB = X(b"ZSystem resources temporarily unavailable. (#4.3.0)\n"
              b"libidn2 (libidn2.so.0) could not be loaded.\n")


def idn_without_libidn2():
    d = os.path.join(BED, "run", "nolibidn2")
    os.makedirs(d, exist_ok=True)
    lib = os.path.join(d, "libidn2.so.0")
    p = subprocess.run(["cc", "-shared", "-fPIC", "-o", lib, "-x", "c", "/dev/null"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        return ["cannot build the empty libidn2.so.0: %s" % p.stderr[-300:]]
    env = {"LD_LIBRARY_PATH": d}
    errs = []
    for s in [Scn("libidn2-missing-utf8-host", "b\u00fccher.qrtest", ["a@b\u00fccher.qrtest"], env=env,
                  final=IDN_NOLIB, checks=[not_delivered("pf-plain")]),
              # a UTF-8 domain to a server without SMTPUTF8 needs A-labels
              Scn("libidn2-missing-utf8-domain", "noutf8.qrtest", ["a@b\u00fccher.qrtest"], env=env,
                  final=IDN_NOLIB, checks=[not_delivered("pf-plain")]),
              # what needs no conversion still goes
              Scn("libidn2-missing-ascii-delivered", "plain4.qrtest", ["a@plain4.qrtest"], env=env,
                  expect_rcpts=[r], final=K_pf(IP25), checks=[delivered("pf-plain")])]:
        c = run_client(s, bedlib.token(s.name))
        e = judge(s, c)
        errs += ["%s: %s" % (s.name, x) for x in e] + ([show(c)] if e else [])
    return errs


SPECIAL += [("idn-libidn2-missing-defers", idn_without_libidn2)]
