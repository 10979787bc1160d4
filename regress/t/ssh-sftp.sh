# sftp through the ssh connector (the sftp subsystem request relayed to
# sshd's sftp-server): a batch that makes a directory, puts a file,
# renames it, lists it, gets it back and removes it.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/ssh.sh"

ssh_front_start
head -c 1048576 /dev/urandom >"$T/file" || fail "head"
R=$T/remote
cat >"$T/batch" <<EOB
mkdir $R
put $T/file $R/up
rename $R/up $R/moved
ls -l $R
get $R/moved $T/back
rm $R/moved
rmdir $R
EOB
sftp_c -b "$T/batch" -P "$FRONT_PORT" anyone@127.0.0.1 >"$T/sftp.out" 2>&1 ||
    fail "sftp: $(cat "$T/sftp.out")"
grep -q "moved" "$T/sftp.out" || fail "ls: $(cat "$T/sftp.out")"
cmp -s "$T/file" "$T/back" || fail "the file came back changed"
[ -e "$R" ] && fail "$R is still there"
ok "sftp batch: mkdir, put, rename, ls, get, rm, rmdir"
airlock_alive || fail "airlockd died"
grep -q "killed" "$AIRLOCK_LOG" && fail "a worker was killed"
exit 0
