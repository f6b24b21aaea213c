/* Unit tests for the tracer on the fixture server tests/fixtures/world/tricky:
 * multi-level aliases, catch-alls in both maps, identity entries, loops,
 * extensions with two delimiters, upper case, forwards, pcre tables, a
 * domain in two classes, local delivery through /etc/aliases, limits. */
#include "config.h"

#include "worldtree.h"

#include "vmailadm/diag.h"
#include "vmailadm/model.h"
#include "vmailadm/trace.h"

static struct world *W;
static struct tracer *T;
static struct diags D = DIAGS_INIT;

static int setup(void)
{
	struct config *cfg = wt_make("tricky");
	if (!cfg || world_load(cfg, &W, &D) != 0)
		return 1;
	T = trace_create(W, &D);
	wt_cfg_free(cfg);
	return 0;
}

/* The destinations as "kind address [path]" lines, in order. */
static char *dests(const char *addr, struct trace_result *keep)
{
	struct trace_result r;
	trace_address(T, addr, &r);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < r.ndests; i++) {
		const struct trace_dest *d = &r.dests[i];
		sb_addf(&sb, "%s %s", trace_kind_name(d->kind), d->address);
		if (d->path)
			sb_addf(&sb, " %s", d->path + strlen(wt_dir));
		sb_addc(&sb, '\n');
	}
	if (keep)
		*keep = r;
	else
		trace_result_free(&r);
	char *s = sb_detach(&sb);
	return s ? s : xstrdup("");
}

#define EXPECT(addr, want) do { \
		char *got_ = dests((addr), NULL); \
		if (strcmp(got_, (want)) != 0) \
			fprintf(stderr, "\n%s:\n got: %s want: %s", (addr), got_, (want)); \
		CU_ASSERT_STRING_EQUAL(got_, (want)); \
		free(got_); \
	} while (0)

static bool has_step(const struct trace_result *r, const char *what, const char *file_end,
		     unsigned line)
{
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct trace_step *s = &r->steps[i];
		if (strcmp(s->what, what) != 0 || (line && s->line != line))
			continue;
		if (file_end && (!s->file || strlen(s->file) < strlen(file_end) ||
				 strcmp(s->file + strlen(s->file) - strlen(file_end), file_end) != 0))
			continue;
		return true;
	}
	return false;
}

static void test_mailbox_and_unknown(void)
{
	EXPECT("alice@mbox.test", "maildir alice@mbox.test /mail/mbox.test/alice/\n");
	EXPECT("carol@mbox.test", "mbox carol@mbox.test /mail/mbox.test/carol\n");
	EXPECT("nobody@mbox.test", "reject nobody@mbox.test\n");
	struct trace_result r;
	free(dests("nobody@mbox.test", &r));
	CU_ASSERT(r.rejected);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.dests[0].reason, "5.1.1"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.dests[0].reason, "User unknown in virtual mailbox table"));
	trace_result_free(&r);
}

static void test_upper_case(void)
{
	EXPECT("ALICE@MBOX.TEST", "maildir ALICE@MBOX.TEST /mail/mbox.test/alice/\n");
	/* the alias key is folded too */
	EXPECT("Team@Mbox.Test", "maildir alice@mbox.test /mail/mbox.test/alice/\n"
				 "mbox carol@mbox.test /mail/mbox.test/carol\n"
				 "maildir bob@mbox.test /mail/mbox.test/bob/\n");
}

static void test_multilevel_and_duplicates(void)
{
	struct trace_result r;
	char *got = dests("team@mbox.test", &r);
	/* staff → alice, bob, ALICE: ALICE is a duplicate of alice */
	CU_ASSERT_STRING_EQUAL(got, "maildir alice@mbox.test /mail/mbox.test/alice/\n"
				    "mbox carol@mbox.test /mail/mbox.test/carol\n"
				    "maildir bob@mbox.test /mail/mbox.test/bob/\n");
	CU_ASSERT(has_step(&r, "duplicate", NULL, 0));
	CU_ASSERT(has_step(&r, "alias-hit", "/etc/postfix/virtual", 2));
	CU_ASSERT(has_step(&r, "alias-hit", "/etc/postfix/virtual", 3));
	free(got);
	trace_result_free(&r);
}

