/*-------------------------------------------------------------------------
 *
 * hooks.c
 *	  The extension's hooks into statement processing:
 *	  - ProcessUtility: DROP ROLE, REASSIGN OWNED and DROP OWNED take
 *		connections into account, only superusers may LOCK the catalog, and
 *		COPY to or from a connection:// URI is an import or an export
 *		through the connection (transfer.c);
 *	  - post_parse_analyze: SHOW CONNECTIONS, which the grammar reads as SHOW
 *		of a configuration parameter named "connections", becomes a query of
 *		the extension's show(); a statement that passes secrets is known as
 *		one before it runs;
 *	  - emit_log_hook: no report about a statement that passes secrets shows
 *		them (see below and redact.c);
 *	  - (sub)transaction abort callbacks: a statement that failed before any
 *		hook knew it is shown redacted in pg_stat_activity.
 *
 * The hooks are installed whenever the library is loaded, but they only see
 * every statement when the library is preloaded (shared_preload_libraries or
 * session_preload_libraries); otherwise a backend that never called one of
 * the extension's functions lets DROP ROLE orphan connections, SHOW
 * CONNECTIONS is an unknown parameter, and COPY takes a connection:// URI
 * for a file name.  Each hook always calls the previous
 * hook or the standard function, costs a node-tag test or a substring test
 * for other statements, and acts only in databases where pg_extension says
 * the extension is installed (the log hook acts everywhere).  No hook calls
 * an object found by name: SHOW CONNECTIONS runs the show() function that
 * pg_depend says belongs to the extension.
 *
 * Statements that pass secrets.  A top-level statement passes secrets when
 * its text does (redact.c: a call of create(), alter() or execute() in any
 * spelling, an EXECUTE of a prepared statement that makes one, a string
 * constant that does), or when one of those functions runs while it is
 * current: they mark it (ConnMarkSecretStatement), which covers wrappers
 * and dynamic SQL.  From then on, and as early as parse analysis for the
 * text-recognized ones:
 * - debug_query_string points at the statement's redacted copy, so STATEMENT
 *	 lines, csvlog and jsonlog fields and parallel workers see that;
 * - pg_stat_activity shows the redacted copy (so do crash reports and the
 *	 other side of a deadlock report, which read it from there);
 * - in every report's texts, the statement (and the prepared statements it
 *	 runs) are replaced by their redacted copies, bind parameter values are
 *	 masked, and so is every fragment of the values it carries (redact.c),
 *	 whatever language the report is in;
 * - PostgreSQL's own reports (known by their message domain: the
 *	 extension's messages never contain a value) that echo input -- data
 *	 exceptions such as input syntax errors, syntax errors, and errors
 *	 about a bind parameter (whose value the text does not show) -- lose
 *	 the arguments of their message (rendered again from its format, in
 *	 the report's language), and data exceptions their detail and context;
 *	 node trees lose their constants.
 * Reports made while no statement is current, or an ordinary one (a plan
 * that auto_explain logs when a portal ends, a nested statement), are
 * judged by their own text: one that shows a secret-taking call is
 * redacted like SQL, and the last statement that passed secrets is
 * replaced wherever it appears until the next statement begins.
 *
 * The log hook never reports anything itself and touches no catalog.  A
 * report made while it works (none is expected) is not logged if it is
 * below ERROR, so the hook cannot re-enter itself.  Copies of a statement
 * that passes secrets live in a memory context that is wiped when the
 * next statement begins.
 *
 * IDENTIFICATION
 *	  src/hooks.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "commands/defrem.h"
#include "commands/extension.h"
#include "executor/executor.h"
#include "nodes/nodeFuncs.h"
#include "rewrite/rewriteHandler.h"
#include "utils/rel.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/analyze.h"
#include "parser/parser.h"
#include "pgstat.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "utils/elog.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "catalog.h"
#include "connection.h"
#include "hooks.h"
#include "privileges.h"
#include "redact.h"
#include "transfer.h"
#include "wipe.h"

static ProcessUtility_hook_type prev_ProcessUtility = NULL;
static ExecutorStart_hook_type prev_ExecutorStart = NULL;
static post_parse_analyze_hook_type prev_post_parse_analyze = NULL;
static emit_log_hook_type prev_emit_log_hook = NULL;

/* The last top-level statement that passed secrets. */
typedef struct SecretStatement
{
	MemoryContext cxt;			/* everything below; wiped when reset */
	bool		active;
	char	   *raw;			/* its text, as PostgreSQL has it */
	char	   *redacted;		/* debug_query_string while it runs */
	List	   *others;			/* raw, redacted, raw, ...: prepared statements */
	List	   *constants;		/* its decoded string constants */
	ConnFragments *fragments;	/* of those, made when a report needs them */
} SecretStatement;

