# Where a secret must not rest, for the residency tests (sourced after
# lib.sh): a canary password, and scans of a process's memory for it with
# regress/tools/memscan, which reads the needle from a file (not argv).
#
# residency_canary: a fresh canary in $CANARY and in the file $T/canary.
# residency_scan WHAT PID [NEEDLE NAME]: the canary (or the bytes of file
#	NEEDLE, called NAME) must not be in PID's memory.
# residency_hold NAME PORT SQL OUT: a session of airlock_session (its client
#	from $SESSION_CLIENT) that runs SQL, which must contain $MARKER (set
#	by residency_marker NAME first) and take a few seconds; while it is
#	held, the worker must hold the marker it relays (so the scan reads
#	its memory) and not the canary, nor airlockd.  OUT gets the session's
#	output once it has ended.
# residency_found WHAT PID FILE NAME: the bytes of FILE must be in PID's
#	memory (a control: the scan does see what the process holds).
# residency_kept WHAT PID FILE NAME [guarded|environ]: airlockd (PID)
#	keeps the bytes of FILE (called NAME) as a secret, where its start-up
#	line says (secret_backing): in memfd_secret memory, which no scan can
#	read, nowhere readable with a /secretmem mapping there; in
#	libsodium's, found (guarded: in guarded memory only).  environ: a
#	secret that airlockd took from its environment, of which the ASan
#	runtime and valgrind keep copies of their own: found anywhere there.
#	KEPT_WHERE says where it was.
# residency_logs FILE...: the canary is in no line of airlockd's (debug)
#	log, nor in the FILEs (the clients' outputs).
# residency_key_needles KEY PREFIX: the forms of the EC P-256 private key
#	in the PEM file KEY, each in a file: PREFIX-pem (the file's text),
#	PREFIX-der, PREFIX-be and PREFIX-le (the private scalar, big-endian
#	as in DER, little-endian as OpenSSL's BIGNUM keeps it).
# residency_key_unlogged PREFIX WHAT: the PEM and the scalar of
#	residency_key_needles PREFIX are in no line of airlockd's log.
# RESIDENCY_WORKER_SCAN: a function that residency_hold calls with the
#	worker's pid while the session is held, for more scans.

require_root
MEMSCAN=$TOP/regress/tools/memscan
[ -x "$MEMSCAN" ] || fail "$MEMSCAN not built (make)"

residency_canary()
{
	CANARY=canary-$(head -c 512 /dev/urandom | tr -dc 'A-Za-z0-9' |
	    head -c 24)
	[ "${#CANARY}" -eq 31 ] || fail "could not make a canary"
	printf '%s' "$CANARY" >"$T/canary"
	chmod 0600 "$T/canary"
}

residency_scan()
{
	"$MEMSCAN" "$2" "${3:-$T/canary}" >"$T/scan.out" 2>&1
	_rc=$?
	case $_rc in
	0)	;;
	1)	fail "$1: ${4:-the canary} is in the memory of pid $2:" \
		    "$(cat "$T/scan.out")" ;;
	*)	fail "$1: memscan failed (exit $_rc): $(cat "$T/scan.out")" ;;
	esac
}

# residency_found WHAT PID FILE NAME: the control of a scan: the bytes of
# FILE (called NAME) are in PID's memory.
residency_found()
{
	"$MEMSCAN" "$2" "$3" >"$T/scan.found" 2>&1
	_rc=$?
	[ "$_rc" -eq 1 ] || fail "$1: control: $4 is not found in pid $2" \
	    "(exit $_rc): $(cat "$T/scan.found")"
}

residency_kept()
{
	"$MEMSCAN" -g -m "$2" "$3" >"$T/scan.kept" 2>&1
	_rc=$?
	case "$(secret_backing):${5:-}:$_rc" in
	memfd_secret::4|memfd_secret:guarded:4|memfd_secret:environ:4)
		_n=$(grep -c '^unreadable secretmem' "$T/scan.kept")
		KEPT_WHERE="nowhere readable, in memfd_secret memory ($_n"
		KEPT_WHERE="$KEPT_WHERE unreadable /secretmem mapping(s))" ;;
	libsodium:guarded:3)
		_n=$(grep -c guarded "$T/scan.kept")
		KEPT_WHERE="in guarded memory only: $_n cop(ies)" ;;
	libsodium::1|libsodium::3|libsodium:environ:3)
		KEPT_WHERE="found: $(head -n 1 "$T/scan.kept")" ;;
	*:environ:1)
		[ -n "${AIRLOCK_SANITIZE:-}" ] || fail "$1: $4 is outside" \
		    "guarded memory: $(cat "$T/scan.kept")"
		KEPT_WHERE="found: $(head -n 1 "$T/scan.kept")" ;;
	*)
		fail "$1: $4 is not where airlockd's secrets are" \
		    "($(secret_backing), ${5:-found}; memscan -g -m exit" \
		    "$_rc): $(cat "$T/scan.kept")" ;;
	esac
}

