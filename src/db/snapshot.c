/* backend: pgsql — the database seen through the flat files the rest of
 * vmailadm already reads. One REPEATABLE READ snapshot of the database is
 * written (export.c's files) into a private directory of the state
 * directory, state_dir/pgsql/snapshot.PID (0700, one per process, removed
 * at exit; one a killed process left is removed by the next), beside a
 * copy of the server's main.cf whose three account parameters name them
 * as texthash: tables (in place of the database's maps; a pcre: table
 * there stays in its place, keptmaps.c). The configuration's postfix_dir and passwd_file
 * then point there, so the model, lint, the tracer's flat view, the
 * listings, staging and the interface work on the database unchanged; a
 * commit on this backend is a database transaction (src/stage/pgcommit.c),
 * never a write of these files, which are only refreshed after it. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pgdb_int.h"
#include "vmailadm/atomicio.h"
#include "vmailadm/config.h"
#include "vmailadm/diag.h"
#include "vmailadm/doc.h"
#include "vmailadm/i18n.h"
#include "vmailadm/maincf.h"
#include "vmailadm/model.h"
#include "vmailadm/safeopen.h"
#include "vmailadm/source.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

/* The parameters whose tables the snapshot replaces: each names, on the
 * servers, the database's proxy:pgsql: maps (db postfix-config). */
static const char *const replaced[] = { "virtual_mailbox_domains", "virtual_mailbox_maps",
					"virtual_alias_maps", NULL };
/* Which snapshot file each names, in that order (export.c's names). */
static const char *const replaced_file[] = { "virtual_domains", "vmailbox", "virtual_alias" };
/* Its passwd-file. */
#define SNAPSHOT_USERS "users"

static struct {
	char *dir;        /* this process's snapshot directory */
	char *maincf;     /* the server's main.cf it copies */
	pid_t pid;
	bool stale;       /* a commit changed the database since it was read */
	struct pgdb *db;  /* the connection it was read on, kept for a commit */
	char *sender_login;  /* the send-as map's default name there, or NULL */
	bool alias_domains;  /* its main.cf sets virtual_alias_domains too */
	struct config names;  /* postfix_dir and server_postfix_dir only: source.h's */
} snap;

/* Diagnostics name the snapshot's files as the server's (source.h). */
static char *snapshot_diag_file(const char *file, unsigned *line)
{
	struct source s;
	source_of(&snap.names, file, *line, &s);
	char *name = s.file != file ? xstrdup(s.file) : NULL;
	if (name)
		*line = s.line;
	source_free(&s);
	return name;
}

static char *snapshot_diag_text(const char *msg)
{
	return source_rename_text(&snap.names, msg);
}

static const struct diag_namer snapshot_namer = { snapshot_diag_file, snapshot_diag_text };

/* Does the line define param? Its value (after '=') in *value. */
static bool maincf_defines_one(const char *line, size_t len, const char *param, const char **value)
{
	size_t n = strlen(param);
	if (len <= n || strncmp(line, param, n) != 0)
		return false;
	const char *p = line + n;
	while (p < line + len && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= line + len || *p != '=')
		return false;
	*value = p + 1;
	return true;
}

static bool maincf_defines(const char *line, size_t len)
{
	const char *value;
	for (size_t i = 0; replaced[i]; i++)
		if (maincf_defines_one(line, len, replaced[i], &value))
			return true;
	return false;
}

/* On the database an alias domain is an alias_domain row, which the
 * snapshot writes as the alias table's "B OK" line (export.c): a domain of
 * virtual_alias_domains only while that list takes $virtual_alias_maps, its
 * default. A server's own definition (an empty "virtual_alias_domains =",
 * common in tutorials, or its own domains) is kept with the alias table
 * first, so that the database's alias domains are hosted and a new one is a
 * row, not an edit of main.cf. */
