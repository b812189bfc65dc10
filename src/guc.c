/*-------------------------------------------------------------------------
 *
 * guc.c
 *	  All configuration parameters of the extension, prefix "connection.".
 *
 * The key parameters are PGC_SIGHUP and GUC_SUPERUSER_ONLY: only the
 * server's configuration sets them, and only superusers can read them.
 * Their assign hooks merely mark the loaded keys stale (crypto.c reads the
 * key source when it next needs a key), so no file or command work happens
 * inside a hook.
 *
 * IDENTIFICATION
 *	  src/guc.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "miscadmin.h"
#include "utils/guc.h"

#include "cache.h"
#include "connection.h"
#include "crypto.h"
#include "guc.h"
#include "http.h"
#include "registry.h"
#include "storage.h"
#include "sts.h"
#include "stscache.h"
#include "transfer.h"
#include "validate.h"

bool		conn_log_usage = false;

static const struct config_enum_entry cloud_provider_options[] = {
	{"none", CONN_CLOUD_NONE, false},
	{"aliyun", CONN_CLOUD_ALIYUN, false},
	{"tencent", CONN_CLOUD_TENCENT, false},
	{"aws", CONN_CLOUD_AWS, false},
	{NULL, 0, false}
};

/* A new key configuration: reread the keys, drop cached decrypted values. */
static void
assign_key_source(const char *newval, void *extra)
{
	ConnKeysInvalidate();
	ConnCacheInvalidate();
}

/* A new cache bound: start over, giving back what the cache held. */
static void
assign_cache_bound(int newval, void *extra)
{
	ConnCacheInvalidate();
}

void
ConnDefineGucs(void)
{
	DefineCustomStringVariable("connection.key_file",
							   "File holding the master keys that encrypt connection secrets.",
							   "Hexadecimal 256-bit keys, one a line; the first one is current.",
							   &conn_key_file,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   NULL, assign_key_source, NULL);

	DefineCustomStringVariable("connection.key_command",
							   "Command printing the master keys that encrypt connection secrets.",
							   "It prints what connection.key_file would hold.",
							   &conn_key_command,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   NULL, assign_key_source, NULL);

	DefineCustomEnumVariable("connection.cloud_provider",
							 "Cloud this instance runs on; connections of other clouds are refused.",
							 NULL,
							 &conn_cloud_provider,
							 CONN_CLOUD_NONE,
							 cloud_provider_options,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("connection.log_usage",
							 "Logs every call that hands out decrypted credentials.",
							 "One LOG line naming the role, the connection and the function; never a value.",
							 &conn_log_usage,
							 false,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("connection.validate_on_change",
							 "Runs connection.validate()'s checks after each create or change of properties.",
							 "A WARNING for each check that fails; the connection is created or changed all the same.",
							 &conn_validate_on_change,
							 false,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("connection.cache_size",
							"Most connections a backend keeps cached.",
							"Past it, the least recently used entries (clock) make room; connection.cache_memory usually binds first.",
							&conn_cache_size,
							1000000, 1, 10000000,
							PGC_SUSET,
							0,
							NULL, assign_cache_bound, NULL);

	DefineCustomIntVariable("connection.cache_memory",
							"Most memory a backend's cache of connections takes, and so does its cache of temporary credentials.",
							"Past it, the least recently used entries (clock) make room; an entry with its decrypted values takes about 750 bytes.",
							&conn_cache_memory,
							65536, 64, INT_MAX / 1024,
							PGC_SUSET,
							GUC_UNIT_KB,
							NULL, assign_cache_bound, NULL);

	DefineCustomIntVariable("connection.sts_timeout",
							"Time limit of one STS AssumeRole call.",
							"Connecting, sending and receiving together.",
							&conn_sts_timeout,
							5000, 100, 600000,
							PGC_USERSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomStringVariable("connection.allowed_hosts",
							   "Hosts the server may send requests to for connections.",
							   "Host names, addresses and wildcards (*.example.com, *), each with an optional :port or :*.",
							   &conn_allowed_hosts,
							   CONN_DEFAULT_ALLOWED_HOSTS,
							   PGC_SUSET,
							   GUC_LIST_INPUT,
							   ConnCheckAllowedHosts, NULL, NULL);

	DefineCustomStringVariable("connection.sts_source_connection",
							   "Connection whose access keys sign AssumeRole calls by default.",
							   "Used by role-based connections without a SOURCE_CONNECTION property.",
							   &conn_sts_source_connection,
							   "",
							   PGC_SUSET,
							   0,
							   NULL, NULL, NULL);

	/* a server start setting: only when the library is preloaded */
	if (process_shared_preload_libraries_in_progress)
		DefineCustomIntVariable("connection.sts_shared_entries",
								"Role-based connections whose temporary credentials the server shares between backends.",
								"Needs the library in shared_preload_libraries; each entry takes about 11 kB of shared memory; 0 keeps them per backend.",
								&conn_sts_shared_entries,
								128, 0, 100000,
								PGC_POSTMASTER,
								0,
								NULL, NULL, NULL);

	DefineCustomIntVariable("connection.io_timeout",
							"Longest wait of an object storage request for a connection or for progress.",
							"A transfer that moves no data for this long fails (and may be tried again).",
							&conn_io_timeout,
							30000, 100, 3600000,
							PGC_USERSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("connection.request_retries",
							"Times an object storage request is tried again after a failure that may pass.",
							"No connection, a broken transfer, a timeout, HTTP 500, 502, 503, 504 or 429; never another 4xx.",
							&conn_request_retries,
							4, 0, 20,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("connection.part_size",
							"Size of the parts in which an export is uploaded.",
							"An export smaller than one part is uploaded whole; every 1000 parts the size doubles.",
							&conn_part_size,
							8 * 1024, 5 * 1024, 512 * 1024,
							PGC_USERSET,
							GUC_UNIT_KB,
							NULL, NULL, NULL);

	MarkGUCPrefixReserved("connection");
}
