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

#include "access/xact.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

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

/*
 * ConnTrySubtransaction
 *		Run fn(arg) in an internal subtransaction.  Returns NULL when it
 *		succeeded, else its error, copied into the caller's memory context,
 *		with the subtransaction rolled back (what fn did is undone): the
 *		caller decides what the error means.  A cancel, a statement timeout
 *		and anything worse than an error are thrown again: no caller may
 *		absorb them.
 */
ErrorData *
ConnTrySubtransaction(void (*fn) (void *arg), void *arg)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	ErrorData  *edata = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		fn(arg);
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
	if (edata && (edata->elevel > ERROR || edata->sqlerrcode == ERRCODE_QUERY_CANCELED))
		ReThrowError(edata);
	return edata;
}
