# The reliability campaign (issue 10; figures and commands in
# tests/RELIABILITY.md). Each script tests/reliability/NAME.sh takes one
# argument, its size (COUNT, or COUNTxENTRIES: kills, rounds or levels, and
# the entries per table of its tree), runs with top_srcdir, top_builddir and
# VMAILADM set like the suite, ends with the line "NAME: N passed, M failed"
# and exits 0 only when nothing failed (77: it cannot run here, e.g. not
# root). RELIABILITY_RUNS lists NAME:CI-SIZE:FULL-SIZE: `make reliability-ci`
# (in .ci/run) runs the CI sizes, `make reliability` the full ones (the
# issue's: 200 kills and 2 x 100 rounds on 100,000 entries). The scripts
# quick enough for every `make check` are RELIABILITY_TESTS (tests/local.mk)
# instead. A script in neither list fails both targets, so that nothing is
# left out by mistake. The shared tree and checks: tests/reliability/world.py.
RELIABILITY_RUNS = \
	kills:30x100000:200x100000 \
	concurrency:100x10000:100x100000 \
	inject:6:6
RELIABILITY_ENV = top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	VMAILADM='$(abs_top_builddir)/vmailadm'
reliability-ci reliability: vmailadm
	@pass=0; fail=0; skip=0; \
	if [ $@ = reliability ]; then field=3; else field=2; fi; \
	for s in $(srcdir)/tests/reliability/*.sh; do \
	  [ -f "$$s" ] || continue; n=$${s##*/}; n=$${n%.sh}; \
	  case " $(RELIABILITY_RUNS) $(RELIABILITY_TESTS) " in *" $$n:"*|*"/$$n.sh "*) ;; \
	  *) echo "FAIL: tests/reliability/$$n.sh is neither in RELIABILITY_RUNS (tests/reliability.mk) nor in RELIABILITY_TESTS"; \
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
EXTRA_DIST += tests/RELIABILITY.md .ci/sanitize .ci/lsan.supp tests/reliability/world.py \
	tests/reliability/kills.sh tests/reliability/kills.py \
	tests/reliability/concurrency.sh tests/reliability/concurrency.py \
	tests/reliability/fulldisk.py tests/reliability/inject.sh
