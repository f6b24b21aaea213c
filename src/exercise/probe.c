/* What the exercises ask outside the files: the built maps (postmap -q, as
 * the course checks them), whether a Postfix and a Dovecot answer where the
 * configured reload commands point, and Dovecot's log of logins. Every
 * program runs through spawn; a server that does not answer makes its
 * checks "skipped" with the reason, never done. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exercise_int.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/spawn.h"
#include "vmailadm/table.h"
#include "vmailadm/xalloc.h"

#define PROBE_TIMEOUT_MS 10000
/* Only the end of a large log is read: a login of the exercise is recent. */
#define LOG_TAIL (8u << 20)

/* Every key the exercises ask a map for: the first question to a map asks
 * them all in one postmap -q - (one program run per map, not per key). */
static const char *const known_keys[] = {
	EX_ALICE, EX_INFO, EX_TEAM, EX_BILLING, EX_DOMAIN3, EX_CONTACT3, EX_ADMIN3,
	"@" EX_DOMAIN3, EX_BOB,
};

/* What one postmap -q - said about a map. */
struct map_answer {
	char *spec;
	int rc;                 /* -1 postmap failed (why), 0 not built (why), 1 answered */
	char *why;
	struct strbuf text;     /* "key\tvalue\n" lines */
};

struct exercise_probe {
	const struct config *cfg;
	int postfix, dovecot;          /* -1 not asked yet, else the answer */
	struct strbuf postfix_why, dovecot_why;
	char *log;                      /* Dovecot's log text (its tail), once read */
	int log_state;                  /* -1 not read, 0 unreadable, 1 read */
	struct strbuf log_why;
	struct map_answer *maps;        /* one per map asked */
	size_t nmaps, capmaps;
};

struct exercise_probe *probe_create(const struct config *cfg)
{
	struct exercise_probe *p = xcalloc(1, sizeof *p);
	p->cfg = cfg;
	p->postfix = p->dovecot = p->log_state = -1;
	return p;
}

void probe_free(struct exercise_probe **pp)
{
	struct exercise_probe *p = *pp;
	if (!p)
		return;
	sb_free(&p->postfix_why);
	sb_free(&p->dovecot_why);
	sb_free(&p->log_why);
	for (size_t i = 0; i < p->nmaps; i++) {
		free(p->maps[i].spec);
		free(p->maps[i].why);
		sb_free(&p->maps[i].text);
	}
	free(p->maps);
	free(p->log);
	free(p);
	*pp = NULL;
}

/* The first non-blank line of s, at most 200 bytes, into sb. */
static void first_line(struct strbuf *sb, const struct strbuf *s)
{
	const char *t = s->buf ? s->buf : "";
	while (*t == '\n' || *t == ' ')
		t++;
	size_t n = strcspn(t, "\n");
	sb_add_printable(sb, t, n > 200 ? 200 : n);
}

