# Colour themes: installed for `--theme NAME`; default.yaml is also compiled
# into the program (src/ui/theme-default.c, generated here) so that the
# interface always has a theme to fall back to.
themesdir = $(pkgdatadir)/themes
dist_themes_DATA = \
	themes/default.yaml \
	themes/dark.yaml \
	themes/light.yaml \
	themes/mono.yaml

src/ui/theme-default.c: $(srcdir)/themes/default.yaml $(srcdir)/src/embed.sh
	$(AM_V_GEN)$(MKDIR_P) src/ui && \
	  $(SHELL) $(srcdir)/src/embed.sh theme_default_files $(srcdir)/themes default.yaml > $@-t && \
	  mv $@-t $@
CLEANFILES += src/ui/theme-default.c src/ui/theme-default.c-t
