/*-------------------------------------------------------------------------
 *
 * sts.c
 *	  Temporary credentials of role-based connections (SPEC section 6).
 *
 * credentials() of a connection with ROLE_ARN calls its provider's
 * AssumeRole API -- AWS STS (query API, Signature Version 4, XML), Alibaba
 * Cloud STS (RPC, HMAC-SHA1, JSON) or Tencent Cloud STS (TC3-HMAC-SHA256,
 * JSON), made and read by the provider's functions (provider.h) -- signed
 * with the access keys of the source connection: the
 * SOURCE_CONNECTION property, else the connection named by
 * connection.sts_source_connection.  The request carries ROLE_ARN, the
 * generated EXTERNAL_ID, SESSION_NAME (default: pg-<database>-<connection>)
 * and DURATION_SECONDS (default 3600).
 *
 * The answer is a jsonb object: the connection's plain properties, plus
 * ACCESS_KEY_ID, SECRET, SECURITY_TOKEN and EXPIRATION (ISO 8601, UTC),
 * plus the same key and secret under the type's own property names (ACCESS_KEY
 * and SECRET_KEY of S3 and COS, ACCESS_ID and ACCESS_KEY of OSS), so that
 * code written for a keys-mode connection works unchanged.
 *
 * Temporary credentials are never in the catalog (so this works on a hot
 * standby).  Each backend keeps the answers it got, and hands them out
 * again until CONN_STS_MARGIN seconds before they expire; with the library
 * preloaded, answers are also shared by every backend (stscache.c: one
 * call per connection for the whole server, renewed in the background),
 * and handed out until shortly before they expire.  An entry remembers
 * where the catalog rows of the connection and of its source were read
 * and when they were last modified (ConnStsKey): any change to either
 * (alter, rename, rotate_key, a new source named by the GUC) makes the
 * next call assume the role afresh.  Cached values live in wiped memory
 * (wipe.c), and the backend's cache starts over once it outgrows
 * connection.cache_memory.
 *
 * validate() asks the same STS who a keys-mode storage connection's keys
 * belong to (GetCallerIdentity, signed with those keys, at STS_ENDPOINT
 * or the provider's endpoint), and AssumeRole once past every cache.
 *
 * Errors never contain a key, a signature or a token: what the provider
 * says is passed on as its error code and message, with the source's key
 * ID and secret blanked out, cut to a sane length.
 *
 * IDENTIFICATION
 *	  src/sts.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <time.h>

#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "cache.h"
#include "commands.h"
#include "connection.h"
#include "credentials.h"
#include "crypto.h"
#include "http.h"
#include "privileges.h"
#include "provider.h"
#include "sts.h"
#include "stscache.h"
#include "wipe.h"

/* Temporary credentials are renewed this many seconds before they expire. */
#define CONN_STS_MARGIN 300

/* Default DURATION_SECONDS. */
#define CONN_STS_DEFAULT_DURATION "3600"

char	   *conn_sts_source_connection = NULL;

/* One answer cached by this backend, by connection id. */
typedef struct StsCacheEntry
{
	int64		id;				/* hash key */
	ConnStsKey	key;			/* what it was made from */
	TimestampTz fetched;
	TimestampTz expiration;
	MemoryContext cxt;			/* holds result; wiped when deleted */
	Jsonb	   *result;
	int			slot;			/* the shared table's slot held, or -1 */
	uint64		generation;
	TimestampTz touched;		/* when the slot was last told it is used */
} StsCacheEntry;

static HTAB *sts_cache = NULL;
static MemoryContext StsContext = NULL;

/* ---------------------------------------------------------------------
 * The source connection and the request parameters
 * ---------------------------------------------------------------------
 */

/* pg-<database>-<connection>, in the characters every provider accepts. */
static char *
default_session_name(const char *connname)
{
	char	   *dbname = get_database_name(MyDatabaseId);
	char	   *name = psprintf("pg-%s-%s", dbname ? dbname : "db", connname);
	int			len = strlen(name);

	for (char *p = name; *p; p++)
		if (!isalnum((unsigned char) *p) && !strchr("_.@-", *p))
			*p = '-';
	if (len > 64)
		name[64] = '\0';
	return name;
}

