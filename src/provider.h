/*-------------------------------------------------------------------------
 *
 * provider.h
 *	  The cloud providers: everything that differs between AWS, Alibaba
 *	  Cloud and Tencent Cloud, as one table.
 *
 * A provider entry says how its roles are named (ARN shapes), how its STS
 * is called and answers, where its object storage lives, how a request
 * to it is signed and presigned, and what its temporary credentials'
 * token header is.  The code around (sts.c, storage.c, presign.c,
 * registry.c) is the same for every cloud; adding one is an entry here
 * and a file of its functions (aws.c, aliyun.c, tencent.c).
 *
 * IDENTIFICATION
 *	  src/provider.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_PROVIDER_H
#define CONNECTION_PROVIDER_H

#include <time.h>

#include "datatype/timestamp.h"

#include "http.h"
#include "registry.h"
#include "sign.h"

/*
 * One STS call, gathered before it is made: AssumeRole, or without a
 * role_arn GetCallerIdentity (who the signing keys belong to).
 */
typedef struct ConnStsRequest
{
	const char *connname;
	const char *role_arn;		/* NULL: GetCallerIdentity */
	const char *external_id;
	const char *session_name;
	const char *duration;
	const char *region;
	ConnEndpoint endpoint;
	const char *endpoint_from;	/* for messages: STS_ENDPOINT, or the default */
	const char *key_id;			/* of the source connection, or its own */
	const char *secret;
} ConnStsRequest;

/*
 * What an STS answer says: temporary credentials (AssumeRole) or an
 * identity (GetCallerIdentity; AssumeRole's assumed role where the
 * provider names it), an error (code and message as the provider put
 * them), or why it could not be read.
 */
typedef struct ConnStsAnswer
{
	bool		identity;		/* in: the answer of GetCallerIdentity */
	char	   *key_id;
	char	   *secret;
	char	   *token;
	char	   *expiration;		/* ISO 8601 */
	char	   *account;		/* identity: account, ARN, user id */
	char	   *arn;
	char	   *user_id;
	bool		failed;			/* an error answer: code, message */
	char	   *code;
	char	   *message;
	char	   *malformed;		/* why it is neither, or NULL */
} ConnStsAnswer;

/* The keys a request is signed with; token only for temporary ones. */
typedef struct ConnKeys
{
	char	   *key_id;
	char	   *secret;
	char	   *token;
} ConnKeys;

/* One object storage request, addressed, to be signed. */
typedef struct ConnObjectRequest
{
	const char *method;
	const char *scheme;
	const char *host;			/* as sent in Host: authority, no default port */
	const char *path;			/* as requested, not encoded */
	const char *bucket;			/* the full bucket name */
	const char *key;			/* NULL for a request on the bucket */
	ConnParam  *params;			/* query parameters, sorted by name */
	int			nparams;
	const char *content_type;	/* NULL without a body */
	const char *payload_hash;	/* hex SHA-256 of the body */
	const char *region;
	time_t		now;
} ConnObjectRequest;

typedef struct ConnProvider
{
	ConnCloud	cloud;
	const char *label;			/* "AWS", for messages */

	/* roles: prefix, digits of the account, separator, role name */
	const char *const *arn_prefixes;	/* NULL-terminated */
	int			arn_account_digits; /* 0: any number */
	const char *arn_separator;	/* between account and role name */
	bool		arn_role_path;	/* a role name may have a /path/ */
	const char *arn_form;		/* for messages */

	/* STS */
	const char *sts_default_region;
	char	   *(*sts_endpoint) (const char *region, const char *role_arn);
	void		(*sts_call) (const ConnStsRequest *req, ConnHttpResponse *resp);
	void		(*sts_parse) (const ConnHttpResponse *resp, ConnStsAnswer *answer);

	/* object storage */
	const char *storage_type;	/* "S3" */
	const char *storage_label;	/* "s3": a label of its storage hosts */
	bool		signs_payload;	/* requests sign the body's SHA-256 */
	char	   *(*storage_endpoint) (const char *region);	/* NULL: none */
	const char *const *own_domains; /* virtual-hosted by default there */
	char	   *(*bucket_name) (const char *bucket, Jsonb *props);
	List	   *(*sign) (const ConnObjectRequest *req, const ConnKeys *keys);
	char	   *(*presign) (const ConnObjectRequest *req, const ConnKeys *keys,
							int expires);
} ConnProvider;

extern const ConnProvider *ConnProviderOf(ConnCloud cloud);
extern const ConnProvider *ConnProviderOfStorage(const char *type);
extern bool ConnProviderValidArn(const ConnProvider *provider, const char *arn);
extern bool ConnProviderOwnDomain(const ConnProvider *provider, const char *authority);
extern bool ConnProviderStorageHost(const ConnProvider *provider, const char *authority);

/* the providers' functions */
extern char *ConnAwsStsEndpoint(const char *region, const char *role_arn);
extern void ConnAwsStsCall(const ConnStsRequest *req, ConnHttpResponse *resp);
extern void ConnAwsStsParse(const ConnHttpResponse *resp, ConnStsAnswer *answer);
extern char *ConnAwsStorageEndpoint(const char *region);
extern List *ConnAwsSign(const ConnObjectRequest *req, const ConnKeys *keys);
extern char *ConnAwsPresign(const ConnObjectRequest *req, const ConnKeys *keys, int expires);

extern char *ConnAliyunStsEndpoint(const char *region, const char *role_arn);
extern void ConnAliyunStsCall(const ConnStsRequest *req, ConnHttpResponse *resp);
extern void ConnAliyunStsParse(const ConnHttpResponse *resp, ConnStsAnswer *answer);
extern List *ConnAliyunSign(const ConnObjectRequest *req, const ConnKeys *keys);
extern char *ConnAliyunPresign(const ConnObjectRequest *req, const ConnKeys *keys, int expires);

extern char *ConnTencentStsEndpoint(const char *region, const char *role_arn);
extern void ConnTencentStsCall(const ConnStsRequest *req, ConnHttpResponse *resp);
extern void ConnTencentStsParse(const ConnHttpResponse *resp, ConnStsAnswer *answer);
extern char *ConnTencentStorageEndpoint(const char *region);
extern char *ConnTencentBucketName(const char *bucket, Jsonb *props);
extern List *ConnTencentSign(const ConnObjectRequest *req, const ConnKeys *keys);
extern char *ConnTencentPresign(const ConnObjectRequest *req, const ConnKeys *keys, int expires);

/* Longest provider error message passed on, in bytes. */
#define CONN_PROVIDER_MAX_MESSAGE 300

/* shared by the providers' functions */
extern char *ConnScrubText(const char *message, const ConnKeys *keys);
extern char *ConnXmlElement(const char *start, const char *end, const char *tag);
extern const char *ConnXmlNext(const char *start, const char *end, const char *tag,
							   const char **inner_end);
extern Jsonb *ConnJsonObject(const char *body, size_t len);
extern JsonbContainer *ConnJsonMember(JsonbContainer *c, const char *key);
extern void ConnUtcFormat(time_t t, const char *fmt, char *buf, size_t len);
extern bool ConnParseIsoTime(const char *s, TimestampTz *result);
extern bool ConnParseHttpDate(const char *s, TimestampTz *result);

#endif							/* CONNECTION_PROVIDER_H */
