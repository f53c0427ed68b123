#!/usr/bin/env python3
"""tlsrpt/hostilesrv.py -- an SMTP server with a hostile EHLO name (TLS-RPT part).

The one thing no real MTA can be made to do for the TLS-RPT scenarios: the
first line of its EHLO reply names it with bytes that must not reach a
collector as they are -- invalid UTF-8, quotes, backslashes, control bytes,
JSON's own punctuation.  It offers no STARTTLS, so the client's TLS-RPT
datagram is a failure (starttls-not-supported) and carries that name in
"h" (RFC 8460 receiving-mx-helo).  Otherwise a good server: it accepts the
message ("250 2.0.0 Ok: queued as FAULT<MODE><n>"): faultsrv.py's "ok"
server with another EHLO name (its Conn, its main: captures in
LOGDIR/<mode>-<n>.raw, transcript in LOGDIR/<mode>.log).

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
    """faultsrv.py's well-behaved server ("ok"), but for its EHLO name"""
    def ehlo_name(self):
        return NAMES[self.mode] + b" says hello"


MODES = {
    "hostile": "EHLO name NAMES['hostile'] (invalid UTF-8, quotes, control bytes, JSON's punctuation)",
    "allbytes": "EHLO name NAMES['allbytes'] (every byte but NUL and the C white space)",
}

if __name__ == "__main__":
    sys.exit(faultsrv.main(sys.argv[1:], MODES, HostileConn, "hostilesrv.py"))
