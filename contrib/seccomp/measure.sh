#!/bin/sh
#
# Measure the system calls that airlockd and its workers make, as the
# monitor's list in airlockd.syscalls was measured: run some of the test
# suite's scenarios with airlockd under strace -f (every process it
# starts is followed, the workers included, before and after their own
# filter) and print each name once, with how many processes made it.
#
#	sh contrib/seccomp/measure.sh [TEST-WORD...]	(root, built tree)
#
# The names that the profile does not allow are marked "MISSING"; a name
# there means that airlockd.syscalls needs another look.  The default
# scenarios cover TCP and Unix listeners, trust, MD5, SCRAM and cleartext
# logins, TLS to the backend, a CancelRequest, a backend that is down, a
# wrong password, the env, file and credential providers, and a drain.

cd "$(dirname "$0")/../.." || exit 2
TOP=$(pwd)
[ -x "$TOP/airlockd" ] || { echo "build first (make)" >&2; exit 2; }
command -v strace >/dev/null || { echo "strace is not installed" >&2; exit 2; }
WORDS=${*:-pg-tcp-trust pg-unix-socket pg-scram pg-md5 pg-cleartext \
    pg-tls-modes pg-cancel pg-backend-down pg-wrong-password drain \
    contrib-credential}

OUT=$(mktemp -d /tmp/airlock-measure.XXXXXX) || exit 2
chmod 0755 "$OUT"
trap 'rm -rf "$OUT"' EXIT

# airlockd under strace; SIGTERM (the tests' way to stop it) goes to
# airlockd itself, not to strace, which would detach and leave it running.
cat >"$OUT/airlockd" <<EOS
#!/bin/sh
strace -f -qq -o "$OUT/trace.\$\$" -- "$TOP/airlockd" "\$@" &
spid=\$!
trap 'kill -TERM \$(pgrep -P \$spid) 2>/dev/null' TERM INT
wait \$spid
wait \$spid
EOS
chmod 0755 "$OUT/airlockd"

for w in $WORDS; do
	for t in regress/t/*"$w"*.sh; do
		[ -f "$t" ] || continue
		AIRLOCKD=$OUT/airlockd timeout -k 10 300 sh "$t" \
		    >"$OUT/$(basename "$t" .sh).log" 2>&1 </dev/null
		echo "ran $(basename "$t" .sh): exit status $?" >&2
	done
done

# "PID name(args) = ..." and "PID <... name resumed>"; signals and exits
# are not calls.
cat "$OUT"/trace.* 2>/dev/null |
    sed -n -e 's/^[0-9][0-9]* *<\.\.\. \([a-z0-9_]*\) resumed>.*/\1/p' \
	-e 's/^[0-9][0-9]* *\([a-z0-9_]*\)(.*/\1/p' | sort -u >"$OUT/names"
allowed=$(jq -r '.syscalls[] | select(.action == "SCMP_ACT_ALLOW") |
    .names[]' contrib/seccomp/airlockd.json 2>/dev/null | sort -u)
soft=$(jq -r '.syscalls[] | select(.action == "SCMP_ACT_ERRNO") |
    .names[]' contrib/seccomp/airlockd.json 2>/dev/null | sort -u)
while read -r n; do
	if echo "$allowed" | grep -qx "$n"; then
		echo "$n"
	elif echo "$soft" | grep -qx "$n"; then
		echo "$n (refused with an errno, by design)"
	else
		echo "$n MISSING"
	fi
done <"$OUT/names"
