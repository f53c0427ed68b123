#!/usr/bin/env python3
"""qmtpsrv.py -- a QMTP server (cr.yp.to/proto/qmtp.txt) for the qmail-remote test bed.

Parses every package strictly: netstrings with no leading zeros, the message
in encoding #1 (<0d> first) or #2 (<0a> first), a sender, a non-empty
netstring of recipient netstrings with nothing after the last one.  Several
packages per connection are allowed; an incomplete package (the client
closed early) is thrown away, as qmtp.txt section 2 demands.  Responses are
sent only after the last byte of a package.  Python 3 standard library only.

usage: qmtpsrv.py [--lifetime SEC] [--dir DIR] [--cert PEM --key PEM]
                  [--tls] [--max-size BYTES] [--raw] ENDPOINT[=MODE] ...
  ENDPOINT  192.0.2.60 (port 209), 192.0.2.60:209, [2001:db8::60]:6209
            port 6209 (or --tls) means QMTPS: TLS from the first byte,
            with the certificate --cert and key --key
  MODE      one of MODES below (default: ok)

Each complete package N (counted over all endpoints, from 1, whatever the
mode) is stored in
DIR as msg-N (the message bytes after the encoding byte: for encoding #2
exactly the sender's file) and env-N (qmail-queue's envelope format:
"F" sender NUL, "T" recipient NUL for each, then NUL), env-N written last,
both by rename so a reader never sees half a file.  DIR/log has a line per
event; DIR/errors a line per protocol violation by the client (a test
expects it to stay empty).  With --raw, every connection's input is kept as
DIR/conn-M.raw.

Responses (mode ok): recipient local part starting with "z" -> Z, with "d"
-> D (case-insensitive), anything else -> K.  The server exits by itself
after --lifetime seconds (default 300); one connection lives at most
CONN_CAP seconds.
"""
import os
import socket
import ssl
import sys
import threading
import time

CONN_CAP = 120              # seconds one connection may live, whatever the mode
DIGITS_MAX = 20             # a netstring length longer than this is refused
DEFAULT_MAX_SIZE = 64 << 20  # biggest message accepted (--max-size)
ADDR_MAX = 4096             # biggest address or recipient list per address

MODES = {
    "ok":           "a correct server: answers per recipient by the rules above",
    "dropresp":     "reads the whole package, closes without any response",
    "halfresp":     "answers the first recipient only, then closes",
    "stall":        "reads the whole package, never answers (until CONN_CAP)",
    "slow":         "reads the whole package, waits 5 s, then answers like ok",
    "badnetstring": "each response's length is one less than its text: no comma there",
    "leadingzero":  "responses are written with a leading zero: 05:Kabcd,",
    "nocomma":      "responses end in ';' instead of ','",
    "oversized":    "announces a 1000000-byte response and sends 64 KB of it",
    "garbage":      "answers the package with an HTTP error page",
    "empty":        "answers every recipient with the empty netstring 0:,",
    "badstatus":    "answers with status byte X: 3:Xno,",
    "dropmsg":      "reads 4 KB of the package, then closes",
    "extra":        "answers like ok, then sends one response too many",
}

_lock = threading.Lock()
_count = {"pkg": 0, "conn": 0}
_opts = {"dir": None, "max_size": DEFAULT_MAX_SIZE, "raw": False}


class Violation(Exception):
    """The client broke the protocol."""


class Eof(Exception):
    """The client closed (or the connection died)."""


def log(what, fname="log"):
    line = "%.3f %s\n" % (time.time(), what)
    sys.stderr.write("qmtpsrv.py: " + line)
    if _opts["dir"]:
        with _lock:
            with open(os.path.join(_opts["dir"], fname), "a") as f:
                f.write(line)


def store(name, data):
    path = os.path.join(_opts["dir"], name)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


