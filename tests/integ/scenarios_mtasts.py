# scenarios_mtasts.py -- MTA-STS (RFC 8461) scenarios (exec'd by scenarios.py,
# its helpers in scope).  The policy domains, their _mta-sts TXT records and
# MX sets are in bed.d/90-mtasts.zone; nginx (bed.d/90-mtasts.sh) serves the
# policies of mtasts/policies at https://mta-sts.<domain>.qrtest/ with a
# certificate from the test CA, which control/mtastsca makes the client
# trust.  The MX hosts are pf-tls's (bed.d/20-tls.sh): mx-tls 192.0.2.60
# (right certificate), mx-wrongname .61 (certificate for other.qrtest),
# mx-notls .65 (no STARTTLS), and pf-plain's mx-plain4 (.25, no STARTTLS).
# The cache directory (queue/mtasts) is missing unless a scenario gives one
# (Scn stsdir=, mounted there).  Names defined here start with sts_/STS_.
exec(compile(open(os.path.join(bedlib.HERE, "tls", "scnlib.py")).read(),  # noqa: S102
             os.path.join(bedlib.HERE, "tls", "scnlib.py"), "exec"), globals())

STS_CTL = {"mtastsca": CA + "\n"}
STS_IP65 = rb"192\.0\.2\.65"
STS_LINE = rb"TLS \(MTA-STS enforced\) transmitted message accepted \(" + TLS13 + rb"\)\.\n"
STS_ACCESS = os.path.join(BED, "mtasts", "access.log")


def K_sts(ip):
    """K after an enforced policy: s/qmail's TLSA wording, for MTA-STS"""
    return R(rb"K" + ip + rb" accepted message\.\n" + STS_LINE + SAID_PF)


def sts_z_mx(domain, mx):
    return X("ZMTA-STS policy of %s (enforce) does not list the mail exchanger %s; "
             "not sending to it.\n" % (domain, mx))


def sts_trace(*patterns):
    """trace_has, each pattern matching the start of its line"""
    return trace_has(*(p + ".*" for p in patterns))


def sts_no_policy(domain, why):
    """the transcript says why the domain has no policy"""
    return sts_trace(r"mta-sts: TXT _mta-sts\.%s: " % re.escape(domain), why,
                     r"mta-sts: (nothing cached for %s: no policy|%s has no policy)" % ((re.escape(domain),) * 2))


def sts_dir(name):
    """an empty cache directory of the scenario's own"""
    d = os.path.join(BED, "run", "sts-" + name)
    subprocess.run(["rm", "-rf", d])
    os.makedirs(d, mode=0o700)
    return d


def sts_fetches(server):
    """how many GETs nginx logged for mta-sts.<server>"""
    try:
        with open(STS_ACCESS) as f:
            return sum(1 for l in f if l.startswith("mta-sts.%s " % server))
    except OSError:
        return 0


def sts_cache_text(domain, pid, fetched, expires, mode, max_age, mxs):
    return ("# qmail-remote MTA-STS policy of %s\nid: %s\nfetched: %d\nexpires: %d\nversion: STSv1\n"
            "mode: %s\nmax_age: %d\n" % (domain, pid, fetched, expires, mode, max_age)
            + "".join("mx: %s\n" % m for m in mxs) + "# end\n")


