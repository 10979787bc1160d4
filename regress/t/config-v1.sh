# Secretless Broker version 1 files (listeners and handlers): airlockd -t
# converts one, warns that it is version 1 and how to get its version 2
# equivalent (airlockd -T), and succeeds; airlockd started on one serves
# psql against a real PostgreSQL over TCP and a Unix socket; what version 2
# cannot say is refused at its line of the version 1 file.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

[ -x "$AIRLOCKD" ] || fail "$AIRLOCKD not built"
pg_start
PT=$(free_port)
PS=$(free_port)
mkdir "$T/sock" || fail "mkdir $T/sock"

# The airlock: section of a test (no version:, no services:).
{
	airlock_head | sed '/^version:/d;/^services:/d'
	cat <<EOF
listeners:
  - name: pg_tcp
    protocol: pg
    address: 127.0.0.1:$PT
  - name: pg_socket
    protocol: pg
    socket: $T/sock/.s.PGSQL.$PS
handlers:
  - name: pg_via_tcp
    listener: pg_tcp
    debug: true
    credentials:
      - name: address
        provider: literal
        id: 127.0.0.1:$PG_PORT
      - name: username
        provider: literal
        id: scram_user
      - name: password
        provider: env
        id: PG_SCRAM_PASSWORD
      - name: sslmode
        provider: literal
        id: disable
  - name: pg_via_socket
    listener: pg_socket
    credentials:
      - name: address
        provider: literal
        id: 127.0.0.1:$PG_PORT
      - name: username
        provider: literal
        id: md5_user
      - name: password
        provider: env
        id: PG_MD5_PASSWORD
      - name: sslmode
        provider: literal
        id: disable
EOF
} >"$T/v1.yml"

out=$(timeout 30 "$AIRLOCKD" -t -f "$T/v1.yml" 2>&1 </dev/null) ||
    fail "-t on a version 1 file: $out"
echo "$out" | grep -q "^warning: $T/v1.yml:[0-9]*:1: a Secretless Broker version 1 file (listeners and handlers), deprecated: converted to version 2 on load; airlockd -T -f $T/v1.yml prints the version 2 equivalent$" ||
    fail "-t: no version 1 warning: $out"
echo "$out" | grep -q "^$T/v1.yml: configuration OK, 2 service(s)$" ||
    fail "-t: '$out'"
ok "-t: $(echo "$out" | head -n 1 | cut -c1-100)..."

start_airlock "$T/v1.yml"
grep -q "a Secretless Broker version 1 file" "$AIRLOCK_LOG" ||
    fail "the start does not log the version 1 warning"
out=$(airlock_psql "$PT" "select current_user" 2>&1) ||
    fail "psql through the v1 tcp listener: $out"
[ "$out" = scram_user ] || fail "tcp: current_user is '$out'"
out=$(pg_psql "host=$T/sock port=$PS dbname=postgres user=someoneelse" \
    "select current_user" 2>&1) ||
    fail "psql through the v1 socket listener: $out"
[ "$out" = md5_user ] || fail "socket: current_user is '$out'"
stop_airlock
ok "a version 1 file serves psql: scram_user over tcp, md5_user over a socket"

# What a version 1 file may say and version 2 cannot: refused where it is.
sed "s|^    address: 127.0.0.1:$PT\$|&\\
    caCertFiles: [/etc/ssl/ca.pem]|" "$T/v1.yml" >"$T/ca.yml"
line=$(grep -n caCertFiles "$T/ca.yml" | cut -d: -f1)
out=$(timeout 30 "$AIRLOCKD" -t -f "$T/ca.yml" 2>&1 </dev/null) &&
    fail "-t accepts caCertFiles: $out"
echo "$out" | grep -q "^$T/ca.yml:$line:5: listener pg_tcp: caCertFiles has no version 2 equivalent" ||
    fail "caCertFiles: '$out'"
ok "refused: $out"

# An error of the version 2 check names the version 1 file's place (the
# services sorted by name, as Secretless Broker sorts them: the socket's
# handler, the second in the file, is checked first).
sed "s|id: disable|id: sometimes|" "$T/v1.yml" >"$T/mode.yml"
line=$(grep -n "id: sometimes" "$T/mode.yml" | tail -n 1 | cut -d: -f1)
out=$(timeout 30 "$AIRLOCKD" -t -f "$T/mode.yml" 2>&1 </dev/null) &&
    fail "-t accepts sslmode sometimes: $out"
echo "$out" | grep -q "^$T/mode.yml:$line:13: credential sslmode of service pg_via_socket must be one of" ||
    fail "sslmode: '$out' (expected line $line)"
ok "refused at the version 1 line: $out"
exit 0