static void test_identity_and_forward(void)
{
	struct trace_result r;
	char *got = dests("keep@mbox.test", &r);
	CU_ASSERT_STRING_EQUAL(got, "maildir keep@mbox.test /mail/mbox.test/keep/\n"
				    "remote far@remote.example\n");
	CU_ASSERT(has_step(&r, "identity", NULL, 0));
	free(got);
	trace_result_free(&r);
}

static void test_loop_defers(void)
{
	struct trace_result r;
	char *got = dests("loop1@mbox.test", &r);
	CU_ASSERT_STRING_EQUAL(got, "defer loop1@mbox.test\n");
	CU_ASSERT(r.deferred);
	CU_ASSERT_STRING_EQUAL(r.limit, "recursion");
	CU_ASSERT_STRING_EQUAL(r.dests[0].reason, "4.6.0 Alias expansion error");
	free(got);
	trace_result_free(&r);
}

static void test_expansion_limit(void)
{
	struct trace_result r;
	char *got = dests("big@mbox.test", &r);
	CU_ASSERT_STRING_EQUAL(got, "defer big@mbox.test\n");
	CU_ASSERT_STRING_EQUAL(r.limit, "expansion");
	free(got);
	trace_result_free(&r);
}

static void test_extensions(void)
{
	/* '+' and '-' both delimit; the unmatched extension is kept */
	EXPECT("bob+news@mbox.test", "maildir bob+news@mbox.test /mail/mbox.test/bob/\n");
	EXPECT("bob-news@mbox.test", "maildir bob-news@mbox.test /mail/mbox.test/bob/\n");
	EXPECT("staff+x@mbox.test", "maildir alice+x@mbox.test /mail/mbox.test/alice/\n"
				    "maildir bob+x@mbox.test /mail/mbox.test/bob/\n");
	/* owner-* is never split when '-' is a delimiter */
	EXPECT("owner-list@mbox.test", "maildir owner-list@mbox.test /mail/mbox.test/ownerlist/\n");
	/* the full form in the second table beats user@domain anywhere */
	EXPECT("alice+vip@mbox.test", "maildir bob@mbox.test /mail/mbox.test/bob/\n");
	CU_ASSERT_EQUAL(trace_split_extension("a+b-c", 5, "-+"), 1);
	CU_ASSERT_EQUAL(trace_split_extension("postmaster", 10, "-+"), -1);
	CU_ASSERT_EQUAL(trace_split_extension("list-request", 12, "-"), -1);
	CU_ASSERT_EQUAL(trace_split_extension("plain", 5, ""), -1);
}

static void test_other_domain_result(void)
{
	EXPECT("redir@mbox.test", "remote redir@remote.example\n");
	EXPECT("redir+z@mbox.test", "remote redir+z@remote.example\n");
}

static void test_catchall_alias_map(void)
{
	/* bob has no identity entry: the catch-all swallows him */
	EXPECT("bob@catch.test", "maildir admin@catch.test /mail/catch.test/admin/\n");
	EXPECT("alice@catch.test", "maildir alice@catch.test /mail/catch.test/alice/\n");
	EXPECT("whoever@catch.test", "maildir admin@catch.test /mail/catch.test/admin/\n");
	/* a catch-all does not propagate the extension */
	EXPECT("bob+x@catch.test", "maildir admin@catch.test /mail/catch.test/admin/\n");
	EXPECT("admin@catch.test", "maildir admin@catch.test /mail/catch.test/admin/\n");
}

static void test_catchall_mailbox_map(void)
{
	EXPECT("real@cbox.test", "maildir real@cbox.test /mail/cbox.test/real/\n");
	EXPECT("other@cbox.test", "maildir other@cbox.test /mail/cbox.test/catchall/\n");
}

