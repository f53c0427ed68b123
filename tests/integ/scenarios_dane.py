# scenarios_dane.py -- DANE scenarios (exec'd by scenarios.py, its helpers in scope).
#
# The qrtest. zone is DNSSEC-signed (mkzone) and unbound validates it; the
# TLSA records are in bed.d/30-dane.zone, the insecure and bogus child zones
# on ns-dane (bed.d/30-dane.sh).  Servers: pf-tls (20-tls.sh): 192.0.2.60-65,
# and 192.0.2.69 (postfix-dane/smtpd: certificate mx-dane-ta.qrtest with the
# test CA in its chain).
exec(compile(open(os.path.join(bedlib.HERE, "tls", "scnlib.py")).read(),  # noqa: S102
             os.path.join(bedlib.HERE, "tls", "scnlib.py"), "exec"), globals())

IP69 = rb"192\.0\.2\.69"


def z_tlsa(mx, host, why):
    return X("ZTLSA validation of the X.509 certificate failed for: %s for %s: %s.\n" % (mx, host, why))


def z_tlsa_lookup(mx, host):
    return X("ZTLSA lookup error for: %s for %s.\n" % (mx, host))


DNSFWD = "192.0.2.55"     # bed.d/31-dnsfwd.sh: unbound, but AAAA SERVFAIL for some names
NOMATCH = "no matching DANE TLSA records"


def dnsfwd_servfailed(name):
    """dnsfwd answered an AAAA query for name with SERVFAIL while the client
    ran (so the scenario really met the fault)"""
    def chk(c):
        since = time.time() - c.elapsed - 2
        try:
            with open(os.path.join(BED, "dnsfwd", "dnsfwd.log")) as f:
                hits = re.findall(r"(?m)^(\d+\.\d+) (?:udp|tcp) AAAA %s: SERVFAIL$" % re.escape(name), f.read())
        except OSError as e:
            return "dnsfwd log: %s" % e
        if not any(float(t) >= since for t in hits):
            return "dnsfwd did not answer AAAA %s with SERVFAIL during the run" % name
        return None
    return chk


