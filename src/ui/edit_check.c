/* The checks of the editing forms' fields, run as each key is typed (the
 * same rules the stage applies at Enter, so that what Enter would refuse is
 * refused while typing), and the field values read as the operations take
 * them: a bare local part completed with the form's domain, the targets of
 * an alias value. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "edit_int.h"
#include "ui_int.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/op.h"
#include "vmailadm/passhash.h"
#include "vmailadm/stage.h"
#include "vmailadm/table.h"
#include "vmailadm/xalloc.h"

/* "john" -> "john@domain"; an address is kept; lower case (as the model). */
char *edit_check_address(const struct edit_ctx *c, const char *v)
{
	struct strbuf sb = STRBUF_INIT;
	while (*v == ' ')
		v++;
	sb_adds(&sb, v);
	while (sb.len && sb.buf[sb.len - 1] == ' ')
		sb_truncate(&sb, sb.len - 1);
	if (!strchr(sb_str(&sb), '@') && c->domain && sb.len)
		sb_addf(&sb, "@%s", c->domain);
	for (size_t i = 0; i < sb.len; i++)
		if (sb.buf[i] >= 'A' && sb.buf[i] <= 'Z')
			sb.buf[i] = (char)(sb.buf[i] + 32);
	return sb_detach(&sb);
}

static struct ui *the_ui;   /* for the checks, which look at the staged world */

void edit_check_for(struct ui *ui)
{
	the_ui = ui;
}

/* An empty required field, said so in why. */
static bool missing(const char *v, struct strbuf *why)
{
	if (*v)
		return false;
	sb_adds(why, _("required"));
	return true;
}

/* The field completed into a valid address, or NULL with the reason in why. */
static char *valid_address(struct form *f, const char *v, struct strbuf *why)
{
	if (missing(v, why))
		return NULL;
	char *a = edit_check_address(form_ctx(f), v);
	if (!op_valid_address(a, why)) {
		free(a);
		return NULL;
	}
	return a;
}

bool edit_check_new_mailbox(struct form *f, size_t i, const char *v, struct strbuf *why)
{
	(void)i;
	char *a = valid_address(f, v, why);
	if (!a)
		return false;
	/* The stage's own rules: what Enter would refuse is refused now. */
	const char *file;
	unsigned line;
	bool ok = op_safe_local_part(a, the_ui->cfg->local_part_allow, why) &&
		  stage_rule_new_mailbox(the_ui->view, a, why, &file, &line);
	if (ok && strcmp(a, v) != 0) {
		sb_addf(why, "%s %s", the_ui->g->arrow, a);
	}
	free(a);
	return ok;
}

bool edit_check_alias_address(struct form *f, size_t i, const char *v, struct strbuf *why)
{
	(void)i;
	char *a = valid_address(f, v, why);
	if (!a)
		return false;
	bool ok = true;
	if (world_alias_find(the_ui->view, a))
		sb_addf(why, _("%s exists: the targets are added to it"), a);
	else if (!world_mailbox_find(the_ui->view, a) &&
		 !op_safe_local_part(a, the_ui->cfg->local_part_allow, why))
		ok = false;
	else if (strcmp(a, v) != 0)
		sb_addf(why, "%s %s", the_ui->g->arrow, a);
	free(a);
	return ok;
}

/* Targets: the words of the field as in an alias value (commas or
 * whitespace between them, a quoted part kept whole: the core's
 * table_value_next), each checked. */
char **edit_check_split_targets(const char *v, size_t *n)
{
	char **out = NULL;
	const char *p = v, *s;
	size_t len;
	*n = 0;
	while (table_value_next(&p, &s, &len)) {
		out = xreallocarray(out, *n + 1, sizeof *out);
		out[(*n)++] = xmemdup0(s, len);
	}
	return out;
}

void edit_check_free_targets(char **t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(t[i]);
	free(t);
}

