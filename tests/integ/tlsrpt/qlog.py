#!/usr/bin/env python3
"""tlsrpt/qlog.py -- a DNS forwarder that logs every question (TLS-RPT part).

Listens on ADDR port 53 (UDP and TCP), passes every query to the upstream
resolver (unbound) byte for byte and every reply back byte for byte
(dnsfwd.py's forwarding), each reply held back --delay seconds, and logs
one line per query when it arrives and one when its reply goes out:
    <time> q <udp|tcp> <TYPE> <name>
    <time> r <udp|tcp> <TYPE> <name>
(time: time.time(), 6 decimals).
What the scenarios see in it (scenarios_tlsrpt.py): whether the client
asked TXT _smtp._tls.<domain> at all, and whether it asked it together with
the MX query -- the TXT question arrives before the (delayed) MX answer
went out -- or only after it (a round trip of its own).  Stdlib only.

usage: qlog.py --listen ADDR --upstream ADDR [--delay SEC] [--lifetime SEC] --log FILE
"""
import argparse
import os
import socket
import struct
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import dnsfwd  # noqa: E402

TYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA", 33: "SRV",
         43: "DS", 48: "DNSKEY", 52: "TLSA", 255: "ANY"}


def describe(q):
    qn = dnsfwd.question(q) if len(q) >= 12 else None
    if not qn:
        return "? (malformed)"
    return "%s %s" % (TYPES.get(qn[1], "TYPE%d" % qn[1]), qn[0] or ".")


class Log:
    def __init__(self, path):
        self.f = open(path, "a")
        self.lock = threading.Lock()

    def __call__(self, kind, proto, q):
        with self.lock:
            self.f.write("%.6f %s %s %s\n" % (time.time(), kind, proto, describe(q)))
            self.f.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--listen", required=True)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--lifetime", type=float, default=1800)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    log = Log(a.log)
    fwd = dnsfwd.Fwd(a.upstream, set(), log.f)

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((a.listen, 53))

    def udp_one(q, peer):
        r = fwd.udp(q)
        time.sleep(a.delay)
        if r is not None:
            log("r", "udp", q)
            u.sendto(r, peer)

    def udp_loop():
        while True:
            q, peer = u.recvfrom(65535)
            log("q", "udp", q)      # here, in arrival order, not in the forwarding thread
            threading.Thread(target=udp_one, args=(q, peer), daemon=True).start()

    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((a.listen, 53))
    t.listen(16)

    def tcp_conn(c):
        c.settimeout(10)
        try:
            while True:
                q = dnsfwd.recv_exact(c, struct.unpack("!H", dnsfwd.recv_exact(c, 2))[0])
                log("q", "tcp", q)
                r = fwd.tcp(q)
                time.sleep(a.delay)
                if r is None:
                    return
                log("r", "tcp", q)
                c.sendall(struct.pack("!H", len(r)) + r)
        except (OSError, struct.error):
            return
        finally:
            c.close()

    def tcp_loop():
        while True:
            c, _ = t.accept()
            threading.Thread(target=tcp_conn, args=(c,), daemon=True).start()

    for fn in (udp_loop, tcp_loop):
        threading.Thread(target=fn, daemon=True).start()
    log.f.write("%.6f listening on %s, upstream %s, replies delayed %g s\n" % (time.time(), a.listen, a.upstream,
                                                                              a.delay))
    log.f.flush()
    time.sleep(a.lifetime)


if __name__ == "__main__":
    main()