S += [
    # ---- usable TLSA (usages 2 and 3): mandatory and authenticated by DANE
    Scn("dane-ee-spki", "dane-ee.qrtest", ["a@dane-ee.qrtest"], expect_rcpts=[r], final=K_tls(IP60, dane=True),
        checks=[delivered("pf-tls"), received("pf-tls")]),
    Scn("dane-ee-full-cert-sha512", "dane-ee-full.qrtest", ["a@dane-ee-full.qrtest"], expect_rcpts=[r],
        final=K_tls(IP60, dane=True), checks=[delivered("pf-tls")]),
    # DANE-EE: neither the name nor the dates nor the issuer matter (RFC 7672 3.1.1)
    Scn("dane-ee-selfsigned-other-name", "dane-ee-self.qrtest", ["a@dane-ee-self.qrtest"], expect_rcpts=[r],
        final=K_tls(rb"192\.0\.2\.63", dane=True), checks=[delivered("pf-tls")]),
    Scn("dane-ee-expired", "dane-ee-expired.qrtest", ["a@dane-ee-expired.qrtest"], expect_rcpts=[r],
        final=K_tls(rb"192\.0\.2\.62", dane=True), checks=[delivered("pf-tls")]),
    # the whole RRset, whatever its size (issue 16.1): a whole certificate (3 0 0,
    # over the 512 bytes once kept as "unusable"), matching or not; 20 records, one
    # of them matching, about 9 KB: truncated over UDP, asked again over TCP
    Scn("dane-ee-full-cert-300", "dane-ee-big.qrtest", ["a@dane-ee-big.qrtest"], expect_rcpts=[r],
        final=K_tls(IP60, dane=True), checks=[delivered("pf-tls"), received("pf-tls")]),
    Scn("dane-ee-full-cert-300-mismatch", "dane-ee-bigbad.qrtest", ["a@dane-ee-bigbad.qrtest"],
        final=z_tlsa("mx-dane-ee-bigbad.qrtest", "dane-ee-bigbad.qrtest", "no matching DANE TLSA records"),
        checks=[nd("pf-tls")]),
    Scn("dane-ee-one-of-twenty-matches", "dane-ee-many.qrtest", ["a@dane-ee-many.qrtest"], env=TRACE,
        expect_rcpts=[r], final=K_tls(IP60, dane=True),
        checks=[delivered("pf-tls"),
                trace_has(r"dns: _25\._tcp\.mx-dane-ee-many\.qrtest: reply truncated over UDP, asking again over TCP",
                          r"dns: TLSA _25\._tcp\.mx-dane-ee-many\.qrtest: status 0, 20 record\(s\), DNSSEC-validated",
                          r"tls: DANE: 20 TLSA record\(s\) of usage 2 or 3",
                          r"tls: DANE: OpenSSL took 20 of 20 TLSA record\(s\)",
                          r"tls: DANE authenticated the peer")]),
    Scn("dane-ee-one-of-two-matches", "dane-ee-multi.qrtest", ["a@dane-ee-multi.qrtest"], expect_rcpts=[r],
        final=K_tls(IP60, dane=True), checks=[delivered("pf-tls")]),
    Scn("dane-ta-cert", "dane-ta.qrtest", ["a@dane-ta.qrtest"], expect_rcpts=[r], final=K_tls(IP69, dane=True),
        checks=[delivered("pf-tls"), received("pf-tls")]),
    Scn("dane-ta-spki", "dane-ta2.qrtest", ["a@dane-ta2.qrtest"], expect_rcpts=[r], final=K_tls(IP69, dane=True),
        checks=[delivered("pf-tls")]),
    Scn("dane-ta-full-cert", "dane-ta3.qrtest", ["a@dane-ta3.qrtest"], expect_rcpts=[r],
        final=K_tls(IP69, dane=True), checks=[delivered("pf-tls")]),
    Scn("dane-ta-wrong-name", "dane-tawrong.qrtest", ["a@dane-tawrong.qrtest"],
        final=z_tlsa("mx-dane-tawrong.qrtest", "dane-tawrong.qrtest", "hostname mismatch"),
        checks=[nd("pf-tls")]),
    Scn("dane-ee-mismatch", "dane-bad.qrtest", ["a@dane-bad.qrtest"],
        final=z_tlsa("mx-dane-bad.qrtest", "dane-bad.qrtest", "no matching DANE TLSA records"),
        checks=[nd("pf-tls")]),
    Scn("dane-ee-mismatch-next-mx", "dane-badnext.qrtest", ["a@dane-badnext.qrtest"], env=TRACE,
        expect_rcpts=[r], final=K_tls(IP69, dane=True),
        checks=[delivered("pf-tls"), via_service("pf-tls", "postfix-dane"),
                stderr_has(r"(?s)connect 192\.0\.2\.60 port 25 \(mx-dane-bad\.qrtest.*peer rejected: \d+ no matching "
                           r"DANE TLSA records.*connect 192\.0\.2\.69 port 25 \(mx-dane-ta\.qrtest")]),
    # DANE wins over a tlsdestinations CA that would not verify the server
    Scn("dane-overrides-cafile", "dane-ee.qrtest", ["a@dane-ee.qrtest"], control=tlsdest("+*:" + CA2),
        expect_rcpts=[r], final=K_tls(IP60, dane=True), checks=[delivered("pf-tls")]),
    Scn("dane-smtproutes-relay-name", "route.qrtest", ["a@route.qrtest"],
        control=route(["route.qrtest:mx-dane-ee.qrtest"]), expect_rcpts=[r], final=K_tls(IP60, dane=True),
        checks=[delivered("pf-tls")]),
    Scn("dane-smtproutes-relay-mismatch", "route.qrtest", ["a@route.qrtest"],
        control=route(["route.qrtest:mx-dane-bad.qrtest"]),
        final=z_tlsa("mx-dane-bad.qrtest", "route.qrtest", "no matching DANE TLSA records"),
        checks=[nd("pf-tls")]),
    # ---- secure TLSA without usable records (usages 0 and 1): mandatory, unauthenticated
    Scn("dane-pkix-only", "dane-pkix.qrtest", ["a@dane-pkix.qrtest"], expect_rcpts=[r], final=K_tls(IP60),
        checks=[delivered("pf-tls"), received("pf-tls")]),
    Scn("dane-pkix-only-no-starttls", "dane-pkix-notls.qrtest", ["a@dane-pkix-notls.qrtest"],
        final=z_nostarttls("mx-dane-pkix-notls.qrtest", "dane-pkix-notls.qrtest"),
        checks=[not_delivered("pf-tls")]),
    # ---- secure usage-3 records that OpenSSL refuses (a SHA-256 of 20 bytes, matching
    # type 9): none usable -> TLS mandatory, unauthenticated (RFC 7672 2.2; issue 16.19)
    Scn("dane-openssl-refuses-all-records", "dane-unusable.qrtest", ["a@dane-unusable.qrtest"], env=TRACE,
        expect_rcpts=[r], final=K_tls(IP60),
        checks=[delivered("pf-tls"), received("pf-tls"),
                trace_has(r"tls: DANE: 2 TLSA record\(s\) of usage 2 or 3",
                          r"tls: DANE: OpenSSL can use none of the 2 TLSA record\(s\): TLS mandatory, "
                          r"unauthenticated \(RFC 7672 2\.2\)"),
                # in the RRset's order, which is DNSSEC's canonical one
                trace_has(r"tls: DANE: TLSA 3 1 1 \(20 bytes of data\) unusable: dane tlsa bad digest length"),
                trace_has(r"tls: DANE: TLSA 3 1 9 \(32 bytes of data\) unusable: dane tlsa bad matching type")]),
    # ... and the admin's line asks for a verified chain: its CA is loaded for
    # the check the unusable records leave to it (not DANE's "no CA")
    Scn("dane-openssl-refuses-all-records-plus-line-verifies", "dane-unusable.qrtest", ["a@dane-unusable.qrtest"],
        control=tlsdest("+*:" + CA), env=TRACE, expect_rcpts=[r], final=K_tls(IP60),
        checks=[delivered("pf-tls"), received("pf-tls"),
                trace_has(r"tls: DANE: OpenSSL can use none of the 2 TLSA record\(s\): TLS mandatory, "
                          r"unauthenticated \(RFC 7672 2\.2\)",
                          r"tls: certificate verified")]),
    Scn("dane-openssl-refuses-all-records-plus-line-other-ca", "dane-unusable.qrtest", ["a@dane-unusable.qrtest"],
        control=tlsdest("+*:" + CA2), final=z_chain("mx-dane-ee-unusable.qrtest", "dane-unusable.qrtest", rb"[^\n]+"),
        checks=[not_delivered("pf-tls")]),
    Scn("dane-openssl-refuses-all-records-no-starttls", "dane-unusable-notls.qrtest",
        ["a@dane-unusable-notls.qrtest"],
        final=z_nostarttls("mx-dane-ee-unusable-notls.qrtest", "dane-unusable-notls.qrtest"),
        checks=[not_delivered("pf-tls")]),
    # ---- usable TLSA, no STARTTLS: never plaintext
    Scn("dane-no-starttls", "dane-notls.qrtest", ["a@dane-notls.qrtest"],
        final=z_nostarttls("mx-dane-notls.qrtest", "dane-notls.qrtest"), checks=[not_delivered("pf-tls")]),
    Scn("dane-no-starttls-next-mx", "dane-notlsnext.qrtest", ["a@dane-notlsnext.qrtest"], expect_rcpts=[r],
        final=K_tls(IP60, dane=True), checks=[delivered("pf-tls"), received("pf-tls")]),
    # ---- insecure: TLSA ignored (these records would not match)
    Scn("dane-insecure-tlsa-ignored", "dane-insectlsa.qrtest", ["a@dane-insectlsa.qrtest"], expect_rcpts=[r],
        final=K_tls(IP60), checks=[delivered("pf-tls")]),
    Scn("dane-insecure-zone-ignored", "insecure.qrtest", ["a@insecure.qrtest"], expect_rcpts=[r],
        final=K_tls(IP60), checks=[delivered("pf-tls")]),
    # ---- bogus: SERVFAIL from the validating resolver
    Scn("dane-bogus-tlsa", "dane-bogus.qrtest", ["a@dane-bogus.qrtest"],
        final=z_tlsa_lookup("mx-dane-bogus.qrtest", "dane-bogus.qrtest"), checks=[nd("pf-tls")]),
    Scn("dane-bogus-tlsa-next-mx", "dane-bogusnext.qrtest", ["a@dane-bogusnext.qrtest"], expect_rcpts=[r],
        final=K_tls(IP69, dane=True), checks=[delivered("pf-tls"), via_service("pf-tls", "postfix-dane")]),
    Scn("dane-bogus-zone", "bogus.qrtest", ["a@bogus.qrtest"], final=Z412),
    # ---- the AAAA lookup of the MX host fails (SERVFAIL from dnsfwd, bed.d/31-dnsfwd.sh)
    # while MX, A and TLSA validate: the IPv4 address keeps DANE (issue 16.2)
    Scn("dane-aaaa-servfail-mismatch", "dane-v6fail-bad.qrtest", ["a@dane-v6fail-bad.qrtest"],
        dnscache=DNSFWD, env=TRACE,
        final=z_tlsa("mx-dane-v6fail-bad.qrtest", "dane-v6fail-bad.qrtest", "no matching DANE TLSA records"),
        checks=[nd("pf-tls"), dnsfwd_servfailed("mx-dane-v6fail-bad.qrtest"),
                trace_has(r"dns: mx-dane-v6fail-bad\.qrtest: status 0, 1 address\(es\), DNSSEC-validated: IPv4 only")]),
    Scn("dane-aaaa-servfail-match", "dane-v6fail.qrtest", ["a@dane-v6fail.qrtest"], dnscache=DNSFWD,
        expect_rcpts=[r], final=K_tls(IP60, dane=True),
        checks=[delivered("pf-tls"), dnsfwd_servfailed("mx-dane-v6fail.qrtest")]),
    # the same for the implicit MX (the host's own A/AAAA) and a route's relay
    Scn("dane-aaaa-servfail-implicit-mx-mismatch", "dane-v6fail-implicit.qrtest",
        ["a@dane-v6fail-implicit.qrtest"], dnscache=DNSFWD,
        final=z_tlsa("dane-v6fail-implicit.qrtest", "dane-v6fail-implicit.qrtest", "no matching DANE TLSA records"),
        checks=[nd("pf-tls"), dnsfwd_servfailed("dane-v6fail-implicit.qrtest")]),
    Scn("dane-aaaa-servfail-implicit-mx-match", "dane-v6fail-implicit-ok.qrtest",
        ["a@dane-v6fail-implicit-ok.qrtest"], dnscache=DNSFWD, expect_rcpts=[r], final=K_tls(IP60, dane=True),
        checks=[delivered("pf-tls"), dnsfwd_servfailed("dane-v6fail-implicit-ok.qrtest")]),
    Scn("dane-aaaa-servfail-relay-mismatch", "route.qrtest", ["a@route.qrtest"], dnscache=DNSFWD,
        control=route(["route.qrtest:mx-dane-v6fail-bad.qrtest"]),
        final=z_tlsa("mx-dane-v6fail-bad.qrtest", "route.qrtest", "no matching DANE TLSA records"),
        checks=[nd("pf-tls")]),
    # ---- '/' disables TLSA; '%' (pinning) too
    Scn("dane-disabled-prefix", "dane-bad.qrtest", ["a@dane-bad.qrtest"], control=tlsdest("/dane-bad.qrtest:"),
        expect_rcpts=[r], final=K_tls(IP60), checks=[delivered("pf-tls")]),
    Scn("dane-disabled-default", "dane-bad.qrtest", ["a@dane-bad.qrtest"], control=tlsdest("/:"),
        expect_rcpts=[r], final=K_tls(IP60), checks=[delivered("pf-tls")]),
    Scn("dane-disabled-default-no-starttls", "dane-notls.qrtest", ["a@dane-notls.qrtest"], control=tlsdest("/:"),
        expect_rcpts=[r], final=K_pf(rb"192\.0\.2\.65"), checks=[delivered("pf-tls"), received("pf-tls", tls=False)]),
    Scn("dane-disabled-mandatory", "dane-bad.qrtest", ["a@dane-bad.qrtest"], control=tlsdest("/*:"),
        expect_rcpts=[r], final=K_tls(IP60), checks=[delivered("pf-tls")]),
    Scn("dane-disabled-mandatory-no-starttls", "dane-notls.qrtest", ["a@dane-notls.qrtest"],
        control=tlsdest("/*:"), final=z_nostarttls("mx-dane-notls.qrtest", "dane-notls.qrtest"),
        checks=[not_delivered("pf-tls")]),
    Scn("dane-disabled-no-lookup-of-bogus", "dane-bogus.qrtest", ["a@dane-bogus.qrtest"],
        control=tlsdest("/dane-bogus.qrtest:"), expect_rcpts=[r], final=K_tls(IP60), checks=[delivered("pf-tls")]),
    Scn("dane-pin-instead", "dane-bad.qrtest", ["a@dane-bad.qrtest"],
        control=tlsdest("%dane-bad.qrtest:=" + fp("sha256", TLSD + "/mx-tls.crt")), expect_rcpts=[r],
        final=K_tls(IP60), checks=[delivered("pf-tls")]),
]

