/* `vmailadm stats [DOMAIN|ADDRESS...] [--json] [--sort name|new|unread|size]
 * [--folders]`: new, unread, total and size of every selected mailbox from
 * one Maildir scan (src/maildir/scan.c), with totals and quota use. */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vmailadm/cli.h"
#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"
#include "vmailadm/maildir.h"
#include "vmailadm/model.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

enum sort_key { SORT_NAME, SORT_NEW, SORT_UNREAD, SORT_SIZE };

struct row {
	const struct mailbox *b;
	size_t id;                   /* in the scan; SIZE_MAX for an mbox */
	struct maildir_counts c;
};

static enum sort_key sort_key;

static int cmp_rows(const void *pa, const void *pb)
{
	const struct row *a = pa, *b = pb;
	uint64_t x = 0, y = 0;
	switch (sort_key) {
	case SORT_NEW: x = a->c.new_msgs; y = b->c.new_msgs; break;
	case SORT_UNREAD: x = a->c.unread; y = b->c.unread; break;
	case SORT_SIZE: x = a->c.bytes; y = b->c.bytes; break;
	case SORT_NAME: break;
	}
	if (x != y)
		return x > y ? -1 : 1;   /* biggest first */
	int d = strcmp(a->b->domain, b->b->domain);
	return d ? d : strcmp(a->b->local, b->b->local);
}

static void human(char *buf, size_t len, uint64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	size_t u = 0;
	while (v >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 " B", bytes);
	else
		snprintf(buf, len, v < 10 ? "%.1f %s" : "%.0f %s", v, units[u]);
}

/* The limit: the passwd-file's rule, else maildirsize's definition. */
static long long quota_limit(const struct row *r, const struct maildir_scan *s,
			     struct maildir_quota *q, bool *have_q)
{
	*have_q = r->id != SIZE_MAX && maildir_box_quota(s, r->id, q);
	if (r->b->quota_bytes >= 0)
		return r->b->quota_bytes;
	if (*have_q && q->limit_bytes >= 0)
		return q->limit_bytes;
	return -1;
}

static void quota_text(char *buf, size_t len, long long limit, uint64_t used)
{
	if (limit < 0) {
		snprintf(buf, len, "-");
	} else if (limit == 0) {
		snprintf(buf, len, "%s", _("unlimited"));
	} else {
		char h[32];
		human(h, sizeof h, (uint64_t)limit);
		snprintf(buf, len, _("%.0f%% of %s"), 100.0 * (double)used / (double)limit, h);
	}
}

static json_t *json_counts(json_t *o, const struct maildir_counts *c)
{
	json_object_set_new(o, "new", json_integer(c->new_msgs));
	json_object_set_new(o, "unread", json_integer(c->unread));
	json_object_set_new(o, "total", json_integer((json_int_t)maildir_total(c)));
	json_object_set_new(o, "bytes", json_integer((json_int_t)c->bytes));
	json_object_set_new(o, "cur", json_integer(c->cur_msgs));
	json_object_set_new(o, "deleted", json_integer(c->deleted));
	json_object_set_new(o, "tmp", json_integer(c->tmp));
	json_object_set_new(o, "tmp_stale", json_integer(c->tmp_stale));
	json_object_set_new(o, "newest", c->newest ? json_integer(c->newest) : json_null());
	return o;
}

static json_t *json_row(const struct row *r, const struct maildir_scan *s, bool folders)
{
	json_t *o = json_object();
	json_object_set_new(o, "address", json_string(r->b->address));
	json_counts(o, &r->c);
	int err = 0;
	enum maildir_status st = r->id == SIZE_MAX ? MAILDIR_UNREADABLE
			       : maildir_box_status(s, r->id, &err);
	json_object_set_new(o, "status", json_string(r->id == SIZE_MAX ? "mbox"
						      : maildir_status_name(st)));
	struct maildir_quota q;
	bool have_q;
	long long limit = quota_limit(r, s, &q, &have_q);
	json_object_set_new(o, "quota", limit >= 0 ? json_integer(limit) : json_null());
	if (have_q) {
		json_t *m = json_object();
		json_object_set_new(m, "limit_bytes", q.limit_bytes >= 0 ? json_integer(q.limit_bytes) : json_null());
		json_object_set_new(m, "limit_messages", q.limit_msgs >= 0 ? json_integer(q.limit_msgs) : json_null());
		json_object_set_new(m, "used_bytes", json_integer(q.used_bytes));
		json_object_set_new(m, "used_messages", json_integer(q.used_msgs));
		json_object_set_new(o, "maildirsize", m);
	} else {
		json_object_set_new(o, "maildirsize", json_null());
	}
	if (folders) {
		json_t *arr = json_array();
		size_t nf = r->id == SIZE_MAX ? 0 : maildir_box_folder_count(s, r->id);
		struct strbuf name = STRBUF_INIT;
		for (size_t i = 0; i < nf; i++) {
			struct maildir_folder f;
			maildir_box_folder(s, r->id, i, &f);
			json_t *fo = json_object();
			sb_reset(&name);
			if (*f.name)
				maildir_mutf7_decode(f.name, &name);
			else
				sb_adds(&name, "INBOX");
			json_object_set_new(fo, "name", json_string(name.buf));
			json_object_set_new(fo, "dir", *f.name ? json_sprintf(".%s", f.name) : json_string(""));
			json_counts(fo, &f.counts);
			json_object_set_new(fo, "status", json_string(maildir_status_name(f.status)));
			json_array_append_new(arr, fo);
		}
		sb_free(&name);
		json_object_set_new(o, "folders", arr);
	}
	return o;
}

