"""tls/scnlib.py -- helpers shared by scenarios_tls.py and scenarios_dane.py.

Not a module: exec'd into scenarios.py's globals by each of them (so it
sees Scn, X, R, bedlib, BED ...); defining the same names twice is harmless.
"""
import hashlib  # noqa: E402
import ssl  # noqa: E402

TLSD = os.path.join(BED, "tls")
CA, CA2, CADIR = TLSD + "/ca.crt", TLSD + "/ca2.crt", TLSD + "/cadir/"
IP60, IP60_6 = rb"192\.0\.2\.60", rb"2001:db8::60"
TLS13 = rb"TLSv1\.3 TLS_[A-Z0-9_]+"
ADH12 = rb"TLSv1\.2 (ADH|AECDH)-[A-Z0-9-]+"
SAID_PF = rb"Remote host said: 250 2\.0\.0 Ok: (\d+ bytes )?queued as [0-9A-F]+\n"


def tls_line(dane=False, proto=TLS13):
    return rb"TLS " + (rb"\(TLSA validated\) " if dane else b"") + \
        rb"transmitted message accepted \(" + proto + rb"\)\.\n"


def K_tls(ip, dane=False, proto=TLS13, said=SAID_PF):
    """K after a TLS session: s/qmail's 'TLS ... transmitted message accepted (...)'"""
    return R(rb"K" + ip + rb" accepted message\.\n" + tls_line(dane, proto) + said)


def K_fell_back(k, ip):
    """k (an R) followed by the last line of a K after a fallback to
    plaintext (SPEC 7): "TLS to <ip> failed; sent without TLS." """
    return R(k.pat + re.escape(("TLS to %s failed; sent without TLS.\n" % ip).encode()))


def pem_der(path):
    try:
        with open(path) as f:
            return ssl.PEM_cert_to_DER_cert(f.read())
    except (OSError, ValueError):
        return b""      # --list without a bed: the scenarios are not run


def fp(alg, path):
    """certificate fingerprint as tlsdestinations' '%' wants it (lowercase hex)"""
    return hashlib.new(alg, pem_der(path)).hexdigest()


def colons(h):
    return ":".join(h[i:i + 2] for i in range(0, len(h), 2)).upper()


def tlsdest(*lines):
    return {"tlsdestinations": "".join(l + "\n" for l in lines)}


def ctl(*dicts, **kw):
    out = {}
    for d in dicts:
        out.update(d)
    out.update(kw)
    return out


def received(instance, pattern=None, tls=True):
    """The Received header Postfix added (smtpd_tls_received_header) shows
    TLS (and matches pattern), or shows no TLS at all."""
    def chk(c):
        got = bedlib.find_in_maildir(instance, c.tok, want=1)
        if not got:
            return "%s: no message with the token" % instance
        rec = bedlib.split_delivered(got[0])[0]["received"] or ""
        if not tls:
            return "Received shows TLS, want plaintext: %r" % rec if "(using TLS" in rec else None
        if "(using TLS" not in rec:
            return "Received shows no TLS: %r" % rec
        if pattern and not re.search(pattern, rec):
            return "Received %r does not match %r" % (rec, pattern)
        return None
    return chk


def via_service(instance, syslog_name):
    """The K report's queue id was logged by the smtpd with this syslog_name."""
    def chk(c):
        qid = qid_of(c.final)
        if not qid:
            return "no queue id in the K report"
        if not bedlib.maillog_has(instance, r"%s/smtpd\[\d+\]: %s: client=" % (re.escape(syslog_name), qid)):
            return "queue id %s was not received by %s/smtpd (%s maillog)" % (qid, syslog_name, instance)
        return None
    return chk


def stderr_has(pattern):
    """the client's transcript (QMAILREMOTE_TRACE=1 in env) matches"""
    def chk(c):
        if re.search(pattern, c.stderr.decode("utf-8", "replace")):
            return None
        return "transcript does not match %r" % pattern
    return chk


TRACE = {"QMAILREMOTE_TRACE": "1"}


def z_chain(mx, host, why):
    return R(rb"ZUnable to verify X\.509 certificate chain from: " + re.escape(mx).encode() + rb" for " +
             re.escape(host).encode() + rb": " + why + rb"\.\n")


def z_subject(mx, host):
    return X("ZUnable to validate X.500 certificate Subject for: %s at %s.\n" % (host, mx))


def z_nostarttls(mx, host):
    return X("ZTLS is required for: %s for %s but the server does not offer STARTTLS; "
             "not sending in plaintext.\n" % (mx, host))


def z_handshake(mx, host, why=rb"[^\n]+"):
    return R(rb"ZI wasn't able to establish a TLS connection with: " + re.escape(mx).encode() + rb" for " +
             re.escape(host).encode() + rb"\.\nTLS: " + why + rb"\n")


