#!/bin/bash
# Issue 26, items 6 and 7: the Makefile takes the builder's CFLAGS/CPPFLAGS/LDFLAGS
# and hardens by default; `make deb` builds the Debian package in a copy of the tree
# (the working tree stays as it was); lintian finds no error; the .deb holds the
# binaries, units, sysusers.d and tmpfiles.d files, man pages, rulebooks, the
# configuration as a conffile (and the completion and contrib/ when the tree has
# them); the binaries are hardened (readelf: PIE, RELRO, BIND_NOW, stack protector,
# fortified calls) and run from the extracted package.
# The package is built with DEB_BUILD_OPTIONS=nocheck (the unit tests run on their own
# in `make test`); set DEB_BUILD_OPTIONS to build it with them.
set -u
cd "$(dirname "$0")/../.."
n=0
fails=0
T=$(mktemp -d "${TMPDIR:-/tmp}/pd-deb.XXXXXX")
trap 'rm -rf "$T"' EXIT

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
not_ok() {
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n - $1"
	[ $# -lt 2 ] || printf '%s\n' "$2" | sed 's/^/# /' | head -n 40
}
# check DESC CMD...: ok when CMD succeeds.
check() {
	local desc=$1
	shift
	if "$@" >"$T/out" 2>&1; then ok "$desc"; else not_ok "$desc" "$(cat "$T/out")"; fi
}

# --- The Makefile's flags (dry runs and one object, in a build dir of the test's) ---
flags_ok() {	# flags_ok "MAKE ARGS" WORD...: every WORD is in each compile line
	local lines w
	lines=$(make -n -B --no-print-directory BUILD="$T/b" $1 "$T/b/obj/common/civil.o" |
		grep -- ' -c -o ')
	[ -n "$lines" ] || { echo "no compile line"; return 1; }
	shift
	for w in "$@"; do
		grep -q -e " $w " <<<"$lines " || { echo "missing $w in: $lines"; return 1; }
	done
}
check "make CFLAGS=-O1 CPPFLAGS=-DPD_X: ours (-std=c17, -iquote, -Werror) are kept" \
	flags_ok "CFLAGS=-O1 CPPFLAGS=-DPD_X" -std=c17 -D_GNU_SOURCE -Werror -O1 -DPD_X \
	-iquote
check "CFLAGS from the environment (dpkg-buildflags) are taken" \
	env CFLAGS="-O1 -fno-common" bash -c "$(declare -f flags_ok); T=$T; flags_ok '' \
	-std=c17 -O1 -fno-common"
check "by default: Debian's hardening flags" \
	env -u CFLAGS -u CPPFLAGS -u LDFLAGS bash -c "$(declare -f flags_ok); T=$T; flags_ok \
	'' -std=c17 -O2 -fstack-protector-strong -D_FORTIFY_SOURCE=2 -Werror=format-security"
check "SAN=1: the sanitizers, no _FORTIFY_SOURCE" \
	bash -c "$(declare -f flags_ok); T=$T; flags_ok 'SAN=1 OPT=-O1' -std=c17 -O1 \
	-fsanitize=address,undefined && ! make -n -B BUILD=$T/b SAN=1 $T/b/obj/common/civil.o |
	grep -q _FORTIFY_SOURCE"
check "make CFLAGS='-O1 -g' compiles an object" \
	make --no-print-directory BUILD="$T/b" CFLAGS="-O1 -g" "$T/b/obj/common/civil.o"

# --- make deb ------------------------------------------------------------------
before=$(git status --porcelain 2>/dev/null; ls -l --full-time build 2>/dev/null)
t0=$(date +%s)
if DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS-nocheck parallel=2} \
	make --no-print-directory deb DEB_OUT="$T/deb" >"$T/make.log" 2>&1; then
	ok "make deb ($(($(date +%s) - t0)) s)"
else
	not_ok "make deb" "$(tail -n 40 "$T/make.log")"
	echo "1..$n"
	exit 1
fi
after=$(git status --porcelain 2>/dev/null; ls -l --full-time build 2>/dev/null)
if [ "$before" = "$after" ]; then
	ok "make deb leaves the working tree and build/ as they were"
else
	not_ok "make deb changed the working tree or build/" \
		"$(diff <(echo "$before") <(echo "$after"))"
fi

deb=$(ls "$T"/deb/protocold_*.deb 2>/dev/null | head -n 1)
version=$(dpkg-parsechangelog -l debian/changelog -S Version)
if [ -n "$deb" ] && [ "$(dpkg-deb -f "$deb" Version)" = "$version" ]; then
	ok "the .deb is there: $(basename "$deb")"
else
	not_ok "no protocold_$version .deb in the output" "$(ls -l "$T/deb")"
	echo "1..$n"
	exit 1
fi

# --- lintian ---------------------------------------------------------------------
lintian --display-info "$deb" "$T"/deb/protocold_*.changes >"$T/lintian" 2>&1
if grep -q '^E:' "$T/lintian"; then
	not_ok "lintian: errors" "$(grep '^[EW]:' "$T/lintian")"
else
	ok "lintian: no error ($(grep -c '^W:' "$T/lintian") warnings)"
fi
grep '^[WI]:' "$T/lintian" | sed 's/^/# /'

# --- Contents ----------------------------------------------------------------------
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$T/files"
want="/usr/bin/protocold /usr/bin/protocolctl
	/lib/systemd/system/protocold.service /usr/lib/sysusers.d/protocold.conf
	/usr/lib/tmpfiles.d/protocold.conf /etc/protocold/protocold.ini
	/usr/share/protocold/postgresql-tcp.conf /usr/share/doc/protocold/copyright"
