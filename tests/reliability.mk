# The reliability campaign (issue 10; figures and commands in
# tests/RELIABILITY.md). Each script tests/reliability/NAME.sh takes one
# argument, its size (cases, kills or rounds), runs with top_srcdir,
# top_builddir and VMAILADM set like the suite, ends with the line
# "NAME: N passed, M failed" and exits 0 only when nothing failed (77: it
# cannot run here, e.g. not root). RELIABILITY_RUNS lists NAME:CI-SIZE:FULL-SIZE:
# `make reliability-ci` (in .ci/run) runs the CI sizes, `make reliability`
# the full ones. A script in tests/reliability/ missing from the list fails
# both, so that nothing is left out by mistake.
RELIABILITY_RUNS =
RELIABILITY_ENV = top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	VMAILADM='$(abs_top_builddir)/vmailadm'
reliability-ci reliability: vmailadm
	@pass=0; fail=0; skip=0; \
	if [ $@ = reliability ]; then field=3; else field=2; fi; \
	for s in $(srcdir)/tests/reliability/*.sh; do \
	  [ -f "$$s" ] || continue; n=$${s##*/}; n=$${n%.sh}; \
	  case " $(RELIABILITY_RUNS) " in *" $$n:"*) ;; \
	  *) echo "FAIL: tests/reliability/$$n.sh has no size in RELIABILITY_RUNS (tests/reliability.mk)"; \
	     fail=$$((fail + 1)) ;; esac; \
	done; \
	for r in $(RELIABILITY_RUNS); do \
	  n=$${r%%:*}; size=$$(echo "$$r" | cut -d: -f$$field); \
	  echo "== tests/reliability/$$n.sh $$size"; \
	  $(RELIABILITY_ENV) $(SHELL) $(srcdir)/tests/reliability/$$n.sh "$$size"; rc=$$?; \
	  if [ $$rc -eq 0 ]; then pass=$$((pass + 1)); \
	  elif [ $$rc -eq 77 ]; then skip=$$((skip + 1)); \
	  else fail=$$((fail + 1)); echo "FAIL: tests/reliability/$$n.sh $$size (exit $$rc)"; fi; \
	done; \
	if [ $$skip -ne 0 ]; then sk=", $$skip skipped"; else sk=""; fi; \
	echo "reliability: $$pass passed, $$fail failed$$sk"; \
	test $$fail -eq 0
.PHONY: reliability-ci reliability
EXTRA_DIST += tests/RELIABILITY.md .ci/sanitize .ci/lsan.supp
