#!/bin/sh
# Full disk: the Postfix directory, the state directory and the mail base in turn on a full tmpfs (root; 77 otherwise).
# Usage: fulldisk.sh SIZE, SIZE being COUNT or COUNTxENTRIES (the tree's entries
# per table); the work is done by fulldisk.py beside this file (python3, which
# the README's test install line installs). Sizes: tests/reliability.mk.
size=${1:-}
count=${size%%x*}
entries=
case $size in *x*) entries=${size#*x} ;; esac
PYTHONDONTWRITEBYTECODE=1 exec python3 "${top_srcdir:-.}/tests/reliability/fulldisk.py" $count $entries
