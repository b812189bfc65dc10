/*-------------------------------------------------------------------------
 *
 * http.c
 *	  HTTP requests through libcurl: the STS calls and object storage.
 *
 * A request is a stream (ConnHttpStart, ConnHttpRead, ConnHttpEnd) driven
 * by libcurl's multi interface from this backend's own loop, so that the
 * caller pulls the response body as it arrives (an import feeds COPY from
 * it) and never holds more than about a megabyte of it: past that the
 * transfer is paused until the caller has read on.  The loop waits at most
 * 100 ms at a time and services a query cancel, statement_timeout or a
 * termination request at once; connection.io_timeout bounds connecting
 * and any wait without progress (a paused transfer is not waiting), and
 * the STS calls are bounded as a whole by connection.sts_timeout.  TLS
 * peers and host names are verified (libcurl's defaults, with the
 * system's CA bundle); redirects are not followed; only http and https are
 * spoken.  One multi handle per backend keeps connections open between
 * requests to the same host.
 *
 * libcurl's callbacks never palloc and never throw, so no error can
 * longjmp out of libcurl: the body is gathered with malloc, and a stream's
 * handles are freed (and what it received wiped) by a reset callback of
 * the memory context it was started in, on every path, errors included.
 * Failures below HTTP are returned to the caller, who may try again
 * (storage.c does), and raised by ConnHttpRaise.  Errors name the endpoint
 * (what) and never the request, which carries signatures and tokens.
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

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/guc.h"
#include "utils/wait_event.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include "connection.h"
#include "http.h"
#include "wipe.h"

int			conn_sts_timeout = 5000;
int			conn_io_timeout = 30000;
char	   *conn_allowed_hosts = NULL;

/* What the socket callback needs: whether to refuse non-public addresses. */
typedef struct SocketCheck
{
	bool		public_only;
	bool		refused;		/* it refused one */
} SocketCheck;

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
 *		https unless it says http.  The scheme's default port is dropped
 *		(clients send "Host: host", and that is what is signed), a path is
 *		kept.  Any other scheme, a user name, a query, a fragment or a path
 *		that would need percent-encoding is 22023.
 */
void
ConnHttpEndpoint(const char *value, const char *property, ConnEndpoint *ep)
{
	const char *rest = value;
	const char *sep = strstr(value, "://");
	const char *slash;
	const char *default_port;
	size_t		alen;

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
	if (!valid_authority(ep->authority) ||
		strspn(ep->path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/") !=
		strlen(ep->path))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be an http or https URL, or a host name", property),
				 errdetail("A host is a name, an IPv4 address or a bracketed IPv6 address, with an optional port; user names, queries and fragments are not allowed, and a path has only letters, digits and -._~/.")));

	/* "host:443" of https and "host:80" of http are sent as "host" */
	default_port = strcmp(ep->scheme, "http") == 0 ? ":80" : ":443";
	alen = strlen(ep->authority);
	if (alen > strlen(default_port) &&
		strcmp(ep->authority + alen - strlen(default_port), default_port) == 0 &&
		(ep->authority[0] != '[' || ep->authority[alen - strlen(default_port) - 1] == ']'))
		ep->authority[alen - strlen(default_port)] = '\0';
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

/* ---------------------------------------------------------------------
 * Requests
 * ---------------------------------------------------------------------
 */

/* The response body waiting to be read is paused past this many bytes. */
#define STREAM_HIGH_WATER (1024 * 1024)

/* libcurl's receive buffer: fewer, larger pieces than its 16 kB. */
#define STREAM_READ_SIZE (256 * 1024)

/* How often, in ms, a wait looks at interrupts and the stall timer. */
#define STREAM_POLL_MS 100

struct ConnHttpStream
{
	CURL	   *easy;
	struct curl_slist *headers;
	SocketCheck check;
	const char *what;			/* for messages */
	int			total_timeout;	/* ms, 0 for none */
	char		errbuf[CURL_ERROR_SIZE];

