# The demo server tree (`vmailadm demo`, and the tree the stage's tests edit):
# in the core, as it uses only src/sys.
libvmail_a_SOURCES += \
	src/demo/demo.c
noinst_HEADERS += include/vmailadm/demo.h
