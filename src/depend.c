/*-------------------------------------------------------------------------
 *
 * depend.c
 *	  What uses a connection: dependency records, the SQL entry points
 *	  add_dependency(), remove_dependency(), dependents() and the helpers
 *	  of the extension's event triggers, and the checks drop() and renames
 *	  make.
 *
 * Three kinds of records (catalog.h): registered by add_dependency(),
 * derived from the OPTIONS (connection 'name') of foreign servers, foreign
 * tables and user mappings (kept exact by a ddl_command_end event trigger),
 * and derived from the STORAGE_CONNECTION / SOURCE_CONNECTION properties of
 * other connections (kept exact by create and alter).  A sql_drop event
 * trigger forgets the records of every dropped object, whatever dropped it.
 *
 * Records point at connections by id, so a rename keeps them.  A rename
 * rewrites the properties of dependent connections to the new name, and is
 * refused while foreign objects name the connection in their OPTIONS or
 * objects registered with add_dependency() use it (their owners must
 * change those; see README): the old name must not be left free for
 * anyone to take while something still uses it.
 *
 * Concurrency: recording takes the connection's name in
 * ShareUpdateExclusiveLock and the dependent object in AccessShareLock
 * before checking that both exist; drop takes the name in
 * AccessExclusiveLock and DROP of an object takes that object in
 * AccessExclusiveLock.  So a concurrent drop and add_dependency() serialize,
 * and whichever commits second sees the other's result: no record outlives
 * its connection or its object.  Records whose object vanished without a
 * sql_drop (temporary objects at session end) are ignored and removed when
 * next met.
 *
 * IDENTIFICATION
 *	  src/depend.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/reloptions.h"
#include "access/xact.h"
#include "catalog/catalog.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_user_mapping.h"
#include "access/table.h"
#include "utils/acl.h"
#include "commands/defrem.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/resowner.h"
#include "utils/syscache.h"

#include "cache.h"
#include "catalog.h"
#include "commands.h"
#include "connection.h"
#include "depend.h"
#include "privileges.h"
#include "stscache.h"

PG_FUNCTION_INFO_V1(connection_add_dependency);
PG_FUNCTION_INFO_V1(connection_add_dependency_relation);
PG_FUNCTION_INFO_V1(connection_add_dependency_function);
PG_FUNCTION_INFO_V1(connection_add_dependency_text);
PG_FUNCTION_INFO_V1(connection_remove_dependency_text);
PG_FUNCTION_INFO_V1(connection_remove_dependency);
PG_FUNCTION_INFO_V1(connection_remove_dependency_relation);
PG_FUNCTION_INFO_V1(connection_remove_dependency_function);
PG_FUNCTION_INFO_V1(connection_dependents);
PG_FUNCTION_INFO_V1(connection_sync_option_dependency);
PG_FUNCTION_INFO_V1(connection_forget_dependent);
PG_FUNCTION_INFO_V1(connection_resync_dependencies);
PG_FUNCTION_INFO_V1(connection_catalog_loaded);
PG_FUNCTION_INFO_V1(connection_catalog_applied);

/* the option that names a connection */
#define CONNECTION_OPTION "connection"

/* Is the dependent of a record another connection? */
static bool
dependent_is_connection(const ConnDepend *dep)
{
	return dep->depconnid != 0;
}

/*
 * Does an object exist (a dropped column does not, although its attribute
 * row stays)?  If so, set *desc to its description.
 */
static bool
object_exists(const ObjectAddress *addr, char **desc)
{
	if (addr->classId == RelationRelationId && addr->objectSubId > 0)
	{
		HeapTuple	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(addr->objectId),
										  Int16GetDatum(addr->objectSubId));
		bool		gone = !HeapTupleIsValid(tup) ||
			((Form_pg_attribute) GETSTRUCT(tup))->attisdropped;

		if (HeapTupleIsValid(tup))
			ReleaseSysCache(tup);
		if (gone)
			return false;
	}
	*desc = getObjectDescription(addr, true);
	return *desc != NULL;
}

/*
 * Describe the dependent of a record, as pg_describe_object() would, with
 * its kind; false when it no longer exists.
 */
static bool
describe_dependent(const ConnDepend *dep, char **kind, char **object)
{
	if (dependent_is_connection(dep))
	{
		ConnRow    *row = ConnCatalogFetchById(dep->depconnid, CurrentMemoryContext);

		if (row == NULL)
			return false;
		*kind = pstrdup("connection");
		*object = psprintf("connection %s", row->name);
	}
	else
	{
		ObjectAddress addr = {dep->classid, dep->objid, dep->objsubid};

		if (!object_exists(&addr, object))
			return false;
		*kind = getObjectTypeDescription(&addr, true);
	}
	return true;
}

/* list_sort comparator of C strings */
static int
compare_strings(const ListCell *a, const ListCell *b)
{
	return strcmp(lfirst(a), lfirst(b));
}

/*
 * The live dependents among the records *deps (of one connection),
 * "<object>" strings in a sorted list; records of vanished objects are
 * removed, from the table and from *deps.  by_name_only leaves out the
 * connections that name it in a property (a rename rewrites those).
 */
