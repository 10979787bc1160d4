/*
 * A string field of a JSON document, found by a dotted path of object
 * keys ("data.data.password"), with jansson.  The document holds secrets:
 * every block that jansson frees is wiped first, and no message repeats a
 * byte of the document (jansson's own error text quotes the input, so it
 * is never used).  Private to providers/ (and the tests).
 */
#ifndef AIRLOCK_JSONFIELD_H
#define AIRLOCK_JSONFIELD_H

#include <stddef.h>

struct secret;
struct jfield_doc;

/* The largest document parsed. */
#define JFIELD_MAX	(1024 * 1024)

/* Parse len bytes; an invalid or oversized document is an error. */
int		 jfield_parse(const void *, size_t, struct jfield_doc **,
		    char *err, size_t errlen);
/*
 * The string at path (keys separated by '.', none empty), copied to
 * guarded memory.  A missing key is ERR_NOTFOUND; a value that is not a
 * string, or a step through something that is not an object, ERR_FORMAT.
 * Messages name the path and the JSON type, never a value.
 */
int		 jfield_string(const struct jfield_doc *, const char *path,
		    struct secret **, char *err, size_t errlen);
/*
 * The string of one key of the top-level object, the key taken whole: a
 * key may hold '.' (Conjur's batch answer is keyed by variable ids).
 */
int		 jfield_string_key(const struct jfield_doc *, const char *key,
		    struct secret **, char *err, size_t errlen);
/*
 * The same in the object at a dotted path (Kubernetes' Secret: a key of
 * "data" may hold '.', as "tls.crt").
 */
int		 jfield_string_in(const struct jfield_doc *, const char *path,
		    const char *key, struct secret **, char *err,
		    size_t errlen);
/*
 * An integer at path (expires_in, lease_duration, ...); a string of
 * decimal digits counts too (Azure's token endpoints send one), and a
 * real of an integral value (STS's Expiration in its JSON answers).  Errors
 * as jfield_string.
 */
int		 jfield_int(const struct jfield_doc *, const char *path,
		    long long *, char *err, size_t errlen);
void		 jfield_free(struct jfield_doc *);
/* A boolean at path (Vault's "renewable").  Errors as jfield_string. */
int		 jfield_bool(const struct jfield_doc *, const char *path,
		    int *, char *err, size_t errlen);
/*
 * A JSON object of n string members, kv holding key, value, key, value...
 * (a login's body: it may hold a secret), written compactly into guarded
 * memory.  A value that is not UTF-8 is an error naming its key.
 */
int		 jfield_object(const char *const *kv, size_t n,
		    struct secret **out, char *err, size_t errlen);
/*
 * The error code of an API's error body (Kubernetes' Status "reason",
 * Google's "error.status", OAuth's "error", AWS's "__type"): the string
 * at path when the body (NULL: none) is JSON and the string is a code (1 to 64 of
 * letters, digits and "_.#:-"), else "".  Nothing else of the body,
 * which may quote a secret, reaches a message.
 */
void		 jfield_code(const struct secret *body, const char *path,
		    char *out, size_t outlen);

#endif
