/* backend pgsql: `postfix use-pgsql DIR` (OP_POSTFIX_USE_PGSQL), what
 * `db postfix-config --apply` and lint's fix for pgsql-maps-unused stage.
 * The server's main.cf gets the lines db postfix-config prints
 * (pgdb_postfix_settings: the account lists on the database's
 * proxy:pgsql: maps in DIR, their kept items in place, proxy_read_maps
 * when its own does not approve them), and each of those map files that
 * is missing is created (0640, group mail_owner's: it may hold the
 * password), in DIR made first when it is not there (0750, the same
 * group: ACT_DIR_CREATE, pgfiles.c). These are the parameters the snapshot's copy of main.cf
 * sets to its own tables, whose staged edits pgserver.c refuses: this
 * operation never edits the snapshot, it is planned on the server's
 * main.cf as it is (pgapply_plan, after pgserver_plan), every other
 * line, comment and order kept, so that no snapshot table can reach it.
 * The commit is pgfiles.c's (journalled, written after COMMIT, Postfix
 * reloaded), refused when main.cf or a map file changed since the
 * preview (pgserver_check). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commit_int.h"
#include "stage_int.h"
#include "vmailadm/config.h"
#include "vmailadm/diag.h"
#include "vmailadm/doc.h"
#include "vmailadm/i18n.h"
#include "vmailadm/lineread.h"
#include "vmailadm/maincf.h"
#include "vmailadm/atomicio.h"
#include "vmailadm/model.h"
#include "vmailadm/pgdb.h"
#include "vmailadm/spawn.h"
#include "vmailadm/xalloc.h"

/* The operation's words read: who connects, where the map files go. */
struct pgapply {
	const char *dir;
	char *hosts, *port, *dbname, *user, *pwfile, *password;
	struct pgdb_client c;
};

static void pgapply_free(struct pgapply *a)
{
	free(a->hosts);
	free(a->port);
	free(a->dbname);
	free(a->user);
	free(a->pwfile);
	if (a->password) {
		memset(a->password, 0, strlen(a->password));
		free(a->password);
	}
	memset(a, 0, sizeof *a);
}

/* The first line of the password file. */
static char *pgapply_password(const char *path, struct diags *d)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		diag_error(d, path, 0, _("cannot read the password: %s"), strerror(errno));
		return NULL;
	}
	struct lineread *r = lineread_open(fd, path, 4096, 65536);
	char *line, *pw = NULL;
	size_t len;
	if (lineread_next(r, &line, &len, d) > 0 && len)
		pw = xmemdup0(line, len);
	else
		diag_error(d, path, 0, _("cannot read the password: the first line is empty"));
	lineread_free(&r);
	close(fd);
	return pw;
}

/* A value pasted into main.cf's lists or a map file: one word, printable. */
static bool pgapply_word_ok(const char *v, bool list)
{
	if (!*v)
		return false;
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\'' || *p == '"' || *p == '\\' ||
		    (list && (*p == ' ' || *p == ',' || *p == '\t' || *p == '$' || *p == '{' || *p == '}')))
			return false;
	return true;
}

static int pgapply_parse(const struct config *cfg, const struct op *op, struct pgapply *a,
			 struct diags *d)
{
	static const char *const keys[] = { "hosts", "port", "dbname", "user", "password-file" };
	memset(a, 0, sizeof *a);
	a->dir = op->subject;
	if (a->dir[0] != '/' || !pgapply_word_ok(a->dir, true)) {
		diag_error(d, NULL, 0, _("postfix use-pgsql: the map files' directory must be an absolute path "
					 "without spaces, commas, quotes or '$', not '%s'"), a->dir);
		return -1;
	}
	char **slot[] = { &a->hosts, &a->port, &a->dbname, &a->user, &a->pwfile };
	for (size_t i = 0; i < op->ntargets; i++) {
		const char *t = op->targets[i], *eq = strchr(t, '=');
		size_t k = 0;
		while (eq && k < sizeof keys / sizeof *keys &&
		       (strlen(keys[k]) != (size_t)(eq - t) || strncmp(t, keys[k], (size_t)(eq - t)) != 0))
			k++;
		if (!eq || k == sizeof keys / sizeof *keys) {
			diag_error(d, NULL, 0, _("postfix use-pgsql: '%s' is not one of hosts=, port=, dbname=, "
						 "user=, password-file="), t);
			return -1;
		}
		if (*slot[k] || !pgapply_word_ok(eq + 1, k != 0)) {
			diag_error(d, NULL, 0, *slot[k] ? _("postfix use-pgsql: %s= is given twice")
							: _("postfix use-pgsql: %s= needs a value without quotes "
							    "or control characters"), keys[k]);
			return -1;
		}
		*slot[k] = xstrdup(eq + 1);
	}
	if (!a->hosts && !a->port && !a->dbname &&
	    pgdb_conninfo_server(cfg->pgsql_conninfo, &a->hosts, &a->port, &a->dbname, d) < 0)
		return -1;
	if (!a->hosts)
		a->hosts = xstrdup("localhost");
	if (!a->dbname)
		a->dbname = xstrdup("postfix");
	if (!a->user)
		a->user = xstrdup("mailreader");
	if (a->pwfile && !(a->password = pgapply_password(a->pwfile, d)))
		return -1;
	a->c = (struct pgdb_client){ .hosts = a->hosts, .port = a->port, .dbname = a->dbname,
				     .user = a->user, .password = a->password };
	return 0;
}

