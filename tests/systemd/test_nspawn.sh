#!/usr/bin/env bash
# The installed service under a REAL systemd: boots a minimal Debian 12 in systemd-nspawn
# (systemd as PID 1), installs protocold into it with `make install`, and checks the units
# (socket activation, Type=notify + STATUS, reload through ExecReload, the socket's
# rights and the write check, the watchdog, a clean stop, the journal fields).
#
# Set-up, all automatic: the packages systemd-container and debootstrap on the host; a
# root file system made by debootstrap from the host's Debian mirror, cached in
# .cache/nspawn-root/ (git-ignored) and rebuilt only when its package list changes.
# Each run boots that cache read-only with a tmpfs overlay (--volatile=overlay), so
# nothing a run does survives it. Prints TAP lines; "ok - # SKIP" when this host cannot
# run containers at all (not root, no namespaces).
#
#   BUILD=build bash tests/systemd/test_nspawn.sh      (tests/run.sh sets BUILD)
#   PD_NSPAWN_KEEP=1 ...   leaves the container running at the end (prints how to enter)
set -u
cd "$(dirname "$0")/../.."
TOP=$PWD
: "${BUILD:=build}"
export LC_ALL=C

# ok, not_ok, check, api, j. lib.sh also makes the temp dir $T; its daemon helpers are
# not used (the daemon here is systemd's), and its trap is replaced by ours below.
. tests/e2e/lib.sh
trap - EXIT

SUITE=bookworm
CACHE=$TOP/.cache/nspawn-root
ROOTFS=$CACHE/rootfs
STAMP=$CACHE/stamp
# Bumped when the way the cache is made changes (not only its packages).
CACHE_FORMAT=2
# What the container needs at run time besides minbase: systemd as PID 1, the libraries
# of protocold and protocolctl (Debian 12 names; the ones ldd finds are added below) and
# curl for the test. Not ca-certificates: curl only talks to a Unix socket here.
BASE_PKGS="systemd systemd-sysv dbus libevent-2.1-7 libsqlite3-0 libinih1 libjansson4 tzdata curl"
UNIT=protocold.service
SOCKU=protocold.socket
CSOCK=/run/protocold.sock		# the socket, inside
CINI=/etc/protocold/protocold.ini	# the configuration, inside
NSPID=
CPID=
T0=$(date +%s)

say() {
	echo "# $*"
}

elapsed() {
	echo $(($(date +%s) - T0))
}

skip_all() {
	echo "ok - # SKIP $*"
	rm -rf "$T"
	exit 0
}

# bail DESC: a failure after which nothing else can be tested.
bail() {
	not_ok "$1"
	exit 1
}

# c CMD…: run CMD inside the container (all its namespaces, a clean environment).
c() {
	timeout 60 nsenter -t "$CPID" -a \
		env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		LANG=C.UTF-8 SYSTEMD_COLORS=0 SYSTEMD_PAGER=cat TERM=dumb "$@"
}

sc() {
	c systemctl --no-pager "$@"
}

# prop UNIT PROPERTY: one property's value.
prop() {
	sc show -p "$2" --value "$1" 2>/dev/null
}

# as_nobody CMD…: CMD inside as uid nobody, gid nogroup, no supplementary group.
as_nobody() {
	c setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}

# usec TIMESPAN: systemd's formatted time span ("30s", "1min 30s", "500ms") in µs.
usec() {
	awk -v s="$1" 'BEGIN {
		n = split(s, w, " "); t = 0
		f["us"] = 1; f["ms"] = 1e3; f["s"] = 1e6; f[""] = 1e6
		f["min"] = 60e6; f["h"] = 3600e6; f["d"] = 86400e6
		for (i = 1; i <= n; i++) {
			v = w[i] + 0; u = w[i]; sub(/^[0-9.]+/, "", u)
			if (!(u in f)) { print -1; exit }
			t += v * f[u]
		}
		printf "%d\n", t }'
}

