/*
 * Fields of a JSON document (RFC 8259), with jansson.  A string may hold
 * NUL (\u0000): a secret is bytes, and its length is jansson's.
 *
 * jansson's allocator is set to one that wipes what it frees, before every
 * parse (the setting is global, and cheap to repeat): its lexer and its
 * string values hold the document's secrets.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "errors.h"
#include "secret.h"
#include "jsonfield.h"

#define PATHFMT		"%.100s"
#define JFIELD_CODE_MAX	64
#define JFIELD_CODE_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789_.#:-"

struct jfield_doc {
	json_t	*root;
};

static const char *
type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:	return "an object";
	case JSON_ARRAY:	return "an array";
	case JSON_STRING:	return "a string";
	case JSON_INTEGER:
	case JSON_REAL:		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:	return "a boolean";
	case JSON_NULL:		return "null";
	default:		return "unknown";
	}
}

int
jfield_parse(const void *data, size_t len, struct jfield_doc **out,
    char *err, size_t errlen)
{
	struct jfield_doc	*doc;
	json_error_t		 jerr;

	*out = NULL;
	if (len > JFIELD_MAX) {
		snprintf(err, errlen, "JSON document larger than %d bytes",
		    JFIELD_MAX);
		return ERR_TOOBIG;
	}
	if ((doc = calloc(1, sizeof(*doc))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return ERR_NOMEM;
	}
	json_set_alloc_funcs(malloc, secret_wipe_free);
	/* Duplicate keys would make "the" value of a field ambiguous. */
	doc->root = json_loadb(data, len, JSON_REJECT_DUPLICATES |
	    JSON_ALLOW_NUL, &jerr);
	if (doc->root == NULL) {
		/* jerr.text can quote the input: only the position is used. */
		snprintf(err, errlen, "invalid JSON (line %d, column %d)",
		    jerr.line, jerr.column);
		secret_wipe(&jerr, sizeof(jerr));
		free(doc);
		return ERR_FORMAT;
	}
	secret_wipe(&jerr, sizeof(jerr));
	*out = doc;
	return 0;
}

/* The value at a dotted path, or NULL with an error. */
static const json_t *
lookup(const struct jfield_doc *doc, const char *path, int *r, char *err,
    size_t errlen)
{
	const json_t	*v;
	const char	*part, *dot;
	char		 key[256];
	size_t		 len;

	v = doc->root;
	for (part = path;; part = dot + 1) {
		dot = strchr(part, '.');
		len = dot != NULL ? (size_t)(dot - part) : strlen(part);
		if (len == 0 || len >= sizeof(key)) {
			snprintf(err, errlen, "field path " PATHFMT " has an "
			    "empty or too long component", path);
			*r = ERR_INVAL;
			return NULL;
		}
		if (!json_is_object(v)) {
			snprintf(err, errlen, "no field " PATHFMT ": \"%.*s\" "
			    "is looked up in %s, not an object", path,
			    (int)(len > 64 ? 64 : len), part, type_name(v));
			*r = ERR_FORMAT;
			return NULL;
		}
		memcpy(key, part, len);
		key[len] = '\0';
		if ((v = json_object_get(v, key)) == NULL) {
			snprintf(err, errlen, "no field " PATHFMT, path);
			*r = ERR_NOTFOUND;
			return NULL;
		}
		if (dot == NULL)
			return v;
	}
}

