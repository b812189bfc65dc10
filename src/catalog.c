/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  The only code that reads or writes the catalog table
 *	  connection.pg_connection: lookups, ordered scans, inserts, updates
 *	  and deletes, and the locks that make concurrent writers safe.
 *
 * The catalog is the extension's only if pg_extension says the extension
 * is installed in this database: its tables are looked up in the schema
 * pg_extension records, and their columns are checked against the layout
 * this code reads, so that a look-alike table in a schema of the same name
 * is never read (and a mangled one is an error, not a crash).
 *
 * Reads use systable scans with a catalog snapshot, which for a table that
 * is not a system catalog is taken afresh on each scan: like PostgreSQL's
 * own catalog lookups, they see the latest committed state (plus the
 * transaction's own changes), whatever the isolation level.
 *
 * Locking.  A writer first takes RowExclusiveLock on the table, then an
 * AccessExclusiveLock on each connection name it creates, changes or drops
 * (a lock tag of 64 bits of the name's SHA-256, held to the end of the
 * transaction), and only then reads the row.  So two sessions creating
 * one name are serialized and the second one sees the first one's row once
 * it commits, and an update never meets a concurrently updated tuple.
 * A name referenced by another connection is locked in ShareLock, which a
 * concurrent drop of that name waits for.  rotate_key() takes ExclusiveLock
 * on the table.  The table lock always comes first, so these cannot
 * deadlock among themselves.  A superuser's transaction that locks more
 * than NAME_LOCKS_BEFORE_ESCALATION names (bulk creates and drops) takes
 * ShareRowExclusiveLock on the table instead of further name locks.
 *
 * Every write of a connection sends a relcache invalidation (at commit to
 * other backends), which is what backend caches listen to.  It names the
 * table's TOAST table, not the table: the backends that receive it have no
 * relcache entry to rebuild (the TOAST table is opened only for values of
 * some kilobytes), so a write costs neither the writer, at its next
 * command, nor the readers a rebuild of the table's entry and a reopening
 * of its files.  An invalidation of the table itself (DROP EXTENSION,
 * VACUUM FULL, ALTER TABLE) also resets the caches, and makes the OIDs
 * be looked up again.
 *
 * Dependency records (connection.pg_connection_depend) are never cached;
 * their writers hold the referenced connection's name in at least
 * ShareUpdateExclusiveLock, which a drop of that connection waits for.
 *
 * IDENTIFICATION
 *	  src/catalog.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "storage/bufmgr.h"
#include "access/tableam.h"
#include "utils/snapmgr.h"
#include "access/visibilitymap.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "cache.h"
#include "catalog.h"
#include "stscache.h"
#include "connection.h"
#include "crypto.h"

PG_FUNCTION_INFO_V1(connection_catalog_changed);

#define EXTENSION_NAME		"connection"
#define CATALOG_TABLE		"pg_connection"
#define CATALOG_NAME_INDEX	"pg_connection_name_index"
#define CATALOG_ID_INDEX	"pg_connection_id_pkey"
#define DEPEND_TABLE		"pg_connection_depend"
#define DEPEND_REF_INDEX	"pg_connection_depend_ref_index"
#define DEPEND_DEP_INDEX	"pg_connection_depend_dep_index"
#define RESERVED_TABLE		"pg_connection_reserved"
#define RESERVED_NAME_INDEX	"pg_connection_reserved_pkey"
#define RESERVED_ID_INDEX	"pg_connection_reserved_connid_index"

/* OIDs of the catalog objects, looked up once and reset on invalidation */
static Oid	catalog_extension = InvalidOid;
static Oid	catalog_namespace = InvalidOid;
static Oid	catalog_relid = InvalidOid;
static Oid	catalog_name_index = InvalidOid;
static Oid	catalog_id_index = InvalidOid;
static Oid	depend_relid = InvalidOid;
static Oid	depend_ref_index = InvalidOid;
static Oid	depend_dep_index = InvalidOid;
static Oid	reserved_relid = InvalidOid;
static Oid	reserved_name_index = InvalidOid;
static Oid	reserved_id_index = InvalidOid;
static Oid	signal_relid = InvalidOid;	/* the TOAST table, or the table */

/*
 * What a backend knows of the emptiness of the dependency records' and the
 * reserved names' tables: a table seen empty is known empty until its
 * generation moves, which every insert into it makes happen (it sends a
 * relcache invalidation for the table's TOAST table, like writes of
 * connections do; a restore's plain-SQL load sends one from its statement
 * trigger).  Deletes and updates cannot make an empty table non-empty.
 * While a table is known empty, creates and drops skip their lookups
 * there: most connections have no records and no name is reserved.
 */
typedef struct KnownEmpty
{
	uint64		generation;		/* bumped by invalidations of the table */
	uint64		empty_generation;	/* == generation: known empty */
} KnownEmpty;

static KnownEmpty depend_known = {1, 0};
static KnownEmpty reserved_known = {1, 0};
static Oid	depend_signal_relid = InvalidOid;
static Oid	reserved_signal_relid = InvalidOid;
static bool catalog_stale = false;	/* look up again before next use */

/* The column types of the tables, as this code reads them. */
static const Oid catalog_layout[Natts_pg_connection] = {
	INT8OID, TEXTOID, TEXTOID, TEXTOID, BOOLOID, REGROLEOID, TEXTOID, TIMESTAMPTZOID,
	TIMESTAMPTZOID, TEXTOID, ACLITEMARRAYOID, JSONBOID, JSONBOID, BYTEAOID, TEXTOID
};
static const Oid depend_layout[Natts_pg_connection_depend] = {
	INT8OID, OIDOID, OIDOID, INT4OID, INT8OID, CHAROID, TEXTOID, TEXTOID, TEXTARRAYOID,
	TEXTARRAYOID
};
static const Oid reserved_layout[Natts_pg_connection_reserved] = {
	TEXTOID, REGROLEOID, INT8OID, TIMESTAMPTZOID
};

struct ConnCatalogScan
{
	Relation	rel;
	Relation	index;
	SysScanDesc scan;			/* an ordered systable scan, or */
	IndexScanDesc iscan;		/* show()'s index-only scan */
	Snapshot	snapshot;		/* of iscan */
	Buffer		vmbuffer;		/* of iscan */
	LOCKMODE	lockmode;
	MemoryContext scancxt;		/* where the scan keeps its state */
	TupleTableSlot *slot;		/* for ConnCatalogNextShow, made on first use */
};

/*
 * The columns show() lists, in the order of the name index's key and
 * INCLUDE columns (1.1): the index covers show(), which reads no heap
 * tuple of a page the visibility map says is all visible.
 */
static const AttrNumber show_columns[] = {
	Anum_pg_connection_name, Anum_pg_connection_category, Anum_pg_connection_type,
	Anum_pg_connection_enabled, Anum_pg_connection_created_time
};

#define SHOW_COLUMNS lengthof(show_columns)

/*
 * The extension's OID and schema in this database, from pg_extension;
 * false when it is not installed.  Reports nothing.
 */
static bool
find_extension(Oid *extoid, Oid *nspoid)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	bool		found = false;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum(EXTENSION_NAME));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		*extoid = ((Form_pg_extension) GETSTRUCT(tup))->oid;
		*nspoid = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
		found = true;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

