/*-------------------------------------------------------------------------
 *
 * aws.c
 *	  AWS: STS AssumeRole and S3 requests, the provider entry's functions.
 *
 * STS is the query API (a form POST), signed with Signature Version 4 in
 * the Authorization header, answering XML.  S3 requests are signed the
 * same way, with the payload's SHA-256 signed too (x-amz-content-sha256)
 * and the session token of temporary credentials in
 * x-amz-security-token; presigned URLs carry all of it in the query.
 * China regions (cn-*) live under amazonaws.com.cn.
 *
 * IDENTIFICATION
 *	  src/aws.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "connection.h"
#include "provider.h"

static bool
china(const char *region)
{
	return region && strncmp(region, "cn-", 3) == 0;
}

/*
 * sts.<region>.amazonaws.com, .com.cn for a role of the aws-cn partition
 * (without a role, for a China region)
 */
char *
ConnAwsStsEndpoint(const char *region, const char *role_arn)
{
	bool		cn = role_arn ? strncmp(role_arn, "arn:aws-cn:", 11) == 0 : china(region);

	return psprintf("sts.%s.amazonaws.com%s", region, cn ? ".cn" : "");
}

/* AWS STS: POST form, Signature Version 4 in the Authorization header. */
void
ConnAwsStsCall(const ConnStsRequest *req, ConnHttpResponse *resp)
{
	ConnParam	params[] = {
		{"Action", req->role_arn ? "AssumeRole" : "GetCallerIdentity"},
		{"Version", "2011-06-15"},
		{"RoleArn", req->role_arn},
		{"RoleSessionName", req->session_name},
		{"ExternalId", req->external_id},
		{"DurationSeconds", req->duration},
	};
	const char *ctype = "application/x-www-form-urlencoded; charset=utf-8";
	char		amz_date[CONN_AMZ_DATE_SIZE];
	char		payload_hash[CONN_SHA256_HEX_SIZE];
	/* GetCallerIdentity takes Action and Version only */
	char	   *body = ConnCanonicalQuery(params, req->role_arn ? lengthof(params) : 2);
	ConnSigV4	key;
	ConnParam	headers[3];

	ConnAmzDate(time(NULL), amz_date);
	ConnSha256Hex(body, strlen(body), payload_hash);
	key.access_key = req->key_id;
	key.secret_key = req->secret;
	key.region = req->region;
	key.service = "sts";
	key.amz_date = amz_date;
	headers[0] = (ConnParam) {"content-type", ctype};
	headers[1] = (ConnParam) {"host", req->endpoint.authority};
	headers[2] = (ConnParam) {"x-amz-date", amz_date};
	ConnHttpRequest("POST", &req->endpoint, req->endpoint_from, req->endpoint.url,
					list_make3(psprintf("Content-Type: %s", ctype),
							   psprintf("X-Amz-Date: %s", amz_date),
							   psprintf("Authorization: %s",
										ConnSigV4Authorization(&key, "POST", req->endpoint.path, "",
															   headers, lengthof(headers),
															   payload_hash))),
					body, "the AWS STS endpoint", resp);
}

/*
 * The XML answer: Credentials and AssumedRoleUser, or GetCallerIdentity's
 * result, or an Error with Code and Message.
 */
