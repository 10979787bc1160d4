# A reload that changes two of the settings that need a restart, the
# second of which was unset in the running file (health: off, whose
# address fields are NULL): each keeps its own running value.  keep_fixed
# (monitor/reload.c) once handed the first one's copy to the second and
# its derived fields, one string owned three times: the next reload freed
# it twice.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
P=$(free_port)
H=$(free_port)
HEAD=$(airlock_head)
# write_config [changed]: the file, with another chroot and a health
# address (off in HEAD) when changed.
write_config()
{
	{
		if [ $# -eq 0 ]; then
			echo "$HEAD"
		else
			echo "$HEAD" | sed -e "s|^  chroot: .*|  chroot: $T/elsewhere|" \
			    -e "s|^  health: .*|  health: 127.0.0.1:$H|"
		fi
		pg_service pg-trust "$P" trust_user disable
	} >"$T/airlock.yml"
}
write_config
grep -qx "  health: off" "$T/airlock.yml" || fail "health is not off at first"
start_airlock "$T/airlock.yml"
write_config changed
reload_airlock HUP || fail "$RELOAD_LINE"
for k in chroot health; do
	grep -q "airlock.$k changed; it takes effect at the next restart" \
	    "$AIRLOCK_LOG" || fail "no warning about airlock.$k"
done
curl -s --max-time 5 -o /dev/null "http://127.0.0.1:$H/live" &&
    fail "the health address of the new file was bound"
ok "chroot and health (off before) changed: both wait for a restart"
# The running configuration is freed at the next reload.
write_config
reload_airlock HUP || fail "the second reload: $RELOAD_LINE"
airlock_alive || fail "airlockd died at the second reload"
out=$(airlock_psql "$P" "select 'served'" 2>&1) || fail "psql: $out"
[ "$out" = served ] || fail "psql got '$out'"
ok "a second reload frees the first one's configuration; airlockd serves on"
exit 0
