# Key re-exchanges in the middle of a transfer: the client rekeys every
# megabyte (RekeyLimit 1M), 64 times each way here.  While a session
# rekeys, libssh takes no channel data for it (a write returns 0); what the
# relay read for it must wait, not be dropped with the channel.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/ssh.sh"

SIZE=67108864
STREAM="head -c $SIZE /dev/zero | openssl enc -aes-128-ctr -nosalt"
STREAM="$STREAM -K 000102030405060708090a0b0c0d0e0f -iv 0 2>/dev/null"
ssh_front_start
WANT=$(sh -c "$STREAM" | sha256sum | cut -d ' ' -f 1)
[ -n "$WANT" ] || fail "no stream"

got=$(ssh_front -o RekeyLimit=1M "$STREAM" 2>"$T/err" | sha256sum) ||
    fail "download: $(cat "$T/err")"
[ "${got%% *}" = "$WANT" ] || fail "download: got $got, not $WANT"
ok "download of $SIZE bytes across 64 re-exchanges: sha256 $WANT"
got=$(sh -c "$STREAM" | ssh_front -o RekeyLimit=1M 'sha256sum' 2>"$T/err") ||
    fail "upload: $(cat "$T/err")"
[ "${got%% *}" = "$WANT" ] || fail "upload: the backend hashed $got"
ok "upload: the same"
airlock_alive || fail "airlockd died"
grep -q "killed" "$AIRLOCK_LOG" && fail "a worker was killed"
exit 0
