#!/usr/bin/env python3
"""tlsrpt/collector.py -- the test bed's TLS-RPT collector (RFC 8460 datagrams).

A stand-in for sys4's tlsrpt-collectd (tlsrpt-reporter 0.6.0rc2), which
the bed cannot run: it binds an AF_UNIX SOCK_DGRAM socket, and judges
every datagram by the rules tlsrpt-collectd (and, after it,
tlsrpt-reportd) applies -- a datagram those would drop, or that would
stop the daemon, is not ok -- and by one stricter rule of ours: the bytes
must be exactly what libtlsrpt 0.5 would have written for the same
content (key order, separators, escaping), which is what makes the
collector's aggregation rows (day, domain, record, policy JSON) the same
as for Postfix's datagrams.  Python 3 standard library only.

usage:
  collector.py --socket PATH --log FILE [--lifetime SEC]
      bind PATH (an old file there is removed first, as collectd does),
      mode 0666, and append one JSON line per datagram to FILE:
        {"time": T, "ok": BOOL, "why": TEXT, "raw": TEXT, "raw_b64": BOOL,
         "parsed": OBJ|null, "row": [DOMAIN, RECORD, POLICY-JSON]|null,
         "failures": [FAILURE-JSON, ...]}
      T is the kernel's receive time (SO_TIMESTAMP, time.time()'s clock);
      raw is the datagram decoded as UTF-8, or its base64 (raw_b64 true)
      when it is not UTF-8; row/failures are the keys collectd's SQLite
      rows would get (tlsrpt.py:603-626).  A datagram starting with
      "#qr-bed-sync " is a marker from the scenarios (logged as
      {"time": T, "sync": TEXT}): every datagram sent before it has been
      logged once it shows up.
  collector.py --socket PATH --no-read [--lifetime SEC]
      bind PATH (mode 0666) and never read: once full (collector.py
      --fill), its queue makes every non-blocking sendto() fail (EAGAIN)
  collector.py --fill PATH
      send small datagrams to PATH (non-blocking) until one gets EAGAIN;
      prints how many were queued
  collector.py --stale PATH
      bind PATH and exit without unlinking it: a socket file nobody
      listens on (sendto() gets ECONNREFUSED)
  collector.py --check FILE...
      judge the datagrams in the files (raw bytes), print "ok" or "BAD: why"
  collector.py --selftest
      the rules against libtlsrpt's own output (captured from the real
      library: libtlsrpt 0.5.1rc2) and against broken variants

The rules, in the order they are applied (check()); "collectd" is
tlsrpt_reporter/tlsrpt.py at tlsrpt-reporter 1252b75 (0.6.0rc2),
"libtlsrpt" is libtlsrpt.c at c7901a2 (0.5.1rc2):
  C1 the datagram is decoded by json.loads(bytes) (collectd 1797-1798);
     a UnicodeDecodeError (1813-1815) or JSONDecodeError (1816-1818) is
     logged and the datagram dumped -- or, with the default
     dump_path_for_invalid_datagram, the daemon dies.  Ours, stricter:
     strict UTF-8 without a BOM (json.loads(bytes) would also guess
     UTF-16/32 or skip a UTF-8 BOM); a datagram truncated by our receive
     buffer (256 KiB, above the kernel's own datagram limit) is not ok.
  C2 the top level is an object with "policies", else "No policies found
     in datagram" and nothing is stored (collectd 634-636).
  C3 "dpv" == "1" (collectd 637-640 only logs a wrong or missing one;
     libtlsrpt always writes it, libtlsrpt 292): required here.
  C4 "d" is present (KeyError, logged, nothing stored: collectd 641-642,
     1802-1803) and a string (normalize_domain_name calls .lower(),
     collectd 603 / utility.py 80: anything else is an AttributeError
     that ends the daemon).
  C5 "pr" is present (KeyError: collectd 642) and a string (stored as an
     SQLite parameter, collectd 615-619).
  C6 "policies" is a non-empty list (collectd 641 iterates it; libtlsrpt
     sends nothing without a policy: TLSRPT_ERR_TLSRPT_NOPOLICIES, libtlsrpt
     535) of objects (policy.pop: collectd 608-610).
  C7 each policy has "f" (policy.pop("f"): KeyError, collectd 608), an
     integer 0 or 1 (added to cntrfailure, collectd 616-619; tlsrpt.h
     TLSRPT_FINAL_SUCCESS/FAILURE).
  C8 "t" equals the number of failure-details (collectd 610-613 logs
     "Failure count mismatch"): required here.
  C9 "policy-type" is 1, 2 or 9 (tlsrpt-reportd maps it with
     policy_type_names, a KeyError otherwise: collectd 1242-1243).
  C10 every failure-detail is an object whose "c" is a result type of
     RFC 8460's table, 201-205, 301-306 (reportd's fcmap, collectd
     1261-1288: "Undefined result type code" and a failure without
     result-type otherwise).
  L1 (ours) the keys, their order and their types are libtlsrpt's: top
     dpv, d, pr, policies; a policy policy-type, [policy-domain],
     [policy-string], [mx-host], [failure-details], t, f (libtlsrpt
     326-336, 405-412); a failure-detail c, [s], [n], [h], [r], [a], [f]
     (libtlsrpt 443-457); numbers for policy-type, t, f and c, strings
     elsewhere, arrays non-empty (libtlsrpt omits an empty one); no string
     holds U+0000 (libtlsrpt stops at a NUL byte).
  L2 (ours) the bytes equal encode() of the parsed object: libtlsrpt's
     separators ('"k": "v"' for strings, '"k":N' for numbers, '"k":[' for
     arrays, ',' between, no space elsewhere: libtlsrpt 167-184, 292-297,
     330-334, 347-353, 365-371, 405-412, 532-538) and escaping
     (json_escape, libtlsrpt 159-164, table json-escape-initializer-list.c:
     \\b \\t \\n \\f \\r \\" \\\\, \\u00xx lower-case for other bytes below
     0x20 and 0x7f, every other byte as it is, '/' too).
"""
import base64
import json
import os
import socket
import struct
import sys
import time

