# The demo server tree (`vmailadm demo`, and the tree the stage's tests edit):
# in the core, as it uses only src/sys.
libvmail_a_SOURCES += \
	src/demo/demo.c \
	src/demo/demodir.c \
	src/demo/demomail.c
noinst_HEADERS += include/vmailadm/demo.h include/vmailadm/embedded.h src/demo/demo_int.h

# The demo's sample files, below src/demo/tree/ as the demo writes them
# (main.cf and vmailadm.yaml with @DIR@, @UID@, @GID@, @MINUID@ to fill in),
# compiled into the program by src/embed.sh as the default theme is.
DEMO_TREE = \
	.vmailadm-demo \
	etc/aliases \
	etc/dovecot/users \
	etc/mailname \
	etc/postfix/main.cf \
	etc/postfix/virtual_alias \
	etc/postfix/virtual_domains \
	etc/postfix/vmailbox \
	vhosts/andromed.cloud/janedoe/subscriptions \
	vhosts/andromed.cloud/johndoe/subscriptions \
	vmailadm.yaml
# The sample mail, one message a file (the format: demomail.c), in order.
DEMO_MAIL = \
	01-johndoe@andromed.cloud \
	02-johndoe@andromed.cloud \
	03-johndoe@andromed.cloud \
	04-johndoe@andromed.cloud \
	05-johndoe@andromed.cloud \
	06-johndoe@andromed.cloud \
	07-janedoe@andromed.cloud \
	08-janedoe@andromed.cloud \
	09-janedoe@andromed.cloud \
	10-janedoe@andromed.cloud \
	11-contact@andromed.cloud \
	12-contact@andromed.cloud \
	13-contact@andromed.cloud \
	14-support@andromed.cloud \
	15-support@andromed.cloud \
	16-support@andromed.cloud \
	17-support@andromed.cloud \
	18-admin@andromed.cloud \
	19-admin@andromed.cloud \
	20-admin@andromed.cloud \
	21-contact@ascent.cloud \
	22-contact@ascent.cloud
nodist_libvmail_a_SOURCES = src/demo/demo-files.c src/demo/demo-mail.c
EXTRA_DIST += src/embed.sh $(DEMO_TREE:%=src/demo/tree/%) $(DEMO_MAIL:%=src/demo/mail/%)
src/demo/demo-files.c: $(DEMO_TREE:%=$(srcdir)/src/demo/tree/%) $(srcdir)/src/embed.sh
	$(AM_V_GEN)$(MKDIR_P) src/demo && \
	  $(SHELL) $(srcdir)/src/embed.sh demo_files $(srcdir)/src/demo/tree $(DEMO_TREE) > $@-t && \
	  mv $@-t $@
CLEANFILES += src/demo/demo-files.c src/demo/demo-files.c-t
src/demo/demo-mail.c: $(DEMO_MAIL:%=$(srcdir)/src/demo/mail/%) $(srcdir)/src/embed.sh
	$(AM_V_GEN)$(MKDIR_P) src/demo && \
	  $(SHELL) $(srcdir)/src/embed.sh demo_mail $(srcdir)/src/demo/mail $(DEMO_MAIL) > $@-t && \
	  mv $@-t $@
CLEANFILES += src/demo/demo-mail.c src/demo/demo-mail.c-t
