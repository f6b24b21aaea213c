# The course's exercises as data and the checks that tick their steps from
# the real state (issue 13); no curses, shared by the CLI and the TUI.
noinst_HEADERS += \
	include/vmailadm/exercise.h \
	src/exercise/exercise_int.h
libvmail_a_SOURCES += \
	src/exercise/check.c \
	src/exercise/exercise.c \
	src/exercise/probe.c \
	src/exercise/progress.c
