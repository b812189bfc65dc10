/*-------------------------------------------------------------------------
 *
 * presign.c
 *	  connection.presign(): a presigned URL for one object of an object
 *	  storage connection (S3, OSS, COS).
 *
 * The URL is signed with the connection's access keys, or with the
 * temporary credentials of a role-based connection (whose security token
 * it then carries): AWS Signature Version 4 query presigning for S3, the
 * OSS URL signature (version 1) and the COS request signature.  Holders of
 * the URL can do that one thing to that one object until it expires, and
 * nothing else; hence the same right as credentials(): USAGE.
 *
 * URLs: S3 is virtual-hosted (https://<bucket>.s3.<region>.amazonaws.com/
 * <key>), path-style on an ENDPOINT of its own or for a bucket with dots;
 * OSS is virtual-hosted on its ENDPOINT (path-style when that is an IP
 * address or localhost); COS is https://<bucket>-<APP_ID>.cos.<region>.
 * myqcloud.com/<key>.
 *
 * IDENTIFICATION
 *	  src/presign.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <time.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "commands.h"
#include "connection.h"
#include "credentials.h"
#include "http.h"
#include "sign.h"
#include "sts.h"
#include "wipe.h"

PG_FUNCTION_INFO_V1(connection_presign);

/* Longest validity of a presigned URL: seven days, as S3 allows. */
#define CONN_PRESIGN_MAX_SECONDS (7 * 24 * 3600)

static const char *const methods[] = {"GET", "PUT", "HEAD", "DELETE", NULL};

/* Is the authority an IPv4 address or localhost (no virtual hosting)? */
static bool
is_ip_or_localhost(const char *authority)
{
	const char *p;

	if (strncmp(authority, "localhost", 9) == 0 &&
		(authority[9] == '\0' || authority[9] == ':'))
		return true;
	if (authority[0] == '[')
		return true;
	for (p = authority; *p && *p != ':'; p++)
		if (!isdigit((unsigned char) *p) && *p != '.')
			return false;
	return true;
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
 * connection.presign(name, method, object_path, expires_in)
 *		A presigned URL for object_path ("bucket/key") valid for
 *		expires_in.
 */
Datum
connection_presign(PG_FUNCTION_ARGS)
{
	char	   *name = ConnArgName(fcinfo, 0);
	char	   *method = ConnArgText(fcinfo, 1, "method");
	char	   *path = ConnArgText(fcinfo, 2, "object path");
	Interval   *expires_in;
	const ConnRow *row;
	const char *type;
	Jsonb	   *creds;
	char	   *key_id;
	char	   *secret;
	char	   *token;
	char	   *region;
	char	   *slash;
	char	   *bucket;
	char	   *key;
	double		seconds;
	int			expires;
	time_t		now = time(NULL);
	char	   *url;
	bool		known = false;

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("expiry interval must not be null")));
	expires_in = PG_GETARG_INTERVAL_P(3);

	for (char *m = method; *m; m++)
		*m = pg_ascii_toupper((unsigned char) *m);
	for (int i = 0; methods[i]; i++)
		if (strcmp(method, methods[i]) == 0)
			known = true;
	if (!known)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unsupported HTTP method \"%s\" for a presigned URL", method),
				 errhint("Use GET, PUT, HEAD or DELETE.")));

	seconds = (double) expires_in->time / USECS_PER_SEC +
		(double) expires_in->day * SECS_PER_DAY +
		(double) expires_in->month * DAYS_PER_MONTH * SECS_PER_DAY;
	if (seconds < 1 || seconds > CONN_PRESIGN_MAX_SECONDS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("expiry of a presigned URL must be between 1 second and 7 days")));
	expires = (int) seconds;

	if (path[0] == '/')
		path++;
	slash = strchr(path, '/');
	if (slash == NULL || slash[1] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid object path \"%s\"", path),
				 errdetail("An object path is the bucket, a slash, and the object's key.")));
	bucket = pnstrdup(path, slash - path);
	key = slash + 1;
	check_bucket(bucket, path);

	row = ConnUsableRow(name, "connection.presign()");
	type = row->type->name;
	if (strcmp(type, "S3") != 0 && strcmp(type, "OSS") != 0 && strcmp(type, "COS") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("connection \"%s\" is not an object storage connection", name),
				 errdetail("Presigned URLs exist for S3, OSS and COS connections; it is of type %s.", type)));

	/* temporary credentials also come under the type's own key names */
	creds = ConnRowRoleMode(row) ? ConnStsCredentials(row) : ConnDecryptedProps(row);
	key_id = ConnJsonbString(&creds->root,
							 row->type->props[ConnKeyProp(row->type, CONN_IDENTIFIER)].name);
	secret = ConnJsonbString(&creds->root,
							 row->type->props[ConnKeyProp(row->type, CONN_SECRET)].name);
	token = ConnJsonbString(&creds->root, "SECURITY_TOKEN");
	region = ConnJsonbString(&creds->root, "REGION");
	ConnWipeOnReset(CurrentMemoryContext, secret, strlen(secret));
	if (token)
		ConnWipeOnReset(CurrentMemoryContext, token, strlen(token));

	if (strcmp(type, "S3") == 0)
	{
		char	   *endpoint = ConnJsonbString(&creds->root, "ENDPOINT");
		char		amz_date[CONN_AMZ_DATE_SIZE];
		ConnSigV4	sig;
		ConnEndpoint ep;
		const char *domain = strncmp(region, "cn-", 3) == 0 ? "amazonaws.com.cn" : "amazonaws.com";

		ConnAmzDate(now, amz_date);
		sig.access_key = key_id;
		sig.secret_key = secret;
		sig.region = region;
		sig.service = "s3";
		sig.amz_date = amz_date;
		if (endpoint)
		{
			ConnHttpEndpoint(endpoint, "ENDPOINT", &ep);
			url = ConnS3PresignUrl(&sig, token, method, ep.scheme, ep.authority,
								   psprintf("/%s/%s", bucket, key), expires);
		}
		else if (strchr(bucket, '.'))
			url = ConnS3PresignUrl(&sig, token, method, "https",
								   psprintf("s3.%s.%s", region, domain),
								   psprintf("/%s/%s", bucket, key), expires);
		else
			url = ConnS3PresignUrl(&sig, token, method, "https",
								   psprintf("%s.s3.%s.%s", bucket, region, domain),
								   psprintf("/%s", key), expires);
	}
	else if (strcmp(type, "OSS") == 0)
	{
		ConnEndpoint ep;

		ConnHttpEndpoint(ConnJsonbString(&creds->root, "ENDPOINT"), "ENDPOINT", &ep);
		url = ConnOssPresignUrl(key_id, secret, token, method, ep.scheme, ep.authority,
								bucket, key, (long) now + expires,
								is_ip_or_localhost(ep.authority));
	}
	else
	{
		char	   *app_id = ConnJsonbString(&creds->root, "APP_ID");
		char	   *suffix = psprintf("-%s", app_id);
		size_t		blen = strlen(bucket);
		size_t		slen = strlen(suffix);
		char	   *host;

		if (blen > slen && strcmp(bucket + blen - slen, suffix) == 0)
			host = psprintf("%s.cos.%s.myqcloud.com", bucket, region);
		else
			host = psprintf("%s%s.cos.%s.myqcloud.com", bucket, suffix, region);
		url = ConnCosPresignUrl(key_id, secret, token, method, "https", host,
								psprintf("/%s", key), (long) now, (long) now + expires);
	}

	ConnLogUsage(name, "connection.presign()");
	PG_RETURN_TEXT_P(cstring_to_text(url));
}
