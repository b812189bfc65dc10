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
 * Where requests may go.  The server sends requests for connections only
 * to the hosts connection.allowed_hosts lists (superusers set it; by
 * default the domains of the three clouds' services): the rule is checked
 * when an endpoint property is set and again before every request, so
 * that no role can use the server to probe or call other hosts, and the
 * status, codes and messages passed back to the caller only ever come
 * from listed hosts.  An entry is a host name, an IP address, or a
 * wildcard: "*.example.com" (any name below example.com) or "*" (any
 * name); with ":port" (":*" for any port), else the scheme's default port.
 * A host matched only by a wildcard must resolve to a public address:
 * libcurl's socket callback refuses loopback, private, link-local
 * (169.254.169.254 is a metadata service), shared, multicast and reserved
 * ranges, so that a name in an allowed domain that points inside (an
 * internal load balancer's) is not a way in.  Hosts listed by their own
 * name or address may resolve anywhere.  With a proxy from the server's
 * environment, libcurl connects to the proxy, which then judges addresses.
 *
 * IDENTIFICATION
 *	  src/http.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/varlena.h"

#include "connection.h"
#include "http.h"
#include "wipe.h"

int			conn_sts_timeout = 5000;
char	   *conn_allowed_hosts = NULL;

/* What the socket callback needs: whether to refuse non-public addresses. */
typedef struct SocketCheck
{
	bool		public_only;
	bool		refused;		/* it refused one */
} SocketCheck;

typedef struct BodyBuffer
{
	char	   *data;
	size_t		len;
	bool		too_large;
} BodyBuffer;

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	BodyBuffer	   *buf = (BodyBuffer *) userdata;
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
 * Is an authority just host[:port]?  Nothing that libcurl would read
 * differently from the allow-list (user@host, host#..., host?...).
 */
static bool
valid_authority(const char *authority)
{
	const char *p = authority;
	const char *port;

	if (*p == '[')
	{
		for (p++; *p && *p != ']'; p++)
			if (!isxdigit((unsigned char) *p) && *p != ':' && *p != '.')
				return false;
		if (*p++ != ']')
			return false;
	}
	else
	{
		for (; *p && *p != ':'; p++)
			if (!isalnum((unsigned char) *p) && *p != '.' && *p != '-' && *p != '_')
				return false;
	}
	if (p == authority)
		return false;
	if (*p == '\0')
		return true;
	if (*p != ':')
		return false;
	port = p + 1;
	return strlen(port) >= 1 && strlen(port) <= 5 && strspn(port, "0123456789") == strlen(port) &&
		atoi(port) >= 1 && atoi(port) <= 65535;
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
	if (!valid_authority(ep->authority) || strpbrk(ep->path, "?#\\") != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be an http or https URL, or a host name", property),
				 errdetail("A host is a name, an IPv4 address or a bracketed IPv6 address, with an optional port; user names, queries and fragments are not allowed.")));
	ep->url = psprintf("%s://%s%s", ep->scheme, ep->authority, ep->path);
}

/* Split an authority into a lower-case host and a port (0 if none). */
static void
split_authority(const char *authority, char **host, int *port)
{
	const char *colon;

	*port = 0;
	if (authority[0] == '[')
	{
		const char *close = strchr(authority, ']');

		*host = close ? pnstrdup(authority + 1, close - authority - 1) : pstrdup(authority);
		colon = close ? strchr(close, ':') : NULL;
	}
	else
	{
		colon = strrchr(authority, ':');
		*host = colon ? pnstrdup(authority, colon - authority) : pstrdup(authority);
	}
	if (colon && colon[1])
		*port = atoi(colon + 1);
	for (char *p = *host; *p; p++)
		*p = pg_ascii_tolower((unsigned char) *p);
}

/*
 * Does one entry of connection.allowed_hosts admit host:port?  Sets
 * *by_name when it names the host itself (no wildcard).
 */
static bool
entry_admits(const char *entry, const char *host, int port, bool *by_name)
{
	char	   *ehost;
	int			eport;
	bool		any_port = false;
	size_t		elen = strlen(entry);

	if (elen >= 2 && strcmp(entry + elen - 2, ":*") == 0)
	{
		any_port = true;
		ehost = pnstrdup(entry, elen - 2);
		eport = 0;
		if (ehost[0] == '[')
		{
			char	   *close = strchr(ehost, ']');

			if (close)
				*close = '\0';
			ehost++;
		}
	}
	else
		split_authority(entry, &ehost, &eport);

	if (!any_port && port != eport)
		return false;
	if (strcmp(ehost, "*") == 0)
	{
		*by_name = false;
		return true;
	}
	if (strncmp(ehost, "*.", 2) == 0)
	{
		size_t		hlen = strlen(host);
		size_t		slen = strlen(ehost + 1);	/* ".example.com" */

		*by_name = false;
		return hlen > slen && pg_strcasecmp(host + hlen - slen, ehost + 1) == 0;
	}
	*by_name = true;
	return pg_strcasecmp(host, ehost) == 0;
}

/* An entry with the default port made explicit when it has none. */
static char *
with_port(const char *entry, int port)
{
	const char *close = strchr(entry, ']');

	if ((entry[0] == '[' && close && close[1] == ':') ||
		(entry[0] != '[' && strchr(entry, ':')))
		return pstrdup(entry);
	return psprintf("%s:%d", entry, port);
}

/*
 * ConnCheckAllowedHosts
 *		GUC check hook of connection.allowed_hosts: a comma-separated list
 *		of entries, each one word.
 */
bool
ConnCheckAllowedHosts(char **newval, void **extra, GucSource source)
{
	char	   *copy = pstrdup(*newval);
	List	   *entries;
	ListCell   *lc;

	if (!SplitGUCList(copy, ',', &entries))
	{
		GUC_check_errdetail("List syntax is invalid.");
		return false;
	}
	foreach(lc, entries)
	{
		const char *e = lfirst(lc);

		for (const char *p = e; *p; p++)
			if ((unsigned char) *p <= ' ' || *p == '/' || *p == '@')
			{
				GUC_check_errdetail("Entry \"%s\" is not a host, an address or a wildcard, with an optional port.", e);
				return false;
			}
	}
	return true;
}

/*
 * ConnHttpAllowed
 *		Report 42501 unless connection.allowed_hosts admits the endpoint.
 *		Returns whether its host must resolve to a public address (it is
 *		admitted by a wildcard only).
 */
bool
ConnHttpAllowed(const ConnEndpoint *ep, const char *property)
{
	char	   *host;
	int			port;
	char	   *copy = pstrdup(conn_allowed_hosts ? conn_allowed_hosts : "");
	List	   *entries;
	ListCell   *lc;
	bool		admitted = false;
	bool		public_only = true;

	split_authority(ep->authority, &host, &port);
	if (port == 0)
		port = strcmp(ep->scheme, "http") == 0 ? 80 : 443;
	if (!SplitGUCList(copy, ',', &entries))
		entries = NIL;
	foreach(lc, entries)
	{
		char	   *e = with_port(lfirst(lc), strcmp(ep->scheme, "http") == 0 ? 80 : 443);
		bool		by_name;

		if (entry_admits(e, host, port, &by_name))
		{
			admitted = true;
			if (by_name)
				public_only = false;
		}
	}
	if (!admitted)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("connection.allowed_hosts does not allow requests to %s", ep->authority),
				 errdetail("%s names host \"%s\" and port %d.", property, host, port),
				 errhint("A superuser can add the host to connection.allowed_hosts.")));
	return public_only;
}