static void trim(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

/* Is the file postmap builds for spec missing? Asked before running
 * postmap -q: on a missing map it exits fatally after a one-second sleep
 * (msg_fatal's pause against respawn storms), which froze the TUI. */
static bool map_not_built(const char *spec)
{
	struct table_ref ref;
	table_ref_parse(spec, &ref);
	const char *suffix = ref.path && ref.path[0] == '/' ? table_type_built_suffix(ref.type) : NULL;
	bool missing = false;
	if (suffix) {
		char *built = xasprintf("%s%s", ref.path, suffix);
		struct stat st;
		missing = stat(built, &st) != 0;
		free(built);
	}
	table_ref_free(&ref);
	return missing;
}

static void ask_map(struct exercise_probe *p, struct map_answer *m, const char *key)
{
	struct strbuf in = STRBUF_INIT, why = STRBUF_INIT;
	if (map_not_built(m->spec)) {
		sb_addf(&why, _("the table is not built (%s)"), m->spec);
		m->rc = 0;
		m->why = sb_detach(&why);
		return;
	}
	for (size_t i = 0; i < sizeof known_keys / sizeof known_keys[0]; i++)
		sb_addf(&in, "%s\n", known_keys[i]);
	sb_addf(&in, "%s\n", key);
	const char *argv[] = { p->cfg->postmap, "-c", p->cfg->postfix_dir, "-q", "-", m->spec, NULL };
	struct spawn_result r;
	struct diags d = DIAGS_INIT;
	if (spawn_run(argv, in.buf, in.len, NULL, PROBE_TIMEOUT_MS, &r, &d) < 0) {
		sb_addf(&why, _("%s cannot run: %s"), "postmap", d.n ? d.v[0].msg : p->cfg->postmap);
		m->rc = -1;
	} else if (r.status == 0 || (r.status == 1 && !r.err.len)) {
		m->rc = 1;  /* exit 1, silent: none of the keys is in the table */
		if (r.out.len)
			sb_add(&m->text, r.out.buf, r.out.len);
	} else if (r.err.buf && strstr(r.err.buf, "open database")) {
		sb_addf(&why, _("the table is not built (%s)"), m->spec);
		m->rc = 0;
	} else {
		sb_addf(&why, _("postmap -q - %s failed (exit %d): "), m->spec, r.status);
		first_line(&why, r.err.len ? &r.err : &r.out);
		m->rc = -1;
	}
	m->why = why.buf ? sb_detach(&why) : xstrdup("");
	diags_free(&d);
	spawn_result_free(&r);
	sb_free(&in);
}

int probe_postmap(struct exercise_probe *p, const char *spec, const char *key, char **value,
		  struct strbuf *why)
{
	*value = NULL;
	struct map_answer *m = NULL;
	for (size_t i = 0; i < p->nmaps && !m; i++)
		if (strcmp(p->maps[i].spec, spec) == 0)
			m = &p->maps[i];
	if (!m) {
		xgrow(&p->maps, &p->capmaps, p->nmaps + 1, sizeof *p->maps);
		m = &p->maps[p->nmaps++];
		memset(m, 0, sizeof *m);
		m->spec = xstrdup(spec);
		ask_map(p, m, key);
	}
	if (m->rc <= 0) {
		sb_adds(why, m->why);
		return m->rc;
	}
	/* postmap prints each hit as key TAB value, keys folded as looked up. */
	size_t kl = strlen(key);
	for (const char *l = m->text.buf; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		if (len > kl && l[kl] == '\t' && strncasecmp(l, key, kl) == 0) {
			*value = xstrndup(l + kl + 1, len - kl - 1);
			trim(*value);
			return 1;
		}
		l = nl ? nl + 1 : l + len;
	}
	return 0;
}

/* The configured reload command with its last word "reload" replaced by
 * words: the same program and options (-c CONF), another request. NULL
 * with why when the command is empty or does not end in "reload". */
static char **command_like_reload(const struct config *cfg, const char *setting,
				  const char *line, const char *const *words, struct strbuf *why)
{
	char **rel = config_command_argv(cfg, line);
	if (!rel) {
		sb_addf(why, _("%s is empty in the configuration, so vmailadm knows of no running server for this tree"),
			setting);
		return NULL;
	}
	size_t n = 0, k = 0;
	while (rel[n])
		n++;
	while (words[k])
		k++;
	if (n < 2 || strcmp(rel[n - 1], "reload") != 0) {
		sb_addf(why, _("%s does not end in \"reload\": vmailadm cannot tell where the server runs"),
			setting);
		config_argv_free(&rel);
		return NULL;
	}
	char **argv = xcalloc(n + k, sizeof *argv);
	for (size_t i = 0; i + 1 < n; i++)
		argv[i] = xstrdup(rel[i]);
	for (size_t i = 0; i < k; i++)
		argv[n - 1 + i] = xstrdup(words[i]);
	config_argv_free(&rel);
	return argv;
}

static void argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

/* Run argv; the spawn result in r (always initialised). false with why
 * when it could not start. */
static bool run(char **argv, struct spawn_result *r, struct strbuf *why)
{
	struct diags d = DIAGS_INIT;
	if (spawn_run((const char *const *)argv, NULL, 0, NULL, PROBE_TIMEOUT_MS, r, &d) < 0) {
		char *m = xstrdup(d.n ? d.v[0].msg : argv[0]);
		sb_adds(why, m);
		free(m);
		diags_free(&d);
		return false;
	}
	diags_free(&d);
	return true;
}

/* Ask the server a reload command points at (words replace "reload"):
 * *answer becomes 1 when it exits with ok or ok2, else 0 with the reason
 * in *reason; asked once per probe. */
static bool ask_server(struct exercise_probe *p, const char *name, const char *setting,
		       const char *line, const char *const *words, int ok, int ok2, int *answer,
		       struct strbuf *reason, struct strbuf *why)
{
	if (*answer < 0) {
		char **argv = command_like_reload(p->cfg, setting, line, words, reason);
		struct spawn_result r;
		*answer = 0;
		if (argv && run(argv, &r, reason)) {
			if (r.status == ok || r.status == ok2)
				*answer = 1;
			else {
				struct strbuf cmd = STRBUF_INIT;
				for (size_t i = 0; argv[i]; i++)
					sb_addf(&cmd, "%s%s", i ? " " : "", argv[i]);
				sb_addf(reason, _("no %s answers: %s exits %d"), name, cmd.buf, r.status);
				sb_free(&cmd);
				if (r.err.len || r.out.len) {
					sb_adds(reason, " (");
					first_line(reason, r.err.len ? &r.err : &r.out);
					sb_adds(reason, ")");
				}
			}
			spawn_result_free(&r);
		}
		argv_free(argv);
	}
	if (!*answer && reason->buf)
		sb_adds(why, reason->buf);
	return *answer == 1;
}

bool probe_postfix(struct exercise_probe *p, struct strbuf *why)
{
	static const char *const status[] = { "status", NULL };
	return ask_server(p, "Postfix", "postfix_reload", p->cfg->postfix_reload, status, 0, 0,
			  &p->postfix, &p->postfix_why, why);
}

bool probe_dovecot(struct exercise_probe *p, struct strbuf *why)
{
	/* A lookup of a user that cannot exist: a running auth service
	 * answers "doesn't exist" (67); a stopped one cannot connect. */
	static const char *const lookup[] = { "auth", "lookup", "vmailadm-probe@invalid", NULL };
	return ask_server(p, "Dovecot", "dovecot_reload", p->cfg->dovecot_reload, lookup, 0, 67,
			  &p->dovecot, &p->dovecot_why, why);
}

/* Dovecot's own answer to doveconf -h name, through the configured doveadm. */
static char *dovecot_setting(struct exercise_probe *p, const char *name, struct strbuf *why)
{
	const char *const words[] = { "config", "-h", name, NULL };
	char **argv = command_like_reload(p->cfg, "dovecot_reload", p->cfg->dovecot_reload, words,
					  why);
	struct spawn_result r;
	char *v = NULL;
	if (argv && run(argv, &r, why)) {
		if (r.status == 0) {
			v = xstrdup(r.out.buf ? r.out.buf : "");
			trim(v);
		} else {
			sb_addf(why, _("%s config -h %s exits %d"), argv[0], name, r.status);
		}
		spawn_result_free(&r);
	}
	argv_free(argv);
	return v;
}

/* The last LOG_TAIL bytes of path, or NULL with why. */
static char *read_tail(const char *path, struct strbuf *why)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		sb_addf(why, _("Dovecot's log %s cannot be read"), path);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	off_t from = st.st_size > (off_t)LOG_TAIL ? st.st_size - (off_t)LOG_TAIL : 0;
	struct strbuf sb = STRBUF_INIT;
	char buf[65536];
	ssize_t n;
	if (lseek(fd, from, SEEK_SET) < 0)
		from = 0;
	while ((n = read(fd, buf, sizeof buf)) > 0 && sb.len < LOG_TAIL)
		sb_add(&sb, buf, (size_t)n);
	close(fd);
	return sb.buf ? sb_detach(&sb) : xstrdup("");
}

