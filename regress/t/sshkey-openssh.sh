# The monitor's SSH key code against OpenSSH's own tools, on keys
# ssh-keygen makes for this run: public keys as ssh-keygen -y prints them,
# fingerprints as ssh-keygen -l does, signatures (sshkey_sign, in an SSH
# signature of PROTOCOL.sshsig) that ssh-keygen -Y check-novalidate
# accepts, for every key type in PEM and in OpenSSH's format; encrypted
# keys refused; known_hosts lookups as ssh-keygen -F finds them, hashed
# or not, on port 22 and another.
. "$(dirname "$0")/../lib.sh"

TOOL=$TOP/regress/tools/sshkeytool
command -v ssh-keygen >/dev/null || skip "ssh-keygen is not installed"
[ -x "$TOOL" ] || fail "$TOOL is not built"

echo "a message to sign" >"$T/msg"
n=0
for spec in rsa:3072 ecdsa:256 ecdsa:384 ecdsa:521 ed25519:256; do
	type=${spec%:*}
	bits=${spec#*:}
	# one key, in OpenSSH's format and rewritten (ssh-keygen -p) in PEM
	ssh-keygen -q -t "$type" -b "$bits" -N '' -C "$type" \
	    -f "$T/$type${bits}RFC4716" || fail "ssh-keygen $spec"
	cp "$T/$type${bits}RFC4716" "$T/$type${bits}PEM"
	cp "$T/$type${bits}RFC4716.pub" "$T/$type${bits}PEM.pub"
	# ssh-keygen writes Ed25519 keys in its own format only
	[ "$type" = ed25519 ] || ssh-keygen -q -p -P '' -N '' -m PEM \
	    -f "$T/$type${bits}PEM" >/dev/null || fail "ssh-keygen -p -m PEM"
	for fmt in PEM RFC4716; do
		[ "$type" = ed25519 ] && [ "$fmt" = PEM ] && continue
		k=$T/$type$bits$fmt
		head -n 1 "$k" | grep -q OPENSSH && [ "$fmt" = PEM ] &&
		    fail "ssh-keygen -m PEM wrote OpenSSH's format"
		want=$(cut -d' ' -f1,2 "$k.pub")
		got=$("$TOOL" pub "$k") || fail "$spec $fmt: refused"
		[ "$got" = "$want" ] ||
		    fail "$spec $fmt: public key $got, ssh-keygen -y: $want"
		want=$(ssh-keygen -l -f "$k.pub" | cut -d' ' -f2)
		got=$("$TOOL" fp "$k.pub")
		[ "$got" = "$want" ] ||
		    fail "$spec: fingerprint $got, ssh-keygen -l: $want"
		case $type in
		rsa)	algs="rsa-sha2-256 rsa-sha2-512" ;;
		*)	algs=$(cut -d' ' -f1 "$k.pub") ;;
		esac
		for alg in $algs; do
			"$TOOL" sign "$k" "$alg" airlock-test <"$T/msg" \
			    >"$T/sig" || fail "$spec $fmt $alg: not signed"
			ssh-keygen -Y check-novalidate -n airlock-test \
			    -f "$k.pub" -s "$T/sig" <"$T/msg" >"$T/check" 2>&1 ||
			    fail "$spec $fmt $alg: ssh-keygen -Y" \
			    "check-novalidate: $(cat "$T/check")"
			n=$((n + 1))
		done
	done
done
ok "public keys, fingerprints and $n signatures as OpenSSH makes them"

# ssh-keygen's ssh-rsa (SHA-1) signature is refused by -Y itself; an
# encrypted key by sshkey_private, saying why.
for fmt in PEM RFC4716; do
	ssh-keygen -q -t ecdsa -m "$fmt" -N secret -f "$T/enc$fmt" ||
	    fail "ssh-keygen -N"
	if out=$("$TOOL" pub "$T/enc$fmt" 2>&1); then
		fail "an encrypted $fmt key was decoded"
	fi
	case $out in
	*"the key is encrypted (passphrases are not supported)"*) ;;
	*)	fail "encrypted $fmt key: $out" ;;
	esac
done
ok "encrypted keys refused"

# known_hosts: the same file plain and hashed (ssh-keygen -H).
kh=$T/known_hosts
{
	echo "host1.example,10.0.0.1 $(cat "$T/ed25519256RFC4716.pub")"
	echo "host1.example $(cat "$T/ecdsa256PEM.pub")"
	echo "[host1.example]:2222 $(cat "$T/ecdsa384PEM.pub")"
	echo "*.wild.example,!bad.wild.example $(cat "$T/rsa3072PEM.pub")"
} >"$kh"
cp "$kh" "$kh.plain"
ssh-keygen -q -H -f "$kh" >/dev/null 2>&1 || fail "ssh-keygen -H"
grep -q '^|1|' "$kh" || fail "ssh-keygen -H hashed nothing"
for q in host1.example:22 10.0.0.1:22 host1.example:2222 \
    other.example:22 a.wild.example:22 bad.wild.example:22; do
	host=${q%:*}
	port=${q#*:}
	name=$host
	[ "$port" = 22 ] || name="[$host]:$port"
	for f in "$kh.plain" "$kh"; do
		want=$(ssh-keygen -F "$name" -f "$f" | grep -v '^#' |
		    cut -d' ' -f2,3 | sort)
		got=$("$TOOL" kh "$f" "$host" "$port" | sort) ||
		    fail "kh $q failed"
		[ "$got" = "$want" ] ||
		    fail "known_hosts $q ($f): found '$got', ssh-keygen -F" \
		    "'$want'"
	done
done
ok "known_hosts lookups as ssh-keygen -F finds them"
