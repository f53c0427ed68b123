# bed.d/90-mtasts.sh -- the MTA-STS part of the test bed (sourced by bed-up).
#
# nginx (Debian's) in qr-net serves the policy files over HTTPS:
#   192.0.2.150:443   one server per name mta-sts.<domain>.qrtest (SNI), the
#                     certificate mta-sts.qrtest from the test CA with every
#                     such name (tls/pki's CA: $BED/tls/ca.crt); what each
#                     serves is in mtasts/policies
#                     (mta-sts.sts-cnonly.qrtest: tls/pki's cnonly, a
#                     certificate naming it only in its CN)
#   192.0.2.151:443   mta-sts.sts-webpki.qrtest with the certificate for
#                     other.qrtest (the policy host's name does not match)
#   192.0.2.152:443   mtasts/httpscut.py (not nginx: what no real server
#                     does): sts-cut's policy, framed by the connection's
#                     end, which it cuts without a TLS close_notify
# Logs: $BED/mtasts/access.log ("<server name> <status> <request>"),
# $BED/mtasts/error.log, $BED/mtasts/httpscut.log. The zone lines are in
# 90-mtasts.zone; the client trusts the test CA through control/mtastsca
# (the scenarios set it).
STS_DIR=$BED/mtasts
STS_WWW=$STS_DIR/www

. "$INTEG/auth/part.sh"
part_pkgs nginx
part_addr "$NS_NET" "$VETH_NET" 192.0.2.150 192.0.2.151 192.0.2.152
mkdir -p "$STS_WWW" "$STS_DIR/tmp"
chmod 755 "$STS_DIR" "$STS_WWW"

# the policy files, and the certificate naming every policy host
names=
servers=
while read -r dom kind text; do
    case $dom in ''|'#'*) continue;; esac
    [ "$kind" = cnonly ] || names="$names,mta-sts.$dom.$ZONE"
    mkdir -p "$STS_WWW/$dom/.well-known"
    f=$STS_WWW/$dom/.well-known/mta-sts.txt
    loc="location = /.well-known/mta-sts.txt { default_type text/plain; }"
    cert=
    case $kind in
    policy) printf '%s\r\n' "$(echo "$text" | sed 's/|/\r\n/g')" > "$f" ;;
    cut)    printf '%s\r\n' "$(echo "$text" | sed 's/|/\r\n/g')" > "$f"; continue ;;
    cnonly) printf '%s\r\n' "$(echo "$text" | sed 's/|/\r\n/g')" > "$f"
            cert="ssl_certificate $TLS_DIR/cnonly.crt; ssl_certificate_key $TLS_DIR/cnonly.key;" ;;
    # SSI drops the Content-Length of what it filters, and without chunked
    # transfer coding an HTTP/1.1 body can only end with the connection
    close)  printf '%s\r\n' "$(echo "$text" | sed 's/|/\r\n/g')" > "$f"
            loc="location = /.well-known/mta-sts.txt { default_type text/plain; ssi on; ssi_types text/plain; chunked_transfer_encoding off; }" ;;
    many)   { printf '%s\n' "$(echo "$text" | tr '|' '\n')"
              seq 0 7199 | awk '{ printf "mx:h%04x\n", $1 }'; } > "$f" ;;
    text)   printf '%s\n' "$(echo "$text" | tr '|' '\n')" > "$f" ;;
    big)    { printf '%s\r\n' "$(echo "$text" | sed 's/|/\r\n/g')"
              head -c 70000 /dev/zero | tr '\0' 'x' | sed 's/^/padding: /'; printf '\r\n'; } > "$f" ;;
    redirect) loc="location = /.well-known/mta-sts.txt { return 301 https://mta-sts.sts-enforce.$ZONE/.well-known/mta-sts.txt; }" ;;
    html)   printf '%s\r\n' "$(echo "$text" | sed 's/|/\r\n/g')" > "$f"
            loc="location = /.well-known/mta-sts.txt { default_type text/html; }" ;;
    404)    ;;
    *)      die "90-mtasts: unknown kind $kind for $dom" ;;
    esac
    [ "$dom" = sts-webpki ] && continue
    servers="$servers
    server {
        listen 192.0.2.150:443 ssl;
        server_name mta-sts.$dom.$ZONE;
        root $STS_WWW/$dom;
        $cert
        $loc
    }"