/* What applying it changes in the server's main.cf (its bytes text): the
 * settings whose items differ, and the map files missing. */
struct pgapply_change {
	struct pgdb_setting *set;
	size_t nset;
	char *files[16];
	size_t nfiles;
	bool mkdir;  /* the map directory is not there: made first */
	gid_t gid;   /* mail_owner's group, for the new map files and directory */
};

static void pgapply_change_free(struct pgapply_change *ch)
{
	pgdb_settings_free(ch->set, ch->nset);
	for (size_t i = 0; i < ch->nfiles; i++)
		free(ch->files[i]);
	memset(ch, 0, sizeof *ch);
}

static bool pgapply_same_list(const char *a, const char *b)
{
	size_t na, nb;
	char **x = maincf_split_list(a ? a : "", &na), **y = maincf_split_list(b, &nb);
	bool same = na == nb;
	for (size_t i = 0; same && i < na; i++)
		same = strcmp(x[i], y[i]) == 0;
	maincf_list_free(x);
	maincf_list_free(y);
	return same;
}

static struct maincf *pgapply_parse_maincf(const char *path, const struct strbuf *text)
{
	struct diags quiet = DIAGS_INIT;
	struct maincf *m = maincf_parse(doc_from_mem(path, sb_str(text), text->len), &quiet);
	diags_free(&quiet);
	return m;
}

/* main.cf's mail_owner (default postfix), the user Postfix's proxymap
 * asks the maps as: its uid and group (the new map files' group); false
 * when it is no user here (*gid then the group of that name, else ours).
 * *name, when asked for, gets the name. */
static bool pgapply_mail_owner(const struct maincf *mc, uid_t *uid, gid_t *gid, char **name)
{
	char *owner = mc ? maincf_get(mc, "mail_owner") : NULL;
	if (!owner || !*owner) {
		free(owner);
		owner = xstrdup("postfix");
	}
	struct passwd *pw = getpwnam(owner);
	struct group *g = pw ? NULL : getgrnam(owner);
	*uid = pw ? pw->pw_uid : geteuid();
	*gid = pw ? pw->pw_gid : g ? g->gr_gid : getegid();
	if (name)
		*name = owner;
	else
		free(owner);
	return pw != NULL;
}

/* The changes against mc (main.cf at mcpath); warnings (a search order
 * changed) go to d. -1 when a value would name the snapshot's directory
 * (never written to the server) or a map file's place is not a file. */
