# Man pages: vmailadm(1) is written by hand; vmailadm.yaml(5) is generated
# from the settings table (src/sys/settings.c) and committed. test_config and
# tests/cli-config.sh fail when it is stale; `make update-man` rewrites it.
dist_man_MANS += doc/vmailadm.1 doc/vmailadm.yaml.5
update-man: vmailadm$(EXEEXT)
	$(AM_V_GEN)LC_ALL=C LANGUAGE= ./vmailadm$(EXEEXT) config --man >$(srcdir)/doc/vmailadm.yaml.5
.PHONY: update-man
# The JSON output of the read-only commands (src/cli/cmd_list.c, cmd_show.c).
EXTRA_DIST += doc/json.md
