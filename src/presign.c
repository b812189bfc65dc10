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
 * URLs are addressed as every request of the connection is (storage.c):
 * at ENDPOINT or the provider's regional endpoint, virtual-hosted or
 * path-style as ADDRESSING_STYLE says.
 *
 * IDENTIFICATION
 *	  src/presign.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "commands.h"
#include "connection.h"
#include "storage.h"

PG_FUNCTION_INFO_V1(connection_presign);

/* Longest validity of a presigned URL: seven days, as S3 allows. */
#define CONN_PRESIGN_MAX_SECONDS (7 * 24 * 3600)

static const char *const methods[] = {"GET", "PUT", "HEAD", "DELETE", NULL};

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
	ConnStorage *st;
	ConnObjectRequest req;
	ConnEndpoint ep;
	char	   *bucket;
	char	   *key;
	double		seconds;
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

	ConnObjectPath(path, true, &bucket, &key);
	st = ConnStorageOpen(name, "connection.presign()");
	ConnObjectAddress(st, method, bucket, key, NULL, 0, &req, &ep);
	PG_RETURN_TEXT_P(cstring_to_text(st->provider->presign(&req, &st->keys, (int) seconds)));
}
