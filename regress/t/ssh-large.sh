# 1 GiB each way through the ssh connector, checked with sha256sum at both
# ends (the issue's figure).  The bytes are a deterministic stream
# (AES-128-CTR of zeros under a fixed key: fast, and incompressible), made
# by openssl on the sending side, so that nothing of that size is written
# to disk; its hash is computed apart, and the receiving end hashes what it
# got.  Flow control is what this exercises: neither side may outrun the
# other's window, and nothing may be lost at the end.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/ssh.sh"

# The sanitizer runs check the same code paths with a quarter of it: their
# workers are several times slower, and the figure is the plain run's.
case "${AIRLOCK_SANITIZE:-}" in
'') SIZE=${SSH_LARGE_SIZE:-1073741824} ;;
*) SIZE=${SSH_LARGE_SIZE:-268435456} ;;
esac
STREAM="head -c $SIZE /dev/zero | openssl enc -aes-128-ctr -nosalt"
STREAM="$STREAM -K 000102030405060708090a0b0c0d0e0f -iv 0 2>/dev/null"
ssh_front_start
WANT=$(sh -c "$STREAM" | sha256sum | cut -d ' ' -f 1)
[ -n "$WANT" ] || fail "no stream"

SSH_TIMEOUT=600
export SSH_TIMEOUT
got=$(sh -c "$STREAM" | ssh_front 'sha256sum' 2>"$T/err") ||
    fail "upload: $(cat "$T/err")"
[ "${got%% *}" = "$WANT" ] || fail "upload: the backend hashed $got, not $WANT"
ok "upload of $SIZE bytes: sha256 $WANT at both ends"
got=$(ssh_front "$STREAM" 2>"$T/err" | sha256sum) ||
    fail "download: $(cat "$T/err")"
[ "${got%% *}" = "$WANT" ] || fail "download: got $got, not $WANT"
ok "download of $SIZE bytes: the same"
airlock_alive || fail "airlockd died"
grep -q "killed" "$AIRLOCK_LOG" && fail "a worker was killed"
exit 0
