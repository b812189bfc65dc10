/*-------------------------------------------------------------------------
 *
 * privileges.c
 *	  Ownership and the USAGE privilege of connections, the SQL entry
 *	  points grant_usage(), revoke_usage() and has_usage(), and what
 *	  DROP ROLE, REASSIGN OWNED and DROP OWNED do to connections.
 *
 * Privileges are a PostgreSQL aclitem[] on each connection, read and changed
 * with PostgreSQL's own ACL routines, exactly like a foreign server's: NULL
 * stands for the default (the owner holds USAGE), the owner is the grantor
 * of every grant, and PUBLIC is ACL_ID_PUBLIC.  The owner, members of the
 * owning role and superusers always may use and manage a connection; USAGE
 * lets other roles read its decrypted properties.
 *
 * Roles.  Connections are rows of an extension table, not catalog objects,
 * so pg_shdepend knows nothing of them: hooks.c calls the role functions
 * below around DROP ROLE, REASSIGN OWNED and DROP OWNED.  They act on the
 * current database only, as REASSIGN OWNED and DROP OWNED do.
 *
 * IDENTIFICATION
 *	  src/privileges.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"

#include "cache.h"
#include "catalog.h"
#include "commands.h"
#include "connection.h"
#include "depend.h"
#include "privileges.h"

PG_FUNCTION_INFO_V1(connection_grant_usage);
PG_FUNCTION_INFO_V1(connection_grant_usage_text);
PG_FUNCTION_INFO_V1(connection_revoke_usage);
PG_FUNCTION_INFO_V1(connection_revoke_usage_text);
PG_FUNCTION_INFO_V1(connection_has_usage);

/* Longest list of objects in a DROP ROLE error, as in PostgreSQL. */
#define MAX_REPORTED_DEPS 100

/*
 * ConnCheckOwner
 *		Report 42501 unless the current user has the privileges of the
 *		connection's owner (superusers do).
 */
void
ConnCheckOwner(const ConnRow *row)
{
	if (!has_privs_of_role(GetUserId(), row->owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of connection %s", row->name)));
}

/*
 * ConnRowAcl
 *		The effective ACL of a connection (the default when NULL).
 */
Acl *
ConnRowAcl(const ConnRow *row)
{
	return row->acl ? row->acl : acldefault(OBJECT_FOREIGN_SERVER, row->owner);
}

/*
 * ConnHasUsage
 *		May roleid read the connection's decrypted properties?
 */
bool
ConnHasUsage(const ConnRow *row, Oid roleid)
{
	if (OidIsValid(roleid) && has_privs_of_role(roleid, row->owner))
		return true;
	return aclmask(ConnRowAcl(row), roleid, row->owner, ACL_USAGE, ACLMASK_ANY) != 0;
}

/*
 * ConnCheckUsage
 *		Report 42501 unless the current user may use the connection.
 */
void
ConnCheckUsage(const ConnRow *row)
{
	if (!ConnHasUsage(row, GetUserId()))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for connection %s", row->name)));
}

/*
 * ConnChangeOwner
 *		Give a row a new owner, carrying its grants over as ALTER ... OWNER
 *		TO does.
 */
void
ConnChangeOwner(ConnRow *row, Oid newowner)
{
	if (row->acl)
		row->acl = aclnewowner(row->acl, row->owner, newowner);
	row->owner = newowner;
}

/*
 * ConnRoleName
 *		Name of a role, or "unknown (OID=n)" for one that no longer exists
 *		(never an error: a dropped owner must not break show or desc).
 */
char *
ConnRoleName(Oid roleid)
{
	char	   *name = GetUserNameFromId(roleid, true);

	return name ? name : psprintf("unknown (OID=%u)", roleid);
}

/*
 * Grant or revoke USAGE on a connection to or from grantee (ACL_ID_PUBLIC
 * for PUBLIC).  Owner, members of the owning role and superusers only.
 */
static void
change_usage(FunctionCallInfo fcinfo, bool grant, Oid grantee)
{
	char	   *name = ConnArgName(fcinfo, 0);
	ConnRow    *row;
	AclItem		item;
	Acl		   *oldacl;
	Acl		   *newacl;

	PreventCommandIfReadOnly(grant ? "connection.grant_usage()" : "connection.revoke_usage()");
	row = ConnFetchOwned(name, NULL);

	item.ai_grantee = grantee;
	item.ai_grantor = row->owner;
	ACLITEM_SET_PRIVS_GOPTIONS(item, ACL_USAGE, ACL_NO_RIGHTS);
	oldacl = ConnRowAcl(row);
	newacl = aclupdate(oldacl, &item, grant ? ACL_MODECHG_ADD : ACL_MODECHG_DEL,
					   row->owner, DROP_RESTRICT);
	if (!aclequal(oldacl, newacl))
	{
		row->acl = newacl;
		ConnCatalogUpdate(row);
		ConnCacheInvalidate();
	}
}

/* A grantee given as regrole: '-' (InvalidOid) means PUBLIC. */
static Oid
arg_regrole(FunctionCallInfo fcinfo, int argno)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("role must not be null")));
	return PG_GETARG_OID(argno);
}