STS_TR = dict(TRACE)
S += [
    # ---- enforce
    Scn("sts-enforce-verified", "sts-enforce.qrtest", ["a@sts-enforce.qrtest"], control=STS_CTL, env=STS_TR,
        expect_rcpts=[r], final=K_sts(IP60),
        checks=[delivered("pf-tls"), received("pf-tls"),
                sts_trace(r'mta-sts: TXT _mta-sts\.sts-enforce\.qrtest: "v=STSv1; id=20260101T000000"',
                          r"mta-sts: fetching https://mta-sts\.sts-enforce\.qrtest/\.well-known/mta-sts\.txt",
                          r"https: < HTTP 200, \d+ bytes",
                          r"mta-sts: policy of sts-enforce\.qrtest fetched: id 20260101T000000, mode enforce, "
                          r"max_age 86400, expires \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC; mx: mx-tls\.qrtest",
                          # no cache directory: used, not kept
                          r"mta-sts: cache /var/qmail/queue/mtasts: No such file or directory: the policy is used, not kept",
                          r"tls: MTA-STS \(enforce\): TLS mandatory, chain verified against .*ca\.crt and the name mx-tls\.qrtest",
                          r"tls: certificate verified with the name",
                          r"tls-rpt: sts sts-enforce\.qrtest success mx mx-tls\.qrtest ip 192\.0\.2\.60")]),
    # a trailing dot and capitals in the host argument: the same policy,
    # fetched from mta-sts.sts-enforce.qrtest (SNI and the name check
    # never see the dot)
    Scn("sts-enforce-host-upper-trailing-dot", "STS-Enforce.QRtest.", ["a@sts-enforce.qrtest"], control=STS_CTL,
        env=STS_TR, expect_rcpts=[r], final=K_sts(IP60),
        checks=[delivered("pf-tls"),
                sts_trace(r"mta-sts: fetching https://mta-sts\.sts-enforce\.qrtest/\.well-known/mta-sts\.txt",
                          r"mta-sts: policy of sts-enforce\.qrtest fetched: id 20260101T000000, mode enforce")]),
    # the MX host is not in the policy: nothing is sent to it
    Scn("sts-enforce-mx-not-listed", "sts-notlisted.qrtest", ["a@sts-notlisted.qrtest"], control=STS_CTL,
        env=STS_TR, final=sts_z_mx("sts-notlisted.qrtest", "mx-plain4.qrtest"),
        checks=[not_delivered("pf-plain"),
                sts_trace(r"mta-sts: skip mx-plain4\.qrtest: the policy of sts-notlisted\.qrtest \(enforce\) "
                          r"does not list it",
                          r"tls-rpt: sts sts-notlisted\.qrtest validation-failure mx mx-plain4\.qrtest ip 192\.0\.2\.25: "
                          r"the policy does not list this MX host"),
                trace_lacks(r"connect 192\.0\.2\.25")]),
    Scn("sts-enforce-no-starttls", "sts-notls.qrtest", ["a@sts-notls.qrtest"], control=STS_CTL,
        final=z_nostarttls("mx-notls.qrtest", "sts-notls.qrtest"), checks=[not_delivered("pf-tls")]),
    Scn("sts-enforce-wrong-name", "sts-wrongname.qrtest", ["a@sts-wrongname.qrtest"], control=STS_CTL,
        final=z_subject("mx-wrongname.qrtest", "sts-wrongname.qrtest"), checks=[nd("pf-tls")]),
    # the first MX's certificate names another host: Z for it, the next one validates
    Scn("sts-enforce-wrong-name-next-mx", "sts-next.qrtest", ["a@sts-next.qrtest"], control=STS_CTL, env=STS_TR,
        expect_rcpts=[r], final=K_sts(IP60),
        checks=[delivered("pf-tls"),
                sts_trace(r"connect 192\.0\.2\.61 port 25",
                          r"tls: peer rejected",
                          r"tls-rpt: sts sts-next\.qrtest certificate-host-mismatch mx mx-wrongname\.qrtest",
                          r"connect 192\.0\.2\.60 port 25",
                          r"tls-rpt: sts sts-next\.qrtest success mx mx-tls\.qrtest")]),
    # testing: delivered as without a policy (opportunistic TLS to the wrong
    # name), what enforce would have refused in the transcript
    Scn("sts-testing-mismatch-delivers", "sts-testing.qrtest", ["a@sts-testing.qrtest"], control=STS_CTL,
        env=STS_TR, expect_rcpts=[r], final=K_tls(rb"192\.0\.2\.61"),
        checks=[delivered("pf-tls"),
                sts_trace(r"mta-sts: policy of sts-testing\.qrtest fetched: id testing1, mode testing",
                          r"mta-sts: testing: mx-wrongname\.qrtest is not listed by the policy of "
                          r"sts-testing\.qrtest \(enforce would skip it\)",
                          r"tls: MTA-STS testing: the certificate would fail enforce: hostname mismatch",
                          # not listed and the wrong name: what enforce would have
                          # refused first (it skips the host unseen) is what counts
                          r"tls-rpt: sts sts-testing\.qrtest validation-failure mx mx-wrongname\.qrtest "
                          r"ip 192\.0\.2\.61: the policy does not list this MX host")]),
    # testing refuses nothing: a '+*' line (chain only) is not made to
    # check the name by testing's audit
    Scn("sts-testing-plus-star-wrong-name-delivers", "sts-testing.qrtest", ["a@sts-testing.qrtest"],
        control=ctl(STS_CTL, tlsdest("+*:" + CA)), env=STS_TR, expect_rcpts=[r], final=K_tls(rb"192\.0\.2\.61"),
        checks=[delivered("pf-tls"), sts_trace(r"tls: certificate verified$")]),
    # ---- no policy: delivered as without one (plaintext: mx-notls), the transcript says why
    Scn("sts-malformed-policy", "sts-malformed.qrtest", ["a@sts-malformed.qrtest"], control=STS_CTL, env=STS_TR,
        expect_rcpts=[r], final=K_pf(STS_IP65),
        checks=[delivered("pf-tls"), received("pf-tls", tls=False),
                sts_no_policy("sts-malformed.qrtest",
                              r"mta-sts: the policy of sts-malformed\.qrtest is malformed: max_age is not 1 to 10 digits"),
                sts_trace(r"tls-rpt: sts sts-malformed\.qrtest sts-policy-invalid")]),
    Scn("sts-redirect-not-followed", "sts-redirect.qrtest", ["a@sts-redirect.qrtest"], control=STS_CTL,
        env=STS_TR, expect_rcpts=[r], final=K_pf(STS_IP65),
        checks=[delivered("pf-tls"),
                sts_no_policy("sts-redirect.qrtest",
                              r"mta-sts: fetch failed: mta-sts\.sts-redirect\.qrtest: HTTP 301: a redirect \(not followed")]),
    Scn("sts-policy-over-64k", "sts-big.qrtest", ["a@sts-big.qrtest"], control=STS_CTL, env=STS_TR,
        expect_rcpts=[r], final=K_pf(STS_IP65),
        checks=[delivered("pf-tls"),
                sts_no_policy("sts-big.qrtest", r"mta-sts: fetch failed: mta-sts\.sts-big\.qrtest: HTTP 200: "
                              r"body over the size limit")]),
    Scn("sts-policy-404", "sts-404.qrtest", ["a@sts-404.qrtest"], control=STS_CTL, env=STS_TR,
        expect_rcpts=[r], final=K_pf(STS_IP65),
        checks=[delivered("pf-tls"),
                sts_no_policy("sts-404.qrtest", r"mta-sts: fetch failed: mta-sts\.sts-404\.qrtest: HTTP 404: "
                              r"status is not 200")]),
    # the policy host's certificate does not name it: no policy (RFC 8461 3.3)
    Scn("sts-policy-host-wrong-certificate", "sts-webpki.qrtest", ["a@sts-webpki.qrtest"], control=STS_CTL,
        env=STS_TR, expect_rcpts=[r], final=K_pf(STS_IP65),
        checks=[delivered("pf-tls"),
                sts_no_policy("sts-webpki.qrtest", r"mta-sts: fetch failed: Unable to validate X\.500 certificate "
                              r"Subject for: mta-sts\.sts-webpki\.qrtest at mta-sts\.sts-webpki\.qrtest\."),
                sts_trace(r"tls-rpt: sts sts-webpki\.qrtest sts-webpki-invalid")]),
    # the CA the client trusts is not the test CA: the same
    Scn("sts-policy-host-untrusted", "sts-notls.qrtest", ["a@sts-notls.qrtest"], control={"mtastsca": CA2 + "\n"},
        env=STS_TR, expect_rcpts=[r], final=K_pf(STS_IP65),
        checks=[delivered("pf-tls"),
                sts_no_policy("sts-notls.qrtest", r"mta-sts: fetch failed: Unable to verify X\.509 certificate chain "
                              r"from: mta-sts\.sts-notls\.qrtest")]),
    Scn("sts-two-txt-records", "sts-twotxt.qrtest", ["a@sts-twotxt.qrtest"], control=STS_CTL, env=STS_TR,
        expect_rcpts=[r], final=K_pf(STS_IP65),
        checks=[delivered("pf-tls"),
                sts_no_policy("sts-twotxt.qrtest", r"mta-sts: _mta-sts\.sts-twotxt\.qrtest: more than one v=STSv1 "
                              r"TXT record: no policy discovered"),
                trace_lacks(r"mta-sts: fetching")]),
    # served as text/html: not a policy (RFC 8461 3.2)
    Scn("sts-policy-not-text-plain", "sts-html.qrtest", ["a@sts-html.qrtest"], control=STS_CTL, env=STS_TR,
        expect_rcpts=[r], final=K_pf(STS_IP65),
        checks=[delivered("pf-tls"),
                sts_no_policy("sts-html.qrtest", r"mta-sts: fetch failed: mta-sts\.sts-html\.qrtest: HTTP 200: "
                              r"the media type is not text/plain"),
                sts_trace(r"tls-rpt: sts sts-html\.qrtest sts-policy-fetch-error")]),
    # the web server is down and nothing is cached: no policy
    Scn("sts-web-down-nothing-cached", "sts-down2.qrtest", ["a@sts-down2.qrtest"], control=STS_CTL, env=STS_TR,
        expect_rcpts=[r], final=K_pf(STS_IP65),
        checks=[delivered("pf-tls"),
                sts_no_policy("sts-down2.qrtest", r"mta-sts: fetch failed: mta-sts\.sts-down2\.qrtest: connect to "
                              r"192\.0\.2\.39: Connection refused")]),
    # ---- precedence
    # usable DANE TLSA records decide for the host (RFC 8461 2): a self-signed
    # certificate the policy would refuse, on a host it does not even list
    Scn("sts-dane-wins", "sts-dane.qrtest", ["a@sts-dane.qrtest"], control=STS_CTL, env=STS_TR,
        expect_rcpts=[r], final=K_tls(rb"192\.0\.2\.63", dane=True),
        checks=[delivered("pf-tls"),
                sts_trace(r"mta-sts: policy of sts-dane\.qrtest fetched: id dane1, mode enforce",
                          r"mta-sts: mx-dane-ee-self\.qrtest has usable TLSA records: DANE decides, not MTA-STS",
                          r"tls: DANE authenticated the peer")]),
    # secure TLSA records OpenSSL can use none of authenticate nothing: the
    # enforce policy decides -- an MX host it does not list gets nothing;
    # one it lists must show a certificate for its name (pf-tls's names mx-tls)
    Scn("sts-dane-unusable-policy-decides-not-listed", "sts-daneunus.qrtest", ["a@sts-daneunus.qrtest"],
        control=STS_CTL, env=STS_TR, final=sts_z_mx("sts-daneunus.qrtest", "mx-dane-ee-unusable.qrtest"),
        checks=[nd("pf-tls"),
                sts_trace(r"tls: DANE: TLSA 3 1 1 \(20 bytes of data\) unusable",
                          r"mta-sts: OpenSSL can use none of the 2 TLSA record\(s\) of mx-dane-ee-unusable\.qrtest: "
                          r"the policy decides",
                          r"mta-sts: skip mx-dane-ee-unusable\.qrtest"),
                trace_lacks(r"connect 192\.0\.2\.60")]),
    Scn("sts-dane-unusable-policy-decides-name", "sts-daneunus2.qrtest", ["a@sts-daneunus2.qrtest"],
        control=STS_CTL, env=STS_TR, final=z_subject("mx-dane-ee-unusable.qrtest", "sts-daneunus2.qrtest"),
        checks=[nd("pf-tls"),
                sts_trace(r"mta-sts: OpenSSL can use none of the 2 TLSA record\(s\)",
                          r"tls: MTA-STS \(enforce\): TLS mandatory, chain verified against .*ca\.crt and the name "
                          r"mx-dane-ee-unusable\.qrtest")]),
    # a route bypasses MTA-STS: no TXT lookup, no fetch
    Scn("sts-route-bypasses", "sts-notlisted.qrtest", ["a@sts-notlisted.qrtest"],
        control=ctl(STS_CTL, route(["sts-notlisted.qrtest:mx-plain4.qrtest"])), env=STS_TR,
        expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"), sts_trace(r"mta-sts: not used: a route"),
                trace_lacks(r"mta-sts: (TXT|fetching)")]),
    # a tlsdestinations line naming the destination is the admin's decision
    Scn("sts-tlsdestinations-line-wins", "sts-notlisted.qrtest", ["a@sts-notlisted.qrtest"],
        control=ctl(STS_CTL, tlsdest("!sts-notlisted.qrtest:")), env=STS_TR, expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"),
                sts_trace(r"mta-sts: not used: a tlsdestinations line names sts-notlisted\.qrtest"),
                trace_lacks(r"mta-sts: (TXT|fetching)")]),
    Scn("sts-switched-off", "sts-notlisted.qrtest", ["a@sts-notlisted.qrtest"],
        control=ctl(STS_CTL, mtasts="0\n"), env=STS_TR, expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"), trace_lacks(r"mta-sts: ")]),
    Scn("sts-control-mtasts-bad", "sts-enforce.qrtest", ["a@sts-enforce.qrtest"], control={"mtasts": "yes\n"},
        final=X(b"ZUnable to read control files. (#4.3.0)\nmtasts line 1: must be 0 or 1.\n")),
    # ---- issue 22
    # a field other than mx given twice: the first counts (RFC 8461 3.2), never no policy
    Scn("sts-field-twice-first-counts", "sts-dupmode.qrtest", ["a@sts-dupmode.qrtest"], control=STS_CTL,
        env=STS_TR, expect_rcpts=[r], final=K_sts(IP60),
        checks=[delivered("pf-tls"),
                sts_trace(r"mta-sts: policy of sts-dupmode\.qrtest fetched: id dupmode1, mode enforce, max_age 86400,")]),
    Scn("sts-txt-two-ids-first-counts", "sts-twoid.qrtest", ["a@sts-twoid.qrtest"], control=STS_CTL, env=STS_TR,
        expect_rcpts=[r], final=K_sts(IP60),
        checks=[delivered("pf-tls"),
                sts_trace(r'mta-sts: TXT _mta-sts\.sts-twoid\.qrtest: "v=STSv1; id=twoid1; id=twoid2"',
                          r"mta-sts: policy of sts-twoid\.qrtest fetched: id twoid1, mode enforce")]),
    # UTF-8 in an extension value ("owner: Zoë"): the ABNF allows it
    Scn("sts-utf8-extension-value", "sts-utf8.qrtest", ["a@sts-utf8.qrtest"], control=STS_CTL, env=STS_TR,
        expect_rcpts=[r], final=K_sts(IP60),
        checks=[delivered("pf-tls"), sts_trace(r"mta-sts: policy of sts-utf8\.qrtest fetched: id utf81, mode enforce")]),
    # a route with an empty relay still goes to the MX hosts: the policy
    # holds (enforce refuses the unlisted MX); so does a '/' line (no TLSA only)
    Scn("sts-route-empty-relay-policy-holds", "sts-notlisted.qrtest", ["a@sts-notlisted.qrtest"],
        control=ctl(STS_CTL, route(["sts-notlisted.qrtest:"])), env=STS_TR,
        final=sts_z_mx("sts-notlisted.qrtest", "mx-plain4.qrtest"),
        checks=[nd("pf-plain"),
                sts_trace(r"route: smtproutes line 1: MX look-up",
                          r"mta-sts: skip mx-plain4\.qrtest: the policy of sts-notlisted\.qrtest \(enforce\)"),
                trace_lacks(r"mta-sts: not used"), trace_lacks(r"connect 192\.0\.2\.25")]),
    Scn("sts-slash-line-policy-holds", "sts-notlisted.qrtest", ["a@sts-notlisted.qrtest"],
        control=ctl(STS_CTL, tlsdest("/sts-notlisted.qrtest:")), env=STS_TR,
        final=sts_z_mx("sts-notlisted.qrtest", "mx-plain4.qrtest"),
        checks=[nd("pf-plain"), sts_trace(r"mta-sts: skip mx-plain4\.qrtest"), trace_lacks(r"mta-sts: not used"),
                trace_lacks(r"connect 192\.0\.2\.25")]),
    # a named line that makes TLS mandatory is the admin's decision (no
    # STARTTLS at mx-plain4: the line's Z, not the policy's)
    Scn("sts-mandatory-line-bypasses", "sts-notlisted.qrtest", ["a@sts-notlisted.qrtest"],
        control=ctl(STS_CTL, tlsdest("sts-notlisted.qrtest:")), env=STS_TR,
        final=z_nostarttls("mx-plain4.qrtest", "sts-notlisted.qrtest"),
        checks=[nd("pf-plain"),
                sts_trace(r"mta-sts: not used: a tlsdestinations line names sts-notlisted\.qrtest \(line 1\)"),
                trace_lacks(r"mta-sts: (TXT|fetching)")]),
    # a body framed by the connection's end: nginx ends it with a
    # close_notify (accepted); httpscut.py cuts it without one (no policy)
    Scn("sts-close-delimited-body", "sts-close.qrtest", ["a@sts-close.qrtest"], control=STS_CTL, env=STS_TR,
        expect_rcpts=[r], final=K_sts(IP60),
        checks=[delivered("pf-tls"),
                sts_trace(r"https: < HTTP 200, \d+ bytes",
                          r"mta-sts: policy of sts-close\.qrtest fetched: id close1, mode enforce")]),
    Scn("sts-close-delimited-cut-no-close-notify", "sts-cut.qrtest", ["a@sts-cut.qrtest"], control=STS_CTL,
        env=STS_TR, expect_rcpts=[r], final=K_pf(STS_IP65),
        checks=[delivered("pf-tls"),
                sts_no_policy("sts-cut.qrtest", r"mta-sts: fetch failed: mta-sts\.sts-cut\.qrtest: HTTP 200: the body "
                              r"ended without a TLS close_notify")]),
    # the listed MX fails TLS, the unlisted backup is skipped: the report
    # names the TLS failure, the transcript both
    Scn("sts-deferral-names-listed-failure", "sts-cause.qrtest", ["a@sts-cause.qrtest"], control=STS_CTL,
        env=STS_TR, final=z_subject("mx-wrongname.qrtest", "sts-cause.qrtest"),
        checks=[nd("pf-tls"), nd("pf-plain"),
                sts_trace(r"connect 192\.0\.2\.61 port 25", r"tls: peer rejected",
                          r"mta-sts: skip mx-plain4\.qrtest: the policy of sts-cause\.qrtest \(enforce\)"),
                trace_lacks(r"connect 192\.0\.2\.25")]),
    # name checks under enforce: a partial wildcard is refused (a '~*'
    # default changes nothing), a whole-label wildcard accepted
    Scn("sts-enforce-partial-wildcard-refused", "sts-partial.qrtest", ["a@sts-partial.qrtest"], control=STS_CTL,
        env=STS_TR, final=z_subject("mx1.partial.qrtest", "sts-partial.qrtest"),
        checks=[nd("pf-tls"), sts_trace(r"tls: peer certificate DNS names mx\*\.partial\.qrtest",
                                        r"tls: peer rejected")]),
    Scn("sts-enforce-partial-wildcard-tilde-default", "sts-partial.qrtest", ["a@sts-partial.qrtest"],
        control=ctl(STS_CTL, tlsdest("~*:" + CA)), final=z_subject("mx1.partial.qrtest", "sts-partial.qrtest"),
        checks=[nd("pf-tls")]),
    Scn("sts-enforce-wildcard-accepted", "sts-wild.qrtest", ["a@sts-wild.qrtest"], control=STS_CTL, env=STS_TR,
        expect_rcpts=[r], final=K_sts(rb"192\.0\.2\.64"),
        checks=[delivered("pf-tls"), sts_trace(r"tls: certificate verified with the name")]),
    # the policy host's certificate names it only in the CN: a DNS-ID is
    # required (RFC 8461 3.3), so no policy
    Scn("sts-policy-host-cn-only", "sts-cnonly.qrtest", ["a@sts-cnonly.qrtest"], control=STS_CTL, env=STS_TR,
        expect_rcpts=[r], final=K_pf(STS_IP65),
        checks=[delivered("pf-tls"),
                sts_no_policy("sts-cnonly.qrtest", r"mta-sts: fetch failed: Unable to validate X\.500 certificate "
                              r"Subject for: mta-sts\.sts-cnonly\.qrtest at mta-sts\.sts-cnonly\.qrtest\."),
                sts_trace(r"tls-rpt: sts sts-cnonly\.qrtest sts-webpki-invalid")]),
    # a domain without a policy: the TXT lookup comes back NXDOMAIN, nothing else is done
    Scn("sts-no-policy-plain", "plain4.qrtest", ["sts@plain4.qrtest"], env=STS_TR, expect_rcpts=[r],
        final=K_pf(IP25),
        checks=[delivered("pf-plain"), sts_trace(r"mta-sts: TXT _mta-sts\.plain4\.qrtest: lookup NXDOMAIN",
                                                 r"mta-sts: plain4\.qrtest has no policy"),
                trace_lacks(r"mta-sts: fetching")]),
]


