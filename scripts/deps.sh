#!/bin/sh
# make deps: installs the Debian packages listed in scripts/debian-packages
# that are missing. As root it runs apt-get; otherwise it prints the exact
# apt-get line and stops, since it cannot install without privileges.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# STRATA_DEPS_LIST lets the tests check this script against a list of their own.
list=${STRATA_DEPS_LIST:-$here/debian-packages}
pkgs=$(sed -e 's/#.*//' "$list" | tr -s ' \t\n' ' ')

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "make deps: not a Debian system; make sure these are installed:$pkgs" >&2
	exit 0
fi
missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "make deps: missing Debian packages:$missing" >&2
	echo "make deps: install them with:" >&2
	echo "  sudo apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi
echo "make deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! apt-get install -y --no-install-recommends $missing; then
	apt-get update
	apt-get install -y --no-install-recommends $missing
fi
