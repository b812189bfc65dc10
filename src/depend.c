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
 * refused while foreign objects name the connection in their OPTIONS (their
 * owners must change those; see README).
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
#include "catalog/catalog.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "fmgr.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "cache.h"
#include "catalog.h"
#include "commands.h"
#include "depend.h"
#include "privileges.h"

PG_FUNCTION_INFO_V1(connection_add_dependency);
PG_FUNCTION_INFO_V1(connection_add_dependency_relation);
PG_FUNCTION_INFO_V1(connection_add_dependency_function);
PG_FUNCTION_INFO_V1(connection_remove_dependency);
PG_FUNCTION_INFO_V1(connection_remove_dependency_relation);
PG_FUNCTION_INFO_V1(connection_remove_dependency_function);
PG_FUNCTION_INFO_V1(connection_dependents);
PG_FUNCTION_INFO_V1(connection_sync_option_dependency);
PG_FUNCTION_INFO_V1(connection_forget_dependent);

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

/*
 * The live dependents of a connection, "<object>" strings in a list, in
 * the order of the records; records of vanished objects are removed.
 */
static List *
live_dependents(int64 connid, bool options_only)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, ConnDependByRef(connid))
	{
		ConnDepend *dep = lfirst(lc);
		char	   *kind;
		char	   *object;

		if (options_only && dep->deptype != CONN_DEP_OPTIONS)
			continue;
		if (!describe_dependent(dep, &kind, &object))
		{
			if (!RecoveryInProgress())
				ConnDependDelete(dep);
			continue;
		}
		result = lappend(result, object);
	}
	return result;
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
 * ConnDependBeforeDrop
 *		Before a connection is dropped: refuse (2BP01) while anything depends
 *		on it, unless force, which warns with the list instead; then forget
 *		every record of it, as referenced connection and as dependent.
 */
void
ConnDependBeforeDrop(const ConnRow *row, bool force)
{
	List	   *objects = live_dependents(row->id, false);
	ListCell   *lc;

	if (objects != NIL && !force)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("cannot drop connection %s because other objects depend on it", row->name),
				 errdetail("%s", dependents_detail(objects, row->name)),
				 errhint("Use force => true to drop it anyway; those objects will no longer reach their service.")));
	if (objects != NIL)
		ereport(WARNING,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("objects that depended on connection %s can no longer reach their service",
						row->name),
				 errdetail("%s", dependents_detail(objects, row->name))));

	foreach(lc, ConnDependByRef(row->id))
		ConnDependDelete(lfirst(lc));
	foreach(lc, ConnDependByDependent(InvalidOid, 0, 0, row->id))
		ConnDependDelete(lfirst(lc));
}

/*
 * ConnDependSyncProperties
 *		Make the property records of a connection (its STORAGE_CONNECTION,
 *		SOURCE_CONNECTION) agree with props.  The referenced connections are
 *		locked and checked already (commands.c).
 */
