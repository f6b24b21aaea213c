#!/bin/sh
# Only src/ui may include curses (DESIGN.md convention 1): the model and the
# command line must build and run without a terminal library.
top=${top_srcdir:-.}
leaks=$(grep -rlE '#[[:space:]]*include[[:space:]]*[<"](n?curses|ncursesw/|panel\.h|form\.h|menu\.h|term\.h)' \
	"$top/src" "$top/include" "$top/tests/unit" 2>/dev/null | grep -v "^$top/src/ui/")
if [ -n "$leaks" ]; then
	echo "curses included outside src/ui:" $leaks
	exit 1
fi
# The check itself must be able to fail: it has to find the ui includes.
if ! grep -rqE '#[[:space:]]*include[[:space:]]*[<"](n?curses|ncursesw/)' "$top/src/ui" 2>/dev/null; then
	echo "note: no curses include found under src/ui yet"
fi
echo "curses confined to src/ui"
