# bed.d/30-dane.sh -- the DANE part of the test bed (sourced by bed-up).
#
# Needs the TLS part (20-tls: its PKI and its servers) and the signed
# qrtest. zone (mkzone signs it; unbound validates with a trust anchor).
# The TLSA records of the signed zone are in bed.d/30-dane.zone.
# The servers are pf-tls's (20-tls.sh); 192.0.2.69 (logged as
# postfix-dane/smtpd) has the certificate for mx-dane-ta.qrtest and
# mx-dane-ta2.qrtest with the test CA in its chain, for DANE-TA.
# Starts, in qr-net, a second nsd, "ns-dane" (192.0.2.79, 2001:db8::79),
# for child zones delegated from qrtest.:
#   insecure.qrtest                 unsigned, no DS: insecure; its MX
#                                   mx.insecure.qrtest (192.0.2.60) has a
#                                   TLSA that would not match: ignored;
#                                   <name>.insecure.qrtest: an unsigned
#                                   customer domain whose MX is a signed
#                                   host of qrtest. with TLSA (issue 22.5)
#   _tcp.mx-dane-insectlsa.qrtest   unsigned, no DS: the TLSA answer is
#                                   insecure though the MX and its address
#                                   are secure (a non-matching TLSA: ignored)
#   _tcp.mx-dane-bogus.qrtest       signed, but the DS in qrtest. matches no
#                                   key: bogus, unbound answers SERVFAIL
#   bogus.qrtest                    the same for a whole mail domain
# Then checks with dig that unbound validates: AD on the signed zone, no AD
# on the insecure ones, SERVFAIL on the bogus ones.
DANE_DIR=$BED/nsd-dane
DANE_NS4=192.0.2.79 DANE_NS6=2001:db8::79

ip -n "$NS_NET" addr add "$DANE_NS4/32" dev "$VETH_NET"
ip -n "$NS_NET" addr add "$DANE_NS6/128" dev "$VETH_NET" nodad

# ---------------------------------------------------------------- ns-dane
mkdir -p "$DANE_DIR/keys"
dane_zone() {   # dane_zone ORIGIN  (records on stdin)
    {
        printf '$ORIGIN %s.\n$TTL 60\n' "$1"
        printf '@ SOA ns-dane.%s. hostmaster.%s. 1 3600 600 86400 10\n' "$ZONE" "$ZONE"
        printf '@ NS ns-dane.%s.\n' "$ZONE"
        cat
    } > "$DANE_DIR/$1.zone"
}
dane_sign() {   # dane_sign ORIGIN: a key of its own (no DS in the parent matches it)
    local k
    k=$(cd "$DANE_DIR/keys" && ldns-keygen -a ECDSAP256SHA256 -k "$1.")
    ldns-signzone -o "$1." -f "$DANE_DIR/$1.zone.signed" "$DANE_DIR/$1.zone" "$DANE_DIR/keys/$k"
    mv "$DANE_DIR/$1.zone.signed" "$DANE_DIR/$1.zone"
}
tlsa_wrong=$("$INTEG/tls/pki" tlsa 1 1 "$BED/tls/wrongname.crt")
tlsa_good=$("$INTEG/tls/pki" tlsa 1 1 "$BED/tls/mx-tls.crt")
dane_zone "insecure.$ZONE" <<EOF
@ MX 10 mx
mx A 192.0.2.60
_25._tcp.mx TLSA 3 1 1 $tlsa_wrong
dane-ee MX 10 mx-dane-ee.$ZONE.
dane-bad MX 10 mx-dane-bad.$ZONE.
dane-ta MX 10 mx-dane-ta.$ZONE.
dane-cn MX 10 mx-dane-cn-ok.$ZONE.
EOF
dane_zone "_tcp.mx-dane-insectlsa.$ZONE" <<EOF
_25 TLSA 3 1 1 $tlsa_wrong
EOF
dane_zone "_tcp.mx-dane-bogus.$ZONE" <<EOF
_25 TLSA 3 1 1 $tlsa_good
EOF
dane_sign "_tcp.mx-dane-bogus.$ZONE"
dane_zone "bogus.$ZONE" <<EOF
@ MX 10 mx
mx A 192.0.2.60
EOF
dane_sign "bogus.$ZONE"

