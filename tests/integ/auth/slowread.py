#!/usr/bin/env python3
"""slowread.py -- a TCP server that reads nothing for a while (test bed helper).

usage: slowread.py [--lifetime SEC] [--delay SEC] ADDR:PORT ...
Accepts connections; each one is left unread for --delay seconds (default
3), so a client writing a large message blocks in write(); then everything
is read and thrown away until the client closes.  For the QMTP "feed
failure" scenario (the message file shrinks while qmail-remote is blocked).
Python 3 standard library only.
"""
import socket
import sys
import threading
import time


def session(s, delay):
    try:
        time.sleep(delay)
        s.settimeout(10)
        while s.recv(65536):
            pass
    except OSError:
        pass
    finally:
        s.close()


def serve(ls, delay):
    while True:
        s, _ = ls.accept()
        threading.Thread(target=session, args=(s, delay), daemon=True).start()


def main(argv):
    lifetime, delay, eps = 1800.0, 3.0, []
    i = 0
    while i < len(argv):
        if argv[i] == "--lifetime":
            lifetime = float(argv[i + 1]); i += 2
        elif argv[i] == "--delay":
            delay = float(argv[i + 1]); i += 2
        else:
            eps.append(argv[i]); i += 1
    for ep in eps:
        host, _, port = ep.rpartition(":")
        ls = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # a small receive buffer: the client blocks after a few hundred KB
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        ls.bind((host.strip("[]"), int(port)))
        ls.listen(16)
        threading.Thread(target=serve, args=(ls, delay), daemon=True).start()
    time.sleep(lifetime)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
