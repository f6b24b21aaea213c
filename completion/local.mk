# Shell completion (bash, zsh), installed by `make install`; both ask
# vmailadm itself for its commands and options (tests/cli-completion.sh).
bashcompdir = $(datadir)/bash-completion/completions
bashcomp_DATA = completion/vmailadm
zshcompdir = $(datadir)/zsh/site-functions
dist_zshcomp_DATA = completion/_vmailadm
completion/vmailadm: $(srcdir)/completion/vmailadm.bash
	$(AM_V_GEN)$(MKDIR_P) completion && cp $(srcdir)/completion/vmailadm.bash $@
EXTRA_DIST += completion/vmailadm.bash
CLEANFILES += completion/vmailadm
