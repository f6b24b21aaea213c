/* The stage's quick path (excerpts of large files) against the full path:
 * excerpt building and splicing on crafted files, then generated servers
 * with every quirk the parsers know (comments inside entries, continuation
 * lines, CRLF, duplicates, upper-case keys, quoted keys, catch-alls in both
 * maps, two alias maps, domain lists in three forms, passwd-files with and
 * without uids) where every mailbox operation must give the same bytes,
 * actions, notes and errors both ways. */
#include "config.h"

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cu.h"
#include "vmailadm/config.h"
#include "vmailadm/excerpt.h"
#include "vmailadm/op.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/stage.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/table.h"
#include "vmailadm/xalloc.h"

/* ---- excerpts ---- */

static const char table_text[] =
	"# head comment\n"
	"a@x.test\tx.test/a/\n"
	"b@y.test   y.test/b/\n"
	"C@X.Test x.test/c/\n"
	"# between\n"
	"d@x.test\n"
	"  # inside\n"
	"   x.test/d/\n"
	"\"q r\"@x.test x.test/q/\n"
	"e@y.test y.test/e/\r\n"
	"a@x.test x.test/dup/\n"
	"f@z.test z.test/f/\n"
	"# tail comment\n";

static struct excerpt *build(enum excerpt_kind kind, const char *text, const char *const *keys,
			     size_t nkeys, const char *domain)
{
	struct excerpt_want w = { keys, nkeys, domain, NULL, 0, false };
	return excerpt_build(kind, text, strlen(text), &w);
}

static char *excerpt_text(const struct excerpt *x, const char *full)
{
	struct doc *doc = excerpt_doc(x, full, "t");
	struct strbuf sb = STRBUF_INIT;
	doc_render(doc, &sb);
	doc_free(&doc);
	return sb_detach(&sb);
}

static void test_excerpt_lines(void)
{
	const char *keys[] = { "a@x.test" };
	struct excerpt *x = build(EXCERPT_TABLE, table_text, keys, 1, "x.test");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	char *t = excerpt_text(x, table_text);
	/* both a@x.test (duplicate too), the quoted key (unreadable: taken),
	 * the last x.test entry (the quoted one), the tail (f@z.test on) */
	CU_ASSERT_STRING_EQUAL(t, "a@x.test\tx.test/a/\n"
				  "\"q r\"@x.test x.test/q/\n"
				  "a@x.test x.test/dup/\n"
				  "f@z.test z.test/f/\n"
				  "# tail comment\n");
	free(t);
	excerpt_free(&x);

	/* a continued entry comes whole, with the comment inside it */
	const char *keys2[] = { "d@x.test" };
	x = build(EXCERPT_TABLE, table_text, keys2, 1, NULL);
	t = excerpt_text(x, table_text);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "d@x.test\n  # inside\n   x.test/d/\n"));
	CU_ASSERT_PTR_NULL(strstr(t, "# between"));
	free(t);
	excerpt_free(&x);

	/* upper-case keys match folded */
	const char *keys3[] = { "c@x.test" };
	x = build(EXCERPT_TABLE, table_text, keys3, 1, NULL);
	t = excerpt_text(x, table_text);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "C@X.Test x.test/c/\n"));
	free(t);
	excerpt_free(&x);

	/* no final newline: no excerpt */
	CU_ASSERT_PTR_NULL(build(EXCERPT_TABLE, "a@x.test x\nb@x.test y", keys, 1, NULL));
}

/* Edit the same way on the whole document and on the excerpt: the
 * spliced bytes must be the whole document's. */
static void same_edit(enum table_syntax syn, const char *text, const char *key, const char *domain,
		      void (*edit)(struct table *t))
{
	struct table *whole, *part;
	struct diags d = DIAGS_INIT;
	whole = table_parse(doc_from_mem("t", text, strlen(text)), syn, &d);
	const char *keys[] = { key };
	struct excerpt *x = build(EXCERPT_TABLE, text, keys, 1, domain);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	part = table_parse(excerpt_doc(x, text, "t"), syn, &d);
	edit(whole);
	edit(part);
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	doc_render(table_doc(whole), &a);
	excerpt_splice(x, text, strlen(text), table_doc(part), &b, NULL, NULL);
	CU_ASSERT_STRING_EQUAL(b.buf, a.buf);
	sb_free(&a);
	sb_free(&b);
	table_free(&whole);
	table_free(&part);
	excerpt_free(&x);
	diags_free(&d);
}

