#!/usr/bin/env python3
"""tls/tlsfault.py -- scripted STARTTLS misbehaviour for the qmail-remote test bed.

Modes a real MTA cannot be made to do, around STARTTLS.  Built on
faultsrv.py's Conn (same captures: LOGDIR/<mode>-<n>.raw holds what the
client sent -- after a handshake, the decrypted bytes -- and
<mode>-<n>.chunks the size of every recv()).

usage: tlsfault.py --cert CHAINFILE [--lifetime SEC] [--logdir DIR] ENDPOINT=MODE ...
  CHAINFILE  key and certificate chain in one PEM file (tls/pki's <name>.chain)
  ENDPOINT   192.0.2.70:25  or  [2001:db8::70]:25

Before STARTTLS every mode offers PIPELINING and STARTTLS (no SIZE); under
TLS the EHLO reply offers SIZE and ENHANCEDSTATUSCODES but not PIPELINING,
so a client that forgot the plaintext keywords pipelines no more and
starts sending SIZE=.  Python 3 standard library only.
"""
import os
import socket
import ssl
import struct
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import faultsrv  # noqa: E402

HOST = b"tlsfault.qrtest"
MODES = {
    "tlsinject": "answers STARTTLS with '220 ...' and, in the same segment, an injected "
                 "'250 2.0.0 injected' (RFC 3207 5: the client must not take it)",
    "tlsrefuse": "answers STARTTLS with 454 4.7.0; otherwise a good server",
    "tlsok":     "a good server that speaks TLS after STARTTLS (new EHLO keywords)",
    "tlsdrop":   "completes the TLS handshake after STARTTLS, then closes",
    "tlsbadhs":  "answers STARTTLS with 220, reads the ClientHello, answers it with "
                 "plaintext garbage and closes; a plaintext session (no STARTTLS) is served well",
    "tlsstallhs": "answers STARTTLS with 220, reads the ClientHello and then says nothing "
                  "(a handshake that stalls past timeoutremote)",
    "tlsstallehlo": "completes the TLS handshake, then never answers the EHLO that follows",
    "tlsrefuseauth": "offers AUTH CRAM-MD5 PLAIN LOGIN in plaintext and answers STARTTLS with "
                     "454 4.7.0 (AUTH and MAIL in plaintext are recorded, and accepted)",
    "tlsresetauth": "offers AUTH CRAM-MD5 PLAIN LOGIN in plaintext, answers STARTTLS with 220, reads "
                    "the ClientHello and resets the connection (RST); a plaintext session is served",
}
AUTH_MODES = ("tlsrefuseauth", "tlsresetauth")
ctx = None


class TLSConn(faultsrv.Conn):
    def run(self):
        m = self.mode
        tls = False
        self.send(b"220 %s ESMTP tlsfault (%s)\r\n" % (HOST, m.encode()))
        while True:
            line = self.readline()
            if line is None:
                return
            verb = line.split(b" ", 1)[0].split(b":", 1)[0].strip().upper()
            if verb == b"EHLO":
                if tls:
                    self.send(b"250-%s\r\n250-SIZE 10000000\r\n250 ENHANCEDSTATUSCODES\r\n" % HOST)
                else:
                    auth = b"250-AUTH CRAM-MD5 PLAIN LOGIN\r\n" if m in AUTH_MODES else b""
                    self.send(b"250-%s\r\n250-PIPELINING\r\n%s250-STARTTLS\r\n250 8BITMIME\r\n" % (HOST, auth))
            elif verb == b"HELO":
                self.send(b"250 %s\r\n" % HOST)
            elif verb == b"STARTTLS" and not tls:
                if m == "tlsinject":
                    # one send(): the 220 and the injected reply in one segment
                    self.send(b"220 2.0.0 Ready to start TLS\r\n250 2.0.0 injected\r\n")
                    continue
                if m in ("tlsrefuse", "tlsrefuseauth"):
                    self.send(b"454 4.7.0 TLS not available due to local problem\r\n")
                    continue
                self.send(b"220 2.0.0 Ready to start TLS\r\n")
                if m == "tlsbadhs":
                    self.recv_some()      # the ClientHello (after the 220: no injection)
                    self.send(b"this is not a TLS ServerHello\r\n")
                    return
                if m == "tlsresetauth":
                    self.recv_some()      # the ClientHello
                    self.transcript.append(b"(ClientHello read; reset)\n")
                    self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return
                if m == "tlsstallhs":
                    self.recv_some()
                    self.transcript.append(b"(ClientHello read; stalling)\n")
                    self.wait_eof()
                    return
                if self.buf:
                    self.transcript.append(b"(client sent data before the handshake)\n")
                    return
                try:
                    self.sock.settimeout(10)
                    self.sock = ctx.wrap_socket(self.sock, server_side=True)
                    self.sock.settimeout(5)
                except (OSError, ssl.SSLError) as e:
                    self.transcript.append(b"handshake failed: %s\n" % str(e).encode())
                    return
                self.transcript.append(b"(TLS: %s)\n" % str(self.sock.version()).encode())
                tls = True
                if m == "tlsdrop":
                    return
                if m == "tlsstallehlo":
                    self.readline()       # the EHLO, never answered
                    self.wait_eof()
                    return
            elif verb == b"AUTH":
                # what a client must never send here; recorded, and accepted
                # so that nothing hides it
                if b"CRAM-MD5" in line.upper():
                    self.send(b"334 PDEyMzQ1LjY3ODlAdGxzZmF1bHQucXJ0ZXN0Pg==\r\n")
                    if self.readline() is None:
                        return
                self.send(b"235 2.7.0 Authentication successful\r\n")
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
    global ctx
    lifetime, logdir, cert, specs = 1800.0, None, None, []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--lifetime", "--logdir", "--cert"):
            v = argv[i + 1]
            if a == "--lifetime":
                lifetime = float(v)
            elif a == "--logdir":
                logdir = v
            else:
                cert = v
            i += 2
            continue
        if a in ("-h", "--help"):
            print(__doc__ + "\nmodes:\n" + "\n".join("  %-9s %s" % kv for kv in MODES.items()))
            return 0
        ep, _, mode = a.rpartition("=")
        if mode not in MODES or not ep:
            print("tlsfault.py: bad argument %r (want ENDPOINT=MODE)" % a, file=sys.stderr)
            return 2
        specs.append((ep, mode))
        i += 1
    if not specs or not cert:
        print("tlsfault.py: need --cert and at least one ENDPOINT=MODE", file=sys.stderr)
        return 2
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert)
    if logdir:
        os.makedirs(logdir, exist_ok=True)
    for ep, mode in specs:
        threading.Thread(target=faultsrv.serve, args=(faultsrv.listen(ep), mode, logdir, TLSConn),
                         daemon=True).start()
    print("tlsfault.py: listening, exiting after %g s" % lifetime, file=sys.stderr, flush=True)
    time.sleep(lifetime)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
