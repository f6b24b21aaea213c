/* `vmailadm db init|check|import|export|postfix-config|dovecot-config`:
 * the PostgreSQL database several servers share (src/db/): make its
 * schema, compare one with it, move a flat-file server into it and back
 * out, and print (or write) what Postfix and Dovecot query it with. */
#include "config.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_int.h"
#include "vmailadm/atomicio.h"
#include "vmailadm/cli.h"
#include "vmailadm/config.h"
#include "vmailadm/diag.h"
#include "vmailadm/doc.h"
#include "vmailadm/i18n.h"
#include "vmailadm/lineread.h"
#include "vmailadm/maincf.h"
#include "vmailadm/model.h"
#include "vmailadm/op.h"
#include "vmailadm/pgdb.h"
#include "vmailadm/pqlib.h"
#include "vmailadm/stage.h"
#include "vmailadm/state.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

struct db_opts {
	const char *conninfo;
	const char *dir;
	const char *user;
	const char *password_file;
	const char *base;
	bool write;
	bool apply;
	bool dry_run;
	bool json;
};

static struct pgdb *db_open(struct cli *cli, const struct db_opts *o)
{
	const char *ci = o->conninfo ? o->conninfo : cli_config(cli)->pgsql_conninfo;
	struct diags d = DIAGS_INIT;
	struct pgdb *db = pgdb_connect(ci, &d);
	cli_diags(cli, &d);
	diags_free(&d);
	return db;
}

static int db_init(struct cli *cli, const struct db_opts *o)
{
	struct pgdb *db = db_open(cli, o);
	if (!db)
		return EXIT_USAGE;
	struct diags d = DIAGS_INIT;
	bool adopted;
	int rc = pgdb_init(db, &adopted, &d);
	cli_diags(cli, &d);
	diags_free(&d);
	pgdb_close(&db);
	if (rc < 0)
		return EXIT_USAGE;
	puts(adopted ? _("PostfixAdmin's tables are there: vmailadm's own tables were added beside them.")
		     : _("The schema was created: PostfixAdmin's tables and vmailadm's own."));
	return EXIT_OK;
}

static int db_check(struct cli *cli, const struct db_opts *o)
{
	struct pgdb *db = db_open(cli, o);
	if (!db)
		return EXIT_USAGE;
	struct diags d = DIAGS_INIT;
	struct strbuf out = STRBUF_INIT;
	int diffs = pgdb_check(db, &out, &d);
	cli_diags(cli, &d);
	diags_free(&d);
	pgdb_close(&db);
	if (diffs < 0) {
		sb_free(&out);
		return EXIT_USAGE;
	}
	fputs(sb_str(&out), stdout);
	if (diffs == 0)
		puts(_("The database holds every table and column vmailadm uses."));
	else
		printf(ngettext("%d difference.\n", "%d differences.\n", diffs), diffs);
	sb_free(&out);
	return diffs ? EXIT_PROBLEMS : EXIT_OK;
}

/* The flat files' accounts into the empty database: the rows first, then
 * one transaction (or, with --dry-run, nothing). */
static int db_import(struct cli *cli, const struct db_opts *o)
{
	cli_recover_read(cli);
	struct world *w = cli_world(cli);
	struct pgdb *db = db_open(cli, o);
	if (!db) {
		world_free(&w);
		return EXIT_USAGE;
	}
	struct diags d = DIAGS_INIT;
	struct strbuf plan = STRBUF_INIT;
	size_t n;
	int rc = pgdb_import(db, w, cli_config(cli)->vmail_uid, cli_config(cli)->vmail_gid,
			     o->dry_run, state_user_name(), &plan, &n, &d);
	pgdb_close(&db);
	world_free(&w);
	fputs(sb_str(&plan), stdout);
	cli_diags(cli, &d);
	diags_free(&d);
	sb_free(&plan);
	if (rc < 0)
		return EXIT_USAGE;
	if (o->dry_run)
		printf(ngettext("%zu row would be inserted (dry run: nothing was changed).\n",
				"%zu rows would be inserted (dry run: nothing was changed).\n", n), n);
	else
		printf(ngettext("%zu row inserted, in one transaction.\n",
				"%zu rows inserted, in one transaction.\n", n), n);
	return EXIT_OK;
}