/* A string value copied to guarded memory; name is for the messages. */
static int
string_value(const json_t *v, const char *name, struct secret **out,
    char *err, size_t errlen)
{
	if (!json_is_string(v)) {
		snprintf(err, errlen, "field " PATHFMT " is %s, not a string",
		    name, type_name(v));
		return ERR_FORMAT;
	}
	if ((*out = secret_new(json_string_value(v),
	    json_string_length(v))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return ERR_NOMEM;
	}
	return 0;
}

int
jfield_string(const struct jfield_doc *doc, const char *path,
    struct secret **out, char *err, size_t errlen)
{
	const json_t	*v;
	int		 r;

	*out = NULL;
	if ((v = lookup(doc, path, &r, err, errlen)) == NULL)
		return r;
	return string_value(v, path, out, err, errlen);
}

int
jfield_string_key(const struct jfield_doc *doc, const char *key,
    struct secret **out, char *err, size_t errlen)
{
	return jfield_string_in(doc, NULL, key, out, err, errlen);
}

int
jfield_string_in(const struct jfield_doc *doc, const char *path,
    const char *key, struct secret **out, char *err, size_t errlen)
{
	const json_t	*v, *obj = doc->root;
	int		 r;

	*out = NULL;
	if (path != NULL && (obj = lookup(doc, path, &r, err, errlen)) == NULL)
		return r;
	if (!json_is_object(obj)) {
		snprintf(err, errlen, "no field " PATHFMT ": %s is %s, not an "
		    "object", key, path != NULL ? path : "the document",
		    type_name(obj));
		return ERR_FORMAT;
	}
	if ((v = json_object_get(obj, key)) == NULL) {
		snprintf(err, errlen, "no field " PATHFMT, key);
		return ERR_NOTFOUND;
	}
	return string_value(v, key, out, err, errlen);
}

int
jfield_int(const struct jfield_doc *doc, const char *path, long long *out,
    char *err, size_t errlen)
{
	const json_t	*v;
	const char	*s;
	char		*end;
	int		 r;

	if ((v = lookup(doc, path, &r, err, errlen)) == NULL)
		return r;
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	/* STS's JSON answers send Expiration as a real (1.7E9). */
	if (json_is_real(v) && json_real_value(v) >= -9e15 &&
	    json_real_value(v) <= 9e15 &&
	    json_real_value(v) == (double)(long long)json_real_value(v)) {
		*out = (long long)json_real_value(v);
		return 0;
	}
	/* Azure's token endpoints send expires_in as a string of digits. */
	if (json_is_string(v) && (s = json_string_value(v))[0] >= '0' &&
	    s[0] <= '9' && json_string_length(v) < 20) {
		errno = 0;
		*out = strtoll(s, &end, 10);
		if (errno == 0 && *end == '\0')
			return 0;
	}
	snprintf(err, errlen, "field " PATHFMT " is %s, not an integer", path,
	    type_name(v));
	return ERR_FORMAT;
}

void
jfield_free(struct jfield_doc *doc)
{
	if (doc == NULL)
		return;
	json_decref(doc->root);
	free(doc);
}

int
jfield_bool(const struct jfield_doc *doc, const char *path, int *out,
    char *err, size_t errlen)
{
	const json_t	*v;
	int		 r;

	if ((v = lookup(doc, path, &r, err, errlen)) == NULL)
		return r;
	if (!json_is_boolean(v)) {
		snprintf(err, errlen, "field " PATHFMT " is %s, not a boolean",
		    path, type_name(v));
		return ERR_FORMAT;
	}
	*out = json_is_true(v);
	return 0;
}

int
jfield_object(const char *const *kv, size_t n, struct secret **out,
    char *err, size_t errlen)
{
	json_t	*o, *s;
	size_t	 i, len;

	*out = NULL;
	json_set_alloc_funcs(malloc, secret_wipe_free);
	if ((o = json_object()) == NULL)
		goto nomem;
	for (i = 0; i + 1 < 2 * n; i += 2)
		if ((s = json_stringn(kv[i + 1], strlen(kv[i + 1]))) == NULL ||
		    json_object_set_new(o, kv[i], s) != 0) {
			json_decref(o);
			snprintf(err, errlen, "%.64s: not UTF-8, or out of "
			    "memory", kv[i]);
			return ERR_FORMAT;
		}
	/* Straight into guarded memory: no copy of jansson's own. */
	len = json_dumpb(o, NULL, 0, JSON_COMPACT);
	if (len == 0 || (*out = secret_alloc(len)) == NULL ||
	    json_dumpb(o, (char *)(*out)->data, len, JSON_COMPACT) != len) {
		secret_free(*out);
		*out = NULL;
		json_decref(o);
		goto nomem;
	}
	json_decref(o);
	return 0;
 nomem:
	snprintf(err, errlen, "out of memory");
	return ERR_NOMEM;
}

void
jfield_code(const struct secret *body, const char *path, char *out,
    size_t outlen)
{
	struct jfield_doc	*doc;
	struct secret		*s;
	char			 msg[128];
	size_t			 i;

	if (outlen == 0)
		return;
	out[0] = '\0';
	if (body == NULL || jfield_parse(body->data, body->len, &doc, msg,
	    sizeof(msg)) != 0)
		return;
	if (jfield_string(doc, path, &s, msg, sizeof(msg)) == 0) {
		for (i = 0; i < s->len && i < JFIELD_CODE_MAX; i++)
			if (strchr(JFIELD_CODE_CHARS, s->data[i]) == NULL ||
			    s->data[i] == '\0')
				break;
		if (i == s->len && i > 0 && i < outlen)
			memcpy(out, s->data, i + 1);
		secret_free(s);
	}
	jfield_free(doc);
}
