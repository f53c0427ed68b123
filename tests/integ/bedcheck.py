#!/usr/bin/env python3
"""bedcheck.py -- verify that the test bed (bed-up) works, without qmail-remote.

Checks from inside qr-client: only documentation/loopback addresses exist;
DNS answers (dig @192.0.2.53) for the zone's key names, SERVFAIL and
NXDOMAIN cases and that names outside the zone fail locally; the dead
address times out and the refusing one refuses; Postfix greetings (220,
554, 421); smtp-source deliveries reach the Maildirs; an exact-bytes
delivery (Python smtplib) comes out of the Maildir unchanged once the
Postfix-added headers are stripped; the recipient access map; faultsrv.py
answers.  Prints one line per check and exits 1 if any failed.
"""
import ipaddress
import os
import re
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True   # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bedlib  # noqa: E402

results = []


def check(name, ok, detail=""):
    results.append(ok)
    print("%s %s%s" % ("ok  " if ok else "FAIL", name, "" if ok else ": " + detail), flush=True)


def client_py(code, *args, timeout=30):
    """Run python code inside qr-client; return CompletedProcess."""
    return bedlib.in_client([sys.executable, "-c", code] + list(args),
                            capture_output=True, timeout=timeout)


# ---------------------------------------------------------------- addresses
ALLOWED = [ipaddress.ip_network(n) for n in
           ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32",
            "127.0.0.0/8", "::1/128", "fe80::/10")]
for ns in (bedlib.NS_CLIENT, bedlib.NS_NET):
    out = subprocess.run(["ip", "-n", ns, "-o", "addr"], capture_output=True, text=True).stdout
    bad = [a for a in re.findall(r"inet6? ([0-9a-f.:]+)/", out)
           if not any(ipaddress.ip_address(a) in n for n in ALLOWED)]
    check("only documentation/loopback addresses in %s" % ns, not bad, " ".join(bad))


# ---------------------------------------------------------------- DNS
def dig(name, typ, server="192.0.2.53"):
    t = time.monotonic()
    p = bedlib.in_client(["dig", "+time=4", "+tries=1", "@" + server, name, typ,
                          "+noall", "+answer", "+comments"],
                         capture_output=True, text=True, timeout=20)
    m = re.search(r"status: (\w+)", p.stdout)
    ans = sorted(" ".join(l.split()[3:]) for l in p.stdout.splitlines()
                 if l and not l.startswith(";"))
    return (m.group(1) if m else "TIMEOUT"), ans, time.monotonic() - t


DNS = [
    ("plain.qrtest", "MX", "NOERROR", ["MX 10 mx-plain.qrtest."]),
    ("mx-plain.qrtest", "A", "NOERROR", ["A 192.0.2.25"]),
    ("mx-plain.qrtest", "AAAA", "NOERROR", ["AAAA 2001:db8::25"]),
    ("eq.qrtest", "MX", "NOERROR", ["MX 10 mx-plain2.qrtest.", "MX 10 mx-plain4.qrtest."]),
    ("nullmx.qrtest", "MX", "NOERROR", ["MX 0 ."]),
    ("nomx.qrtest", "MX", "NOERROR", []),
    ("v6only.qrtest", "AAAA", "NOERROR", ["AAAA 2001:db8::25"]),
    ("mx-self.qrtest", "A", "NOERROR", ["A 192.0.2.10"]),
    ("nxdomain.qrtest", "MX", "NXDOMAIN", []),
    ("servfail.qrtest", "MX", "SERVFAIL", []),
    ("xn--bcher-kva.qrtest", "MX", "NOERROR", ["MX 10 mx-plain4.qrtest."]),
    ("dropdot.fault.qrtest", "A", "NOERROR", ["A 192.0.2.40"]),
    ("example.com", "A", "NXDOMAIN", []),      # outside the bed: answered locally
]
for name, typ, st, ans in DNS:
    got_st, got_ans, _ = dig(name, typ)
    check("dig %s %s" % (name, typ), got_st == st and got_ans == ans,
          "want %s %s, got %s %s" % (st, ans, got_st, got_ans))
st, ans, _ = dig("cname.qrtest", "MX")
check("dig cname.qrtest MX (follows CNAME)", st == "NOERROR" and "CNAME plain4.qrtest." in ans, str(ans))
st, ans, _ = dig("mx-plain.qrtest", "A", server="2001:db8::53")
check("dig via unbound's IPv6 address", ans == ["A 192.0.2.25"], st)
st, ans, _ = dig("plain.qrtest", "MX", server="192.0.2.54")
check("nsd answers directly", ans == ["MX 10 mx-plain.qrtest."], st)

# ---------------------------------------------------------------- connect semantics
CONNECT = r"""
import socket, sys, time
a = sys.argv[1]
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET)
s.settimeout(2)
t = time.monotonic()
try:
    s.connect((a, 25)); print("connected")
except socket.timeout: print("timeout")
except ConnectionRefusedError: print("refused")
except OSError as e: print("error", e)
"""
for addr, want in (("203.0.113.99", "timeout"), ("2001:db8:dead::99", "timeout"),
                   ("192.0.2.39", "refused"), ("2001:db8::39", "refused"),
                   ("192.0.2.25", "connected"), ("2001:db8::25", "connected")):
    got = client_py(CONNECT, addr).stdout.decode().strip()
    check("connect %s -> %s" % (addr, want), got == want, "got " + got)

