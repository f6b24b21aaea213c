/* The queue view (w on the main screen): the Postfix queue as qstate.c
 * last listed it, refreshed by itself when the queue changes; a filter;
 * the selected message's recipients, each with the reason it waits; and
 * the command line's actions on it (src/traffic/queue.c): hold, release,
 * requeue, delete after a question, flush, the message itself. An action
 * names the message by id and arrival time, so that a reused id is never
 * acted on. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ui_int.h"
#include "vmailadm/human.h"
#include "vmailadm/i18n.h"
#include "vmailadm/mailmsg.h"
#include "vmailadm/queue.h"
#include "vmailadm/traffic.h"
#include "vmailadm/xalloc.h"

enum { SHOW_MAX = 4 * 1024 * 1024, FILTER_MAX = 200 };
enum { W_ID = 13, W_QUEUE = 9, W_AGE = 5, W_SIZE = 9 };

struct qview {
	struct screen s;
	struct ui *ui;
	struct list list;
	size_t *vis;                 /* indexes into the snapshot, filtered */
	size_t nvis;
	unsigned gen;                /* qstate's generation shown */
	struct strbuf filter;
	bool filtering;
	char *sel_id;                /* the selection, kept by id across listings */
	int64_t now;
};

static const struct queue_snapshot *qv_snap(struct qview *V)
{
	return qstate_snapshot(V->ui, NULL);
}

/* The selected message, NULL when none or when a new listing came since
 * the rows were made (their indexes are the old listing's). */
static const struct queue_msg *qv_selected(struct qview *V)
{
	unsigned gen;
	const struct queue_snapshot *s = qstate_snapshot(V->ui, &gen);
	if (!s || gen != V->gen || V->list.sel >= V->nvis)
		return NULL;
	return &s->v[V->vis[V->list.sel]];
}

/* The selection by id, to find it again in the next listing. */
static void qv_remember(struct qview *V)
{
	const struct queue_msg *m = qv_selected(V);
	if (m && (!V->sel_id || strcmp(V->sel_id, m->queue_id) != 0)) {
		free(V->sel_id);
		V->sel_id = xstrdup(m->queue_id);
	}
}

static bool qv_has(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *p = hay; p && *p; p++)
		if (strncasecmp(p, needle, n) == 0)
			return true;
	return false;
}

/* The filter matches the id, the queue, the sender, a recipient or a reason. */
static bool qv_matches(const struct queue_msg *m, const char *f)
{
	if (!*f || qv_has(m->queue_id, f) || qv_has(m->queue_name, f) || qv_has(m->sender, f))
		return true;
	for (size_t i = 0; i < m->nrcpts; i++)
		if (qv_has(m->rcpts[i].address, f) || qv_has(m->rcpts[i].reason, f))
			return true;
	return false;
}

/* The rows again from the last listing and the filter, the selection kept
 * on the same message when it is still there. */
static void qv_rebuild(struct qview *V)
{
	unsigned gen;
	const struct queue_snapshot *s = qstate_snapshot(V->ui, &gen);
	V->gen = gen;
	V->now = (int64_t)time(NULL);
	free(V->vis);
	V->vis = xcalloc(s && s->n ? s->n : 1, sizeof *V->vis);
	V->nvis = 0;
	size_t sel = SIZE_MAX;
	for (size_t i = 0; s && i < s->n; i++) {
		if (!qv_matches(&s->v[i], sb_str(&V->filter)))
			continue;
		if (V->sel_id && sel == SIZE_MAX && strcmp(s->v[i].queue_id, V->sel_id) == 0)
			sel = V->nvis;
		V->vis[V->nvis++] = i;
	}
	if (sel != SIZE_MAX)
		list_select(&V->list, sel);
	list_clamp(&V->list);
	qv_remember(V);
}

/* A new listing since the rows were made: make them again. */
static void qv_sync(struct qview *V)
{
	unsigned gen;
	qstate_snapshot(V->ui, &gen);
	if (gen != V->gen)
		qv_rebuild(V);
}

static size_t qv_count(void *arg)
{
	return ((struct qview *)arg)->nvis;
}

