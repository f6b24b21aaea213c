/* The interface's terminal and main loop: newterm on the controlling
 * terminal, themes turned into curses attributes, the header, status line
 * and key bar around the top screen, and one poll() over the keyboard and the
 * live statistics. Handlers only mark the screen dirty; the loop paints once
 * (wnoutrefresh + doupdate); signal handlers only set flags (the quit
 * signals' also wake the poll through a pipe: quitsig.c). */
#include "config.h"

#include <errno.h>
#include <langinfo.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "ui_int.h"
#include "vmailadm/clock.h"
#include "vmailadm/config.h"
#include "vmailadm/diag.h"
#include "vmailadm/exitstatus.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/ui.h"
#include "vmailadm/xalloc.h"

enum { MIN_COLS = 80, MIN_ROWS = 24 };

static const struct glyphs glyphs_utf8 = { "│", "─", "█", "░", "…", "→", "•" };
static const struct glyphs glyphs_ascii = { "|", "-", "#", ".", "~", "->", "*" };

static bool curses_active;
static SCREEN *the_screen;

/* The signal mask while the main loop waits (ppoll): SIGWINCH unblocked
 * there only (setup_signals). */
static sigset_t wait_mask;

static void restore_terminal(void)
{
	if (curses_active) {
		endwin();
		curses_active = false;
	}
}

void ui_push(struct ui *ui, struct screen *s)
{
	s->below = ui->top;
	ui->top = s;
	ui->dirty = true;
}

void ui_pop(struct ui *ui)
{
	struct screen *s = ui->top;
	if (!s || !s->below)
		return;   /* the main screen stays */
	ui->top = s->below;
	s->ops->free(s);
	ui->dirty = true;
}

/* ---- themes ---- */

static attr_t attrs_of(unsigned bits)
{
	attr_t a = A_NORMAL;
	if (bits & THEME_BOLD) a |= A_BOLD;
	if (bits & THEME_DIM) a |= A_DIM;
	if (bits & THEME_UNDERLINE) a |= A_UNDERLINE;
	if (bits & THEME_REVERSE) a |= A_REVERSE;
	if (bits & THEME_STANDOUT) a |= A_STANDOUT;
#ifdef A_ITALIC
	if (bits & THEME_ITALIC) a |= A_ITALIC;
#endif
	if (bits & THEME_BLINK) a |= A_BLINK;
	return a;
}

static void apply_theme(struct ui *ui)
{
	const char *nc = getenv("NO_COLOR");
	bool mono = ui->theme.mono || (nc && *nc) || !has_colors();
	ui->ncolors = 0;
	if (!mono && start_color() == OK) {
		use_default_colors();
		ui->ncolors = COLORS >= 256 ? 256 : COLORS >= 16 ? 16 : COLORS >= 8 ? 8 : 0;
	}
	for (int r = 0; r < ROLE_COUNT; r++) {
		const struct theme_style *st = &ui->theme.role[r];
		if (ui->ncolors == 0 || COLOR_PAIRS <= r + 1) {
			ui->attr[r] = attrs_of(st->mono);
			continue;
		}
		short fg = theme_color_reduce(st->fg, ui->ncolors);
		short bg = theme_color_reduce(st->bg, ui->ncolors);
		init_pair((short)(r + 1), fg, bg);
		ui->attr[r] = attrs_of(st->attrs) | COLOR_PAIR(r + 1);
	}
	bkgdset(' ' | ui->attr[ROLE_NORMAL]);
}

/* ---- frame ---- */