/* The database's accounts as new flat files in --dir. */
static int db_export(struct cli *cli, const struct db_opts *o)
{
	if (!o->dir)
		return cli_usage_error(cli, _("db export needs --dir DIR (a directory for the new "
					      "files)"));
	const struct config *cfg = cli_config(cli);
	struct pgdb *db = db_open(cli, o);
	if (!db)
		return EXIT_USAGE;
	struct diags d = DIAGS_INIT;
	struct strbuf report = STRBUF_INIT;
	int rc = pgdb_export(db, o->dir, cfg->vmail_uid, cfg->vmail_gid, &report, &d);
	pgdb_close(&db);
	fputs(sb_str(&report), stdout);
	cli_diags(cli, &d);
	diags_free(&d);
	sb_free(&report);
	return rc < 0 ? EXIT_USAGE : EXIT_OK;
}

/* The client side (Postfix's and Dovecot's role) and what it points into. */
struct client {
	struct pgdb_client c;
	char *hosts, *port, *dbname;
	char *password;
};

static void client_close(struct client *k)
{
	free(k->password);
	free(k->hosts);
	free(k->port);
	free(k->dbname);
}

/* From the connection string's host, port and database, with --user and
 * --password-file. */
static int client_open(struct cli *cli, const struct db_opts *o, struct client *k)
{
	memset(k, 0, sizeof *k);
	struct pgdb_client *c = &k->c;
	const char *ci = o->conninfo ? o->conninfo : cli_config(cli)->pgsql_conninfo;
	struct diags ld = DIAGS_INIT;
	if (pgdb_conninfo_server(ci, &k->hosts, &k->port, &k->dbname, &ld) < 0) {
		struct diags q = DIAGS_INIT;
		bool usage = pqlib_load(&q) == 0;   /* libpq there: the string is wrong */
		diags_free(&q);
		cli_diags(cli, &ld);
		diags_free(&ld);
		client_close(k);
		return usage ? EXIT_USAGE : EXIT_FAILURE;
	}
	diags_free(&ld);
	c->hosts = k->hosts;
	c->port = k->port;
	c->dbname = k->dbname;
	c->user = o->user ? o->user : "mailreader";
	if (o->password_file) {
		int fd = open(o->password_file, O_RDONLY | O_CLOEXEC);
		struct diags d = DIAGS_INIT;
		struct lineread *r = fd >= 0 ? lineread_open(fd, o->password_file, 4096, 65536) : NULL;
		char *line;
		size_t len;
		if (!r || lineread_next(r, &line, &len, &d) <= 0) {
			cli_error(cli, _("%s: cannot read the password"), o->password_file);
			cli_diags(cli, &d);
			diags_free(&d);
			lineread_free(&r);
			if (fd >= 0)
				close(fd);
			client_close(k);
			return EXIT_USAGE;
		}
		k->password = xmemdup0(line, len);
		lineread_free(&r);
		close(fd);
	}
	c->password = k->password;
	const struct config *cfg = cli_config(cli);
	c->base = o->base ? o->base : "/var/mail/vhosts";
	c->uid = cfg->vmail_uid;
	c->gid = cfg->vmail_gid;
	return EXIT_OK;
}

/* Postfix's map files and main.cf lines, printed; with --write the map
 * files are written into --dir (0640: they hold the password). */
