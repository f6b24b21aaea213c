# Colour themes: installed for `--theme NAME`; default.yaml is also compiled
# into the program (src/ui/theme-default.c, generated here) so that the
# interface always has a theme to fall back to.
themesdir = $(pkgdatadir)/themes
dist_themes_DATA = \
	themes/default.yaml \
	themes/dark.yaml \
	themes/light.yaml \
	themes/mono.yaml

src/ui/theme-default.c: $(srcdir)/themes/default.yaml
	$(AM_V_GEN)$(MKDIR_P) src/ui && { \
	  echo '/* Generated from themes/default.yaml by themes/local.mk: do not edit. */'; \
	  echo '#include "config.h"'; \
	  echo 'extern const char theme_default_yaml[];'; \
	  echo 'const char theme_default_yaml[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' \
	    $(srcdir)/themes/default.yaml; \
	  echo ';'; \
	} > $@-t && mv $@-t $@
CLEANFILES += src/ui/theme-default.c src/ui/theme-default.c-t
