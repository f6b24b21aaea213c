/* `vmailadm stats [DOMAIN|ADDRESS...] [--json] [--sort name|new|unread|size]
 * [--folders] [--over PERCENT]`: new, unread, total and size of every
 * selected mailbox from one Maildir scan (src/maildir/scan.c), with totals
 * and quota use; --over keeps those using PERCENT of their quota or more. */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vmailadm/cli.h"
#include "vmailadm/clock.h"
#include "vmailadm/diag.h"
#include "vmailadm/human.h"
#include "vmailadm/i18n.h"
#include "vmailadm/maildir/name.h"
#include "vmailadm/maildir/quota.h"
#include "vmailadm/maildir/scan.h"
#include "vmailadm/model.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

enum sort_key { SORT_NAME, SORT_NEW, SORT_UNREAD, SORT_SIZE };

/* VMAILADM_TIMING=1: how the command's time splits between loading the
 * model, the scan and the rest (sorting, printing, freeing), for `make
 * bench`. Machine-readable on purpose: not translated. */
static struct timespec started, loaded, scanned;

static double since_start(const struct timespec *t)
{
	return clock_seconds(&started, t);
}

static void timing_report(void)
{
	if (!clock_timing_on())
		return;
	struct timespec now;
	clock_now(&now);
	fprintf(stderr, "vmailadm-timing: total=%.6f load=%.6f scan=%.6f rest=%.6f\n",
		since_start(&now), since_start(&loaded), since_start(&scanned) - since_start(&loaded),
		since_start(&now) - since_start(&scanned));
}

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

/* The limit: the passwd-file's rule, else maildirsize's definition; -1
 * none, QUOTA_UNKNOWN when the passwd-file could not be read. */
enum { QUOTA_UNKNOWN = -2 };

static long long quota_limit(const struct row *r, const struct maildir_scan *s,
			     struct maildir_quota *q, bool *have_q)
{
	*have_q = r->id != SIZE_MAX && maildir_box_quota(s, r->id, q);
	if (r->b->pw_unknown)
		return QUOTA_UNKNOWN;   /* the rule is in a passwd-file we cannot read */
	return maildir_quota_limit(r->b->quota_bytes, *have_q ? q : NULL);
}

/* The quota column's words, translated once rather than on every line.
 * "%.0f%% of %s" is cut at its two conversions so that a line is put
 * together without printf; a translation of another shape (positional
 * arguments, say) goes through snprintf. */
struct quota_words {
	const char *unlimited;
	const char *fmt;
	char part[3][64];            /* the text before, between, after */
	bool pct_first, cut;
};

static void quota_words_init(struct quota_words *qw)
{
	memset(qw, 0, sizeof *qw);
	qw->unlimited = _("unlimited");
	qw->fmt = _("%.0f%% of %s");
	bool pct = false, str = false;
	size_t k = 0, len = 0;
	qw->cut = true;
	for (const char *p = qw->fmt; *p && qw->cut; p++) {
		char c = *p;
		if (c == '%' && p[1] == '%') {
			p++;
		} else if (c == '%' && strncmp(p, "%.0f", 4) == 0 && !pct) {
			qw->pct_first = !str;
			pct = true;
			k++, len = 0, p += 3;
			continue;
		} else if (c == '%' && p[1] == 's' && !str) {
			str = true;
			k++, len = 0, p++;
			continue;
		} else if (c == '%') {
			qw->cut = false;
			break;
		}
		if (len + 1 >= sizeof qw->part[0]) {
			qw->cut = false;
			break;
		}
		qw->part[k][len++] = c;
	}
	qw->cut = qw->cut && pct && str;
}

/* 100 * used / limit as "%.0f" writes it (nearest, ties to even). */
static void percent_text(char *buf, size_t len, uint64_t used, long long limit)
{
	double d = 100.0 * (double)used / (double)limit;
	if (!(d < 4503599627370496.0)) {      /* 2^52: no fraction left */
		snprintf(buf, len, "%.0f", d);
		return;
	}
	uint64_t q = (uint64_t)d;
	double frac = d - (double)q;          /* exact below 2^52 */
	q += frac > 0.5 || (frac == 0.5 && (q & 1));
	human_u64(buf, q);
}

