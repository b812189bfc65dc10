/*-------------------------------------------------------------------------
 *
 * privileges.c
 *	  Ownership and usage checks on connections.
 *
 * The owner of a connection, members of the owning role and superusers
 * manage it (alter, drop, replace) and may use its credentials.
 *
 * IDENTIFICATION
 *	  src/privileges.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/acl.h"

#include "privileges.h"

/*
 * ConnCheckOwner
 *		Report 42501 unless the current user has the privileges of the
 *		connection's owner.
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
 * ConnCheckUsage
 *		Report 42501 unless the current user may read the connection's
 *		decrypted properties.
 */
void
ConnCheckUsage(const ConnRow *row)
{
	if (!has_privs_of_role(GetUserId(), row->owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for connection %s", row->name)));
}

/*
 * ConnRoleName
 *		Name of a role, or "unknown (OID=n)" for a role that no longer exists
 *		(never an error: a dropped owner must not break show or desc).
 */
char *
ConnRoleName(Oid roleid)
{
	char	   *name = GetUserNameFromId(roleid, true);

	return name ? name : psprintf("unknown (OID=%u)", roleid);
}
