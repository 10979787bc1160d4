# ssh -tt through the ssh connector: the backend gives the session a
# pseudo-terminal (pty-req relayed, with the client's TERM and window
# size), and a shell on it runs what the client types; without -t there is
# none.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/ssh.sh"

ssh_front_start
TERM=airlock-test-term ssh_front -tt 'tty; echo "term=$TERM"' \
    >"$T/out" 2>"$T/err" </dev/null || fail "ssh -tt: $(cat "$T/err")"
tr -d '\r' <"$T/out" >"$T/out.n"
grep -q "^/dev/pts/" "$T/out.n" || fail "no pty: $(cat "$T/out.n")"
grep -q "^term=airlock-test-term$" "$T/out.n" ||
    fail "TERM not relayed: $(cat "$T/out.n")"
ok "a pty with the client's TERM: $(head -n 1 "$T/out.n")"

# The window size travels in pty-req: a client on a terminal of 33 rows
# and 77 columns (script(1) gives it one) gets a backend pty of that size.
# shellcheck disable=SC2046
timeout -k 5 60 script -qec "stty rows 33 cols 77; ssh $(_ssh_opts) -tt \
    -p $FRONT_PORT anyone@127.0.0.1 'stty size'" /dev/null </dev/null \
    >"$T/out" 2>&1 || fail "ssh -tt in script: $(cat "$T/out")"
grep -q "33 77" "$T/out" || fail "the window size: $(cat "$T/out")"
ok "the client's window size, 33x77"

ssh_front tty >"$T/out" 2>"$T/err" </dev/null
grep -q "not a tty" "$T/out" || fail "a pty without -t: $(cat "$T/out")"
ok "none without -t"

# An interactive shell (requested with no command), fed on its pty.
printf 'echo shell-$((6 * 7))\nexit 5\n' |
    ssh_front -tt >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 5 ] || fail "shell: exit status $rc: $(cat "$T/out" "$T/err")"
grep -q "shell-42" "$T/out" || fail "shell output: $(cat "$T/out")"
ok "an interactive shell on the pty, exit status 5"
airlock_alive || fail "airlockd died"
grep -q "killed" "$AIRLOCK_LOG" && fail "a worker was killed"
exit 0
