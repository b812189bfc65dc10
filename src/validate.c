/*-------------------------------------------------------------------------
 *
 * validate.c
 *	  connection.validate(): prove that a connection works, one row per
 *	  check: what was checked, whether it passed, a detail (what the service
 *	  said, or why it could not be asked), and how long it took.
 *
 * A role that may use the connection runs it (USAGE; disabled, cloud and
 * storage rules as for credentials(), which fail the call itself).  The
 * checks make the server reach the connection's own addresses only, under
 * connection.allowed_hosts (a refusal is a failed check, not an error), and
 * never show a secret: details are the extension's own messages, which
 * quote no value, and the providers' scrubbed errors.  Each check runs in a
 * subtransaction, so one failing leaves the others to run; a cancel or a
 * timeout of the statement is not absorbed.
 *
 * What is checked:
 *	- role-based connections (ROLE_ARN): one AssumeRole call, past every
 *	  cache; the detail gives the expiry, or the provider's refusal and the
 *	  trust-policy condition that names the connection's EXTERNAL_ID;
 *	- storage with keys, given target "bucket[/prefix]": one listing of at
 *	  most one object there;
 *	- KAFKA, HDFS, HMS: a TCP connection to every listed address within
 *	  connection.sts_timeout; HMS also its storage connection.
 *
 * IDENTIFICATION
 *	  src/validate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "cache.h"
#include "commands.h"
#include "connection.h"
#include "credentials.h"
#include "http.h"
#include "provider.h"
#include "storage.h"
#include "sts.h"

PG_FUNCTION_INFO_V1(connection_validate);

#define FUNCTION_NAME "connection.validate()"

/* What a check needs: the connection's name and one argument. */
typedef struct Check
{
	const char *name;			/* the connection */
	const char *arg;			/* an address, a path, a connection */
	const char *property;		/* where arg comes from, for messages */
	const char *auth_hint;		/* added to an authorization failure */
	bool		ok;
	char	   *detail;
} Check;

typedef void (*CheckFn) (Check *check);

/*
 * Run one check in a subtransaction and add its row.  An error becomes the
 * row's detail (message, and detail when there is one), but for a cancel,
 * a statement timeout or worse, which go on.
 */
static void
run_check(ReturnSetInfo *rsinfo, const char *what, CheckFn fn, Check *check)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	TimestampTz start = GetCurrentTimestamp();
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	check->ok = false;
	check->detail = NULL;
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		fn(check);
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		if (edata->elevel > ERROR || edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
			ReThrowError(edata);
		check->ok = false;
		check->detail = edata->detail ?
			psprintf("%s: %s", edata->message, edata->detail) : pstrdup(edata->message);
		if (edata->hint)
			check->detail = psprintf("%s (%s)", check->detail, edata->hint);
		if (check->auth_hint && edata->sqlerrcode == ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION)
			check->detail = psprintf("%s. %s", check->detail, check->auth_hint);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;

	values[0] = CStringGetTextDatum(what);
	values[1] = BoolGetDatum(check->ok);
	nulls[2] = check->detail == NULL;
	if (check->detail)
		values[2] = CStringGetTextDatum(check->detail);
	values[3] = Float8GetDatum((double) (GetCurrentTimestamp() - start) / 1000.0);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* A TCP connection to check->arg ("host:port"). */
static void
check_reach(Check *check)
{
	char	   *why = ConnTcpReach(check->arg, check->property, conn_sts_timeout);

	check->ok = (why == NULL);
	check->detail = why ? why : psprintf("connected to %s", check->arg);
}

/* One AssumeRole call now. */
static void
check_assume(Check *check)
{
	const ConnRow *row = ConnUsableRow(check->name, FUNCTION_NAME);
	TimestampTz expiration = ConnStsValidate(row);

	check->ok = true;
	check->detail = psprintf("temporary credentials valid until %s",
							 timestamptz_to_str(expiration));
}

/* A listing of at most one object under check->arg ("bucket[/prefix]"). */
static void
check_list(Check *check)
{
	char	   *bucket;
	char	   *prefix;
	ConnStorage *st;
	ConnObjectCall call;
	ConnHttpResponse resp;
	const char *item_end;
	const char *item;
	char	   *key = NULL;

	ConnObjectPath(check->arg, false, &bucket, &prefix);
	st = ConnStorageOpen(check->name, FUNCTION_NAME);
	memset(&call, 0, sizeof(call));
	call.method = "GET";
	call.bucket = bucket;
	call.action = "list objects in";
	call.params[call.nparams++] = (ConnParam) {"prefix", prefix};
	call.params[call.nparams++] = (ConnParam) {"max-keys", "1"};
	ConnObjectRequestAll(st, &call, &resp);
	item = ConnXmlNext(resp.body, resp.body + resp.len, "Contents", &item_end);
	if (item)
		key = ConnXmlElement(item, item_end, "Key");
	check->ok = true;
	check->detail = key ? psprintf("listed object \"%s\"", key) :
		psprintf("listed no object under \"%s\"", check->arg);
}

/* The storage connection of a catalog, usable by the caller. */
static void
check_storage(Check *check)
{
	(void) ConnUsableRow(check->arg, FUNCTION_NAME);
	check->ok = true;
	check->detail = psprintf("connection \"%s\" exists, is enabled and may be used", check->arg);
}

/* The addresses of a list property: a JSON array of strings. */
static List *
addresses(const ConnRow *row, const char *property, bool strip_thrift)
{
	JsonbValue *v = getKeyJsonValueFromContainer(&row->plain->root, property,
												 strlen(property), NULL);
	List	   *result = NIL;
	JsonbIterator *it;
	JsonbValue	item;
	JsonbIteratorToken tok;

	if (v == NULL || v->type != jbvBinary)
		return NIL;
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &item, true)) != WJB_DONE)
	{
		char	   *s;

		if (tok != WJB_ELEM || item.type != jbvString)
			continue;
		s = pnstrdup(item.val.string.val, item.val.string.len);
		if (strip_thrift && pg_strncasecmp(s, "thrift://", 9) == 0)
			s += 9;
		result = lappend(result, s);
	}
	return result;
}

