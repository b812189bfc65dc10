/*-------------------------------------------------------------------------
 *
 * sign.c
 *	  Request signing for the cloud providers.
 *
 * - AWS Signature Version 4: the signing key derived from the secret, the
 *   date, the region and the service; used for STS AssumeRole and S3
 *   requests (Authorization header) and S3 query presigning.
 * - Alibaba Cloud: the RPC signature (HMAC-SHA1 of the canonicalized query,
 *   base64), used for STS AssumeRole; OSS signatures version 1 (HMAC-SHA1
 *   of the verb, the content type, the date or expiry, the x-oss- headers
 *   and the canonicalized resource) in headers and URLs.
 * - Tencent Cloud: TC3-HMAC-SHA256, used for STS AssumeRole; COS request
 *   signatures (q-sign-algorithm=sha1) in headers and URLs.
 *
 * The digests, HMACs and base64 come from PostgreSQL's common code (which
 * uses OpenSSL when the server was built with it).  Nothing here reports
 * an error but a failure of that code, which is out of memory in practice.
 * Everything is a pure function of its arguments: no clock, no randomness,
 * so the unit test (test/sign) checks it against the providers' published
 * examples.
 *
 * IDENTIFICATION
 *	  src/sign.c
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "common/base64.h"
#include "common/hmac.h"
#include "common/sha1.h"
#include "common/sha2.h"

#ifndef FRONTEND
#include "connection.h"
#endif
#include "sign.h"

#ifdef FRONTEND
#define sign_failed(what) \
	do { fprintf(stderr, "could not compute %s\n", (what)); exit(1); } while (0)
#else
#define sign_failed(what) \
	elog(ERROR, "could not compute %s", (what))
#endif

static void
hex_encode_lower(const uint8 *bin, int len, char *hex)
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < len; i++)
	{
		hex[2 * i] = digits[bin[i] >> 4];
		hex[2 * i + 1] = digits[bin[i] & 0xF];
	}
	hex[2 * len] = '\0';
}

static void
digest(pg_cryptohash_type type, const char *data, size_t len, uint8 *out, size_t outlen)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(type);

	if (ctx == NULL ||
		pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) data, len) < 0 ||
		pg_cryptohash_final(ctx, out, outlen) < 0)
		sign_failed("a digest");
	pg_cryptohash_free(ctx);
}

static void
hmac(pg_cryptohash_type type, const uint8 *key, size_t keylen,
	 const char *data, uint8 *out, size_t outlen)
{
	pg_hmac_ctx *ctx = pg_hmac_create(type);

	if (ctx == NULL ||
		pg_hmac_init(ctx, key, keylen) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) data, strlen(data)) < 0 ||
		pg_hmac_final(ctx, out, outlen) < 0)
		sign_failed("an HMAC");
	pg_hmac_free(ctx);
}

static void
hmac_sha256(const uint8 *key, size_t keylen, const char *data, uint8 *out)
{
	hmac(PG_SHA256, key, keylen, data, out, PG_SHA256_DIGEST_LENGTH);
}

static char *
base64(const uint8 *data, int len)
{
	char	   *out = palloc(pg_b64_enc_len(len) + 1);
	int			n = pg_b64_encode((const char *) data, len, out, pg_b64_enc_len(len));

	if (n < 0)
		sign_failed("base64");
	out[n] = '\0';
	return out;
}

/* Hex of the SHA-256 of data; hex holds CONN_SHA256_HEX_SIZE bytes. */
void
ConnSha256Hex(const char *data, size_t len, char *hex)
{
	uint8		d[PG_SHA256_DIGEST_LENGTH];

	digest(PG_SHA256, data, len, d, sizeof(d));
	hex_encode_lower(d, sizeof(d), hex);
}

/*
 * Percent-encoding of RFC 3986, which all three providers sign: every byte
 * but the unreserved A-Z a-z 0-9 - _ . ~ becomes %XY (upper case), a space
 * %20; with keep_slash, '/' is kept too (object paths).
 */