static int pgapply_compute(const struct pgapply *a, const struct maincf *mc, const char *mcpath,
			   struct pgapply_change *ch, struct diags *d)
{
	memset(ch, 0, sizeof *ch);
	struct pgdb_setting *v;
	size_t n = pgdb_postfix_settings(a->dir, mc, mcpath, &v, d);
	const char *snap = pgdb_snapshot_dir();
	int rc = 0;
	ch->set = xcalloc(n + 1, sizeof *ch->set);
	for (size_t i = 0; i < n; i++) {
		if (snap && strstr(v[i].value, snap)) {
			diag_error(d, mcpath, 0, _("%s would name the snapshot's directory %s: refused"),
				   v[i].name, snap);
			rc = -1;
		}
		if (pgapply_same_list(maincf_raw(mc, v[i].name, NULL), v[i].value))
			continue;
		ch->set[ch->nset].name = xstrdup(v[i].name);
		ch->set[ch->nset++].value = xstrdup(v[i].value);
	}
	pgdb_settings_free(v, n);
	struct stat dst;
	ch->mkdir = lstat(a->dir, &dst) < 0 && errno == ENOENT;
	for (size_t m = 0; m < pgdb_postfix_map_count() && rc == 0; m++) {
		char *path = xasprintf("%s/%s.cf", a->dir, pgdb_postfix_map_name(m));
		struct stat st;
		if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
			diag_error(d, path, 0, _("is not a regular file: the map file cannot be made there"));
			rc = -1;
		} else if (lstat(path, &st) < 0 && errno == ENOENT) {
			ch->files[ch->nfiles++] = path;
			path = NULL;
		}
		free(path);
	}
	uid_t uid;
	pgapply_mail_owner(mc, &uid, &ch->gid, NULL);
	return rc;
}

/* The server's main.cf as it is now, parsed; NULL after a diagnostic. */
static struct maincf *pgapply_server_maincf(const struct config *cfg, char **path, struct diags *d)
{
	*path = xasprintf("%s/main.cf", cfg->server_postfix_dir);
	struct doc *doc = NULL;
	if (doc_load(*path, false, &doc, d) < 0)
		return NULL;
	return maincf_parse(doc, d);
}

/* The map directory: there, or to be made in a directory that is there.
 * -1 after a diagnostic. */
