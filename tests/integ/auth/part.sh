# auth/part.sh -- helpers shared by the bed parts 40-auth, 50-qmtp and
# 60-domainips (sourced by them, inside bed-up, with lib.sh in scope).
#
#   part_pkgs PKG...      install the missing Debian packages as bed-up does
#                         for its own list (root; daemons kept from starting)
#   part_cert DIR NAME... a self-signed certificate DIR/cert.pem + key.pem
#                         for the names (made once per bed)
#   part_addr NS DEV ADDR...  add /32 or /128 addresses to a device

part_pkgs() {
    local p missing= made_policy= rc=0 aptlog="${TMPDIR:-/tmp}/qr-bed-apt.log"
    for p; do
        dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    log "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    # keep the packages' init scripts from starting system-wide daemons;
    # an existing policy-rc.d (a container's) is left as it is
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        made_policy=1
    fi
    apt-get install -y --no-install-recommends $missing >>"$aptlog" 2>&1 || {
        apt-get update >>"$aptlog" 2>&1 || true
        apt-get install -y --no-install-recommends $missing >>"$aptlog" 2>&1 || rc=$?
    }
    [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
    [ $rc = 0 ] || { tail -20 "$aptlog" >&2; die "apt-get install$missing failed"; }
}

part_cert() {
    local dir=$1 cn=$2 san= n
    shift
    [ -s "$dir/cert.pem" ] && [ -s "$dir/key.pem" ] && return 0
    mkdir -p "$dir"
    for n; do san="${san:+$san,}DNS:$n"; done
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$cn" \
        -addext "subjectAltName=$san" -keyout "$dir/key.pem" -out "$dir/cert.pem" \
        >/dev/null 2>&1 || die "openssl could not make a certificate in $dir"
    chmod 644 "$dir/cert.pem" "$dir/key.pem"   # a test key, read by postfix and python
}

part_addr() {
    local ns=$1 dev=$2 a
    shift 2
    for a; do
        case $a in
        *:*) ip -n "$ns" addr add "$a/128" dev "$dev" nodad ;;
        *)   ip -n "$ns" addr add "$a/32" dev "$dev" ;;
        esac
    done
}
