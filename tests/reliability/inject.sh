#!/bin/sh
# The whole failure-injection walk for make reliability (tests/reliability.mk):
# tests/cli-inject.sh with every step of the first SIZE of its six commands
# (mailbox add, mailbox del, alias add, domain del --cascade, catchall set,
# apply of a mixed batch) made to fail and killed. make check walks a part.
set -u
n=${1:-6}
cmds=$(echo add del alias cascade catchall apply | cut -d' ' -f"1-$n")
INJECT_ONLY=$cmds exec sh "$top_srcdir/tests/cli-inject.sh"
