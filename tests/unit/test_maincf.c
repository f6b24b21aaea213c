/* Unit tests for main.cf (maincf.c): the fixture corpus against golden
 * listings and byte-identical round trips, last-wins, continuation joining,
 * $name expansion with defaults and loops, list splitting, in-place edits. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cu.h"
#include "golden.h"
#include "vmailadm/doc.h"
#include "vmailadm/maincf.h"
#include "vmailadm/xalloc.h"

static struct maincf *parse_str(const char *text, struct diags *d)
{
	struct diags scratch = DIAGS_INIT;
	struct maincf *m = maincf_parse(doc_from_mem("main.cf", text, strlen(text)),
					d ? d : &scratch);
	diags_free(&scratch);
	return m;
}

#define ASSERT_RENDER(m, want) GOLDEN_ASSERT_DOC(maincf_doc(m), want)

#define ASSERT_GET(m, name, want) do { \
		char *v_ = maincf_get(m, name); \
		CU_ASSERT_STRING_EQUAL(v_, want); \
		if (strcmp(v_, want) != 0) \
			fprintf(stderr, "\n%s: got \"%s\" want \"%s\"\n", name, v_, want); \
		free(v_); \
	} while (0)

/* The parameters vmailadm reads, expanded. The machine-dependent ones
 * (myhostname and what follows from it) only when the file sets
 * myhostname, so the golden files do not depend on the build host. */
static const char *const params[] = {
	"virtual_mailbox_domains", "virtual_alias_domains", "virtual_mailbox_maps",
	"virtual_alias_maps", "virtual_mailbox_base", "virtual_uid_maps",
	"virtual_gid_maps", "virtual_minimum_uid", "alias_maps", "alias_database",
	"recipient_delimiter", "virtual_alias_recursion_limit",
	"virtual_alias_expansion_limit", "virtual_alias_address_length_limit",
	"virtual_mailbox_limit", "message_size_limit", NULL,
};
static const char *const host_params[] = {
	"myhostname", "mydomain", "myorigin", "mydestination", "smtpd_banner", NULL,
};

static void listing(const struct maincf *m, const struct diags *d, struct strbuf *out)
{
	for (size_t i = 0; i < maincf_count(m); i++) {
		const char *value;
		unsigned line;
		bool over;
		const char *name = maincf_def_at(m, i, &value, &line, &over);
		sb_addf(out, "%u", line);
		golden_field(out, "name", name);
		golden_field(out, "value", value);
		if (over)
			sb_adds(out, " overridden");
		sb_addc(out, '\n');
	}
	for (size_t i = 0; params[i]; i++) {
		char *v = maincf_get(m, params[i]);
		sb_addf(out, "get %s", params[i]);
		golden_field(out, "", v);
		size_t n;
		char **items = maincf_split_list(v, &n);
		sb_addf(out, " items=%zu", n);
		for (size_t k = 0; k < n; k++)
			golden_field(out, "item", items[k]);
		maincf_list_free(items);
		sb_addc(out, '\n');
		free(v);
	}
	if (maincf_raw(m, "myhostname", NULL)) {
		for (size_t i = 0; host_params[i]; i++) {
			char *v = maincf_get(m, host_params[i]);
			sb_addf(out, "get %s", host_params[i]);
			golden_field(out, "", v);
			sb_addc(out, '\n');
			free(v);
		}
	}
	golden_add_diags(out, d);
}

static void test_corpus(void)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", cu_fixture("maincf"));
	size_t n;
	char **names = golden_list(dir, &n);
	CU_ASSERT_FATAL(names != NULL);
	CU_ASSERT(n >= 8);
	for (size_t i = 0; i < n; i++) {
		char path[4200], out_path[4300];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		snprintf(out_path, sizeof out_path, "%s.out", path);
		size_t len = 0;
		char *bytes = golden_read(path, &len);
		CU_ASSERT_FATAL(bytes != NULL);
		struct diags d = DIAGS_INIT;
		struct doc *doc = NULL;
		CU_ASSERT_FATAL(doc_load(path, false, &doc, &d) == 0);
		struct maincf *m = maincf_parse(doc, &d);
		/* Unedited: the identical bytes. */
		CU_ASSERT(golden_round_trip(maincf_doc(m), bytes, len, path));
		/* Diagnostics name the fixture by its base name in the golden file. */
		for (size_t k = 0; k < d.n; k++) {
			free(d.v[k].file);
			d.v[k].file = xstrdup(names[i]);
		}
		struct strbuf out = STRBUF_INIT;
		listing(m, &d, &out);
		CU_ASSERT(golden_check(out_path, sb_str(&out)));
		sb_free(&out);
		maincf_free(&m);
		CU_ASSERT_PTR_NULL(m);
		diags_free(&d);
		free(bytes);
	}
	golden_list_free(names);
}