SYNC = b"#qr-bed-sync "
RECV_MAX = 256 * 1024            # above Linux's largest AF_UNIX datagram (212960 bytes by default)
SO_TIMESTAMP = getattr(socket, "SO_TIMESTAMP", 29)     # Linux; SCM_TIMESTAMP has the same value
POLICY_TYPES = (1, 2, 9)
RESULT_TYPES = (201, 202, 203, 204, 205, 301, 302, 303, 304, 305, 306)
TOP_KEYS = ("dpv", "d", "pr", "policies")
POLICY_KEYS = ("policy-type", "policy-domain", "policy-string", "mx-host", "failure-details", "t", "f")
POLICY_NEED = ("policy-type", "t", "f")
FD_KEYS = ("c", "s", "n", "h", "r", "a", "f")
INT_KEYS = ("policy-type", "t", "f", "c")
LIST_KEYS = ("policy-string", "mx-host", "failure-details")

_ESC = {0x08: b"\\b", 0x09: b"\\t", 0x0A: b"\\n", 0x0C: b"\\f", 0x0D: b"\\r", 0x22: b'\\"', 0x5C: b"\\\\"}
ESCAPE = [_ESC.get(i) or (b"\\u%04x" % i if i < 0x20 or i == 0x7F else bytes([i])) for i in range(256)]


# ---------------------------------------------------------------- libtlsrpt's encoding
def jstr(s):
    """a string as libtlsrpt's json_escape writes it, quotes included"""
    return b'"' + b"".join(ESCAPE[b] for b in s.encode("utf-8")) + b'"'


def _attr(k, v, first=False):
    return (b"" if first else b",") + b'"' + k.encode() + b'": ' + jstr(v)


def encode(obj):
    """the bytes libtlsrpt writes for this datagram (obj as check() parses it)"""
    out = b"{" + _attr("dpv", obj["dpv"], True) + _attr("d", obj["d"]) + _attr("pr", obj["pr"])
    pols = []
    for p in obj["policies"]:
        b = b'{"policy-type":%d' % p["policy-type"]
        if "policy-domain" in p:
            b += _attr("policy-domain", p["policy-domain"])
        for k in ("policy-string", "mx-host"):
            if k in p:
                b += b',"' + k.encode() + b'":[' + b",".join(jstr(s) for s in p[k]) + b"]"
        if "failure-details" in p:
            fds = []
            for fd in p["failure-details"]:
                fds.append(b'{"c":%d' % fd["c"] + b"".join(_attr(k, fd[k]) for k in FD_KEYS[1:] if k in fd) + b"}")
            b += b',"failure-details":[' + b",".join(fds) + b"]"
        b += b',"t":%d,"f":%d}' % (p["t"], p["f"])
        pols.append(b)
    return out + b',"policies":[' + b",".join(pols) + b"]}"


