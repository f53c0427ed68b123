# scenarios_edges.py -- verdicts at the edges (issue 16, part B and item 12),
# exec'd by scenarios.py with its helpers in scope.
#
# A refused HELO is Z and the next MX is tried; a pipelined batch whose
# write fails ends the session without another byte, and a reply the
# server sent before it stopped reading still decides (faultsrv.py's
# rejmailstall and stallread modes: a 4 KB receive buffer and a stall of
# 10 s or 4.5 s after MAIL, against timeoutremote 3).

S += [
    Scn("helo-rejected-next-mx", "helonext.qrtest", ["a@plain4.qrtest"], env={"QMAILREMOTE_TRACE": "1"},
        expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"),
                trace_has(r"connect 192\.0\.2\.36 port 25 .*", r"> HELO client\.qrtest",
                          r"connect 192\.0\.2\.25 port 25 .*")]),
]


def edge_rcpts(tok, n, width=1500):
    """n recipients with long local parts, the token in each (the capture
    holds no message body: the session never gets that far)"""
    return ["%s-%03d-%s@fault.qrtest" % (tok, i, "x" * width) for i in range(n)]


def edge_lines_whole(raw):
    """every CRLF-ended line the server got is one whole command; only the
    bytes after the last CRLF may be a command cut short"""
    lines = raw.split(b"\r\n")
    for ln in lines[:-1]:
        u = ln.upper()
        if not (u.startswith(b"EHLO ") or u in (b"DATA", b"QUIT") or
                (u.startswith(b"MAIL FROM:<") and u.count(b"<") == 1) or
                (u.startswith(b"RCPT TO:<") and u.endswith(b">") and u.count(b"<") == 1)):
            return "line %r... is not one whole command" % ln[:80]
    return None


def edge_write_fails(mode, final, name):
    """A pipelined batch (130 recipients of 1.5 KB) the server stops reading."""
    def run():
        tok = bedlib.token(name)
        s = Scn(name, "%s.fault.qrtest" % mode, edge_rcpts(tok, 130), env={"QMAILREMOTE_TRACE": "1"},
                final=final, max_time=20)
        c = run_client(s, tok)
        errs = judge(s, c)
        if errs:
            return errs + [show(c)]
        if c.elapsed > 9:
            return ["took %.1f s: timeoutremote is 3 s, the grace 2" % c.elapsed]
        if mode == "stallread":
            raw, _ = bedlib.find_fault_capture(mode, tok, timeout=15)
            if raw is None:
                return ["faultsrv (%s) captured no session with the token" % mode]
            e = edge_lines_whole(raw)
            if e:
                return ["after the failed write: " + e]
        return []
    return run


SPECIAL += [
    # the 554 to MAIL was sent before the server stopped reading: it decides (D)
    ("pipeline-write-fails-reply-decides", edge_write_fails(
        "rejmailstall", X(b"DConnected to 192.0.2.140 but sender was rejected.\n"
                          b"Remote host said: 554 5.7.1 sender rejected by faultsrv\n"),
        "pipeline-write-fails-reply-decides")),
    # MAIL accepted, then nothing: Z, and no byte after the cut (nothing glued)
    ("pipeline-write-fails-nothing-glued", edge_write_fails(
        "stallread", died("192.0.2.141", timeout=True),
        "pipeline-write-fails-nothing-glued")),
]

# ---- a UTF-8 header with an ASCII envelope (SPEC 10, revised 2026-12-02):
# sent as it is where SMTPUTF8 is not offered, never bounced
def edge_utf8_header(tok):
    return msg(tok, body="Gr\u00fc\u00dfe\n", headers="X-Note: J\u00fcrgen \u2603 M\u00fcller\n")


S += [
    Scn("utf8-header-no-smtputf8-delivered", "noutf8.qrtest", ["hdr@noutf8.qrtest"], message=edge_utf8_header,
        expect_rcpts=[r], final=K_pf(rb"192\.0\.2\.23"), checks=[delivered("pf-plain")]),
    # smtp-sink without ESMTP: no SMTPUTF8, no 8BITMIME: as it is all the same
    Scn("utf8-header-no-esmtp-delivered", "noesmtp.sink.qrtest", ["hdr@plain.qrtest"],
        message=edge_utf8_header, expect_rcpts=[r],
        final=X(b"K192.0.2.34 accepted message.\nRemote host said: 250 2.0.0 Ok\n"),
        checks=[sink_got("noesmtp")]),
    # the wire: no SMTPUTF8 where it is not offered, BODY=8BITMIME where it is
    Scn("utf8-header-smtputf8-when-offered", "ok.fault.qrtest", ["a@fault.qrtest"], message=edge_utf8_header,
        expect_rcpts=[r], final=K_FAULT_OK,
        checks=[wire(lambda raw, ch: re.search(rb"(?i) SMTPUTF8", mail_line(raw)) is not None
                     and re.search(rb"(?i) BODY=8BITMIME", mail_line(raw)) is not None,
                     "MAIL FROM carries SMTPUTF8 and BODY=8BITMIME")]),
    # a UTF-8 domain with a UTF-8 header, no SMTPUTF8: A-labels, the header as it is
    Scn("utf8-header-utf8-domain-alabels", "noutf8.qrtest", ["hdr@b\u00fccher.qrtest"],
        message=edge_utf8_header, expect_rcpts=[r], final=K_pf(rb"192\.0\.2\.23"),
        checks=[delivered("pf-plain", rcpts=["hdr@xn--bcher-kva.qrtest"])]),
    # a non-ASCII local part: still D (#5.6.7) where no MX takes SMTPUTF8
    Scn("utf8-local-part-no-smtputf8-still-refused", "noutf8.qrtest", ["j\u00fcrgen@noutf8.qrtest"],
        final=X(b"DSorry, the message needs SMTPUTF8 (a non-ASCII address) and 192.0.2.23 does not "
                b"offer it. (#5.6.7)\n"), checks=[not_delivered("pf-plain")]),
]

