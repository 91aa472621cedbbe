#!/bin/sh
# The daemon's wings keep to their layer (doc/design.md): each external library is
# named in one wing only, and a wing includes only the headers of the wings below it.
# Prints TAP lines ("ok - …" / "not ok - …"); run by tests/run.sh.
cd "$(dirname "$0")/.." || exit 1
fails=0

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; fails=$((fails + 1)); }

# names NAME REGEX WING: REGEX appears in daemon/ only under daemon/WING.
names() {
	bad=$(grep -rlE "$2" daemon --include='*.[ch]' | grep -v "^daemon/$3/")
	if [ -z "$bad" ]; then
		ok "$1 is named only in daemon/$3/"
	else
		not_ok "$1 is named only in daemon/$3/; also in: $(echo $bad)"
	fi
}

names "SQLite (sqlite3)" 'sqlite3' store
names "evhttp (the HTTP server)" 'evhttp|event2/http' web
names "jansson (JSON)" 'jansson\.h|json_t\b|json_[a-z]+\(' web
names "libsystemd (sd_*)" 'systemd/sd-|\bsd_[a-z_]+\(' app

# The headers of each wing, to tell which wing an include names.
wing_of() {
	for w in core store web app; do
		[ -f "daemon/$w/$1" ] && { echo "$w"; return; }
	done
	[ -f "common/$1" ] && echo common
}

# includes WING ALLOWED...: every quoted include of daemon/WING is of an allowed wing.
includes() {
	w=$1
	shift
	bad=""
	for f in daemon/"$w"/*.[ch]; do
		for h in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
			hw=$(wing_of "$h")
			case " $* " in
			*" $hw "*) ;;
			*) bad="$bad $f->$h($hw)" ;;
			esac
		done
	done
	if [ -z "$bad" ]; then
		ok "daemon/$w/ includes only: $*"
	else
		not_ok "daemon/$w/ includes only: $*; but:$bad"
	fi
}

includes core core common
includes store store core common
includes web web core common
includes app app web store core common

# The rules are data (doc/rules.md): no action, event or reason name of a shipped
# rulebook is written in the daemon's C code as a string (protocolctl's usage may give examples).
names=$(sed -n 's/^\[\(action\|event\|reason\)\.\([a-z0-9_]*\)\]$/\2/p' conf/rules/*.ini |
	sort -u)
bad=""
for n in $names; do
	grep -rqF "\"$n\"" daemon common --include='*.[ch]' && bad="$bad $n"
done
if [ -z "$bad" ] && [ -n "$names" ]; then
	ok "no rulebook's action, event or reason name is written in the C code"
else
	not_ok "no rulebook's action, event or reason name is written in the C code; but:$bad"
fi

[ "$fails" -eq 0 ]