# ---- TLSA behind a CNAME (issue 22.4, RFC 7672 2.2.2): when the MX host's address
# lookup followed CNAMEs and the whole chain validated, TLSA first at the chain's
# end, then at the name as written; the base domain found is the SNI name, and
# DANE-TA accepts both names (the certificate of 192.0.2.69 names mx-dane-ta and
# mx-dane-ta-alias). The reports keep the MX name as written.
S += [
    Scn("dane-cname-target-mismatch", "dane-cn-bad.qrtest", ["a@dane-cn-bad.qrtest"], env=TRACE,
        final=z_tlsa("mx-dane-cn-bad.qrtest", "dane-cn-bad.qrtest", NOMATCH),
        checks=[nd("pf-tls"),
                trace_has(r"dns: mx-dane-cn-bad\.qrtest: status 0, 1 address\(es\), DNSSEC-validated, "
                          r"CNAME chain to mx-dane-cn-bad-t\.qrtest",
                          r"dns: TLSA _25\._tcp\.mx-dane-cn-bad-t\.qrtest: status 0, 1 record\(s\), DNSSEC-validated",
                          r"tls: DANE: TLSA base domain mx-dane-cn-bad-t\.qrtest \(the CNAME target of "
                          r"mx-dane-cn-bad\.qrtest\)")]),
    Scn("dane-cname-target-match", "dane-cn-ok.qrtest", ["a@dane-cn-ok.qrtest"], env=TRACE,
        expect_rcpts=[r], final=K_tls(IP60, dane=True),
        checks=[delivered("pf-tls"), received("pf-tls"),
                trace_has(r"dns: TLSA _25\._tcp\.mx-dane-cn-ok-t\.qrtest: status 0, 1 record\(s\), DNSSEC-validated",
                          r"tls: DANE: TLSA base domain mx-dane-cn-ok-t\.qrtest \(the CNAME target of "
                          r"mx-dane-cn-ok\.qrtest\)",
                          r"tls: SNI mx-dane-cn-ok-t\.qrtest",
                          r"tls: DANE authenticated the peer")]),
    Scn("dane-cname-chain-of-two", "dane-cn2.qrtest", ["a@dane-cn2.qrtest"], env=TRACE,
        expect_rcpts=[r], final=K_tls(IP60, dane=True),
        checks=[delivered("pf-tls"),
                trace_has(r"tls: DANE: TLSA base domain mx-dane-cn-ok-t\.qrtest \(the CNAME target of "
                          r"mx-dane-cn2\.qrtest\)")]),
    # nothing at the target (secure NXDOMAIN): the name as written, whose record is wrong
    Scn("dane-cname-alias-mismatch", "dane-cn-alias.qrtest", ["a@dane-cn-alias.qrtest"], env=TRACE,
        final=z_tlsa("mx-dane-cn-alias.qrtest", "dane-cn-alias.qrtest", NOMATCH),
        checks=[nd("pf-tls"),
                trace_has(r"dns: TLSA _25\._tcp\.mx-dane-cn-alias-t\.qrtest: status 1, 0 record\(s\), DNSSEC-validated",
                          r"tls: DANE: no secure TLSA records at the CNAME target mx-dane-cn-alias-t\.qrtest: "
                          r"trying mx-dane-cn-alias\.qrtest as written",
                          r"dns: TLSA _25\._tcp\.mx-dane-cn-alias\.qrtest: status 0, 1 record\(s\), DNSSEC-validated",
                          r"tls: DANE: TLSA base domain mx-dane-cn-alias\.qrtest",
                          r"tls: SNI mx-dane-cn-alias\.qrtest")]),
    Scn("dane-cname-alias-match", "dane-cn-alias-ok.qrtest", ["a@dane-cn-alias-ok.qrtest"],
        expect_rcpts=[r], final=K_tls(IP60, dane=True), checks=[delivered("pf-tls")]),
    # the lookup at the target fails (bogus: SERVFAIL): Z, the alias's (right) record unused
    Scn("dane-cname-target-bogus", "dane-cn-bogus.qrtest", ["a@dane-cn-bogus.qrtest"], env=TRACE,
        final=z_tlsa_lookup("mx-dane-cn-bogus.qrtest", "dane-cn-bogus.qrtest"),
        checks=[nd("pf-tls"), trace_lacks(r"dns: TLSA _25\._tcp\.mx-dane-cn-bogus\.qrtest")]),
    # an insecure answer at the target counts as none there: the alias's (right) record
    Scn("dane-cname-target-insecure", "dane-cn-insectlsa.qrtest", ["a@dane-cn-insectlsa.qrtest"], env=TRACE,
        expect_rcpts=[r], final=K_tls(IP60, dane=True),
        checks=[delivered("pf-tls"),
                trace_has(r"dns: TLSA _25\._tcp\.mx-dane-insectlsa\.qrtest: status 0, 1 record\(s\), not validated",
                          r"tls: DANE: TLSA base domain mx-dane-cn-insectlsa\.qrtest")]),
    # DANE-TA: the certificate names the target (the base domain) ...
    Scn("dane-ta-cname-target-named", "dane-ta-cn.qrtest", ["a@dane-ta-cn.qrtest"], env=TRACE,
        expect_rcpts=[r], final=K_tls(IP69, dane=True),
        checks=[delivered("pf-tls"), via_service("pf-tls", "postfix-dane"),
                trace_has(r"tls: DANE: TLSA base domain mx-dane-ta\.qrtest \(the CNAME target of mx-dane-ta-cn\.qrtest\)",
                          r"tls: SNI mx-dane-ta\.qrtest",
                          r"tls: DANE: DANE-TA names mx-dane-ta\.qrtest mx-dane-ta-cn\.qrtest")]),
    # ... or only the name as written ...
    Scn("dane-ta-cname-alias-named", "dane-ta-alias.qrtest", ["a@dane-ta-alias.qrtest"], env=TRACE,
        expect_rcpts=[r], final=K_tls(IP69, dane=True),
        checks=[delivered("pf-tls"), via_service("pf-tls", "postfix-dane"),
                trace_has(r"tls: DANE: TLSA base domain mx-dane-ta-canon\.qrtest \(the CNAME target of "
                          r"mx-dane-ta-alias\.qrtest\)",
                          r"tls: SNI mx-dane-ta-canon\.qrtest")]),
    # ... or neither: no other name is accepted
    Scn("dane-ta-cname-neither-named", "dane-ta-cnwrong.qrtest", ["a@dane-ta-cnwrong.qrtest"],
        final=z_tlsa("mx-dane-ta-cnwrong.qrtest", "dane-ta-cnwrong.qrtest", "hostname mismatch"),
        checks=[nd("pf-tls")]),
    # the same for a route's relay name and for a host without MX
    Scn("dane-cname-relay-mismatch", "route.qrtest", ["a@route.qrtest"],
        control=route(["route.qrtest:mx-dane-cn-bad.qrtest"]),
        final=z_tlsa("mx-dane-cn-bad.qrtest", "route.qrtest", NOMATCH), checks=[nd("pf-tls")]),
    Scn("dane-cname-relay-match", "route.qrtest", ["a@route.qrtest"],
        control=route(["route.qrtest:mx-dane-cn-ok.qrtest"]), expect_rcpts=[r], final=K_tls(IP60, dane=True),
        checks=[delivered("pf-tls")]),
    Scn("dane-cname-implicit-mx-mismatch", "dane-cn-nomx.qrtest", ["a@dane-cn-nomx.qrtest"],
        final=z_tlsa("dane-cn-nomx.qrtest", "dane-cn-nomx.qrtest", NOMATCH), checks=[nd("pf-tls")]),
    Scn("dane-cname-implicit-mx-match", "dane-cn-nomx-ok.qrtest", ["a@dane-cn-nomx-ok.qrtest"],
        expect_rcpts=[r], final=K_tls(IP60, dane=True), checks=[delivered("pf-tls")]),
]

