/*-------------------------------------------------------------------------
 *
 * sign.h
 *	  Request signing for the cloud providers: AWS Signature Version 4,
 *	  Alibaba Cloud RPC (HMAC-SHA1) and OSS (version 1), Tencent Cloud TC3
 *	  and COS; in headers and in presigned URLs.
 *
 * Pure functions of their inputs (strings in, strings out), so that they
 * build in the server and, with -DFRONTEND, in the unit test that checks
 * them against the providers' documented examples.
 *
 * IDENTIFICATION
 *	  src/sign.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_SIGN_H
#define CONNECTION_SIGN_H

#include <time.h>

#include "common/cryptohash.h"
#include "lib/stringinfo.h"

/* An AWS time stamp, YYYYMMDD'T'HHMMSS'Z', with its terminating NUL. */
#define CONN_AMZ_DATE_SIZE 17

/* Hex of a SHA-256 digest, with its terminating NUL. */
#define CONN_SHA256_HEX_SIZE 65

/* One query or form parameter. */
typedef struct ConnParam
{
	const char *name;
	const char *value;
} ConnParam;

/* The key and scope an AWS Signature Version 4 signs with. */
typedef struct ConnSigV4
{
	const char *access_key;
	const char *secret_key;
	const char *region;
	const char *service;
	const char *amz_date;		/* YYYYMMDD'T'HHMMSS'Z' */
} ConnSigV4;

extern void ConnSha256Hex(const char *data, size_t len, char *hex);
extern void ConnUriEncode(StringInfo buf, const char *s, bool keep_slash);
extern void ConnSortParams(ConnParam *params, int nparams);
extern char *ConnCanonicalQuery(ConnParam *params, int nparams);

extern void ConnAmzDate(time_t t, char *buf);
extern char *ConnSigV4Scope(const ConnSigV4 *key);
extern char *ConnSigV4Signature(const ConnSigV4 *key, const char *canonical_request);
extern char *ConnSigV4Authorization(const ConnSigV4 *key, const char *method,
									const char *canonical_uri, const char *canonical_query,
									const ConnParam *headers, int nheaders,
									const char *payload_hash);
extern char *ConnS3PresignUrl(const ConnSigV4 *key, const char *token,
							  const char *method, const char *scheme, const char *host,
							  const char *path, int expires);

extern char *ConnAliyunRpcSignature(const char *secret, const char *method,
									const char *canonical_query);
extern char *ConnOssSignature(const char *secret, const char *string_to_sign);
extern char *ConnOssPresignUrl(const char *access_id, const char *secret, const char *token,
							   const char *method, const char *url_base,
							   const char *resource, long expires_at);

extern char *ConnTc3Signature(const char *secret_key, const char *service,
							  const char *date, const char *timestamp,
							  const char *canonical_request);
extern char *ConnCosAuthorization(const char *secret_id, const char *secret_key,
								  const char *method, const char *path,
								  const ConnParam *params, int nparams,
								  const ConnParam *headers, int nheaders,
								  long start, long end);
extern char *ConnCosPresignUrl(const char *secret_id, const char *secret_key,
							   const char *token, const char *method, const char *scheme,
							   const char *host, const char *path, long start, long end);

#endif							/* CONNECTION_SIGN_H */
