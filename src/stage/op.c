/* Operations: construction, the command-word form shared by the command
 * line, batch files and the journal. The syntax checks that need no model
 * are opcheck.c's; semantic checks (does the domain exist ...) live in
 * apply.c. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "stage_int.h"
#include "vmailadm/i18n.h"
#include "vmailadm/op.h"
#include "vmailadm/passhash.h"
#include "vmailadm/table.h"
#include "vmailadm/xalloc.h"

/* One row per operation kind: everything the word form needs to know of
 * it (its words, targets, options, how its subject reads), whether the
 * stage's quick path takes it, and how op_describe says it. The kinds'
 * handlers are apply.c's. */
enum op_option {
	OPT_PASSWORD_HASH = 1 << 0,
	OPT_QUOTA = 1 << 1,
	OPT_IF_SHA = 1 << 2,
	OPT_CASCADE = 1 << 3,
	OPT_PURGE = 1 << 4,
	OPT_KEEP_MAILDIR = 1 << 5,
	OPT_ADOPT_MAILDIR = 1 << 6,
	OPT_KEEP_OLD = 1 << 7,
	OPT_COPY = 1 << 8,          /* --keep-copy or --no-copy, one of them */
	OPT_ALIAS_OF = 1 << 9,
};

enum op_flag {
	OPF_PATH = 1 << 0,        /* the subject is a path (or TYPE:PATH): its case is kept */
	OPF_LIST = 1 << 1,        /* targets may come several in one word ("a@x, b@x") */
	OPF_SIZE = 1 << 2,        /* the one positional word after the subject is a size */
	OPF_QUICK = 1 << 3,       /* one mailbox: the stage's quick path may apply it */
	OPF_NO_SUBJECT = 1 << 4,  /* the words name no subject (sendas enable) */
	OPF_COMMAS = 1 << 5,      /* with OPF_LIST: split on commas only (aliases(5): "|cmd arg") */
};

struct op_desc;
typedef void op_describe_fn(const struct op_desc *nm, const struct op *op, struct strbuf *out);

struct op_desc {
	enum op_kind kind;
	const char *object, *verb;
	int min_targets, max_targets; /* -1: unlimited */
	unsigned options;             /* enum op_option */
	unsigned flags;               /* enum op_flag */
	const char *subject_noun;     /* what the subject is, untranslated ("an address") */
	op_apply_fn *apply;           /* its handler (apply.c) */
	const char *summary;          /* op_describe's text, untranslated: %s the subject */
	op_describe_fn *describe;     /* NULL: the summary, then the targets if the kind takes any */
};

/* ---- descriptions (op_describe): the kinds whose text has variants ---- */

static void add_targets(struct strbuf *out, const struct op *op)
{
	for (size_t i = 0; i < op->ntargets; i++)
		sb_addf(out, "%s%s", i ? ", " : "", op->targets[i]);
}

static void describe_domain_add(const struct op_desc *nm, const struct op *op, struct strbuf *out)
{
	if (op->alias_of)
		sb_addf(out, _("add domain %s as an alias domain of %s"), op->subject, op->alias_of);
	else
		sb_addf(out, _(nm->summary), op->subject);
}

static void describe_domain_del(const struct op_desc *nm, const struct op *op, struct strbuf *out)
{
	sb_addf(out, op->cascade ? _("remove domain %s with its mailboxes and aliases") : _(nm->summary),
		op->subject);
}

static void describe_mailbox_add(const struct op_desc *nm, const struct op *op, struct strbuf *out)
{
	sb_addf(out, _(nm->summary), op->subject);
	if (op->quota && *op->quota)
		sb_addf(out, _(" (quota %s)"), op->quota);
	if (!op->password_hash)
		sb_adds(out, _(" without a password"));
	if (op->adopt_maildir)
		sb_adds(out, _(" (taking on the maildir already there)"));
}

