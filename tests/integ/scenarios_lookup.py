# scenarios_lookup.py -- how a destination, a route and a TLS policy line
# are matched (issue 16 items 3, 14, 15, 16, 17, 20): one destination
# however it is written (case, a trailing dot, UTF-8 or A-labels, an
# address in any form); route precedence level by level; tlsstrictness
# only where tlsdestinations is silent; the later of two lines with one
# key; s/qmail's ".suffix" sender lines.  Exec'd by scenarios.py with its
# helpers in scope; uses the TLS (20-tls), AUTH (40-auth), QMTP (50-qmtp)
# and domainips (60-domainips) parts, and bed.d/80-lookup.zone.
# Names defined here start with lk_/LK_ (all suites share one namespace).
exec(compile(open(os.path.join(bedlib.HERE, "tls", "scnlib.py")).read(),  # noqa: S102
             os.path.join(bedlib.HERE, "tls", "scnlib.py"), "exec"), globals())

LK_TRACE = {"QMAILREMOTE_TRACE": "1"}
LK_QMTP_OK = rb"Remote host said: ok \d+ qp \d+\n"


def lk_late(name, *a, **kw):
    """a check made by a function of a suite exec'd after this one
    (scenarios_qmtp.py), looked up when the check runs"""
    return lambda c: globals()[name](*a, **kw)(c)


def lk_qmtp_not_got(c):
    return globals()["qmtp_not_got"](c)


def lk_qmtp_K(ip):
    return R(rb"K" + re.escape(ip).encode() + rb" accepted message\.\n" + LK_QMTP_OK)


def lk_ctl(**files):
    """control files from keyword arguments, each a list of lines"""
    return {k.replace("__", "/"): "".join(l + "\n" for l in v) for k, v in files.items()}


def lk_libidn2(loaded):
    """LD_DEBUG=files in the client's environment: the dynamic loader lists
    every library it maps (a static binary lists none: nothing to see)"""
    def chk(c):
        err = c.stderr.decode("utf-8", "replace")
        if "file=" not in err:
            return None     # a static binary: no loader, no libraries to map
        got = "libidn2.so" in err
        return None if got == loaded else "libidn2 was %smapped: %r" % (
            "" if got else "not ", sorted(set(re.findall(r"file=(\S+)", err))))
    return chk


LK_Z_NOTLS_V6 = z_nostarttls("2001:db8::25", "route.qrtest")
LK_BUECHER_TLS = "b\u00fccher.tls.qrtest"

