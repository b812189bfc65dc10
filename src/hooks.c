/*-------------------------------------------------------------------------
 *
 * hooks.c
 *	  The extension's hooks into statement processing:
 *	  - ProcessUtility: DROP ROLE, REASSIGN OWNED and DROP OWNED take
 *		connections into account;
 *	  - post_parse_analyze: SHOW CONNECTIONS, which the grammar reads as SHOW
 *		of a configuration parameter named "connections", becomes the query
 *		SELECT * FROM connection.show(), in both protocols.
 *
 * The hooks are installed whenever the library is loaded, but they only see
 * every statement when the library is preloaded (shared_preload_libraries or
 * session_preload_libraries); otherwise a backend that never called one of
 * the extension's functions lets DROP ROLE orphan connections (show() and
 * desc() then print the owner as "unknown (OID=n)", and superusers can give
 * them a new owner), and SHOW CONNECTIONS is an unknown parameter.  Each
 * hook always calls the previous hook or the standard function, costs a
 * node-tag test for other statements, and acts only in databases where the
 * extension is installed.
 *
 * IDENTIFICATION
 *	  src/hooks.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "nodes/parsenodes.h"
#include "parser/analyze.h"
#include "parser/parser.h"
#include "tcop/utility.h"
#include "utils/acl.h"

#include "catalog.h"
#include "hooks.h"
#include "privileges.h"

static ProcessUtility_hook_type prev_ProcessUtility = NULL;
static post_parse_analyze_hook_type prev_post_parse_analyze = NULL;

#define SHOW_CONNECTIONS_QUERY "SELECT * FROM connection.show()"

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

/*
 * Turn the analyzed utility statement SHOW CONNECTIONS into the analyzed
 * SELECT * FROM connection.show(), in place, keeping what identifies the
 * original statement (its place in the query string, its query id).
 */
static void
conn_post_parse_analyze(ParseState *pstate, Query *query, JumbleState *jstate)
{
	RawStmt    *raw;
	Query	   *select;

	if (prev_post_parse_analyze)
		prev_post_parse_analyze(pstate, query, jstate);

	if (query->commandType != CMD_UTILITY ||
		!IsA(query->utilityStmt, VariableShowStmt) ||
		strcmp(((VariableShowStmt *) query->utilityStmt)->name, "connections") != 0 ||
		!ConnCatalogInstalled())
		return;

	raw = linitial_node(RawStmt, raw_parser(SHOW_CONNECTIONS_QUERY, RAW_PARSE_DEFAULT));
	select = parse_analyze_fixedparams(raw, SHOW_CONNECTIONS_QUERY, NULL, 0, NULL);
	select->queryId = query->queryId;
	select->canSetTag = query->canSetTag;
	select->stmt_location = query->stmt_location;
	select->stmt_len = query->stmt_len;
	memcpy(query, select, sizeof(Query));
}

void
ConnInstallHooks(void)
{
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = conn_ProcessUtility;
	prev_post_parse_analyze = post_parse_analyze_hook;
	post_parse_analyze_hook = conn_post_parse_analyze;
}
