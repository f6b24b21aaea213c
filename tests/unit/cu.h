/* A tiny shared runner for the CUnit test programs: one program per module,
 * a NULL-terminated CU_TestInfo array, exit 1 when anything failed. */
#ifndef VMAILADM_TESTS_CU_H
#define VMAILADM_TESTS_CU_H
#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>

static inline int cu_run(char *suite_name, CU_TestInfo *tests)
{
	CU_SuiteInfo suites[] = {
		{ suite_name, NULL, NULL, NULL, NULL, tests },
		CU_SUITE_INFO_NULL,
	};
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 99;
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		fprintf(stderr, "%s\n", CU_get_error_msg());
		return 99;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_tests_failed() + CU_get_number_of_failures();
	unsigned ran = CU_get_number_of_tests_run();
	CU_cleanup_registry();
	return failed || ran == 0 ? 1 : 0;
}

/* Path of a fixture: $top_srcdir/tests/fixtures/NAME (top_srcdir from the
 * test environment, "." otherwise). Returns a static buffer. */
static inline const char *cu_fixture(const char *name)
{
	static char path[4096];
	const char *top = getenv("top_srcdir");
	snprintf(path, sizeof path, "%s/tests/fixtures/%s", top ? top : ".", name);
	return path;
}

#endif