static int db_postfix_config(struct cli *cli, const struct db_opts *o)
{
	struct client k;
	int rc = client_open(cli, o, &k);
	if (rc)
		return rc;
	const char *dir = o->dir ? o->dir : "/etc/postfix/pgsql";
	struct strbuf f = STRBUF_INIT, path = STRBUF_INIT;
	for (size_t i = 0; i < pgdb_postfix_map_count() && rc == EXIT_OK; i++) {
		sb_reset(&f);
		sb_reset(&path);
		sb_addf(&path, "%s/%s.cf", dir, pgdb_postfix_map_name(i));
		pgdb_postfix_map(&k.c, i, &f);
		if (o->write) {
			struct diags d = DIAGS_INIT;
			struct file_owner own = { getuid(), getgid(), 0640 };
			if (atomic_write(path.buf, f.buf, f.len, &own, false, &d) < 0)
				rc = EXIT_USAGE;
			else
				printf(_("wrote %s\n"), path.buf);
			cli_diags(cli, &d);
			diags_free(&d);
		} else {
			printf("==> %s <==\n%s\n", path.buf, f.buf);
		}
	}
	/* The server's main.cf, when there is one: its lists' tables that
	 * cannot be rows keep their place beside the database's maps. */
	const struct config *cfg = cli_config(cli);
	char *mcpath = xasprintf("%s/main.cf", cfg->server_postfix_dir ? cfg->server_postfix_dir
								      : cfg->postfix_dir);
	struct diags d = DIAGS_INIT;
	struct doc *doc = NULL;
	struct maincf *mc = NULL;
	if (doc_load(mcpath, true, &doc, &d) == 0 && doc_exists(doc))
		mc = maincf_parse(doc, &d);
	else
		doc_free(&doc);
	sb_reset(&f);
	pgdb_postfix_maincf(dir, mc, mcpath, &f, &d);
	printf("==> main.cf <==\n%s", f.buf);
	cli_diags(cli, &d);
	diags_free(&d);
	maincf_free(&mc);
	free(mcpath);
	sb_free(&f);
	sb_free(&path);
	client_close(&k);
	return rc;
}

/* One word KEY=VALUE of postfix use-pgsql. */
static void db_op_word(struct op *op, const char *key, const char *value)
{
	char *w = xasprintf("%s=%s", key, value);
	op_add_target(op, w);
	free(w);
}

/* --apply: the lines above as an edit of the server's main.cf (postfix
 * use-pgsql, src/stage/pgapply.c) with the missing map files, staged,
 * previewed and committed like any other; nothing staged when main.cf
 * already has them. */
static int db_postfix_apply(struct cli *cli, const struct db_opts *o)
{
	struct config *cfg = cli_config(cli);
	if (cfg->backend != BACKEND_PGSQL)
		return cli_usage_error(cli, _("--apply edits the server's main.cf on backend pgsql: set "
					      "backend: pgsql first (db import done), then apply"));
	struct diags d = DIAGS_INIT;
	if (pgdb_snapshot_open(cfg, &d) < 0) {
		cli_diags(cli, &d);
		diags_free(&d);
		return EXIT_USAGE;
	}
	if (transact_recover(cli) < 0)
		return EXIT_PROBLEMS;
	char *dir = o->dir ? xstrdup(o->dir) : xasprintf("%s/pgsql", cfg->server_postfix_dir);
	struct op *op = op_new(OP_POSTFIX_USE_PGSQL, dir);
	free(dir);
	if (o->conninfo) {
		char *h, *p, *n;
		if (pgdb_conninfo_server(o->conninfo, &h, &p, &n, &d) < 0) {
			cli_diags(cli, &d);
			diags_free(&d);
			op_free(&op);
			return EXIT_USAGE;
		}
		db_op_word(op, "hosts", h);
		if (p)
			db_op_word(op, "port", p);
		db_op_word(op, "dbname", n);
		free(h);
		free(p);
		free(n);
	}
	db_op_word(op, "user", o->user ? o->user : "mailreader");
	if (o->password_file) {
		/* read again at the commit: the file's path, never the password */
		char *abs = realpath(o->password_file, NULL);
		if (!abs) {
			cli_error(cli, _("%s: cannot read the password"), o->password_file);
			op_free(&op);
			return EXIT_USAGE;
		}
		db_op_word(op, "password-file", abs);
		free(abs);
	}
	int n = stage_use_pgsql_changes(cfg, op, &d);
	if (n < 0)
		cli_diags(cli, &d);   /* else its warnings are the plan's notes */
	diags_free(&d);
	if (n <= 0) {
		if (n == 0)
			printf(_("the server's main.cf already names the database's maps in %s, and their files "
				 "are there: nothing to apply\n"), op->subject);
		op_free(&op);
		return n == 0 ? EXIT_OK : EXIT_PROBLEMS;
	}
	struct stage *s = transact_open_stage(cli);
	if (stage_push(s, op, &d) < 0) {
		cli_diags(cli, &d);
		diags_free(&d);
		stage_free(&s);
		return EXIT_PROBLEMS;
	}
	diags_free(&d);
	struct transact_opts to = { .dry_run = o->dry_run, .json = o->json };
	int rc = transact_finish(cli, s, &to, NULL, 0);
	stage_free(&s);
	return rc;
}

