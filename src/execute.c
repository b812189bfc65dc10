/*-------------------------------------------------------------------------
 *
 * execute.c
 *	  connection.execute(statement): runs the original dialect's CREATE and
 *	  DROP CONNECTION statements (parsed by dialect.c) through the same code
 *	  as create() and drop().
 *
 * The parser works in malloc'd memory; its result is copied into palloc'd
 * memory (the properties into memory wiped with the call's context) and
 * freed, zeroed, before anything can raise an error.  All statements of
 * the text run in order in the caller's transaction, so they take effect
 * together or not at all.  Errors point at their place in the text: syntax
 * errors by character, others through a CONTEXT line naming the statement.
 * The text holds secrets; the extension's log hook redacts it, and no
 * message here quotes a string constant.
 *
 * IDENTIFICATION
 *	  src/execute.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/jsonb.h"

#include "commands.h"
#include "connection.h"
#include "dialect.h"
#include "hooks.h"
#include "registry.h"
#include "wipe.h"

PG_FUNCTION_INFO_V1(connection_execute);

/* the prefix of the older API form's keys: 'cloud_function.provider' */
#define LEGACY_PREFIX "cloud_function."

/* A statement of the dialect, in palloc'd memory. */
typedef struct Statement
{
	DialectKind kind;
	int			location;
	bool		or_replace;
	bool		if_not_exists;
	bool		if_exists;
	bool		extended;
	char	   *category;
	char	   *name;
	char	   *type;
	char	   *comment;
	Jsonb	   *properties;
	char	   *duplicate;		/* a key given twice once prefixes are gone */
} Statement;

typedef struct ExecContext
{
	const char *text;
	int			number;			/* 1-based statement number */
	int			location;		/* its byte offset */
} ExecContext;

static char *
copy(const char *s)
{
	return s ? pstrdup(s) : NULL;
}

/* Push a string value into a jsonb under construction. */
static void
push_string(JsonbParseState **state, JsonbIteratorToken tok, const char *s)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) s;
	v.val.string.len = strlen(s);
	pushJsonbValue(state, tok, &v);
}

/* Push one dialect value: a string, or a list as an array. */
static void
push_value(JsonbParseState **state, const DialectProp *prop)
{
	if (prop->is_list)
	{
		pushJsonbValue(state, WJB_BEGIN_ARRAY, NULL);
		for (int j = 0; j < prop->nitems; j++)
			push_string(state, WJB_ELEM, prop->items[j]);
		pushJsonbValue(state, WJB_END_ARRAY, NULL);
	}
	else
		push_string(state, WJB_VALUE, prop->value);
}

/* Does a type (as the statement names it) take client properties? */
static bool
takes_client_properties(const char *type)
{
	const ConnTypeDef *def = ConnTypeByName(asc_toupper(type, strlen(type)));

	if (def == NULL)
		return false;
	for (int i = 0; i < def->nprops; i++)
		if (def->props[i].fmt == CONN_FMT_OBJECT)
			return true;
	return false;
}

/*
 * The properties of a CREATE as the jsonb create() takes; keys of the
 * older API form lose their "cloud_function." prefix.  For a type that
 * takes client properties (ICEBERG_REST), the pairs of WITH PROPERTIES
 * are those, one object under PROPERTIES with their keys as written;
 * for the others they are properties like the rest.
 */
static Jsonb *
properties_jsonb(const DialectStmt *ds, char **duplicate)
{
	JsonbParseState *state = NULL;
	char	  **keys = palloc0(sizeof(char *) * (ds->nprops + 1));
	bool		client_type = takes_client_properties(ds->type);
	bool		clients = false;

	*duplicate = NULL;
	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < ds->nprops; i++)
	{
		const DialectProp *prop = &ds->props[i];
		const char *key = prop->key;

		if (pg_strncasecmp(key, LEGACY_PREFIX, strlen(LEGACY_PREFIX)) == 0)
			key += strlen(LEGACY_PREFIX);
		else if (prop->client && client_type)
		{
			clients = true;
			continue;
		}
		keys[i] = pstrdup(key);
		for (int j = 0; j < i; j++)
			if (keys[j] && pg_strcasecmp(keys[j], key) == 0 && *duplicate == NULL)
				*duplicate = keys[i];
		push_string(&state, WJB_KEY, key);
		push_value(&state, prop);
	}
	if (clients)
	{
		for (int i = 0; i < ds->nprops; i++)
			if (keys[i] && pg_strcasecmp(keys[i], "PROPERTIES") == 0 && *duplicate == NULL)
				*duplicate = keys[i];
		push_string(&state, WJB_KEY, "PROPERTIES");
		pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
		for (int i = 0; i < ds->nprops; i++)
		{
			if (keys[i] != NULL)
				continue;
			push_string(&state, WJB_KEY, ds->props[i].key);
			push_value(&state, &ds->props[i]);
		}
		pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	}
	return JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, NULL));
}