/*
 * What to tell when a role refuses to be assumed: the condition its trust
 * policy needs, with this connection's EXTERNAL_ID (no secret: desc()
 * shows it, and the role's owner must put it there).
 */
static char *
trust_hint(ConnCloud cloud, const char *external_id)
{
	if (external_id == NULL)
		return NULL;
	if (cloud == CONN_CLOUD_TENCENT)
		return psprintf("If the role's trust policy does not require this connection's EXTERNAL_ID, add the condition {\"string_equal\": {\"sts:external_id\": \"%s\"}}", external_id);
	return psprintf("If the role's trust policy does not require this connection's EXTERNAL_ID, add the condition {\"StringEquals\": {\"sts:ExternalId\": \"%s\"}}", external_id);
}

/*
 * connection.validate(name, target)
 *		One row per check of the connection (see the file header); target is
 *		"bucket[/prefix]" for storage with keys.
 */
Datum
connection_validate(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *name = ConnArgName(fcinfo, 0);
	char	   *target = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	const ConnRow *row = ConnUsableRow(name, FUNCTION_NAME);
	const char *type = pstrdup(row->type->name);
	bool		role = ConnRowRoleMode(row);
	char	   *storage = ConnJsonbString(&row->plain->root, "STORAGE_CONNECTION");
	char	   *role_arn = ConnJsonbString(&row->plain->root, "ROLE_ARN");
	char	   *external_id = ConnJsonbString(&row->plain->root, "EXTERNAL_ID");
	ConnProps	props;
	ConnCloud	cloud;
	List	   *addrs = NIL;
	const char *addr_property = NULL;
	const char *addr_what = NULL;
	ListCell   *lc;
	Check		check = {name, NULL, NULL, NULL, false, NULL};
	bool		checked = false;

	if (strcmp(type, "KAFKA") == 0)
	{
		addr_property = "BOOTSTRAP_SERVERS";
		addr_what = "broker";
	}
	else if (strcmp(type, "HDFS") == 0)
	{
		addr_property = "NAME_NODE_RPC_ADDRESSES";
		addr_what = "name node";
	}
	else if (strcmp(type, "HMS") == 0)
	{
		addr_property = "HIVE_METASTORE_URIS";
		addr_what = "metastore";
	}
	if (addr_property)
		addrs = addresses(row, addr_property, strcmp(type, "HMS") == 0);
	ConnRowProps(row, &props, false);
	cloud = ConnPropsCloud(&props);
	/* row is not used past this point: checks look it up again */

	if (target && (role || strcmp(ConnTypeByName(type)->category, "STORAGE") != 0 || addr_property))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a target is checked only for storage connections with keys"),
				 errdetail("Connection \"%s\" is of type %s%s.", name, type,
						   role ? " and assumes a role" : "")));
	if (strcmp(type, "DATABRICKS") == 0 || strcmp(type, "ICEBERG_REST") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("connection.validate() does not check %s connections yet", type)));

	InitMaterializedSRF(fcinfo, 0);

	if (role)
	{
		check.auth_hint = trust_hint(cloud, external_id);
		run_check(rsinfo, psprintf("assume role %s", role_arn), check_assume, &check);
		check.auth_hint = NULL;
		checked = true;
	}
	foreach(lc, addrs)
	{
		check.arg = lfirst(lc);
		check.property = addr_property;
		run_check(rsinfo, psprintf("reach %s %s", addr_what, check.arg), check_reach, &check);
		checked = true;
	}
	if (storage)
	{
		check.arg = storage;
		run_check(rsinfo, psprintf("storage connection %s", storage), check_storage, &check);
		checked = true;
	}
	if (target)
	{
		check.arg = target;
		run_check(rsinfo, psprintf("list %s", target), check_list, &check);
		checked = true;
	}
	if (!checked)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nothing to check for connection \"%s\" without a target", name),
				 errhint("Pass a \"bucket[/prefix]\" to list: connection.validate('%s', 'bucket/prefix').", name)));
	return (Datum) 0;
}