static void
not_installed(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("extension \"connection\" is not installed in this database"),
			 errhint("Run CREATE EXTENSION connection.")));
}

/* The OID of a relation of the extension's schema; reports 55000. */
static Oid
lookup_catalog_oid(Oid nsp, const char *relname)
{
	Oid			relid = get_relname_relid(relname, nsp);

	if (!OidIsValid(relid))
		not_installed();
	return relid;
}

/* Check a table's columns against the layout this code reads. */
static void
check_layout(Oid relid, const Oid *types, int ncols)
{
	for (int i = 0; i < ncols; i++)
	{
		Oid			atttype = get_atttype(relid, i + 1);

		/* 1.0 stored owners as oid, which regrole reads the same */
		if (atttype == OIDOID && types[i] == REGROLEOID)
			continue;
		if (atttype != types[i])
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("table \"%s\" of extension \"connection\" does not have the expected columns",
							get_rel_name(relid)),
					 errhint("Reinstall the extension, or restore its tables from a backup.")));
	}
	if (get_atttype(relid, ncols + 1) != InvalidOid)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("table \"%s\" of extension \"connection\" does not have the expected columns",
						get_rel_name(relid)),
				 errhint("Reinstall the extension, or restore its tables from a backup.")));
}

/* A table's TOAST table (its signal relation), or the table if it has none. */
static Oid
toast_of(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			toast;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	toast = ((Form_pg_class) GETSTRUCT(tup))->reltoastrelid;
	ReleaseSysCache(tup);
	return OidIsValid(toast) ? toast : relid;
}

/*
 * Look the catalog objects up, unless they are known and not stale.  The
 * OIDs are replaced all at once and never pass through InvalidOid: an
 * invalidation processed in the middle of an operation (any lock taken
 * processes them) only marks them stale, and the operation goes on with
 * OIDs that are still right (the objects cannot be dropped under it).
 */
static void
lookup_catalog(void)
{
	Oid			extoid,
				nsp,
				relid,
				name_index,
				id_index,
				dep_relid,
				dep_ref_index,
				dep_dep_index,
				res_relid,
				res_name_index,
				res_id_index;

	if (OidIsValid(catalog_relid) && !catalog_stale)
		return;
	if (!find_extension(&extoid, &nsp))
		not_installed();
	relid = lookup_catalog_oid(nsp, CATALOG_TABLE);
	name_index = lookup_catalog_oid(nsp, CATALOG_NAME_INDEX);
	id_index = lookup_catalog_oid(nsp, CATALOG_ID_INDEX);
	dep_relid = lookup_catalog_oid(nsp, DEPEND_TABLE);
	dep_ref_index = lookup_catalog_oid(nsp, DEPEND_REF_INDEX);
	dep_dep_index = lookup_catalog_oid(nsp, DEPEND_DEP_INDEX);
	/* 1.0 has no reserved names: the library works with it until an update */
	res_relid = get_relname_relid(RESERVED_TABLE, nsp);
	res_name_index = get_relname_relid(RESERVED_NAME_INDEX, nsp);
	res_id_index = get_relname_relid(RESERVED_ID_INDEX, nsp);
	check_layout(relid, catalog_layout, Natts_pg_connection);
	check_layout(dep_relid, depend_layout, Natts_pg_connection_depend);
	if (OidIsValid(res_relid))
		check_layout(res_relid, reserved_layout, Natts_pg_connection_reserved);

	catalog_extension = extoid;
	catalog_namespace = nsp;
	catalog_relid = relid;
	catalog_name_index = name_index;
	catalog_id_index = id_index;
	depend_relid = dep_relid;
	depend_ref_index = dep_ref_index;
	depend_dep_index = dep_dep_index;
	reserved_relid = res_relid;
	reserved_name_index = res_name_index;
	reserved_id_index = res_id_index;
	signal_relid = toast_of(relid);
	depend_signal_relid = toast_of(dep_relid);
	reserved_signal_relid = OidIsValid(res_relid) ? toast_of(res_relid) : InvalidOid;
	depend_known.generation++;
	reserved_known.generation++;
	catalog_stale = false;
}

/*
 * ConnCatalogInstalled
 *		Is the extension installed in this database (says pg_extension)?
 *		Never reports an error (for hooks that run in every database).
 */
bool
ConnCatalogInstalled(void)
{
	Oid			extoid;
	Oid			nsp;

	if (OidIsValid(catalog_relid) && !catalog_stale)
		return true;
	return find_extension(&extoid, &nsp);
}

/*
 * ConnCatalogExtension, ConnCatalogNamespace
 *		The extension's OID and schema (looking them up if need be).
 */
Oid
ConnCatalogExtension(void)
{
	lookup_catalog();
	return catalog_extension;
}

Oid
ConnCatalogNamespace(void)
{
	lookup_catalog();
	return catalog_namespace;
}

/*
 * ConnCatalogRelids
 *		The OIDs of the two catalog tables, if the extension is installed
 *		and its objects look right; false otherwise.  Reports nothing.
 */
bool
ConnCatalogRelids(Oid *relids)
{
	Oid			extoid;
	Oid			nsp;

	if (!OidIsValid(catalog_relid) || catalog_stale)
	{
		if (!find_extension(&extoid, &nsp))
			return false;
		relids[0] = get_relname_relid(CATALOG_TABLE, nsp);
		relids[1] = get_relname_relid(DEPEND_TABLE, nsp);
		return OidIsValid(relids[0]) && OidIsValid(relids[1]);
	}
	relids[0] = catalog_relid;
	relids[1] = depend_relid;
	return true;
}

/*
 * ConnCatalogRelidIfKnown
 *		The table's OID if it has been looked up, else InvalidOid; never
 *		touches the catalogs (safe in invalidation callbacks).
 */
Oid
ConnCatalogRelidIfKnown(void)
{
	return catalog_relid;
}

/*
 * ConnCatalogSignalRelidIfKnown
 *		The relation whose relcache invalidations announce writes of
 *		connections (see the file header), if looked up, else InvalidOid.
 *		Never touches the catalogs.
 */
Oid
ConnCatalogSignalRelidIfKnown(void)
{
	return signal_relid;
}

/*
 * ConnCatalogSignalChange
 *		Tell every backend's caches, at commit, that connections changed
 *		(ours at the next command).  The OIDs are looked up afresh if an
 *		invalidation made them stale: a writer holds a lock on the table, so
 *		what it looks up is current.
 */
void
ConnCatalogSignalChange(void)
{
	lookup_catalog();
	CacheInvalidateRelcacheByRelid(signal_relid);
}

/*
 * ConnCatalogRelcacheInvalidated
 *		Relcache callback work: relid is a relation whose relcache entry is
 *		being invalidated, or InvalidOid for all.  An invalidation of the
 *		catalog table makes the OIDs be looked up again before the next use
 *		(the extension may have been dropped and created again).  Returns
 *		whether connections may have changed.  Touches no catalog: safe in
 *		invalidation callbacks.
 */