def K_fault(ip, mode):
    return R(rb"K" + ip + rb" accepted message\.\nRemote host said: 250 2\.0\.0 Ok: queued as FAULT" +
             mode.upper().encode() + rb"\d+\n")


def K_fault_tls(ip, mode):
    return K_tls(ip, said=rb"Remote host said: 250 2\.0\.0 Ok: queued as FAULT" + mode.upper().encode() + rb"\d+\n")


UNVERIFIED = rb"unable to (verify the first certificate|get local issuer certificate)"
Z_CCERT_NONE = X(b"ZConnected to 192.0.2.66 but my name was rejected.\nRemote host said: "
                 b"421 4.7.1 mx-tls.qrtest Error: No client certificate presented\n")
Z_CCERT_UNTRUSTED = X(b"ZConnected to 192.0.2.66 but my name was rejected.\nRemote host said: "
                      b"421 4.7.1 mx-tls.qrtest Error: Client certificate not trusted\n")
CCERT_RECEIVED = r'\(Client CN "client\.qrtest", Issuer "qr-bed client CA" \(verified OK\)\)'
Z_REFUSED = X(b"ZI wasn't able to negotiate a StartTLS connection with: tlsrefuse.tlsfault.qrtest for "
              b"tlsrefuse.tlsfault.qrtest.\nTLS: the server refused STARTTLS\n"
              b"Remote host said: 454 4.7.0 TLS not available due to local problem\n")
Z_INJECT = X(b"ZConnected to 192.0.2.70 but connection died. (#4.4.2)\n"
             b"Protocol violation: data after the 220 to STARTTLS (command injection).\n")


def dc(cert, key=None, pw=None, domain="*"):
    """a domaincerts line"""
    v = domain + ":" + cert
    if key is not None or pw is not None:
        v += "|" + (key or "")
    if pw is not None:
        v += "|" + pw
    return {"domaincerts": v + "\n"}


def captures_during(c, mode, count=1, slack=1.0, timeout=3.0):
    """The faultsrv captures of MODE written during scenario c (written
    after it started, less slack seconds), in the order of their numbers,
    once there are count of them or timeout seconds passed."""
    since = time.time() - c.elapsed - slack
    deadline = time.monotonic() + timeout
    while True:
        files = [f for f in glob.glob(os.path.join(BED, "fault", "%s-*.raw" % mode))
                 if os.path.getmtime(f) >= since]
        if len(files) >= count or time.monotonic() > deadline:
            return sorted(files, key=lambda f: int(f.rsplit("-", 1)[1][:-4]))
        time.sleep(0.1)


def last_session(mode, pred, what, timeout=3.0):
    """pred(raw) on the newest faultsrv capture of MODE written during this
    scenario (for sessions that never carry the message, so no token)"""
    def chk(c):
        files = captures_during(c, mode, timeout=timeout)
        if not files:
            return "faultsrv (%s) captured no session during the scenario" % mode
        with open(files[-1], "rb") as fh:
            raw = fh.read()
        return None if pred(raw) else "on the wire: %s is false\n      captured: %r" % (what, raw[:600])
    return chk


def tls_ehlo_again(raw, chunks):
    """after STARTTLS: EHLO again, keywords of the TLS EHLO only (SIZE=, no pipelining)"""
    up = raw.upper()
    i = up.find(b"STARTTLS\r\n")
    if i < 0 or not up[i + 10:].startswith(b"EHLO CLIENT.QRTEST\r\n"):
        return False
    if not re.search(rb"MAIL FROM:<[^>]*> SIZE=\d+\r\n", raw[i:]):
        return False
    # no pipelining under TLS (the plaintext EHLO offered it): MAIL and RCPT
    # arrived in different reads
    m, rc = up.find(b"MAIL FROM", i), up.find(b"RCPT TO", i)
    pos = 0
    for n in chunks:
        if pos <= m < pos + n:
            return rc >= pos + n
        pos += n
    return False




# Control files in a subdirectory (netqmail's tlshosts/<FQDN>.pem,
# notlshosts/<FQDN>): scenarios.py's make_control writes flat files only.
if not getattr(make_control, "subdirs", False):
    def _make_control_subdirs(name, overrides, _flat=make_control):
        ov = overrides or {}
        d = _flat(name, {k: v for k, v in ov.items() if "/" not in k})
        for k, v in ov.items():
            if "/" not in k or v is None:
                continue
            p = os.path.join(d, k)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            if v is DIRECTORY:
                os.makedirs(p, exist_ok=True)
            else:
                with open(p, "w", encoding="utf-8") as f:
                    f.write(v)
        return d
    _make_control_subdirs.subdirs = True
    make_control = _make_control_subdirs


def nd(instance):
    """not delivered, short wait: for Z reports given before MAIL FROM, where
    a delivery would already show as a wrong report (the "never plaintext"
    scenarios use not_delivered's full wait)"""
    return not_delivered(instance, wait=0.3)
