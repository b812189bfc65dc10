/*-------------------------------------------------------------------------
 *
 * credentials.c
 *	  SQL entry points that hand out decrypted properties: credentials()
 *	  and property().
 *
 * This is the hot path.  The row comes from the backend cache (cache.c);
 * only the decryption itself is done per call.  Decrypted values live in a
 * short-lived memory context and are zeroed before it is released; only the
 * result handed to the caller keeps them.
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
#include "crypto.h"
#include "guc.h"
#include "privileges.h"
#include "registry.h"

PG_FUNCTION_INFO_V1(connection_credentials);
PG_FUNCTION_INFO_V1(connection_property);

/*
 * The cached row of a connection the current user may use right now:
 * reports 42704 if it does not exist, 42501 without the right, 55000 when
 * it is disabled.
 */
static const ConnRow *
usable_row(const char *name)
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
static void
log_usage(const char *name, const char *function)
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
 * connection.credentials(name)
 *		All properties, decrypted, as one jsonb object.
 */
Datum
connection_credentials(PG_FUNCTION_ARGS)
{
	char	   *name = ConnArgName(fcinfo, 0);
	const ConnRow *row = usable_row(name);
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "connection decrypted properties",
											  ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	ConnProps	props;
	Jsonb	   *result;
	Size		len;

	ConnRowProps(row, &props, true);
	MemoryContextSwitchTo(old);
	log_usage(name, "connection.credentials()");
	result = ConnPropsToJsonb(&props, CONN_ALL_KINDS, false);
	len = VARSIZE(result);
	result = memcpy(palloc(len), result, len);	/* out of cxt */
	ConnWipeProps(&props);
	MemoryContextDelete(cxt);
	PG_RETURN_JSONB_P(result);
}

/*
 * connection.property(name, property)
 *		One property, decrypted if need be; NULL when it is not set.
 */
Datum
connection_property(PG_FUNCTION_ARGS)
{
	char	   *name = ConnArgName(fcinfo, 0);
	char	   *propname = ConnArgText(fcinfo, 1, "property name");
	const ConnRow *row = usable_row(name);
	int			idx = ConnLookupProp(row->type, propname, false);
	const ConnPropDef *def = &row->type->props[idx];
	MemoryContext cxt;
	MemoryContext old;
	ConnProps	props;
	text	   *result = NULL;

	if (def->kind == CONN_PLAIN)
	{
		ConnRowProps(row, &props, false);
		if (props.values[idx] == NULL)
			PG_RETURN_NULL();
		PG_RETURN_TEXT_P(cstring_to_text(ConnPropDisplay(def, props.values[idx])));
	}

	cxt = AllocSetContextCreate(CurrentMemoryContext, "connection decrypted properties",
								ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);
	ConnRowProps(row, &props, true);
	MemoryContextSwitchTo(old);
	if (props.values[idx])
	{
		log_usage(name, psprintf("connection.property() of %s", def->name));
		result = cstring_to_text(props.values[idx]);
	}
	ConnWipeProps(&props);
	MemoryContextDelete(cxt);
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(result);
}
