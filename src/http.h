/*-------------------------------------------------------------------------
 *
 * http.h
 *	  HTTP requests through libcurl: to listed hosts only, bounded in time,
 *	  interruptible by a query cancel, with the response streamed.
 *
 * IDENTIFICATION
 *	  src/http.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_HTTP_H
#define CONNECTION_HTTP_H

#include <sys/socket.h>

#include "datatype/timestamp.h"
#include "nodes/pg_list.h"
#include "utils/guc.h"

/* Largest response body ConnHttpRequest() accepts, in bytes. */
#define CONN_HTTP_MAX_BODY (1024 * 1024)

/* GUC connection.sts_timeout, in milliseconds */
extern int	conn_sts_timeout;

/* GUC connection.io_timeout, in milliseconds */
extern int	conn_io_timeout;

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

/*
 * An endpoint property split up: scheme, host[:port] (lower case, without
 * the scheme's default port, as clients send it in Host), and path ("/" if
 * none; letters, digits and -._~/ only).
 */
typedef struct ConnEndpoint
{
	const char *scheme;			/* "https" or "http" */
	char	   *authority;
	char	   *path;
	char	   *url;			/* scheme://authority/path */
} ConnEndpoint;

/* The response headers a caller may need. */
typedef struct ConnHttpHeaders
{
	long		status;
	int64		content_length; /* -1 when not sent */
	char		etag[128];
	char		content_type[128];
	char		content_encoding[32];
	char		last_modified[40];
} ConnHttpHeaders;

/* A request in flight. */
typedef struct ConnHttpStream ConnHttpStream;

/* How a request ended, when it failed below HTTP. */
typedef enum ConnHttpFailure
{
	CONN_HTTP_OK = 0,
	CONN_HTTP_UNREACHABLE,		/* could not connect: worth another try */
	CONN_HTTP_BROKEN,			/* the transfer failed: worth another try */
	CONN_HTTP_TIMEOUT,			/* no progress within the limit: ditto */
	CONN_HTTP_FATAL				/* refused, TLS, too large: final */
} ConnHttpFailure;

extern void ConnHttpEndpoint(const char *value, const char *property, ConnEndpoint *ep);
extern bool ConnHttpAllowed(const ConnEndpoint *ep, const char *property);
extern bool ConnCheckAllowedHosts(char **newval, void **extra, GucSource source);

extern ConnHttpStream *ConnHttpBegin(const char *method, const ConnEndpoint *ep,
									 const char *property, const char *url,
									 List *headers, const char *body, size_t body_len,
									 const char *what, int total_timeout_ms);
extern void ConnHttpWait(ConnHttpStream *s);
extern void ConnHttpProgress(void);
extern ConnHttpStream *ConnHttpStart(const char *method, const ConnEndpoint *ep,
									 const char *property, const char *url,
									 List *headers, const char *body, size_t body_len,
									 const char *what, int total_timeout_ms);
extern ConnHttpFailure ConnHttpFailed(ConnHttpStream *s);
extern const ConnHttpHeaders *ConnHttpResponseHeaders(ConnHttpStream *s);
extern size_t ConnHttpRead(ConnHttpStream *s, char *buf, size_t len);
extern void ConnHttpReadAll(ConnHttpStream *s, ConnHttpResponse *response, size_t limit);
extern void ConnHttpRaise(ConnHttpStream *s) pg_attribute_noreturn();
extern void ConnHttpEnd(ConnHttpStream *s);

/* One address the server may connect to (ConnTcpAdmitted). */
typedef struct ConnSockAddr
{
	int			family;
	socklen_t	len;
	struct sockaddr_storage addr;
} ConnSockAddr;

extern char *ConnTcpAdmitted(const char *authority, const char *property,
							 ConnSockAddr **addrs, int *naddrs);
extern char *ConnTcpOpen(const char *authority, const char *property, TimestampTz deadline,
						 int timeout_ms, pgsocket *sockp);
extern char *ConnTcpReach(const char *authority, const char *property, int timeout_ms);
extern void ConnHttpRequest(const char *method, const ConnEndpoint *ep, const char *property,
							const char *url, List *headers, const char *body,
							const char *what, ConnHttpResponse *response);

#endif							/* CONNECTION_HTTP_H */