# wait_for SECONDS CMD…: retry CMD every 0.2 s until it succeeds; 1 on timeout.
wait_for() {
	local end=$(($(date +%s%N) / 1000000 + $1 * 1000))
	shift
	until "$@"; do
		[ $(($(date +%s%N) / 1000000)) -lt $end ] || return 1
		sleep 0.2
	done
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$CPID" ] && [ -d "/proc/$CPID" ] && [ "$FAILS" -gt 0 ]; then
		echo "# the unit's journal inside (last 60 lines):"
		c journalctl --no-pager -u "$UNIT" -u "$SOCKU" -n 60 -o short-monotonic 2>&1 |
			sed 's/^/#   /'
		echo "# failed units inside:"
		sc --failed --plain --no-legend 2>&1 | sed 's/^/#   /'
	fi
	if [ "$FAILS" -gt 0 ] && [ -s "$T/nspawn.log" ]; then
		echo "# systemd-nspawn's output (last 30 lines):"
		tail -n 30 "$T/nspawn.log" | sed 's/^/#   /'
	fi
	if [ -n "${PD_NSPAWN_KEEP:-}" ] && [ -n "$CPID" ] && [ -d "/proc/$CPID" ]; then
		echo "# kept: nsenter -t $CPID -a bash; stop it with: kill $NSPID"
		exit "$rc"
	fi
	if [ -n "$NSPID" ] && kill -0 "$NSPID" 2>/dev/null; then
		# nspawn turns SIGTERM into a clean shutdown of the container.
		kill -TERM "$NSPID" 2>/dev/null
		wait_for 15 eval '! kill -0 "$NSPID" 2>/dev/null' || {
			echo "# the container did not stop in 15 s: killing it"
			[ -n "$CPID" ] && kill -KILL "$CPID" 2>/dev/null
			kill -KILL "$NSPID" 2>/dev/null
		}
		wait "$NSPID" 2>/dev/null
	elif [ -n "$CPID" ] && [ -d "/proc/$CPID" ]; then
		kill -KILL "$CPID" 2>/dev/null
	fi
	rm -rf "$T"
	say "total $(elapsed) s"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the host -------------------------------------------------------------------------

if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
		rm -rf "$T"
		trap - EXIT
		exec sudo -n env BUILD="$BUILD" PD_NSPAWN_KEEP="${PD_NSPAWN_KEEP:-}" \
			bash "$0" "$@"
	fi
	skip_all "needs root (or sudo without a password) to run systemd-nspawn"
fi
unshare --mount --pid --uts --ipc --fork true 2>/dev/null ||
	skip_all "this host does not allow new namespaces (unshare failed): no containers here"
[ -d /proc/self/ns ] || skip_all "no /proc/self/ns"

t=$(date +%s)
host_pkgs="systemd-container debootstrap curl jq"
sh tests/deps.sh $host_pkgs >"$T/deps.log" 2>&1 || {
	sed 's/^/#   /' "$T/deps.log" | tail -n 20
	bail "installing $host_pkgs on the host"
}
for p in systemd-nspawn debootstrap nsenter setpriv curl jq; do
	command -v "$p" >/dev/null || bail "$p is not on PATH after the set-up"
done
say "host packages ready in $(($(date +%s) - t)) s"

# The tree `make install` makes (PREFIX=/usr, the unit dirs of pkg-config systemd).
STAGE=$T/stage
mkdir -m 0755 "$STAGE"
if make --no-print-directory -s install DESTDIR="$STAGE" BUILD="$BUILD" \
	>"$T/install.log" 2>&1; then
	ok "make install DESTDIR=… BUILD=$BUILD"
else
	sed 's/^/#   /' "$T/install.log" | tail -n 30
	bail "make install DESTDIR=… BUILD=$BUILD"
fi
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
: "${unitdir:=/lib/systemd/system}"
for f in "$unitdir/$UNIT" "$unitdir/$SOCKU" "$CINI"; do
	[ -f "$STAGE$f" ] || bail "make install did not install $f"
done
bins=$(find "$STAGE" -type f -perm -0100 \( -name protocold -o -name protocolctl \))
[ "$(echo "$bins" | grep -c .)" -eq 2 ] || bail "make install did not install both binaries"

# The packages of the libraries the installed binaries load (so that a new dependency
# rebuilds the cache), plus the base list.
lib_pkgs=$(ldd $bins 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u |
	while read -r lib; do
		dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null
	done | sed 's/:.*//' | sort -u)
PKGS=$(printf '%s\n' $BASE_PKGS $lib_pkgs | sort -u | tr '\n' ' ')
PKGS=${PKGS% }

# The Debian mirror the host uses: the first URI of a deb822 stanza of debian.sources
# whose Suites has $SUITE, else a "deb URI $SUITE" line of sources.list, else deb.debian.org.
mirror() {
	local f=/etc/apt/sources.list.d/debian.sources m=
	[ -r "$f" ] && m=$(awk -v suite="$SUITE" '
		function flush() {
			if (!found && uri != "" && enabled != "no" &&
			    (" " types " ") ~ / deb / && (" " suites " ") ~ (" " suite " "))
				{ print uri; found = 1 }
			types = suites = uri = ""; enabled = "yes"
		}
		BEGIN { enabled = "yes" }
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		{ k = tolower($1); v = $0; sub(/^[^:]*:[ \t]*/, "", v) }
		k == "types:" { types = v }
		k == "suites:" { suites = v }
		k == "uris:" { split(v, u, /[ \t]+/); uri = u[1] }
		k == "enabled:" { enabled = tolower(v) }
		END { flush() }' "$f")
	[ -z "$m" ] && [ -r /etc/apt/sources.list ] && m=$(awk -v suite="$SUITE" '
		$1 == "deb" { i = 2; if ($2 ~ /^\[/) while ($i !~ /\]$/) i++; if ($2 ~ /^\[/) i++
			if ($(i + 1) == suite) { print $i; exit } }' /etc/apt/sources.list)
	echo "${m:-http://deb.debian.org/debian}"
}
MIRROR=$(mirror)

# --- the cached root file system ------------------------------------------------------

ARCH=$(dpkg --print-architecture)
debootstrap_into() {
	debootstrap --variant=minbase --include="$(echo "$PKGS" | tr ' ' ,)" \
		--cache-dir="$CACHE/debs" "$SUITE" "$1" "$MIRROR" >"$T/debootstrap.log" 2>&1
}

# build_rootfs: debootstrap into rootfs.new, then swap it in and write the stamp.
build_rootfs() {
	local t new=$CACHE/rootfs.new
	say "building the root file system: debootstrap $SUITE from $MIRROR with $PKGS"
	t=$(date +%s)
	rm -rf "$new" "$STAMP"
	mkdir -p "$CACHE/debs"
	# One retry for a flaky mirror: the .debs already fetched stay in debs/.
	if ! debootstrap_into "$new" && ! { rm -rf "$new"; debootstrap_into "$new"; }; then
		tail -n 30 "$T/debootstrap.log" | sed 's/^/#   /'
		tail -n 30 "$new/debootstrap/debootstrap.log" 2>/dev/null | sed 's/^/#   /'
		rm -rf "$new"
		bail "debootstrap $SUITE from $MIRROR"
	fi
	echo protocold-test >"$new/etc/hostname"
	# Units that only make noise in a container with no console input.
	for u in console-getty.service getty@.service serial-getty@.service \
		apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
		e2scrub_reap.service fstrim.timer; do
		ln -sf /dev/null "$new/etc/systemd/system/$u"
	done
	rm -rf "$new"/var/cache/apt/archives/*.deb "$new"/var/lib/apt/lists/*_Packages
	rm -rf "$ROOTFS"
	mv "$new" "$ROOTFS"
	echo "$want_stamp" >"$STAMP"
	ok "root file system built by debootstrap in $(($(date +%s) - t)) s"
}

want_stamp="format=$CACHE_FORMAT suite=$SUITE arch=$ARCH packages=$PKGS"
mkdir -p "$CACHE"
# A shared lock while a run uses the cache (overlay on it), exclusive to (re)build it.
exec 9>"$CACHE/lock"
fresh() {
	[ -x "$ROOTFS/lib/systemd/systemd" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$want_stamp" ]
}
flock -s 9
if fresh; then
	ok "root file system cached in .cache/nspawn-root ($SUITE, $ARCH)"
else
	flock -u 9
	flock -x 9
	if fresh; then
		ok "root file system cached in .cache/nspawn-root ($SUITE, $ARCH), by a run alongside"
	else
		build_rootfs
	fi
	flock -s 9
fi

# --- boot -----------------------------------------------------------------------------

t=$(date +%s%N)
systemd-nspawn --quiet --register=no --keep-unit --console=passive --volatile=overlay \
	--machine="pdtest$$" -b -D "$ROOTFS" >"$T/nspawn.log" 2>&1 </dev/null &
NSPID=$!

# The container's systemd: a child of nspawn that is PID 1 in its own PID namespace.
find_pid1() {
	local s p
	for s in /proc/[0-9]*/status; do
		p=$(awk -v pp="$NSPID" '
			$1 == "PPid:" && $2 == pp { par = 1 }
			$1 == "NSpid:" && NF > 2 && $NF == 1 { ns = 1 }
			$1 == "Pid:" { pid = $2 }
			END { if (par && ns) print pid }' "$s" 2>/dev/null)
		[ -n "$p" ] && { CPID=$p; return 0; }
	done
	kill -0 "$NSPID" 2>/dev/null || return 2
	return 1
}
wait_for 20 find_pid1 && [ -n "$CPID" ] || {
	if grep -qiE "permission denied|operation not permitted|not supported" "$T/nspawn.log" &&
		! kill -0 "$NSPID" 2>/dev/null; then
		sed 's/^/#   /' "$T/nspawn.log" | tail -n 10
		NSPID=
		skip_all "systemd-nspawn cannot start a container on this host"
	fi
	bail "systemd-nspawn started a container with systemd as PID 1"
}

running() {
	case $(c systemctl is-system-running 2>/dev/null) in
	running | degraded) return 0 ;;
	*) kill -0 "$NSPID" 2>/dev/null || return 0; return 1 ;;
	esac
}
wait_for 60 running
state=$(c systemctl is-system-running 2>/dev/null)
case $state in
running | degraded)
	ok "systemd booted in the container: $state in $((($(date +%s%N) - t) / 1000000)) ms" ;;
*) bail "systemd booted in the container (is-system-running: '$state')" ;;
esac
[ "$state" = degraded ] && say "failed units: $(sc --failed --plain --no-legend | awk '{print $1}' | tr '\n' ' ')"

# --- install --------------------------------------------------------------------------

# The staged tree goes into the overlay; --keep-directory-symlink keeps /lib -> usr/lib
# (merged /usr), --no-overwrite-dir the rights of the directories that exist.
if (cd "$STAGE" && tar -cf - -- *) |
	c tar -C / --keep-directory-symlink --no-overwrite-dir -xpf - 2>"$T/tar.log"; then
	ok "the installed tree copied into the container"
else
	sed 's/^/#   /' "$T/tar.log"
	bail "the installed tree copied into the container"
fi
sysusers=$(cd "$STAGE" && find . -path '*/sysusers.d/*.conf' | sed 's|^\.||')
tmpfiles=$(cd "$STAGE" && find . -path '*/tmpfiles.d/*.conf' | sed 's|^\.||')
[ -n "$sysusers" ] && [ -n "$tmpfiles" ] || bail "make install installs a sysusers.d and a tmpfiles.d file"
out=$(c systemd-sysusers $sysusers 2>&1) && ok "systemd-sysusers $sysusers" ||
	not_ok "systemd-sysusers $sysusers: $out"
check "user protocold created" "protocold" "$(c id -un protocold 2>&1)"
check "group protocold created" "protocold" "$(c getent group protocold | cut -d: -f1)"
out=$(c systemd-tmpfiles --create $tmpfiles 2>&1) && ok "systemd-tmpfiles --create $tmpfiles" ||
	not_ok "systemd-tmpfiles --create $tmpfiles: $out"
check "$CINI is 0640 root:protocold" "640 root:protocold" "$(c stat -c '%a %U:%G' $CINI 2>&1)"
check "/var/lib/protocold is 0750 protocold:protocold" "750 protocold:protocold" \
	"$(c stat -c '%a %U:%G' /var/lib/protocold 2>&1)"
out=$(sc daemon-reload 2>&1) && ok "systemctl daemon-reload" || not_ok "systemctl daemon-reload: $out"
# --man=no: the container has no man-db to look the Documentation= pages up.
out=$(c systemd-analyze verify --man=no "$unitdir/$UNIT" "$unitdir/$SOCKU" 2>&1)
check "systemd-analyze verify says nothing about the units" "" "$out"

sec=$(c systemd-analyze security --no-pager "$UNIT" 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: //p')
case $sec in
[01].[0-9]\ *) ok "systemd-analyze security: $sec" ;;
*) not_ok "systemd-analyze security rates the service below 2.0: got '$sec'" ;;
esac
out=$(sc enable "$UNIT" 2>&1)
check "systemctl enable $UNIT (its [Install] has Also=$SOCKU)" "0 enabled enabled" \
	"$? $(sc is-enabled "$UNIT") $(sc is-enabled "$SOCKU")"

