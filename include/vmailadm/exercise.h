/* The course's four exercises (../shared/course, PARTIE 13) as data, and
 * the checks that tick their steps from the real state: the model, the
 * built maps (postmap -q), the passwd-file's hashes, the Maildirs, the
 * tracer, the running Postfix and Dovecot. A step done by hand the course's
 * way ticks exactly like one done through vmailadm; nothing typed is
 * trusted. No curses here: the CLI and the TUI pane share it. */
#ifndef VMAILADM_EXERCISE_H
#define VMAILADM_EXERCISE_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/diag.h"

struct config;
struct world;

enum exercise_state { EXERCISE_TODO, EXERCISE_DONE, EXERCISE_SKIPPED };

/* One step. Every text is an English msgid (N_()); front ends show _(). */
struct exercise_step {
	const char *id;        /* stable, for JSON and the progress file */
	const char *title;
	const char *hint;
	const char *manual;    /* the course's way: the nano edit, postmap, ... */
	const char *vmailadm;  /* the same through vmailadm */
	const char *wrong;     /* what the course gets wrong here and why, or NULL */
	int check;             /* private: which check reads the state */
};

struct exercise {
	int number;            /* 1..4 */
	const char *title;
	const char *goal;
	const struct exercise_step *steps;
	size_t nsteps;
};

size_t exercise_count(void);
/* Exercise 1..exercise_count(), else NULL. */
const struct exercise *exercise_get(int number);
/* "done", "todo", "skipped" (stable, not translated). */
const char *exercise_state_name(enum exercise_state s);

/* The result of one step's check: why is translated and always set (what
 * was seen when done, what is missing when todo, why it cannot be checked
 * when skipped). */
struct exercise_result {
	enum exercise_state state;
	char *why;
};

/* What the checks read. The world is borrowed (the TUI passes the one it
 * shows, reloaded after every commit and change on disk); cfg too. Checks
 * that ask a running server probe it once per env. record: the env may
 * write the progress file (state_dir/exercises) when a check sees a fact
 * a later step erases (exercise 4 removes the mailbox it created). */
struct exercise_env;
struct exercise_env *exercise_env_create(const struct config *cfg, const struct world *w,
					 bool record);
void exercise_env_free(struct exercise_env **ep);
/* Check every step of x; out has x->nsteps entries. Returns the number of
 * steps done. Problems writing the progress file go to d. */
size_t exercise_check(struct exercise_env *e, const struct exercise *x,
		      struct exercise_result *out, struct diags *d);
void exercise_results_free(struct exercise_result *r, size_t n);

/* A step's text (already translated) with the tree's own paths put in:
 * {postfix_dir}, {passwd_file}, {base} (virtual_mailbox_base), {archive_dir}.
 * w may be NULL ({base} stays then). Newly allocated. */
char *exercise_expand(const struct config *cfg, const struct world *w, const char *text);

/* Progress kept in state_dir/exercises: facts seen earlier that a later
 * step removes. Forget exercise number's (0: all); 0 or -1 with d. */
int exercise_progress_reset(const struct config *cfg, int number, struct diags *d);

/* Is cfg's tree a demo tree (its vmailadm.yaml sits beside the marker
 * `vmailadm demo` writes)? Exercises run there without asking. */
bool exercise_tree_is_demo(const struct config *cfg);

#endif
