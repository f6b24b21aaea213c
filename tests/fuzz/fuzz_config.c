/* libFuzzer harness for the configuration reader: any input must load or
 * fail without crashing, every diagnostic must name the file and a line
 * inside it, and a loaded configuration must print (text and JSON).
 * Run with `make fuzz-config` (clang, -fsanitize=fuzzer). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "vmailadm/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d = DIAGS_INIT;
	struct config *c = NULL;
	unsigned lines = 1;
	/* YAML also breaks lines on a lone CR, NEL (C2 85), LS and PS (E2 80 A8/A9):
	 * count every byte that may start one, an upper bound. */
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n' || data[i] == '\r' || data[i] == 0x85 || data[i] == 0xe2;
	int rc = config_load_mem("/fuzz/vmailadm.yaml", (const char *)data, size, &c, &d);
	if ((rc == 0) != (c != NULL) || (rc < 0 && !diags_has_errors(&d)))
		abort();
	for (size_t i = 0; i < d.n; i++)
		if (!d.v[i].file || d.v[i].line > lines + 1)
			abort();
	if (c) {
		FILE *null = fopen("/dev/null", "w");
		if (null) {
			config_print(c, null, false);
			config_print(c, null, true);
			fclose(null);
		}
		config_free(&c);
	}
	diags_free(&d);
	return 0;
}
