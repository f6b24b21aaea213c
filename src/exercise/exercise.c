/* The course's four exercises as data (titles, hints, the course's manual
 * way beside the vmailadm way, what the course gets wrong), and the
 * environment their checks read. The wording follows PARTIE 13 of
 * ../shared/course; texts are English msgids, French in po/fr.po. Owns the
 * exercise list; the checks themselves are in check.c. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exercise_int.h"
#include "vmailadm/config.h"
#include "vmailadm/source.h"
#include "vmailadm/demo.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/trace.h"
#include "vmailadm/xalloc.h"

/* Reused notes: one text per thing the course gets wrong. */
#define WRONG_PLAIN N_("The course stores {PLAIN} passwords: anyone who can read the passwd-file reads every password. Store a hash ({SHA512-CRYPT}, doveadm pw -s SHA512-CRYPT); vmailadm always does.")
#define WRONG_RELOAD N_("The course reloads Postfix after postmap: not needed, Postfix notices a rebuilt table by itself. A reload is needed after a main.cf change.")
#define WRONG_CATCHALL N_("The course puts the catch-all in virtual_alias \"at the end\": in a hash table the order of lines does not matter, and a catch-all in virtual_alias swallows every mailbox of the domain (aliasing runs first). Put it in vmailbox (@exemple.local exemple.local/admin/), or give every mailbox an identity alias.")
#define WRONG_LIMIT N_("The course calls virtual_mailbox_limit a quota: for Maildir it only caps the size of one message file. A quota is Dovecot's (userdb_quota_rule, vmailadm mailbox quota).")
#define WRONG_RMRF N_("The course's remove script deletes the mail with an unquoted rm -rf and edits files with sed -i: one odd address and it deletes the wrong thing. Archive the maildir instead, after the maps stop naming it.")

static const struct exercise_step ex1[] = {
	{ "entry", N_("alice@andromed.cloud in the mailbox map"),
	  N_("Add the line \"alice@andromed.cloud andromed.cloud/alice/\" to vmailbox; the trailing / means Maildir."),
	  "nano {postfix_dir}/vmailbox\n  alice@andromed.cloud   andromed.cloud/alice/",
	  N_("vmailadm mailbox add alice@andromed.cloud\n(TUI: select andromed.cloud, a, then c to commit)"),
	  NULL, CK_ALICE_ENTRY },
	{ "built", N_("The .db rebuilt: postmap -q answers"),
	  N_("Postfix reads the .db, not the text: rebuild it, then ask it with postmap -q."),
	  "postmap -c {postfix_dir} hash:{postfix_dir}/vmailbox\npostmap -c {postfix_dir} -q alice@andromed.cloud hash:{postfix_dir}/vmailbox",
	  N_("Every vmailadm commit rebuilds the maps it changed."),
	  WRONG_RELOAD, CK_ALICE_BUILT },
	{ "password", N_("A hashed password in the passwd-file"),
	  N_("Add alice to the Dovecot passwd-file with a hash, never {PLAIN}."),
	  "doveadm pw -s SHA512-CRYPT\nnano {passwd_file}\n  alice@andromed.cloud:{SHA512-CRYPT}$6$...::::::",
	  N_("vmailadm mailbox add asks for the password and stores its hash\n(vmailadm mailbox passwd alice@andromed.cloud to change it)"),
	  WRONG_PLAIN, CK_ALICE_PASSWORD },
	{ "maildir", N_("The maildir, owned by vmail, mode 0700"),
	  N_("The maildir needs new/, cur/ and tmp/, owned by the vmail uid and gid of the configuration, mode 0700."),
	  "mkdir -p {base}/andromed.cloud/alice/{new,cur,tmp}\nchown -R vmail:vmail {base}/andromed.cloud/alice\nchmod -R 700 {base}/andromed.cloud/alice",
	  N_("vmailadm mailbox add creates it with the right owner and mode."),
	  NULL, CK_ALICE_MAILDIR },
	{ "delivered", N_("A test message delivered"),
	  N_("Send alice a message through the running Postfix; it lands in new/."),
	  "echo \"Bonjour Alice\" | mail -s Bienvenue alice@andromed.cloud\nls {base}/andromed.cloud/alice/new/",
	  N_("vmailadm stats alice@andromed.cloud counts it; the TUI shows it as new mail."),
	  NULL, CK_ALICE_DELIVERED },
	{ "login", N_("The login accepted by Dovecot"),
	  N_("Log in as alice with a mail client (IMAP): vmailadm reads the login in Dovecot's log. doveadm auth test leaves no trace there."),
	  "doveadm auth test alice@andromed.cloud PASSWORD\ncurl imap://127.0.0.1/ --user alice@andromed.cloud",
	  N_("Nothing to do in vmailadm: the login is Dovecot's."),
	  NULL, CK_ALICE_LOGIN },
};

