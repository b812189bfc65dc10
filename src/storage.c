/*-------------------------------------------------------------------------
 *
 * storage.c
 *	  Requests to the object storage of S3, OSS and COS connections.
 *
 * ConnStorageOpen checks that the current user may use the connection
 * right now (USAGE, enabled: the checks and the audit line of every
 * hand-out, credentials.c) and that it is object storage, and gets its
 * keys: its access keys, or the temporary credentials of its role (sts.c),
 * which are fetched again, before any request, once they are within
 * CONN_STS_MARGIN of expiring, so that a long transfer outlives them.
 * The keys are never returned to SQL.
 *
 * Addressing.  A bucket is reached at ENDPOINT (a URL, whose path is kept
 * as a prefix) or at the provider's regional endpoint.  ADDRESSING_STYLE
 * says how: "virtual" puts the bucket in the host name
 * (bucket.endpoint/key), "path" in the path (endpoint/bucket/key), and
 * "auto", the default, is virtual-hosted on the provider's own domains and
 * path-style anywhere else (S3-compatible servers), and path-style for a
 * bucket name with dots (which a TLS wildcard certificate does not cover).
 * presign() addresses the same way.
 *
 * Every request is signed by the provider's function, admitted by
 * connection.allowed_hosts like every other (http.c), and tried again on
 * a failure that may pass: no connection, a broken transfer, no progress
 * within connection.io_timeout, HTTP 500, 502, 503, 504 and 429 (which is
 * how the three say "slow down") -- up to connection.request_retries
 * times, after a growing, jittered pause that a cancel interrupts.  A 4xx
 * is final.  Errors say what was done to which object through which
 * connection; the provider's code and message follow in the detail, with
 * the keys and token blanked out.
 *
 * IDENTIFICATION
 *	  src/storage.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#if PG_VERSION_NUM >= 150000
#include "common/pg_prng.h"
#endif
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "connection.h"
#include "credentials.h"
#include "provider.h"
#include "storage.h"
#include "sts.h"
#include "wipe.h"

int			conn_request_retries = 4;

/* Temporary keys are fetched again this many seconds before they expire. */
#define KEY_MARGIN 300

/* First pause before a retry, and the longest, in ms. */
#define RETRY_BASE_MS 200
#define RETRY_MAX_MS 10000

/* Largest error document read, in bytes. */
#define ERROR_BODY_MAX (64 * 1024)

/* The SHA-256 of nothing, which most requests sign. */
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* A string property of jsonb, as a C string in the current context. */
static char *
prop(Jsonb *jb, const char *name)
{
	return ConnJsonbString(&jb->root, name);
}

/*
 * Get the keys of the connection: its access keys, or its temporary
 * credentials; the secret and the token in memory wiped when the
 * current context goes.
 */
static void
load_keys(ConnStorage *st, const ConnRow *row)
{
	const ConnTypeDef *type = row->type;
	Jsonb	   *creds;
	MemoryContext old = MemoryContextSwitchTo(st->cxt);

	creds = st->role_mode ? ConnStsCredentials(row, KEY_MARGIN) : ConnDecryptedProps(row);
	st->keys.key_id = prop(creds, type->props[ConnKeyProp(type, CONN_IDENTIFIER)].name);
	st->keys.secret = prop(creds, type->props[ConnKeyProp(type, CONN_SECRET)].name);
	st->keys.token = prop(creds, "SECURITY_TOKEN");
	if (st->keys.secret)
		ConnWipeOnReset(CurrentMemoryContext, st->keys.secret, strlen(st->keys.secret));
	if (st->keys.token)
		ConnWipeOnReset(CurrentMemoryContext, st->keys.token, strlen(st->keys.token));
	st->expiration = 0;
	if (st->role_mode && !ConnParseIsoTime(prop(creds, "EXPIRATION"), &st->expiration))
		elog(ERROR, "temporary credentials without an expiration");
	MemoryContextSwitchTo(old);
}

/*
 * ConnStorageOpen
 *		The storage connection name, for requests by the current user
 *		through function: 42704 if it does not exist, 42501 without USAGE,
 *		55000 when disabled, 42809 when it is not S3, OSS or COS.  Logs the
 *		use (connection.log_usage).  Lives in the current memory context,
 *		and so do the keys it fetches again later.
 */
