libvmail_a_SOURCES += \
	src/stage/aliasdom_apply.c \
	src/stage/apply.c \
	src/stage/rename.c \
	src/stage/forward.c \
	src/stage/sendas_apply.c \
	src/stage/sendas_master.c \
	src/stage/audit.c \
	src/stage/build.c \
	src/stage/commit.c \
	src/stage/diff.c \
	src/stage/dovelayout.c \
	src/stage/excerpt.c \
	src/stage/inject.c \
	src/stage/install.c \
	src/stage/journal.c \
	src/stage/leftover.c \
	src/stage/lint_fixes.c \
	src/stage/maildiract.c \
	src/stage/mapcheck.c \
	src/stage/neighbour.c \
	src/stage/op.c \
	src/stage/pgcommit.c \
	src/stage/plan.c \
	src/stage/precheck.c \
	src/stage/rollback.c \
	src/stage/quick.c \
	src/stage/recover.c \
	src/stage/splice.c \
	src/stage/stage.c \
	src/stage/stagefile.c \
	src/stage/stagerule.c \
	src/stage/state.c
noinst_HEADERS += \
	include/vmailadm/commit.h \
	include/vmailadm/diff.h \
	include/vmailadm/excerpt.h \
	include/vmailadm/inject.h \
	include/vmailadm/lint_fixes.h \
	include/vmailadm/mapcheck.h \
	include/vmailadm/neighbour.h \
	include/vmailadm/op.h \
	include/vmailadm/precheck.h \
	include/vmailadm/rollback.h \
	include/vmailadm/stage.h \
	include/vmailadm/state.h \
	src/stage/commit_int.h \
	src/stage/stage_int.h