def sts_run(sc):
    """run one Scn; its problems (empty = pass), and the Ctx"""
    c = run_client(sc, bedlib.token(sc.name))
    errs = judge(sc, c)
    return ["%s: %s" % (sc.name, e) for e in errs] + (["%s" % show(c)] if errs else []), c


def sts_cached_when_web_down():
    """An unexpired cached policy stays in force when the fetch fails (RFC
    8461 5.1): the TXT id changed (down1 cached, down2 published), the web
    server refuses, and the cached enforce policy still refuses the
    plaintext-only MX; the same domain without the cache delivers."""
    d = sts_dir("web-down")
    now = int(time.time())
    with open(os.path.join(d, "sts-down2.qrtest"), "w") as f:
        f.write(sts_cache_text("sts-down2.qrtest", "down1", now - 60, now + 86400, "enforce", 86400,
                               ["mx-notls.qrtest"]))
    errs, c = sts_run(Scn("sts-web-down-cached-enforced", "sts-down2.qrtest", ["a@sts-down2.qrtest"],
                          control=STS_CTL, env=STS_TR, stsdir=d,
                          final=z_nostarttls("mx-notls.qrtest", "sts-down2.qrtest"),
                          checks=[nd("pf-tls"),
                                  sts_trace(r"mta-sts: cached policy id down1, TXT id down2: fetching the new one",
                                            r"mta-sts: fetch failed: .*Connection refused",
                                            r"mta-sts: the cached policy of sts-down2\.qrtest stays in force",
                                            r"mta-sts: policy of sts-down2\.qrtest cached: id down1, mode enforce")]))
    # the failed fetch is remembered: the next delivery does not try again
    fail = os.path.join(d, ".fail.sts-down2.qrtest")
    if not os.path.exists(fail) or not re.fullmatch(r"down2 \d+\n", open(fail).read()):
        errs.append("no note of the failed fetch in %s" % fail)
    # an expired one does not count
    with open(os.path.join(d, "sts-down2.qrtest"), "w") as f:
        f.write(sts_cache_text("sts-down2.qrtest", "down1", now - 200, now - 100, "enforce", 100,
                               ["mx-notls.qrtest"]))
    e2, c = sts_run(Scn("sts-web-down-cache-expired", "sts-down2.qrtest", ["a@sts-down2.qrtest"],
                        control=STS_CTL, env=STS_TR, stsdir=d, expect_rcpts=[r], final=K_pf(STS_IP65),
                        checks=[delivered("pf-tls"), sts_trace(r"mta-sts: the cached policy of sts-down2\.qrtest "
                                                                r"expired at ",
                                                                r"mta-sts: the fetch for id down2 failed at .*: "
                                                                r"not tried again before "),
                                trace_lacks(r"https: connect")]))
    return errs + e2