# --- socket activation ----------------------------------------------------------------

SOCK=/proc/$CPID/root$CSOCK	# lib.sh's api() talks to it from the host, as root
check "protocold.service is not running before the socket" "inactive" "$(sc is-active $UNIT)"
out=$(sc start $SOCKU 2>&1) && ok "systemctl start $SOCKU" || not_ok "systemctl start $SOCKU: $out"
check "$SOCKU is active" "active" "$(sc is-active $SOCKU)"
check "$CSOCK is a socket, 0660 root:protocold" "socket 660 root:protocold" \
	"$(c stat -c '%F %a %U:%G' $CSOCK 2>&1 | sed 's/^socket[^ ]*/socket/')"
check "protocold.service is still not running (it starts on the first connection)" \
	"inactive" "$(sc is-active $UNIT)"

code=$(c curl -s -o /dev/null -w '%{http_code}' --max-time 20 --unix-socket $CSOCK \
	http://localhost/v1/health/ready 2>&1)
check "the first connection (curl inside, as root) starts the service and gets an answer" \
	"200" "$code"
check "protocold.service is active after that connection" "active" "$(sc is-active $UNIT)"
show=$(sc show -p ActiveState -p SubState -p StatusText -p MainPID -p Result $UNIT)
check "ActiveState=active, SubState=running" "active running" \
	"$(echo "$show" | sed -n 's/^ActiveState=//p;s/^SubState=//p' | tr '\n' ' ' | sed 's/ $//')"
status=$(echo "$show" | sed -n 's/^StatusText=//p')
if echo "$status" | grep -Eq '^0 protocols, 0 awaiting, no clock running$'; then
	ok "STATUS= with live counts: '$status'"
else
	not_ok "STATUS= with live counts: got '$status'"
fi
MAINPID=$(echo "$show" | sed -n 's/^MainPID=//p')
check "the daemon runs as user protocold" "protocold" "$(c stat -c %U "/proc/$MAINPID" 2>&1)"
check "the database is in the StateDirectory" "protocold:protocold" \
	"$(c stat -c '%U:%G' /var/lib/protocold/protocold.db 2>&1)"
api GET /v1/health/live
check_status "the API answers from the host through /proc/PID/root$CSOCK" 200

# --- protocols ------------------------------------------------------------------------

# remaining_h ID: hours left on the protocol's clock, rounded.
remaining_h() {
	api GET "/v1/protocols/$1"
	j '(.clock.remaining_s // 0) / 3600 | round'
}

api POST /v1/protocols '{"id":"SD-1","seller":"S1","order":"7788"}'
check_status "create SD-1" 201
api POST /v1/protocols/SD-1/actions '{"action":"request_photos"}'
check_status "act on SD-1: request_photos" 200
check "SD-1 is awaiting" "awaiting" "$(j .state)"
check "SD-1 waits 48 h for photos (the shipped photos_wait)" "48" "$(remaining_h SD-1)"

# The journal: a transition entry with PROTOCOL_ID= (sd_journal_send, not stderr).
jfield() {
	c journalctl --no-pager -u $UNIT PROTOCOL_ID=SD-1 -o verbose 2>/dev/null |
		grep -q "^ *PROTOCOL_ID=SD-1$"
}
if wait_for 5 jfield; then
	ok "journal: a transition of SD-1 with the field PROTOCOL_ID=SD-1"
	fields=$(c journalctl --no-pager -u $UNIT PROTOCOL_ID=SD-1 TO=awaiting -o json 2>/dev/null |
		jq -rs 'map("\(.FROM)>\(.TO) \(.CAUSE):\(.NAME)") | join(", ")')
	check "journal: SD-1's request_photos with FROM=, TO=, CAUSE=, NAME=" \
		"pending>awaiting action:request_photos" "$fields"
else
	not_ok "journal: a transition of SD-1 with the field PROTOCOL_ID=SD-1"
fi

# --- reload ---------------------------------------------------------------------------

ini=/proc/$CPID/root$CINI
cp -p "$ini" "$T/protocold.ini.orig"
sed -i 's/^response_normal = .*/response_normal = 72h/' "$ini"
grep -q '^response_normal = 72h$' "$ini" || not_ok "editing response_normal in $CINI"
case $(prop $UNIT ExecReload) in
*"argv[]="*protocolctl*" reload ;"*) ok "ExecReload= runs protocolctl … reload" ;;
*) not_ok "ExecReload= runs protocolctl … reload: $(prop $UNIT ExecReload)" ;;
esac
out=$(sc reload $UNIT 2>&1)
check "systemctl reload with a good change (response_normal = 72h) succeeds" "0 " "$? $out"
check "the service is active after the reload" "active" "$(sc is-active $UNIT)"
check "the reload did not restart the daemon (same MainPID)" "$MAINPID" "$(prop $UNIT MainPID)"
api POST /v1/protocols '{"id":"SD-2","seller":"S1"}'
check_status "create SD-2 after the reload" 201
check "SD-2's response clock is the new 72 h" "72" "$(remaining_h SD-2)"