static List *
live_dependents_of(List **deps, bool by_name_only)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, *deps)
	{
		ConnDepend *dep = lfirst(lc);
		char	   *kind;
		char	   *object;

		if (by_name_only && dep->deptype == CONN_DEP_PROPERTY)
			continue;
		if (!describe_dependent(dep, &kind, &object))
		{
			if (!RecoveryInProgress())
			{
				ConnDependDelete(dep);
				*deps = foreach_delete_current(*deps, lc);
			}
			continue;
		}
		result = lappend(result, object);
	}
	list_sort(result, compare_strings);
	return result;
}

/* The live dependents of a connection (see live_dependents_of). */
static List *
live_dependents(int64 connid, bool by_name_only)
{
	List	   *deps = ConnDependByRef(connid);

	return live_dependents_of(&deps, by_name_only);
}

/* Does a row name other connections in its properties? */
static bool
names_connections(const ConnRow *row)
{
	for (int i = 0; i < row->type->nprops; i++)
	{
		const ConnPropDef *def = &row->type->props[i];

		if (def->fmt == CONN_FMT_CONNECTION && def->kind == CONN_PLAIN &&
			getKeyJsonValueFromContainer(&row->plain->root, def->name, strlen(def->name), NULL))
			return true;
	}
	return false;
}

/* "a depends on connection x\nb depends on connection x" */
static char *
dependents_detail(List *objects, const char *connname)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, objects)
		appendStringInfo(&buf, "%s%s depends on connection %s",
						 buf.len > 0 ? "\n" : "", (char *) lfirst(lc), connname);
	return buf.data;
}

/*
 * A connection that names a connection being dropped with force (in its
 * STORAGE_CONNECTION or SOURCE_CONNECTION): the property is cleared and the
 * connection disabled, so that it never resolves that name to a connection
 * created later by somebody else.  Returns a line for the WARNING.
 */
static char *
clear_reference(const ConnDepend *dep, const char *dropped)
{
	ConnRow    *deprow = ConnCatalogFetchById(dep->depconnid, CurrentMemoryContext);
	ConnProps	props;
	int			idx;

	if (deprow == NULL)
		return NULL;
	ConnCatalogLockNames(deprow->name, NULL);
	deprow = ConnCatalogFetchById(dep->depconnid, CurrentMemoryContext);
	if (deprow == NULL)
		return NULL;
	ConnRowProps(deprow, &props, false);
	idx = ConnLookupProp(props.type, dep->description, true);
	if (idx >= 0 && props.values[idx] && strcmp(props.values[idx], dropped) == 0)
		props.values[idx] = NULL;
	deprow->plain = ConnPropsToJsonb(&props, CONN_KIND_BIT(CONN_PLAIN), false);
	deprow->enabled = false;
	deprow->modified = GetCurrentTimestamp() - GetCurrentTimestamp() % 1000;
	ConnCatalogUpdate(deprow);
	return psprintf("connection %s is disabled and its property %s no longer names connection %s",
					deprow->name, dep->description, dropped);
}

/*
 * ConnDependBeforeDrop
 *		Before a connection is dropped: refuse (2BP01) while anything depends
 *		on it, unless force, which warns with the list instead.  With force,
 *		connections that name it are cleared and disabled (clear_reference),
 *		and if other objects (foreign objects, registered objects) name it,
 *		their records are kept and the name is reserved for the owner
 *		(ConnDependCheckReservation).  Records of what the dropped
 *		connection itself names are forgotten.
 */
void
ConnDependBeforeDrop(const ConnRow *row, bool force)
{
	List	   *deps = ConnDependByRef(row->id);
	List	   *objects = deps ? live_dependents_of(&deps, false) : NIL;
	StringInfoData detail;
	List	   *lines = NIL;
	bool		reserve = false;
	ListCell   *lc;

	if (objects != NIL && !force)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("cannot drop connection %s because other objects depend on it", row->name),
				 errdetail("%s", dependents_detail(objects, row->name)),
				 errhint("Use force => true to drop it anyway; those objects will no longer reach their service.")));

	initStringInfo(&detail);
	foreach(lc, deps)
	{
		ConnDepend *dep = lfirst(lc);
		char	   *kind;
		char	   *object;
		char	   *line = NULL;

		if (dependent_is_connection(dep))
		{
			line = clear_reference(dep, row->name);
			ConnDependDelete(dep);
		}
		else if (describe_dependent(dep, &kind, &object))
		{
			line = psprintf("%s depends on connection %s", object, row->name);
			reserve = true;
		}
		if (line)
			lines = lappend(lines, line);
	}
	list_sort(lines, compare_strings);
	foreach(lc, lines)
		appendStringInfo(&detail, "%s%s", detail.len > 0 ? "\n" : "", (char *) lfirst(lc));
	if (detail.len > 0 && reserve)
		ereport(WARNING,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("objects that depended on connection %s can no longer reach their service",
						row->name),
				 errdetail("%s", detail.data),
				 errhint("Until those objects no longer name it, only role \"%s\" and superusers may create a connection named \"%s\".",
						 ConnRoleName(row->owner), row->name)));
	else if (detail.len > 0)
		ereport(WARNING,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("objects that depended on connection %s can no longer reach their service",
						row->name),
				 errdetail("%s", detail.data)));
	if (reserve)
		ConnReservationInsert(row);

	/* the records of its own properties (a connection only has those) */
	if (names_connections(row))
		foreach(lc, ConnDependByDependent(InvalidOid, 0, 0, row->id))
			ConnDependDelete(lfirst(lc));
}