bool
ConnCatalogRelcacheInvalidated(Oid relid)
{
	if (relid == InvalidOid || relid == depend_relid || relid == depend_signal_relid)
		depend_known.generation++;
	if (relid == InvalidOid || relid == reserved_relid || relid == reserved_signal_relid)
		reserved_known.generation++;
	if (relid == InvalidOid || relid == catalog_relid)
	{
		catalog_stale = true;
		return true;
	}
	return OidIsValid(relid) && relid == signal_relid;
}

/*
 * Name locks are escalated to one table lock past this many in a
 * transaction, so that bulk creates and drops do not fill the lock table.
 */
#define NAME_LOCKS_BEFORE_ESCALATION 1000

static LocalTransactionId name_locks_lxid = InvalidLocalTransactionId;
static int	name_locks_taken = 0;
static bool name_locks_escalated = false;

/*
 * The lock tag of a connection name: 64 bits of the name's SHA-256, in an
 * advisory lock tag whose fourth field no SQL function uses (1 and 2 are
 * pg_advisory_lock's), so no role can take it by hand, and finding another
 * name with the same tag -- to hold up the owner of a connection by
 * locking a name of one's own -- would take about 2^64 tries.
 */
#define NAME_LOCK_FIELD4 0x434e	/* "CN" */

static void
name_lock_tag(const char *name, LOCKTAG *tag)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	uint32		h1;
	uint32		h2;

	if (ctx == NULL || pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) name, strlen(name)) < 0 ||
		pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
		elog(ERROR, "could not hash connection name");
	pg_cryptohash_free(ctx);
	memcpy(&h1, digest, sizeof(h1));
	memcpy(&h2, digest + sizeof(h1), sizeof(h2));
	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId, h1, h2, NAME_LOCK_FIELD4);
}

/*
 * Lock a connection name.  The caller holds at least RowExclusiveLock on
 * the table.  A superuser's transaction that locks more than
 * NAME_LOCKS_BEFORE_ESCALATION names takes ShareRowExclusiveLock on the
 * table instead: every other writer needs RowExclusiveLock first, so that
 * excludes all of them at once (readers go on), and no further name needs
 * a lock of its own.  Other roles never escalate: their transaction would
 * hold up every other writer.
 */
static void
lock_name(const char *name, LOCKMODE mode)
{
	LOCKTAG		tag;

	if (MyProc->lxid != name_locks_lxid)
	{
		name_locks_lxid = MyProc->lxid;
		name_locks_taken = 0;
		name_locks_escalated = false;
	}
	if (name_locks_escalated)
		return;
	if (++name_locks_taken > NAME_LOCKS_BEFORE_ESCALATION && superuser())
	{
		LockRelationOid(catalog_relid, ShareRowExclusiveLock);
		name_locks_escalated = true;
		return;
	}
	name_lock_tag(name, &tag);
	(void) LockAcquire(&tag, mode, false, false);
}

/*
 * ConnCatalogUnlockName
 *		Give back a name lock taken in this transaction for nothing (the
 *		name turned out to belong to somebody else, who must not wait for
 *		us).
 */
void
ConnCatalogUnlockName(const char *name, LOCKMODE mode)
{
	LOCKTAG		tag;

	if (name_locks_escalated || MyProc->lxid != name_locks_lxid)
		return;
	name_lock_tag(name, &tag);
	LockRelease(&tag, mode, false);
	name_locks_taken--;
}

/*
 * ConnCatalogLockNames
 *		Lock the table for writing, then one or two connection names
 *		exclusively (name2 may be NULL), in a fixed order.
 */
void
ConnCatalogLockNames(const char *name1, const char *name2)
{
	lookup_catalog();
	LockRelationOid(catalog_relid, RowExclusiveLock);
	if (name2 && strcmp(name1, name2) > 0)
	{
		const char *t = name1;

		name1 = name2;
		name2 = t;
	}
	lock_name(name1, AccessExclusiveLock);
	if (name2 && strcmp(name1, name2) != 0)
		lock_name(name2, AccessExclusiveLock);
}

/*
 * ConnCatalogLockName
 *		Lock one connection name in the given mode until the end of the
 *		transaction: ShareLock keeps a referenced connection from being
 *		dropped or renamed; ShareUpdateExclusiveLock also serializes the
 *		writers of its dependency records.
 */
void
ConnCatalogLockName(const char *name, LOCKMODE mode)
{
	lookup_catalog();
	LockRelationOid(catalog_relid, RowExclusiveLock);
	lock_name(name, mode);
}

/*
 * Is a table (the dependency records' or the reserved names') known to be
 * empty?  When that is not known, it is scanned for a row and, found empty,
 * known so until its next insert (see KnownEmpty).  Pending invalidations
 * are processed first: the writers of both tables hold a name lock that
 * our caller waits for (a drop's, or a dependent's on the referenced
 * name), so a writer we waited for has committed, and its invalidation is
 * queued, by now.
 */
static bool
known_empty(Oid relid, KnownEmpty *known)
{
	uint64		generation;
	Relation	rel;
	SysScanDesc scan;
	bool		empty;

	AcceptInvalidationMessages();
	if (known->empty_generation == known->generation)
		return true;
	generation = known->generation;
	rel = table_open(relid, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	empty = !HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	/* unless an insert was announced meanwhile */
	if (empty && generation == known->generation)
		known->empty_generation = generation;
	return empty;
}

/* No reserved names (or version 1.0 of the SQL objects, which has none)? */
static bool
reservations_known_absent(void)
{
	lookup_catalog();
	return !OidIsValid(reserved_relid) || known_empty(reserved_relid, &reserved_known);
}

/*
 * ConnCatalogSignalLoaded
 *		Plain SQL inserted into the dependency records' or the reserved
 *		names' table (a restore): tell every backend that they may no
 *		longer be empty.
 */
void
ConnCatalogSignalLoaded(void)
{
	lookup_catalog();
	CacheInvalidateRelcacheByRelid(depend_signal_relid);
	if (OidIsValid(reserved_relid))
		CacheInvalidateRelcacheByRelid(reserved_signal_relid);
}

/* Deform a catalog tuple into a ConnRow in the current memory context. */
static ConnRow *
row_from_tuple(Relation rel, HeapTuple tup)
{
	Datum		values[Natts_pg_connection];
	bool		nulls[Natts_pg_connection];
	ConnRow    *row = palloc0(sizeof(ConnRow));
	char	   *typname;

	heap_deform_tuple(tup, RelationGetDescr(rel), values, nulls);

	row->id = DatumGetInt64(values[Anum_pg_connection_id - 1]);
	row->name = TextDatumGetCString(values[Anum_pg_connection_name - 1]);
	typname = TextDatumGetCString(values[Anum_pg_connection_type - 1]);
	row->type = ConnTypeByName(typname);
	if (row->type == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("connection \"%s\" has unknown type \"%s\"", row->name, typname)));
	row->enabled = DatumGetBool(values[Anum_pg_connection_enabled - 1]);
	row->owner = DatumGetObjectId(values[Anum_pg_connection_owner - 1]);
	row->creator = TextDatumGetCString(values[Anum_pg_connection_creator - 1]);
	row->created = DatumGetTimestampTz(values[Anum_pg_connection_created_time - 1]);
	row->modified = DatumGetTimestampTz(values[Anum_pg_connection_modified_time - 1]);
	if (!nulls[Anum_pg_connection_comment - 1])
		row->comment = TextDatumGetCString(values[Anum_pg_connection_comment - 1]);
	row->tid = tup->t_self;
	if (!nulls[Anum_pg_connection_acl - 1])
		row->acl = DatumGetAclPCopy(values[Anum_pg_connection_acl - 1]);
	row->plain = DatumGetJsonbPCopy(values[Anum_pg_connection_plain - 1]);
	row->masks = DatumGetJsonbPCopy(values[Anum_pg_connection_masks - 1]);
	if (!nulls[Anum_pg_connection_secrets - 1])
	{
		row->secrets = DatumGetByteaPCopy(values[Anum_pg_connection_secrets - 1]);
		row->key_fingerprint =
			TextDatumGetCString(values[Anum_pg_connection_key_fingerprint - 1]);
	}
	return row;
}

