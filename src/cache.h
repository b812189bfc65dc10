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

/* GUC connection.cache_size: most rows the cache holds (past it, the clock evicts) */
extern int	conn_cache_size;

/* GUC connection.cache_memory, in kB: most memory the cache takes (counted per chunk) */
extern int	conn_cache_memory;

extern void ConnCacheInit(void);
extern const ConnRow *ConnCacheLookup(const char *name);
extern const ConnRow *ConnCacheGet(const char *name);
extern const Jsonb *ConnCacheDecrypted(const ConnRow *row);
extern void ConnCacheKeepDecrypted(const ConnRow *row, const Jsonb *decrypted);
extern void ConnCacheInvalidate(void);

#endif							/* CONNECTION_CACHE_H */