/*
 * ConnDependCheckReservation
 *		Before a connection named name is created (or renamed to it): if
 *		the name is reserved and objects still name it, only the reservation's
 *		owner (members, superusers) may (42501); returns the reservation, to
 *		be adopted once the connection exists.  A reservation no object needs
 *		any more is removed.
 */
ConnReservation *
ConnDependCheckReservation(const char *name)
{
	ConnReservation *res = ConnReservationFetch(name);
	List	   *objects;
	StringInfoData list;
	ListCell   *lc;

	if (res == NULL)
		return NULL;
	objects = live_dependents(res->connid, false);
	if (objects == NIL)
	{
		if (!RecoveryInProgress())
			ConnReservationDelete(res);
		return NULL;
	}
	if (has_privs_of_role(GetUserId(), res->owner))
		return res;
	initStringInfo(&list);
	foreach(lc, objects)
		appendStringInfo(&list, "%s%s", list.len > 0 ? ", " : "", (char *) lfirst(lc));
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("connection name \"%s\" is reserved", name),
			 errdetail("Connection \"%s\" was dropped with force while other objects named it (%s); until none does, only its owner, role \"%s\", and superusers may create a connection of that name.",
					   name, list.data, ConnRoleName(res->owner)),
			 errhint("Drop those objects or remove their connection option, or choose another name.")));
	return NULL;				/* keep compiler quiet */
}

/*
 * ConnDependAdopt
 *		The connection newid now has the reserved name: the objects that
 *		named it depend on it, and the reservation goes.
 */
void
ConnDependAdopt(const ConnReservation *res, int64 newid)
{
	ListCell   *lc;

	foreach(lc, ConnDependByRef(res->connid))
	{
		ConnDepend *dep = lfirst(lc);

		dep->refconnid = newid;
		ConnDependUpdate(dep);
	}
	ConnReservationDelete(res);
}

/* The last record naming a reserved name is gone: so is the reservation. */
static void
release_reservation(int64 connid)
{
	ConnReservation *res = ConnReservationByConnid(connid);

	if (res && ConnDependByRef(connid) == NIL)
		ConnReservationDelete(res);
}

/*
 * ConnDependSyncProperties
 *		Make the property records of a connection (its STORAGE_CONNECTION,
 *		SOURCE_CONNECTION) agree with props.  The referenced connections are
 *		locked and checked already (commands.c).  A connection just created
 *		(created) has no records yet.
 */
void
ConnDependSyncProperties(const ConnRow *row, const ConnProps *props, bool created)
{
	ListCell   *lc;

	if (!created)
		foreach(lc, ConnDependByDependent(InvalidOid, 0, 0, row->id))
			ConnDependDelete(lfirst(lc));

	for (int i = 0; i < props->type->nprops; i++)
	{
		const ConnPropDef *def = &props->type->props[i];
		ConnRow    *ref;
		ConnDepend	dep;

		if (def->fmt != CONN_FMT_CONNECTION || props->values[i] == NULL)
			continue;
		ref = ConnCatalogFetch(props->values[i], CurrentMemoryContext);
		if (ref == NULL)
			continue;			/* dropped with force: nothing to point at */
		memset(&dep, 0, sizeof(dep));
		dep.refconnid = ref->id;
		dep.classid = InvalidOid;	/* the catalog table */
		dep.depconnid = row->id;
		dep.deptype = CONN_DEP_PROPERTY;
		dep.description = (char *) def->name;
		ConnDependInsert(&dep);
	}
}

/*
 * ConnDependBeforeRename
 *		Before connection row is renamed to newname: refuse while foreign
 *		objects name it in their OPTIONS or objects registered with
 *		add_dependency() use it (they name it in their text or code: after
 *		the rename anyone could create the old name and receive what they
 *		send); point the properties of dependent connections at the new
 *		name.
 */
void
ConnDependBeforeRename(const ConnRow *row, const char *newname)
{
	List	   *objects = live_dependents(row->id, true);
	ListCell   *lc;

	if (objects != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("cannot rename connection %s because other objects use it by name",
						row->name),
				 errdetail("%s", dependents_detail(objects, row->name)),
				 errhint("Drop their option connection or their record (connection.remove_dependency()), rename the connection, then name it again with the new name.")));

	foreach(lc, ConnDependByRef(row->id))
	{
		ConnDepend *dep = lfirst(lc);
		ConnRow    *deprow;
		ConnProps	props;
		int			idx;

		if (dep->deptype != CONN_DEP_PROPERTY)
			continue;
		deprow = ConnCatalogFetchById(dep->depconnid, CurrentMemoryContext);
		if (deprow == NULL)
			continue;
		ConnCatalogLockNames(deprow->name, NULL);
		ConnRowProps(deprow, &props, false);
		idx = ConnLookupProp(props.type, dep->description, true);
		if (idx < 0)
			continue;
		props.values[idx] = (char *) newname;
		deprow->plain = ConnPropsToJsonb(&props, CONN_KIND_BIT(CONN_PLAIN), false);
		ConnCatalogUpdate(deprow);
	}
}

