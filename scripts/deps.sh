#!/bin/sh
# Installs the Debian packages that building, running and testing mpstack need.
# Called by every make target that builds (run, test, lessons, bench, ...): as root it runs apt-get for what is missing;
# otherwise it prints the exact apt-get line and stops.
set -e
PKGS="cmake make gcc libc6-dev pkg-config libyaml-dev libsqlite3-dev libjansson-dev python3 python3-matplotlib sqlite3 tshark chromium clang libclang-rt-14-dev"
if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps: dpkg-query not found; install these Debian packages (or equivalents) by hand: $PKGS" >&2
    exit 0
fi
missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends $missing
else
    echo "mpstack needs Debian packages that are not installed. Run as root:" >&2
    echo "  apt-get install -y --no-install-recommends$missing" >&2
    exit 1
fi
