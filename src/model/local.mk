# The mail model: domains, mailboxes, aliases, catch-alls built from the documents.
noinst_HEADERS += \
	include/vmailadm/model.h
libvmail_a_SOURCES += \
	src/model/model.c

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
