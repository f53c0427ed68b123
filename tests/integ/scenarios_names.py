# scenarios_names.py -- how strict the certificate name checks are (exec'd by
# scenarios.py, its helpers in scope; SPEC 7): a partial wildcard
# (mx*.partial.qrtest, pf-tls 192.0.2.68) matches only for a '~' line; a
# whole-label wildcard (*.wild.qrtest, 192.0.2.64) wherever wildcards are
# allowed; DANE-TA's name check the same (bed.d/25-names.zone: mx2.partial
# and mx2.wild with a "2 0 0" record of the whole test CA, which the servers
# do not send).  The MTA-STS side (a DNS-ID required, partial wildcards
# refused under enforce) is in scenarios_mtasts.py.
exec(compile(open(os.path.join(bedlib.HERE, "tls", "scnlib.py")).read(),  # noqa: S102
             os.path.join(bedlib.HERE, "tls", "scnlib.py"), "exec"), globals())

IP68, IP64 = rb"192\.0\.2\.68", rb"192\.0\.2\.64"


def names_pem(path):
    return open(path).read() if os.path.exists(path) else ""


def z_tlsa_names(mx, host, why):
    return X("ZTLSA validation of the X.509 certificate failed for: %s for %s: %s.\n" % (mx, host, why))


S += [
    # ---- the partial wildcard mx*.partial.qrtest on mx1.partial.qrtest
    Scn("tls-names-partial-chain-only", "partial.qrtest", ["a@partial.qrtest"], control=tlsdest("+*:" + CA),
        expect_rcpts=[r], final=K_tls(IP68), checks=[delivered("pf-tls")]),
    Scn("tls-names-partial-tilde-default", "partial.qrtest", ["a@partial.qrtest"], control=tlsdest("~*:" + CA),
        expect_rcpts=[r], final=K_tls(IP68), checks=[delivered("pf-tls")]),
    Scn("tls-names-partial-equal-default", "partial.qrtest", ["a@partial.qrtest"], control=tlsdest("=*:" + CA),
        final=z_subject("mx1.partial.qrtest", "partial.qrtest"), checks=[nd("pf-tls")]),
    Scn("tls-names-partial-tlshosts", "partial.qrtest", ["a@partial.qrtest"],
        control={"tlshosts/mx1.partial.qrtest.pem": names_pem(CA)},
        final=z_subject("mx1.partial.qrtest", "partial.qrtest"), checks=[nd("pf-tls")]),
    Scn("tls-names-partial-tlsstrictness", "partial.qrtest", ["a@partial.qrtest"],
        control={"tlsstrictness": "2\n", "trustanchors": CA + "\n"},
        final=z_subject("mx1.partial.qrtest", "partial.qrtest"), checks=[nd("pf-tls")]),
    # ---- the wildcard *.wild.qrtest on mx.wild.qrtest: still accepted
    Scn("tls-names-wildcard-tlshosts", "wild.qrtest", ["a@wild.qrtest"],
        control={"tlshosts/mx.wild.qrtest.pem": names_pem(CA)}, expect_rcpts=[r], final=K_tls(IP64),
        checks=[delivered("pf-tls")]),
    Scn("tls-names-wildcard-tlsstrictness", "wild.qrtest", ["a@wild.qrtest"],
        control={"tlsstrictness": "2\n", "trustanchors": CA + "\n"}, expect_rcpts=[r], final=K_tls(IP64),
        checks=[delivered("pf-tls")]),
    Scn("tls-names-wildcard-tilde-default", "wild.qrtest", ["a@wild.qrtest"], control=tlsdest("~*:" + CA),
        expect_rcpts=[r], final=K_tls(IP64), checks=[delivered("pf-tls")]),
    # ---- DANE-TA: the chain ends in the record's CA, the name is checked
    Scn("dane-ta-partial-wildcard-refused", "dane-partial.qrtest", ["a@dane-partial.qrtest"],
        final=z_tlsa_names("mx2.partial.qrtest", "dane-partial.qrtest", "hostname mismatch"),
        checks=[nd("pf-tls")]),
    # a '~' line naming the destination allows the partial match there too
    Scn("dane-ta-partial-wildcard-tilde-line", "dane-partial.qrtest", ["a@dane-partial.qrtest"],
        control=tlsdest("~dane-partial.qrtest:"), expect_rcpts=[r], final=K_tls(IP68, dane=True),
        checks=[delivered("pf-tls")]),
    Scn("dane-ta-wildcard-accepted", "dane-wild.qrtest", ["a@dane-wild.qrtest"], expect_rcpts=[r],
        final=K_tls(IP64, dane=True), checks=[delivered("pf-tls")]),
]
