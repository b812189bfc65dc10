/*-------------------------------------------------------------------------
 *
 * cache.c
 *	  Backend-local cache of connection rows by name, for the hot path of
 *	  credentials(), property() and desc().
 *
 * The cache holds copies of catalog rows in CacheContext, each packed in
 * one allocation, and, once a connection's credentials have been handed
 * out, its decrypted properties as the jsonb that credentials() returns,
 * so that the hot path neither reads the table nor decrypts.  Decrypted
 * values are zeroed before their memory is released: when their entry is
 * evicted, and at every reset (invalidation, a reload of the key
 * configuration).  Every catalog write sends a relcache invalidation
 * (catalog.c); our relcache callback only marks the cache stale, and the
 * next lookup starts over.  Deferring the reset that way keeps a row
 * returned by a lookup valid until the next lookup, even if an
 * invalidation arrives in between (say, while decrypting).
 *
 * A lookup first processes pending invalidation messages, so a cached row
 * is never older than the last change committed before the lookup.  An
 * invalidation that arrives while a row is being read from the table (the
 * read takes locks, which processes messages) may be about that very row:
 * then the row is returned but not kept.
 *
 * Bounds.  The cache holds at most connection.cache_memory bytes (the
 * chunks of its rows and decrypted values, plus a fixed overhead per entry
 * for the hash table and the clock) and connection.cache_size entries.
 * Past either, entries are evicted by the clock algorithm (second chance):
 * a hand sweeps the entries, clearing the flag a hit sets and evicting the
 * first entry found without it.  So a working set that fits stays cached
 * however many other connections are touched, and no lookup pays more than
 * the evictions its own entry needs.  The entry a lookup returns is never
 * the one it evicts.
 *
 * Entries are found by a 64-bit hash of the name (the name itself is
 * compared on a hit: two names with one hash share an entry, the later
 * evicting the earlier), which keeps the hash table's entries small.
 *
 * IDENTIFICATION
 *	  src/cache.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"

#include "cache.h"
#include "connection.h"
#include "crypto.h"
#include "wipe.h"

typedef struct CacheEntry
{
	uint64		key;			/* hash key: hash of the normalized name */
	ConnRow    *row;			/* packed in one chunk */
	Jsonb	   *decrypted;		/* credentials() result, or NULL */
	Size		bytes;			/* what this entry counts against the bound */
	int			slot;			/* its place in the clock */
	bool		referenced;		/* hit since the hand last passed */
} CacheEntry;

/*
 * What an entry costs beyond its chunks: its hash element (dynahash's
 * header and the entry, allocated in batches), its share of the buckets,
 * and its clock slot (the clock array doubles: two).
 */
#define ENTRY_OVERHEAD (MAXALIGN(sizeof(HASHELEMENT)) + MAXALIGN(sizeof(CacheEntry)) + \
						sizeof(void *) + 2 * sizeof(CacheEntry *))

/*
 * Blocks of the cache's memory context stay small, so that what it holds
 * beyond what its entries count (the free space of its last block) stays
 * small too.
 */
#define CACHE_MAX_BLOCK (256 * 1024)

int			conn_cache_size = 1000000;
int			conn_cache_memory = 65536;	/* kB */

static MemoryContext CacheContext = NULL;
static HTAB *cache = NULL;
static CacheEntry **clock = NULL;	/* entries in clock order */
static int	clock_len = 0;
static int	clock_cap = 0;
static int	clock_hand = 0;
static Size cache_bytes = 0;
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

static uint64
name_key(const char *name)
{
	return hash_bytes_extended((const unsigned char *) name, strlen(name), 0);
}

/* Zero and free the decrypted values of an entry. */
static void
forget_decrypted(CacheEntry *entry)
{
	if (entry->decrypted == NULL)
		return;
	cache_bytes -= GetMemoryChunkSpace(entry->decrypted);
	entry->bytes -= GetMemoryChunkSpace(entry->decrypted);
	explicit_bzero(entry->decrypted, VARSIZE(entry->decrypted));
	pfree(entry->decrypted);
	entry->decrypted = NULL;
}

