/*
 * What reload relies on: a configuration lives as long as its last
 * reference (the workers that still use its services), and maxStartups
 * counts by service name, whatever configuration a worker came from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "conftext.h"
#include "monitor.h"
#include "test.h"

static struct config *
load_one(const char *name)
{
	char	 text[512], err[512];

	snprintf(text, sizeof(text), "version: 2\nservices:\n"
	    "  %s:\n    connector: pg\n    listenOn: tcp://127.0.0.1:5432\n"
	    "    credentials: {host: h, username: u}\n", name);
	return config_from_text(text, NULL, err, sizeof(err));
}

TEST(reload_config_refs)
{
	struct config	*cf;

	REQUIRE((cf = load_one("db")) != NULL);
	CHECK_INT(cf->refs, 1);
	CHECK(config_ref(cf) == cf);	/* a worker */
	CHECK(config_ref(cf) == cf);	/* another */
	CHECK_INT(cf->refs, 3);
	config_unref(cf);		/* replaced by a reload */
	CHECK_INT(cf->refs, 2);
	CHECK_STR(cf->services[0].name, "db");	/* still usable */
	config_unref(cf);
	CHECK_INT(cf->refs, 1);
	config_unref(cf);		/* the last worker: freed (ASan, valgrind) */
	config_unref(NULL);
}

TEST(reload_startups_by_name)
{
	struct config	*a, *b;

	REQUIRE((a = load_one("db")) != NULL);
	REQUIRE((b = load_one("db")) != NULL);
	CHECK_INT(startups_count("db"), 0);
	/* A worker of the old configuration and one of the new. */
	CHECK_INT(startups_add(a->services[0].name), 0);
	CHECK_INT(startups_add(b->services[0].name), 0);
	CHECK_INT(startups_add("other"), 0);
	CHECK_INT(startups_count("db"), 2);
	CHECK_INT(startups_count("other"), 1);
	config_free(a);
	startups_remove("db");
	CHECK_INT(startups_count("db"), 1);
	startups_remove("other");
	CHECK_INT(startups_count("other"), 0);
	CHECK_INT(startups_count("db"), 1);
	startups_remove(b->services[0].name);
	CHECK_INT(startups_count("db"), 0);

	/* maxStartups 1:100:2 of the new configuration applies to both. */
	b->startups_begin = 1;
	b->startups_rate = 100;
	b->startups_full = 2;
	CHECK_INT(startups_drop(b, &b->services[0]), 0);
	CHECK_INT(startups_add("db"), 0);
	CHECK_INT(startups_drop(b, &b->services[0]), 1);
	CHECK_INT(startups_add("db"), 0);
	CHECK_INT(startups_drop(b, &b->services[0]), 1);
	startups_remove("db");
	startups_remove("db");
	CHECK_INT(startups_drop(b, &b->services[0]), 0);
	config_free(b);
}
