# The mail model: domains, mailboxes, aliases, catch-alls built from the documents.
noinst_HEADERS += \
	include/vmailadm/model.h \
	src/model/model_int.h
libvmail_a_SOURCES += \
	src/model/classify.c \
	src/model/index.c \
	src/model/load.c \
	src/model/model.c

# Where mail goes (trace) and the traps that lose it (lint).
noinst_HEADERS += \
	include/vmailadm/lint.h \
	include/vmailadm/trace.h \
	src/model/trace_int.h
libvmail_a_SOURCES += \
	src/model/lint.c \
	src/model/trace.c \
	src/model/trace_deliver.c \
	src/model/trace_expand.c \
	src/model/trace_lookup.c

if HAVE_CUNIT
check_PROGRAMS += tests/unit/test_model
TESTS += tests/unit/test_model
endif
tests_unit_test_model_SOURCES = tests/unit/test_model.c
tests_unit_test_model_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_test_model_LDADD = $(CORE_LIBS) $(CUNIT_LIBS)
EXTRA_DIST += \
	tests/fixtures/world/basic/etc/aliases \
	tests/fixtures/world/basic/etc/dovecot/users \
	tests/fixtures/world/basic/etc/postfix/main.cf \
	tests/fixtures/world/basic/etc/postfix/virtual \
	tests/fixtures/world/basic/etc/postfix/vmailbox \
	tests/fixtures/world/basic/mail/andromed.cloud/johndoe/new/.keep \
	tests/fixtures/world/basic/vmailadm.yaml \
	tests/fixtures/world/filelist/etc/dovecot/users \
	tests/fixtures/world/filelist/etc/postfix/main.cf \
	tests/fixtures/world/filelist/etc/postfix/virtual \
	tests/fixtures/world/filelist/etc/postfix/virtual_domains \
	tests/fixtures/world/filelist/etc/postfix/vmailbox \
	tests/fixtures/world/filelist/vmailadm.yaml \
	tests/fixtures/world/hashdomains/etc/postfix/main.cf \
	tests/fixtures/world/hashdomains/etc/postfix/vdomains \
	tests/fixtures/world/hashdomains/etc/postfix/virtual \
	tests/fixtures/world/hashdomains/etc/postfix/vmailbox \
	tests/fixtures/world/hashdomains/vmailadm.yaml \
	tests/fixtures/world/missing/etc/postfix/main.cf \
	tests/fixtures/world/missing/vmailadm.yaml

# The read-only command line (src/cli/cmd_list.c, cmd_show.c) on a fixture server.
TESTS += tests/cli-list.sh
EXTRA_DIST += tests/cli-list.sh

# Tracer and lint tests on their own fixture servers.
if HAVE_CUNIT
check_PROGRAMS += tests/unit/test_trace tests/unit/test_lint
TESTS += tests/unit/test_trace tests/unit/test_lint
endif
tests_unit_test_trace_SOURCES = tests/unit/test_trace.c tests/unit/worldtree.h
tests_unit_test_trace_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_test_trace_LDADD = $(CORE_LIBS) $(CUNIT_LIBS)
tests_unit_test_lint_SOURCES = tests/unit/test_lint.c tests/unit/worldtree.h
tests_unit_test_lint_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_test_lint_LDADD = $(CORE_LIBS) $(CUNIT_LIBS)
EXTRA_DIST += \
	tests/fixtures/world/lintbad/etc/aliases \
	tests/fixtures/world/lintbad/etc/dovecot/users \
	tests/fixtures/world/lintbad/etc/postfix/main.cf \
	tests/fixtures/world/lintbad/etc/postfix/vdomains \
	tests/fixtures/world/lintbad/etc/postfix/virtual \
	tests/fixtures/world/lintbad/etc/postfix/vmailbox \
	tests/fixtures/world/lintbad/mail/bad.test/alice/cur/.keep \
	tests/fixtures/world/lintbad/mail/other.test/orphan/cur/.keep \
	tests/fixtures/world/lintbad/vmailadm.yaml \
	tests/fixtures/world/lintgood/etc/aliases \
	tests/fixtures/world/lintgood/etc/dovecot/users \
	tests/fixtures/world/lintgood/etc/postfix/main.cf \
	tests/fixtures/world/lintgood/etc/postfix/vdomains \
	tests/fixtures/world/lintgood/etc/postfix/virtual \
	tests/fixtures/world/lintgood/etc/postfix/vmailbox \
	tests/fixtures/world/lintgood/mail/good.test/alice/cur/.keep \
	tests/fixtures/world/lintgood/mail/good.test/alice/new/.keep \
	tests/fixtures/world/lintgood/mail/good.test/bob/cur/.keep \
	tests/fixtures/world/lintgood/mail/good.test/bob/new/.keep \
	tests/fixtures/world/lintgood/vmailadm.yaml \
	tests/fixtures/world/tricky/etc/aliases \
	tests/fixtures/world/tricky/etc/dovecot/users \
	tests/fixtures/world/tricky/etc/postfix/main.cf \
	tests/fixtures/world/tricky/etc/postfix/virtual \
	tests/fixtures/world/tricky/etc/postfix/virtual.pcre \
	tests/fixtures/world/tricky/etc/postfix/virtual2 \
	tests/fixtures/world/tricky/etc/postfix/vmailbox \
	tests/fixtures/world/tricky/vmailadm.yaml

# trace_open (no world, tables through tableidx) against trace_create.
if HAVE_CUNIT
check_PROGRAMS += tests/unit/test_trace_open
TESTS += tests/unit/test_trace_open
endif
tests_unit_test_trace_open_SOURCES = tests/unit/test_trace_open.c tests/unit/worldtree.h
tests_unit_test_trace_open_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_test_trace_open_LDADD = $(CORE_LIBS) $(CUNIT_LIBS)
EXTRA_DIST += \
	tests/fixtures/world/domaintables/etc/aliases \
	tests/fixtures/world/domaintables/etc/dovecot/users \
	tests/fixtures/world/domaintables/etc/postfix/adomains.regexp \
	tests/fixtures/world/domaintables/etc/postfix/localdomains \
	tests/fixtures/world/domaintables/etc/postfix/main.cf \
	tests/fixtures/world/domaintables/etc/postfix/vdomains \
	tests/fixtures/world/domaintables/etc/postfix/virtual \
	tests/fixtures/world/domaintables/etc/postfix/virtual.regexp \
	tests/fixtures/world/domaintables/etc/postfix/vmailbox \
	tests/fixtures/world/domaintables/mail/mbox.test/alice/new/.keep \
	tests/fixtures/world/domaintables/vmailadm.yaml

# The tracer against the real Postfix (sendmail -bv as the oracle; skips
# with 77 unless root with Postfix and Dovecot installed).
TESTS += tests/integration/trace-vs-postfix.sh
EXTRA_DIST += tests/integration/trace-vs-postfix.sh
