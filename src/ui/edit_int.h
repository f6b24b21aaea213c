/* Private to edit.c, edit_check.c and edit_mailbox.c: the editing forms' context and
 * their field checks (form_check_fn), which read the interface named by
 * edit_check_for (ui_int.h). */
#ifndef VMAILADM_UI_EDIT_INT_H
#define VMAILADM_UI_EDIT_INT_H
#include <stdbool.h>
#include <stddef.h>

struct form;
struct strbuf;

/* The domain the forms complete a bare local part with. */
struct edit_ctx {
	char *domain;
	char *subject;            /* the entry edited */
	char **old_targets;       /* alias edit: the targets before */
	size_t nold;
};

/* "john" -> "john@domain" (the form's domain); an address is kept; lower
 * case, as the model has it. */
char *edit_check_address(const struct edit_ctx *c, const char *v);
/* The words of a targets field as in an alias value (commas or whitespace
 * between them, a quoted part kept whole: the core's table_value_next). */
char **edit_check_split_targets(const char *v, size_t *n);
void edit_check_free_targets(char **t, size_t n);

/* The fields' checks: true when v is acceptable; why says why not, or
 * what it becomes. */
bool edit_check_new_mailbox(struct form *f, size_t i, const char *v, struct strbuf *why);
bool edit_check_alias_address(struct form *f, size_t i, const char *v, struct strbuf *why);
bool edit_check_targets(struct form *f, size_t i, const char *v, struct strbuf *why);
/* The catch-all's one target, which may also be "@domain". */
bool edit_check_catchall_target(struct form *f, size_t i, const char *v, struct strbuf *why);
/* Empty is fine: a password is generated; else password_min_length. */
bool edit_check_password(struct form *f, size_t i, const char *v, struct strbuf *why);
bool edit_check_password_required(struct form *f, size_t i, const char *v, struct strbuf *why);
/* The repeat field follows the one before it. */
bool edit_check_again(struct form *f, size_t i, const char *v, struct strbuf *why);
bool edit_check_domain(struct form *f, size_t i, const char *v, struct strbuf *why);
/* Logins that may be granted send-as: mailboxes (bare names completed);
 * empty is fine. */
bool edit_check_logins(struct form *f, size_t i, const char *v, struct strbuf *why);

#endif