class Conn:
    def __init__(self, sock, mode, peer):
        self.sock = sock
        self.mode = mode
        self.peer = peer
        self.buf = bytearray()
        self.raw = bytearray()
        self.start = time.monotonic()
        with _lock:
            _count["conn"] += 1
            self.n = _count["conn"]
        sock.settimeout(1)

    def left(self):
        return CONN_CAP - (time.monotonic() - self.start)

    def fill(self):
        """More bytes into self.buf; Eof when the client is gone."""
        while self.left() > 0:
            try:
                d = self.sock.recv(65536)
            except socket.timeout:
                continue
            except (OSError, ssl.SSLError):
                raise Eof()
            if not d:
                raise Eof()
            self.buf += d
            if _opts["raw"]:
                self.raw += d
            return
        raise Eof()

    def byte(self):
        if not self.buf:
            self.fill()
        b = self.buf[0]
        del self.buf[:1]
        return b

    def take(self, n):
        while len(self.buf) < n:
            self.fill()
        d = bytes(self.buf[:n])
        del self.buf[:n]
        return d

    def netstring(self, limit, what, first=None):
        """One netstring from the wire; first: its first byte, already read."""
        n, digits = 0, 0
        while True:
            b = first if first is not None else self.byte()
            first = None
            if b == ord(":"):
                break
            if not 0x30 <= b <= 0x39:
                raise Violation("%s: length has a non-digit %r" % (what, bytes([b])))
            if digits == 1 and n == 0:
                raise Violation("%s: length has a leading zero" % what)
            n = n * 10 + b - 0x30
            digits += 1
            if digits > DIGITS_MAX or n > limit:
                raise Violation("%s: length %d over the limit %d" % (what, n, limit))
        if digits == 0:
            raise Violation("%s: no length" % what)
        d = self.take(n)
        if self.byte() != ord(","):
            raise Violation("%s: no comma after %d bytes" % (what, n))
        return d

    def send(self, data):
        try:
            self.sock.settimeout(10)
            self.sock.sendall(data)
            return True
        except (OSError, ssl.SSLError):
            return False
        finally:
            self.sock.settimeout(1)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
        if _opts["raw"] and _opts["dir"]:
            store("conn-%d.raw" % self.n, bytes(self.raw))

    # -- one package ----------------------------------------------------------
    def package(self):
        """A whole package as (message, encoding, sender, recipients), or
        None at a clean end of the connection (EOF between packages)."""
        try:
            first = self.byte()
        except Eof:
            return None
        msg = self.netstring(_opts["max_size"] + 1, "message", first)
        if not msg:
            raise Violation("message: empty (no encoding byte)")
        if msg[:1] == b"\n":
            enc = 2
        elif msg[:1] == b"\r":
            enc = 1
        else:
            raise Violation("message: unknown encoding byte %r" % msg[:1])
        sender = self.netstring(ADDR_MAX, "sender")
        rl = self.netstring(ADDR_MAX * 1000, "recipients")
        recips, pos = [], 0
        while pos < len(rl):
            colon = rl.find(b":", pos)
            digits = rl[pos:colon] if colon >= 0 else rl[pos:]
            if colon < 0 or not digits or not digits.isdigit() or (len(digits) > 1 and digits[:1] == b"0"):
                raise Violation("recipients: bad netstring at byte %d" % pos)
            n = int(digits)
            end = colon + 1 + n
            if end >= len(rl) or rl[end:end + 1] != b",":
                raise Violation("recipients: netstring %d overruns the list" % (len(recips) + 1))
            recips.append(rl[colon + 1:end])
            pos = end + 1
        if not recips:
            raise Violation("recipients: none")
        return msg[1:], enc, sender, recips

    def responses(self, recips, pkgno):
        out = []
        for r in recips:
            local = r.rsplit(b"@", 1)[0].lower()
            if local.startswith(b"z"):
                text = b"Ztemporary failure for this recipient, try later (#4.2.0)"
            elif local.startswith(b"d"):
                text = b"Dno mailbox here by that name (#5.1.1)"
            else:
                text = b"Kok %d qp %d" % (int(time.time()), pkgno)
            out.append(text)
        return out

    def encode(self, texts):
        m = self.mode
        if m == "garbage":
            return b"HTTP/1.0 400 Bad Request\r\nContent-Type: text/html\r\n\r\n<h1>what?</h1>\r\n"
        if m == "oversized":
            return b"1000000:K" + b"x" * 65536
        res = b""
        for t in texts:
            if m == "badnetstring":
                res += b"%d:%s," % (len(t) - 1, t)
            elif m == "leadingzero":
                res += b"0%d:%s," % (len(t), t)
            elif m == "nocomma":
                res += b"%d:%s;" % (len(t), t)
            elif m == "empty":
                res += b"0:,"
            elif m == "badstatus":
                res += b"3:Xno,"
            else:
                res += b"%d:%s," % (len(t), t)
        if m == "extra":
            res += b"5:Kmore,"
        return res

    def run(self):
        log("conn %d from %s mode %s" % (self.n, self.peer, self.mode))
        if self.mode == "dropmsg":
            try:
                self.take(4096)
            except Eof:
                pass
            log("conn %d: dropmsg: closing inside the package" % self.n)
            return
        while True:
            try:
                p = self.package()
            except Eof:
                log("conn %d: incomplete package thrown away" % self.n)
                return
            except Violation as e:
                log("conn %d: %s" % (self.n, e), "errors")
                return
            if p is None:
                log("conn %d: closed by the client" % self.n)
                return
            msg, enc, sender, recips = p
            with _lock:
                _count["pkg"] += 1
                pkgno = _count["pkg"]
            texts = self.responses(recips, pkgno)
            if _opts["dir"]:
                store("msg-%d" % pkgno, msg)
                store("env-%d" % pkgno, b"F" + sender + b"\0" +
                      b"".join(b"T" + r + b"\0" for r in recips) + b"\0")
            log("conn %d: package %d: %d bytes (encoding #%d), sender <%s>, %d recipient(s)" %
                (self.n, pkgno, len(msg), enc, sender.decode("utf-8", "replace"), len(recips)))
            m = self.mode
            if m == "dropresp":
                return
            if m == "stall":
                while self.left() > 0:
                    time.sleep(0.2)
                return
            if m == "slow":
                time.sleep(5)
            if m == "halfresp":
                self.send(self.encode(texts[:1]))
                return
            if not self.send(self.encode(texts)):
                return
            if m in ("garbage", "oversized"):
                return


