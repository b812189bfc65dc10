/*-------------------------------------------------------------------------
 *
 * connection.c
 *	  Module entry point of the connection extension: named, typed
 *	  CONNECTION objects whose credentials are encrypted at rest.
 *
 * IDENTIFICATION
 *	  src/connection.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"

#include "cache.h"
#include "connection.h"
#include "guc.h"
#include "hooks.h"
#include "stscache.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	pg_bindtextdomain(TEXTDOMAIN);
	ConnDefineGucs();
	ConnCacheInit();
	ConnInstallHooks();
	ConnStsSharedInit();
}