static void qv_row(void *arg, struct ui *ui, int y, int x, int w, size_t i)
{
	struct qview *V = arg;
	const struct queue_msg *m = &qv_snap(V)->v[V->vis[i]];
	char age[16], size[32];
	queue_format_age(V->now - m->arrival_time, age, sizeof age);
	human_size(size, sizeof size, m->size);
	int cx = x + 1;
	ui_text(ui, y, cx, W_ID - 1, m->queue_id, ROLE_NORMAL);
	cx += W_ID;
	ui_text(ui, y, cx, W_QUEUE - 1, m->queue_name,
		strcmp(m->queue_name, "hold") == 0 ? ROLE_WARNING
		: strcmp(m->queue_name, "deferred") == 0 ? ROLE_DIM : ROLE_NORMAL);
	cx += W_QUEUE;
	ui_text_right(ui, y, cx, W_AGE, age, ROLE_NORMAL);
	cx += W_AGE + 1;
	ui_text_right(ui, y, cx, W_SIZE - 1, size, ROLE_NORMAL);
	cx += W_SIZE + 1;
	int rest = x + w - cx;
	char *who = xasprintf("%s %s %s", m->sender[0] ? m->sender : "<>", ui->g->arrow,
			      m->nrcpts ? m->rcpts[0].address : "?");
	if (m->nrcpts > 1) {
		char *more = xasprintf("%s (+%zu)", who, m->nrcpts - 1);
		free(who);
		who = more;
	}
	ui_text(ui, y, cx, rest, who, ROLE_NORMAL);
	free(who);
}

static const struct list_ops qv_ops = { qv_count, qv_row, NULL };

/* The selected message's recipients, each with why it waits. */
static void qv_draw_rcpts(struct qview *V, struct ui *ui, int y, int x, int h, int w)
{
	const struct queue_msg *m = qv_selected(V);
	char t[256];
	if (m)
		snprintf(t, sizeof t, _("Recipients of %s"), m->queue_id);
	else
		snprintf(t, sizeof t, "%s", _("Recipients"));
	ui_fill(ui, y, x, w, ROLE_TITLE);
	ui_text(ui, y, x + 1, w - 1, t, ROLE_TITLE);
	int ymax = y + h;
	y++;
	for (size_t i = 0; m && i < m->nrcpts && y < ymax; i++) {
		char *line = xasprintf("%s %s", ui->g->arrow, m->rcpts[i].address);
		ui_text(ui, y++, x + 1, w - 1, line, ROLE_NORMAL);
		free(line);
		y = ui_text_para(ui, y, x + 1, w - 1, ymax, 3,
			    m->rcpts[i].reason ? m->rcpts[i].reason
					       : _("(no reason given: not tried yet, or being delivered)"),
			    m->rcpts[i].reason ? ROLE_WARNING : ROLE_DIM);
	}
}

/* The title: whose queue, how much, how fresh. */
static void qv_draw_title(struct qview *V, struct ui *ui, int y, int x, int w)
{
	const struct queue_snapshot *s = qv_snap(V);
	const struct traffic_postfix *pf = qstate_postfix(ui);
	char size[32], t[512];
	human_size(size, sizeof size, s ? s->bytes : 0);
	const char *host = pf && pf->myhostname ? pf->myhostname : "?";
	if (!s)
		snprintf(t, sizeof t, _("Mail queue of %s"), host);
	else if (V->nvis != s->n)
		snprintf(t, sizeof t, _("Mail queue of %s: %zu of %zu messages shown, %s in all"), host,
			 V->nvis, s->n, size);
	else
		snprintf(t, sizeof t, ngettext("Mail queue of %s: %zu message, %s",
					       "Mail queue of %s: %zu messages, %s", s->n),
			 host, s->n, size);
	/* How fresh, and from where: the files as root, else postqueue. */
	char how[128];
	const char *fresh = qstate_busy(ui) ? _("listing...") : qstate_live(ui) ? _("live") : _("polled");
	if (s)
		snprintf(how, sizeof how, "%s · %s", fresh,
			 s->source == QUEUE_FROM_FILES ? _("from the files") : _("via postqueue"));
	else
		snprintf(how, sizeof how, "%s", fresh);
	/* The count comes first: where both do not fit, "from the files"
	 * gives way, then the freshness. */
	int hw = ui_width(how), tw = ui_width(t);
	if (tw + 3 + hw > w - 1) {
		snprintf(how, sizeof how, "%s", fresh);
		hw = ui_width(how);
		if (tw + 3 + hw > w - 1) {
			hw = 0;
			how[0] = 0;
		}
	}
	ui_fill(ui, y, x, w, ROLE_TITLE);
	ui_text(ui, y, x + 1, hw ? w - hw - 3 : w - 1, t, ROLE_TITLE);
	if (hw)
		ui_text_right(ui, y, x + w - hw - 1, hw, how, ROLE_TITLE);
}

