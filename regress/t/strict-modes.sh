# StrictModes (monitor/safefile.c, airlockd(8)): as root, airlockd loads
# no file that anyone but root could change: the configuration (with -f,
# and Secretless Broker's ./secretless.yml), the worker executable, and the
# files of "from: file".  A file of mode 0666 or 0620 or of another owner,
# or one under a directory of mode 0777 (not sticky) or of another owner,
# is refused by airlockd -t and by a start, naming the path, the component
# and its mode; by a reload too, which keeps the running configuration.
# A credential file like that fails its connection with a clear error
# (psql and the log), airlockd goes on, and another service still works;
# so does a link from a good directory to a bad file.  A sticky directory
# of root's (1777) above a 0755 one is passed.  Run as nobody, airlockd
# trusts nobody's own files, and refuses what others could change.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

require_root
NOBODY=$(id -u nobody)

# refused WHAT PATTERN [ARG...]: airlockd -t ARGs and a start with ARGs
# both fail, and say PATTERN (an extended regular expression).
refused()
{
	_what=$1
	_pat=$2
	shift 2
	for _mode in -t -D; do
		out=$(timeout 20 "$AIRLOCKD" "$_mode" "$@" 2>&1 </dev/null) &&
		    fail "$_what: airlockd $_mode accepted it: $out"
		echo "$out" | grep -E -q -- "$_pat" ||
		    fail "$_what: airlockd $_mode: unexpected message: $out"
	done
	ok "$_what: $(echo "$out" | tail -n 1 | sed 's/^.*\] //')"
}

# accepted WHAT ARG...: airlockd -t ARGs is happy.
accepted()
{
	_what=$1
	shift
	out=$(timeout 20 "$AIRLOCKD" -t "$@" 2>&1 </dev/null) ||
	    fail "$_what: airlockd -t refused it: $out"
	ok "$_what: $out"
}

pg_start
PG=$(free_port)
PW=$(free_port)
PO=$(free_port)
PL=$(free_port)

# Password files: one good, one 0666, one nobody's, a link to the 0666 one.
S=$T/secrets
mkdir "$S"
chmod 0755 "$S"
for f in good w666 nobody; do
	printf '%s' "$PG_SCRAM_PASSWORD" >"$S/$f.pw"
	chmod 0600 "$S/$f.pw"
done
chmod 0666 "$S/w666.pw"
chown nobody "$S/nobody.pw"
ln -s w666.pw "$S/link.pw"

D=$T/conf
mkdir "$D"
chmod 0755 "$D"
C=$D/airlock.yml
{
	airlock_head
	pg_service good "$PG" scram_user disable \
	    "password: {from: file, get: $S/good.pw}"
	pg_service mode666 "$PW" scram_user disable \
	    "password: {from: file, get: $S/w666.pw}"
	pg_service owner "$PO" scram_user disable \
	    "password: {from: file, get: $S/nobody.pw}"
	pg_service link "$PL" scram_user disable \
	    "password: {from: file, get: $S/link.pw}"
} >"$C"
chmod 0644 "$C"

# The configuration file and the directories above it.
chmod 0666 "$C"
refused "configuration 0666" \
    "$C: refusing to load: file $C is mode 0666 \(group and world writable\); it must be owned by root and writable by root only" \
    -f "$C"
chmod 0620 "$C"
refused "configuration 0620" "file $C is mode 0620 \(group writable\)" \
    -f "$C"
chmod 0644 "$C"
chown nobody "$C"
refused "configuration owned by nobody" \
    "file $C is owned by uid $NOBODY, mode 0644;" -f "$C"
chown root "$C"
chmod 0777 "$D"
refused "directory 0777 above it" \
    "$C: refusing to load: directory $D is mode 0777 \(group and world writable\)" \
    -f "$C"
chmod 0755 "$D"
chown nobody "$D"
refused "directory of nobody's above it" \
    "directory $D is owned by uid $NOBODY, mode 0755" -f "$C"
chown root "$D"

# Root's sticky directory (as /tmp) above a root 0755 one: passed.
mkdir -p "$T/sticky/inner"
chmod 1777 "$T/sticky"
chmod 0755 "$T/sticky/inner"
cp "$C" "$T/sticky/inner/airlock.yml"
accepted "a 1777 directory above" -f "$T/sticky/inner/airlock.yml"

# Secretless Broker's default, ./secretless.yml, in a directory that
# anyone may write.
mkdir "$T/world"
chmod 0777 "$T/world"
cp "$C" "$T/world/secretless.yml"
(
	cd "$T/world" || exit 1
	refused "./secretless.yml in a 0777 directory" \
	    "secretless.yml: refusing to load: directory $T/world is mode 0777"
) || exit 1