void
ConnUriEncode(StringInfo buf, const char *s, bool keep_slash)
{
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			(*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' ||
			*p == '~' || (keep_slash && *p == '/'))
			appendStringInfoChar(buf, (char) *p);
		else
			appendStringInfo(buf, "%%%02X", *p);
	}
}

static int
param_cmp(const void *a, const void *b)
{
	return strcmp(((const ConnParam *) a)->name, ((const ConnParam *) b)->name);
}

/* Sort parameters by name, in place. */
void
ConnSortParams(ConnParam *params, int nparams)
{
	if (nparams > 1)
		qsort(params, nparams, sizeof(ConnParam), param_cmp);
}

/*
 * The canonical query string: parameters sorted by name (names are ASCII
 * and need no encoding, so that is also the order of the encoded names),
 * name=value encoded and joined by '&'.  Sorts params in place.
 */
char *
ConnCanonicalQuery(ConnParam *params, int nparams)
{
	StringInfoData buf;

	ConnSortParams(params, nparams);
	initStringInfo(&buf);
	for (int i = 0; i < nparams; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, '&');
		ConnUriEncode(&buf, params[i].name, false);
		appendStringInfoChar(&buf, '=');
		ConnUriEncode(&buf, params[i].value, false);
	}
	return buf.data;
}

/*
 * The hex HMAC-SHA256 of string_to_sign under a key derived, as SigV4 and
 * TC3 both do, by chaining HMAC-SHA256 from prefix + secret over the scope
 * parts (NULL-terminated).  The derived keys are zeroed.
 */
static char *
derived_key_signature(const char *prefix, const char *secret, const char *const *parts,
					  const char *string_to_sign)
{
	char	   *kstart = psprintf("%s%s", prefix, secret);
	uint8		k[PG_SHA256_DIGEST_LENGTH];
	uint8		sig[PG_SHA256_DIGEST_LENGTH];
	char	   *hex = palloc(2 * PG_SHA256_DIGEST_LENGTH + 1);

	hmac_sha256((const uint8 *) kstart, strlen(kstart), parts[0], k);
	for (int i = 1; parts[i]; i++)
		hmac_sha256(k, sizeof(k), parts[i], k);
	hmac_sha256(k, sizeof(k), string_to_sign, sig);
	hex_encode_lower(sig, sizeof(sig), hex);

	explicit_bzero(kstart, strlen(kstart));
	explicit_bzero(k, sizeof(k));
	pfree(kstart);
	return hex;
}

/* ---------------------------------------------------------------------
 * AWS Signature Version 4
 * ---------------------------------------------------------------------
 */

/* The time stamp of Signature Version 4 for t, in UTC. */
void
ConnAmzDate(time_t t, char *buf)
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, CONN_AMZ_DATE_SIZE, "%Y%m%dT%H%M%SZ", &tm);
}

/* The credential scope: date/region/service/aws4_request. */
char *
ConnSigV4Scope(const ConnSigV4 *key)
{
	return psprintf("%.8s/%s/%s/aws4_request", key->amz_date, key->region, key->service);
}

/*
 * The hex signature of a canonical request: HMAC-SHA256 of the string to
 * sign with the key derived from the secret, date, region and service.
 */
char *
ConnSigV4Signature(const ConnSigV4 *key, const char *canonical_request)
{
	char		request_hash[CONN_SHA256_HEX_SIZE];
	char	   *scope = ConnSigV4Scope(key);
	char		date[9];
	const char *parts[] = {date, key->region, key->service, "aws4_request", NULL};
	char	   *string_to_sign;
	char	   *hex;

	ConnSha256Hex(canonical_request, strlen(canonical_request), request_hash);
	string_to_sign = psprintf("AWS4-HMAC-SHA256\n%s\n%s\n%s", key->amz_date, scope, request_hash);
	memcpy(date, key->amz_date, 8);
	date[8] = '\0';
	hex = derived_key_signature("AWS4", key->secret_key, parts, string_to_sign);
	pfree(string_to_sign);
	pfree(scope);
	return hex;
}