static int pgapply_dir_check(const char *dir, struct diags *d)
{
	struct stat st;
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	if (lstat(dir, &st) == 0 || errno != ENOENT) {
		diag_error(d, dir, 0, _("is not a directory: the map files cannot be made in it"));
		return -1;
	}
	const char *slash = strrchr(dir, '/');
	char *parent = xstrndup(dir, slash == dir ? 1 : (size_t)(slash - dir));
	int rc = stat(parent, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
	if (rc < 0)
		diag_error(d, dir, 0, _("neither it nor the directory %s is there: make %s first, then "
					"the map directory is created in it"), parent, parent);
	free(parent);
	return rc;
}

/* The checks a staged use-pgsql passes: backend pgsql, its words, the
 * directory, something to change. Its number of changes, or -1. */
static int pgapply_check(const struct config *cfg, const struct op *op, struct diags *d)
{
	struct pgapply a = { 0 };
	int rc = pgapply_parse(cfg, op, &a, d);
	if (rc == 0 && (cfg->backend != BACKEND_PGSQL || !cfg->server_postfix_dir)) {
		diag_error(d, NULL, 0, _("postfix use-pgsql edits the server's main.cf on backend pgsql only "
					 "(set backend: pgsql and pgsql_conninfo first)"));
		rc = -1;
	}
	if (rc == 0 && pgapply_dir_check(a.dir, d) < 0)
		rc = -1;
	char *mcpath = NULL;
	struct maincf *mc = rc == 0 ? pgapply_server_maincf(cfg, &mcpath, d) : NULL;
	struct pgapply_change ch = { 0 };
	if (rc == 0 && (!mc || pgapply_compute(&a, mc, mcpath, &ch, d) < 0))
		rc = -1;
	if (rc == 0)
		rc = (int)(ch.nset + ch.nfiles + ch.mkdir);
	pgapply_change_free(&ch);
	maincf_free(&mc);
	free(mcpath);
	pgapply_free(&a);
	return rc;
}

/* The first line of text that postmap wrote as a problem ("postmap:
 * fatal: ..." or "postmap: warning: ..."), or NULL. */
static char *pgapply_probe_problem(const struct strbuf *err)
{
	static const char *const markers[] = { "fatal:", "warning:", NULL };
	return spawn_marked_line(err, markers, false);
}

/* Who asks the maps and where the private copies of the map files still
 * to be created go: run by root, as mail_owner, whom Postfix's proxymap
 * runs as (with peer authentication on a Unix socket, root may be refused
 * where postfix is let in, or the reverse), in Postfix's clean
 * environment (no PG* variable, no ~/.pgpass of root's); the copies in a
 * directory of their own (0711, made by root) that mail_owner can reach,
 * each 0600 and its own. */
struct pgprobe {
	struct spawn_as as;
	bool drop;           /* run as as.uid/as.gid */
	char *tmpdir;        /* made on first use */
};

static const char *const pgprobe_env[] = { "LANG=C", NULL };

/* One map asked as Postfix will ask it: postmap -q KEY pgsql:FILE with the
 * file there, or, when it is still to be created, a private copy of what
 * it will hold. postmap exits 1 both when the key is not found and when
 * the query failed: its stderr tells them apart. */
static int pgapply_probe_map(const struct config *cfg, const struct pgapply *a, size_t m,
			     const char *key, struct pgprobe *pr, struct stage *s, struct diags *d)
{
	char *path = xasprintf("%s/%s.cf", a->dir, pgdb_postfix_map_name(m));
	struct atomic_temp t = { 0 };
	const char *use = path;
	int rc = 0;
	if (access(path, F_OK) != 0) {
		if (!pr->tmpdir) {
			char tmpl[] = P_tmpdir "/vmailadm-probe-XXXXXX";
			if (!mkdtemp(tmpl) || chmod(tmpl, pr->drop ? 0711 : 0700) < 0) {
				diag_error(d, tmpl, 0, _("cannot make a private directory: %s"), strerror(errno));
				rc = -1;
				if (access(tmpl, F_OK) == 0)
					(void)rmdir(tmpl);
			} else {
				pr->tmpdir = xstrdup(tmpl);
			}
		}
		struct strbuf text = STRBUF_INIT;
		pgdb_postfix_map(&a->c, m, &text);
		char *near = xasprintf("%s/%s.cf", pr->tmpdir ? pr->tmpdir : "", pgdb_postfix_map_name(m));
		struct file_owner own = { pr->as.uid, pr->as.gid, 0600 };
		if (rc == 0)
			rc = atomic_temp_write(near, text.buf, text.len, &own, false, &t, d);
		/* Postfix waits, rereading, until a file it was just given is
		 * old enough not to be still written (about 2 s each): this
		 * one is whole, so it is dated a minute back. */
		struct timespec then[2] = { { time(NULL) - 60, 0 }, { time(NULL) - 60, 0 } };
		if (rc == 0)
			(void)futimens(t.fd, then);
		free(near);
		sb_free(&text);
		use = t.path;
	}
	char *map = rc == 0 ? xasprintf("pgsql:%s", use) : NULL;
	const char *argv[] = { cfg->postmap, "-c", cfg->server_postfix_dir, "-q", key, map, NULL };
	struct spawn_result res;
	struct diags quiet = DIAGS_INIT;
	int ran = rc < 0 ? -1 : pr->drop ? spawn_run_as(argv, &pr->as, PROGRAM_TIMEOUT_MS, &res, &quiet)
				       : spawn_run(argv, NULL, 0, NULL, PROGRAM_TIMEOUT_MS, &res, &quiet);
	if (rc == 0 && ran < 0) {
		/* no postmap: no Postfix here to defer anything */
		stage_add_note(s, _("%s was not tried: %s"), path, quiet.n ? quiet.v[0].msg : "?");
	} else if (rc == 0) {
		char *why = pgapply_probe_problem(&res.err);
		if (why || res.status > 1 || res.timed_out) {
			diag_error(d, path, 0, _("Postfix could not query this map (postmap -q %s: %s): once "
						 "main.cf names it, mail for the hosted domains would be deferred; "
						 "nothing was staged"),
				   key, why ? why : res.timed_out ? _("timed out") : _("failed"));
			rc = -1;
		}
		free(why);
	}
	if (rc == 0 || ran == 0)
		spawn_result_free(&res);
	diags_free(&quiet);
	if (use != path)
		atomic_temp_discard(&t);
	free(map);
	free(path);
	return rc;
}

/* Every map asked once before main.cf is pointed at them: a role that
 * does not exist, a wrong password or a table the role may not read
 * would otherwise show only after the reload, as every message deferred
 * ("table lookup problem"). The key has a local part and a hosted domain,
 * so that no query is skipped (%u, %d). */
static int pgapply_probe(struct stage *s, const struct world *w, const struct op *op,
			 struct diags *d)
{
	struct pgapply a = { 0 };
	if (pgapply_parse(s->cfg, op, &a, d) < 0)
		return -1;
	struct pgprobe pr = { .as = { geteuid(), getegid(), NULL } };
	if (geteuid() == 0) {
		char *mcpath = NULL, *owner = NULL;
		struct diags quiet = DIAGS_INIT;   /* read when staged */
		struct maincf *mc = pgapply_server_maincf(s->cfg, &mcpath, &quiet);
		pr.drop = pgapply_mail_owner(mc, &pr.as.uid, &pr.as.gid, &owner);
		pr.as.env = pgprobe_env;
		if (!pr.drop)
			stage_add_note(s, _("mail_owner %s is not a user on this host: the database's maps "
					    "were asked as root, not as Postfix will ask them"), owner);
		maincf_free(&mc);
		diags_free(&quiet);
		free(mcpath);
		free(owner);
	}
	size_t n;
	const struct domain *doms = world_domains(w, &n);
	const char *domain = "example.invalid";
	for (size_t i = 0; i < n; i++)
		if (doms[i].classes & DOMAIN_VIRTUAL_MAILBOX) {
			domain = doms[i].name;
			break;
		}
	char *key = xasprintf("postmaster@%s", domain);
	int rc = 0;
	for (size_t m = 0; rc == 0 && m < pgdb_postfix_map_count(); m++)
		rc = pgapply_probe_map(s->cfg, &a, m, key, &pr, s, d);
	if (pr.tmpdir)
		(void)rmdir(pr.tmpdir);
	free(pr.tmpdir);
	free(key);
	pgapply_free(&a);
	return rc;
}

int stage_use_pgsql_changes(const struct config *cfg, const struct op *op, struct diags *d)
{
	return pgapply_check(cfg, op, d);
}

int apply_postfix_use_pgsql(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	for (size_t i = 0; i < s->nops && s->ops[i] != op; i++)
		if (s->ops[i]->kind == OP_POSTFIX_USE_PGSQL) {
			diag_error(d, NULL, 0, _("the server's main.cf is already staged to use the database's maps"));
			return -1;
		}
	struct diags warn = DIAGS_INIT;
	int n = pgapply_check(s->cfg, op, &warn);
	if (n < 0) {
		diags_take(d, &warn);
		diags_free(&warn);
		return -1;
	}
	for (size_t i = 0; i < warn.n; i++)
		stage_add_note(s, "%s", warn.v[i].msg);
	diags_free(&warn);
	if (n == 0) {
		diag_error(d, NULL, 0, _("the server's main.cf already names the database's maps in %s, and "
					 "their files are there: nothing to apply"), op->subject);
		return -1;
	}
	if (pgapply_probe(s, w, op, d) < 0)
		return -1;
	bool pw = false;
	for (size_t i = 0; i < op->ntargets; i++)
		pw |= strncmp(op->targets[i], "password-file=", 14) == 0;
	if (!pw)
		stage_add_note(s, _("a map file created now holds no password: its role must connect "
				    "without one (trust or peer); else give it with db postfix-config "
				    "--apply --password-file FILE"));
	return 0;
}

/* A file of the plan's server files, or NULL. */
static struct staged_file *pgapply_server_file(struct plan *p, const char *path)
{
	for (size_t i = 0; i < p->nserver; i++)
		if (strcmp(p->server[i]->path, path) == 0)
			return p->server[i];
	return NULL;
}

static void pgapply_add_file(struct plan *p, struct staged_file *f)
{
	p->server = xreallocarray(p->server, p->nserver + 1, sizeof *p->server);
	p->server[p->nserver++] = f;
	p->files = xreallocarray(p->files, p->nfiles + 1, sizeof *p->files);
	p->files[p->nfiles++] = f;
}

static void pgapply_note(struct plan *p, char *note)
{
	p->notes = xreallocarray(p->notes, p->nnotes + 1, sizeof *p->notes);
	p->notes[p->nnotes++] = note;
}

/* name = value in mc: when value only adds items at the end of main.cf's
 * own list (proxy_read_maps), they are appended in its style (its commas,
 * its continuation lines: maincf_append_items); else the line is set. */
static void pgapply_set(struct maincf *mc, const char *name, const char *value)
{
	const char *raw = maincf_raw(mc, name, NULL);
	size_t no, nn;
	char **o = maincf_split_list(raw ? raw : "", &no), **v = maincf_split_list(value, &nn);
	bool appended = no > 0 && nn > no;
	for (size_t i = 0; appended && i < no; i++)
		appended = strcmp(o[i], v[i]) == 0;
	if (appended)
		maincf_append_items(mc, name, v + no, nn - no);
	else
		maincf_set(mc, name, value);
	maincf_list_free(o);
	maincf_list_free(v);
}

/* The server's main.cf g (as the plan has it so far) with the settings,
 * and the new map files. */
static void pgapply_plan_op(const struct config *cfg, const struct op *op, struct plan *p)
{
	struct pgapply a = { 0 };
	struct diags d = DIAGS_INIT;
	char *mcpath = xasprintf("%s/main.cf", cfg->server_postfix_dir);
	struct staged_file *g = pgapply_server_file(p, mcpath);
	bool fresh = g == NULL;
	struct strbuf why = STRBUF_INIT;
	if (fresh && !(g = pgserver_read(mcpath, &why)))
		diag_error(&d, mcpath, 0, "%s", why.buf);
	struct maincf *mc = NULL;
	struct pgapply_change ch = { 0 };
	int rc = g ? pgapply_parse(cfg, op, &a, &d) : -1;
	if (rc == 0) {
		mc = pgapply_parse_maincf(mcpath, fresh || !g->cur.len ? &g->old : &g->cur);
		struct diags quiet = DIAGS_INIT;   /* said when staged */
		rc = pgapply_compute(&a, mc, mcpath, &ch, &quiet);
		if (rc < 0)
			diags_take(&d, &quiet);
		diags_free(&quiet);
	}
	if (rc == 0 && ch.nset) {
		for (size_t i = 0; i < ch.nset; i++)
			pgapply_set(mc, ch.set[i].name, ch.set[i].value);
		sb_reset(&g->cur);
		doc_render(maincf_doc(mc), &g->cur);
		if (fresh) {
			pgapply_add_file(p, g);
			g = NULL;
		}
	}
	if (rc == 0 && ch.mkdir) {
		p->actions = xreallocarray(p->actions, p->nactions + 1, sizeof *p->actions);
		p->actions[p->nactions++] = (struct action){ .kind = ACT_DIR_CREATE, .path = xstrdup(a.dir),
							     .detail = xasprintf("%lu", (unsigned long)ch.gid) };
	}
	/* main.cf is read by the master, and a proxymap that failed to open
	 * a missing map file tries again only in a new process */
	bool reload = rc < 0 || (!ch.nset && !ch.nfiles);   /* a directory alone: nothing to read */
	for (size_t k = 0; k < p->nactions && !reload; k++)
		reload = p->actions[k].kind == ACT_RELOAD_POSTFIX;
	if (!reload) {
		p->actions = xreallocarray(p->actions, p->nactions + 1, sizeof *p->actions);
		p->actions[p->nactions++] = (struct action){ .kind = ACT_RELOAD_POSTFIX };
	}
	for (size_t i = 0; rc == 0 && i < ch.nfiles; i++) {
		struct staged_file *f = pgserver_read(ch.files[i], &why);
		if (!f) {
			diag_error(&d, ch.files[i], 0, "%s", why.buf);
			continue;
		}
		for (size_t m = 0; m < pgdb_postfix_map_count(); m++) {
			char *path = xasprintf("%s/%s.cf", a.dir, pgdb_postfix_map_name(m));
			if (strcmp(path, f->path) == 0)
				pgdb_postfix_map(&a.c, m, &f->cur);
			free(path);
		}
		f->private_new = true;
		f->new_uid = geteuid();
		f->new_gid = ch.gid;
		f->new_mode = 0640;
		pgapply_add_file(p, f);
	}
	for (size_t i = 0; i < d.n; i++)
		pgapply_note(p, xasprintf(_("the server's main.cf cannot be pointed at the database's maps: %s"),
					  d.v[i].msg));
	if (fresh && g)
		pgserver_file_free(g);
	pgapply_change_free(&ch);
	maincf_free(&mc);
	pgapply_free(&a);
	sb_free(&why);
	free(mcpath);
	diags_free(&d);
}

void pgapply_plan(struct stage *s, struct plan *p)
{
	const struct op *last = NULL;
	for (size_t i = 0; i < s->nops; i++)
		if (s->ops[i]->kind == OP_POSTFIX_USE_PGSQL)
			last = s->ops[i];
	if (last && s->cfg->backend == BACKEND_PGSQL && s->cfg->server_postfix_dir)
		pgapply_plan_op(s->cfg, last, p);
}
