# Twenty sftp sessions in a row, each putting and getting 1 MiB: sftp's
# pipelined reads are what once stalled the relay (a channel's data that
# libssh read in the middle of a relay turn waited for a socket event that
# had come already; about one session in ten hung).  Each session has 20 s
# (a hang detector, not a timing assertion).
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/ssh.sh"

ssh_front_start
head -c 1048576 /dev/urandom >"$T/file" || fail "head"
cat >"$T/batch" <<EOB
put $T/file $T/up
get $T/up $T/back
rm $T/up
EOB
i=0
while [ "$i" -lt 20 ]; do
	i=$((i + 1))
	rm -f "$T/back"
	SSH_TIMEOUT=20 sftp_c -b "$T/batch" -P "$FRONT_PORT" anyone@127.0.0.1 \
	    >"$T/sftp.out" 2>&1 || fail "session $i: $(cat "$T/sftp.out")"
	cmp -s "$T/file" "$T/back" || fail "session $i: the file came back changed"
done
ok "20 sftp sessions, each a put and a get of 1 MiB"
airlock_alive || fail "airlockd died"
grep -q "killed" "$AIRLOCK_LOG" && fail "a worker was killed"
exit 0