/*
 * ConnDependCheckRetype
 *		A connection that other connections reference may not leave its
 *		category (an HMS connection needs a STORAGE one).
 */
void
ConnDependCheckRetype(const ConnRow *row, const ConnTypeDef *newtype)
{
	ListCell   *lc;

	if (strcmp(row->type->category, newtype->category) == 0)
		return;
	foreach(lc, ConnDependByRef(row->id))
		if (((ConnDepend *) lfirst(lc))->deptype == CONN_DEP_PROPERTY)
			ereport(ERROR,
					(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
					 errmsg("cannot change the category of connection %s because other connections reference it",
							row->name),
					 errdetail("%s", dependents_detail(live_dependents(row->id, false), row->name))));
}

/* Catalogs whose objects may be dependents. */
static bool
supported_class(Oid classid)
{
	return is_objectclass_supported(classid) || classid == UserMappingRelationId;
}

/*
 * Lock an object against concurrent drop and report 42704 unless it exists
 * (after the lock, so a drop that won the race is seen).  Returns its
 * description.
 */
static char *
lock_existing_object(const ObjectAddress *addr)
{
	char	   *desc;

	if (!IsCatalogRelationOid(addr->classId) || !supported_class(addr->classId))
	{
		char	   *catname = get_rel_name(addr->classId);

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not a catalog of objects that can depend on a connection",
						catname ? catname : psprintf("%u", addr->classId)),
				 errhint("Use the catalog the object lives in, such as pg_class or pg_proc.")));
	}
	if (addr->classId == RelationRelationId)
		LockRelationOid(addr->objectId, AccessShareLock);
	else
		LockDatabaseObject(addr->classId, addr->objectId, 0, AccessShareLock);
	if (!object_exists(addr, &desc))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("object %u of %s does not exist", addr->objectId, get_rel_name(addr->classId))));
	return desc;
}

/*
 * The role that owns an object: its catalog's owner column; a user
 * mapping's is its server's owner, a column's its table's.  InvalidOid if
 * the catalog has no owner column.
 */
static Oid
object_owner(const ObjectAddress *addr)
{
	Relation	rel;
	HeapTuple	tup;
	AttrNumber	owner_att;
	Oid			owner = InvalidOid;
	bool		isnull;

	if (addr->classId == UserMappingRelationId)
	{
		HeapTuple	um = SearchSysCache1(USERMAPPINGOID, ObjectIdGetDatum(addr->objectId));

		if (HeapTupleIsValid(um))
		{
			owner = GetForeignServer(((Form_pg_user_mapping) GETSTRUCT(um))->umserver)->owner;
			ReleaseSysCache(um);
		}
		return owner;
	}
	owner_att = get_object_attnum_owner(addr->classId);
	if (owner_att == InvalidAttrNumber)
		return InvalidOid;
	rel = table_open(addr->classId, AccessShareLock);
	tup = get_catalog_object_by_oid(rel, get_object_attnum_oid(addr->classId), addr->objectId);
	if (HeapTupleIsValid(tup))
	{
		Datum		d = heap_getattr(tup, owner_att, RelationGetDescr(rel), &isnull);

		if (!isnull)
			owner = DatumGetObjectId(d);
	}
	table_close(rel, AccessShareLock);
	return owner;
}

/*
 * Only an object's owner (or a superuser) records, or removes the record,
 * that it uses a connection: nobody else may pin a connection with another
 * role's object, nor remove the record that keeps its name from being
 * freed while the object uses it.
 */
static void
check_object_owner(const ObjectAddress *addr, const char *desc)
{
	Oid			owner;

	if (superuser())
		return;
	owner = object_owner(addr);
	if (!OidIsValid(owner) || !has_privs_of_role(GetUserId(), owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of %s", desc),
				 errdetail("Only the owner of an object records, or removes the record, that it uses a connection.")));
}

/*
 * The usable connection of a name, its name locked for writing dependency
 * records; reports 42704 / 42501.
 */
static ConnRow *
connection_for_records(const char *name)
{
	ConnRow    *row;

	/* USAGE first: no one without it ever holds the name's lock */
	row = ConnCatalogFetch(name, CurrentMemoryContext);
	if (row != NULL)
		ConnCheckUsage(row);
	ConnCatalogLockName(name, ShareUpdateExclusiveLock);
	row = ConnFetchExisting(name);
	ConnCheckUsage(row);
	return row;
}

/* Record the identity of a record's dependent object, for restores. */
static void
set_identity(ConnDepend *dep)
{
	ObjectAddress addr = {dep->classid, dep->objid, dep->objsubid};
	List	   *names = NIL;
	List	   *args = NIL;

	dep->objtype = getObjectTypeDescription(&addr, false);
	getObjectIdentityParts(&addr, &names, &args, false);
	dep->objnames = strlist_to_textarray(names);
	dep->objargs = strlist_to_textarray(args);
}