	/* filled by the callbacks, which never palloc and never throw */
	ConnHttpHeaders response;
	bool		headers_done;	/* the final response's headers are in */
	char	   *buf;			/* body received and not yet read (malloc) */
	size_t		buflen;
	size_t		bufpos;
	size_t		bufsize;
	bool		oom;
	bool		paused;
	curl_off_t	last_progress;	/* bytes moved up and down, at last look */
	TimestampTz last_progress_at;

	/* the end */
	bool		done;
	CURLcode	result;
	bool		stalled;		/* ended by connection.io_timeout */

	MemoryContextCallback cleanup;
	bool		cleaned;
};

/*
 * One multi handle per backend: it keeps connections open between
 * requests (a list of many pages, the parts of an upload), so that only
 * the first request to a host pays for the TCP and TLS handshakes.
 */
static CURLM *multi = NULL;

#ifdef __GLIBC__
/*
 * libcurl's memory, zeroed when it is freed: its receive buffers held the
 * answers (an STS answer holds a secret and a token), and a long-lived
 * process (a refresher, a pooled backend) would keep them in its heap.
 */
static void
zeroing_free(void *ptr)
{
	if (ptr)
	{
		explicit_bzero(ptr, malloc_usable_size(ptr));
		free(ptr);
	}
}

static void *
zeroing_realloc(void *ptr, size_t size)
{
	void	   *copy;

	if (ptr == NULL)
		return malloc(size);
	if (size == 0)
	{
		zeroing_free(ptr);
		return NULL;
	}
	copy = malloc(size);
	if (copy == NULL)
		return NULL;
	memcpy(copy, ptr, Min(size, malloc_usable_size(ptr)));
	zeroing_free(ptr);
	return copy;
}

static CURLcode
global_init(void)
{
	return curl_global_init_mem(CURL_GLOBAL_DEFAULT, malloc, zeroing_free, zeroing_realloc,
								strdup, calloc);
}
#else
static CURLcode
global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT);
}
#endif

static void
init_curl(void)
{
	if (multi == NULL)
	{
		if (global_init() != CURLE_OK ||
			(multi = curl_multi_init()) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_SYSTEM_ERROR),
					 errmsg("could not initialize libcurl")));
		curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, 8L);
	}
}

/* Copy a header value, trimmed, into a fixed field (cut if too long). */
static void
keep_header(char *field, size_t size, const char *value, size_t len)
{
	while (len > 0 && (*value == ' ' || *value == '\t'))
		value++, len--;
	while (len > 0 && (value[len - 1] == '\r' || value[len - 1] == '\n' ||
					   value[len - 1] == ' ' || value[len - 1] == '\t'))
		len--;
	if (len >= size)
		len = size - 1;
	memcpy(field, value, len);
	field[len] = '\0';
}

/* libcurl's header callback: the status line, the few fields we keep. */
static size_t
header_cb(char *line, size_t size, size_t nitems, void *userdata)
{
	ConnHttpStream *s = (ConnHttpStream *) userdata;
	size_t		n = size * nitems;
	char		number[24];
	static const struct
	{
		const char *name;
		size_t		offset;
		size_t		size;
	}			fields[] = {
		{"etag:", offsetof(ConnHttpHeaders, etag), sizeof(((ConnHttpHeaders *) 0)->etag)},
		{"content-type:", offsetof(ConnHttpHeaders, content_type), sizeof(((ConnHttpHeaders *) 0)->content_type)},
		{"content-encoding:", offsetof(ConnHttpHeaders, content_encoding), sizeof(((ConnHttpHeaders *) 0)->content_encoding)},
		{"last-modified:", offsetof(ConnHttpHeaders, last_modified), sizeof(((ConnHttpHeaders *) 0)->last_modified)},
	};

	if (n >= 5 && strncmp(line, "HTTP/", 5) == 0)
	{
		/* a new response (after a 100 Continue, say): start over */
		const char *sp = memchr(line, ' ', n);

		memset(&s->response, 0, sizeof(s->response));
		s->response.content_length = -1;
		s->response.status = sp ? strtol(sp + 1, NULL, 10) : 0;
		return n;
	}
	if (n <= 2 && (line[0] == '\r' || line[0] == '\n'))
	{
		if (s->response.status >= 200)
			s->headers_done = true;
		return n;
	}
	for (int i = 0; i < lengthof(fields); i++)
	{
		size_t		nlen = strlen(fields[i].name);

		if (n > nlen && pg_strncasecmp(line, fields[i].name, nlen) == 0)
			keep_header((char *) &s->response + fields[i].offset, fields[i].size,
						line + nlen, n - nlen);
	}
	if (n > 15 && pg_strncasecmp(line, "content-length:", 15) == 0)
	{
		keep_header(number, sizeof(number), line + 15, n - 15);
		s->response.content_length = strtoll(number, NULL, 10);
	}
	return n;
}

