/*
 * airlockd -T: the effective configuration, printed as a version 2 file
 * that airlockd -t accepts and that means the same; printing that file's
 * own effective configuration gives the same text again.
 *
 * Scalars are written plain where YAML reads the plain text back as the
 * same string in any reader (letters, digits and a few marks; no words
 * that YAML 1.1 reads as booleans or null, nothing that looks like a
 * number but a decimal integer), and double-quoted otherwise, with YAML's
 * escapes for what a double-quoted scalar cannot hold as it is (YAML 1.2,
 * 5.7 and 7.3.1: line breaks, other control characters, the byte order
 * mark).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "confdump.h"
#include "log.h"
#include "msg.h"
#include "secret.h"
#include "util.h"
#include "yamlwalk.h"

#define INDENT_SERVICE	2
#define INDENT_FIELD	4
#define INDENT_CRED	6

/* Words that a YAML 1.1 reader takes for a boolean or null. */
static const char *const yaml11_words[] = {
	"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
	"true", "True", "TRUE", "false", "False", "FALSE",
	"on", "On", "ON", "off", "Off", "OFF",
	"~", "null", "Null", "NULL",
};

/*
 * May s be written plain?  Conservative: the first character a letter, a
 * digit, '/' or '_' (no indicator can start it); then only letters,
 * digits and "/_.@%+=~-", and ':' except at the end (": " and " #" cannot
 * occur without a space).  A string that starts with a digit and holds
 * only what numbers are made of (0x1F, 1e3, 1:30, 0755, 1.5, 1_000) is quoted
 * unless it is a plain decimal integer, which every reader takes for the
 * same text.
 */
static int
plain_ok(const char *s, size_t len)
{
	size_t	 i;
	int	 numberish = 1, digits = 1;

	if (len == 0 || !(isalnum((unsigned char)s[0]) || s[0] == '/' ||
	    s[0] == '_'))
		return 0;
	for (i = 0; i < nitems(yaml11_words); i++)
		if (strlen(yaml11_words[i]) == len &&
		    memcmp(yaml11_words[i], s, len) == 0)
			return 0;
	for (i = 0; i < len; i++) {
		/* (strchr finds a NUL: it ends its own string.) */
		if (s[i] == '\0' || !isascii((unsigned char)s[i]) ||
		    !(isalnum((unsigned char)s[i]) ||
		    strchr("/_.@%+=~-:", s[i]) != NULL))
			return 0;
		if (s[i] == ':' && i == len - 1)
			return 0;
		if (!isdigit((unsigned char)s[i]))
			digits = 0;
		if (!isxdigit((unsigned char)s[i]) &&
		    strchr("xXoO._:+-", s[i]) == NULL)
			numberish = 0;
	}
	if (isdigit((unsigned char)s[0]) && numberish)
		return digits && (len == 1 || s[0] != '0');
	return 1;
}

void
confdump_scalar(FILE *f, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t		 i, n;
	long		 cp;

	if (plain_ok(s, len)) {
		fwrite(s, 1, len, f);
		return;
	}
	fputc('"', f);
	for (i = 0; i < len; i += n) {
		cp = utf8_next(u + i, len - i, &n);
		if (cp == '"' || cp == '\\')
			fprintf(f, "\\%c", (int)cp);
		else if (cp == '\n')
			fputs("\\n", f);
		else if (cp == '\t')
			fputs("\\t", f);
		else if (cp == '\r')
			fputs("\\r", f);
		else if (cp == -1)
			fprintf(f, "\\x%02x", u[i]);
		else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			fprintf(f, "\\x%02lx", cp);
		else if (cp == 0x2028 || cp == 0x2029 || cp == 0xfeff ||
		    cp == 0xfffe || cp == 0xffff)
			fprintf(f, "\\u%04lx", cp);
		else
			fwrite(u + i, 1, n, f);
	}
	fputc('"', f);
}

static void
put_str(FILE *f, const char *s)
{
	confdump_scalar(f, s, strlen(s));
}

/* "KEY: " at an indent; the value follows. */
static void
put_key(FILE *f, int indent, const char *key)
{
	fprintf(f, "%*s", indent, "");
	put_str(f, key);
	fputs(":", f);
}

static void
put_kv(FILE *f, int indent, const char *key, const char *val)
{
	put_key(f, indent, key);
	fputc(' ', f);
	put_str(f, val);
	fputc('\n', f);
}

