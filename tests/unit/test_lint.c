/* Unit tests for lint: every rule fires on tests/fixtures/world/lintbad and
 * none on tests/fixtures/world/lintgood (whose .db files and modes the test
 * sets up), plus the fixes lint_fixes proposes, as operations the stage
 * accepts. */
#include "config.h"

#include <fcntl.h>
#include <sys/time.h>
#include <time.h>

#include <limits.h>
#include <stdarg.h>

#include "../../src/model/lint_int.h"   /* lint_text_capture, lint_text_format */
#include "golden.h"
#include "worldtree.h"

#include "vmailadm/diag.h"
#include "vmailadm/lint.h"
#include "vmailadm/lint_fixes.h"
#include "vmailadm/model.h"
#include "vmailadm/op.h"
#include "vmailadm/passhash.h"
#include "vmailadm/stage.h"
#include "vmailadm/strmap.h"

static const char *const rules[] = {
	"syntax", "duplicate-key", "catchall-swallows-mailboxes", "pattern-swallows-mailboxes",
	"bare-domain-alias-key",
	"alias-loop", "alias-limit", "dangling-alias-target", "mailbox-without-password",
	"password-without-mailbox", "mailbox-without-maildir", "maildir-without-mailbox",
	"vmailbox-mbox-path", "vmailbox-path-outside-domain", "plain-password",
	"weak-password-scheme", "domain-in-two-classes", "map-not-built", "map-older-than-source",
	"domain-list-file-needs-reload", "passwd-file-mode", "maildir-owner", "mail-base-mode",
	"vmail-uid-below-minimum", "virtual-mailbox-limit-not-quota", "dovecot-path-mismatch",
	"hash-in-value", "mailbox-map-substitution", "case-sensitive-pattern", "forward-loop",
	"forward-without-copy", "quota-nearly-full", "aliasdom-out-of-step", "aliasdom-wildcard",
	"sendas-out-of-step", "sendas-unknown-login", "sendas-not-enabled",
};

static void set_mtime(const char *path, time_t when)
{
	struct timeval tv[2] = { { when, 0 }, { when, 0 } };
	utimes(path, tv);
}

static void make_db(const char *rel, time_t when)
{
	char *p = xasprintf("%s.db", wt_path(rel));
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0)
		close(fd);
	set_mtime(p, when);
	free(p);
}

static const struct lint_problem *find(const struct lint_report *r, const char *rule,
				       const char *subject)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(lint_problem_rule(&r->v[i]), rule) &&
		    (!subject || (r->v[i].subject && !strcmp(r->v[i].subject, subject))))
			return &r->v[i];
	return NULL;
}


static bool msg_has(const struct lint_problem *p, const char *needle)
{
	char *s = lint_problem_message(p);
	bool has = strstr(s, needle) != NULL;
	free(s);
	return has;
}

static bool fix_has(const struct lint_problem *p, const char *needle)
{
	char *s = lint_problem_fix(p);
	bool has = strstr(s, needle) != NULL;
	free(s);
	return has;
}

/* s with every from replaced by to, appended to out. */
static void put_replaced(struct strbuf *out, const char *s, const char *from, const char *to)
{
	const char *q;
	while (*from && (q = strstr(s, from))) {
		sb_add(out, s, (size_t)(q - s));
		sb_adds(out, to);
		s = q + strlen(from);
	}
	sb_adds(out, s);
}

/* One line per problem: every field as shown, the tree's directory, the
 * tester's own uid:gid (maildir-owner) and the local Dovecot's quota field
 * and version (quota-nearly-full) named, so that the golden file holds on
 * any machine. */