void
ConnDependSyncProperties(const ConnRow *row, const ConnProps *props)
{
	ListCell   *lc;

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
		Assert(ref != NULL);
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
 *		objects name it in their OPTIONS; point the properties of dependent
 *		connections at the new name.
 */
void
ConnDependBeforeRename(const ConnRow *row, const char *newname)
{
	List	   *objects = live_dependents(row->id, true);
	ListCell   *lc;

	if (objects != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("cannot rename connection %s because foreign objects name it in their options",
						row->name),
				 errdetail("%s", dependents_detail(objects, row->name)),
				 errhint("Drop the option connection from them, rename the connection, then add the option back with the new name.")));

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
 * The usable connection of a name, its name locked for writing dependency
 * records; reports 42704 / 42501.
 */
static ConnRow *
connection_for_records(const char *name)
{
	ConnRow    *row;

	ConnCatalogLockName(name, ShareUpdateExclusiveLock);
	row = ConnCatalogFetch(name, CurrentMemoryContext);
	if (row == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("connection \"%s\" does not exist", name)));
	ConnCheckUsage(row);
	return row;
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
	lock_existing_object(addr);

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

/*
 * ConnDependList
 *		(kind, object, description) of every live dependent of a connection,
 *		as three parallel lists of strings (description may be NULL).
 */
void
ConnDependList(int64 connid, List **kinds, List **objects, List **descriptions)
{
	ListCell   *lc;

	*kinds = *objects = *descriptions = NIL;
	foreach(lc, ConnDependByRef(connid))
	{
		ConnDepend *dep = lfirst(lc);
		char	   *kind;
		char	   *object;
		char	   *description = dep->description;

		if (!describe_dependent(dep, &kind, &object))
			continue;
		if (dep->deptype == CONN_DEP_PROPERTY)
			description = psprintf("property %s", dep->description);
		else if (dep->deptype == CONN_DEP_OPTIONS)
			description = pstrdup("OPTIONS (connection)");
		*kinds = lappend(*kinds, kind);
		*objects = lappend(*objects, object);
		*descriptions = lappend(*descriptions, description);
	}
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
	int64		id;
	List	   *kinds;
	List	   *objects;
	List	   *descriptions;

	InitMaterializedSRF(fcinfo, 0);
	id = ConnCacheGet(name)->id;
	ConnDependList(id, &kinds, &objects, &descriptions);
	for (int i = 0; i < list_length(kinds); i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false};
		char	   *description = list_nth(descriptions, i);

		values[0] = CStringGetTextDatum(list_nth(kinds, i));
		values[1] = CStringGetTextDatum(list_nth(objects, i));
		if (description)
			values[2] = CStringGetTextDatum(description);
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
 * connection.sync_option_dependency(classid, objid)
 *		Make the OPTIONS record of an object agree with its options: the
 *		connection named by its option "connection" (which must exist, 42704,
 *		and be usable by the current user, 42501), or none.
 */
Datum
connection_sync_option_dependency(PG_FUNCTION_ARGS)
{
	Oid			classid = PG_GETARG_OID(0);
	Oid			objid = PG_GETARG_OID(1);
	ObjectAddress addr = {classid, objid, 0};
	char	   *refname = NULL;
	ConnRow    *ref = NULL;
	ListCell   *lc;
	bool		recorded = false;

	if (!ConnCatalogInstalled())
		PG_RETURN_VOID();
	foreach(lc, object_options(classid, objid))
	{
		DefElem    *def = lfirst(lc);

		if (strcmp(def->defname, CONNECTION_OPTION) == 0)
			refname = ConnNormalizeName(defGetString(def), "connection name");
	}
	if (refname)
	{
		ConnCatalogLockName(refname, ShareUpdateExclusiveLock);
		ref = ConnCatalogFetch(refname, CurrentMemoryContext);
		if (ref == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("connection \"%s\" does not exist", refname),
					 errdetail("The options of %s name it.", getObjectDescription(&addr, false))));
		ConnCheckUsage(ref);
	}

	foreach(lc, ConnDependByDependent(classid, objid, 0, 0))
	{
		ConnDepend *dep = lfirst(lc);

		if (dep->deptype != CONN_DEP_OPTIONS)
			continue;
		if (ref && dep->refconnid == ref->id)
			recorded = true;
		else
			ConnDependDelete(dep);
	}
	if (ref && !recorded)
	{
		ConnDepend	dep = {0};

		/* a manual record of the same pair gives way to the automatic one */
		ConnDepend *manual = find_record(ref->id, &addr);

		if (manual)
			ConnDependDelete(manual);
		dep.refconnid = ref->id;
		dep.classid = classid;
		dep.objid = objid;
		dep.deptype = CONN_DEP_OPTIONS;
		ConnDependInsert(&dep);
	}
	PG_RETURN_VOID();
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
		ConnDependDelete(lfirst(lc));
	PG_RETURN_VOID();
}