static void print_line(FILE *fp, const char *addr, const char *nw, const char *unread,
		       const char *total, const char *size, const char *quota, int aw)
{
	fprintf(fp, "%-*s %7s %7s %8s %10s  %s\n", aw, addr, nw, unread, total, size, quota);
}

static void print_counts(const char *label, const struct maildir_counts *c, const char *quota,
			 int aw)
{
	char n[24], u[24], t[24], h[32];
	snprintf(n, sizeof n, "%" PRIu32, c->new_msgs);
	snprintf(u, sizeof u, "%" PRIu32, c->unread);
	snprintf(t, sizeof t, "%" PRIu64, maildir_total(c));
	human(h, sizeof h, c->bytes);
	print_line(stdout, label, n, u, t, h, quota, aw);
}

/* Select the mailboxes named on the command line (all when none). */
static size_t select_boxes(struct cli *cli, struct world *w, int argc, char **argv,
			   const struct mailbox ***out, bool *unknown)
{
	size_t nall, n = 0, cap = 0;
	const struct mailbox *all = world_mailboxes(w, &nall);
	const struct mailbox **v = NULL;
	if (argc == 0) {
		v = xcalloc(nall ? nall : 1, sizeof *v);
		for (size_t i = 0; i < nall; i++)
			v[n++] = &all[i];
		*out = v;
		return n;
	}
	for (int i = 0; i < argc; i++) {
		if (strchr(argv[i], '@')) {
			const struct mailbox *b = world_mailbox_find(w, argv[i]);
			if (!b) {
				fprintf(stderr, _("%s: %s: no such mailbox\n"), cli->prog, argv[i]);
				*unknown = true;
				continue;
			}
			xgrow(&v, &cap, n + 1, sizeof *v);
			v[n++] = b;
			continue;
		}
		const struct domain *dom = world_domain_find(w, argv[i]);
		size_t nd = 0;
		const struct mailbox *mb = dom ? world_domain_mailboxes(w, dom, &nd) : NULL;
		if (!dom) {
			fprintf(stderr, _("%s: %s: no such domain\n"), cli->prog, argv[i]);
			*unknown = true;
		}
		for (size_t k = 0; k < nd; k++) {
			xgrow(&v, &cap, n + 1, sizeof *v);
			v[n++] = &mb[k];
		}
	}
	/* A mailbox named twice (its domain and its address) shows once. */
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		for (size_t j = 0; j < k && !dup; j++)
			dup = v[j] == v[i];
		if (!dup)
			v[k++] = v[i];
	}
	*out = v;
	return k;
}

