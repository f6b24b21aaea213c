/* Fixture servers for the tracer and lint tests: tests/fixtures/world/NAME
 * is copied to a temporary directory with @DIR@ replaced by that directory
 * (main.cf needs absolute paths), and a config points into it. */
#ifndef VMAILADM_TESTS_WORLDTREE_H
#define VMAILADM_TESTS_WORLDTREE_H
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cu.h"
#include "vmailadm/config.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

static char wt_dir[256];
static const char *wt_src;
static size_t wt_src_len;

static int wt_copy_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	char *dst = xasprintf("%s%s", wt_dir, path + wt_src_len);
	if (type == FTW_D) {
		mkdir(dst, 0755);
	} else if (type == FTW_F) {
		FILE *in = fopen(path, "rb");
		struct strbuf sb = STRBUF_INIT;
		char buf[4096];
		size_t n;
		while (in && (n = fread(buf, 1, sizeof buf, in)) > 0)
			sb_add(&sb, buf, n);
		if (in)
			fclose(in);
		FILE *out = fopen(dst, "wb");
		const char *p = sb_str(&sb), *q;
		while ((q = strstr(p, "@DIR@"))) {
			fwrite(p, 1, (size_t)(q - p), out);
			fputs(wt_dir, out);
			p = q + 5;
		}
		fputs(p, out);
		fclose(out);
		sb_free(&sb);
		chmod(dst, st->st_mode & 0777);
	}
	free(dst);
	return 0;
}

static int wt_rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static inline void wt_remove(void)
{
	if (wt_dir[0])
		nftw(wt_dir, wt_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	wt_dir[0] = '\0';
}

/* A path inside the current tree (static buffer). */
static inline const char *wt_path(const char *rel)
{
	static char p[512];
	snprintf(p, sizeof p, "%s/%s", wt_dir, rel);
	return p;
}

/* Instantiate world/NAME; returns a config the caller frees with wt_cfg_free. */
static inline struct config *wt_make(const char *name)
{
	wt_remove();
	snprintf(wt_dir, sizeof wt_dir, "%s/vmailadm-wt-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(wt_dir))
		return NULL;
	char *src = xasprintf("world/%s", name);
	wt_src = cu_fixture(src);
	wt_src_len = strlen(wt_src);
	nftw(wt_src, wt_copy_one, 16, FTW_PHYS);
	free(src);

	struct config *cfg = xcalloc(1, sizeof *cfg);
	cfg->postfix_dir = xasprintf("%s/etc/postfix", wt_dir);
	cfg->passwd_file = xasprintf("%s/etc/dovecot/users", wt_dir);
	cfg->aliases_file = xasprintf("%s/etc/aliases", wt_dir);
	cfg->password_scheme = xstrdup("SHA512-CRYPT");
	cfg->dovecot_mail_location = xasprintf("maildir:%s/mail/%%d/%%n", wt_dir);
	cfg->vmail_uid = (long)getuid();
	cfg->vmail_gid = (long)getgid();
	return cfg;
}

static inline void wt_cfg_free(struct config *cfg)
{
	free(cfg->postfix_dir);
	free(cfg->passwd_file);
	free(cfg->aliases_file);
	free(cfg->password_scheme);
	free(cfg->dovecot_mail_location);
	free(cfg);
}

#endif
