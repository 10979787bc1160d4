# clientTLS on a Unix listener composes with allowedUsers: the monitor
# checks the peer's credentials at accept, before any worker, and the
# worker then asks for the client's certificate.  root (allowed) with the
# app certificate gets in over TLS on the socket (PyMySQL, which speaks TLS
# there); root without a certificate is refused by the certificate check
# (ERR 1045); nobody, with the same certificate, by the peer check, with
# no worker started.  A pg service with clientTLS on a Unix socket loads
# with a warning: libpq never asks for TLS there.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/mysql.sh"
. "$TOP/regress/ctls.sh"

command -v setpriv >/dev/null || skip "setpriv not found"
my_start
ctls_make
S=$T/sock
mkdir "$S" && chmod 0755 "$S" || fail "mkdir $S"
SOCK=$S/my.sock
export MYSQL_PWD="$MY_NATIVE_PASSWORD"
{
	airlock_head
	my_service both "unix://$SOCK" native_user disable \
	    "password: {from: file, get: $T/native.pw}"
	cat <<EOT
    config:
      socketMode: "0666"
      allowedUsers: [root]
EOT
	ctls_yaml 6 cert
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

TLSOPT="--ssl-ca $CTLS/server-ca.crt"
# shellcheck disable=SC2086
out=$(my_pymysql "$SOCK" nobody "select current_user()" $TLSOPT \
    --ssl-cert "$CTLS/app.crt" --ssl-key "$CTLS/app.key" 2>&1) ||
    fail "root with the app certificate: $out"
[ "$out" = "native_user@%" ] || fail "root with the app certificate: '$out'"
wait_for_log "\] both#[0-9]+: client accepted over TLS: CN=app" 5 ||
    fail "root's TLS client is not logged as accepted"
ok "root (allowedUsers) with the app certificate gets in over TLS: $out"

# shellcheck disable=SC2086
out=$(my_pymysql "$SOCK" nobody "select 1" $TLSOPT 2>&1) &&
    fail "root without a certificate got in: $out"
echo "$out" | grep -q "(1045, .*a client certificate is required" ||
    fail "root without a certificate: not the certificate's refusal: $out"
ok "root without a certificate is refused by the certificate check: $out"

# nobody, with a copy of the certificate it may read, and of the client:
# the tree may lie in a directory that only root can enter (mktemp -d).
cp "$CTLS/app.key" "$T/nobody.key" && chown nobody "$T/nobody.key" &&
    cp "$TOP/regress/tools/pymysql_query.py" "$T/" ||
    fail "copy the key and the client for nobody"
workers=$(grep -c "worker [0-9]* started" "$AIRLOCK_LOG")
# shellcheck disable=SC2086
out=$(cd "$T" && setpriv --reuid=nobody --regid="$(id -g nobody)" \
    --clear-groups -- env MYSQL_PWD="$MYSQL_PWD" timeout -k 5 60 \
    "$MY_PYTHON" "$T/pymysql_query.py" --socket "$SOCK" \
    --user nobody $TLSOPT --ssl-cert "$CTLS/app.crt" \
    --ssl-key "$T/nobody.key" -- "select 1" 2>&1) &&
    fail "nobody got in: $out"
wait_for_log "both: connection on $SOCK refused: peer uid $(id -u nobody) " 5 ||
    fail "nobody's refusal at accept is not logged: $out"
[ "$(grep -c "worker [0-9]* started" "$AIRLOCK_LOG")" = "$workers" ] ||
    fail "a worker was started for nobody"
ok "nobody, with the certificate, is refused at accept (no worker)"

# pg on a Unix socket with clientTLS: libpq would never get in.
{
	airlock_head
	cat <<EOT
  pgunix:
    connector: pg
    listenOn: unix://$S/.s.PGSQL.5432
    credentials: {host: 127.0.0.1, username: u, sslmode: disable}
    config:
EOT
	ctls_yaml 6 none
} >"$T/pg.yml"
out=$(timeout 30 "$AIRLOCKD" -t -f "$T/pg.yml" 2>&1) ||
    fail "pg on a Unix socket with clientTLS is refused: $out"
echo "$out" | grep -q "warning: .*service pgunix: libpq (psql) never asks for TLS over a Unix socket" ||
    fail "no warning for pg's clientTLS on a Unix socket: $out"
ok "pg's clientTLS on a Unix socket loads with a warning"
airlock_alive || fail "airlockd died"
exit 0