static void test_last_wins_and_continuation(void)
{
	struct diags d = DIAGS_INIT;
	struct maincf *m = parse_str("a = 1\n"
				     "b = x,\n"
				     "  y\n"
				     "# inner comment\n"
				     "\n"
				     "\tz  \n"
				     "a=2\n"
				     "a  =   3   \n", &d);
	unsigned line;
	CU_ASSERT_STRING_EQUAL(maincf_raw(m, "a", &line), "3");
	CU_ASSERT_EQUAL(line, 8);
	/* Postfix keeps each continuation's leading whitespace. */
	CU_ASSERT_STRING_EQUAL(maincf_raw(m, "b", &line), "x,  y\tz");
	CU_ASSERT_EQUAL(line, 2);
	CU_ASSERT_PTR_NULL(maincf_raw(m, "c", &line));
	CU_ASSERT_EQUAL(line, 0);
	CU_ASSERT_EQUAL(maincf_count(m), 4);
	bool over;
	maincf_def_at(m, 0, NULL, NULL, &over);
	CU_ASSERT_TRUE(over);
	maincf_def_at(m, 3, NULL, NULL, &over);
	CU_ASSERT_FALSE(over);
	/* Two "overriding" warnings, no error. */
	CU_ASSERT_EQUAL(diags_count(&d, DIAG_WARNING), 2);
	CU_ASSERT_FALSE(diags_has_errors(&d));
	maincf_free(&m);
	diags_free(&d);

	/* CRLF: the "\r" between pieces stays, as postconf shows it. */
	m = parse_str("a = one,\r\n  two\r\nb = x\r\n", NULL);
	CU_ASSERT_STRING_EQUAL(maincf_raw(m, "a", NULL), "one,\r  two");
	CU_ASSERT_STRING_EQUAL(maincf_raw(m, "b", NULL), "x");
	size_t n;
	char *v = maincf_get(m, "a");
	char **items = maincf_split_list(v, &n);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_STRING_EQUAL(items[0], "one");
	CU_ASSERT_STRING_EQUAL(items[1], "two");
	maincf_list_free(items);
	free(v);
	maincf_free(&m);
}

static void test_malformed_all_reported(void)
{
	struct diags d = DIAGS_INIT;
	struct maincf *m = parse_str("ok1 = 1\n"
				     "no equals here\n"
				     "= value\n"
				     "  indented = first\n"   /* continues "= value" */
				     "ok2 = 2\n"
				     "bad-name = 3\n"
				     "word\n", &d);
	CU_ASSERT_STRING_EQUAL(maincf_raw(m, "ok1", NULL), "1");
	CU_ASSERT_STRING_EQUAL(maincf_raw(m, "ok2", NULL), "2");
	CU_ASSERT_STRING_EQUAL(maincf_raw(m, "bad-name", NULL), "3");
	CU_ASSERT_EQUAL(diags_count(&d, DIAG_ERROR), 3);
	CU_ASSERT_EQUAL(diags_count(&d, DIAG_WARNING), 1);
	unsigned lines[] = { 2, 3, 6, 7 };
	CU_ASSERT_EQUAL_FATAL(d.n, 4);
	for (size_t i = 0; i < d.n; i++) {
		CU_ASSERT_EQUAL(d.v[i].line, lines[i]);
		CU_ASSERT_STRING_EQUAL(d.v[i].file, "main.cf");
	}
	char *s = diag_format(&d.v[0]);
	CU_ASSERT(strncmp(s, "main.cf:2: ", 11) == 0);
	free(s);
	maincf_free(&m);
	diags_free(&d);

	d = (struct diags)DIAGS_INIT;
	m = parse_str("  orphan = 1\nok = 2\n", &d);
	CU_ASSERT_EQUAL(d.n, 1);
	CU_ASSERT_EQUAL(d.v[0].line, 1);
	CU_ASSERT_PTR_NULL(maincf_raw(m, "orphan", NULL));
	CU_ASSERT_STRING_EQUAL(maincf_raw(m, "ok", NULL), "2");
	maincf_free(&m);
	diags_free(&d);
}

