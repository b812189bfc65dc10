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
 *	  cache; the detail gives the assumed role (where the provider names it)
 *	  and the expiry, or the provider's refusal and the trust-policy
 *	  condition that names the connection's EXTERNAL_ID;
 *	- S3, OSS, COS with keys: the cloud's STS says whom they belong to
 *	  (GetCallerIdentity, at STS_ENDPOINT or the provider's endpoint; not
 *	  for keys of another service, whose ENDPOINT is not the provider's
 *	  object storage, unless STS_ENDPOINT is set); given target "bucket[/prefix]",
 *	  one listing of at most one object there;
 *	- KAFKA, HDFS, HMS: a TCP connection to every listed address within
 *	  connection.sts_timeout; KAFKA also a metadata request through
 *	  librdkafka with its security settings (kafka.c); HMS also a call of
 *	  get_all_databases() over Thrift (hms.c) and its storage connection;
 *	- DATABRICKS, ICEBERG_REST: the OAuth client-credentials exchange (none
 *	  for a Databricks personal access token), then one read-only call:
 *	  Unity Catalog's list of catalogs, the Iceberg catalog's /v1/config.
 *
 * With connection.validate_on_change, create() and alter() (and execute()'s
 * CREATE) run the same checks on what they just wrote, in their
 * transaction, and a failed check is a WARNING instead of a row.
 *
 * IDENTIFICATION
 *	  src/validate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/base64.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "commands.h"
#include "connection.h"
#include "credentials.h"
#include "crypto.h"
#include "hms.h"
#include "http.h"
#include "kafka.h"
#include "provider.h"
#include "storage.h"
#include "sign.h"
#include "sts.h"
#include "validate.h"
#include "wipe.h"

PG_FUNCTION_INFO_V1(connection_validate);

#define FUNCTION_NAME "connection.validate()"

/* GUC connection.validate_on_change */
bool		conn_validate_on_change = false;

/* validate()'s own context: what lasts from one check to the next */
static MemoryContext check_memory = NULL;

/* What a check needs: the connection's name and one argument. */
typedef struct Check
{
	const char *name;			/* the connection */
	int64		id;				/* and the version of it the checks are of */
	TimestampTz modified;
	const char *arg;			/* an address, a path, a connection */
	const char *property;		/* where arg comes from, for messages */
	const char *auth_hint;		/* added to an authorization failure */
	bool		ok;
	char	   *detail;
	char	   *token;			/* an OAuth access token (wiped memory) */
} Check;

typedef void (*CheckFn) (Check *check);

/* Where the checks' outcomes go: validate()'s rows, or warnings. */
typedef struct Sink
{
	ReturnSetInfo *rsinfo;		/* NULL: a WARNING for each failed check */
	const char *name;			/* the connection */
} Sink;

/* A check and what it runs on, for ConnTrySubtransaction. */
typedef struct CheckCall
{
	CheckFn		fn;
	Check	   *check;
} CheckCall;

static void
call_check(void *arg)
{
	CheckCall  *call = (CheckCall *) arg;

	call->fn(call->check);
}

/* the longest detail, in bytes */
#define MAX_DETAIL 2000

/*
 * s as text of the database's encoding, for a row or a report: what a
 * service said may hold control characters or bytes of no character, and
 * is cut to MAX_DETAIL bytes.
 */
static char *
printable(const char *s)
{
	char	   *out = pstrdup(s);
	char	   *p = out;
	int			len = strlen(out);
	int			encoding = GetDatabaseEncoding();
	bool		cut = len > MAX_DETAIL;

	while (len > 0)
	{
		int			l = 1;

		if ((unsigned char) *p < 0x20 || *p == 0x7f)
			*p = '?';
		else if (IS_HIGHBIT_SET(*p) && (l = pg_encoding_verifymbchar(encoding, p, len)) < 0)
		{
			*p = '?';
			l = 1;
		}
		p += l;
		len -= l;
	}
	if (cut)
		out = psprintf("%.*s...", pg_mbcliplen(out, strlen(out), MAX_DETAIL), out);
	return out;
}

