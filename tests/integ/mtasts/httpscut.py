#!/usr/bin/env python3
"""mtasts/httpscut.py -- an HTTPS server for the qmail-remote test bed that
does what no real web server does: it answers every request with a 200 of
media type text/plain whose body is framed by the connection's end (no
Content-Length, no chunked transfer coding: valid HTTP/1.1, RFC 9112 6.3)
and then closes the TCP connection without a TLS close_notify -- what a
connection cut by someone in the path looks like.  nginx (bed.d/90-mtasts.sh)
serves the same framing with a close_notify.

usage: httpscut.py --cert CERT --key KEY --body FILE [--lifetime SEC] [--log FILE] ADDR:PORT

One line per request in the log: the request line and the bytes of body
sent.  Exits by itself after --lifetime seconds (default 900); a connection
lives at most 10 seconds.  Python 3 standard library only.
"""
import socket
import ssl
import sys
import threading
import time

CONN_CAP = 10          # seconds one connection may live
REQUEST_MAX = 16384    # bytes of request read at most


def log(path, text):
    if path:
        with open(path, "a") as f:
            f.write("%.3f %s\n" % (time.time(), text))


def serve_one(ctx, raw, body, logpath):
    raw.settimeout(CONN_CAP)
    try:
        conn = ctx.wrap_socket(raw, server_side=True)
    except (OSError, ssl.SSLError) as e:
        log(logpath, "handshake failed: %s" % e)
        raw.close()
        return
    req = b""
    try:
        while b"\r\n\r\n" not in req and len(req) < REQUEST_MAX:
            got = conn.recv(4096)
            if not got:
                break
            req += got
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n" + body)
        log(logpath, "%r: %d bytes of body, then cut (no close_notify)" % (req.split(b"\r\n", 1)[0], len(body)))
        # SSLSocket.shutdown() drops the TLS layer without SSL_shutdown():
        # the TCP connection ends, no close_notify is sent
        conn.shutdown(socket.SHUT_RDWR)
    except (OSError, ssl.SSLError) as e:
        log(logpath, "failed: %s" % e)
    finally:
        conn.close()


def main(argv):
    cert = key = bodyfile = logpath = None
    lifetime, ep = 900.0, None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--cert", "--key", "--body", "--lifetime", "--log") and i + 1 < len(argv):
            v = argv[i + 1]
            if a == "--cert":
                cert = v
            elif a == "--key":
                key = v
            elif a == "--body":
                bodyfile = v
            elif a == "--lifetime":
                lifetime = float(v)
            else:
                logpath = v
            i += 2
            continue
        if a in ("-h", "--help"):
            print(__doc__)
            return 0
        ep = a
        i += 1
    if not (cert and key and bodyfile and ep):
        print(__doc__, file=sys.stderr)
        return 2
    with open(bodyfile, "rb") as f:
        body = f.read()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    host, _, port = ep.rpartition(":")
    lsock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((host.strip("[]"), int(port)))
    lsock.listen(16)

    def accept_loop():
        while True:
            raw, _ = lsock.accept()
            threading.Thread(target=serve_one, args=(ctx, raw, body, logpath), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    print("httpscut.py: listening on %s, exiting after %g s" % (ep, lifetime), file=sys.stderr, flush=True)
    time.sleep(lifetime)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