static void test_expand(void)
{
	struct maincf *m = parse_str(
		"myhostname = mx.andromed.cloud\n"
		"a = A\n"
		"b = [$a|${a}|$(a)|$$a|$nope|${nope}]\n"
		"c = ${a?yes}/${a:no}/${nope?yes}/${nope:no}/${empty:E}/${empty?X}\n"
		"empty =\n"
		"d = ${a?{Y}:{N}} ${nope?{Y}:{N}} ${a ? x}\n"
		"e = ${a?{ $b }}x\n"
		"f = ${a?{x}  :  {y}}|${nope? {x} : {y} }\n"
		"g = $a_b $a-b ${a}_b\n"
		"a_b = AB\n"
		"h = cost $ 5 and $\n"
		"i = ${a\n"
		"j = ${{$a} == {A} ? {t} : {f}}\n"
		"k = $b$b\n", NULL);
	ASSERT_GET(m, "a", "A");
	ASSERT_GET(m, "b", "[A|A|A|$a||]");
	ASSERT_GET(m, "c", "yes///no/E/");
	ASSERT_GET(m, "d", "Y N ${a ? x}");
	ASSERT_GET(m, "e", " [A|A|A|$a||] x");
	ASSERT_GET(m, "f", "x|y");
	ASSERT_GET(m, "g", "AB A-b A_b");
	ASSERT_GET(m, "h", "cost $ 5 and $");
	ASSERT_GET(m, "i", "${a");
	ASSERT_GET(m, "j", "${{$a} == {A} ? {t} : {f}}");
	ASSERT_GET(m, "k", "[A|A|A|$a||][A|A|A|$a||]");
	ASSERT_GET(m, "undefined_anything", "");
	/* Defaults, and defaults that refer to main.cf values. */
	ASSERT_GET(m, "virtual_alias_domains", "");
	ASSERT_GET(m, "virtual_minimum_uid", "100");
	ASSERT_GET(m, "alias_maps", "hash:/etc/aliases, nis:mail.aliases");
	ASSERT_GET(m, "mydomain", "andromed.cloud");
	ASSERT_GET(m, "mydestination", "mx.andromed.cloud, localhost.andromed.cloud, localhost");
	ASSERT_GET(m, "myorigin", "mx.andromed.cloud");
	bool loop = true;
	char *x = maincf_expand(m, "<$myhostname>", &loop);
	CU_ASSERT_STRING_EQUAL(x, "<mx.andromed.cloud>");
	CU_ASSERT_FALSE(loop);
	free(x);
	maincf_free(&m);

	m = parse_str("virtual_maps = hash:/etc/postfix/virtual\n"
		      "virtual_mailbox_maps = hash:/etc/postfix/vmailbox\n", NULL);
	ASSERT_GET(m, "virtual_alias_maps", "hash:/etc/postfix/virtual");
	ASSERT_GET(m, "virtual_alias_domains", "hash:/etc/postfix/virtual");
	ASSERT_GET(m, "virtual_mailbox_domains", "hash:/etc/postfix/vmailbox");
	CU_ASSERT_STRING_EQUAL(maincf_default("virtual_transport"), "virtual");
	CU_ASSERT_STRING_EQUAL(maincf_default("virtual_alias_recursion_limit"), "1000");
	CU_ASSERT_PTR_NULL(maincf_default("no_such_parameter"));
	maincf_free(&m);
}