done < "$INTEG/mtasts/policies"
chmod -R a+rX "$STS_WWW"

if [ ! -s "$STS_DIR/mta-sts.crt" ]; then
    ( cd "$STS_DIR"
      openssl ecparam -name prime256v1 -genkey -noout -out mta-sts.key 2>/dev/null
      openssl req -new -key mta-sts.key -subj "/O=qr-bed/CN=mta-sts.$ZONE" -out mta-sts.csr 2>/dev/null
      printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' \
          "$(echo "${names#,}" | sed 's/\(^\|,\)/\1DNS:/g')" > mta-sts.ext
      openssl x509 -req -in mta-sts.csr -CA "$TLS_DIR/ca.crt" -CAkey "$TLS_DIR/ca.key" \
          -set_serial "0x$(openssl rand -hex 8)" -days 30 -sha256 -extfile mta-sts.ext \
          -out mta-sts.crt 2>/dev/null ) || die "90-mtasts: could not make the certificate"
fi

cat > "$STS_DIR/nginx.conf" <<NGINX
# nginx for the MTA-STS part of the qmail-remote test bed (bed.d/90-mtasts.sh)
daemon on;
master_process on;
worker_processes 1;
pid $STS_DIR/nginx.pid;
error_log $STS_DIR/error.log info;
events { worker_connections 64; }
http {
    log_format sts '\$server_name \$status "\$request"';
    access_log $STS_DIR/access.log sts;
    client_body_temp_path $STS_DIR/tmp/body;
    proxy_temp_path $STS_DIR/tmp/proxy;
    fastcgi_temp_path $STS_DIR/tmp/fastcgi;
    uwsgi_temp_path $STS_DIR/tmp/uwsgi;
    scgi_temp_path $STS_DIR/tmp/scgi;
    server_tokens off;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_certificate $STS_DIR/mta-sts.crt;
    ssl_certificate_key $STS_DIR/mta-sts.key;
    server {
        listen 192.0.2.150:443 ssl default_server;
        server_name _;
        return 404;
    }$servers
    server {
        listen 192.0.2.151:443 ssl;
        server_name mta-sts.sts-webpki.$ZONE;
        ssl_certificate $TLS_DIR/wrongname.crt;
        ssl_certificate_key $TLS_DIR/wrongname.key;
        root $STS_WWW/sts-webpki;
        location = /.well-known/mta-sts.txt { default_type text/plain; }
    }
}
NGINX
: > "$STS_DIR/access.log"
in_net nginx -t -q -e "$STS_DIR/error.log" -c "$STS_DIR/nginx.conf" -p "$STS_DIR" 2>"$STS_DIR/nginx-t.out" ||
    { cat "$STS_DIR/nginx-t.out" >&2; die "90-mtasts: nginx.conf does not check"; }
in_net nginx -e "$STS_DIR/error.log" -c "$STS_DIR/nginx.conf" -p "$STS_DIR" || die "90-mtasts: nginx did not start"
ip netns exec "$NS_NET" setsid python3 "$INTEG/mtasts/httpscut.py" --cert "$STS_DIR/mta-sts.crt" \
    --key "$STS_DIR/mta-sts.key" --body "$STS_WWW/sts-cut/.well-known/mta-sts.txt" \
    --lifetime "${FAULT_LIFETIME:-1800}" --log "$STS_DIR/httpscut.log" 192.0.2.152:443 \
    </dev/null >"$STS_DIR/httpscut.out" 2>&1 &
echo $! > "$BED/pids/httpscut.pid"
wait_listen 192.0.2.150 443
wait_listen 192.0.2.151 443
wait_listen 192.0.2.152 443