static SecretStatement secret = {NULL, false, NULL, NULL, NIL, NIL, NULL};

/*
 * The last top-level text found to pass no secret, so that the hooks that
 * run many times per statement (ExecutorStart) judge it once: the same
 * text of the same protocol message (statement_timestamp()).
 */
#define ORDINARY_PREFIX 64
static const char *ordinary_query = NULL;
static TimestampTz ordinary_ts;
static char ordinary_prefix[ORDINARY_PREFIX];

/* Work space of the log hook, reset after each report. */
static MemoryContext HookContext = NULL;
static bool in_log_hook = false;

#define HIDDEN_DETAIL "(hidden: it may quote a value passed to the connection extension)"

/* ---------------------------------------------------------------------
 * Statements that pass secrets
 * ---------------------------------------------------------------------
 */

/* Show text as the backend's activity, keeping the query id. */
static void
report_activity(const char *text)
{
	uint64		query_id = pgstat_get_my_query_id();

	pgstat_report_activity(STATE_RUNNING, text);
	pgstat_report_query_id(query_id, true);
}

/* Forget (and wipe) the last statement that passed secrets. */
static void
forget_secret(void)
{
	if (secret.active)
		MemoryContextReset(secret.cxt);
	secret.active = false;
	secret.raw = secret.redacted = NULL;
	secret.others = NIL;
	secret.constants = NIL;
	secret.fragments = NULL;
}

/*
 * The fragments of the current statement's constants (redact.c), made on
 * first use: most statements that pass secrets never report anything.
 */
static ConnFragments *
secret_fragments(void)
{
	if (secret.fragments == NULL)
		secret.fragments = ConnFragmentsCreate(secret.cxt, secret.constants);
	return secret.fragments;
}

/* Copies of a text and of its constants, all wiped with secret.cxt. */
static char *
keep_text(const char *text, List **constants)
{
	List	   *found = NIL;
	ListCell   *lc;
	char	   *redacted = ConnSqlRedact(text, &found);

	foreach(lc, found)
		ConnWipeOnReset(secret.cxt, lfirst(lc), strlen(lfirst(lc)));
	*constants = list_concat(*constants, found);
	return redacted;
}

/*
 * Make query (the current top-level statement's text) the statement that
 * passes secrets; prepared lists the texts of the prepared statements it
 * runs.  Called from the hooks and from the extension's functions; reports
 * nothing.
 */
static void
begin_secret(const char *query, List *prepared)
{
	MemoryContext old;
	List	   *constants = NIL;
	ListCell   *lc;

	if (secret.cxt == NULL)
		secret.cxt = AllocSetContextCreate(TopMemoryContext, "connection secret statement",
										   ALLOCSET_SMALL_SIZES);
	forget_secret();
	old = MemoryContextSwitchTo(secret.cxt);
	secret.raw = ConnStrdupWiped(secret.cxt, query, strlen(query));
	secret.redacted = keep_text(query, &constants);
	foreach(lc, prepared)
	{
		const char *text = lfirst(lc);

		secret.others = lappend(secret.others, ConnStrdupWiped(secret.cxt, text, strlen(text)));
		secret.others = lappend(secret.others, keep_text(text, &constants));
	}
	secret.constants = constants;
	secret.active = true;
	MemoryContextSwitchTo(old);

	debug_query_string = secret.redacted;
	report_activity(secret.redacted);
}

/*
 * Is the current top-level statement one that passes secrets?  Recognizes
 * a new statement by its text (and forgets the last one when it is not).
 */
