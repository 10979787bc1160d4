# The Debian package (debian/, `make deb`): built twice from the tree's
# tracked files, byte for byte the same; lintian finds no error and no
# warning that debian/airlock.lintian-overrides does not explain;
# installed with dpkg on this machine: files, owners and modes, the
# conffiles, the _airlock system user, the workers' empty root, the unit
# enabled but not started, airlockd -t on the example; the maintainer
# scripts as on a host with systemd and AppArmor (in a mount namespace,
# with stand-ins for systemctl and apparmor_parser): profiles loaded,
# nothing started at installation, try-restart at an upgrade, stop at
# removal; the other tests still run the tree's airlockd; the installed
# airlockd, started by hand (no systemd), runs psql's session to a
# throwaway PostgreSQL through a worker executed from /usr/libexec, in
# the package's chroot, as _airlock; then removed (the configuration
# stays) and purged (it goes, the user stays).  Whatever the test changes
# on the machine is put back at exit, whichever way it exits.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/apparmor.sh"

skip_under "asan valgrind" "the package is built with its own flags"
require_root
for c in dpkg-buildpackage lintian dh_apparmor git strace unshare; do
	command -v "$c" >/dev/null 2>&1 ||
	    skip "no $c: sh contrib/install-deps.sh installs it"
done
git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1 ||
    skip "$TOP is not a git checkout"
# This machine's own airlock, if it has one, is not the test's to remove.
if dpkg-query -W -f '${Status}' airlock 2>/dev/null |
    grep -qv "not-installed"; then
	skip "the package airlock is installed here: the test would purge it"
fi

# One version: the Makefile's, the changelog's (a native package), the
# .deb's name and airlockd -V.
V=$(sed -n 's/^VERSION[[:space:]]*=[[:space:]]*//p' "$TOP/Makefile")
v=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)
[ -n "$V" ] && [ "$v" = "$V" ] ||
    fail "debian/changelog says $v, the Makefile's VERSION is $V"

# Built twice, each in its own temporary copy (contrib/mkdeb.sh), with as
# many compilers as the other tests leave room for.
MKDEB_JOBS=2 sh "$TOP/contrib/mkdeb.sh" "$T/a" >"$T/build-a.log" 2>&1 ||
    fail "first build: $(tail -n 20 "$T/build-a.log")"
MKDEB_JOBS=2 sh "$TOP/contrib/mkdeb.sh" "$T/b" >"$T/build-b.log" 2>&1 ||
    fail "second build: $(tail -n 20 "$T/build-b.log")"
DEB=$(tail -n 1 "$T/build-a.log")
[ "$DEB" = "$T/a/airlock_${V}_$(dpkg --print-architecture).deb" ] ||
    fail "make deb made '$DEB', not airlock_${V}_ARCH.deb"
