/*-------------------------------------------------------------------------
 *
 * hooks.c
 *	  The extension's hooks into statement processing:
 *	  - ProcessUtility: DROP ROLE, REASSIGN OWNED and DROP OWNED take
 *		connections into account;
 *	  - post_parse_analyze: SHOW CONNECTIONS, which the grammar reads as SHOW
 *		of a configuration parameter named "connections", becomes the query
 *		SELECT * FROM connection.show(), in both protocols;
 *	  - emit_log_hook: no message logged while a statement that passes
 *		secrets runs shows them (see below and redact.c).
 *
 * The hooks are installed whenever the library is loaded, but they only see
 * every statement when the library is preloaded (shared_preload_libraries or
 * session_preload_libraries); otherwise a backend that never called one of
 * the extension's functions lets DROP ROLE orphan connections (show() and
 * desc() then print the owner as "unknown (OID=n)", and superusers can give
 * them a new owner), and SHOW CONNECTIONS is an unknown parameter.  Each
 * hook always calls the previous hook or the standard function, costs a
 * node-tag test for other statements, and acts only in databases where the
 * extension is installed (the log hook acts everywhere: a statement can
 * fail before anything knows whether the extension is there).
 *
 * Log redaction.  When a message is about to reach the server log while
 * the current statement (debug_query_string) passes secrets:
 * - debug_query_string is pointed at the statement's redacted copy for as
 *	 long as the statement runs, so STATEMENT lines and the query fields of
 *	 csvlog and jsonlog show the redacted text;
 * - the statement's text inside the message, detail, hint, context and
 *	 internal query (log_statement, log_min_duration_statement, auto_explain,
 *	 "SQL statement" context lines) is replaced by the redacted copy;
 * - every quoted value in the reports of PostgreSQL that can echo input
 *	 (data exceptions such as input syntax errors, plans, the "at or near"
 *	 of syntax errors) is replaced by ***, as are bind parameter values in
 *	 DETAIL and in "with parameters" context lines, and JSON input echoes;
 *	 other reports (a role that does not exist, say) keep their quoted
 *	 names, and the extension's own messages never contain a value.
 * A statement that does not even lex cannot be scanned: if it mentions a
 * secret-taking function it is hidden whole.  The copies live in
 * TopMemoryContext until the next such statement; the original is zeroed
 * before it is freed.
 *
 * IDENTIFICATION
 *	  src/hooks.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/analyze.h"
#include "parser/parser.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/elog.h"
#include "utils/memutils.h"

#include "catalog.h"
#include "hooks.h"
#include "privileges.h"
#include "redact.h"

static ProcessUtility_hook_type prev_ProcessUtility = NULL;
static post_parse_analyze_hook_type prev_post_parse_analyze = NULL;
static emit_log_hook_type prev_emit_log_hook = NULL;

/* the last statement found to pass secrets, and its redacted copy */
static char *secret_statement = NULL;
static char *redacted_statement = NULL;

#define HIDDEN_STATEMENT "(statement hidden: it passes secrets to the connection extension)"

/* source files of the extension: their messages never contain values */
static const char *const own_files[] = {
	"cache.c", "commands.c", "credentials.c", "crypto.c", "depend.c", "describe.c",
	"execute.c", "hooks.c", "http.c", "presign.c", "privileges.c", "redact.c", "registry.c",
	"sign.c", "sts.c", NULL
};

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
	{
		DropOwnedStmt *stmt = (DropOwnedStmt *) parsetree;

		ConnDropOwned(role_oids(stmt->roles, false), stmt->behavior == DROP_CASCADE);
	}
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

static bool
raised_by_extension(const ErrorData *edata)
{
	for (int i = 0; edata->filename && own_files[i]; i++)
		if (strcmp(edata->filename, own_files[i]) == 0)
			return true;
	return false;
}

/* Is this the report of text that does not lex (so it must not be scanned)? */
static bool
lexical_error(const ErrorData *edata)
{
	return edata->sqlerrcode == ERRCODE_SYNTAX_ERROR ||
		edata->sqlerrcode == ERRCODE_INVALID_ESCAPE_SEQUENCE ||
		edata->sqlerrcode == ERRCODE_NONSTANDARD_USE_OF_ESCAPE_CHARACTER ||
		edata->sqlerrcode == ERRCODE_UNTRANSLATABLE_CHARACTER;
}

/*
 * Can this report of PostgreSQL's echo the values of the statement?  Data
 * exceptions do (input syntax errors of json, numbers, ... quote their
 * input), and so do plans (auto_explain shows constants); others quote
 * names, which stay readable.
 */
static bool
echoes_input(const ErrorData *edata)
{
	return ERRCODE_TO_CATEGORY(edata->sqlerrcode) == ERRCODE_DATA_EXCEPTION ||
		(edata->message && strstr(edata->message, "plan:") != NULL);
}