ConnStorage *
ConnStorageOpen(const char *name, const char *function)
{
	const ConnRow *row = ConnUsableRow(name, function);
	ConnStorage *st = palloc0(sizeof(ConnStorage));
	const char *endpoint;

	st->cxt = CurrentMemoryContext;
	st->name = pstrdup(name);
	st->function = function;
	st->provider = ConnProviderOfStorage(row->type->name);
	if (st->provider == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("connection \"%s\" is not an object storage connection", name),
				 errdetail("%s works with S3, OSS and COS connections; it is of type %s.",
						   function, row->type->name)));
	st->props = palloc(VARSIZE(row->plain));
	memcpy(st->props, row->plain, VARSIZE(row->plain));
	st->region = prop(st->props, "REGION");
	st->style = prop(st->props, "ADDRESSING_STYLE");
	if (st->style == NULL)
		st->style = "auto";
	st->role_mode = ConnRowRoleMode(row);

	endpoint = prop(st->props, "ENDPOINT");
	if (endpoint == NULL && st->provider->storage_endpoint)
		endpoint = st->provider->storage_endpoint(st->region);
	if (endpoint == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("connection \"%s\" has no ENDPOINT", name)));
	ConnHttpEndpoint(endpoint, "ENDPOINT", &st->endpoint);

	load_keys(st, row);
	ConnLogUsage(name, function);
	return st;
}

/* Fetch temporary keys again when they are about to expire. */
static void
refresh_keys(ConnStorage *st)
{
	if (!st->role_mode ||
		GetCurrentTimestamp() < st->expiration - (TimestampTz) KEY_MARGIN * USECS_PER_SEC)
		return;
	/* the same checks again: the right may have gone meanwhile */
	load_keys(st, ConnUsableRow(st->name, st->function));
}

/* Bucket names all three accept: 3 to 63 of a-z 0-9 . - */
static void
check_bucket(const char *bucket, const char *path)
{
	size_t		len = strlen(bucket);
	bool		ok = len >= 3 && len <= 63;

	for (const char *p = bucket; ok && *p; p++)
		ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-';
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid bucket name \"%s\" in object path \"%s\"", bucket, path),
				 errdetail("A bucket name has 3 to 63 lower-case letters, digits, dots and hyphens.")));
}

/*
 * ConnObjectPath
 *		Split "bucket/key" (a leading slash allowed).  Without
 *		key_required, "bucket" and "bucket/" give an empty key (a prefix).
 */
void
ConnObjectPath(const char *path, bool key_required, char **bucket, char **key)
{
	const char *p = path[0] == '/' ? path + 1 : path;
	const char *slash = strchr(p, '/');

	if (key_required && (slash == NULL || slash[1] == '\0'))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid object path \"%s\"", path),
				 errdetail("An object path is the bucket, a slash, and the object's key.")));
	*bucket = slash ? pnstrdup(p, slash - p) : pstrdup(p);
	*key = pstrdup(slash ? slash + 1 : "");
	check_bucket(*bucket, path);
	if (strlen(*key) > 1024)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("object key in \"%.40s...\" is longer than 1024 bytes", path)));
}

/*
 * ConnObjectAddress
 *		Address a request on bucket (as the user wrote it) and key (NULL
 *		for the bucket): fill req (method, scheme, host, path, bucket, key,
 *		params sorted, region, now) and ep (the endpoint of the request,
 *		whose url is the full URL, query included).
 */