static void quota_text(const struct quota_words *qw, char *buf, size_t len, long long limit,
		       uint64_t used)
{
	if (limit == QUOTA_UNKNOWN) {
		snprintf(buf, len, "?");
	} else if (limit < 0) {
		snprintf(buf, len, "-");
	} else if (limit == 0) {
		snprintf(buf, len, "%s", qw->unlimited);
	} else {
		char h[32], pct[32];
		human_size(h, sizeof h, (uint64_t)limit);
		if (!qw->cut) {
			snprintf(buf, len, qw->fmt, 100.0 * (double)used / (double)limit, h);
			return;
		}
		percent_text(pct, sizeof pct, used, limit);
		const char *first = qw->pct_first ? pct : h, *second = qw->pct_first ? h : pct;
		const char *pieces[] = { qw->part[0], first, qw->part[1], second, qw->part[2] };
		size_t at = 0;
		for (size_t i = 0; i < 5; i++) {
			size_t n = strlen(pieces[i]);
			if (n > len - 1 - at)
				n = len - 1 - at;
			memcpy(buf + at, pieces[i], n);
			at += n;
		}
		buf[at] = 0;
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

/* s padded with spaces to width columns (utf8_columns: "Éléments envoyés"
 * or "total (7 boîtes mail)" line up as ASCII does), on the right
 * (left-aligned) or on the left, as printf's %-*s and %*s do for ASCII. */
static void add_padded(struct strbuf *out, const char *s, int width, bool left)
{
	size_t n = strlen(s), cols = utf8_columns(s);
	size_t pad = width > 0 && (size_t)width > cols ? (size_t)width - cols : 0;
	sb_grow(out, n + pad);
	if (!left)
		memset(out->buf + out->len, ' ', pad);
	memcpy(out->buf + out->len + (left ? 0 : pad), s, n);
	if (left)
		memset(out->buf + out->len + n, ' ', pad);
	out->len += n + pad;
	out->buf[out->len] = 0;
}

/* One line of the table, laid out as "%-*s %7s %7s %8s %10s  %s\n" but
 * appended to out by hand: a big server's table has 10,000 of them. */
static void table_line(struct strbuf *out, const char *addr, const char *nw, const char *unread,
		       const char *total, const char *size, const char *quota, int aw)
{
	add_padded(out, addr, aw, true);
	sb_addc(out, ' ');
	add_padded(out, nw, 7, false);
	sb_addc(out, ' ');
	add_padded(out, unread, 7, false);
	sb_addc(out, ' ');
	add_padded(out, total, 8, false);
	sb_addc(out, ' ');
	add_padded(out, size, 10, false);
	sb_adds(out, "  ");
	sb_adds(out, quota);
	sb_addc(out, '\n');
}

static void table_counts(struct strbuf *out, const char *label, uint64_t nw, uint64_t unread,
			 uint64_t total, uint64_t bytes, const char *quota, int aw)
{
	char n[24], u[24], t[24], h[32];
	human_u64(n, nw);
	human_u64(u, unread);
	human_u64(t, total);
	human_size(h, sizeof h, bytes);
	table_line(out, label, n, u, t, h, quota, aw);
}

/* The address as shown: escaped only when it has something to escape. */
static void add_label(struct strbuf *sb, const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f || c == '\\') {
			sb_add_printable(sb, s, n);
			return;
		}
	}
	sb_add(sb, s, n);
}

/* Written in 256 KiB pieces: the whole table need not sit in memory. */
static void table_flush(struct strbuf *out, bool all)
{
	if (out->len == 0 || (!all && out->len < 256 * 1024))
		return;
	fwrite(out->buf, 1, out->len, stdout);
	sb_reset(out);
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
				fprintf(stderr, _("%s: %s: no such mailbox\n"), cli->who, argv[i]);
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
			fprintf(stderr, _("%s: %s: no such domain\n"), cli->who, argv[i]);
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

/* --sort's word into sort_key: 0, or EXIT_USAGE after the message. */
static int parse_sort(struct cli *cli, const char *sort)
{
	sort_key = SORT_NAME;
	if (!sort)
		return 0;
	static const char *const keys[] = { "name", "new", "unread", "size" };
	size_t k = 0;
	while (k < 4 && strcmp(sort, keys[k]) != 0)
		k++;
	if (k == 4)
		return cli_unknown(cli, _("--sort takes name, new, unread or size, not '%s'"), sort,
				   keys, 4);
	sort_key = (enum sort_key)k;
	return 0;
}

/* One scan of the n selected mailboxes' Maildirs: a row each (an mbox, or
 * a Maildir with no base, has none in the scan). */
static struct row *scan_rows(const struct world *w, const struct mailbox **sel, size_t n,
			     struct maildir_scan *s, bool json)
{
	const char *base = world_mailbox_base(w);
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
		/* The table takes the limit from the passwd-file when it has
		 * one; only JSON shows maildirsize beside it. */
		if (!json && sel[i]->quota_bytes >= 0)
			maildir_scan_skip_quota(s, rows[i].id);
	}
	maildir_scan_run(s);
	return rows;
}

