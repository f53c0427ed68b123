# bed.d/45-fallback.sh -- the limits of the opportunistic fallback (SPEC 7,
# issue 22 A; sourced by bed-up, after 20-tls.sh and 40-auth.sh, whose
# certificates and sasldb it uses).
#
# Postfix instance "pf-fallback": every listener offers STARTTLS with
# anonymous (aNULL) ciphers only, TLS 1.2 at most, so that the client's
# opportunistic handshake (no aNULL by default) fails and the built-in
# default falls back to plaintext -- a real server's handshake failure:
#   192.0.2.160  mx-fb-tlsreq     TLS required (smtpd_tls_security_level=encrypt):
#                                 MAIL in plaintext gets 530 5.7.0 Must issue a
#                                 STARTTLS command first
#   192.0.2.161  mx-fb-relay      relays for TLS client certificates only
#                                 (permit_tls_clientcerts, reject_unauth_destination;
#                                 no local domains): RCPT in plaintext gets
#                                 554 5.7.1 Relay access denied
#   192.0.2.162  mx-fb-rcpt       accepts, but bad@ gets 550 5.1.1 (a refusal that
#                                 has nothing to do with TLS)
#   192.0.2.167  mx-fb-data       no CHUNKING; DATA in plaintext gets 554 5.7.1
#                                 (reject_plaintext_session, plaintext_reject_code 554)
#   192.0.2.165  mx-fb-cram       Cyrus SASL CRAM-MD5 (pf-auth's sasldb), offered in
#                                 plaintext too
#   192.0.2.166  mx-fb-authrelay  a submission relay: Dovecot SASL PLAIN LOGIN only
#                                 under TLS (smtpd_tls_auth_only), relays only for
#                                 authenticated clients: in plaintext, no AUTH and
#                                 RCPT gets 554 5.7.1 Relay access denied
# and tls/tlsfault.py with AUTH CRAM-MD5 PLAIN LOGIN offered in plaintext:
#   192.0.2.163  tlsrefuseauth    454 to STARTTLS
#   192.0.2.164  tlsresetauth     220 to STARTTLS, then a reset after the ClientHello
FB_PF="160 161 162 165 166 167"
FB_FAULT="tlsrefuseauth:163 tlsresetauth:164"
fb=$BED/pf-fallback/etc
mkdir -p "$fb"
for a in $FB_PF; do ip -n "$NS_NET" addr add "192.0.2.$a/32" dev "$VETH_NET"; done
for m in $FB_FAULT; do ip -n "$NS_NET" addr add "192.0.2.${m#*:}/32" dev "$VETH_NET"; done

cat > "$fb/rcpt_access" <<'EOT'
/^bad@/      550 5.1.1 no such user here
EOT
# anonymous ciphers only, TLS 1.2 at most (mandatory_* for the "encrypt" listener)
anull="-o smtpd_tls_protocols=<=TLSv1.2 -o smtpd_tls_mandatory_protocols=<=TLSv1.2
    -o smtpd_tls_ciphers=high -o smtpd_tls_mandatory_ciphers=high -o tls_high_cipherlist=aNULL:@SECLEVEL=0"
# a relay: no domain is local here (its own trivial-rewrite), and the client's
# network is not trusted, so reject_unauth_destination refuses every recipient
relay="-o mynetworks=127.0.0.0/8 -o rewrite_service_name=rewrite-norelay"
pf_instance pf-fallback mx-fallback.$ZONE \
    "$(for a in $FB_PF; do printf '192.0.2.%s, ' "$a"; done | sed 's/, $//')" \
"192.0.2.160:smtp$smtpd -o syslog_name=postfix-fb-tlsreq -o smtpd_tls_security_level=encrypt $anull
192.0.2.161:smtp$smtpd -o syslog_name=postfix-fb-relay -o smtpd_tls_security_level=may $anull $relay
    -o smtpd_relay_restrictions=permit_tls_clientcerts,reject_unauth_destination
192.0.2.162:smtp$smtpd -o syslog_name=postfix-fb-rcpt -o smtpd_tls_security_level=may $anull
    -o smtpd_recipient_restrictions=check_recipient_access,regexp:$fb/rcpt_access
192.0.2.167:smtp$smtpd -o syslog_name=postfix-fb-data -o smtpd_tls_security_level=may $anull
    -o smtpd_discard_ehlo_keywords=chunking -o smtpd_data_restrictions=reject_plaintext_session
    -o plaintext_reject_code=554
192.0.2.165:smtp$smtpd -o syslog_name=postfix-fb-cram -o smtpd_tls_security_level=may $anull
    -o smtpd_sasl_auth_enable=yes -o smtpd_sasl_type=cyrus -o smtpd_sasl_path=smtpd
    -o smtpd_sasl_mechanism_filter=cram-md5
192.0.2.166:smtp$smtpd -o syslog_name=postfix-fb-authrelay -o smtpd_tls_security_level=may $anull $relay
    -o smtpd_tls_auth_only=yes -o smtpd_sasl_auth_enable=yes -o smtpd_sasl_type=dovecot
    -o smtpd_sasl_path=$BED/dovecot/run/auth-postfix
    -o smtpd_relay_restrictions=permit_sasl_authenticated,reject_unauth_destination
rewrite-norelay unix - - n - - trivial-rewrite -o virtual_mailbox_domains= -o relay_domains=" \
"smtpd_tls_chain_files = $BED/tls/mx-tls.chain
smtpd_tls_received_header = yes
smtpd_tls_loglevel = 1
smtpd_tls_session_cache_database =
cyrus_sasl_config_path = $BED/pf-auth/etc/sasl
smtpd_sasl_local_domain = $ZONE
smtpd_sasl_security_options = noanonymous
smtpd_sasl_tls_security_options = noanonymous
smtpd_sasl_authenticated_header = no
"

tlsfault tlsfault-fallback "$FB_FAULT"

for a in $FB_PF; do wait_listen 192.0.2.$a 25; done
for m in $FB_FAULT; do wait_listen 192.0.2.${m#*:} 25; done