# ---- an unsigned domain whose MX is a signed host with TLSA (issue 22.5, RFC 7672
# 2.2.1): the MX answer is insecure, the host's address and TLSA records validate,
# so it is held to its TLSA records (bed.d/30-dane.sh: <name>.insecure.qrtest)
S += [
    Scn("dane-insecure-mx-secure-host-mismatch", "dane-bad.insecure.qrtest", ["a@dane-bad.insecure.qrtest"],
        env=TRACE, final=z_tlsa("mx-dane-bad.qrtest", "dane-bad.insecure.qrtest", NOMATCH),
        checks=[nd("pf-tls"),
                trace_has(r"dns: MX dane-bad\.insecure\.qrtest: status 0, 1 record\(s\)",
                          r"dns: mx-dane-bad\.qrtest: status 0, 1 address\(es\), DNSSEC-validated",
                          r"dns: TLSA _25\._tcp\.mx-dane-bad\.qrtest: status 0, 1 record\(s\), DNSSEC-validated")]),
    Scn("dane-insecure-mx-secure-host-match", "dane-ee.insecure.qrtest", ["a@dane-ee.insecure.qrtest"],
        expect_rcpts=[r], final=K_tls(IP60, dane=True), checks=[delivered("pf-tls"), received("pf-tls")]),
    Scn("dane-insecure-mx-secure-host-ta", "dane-ta.insecure.qrtest", ["a@dane-ta.insecure.qrtest"],
        expect_rcpts=[r], final=K_tls(IP69, dane=True), checks=[delivered("pf-tls")]),
    Scn("dane-insecure-mx-secure-cname-host", "dane-cn.insecure.qrtest", ["a@dane-cn.insecure.qrtest"],
        expect_rcpts=[r], final=K_tls(IP60, dane=True), checks=[delivered("pf-tls")]),
]