def sts_testing_ca_unreadable():
    """testing refuses nothing: a cached testing policy and a CA store that
    cannot be read (control/mtastsca names no file) still deliver, the
    transcript saying that no chain could verify."""
    d = sts_dir("testing-ca")
    now = int(time.time())
    with open(os.path.join(d, "sts-testing.qrtest"), "w") as f:
        f.write(sts_cache_text("sts-testing.qrtest", "testing1", now - 60, now + 86400, "testing", 86400,
                               ["mx-tls.qrtest"]))
    return sts_run(Scn("sts-testing-ca-unreadable-delivers", "sts-testing.qrtest", ["a@sts-testing.qrtest"],
                       control={"mtastsca": "/nonexistent/ca.pem\n"}, env=STS_TR, stsdir=d, expect_rcpts=[r],
                       final=K_tls(rb"192\.0\.2\.61"),
                       checks=[delivered("pf-tls"),
                               sts_trace(r"mta-sts: policy of sts-testing\.qrtest cached: id testing1, mode testing",
                                         r"tls: MTA-STS testing: the CA store /nonexistent/ca\.pem cannot be read",
                                         r"tls: MTA-STS testing: the certificate would fail enforce: ")]))[0]


def sts_id_change():
    """Kept in the cache (mode 0600); the same id: no fetch; a new id in the
    TXT record: fetched again, the cache replaced."""
    d = sts_dir("id-change")
    path = os.path.join(d, "sts-enforce.qrtest")
    errs = []
    n0 = sts_fetches("sts-enforce.qrtest")
    sc = lambda name, chk: Scn(name, "sts-enforce.qrtest", ["a@sts-enforce.qrtest"], control=STS_CTL,  # noqa: E731
                               env=STS_TR, stsdir=d, expect_rcpts=[r], final=K_sts(IP60),
                               checks=[delivered("pf-tls")] + chk)
    errs += sts_run(sc("sts-id-first", [sts_trace(r"mta-sts: fetching"), trace_lacks(r"not kept")]))[0]
    if not os.path.exists(path):
        return errs + ["no cache file %s after the first delivery" % path]
    st = os.stat(path)
    if st.st_mode & 0o777 != 0o600:
        errs.append("cache file mode %o, want 600" % (st.st_mode & 0o777))
    text = open(path).read()
    want = re.compile(r"# qmail-remote MTA-STS policy of sts-enforce\.qrtest\nid: 20260101T000000\n"
                      r"fetched: (\d+)\nexpires: (\d+)\nversion: STSv1\nmode: enforce\nmax_age: 86400\n"
                      r"mx: mx-tls\.qrtest\n"
                      # the lines as served, for TLS-RPT's policy-string (issue 24)
                      r"served: version: STSv1\nserved: mode: enforce\nserved: mx: mx-tls\.qrtest\n"
                      r"served: max_age: 86400\n# end\n")
    m = want.fullmatch(text)
    if not m or int(m.group(2)) - int(m.group(1)) != 86400:
        errs.append("cache file:\n%s" % text)
    errs += sts_run(sc("sts-id-same", [sts_trace(r"mta-sts: policy of sts-enforce\.qrtest cached: id 20260101T000000"),
                                       trace_lacks(r"mta-sts: fetching")]))[0]
    # the same policy domain however the host is written: no second cache file, no fetch
    errs += sts_run(Scn("sts-id-same-host-upper-dot", "STS-Enforce.QRtest.", ["a@sts-enforce.qrtest"],
                        control=STS_CTL, env=STS_TR, stsdir=d, expect_rcpts=[r], final=K_sts(IP60),
                        checks=[delivered("pf-tls"),
                                sts_trace(r"mta-sts: policy of sts-enforce\.qrtest cached: id 20260101T000000"),
                                trace_lacks(r"mta-sts: fetching")]))[0]
    if sorted(os.listdir(d)) != ["sts-enforce.qrtest"]:
        errs.append("cache directory holds %r" % sorted(os.listdir(d)))
    if sts_fetches("sts-enforce.qrtest") != n0 + 1:
        errs.append("nginx served %d fetches, want 1" % (sts_fetches("sts-enforce.qrtest") - n0))
    with open(path, "w") as f:
        f.write(text.replace("id: 20260101T000000", "id: old1"))
    errs += sts_run(sc("sts-id-changed", [sts_trace(r"mta-sts: cached policy id old1, TXT id 20260101T000000: "
                                                    r"fetching the new one",
                                                    r"mta-sts: policy of sts-enforce\.qrtest fetched")]))[0]
    if "id: 20260101T000000\n" not in open(path).read():
        errs.append("the cache file was not replaced: %r" % open(path).read())
    if sts_fetches("sts-enforce.qrtest") != n0 + 2:
        errs.append("nginx served %d fetches, want 2" % (sts_fetches("sts-enforce.qrtest") - n0))
    return errs


