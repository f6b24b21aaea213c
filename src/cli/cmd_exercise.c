/* `vmailadm exercise [N|reset [N]]`: the course's exercises, each step
 * checked against the real state (src/exercise). Runs on the demo tree by
 * default (made on first use); on any other tree it asks first. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmailadm/cli.h"
#include "vmailadm/config.h"
#include "vmailadm/demo.h"
#include "vmailadm/diag.h"
#include "vmailadm/exercise.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

/* $XDG_DATA_HOME/vmailadm/exercises, else ~/.local/share/...; NULL when
 * neither is known. */
static char *default_tree(void)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	if (xdg && *xdg == '/')
		return xasprintf("%s/vmailadm/exercises", xdg);
	const char *home = getenv("HOME");
	if (home && *home == '/')
		return xasprintf("%s/.local/share/vmailadm/exercises", home);
	return NULL;
}

static int mkdir_p(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	free(p);
	return 0;
}

/* Point cli at the default demo tree when no configuration was named,
 * making it first if needed. -1 when it cannot be made. */
static int use_default_tree(struct cli *cli, char **owned)
{
	if (cli->config_path || getenv("VMAILADM_CONFIG"))
		return 0;
	char *dir = default_tree();
	if (!dir) {
		fprintf(stderr, _("%s: exercise: neither $XDG_DATA_HOME nor $HOME is set; name a tree with --config\n"),
			cli->prog);
		return -1;
	}
	char *yaml = xasprintf("%s/vmailadm.yaml", dir);
	struct stat st;
	if (stat(yaml, &st) < 0) {
		struct diags d = DIAGS_INIT;
		struct demo_summary sum;
		if (mkdir_p(dir) < 0 || demo_create(dir, false, &sum, &d) < 0) {
			diags_print(&d, stderr);
			diags_free(&d);
			fprintf(stderr, _("%s: exercise: cannot make the demo tree %s\n"), cli->prog, dir);
			free(dir);
			free(yaml);
			return -1;
		}
		diags_free(&d);
		fprintf(stderr, _("Demo tree for the exercises created in %s\n"), sum.dir);
		demo_summary_free(&sum);
	}
	free(dir);
	cli->config_path = *owned = yaml;
	return 0;
}