static int db_dovecot_config(struct cli *cli, const struct db_opts *o)
{
	struct client k;
	int rc = client_open(cli, o, &k);
	if (rc)
		return rc;
	struct strbuf f = STRBUF_INIT;
	pgdb_dovecot_sql(&k.c, cli_config(cli)->password_scheme, &f);
	fputs(f.buf, stdout);
	sb_free(&f);
	client_close(&k);
	return EXIT_OK;
}

int cmd_db(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "conninfo", required_argument, NULL, 'c' },
		{ "dir", required_argument, NULL, 'd' },
		{ "user", required_argument, NULL, 'u' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "base", required_argument, NULL, 'b' },
		{ "write", no_argument, NULL, 'w' },
		{ "apply", no_argument, NULL, 'a' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_args a;
	if (cli_parse(cli, argc, argv, "n", opts, &a))
		return EXIT_USAGE;
	struct db_opts o = {
		.conninfo = cli_arg(&a, "conninfo"), .dir = cli_arg(&a, "dir"),
		.user = cli_arg(&a, "user"), .password_file = cli_arg(&a, "password-file"),
		.base = cli_arg(&a, "base"), .write = cli_arg(&a, "write") != NULL,
		.dry_run = cli_arg(&a, "dry-run") != NULL, .apply = cli_arg(&a, "apply") != NULL,
		.json = cli_json_wanted(cli, &a),
	};
	static const char *const subs[] = { "init", "check", "import", "export", "postfix-config",
					    "dovecot-config" };
	if (a.nops == 0)
		return cli_usage_error(cli, _("missing subcommand (init, check, import, export, "
					      "postfix-config, dovecot-config)"));
	if (a.nops > 1)
		return cli_usage_error(cli, _("unexpected argument '%s'"), a.ops[1]);
	const char *sub = a.ops[0];
	/* A value pasted into SQL and Postfix's files: no quote, no newline. */
	if (o.base && (strpbrk(o.base, "'\\\n") || o.base[0] != '/'))
		return cli_usage_error(cli, _("--base: an absolute directory without quotes"));
	if (o.write && strcmp(sub, "postfix-config") != 0)
		return cli_usage_error(cli, _("--write goes with postfix-config"));
	if (o.apply && strcmp(sub, "postfix-config") != 0)
		return cli_usage_error(cli, _("--apply goes with postfix-config"));
	if (o.apply && o.write)
		return cli_usage_error(cli, _("--write and --apply exclude each other (--apply creates the "
					      "missing map files itself)"));
	if (o.dry_run && strcmp(sub, "import") != 0 && !o.apply)
		return cli_usage_error(cli, _("--dry-run goes with import or postfix-config --apply"));
	if (cli_arg(&a, "json") && !o.apply)
		return cli_usage_error(cli, _("--json goes with postfix-config --apply"));
	if (!strcmp(sub, "init"))
		return db_init(cli, &o);
	if (!strcmp(sub, "check"))
		return db_check(cli, &o);
	if (!strcmp(sub, "import"))
		return db_import(cli, &o);
	if (!strcmp(sub, "export"))
		return db_export(cli, &o);
	if (!strcmp(sub, "postfix-config"))
		return o.apply ? db_postfix_apply(cli, &o) : db_postfix_config(cli, &o);
	if (!strcmp(sub, "dovecot-config"))
		return db_dovecot_config(cli, &o);
	return cli_unknown(cli, _("unknown subcommand '%s'"), sub, subs, sizeof subs / sizeof *subs);
}