static void draw_header(struct ui *ui)
{
	struct strbuf sb = STRBUF_INIT;
	ui_fill(ui, 0, 0, ui->cols, ROLE_HEADER);
	char count[96];
	snprintf(count, sizeof count,
		 ngettext("%zu staged change", "%zu staged changes", ui->staged), ui->staged);
	const char *ro = !ui->readonly ? NULL
			 : ui->unreadable ? _(" READ-ONLY: a file cannot be read ")
					  : _(" READ-ONLY: the files are not writable ");
	sb_addf(&sb, " vmailadm %s %s  %s ", ui->g->dot, ui->host, _("config:"));
	/* A long configuration path gives way (its start cut, "…/dir/file")
	 * before the count of staged changes and the read-only mark do. */
	int room = ui->cols - ui_width(sb_str(&sb)) - 2 - ui_width(count) -
		   (ro ? 2 + ui_width(ro) : 0);
	const char *path = ui->config_name;
	if (ui_width(path) > room && room > 1) {
		while (*path && ui_width(path) > room - 1)
			path += ui_fit(path, 1) ? ui_fit(path, 1) : 1;
		sb_adds(&sb, ui->g->ellipsis);
	}
	sb_addf(&sb, "%s  %s", path, count);
	int x = ui_text(ui, 0, 0, ui->cols, sb_str(&sb), ROLE_HEADER);
	if (ro && x + 2 < ui->cols)
		x += 2 + ui_text(ui, 0, x + 2, ui->cols - x - 2, ro, ROLE_READONLY);
	/* What still runs in the background: the figures, lint's marks; each
	 * said whole where it fits ("lint runni…" was cut mid-word). */
	struct strbuf busy = STRBUF_INIT;
	const char *what[2] = { live_scanning(ui->live) ? _("scanning Maildirs...") : NULL,
				lintmark_running(ui) ? _("lint running...") : NULL };
	for (int i = 0; i < 2; i++)
		if (what[i] && x + 3 + (busy.len ? ui_width(sb_str(&busy)) + 2 : 0) +
				       ui_width(what[i]) <= ui->cols)
			sb_addf(&busy, "%s%s", busy.len ? "  " : "", what[i]);
	if (busy.len)
		ui_text_right(ui, 0, x + 2, ui->cols - x - 3, sb_str(&busy), ROLE_HEADER);
	sb_free(&busy);
	sb_free(&sb);
}

/* The columns one entry of the key bar takes: its key, a blank, its label. */
static int keybar_entry_width(const char *const *kb, size_t i)
{
	return ui_width(kb[i]) + 1 + ui_width(_(kb[i + 1]));
}

/* The key bar: each entry whole or not at all ("x E…" would promise a key
 * it cannot name; F1 lists them all), and when not all fit, the way out
 * ("q") kept at the end of those that do, in any language. */
static void draw_keybar(struct ui *ui)
{
	int y = ui->rows - 1, x = 0;
	ui_fill(ui, y, 0, ui->cols, ROLE_KEYBAR);
	const char *const *kb = ui->top->ops->keybar ? ui->top->ops->keybar(ui->top) : NULL;
	const char *table_bar[2 * 12 + 1];
	if (!kb && ui->top->ops->keys) {
		keys_bar(ui->top->ops->keys, table_bar, sizeof table_bar / sizeof table_bar[0]);
		kb = table_bar;
	}
	size_t qi = SIZE_MAX;
	for (size_t i = 0; kb && kb[i] && kb[i + 1] && qi == SIZE_MAX; i += 2)
		if (strcmp(kb[i], "q") == 0)
			qi = i;
	bool full = false;
	for (size_t i = 0; kb && kb[i] && kb[i + 1] && x < ui->cols; i += 2) {
		bool before_q = qi != SIZE_MAX && i < qi;
		int need = (i > 0 ? 2 : 0) + keybar_entry_width(kb, i);
		if (before_q)
			need += 2 + keybar_entry_width(kb, qi);   /* room kept for q */
		if (i > 0 && ((full && i != qi) || x + need > ui->cols)) {
			full = true;
			if (before_q)
				continue;   /* on to the way out */
			break;
		}
		if (i > 0)
			x += 2;   /* the blanks between two entries (filled above) */
		x += ui_label(ui, y, x, ui->cols - x, kb[i], ROLE_KEY);
		x += ui_text(ui, y, x, ui->cols - x, " ", ROLE_KEYBAR);
		x += ui_text(ui, y, x, ui->cols - x, _(kb[i + 1]), ROLE_KEYBAR);
	}
}

static void draw_too_small(struct ui *ui)
{
	char buf[160];
	erase();
	snprintf(buf, sizeof buf, _("Terminal too small: %dx%d (needs at least %dx%d)"),
		 ui->cols, ui->rows, MIN_COLS, MIN_ROWS);
	int w = ui_width(buf), y = ui->rows / 2 - 1;
	ui_text(ui, y > 0 ? y : 0, w < ui->cols ? (ui->cols - w) / 2 : 0, ui->cols, buf,
		ROLE_WARNING);
	const char *q = _("Enlarge the window, or press q to quit.");
	w = ui_width(q);
	if (y + 2 < ui->rows)
		ui_text(ui, y + 2, w < ui->cols ? (ui->cols - w) / 2 : 0, ui->cols, q, ROLE_NORMAL);
}

