# The AppArmor profiles of contrib/apparmor.  This kernel has no AppArmor
# (nor, maybe, the CI's), so they cannot be enforced here: apparmor_parser
# parses and compiles each one (and refuses a broken copy), then airlockd
# runs under strace in front of a throwaway PostgreSQL, laid out as
# installed (a tree under $T/root: /usr/sbin, /usr/libexec/airlock,
# /etc/airlock, /run/airlock, /run/secrets, /var/empty/airlock), with a
# plain and a TLS backend, a TCP and a Unix listener, passwords from files,
# /metrics and a reload; regress/tools/aacheck.py replays every file access
# and socket of airlockd and of its workers against the profiles.  Last,
# the worker's profile must refuse what a worker must never do.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/apparmor.sh"

skip_under "asan valgrind" "the sanitizer's runtime opens files of its own, which the profiles do not allow; the plain run checks airlockd's"
require_root
command -v apparmor_parser >/dev/null || skip "no apparmor_parser (apt-get install apparmor)"
command -v strace >/dev/null || skip "no strace"
AA=$TOP/contrib/apparmor
CHECK="/usr/bin/python3 $TOP/regress/tools/aacheck.py"

# 1. The parser: -Q compiles without loading (no kernel needed), -K
# leaves the cache alone; the includes come from /etc/apparmor.d.
for f in "$AA"/*; do
	out=$(apparmor_parser -Q -K "$f" 2>&1) ||
	    fail "apparmor_parser $(basename "$f"): $out"
done
ok "apparmor_parser -Q -K compiles $(ls "$AA" | tr '\n' ' ')"
sed 's/capability setuid,/capability setuid/' "$AA/usr.sbin.airlockd" \
    >"$T/broken"
apparmor_parser -Q -K "$T/broken" >/dev/null 2>&1 &&
    fail "apparmor_parser accepted a rule without its comma"
ok "apparmor_parser refuses a broken copy"

# The capabilities: airlockd's are the systemd unit's bounding set (which
# says why each) and CAP_NET_BIND_SERVICE, the workers' those of the drop.
caps()
{
	sed -n 's/^ *capability \([a-z_]*\),$/\1/p' "$1" | sort | tr '\n' ' '
}
unit=$(sed -n 's/^CapabilityBoundingSet=//p' "$TOP/contrib/systemd/airlockd.service" |
    tr ' ' '\n' | sed 's/^CAP_//' | tr 'A-Z' 'a-z')
want=$(printf '%s\nnet_bind_service\n' "$unit" | sort | tr '\n' ' ')
[ "$(caps "$AA/usr.sbin.airlockd")" = "$want" ] ||
    fail "airlockd's capabilities: $(caps "$AA/usr.sbin.airlockd"), the unit's: $want"
[ "$(caps "$AA/usr.libexec.airlock.airlock-worker")" = \
    "setgid setpcap setuid sys_chroot " ] ||
    fail "the worker's capabilities: $(caps "$AA/usr.libexec.airlock.airlock-worker")"
ok "capabilities: airlockd's are the unit's and net_bind_service; the workers' the drop's"

# 2. The glob matcher of aacheck.py, on AppArmor's rules (apparmor.d(5)).
glob()
{
	$CHECK --glob "$1" "$2"
	[ $? -eq "$3" ] || fail "glob '$1' on '$2': expected $3"
}
glob '/etc/airlock/**' /etc/airlock/a/b.yml 0
glob '/etc/airlock/**' /etc/airlock/ 1
glob '/etc/airlock/{,**}' /etc/airlock/ 0
glob '/etc/*' /etc/passwd 0
glob '/etc/*' /etc/ssl/certs 1
glob '/etc/*' /etc/ 1
glob '/usr/{,local/}sbin/airlockd' /usr/local/sbin/airlockd 0
glob '/usr/{,local/}sbin/airlockd' /usr/bin/airlockd 1
glob '/x/airlock-worker{,-plain,-ssh}' /x/airlock-worker-ssh 0
glob '/x/airlock-worker{,-plain,-ssh}' /x/airlock-worker-sh 1
glob '@{PROC}/@{pid}/status' /proc/4242/status 0
glob '@{PROC}/@{pid}/status' /proc/self/status 1
glob '/dev/tty[0-9]?' /dev/tty12 0
glob '/dev/tty[0-9]?' /dev/ttyS1 1
ok "aacheck's globs: *, **, ?, [...], {a,b}, @{VAR}"

# 3. airlockd, installed under $T/root, traced.
pg_start
R=$T/root
mkdir -p "$R/usr/sbin" "$R/usr/libexec/airlock" "$R/etc/airlock" \
    "$R/run/airlock" "$R/run/secrets" "$R/var/lib" "$R/var/empty/airlock"
chmod -R 0755 "$R"
cp "$TOP/airlockd" "$R/usr/sbin/"
cp "$TOP"/airlock-worker "$TOP"/airlock-worker-plain "$TOP"/airlock-worker-ssh \
    "$R/usr/libexec/airlock/"
(umask 077
printf '%s' "$PG_SCRAM_PASSWORD" >"$R/etc/airlock/scram.pw"
printf '%s' "$PG_TLS_PASSWORD" >"$R/run/secrets/tls.pw")
cp "$PG_CA" "$R/etc/airlock/ca.crt"
P=$(free_port)
H=$(free_port)
{
	airlock_head "health: 127.0.0.1:$H" \
	    "worker: $R/usr/libexec/airlock/airlock-worker" \
	    "stateDirectory: $R/var/lib/airlock" |
	    sed "s|chroot: .*|chroot: $R/var/empty/airlock|"
	pg_service plain "$P" scram_user disable \
	    "password: {from: file, get: $R/etc/airlock/scram.pw}"
	pg_service tls "unix://$R/run/airlock/.s.PGSQL.5432" tls_user \
	    verify-full "password: {from: file, get: $R/run/secrets/tls.pw}" \
	    "sslrootcert: {from: file, get: $R/etc/airlock/ca.crt}"
} >"$R/etc/airlock/airlock.yml"
start_airlock_traced "$R/usr/sbin/airlockd" "$R/etc/airlock/airlock.yml"

out=$(airlock_psql "$P" "select current_user") && [ "$out" = scram_user ] ||
    fail "psql through the TCP listener: $out"
tls()
{
	pg_psql "host=$R/run/airlock port=5432 dbname=postgres user=x" \
	    "select current_user || ' ' || ($PG_SSL_SQL)"
}
out=$(tls) && [ "$out" = "tls_user true" ] ||
    fail "psql through the Unix listener to a TLS backend: $out"
curl -s --max-time 10 "http://127.0.0.1:$H/metrics" | grep -q '^airlock_' ||
    fail "/metrics"
reload_airlock HUP || fail "reload: $RELOAD_LINE"
out=$(tls) && [ "$out" = "tls_user true" ] || fail "after the reload: $out"
stop_airlock
wait "$STRACE_PID"
ok "airlockd traced: psql over TCP and Unix, TLS backend, /metrics, SIGHUP"

grep -q "execve(\"$R/usr/libexec/airlock/airlock-worker" "$T/strace.log" ||
    fail "no worker in the trace"
# The tree stands for /; the directories above it for / too.
MAPS="--map $R= --map $T=/ --map $(dirname "$T")=/"
# shellcheck disable=SC2086
aa_allowed $MAPS "$AA"/*
ok "every access of airlockd and its workers is allowed: $AA_CHECKED"
# Without its rule for the Unix listeners, the same trace must fail.
grep -v '^  /run/airlock/' "$AA/usr.sbin.airlockd" >"$T/usr.sbin.airlockd"
# shellcheck disable=SC2086
out=$($CHECK $MAPS "$T/usr.sbin.airlockd" "$AA/usr.libexec.airlock.airlock-worker" \
    "$T/strace.log") && fail "aacheck allowed the trace without /run/airlock"
echo "$out" | grep -q "^denied: airlockd: /run/airlock/" ||
    fail "without /run/airlock: $out"
ok "and without the rule for /run/airlock it is not"

# 4. What the profiles refuse, on made-up traces: airlockd starts a
# worker (the exec moves it into its own profile), which then does LINE.
# A worker may read its libraries; the checker must deny each of the
# others, or the replay above proved nothing.
trace()
{
	cat >"$T/synthetic.log" <<TRACE
100 execve("/usr/sbin/airlockd", ["airlockd"], 0x0 /* 0 vars */) = 0
100 clone3({flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD}, 88) = 101
101 execve("/usr/libexec/airlock/airlock-worker-plain", ["w"], 0x0) = 0
$1
TRACE
	$CHECK "$AA"/* "$T/synthetic.log"
}
out=$(trace '101 openat(AT_FDCWD</>, "/etc/ld.so.cache", O_RDONLY) = 3</etc/ld.so.cache>') ||
    fail "a worker may not read the libraries' cache: $out"
while IFS= read -r line; do
	out=$(trace "101 $line") && fail "the worker's profile allows: $line"
	case "$out" in
	"denied: airlock-worker: "*) ;;
	*) fail "$line: $out" ;;
	esac
done <<'LINES'
openat(AT_FDCWD</>, "/etc/airlock/airlock.yml", O_RDONLY) = 3</etc/airlock/airlock.yml>
openat(AT_FDCWD</>, "/run/secrets/db.pw", O_RDONLY) = 3</run/secrets/db.pw>
openat(AT_FDCWD</>, "/run/credentials/airlockd.service/pw", O_RDONLY) = 3</run/credentials/airlockd.service/pw>
openat(AT_FDCWD</>, "/etc/shadow", O_RDONLY) = 3</etc/shadow>
openat(AT_FDCWD</>, "/var/lib/airlock/ssh_host_key", O_RDONLY) = 3</var/lib/airlock/ssh_host_key>
openat(AT_FDCWD</>, "/var/empty/airlock/x", O_WRONLY|O_CREAT, 0600) = 3</var/empty/airlock/x>
openat(AT_FDCWD</>, "/tmp/x", O_RDWR|O_CREAT, 0600) = 3</tmp/x>
mkdir("/var/empty/airlock/d", 0700) = 0
mmap(NULL, 4096, PROT_READ|PROT_EXEC, MAP_PRIVATE, 3</tmp/evil.so>, 0) = 0x7f0000000000
execve("/bin/sh", ["sh"], 0x0) = 0
socket(AF_INET, SOCK_DGRAM, IPPROTO_IP) = 3<UDP:[1]>
socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE) = 3<NETLINK:[1]>
socket(AF_PACKET, SOCK_RAW, 768) = 3<PACKET:[1]>
connect(3<UNIX:[1]>, {sa_family=AF_UNIX, sun_path="/run/airlock/x.sock"}, 110) = 0
LINES
ok "the worker's profile refuses the configuration, credentials, keys, writes, exec, UDP, netlink and packet sockets, Unix socket paths"
head -n 1 "$T/synthetic.log" >"$T/own.log"
echo '100 openat(AT_FDCWD</>, "/etc/airlock/airlock.yml", O_WRONLY|O_TRUNC) = 3</etc/airlock/airlock.yml>' \
    >>"$T/own.log"
out=$($CHECK "$AA"/* "$T/own.log") &&
    fail "airlockd's profile lets it write its configuration"
ok "airlockd's profile refuses a write to its configuration: $(echo "$out" | head -n 1)"
exit 0