# The worker executable: group-writable, or in a directory of nobody's;
# or airlock-worker-plain beside a good one, group-writable.
mkdir "$T/wbin" "$T/wnobody" "$T/wplain"
chmod 0755 "$T/wbin" "$T/wnobody" "$T/wplain"
cp "$TOP/airlock-worker" "$T/wbin/"
cp "$TOP/airlock-worker" "$T/wnobody/"
cp "$TOP/airlock-worker" "$TOP/airlock-worker-plain" "$T/wplain/"
chmod 0775 "$T/wbin/airlock-worker" "$T/wplain/airlock-worker-plain"
chown nobody "$T/wnobody"
for w in wbin wnobody wplain; do
	{
		airlock_head "worker: $T/$w/airlock-worker"
		pg_service good "$PG" scram_user disable
	} >"$T/worker-$w.yml"
done
refused "a group-writable worker" \
    "worker executable $T/wbin/airlock-worker: refusing to load: file $T/wbin/airlock-worker is mode 0775 \(group writable\)" \
    -f "$T/worker-wbin.yml"
refused "a worker in a directory of nobody's" \
    "worker executable $T/wnobody/airlock-worker: refusing to load: directory $T/wnobody is owned by uid $NOBODY" \
    -f "$T/worker-wnobody.yml"
refused "a group-writable airlock-worker-plain" \
    "worker executable $T/wplain/airlock-worker-plain: refusing to load: file $T/wplain/airlock-worker-plain is mode 0775 \(group writable\)" \
    -f "$T/worker-wplain.yml"

# The good configuration loads and starts.
accepted "the configuration, 0644 in a 0755 directory" -f "$C"
start_airlock "$C"

# expect_refused PORT WHAT PATTERN: the connection fails with a provider
# error that matches, in psql's output and in airlockd's log.
expect_refused()
{
	out=$(airlock_psql "$1" "select 1" 2>&1) &&
	    fail "$2: the query succeeded: $out"
	echo "$out" | grep -E -q -- "$3" ||
	    fail "$2: psql says: $out"
	wait_for_log "$3" 5 || fail "$2: not in airlockd's log"
	airlock_alive || fail "$2: airlockd died"
	ok "$2: $(echo "$out" | sed -n 's/.*FATAL: *//p' | head -n 1)"
}
expect_refused "$PW" "a credential file of mode 0666" \
    "file provider: $S/w666.pw: refusing to load: file $S/w666.pw is mode 0666"
expect_refused "$PO" "a credential file of nobody's" \
    "file provider: $S/nobody.pw: refusing to load: file $S/nobody.pw is owned by uid $NOBODY"
expect_refused "$PL" "a link to a credential file of mode 0666" \
    "file provider: $S/link.pw: refusing to load: file $S/w666.pw is mode 0666"
out=$(airlock_psql "$PG" "select current_user" 2>&1) ||
    fail "the good service: $out"
[ "$out" = scram_user ] || fail "the good service: current_user is '$out'"
ok "the good service still works"

# A reload of a file that became group-writable keeps what runs.
chmod 0664 "$C"
reload_airlock HUP && fail "the reload of a 0664 file succeeded"
echo "$RELOAD_LINE" | grep -q "refusing to load: file $C is mode 0664" ||
    fail "reload: $RELOAD_LINE"
ok "reload: $(echo "$RELOAD_LINE" | sed 's/^.*\] //')"
chmod 0644 "$C"
out=$(airlock_psql "$PG" "select 'still'" 2>&1) ||
    fail "after the failed reload: $out"
stop_airlock

# As nobody: its own files are trusted, what others could change is not.
command -v setpriv >/dev/null || {
	echo "note: setpriv (util-linux) not found: the check as nobody skipped"
	exit 0
}
mkdir "$T/nbin" "$T/nconf"
cp "$TOP/airlockd" "$TOP/airlock-worker" "$TOP/airlock-worker-plain" "$T/nbin/"
chmod 0755 "$T/nbin" "$T/nconf"
cp "$C" "$T/nconf/airlock.yml"
chown nobody "$T/nconf" "$T/nconf/airlock.yml"
AIRLOCKD=$T/nbin/airlockd-as-nobody
cat >"$AIRLOCKD" <<EOF
#!/bin/sh
exec setpriv --reuid=nobody --regid=nogroup --clear-groups \
    --inh-caps=-all --bounding-set=-all -- $T/nbin/airlockd "\$@"
EOF
chmod 0755 "$AIRLOCKD"
accepted "as nobody, nobody's own configuration" -f "$T/nconf/airlock.yml"
chmod 0666 "$T/nconf/airlock.yml"
out=$(timeout 20 "$AIRLOCKD" -t -f "$T/nconf/airlock.yml" 2>&1) &&
    fail "as nobody, a 0666 configuration was accepted: $out"
echo "$out" | grep -q "mode 0666 (group and world writable); it must be owned by root or uid $NOBODY (airlockd's user)" ||
    fail "as nobody: $out"
ok "as nobody, a 0666 configuration: $out"
exit 0
