/*-------------------------------------------------------------------------
 *
 * aliyun.c
 *	  Alibaba Cloud: STS AssumeRole and GetCallerIdentity, and OSS requests,
 *	  the provider entry's functions.
 *
 * STS is the RPC API (a form POST whose parameters carry an HMAC-SHA1
 * signature), answering JSON.  OSS requests are signed with signature
 * version 1 in the Authorization header ("OSS id:signature" over the verb,
 * Content-Type, Date, the x-oss- headers and the canonicalized resource:
 * /bucket/key and the sub-resources among the query parameters), with the
 * token of temporary credentials in x-oss-security-token; presigned URLs
 * carry the signature and the token in the query.
 *
 * IDENTIFICATION
 *	  src/aliyun.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"

#include "connection.h"
#include "provider.h"

/*
 * The query parameters that are part of the canonicalized resource (the
 * sub-resources OSS signs); others (prefix, marker, max-keys) are not.
 */
static const char *const sub_resources[] = {
	"acl", "append", "delete", "partNumber", "position", "security-token",
	"uploadId", "uploads", "versionId", NULL
};

/* sts.<region>.aliyuncs.com, or the central sts.aliyuncs.com */
char *
ConnAliyunStsEndpoint(const char *region, const char *role_arn)
{
	return region ? psprintf("sts.%s.aliyuncs.com", region) : pstrdup("sts.aliyuncs.com");
}

/* Alibaba Cloud STS: POST form, RPC signature among the parameters. */
void
ConnAliyunStsCall(const ConnStsRequest *req, ConnHttpResponse *resp)
{
	char		timestamp[21];
	uint8		nonce_bytes[16];
	char		nonce[33];
	/* the common parameters first: GetCallerIdentity takes no others */
	ConnParam	params[] = {
		{"Action", req->role_arn ? "AssumeRole" : "GetCallerIdentity"},
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

	ConnUtcFormat(time(NULL), "%Y-%m-%dT%H:%M:%SZ", timestamp, sizeof(timestamp));
	if (!pg_strong_random(nonce_bytes, sizeof(nonce_bytes)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random nonce")));
	for (int i = 0; i < (int) sizeof(nonce_bytes); i++)
		sprintf(nonce + 2 * i, "%02x", nonce_bytes[i]);
	query = ConnCanonicalQuery(params, req->role_arn ? lengthof(params) : 8);
	initStringInfo(&body);
	appendStringInfo(&body, "%s&Signature=", query);
	ConnUriEncode(&body, ConnAliyunRpcSignature(req->secret, "POST", query), false);
	ConnHttpRequest("POST", &req->endpoint, req->endpoint_from, req->endpoint.url,
					list_make1(pstrdup("Content-Type: application/x-www-form-urlencoded")),
					body.data, "the Alibaba Cloud STS endpoint", resp);
}

/*
 * The JSON answer: Credentials and AssumedRoleUser, or GetCallerIdentity's
 * members, or Code and Message.
 */
void
ConnAliyunStsParse(const ConnHttpResponse *resp, ConnStsAnswer *answer)
{
	Jsonb	   *jb = ConnJsonObject(resp->body, resp->len);
	JsonbContainer *c;
	JsonbContainer *user;

	if (jb == NULL)
	{
		answer->malformed = psprintf("HTTP status %ld with a body that is not a JSON object.", resp->status);
		return;
	}
	if (resp->status != 200)
	{
		answer->failed = true;
		answer->code = ConnJsonbString(&jb->root, "Code");
		answer->message = ConnJsonbString(&jb->root, "Message");
		return;
	}
	if (answer->identity)
	{
		answer->account = ConnJsonbString(&jb->root, "AccountId");
		answer->arn = ConnJsonbString(&jb->root, "Arn");
		answer->user_id = ConnJsonbString(&jb->root, "UserId");
		if (answer->user_id == NULL)
			answer->user_id = ConnJsonbString(&jb->root, "PrincipalId");
		if (!answer->account || !answer->arn)
			answer->malformed = "The answer lacks one of AccountId, Arn.";
		return;
	}
	user = ConnJsonMember(&jb->root, "AssumedRoleUser");
	if (user)
		answer->arn = ConnJsonbString(user, "Arn");
	c = ConnJsonMember(&jb->root, "Credentials");
	if (c == NULL)
	{
		answer->malformed = "There is no Credentials object.";
		return;
	}
	answer->key_id = ConnJsonbString(c, "AccessKeyId");
	answer->secret = ConnJsonbString(c, "AccessKeySecret");
	answer->token = ConnJsonbString(c, "SecurityToken");
	answer->expiration = ConnJsonbString(c, "Expiration");
	if (!answer->key_id || !answer->secret || !answer->token || !answer->expiration)
		answer->malformed = "The answer lacks one of AccessKeyId, AccessKeySecret, SecurityToken, Expiration.";
}

/* /bucket/key, and the signed sub-resources in order ("?a&b=c") */
static char *
canonical_resource(const ConnObjectRequest *req)
{
	StringInfoData buf;
	bool		first = true;

	initStringInfo(&buf);
	appendStringInfo(&buf, "/%s/%s", req->bucket, req->key ? req->key : "");
	/* req->params are sorted by name */
	for (int i = 0; i < req->nparams; i++)
		for (int j = 0; sub_resources[j]; j++)
			if (strcmp(req->params[i].name, sub_resources[j]) == 0)
			{
				appendStringInfo(&buf, "%c%s", first ? '?' : '&', req->params[i].name);
				if (req->params[i].value[0])
					appendStringInfo(&buf, "=%s", req->params[i].value);
				first = false;
			}
	return buf.data;
}

/*
 * An OSS request's headers: Date, the token of temporary credentials, and
 * the Authorization that signs them with Content-Type and the resource.
 */
List *
ConnAliyunSign(const ConnObjectRequest *req, const ConnKeys *keys)
{
	char		date[40];
	char	   *to_sign;
	List	   *headers = NIL;

	ConnUtcFormat(req->now, "%a, %d %b %Y %H:%M:%S GMT", date, sizeof(date));
	to_sign = psprintf("%s\n\n%s\n%s\n%s%s%s%s", req->method,
					   req->content_type ? req->content_type : "", date,
					   keys->token ? "x-oss-security-token:" : "",
					   keys->token ? keys->token : "",
					   keys->token ? "\n" : "",
					   canonical_resource(req));
	headers = lappend(headers, psprintf("Date: %s", date));
	if (keys->token)
		headers = lappend(headers, psprintf("x-oss-security-token: %s", keys->token));
	headers = lappend(headers, psprintf("Authorization: OSS %s:%s", keys->key_id,
										ConnOssSignature(keys->secret, to_sign)));
	return headers;
}

/* A presigned OSS URL. */
char *
ConnAliyunPresign(const ConnObjectRequest *req, const ConnKeys *keys, int expires)
{
	StringInfoData base;

	initStringInfo(&base);
	appendStringInfo(&base, "%s://%s", req->scheme, req->host);
	ConnUriEncode(&base, req->path, true);
	return ConnOssPresignUrl(keys->key_id, keys->secret, keys->token, req->method, base.data,
							 canonical_resource(req), (long) req->now + expires);
}