void
ConnAwsStsParse(const ConnHttpResponse *resp, ConnStsAnswer *answer)
{
	const char *body = resp->body;
	const char *end = body + resp->len;
	const char *creds;
	const char *creds_end;
	const char *user;
	const char *user_end;

	if (resp->status != 200)
	{
		answer->code = ConnXmlElement(body, end, "Code");
		if (answer->code == NULL)
			answer->malformed = psprintf("HTTP status %ld without an error document.", resp->status);
		else
		{
			answer->failed = true;
			answer->message = ConnXmlElement(body, end, "Message");
		}
		return;
	}
	if (answer->identity)
	{
		user = ConnXmlNext(body, end, "GetCallerIdentityResult", &user_end);
		if (user == NULL)
		{
			answer->malformed = "There is no complete GetCallerIdentityResult element.";
			return;
		}
		answer->account = ConnXmlElement(user, user_end, "Account");
		answer->arn = ConnXmlElement(user, user_end, "Arn");
		answer->user_id = ConnXmlElement(user, user_end, "UserId");
		if (!answer->account || !answer->arn)
			answer->malformed = "The answer lacks one of Account, Arn.";
		return;
	}
	user = ConnXmlNext(body, end, "AssumedRoleUser", &user_end);
	if (user)
		answer->arn = ConnXmlElement(user, user_end, "Arn");
	creds = ConnXmlNext(body, end, "Credentials", &creds_end);
	if (creds == NULL)
	{
		answer->malformed = "There is no complete Credentials element.";
		return;
	}
	answer->key_id = ConnXmlElement(creds, creds_end, "AccessKeyId");
	answer->secret = ConnXmlElement(creds, creds_end, "SecretAccessKey");
	answer->token = ConnXmlElement(creds, creds_end, "SessionToken");
	answer->expiration = ConnXmlElement(creds, creds_end, "Expiration");
	if (!answer->key_id || !answer->secret || !answer->token || !answer->expiration)
		answer->malformed = "The answer lacks one of AccessKeyId, SecretAccessKey, SessionToken, Expiration.";
}

/* s3.<region>.amazonaws.com (.com.cn in China) */
char *
ConnAwsStorageEndpoint(const char *region)
{
	return psprintf("https://s3.%s.amazonaws.com%s", region, china(region) ? ".cn" : "");
}

/* The SigV4 key of an S3 request at its time; amz_date is filled. */
static void
s3_key(const ConnObjectRequest *req, const ConnKeys *keys, char *amz_date, ConnSigV4 *key)
{
	ConnAmzDate(req->now, amz_date);
	key->access_key = keys->key_id;
	key->secret_key = keys->secret;
	key->region = req->region;
	key->service = "s3";
	key->amz_date = amz_date;
}

/*
 * An S3 request's headers: X-Amz-Date, X-Amz-Content-SHA256, the token
 * of temporary credentials, and the Authorization that signs them with
 * Host and Content-Type.
 */
List *
ConnAwsSign(const ConnObjectRequest *req, const ConnKeys *keys)
{
	char		amz_date[CONN_AMZ_DATE_SIZE];
	ConnSigV4	key;
	ConnParam	signed_headers[5];
	int			n = 0;
	StringInfoData uri;
	List	   *headers = NIL;

	s3_key(req, keys, amz_date, &key);
	/* sorted by name */
	if (req->content_type)
		signed_headers[n++] = (ConnParam) {"content-type", req->content_type};
	signed_headers[n++] = (ConnParam) {"host", req->host};
	signed_headers[n++] = (ConnParam) {"x-amz-content-sha256", req->payload_hash};
	signed_headers[n++] = (ConnParam) {"x-amz-date", amz_date};
	if (keys->token)
		signed_headers[n++] = (ConnParam) {"x-amz-security-token", keys->token};

	initStringInfo(&uri);
	ConnUriEncode(&uri, req->path, true);
	headers = lappend(headers, psprintf("X-Amz-Date: %s", amz_date));
	headers = lappend(headers, psprintf("X-Amz-Content-SHA256: %s", req->payload_hash));
	if (keys->token)
		headers = lappend(headers, psprintf("X-Amz-Security-Token: %s", keys->token));
	headers = lappend(headers,
					  psprintf("Authorization: %s",
							   ConnSigV4Authorization(&key, req->method, uri.data,
													  ConnCanonicalQuery(req->params, req->nparams),
													  signed_headers, n, req->payload_hash)));
	return headers;
}

/* A presigned S3 URL (query-string authentication). */
char *
ConnAwsPresign(const ConnObjectRequest *req, const ConnKeys *keys, int expires)
{
	char		amz_date[CONN_AMZ_DATE_SIZE];
	ConnSigV4	key;

	s3_key(req, keys, amz_date, &key);
	return ConnS3PresignUrl(&key, keys->token, req->method, req->scheme, req->host,
							req->path, expires);
}