/*
 * The Authorization header value of a request signed with Signature
 * Version 4: headers (lower-case names, trimmed values, sorted by name)
 * are the signed ones, canonical_uri is encoded, canonical_query built by
 * ConnCanonicalQuery.
 */
char *
ConnSigV4Authorization(const ConnSigV4 *key, const char *method, const char *canonical_uri,
					   const char *canonical_query, const ConnParam *headers, int nheaders,
					   const char *payload_hash)
{
	StringInfoData canonical;
	StringInfoData names;
	char	   *signature;
	char	   *scope = ConnSigV4Scope(key);
	char	   *result;

	initStringInfo(&canonical);
	initStringInfo(&names);
	appendStringInfo(&canonical, "%s\n%s\n%s\n", method, canonical_uri, canonical_query);
	for (int i = 0; i < nheaders; i++)
	{
		appendStringInfo(&canonical, "%s:%s\n", headers[i].name, headers[i].value);
		appendStringInfo(&names, "%s%s", i > 0 ? ";" : "", headers[i].name);
	}
	appendStringInfo(&canonical, "\n%s\n%s", names.data, payload_hash);
	signature = ConnSigV4Signature(key, canonical.data);
	result = psprintf("AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s",
					  key->access_key, scope, names.data, signature);
	pfree(canonical.data);
	pfree(names.data);
	pfree(scope);
	return result;
}

/*
 * A presigned S3 URL (query-string authentication, only the host header
 * signed, payload unsigned).  path is the object's path, not encoded.
 */
char *
ConnS3PresignUrl(const ConnSigV4 *key, const char *token, const char *method,
				 const char *scheme, const char *host, const char *path, int expires)
{
	ConnParam	params[6];
	int			n = 0;
	char		expires_str[16];
	StringInfoData uri;
	char	   *query;
	char	   *canonical;
	char	   *signature;

	snprintf(expires_str, sizeof(expires_str), "%d", expires);
	params[n++] = (ConnParam) {"X-Amz-Algorithm", "AWS4-HMAC-SHA256"};
	params[n++] = (ConnParam) {"X-Amz-Credential",
	psprintf("%s/%s", key->access_key, ConnSigV4Scope(key))};
	params[n++] = (ConnParam) {"X-Amz-Date", key->amz_date};
	params[n++] = (ConnParam) {"X-Amz-Expires", expires_str};
	if (token)
		params[n++] = (ConnParam) {"X-Amz-Security-Token", token};
	params[n++] = (ConnParam) {"X-Amz-SignedHeaders", "host"};
	query = ConnCanonicalQuery(params, n);

	initStringInfo(&uri);
	ConnUriEncode(&uri, path, true);
	canonical = psprintf("%s\n%s\n%s\nhost:%s\n\nhost\nUNSIGNED-PAYLOAD",
						 method, uri.data, query, host);
	signature = ConnSigV4Signature(key, canonical);
	return psprintf("%s://%s%s?%s&X-Amz-Signature=%s", scheme, host, uri.data, query, signature);
}

/* ---------------------------------------------------------------------
 * Alibaba Cloud
 * ---------------------------------------------------------------------
 */

static char *
hmac_sha1_base64(const char *key, const char *data)
{
	uint8		sig[SHA1_DIGEST_LENGTH];

	hmac(PG_SHA1, (const uint8 *) key, strlen(key), data, sig, sizeof(sig));
	return base64(sig, sizeof(sig));
}

/*
 * The RPC signature (SignatureMethod HMAC-SHA1, SignatureVersion 1.0):
 * base64 of HMAC-SHA1 keyed by secret + "&" over
 * method & encode("/") & encode(canonical query).
 */