/*
 * libcurl's write callback: keep the data for ConnHttpRead, or pause the
 * transfer while a megabyte waits to be read (libcurl then holds this
 * piece and hands it over again once resumed).
 */
static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	ConnHttpStream *s = (ConnHttpStream *) userdata;
	size_t		n = size * nmemb;

	if (s->buflen - s->bufpos >= STREAM_HIGH_WATER)
	{
		s->paused = true;
		return CURL_WRITEFUNC_PAUSE;
	}
	if (s->bufpos > 0)
	{
		memmove(s->buf, s->buf + s->bufpos, s->buflen - s->bufpos);
		s->buflen -= s->bufpos;
		s->bufpos = 0;
	}
	if (s->buflen + n > s->bufsize)
	{
		/* not realloc: the old buffer is wiped (an answer may hold keys) */
		size_t		want = Max(s->buflen + n, Max(2 * s->bufsize, 16 * 1024));
		char	   *grown = malloc(want);

		if (grown == NULL)
		{
			s->oom = true;
			return 0;
		}
		if (s->buf)
		{
			memcpy(grown, s->buf, s->buflen);
			explicit_bzero(s->buf, s->bufsize);
			free(s->buf);
		}
		s->buf = grown;
		s->bufsize = want;
	}
	memcpy(s->buf + s->buflen, ptr, n);
	s->buflen += n;
	return n;
}

/*
 * Progress callback (libcurl calls it about once a second while it waits,
 * and at every transfer): a non-zero return aborts the transfer.  Only the
 * interrupts that end the query count, and only when they may be serviced
 * now; others wait until after the call.
 */
static int
progress_cb(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
			curl_off_t ultotal, curl_off_t ulnow)
{
	ConnHttpStream *s = (ConnHttpStream *) clientp;

	if (dlnow + ulnow != s->last_progress)
	{
		s->last_progress = dlnow + ulnow;
		s->last_progress_at = 0;	/* now: the waiting loop stamps it */
	}
	return ((QueryCancelPending || ProcDiePending) && INTERRUPTS_CAN_BE_PROCESSED()) ? 1 : 0;
}

/* Free what libcurl holds for a request; wipe what it received. */
static void
stream_cleanup(void *arg)
{
	ConnHttpStream *s = (ConnHttpStream *) arg;

	if (s->cleaned)
		return;
	s->cleaned = true;
	if (s->easy)
	{
		curl_multi_remove_handle(multi, s->easy);
		curl_easy_cleanup(s->easy);
	}
	curl_slist_free_all(s->headers);
	if (s->buf)
	{
		/* a body may hold temporary credentials */
		explicit_bzero(s->buf, s->bufsize);
		free(s->buf);
	}
	s->easy = NULL;
	s->headers = NULL;
	s->buf = NULL;
}

/* Mark the requests that have ended (any stream's: calls may nest). */
static void
collect_done(void)
{
	CURLMsg    *msg;
	int			left;

	while ((msg = curl_multi_info_read(multi, &left)) != NULL)
	{
		char	   *priv = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		if (priv)
		{
			((ConnHttpStream *) priv)->done = true;
			((ConnHttpStream *) priv)->result = msg->data.result;
		}
	}
}

