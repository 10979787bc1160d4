# airlockd started as an ordinary user says that it is not root, skips the
# chroot and the change of user, and its workers still run with
# no_new_privs and the seccomp filter.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
skip_under valgrind "starts its own copy of airlockd (through setpriv), not through AIRLOCKD: nothing of it would run under valgrind"

require_root
command -v setpriv >/dev/null || skip "setpriv (util-linux) not found"

# The binaries where nobody may run them: a fresh clone may sit in a
# directory that only root can enter.
mkdir "$T/bin"
cp "$TOP/airlockd" "$TOP/airlock-worker" "$TOP/airlock-worker-plain" "$T/bin/"
cat >"$T/bin/airlockd-as-nobody" <<EOF
#!/bin/sh
exec setpriv --reuid=nobody --regid=nogroup --clear-groups \
    --inh-caps=-all --bounding-set=-all -- $T/bin/airlockd "\$@"
EOF
chmod 0755 "$T/bin" "$T/bin/airlockd-as-nobody"
AIRLOCKD=$T/bin/airlockd-as-nobody
# In the ASan build its report would go to the log directory (run.sh).
chmod 1777 "$AIRLOCK_LOGDIR"

pg_start
P=$(free_port)
{
	airlock_head
	pg_service pg-trust "$P" trust_user disable
} >"$T/airlock.yml"
chmod 0644 "$T/airlock.yml"
start_airlock "$T/airlock.yml"

grep -q "not running as root" "$AIRLOCK_LOG" ||
    fail "airlockd did not say that it is not root"
ok "airlockd says it is not root"

airlock_session "$P" pg-trust "select pg_sleep(3)" "$T/s1" 5
s1=$SESSION_PID
w=$WORKER_PID
st=/proc/$w/status
nobody_uid=$(id -u nobody)
grep -Eq "^Uid:[[:space:]]+$nobody_uid[[:space:]]+$nobody_uid[[:space:]]+$nobody_uid[[:space:]]+$nobody_uid\$" "$st" ||
    fail "worker uid: $(grep ^Uid "$st")"
grep -Eq '^NoNewPrivs:[[:space:]]+1$' "$st" || fail "worker NoNewPrivs: $(grep NoNewPrivs "$st")"
grep -Eq '^Seccomp:[[:space:]]+2$' "$st" || fail "worker Seccomp: $(grep ^Seccomp: "$st")"
grep -Eq '^CapEff:[[:space:]]+0+$' "$st" || fail "worker CapEff: $(grep CapEff "$st")"
ok "worker $w: uid nobody, NoNewPrivs 1, Seccomp 2, no capabilities"
wait "$s1" || fail "the session failed: $(cat "$T/s1")"
ok "the session through an unprivileged airlockd worked"
exit 0