static void describe_mailbox_del(const struct op_desc *nm, const struct op *op, struct strbuf *out)
{
	sb_addf(out, op->purge ? _("remove mailbox %s and DELETE its mail")
		     : op->keep_maildir ? _("remove mailbox %s (maildir left in place)") : _(nm->summary),
		op->subject);
}

static void describe_mailbox_quota(const struct op_desc *nm, const struct op *op, struct strbuf *out)
{
	if (op->quota && *op->quota)
		sb_addf(out, _(nm->summary), op->subject, op->quota);
	else
		sb_addf(out, _("remove the quota of %s"), op->subject);
}

static void describe_alias_del(const struct op_desc *nm, const struct op *op, struct strbuf *out)
{
	if (!op->ntargets) {
		sb_addf(out, _("remove alias %s"), op->subject);
		return;
	}
	sb_addf(out, _(nm->summary), op->subject);
	add_targets(out, op);
}

static void describe_mailbox_rename(const struct op_desc *nm, const struct op *op, struct strbuf *out)
{
	const char *to = op->ntargets ? op->targets[0] : "?";
	if (op->keep_old)
		sb_addf(out, _("rename mailbox %s to %s (%s kept as an alias)"), op->subject, to, op->subject);
	else
		sb_addf(out, _(nm->summary), op->subject, to);
}

static void describe_forward_set(const struct op_desc *nm, const struct op *op, struct strbuf *out)
{
	sb_addf(out, op->no_copy ? _("forward the mail of %s to ") : _(nm->summary), op->subject);
	add_targets(out, op);
	if (op->no_copy)
		sb_adds(out, _(" (no copy kept)"));
}

/* The summary's first %s is the logins, the second the address. */
static void describe_sendas(const struct op_desc *nm, const struct op *op, struct strbuf *out)
{
	struct strbuf who = STRBUF_INIT;
	add_targets(&who, op);
	sb_addf(out, _(nm->summary), sb_str(&who), op->subject);
	sb_free(&who);
}

/* The summary's second %s is where the thing comes back from. */
static void describe_restore(const struct op_desc *nm, const struct op *op, struct strbuf *out)
{
	sb_addf(out, _(nm->summary), op->subject, op->ntargets ? op->targets[0] : "?");
}

/* The KEY=VALUE words say who connects: the role, named after the
 * directory (a password file's name is not the password, but only the
 * role is the admin's concern here). */
static void describe_use_pgsql(const struct op_desc *nm, const struct op *op, struct strbuf *out)
{
	sb_addf(out, _(nm->summary), op->subject);
	for (size_t i = 0; i < op->ntargets; i++)
		if (!strncmp(op->targets[i], "user=", 5))
			sb_addf(out, _(", as role %s"), op->targets[i] + 5);
}

