/* Inside src/exercise: which check a step runs, and the addresses the
 * course's exercises use (one place, read by the data and the checks). */
#ifndef VMAILADM_EXERCISE_INT_H
#define VMAILADM_EXERCISE_INT_H
#include "vmailadm/exercise.h"
#include "vmailadm/strbuf.h"

#define EX_DOMAIN1 "andromed.cloud"
#define EX_ALICE "alice@andromed.cloud"
#define EX_JOHN "johndoe@andromed.cloud"
#define EX_INFO "info@andromed.cloud"
#define EX_TEAM "team@andromed.cloud"
#define EX_BILLING "billing@andromed.cloud"
#define EX_DOMAIN3 "exemple.local"
#define EX_CONTACT3 "contact@exemple.local"
#define EX_ADMIN3 "admin@exemple.local"
#define EX_RANDOM3 "random@exemple.local"
#define EX_BOB "bob@andromed.cloud"

enum exercise_check {
	CK_ALICE_ENTRY, CK_ALICE_BUILT, CK_ALICE_PASSWORD, CK_ALICE_MAILDIR,
	CK_ALICE_DELIVERED, CK_ALICE_LOGIN,
	CK_INFO, CK_TEAM, CK_BILLING, CK_ALIASES_BUILT,
	CK_DOMAIN3, CK_CONTACT3, CK_ADMIN3, CK_CATCHALL3, CK_NOT_SWALLOWED3, CK_BUILT3,
	CK_BOB_CREATED, CK_BOB_MAIL, CK_BOB_REMOVED, CK_BOB_ARCHIVED,
};

/* check.c: run one step's check. */
enum exercise_state check_run(struct exercise_env *e, int number, int check,
				       struct strbuf *why);

/* probe.c: what the running servers and the built maps say. */
struct exercise_probe;
struct config;
struct world;
struct exercise_probe *probe_create(const struct config *cfg);
void probe_free(struct exercise_probe **pp);
/* postmap -q key on the map ref (TYPE:PATH): 1 found (value in *value,
 * allocated), 0 not found, -1 postmap could not run (reason in why). */
int probe_postmap(struct exercise_probe *p, const char *spec, const char *key, char **value,
		  struct strbuf *why);
/* Does a Postfix / Dovecot answer where the configured reload commands
 * point? false with the reason in why. */
bool probe_postfix(struct exercise_probe *p, struct strbuf *why);
bool probe_dovecot(struct exercise_probe *p, struct strbuf *why);
/* Did Dovecot's log record a successful login of user? 1 yes, 0 no, -1
 * the log cannot be read (why). */
int probe_login(struct exercise_probe *p, const char *user, struct strbuf *why);

/* progress.c: the facts a later step erases. */
struct exercise_progress;
struct exercise_progress *progress_load(const struct config *cfg);
void progress_free(struct exercise_progress **pp);
bool progress_has(const struct exercise_progress *p, int number, const char *fact);
/* Remember a fact (saved by progress_save when something changed). */
void progress_add(struct exercise_progress *p, int number, const char *fact);
int progress_save(struct exercise_progress *p, struct diags *d);

/* exercise.c: the env's parts, for check.c. */
const struct config *exercise_env_config(const struct exercise_env *e);
const struct world *exercise_env_world(const struct exercise_env *e);
struct tracer *exercise_env_tracer(struct exercise_env *e);
struct exercise_probe *exercise_env_probe(struct exercise_env *e);
struct exercise_progress *exercise_env_progress(struct exercise_env *e);

#endif