static bool
current_is_secret(void)
{
	const char *query = debug_query_string;
	List	   *prepared;

	if (query == NULL)
		return false;
	if (secret.active && query == secret.redacted)
		return true;
	if (query == ordinary_query && GetCurrentStatementStartTimestamp() == ordinary_ts &&
		strncmp(query, ordinary_prefix, ORDINARY_PREFIX) == 0)
		return false;
	if (ConnSqlPassesSecrets(query, &prepared))
	{
		begin_secret(query, prepared);
		return true;
	}
	forget_secret();
	ordinary_query = query;
	ordinary_ts = GetCurrentStatementStartTimestamp();
	strncpy(ordinary_prefix, query, ORDINARY_PREFIX);
	return false;
}

/*
 * ConnMarkSecretStatement
 *		The extension's secret-taking functions call this first: whatever
 *		its text, the running top-level statement passes secrets.
 */
void
ConnMarkSecretStatement(void)
{
	MemoryContext old;
	List	   *prepared = NIL;

	if (debug_query_string == NULL ||
		(secret.active && debug_query_string == secret.redacted))
		return;
	old = MemoryContextSwitchTo(CurrentMemoryContext);
	(void) ConnSqlPassesSecrets(debug_query_string, &prepared);
	begin_secret(debug_query_string, prepared);
	MemoryContextSwitchTo(old);
}

/* ---------------------------------------------------------------------
 * The log hook
 * ---------------------------------------------------------------------
 */

/*
 * Replace a report's text by text, copied to ErrorContext, where the
 * report's own texts live; the original is zeroed and freed.
 */
static char *
to_error_context(char *text, char *original)
{
	if (text == original)
		return original;
	if (original)
	{
		explicit_bzero(original, strlen(original));
		pfree(original);
	}
	return text ? MemoryContextStrdup(ErrorContext, text) : NULL;
}

/* The texts of a report that can hold values. */
#define REPORT_TEXTS(e) \
	{&(e)->message, &(e)->detail, &(e)->detail_log, &(e)->hint, &(e)->context, &(e)->internalquery}

/* Lines of one report text redacted one by one; past it, all of it is hidden. */
#define MAX_SQL_LINES 8

/* a translation of PostgreSQL's, if it has one */
static const char *
translated(const char *domain, const char *msgid)
{
#ifdef ENABLE_NLS
	if (domain)
		return dgettext(domain, msgid);
#endif
	return msgid;
}

/*
 * The length of SPI's 'SQL statement "' before a context line's statement
 * (which ends the line with a quote), in the server's language; 0 if the
 * line is not one.
 */
static int
sql_statement_prefix(const char *line)
{
	const char *fmt = translated(PG_TEXTDOMAIN("postgres"), "SQL statement \"%s\"");
	const char *conv = strstr(fmt, "%s");
	int			prefix = conv ? conv - fmt : 0;
	int			len = strlen(line);

	if (prefix > 0 && len > prefix && strncmp(line, fmt, prefix) == 0 &&
		conv[2] == '"' && line[len - 1] == '"')
		return prefix;
	return 0;
}

/*
 * Every line of text that shows a secret-taking call, redacted as SQL; the
 * whole text hidden when more than MAX_SQL_LINES do (the log hook cannot be
 * interrupted: its work must be bounded).
 */
static char *
redact_sql_lines(char *text)
{
	StringInfoData buf;
	char	   *copy;
	char	   *save;
	bool		changed = false;
	int			lines = 0;

	if (text == NULL || !ConnMentionsSecretCall(text))
	{
		/* SPI's context lines quote their statement: read it unquoted */
		if (text == NULL || strstr(text, "\"") == NULL)
			return text;
	}
	initStringInfo(&buf);
	copy = pstrdup(text);
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
	{
		int			prefix = sql_statement_prefix(line);
		char	   *sql = prefix > 0 ? pnstrdup(line + prefix, strlen(line) - prefix - 1) : line;

		if (buf.len > 0)
			appendStringInfoChar(&buf, '\n');
		if (ConnMentionsSecretCall(sql))
		{
			/* each line is a question of its own: a bounded number of them */
			if (++lines > MAX_SQL_LINES)
				return pstrdup("***");
			appendBinaryStringInfo(&buf, line, prefix);
			appendStringInfoString(&buf, ConnSqlRedact(sql, NULL));
			if (prefix > 0)
				appendStringInfoChar(&buf, '"');
			changed = true;
		}
		else
			appendStringInfoString(&buf, line);
	}
	return changed ? buf.data : text;
}