static void dump_report(struct strbuf *out, const char *tree, const struct lint_report *r)
{
	const char *version, *field = model_dovecot_quota_field(&version);
	char *owner = xasprintf("owned by %ld:%ld,", (long)getuid(), (long)getgid());
	char *dovecot = xasprintf("the field Dovecot %s reads", *version ? version : "2.3");
	for (size_t i = 0; i < r->n; i++) {
		const struct lint_problem *p = &r->v[i];
		char *msg = lint_problem_message(p), *fix = lint_problem_fix(p);
		struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, c = STRBUF_INIT;
		sb_addf(&a, "%s %s %s %s:%u subject=%s\n  message=%s\n  fix=%s\n", tree, lint_problem_rule(p),
			lint_severity_name(p->severity), p->file ? p->file : "-", p->line,
			p->subject ? p->subject : "(none)", msg, fix);
		put_replaced(&b, sb_str(&a), wt_dir, "@DIR@");
		sb_free(&a);
		put_replaced(&a, sb_str(&b), owner, "owned by @OWNER@,");
		put_replaced(&c, sb_str(&a), dovecot, "the field Dovecot @VERSION@ reads");
		put_replaced(out, sb_str(&c), field, "@FIELD@");
		sb_free(&a);
		sb_free(&b);
		sb_free(&c);
		free(msg);
		free(fix);
	}
	free(owner);
	free(dovecot);
}

static struct world *load(struct config *cfg, struct diags *d)
{
	struct world *w = NULL;
	CU_ASSERT_FATAL(world_load(cfg, &w, d) == 0);
	return w;
}

static void test_good_has_no_problem(void)
{
	struct config *cfg = wt_make("lintgood");
	CU_ASSERT_FATAL(cfg != NULL);
	time_t now = time(NULL);
	const char *maps[] = { "etc/postfix/vdomains", "etc/postfix/vmailbox", "etc/postfix/virtual" };
	for (size_t i = 0; i < 3; i++) {
		set_mtime(wt_path(maps[i]), now - 100);
		make_db(maps[i], now - 50);
	}
	chmod(wt_path("etc/dovecot/users"), 0640);
	chmod(wt_path("mail"), 0750);
	struct diags d = DIAGS_INIT;
	struct world *w = load(cfg, &d);
	struct lint_report r;
	lint_run(w, cfg, &d, &r);
	for (size_t i = 0; i < r.n; i++)
		fprintf(stderr, "\nunexpected: [%s] %s:%u %s", lint_problem_rule(&r.v[i]),
			r.v[i].file ? r.v[i].file : "-", r.v[i].line, lint_problem_message(&r.v[i]));
	CU_ASSERT_EQUAL(r.n, 0);
	CU_ASSERT_EQUAL(lint_count_problems(&r), 0);
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		CU_ASSERT_PTR_NULL(find(&r, rules[i], NULL));
	lint_report_free(&r);
	world_free(&w);
	diags_free(&d);
	wt_cfg_free(cfg);
}

static struct config *bad_tree(void)
{
	struct config *cfg = wt_make("lintbad");
	if (!cfg)
		return NULL;
	time_t now = time(NULL);
	/* vmailbox.db is older than its source; virtual has no .db at all */
	set_mtime(wt_path("etc/postfix/vmailbox"), now - 10);
	make_db("etc/postfix/vmailbox", now - 100);
	set_mtime(wt_path("etc/postfix/sender_login"), now - 10);
	make_db("etc/postfix/sender_login", now);   /* built: only its send-as rules fire */
	chmod(wt_path("etc/dovecot/users"), 0644);
	chmod(wt_path("mail"), 0777);
	cfg->vmail_uid = 4242;   /* the maildirs are not owned by it */
	cfg->vmail_gid = 4242;
	return cfg;
}

