libvmail_a_SOURCES += \
	src/cli/cli.c
noinst_HEADERS += \
	include/vmailadm/cli.h \
	include/vmailadm/config.h
libvmail_a_SOURCES += \
	src/cli/cmd_list.c \
	src/cli/cmd_show.c
libvmail_a_SOURCES += \
	src/cli/cmd_config.c \
	src/cli/config_print.c

# The demo server tree (`vmailadm demo`) and its test.
libvmail_a_SOURCES += \
	src/cli/cmd_demo.c \
	src/cli/demo.c
noinst_HEADERS += include/vmailadm/demo.h
TESTS += tests/cli-demo.sh
EXTRA_DIST += tests/cli-demo.sh

# Edits, batches, import and the audit trail.
libvmail_a_SOURCES += \
	src/cli/cmd_apply.c \
	src/cli/cmd_edit.c \
	src/cli/cmd_import.c \
	src/cli/cmd_log.c \
	src/cli/cmd_rollback.c \
	src/cli/transact.c
noinst_HEADERS += src/cli/cli_int.h

# Where mail goes and what loses it (issue 6).
libvmail_a_SOURCES += \
	src/cli/cmd_lint.c \
	src/cli/cmd_trace.c

# The course's exercises (issue 13) and their test.
libvmail_a_SOURCES += src/cli/cmd_exercise.c
TESTS += tests/cli-exercise.sh
EXTRA_DIST += tests/cli-exercise.sh