def sts_concurrent():
    """Twelve deliveries at once fetch and write the same cache file: every
    one is delivered under the policy, the file is whole (one of theirs),
    no temporary file is left, and the next delivery reads it."""
    import concurrent.futures
    d = sts_dir("concurrent")
    scs = [Scn("sts-concurrent-%d" % i, "sts-enforce.qrtest", ["c%d@sts-enforce.qrtest" % i], control=STS_CTL,
               stsdir=d, expect_rcpts=[r], final=K_sts(IP60)) for i in range(12)]
    errs = []
    with concurrent.futures.ThreadPoolExecutor(12) as ex:
        for e, _ in ex.map(sts_run, scs):
            errs += e
    files = sorted(os.listdir(d))
    if files != ["sts-enforce.qrtest"]:
        errs.append("cache directory holds %r" % files)
    errs += sts_run(Scn("sts-concurrent-after", "sts-enforce.qrtest", ["a@sts-enforce.qrtest"], control=STS_CTL,
                        env=STS_TR, stsdir=d, expect_rcpts=[r], final=K_sts(IP60),
                        checks=[sts_trace(r"mta-sts: policy of sts-enforce\.qrtest cached"),
                                trace_lacks(r"mta-sts: fetching|cache .*: ignored")]))[0]
    return errs


