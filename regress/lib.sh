# Shared helpers for the scripts in regress/t/ (sourced, POSIX sh).
#
# A test script in regress/t/ does:
#	. "$(dirname "$0")/../lib.sh"
# and gets: $TOP (the repository), $T (a temporary directory, removed at
# exit unless KEEP=1), $AIRLOCKD, $AIRLOCK_USER, $AIRLOCK_LOGDIR (the test's
# log directory, which outlives it: regress/run.sh gives it), and the
# functions below.
# Everything a test starts with these helpers is stopped when it exits,
# whichever way it exits.  Exit status: 0 pass, 1 fail, 77 skip.

# The repository: the nearest directory above the script with regress/lib.sh.
TOP=$(cd "$(dirname "$0")" && pwd)
while [ "$TOP" != / ] && [ ! -f "$TOP/regress/lib.sh" ]; do
	TOP=$(dirname "$TOP")
done
TEST_NAME=$(basename "$0" .sh)
AIRLOCKD=${AIRLOCKD:-$TOP/airlockd}

if getent passwd _airlock >/dev/null 2>&1; then
	AIRLOCK_USER=_airlock
else
	AIRLOCK_USER=nobody
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/airlock-$TEST_NAME.XXXXXX") || exit 1
# Other users (postgres, the worker user) must be able to reach into it.
chmod 0755 "$T"

# The test's log directory: run.sh's, where the sanitizer runs write their
# reports too (regress/sanitize.sh); without run.sh, in $T (KEEP=1).
if [ -z "${AIRLOCK_LOGDIR:-}" ]; then
	AIRLOCK_LOGDIR=$T/log
	mkdir "$AIRLOCK_LOGDIR" || exit 1
fi
export AIRLOCK_LOGDIR

AIRLOCK_PID=
AIRLOCK_PIDS=
AIRLOCK_LOG=$T/airlock.log
AIRLOCK_LOGS=
CLEANUP=

# at_exit CMD: run CMD (a string) at exit, most recently added first.
at_exit()
{
	CLEANUP="$1
$CLEANUP"
}