static const struct op_desc op_descs[] = {
	{ OP_DOMAIN_ADD, "domain", "add", 0, 0, OPT_ALIAS_OF, 0, N_("a domain"), apply_domain_add,
	  N_("add domain %s"), describe_domain_add },
	{ OP_DOMAIN_DEL, "domain", "del", 0, 0, OPT_CASCADE, 0, N_("a domain"), apply_domain_del,
	  N_("remove domain %s"), describe_domain_del },
	{ OP_MAILBOX_ADD, "mailbox", "add", 0, 0, OPT_PASSWORD_HASH | OPT_QUOTA | OPT_ADOPT_MAILDIR, OPF_QUICK,
	  N_("an address"), apply_mailbox_add,
	  N_("add mailbox %s"), describe_mailbox_add },
	{ OP_MAILBOX_DEL, "mailbox", "del", 0, 0, OPT_PURGE | OPT_KEEP_MAILDIR, OPF_QUICK,
	  N_("an address"), apply_mailbox_del,
	  N_("remove mailbox %s (mail archived)"), describe_mailbox_del },
	{ OP_MAILBOX_PASSWD, "mailbox", "passwd", 0, 0, OPT_PASSWORD_HASH, OPF_QUICK,
	  N_("an address"), apply_mailbox_passwd,
	  N_("set the password of %s"), NULL },
	{ OP_MAILBOX_RENAME, "mailbox", "rename", 1, 1, OPT_KEEP_OLD, 0, N_("an address"), apply_mailbox_rename,
	  N_("rename mailbox %s to %s"), describe_mailbox_rename },
	{ OP_FORWARD_SET, "forward", "set", 1, -1, OPT_COPY, OPF_LIST, N_("an address"), apply_forward_set,
	  N_("forward a copy of the mail of %s to "), describe_forward_set },
	{ OP_FORWARD_CLEAR, "forward", "clear", 0, 0, 0, 0, N_("an address"), apply_forward_clear,
	  N_("stop forwarding the mail of %s"), NULL },
	{ OP_SENDAS_ALLOW, "sendas", "allow", 1, -1, 0, OPF_LIST, N_("an address"), apply_sendas_allow,
	  N_("let %s send as %s"), describe_sendas },
	{ OP_SENDAS_DENY, "sendas", "deny", 1, -1, 0, OPF_LIST, N_("an address"), apply_sendas_deny,
	  N_("stop %s sending as %s"), describe_sendas },
	{ OP_SENDAS_ENABLE, "sendas", "enable", 0, 0, 0, OPF_NO_SUBJECT, N_("nothing"), apply_sendas_enable,
	  N_("make Postfix refuse a sender address the login does not own (smtpd_sender_login_maps)"), NULL },
	{ OP_SENDAS_DISABLE, "sendas", "disable", 0, 0, 0, OPF_NO_SUBJECT, N_("nothing"), apply_sendas_disable,
	  N_("stop Postfix checking who sends as whom (smtpd_sender_login_maps)"), NULL },
	{ OP_MAILBOX_QUOTA, "mailbox", "quota", 1, 1, 0, OPF_SIZE | OPF_QUICK,
	  N_("an address"), apply_mailbox_quota,
	  N_("set the quota of %s to %s"), describe_mailbox_quota },
	{ OP_ALIAS_ADD, "alias", "add", 1, -1, 0, OPF_LIST, N_("an address"), apply_alias_add,
	  N_("alias %s → "), NULL },
	{ OP_ALIAS_DEL, "alias", "del", 0, -1, 0, OPF_LIST, N_("an address"), apply_alias_del,
	  N_("alias %s: remove "), describe_alias_del },
	{ OP_ALIAS_SET, "alias", "set", 1, -1, 0, OPF_LIST, N_("an address"), apply_alias_set,
	  N_("alias %s: targets now "), NULL },
	{ OP_CATCHALL_SET, "catchall", "set", 1, 1, 0, OPF_LIST, N_("a domain"), apply_catchall_set,
	  N_("catch-all of %s → "), NULL },
	{ OP_CATCHALL_CLEAR, "catchall", "clear", 0, 0, 0, 0, N_("a domain"), apply_catchall_clear,
	  N_("remove the catch-all of %s"), NULL },
	{ OP_SYSALIAS_SET, "sysalias", "set", 1, -1, 0, OPF_LIST | OPF_COMMAS, N_("a name"), apply_sysalias,
	  N_("system alias %s: "), NULL },
	{ OP_SYSALIAS_DEL, "sysalias", "del", 0, 0, 0, 0, N_("a name"), apply_sysalias,
	  N_("remove system alias %s"), NULL },
	{ OP_FILE_RESTORE, "file", "restore", 1, 1, OPT_IF_SHA, OPF_PATH, N_("a path"), apply_file_restore,
	  N_("restore %s from %s"), describe_restore },
	{ OP_MAILDIR_RESTORE, "maildir", "restore", 1, 1, 0, OPF_PATH, N_("a path"), apply_maildir_restore,
	  N_("move maildir %s back from %s"), describe_restore },
	{ OP_FILE_REMOVE, "file", "remove", 0, 0, OPT_IF_SHA, OPF_PATH, N_("a path"), apply_file_remove,
	  N_("remove %s and the maps built from it"), NULL },
	{ OP_MAP_REBUILD, "map", "rebuild", 0, 0, 0, OPF_PATH, N_("a map (type:path)"), apply_map_rebuild,
	  N_("rebuild map %s"), NULL },
	{ OP_MAILDIR_CREATE, "maildir", "create", 0, 0, 0, 0, N_("an address"), apply_maildir_create,
	  N_("create the missing maildir of %s"), NULL },
	{ OP_POSTFIX_USE_PGSQL, "postfix", "use-pgsql", 0, -1, 0, OPF_PATH, N_("a directory"),
	  apply_postfix_use_pgsql,
	  N_("point the server's main.cf at the database's maps (proxy:pgsql: files in %s)"), describe_use_pgsql },
};