/* A grantee given as text: a role name, or PUBLIC in any case. */
static Oid
arg_grantee_text(FunctionCallInfo fcinfo, int argno)
{
	char	   *grantee = ConnArgText(fcinfo, argno, "role");

	if (pg_strcasecmp(grantee, "public") == 0)
		return ACL_ID_PUBLIC;
	return get_role_oid(grantee, false);
}

/* connection.grant_usage(name text, grantee regrole) */
Datum
connection_grant_usage(PG_FUNCTION_ARGS)
{
	change_usage(fcinfo, true, arg_regrole(fcinfo, 1));
	PG_RETURN_VOID();
}

/* connection.grant_usage(name text, grantee text): also 'public' */
Datum
connection_grant_usage_text(PG_FUNCTION_ARGS)
{
	change_usage(fcinfo, true, arg_grantee_text(fcinfo, 1));
	PG_RETURN_VOID();
}

/* connection.revoke_usage(name text, grantee regrole) */
Datum
connection_revoke_usage(PG_FUNCTION_ARGS)
{
	change_usage(fcinfo, false, arg_regrole(fcinfo, 1));
	PG_RETURN_VOID();
}

/* connection.revoke_usage(name text, grantee text): also 'public' */
Datum
connection_revoke_usage_text(PG_FUNCTION_ARGS)
{
	change_usage(fcinfo, false, arg_grantee_text(fcinfo, 1));
	PG_RETURN_VOID();
}

/*
 * connection.has_usage(name text, role regrole DEFAULT current_user)
 *		May the role read the connection's credentials (enabled or not)?
 */
Datum
connection_has_usage(PG_FUNCTION_ARGS)
{
	char	   *name = ConnArgName(fcinfo, 0);
	Oid			roleid = arg_regrole(fcinfo, 1);

	PG_RETURN_BOOL(ConnHasUsage(ConnCacheGet(name), roleid));
}

/*
 * ConnCheckDropRole
 *		Before DROP ROLE: refuse (2BP01) while the role owns connections of
 *		this database or holds privileges on them, listing them as DROP ROLE
 *		lists other objects.
 */
void
ConnCheckDropRole(Oid roleid, const char *rolename)
{
	ListCell   *lc;
	StringInfoData detail;
	int			n = 0;

	initStringInfo(&detail);
	foreach(lc, ConnCatalogAllRows(AccessShareLock))
	{
		ConnRow    *row = lfirst(lc);
		const char *what = NULL;

		if (row->owner == roleid)
			what = "owner of connection %s";
		else if (row->acl)
		{
			Oid		   *members;
			int			nmembers = aclmembers(row->acl, &members);

			for (int i = 0; i < nmembers; i++)
				if (members[i] == roleid)
					what = "privileges for connection %s";
		}
		if (what == NULL)
			continue;
		if (n++ < MAX_REPORTED_DEPS)
		{
			if (detail.len > 0)
				appendStringInfoChar(&detail, '\n');
			appendStringInfo(&detail, what, row->name);
		}
	}

	foreach(lc, ConnReservationsOwnedBy(list_make1_oid(roleid)))
	{
		ConnReservation *res = lfirst(lc);

		if (n++ < MAX_REPORTED_DEPS)
		{
			if (detail.len > 0)
				appendStringInfoChar(&detail, '\n');
			appendStringInfo(&detail, "owner of the reserved name of dropped connection %s", res->name);
		}
	}

	if (n > MAX_REPORTED_DEPS)
		appendStringInfo(&detail, "\nand %d other connections", n - MAX_REPORTED_DEPS);
	if (n > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("role \"%s\" cannot be dropped because some objects depend on it",
						rolename),
				 errdetail_internal("%s", detail.data),
				 errhint("Use REASSIGN OWNED or DROP OWNED, or connection.alter() and connection.revoke_usage().")));
}