/* Let libcurl run until ready(s), the end, or a pending interrupt. */
static void
pump(ConnHttpStream *s, bool (*ready) (ConnHttpStream *))
{
	while (!s->done && !ready(s))
	{
		int			running;
		TimestampTz now;

		CHECK_FOR_INTERRUPTS();
		if (curl_multi_perform(multi, &running) != CURLM_OK)
		{
			s->done = true;
			s->result = CURLE_OUT_OF_MEMORY;
			break;
		}
		collect_done();
		if (s->done || ready(s))
			break;

		/* no progress for connection.io_timeout: give up */
		now = GetCurrentTimestamp();
		if (s->last_progress_at == 0 || s->paused)
			s->last_progress_at = now;
		else if (TimestampDifferenceExceeds(s->last_progress_at, now, conn_io_timeout))
		{
			s->done = true;
			s->stalled = true;
			s->result = CURLE_OPERATION_TIMEDOUT;
			break;
		}
#if LIBCURL_VERSION_NUM >= 0x074200
		curl_multi_poll(multi, NULL, 0, STREAM_POLL_MS, NULL);
#else
		curl_multi_wait(multi, NULL, 0, STREAM_POLL_MS, NULL);
#endif
	}
	/* an abort of ours, for a pending interrupt: service it */
	if (s->done && s->result == CURLE_ABORTED_BY_CALLBACK)
		CHECK_FOR_INTERRUPTS();
}

static bool
have_headers(ConnHttpStream *s)
{
	return s->headers_done;
}

static bool
have_data(ConnHttpStream *s)
{
	return s->buflen > s->bufpos;
}

/*
 * ConnHttpBegin
 *		Begin a request to an endpoint (url is on it), without waiting:
 *		libcurl moves it on whenever this backend waits for any request,
 *		or calls ConnHttpProgress.  property names where the endpoint
 *		comes from.  An endpoint connection.allowed_hosts does not admit is
 *		42501, and so is a host admitted by a wildcard that resolves to a
 *		non-public address.  body (body_len bytes, or NULL) must stay put
 *		until the request ends.  total_timeout_ms bounds the whole request
 *		(0: no bound); connection.io_timeout always bounds connecting and
 *		any wait without progress.  A failure below HTTP is reported by
 *		ConnHttpFailed(), not thrown, so that the caller may try again.
 *
 *		The stream belongs to the current memory context: libcurl's
 *		handles are freed when it is reset or deleted, errors included.
 */
ConnHttpStream *
ConnHttpBegin(const char *method, const ConnEndpoint *ep, const char *property,
			  const char *url, List *headers, const char *body, size_t body_len,
			  const char *what, int total_timeout_ms)
{
	ConnHttpStream *s;
	CURL	   *curl;
	ListCell   *lc;

	s = palloc0(sizeof(ConnHttpStream));
	s->check.public_only = ConnHttpAllowed(ep, property) && !proxy_in_environment();
	s->what = pstrdup(what);
	s->total_timeout = total_timeout_ms;
	s->response.content_length = -1;
	init_curl();
	CHECK_FOR_INTERRUPTS();

	s->cleanup.func = stream_cleanup;
	s->cleanup.arg = s;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, &s->cleanup);

	s->easy = curl = curl_easy_init();
	if (curl == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	foreach(lc, headers)
	{
		struct curl_slist *more = curl_slist_append(s->headers, (const char *) lfirst(lc));

		if (more == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory")));
		s->headers = more;
	}
	/* "Expect: 100-continue" would cost a round trip */
	s->headers = curl_slist_append(s->headers, "Expect:");
	if (s->headers == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));

	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PRIVATE, (char *) s);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
	else
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	if (body)
	{
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) body_len);
	}
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, (long) STREAM_READ_SIZE);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(curl, CURLOPT_XFERINFODATA, s);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	if (total_timeout_ms > 0)
		curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long) total_timeout_ms);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
					 (long) (total_timeout_ms > 0 ? Min(total_timeout_ms, conn_io_timeout) : conn_io_timeout));
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	/* an object key "a/../b" is a key, not a path to tidy (it is signed so) */
	curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &s->check);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	if (curl_multi_add_handle(multi, curl) != CURLM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));

	return s;
}