static void test_bad_triggers_every_rule(void)
{
	struct config *cfg = bad_tree();
	CU_ASSERT_FATAL(cfg != NULL);
	struct diags d = DIAGS_INIT;
	struct world *w = load(cfg, &d);
	struct lint_report r;
	lint_run(w, cfg, &d, &r);
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		if (!find(&r, rules[i], NULL))
			fprintf(stderr, "\nrule %s did not fire", rules[i]);
		CU_ASSERT_PTR_NOT_NULL(find(&r, rules[i], NULL));
	}
	CU_ASSERT(lint_count_problems(&r) > 0);

	/* the specific cases, with file and line */
	const struct lint_problem *p = find(&r, "pattern-swallows-mailboxes", "carol@other.test");
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT(p->file && strstr(p->file, "virtual.regexp") != NULL);
	CU_ASSERT_EQUAL(p->line, 6);
	CU_ASSERT(msg_has(p, "its mail goes to alice@bad.test"));
	CU_ASSERT_EQUAL(p->severity, LINT_ERROR);
	/* an alias of the hash map (fwd@other.test) is a forward, not this */
	CU_ASSERT_PTR_NULL(find(&r, "pattern-swallows-mailboxes", "fwd@other.test"));
	p = find(&r, "catchall-swallows-mailboxes", "bad.test");
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_EQUAL(p->line, 1);
	CU_ASSERT(msg_has(p, "bob@bad.test"));
	CU_ASSERT(!msg_has(p, "alice@bad.test ")); /* identity entry: safe */
	CU_ASSERT_EQUAL(p->severity, LINT_ERROR);
	p = find(&r, "bare-domain-alias-key", "mixed.test");
	CU_ASSERT(p && p->line == 3);
	CU_ASSERT_PTR_NOT_NULL(find(&r, "domain-in-two-classes", "mixed.test"));
	p = find(&r, "alias-loop", "loop1@other.test");
	CU_ASSERT(p && p->line == 4);
	CU_ASSERT_PTR_NOT_NULL(find(&r, "alias-loop", "loop2@other.test"));
	/* a mailbox's own alias is its forwarding (issue 15) */
	p = find(&r, "forward-loop", "fwd@other.test");
	CU_ASSERT(p && p->line == 11);
	p = find(&r, "forward-without-copy", "fwd@other.test");
	CU_ASSERT(p && p->line == 11 && msg_has(p, "fwd2@other.test"));
	CU_ASSERT_PTR_NOT_NULL(find(&r, "forward-without-copy", "fwd2@other.test"));
	CU_ASSERT_PTR_NULL(find(&r, "forward-without-copy", "loop1@other.test")); /* no mailbox */
	/* 1,000 bytes of a 1 KiB quota: 98 %, named in the passwd-file, and the
	 * fix names the field this Dovecot reads */
	p = find(&r, "quota-nearly-full", "full@other.test");
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT(strstr(p->file, "etc/dovecot/users") && p->line == 6);
	CU_ASSERT(msg_has(p, "98%"));
	CU_ASSERT(fix_has(p, "userdb_quota_rule=*:storage=SIZE, the field Dovecot") || fix_has(p, "userdb_quota_storage_size=SIZE in the passwd-file"));
	CU_ASSERT_PTR_NOT_NULL(find(&r, "alias-limit", "big@other.test"));
	p = find(&r, "dangling-alias-target", "ghost@other.test");
	CU_ASSERT(p && msg_has(p, "nobody@other.test"));
	/* the catch-all takes unknown bad.test addresses: not dangling */
	CU_ASSERT_PTR_NULL(find(&r, "dangling-alias-target", "alice@bad.test"));
	CU_ASSERT_PTR_NOT_NULL(find(&r, "mailbox-without-password", "carol@other.test"));
	CU_ASSERT_PTR_NULL(find(&r, "mailbox-without-password", "alice@bad.test"));
	CU_ASSERT_PTR_NOT_NULL(find(&r, "password-without-mailbox", "stale@other.test"));
	CU_ASSERT_PTR_NULL(find(&r, "password-without-mailbox", "alice@bad.test"));
	char *carol = xasprintf("%s/mail/other.test/carol", wt_dir);
	CU_ASSERT_PTR_NOT_NULL(find(&r, "mailbox-without-maildir", carol));
	char *orphan = xasprintf("%s/mail/other.test/orphan", wt_dir);
	CU_ASSERT_PTR_NOT_NULL(find(&r, "maildir-without-mailbox", orphan));
	char *alice = xasprintf("%s/mail/bad.test/alice", wt_dir);
	CU_ASSERT_PTR_NULL(find(&r, "maildir-without-mailbox", alice));
	CU_ASSERT_PTR_NOT_NULL(find(&r, "maildir-owner", alice));
	CU_ASSERT_PTR_NOT_NULL(find(&r, "vmailbox-mbox-path", "dan@other.test"));
	CU_ASSERT_PTR_NULL(find(&r, "vmailbox-mbox-path", "carol@other.test"));
	CU_ASSERT_PTR_NOT_NULL(find(&r, "vmailbox-path-outside-domain", "eve@other.test"));
	CU_ASSERT_PTR_NULL(find(&r, "vmailbox-path-outside-domain", "carol@other.test"));
	p = find(&r, "dovecot-path-mismatch", "eve@other.test");
	CU_ASSERT(p && p->severity == LINT_ERROR);
	CU_ASSERT_PTR_NULL(find(&r, "dovecot-path-mismatch", "carol@other.test"));
	CU_ASSERT_PTR_NOT_NULL(find(&r, "plain-password", "alice@bad.test"));
	CU_ASSERT_PTR_NOT_NULL(find(&r, "weak-password-scheme", "bob@bad.test"));
	CU_ASSERT_PTR_NULL(find(&r, "weak-password-scheme", "stale@other.test"));
	p = find(&r, "duplicate-key", "alice@bad.test");
	CU_ASSERT(p && p->line == 7);
	char *vm = xasprintf("hash:%s/etc/postfix/vmailbox", wt_dir);
	char *va = xasprintf("hash:%s/etc/postfix/virtual", wt_dir);
	CU_ASSERT_PTR_NOT_NULL(find(&r, "map-older-than-source", vm));
	CU_ASSERT_PTR_NOT_NULL(find(&r, "map-not-built", va));
	CU_ASSERT_PTR_NULL(find(&r, "map-not-built", vm));
	/* the malformed line (pattern tables add notes of their own) */
	p = NULL;
	for (size_t q = 0; q < r.n; q++)
		if (!strcmp(lint_problem_rule(&r.v[q]), "syntax") && r.v[q].file && r.v[q].line &&
		    strlen(r.v[q].file) > 8 && !strcmp(r.v[q].file + strlen(r.v[q].file) - 8, "/virtual"))
			p = &r.v[q];
	CU_ASSERT(p && p->line == 8 && strstr(p->file, "virtual"));
	/* mirror.test mirrors other.test: dan has no line, gone no address;
	 * wild.test is a bare wildcard (backscatter) */
	p = find(&r, "aliasdom-out-of-step", "gone@mirror.test");
	CU_ASSERT(p && p->line == 15 && msg_has(p, "no longer exists"));
	p = find(&r, "aliasdom-out-of-step", "mirror.test");
	CU_ASSERT(p && msg_has(p, "has no line") && fix_has(p, "vmailadm alias add"));
	/* send-as (issue 15): alice's own address lacks her; a grant to no mailbox */
	p = find(&r, "sendas-out-of-step", "alice@bad.test");
	CU_ASSERT(p && p->line == 2 && fix_has(p, "sendas allow alice@bad.test alice@bad.test"));
	p = find(&r, "sendas-unknown-login", "bob@bad.test");
	CU_ASSERT(p && p->line == 3 && msg_has(p, "ghost@bad.test"));
	CU_ASSERT_PTR_NOT_NULL(find(&r, "sendas-not-enabled", NULL));
	p = find(&r, "aliasdom-wildcard", "@wild.test");
	CU_ASSERT(p && p->line == 17 && msg_has(p, "backscatter"));
	CU_ASSERT_PTR_NULL(find(&r, "aliasdom-out-of-step", "wild.test"));
	CU_ASSERT_PTR_NULL(find(&r, "aliasdom-out-of-step", "carol@mirror.test"));
	CU_ASSERT_PTR_NOT_NULL(find(&r, "virtual-mailbox-limit-not-quota", NULL));
	CU_ASSERT_EQUAL(find(&r, "virtual-mailbox-limit-not-quota", NULL)->severity, LINT_ERROR);
	p = find(&r, "hash-in-value", "note@other.test");
	CU_ASSERT(p && p->line == 9 && msg_has(p, "# the boss"));
	p = find(&r, "mailbox-map-substitution", NULL);
	CU_ASSERT(p && p->line == 2 && strstr(p->file, "vmailbox.regexp") && p->severity == LINT_ERROR);
	p = find(&r, "case-sensitive-pattern", NULL);
	CU_ASSERT(p && p->line == 3 && strstr(p->file, "virtual.regexp"));
	/* \D is an escape, not upper case: line 4 is not flagged */
	for (size_t q = 0; q < r.n; q++)
		CU_ASSERT(!(strcmp(lint_problem_rule(&r.v[q]), "case-sensitive-pattern") == 0 && r.v[q].line == 4));
	p = find(&r, "domain-in-two-classes", "rxclash.test");
	CU_ASSERT(p && p->line == 2 && strstr(p->file, "virtual.regexp"));
	/* an alias that resolves to itself, no mailbox behind it (alias domain) */
	p = find(&r, "dangling-alias-target", "check@mixed.test");
	CU_ASSERT(p && p->line == 10);

	/* the fixes */
	struct lint_fixes f;
	struct diags fd = DIAGS_INIT;
	lint_fixes(w, cfg, &r, &f, &fd);
	bool catchall = false, passwd = false, postmap_va = false, postmap_vm = false, mkdir_c = false;
	size_t nrebuild = 0;
	for (size_t i = 0; i < f.nops; i++) {
		const struct op *op = f.ops[i];
		if (op->kind == OP_CATCHALL_SET && !strcmp(op->subject, "bad.test") &&
		    op->ntargets == 1 && !strcmp(op->targets[0], "alice@bad.test"))
			catchall = true;
		if (op->kind == OP_MAILBOX_PASSWD && !strcmp(op->subject, "alice@bad.test") &&
		    op->password_hash && !strncmp(op->password_hash, "{SHA512-CRYPT}", 14) &&
		    passhash_verify(op->password_hash, "secret"))
			passwd = true;
		/* The map and maildir repairs are operations too (they used to
		 * be actions run outside the commit). */
		if (op->kind == OP_MAP_REBUILD) {
			nrebuild++;
			postmap_va |= !strcmp(op->subject, va);
			postmap_vm |= !strcmp(op->subject, vm);
		}
		if (op->kind == OP_MAILDIR_CREATE && !strcmp(op->subject, "carol@other.test"))
			mkdir_c = true;
	}
	CU_ASSERT(catchall);
	CU_ASSERT(passwd);
	CU_ASSERT(postmap_va);
	CU_ASSERT(postmap_vm);
	CU_ASSERT(mkdir_c);
	/* one op per map, however many problems name it */
	CU_ASSERT_EQUAL(nrebuild, 2);

	/* Staged, they give the commit's actions: the maps are rebuilt though
	 * their bytes do not change, carol's maildir is created. */
	struct stage *s = stage_create(cfg);
	struct diags sd = DIAGS_INIT;
	CU_ASSERT_EQUAL_FATAL(stage_load(s, &sd), 0);
	for (size_t i = 0; i < f.nops; i++) {
		enum op_kind kind = f.ops[i]->kind;
		struct op *op = f.ops[i];
		f.ops[i] = NULL;
		int prc = stage_push(s, op, &sd);
		if (kind == OP_MAP_REBUILD || kind == OP_MAILDIR_CREATE) {
			if (prc != 0)
				fprintf(stderr, "\nrefused: %s", sd.n ? sd.v[sd.n - 1].msg : "?");
			CU_ASSERT_EQUAL(prc, 0);
		}
	}
	const struct plan *pl = stage_plan(s);
	bool act_va = false, act_vm = false, act_c = false;
	for (size_t i = 0; i < pl->nactions; i++) {
		const struct action *a = &pl->actions[i];
		if (a->kind == ACT_POSTMAP && !strcmp(a->detail, "hash")) {
			act_va |= !strcmp(a->path, va + 5);
			act_vm |= !strcmp(a->path, vm + 5);
		}
		act_c |= a->kind == ACT_MAILDIR_CREATE && !strcmp(a->path, carol);
	}
	CU_ASSERT(act_va);
	CU_ASSERT(act_vm);
	CU_ASSERT(act_c);
	/* Each map is either rewritten (the catch-all fix edits it) or only
	 * rebuilt, never both. */
	const char *maps[] = { va + 5, vm + 5 };
	for (size_t m = 0; m < 2; m++) {
		int seen = 0;
		for (size_t i = 0; i < pl->nrebuilt; i++)
			seen += !strcmp(pl->rebuilt[i]->path, maps[m]);
		for (size_t i = 0; i < pl->nfiles; i++)
			seen += !strcmp(pl->files[i]->path, maps[m]);
		CU_ASSERT_EQUAL(seen, 1);
	}
	stage_free(&s);
	diags_free(&sd);
	lint_fixes_free(&f);
	diags_free(&fd);

	free(vm);
	free(va);
	free(carol);
	free(orphan);
	free(alice);
	lint_report_free(&r);
	world_free(&w);
	diags_free(&d);
	wt_cfg_free(cfg);
}

