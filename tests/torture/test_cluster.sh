#!/bin/sh
# Issue 24, item 2: three instances on one PostgreSQL database under 16 writers and
# firing herds, one killed with -9 in each of 5 rounds, then one cut off (SIGSTOP), one whose sessions are ended;
# PROTOCOLD_PG=off or no PostgreSQL 15 skips it. See cluster.py.
PYTHONDONTWRITEBYTECODE=1 exec /usr/bin/python3 "$(dirname "$0")/cluster.py" "$@"
