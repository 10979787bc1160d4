# airlockd -t checks a configuration: 0 for a good file; 1 for a bad one,
# with "FILE:LINE:COL: message" on stderr; a literal password in a bad
# file never appears in the error output.  A credential that is a libpq
# setting is an error; any other unknown one a warning, which -t prints and
# a start or a reload logs.
. "$(dirname "$0")/../lib.sh"

[ -x "$AIRLOCKD" ] || fail "$AIRLOCKD not built"
SECRET="lit-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s' "$SECRET" >"$T/pw"
export AIRLOCK_TEST_PW="$SECRET"

# check NAME: airlockd -t -f $T/NAME.yml; sets rc and out (stdout+stderr).
check()
{
	out=$(timeout 30 "$AIRLOCKD" -t -f "$T/$1.yml" 2>&1 </dev/null)
	rc=$?
}

# bad NAME [LINE...]: exit 1, "FILE:LINE:COL: " with one of the LINEs if
# given, and no secret in the output.
bad()
{
	check "$1"
	[ "$rc" = 1 ] || fail "$1: exit status $rc, expected 1; output: $out"
	echo "$out" | grep -F -q -- "$SECRET" &&
	    fail "$1: the secret is in the error output: $out"
	echo "$out" | grep -E -q "$T/$1.yml:[0-9]+:[0-9]+: " ||
	    fail "$1: no FILE:LINE:COL: in: $out"
	if [ $# -gt 1 ]; then
		_l=$(echo "$out" | sed -n "s|.*$T/$1.yml:\([0-9]*\):[0-9]*: .*|\1|p" |
		    head -n 1)
		shift
		case " $* " in
		*" $_l "*) ;;
		*) fail "error at line $_l, expected one of $*: $out" ;;
		esac
	fi
	ok "bad config refused: $out"
}

cat >"$T/good.yml" <<EOF
version: 2
airlock:
  user: $AIRLOCK_USER
  chroot: $(make_chroot)
services:
  pg-env:
    connector: pg
    listenOn: tcp://127.0.0.1:15432
    credentials:
      host: 127.0.0.1
      port: 5432
      username: scram_user
      password:
        from: env
        get: AIRLOCK_TEST_PW
      sslmode: disable
  pg-file:
    connector: pg
    listenOn: unix://$T/.s.PGSQL.15433
    credentials:
      host: localhost
      port: "5432"
      username: scram_user
      password: {from: file, get: $T/pw}
      sslmode: verify-full
      sslrootcert: {from: file, get: $T/pw}
      sslhost: localhost
    config:
      cleartextPassword: never
      socketMode: "0600"
  pg-literal:
    protocol: pg
    listenOn: tcp://127.0.0.1:15434
    credentials:
      host: 127.0.0.1
      username: clear_user
      password: $SECRET
EOF
check good
[ "$rc" = 0 ] || fail "good.yml: exit status $rc: $out"
echo "$out" | grep -F -q -- "$SECRET" && fail "good.yml: the secret is in the output: $out"
ok "good config accepted"

# The start of each bad file; the line numbers below count from here.
bad_start()
{
	cat <<EOF
version: 2
services:
  pg:
    listenOn: tcp://127.0.0.1:15432
EOF
}

{ bad_start; cat <<EOF
    connector: nosuch
    credentials:
      username: u
      password: $SECRET
EOF
} >"$T/connector.yml"
bad connector 5 3

# A YAML syntax error on the password's own line.
{ bad_start; cat <<EOF
    connector: pg
    credentials:
      username: u
      password: "$SECRET
      host: 127.0.0.1
EOF
} >"$T/syntax.yml"
bad syntax

# A sequence where a scalar belongs.
{ bad_start; cat <<EOF
    connector: pg
    credentials:
      username: u
      password: [$SECRET, x]
EOF
} >"$T/sequence.yml"
bad sequence 8

# An unknown provider; its reference is the secret.
{ bad_start; cat <<EOF
    connector: pg
    credentials:
      username: u
      password: {from: nosuchprovider, get: $SECRET}
EOF
} >"$T/provider.yml"
bad provider 8

# A bad listen address next to a literal password.
cat >"$T/listen.yml" <<EOF
version: 2
services:
  pg:
    connector: pg
    listenOn: tcp://127.0.0.1:notaport
    credentials:
      username: u
      password: $SECRET
EOF
bad listen 5

# A mapping where the top level wants a version.
cat >"$T/version.yml" <<EOF
version: 3
services: {}
EOF
bad version 1

# A libpq setting as a credential: refused where its name is, not sent.
{ bad_start; cat <<EOF
    connector: pg
    credentials:
      host: 127.0.0.1
      username: u
      sslpassword: {from: env, get: AIRLOCK_TEST_PW}
EOF
} >"$T/libpq.yml"
bad libpq 9
echo "$out" | grep -F -q ':9:7: service pg: credential "sslpassword" is a libpq setting that airlock does not support and would otherwise send to the server in clear' ||
    fail "libpq.yml: not the expected error: $out"

# Any other unknown credential: accepted, with a warning at its name.
{ bad_start; cat <<EOF
    connector: pg
    credentials:
      host: 127.0.0.1
      username: u
      search_path: {from: env, get: AIRLOCK_TEST_PW}
      application_name: app
EOF
} >"$T/startup.yml"
check startup
[ "$rc" = 0 ] || fail "startup.yml: exit status $rc: $out"
want="warning: $T/startup.yml:9:7: service pg: credential \"search_path\" is not a pg setting; it will be sent to the server as the startup parameter \"search_path\", as Secretless Broker does"
echo "$out" | grep -F -x -q -- "$want" || fail "startup.yml: no warning: $out"
[ "$(echo "$out" | grep -c warning)" = 1 ] ||
    fail "startup.yml: more than the one warning: $out"
echo "$out" | grep -F -q -- "$SECRET" && fail "startup.yml: the secret is in the output"
ok "unknown credential accepted with a warning: $(echo "$out" | head -n 1)"

# A start and a reload log the same warning.
{ airlock_head; cat <<EOF
  pg:
    connector: pg
    listenOn: tcp://127.0.0.1:$(free_port)
    credentials:
      host: 127.0.0.1
      username: u
      search_path: x
EOF
} >"$T/run.yml"
start_airlock "$T/run.yml"
wait_for_log "\[WARN\] $T/run.yml:[0-9]+:7: service pg: credential \"search_path\" is not a pg setting" 1 ||
    fail "the start did not log the warning"
reload_airlock HUP || fail "reload failed: $RELOAD_LINE"
[ "$(grep -c "credential \"search_path\" is not a pg setting" "$AIRLOCK_LOG")" = 2 ] ||
    fail "the reload did not log the warning again"
ok "a start and a reload log the warning"
stop_airlock

check nosuchfile
[ "$rc" = 1 ] || fail "a missing file: exit status $rc, expected 1: $out"
ok "missing file refused: $out"
exit 0
