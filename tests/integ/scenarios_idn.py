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