/* On a tree that is not a demo, ask before anything runs. */
static bool allowed(struct cli *cli, struct config *cfg, bool yes)
{
	if (yes || exercise_tree_is_demo(cfg))
		return true;
	const char *name = cfg->file ? cfg->file : _("the built-in defaults (/etc/postfix)");
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, _("%s: exercise: %s is not a demo tree; add --yes to run the exercises on it\n"),
			cli->prog, name);
		return false;
	}
	fprintf(stderr, _("%s is not a demo tree: the exercises will query its servers and keep their\n"
			  "progress in %s. Continue? [y/N] "), name, cfg->state_dir);
	fflush(stderr);
	char line[16];
	if (!fgets(line, sizeof line, stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y' || line[0] == 'o' || line[0] == 'O';
}

static json_t *exercise_json(const struct exercise *x, const struct exercise_result *r)
{
	json_t *steps = json_array();
	for (size_t i = 0; i < x->nsteps; i++)
		json_array_append_new(steps, json_pack("{s:s, s:s, s:s, s:s}", "id", x->steps[i].id,
						       "title", _(x->steps[i].title), "state",
						       exercise_state_name(r[i].state), "why",
						       r[i].why ? r[i].why : ""));
	return json_pack("{s:i, s:s, s:o}", "exercise", x->number, "title", _(x->title), "steps",
			 steps);
}

static const char *state_label(enum exercise_state s)
{
	switch (s) {
	case EXERCISE_DONE: return _("done");
	case EXERCISE_SKIPPED: return _("skipped");
	default: return _("todo");
	}
}

/* A line of the list: the titles padded to the widest one's columns (not
 * bytes: "Première boîte virtuelle"), then the steps done. */
static void exercise_list_line(const struct exercise *x, size_t done)
{
	size_t tw = 0;
	for (int n = 1; n <= (int)exercise_count(); n++) {
		size_t c = utf8_columns(_(exercise_get(n)->title));
		if (c > tw)
			tw = c;
	}
	const char *t = _(x->title);
	printf("  %d  %s%*s %zu/%zu\n", x->number, t, (int)(tw - utf8_columns(t)), "", done,
	       x->nsteps);
}

static void exercise_print(const struct exercise *x, const struct exercise_result *r, size_t done)
{
	printf(_("Exercise %d: %s\n"), x->number, _(x->title));
	printf("%s\n\n", _(x->goal));
	for (size_t i = 0; i < x->nsteps; i++) {
		printf("  [%s] %zu. %s\n", state_label(r[i].state), i + 1, _(x->steps[i].title));
		if (r[i].why && *r[i].why)
			printf("        %s\n", r[i].why);
	}
	/* The count done rules the plural (French "1 étape faite sur 6"). */
	printf(ngettext("\n%zu of %zu steps done\n", "\n%zu of %zu steps done\n", done), done,
	       x->nsteps);
}

static int run(struct cli *cli, struct config *cfg, int number, bool json)
{
	struct diags d = DIAGS_INIT;
	cli_recover_read(cli);
	struct world *w = NULL;
	int rc = world_load(cfg, &w, &d);
	diags_free(&d); /* the files' own problems are lint's to report */
	if (rc < 0) {
		fprintf(stderr, _("%s: exercise: cannot read %s/main.cf\n"), cli->prog, config_postfix_conf_dir(cfg));
		return EXIT_USAGE;
	}
	struct exercise_env *e = exercise_env_create(cfg, w, true);
	json_t *all = json ? json_array() : NULL;
	bool complete = true;
	int first = number ? number : 1, last = number ? number : (int)exercise_count();
	for (int n = first; n <= last; n++) {
		const struct exercise *x = exercise_get(n);
		struct exercise_result *res = xcalloc(x->nsteps, sizeof *res);
		size_t done = exercise_check(e, x, res, &d);
		complete = complete && done == x->nsteps;
		if (json)
			json_array_append_new(all, exercise_json(x, res));
		else if (number)
			exercise_print(x, res, done);
		else
			exercise_list_line(x, done);
		exercise_results_free(res, x->nsteps);
		free(res);
	}
	diags_print(&d, stderr);
	diags_free(&d);
	if (json) {
		if (number) {
			json_t *one = json_incref(json_array_get(all, 0));
			json_decref(all);
			cli_json_print(one);
		} else
			cli_json_print(json_pack("{s:o}", "exercises", all));
	}
	exercise_env_free(&e);
	world_free(&w);
	return complete ? EXIT_OK : EXIT_PROBLEMS;
}

static int parse_number(struct cli *cli, const char *s, int *out)
{
	char *end;
	long n = strtol(s, &end, 10);
	if (*end || n < 1 || n > (long)exercise_count())
		return cli_usage_error(cli, _("no exercise '%s' (1 to %zu)"), s,
				       exercise_count());
	*out = (int)n;
	return 0;
}

int cmd_exercise(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "yes", no_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_args a;
	if (cli_parse(cli, argc, argv, "y", opts, &a))
		return EXIT_USAGE;
	bool json = cli_json_wanted(cli, &a), yes = cli_arg(&a, "yes") != NULL, reset = false;
	int number = 0, rc;
	for (int i = 0; i < a.nops; i++) {
		const char *w = a.ops[i];
		if (strcmp(w, "reset") == 0 && !reset && !number)
			reset = true;
		else if (!number) {
			if ((rc = parse_number(cli, w, &number)))
				return rc;
		} else
			return cli_usage_error(cli, _("unexpected argument '%s'"), w);
	}
	/* Kept until exit: cli->config_path points to it. */
	static char *owned;
	if (use_default_tree(cli, &owned) < 0)
		return EXIT_USAGE;
	struct config *cfg = cli_config(cli);
	if (!allowed(cli, cfg, yes)) {
		rc = EXIT_USAGE;
	} else if (reset) {
		struct diags d = DIAGS_INIT;
		rc = exercise_progress_reset(cfg, number, &d) < 0 ? EXIT_USAGE : EXIT_OK;
		diags_print(&d, stderr);
		diags_free(&d);
		if (rc == EXIT_OK && number)
			printf(_("Progress of exercise %d forgotten; steps still true on disk stay done.\n"), number);
		else if (rc == EXIT_OK)
			printf(_("Progress of every exercise forgotten; steps still true on disk stay done.\n"));
	} else
		rc = run(cli, cfg, number, json);
	return rc;
}