for f in "$T"/a/*.deb; do
	g=$T/b/$(basename "$f")
	if ! cmp -s "$f" "$g"; then
		dpkg -c "$f" >"$T/a.list"
		dpkg -c "$g" >"$T/b.list" 2>&1
		fail "$(basename "$f") differs between two builds:" \
		    "$(diff "$T/a.list" "$T/b.list" | head -n 20)"
	fi
done
ok "two builds: the same .deb files, byte for byte ($(basename "$DEB"))"

# lintian, on the binary packages of the build: exit 0 at warnings too,
# and nothing said but its remark on running as root.
out=$(lintian --pedantic -I --fail-on error,warning "$T"/a/*.changes 2>&1)
rc=$?
out=$(echo "$out" | grep -v "running with root privileges is not recommended")
[ "$rc" -eq 0 ] && [ -z "$out" ] || fail "lintian (exit $rc): $out"
ok "lintian: no error, no warning, no remark that is not overridden"

# dpkg_run CMD...: CMD, a dpkg command, again while another dpkg holds
# its lock, for up to a minute; its output in $T/dpkg.out.
dpkg_run()
{
	_n=60
	while ! "$@" >"$T/dpkg.out" 2>&1; do
		grep -q "lock" "$T/dpkg.out" && [ "$_n" -gt 0 ] || return 1
		_n=$((_n - 1))
		sleep 1
	done
}

# The machine as it was: no package, the workers' root and /var/empty if
# they were there (postrm removes them), the user only if it was there.
had_chroot=0
[ -d /var/empty/airlock ] && had_chroot=1
had_empty=0
[ -d /var/empty ] && had_empty=1
had_user=0
getent passwd _airlock >/dev/null && had_user=1
restore()
{
	dpkg_run dpkg -P airlock
	if [ "$had_chroot" = 1 ] && [ ! -d /var/empty/airlock ]; then
		mkdir -p /var/empty/airlock
		chown root:root /var/empty/airlock
		chmod 0755 /var/empty/airlock
	fi
	[ "$had_empty" = 1 ] && mkdir -p /var/empty
	[ "$had_user" = 1 ] || userdel _airlock
}
at_exit restore

dpkg_run dpkg -i "$DEB" || fail "dpkg -i: $(tail -n 20 "$T/dpkg.out")"
[ "$(dpkg-query -W -f '${Status}' airlock)" = "install ok installed" ] ||
    fail "dpkg -i: $(dpkg-query -W -f '${Status}' airlock)"

# mode WANT PATH: owner, group and mode of PATH.
mode()
{
	_got=$(stat -c '%U:%G %a' "$2" 2>&1)
	[ "$_got" = "$1" ] || fail "$2: $_got, not $1"
}
mode "root:root 755" /usr/sbin/airlockd
for w in airlock-worker airlock-worker-plain airlock-worker-ssh; do
	mode "root:root 755" "/usr/libexec/airlock/$w"
done
mode "root:root 640" /etc/airlock/airlock.yml
mode "root:root 644" /lib/systemd/system/airlockd.service
# Every AppArmor profile of the tree, as it is there.
PROFILES=$(git -C "$TOP" ls-files contrib/apparmor | sed 's,.*/,,')
[ -n "$PROFILES" ] || fail "no file in contrib/apparmor"
for p in $PROFILES; do
	mode "root:root 644" "/etc/apparmor.d/$p"
	cmp -s "/etc/apparmor.d/$p" "$TOP/contrib/apparmor/$p" ||
	    fail "/etc/apparmor.d/$p is not contrib/apparmor/$p"
	[ -f "/etc/apparmor.d/local/$p" ] ||
	    fail "no /etc/apparmor.d/local/$p for the site's rules"
done
for m in man5/airlock.yml.5.gz man8/airlockd.8.gz; do
	mode "root:root 644" "/usr/share/man/$m"
done
mode "root:root 755" /var/empty/airlock
[ -z "$(ls -A /var/empty/airlock)" ] || fail "/var/empty/airlock is not empty"
dpkg-query -W -f '${Conffiles}\n' airlock | awk 'NF { print $1 }' | sort \
    >"$T/conffiles"
{
	echo /etc/airlock/airlock.yml
	for p in $PROFILES; do
		echo "/etc/apparmor.d/$p"
	done
} | sort >"$T/conffiles.want"
cmp -s "$T/conffiles" "$T/conffiles.want" ||
    fail "conffiles: $(cat "$T/conffiles")"
uid=$(id -u _airlock 2>/dev/null) || fail "no _airlock user"
[ "$uid" -lt 1000 ] || fail "_airlock has uid $uid: not a system user"
ok "installed: programs, workers in /usr/libexec/airlock, man pages," \
    "unit, AppArmor profiles, the configuration (0640, a conffile)," \
    "_airlock (uid $uid), /var/empty/airlock"

# The unit: the package's paths; enabled, not started.
grep -q '^ExecStart=/usr/sbin/airlockd ' /lib/systemd/system/airlockd.service ||
    fail "the unit does not start /usr/sbin/airlockd"
WANTS=/etc/systemd/system/multi-user.target.wants/airlockd.service
[ "$(readlink "$WANTS")" = /lib/systemd/system/airlockd.service ] ||
    fail "the unit is not enabled: $(ls -l "$WANTS" 2>&1)"
