#!/bin/sh
# Runs each libFuzzer target in DIR (default build/fuzz) for SECONDS each (default
# 20) on its corpus, and prints a TAP line per target:
#   ok - fuzz_X: N executions, no crash
#   not ok - fuzz_X: crash (…): tests/fuzz/corpus/fuzz_X/crash-…
# usage: tests/fuzz/run.sh [-k] [DIR [SECONDS [TARGET…]]]
#   -k  keep what was found: new inputs are merged into tests/fuzz/corpus/fuzz_X
#       (-merge=1, only those that add coverage); without it they go to a temp dir.
# A crash, leak, UB report or timeout is copied into the target's corpus as crash-…
# (leak-… and timeout-… are renamed crash-…), so from then on every run replays it
# first: a regression input, until the bug is fixed (then keep the file: it stays a
# test). The full report is in the log named on the not ok line.
set -u
cd "$(dirname "$0")/../.."
keep=0
if [ "${1:-}" = "-k" ]; then
	keep=1
	shift
fi
dir=${1:-build/fuzz}
secs=${2:-20}
[ $# -gt 2 ] && shift 2 || set --
targets=${*:-$(ls tests/fuzz/fuzz_*.c | sed 's|.*/||; s|\.c$||')}
# The targets' temp files (fuzz_http's database and socket) go to memory when it can.
tmp=${TMPDIR:-/tmp}
[ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] && tmp=/dev/shm
work=$(mktemp -d "$tmp/protocold-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
logs=${FUZZ_LOGS:-$dir/logs}
mkdir -p "$logs"
failed=0

# The budget: SECONDS of fuzzing, or with FUZZ_RUNS=N exactly N executions (the long
# mode of `make torture`: 10 million a target), shared by FUZZ_JOBS processes side by
# side (N / FUZZ_JOBS each, on the same corpus; `make torture` runs one a core).
jobs=${FUZZ_JOBS:-1}
if [ -n "${FUZZ_RUNS:-}" ]; then
	budget="-runs=$(( (FUZZ_RUNS + jobs - 1) / jobs ))"
else
	budget="-max_total_time=$secs"
	jobs=1
fi

# The longest input each target is given.
max_len() {
	case $1 in
	fuzz_http) echo 16384 ;;
	fuzz_config) echo 4096 ;;
	fuzz_rulebook) echo 16384 ;;	# the shipped rulebooks are seeds (10 KiB)
	*) echo 256 ;;
	esac
}

# found TARGET ARTIFACTS: copy what libFuzzer wrote into the corpus; print its path.
found() {
	for f in "$2"/*; do
		[ -f "$f" ] || continue
		name=crash-${f##*-}
		cp "$f" "tests/fuzz/corpus/$1/$name"
		echo "tests/fuzz/corpus/$1/$name"
	done
}

# fuzz1 TARGET J: one libFuzzer process (job J) with the budget; its exit status. Its
# log is $logs/TARGET.log (TARGET.J.log when several run), its findings in $art.
fuzz1() {
	jl=$logs/$1.log
	[ "$jobs" -gt 1 ] && jl=$logs/$1.$2.log
	mkdir -p "$new/$2" "$work/tmp/$2"
	TMPDIR=$work/tmp/$2 ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		"$bin" $budget -print_final_stats=1 -timeout=10 \
		-rss_limit_mb=2048 -max_len="$(max_len "$1")" -artifact_prefix="$art/" \
		$dict "$new/$2" "$corpus" >"$jl" 2>&1
}

# executed LOG: the executions libFuzzer reported at its end, or nothing.
executed() {
	sed -n 's/^stat::number_of_executed_units: *//p' "$1" | tail -n 1
}

# run TARGET: fuzz it ($jobs processes side by side); print its TAP line.
run() {
	t=$1
	bin=$dir/$t
	corpus=tests/fuzz/corpus/$t
	log=$logs/$t.log
	new=$work/$t.new
	art=$work/$t.art
	mkdir -p "$new" "$art" "$corpus" "$work/tmp"
	if [ ! -x "$bin" ]; then
		echo "not ok - $t: $bin is missing (make fuzz)"
		return 1
	fi
	dict=
	[ -f "tests/fuzz/$t.dict" ] && dict=-dict=tests/fuzz/$t.dict
	pids=
	for j in $(seq "$jobs"); do
		fuzz1 "$t" "$j" &
		pids="$pids $!"
	done
	# Each job's status and count; the first that failed names the log.
	j=0 n=0 rc=0 bad=
	for p in $pids; do
		j=$((j + 1))
		wait "$p"
		r=$?
		jl=$log
		[ "$jobs" -gt 1 ] && jl=$logs/$t.$j.log
		k=$(executed "$jl")
		n=$((n + ${k:-0}))
		if [ -z "$bad" ] && { [ "$r" -ne 0 ] || [ -z "$k" ]; }; then
			bad=$jl
			rc=$r
		fi
	done
	if [ -n "$bad" ] || [ -n "$(ls "$art")" ]; then
		log=${bad:-$log}
		why=$(grep -m 1 -o 'ERROR: [A-Za-z]*Sanitizer: [a-z-]*\|runtime error: .*\|ERROR: libFuzzer: [a-z-]*\|check failed: .*' "$log")
		echo "not ok - $t: ${why:-exit status $rc} after $n executions:" \
		    $(found "$t" "$art") "(log: $log)"
		return 1
	fi
	if [ "$keep" -eq 1 ] && [ -n "$(find "$new" -type f | head -n 1)" ]; then
		"$bin" -merge=1 -max_len="$(max_len "$t")" "$corpus" "$new"/* \
			>>"$log" 2>&1 || echo "# $t: merging into $corpus failed (see $log)"
	fi
	by=
	[ "$jobs" -gt 1 ] && by=" ($jobs processes)"
	echo "ok - $t: $n executions$by, no crash"
}

for t in $targets; do
	run "$t" || failed=$((failed + 1))
done
[ "$failed" -eq 0 ]