/* The record of (connection, object), or NULL. */
static ConnDepend *
find_record(int64 connid, const ObjectAddress *addr)
{
	ListCell   *lc;

	foreach(lc, ConnDependByRef(connid))
	{
		ConnDepend *dep = lfirst(lc);

		if (dep->classid == addr->classId && dep->objid == addr->objectId &&
			dep->objsubid == addr->objectSubId && !dependent_is_connection(dep))
			return dep;
	}
	return NULL;
}

static void
add_dependency(FunctionCallInfo fcinfo, const ObjectAddress *addr, int descarg)
{
	char	   *name = ConnArgName(fcinfo, 0);
	char	   *description = PG_ARGISNULL(descarg) ? NULL :
		text_to_cstring(PG_GETARG_TEXT_PP(descarg));
	ConnRow    *row;
	ConnDepend *old;

	PreventCommandIfReadOnly("connection.add_dependency()");
	row = connection_for_records(name);
	check_object_owner(addr, lock_existing_object(addr));

	old = find_record(row->id, addr);
	if (old)
	{
		/* already recorded: keep its kind, take the new description */
		if (old->deptype == CONN_DEP_MANUAL)
		{
			old->description = description;
			ConnDependUpdate(old);
		}
		return;
	}
	{
		ConnDepend	dep = {0};

		dep.refconnid = row->id;
		dep.classid = addr->classId;
		dep.objid = addr->objectId;
		dep.objsubid = addr->objectSubId;
		dep.deptype = CONN_DEP_MANUAL;
		dep.description = description;
		set_identity(&dep);
		ConnDependInsert(&dep);
	}
}

static void
remove_dependency(FunctionCallInfo fcinfo, const ObjectAddress *addr)
{
	char	   *name = ConnArgName(fcinfo, 0);
	ConnRow    *row;
	ConnDepend *dep;

	PreventCommandIfReadOnly("connection.remove_dependency()");
	row = connection_for_records(name);
	dep = find_record(row->id, addr);
	if (dep != NULL)
	{
		char	   *desc = getObjectDescription(addr, true);

		check_object_owner(addr, desc ? desc : psprintf("object %u of %s", addr->objectId,
														get_rel_name(addr->classId)));
	}
	if (dep == NULL || dep->deptype != CONN_DEP_MANUAL)
	{
		char	   *desc = getObjectDescription(addr, true);

		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("no dependency of %s on connection %s was added",
						desc ? desc : psprintf("object %u of %s", addr->objectId,
											   get_rel_name(addr->classId)),
						name),
				 dep ? errdetail("It is recorded from the object's OPTIONS; remove the option instead.") : 0));
	}
	ConnDependDelete(dep);
}

/* An Oid argument; NULL is refused. */
static Oid
arg_oid(FunctionCallInfo fcinfo, int argno, const char *argname)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", argname)));
	return PG_GETARG_OID(argno);
}

static ObjectAddress
address_args(FunctionCallInfo fcinfo)
{
	ObjectAddress addr;

	addr.classId = arg_oid(fcinfo, 1, "classid");
	addr.objectId = arg_oid(fcinfo, 2, "objid");
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("objsubid must not be null")));
	addr.objectSubId = PG_GETARG_INT32(3);
	return addr;
}

/* connection.add_dependency(name, classid, objid, objsubid, description) */
Datum
connection_add_dependency(PG_FUNCTION_ARGS)
{
	ObjectAddress addr = address_args(fcinfo);

	add_dependency(fcinfo, &addr, 4);
	PG_RETURN_VOID();
}

/* connection.add_dependency(name, relation regclass, description) */
Datum
connection_add_dependency_relation(PG_FUNCTION_ARGS)
{
	ObjectAddress addr = {RelationRelationId, arg_oid(fcinfo, 1, "relation"), 0};

	add_dependency(fcinfo, &addr, 2);
	PG_RETURN_VOID();
}

/* connection.add_dependency(name, function regprocedure, description) */
Datum
connection_add_dependency_function(PG_FUNCTION_ARGS)
{
	ObjectAddress addr = {ProcedureRelationId, arg_oid(fcinfo, 1, "function"), 0};

	add_dependency(fcinfo, &addr, 2);
	PG_RETURN_VOID();
}

/*
 * The object an add_dependency() or remove_dependency() call names as text
 * (an untyped literal resolves to the text variant): a function when the
 * text has an argument list ("f(int)"), else a relation; either is looked
 * up as regprocedure or regclass would (with their errors).
 */
static ObjectAddress
object_of_text(FunctionCallInfo fcinfo, int argno)
{
	char	   *object = ConnArgText(fcinfo, argno, "object");
	ObjectAddress addr;

	if (strchr(object, '(') != NULL)
	{
		addr.classId = ProcedureRelationId;
		addr.objectId = DatumGetObjectId(DirectFunctionCall1(regprocedurein, CStringGetDatum(object)));
	}
	else
	{
		addr.classId = RelationRelationId;
		addr.objectId = DatumGetObjectId(DirectFunctionCall1(regclassin, CStringGetDatum(object)));
	}
	addr.objectSubId = 0;
	return addr;
}

