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
 * memory context whose plaintext is wiped when it is deleted; the cache
 * keeps its own copy (wiped when dropped), and the caller gets another, in
 * memory wiped when the caller's context is reset (wipe.c).
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
#include "connection.h"
#include "credentials.h"
#include "crypto.h"
#include "guc.h"
#include "privileges.h"
#include "registry.h"
#include "sts.h"
#include "wipe.h"

PG_FUNCTION_INFO_V1(connection_credentials);
PG_FUNCTION_INFO_V1(connection_property);

/*
 * With connection.log_usage, one line in the server log (never to the
 * client) per hand-out of decrypted values, and per refusal: who, which
 * connection, through which function, and why a refusal.  Never a value,
 * and no STATEMENT or CONTEXT line.  Writes nothing, so it works on a
 * standby.
 */
void
ConnLogUsage(const char *name, const char *function)
{
	if (!conn_log_usage)
		return;
	ereport(LOG_SERVER_ONLY,
			(errmsg("role \"%s\" used the credentials of connection \"%s\" through %s",
					GetUserNameFromId(GetUserId(), false), name, function),
			 errhidestmt(true),
			 errhidecontext(true)));
}

static void
log_refusal(const char *name, const char *function, const char *why)
{
	if (!conn_log_usage)
		return;
	ereport(LOG_SERVER_ONLY,
			(errmsg("role \"%s\" was refused the credentials of connection \"%s\" through %s: %s",
					GetUserNameFromId(GetUserId(), false), name, function, why),
			 errhidestmt(true),
			 errhidecontext(true)));
}

/*
 * The cached row of a connection the current user may use, by itself:
 * 42704, 42501, 55000 (disabled) and 0A000 (another cloud) otherwise, each
 * refusal audited.
 */
static const ConnRow *
checked_row(const char *name, const char *function)
{
	const ConnRow *row = ConnCacheLookup(name);

	if (row == NULL)
	{
		log_refusal(name, function, "it does not exist");
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("connection \"%s\" does not exist", name)));
	}
	if (!ConnHasUsage(row, GetUserId()))
	{
		log_refusal(name, function, "permission denied");
		ConnCheckUsage(row);
	}
	if (!row->enabled)
	{
		log_refusal(name, function, "it is disabled");
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("connection \"%s\" is disabled", name),
				 errhint("Enable it with connection.alter('%s', enabled => true).", name)));
	}
	if (!ConnCloudAllowed(ConnRowCloud(row)))
	{
		log_refusal(name, function, "it belongs to another cloud");
		ConnCheckCloud(ConnRowCloud(row), name);
	}
	return row;
}

/*
 * The cached row of a connection the current user may use right now
 * through function (for the audit): checked_row(), and 55000 when it names
 * a storage connection (STORAGE_CONNECTION) that is disabled, since a
 * catalog serves nothing while its storage is disabled.
 *
 * Looking the storage connection up may evict the row, which is then
 * looked up again: the same tuple version (read at the same place, as
 * last modified) is the row checked; anything else is checked again.
 */
const ConnRow *
ConnUsableRow(const char *name, const char *function)
{
	for (;;)
	{
		const ConnRow *row = checked_row(name, function);
		char	   *storage = ConnJsonbString(&row->plain->root, "STORAGE_CONNECTION");
		ItemPointerData tid;
		TimestampTz modified;
		const ConnRow *storage_row;
		const ConnRow *again;

		if (storage == NULL)
			return row;
		tid = row->tid;
		modified = row->modified;
		storage_row = ConnCacheLookup(storage);
		if (storage_row != NULL && !storage_row->enabled)
		{
			log_refusal(name, function, "its storage connection is disabled");
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("storage connection \"%s\" of connection \"%s\" is disabled",
							storage, name),
					 errhint("Enable it with connection.alter('%s', enabled => true).", storage)));
		}
		again = ConnCacheLookup(name);
		if (again != NULL && ItemPointerEquals((ItemPointer) &again->tid, &tid) &&
			again->modified == modified)
			return again;
	}
}

/*
 * The decrypted properties of a usable row, as the jsonb credentials()
 * returns, in wiped memory of the caller's context: from the cache when it
 * has them, else decrypted (in a short-lived context whose plaintext is
 * wiped) and kept there.
 */
Jsonb *
ConnDecryptedProps(const ConnRow *row)
{
	const Jsonb *cached = ConnCacheDecrypted(row);
	MemoryContext cxt = NULL;
	Jsonb	   *result;

	if (cached == NULL)
	{
		MemoryContext old;
		ConnProps	props;
		Jsonb	   *decrypted;

		cxt = AllocSetContextCreate(CurrentMemoryContext, "connection decrypted properties",
									ALLOCSET_SMALL_SIZES);
		old = MemoryContextSwitchTo(cxt);
		ConnRowProps(row, &props, true);
		decrypted = ConnPropsToJsonb(&props, CONN_ALL_KINDS, false);
		ConnWipeVarlena(cxt, decrypted);
		MemoryContextSwitchTo(old);
		ConnCacheKeepDecrypted(row, decrypted);
		cached = decrypted;
	}

	result = ConnAllocWiped(CurrentMemoryContext, VARSIZE(cached));
	memcpy(result, cached, VARSIZE(cached));
	if (cxt)
		MemoryContextDelete(cxt);
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
	const ConnRow *row = ConnUsableRow(name, "connection.credentials()");
	Jsonb	   *result;

	if (ConnRowRoleMode(row))
		result = ConnStsCredentials(row, 0);
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
	const ConnRow *row = ConnUsableRow(name, "connection.property()");
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
		PG_RETURN_NULL();
	ConnLogUsage(name, psprintf("connection.property() of %s", def->name));
	result = ConnAllocWiped(CurrentMemoryContext, VARHDRSZ + v->val.string.len);
	SET_VARSIZE(result, VARHDRSZ + v->val.string.len);
	memcpy(VARDATA(result), v->val.string.val, v->val.string.len);
	PG_RETURN_TEXT_P(result);
}