printf '[daemon]\nwrite_group = protocold\n\n[deadlines]\nresponse_normal = 48\nbogus_key = 1h\n' >"$ini"
out=$(sc reload $UNIT 2>&1)
rc=$?
if [ $rc -ne 0 ]; then
	ok "systemctl reload with a bad $CINI fails (exit $rc)"
else
	not_ok "systemctl reload with a bad $CINI fails: it exited 0 ($out)"
fi
check "the service stays active after the failed reload" "active" "$(sc is-active $UNIT)"
check "the failed reload did not restart the daemon (same MainPID)" "$MAINPID" "$(prop $UNIT MainPID)"
api POST /v1/protocols '{"id":"SD-3","seller":"S1"}'
check_status "the daemon keeps answering after the failed reload: create SD-3" 201
check "SD-3's response clock is still 72 h (the old configuration runs)" "72" "$(remaining_h SD-3)"
if c journalctl --no-pager -u $UNIT -o cat |
	grep -q 'protocold.ini:[0-9]*: \[deadlines\] response_normal: "48"'; then
	ok "the journal names the bad key of the failed reload"
else
	not_ok "the journal names the bad key of the failed reload (response_normal)"
fi
cp -p "$T/protocold.ini.orig" "$ini"
out=$(sc reload $UNIT 2>&1)
check "systemctl reload with the restored file succeeds" "0 " "$? $out"
api POST /v1/protocols '{"id":"SD-4","seller":"S1"}'
check "SD-4's response clock is the shipped 48 h again" "48" "$(remaining_h SD-4)"