static const struct op_desc *op_desc_of(enum op_kind kind)
{
	for (size_t i = 0; i < sizeof op_descs / sizeof op_descs[0]; i++)
		if (op_descs[i].kind == kind)
			return &op_descs[i];
	vm_panic("op kind %d", (int)kind);
}

op_apply_fn *op_handler(enum op_kind kind)
{
	return op_desc_of(kind)->apply;
}

bool op_quick_kind(enum op_kind kind)
{
	return (op_desc_of(kind)->flags & OPF_QUICK) != 0;
}

char **op_split_targets(const char *text, size_t *n)
{
	char **out = NULL;
	size_t cap = 0;
	*n = 0;
	const char *p = text, *s;
	size_t len;
	while (table_value_next(&p, &s, &len)) {
		xgrow(&out, &cap, *n + 2, sizeof *out);
		out[(*n)++] = xmemdup0(s, len);
	}
	if (!out)
		out = xcalloc(1, sizeof *out);
	out[*n] = NULL;
	return out;
}

void op_free_targets(char **targets)
{
	for (size_t i = 0; targets && targets[i]; i++)
		free(targets[i]);
	free(targets);
}

size_t op_verbs(const char *object, const char **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < sizeof op_descs / sizeof op_descs[0]; i++)
		if (strcmp(op_descs[i].object, object) == 0 && n < max)
			out[n++] = op_descs[i].verb;
	return n;
}

