#!/bin/sh
# Issue 26, item 10: every man page is clean under `mandoc -T lint` at the warning
# level (what lintian and the distributions' man-page checks look at), so a new
# warning fails the suite.
cd "$(dirname "$0")/../.."
n=0
for m in doc/*.[1-8]; do
	n=$((n + 1))
	out=$(mandoc -T lint -W warning "$m" 2>&1)
	if [ -z "$out" ]; then
		echo "ok $n - mandoc -T lint -W warning $m: nothing"
	else
		echo "not ok $n - mandoc -T lint -W warning $m"
		echo "$out" | sed 's/^/# /'
	fi
done
echo "1..$n"
