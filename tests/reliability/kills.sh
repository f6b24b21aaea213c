#!/bin/sh
# Random kills: commits SIGKILLed at random moments, then a read command and the checks of a whole commit.
# Usage: kills.sh SIZE, SIZE being COUNT or COUNTxENTRIES (the tree's entries
# per table); the work is done by kills.py beside this file (python3, which
# the README's test install line installs). Sizes: tests/reliability.mk.
size=${1:-}
count=${size%%x*}
entries=
case $size in *x*) entries=${size#*x} ;; esac
PYTHONDONTWRITEBYTECODE=1 exec python3 "${top_srcdir:-.}/tests/reliability/kills.py" $count $entries