# --- who may write --------------------------------------------------------------------

CTL="protocolctl --socket $CSOCK"
as_nobody $CTL show SD-1 >/dev/null 2>&1
check "nobody cannot even connect to the 0660 socket: protocolctl show exits 4" "4" "$?"
as_nobody $CTL create SD-N1 --seller S1 >/dev/null 2>&1
check "nobody cannot even connect to the 0660 socket: protocolctl create exits 4" "4" "$?"
# Members of write_group: by the primary group, and by /etc/group (getgrouplist).
c setpriv --reuid=nobody --regid=protocold --clear-groups $CTL create SD-G1 --seller S1 \
	>/dev/null 2>&1
check "a peer whose primary group is protocold may write: protocolctl create exits 0" "0" "$?"
c useradd --system --no-create-home --no-user-group --gid nogroup --groups protocold \
	--shell /usr/sbin/nologin pdwriter
c setpriv --reuid=pdwriter --regid=nogroup --init-groups $CTL create SD-G2 --seller S1 \
	>/dev/null 2>&1
check "a user listed in group protocold may write: protocolctl create exits 0" "0" "$?"
# A supplementary group the group database does not list (a client unit's
# SupplementaryGroups=, here setpriv --groups): the kernel lets it connect, and the
# daemon sees it through SO_PEERGROUPS.
c setpriv --reuid=nobody --regid=nogroup --groups=protocold $CTL create SD-G3 --seller S1 \
	>/dev/null 2>&1