/*
 * Run one check in a subtransaction and add its row (or warn when it
 * failed).  An error becomes the row's detail (message, and detail when
 * there is one), but for a cancel, a statement timeout or worse, which go
 * on (ConnTrySubtransaction).
 */
static void
run_check(Sink *sink, const char *what, CheckFn fn, Check *check)
{
	TimestampTz start = GetCurrentTimestamp();
	CheckCall	call = {fn, check};
	ErrorData  *edata;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	check->ok = false;
	check->detail = NULL;
	edata = ConnTrySubtransaction(call_check, &call);
	if (edata)
	{
		check->ok = false;
		check->detail = edata->detail ?
			psprintf("%s: %s", edata->message, edata->detail) : pstrdup(edata->message);
		if (edata->hint)
			check->detail = psprintf("%s (%s)", check->detail, edata->hint);
		if (check->auth_hint && edata->sqlerrcode == ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION)
			check->detail = psprintf("%s. %s", check->detail, check->auth_hint);
	}

	if (check->detail)
		check->detail = printable(check->detail);
	if (sink->rsinfo == NULL)
	{
		if (!check->ok)
			ereport(WARNING,
					(errmsg("connection \"%s\" failed the check \"%s\"", sink->name, what),
					 check->detail ? errdetail("%s", check->detail) : 0));
		return;
	}
	values[0] = CStringGetTextDatum(what);
	values[1] = BoolGetDatum(check->ok);
	nulls[2] = check->detail == NULL;
	if (check->detail)
		values[2] = CStringGetTextDatum(check->detail);
	values[3] = Float8GetDatum((double) (GetCurrentTimestamp() - start) / 1000.0);
	tuplestore_putvalues(sink->rsinfo->setResult, sink->rsinfo->setDesc, values, nulls);
}

/*
 * The connection again, as the checks look it up: the very version the
 * call started with, or the check fails (a drop and a create of the name,
 * an alter, meanwhile: a token is never sent where it was not fetched for).
 */
static const ConnRow *
same_row(Check *check)
{
	const ConnRow *row = ConnUsableRow(check->name, FUNCTION_NAME);

	if (row->id != check->id || row->modified != check->modified)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("connection \"%s\" changed while it was being validated", check->name)));
	return row;
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

/* A TCP connection to check->arg ("host:port"). */
static void
check_reach(Check *check)
{
	char	   *why = ConnTcpReach(check->arg, check->property, conn_sts_timeout);

	check->ok = (why == NULL);
	check->detail = why ? why : psprintf("connected to %s", check->arg);
}

/* A Kafka metadata request, with the connection's security settings. */
static void
check_kafka(Check *check)
{
	const ConnRow *row = same_row(check);
	List	   *brokers = addresses(row, "BOOTSTRAP_SERVERS", false);

	ConnLogUsage(check->name, FUNCTION_NAME);
	check->ok = ConnKafkaMetadata(row, brokers, conn_sts_timeout, &check->detail);
}

/* A metastore's list of databases, over Thrift. */
static void
check_hms(Check *check)
{
	const ConnRow *row = same_row(check);

	/* present exactly when KERBEROS_PRINCIPAL is, which is not plain */
	if (ConnJsonbString(&row->plain->root, "METASTORE_PRINCIPAL"))
	{
		check->detail = pstrdup("not checked: the metastore wants SASL with Kerberos, and validate() obtains no Kerberos ticket");
		return;
	}
	check->ok = ConnHmsDatabases(addresses(row, "HIVE_METASTORE_URIS", true), conn_sts_timeout,
								 &check->detail);
}

/* One AssumeRole call now. */
static void
check_assume(Check *check)
{
	char	   *assumed;
	const ConnRow *row = same_row(check);
	TimestampTz expiration;

	ConnLogUsage(check->name, FUNCTION_NAME);
	expiration = ConnStsValidate(row, &assumed);

	check->ok = true;
	check->detail = psprintf("%s%s%stemporary credentials valid until %s",
							 assumed ? "assumed " : "", assumed ? assumed : "",
							 assumed ? ", " : "", timestamptz_to_str(expiration));
}

