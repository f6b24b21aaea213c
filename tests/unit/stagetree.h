/* The fixture of the stage and commit unit tests (test_stage.c,
 * test_commit.c): a demo tree made in a temporary directory, with postmap
 * a small script that copies the source (so that no Postfix is needed), and
 * helpers to stage, commit and look at the files. Included by one test
 * program each: its definitions are the program's own. */
#ifndef VMAILADM_TESTS_STAGETREE_H
#define VMAILADM_TESTS_STAGETREE_H
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cu.h"
#include "vmailadm/commit.h"
#include "vmailadm/config.h"
#include "vmailadm/demo.h"
#include "vmailadm/model.h"
#include "vmailadm/op.h"
#include "vmailadm/sha256.h"
#include "vmailadm/stage.h"
#include "vmailadm/xalloc.h"

/* Each program uses its part of the helpers. */
#define STAGETREE_UNUSED __attribute__((unused))

/* ---- fixture ------------------------------------------------------------ */

static char top[256];       /* the temporary directory */
static char demo[300];      /* top/demo */
static struct config *cfg;

static STAGETREE_UNUSED char *P(const char *rel)
{
	static char buf[4][1024];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", demo, rel);
	return buf[k];
}

static STAGETREE_UNUSED char *slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	if (!fp)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		sb_add(&sb, buf, n);
	fclose(fp);
	return sb_detach(&sb);
}

static STAGETREE_UNUSED void spit(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs(text, fp);
	fclose(fp);
}

