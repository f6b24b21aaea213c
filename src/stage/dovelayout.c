/* Where a new mailbox's maildir goes so that Postfix delivers where Dovecot
 * looks, and the home its passwd-file entry needs for that. The value
 * starts as the neighbours' layout (neighbour.c); Dovecot's mail_location
 * (the setting, else doveconf's, dovepath.c) then decides: an absolute
 * location names the maildir itself; a home-relative one (~/Maildir) is
 * met by a value ending in that directory and a home field (field 6) in
 * the new entry, unless the userdb fixes every home itself. The plan's
 * notes say which layout was followed and why. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "stage_int.h"
#include "vmailadm/config.h"
#include "vmailadm/dovepath.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/neighbour.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/xalloc.h"

/* dir relative to base as a map value ("d/u/"); NULL when outside it. */
static char *dovelayout_value_of(const char *base, const char *dir)
{
	size_t bl = strlen(base);
	while (bl > 1 && base[bl - 1] == '/')
		bl--;
	if (strncmp(dir, base, bl) != 0 || dir[bl] != '/' || !dir[bl + 1])
		return NULL;
	return xasprintf("%s/", dir + bl + 1);
}

/* The part of a home-relative location after the home ("/Maildir"), for
 * address; NULL when it cannot be worked out. */
static char *dovelayout_suffix(const char *loc, const char *address)
{
	const char *p = loc + 8;
	size_t len = strcspn(p, ":");
	struct strbuf sb = STRBUF_INIT;
	if (!dovepath_expand(p, len, address, "", &sb)) {
		sb_free(&sb);
		return NULL;
	}
	while (sb.len > 1 && sb.buf[sb.len - 1] == '/')
		sb_truncate(&sb, sb.len - 1);
	return sb_detach(&sb);
}

char *dovelayout_home(const struct config *cfg, const char *address, const char *dir)
{
	char *loc = dovepath_location(cfg, NULL);
	char *home = NULL, *suffix = NULL;
	char *fixed = NULL;
	if (!strncmp(loc, "maildir:", 8) && dovepath_needs_home(loc) && dovepath_modelled(cfg) &&
	    !(fixed = dovepath_home(cfg, NULL, address, NULL)) &&
	    (suffix = dovelayout_suffix(loc, address)) != NULL) {
		size_t dl = strlen(dir), sl = strlen(suffix);
		if (!sl || !strcmp(suffix, "/"))
			home = xstrdup(dir);
		else if (dl > sl && !strcmp(dir + dl - sl, suffix))
			home = xstrndup(dir, dl - sl);
	}
	free(fixed);
	free(suffix);
	free(loc);
	return home;
}

/* Where Dovecot's mail_location loc came from, for the notes; NULL for the
 * built-in default, a guess rather than the server's word. */
static char *dovelayout_source(const struct config *cfg, const char *loc)
{
	if (strcmp(loc, cfg->dovecot_mail_location ? cfg->dovecot_mail_location : "") != 0)
		return xstrdup(_("the userdb"));
	const char *o = config_origin(cfg, "dovecot_mail_location");
	return o && strcmp(o, "default") != 0 ? xstrdup(o) : NULL;
}

/* A home-relative location whose home vmailadm writes: the value ends in
 * the location's directory, and the entry gets home = the rest. */
static bool dovelayout_home_relative(struct stage *s, const char *address, const char *loc,
				     const char *src, const char *base, struct strbuf *value,
				     char **home)
{
	char *suffix = dovelayout_suffix(loc, address);
	bool moved = false;
	if (!suffix)
		return false;
	char *dir = xasprintf("%s/%s", base, value->buf);
	while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
		dir[strlen(dir) - 1] = '\0';
	size_t dl = strlen(dir), sl = strlen(suffix);
	if (sl > 1 && !(dl > sl && !strcmp(dir + dl - sl, suffix))) {
		/* the neighbours' value names the home: the maildir is below it */
		sb_adds(value, suffix + 1);
		sb_addc(value, '/');
		stage_add_note(s, _("%s goes to %s: Dovecot's mail_location %s (%s) is the home's %s"),
			       address, value->buf, loc, src, suffix + 1);
		*home = dir;
		dir = NULL;
		moved = true;
	} else {
		*home = sl > 1 ? xstrndup(dir, dl - sl) : xstrdup(dir);
	}
	stage_add_note(s, _("%s gets the home %s in the passwd-file: Dovecot's mail_location %s (%s) is relative to the home"),
		       address, *home, loc, src);
	free(dir);
	free(suffix);
	return moved;
}