bool edit_check_targets(struct form *f, size_t i, const char *v, struct strbuf *why)
{
	size_t n;
	char **t = edit_check_split_targets(v, &n);
	bool ok = n > 0;
	if (!ok)
		sb_adds(why, _("at least one target address"));
	/* the alias edited, or the one the form's first field names */
	const struct edit_ctx *c = form_ctx(f);
	char *alias = c->subject ? xstrdup(c->subject)
		    : i > 0 ? edit_check_address(c, form_value(f, 0)) : NULL;
	/* and the stage's rules for each target (stage_rule_target), as Enter
	 * has them: an alias naming itself, a target in a hosted domain that
	 * is neither a mailbox nor an alias there */
	for (size_t k = 0; ok && k < n; k++)
		if (!op_valid_target(t[k], why) || !stage_rule_target(the_ui->view, alias, t[k], why))
			ok = false;
	free(alias);
	edit_check_free_targets(t, n);
	return ok;
}

bool edit_check_logins(struct form *f, size_t i, const char *v, struct strbuf *why)
{
	(void)i;
	size_t n;
	char **t = edit_check_split_targets(v, &n);
	const struct edit_ctx *c = form_ctx(f);
	bool ok = true;
	for (size_t k = 0; ok && k < n; k++) {
		char *a = edit_check_address(c, t[k]);
		if (!world_mailbox_find(the_ui->view, a)) {
			sb_addf(why, _("%s is not a mailbox: only a mailbox logs in"), a);
			ok = false;
		}
		free(a);
	}
	edit_check_free_targets(t, n);
	return ok;
}

/* The catch-all's target may also be "@domain" (each user to the same
 * user there). */
bool edit_check_catchall_target(struct form *f, size_t i, const char *v, struct strbuf *why)
{
	(void)f;
	(void)i;
	size_t n;
	char **t = edit_check_split_targets(v, &n);
	bool ok = n == 1 && op_valid_catchall_target(t[0], why) &&
		  stage_rule_target(the_ui->view, NULL, t[0], why);
	if (n != 1)
		sb_adds(why, _("one target address"));
	edit_check_free_targets(t, n);
	return ok;
}

/* The command line's length rule (password_min_length), as typed. */
bool edit_check_password(struct form *f, size_t i, const char *v, struct strbuf *why)
{
	(void)f;
	(void)i;
	if (!*v) {
		sb_adds(why, _("empty: a password is generated and shown once"));
		return true;
	}
	return passhash_long_enough(v, the_ui->cfg->password_min_length, why);
}

bool edit_check_password_required(struct form *f, size_t i, const char *v, struct strbuf *why)
{
	(void)f;
	(void)i;
	return !missing(v, why) && passhash_long_enough(v, the_ui->cfg->password_min_length, why);
}

/* The repeat field follows the one before it. */
bool edit_check_again(struct form *f, size_t i, const char *v, struct strbuf *why)
{
	if (strcmp(v, form_value(f, i - 1)) != 0) {
		sb_adds(why, *v ? _("the passwords differ") : _("type the password again"));
		return false;
	}
	if (*v)
		sb_adds(why, _("the passwords match"));
	return true;
}

bool edit_check_quota(struct form *f, size_t i, const char *v, struct strbuf *why)
{
	(void)f;
	(void)i;
	if (!*v)
		return true;
	struct strbuf rule = STRBUF_INIT;
	bool ok = op_quota_rule(v, &rule, why);
	if (ok)
		sb_addf(why, "%s %s", the_ui->g->arrow, sb_str(&rule));
	sb_free(&rule);
	return ok;
}

bool edit_check_domain(struct form *f, size_t i, const char *v, struct strbuf *why)
{
	(void)f;
	(void)i;
	if (missing(v, why))
		return false;
	/* The stage's own rule (a local domain of mydestination, one hosted
	 * already), in lower case as the operation will be. */
	char *dom = xstrdup(v);
	for (char *p = dom; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	bool ok = stage_rule_new_domain(the_ui->view, dom, why);
	free(dom);
	return ok;
}