void
ConnObjectAddress(ConnStorage *st, const char *method, const char *bucket, const char *key,
				  ConnParam *params, int nparams, ConnObjectRequest *req, ConnEndpoint *ep)
{
	const char *full = st->provider->bucket_name ?
		st->provider->bucket_name(bucket, st->props) : bucket;
	bool		virtual;
	char	   *prefix = pstrdup(st->endpoint.path);
	StringInfoData url;

	/* the endpoint's path, without its trailing slash */
	if (prefix[strlen(prefix) - 1] == '/')
		prefix[strlen(prefix) - 1] = '\0';

	if (strcmp(st->style, "virtual") == 0)
		virtual = true;
	else if (strcmp(st->style, "path") == 0)
		virtual = false;
	else
		virtual = ConnProviderOwnDomain(st->provider, st->endpoint.authority) && strchr(full, '.') == NULL;

	memset(req, 0, sizeof(*req));
	req->method = method;
	req->scheme = st->endpoint.scheme;
	req->bucket = full;
	req->key = key;
	req->region = st->region ? st->region : st->provider->sts_default_region;
	req->now = time(NULL);
	if (virtual)
	{
		req->host = psprintf("%s.%s", full, st->endpoint.authority);
		req->path = psprintf("%s/%s", prefix, key ? key : "");
	}
	else
	{
		req->host = st->endpoint.authority;
		req->path = key ? psprintf("%s/%s/%s", prefix, full, key) : psprintf("%s/%s", prefix, full);
	}

	/* the query as sent: sorted, encoded, "name" alone for an empty value */
	ConnSortParams(params, nparams);
	req->params = params;
	req->nparams = nparams;
	initStringInfo(&url);
	appendStringInfo(&url, "%s://%s", req->scheme, req->host);
	ConnUriEncode(&url, req->path, true);
	for (int i = 0; i < nparams; i++)
	{
		appendStringInfoChar(&url, i == 0 ? '?' : '&');
		ConnUriEncode(&url, params[i].name, false);
		if (params[i].value[0])
		{
			appendStringInfoChar(&url, '=');
			ConnUriEncode(&url, params[i].value, false);
		}
	}

	ep->scheme = req->scheme;
	ep->authority = (char *) req->host;
	ep->path = (char *) req->path;
	ep->url = url.data;
}

/* "bucket/key" or "bucket", for messages */
char *
ConnObjectName(const ConnObjectCall *call)
{
	return call->key && call->key[0] ? psprintf("%s/%s", call->bucket, call->key)
		: pstrdup(call->bucket);
}

/* Is an HTTP status one that may pass? */
static bool
retryable_status(long status)
{
	return status == 500 || status == 502 || status == 503 || status == 504 || status == 429;
}

/* Wait before try attempt + 1: full jitter over a doubling bound. */
static void
backoff(int attempt)
{
	long		bound = RETRY_BASE_MS;
	long		ms;

	for (int i = 0; i < attempt && bound < RETRY_MAX_MS; i++)
		bound *= 2;
	bound = Min(bound, RETRY_MAX_MS);
#if PG_VERSION_NUM >= 150000
	ms = bound / 2 + (long) (pg_prng_double(&pg_global_prng_state) * (bound / 2));
#else
	ms = bound / 2 + random() % (bound / 2 + 1);
#endif
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, ms,
					 PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
}

/* The hex SHA-256 of a call's body, when the provider signs it. */
static void
payload_hash(ConnStorage *st, const ConnObjectCall *call, char *hash)
{
	if (!st->provider->signs_payload)
		hash[0] = '\0';
	else if (call->body && call->body_len > 0)
		ConnSha256Hex(call->body, call->body_len, hash);
	else
		strlcpy(hash, EMPTY_SHA256, CONN_SHA256_HEX_SIZE);
}

/* One try of a call: addressed, signed and begun. */
static ConnHttpStream *
send_once(ConnStorage *st, const ConnObjectCall *call, const char *hash)
{
	ConnObjectRequest req;
	ConnEndpoint ep;
	ConnParam  *params = palloc(sizeof(ConnParam) * Max(call->nparams, 1));
	List	   *headers;
	bool		has_body = call->body || strcmp(call->method, "POST") == 0 ||
		strcmp(call->method, "PUT") == 0;

	refresh_keys(st);
	memcpy(params, call->params, sizeof(ConnParam) * call->nparams);
	ConnObjectAddress(st, call->method, call->bucket, call->key, params, call->nparams,
					  &req, &ep);
	req.content_type = call->content_type;
	req.payload_hash = hash[0] ? hash : NULL;
	headers = st->provider->sign(&req, &st->keys);
	/* libcurl adds a form content type to a body unless told */
	headers = lappend(headers, call->content_type ?
					  psprintf("Content-Type: %s", call->content_type) : pstrdup("Content-Type:"));
	headers = list_concat(headers, call->headers);
	return ConnHttpBegin(call->method, &ep, "ENDPOINT", ep.url, headers,
						 has_body ? (call->body ? call->body : "") : NULL, call->body_len,
						 psprintf("%s of connection \"%s\"", st->provider->storage_type, st->name),
						 0);
}