const char *dovelayout_new_mailbox(struct stage *s, const struct world *w, const char *local,
				   const char *domain, struct strbuf *value, char **home)
{
	*home = NULL;
	neighbour_mailbox_value(w, local, domain, value);
	char *address = xasprintf("%s@%s", local, domain);
	char *course = xasprintf("%s/%s/", domain, local);
	bool neighbours = strcmp(course, value->buf) != 0;
	const char *base = world_mailbox_base(w);
	char *loc = dovepath_location(s->cfg, NULL);
	char *src = dovelayout_source(s->cfg, loc);
	char *fixed = NULL, *dp = NULL;
	bool relative = !strncmp(loc, "maildir:", 8) && dovepath_needs_home(loc);
	/* Without the server's word on the location (the built-in default),
	 * the neighbours alone decide, as before Dovecot was asked. */
	if (src && relative && dovepath_modelled(s->cfg) &&
	    !(fixed = dovepath_home(s->cfg, NULL, address, NULL))) {
		if (dovelayout_home_relative(s, address, loc, src, base, value, home))
			neighbours = false;
	} else if (src && base && *base && dovepath_maildir(s->cfg, NULL, address, &dp) == DOVEPATH_FOUND) {
		/* Dovecot names the maildir itself: the map value must point there. */
		char *dir = xasprintf("%s/%s", base, value->buf);
		dir[strlen(dir) - 1] = '\0';
		char *want = dovelayout_value_of(base, dp);
		if (strcmp(dir, dp) != 0 && want) {
			stage_add_note(s, _("%s goes to %s, where Dovecot looks (mail_location %s, %s), not %s"),
				       address, want, loc, src, value->buf);
			sb_reset(value);
			sb_adds(value, want);
			neighbours = false;
		} else if (strcmp(dir, dp) != 0) {
			stage_add_note(s, _("%s: Dovecot looks in %s (mail_location %s, %s), outside virtual_mailbox_base %s: Postfix cannot deliver there, and lint reports the mismatch"),
				       address, dp, loc, src, base);
		}
		free(want);
		free(dir);
	}
	if (neighbours)
		stage_add_note(s, _("%s goes to %s, in the layout of the mailboxes already there (not the course's %s)"),
			       address, value->buf, course);
	free(dp);
	free(fixed);
	free(src);
	free(loc);
	free(course);
	free(address);
	return value->buf;
}

/* The layout fields of a passwd-file entry: its userdb_mail and
 * userdb_home, as written, for address's local@domain; false when one
 * does not follow (names the neighbour's local part twice). */
static bool dovelayout_fields_for(const struct pwfile_entry *nb, const char *local,
				  const char *domain, struct strbuf *out)
{
	static const char *const keys[] = { "userdb_mail", "userdb_home" };
	for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
		size_t len;
		const char *v = pwfile_extra_find(nb, keys[k], &len);
		if (!v || !len)
			continue;   /* (a "userdb_" key matches only the userdb's field) */
		char *raw = xstrndup(v, len);
		char *mine = neighbour_follow(raw, nb->user, local, domain, true);
		free(raw);
		if (!mine)
			return false;
		sb_addf(out, "%s%s=%s", out->len ? " " : "", keys[k], mine);
		free(mine);
	}
	return true;
}

void dovelayout_neighbour_fields(struct stage *s, const struct world *w, const char *address,
				 const char *dir, char **home, char **fields)
{
	*home = *fields = NULL;
	const struct pwfile_entry *nb = pwfile_neighbour(world_pwfile(w), address);
	const char *at = strrchr(address, '@');
	if (!nb || !at || !dir)
		return;
	char *local = xstrndup(address, (size_t)(at - address));
	struct strbuf extra = STRBUF_INIT;
	char *nb_home = pwfile_field_dup(nb, PWFILE_HOME);
	char *h = *nb_home ? neighbour_follow(nb_home, nb->user, local, at + 1, false) : NULL;
	if ((!*nb_home || h) && dovelayout_fields_for(nb, local, at + 1, &extra) && (h || extra.len)) {
		/* Taken only when Dovecot would then read where Postfix delivers. */
		char *user = xstrdup(address);
		struct pwfile_fields f = { .user = user, .home = h, .extra = extra.len ? extra.buf : NULL };
		struct strbuf line = STRBUF_INIT;
		struct pwfile_entry e;
		pwfile_entry_of(&f, &line, &e);
		char *dp = NULL;
		if (dovepath_maildir(s->cfg, &e, address, &dp) == DOVEPATH_FOUND && strcmp(dp, dir) == 0) {
			char *what = xasprintf("%s%s%s%s", h ? "home " : "", h ? h : "", h && extra.len ? ", " : "",
					       extra.len ? extra.buf : "");
			stage_add_note(s, _("%s follows %s next to it in the passwd-file (%s): Dovecot then reads %s"),
				       address, nb->user, what, dir);
			free(what);
			*home = h;
			h = NULL;
			*fields = extra.len ? sb_detach(&extra) : NULL;
		}
		free(dp);
		sb_free(&line);
		free(user);
	}
	free(h);
	free(nb_home);
	sb_free(&extra);
	free(local);
}
