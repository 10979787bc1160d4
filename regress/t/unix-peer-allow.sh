# allowedUsers and allowedGroups of a Unix listener: the monitor checks the
# peer's credentials (SO_PEERCRED) at accept, before any worker: root,
# allowed, gets in; nobody, whom the socket's mode lets connect, is refused,
# logged with its uid, gid and pid, and counted as refused; a primary or a
# supplementary group in allowedGroups lets a peer in; a reload changes
# the lists at once.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

command -v setpriv >/dev/null || skip "setpriv not found"
command -v curl >/dev/null || skip "curl not found"
pg_start
S=$T/sock
mkdir "$S" && chmod 0755 "$S" || fail "mkdir $S"
PU=$(free_port)		# only part of a file name: .s.PGSQL.PORT
PG=$(free_port)
H=$(free_port)
NOGROUP=$(id -gn nobody)

# conf USERS: the service on socket PU allows USERS; the one on PG the
# group of nobody.
conf()
{
	airlock_head "health: 127.0.0.1:$H"
	pg_service by-user "unix://$S/.s.PGSQL.$PU" trust_user disable
	cat <<EOT
    config:
      socketMode: "0666"
      allowedUsers: [$1]
EOT
	pg_service by-group "unix://$S/.s.PGSQL.$PG" trust_user disable
	cat <<EOT
    config:
      socketMode: "0666"
      allowedGroups: [$NOGROUP, daemon]
EOT
}

# as PORT [UID GID GROUPS]: psql over the socket, as this script (root),
# or through setpriv as UID and GID with the supplementary GROUPS (a list,
# or "-" for none).
as()
{
	_p=$1
	if [ $# -eq 1 ]; then
		pg_psql "host=$S port=$_p dbname=postgres" "select current_user"
		return
	fi
	if [ "$4" = - ]; then _g=--clear-groups; else _g=--groups=$4; fi
	# From $T, which the user can enter (the tree may be in a 0700 one).
	(cd "$T" && setpriv --reuid="$2" --regid="$3" "$_g" -- \
	    env PGPASSFILE="$PGPASSFILE" timeout -k 5 60 psql -X -A -t -q -w \
	    -d "host=$S port=$_p dbname=postgres" -c "select current_user")
}
NOBODY="$(id -u nobody) $(id -g nobody) -"

conf root >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

out=$(as "$PU" 2>&1) && [ "$out" = trust_user ] ||
    fail "root (allowedUsers) was not let in: $out"
ok "root, in allowedUsers, gets in"

workers=$(grep -c "worker [0-9]* started" "$AIRLOCK_LOG")
out=$(as "$PU" $NOBODY 2>&1) && fail "nobody got in: $out"
ok "nobody is refused: $(echo "$out" | head -n 1)"
wait_for_log "by-user: connection on $S/.s.PGSQL.$PU refused: peer uid 65534 gid [0-9]+ pid [0-9]+ is in neither allowedUsers nor allowedGroups" 5 ||
    fail "the refusal is not logged with uid, gid and pid"
ok "logged: $(grep -o 'connection on .* refused: peer uid.*' "$AIRLOCK_LOG" | head -n 1)"
[ "$(grep -c "worker [0-9]* started" "$AIRLOCK_LOG")" = "$workers" ] ||
    fail "a worker was started for the refused peer"
ok "no worker was started for it"
curl -s --max-time 10 "http://127.0.0.1:$H/metrics" >"$T/metrics" ||
    fail "cannot read /metrics"
grep -q '^airlock_connections_failed_total{service="by-user",reason="refused"} 1$' \
    "$T/metrics" || fail "not counted as refused: $(grep refused "$T/metrics")"
ok "counted as refused in /metrics"

out=$(as "$PG" $NOBODY 2>&1) && [ "$out" = trust_user ] ||
    fail "nobody (group $NOGROUP in allowedGroups) was not let in: $out"
ok "nobody, whose group is in allowedGroups, gets in"
out=$(as "$PG" 65534 100 1 2>&1) && [ "$out" = trust_user ] ||
    fail "a peer with the supplementary group daemon was not let in: $out"
ok "a peer whose supplementary group (daemon) is in allowedGroups gets in"
out=$(as "$PG" 65534 100 - 2>&1) && fail "gid 100 got into the by-group service: $out"
out=$(as "$PG" 2>&1) && fail "root got into the by-group service: $out"
ok "a peer of another group, and root, are refused there"

conf "root, nobody" >"$T/airlock.yml"
reload_airlock HUP || fail "reload: $RELOAD_LINE"
out=$(as "$PU" $NOBODY 2>&1) && [ "$out" = trust_user ] ||
    fail "nobody was not let in after the reload: $out"
ok "a reload that adds nobody lets it in"
airlock_alive || fail "airlockd died"
exit 0
