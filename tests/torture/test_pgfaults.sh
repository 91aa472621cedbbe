#!/bin/sh
# Issue 23, item 3: protocold on PostgreSQL when the server goes away (a server of its
# own, stopped, killed and started; PROTOCOLD_PG=off skips it). See pgfaults.py.
PYTHONDONTWRITEBYTECODE=1 exec /usr/bin/python3 "$(dirname "$0")/pgfaults.py" "$@"