static void add_g(struct table *t) { struct diags d = DIAGS_INIT; table_add(t, "g@x.test", "x.test/g/", &d); diags_free(&d); }
static void add_h(struct table *t) { struct diags d = DIAGS_INIT; table_add(t, "h@new.test", "new.test/h/", &d); diags_free(&d); }
static void del_a(struct table *t) { struct diags d = DIAGS_INIT; table_remove(t, "a@x.test", &d); diags_free(&d); }
static void del_d(struct table *t) { struct diags d = DIAGS_INIT; table_remove(t, "d@x.test", &d); diags_free(&d); }
static void set_d(struct table *t) { struct diags d = DIAGS_INIT; table_set(t, "d@x.test", "x.test/dd/", &d); diags_free(&d); }

static void test_excerpt_splice(void)
{
	same_edit(TABLE_INDEXED, table_text, "g@x.test", "x.test", add_g);
	same_edit(TABLE_INDEXED, table_text, "h@new.test", "new.test", add_h);
	same_edit(TABLE_INDEXED, table_text, "a@x.test", "x.test", del_a);
	same_edit(TABLE_INDEXED, table_text, "d@x.test", "x.test", del_d);
	same_edit(TABLE_INDEXED, table_text, "d@x.test", "x.test", set_d);
	/* a CRLF file: the new line follows the file's habit */
	same_edit(TABLE_INDEXED, "a@x.test v\r\nb@y.test w\r\nc@z.test u\r\n", "g@x.test", "x.test", add_g);
}

static void test_excerpt_passwd(void)
{
	static const char pw[] =
		"# users\n"
		"a@x.test:{PLAIN}a:5000:5000::/m/a::\n"
		"B@X.TEST:{PLAIN}b:5000:5000::/m/b::\n"
		"\n"
		"c@y.test:{PLAIN}c\n"
		"   \n"
		"d@z.test:{PLAIN}d:::::\n";
	const char *keys[] = { "b@x.test" };
	struct excerpt *x = build(EXCERPT_PASSWD, pw, keys, 1, "x.test");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	char *t = excerpt_text(x, pw);
	CU_ASSERT_STRING_EQUAL(t, "B@X.TEST:{PLAIN}b:5000:5000::/m/b::\nd@z.test:{PLAIN}d:::::\n");
	free(t);
	struct pwfile *whole, *part;
	struct diags d = DIAGS_INIT;
	whole = pwfile_parse(doc_from_mem("u", pw, sizeof pw - 1), &d);
	part = pwfile_parse(excerpt_doc(x, pw, "u"), &d);
	struct pwfile_fields e = { .user = "g@x.test", .password = "{PLAIN}g" };
	CU_ASSERT_EQUAL(pwfile_add(whole, &e, &d), 0);
	CU_ASSERT_EQUAL(pwfile_add(part, &e, &d), 0);
	CU_ASSERT_EQUAL(pwfile_set_password(whole, "b@x.test", "{PLAIN}bb", &d), 0);
	CU_ASSERT_EQUAL(pwfile_set_password(part, "b@x.test", "{PLAIN}bb", &d), 0);
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	doc_render(pwfile_doc(whole), &a);
	excerpt_splice(x, pw, sizeof pw - 1, pwfile_doc(part), &b, NULL, NULL);
	CU_ASSERT_STRING_EQUAL(b.buf, a.buf);
	sb_free(&a);
	sb_free(&b);
	pwfile_free(&whole);
	pwfile_free(&part);
	excerpt_free(&x);
	diags_free(&d);
}

/* ---- generated servers: quick path == full path ---- */

static uint64_t rng;

static unsigned rnd(unsigned n)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)((rng >> 33) % n);
}

static char top[256];

