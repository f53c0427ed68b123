#!/usr/bin/env python3
"""faultsrv.py -- scripted misbehaving SMTP server for the qmail-remote test bed.

Does what a real MTA cannot be made to do: stall, drop the connection at a
chosen point, send garbage, overlong or endless replies, NUL bytes...

usage: faultsrv.py [--lifetime SEC] [--logdir DIR] ENDPOINT=MODE ...
  ENDPOINT  192.0.2.40:25  or  [2001:db8::40]:25
  MODE      one of MODES below

Every connection's raw input is saved as LOGDIR/<mode>-<n>.raw, the size
of each recv() as LOGDIR/<mode>-<n>.chunks (one number a line: shows which
commands the client sent in one write), and a transcript is appended to
LOGDIR/<mode>.log.  The server exits by itself after
--lifetime seconds (default 900); a single connection lives at most
CONN_CAP seconds.  Python 3 standard library only.
"""
import os
import socket
import sys
import threading
import time

CONN_CAP = 60          # seconds one connection may live, whatever the mode
HOST = "fault.qrtest"

MODES = {
    "ok":       "a well-behaved server: accepts everything",
    "dropdot":  "reads the message up to CRLF.CRLF, then closes without reply",
    "stall":    "accepts the connection, never sends a greeting",
    "garbage":  "greeting and every reply are not SMTP",
    "overlong": "greeting is '220 ' + 100 KB without a newline, then silence",
    "endless":  "greeting is '220-...' continuation lines forever",
    "close220": "sends a 220 greeting, then closes",
    "nulreply": "RCPT is rejected with '550 5.1.1 no<NUL>such user'",
    "dropdata": "closes without reply when DATA arrives",
    "dropmsg":  "replies 354 to DATA, reads a little of the message, closes",
    "slowdot":  "after the final dot waits 30 s before replying 250",
    "mlreject": "RCPT is rejected with a three-line 550 reply",
    "bad64cram": "offers AUTH CRAM-MD5; its 334 challenge is not base64",
    "bad64scram": "offers AUTH SCRAM-SHA-256; its server-first is not base64",
    "authplain": "offers AUTH PLAIN (no STARTTLS); accepts any AUTH PLAIN with 235",
    "rejmailstall": "MAIL gets 554, then it stops reading for 10 s (4 KB receive buffer)",
    "stallread": "MAIL gets 250, then it stops reading for 4.5 s (4 KB receive buffer), "
                 "then reads, never answering, what comes for 5 s",
}
# modes whose listening socket gets a tiny receive buffer, so that a
# pipelined batch of long commands fills it and the client's write blocks
SMALL_RCVBUF = ("rejmailstall", "stallread")
# stallread wakes up between a client's first write timeout (timeoutremote
# 3 s in the scenarios) and its second: a client that kept writing after
# the first failure would then deliver its later commands glued on
STALL_S = {"rejmailstall": 10, "stallread": 4.5}

_lock = threading.Lock()
_seq = {}


