/*
 * Small things every folder uses.
 */
#ifndef AIRLOCK_UTIL_H
#define AIRLOCK_UTIL_H

/* The number of elements of an array (not of a pointer), as BSD's nitems. */
#ifndef nitems
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#endif