static void put(const char *rel, const char *text)
{
	char *p = xasprintf("%s/%s", top, rel);
	FILE *f = fopen(p, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static const char *const doms[] = { "d0.test", "d1.test", "d2.test", "d3.test" };
static const char *const users[] = { "ann", "bob", "cy", "dee", "eve", "fay", "gus", "hal" };

/* A line ending: mostly "\n", sometimes "\r\n". */
static const char *eol(void)
{
	return rnd(12) == 0 ? "\r\n" : "\n";
}

static const char *cased(const char *s, struct strbuf *tmp)
{
	sb_reset(tmp);
	sb_adds(tmp, s);
	if (rnd(10) == 0)
		for (char *c = tmp->buf; *c; c++)
			if (*c >= 'a' && *c <= 'z' && rnd(2))
				*c = (char)(*c - 'a' + 'A');
	return tmp->buf;
}

static void noise(struct strbuf *sb)
{
	switch (rnd(8)) {
	case 0: sb_addf(sb, "# a comment%s", eol()); break;
	case 1: sb_addf(sb, "%s", eol()); break;
	default: break;
	}
}

static void gen_world(unsigned variant)
{
	struct strbuf mb = STRBUF_INIT, va = STRBUF_INIT, va2 = STRBUF_INIT, pw = STRBUF_INIT,
		      vd = STRBUF_INIT, mc = STRBUF_INIT, tmp = STRBUF_INIT;
	bool ids = rnd(3) != 0;
	sb_adds(&mb, "# mailboxes\n");
	sb_adds(&va, "# aliases\n");
	for (unsigned i = 0; i < 40; i++) {
		const char *u = users[rnd(8)], *dm = doms[rnd(3)];
		char addr[64];
		snprintf(addr, sizeof addr, "%s@%s", u, dm);
		noise(&mb);
		switch (rnd(14)) {
		case 0: sb_addf(&mb, "%s%s  %s/%s/%s", cased(addr, &tmp), eol(), dm, u, eol()); break;
		case 1: sb_addf(&mb, "%s\t%s/%s/%s# inside\n", cased(addr, &tmp), dm, u, eol()); break;
		case 2: sb_addf(&mb, "\"%s\"@%s %s/q/%s", u, dm, dm, eol()); break;
		case 3: sb_addf(&mb, "@%s %s/catch/%s", dm, dm, eol()); break;
		default: sb_addf(&mb, "%s%s%s/%s/%s", cased(addr, &tmp), rnd(2) ? "\t" : "   ", dm, u, eol());
		}
		noise(&va);
		const char *t = users[rnd(8)];
		struct strbuf *al = rnd(4) == 0 ? &va2 : &va;
		switch (rnd(10)) {
		case 0: sb_addf(al, "%s %s%s", addr, addr, eol()); break;           /* identity */
		case 1: sb_addf(al, "@%s %s@%s%s", dm, t, dm, eol()); break;         /* catch-all */
		case 2: sb_addf(al, "%s %s@%s,%s  x@ext.example%s", addr, t, dm, eol(), eol()); break;
		default: sb_addf(al, "list%u@%s %s@%s, %s%s", i, dm, t, dm, addr, eol());
		}
		noise(&pw);
		if (rnd(3))
			sb_addf(&pw, "%s:{SHA512-CRYPT}$6$x$y:%s:%s::%s/m/%s/%s::%s%s", cased(addr, &tmp),
				ids ? "5000" : "", ids ? "5000" : "", top, dm, u,
				rnd(2) ? "userdb_quota_rule=*:storage=1G" : "", eol());
	}
	if (rnd(4) == 0)
		sb_adds(&mb, "# the end\n");
	bool two_maps = va2.len > 0 && rnd(2);
	unsigned form = variant % 4;
	sb_addf(&mc, "myhostname = mx.test\nmydestination = localhost, d3.test\n"
		     "virtual_mailbox_base = %s/mail\n"
		     "virtual_mailbox_maps = hash:%s/vmailbox\n"
		     "virtual_alias_maps = hash:%s/virtual%s%s%s\n",
		top, top, top, two_maps ? ", hash:" : "", two_maps ? top : "", two_maps ? "/virtual2" : "");
	switch (form) {
	case 0:
		sb_addf(&mc, "virtual_mailbox_domains = %s/vdomains\n", top);
		sb_addf(&vd, "d0.test\n# x\nD1.TEST, d2.test\n");
		break;
	case 1:
		sb_addf(&mc, "virtual_mailbox_domains = hash:%s/vdomains\n", top);
		sb_addf(&vd, "d0.test OK\nd1.test OK\n");
		break;
	case 2:
		sb_adds(&mc, "virtual_mailbox_domains = d0.test, d1.test d2.test\n");
		break;
	case 3:   /* the default: $virtual_mailbox_maps, domain keys in the map */
		sb_adds(&mb, "d0.test OK\nd2.test OK\n");
		break;
	}
	put("main.cf", mc.buf);
	put("vmailbox", mb.buf);
	put("virtual", va.buf);
	put("virtual2", va2.len ? va2.buf : "");
	put("users", pw.buf);
	put("vdomains", vd.len ? vd.buf : "");
	put("aliases", "postmaster: root\n");
	char *y = xasprintf("postfix_dir: %s\npasswd_file: %s/users\naliases_file: %s/aliases\n"
			    "state_dir: %s/state\narchive_dir: %s/archive\n", top, top, top, top, top);
	put("vmailadm.yaml", y);
	free(y);
	sb_free(&mb);
	sb_free(&va);
	sb_free(&va2);
	sb_free(&pw);
	sb_free(&vd);
	sb_free(&mc);
	sb_free(&tmp);
}

static char *random_op(void)
{
	const char *u = rnd(5) == 0 ? "zed" : users[rnd(8)];
	const char *dm = rnd(8) == 0 ? "nowhere.test" : doms[rnd(4)];
	switch (rnd(6)) {
	case 0:
	case 1:
		return xasprintf("mailbox add %s@%s%s%s", u, dm,
				 rnd(3) ? " --password-hash {SHA512-CRYPT}$6$n$0123456789abcdefghijklmnopqrstuvwxyzABCDEFG" : "",
				 rnd(2) ? (rnd(4) ? " --quota 2G" : " --quota lots") : "");
	case 2: return xasprintf("mailbox del %s@%s%s", u, dm, rnd(2) ? " --purge" : "");
	case 3: return xasprintf("mailbox passwd %s@%s --password-hash {CRYPT}$y$j9T$k$0123456789abcdefghijklmnopqrstuvwxyzABCDEFG", u, dm);
	case 4: return xasprintf("mailbox quota %s@%s %s", u, dm, rnd(3) ? "500M" : "none");
	default: return xasprintf("mailbox add %s@%s", u, dm);
	}
}

/* Everything a stage shows of its result, as text. */
static void describe(struct stage *s, struct strbuf *out)
{
	const struct plan *p = stage_plan(s);
	for (size_t i = 0; i < p->nfiles; i++)
		sb_addf(out, "FILE %s\n%s\n", p->files[i]->path, sb_str(&p->files[i]->cur));
	/* the diff too: the quick path shows it from the changed stretch only */
	plan_diff(p, out);
	for (size_t i = 0; i < p->nfiles; i++) {
		const struct strbuf *old = stagefile_old(p->files[i]);
		sb_addf(out, "OLD %s %zu\n", p->files[i]->path, old->len);
	}
	for (size_t i = 0; i < p->nactions; i++) {
		const struct action *a = &p->actions[i];
		/* the archive name carries the second it was made */
		const char *t = a->target ? a->target : "";
		const char *dash = strrchr(t, '-');
		sb_addf(out, "ACT %s %s %.*s %s\n", plan_action_name(a->kind), a->path ? a->path : "",
			(int)(dash ? dash - t : (long)strlen(t)), t, a->detail ? a->detail : "");
	}
	for (size_t i = 0; i < p->nnotes; i++)
		sb_addf(out, "NOTE %s\n", p->notes[i]);
}

static void run_ops(struct config *cfg, char **ops, size_t n, bool transient, struct strbuf *out)
{
	struct stage *s = stage_create(cfg);
	stage_set_transient(s, transient);
	struct diags d = DIAGS_INIT;
	CU_ASSERT_EQUAL(stage_load(s, &d), 0);
	for (size_t i = 0; i < n; i++) {
		diags_free(&d);
		int argc;
		char **w = op_split_words(ops[i], &argc, NULL, 0, &d);
		struct op *op = w ? op_from_words(argc, w, NULL, 0, &d) : NULL;
		op_words_free(w);
		int rc = op ? stage_push(s, op, &d) : -1;
		sb_addf(out, "OP %s -> %d %s\n", ops[i], rc, d.n ? d.v[0].msg : "");
	}
	describe(s, out);
	diags_free(&d);
	stage_free(&s);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void test_quick_equals_full(void)
{
	snprintf(top, sizeof top, "/tmp/vmailadm-test-quick.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(top));
	unsigned differ = 0, quick_ok = 0;
	for (unsigned world = 0; world < 120; world++) {
		rng = 0x9e3779b97f4a7c15ull * (world + 1);
		gen_world(world);
		struct config *cfg;
		struct diags d = DIAGS_INIT;
		char *y = xasprintf("%s/vmailadm.yaml", top);
		CU_ASSERT_EQUAL_FATAL(config_load(y, &cfg, &d), 0);
		free(y);
		diags_free(&d);
		size_t n = 1 + rnd(3);
		char *ops[3];
		for (size_t i = 0; i < n; i++)
			ops[i] = random_op();
		struct strbuf quick = STRBUF_INIT, full = STRBUF_INIT;
		stage_set_excerpt_min(0);
		/* a transient stage (the command line's) edits views of the files */
		run_ops(cfg, ops, n, world % 2 == 0, &quick);
		stage_set_excerpt_min(SIZE_MAX);
		run_ops(cfg, ops, n, false, &full);
		if (strcmp(sb_str(&quick), sb_str(&full)) != 0) {
			if (differ++ < 3)
				fprintf(stderr, "world %u differs:\n--- quick\n%s\n--- full\n%s\n", world,
					sb_str(&quick), sb_str(&full));
		}
		quick_ok += strstr(sb_str(&full), "-> 0 ") != NULL;
		for (size_t i = 0; i < n; i++)
			free(ops[i]);
		sb_free(&quick);
		sb_free(&full);
		config_free(&cfg);
	}
	stage_set_excerpt_min(256 * 1024);
	CU_ASSERT_EQUAL(differ, 0);
	CU_ASSERT(quick_ok > 40);   /* the generator makes operations that succeed */
	nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "excerpt lines", test_excerpt_lines },
		{ "excerpt splice = whole edit", test_excerpt_splice },
		{ "excerpt passwd-file", test_excerpt_passwd },
		{ "quick path = full path on generated servers", test_quick_equals_full },
		CU_TEST_INFO_NULL,
	};
	return cu_run("quick", tests);
}