static const struct exercise_step ex2[] = {
	{ "info", N_("info@ goes to alice"),
	  N_("One to one: info@andromed.cloud must end in alice's maildir, and nowhere else."),
	  "nano {postfix_dir}/virtual_alias\n  info@andromed.cloud   alice@andromed.cloud",
	  "vmailadm alias set info@andromed.cloud alice@andromed.cloud\nvmailadm trace info@andromed.cloud",
	  NULL, CK_INFO },
	{ "team", N_("team@ goes to alice and johndoe"),
	  N_("One to several: the targets are separated by commas."),
	  "nano {postfix_dir}/virtual_alias\n  team@andromed.cloud   alice@andromed.cloud, johndoe@andromed.cloud",
	  "vmailadm alias add team@andromed.cloud alice@andromed.cloud johndoe@andromed.cloud",
	  NULL, CK_TEAM },
	{ "billing", N_("billing@ goes to an external address"),
	  N_("To an address of a domain this server does not host: Postfix relays it."),
	  "nano {postfix_dir}/virtual_alias\n  billing@andromed.cloud   votre@email.com",
	  "vmailadm alias add billing@andromed.cloud votre@email.com",
	  NULL, CK_BILLING },
	{ "built", N_("The alias .db answers all three"),
	  N_("Rebuild virtual_alias, then each postmap -q gives the targets you wrote."),
	  "postmap -c {postfix_dir} hash:{postfix_dir}/virtual_alias\npostmap -c {postfix_dir} -q team@andromed.cloud hash:{postfix_dir}/virtual_alias",
	  N_("Every vmailadm commit rebuilds the maps it changed."),
	  WRONG_RELOAD, CK_ALIASES_BUILT },
};

static const struct exercise_step ex3[] = {
	{ "domain", N_("exemple.local is a mailbox domain"),
	  N_("Add exemple.local where virtual_mailbox_domains looks: here the virtual_domains table (a list in main.cf needs a reload)."),
	  "nano {postfix_dir}/virtual_domains\n  exemple.local   OK\npostmap -c {postfix_dir} hash:{postfix_dir}/virtual_domains",
	  N_("vmailadm domain add exemple.local\n(TUI: a in the domains pane)"),
	  N_("The course edits virtual_mailbox_domains in main.cf: that needs a reload, and the list then lives in two places. A hash table rebuilt by postmap is seen without one."),
	  CK_DOMAIN3 },
	{ "contact", N_("contact@exemple.local: entry, hash, maildir"),
	  N_("A mailbox as in exercise 1: the vmailbox entry, a hashed password, a maildir 0700 owned by vmail."),
	  "nano {postfix_dir}/vmailbox\n  contact@exemple.local   exemple.local/contact/\nnano {passwd_file}\nmkdir -p {base}/exemple.local/contact/{new,cur,tmp}",
	  "vmailadm mailbox add contact@exemple.local",
	  WRONG_PLAIN, CK_CONTACT3 },
	{ "admin", N_("admin@exemple.local: entry, hash, maildir"),
	  N_("The same for admin@exemple.local."),
	  "nano {postfix_dir}/vmailbox\n  admin@exemple.local   exemple.local/admin/\nnano {passwd_file}\nmkdir -p {base}/exemple.local/admin/{new,cur,tmp}",
	  "vmailadm mailbox add admin@exemple.local",
	  NULL, CK_ADMIN3 },
	{ "catchall", N_("A catch-all to admin"),
	  N_("Any unknown address of exemple.local (random@exemple.local) must reach admin's maildir."),
	  "nano {postfix_dir}/vmailbox\n  @exemple.local   exemple.local/admin/\npostmap -c {postfix_dir} hash:{postfix_dir}/vmailbox",
	  "vmailadm catchall set exemple.local admin@exemple.local",
	  WRONG_CATCHALL, CK_CATCHALL3 },
	{ "not-swallowed", N_("The catch-all does not swallow the mailboxes"),
	  N_("With the catch-all in place, contact@ and admin@ must still reach their own maildirs (vmailadm trace proves it)."),
	  N_("postmap -c {postfix_dir} -q @exemple.local hash:{postfix_dir}/virtual_alias\n(nothing: the catch-all is not in virtual_alias)"),
	  "vmailadm trace contact@exemple.local admin@exemple.local random@exemple.local",
	  WRONG_CATCHALL, CK_NOT_SWALLOWED3 },
	{ "built", N_("The .db files answer for exemple.local"),
	  N_("Rebuild every table you edited; postmap -q must give the domain, both mailboxes and the catch-all."),
	  "postmap -c {postfix_dir} hash:{postfix_dir}/virtual_domains\npostmap -c {postfix_dir} hash:{postfix_dir}/vmailbox",
	  N_("Every vmailadm commit rebuilds the maps it changed."),
	  WRONG_RELOAD, CK_BUILT3 },
};