/*
 * ConnObjectBegin
 *		Begin one try of a call, without waiting (an upload of a part
 *		while the next one is made); ConnHttpWait then waits for its
 *		answer, and ConnObjectRetryable says whether to try again.
 */
ConnHttpStream *
ConnObjectBegin(ConnStorage *st, ConnObjectCall *call)
{
	char		hash[CONN_SHA256_HEX_SIZE];

	payload_hash(st, call, hash);
	return send_once(st, call, hash);
}

/* Did a try fail in a way that may pass (its headers waited for)? */
bool
ConnObjectRetryable(ConnHttpStream *s)
{
	ConnHttpFailure failure = ConnHttpFailed(s);

	if (failure == CONN_HTTP_OK)
		return retryable_status(ConnHttpResponseHeaders(s)->status);
	return failure != CONN_HTTP_FATAL;
}

/*
 * ConnObjectSend
 *		Send a request, signed, and wait for its status and headers; try
 *		again (re-signed, with fresh keys if need be) while it fails in a
 *		way that may pass and connection.request_retries allows.  Returns
 *		the stream of the last try, whatever its status; a failure below
 *		HTTP on the last try is raised.  call->body must stay put until the
 *		stream ends.
 */
ConnHttpStream *
ConnObjectSend(ConnStorage *st, ConnObjectCall *call)
{
	char		hash[CONN_SHA256_HEX_SIZE];

	payload_hash(st, call, hash);
	for (int attempt = 0;; attempt++)
	{
		ConnHttpStream *s = send_once(st, call, hash);

		ConnHttpWait(s);
		if (!ConnObjectRetryable(s) || attempt >= conn_request_retries)
		{
			if (ConnHttpFailed(s))
				ConnHttpRaise(s);
			return s;
		}
		ConnHttpEnd(s);
		backoff(attempt);
	}
}

/*
 * ConnObjectRaise
 *		Report the error answer of a request: the provider's code and
 *		message (XML: Error/Code, Error/Message) in the detail, with a
 *		SQLSTATE by what went wrong -- 58P01 for a missing bucket, object
 *		or upload, 28000 for keys the provider does not accept (signature,
 *		unknown or expired key, token, clock), 42501 for access the
 *		provider's policies deny, 22023 for other client errors, 08006 for
 *		a provider that keeps failing.
 */