static void qv_draw(struct screen *s, struct ui *ui, int y, int x, int h, int w)
{
	struct qview *V = (struct qview *)s;
	qv_sync(V);
	qv_draw_title(V, ui, y, x, w);
	ui_fill(ui, y + 1, x, w, ROLE_TITLE);
	ui_text(ui, y + 1, x + 1, W_ID - 1, _("id"), ROLE_TITLE);
	ui_text(ui, y + 1, x + 1 + W_ID, W_QUEUE - 1, _("queue"), ROLE_TITLE);
	ui_text_right(ui, y + 1, x + 1 + W_ID + W_QUEUE, W_AGE, _("age"), ROLE_TITLE);
	ui_text_right(ui, y + 1, x + 2 + W_ID + W_QUEUE + W_AGE, W_SIZE - 1, _("size"), ROLE_TITLE);
	ui_text(ui, y + 1, x + 3 + W_ID + W_QUEUE + W_AGE + W_SIZE, 30, _("sender, recipients"),
		ROLE_TITLE);
	/* The messages above, the selected one's recipients below. */
	int top = y + 2, lh = (h - 2) * 55 / 100;
	if (lh < 3)
		lh = 3;
	int ly = top;
	const char *problem = qstate_problem(ui);
	if (problem)
		ly = ui_text_para(ui, ly, x + 1, w - 1, top + lh, 0, problem, ROLE_ERROR);
	if (V->nvis && ly < top + lh)
		list_draw(&V->list, ui, ly, x, top + lh - ly, w, ROLE_SELECTION);
	else if (!V->nvis && ly < top + lh && (qv_snap(V) || !problem))
		ui_text(ui, ly, x + 3, w - 3,
			!qv_snap(V) ? _("(listing the queue...)")
			: V->filter.len ? _("(no message matches the filter)") : _("(the queue is empty)"),
			ROLE_DIM);
	qv_draw_rcpts(V, ui, top + lh, x, y + h - top - lh, w);
}

/* ---- actions ---- */

/* The message as a listing showed it, for the action and its question. */
struct qv_ref {
	char *id;
	int64_t arrival;
};

static void qv_ref_free(void *p)
{
	struct qv_ref *r = p;
	free(r->id);
	free(r);
}

static void qv_report(struct ui *ui, long n, const struct strbuf *done, struct diags *d,
		      const char *nothing)
{
	if (d->n) {
		char *m = diag_format(&d->v[0]);
		ui_status(ui, ROLE_ERROR, "%s", m);
		free(m);
	} else if (n > 0) {
		size_t eol = strcspn(sb_str(done), "\n");
		ui_status(ui, ROLE_STATUS, "%.*s", (int)eol, sb_str(done));
	} else {
		ui_status(ui, ROLE_STATUS, "%s", nothing);
	}
	qstate_refresh(ui);
}

static void qv_act_ref(struct ui *ui, const struct qv_ref *r, enum queue_action a)
{
	const struct traffic_postfix *pf = qstate_postfix(ui);
	if (!pf)
		return;
	struct queue_ref ref = { r->id, r->arrival };
	struct strbuf done = STRBUF_INIT;
	struct diags d = DIAGS_INIT;
	long n = queue_act(pf, a, &ref, 1, &done, &d);
	qv_report(ui, n, &done, &d, _("postsuper reported nothing"));
	sb_free(&done);
	diags_free(&d);
}

static void qv_delete_answer(struct ui *ui, void *ctx, int key)
{
	if (key == 'y')
		qv_act_ref(ui, ctx, QUEUE_DELETE);
	else
		ui_status(ui, ROLE_STATUS, "%s", _("Nothing deleted."));
}

static const char *const qv_yes_no[] = { "y", N_("Yes"), "n", N_("No"), NULL };

static bool qv_k_act(struct screen *s, struct ui *ui, ui_key k)
{
	struct qview *V = (struct qview *)s;
	const struct queue_msg *m = qv_selected(V);
	if (!m) {
		ui_status(ui, ROLE_STATUS, "%s", _("no message selected"));
		return true;
	}
	struct qv_ref r = { xstrdup(m->queue_id), m->arrival_time };
	if (k == 'd' || k == UI_FN(KEY_DC)) {
		char *text = xasprintf(ngettext("Delete %s from %s to %s (%zu recipient) from the queue?",
						"Delete %s from %s to %s (%zu recipients) from the queue?",
						m->nrcpts),
				       m->queue_id, m->sender[0] ? m->sender : "<>",
				       m->nrcpts ? m->rcpts[0].address : "?", m->nrcpts);
		struct qv_ref *c = xcalloc(1, sizeof *c);
		*c = r;
		ui_push(ui, form_ask_create(ui, _("Delete"), text, qv_yes_no, qv_delete_answer, c, qv_ref_free));
		free(text);
		return true;
	}
	qv_act_ref(ui, &r, k == 'h' ? QUEUE_HOLD : k == 'u' ? QUEUE_RELEASE : QUEUE_REQUEUE);
	free(r.id);
	return true;
}

