# Each connection gets the worker its service needs, and no more: a
# plaintext PostgreSQL leg (sslmode disable) is served by
# airlock-worker-plain, which maps neither libssh nor OpenSSL's libraries;
# sslmode require by airlock-worker, which set TLS up; an ssh service by
# airlock-worker-ssh, the only image linked with libssh.  airlockd -t
# refuses a configuration with an ssh service when airlock-worker-ssh is
# not beside the worker, and any configuration when airlock-worker-plain
# is not (health's workers are its).
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/ssh.sh"

pg_start
ssh_sshd_start
P_PLAIN=$(free_port)
P_TLS=$(free_port)
FRONT_PORT=$(free_port)
S="password: {from: env, get: PG_SCRAM_PASSWORD}"
{
	pg_service plain "$P_PLAIN" scram_user disable "$S"
	pg_service tls "$P_TLS" scram_user require "$S"
	ssh_service front "$FRONT_PORT"
} >"$T/services.yml"
ssh_airlock <"$T/services.yml"

# session SERVICE PORT: a session that stays (WORKER_PID is its worker);
# its worker's own line says which executable it is and whether TLS is set
# up.
session()
{
	airlock_session "$2" "$1" "select pg_sleep(30)" "$T/$1.out"
	_label=$(sed -nE "s/.*\] ($1#[0-9]+): worker $WORKER_PID started.*/\1/p" \
	    "$AIRLOCK_LOG" | tail -n 1)
	KIND=$(grep -F "$_label" "$AIRLOCK_LOG" |
	    sed -nE 's/.*worker (airlock-worker[a-z-]*), TLS (.*)$/\1: TLS \2/p' |
	    tail -n 1)
}

# exe_is PID NAME: the process runs the executable NAME.
exe_is()
{
	_exe=$(readlink "/proc/$1/exe")
	[ "${_exe##*/}" = "$2" ] || fail "worker $1 runs $_exe, not $2"
}

# no_lib PID PATTERN: none of the process's mappings is a library of that
# name.
no_lib()
{
	grep -q "$2" "/proc/$1/maps" &&
	    fail "worker $1 maps $(grep -o "/[^ ]*$2[^ ]*" "/proc/$1/maps" |
	    head -n 1)"
	return 0
}

session plain "$P_PLAIN"
exe_is "$WORKER_PID" airlock-worker-plain
no_lib "$WORKER_PID" libssh
no_lib "$WORKER_PID" libssl
no_lib "$WORKER_PID" libcrypto
[ "$KIND" = "airlock-worker-plain: TLS not set up" ] ||
    fail "plain: the worker says '$KIND', not that it set no TLS up"
ok "sslmode disable: $KIND, without libssh, libssl, libcrypto (pid $WORKER_PID)"
# The same sandbox as the others' (libcommon's): a filter, no new privileges.
[ "$(proc_field "$WORKER_PID" Seccomp)" = 2 ] &&
    [ "$(proc_field "$WORKER_PID" NoNewPrivs)" = 1 ] ||
    fail "plain: worker $WORKER_PID is not sandboxed"
ok "airlock-worker-plain: seccomp filter, no_new_privs"
kill "$SESSION_PID"

session tls "$P_TLS"
[ "$KIND" = "airlock-worker: TLS set up" ] ||
    fail "tls: the worker says '$KIND', not that it set TLS up"
exe_is "$WORKER_PID" airlock-worker
out=$(airlock_psql "$P_TLS" "$PG_SSL_SQL" 2>&1)
[ "$out" = t ] || [ "$out" = true ] || fail "tls: the leg is not TLS: $out"
ok "sslmode require: $KIND, and the leg is TLS"
kill "$SESSION_PID"

ssh_bg "$T/ssh.out" -p "$FRONT_PORT" anyone@127.0.0.1 'echo up; sleep 30'
n=100
until grep -q up "$T/ssh.out" 2>/dev/null; do
	n=$((n - 1))
	[ "$n" -gt 0 ] || fail "ssh: no session: $(cat "$T/ssh.out")"
	sleep 0.1
done
W=$(ssh_worker_of front)
exe_is "$W" airlock-worker-ssh
grep -q libssh "/proc/$W/maps" || fail "ssh: worker $W maps no libssh"
ok "ssh: served by airlock-worker-ssh (pid $W)"
kill "$SSH_BG_PID"

# airlockd -t: the worker given, and nothing beside it but the plain one.
mkdir -m 0755 "$T/bin" && cp "$TOP/airlock-worker" "$T/bin/" &&
    chmod 0755 "$T/bin/airlock-worker" || fail "copy the worker"
{
	airlock_head "worker: $T/bin/airlock-worker"
	pg_service plain "$(free_port)" scram_user disable "$S"
} >"$T/pg-only.yml"
config_refused "$T/pg-only.yml" "no airlock-worker-plain beside the worker" \
    "worker executable $T/bin/airlock-worker-plain: "
cp "$TOP/airlock-worker-plain" "$T/bin/" &&
    chmod 0755 "$T/bin/airlock-worker-plain" || fail "copy the plain worker"
out=$("$AIRLOCKD" -t -f "$T/pg-only.yml" 2>&1) ||
    fail "a pg-only configuration needs no ssh worker: $out"
ok "airlockd -t: pg only, no airlock-worker-ssh needed"
{
	cat "$T/pg-only.yml"
	ssh_service front2 "$(free_port)"
} >"$T/with-ssh.yml"
config_refused "$T/with-ssh.yml" "an ssh service without airlock-worker-ssh" \
    "service front2 needs the worker executable $T/bin/airlock-worker-ssh"
exit 0
