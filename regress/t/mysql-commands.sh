# Commands after the login, with regress/tools/myraw.py through airlock:
# COM_RESET_CONNECTION is answered by the backend and the session goes on;
# COM_CHANGE_USER, which would log in anew as whoever the client names, is
# refused with an ERR packet that says why, and the connection ends;
# COM_QUIT closes cleanly, and the log says closed with byte counts.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/mysql.sh"

my_start
P=$(free_port)
{
	airlock_head
	my_service my-cmd "$P" native_user disable \
	    "password: {from: file, get: $T/native.pw}"
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

raw()
{
	timeout -k 5 30 "$MY_PYTHON" "$TOP/regress/tools/myraw.py" \
	    --port "$P" "$1" 2>&1 || fail "$1: myraw.py failed"
}

out=$(raw reset)
[ "$out" = "OK
OK
ROW after reset
EOF" ] || fail "COM_RESET_CONNECTION: $out"
ok "COM_RESET_CONNECTION answered OK, and the session goes on"

out=$(raw changeuser)
echo "$out" | sed -n 4p | grep -q \
    "^ERR 1235 42000: airlock: COM_CHANGE_USER is not supported" ||
    fail "COM_CHANGE_USER: $out"
[ "$(echo "$out" | sed -n 5p)" = closed ] ||
    fail "COM_CHANGE_USER: the connection did not end: $out"
wait_for_log "my-cmd#2: mysql: the client sent COM_CHANGE_USER: refused" 5 ||
    fail "COM_CHANGE_USER: not in the log"
ok "COM_CHANGE_USER refused: $(echo "$out" | sed -n 4p)"

out=$(raw quit)
[ "$out" = "OK
ROW before
EOF
closed" ] || fail "COM_QUIT: $out"
wait_for_log "my-cmd#3: closed \([1-9][0-9]* bytes in, [1-9][0-9]* out\)" 5 ||
    fail "COM_QUIT: no 'closed' line with byte counts"
grep -E "my-cmd#3: .*(died of signal|exited with status)" "$AIRLOCK_LOG" &&
    fail "COM_QUIT: the worker did not exit cleanly"
ok "COM_QUIT: $(grep -E -o "my-cmd#3: closed .*" "$AIRLOCK_LOG")"
exit 0