for u in systemd/*.socket; do want="$want /lib/systemd/system/${u#systemd/}"; done
for m in doc/*.[1-8]; do
	m=${m#doc/}
	want="$want /usr/share/man/man${m##*.}/$m.gz"
done
for r in conf/rules/*.ini; do want="$want /usr/share/protocold/rules/${r#conf/rules/}"; done
[ ! -f ctl/completion/protocolctl.bash ] ||
	want="$want /usr/share/bash-completion/completions/protocolctl"
[ ! -f ctl/completion/_protocolctl ] ||
	want="$want /usr/share/zsh/vendor-completions/_protocolctl"
if [ -d contrib ]; then
	for f in $(cd contrib && find . -type f | sed 's|^\./||'); do
		want="$want /usr/share/doc/protocold/contrib/$f"
	done
fi
missing=
for f in $want; do grep -qxF "$f" "$T/files" || missing="$missing $f"; done
if [ -z "$missing" ]; then
	what="binaries, units, sysusers, tmpfiles, man pages, rulebooks, completion, contrib"
	ok "dpkg-deb -c: $what ($(echo $want | wc -w) files)"
else
	not_ok "dpkg-deb -c: missing:$missing"
fi

dpkg-deb -e "$deb" "$T/ctrl"
check "DEBIAN/conffiles lists /etc/protocold/protocold.ini" \
	grep -qxF /etc/protocold/protocold.ini "$T/ctrl/conffiles"
# postinst: the user before the directories and the rights (tmpfiles' z line names
# the group); the socket and the service enabled; the TCP listener's socket not.
postinst_ok() {
	local pi=$T/ctrl/postinst u t
	u=$(grep -n 'systemd-sysusers' "$pi" | head -n 1 | cut -d: -f1)
	t=$(grep -n 'systemd-tmpfiles' "$pi" | head -n 1 | cut -d: -f1)
	[ -n "$u" ] && [ -n "$t" ] && [ "$u" -lt "$t" ] ||
		{ echo "sysusers (line ${u:-none}) must come before tmpfiles (${t:-none})"; return 1; }
	grep -q "deb-systemd-helper enable 'protocold.socket'" "$pi" &&
		grep -q "deb-systemd-helper enable 'protocold.service'" "$pi" ||
		{ echo "protocold.socket/.service not enabled"; return 1; }
	[ ! -f systemd/protocold-http.socket ] || {
		grep -q "debian-installed 'protocold-http.socket'" "$pi" &&
			! grep deb-systemd-invoke "$pi" | grep -q protocold-http
	} || { echo "protocold-http.socket is enabled or started on install"; return 1; }
}
check "postinst: sysusers, tmpfiles, protocold.socket/.service enabled, TCP one not" \
	postinst_ok
check "Depends: the shared libraries (shlibs), tzdata and libjs-chart.js (the page's charts)" \
	bash -c "dpkg-deb -f '$deb' Depends | grep -q 'libevent' &&
	dpkg-deb -f '$deb' Depends | grep -q tzdata &&
	dpkg-deb -f '$deb' Depends | grep -q libjs-chart.js"

# --- The extracted tree ----------------------------------------------------------------
dpkg-deb -x "$deb" "$T/root"
hardened() {	# hardened FILE: PIE, full RELRO, stack protector, fortified calls
	readelf -h "$1" | grep -q 'Type: *DYN' || { echo "$1: not PIE"; return 1; }
	readelf -d "$1" | grep -q 'FLAGS_1.*PIE' || { echo "$1: no PIE flag"; return 1; }
	readelf -d "$1" | grep -Eq 'BIND_NOW|FLAGS_1.*NOW' || { echo "$1: no BIND_NOW"; return 1; }
	readelf -lW "$1" | grep -q GNU_RELRO || { echo "$1: no RELRO"; return 1; }
	readelf --dyn-syms -W "$1" | grep -q __stack_chk_fail ||
		{ echo "$1: no stack protector"; return 1; }
	readelf --dyn-syms -W "$1" | grep -Eq '__[a-z_]+_chk@' ||
		{ echo "$1: no fortified function"; return 1; }
}
for b in protocold protocolctl; do
	check "$b is hardened (PIE, RELRO, BIND_NOW, stack protector, fortify)" \
		hardened "$T/root/usr/bin/$b"
done
upstream=${version%%-*}
# protocolctl --version may ask a daemon for its version too: none answers here.
for b in protocold protocolctl; do
	out=$(PROTOCOLD_SOCKET="$T/none.sock" "$T/root/usr/bin/$b" --version 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q "$upstream" <<<"$out"; then
		ok "$b --version from the package: $(head -n 1 <<<"$out")"
	else
		not_ok "$b --version (exit $rc, want $upstream)" "$out"
	fi
done
# verify loads the units' dependencies (sysinit.target, …) from the root: the host's
# units go to a directory of the search path the package does not use.
verify_units() {
	local hu=$T/root/usr/local/lib/systemd/system u units=
	mkdir -p "$hu"
	for u in /lib/systemd/system/*; do
		case ${u##*/} in protocold*) ;; *) cp -a "$u" "$hu/" ;; esac
	done
	for u in "$T"/root/lib/systemd/system/protocold*; do units="$units ${u##*/}"; done
	out=$(cd "$T/root" && systemd-analyze verify --man=no --root="$T/root" $units 2>&1)
	echo "$units: $out"
	[ -z "$out" ]
}
check "systemd-analyze verify --root on the extracted units: nothing to say" verify_units

echo "1..$n"
[ "$fails" -eq 0 ]
