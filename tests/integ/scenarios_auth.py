# scenarios_auth.py -- SMTP AUTH against real SASL servers (exec'd by
# scenarios.py with its helpers in scope; the peers are bed.d/40-auth.sh).
#
# Dovecot SASL (PLAIN, LOGIN) under STARTTLS or SMTPS, Cyrus SASL with
# sasldb (SCRAM-SHA-256, CRAM-MD5), a server with none of our mechanisms,
# one offering PLAIN/LOGIN without TLS, faultsrv.py's malformed challenges.
# Credentials come from smtproutes and authsenders.  Every scenario runs
# with QMAILREMOTE_TRACE=1 and checks that neither the reports nor the
# transcript hold the password or any base64 form of it, and that the
# receiving Postfix logged the session as the right user (sasl_username=).
# Names defined here start with auth_/AUTH_ (all suites share one namespace).
import base64 as auth_base64

AUTH_USERS = {   # bed.d/40-auth.sh: Dovecot passwd-file and Cyrus sasldb
    "alice": "Al1ce-Pw-7f3e9", "bob": "B0b-Pw-c41d2",
    "carol": "C4rol-Pw-91ab7", "dave": "D4ve-Pw-e58f0",
}
AUTH_LOGNAME = {"carol": "carol@qrtest", "dave": "dave@qrtest"}   # Cyrus appends the realm
AUTH_WRONG = "Wr0ng-Pw-5a5a5"
AUTH_TRACE = {"QMAILREMOTE_TRACE": "1"}
# what the transcript may show for lines the client sends during AUTH
AUTH_MASKED = {"AUTH PLAIN (credentials not shown)", "AUTH SCRAM-SHA-256 (client-first not shown)",
               "AUTH LOGIN", "AUTH CRAM-MD5", "(AUTH response not shown)", "*", "QUIT"}
AUTH_HOSTS = {   # relay name -> (address, Postfix syslog_name)
    "plain": ("192.0.2.80", "postfix-authplain"), "login": ("192.0.2.81", "postfix-authlogin"),
    "notls": ("192.0.2.82", "postfix-authnotls"), "smtps": ("192.0.2.83", "postfix-authsmtps"),
    "scram": ("192.0.2.84", "postfix-authscram"), "cram": ("192.0.2.85", "postfix-authcram"),
    "none": ("192.0.2.86", "postfix-authnone"),
}


def auth_cred(user, pw=None):
    return "%s|%s" % (user, AUTH_USERS[user] if pw is None else pw)


def auth_secret_forms(user, pw):
    """Every form of the password a careless client could leak: plain,
    base64 of it (LOGIN), of \\0user\\0pw (PLAIN) and of user\\0pw."""
    forms = {pw.encode()}
    for raw in (pw.encode(), b"\0" + user.encode() + b"\0" + pw.encode(),
                user.encode() + b"\0" + pw.encode()):
        b = auth_base64.b64encode(raw)
        forms.add(b)
        forms.add(b.rstrip(b"="))
    return forms


def auth_no_secret(user, pw=None):
    """Neither stdout (every report) nor stderr (the transcript) holds the
    password in any form, and every line the transcript shows the client
    sending during AUTH is one of the masked placeholders."""
    pw = AUTH_USERS[user] if pw is None else pw

    def chk(c):
        for f in auth_secret_forms(user, pw):
            for what, data in (("a report", c.stdout), ("the transcript", c.stderr)):
                if f in data:
                    return "%s contains the password (as %r)" % (what, f)
        if not c.stderr:
            return "no transcript on stderr (QMAILREMOTE_TRACE=1 was set)"
        in_auth = False
        for line in c.stderr.decode("utf-8", "replace").splitlines():
            m = re.match(r"\+\d+\.\d{3} > (.*)$", line)
            if not m:
                continue
            sent = m.group(1)
            if sent.upper().startswith("AUTH"):
                in_auth = True
            elif sent.startswith(("MAIL FROM", "QUIT")):
                in_auth = False
            if in_auth and sent not in AUTH_MASKED:
                return "the transcript shows an AUTH line unmasked: %r" % line
        return None
    return chk


