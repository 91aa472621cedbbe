#!/bin/sh
# Issue 6: see clocksteps.py and README.md. TORTURE=long for the long mode.
PYTHONDONTWRITEBYTECODE=1 exec /usr/bin/python3 "$(dirname "$0")/clocksteps.py" "$@"
