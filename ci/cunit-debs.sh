#!/usr/bin/env bash
# cunit-debs.sh - fetches CUnit (libcunit1, libcunit1-dev) as .debs with apt on this machine
# and unpacks them under .deps/cunit, for GPU machines that have no network and no CUnit:
# carry .deps/cunit there (it is git-ignored) and run
#     make test CUNIT_DIR=.deps/cunit/usr      or      CUNIT_DIR=.deps/cunit/usr make gpu-check
# Needs apt-get and dpkg-deb, not root. The layout is what the Makefile expects:
# <CUNIT_DIR>/include/CUnit/CUnit.h and <CUNIT_DIR>/lib/x86_64-linux-gnu/libcunit.so.
set -euo pipefail
cd "$(dirname "$0")/.."

dest=.deps/cunit
prefix=$dest/usr

for tool in apt-get dpkg-deb; do
    if ! command -v "$tool" >/dev/null; then
        echo "cunit-debs: $tool not found (this script needs a Debian or Ubuntu machine)" >&2
        exit 1
    fi
done

download=$(mktemp -d)
chmod 755 "$download" # apt-get download hands the file to its _apt user
trap 'rm -rf "$download"' EXIT
(cd "$download" && apt-get download libcunit1 libcunit1-dev)

rm -rf "$dest"
mkdir -p "$dest"
for deb in "$download"/*.deb; do
    echo "unpacking $(basename "$deb")"
    dpkg-deb -x "$deb" "$dest"
done

# The Makefile looks for exactly these; libcunit.so is a link into libcunit1's files.
missing=0
for file in include/CUnit/CUnit.h include/CUnit/Basic.h lib/x86_64-linux-gnu/libcunit.so; do
    if [ ! -e "$prefix/$file" ]; then
        echo "cunit-debs: $prefix/$file is missing after unpacking" >&2
        missing=1
    fi
done
if [ "$missing" -ne 0 ]; then
    exit 1
fi

echo "CUnit unpacked under $dest. Use:"
echo "  CUNIT_DIR=$prefix            (relative to the repository root, valid on any machine)"
echo "  CUNIT_DIR=$(pwd)/$prefix     (absolute, this machine)"