/* 1500ms, 30s, 5m, 1h: the largest unit that is exact. */
static void
put_duration(FILE *f, const char *key, int ms)
{
	char	 v[32];

	if (ms == 0)
		snprintf(v, sizeof(v), "0");
	else if (ms % 3600000 == 0)
		snprintf(v, sizeof(v), "%dh", ms / 3600000);
	else if (ms % 60000 == 0)
		snprintf(v, sizeof(v), "%dm", ms / 60000);
	else if (ms % 1000 == 0)
		snprintf(v, sizeof(v), "%ds", ms / 1000);
	else
		snprintf(v, sizeof(v), "%dms", ms);
	put_kv(f, 2, key, v);
}

/* A boolean, plain: these two words are booleans to every reader. */
static void
put_bool(FILE *f, const char *key, int v)
{
	put_key(f, 2, key);
	fputs(v ? " true\n" : " false\n", f);
}

static void
put_int(FILE *f, const char *key, long long v)
{
	char	 s[32];

	snprintf(s, sizeof(s), "%lld", v);
	put_kv(f, 2, key, s);
}

/* 128M, 1G: the largest unit that is exact; none for 0. */
static void
put_size(FILE *f, const char *key, long long v)
{
	char	 s[32];

	if (v == 0)
		snprintf(s, sizeof(s), "none");
	else
		yw_size_name(s, sizeof(s), v);
	put_kv(f, 2, key, s);
}

static void
put_lower(FILE *f, const char *key, const char *name)
{
	char	 s[16];
	size_t	 i;

	for (i = 0; name[i] != '\0' && i < sizeof(s) - 1; i++)
		s[i] = (char)tolower((unsigned char)name[i]);
	s[i] = '\0';
	put_kv(f, 2, key, s);
}

/* The airlock: section, every setting at its value, in README's order. */
static void
put_airlock(FILE *f, const struct config *cf, const char *worker)
{
	const char	*fac = log_facility_name(cf->syslog_facility);
	char		 v[64];

	fputs("airlock:\n", f);
	put_kv(f, 2, "user", cf->user);
	put_kv(f, 2, "chroot", cf->chroot_dir);
	if (cf->worker_path != NULL || worker != NULL)
		put_kv(f, 2, "worker", cf->worker_path != NULL ?
		    cf->worker_path : worker);
	put_duration(f, "handshakeTimeout", cf->handshake_timeout_ms);
	put_duration(f, "dialTimeout", cf->dial_timeout_ms);
	put_duration(f, "providerTimeout", cf->provider_timeout_ms);
	put_duration(f, "idleTimeout", cf->idle_timeout_ms);
	put_duration(f, "drainTimeout", cf->drain_timeout_ms);
	put_int(f, "maxWorkers", cf->max_workers);
	put_int(f, "workerPoolMinIdle", cf->pool_min_idle);
	put_int(f, "workerPoolMaxIdle", cf->pool_max_idle);
	if (cf->startups_full == cf->startups_begin)
		snprintf(v, sizeof(v), "%d", cf->startups_begin);
	else
		snprintf(v, sizeof(v), "%d:%d:%d", cf->startups_begin,
		    cf->startups_rate, cf->startups_full);
	put_kv(f, 2, "maxStartups", v);
	if (cf->per_source_max == 0)
		put_kv(f, 2, "perSourceMaxStartups", "none");
	else
		put_int(f, "perSourceMaxStartups", cf->per_source_max);
	snprintf(v, sizeof(v), "%d:%d", cf->per_source_v4, cf->per_source_v6);
	put_kv(f, 2, "perSourceNetBlockSize", v);
	put_bool(f, "sandboxDebug", cf->sandbox_debug);
	put_size(f, "workerMemoryLimit", cf->worker_memory_limit);
	put_lower(f, "logLevel", log_level_name(cf->log_level));
	put_kv(f, 2, "logFormat", cf->log_format == LOG_FMT_JSON ? "json" :
	    "text");
	put_kv(f, 2, "logTarget", cf->log_target == LOG_TGT_SYSLOG ?
	    "syslog" : "stderr");
	put_kv(f, 2, "syslogFacility", fac != NULL ? fac : "daemon");
	put_kv(f, 2, "health", cf->health != NULL ? cf->health : "off");
	put_bool(f, "watch", cf->watch);
	put_kv(f, 2, "httpCABundle", cf->http_ca_bundle != NULL ?
	    cf->http_ca_bundle : "none");
	put_kv(f, 2, "stateDirectory", cf->state_dir);
	put_kv(f, 2, "secretMemory", cf->secret_memory ==
	    SECRET_POLICY_REQUIRE ? "memfd_secret" : cf->secret_memory ==
	    SECRET_POLICY_SODIUM ? "libsodium" : "auto");
	put_size(f, "secretMemorySize", cf->secret_memory_size);
}