/* One GetCallerIdentity call now, signed with the connection's keys. */
static void
check_identity(Check *check)
{
	ConnStsIdentityResult who;
	const ConnRow *row = same_row(check);

	ConnLogUsage(check->name, FUNCTION_NAME);
	ConnStsIdentity(row, &who);
	check->ok = true;
	check->detail = psprintf("account %s, %s%s%s", who.account, who.arn,
							 who.user_id ? ", user id " : "", who.user_id ? who.user_id : "");
}

/*
 * Would the cloud's STS know the keys of this storage connection?  Yes
 * with STS_ENDPOINT, or when its object storage is the provider's own (no
 * ENDPOINT, or one of the provider's storage hosts): the keys of an
 * S3-compatible service elsewhere -- on an EC2 host name, say -- are not
 * sent to AWS.
 */
static bool
cloud_keys(const ConnRow *row, const ConnProvider *provider)
{
	char	   *endpoint = ConnJsonbString(&row->plain->root, "ENDPOINT");
	ConnEndpoint ep;

	if (ConnJsonbString(&row->plain->root, "STS_ENDPOINT") || endpoint == NULL)
		return true;
	ConnHttpEndpoint(endpoint, "ENDPOINT", &ep);
	return ConnProviderStorageHost(provider, ep.authority);
}