static void test_host_defaults(void)
{
	char host[256] = "";
	CU_ASSERT_EQUAL_FATAL(gethostname(host, sizeof host - 1), 0);
	char want_host[300], want_dom[300];
	if (strchr(host, '.'))
		snprintf(want_host, sizeof want_host, "%s", host);
	else
		snprintf(want_host, sizeof want_host, "%s.localdomain", host);
	snprintf(want_dom, sizeof want_dom, "%s", strchr(want_host, '.') + 1);
	CU_ASSERT_STRING_EQUAL(maincf_default("myhostname"), want_host);
	CU_ASSERT_STRING_EQUAL(maincf_default("mydomain"), want_dom);
	struct maincf *m = parse_str("# empty\n", NULL);
	ASSERT_GET(m, "myhostname", want_host);
	char exp[700];
	snprintf(exp, sizeof exp, "%s, localhost.%s, localhost", want_host, want_dom);
	ASSERT_GET(m, "mydestination", exp);
	maincf_free(&m);

	/* A set mydomain completes a dotless host name (check_myhostname). */
	m = parse_str("mydomain = example.org\n", NULL);
	if (!strchr(host, '.')) {
		snprintf(exp, sizeof exp, "%s.example.org", host);
		ASSERT_GET(m, "myhostname", exp);
	}
	ASSERT_GET(m, "mydomain", "example.org");
	maincf_free(&m);
	/* A set myhostname decides mydomain. */
	m = parse_str("myhostname = a.b.example\n", NULL);
	ASSERT_GET(m, "mydomain", "b.example");
	maincf_free(&m);
	m = parse_str("myhostname = dotless\n", NULL);
	ASSERT_GET(m, "mydomain", "localdomain");
	maincf_free(&m);
}

static void test_loops(void)
{
	struct maincf *m = parse_str("a = <$b>\n"
				     "b = ($a)\n"
				     "self = x $self y\n"
				     "c = $a/$a\n"
				     "myhostname = $mydomain\n"
				     "mydomain = x.$myhostname\n", NULL);
	ASSERT_GET(m, "a", "<()>");
	ASSERT_GET(m, "b", "(<>)");
	ASSERT_GET(m, "self", "x  y");
	ASSERT_GET(m, "c", "<()>/<()>");
	bool loop = false;
	char *v = maincf_expand(m, "$self", &loop);
	CU_ASSERT_TRUE(loop);
	free(v);
	loop = true;
	v = maincf_expand(m, "$c", &loop);
	CU_ASSERT_TRUE(loop);
	free(v);
	v = maincf_expand(m, "$$self $virtual_transport", &loop);
	CU_ASSERT_FALSE(loop);
	CU_ASSERT_STRING_EQUAL(v, "$self virtual");
	free(v);
	v = maincf_get(m, "mydestination");   /* terminates */
	CU_ASSERT_PTR_NOT_NULL(v);
	free(v);
	maincf_free(&m);

	/* A long chain is fine (no false loop), a deep one is cut. */
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 50; i++)
		sb_addf(&sb, "p%d = $p%d.\n", i, i + 1);
	sb_adds(&sb, "p50 = end\n");
	m = parse_str(sb_str(&sb), NULL);
	v = maincf_expand(m, "$p0", &loop);
	CU_ASSERT_FALSE(loop);
	CU_ASSERT_EQUAL(strlen(v), 3 + 50);
	free(v);
	maincf_free(&m);
	sb_free(&sb);
}

static void test_split_list(void)
{
	size_t n;
	char **l = maincf_split_list("  a, b\tc,,d\n e ,", &n);
	CU_ASSERT_EQUAL_FATAL(n, 5);
	const char *want[] = { "a", "b", "c", "d", "e" };
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_STRING_EQUAL(l[i], want[i]);
	CU_ASSERT_PTR_NULL(l[n]);
	maincf_list_free(l);

	l = maincf_split_list("inline:{ a.example=ok, b.example = ok }, hash:/etc/x "
			      "pcre:{{/^a@/ b}, {/c d/ e}},texthash:/y", &n);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT_STRING_EQUAL(l[0], "inline:{ a.example=ok, b.example = ok }");
	CU_ASSERT_STRING_EQUAL(l[1], "hash:/etc/x");
	CU_ASSERT_STRING_EQUAL(l[2], "pcre:{{/^a@/ b}, {/c d/ e}}");
	CU_ASSERT_STRING_EQUAL(l[3], "texthash:/y");
	maincf_list_free(l);

	l = maincf_split_list("", &n);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_PTR_NULL(l[0]);
	maincf_list_free(l);
	l = maincf_split_list(" ,\t, ", NULL);
	CU_ASSERT_PTR_NULL(l[0]);
	maincf_list_free(l);
	/* An unclosed brace swallows the rest, as mystrtokq does. */
	l = maincf_split_list("x, inline:{ a=b, c", &n);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_STRING_EQUAL(l[1], "inline:{ a=b, c");
	maincf_list_free(l);
	maincf_list_free(NULL);
}

