# scenarios_castore.py -- the system's CA store for a verified delivery with
# no cafile of its own (issue 25), exec'd by scenarios.py with its helpers in
# scope.  Each scenario mounts a CA store of its own over /etc/ssl/certs
# (OpenSSL's built-in /usr/lib/ssl/certs and /usr/lib/ssl/cert.pem point
# there on Debian): the hashed directory is used when it holds hashed names,
# the bundle file only where it holds none; the transcript says which.
# The peer is pf-tls's mx-tls (certificate from the test CA); the line
# "=tls.qrtest:" (chain and exact name, no cafile) asks for the system's CAs.
# Names defined here start with ca_/CA_STORE (all suites share one namespace).
exec(compile(open(os.path.join(bedlib.HERE, "tls", "scnlib.py")).read(),  # noqa: S102
             os.path.join(bedlib.HERE, "tls", "scnlib.py"), "exec"), globals())

CA_STORE_TRACE = {"QMAILREMOTE_TRACE": "1"}


def ca_store(name, hashed=False, bundle=None):
    """A CA store directory for scenario name: the test CA under its hash
    name (as update-ca-certificates leaves it) when hashed, and a bundle
    file ca-certificates.crt of the given text (None: no file)."""
    def make():
        d = os.path.join(BED, "certs", name)
        subprocess.run(["rm", "-rf", d])
        os.makedirs(d)
        if hashed:
            h = subprocess.run(["openssl", "x509", "-hash", "-noout", "-in", CA], check=True,
                               stdout=subprocess.PIPE).stdout.decode().strip()
            with open(CA) as f, open(os.path.join(d, "qr-bed-ca.pem"), "w") as out:
                out.write(f.read())
            os.symlink("qr-bed-ca.pem", os.path.join(d, h + ".0"))
        if bundle is not None:
            with open(os.path.join(d, "ca-certificates.crt"), "w") as out:
                out.write(bundle() if callable(bundle) else bundle)
        return d
    return make


def ca_text(path):
    def text():
        with open(path) as f:
            return f.read()
    return text


CA_VERIFY = tlsdest("=tls.qrtest:")

S += [
    # the hashed directory alone verifies the chain; no bundle file is needed
    Scn("ca-store-hashed-directory-alone", "tls.qrtest", ["a@tls.qrtest"], control=CA_VERIFY, env=CA_STORE_TRACE,
        certs=ca_store("hashed-alone", hashed=True), expect_rcpts=[r], final=K_tls(IP60),
        checks=[delivered("pf-tls"), received("pf-tls"),
                stderr_has(r"tls: CA store /usr/lib/ssl/certs \(hashed directory\)"),
                stderr_has(r"tls: certificate verified with the name")]),
    # the directory first: a bundle file beside it is never read (here it is
    # not even PEM: reading it would fail)
    Scn("ca-store-hashed-directory-first", "tls.qrtest", ["a@tls.qrtest"], control=CA_VERIFY, env=CA_STORE_TRACE,
        certs=ca_store("hashed-first", hashed=True, bundle="this is not a certificate\n"),
        expect_rcpts=[r], final=K_tls(IP60),
        checks=[delivered("pf-tls"), stderr_has(r"tls: CA store /usr/lib/ssl/certs \(hashed directory\)")]),
    # a store without hashes (only the bundle): the file is read
    Scn("ca-store-bundle-only", "tls.qrtest", ["a@tls.qrtest"], control=CA_VERIFY, env=CA_STORE_TRACE,
        certs=ca_store("bundle-only", bundle=ca_text(CA)), expect_rcpts=[r], final=K_tls(IP60),
        checks=[delivered("pf-tls"), received("pf-tls"),
                stderr_has(r"tls: CA store /usr/lib/ssl/cert\.pem \(/usr/lib/ssl/certs holds no hashed names\)")]),
    # the test CA is in neither: the chain does not verify, nothing is sent
    Scn("ca-store-other-ca", "tls.qrtest", ["a@tls.qrtest"], control=CA_VERIFY,
        certs=ca_store("other-ca", bundle=ca_text(CA2)),
        final=z_chain("mx-tls.qrtest", "tls.qrtest", UNVERIFIED), checks=[nd("pf-tls")]),
    # no store at all: Z naming the file that could not be read
    Scn("ca-store-none", "tls.qrtest", ["a@tls.qrtest"], control=CA_VERIFY, certs=ca_store("none"),
        final=X(b"ZI wasn't able to setup CAFILE: /usr/lib/ssl/cert.pem for TLS.\n"), checks=[nd("pf-tls")]),
    # a cafile named by the admin is used as it is, whatever the system has
    Scn("ca-store-explicit-bundle-still-read", "tls.qrtest", ["a@tls.qrtest"], control=tlsdest("=tls.qrtest:" + CA),
        certs=ca_store("explicit", hashed=False, bundle=None), expect_rcpts=[r], final=K_tls(IP60),
        checks=[delivered("pf-tls")]),
]