# ---------------------------------------------------------------- the rules
def _order(keys, allowed):
    """None if keys are a subsequence of allowed (in that order), else why"""
    pos = 0
    for k in keys:
        if k not in allowed:
            return "unknown key %r" % k
        i = allowed.index(k)
        if i < pos:
            return "key %r out of libtlsrpt's order %s" % (k, ",".join(allowed))
        pos = i + 1
    return None


def _strings(what, v):
    if not isinstance(v, str):
        return "%s is %s, not a string" % (what, type(v).__name__)
    if "\0" in v:
        return "%s holds U+0000 (libtlsrpt stops at a NUL byte)" % what
    try:
        v.encode("utf-8")
    except UnicodeEncodeError:
        return "%s holds a lone surrogate (\\ud800-\\udfff escape)" % what
    return None


def _int(what, v):
    if type(v) is not int:
        return "%s is %s, not an integer" % (what, type(v).__name__)
    return None


def check(data):
    """(ok, why, parsed): the rules C1-C10 and L1-L2 (see the docstring)"""
    # C1
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return False, "C1: not UTF-8 (collectd 1813: Malformed utf8 data received): %s" % e, None
    if text.startswith("\ufeff"):
        return False, "C1: starts with a UTF-8 BOM", None
    try:
        j = json.loads(data)     # collectd's own call, on the bytes
    except (UnicodeDecodeError, ValueError) as e:
        return False, "C1: json.loads failed (collectd 1816: JSON decode error): %s" % e, None
    # C2
    if not isinstance(j, dict) or "policies" not in j:
        return False, "C2: no \"policies\" in an object at the top (collectd 634: No policies found)", j
    # C3
    if j.get("dpv") != "1":
        return False, "C3: dpv is %r, not the string \"1\" (collectd 637-640)" % j.get("dpv", "(missing)"), j
    # C4, C5
    for k in ("d", "pr"):
        if k not in j:
            return False, "C4/C5: no %r (collectd 641-642: KeyError, nothing stored)" % k, j
        if not isinstance(j[k], str):
            return False, "C4/C5: %r is %s, not a string (collectd 603: .lower())" % (k, type(j[k]).__name__), j
    # C6
    if not isinstance(j["policies"], list) or not j["policies"]:
        return False, "C6: policies is not a non-empty list", j
    for i, p in enumerate(j["policies"]):
        w = "policy %d" % i
        if not isinstance(p, dict):
            return False, "C6: %s is not an object (collectd 608: policy.pop)" % w, j
        # C7
        if "f" not in p:
            return False, "C7: %s has no \"f\" (collectd 608: KeyError)" % w, j
        if type(p["f"]) is not int or p["f"] not in (0, 1):
            return False, "C7: %s: f is %r, not 0 or 1" % (w, p["f"]), j
        # C8
        fds = p.get("failure-details", [])
        if not isinstance(fds, list):
            return False, "C8: %s: failure-details is not a list" % w, j
        if p.get("t") != len(fds) or type(p.get("t")) is not int:
            return False, "C8: %s: t is %r, %d failure-details (collectd 611: Failure count mismatch)" % (
                w, p.get("t"), len(fds)), j
        # C9
        if p.get("policy-type") not in POLICY_TYPES or type(p.get("policy-type")) is not int:
            return False, "C9: %s: policy-type %r is not 1, 2 or 9 (collectd 1243: KeyError in reportd)" % (
                w, p.get("policy-type")), j
        # C10
        for n, fd in enumerate(fds):
            if not isinstance(fd, dict):
                return False, "C10: %s failure %d is not an object" % (w, n), j
            if type(fd.get("c")) is not int or fd.get("c") not in RESULT_TYPES:
                return False, "C10: %s failure %d: c is %r, not an RFC 8460 result type (collectd 1288)" % (
                    w, n, fd.get("c", "(missing)")), j
    # L1
    if list(j) != list(TOP_KEYS):
        return False, "L1: top-level keys %s, libtlsrpt writes %s" % (",".join(j), ",".join(TOP_KEYS)), j
    for k in ("dpv", "d", "pr"):
        e = _strings(k, j[k])
        if e:
            return False, "L1: " + e, j
    for i, p in enumerate(j["policies"]):
        w = "policy %d" % i
        e = _order(list(p), POLICY_KEYS)
        if e:
            return False, "L1: %s: %s" % (w, e), j
        for k in POLICY_NEED:
            if k not in p:
                return False, "L1: %s has no %r (libtlsrpt always writes it)" % (w, k), j
        for k in ("policy-type", "t"):
            e = _int("%s %s" % (w, k), p[k])
            if e:
                return False, "L1: " + e, j
        if "policy-domain" in p:
            e = _strings("%s policy-domain" % w, p["policy-domain"])
            if e:
                return False, "L1: " + e, j
        for k in LIST_KEYS:
            if k not in p:
                continue
            if not isinstance(p[k], list) or not p[k]:
                return False, "L1: %s: %s is not a non-empty list (libtlsrpt omits an empty one)" % (w, k), j
            if k == "failure-details":
                continue
            for n, s in enumerate(p[k]):
                e = _strings("%s %s[%d]" % (w, k, n), s)
                if e:
                    return False, "L1: " + e, j
        for n, fd in enumerate(p.get("failure-details", [])):
            e = _order(list(fd), FD_KEYS)
            if e:
                return False, "L1: %s failure %d: %s" % (w, n, e), j
            for k in FD_KEYS[1:]:
                if k in fd:
                    e = _strings("%s failure %d %r" % (w, n, k), fd[k])
                    if e:
                        return False, "L1: " + e, j
    # L2
    want = encode(j)
    if want != data:
        i = next((k for k in range(min(len(want), len(data))) if want[k] != data[k]), min(len(want), len(data)))
        return False, ("L2: the bytes differ from libtlsrpt's encoding at offset %d:\n  got  %r\n  want %r"
                       % (i, data[max(0, i - 30):i + 40], want[max(0, i - 30):i + 40])), j
    return True, "", j


