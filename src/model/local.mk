# The mail model: domains, mailboxes, aliases, catch-alls built from the documents.
noinst_HEADERS += \
	include/vmailadm/model.h
