# contrib/systemd/airlockd.service: systemd-analyze verify finds nothing
# to say (in a root made with make install, which also installs the man
# pages); its exposure is rated OK; airlockd works with only the unit's
# CapabilityBoundingSet and with no_new_privs: a worker's chroot and drop,
# a socketGroup (chown), TLS to the backend, a drain whose deadline kills
# a worker of another user; its LimitMEMLOCK carries the memfd_secret
# arena; and the unit's SystemCallFilter allows every call of the measured
# profile in contrib/seccomp/.
. "$(dirname "$0")/../lib.sh"

U=$TOP/contrib/systemd/airlockd.service
command -v systemd-analyze >/dev/null || skip "no systemd-analyze"
R=$T/root
make -s -C "$TOP" install DESTDIR="$R" >"$T/install.out" 2>&1 ||
    fail "make install: $(cat "$T/install.out")"
for f in usr/local/sbin/airlockd usr/local/libexec/airlock/airlock-worker \
    usr/local/libexec/airlock/airlock-worker-ssh \
    usr/local/libexec/airlock/airlock-worker-plain \
    usr/local/share/man/man8/airlockd.8 \
    usr/local/share/man/man5/airlock.yml.5; do
	[ -f "$R/$f" ] || fail "make install did not install /$f"
done
[ -d "$R/var/empty/airlock" ] || fail "make install: no /var/empty/airlock"
ok "make install: the daemons, both man pages, the workers' chroot"

# verify resolves the unit's dependencies and commands inside the root.
mkdir -p "$R/etc/systemd/system" "$R/usr/lib/systemd" "$R/usr/bin"
cp -a /usr/lib/systemd/system "$R/usr/lib/systemd/"
cp "$(readlink -f /bin/kill)" "$R/usr/bin/kill"
ln -s usr/bin "$R/bin"
cp "$U" "$R/etc/systemd/system/"
systemd-analyze verify --root="$R" --man=no airlockd.service \
    >"$T/verify.out" 2>&1 || fail "verify: $(cat "$T/verify.out")"
[ -s "$T/verify.out" ] && fail "verify has something to say: $(cat "$T/verify.out")"
ok "systemd-analyze verify: nothing to say"
systemd-analyze security --offline=true --root="$R" --threshold=30 \
    airlockd.service >"$T/security.out" 2>&1 ||
    fail "exposure above 3.0: $(tail -n 1 "$T/security.out")"
ok "$(tail -n 1 "$T/security.out" | sed 's/^→ //')"

# The system call filter: groups expanded by systemd itself.
expand()
{
	systemd-analyze syscall-filter "$1" | sed 1d | grep -v '^ *#' |
	    sed 's/^ *//' | grep -v '^$' |
	while read -r n; do
		case $n in
		@*) expand "$n" ;;
		*) echo "$n" ;;
		esac
	done
}
filter=$(sed -n 's/^SystemCallFilter=//p' "$U")
[ -n "$filter" ] || fail "no SystemCallFilter="
for g in $filter; do
	case $g in @*) expand "$g" ;; *) echo "$g" ;; esac
done | sort -u >"$T/unit.calls"
jq -r '.syscalls[].names[]' "$TOP/contrib/seccomp/airlockd.json" | sort -u |
    comm -23 - "$T/unit.calls" >"$T/missing"
[ -s "$T/missing" ] && fail "SystemCallFilter= lacks: $(tr '\n' ' ' <"$T/missing")"
ok "SystemCallFilter= ($filter) allows the whole measured profile"

require_root
command -v setpriv >/dev/null || skip "no setpriv"
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$U" | tr 'A-Z' 'a-z' |
    sed -e 's/cap_/+/g' -e 's/ /,/g')
[ -n "$caps" ] || fail "no CapabilityBoundingSet="
grep -qx 'NoNewPrivileges=yes' "$U" || fail "NoNewPrivileges=yes expected"

. "$TOP/regress/pg.sh"
pg_start
S=$T/sock
mkdir -m 0755 "$S"
PT=$(free_port)
PU=$(free_port)
{
	airlock_head "drainTimeout: 1s"
	pg_service unit-tcp "$PT" scram_user require \
	    "password: {from: env, get: PG_SCRAM_PASSWORD}"
	pg_service unit-unix "unix://$S/.s.PGSQL.$PU" trust_user disable
	echo "    config:"
	echo "      socketGroup: $(id -gn "$AIRLOCK_USER")"
} >"$T/airlock.yml"
# LimitMEMLOCK: without CAP_IPC_LOCK, the memfd_secret arena (16M by
# default) must fit in it.  Raising the hard limit to it takes
# CAP_SYS_RESOURCE, which a container may not give the test.
memlock=$(sed -n 's/^LimitMEMLOCK=\([0-9]*\)M$/\1/p' "$U")
[ -n "$memlock" ] || fail "no LimitMEMLOCK= in megabytes"
limit=
if prlimit --memlock=$((memlock << 20)) true 2>/dev/null; then
	limit="prlimit --memlock=$((memlock << 20))"
else
	echo "note: RLIMIT_MEMLOCK cannot be raised to ${memlock}M here" \
	    "(hard limit $(ulimit -Hl) KiB): airlockd runs under that one"
fi
printf '#!/bin/sh\nexec %s setpriv --no-new-privs --inh-caps=-all --bounding-set=-all,%s "%s" "$@"\n' \
    "$limit" "$caps" "$AIRLOCKD" >"$T/airlockd"
chmod 0755 "$T/airlockd"
AIRLOCKD=$T/airlockd start_airlock "$T/airlock.yml"
grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$AIRLOCK_PID/status" ||
    fail "airlockd does not have no_new_privs"
[ "$(stat -c %G "$S/.s.PGSQL.$PU")" = "$(id -gn "$AIRLOCK_USER")" ] ||
    fail "socketGroup was not applied"
out=$(airlock_psql "$PT" "select current_user" 2>&1) ||
    fail "psql over TCP with the unit's capabilities: $out"
[ "$out" = scram_user ] || fail "TCP: current_user is '$out'"
out=$(pg_psql "host=$S port=$PU dbname=postgres" "select current_user" 2>&1) ||
    fail "psql over the Unix socket with the unit's capabilities: $out"
[ "$out" = trust_user ] || fail "Unix: current_user is '$out'"
ok "sessions with only $caps and no_new_privs"
if [ -n "$limit" ]; then
	want=$(secret_memory_expected)
	[ "$(secret_backing)" = "$want" ] || fail "with LimitMEMLOCK=" \
	    "${memlock}M and no CAP_IPC_LOCK, airlockd does not use $want:" \
	    "$(grep 'secret memory' "$AIRLOCK_LOG")"
	ok "LimitMEMLOCK=${memlock}M carries the default arena: secrets in" \
	    "$want memory"
fi

# The drain deadline (1 s) ends a session that would take 30 s: airlockd
# must be able to kill a worker that runs as another user.
airlock_session "$PT" unit-tcp "select pg_sleep(30)" "$T/s.out"
kill -TERM "$AIRLOCK_PID"
wait_for_log "drain deadline passed" 5 || fail "no drain deadline"
n=50
while [ "$n" -gt 0 ] && kill -0 "$WORKER_PID" 2>/dev/null; do
	sleep 0.1
	n=$((n - 1))
done
kill -0 "$WORKER_PID" 2>/dev/null &&
    fail "worker $WORKER_PID still alive 5 s after the drain deadline"
ok "the drain deadline killed the worker (CAP_KILL)"
exit 0
