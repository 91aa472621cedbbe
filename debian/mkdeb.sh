#!/bin/sh
# `make deb` (README, "Packaging"): dpkg-buildpackage -us -uc -b in a copy of the tree
# in a temp directory, so that neither the working tree nor build/ changes (a package
# build cleans, builds and installs in its tree); the results go to OUT (default
# build/deb): the .deb, its -dbgsym .deb, the .buildinfo, the .changes and build.log.
# DEB_BUILD_OPTIONS passes through (nocheck: without the unit tests).
set -eu
cd "$(dirname "$0")/.."
out=${1:-build/deb}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/protocold-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir "$tmp/protocold" "$tmp/out"
# The tree as it is, uncommitted edits included; not what .gitignore names (the builds,
# the demo's run/, caches, the benchmarks' node_modules), nor git.
tar -C . --exclude=./build --exclude=./run --exclude=./.git --exclude=./.cache \
	--exclude=node_modules -cf - . |
	tar -C "$tmp/protocold" -xf -
mkdir -p "$out"
rm -f "$out"/protocold*.deb "$out"/protocold*.buildinfo "$out"/protocold*.changes
if ! (cd "$tmp/protocold" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	echo "make deb: dpkg-buildpackage failed (the whole log: $out/build.log)" >&2
	exit 1
fi
mv "$tmp"/protocold*.deb "$tmp"/protocold*.buildinfo "$tmp"/protocold*.changes "$out"/
ls -1 "$out"/protocold*.deb
