#!/bin/sh
# Issue 21, faults 4 and 9: see slow_readers.py. TORTURE=long for the long mode.
PYTHONDONTWRITEBYTECODE=1 exec /usr/bin/python3 "$(dirname "$0")/slow_readers.py" "$@"
