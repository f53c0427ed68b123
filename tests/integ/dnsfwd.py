#!/usr/bin/env python3
"""dnsfwd.py -- a scripted DNS forwarder for the qmail-remote test bed.

Listens on ADDR port 53 (UDP and TCP) and passes every query to the
upstream resolver (unbound) byte for byte, and every reply back byte for
byte (the ID, the AD bit, TC: all unchanged), except an AAAA query for
one of the names given with --servfail-aaaa, which it answers itself with
SERVFAIL.  That is the fault no real server produces on demand: the MX and
A answers of a host validate while its AAAA lookup fails (issue 16.2).
Stdlib only.  Logs one line per query it answered itself.

usage: dnsfwd.py --listen ADDR --upstream ADDR --servfail-aaaa NAME ...
                 [--lifetime SECONDS] [--log FILE]
"""
import argparse
import socket
import socketserver
import struct
import sys
import threading
import time

T_AAAA, T_OPT = 28, 41


def question(q):
    """(name in lower case, qtype, end of the question) of a query; None if malformed"""
    pos, labels = 12, []
    while True:
        if pos >= len(q):
            return None
        n = q[pos]
        if n == 0:
            pos += 1
            break
        if n > 63 or pos + 1 + n > len(q):
            return None     # compression or extended labels: not in a query
        labels.append(q[pos + 1:pos + 1 + n].decode("ascii", "replace").lower())
        pos += 1 + n
    if pos + 4 > len(q):
        return None
    return ".".join(labels), struct.unpack("!H", q[pos:pos + 2])[0], pos + 4


def servfail(q, qend):
    """SERVFAIL to query q: its header and question, and an OPT (echoing DO)
    when the query had one, as unbound answers"""
    qid, qflags, qd, an, ns, ar = struct.unpack("!6H", q[:12])
    flags = 0x8000 | (qflags & 0x7900) | 0x0080 | 2     # QR, opcode+RD, RA, SERVFAIL
    do = 0
    if ar == 1 and len(q) >= qend + 11 and struct.unpack("!H", q[qend + 1:qend + 3])[0] == T_OPT:
        do = struct.unpack("!H", q[qend + 7:qend + 9])[0] & 0x8000
        opt = b"\0" + struct.pack("!HHIH", T_OPT, 1232, do, 0)
        return struct.pack("!6H", qid, flags, 1, 0, 0, 1) + q[12:qend] + opt
    return struct.pack("!6H", qid, flags, 1, 0, 0, 0) + q[12:qend]


class Fwd:
    def __init__(self, upstream, names, log):
        self.upstream, self.names, self.logf = upstream, names, log
        self.lock = threading.Lock()

    def log(self, text):
        with self.lock:
            self.logf.write("%.3f %s\n" % (time.time(), text))
            self.logf.flush()

    def own_answer(self, q, proto):
        """the SERVFAIL for a chosen AAAA query, else None (pass it on)"""
        qn = question(q) if len(q) >= 12 else None
        if qn and qn[1] == T_AAAA and qn[0].rstrip(".") in self.names:
            self.log("%s AAAA %s: SERVFAIL" % (proto, qn[0]))
            return servfail(q, qn[2])
        return None

    def udp(self, q):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.settimeout(10)
            s.connect((self.upstream, 53))
            s.send(q)
            return s.recv(65535)
        except OSError:
            return None     # no reply: the client times out, as it would
        finally:
            s.close()

    def tcp(self, q):
        try:
            with socket.create_connection((self.upstream, 53), timeout=10) as s:
                s.sendall(struct.pack("!H", len(q)) + q)
                n = struct.unpack("!H", recv_exact(s, 2))[0]
                return recv_exact(s, n)
        except (OSError, struct.error):
            return None


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise OSError("closed")
        buf += chunk
    return buf


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--listen", required=True)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--servfail-aaaa", action="append", default=[], metavar="NAME")
    ap.add_argument("--lifetime", type=float, default=1800)
    ap.add_argument("--log", default="-")
    a = ap.parse_args()
    logf = sys.stdout if a.log == "-" else open(a.log, "a")
    fwd = Fwd(a.upstream, {n.lower().rstrip(".") for n in a.servfail_aaaa}, logf)

    class UDP(socketserver.BaseRequestHandler):
        def handle(self):
            q, sock = self.request
            r = fwd.own_answer(q, "udp") or fwd.udp(q)
            if r is not None:
                sock.sendto(r, self.client_address)

    class TCP(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.settimeout(10)
            try:
                while True:     # RFC 7766: several queries may share a connection
                    q = recv_exact(self.request, struct.unpack("!H", recv_exact(self.request, 2))[0])
                    r = fwd.own_answer(q, "tcp") or fwd.tcp(q)
                    if r is None:
                        return
                    self.request.sendall(struct.pack("!H", len(r)) + r)
            except (OSError, struct.error):
                return

    socketserver.ThreadingUDPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    servers = [socketserver.ThreadingUDPServer((a.listen, 53), UDP),
               socketserver.ThreadingTCPServer((a.listen, 53), TCP)]
    for srv in servers:
        srv.daemon_threads = True
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    fwd.log("listening on %s, upstream %s, SERVFAIL for AAAA of %s"
            % (a.listen, a.upstream, " ".join(sorted(fwd.names))))
    time.sleep(a.lifetime)


if __name__ == "__main__":
    main()