cleanup()
{
	rc=$?
	trap - EXIT INT TERM HUP PIPE
	for p in $AIRLOCK_PIDS; do
		stop_airlock_pid "$p"
	done
	for l in $AIRLOCK_LOGS; do
		keep_log "$l"
	done
	echo "$CLEANUP" | while IFS= read -r c; do
		[ -n "$c" ] && eval "$c" >/dev/null 2>&1
	done
	if [ "${KEEP:-0}" = 1 ]; then
		echo "kept $T"
	else
		rm -rf "$T"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
# Output piped into head(1) must not leave servers behind.
trap 'exit 141' PIPE

say()
{
	echo "$TEST_NAME: $*"
}

ok()
{
	echo "ok: $*"
}

fail()
{
	echo "FAIL: $*" >&2
	if [ -n "$AIRLOCK_PIDS" ] && [ -s "$AIRLOCK_LOG" ]; then
		echo "--- last lines of $AIRLOCK_LOG:" >&2
		tail -n 20 "$AIRLOCK_LOG" >&2
	fi
	exit 1
}

skip()
{
	echo "skip: $*"
	exit 77
}

# skip_under MODES REASON: skip this test in the sanitizer runs named in
# MODES ("asan", "valgrind" or both) of regress/sanitize.sh, saying why.
skip_under()
{
	for _m in $1; do
		[ "$_m" = "${AIRLOCK_SANITIZE:-}" ] &&
		    skip "$2 (sanitize.sh $_m)"
	done
	return 0
}

# keep_log LOG: a copy of an airlockd log in the test's log directory, as
# airlockd.N.log: a worker's sanitizer report is in it (reports.sh).
keep_log()
{
	[ -s "$1" ] || return 0
	_n=1
	while [ -e "$AIRLOCK_LOGDIR/airlockd.$_n.log" ]; do
		_n=$((_n + 1))
	done
	cp "$1" "$AIRLOCK_LOGDIR/airlockd.$_n.log"
}

# require_root: the sandbox needs it (chroot, setuid).
require_root()
{
	[ "$(id -u)" -eq 0 ] || skip "must run as root"
}

# free_port: print a TCP port on 127.0.0.1 that nothing uses now and that
# this test has not handed out before (remembered in a file: callers use
# $(free_port)).  Below the usual ephemeral range, so that outgoing
# connections do not take it in the meantime.  Tests that run at once
# (regress/run.sh -j) each draw from their own slot's share of the range,
# so that two of them never pick the same port before either binds it.
free_port()
{
	touch "$T/ports.given"
	_used=$(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
	    awk 'NR > 1 { split($2, a, ":"); print a[2] }')
	_span=$((12000 / ${AIRLOCK_TEST_SLOTS:-1}))
	_base=$((20000 + ${AIRLOCK_TEST_SLOT:-0} * _span))
	for _i in $(seq 1 200); do
		_r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		_p=$((_base + _r % _span))
		_hex=$(printf '%04X' "$_p")
		grep -qx "$_p" "$T/ports.given" && continue
		if ! echo "$_used" | grep -qx "$_hex"; then
			echo "$_p" >>"$T/ports.given"
			echo "$_p"
			return 0
		fi
	done
	fail "no free TCP port found"
}

# make_chroot [DIR]: an empty directory for the worker's chroot (root-owned,
# 0755); prints its path.  Default $T/empty.
make_chroot()
{
	_d=${1:-$T/empty}
	mkdir -p "$_d" && chown root:root "$_d" && chmod 0755 "$_d" ||
	    fail "cannot create chroot $_d"
	echo "$_d"
}

# airlock_head [SETTING...]: the start of a configuration file (up to
# "services:"), with a fresh chroot, debug logging, and SETTINGs ("key:
# value") added to the airlock: section; a SETTING replaces the default of
# the same key (handshakeTimeout, drainTimeout, logLevel, health).  The
# health listener is off unless a test asks for it: its default address,
# 127.0.0.1:5335, would be shared by every test that runs.
airlock_head()
{
	_chroot=$(make_chroot)
	cat <<EOF
version: 2
airlock:
  user: $AIRLOCK_USER
  chroot: $_chroot
EOF
	# Defaults for tests, unless an argument sets the same key.
	# stateDirectory: the ssh connector's front host key is made there.
	for _d in "handshakeTimeout: 10s" "drainTimeout: 5s" "logLevel: debug" \
	    "health: off" "stateDirectory: $T/state"; do
		_k=${_d%%:*}
		case " $* " in
		*" $_k:"*) ;;
		*) echo "  $_d" ;;
		esac
	done
	for _s in "$@"; do
		echo "  $_s"
	done
	echo "services:"
}

# wait_for_log PATTERN [TIMEOUT [FILE [FROM]]]: wait until an extended
# regular expression appears in the log (default: airlockd's), 10 s by
# default; in its lines from number FROM on, if given.
wait_for_log()
{
	_pat=$1
	_n=$(( ${2:-10} * 10 ))
	_f=${3:-$AIRLOCK_LOG}
	while [ "$_n" -gt 0 ]; do
		tail -n "+${4:-1}" "$_f" 2>/dev/null | grep -Eq -- "$_pat" &&
		    return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

# start_airlock CONFIG [LOG]: start airlockd in the foreground with debug
# logging (AIRLOCK_FLAGS, default -d), in the background of this script, and
# wait for it to be ready.
# Sets AIRLOCK_PID and AIRLOCK_LOG.
start_airlock()
{
	[ -x "$AIRLOCKD" ] || fail "$AIRLOCKD not built"
	AIRLOCK_LOG=${2:-$T/airlock.log}
	# A log used again: what an airlockd wrote there before is kept.
	case " $AIRLOCK_LOGS " in
	*" $AIRLOCK_LOG "*) keep_log "$AIRLOCK_LOG" ;;
	*) AIRLOCK_LOGS="$AIRLOCK_LOGS $AIRLOCK_LOG" ;;
	esac
	: >"$AIRLOCK_LOG"
	# shellcheck disable=SC2086
	"$AIRLOCKD" ${AIRLOCK_FLAGS:--d} -f "$1" >>"$AIRLOCK_LOG" 2>&1 </dev/null &
	AIRLOCK_PID=$!
	AIRLOCK_PIDS="$AIRLOCK_PIDS $AIRLOCK_PID"
	_n=100
	while [ "$_n" -gt 0 ]; do
		if grep -q "airlockd ready" "$AIRLOCK_LOG" 2>/dev/null; then
			return 0
		fi
		kill -0 "$AIRLOCK_PID" 2>/dev/null || break
		sleep 0.1
		_n=$((_n - 1))
	done
	if kill -0 "$AIRLOCK_PID" 2>/dev/null; then
		fail "airlockd not ready after 10 s"
	fi
	wait "$AIRLOCK_PID"
	_rc=$?
	AIRLOCK_PIDS=$(echo "$AIRLOCK_PIDS" | sed "s/ $AIRLOCK_PID\$//")
	fail "airlockd exited with status $_rc before it was ready"
}