/*
 * The source connection's row, checked: it exists, is enabled and holds
 * access keys of the same cloud, and the connection's owner may use it --
 * whether the connection names it or connection.sts_source_connection
 * does (the instance's own identity is a connection like any other, lent
 * with grant_usage()).  The row belongs to the cache (valid until the next
 * lookup).
 */
static const ConnRow *
source_row(const ConnRow *row, const ConnProps *props, ConnCloud cloud)
{
	const char *prop = ConnPropValue(props, "SOURCE_CONNECTION");
	Oid			owner = row->owner;
	char	   *connname = pstrdup(row->name);
	const char *name;
	const ConnRow *src;

	if (prop)
		name = prop;
	else if (conn_sts_source_connection && conn_sts_source_connection[0])
		name = ConnNormalizeName(conn_sts_source_connection, "connection.sts_source_connection");
	else
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("connection \"%s\" has no source connection to sign its AssumeRole call", connname),
				 errhint("Set its SOURCE_CONNECTION property, or connection.sts_source_connection.")));

	src = ConnCacheLookup(name);
	/* from here on, row may be gone: use the copies */
	if (src == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("source connection \"%s\" of connection \"%s\" does not exist", name, connname),
				 prop ? 0 : errdetail("connection.sts_source_connection names it.")));
	if (!src->enabled)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("source connection \"%s\" of connection \"%s\" is disabled", name, connname)));
	if (!ConnCanSignFor(src, cloud))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("connection \"%s\" cannot be the source connection of \"%s\"", name, connname),
				 errdetail("A source connection must authenticate with access keys on the same cloud (%s).",
						   ConnCloudName(cloud))));
	if (!ConnHasUsage(src, owner) && prop)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("owner of connection \"%s\" may not use its source connection \"%s\"",
						connname, name)));
	if (!ConnHasUsage(src, owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("owner of connection \"%s\" may not use connection \"%s\", the instance's source connection",
						connname, name),
				 errdetail("connection.sts_source_connection names connection \"%s\"; its keys sign for the roles that may use it.",
						   name),
				 errhint("A superuser grants it with connection.grant_usage('%s', '%s').",
						 name, ConnRoleName(owner))));
	return src;
}

/* ---------------------------------------------------------------------
 * Parsing responses
 * ---------------------------------------------------------------------
 */

static void
malformed(const ConnProvider *provider, const ConnStsRequest *req, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROTOCOL_VIOLATION),
			 errmsg("malformed response from the %s STS endpoint for connection \"%s\"",
					provider->label, req->connname),
			 errdetail_internal("%s", why)));
}