static char *lower_dup(const char *s)
{
	char *r = xstrdup(s);
	for (char *p = r; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return r;
}

struct op *op_new(enum op_kind kind, const char *subject)
{
	struct op *op = xcalloc(1, sizeof *op);
	op->kind = kind;
	/* System alias names fold too: aliases(5) keys are case-insensitive.
	 * File and maildir paths do not, nor a map's TYPE:PATH. */
	if (op_desc_of(kind)->flags & OPF_PATH)
		op->subject = xstrdup(subject ? subject : "");
	else
		op->subject = lower_dup(subject ? subject : "");
	return op;
}

void op_add_target(struct op *op, const char *target)
{
	op->targets = xreallocarray(op->targets, op->ntargets + 1, sizeof *op->targets);
	op->targets[op->ntargets++] = xstrdup(target);
}

void op_free(struct op **opp)
{
	struct op *op = *opp;
	if (!op)
		return;
	for (size_t i = 0; i < op->ntargets; i++)
		free(op->targets[i]);
	free(op->targets);
	free(op->subject);
	free(op->password_hash);
	free(op->quota);
	free(op->sha256);
	free(op->alias_of);
	free(op);
	*opp = NULL;
}

struct op *op_clone(const struct op *op)
{
	struct op *c = op_new(op->kind, op->subject);
	for (size_t i = 0; i < op->ntargets; i++)
		op_add_target(c, op->targets[i]);
	c->password_hash = op->password_hash ? xstrdup(op->password_hash) : NULL;
	c->quota = op->quota ? xstrdup(op->quota) : NULL;
	c->cascade = op->cascade;
	c->purge = op->purge;
	c->keep_maildir = op->keep_maildir;
	c->adopt_maildir = op->adopt_maildir;
	c->keep_old = op->keep_old;
	c->no_copy = op->no_copy;
	c->sha256 = op->sha256 ? xstrdup(op->sha256) : NULL;
	c->alias_of = op->alias_of ? xstrdup(op->alias_of) : NULL;
	return c;
}

/* ---- words ------------------------------------------------------------ */

char **op_split_words(const char *line, int *argc, const char *file, unsigned line_no,
		      struct diags *d)
{
	char **words = NULL;
	size_t n = 0, cap = 0;
	const char *p = line;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p == '\0' || *p == '#')
			break;
		struct strbuf w = STRBUF_INIT;
		char quote = 0;
		while (*p && (quote || !(*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))) {
			if (quote) {
				if (*p == quote)
					quote = 0;
				else if (quote == '"' && *p == '\\' && p[1])
					sb_addc(&w, *++p);
				else
					sb_addc(&w, *p);
			} else if (*p == '\'' || *p == '"') {
				quote = *p;
			} else if (*p == '\\' && p[1]) {
				sb_addc(&w, *++p);
			} else {
				sb_addc(&w, *p);
			}
			p++;
		}
		if (quote) {
			diag_error(d, file, line_no, _("unterminated quote"));
			sb_free(&w);
			words = words ? words : xcalloc(1, sizeof *words);
			words[n] = NULL;
			op_words_free(words);
			return NULL;
		}
		xgrow(&words, &cap, n + 2, sizeof *words);
		words[n++] = sb_detach(&w);
	}
	xgrow(&words, &cap, n + 1, sizeof *words);
	words[n] = NULL;
	*argc = (int)n;
	return words;
}

void op_words_free(char **words)
{
	if (!words)
		return;
	for (char **w = words; *w; w++)
		free(*w);
	free(words);
}

static const char *next_value(int argc, char *const argv[], int *i, const char *opt,
			      const char *file, unsigned line, struct diags *d)
{
	if (*i + 1 >= argc) {
		diag_error(d, file, line, _("option %s needs a value"), opt);
		return NULL;
	}
	return argv[++*i];
}

/* text split at its commas outside double quotes, each piece trimmed, the
 * empty ones left out: the targets of an aliases(5) value, where a quoted
 * "|command arg" is one target. */
static char **op_split_commas(const char *text, size_t *n)
{
	char **out = xcalloc(strlen(text) / 2 + 2, sizeof *out);
	*n = 0;
	for (const char *p = text;;) {
		const char *e = p;
		for (bool q = false; *e && (q || *e != ','); e++)
			if (*e == '"')
				q = !q;
			else if (*e == '\\' && e[1])
				e++;
		const char *b = p, *z = e;
		while (b < z && isspace((unsigned char)*b))
			b++;
		while (z > b && isspace((unsigned char)z[-1]))
			z--;
		if (z > b)
			out[(*n)++] = xmemdup0(b, (size_t)(z - b));
		if (!*e)
			return out;
		p = e + 1;
	}
}

/* The targets after the subject (pos[1...]) split into one word each
 * (op_split_targets, or op_split_commas); pos then points into the
 * returned array, which the caller frees with op_free_targets. */
static char **op_words_split_list(char ***posp, int *npos, bool commas)
{
	char **pos = *posp, **split = NULL;
	size_t ns = 0, cap = 0;
	for (int i = 1; i < *npos; i++) {
		size_t k;
		char **t = commas ? op_split_commas(pos[i], &k) : op_split_targets(pos[i], &k);
		xgrow(&split, &cap, ns + k + 1, sizeof *split);
		memcpy(split + ns, t, k * sizeof *t);
		ns += k;
		free(t);
	}
	if (split)
		split[ns] = NULL;
	pos = xreallocarray(pos, ns + 2, sizeof *pos);
	for (size_t i = 0; i < ns; i++)
		pos[1 + i] = split[i];
	*npos = (int)ns + 1;
	*posp = pos;
	return split;
}

