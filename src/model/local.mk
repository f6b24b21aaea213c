# The mail model: domains, mailboxes, aliases, catch-alls built from the documents.
noinst_HEADERS += \
	include/vmailadm/dovepath.h \
	include/vmailadm/aliasdom.h \
	include/vmailadm/sendas.h \
	include/vmailadm/source.h \
	include/vmailadm/model.h \
	src/model/model_int.h
libvmail_a_SOURCES += \
	src/model/aliasdom.c \
	src/model/classify.c \
	src/model/dovepath.c \
	src/model/index.c \
	src/model/load.c \
	src/model/load_maps.c \
	src/model/model.c \
	src/model/sendas.c \
	src/model/source.c \
	src/model/worldpatch.c \
	src/model/worldpatch_catchall.c \
	src/model/worldpatch_identity.c \
	src/model/worldpatch_rename.c \
	src/model/worldpatch_domain.c

# Where mail goes (trace) and the traps that lose it (lint).
noinst_HEADERS += \
	include/vmailadm/lint.h \
	include/vmailadm/trace.h \
	src/model/lint_int.h \
	src/model/trace_int.h
libvmail_a_SOURCES += \
	src/model/lint.c \
	src/model/lint_maps.c \
	src/model/lint_pattern.c \
	src/model/lint_pgsql.c \
	src/model/lint_quota.c \
	src/model/lint_sendas.c \
	src/model/lint_text.c \
	src/model/trace.c \
	src/model/trace_deliver.c \
	src/model/trace_expand.c \
	src/model/trace_lookup.c \
	src/model/trace_pattern.c

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

# The tracer's and lint's fixture servers; lint's texts on them (test_lint).
EXTRA_DIST += \
	tests/fixtures/lint/messages.out \
	tests/fixtures/world/lintbad/etc/aliases \
	tests/fixtures/world/lintbad/etc/dovecot/users \
	tests/fixtures/world/lintbad/etc/postfix/main.cf \
	tests/fixtures/world/lintbad/etc/postfix/sender_login \
	tests/fixtures/world/lintbad/etc/postfix/vdomains \
	tests/fixtures/world/lintbad/etc/postfix/virtual \
	tests/fixtures/world/lintbad/etc/postfix/virtual.regexp \
	tests/fixtures/world/lintbad/etc/postfix/vmailbox \
	tests/fixtures/world/lintbad/etc/postfix/vmailbox.regexp \
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
	tests/fixtures/world/tricky/etc/include.list \
	tests/fixtures/world/tricky/etc/dovecot/users \
	tests/fixtures/world/tricky/etc/postfix/main.cf \
	tests/fixtures/world/tricky/etc/postfix/virtual \
	tests/fixtures/world/tricky/etc/postfix/virtual.pcre \
	tests/fixtures/world/tricky/etc/postfix/virtual2 \
	tests/fixtures/world/tricky/etc/postfix/vmailbox \
	tests/fixtures/world/tricky/etc/postfix/vmailbox.pcre \
	tests/fixtures/world/tricky/vmailadm.yaml

# trace_open's fixture (domain tables of every kind).
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