int probe_login(struct exercise_probe *p, const char *user, struct strbuf *why)
{
	if (p->log_state < 0) {
		p->log_state = 0;
		/* Logins are info lines: info_log_path when set, else log_path. */
		char *path = dovecot_setting(p, "info_log_path", &p->log_why);
		if (path && !*path) {
			free(path);
			path = dovecot_setting(p, "log_path", &p->log_why);
		}
		if (path && strcmp(path, "syslog") == 0) {
			/* Debian's default: syslog writes mail.* to mail.log. */
			free(path);
			path = xstrdup("/var/log/mail.log");
		}
		if (path && (p->log = read_tail(path, &p->log_why)))
			p->log_state = 1;
		free(path);
	}
	if (p->log_state == 0) {
		sb_adds(why, p->log_why.buf ? p->log_why.buf : "");
		return -1;
	}
	/* login_log_format_elements begins with user=<%u>; imap-login and
	 * pop3-login log "Login:" only once the password was accepted. The
	 * level sits between in a log file ("imap-login: Info: Login: ..."),
	 * not in syslog ("dovecot: imap-login: Login: ..."). */
	char *needle = xasprintf("Login: user=<%s>", user);
	bool found = false;
	for (const char *hit = p->log; !found && (hit = strstr(hit, needle)); hit++) {
		const char *bol = hit;
		while (bol > p->log && bol[-1] != '\n')
			bol--;
		char *head = xstrndup(bol, (size_t)(hit - bol));
		found = strstr(head, "-login: ") != NULL;
		free(head);
	}
	free(needle);
	return found;
}