/*
 * The string literals of text, masked: what a plan or a tree that
 * auto_explain or the server logs shows of a statement's values
 * ('...' and E'...', as ruleutils.c writes them).
 */
static char *
mask_literals(char *text)
{
	StringInfoData buf;
	bool		changed = false;

	if (text == NULL || strchr(text, '\'') == NULL)
		return text;
	initStringInfo(&buf);
	for (const char *p = text; *p;)
	{
		bool		escapes = (*p == 'E' || *p == 'e') && p[1] == '\'' &&
			(p == text || !(isalnum((unsigned char) p[-1]) || p[-1] == '_'));

		if (*p != '\'' && !escapes)
		{
			appendStringInfoChar(&buf, *p++);
			continue;
		}
		if (escapes)
			p++;
		for (p++; *p; p++)
		{
			if (escapes && *p == '\\' && p[1])
				p++;
			else if (*p == '\'' && p[1] == '\'')
				p++;
			else if (*p == '\'')
			{
				p++;
				break;
			}
		}
		appendStringInfoString(&buf, "'***'");
		changed = true;
	}
	return changed ? buf.data : text;
}

/* Replace the statement that passes secrets (and its prepared ones). */
static char *
replace_statements(char *text)
{
	ListCell   *lc;

	text = ConnReplaceAll(text, secret.raw, secret.redacted);
	for (lc = list_head(secret.others); lc; lc = lnext(secret.others, lnext(secret.others, lc)))
		text = ConnReplaceAll(text, lfirst(lc), lfirst(lnext(secret.others, lc)));
	return text;
}

/*
 * The arguments of PostgreSQL's messages that may stay when a report's
 * arguments are masked: what the scanner says went wrong, and the names of
 * the types whose input failed.  Anything else may be a value.
 */
static bool
keep_argument(const char *arg, int len)
{
	static const char *const scanner[] = {
		"syntax error", "unterminated quoted string", "unterminated dollar-quoted string",
		"unterminated quoted identifier", "unterminated /* comment",
		"unterminated bit string literal", "unterminated hexadecimal string literal",
		"zero-length delimited identifier", "invalid Unicode escape",
		"invalid Unicode surrogate pair", "trailing junk after numeric literal",
		"trailing junk after parameter", NULL
	};
	static const char *const types[] = {
		"json", "jsonb", "text", "boolean", "integer", "bigint", "smallint", "numeric",
		"real", "double precision", "oid", "regrole", "regclass", "regprocedure", "interval",
		"bytea", "uuid", "date", "timestamp", "timestamp with time zone", "inet", NULL
	};

	for (int i = 0; scanner[i]; i++)
	{
		const char *t = translated(PG_TEXTDOMAIN("postgres"), scanner[i]);

		if ((int) strlen(t) == len && memcmp(arg, t, len) == 0)
			return true;
	}
	for (int i = 0; types[i]; i++)
		if ((int) strlen(types[i]) == len && memcmp(arg, types[i], len) == 0)
			return true;
	return false;
}

/*
 * An argument that the running statement's redacted text shows as a word
 * (a table, a column, a function named in it) says nothing new; a value
 * read from a row or a parameter is not in that text.
 */
static bool
keep_shown_argument(const char *arg, int len)
{
	const char *text = secret.active ? secret.redacted : NULL;
	char	   *word;

	if (keep_argument(arg, len))
		return true;
	if (text == NULL || len == 0 || (len == 3 && memcmp(arg, "***", 3) == 0))
		return false;
	word = pnstrdup(arg, len);
	for (const char *p = strstr(text, word); p; p = strstr(p + 1, word))
	{
		bool		starts = (p == text || !(isalnum((unsigned char) p[-1]) || p[-1] == '_'));
		bool		ends = !(isalnum((unsigned char) p[len]) || p[len] == '_');

		if (starts && ends)
			return true;
	}
	return false;
}