/*
 * ConnRowPack
 *		A copy of a row in one allocation of mcxt (the row struct, then its
 *		varlena values, then its strings), so that a cache entry costs one
 *		chunk, freed with one pfree.
 */
ConnRow *
ConnRowPack(const ConnRow *row, MemoryContext mcxt)
{
	Size		size = MAXALIGN(sizeof(ConnRow));
	const struct varlena *vars[4] = {(const struct varlena *) row->acl,
		(const struct varlena *) row->plain, (const struct varlena *) row->masks,
	(const struct varlena *) row->secrets};
	const char *strs[4] = {row->name, row->creator, row->comment, row->key_fingerprint};
	struct varlena **var_dst[4];
	char	  **str_dst[4];
	ConnRow    *packed;
	char	   *p;

	for (int i = 0; i < 4; i++)
		if (vars[i])
			size += MAXALIGN(VARSIZE(vars[i]));
	for (int i = 0; i < 4; i++)
		if (strs[i])
			size += strlen(strs[i]) + 1;

	packed = MemoryContextAlloc(mcxt, size);
	*packed = *row;
	var_dst[0] = (struct varlena **) &packed->acl;
	var_dst[1] = (struct varlena **) &packed->plain;
	var_dst[2] = (struct varlena **) &packed->masks;
	var_dst[3] = (struct varlena **) &packed->secrets;
	str_dst[0] = &packed->name;
	str_dst[1] = &packed->creator;
	str_dst[2] = &packed->comment;
	str_dst[3] = &packed->key_fingerprint;
	p = (char *) packed + MAXALIGN(sizeof(ConnRow));
	for (int i = 0; i < 4; i++)
		if (vars[i])
		{
			memcpy(p, vars[i], VARSIZE(vars[i]));
			*var_dst[i] = (struct varlena *) p;
			p += MAXALIGN(VARSIZE(vars[i]));
		}
	for (int i = 0; i < 4; i++)
		if (strs[i])
		{
			Size		len = strlen(strs[i]) + 1;

			memcpy(p, strs[i], len);
			*str_dst[i] = p;
			p += len;
		}
	Assert(p == (char *) packed + size);
	return packed;
}

static void row_values(const ConnRow *row, Datum *values, bool *nulls);

static HeapTuple
row_form_tuple(Relation rel, const ConnRow *row)
{
	Datum		values[Natts_pg_connection];
	bool		nulls[Natts_pg_connection];

	row_values(row, values, nulls);
	return heap_form_tuple(RelationGetDescr(rel), values, nulls);
}

/* The column values of a row (for a tuple, and for index entries). */
static void
row_values(const ConnRow *row, Datum *values, bool *nulls)
{
	memset(nulls, false, sizeof(bool) * Natts_pg_connection);
	values[Anum_pg_connection_id - 1] = Int64GetDatum(row->id);
	values[Anum_pg_connection_name - 1] = CStringGetTextDatum(row->name);
	values[Anum_pg_connection_category - 1] = CStringGetTextDatum(row->type->category);
	values[Anum_pg_connection_type - 1] = CStringGetTextDatum(row->type->name);
	values[Anum_pg_connection_enabled - 1] = BoolGetDatum(row->enabled);
	values[Anum_pg_connection_owner - 1] = ObjectIdGetDatum(row->owner);
	values[Anum_pg_connection_creator - 1] = CStringGetTextDatum(row->creator);
	values[Anum_pg_connection_created_time - 1] = TimestampTzGetDatum(row->created);
	values[Anum_pg_connection_modified_time - 1] = TimestampTzGetDatum(row->modified);
	if (row->comment)
		values[Anum_pg_connection_comment - 1] = CStringGetTextDatum(row->comment);
	else
		nulls[Anum_pg_connection_comment - 1] = true;
	if (row->acl)
		values[Anum_pg_connection_acl - 1] = PointerGetDatum(row->acl);
	else
		nulls[Anum_pg_connection_acl - 1] = true;
	values[Anum_pg_connection_plain - 1] = JsonbPGetDatum(row->plain);
	values[Anum_pg_connection_masks - 1] = JsonbPGetDatum(row->masks);
	if (row->secrets)
	{
		values[Anum_pg_connection_secrets - 1] = PointerGetDatum(row->secrets);
		values[Anum_pg_connection_key_fingerprint - 1] = CStringGetTextDatum(row->key_fingerprint);
	}
	else
	{
		nulls[Anum_pg_connection_secrets - 1] = true;
		nulls[Anum_pg_connection_key_fingerprint - 1] = true;
	}
}

/*
 * The row whose column attno equals key (equality procedure eqproc; by the
 * id index, or else the name index), built in mcxt, or NULL.
 */
static ConnRow *
fetch_row(AttrNumber attno, RegProcedure eqproc, Datum key, bool by_id, MemoryContext mcxt)
{
	Relation	rel;
	ScanKeyData skey;
	SysScanDesc scan;
	HeapTuple	tup;
	ConnRow    *row = NULL;

	lookup_catalog();
	rel = table_open(catalog_relid, AccessShareLock);
	ScanKeyInit(&skey, attno, BTEqualStrategyNumber, eqproc, key);
	scan = systable_beginscan(rel, by_id ? catalog_id_index : catalog_name_index,
							  true, NULL, 1, &skey);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		MemoryContext old = MemoryContextSwitchTo(mcxt);

		row = row_from_tuple(rel, tup);
		MemoryContextSwitchTo(old);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return row;
}

/*
 * ConnCatalogFetch
 *		The row of a connection (by normalized name), built in mcxt, or NULL
 *		if there is none.
 */
ConnRow *
ConnCatalogFetch(const char *name, MemoryContext mcxt)
{
	return fetch_row(Anum_pg_connection_name, F_TEXTEQ, CStringGetTextDatum(name), false, mcxt);
}

