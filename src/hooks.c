/*-------------------------------------------------------------------------
 *
 * hooks.c
 *	  The extension's ProcessUtility hook: DROP ROLE, REASSIGN OWNED and
 *	  DROP OWNED take connections into account.
 *
 * The hook is installed whenever the library is loaded, but it only sees
 * every statement when the library is preloaded (shared_preload_libraries or
 * session_preload_libraries); otherwise a backend that never called one of
 * the extension's functions lets DROP ROLE orphan connections (show() and
 * desc() then print the owner as "unknown (OID=n)", and superusers can give
 * them a new owner).  The hook always calls the previous hook or the
 * standard function, and costs one node-tag test for other statements.
 * It acts only in databases where the extension is installed.
 *
 * IDENTIFICATION
 *	  src/hooks.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "utils/acl.h"

#include "catalog.h"
#include "hooks.h"
#include "privileges.h"

static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/* OIDs of a list of RoleSpecs; missing roles are skipped if missing_ok. */
static List *
role_oids(List *roles, bool missing_ok)
{
	List	   *oids = NIL;
	ListCell   *lc;

	foreach(lc, roles)
	{
		Oid			roleid = get_rolespec_oid(lfirst(lc), missing_ok);

		if (OidIsValid(roleid))
			oids = lappend_oid(oids, roleid);
	}
	return oids;
}

static void
conn_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
					bool readOnlyTree, ProcessUtilityContext context,
					ParamListInfo params, QueryEnvironment *queryEnv,
					DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;
	NodeTag		tag = nodeTag(parsetree);
	bool		ours = (tag == T_DropRoleStmt || tag == T_ReassignOwnedStmt ||
						tag == T_DropOwnedStmt) && ConnCatalogInstalled();

	if (ours && tag == T_DropRoleStmt)
	{
		DropRoleStmt *stmt = (DropRoleStmt *) parsetree;
		ListCell   *lc;

		foreach(lc, stmt->roles)
		{
			RoleSpec   *spec = lfirst(lc);
			Oid			roleid = get_rolespec_oid(spec, true);

			/* a missing role is the standard code's to report */
			if (OidIsValid(roleid))
				ConnCheckDropRole(roleid, get_rolespec_name(spec));
		}
	}

	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree, context,
							params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);

	/* the standard code has checked the caller's right to do these */
	if (ours && tag == T_ReassignOwnedStmt)
	{
		ReassignOwnedStmt *stmt = (ReassignOwnedStmt *) parsetree;

		ConnReassignOwned(role_oids(stmt->roles, false),
						  get_rolespec_oid(stmt->newrole, false));
	}
	else if (ours && tag == T_DropOwnedStmt)
		ConnDropOwned(role_oids(((DropOwnedStmt *) parsetree)->roles, false));
}

void
ConnInstallHooks(void)
{
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = conn_ProcessUtility;
}
