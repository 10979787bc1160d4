# 1 GiB each way through the ssh connector, checked with sha256sum at both
# ends (the issue's figure).  The bytes are a deterministic stream
# (AES-128-CTR of zeros under a fixed key: fast, and incompressible), made
# by openssl on the sending side, so that nothing of that size is written
# to disk; its hash is computed apart, and the receiving end hashes what it
# got.  Flow control is what this exercises: neither side may outrun the
# other's window (the worker's resident memory, sampled from /proc, stays
# under 32 MB), and nothing may be lost at the end.
# test: long
# (It takes several times as long as most tests: regress/run.sh starts it
# early.)
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
# Not under ASan: its quarantine keeps up to 256 MB of what libssh frees
# (a buffer per packet) resident, whatever the relay holds.
case "${AIRLOCK_SANITIZE:-}" in
asan) BOUND= ;;
*) BOUND=32000 ;;
esac

# transfer WHAT CMD: run CMD (sh) in the background, its output in
# $T/WHAT.out, and sample the resident memory (kB) of the worker of the
# connection it opens until it ends: the relay holds a window or two,
# never the stream.  MAXRSS.
transfer()
{
	_n=$(grep -c "worker [0-9]* started" "$AIRLOCK_LOG")
	sh -c "$2" >"$T/$1.out" 2>"$T/$1.err" &
	_c=$!
	at_exit "kill $_c"
	MAXRSS=0
	_w=
	while kill -0 "$_c" 2>/dev/null; do
		[ -n "$_w" ] || [ "$(grep -c "worker [0-9]* started" \
		    "$AIRLOCK_LOG")" -le "$_n" ] || _w=$(ssh_worker_of front)
		_r=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$_w/status" \
		    2>/dev/null)
		[ "${_r:-0}" -le "$MAXRSS" ] || MAXRSS=$_r
		sleep 0.2
	done
	wait "$_c" || fail "$1: $(cat "$T/$1.err")"
	[ "$MAXRSS" -gt 0 ] || fail "$1: the worker's memory was never sampled"
	[ -z "$BOUND" ] || [ "$MAXRSS" -le "$BOUND" ] ||
	    fail "$1: the worker's RSS reached $MAXRSS kB (bound $BOUND kB)"
}

SSHF="ssh $(_ssh_opts) -p $FRONT_PORT anyone@127.0.0.1"
transfer upload "$STREAM | $SSHF sha256sum"
got=$(cat "$T/upload.out")
[ "${got%% *}" = "$WANT" ] || fail "upload: the backend hashed $got, not $WANT"
ok "upload of $SIZE bytes: sha256 $WANT at both ends; worker RSS at most" \
    "$MAXRSS kB"
transfer download "$SSHF '$STREAM' | sha256sum"
got=$(cat "$T/download.out")
[ "${got%% *}" = "$WANT" ] || fail "download: got $got, not $WANT"
ok "download of $SIZE bytes: the same; worker RSS at most $MAXRSS kB"
airlock_alive || fail "airlockd died"
grep -q "killed" "$AIRLOCK_LOG" && fail "a worker was killed"
exit 0