/*
 * ConnCatalogFetchById
 *		The row of a connection by id, built in mcxt, or NULL.
 */
ConnRow *
ConnCatalogFetchById(int64 id, MemoryContext mcxt)
{
	return fetch_row(Anum_pg_connection_id, F_INT8EQ, Int64GetDatum(id), true, mcxt);
}

/*
 * ConnCatalogBeginScan
 *		Start a scan of all connections in name order.  The lock is kept to
 *		the end of the transaction.
 */
ConnCatalogScan *
ConnCatalogBeginScan(LOCKMODE lockmode)
{
	ConnCatalogScan *scan = palloc0(sizeof(ConnCatalogScan));

	lookup_catalog();
	scan->lockmode = lockmode;
	scan->scancxt = CurrentMemoryContext;
	scan->slot = NULL;
	scan->rel = table_open(catalog_relid, lockmode);
	scan->index = index_open(catalog_name_index, AccessShareLock);
	scan->scan = systable_beginscan_ordered(scan->rel, scan->index, NULL, 0, NULL);
	return scan;
}

/* Does the name index hold show()'s columns (1.1; 1.0's holds the name)? */
static bool
index_covers_show(Relation index)
{
	if (index->rd_index->indnatts != SHOW_COLUMNS)
		return false;
	for (int i = 0; i < SHOW_COLUMNS; i++)
		if (index->rd_index->indkey.values[i] != show_columns[i])
			return false;
	return true;
}

/*
 * ConnCatalogBeginShow
 *		Start a scan of all connections in name order for show() (read with
 *		ConnCatalogNextShow): an index-only scan of the name index, which
 *		covers show()'s columns, as PostgreSQL's own index-only scans do it
 *		(with the latest catalog snapshot: it is MVCC).  With 1.0's index,
 *		an ordered scan of the table.
 */
ConnCatalogScan *
ConnCatalogBeginShow(void)
{
	ConnCatalogScan *scan;

	lookup_catalog();
	scan = palloc0(sizeof(ConnCatalogScan));
	scan->lockmode = AccessShareLock;
	scan->scancxt = CurrentMemoryContext;
	scan->rel = table_open(catalog_relid, AccessShareLock);
	scan->index = index_open(catalog_name_index, AccessShareLock);
	if (!index_covers_show(scan->index))
	{
		scan->scan = systable_beginscan_ordered(scan->rel, scan->index, NULL, 0, NULL);
		return scan;
	}
	scan->snapshot = RegisterSnapshot(GetCatalogSnapshot(catalog_relid));
	scan->vmbuffer = InvalidBuffer;
	scan->iscan = index_beginscan(scan->rel, scan->index, scan->snapshot, 0, 0);
	scan->iscan->xs_want_itup = true;
	index_rescan(scan->iscan, NULL, 0, NULL, 0);
	return scan;
}

/* The next row of show()'s index-only scan, as ConnCatalogNextShow returns it. */
static bool
next_show_index_only(ConnCatalogScan *scan, Datum *values, bool *enabled, TimestampTz *created)
{
	ItemPointer tid;
	Datum		itup_values[INDEX_MAX_KEYS];
	bool		itup_nulls[INDEX_MAX_KEYS];

	while ((tid = index_getnext_tid(scan->iscan, ForwardScanDirection)) != NULL)
	{
		CHECK_FOR_INTERRUPTS();
		if (!VM_ALL_VISIBLE(scan->rel, ItemPointerGetBlockNumber(tid), &scan->vmbuffer))
		{
			/* the page may hold versions our snapshot does not see */
			if (scan->slot == NULL)
				scan->slot = table_slot_create(scan->rel, NULL);
			if (!index_fetch_heap(scan->iscan, scan->slot))
				continue;
		}
		index_deform_tuple(scan->iscan->xs_itup, scan->iscan->xs_itupdesc,
						   itup_values, itup_nulls);
		values[0] = itup_values[0];
		values[1] = itup_values[1];
		values[2] = itup_values[2];
		*enabled = DatumGetBool(itup_values[3]);
		*created = DatumGetTimestampTz(itup_values[4]);
		return true;
	}
	return false;
}

/*
 * ConnCatalogAllRows
 *		Every row (palloc'd), in name order, read under lockmode (kept to the
 *		end of the transaction).
 */
List *
ConnCatalogAllRows(LOCKMODE lockmode)
{
	ConnCatalogScan *scan = ConnCatalogBeginScan(lockmode);
	List	   *rows = NIL;
	HeapTuple	tup;

	while (HeapTupleIsValid(tup = systable_getnext_ordered(scan->scan, ForwardScanDirection)))
		rows = lappend(rows, row_from_tuple(scan->rel, tup));
	ConnCatalogEndScan(scan);
	return rows;
}

/*
 * ConnCatalogNextShow
 *		Next row of a scan as show() returns it, without building a row:
 *		values[0..2] are the name, category and type text datums (valid until
 *		the next call), *enabled and *created the rest.  False at the end.
 */
bool
ConnCatalogNextShow(ConnCatalogScan *scan, Datum *values, bool *enabled, TimestampTz *created)
{
	HeapTuple	tup;
	Datum	   *all;

	if (scan->iscan)
		return next_show_index_only(scan, values, enabled, created);
	tup = systable_getnext_ordered(scan->scan, ForwardScanDirection);
	if (!HeapTupleIsValid(tup))
		return false;
	if (scan->slot == NULL)
		scan->slot = MakeSingleTupleTableSlot(RelationGetDescr(scan->rel), &TTSOpsHeapTuple);
	/* deform the leading columns only, once (not the properties) */
	ExecStoreHeapTuple(tup, scan->slot, false);
	slot_getsomeattrs(scan->slot, Anum_pg_connection_created_time);
	all = scan->slot->tts_values;
	values[0] = all[Anum_pg_connection_name - 1];
	values[1] = all[Anum_pg_connection_category - 1];
	values[2] = all[Anum_pg_connection_type - 1];
	*enabled = DatumGetBool(all[Anum_pg_connection_enabled - 1]);
	*created = DatumGetTimestampTz(all[Anum_pg_connection_created_time - 1]);
	return true;
}

void
ConnCatalogEndScan(ConnCatalogScan *scan)
{
	if (scan->slot)
		ExecDropSingleTupleTableSlot(scan->slot);
	if (scan->iscan)
	{
		if (BufferIsValid(scan->vmbuffer))
			ReleaseBuffer(scan->vmbuffer);
		index_endscan(scan->iscan);
		UnregisterSnapshot(scan->snapshot);
	}
	else
		systable_endscan_ordered(scan->scan);
	index_close(scan->index, AccessShareLock);
	table_close(scan->rel, NoLock);
	pfree(scan);
}

/*
 * ConnCatalogNextId
 *		A new connection id: 63 random bits.  No sequence: there is nothing
 *		a role with write access to every table (members of
 *		pg_write_all_data) could set to make ids collide or run out, and
 *		servers that create connections independently do not collide.  The
 *		primary key keeps ids unique; with a million connections, the
 *		chance that a new id is taken is 1 in 10^13, and the create then
 *		fails with the key's unique violation, changing nothing.
 */