/* A message wider than the status line is shown whole, not cut: wrapped,
 * the status line grows upward (the screen above is drawn that much
 * shorter), leaving the screen four rows at least. */
static int status_rows(struct ui *ui)
{
	char **lines;
	size_t n = ui_wrap(sb_str(&ui->status), ui->cols - 2, &lines);
	ui_wrap_free(lines, n);
	size_t most = (size_t)(ui->rows - 6);
	return n <= 1 ? 1 : (int)(n < most ? n : most);
}

static void paint(struct ui *ui)
{
	getmaxyx(stdscr, ui->rows, ui->cols);
	if (ui->cols < MIN_COLS || ui->rows < MIN_ROWS) {
		draw_too_small(ui);
	} else {
		erase();
		draw_header(ui);
		int sr = ui->status_rows = status_rows(ui), sy = ui->rows - 1 - sr;
		ui->top->ops->draw(ui->top, ui, 1, 0, sy - 1, ui->cols);
		for (int r = 0; r < sr; r++)
			ui_fill(ui, sy + r, 0, ui->cols, ROLE_STATUS);
		ui_text_wrapped(ui, sy, 1, ui->cols - 2, sr, sb_str(&ui->status), ui->status_role);
		draw_keybar(ui);
	}
	wnoutrefresh(stdscr);
	doupdate();
}

void ui_paint_now(struct ui *ui)
{
	ui->dirty = false;
	paint(ui);
}

static void handle_key(struct ui *ui, ui_key k)
{
	if (k == UI_FN(KEY_RESIZE)) {
		for (struct screen *s = ui->top; s; s = s->below)
			if (s->ops->resize)
				s->ops->resize(s, ui);
		ui->dirty = true;
		return;
	}
	if (k == UI_CTRL('l')) {
		clearok(curscr, TRUE);
		ui->dirty = true;
		return;
	}
	getmaxyx(stdscr, ui->rows, ui->cols);
	if (ui->cols < MIN_COLS || ui->rows < MIN_ROWS) {
		if (k == 'q' || k == 'Q')
			ui->quit = true;
		return;
	}
	/* A message shown on several rows has been read whole: the next key
	 * gives the screen its rows back. */
	if (ui->status_rows > 1) {
		sb_reset(&ui->status);
		ui->status_rows = 1;
		ui->dirty = true;
	}
	if (ui->top->ops->key(ui->top, ui, k))
		return;
	if (k == UI_FN(KEY_F(1)) || k == '?') {
		if (ui->top->ops->keys)   /* every screen with a key table has help */
			ui_push(ui, help_create(ui, ui->top->ops->keys));
	} else if (k == 'q' || k == UI_FN(KEY_F(10))) {
		if (ui->top->below)
			ui_pop(ui);
		else
			ui->quit = true;
	}
}

/* Returns the number of keys handled. */
static int read_keys(struct ui *ui)
{
	int n = 0;
	for (;;) {
		wint_t wc;
		int r = get_wch(&wc);
		if (r == ERR)
			break;
		handle_key(ui, r == KEY_CODE_YES ? UI_FN((int)wc) : (int)wc);
		n++;
		if (ui->quit)
			break;
	}
	return n;
}