def sts_many_cached():
    """A 64 KB policy of 7200 short mx lines is cached (the cache file's
    "mx: " lines are longer than the policy's), and read back."""
    d = sts_dir("many")
    path = os.path.join(d, "sts-many.qrtest")
    sc = lambda name, chk: Scn(name, "sts-many.qrtest", ["a@sts-many.qrtest"], control=STS_CTL,  # noqa: E731
                               env=STS_TR, stsdir=d, expect_rcpts=[r], final=K_sts(IP60),
                               checks=[delivered("pf-tls")] + chk)
    errs = sts_run(sc("sts-many-first", [sts_trace(r"https: < HTTP 200, \d+ bytes",
                                                   r"mta-sts: policy of sts-many\.qrtest fetched: id many1"),
                                         trace_lacks(r"mta-sts: cache .*not kept")]))[0]
    if not os.path.exists(path):
        return errs + ["no cache file %s" % path]
    text = open(path).read()
    n = len(re.findall(r"(?m)^mx: h[0-9a-f]{4}$", text))
    if n != 7200 or "mx: mx-tls.qrtest\n" not in text or not text.endswith("# end\n") or len(text) <= 65536:
        errs.append("cache file: %d bytes, %d short mx lines (want 7200, over 64 KB)" % (len(text), n))
    errs += sts_run(sc("sts-many-cached", [sts_trace(r"mta-sts: policy of sts-many\.qrtest cached: id many1"),
                                           trace_lacks(r"mta-sts: fetching|cache .*: ignored")]))[0]
    return errs


