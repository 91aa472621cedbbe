#!/bin/sh
# Issue 21, faults 1, 2 and 5: see store_faults.py.
PYTHONDONTWRITEBYTECODE=1 exec /usr/bin/python3 "$(dirname "$0")/store_faults.py" "$@"