static void snapshot_alias_domains(const char *value, struct strbuf *out)
{
	size_t vl = strlen(value);
	while (vl && strchr(" \t,", value[vl - 1]))
		vl--;
	while (vl && strchr(" \t,", *value)) {
		value++;
		vl--;
	}
	/* a list of the server's that already takes the alias table: as it is */
	bool takes = memmem(value, vl, "virtual_alias_maps", strlen("virtual_alias_maps")) != NULL;
	sb_adds(out, "virtual_alias_domains = ");
	if (!takes)
		sb_adds(out, vl ? "$virtual_alias_maps, " : "$virtual_alias_maps");
	sb_add(out, value, vl);
	sb_addc(out, '\n');
}

/* The server's main.cf with its definitions of the three parameters (and
 * their continuation lines) commented out in place, so that every other
 * line keeps its number (a place in it is named as the server's line:
 * source.h), then the snapshot's definitions. */
static int snapshot_maincf(const char *src, const char *dir, struct strbuf *out, struct diags *d)
{
	struct strbuf in = STRBUF_INIT;
	FILE *fp = fopen(src, "re");
	if (!fp) {
		diag_error(d, src, 0, _("cannot read the server's main.cf: %s"), strerror(errno));
		return -1;
	}
	char chunk[8192];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, fp)) > 0)
		sb_add(&in, chunk, got);
	fclose(fp);
	bool skipping = false, in_adom = false;
	struct strbuf adom = STRBUF_INIT;   /* the server's virtual_alias_domains */
	bool has_adom = false;
	unsigned lines = 0;
	for (const char *p = in.buf, *end = in.buf + in.len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		bool cont = len && (*p == ' ' || *p == '\t');
		const char *value;
		if (!cont) {
			in_adom = maincf_defines_one(p, len, "virtual_alias_domains", &value);
			skipping = in_adom || maincf_defines(p, len);
			if (in_adom) {   /* the last definition wins, as in Postfix */
				has_adom = true;
				sb_reset(&adom);
				sb_add(&adom, value, len - (size_t)(value - p));
			}
		} else if (in_adom) {
			sb_addc(&adom, ' ');
			sb_add(&adom, p, len);
		}
		if (skipping)
			sb_addc(out, '#');
		sb_add(out, p, len);
		sb_addc(out, '\n');
		p += len + (nl != NULL);
		lines++;
	}
	source_set_maincf_lines(lines);
	sb_adds(out, "# vmailadm backend pgsql: the accounts from one snapshot of the database\n");
	/* The server's lists, the database's maps replaced by the snapshot's
	 * table, the items that stay files (a pcre: table...) in their
	 * places: the model sees them as on the flat files. */
	struct diags quiet = DIAGS_INIT;
	struct maincf *mc = maincf_parse(doc_from_mem(src, in.buf, in.len), &quiet);
	for (size_t i = 0; replaced[i]; i++) {
		char *rows = xasprintf("texthash:%s/%s", dir, replaced_file[i]);
		pgdb_keptmaps_line(mc, replaced[i], rows, out);
		free(rows);
	}
	maincf_free(&mc);
	diags_free(&quiet);
	sb_free(&in);
	if (has_adom)
		snapshot_alias_domains(sb_str(&adom), out);
	snap.alias_domains = has_adom;
	sb_free(&adom);
	return 0;
}

static void snapshot_remove_dir(const char *parent, const char *name)
{
	struct diags d = DIAGS_INIT;
	safe_remove_tree(parent, name, &d);
	diags_free(&d);
}

static void snapshot_atexit(void)
{
	diag_set_namer(NULL);
	free(snap.names.server_postfix_dir);
	snap.names.server_postfix_dir = NULL;
	if (snap.db && snap.pid == getpid())
		pgdb_close(&snap.db);
	if (snap.dir && snap.pid == getpid()) {
		char *parent = xstrdup(snap.dir);
		char *slash = strrchr(parent, '/');
		*slash = '\0';
		snapshot_remove_dir(parent, slash + 1);
		free(parent);
	}
}

