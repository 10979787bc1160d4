/*
 * The file provider: "PATH" is the whole file; "PATH#KEY" is the scalar at
 * KEY in a YAML or JSON mapping (JSON is read as YAML, which libyaml does
 * well enough for the JSON that holds secrets), and "a.b.c" walks nested
 * mappings.  The contents go to guarded memory at once; libyaml's own
 * copies are wiped before they are freed.  Messages name the path and the
 * key, never what the file holds.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "errors.h"
#include "provider_impl.h"
#include "safefile.h"
#include "secret.h"

#define PATHFMT		"%.200s"	/* paths in messages */
#define KEYFMT		"%.100s"

/*
 * The whole file in guarded memory (provider_impl.h).  Shared with the
 * credential provider, which names its files in a directory.
 */
int
file_read(const char *path, int sflags, const char *who,
    struct secret **out, char *err, size_t errlen)
{
	struct secret	*s, *t;
	struct stat	 st;
	unsigned char	 extra;
	char		 why[PROVIDER_ERRLEN];
	size_t		 got = 0;
	ssize_t		 r = 0;
	int		 fd, saved;

	*out = NULL;
	/*
	 * StrictModes: a file that others could change is refused, and so
	 * is one that is not a regular file (a FIFO would stall the loop).
	 */
	if ((fd = safefile_open(path, sflags, NULL, why, sizeof(why))) < 0) {
		snprintf(err, errlen, "%s: " PATHFMT ": %s", who, path, why);
		return fd;
	}
	if (fstat(fd, &st) == -1) {
		saved = errno;
		close(fd);
		snprintf(err, errlen, "%s: cannot stat " PATHFMT ": %s", who,
		    path, strerror(saved));
		return ERR_SYS;
	}
	if (st.st_size < 0 || st.st_size > FILE_PROVIDER_MAX) {
		close(fd);
		snprintf(err, errlen, "%s: " PATHFMT " is larger than %d "
		    "bytes", who, path, FILE_PROVIDER_MAX);
		return ERR_TOOBIG;
	}
	if ((s = secret_alloc((size_t)st.st_size)) == NULL) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", who);
		return ERR_NOMEM;
	}
	while (got < s->len) {
		r = read(fd, s->data + got, s->len - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	/* One more byte: the file must not have grown meanwhile. */
	if (r >= 0 && got == s->len) {
		while ((r = read(fd, &extra, 1)) == -1 && errno == EINTR)
			;
		secret_wipe(&extra, sizeof(extra));
		if (r > 0) {
			close(fd);
			secret_free(s);
			snprintf(err, errlen, "%s: " PATHFMT " changed while it "
			    "was read", who, path);
			return ERR_AGAIN;
		}
	}
	saved = errno;
	close(fd);
	if (r == -1) {
		secret_free(s);
		snprintf(err, errlen, "%s: cannot read " PATHFMT ": %s", who,
		    path, strerror(saved));
		return ERR_SYS;
	}
	if (got < s->len) {
		/* It shrank: keep the length exact. */
		t = secret_new(s->data, got);
		secret_free(s);
		if ((s = t) == NULL) {
			snprintf(err, errlen, "%s: out of memory", who);
			return ERR_NOMEM;
		}
	}
	*out = s;
	return 0;
}

/* Zero libyaml's copies of the input before they are freed. */
static void
yaml_wipe(yaml_parser_t *parser, yaml_document_t *doc)
{
	yaml_node_t	*node;

	if (doc != NULL)
		for (node = doc->nodes.start; node < doc->nodes.top; node++)
			if (node->type == YAML_SCALAR_NODE)
				secret_wipe(node->data.scalar.value,
				    node->data.scalar.length);
	if (parser->raw_buffer.start != NULL)
		secret_wipe(parser->raw_buffer.start,
		    parser->raw_buffer.end - parser->raw_buffer.start);
	if (parser->buffer.start != NULL)
		secret_wipe(parser->buffer.start,
		    parser->buffer.end - parser->buffer.start);
}

/* In a mapping, the value at a key of len bytes; duplicates are an error. */
static int
map_lookup(yaml_document_t *doc, yaml_node_t *map, const char *key,
    size_t len, yaml_node_t **val)
{
	yaml_node_pair_t *p;
	yaml_node_t	*k;

	*val = NULL;
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		k = yaml_document_get_node(doc, p->key);
		if (k == NULL || k->type != YAML_SCALAR_NODE ||
		    k->data.scalar.length != len ||
		    memcmp(k->data.scalar.value, key, len) != 0)
			continue;
		if (*val != NULL)
			return ERR_FORMAT;
		*val = yaml_document_get_node(doc, p->value);
	}
	return *val != NULL ? 0 : ERR_NOTFOUND;
}