/* A subject, and as many targets as the kind takes (for 'mailbox quota'
 * ADDRESS SIZE, the size is the one word after the subject: OPF_SIZE). */
static bool op_words_arity(const struct op_desc *nm, int npos, const char *file, unsigned line,
			   struct diags *d)
{
	if ((nm->flags & OPF_NO_SUBJECT) && npos > 0) {
		diag_error(d, file, line, _("too many arguments for '%s %s'"), nm->object, nm->verb);
		return false;
	}
	if (nm->flags & OPF_NO_SUBJECT)
		return true;
	if (npos < 1) {
		/* The article goes with the noun: "an address", "a domain". */
		diag_error(d, file, line, _("'%s %s' needs %s"), nm->object, nm->verb, _(nm->subject_noun));
		return false;
	}
	int ntargets = npos - 1;
	if (ntargets < nm->min_targets) {
		diag_error(d, file, line, _("'%s %s' needs %s"), nm->object, nm->verb,
			   (nm->flags & OPF_SIZE) ? _("a size (e.g. 2G, or none)") : _("at least one target address"));
		return false;
	}
	if (nm->max_targets >= 0 && ntargets > nm->max_targets) {
		diag_error(d, file, line, _("too many arguments for '%s %s'"), nm->object, nm->verb);
		return false;
	}
	return true;
}

/* The options of one edit's words (only those its kind takes); the other
 * words go to pos[] in order. False after a diagnostic. */
struct op_words_opts {
	const char *hash, *quota, *sha, *alias_of;
	bool cascade, purge, keep, adopt, keep_old;
	int copy;   /* --keep-copy 1, --no-copy 0, -1 when not said */
};

static bool op_words_options(const struct op_desc *nm, int argc, char *const argv[], char **pos,
			     int *npos, struct op_words_opts *o, const char *file, unsigned line,
			     struct diags *d)
{
	bool ok = true;
	for (int i = 2; i < argc && ok; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			while (++i < argc)
				pos[(*npos)++] = argv[i];
			break;
		}
		if (strncmp(a, "--", 2) != 0) {
			pos[(*npos)++] = argv[i];
			continue;
		}
		if (strcmp(a, "--password-hash") == 0 && (nm->options & OPT_PASSWORD_HASH))
			ok = (o->hash = next_value(argc, argv, &i, a, file, line, d)) != NULL;
		else if (strcmp(a, "--quota") == 0 && (nm->options & OPT_QUOTA))
			ok = (o->quota = next_value(argc, argv, &i, a, file, line, d)) != NULL;
		else if (strcmp(a, "--if-sha") == 0 && (nm->options & OPT_IF_SHA))
			ok = (o->sha = next_value(argc, argv, &i, a, file, line, d)) != NULL;
		else if (strcmp(a, "--alias-of") == 0 && (nm->options & OPT_ALIAS_OF))
			ok = (o->alias_of = next_value(argc, argv, &i, a, file, line, d)) != NULL;
		else if (strcmp(a, "--cascade") == 0 && (nm->options & OPT_CASCADE))
			o->cascade = true;
		else if (strcmp(a, "--purge") == 0 && (nm->options & OPT_PURGE))
			o->purge = true;
		else if (strcmp(a, "--keep-maildir") == 0 && (nm->options & OPT_KEEP_MAILDIR))
			o->keep = true;
		else if (strcmp(a, "--adopt-maildir") == 0 && (nm->options & OPT_ADOPT_MAILDIR))
			o->adopt = true;
		else if (strcmp(a, "--keep-old") == 0 && (nm->options & OPT_KEEP_OLD))
			o->keep_old = true;
		else if ((strcmp(a, "--keep-copy") == 0 || strcmp(a, "--no-copy") == 0) && (nm->options & OPT_COPY)) {
			int c = strcmp(a, "--keep-copy") == 0;
			if (o->copy >= 0 && o->copy != c) {
				diag_error(d, file, line, _("--keep-copy and --no-copy exclude each other"));
				ok = false;
			}
			o->copy = c;
		}
		else {
			diag_error(d, file, line, _("option %s is not known for '%s %s'"), a, nm->object, nm->verb);
			ok = false;
		}
	}
	return ok;
}

