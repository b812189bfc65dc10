/*-------------------------------------------------------------------------
 *
 * http.c
 *	  One HTTP request through libcurl, for the STS calls.
 *
 * The whole request is bounded by connection.sts_timeout (and the response
 * by CONN_HTTP_MAX_BODY); TLS peers and host names are verified (libcurl's
 * defaults, with the system's CA bundle); redirects are not followed; only
 * http and https are spoken.  libcurl calls back while it waits, and the
 * callback aborts the transfer as soon as a query cancel, statement_timeout
 * or a termination request is pending, which is then serviced by
 * CHECK_FOR_INTERRUPTS once libcurl has cleaned up.
 *
 * Nothing is palloc'd inside libcurl's callbacks, so no error can longjmp
 * out of libcurl: the body is gathered with malloc and copied out after.
 * Errors name the endpoint (what) and never the request, which carries
 * signatures and tokens.
 *
 * IDENTIFICATION
 *	  src/http.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <curl/curl.h>

#include "miscadmin.h"

#include "http.h"

int			conn_sts_timeout = 5000;

typedef struct Buffer
{
	char	   *data;
	size_t		len;
	bool		too_large;
} Buffer;

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	Buffer	   *buf = (Buffer *) userdata;
	size_t		n = size * nmemb;
	char	   *grown;

	if (buf->len + n > CONN_HTTP_MAX_BODY)
	{
		buf->too_large = true;
		return 0;
	}
	grown = realloc(buf->data, buf->len + n + 1);
	if (grown == NULL)
		return 0;
	buf->data = grown;
	memcpy(buf->data + buf->len, ptr, n);
	buf->len += n;
	buf->data[buf->len] = '\0';
	return n;
}

/*
 * Progress callback (libcurl calls it about once a second while it waits,
 * and at every transfer): a non-zero return aborts the transfer.  Only the
 * interrupts that end the query count; others wait until after the call.
 */
static int
progress_cb(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
			curl_off_t ultotal, curl_off_t ulnow)
{
	return (QueryCancelPending || ProcDiePending) ? 1 : 0;
}

static void
init_curl(void)
{
	static bool done = false;

	if (!done)
	{
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			ereport(ERROR,
					(errcode(ERRCODE_SYSTEM_ERROR),
					 errmsg("could not initialize libcurl")));
		done = true;
	}
}

/*
 * ConnHttpEndpoint
 *		Split an endpoint property (host, host:port or URL) into its parts;
 *		https unless it says http.  Any other scheme is 22023.
 */
void
ConnHttpEndpoint(const char *value, const char *property, ConnEndpoint *ep)
{
	const char *rest = value;
	const char *sep = strstr(value, "://");
	const char *slash;

	ep->scheme = "https";
	if (sep)
	{
		if (sep - value == 4 && pg_strncasecmp(value, "http", 4) == 0)
			ep->scheme = "http";
		else if (!(sep - value == 5 && pg_strncasecmp(value, "https", 5) == 0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must be an http or https URL, or a host name", property)));
		rest = sep + 3;
	}
	slash = strchr(rest, '/');
	ep->authority = slash ? pnstrdup(rest, slash - rest) : pstrdup(rest);
	ep->path = pstrdup(slash ? slash : "/");
	for (char *p = ep->authority; *p; p++)
		*p = pg_ascii_tolower((unsigned char) *p);
	if (ep->authority[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s names no host", property)));
	ep->url = psprintf("%s://%s%s", ep->scheme, ep->authority, ep->path);
}

/*
 * ConnHttpRequest
 *		Send one request and wait for the whole response.  A transport
 *		failure is an error (08001 when the endpoint cannot be reached,
 *		08006 when the transfer fails or times out); any HTTP status is
 *		returned to the caller, who interprets it.
 */
void
ConnHttpRequest(const char *method, const char *url, List *headers, const char *body,
				const char *what, ConnHttpResponse *response)
{
	CURL	   *curl;
	struct curl_slist *hdrs = NULL;
	Buffer		buf = {NULL, 0, false};
	char		errbuf[CURL_ERROR_SIZE];
	CURLcode	rc;
	ListCell   *lc;
	bool		ok;

	init_curl();
	CHECK_FOR_INTERRUPTS();
	curl = curl_easy_init();
	if (curl == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));

	ok = true;
	foreach(lc, headers)
	{
		struct curl_slist *more = curl_slist_append(hdrs, (const char *) lfirst(lc));

		if (more == NULL)
		{
			ok = false;
			break;
		}
		hdrs = more;
	}
	/* "Expect: 100-continue" would cost a round trip */
	if (ok)
		hdrs = curl_slist_append(hdrs, "Expect:");

	errbuf[0] = '\0';
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	if (body)
	{
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long) strlen(body));
	}
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &buf);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long) conn_sts_timeout);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long) conn_sts_timeout);
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif

	rc = ok ? curl_easy_perform(curl) : CURLE_OUT_OF_MEMORY;
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response->status);
	curl_easy_cleanup(curl);
	curl_slist_free_all(hdrs);

	if (rc == CURLE_OK && buf.data == NULL)
		response->body = pstrdup("");
	else if (rc == CURLE_OK)
		response->body = pnstrdup(buf.data, buf.len);
	response->len = buf.len;
	if (buf.data)
	{
		/* the body holds temporary credentials */
		explicit_bzero(buf.data, buf.len);
		free(buf.data);
	}

	if (rc == CURLE_OK)
		return;

	/* an abort of ours, for a pending interrupt: service it */
	CHECK_FOR_INTERRUPTS();

	if (errbuf[0] == '\0')
		strlcpy(errbuf, curl_easy_strerror(rc), sizeof(errbuf));
	switch (rc)
	{
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_RESOLVE_PROXY:
		case CURLE_COULDNT_CONNECT:
		case CURLE_SSL_CONNECT_ERROR:
		case CURLE_PEER_FAILED_VERIFICATION:
		case CURLE_SSL_CACERT_BADFILE:
		case CURLE_UNSUPPORTED_PROTOCOL:
		case CURLE_URL_MALFORMAT:
			ereport(ERROR,
					(errcode(ERRCODE_SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION),
					 errmsg("could not reach %s", what),
					 errdetail_internal("%s", errbuf)));
			break;
		case CURLE_ABORTED_BY_CALLBACK:
			/* a cancel that CHECK_FOR_INTERRUPTS held off */
			ereport(ERROR,
					(errcode(ERRCODE_QUERY_CANCELED),
					 errmsg("request to %s was interrupted", what)));
			break;
		case CURLE_OPERATION_TIMEDOUT:
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("request to %s timed out after %d ms", what, conn_sts_timeout),
					 errhint("The limit is connection.sts_timeout.")));
			break;
		case CURLE_WRITE_ERROR:
			if (buf.too_large)
				ereport(ERROR,
						(errcode(ERRCODE_PROTOCOL_VIOLATION),
						 errmsg("response of %s is larger than %d bytes", what, CONN_HTTP_MAX_BODY)));
			/* FALLTHROUGH */
		default:
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("request to %s failed", what),
					 errdetail_internal("%s", errbuf)));
	}
}
