/* Map builds of a commit: a file's new version at a temporary name beside
 * it, the program building the map of that temporary file started at once
 * (the commit goes on meanwhile), waited for, and both renamed into place,
 * the old map kept aside by an exchange until the commit ends. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commit_int.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/inject.h"
#include "vmailadm/spawn.h"
#include "vmailadm/table.h"
#include "vmailadm/xalloc.h"

/* What a crash may leave beside a map source: its temporary copy and the
 * map built from that. */
const char *const build_map_suffixes[] = { ".db", ".lmdb", ".cdb", NULL };

int build_write(struct run *r, struct build *b, const char *path, const char *data, size_t len,
		       bool ensure_new_mtime)
{
	return atomic_temp_write(path, data, len, NULL, ensure_new_mtime, &b->src, r->d);
}

/* Start the program on the written source; it runs while we go on. */
int build_start(struct run *r, struct build *b, const char *type, const char *program)
{
	char **words = spawn_argv_split(program);
	size_t n = 0;
	while (words[n])
		n++;
	b->argv = xcalloc(n + 4, sizeof *b->argv);
	memcpy(b->argv, words, n * sizeof *words);
	free(words);
	b->argv[n] = xstrdup("-c");
	b->argv[n + 1] = xstrdup(config_postfix_conf_dir(r->cfg));
	b->argv[n + 2] = xasprintf("%s:%s", type, b->src.path);
	b->tmpdb = xasprintf("%s%s", b->src.path, table_type_built_suffix(type));
	b->db = xasprintf("%s%s", b->src.target, table_type_built_suffix(type));
	b->started = commit_now();
	return spawn_start((const char *const *)b->argv, NULL, 0, NULL, PROGRAM_TIMEOUT_MS, &b->proc, r->d);
}

/* Wait for the map's program; 0 when it built the map. */
int build_wait(struct run *r, struct build *b, const char *what)
{
	if (!b->proc)
		return 0;
	struct spawn_result res;
	spawn_wait(&b->proc, &res);
	commit_span_add(r, b->started, res.seconds, true);
	int rc = spawn_result_check((const char *const *)b->argv, &res, PROGRAM_TIMEOUT_MS, r->d);
	if (rc == 0 && res.err.len)
		/* postmap warns on stderr and still exits 0 (duplicate keys ...). */
		commit_step(r, true, sb_str(&res.err), "%s", what);
	else
		commit_step(r, rc == 0, rc == 0 ? NULL : sb_str(&res.err), "%s", what);
	spawn_result_free(&res);
	return rc;
}

/* Rename the new source over the file, then its map over the map (a crash
 * in between leaves the new source, which the journal recognises). The old
 * map is exchanged with the new one rather than replaced: it waits at the
 * temporary name until the commit ends, so a rollback puts back the very
 * map that served, without running postmap again (which may be what
 * failed). src_in and db_in say what is in place, even on failure: a half
 * installed map is rolled back whole (issue 10, defect 4). The directory
 * is synced by the caller. */
int build_install(struct build *b, bool inject, struct diags *d)
{
	if (atomic_temp_rename(&b->src, d) < 0)
		return -1;
	b->src_in = true;
	if (!b->tmpdb)
		return inject ? inject_at("install-file", d) : 0;
	if (inject && inject_at("install-source", d) < 0)
		return -1;
	struct stat st;
	bool had = lstat(b->db, &st) == 0;
	b->had_db = had;
	if (had && !S_ISREG(st.st_mode)) {
		diag_error(d, b->db, 0, _("is not a regular file: the map built in %s cannot replace it"), b->tmpdb);
		return -1;
	}
	if (had && renameat2(AT_FDCWD, b->tmpdb, AT_FDCWD, b->db, RENAME_EXCHANGE) == 0) {
		b->old_db = true;
	} else if (rename(b->tmpdb, b->db) < 0) {
		/* An exchange the filesystem does not offer falls back to the
		 * rename; an immutable map refuses both. */
		diag_error(d, b->db, 0, _("cannot rename %s to it: %s"), b->tmpdb, strerror(errno));
		return -1;
	} else {
		xfree(&b->tmpdb);
	}
	b->db_in = true;
	return inject ? inject_at("install-map", d) : 0;
}

/* Wait for a program still running, remove what was not installed. */
void build_discard(struct build *b)
{
	if (b->proc) {
		struct spawn_result res;
		spawn_wait(&b->proc, &res);
		spawn_result_free(&res);
	}
	if (b->tmpdb)
		unlink(b->tmpdb);
	atomic_temp_discard(&b->src);
	spawn_argv_free(b->argv);
	free(b->tmpdb);
	free(b->db);
	memset(b, 0, sizeof *b);
	b->src.fd = -1;
}

/* Write a map's source and build its map, now (a restore, a recovery). */
int build_map(struct run *r, const char *path, const char *type, const char *data,
		     size_t len, const char *program, const char *what)
{
	if (!program || !*program) {
		if (atomic_write(path, data, len, NULL, true, r->d) < 0)
			return -1;
		commit_step(r, true, _("map rebuild disabled in the configuration"), "%s %s", what, path);
		return 0;
	}
	struct build b = { .src.fd = -1 };
	int rc = build_write(r, &b, path, data, len, false);
	if (rc == 0)
		rc = atomic_temp_sync(&b.src, r->d);
	if (rc == 0)
		rc = build_start(r, &b, type, program);
	if (rc == 0)
		rc = build_wait(r, &b, what);
	if (rc == 0)
		rc = build_install(&b, false, r->d);
	if (rc == 0)
		rc = atomic_fsync_parent(path, r->d);
	build_discard(&b);
	return rc;
}
