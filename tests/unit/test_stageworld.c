/* The staged world kept across operations (issue 16): each operation edits
 * the kept world's documents and its arrays are made again from them
 * (world_rebuild), no file read again. The guard against drift: after every
 * operation of a sequence with every kind, the kept world, dumped whole,
 * is the world a full load of the staged bytes gives. */
#include "stagetree.h"

#include "vmailadm/strbuf.h"

static const char *S(const char *s) { return s ? s : "(null)"; }

static void dump_mailbox(struct strbuf *o, const struct mailbox *b)
{
	sb_addf(o, " mb %s|%s|%s|%s|%s|%d|%s:%u|map %s|pw %s|%d|%s|%lld|al %s|%d\n", b->address,
		b->local, b->domain, b->value, b->maildir, b->is_maildir, b->file, b->line,
		b->map ? S(b->map->ref.spec) : "-", b->pw ? b->pw->user : "-", b->pw_unknown,
		S(b->quota_rule), b->quota_bytes, b->alias ? b->alias->address : "-", b->swallowed);
	if (b->entry)
		sb_addf(o, "  entry %s %s %zu+%zu %u\n", b->entry->lookup_key, b->entry->value,
			(size_t)b->entry->first, (size_t)b->entry->nlines, b->entry->line);
	if (b->pw) {
		const enum pwfile_field f[] = { PWFILE_PASSWORD, PWFILE_UID, PWFILE_HOME, PWFILE_EXTRA };
		sb_adds(o, "  pw ");
		for (size_t k = 0; k < 4; k++) {
			size_t len;
			const char *v = pwfile_field(b->pw, f[k], &len);
			sb_add(o, v, len);
			sb_addc(o, '|');
		}
		sb_addf(o, "%s|%u\n", S(b->quota_rule), b->pw->line);
	}
}

static void dump_alias(struct strbuf *o, const struct world *w, const struct alias *a)
{
	sb_addf(o, " al %s|%s|%s|%s|%d|%d|%s:%u|map %s\n", a->address, a->local, a->domain,
		a->value, a->is_catchall, a->is_identity, a->file, a->line,
		a->map ? S(a->map->ref.spec) : "-");
	if (a->entry)
		sb_addf(o, "  entry %s %s %zu+%zu %u\n", a->entry->lookup_key, a->entry->value,
			(size_t)a->entry->first, (size_t)a->entry->nlines, a->entry->line);
	for (size_t t = 0; t < a->ntargets; t++) {
		const struct alias_target *x = &a->targets[t];
		size_t n;
		const struct alias *const *by = world_aliases_to(w, x->address, &n);
		sb_addf(o, "  -> %s|%s|%s|%s|%s|rev %zu", x->text, x->address,
			model_target_class_name(x->class), x->mailbox ? x->mailbox->address : "-",
			x->alias ? x->alias->address : "-", n);
		for (size_t k = 0; k < n; k++)
			sb_addf(o, " %s:%u", by[k]->address, by[k]->line);
		sb_addc(o, '\n');
	}
}

static void dump_domain(struct strbuf *o, const struct world *w, const struct domain *dm)
{
	sb_addf(o, "domain %s|%d|%u|%d|mb %zu|al %zu|ca %s|cm %s\n", dm->name, dm->class,
		dm->classes, dm->conflict, dm->nmailboxes, dm->naliases,
		dm->catchall_alias ? dm->catchall_alias->target : "-",
		dm->catchall_mailbox ? dm->catchall_mailbox->target : "-");
	for (size_t i = 0; i < dm->nlistings; i++)
		sb_addf(o, " listed %d %s %s:%u\n", dm->listings[i].class, dm->listings[i].via,
			dm->listings[i].file, dm->listings[i].line);
	size_t n;
	const struct mailbox *mb = world_domain_mailboxes(w, dm, &n);
	for (size_t i = 0; i < n; i++) {
		dump_mailbox(o, &mb[i]);
		CU_ASSERT_PTR_EQUAL(world_mailbox_find(w, mb[i].address), &mb[i]);
	}
	const struct alias *al = world_domain_aliases(w, dm, &n);
	for (size_t i = 0; i < n; i++) {
		dump_alias(o, w, &al[i]);
		CU_ASSERT_PTR_EQUAL(world_alias_find(w, al[i].address), &al[i]);
	}
	CU_ASSERT_PTR_EQUAL(world_domain_find(w, dm->name), dm);
}

/* Everything a reader of the world can see, as text. */
static void dump_world(const struct world *w, struct strbuf *o)
{
	size_t n;
	const struct domain *dom = world_domains(w, &n);
	for (size_t i = 0; i < n; i++)
		dump_domain(o, w, &dom[i]);
	const struct mailbox *mb = world_mailboxes(w, &n);
	sb_addf(o, "mailboxes %zu\n", n);
	for (size_t i = 0; i < n; i++)
		sb_addf(o, "%s%s", mb[i].address, i + 1 < n ? " " : "\n");
	const struct alias *al = world_aliases(w, &n);
	sb_addf(o, "aliases %zu\n", n);
	for (size_t i = 0; i < n; i++)   /* the array's order */
		sb_addf(o, "%s%s", al[i].address, i + 1 < n ? " " : "\n");
	for (size_t i = 0; i < n; i++)   /* the bare keys and catch-alls too */
		if (!*al[i].domain || al[i].is_catchall)
			dump_alias(o, w, &al[i]);
	const struct catchall *c = world_catchalls(w, &n);
	for (size_t i = 0; i < n; i++)
		sb_addf(o, "catchall %s|%s|%s|%s:%u\n", c[i].domain, model_catchall_map_name(c[i].map),
			c[i].target, c[i].file, c[i].line);
	for (size_t i = 0; i < world_map_count(w); i++) {
		const struct world_map *m = world_map(w, i);
		sb_addf(o, "map %s %u %u %zu\n", m->ref.spec, m->roles, m->order,
			m->table ? table_count(m->table) : 0);
	}
	sb_addf(o, "pwfile %zu sysaliases %zu\n", pwfile_count(world_pwfile(w)),
		aliases_count(world_system_aliases(w)));
}

/* The world a full load of the staged bytes gives: the staged files
 * written over the tree's for the time of a world_load, then put back. */