class Conn:
    def __init__(self, sock, mode, logdir):
        self.sock = sock
        self.mode = mode
        self.buf = b""
        self.raw = bytearray()
        self.chunks = []       # length of every recv(): shows how the client batched writes
        self.start = time.monotonic()
        with _lock:
            _seq[mode] = _seq.get(mode, 0) + 1
            self.n = _seq[mode]
        self.logdir = logdir
        self.transcript = []
        sock.settimeout(5)

    # -- I/O ---------------------------------------------------------------
    def left(self):
        return CONN_CAP - (time.monotonic() - self.start)

    def recv_some(self):
        """Return more bytes, b'' on EOF, None when the connection cap hit."""
        while self.left() > 0:
            try:
                d = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return b""
            self.raw += d
            self.chunks.append(len(d))
            return d
        return None

    def readline(self):
        """One line including its LF, or None on EOF/cap (partial data kept)."""
        while b"\n" not in self.buf:
            d = self.recv_some()
            if not d:
                return None
            self.buf += d
        line, self.buf = self.buf.split(b"\n", 1)
        line += b"\n"
        self.transcript.append(b"C: " + line)
        return line

    def send(self, data):
        self.transcript.append(b"S: " + data)
        self.sock.settimeout(10)
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False
        finally:
            self.sock.settimeout(5)

    def wait_eof(self):
        while True:
            d = self.recv_some()
            if not d:
                return

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
        if not self.logdir:
            return
        try:
            # the chunks first, and the .raw (what bedlib.find_fault_capture
            # looks for) whole, by rename: a test that finds the .raw also
            # finds every chunk size beside it
            base = os.path.join(self.logdir, "%s-%d" % (self.mode, self.n))
            with open(base + ".chunks", "w") as f:
                f.write("".join("%d\n" % n for n in self.chunks))
            with open(base + ".raw.tmp", "wb") as f:
                f.write(self.raw)
            os.rename(base + ".raw.tmp", base + ".raw")
            with open(os.path.join(self.logdir, "%s.log" % self.mode), "ab") as f:
                f.write(b"=== connection %d\n" % self.n)
                for t in self.transcript:
                    f.write(t[:300] + (b"...\n" if len(t) > 300 else b""))
        except OSError:
            pass

    # -- the session ---------------------------------------------------------
    def ehlo_name(self):
        """the name in the EHLO and HELO replies (tlsrpt/hostilesrv.py's
        hostile names replace it)"""
        return HOST.encode()

    def run(self):
        m = self.mode
        if m == "stall":
            return self.wait_eof()
        if m == "overlong":
            self.send(b"220 " + b"x" * 100000)
            return self.wait_eof()
        if m == "endless":
            line = b"220-%s endless greeting, this line repeats forever\r\n" % HOST.encode()
            while self.left() > 0:
                if not self.send(line * 64):
                    return
            return
        if m == "garbage":
            self.send(b"hello? this is not SMTP at all\r\n")
            while self.readline() is not None:
                if not self.send(b"what?\r\n"):
                    return
            return
        self.send(b"220 %s ESMTP faultsrv (%s)\r\n" % (HOST.encode(), m.encode()))
        if m == "close220":
            return
        while True:
            line = self.readline()
            if line is None:
                return
            verb = line.split(b" ", 1)[0].split(b":", 1)[0].strip().upper()
            if m in ("bad64cram", "bad64scram", "authplain") and auth_fault(self, verb):
                continue
            if verb == b"EHLO":
                self.send(b"250-%s\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n"
                          b"250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n"
                          b"250 SMTPUTF8\r\n" % self.ehlo_name())
            elif verb == b"HELO":
                self.send(b"250 %s\r\n" % self.ehlo_name())
            elif verb == b"MAIL" and m in ("rejmailstall", "stallread"):
                self.send(b"554 5.7.1 sender rejected by faultsrv\r\n" if m == "rejmailstall"
                          else b"250 2.1.0 Ok\r\n")
                time.sleep(STALL_S[m])
                if m == "stallread":
                    # what reached us after the stall: a client that kept
                    # writing after its write failed shows up here. A
                    # wider window now, or the tiny one's slow updates
                    # would let through only the first ~100 KB in time
                    self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
                    self.sock.settimeout(0.5)
                    t = time.monotonic()
                    while time.monotonic() - t < 5:
                        try:
                            d = self.sock.recv(65536)
                        except socket.timeout:
                            continue
                        except OSError:
                            break
                        if not d:
                            break
                        self.raw += d
                        self.chunks.append(len(d))
                return
            elif verb == b"MAIL":
                self.send(b"250 2.1.0 Ok\r\n")
            elif verb == b"RCPT":
                if m == "nulreply":
                    self.send(b"550 5.1.1 no\0such user\r\n")
                elif m == "mlreject":
                    self.send(b"550-5.1.1 first line of the rejection\r\n"
                              b"550-5.1.1 second line\r\n"
                              b"550 5.1.1 last line\r\n")
                else:
                    self.send(b"250 2.1.5 Ok\r\n")
            elif verb == b"DATA":
                if m == "dropdata":
                    return
                self.send(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                if m == "dropmsg":
                    self.recv_some()
                    return
                while True:
                    dl = self.readline()
                    if dl is None:
                        return
                    if dl == b".\r\n":
                        break
                if m == "dropdot":
                    return
                if m == "slowdot":
                    t = time.monotonic()
                    while time.monotonic() - t < 30 and self.left() > 0:
                        time.sleep(0.2)
                self.send(b"250 2.0.0 Ok: queued as FAULT%s%d\r\n" % (m.upper().encode(), self.n))
            elif verb == b"RSET" or verb == b"NOOP":
                self.send(b"250 2.0.0 Ok\r\n")
            elif verb == b"QUIT":
                self.send(b"221 2.0.0 Bye\r\n")
                return
            else:
                self.send(b"502 5.5.2 Error: command not recognized\r\n")


def auth_fault(c, verb):
    """EHLO and AUTH for the bad64* and authplain modes; True when answered."""
    mech = {"bad64cram": b"CRAM-MD5", "bad64scram": b"SCRAM-SHA-256"}.get(c.mode, b"PLAIN")
    if verb == b"EHLO":
        c.send(b"250-%s\r\n250-AUTH %s\r\n250-PIPELINING\r\n250 8BITMIME\r\n" % (HOST.encode(), mech))
    elif verb == b"AUTH" and c.mode == "authplain":
        c.send(b"235 2.7.0 Authentication successful\r\n")
    elif verb == b"AUTH":
        # CRAM-MD5: a challenge with '!' and ' '; SCRAM: server-first unencoded
        c.send(b"334 <1234.5678@fault.qrtest> not base64!\r\n" if c.mode == "bad64cram"
               else b"334 r=fyko+d2lbbFgONRv9qkxdawL,s=QSXCR+Q6sek8bf92,i=4096\r\n")
    elif verb == b"*":
        c.send(b"501 5.7.0 Authentication aborted\r\n")
    else:
        return False
    return True


def serve(lsock, mode, logdir, conn_class=None):
    """One thread per connection, each a conn_class (Conn, or a subclass
    such as tls/tlsfault.py's) running `mode`; its transcript is kept
    even when the session raises."""
    while True:
        try:
            s, _ = lsock.accept()
        except OSError:
            return
        c = (conn_class or Conn)(s, mode, logdir)

        def session(c=c):
            try:
                c.run()
            except Exception as e:  # noqa: BLE001 -- a session must not kill the server
                c.transcript.append(b"exception: %r\n" % e)
            finally:
                c.close()
        threading.Thread(target=session, daemon=True).start()


def listen(endpoint, rcvbuf=None):
    host, _, port = endpoint.rpartition(":")
    if host.startswith("["):
        fam, host = socket.AF_INET6, host[1:-1]
    else:
        fam = socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if rcvbuf:      # before listen(): accepted sockets inherit it, window included
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((host, int(port)))
    s.listen(64)
    return s


def main(argv, modes=MODES, conn_class=None, prog="faultsrv.py"):
    """ENDPOINT=MODE arguments: one listener each, its connections
    conn_class (Conn, or a subclass with modes of its own)"""
    lifetime, logdir, specs = 900.0, None, []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--lifetime":
            lifetime = float(argv[i + 1]); i += 2; continue
        if a == "--logdir":
            logdir = argv[i + 1]; i += 2; continue
        if a in ("-h", "--help"):
            print(__doc__ + "\nmodes:\n" + "\n".join("  %-9s %s" % kv for kv in modes.items()))
            return 0
        ep, _, mode = a.rpartition("=")
        if mode not in modes or not ep:
            print("%s: bad argument %r (want ENDPOINT=MODE)" % (prog, a), file=sys.stderr)
            return 2
        specs.append((ep, mode))
        i += 1
    if not specs:
        print("%s: nothing to listen on" % prog, file=sys.stderr)
        return 2
    if logdir:
        os.makedirs(logdir, exist_ok=True)
    for ep, mode in specs:
        lsock = listen(ep, 4096 if mode in SMALL_RCVBUF else None)
        threading.Thread(target=serve, args=(lsock, mode, logdir, conn_class), daemon=True).start()
    print("%s: listening, exiting after %g s" % (prog, lifetime), file=sys.stderr, flush=True)
    time.sleep(lifetime)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