/*
 * A report's message without its arguments but the harmless ones, in the
 * report's language (matched against its format, translated as it was).
 */
static char *
masked_message(const ErrorData *edata)
{
	if (edata->message_id == NULL || edata->message == NULL)
		return "***";
	return ConnMaskArguments(edata->message, translated(edata->domain, edata->message_id),
							 keep_shown_argument);
}

/*
 * COPY's context lines quote the line being read (or a column's value):
 * masked, in any language.
 */
static char *
mask_copy_lines(char *text)
{
	static const char *const formats[] = {
		"COPY %s, line %llu: \"%s\"",
		"COPY %s, line %s: \"%s\"",
		NULL
	};
	StringInfoData buf;
	char	   *copy;
	char	   *save;
	bool		changed = false;

	if (text == NULL)
		return NULL;
	initStringInfo(&buf);
	copy = pstrdup(text);
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
	{
		char	   *shown = line;

		for (int i = 0; formats[i]; i++)
		{
			const char *fmt = translated(PG_TEXTDOMAIN("postgres"), formats[i]);
			const char *conv = strchr(fmt, '%');
			int			prefix = conv ? conv - fmt : 0;

			if (prefix > 0 && strncmp(line, fmt, prefix) == 0 &&
				line[strlen(line) - 1] == fmt[strlen(fmt) - 1])
			{
				shown = ConnMaskArguments(line, fmt, keep_shown_argument);
				changed = true;
				break;
			}
		}
		if (buf.len > 0)
			appendStringInfoChar(&buf, '\n');
		appendStringInfoString(&buf, shown);
	}
	return changed ? buf.data : text;
}

static bool
is_node_tree(const ErrorData *edata)
{
	return edata->message && edata->detail &&
		(strcmp(edata->message, "parse tree:") == 0 ||
		 strcmp(edata->message, "rewritten parse tree:") == 0 ||
		 strcmp(edata->message, "plan:") == 0);
}

/* A report made while a statement that passes secrets is current. */
static void
redact_current(ErrorData *edata, bool ours)
{
	char	  **texts[] = REPORT_TEXTS(edata);

	for (int i = 0; i < lengthof(texts); i++)
	{
		char	   *t = *texts[i];
		/* even in our reports, the context and query are others' text */
		bool		others = !ours || texts[i] == &edata->context ||
			texts[i] == &edata->internalquery;

		if (t == NULL)
			continue;
		t = ConnMaskParameters(replace_statements(t));
		if (others)
			t = ConnScrubFragments(redact_sql_lines(t), secret_fragments());
		*texts[i] = to_error_context(t, *texts[i]);
	}
	edata->context = to_error_context(mask_copy_lines(edata->context), edata->context);
	if (ours)
		return;
	if (is_node_tree(edata))
		edata->detail = to_error_context(ConnMaskTree(edata->detail), edata->detail);

	/*
	 * Any of PostgreSQL's messages may quote a value read from a row or a
	 * parameter (relation "<value>" does not exist): their arguments are
	 * masked but for those the statement's own text shows.  The server's
	 * lines about the statement itself (log_statement, durations, plans)
	 * are LOG lines, redacted as text above.
	 */
	if (edata->elevel != LOG && edata->elevel != LOG_SERVER_ONLY)
		edata->message = to_error_context(masked_message(edata), edata->message);
	else
	{
		/* plans of nested statements show parameters' values as literals */
		edata->message = to_error_context(mask_literals(edata->message), edata->message);
		edata->detail = to_error_context(mask_literals(edata->detail), edata->detail);
	}
	/*
	 * The detail of an error may quote values too (a failing row, a key, a
	 * PL/pgSQL function's parameters): hidden, but for a deadlock's (the
	 * statements it lists are redacted above).
	 */
	if (edata->detail && edata->elevel >= ERROR &&
		ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_TRANSACTION_ROLLBACK)
		edata->detail = to_error_context(HIDDEN_DETAIL, edata->detail);
	/* data exceptions quote input in their context too */
	if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) == ERRCODE_DATA_EXCEPTION && edata->context)
		edata->context = to_error_context(HIDDEN_DETAIL, edata->context);
}

/*
 * A report of PostgreSQL's made while no statement that passes secrets is
 * current: judged by its own texts.
 */