/*
 * The rows of this database's connections that pass a test, each with its
 * name locked for writing and read again under that lock.  Only the names
 * of rows that the test picks are locked (a role that REASSIGNs or DROPs
 * what it owns must not hold up everybody else's connections).
 */
static List *
lock_rows(bool (*wanted) (const ConnRow *row, List *roleids), List *roleids)
{
	List	   *rows = NIL;
	ListCell   *lc;

	foreach(lc, ConnCatalogAllRows(AccessShareLock))
	{
		ConnRow    *row = lfirst(lc);

		if (!wanted(row, roleids))
			continue;
		ConnCatalogLockNames(row->name, NULL);
		row = ConnCatalogFetch(row->name, CurrentMemoryContext);
		if (row && wanted(row, roleids))
			rows = lappend(rows, row);
	}
	return rows;
}

static bool
owned_by(const ConnRow *row, List *roleids)
{
	return list_member_oid(roleids, row->owner);
}

/* Owned by one of the roles, or granting them something. */
static bool
owned_or_granted(const ConnRow *row, List *roleids)
{
	Oid		   *members;
	int			nmembers;

	if (owned_by(row, roleids))
		return true;
	if (row->acl == NULL)
		return false;
	nmembers = aclmembers(row->acl, &members);
	for (int i = 0; i < nmembers; i++)
		if (list_member_oid(roleids, members[i]))
			return true;
	return false;
}

/* Give the names reserved for roleids to newowner. */
static void
reassign_reservations(List *roleids, Oid newowner)
{
	ListCell   *lc;

	foreach(lc, ConnReservationsOwnedBy(roleids))
	{
		ConnReservation *res = lfirst(lc);

		ConnCatalogLockNames(res->name, NULL);
		ConnReservationSetOwner(res, newowner);
	}
}

/*
 * ConnReassignOwned
 *		After REASSIGN OWNED BY roleids TO newowner: give their connections
 *		and reserved names to newowner.
 */
void
ConnReassignOwned(List *roleids, Oid newowner)
{
	ListCell   *lc;
	bool		changed = false;

	reassign_reservations(roleids, newowner);

	foreach(lc, lock_rows(owned_by, roleids))
	{
		ConnRow    *row = lfirst(lc);

		if (row->owner == newowner)
			continue;
		ConnChangeOwner(row, newowner);
		ConnCatalogUpdate(row);
		changed = true;
	}
	if (changed)
		ConnCacheInvalidate();
}

/*
 * ConnDropOwned
 *		After DROP OWNED BY roleids: drop their connections (refusing, as
 *		drop() does, while other objects depend on them, unless cascade),
 *		revoke their privileges on the others, and give the names reserved
 *		for them to the bootstrap superuser (objects still use them).
 */
void
ConnDropOwned(List *roleids, bool cascade)
{
	ListCell   *lc;
	bool		changed = false;

	/* a name stays reserved while objects use it: for superusers only */
	reassign_reservations(roleids, BOOTSTRAP_SUPERUSERID);

	foreach(lc, lock_rows(owned_or_granted, roleids))
	{
		ConnRow    *row = lfirst(lc);
		ListCell   *rc;
		Acl		   *newacl;

		if (owned_by(row, roleids))
		{
			ConnDependBeforeDrop(row, cascade);
			ConnCatalogDelete(row);
			changed = true;
			continue;
		}
		newacl = row->acl;
		foreach(rc, roleids)
		{
			AclItem		item;

			item.ai_grantee = lfirst_oid(rc);
			item.ai_grantor = row->owner;
			ACLITEM_SET_PRIVS_GOPTIONS(item, ACL_ALL_RIGHTS_FOREIGN_SERVER,
									   ACL_ALL_RIGHTS_FOREIGN_SERVER);
			newacl = aclupdate(newacl, &item, ACL_MODECHG_DEL, row->owner, DROP_CASCADE);
		}
		if (!aclequal(newacl, row->acl))
		{
			row->acl = newacl;
			ConnCatalogUpdate(row);
			changed = true;
		}
	}
	if (changed)
		ConnCacheInvalidate();
}
