#!/bin/bash
# Issue 26, item 9: the shell completions of protocolctl (ctl/completion/). bash: the
# script is loaded in `bash -c` after /usr/share/bash-completion/bash_completion and its
# function is called as bash would, with COMP_WORDS/COMP_CWORD; COMPREPLY must hold the
# commands, the options (global and per command), and the names the running daemon
# gives (the actions a protocol allows, its events, an action's parameters, the
# marketplaces), honour --socket, and be empty, quick and silent without a daemon.
# zsh: `zsh -n`, the function registered by compinit, its words with compadd stubbed
# out, and a real TAB in an interactive zsh under zpty.
cd "$(dirname "$0")/../.."
unset PROTOCOLD_PG	# the completion does not depend on the store
. tests/e2e/lib.sh

# Numbered TAP lines (lib.sh's checks call these).
N=0
ok() {
	N=$((N + 1))
	echo "ok $N - $1"
}
not_ok() {
	N=$((N + 1))
	echo "not ok $N - $1"
	FAILS=$((FAILS + 1))
}

C=$PROTOCOLCTL
BASH_COMPLETION=/usr/share/bash-completion/bash_completion
mkdir -p "$T/rules"
cat >"$T/rules/acme.ini" <<'INI'
[marketplace]
name = acme
title = Acme Marketplace
response = 24h
reply_window = 7d

[action.ask_docs]
label = Pedir documentos
to = awaiting
wait = 3d
clock = docs_wait
params = note:text

[action.respond]
label = Responder
to = closed
params = message:longtext

[event.customer_replied]
awaiting = pending
closed = unresolved

