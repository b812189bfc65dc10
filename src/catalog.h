/*-------------------------------------------------------------------------
 *
 * catalog.h
 *	  Access to the catalog table connection.pg_connection.
 *
 * IDENTIFICATION
 *	  src/catalog.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_CATALOG_H
#define CONNECTION_CATALOG_H

#include "access/htup.h"
#include "storage/itemptr.h"
#include "storage/lockdefs.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "registry.h"

/* Columns of connection.pg_connection (see connection--1.0.sql). */
#define Natts_pg_connection					15
#define Anum_pg_connection_id				1
#define Anum_pg_connection_name				2
#define Anum_pg_connection_category			3
#define Anum_pg_connection_type				4
#define Anum_pg_connection_enabled			5
#define Anum_pg_connection_owner			6
#define Anum_pg_connection_creator			7
#define Anum_pg_connection_created_time		8
#define Anum_pg_connection_modified_time	9
#define Anum_pg_connection_comment			10
#define Anum_pg_connection_acl				11
#define Anum_pg_connection_plain			12
#define Anum_pg_connection_masks			13
#define Anum_pg_connection_secrets			14
#define Anum_pg_connection_key_fingerprint	15

/* One catalog row, deformed.  NULL pointers stand for SQL NULLs. */
typedef struct ConnRow
{
	int64		id;
	char	   *name;
	const ConnTypeDef *type;
	bool		enabled;
	Oid			owner;
	char	   *creator;
	TimestampTz created;
	TimestampTz modified;
	char	   *comment;
	Acl		   *acl;
	Jsonb	   *plain;			/* plain properties */
	Jsonb	   *masks;			/* masked identifiers */
	bytea	   *secrets;		/* ciphertext of identifiers and secrets */
	char	   *key_fingerprint;
	ItemPointerData tid;		/* where the row was read */
} ConnRow;

/* Columns of connection.pg_connection_depend. */
#define Natts_pg_connection_depend				10
#define Anum_pg_connection_depend_refconnid		1
#define Anum_pg_connection_depend_classid		2
#define Anum_pg_connection_depend_objid			3
#define Anum_pg_connection_depend_objsubid		4
#define Anum_pg_connection_depend_depconnid		5
#define Anum_pg_connection_depend_deptype		6
#define Anum_pg_connection_depend_description	7
#define Anum_pg_connection_depend_objtype		8
#define Anum_pg_connection_depend_objnames		9
#define Anum_pg_connection_depend_objargs		10

/* Columns of connection.pg_connection_reserved (1.1). */
#define Natts_pg_connection_reserved				4
#define Anum_pg_connection_reserved_name			1
#define Anum_pg_connection_reserved_owner			2
#define Anum_pg_connection_reserved_connid			3
#define Anum_pg_connection_reserved_dropped_time	4

/*
 * The name of a connection dropped with force while objects still named
 * it: reserved for its owner until none does.
 */
typedef struct ConnReservation
{
	char	   *name;
	Oid			owner;
	int64		connid;			/* the dropped connection's id */
	ItemPointerData tid;
} ConnReservation;

#define CONN_DEP_MANUAL		'm'		/* add_dependency() */
#define CONN_DEP_OPTIONS	'o'		/* OPTIONS (connection '...') */
#define CONN_DEP_PROPERTY	'p'		/* STORAGE_CONNECTION, SOURCE_CONNECTION */

/*
 * One dependency record: dependent (classid, objid, objsubid) -- or the
 * connection depconnid, with classid the catalog table and objid 0 --
 * uses the connection refconnid.
 */
typedef struct ConnDepend
{
	int64		refconnid;
	Oid			classid;
	Oid			objid;
	int32		objsubid;
	int64		depconnid;
	char		deptype;
	char	   *description;	/* NULL if none */
	char	   *objtype;		/* identity of a dependent object, or NULL */
	ArrayType  *objnames;
	ArrayType  *objargs;
	ItemPointerData tid;
} ConnDepend;

typedef struct ConnCatalogScan ConnCatalogScan;

extern Oid	ConnCatalogRelidIfKnown(void);
extern Oid	ConnCatalogSignalRelidIfKnown(void);
extern void ConnCatalogSignalChange(void);
extern void ConnCatalogSignalLoaded(void);
extern bool ConnCatalogInstalled(void);
extern Oid	ConnCatalogExtension(void);
extern Oid	ConnCatalogNamespace(void);
extern bool ConnCatalogRelids(Oid *relids);
extern bool ConnCatalogRelcacheInvalidated(Oid relid);
extern void ConnCatalogLockNames(const char *name1, const char *name2);
extern void ConnCatalogLockName(const char *name, LOCKMODE mode);
extern void ConnCatalogUnlockName(const char *name, LOCKMODE mode);
extern ConnRow *ConnCatalogFetch(const char *name, MemoryContext mcxt);
extern ConnRow *ConnCatalogFetchById(int64 id, MemoryContext mcxt);
extern ConnCatalogScan *ConnCatalogBeginScan(LOCKMODE lockmode);
extern ConnCatalogScan *ConnCatalogBeginShow(void);
extern List *ConnCatalogAllRows(LOCKMODE lockmode);
extern bool ConnCatalogNextShow(ConnCatalogScan *scan, Datum *values, bool *enabled,
								TimestampTz *created);
extern void ConnCatalogEndScan(ConnCatalogScan *scan);
extern int64 ConnCatalogNextId(void);
extern bool ConnCatalogInsert(const ConnRow *row);
extern ConnRow *ConnRowPack(const ConnRow *row, MemoryContext mcxt);
extern void ConnCatalogUpdate(const ConnRow *row);
extern void ConnCatalogDelete(const ConnRow *row);

extern List *ConnDependAll(void);
extern List *ConnDependByRef(int64 refconnid);
extern List *ConnDependByDependent(Oid classid, Oid objid, int32 objsubid, int64 depconnid);
extern void ConnDependInsert(const ConnDepend *dep);
extern void ConnDependUpdate(const ConnDepend *dep);
extern void ConnDependDelete(const ConnDepend *dep);

extern ConnReservation *ConnReservationFetch(const char *name);
extern ConnReservation *ConnReservationByConnid(int64 connid);
extern void ConnReservationInsert(const ConnRow *row);
extern void ConnReservationDelete(const ConnReservation *res);
extern List *ConnReservationsOwnedBy(List *roleids);
extern void ConnReservationSetOwner(const ConnReservation *res, Oid newowner);

#endif							/* CONNECTION_CATALOG_H */
