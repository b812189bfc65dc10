/*-------------------------------------------------------------------------
 *
 * sts.c
 *	  Temporary credentials of role-based connections (SPEC section 6).
 *
 * credentials() of a connection with ROLE_ARN calls its provider's
 * AssumeRole API -- AWS STS (query API, Signature Version 4, XML), Alibaba
 * Cloud STS (RPC, HMAC-SHA1, JSON) or Tencent Cloud STS (TC3-HMAC-SHA256,
 * JSON) -- signed with the access keys of the source connection: the
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
 * Temporary credentials are kept per backend (never in the catalog, so this
 * works on a hot standby) and handed out again until CONN_STS_MARGIN
 * seconds before they expire.  An entry remembers where the catalog rows of
 * the connection and of its source were read and when they were last
 * modified: any change to either (alter, rename, rotate_key, a new source
 * named by the GUC) makes the next call assume the role afresh.  Cached
 * values live in wiped memory (wipe.c), and the cache starts over once it
 * outgrows connection.cache_memory.
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
#include "common/jsonapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/hsearch.h"
#include "utils/json.h"
#include "utils/memutils.h"

#include "cache.h"
#include "commands.h"
#include "connection.h"
#include "crypto.h"
#include "http.h"
#include "privileges.h"
#include "sign.h"
#include "sts.h"
#include "wipe.h"

/* Temporary credentials are renewed this many seconds before they expire. */
#define CONN_STS_MARGIN 300

/* Default DURATION_SECONDS. */
#define CONN_STS_DEFAULT_DURATION "3600"

/* Longest provider error message passed on, in bytes. */
#define CONN_STS_MAX_MESSAGE 300

char	   *conn_sts_source_connection = NULL;

/* What one AssumeRole call needs, gathered before the call. */
typedef struct StsRequest
{
	const char *connname;
	ConnCloud	cloud;
	const char *role_arn;
	const char *external_id;
	const char *session_name;
	const char *duration;
	const char *region;
	ConnEndpoint endpoint;
	const char *endpoint_from;	/* for messages: STS_ENDPOINT, or the default */
	const char *key_id;			/* of the source connection */
	const char *secret;
} StsRequest;

/* Temporary credentials as parsed from a response. */
typedef struct StsCredentials
{
	char	   *key_id;
	char	   *secret;
	char	   *token;
	TimestampTz expiration;
} StsCredentials;

/* One cached answer, by connection id. */
typedef struct StsCacheEntry
{
	int64		id;				/* hash key */
	ItemPointerData tid;		/* where the connection's row was read */
	TimestampTz modified;
	int64		source_id;
	ItemPointerData source_tid;
	TimestampTz source_modified;
	TimestampTz expiration;
	MemoryContext cxt;			/* holds result; wiped when deleted */
	Jsonb	   *result;
} StsCacheEntry;

static HTAB *sts_cache = NULL;
static MemoryContext StsContext = NULL;

static const char *
cloud_label(ConnCloud cloud)
{
	switch (cloud)
	{
		case CONN_CLOUD_ALIYUN:
			return "Alibaba Cloud";
		case CONN_CLOUD_TENCENT:
			return "Tencent Cloud";
		default:
			return "AWS";
	}
}

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

static char *
default_endpoint(ConnCloud cloud, const char *region, const char *role_arn)
{
	switch (cloud)
	{
		case CONN_CLOUD_ALIYUN:
			return region ? psprintf("sts.%s.aliyuncs.com", region)
				: pstrdup("sts.aliyuncs.com");
		case CONN_CLOUD_TENCENT:
			return pstrdup("sts.tencentcloudapi.com");
		default:
			return psprintf("sts.%s.amazonaws.com%s", region,
							strncmp(role_arn, "arn:aws-cn:", 11) == 0 ? ".cn" : "");
	}
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
malformed(const StsRequest *req, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROTOCOL_VIOLATION),
			 errmsg("malformed response from the %s STS endpoint for connection \"%s\"",
					cloud_label(req->cloud), req->connname),
			 errdetail_internal("%s", why)));
}