# ---------------------------------------------------------------- greetings
GREET = r"""
import socket, sys
a = sys.argv[1]
s = socket.create_connection((a, int(sys.argv[2])), timeout=float(sys.argv[3]))
try: print(s.makefile("rb").readline().decode("utf-8", "replace").rstrip())
except socket.timeout: print("(no greeting)")
"""
for addr, port, pat in (("192.0.2.25", 25, r"^220 mx-plain\.qrtest ESMTP"),
                        ("2001:db8::25", 25, r"^220 mx-plain\.qrtest ESMTP"),
                        ("192.0.2.25", 2525, r"^220 mx-plain\.qrtest ESMTP"),
                        ("192.0.2.26", 25, r"^220 "), ("192.0.2.23", 25, r"^220 "), ("192.0.2.24", 25, r"^220 "),
                        ("192.0.2.27", 25, r"^220 mx-reject\.qrtest ESMTP"),
                        ("192.0.2.28", 25, r"^554 5\.7\.1 "), ("192.0.2.29", 25, r"^421 4\.3\.2 "),
                        ("192.0.2.30", 25, r"^220 mailrej\.sink"), ("192.0.2.36", 25, r"^220 "),
                        ("192.0.2.51", 25, r"^220 fault\.qrtest"), ("2001:db8::40", 25, r"^220 "),
                        ("192.0.2.41", 25, r"^\(no greeting\)$")):
    got = client_py(GREET, addr, str(port), "1.5").stdout.decode().strip()
    check("greeting %s:%d" % (addr, port), re.search(pat, got) is not None, repr(got))

# ---------------------------------------------------------------- smtp-source
for addr, inst, rcpt in (("192.0.2.25", "pf-plain", "src@plain.qrtest"),
                         ("[2001:db8::25]", "pf-plain", "src6@plain.qrtest"),
                         ("192.0.2.27", "pf-reject", "good@reject.qrtest")):
    tok = bedlib.token("smtpsource")
    p = bedlib.in_client(["smtp-source", "-f", "check@client.qrtest", "-t", rcpt,
                          "-S", tok, addr + ":25"], capture_output=True, timeout=30)
    got = bedlib.find_in_maildir(inst, tok)
    check("smtp-source to %s delivered into %s" % (addr, inst), p.returncode == 0 and len(got) == 1,
          "rc=%s %s" % (p.returncode, p.stderr[-300:]))

# ---------------------------------------------------------------- exact bytes
SEND = r"""
import smtplib, sys
host, port, sender, rcpts, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4].split(","), sys.argv[5]
msg = open(path, "rb").read().replace(b"\n", b"\r\n")   # smtplib sends bytes as they are
s = smtplib.SMTP(host, port, local_hostname="client.qrtest", timeout=10)
try:
    refused = s.sendmail(sender, rcpts, msg)
    print("refused:", sorted(refused.items()))
except smtplib.SMTPRecipientsRefused as e:
    print("refused:", sorted(e.recipients.items()))
s.quit()
"""
tok = bedlib.token("exact")
body = (("From: check@client.qrtest\nTo: exact@plain.qrtest\nSubject: exact bytes\n"
         "Message-ID: <%s@client.qrtest>\n\n.leading dot\n..two dots\n.\n \nFrom here\n"
         "tab\tand trailing space \n" % tok).encode()
        + "8bit: \u00e4\u00f6\u00fc \u20ac\n".encode() + b"x" * 3000 + b"\n\n\n")
path = os.path.join(bedlib.BED, "check-exact.msg")
with open(path, "wb") as f:
    f.write(body)
p = client_py(SEND, "192.0.2.25", "25", "check@client.qrtest", "exact@plain.qrtest", path)
got = bedlib.find_in_maildir("pf-plain", tok)
ok = len(got) == 1
detail = p.stdout.decode() + p.stderr.decode()[-500:]
if ok:
    info, rest = bedlib.split_delivered(got[0])
    ok = (rest == body and info["return_path"] == "<check@client.qrtest>"
          and info["delivered_to"] == "exact@plain.qrtest"
          and (info["received"] or "").startswith("from client.qrtest ("))
    detail = "info=%s\nsent=%r\ngot =%r" % (info, body[:200], rest[:200])
check("exact bytes survive Postfix (Maildir minus prepended headers)", ok, detail)

# ---------------------------------------------------------------- access map
tok = bedlib.token("access")
with open(path, "wb") as f:
    f.write(b"Subject: access\nMessage-ID: <%s@client.qrtest>\n\nhi\n" % tok.encode())
p = client_py(SEND, "192.0.2.27", "25", "check@client.qrtest",
              "good@reject.qrtest,bad@reject.qrtest,later@reject.qrtest", path)
out = p.stdout.decode()
check("pf-reject access map: bad 550, later 450",
      "'bad@reject.qrtest', (550, b'5.1.1 <bad@reject.qrtest>: Recipient address rejected: no such user here')" in out
      and "'later@reject.qrtest', (450, b'4.2.0 <later@reject.qrtest>: Recipient address rejected: try again later')" in out,
      out + p.stderr.decode()[-300:])
check("pf-reject delivers the accepted recipient", len(bedlib.find_in_maildir("pf-reject", tok)) == 1)

# ---------------------------------------------------------------- faultsrv
tok = bedlib.token("fault")
with open(path, "wb") as f:
    f.write(b"Subject: fault\nMessage-ID: <%s@client.qrtest>\n\n.dot\n" % tok.encode())
p = client_py(SEND, "192.0.2.51", "25", "check@client.qrtest", "x@fault.qrtest", path)
raw, chunks = bedlib.find_fault_capture("ok", tok)
check("faultsrv ok mode captures the session", raw is not None and b"\r\n..dot\r\n.\r\n" in raw,
      p.stdout.decode() + p.stderr.decode()[-300:])

n = len(results) - sum(results)
print("bedcheck: %d checks, %d failed" % (len(results), n))
sys.exit(1 if n else 0)
