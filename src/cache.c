/*-------------------------------------------------------------------------
 *
 * cache.c
 *	  Backend-local cache of connection rows by name, for the hot path of
 *	  credentials(), property() and desc().
 *
 * The cache holds copies of catalog rows in CacheContext and, once a
 * connection's credentials have been handed out, its decrypted properties
 * as the jsonb that credentials() returns, so that the hot path neither
 * reads the table nor decrypts.  Decrypted values are zeroed before their
 * memory is released: at every reset (invalidation, the bound, a reload of
 * the key configuration).  Every catalog write sends a relcache
 * invalidation for the catalog table; our relcache callback only marks the
 * cache stale, and the next lookup starts over.  Deferring the reset that
 * way keeps a row returned by a lookup valid until the next lookup, even if
 * an invalidation arrives in between (say, while decrypting).
 *
 * A lookup first processes pending invalidation messages, so a cached row
 * is never older than the last change committed before the lookup.  An
 * invalidation that arrives while a row is being read from the table (the
 * read takes locks, which processes messages) may be about that very row:
 * then the row is returned but not kept.
 *
 * The cache is bounded twice: past connection.cache_size entries, or once
 * its memory exceeds connection.cache_memory, it is emptied and refilled.
 * A row just read stays valid until the next lookup, so the memory can
 * exceed the bound by one entry until then.  Decrypted values are
 * allocated in wiped memory (wipe.c): every reset zeroes them.
 *
 * IDENTIFICATION
 *	  src/cache.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"

#include "cache.h"
#include "connection.h"
#include "crypto.h"
#include "wipe.h"

typedef struct CacheEntry
{
	char		name[NAMEDATALEN];	/* hash key: normalized name */
	ConnRow    *row;
	Jsonb	   *decrypted;		/* credentials() result, or NULL */
} CacheEntry;

int			conn_cache_size = 10000;
int			conn_cache_memory = 16384;	/* kB */

static MemoryContext CacheContext = NULL;
static HTAB *cache = NULL;
static bool cache_stale = true;
static uint64 inval_count = 0;

/*
 * Relcache callback: relid is a relation whose relcache entry is being
 * invalidated, or InvalidOid for all of them.
 */
static void
cache_callback(Datum arg, Oid relid)
{
	if (ConnCatalogRelcacheInvalidated(relid))
	{
		cache_stale = true;
		inval_count++;
	}
}

void
ConnCacheInit(void)
{
	CacheRegisterRelcacheCallback(cache_callback, (Datum) 0);
}

/* Has the cache outgrown connection.cache_memory? */
static bool
over_memory(void)
{
	return MemoryContextMemAllocated(CacheContext, false) > (Size) conn_cache_memory * 1024;
}

/* Start over with an empty cache (decrypted values are wiped with it). */
static void
cache_reset(void)
{
	HASHCTL		ctl;

	if (CacheContext == NULL)
		CacheContext = AllocSetContextCreate(TopMemoryContext, "connection cache",
											 ALLOCSET_DEFAULT_SIZES);
	else
		MemoryContextReset(CacheContext);

	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(CacheEntry);
	ctl.hcxt = CacheContext;
	cache = hash_create("connection cache", 256, &ctl,
						HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	cache_stale = false;
}

/*
 * ConnCacheLookup
 *		The row of a connection by normalized name, or NULL if there is none.
 *
 * The row belongs to the cache: do not modify it, and do not use it after
 * the next lookup.
 */
const ConnRow *
ConnCacheLookup(const char *name)
{
	CacheEntry *entry;
	ConnRow    *row;
	uint64		count_before;

	AcceptInvalidationMessages();
	if (cache_stale || cache == NULL)
		cache_reset();

	entry = hash_search(cache, name, HASH_FIND, NULL);
	if (entry)
		return entry->row;

	if (hash_get_num_entries(cache) >= conn_cache_size || over_memory())
		cache_reset();

	count_before = inval_count;
	row = ConnCatalogFetch(name, CacheContext);
	if (row == NULL)
		return NULL;
	if (inval_count != count_before)
	{
		/* possibly stale already: hand it out once, drop it at next lookup */
		cache_stale = true;
		return row;
	}
	entry = hash_search(cache, name, HASH_ENTER, NULL);
	entry->row = row;
	entry->decrypted = NULL;
	return row;
}

/* The cache entry holding exactly this row, or NULL. */
static CacheEntry *
entry_of(const ConnRow *row)
{
	CacheEntry *entry;

	if (cache == NULL || cache_stale)
		return NULL;
	entry = hash_search(cache, row->name, HASH_FIND, NULL);
	return (entry && entry->row == row) ? entry : NULL;
}

/*
 * ConnCacheDecrypted
 *		The decrypted properties kept for a row returned by the last lookup,
 *		or NULL.  They belong to the cache, like the row.
 */
const Jsonb *
ConnCacheDecrypted(const ConnRow *row)
{
	CacheEntry *entry = entry_of(row);

	return entry ? entry->decrypted : NULL;
}

/*
 * ConnCacheKeepDecrypted
 *		Keep a copy of a row's decrypted properties, if the row is still the
 *		cached one (an invalidation since the lookup discards it).
 */
void
ConnCacheKeepDecrypted(const ConnRow *row, const Jsonb *decrypted)
{
	CacheEntry *entry = entry_of(row);

	if (entry == NULL || entry->decrypted != NULL)
		return;
	entry->decrypted = ConnAllocWiped(CacheContext, VARSIZE(decrypted));
	memcpy(entry->decrypted, decrypted, VARSIZE(decrypted));
	/* too big now: dropped (and wiped) at the next lookup */
	if (over_memory())
		cache_stale = true;
}

/*
 * ConnCacheGet
 *		Like ConnCacheLookup, but reports 42704 when there is no such
 *		connection.
 */
const ConnRow *
ConnCacheGet(const char *name)
{
	const ConnRow *row = ConnCacheLookup(name);

	if (row == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("connection \"%s\" does not exist", name)));
	return row;
}

/*
 * ConnCacheInvalidate
 *		Mark the cache stale now (our own writes; other backends hear of them
 *		through the relcache invalidation sent at commit).
 */
void
ConnCacheInvalidate(void)
{
	cache_stale = true;
	inval_count++;
}