[event.docs_received]
awaiting.ask_docs = resolved
INI
write_config "
[rules]
files = rules/*.ini
default = casas-bahia"
start_daemon 2026-11-23T12:00:00-03:00
$C create P1 --seller S1 >/dev/null || not_ok "create P1"
$C create A1 --seller S1 --marketplace acme >/dev/null || not_ok "create A1"
$C act A1 ask_docs note=x >/dev/null || not_ok "act A1 ask_docs"

# sorted WORDS...: the words sorted, on one line.
sorted() {
	printf '%s\n' "$@" | sed '/^$/d' | sort | paste -sd' '
}

# bcomp WORD... : what bash completes for the command line WORD... (the last word is
# the one being completed, "" for a TAB after a blank), sorted on one line; in the
# directory $BCOMP_DIR if set.
bcomp() {
	bash -c '
		. "$0" || exit 9
		. "$1" || exit 9
		shift
		cd "${BCOMP_DIR:-.}" || exit 9
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_protocolctl protocolctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"
	' "$BASH_COMPLETION" "$PWD/ctl/completion/protocolctl.bash" "$C" "$@" | sed '/^$/d' | sort | paste -sd' '
}

api GET /v1/protocols/P1
P1_ACTIONS=$(j '.allowed_actions[]' | sort | paste -sd' ')
api GET /v1/protocols/A1
A1_ACTIONS=$(j '.allowed_actions[]' | sort | paste -sd' ')
api GET /v1/marketplaces
BOOKS=$(j '.items[].name' | sort | paste -sd' ')
A1_EVENTS=$(j '.items[] | select(.name == "acme") | .events[] |
	select(any(.moves[]; .from == "awaiting")) | .name' | sort | paste -sd' ')
COMMANDS=$($C help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }
	/^$/ && on > 0 && n++ { on = 0 }' | sort | paste -sd' ')

if [ ! -f "$BASH_COMPLETION" ]; then
	ok "bash completion # SKIP $BASH_COMPLETION is not installed (bash-completion)"
else
	check "bash -n" 0 "$(bash -n ctl/completion/protocolctl.bash; echo $?)"
	check "bash: the commands" "$COMMANDS" "$(bcomp "")"
	check "bash: a command by its prefix" "marketplaces" "$(bcomp ma)"
	check "bash: the internal __complete is not offered" "" "$(bcomp __)"
	check "bash: a global option by its prefix" "--no-legend" "$(bcomp --no)"
	check "bash: list's options and the global ones" \
		"--config --due-before --help --json --limit --marketplace --no-legend --seller --socket --state --timeout" \
		"$(bcomp list --)"
	check "bash: create's options" "--config --critical --help --json --marketplace --no-legend --opened-at --order --origin --reason --seller --socket --timeout" \
		"$(bcomp create X --)"
	check "bash: --state: the states" \
		"awaiting closed mediation pending resolved unresolved" "$(bcomp list --state "")"
	check "bash: --state=PREFIX" "mediation" "$(bcomp list --state=me)"
	check "bash: --marketplace: the rulebooks loaded (asked from the daemon)" "$BOOKS" \
		"$(bcomp create X --marketplace "")"
	check "bash: --origin" "customer preventive" "$(bcomp create X --origin "")"
	check "bash: act ID: the actions the protocol allows (the daemon's)" "$P1_ACTIONS" \
		"$(bcomp act P1 "")"
	check "bash: act ID of another rulebook: its actions" "$A1_ACTIONS" "$(bcomp act A1 "")"
	check "bash: act ID PREFIX" "request_cancellation_letter request_photos" \
		"$(bcomp act P1 req)"
	check "bash: act ID ACTION: its parameters" "posting_code=" \
		"$(bcomp act P1 inform_posting_code "")"
	check "bash: act ID ACTION after an option and a parameter" "note=" \
		"$(bcomp act --if-version 2 A1 ask_docs x=1 "")"
	check "bash: event ID: the events that move it from its state" "$A1_EVENTS" \
		"$(bcomp event A1 "")"
	check "bash: marketplaces NAME" "$BOOKS" "$(bcomp marketplaces "")"
	check "bash: help COMMAND" "$COMMANDS" "$(bcomp help "")"
	check "bash: import FILE: the files" "protocold.ini" "$(BCOMP_DIR=$T bcomp import protocold.i)"
	check "bash: --socket on the line is honoured" "$P1_ACTIONS" \
		"$(PROTOCOLD_SOCKET=$T/none.sock bcomp --socket "$SOCK" act P1 "")"
	check "bash: so is --socket=PATH after the command" "$P1_ACTIONS" \
		"$(PROTOCOLD_SOCKET=$T/none.sock bcomp act --socket="$SOCK" P1 "")"
	t0=$(date +%s%N)
	out=$(PROTOCOLD_SOCKET=$T/none.sock bcomp act P1 "" 2>&1)
	ms=$((($(date +%s%N) - t0) / 1000000))
	check "bash: no daemon: no words and nothing said" "" "$out"
	[ "$ms" -lt 1500 ] && ok "bash: no daemon: quick (${ms} ms)" ||
		not_ok "bash: no daemon: quick (${ms} ms)"
	check "bash: no daemon: the commands still" "$COMMANDS" \
		"$(PROTOCOLD_SOCKET=$T/none.sock bcomp "")"
fi

# --- zsh -------------------------------------------------------------------------------
if ! command -v zsh >/dev/null; then
	ok "zsh completion # SKIP zsh is not installed"
	finish
fi
check "zsh -n" 0 "$(zsh -n ctl/completion/_protocolctl; echo $?)"

# zcomp WORD...: the words the zsh function offers, compadd replaced by a printer.
zcomp() {
	ZD=$T/zcompdump zsh -f -c '
		fpath=("$PWD/ctl/completion" $fpath)
		autoload -Uz compinit && compinit -u -d "$ZD"
		[[ $_comps[protocolctl] == _protocolctl ]] || { print NOT-REGISTERED; exit 1; }
		compadd() {
			while (( $# )); do
				case $1 in
				(-a) shift; print -l -- ${(P)1} ;;
				(-S) shift ;;
				(-*) ;;
				(*) print -r -- $1 ;;
				esac
				shift
			done
		}
		_files() { print FILES; }
		_message() { :; }
		words=("$@")
		CURRENT=$#
		_protocolctl
	' zsh "$C" "$@" | sed '/^$/d' | sort | paste -sd' '
}
check "zsh: compinit registers _protocolctl for protocolctl; the commands" "$COMMANDS" \
	"$(zcomp "")"
check "zsh: list's options" \
	"--config --due-before --help --json --limit --marketplace --no-legend --seller --socket --state --timeout" \
	"$(zcomp list --)"
check "zsh: --state" "awaiting closed mediation pending resolved unresolved" \
	"$(zcomp list --state "")"
check "zsh: act ID: the daemon's actions" "$P1_ACTIONS" "$(zcomp act P1 "")"
check "zsh: act ID ACTION: its parameters" "note=" "$(zcomp act A1 ask_docs "")"
check "zsh: event ID" "$A1_EVENTS" "$(zcomp event A1 "")"
check "zsh: --marketplace" "$BOOKS" "$(zcomp create X --marketplace "")"
check "zsh: --socket on the line is honoured" "$P1_ACTIONS" \
	"$(PROTOCOLD_SOCKET=$T/none.sock zcomp --socket "$SOCK" act P1 "")"
check "zsh: no daemon: no words and nothing said" "" \
	"$(PROTOCOLD_SOCKET=$T/none.sock zcomp act P1 "" 2>&1)"

# A real TAB: an interactive zsh under zpty, with ^X bound to a widget that writes the
# line as completed to a file and clears it.
mkdir -p "$T/bin"
ln -s "$C" "$T/bin/protocolctl"
cat >"$T/zpty.zsh" <<'ZSH'
zmodload zsh/zpty || exit 5
zpty z zsh -f -i
zpty -w z 'PS1=""; fpath=($SRC/ctl/completion $fpath); autoload -Uz compinit; compinit -u -d $ZT/zdump2; echo READY$((0+1))'
zpty -r z out '*READY1*' || exit 6
zpty -w z 'line() { print -r -- "$BUFFER" >>$ZT/lines; BUFFER=; }; zle -N line; bindkey "^X" line; echo READY$((1+1))'
zpty -r z out '*READY2*' || exit 6
n=0
for l in "protocolctl mark" "protocolctl act P1 inform_po" "protocolctl list --sta"; do
	zpty -w -n z "$l"$'\t'
	zpty -w -n z $'\x18'
	n=$((n + 1))
	for i in {1..100}; do
		[[ -f $ZT/lines && $(wc -l <$ZT/lines) -ge $n ]] && break
		sleep 0.05
	done
done
zpty -d z
ZSH
if zsh -f -c 'zmodload zsh/zpty' 2>/dev/null; then
	PATH=$T/bin:$PATH SRC=$PWD ZT=$T timeout 30 zsh -f "$T/zpty.zsh"
	check "zsh under zpty: a command, an action, an option completed by TAB" \
		"protocolctl marketplaces |protocolctl act P1 inform_posting_code |protocolctl list --state " \
		"$(paste -sd'|' "$T/lines" 2>/dev/null)"
else
	ok "zsh under zpty # SKIP no zsh/zpty module"
fi
echo "1..$N"
finish
