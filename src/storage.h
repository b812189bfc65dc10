/*-------------------------------------------------------------------------
 *
 * storage.h
 *	  Requests to the object storage of S3, OSS and COS connections:
 *	  addressing, signing, retries and errors.
 *
 * IDENTIFICATION
 *	  src/storage.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_STORAGE_H
#define CONNECTION_STORAGE_H

#include "datatype/timestamp.h"

#include "http.h"
#include "provider.h"

/* GUC connection.request_retries */
extern int	conn_request_retries;

/* A storage connection, resolved for requests. */
typedef struct ConnStorage
{
	char	   *name;			/* the connection */
	const char *function;		/* for the audit and messages */
	const ConnProvider *provider;
	Jsonb	   *props;			/* its plain properties */
	char	   *region;
	ConnEndpoint endpoint;		/* ENDPOINT, or the provider's default */
	const char *style;			/* "path", "virtual" or "auto" */
	bool		role_mode;
	ConnKeys	keys;			/* in wiped memory */
	TimestampTz expiration;		/* of temporary keys; 0 for access keys */
	MemoryContext cxt;			/* where it and its keys live */
} ConnStorage;

/* One request on a bucket or an object. */
typedef struct ConnObjectCall
{
	const char *method;
	const char *bucket;			/* as the user wrote it */
	const char *key;			/* NULL: the bucket itself */
	ConnParam	params[6];		/* query parameters */
	int			nparams;
	const char *content_type;	/* of the body */
	const char *body;			/* NULL for none */
	size_t		body_len;
	List	   *headers;		/* more headers, not signed ("Range: ...") */
	const char *action;			/* for messages: "read", "write", ... */
} ConnObjectCall;

extern ConnStorage *ConnStorageOpen(const char *name, const char *function);
extern void ConnObjectPath(const char *path, bool key_required, char **bucket, char **key);
extern void ConnObjectAddress(ConnStorage *st, const char *method, const char *bucket,
							  const char *key, ConnParam *params, int nparams,
							  ConnObjectRequest *req, ConnEndpoint *ep);
extern ConnHttpStream *ConnObjectBegin(ConnStorage *st, ConnObjectCall *call);
extern bool ConnObjectRetryable(ConnHttpStream *s);
extern ConnHttpStream *ConnObjectSend(ConnStorage *st, ConnObjectCall *call);
extern void ConnObjectRaise(ConnStorage *st, const ConnObjectCall *call,
							ConnHttpStream *s) pg_attribute_noreturn();
extern void ConnObjectRequestAll(ConnStorage *st, ConnObjectCall *call,
								 ConnHttpResponse *resp);
extern void ConnObjectListPage(ConnStorage *st, const char *bucket, const char *prefix,
							   const char *max_keys, const char *marker,
							   ConnHttpResponse *resp);
extern char *ConnObjectName(const ConnObjectCall *call);
extern char *ConnUnquoteEtag(const char *etag);

#endif							/* CONNECTION_STORAGE_H */
