# The SSH connectors against OpenSSH alone, in one run, as ratios (not
# part of the test suite: `make bench` runs it):
#
#  - connection time: BENCH_LOGINS sequential `ssh HOST true` (key
#    exchange, public key login, one exec) to the test sshd directly with
#    the key in a file, and through airlock's ssh connector (two key
#    exchanges, the login signed by the monitor).  OpenSSH 9.2 chooses
#    sntrup761x25519-sha512 with its own sshd, which costs some 90 ms here;
#    libssh 0.10 (both of airlock's legs) has no sntrup761, so ssh and
#    airlock agree on curve25519-sha256.  So direct logins are timed twice:
#    as ssh chooses, and with curve25519-sha256, the ratio of equals;
#  - throughput: BENCH_BYTES (1 GiB) of incompressible bytes into `cat
#    >/dev/null` on the backend, directly and through airlock;
#  - agent signatures per second, for BENCH_SECONDS, one request after
#    the other on one connection (regress/tools/agentclient.py), from
#    OpenSSH's ssh-agent and from airlock's ssh-agent connector (each
#    signature made by the monitor for the worker), Ed25519 both.
#
#	BENCH_LOGINS=20 BENCH_BYTES=1073741824 BENCH_SECONDS=5
#
# Everything on 127.0.0.1, ssh's default cipher (chacha20-poly1305) on
# every leg; airlockd at log level info.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/ssh.sh"
. "$TOP/regress/bench/report.sh"

LOGINS=${BENCH_LOGINS:-20}
BYTES=${BENCH_BYTES:-1073741824}
SECS=${BENCH_SECONDS:-5}
bench_whole "BENCH_LOGINS, BENCH_BYTES, BENCH_SECONDS" "$LOGINS" "$BYTES" \
    "$SECS"

ssh_sshd_start
P=$(free_port)
{
	ssh_service bench-ssh "$P"
	ssh_agent_service bench-agent "$T/agent.sock" \
	    "$(ssh_cred ed25519 ed25519)"
	echo "    config:"
	ssh_config_lines "maxSignatures: 100000"
} >"$T/services.yml"
AIRLOCK_FLAGS=-D ssh_airlock "logLevel: info" <"$T/services.yml"
eval "$(ssh-agent -a "$T/openssh-agent.sock")" >/dev/null ||
    fail "ssh-agent did not start"
at_exit "kill $SSH_AGENT_PID"
ssh_add "$T/openssh-agent.sock" -q "$SSH_KEYS/ed25519" ||
    fail "ssh-add to OpenSSH's agent"

# to TARGET CMD...: ssh to the backend, directly (as ssh chooses its key
# exchange, or with curve25519) or through airlock.
to()
{
	case $1 in
	direct) shift
		ssh_c -o "IdentityFile=$SSH_KEYS/ed25519" -p "$SSHD_PORT" \
		    root@127.0.0.1 "$@" ;;
	direct-c25519) shift
		ssh_c -o "IdentityFile=$SSH_KEYS/ed25519" \
		    -o KexAlgorithms=curve25519-sha256 -p "$SSHD_PORT" \
		    root@127.0.0.1 "$@" ;;
	airlock) shift
		ssh_c -p "$P" anyone@127.0.0.1 "$@" ;;
	esac
}

now_ms()
{
	echo $(($(date +%s%N) / 1000000))
}

STREAM="head -c $BYTES /dev/zero | openssl enc -aes-128-ctr -nosalt"
STREAM="$STREAM -K 000102030405060708090a0b0c0d0e0f -iv 0 2>/dev/null"
SSH_TIMEOUT=900
for t in direct direct-c25519 airlock; do
	to "$t" true >"$T/$t.out" 2>&1 || fail "$t: $(cat "$T/$t.out")"
	s=$(now_ms)
	i=0
	while [ "$i" -lt "$LOGINS" ]; do
		to "$t" true >"$T/$t.out" 2>&1 || fail "$t: $(cat "$T/$t.out")"
		i=$((i + 1))
	done
	ms=$(( ($(now_ms) - s) / LOGINS ))
	# Rows: login (as ssh chooses) and login-curve25519, each OpenSSH
	# against airlock.
	case $t in
	direct) echo "login openssh $ms" ;;
	direct-c25519) echo "login-curve25519 openssh $ms" ;;
	airlock) echo "login airlock $ms"
		echo "login-curve25519 airlock $ms" ;;
	esac >>"$T/results"
	[ "$t" = direct-c25519 ] && continue
	s=$(now_ms)
	sh -c "$STREAM" | to "$t" 'cat >/dev/null' 2>"$T/$t.err" ||
	    fail "$t: throughput: $(cat "$T/$t.err")"
	ms=$(($(now_ms) - s))
	[ "$t" = direct ] && t=openssh
	echo "throughput $t $((BYTES / 1000 / (ms > 0 ? ms : 1)))" \
	    >>"$T/results"
done
for t in openssh-agent agent; do
	python3 "$TOP/regress/tools/agentclient.py" bench "$T/$t.sock" "$SECS" \
	    >"$T/$t.bench" 2>&1 || fail "$t: $(cat "$T/$t.bench")"
	[ "$t" = agent ] && p=airlock || p=openssh
	echo "signatures $p $(awk '{ printf "%.0f", $1 / $4 }' "$T/$t.bench")" \
	    >>"$T/results"
done
airlock_alive || fail "airlockd died during the benchmark"

echo "## SSH (regress/bench/ssh.sh)"
echo
echo "127.0.0.1: login in ms each (mean of $LOGINS), throughput in MB/s" \
    "($BYTES bytes), agent signatures per second ($SECS s); OpenSSH alone" \
    "(ssh to sshd, ssh-agent) against airlock's ssh and ssh-agent" \
    "connectors. login-curve25519: OpenSSH with curve25519-sha256, the" \
    "key exchange libssh and so airlock use. For login lower is better," \
    "for the others higher."
echo
bench_ratio_table "$T/results" "openssh airlock" airlock/openssh |
    bench_table
exit 0