static const struct exercise_step ex4[] = {
	{ "create", N_("Create bob@andromed.cloud"),
	  N_("What add-virtual-mailbox.sh does: the vmailbox entry, the password (hashed), the maildir."),
	  "add-virtual-mailbox.sh bob@andromed.cloud BobPass123",
	  "vmailadm mailbox add bob@andromed.cloud",
	  WRONG_PLAIN, CK_BOB_CREATED },
	{ "mail", N_("bob has a message, the list counts it"),
	  N_("Send bob a message; the list then shows it in his count."),
	  "echo \"Salut Bob\" | mail -s Test bob@andromed.cloud\nlist-virtual-mailboxes.sh",
	  N_("vmailadm stats andromed.cloud\n(TUI: the count beside bob)"),
	  WRONG_LIMIT, CK_BOB_MAIL },
	{ "remove", N_("Remove bob"),
	  N_("bob leaves vmailbox and the passwd-file, and the rebuilt .db no longer answers for him."),
	  N_("nano {postfix_dir}/vmailbox   (delete bob's line)\npostmap -c {postfix_dir} hash:{postfix_dir}/vmailbox\nnano {passwd_file}   (delete bob's line)"),
	  N_("vmailadm mailbox del bob@andromed.cloud\n(TUI: d on bob, then c)"),
	  WRONG_RMRF, CK_BOB_REMOVED },
	{ "archived", N_("bob's mail archived, not deleted"),
	  N_("The maildir moves under the archive directory with its message, after the maps stop naming it (a delivery would recreate it)."),
	  "mkdir -p {archive_dir}/andromed.cloud\nmv {base}/andromed.cloud/bob {archive_dir}/andromed.cloud/bob-$(date +%Y%m%d)",
	  N_("vmailadm mailbox del archives the maildir in the same commit."),
	  WRONG_RMRF, CK_BOB_ARCHIVED },
};

#define N(a) (sizeof a / sizeof a[0])
static const struct exercise exercises[] = {
	{ 1, N_("A first mailbox"), N_("Create alice@andromed.cloud from end to end."), ex1, N(ex1) },
	{ 2, N_("Aliases and forwarding"),
	  N_("info@ to alice, team@ to alice and johndoe, billing@ outside."), ex2, N(ex2) },
	{ 3, N_("A second domain"),
	  N_("exemple.local with contact@ and admin@, and a catch-all that swallows nothing."), ex3,
	  N(ex3) },
	{ 4, N_("The admin scripts' job"),
	  N_("Create bob, see his mail counted, remove him with his mail archived."), ex4, N(ex4) },
};

size_t exercise_count(void)
{
	return N(exercises);
}

const struct exercise *exercise_get(int number)
{
	if (number < 1 || (size_t)number > N(exercises))
		return NULL;
	return &exercises[number - 1];
}

