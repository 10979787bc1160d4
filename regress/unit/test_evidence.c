/*
 * Unit tests for monitor/evidence.c: per service name, what its backend
 * has proven only rises, and a reset (a reload) forgets it all.
 */
#include <string.h>

#include "monitor.h"
#include "test.h"

/* Methods are indexes of a connector's list, weakest first (pg's here). */
enum { M_NONE, M_CLEAR, M_MD5, M_SCRAM, M_SCRAM_PLUS };

TEST(evidence_rises_and_resets)
{
	struct evidence	 ev;

	evidence_reset();
	evidence_get("db", &ev);
	CHECK_INT(ev.method, M_NONE);
	CHECK_INT(ev.cost, 0);

	CHECK_INT(evidence_add("db", M_SCRAM, 8192), 0);
	CHECK_INT(evidence_add("other", M_SCRAM_PLUS, 4096), 0);
	evidence_get("db", &ev);
	CHECK_INT(ev.method, M_SCRAM);
	CHECK_INT(ev.cost, 8192);

	/* A weaker or cheaper exchange lowers nothing; each part rises. */
	CHECK_INT(evidence_add("db", M_MD5, 4096), 0);
	evidence_get("db", &ev);
	CHECK_INT(ev.method, M_SCRAM);
	CHECK_INT(ev.cost, 8192);
	CHECK_INT(evidence_add("db", M_SCRAM_PLUS, 4096), 0);
	CHECK_INT(evidence_add("db", M_SCRAM, 16384), 0);
	evidence_get("db", &ev);
	CHECK_INT(ev.method, M_SCRAM_PLUS);
	CHECK_INT(ev.cost, 16384);

	/* By name: another service's is its own. */
	evidence_get("other", &ev);
	CHECK_INT(ev.method, M_SCRAM_PLUS);
	CHECK_INT(ev.cost, 4096);
	evidence_get("db2", &ev);
	CHECK_INT(ev.method, M_NONE);

	evidence_reset();
	evidence_get("db", &ev);
	CHECK_INT(ev.method, M_NONE);
	CHECK_INT(ev.cost, 0);
	evidence_get("other", &ev);
	CHECK_INT(ev.method, M_NONE);
}