void
ConnObjectRaise(ConnStorage *st, const ConnObjectCall *call, ConnHttpStream *s)
{
	static const char *const key_words[] = {
		"Signature", "InvalidAccessKeyId", "Token", "Expired", "TimeTooSkewed",
		"RequestTimeTooSkewed", "InvalidSecurity", "AuthorizationHeaderMalformed", NULL
	};
	long		status = ConnHttpResponseHeaders(s)->status;
	char		body[ERROR_BODY_MAX + 1];
	size_t		len = 0;
	size_t		n;
	char	   *code = NULL;
	char	   *message = NULL;
	bool		keys = false;
	bool		clock = false;
	int			sqlstate;
	char	   *object = ConnObjectName(call);
	const char *cloud = st->provider->storage_type;

	while (len < ERROR_BODY_MAX && (n = ConnHttpRead(s, body + len, ERROR_BODY_MAX - len)) > 0)
		len += n;
	body[len] = '\0';
	if (len > 0)
	{
		code = ConnXmlElement(body, body + len, "Code");
		message = ConnXmlElement(body, body + len, "Message");
	}
	explicit_bzero(body, len);
	for (int i = 0; code && key_words[i]; i++)
		if (strstr(code, key_words[i]))
			keys = true;
	if (code && (strstr(code, "Skewed") || strstr(code, "Expired") || strstr(code, "RequestTime")))
		clock = true;

	if (status == 404)
		sqlstate = ERRCODE_UNDEFINED_FILE;
	else if (keys || status == 401)
		sqlstate = ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION;
	else if (status == 403)
		sqlstate = ERRCODE_INSUFFICIENT_PRIVILEGE;
	else if (status == 409 || status == 412)
		sqlstate = ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE;
	else if (status >= 300 && status < 500)
		sqlstate = ERRCODE_INVALID_PARAMETER_VALUE;
	else
		sqlstate = ERRCODE_CONNECTION_FAILURE;

	if (status == 404 && code && strcmp(code, "NoSuchBucket") == 0)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("bucket \"%s\" of connection \"%s\" does not exist", call->bucket, st->name),
				 errdetail("%s answered HTTP status %ld, error code \"%s\": %s", cloud, status, code,
						   ConnScrubText(message, &st->keys))));
	if (status == 404 && call->key && call->key[0] &&
		(code == NULL || strcmp(code, "NoSuchKey") == 0))
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("object \"%s\" of connection \"%s\" does not exist", object, st->name),
				 code ? errdetail("%s answered HTTP status %ld, error code \"%s\".", cloud, status, code) : 0));
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("could not %s \"%s\" through connection \"%s\"", call->action, object, st->name),
			 code ? errdetail("%s answered HTTP status %ld, error code \"%s\": %s", cloud, status,
							  ConnScrubText(code, &st->keys), ConnScrubText(message, &st->keys)) :
			 errdetail("%s answered HTTP status %ld.", cloud, status),
			 clock ? errhint("Check the clock of the database server: the provider judged the request's time stamp.") :
			 sqlstate == ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION ?
			 errhint("Check the keys of connection \"%s\".", st->name) :
			 sqlstate == ERRCODE_INSUFFICIENT_PRIVILEGE ?
			 errhint("The provider's policies do not let the keys of connection \"%s\" do this.", st->name) :
			 (status >= 300 && status < 400) ?
			 errhint("The bucket may be in another region than REGION, or need another ENDPOINT or ADDRESSING_STYLE.") : 0));
}

/*
 * ConnObjectRequestAll
 *		A request whose answer must be 2xx, read whole (at most
 *		CONN_HTTP_MAX_BODY bytes) into resp.
 */
void
ConnObjectRequestAll(ConnStorage *st, ConnObjectCall *call, ConnHttpResponse *resp)
{
	ConnHttpStream *s = ConnObjectSend(st, call);
	long		status = ConnHttpResponseHeaders(s)->status;

	if (status < 200 || status > 299)
		ConnObjectRaise(st, call, s);
	ConnHttpReadAll(s, resp, CONN_HTTP_MAX_BODY);
	ConnHttpEnd(s);
}

/*
 * ConnObjectListPage
 *		One page of ListObjects (which all three providers speak): at most
 *		max_keys keys under prefix in bucket, after marker ("" or NULL: from
 *		the first), the answer's XML read whole into resp.
 */
void
ConnObjectListPage(ConnStorage *st, const char *bucket, const char *prefix,
				   const char *max_keys, const char *marker, ConnHttpResponse *resp)
{
	ConnObjectCall call;

	memset(&call, 0, sizeof(call));
	call.method = "GET";
	call.bucket = bucket;
	call.action = "list objects in";
	call.params[call.nparams++] = (ConnParam) {"prefix", prefix};
	call.params[call.nparams++] = (ConnParam) {"max-keys", max_keys};
	if (marker && marker[0])
		call.params[call.nparams++] = (ConnParam) {"marker", marker};
	ConnObjectRequestAll(st, &call, resp);
}

/* An ETag without its quotes (and W/ of a weak one). */
char *
ConnUnquoteEtag(const char *etag)
{
	size_t		len;

	if (etag == NULL)
		return NULL;
	if (strncmp(etag, "W/", 2) == 0)
		etag += 2;
	len = strlen(etag);
	if (len >= 2 && etag[0] == '"' && etag[len - 1] == '"')
		return pnstrdup(etag + 1, len - 2);
	return pstrdup(etag);
}
