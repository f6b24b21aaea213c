# The demo server tree (`vmailadm demo`, and the tree the stage's tests edit):
# in the core, as it uses only src/sys.
libvmail_a_SOURCES += \
	src/demo/demo.c \
	src/demo/demodir.c \
	src/demo/demomail.c
noinst_HEADERS += include/vmailadm/demo.h src/demo/demo_int.h