def serve(lsock, mode, tlsctx):
    while True:
        try:
            s, peer = lsock.accept()
        except OSError:
            return

        def session(s=s, peer=peer):
            if tlsctx:
                try:
                    s.settimeout(10)
                    s = tlsctx.wrap_socket(s, server_side=True)
                except (OSError, ssl.SSLError) as e:
                    log("TLS handshake with %s failed: %s" % (peer[0], e))
                    s.close()
                    return
            c = Conn(s, mode, peer[0])
            try:
                c.run()
            finally:
                c.close()
        threading.Thread(target=session, daemon=True).start()


def parse_endpoint(ep):
    if ep.startswith("["):
        host, _, rest = ep[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else "209"
        return socket.AF_INET6, host, int(port)
    if ep.count(":") > 1:               # a bare IPv6 address: port 209
        return socket.AF_INET6, ep, 209
    host, _, port = ep.partition(":")
    return socket.AF_INET, host, int(port or 209)


def listen(fam, host, port):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((host, port))
    s.listen(64)
    return s


def main(argv):
    lifetime, cert, key, force_tls, specs = 300.0, None, None, False, []
    i = 0
    try:
        while i < len(argv):
            a = argv[i]
            if a in ("-h", "--help"):
                print(__doc__ + "\nmodes:\n" + "\n".join("  %-12s %s" % kv for kv in MODES.items()))
                return 0
            if a == "--lifetime":
                lifetime = float(argv[i + 1]); i += 2; continue
            if a == "--dir":
                _opts["dir"] = argv[i + 1]; i += 2; continue
            if a == "--cert":
                cert = argv[i + 1]; i += 2; continue
            if a == "--key":
                key = argv[i + 1]; i += 2; continue
            if a == "--max-size":
                _opts["max_size"] = int(argv[i + 1]); i += 2; continue
            if a == "--tls":
                force_tls = True; i += 1; continue
            if a == "--raw":
                _opts["raw"] = True; i += 1; continue
            ep, eq, mode = a.rpartition("=")
            if not eq:
                ep, mode = a, "ok"
            if mode not in MODES or not ep:
                raise ValueError("bad argument %r (want ENDPOINT[=MODE])" % a)
            specs.append((parse_endpoint(ep), mode))
            i += 1
    except (IndexError, ValueError) as e:
        print("qmtpsrv.py: %s" % (e or "missing value"), file=sys.stderr)
        return 2
    if not specs:
        print("qmtpsrv.py: nothing to listen on", file=sys.stderr)
        return 2
    if _opts["dir"]:
        os.makedirs(_opts["dir"], exist_ok=True)
    for (fam, host, port), mode in specs:
        ctx = None
        if force_tls or port == 6209:
            if not cert:
                print("qmtpsrv.py: QMTPS on port %d needs --cert (and --key)" % port, file=sys.stderr)
                return 2
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
        threading.Thread(target=serve, args=(listen(fam, host, port), mode, ctx), daemon=True).start()
    print("qmtpsrv.py: listening, exiting after %g s" % lifetime, file=sys.stderr, flush=True)
    time.sleep(lifetime)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