/* lint_with's sizes: full@other.test's maildir is what the hook says it
 * is, not read again (the interface's live scan has it, issue 16). */
static int sizes_asked;
static int64_t full_size;   /* -1: unknown, -2: not measurable */

static int hook_bytes(void *arg, const struct mailbox *b, uint64_t *bytes)
{
	(void)arg;
	if (strcmp(b->address, "full@other.test") != 0)
		return -1;
	sizes_asked++;
	if (full_size < 0)
		return full_size == -1 ? -1 : 0;
	*bytes = (uint64_t)full_size;
	return 1;
}

static void test_quota_takes_known_sizes(void)
{
	struct config *cfg = bad_tree();
	CU_ASSERT_FATAL(cfg != NULL);
	cfg->quota_warn_percent = 90;
	struct diags d = DIAGS_INIT;
	struct world *w = load(cfg, &d);
	const struct lint_with with = { NULL, hook_bytes, NULL };
	struct lint_report r;
	/* the maildir holds 98 % of the quota; the hook says 10 bytes: no
	 * problem, so lint did not read it */
	full_size = 10;
	lint_run_with(w, cfg, &d, &with, &r);
	CU_ASSERT_EQUAL(sizes_asked, 1);
	CU_ASSERT_PTR_NULL(find(&r, "quota-nearly-full", "full@other.test"));
	lint_report_free(&r);
	/* 1,020 of 1,024 bytes by the hook: 100 % */
	full_size = 1020;
	lint_run_with(w, cfg, &d, &with, &r);
	const struct lint_problem *p = find(&r, "quota-nearly-full", "full@other.test");
	CU_ASSERT(p && msg_has(p, "100%"));
	lint_report_free(&r);
	/* not measurable (missing, unreadable): skipped as a failed read is */
	full_size = -2;
	lint_run_with(w, cfg, &d, &with, &r);
	CU_ASSERT_PTR_NULL(find(&r, "quota-nearly-full", "full@other.test"));
	lint_report_free(&r);
	/* unknown: lint reads the maildir itself (98 %) */
	full_size = -1;
	lint_run_with(w, cfg, &d, &with, &r);
	p = find(&r, "quota-nearly-full", "full@other.test");
	CU_ASSERT(p && msg_has(p, "98%"));
	lint_report_free(&r);
	world_free(&w);
	diags_free(&d);
	wt_cfg_free(cfg);
}