/* Start over with an empty cache (decrypted values are zeroed first). */
static void
cache_reset(void)
{
	HASHCTL		ctl;

	for (int i = 0; i < clock_len; i++)
		if (clock[i]->decrypted)
			explicit_bzero(clock[i]->decrypted, VARSIZE(clock[i]->decrypted));

	if (CacheContext == NULL)
		CacheContext = AllocSetContextCreate(TopMemoryContext, "connection cache",
											 ALLOCSET_DEFAULT_MINSIZE,
											 ALLOCSET_DEFAULT_INITSIZE,
											 CACHE_MAX_BLOCK);
	else
		MemoryContextReset(CacheContext);

	ctl.keysize = sizeof(uint64);
	ctl.entrysize = sizeof(CacheEntry);
	ctl.hcxt = CacheContext;
	cache = hash_create("connection cache", 256, &ctl,
						HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	clock_cap = 256;
	clock = MemoryContextAlloc(CacheContext, sizeof(CacheEntry *) * clock_cap);
	clock_len = 0;
	clock_hand = 0;
	cache_bytes = 0;
	cache_stale = false;
}

/* Remove an entry (its slot is refilled from the end of the clock). */
static void
evict(CacheEntry *entry)
{
	int			slot = entry->slot;

	forget_decrypted(entry);
	cache_bytes -= entry->bytes;
	pfree(entry->row);
	clock[slot] = clock[--clock_len];
	clock[slot]->slot = slot;
	if (clock_hand >= clock_len)
		clock_hand = 0;
	hash_search(cache, &entry->key, HASH_REMOVE, NULL);
}

/* Is the cache over its bounds if it takes extra more bytes and entries? */
static bool
over_bounds(Size extra_bytes, int extra_entries)
{
	return cache_bytes + extra_bytes > (Size) conn_cache_memory * 1024 ||
		clock_len + extra_entries > conn_cache_size;
}

/*
 * Evict by the clock until the cache can take extra bytes and entries, or
 * only keep is left.
 */
static void
make_room(Size extra_bytes, int extra_entries, const CacheEntry *keep)
{
	while (clock_len > 0 && over_bounds(extra_bytes, extra_entries))
	{
		CacheEntry *victim = clock[clock_hand];

		if (victim == keep)
		{
			if (clock_len == 1)
				return;
			clock_hand = (clock_hand + 1) % clock_len;
			continue;
		}
		if (victim->referenced)
		{
			victim->referenced = false;
			clock_hand = (clock_hand + 1) % clock_len;
			continue;
		}
		evict(victim);
	}
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
	uint64		key = name_key(name);
	CacheEntry *entry;
	ConnRow    *row;
	ConnRow    *packed;
	uint64		count_before;
	bool		found;

	AcceptInvalidationMessages();
	if (cache_stale || cache == NULL)
		cache_reset();

	entry = hash_search(cache, &key, HASH_FIND, NULL);
	if (entry && strcmp(entry->row->name, name) == 0)
	{
		entry->referenced = true;
		return entry->row;
	}
	if (entry)
		evict(entry);			/* another name of the same hash */

	count_before = inval_count;
	row = ConnCatalogFetch(name, CurrentMemoryContext);
	if (row == NULL)
		return NULL;
	packed = ConnRowPack(row, CacheContext);
	if (inval_count != count_before || cache_stale)
	{
		/* possibly stale already: hand it out once, drop it at next lookup */
		cache_stale = true;
		return packed;
	}

	make_room(GetMemoryChunkSpace(packed) + ENTRY_OVERHEAD, 1, NULL);
	if (clock_len == clock_cap)
	{
		clock_cap *= 2;
		clock = repalloc(clock, sizeof(CacheEntry *) * clock_cap);
	}
	entry = hash_search(cache, &key, HASH_ENTER, &found);
	Assert(!found);
	entry->row = packed;
	entry->decrypted = NULL;
	entry->bytes = GetMemoryChunkSpace(packed) + ENTRY_OVERHEAD;
	entry->referenced = false;
	entry->slot = clock_len;
	clock[clock_len++] = entry;
	cache_bytes += entry->bytes;
	return packed;
}

/* The cache entry holding exactly this row, or NULL. */
static CacheEntry *
entry_of(const ConnRow *row)
{
	CacheEntry *entry;
	uint64		key;

	if (cache == NULL || cache_stale)
		return NULL;
	key = name_key(row->name);
	entry = hash_search(cache, &key, HASH_FIND, NULL);
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
 *		cached one (an invalidation since the lookup discards it), making
 *		room for it by the clock.
 */
void
ConnCacheKeepDecrypted(const ConnRow *row, const Jsonb *decrypted)
{
	CacheEntry *entry = entry_of(row);
	Jsonb	   *copy;
	Size		space;

	if (entry == NULL || entry->decrypted != NULL)
		return;
	copy = MemoryContextAlloc(CacheContext, VARSIZE(decrypted));
	memcpy(copy, decrypted, VARSIZE(decrypted));
	space = GetMemoryChunkSpace(copy);
	make_room(space, 0, entry);
	if (over_bounds(space, 0))
	{
		/* this entry alone is over the bound: do not keep its values */
		explicit_bzero(copy, VARSIZE(copy));
		pfree(copy);
		return;
	}
	entry->decrypted = copy;
	entry->bytes += space;
	cache_bytes += space;
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
