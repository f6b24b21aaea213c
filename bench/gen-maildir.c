/* gen-maildir: a deterministic synthetic virtual-mailbox tree for `make
 * bench` (issue 3): domains x boxes x messages, skewed (a few huge boxes),
 * Postfix and Dovecot message names, flags, Maildir++ folders, Dovecot
 * files, and a matching main.cf + vmailbox + passwd-file + vmailadm.yaml.
 *
 * gen-maildir OUTDIR [BOXES [MESSAGES [DOMAINS [SEED]]]]
 * Message files are sparse (ftruncate to their size): scanners only read
 * names and inodes, and the tree stays small on disk. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t rng_state;

static uint64_t rnd(void)   /* splitmix64: the same tree for the same seed */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned pct(void) { return (unsigned)(rnd() % 100); }

static void die(const char *what, const char *path)
{
	fprintf(stderr, "gen-maildir: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

/* Paths are built with snprintf, checked (a truncated path is an error). */
#define PATHF(buf, ...) do { \
	if (snprintf(buf, sizeof buf, __VA_ARGS__) >= (int)sizeof buf) { \
		errno = ENAMETOOLONG; \
		die("path", buf); \
	} } while (0)

static void mkd(const char *p)
{
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		die("mkdir", p);
}

static void touch(const char *dir, const char *name, off_t size)
{
	char p[4096];
	PATHF(p, "%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die("create", p);
	if (size > 0 && ftruncate(fd, size) < 0)
		die("truncate", p);
	close(fd);
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	if (!fp || fputs(text, fp) < 0 || fclose(fp) != 0)
		die("write", path);
}

static void maildir(const char *p)
{
	char s[4096];
	mkd(p);
	PATHF(s, "%s/cur", p); mkd(s);
	PATHF(s, "%s/new", p); mkd(s);
	PATHF(s, "%s/tmp", p); mkd(s);
}

/* A message size: mostly a few KiB, sometimes large. */
static off_t msg_size(void)
{
	unsigned r = pct();
	if (r < 60) return 800 + (off_t)(rnd() % 4000);
	if (r < 90) return 5000 + (off_t)(rnd() % 30000);
	if (r < 99) return 40000 + (off_t)(rnd() % 400000);
	return 1000000 + (off_t)(rnd() % 9000000);
}

static unsigned long long seq;

/* One message in folder dir: new/ (15 %) or cur/ with flags. */
static void message(const char *dir, long t)
{
	char sub[4096], name[256], info[16] = "";
	off_t size = msg_size();
	bool in_new = pct() < 15;
	if (!in_new) {
		unsigned r = pct();
		const char *fl = r < 65 ? "S" : r < 75 ? "" : r < 83 ? "RS" : r < 90 ? "FS"
			       : r < 95 ? "ST" : r < 98 ? "aS" : "DS";
		PATHF(info, ":2,%s", fl);
	}
	seq++;
	if (pct() < 20)   /* Postfix virtual(8): no S= */
		PATHF(name, "%ld.V801I%llxM%llu.mail.example%s", t, seq,
			 (unsigned long long)(rnd() % 1000000), info);
	else
		PATHF(name, "%ld.M%lluP%llu.mail,S=%lld,W=%lld%s", t,
			 (unsigned long long)(rnd() % 1000000), seq % 65536,
			 (long long)size, (long long)size + size / 40, info);
	PATHF(sub, "%s/%s", dir, in_new ? "new" : "cur");
	touch(sub, name, size);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: gen-maildir OUTDIR [BOXES [MESSAGES [DOMAINS [SEED]]]]\n");
		return 2;
	}
	const char *out = argv[1];
	long nbox = argc > 2 ? atol(argv[2]) : 1000;
	long nmsg = argc > 3 ? atol(argv[3]) : 100000;
	long ndom = argc > 4 ? atol(argv[4]) : nbox / 100 + 1;
	rng_state = argc > 5 ? strtoull(argv[5], NULL, 10) : 42;
	if (nbox < 1 || nmsg < 0 || ndom < 1 || strlen(out) > 1000)
		return 2;

	/* Skewed: Zipf weights over a shuffled order, so that a few boxes are
	 * huge and most are small; the counts add up to nmsg exactly. */
	double *wt = calloc((size_t)nbox, sizeof *wt), sum = 0;
	long *cnt = calloc((size_t)nbox, sizeof *cnt), *perm = calloc((size_t)nbox, sizeof *perm);
	if (!wt || !cnt || !perm)
		return 1;
	for (long i = 0; i < nbox; i++)
		perm[i] = i;
	for (long i = nbox - 1; i > 0; i--) {
		long j = (long)(rnd() % (uint64_t)(i + 1)), x = perm[i];
		perm[i] = perm[j];
		perm[j] = x;
	}
	for (long i = 0; i < nbox; i++)
		sum += wt[perm[i]] = 1.0 / pow((double)i + 10.0, 0.9);
	long given = 0;
	for (long i = 0; i < nbox; i++)
		given += cnt[i] = (long)floor((double)nmsg * wt[i] / sum);
	for (long i = 0; given < nmsg; i = (i + 1) % nbox, given++)
		cnt[perm[i]]++;

	char p[4096], q[4096];
	mkd(out);
	PATHF(p, "%s/mail", out); mkd(p);
	PATHF(p, "%s/etc", out); mkd(p);
	PATHF(p, "%s/etc/postfix", out); mkd(p);
	PATHF(p, "%s/etc/dovecot", out); mkd(p);
	PATHF(p, "%s/etc/postfix/vmailbox", out);
	FILE *vm = fopen(p, "w");
	PATHF(p, "%s/etc/dovecot/users", out);
	FILE *us = fopen(p, "w");
	PATHF(p, "%s/boxes.txt", out);      /* for du and the loop */
	FILE *bl = fopen(p, "w");
	if (!vm || !us || !bl)
		die("create", out);
	for (long d = 0; d < ndom; d++) {
		PATHF(p, "%s/mail/d%03ld.example", out, d);
		mkd(p);
	}
	static const char *const folders[] = { "Sent", "Drafts", "Trash", "Junk",
		"Archives.2024", "&AMk-l&AOk-ments envoy&AOk-s" };
	long nfold = 0;
	const long t0 = 1700000000;
	for (long b = 0; b < nbox; b++) {
		long d = b % ndom;
		char box[2048];
		PATHF(box, "%s/mail/d%03ld.example/u%06ld", out, d, b);
		maildir(box);
		fprintf(vm, "u%06ld@d%03ld.example\td%03ld.example/u%06ld/\n", b, d, d, b);
		fprintf(bl, "%s\n", box);
		if (pct() < 60)
			fprintf(us, "u%06ld@d%03ld.example:{SHA512-CRYPT}$6$gen$x:5000:5000::::"
				"userdb_quota_rule=*:storage=%dM\n", b, d, 100 << (b % 5));
		else
			fprintf(us, "u%06ld@d%03ld.example:{SHA512-CRYPT}$6$gen$x:5000:5000::::\n", b, d);
		/* Folders in half the boxes: Sent, Drafts, Trash, Junk, sometimes more. */
		const char *fl[6];
		size_t nf = 0;
		if (pct() < 50) {
			for (size_t i = 0; i < 4; i++)
				fl[nf++] = folders[i];
			if (pct() < 20) fl[nf++] = folders[4];
			if (pct() < 5) fl[nf++] = folders[5];
		}
		nfold += (long)nf;
		char fdir[6][3072];
		for (size_t i = 0; i < nf; i++) {
			PATHF(fdir[i], "%s/.%s", box, fl[i]);
			maildir(fdir[i]);
			touch(fdir[i], "maildirfolder", 0);
		}
		if (pct() < 70) {          /* Dovecot has seen this box */
			touch(box, "dovecot-uidlist", 120);
			touch(box, "dovecot-uidvalidity", 8);
			PATHF(q, "dovecot-uidvalidity.%08lx", (unsigned long)(t0 + b));
			touch(box, q, 0);
			touch(box, "dovecot.index.log", 4096);
			touch(box, "dovecot.index.cache", 8192);
			touch(box, "dovecot.list.index.log", 1024);
			touch(box, "subscriptions", 40);
			for (size_t i = 0; i < nf; i++) {
				touch(fdir[i], "dovecot-uidlist", 60);
				touch(fdir[i], "dovecot.index.log", 1024);
			}
			if (pct() < 40) {
				PATHF(p, "%s/maildirsize", box);
				write_file(p, "104857600S\n    123456 7\n");
			}
		}
		if (pct() < 2) {           /* a delivery that never finished */
			PATHF(q, "%s/tmp", box);
			touch(q, "1690000000.M1P1.mail", 333);
		}
		for (long m = 0; m < cnt[b]; m++) {
			long t = t0 + (long)(rnd() % 50000000);
			if (nf && pct() < 30)
				message(fdir[rnd() % nf], t);
			else
				message(box, t);
		}
	}
	fclose(vm);
	fclose(us);
	fclose(bl);
	PATHF(p, "%s/etc/postfix/main.cf", out);
	FILE *mc = fopen(p, "w");
	if (!mc)
		die("create", p);
	fprintf(mc, "# generated by bench/gen-maildir\nmyhostname = mail.example\n"
		"mydestination = localhost\nvirtual_mailbox_domains =");
	for (long d = 0; d < ndom; d++)
		fprintf(mc, "%s d%03ld.example", d ? "," : "", d);
	fprintf(mc, "\nvirtual_mailbox_base = %s/mail\n"
		"virtual_mailbox_maps = hash:%s/etc/postfix/vmailbox\n"
		"virtual_uid_maps = static:5000\nvirtual_gid_maps = static:5000\n", out, out);
	fclose(mc);
	PATHF(p, "%s/etc/aliases", out);
	write_file(p, "postmaster: root\n");
	PATHF(p, "%s/vmailadm.yaml", out);
	PATHF(q, "postfix_dir: %s/etc/postfix\npasswd_file: %s/etc/dovecot/users\n"
		 "aliases_file: %s/etc/aliases\nstate_dir: %s/state\narchive_dir: %s/state/archive\n",
		 out, out, out, out, out);
	write_file(p, q);
	printf("boxes=%ld folders=%ld messages=%ld domains=%ld\n", nbox, nbox + nfold, nmsg, ndom);
	free(wt);
	free(cnt);
	free(perm);
	return 0;
}