static void test_set(void)
{
	const char *orig = "# head\n"
			   "virtual_mailbox_domains = a.example\n"
			   "other = keep   me\n"
			   "virtual_mailbox_domains = a.example,\n"
			   "    b.example\n"
			   "# note inside the value\n"
			   "\n"
			   "\tc.example\n"
			   "# tail\n"
			   "last = x";
	struct maincf *m = parse_str(orig, NULL);
	/* words replaced, removed or added: on the definition's own lines */
	maincf_set(m, "virtual_mailbox_domains", "a.example, b.example, d.example");
	ASSERT_RENDER(m, "# head\n"
			 "virtual_mailbox_domains = a.example\n"
			 "other = keep   me\n"
			 "virtual_mailbox_domains = a.example,\n"
			 "    b.example\n"
			 "# note inside the value\n"
			 "\n"
			 "\td.example\n"
			 "# tail\n"
			 "last = x");
	maincf_set(m, "virtual_mailbox_domains", "z.example, a.example, b.example, d.example");
	maincf_set(m, "virtual_mailbox_domains", "z.example, a.example, d.example");
	ASSERT_RENDER(m, "# head\n"
			 "virtual_mailbox_domains = a.example\n"
			 "other = keep   me\n"
			 "virtual_mailbox_domains = z.example, a.example,\n"
			 "# note inside the value\n"
			 "\n"
			 "\td.example\n"
			 "# tail\n"
			 "last = x");
	/* any other value (every word new): on one line */
	maincf_set(m, "virtual_mailbox_domains", "x.example");
	maincf_set(m, "virtual_mailbox_domains", "a.example, b.example, d.example");
	ASSERT_RENDER(m, "# head\n"
			 "virtual_mailbox_domains = a.example\n"
			 "other = keep   me\n"
			 "virtual_mailbox_domains = a.example, b.example, d.example\n"
			 "# note inside the value\n"
			 "\n"
			 "# tail\n"
			 "last = x");
	unsigned line;
	CU_ASSERT_STRING_EQUAL(maincf_raw(m, "virtual_mailbox_domains", &line),
			       "a.example, b.example, d.example");
	CU_ASSERT_EQUAL(line, 4);
	CU_ASSERT_TRUE(doc_dirty(maincf_doc(m)));
	/* Append: the last line gets its newline, the new one follows. */
	maincf_set(m, "virtual_alias_maps", "hash:/etc/postfix/virtual_alias");
	maincf_set(m, "empty_one", "   ");
	ASSERT_RENDER(m, "# head\n"
			 "virtual_mailbox_domains = a.example\n"
			 "other = keep   me\n"
			 "virtual_mailbox_domains = a.example, b.example, d.example\n"
			 "# note inside the value\n"
			 "\n"
			 "# tail\n"
			 "last = x\n"
			 "virtual_alias_maps = hash:/etc/postfix/virtual_alias\n"
			 "empty_one =\n");
	CU_ASSERT_STRING_EQUAL(maincf_raw(m, "empty_one", NULL), "");
	/* Unset removes every definition, keeps comments. */
	CU_ASSERT_TRUE(maincf_unset(m, "virtual_mailbox_domains"));
	CU_ASSERT_FALSE(maincf_unset(m, "virtual_mailbox_domains"));
	ASSERT_RENDER(m, "# head\n"
			 "other = keep   me\n"
			 "# note inside the value\n"
			 "\n"
			 "# tail\n"
			 "last = x\n"
			 "virtual_alias_maps = hash:/etc/postfix/virtual_alias\n"
			 "empty_one =\n");
	maincf_free(&m);

	/* CRLF file: the replaced line keeps CRLF, an appended one gets it. */
	m = parse_str("a = 1\r\nb = 2\r\n  3\r\nc = 4\r\n", NULL);
	maincf_set(m, "b", "5");
	maincf_set(m, "d", "6");
	ASSERT_RENDER(m, "a = 1\r\nb = 5\r\nc = 4\r\nd = 6\r\n");
	maincf_free(&m);

	/* Setting the same value through a round of parse gives the same file. */
	m = parse_str("x = 1\n", NULL);
	maincf_set(m, "x", "1");
	ASSERT_RENDER(m, "x = 1\n");
	maincf_free(&m);
}

/* The corpus files edited: only the set line changes. */
/* Items appended in the definition's own style (proxy_read_maps): after
 * ", " in a comma list, a space in a space list, each on a continuation
 * line of its own in a continued one; comments inside kept; no
 * definition, a new line. */