/* What a killed vmailadm left: snapshot.PID of a process that is gone. */
static void snapshot_remove_stale(const char *parent)
{
	DIR *dir = opendir(parent);
	if (!dir)
		return;
	struct dirent *e;
	while ((e = readdir(dir)) != NULL) {
		if (strncmp(e->d_name, "snapshot.", 9) != 0)
			continue;
		char *endp;
		long pid = strtol(e->d_name + 9, &endp, 10);
		if (*endp || pid <= 0 || pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
			snapshot_remove_dir(parent, e->d_name);
	}
	closedir(dir);
}

/* One of the server's Postfix files beside the snapshot's main.cf as it
 * is: a hard link (same bytes and times: lint judges its map as on the
 * server; every write replaces a file, none writes into it), else a copy;
 * none when the server has none. */
static int snapshot_copy(const char *name, bool refresh, struct diags *d)
{
	char *slash = strrchr(snap.maincf, '/');
	char *src = xasprintf("%.*s/%s", (int)(slash - snap.maincf), snap.maincf, name);
	char *path = xasprintf("%s/%s", snap.dir, name);
	struct strbuf text = STRBUF_INIT;
	int rc = 0;
	unlink(path);
	FILE *fp = link(src, path) == 0 || errno == ENOENT ? NULL : fopen(src, "re");
	if (fp) {
		char chunk[8192];
		size_t got;
		while ((got = fread(chunk, 1, sizeof chunk, fp)) > 0)
			sb_add(&text, chunk, got);
		fclose(fp);
		struct file_owner own = { getuid(), getgid(), 0600 };
		rc = atomic_write_unsynced(path, sb_str(&text), text.len, &own, refresh, d);
	}
	sb_free(&text);
	free(path);
	free(src);
	return rc;
}

/* The server's main.cf as the snapshot's copy, and beside it as they are
 * the files the model looks for there by name: master.cf (send-as reads
 * and edits a service's -o) and the sender login map when main.cf names
 * none (sendas_default_path). pgserver.c commits an edit of any of them
 * to the server's own. */
static int snapshot_copy_config(bool refresh, struct diags *d)
{
	struct strbuf mc = STRBUF_INIT;
	char *path = xasprintf("%s/main.cf", snap.dir);
	struct file_owner own = { getuid(), getgid(), 0600 };
	int rc = snapshot_maincf(snap.maincf, snap.dir, &mc, d);
	if (rc == 0)
		rc = atomic_write_unsynced(path, mc.buf, mc.len, &own, refresh, d);
	free(path);
	sb_free(&mc);
	if (rc == 0)
		rc = snapshot_copy("master.cf", refresh, d);
	/* the map's source, then its built forms (newer than it, as there) */
	static const char *const built[] = { "", ".db", ".lmdb", ".cdb" };
	for (size_t i = 0; i < sizeof built / sizeof *built && rc == 0 && snap.sender_login; i++) {
		char *name = xasprintf("%s%s", snap.sender_login, built[i]);
		rc = snapshot_copy(name, refresh, d);
		free(name);
	}
	return rc;
}

/* The snapshot's files written from the database (all read before the
 * first is written: a refused query writes none). */
static int snapshot_write(struct pgdb *db, const struct config *cfg, bool refresh, struct diags *d)
{
	struct pgdb_flat fl;
	int rc = pgdb_flat_read(db, cfg->vmail_uid, cfg->vmail_gid, &fl, d);
	struct strbuf path = STRBUF_INIT;
	for (size_t f = 0; f < PGDB_FLAT_FILES && rc == 0; f++) {
		sb_reset(&path);
		sb_addf(&path, "%s/%s", snap.dir, pgdb_flat_name(f));
		struct file_owner own = { getuid(), getgid(), 0600 };
		/* Scratch, read again by the next run: no fsync (twelve of
		 * them cost more than the read under load). */
		rc = atomic_write_unsynced(path.buf, fl.text[f].buf, fl.text[f].len, &own, refresh, d);
	}
	sb_free(&path);
	pgdb_flat_free(&fl);
	return rc;
}

int pgdb_snapshot_open(struct config *cfg, struct diags *d)
{
	if (snap.dir)
		return 0;
	struct pgdb *db = pgdb_connect(cfg->pgsql_conninfo, d);
	if (!db)
		return -1;
	char *parent = xasprintf("%s/pgsql", cfg->state_dir);
	char *name = xasprintf("snapshot.%ld", (long)getpid());
	int rc = 0;
	if (mkdir(cfg->state_dir, 0700) < 0 && errno != EEXIST) {
		diag_error(d, cfg->state_dir, 0, _("cannot create the state directory: %s"),
			   strerror(errno));
		rc = -1;
	}
	int fd = rc == 0 ? safe_mkdirs(cfg->state_dir, "pgsql", 0700, (uid_t)-1, (gid_t)-1, d) : -1;
	if (fd >= 0) {
		close(fd);
		snapshot_remove_stale(parent);
		snapshot_remove_dir(parent, name);   /* a reused pid's */
		fd = safe_mkdirs(parent, name, 0700, (uid_t)-1, (gid_t)-1, d);
	}
	if (fd < 0)
		rc = -1;
	else
		close(fd);
	if (rc == 0) {
		snap.dir = xasprintf("%s/%s", parent, name);
		snap.maincf = xasprintf("%s/main.cf", cfg->postfix_dir);
		snap.pid = getpid();
		/* a relative name stays one under the snapshot directory */
		const char *sl = cfg->sender_login_map;
		snap.sender_login = !sl || !*sl		       ? xstrdup("sender_login")
				    : !strchr(sl, '/') ? xstrdup(sl)
						       : NULL;
		atexit(snapshot_atexit);
		rc = snapshot_copy_config(false, d);
		if (rc == 0)
			rc = snapshot_write(db, cfg, false, d);
	}
	if (rc == 0)
		snap.db = db;   /* for this process's commit: no new connection */
	else
		pgdb_close(&db);
	free(parent);
	free(name);
	if (rc < 0)
		return -1;
	char *users = xasprintf("%s/" SNAPSHOT_USERS, snap.dir);
	free(cfg->server_postfix_dir);
	cfg->server_postfix_dir = xstrdup(cfg->postfix_dir);
	world_set_load_hook(pgdb_snapshot_sync);
	config_set_derived(cfg, "postfix_dir", snap.dir, "backend pgsql (snapshot)");
	config_set_derived(cfg, "passwd_file", users, "backend pgsql (snapshot)");
	free(users);
	snap.names.postfix_dir = snap.dir;
	free(snap.names.server_postfix_dir);
	snap.names.server_postfix_dir = xstrdup(cfg->server_postfix_dir);
	diag_set_namer(&snapshot_namer);
	return 0;
}

void pgdb_snapshot_invalidate(void)
{
	if (snap.dir)
		snap.stale = true;
}

int pgdb_snapshot_sync(const struct config *cfg, struct diags *d)
{
	if (!snap.dir || !snap.stale || snap.pid != getpid())
		return 0;
	struct pgdb *db = pgdb_snapshot_conn(cfg, d);
	if (!db)
		return -1;
	/* a commit may have changed the server's main.cf too */
	int rc = snapshot_copy_config(true, d);
	if (rc == 0)
		rc = snapshot_write(db, cfg, true, d);
	if (rc == 0)
		snap.stale = false;
	return rc;
}

struct pgdb *pgdb_snapshot_conn(const struct config *cfg, struct diags *d)
{
	if (snap.pid != getpid())
		return NULL;
	if (snap.db && PQstatus(snap.db->conn) != CONNECTION_OK)
		pgdb_close(&snap.db);   /* the server went away meanwhile */
	if (!snap.db)
		snap.db = pgdb_connect(cfg->pgsql_conninfo, d);
	return snap.db;
}

bool pgdb_snapshot_table(const char *path)
{
	size_t n = snap.dir ? strlen(snap.dir) : 0;
	if (!n || strncmp(path, snap.dir, n) != 0 || path[n] != '/')
		return false;
	const char *name = path + n + 1;
	for (size_t i = 0; i < sizeof replaced_file / sizeof *replaced_file; i++)
		if (strcmp(name, replaced_file[i]) == 0)
			return true;
	return strcmp(name, SNAPSHOT_USERS) == 0;
}

bool pgdb_snapshot_param(const char *name)
{
	for (size_t i = 0; replaced[i]; i++)
		if (strcmp(name, replaced[i]) == 0)
			return true;
	/* its value there is not the server's (snapshot_alias_domains) */
	return snap.alias_domains && strcmp(name, "virtual_alias_domains") == 0;
}

const char *pgdb_snapshot_dir(void)
{
	return snap.dir;
}