/* Character position (1-based) of a byte offset of the text. */
static int
char_position(const char *text, int offset)
{
	return pg_mbstrlen_with_len(text, offset) + 1;
}

static void
execute_error_callback(void *arg)
{
	ExecContext *ctx = arg;

	errcontext("statement %d of connection.execute(), at character %d",
			   ctx->number, char_position(ctx->text, ctx->location));
}

/*
 * Parse the text; returns the statements in palloc'd memory.  Reports a
 * syntax error (42601) with its position.
 */
static Statement *
parse(const char *text, int *n)
{
	DialectStmt *ds;
	DialectError err;
	Statement  *stmts;

	if (!dialect_parse(text, &ds, n, &err))
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("%s", err.message),
				 errdetail("At character %d of the text passed to connection.execute().",
						   char_position(text, err.location))));

	/* copy out of malloc'd memory; nothing below raises an error */
	stmts = palloc0(sizeof(Statement) * (*n + 1));
	for (int i = 0; i < *n; i++)
	{
		Statement  *s = &stmts[i];

		s->kind = ds[i].kind;
		s->location = ds[i].location;
		s->or_replace = ds[i].or_replace;
		s->if_not_exists = ds[i].if_not_exists;
		s->if_exists = ds[i].if_exists;
		s->extended = ds[i].extended;
		s->category = copy(ds[i].category);
		s->name = copy(ds[i].name);
		s->type = copy(ds[i].type);
		s->comment = copy(ds[i].comment);
		if (s->kind == DIALECT_CREATE)
		{
			s->properties = properties_jsonb(&ds[i], &s->duplicate);
			ConnWipeVarlena(CurrentMemoryContext, s->properties);
		}
	}
	dialect_free(ds, *n);	/* zeroes every string */
	return stmts;
}

static void
run_statement(const Statement *s)
{
	char	   *name = s->name ? ConnNormalizeName(s->name, "connection name") : NULL;

	switch (s->kind)
	{
		case DIALECT_CREATE:
			if (s->duplicate)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("property \"%s\" is specified more than once", s->duplicate)));
			ConnCreate(name, s->category, s->type, s->properties, s->comment,
					   s->if_not_exists, s->or_replace);
			break;
		case DIALECT_DROP:
			ConnDrop(name, s->if_exists, false, s->category);
			break;
		case DIALECT_SHOW:
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("SHOW CONNECTIONS is not run by connection.execute()"),
					 errdetail("connection.execute() changes connections and returns nothing."),
					 errhint("Use SELECT * FROM connection.show() instead.")));
			break;
		case DIALECT_DESC:
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("DESC CONNECTION is not run by connection.execute()"),
					 errdetail("connection.execute() changes connections and returns nothing."),
					 s->extended ?
					 errhint("Use SELECT * FROM connection.desc('%s', extended => true) instead.", name) :
					 errhint("Use SELECT * FROM connection.desc('%s') instead.", name)));
			break;
	}
}

/*
 * connection.execute(statement text)
 *		Run CREATE / DROP CONNECTION statements of the original dialect.
 */
Datum
connection_execute(PG_FUNCTION_ARGS)
{
	struct varlena *arg;
	char	   *text;
	Statement  *stmts;
	int			n;
	ExecContext ctx;
	ErrorContextCallback errcb;

	/* first of all: whatever fails below, the statement passes secrets */
	ConnMarkSecretStatement();
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("statement must not be null")));
	arg = ConnArgSecret(fcinfo, 0);
	text = ConnStrdupWiped(CurrentMemoryContext, VARDATA_ANY(arg), VARSIZE_ANY_EXHDR(arg));
	stmts = parse(text, &n);
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("connection.execute() was given no statement")));

	ctx.text = text;
	errcb.callback = execute_error_callback;
	errcb.arg = &ctx;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	for (int i = 0; i < n; i++)
	{
		ctx.number = i + 1;
		ctx.location = stmts[i].location;
		run_statement(&stmts[i]);
	}
	error_context_stack = errcb.previous;
	PG_RETURN_VOID();
}