static void test_append_items(void)
{
	char *two[] = { "$virtual_mailbox_maps", "$virtual_mailbox_domains" };
	struct maincf *m = parse_str("proxy_read_maps = $local_recipient_maps,$mydestination\n", NULL);
	maincf_append_items(m, "proxy_read_maps", two, 2);
	ASSERT_RENDER(m, "proxy_read_maps = $local_recipient_maps,$mydestination, $virtual_mailbox_maps, "
			 "$virtual_mailbox_domains\n");
	maincf_free(&m);
	m = parse_str("proxy_read_maps = $a $b  \nx = 1\n", NULL);
	maincf_append_items(m, "proxy_read_maps", two, 1);
	ASSERT_RENDER(m, "proxy_read_maps = $a $b $virtual_mailbox_maps\nx = 1\n");
	maincf_free(&m);
	m = parse_str("proxy_read_maps = $a, $b,\n", NULL);
	maincf_append_items(m, "proxy_read_maps", two, 1);
	ASSERT_RENDER(m, "proxy_read_maps = $a, $b, $virtual_mailbox_maps\n");
	maincf_free(&m);
	m = parse_str("proxy_read_maps = $a,\n    $b\n# inside\n\tinline:{ k=v, w=z }\nx = 1\n", NULL);
	maincf_append_items(m, "proxy_read_maps", two, 2);
	ASSERT_RENDER(m, "proxy_read_maps = $a,\n    $b\n# inside\n\tinline:{ k=v, w=z },\n"
			 "\t$virtual_mailbox_maps,\n\t$virtual_mailbox_domains\nx = 1\n");
	CU_ASSERT_STRING_EQUAL(maincf_raw(m, "x", NULL), "1");
	maincf_free(&m);
	m = parse_str("proxy_read_maps = $a\n  inline:{ k=v, w=z }\n", NULL);
	maincf_append_items(m, "proxy_read_maps", two, 1);
	ASSERT_RENDER(m, "proxy_read_maps = $a\n  inline:{ k=v, w=z }\n  $virtual_mailbox_maps\n");
	maincf_free(&m);
	m = parse_str("a = 1\n", NULL);
	maincf_append_items(m, "proxy_read_maps", two, 2);
	ASSERT_RENDER(m, "a = 1\nproxy_read_maps = $virtual_mailbox_maps $virtual_mailbox_domains\n");
	maincf_free(&m);
}

static void test_set_corpus_line_exact(void)
{
	size_t len;
	char *bytes = golden_read(cu_fixture("maincf/debian12-course.cf"), &len);
	CU_ASSERT_FATAL(bytes != NULL);
	struct maincf *m = parse_str(bytes, NULL);
	unsigned line;
	maincf_raw(m, "virtual_mailbox_domains", &line);
	CU_ASSERT_FATAL(line > 0);
	maincf_set(m, "virtual_mailbox_domains", "andromed.cloud, ascent.cloud, new.example");
	char *out = golden_render(maincf_doc(m));
	/* Compare line by line: all equal but the edited one. */
	const char *a = bytes, *b = out;
	unsigned ln = 1, diffs = 0;
	while (*a || *b) {
		size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
		if (la != lb || memcmp(a, b, la) != 0) {
			diffs++;
			CU_ASSERT_EQUAL(ln, line);
		}
		a += la + (a[la] == '\n');
		b += lb + (b[lb] == '\n');
		ln++;
	}
	CU_ASSERT_EQUAL(diffs, 1);
	ASSERT_GET(m, "virtual_mailbox_domains", "andromed.cloud, ascent.cloud, new.example");
	free(out);
	free(bytes);
	maincf_free(&m);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "corpus: golden + round trip", test_corpus },
		{ "last wins, continuation joining", test_last_wins_and_continuation },
		{ "malformed lines all reported", test_malformed_all_reported },
		{ "expansion forms and defaults", test_expand },
		{ "myhostname/mydomain defaults", test_host_defaults },
		{ "expansion loops", test_loops },
		{ "list splitting with inline maps", test_split_list },
		{ "set/append/unset keep other lines", test_set },
		{ "set on a corpus file is line-exact", test_set_corpus_line_exact },
		{ "items appended in the list's own style", test_append_items },
		CU_TEST_INFO_NULL,
	};
	return cu_run("maincf", tests);
}
