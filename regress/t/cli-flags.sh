# The command line: -V, -version and --version print the version;
# -config-mgr takes configfile and refuses anything else with a message;
# -t checks a file (exit 0 and "configuration OK", or exit 1 and
# FILE:LINE:COLUMN); -debug logs at debug level; without -f the
# Secretless Broker search path is used (./secretless.yml, then
# ~/.secretless.yml), and a daemon started so (it changes to /) still
# reloads its file on SIGHUP.
. "$(dirname "$0")/../lib.sh"

[ -x "$AIRLOCKD" ] || fail "$AIRLOCKD not built"
VERSION=$(sed -n 's/^VERSION[ 	]*= *//p' "$TOP/Makefile")

# run ARGS...: airlockd with ARGS; sets rc and out (stdout and stderr).
run()
{
	out=$(timeout 30 "$AIRLOCKD" "$@" 2>&1 </dev/null)
	rc=$?
}

for v in -V -version --version; do
	run "$v"
	[ "$rc" -eq 0 ] && [ "$out" = "airlockd $VERSION" ] ||
	    fail "$v: status $rc, '$out'"
done
ok "-V, -version and --version print 'airlockd $VERSION'"

run -x
[ "$rc" -eq 1 ] || fail "an unknown flag: status $rc"
echo "$out" | grep -q "usage: airlockd .*-version.*-watch" &&
    echo "$out" | grep -q -- "-config-mgr configfile" ||
    fail "the usage does not list the Secretless flags: $out"
ok "an unknown flag gives the usage"

P=$(free_port)
cat >"$T/good.yml" <<EOF
$(airlock_head)
  pg:
    connector: pg
    listenOn: tcp://127.0.0.1:$P
    credentials: {host: 127.0.0.1, port: 5432, username: u}
EOF
sed 's/connector: pg/connector: nosuch/' "$T/good.yml" >"$T/bad.yml"
badline=$(grep -n "connector: nosuch" "$T/bad.yml" | cut -d: -f1)

run -t -f "$T/good.yml"
[ "$rc" -eq 0 ] || fail "-t on a good file: status $rc: $out"
run -t "-f=$T/good.yml"
[ "$rc" -eq 0 ] || fail "-t on a good file: status $rc: $out"
echo "$out" | grep -q "$T/good.yml: configuration OK" || fail "-t: '$out'"
run -t -f "$T/bad.yml"
[ "$rc" -eq 1 ] || fail "-t on a bad file: status $rc: $out"
echo "$out" | grep -q "^$T/bad.yml:$badline:[0-9]*: unknown connector nosuch" ||
    fail "-t on a bad file: '$out'"
ok "-t: 0 and 'configuration OK', or 1 and $(echo "$out" | cut -c1-60)..."

for m in "-config-mgr configfile" "--config-mgr=configfile"; do
	# shellcheck disable=SC2086
	run $m -t -f "$T/good.yml"
	[ "$rc" -eq 0 ] || fail "$m: status $rc: $out"
done
run -t -f "$T/good.yml" -config-mgr
[ "$rc" -eq 1 ] || fail "-config-mgr without a value: status $rc"
run -config-mgr kubernetes -t -f "$T/good.yml"
[ "$rc" -eq 1 ] || fail "-config-mgr kubernetes: status $rc"
echo "$out" | grep -q "config-mgr kubernetes: not supported.*configfile" ||
    fail "-config-mgr kubernetes: '$out'"
ok "-config-mgr configfile is accepted; kubernetes: $out"

# -f's value is a file name, even when it looks like a flag.
cp "$T/good.yml" "$T/-watch"
(cd "$T" && "$AIRLOCKD" -t -f -watch) >"$T/out" 2>&1 ||
    fail "-f -watch: $(cat "$T/out")"
ok "-f takes its value as a file name"

# -debug wins over the file's logLevel; -D alone does not.
sed 's/logLevel: debug/logLevel: info/' "$T/good.yml" >"$T/quiet.yml"
AIRLOCK_FLAGS=-D start_airlock "$T/quiet.yml"
grep -q "\[DEBUG\]" "$AIRLOCK_LOG" && fail "-D with logLevel info: debug lines"
stop_airlock
AIRLOCK_FLAGS=-debug start_airlock "$T/quiet.yml"
grep -q "\[DEBUG\]" "$AIRLOCK_LOG" || fail "-debug: no debug line"
stop_airlock
ok "-debug runs in the foreground at debug level"

# The search path.
mkdir -p "$T/wd" "$T/home" "$T/elsewhere"
sed "s/:$P\$/:$(free_port)/" "$T/good.yml" >"$T/home/.secretless.yml"
cp "$T/good.yml" "$T/wd/secretless.yml"
(cd "$T/wd" && HOME=$T/home "$AIRLOCKD" -t) >"$T/out" 2>&1 ||
    fail "-t without -f: $(cat "$T/out")"
grep -q "^secretless.yml: configuration OK" "$T/out" ||
    fail "without -f in $T/wd: $(cat "$T/out")"
(cd "$T/elsewhere" && HOME=$T/home "$AIRLOCKD" -t) >"$T/out" 2>&1 ||
    fail "-t without -f: $(cat "$T/out")"
grep -q "^$T/home/.secretless.yml: configuration OK" "$T/out" ||
    fail "without -f and ./secretless.yml: $(cat "$T/out")"
ok "without -f: ./secretless.yml, then ~/.secretless.yml"

# A daemon (no -d, no -D) started in $T/wd without -f.
(cd "$T/wd" && HOME=$T/home "$AIRLOCKD") >"$T/out" 2>&1 ||
    fail "the daemon did not start: $(cat "$T/out")"
n=100
while [ "$n" -gt 0 ] && [ -z "$(listen_inode "$P")" ]; do
	sleep 0.1
	n=$((n - 1))
done
# Whoever listens on the port: under valgrind the command is its tool's.
pid=$(ss -ltnpH "sport = :$P" | sed -n 's/.*",pid=\([0-9]*\),.*/\1/p' |
    head -n 1)
[ -n "$pid" ] || fail "no daemon listens on $P"
at_exit "kill $pid"
[ "$(readlink "/proc/$pid/cwd")" = / ] || fail "the daemon is not in /"
P2=$(free_port)
sed -i "s/:$P\$/:$P2/" "$T/wd/secretless.yml"
kill -HUP "$pid"
n=100
while [ "$n" -gt 0 ] && [ -z "$(listen_inode "$P2")" ]; do
	sleep 0.1
	n=$((n - 1))
done
[ -n "$(listen_inode "$P2")" ] ||
    fail "the daemon did not reload ./secretless.yml after changing to /"
[ -z "$(listen_inode "$P")" ] || fail "the daemon still listens on $P"
kill -TERM "$pid"
n=100
while [ "$n" -gt 0 ] && kill -0 "$pid" 2>/dev/null; do
	sleep 0.1
	n=$((n - 1))
done
kill -0 "$pid" 2>/dev/null && fail "the daemon did not stop"
ok "a daemon started without -f reloads ./secretless.yml from /"
exit 0