def normalize_domain_name(domain):
    """collectd's (utility.py 75-83)"""
    domain = domain.lower()
    if domain.endswith(".") and not domain.endswith("..") and domain != ".":
        domain = domain[:-1]
    return domain


def rows(j):
    """[(domain, record, policy JSON, [failure JSON, ...]), ...]: the keys
    of collectd's finalresults and failures rows (collectd 603-626)"""
    out = []
    for p in j["policies"]:
        p = dict(p)
        p.pop("f", None)
        fds = p.pop("failure-details", [])
        p.pop("t", None)
        out.append((normalize_domain_name(j["d"]), j["pr"], json.dumps(p), [json.dumps(f) for f in fds]))
    return out


def record(data, ts):
    """the log line (a dict) for one datagram"""
    if data.startswith(SYNC):
        return {"time": ts, "sync": data[len(SYNC):].decode("utf-8", "replace")}
    ok, why, j = check(data)
    try:
        raw, b64 = data.decode("utf-8"), False
    except UnicodeDecodeError:
        raw, b64 = base64.b64encode(data).decode(), True
    line = {"time": ts, "ok": ok, "why": why, "raw": raw, "raw_b64": b64, "parsed": j if ok else None,
            "row": None, "failures": []}
    if ok and len(j["policies"]) == 1:
        dom, pr, pol, fails = rows(j)[0]
        line["row"], line["failures"] = [dom, pr, pol], fails
    return line


# ---------------------------------------------------------------- the socket side
def bind(path):
    try:
        os.unlink(path)          # collectd removes an old socket first (collectd 1704)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)
    return s


def serve(path, logpath, lifetime):
    s = bind(path)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMP, 1)
    s.settimeout(1.0)
    end = time.monotonic() + lifetime
    with open(logpath, "ab", buffering=0) as log:
        log.write((json.dumps({"time": time.time(), "listening": path}) + "\n").encode())
        while time.monotonic() < end:
            try:
                data, anc, flags, _ = s.recvmsg(RECV_MAX, socket.CMSG_SPACE(16))
            except socket.timeout:
                continue
            ts = time.time()
            for lvl, typ, d in anc:
                if lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMP and len(d) >= 16:
                    sec, usec = struct.unpack("@qq", d[:16])
                    ts = sec + usec / 1e6
            line = record(data, ts)
            if flags & socket.MSG_TRUNC:
                line.update(ok=False, why="C1: truncated at %d bytes" % RECV_MAX, parsed=None)
            log.write((json.dumps(line) + "\n").encode())


