#!/bin/sh
# Concurrency: 2 committers x ROUNDS, 20 at once, hand edits between staging and commit.
# Usage: concurrency.sh SIZE, SIZE being COUNT or COUNTxENTRIES (the tree's entries
# per table); the work is done by concurrency.py beside this file (python3, which
# the README's test install line installs). Sizes: tests/reliability.mk.
size=${1:-}
count=${size%%x*}
entries=
case $size in *x*) entries=${size#*x} ;; esac
PYTHONDONTWRITEBYTECODE=1 exec python3 "${top_srcdir:-.}/tests/reliability/concurrency.py" $count $entries
