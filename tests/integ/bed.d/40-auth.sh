# 40-auth.sh -- SMTP AUTH peers (sourced by bed-up; see bed.d/README).
#
# One Postfix instance "pf-auth" (submission style) with a listener per
# SASL situation, each logging under its own syslog_name in
# $BED/pf-auth/maillog ("... client=..., sasl_method=X, sasl_username=U"):
#
#   192.0.2.80  postfix-authplain   Dovecot SASL, STARTTLS, announces PLAIN only
#   192.0.2.81  postfix-authlogin   Dovecot SASL, STARTTLS, announces LOGIN only
#   192.0.2.82  postfix-authnotls   Dovecot SASL, no STARTTLS, PLAIN LOGIN
#   192.0.2.83  postfix-authsmtps   Dovecot SASL, SMTPS (port 465, TLS from the
#                                   first byte), PLAIN LOGIN
#   192.0.2.84  postfix-authscram   Cyrus SASL (sasldb), SCRAM-SHA-256 CRAM-MD5
#   192.0.2.85  postfix-authcram    Cyrus SASL, CRAM-MD5 only
#   192.0.2.86  postfix-authnone    Cyrus SASL, DIGEST-MD5 only (none of ours)
#   192.0.2.87  faultsrv bad64cram  AUTH CRAM-MD5, the challenge is not base64
#   192.0.2.88  faultsrv bad64scram AUTH SCRAM-SHA-256, server-first not base64
#   127.0.0.1, ::1 in the CLIENT's namespace: faultsrv authplain (AUTH PLAIN,
#               no STARTTLS, 235 to anything): the loopback exception
#
# AUTH is announced before STARTTLS too (smtpd_tls_auth_only = no), so the
# client's "TLS before AUTH" rule is what keeps PLAIN/LOGIN off plaintext.
# Accounts (passwords are distinctive so that scenarios can grep for them):
#   Dovecot passwd-file:  alice / Al1ce-Pw-7f3e9   bob / B0b-Pw-c41d2
#   Cyrus sasldb (realm qrtest):  carol / C4rol-Pw-91ab7   dave / D4ve-Pw-e58f0
# The self-signed certificate $BED/auth/tls/{cert,key}.pem (mx-auth*.qrtest)
# is shared with 50-qmtp.sh (QMTPS).
. "$INTEG/auth/part.sh"

part_pkgs dovecot-core sasl2-bin libsasl2-modules openssl

AUTH_ADDRS="192.0.2.80 192.0.2.81 192.0.2.82 192.0.2.83 192.0.2.84 192.0.2.85 192.0.2.86 192.0.2.87 192.0.2.88"
part_addr "$NS_NET" "$VETH_NET" $AUTH_ADDRS
part_cert "$BED/auth/tls" mx-auth.$ZONE mx-auth.$ZONE '*.auth.'$ZONE \
    mx-auth-plain.$ZONE mx-auth-login.$ZONE mx-auth-smtps.$ZONE mx-qmtp.$ZONE

# ---------------------------------------------------------------- dovecot
# a private instance that only authenticates (protocols = none); Postfix
# asks it over the unix socket $BED/dovecot/run/auth-postfix
dv=$BED/dovecot
mkdir -p "$dv/run" "$dv/state"
cat > "$dv/users" <<'EOF'
alice:{PLAIN}Al1ce-Pw-7f3e9::::::
bob:{PLAIN}B0b-Pw-c41d2::::::
EOF
chmod 644 "$dv/users"
cat > "$dv/dovecot.conf" <<EOF
# dovecot for the qmail-remote test bed: SASL for pf-auth only
protocols = none
base_dir = $dv/run
state_dir = $dv/state
log_path = $dv/dovecot.log
info_log_path = $dv/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
# answer a wrong password at once (default: 2 s), timeoutremote is 3 s
auth_failure_delay = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN $dv/users
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=/nonexistent
}
service auth {
  unix_listener auth-postfix {
    mode = 0666
  }
}
# no growing delay after repeated failures from one address (the client
# is always 192.0.2.10): Dovecot's documented way to disable auth penalty
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
EOF
in_net dovecot -c "$dv/dovecot.conf" </dev/null >>"$dv/dovecot.out" 2>&1 ||
    die "dovecot did not start (log: $dv/dovecot.log)"