/* `make bench`: how long a rescan takes when nothing changed. */
static void bench_rescan(struct maildir_scan *s)
{
	struct timespec t0, t1;
	clock_now(&t0);
	maildir_scan_run(s);
	clock_now(&t1);
	size_t inc, mem = maildir_scan_memory(s, &inc);
	fprintf(stderr, "rescan_seconds=%.6f memory_bytes=%zu incremental_bytes=%zu boxes=%zu\n",
		clock_seconds(&t0, &t1),
		mem, inc, maildir_scan_count(s));
}

/* The scan's figures into the rows, its problems printed, the rows sorted;
 * true when a Maildir could not be read as one. */
static bool collect_rows(struct cli *cli, struct row *rows, size_t n,
			 const struct maildir_scan *s)
{
	struct diags d = DIAGS_INIT;
	bool problems = false;
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
	/* The model lists mailboxes by domain and local part: sorted by name,
	 * the rows usually are in order already, and one pass tells. */
	bool in_order = true;
	for (size_t i = 1; i < n && in_order; i++)
		in_order = cmp_rows(&rows[i - 1], &rows[i]) <= 0;
	if (!in_order)
		qsort(rows, n, sizeof *rows, cmp_rows);
	cli_diags(cli, &d);
	diags_free(&d);
	return problems;
}

/* --over PERCENT: 1 to 1000 (a box may be over its quota: virtual(8)
 * does not enforce it); 0 when not given, -1 after a usage error. */
static int parse_over(struct cli *cli, const char *v)
{
	if (!v)
		return 0;
	char *end;
	long p = strtol(v, &end, 10);
	if (end == v || *end != '\0' || p < 1 || p > 1000) {
		cli_usage_error(cli, _("--over takes a percentage of the quota, 1 to 1000, not '%s'"), v);
		return -1;
	}
	return (int)p;
}

/* Only the rows of boxes using over percent of their quota or more (a box
 * with no limit, or an unlimited one, is never over); their new count. */
static size_t keep_over(struct row *rows, size_t n, const struct maildir_scan *s, int over)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		struct maildir_quota q;
		bool have_q;
		long long limit = rows[i].id == SIZE_MAX ? -1 : quota_limit(&rows[i], s, &q, &have_q);
		if (limit > 0 && (double)rows[i].c.bytes * 100.0 >= (double)over * (double)limit)
			rows[k++] = rows[i];
	}
	return k;
}

/* A folder's line under its mailbox (--folders): its name decoded. */
static void folder_label(struct strbuf *name, const struct maildir_folder *f)
{
	sb_reset(name);
	sb_adds(name, "  ");
	struct strbuf dec = STRBUF_INIT;
	maildir_mutf7_decode(f->name, &dec);
	sb_add_printable(name, dec.buf, dec.len);
	sb_free(&dec);
}

static void table_folder(struct strbuf *out, struct strbuf *name, const struct maildir_folder *f,
			 int aw)
{
	folder_label(name, f);
	table_counts(out, name->buf, f->counts.new_msgs, f->counts.unread, maildir_total(&f->counts),
		     f->counts.bytes, "", aw);
}

/* The first column's width: the widest of its labels as shown (the
 * heading, each address, each folder with --folders, the totals' label). */
static int label_width(const struct row *rows, size_t n, const struct maildir_scan *s,
		       bool folders, const char *total)
{
	int aw = (int)utf8_columns(_("ADDRESS")), w;
	if ((w = (int)utf8_columns(total)) > aw)
		aw = w;
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		sb_reset(&sb);
		add_label(&sb, rows[i].b->address);
		if ((w = (int)utf8_columns(sb.buf)) > aw)
			aw = w;
		if (!folders || rows[i].id == SIZE_MAX)
			continue;
		for (size_t k = 1; k < maildir_box_folder_count(s, rows[i].id); k++) {
			struct maildir_folder f;
			maildir_box_folder(s, rows[i].id, k, &f);
			folder_label(&sb, &f);
			if ((w = (int)utf8_columns(sb.buf)) > aw)
				aw = w;
		}
	}
	sb_free(&sb);
	return aw;
}

/* The text table: a line per mailbox (and per folder with --folders),
 * then the totals. */