/* Replace the first line starting with `key` in file (append when absent). */
static STAGETREE_UNUSED void set_line(const char *path, const char *key, const char *line)
{
	char *t = slurp(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	struct strbuf out = STRBUF_INIT;
	bool done = false;
	for (char *p = t; *p;) {
		char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
		if (!done && strncmp(p, key, strlen(key)) == 0) {
			sb_addf(&out, "%s\n", line);
			done = true;
		} else {
			sb_add(&out, p, len);
		}
		p += len;
	}
	if (!done)
		sb_addf(&out, "%s\n", line);
	spit(path, out.buf);
	sb_free(&out);
	free(t);
}

static STAGETREE_UNUSED bool contains(const char *path, const char *text)
{
	char *t = slurp(path);
	bool yes = t && strstr(t, text);
	if (getenv("TEST_STAGE_DEBUG") && !yes)
		fprintf(stderr, "\n--- %s has no '%s':\n%s\n", path, text, t ? t : "(missing)");
	free(t);
	return yes;
}

/* Is there a line "KEY<spaces>VALUE" (a table entry; VALUE NULL: any)? */
static STAGETREE_UNUSED bool has_entry(const char *path, const char *key, const char *value)
{
	char *t = slurp(path);
	bool yes = false;
	for (char *line = t; line && *line && !yes;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		size_t k = strlen(key);
		if (strncmp(line, key, k) == 0 && (line[k] == ' ' || line[k] == '\t' || line[k] == ':')) {
			const char *v = line + k + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			yes = !value || strcmp(v, value) == 0;
		}
		line = nl ? nl + 1 : NULL;
	}
	if (getenv("TEST_STAGE_DEBUG") && !yes)
		fprintf(stderr, "\n--- %s has no entry '%s' '%s'\n", path, key, value ? value : "*");
	free(t);
	return yes;
}

static STAGETREE_UNUSED bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static STAGETREE_UNUSED int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static STAGETREE_UNUSED void write_script(const char *path, const char *body)
{
	spit(path, body);
	chmod(path, 0755);
}

/* The fake postmap's -q - (the commit asks every map it installs for the
 * keys that changed): KEY<TAB>VALUE for each key on stdin found in the
 * copy, as postmap and postalias print them; exit 1 when none is. */
#define FAKE_QUERY \
	"case \" $* \" in *\" -q \"*) exec awk 'NR == FNR { want[$0] = 1; next }\n" \
	"  /^[ \\t#]/ || NF == 0 { next }\n" \
	"  { k = tolower($1); sub(/:$/, \"\", k) }\n" \
	"  (k in want) && !(k in seen) { seen[k] = 1; v = $0; sub(/^[^ \\t]+[ \\t]+/, \"\", v); print k \"\\t\" v; n++ }\n" \
	"  END { exit n ? 0 : 1 }' - \"$f.db\";; esac\n"

/* A fresh demo tree and its configuration, with a fake postmap/postalias
 * that copies TYPE:FILE to FILE.db (so the rename of the built map shows). */
static STAGETREE_UNUSED void setup(void)
{
	snprintf(top, sizeof top, "/tmp/vmailadm-test-stage.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(top));
	snprintf(demo, sizeof demo, "%s/demo", top);
	struct diags d = DIAGS_INIT;
	struct demo_summary sum;
	CU_ASSERT_EQUAL_FATAL(demo_create(demo, false, &sum, &d), 0);
	demo_summary_free(&sum);
	char script[512];
	snprintf(script, sizeof script, "%s/fake-postmap", top);
	write_script(script, "#!/bin/sh\n"
			     "for a; do last=$a; done\n"
			     "f=${last#*:}\n"
			     "echo \"$@\" >>\"$(dirname \"$0\")/postmap.log\"\n"
			     FAKE_QUERY
			     "cp \"$f\" \"$f.db\"\n");
	CU_ASSERT_EQUAL_FATAL(config_load(P("vmailadm.yaml"), &cfg, &d), 0);
	free(cfg->postmap);
	cfg->postmap = xstrdup(script);
	free(cfg->postalias);
	cfg->postalias = xstrdup(script);
	diags_free(&d);
}

static STAGETREE_UNUSED void teardown(void)
{
	config_free(&cfg);
	nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Stage one command line; returns 0 or -1 and leaves the first message in
 * msg (a static buffer, "" when none). */
static char msg[1024];

static STAGETREE_UNUSED int push(struct stage *s, const char *line)
{
	struct diags d = DIAGS_INIT;
	int argc;
	msg[0] = '\0';
	char **w = op_split_words(line, &argc, NULL, 0, &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	struct op *op = op_from_words(argc, w, NULL, 0, &d);
	op_words_free(w);
	int rc = op ? stage_push(s, op, &d) : -1;
	if (d.n)
		snprintf(msg, sizeof msg, "%s", d.v[0].msg);
	diags_free(&d);
	return rc;
}

static bool transient;   /* the second run: as the command line makes them */

static STAGETREE_UNUSED struct stage *stage_new(void)
{
	struct stage *s = stage_create(cfg);
	stage_set_transient(s, transient);
	struct diags d = DIAGS_INIT;
	CU_ASSERT_EQUAL(stage_load(s, &d), 0);
	diags_free(&d);
	return s;
}

static STAGETREE_UNUSED int commit(struct stage *s, struct commit_result *res)
{
	struct diags d = DIAGS_INIT;
	struct commit_opts o = { 0 };
	int rc = stage_commit(s, &o, res, &d);
	msg[0] = '\0';
	if (d.n)
		snprintf(msg, sizeof msg, "%s", d.v[0].msg);
	diags_free(&d);
	return rc;
}

/* Stage one line and commit it. */
static STAGETREE_UNUSED int run1(const char *line)
{
	struct stage *s = stage_new();
	int rc = push(s, line);
	if (rc == 0) {
		struct commit_result res;
		rc = commit(s, &res);
		commit_result_free(&res);
	}
	stage_free(&s);
	return rc;
}

static STAGETREE_UNUSED bool plan_has(const struct plan *p, enum action_kind kind, const char *path_part)
{
	for (size_t i = 0; i < p->nactions; i++)
		if (p->actions[i].kind == kind &&
		    (!path_part || (p->actions[i].path && strstr(p->actions[i].path, path_part))))
			return true;
	return false;
}

/* The world of the files as they are now. */
static STAGETREE_UNUSED struct world *load(void)
{
	struct world *w = NULL;
	struct diags d = DIAGS_INIT;
	CU_ASSERT_EQUAL(world_load(cfg, &w, &d), 0);
	diags_free(&d);
	return w;
}

/* Does the staged plan's diff hold text? TEST_STAGE_DEBUG=1 shows the diff
 * when it does not. */
static STAGETREE_UNUSED bool diff_has(struct stage *s, const char *text)
{
	struct strbuf diff = STRBUF_INIT;
	plan_diff(stage_plan(s), &diff);
	bool yes = strstr(diff.buf ? diff.buf : "", text) != NULL;
	if (!yes && getenv("TEST_STAGE_DEBUG"))
		fprintf(stderr, "\n--- no '%s' in:\n%s\n", text, diff.buf ? diff.buf : "");
	sb_free(&diff);
	return yes;
}

static STAGETREE_UNUSED bool notes_have(const struct plan *p, const char *text)
{
	for (size_t i = 0; i < p->nnotes; i++)
		if (strstr(p->notes[i], text))
			return true;
	return false;
}

#define HASH "{SHA512-CRYPT}$6$abcdefgh$0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuv"
#define VMB P("etc/postfix/vmailbox")
#define VAL P("etc/postfix/virtual_alias")
#define VDOM P("etc/postfix/virtual_domains")
#define USERS P("etc/dovecot/users")
#define MAINCF P("etc/postfix/main.cf")

#endif