/* The sooner of two poll timeouts (-1: none). */
static int earliest(int a, int b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

/* Ctrl-C with changes staged asks what to do with them, as q does; a
 * second one while that question is up quits, saving them for the next
 * session as any other signal does. Without staged changes it quits. */
static bool interrupt_asks(struct ui *ui)
{
	if (quitsig_got() != SIGINT || ui->staged == 0 || ui->interrupt_asked)
		return false;
	quitsig_forget();
	ui->interrupt_asked = true;
	edit_quit(ui);
	ui->dirty = true;
	return true;
}

/* The mailboxes of the rows on the screen read first: when the scan
 * starts, and when a key moves to others while it runs (issue 16). */
static void want_shown(struct ui *ui, bool start)
{
	size_t max = LINES > 0 ? (size_t)LINES : 50, *shown = xcalloc(max, sizeof *shown);
	size_t n = browse_first_mailboxes(ui->main, shown, max);
	if (start)
		live_start(ui->live, shown, n);
	else if (live_want(ui->live, shown, n) && ui->want_t == 0)
		ui->want_t = clock_ms();
	free(shown);
}

/* VMAILADM_UI_TIMING: once the rows a key moved to (not read yet then)
 * are all painted with their counts, how long after that key they lacked
 * them (issue 16: within 0.3 s while the scan runs). */
static void log_want_shown(struct ui *ui)
{
	if (!ui->timing || ui->want_t == 0 || ui->top != ui->main ||
	    !browse_counts_shown(ui->main, false))
		return;
	fprintf(ui->timing, "want-shown %.3f\n", clock_ms() - ui->want_t);
	fflush(ui->timing);
	ui->want_t = 0;
}

/* VMAILADM_UI_TIMING: when the mailbox rows painted have their counts,
 * and when the domains painted have their totals too. */
static void log_counts_shown(struct ui *ui)
{
	if (!ui->timing || ui->top != ui->main || ui->domains_logged)
		return;
	if (!ui->shown_logged && browse_counts_shown(ui->main, false)) {
		ui->shown_logged = true;
		fprintf(ui->timing, "counts-shown %.3f\n", clock_ms() - ui->t_start);
		fflush(ui->timing);
	}
	if (ui->shown_logged && browse_counts_shown(ui->main, true)) {
		ui->domains_logged = true;
		fprintf(ui->timing, "counts-domains %.3f\n", clock_ms() - ui->t_start);
		fflush(ui->timing);
	}
}

static void main_loop(struct ui *ui)
{
	double t_keys = 0;
	int nkeys = 0;
	bool moved = false;
	while (!ui->quit && (!quitsig_got() || interrupt_asks(ui))) {
		if (ui->dirty) {
			ui->dirty = false;
			paint(ui);
			log_counts_shown(ui);
			log_want_shown(ui);
		}
		/* After the paint: a list scrolls to its selection when drawn, so
		 * the rows a key moved to (G, PgDn) are known only now. */
		if (moved && live_scanning(ui->live) && ui->top == ui->main)
			want_shown(ui, false);
		moved = false;
		/* VMAILADM_UI_TIMING: from the read of the keys to the doupdate
		 * that shows their effect (the benchmark's per-key time). */
		if (ui->timing && nkeys) {
			fprintf(ui->timing, "key %d %.3f\n", nkeys, clock_ms() - t_keys);
			fflush(ui->timing);
			nkeys = 0;
		}
		struct pollfd fds[10];   /* the last one: diskwatch's */
		fds[0] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		int n = 1 + quitsig_pollfd(fds + 1);
		n += live_pollfds(ui->live, fds + n, 3);
		n += lintmark_pollfd(ui, fds + n);
		n += xpane_pollfds(ui, fds + n, 7 - n);
		n += qstate_pollfds(ui, fds + n, 9 - n);
		n += diskwatch_pollfd(ui->diskwatch, fds + n);
		int timeout = earliest(earliest(xpane_timeout(ui), qstate_timeout(ui)),
				       diskwatch_timeout(ui->diskwatch));
		struct timespec ts = { timeout / 1000, (long)(timeout % 1000) * 1000000L };
		int r = ppoll(fds, (nfds_t)n, timeout < 0 ? NULL : &ts, &wait_mask);
		if (r < 0 && errno != EINTR)
			vm_fatal("poll: %s", strerror(errno));
		/* The terminal hung up: stdin is ready for ever. Its SIGHUP goes
		 * to the terminal's session only; an interface in a session of
		 * its own (setsid) got none and spun. Ended as SIGHUP ends it. */
		if (r > 0 && (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)))
			quitsig_hung_up();
		if (quitsig_take() && !interrupt_asks(ui))
			break;
		bool was_scanning = live_scanning(ui->live);
		bool was_settled = live_settled(ui->live);
		if (live_handle(ui->live)) {
			ui->dirty = true;
			/* VMAILADM_UI_TIMING: a change the watcher reported. */
			if (ui->timing && was_settled) {
				fprintf(ui->timing, "live %.3f\n", clock_ms() - ui->t_start);
				fflush(ui->timing);
			}
		}
		if (xpane_handle(ui))
			ui->dirty = true;
		if (qstate_handle(ui))
			ui->dirty = true;
		if (diskwatch_changed(ui->diskwatch))
			ui->reread_pending = true;
		/* Other screens may hold pointers into the world: they see the
		 * new one when they give the main screen back. */
		if (ui->reread_pending && ui->top == ui->main) {
			staged_reread(ui, false);
			ui->dirty = true;
		}
		if (was_scanning && !live_scanning(ui->live)) {
			if (ui->timing) {
				fprintf(ui->timing, "scan-done %.3f\n", clock_ms() - ui->t_start);
				fflush(ui->timing);
			}
			lintmark_scanned(ui);   /* lint waited for its sizes */
		}
		/* The first chunk of counts (the first screen's rows). */
		if (ui->timing && !ui->counts_logged && live_generation(ui->live) > 0) {
			ui->counts_logged = true;
			fprintf(ui->timing, "counts-first %.3f\n", clock_ms() - ui->t_start);
			fflush(ui->timing);
		}
		if (ui->timing && !was_settled && live_settled(ui->live)) {
			fprintf(ui->timing, "watch-done %.3f\n", clock_ms() - ui->t_start);
			fflush(ui->timing);
		}
		/* After EINTR too: SIGWINCH becomes KEY_RESIZE in get_wch. */
		t_keys = clock_ms();
		nkeys = read_keys(ui);
		moved = nkeys > 0;
		/* After the keys too: lint's marks wait for the main screen, which
		 * a key may just have brought back. */
		if (lintmark_handle(ui))
			ui->dirty = true;
	}
}

