# 70-sink.sh -- more smtp-sink instances (sourced by bed-up; see bed.d/README):
# a reject (-f) or a tempfail (-r) at each envelope command and at the end
# of data, once with PIPELINING offered and once without (-p), so that
# scenarios_sink.py can assert the same reports on both paths (issue 8).
#   192.0.2.100-107  pipelined:  mail rcpt data dot, then -r: mail rcpt data dot
#   192.0.2.110-117  -p:         the same, in the same order
. "$INTEG/auth/part.sh"

SINK_CMDS="mail rcpt data ."
i=0
for how in f r; do
    for cmd in $SINK_CMDS; do
        name=$([ "$cmd" = . ] && echo dot || echo "$cmd")
        a=$((100 + i)) b=$((110 + i))
        part_addr "$NS_NET" "$VETH_NET" 192.0.2.$a 192.0.2.$b
        sink "$name$how" 192.0.2.$a -$how "$cmd"
        sink "$name${how}np" 192.0.2.$b -p -$how "$cmd"
        i=$((i + 1))
    done
done
for a in 100 101 102 103 104 105 106 107 110 111 112 113 114 115 116 117; do
    wait_listen 192.0.2.$a 25 || die "70-sink: smtp-sink on 192.0.2.$a did not start"
done
