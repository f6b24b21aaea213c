/* libFuzzer harness for the table and aliases parsers: any input must parse
 * without crashing, render back byte for byte, and survive an add, a set
 * and a remove with every other entry's lookup unchanged in count.
 * Run with `make fuzz-table` (clang, -fsanitize=fuzzer). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "vmailadm/aliases.h"
#include "vmailadm/doc.h"
#include "vmailadm/table.h"

static void fuzz_table(const uint8_t *data, size_t size, enum table_syntax syn)
{
	struct diags d = DIAGS_INIT;
	struct table *t = table_parse(doc_from_mem("fuzz", (const char *)data, size), syn, &d);
	fuzz_check_roundtrip(table_doc(t), data, size);
	size_t n = table_count(t);
	for (size_t i = 0; i < n; i++) {
		const struct table_entry *e = table_entry(t, i);
		if (!e->shadowed && syn != TABLE_REGEXP && table_lookup(t, e->key) != e)
			abort();
	}
	const char *key = syn == TABLE_REGEXP ? "/^fuzz@x\\.org$/" : "fuzz@x.org";
	const char *lkey = syn == TABLE_REGEXP ? "^fuzz@x\\.org$" : key;
	if (!table_lookup(t, lkey)) {
		size_t before = diags_count(&d, DIAG_ERROR);
		int r = table_add(t, key, "v", &d);
		/* A pattern table may refuse (a file ending inside "if"), with
		 * an error; an indexed table or a list must take the key. */
		if (r != 0 && (syn != TABLE_REGEXP || diags_count(&d, DIAG_ERROR) == before))
			abort();
		if (r == 0) {
			if (!table_lookup(t, lkey))
				abort();
			if (syn != TABLE_LIST && table_set(t, key, "w", &d) != 0)
				abort();
			if (table_remove(t, key, &d) != 0 || table_lookup(t, lkey))
				abort();
		}
	}
	if (n > 0) {
		const struct table_entry *e = table_entry(t, 0);
		char *k = strdup(e->key);
		if (k && !e->shadowed)
			table_remove(t, k, &d);
		free(k);
	}
	table_free(&t);
	diags_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_table(data, size, TABLE_INDEXED);
	fuzz_table(data, size, TABLE_LIST);
	fuzz_table(data, size, TABLE_REGEXP);

	struct diags d = DIAGS_INIT;
	struct aliases *a = aliases_parse(doc_from_mem("fuzz", (const char *)data, size), &d);
	fuzz_check_roundtrip(aliases_doc(a), data, size);
	if (aliases_set(a, "fuzzname", "root, \"|/bin/x\"", &d) != 0 ||
	    !aliases_lookup(a, "FUZZNAME") || aliases_remove(a, "fuzzname", &d) != 0 ||
	    aliases_lookup(a, "fuzzname"))
		abort();
	aliases_free(&a);
	diags_free(&d);
	return 0;
}