struct op *op_from_words(int argc, char *const argv[], const char *file, unsigned line,
			 struct diags *d)
{
	if (argc < 2) {
		diag_error(d, file, line, _("expected an object and a verb, e.g. 'mailbox add'"));
		return NULL;
	}
	const struct op_desc *nm = NULL;
	for (size_t i = 0; i < sizeof op_descs / sizeof op_descs[0]; i++)
		if (strcmp(op_descs[i].object, argv[0]) == 0 && strcmp(op_descs[i].verb, argv[1]) == 0)
			nm = &op_descs[i];
	if (!nm) {
		diag_error(d, file, line, _("unknown edit '%s %s'"), argv[0], argv[1]);
		return NULL;
	}
	struct op *op = NULL;
	char **pos = xcalloc((size_t)argc + 1, sizeof *pos);
	int npos = 0;
	struct op_words_opts o = { .copy = -1 };
	bool ok = op_words_options(nm, argc, argv, pos, &npos, &o, file, line, d);
	/* Alias targets come one a word or several in one ("a@x, b@x",
	 * "a@x b@x"), split as the model splits a table value: the same forms
	 * on the command line, in batch files and in the interface's forms. */
	char **split = ok && npos > 1 && (nm->flags & OPF_LIST)
		? op_words_split_list(&pos, &npos, nm->flags & OPF_COMMAS) : NULL;
	ok = ok && op_words_arity(nm, npos, file, line, d);
	/* A hash given by hand goes into the passwd-file as written: one that
	 * Dovecot would read as the password itself, or an empty one, is not
	 * a hash. */
	struct strbuf why = STRBUF_INIT;
	if (ok && o.hash && !passhash_check_stored(o.hash, &why)) {
		diag_error(d, file, line, _("--password-hash: %s"), why.buf);
		ok = false;
	}
	sb_truncate(&why, 0);
	/* Whether the mailbox keeps a copy is said, never guessed (issue 15). */
	if (ok && (nm->options & OPT_COPY) && o.copy < 0) {
		diag_error(d, file, line, _("'%s %s' needs --keep-copy (the mailbox gets the mail too) or --no-copy (the mail leaves)"),
			   nm->object, nm->verb);
		ok = false;
	}
	if (ok && o.purge && o.keep) {
		diag_error(d, file, line, _("--purge and --keep-maildir exclude each other"));
		ok = false;
	}
	if (ok) {
		op = op_new(nm->kind, pos[0]);
		if (nm->flags & OPF_SIZE) {
			op->quota = xstrdup(strcmp(pos[1], "none") == 0 ? "" : pos[1]);
		} else {
			for (int i = 1; i < npos; i++)
				op_add_target(op, pos[i]);
		}
		/* A new mailbox name folds like every subject: the maps and the
		 * passwd-file hold it in lower case. */
		if (nm->kind == OP_MAILBOX_RENAME)
			for (char *p = op->targets[0]; *p; p++)
				*p = (char)tolower((unsigned char)*p);
		if (o.hash)
			op->password_hash = xstrdup(o.hash);
		if (o.quota)
			op->quota = xstrdup(o.quota);
		if (o.sha)
			op->sha256 = xstrdup(o.sha);
		if (o.alias_of)
			op->alias_of = lower_dup(o.alias_of);
		op->cascade = o.cascade;
		op->purge = o.purge;
		op->keep_maildir = o.keep;
		op->adopt_maildir = o.adopt;
		op->keep_old = o.keep_old;
		op->no_copy = o.copy == 0;
		if (nm->kind == OP_MAILBOX_PASSWD && !op->password_hash) {
			diag_error(d, file, line, _("'mailbox passwd' needs a password"));
			op_free(&op);
		}
	}
	/* A malformed address or quota is an error in the words, whatever
	 * the world: said here, it is a usage error everywhere. */
	if (op && !op_check(op, &why)) {
		diag_error(d, file, line, "%s", sb_str(&why));
		op_free(&op);
	}
	sb_free(&why);
	free(pos);
	op_free_targets(split);
	return op;
}

