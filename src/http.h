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

/* Largest response body accepted, in bytes. */
#define CONN_HTTP_MAX_BODY (1024 * 1024)

/* GUC connection.sts_timeout, in milliseconds */
extern int	conn_sts_timeout;

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
extern void ConnHttpRequest(const char *method, const char *url, List *headers,
							const char *body, const char *what,
							ConnHttpResponse *response);

#endif							/* CONNECTION_HTTP_H */
