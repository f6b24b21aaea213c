libvmailcli_a_SOURCES += \
	src/cli/asciiout.c \
	src/cli/cli.c \
	src/cli/cli_json.c
noinst_HEADERS += \
	include/vmailadm/cli.h \
	include/vmailadm/config.h \
	include/vmailadm/exitstatus.h
libvmailcli_a_SOURCES += \
	src/cli/cmd_list.c \
	src/cli/cmd_show.c
libvmailcli_a_SOURCES += \
	src/cli/cmd_config.c
# The printers of `vmailadm config` take no struct cli and test_config
# checks the man page they print: they stay in the library.
libvmail_a_SOURCES += \
	src/cli/config_print.c
# Maildir statistics on the command line (src/maildir/scan.c); the
# delivery log of an address (src/traffic/maillog.c); the Postfix queue
# (src/traffic/queue.c).
libvmailcli_a_SOURCES += \
	src/cli/cmd_maillog.c \
	src/cli/cmd_queue.c \
	src/cli/cmd_stats.c

# `vmailadm demo` (the tree itself is made by src/demo/demo.c).
libvmailcli_a_SOURCES += \
	src/cli/cmd_demo.c

# `vmailadm db` (the database itself is src/db/).
libvmailcli_a_SOURCES += \
	src/cli/cmd_db.c

# Edits, batches, import and the audit trail.
libvmailcli_a_SOURCES += \
	src/cli/cmd_apply.c \
	src/cli/cmd_edit.c \
	src/cli/cmd_import.c \
	src/cli/cmd_log.c \
	src/cli/cmd_rollback.c \
	src/cli/cmd_sendas.c \
	src/cli/transact.c
noinst_HEADERS += src/cli/cli_int.h

# Where mail goes and what loses it.
libvmailcli_a_SOURCES += \
	src/cli/cmd_lint.c \
	src/cli/cmd_trace.c

# The course's exercises.
libvmailcli_a_SOURCES += src/cli/cmd_exercise.c
