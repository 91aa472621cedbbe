# What the scripts of tests/tools/ share (bash; sourced after T and PIDS are set):
# stopping the daemons they started, numbering their TAP lines, and installing a pinned
# npm package once per lock file.

# On exit: stop every daemon in $PIDS (each waited for) and remove $T.
tools_cleanup() {
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}

# TAP lines without numbers in, numbered out, with the plan at the end.
tools_number() {
	awk '/^ok - / { n++; sub(/^ok - /, "ok " n " - ") }
	     /^not ok - / { n++; sub(/^not ok - /, "not ok " n " - ") }
	     { print; fflush() }
	     END { print "1.." n }'
}

# tools_npm_ci SRC DIR FILE: the packages that SRC's package.json and package-lock.json
# pin, installed with `npm ci` into DIR unless DIR holds that lock already and
# DIR/node_modules/FILE exists (never vendored; no install scripts, no browser
# download). npm's output goes to $T/npm.log.
tools_npm_ci() {
	if cmp -s "$1/package-lock.json" "$2/package-lock.json" &&
		[ -e "$2/node_modules/$3" ]; then
		return 0
	fi
	rm -rf "$2"
	mkdir -p "$2"
	cp "$1/package.json" "$1/package-lock.json" "$2/"
	(cd "$2" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
		npm ci --ignore-scripts --no-audit --no-fund) >"$T/npm.log" 2>&1
}
