/*-------------------------------------------------------------------------
 *
 * http.h
 *	  One HTTP request through libcurl, bounded in time and size, and
 *	  interruptible by a query cancel.
 *
 * IDENTIFICATION
 *	  src/http.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_HTTP_H
#define CONNECTION_HTTP_H

#include "nodes/pg_list.h"
#include "utils/guc.h"

/* Largest response body accepted, in bytes. */
#define CONN_HTTP_MAX_BODY (1024 * 1024)

/* GUC connection.sts_timeout, in milliseconds */
extern int	conn_sts_timeout;

/* GUC connection.allowed_hosts: where the server may send requests */
extern char *conn_allowed_hosts;

/* its default: the domains of the three clouds' services */
#define CONN_DEFAULT_ALLOWED_HOSTS \
	"*.amazonaws.com, *.amazonaws.com.cn, *.aliyuncs.com, *.tencentcloudapi.com, *.myqcloud.com"


typedef struct ConnHttpResponse
{
	long		status;			/* HTTP status code */
	char	   *body;			/* NUL-terminated, palloc'd */
	size_t		len;
} ConnHttpResponse;

/* An endpoint property split up: scheme, host[:port], path ("/" if none). */
typedef struct ConnEndpoint
{
	const char *scheme;			/* "https" or "http" */
	char	   *authority;		/* lower case */
	char	   *path;
	char	   *url;			/* scheme://authority/path */
} ConnEndpoint;

extern void ConnHttpEndpoint(const char *value, const char *property, ConnEndpoint *ep);
extern bool ConnHttpAllowed(const ConnEndpoint *ep, const char *property);
extern bool ConnCheckAllowedHosts(char **newval, void **extra, GucSource source);
extern void ConnHttpRequest(const char *method, const ConnEndpoint *ep, const char *property,
							const char *url, List *headers, const char *body,
							const char *what, ConnHttpResponse *response);

#endif							/* CONNECTION_HTTP_H */
