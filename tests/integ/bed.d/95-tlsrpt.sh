# bed.d/95-tlsrpt.sh -- the TLS-RPT part of the test bed (sourced by bed-up).
#
# RFC 8460 reporting: the client sends one datagram per SMTP session to the
# Unix socket control/tlsrpt names (libtlsrpt's format, for sys4's
# tlsrpt-collectd).  Under $BED/tlsrpt (a Unix socket path in $BED is the
# same file in every namespace):
#   collector.sock  tlsrpt/collector.py: judges every datagram by
#                   tlsrpt-collectd's rules and libtlsrpt's bytes, one JSON
#                   line each in collector.log (scenarios_tlsrpt.py reads it)
#   full.sock       collector.py --no-read, its queue filled here
#                   (collector.py --fill): every non-blocking send to it
#                   fails with EAGAIN
#   stale.sock      a socket file nobody is bound to (ECONNREFUSED)
#   missing.sock    never made (ENOENT)
# and, in qr-net:
#   192.0.2.56      tlsrpt/qlog.py: a DNS forwarder to unbound that logs every
#                   question (qlog.log) and holds each answer back 0.3 s, so
#                   the scenarios see which questions the client asked, and
#                   which it asked before the MX answer came
#   192.0.2.170     tlsrpt/hostilesrv.py "hostile" (mx-rpt-hostile.qrtest):
#                   an EHLO name of hostile bytes, no STARTTLS
#   192.0.2.171     tlsrpt/hostilesrv.py "allbytes" (mx-rpt-allbytes.qrtest):
#                   an EHLO name of every byte but NUL and white space
# The records are in 95-tlsrpt.zone; two MTA-STS testing policies of this
# part (rpt-sts-testname, rpt-sts-testmx) are in mtasts/policies.
RPT_DIR=$BED/tlsrpt
RPT_PY=$INTEG/tlsrpt

. "$INTEG/auth/part.sh"
part_addr "$NS_NET" "$VETH_NET" 192.0.2.56 192.0.2.170 192.0.2.171
mkdir -p "$RPT_DIR"
chmod 755 "$RPT_DIR"

python3 "$RPT_PY/collector.py" --selftest >"$RPT_DIR/selftest.out" 2>&1 ||
    { cat "$RPT_DIR/selftest.out" >&2; die "95-tlsrpt: the collector's self test failed"; }

ip netns exec "$NS_NET" setsid python3 "$RPT_PY/collector.py" --socket "$RPT_DIR/collector.sock" \
    --log "$RPT_DIR/collector.log" --lifetime "${FAULT_LIFETIME:-1800}" \
    </dev/null >"$RPT_DIR/collector.out" 2>&1 &
echo $! > "$BED/pids/tlsrpt-collector.pid"
ip netns exec "$NS_NET" setsid python3 "$RPT_PY/collector.py" --socket "$RPT_DIR/full.sock" --no-read \
    --lifetime "${FAULT_LIFETIME:-1800}" </dev/null >"$RPT_DIR/full.out" 2>&1 &
echo $! > "$BED/pids/tlsrpt-full.pid"
python3 "$RPT_PY/collector.py" --stale "$RPT_DIR/stale.sock" || die "95-tlsrpt: no stale socket"
rm -f "$RPT_DIR/missing.sock"

ip netns exec "$NS_NET" setsid python3 "$RPT_PY/qlog.py" --listen 192.0.2.56 --upstream "$UNBOUND4" \
    --delay 0.3 --lifetime "${FAULT_LIFETIME:-1800}" --log "$RPT_DIR/qlog.log" \
    </dev/null >"$RPT_DIR/qlog.out" 2>&1 &
echo $! > "$BED/pids/tlsrpt-qlog.pid"
ip netns exec "$NS_NET" setsid python3 "$RPT_PY/hostilesrv.py" --lifetime "${FAULT_LIFETIME:-1800}" \
    --logdir "$BED/fault" 192.0.2.170:25=hostile 192.0.2.171:25=allbytes \
    </dev/null >"$BED/fault/hostilesrv.out" 2>&1 &
echo $! > "$BED/pids/tlsrpt-hostilesrv.pid"

# the sockets: bound (a sync datagram comes back in the log), and full
for i in $(seq 100); do
    [ -S "$RPT_DIR/collector.sock" ] && [ -S "$RPT_DIR/full.sock" ] && break
    sleep 0.1
done
python3 - "$RPT_DIR" "$RPT_PY" <<'PY' || die "95-tlsrpt: the collectors did not come up (logs: $RPT_DIR)"
import json, os, socket, sys, time
d = sys.argv[1]
sys.path.insert(0, sys.argv[2])
sys.dont_write_bytecode = True
import collector
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"#qr-bed-sync bed-up", os.path.join(d, "collector.sock"))
deadline = time.time() + 10
while not any(json.loads(l).get("sync") == "bed-up" for l in open(os.path.join(d, "collector.log"))):
    if time.time() > deadline:
        sys.exit("95-tlsrpt: collector.sock: no sync line in collector.log")
    time.sleep(0.1)
n = collector.fill(os.path.join(d, "full.sock"))
if n < 1 or collector.fill(os.path.join(d, "full.sock")) != 0:
    sys.exit("95-tlsrpt: full.sock did not fill up (%d queued)" % n)
for name, err in (("stale.sock", ConnectionRefusedError), ("missing.sock", FileNotFoundError)):
    try:
        s.sendto(b"x", socket.MSG_DONTWAIT, os.path.join(d, name))
        sys.exit("95-tlsrpt: %s took a datagram" % name)
    except err:
        pass
PY
wait_listen 192.0.2.56 53
wait_listen 192.0.2.170 25
wait_listen 192.0.2.171 25

# the records, as the client's resolver gives them (signed: AD)
rpt_dig() {   # rpt_dig NAME: "STATUS ad|- N" (N: TXT records in the answer)
    in_client dig +time=5 +tries=1 +dnssec @"$UNBOUND4" "$1" TXT 2>&1 | awk '
        /status:/ { st = $6; sub(",", "", st) }
        /;; flags:/ { ad = ($0 ~ / ad[ ;]/) ? "ad" : "-" }
        /^[^;]/ && $4 == "TXT" { n++ }
        END { print st, ad, n + 0 }'
}
for x in "_smtp._tls.dane-ee.$ZONE:NOERROR ad 1" "_smtp._tls.rpt-two.$ZONE:NOERROR ad 2" \
         "_smtp._tls.rpt-none.$ZONE:NXDOMAIN ad 0" "_smtp._tls.rpt-split.$ZONE:NOERROR ad 1"; do
    got=$(rpt_dig "${x%%:*}")
    [ "$got" = "${x#*:}" ] || die "95-tlsrpt: ${x%%:*} TXT gave '$got', want '${x#*:}'"
done
