# A reload applies the airlock: settings that can change at runtime
# (maxWorkers, logLevel) and keeps those that need a restart (chroot,
# user, the health address), with a warning.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

command -v curl >/dev/null || skip "curl is needed"
pg_start
P=$(free_port)
H1=$(free_port)
H2=$(free_port)
HEAD=$(airlock_head "health: 127.0.0.1:$H1")
# write_config [MAXWORKERS]: the service, and with MAXWORKERS the airlock
# section changed: maxWorkers, logLevel info, another health address, and a
# chroot and a user that do not exist (workers that used them could not
# start).
write_config()
{
	{
		if [ $# -eq 0 ]; then
			echo "$HEAD"
		else
			echo "$HEAD" | sed -e "s|^  chroot: .*|  chroot: $T/no-such-dir|" \
			    -e "s|^  user: .*|  user: no-such-user|" \
			    -e "s|^  logLevel: .*|  logLevel: info|" \
			    -e "s|^  health: .*|  health: 127.0.0.1:$H2|" \
			    -e "s|^services:|  maxWorkers: $1\\nservices:|"
		fi
		pg_service pg-trust "$P" trust_user disable
	} >"$T/airlock.yml"
}
write_config
# -D, not -d: the debug level comes from the file.
AIRLOCK_FLAGS=-D start_airlock "$T/airlock.yml"
grep -q "\[DEBUG\]" "$AIRLOCK_LOG" || fail "logLevel debug at start: no debug line"

write_config 1
reload_airlock HUP || fail "$RELOAD_LINE"
# From the reload on: the pool of idle workers logs its starts at debug
# level, maybe just before the reload.
from=$(grep -n "\] reloaded " "$AIRLOCK_LOG" | tail -n 1 | cut -d: -f1)
for k in chroot user health; do
	grep -q "airlock.$k changed; it takes effect at the next restart" \
	    "$AIRLOCK_LOG" || fail "no warning about airlock.$k"
done
ok "chroot, user and health: restart needed, said the log"
code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' \
    "http://127.0.0.1:$H1/live") || fail "/live on the running health address"
[ "$code" = 200 ] || fail "/live on the running health address: $code"
curl -s --max-time 5 -o /dev/null "http://127.0.0.1:$H2/live" &&
    fail "the health address of the new file was bound"
ok "the health endpoint stays on its running address"

airlock_psql "$P" "select pg_sleep(3), 'first'" >"$T/s1" 2>&1 &
s1=$!
at_exit "kill $s1"
wait_for_log "1 workers, the maximum: not accepting" 10 ||
    fail "maxWorkers 1 did not apply"
ok "maxWorkers 1 applies"

# Raised again while full: accepting resumes at once, while the first
# session still runs.
write_config 5
reload_airlock HUP || fail "$RELOAD_LINE"
out=$(airlock_psql "$P" "select 'second'" 2>&1) || fail "second client: $out"
[ "$out" = second ] || fail "second client got '$out'"
kill -0 "$s1" 2>/dev/null || fail "the first session ended before the second was served"
ok "maxWorkers raised by reload: a second client served while the first runs"
wait "$s1" || fail "the first session: $(cat "$T/s1")"
grep -q "first" "$T/s1" || fail "the first session: $(cat "$T/s1")"
ok "the workers still run in the old chroot as the old user"

tail -n "+$from" "$AIRLOCK_LOG" | grep -q "\[DEBUG\]" &&
    fail "debug lines after logLevel: info: $(tail -n "+$from" "$AIRLOCK_LOG" | grep -m 3 DEBUG)"
ok "logLevel info applies: no debug line since"
exit 0
