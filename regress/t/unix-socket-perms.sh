# A Unix listener's socket file, in a directory that others may write to:
# its mode and owner are never set through a path that someone could
# redirect.  A user who swaps the fresh socket for a symbolic link right
# after bind(2) (the bindswap.so shim plays that user), or who planted a
# link at the path before the start, or who replaces the socket before a
# reload changes its mode, cannot make airlockd change another file; the
# socket ends up with the configured mode and owner; a regular file or a
# directory at the path is refused, not replaced.
. "$(dirname "$0")/../lib.sh"

require_root
SHIM=$TOP/regress/tools/preload/bindswap.so
[ -f "$SHIM" ] || fail "$SHIM not built"
# Writable by anyone and not sticky: anyone may rename or remove in it.
D=$T/pub
mkdir "$D" && chmod 0777 "$D" || fail "mkdir $D"
for v in A B C; do
	echo "victim $v" >"$T/victim$v"
	chown root:root "$T/victim$v"
	chmod 0644 "$T/victim$v"
done

# intact FILE: root's, mode 0644, as made above.
intact()
{
	_s=$(stat -c '%a %U' "$1")
	[ "$_s" = "644 root" ] || fail "$1 was changed through a link: $_s"
}

# our_socket PATH MODE: a socket (not a link), MODE, owned by nobody.
our_socket()
{
	[ -S "$1" ] && [ ! -L "$1" ] || fail "$1 is not a socket: $(ls -l "$1")"
	_s=$(stat -c '%a %U' "$1")
	[ "$_s" = "$2 nobody" ] || fail "$1: mode and owner $_s, not $2 nobody"
}

# conf NAME MODE: a configuration with one service listening at $D/NAME.
conf()
{
	airlock_head
	cat <<EOT
  db:
    connector: pg
    listenOn: unix://$D/$1
    credentials: {host: 127.0.0.1, username: u}
    config:
      socketMode: "$2"
      socketOwner: nobody
EOT
}

# 1. The race, made certain by the shim.
conf s.race 0666 >"$T/race.yml"
BINDSWAP_TARGET=$T/victimA
LD_PRELOAD=$SHIM
export BINDSWAP_TARGET LD_PRELOAD
start_airlock "$T/race.yml"
unset BINDSWAP_TARGET LD_PRELOAD
intact "$T/victimA"
our_socket "$D/s.race" 666
grep "bindswap:" "$AIRLOCK_LOG" && fail "the shim found the socket in $D"
ok "bound where no one else can reach: the link swapped in after bind changed nothing"
[ "$(ls -A "$D")" = s.race ] || fail "left in $D: $(ls -A "$D")"
ok "no private directory left behind"
stop_airlock
[ -e "$D/s.race" ] && fail "the socket is still there after exit"
ok "the socket is removed at exit"

# 2. A link planted before the start is replaced, not followed.
ln -s "$T/victimB" "$D/s.link"
conf s.link 0666 >"$T/link.yml"
start_airlock "$T/link.yml"
intact "$T/victimB"
our_socket "$D/s.link" 666
wait_for_log "$D/s.link is a symbolic link; replacing the link itself" 1 ||
    fail "the replaced link is not logged"
ok "a planted link is replaced by the socket; its target is untouched"

# 3. A reload that changes the mode: the socket's, and only while it is ours.
conf s.link 0640 >"$T/link.yml"
reload_airlock HUP || fail "reload: $RELOAD_LINE"
our_socket "$D/s.link" 640
ok "a reload sets the new mode on the socket"
mv "$D/s.link" "$D/s.moved"
ln -s "$T/victimC" "$D/s.link"
conf s.link 0600 >"$T/link.yml"
reload_airlock HUP || fail "reload: $RELOAD_LINE"
intact "$T/victimC"
wait_for_log "$D/s.link is no longer the socket that airlockd made" 1 ||
    fail "no warning about the replaced socket"
ok "a reload does not follow a link put in the socket's place"

# 4. A regular file or a directory at the path is refused (at a reload
# here: the same code as at the start, and airlockd goes on).
echo "not a socket" >"$D/s.file"
mkdir "$D/s.dir"
for f in s.file s.dir; do
	conf "$f" 0666 >"$T/link.yml"
	reload_airlock HUP && fail "$f: the reload succeeded"
	case "$RELOAD_LINE" in
	*"$D/$f exists and is not a socket; airlockd replaces only a socket or a symbolic link"*) ;;
	*) fail "$f: not the expected error: $RELOAD_LINE" ;;
	esac
	ok "$f refused: ${RELOAD_LINE#*reload failed: }"
done
[ "$(cat "$D/s.file")" = "not a socket" ] && [ -d "$D/s.dir" ] ||
    fail "the file or directory was changed"
[ -z "$(ls -A "$D" | grep '^\.airlock')" ] ||
    fail "private directories left in $D: $(ls -A "$D")"
ok "the file and the directory are left as they were"

stop_airlock
[ -L "$D/s.link" ] || fail "the link that is not ours was removed at exit"
ok "what is no longer ours is not removed at exit"
exit 0