/* A listing of at most one object under check->arg ("bucket[/prefix]"). */
static void
check_list(Check *check)
{
	char	   *bucket;
	char	   *prefix;
	ConnStorage *st;
	ConnHttpResponse resp;
	const char *item_end;
	const char *item;
	char	   *key = NULL;

	ConnObjectPath(check->arg, false, &bucket, &prefix);
	st = ConnStorageOpen(check->name, FUNCTION_NAME);
	ConnObjectListPage(st, bucket, prefix, "1", NULL, &resp);
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

/* ---------------------------------------------------------------------
 * DATABRICKS and ICEBERG_REST: an OAuth token, then one read-only call
 * ---------------------------------------------------------------------
 */

/* base (a property's URL) with path appended, as an endpoint for requests */
static ConnEndpoint
endpoint_of(const char *base, const char *path, const char *property)
{
	ConnEndpoint ep;
	char	   *url = psprintf("%s%s%s", base,
							   base[strlen(base) - 1] == '/' ? "" : "/", path[0] == '/' ? path + 1 : path);

	ConnHttpEndpoint(url, property, &ep);
	return ep;
}

/* What a failed answer says, scrubbed of the credentials sent. */
static char *
answer_error(const ConnHttpResponse *resp, const ConnKeys *keys)
{
	Jsonb	   *j = ConnJsonObject(resp->body, resp->len);
	char	   *what = NULL;

	if (j)
	{
		what = ConnJsonbString(&j->root, "error_description");
		if (what == NULL)
			what = ConnJsonbString(&j->root, "message");
		if (what == NULL)
			what = ConnJsonbString(&j->root, "error");
	}
	return psprintf("HTTP status %ld: %s", resp->status, ConnScrubText(what, keys));
}

/*
 * The OAuth client-credentials exchange of a DATABRICKS or ICEBERG_REST
 * connection (or its personal access token, which needs none): the token
 * goes to check->token, in wiped memory of the function's context.
 */
static void
check_token(Check *check)
{
	const ConnRow *row = same_row(check);
	bool		databricks = strcmp(row->type->name, "DATABRICKS") == 0;
	const char *base_property = databricks ? "HOST" : "URI";
	ConnProps	props;
	const char *id;
	const char *secret;
	const char *pat;
	const char *scope;
	ConnEndpoint ep;
	StringInfoData body;
	List	   *headers = NIL;
	ConnHttpResponse resp;
	ConnKeys	keys = {NULL, NULL, NULL};
	Jsonb	   *answer;
	char	   *token;

	ConnRowProps(row, &props, true);
	ConnLogUsage(check->name, FUNCTION_NAME);
	id = ConnPropValue(&props, databricks ? "CLIENT_ID" : "OAUTH_CLIENT_ID");
	secret = ConnPropValue(&props, databricks ? "CLIENT_SECRET" : "OAUTH_CLIENT_SECRET");
	pat = databricks ? ConnPropValue(&props, "ACCESS_TOKEN") : NULL;
	if (pat)
	{
		check->token = ConnStrdupWiped(check_memory, pat, strlen(pat));
		check->ok = true;
		check->detail = pstrdup("a personal access token: no exchange needed");
		ConnWipeProps(&props);
		return;
	}
	if (id == NULL || secret == NULL || ConnPropValue(&props, base_property) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("connection \"%s\" has no OAuth client credentials", check->name)));
	scope = databricks ? "all-apis" : ConnPropValue(&props, "OAUTH_SCOPE");
	if (scope == NULL)
		scope = "catalog";
	keys.key_id = (char *) id;
	keys.secret = (char *) secret;
	ep = endpoint_of(ConnPropValue(&props, base_property),
					 databricks ? "oidc/v1/token" : "v1/oauth/tokens", base_property);

	/*
	 * The form holds the secret (Iceberg) or not (Databricks: Basic); it is
	 * sized for the worst case of percent-encoding (3 bytes a byte) with
	 * room to spare (appendStringInfo enlarges when fewer than 16 bytes are
	 * left), so that it never grows: a StringInfo that grows leaves its old,
	 * unwiped copy behind, and the wipe would then write freed memory.
	 */
	body.maxlen = 256 + 3 * (strlen(scope) + strlen(id) + strlen(secret));
	body.data = ConnAllocWiped(CurrentMemoryContext, body.maxlen);
	body.len = 0;
	body.data[0] = '\0';
	appendStringInfoString(&body, "grant_type=client_credentials&scope=");
	ConnUriEncode(&body, scope, false);
	if (databricks)
	{
		char	   *pair = ConnAllocWiped(CurrentMemoryContext, strlen(id) + strlen(secret) + 2);
		int			b64len = pg_b64_enc_len(strlen(id) + strlen(secret) + 1);
		char	   *b64 = ConnAllocWiped(CurrentMemoryContext, b64len + 1);
		char	   *header = ConnAllocWiped(CurrentMemoryContext, b64len + 32);
		int			n;

		sprintf(pair, "%s:%s", id, secret);
		n = pg_b64_encode(pair, strlen(pair), b64, b64len);
		if (n < 0)
			elog(ERROR, "could not encode the client credentials");
		b64[n] = '\0';
		sprintf(header, "Authorization: Basic %s", b64);
		headers = lappend(headers, header);
	}
	else
	{
		appendStringInfoString(&body, "&client_id=");
		ConnUriEncode(&body, id, false);
		appendStringInfoString(&body, "&client_secret=");
		ConnUriEncode(&body, secret, false);
	}
	headers = lappend(headers, "Content-Type: application/x-www-form-urlencoded");
	ConnHttpRequest("POST", &ep, base_property, ep.url, headers, body.data,
					"the OAuth token endpoint", &resp);
	ConnWipeOnReset(CurrentMemoryContext, resp.body, resp.len);
	if (resp.status != 200)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("the OAuth token endpoint of connection \"%s\" refused the client credentials",
						check->name),
				 errdetail("%s", answer_error(&resp, &keys))));
	answer = ConnJsonObject(resp.body, resp.len);
	token = answer ? ConnJsonbString(&answer->root, "access_token") : NULL;
	if (token == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("the OAuth token endpoint of connection \"%s\" answered without an access token",
						check->name)));
	check->token = ConnStrdupWiped(check_memory, token, strlen(token));
	explicit_bzero(token, strlen(token));
	ConnWipeProps(&props);
	check->ok = true;
	check->detail = psprintf("access token received from %s", ep.authority);
}

/*
 * One read-only call with the token: Unity Catalog's list of catalogs, or
 * an Iceberg REST catalog's configuration for the warehouse.
 */