static bool qv_k_flush(struct screen *s, struct ui *ui, ui_key k)
{
	struct qview *V = (struct qview *)s;
	const struct traffic_postfix *pf = qstate_postfix(ui);
	const struct queue_msg *m = qv_selected(V);
	const char *domain = NULL;
	if (k == 'F') {
		const char *at = m && m->nrcpts ? strrchr(m->rcpts[0].address, '@') : NULL;
		if (!at) {
			ui_status(ui, ROLE_STATUS, "%s", _("select a message to flush its recipient's domain"));
			return true;
		}
		domain = at + 1;
	}
	if (!pf)
		return true;
	struct diags d = DIAGS_INIT;
	if (queue_flush(pf, domain, &d) < 0) {
		char *msg = diag_format(&d.v[0]);
		ui_status(ui, ROLE_ERROR, "%s", msg);
		free(msg);
	} else if (domain) {
		ui_status(ui, ROLE_STATUS, _("Postfix tries the mail for %s again now"), domain);
	} else {
		ui_status(ui, ROLE_STATUS, "%s", _("Postfix tries the deferred mail again now"));
	}
	diags_free(&d);
	qstate_refresh(ui);
	return true;
}

static bool qv_k_show(struct screen *s, struct ui *ui, ui_key k)
{
	struct qview *V = (struct qview *)s;
	const struct traffic_postfix *pf = qstate_postfix(ui);
	const struct queue_msg *m = qv_selected(V);
	(void)k;
	if (!m || !pf)
		return true;
	struct queue_ref ref = { m->queue_id, m->arrival_time };
	struct queue_msg fresh;
	struct strbuf raw = STRBUF_INIT, text = STRBUF_INIT;
	struct diags d = DIAGS_INIT;
	if (queue_message(pf, &ref, SHOW_MAX, &fresh, &raw, &d) < 0) {
		char *msg = d.n ? diag_format(&d.v[0]) : xstrdup("postcat");
		ui_status(ui, ROLE_ERROR, "%s", msg);
		free(msg);
	} else {
		mailmsg_render(raw.buf ? raw.buf : "", raw.len, &text);
		char *title = xasprintf(_("Queued message %s (postcat)"), fresh.queue_id);
		ui_push(ui, mailview_text(ui, title, sb_str(&text), text.len));
		free(title);
		queue_msg_free(&fresh);
	}
	diags_free(&d);
	sb_free(&raw);
	sb_free(&text);
	return true;
}

/* ---- keys ---- */

static void qv_show_filter(struct qview *V, struct ui *ui)
{
	lineedit_filter_status(ui, &V->filter, V->filtering);
}

static bool qv_k_filter(struct screen *s, struct ui *ui, ui_key k)
{
	struct qview *V = (struct qview *)s;
	if (V->filtering) {   /* Enter keeps it, Esc clears it, the rest edits it */
		if (k == 27 || k == '\r' || k == '\n' || k == UI_FN(KEY_ENTER)) {
			V->filtering = false;
			if (k == 27)
				sb_reset(&V->filter);
		} else if (!lineedit_key(&V->filter, k, FILTER_MAX)) {
			return true;
		}
	} else {
		V->filtering = true;
	}
	qv_rebuild(V);
	qv_show_filter(V, ui);
	return true;
}

static bool qv_k_back(struct screen *s, struct ui *ui, ui_key k)
{
	struct qview *V = (struct qview *)s;
	if (k == 27 && V->filter.len) {   /* Esc clears the filter first */
		sb_reset(&V->filter);
		qv_rebuild(V);
		qv_show_filter(V, ui);
		return true;
	}
	ui_pop(ui);
	return true;
}

static bool qv_k_move(struct screen *s, struct ui *ui, ui_key k)
{
	(void)ui;
	return list_key(&((struct qview *)s)->list, k);
}

static bool qv_k_help(struct screen *s, struct ui *ui, ui_key k);