/* A stop asked for from the start (issue 16: the interface waits for lint
 * to see it before it edits the world lint reads): no rule walks a single
 * entry, not even those with a pass of their own after the mailboxes (the
 * passwd-file's, which walked 100,000 entries after a stop), so nothing is
 * reported. */
static int stops_asked;

static bool hook_stop(void *arg)
{
	(void)arg;
	stops_asked++;
	return true;
}

static void test_stop_walks_nothing(void)
{
	struct config *cfg = bad_tree();
	CU_ASSERT_FATAL(cfg != NULL);
	struct diags d = DIAGS_INIT;
	struct world *w = load(cfg, &d);
	const struct lint_with with = { hook_stop, NULL, NULL };
	struct lint_report r;
	lint_run_with(w, cfg, &d, &with, &r);
	CU_ASSERT(stops_asked > 0);
	for (size_t i = 0; i < r.n; i++)
		fprintf(stderr, "\nafter the stop: [%s] %s", lint_problem_rule(&r.v[i]), r.v[i].subject);
	CU_ASSERT_EQUAL(r.n, 0);
	lint_report_free(&r);
	world_free(&w);
	diags_free(&d);
	wt_cfg_free(cfg);
}

static const char *__attribute__((format(printf, 3, 4)))
capture_one(struct arena *a, struct lint_text_recent *rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	const char *args = lint_text_capture(a, rc, fmt, ap);
	va_end(ap);
	return args;
}