/* The scalar at a dotted key of a YAML or JSON mapping. */
static int
file_key(const char *path, const struct secret *contents, const char *key,
    struct secret **out, char *err, size_t errlen)
{
	yaml_parser_t	 parser;
	yaml_document_t	 doc;
	yaml_node_t	*node;
	const char	*part, *dot;
	size_t		 len;
	int		 r = 0;

	*out = NULL;
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "file provider: out of memory");
		return ERR_NOMEM;
	}
	yaml_parser_set_input_string(&parser, contents->data, contents->len);
	if (!yaml_parser_load(&parser, &doc)) {
		/* libyaml's problem strings are constants, never input. */
		snprintf(err, errlen, "file provider: " PATHFMT " is not valid "
		    "YAML or JSON: line %zu, column %zu: %s", path,
		    parser.problem_mark.line + 1,
		    parser.problem_mark.column + 1,
		    parser.problem != NULL ? parser.problem : "error");
		yaml_wipe(&parser, NULL);
		yaml_parser_delete(&parser);
		return ERR_FORMAT;
	}

	node = yaml_document_get_root_node(&doc);
	for (part = key; r == 0; part = dot + 1) {
		if ((dot = strchr(part, '.')) == NULL)
			dot = part + strlen(part);
		len = dot - part;
		if (len == 0) {
			snprintf(err, errlen, "file provider: key " KEYFMT
			    " has an empty component", key);
			r = ERR_INVAL;
		} else if (node == NULL || node->type != YAML_MAPPING_NODE) {
			snprintf(err, errlen, "file provider: " PATHFMT
			    ": no mapping to look up \"%.*s\" of key " KEYFMT,
			    path, (int)(len > 100 ? 100 : len), part, key);
			r = ERR_FORMAT;
		} else if ((r = map_lookup(&doc, node, part, len,
		    &node)) == ERR_NOTFOUND) {
			snprintf(err, errlen, "file provider: " PATHFMT
			    " has no key " KEYFMT, path, key);
		} else if (r != 0) {
			snprintf(err, errlen, "file provider: " PATHFMT
			    ": \"%.*s\" of key " KEYFMT " appears twice", path,
			    (int)(len > 100 ? 100 : len), part, key);
		}
		if (*dot == '\0')
			break;
	}
	if (r == 0 && (node == NULL || node->type != YAML_SCALAR_NODE)) {
		snprintf(err, errlen, "file provider: " PATHFMT ": the value "
		    "at key " KEYFMT " is not a scalar", path, key);
		r = ERR_FORMAT;
	}
	if (r == 0 && (*out = secret_new(node->data.scalar.value,
	    node->data.scalar.length)) == NULL) {
		snprintf(err, errlen, "file provider: out of memory");
		r = ERR_NOMEM;
	}
	yaml_wipe(&parser, &doc);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return r;
}

int
file_get_one(const char *ref, struct secret **out, char *err, size_t errlen)
{
	struct secret	*contents;
	const char	*hash, *key = NULL;
	char		*path;
	int		 r;

	*out = NULL;
	/* The first '#' ends the path, as in vault's "path#field". */
	if ((hash = strchr(ref, '#')) != NULL) {
		key = hash + 1;
		if (*key == '\0') {
			snprintf(err, errlen, "file provider: " PATHFMT
			    ": empty key after '#'", ref);
			return ERR_INVAL;
		}
		path = strndup(ref, hash - ref);
	} else
		path = strdup(ref);
	if (path == NULL) {
		snprintf(err, errlen, "file provider: out of memory");
		return ERR_NOMEM;
	}
	if (path[0] == '\0') {
		snprintf(err, errlen, "file provider: empty path");
		free(path);
		return ERR_INVAL;
	}

	if ((r = file_read(path, 0, "file provider", &contents, err,
	    errlen)) == 0) {
		if (key == NULL)
			*out = contents;
		else {
			r = file_key(path, contents, key, out, err, errlen);
			secret_free(contents);
		}
	}
	free(path);
	return r;
}