static void dump_reloaded(struct stage *s, struct strbuf *o)
{
	const struct plan *p = stage_plan(s);
	char **was = xcalloc(p->nfiles + 1, sizeof *was);
	for (size_t i = 0; i < p->nfiles; i++) {
		const struct staged_file *f = p->files[i];
		was[i] = slurp(f->path);
		spit(f->path, sb_str(&f->cur));
	}
	struct world *w = NULL;
	struct diags d = DIAGS_INIT;
	CU_ASSERT_EQUAL_FATAL(world_load(cfg, &w, &d), 0);
	diags_free(&d);
	dump_world(w, o);
	world_free(&w);
	for (size_t i = 0; i < p->nfiles; i++) {
		if (was[i])
			spit(p->files[i]->path, was[i]);
		else
			unlink(p->files[i]->path);
		free(was[i]);
	}
	free(was);
}

static void check_same(struct stage *s, const char *line)
{
	struct diags d = DIAGS_INIT;
	const struct world *w = stage_world(s, &d);
	diags_free(&d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	struct strbuf kept = STRBUF_INIT, full = STRBUF_INIT;
	dump_world(w, &kept);
	dump_reloaded(s, &full);
	if (strcmp(sb_str(&kept), sb_str(&full)) != 0) {
		fprintf(stderr, "\nafter '%s' the kept world differs from a full load\n"
				"--- kept\n%s\n--- full load\n%s\n", line, sb_str(&kept), sb_str(&full));
		CU_FAIL("kept staged world differs from a full load");
	}
	sb_free(&kept);
	sb_free(&full);
}

/* Issue 16: the interface's world whole, documents included: the staged
 * world borrows its tables and passwd-file, and must never change them. */
static void dump_whole(const struct world *w, struct strbuf *o)
{
	dump_world(w, o);
	for (size_t i = 0; i < world_map_count(w); i++) {
		const struct table *t = world_map(w, i)->table;
		if (!t)
			continue;
		sb_addf(o, "--- %s\n", doc_name(table_doc(t)));
		doc_render(table_doc(t), o);
		for (size_t k = 0; k < table_count(t); k++) {
			const struct table_entry *e = table_entry(t, k);
			sb_addf(o, "%s %s %zu+%zu %d\n", e->lookup_key, e->value, (size_t)e->first,
				(size_t)e->nlines,
				e->shadowed);
			CU_ASSERT_PTR_EQUAL(table_lookup(t, e->lookup_key) == e || e->shadowed, true);
		}
	}
	const struct pwfile *pf = world_pwfile(w);
	doc_render(pwfile_doc(pf), o);
	for (size_t k = 0; k < pwfile_count(pf); k++) {
		size_t len;
		const char *v = pwfile_field(pwfile_entry(pf, k), PWFILE_PASSWORD, &len);
		sb_addf(o, "pw %s %.*s\n", pwfile_entry(pf, k)->user, (int)len, v);
	}
}

static void check_unchanged(const struct world *ui, const struct strbuf *before, const char *when)
{
	struct strbuf now = STRBUF_INIT;
	dump_whole(ui, &now);
	if (strcmp(sb_str(&now), sb_str(before)) != 0) {
		fprintf(stderr, "\nafter '%s' the interface's world changed\n", when);
		CU_FAIL("the staged edits changed the world they borrow from");
	}
	sb_free(&now);
}

static const char *const sequence[] = {
	"domain add exemple.local",
	"mailbox add alice@exemple.local --quota 1G --password-hash '" HASH "'",
	"mailbox add bob@exemple.local --password-hash '" HASH "'",
	"sendas allow info@andromed.cloud bob@exemple.local",
	"alias add team@exemple.local alice@exemple.local bob@exemple.local",
	"alias add team@exemple.local someone@elsewhere.example",
	"alias del team@exemple.local bob@exemple.local",
	"alias set info@andromed.cloud janedoe@andromed.cloud admin@andromed.cloud",
	"mailbox passwd alice@exemple.local --password-hash '" HASH "'",
	"mailbox quota alice@exemple.local 2G",
	"catchall set exemple.local alice@exemple.local",
	"mailbox add carol@exemple.local --password-hash '" HASH "'",
	"catchall clear exemple.local",
	"catchall set andromed.cloud catch@elsewhere.example",
	"forward set janedoe@andromed.cloud boss@elsewhere.example --keep-copy",
	"forward set bob@exemple.local alice@exemple.local --no-copy",
	"forward clear janedoe@andromed.cloud",
	"mailbox rename alice@exemple.local alicia@exemple.local",
	"mailbox rename johndoe@andromed.cloud jdoe@ascent.cloud --keep-old",
	"domain add miroir.example --alias-of exemple.local",
	"mailbox add dave@exemple.local --password-hash '" HASH "'",
	"sysalias set webadmin admin@andromed.cloud",
	"alias del team@exemple.local",
	"mailbox del bob@exemple.local",
	"domain del miroir.example",
	"sendas enable",
	"domain del exemple.local --cascade",
	NULL,
};

static void test_every_kind(void)
{
	setup();
	struct stage *s = stage_new();
	struct diags d = DIAGS_INIT;
	/* The interface loads the staged world before the first edit. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(stage_world(s, &d));
	diags_free(&d);
	for (size_t i = 0; sequence[i]; i++) {
		CU_ASSERT_EQUAL(push(s, sequence[i]), 0);
		if (msg[0])
			fprintf(stderr, "\n%s: %s\n", sequence[i], msg);
		check_same(s, sequence[i]);
	}
	/* An operation refused before any edit keeps the world as it was. */
	CU_ASSERT_EQUAL(push(s, "mailbox add admin@andromed.cloud"), -1);
	check_same(s, "a refused mailbox add");
	CU_ASSERT_EQUAL(push(s, "mailbox del admin@andromed.cloud"), -1);   /* aliased */
	check_same(s, "a refused mailbox del");
	CU_ASSERT_EQUAL(push(s, "mailbox add erin@andromed.cloud"), 0);
	check_same(s, "mailbox add erin@andromed.cloud");
	/* Several operations between two looks at the world. */
	CU_ASSERT_EQUAL(push(s, "mailbox add fred@andromed.cloud"), 0);
	CU_ASSERT_EQUAL(push(s, "alias add fans@andromed.cloud fred@andromed.cloud erin@andromed.cloud"), 0);
	check_same(s, "two operations");
	/* Undo replays: the world follows. */
	CU_ASSERT_EQUAL(stage_undo(s, &d), 0);
	diags_free(&d);
	check_same(s, "undo");
	stage_free(&s);
	teardown();
}

/* Issue 16: the staged world borrows the tables and the passwd-file of the
 * interface's world while their bytes are unchanged (stage_set_share), and
 * makes a part its own at its first edit. After every operation of the
 * sequence the staged world is still a full load of the staged bytes and
 * the interface's world is as it was; the interface's world is read again
 * (freed, a new one shared) while the staged world borrows from it, before
 * and after edits, and the stage is replayed on the new one (undo): under
 * the sanitizer no freed byte is read. */
static void test_shared(void)
{
	setup();
	struct world *ui = load();
	struct strbuf before = STRBUF_INIT;
	dump_whole(ui, &before);
	struct stage *s = stage_new();
	stage_set_share(s, ui);
	struct diags d = DIAGS_INIT;
	const struct world *w = stage_world(s, &d);
	diags_free(&d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	/* every map and the passwd-file: the same bytes, nothing parsed twice */
	CU_ASSERT_EQUAL(world_borrowed_count(w), world_map_count(w) + 1);
	check_same(s, "nothing staged");
	/* the interface reads the files again before any edit: what the
	 * staged world borrowed outlives the world it came from */
	world_free(&ui);
	ui = load();
	stage_set_share(s, ui);
	check_same(s, "the interface's world read again");
	for (size_t i = 0; sequence[i]; i++) {
		CU_ASSERT_EQUAL(push(s, sequence[i]), 0);
		if (msg[0])
			fprintf(stderr, "\n%s: %s\n", sequence[i], msg);
		check_same(s, sequence[i]);
		check_unchanged(ui, &before, sequence[i]);
		if (i == 3) {   /* read again while some parts are borrowed, some owned */
			world_free(&ui);
			ui = load();
			stage_set_share(s, ui);
			check_same(s, "the interface's world read again after edits");
		}
	}
	w = stage_world(s, &d);
	CU_ASSERT(world_borrowed_count(w) < world_map_count(w) + 1);
	/* the stage's bytes as read are the shared world's copy, the files' */
	const struct plan *p = stage_plan(s);
	size_t shared = 0;
	for (size_t i = 0; i < p->nfiles; i++) {
		const struct staged_file *f = p->files[i];
		if (!f->old_table && !f->old_pwfile)
			continue;
		shared++;
		char *disk = slurp(f->path);
		CU_ASSERT(f->old.len == strlen(disk) && memcmp(sb_str(&f->old), disk, f->old.len) == 0);
		free(disk);
	}
	CU_ASSERT(shared >= 3);
	/* undo replays the staged files on a world borrowing from the new one */
	CU_ASSERT_EQUAL(stage_undo(s, &d), 0);
	diags_free(&d);
	check_same(s, "undo");
	check_unchanged(ui, &before, "undo");
	/* the interface's world freed first, then the stage */
	world_free(&ui);
	check_same(s, "the interface's world freed");
	stage_free(&s);
	/* the files themselves were never written (nothing committed) */
	ui = load();
	struct strbuf disk = STRBUF_INIT;
	dump_whole(ui, &disk);
	CU_ASSERT_STRING_EQUAL(sb_str(&disk), sb_str(&before));
	sb_free(&disk);
	world_free(&ui);
	sb_free(&before);
	teardown();
}

/* A staged world that borrows is never edited through the world it borrows
 * from: an edit of a table another world borrows is a bug (panic), and a
 * borrowed table made its own leaves the one it came from as it was. */
static void test_shared_table_own(void)
{
	setup();
	struct world *ui = load();
	struct strbuf before = STRBUF_INIT;
	dump_whole(ui, &before);
	struct stage *s = stage_new();
	stage_set_share(s, ui);
	struct diags d = DIAGS_INIT;
	struct world *w = (struct world *)(uintptr_t)stage_world(s, &d);
	diags_free(&d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	const struct world_map *m = world_map(w, 0);
	CU_ASSERT_FATAL(m->table && table_borrowed(m->table));
	CU_ASSERT_PTR_EQUAL(table_doc(m->table), table_doc(world_map(ui, 0)->table));
	size_t parses = table_parses(m->table);
	CU_ASSERT(world_map_own(w, m));
	CU_ASSERT(!table_borrowed(m->table));
	CU_ASSERT(!world_map_own(w, m));   /* once */
	CU_ASSERT_EQUAL(table_parses(m->table), parses + 1);   /* the entries moved */
	CU_ASSERT_PTR_NOT_EQUAL(table_doc(m->table), table_doc(world_map(ui, 0)->table));
	/* the world's pointers followed the entries to the table's own */
	size_t n;
	const struct mailbox *mb = world_mailboxes(w, &n);
	for (size_t i = 0; i < n; i++)
		if (mb[i].map == m)
			CU_ASSERT_PTR_EQUAL(table_lookup(m->table, mb[i].address), mb[i].entry);
	CU_ASSERT_EQUAL(table_remove(m->table, mb[0].address, &d), 0);
	diags_free(&d);
	check_unchanged(ui, &before, "an edit of a table made its own");
	stage_free(&s);
	world_free(&ui);
	sb_free(&before);
	teardown();
}

/* Issue 16: a whole alias removed, or some of its targets, is followed in
 * place by the kept world (worldpatch.c), not rebuilt. After each removal
 * (targets first, then whole aliases), on the demo and on the
 * demo's map grown by generated aliases (chains naming each other, a key
 * twice, continuation lines, comments, a catch-all, an unlisted domain),
 * the world is what a full load of the staged bytes gives, field by field
 * (check_same); and most removals took the in-place path. */
static void test_alias_del_in_place(void)
{
	/* rounds 2 and 3: the same, the staged world borrowing the unchanged
	 * tables of an interface's world (issue 16), which stays as it was */
	for (int round = 0; round < 4; round++) {
		setup();
		if (round % 2 == 1) {
			/* the grown map, virtual_alias_domains set empty: the map is
			 * an alias map only */
			char *mc = slurp(P("etc/postfix/main.cf"));
			struct strbuf t = STRBUF_INIT;
			sb_adds(&t, mc);
			sb_adds(&t, "\nvirtual_alias_domains =\n");
			spit(P("etc/postfix/main.cf"), sb_str(&t));
			free(mc);
			sb_reset(&t);
			char *va = slurp(P("etc/postfix/virtual_alias"));
			sb_adds(&t, va);
			free(va);
			for (int i = 0; i < 60; i++) {
				const char *dom = i % 3 == 0 ? "ascent.cloud" : "andromed.cloud";
				if (i % 10 == 4)
					sb_addf(&t, "# group %d\n", i);
				if (i % 7 == 3)
					sb_addf(&t, "g%02d@%s\tjohndoe@andromed.cloud,\n  admin@ascent.cloud\n", i, dom);
				else if (i % 5 == 2)   /* a chain: names the next one */
					sb_addf(&t, "g%02d@%s g%02d@andromed.cloud\n", i, dom, i + 1);
				else
					sb_addf(&t, "G%02d@%s  x%d@elsewhere.example\n", i, dom, i);
			}
			for (int i = 0; i < 20; i++)   /* several targets, one line */
				sb_addf(&t, "m%02d@andromed.cloud x%d@elsewhere.example, johndoe@andromed.cloud,"
					    "M%02d@andromed.cloud %s\n", i, i, i + 1, i % 4 ? "g00@ascent.cloud" : "");
			sb_adds(&t, "g10@andromed.cloud duplicate@elsewhere.example\n");
			sb_adds(&t, "@ascent.cloud admin@ascent.cloud\n");
			sb_adds(&t, "lost@unlisted.example admin@ascent.cloud\n");
			sb_adds(&t, "last@andromed.cloud admin@ascent.cloud\n");
			spit(P("etc/postfix/virtual_alias"), sb_str(&t));
			sb_free(&t);
		}
		struct stage *s = stage_new();
		struct world *ui = round >= 2 ? load() : NULL;
		struct strbuf ui_before = STRBUF_INIT;
		if (ui) {
			dump_whole(ui, &ui_before);
			stage_set_share(s, ui);
		}
		struct diags d = DIAGS_INIT;
		const struct world *w = stage_world(s, &d);
		CU_ASSERT_PTR_NOT_NULL_FATAL(w);
		diags_free(&d);
		if (ui)
			CU_ASSERT(world_borrowed_count(w) == world_map_count(w) + 1);
		/* first the last target of each alias that has several (their
		 * names taken first: each push changes the world) */
		size_t n;
		const struct alias *al = world_aliases(w, &n);
		char **cut = xcalloc(n + 1, sizeof *cut);
		for (size_t i = 0; i < n; i++)
			if (!al[i].is_catchall && al[i].ntargets > 1)
				cut[i] = xasprintf("alias del %s %s", al[i].address,
						   al[i].targets[al[i].ntargets - 1].address);
		size_t cuts = 0, before = stage_world_patched(s);
		for (size_t i = 0; i < n; i++) {
			if (cut[i] && push(s, cut[i]) == 0) {
				cuts++;
				check_same(s, cut[i]);
			}
			free(cut[i]);
		}
		free(cut);
		if (round % 2 == 1) {
			fprintf(stderr, "\n%zu of %zu target removals in place\n",
				stage_world_patched(s) - before, cuts);
			CU_ASSERT(cuts >= 20);
			CU_ASSERT(stage_world_patched(s) - before >= cuts / 2);
		}
		w = stage_world(s, &d);
		diags_free(&d);
		/* every alias once, in an order that is not the file's */
		al = world_aliases(w, &n);
		char **names = xcalloc(n + 1, sizeof *names);
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (!al[(i * 7) % n].is_catchall)
				names[k++] = xstrdup(al[(i * 7) % n].address);
		size_t removed = 0;
		for (size_t i = 0; i < k; i++) {
			char line[300];
			snprintf(line, sizeof line, "alias del %s", names[i]);
			if (push(s, line) == 0) {
				removed++;
				check_same(s, line);
			}
			free(names[i]);
		}
		free(names);
		CU_ASSERT(removed >= k / 2);
		if (ui) {
			check_unchanged(ui, &ui_before, "alias removals");
			world_free(&ui);
		}
		sb_free(&ui_before);
		if (round % 2 == 1) {
			size_t done = stage_world_patched(s) - before;
			fprintf(stderr, "%zu of %zu removals in place\n", done, cuts + removed);
			CU_ASSERT(done >= (cuts + removed) / 2);
		}
		stage_free(&s);
		teardown();
	}
}

/* The demo's tree grown for the in-place tests: virtual_alias_domains
 * set empty (the alias map is then only an alias map), generated aliases
 * (one or several targets, continuation lines, comments, a key twice, a
 * catch-all of a domain of its own), generated mailboxes and their
 * passwd-file lines (comments, a user twice, an upper-case one, a line for
 * a mailbox that is not there yet), a mailbox-map catch-all. */
static void grow_tree(void)
{
	char *mc = slurp(P("etc/postfix/main.cf"));
	struct strbuf t = STRBUF_INIT;
	sb_adds(&t, mc);
	sb_adds(&t, "\nvirtual_alias_domains =\n");
	spit(P("etc/postfix/main.cf"), sb_str(&t));
	free(mc);
	sb_reset(&t);
	char *va = slurp(VAL);
	sb_adds(&t, va);
	free(va);
	for (int i = 0; i < 40; i++) {
		const char *dom = i % 3 == 0 ? "ascent.cloud" : "andromed.cloud";
		if (i % 10 == 4)
			sb_addf(&t, "# group %d\n", i);
		if (i % 7 == 3)
			sb_addf(&t, "g%02d@%s\tjohndoe@andromed.cloud,\n  admin@ascent.cloud\n", i, dom);
		else if (i % 5 == 2)
			sb_addf(&t, "g%02d@%s g%02d@andromed.cloud, b%02d@andromed.cloud\n", i, dom, i + 1, i);
		else
			sb_addf(&t, "G%02d@%s  x%d@elsewhere.example, b%02d@%s\n", i, dom, i, i, dom);
	}
	sb_adds(&t, "g10@andromed.cloud duplicate@elsewhere.example\n");
	sb_adds(&t, "last@andromed.cloud admin@ascent.cloud\n");
	/* a domain right after the d*.example ones (domain add), its catch-all last in the file */
	sb_adds(&t, "z1@e.example x@elsewhere.example, b01@andromed.cloud\n");
	sb_adds(&t, "@e.example admin@ascent.cloud\n");
	spit(VAL, sb_str(&t));
	sb_reset(&t);
	char *vd = slurp(VDOM);
	sb_adds(&t, vd);
	free(vd);
	/* not a domain: a domain add of d2.example goes after it, before e.example */
	sb_adds(&t, "postmaster@d2.example OK\n");
	sb_adds(&t, "e.example OK\n");
	spit(VDOM, sb_str(&t));
	sb_reset(&t);
	char *vm = slurp(VMB);
	sb_adds(&t, vm);
	free(vm);
	for (int i = 0; i < 30; i++) {
		const char *dom = i % 3 == 0 ? "ascent.cloud" : "andromed.cloud";
		if (i % 8 == 5)
			sb_addf(&t, "# boxes %d\n", i);
		sb_addf(&t, "b%02d@%s %s/b%02d/\n", i, dom, dom, i);
	}
	sb_adds(&t, "@ascent.cloud ascent.cloud/catch/\n");
	sb_adds(&t, "tail@andromed.cloud andromed.cloud/tail/\n");
	spit(VMB, sb_str(&t));
	sb_reset(&t);
	char *us = slurp(USERS);
	sb_adds(&t, us);
	free(us);
	for (int i = 0; i < 30; i++) {
		const char *dom = i % 3 == 0 ? "ascent.cloud" : "andromed.cloud";
		if (i % 9 == 4)
			sb_addf(&t, "# users %d\n", i);
		sb_addf(&t, "b%02d@%s:" HASH ":::::%s\n", i, dom,
			i % 4 ? "" : ":userdb_quota_rule=*:storage=1G");
	}
	sb_adds(&t, "B03@ascent.cloud:" HASH "::::::\n");
	sb_adds(&t, "b04@andromed.cloud:" HASH ":::::\n");
	sb_adds(&t, "n3@andromed.cloud:" HASH ":::::\n");
	spit(USERS, sb_str(&t));
	sb_free(&t);
}

/* The demo's alias map, which is virtual_alias_domains too (its default,
 * $virtual_alias_maps): a key naming a domain in the middle of it (an
 * alias domain, listed from that line) and an alias of that domain. */
static void demo_alias_domain(void)
{
	char *va = slurp(VAL);
	const char *cut = strstr(va, "# Domaine : ascent.cloud");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cut);
	struct strbuf t = STRBUF_INIT;
	sb_add(&t, va, (size_t)(cut - va));
	sb_adds(&t, "aliasdom.example\tanything\nsomeone@aliasdom.example johndoe@andromed.cloud\n");
	sb_adds(&t, cut);
	spit(VAL, sb_str(&t));
	sb_free(&t);
	free(va);
}

/* One random operation of the kinds followed in place (and some the world
 * refuses), on the world as it is: its kind (index in kinds[] below). */
enum { K_ALIAS_NEW, K_TARGET_ADD, K_ALIAS_SET, K_TARGET_DEL, K_ALIAS_DEL, K_MAILBOX_ADD,
       K_MAILBOX_DEL, K_PASSWD, K_QUOTA, K_FORWARD, K_DOMAIN_ADD, K_CATCHALL_SET, K_CATCHALL_CLEAR,
       K_DOMAIN_DEL, K_RENAME, K_N };
static const char *const kinds[K_N] = { "alias add (new)", "alias add (targets)", "alias set",
					"alias del (targets)", "alias del", "mailbox add",
					"mailbox del", "mailbox passwd", "mailbox quota", "forward",
					"domain add", "catchall set", "catchall clear", "domain del",
					"mailbox rename" };

static int random_op(const struct world *w, char *line, size_t size, int step)
{
	size_t nmb, nal;
	const struct mailbox *mb = world_mailboxes(w, &nmb);
	const struct alias *al = world_aliases(w, &nal);
	const struct mailbox *b = nmb ? &mb[(size_t)rand() % nmb] : NULL;
	const struct alias *a = nal ? &al[(size_t)rand() % nal] : NULL;
	char target[128];
	switch (rand() % 5) {
	case 0:
		snprintf(target, sizeof target, "%s", b ? b->address : "x@elsewhere.example");
		break;
	case 1:
		snprintf(target, sizeof target, "x%d@elsewhere.example", rand() % 5);
		break;
	case 2:
		/* n6 to n11 are never targets: their adds can be followed */
		snprintf(target, sizeof target, "n%d@%s", rand() % 6, rand() % 2 ? "andromed.cloud" : "ascent.cloud");
		break;
	case 3:
		/* a domain that domain add may host later */
		snprintf(target, sizeof target, "t%d@d%d.example", rand() % 3, rand() % 6);
		break;
	default:
		snprintf(target, sizeof target, "%s", a && !a->is_catchall ? a->address : "y@elsewhere.example");
	}
	char hash[sizeof HASH];
	snprintf(hash, sizeof hash, "%s", HASH);
	hash[sizeof HASH - 2] = (char)('a' + step % 26);
	int k = rand() % K_N;
	char dom[64];
	snprintf(dom, sizeof dom, "%s", rand() % 3 ? "andromed.cloud" : rand() % 2 ? "ascent.cloud" : "e.example");
	if (rand() % 4 == 0)   /* hosted once domain add has made it */
		snprintf(dom, sizeof dom, "d%d.example", rand() % 6);
	switch (k) {
	case K_ALIAS_NEW:
		snprintf(line, size, "alias add n%d@%s %s", rand() % 12, dom, target);
		break;
	case K_TARGET_ADD:
		snprintf(line, size, "alias add %s %s", a ? a->address : "none@andromed.cloud", target);
		break;
	case K_ALIAS_SET:
		snprintf(line, size, "alias set %s %s %s", a ? a->address : "none@andromed.cloud", target,
			 a && a->ntargets ? a->targets[0].address : "z@elsewhere.example");
		break;
	case K_TARGET_DEL:
		snprintf(line, size, "alias del %s %s", a ? a->address : "none@andromed.cloud",
			 a && a->ntargets ? a->targets[a->ntargets - 1].address : "z@elsewhere.example");
		break;
	case K_ALIAS_DEL:
		snprintf(line, size, "alias del %s", a ? a->address : "none@andromed.cloud");
		break;
	case K_MAILBOX_ADD:
		/* t0 to t2 may be targets already (of a domain hosted since) */
		snprintf(line, size, "mailbox add %c%d@%s%s%s%s", step % 5 == 1 ? 't' : 'n', rand() % 12, dom,
			 step % 4 ? " --password-hash '" : "", step % 4 ? hash : "", step % 4 ? "'" : "");
		if (step % 3 == 0)
			snprintf(line + strlen(line), size - strlen(line), " --quota %dM", 100 + step);
		break;
	case K_MAILBOX_DEL:
		snprintf(line, size, "mailbox del %s", b ? b->address : "none@andromed.cloud");
		break;
	case K_PASSWD:
		snprintf(line, size, "mailbox passwd %s --password-hash '%s'",
			 b ? b->address : "none@andromed.cloud", hash);
		break;
	case K_DOMAIN_ADD:
		snprintf(line, size, "domain add %s", dom);
		break;
	case K_CATCHALL_SET:
		/* a maildir mailbox: in the mailbox map; else in the alias map */
		snprintf(line, size, "catchall set %s %s", dom, rand() % 2 && b ? b->address : target);
		break;
	case K_CATCHALL_CLEAR:
		snprintf(line, size, "catchall clear %s", dom);
		break;
	case K_DOMAIN_DEL:   /* refused while it has entries */
		snprintf(line, size, "domain del %s", dom);
		break;
	case K_RENAME:   /* --keep-old adds an alias: two maps, rebuilt */
		snprintf(line, size, "mailbox rename %s r%d@%s%s", b ? b->address : "none@andromed.cloud",
			 rand() % 6, dom, step % 5 == 0 ? " --keep-old" : "");
		break;
	case K_QUOTA:
		snprintf(line, size, "mailbox quota %s %dM", b ? b->address : "none@andromed.cloud",
			 step % 5 ? 200 + step : 0);
		break;
	default:
		/* most often a mailbox that has an alias of its own already */
		for (size_t i = 0, j = b ? (size_t)(b - mb) : 0; b && step % 4 && i < nmb; i++)
			if (mb[(j + i) % nmb].alias) {
				b = &mb[(j + i) % nmb];
				break;
			}
		if (step % 3)
			snprintf(line, size, "forward set %s %s %s", b ? b->address : "none@andromed.cloud",
				 target, step % 2 ? "--keep-copy" : "--no-copy");
		else
			snprintf(line, size, "forward clear %s", b ? b->address : "none@andromed.cloud");
	}
	return k;
}

/* Issue 16: alias adds (new aliases, targets added), mailbox adds and
 * removals, password and quota changes are followed in place by the kept
 * world (worldpatch.c, the passwd-file's and the map's entries edited in
 * place), as alias removals are. A random sequence of every kind (some
 * refused), on the demo (its alias map is virtual_alias_domains too, and
 * names a domain: its alias adds, removals and forwards stay in place) and
 * on the grown tree; after each, the whole world is
 * what a full load of the staged bytes gives (check_same), and each kind
 * took the in-place path at least once. */
static void test_every_edit_in_place(void)
{
	/* rounds 2, 3 and 5: the staged world borrowing an interface's
	 * world's tables and passwd-file (issue 16), which stays as it was;
	 * rounds 4 and 5: the grown tree's mailbox domains a /file/name list */
	for (int round = 0; round < 6; round++) {
		bool grown = round % 2 == 1 || round == 4, shared = round == 2 || round == 3 || round == 5;
		setup();
		if (grown)
			grow_tree();
		else
			demo_alias_domain();
		if (round >= 4) {
			spit(VDOM, "# the mailbox domains, a list\nandromed.cloud ascent.cloud\n\ne.example\n");
			char *line = xasprintf("virtual_mailbox_domains = %s", VDOM);
			set_line(P("etc/postfix/main.cf"), "virtual_mailbox_domains", line);
			free(line);
		}
		struct stage *s = stage_new();
		struct world *ui = shared ? load() : NULL;
		struct strbuf ui_before = STRBUF_INIT;
		if (ui) {
			dump_whole(ui, &ui_before);
			stage_set_share(s, ui);
		}
		struct diags d = DIAGS_INIT;
		CU_ASSERT_PTR_NOT_NULL_FATAL(stage_world(s, &d));
		diags_free(&d);
		size_t done[K_N] = { 0 }, patched[K_N] = { 0 };
		/* first, on the grown tree: a domain before e.example's
		 * catch-all, one in the middle of the domain list */
		static const char *const prelude[] = {
			/* the map's last line (tablepatch.c) */
			"mailbox del tail@andromed.cloud", "domain add d5.example", "alias add n9@d5.example x@elsewhere.example",
			"alias add n6@andromed.cloud t0@d2.example", "domain add d2.example",
			"mailbox add n8@d2.example --password-hash '" HASH "'",
			/* a mailbox an alias names already (n6, before d2 was hosted) */
			"mailbox add t0@d2.example --password-hash '" HASH "'",
			"alias add n10@andromed.cloud n8@d2.example, t1@d3.example", "domain add d3.example",
			/* catch-alls: in the alias map (no mailbox to protect), in
			 * the mailbox map (a maildir target), each removed; the
			 * targets t0@d2 and t1@d3 go to them */
			"catchall set d3.example n9@d5.example", "alias add n11@d3.example x@elsewhere.example",
			"catchall clear d3.example", "catchall set d2.example n8@d2.example",
			"catchall clear ascent.cloud", "catchall clear e.example",
			"catchall set ascent.cloud b00@ascent.cloud",
			/* forwards that make or remove a mailbox's own alias: the
			 * aliases naming b01 (G01, z1) name an alias then */
			"forward set b01@andromed.cloud boss@elsewhere.example --keep-copy",
			"forward set b02@andromed.cloud b01@andromed.cloud --no-copy",
			"forward clear b01@andromed.cloud", "alias add b04@andromed.cloud b05@andromed.cloud",
			"alias del b04@andromed.cloud",
			/* a mailbox under a catch-all of the alias map (alias del
			 * of its identity entry is refused now: the catch-all
			 * would take the mailbox's mail) */
			"mailbox add n4@d3.example --password-hash '" HASH "'", "alias add n4@d3.example n4@d3.example",
			"catchall set d3.example x@elsewhere.example",
			"alias set n4@d3.example n4@d3.example, x@elsewhere.example",
			/* a mailbox under that catch-all: its identity entry
			 * added and removed with it */
			"mailbox add n5@d3.example --password-hash '" HASH "'", "mailbox del n5@d3.example",
			/* a mailbox an alias names (its domain's catch-all
			 * took the mail), then one its own alias names (a
			 * forward's copy, kept) */
			"alias add n7@andromed.cloud n6@d3.example, x@elsewhere.example",
			"mailbox add n6@d3.example --password-hash '" HASH "'",
			"forward set n6@d3.example boss@elsewhere.example --keep-copy", "alias del n7@andromed.cloud",
			"mailbox del n6@d3.example",
			/* a catch-all with identity entries, set and cleared */
			"catchall set andromed.cloud n9@d5.example",
			"catchall set andromed.cloud y@elsewhere.example", "catchall clear andromed.cloud",
			/* renames: in its domain, then into another */
			"mailbox add r0@d5.example --password-hash '" HASH "'",
			"mailbox rename r0@d5.example r1@d5.example", "mailbox rename r1@d5.example r2@andromed.cloud",
			/* one an alias names (its value follows it) */
			"alias add n3@d5.example r2@andromed.cloud, x@elsewhere.example",
			"mailbox rename r2@andromed.cloud r3@ascent.cloud",
			/* an empty domain removed: t1@d4 is not hosted any more */
			"alias add n5@andromed.cloud t1@d4.example", "domain add d4.example", "domain del d4.example",
			NULL,
		};
		for (size_t i = 0; grown && prelude[i]; i++) {
			size_t before = stage_world_patched(s);
			CU_ASSERT_EQUAL(push(s, prelude[i]), 0);
			CU_ASSERT_EQUAL(stage_world_patched(s), before + 1);
			if (stage_world_patched(s) != before + 1)
				fprintf(stderr, "\nnot in place: %s %s\n", prelude[i], msg);
			check_same(s, prelude[i]);
			if (strncmp(prelude[i], "domain del ", 11) == 0) {
				done[K_DOMAIN_DEL]++;
				patched[K_DOMAIN_DEL] += stage_world_patched(s) - before;
			}
		}
		/* the demo: one domain add for certain (its random steps made
		 * one only after emptying andromed.cloud, down to the identity
		 * entries under its catch-all, which alias del now refuses);
		 * alias edits in its alias map, which is virtual_alias_domains
		 * too, before and after the domain key in it */
		static const char *const demo_prelude[] = {
			"domain add d5.example", "alias add n1@andromed.cloud x@elsewhere.example",
			"alias add n2@ascent.cloud admin@ascent.cloud, n1@andromed.cloud",
			"alias del info@andromed.cloud", "alias add info@andromed.cloud johndoe@andromed.cloud",
			"forward set janedoe@andromed.cloud boss@elsewhere.example --keep-copy",
			"forward clear janedoe@andromed.cloud", "alias add n4@aliasdom.example n2@ascent.cloud",
			"alias del someone@aliasdom.example", "alias del postmaster@ascent.cloud",
			/* its only target: the whole entry goes */
			"alias del webmaster@andromed.cloud admin@andromed.cloud",
			/* a catch-all in that map (a domain without mailboxes: no
			 * identity entries to add) */
			"catchall set aliasdom.example n4@aliasdom.example", "alias add n5@andromed.cloud t1@aliasdom.example",
			"catchall clear aliasdom.example",
			/* the map's last line now (postmaster@ascent.cloud's was) */
			"alias del n2@ascent.cloud",
			/* a mailbox its own alias names (a forward's copy, kept) */
			"mailbox add n8@andromed.cloud",
			"forward set n8@andromed.cloud boss@elsewhere.example --keep-copy",
			"mailbox del n8@andromed.cloud",
			/* a catch-all of the alias map with the identity entries
			 * of the mailboxes without an alias entry, added and
			 * removed with it (lines before the domain key of the
			 * map, which is virtual_alias_domains too) */
			"catchall set andromed.cloud x@elsewhere.example",
			"mailbox add n9@andromed.cloud",
			/* replaced there: the identity entries out and in again */
			"catchall set andromed.cloud y@elsewhere.example", "catchall clear andromed.cloud",
			"catchall set ascent.cloud admin@andromed.cloud",
			/* a rename in its domain (its passwd-file line follows) */
			"mailbox rename contact@ascent.cloud kontakt@ascent.cloud",
			/* one two aliases name (their values follow it) */
			"mailbox rename johndoe@andromed.cloud jdoe@andromed.cloud", NULL,
		};
		for (size_t i = 0; !grown && demo_prelude[i]; i++) {
			size_t before = stage_world_patched(s);
			CU_ASSERT_EQUAL(push(s, demo_prelude[i]), 0);
			CU_ASSERT_EQUAL(stage_world_patched(s), before + 1);
			if (stage_world_patched(s) != before + 1)
				fprintf(stderr, "\nnot in place: %s %s\n", demo_prelude[i], msg);
			check_same(s, demo_prelude[i]);
			if (i == 0) {
				done[K_DOMAIN_ADD]++;
				patched[K_DOMAIN_ADD] += stage_world_patched(s) - before;
			}
		}
		srand(1600 + (unsigned)grown);
		for (int step = 0; step < 250; step++) {
			const struct world *w = stage_world(s, &d);
			diags_free(&d);
			CU_ASSERT_PTR_NOT_NULL_FATAL(w);
			char line[600];
			int k = random_op(w, line, sizeof line, step);
			size_t before = stage_world_patched(s);
			if (push(s, line) != 0)
				continue;
			done[k]++;
			patched[k] += stage_world_patched(s) - before;
			if (getenv("SW_DEBUG") && stage_world_patched(s) == before)
				fprintf(stderr, "REBUILT: %s\n", line);
			check_same(s, line);
		}
		if (ui) {
			check_unchanged(ui, &ui_before, "every edit");
			world_free(&ui);
		}
		sb_free(&ui_before);
		fprintf(stderr, "\n%s%s%s:", grown ? "grown tree" : "demo", round >= 4 ? ", domain list file" : "",
			shared ? ", shared" : "");
		for (int k = 0; k < K_N; k++)
			fprintf(stderr, " %s %zu/%zu;", kinds[k], patched[k], done[k]);
		fprintf(stderr, " in place / staged\n");
		/* the kinds this change follows in place, on both trees (a
		 * catch-all replaced is still two edits: rebuilt); the demo's
		 * random steps remove no empty domain */
		const int must[] = { K_MAILBOX_ADD, K_MAILBOX_DEL, K_PASSWD, K_QUOTA, K_TARGET_ADD,
				     K_ALIAS_SET, K_ALIAS_NEW, K_ALIAS_DEL, K_FORWARD, K_DOMAIN_ADD,
				     K_CATCHALL_SET, K_CATCHALL_CLEAR, K_DOMAIN_DEL, K_RENAME };
		for (size_t i = 0; i < sizeof must / sizeof *must; i++)
			if (grown || must[i] != K_DOMAIN_DEL)
				CU_ASSERT(patched[must[i]] > 0);
		/* on the demo, a new alias and a forward always stay in place */
		if (!grown)
			for (int k = K_ALIAS_NEW; k <= K_FORWARD; k += K_FORWARD - K_ALIAS_NEW)
				CU_ASSERT_EQUAL(patched[k], done[k]);
		stage_free(&s);
		teardown();
	}
}

/* The staged bytes of path (its own when the staged ones are the same),
 * malloc'd. */
static char *staged_bytes(struct stage *s, const char *path)
{
	const struct plan *p = stage_plan(s);
	for (size_t i = 0; i < p->nfiles; i++)
		if (strcmp(p->files[i]->path, path) == 0)
			return xstrdup(sb_str(&p->files[i]->cur));
	return slurp(path);
}

/* The staged world's alias map. */
static const struct table *alias_table(struct stage *s)
{
	struct diags d = DIAGS_INIT;
	const struct world *w = stage_world(s, &d);
	diags_free(&d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	for (size_t i = 0; i < world_map_count(w); i++)
		if ((world_map(w, i)->roles & MAP_VIRTUAL_ALIAS) && world_map(w, i)->table)
			return world_map(w, i)->table;
	CU_FAIL_FATAL("no alias map");
	return NULL;
}

/* Issue 16: a catch-all of the alias map on a domain of 300 mailboxes (a
 * third with an alias entry of their own, a fifth named by aliases of
 * another domain, entries of that domain after the run) set, replaced and
 * cleared with its identity entries in one edit of the map each: the
 * entries in place (the map not parsed again, tablepatch.c), the world too
 * (worldpatch_identity.c: its index and reverse index not made again),
 * and the world is a full load's. The map's bytes are those one table_add
 * (table_remove) per entry gave, in the mailboxes' order. */
static void test_catchall_identities_in_place(void)
{
	setup();
	struct strbuf t = STRBUF_INIT;
	char *vm = slurp(VMB);
	sb_adds(&t, vm);
	free(vm);
	for (int i = 0; i < 300; i++)
		sb_addf(&t, "m%03d@andromed.cloud andromed.cloud/m%03d/\n", i, i);
	spit(VMB, sb_str(&t));
	sb_reset(&t);
	char *va = slurp(VAL);
	sb_adds(&t, va);
	free(va);
	for (int i = 0; i < 300; i++) {
		if (i % 3 == 0)
			sb_addf(&t, "m%03d@andromed.cloud\tm%03d@andromed.cloud, x%d@elsewhere.example\n", i, i, i);
		if (i % 5 == 0)
			sb_addf(&t, "n%03d@ascent.cloud m%03d@andromed.cloud\n", i, i);
	}
	sb_adds(&t, "# after\nz1@ascent.cloud m002@andromed.cloud\n");
	spit(VAL, sb_str(&t));
	/* the map as the catch-all and its entries one at a time make it */
	struct diags d = DIAGS_INIT;
	struct table *one = table_parse(doc_from_mem(VAL, t.buf, t.len), TABLE_INDEXED, &d);
	sb_free(&t);
	struct stage *s = stage_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(stage_world(s, &d));
	static const char *const steps[] = {
		"catchall set andromed.cloud x@elsewhere.example", "catchall set andromed.cloud y@elsewhere.example",
		"catchall clear andromed.cloud", "catchall set andromed.cloud z@elsewhere.example",
		"catchall clear andromed.cloud",
	};
	for (size_t k = 0; k < sizeof steps / sizeof *steps; k++) {
		/* the entries apply_catchall_set and _remove name, one at a
		 * time: the old catch-all and its identity entries out, the new
		 * one in and one for each mailbox left without an alias entry */
		const struct world *w = stage_world(s, &d);
		const struct domain *dom = world_domain_find(w, "andromed.cloud");
		bool had = dom->catchall_alias != NULL, set = strncmp(steps[k], "catchall set ", 13) == 0;
		size_t n;
		const struct alias *al = world_domain_aliases(w, dom, &n);
		if (had)
			CU_ASSERT_EQUAL(table_remove(one, "@andromed.cloud", &d), 0);
		for (size_t i = 0; had && i < n; i++)
			if (al[i].is_identity && al[i].ntargets == 1 && world_mailbox_find(w, al[i].address))
				CU_ASSERT_EQUAL(table_remove(one, al[i].address, &d), 0);
		if (set)
			CU_ASSERT_EQUAL(table_add(one, "@andromed.cloud", strrchr(steps[k], ' ') + 1, &d), 0);
		const struct mailbox *mb = world_domain_mailboxes(w, dom, &n);
		for (size_t i = 0; set && i < n; i++)
			if (!mb[i].alias || (had && mb[i].alias->is_identity && mb[i].alias->ntargets == 1))
				CU_ASSERT_EQUAL(table_add(one, mb[i].address, mb[i].address, &d), 0);
		size_t before = stage_world_patched(s), parses = table_parses(alias_table(s));
		CU_ASSERT_EQUAL(push(s, steps[k]), 0);
		CU_ASSERT_EQUAL(stage_world_patched(s), before + 1);
		CU_ASSERT_EQUAL(table_parses(alias_table(s)), parses);
		check_same(s, steps[k]);
		struct strbuf want = STRBUF_INIT;
		doc_render(table_doc(one), &want);
		char *got = staged_bytes(s, VAL);
		CU_ASSERT_STRING_EQUAL(got, sb_str(&want));
		free(got);
		sb_free(&want);
	}
	table_free(&one);
	diags_free(&d);
	stage_free(&s);
	teardown();
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "kept staged world = full load after every kind of operation", test_every_kind },
		{ "alias and target removals followed in place = full load", test_alias_del_in_place },
		{ "every common edit followed in place = full load", test_every_edit_in_place },
		{ "staged world borrowing the interface's = full load, the interface's unchanged", test_shared },
		{ "a borrowed table made its own at its first edit", test_shared_table_own },
		{ "a catch-all with 200 identity entries set and cleared in place", test_catchall_identities_in_place },
		CU_TEST_INFO_NULL,
	};
	return cu_run("stageworld", tests);
}