/* "2011-07-15T23:28:33.359Z" and the like, UTC; false if it is not that. */
static bool
parse_iso_time(const char *s, TimestampTz *result)
{
	struct pg_tm tm;
	int			n = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
		return false;
	s += n;
	if (*s == '.')
		for (s++; isdigit((unsigned char) *s); s++)
			;
	if (strcmp(s, "Z") != 0 && strcmp(s, "+00:00") != 0)
		return false;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
		tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return false;
	return tm2timestamp(&tm, 0, NULL, result) == 0;
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
 * The text of the first <tag>...</tag> within [start, end) of a
 * NUL-terminated document, the five predefined entities decoded; NULL if
 * there is none.  (STS answers are small, flat and attribute-free.)
 */
static char *
xml_element(const char *start, const char *end, const char *tag)
{
	char	   *open = psprintf("<%s>", tag);
	char	   *close = psprintf("</%s>", tag);
	const char *p = strstr(start, open);
	const char *q;
	StringInfoData buf;

	if (p == NULL || p >= end)
		return NULL;
	p += strlen(open);
	q = strstr(p, close);
	if (q == NULL || q > end)
		return NULL;

	/* one buffer of the largest size it can take: no copy is left behind */
	buf.data = ConnAllocWiped(CurrentMemoryContext, q - p + 1);
	buf.maxlen = q - p + 1;
	buf.len = 0;
	buf.cursor = 0;
	while (p < q)
	{
		static const char *const ents[][2] = {
			{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}
		};
		bool		done = false;

		if (*p == '&')
			for (int i = 0; i < lengthof(ents); i++)
				if (strncmp(p, ents[i][0], strlen(ents[i][0])) == 0)
				{
					appendStringInfoString(&buf, ents[i][1]);
					p += strlen(ents[i][0]);
					done = true;
					break;
				}
		if (!done)
			appendStringInfoChar(&buf, *p++);
	}
	return buf.data;
}

/* The body as jsonb if it is a well-formed JSON object, else NULL. */
static Jsonb *
json_object_of(const ConnHttpResponse *resp)
{
	JsonLexContext *lex;
	Datum		d;

	if (!pg_verify_mbstr(GetDatabaseEncoding(), resp->body, resp->len, true))
		return NULL;
#if PG_VERSION_NUM >= 170000
	lex = makeJsonLexContextCstringLen(NULL, resp->body, resp->len, GetDatabaseEncoding(), true);
#else
	lex = makeJsonLexContextCstringLen(resp->body, resp->len, GetDatabaseEncoding(), true);
#endif
	if (pg_parse_json(lex, &nullSemAction) != JSON_SUCCESS)
		return NULL;
	d = DirectFunctionCall1(jsonb_in, CStringGetDatum(resp->body));
	ConnWipeVarlena(CurrentMemoryContext, DatumGetPointer(d));
	if (!JB_ROOT_IS_OBJECT(DatumGetJsonbP(d)))
		return NULL;
	return DatumGetJsonbP(d);
}

/* The object member key of a JSON object, or NULL. */
static JsonbContainer *
json_object_member(JsonbContainer *c, const char *key)
{
	JsonbValue *v = getKeyJsonValueFromContainer(c, key, strlen(key), NULL);

	return (v && v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data))
		? v->val.binary.data : NULL;
}

/*
 * What the provider said went wrong, fit for a message: control characters
 * dropped, the source's key ID and secret blanked out, cut to length.
 */
static char *
scrub(const StsRequest *req, const char *message)
{
	StringInfoData buf;
	const char *cut;
	char	   *s;

	if (message == NULL)
		return pstrdup("(no message)");
	initStringInfo(&buf);
	/* Alibaba Cloud quotes its string to sign: not needed here */
	cut = strstr(message, " server string to sign is");
	for (const char *p = message; *p && (cut == NULL || p < cut); p++)
	{
		if (req->key_id[0] && strncmp(p, req->key_id, strlen(req->key_id)) == 0)
		{
			appendStringInfoString(&buf, "****");
			p += strlen(req->key_id) - 1;
		}
		else if (req->secret[0] && strncmp(p, req->secret, strlen(req->secret)) == 0)
		{
			appendStringInfoString(&buf, "****");
			p += strlen(req->secret) - 1;
		}
		else if ((unsigned char) *p >= 0x20)
			appendStringInfoChar(&buf, *p);
	}
	s = buf.data;
	if (buf.len > CONN_STS_MAX_MESSAGE)
	{
		s[pg_mbcliplen(s, buf.len, CONN_STS_MAX_MESSAGE)] = '\0';
		s = psprintf("%s...", s);
	}
	return s;
}