static void
check_catalog_call(Check *check)
{
	const ConnRow *row = same_row(check);
	bool		databricks = strcmp(row->type->name, "DATABRICKS") == 0;
	const char *base_property = databricks ? "HOST" : "URI";
	char	   *base = ConnJsonbString(&row->plain->root, base_property);
	char	   *warehouse = ConnJsonbString(&row->plain->root, "WAREHOUSE");
	StringInfoData path;
	ConnEndpoint ep;
	char	   *auth;
	ConnHttpResponse resp;
	ConnKeys	keys = {NULL, NULL, check->token};
	Jsonb	   *answer;

	if (check->token == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("not tried: there is no access token")));
	if (base == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("connection \"%s\" has no %s", check->name, base_property)));
	initStringInfo(&path);
	if (databricks)
		appendStringInfoString(&path, "api/2.1/unity-catalog/catalogs");
	else
		appendStringInfoString(&path, "v1/config");
	ep = endpoint_of(base, path.data, base_property);
	if (!databricks && warehouse)
	{
		resetStringInfo(&path);
		appendStringInfo(&path, "%s?warehouse=", ep.url);
		ConnUriEncode(&path, warehouse, false);
	}
	else
	{
		resetStringInfo(&path);
		appendStringInfoString(&path, ep.url);
	}
	auth = ConnAllocWiped(CurrentMemoryContext, strlen(check->token) + 32);
	sprintf(auth, "Authorization: Bearer %s", check->token);
	ConnHttpRequest("GET", &ep, base_property, path.data, list_make1(auth), NULL,
					databricks ? "Unity Catalog" : "the Iceberg REST catalog", &resp);
	ConnWipeOnReset(CurrentMemoryContext, resp.body, resp.len);
	if (resp.status != 200)
		ereport(ERROR,
				(errcode(resp.status == 401 || resp.status == 403 ?
						 ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION : ERRCODE_CONNECTION_FAILURE),
				 errmsg("%s refused the call of connection \"%s\"",
						databricks ? "Unity Catalog" : "the Iceberg REST catalog", check->name),
				 errdetail("%s", answer_error(&resp, &keys))));
	answer = ConnJsonObject(resp.body, resp.len);
	if (answer == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("%s answered connection \"%s\" with no JSON object",
						databricks ? "Unity Catalog" : "the Iceberg REST catalog", check->name)));
	check->ok = true;
	if (databricks)
	{
		JsonbValue *v = getKeyJsonValueFromContainer(&answer->root, "catalogs", 8, NULL);
		int			n = (v && v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data)) ?
			JsonContainerSize(v->val.binary.data) : 0;

		check->detail = psprintf("%d catalog%s listed", n, n == 1 ? "" : "s");
	}
	else
		check->detail = psprintf("configuration read%s%s", warehouse ? " for warehouse " : "",
								 warehouse ? warehouse : "");
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
 * Run every check of connection name (see the file header); target is
 * "bucket[/prefix]" for storage with keys.  With fcinfo, the checks are
 * validate()'s rows, and having nothing to check is an error; without,
 * failed checks are warnings and nothing to check is nothing to say.
 */
