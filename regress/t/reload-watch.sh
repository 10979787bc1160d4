# The watch reloads when the file changes, once per save: with -watch, an
# editor's save (write a temporary file, move the old one aside, rename the
# new one into place) gives one reload, and a broken save is reported and
# changes nothing; with "watch: true" in the file, the swap of a
# Kubernetes ConfigMap's "..data" symlink gives one reload.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
P1=$(free_port)
P2=$(free_port)
P3=$(free_port)
HEAD=$(airlock_head)

# reloads: how many reloads (good or failed) the log shows.
reloads()
{
	grep -E -c "\] (reloaded |reload failed: )" "$AIRLOCK_LOG"
}
# one_more_reload BEFORE WHAT: exactly one reload since the count BEFORE,
# and no second one once the debounce has long passed.
one_more_reload()
{
	_n=100
	while [ "$_n" -gt 0 ] && [ "$(reloads)" -le "$1" ]; do
		sleep 0.1
		_n=$((_n - 1))
	done
	[ "$(reloads)" -gt "$1" ] || fail "$2: no reload within 10 s"
	sleep 1.5
	[ "$(reloads)" -eq $(($1 + 1)) ] ||
	    fail "$2: $(($(reloads) - $1)) reloads for one change"
}

mkdir -p "$T/etc"
{
	echo "$HEAD"
	pg_service pg-1 "$P1" trust_user disable
} >"$T/etc/airlock.yml"
AIRLOCK_FLAGS="-d -watch" start_airlock "$T/etc/airlock.yml"
grep -q "watching airlock.yml for changes" "$AIRLOCK_LOG" || fail "not watching"

# An editor's save, as vim does it with backupcopy=no.
n0=$(reloads)
{
	echo "$HEAD"
	pg_service pg-1 "$P1" trust_user disable
	pg_service pg-2 "$P2" trust_user disable
} >"$T/etc/.airlock.yml.swp"
mv "$T/etc/airlock.yml" "$T/etc/airlock.yml~"
mv "$T/etc/.airlock.yml.swp" "$T/etc/airlock.yml"
one_more_reload "$n0" "an editor's save"
out=$(airlock_psql "$P2" "select 'two'" 2>&1) || fail "the new service: $out"
ok "an editor's save: one reload, the new service serves"

# Other files of the directory are none of its business.
n0=$(reloads)
echo "x: [" >"$T/etc/other.yml"
sleep 1.5
[ "$(reloads)" -eq "$n0" ] || fail "another file's change caused a reload"
ok "a change to another file of the directory: no reload"

# A broken save, written in place.
n0=$(reloads)
echo "  pg-3: {connector: pg, listenOn: [" >>"$T/etc/airlock.yml"
one_more_reload "$n0" "a broken save"
grep -E -q "reload failed: $T/etc/airlock.yml:[0-9]+:[0-9]+: " "$AIRLOCK_LOG" ||
    fail "the failure is not reported"
for p in "$P1" "$P2"; do
	out=$(airlock_psql "$p" "select 1" 2>&1) || fail "port $p: $out"
done
ok "a broken save is reported and the services still serve"
stop_airlock

# A ConfigMap volume: the file is a link through ..data, which the kubelet
# replaces by renaming a new link over it.
K=$T/configmap
mkdir -p "$K/..v1" "$K/..v2"
{
	echo "$HEAD" | sed 's/^services:$/  watch: true\nservices:/'
	pg_service pg-1 "$P1" trust_user disable
} >"$K/..v1/airlock.yml"
ln -s ..v1 "$K/..data"
ln -s ..data/airlock.yml "$K/airlock.yml"
start_airlock "$K/airlock.yml"
grep -q "watching airlock.yml for changes" "$AIRLOCK_LOG" ||
    fail "watch: true did not start the watch"
n0=$(reloads)
{
	echo "$HEAD" | sed 's/^services:$/  watch: true\nservices:/'
	pg_service pg-3 "$P3" trust_user disable
} >"$K/..v2/airlock.yml"
ln -s ..v2 "$K/..data_tmp"
mv -T "$K/..data_tmp" "$K/..data"
rm -rf "$K/..v1"
one_more_reload "$n0" "the ..data swap"
out=$(airlock_psql "$P3" "select 'three'" 2>&1) || fail "the new service: $out"
out=$(airlock_psql "$P1" "select 1" 2>&1) &&
    fail "the removed service still serves: $out"
ok "a ConfigMap update (..data swap): one reload, the new services serve"
airlock_alive || fail "airlockd died"
exit 0
