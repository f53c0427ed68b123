# 60-domainips.sh -- extra source addresses on the client (sourced by
# bed-up; see bed.d/README), for domainips and the smtproutes localip field.
#
# On the client's veth ($VETH_CLIENT in $NS_CLIENT), besides 192.0.2.10 and
# 2001:db8::10:
#   192.0.2.11, 192.0.2.12   /32: never chosen by the kernel as a source
#                            (the /24 route keeps 192.0.2.10), only when bound
#   2001:db8::11             /128, preferred_lft 0 (deprecated): the same for IPv6
#   fe80::11                 a fixed link-local address: fe80::11%$VETH_CLIENT
# 192.0.2.99 is nobody's: binding to it fails.  The servers (pf-plain) log
# the peer: "QID: client=unknown[192.0.2.11]".
. "$INTEG/auth/part.sh"

part_addr "$NS_CLIENT" "$VETH_CLIENT" 192.0.2.11 192.0.2.12
ip -n "$NS_CLIENT" addr add 2001:db8::11/128 dev "$VETH_CLIENT" nodad preferred_lft 0
ip -n "$NS_CLIENT" addr add fe80::11/64 dev "$VETH_CLIENT" nodad preferred_lft 0
