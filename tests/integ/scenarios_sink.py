# scenarios_sink.py -- rejects and tempfails injected by smtp-sink at each
# command (bed.d/70-sink.sh), exec'd by scenarios.py (its helpers in scope).
#
# Every case runs twice: against a sink offering PIPELINING (the client
# sends MAIL, the RCPTs and DATA in one write) and against one with -p (one
# command per round trip). Both must give the very same reports -- the
# classic texts, with only the peer's address differing (issue 8).
SINK_ERR4 = b"Remote host said: 450 4.3.0 Error: command failed\n"


def sink_case(cmd, how):
    """Expected (recipient reports, final report) for a sink at ip that
    answers `cmd` with 500 (how "f") or 450 (how "r")."""
    err = SINK_ERR5 if how == "f" else SINK_ERR4
    temp = how == "r"
    letter = b"Z" if temp else b"D"
    if cmd == "mail":
        return lambda ip: ([], X(letter + b"Connected to " + ip + b" but sender was rejected.\n" + err))
    if cmd == "rcpt":
        rc = X((b"s" if temp else b"h") + b"%s does not like recipient.\n" + err)
        return lambda ip: ([X(rc.b % ip)] * 2, X(b"DGiving up on " + ip + b".\n"))
    if cmd == "data":
        return lambda ip: ([r, r], X(letter + ip + b" failed on DATA command.\n" + err))
    return lambda ip: ([r, r], X(letter + ip + b" failed after I sent the message.\n" + err))


_n = 0
for _how in ("f", "r"):
    for _cmd in ("mail", "rcpt", "data", "dot"):
        _want = sink_case(_cmd, _how)
        for _np, _ip in (("", b"192.0.2.%d" % (100 + _n)), ("np", b"192.0.2.%d" % (110 + _n))):
            _rc, _final = _want(_ip)
            S.append(Scn("sink-%s-%s%s" % (_cmd, "rejected" if _how == "f" else "tempfail",
                                            "-nopipelining" if _np else "-pipelined"),
                         "%s%s%s.sink.qrtest" % (_cmd, _how, _np), ["a@plain.qrtest", "b@plain.qrtest"],
                         expect_rcpts=_rc, final=_final))
        _n += 1