def fill(path, limit=100000):
    """queue datagrams at path until EAGAIN; the number queued"""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    n = 0
    try:
        while n < limit:
            try:
                s.sendto(b"#qr-bed-filler %d" % n, socket.MSG_DONTWAIT, path)
            except BlockingIOError:
                return n
            n += 1
        raise RuntimeError("%s: %d datagrams queued and still no EAGAIN" % (path, n))
    finally:
        s.close()


def stale(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)
    s.close()                # the file stays: nobody is bound to it


# ---------------------------------------------------------------- self test
# libtlsrpt 0.5.1rc2's own datagrams (the real library, captured on a socket)
LIBTLSRPT_OUTPUT = [
    b'{"dpv": "1","d": "example.com","pr": "v=TLSRPTv1; rua=mailto:tlsrpt@example.com","policies":[{"policy-type":1,'
    b'"policy-domain": "mx1.example.com","policy-string":["3 1 1 0A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4'
    b'B5C6D7E8F9"],"t":0,"f":0}]}',
    b'{"dpv": "1","d": "example.org","pr": "v=TLSRPTv1;rua=mailto:reports@example.org,https://tlsrpt.example.org/v1",'
    b'"policies":[{"policy-type":2,"policy-domain": "example.org","policy-string":["version: STSv1","mode: enforce",'
    b'"mx: mail.example.org","mx: *.backup.example.org","max_age: 604800"],"mx-host":["mail.example.org",'
    b'"*.backup.example.org"],"failure-details":[{"c":202,"s": "192.0.2.10","n": "mail.example.org","h": '
    b'"250-mail.example.org Hello\\r\\n250-PIPELINING\\r\\n250 STARTTLS","r": "198.51.100.25","a": "cert SAN '
    b'\\"other.example.net\\" does not match","f": "X509_V_ERR_HOSTNAME_MISMATCH"}],"t":1,"f":1}]}',
    b'{"dpv": "1","d": "example.net","pr": "v=TLSRPTv1; rua=mailto:tls@example.net","policies":[{"policy-type":9,'
    b'"policy-domain": "example.net","failure-details":[{"c":201,"s": "2001:db8::1","n": "mx.example.net","h": '
    b'"250-mx.example.net\\r\\n250 SIZE 10240000","r": "2001:db8:5::25"}],"t":1,"f":1}]}',
    b'{"dpv": "1","d": "example.net","pr": "v=TLSRPTv1; rua=mailto:tls@example.net","policies":[{"policy-type":9,'
    b'"t":0,"f":0}]}',
    b'{"dpv": "1","d": "Example.COM.","pr": "v=TLSRPTv1;rua=mailto:a@b","policies":[{"policy-type":9,'
    b'"failure-details":[{"c":205,"a": "q\\" bs\\\\ sl/ nl\\n cr\\r tab\\t bs\\b ff\\f nul-ish\\u0001 del\\u007f '
    b'utf8 \xc3\xa4"}],"t":1,"f":1}]}',
]
# libtlsrpt's sha256 of the first (/tmp/tlsrpt-format.md 2.7 a)
LIBTLSRPT_A_SHA256 = "7f9d4f0725914adbb8ab09a9cdde54f7b8f1bb20cf6b2b376a2d8877d9d6be54"