/* Wait for the status and headers of a request begun. */
void
ConnHttpWait(ConnHttpStream *s)
{
	pump(s, have_headers);
	if (s->done && s->result == CURLE_OK && !s->headers_done)
		s->headers_done = true; /* a response with nothing after the headers */
}

/* ConnHttpBegin and ConnHttpWait. */
ConnHttpStream *
ConnHttpStart(const char *method, const ConnEndpoint *ep, const char *property,
			  const char *url, List *headers, const char *body, size_t body_len,
			  const char *what, int total_timeout_ms)
{
	ConnHttpStream *s = ConnHttpBegin(method, ep, property, url, headers, body, body_len,
									  what, total_timeout_ms);

	ConnHttpWait(s);
	return s;
}

/*
 * Move the requests in flight on, as far as they can go without waiting
 * (an upload sends while the caller makes the next part).
 */
void
ConnHttpProgress(void)
{
	int			running;

	if (multi)
	{
		(void) curl_multi_perform(multi, &running);
		collect_done();
	}
}

/* Why a request failed below HTTP, or CONN_HTTP_OK. */
ConnHttpFailure
ConnHttpFailed(ConnHttpStream *s)
{
	if (!s->done || s->result == CURLE_OK)
		return CONN_HTTP_OK;
	if (s->check.refused || s->oom)
		return CONN_HTTP_FATAL;
	switch (s->result)
	{
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_CONNECT:
			return CONN_HTTP_UNREACHABLE;
		case CURLE_OPERATION_TIMEDOUT:
			return CONN_HTTP_TIMEOUT;
		case CURLE_SEND_ERROR:
		case CURLE_RECV_ERROR:
		case CURLE_GOT_NOTHING:
		case CURLE_PARTIAL_FILE:
		case CURLE_HTTP2:
		case CURLE_HTTP2_STREAM:
			return CONN_HTTP_BROKEN;
		default:
			return CONN_HTTP_FATAL;
	}
}

/* The status and headers of the response (status 0 if none came). */
const ConnHttpHeaders *
ConnHttpResponseHeaders(ConnHttpStream *s)
{
	return &s->response;
}

/*
 * ConnHttpRead
 *		Up to len bytes of the response body; 0 at its end, or when the
 *		transfer failed (see ConnHttpFailed).
 */
size_t
ConnHttpRead(ConnHttpStream *s, char *buf, size_t len)
{
	size_t		n;

	if (!have_data(s) && s->paused && !s->done)
	{
		s->paused = false;
		curl_easy_pause(s->easy, CURLPAUSE_CONT);
	}
	pump(s, have_data);
	n = Min(len, s->buflen - s->bufpos);
	memcpy(buf, s->buf + s->bufpos, n);
	s->bufpos += n;
	return n;
}

/*
 * ConnHttpReadAll
 *		The whole response body, at most limit bytes, NUL-terminated, in
 *		memory wiped when the current context goes.  A failure below HTTP,
 *		or a longer body, is raised.
 */
void
ConnHttpReadAll(ConnHttpStream *s, ConnHttpResponse *response, size_t limit)
{
	char	   *body = ConnAllocWiped(CurrentMemoryContext, limit + 1);
	size_t		len = 0;
	size_t		n;

	while ((n = ConnHttpRead(s, body + len, limit - len)) > 0)
		len += n;
	if (ConnHttpFailed(s))
		ConnHttpRaise(s);
	if (have_data(s))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("response of %s is larger than %zu bytes", s->what, limit)));
	body[len] = '\0';
	response->status = s->response.status;
	response->body = body;
	response->len = len;
}

/*
 * ConnHttpRaise
 *		Report the failure of a request: 42501 for a refused address,
 *		08001 when the endpoint cannot be reached, 57014 for a cancel,
 *		08006 when the transfer failed or timed out.
 */