/* Is this a DETAIL listing bind parameters ("parameters: $1 = '...'")? */
static bool
is_parameters(const char *detail)
{
	return detail && strncmp(detail, "parameters: ", 12) == 0;
}

/* Keep copies of a statement that passes secrets and of its redacted form. */
static void
remember_statement(const char *statement, const char *redacted)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

	if (secret_statement)
	{
		explicit_bzero(secret_statement, strlen(secret_statement));
		pfree(secret_statement);
		pfree(redacted_statement);
	}
	secret_statement = pstrdup(statement);
	redacted_statement = pstrdup(redacted ? redacted : HIDDEN_STATEMENT);
	MemoryContextSwitchTo(old);
}

/*
 * Redact an error context (see the file header): statements of "SQL
 * statement" lines, JSON input echoes, parameter values, and with quoted
 * every quoted value.
 */
static char *
redact_context(char *context, bool quoted)
{
	StringInfoData buf;
	char	   *copy;
	char	   *save;
	bool		first = true;

	if (context == NULL)
		return NULL;
	context = ConnRedactSqlStatements(context);
	initStringInfo(&buf);
	copy = pstrdup(context);
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
	{
		if (!first)
			appendStringInfoChar(&buf, '\n');
		first = false;
		if (strncmp(line, "JSON data", 9) == 0)
			appendStringInfoString(&buf, "JSON data: ***");
		else if (strncmp(line, "SQL statement \"", 15) == 0)
			appendStringInfoString(&buf, line);		/* done above */
		else
			appendStringInfoString(&buf,
								   ConnReplaceStatement(line, secret_statement, redacted_statement,
														quoted || strstr(line, "with parameters:") != NULL));
	}
	return buf.data;
}

/*
 * A report made while no statement is current (a plan that auto_explain
 * logs when the extended protocol's Sync ends the portal, say), or while
 * one runs that passes no secret itself (a function whose body does): judge
 * it by its own text, and redact every quoted value if it shows a
 * secret-taking call or the text of the last statement that passed secrets.
 */
static void
redact_orphan_report(ErrorData *edata)
{
	char	  **texts[] = {&edata->message, &edata->detail, &edata->detail_log,
	&edata->context, &edata->internalquery};
	bool		secret = false;

	for (int i = 0; i < lengthof(texts); i++)
	{
		char	   *t = *texts[i];

		if (t && (ConnMentionsSecretCall(t) ||
				  (secret_statement && strstr(t, secret_statement))))
			secret = true;
	}
	if (!secret)
		return;
	for (int i = 0; i < lengthof(texts); i++)
		if (*texts[i])
			*texts[i] = ConnRedactQuoted(ConnRedactSqlStatements(*texts[i]));
}

/* Make a report about to be logged safe (see the file header). */
static void
redact_report(ErrorData *edata)
{
	const char *query = debug_query_string;
	bool		core = !raised_by_extension(edata);
	bool		quoted;

	if (query == NULL)
	{
		if (core)
			redact_orphan_report(edata);
		return;
	}
	if (query != redacted_statement)
	{
		char	   *redacted;
		bool		can_scan = !lexical_error(edata) &&
			(standard_conforming_strings || strstr(query, "&'") == NULL);

		if (!ConnStatementPassesSecrets(query, can_scan, &redacted))
		{
			/* a nested statement may still show a call (auto_explain, contexts) */
			if (core)
				redact_orphan_report(edata);
			return;
		}
		remember_statement(query, redacted);
		debug_query_string = redacted_statement;
	}

	if (core)
		edata->message = ConnRedactNear(edata->message);
	quoted = core && echoes_input(edata);
	edata->message = ConnReplaceStatement(edata->message, secret_statement, redacted_statement, quoted);
	edata->detail = ConnReplaceStatement(edata->detail, secret_statement, redacted_statement,
										 quoted || is_parameters(edata->detail));
	edata->detail_log = ConnReplaceStatement(edata->detail_log, secret_statement, redacted_statement,
											 quoted || is_parameters(edata->detail_log));
	edata->hint = ConnReplaceStatement(edata->hint, secret_statement, redacted_statement, quoted);
	edata->internalquery = ConnReplaceStatement(edata->internalquery, secret_statement,
												redacted_statement, true);
	edata->context = redact_context(edata->context, quoted);
}

static void
conn_emit_log_hook(ErrorData *edata)
{
	if (edata->output_to_server)
		redact_report(edata);
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

void
ConnInstallHooks(void)
{
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = conn_emit_log_hook;
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = conn_ProcessUtility;
	prev_post_parse_analyze = post_parse_analyze_hook;
	post_parse_analyze_hook = conn_post_parse_analyze;
}
