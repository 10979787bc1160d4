# airlockd -T prints the effective configuration as a version 2 file: the
# airlock: section with every setting (defaults included), every service
# with its credentials (literal values as they are, which stderr says) and
# config.  That output passes airlockd -t, and -T of it prints it again (a
# fixed point); a version 1 file comes out as its version 2 equivalent.
. "$(dirname "$0")/../lib.sh"

[ -x "$AIRLOCKD" ] || fail "$AIRLOCKD not built"
P1=$(free_port)
P2=$(free_port)

# dump IN OUT: airlockd -T -f IN >OUT; sets rc and err (stderr).
dump()
{
	timeout 30 "$AIRLOCKD" -T -f "$1" >"$2" 2>"$T/stderr" </dev/null
	rc=$?
	err=$(cat "$T/stderr")
}

# check FILE: airlockd -t passes it, with no warning of version 1.
check()
{
	out=$(timeout 30 "$AIRLOCKD" -t -f "$1" 2>&1 </dev/null) ||
	    fail "-t $1: $out"
	echo "$out" | grep -q "version 1" && fail "-t $1: $out"
	return 0
}

{
	airlock_head "maxStartups: 10:50:20" "idleTimeout: 90s" \
	    "workerMemoryLimit: 64M"
	cat <<EOF
  orders:
    connector: pg
    listenOn: tcp://127.0.0.1:$P1
    credentials:
      host: 127.0.0.1
      port: 5432
      username: orders
      password: "a: b #c 'd' \"e\" \\\\ \\n  end"
      sslmode: {from: env, get: PGSSLMODE}
      sslrootcert: {from: file, get: "$T/ca file.pem"}
      application_name: "null"
    config:
      cleartextPassword: tls
  sock:
    protocol: pg
    listenOn: unix://$T/airlock.sock
    credentials: {host: db, username: u}
    config:
      socketMode: "0600"
      allowedUsers: [root]
EOF
} >"$T/v2.yml"

dump "$T/v2.yml" "$T/d1.yml"
[ "$rc" = 0 ] || fail "-T: status $rc: $err"
echo "$err" | grep -q "^airlockd: the output holds 7 literal credential value(s) of $T/v2.yml as they are" ||
    fail "-T does not say that its output holds literal values: '$err'"
grep -qx "  idleTimeout: 90s" "$T/d1.yml" &&
    grep -qx "  maxStartups: \"10:50:20\"" "$T/d1.yml" &&
    grep -qx "  providerTimeout: 10s" "$T/d1.yml" &&
    grep -qx "  workerMemoryLimit: 64M" "$T/d1.yml" &&
    grep -qx "  perSourceMaxStartups: none" "$T/d1.yml" &&
    grep -qx "  worker: /.*/airlock-worker" "$T/d1.yml" ||
    fail "-T: the airlock section is not as expected: $(cat "$T/d1.yml")"
grep -qxF '      password: "a: b #c '"'d'"' \"e\" \\ \n  end"' "$T/d1.yml" &&
    grep -qxF "        get: \"$T/ca file.pem\"" "$T/d1.yml" &&
    grep -qxF '      application_name: "null"' "$T/d1.yml" &&
    grep -qxF '    connector: pg' "$T/d1.yml" &&
    grep -qxF '      socketMode: "0600"' "$T/d1.yml" &&
    grep -qxF '        - root' "$T/d1.yml" ||
    fail "-T: the services are not as expected: $(cat "$T/d1.yml")"
check "$T/d1.yml"
dump "$T/d1.yml" "$T/d2.yml"
[ "$rc" = 0 ] || fail "-T of -T's output: status $rc: $err"
cmp -s "$T/d1.yml" "$T/d2.yml" ||
    fail "-T of -T's output differs: $(diff "$T/d1.yml" "$T/d2.yml")"
ok "-T's output passes -t and prints the same again ($(wc -l <"$T/d1.yml") lines)"

# A version 1 file: its version 2 equivalent, and a fixed point too.
{
	airlock_head | sed '/^version:/d;/^services:/d'
	cat <<EOF
listeners:
  - name: db
    protocol: pg
    address: 127.0.0.1:$P2
handlers:
  - name: db
    listener: db
    credentials:
      - {name: username, provider: env, id: DB_USER}
      - {name: host, provider: env, id: DB_HOST}
EOF
} >"$T/v1.yml"
dump "$T/v1.yml" "$T/v1d.yml"
[ "$rc" = 0 ] || fail "-T of a version 1 file: status $rc: $err"
echo "$err" | grep -q "^warning: $T/v1.yml:.*version 1 file" ||
    fail "-T of a version 1 file: no warning: '$err'"
echo "$err" | grep -q "literal" &&
    fail "-T speaks of literal values where there are none: '$err'"
sed -n '/^services:/,$p' "$T/v1d.yml" >"$T/v1s.yml"
cat >"$T/want.yml" <<EOF
services:
  db:
    connector: pg
    listenOn: tcp://127.0.0.1:$P2
    credentials:
      host:
        from: env
        get: DB_HOST
      username:
        from: env
        get: DB_USER
EOF
cmp -s "$T/v1s.yml" "$T/want.yml" ||
    fail "-T of a version 1 file: $(diff "$T/want.yml" "$T/v1s.yml")"
check "$T/v1d.yml"
dump "$T/v1d.yml" "$T/v1d2.yml"
cmp -s "$T/v1d.yml" "$T/v1d2.yml" ||
    fail "-T of a converted file differs: $(diff "$T/v1d.yml" "$T/v1d2.yml")"
ok "-T of a version 1 file prints its version 2 equivalent, a fixed point"

# A file that does not load prints nothing on stdout.
sed 's/connector: pg/connector: nosuch/' "$T/v2.yml" >"$T/bad.yml"
dump "$T/bad.yml" "$T/bad.out"
[ "$rc" = 1 ] && [ ! -s "$T/bad.out" ] ||
    fail "-T of a bad file: status $rc, stdout '$(cat "$T/bad.out")'"
echo "$err" | grep -q "^$T/bad.yml:[0-9]*:[0-9]*: unknown connector" ||
    fail "-T of a bad file: '$err'"
ok "-T of a bad file: status 1, $err"
exit 0