/* Not writable means a commit could not work: say so before any editing. */
static bool files_readonly(const struct ui *ui)
{
	const char *paths[3] = { world_maincf_path(ui->world), ui->cfg->passwd_file, NULL };
	struct world_map *m = world_map_for(ui->world, MAP_VIRTUAL_MAILBOX);
	if (m && m->ref.path)
		paths[2] = m->ref.path;
	for (size_t i = 0; i < 3; i++)
		if (paths[i] && access(paths[i], W_OK) < 0 && errno != ENOENT)
			return true;
	return false;
}

static void setup_signals(void)
{
	/* SIGWINCH is taken only while the main loop waits: one that came
	 * while it painted, between get_wch and poll, was seen by no poll,
	 * and the screen kept its old size until the next key or event. */
	sigset_t winch;
	sigemptyset(&winch);
	sigaddset(&winch, SIGWINCH);
	pthread_sigmask(SIG_BLOCK, &winch, &wait_mask);
	sigdelset(&wait_mask, SIGWINCH);
	/* The quit signals are never blocked: their handler wakes the poll
	 * through a pipe (quitsig.c). */
	quitsig_start();
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
}

int ui_check_terminal(void)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, _("%s: the interactive interface needs a terminal; "
				  "use a command instead (see '%s --help')\n"),
			PACKAGE, PACKAGE);
		return EXIT_USAGE;
	}
	const char *term = getenv("TERM");
	if (!term || !*term) {
		fprintf(stderr, _("%s: TERM is not set: cannot draw the interface\n"), PACKAGE);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* The interface's state before anything is read: the configuration, the
 * host, the glyphs the locale can show. */
static void ui_init(struct ui *ui, struct config *cfg)
{
	memset(ui, 0, sizeof *ui);
	ui->t_start = clock_ms();
	ui->cfg = cfg;
	ui->row_role = -1;
	ui->config_name = ui->cfg->file ? ui->cfg->file : _("(built-in defaults)");
	if (gethostname(ui->host, sizeof ui->host - 1) < 0)
		snprintf(ui->host, sizeof ui->host, "?");
	const char *cs = nl_langinfo(CODESET);
	ui->utf8 = cs && strcmp(cs, "UTF-8") == 0;
	ui->g = ui->utf8 ? &glyphs_utf8 : &glyphs_ascii;
	ui_draw_set_utf8(ui->utf8);
}

/* An interrupted commit put right, the world read, the theme loaded, and
 * the first status line: what matters most is said last. -1 (the
 * diagnostics printed) when the files cannot be read at all. */
static int ui_load(struct ui *ui, const char *theme)
{
	/* An interrupted commit is put right before the files are read. */
	session_recover(ui);
	struct strbuf recovered = STRBUF_INIT;
	enum theme_role recovered_role = ui->status_role;
	sb_add(&recovered, sb_str(&ui->status), ui->status.len);

	struct diags d = DIAGS_INIT;
	if (world_load(ui->cfg, &ui->world, &d) < 0) {
		diags_print(&d, stderr);
		diags_free(&d);
		sb_free(&recovered);
		return -1;
	}
	size_t nerr = diags_count(&d, DIAG_ERROR), nwarn = diags_count(&d, DIAG_WARNING);
	diags_free(&d);

	const char *theme_spec = theme ? theme : ui->cfg->theme;
	if (theme_load(theme_spec, PKGDATADIR "/themes", &ui->theme, &d) < 0) {
		/* the first problem, with its file:line, in the status bar */
		char *msg = d.n ? diag_format(&d.v[0]) : xstrdup(_("invalid theme"));
		ui_status(ui, ROLE_ERROR, "%s", msg);
		free(msg);
	} else if (nerr || nwarn) {
		ui_status(ui, ROLE_WARNING,
			  _("the files have %zu errors and %zu warnings: run 'vmailadm lint'"),
			  nerr, nwarn);
	}
	diags_free(&d);
	if (recovered.len)
		ui_status(ui, recovered_role, "%s", sb_str(&recovered));
	sb_free(&recovered);
	bool unreadable = staged_refuse_unreadable(ui);   /* says so, last: it matters most */
	const char *tf = getenv("VMAILADM_UI_TIMING");
	if (tf && *tf)
		ui->timing = fopen(tf, "we");

	ui->readonly = unreadable || files_readonly(ui);
	ui->unreadable = unreadable;
	return 0;
}

/* curses on the terminal (newterm: a clear message when its type is
 * unknown, everything loaded freed then); false when it cannot start. */
static bool ui_start_terminal(struct ui *ui)
{
	the_screen = newterm(NULL, stdout, stdin);
	if (!the_screen) {
		fprintf(stderr, _("%s: unknown terminal type '%s': cannot draw the interface "
				  "(try TERM=xterm-256color, or install its terminfo entry)\n"),
			PACKAGE, getenv("TERM"));
		theme_free(&ui->theme);
		world_free(&ui->world);
		sb_free(&ui->status);
		if (ui->timing)
			fclose(ui->timing);
		return false;
	}
	set_term(the_screen);
	curses_active = true;
	vm_set_fatal_cleanup(restore_terminal);
	setup_signals();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	apply_theme(ui);
	return true;
}

/* The live figures, the disk watch, the main screen and the queue started,
 * the saved changes offered back, then the first paint; lint after it. */
static void ui_open(struct ui *ui)
{
	ui->live = live_create(ui->world);
	ui->diskwatch = diskwatch_create(ui->cfg, ui->world);
	ui->view = ui->world;
	ui->top = ui->main = browse_create(ui);
	want_shown(ui, true);
	qstate_start(ui);
	session_offer(ui);
	ui->dirty = false;
	paint(ui);
	if (ui->timing) {
		fprintf(ui->timing, "first-paint %.3f\n", clock_ms() - ui->t_start);
		fflush(ui->timing);
	}
	background_prefetch_start(ui);
	/* Lint looks at every maildir: started after the first paint, in a
	 * thread, so that the first key does not wait for it; its thread once
	 * the first scan has ended (lintmark_scanned). */
	browse_lint(ui->main);
}

/* Every screen closed, the terminal given back, then the rest freed (what
 * is said about the staged changes goes to the restored terminal). */
static void ui_close(struct ui *ui)
{
	while (ui->top) {
		struct screen *s = ui->top;
		ui->top = s->below;
		s->ops->free(s);
	}
	restore_terminal();
	delscreen(the_screen);
	background_prefetch_join(ui);   /* before its timing file is closed */
	session_cleanup(ui);
	xpane_free(ui);
	qstate_free(ui);
	diskwatch_free(&ui->diskwatch);
	traceserver_free(ui);
	live_free(&ui->live);
	world_free(&ui->world);
	theme_free(&ui->theme);
	sb_free(&ui->status);
	if (ui->timing)
		fclose(ui->timing);
	quitsig_stop();
}

/* Blocks of 128 KiB and more mapped apart, given back when freed (issue
 * 16). glibc raises that threshold to the largest such block freed (the
 * 26 MB passwd-file read to compare, at 100,000 mailboxes): the arrays of
 * tables and worlds that the stagings grow and replace then came from
 * the heap: 326 MB resident after bench/tui.sh's stagings, against 313
 * MB with the threshold fixed (malloc_trim gave back nothing more in
 * either case). */
static void ui_malloc_policy(void)
{
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
}

int ui_run(struct config *cfg, const char *theme)
{
	struct ui ui_store, *ui = &ui_store;
	ui_malloc_policy();
	ui_init(ui, cfg);
	if (ui_load(ui, theme) < 0 || !ui_start_terminal(ui))
		return EXIT_USAGE;
	ui_open(ui);
	main_loop(ui);
	if (quitsig_got())
		session_save_on_signal(ui);
	ui_close(ui);
	/* Interrupted, and the staged changes thrown away: not a success. */
	return ui->interrupt_asked && ui->discarded ? 128 + SIGINT : EXIT_OK;
}