int64
ConnCatalogNextId(void)
{
	int64		id;

	do
	{
		ConnRandomBytes(&id, sizeof(id));
		id &= PG_INT64_MAX;
	} while (id == 0);
	return id;
}

/* After a write: tell every backend's cache, and make it visible to us. */
static void
after_write(void)
{
	ConnCatalogSignalChange();
	CommandCounterIncrement();
}

/*
 * The IndexInfo of the catalog's two indexes, built once per index (an
 * index made again has another OID), in CacheMemoryContext.
 */
static IndexInfo *
catalog_index_info(Relation index)
{
	static Oid	oids[2] = {InvalidOid, InvalidOid};
	static IndexInfo *infos[2] = {NULL, NULL};
	int			i = (RelationGetRelid(index) == catalog_name_index) ? 0 : 1;

	if (oids[i] != RelationGetRelid(index))
	{
		MemoryContext old = MemoryContextSwitchTo(CacheMemoryContext);

		infos[i] = BuildIndexInfo(index);
		oids[i] = RelationGetRelid(index);
		MemoryContextSwitchTo(old);
	}
	return infos[i];
}

/*
 * Insert a new row's tuple and its index entries, like CatalogTupleInsert()
 * does, except that the name index is checked in partial mode (as a
 * deferred unique constraint is): a name that may be taken is reported by
 * setting *name_free to false instead of failing.  Returns false, having
 * inserted nothing, unless the table's indexes are exactly the name and
 * id indexes, plain ones on columns (someone may have added one).
 */
static bool
insert_with_index_entries(Relation rel, HeapTuple tup, const ConnRow *row, bool *name_free)
{
	List	   *indexes = RelationGetIndexList(rel);
	Relation	index[2];
	Datum		tvalues[Natts_pg_connection];
	bool		tnulls[Natts_pg_connection];

	if (list_length(indexes) != 2 ||
		!list_member_oid(indexes, catalog_name_index) || !list_member_oid(indexes, catalog_id_index))
		return false;
	index[0] = index_open(catalog_name_index, RowExclusiveLock);
	index[1] = index_open(catalog_id_index, RowExclusiveLock);
	for (int i = 0; i < 2; i++)
	{
		IndexInfo  *info = catalog_index_info(index[i]);

		if (info->ii_Expressions != NIL || info->ii_Predicate != NIL ||
			info->ii_ExclusionOps != NULL || !index[i]->rd_index->indisready ||
			!index[i]->rd_index->indisunique || !index[i]->rd_index->indimmediate)
		{
			index_close(index[0], RowExclusiveLock);
			index_close(index[1], RowExclusiveLock);
			return false;
		}
	}

	simple_heap_insert(rel, tup);
	row_values(row, tvalues, tnulls);
	*name_free = true;
	for (int i = 0; i < 2; i++)
	{
		IndexInfo  *info = catalog_index_info(index[i]);
		Datum		values[INDEX_MAX_KEYS];
		bool		isnull[INDEX_MAX_KEYS];
		IndexUniqueCheck check = (i == 0) ? UNIQUE_CHECK_PARTIAL : UNIQUE_CHECK_YES;
		bool		unique;

		for (int k = 0; k < info->ii_NumIndexAttrs; k++)
		{
			AttrNumber	attno = info->ii_IndexAttrNumbers[k];

			values[k] = tvalues[attno - 1];
			isnull[k] = tnulls[attno - 1];
		}
#if PG_VERSION_NUM >= 140000
		unique = index_insert(index[i], values, isnull, &tup->t_self, rel, check, false, info);
#else
		unique = index_insert(index[i], values, isnull, &tup->t_self, rel, check, info);
#endif
		if (check == UNIQUE_CHECK_PARTIAL && !unique)
			*name_free = false;
	}
	index_close(index[0], RowExclusiveLock);
	index_close(index[1], RowExclusiveLock);
	return true;
}

/*
 * After a partial check said a name may be taken: is it, by a row other
 * than self (the one just inserted)?  Looks with a dirty snapshot, and
 * waits for a transaction that is inserting or deleting such a row to end
 * (a writer that takes no name lock: a restore's COPY, a subscription's
 * apply), then looks again -- as a unique index's own check does.
 */
static bool
name_taken(Relation rel, const char *name, ItemPointer self)
{
	for (;;)
	{
		SnapshotData dirty;
		ScanKeyData key;
		SysScanDesc scan;
		HeapTuple	tup;
		TransactionId wait = InvalidTransactionId;
		bool		taken = false;

		InitDirtySnapshot(dirty);
		ScanKeyInit(&key, Anum_pg_connection_name, BTEqualStrategyNumber, F_TEXTEQ,
					CStringGetTextDatum(name));
		scan = systable_beginscan(rel, catalog_name_index, true, &dirty, 1, &key);
		while (HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			if (ItemPointerEquals(&tup->t_self, self))
				continue;
			wait = TransactionIdIsValid(dirty.xmin) ? dirty.xmin : dirty.xmax;
			if (!TransactionIdIsValid(wait))
				taken = true;
			break;
		}
		systable_endscan(scan);
		if (!TransactionIdIsValid(wait))
			return taken;
		XactLockTableWait(wait, rel, self, XLTW_InsertIndex);
	}
}

/*
 * ConnCatalogInsert
 *		Insert a new connection, unless its name is taken: then return false
 *		(the caller reports it; what was inserted goes with the transaction,
 *		which the report aborts).  The caller holds the name's lock.
 *
 * The name is checked by the insertion into the name index itself, not by
 * a lookup before it: that saves an index descent per create.
 */
bool
ConnCatalogInsert(const ConnRow *row)
{
	Relation	rel;
	HeapTuple	tup;
	bool		name_free;

	lookup_catalog();
	rel = table_open(catalog_relid, RowExclusiveLock);
	tup = row_form_tuple(rel, row);
	if (!insert_with_index_entries(rel, tup, row, &name_free))
	{
		/* unusual indexes: look the name up first */
		name_free = ConnCatalogFetch(row->name, CurrentMemoryContext) == NULL;
		if (name_free)
			CatalogTupleInsert(rel, tup);
	}
	else if (!name_free)
		name_free = !name_taken(rel, row->name, &tup->t_self);
	heap_freetuple(tup);
	table_close(rel, NoLock);
	if (name_free)
		after_write();
	return name_free;
}

/*
 * ConnCatalogUpdate
 *		Replace the row read at row->tid by the contents of row.
 */
void
ConnCatalogUpdate(const ConnRow *row)
{
	Relation	rel;
	HeapTuple	tup;

	lookup_catalog();
	rel = table_open(catalog_relid, RowExclusiveLock);
	tup = row_form_tuple(rel, row);
	CatalogTupleUpdate(rel, (ItemPointer) &row->tid, tup);
	heap_freetuple(tup);
	table_close(rel, NoLock);
	after_write();
	ConnStsSharedForgetConnection(row->id);
}

