#!/bin/sh
# Installs the Debian packages arcade needs to build, serve and test it.
# Only what is missing is installed; apt's mirror sometimes answers 429, so
# each apt step is retried a few times before giving up.
set -eu
export DEBIAN_FRONTEND=noninteractive

PKGS="build-essential autoconf automake libtool pkg-config libfcgi-dev libjson-c-dev
liblmdb-dev lmdb-utils libssl-dev nginx-light python3 python3-pytest python3-requests
clang wrk curl"
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
retry apt-get update -q
# shellcheck disable=SC2086
retry apt-get install -y -q --no-install-recommends $missing