/* connection.add_dependency(name, object text, description) (1.1) */
Datum
connection_add_dependency_text(PG_FUNCTION_ARGS)
{
	ObjectAddress addr = object_of_text(fcinfo, 1);

	add_dependency(fcinfo, &addr, 2);
	PG_RETURN_VOID();
}

/* connection.remove_dependency(name, object text) (1.1) */
Datum
connection_remove_dependency_text(PG_FUNCTION_ARGS)
{
	ObjectAddress addr = object_of_text(fcinfo, 1);

	remove_dependency(fcinfo, &addr);
	PG_RETURN_VOID();
}

/* connection.remove_dependency(name, classid, objid, objsubid) */
Datum
connection_remove_dependency(PG_FUNCTION_ARGS)
{
	ObjectAddress addr = address_args(fcinfo);

	remove_dependency(fcinfo, &addr);
	PG_RETURN_VOID();
}

/* connection.remove_dependency(name, relation regclass) */
Datum
connection_remove_dependency_relation(PG_FUNCTION_ARGS)
{
	ObjectAddress addr = {RelationRelationId, arg_oid(fcinfo, 1, "relation"), 0};

	remove_dependency(fcinfo, &addr);
	PG_RETURN_VOID();
}

/* connection.remove_dependency(name, function regprocedure) */
Datum
connection_remove_dependency_function(PG_FUNCTION_ARGS)
{
	ObjectAddress addr = {ProcedureRelationId, arg_oid(fcinfo, 1, "function"), 0};

	remove_dependency(fcinfo, &addr);
	PG_RETURN_VOID();
}

static int
compare_dependents(const ListCell *a, const ListCell *b)
{
	const ConnDependent *x = lfirst(a);
	const ConnDependent *y = lfirst(b);

	return strcmp(x->object, y->object);
}

/*
 * ConnDependList
 *		Every live dependent of a connection (kind, object, description;
 *		description may be NULL), by object.
 */
List *
ConnDependList(int64 connid)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, ConnDependByRef(connid))
	{
		ConnDepend *dep = lfirst(lc);
		ConnDependent *d = palloc(sizeof(ConnDependent));

		if (!describe_dependent(dep, &d->kind, &d->object))
			continue;
		d->description = dep->description;
		if (dep->deptype == CONN_DEP_PROPERTY)
			d->description = psprintf("property %s", dep->description);
		else if (dep->deptype == CONN_DEP_OPTIONS)
			d->description = pstrdup("OPTIONS (connection)");
		result = lappend(result, d);
	}
	list_sort(result, compare_dependents);
	return result;
}

/*
 * connection.dependents(name)
 *		kind, object, description of what uses a connection.
 */
Datum
connection_dependents(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *name = ConnArgName(fcinfo, 0);
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	foreach(lc, ConnDependList(ConnCacheGet(name)->id))
	{
		ConnDependent *d = lfirst(lc);
		Datum		values[3];
		bool		nulls[3] = {false};

		values[0] = CStringGetTextDatum(d->kind);
		values[1] = CStringGetTextDatum(d->object);
		if (d->description)
			values[2] = CStringGetTextDatum(d->description);
		else
			nulls[2] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* The OPTIONS of a foreign server, foreign table or user mapping, or NIL. */
static List *
object_options(Oid classid, Oid objid)
{
	if (classid == ForeignServerRelationId)
	{
		ForeignServer *server = GetForeignServerExtended(objid, FSV_MISSING_OK);

		return server ? server->options : NIL;
	}
	if (classid == RelationRelationId)
	{
		if (get_rel_relkind(objid) != RELKIND_FOREIGN_TABLE)
			return NIL;
		return GetForeignTable(objid)->options;
	}
	if (classid == UserMappingRelationId)
	{
		HeapTuple	tup = SearchSysCache1(USERMAPPINGOID, ObjectIdGetDatum(objid));
		List	   *options = NIL;
		bool		isnull;
		Datum		datum;

		if (!HeapTupleIsValid(tup))
			return NIL;
		datum = SysCacheGetAttr(USERMAPPINGOID, tup, Anum_pg_user_mapping_umoptions, &isnull);
		if (!isnull)
			options = untransformRelOptions(datum);
		ReleaseSysCache(tup);
		return options;
	}
	return NIL;
}

/*
 * Make the OPTIONS record of an object agree with its options: the
 * connection named by its option "connection", or none.  Normally that
 * connection must exist (42704) and be usable by the current user (42501);
 * while restoring, connections may not be loaded yet: then a missing one is
 * skipped (the load that brings it resynchronizes).
 */
static void
sync_options(Oid classid, Oid objid, bool restoring)
{
	ObjectAddress addr = {classid, objid, 0};
	char	   *refname = NULL;
	ConnRow    *ref = NULL;
	int64		refid = 0;
	ListCell   *lc;
	bool		recorded = false;

	foreach(lc, object_options(classid, objid))
	{
		DefElem    *def = lfirst(lc);

		if (strcmp(def->defname, CONNECTION_OPTION) == 0)
			refname = ConnNormalizeName(defGetString(def), "connection name");
	}
	if (refname)
	{
		/* USAGE first: no one without it ever holds the name's lock */
		ref = restoring ? NULL : ConnCatalogFetch(refname, CurrentMemoryContext);
		if (ref != NULL)
			ConnCheckUsage(ref);
		ConnCatalogLockName(refname, ShareUpdateExclusiveLock);
		ref = ConnCatalogFetch(refname, CurrentMemoryContext);
		if (ref == NULL && !restoring)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("connection \"%s\" does not exist", refname),
					 errdetail("The options of %s name it.", getObjectDescription(&addr, false))));
		if (ref && !restoring)
			ConnCheckUsage(ref);
		if (ref)
			refid = ref->id;
		else
		{
			/* a restore of an object naming a reserved name keeps it reserved */
			ConnReservation *res = ConnReservationFetch(refname);

			if (res)
				refid = res->connid;
		}
	}

	foreach(lc, ConnDependByDependent(classid, objid, 0, 0))
	{
		ConnDepend *dep = lfirst(lc);

		if (dep->deptype != CONN_DEP_OPTIONS)
			continue;
		if (refid != 0 && dep->refconnid == refid)
			recorded = true;
		else
		{
			ConnDependDelete(dep);
			release_reservation(dep->refconnid);
		}
	}
	if (refid != 0 && !recorded)
	{
		ConnDepend	dep = {0};

		/* a manual record of the same pair gives way to the automatic one */
		ConnDepend *manual = find_record(refid, &addr);

		if (manual)
			ConnDependDelete(manual);
		dep.refconnid = refid;
		dep.classid = classid;
		dep.objid = objid;
		dep.deptype = CONN_DEP_OPTIONS;
		set_identity(&dep);
		ConnDependInsert(&dep);
	}
}