/* fmt with its arguments, kept by lint_text_capture and formatted later by
 * lint_text_format, gives the bytes sb_vaddf gives at once. */
static void __attribute__((format(printf, 1, 2))) check_text(const char *fmt, ...)
{
	va_list ap, aq;
	va_start(ap, fmt);
	va_copy(aq, ap);
	struct arena a = ARENA_INIT;
	struct lint_text_recent rc = { { NULL }, 0, NULL };
	const char *args = lint_text_capture(&a, &rc, fmt, ap);
	va_end(ap);
	struct strbuf want = STRBUF_INIT, got = STRBUF_INIT;
	sb_vaddf(&want, fmt, aq);
	va_end(aq);
	lint_text_format(&got, fmt, args);
	CU_ASSERT_STRING_EQUAL(sb_str(&got), sb_str(&want));
	if (strcmp(sb_str(&got), sb_str(&want)) != 0)
		fprintf(stderr, "\n%s: got \"%s\", want \"%s\"\n", fmt, sb_str(&got), sb_str(&want));
	sb_free(&want);
	sb_free(&got);
	lint_text_recent_free(&rc);
	arena_free(&a);
}

/* The conversions lint's texts and their translations use (fr.po reorders
 * with n$), and printf's others an argument may meet. */
static void test_text_conversions(void)
{
	/* a problem: its file, subject and text pointers, its line, its
	 * severity and rule by number (issue 16: 300,000 problems) */
	CU_ASSERT(sizeof(struct lint_problem) <= 3 * sizeof(void *) + 8);
	check_text("no argument, 100%% sure");
	check_text("%s and %s", "alice@example.test", "");
	check_text("%2$s before %1$s, then %2$s again", "first", "second");
	const char *volatile none = NULL;   /* printf's "(null)", unseen by the compiler */
	check_text("%s", none);
	check_text("mode %04o, uid %ld:%ld, line %u", 0644u, -5L, 4242L, 17u);
	check_text("%.0f%% of %s (%zu boxes, %d)", 98.49, "1.0 MB", (size_t)3, -7);
	check_text("[%-8s|%8s|%.3s|%c]", "ab", "cd", "truncated", 'x');
	check_text("[%*d|%-*d|%.*s|%*s]", 5, 42, 4, 7, 2, "abc", -6, "left");
	check_text("%x %X %#o %+d % d %lld %llu %hhu %hd", 255u, 255u, 8u, 3, 4, -1LL, 18446744073709551615ULL,
		   300u, 70000);
	check_text("%3$s %1$d %2$.1f", 1, 2.25, "three");
	check_text("%e %g %.2E", 1234.5, 0.0001, 99.9);
	check_text("%jd %td %ju", (intmax_t)-9, (ptrdiff_t)-3, (uintmax_t)9);
	/* integers kept in their short form, at the edges of their ranges */
	check_text("%ld %ld %ld %lu %d %d", LONG_MIN, LONG_MAX, -1L, ULONG_MAX, INT_MIN, 0);
	check_text("%lld %llu %zd", LLONG_MIN, 0ULL, (ssize_t)-128);
	/* the same string twice is kept once, and shown twice */
	check_text("%s, %s and %s", "dom.test", "other.test", "dom.test");
	/* paths: a directory kept once, the last component (a trailing '/'
	 * its part) after it; short ones and a lone name whole */
	check_text("%s to %-50s|%.12s", "/var/mail/vhosts/dom.test/alice", "/var/mail/vhosts/dom.test/bob/",
		   "/var/mail/vhosts/dom.test/carol");
	check_text("%s %s %s %s %s", "a/b", "/", "//", "name", "/var/mail/vhosts/");
	check_text("%2$s %1$s", "d1298.example/u033298/", "d1298.example/u033299/");
	{
		struct arena a = ARENA_INIT;
		struct lint_text_recent rc = { { NULL }, 0, NULL };
		const char *paths[] = { "/var/mail/vhosts/dom.test/alice", "/var/mail/vhosts/dom.test/bob/",
					"/var/mail/vhosts/other.test/alice" };
		const char *args[3];
		for (size_t i = 0; i < 3; i++) {
			args[i] = capture_one(&a, &rc, "%s", paths[i]);
			struct strbuf got = STRBUF_INIT;
			lint_text_format(&got, "%s", args[i]);
			CU_ASSERT_STRING_EQUAL(sb_str(&got), paths[i]);
			sb_free(&got);
		}
		/* two directories, each kept once: the first two share theirs */
		CU_ASSERT_EQUAL(rc.dirs ? strmap_count(rc.dirs) : 0, 2);
		CU_ASSERT(memcmp(args[0] + 1, args[1] + 1, sizeof(char *)) == 0);
		lint_text_recent_free(&rc);
		arena_free(&a);
	}
	/* a subject, and a string that comes back, are kept once: the
	 * report's copy */
	const char *subject = "bob@example.test";
	char again[] = "bob@example.test";
	struct lint_report r = { 0 };
	lint_add(&r, "rule", LINT_WARNING, "/f", 3, subject, "%s is %s", "x", subject);
	lint_fix(&r, "fix %s", "it");
	lint_add(&r, "rule", LINT_ERROR, "/f", 4, again, "again %s", again);
	CU_ASSERT_FATAL(r.n == 2 && r.v[0].subject && r.v[1].subject);
	CU_ASSERT_STRING_EQUAL(r.v[0].subject, subject);
	CU_ASSERT(r.v[0].subject != subject && r.v[1].subject == r.v[0].subject);
	CU_ASSERT(r.v[0].file == r.v[1].file);   /* the file name too */
	char *m = lint_problem_message(&r.v[0]), *f = lint_problem_fix(&r.v[0]);
	CU_ASSERT_STRING_EQUAL(m, "x is bob@example.test");
	CU_ASSERT_STRING_EQUAL(f, "fix it");
	free(m);
	free(f);
	m = lint_problem_message(&r.v[1]);
	f = lint_problem_fix(&r.v[1]);
	CU_ASSERT_STRING_EQUAL(m, "again bob@example.test");
	CU_ASSERT_STRING_EQUAL(f, "");   /* no fix */
	free(m);
	free(f);
	lint_report_free(&r);
}