/* A config: tree (struct cfgnode): block style, one node a line. */
static void
put_tree(FILE *f, const struct cfgnode *n, int indent)
{
	const struct cfgnode *it;
	size_t		 i;

	for (i = 0; i < n->nitems; i++) {
		it = &n->items[i];
		if (n->kind == CFG_MAP)
			put_key(f, indent, it->key);
		else
			fprintf(f, "%*s-", indent, "");
		if (it->kind == CFG_SCALAR) {
			fputc(' ', f);
			put_str(f, it->value);
			fputc('\n', f);
		} else if (it->nitems == 0)
			fputs(it->kind == CFG_MAP ? " {}\n" : " []\n", f);
		else {
			fputc('\n', f);
			put_tree(f, it, indent + 2);
		}
	}
}

/* allowedUsers, allowedGroups: the ids they were resolved to. */
static void
put_ids(FILE *f, const char *key, const unsigned long *ids, size_t n)
{
	size_t	 i;

	if (n == 0)
		return;
	put_key(f, INDENT_CRED, key);
	fputc('\n', f);
	for (i = 0; i < n; i++)
		fprintf(f, "%*s- %lu\n", INDENT_CRED + 2, "", ids[i]);
}

static void
put_peers(FILE *f, const struct service *svc)
{
	unsigned long	*ids;
	size_t		 i, n;

	n = svc->nallowed_uids > svc->nallowed_gids ? svc->nallowed_uids :
	    svc->nallowed_gids;
	if (n == 0 || (ids = calloc(n, sizeof(*ids))) == NULL)
		return;
	for (i = 0; i < svc->nallowed_uids; i++)
		ids[i] = svc->allowed_uids[i];
	put_ids(f, "allowedUsers", ids, svc->nallowed_uids);
	for (i = 0; i < svc->nallowed_gids; i++)
		ids[i] = svc->allowed_gids[i];
	put_ids(f, "allowedGroups", ids, svc->nallowed_gids);
	free(ids);
}

/* config: the tree when the loader kept one, else the settings it read. */
static void
put_config(FILE *f, const struct service *svc)
{
	size_t	 i;

	if (svc->settings != NULL) {
		if (svc->settings->nitems == 0)
			return;
		put_key(f, INDENT_FIELD, "config");
		fputc('\n', f);
		put_tree(f, svc->settings, INDENT_CRED);
		return;
	}
	if (svc->config.n == 0 && svc->nallowed_uids == 0 &&
	    svc->nallowed_gids == 0)
		return;
	put_key(f, INDENT_FIELD, "config");
	fputc('\n', f);
	for (i = 0; i < svc->config.n; i++) {
		put_key(f, INDENT_CRED, svc->config.v[i].key);
		fputc(' ', f);
		confdump_scalar(f, (const char *)svc->config.v[i].val,
		    svc->config.v[i].vlen);
		fputc('\n', f);
	}
	put_peers(f, svc);
}

/* A literal as its value; any other as {from, get}. */
static int
put_credential(FILE *f, const struct credential *cr)
{
	put_key(f, INDENT_CRED, cr->name);
	if (strcmp(cr->provider, "literal") == 0) {
		fputc(' ', f);
		put_str(f, cr->ref);
		fputc('\n', f);
		return 1;
	}
	fputc('\n', f);
	put_kv(f, INDENT_CRED + 2, "from", cr->provider);
	put_kv(f, INDENT_CRED + 2, "get", cr->ref);
	return 0;
}

static int
put_service(FILE *f, const struct service *svc)
{
	size_t	 i;
	int	 literals = 0;

	put_key(f, INDENT_SERVICE, svc->name);
	fputc('\n', f);
	put_kv(f, INDENT_FIELD, "connector", svc->connector);
	put_kv(f, INDENT_FIELD, "listenOn", svc->listen);
	if (svc->ncreds > 0) {
		put_key(f, INDENT_FIELD, "credentials");
		fputc('\n', f);
	}
	for (i = 0; i < svc->ncreds; i++)
		literals += put_credential(f, &svc->creds[i]);
	put_config(f, svc);
	return literals;
}

int
confdump_print(FILE *f, const struct config *cf, const char *worker)
{
	size_t	 i;
	int	 literals = 0;

	fputs("version: 2\n", f);
	put_airlock(f, cf, worker);
	fputs("services:\n", f);
	for (i = 0; i < cf->nservices; i++)
		literals += put_service(f, &cf->services[i]);
	if (fflush(f) == EOF || ferror(f))
		return -1;
	return literals;
}