/* Quote a word so that op_split_words gives it back. */
static void add_word(struct strbuf *out, const char *w)
{
	bool plain = *w != '\0';
	for (const char *p = w; *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr("@._+-=:*/%", *p)))
			plain = false;
	if (out->len)
		sb_addc(out, ' ');
	if (plain) {
		sb_adds(out, w);
		return;
	}
	sb_addc(out, '\'');
	for (const char *p = w; *p; p++) {
		if (*p == '\'')
			sb_adds(out, "'\\''");
		else
			sb_addc(out, *p);
	}
	sb_addc(out, '\'');
}

/* The options of op as words (op_format). */
static void format_options(const struct op *op, struct strbuf *w)
{
	if (op->kind == OP_MAILBOX_ADD && op->quota) {
		add_word(w, "--quota");
		add_word(w, op->quota);
	}
	if (op->password_hash) {
		add_word(w, "--password-hash");
		add_word(w, op->password_hash);
	}
	if (op->cascade)
		add_word(w, "--cascade");
	if (op->purge)
		add_word(w, "--purge");
	if (op->keep_maildir)
		add_word(w, "--keep-maildir");
	if (op->adopt_maildir)
		add_word(w, "--adopt-maildir");
	if (op->keep_old)
		add_word(w, "--keep-old");
	if (op->kind == OP_FORWARD_SET)
		add_word(w, op->no_copy ? "--no-copy" : "--keep-copy");
	if (op->sha256) {
		add_word(w, "--if-sha");
		add_word(w, op->sha256);
	}
	if (op->alias_of) {
		add_word(w, "--alias-of");
		add_word(w, op->alias_of);
	}
}

void op_format(const struct op *op, struct strbuf *out)
{
	const struct op_desc *nm = op_desc_of(op->kind);
	struct strbuf w = STRBUF_INIT;
	add_word(&w, nm->object);
	add_word(&w, nm->verb);
	/* A positional word that looks like an option ("--quota" as an alias
	 * target, or as the size of 'mailbox quota', given after "--") must
	 * come after "--" to read back as itself; then the options go first
	 * (found by fuzz_opwords, twice). */
	bool dashdash = op->subject && strncmp(op->subject, "--", 2) == 0;
	if (op->kind == OP_MAILBOX_QUOTA && op->quota)
		dashdash = dashdash || strncmp(op->quota, "--", 2) == 0;
	for (size_t i = 0; i < op->ntargets && !dashdash; i++)
		dashdash = strncmp(op->targets[i], "--", 2) == 0;
	if (dashdash) {
		format_options(op, &w);
		add_word(&w, "--");
	}
	if (!(nm->flags & OPF_NO_SUBJECT))
		add_word(&w, op->subject);
	if (op->kind == OP_MAILBOX_QUOTA)
		add_word(&w, op->quota && *op->quota ? op->quota : "none");
	for (size_t i = 0; i < op->ntargets; i++)
		add_word(&w, op->targets[i]);
	if (!dashdash)
		format_options(op, &w);
	sb_add(out, w.buf, w.len);
	sb_free(&w);
}

void op_describe(const struct op *op, struct strbuf *out)
{
	const struct op_desc *nm = op_desc_of(op->kind);
	if (nm->describe) {
		nm->describe(nm, op, out);
		return;
	}
	sb_addf(out, _(nm->summary), op->subject);
	if (nm->max_targets != 0)
		add_targets(out, op);
}
