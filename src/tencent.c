/*-------------------------------------------------------------------------
 *
 * tencent.c
 *	  Tencent Cloud: STS AssumeRole and GetCallerIdentity, and COS requests,
 *	  the provider entry's functions.
 *
 * STS is API 3.0 (a JSON POST signed with TC3-HMAC-SHA256), answering
 * JSON.  COS requests carry the COS signature (q-sign-algorithm=sha1)
 * over the method, the path, every query parameter and the Host and
 * Content-Type headers, with the token of temporary credentials in
 * x-cos-security-token (signed too); presigned URLs carry the signature
 * and the token in the query.  A COS bucket's full name ends in the
 * account's APPID ("<name>-<APP_ID>"), which is added when missing.
 *
 * IDENTIFICATION
 *	  src/tencent.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/json.h"

#include "connection.h"
#include "provider.h"

/* How long a COS request signature is valid, in seconds. */
#define COS_SIGNATURE_SECONDS 3600

char *
ConnTencentStsEndpoint(const char *region, const char *role_arn)
{
	return pstrdup("sts.tencentcloudapi.com");
}

/* Tencent Cloud STS: POST JSON, TC3-HMAC-SHA256. */
void
ConnTencentStsCall(const ConnStsRequest *req, ConnHttpResponse *resp)
{
	const char *ctype = "application/json; charset=utf-8";
	time_t		now = time(NULL);
	char		date[11];
	char		timestamp[24];
	char		payload_hash[CONN_SHA256_HEX_SIZE];
	StringInfoData body;
	char	   *signature;
	List	   *headers;

	ConnUtcFormat(now, "%Y-%m-%d", date, sizeof(date));
	snprintf(timestamp, sizeof(timestamp), "%ld", (long) now);
	initStringInfo(&body);
	if (req->role_arn)
	{
		appendStringInfoString(&body, "{\"RoleArn\":");
		escape_json(&body, req->role_arn);
		appendStringInfoString(&body, ",\"RoleSessionName\":");
		escape_json(&body, req->session_name);
		appendStringInfo(&body, ",\"DurationSeconds\":%s,\"ExternalId\":", req->duration);
		escape_json(&body, req->external_id);
		appendStringInfoChar(&body, '}');
	}
	else
		appendStringInfoString(&body, "{}");	/* GetCallerIdentity */

	ConnSha256Hex(body.data, body.len, payload_hash);
	signature = ConnTc3Signature(req->secret, "sts", date, timestamp,
								 psprintf("POST\n%s\n\ncontent-type:%s\nhost:%s\n\ncontent-type;host\n%s",
										  req->endpoint.path, ctype, req->endpoint.authority,
										  payload_hash));
	headers = list_make5(psprintf("Content-Type: %s", ctype),
						 psprintf("X-TC-Action: %s", req->role_arn ? "AssumeRole" : "GetCallerIdentity"),
						 pstrdup("X-TC-Version: 2018-08-13"),
						 psprintf("X-TC-Timestamp: %s", timestamp),
						 psprintf("X-TC-Region: %s", req->region));
	headers = lappend(headers,
					  psprintf("Authorization: TC3-HMAC-SHA256 Credential=%s/%s/sts/tc3_request, "
							   "SignedHeaders=content-type;host, Signature=%s",
							   req->key_id, date, signature));
	ConnHttpRequest("POST", &req->endpoint, req->endpoint_from, req->endpoint.url, headers,
					body.data, "the Tencent Cloud STS endpoint", resp);
}

/*
 * The JSON answer: Response.Credentials, or GetCallerIdentity's members of
 * Response, or Response.Error.
 */
void
ConnTencentStsParse(const ConnHttpResponse *resp, ConnStsAnswer *answer)
{
	Jsonb	   *jb = ConnJsonObject(resp->body, resp->len);
	JsonbContainer *r;
	JsonbContainer *c;
	JsonbContainer *err;

	if (jb == NULL)
	{
		answer->malformed = psprintf("HTTP status %ld with a body that is not a JSON object.", resp->status);
		return;
	}
	r = ConnJsonMember(&jb->root, "Response");
	if (r == NULL)
	{
		answer->malformed = "There is no Response object.";
		return;
	}
	err = ConnJsonMember(r, "Error");
	if (err || resp->status != 200)
	{
		answer->failed = true;
		answer->code = err ? ConnJsonbString(err, "Code") : NULL;
		answer->message = err ? ConnJsonbString(err, "Message") : NULL;
		return;
	}
	if (answer->identity)
	{
		answer->account = ConnJsonbString(r, "AccountId");
		answer->arn = ConnJsonbString(r, "Arn");
		answer->user_id = ConnJsonbString(r, "UserId");
		if (!answer->account || !answer->arn)
			answer->malformed = "The answer lacks one of AccountId, Arn.";
		return;
	}
	c = ConnJsonMember(r, "Credentials");
	if (c == NULL)
	{
		answer->malformed = "There is no Credentials object.";
		return;
	}
	answer->key_id = ConnJsonbString(c, "TmpSecretId");
	answer->secret = ConnJsonbString(c, "TmpSecretKey");
	answer->token = ConnJsonbString(c, "Token");
	answer->expiration = ConnJsonbString(r, "Expiration");
	if (!answer->key_id || !answer->secret || !answer->token || !answer->expiration)
		answer->malformed = "The answer lacks one of TmpSecretId, TmpSecretKey, Token, Expiration.";
}

/* cos.<region>.myqcloud.com */
char *
ConnTencentStorageEndpoint(const char *region)
{
	return psprintf("https://cos.%s.myqcloud.com", region);
}

/* <bucket>-<APP_ID>, unless the name already ends so */
char *
ConnTencentBucketName(const char *bucket, Jsonb *props)
{
	char	   *app_id = ConnJsonbString(&props->root, "APP_ID");
	char	   *suffix = psprintf("-%s", app_id ? app_id : "");
	size_t		blen = strlen(bucket);
	size_t		slen = strlen(suffix);

	if (app_id == NULL || (blen > slen && strcmp(bucket + blen - slen, suffix) == 0))
		return pstrdup(bucket);
	return psprintf("%s%s", bucket, suffix);
}

/*
 * A COS request's headers: the token of temporary credentials and the
 * Authorization that signs it with Host, Content-Type and the query.
 */
List *
ConnTencentSign(const ConnObjectRequest *req, const ConnKeys *keys)
{
	ConnParam	signed_headers[3];
	int			n = 0;
	List	   *headers = NIL;

	if (req->content_type)
		signed_headers[n++] = (ConnParam) {"Content-Type", req->content_type};
	signed_headers[n++] = (ConnParam) {"Host", req->host};
	if (keys->token)
	{
		signed_headers[n++] = (ConnParam) {"x-cos-security-token", keys->token};
		headers = lappend(headers, psprintf("x-cos-security-token: %s", keys->token));
	}
	headers = lappend(headers,
					  psprintf("Authorization: %s",
							   ConnCosAuthorization(keys->key_id, keys->secret, req->method,
													req->path, req->params, req->nparams,
													signed_headers, n, (long) req->now - 60,
													(long) req->now + COS_SIGNATURE_SECONDS)));
	return headers;
}

/* A presigned COS URL, valid from now. */
char *
ConnTencentPresign(const ConnObjectRequest *req, const ConnKeys *keys, int expires)
{
	return ConnCosPresignUrl(keys->key_id, keys->secret, keys->token, req->method, req->scheme,
							 req->host, req->path, (long) req->now, (long) req->now + expires);
}