char *
ConnAliyunRpcSignature(const char *secret, const char *method, const char *canonical_query)
{
	StringInfoData sts;
	char	   *key = psprintf("%s&", secret);
	char	   *result;

	initStringInfo(&sts);
	appendStringInfo(&sts, "%s&%%2F&", method);
	ConnUriEncode(&sts, canonical_query, false);
	result = hmac_sha1_base64(key, sts.data);
	explicit_bzero(key, strlen(key));
	pfree(key);
	pfree(sts.data);
	return result;
}

/*
 * An OSS signature (version 1): base64 of HMAC-SHA1 of the string to
 * sign, "VERB\nContent-MD5\nContent-Type\nDate-or-Expires\n" followed
 * by the canonicalized x-oss- headers and resource.  (Amazon S3's
 * Signature Version 2 is the same construction.)
 */
char *
ConnOssSignature(const char *secret, const char *string_to_sign)
{
	return hmac_sha1_base64(secret, string_to_sign);
}

/*
 * A presigned OSS URL (signature version 1): url_base is scheme, host and
 * encoded path; resource is the canonicalized resource, "/bucket/key".
 */
char *
ConnOssPresignUrl(const char *access_id, const char *secret, const char *token,
				  const char *method, const char *url_base, const char *resource,
				  long expires_at)
{
	char	   *signed_resource = token ? psprintf("%s?security-token=%s", resource, token)
		: pstrdup(resource);
	char	   *to_sign = psprintf("%s\n\n\n%ld\n%s", method, expires_at, signed_resource);
	char	   *signature = ConnOssSignature(secret, to_sign);
	StringInfoData url;

	initStringInfo(&url);
	appendStringInfo(&url, "%s?OSSAccessKeyId=", url_base);
	ConnUriEncode(&url, access_id, false);
	appendStringInfo(&url, "&Expires=%ld&Signature=", expires_at);
	ConnUriEncode(&url, signature, false);
	if (token)
	{
		appendStringInfoString(&url, "&security-token=");
		ConnUriEncode(&url, token, false);
	}
	return url.data;
}

/* ---------------------------------------------------------------------
 * Tencent Cloud
 * ---------------------------------------------------------------------
 */

/*
 * TC3-HMAC-SHA256: the hex signature of a canonical request, with the key
 * derived from "TC3" + secret, the date (YYYY-MM-DD) and the service.
 */
char *
ConnTc3Signature(const char *secret_key, const char *service, const char *date,
				 const char *timestamp, const char *canonical_request)
{
	char		request_hash[CONN_SHA256_HEX_SIZE];
	const char *parts[] = {date, service, "tc3_request", NULL};
	char	   *string_to_sign;
	char	   *hex;

	ConnSha256Hex(canonical_request, strlen(canonical_request), request_hash);
	string_to_sign = psprintf("TC3-HMAC-SHA256\n%s\n%s/%s/tc3_request\n%s",
							  timestamp, date, service, request_hash);
	hex = derived_key_signature("TC3", secret_key, parts, string_to_sign);
	pfree(string_to_sign);
	return hex;
}

static char *
hmac_sha1_hex(const char *key, const char *data)
{
	uint8		sig[SHA1_DIGEST_LENGTH];
	char	   *hex = palloc(2 * SHA1_DIGEST_LENGTH + 1);

	hmac(PG_SHA1, (const uint8 *) key, strlen(key), data, sig, sizeof(sig));
	hex_encode_lower(sig, sizeof(sig), hex);
	return hex;
}