def sts_refresh_hidden():
    """No TXT record: a cached policy less than a day old is used as it is;
    one older than a day (of a week's max_age) is fetched again all the same
    (RFC 8461 3.3, 10.2), under its own id, and the cache replaced."""
    d = sts_dir("hidden")
    path = os.path.join(d, "sts-hidden.qrtest")
    now = int(time.time())
    n0 = sts_fetches("sts-hidden.qrtest")

    def cache(fetched):
        with open(path, "w") as f:
            f.write(sts_cache_text("sts-hidden.qrtest", "hid0", fetched, fetched + 604800, "testing", 604800,
                                   ["mx-tls.qrtest"]))
    cache(now - 60)
    errs = sts_run(Scn("sts-hidden-fresh-cached", "sts-hidden.qrtest", ["a@sts-hidden.qrtest"], control=STS_CTL,
                       env=STS_TR, stsdir=d, expect_rcpts=[r], final=K_tls(IP60),
                       checks=[delivered("pf-tls"),
                               sts_trace(r"mta-sts: TXT _mta-sts\.sts-hidden\.qrtest: lookup NXDOMAIN",
                                         r"mta-sts: no usable TXT record for sts-hidden\.qrtest: the cached policy "
                                         r"stays in force",
                                         r"mta-sts: policy of sts-hidden\.qrtest cached: id hid0, mode testing"),
                               trace_lacks(r"mta-sts: fetching")]))[0]
    if sts_fetches("sts-hidden.qrtest") != n0:
        errs.append("a fresh cached policy was fetched again")
    cache(now - 2 * 86400)
    t0 = int(time.time())
    errs += sts_run(Scn("sts-hidden-stale-refreshed", "sts-hidden.qrtest", ["a@sts-hidden.qrtest"], control=STS_CTL,
                        env=STS_TR, stsdir=d, expect_rcpts=[r], final=K_sts(IP60),
                        checks=[delivered("pf-tls"),
                                sts_trace(r"mta-sts: no usable TXT record for sts-hidden\.qrtest: refreshing the cached "
                                          r"policy \(id hid0, fetched ",
                                          r"mta-sts: fetching https://mta-sts\.sts-hidden\.qrtest/",
                                          r"mta-sts: policy of sts-hidden\.qrtest fetched: id hid0, mode enforce")]))[0]
    if sts_fetches("sts-hidden.qrtest") != n0 + 1:
        errs.append("nginx served %d fetches of sts-hidden, want 1" % (sts_fetches("sts-hidden.qrtest") - n0))
    m = re.search(r"(?m)^fetched: (\d+)$", open(path).read())
    if not m or int(m.group(1)) < t0 or "mode: enforce\n" not in open(path).read():
        errs.append("the cache file was not replaced: %r" % open(path).read())
    return errs