check "a peer with protocold only as a supplementary group (not in /etc/group) may write" \
	"0" "$?"
ALL_IDS="SD-1 SD-2 SD-3 SD-4 SD-G1 SD-G2 SD-G3"
NPROTO=$(echo $ALL_IDS | wc -w)

c chmod 0666 $CSOCK
as_nobody $CTL show SD-1 >/dev/null 2>&1
check "with the socket 0666, nobody may read: protocolctl show exits 0" "0" "$?"
as_nobody $CTL create SD-N2 --seller S1 >/dev/null 2>&1
check "with the socket 0666, nobody may not write: protocolctl create exits 4" "4" "$?"
out=$(as_nobody curl -s -w '\n%{http_code}' --max-time 10 --unix-socket $CSOCK \
	-H 'Content-Type: application/json' -d '{"id":"SD-N3","seller":"S1"}' \
	http://localhost/v1/protocols 2>&1)
check "with the socket 0666, the daemon answers nobody's POST 403 forbidden" "403 forbidden" \
	"${out##*$'\n'} $(printf '%s' "${out%$'\n'*}" | jq -r .code 2>/dev/null)"
c chmod 0660 $CSOCK
api GET /v1/protocols/SD-N2
check_status "nobody's refused create left nothing" 404

# --- the watchdog ---------------------------------------------------------------------

wd=$(prop $UNIT WatchdogUSec)
wd_us=$(usec "$wd")
restarts0=$(prop $UNIT NRestarts)
rsec_us=$(usec "$(prop $UNIT RestartUSec)")
if [ "$wd_us" -le 0 ] 2>/dev/null; then
	not_ok "the unit sets WatchdogSec= (WatchdogUSec=$wd)"
else
	ok "the unit sets WatchdogSec=$wd"
	MAINPID=$(prop $UNIT MainPID)
	c sh -c "kill -STOP $MAINPID"
	t=$(date +%s%N)
	restarted() {
		local p
		p=$(prop $UNIT MainPID)
		[ "$(prop $UNIT NRestarts)" != "$restarts0" ] && [ -n "$p" ] && [ "$p" != 0 ] &&
			[ "$p" != "$MAINPID" ] && [ "$(sc is-active $UNIT)" = active ]
	}
	# The watchdog fires WatchdogSec after the last ping, then RestartSec, then start-up.
	limit=$(((wd_us + rsec_us) / 1000000 + 15))
	if wait_for "$limit" restarted; then
		ok "a stopped loop (kill -STOP) is killed by the watchdog and restarted in $((($(date +%s%N) - t) / 1000000)) ms (WatchdogSec=$wd)"
	else
		not_ok "a stopped loop (kill -STOP) is killed by the watchdog and restarted within $limit s"
		c sh -c "kill -CONT $MAINPID" 2>/dev/null
	fi
	check "NRestarts went up by one" "$((restarts0 + 1))" "$(prop $UNIT NRestarts)"
	if c journalctl --no-pager -u $UNIT -o cat | grep -qi "watchdog timeout"; then
		ok "the journal says why: watchdog timeout"
	else
		not_ok "the journal says why: watchdog timeout"
	fi
	api GET /v1/protocols/SD-1
	check_status "the restarted daemon answers" 200
	check "SD-1 is still there and awaiting" "awaiting" "$(j .state)"
	status=$(prop $UNIT StatusText)
	if echo "$status" | grep -Eq "^$NPROTO protocols, 1 awaiting, next due in [0-9]+h[0-9]{2}m$"; then
		ok "STATUS= after the restart counts what is in the database: '$status'"
	else
		not_ok "STATUS= after the restart: expected '$NPROTO protocols, 1 awaiting, next due in …', got '$status'"
	fi
fi

# --- a clean stop ---------------------------------------------------------------------

MAINPID=$(prop $UNIT MainPID)
out=$(sc stop $UNIT 2>&1)
check "systemctl stop $UNIT" "0" "$?"
show=$(sc show -p ActiveState -p Result -p ExecMainCode -p ExecMainStatus $UNIT)
check "after the stop: inactive, Result=success, exited with status 0" \
	"ActiveState=inactive ExecMainCode=1 ExecMainStatus=0 Result=success" \
	"$(echo "$show" | sort | tr '\n' ' ' | sed 's/ $//')"
stopped() {
	c journalctl --no-pager -u $UNIT _PID="$MAINPID" -o cat | grep -qx "stopped"
}
if wait_for 5 stopped; then
	ok "the journal shows the daemon's last words: stopped"
else
	not_ok "the journal shows the daemon's last words: stopped"
fi
check "the socket stays listening while the service is stopped" "active" "$(sc is-active $SOCKU)"
api GET /v1/protocols/SD-1
check_status "the next connection starts it again: GET SD-1" 200
check "SD-1 survived the stop, awaiting" "awaiting" "$(j .state)"
api GET '/v1/protocols?limit=100'
check "every protocol survived: the list" "$ALL_IDS" \
	"$(j '[.items[].id] | join(" ")')"
check "protocold.service is active again" "active" "$(sc is-active $UNIT)"
out=$(sc stop $UNIT $SOCKU 2>&1)
check "systemctl stop $UNIT $SOCKU" "0" "$?"
check "the socket file is removed on stop (RemoveOnStop=yes)" "absent" \
	"$(c test -e $CSOCK && echo present || echo absent)"
check "the final stop is clean too (Result=success)" "success" "$(prop $UNIT Result)"

say "set-up and scenario took $(elapsed) s"
finish