def auth_logged_as(host, method, user, client="192.0.2.10"):
    """pf-auth's smtpd on that listener logged this message's queue id with
    sasl_method/sasl_username (user None: not authenticated), from client."""
    syslog = AUTH_HOSTS[host][1]

    def chk(c):
        qid = qid_of(c.final)
        if not qid:
            return "no queue id in the K report"
        tail = (r", sasl_method=%s, sasl_username=%s$" % (re.escape(method),
                                                            re.escape(AUTH_LOGNAME.get(user, user)))
                if user else r"$")
        pat = r"%s/smtpd\[\d+\]: %s: client=unknown\[%s\]%s" % (syslog, qid, re.escape(client), tail)
        if not bedlib.maillog_has("pf-auth", pat):
            got = re.findall(r"(?m)^.*%s: client=.*$" % qid, bedlib.maillog("pf-auth"))
            return "pf-auth maillog: want %r, got %r" % (pat, got)
        return None
    return chk


def auth_failure_logged(host, method, user):
    """Postfix logged a failed AUTH of this user on that listener."""
    syslog = AUTH_HOSTS[host][1]

    def chk(c):
        pat = (r"%s/smtpd\[\d+\]: warning: unknown\[192\.0\.2\.10\]: SASL %s authentication failed: "
               r".*sasl_username=%s$" % (syslog, re.escape(method), re.escape(AUTH_LOGNAME.get(user, user))))
        return None if bedlib.maillog_has("pf-auth", pat) else "pf-auth maillog has no %r" % pat
    return chk


def auth_never_sent(host):
    """No session on that listener ever carried an AUTH command: Postfix's
    disconnect lines count commands ("auth=0/1" when one came)."""
    syslog = AUTH_HOSTS[host][1]

    def chk(c):
        deadline = time.monotonic() + 5
        while True:
            log = bedlib.maillog("pf-auth")
            conns = len(re.findall(r"%s/smtpd\[\d+\]: connect from " % syslog, log))
            discs = re.findall(r"(?m)^.*%s/smtpd\[\d+\]: disconnect from .*$" % syslog, log)
            if (conns and len(discs) >= conns) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        if not discs:
            return "%s logged no session" % syslog
        bad = [d for d in discs if " auth=" in d]
        return "an AUTH command reached %s: %r" % (syslog, bad) if bad else None
    return chk


def auth_K(ip, tls=False, note=False):
    """K from pf-auth (or any Postfix) at ip; tls: with s/qmail's TLS line;
    note: with the "no supported AUTH method" line."""
    return R(rb"K" + re.escape(ip).encode() + rb" accepted message\.\n"
             + (rb"TLS transmitted message accepted \(TLSv1\.[23] [A-Za-z0-9_-]+\)\.\n" if tls else b"")
             + (rb"no supported AUTH method found, continuing without authentication\.\n" if note else b"")
             + rb"Remote host said: 250 2\.0\.0 Ok: (\d+ bytes )?queued as [0-9A-F]+\n")


def auth_Z(ip, text, said=rb"Remote host said: 535 5\.7\.8 Error: authentication failed: [^\n]*\n"):
    return R(rb"ZConnected to " + re.escape(ip).encode() + rb" but " + re.escape(text).encode()
             + rb"\.\n" + said)


def auth_ok(name, host, relay_line, user, method, tls, control=None, sender=SENDER, extra=(), client="192.0.2.10"):
    """A delivery that must authenticate as user with method at host."""
    ip = AUTH_HOSTS[host][0]
    ctl = {"smtproutes": "auth.qrtest:%s\n" % relay_line}
    if control is not None:
        ctl = control
    return Scn(name, "auth.qrtest", ["%s@auth.qrtest" % name.replace("-", "")], sender=sender,
               control=ctl, env=AUTH_TRACE, expect_rcpts=[r], final=auth_K(ip, tls=tls),
               checks=[delivered("pf-auth"), auth_logged_as(host, method, user, client), auth_no_secret(user),
                       trace_has(r"auth: %s authenticated" % re.escape(method))] + list(extra))


def auth_bad(name, host, mech_text, user, method, said=None):
    """The server refuses a wrong password: Z with the mechanism's text,
    nothing delivered, the wrong password nowhere in the output."""
    ip = AUTH_HOSTS[host][0]
    return Scn(name, "auth.qrtest", ["wrong@auth.qrtest"],
               control={"smtproutes": "auth.qrtest:mx-auth-%s.qrtest;25|%s\n" % (host, auth_cred(user, AUTH_WRONG)),
                        "timeoutremote": "10\n"},
               env=AUTH_TRACE, expect_rcpts=[],
               final=auth_Z(ip, "authentication was rejected (%s)" % mech_text,
                            **({"said": said} if said else {})),
               checks=[not_delivered("pf-auth"), auth_no_secret(user, AUTH_WRONG), auth_no_secret(user),
                       auth_failure_logged(host, method, user)])