{
cat <<EOF
# nsd "ns-dane" of the qmail-remote test bed: child zones of $ZONE.
server:
    ip-address: $DANE_NS4
    ip-address: $DANE_NS6
    port: 53
    username: ""
    chroot: ""
    zonesdir: "$DANE_DIR"
    database: ""
    pidfile: "$DANE_DIR/nsd.pid"
    logfile: "$DANE_DIR/nsd.log"
    xfrdfile: "$DANE_DIR/xfrd.state"
    xfrdir: "$DANE_DIR"
    zonelistfile: "$DANE_DIR/zone.list"
    server-count: 1
    verbosity: 1
    hide-version: yes
    refuse-any: yes
remote-control:
    control-enable: no
EOF
for z in "insecure.$ZONE" "_tcp.mx-dane-insectlsa.$ZONE" "_tcp.mx-dane-bogus.$ZONE" "bogus.$ZONE"; do
    printf 'zone:\n    name: "%s."\n    zonefile: "%s.zone"\n' "$z" "$z"
    nsd-checkzone "$z." "$DANE_DIR/$z.zone" >/dev/null || die "30-dane: zone $z is broken"
done
} > "$DANE_DIR/nsd.conf"
nsd-checkconf "$DANE_DIR/nsd.conf"
in_net nsd -c "$DANE_DIR/nsd.conf"

wait_listen "$DANE_NS4" 53

# ---------------------------------------------------------------- DNSSEC check
# dane_dig NAME TYPE -> "STATUS ad" or "STATUS -" (as the client's resolver says)
dane_dig() {
    in_client dig +time=5 +tries=1 +dnssec @"$UNBOUND4" "$1" "$2" 2>&1 | awk '
        /status:/ { st = $6; sub(",", "", st) }
        /;; flags:/ { ad = ($0 ~ / ad[ ;]/) ? "ad" : "-" }
        END { print st, ad }'
}
dane_expect() {   # dane_expect NAME TYPE "STATUS ad|-"
    local got
    got=$(dane_dig "$1" "$2")
    [ "$got" = "$3" ] || die "30-dane: DNSSEC not as expected: $1 $2 gave '$got', want '$3' (logs: $BED/unbound/unbound.log)"
}
dane_expect "mx-dane-ee.$ZONE" A "NOERROR ad"
dane_expect "_25._tcp.mx-dane-ee.$ZONE" TLSA "NOERROR ad"
dane_expect "nxdomain.$ZONE" A "NXDOMAIN ad"
dane_expect "_25._tcp.mx-dane-insectlsa.$ZONE" TLSA "NOERROR -"
dane_expect "mx.insecure.$ZONE" A "NOERROR -"
dane_expect "dane-bad.insecure.$ZONE" MX "NOERROR -"
dane_expect "mx-dane-cn-bad.$ZONE" A "NOERROR ad"
dane_expect "_25._tcp.mx-dane-cn-bad.$ZONE" TLSA "NXDOMAIN ad"
dane_expect "_25._tcp.mx-dane-bogus.$ZONE" TLSA "SERVFAIL -"
# nsd itself, asked as a second resolver after unbound (issue 22.6), answers
# the bogus TLSA name with a referral: NOERROR, no records, no AD
got=$(in_client dig +time=5 +tries=1 +dnssec @"$NSD4" "_25._tcp.mx-dane-bogus.$ZONE" TLSA 2>&1 | awk '
    /status:/ { st = $6; sub(",", "", st) }
    /;; flags:/ { ad = ($0 ~ / ad[ ;]/) ? "ad" : "-" }
    /ANSWER: / { an = $0; sub(/.*ANSWER: /, "", an); sub(/,.*/, "", an) }
    END { print st, ad, an }')
[ "$got" = "NOERROR - 0" ] || die "30-dane: nsd gave '$got' for the bogus TLSA name, want 'NOERROR - 0'"
dane_expect "bogus.$ZONE" MX "SERVFAIL -"