# stop_airlock_pid PID: SIGTERM, wait up to 10 s, then SIGKILL.
stop_airlock_pid()
{
	kill -TERM "$1" 2>/dev/null || return 0
	_n=100
	while [ "$_n" -gt 0 ] && kill -0 "$1" 2>/dev/null; do
		sleep 0.1
		_n=$((_n - 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		echo "airlockd $1 still running 10 s after SIGTERM; SIGKILL" >&2
		kill -KILL "$1" 2>/dev/null
	fi
	wait "$1" 2>/dev/null
	return 0
}

# stop_airlock: stop the airlockd started last.
stop_airlock()
{
	[ -n "$AIRLOCK_PID" ] || return 0
	stop_airlock_pid "$AIRLOCK_PID"
	AIRLOCK_PIDS=$(echo "$AIRLOCK_PIDS" | sed "s/ $AIRLOCK_PID\$//")
	AIRLOCK_PID=
}

# listen_inode PORT: the inode of the socket listening on 127.0.0.1:PORT
# (empty if none): a socket kept across a reload keeps its inode.
listen_inode()
{
	awk -v p="$(printf '%04X' "$1")" 'NR > 1 && $4 == "0A" {
		split($2, a, ":"); if (a[1] == "0100007F" && a[2] == p) print $10
	}' /proc/net/tcp
}

# reload_airlock SIGNAL: send SIGNAL (HUP, USR1) to airlockd and wait for
# the reload to end, either way; true if it succeeded.  RELOAD_LINE is the
# log line that said so.
reload_airlock()
{
	_from=$(($(wc -l <"$AIRLOCK_LOG") + 1))
	kill "-$1" "$AIRLOCK_PID" || fail "kill -$1 $AIRLOCK_PID"
	_n=100
	while [ "$_n" -gt 0 ]; do
		RELOAD_LINE=$(tail -n "+$_from" "$AIRLOCK_LOG" |
		    grep -E -m 1 "\] (reloaded |reload failed: )")
		[ -n "$RELOAD_LINE" ] && break
		sleep 0.1
		_n=$((_n - 1))
	done
	[ -n "$RELOAD_LINE" ] || fail "SIG$1: no reload within 10 s"
	case "$RELOAD_LINE" in
	*"] reloaded "*) return 0 ;;
	*) return 1 ;;
	esac
}

# wait_pid PID SECONDS: wait for a background process of this shell, at
# most SECONDS; its exit status, or 124 if it was still running (then
# killed).
wait_pid()
{
	_n=$(($2 * 10))
	while [ "$_n" -gt 0 ] && kill -0 "$1" 2>/dev/null; do
		sleep 0.1
		_n=$((_n - 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		return 124
	fi
	wait "$1"
}

# WORKER_COMM: the comm of airlock's worker executables as an extended
# regular expression for pgrep -x; the kernel cuts it to 15 bytes, so
# airlock-worker-ssh and airlock-worker-plain are both airlock-worker-.
WORKER_COMM='airlock-worker-?'

# is_worker PID: PID is a live process of a worker executable.
is_worker()
{
	case $(cat "/proc/$1/comm" 2>/dev/null) in
	airlock-worker|airlock-worker-) return 0 ;;
	*) return 1 ;;
	esac
}

# airlock_alive: airlockd (the last one started) is still running.
airlock_alive()
{
	[ -n "$AIRLOCK_PID" ] && kill -0 "$AIRLOCK_PID" 2>/dev/null
}

# config_refused FILE WHAT ERE [ENV-ARG...]: airlockd -t of FILE, under
# env(1) with ENV-ARGs (a provider's settings), must fail with a line that
# matches the extended regular expression ERE; its output is left in $out.
config_refused()
{
	_cf=$1
	_what=$2
	_pat=$3
	shift 3
	out=$(env "$@" timeout 30 "$AIRLOCKD" -t -f "$_cf" 2>&1) &&
	    fail "$_what: airlockd -t accepted it: $out"
	echo "$out" | grep -E -q -- "$_pat" ||
	    fail "$_what: unexpected message: $out"
	ok "$_what: $out"
}