/*
 * connection.sync_option_dependency(classid, objid)
 *		The ddl_command_end helper (see sync_options).  A restore is told
 *		apart by who runs it and how: a superuser (only superusers load the
 *		extension's tables) with check_function_bodies off, as pg_dump's
 *		scripts set it.  For any other role the setting changes nothing:
 *		every reference needs an existing connection and USAGE on it.
 */
Datum
connection_sync_option_dependency(PG_FUNCTION_ARGS)
{
	if (ConnCatalogInstalled())
		sync_options(PG_GETARG_OID(0), PG_GETARG_OID(1),
					 superuser() && !check_function_bodies);
	PG_RETURN_VOID();
}

/*
 * Find a registered object again by its identity, inside a subtransaction
 * (pg_get_object_address raises an error for an object that does not
 * exist).  False when it is gone.
 */
static bool
resolve_identity(const ConnDepend *dep, ObjectAddress *addr)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	Oid			argtypes[3] = {TEXTOID, TEXTARRAYOID, TEXTARRAYOID};
	Datum		args[3];
	bool		found = false;

	args[0] = CStringGetTextDatum(dep->objtype);
	args[1] = PointerGetDatum(dep->objnames);
	args[2] = PointerGetDatum(dep->objargs);

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		if (SPI_execute_with_args("SELECT classid, objid, objsubid "
								  "FROM pg_catalog.pg_get_object_address($1, $2, $3)",
								  3, argtypes, args, NULL, true, 1) == SPI_OK_SELECT &&
			SPI_processed == 1)
		{
			bool		isnull;
			HeapTuple	tup = SPI_tuptable->vals[0];
			TupleDesc	desc = SPI_tuptable->tupdesc;

			addr->classId = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
			addr->objectId = DatumGetObjectId(SPI_getbinval(tup, desc, 2, &isnull));
			addr->objectSubId = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
			found = OidIsValid(addr->objectId);
		}
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(oldcxt);
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		found = false;
	}
	PG_END_TRY();
	return found;
}

/*
 * ConnDependResync
 *		Make every record agree with the catalogs: registered objects are
 *		found again by identity (their OIDs change in a restore), OPTIONS and
 *		property records are recomputed from the catalogs and connections.
 */