int cmd_stats(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "sort", required_argument, NULL, 's' },
		{ "folders", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "bench-rescan", no_argument, NULL, 'R' },   /* hidden: timing */
		{ NULL, 0, NULL, 0 },
	};
	bool json = cli->json, folders = false, bench = false;
	sort_key = SORT_NAME;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'f': folders = true; break;
		case 'R': bench = true; break;
		case 's':
			if (strcmp(optarg, "name") == 0) sort_key = SORT_NAME;
			else if (strcmp(optarg, "new") == 0) sort_key = SORT_NEW;
			else if (strcmp(optarg, "unread") == 0) sort_key = SORT_UNREAD;
			else if (strcmp(optarg, "size") == 0) sort_key = SORT_SIZE;
			else return cli_usage_error(cli, _("--sort takes name, new, unread or size"));
			break;
		case 'h':
			printf(_("Usage: %s stats [DOMAIN|ADDRESS...] [--json] [--sort name|new|unread|size] [--folders]\n"
				 "Messages (new, unread, total) and size of each mailbox, from its Maildir.\n"),
			       cli->prog);
			return EXIT_OK;
		default:
			return cli_usage_error(cli, _("stats: unknown option"));
		}
	}
	struct world *w = cli_world(cli);
	const struct mailbox **sel = NULL;
	bool unknown = false;
	size_t n = select_boxes(cli, w, argc - optind, argv + optind, &sel, &unknown);

	const char *base = world_mailbox_base(w);
	struct maildir_scan *s = maildir_scan_create(0);
	maildir_scan_set_oneshot(s, !bench);
	/* The quota column needs maildirsize for every box: read it on the
	 * workers while each box is open, not serially afterwards. */
	maildir_scan_set_read_quota(s, true);
	/* Only JSON shows tmp/ leftovers; the table has no column for them. */
	maildir_scan_set_skip_tmp(s, !json);
	struct row *rows = xcalloc(n ? n : 1, sizeof *rows);
	for (size_t i = 0; i < n; i++) {
		rows[i].b = sel[i];
		rows[i].id = SIZE_MAX;
		if (!sel[i]->is_maildir || !base || !*base)
			continue;
		/* Postfix joins virtual_mailbox_base and the value with a '/'. */
		const char *rel = sel[i]->value;
		while (*rel == '/')
			rel++;
		rows[i].id = maildir_scan_add(s, base, rel);
	}
	maildir_scan_run(s);
	if (bench) {
		/* `make bench`: how long a rescan takes when nothing changed. */
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		maildir_scan_run(s);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		size_t inc, mem = maildir_scan_memory(s, &inc);
		fprintf(stderr, "rescan_seconds=%.6f memory_bytes=%zu incremental_bytes=%zu boxes=%zu\n",
			(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
			mem, inc, maildir_scan_count(s));
	}

	struct diags d = DIAGS_INIT;
	bool problems = unknown;
	for (size_t i = 0; i < n; i++) {
		if (rows[i].id == SIZE_MAX)
			continue;
		maildir_box_counts(s, rows[i].id, &rows[i].c);
		enum maildir_status st = maildir_box_status(s, rows[i].id, NULL);
		if (st != MAILDIR_OK && st != MAILDIR_MISSING) {
			maildir_box_diags(s, rows[i].id, &d);
			problems = true;
		}
	}
	qsort(rows, n, sizeof *rows, cmp_rows);
	diags_print(&d, stderr);
	diags_free(&d);

	struct maildir_counts tot = { 0 };
	uint64_t tot_total = 0;
	for (size_t i = 0; i < n; i++) {
		tot.new_msgs += rows[i].c.new_msgs;
		tot.unread += rows[i].c.unread;
		tot.cur_msgs += rows[i].c.cur_msgs;
		tot.bytes += rows[i].c.bytes;
		tot_total += maildir_total(&rows[i].c);
	}
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, json_row(&rows[i], s, folders));
		cli_json_print(arr);
	} else if (n) {
		int aw = (int)strlen(_("ADDRESS"));
		for (size_t i = 0; i < n; i++)
			if ((int)strlen(rows[i].b->address) > aw)
				aw = (int)strlen(rows[i].b->address);
		print_line(stdout, _("ADDRESS"), _("NEW"), _("UNREAD"), _("TOTAL"), _("SIZE"),
			   _("QUOTA"), aw);
		struct strbuf sb = STRBUF_INIT, name = STRBUF_INIT;
		for (size_t i = 0; i < n; i++) {
			const struct row *r = &rows[i];
			sb_reset(&sb);
			sb_add_printable(&sb, r->b->address, strlen(r->b->address));
			enum maildir_status st = r->id == SIZE_MAX ? MAILDIR_OK
					       : maildir_box_status(s, r->id, NULL);
			if (r->id == SIZE_MAX || st == MAILDIR_MISSING || st == MAILDIR_UNSAFE ||
			    st == MAILDIR_UNREADABLE || st == MAILDIR_NOT_MAILDIR) {
				const char *why = r->id == SIZE_MAX ? _("(mbox, not scanned)")
						: st == MAILDIR_MISSING ? _("(no maildir yet)")
						: _("(unreadable)");
				print_line(stdout, sb.buf, "-", "-", "-", "-", why, aw);
				continue;
			}
			struct maildir_quota q;
			bool have_q;
			char qt[64];
			quota_text(qt, sizeof qt, quota_limit(r, s, &q, &have_q), r->c.bytes);
			print_counts(sb.buf, &r->c, qt, aw);
			for (size_t k = 1; folders && k < maildir_box_folder_count(s, r->id); k++) {
				struct maildir_folder f;
				maildir_box_folder(s, r->id, k, &f);
				sb_reset(&name);
				sb_adds(&name, "  ");
				struct strbuf dec = STRBUF_INIT;
				maildir_mutf7_decode(f.name, &dec);
				sb_add_printable(&name, dec.buf, dec.len);
				sb_free(&dec);
				print_counts(name.buf, &f.counts, "", aw);
			}
		}
		sb_free(&sb);
		sb_free(&name);
		char label[64];
		snprintf(label, sizeof label, ngettext("total (%zu mailbox)", "total (%zu mailboxes)", n), n);
		char nn[24], u[24], t[24], h[32];
		snprintf(nn, sizeof nn, "%" PRIu32, tot.new_msgs);
		snprintf(u, sizeof u, "%" PRIu32, tot.unread);
		snprintf(t, sizeof t, "%" PRIu64, tot_total);
		human(h, sizeof h, tot.bytes);
		print_line(stdout, label, nn, u, t, h, "", aw);
	}
	free(rows);
	free(sel);
	maildir_scan_free(&s);
	world_free(&w);
	if (n == 0 && !json)
		fprintf(stderr, _("%s: no mailboxes\n"), cli->prog);
	return (problems || n == 0) ? EXIT_PROBLEMS : EXIT_OK;
}
