/*-------------------------------------------------------------------------
 *
 * credentials.c
 *	  SQL entry points that hand out decrypted properties: credentials()
 *	  and property().  credentials() of a role-based connection hands out
 *	  temporary credentials from STS instead (sts.c).
 *
 * This is the hot path.  The row and, after the first call, its decrypted
 * properties come from the backend cache (cache.c), so a warm call neither
 * reads the table nor decrypts.  A cold call decrypts in a short-lived
 * memory context that is zeroed before it is released; the cache keeps its
 * own copy (zeroed when dropped), and the caller gets another.
 *
 * IDENTIFICATION
 *	  src/credentials.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "cache.h"
#include "commands.h"
#include "credentials.h"
#include "crypto.h"
#include "guc.h"
#include "privileges.h"
#include "registry.h"
#include "sts.h"

PG_FUNCTION_INFO_V1(connection_credentials);
PG_FUNCTION_INFO_V1(connection_property);

/*
 * The cached row of a connection the current user may use right now:
 * reports 42704 if it does not exist, 42501 without the right, 55000 when
 * it is disabled.
 */
const ConnRow *
ConnUsableRow(const char *name)
{
	const ConnRow *row = ConnCacheGet(name);

	ConnCheckUsage(row);
	if (!row->enabled)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("connection \"%s\" is disabled", name),
				 errhint("Enable it with connection.alter('%s', enabled => true).", name)));
	return row;
}

/*
 * With connection.log_usage, one LOG line per hand-out of decrypted values:
 * who, which connection, through which function.  Never a value, and no
 * STATEMENT or CONTEXT line.  Writes nothing, so it works on a standby.
 */
void
ConnLogUsage(const char *name, const char *function)
{
	if (!conn_log_usage)
		return;
	ereport(LOG,
			(errmsg("role \"%s\" used the credentials of connection \"%s\" through %s",
					GetUserNameFromId(GetUserId(), false), name, function),
			 errhidestmt(true),
			 errhidecontext(true)));
}

/*
 * The decrypted properties of a usable row, as the jsonb credentials()
 * returns, palloc'd in the caller's context: from the cache when it has
 * them, else decrypted (in a short-lived context, zeroed) and kept there.
 */
Jsonb *
ConnDecryptedProps(const ConnRow *row)
{
	const Jsonb *cached = ConnCacheDecrypted(row);
	MemoryContext cxt;
	MemoryContext old;
	ConnProps	props;
	Jsonb	   *result;

	if (cached == NULL)
	{
		cxt = AllocSetContextCreate(CurrentMemoryContext, "connection decrypted properties",
									ALLOCSET_SMALL_SIZES);
		old = MemoryContextSwitchTo(cxt);
		ConnRowProps(row, &props, true);
		result = ConnPropsToJsonb(&props, CONN_ALL_KINDS, false);
		ConnWipeProps(&props);
		MemoryContextSwitchTo(old);
		ConnCacheKeepDecrypted(row, result);
		cached = result;
	}
	else
		cxt = NULL;

	result = palloc(VARSIZE(cached));
	memcpy(result, cached, VARSIZE(cached));
	if (cxt)
	{
		explicit_bzero(VARDATA(cached), VARSIZE(cached) - VARHDRSZ);
		MemoryContextDelete(cxt);
	}
	return result;
}

/* Does the row assume a role (ROLE_ARN set)? */
bool
ConnRowRoleMode(const ConnRow *row)
{
	return getKeyJsonValueFromContainer(&row->plain->root, "ROLE_ARN", 8, NULL) != NULL;
}

/*
 * connection.credentials(name)
 *		All properties, decrypted, as one jsonb object; for a role-based
 *		connection, its plain properties and temporary credentials.
 */
Datum
connection_credentials(PG_FUNCTION_ARGS)
{
	char	   *name = ConnArgName(fcinfo, 0);
	const ConnRow *row = ConnUsableRow(name);
	Jsonb	   *result;

	if (ConnRowRoleMode(row))
		result = ConnStsCredentials(row);
	else
		result = ConnDecryptedProps(row);
	ConnLogUsage(name, "connection.credentials()");
	PG_RETURN_JSONB_P(result);
}

/*
 * connection.property(name, property)
 *		One property, decrypted if need be; NULL when it is not set.  List
 *		values come as JSON array text.
 */
Datum
connection_property(PG_FUNCTION_ARGS)
{
	char	   *name = ConnArgName(fcinfo, 0);
	char	   *propname = ConnArgText(fcinfo, 1, "property name");
	const ConnRow *row = ConnUsableRow(name);
	int			idx = ConnLookupProp(row->type, propname, false);
	const ConnPropDef *def = &row->type->props[idx];
	Jsonb	   *all;
	JsonbValue *v;
	text	   *result;

	if (def->kind == CONN_PLAIN)
	{
		ConnProps	props;

		ConnRowProps(row, &props, false);
		if (props.values[idx] == NULL)
			PG_RETURN_NULL();
		PG_RETURN_TEXT_P(cstring_to_text(ConnPropDisplay(def, props.values[idx])));
	}

	all = ConnDecryptedProps(row);
	v = getKeyJsonValueFromContainer(&all->root, def->name, strlen(def->name), NULL);
	if (v == NULL || v->type != jbvString)
	{
		explicit_bzero(VARDATA(all), VARSIZE(all) - VARHDRSZ);
		PG_RETURN_NULL();
	}
	ConnLogUsage(name, psprintf("connection.property() of %s", def->name));
	result = cstring_to_text_with_len(v->val.string.val, v->val.string.len);
	explicit_bzero(VARDATA(all), VARSIZE(all) - VARHDRSZ);
	PG_RETURN_TEXT_P(result);
}