static const struct keydef qv_keys[] = {
	{ .help = N_("Mail queue") },
	{ .keys = { UI_FN(KEY_UP), UI_FN(KEY_DOWN), 'k', 'j' }, .run = qv_k_move, .name = "Up Down  j k",
	  .help = N_("move through the messages; their recipients and reasons show below") },
	{ .keys = { UI_FN(KEY_PPAGE), UI_FN(KEY_NPAGE), UI_FN(KEY_HOME), UI_FN(KEY_END), 'g', 'G' },
	  .run = qv_k_move, .name = "PgUp PgDn  g G", .help = N_("a page, the first, the last") },
	{ .keys = { '\r', '\n', UI_FN(KEY_ENTER), 'o' }, .run = qv_k_show, .name = "Enter  o",
	  .help = N_("the message itself, decoded (postcat)"), .bar_key = "Enter", .bar = N_("Show"),
	  .bar_pos = 1 },
	{ .keys = { 'h' }, .run = qv_k_act, .name = "h", .help = N_("put the message on hold (postsuper -h)"),
	  .bar_key = "h", .bar = N_("Hold"), .bar_pos = 2 },
	{ .keys = { 'u' }, .run = qv_k_act, .name = "u",
	  .help = N_("release the message from hold (postsuper -H)"), .bar_key = "u", .bar = N_("Release"),
	  .bar_pos = 3 },
	{ .keys = { 'r' }, .run = qv_k_act, .name = "r", .help = N_("requeue the message (postsuper -r)"),
	  .bar_key = "r", .bar = N_("Requeue"), .bar_pos = 4 },
	{ .keys = { 'd', UI_FN(KEY_DC) }, .run = qv_k_act, .name = "d  Delete",
	  .help = N_("delete the message from the queue, after a question (postsuper -d)"),
	  .bar_key = "d", .bar = N_("Delete"), .bar_pos = 5 },
	{ .keys = { 'f' }, .run = qv_k_flush, .name = "f",
	  .help = N_("try all the deferred mail now (postqueue -f)"), .bar_key = "f", .bar = N_("Flush"),
	  .bar_pos = 6 },
	{ .keys = { 'F' }, .run = qv_k_flush, .name = "F",
	  .help = N_("try the mail for the selected recipient's domain now (postqueue -s)") },
	/* \ as the main screen's filter; / too, as there is nothing else to search */
	{ .keys = { '\\', '/' }, .run = qv_k_filter, .name = "\\  /",
	  .help = N_("filter by id, queue, sender, recipient or reason (Enter keeps it, Esc clears it)"),
	  .bar_key = "\\", .bar = N_("Filter"), .bar_pos = 7 },
	{ .keys = { '?', UI_FN(KEY_F(1)) }, .run = qv_k_help, .name = "?  F1", .help = N_("this help") },
	{ .keys = { 'q', 27, UI_FN(KEY_LEFT) }, .run = qv_k_back, .name = "q  Esc  Left",
	  .help = N_("back to the domains (Esc clears the filter first)"), .bar_key = "q",
	  .bar = N_("Back"), .bar_pos = 8 },
};
static const struct keytab qv_tab = KEYTAB(qv_keys);

static bool qv_k_help(struct screen *s, struct ui *ui, ui_key k)
{
	(void)s;
	(void)k;
	ui_push(ui, help_create(ui, &qv_tab));
	return true;
}

static bool qv_key(struct screen *s, struct ui *ui, ui_key k)
{
	struct qview *V = (struct qview *)s;
	ui->dirty = true;
	qv_sync(V);   /* a listing may have come since the last paint */
	if (V->filtering)
		return qv_k_filter(s, ui, k);
	const struct keydef *d = keys_find(&qv_tab, k);
	if (d && d->run && d->run(s, ui, k)) {
		if (ui->top == s)
			qv_remember(V);
		return true;
	}
	/* Keys of no row stop here: the main screen's would act on what is
	 * not shown. F10 still quits. */
	return k != UI_FN(KEY_F(10));
}

static void qv_free(struct screen *s)
{
	struct qview *V = (struct qview *)s;
	qstate_set_open(V->ui, false);
	free(V->vis);
	free(V->sel_id);
	sb_free(&V->filter);
	free(V);
}

static const struct screen_ops qv_screen_ops = { qv_draw, qv_key, NULL, qv_free, NULL, &qv_tab };

struct screen *queueview_create(struct ui *ui)
{
	struct qview *V = xcalloc(1, sizeof *V);
	V->s.ops = &qv_screen_ops;
	V->ui = ui;
	V->gen = (unsigned)-1;
	sb_init(&V->filter);
	list_init(&V->list, &qv_ops, V);
	qstate_set_open(ui, true);
	return &V->s;
}
