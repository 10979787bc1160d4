# scp through the ssh connector, both ways: with the SFTP protocol (scp's
# default since OpenSSH 9.0: the sftp subsystem) and with the old scp
# protocol (-O: an exec of "scp -t" / "scp -f").  A file of 3 MiB of
# random bytes arrives whole each time.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/ssh.sh"

ssh_front_start
head -c 3145728 /dev/urandom >"$T/file" || fail "head"
SUM=$(sha256sum <"$T/file" | cut -d ' ' -f 1)
mkdir "$T/remote" || fail "mkdir"
for mode in "" -O; do
	what="scp${mode:+ $mode}"
	rm -f "$T/remote/file" "$T/back"
	# shellcheck disable=SC2086
	scp_c $mode -P "$FRONT_PORT" "$T/file" "anyone@127.0.0.1:$T/remote/file" \
	    >"$T/scp.out" 2>&1 || fail "$what upload: $(cat "$T/scp.out")"
	[ "$(sha256sum <"$T/remote/file" | cut -d ' ' -f 1)" = "$SUM" ] ||
	    fail "$what upload: the file arrived changed"
	# shellcheck disable=SC2086
	scp_c $mode -P "$FRONT_PORT" "anyone@127.0.0.1:$T/remote/file" "$T/back" \
	    >"$T/scp.out" 2>&1 || fail "$what download: $(cat "$T/scp.out")"
	[ "$(sha256sum <"$T/back" | cut -d ' ' -f 1)" = "$SUM" ] ||
	    fail "$what download: the file arrived changed"
	ok "$what: up and down, whole"
done
airlock_alive || fail "airlockd died"
grep -q "killed" "$AIRLOCK_LOG" && fail "a worker was killed"
exit 0
