/* Harness for the read-only table index (tableidx.c) against the editable
 * table parser it must agree with (table.c): for any input, in both the
 * indexed and the list syntax, the same number of distinct keys, the same
 * diagnostics, and for every key the same line, value and key as written.
 * Run with `make fuzz-tableidx`. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "vmailadm/diag.h"
#include "vmailadm/doc.h"
#include "vmailadm/table.h"
#include "vmailadm/tableidx.h"

static void fuzz_syntax(const uint8_t *data, size_t size, enum table_syntax syn)
{
	struct diags dt = DIAGS_INIT, di = DIAGS_INIT;
	struct table *t = table_parse(doc_from_mem("fuzz", (const char *)data, size), syn, &dt);
	struct tableidx *x = tableidx_from_mem("fuzz", (const char *)data, size, syn, &di);
	if (!t || !x || dt.n != di.n)
		abort();
	for (size_t i = 0; i < dt.n; i++)
		if (dt.v[i].line != di.v[i].line || dt.v[i].level != di.v[i].level ||
		    strcmp(dt.v[i].msg, di.v[i].msg) != 0)
			abort();
	size_t distinct = 0;
	for (size_t i = 0; i < table_count(t); i++) {
		const struct table_entry *e = table_entry(t, i);
		if (e->shadowed)
			continue;
		distinct++;
		unsigned line = 0;
		char *value = NULL, *key = NULL;
		if (!tableidx_lookup(x, e->lookup_key, &line, &value, &key))
			abort();
		if (line != e->line || strcmp(value, e->value) != 0 || strcmp(key, e->key) != 0)
			abort();
		free(value);
		free(key);
	}
	if (distinct != tableidx_count(x))
		abort();
	if (!table_lookup(t, "fuzz-absent@x.org") &&
	    tableidx_lookup(x, "fuzz-absent@x.org", NULL, NULL, NULL))
		abort();
	tableidx_free(&x);
	table_free(&t);
	diags_free(&dt);
	diags_free(&di);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_syntax(data, size, TABLE_INDEXED);
	fuzz_syntax(data, size, TABLE_LIST);
	return 0;
}