void
ConnDependResync(void)
{
	ListCell   *lc;

	/* see the rows the statement that fired us has just loaded */
	CommandCounterIncrement();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	foreach(lc, ConnDependAll())
	{
		ConnDepend *dep = lfirst(lc);
		ObjectAddress addr;

		if (dep->deptype == CONN_DEP_OPTIONS || dep->depconnid != 0)
			ConnDependDelete(dep);	/* recomputed below */
		else if (dep->objtype == NULL || !resolve_identity(dep, &addr))
			ConnDependDelete(dep);
		else if (addr.classId != dep->classid || addr.objectId != dep->objid ||
				 addr.objectSubId != dep->objsubid)
		{
			dep->classid = addr.classId;
			dep->objid = addr.objectId;
			dep->objsubid = addr.objectSubId;
			ConnDependUpdate(dep);
		}
	}

	/* every foreign server, foreign table and user mapping */
	if (SPI_execute("SELECT 'pg_catalog.pg_foreign_server'::pg_catalog.regclass::pg_catalog.oid, oid "
					"FROM pg_catalog.pg_foreign_server "
					"UNION ALL SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid, ftrelid "
					"FROM pg_catalog.pg_foreign_table "
					"UNION ALL SELECT 'pg_catalog.pg_user_mapping'::pg_catalog.regclass::pg_catalog.oid, oid "
					"FROM pg_catalog.pg_user_mapping", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list foreign objects");
	{
		SPITupleTable *tuptable = SPI_tuptable;
		uint64		n = SPI_processed;

		for (uint64 i = 0; i < n; i++)
		{
			bool		isnull;
			Oid			classid = DatumGetObjectId(SPI_getbinval(tuptable->vals[i], tuptable->tupdesc, 1, &isnull));
			Oid			objid = DatumGetObjectId(SPI_getbinval(tuptable->vals[i], tuptable->tupdesc, 2, &isnull));

			sync_options(classid, objid, true);
		}
	}

	foreach(lc, ConnCatalogAllRows(AccessShareLock))
	{
		ConnRow    *row = lfirst(lc);
		ConnProps	props;

		ConnRowProps(row, &props, false);
		ConnDependSyncProperties(row, &props, false);
	}
	SPI_finish();
}

/* connection.resync_dependencies() */
Datum
connection_resync_dependencies(PG_FUNCTION_ARGS)
{
	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be superuser to resynchronize connection dependencies")));
	PreventCommandIfReadOnly("connection.resync_dependencies()");
	ConnDependResync();
	PG_RETURN_VOID();
}

/*
 * connection_catalog_loaded
 *		Statement trigger on INSERT into the catalogs by plain SQL (our own
 *		writes bypass triggers): a restore loading them.  Resynchronize.
 */
Datum
connection_catalog_loaded(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("connection.catalog_loaded() must be called as a trigger")));
	/*
	 * Only a superuser loads rows (row level security); anyone else's
	 * INSERT loads none but still fires the statement trigger, and must not
	 * get the resynchronization run as itself, without USAGE checks.
	 */
	ConnCatalogSignalLoaded();
	if (superuser())
		ConnDependResync();
	return PointerGetDatum(NULL);
}

/*
 * connection_catalog_applied
 *		Row trigger on the catalog table, enabled for replicas only: the
 *		logical replication apply worker (and its initial copy) changed a
 *		connection.  Every backend's caches and the shared temporary
 *		credentials forget it at commit, and its property records (what its
 *		STORAGE_CONNECTION or SOURCE_CONNECTION names), which each server
 *		keeps for itself, are made again here.
 */
Datum
connection_catalog_applied(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	HeapTuple	tup;
	bool		isnull;
	int64		id;
	ConnRow    *row;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("connection.catalog_applied() must be called as a row trigger")));
	tup = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple : trigdata->tg_trigtuple;
	id = DatumGetInt64(heap_getattr(tup, 1, RelationGetDescr(trigdata->tg_relation), &isnull));
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		/* an id changed by hand: the old one's property records go */
		int64		oldid = DatumGetInt64(heap_getattr(trigdata->tg_trigtuple, 1,
													   RelationGetDescr(trigdata->tg_relation),
													   &isnull));

		if (oldid != id)
		{
			ListCell   *lc;

			foreach(lc, ConnDependByDependent(InvalidOid, 0, 0, oldid))
				ConnDependDelete(lfirst(lc));
			ConnStsSharedForgetConnection(oldid);
		}
	}

	ConnCatalogSignalChange();
	ConnCacheInvalidate();
	ConnStsSharedForgetConnection(id);

	CommandCounterIncrement();
	row = TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) ? NULL :
		ConnCatalogFetchById(id, CurrentMemoryContext);
	if (row)
	{
		ConnProps	props;

		ConnRowProps(row, &props, false);
		ConnDependSyncProperties(row, &props, false);
	}
	else
	{
		ListCell   *lc;

		foreach(lc, ConnDependByDependent(InvalidOid, 0, 0, id))
			ConnDependDelete(lfirst(lc));
	}
	return PointerGetDatum(NULL);
}

/*
 * connection.forget_dependent(classid, objid, objsubid)
 *		Forget the records of an object that no longer exists (sql_drop);
 *		an object that exists keeps them.
 */
Datum
connection_forget_dependent(PG_FUNCTION_ARGS)
{
	ObjectAddress addr;
	ListCell   *lc;
	char	   *desc;

	addr.classId = PG_GETARG_OID(0);
	addr.objectId = PG_GETARG_OID(1);
	addr.objectSubId = PG_GETARG_INT32(2);
	if (!ConnCatalogInstalled() || !supported_class(addr.classId))
		PG_RETURN_VOID();
	if (object_exists(&addr, &desc))
		PG_RETURN_VOID();
	foreach(lc, ConnDependByDependent(addr.classId, addr.objectId, addr.objectSubId, 0))
	{
		ConnDepend *dep = lfirst(lc);

		ConnDependDelete(dep);
		release_reservation(dep->refconnid);
	}
	PG_RETURN_VOID();
}