residency_marker()
{
	MARKER=marker-$1-$(openssl rand -hex 8)
	printf '%s' "$MARKER" >"$T/marker"
}

residency_hold()
{
	airlock_session "$2" "$1" "$3" "$4"
	_client=$SESSION_PID
	_w=$WORKER_PID
	# The handshake is over; wait for the worker to relay the query
	# (a client under load may take a while to send it): up to 5 s.
	_n=10
	while :; do
		sleep 0.5
		is_worker "$_w" || fail "$1: worker $_w has gone"
		kill -0 "$_client" 2>/dev/null ||
		    fail "$1: the session ended too soon"
		"$MEMSCAN" "$_w" "$T/marker" >"$T/scan.marker" 2>&1
		_rc=$?
		_n=$((_n - 1))
		[ "$_rc" -eq 0 ] && [ "$_n" -gt 0 ] || break
	done
	[ "$_rc" -eq 1 ] || fail "$1: control: the relayed marker is not" \
	    "found in worker $_w (exit $_rc): $(cat "$T/scan.marker")"
	residency_scan "$1 worker" "$_w"
	[ -z "${RESIDENCY_WORKER_SCAN:-}" ] || "$RESIDENCY_WORKER_SCAN" "$_w"
	ok "$1: the canary is not in the memory of worker $_w, which does" \
	    "hold the query it relays ($(head -n 1 "$T/scan.marker"))"
	residency_scan "$1 monitor" "$AIRLOCK_PID"
	ok "$1: nor in airlockd's, once the handshake is over"
	wait "$_client" || fail "$1: session failed: $(cat "$4")"
}

residency_logs()
{
	grep -q "\[DEBUG\]" "$AIRLOCK_LOG" || fail "the log has no debug lines"
	for _f in "$AIRLOCK_LOG" "$@"; do
		"$MEMSCAN" -s "$_f" "$T/canary" >/dev/null ||
		    fail "the canary is in $_f"
	done
	ok "the canary is in no log line ($(wc -l <"$AIRLOCK_LOG") lines," \
	    "debug) and no client output"
}

residency_key_needles()
{
	cp "$1" "$2-pem" || fail "cannot copy $1"
	sed '/^-----/d' "$1" | openssl base64 -d >"$2-der" ||
	    fail "cannot decode the PEM of $1"
	_hex=$(openssl pkey -in "$1" -noout -text |
	    sed -n '/^priv:/,/^pub:/{/^priv:/d;/^pub:/d;p;}' | tr -d ' :\n' |
	    sed 's/^00\(.\{64\}\)$/\1/')
	[ ${#_hex} -eq 64 ] ||
	    fail "cannot read the private scalar of $1 (${#_hex} hex digits)"
	printf '%s' "$_hex" | sed 's/../\\x&/g' | xargs -0 printf >"$2-be"
	printf '%s' "$_hex" | sed 's/../& /g' | tr ' ' '\n' | grep . | tac |
	    tr -d '\n' | sed 's/../\\x&/g' | xargs -0 printf >"$2-le"
	[ "$(wc -c <"$2-be")" -eq 32 ] && [ "$(wc -c <"$2-le")" -eq 32 ] ||
	    fail "the scalar of $1 is not 32 bytes"
	[ "$(wc -c <"$2-der")" -gt 100 ] || fail "the DER of $1 is too short"
}

residency_key_unlogged()
{
	for _n in pem be; do
		"$MEMSCAN" -s "$1-$_n" "$AIRLOCK_LOG" >/dev/null ||
		    fail "$2 ($_n) is in airlockd's log, or the scan failed"
	done
	ok "$2 is not in airlockd's log"
}
