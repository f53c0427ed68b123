# lib.sh -- shared settings for the qmail-remote integration test bed.
#
# Sourced by bed-up, bed-down, bed-check and run.  Defines the state
# directory ($BED), the namespace names, every address the bed uses (all
# from the documentation ranges 192.0.2.0/24, 203.0.113.0/24, 2001:db8::/32)
# and a few helpers.  Nothing here starts or changes anything.

# BED_ID names one bed: several beds (e.g. two developers' runs) can exist
# at once on one machine, each in its own namespaces with the same addresses.
BED_ID=${BED_ID:-qr}
BED=${BED:-/tmp/$BED_ID-bed}
INTEG=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

NS_CLIENT=$BED_ID-client     # where qmail-remote runs
NS_NET=$BED_ID-net           # every server
VETH_CLIENT=${BED_ID}c0      # client end of the veth pair
VETH_NET=${BED_ID}n0         # server end
ZONE=qrtest                  # the test TLD

CLIENT4=192.0.2.10 CLIENT6=2001:db8::10
GW4=192.0.2.1      GW6=2001:db8::1
UNBOUND4=192.0.2.53 UNBOUND6=2001:db8::53
NSD4=192.0.2.54    NSD6=2001:db8::54
# pf-plain (accepts everything): .25 (+v6 twin), .26 (second equal MX),
# .23 (SMTPUTF8 disabled), .24 (CHUNKING not offered: DATA path),
# port 2525 on .25 (for smtproutes with a port)
PLAIN4=192.0.2.25 PLAIN6=2001:db8::25 PLAIN2_4=192.0.2.26 PLAIN2_6=2001:db8::26
NOUTF8_4=192.0.2.23 NOCHUNK4=192.0.2.24
# pf-reject: .27 recipient access map, .28 greeting 554, .29 greeting 421
REJECT4=192.0.2.27 REJECT6=2001:db8::27 GREET554_4=192.0.2.28 GREET421_4=192.0.2.29
# smtp-sink instances
SINK_MAILREJ=192.0.2.30 SINK_DATAREJ=192.0.2.31 SINK_DOTREJ=192.0.2.32
SINK_DOTTEMP=192.0.2.33 SINK_NOESMTP=192.0.2.34 SINK_HELOREJ=192.0.2.36
# an address in qr-net with no listener: connections are refused (RST)
REFUSE4=192.0.2.39 REFUSE6=2001:db8::39
# scripted fault server: one address per mode (see faultsrv.py)
FAULT_MODES="dropdot:40 stall:41 garbage:42 overlong:43 endless:44 close220:45 nulreply:46 dropdata:47 dropmsg:48 slowdot:49 mlreject:50 ok:51 rejmailstall:140 stallread:141"
# routed into qr-net where nobody owns it, forwarding off: SYNs vanish
DEAD4=203.0.113.99 DEAD4_NET=203.0.113.0/24
DEAD6=2001:db8:dead::99 DEAD6_NET=2001:db8:dead::/48

# every address configured on the server side of the veth
net_addrs4() {
    echo $GW4 $UNBOUND4 $NSD4 $PLAIN4 $PLAIN2_4 $NOUTF8_4 $NOCHUNK4 $REJECT4 \
         $GREET554_4 $GREET421_4 $SINK_MAILREJ $SINK_DATAREJ $SINK_DOTREJ \
         $SINK_DOTTEMP $SINK_NOESMTP $SINK_HELOREJ $REFUSE4
    local m
    for m in $FAULT_MODES; do echo 192.0.2.${m#*:}; done
}
net_addrs6() {
    echo $GW6 $UNBOUND6 $NSD6 $PLAIN6 $PLAIN2_6 $REJECT6 $REFUSE6 2001:db8::40
}

PF_INSTANCES="pf-plain pf-reject"
NEED_PKGS="postfix nsd unbound ldnsutils bind9-dnsutils python3 iproute2 procps openssl"

in_net()    { ip netns exec "$NS_NET" "$@"; }
in_client() { ip netns exec "$NS_CLIENT" "$@"; }
log()       { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die()       { log "$*"; exit 1; }

# wait_listen HOST PORT [SECONDS]: until a TCP connect from qr-client works
wait_listen() {
    ip netns exec "$NS_CLIENT" python3 - "$1" "$2" "${3:-30}" <<'PY'
import socket, sys, time
host, port, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
deadline = time.time() + limit
while True:
    try:
        s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        s.settimeout(1); s.connect((host, port)); s.close(); break
    except OSError as e:
        if time.time() > deadline:
            sys.exit("wait_listen: %s port %d not listening: %s" % (host, port, e))
        time.sleep(0.2)
PY
}