pgrep -x airlockd -a | grep -q " /usr/sbin/airlockd" &&
    fail "installing started airlockd"
ok "the unit runs /usr/sbin/airlockd and is enabled, not started"

out=$(/usr/sbin/airlockd -t -f /etc/airlock/airlock.yml 2>&1) ||
    fail "airlockd -t on the example: $out"
[ "$(/usr/sbin/airlockd -V 2>&1)" = "airlockd $V" ] ||
    fail "/usr/sbin/airlockd -V: $(/usr/sbin/airlockd -V 2>&1)"
ok "airlockd -t: $out"

# on_systemd CMD...: CMD as on a host booted with systemd and AppArmor:
# in a mount namespace of its own, /run/systemd/system exists, and
# systemctl, deb-systemd-invoke, aa-enabled (yes) and apparmor_parser are
# stand-ins that write what they are asked to $T/asked.
mkdir "$T/host"
for c in systemctl deb-systemd-invoke apparmor_parser; do
	printf '#!/bin/sh\necho "%s $*" >>"%s/asked"\n' "$c" "$T" >"$T/host/$c"
done
printf '#!/bin/sh\nexit 0\n' >"$T/host/aa-enabled"
chmod 0755 "$T"/host/*
on_systemd()
{
	: >"$T/asked"
	unshare -m sh -c 'mount -t tmpfs tmpfs /run &&
	    mkdir -p /run/systemd/system && PATH=$0:$PATH exec "$@"' \
	    "$T/host" env DPKG_MAINTSCRIPT_PACKAGE=airlock "$@"
}
PI=/var/lib/dpkg/info/airlock.postinst
on_systemd sh "$PI" configure >"$T/pi.out" 2>&1 ||
    fail "postinst configure on a systemd host: $(cat "$T/pi.out")"
for p in $PROFILES; do
	grep -qx "apparmor_parser -r -T -W /etc/apparmor.d/$p" "$T/asked" ||
	    fail "postinst did not load $p: $(cat "$T/asked")"
done
grep -qx "systemctl --system daemon-reload" "$T/asked" ||
    fail "postinst did not reload systemd: $(cat "$T/asked")"
grep -Ew "start|restart" "$T/asked" &&
    fail "postinst at installation started airlockd: $(cat "$T/asked")"
on_systemd sh "$PI" configure "$V" >"$T/pi.out" 2>&1 ||
    fail "postinst configure $V on a systemd host: $(cat "$T/pi.out")"
grep -qx "deb-systemd-invoke try-restart airlockd.service" "$T/asked" ||
    fail "postinst at an upgrade: $(cat "$T/asked")"
ok "postinst on a host with systemd and AppArmor: the profiles loaded," \
    "airlockd not started at installation, try-restarted at an upgrade"

# The other tests run the tree's airlockd whatever is installed: lib.sh
# does not look it up in PATH, and the tree's airlockd takes the workers
# beside it, not the package's.
got=$(cd "$TOP" && env -u AIRLOCKD sh -c '. regress/lib.sh; echo "$AIRLOCKD"')
[ "$got" = "$TOP/airlockd" ] || fail "lib.sh's airlockd is $got"
if [ -x "$TOP/airlockd" ]; then
	"$TOP/airlockd" -T -f /etc/airlock/airlock.yml 2>/dev/null |
	    grep -qx "  worker: $TOP/airlock-worker" ||
	    fail "the tree's airlockd: $("$TOP/airlockd" -T \
		-f /etc/airlock/airlock.yml 2>&1 | grep worker:)"
	ok "the other tests' airlockd and workers are still the tree's"
else
	ok "lib.sh's airlockd is still the tree's (not built here)"
fi

# The installed airlockd in front of a throwaway PostgreSQL, with the
# package's defaults for the workers: their user, root and executable.
pg_start
P=$(free_port)
{
	airlock_head | sed -e '/^  user:/d' -e '/^  chroot:/d'
	pg_service pkg "$P" trust_user disable
} >"$T/airlock.yml"
# Under strace, for the package's AppArmor profiles below.
start_airlock_traced /usr/sbin/airlockd "$T/airlock.yml"
airlock_session "$P" pkg "select 'through ' || current_user, pg_sleep(1)" \
    "$T/session.out"
exe=$(readlink "/proc/$WORKER_PID/exe")
[ "$exe" = /usr/libexec/airlock/airlock-worker-plain ] ||
    fail "the worker runs $exe"
[ "$(readlink "/proc/$WORKER_PID/root")" = /var/empty/airlock ] ||
    fail "the worker's root is $(readlink "/proc/$WORKER_PID/root")"
[ "$(stat -c %U "/proc/$WORKER_PID")" = _airlock ] ||
    fail "the worker runs as $(stat -c %U "/proc/$WORKER_PID")"
wait_pid "$SESSION_PID" 10 || fail "psql did not finish"
grep -q "^through trust_user|" "$T/session.out" ||
    fail "psql through the installed airlockd: $(cat "$T/session.out")"
stop_airlock
wait "$STRACE_PID"
ok "psql through /usr/sbin/airlockd: its worker $exe, as _airlock," \
    "in /var/empty/airlock"

# What the installed airlockd and its worker did, against the installed
# profiles (regress/tools/aacheck.py): the test's directory stands for
# /etc/airlock, its state directory for /var/lib/airlock.
aa_allowed --map "$T/state=/var/lib/airlock" --map "$T=/etc/airlock" \
    --map "$(dirname "$T")=/etc" /etc/apparmor.d/usr.sbin.airlockd \
    /etc/apparmor.d/usr.libexec.airlock.airlock-worker
ok "the installed profiles allow what the installed airlockd did:" \
    "$AA_CHECKED"

# Removed (on a systemd host): airlockd stopped, the programs gone, the
# configuration kept.
dpkg_run on_systemd dpkg -r airlock ||
    fail "dpkg -r: $(tail -n 20 "$T/dpkg.out")"
grep -qx "deb-systemd-invoke stop airlockd.service" "$T/asked" ||
    fail "dpkg -r did not stop airlockd: $(cat "$T/asked")"
for f in /usr/sbin/airlockd /usr/libexec/airlock \
    /lib/systemd/system/airlockd.service /usr/share/man/man8/airlockd.8.gz; do
	[ ! -e "$f" ] || fail "dpkg -r left $f"
done
for f in /etc/airlock/airlock.yml /etc/apparmor.d/usr.sbin.airlockd; do
	[ -e "$f" ] || fail "dpkg -r removed the conffile $f"
done
ok "dpkg -r: airlockd stopped, the programs gone, the configuration kept"

# Purged: the configuration, the enabled unit, the workers' root and the
# package's state go; the user stays (debian/postrm says why).
dpkg_run dpkg -P airlock || fail "dpkg -P: $(tail -n 20 "$T/dpkg.out")"
for f in /etc/airlock "$WANTS" /var/empty/airlock /var/lib/airlock \
    /var/lib/dpkg/info/airlock.list; do
	[ ! -e "$f" ] && [ ! -L "$f" ] || fail "dpkg -P left $f"
done
for p in $PROFILES; do
	for f in "/etc/apparmor.d/$p" "/etc/apparmor.d/local/$p"; do
		[ ! -e "$f" ] || fail "dpkg -P left $f"
	done
done
# deb-systemd-helper's record of the enabled unit.
left=$(find /var/lib/systemd/deb-systemd-helper-enabled \
    /var/lib/systemd/deb-systemd-helper-masked -name 'airlockd*' 2>/dev/null)
[ -z "$left" ] || fail "dpkg -P left $left"
st=$(dpkg-query -W -f '${Status}' airlock 2>/dev/null)
case "$st" in
""|*not-installed) ;;
*) fail "dpkg -P: the package's status is $st" ;;
esac
id -u _airlock >/dev/null 2>&1 || fail "dpkg -P removed the _airlock user"
ok "dpkg -P: nothing of the package is left but the _airlock user"
exit 0
