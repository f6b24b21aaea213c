/* Harness for the theme reader (src/ui/theme.c): any text parsed over the
 * default theme either fails with an error naming the file and a line inside
 * it and leaves the theme exactly as it was, or gives colours a terminal can
 * show (reduced to 16 and 8 colours without leaving the range).
 * Run with `make fuzz-theme`. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "vmailadm/diag.h"
#include "vmailadm/theme.h"

static bool same_theme(const struct theme *a, const struct theme *b)
{
	if (a->mono != b->mono || strcmp(a->name, b->name) != 0)
		return false;
	return memcmp(a->role, b->role, sizeof a->role) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned lines = 1;
	for (size_t i = 0; i < size; i++)   /* every byte that may break a YAML line */
		lines += data[i] == '\n' || data[i] == '\r' || data[i] == 0x85 || data[i] == 0xe2;
	struct theme t, before;
	theme_default(&t);
	theme_default(&before);
	struct diags d = DIAGS_INIT;
	int rc = theme_parse("fuzz.yaml", (const char *)data, size, &t, &d);
	if (rc < 0 && (!diags_has_errors(&d) || !same_theme(&t, &before)))
		abort();
	for (size_t i = 0; i < d.n; i++)
		if (!d.v[i].file || d.v[i].line > lines + 1)
			abort();
	for (int r = 0; r < ROLE_COUNT; r++) {
		short c[2] = { t.role[r].fg, t.role[r].bg };
		for (int k = 0; k < 2; k++) {
			if (c[k] != THEME_COLOR_DEFAULT && (c[k] < 0 || c[k] > 255))
				abort();
			short c16 = theme_color_reduce(c[k], 16), c8 = theme_color_reduce(c[k], 8);
			if (c[k] != THEME_COLOR_DEFAULT && (c16 < 0 || c16 > 15 || c8 < 0 || c8 > 7))
				abort();
		}
	}
	theme_free(&t);
	theme_free(&before);
	diags_free(&d);
	return 0;
}