/* Every problem lint reports on every fixture tree, as shown (rule,
 * severity, file, line, subject, message, fix), against the golden file
 * taken from the report that formatted its texts when it found them: the
 * texts built when shown must stay the same bytes. */
static void test_texts_as_before(void)
{
	static const char *const trees[] = { "basic", "domaintables", "filelist", "hashdomains",
					     "lintbad", "lintgood", "missing", "tricky" };
	struct strbuf out = STRBUF_INIT;
	for (size_t i = 0; i < sizeof trees / sizeof trees[0]; i++) {
		struct config *cfg = !strcmp(trees[i], "lintbad") ? bad_tree() : wt_make(trees[i]);
		CU_ASSERT_FATAL(cfg != NULL);
		struct diags d = DIAGS_INIT;
		struct world *w = NULL;
		world_load(cfg, &w, &d);
		if (w) {
			struct lint_report r;
			lint_run(w, cfg, &d, &r);
			dump_report(&out, trees[i], &r);
			lint_report_free(&r);
		}
		world_free(&w);
		diags_free(&d);
		wt_cfg_free(cfg);
	}
	CU_ASSERT(golden_check(cu_fixture("lint/messages.out"), sb_str(&out)));
	sb_free(&out);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "a clean server has no problem", test_good_has_no_problem },
		{ "every rule fires on the broken server", test_bad_triggers_every_rule },
		{ "the quota rule takes the sizes the caller knows", test_quota_takes_known_sizes },
		{ "a stop from the start walks no entry", test_stop_walks_nothing },
		{ "every problem's texts are the ones shown before", test_texts_as_before },
		{ "a text made when shown is printf's", test_text_conversions },
		CU_TEST_INFO_NULL,
	};
	int rc = cu_run("lint", tests);
	wt_remove();
	return rc;
}