static void print_table(const struct row *rows, size_t n, const struct maildir_scan *s,
			bool folders)
{
	struct maildir_counts tot = { 0 };
	uint64_t tot_total = 0;
	for (size_t i = 0; i < n; i++) {
		tot.new_msgs += rows[i].c.new_msgs;
		tot.unread += rows[i].c.unread;
		tot.cur_msgs += rows[i].c.cur_msgs;
		tot.bytes = maildir_bytes_add(tot.bytes, rows[i].c.bytes);
		tot_total += maildir_total(&rows[i].c);
	}
	char label[64];
	snprintf(label, sizeof label, ngettext("total (%zu mailbox)", "total (%zu mailboxes)", n), n);
	int aw = label_width(rows, n, s, folders, label);
	struct quota_words qw;
	quota_words_init(&qw);
	const char *mbox = _("(mbox, not scanned)"), *no_maildir = _("(no maildir yet)"),
		   *unreadable = _("(unreadable)");
	struct strbuf out = STRBUF_INIT, sb = STRBUF_INIT, name = STRBUF_INIT;
	table_line(&out, _("ADDRESS"), _("NEW"), _("UNREAD"), _("TOTAL"), _("SIZE"),
		   _("QUOTA"), aw);
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		sb_reset(&sb);
		add_label(&sb, r->b->address);
		enum maildir_status st = r->id == SIZE_MAX ? MAILDIR_OK
				       : maildir_box_status(s, r->id, NULL);
		if (r->id == SIZE_MAX || st == MAILDIR_MISSING || st == MAILDIR_UNSAFE ||
		    st == MAILDIR_UNREADABLE || st == MAILDIR_NOT_MAILDIR) {
			const char *why = r->id == SIZE_MAX ? mbox
					: st == MAILDIR_MISSING ? no_maildir : unreadable;
			table_line(&out, sb.buf, "-", "-", "-", "-", why, aw);
			continue;
		}
		struct maildir_quota q;
		bool have_q;
		char qt[96];
		quota_text(&qw, qt, sizeof qt, quota_limit(r, s, &q, &have_q), r->c.bytes);
		table_counts(&out, sb.buf, r->c.new_msgs, r->c.unread, maildir_total(&r->c),
			     r->c.bytes, qt, aw);
		for (size_t k = 1; folders && k < maildir_box_folder_count(s, r->id); k++) {
			struct maildir_folder f;
			maildir_box_folder(s, r->id, k, &f);
			table_folder(&out, &name, &f, aw);
		}
		table_flush(&out, false);
	}
	sb_free(&sb);
	sb_free(&name);
	table_counts(&out, label, tot.new_msgs, tot.unread, tot_total, tot.bytes, "", aw);
	table_flush(&out, true);
	sb_free(&out);
}

int cmd_stats(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "sort", required_argument, NULL, 's' },
		{ "folders", no_argument, NULL, 'f' },
		{ "over", required_argument, NULL, 'o' },
		{ "bench-rescan", no_argument, NULL, 'R' },   /* hidden: timing */
		{ NULL, 0, NULL, 0 },
	};
	struct cli_args a;
	if (cli_parse(cli, argc, argv, "", opts, &a))
		return EXIT_USAGE;
	bool json = cli_json_wanted(cli, &a), folders = cli_arg(&a, "folders") != NULL;
	bool bench = cli_arg(&a, "bench-rescan") != NULL;
	if (parse_sort(cli, cli_arg(&a, "sort")))
		return EXIT_USAGE;
	int over = parse_over(cli, cli_arg(&a, "over"));
	if (over < 0)
		return EXIT_USAGE;
	clock_now(&started);
	struct world *w = cli_world(cli);
	clock_now(&loaded);
	const struct mailbox **sel = NULL;
	bool unknown = false;
	size_t n = select_boxes(cli, w, a.nops, a.ops, &sel, &unknown);

	struct maildir_scan *s = maildir_scan_create(0);
	maildir_scan_set_oneshot(s, !bench);
	struct row *rows = scan_rows(w, sel, n, s, json);
	clock_now(&scanned);
	if (bench)
		bench_rescan(s);
	bool problems = collect_rows(cli, rows, n, s);
	problems = problems || unknown || world_unreadable_count(w) > 0;
	size_t nsel = n;
	if (over)
		n = keep_over(rows, n, s, over);
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, json_row(&rows[i], s, folders));
		cli_json_print(arr);
	} else if (n) {
		print_table(rows, n, s, folders);
	}
	free(rows);
	free(sel);
	maildir_scan_free(&s);
	world_free(&w);
	timing_report();
	if (n == 0 && !json && over && nsel)
		fprintf(stderr, _("%s: no mailbox uses %d%% of its quota or more\n"), cli->who, over);
	else if (n == 0 && !json)
		fprintf(stderr, _("%s: no mailboxes\n"), cli->who);
	return (problems || n == 0) ? EXIT_PROBLEMS : EXIT_OK;
}