S += [
    # ---- item 3: a trailing dot (and case) never bypasses a policy or a route
    Scn("lookup-dot-tls-mandatory", "notls.qrtest.", ["a@notls.qrtest"], control=tlsdest("notls.qrtest:"),
        final=z_nostarttls("mx-notls.qrtest", "notls.qrtest."), checks=[not_delivered("pf-tls")]),
    Scn("lookup-dot-case-tls-mandatory", "NoTLS.QRTEST.", ["a@notls.qrtest"], control=tlsdest("notls.qrtest:"),
        final=z_nostarttls("mx-notls.qrtest", "notls.qrtest."), checks=[nd("pf-tls")]),
    Scn("lookup-dot-tls-key-written-with-dot", "notls.qrtest", ["a@notls.qrtest"],
        control=tlsdest("NoTLS.qrtest.:"), final=z_nostarttls("mx-notls.qrtest", "notls.qrtest"),
        checks=[nd("pf-tls")]),
    Scn("lookup-dot-tls-suffix", "notls.qrtest.", ["a@notls.qrtest"], control=tlsdest(".qrtest:"),
        final=z_nostarttls("mx-notls.qrtest", "notls.qrtest."), checks=[nd("pf-tls")]),
    Scn("lookup-dot-smtproutes", "route.qrtest.", ["a@route.qrtest"],
        control=route(["route.qrtest:192.0.2.25;2525"]), expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"), via_port_2525()]),
    Scn("lookup-dot-smtproutes-key-with-dot", "Route.QRTEST", ["a@route.qrtest"],
        control=route(["route.qrtest.:192.0.2.25;2525"]), expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"), via_port_2525()]),
    Scn("lookup-dot-smtproutes-suffix", "a.sub.qrtest.", ["a@a.sub.qrtest"],
        control=route([".sub.qrtest:192.0.2.25;2525", ":192.0.2.26"]), expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"), via_port_2525()]),
    Scn("lookup-dot-qmtproutes", "qmtp.qrtest.", ["trail@qmtp.qrtest"],
        control=lk_ctl(qmtproutes=["qmtp.qrtest:192.0.2.89;209"]), expect_rcpts=[r], final=lk_qmtp_K("192.0.2.89"),
        checks=[lk_late("qmtp_got")]),
    # the relay's name with a trailing dot: tlsdestinations and tlshosts/ still
    # apply, and the relay is the peer's name without it (SNI, name check)
    Scn("lookup-dot-relay-tls-mandatory", "route.qrtest", ["a@route.qrtest"],
        control=ctl(route(["route.qrtest:mx-notls.qrtest."]), tlsdest("mx-notls.qrtest:")),
        final=z_nostarttls("mx-notls.qrtest", "route.qrtest"), checks=[nd("pf-tls")]),
    Scn("lookup-dot-relay-tlshosts", "route.qrtest", ["a@route.qrtest"],
        control=ctl(route(["route.qrtest:mx-notls.qrtest."]),
                    {"tlshosts/mx-notls.qrtest.pem": open(CA).read() if os.path.exists(CA) else ""}),
        final=z_nostarttls("mx-notls.qrtest", "route.qrtest"), checks=[nd("pf-tls")]),
    Scn("lookup-dot-relay-name-verified", "route.qrtest", ["a@route.qrtest"],
        control=ctl(route(["route.qrtest:MX-TLS.qrtest."]), tlsdest("=mx-tls.qrtest:" + CA)), env=LK_TRACE,
        expect_rcpts=[r], final=K_tls(IP60),
        checks=[delivered("pf-tls"), trace_has(r"tls: policy from tlsdestinations line 1",
                                                 r"tls: certificate verified with the name")]),

    # ---- item 14: a UTF-8 line is the same key as its A-label form, at its own level
    Scn("lookup-utf8-tls-exact-beats-suffix", LK_BUECHER_TLS, ["a@" + LK_BUECHER_TLS],
        control=tlsdest("=b\u00fccher.tls.qrtest:" + CA2, ".qrtest:"),
        final=z_chain("mx-tls.qrtest", "xn--bcher-kva.tls.qrtest", UNVERIFIED), checks=[nd("pf-tls")]),
    Scn("lookup-utf8-tls-exact-beats-suffix-any-order", "xn--bcher-kva.tls.qrtest", ["a@" + LK_BUECHER_TLS],
        control=tlsdest(".qrtest:", "=B\u00dcCHER.tls.qrtest.:" + CA2),
        final=z_chain("mx-tls.qrtest", "xn--bcher-kva.tls.qrtest", UNVERIFIED), checks=[nd("pf-tls")]),
    # the exact line with the right CA: verified and delivered
    Scn("lookup-utf8-tls-exact-verifies", LK_BUECHER_TLS, ["a@" + LK_BUECHER_TLS],
        control=ctl(tlsdest("=b\u00fccher.tls.qrtest:" + CA, ".qrtest:"), {}), env=LK_TRACE, expect_rcpts=[r],
        final=K_tls(IP60), checks=[delivered("pf-tls", alt_rcpts=[["a@xn--bcher-kva.tls.qrtest"]]),
                                   trace_has(r"tls: policy from tlsdestinations line 1")]),
    Scn("lookup-utf8-smtproutes-exact-beats-catchall", "b\u00fccher.qrtest", ["u@b\u00fccher.qrtest"],
        control=route([":192.0.2.26", "b\u00fccher.qrtest:192.0.2.25;2525"]), expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain", alt_rcpts=[["u@xn--bcher-kva.qrtest"]]), via_port_2525()]),
    Scn("lookup-utf8-smtproutes-alabel-host", "xn--bcher-kva.qrtest", ["u@xn--bcher-kva.qrtest"],
        control=route([".qrtest:192.0.2.26", "b\u00fccher.qrtest:192.0.2.25;2525"]), expect_rcpts=[r],
        final=K_pf(IP25), checks=[delivered("pf-plain"), via_port_2525()]),
    Scn("lookup-utf8-qmtproutes-level", "b\u00fccher.qrtest", ["u@b\u00fccher.qrtest"],
        control=lk_ctl(qmtproutes=["b\u00fccher.qrtest:192.0.2.89;209"], smtproutes=[":192.0.2.25"]),
        expect_rcpts=[r], final=lk_qmtp_K("192.0.2.89")),
    # libidn2 is mapped only for a configuration with UTF-8 keys (dynamic build)
    Scn("lookup-ascii-keys-no-libidn2", "plain4.qrtest", ["a@plain4.qrtest"],
        control=lk_ctl(smtproutes=["xn--bcher-kva.qrtest:192.0.2.26", ".qrtest:", ":192.0.2.26"],
                       tlsdestinations=["=xn--bcher-kva.qrtest:", "*:"], authsenders=["x@xn--bcher-kva.qrtest:r.qrtest"],
                       domainips=["xn--bcher-kva.qrtest:192.0.2.11"]),
        env={"LD_DEBUG": "files"}, expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"), lk_libidn2(False)]),
    Scn("lookup-utf8-key-loads-libidn2", "plain4.qrtest", ["a@plain4.qrtest"],
        control=lk_ctl(smtproutes=["b\u00fccher.qrtest:192.0.2.26", ".qrtest:"]),
        env={"LD_DEBUG": "files"}, expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"), lk_libidn2(True)]),
    # a key with no A-label form is a malformed line: Z naming file and line
    Scn("lookup-utf8-key-without-alabel", "plain4.qrtest", ["a@plain4.qrtest"],
        control=route(["other.qrtest:192.0.2.26", "\u2603.qrtest:192.0.2.26"]),
        final=X(b"ZUnable to read control files. (#4.3.0)\n"
                b"smtproutes line 2: no A-label form: string contains a disallowed character.\n"),
        checks=[not_delivered("pf-plain", 0.5)]),

    # ---- item 15: route precedence (SPEC 4, revised)
    Scn("lookup-route-bounce-smtp-beats-qmtp-catchall", "plain4.qrtest", ["b@plain4.qrtest"], sender="",
        control=lk_ctl(qmtproutes=[":192.0.2.89;209"], smtproutes=["!@:192.0.2.25;2525"]), env=LK_TRACE,
        expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"), via_port_2525(), trace_has(r"route: smtproutes line 1")]),
    Scn("lookup-route-smtp-exact-beats-qmtp-catchall", "auth.qrtest", ["exact@auth.qrtest"],
        control=lk_ctl(qmtproutes=[":192.0.2.89;209"],
                       smtproutes=["auth.qrtest:mx-auth-plain.qrtest;25|" + auth_cred("alice")]),
        env=AUTH_TRACE, expect_rcpts=[r], final=auth_K("192.0.2.80", tls=True),
        checks=[delivered("pf-auth"), auth_logged_as("plain", "PLAIN", "alice"), auth_no_secret("alice"),
                lk_qmtp_not_got]),
    Scn("lookup-route-smtp-exact-beats-qmtp-suffix", "exact.qrtest", ["a@exact.qrtest"],
        control=lk_ctl(qmtproutes=[".qrtest:192.0.2.89;209"], smtproutes=["exact.qrtest:192.0.2.25;2525"]),
        expect_rcpts=[r], final=K_pf(IP25), checks=[delivered("pf-plain"), via_port_2525()]),
    Scn("lookup-route-smtp-longer-suffix-beats-qmtp", "a.sub.qrtest", ["a@a.sub.qrtest"],
        control=lk_ctl(qmtproutes=[".qrtest:192.0.2.89;209"], smtproutes=[".sub.qrtest:192.0.2.25;2525"]),
        expect_rcpts=[r], final=K_pf(IP25), checks=[delivered("pf-plain"), via_port_2525()]),
    Scn("lookup-route-qmtp-suffix-beats-smtp-catchall", "a.sub.qrtest", ["qs@a.sub.qrtest"],
        control=lk_ctl(qmtproutes=[".sub.qrtest:192.0.2.89;209"], smtproutes=[":192.0.2.25"]),
        expect_rcpts=[r], final=lk_qmtp_K("192.0.2.89"), checks=[lk_late("qmtp_got")]),
    Scn("lookup-route-same-level-qmtp-first", "exact.qrtest", ["same@exact.qrtest"],
        control=lk_ctl(qmtproutes=["exact.qrtest:192.0.2.89;209"], smtproutes=["exact.qrtest:192.0.2.25"]),
        expect_rcpts=[r], final=lk_qmtp_K("192.0.2.89"), checks=[lk_late("qmtp_got")]),
    Scn("lookup-route-qmtp-bounce-beats-smtp-exact", "exact.qrtest", ["qb@exact.qrtest"], sender="",
        control=lk_ctl(qmtproutes=["!@:192.0.2.89;209"], smtproutes=["exact.qrtest:192.0.2.25"]),
        expect_rcpts=[r], final=lk_qmtp_K("192.0.2.89"), checks=[lk_late("qmtp_got")]),
    Scn("lookup-route-authsenders-first", "exact.qrtest", ["as@exact.qrtest"], sender="alice@client.qrtest",
        control=lk_ctl(qmtproutes=["exact.qrtest:192.0.2.89;209"],
                       authsenders=["alice@client.qrtest:mx-auth-plain.qrtest;25|" + auth_cred("alice")]),
        env=AUTH_TRACE, expect_rcpts=[r], final=auth_K("192.0.2.80", tls=True),
        checks=[delivered("pf-auth"), auth_logged_as("plain", "PLAIN", "alice"), auth_no_secret("alice")]),

    # ---- item 16: an address is an address however written
    Scn("lookup-addr-v6-relay-bracket-line-no-starttls", "route.qrtest", ["a@route.qrtest"],
        control=ctl(route(["route.qrtest:2001:db8::25;25"]), tlsdest("[2001:db8::25]:")),
        final=LK_Z_NOTLS_V6, checks=[not_delivered("pf-plain")]),
    Scn("lookup-addr-v6-relay-tagged-line-no-starttls", "route.qrtest", ["a@route.qrtest"],
        control=ctl(route(["route.qrtest:[2001:db8::25]"]), tlsdest("[IPv6:2001:DB8:0::25]:")),
        final=z_nostarttls("[2001:db8::25]", "route.qrtest"), checks=[nd("pf-plain")]),
    # AUTH credentials on a relay the admin made mandatory: never in the clear
    Scn("lookup-addr-v4-relay-bracket-line-auth", "auth.qrtest", ["a@auth.qrtest"],
        control=ctl(route(["auth.qrtest:192.0.2.82;25|" + auth_cred("alice")]), tlsdest("[192.0.2.82]:")),
        env=AUTH_TRACE, final=z_nostarttls("192.0.2.82", "auth.qrtest"),
        checks=[not_delivered("pf-auth"), auth_no_secret("alice"), auth_never_sent("notls")]),
    Scn("lookup-addr-v4-relay-bare-line", "route.qrtest", ["a@route.qrtest"],
        control=ctl(route(["route.qrtest:[192.0.2.65]"]), tlsdest("192.0.2.65:")),
        final=z_nostarttls("[192.0.2.65]", "route.qrtest"), checks=[nd("pf-tls")]),
    Scn("lookup-addr-v4-mapped-line", "route.qrtest", ["a@route.qrtest"],
        control=ctl(route(["route.qrtest:192.0.2.65"]), tlsdest("[::ffff:192.0.2.65]:")),
        final=z_nostarttls("192.0.2.65", "route.qrtest"), checks=[nd("pf-tls")]),
    Scn("lookup-addr-literal-host-tagged", "[IPv6:2001:db8::25]", ["a@plain.qrtest"],
        control=tlsdest("[2001:db8::25]:"), final=z_nostarttls("[IPv6:2001:db8::25]", "[IPv6:2001:db8::25]"),
        checks=[nd("pf-plain")]),
    # a STARTTLS relay: TLS, verified against the certificate's IP name
    Scn("lookup-addr-v6-relay-starttls", "route.qrtest", ["a@route.qrtest"],
        control=ctl(route(["route.qrtest:2001:db8::60;25"]), tlsdest("=[2001:db8::60]:" + CA)), env=LK_TRACE,
        expect_rcpts=[r], final=K_tls(IP60_6),
        checks=[delivered("pf-tls"), received("pf-tls"), trace_has(r"tls: policy from tlsdestinations line 1")]),
    Scn("lookup-addr-v4-relay-starttls-port", "route.qrtest", ["a@route.qrtest"],
        control=ctl(route(["route.qrtest:192.0.2.60"]), tlsdest("[192.0.2.60]:" + CA + ";465")),
        expect_rcpts=[r], final=K_tls(IP60), checks=[delivered("pf-tls"), via_service("pf-tls", "postfix-465")]),
    # smtproutes keys: the literal host argument in another spelling
    Scn("lookup-addr-smtproutes-key", "[IPv6:2001:db8::27]", ["a@plain.qrtest"],
        control=route(["[2001:db8::27]:192.0.2.25;2525"]), expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"), via_port_2525()]),
    Scn("lookup-addr-smtproutes-bare-v4-key", "[192.0.2.27]", ["a@plain.qrtest"],
        control=route(["192.0.2.27:192.0.2.25;2525"]), expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"), via_port_2525()]),

    # ---- item 17: tlsstrictness 2 only where tlsdestinations is silent
    Scn("lookup-strict2-pinned-selfsigned", "selfsigned.qrtest", ["a@selfsigned.qrtest"],
        control=ctl({"tlsstrictness": "2\n", "trustanchors": CA + "\n"},
                    tlsdest("%selfsigned.qrtest:=" + fp("sha256", TLSD + "/selfsigned.crt"))),
        expect_rcpts=[r], final=K_tls(rb"192\.0\.2\.63"), checks=[delivered("pf-tls"), received("pf-tls")]),
    Scn("lookup-strict2-anonymous", "adh.qrtest", ["a@adh.qrtest"],
        control=ctl({"tlsstrictness": "2\n", "trustanchors": CA + "\n"}, tlsdest("-adh.qrtest:")),
        expect_rcpts=[r], final=K_tls(rb"192\.0\.2\.67", proto=ADH12), checks=[delivered("pf-tls")]),
    Scn("lookup-strict2-default-line-speaks", "selfsigned.qrtest", ["a@selfsigned.qrtest"],
        control=ctl({"tlsstrictness": "2\n", "trustanchors": CA + "\n"}, tlsdest("*:")),
        expect_rcpts=[r], final=K_tls(rb"192\.0\.2\.63"), checks=[delivered("pf-tls")]),
    Scn("lookup-strict2-silent-file-still-verifies", "selfsigned.qrtest", ["a@selfsigned.qrtest"],
        control=ctl({"tlsstrictness": "2\n", "trustanchors": CA + "\n"}, tlsdest("other.qrtest:")),
        final=z_chain("mx-selfsigned.qrtest", "selfsigned.qrtest", rb"self[- ]signed certificate"),
        checks=[nd("pf-tls")]),

    # issue 22 B8: a '/' line (TLSA off, nothing more) does not speak about
    # TLS: tlsstrictness 2 still verifies, and a failed handshake never falls
    # back to plaintext
    Scn("lookup-strict2-slash-default-no-fallback", "tlsbadhs.tlsfault.qrtest", ["a@tlsfault.qrtest"],
        control=ctl({"tlsstrictness": "2\n", "trustanchors": CA + "\n"}, tlsdest("/:")),
        final=z_handshake("tlsbadhs.tlsfault.qrtest", "tlsbadhs.tlsfault.qrtest")),
    Scn("lookup-strict2-slash-default-verifies", "selfsigned.qrtest", ["a@selfsigned.qrtest"],
        control=ctl({"tlsstrictness": "2\n", "trustanchors": CA + "\n"}, tlsdest("/:")),
        final=z_chain("mx-selfsigned.qrtest", "selfsigned.qrtest", rb"self[- ]signed certificate"),
        checks=[nd("pf-tls")]),
    Scn("lookup-strict2-slash-named-verifies", "selfsigned.qrtest", ["a@selfsigned.qrtest"],
        control=ctl({"tlsstrictness": "2\n", "trustanchors": CA + "\n"}, tlsdest("/selfsigned.qrtest:")),
        final=z_chain("mx-selfsigned.qrtest", "selfsigned.qrtest", rb"self[- ]signed certificate"),
        checks=[nd("pf-tls")]),
    # a '/' default with more to say ('/*': mandatory) still speaks
    Scn("lookup-strict2-slash-star-speaks", "selfsigned.qrtest", ["a@selfsigned.qrtest"],
        control=ctl({"tlsstrictness": "2\n", "trustanchors": CA + "\n"}, tlsdest("/*:")),
        expect_rcpts=[r], final=K_tls(rb"192\.0\.2\.63"), checks=[delivered("pf-tls")]),

    # ---- item 20: the later line; s/qmail's ".suffix" sender lines; tlsclientciphers
    Scn("lookup-dup-smtproutes-later-wins", "route.qrtest", ["a@route.qrtest"],
        control=route(["route.qrtest:192.0.2.26", "route.qrtest:192.0.2.25;2525"]), expect_rcpts=[r],
        final=K_pf(IP25), checks=[delivered("pf-plain"), via_port_2525()]),
    Scn("lookup-dup-tlsdestinations-later-wins", "notls.qrtest", ["a@notls.qrtest"],
        control=tlsdest("notls.qrtest:", "!notls.qrtest:"), expect_rcpts=[r], final=K_pf(rb"192\.0\.2\.65"),
        checks=[delivered("pf-tls"), received("pf-tls", tls=False)]),
    Scn("lookup-dup-domainips-later-wins", "plain4.qrtest", ["dip@plain4.qrtest"],
        control=lk_ctl(domainips=["client.qrtest:192.0.2.11|helo11.qrtest", "client.qrtest:192.0.2.12"]),
        expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"), client_ip("pf-plain", "192.0.2.12")]),
    Scn("lookup-dup-authsenders-later-wins", "auth.qrtest", ["dup@auth.qrtest"], sender="alice@client.qrtest",
        control=lk_ctl(authsenders=["alice@client.qrtest:mx-auth-login.qrtest;25|" + auth_cred("bob"),
                                    "alice@client.qrtest:mx-auth-plain.qrtest;25|" + auth_cred("alice")]),
        env=AUTH_TRACE, expect_rcpts=[r], final=auth_K("192.0.2.80", tls=True),
        checks=[delivered("pf-auth"), auth_logged_as("plain", "PLAIN", "alice")]),
    Scn("lookup-suffix-authsenders", "auth.qrtest", ["suffix@auth.qrtest"], sender="alice@mail.client.qrtest",
        control=lk_ctl(authsenders=[".client.qrtest:mx-auth-plain.qrtest;25|" + auth_cred("alice"),
                                    "client.qrtest:mx-auth-login.qrtest;25|" + auth_cred("bob")]),
        env=AUTH_TRACE, expect_rcpts=[r], final=auth_K("192.0.2.80", tls=True),
        checks=[delivered("pf-auth"), auth_logged_as("plain", "PLAIN", "alice"),
                auth_no_secret("alice")]),
    Scn("lookup-suffix-authsenders-exact-domain-wins", "auth.qrtest", ["exactdom@auth.qrtest"],
        sender="bob@client.qrtest",
        control=lk_ctl(authsenders=[".client.qrtest:mx-auth-plain.qrtest;25|" + auth_cred("alice"),
                                    "client.qrtest:mx-auth-login.qrtest;25|" + auth_cred("bob")]),
        env=AUTH_TRACE, expect_rcpts=[r], final=auth_K("192.0.2.81", tls=True),
        checks=[delivered("pf-auth"), auth_logged_as("login", "LOGIN", "bob")]),
    Scn("lookup-suffix-domainips", "plain4.qrtest", ["dip@plain4.qrtest"], sender="someone@mail.client.qrtest",
        control=lk_ctl(domainips=[".client.qrtest:192.0.2.11|helo11.qrtest", "*:192.0.2.12"]),
        expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain", helo="helo11.qrtest"), client_ip("pf-plain", "192.0.2.11")]),
    Scn("lookup-suffix-domaincerts", "ccert.qrtest", ["a@ccert.qrtest"], sender="someone@mail.client.qrtest",
        control=dc(TLSD + "/client.crt", TLSD + "/client.key", domain=".client.qrtest"), expect_rcpts=[r],
        final=K_tls(rb"192\.0\.2\.66"), checks=[delivered("pf-tls"), received("pf-tls", CCERT_RECEIVED)]),
    # netqmail joins the lines of tlsclientciphers with ':': the second line
    # holds the only ciphers mx-adh (TLS 1.2, aNULL only) has
    Scn("lookup-tlsclientciphers-lines-joined", "adh.qrtest", ["a@adh.qrtest"],
        control=ctl(tlsdest("-adh.qrtest:"), {"tlsclientciphers": "AES128-SHA\naNULL\n"}), expect_rcpts=[r],
        final=K_tls(rb"192\.0\.2\.67", proto=ADH12), checks=[delivered("pf-tls")]),
]