void
ConnCatalogDelete(const ConnRow *row)
{
	Relation	rel;

	lookup_catalog();
	rel = table_open(catalog_relid, RowExclusiveLock);
	CatalogTupleDelete(rel, (ItemPointer) &row->tid);
	table_close(rel, NoLock);
	after_write();
	ConnStsSharedForgetConnection(row->id);
}

/* Deform a dependency record (palloc'd). */
static ConnDepend *
depend_from_tuple(Relation rel, HeapTuple tup)
{
	Datum		values[Natts_pg_connection_depend];
	bool		nulls[Natts_pg_connection_depend];
	ConnDepend *dep = palloc0(sizeof(ConnDepend));

	heap_deform_tuple(tup, RelationGetDescr(rel), values, nulls);
	dep->refconnid = DatumGetInt64(values[Anum_pg_connection_depend_refconnid - 1]);
	dep->classid = DatumGetObjectId(values[Anum_pg_connection_depend_classid - 1]);
	dep->objid = DatumGetObjectId(values[Anum_pg_connection_depend_objid - 1]);
	dep->objsubid = DatumGetInt32(values[Anum_pg_connection_depend_objsubid - 1]);
	dep->depconnid = DatumGetInt64(values[Anum_pg_connection_depend_depconnid - 1]);
	dep->deptype = DatumGetChar(values[Anum_pg_connection_depend_deptype - 1]);
	if (!nulls[Anum_pg_connection_depend_description - 1])
		dep->description = TextDatumGetCString(values[Anum_pg_connection_depend_description - 1]);
	if (!nulls[Anum_pg_connection_depend_objtype - 1])
	{
		dep->objtype = TextDatumGetCString(values[Anum_pg_connection_depend_objtype - 1]);
		dep->objnames = DatumGetArrayTypePCopy(values[Anum_pg_connection_depend_objnames - 1]);
		dep->objargs = DatumGetArrayTypePCopy(values[Anum_pg_connection_depend_objargs - 1]);
	}
	dep->tid = tup->t_self;
	return dep;
}

static HeapTuple
depend_form_tuple(Relation rel, const ConnDepend *dep)
{
	Datum		values[Natts_pg_connection_depend];
	bool		nulls[Natts_pg_connection_depend] = {false};

	values[Anum_pg_connection_depend_refconnid - 1] = Int64GetDatum(dep->refconnid);
	values[Anum_pg_connection_depend_classid - 1] = ObjectIdGetDatum(dep->classid);
	values[Anum_pg_connection_depend_objid - 1] = ObjectIdGetDatum(dep->objid);
	values[Anum_pg_connection_depend_objsubid - 1] = Int32GetDatum(dep->objsubid);
	values[Anum_pg_connection_depend_depconnid - 1] = Int64GetDatum(dep->depconnid);
	values[Anum_pg_connection_depend_deptype - 1] = CharGetDatum(dep->deptype);
	if (dep->description)
		values[Anum_pg_connection_depend_description - 1] = CStringGetTextDatum(dep->description);
	else
		nulls[Anum_pg_connection_depend_description - 1] = true;
	if (dep->objtype)
	{
		values[Anum_pg_connection_depend_objtype - 1] = CStringGetTextDatum(dep->objtype);
		values[Anum_pg_connection_depend_objnames - 1] = PointerGetDatum(dep->objnames);
		values[Anum_pg_connection_depend_objargs - 1] = PointerGetDatum(dep->objargs);
	}
	else
	{
		nulls[Anum_pg_connection_depend_objtype - 1] = true;
		nulls[Anum_pg_connection_depend_objnames - 1] = true;
		nulls[Anum_pg_connection_depend_objargs - 1] = true;
	}
	return heap_form_tuple(RelationGetDescr(rel), values, nulls);
}

/* Dependency records matching nkeys keys on an index (palloc'd list). */
static List *
depend_scan(Oid indexid, ScanKeyData *keys, int nkeys)
{
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *deps = NIL;

	rel = table_open(depend_relid, AccessShareLock);
	scan = systable_beginscan(rel, indexid, true, NULL, nkeys, keys);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
		deps = lappend(deps, depend_from_tuple(rel, tup));
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return deps;
}

/*
 * ConnDependAll
 *		Every dependency record.
 */
List *
ConnDependAll(void)
{
	lookup_catalog();
	return depend_scan(depend_ref_index, NULL, 0);
}

/*
 * ConnDependByRef
 *		All records of what uses the connection refconnid.
 */
List *
ConnDependByRef(int64 refconnid)
{
	ScanKeyData key;

	lookup_catalog();
	if (known_empty(depend_relid, &depend_known))
		return NIL;
	ScanKeyInit(&key, Anum_pg_connection_depend_refconnid, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum(refconnid));
	return depend_scan(depend_ref_index, &key, 1);
}

/*
 * ConnDependByDependent
 *		All records of a dependent: a PostgreSQL object (objsubid 0: every
 *		sub-object too), or, with classid the catalog table, the connection
 *		depconnid.  InvalidOid classid means the catalog table.
 */
List *
ConnDependByDependent(Oid classid, Oid objid, int32 objsubid, int64 depconnid)
{
	ScanKeyData keys[4];
	int			nkeys = 2;

	lookup_catalog();
	if (known_empty(depend_relid, &depend_known))
		return NIL;
	if (!OidIsValid(classid))
		classid = catalog_relid;
	ScanKeyInit(&keys[0], Anum_pg_connection_depend_classid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(classid));
	ScanKeyInit(&keys[1], Anum_pg_connection_depend_objid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(objid));
	if (objsubid != 0 || classid == catalog_relid)
		ScanKeyInit(&keys[nkeys++], Anum_pg_connection_depend_objsubid, BTEqualStrategyNumber,
					F_INT4EQ, Int32GetDatum(objsubid));
	if (classid == catalog_relid)
		ScanKeyInit(&keys[nkeys++], Anum_pg_connection_depend_depconnid, BTEqualStrategyNumber,
					F_INT8EQ, Int64GetDatum(depconnid));
	return depend_scan(depend_dep_index, keys, nkeys);
}

/* classid InvalidOid in a record to write stands for the catalog table */
static void
depend_write(const ConnDepend *dep, bool update)
{
	Relation	rel;
	HeapTuple	tup;
	ConnDepend	copy = *dep;

	lookup_catalog();
	if (!OidIsValid(copy.classid))
		copy.classid = catalog_relid;
	rel = table_open(depend_relid, RowExclusiveLock);
	tup = depend_form_tuple(rel, &copy);
	if (update)
		CatalogTupleUpdate(rel, (ItemPointer) &dep->tid, tup);
	else
	{
		CatalogTupleInsert(rel, tup);
		/* the table is not empty any more (KnownEmpty) */
		CacheInvalidateRelcacheByRelid(depend_signal_relid);
	}
	heap_freetuple(tup);
	table_close(rel, NoLock);
	CommandCounterIncrement();
}

void
ConnDependInsert(const ConnDepend *dep)
{
	depend_write(dep, false);
}

void
ConnDependUpdate(const ConnDepend *dep)
{
	depend_write(dep, true);
}