/* name=value pairs of COS: lower-case encoded names, sorted; and the names */
static void
cos_pairs(const ConnParam *pairs, int n, StringInfo joined, StringInfo names)
{
	ConnParam  *sorted = palloc(sizeof(ConnParam) * Max(n, 1));

	for (int i = 0; i < n; i++)
	{
		StringInfoData name;

		initStringInfo(&name);
		ConnUriEncode(&name, pairs[i].name, false);
		for (char *p = name.data; *p; p++)
			*p = pg_ascii_tolower((unsigned char) *p);
		sorted[i].name = name.data;
		sorted[i].value = pairs[i].value;
	}
	qsort(sorted, n, sizeof(ConnParam), param_cmp);
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
		{
			appendStringInfoChar(joined, '&');
			appendStringInfoChar(names, ';');
		}
		appendStringInfo(joined, "%s=", sorted[i].name);
		ConnUriEncode(joined, sorted[i].value, false);
		appendStringInfoString(names, sorted[i].name);
	}
}

/*
 * The Authorization value of a COS request (q-sign-algorithm=sha1),
 * valid from start to end (Unix times): over the method, the path (not
 * encoded), the query parameters and the signed headers, each list with
 * lower-case encoded names, sorted, and encoded values.
 */
char *
ConnCosAuthorization(const char *secret_id, const char *secret_key, const char *method,
					 const char *path, const ConnParam *params, int nparams,
					 const ConnParam *headers, int nheaders, long start, long end)
{
	char	   *key_time = psprintf("%ld;%ld", start, end);
	char	   *sign_key = hmac_sha1_hex(secret_key, key_time);
	StringInfoData http;
	StringInfoData param_names;
	StringInfoData header_names;
	StringInfoData result;
	uint8		d[SHA1_DIGEST_LENGTH];
	char		http_hash[2 * SHA1_DIGEST_LENGTH + 1];
	char	   *signature;

	initStringInfo(&http);
	initStringInfo(&param_names);
	initStringInfo(&header_names);
	for (const char *m = method; *m; m++)
		appendStringInfoChar(&http, pg_ascii_tolower((unsigned char) *m));
	appendStringInfo(&http, "\n%s\n", path);
	cos_pairs(params, nparams, &http, &param_names);
	appendStringInfoChar(&http, '\n');
	cos_pairs(headers, nheaders, &http, &header_names);
	appendStringInfoChar(&http, '\n');
	digest(PG_SHA1, http.data, http.len, d, sizeof(d));
	hex_encode_lower(d, sizeof(d), http_hash);
	signature = hmac_sha1_hex(sign_key, psprintf("sha1\n%s\n%s\n", key_time, http_hash));

	initStringInfo(&result);
	appendStringInfoString(&result, "q-sign-algorithm=sha1&q-ak=");
	ConnUriEncode(&result, secret_id, false);
	appendStringInfo(&result, "&q-sign-time=%s&q-key-time=%s&q-header-list=%s"
					 "&q-url-param-list=%s&q-signature=%s",
					 key_time, key_time, header_names.data, param_names.data, signature);
	explicit_bzero(sign_key, strlen(sign_key));
	return result.data;
}

/*
 * A presigned COS URL: the signature of the method, the path and the host
 * header, valid from start to end (Unix times), in the query.  path is
 * the object's path, not encoded.
 */
char *
ConnCosPresignUrl(const char *secret_id, const char *secret_key, const char *token,
				  const char *method, const char *scheme, const char *host,
				  const char *path, long start, long end)
{
	ConnParam	host_header = {"host", host};
	StringInfoData url;
	char	   *auth = ConnCosAuthorization(secret_id, secret_key, method, path, NULL, 0,
											&host_header, 1, start, end);

	initStringInfo(&url);
	appendStringInfo(&url, "%s://%s", scheme, host);
	ConnUriEncode(&url, path, true);
	/* the Authorization value is already a query string; ';' kept encoded */
	appendStringInfoChar(&url, '?');
	for (const char *p = auth; *p; p++)
	{
		if (*p == ';')
			appendStringInfoString(&url, "%3B");
		else
			appendStringInfoChar(&url, *p);
	}
	if (token)
	{
		appendStringInfoString(&url, "&x-cos-security-token=");
		ConnUriEncode(&url, token, false);
	}
	return url.data;
}