/*
 * Report an error answer: auth-like codes (and HTTP 401/403) as 28000,
 * other client errors as 22023 (the connection's settings), the rest as
 * 08006.
 */
static void
provider_error(const StsRequest *req, long status, const char *code, const char *message)
{
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
			 errmsg("%s STS did not issue credentials for connection \"%s\"",
					cloud_label(req->cloud), req->connname),
			 errdetail("HTTP status %ld, error code \"%s\": %s", status,
					   code ? scrub(req, code) : "(none)", scrub(req, message)),
			 clock ? errhint("Check the clock of the database server: the provider judged the request's time stamp.") :
			 auth ? errhint("Check the keys of the source connection, and that the role's trust policy admits them with the connection's EXTERNAL_ID.") : 0));
}

/* All four parts of the credentials must be there; names lists them. */
static void
check_credentials(const StsRequest *req, StsCredentials *creds, const char *expiration,
				  const char *names)
{
	if (!creds->key_id || !creds->secret || !creds->token || !expiration)
		malformed(req, psprintf("The answer lacks one of %s.", names));
	if (!parse_iso_time(expiration, &creds->expiration))
		malformed(req, "Expiration is not an ISO 8601 UTC time.");
}

/*
 * The credentials of a JSON answer: key ID, secret and token (names[0..2])
 * are members of c, the expiration (names[3]) of e.
 */
static void
json_credentials(const StsRequest *req, JsonbContainer *c, JsonbContainer *e,
				 const char *const names[4], StsCredentials *creds)
{
	creds->key_id = ConnJsonbString(c, names[0]);
	creds->secret = ConnJsonbString(c, names[1]);
	creds->token = ConnJsonbString(c, names[2]);
	if (creds->secret)
		ConnWipeOnReset(CurrentMemoryContext, creds->secret, strlen(creds->secret));
	if (creds->token)
		ConnWipeOnReset(CurrentMemoryContext, creds->token, strlen(creds->token));
	check_credentials(req, creds, ConnJsonbString(e, names[3]),
					  psprintf("%s, %s, %s, %s", names[0], names[1], names[2], names[3]));
}

static const char *const aliyun_names[4] =
{"AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"};
static const char *const tencent_names[4] =
{"TmpSecretId", "TmpSecretKey", "Token", "Expiration"};

static void
parse_aws(const StsRequest *req, const ConnHttpResponse *resp, StsCredentials *creds)
{
	const char *body = resp->body;
	const char *end = body + resp->len;
	const char *credstart;
	const char *credend;
	char	   *expiration;

	if (resp->status != 200)
	{
		char	   *code = xml_element(body, end, "Code");

		if (code == NULL)
			malformed(req, psprintf("HTTP status %ld without an error document.", resp->status));
		provider_error(req, resp->status, code, xml_element(body, end, "Message"));
	}
	credstart = strstr(body, "<Credentials>");
	credend = credstart ? strstr(credstart, "</Credentials>") : NULL;
	if (credend == NULL)
		malformed(req, "There is no complete Credentials element.");
	creds->key_id = xml_element(credstart, credend, "AccessKeyId");
	creds->secret = xml_element(credstart, credend, "SecretAccessKey");
	creds->token = xml_element(credstart, credend, "SessionToken");
	expiration = xml_element(credstart, credend, "Expiration");
	check_credentials(req, creds, expiration, "AccessKeyId, SecretAccessKey, SessionToken, Expiration");
}

