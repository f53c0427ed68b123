#!/usr/bin/env python3
"""tlsrpt/hostilesrv.py -- an SMTP server with a hostile EHLO name (TLS-RPT part).

The one thing no real MTA can be made to do for the TLS-RPT scenarios: the
first line of its EHLO reply names it with bytes that must not reach a
collector as they are -- invalid UTF-8, quotes, backslashes, control bytes,
JSON's own punctuation.  It offers no STARTTLS, so the client's TLS-RPT
datagram is a failure (starttls-not-supported) and carries that name in
"h" (RFC 8460 receiving-mx-helo).  Otherwise a good server: it accepts the
message ("250 2.0.0 Ok: queued as FAULT<MODE><n>").  Built on faultsrv.py's
Conn: captures in LOGDIR/<mode>-<n>.raw, transcript in LOGDIR/<mode>.log.

usage: hostilesrv.py [--lifetime SEC] [--logdir DIR] ENDPOINT=MODE ...
modes:
  hostile   EHLO "250-" + NAMES["hostile"] + " says hello"
  allbytes  EHLO "250-" + every byte 0x01-0xff but the C white space ones
            (0x09-0x0d, 0x20) + " says hello"
NAMES and expected_h() are imported by scenarios_tlsrpt.py.  Python 3
standard library only.
"""
import os
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import faultsrv  # noqa: E402

# every invalid UTF-8 run here is one byte long under any reading (lone
# continuation bytes, bytes that never start a sequence, a lead byte
# followed by a byte it cannot take), so "each invalid byte is a '?'" and
# Python's "replace" (one U+FFFD per maximal invalid subpart) agree
NAMES = {
    "hostile": (b'h\xc3\xa4"q\\b\x01\x08\x1b\x7f}]\',:/{["\\u0041'
                b"\xff\xfe\x80\xc0\xaf\xed\xa0\x80<&>\xe2\x82\xac.qrtest"),
    "allbytes": bytes(b for b in range(1, 256) if b not in b" \t\n\v\f\r"),
}


def expected_h(name):
    """the "h" a datagram carries for this EHLO name: bytes that are not
    valid UTF-8 each become '?', the rest as they are (the JSON escaping is
    the collector's business)"""
    return name.decode("utf-8", "replace").replace("\ufffd", "?")


class HostileConn(faultsrv.Conn):
    def run(self):
        m = self.mode
        self.send(b"220 hostile.qrtest ESMTP hostilesrv (%s)\r\n" % m.encode())
        while True:
            line = self.readline()
            if line is None:
                return
            verb = line.split(b" ", 1)[0].split(b":", 1)[0].strip().upper()
            if verb == b"EHLO":
                self.send(b"250-" + NAMES[m] + b" says hello\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
                          b"250 ENHANCEDSTATUSCODES\r\n")
            elif verb == b"HELO":
                self.send(b"250 " + NAMES[m] + b"\r\n")
            elif verb == b"MAIL":
                self.send(b"250 2.1.0 Ok\r\n")
            elif verb == b"RCPT":
                self.send(b"250 2.1.5 Ok\r\n")
            elif verb == b"DATA":
                self.send(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                while True:
                    dl = self.readline()
                    if dl is None:
                        return
                    if dl == b".\r\n":
                        break
                self.send(b"250 2.0.0 Ok: queued as FAULT%s%d\r\n" % (m.upper().encode(), self.n))
            elif verb in (b"RSET", b"NOOP"):
                self.send(b"250 2.0.0 Ok\r\n")
            elif verb == b"QUIT":
                self.send(b"221 2.0.0 Bye\r\n")
                return
            else:
                self.send(b"502 5.5.2 Error: command not recognized\r\n")


def main(argv):
    lifetime, logdir, specs = 1800.0, None, []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--lifetime", "--logdir"):
            if a == "--lifetime":
                lifetime = float(argv[i + 1])
            else:
                logdir = argv[i + 1]
            i += 2
            continue
        ep, _, mode = a.rpartition("=")
        if mode not in NAMES or not ep:
            print(__doc__, file=sys.stderr)
            return 2
        specs.append((ep, mode))
        i += 1
    if not specs:
        print(__doc__, file=sys.stderr)
        return 2
    if logdir:
        os.makedirs(logdir, exist_ok=True)
    for ep, mode in specs:
        threading.Thread(target=faultsrv.serve, args=(faultsrv.listen(ep), mode, logdir, HostileConn),
                         daemon=True).start()
    print("hostilesrv.py: listening, exiting after %g s" % lifetime, file=sys.stderr, flush=True)
    time.sleep(lifetime)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