static void test_alias_domain_and_conflict(void)
{
	EXPECT("sales@fwd.test", "maildir bob@mbox.test /mail/mbox.test/bob/\n"
				 "remote ext@remote.example\n");
	EXPECT("unknown@fwd.test", "reject unknown@fwd.test\n");
	/* both.test is in both classes: the alias class wins, x@ bounces */
	struct trace_result r;
	char *got = dests("x@both.test", &r);
	CU_ASSERT_STRING_EQUAL(got, "reject x@both.test\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(r.dests[0].reason, "User unknown in virtual alias table"));
	CU_ASSERT(has_step(&r, "warning", NULL, 0));
	free(got);
	trace_result_free(&r);
}

static void test_pcre(void)
{
	EXPECT("old-bob@mbox.test", "maildir bob@mbox.test /mail/mbox.test/bob/\n");
	EXPECT("OLD-Alice@MBOX.test", "maildir Alice@mbox.test /mail/mbox.test/alice/\n");
	EXPECT("anyone@pat.test", "maildir alice@mbox.test /mail/mbox.test/alice/\n");
	/* libpcre2, as Postfix: \d, non-greedy, lookahead */
	EXPECT("x12@mbox.test", "maildir bob@mbox.test /mail/mbox.test/bob/\n");
	EXPECT("alice__dot@mbox.test", "maildir alice@mbox.test /mail/mbox.test/alice/\n");
	EXPECT("alice_x@mbox.test", "maildir alice@mbox.test /mail/mbox.test/alice/\n");
	EXPECT("bob_x@mbox.test", "reject bob_x@mbox.test\n");
	/* "i" toggles pcre's default: this rule is case-sensitive */
	EXPECT("CaSe@mbox.test", "maildir alice@mbox.test /mail/mbox.test/alice/\n");
	EXPECT("case@mbox.test", "reject case@mbox.test\n");
	/* if blocks, nested, one negated */
	EXPECT("a1@blk.test", "maildir alice@mbox.test /mail/mbox.test/alice/\n");
	EXPECT("a1@other.example", "remote a1@other.example\n");
	EXPECT("bz@blk.test", "maildir bob@mbox.test /mail/mbox.test/bob/\n");
	EXPECT("zb@blk.test", "remote zb@blk.test\n");
	/* none of these rules is refused */
	const struct diags *w = trace_warnings(T);
	for (size_t i = 0; i < w->n; i++)
		CU_ASSERT_PTR_NULL(strstr(w->v[i].file, "virtual.pcre"));
}

/* The destinations of addr are want, and a step what was recorded at
 * (a file ending in) file_end, line. */
static void expect_step(const char *addr, const char *want, const char *what, const char *file_end,
			unsigned line)
{
	struct trace_result r;
	char *got = dests(addr, &r);
	CU_ASSERT_STRING_EQUAL(got, want);
	CU_ASSERT(has_step(&r, what, file_end, line));
	free(got);
	trace_result_free(&r);
}

static void test_local_and_external(void)
{
	/* boss → root@example.test (bare name + $myorigin) → aliases → alice */
	expect_step("boss@mbox.test", "maildir alice@mbox.test /mail/mbox.test/alice/\n", "local-alias",
		    "/etc/aliases", 2);
	EXPECT("postmaster", "maildir alice@mbox.test /mail/mbox.test/alice/\n");
	EXPECT("someone@elsewhere.example", "remote someone@elsewhere.example\n");
	/* a local user (root exists everywhere) without alias: */
	EXPECT("daemon@localhost", "local daemon@localhost\n");
	EXPECT("no-such-user-xyz@localhost", "reject no-such-user-xyz@localhost\n");
}

static void test_address_forms(void)
{
	/* quoted only where needed, trailing dot dropped */
	EXPECT("\"alice\"@mbox.test", "maildir alice@mbox.test /mail/mbox.test/alice/\n");
	EXPECT("\"Alice\"@MBOX.test.", "maildir Alice@MBOX.test /mail/mbox.test/alice/\n");
	EXPECT("\"al ice\"@mbox.test", "reject \"al ice\"@mbox.test\n");
	EXPECT("\"al\\\"ice\"@mbox.test", "reject \"al\\\"ice\"@mbox.test\n");
	/* "+x" is not split at the delimiter; "-x" is refused by resolve.c */
	EXPECT("+x@mbox.test", "reject +x@mbox.test\n");
	EXPECT("alice-x@mbox.test", "maildir alice-x@mbox.test /mail/mbox.test/alice/\n");
	struct trace_result r;
	free(dests("-x@mbox.test", &r));
	CU_ASSERT_EQUAL_FATAL(r.ndests, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.dests[0].reason, "5.1.3"));
	trace_result_free(&r);
	/* owner-: never split, whatever follows */
	EXPECT("owner-list@mbox.test", "maildir owner-list@mbox.test /mail/mbox.test/ownerlist/\n");
	EXPECT("owner-list+x@mbox.test", "reject owner-list+x@mbox.test\n");
	/* an address literal of this host is local (127.0.0.1 with the default
	 * inet_interfaces = all) */
	EXPECT("postmaster@[127.0.0.1]", "maildir alice@mbox.test /mail/mbox.test/alice/\n");
	EXPECT("x@[192.0.2.1]", "remote x@[192.0.2.1]\n");
}