static void
redact_other(ErrorData *edata)
{
	char	  **texts[] = REPORT_TEXTS(edata);
	bool		shows_call = false;

	for (int i = 0; i < lengthof(texts); i++)
		if (*texts[i] && ConnMentionsSecretCall(*texts[i]))
			shows_call = true;

	for (int i = 0; i < lengthof(texts); i++)
	{
		char	   *t = *texts[i];

		if (t == NULL)
			continue;
		if (secret.active)
			t = ConnScrubFragments(replace_statements(t), secret_fragments());
		if (shows_call)
			t = ConnMaskParameters(redact_sql_lines(t));
		*texts[i] = to_error_context(t, *texts[i]);
	}
	if (shows_call && is_node_tree(edata))
		edata->detail = to_error_context(ConnMaskTree(edata->detail), edata->detail);
}

static void
redact_report(ErrorData *edata)
{
	bool		ours = edata->domain && strcmp(edata->domain, TEXTDOMAIN) == 0;

	if (current_is_secret())
		redact_current(edata, ours);
	else if (!ours)
		redact_other(edata);
}

static void
conn_emit_log_hook(ErrorData *edata)
{
	if (in_log_hook)
	{
		/* made while we work: never logged unredacted (an error is re-reported) */
		if (edata->elevel < ERROR)
			edata->output_to_server = edata->output_to_client = false;
	}
	else if (edata->output_to_server)
	{
		MemoryContext old;

		if (HookContext == NULL)
			HookContext = AllocSetContextCreate(TopMemoryContext, "connection log hook",
												ALLOCSET_DEFAULT_SIZES);
		in_log_hook = true;
		old = MemoryContextSwitchTo(HookContext);
		PG_TRY();
		{
			redact_report(edata);
		}
		PG_FINALLY();
		{
			MemoryContextSwitchTo(old);
			MemoryContextReset(HookContext);
			in_log_hook = false;
		}
		PG_END_TRY();
	}
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

/* ---------------------------------------------------------------------
 * Utility statements
 * ---------------------------------------------------------------------
 */

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

/*
 * Locks on the catalog tables that only the extension itself takes: any
 * mode that blocks its writers or readers.
 */
static int
strong_catalog_locks(void)
{
	int			held = 0;
	Oid			relids[2];

	if (!ConnCatalogRelids(relids))
		return 0;
	for (int i = 0; i < lengthof(relids); i++)
		for (LOCKMODE mode = ShareUpdateExclusiveLock; mode <= AccessExclusiveLock; mode++)
		{
			LOCKTAG		tag;

			SET_LOCKTAG_RELATION(tag, MyDatabaseId, relids[i]);
			if (LockHeldByMe(&tag, mode))
				held |= 1 << (i * 8 + mode);
		}
	return held;
}

/* Does a relation reach the catalog, itself or through views? */
typedef struct ReachContext
{
	Oid			relids[2];
	int			depth;
	bool		reaches;
	List	   *seen;			/* views already walked (a view's OLD and NEW
								 * entries name itself) */
} ReachContext;

static bool relation_reaches_catalog(Oid relid, ReachContext *ctx);

static bool
reach_walker(Node *node, ReachContext *ctx)
{
	if (node == NULL || ctx->reaches)
		return false;
	if (IsA(node, RangeTblEntry))
	{
		RangeTblEntry *rte = (RangeTblEntry *) node;

		if (rte->rtekind == RTE_RELATION && relation_reaches_catalog(rte->relid, ctx))
			ctx->reaches = true;
		return false;
	}
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, reach_walker, ctx, QTW_EXAMINE_RTES_BEFORE);
	return expression_tree_walker(node, reach_walker, ctx);
}

static bool
relation_reaches_catalog(Oid relid, ReachContext *ctx)
{
	Relation	rel;

	if (relid == ctx->relids[0] || relid == ctx->relids[1])
		return true;
	if (get_rel_relkind(relid) != RELKIND_VIEW || ctx->depth > 32 ||
		list_member_oid(ctx->seen, relid))
		return false;
	ctx->seen = lappend_oid(ctx->seen, relid);
	ctx->depth++;
	rel = relation_open(relid, AccessShareLock);
	(void) reach_walker((Node *) get_view_query(rel), ctx);
	relation_close(rel, AccessShareLock);
	ctx->depth--;
	return ctx->reaches;
}