/* Is an address loopback, private, link-local, shared, multicast or reserved? */
static bool
non_public(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
	{
		uint32		a = ntohl(((const struct sockaddr_in *) sa)->sin_addr.s_addr);
		static const struct
		{
			uint32		net;
			int			bits;
		}			ranges[] = {
			{0x00000000, 8}, {0x0A000000, 8}, {0x64400000, 10}, {0x7F000000, 8},
			{0xA9FE0000, 16}, {0xAC100000, 12}, {0xC0000000, 24}, {0xC0A80000, 16},
			{0xC6120000, 15}, {0xE0000000, 4}, {0xF0000000, 4}
		};

		for (int i = 0; i < lengthof(ranges); i++)
			if ((a >> (32 - ranges[i].bits)) == (ranges[i].net >> (32 - ranges[i].bits)))
				return true;
		return false;
	}
	if (sa->sa_family == AF_INET6)
	{
		const uint8 *b = ((const struct sockaddr_in6 *) sa)->sin6_addr.s6_addr;
		static const uint8 zero[16] = {0};

		const uint8 *v4bytes = NULL;

		/* IPv4-mapped, -compatible, NAT64 and 6to4: judge the IPv4 address */
		if (memcmp(b, zero, 10) == 0 && b[10] == 0xff && b[11] == 0xff)
			v4bytes = b + 12;
		else if (memcmp(b, zero, 12) == 0 && memcmp(b + 12, zero, 3) != 0)
			v4bytes = b + 12;
		else if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
				 memcmp(b + 4, zero, 8) == 0)
			v4bytes = b + 12;
		else if (b[0] == 0x20 && b[1] == 0x02)
			v4bytes = b + 2;
		if (v4bytes)
		{
			struct sockaddr_in v4 = {0};

			v4.sin_family = AF_INET;
			memcpy(&v4.sin_addr.s_addr, v4bytes, 4);
			return non_public((struct sockaddr *) &v4);
		}
		return memcmp(b, zero, 15) == 0 ||	/* :: and ::1 */
			(b[0] & 0xfe) == 0xfc ||	/* fc00::/7, unique local */
			(b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||	/* fe80::/10, link-local */
			(b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) ||	/* fec0::/10, site-local */
			b[0] == 0xff ||		/* multicast */
			(b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8);	/* documentation */
	}
	return true;
}

