#!/bin/sh
# Installs the Debian packages arcade needs to build, serve and test it.
# Only what is missing is installed; apt's mirror sometimes answers 429, so
# each apt step is retried a few times before giving up.
set -eu
export DEBIAN_FRONTEND=noninteractive

PKGS="build-essential autoconf automake libtool pkg-config libfcgi-dev libjson-c-dev
liblmdb-dev lmdb-utils libssl-dev nginx-light python3 python3-pytest python3-requests
clang libclang-rt-14-dev wrk curl"
# The operations layer (tests/ops): systemd-analyze, systemd-socket-activate,
# sysusers/tmpfiles, strace (arcaded's system calls against the unit's
# filter); lighttpd, Apache + mod_fcgid, spawn-fcgi as front ends;
# man page rendering; make distcheck (git lists the files); the Debian package.
PKGS="$PKGS systemd procps strace lighttpd apache2 libapache2-mod-fcgid spawn-fcgi groff-base
git dpkg-dev debhelper"
command -v node >/dev/null 2>&1 || PKGS="$PKGS nodejs"
command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
retry() {
	n=0
	until "$@"; do
		n=$((n + 1))
		[ $n -ge 5 ] && return 1
		echo "install-deps: '$*' failed, retrying in $((n * 5)) s" >&2
		sleep $((n * 5))
	done
}
echo "install-deps: installing$missing"
# Installing apache2 or lighttpd would start them on port 80; the tests run
# their own. Where no policy-rc.d says otherwise, forbid starts meanwhile.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
retry apt-get update -q
# shellcheck disable=SC2086
retry apt-get install -y -q --no-install-recommends $missing