static void
refuse_maintenance(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to %s the catalog of extension \"connection\"", what),
			 errdetail("Only superusers may lock it in a mode that holds up the extension's own work.")));
}

/*
 * Before LOCK and VACUUM FULL of a non-superuser: refuse those that would
 * take (or wait for, holding everybody else up in the lock queue) a lock
 * on the catalog that blocks the extension's work, directly or through
 * views.  Members of pg_write_all_data pass LOCK's privilege checks, and a
 * database owner may VACUUM FULL any table.
 */
static void
check_catalog_maintenance(Node *parsetree)
{
	ReachContext ctx = {{InvalidOid, InvalidOid}, 0, false};
	ListCell   *lc;

	if (!ConnCatalogRelids(ctx.relids))
		return;
	if (IsA(parsetree, LockStmt))
	{
		LockStmt   *stmt = (LockStmt *) parsetree;

		if (stmt->mode < ShareUpdateExclusiveLock)
			return;
		foreach(lc, stmt->relations)
		{
			Oid			relid = RangeVarGetRelid(lfirst_node(RangeVar, lc), NoLock, true);

			if (OidIsValid(relid) && relation_reaches_catalog(relid, &ctx))
				refuse_maintenance("lock");
		}
	}
	else if (IsA(parsetree, VacuumStmt))
	{
		VacuumStmt *stmt = (VacuumStmt *) parsetree;
		bool		full = false;

		foreach(lc, stmt->options)
			if (strcmp(lfirst_node(DefElem, lc)->defname, "full") == 0 &&
				defGetBoolean(lfirst_node(DefElem, lc)))
				full = true;
		if (!full)
			return;
		if (stmt->rels == NIL)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to VACUUM FULL the catalog of extension \"connection\""),
					 errdetail("VACUUM FULL of every table includes the extension's catalog, which only superusers may lock that way."),
					 errhint("Name the tables to vacuum.")));
		foreach(lc, stmt->rels)
		{
			VacuumRelation *vrel = lfirst_node(VacuumRelation, lc);
			Oid			relid = vrel->relation ?
				RangeVarGetRelid(vrel->relation, NoLock, true) : vrel->oid;

			if (relid == ctx.relids[0] || relid == ctx.relids[1])
				refuse_maintenance("VACUUM FULL");
		}
	}
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
						tag == T_DropOwnedStmt || tag == T_LockStmt || tag == T_VacuumStmt) &&
		ConnCatalogInstalled();
	int			locks_before = 0;

	/* a utility statement that passes secrets is known before it runs */
	(void) current_is_secret();

	/* COPY to or from an object: ours, with USAGE as the right to check */
	if (tag == T_CopyStmt && ConnIsCopyUri((CopyStmt *) parsetree))
	{
		ParseState *pstate = make_parsestate(NULL);
		uint64		rows;

		pstate->p_sourcetext = queryString;
		pstate->p_queryEnv = queryEnv;
		rows = ConnCopyUri(pstate, (CopyStmt *) parsetree, pstmt->stmt_location,
						   pstmt->stmt_len);
		if (qc)
			SetQueryCompletion(qc, CMDTAG_COPY, rows);
		free_parsestate(pstate);
		return;
	}

	if (ours && (tag == T_LockStmt || tag == T_VacuumStmt) && !superuser())
		check_catalog_maintenance(parsetree);

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
	if (ours && tag == T_LockStmt && !superuser())
		locks_before = strong_catalog_locks();

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
	else if (ours && tag == T_LockStmt && !superuser() &&
			 (strong_catalog_locks() & ~locks_before) != 0)
		refuse_maintenance("lock");	/* a way the check before missed */
}

/* ---------------------------------------------------------------------
 * Parse analysis
 * ---------------------------------------------------------------------
 */

/*
 * SHOW CONNECTIONS: the analyzed query of the extension's show(), or NULL
 * when what that name resolves to is not the extension's own function.
 */
