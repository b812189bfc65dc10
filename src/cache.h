/*-------------------------------------------------------------------------
 *
 * cache.h
 *	  Backend-local cache of catalog rows, invalidated by catalog changes.
 *
 * IDENTIFICATION
 *	  src/cache.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_CACHE_H
#define CONNECTION_CACHE_H

#include "catalog.h"

/* Most rows the cache holds before it starts over. */
#define CONN_CACHE_MAX_ENTRIES 4096

extern void ConnCacheInit(void);
extern const ConnRow *ConnCacheLookup(const char *name);
extern const ConnRow *ConnCacheGet(const char *name);
extern void ConnCacheInvalidate(void);

#endif							/* CONNECTION_CACHE_H */
