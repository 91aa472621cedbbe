# spec.md §11: the systemd units as `make install` puts them, checked offline (no systemd
# needed): `systemd-analyze verify` has nothing to say about them, and
# `systemd-analyze security` rates the service at most 2.0 (SAFE). Also: the install tree
# (binaries, units with the binaries' path, sysusers.d and tmpfiles.d files that make the
# user and the rights, the configuration, the man pages) and `make uninstall`.
# No daemon is started.
. "$(dirname "$0")/lib.sh"

MAX_EXPOSURE=2.0
ROOT=$T/root
BUILD_DIR=$(dirname "$PROTOCOLD")

command -v systemd-analyze >/dev/null || sh tests/deps.sh systemd >&2
command -v systemd-analyze >/dev/null || {
	not_ok "systemd-analyze is missing (Debian package systemd)"
	exit 1
}

# install_tree: make install into $ROOT with the binaries under test (-o all: never
# rebuild here; the binaries are the ones of $PROTOCOLD's build directory).
install_tree() {
	make --no-print-directory -s -o all install DESTDIR="$ROOT" PREFIX=/usr \
		BUILD="$BUILD_DIR" >"$T/install.log" 2>&1
}

mkdir -m 0755 "$ROOT"
if install_tree; then
	ok "make install DESTDIR=… PREFIX=/usr"
else
	not_ok "make install DESTDIR=… PREFIX=/usr"
	sed 's/^/#   /' "$T/install.log"
	exit 1
fi
UNITDIR=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
SYSUSERSDIR=$(pkg-config --variable=sysusersdir systemd 2>/dev/null)
TMPFILESDIR=$(pkg-config --variable=tmpfilesdir systemd 2>/dev/null)
: "${UNITDIR:=/lib/systemd/system}" "${SYSUSERSDIR:=/usr/lib/sysusers.d}"
: "${TMPFILESDIR:=/usr/lib/tmpfiles.d}"
SERVICE=$ROOT$UNITDIR/protocold.service
SOCKET=$ROOT$UNITDIR/protocold.socket

# --- the tree ---------------------------------------------------------------------------

missing=
for f in /usr/bin/protocold /usr/bin/protocolctl; do
	[ -x "$ROOT$f" ] || missing="$missing $f"
done
for f in "$UNITDIR/protocold.service" "$UNITDIR/protocold.socket" \
	"$UNITDIR/protocold-http.socket" \
	"$SYSUSERSDIR/protocold.conf" "$TMPFILESDIR/protocold.conf" \
	/etc/protocold/protocold.ini /usr/share/man/man8/protocold.8 \
	/usr/share/man/man5/protocold.ini.5 /usr/share/man/man5/protocold.rules.5; do
	[ -f "$ROOT$f" ] || missing="$missing $f"
done
check "make install puts the binaries, units, sysusers.d, tmpfiles.d, configuration and man pages" \
	"" "$missing"
check "the unit names the installed binaries" \
	"ExecStart=/usr/bin/protocold -c /etc/protocold/protocold.ini|ExecReload=/usr/bin/protocolctl -c /etc/protocold/protocold.ini reload" \
	"$(grep -E '^Exec(Start|Reload)=' "$SERVICE" | paste -sd'|')"
check "no @VARIABLE@ is left in the units" "" "$(grep -l '@[A-Z]*@' "$SERVICE" "$SOCKET")"
check "the installed configuration is the shipped one, mode 0640" "640" \
	"$(cmp -s conf/protocold.ini "$ROOT/etc/protocold/protocold.ini" &&
		stat -c %a "$ROOT/etc/protocold/protocold.ini")"

# Every man page the units name is installed (protocolctl.1 once doc/ has it).
for page in $(sed -n 's/^Documentation=//p' "$SERVICE" "$SOCKET" | tr ' ' '\n' |
	sed -n 's/^man:\(.*\)(\([0-9]\))$/\1.\2/p' | sort -u); do
	sec=${page##*.}
	if [ -f "$ROOT/usr/share/man/man$sec/$page" ]; then
		ok "Documentation=man:$page is installed"
	elif [ ! -f "doc/$page" ]; then
		ok "Documentation=man:$page is installed # SKIP doc/$page is not written yet"
	else
		not_ok "Documentation=man:$page is installed"
	fi
done

# The shipped configuration matches the units: its socket is the socket unit's path,
# its database is in the service's StateDirectory.
check "the configuration's socket is the socket unit's ListenStream=" \
	"$(sed -n 's/^socket *= *//p' conf/protocold.ini)" "$(sed -n 's/^ListenStream=//p' "$SOCKET")"
check "the configuration's database is in /var/lib/\$StateDirectory" \
	"/var/lib/$(sed -n 's/^StateDirectory=//p' "$SERVICE")" \
	"$(dirname "$(sed -n 's/^database *= *//p' conf/protocold.ini)")"

# The user, the group and the rights, as systemd-sysusers and systemd-tmpfiles make them
# from the installed files (both work on the tree with --root).
out=$(systemd-sysusers --root="$ROOT" 2>&1) || not_ok "systemd-sysusers --root: $out"
check "sysusers.d: the system user protocold, no login" "protocold:/usr/sbin/nologin" \
	"$(awk -F: '$1 == "protocold" { print $1 ":" $7 }' "$ROOT/etc/passwd")"
check "sysusers.d: the group protocold" "protocold" \
	"$(awk -F: '$1 == "protocold" { print $1 }' "$ROOT/etc/group")"
out=$(systemd-tmpfiles --root="$ROOT" --create 2>&1) || not_ok "systemd-tmpfiles --root: $out"
uid=$(awk -F: '$1 == "protocold" { print $3 }' "$ROOT/etc/passwd")
gid=$(awk -F: '$1 == "protocold" { print $3 }' "$ROOT/etc/group")
check "tmpfiles.d: /var/lib/protocold 0750 protocold:protocold" "750 $uid:$gid" \
	"$(stat -c '%a %u:%g' "$ROOT/var/lib/protocold" 2>&1)"
check "tmpfiles.d: /etc/protocold 0755 root:root" "755 0:0" \
	"$(stat -c '%a %u:%g' "$ROOT/etc/protocold" 2>&1)"
check "tmpfiles.d: protocold.ini 0640 root:protocold" "640 0:$gid" \
	"$(stat -c '%a %u:%g' "$ROOT/etc/protocold/protocold.ini" 2>&1)"

# --- systemd-analyze verify -------------------------------------------------------------

# verify loads the units' dependencies (sysinit.target, sockets.target, …) from the
# root: give it the host's units, in a directory of the search path we do not install to.
HOSTUNITS=$ROOT/usr/local/lib/systemd/system
mkdir -p "$HOSTUNITS"
for u in /lib/systemd/system/*; do
	case ${u##*/} in protocold.*) continue ;; esac
	cp -a "$u" "$HOSTUNITS/"
