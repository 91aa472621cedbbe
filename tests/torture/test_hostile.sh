#!/bin/sh
# Issue 6: see hostile.py and README.md. TORTURE=long for the long mode.
PYTHONDONTWRITEBYTECODE=1 exec /usr/bin/python3 "$(dirname "$0")/hostile.py" "$@"