# ---- a SERVFAIL is an answer (issue 22.6, SPEC 5): unbound (validating) says SERVFAIL
# for bogus data; nsd, listed after it, answers the same question without AD (a
# referral for the bogus child zone). That answer must not turn "bogus" into
# "insecure": the lookup fails (Z), whatever the next server says.
DNS2 = "192.0.2.53 192.0.2.54"
S += [
    Scn("dane-bogus-tlsa-servfail-then-unvalidated", "dane-bogus.qrtest", ["a@dane-bogus.qrtest"],
        dnscache=DNS2, env=TRACE, final=z_tlsa_lookup("mx-dane-bogus.qrtest", "dane-bogus.qrtest"),
        checks=[nd("pf-tls"),
                trace_has(r"dns: _25\._tcp\.mx-dane-bogus\.qrtest TLSA: SERVFAIL from 192\.0\.2\.53: "
                          r"from now on only a validated \(AD\) answer counts",
                          r"dns: _25\._tcp\.mx-dane-bogus\.qrtest TLSA: the answer from 192\.0\.2\.54 is not "
                          r"validated \(no AD\) after a SERVFAIL: the lookup fails")]),
    # a bogus mail domain: the unvalidated "no MX" would have meant the implicit MX,
    # and nsd's unvalidated "no address" then a bounce (#5.4.4)
    Scn("dns-bogus-mx-servfail-then-unvalidated", "bogus.qrtest", ["a@bogus.qrtest"], dnscache=DNS2,
        env=TRACE, final=Z412,
        checks=[trace_has(r"dns: bogus\.qrtest MX: SERVFAIL from 192\.0\.2\.53: "
                          r"from now on only a validated \(AD\) answer counts",
                          r"dns: bogus\.qrtest MX: the answer from 192\.0\.2\.54 is not validated \(no AD\) "
                          r"after a SERVFAIL: the lookup fails")]),
    # the first server validates: the second is never asked
    Scn("dane-two-resolvers-validated", "dane-ee.qrtest", ["a@dane-ee.qrtest"], dnscache=DNS2,
        expect_rcpts=[r], final=K_tls(IP60, dane=True), checks=[delivered("pf-tls")]),
]