static void
parse_aliyun(const StsRequest *req, const ConnHttpResponse *resp, StsCredentials *creds)
{
	Jsonb	   *jb = json_object_of(resp);
	JsonbContainer *c;

	if (jb == NULL)
		malformed(req, psprintf("HTTP status %ld with a body that is not a JSON object.", resp->status));
	if (resp->status != 200)
		provider_error(req, resp->status, ConnJsonbString(&jb->root, "Code"),
					   ConnJsonbString(&jb->root, "Message"));
	c = json_object_member(&jb->root, "Credentials");
	if (c == NULL)
		malformed(req, "There is no Credentials object.");
	json_credentials(req, c, c, aliyun_names, creds);
}

static void
parse_tencent(const StsRequest *req, const ConnHttpResponse *resp, StsCredentials *creds)
{
	Jsonb	   *jb = json_object_of(resp);
	JsonbContainer *r;
	JsonbContainer *c;
	JsonbContainer *err;

	if (jb == NULL)
		malformed(req, psprintf("HTTP status %ld with a body that is not a JSON object.", resp->status));
	r = json_object_member(&jb->root, "Response");
	if (r == NULL)
		malformed(req, "There is no Response object.");
	err = json_object_member(r, "Error");
	if (err || resp->status != 200)
		provider_error(req, resp->status, ConnJsonbString(err, "Code"),
					   ConnJsonbString(err, "Message"));
	c = json_object_member(r, "Credentials");
	if (c == NULL)
		malformed(req, "There is no Credentials object.");
	json_credentials(req, c, r, tencent_names, creds);
}

/* ---------------------------------------------------------------------
 * Requests
 * ---------------------------------------------------------------------
 */

static void
utc_format(time_t t, const char *fmt, char *buf, size_t len)
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, fmt, &tm);
}

/* AWS STS: POST form, Signature Version 4 in the Authorization header. */
static void
request_aws(const StsRequest *req, ConnHttpResponse *resp)
{
	ConnParam	params[] = {
		{"Action", "AssumeRole"},
		{"Version", "2011-06-15"},
		{"RoleArn", req->role_arn},
		{"RoleSessionName", req->session_name},
		{"ExternalId", req->external_id},
		{"DurationSeconds", req->duration},
	};
	const char *ctype = "application/x-www-form-urlencoded; charset=utf-8";
	char		amz_date[CONN_AMZ_DATE_SIZE];
	char		payload_hash[CONN_SHA256_HEX_SIZE];
	char	   *body = ConnCanonicalQuery(params, lengthof(params));
	ConnSigV4	key;
	char	   *signature;
	List	   *headers;

	ConnAmzDate(time(NULL), amz_date);
	ConnSha256Hex(body, strlen(body), payload_hash);
	key.access_key = req->key_id;
	key.secret_key = req->secret;
	key.region = req->region;
	key.service = "sts";
	key.amz_date = amz_date;
	signature = ConnSigV4Signature(&key,
								   psprintf("POST\n%s\n\ncontent-type:%s\nhost:%s\nx-amz-date:%s\n\n"
											"content-type;host;x-amz-date\n%s",
											req->endpoint.path, ctype, req->endpoint.authority,
											amz_date, payload_hash));
	headers = list_make3(psprintf("Content-Type: %s", ctype),
						 psprintf("X-Amz-Date: %s", amz_date),
						 psprintf("Authorization: AWS4-HMAC-SHA256 Credential=%s/%s, "
								  "SignedHeaders=content-type;host;x-amz-date, Signature=%s",
								  req->key_id, ConnSigV4Scope(&key), signature));
	ConnHttpRequest("POST", &req->endpoint, req->endpoint_from, req->endpoint.url, headers, body, "the AWS STS endpoint", resp);
}