/* libcurl's socket callback: refuse non-public addresses when asked to. */
static curl_socket_t
open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
	SocketCheck *check = (SocketCheck *) clientp;

	if (check->public_only && non_public(&address->addr))
	{
		check->refused = true;
		return CURL_SOCKET_BAD;
	}
	return socket(address->family, address->socktype, address->protocol);
}

/* Does the server's environment send libcurl through a proxy? */
static bool
proxy_in_environment(void)
{
	static const char *const vars[] = {
		"https_proxy", "HTTPS_PROXY", "http_proxy", "all_proxy", "ALL_PROXY", NULL
	};

	for (int i = 0; vars[i]; i++)
	{
		const char *v = getenv(vars[i]);

		if (v && v[0])
			return true;
	}
	return false;
}

/*
 * ConnHttpRequest
 *		Send one request to an endpoint (url is on it) and wait for the
 *		whole response.  property names where the endpoint comes from.  An
 *		endpoint connection.allowed_hosts does not admit is 42501, and so is
 *		a host admitted by a wildcard that resolves to a non-public address.
 *		A transport failure is an error (08001 when the endpoint cannot be
 *		reached, 08006 when the transfer fails or times out); any HTTP
 *		status is returned to the caller, who interprets it.
 */
void
ConnHttpRequest(const char *method, const ConnEndpoint *ep, const char *property,
				const char *url, List *headers, const char *body,
				const char *what, ConnHttpResponse *response)
{
	SocketCheck check = {false, false};
	CURL	   *curl;
	struct curl_slist *hdrs = NULL;
	BodyBuffer		buf = {NULL, 0, false};
	char		errbuf[CURL_ERROR_SIZE];
	CURLcode	rc;
	ListCell   *lc;
	bool		ok;

	check.public_only = ConnHttpAllowed(ep, property) && !proxy_in_environment();
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
	curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &check);
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
		response->body = ConnStrdupWiped(CurrentMemoryContext, buf.data, buf.len);
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

	if (check.refused)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("request to %s refused: the host resolves to an address that is not public", what),
				 errdetail("Only hosts that connection.allowed_hosts names themselves (not through a wildcard) may resolve to loopback, private or link-local addresses."),
				 errhint("A superuser can add the host to connection.allowed_hosts by name.")));

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