void
ConnHttpRaise(ConnHttpStream *s)
{
	char		errbuf[CURL_ERROR_SIZE];

	if (s->check.refused)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("request to %s refused: the host resolves to an address that is not public", s->what),
				 errdetail("Only hosts that connection.allowed_hosts names themselves (not through a wildcard) may resolve to loopback, private or link-local addresses."),
				 errhint("A superuser can add the host to connection.allowed_hosts by name.")));
	if (s->oom)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));

	strlcpy(errbuf, s->errbuf[0] ? s->errbuf : curl_easy_strerror(s->result), sizeof(errbuf));
	switch (s->result)
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
					 errmsg("could not reach %s", s->what),
					 errdetail_internal("%s", errbuf)));
			break;
		case CURLE_ABORTED_BY_CALLBACK:
			/* a cancel that CHECK_FOR_INTERRUPTS held off */
			ereport(ERROR,
					(errcode(ERRCODE_QUERY_CANCELED),
					 errmsg("request to %s was interrupted", s->what)));
			break;
		case CURLE_OPERATION_TIMEDOUT:
			if (s->stalled || s->total_timeout == 0)
				ereport(ERROR,
						(errcode(ERRCODE_CONNECTION_FAILURE),
						 errmsg("request to %s timed out: no progress for %d ms", s->what, conn_io_timeout),
						 errhint("The limit is connection.io_timeout.")));
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("request to %s timed out after %d ms", s->what, s->total_timeout),
					 errhint("The limit is connection.sts_timeout.")));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("request to %s failed", s->what),
					 errdetail_internal("%s", errbuf)));
	}
	pg_unreachable();
}

/* Release the request's handles now (else when its context goes). */
void
ConnHttpEnd(ConnHttpStream *s)
{
	stream_cleanup(s);
}

/*
 * ConnHttpRequest
 *		One request with the whole response (at most CONN_HTTP_MAX_BODY
 *		bytes) returned, within connection.sts_timeout: for the STS calls.
 *		Any HTTP status is returned to the caller, who interprets it; a
 *		failure below HTTP is raised.
 */
void
ConnHttpRequest(const char *method, const ConnEndpoint *ep, const char *property,
				const char *url, List *headers, const char *body,
				const char *what, ConnHttpResponse *response)
{
	ConnHttpStream *s = ConnHttpStart(method, ep, property, url, headers, body,
									  body ? strlen(body) : 0, what, conn_sts_timeout);

	if (ConnHttpFailed(s))
		ConnHttpRaise(s);
	ConnHttpReadAll(s, response, CONN_HTTP_MAX_BODY);
	ConnHttpEnd(s);
}

/* ---------------------------------------------------------------------
 * Reachability of services that do not speak HTTP
 * ---------------------------------------------------------------------
 */

