# Bodies are streamed, never buffered whole: a 1 GiB download (a sparse
# file of nginx) and a 1 GiB upload (a WebDAV PUT) through airlock, with
# the worker's resident memory sampled from /proc while they run: it stays
# under a bound (20 MB; 64 MB in the ASan run, whose shadow memory and
# quarantine count too), far below the size of the body.
# test: long
# (It takes several times as long as most tests: regress/run.sh starts it
# early.)
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

http_basic_start "logLevel: info"
http_big
H=http://127.0.0.1:$HTTP_PORT
case "${AIRLOCK_SANITIZE:-}" in
asan) BOUND=64000 ;;
*) BOUND=20000 ;;
esac

# transfer WHAT CURL_ARGS...: run curl through airlock in the background,
# sample the worker's VmRSS (kB) until curl ends; MAXRSS, SAMPLES.
transfer()
{
	_what=$1
	shift
	before=$(http_worker_pids)
	http_curl "$P" "$@" >"$T/xfer.out" 2>&1 &
	_c=$!
	w=
	MAXRSS=0
	SAMPLES=0
	while kill -0 "$_c" 2>/dev/null; do
		[ -n "$w" ] || w=$(http_worker_pids | grep -vxF "${before:-x}" |
		    head -n 1)
		if [ -n "$w" ]; then
			r=$(awk '$1 == "VmRSS:" { print $2 }' \
			    "/proc/$w/status" 2>/dev/null)
			if [ -n "$r" ]; then
				SAMPLES=$((SAMPLES + 1))
				[ "$r" -gt "$MAXRSS" ] && MAXRSS=$r
			fi
		fi
		sleep 0.2
	done
	wait "$_c" || fail "$_what: curl failed: $(cat "$T/xfer.out")"
	[ "$SAMPLES" -gt 0 ] || fail "$_what: the worker was never sampled"
	[ "$MAXRSS" -lt "$BOUND" ] ||
	    fail "$_what: the worker's RSS reached $MAXRSS kB"
	ok "$_what: $(cat "$T/xfer.out"); worker RSS at most $MAXRSS kB" \
	    "($SAMPLES samples)"
}

transfer "1 GiB download" "$H/big" -o /dev/null \
    -w '%{http_code} %{size_download} bytes'
[ "$(cat "$T/xfer.out")" = "200 $HTTP_BIG_SIZE bytes" ] ||
    fail "download: $(cat "$T/xfer.out")"
transfer "1 GiB upload" "$H/upload/big" -T "$HTTP_DIR/www/big" \
    -o /dev/null -w '%{http_code} %{size_upload} bytes'
[ "$(cat "$T/xfer.out")" = "201 $HTTP_BIG_SIZE bytes" ] ||
    fail "upload: $(cat "$T/xfer.out")"
[ "$(stat -c %s "$HTTP_DIR/www/upload/big")" = "$HTTP_BIG_SIZE" ] ||
    fail "the uploaded file has $(stat -c %s "$HTTP_DIR/www/upload/big") bytes"
# The upload's bytes are the sparse file's zeros.
[ "$(tr -d '\0' <"$HTTP_DIR/www/upload/big" | head -c 1 | wc -c)" = 0 ] ||
    fail "the uploaded file is not all zeros"
rm -f "$HTTP_DIR/www/upload/big"
airlock_alive || fail "airlockd died"
exit 0
