# bed.d/20-tls.sh -- the TLS part of the test bed (sourced by bed-up).
#
# Uses the test PKI that tls/pki made under $BED/tls while mkzone ran
# (bed.d/20-tls.zone).  Starts, in qr-net:
#   * Postfix instance "pf-tls" (maillog $BED/pf-tls/maillog, Maildir
#     $BED/pf-tls/mail/Maildir; smtpd_tls_received_header = yes, so the
#     Received header tells whether and how TLS was used):
#       192.0.2.60   mx-tls         STARTTLS, certificate mx-tls.qrtest (test CA;
#                                   also IP names 192.0.2.60 and 2001:db8::60)
#       2001:db8::60 mx-tls6        the same over IPv6
#       192.0.2.60:465, :4650       SMTPS (smtpd_tls_wrappermode), same certificate
#       192.0.2.61   mx-wrongname   STARTTLS, certificate for other.qrtest (test CA)
#       192.0.2.62   mx-expired     STARTTLS, certificate expired in 2020 (test CA)
#       192.0.2.63   mx-selfsigned  STARTTLS, self-signed certificate
#       192.0.2.64   mx.wild        STARTTLS, certificate *.wild.qrtest (test CA)
#       192.0.2.65   mx-notls       no STARTTLS
#       192.0.2.66   mx-ccert       TLS required, and a client certificate from
#                                   the client CA (smtpd_tls_req_ccert): 421 without
#       192.0.2.67   mx-adh         TLS 1.2 only, anonymous (aNULL) ciphers only
#       192.0.2.68   mx1.partial    STARTTLS, certificate mx*.partial.qrtest (test CA)
#       192.0.2.142  mx-tls10       STARTTLS, TLS 1.0 at most (an old stack; logged as
#                                   postfix-tls10): opportunistic TLS takes it
#       192.0.2.69   (for the DANE part: mx-dane-ta, -ta2, -ta3, -tawrong)
#                                   STARTTLS, certificate mx-dane-ta.qrtest,
#                                   -ta2, -ta3, the test CA in the chain
#                                   (DANE-TA needs its trust anchor there);
#                                   logged as postfix-dane/smtpd
#   * tls/tlsfault.py: 192.0.2.70 tlsinject, .71 tlsrefuse, .72 tlsok,
#     .73 tlsdrop, .74 tlsbadhs, .75 tlsstallhs, .76 tlsstallehlo (captures in $BED/fault/<mode>-<n>.raw)
TLS_DIR=$BED/tls
TLS4="60 61 62 63 64 65 66 67 68 69 142"
TLSFAULT="tlsinject:70 tlsrefuse:71 tlsok:72 tlsdrop:73 tlsbadhs:74 tlsstallhs:75 tlsstallehlo:76"

[ -e "$TLS_DIR/done" ] || die "20-tls: no test PKI in $TLS_DIR (tls/pki make, run from bed.d/20-tls.zone)"

for a in $TLS4; do ip -n "$NS_NET" addr add "192.0.2.$a/32" dev "$VETH_NET"; done
for m in $TLSFAULT; do ip -n "$NS_NET" addr add "192.0.2.${m#*:}/32" dev "$VETH_NET"; done
ip -n "$NS_NET" addr add 2001:db8::60/128 dev "$VETH_NET" nodad

tls_smtpd="$smtpd -o smtpd_tls_security_level=may"
pf_instance pf-tls mx-tls.$ZONE \
    "$(for a in $TLS4; do printf '192.0.2.%s, ' "$a"; done)[2001:db8::60]" \
"192.0.2.60:smtp$tls_smtpd
[2001:db8::60]:smtp$tls_smtpd
192.0.2.60:465$smtpd -o syslog_name=postfix-465 -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt
192.0.2.60:4650$smtpd -o syslog_name=postfix-4650 -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt
192.0.2.61:smtp$tls_smtpd -o smtpd_tls_chain_files=$TLS_DIR/wrongname.chain
192.0.2.62:smtp$tls_smtpd -o smtpd_tls_chain_files=$TLS_DIR/expired.chain
192.0.2.63:smtp$tls_smtpd -o smtpd_tls_chain_files=$TLS_DIR/selfsigned.chain
192.0.2.64:smtp$tls_smtpd -o smtpd_tls_chain_files=$TLS_DIR/wild.chain
192.0.2.65:smtp$smtpd -o smtpd_tls_security_level=none
192.0.2.66:smtp$smtpd -o syslog_name=postfix-ccert -o smtpd_tls_security_level=encrypt -o smtpd_tls_req_ccert=yes -o smtpd_tls_CAfile=$TLS_DIR/cca.crt -o smtpd_tls_chain_files=$TLS_DIR/ccert.chain
192.0.2.67:smtp$tls_smtpd -o syslog_name=postfix-adh -o smtpd_tls_protocols=<=TLSv1.2 -o smtpd_tls_ciphers=high -o tls_high_cipherlist=aNULL:@SECLEVEL=0 -o tls_preempt_cipherlist=yes
192.0.2.68:smtp$tls_smtpd -o smtpd_tls_chain_files=$TLS_DIR/partial.chain
192.0.2.69:smtp$tls_smtpd -o syslog_name=postfix-dane -o smtpd_tls_chain_files=$TLS_DIR/dane-ta.chain
192.0.2.142:smtp$tls_smtpd -o syslog_name=postfix-tls10 -o smtpd_tls_protocols=<=TLSv1 -o smtpd_tls_mandatory_protocols=<=TLSv1 -o smtpd_tls_ciphers=medium -o tls_medium_cipherlist=DEFAULT:@SECLEVEL=0" \
"smtpd_tls_chain_files = $TLS_DIR/mx-tls.chain
smtpd_tls_received_header = yes
smtpd_tls_loglevel = 1
smtpd_tls_session_cache_database =
"

tlsfault tlsfault "$TLSFAULT"

# one wait for every listener (wait_listen costs a namespace entry each)
in_client python3 - $(for a in $TLS4; do echo "192.0.2.$a:25"; done) 2001:db8::60:25 192.0.2.60:465 \
    192.0.2.60:4650 $(for m in $TLSFAULT; do echo "192.0.2.${m#*:}:25"; done) <<'PY' || die "20-tls: servers did not come up"
import socket, sys, time
deadline = time.time() + 30
for ep in sys.argv[1:]:
    host, _, port = ep.rpartition(":")
    while True:
        try:
            s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
            s.settimeout(1); s.connect((host, int(port))); s.close(); break
        except OSError as e:
            if time.time() > deadline:
                sys.exit("20-tls: %s port %s not listening: %s" % (host, port, e))
            time.sleep(0.1)
PY