/*
 * ConnDependDelete
 *		Delete a record.  Two transactions may both delete one record (the
 *		drop of a connection and the drop of a connection that references
 *		it hold different name locks): one that another transaction deleted
 *		meanwhile is gone, which is all we want.
 */
void
ConnDependDelete(const ConnDepend *dep)
{
	Relation	rel;
	TM_Result	result;
	TM_FailureData tmfd;

	lookup_catalog();
	rel = table_open(depend_relid, RowExclusiveLock);
	result = heap_delete(rel, (ItemPointer) &dep->tid, GetCurrentCommandId(true),
						 InvalidSnapshot, true, &tmfd, false);
	if (result != TM_Ok && result != TM_Deleted && result != TM_SelfModified)
		elog(ERROR, "dependency record concurrently updated");
	table_close(rel, NoLock);
	CommandCounterIncrement();
}

/* ---------------------------------------------------------------------
 * Reserved names (connection.pg_connection_reserved)
 * ---------------------------------------------------------------------
 */

static ConnReservation *
reservation_from_tuple(Relation rel, HeapTuple tup)
{
	Datum		values[Natts_pg_connection_reserved];
	bool		nulls[Natts_pg_connection_reserved];
	ConnReservation *res = palloc(sizeof(ConnReservation));

	heap_deform_tuple(tup, RelationGetDescr(rel), values, nulls);
	res->name = TextDatumGetCString(values[Anum_pg_connection_reserved_name - 1]);
	res->owner = DatumGetObjectId(values[Anum_pg_connection_reserved_owner - 1]);
	res->connid = DatumGetInt64(values[Anum_pg_connection_reserved_connid - 1]);
	res->tid = tup->t_self;
	return res;
}

/*
 * ConnReservationsOwnedBy
 *		The reservations held by one of roleids, in the current context.
 */
List *
ConnReservationsOwnedBy(List *roleids)
{
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *result = NIL;

	lookup_catalog();
	if (!OidIsValid(reserved_relid))
		return NIL;				/* version 1.0 of the SQL objects */
	rel = table_open(reserved_relid, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		ConnReservation *res = reservation_from_tuple(rel, tup);

		if (list_member_oid(roleids, res->owner))
			result = lappend(result, res);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return result;
}

/*
 * ConnReservationSetOwner
 *		Give a reservation to another role.
 */
void
ConnReservationSetOwner(const ConnReservation *res, Oid newowner)
{
	Relation	rel;
	HeapTuple	tup;
	HeapTuple	newtup;
	Datum		values[Natts_pg_connection_reserved] = {0};
	bool		nulls[Natts_pg_connection_reserved] = {false};
	bool		replace[Natts_pg_connection_reserved] = {false};

	lookup_catalog();
	rel = table_open(reserved_relid, RowExclusiveLock);
	{
		SysScanDesc scan;
		ScanKeyData skey;

		ScanKeyInit(&skey, Anum_pg_connection_reserved_name, BTEqualStrategyNumber, F_TEXTEQ,
					CStringGetTextDatum(res->name));
		scan = systable_beginscan(rel, reserved_name_index, true, NULL, 1, &skey);
		tup = systable_getnext(scan);
		if (HeapTupleIsValid(tup))
		{
			values[Anum_pg_connection_reserved_owner - 1] = ObjectIdGetDatum(newowner);
			replace[Anum_pg_connection_reserved_owner - 1] = true;
			newtup = heap_modify_tuple(tup, RelationGetDescr(rel), values, nulls, replace);
			CatalogTupleUpdate(rel, &newtup->t_self, newtup);
		}
		systable_endscan(scan);
	}
	table_close(rel, NoLock);
	CommandCounterIncrement();
}

/* The reservation whose column attno equals key, in the current context. */
static ConnReservation *
fetch_reservation(AttrNumber attno, RegProcedure eqproc, Datum key, Oid indexid)
{
	Relation	rel;
	ScanKeyData skey;
	SysScanDesc scan;
	HeapTuple	tup;
	ConnReservation *res = NULL;

	if (!OidIsValid(reserved_relid))
		return NULL;			/* version 1.0 of the SQL objects */
	rel = table_open(reserved_relid, AccessShareLock);
	ScanKeyInit(&skey, attno, BTEqualStrategyNumber, eqproc, key);
	scan = systable_beginscan(rel, indexid, true, NULL, 1, &skey);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		res = reservation_from_tuple(rel, tup);
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return res;
}

/*
 * ConnReservationFetch, ConnReservationByConnid
 *		The reservation of a name, or of a dropped connection's id; NULL if
 *		there is none.
 */
ConnReservation *
ConnReservationFetch(const char *name)
{
	if (reservations_known_absent())
		return NULL;
	return fetch_reservation(Anum_pg_connection_reserved_name, F_TEXTEQ,
							 CStringGetTextDatum(name), reserved_name_index);
}

ConnReservation *
ConnReservationByConnid(int64 connid)
{
	if (reservations_known_absent())
		return NULL;
	return fetch_reservation(Anum_pg_connection_reserved_connid, F_INT8EQ,
							 Int64GetDatum(connid), reserved_id_index);
}

/*
 * ConnReservationInsert
 *		Reserve the name of a connection dropped with force for its owner.
 */
void
ConnReservationInsert(const ConnRow *row)
{
	Relation	rel;
	HeapTuple	tup;
	Datum		values[Natts_pg_connection_reserved];
	bool		nulls[Natts_pg_connection_reserved] = {false};

	lookup_catalog();
	if (!OidIsValid(reserved_relid))
		return;					/* version 1.0 of the SQL objects */
	values[Anum_pg_connection_reserved_name - 1] = CStringGetTextDatum(row->name);
	values[Anum_pg_connection_reserved_owner - 1] = ObjectIdGetDatum(row->owner);
	values[Anum_pg_connection_reserved_connid - 1] = Int64GetDatum(row->id);
	values[Anum_pg_connection_reserved_dropped_time - 1] =
		TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	rel = table_open(reserved_relid, RowExclusiveLock);
	tup = heap_form_tuple(RelationGetDescr(rel), values, nulls);
	CatalogTupleInsert(rel, tup);
	heap_freetuple(tup);
	CacheInvalidateRelcacheByRelid(reserved_signal_relid);
	table_close(rel, NoLock);
	CommandCounterIncrement();
}

void
ConnReservationDelete(const ConnReservation *res)
{
	Relation	rel;

	lookup_catalog();
	rel = table_open(reserved_relid, RowExclusiveLock);
	CatalogTupleDelete(rel, (ItemPointer) &res->tid);
	table_close(rel, NoLock);
	CommandCounterIncrement();
}

/*
 * connection_catalog_changed
 *		Statement trigger on the catalog table: writes made with plain SQL
 *		(which bypass the functions above) invalidate the caches too.
 */
Datum
connection_catalog_changed(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("connection.catalog_changed() must be called as a trigger")));
	ConnCatalogSignalChange();
	ConnCacheInvalidate();
	ConnStsSharedForgetConnection(0);
	return PointerGetDatum(NULL);
}