def selftest():
    import hashlib
    bad = []
    if hashlib.sha256(LIBTLSRPT_OUTPUT[0]).hexdigest() != LIBTLSRPT_A_SHA256:
        bad.append("example (a) was not copied byte for byte")
    for d in LIBTLSRPT_OUTPUT:
        ok, why, j = check(d)
        if not ok:
            bad.append("libtlsrpt's own datagram refused: %s\n    %r" % (why, d))
    a = LIBTLSRPT_OUTPUT[0]
    e = LIBTLSRPT_OUTPUT[4]
    broken = {
        "C1": [a.replace(b"example.com", b"exampl\xe9.com"), a[:-1], b"\xef\xbb\xbf" + a,
               a.replace(b"}]}", b"}]}garbage"), a.replace(b'"t":0', b'"t":0,')],
        "C2": [b"[1,2]", a.replace(b'"policies"', b'"policy"')],
        "C3": [a.replace(b'"dpv": "1"', b'"dpv": "2"'), a.replace(b'"dpv": "1"', b'"dpv":1')],
        "C4": [a.replace(b'"d": "example.com"', b'"dd": "example.com"'), a.replace(b'"d": "example.com"', b'"d":7')],
        "C5": [a.replace(b'"pr": ', b'"pR": ')],
        "C6": [a.replace(b'"policies":[{', b'"policies":[7,{'),
               b'{"dpv": "1","d": "x","pr": "v=TLSRPTv1;rua=mailto:a@b","policies":[]}'],
        "C7": [a.replace(b',"f":0}', b"}"), a.replace(b',"f":0}', b',"f":2}'), a.replace(b',"f":0}', b',"f":true}')],
        "C8": [a.replace(b'"t":0', b'"t":1'), a.replace(b'"t":0,', b"")],
        "C9": [a.replace(b'"policy-type":1', b'"policy-type":3'), a.replace(b'"policy-type":1', b'"policy-type":"1"')],
        "C10": [e.replace(b'"c":205', b'"c":901'), e.replace(b'"c":205', b'"c":"205"')],
        "L1": [a.replace(b'"policy-type":1,"policy-domain": "mx1.example.com"',
                         b'"policy-domain": "mx1.example.com","policy-type":1'),
               a.replace(b'"t":0,"f":0', b'"t":0,"f":0,"x": "y"'),
               a.replace(b'"],"t":0', b'"],"mx-host":[],"t":0'),
               a.replace(b'mx1.example.com', b'mx1\\u0000.example.com'),
               a.replace(b'mx1.example.com', b'mx1\\ud800.example.com')],
        "L2": [a.replace(b'"d": "', b'"d":"'), a.replace(b',"d"', b', "d"'), a + b"\n",
               a.replace(b'example.com"', b'example\\/com"'), e.replace(b"\\u007f", b"\\u007F"),
               e.replace(b"\xc3\xa4", b"\\u00e4"), a.replace(b'"policy-type":1', b'"policy-type": 1')],
    }
    for rule, ds in broken.items():
        for d in ds:
            ok, why, _ = check(d)
            if ok or not why.startswith(rule + ":") and not (rule in ("C4", "C5") and why.startswith("C4/C5")):
                bad.append("%s: %r gave %s" % (rule, d, "ok" if ok else why))
    # encode() inverts json.loads for every byte (what a hostile EHLO name may hold)
    every = bytes(range(1, 128)).decode() + "\u00e4\u20ac\U0001F600"
    d = encode({"dpv": "1", "d": "x", "pr": "p", "policies": [{"policy-type": 9, "failure-details": [
        {"c": 201, "h": every}], "t": 1, "f": 1}]})
    ok, why, j = check(d)
    if not ok or j["policies"][0]["failure-details"][0]["h"] != every:
        bad.append("encode() of every character does not round-trip: %s" % why)
    for b in bad:
        print("selftest: " + b)
    print("selftest: %s" % ("FAILED" if bad else "ok (%d libtlsrpt datagrams, %d broken variants)"
                                    % (len(LIBTLSRPT_OUTPUT), sum(map(len, broken.values())))))
    return 1 if bad else 0


def main(argv):
    opts, i = {}, 0
    while i < len(argv):
        a = argv[i]
        if a in ("--socket", "--log", "--lifetime", "--fill", "--stale"):
            opts[a] = argv[i + 1]
            i += 2
        elif a in ("--no-read", "--selftest"):
            opts[a] = True
            i += 1
        elif a == "--check":
            opts[a] = argv[i + 1:]
            break
        else:
            print(__doc__, file=sys.stderr)
            return 2
    if "--selftest" in opts:
        return selftest()
    if "--check" in opts:
        rc = 0
        for f in opts["--check"]:
            with open(f, "rb") as fh:
                ok, why, _ = check(fh.read())
            print("%s: %s" % (f, "ok" if ok else "BAD: " + why))
            rc |= not ok
        return rc
    if "--fill" in opts:
        print(fill(opts["--fill"]))
        return 0
    if "--stale" in opts:
        stale(opts["--stale"])
        return 0
    if "--socket" not in opts:
        print(__doc__, file=sys.stderr)
        return 2
    lifetime = float(opts.get("--lifetime", 1800))
    if "--no-read" in opts:
        s = bind(opts["--socket"])     # kept open: bound, never read
        time.sleep(lifetime)
        s.close()
        return 0
    if "--log" not in opts:
        print("collector.py: --socket needs --log (or --no-read)", file=sys.stderr)
        return 2
    serve(opts["--socket"], opts["--log"], lifetime)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
