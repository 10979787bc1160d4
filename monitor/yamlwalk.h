/*
 * Walking a libyaml document against a schema: errors and warnings with
 * FILE:LINE:COLUMN, scalars of a few kinds, mappings with merge keys (<<)
 * resolved, and a mapping copied as a tree of struct cfgnode.  Nothing here
 * knows airlock's settings.  The first error wins: every caller returns at
 * once after one.
 */
#ifndef AIRLOCK_YAMLWALK_H
#define AIRLOCK_YAMLWALK_H

#include <stdarg.h>
#include <stddef.h>

#include <yaml.h>

struct cfgnode;

#define YW_MAP_MAX	4096	/* keys in one mapping, items in a list */
#define YW_NAME_MAX	128	/* names that go into logs */

/* Names and values that are not secrets, cut short in messages. */
#define NAMEFMT		"%.64s"

#define MS_SECOND	1000LL
#define MS_MINUTE	(60 * MS_SECOND)
#define MS_HOUR		(60 * MS_MINUTE)

struct yw {
	const char	*path;
	yaml_document_t	*doc;
	char		*err;
	size_t		 errlen;
	int		 merges;	/* aliases can make these explode */
	/* What the walk warns of, "FILE:LINE:COLUMN: ..." each. */
	char		**warnings;
	size_t		 nwarnings;
};

/* The pairs of a mapping, merge keys ("<<") resolved. */
struct pair {
	yaml_node_t	*key;
	yaml_node_t	*val;
	const char	*name;		/* the key's scalar */
	size_t		 len;
};

struct pairs {
	struct pair	*v;
	size_t		 n;
	size_t		 cap;
};

/* An error at a node (1:1 for NULL) or a position; returns ERR_FORMAT. */
int		 yw_error(struct yw *, const yaml_node_t *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
int		 yw_error_at(struct yw *, int line, int col, const char *, ...)
		    __attribute__((format(printf, 4, 5)));
int		 yw_verror_at(struct yw *, int line, int col, const char *,
		    va_list) __attribute__((format(printf, 4, 0)));
/* A warning: the file loads.  Non-zero only when out of memory. */
int		 yw_warn(struct yw *, int line, int col, const char *, ...)
		    __attribute__((format(printf, 4, 5)));
int		 yw_vwarn(struct yw *, int line, int col, const char *,
		    va_list) __attribute__((format(printf, 4, 0)));
void		 yw_free_warnings(struct yw *);
/* libyaml's own error, at its mark. */
int		 yw_parser_error(struct yw *, const yaml_parser_t *);

int		 yw_line(const yaml_node_t *);
int		 yw_col(const yaml_node_t *);
yaml_node_t	*yw_node(struct yw *, int idx);
const char	*yw_sval(const yaml_node_t *);
/* An untagged plain scalar that YAML reads as null: "", "~", "null". */
int		 yw_is_null(const yaml_node_t *);
/* A scalar without NUL bytes; what names it in the message. */
int		 yw_scalar(struct yw *, const yaml_node_t *, const char *what,
		    const char **);
/* A scalar that must be there and not be empty. */
int		 yw_string(struct yw *, const yaml_node_t *, const char *what,
		    const char **);
/* A name that goes into logs and messages: no control characters. */
int		 yw_name(struct yw *, const yaml_node_t *, const char *what);
int		 yw_strdup(struct yw *, const yaml_node_t *, const char *,
		    char **);
/* true/false/yes/no, as Secretless users write booleans. */
int		 yw_bool_word(const char *, int *);
int		 yw_bool(struct yw *, const yaml_node_t *, const char *what,
		    int *);
/* A decimal number without sign, at most 9 digits; *end after it. */
int		 yw_uint(const char *, const char **end, long long *);
/*
 * "250ms", "30s", "5m", "1h", or a bare number of seconds, between min
 * and max (0 or 1ms, 1h or 24h).
 */
int		 yw_duration(struct yw *, const yaml_node_t *, const char *s,
		    const char *what, long long min_ms, long long max_ms,
		    int *);
/* The same words without a node to blame: 0, or -1 (not a duration). */
int		 yw_duration_ms(const char *, long long *ms);
/* A size as yw_size reads it: the largest unit that is exact ("128M"). */
void		 yw_size_name(char *, size_t, long long);
/* "64M", "1G", "512K", a number of bytes, or "none" (0) if none_ok. */
int		 yw_size(struct yw *, const yaml_node_t *, const char *s,
		    const char *what, long long min, long long max,
		    int none_ok, long long *);

/* The pairs of a mapping that may also be left empty (null). */
int		 yw_map(struct yw *, yaml_node_t *, const char *what,
		    struct pairs *);
void		 yw_pairs_free(struct pairs *);
int		 yw_key_is(const struct pair *, const char *);
/*
 * The mapping as a tree (NULL for a null node), merge keys resolved: at
 * most YW_MAP_MAX nodes and 16 levels, whatever aliases repeat.
 */
int		 yw_tree(struct yw *, yaml_node_t *, const char *what,
		    struct cfgnode **);

/* "a, b, c" */
void		 yw_list_add(char *, size_t, const char *);

#endif
