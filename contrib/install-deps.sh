#!/bin/sh
#
# Install what airlock's build and tests need on Debian 12 (bookworm) and
# create the default worker user.  Run as root.  Idempotent, and silent
# when everything is already there.
#
# The tests start their own PostgreSQL clusters on free ports, so the
# packaged services are neither needed nor wanted: when this script installs
# packages it stops services from starting, and it stops a packaged
# pgbouncer that holds its default port (the benchmark uses it).  The same
# holds for sshd: the tests run /usr/sbin/sshd on free ports with their own
# configurations (regress/ssh.sh); a packaged sshd that already runs is left
# alone (it holds port 22 only, which no test uses, and may be how an
# administrator reaches the machine).

set -eu

PKGS="build-essential gcc make pkg-config
	libevent-dev libssl-dev libsodium-dev libyaml-dev libseccomp-dev
	libcap-ng-dev libidn-dev libjansson-dev libhttp-parser-dev libssh-dev
	postgresql postgresql-client pgbouncer
	mariadb-server mariadb-client python3-pymysql python3-nacl
	python3-cryptography libpcre2-dev nginx-light wrk python3-botocore
	python3-requests wget python3-oauthlib
	openssl procps util-linux coreutils clang libclang-rt-14-dev valgrind
	python3 mandoc curl systemd jq
	openssh-server openssh-sftp-server openssh-client
	keyutils apparmor strace
	debhelper dh-apparmor lintian git
	default-jdk-headless libpostgresql-jdbc-java"

WORKER_USER=_airlock
CHROOT_DIR=/var/empty/airlock

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: must be run as root" >&2
	exit 1
fi

missing=
for p in $PKGS; do
	s=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case "$s" in
	ii*) ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -n "$missing" ]; then
	echo "install-deps.sh: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# Keep maintainer scripts from starting postgresql and pgbouncer:
	# a policy-rc.d that says "not now" (101), only for this install.
	policy=/usr/sbin/policy-rc.d
	made_policy=
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 0755 "$policy"
		made_policy=1
		trap 'rm -f "$policy"' EXIT
	fi
	apt-get update -qq </dev/null
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing </dev/null
	if [ -n "$made_policy" ]; then
		rm -f "$policy"
		trap - EXIT
	fi
fi

# A packaged pgbouncer that is running holds 127.0.0.1:6432; stop it and
# keep it from starting at boot.
if pgrep -u postgres -x pgbouncer >/dev/null 2>&1; then
	echo "install-deps.sh: stopping the packaged pgbouncer service"
	if [ -d /run/systemd/system ]; then
		systemctl stop pgbouncer.service || true
		systemctl disable pgbouncer.service >/dev/null 2>&1 || true
	else
		service pgbouncer stop >/dev/null 2>&1 || true
		update-rc.d pgbouncer disable >/dev/null 2>&1 || true
	fi
fi

# The worker's default user: no home, no shell, a group of its own.
if ! getent passwd "$WORKER_USER" >/dev/null; then
	echo "install-deps.sh: creating user $WORKER_USER"
	useradd --system --user-group --no-create-home \
	    --home-dir /nonexistent --shell /usr/sbin/nologin \
	    --comment "airlock worker" "$WORKER_USER"
fi

# The worker's default chroot: empty, owned by root, not writable by others.
if [ ! -d "$CHROOT_DIR" ]; then
	mkdir -p "$CHROOT_DIR"
	chown root:root "$CHROOT_DIR"
	chmod 0755 "$CHROOT_DIR"
fi

exit 0