done
# It only warns (exit 0) on what it does not like: any output is a failure. Man pages are
# checked above (verify would look for them on the host).
out=$(cd "$ROOT" && systemd-analyze verify --man=no --root="$ROOT" \
	protocold.service protocold.socket protocold-http.socket 2>&1)
rc=$?
check "systemd-analyze verify --root: protocold.service, protocold.socket, protocold-http.socket" \
	"0 " "$rc $out"
# The check can fail: a misspelt key is reported.
sed 's/^NoNewPrivileges=/NoNewPrivilege=/' "$SERVICE" >"$ROOT$UNITDIR/protocold-typo.service"
out=$(cd "$ROOT" && systemd-analyze verify --man=no --root="$ROOT" protocold-typo.service 2>&1)
case $out in
*"Unknown key 'NoNewPrivilege'"*) ok "systemd-analyze verify reports a misspelt key" ;;
*) not_ok "systemd-analyze verify reports a misspelt key: got '$out'" ;;
esac
rm -f "$ROOT$UNITDIR/protocold-typo.service"

# --- systemd-analyze security -----------------------------------------------------------

sec=$(cd "$ROOT" && systemd-analyze security --offline=true --root="$ROOT" \
	protocold.service 2>&1)
exposure=$(printf '%s\n' "$sec" |
	sed -n 's/.*Overall exposure level for protocold.service: \([0-9.]*\).*/\1/p')
if [ -n "$exposure" ] && awk -v e="$exposure" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(e <= m) }'
then
	ok "systemd-analyze security: overall exposure $exposure (at most $MAX_EXPOSURE)"
else
	not_ok "systemd-analyze security: overall exposure '$exposure', want at most $MAX_EXPOSURE"
	printf '%s\n' "$sec" | grep '✗' | sed 's/^/#   /'
fi
# What the score must not be bought with: PrivateUsers= would map every peer to nobody
# (SO_PEERCRED, the write check); without @resources setrlimit (max_connections) fails.
check "no PrivateUsers= (the write check reads the peer's uid)" "" \
	"$(grep -E '^PrivateUsers=(yes|true|1|on)' "$SERVICE")"
check "the system-call filter keeps @resources (setrlimit for max_connections)" "" \
	"$(grep -E '^SystemCallFilter=~.*@resources' "$SERVICE")"
printf '%s\n' "$sec" | grep -q '✓ SystemCallFilter=~@privileged' &&
	ok "systemd-analyze security: @privileged is filtered" ||
	not_ok "systemd-analyze security: @privileged is filtered"

# --- make uninstall ---------------------------------------------------------------------

make --no-print-directory -s uninstall DESTDIR="$ROOT" PREFIX=/usr >"$T/uninstall.log" 2>&1 ||
	not_ok "make uninstall"
check "make uninstall removes every file install put (the configuration was unchanged)" "" \
	"$(cd "$ROOT" && find . -type f \( -name 'protocol*' -o -path '*/protocold/*' \) \
		-not -path './usr/local/lib/systemd/*' -not -path './var/lib/*' | sort | paste -sd' ')"
install_tree || not_ok "make install again"
echo "; edited" >>"$ROOT/etc/protocold/protocold.ini"
install_tree
check "make install keeps an existing configuration" "; edited" \
	"$(tail -n 1 "$ROOT/etc/protocold/protocold.ini")"
make --no-print-directory -s uninstall DESTDIR="$ROOT" PREFIX=/usr >"$T/uninstall.log" 2>&1
check "make uninstall keeps an edited configuration" "./etc/protocold/protocold.ini" \
	"$(cd "$ROOT" && find . -type f -name 'protocol*' -not -path './usr/local/lib/systemd/*')"
finish