static void
run_checks(const char *name, const char *target, FunctionCallInfo fcinfo)
{
	Sink		sink = {NULL, name};
	const ConnRow *row = ConnUsableRow(name, FUNCTION_NAME);
	const char *type = pstrdup(row->type->name);
	bool		role = ConnRowRoleMode(row);
	char	   *storage = ConnJsonbString(&row->plain->root, "STORAGE_CONNECTION");
	char	   *role_arn = ConnJsonbString(&row->plain->root, "ROLE_ARN");
	char	   *external_id = ConnJsonbString(&row->plain->root, "EXTERNAL_ID");
	ConnCloud	cloud = ConnRowCloud(row);
	List	   *addrs = NIL;
	const char *addr_property = NULL;
	const char *addr_what = NULL;
	ListCell   *lc;
	Check		check = {name, row->id, row->modified, NULL, NULL, NULL, false, NULL, NULL};
	bool		checked = false;
	const ConnProvider *provider = ConnProviderOfStorage(type);
	bool		identity = !role && provider && cloud_keys(row, provider);
	char	   *kafka_check = NULL;

	if (strcmp(type, "KAFKA") == 0)
	{
		char	   *protocol = ConnJsonbString(&row->plain->root, "SECURITY_PROTOCOL");
		char	   *mechanism = ConnJsonbString(&row->plain->root, "SASL_MECHANISM");

		addr_property = "BOOTSTRAP_SERVERS";
		addr_what = "broker";
		kafka_check = psprintf("Kafka metadata (librdkafka, %s%s%s)", protocol ? protocol : "PLAINTEXT",
							   mechanism ? " " : "", mechanism ? mechanism : "");
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
	/* row is not used past this point: checks look it up again */

	if (target && (role || strcmp(ConnTypeByName(type)->category, "STORAGE") != 0 || addr_property))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a target is checked only for storage connections with keys"),
				 errdetail("Connection \"%s\" is of type %s%s.", name, type,
						   role ? " and assumes a role" : "")));
	if (fcinfo)
	{
		InitMaterializedSRF(fcinfo, 0);
		sink.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	}
	check_memory = CurrentMemoryContext;

	if (strcmp(type, "DATABRICKS") == 0 || strcmp(type, "ICEBERG_REST") == 0)
	{
		bool		iceberg = strcmp(type, "ICEBERG_REST") == 0;

		run_check(&sink, "OAuth access token", check_token, &check);
		run_check(&sink, iceberg ? "read the catalog configuration (GET /v1/config)" :
				  "list catalogs (Unity Catalog)", check_catalog_call, &check);
		checked = true;
	}

	if (role)
	{
		check.auth_hint = trust_hint(cloud, external_id);
		run_check(&sink, psprintf("assume role %s", role_arn), check_assume, &check);
		check.auth_hint = NULL;
		checked = true;
	}
	foreach(lc, addrs)
	{
		check.arg = lfirst(lc);
		check.property = addr_property;
		run_check(&sink, psprintf("reach %s %s", addr_what, check.arg), check_reach, &check);
		checked = true;
	}
	if (kafka_check)
	{
		run_check(&sink, kafka_check, check_kafka, &check);
		checked = true;
	}
	if (strcmp(type, "HMS") == 0)
	{
		run_check(&sink, "Hive metastore get_all_databases() (Thrift)", check_hms, &check);
		checked = true;
	}
	if (identity)
	{
		run_check(&sink, psprintf("identity of the keys (%s STS GetCallerIdentity)", provider->label),
				  check_identity, &check);
		checked = true;
	}
	if (storage)
	{
		check.arg = storage;
		run_check(&sink, psprintf("storage connection %s", storage), check_storage, &check);
		checked = true;
	}
	if (target)
	{
		check.arg = target;
		run_check(&sink, psprintf("list %s", target), check_list, &check);
		checked = true;
	}
	if (!checked && fcinfo)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nothing to check for connection \"%s\" without a target", name),
				 provider ? errdetail("Its ENDPOINT is not %s's object storage, so %s STS is not asked whom its keys belong to; set STS_ENDPOINT to ask one.",
									  provider->label, provider->label) : 0,
				 errhint("Pass a \"bucket[/prefix]\" to list: connection.validate('%s', 'bucket/prefix').", name)));
}

/*
 * connection.validate(name, target)
 *		One row per check of the connection (see the file header); target is
 *		"bucket[/prefix]" for storage with keys.
 */
Datum
connection_validate(PG_FUNCTION_ARGS)
{
	char	   *name = ConnArgName(fcinfo, 0);
	char	   *target = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));

	run_checks(name, target, fcinfo);
	return (Datum) 0;
}

static void
run_checks_warning(void *arg)
{
	run_checks((const char *) arg, NULL, NULL);
}

/*
 * ConnValidateOnChange
 *		With connection.validate_on_change, run validate()'s checks of a
 *		connection just created or changed, in its transaction: a WARNING
 *		for each that fails (the connection stays as it is; a role's trust
 *		policy, say, can name the EXTERNAL_ID only after the create).  What
 *		keeps the checks from running at all (a disabled storage connection
 *		of a catalog) is a WARNING too; a cancel is not absorbed.
 */
void
ConnValidateOnChange(const char *name)
{
	ErrorData  *edata;

	if (!conn_validate_on_change)
		return;
	edata = ConnTrySubtransaction(run_checks_warning, (void *) name);
	if (edata)
		ereport(WARNING,
				(errmsg("connection \"%s\" was not validated: %s", name, edata->message),
				 edata->detail ? errdetail("%s", edata->detail) : 0));
}

