/* libFuzzer harness for the table and aliases parsers: any input must parse
 * without crashing, render back byte for byte, and survive an add, a set
 * and a remove with every other entry's lookup unchanged in count; a run
 * of keys added and removed at once (tablepatch.c's in-place edits) must
 * leave the entries a fresh parse of the edited bytes gives.
 * Run with `make fuzz-table` (clang, -fsanitize=fuzzer). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "vmailadm/aliases.h"
#include "vmailadm/doc.h"
#include "vmailadm/table.h"

/* The entries of t as a fresh parse of its bytes makes them, and each
 * key's lookup the same entry. */
static void fuzz_check_as_parsed(const struct table *t)
{
	struct strbuf sb = STRBUF_INIT;
	struct diags d = DIAGS_INIT;
	doc_render(table_doc(t), &sb);
	struct table *f = table_parse(doc_from_mem("fuzz", sb_str(&sb), sb.len), TABLE_INDEXED, &d);
	if (table_count(f) != table_count(t))
		abort();
	for (size_t i = 0; i < table_count(f); i++) {
		const struct table_entry *a = table_entry(t, i), *b = table_entry(f, i);
		if (strcmp(a->key, b->key) != 0 || strcmp(a->lookup_key, b->lookup_key) != 0 ||
		    strcmp(a->value, b->value) != 0 || a->first != b->first || a->nlines != b->nlines ||
		    a->line != b->line || a->shadowed != b->shadowed)
			abort();
		const struct table_entry *x = table_lookup(t, b->lookup_key), *y = table_lookup(f, b->lookup_key);
		if (!x || !y || x->first != y->first)
			abort();
	}
	table_free(&f);
	diags_free(&d);
	sb_free(&sb);
}

/* Three keys of one domain added at once (the last one's domain as a
 * catch-all), then removed at once with the first entry's key. */
static void fuzz_table_runs(struct table *t)
{
	const char *keys[] = { "@fz.example", "a@fz.example", "B@fz.example", NULL };
	const char *vals[] = { "x@elsewhere.example", "a@fz.example", "v, w", NULL };
	for (size_t i = 0; i < 3; i++)
		if (table_lookup(t, keys[i]))
			return;
	struct diags d = DIAGS_INIT;
	if (table_add_each(t, keys, vals, 3, &d) != 0)
		abort();
	for (size_t i = 0; i < 3; i++)
		if (!table_lookup(t, keys[i]))
			abort();
	fuzz_check_as_parsed(t);
	const struct table_entry *e = table_count(t) ? table_entry(t, 0) : NULL;
	char *first = e && !e->shadowed && !strstr(e->lookup_key, "@fz.example") ? strdup(e->lookup_key) : NULL;
	keys[3] = first;
	if (table_remove_many(t, keys, first ? 4 : 3, &d) != 0)
		abort();
	for (size_t i = 0; i < (first ? 4u : 3u); i++)
		if (table_lookup(t, keys[i]))
			abort();
	fuzz_check_as_parsed(t);
	free(first);
	diags_free(&d);
}

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
	if (syn == TABLE_INDEXED)
		fuzz_table_runs(t);
	if (n > 0 && table_count(t) > 0) {
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