# ---- opportunistic TLS by default (SPEC 7, revised 2026-12-02): TLS 1.0 and
# up where the policy is opportunistic; a named line never falls back
EDGE_TLS10 = rb"TLSv1 [A-Z0-9-]+"

S += [
    Scn("tls10-opportunistic-takes-it", "tls10.qrtest", ["a@tls10.qrtest"], expect_rcpts=[r],
        final=K_tls(rb"192\.0\.2\.142", proto=EDGE_TLS10),
        checks=[delivered("pf-tls"), received("pf-tls", r"\(using TLSv1 with cipher ")]),
    # mandatory TLS keeps TLS 1.2 as its floor: Z, never plaintext
    Scn("tls10-mandatory-refused", "tls10.qrtest", ["a@tls10.qrtest"], control=tlsdest("-*:"),
        final=z_handshake("mx-tls10.qrtest", "tls10.qrtest"), checks=[nd("pf-tls")]),
    # a line naming the destination: no fallback (refused STARTTLS, failed handshake)
    Scn("tls-starttls-refused-named-line", "tlsrefuse.tlsfault.qrtest", ["a@tlsfault.qrtest"],
        control=tlsdest("tlsrefuse.tlsfault.qrtest:"), final=Z_REFUSED),
    Scn("tls-bad-handshake-named-slash-line", "tlsbadhs.tlsfault.qrtest", ["a@tlsfault.qrtest"],
        control=tlsdest("/tlsbadhs.tlsfault.qrtest:"),
        final=z_handshake("tlsbadhs.tlsfault.qrtest", "tlsbadhs.tlsfault.qrtest")),
    # the '-' default (ADH allowed) does not weaken a verifying line: no
    # anonymous cipher is offered there, so the ADH-only server's handshake
    # fails (before: ADH was negotiated, then the missing certificate noticed)
    Scn("tls-adh-default-not-in-verified-context", "adh.qrtest", ["a@adh.qrtest"],
        control=tlsdest("-:", "=adh.qrtest:" + CA), final=z_handshake("mx-adh.qrtest", "adh.qrtest"),
        checks=[nd("pf-tls")]),
]

# ---- a host with a trailing dot and no MX: the host itself is the peer, and
# its name (SNI, the certificate check) is the one without the dot
S += [
    Scn("trailing-dot-implicit-mx-name-check", "mx-tls.qrtest.", ["a@mx-tls.qrtest"],
        control=tlsdest("=mx-tls.qrtest:" + CA), expect_rcpts=[r], final=K_tls(IP60),
        checks=[delivered("pf-tls"), received("pf-tls")]),
]

# ---- secure by default (issue 16 item 4): the binary make builds loads
# Debian's libssl.so.3 at run time, so an `apt upgrade` of openssl reaches
# it; a plain delivery maps neither libssl nor libidn2. (The static build,
# make STATIC=yes, fails these two by design: `make check` runs them on the
# default and sanitizer builds only.)
def edge_loaded(want, unwanted=()):
    def chk(c):
        err = c.stderr.decode("utf-8", "replace")
        for lib in want:
            if not re.search(r"(?m)file=%s \[0\];  dynamically loaded by " % re.escape(lib), err) or \
                    not re.search(r"(?m)calling init: /(usr/)?lib/[a-z0-9_-]+/%s$" % re.escape(lib), err):
                return "%s was not loaded from the system's library directory at run time" % lib
        for lib in unwanted:
            if re.search(r"(?m)file=%s " % re.escape(lib), err):
                return "%s was mapped though the delivery did not need it" % lib
        return None
    return chk


S += [
    Scn("build-loads-system-libssl-at-run-time", "tls.qrtest", ["a@tls.qrtest"], env={"LD_DEBUG": "files"},
        expect_rcpts=[r], final=K_tls(IP60),
        checks=[delivered("pf-tls"), edge_loaded(["libssl.so.3"], ["libidn2.so.0"])]),
    Scn("build-plain-delivery-maps-no-libssl", "plain4.qrtest", ["a@plain4.qrtest"], env={"LD_DEBUG": "files"},
        expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"), edge_loaded([], ["libssl.so.3", "libcrypto.so.3", "libidn2.so.0"])]),
    # (item 13) brackets around what is no address: refused before any DNS
    Scn("host-bracketed-non-literal", "[IPv6:2001:db@xn--hh.le8:$:1]", ["a@plain4.qrtest"],
        final=X(b"DSorry, I couldn't find any host named [IPv6:2001:db@xn--hh.le8:$:1]. (#5.1.2)\n")),
]
