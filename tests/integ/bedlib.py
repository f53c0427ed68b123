"""bedlib.py -- helpers shared by bedcheck.py and scenarios.py.

Knows where the bed keeps its state ($BED), how to run a program inside the
client namespace, how to find a delivered message (Postfix Maildirs,
smtp-sink dumps, faultsrv.py raw captures) by a unique token, and how to
split the headers Postfix prepends from the bytes the client sent.
Python 3 standard library only.
"""
import glob
import os
import re
import subprocess
import time

BED_ID = os.environ.get("BED_ID", "qr")
BED = os.environ.get("BED", "/tmp/%s-bed" % BED_ID)
NS_CLIENT = BED_ID + "-client"
NS_NET = BED_ID + "-net"
HERE = os.path.dirname(os.path.abspath(__file__))


def in_client(argv, **kw):
    """subprocess.run argv inside the client namespace."""
    return subprocess.run(["ip", "netns", "exec", NS_CLIENT] + list(argv), **kw)


def token(name):
    """A unique string to find one test's message again."""
    return "qr-%s-%d-%d" % (re.sub(r"[^A-Za-z0-9]", "", name), os.getpid(), time.time_ns() % 10**9)


# ---------------------------------------------------------------- Postfix
def maildir_files(instance):
    d = os.path.join(BED, instance, "mail", "Maildir")
    return glob.glob(os.path.join(d, "new", "*")) + glob.glob(os.path.join(d, "cur", "*"))


def find_in_maildir(instance, tok, want=1, timeout=10.0):
    """Wait until `want` messages containing tok are in instance's Maildir
    (or timeout); return their contents (bytes), fewer if they never came."""
    tb = tok.encode() if isinstance(tok, str) else tok
    deadline = time.monotonic() + timeout
    while True:
        found = []
        for f in maildir_files(instance):
            try:
                with open(f, "rb") as fh:
                    data = fh.read()
            except OSError:
                continue
            if tb in data:
                found.append(data)
        if len(found) >= want or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def split_delivered(data):
    """Split a Maildir file written by Postfix virtual(8) into
    (info, rest): info has return_path, delivered_to, original_to and
    received (the Received: header Postfix's smtpd added, unfolded);
    rest is the message exactly as the client sent it (LF line ends)."""
    info = {"return_path": None, "delivered_to": None, "original_to": None, "received": None}
    lines = data.split(b"\n")
    i = 0
    keys = {b"return-path": "return_path", b"delivered-to": "delivered_to",
            b"x-original-to": "original_to"}
    while i < len(lines):
        name, _, val = lines[i].partition(b":")
        k = keys.get(name.lower())
        if k and info[k] is None:
            info[k] = val.strip().decode("utf-8", "replace")
            i += 1
            continue
        break
    if i < len(lines) and lines[i].lower().startswith(b"received:"):
        rec = [lines[i]]
        i += 1
        while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
            rec.append(lines[i])
            i += 1
        info["received"] = b" ".join(x.strip() for x in rec)[len(b"received:"):].strip().decode(
            "utf-8", "replace")
    return info, b"\n".join(lines[i:])


def maillog(instance):
    try:
        with open(os.path.join(BED, instance, "maillog"), "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def maillog_has(instance, pattern, timeout=5.0):
    """Wait until the instance's maillog matches regex pattern."""
    deadline = time.monotonic() + timeout
    while True:
        if re.search(pattern, maillog(instance), re.M):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


# ---------------------------------------------------------------- smtp-sink / faultsrv
def find_sink_dump(name, tok, timeout=5.0):
    """Contents of smtp-sink NAME's dump files containing tok."""
    tb = tok.encode()
    deadline = time.monotonic() + timeout
    while True:
        found = []
        for f in glob.glob(os.path.join(BED, "sink", name, "*")):
            try:
                with open(f, "rb") as fh:
                    d = fh.read()
            except OSError:
                continue
            if tb in d:
                found.append(d)
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def find_fault_capture(mode, tok, timeout=5.0):
    """(raw bytes, [recv sizes]) of the faultsrv connection in MODE whose
    input contains tok, or (None, None)."""
    tb = tok.encode()
    deadline = time.monotonic() + timeout
    while True:
        for f in sorted(glob.glob(os.path.join(BED, "fault", "%s-*.raw" % mode))):
            try:
                with open(f, "rb") as fh:
                    raw = fh.read()
            except OSError:
                continue
            if tb in raw:
                chunks = []
                try:
                    with open(f[:-4] + ".chunks") as fh:
                        chunks = [int(x) for x in fh.read().split()]
                except (OSError, ValueError):
                    pass
                return raw, chunks
        if time.monotonic() > deadline:
            return None, None
        time.sleep(0.1)