# airlock_environ_lacks VALUE WHAT: fail unless VALUE has left airlockd's
# /proc/PID/environ.  Under valgrind that file is valgrind's own copy,
# which airlockd never sees: a note instead.
airlock_environ_lacks()
{
	if [ "${AIRLOCK_SANITIZE:-}" = valgrind ]; then
		echo "note: valgrind: /proc/PID/environ is valgrind's, not" \
		    "airlockd's"
		return 0
	fi
	[ -r "/proc/$AIRLOCK_PID/environ" ] ||
	    fail "cannot read airlockd's environ"
	tr '\0' '\n' <"/proc/$AIRLOCK_PID/environ" | grep -F -q -- "$1" &&
	    fail "$2 is in airlockd's /proc/PID/environ"
	ok "$2 is not in airlockd's environment"
}

# proc_field PID NAME: a field of /proc/PID/status ("Uid", "CapEff", ...).
proc_field()
{
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print; exit }' \
	    "/proc/$1/status"
}

# proc_limit PID NAME: the soft limit of /proc/PID/limits ("Max open files").
proc_limit()
{
	awk -v l="$2" 'index($0, l) == 1 { print $(NF - 2); exit }' \
	    "/proc/$1/limits"
}

# secret_memory_profile ERRNO FILE: a container seccomp profile (for
# regress/tools/seccompload) that allows every call but memfd_secret,
# which fails with the errno numbered ERRNO (38 ENOSYS, 1 EPERM), or
# allows it too with ERRNO 0.
secret_memory_profile()
{
	_r=
	[ "$1" -eq 0 ] || _r="{\"names\": [\"memfd_secret\"],
	    \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": $1}"
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "archMap": [%s, %s],
	    "syscalls": [%s]}\n' '{"architecture": "SCMP_ARCH_X86_64"}' \
	    '{"architecture": "SCMP_ARCH_AARCH64"}' "$_r" >"$2"
}

# secret_memory_expected: what an airlockd with secretMemory auto keeps its
# secrets in here: memfd_secret where this kernel gives it (5.14 and later,
# secretmem enabled, no filter of ours refusing it), else libsodium; and
# libsodium under valgrind 3.19, which does not know the call (ENOSYS).
secret_memory_expected()
{
	secret_memory_profile 0 "$T/allow-all.json"
	if [ "${AIRLOCK_SANITIZE:-}" != valgrind ] &&
	    [ "$("$TOP/regress/tools/seccompload" -p "$T/allow-all.json" \
	    memfd_secret 524288 2>&1)" = "memfd_secret: ok" ]; then
		echo memfd_secret
	else
		echo libsodium
	fi
}

# secret_backing: what the last airlockd started says it keeps its secrets
# in (its start-up line): memfd_secret or libsodium.
secret_backing()
{
	sed -n 's/.*\] secret memory: \(memfd_secret\|libsodium\) .*/\1/p' \
	    "$AIRLOCK_LOG" | head -n 1
}

# rogue_killed NAME WHY: the rogue worker of service NAME
# (regress/tools/rogueworker, its report in $T/report.NAME) got to its
# violation, was killed for a reason that says WHY, and was answered
# nothing after it; $killed is the log's reason.
rogue_killed()
{
	_rep=$T/report.$1
	grep -q "(violation)" "$_rep" ||
	    fail "$1: the rogue never got to its violation: $(cat "$_rep")"
	wait_for_log "\] $1#[0-9]+: worker [0-9]+ killed: " 5 ||
	    fail "$1: not killed: $(cat "$_rep")"
	awk 'seen { print } /\(violation\)/ { seen = 1 }' "$_rep" |
	    grep -q "^received" && fail "$1: answered: $(cat "$_rep")"
	killed=$(grep -E "\] $1#[0-9]+: worker [0-9]+ killed: " \
	    "$AIRLOCK_LOG" | sed 's/.* killed: //')
	echo "$killed" | grep -qF -- "$2" ||
	    fail "$1: killed, but not because '$2': $killed"
}

# tls_openssl_cnf FILE: the openssl req and x509 sections that the tests'
# certificates are made with: ca, server (localhost, 127.0.0.1), client.
tls_openssl_cnf()
{
	cat >"$1" <<'CNF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = airlock test
[ ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
[ client ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
CNF
}