static Query *
show_connections_query(void)
{
	char	   *schema = get_namespace_name(ConnCatalogNamespace());
	char	   *sql;
	RawStmt    *raw;
	Query	   *select;
	RangeTblEntry *rte;
	RangeTblFunction *rtfunc;

	if (schema == NULL)
		return NULL;
	sql = psprintf("SELECT * FROM %s.show()", quote_identifier(schema));
	raw = linitial_node(RawStmt, raw_parser(sql, RAW_PARSE_DEFAULT));
	select = parse_analyze_fixedparams(raw, sql, NULL, 0, NULL);
	rte = linitial_node(RangeTblEntry, select->rtable);
	if (rte->rtekind != RTE_FUNCTION)
		return NULL;
	rtfunc = linitial_node(RangeTblFunction, rte->functions);
	if (!IsA(rtfunc->funcexpr, FuncExpr) ||
		getExtensionOfObject(ProcedureRelationId, ((FuncExpr *) rtfunc->funcexpr)->funcid) !=
		ConnCatalogExtension())
		return NULL;
	return select;
}

/*
 * Turn the analyzed utility statement SHOW CONNECTIONS into the analyzed
 * query of show(), in place, keeping what identifies the original
 * statement (its place in the query string, its query id); and know a
 * top-level statement that passes secrets before it runs.
 */
static void
conn_post_parse_analyze(ParseState *pstate, Query *query, JumbleState *jstate)
{
	Query	   *select;

	if (prev_post_parse_analyze)
		prev_post_parse_analyze(pstate, query, jstate);

	/* a new top-level statement (a statement already known has a new text) */
	if (pstate->p_sourcetext && pstate->p_sourcetext == debug_query_string)
		(void) current_is_secret();

	if (query->commandType != CMD_UTILITY ||
		!IsA(query->utilityStmt, VariableShowStmt) ||
		strcmp(((VariableShowStmt *) query->utilityStmt)->name, "connections") != 0 ||
		!ConnCatalogInstalled() ||
		(select = show_connections_query()) == NULL)
		return;
	select->queryId = query->queryId;
	select->canSetTag = query->canSetTag;
	select->stmt_location = query->stmt_location;
	select->stmt_len = query->stmt_len;
	memcpy(query, select, sizeof(Query));
}

/*
 * Know a statement that passes secrets before it runs, whatever the
 * protocol: the extended protocol shows pg_stat_activity the raw text again
 * at Bind and Execute, after parse analysis has redacted it.
 */
static void
conn_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	(void) current_is_secret();
	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

/*
 * At the abort of a (sub)transaction: a statement that failed before any
 * hook knew it (an error in parse analysis, a report that did not reach
 * the server log) still shows its raw text in pg_stat_activity, and would
 * until the session's next statement.  If that text passes secrets, show
 * it redacted.  Work in a context of its own, never throwing: this runs
 * inside the abort.
 */
static void
redact_shown_activity(void)
{
	static MemoryContext cxt = NULL;
	MemoryContext old;
	const char *shown;

	if (MyBEEntry == NULL || !pgstat_track_activities ||
		(shown = MyBEEntry->st_activity_raw) == NULL || shown[0] == '\0' ||
		(secret.active && strcmp(shown, secret.redacted) == 0))
		return;
	if (cxt == NULL)
		cxt = AllocSetContextCreate(TopMemoryContext, "connection abort redaction",
									ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		char	   *copy = ConnStrdupWiped(cxt, shown, strlen(shown));
		List	   *prepared = NIL;

		if (ConnSqlPassesSecrets(copy, &prepared))
			report_activity(ConnSqlRedact(copy, NULL));
	}
	PG_CATCH();
	{
		FlushErrorState();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	MemoryContextReset(cxt);
}

static void
conn_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		redact_shown_activity();
}

static void
conn_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					  SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		redact_shown_activity();
}

void
ConnInstallHooks(void)
{
	RegisterXactCallback(conn_xact_callback, NULL);
	RegisterSubXactCallback(conn_subxact_callback, NULL);
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = conn_emit_log_hook;
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = conn_ProcessUtility;
	prev_post_parse_analyze = post_parse_analyze_hook;
	post_parse_analyze_hook = conn_post_parse_analyze;
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = conn_ExecutorStart;
}