S += [
    # ---- one success per mechanism: PLAIN and LOGIN under STARTTLS (Dovecot),
    # SCRAM-SHA-256 and CRAM-MD5 without TLS (Cyrus sasldb)
    auth_ok("auth-plain-starttls", "plain", "mx-auth-plain.qrtest;25|" + auth_cred("alice"), "alice", "PLAIN",
            tls=True, extra=[trace_has(r"> STARTTLS", r"< 220 .*", r"tls: TLSv1\.[23] .*",
                                            r"> EHLO client\.qrtest", r"> AUTH PLAIN \(credentials not shown\)",
                                            r"< 235 .*")]),
    auth_ok("auth-login-starttls", "login", "mx-auth-login.qrtest;25|" + auth_cred("alice"), "alice", "LOGIN",
            tls=True, extra=[trace_has(r"> STARTTLS", r"> AUTH LOGIN", r"< 334 VXNlcm5hbWU6",
                                            r"> \(AUTH response not shown\)", r"< 334 UGFzc3dvcmQ6",
                                            r"> \(AUTH response not shown\)", r"< 235 .*")]),
    auth_ok("auth-scram-sha-256", "scram", "mx-auth-scram.qrtest;25|" + auth_cred("carol"), "carol",
            "SCRAM-SHA-256", tls=False,
            extra=[trace_has(r"> AUTH SCRAM-SHA-256 \(client-first not shown\)", r"< 334 .*",
                                  r"> \(AUTH response not shown\)", r"< (334|235) .*")]),
    auth_ok("auth-cram-md5", "cram", "mx-auth-cram.qrtest;25|" + auth_cred("carol"), "carol", "CRAM-MD5",
            tls=False, extra=[trace_has(r"> AUTH CRAM-MD5", r"< 334 .*", r"> \(AUTH response not shown\)",
                                             r"< 235 .*")]),
    # ---- wrong passwords: each mechanism's rejection text (report.c, s/qmail's words)
    auth_bad("auth-plain-wrong-password", "plain", "plain", "alice", "PLAIN"),
    auth_bad("auth-login-wrong-password", "login", "password", "alice", "LOGIN"),
    auth_bad("auth-cram-md5-wrong-password", "cram", "username+digest", "carol", "CRAM-MD5"),
    auth_bad("auth-scram-wrong-password", "scram", "SCRAM-SHA-256 proof", "carol", "SCRAM-SHA-256"),
    # ---- no mechanism in common: delivered without AUTH, and said so
    Scn("auth-no-common-mechanism", "auth.qrtest", ["nomech@auth.qrtest"],
        control=route(["auth.qrtest:mx-auth-none.qrtest;25|" + auth_cred("carol")]), env=AUTH_TRACE,
        expect_rcpts=[r], final=auth_K("192.0.2.86", note=True),
        checks=[delivered("pf-auth"), auth_logged_as("none", None, None), auth_no_secret("carol"),
                trace_has(r"< 250-AUTH DIGEST-MD5",
                               r"auth: no supported AUTH method found, continuing without authentication",
                               r"> MAIL FROM:<sender@client\.qrtest>.*"),
                trace_lacks(r"> AUTH")]),
    # ---- PLAIN/LOGIN offered without TLS to a peer that is not loopback:
    # refused, and not a byte of AUTH sent
    Scn("auth-plain-refused-without-tls", "auth.qrtest", ["notls@auth.qrtest"],
        control=route(["auth.qrtest:mx-auth-notls.qrtest;25|" + auth_cred("alice")]), env=AUTH_TRACE,
        expect_rcpts=[],
        final=X(b"ZConnected to 192.0.2.82 but it offers only PLAIN or LOGIN without TLS: "
                b"refusing to send a password in plaintext.\n"),
        checks=[not_delivered("pf-auth"), auth_no_secret("alice"), trace_lacks(r"> AUTH"),
                auth_never_sent("notls")]),
    # ... but to a loopback peer PLAIN goes without TLS (faultsrv.py authplain
    # in the client's namespace), as \0user\0password in base64
    Scn("auth-plain-loopback-without-tls", "auth.qrtest", ["lo@auth.qrtest"],
        control=route(["auth.qrtest:127.0.0.1;25|" + auth_cred("alice")]), env=AUTH_TRACE, expect_rcpts=[r],
        final=R(rb"K127\.0\.0\.1 accepted message\.\nRemote host said: 250 2\.0\.0 Ok: queued as FAULTAUTHPLAIN\d+\n"),
        checks=[auth_no_secret("alice"), trace_has(r"> AUTH PLAIN \(credentials not shown\)", r"< 235 .*"),
                wire(lambda raw, ch: b"\r\nAUTH PLAIN "
                     + auth_base64.b64encode(b"\0alice\0" + AUTH_USERS["alice"].encode())
                     + b"\r\nMAIL FROM:" in raw, "AUTH PLAIN carries base64(\\0alice\\0password)", mode="authplain")]),
    Scn("auth-plain-loopback-v6", "auth.qrtest", ["lo6@auth.qrtest"],
        control=route(["auth.qrtest:[::1];25|" + auth_cred("bob")]), env=AUTH_TRACE, expect_rcpts=[r],
        final=R(rb"K::1 accepted message\.\nRemote host said: 250 2\.0\.0 Ok: queued as FAULTAUTHPLAIN\d+\n"),
        checks=[auth_no_secret("bob"), wire(lambda raw, ch: b"\r\nAUTH PLAIN " in raw, "AUTH PLAIN sent",
                                            mode="authplain")]),
    # ---- SMTPS (TLS from the first byte): "s465" and a bare 465
    auth_ok("auth-smtps-s465", "smtps", "mx-auth-smtps.qrtest;s465|" + auth_cred("bob"), "bob", "LOGIN",
            tls=True, extra=[trace_has(r"connect 192\.0\.2\.83 port 465 \(.*\) SMTPS", r"tls: TLSv1\.[23] .*",
                                            r"< 220 .*", r"> EHLO client\.qrtest", r"> AUTH LOGIN"),
                             trace_lacks(r"> STARTTLS")]),
    auth_ok("auth-smtps-465", "smtps", "mx-auth-smtps.qrtest;465|" + auth_cred("bob"), "bob", "LOGIN",
            tls=True, extra=[trace_lacks(r"> STARTTLS")]),
    # ---- smtproutes: seed 003's "relay:port|user|password" form
    auth_ok("auth-route-colon-port-form", "scram", "mx-auth-scram.qrtest:25|" + auth_cred("dave"), "dave",
            "SCRAM-SHA-256", tls=False),
    # ---- authsenders: per sender (wins over smtproutes), @domain, domain, the empty line
    auth_ok("authsenders-address", "plain", None, "alice", "PLAIN", tls=True,
            control={"authsenders": "alice@client.qrtest:mx-auth-plain.qrtest;25|%s\n" % auth_cred("alice"),
                     "smtproutes": "auth.qrtest:192.0.2.25\n"},
            sender="alice@client.qrtest"),
    Scn("authsenders-other-sender-unauthenticated", "auth.qrtest", ["other@auth.qrtest"],
        sender="someone@client.qrtest", env=AUTH_TRACE,
        control={"authsenders": "alice@client.qrtest:mx-auth-plain.qrtest;25|%s\n" % auth_cred("alice"),
                 "smtproutes": "auth.qrtest:192.0.2.25\n"},
        expect_rcpts=[r], final=K_pf(IP25),
        checks=[delivered("pf-plain"), auth_no_secret("alice"), trace_lacks(r"> AUTH")]),
    # precedence (SPEC 4): authsenders > qmtproutes > smtproutes
    auth_ok("authsenders-beats-qmtproutes", "plain", None, "alice", "PLAIN", tls=True, sender="alice@client.qrtest",
            control={"authsenders": "alice@client.qrtest:mx-auth-plain.qrtest;25|%s\n" % auth_cred("alice"),
                     "qmtproutes": "auth.qrtest:192.0.2.89;209\n"}),
    auth_ok("authsenders-at-domain", "login", None, "bob", "LOGIN", tls=True, sender="anyone@client.qrtest",
            control={"authsenders": "@client.qrtest:mx-auth-login.qrtest;25|%s\n" % auth_cred("bob")}),
    auth_ok("authsenders-domain", "cram", None, "carol", "CRAM-MD5", tls=False, sender="anyone@client.qrtest",
            control={"authsenders": "client.qrtest:mx-auth-cram.qrtest;25|%s\n" % auth_cred("carol")}),
    auth_ok("authsenders-address-beats-domain", "plain", None, "alice", "PLAIN", tls=True,
            sender="alice@client.qrtest",
            control={"authsenders": "@client.qrtest:mx-auth-login.qrtest;25|%s\n"
                                    "alice@client.qrtest:mx-auth-plain.qrtest;25|%s\n"
                                    % (auth_cred("bob"), auth_cred("alice"))}),
    auth_ok("authsenders-domain-for-other-local-part", "login", None, "bob", "LOGIN", tls=True,
            sender="zed@client.qrtest",
            control={"authsenders": "@client.qrtest:mx-auth-login.qrtest;25|%s\n"
                                    "alice@client.qrtest:mx-auth-plain.qrtest;25|%s\n"
                                    % (auth_cred("bob"), auth_cred("alice"))}),
    auth_ok("authsenders-empty-line-any-sender", "scram", None, "dave", "SCRAM-SHA-256", tls=False,
            sender="someone@elsewhere.qrtest",
            control={"authsenders": ":mx-auth-scram.qrtest;25|%s\n" % auth_cred("dave")}),
    auth_ok("authsenders-empty-line-bounce", "scram", None, "dave", "SCRAM-SHA-256", tls=False, sender="",
            control={"authsenders": ":mx-auth-scram.qrtest;25|%s\n" % auth_cred("dave")}),
    # the s/qmail form's fourth field: the local address to send from
    auth_ok("authsenders-localip", "cram", None, "carol", "CRAM-MD5", tls=False, sender="carol@client.qrtest",
            control={"authsenders": "carol@client.qrtest:mx-auth-cram.qrtest;25|%s|192.0.2.11\n"
                                    % auth_cred("carol")}, client="192.0.2.11"),
    auth_ok("authsenders-seed003-form", "plain", None, "alice", "PLAIN", tls=True, sender="alice@client.qrtest",
            control={"authsenders": "alice@client.qrtest:mx-auth-plain.qrtest:25|%s\n" % auth_cred("alice")}),
    # ---- challenges that are not base64 (faultsrv.py bad64cram / bad64scram)
    Scn("auth-bad-base64-cram-md5", "auth.qrtest", ["b64@auth.qrtest"],
        control=route(["auth.qrtest:bad64cram.authfault.qrtest;25|" + auth_cred("carol")]), env=AUTH_TRACE,
        expect_rcpts=[],
        final=X(b"ZConnected to 192.0.2.87 but unable to base64decode challenge.\n"
                b"Remote host said: 334 <1234.5678@fault.qrtest> not base64!\n"),
        checks=[auth_no_secret("carol")]),
    Scn("auth-bad-base64-scram", "auth.qrtest", ["b64@auth.qrtest"],
        control=route(["auth.qrtest:bad64scram.authfault.qrtest;25|" + auth_cred("carol")]), env=AUTH_TRACE,
        expect_rcpts=[],
        final=X(b"ZConnected to 192.0.2.88 but unable to base64decode challenge.\n"
                b"Remote host said: 334 r=fyko+d2lbbFgONRv9qkxdawL,s=QSXCR+Q6sek8bf92,i=4096\n"),
        checks=[auth_no_secret("carol")]),
    # the "*" that cancels the exchange (RFC 4954 4) is an SMTP command line
    # like any other: the transcript (every command and reply, says the man
    # page) must show it -- smtp.c sends it with conn_puts() but no trace_line()
    Scn("auth-cancel-shown-in-transcript", "auth.qrtest", ["b64@auth.qrtest"],
        control=route(["auth.qrtest:bad64cram.authfault.qrtest;25|" + auth_cred("carol")]), env=AUTH_TRACE,
        expect_rcpts=[], final=R(rb"ZConnected to 192\.0\.2\.87 but unable to base64decode challenge\.\n[^\0]*"),
        checks=[trace_has(r"> AUTH CRAM-MD5", r"< 334 .*", r"> \*")]),
]
