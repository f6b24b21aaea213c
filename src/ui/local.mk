# The interface: linked into the program only, never into
# libvmail.a, so that nothing but src/ui needs curses.
vmailadm_SOURCES += \
	src/ui/background.c \
	src/ui/browse.c \
	src/ui/details.c \
	src/ui/diffview.c \
	src/ui/diskwatch.c \
	src/ui/draw.c \
	src/ui/edit.c \
	src/ui/edit_check.c \
	src/ui/edit_mailbox.c \
	src/ui/find.c \
	src/ui/form.c \
	src/ui/help.c \
	src/ui/history.c \
	src/ui/keys.c \
	src/ui/lineedit.c \
	src/ui/lintmark.c \
	src/ui/problems.c \
	src/ui/list.c \
	src/ui/live.c \
	src/ui/logview.c \
	src/ui/mailview.c \
	src/ui/qstate.c \
	src/ui/queueview.c \
	src/ui/quitsig.c \
	src/ui/rows.c \
	src/ui/rowsort.c \
	src/ui/tags.c \
	src/ui/session.c \
	src/ui/staged.c \
	src/ui/theme.c \
	src/ui/traceserver.c \
	src/ui/ui.c \
	src/ui/xpane.c
nodist_vmailadm_SOURCES = src/ui/theme-default.c
noinst_HEADERS += \
	include/vmailadm/theme.h \
	include/vmailadm/ui.h \
	src/ui/browse_int.h \
	src/ui/quitsig.h \
	src/ui/edit_int.h \
	src/ui/ui_curses.h \
	src/ui/ui_int.h

# Theme parsing and the quit signals are curses-free and tested on their own
# (tests/local.mk lists the tests).
tests_unit_test_theme_SOURCES = tests/unit/test_theme.c src/ui/theme.c
tests_unit_test_quitsig_SOURCES = tests/unit/test_quitsig.c src/ui/quitsig.c
nodist_tests_unit_test_theme_SOURCES = src/ui/theme-default.c

# The real binary in a private tmux server (tests/ui/lib.sh).