const char *exercise_state_name(enum exercise_state s)
{
	switch (s) {
	case EXERCISE_DONE: return "done";
	case EXERCISE_SKIPPED: return "skipped";
	default: return "todo";
	}
}

/* ---- the environment the checks read ---- */

struct exercise_env {
	const struct config *cfg;
	const struct world *w;
	struct tracer *tracer;          /* made at the first trace */
	struct exercise_probe *probe;   /* caches what the servers said */
	struct exercise_progress *progress;
	bool record;
};

struct exercise_env *exercise_env_create(const struct config *cfg, const struct world *w,
					 bool record)
{
	struct exercise_env *e = xcalloc(1, sizeof *e);
	e->cfg = cfg;
	e->w = w;
	e->record = record;
	e->probe = probe_create(cfg);
	e->progress = progress_load(cfg);
	return e;
}

void exercise_env_free(struct exercise_env **ep)
{
	struct exercise_env *e = *ep;
	if (!e)
		return;
	trace_free(&e->tracer);
	probe_free(&e->probe);
	progress_free(&e->progress);
	free(e);
	*ep = NULL;
}

const struct config *exercise_env_config(const struct exercise_env *e) { return e->cfg; }
const struct world *exercise_env_world(const struct exercise_env *e) { return e->w; }
struct exercise_probe *exercise_env_probe(struct exercise_env *e) { return e->probe; }
struct exercise_progress *exercise_env_progress(struct exercise_env *e) { return e->progress; }

struct tracer *exercise_env_tracer(struct exercise_env *e)
{
	if (!e->tracer) {
		/* The pattern warnings are lint's business, not the exercise's. */
		struct diags scratch = DIAGS_INIT;
		e->tracer = trace_create(e->w, &scratch);
		diags_free(&scratch);
	}
	return e->tracer;
}

size_t exercise_check(struct exercise_env *e, const struct exercise *x,
		      struct exercise_result *out, struct diags *d)
{
	size_t done = 0;
	for (size_t i = 0; i < x->nsteps; i++) {
		struct strbuf why = STRBUF_INIT;
		out[i].state = check_run(e, x->number, x->steps[i].check, &why);
		out[i].why = sb_detach(&why);
		done += out[i].state == EXERCISE_DONE;
	}
	if (e->record)
		progress_save(e->progress, d);
	return done;
}

void exercise_results_free(struct exercise_result *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].why);
		r[i].why = NULL;
	}
}

bool exercise_tree_is_demo(const struct config *cfg)
{
	if (!cfg->file)
		return false;
	const char *slash = strrchr(cfg->file, '/');
	char *marker = slash ? xasprintf("%.*s/%s", (int)(slash - cfg->file), cfg->file, DEMO_MARKER)
			     : xstrdup(DEMO_MARKER);
	struct stat st;
	bool yes = lstat(marker, &st) == 0 && S_ISREG(st.st_mode);
	free(marker);
	return yes;
}

char *exercise_expand(const struct config *cfg, const struct world *w, const char *text)
{
	const char *base = w ? world_mailbox_base(w) : NULL;
	/* on backend pgsql the database's table, not the snapshot's file */
	char *pwname = cfg->passwd_file ? source_text(cfg, cfg->passwd_file, 0) : NULL;
	const struct { const char *name; const char *value; } vars[] = {
		{ "{postfix_dir}", config_postfix_conf_dir(cfg) },
		{ "{passwd_file}", pwname },
		{ "{base}", base },
		{ "{archive_dir}", cfg->archive_dir },
	};
	struct strbuf sb = STRBUF_INIT;
	const char *p = text;
	while (*p) {
		size_t k = 0;
		for (; k < sizeof vars / sizeof vars[0]; k++) {
			size_t n = strlen(vars[k].name);
			if (vars[k].value && strncmp(p, vars[k].name, n) == 0) {
				sb_adds(&sb, vars[k].value);
				p += n;
				break;
			}
		}
		if (k == sizeof vars / sizeof vars[0])
			sb_addc(&sb, *p++);
	}
	free(pwname);
	return sb.buf ? sb_detach(&sb) : xstrdup("");
}
