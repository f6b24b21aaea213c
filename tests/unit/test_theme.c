/* Theme parsing: the compiled-in default, every shipped theme, errors with
 * file:line, the fall-back to the default, and the 256 → 16 → 8 reduction. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cu.h"
#include "vmailadm/theme.h"

static void test_default(void)
{
	struct theme t;
	theme_default(&t);
	CU_ASSERT_STRING_EQUAL(t.name, "default");
	CU_ASSERT_FALSE(t.mono);
	/* values from themes/default.yaml: selection { fg: black, bg: 81, attrs: [bold],
	 * mono: [reverse, bold] } */
	CU_ASSERT_EQUAL(t.role[ROLE_SELECTION].fg, 0);
	CU_ASSERT_EQUAL(t.role[ROLE_SELECTION].bg, 81);
	CU_ASSERT_EQUAL(t.role[ROLE_SELECTION].attrs, THEME_BOLD);
	CU_ASSERT_EQUAL(t.role[ROLE_SELECTION].mono, THEME_REVERSE | THEME_BOLD);
	CU_ASSERT_EQUAL(t.role[ROLE_HEADER].fg, 15);   /* bright-white */
	CU_ASSERT_EQUAL(t.role[ROLE_NORMAL].fg, THEME_COLOR_DEFAULT);
	theme_free(&t);
}

static void test_shipped(void)
{
	static const char *const names[] = { "default", "dark", "light", "mono" };
	char dir[4096];
	const char *top = getenv("top_srcdir");
	snprintf(dir, sizeof dir, "%s/themes", top ? top : ".");
	for (size_t i = 0; i < 4; i++) {
		struct theme t;
		struct diags d = DIAGS_INIT;
		int rc = theme_load(names[i], dir, &t, &d);
		if (rc != 0 || d.n)
			fprintf(stderr, "theme %s: %s\n", names[i], d.n ? d.v[0].msg : "?");
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT_EQUAL(d.n, 0);
		if (i == 3)
			CU_ASSERT_TRUE(t.mono);
		if (i == 1)   /* dark sets its own background */
			CU_ASSERT_EQUAL(t.role[ROLE_NORMAL].bg, 234);
		diags_free(&d);
		theme_free(&t);
	}
}

static void test_partial_override(void)
{
	struct theme t;
	struct diags d = DIAGS_INIT;
	theme_default(&t);
	const char *txt = "roles:\n  new_mail: { fg: bright-red, attrs: [underline, bold] }\n";
	CU_ASSERT_EQUAL(theme_parse("x.yaml", txt, strlen(txt), &t, &d), 0);
	CU_ASSERT_EQUAL(t.role[ROLE_NEW_MAIL].fg, 9);
	CU_ASSERT_EQUAL(t.role[ROLE_NEW_MAIL].attrs, THEME_UNDERLINE | THEME_BOLD);
	CU_ASSERT_EQUAL(t.role[ROLE_SELECTION].bg, 81);   /* untouched */
	diags_free(&d);
	theme_free(&t);
}

/* Each bad file: the error names the file and the line of the problem, and
 * the theme stays as it was. */
static void test_errors(void)
{
	static const struct {
		const char *text;
		unsigned line;
		const char *needle;
	} cases[] = {
		{ "roles:\n  selection: { fg: purpleish }\n", 2, "purpleish" },
		{ "roles:\n  selection: { fg: 300 }\n", 2, "300" },
		{ "roles:\n  header: { fg: red }\n  nosuchrole: { fg: red }\n", 3, "nosuchrole" },
		{ "roles:\n  header: { fg: red, attrs: [bold, wobbly] }\n", 2, "wobbly" },
		{ "roles:\n  header: { colour: red }\n", 2, "colour" },
		{ "colours: {}\n", 1, "colours" },
		{ "roles: [a, b\n", 2, "YAML" },
		{ "mono: maybe\n", 1, "mono" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct theme t;
		struct diags d = DIAGS_INIT;
		theme_default(&t);
		CU_ASSERT_EQUAL(theme_parse("bad.yaml", cases[i].text, strlen(cases[i].text), &t, &d),
				-1);
		CU_ASSERT_TRUE(d.n >= 1);
		if (d.n) {
			CU_ASSERT_STRING_EQUAL(d.v[0].file, "bad.yaml");
			CU_ASSERT_EQUAL(d.v[0].line, cases[i].line);
			if (!strstr(d.v[0].msg, cases[i].needle) || d.v[0].line != cases[i].line)
				fprintf(stderr, "case %zu: line %u: %s\n", i, d.v[0].line, d.v[0].msg);
			CU_ASSERT_PTR_NOT_NULL(strstr(d.v[0].msg, cases[i].needle));
		}
		CU_ASSERT_EQUAL(t.role[ROLE_HEADER].fg, 15);   /* unchanged */
		diags_free(&d);
		theme_free(&t);
	}
}

static void test_load_fallback(void)
{
	struct theme t;
	struct diags d = DIAGS_INIT;
	CU_ASSERT_EQUAL(theme_load("/nonexistent/x.yaml", NULL, &t, &d), -1);
	CU_ASSERT_STRING_EQUAL(t.name, "default");
	CU_ASSERT_EQUAL(t.role[ROLE_SELECTION].bg, 81);
	CU_ASSERT_TRUE(d.n >= 1);
	diags_free(&d);
	theme_free(&t);

	CU_ASSERT_EQUAL(theme_load("nosuchtheme", "/nonexistent", &t, &d), -1);
	CU_ASSERT_STRING_EQUAL(t.name, "default");
	diags_free(&d);
	theme_free(&t);

	CU_ASSERT_EQUAL(theme_load(NULL, NULL, &t, &d), 0);
	CU_ASSERT_STRING_EQUAL(t.name, "default");
	theme_free(&t);
}

static void test_reduce(void)
{
	CU_ASSERT_EQUAL(theme_color_reduce(THEME_COLOR_DEFAULT, 8), THEME_COLOR_DEFAULT);
	CU_ASSERT_EQUAL(theme_color_reduce(196, 256), 196);
	CU_ASSERT_EQUAL(theme_color_reduce(196, 16), 9);     /* pure red → bright red */
	CU_ASSERT_EQUAL(theme_color_reduce(196, 8), 1);      /* → red */
	CU_ASSERT_EQUAL(theme_color_reduce(21, 16), 4);      /* pure blue → blue (0,0,238) */
	CU_ASSERT_EQUAL(theme_color_reduce(232, 16), 0);     /* darkest grey → black */
	CU_ASSERT_EQUAL(theme_color_reduce(255, 16), 7);     /* grey 238 → white (229) */
	CU_ASSERT_EQUAL(theme_color_reduce(28, 16), 2);      /* dark green → green */
	CU_ASSERT_EQUAL(theme_color_reduce(12, 8), 4);       /* bright blue → blue */
	CU_ASSERT_EQUAL(theme_color_reduce(3, 8), 3);
	for (short c = 0; c < 256; c++) {
		CU_ASSERT(theme_color_reduce(c, 16) < 16);
		CU_ASSERT(theme_color_reduce(c, 8) < 8);
	}
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "compiled-in default", test_default },
		{ "shipped themes parse", test_shipped },
		{ "partial override", test_partial_override },
		{ "errors name file:line", test_errors },
		{ "load falls back to default", test_load_fallback },
		{ "256 -> 16 -> 8 colours", test_reduce },
		CU_TEST_INFO_NULL,
	};
	return cu_run("theme", tests);
}