# ---------------------------------------------------------------- cyrus sasldb
pfa=$BED/pf-auth/etc
mkdir -p "$pfa/sasl"
rm -f "$pfa/sasldb2"
printf 'C4rol-Pw-91ab7' | saslpasswd2 -c -p -f "$pfa/sasldb2" -u $ZONE carol || die "saslpasswd2 failed"
printf 'D4ve-Pw-e58f0' | saslpasswd2 -c -p -f "$pfa/sasldb2" -u $ZONE dave || die "saslpasswd2 failed"
chown postfix "$pfa/sasldb2"
chmod 600 "$pfa/sasldb2"
cat > "$pfa/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $pfa/sasldb2
mech_list: SCRAM-SHA-256 CRAM-MD5 DIGEST-MD5
EOF

# ---------------------------------------------------------------- pf-auth
dovecot_o="-o smtpd_sasl_auth_enable=yes -o smtpd_sasl_type=dovecot -o smtpd_sasl_path=$dv/run/auth-postfix"
cyrus_o="-o smtpd_sasl_auth_enable=yes -o smtpd_sasl_type=cyrus -o smtpd_sasl_path=smtpd"
pf_instance pf-auth mx-auth.$ZONE \
    "192.0.2.80, 192.0.2.81, 192.0.2.82, 192.0.2.83, 192.0.2.84, 192.0.2.85, 192.0.2.86" \
"192.0.2.80:smtp$smtpd -o syslog_name=postfix-authplain -o smtpd_tls_security_level=may
    $dovecot_o -o smtpd_sasl_mechanism_filter=plain
192.0.2.81:smtp$smtpd -o syslog_name=postfix-authlogin -o smtpd_tls_security_level=may
    $dovecot_o -o smtpd_sasl_mechanism_filter=login
192.0.2.82:smtp$smtpd -o syslog_name=postfix-authnotls $dovecot_o
192.0.2.83:465$smtpd -o syslog_name=postfix-authsmtps -o smtpd_tls_wrappermode=yes
    -o smtpd_tls_security_level=encrypt $dovecot_o
192.0.2.84:smtp$smtpd -o syslog_name=postfix-authscram
    $cyrus_o -o smtpd_sasl_mechanism_filter=scram-sha-256,cram-md5
192.0.2.85:smtp$smtpd -o syslog_name=postfix-authcram $cyrus_o -o smtpd_sasl_mechanism_filter=cram-md5
192.0.2.86:smtp$smtpd -o syslog_name=postfix-authnone $cyrus_o -o smtpd_sasl_mechanism_filter=digest-md5" \
"smtpd_tls_cert_file = $BED/auth/tls/cert.pem
smtpd_tls_key_file = $BED/auth/tls/key.pem
smtpd_tls_loglevel = 1
cyrus_sasl_config_path = $pfa/sasl
smtpd_sasl_local_domain = $ZONE
smtpd_sasl_security_options = noanonymous
smtpd_sasl_tls_security_options = noanonymous
smtpd_sasl_authenticated_header = no
broken_sasl_auth_clients = no
"

# ---------------------------------------------------------------- faultsrv
ip netns exec "$NS_NET" setsid python3 "$INTEG/faultsrv.py" \
    --lifetime "${FAULT_LIFETIME:-1800}" --logdir "$BED/fault" \
    192.0.2.87:25=bad64cram 192.0.2.88:25=bad64scram \
    </dev/null >"$BED/fault/faultsrv-auth.out" 2>&1 &
echo $! > "$BED/pids/faultsrv-auth.pid"

# loopback, in the client's namespace: PLAIN without TLS is allowed there
ip netns exec "$NS_CLIENT" setsid python3 "$INTEG/faultsrv.py" \
    --lifetime "${FAULT_LIFETIME:-1800}" --logdir "$BED/fault" \
    127.0.0.1:25=authplain [::1]:25=authplain \
    </dev/null >"$BED/fault/faultsrv-loopback.out" 2>&1 &
echo $! > "$BED/pids/faultsrv-loopback.pid"
wait_listen 127.0.0.1 25
wait_listen ::1 25

for a in 192.0.2.80 192.0.2.81 192.0.2.82 192.0.2.84 192.0.2.85 192.0.2.86 192.0.2.87 192.0.2.88; do
    wait_listen $a 25
done
wait_listen 192.0.2.83 465