/* Alibaba Cloud STS: POST form, RPC signature among the parameters. */
static void
request_aliyun(const StsRequest *req, ConnHttpResponse *resp)
{
	char		timestamp[21];
	uint8		nonce_bytes[16];
	char		nonce[33];
	ConnParam	params[] = {
		{"Action", "AssumeRole"},
		{"Version", "2015-04-01"},
		{"Format", "JSON"},
		{"AccessKeyId", req->key_id},
		{"SignatureMethod", "HMAC-SHA1"},
		{"SignatureVersion", "1.0"},
		{"SignatureNonce", nonce},
		{"Timestamp", timestamp},
		{"RoleArn", req->role_arn},
		{"RoleSessionName", req->session_name},
		{"ExternalId", req->external_id},
		{"DurationSeconds", req->duration},
	};
	char	   *query;
	StringInfoData body;

	utc_format(time(NULL), "%Y-%m-%dT%H:%M:%SZ", timestamp, sizeof(timestamp));
	if (!pg_strong_random(nonce_bytes, sizeof(nonce_bytes)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random nonce")));
	for (int i = 0; i < (int) sizeof(nonce_bytes); i++)
		sprintf(nonce + 2 * i, "%02x", nonce_bytes[i]);
	query = ConnCanonicalQuery(params, lengthof(params));
	initStringInfo(&body);
	appendStringInfo(&body, "%s&Signature=", query);
	ConnUriEncode(&body, ConnAliyunRpcSignature(req->secret, "POST", query), false);
	ConnHttpRequest("POST", &req->endpoint, req->endpoint_from, req->endpoint.url,
					list_make1(pstrdup("Content-Type: application/x-www-form-urlencoded")),
					body.data, "the Alibaba Cloud STS endpoint", resp);
}

/* Tencent Cloud STS: POST JSON, TC3-HMAC-SHA256. */
static void
request_tencent(const StsRequest *req, ConnHttpResponse *resp)
{
	const char *ctype = "application/json; charset=utf-8";
	time_t		now = time(NULL);
	char		date[11];
	char		timestamp[24];
	char		payload_hash[CONN_SHA256_HEX_SIZE];
	StringInfoData body;
	char	   *signature;
	List	   *headers;

	utc_format(now, "%Y-%m-%d", date, sizeof(date));
	snprintf(timestamp, sizeof(timestamp), "%ld", (long) now);
	initStringInfo(&body);
	appendStringInfoString(&body, "{\"RoleArn\":");
	escape_json(&body, req->role_arn);
	appendStringInfoString(&body, ",\"RoleSessionName\":");
	escape_json(&body, req->session_name);
	appendStringInfo(&body, ",\"DurationSeconds\":%s,\"ExternalId\":", req->duration);
	escape_json(&body, req->external_id);
	appendStringInfoChar(&body, '}');

	ConnSha256Hex(body.data, body.len, payload_hash);
	signature = ConnTc3Signature(req->secret, "sts", date, timestamp,
								 psprintf("POST\n%s\n\ncontent-type:%s\nhost:%s\n\ncontent-type;host\n%s",
										  req->endpoint.path, ctype, req->endpoint.authority,
										  payload_hash));
	headers = list_make5(psprintf("Content-Type: %s", ctype),
						 pstrdup("X-TC-Action: AssumeRole"),
						 pstrdup("X-TC-Version: 2018-08-13"),
						 psprintf("X-TC-Timestamp: %s", timestamp),
						 psprintf("X-TC-Region: %s", req->region));
	headers = lappend(headers,
					  psprintf("Authorization: TC3-HMAC-SHA256 Credential=%s/%s/sts/tc3_request, "
							   "SignedHeaders=content-type;host, Signature=%s",
							   req->key_id, date, signature));
	ConnHttpRequest("POST", &req->endpoint, req->endpoint_from, req->endpoint.url, headers, body.data, "the Tencent Cloud STS endpoint", resp);
}

/* ---------------------------------------------------------------------
 * The answer, and the cache
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
build_result(const ConnProps *props, const StsCredentials *creds)
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
 * The cache of temporary credentials, created (again) when missing or once
 * it has outgrown connection.cache_memory; its entries' results live in
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
		MemoryContextReset(StsContext);
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
 * ConnStsCredentials
 *		The temporary credentials of a role-based connection the current
 *		user may use (the caller checked), as credentials() returns them:
 *		from this backend's cache while they are fresh and neither the
 *		connection nor its source has changed, else from AssumeRole.  The
 *		source's keys, the request and the answer live in a context whose
 *		plaintext is wiped however the call ends.
 */
Jsonb *
ConnStsCredentials(const ConnRow *row)
{
	ConnProps	props;
	ConnProps	srcprops;
	StsRequest	req;
	StsCredentials creds;
	ConnHttpResponse resp;
	StsCacheEntry *entry;
	const ConnRow *src;
	int64		id = row->id;
	ItemPointerData tid = row->tid;
	TimestampTz modified = row->modified;
	ItemPointerData src_tid;
	TimestampTz now = GetCurrentTimestamp();
	MemoryContext cxt;
	MemoryContext old;
	Jsonb	   *result;
	bool		found;

	ConnRowProps(row, &props, false);
	memset(&req, 0, sizeof(req));
	req.connname = pstrdup(row->name);
	req.cloud = ConnPropsCloud(&props);
	req.role_arn = ConnPropValue(&props, "ROLE_ARN");
	src = source_row(row, &props, req.cloud);

	src_tid = src->tid;
	sts_cache_init();
	entry = hash_search(sts_cache, &id, HASH_ENTER, &found);
	if (!found)
	{
		entry->cxt = NULL;
		entry->result = NULL;
	}
	if (entry->result &&
		ItemPointerEquals(&entry->tid, &tid) && entry->modified == modified &&
		entry->source_id == src->id && ItemPointerEquals(&entry->source_tid, &src_tid) &&
		entry->source_modified == src->modified &&
		now < entry->expiration - (TimestampTz) CONN_STS_MARGIN * USECS_PER_SEC)
		return copy_jsonb(entry->result);
	forget(entry);
	entry->tid = tid;
	entry->modified = modified;
	entry->source_id = src->id;
	entry->source_tid = src->tid;
	entry->source_modified = src->modified;

	req.external_id = ConnPropValue(&props, "EXTERNAL_ID");
	req.region = ConnPropValue(&props, "REGION");
	req.session_name = ConnPropValue(&props, "SESSION_NAME");
	if (req.session_name == NULL)
		req.session_name = default_session_name(req.connname);
	req.duration = ConnPropValue(&props, "DURATION_SECONDS");
	if (req.duration == NULL)
		req.duration = CONN_STS_DEFAULT_DURATION;
	req.endpoint_from = ConnPropValue(&props, "STS_ENDPOINT") ? "STS_ENDPOINT" :
		"The default STS endpoint";
	ConnHttpEndpoint(ConnPropValue(&props, "STS_ENDPOINT") ? ConnPropValue(&props, "STS_ENDPOINT")
					 : default_endpoint(req.cloud, req.region, req.role_arn),
					 "STS_ENDPOINT", &req.endpoint);
	if (req.region == NULL)
		req.region = req.cloud == CONN_CLOUD_TENCENT ? "ap-guangzhou" : "us-east-1";

	cxt = AllocSetContextCreate(CurrentMemoryContext, "connection AssumeRole",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	ConnRowProps(src, &srcprops, true);
	req.key_id = srcprops.values[ConnKeyProp(srcprops.type, CONN_IDENTIFIER)];
	req.secret = srcprops.values[ConnKeyProp(srcprops.type, CONN_SECRET)];

	switch (req.cloud)
	{
		case CONN_CLOUD_ALIYUN:
			request_aliyun(&req, &resp);
			parse_aliyun(&req, &resp, &creds);
			break;
		case CONN_CLOUD_TENCENT:
			request_tencent(&req, &resp);
			parse_tencent(&req, &resp, &creds);
			break;
		default:
			request_aws(&req, &resp);
			parse_aws(&req, &resp, &creds);
			break;
	}
	if (creds.expiration <= now)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("temporary credentials of connection \"%s\" expired at %s, before they arrived",
						req.connname, format_iso_time(creds.expiration)),
				 errhint("Check the clock of the database server, and DURATION_SECONDS.")));

	MemoryContextSwitchTo(old);
	result = build_result(&props, &creds);
	MemoryContextDelete(cxt);

	entry->cxt = AllocSetContextCreate(StsContext, "connection STS entry",
									   ALLOCSET_SMALL_SIZES);
	entry->result = ConnAllocWiped(entry->cxt, VARSIZE(result));
	memcpy(entry->result, result, VARSIZE(result));
	entry->expiration = creds.expiration;
	return result;
}