def sts_refresh_hidden_fails():
    """No TXT record, a stale cached policy and a web server that refuses:
    the refresh fails, the cached policy holds until it expires, and the
    failure is noted (.fail.<domain>, the cached id): the next delivery
    does not try again."""
    d = sts_dir("hidden-down")
    now = int(time.time())
    with open(os.path.join(d, "sts-hidden-down.qrtest"), "w") as f:
        f.write(sts_cache_text("sts-hidden-down.qrtest", "hd1", now - 2 * 86400, now + 5 * 86400, "enforce", 604800,
                               ["mx-notls.qrtest"]))
    sc = lambda name, chk: Scn(name, "sts-hidden-down.qrtest", ["a@sts-hidden-down.qrtest"],  # noqa: E731
                               control=STS_CTL, env=STS_TR, stsdir=d,
                               final=z_nostarttls("mx-notls.qrtest", "sts-hidden-down.qrtest"),
                               checks=[nd("pf-tls")] + chk)
    errs = sts_run(sc("sts-hidden-refresh-fails", [
        sts_trace(r"mta-sts: no usable TXT record for sts-hidden-down\.qrtest: refreshing the cached policy",
                  r"mta-sts: fetch failed: mta-sts\.sts-hidden-down\.qrtest: connect to 192\.0\.2\.39: Connection refused",
                  r"mta-sts: the cached policy of sts-hidden-down\.qrtest stays in force",
                  r"mta-sts: policy of sts-hidden-down\.qrtest cached: id hd1, mode enforce")]))[0]
    fail = os.path.join(d, ".fail.sts-hidden-down.qrtest")
    if not os.path.exists(fail) or not re.fullmatch(r"hd1 \d+\n", open(fail).read()):
        errs.append("no note of the failed refresh in %s" % fail)
    errs += sts_run(sc("sts-hidden-refresh-not-retried", [
        sts_trace(r"mta-sts: the fetch for id hd1 failed at .*: not tried again before ",
                  r"mta-sts: the cached policy of sts-hidden-down\.qrtest stays in force"),
        trace_lacks(r"https: connect")]))[0]
    return errs


SPECIAL += [("sts-many-short-mx-lines-cached", sts_many_cached),
            ("sts-stale-cache-refreshed-without-txt", sts_refresh_hidden),
            ("sts-failed-refresh-keeps-cache-without-txt", sts_refresh_hidden_fails)]

SPECIAL += [("sts-testing-ca-unreadable-delivers", sts_testing_ca_unreadable),
            ("sts-cached-policy-when-web-down", sts_cached_when_web_down), ("sts-policy-id-change", sts_id_change),
            ("sts-concurrent-cache-writers", sts_concurrent)]


def sts_install():
    """make install creates queue/mtasts (mode 700, owner qmailr when root
    installs and it exists) when the queue exists, keeps what it holds on a
    reinstall; make uninstall removes it; without a queue nothing is made.
    (op_stage, op_make: scenarios_operator.py, called at run time.)"""
    src, root = op_stage("mtasts")
    q = os.path.join(root, "var", "qmail", "queue")
    d = os.path.join(q, "mtasts")
    os.makedirs(os.path.join(q, "lock"))
    errs = []
    p = op_make(src, root, "install")
    if p.returncode != 0:
        return ["make install failed: %s" % (p.stdout + p.stderr)[-800:]]
    if not os.path.isdir(d):
        return ["install: no %s" % d]
    st = os.stat(d)
    if st.st_mode & 0o777 != 0o700:
        errs.append("install: %s has mode %o, want 700" % (d, st.st_mode & 0o777))
    try:
        import pwd
        want_uid = pwd.getpwnam("qmailr").pw_uid if os.geteuid() == 0 else os.geteuid()
    except KeyError:
        want_uid = os.geteuid()
    if st.st_uid != want_uid:
        errs.append("install: %s is owned by uid %d, want %d" % (d, st.st_uid, want_uid))
    with open(os.path.join(d, "example.org"), "w") as f:
        f.write("kept\n")
    p = op_make(src, root, "install")
    if p.returncode != 0 or not os.path.exists(os.path.join(d, "example.org")):
        errs.append("reinstall: the cache was not kept")
    p = op_make(src, root, "uninstall")
    if p.returncode != 0 or os.path.exists(d):
        errs.append("uninstall: %s still exists" % d)
    op_shutil.rmtree(os.path.dirname(src), ignore_errors=True)
    src, root = op_stage("mtasts-noqueue")
    p = op_make(src, root, "install")
    if p.returncode != 0 or os.path.exists(os.path.join(root, "var", "qmail", "queue")):
        errs.append("install without a queue: rc %d, or it made a queue" % p.returncode)
    op_shutil.rmtree(os.path.dirname(src), ignore_errors=True)
    return errs


SPECIAL += [("sts-install-creates-cache-dir", sts_install)]