static void test_alias_values(void)
{
	/* comments dropped, "#" words are addresses */
	EXPECT("desk2@mbox.test", "maildir bob@mbox.test /mail/mbox.test/bob/\n");
	EXPECT("note@mbox.test", "maildir bob@mbox.test /mail/mbox.test/bob/\n"
				 "reject #@example.test\n"
				 "reject x@example.test\n");
	EXPECT("desk@example.test", "maildir alice@mbox.test /mail/mbox.test/alice/\n");
	/* commands, files, :include: (where commands are not allowed) */
	EXPECT("cmd@example.test", "local cmd@example.test\n");
	EXPECT("tofile@example.test", "local tofile@example.test\n");
	EXPECT("inc@example.test", "maildir bob@mbox.test /mail/mbox.test/bob/\n"
				   "reject inc@example.test\n");
	struct trace_result r;
	free(dests("inc@example.test", &r));
	CU_ASSERT_EQUAL_FATAL(r.ndests, 2);
	CU_ASSERT_STRING_EQUAL(r.dests[1].reason, "5.7.1 mail to command is restricted");
	trace_result_free(&r);
	free(dests("cmd@example.test", &r));
	CU_ASSERT_STRING_EQUAL(r.dests[0].detail, "command /bin/true");
	trace_result_free(&r);
}

static void test_mailbox_map_substitution(void)
{
	/* virtual(8) refuses $n in virtual_mailbox_maps: that rule bounces */
	expect_step("sub-bob@mbox.test", "reject sub-bob@mbox.test\n", "mailbox-miss", "vmailbox.pcre", 2);
	EXPECT("fixed@mbox.test", "maildir fixed@mbox.test /mail/mbox.test/fixed/\n");
}

int main(void)
{
	if (setup() != 0) {
		fprintf(stderr, "cannot load the tricky fixture\n");
		diags_print(&D, stderr);
		return 1;
	}
	CU_TestInfo tests[] = {
		{ "mailbox and unknown", test_mailbox_and_unknown },
		{ "upper case", test_upper_case },
		{ "multi-level and duplicates", test_multilevel_and_duplicates },
		{ "identity and forward", test_identity_and_forward },
		{ "loop defers", test_loop_defers },
		{ "address forms", test_address_forms },
		{ "alias values", test_alias_values },
		{ "$n in a mailbox map", test_mailbox_map_substitution },
		{ "expansion limit", test_expansion_limit },
		{ "extensions", test_extensions },
		{ "@otherdomain result", test_other_domain_result },
		{ "catch-all in the alias map", test_catchall_alias_map },
		{ "catch-all in the mailbox map", test_catchall_mailbox_map },
		{ "alias domain and two classes", test_alias_domain_and_conflict },
		{ "pcre table", test_pcre },
		{ "local and external", test_local_and_external },
		CU_TEST_INFO_NULL,
	};
	int rc = cu_run("trace", tests);
	trace_free(&T);
	world_free(&W);
	diags_free(&D);
	wt_remove();
	return rc;
}
