# 50-qmtp.sh -- QMTP/QMTPS peers (sourced by bed-up; see bed.d/README).
#
# qmtpsrv.py (the QMTP author's server) in qr-net, packages kept as
# $BED/qmtp/msg-N (message bytes) and env-N (envelope), log in $BED/qmtp/log,
# client protocol violations in $BED/qmtp/errors:
#   192.0.2.89:209, [2001:db8::89]:209   mode ok (K; local part z... -> Z, d... -> D)
#   192.0.2.89:6209                      QMTPS (TLS from the first byte), mode ok;
#                                        certificate $BED/auth/tls (see 40-auth.sh)
#   192.0.2.89:6210                      QMTPS too (qmtproutes ";s6210"), a second
#                                        qmtpsrv.py keeping its packages in $BED/qmtp-tls
#   192.0.2.89:25                        nothing: SMTP to mx-qmtp is refused
#   192.0.2.90:209                       mode dropresp (MXPS: no SMTP retry after it)
#   192.0.2.90:2101..2113                one misbehaving mode each (QMTP_BAD_MODES)
#   192.0.2.90:2199                      slowread.py: reads nothing for 3 s (feed failure)
. "$INTEG/auth/part.sh"

part_pkgs openssl
part_addr "$NS_NET" "$VETH_NET" 192.0.2.89 192.0.2.90 2001:db8::89
part_cert "$BED/auth/tls" mx-auth.$ZONE mx-auth.$ZONE '*.auth.'$ZONE \
    mx-auth-plain.$ZONE mx-auth-login.$ZONE mx-auth-smtps.$ZONE mx-qmtp.$ZONE

QMTP_BAD_MODES="dropresp:2101 halfresp:2102 stall:2103 slow:2104 badnetstring:2105 leadingzero:2106
 nocomma:2107 oversized:2108 garbage:2109 empty:2110 badstatus:2111 dropmsg:2112 extra:2113"
eps="192.0.2.89:209=ok [2001:db8::89]:209=ok 192.0.2.89:6209=ok 192.0.2.90:209=dropresp"
for m in $QMTP_BAD_MODES; do eps="$eps 192.0.2.90:${m#*:}=${m%%:*}"; done
mkdir -p "$BED/qmtp"
ip netns exec "$NS_NET" setsid python3 "$INTEG/qmtpsrv.py" --lifetime "${FAULT_LIFETIME:-1800}" \
    --dir "$BED/qmtp" --cert "$BED/auth/tls/cert.pem" --key "$BED/auth/tls/key.pem" $eps \
    </dev/null >"$BED/qmtp/qmtpsrv.out" 2>&1 &
echo $! > "$BED/pids/qmtpsrv.pid"
# QMTPS on another port ("s" before the port in qmtproutes): its own process
# (--tls is for all of a process's endpoints) and its own directory
mkdir -p "$BED/qmtp-tls"
ip netns exec "$NS_NET" setsid python3 "$INTEG/qmtpsrv.py" --lifetime "${FAULT_LIFETIME:-1800}" \
    --dir "$BED/qmtp-tls" --cert "$BED/auth/tls/cert.pem" --key "$BED/auth/tls/key.pem" --tls \
    192.0.2.89:6210=ok </dev/null >"$BED/qmtp-tls/qmtpsrv.out" 2>&1 &
echo $! > "$BED/pids/qmtpsrv-tls.pid"
ip netns exec "$NS_NET" setsid python3 "$INTEG/auth/slowread.py" --lifetime "${FAULT_LIFETIME:-1800}" \
    --delay 3 192.0.2.90:2199 </dev/null >"$BED/qmtp/slowread.out" 2>&1 &
echo $! > "$BED/pids/slowread.pid"

wait_listen 192.0.2.89 209
wait_listen 2001:db8::89 209
wait_listen 192.0.2.89 6209
wait_listen 192.0.2.89 6210
wait_listen 192.0.2.90 209
for m in $QMTP_BAD_MODES; do wait_listen 192.0.2.90 "${m#*:}"; done
wait_listen 192.0.2.90 2199
