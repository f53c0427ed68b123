# bed.d/31-dnsfwd.sh -- a scripted DNS forwarder for the DANE part (sourced
# by bed-up; see bed.d/README).  Issue 16.2: the MX host's A answer
# validates while its AAAA lookup fails, which no real server does on
# demand.  Starts, in qr-net:
#   192.0.2.55   dnsfwd.py: every query to unbound (192.0.2.53) and every
#                reply back, byte for byte (AD bit included), except AAAA for
#                the names below, answered SERVFAIL.  Scenarios use it with
#                Scn(..., dnscache="192.0.2.55"); log in $BED/dnsfwd/dnsfwd.log.
# The names (bed.d/30-dane.zone) have A, AAAA and TLSA records in the signed
# zone; through unbound directly their AAAA validates.
. "$INTEG/auth/part.sh"

DNSFWD4=192.0.2.55
DNSFWD_NAMES="mx-dane-v6fail mx-dane-v6fail-bad dane-v6fail-implicit dane-v6fail-implicit-ok"

part_addr "$NS_NET" "$VETH_NET" "$DNSFWD4"
mkdir -p "$BED/dnsfwd"
ip netns exec "$NS_NET" setsid python3 "$INTEG/dnsfwd.py" --listen "$DNSFWD4" --upstream "$UNBOUND4" \
    $(for n in $DNSFWD_NAMES; do echo "--servfail-aaaa $n.$ZONE"; done) \
    --lifetime "${FAULT_LIFETIME:-1800}" --log "$BED/dnsfwd/dnsfwd.log" \
    </dev/null >"$BED/dnsfwd/dnsfwd.out" 2>&1 &
echo $! > "$BED/pids/dnsfwd.pid"
wait_listen "$DNSFWD4" 53

# through the forwarder: A and TLSA validated, AAAA SERVFAIL for its names,
# and another name's AAAA passed on unchanged (AD kept)
fwd_expect() {   # fwd_expect NAME TYPE "STATUS ad|-"
    local got
    got=$(in_client dig +time=5 +tries=1 +dnssec @"$DNSFWD4" "$1" "$2" 2>&1 | awk '
        /status:/ { st = $6; sub(",", "", st) }
        /;; flags:/ { ad = ($0 ~ / ad[ ;]/) ? "ad" : "-" }
        END { print st, ad }')
    [ "$got" = "$3" ] || die "31-dnsfwd: $1 $2 via $DNSFWD4 gave '$got', want '$3' (log: $BED/dnsfwd/)"
}
fwd_expect "mx-dane-v6fail.$ZONE" A "NOERROR ad"
fwd_expect "mx-dane-v6fail.$ZONE" AAAA "SERVFAIL -"
fwd_expect "_25._tcp.mx-dane-v6fail.$ZONE" TLSA "NOERROR ad"
fwd_expect "dane-v6fail.$ZONE" MX "NOERROR ad"
fwd_expect "mx-tls6.$ZONE" AAAA "NOERROR ad"
in_client dig +time=5 +tries=1 +dnssec +tcp @"$DNSFWD4" "mx-dane-v6fail.$ZONE" AAAA 2>&1 | grep -q "status: SERVFAIL" ||
    die "31-dnsfwd: AAAA over TCP via $DNSFWD4 was not SERVFAIL"