static char *
format_iso_time(TimestampTz t)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (timestamp2tm(t, NULL, &tm, &fsec, NULL, NULL) != 0)
		elog(ERROR, "timestamp out of range");
	return psprintf("%04d-%02d-%02dT%02d:%02d:%02dZ",
					tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * Report an error answer: auth-like codes (and HTTP 401/403) as 28000,
 * other client errors as 22023 (the connection's settings), the rest as
 * 08006.
 */
static void
provider_error(const ConnProvider *provider, const ConnStsRequest *req, long status,
			   const char *code, const char *message)
{
	ConnKeys	keys = {(char *) req->key_id, (char *) req->secret, NULL};

	static const char *const auth_words[] = {
		"Signature", "AccessDenied", "Auth", "Token", "Expired", "NoPermission",
		"Forbidden", "Unauthorized", "TimeSkewed", "Timestamp", NULL
	};
	static const char *const clock_words[] = {
		"Expired", "TimeSkewed", "Timestamp", "RequestTime", NULL
	};
	int			sqlstate;
	bool		clock = false;
	bool		auth = (status == 401 || status == 403);

	for (int i = 0; code && auth_words[i]; i++)
		if (strstr(code, auth_words[i]))
			auth = true;
	for (int i = 0; code && clock_words[i]; i++)
		if (strstr(code, clock_words[i]))
			clock = true;
	if (auth)
		sqlstate = ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION;
	else if (status >= 400 && status < 500)
		sqlstate = ERRCODE_INVALID_PARAMETER_VALUE;
	else
		sqlstate = ERRCODE_CONNECTION_FAILURE;

	ereport(ERROR,
			(errcode(sqlstate),
			 req->role_arn ?
			 errmsg("%s STS did not issue credentials for connection \"%s\"",
					provider->label, req->connname) :
			 errmsg("%s STS did not say whom the keys of connection \"%s\" belong to",
					provider->label, req->connname),
			 errdetail("HTTP status %ld, error code \"%s\": %s", status,
					   code ? ConnScrubText(code, &keys) : "(none)", ConnScrubText(message, &keys)),
			 clock ? errhint("Check the clock of the database server: the provider judged the request's time stamp.") :
			 !auth ? 0 :
			 req->role_arn ? errhint("Check the keys of the source connection, and that the role's trust policy admits them with the connection's EXTERNAL_ID.") :
			 errhint("Check the connection's keys, and that its STS endpoint is its cloud's.")));
}

/*
 * What an answer says, or its error reported: the provider's function
 * reads the answer, the reporting is the same for all.
 */
static void
read_answer(const ConnProvider *provider, const ConnStsRequest *req,
			const ConnHttpResponse *resp, ConnStsAnswer *answer)
{
	memset(answer, 0, sizeof(*answer));
	answer->identity = (req->role_arn == NULL);
	provider->sts_parse(resp, answer);
	if (answer->malformed)
		malformed(provider, req, answer->malformed);
	if (answer->failed)
		provider_error(provider, req, resp->status, answer->code, answer->message);
}

/* The temporary credentials of an AssumeRole answer; its role, if named. */
static void
read_credentials(const ConnProvider *provider, const ConnStsRequest *req,
				 const ConnHttpResponse *resp, ConnTempCreds *creds, char **assumed)
{
	ConnStsAnswer answer;

	read_answer(provider, req, resp, &answer);
	if (assumed)
		*assumed = answer.arn;
	creds->key_id = answer.key_id;
	creds->secret = answer.secret;
	creds->token = answer.token;
	if (!ConnParseIsoTime(answer.expiration, &creds->expiration))
		malformed(provider, req, "Expiration is not an ISO 8601 UTC time.");
}

/* ---------------------------------------------------------------------
 * The answer, and the caches
 * ---------------------------------------------------------------------
 */

static void
push_pair(JsonbParseState **state, const char *key, const char *value)
{
	JsonbValue	k;
	JsonbValue	v;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	v.type = jbvString;
	v.val.string.val = (char *) value;
	v.val.string.len = strlen(value);
	pushJsonbValue(state, WJB_KEY, &k);
	pushJsonbValue(state, WJB_VALUE, &v);
}

/*
 * The plain properties and the temporary credentials, as one object, in
 * wiped memory of the current context.
 */
static Jsonb *
build_result(const ConnProps *props, const ConnTempCreds *creds)
{
	JsonbParseState *state = NULL;
	JsonbValue *res;
	Jsonb	   *temp;
	Jsonb	   *all;
	int			id_idx = ConnKeyProp(props->type, CONN_IDENTIFIER);
	int			secret_idx = ConnKeyProp(props->type, CONN_SECRET);

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	push_pair(&state, "ACCESS_KEY_ID", creds->key_id);
	push_pair(&state, "SECRET", creds->secret);
	push_pair(&state, "SECURITY_TOKEN", creds->token);
	push_pair(&state, "EXPIRATION", format_iso_time(creds->expiration));
	if (id_idx >= 0 && secret_idx >= 0)
	{
		push_pair(&state, props->type->props[id_idx].name, creds->key_id);
		push_pair(&state, props->type->props[secret_idx].name, creds->secret);
	}
	res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	temp = JsonbValueToJsonb(res);
	ConnWipeVarlena(CurrentMemoryContext, temp);
	all = DatumGetJsonbP(DirectFunctionCall2(jsonb_concat,
											 JsonbPGetDatum(ConnPropsToJsonb(props, CONN_KIND_BIT(CONN_PLAIN), false)),
											 JsonbPGetDatum(temp)));
	ConnWipeVarlena(CurrentMemoryContext, all);
	return all;
}

/*
 * The backend's cache of answers, created (again) when missing or once it
 * has outgrown connection.cache_memory; its entries' results live in
 * contexts of their own, wiped when deleted.
 */
static void
sts_cache_init(void)
{
	HASHCTL		ctl;

	if (sts_cache != NULL &&
		MemoryContextMemAllocated(StsContext, true) <= (Size) conn_cache_memory * 1024)
		return;
	if (StsContext == NULL)
		StsContext = AllocSetContextCreate(TopMemoryContext, "connection STS cache",
										   ALLOCSET_SMALL_SIZES);
	else
	{
		HASH_SEQ_STATUS seq;
		StsCacheEntry *entry;

		hash_seq_init(&seq, sts_cache);
		while ((entry = hash_seq_search(&seq)) != NULL)
			ConnStsSharedRelease(entry->slot, entry->generation);
		MemoryContextReset(StsContext);
	}
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(StsCacheEntry);
	ctl.hcxt = StsContext;
	sts_cache = hash_create("connection STS cache", 64, &ctl,
							HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

static void
forget(StsCacheEntry *entry)
{
	if (entry->cxt)
		MemoryContextDelete(entry->cxt);
	entry->cxt = NULL;
	entry->result = NULL;
	ConnStsSharedRelease(entry->slot, entry->generation);
	entry->slot = -1;
	entry->generation = 0;
}

/* A copy of jb in wiped memory of the current context. */
static Jsonb *
copy_jsonb(const Jsonb *jb)
{
	Jsonb	   *copy = ConnAllocWiped(CurrentMemoryContext, VARSIZE(jb));

	memcpy(copy, jb, VARSIZE(jb));
	return copy;
}

/*
 * Until when an answer is handed out: CONN_STS_MARGIN seconds before it
 * expires, or with the shared table (whose refresher renews answers
 * earlier), shortly before.
 */
static TimestampTz
usable_until(TimestampTz fetched, TimestampTz expiration)
{
	if (ConnStsSharedEnabled())
		return expiration - ConnStsSharedMargin(fetched, expiration);
	return expiration - (TimestampTz) CONN_STS_MARGIN * USECS_PER_SEC;
}

/* ---------------------------------------------------------------------
 * Calls
 * ---------------------------------------------------------------------
 */

/* Everything one AssumeRole call needs, checked, from a connection's row. */
typedef struct StsPlan
{
	ConnProps	props;			/* plain properties */
	const ConnProvider *provider;
	ConnStsRequest req;
	const ConnRow *src;
	ConnStsKey	key;
} StsPlan;

/* Where the call goes, STS_ENDPOINT or the provider's; the region it names. */
static void
address_call(const ConnProvider *provider, const ConnProps *props, ConnStsRequest *req)
{
	const char *endpoint = ConnPropValue(props, "STS_ENDPOINT");

	req->endpoint_from = endpoint ? "STS_ENDPOINT" : "The default STS endpoint";
	ConnHttpEndpoint(endpoint ? endpoint : provider->sts_endpoint(req->region, req->role_arn),
					 "STS_ENDPOINT", &req->endpoint);
	if (req->region == NULL)
		req->region = provider->sts_default_region;
}

static void
plan_call(const ConnRow *row, StsPlan *plan)
{
	ConnProps  *props = &plan->props;
	ConnStsRequest *req = &plan->req;

	ConnRowProps(row, props, false);
	memset(req, 0, sizeof(*req));
	req->connname = pstrdup(row->name);
	plan->provider = ConnProviderOf(ConnPropsCloud(props));
	req->role_arn = ConnPropValue(props, "ROLE_ARN");
	memset(&plan->key, 0, sizeof(plan->key));
	plan->key.dbid = MyDatabaseId;
	plan->key.id = row->id;
	plan->key.tid = row->tid;
	plan->key.modified = row->modified;
	/* from here on, row may be gone (the source's lookup may replace it) */
	plan->src = source_row(row, props, plan->provider->cloud);
	plan->key.source_id = plan->src->id;
	plan->key.source_tid = plan->src->tid;
	plan->key.source_modified = plan->src->modified;

	req->external_id = ConnPropValue(props, "EXTERNAL_ID");
	req->region = ConnPropValue(props, "REGION");
	req->session_name = ConnPropValue(props, "SESSION_NAME");
	if (req->session_name == NULL)
		req->session_name = default_session_name(req->connname);
	req->duration = ConnPropValue(props, "DURATION_SECONDS");
	if (req->duration == NULL)
		req->duration = CONN_STS_DEFAULT_DURATION;
	address_call(plan->provider, props, req);
}

/*
 * Make the call, signed with the source's keys; the keys, the request and
 * the answer live in the current context, which the caller wipes (every
 * plaintext in it is registered with wipe.c).
 */
static void
assume_role(StsPlan *plan, ConnTempCreds *creds, char **assumed)
{
	ConnProps	srcprops;
	ConnHttpResponse resp;
	ConnStsRequest *req = &plan->req;

	ConnRowProps(plan->src, &srcprops, true);
	req->key_id = srcprops.values[ConnKeyProp(srcprops.type, CONN_IDENTIFIER)];
	req->secret = srcprops.values[ConnKeyProp(srcprops.type, CONN_SECRET)];

	plan->provider->sts_call(req, &resp);
	read_credentials(plan->provider, req, &resp, creds, assumed);
	/* never kept longer than asked for, whatever the answer says */
	creds->expiration = Min(creds->expiration,
							GetCurrentTimestamp() + (TimestampTz) atoi(req->duration) * USECS_PER_SEC);
	if (creds->expiration <= GetCurrentTimestamp())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("temporary credentials of connection \"%s\" expired at %s, before they arrived",
						req->connname, format_iso_time(creds->expiration)),
				 errhint("Check the clock of the database server, and DURATION_SECONDS.")));
}

/*
 * Make the call for a slot of the shared table this backend claimed, and
 * store the answer there; a failure is recorded there first.
 */
static uint64
assume_role_shared(StsPlan *plan, ConnTempCreds *creds, int slot)
{
	MemoryContext cxt = CurrentMemoryContext;

	PG_TRY();
	{
		assume_role(plan, creds, NULL);
	}
	PG_CATCH();
	{
		MemoryContext ecxt = MemoryContextSwitchTo(cxt);
		ErrorData  *edata = CopyErrorData();

		MemoryContextSwitchTo(ecxt);
		ConnStsSharedFailed(slot, plan->key.id, edata->sqlerrcode, edata->message, edata->detail);
		PG_RE_THROW();
	}
	PG_END_TRY();
	return ConnStsSharedPut(slot, &plan->key, creds);
}

/*
 * ConnStsValidate
 *		One AssumeRole call for a role-based connection the current user may
 *		use, now, past every cache (validate()): the expiry of what it got,
 *		and the assumed role's ARN when the provider names it (else NULL).
 *		The credentials are not kept: they are wiped with the call's
 *		context.  Errors as for credentials().
 */
TimestampTz
ConnStsValidate(const ConnRow *row, char **assumed)
{
	StsPlan		plan;
	ConnTempCreds creds;
	MemoryContext old = CurrentMemoryContext;
	MemoryContext cxt = AllocSetContextCreate(old, "connection validate", ALLOCSET_SMALL_SIZES);
	char	   *arn;

	MemoryContextSwitchTo(cxt);
	plan_call(row, &plan);
	(void) ConnHttpAllowed(&plan.req.endpoint, plan.req.endpoint_from);
	assume_role(&plan, &creds, &arn);
	*assumed = arn ? MemoryContextStrdup(old, arn) : NULL;
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return creds.expiration;
}

/*
 * ConnStsIdentity
 *		Who the keys of a keys-mode storage connection the current user may
 *		use belong to: one GetCallerIdentity call signed with them, at its
 *		STS_ENDPOINT or its provider's endpoint for its REGION
 *		(validate()).  The account, the ARN and the user id (NULL when not
 *		given) are the caller's; the keys are wiped with the call's context.
 *		Errors as for AssumeRole.
 */
void
ConnStsIdentity(const ConnRow *row, ConnStsIdentityResult *who)
{
	ConnProps	props;
	ConnStsRequest req;
	ConnHttpResponse resp;
	ConnStsAnswer answer;
	const ConnProvider *provider;
	MemoryContext old = CurrentMemoryContext;
	MemoryContext cxt = AllocSetContextCreate(old, "connection validate", ALLOCSET_SMALL_SIZES);

	MemoryContextSwitchTo(cxt);
	ConnRowProps(row, &props, true);
	provider = ConnProviderOf(ConnPropsCloud(&props));
	memset(&req, 0, sizeof(req));
	req.connname = pstrdup(row->name);
	req.region = ConnPropValue(&props, "REGION");
	req.key_id = props.values[ConnKeyProp(props.type, CONN_IDENTIFIER)];
	req.secret = props.values[ConnKeyProp(props.type, CONN_SECRET)];
	address_call(provider, &props, &req);
	(void) ConnHttpAllowed(&req.endpoint, req.endpoint_from);
	provider->sts_call(&req, &resp);
	read_answer(provider, &req, &resp, &answer);
	MemoryContextSwitchTo(old);
	who->account = pstrdup(answer.account);
	who->arn = pstrdup(answer.arn);
	who->user_id = answer.user_id ? pstrdup(answer.user_id) : NULL;
	MemoryContextDelete(cxt);
}

/*
 * ConnStsCredentials
 *		The temporary credentials of a role-based connection the current
 *		user may use (the caller checked), as credentials() returns them,
 *		valid for at least min_valid_secs more seconds:
 *		from this backend's cache while they are fresh and neither the
 *		connection nor its source has changed, else from the shared table
 *		(library preloaded), else from AssumeRole.  The source's keys, the
 *		request and the answer live in a context whose plaintext is wiped
 *		however the call ends.
 */
Jsonb *
ConnStsCredentials(const ConnRow *row, int min_valid_secs)
{
	StsPlan		plan;
	ConnTempCreds creds;
	StsCacheEntry *entry;
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz fetched = now;
	TimestampTz needed = now + (TimestampTz) min_valid_secs * USECS_PER_SEC;
	MemoryContext cxt;
	MemoryContext old;
	Jsonb	   *result;
	int			slot = -1;
	uint64		generation = 0;
	bool		found;

	plan_call(row, &plan);
	sts_cache_init();
	entry = hash_search(sts_cache, &plan.key.id, HASH_ENTER, &found);
	if (!found)
	{
		entry->cxt = NULL;
		entry->result = NULL;
		entry->slot = -1;
		entry->generation = 0;
		entry->touched = 0;
	}
	if (entry->result && memcmp(&entry->key, &plan.key, sizeof(ConnStsKey)) == 0 &&
		now < usable_until(entry->fetched, entry->expiration) && needed < entry->expiration)
	{
		if (now >= entry->touched + USECS_PER_SEC)
		{
			ConnStsSharedTouch(entry->slot, entry->generation);
			entry->touched = now;
		}
		return copy_jsonb(entry->result);
	}
	forget(entry);
	entry->key = plan.key;

	/* this session's rule first: what others got or met is not its answer */
	(void) ConnHttpAllowed(&plan.req.endpoint, plan.req.endpoint_from);
	cxt = AllocSetContextCreate(CurrentMemoryContext, "connection AssumeRole",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	if (!ConnStsSharedGet(&plan.key, plan.req.role_arn, needed, &creds, &fetched, &slot, &generation))
	{
		if (slot >= 0)
			generation = assume_role_shared(&plan, &creds, slot);
		else
			assume_role(&plan, &creds, NULL);
		fetched = now;
	}
	MemoryContextSwitchTo(old);
	result = build_result(&plan.props, &creds);
	MemoryContextDelete(cxt);

	entry->cxt = AllocSetContextCreate(StsContext, "connection STS entry",
									   ALLOCSET_SMALL_SIZES);
	entry->result = ConnAllocWiped(entry->cxt, VARSIZE(result));
	memcpy(entry->result, result, VARSIZE(result));
	entry->fetched = fetched;
	entry->expiration = creds.expiration;
	entry->slot = generation != 0 ? slot : -1;
	entry->generation = generation;
	entry->touched = now;
	return result;
}

/*
 * ConnStsRefresh
 *		For the refresher (stscache.c): renew slot of the shared table, which
 *		held connection id, if the connection still assumes the same role
 *		with the same source as the slot was filled for.  Errors as for
 *		credentials(); the caller records them.
 */
void
ConnStsRefresh(int slot, int64 id)
{
	ConnRow    *row = ConnCatalogFetchById(id, CurrentMemoryContext);
	StsPlan		plan;
	ConnTempCreds creds;

	if (row == NULL || !row->enabled || !ConnRowRoleMode(row))
	{
		ConnStsSharedForget(slot, id);
		return;
	}
	plan_call(row, &plan);
	if (!ConnStsSharedClaim(slot, &plan.key))
		return;
	(void) assume_role_shared(&plan, &creds, slot);
}
