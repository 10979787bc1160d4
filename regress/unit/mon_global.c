/*
 * The monitor's global state, for tests that drive monitor code in
 * process: monitor/main.c, which defines it in airlockd, is not linked
 * into the unit tests.
 */
#include "monitor.h"

struct monitor	 mon;