/* Wait until sock connects or deadline passes; serves interrupts. */
static int
await_connect(pgsocket sock, TimestampTz deadline)
{
	for (;;)
	{
		long		left;
		int			rc;
		int			err = 0;
		socklen_t	len = sizeof(err);

		CHECK_FOR_INTERRUPTS();
		left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);
		if (left <= 0)
			return ETIMEDOUT;
		rc = WaitLatchOrSocket(MyLatch,
							   WL_LATCH_SET | WL_SOCKET_CONNECTED | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							   sock, Min(left, STREAM_POLL_MS), PG_WAIT_EXTENSION);
		if (rc & WL_LATCH_SET)
			ResetLatch(MyLatch);
		if (rc & WL_SOCKET_CONNECTED)
		{
			if (getsockopt(sock, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
				err = errno;
			return err;
		}
	}
}

/*
 * Connect a non-blocking socket to one address within the time left: 0 and
 * the socket in *sockp, or an errno (the socket closed).  The wait serves
 * interrupts: a cancel or a termination ends it with an error, the socket
 * closed.
 */
static int
tcp_connect(const ConnSockAddr *sa, TimestampTz deadline, pgsocket *sockp)
{
	pgsocket	sock = socket(sa->family, SOCK_STREAM, 0);
	volatile int err = 0;

	if (sock == PGINVALID_SOCKET)
		return errno;
	if (fcntl(sock, F_SETFL, O_NONBLOCK) != 0)
		err = errno;
	else if (connect(sock, (const struct sockaddr *) &sa->addr, sa->len) != 0)
	{
		if (errno != EINPROGRESS)
			err = errno;
		else
		{
			PG_TRY();
			{
				err = await_connect(sock, deadline);
			}
			PG_CATCH();
			{
				closesocket(sock);
				PG_RE_THROW();
			}
			PG_END_TRY();
		}
	}
	if (err != 0)
		closesocket(sock);
	else
		*sockp = sock;
	return err;
}

/*
 * ConnTcpAdmitted
 *		The addresses of authority ("host:port", what property names) that
 *		the rules of requests let the server connect to: the host must be
 *		one connection.allowed_hosts admits (42501 otherwise), and of a host
 *		admitted only by a wildcard, only public addresses are.  Returns
 *		NULL and the addresses (at least one, palloc'd), or why there are
 *		none, in words that name the address and never anything else.
 *		Resolving the name (getaddrinfo) is not interruptible.
 */
char *
ConnTcpAdmitted(const char *authority, const char *property, ConnSockAddr **addrs, int *naddrs)
{
	ConnEndpoint ep = {"tcp", pstrdup(authority), "/", NULL};
	char	   *host;
	int			port;
	bool		public_only;
	struct addrinfo hints = {0};
	struct addrinfo *res = NULL;
	char		portbuf[16];
	int			rc;
	int			n = 0;

	split_authority(authority, &host, &port);
	if (port <= 0)
		return psprintf("%s has no port", authority);
	/* no proxy here: the addresses are judged whatever the environment */
	public_only = ConnHttpAllowed(&ep, property);
	snprintf(portbuf, sizeof(portbuf), "%d", port);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_family = AF_UNSPEC;
	rc = getaddrinfo(host, portbuf, &hints, &res);
	if (rc != 0)
		return psprintf("could not resolve host \"%s\": %s", host, gai_strerror(rc));
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next)
		n++;
	*addrs = palloc0(sizeof(ConnSockAddr) * n);
	*naddrs = 0;
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next)
	{
		ConnSockAddr *sa = &(*addrs)[*naddrs];

		if ((public_only && non_public(ai->ai_addr)) || ai->ai_addrlen > sizeof(sa->addr))
			continue;
		sa->family = ai->ai_family;
		sa->len = ai->ai_addrlen;
		memcpy(&sa->addr, ai->ai_addr, ai->ai_addrlen);
		(*naddrs)++;
	}
	freeaddrinfo(res);
	if (*naddrs == 0)
		return psprintf("host \"%s\" resolves to an address that is not public, and connection.allowed_hosts admits it only by a wildcard", host);
	return NULL;
}

/*
 * ConnTcpOpen
 *		A TCP connection to authority ("host:port", what property names),
 *		to an address ConnTcpAdmitted gives, by deadline (timeout_ms is for
 *		messages): NULL and the socket in *sockp, or why not, in words that
 *		name the address and never anything else.  The wait serves
 *		interrupts; resolving the name does not (getaddrinfo), so a slow
 *		resolver may make it pass the deadline.
 */
char *
ConnTcpOpen(const char *authority, const char *property, TimestampTz deadline, int timeout_ms,
			pgsocket *sockp)
{
	ConnSockAddr *addrs;
	int			naddrs;
	int			err = ECONNREFUSED;
	char	   *why = ConnTcpAdmitted(authority, property, &addrs, &naddrs);

	if (why)
		return why;
	for (int i = 0; i < naddrs; i++)
	{
		err = tcp_connect(&addrs[i], deadline, sockp);
		if (err == 0)
			return NULL;
	}
	if (err == ETIMEDOUT)
		return psprintf("could not connect to %s within %d ms", authority, timeout_ms);
	return psprintf("could not connect to %s: %s", authority, strerror(err));
}

/*
 * ConnTcpReach
 *		Open a TCP connection to authority within timeout_ms (ConnTcpOpen)
 *		and close it at once: NULL, or why not.
 */
char *
ConnTcpReach(const char *authority, const char *property, int timeout_ms)
{
	pgsocket	sock;
	char	   *why = ConnTcpOpen(authority, property,
								  TimestampTzPlusMilliseconds(GetCurrentTimestamp(), timeout_ms),
								  timeout_ms, &sock);

	if (why == NULL)
		closesocket(sock);
	return why;
}
