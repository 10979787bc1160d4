# The files of contrib/ that are not programs: every YAML file parses; each
# example configuration passes airlockd -t; the Kubernetes manifests have
# what a sidecar needs (probes on 5335 /live and /ready, the Secret and the
# socket volume mounted where the ConfigMap's configuration, itself checked
# with airlockd -t, expects them, no capability beyond the systemd unit's);
# the Containerfile's COPY sources exist, its programs are those that make
# install installs, and its run stage installs the package of every
# library that airlockd and airlock-worker link.  (No registry can be
# reached here: the image itself is not built.)
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
$PY -c 'import yaml' 2>/dev/null || skip "python3-yaml is not installed"
cd "$TOP" || fail "no $TOP"

n=0
for f in $(find contrib -name '*.yml' -o -name '*.yaml' | sort); do
	out=$($PY -c 'import sys, yaml
with open(sys.argv[1]) as f:
	docs = [d for d in yaml.safe_load_all(f) if d is not None]
assert docs, "empty"' "$f" 2>&1) || fail "$f does not parse: $out"
	n=$((n + 1))
done
[ "$n" -ge 7 ] || fail "only $n YAML files under contrib/"
ok "$n YAML files under contrib/ parse"

# check_config FILE LABEL: airlockd -t, with the environment that the
# Vault example documents (the provider checks it at start).
check_config()
{
	out=$(VAULT_ADDR=https://vault.example:8200 VAULT_TOKEN=example-token \
	    "$AIRLOCKD" -t -f "$1" 2>&1) || fail "$2: $out"
}
for f in contrib/examples/*.yml; do
	check_config "$f" "$f"
done
ok "every example passes airlockd -t"
grep -l "connector: pg" contrib/examples/*.yml | grep -q . ||
    fail "no pg example"
for p in literal env file credential vault; do
	grep -Eq "from: *$p|^ +[a-z]+: [a-z0-9]" contrib/examples/*.yml ||
	    fail "no example with the $p provider"
done
ok "examples for pg with the literal, env, file, credential and vault providers"

# Kubernetes: structure, and the ConfigMap's configuration.
K=contrib/kubernetes/airlock-sidecar.yml
$PY - "$K" "$T/k8s.yml" >"$T/k8s.caps" <<'EOF' || fail "$K: see above"
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
for d in docs:
    assert d.get("apiVersion") and d.get("kind") and d["metadata"]["name"], d
kinds = {d["kind"]: d for d in docs}
for k in ("ConfigMap", "Secret", "Deployment"):
    assert k in kinds, "no " + k
conf = kinds["ConfigMap"]["data"]["airlock.yml"]
open(sys.argv[2], "w").write(conf)
spec = kinds["Deployment"]["spec"]["template"]["spec"]
cs = {c["name"]: c for c in spec["containers"]}
a = cs["airlock"]
ports = {p["name"]: p["containerPort"] for p in a["ports"]}
for probe, path in (("livenessProbe", "/live"), ("readinessProbe", "/ready")):
    g = a[probe]["httpGet"]
    assert g["path"] == path, probe
    assert ports.get(g["port"], g["port"]) == 5335, probe
c = yaml.safe_load(conf)
assert c["airlock"]["health"].endswith(":5335"), "health is not on 5335"
mounts = [m["mountPath"] for m in a["volumeMounts"]]
for svc in c["services"].values():
    for cred in svc["credentials"].values():
        if isinstance(cred, dict) and cred["from"] == "file":
            path = cred["get"].split("#")[0]
            assert any(path.startswith(m + "/") for m in mounts), path
    sock = svc["listenOn"][len("unix://"):]
    for name in ("app", "airlock"):
        assert any(sock.startswith(m["mountPath"] + "/")
            for m in cs[name]["volumeMounts"]), "socket not shared: " + name
assert cs["app"]["securityContext"]["runAsNonRoot"] is True
sc = a["securityContext"]
assert sc["allowPrivilegeEscalation"] is False
assert sc["capabilities"]["drop"] == ["ALL"]
assert sc["seccompProfile"]["type"] == "Localhost"
print(" ".join(sc["capabilities"]["add"]))
EOF
check_config "$T/k8s.yml" "$K (ConfigMap)"
unit=$(sed -n 's/^CapabilityBoundingSet=//p' contrib/systemd/airlockd.service)
for c in $(cat "$T/k8s.caps"); do
	echo " $unit " | grep -q " CAP_$c " ||
	    fail "$K adds $c, which the systemd unit does not keep"
done
ok "$K: probes on 5335, mounts, securityContext, configuration"

# The Containerfile.
CF=contrib/container/Containerfile
grep -q '^FROM debian:bookworm-slim AS build' "$CF" || fail "no build stage"
sed -n 's/^COPY \([^-][^ ]*\) .*/\1/p' "$CF" >"$T/copies"
[ -s "$T/copies" ] || fail "no COPY in $CF"
while read -r src; do
	[ -e "$src" ] || fail "$CF copies $src, which does not exist"
done <"$T/copies"
make -s install PREFIX=/usr DESTDIR="$T/img" >"$T/install.out" 2>&1 ||
    fail "make install: $(cat "$T/install.out")"
entry=$(sed -n 's/^ENTRYPOINT \["\([^"]*\)".*/\1/p' "$CF")
[ -x "$T/img$entry" ] || fail "$CF runs $entry; make install does not install it"
for w in airlock-worker airlock-worker-ssh airlock-worker-plain; do
	[ -x "$T/img/usr/libexec/airlock/$w" ] ||
	    fail "no $w in /usr/libexec/airlock"
done
[ -d "$T/img/var/empty/airlock" ] || fail "no /var/empty/airlock"
ok "$CF: COPY sources exist; $entry and the worker are what make install installs"

# Each library linked directly: its package is in the run stage.  One
# dpkg -S for all (it is slow); merged /usr: dpkg knows one of two spellings.
# A sanitizer build links its runtime's libraries (libgcc_s), which no image
# holds: the plain run checks the binaries that the image is built from.
run_stage=$(sed -n '/^FROM debian:bookworm-slim$/,$p' "$CF")
if [ -n "${AIRLOCK_SANITIZE:-}" ]; then
	echo "note: $AIRLOCK_SANITIZE build: its libraries are not the image's;" \
	    "the plain run checks them"
else
	for b in airlockd airlock-worker airlock-worker-ssh \
	    airlock-worker-plain; do
		for so in $(readelf -d "$b" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			path=$(ldd "$b" | awk -v s="$so" '$1 == s { print $3 }')
			[ -n "$path" ] || fail "$b: ldd does not find $so"
			real=$(readlink -f "$path")
			echo "$so $b $path $real ${real#/usr}"
		done
	done | sort -u >"$T/libs"
	[ -s "$T/libs" ] || fail "no library found in readelf -d"
	dpkg -S $(cut -d' ' -f3- "$T/libs") 2>/dev/null >"$T/owners"
	while read -r so b p1 p2 p3; do
		pkg=$(awk -v a="$p1" -v b="$p2" -v c="$p3" \
		    '$2 == a || $2 == b || $2 == c { sub(/:.*/, "", $1); print $1 }' \
		    "$T/owners" | head -n 1)
		[ -n "$pkg" ] || fail "$b: no package owns $so"
		[ "$pkg" = libc6 ] && continue
		echo "$run_stage" | grep -Eq "(^|[[:space:]])$pkg([[:space:]]|\$)" ||
		    fail "$CF: the run stage lacks $pkg ($so, linked by $b)"
	done <"$T/libs"
	ok "$CF: the run stage installs every library package the daemons link"
fi

# And the build stage: the -dev package of every library the Makefile
# builds with (pkg-config's .pc files, and http-parser's header, which has
# none).
build_stage=$(sed -n '1,/^FROM debian:bookworm-slim$/p' "$CF")
pcs=$(make -s --no-print-directory --eval 'show-pkgs: ; @echo $(ALL_PKGS)' show-pkgs)
[ -n "$pcs" ] || fail "ALL_PKGS not found in the Makefile"
for pc in $pcs; do
	f=$(pkg-config --variable=pcfiledir "$pc")/$pc.pc
	readlink -f "$f"
done >"$T/devfiles"
echo /usr/include/http_parser.h >>"$T/devfiles"
dpkg -S $(cat "$T/devfiles") 2>/dev/null | sed 's/:.*//' | sort -u >"$T/devpkgs"
[ -s "$T/devpkgs" ] || fail "no -dev package found for $pcs"
while read -r pkg; do
	echo "$build_stage" | grep -Eq "(^|[[:space:]])$pkg([[:space:]]|\$)" ||
	    fail "$CF: the build stage lacks $pkg"
done <"$T/devpkgs"
ok "$CF: the build stage installs the -dev package of every library ($(tr '\n' ' ' <"$T/devpkgs"))"
exit 0
