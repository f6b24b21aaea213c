/* The settings table of vmailadm.yaml (tmux's options-table.c, Postfix's
 * mail_params.h): every setting's name, type, default, help and limits,
 * defined once. config.c loads and validates the file through it;
 * `vmailadm config` prints values and the man page vmailadm.yaml(5) from
 * it (src/cli/config_print.c). */
#ifndef VMAILADM_SETTINGS_H
#define VMAILADM_SETTINGS_H
#include <stdbool.h>
#include <stddef.h>

struct config;
struct strbuf;

enum stype {
	ST_PATH,     /* relative to the YAML file's directory */
	ST_PROGRAM,  /* a bare name is looked up in PATH; with a '/', a path */
	ST_COMMAND,  /* a command line; {postfix_dir} expands; "" disables */
	ST_THEME,    /* a theme name, or (with a '/') a path to a theme file */
	ST_STRING,
	ST_INT,
	ST_ENUM,     /* stored as an int index into choices */
	ST_LIMITS,   /* domain_limits: a mapping, stored as its canonical flow
	              * text ("{a.example: {mailboxes: 50, quota_total: 20G}}") */
};

struct setting;
/* May normalise *value (it owns it); on refusal fills why and returns false. */
typedef bool (*check_fn)(const struct setting *s, char **value, struct strbuf *why);

struct setting {
	const char *name;
	enum stype type;
	const char *def;             /* default, as it would be written in the file */
	const char *help;            /* N_() */
	size_t off;                  /* into struct config */
	long min, max;               /* ST_INT */
	const char *const *choices;  /* ST_ENUM, NULL-terminated */
	check_fn check;              /* extra validation for strings, or NULL */
};

/* The table, in the order the file documents and `vmailadm config` prints. */
size_t settings_count(void);
const struct setting *settings_at(size_t i);
/* The setting called name, or NULL. */
const struct setting *settings_find(const char *name);
/* Its position in the table. */
size_t settings_index(const struct setting *s);

/* The value of s in c, through the table. */
char **settings_str_at(struct config *c, const struct setting *s);
const char *settings_str_get(const struct config *c, const struct setting *s);
long *settings_long_at(struct config *c, const struct setting *s);
long settings_long_get(const struct config *c, const struct setting *s);
int *settings_enum_at(struct config *c, const struct setting *s);
/* The effective value as text (caller frees). */
char *settings_value_text(const struct config *c, const struct setting *s);

/* The validators the table names (config.c: validation is loading's job). */
bool config_check_scheme(const struct setting *s, char **value, struct strbuf *why);
bool config_check_language(const struct setting *s, char **value, struct strbuf *why);
bool config_check_location(const struct setting *s, char **value, struct strbuf *why);
bool config_check_hosts(const struct setting *s, char **value, struct strbuf *why);

#endif
