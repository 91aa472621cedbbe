#!/bin/sh
# Issue 21, faults 3, 6 and 8: hostile configuration files. See config_faults.py.
PYTHONDONTWRITEBYTECODE=1 exec /usr/bin/python3 "$(dirname "$0")/config_faults.py" "$@"
