/*-------------------------------------------------------------------------
 *
 * stscache.c
 *	  Temporary credentials shared by every backend of the server: a table
 *	  in shared memory, one AssumeRole call at a time per connection
 *	  (single flight), the background workers that renew entries before
 *	  they expire, and the function behind the view connection.sts_cache.
 *
 * Only with the library in shared_preload_libraries and
 * connection.sts_shared_entries > 0; otherwise sts.c keeps temporary
 * credentials per backend, as it always does in front of this table.
 *
 * A slot holds the credentials of one role-based connection of one
 * database, with the key (stscache.h) they were made from.  A backend
 * whose own cache misses looks here (ConnStsSharedGet): a slot with its
 * key that is not about to expire is copied out; a slot another backend
 * is filling is waited for; otherwise the backend claims the slot, makes
 * the AssumeRole call without holding any lock and stores the answer
 * (ConnStsSharedPut), or records the failure (ConnStsSharedFailed), and
 * wakes the waiters.  A failure is handed to the backends that waited
 * for it instead of calls of their own: during an outage, one call per
 * connection is going on at a time, not one per query.  A later call
 * tries again (the trust policy may have been fixed meanwhile).
 *
 * A launcher (a background worker connected to no database) wipes the
 * slots that expired, once a second, and starts a refresher for each
 * database with slots due: one whose 80% of lifetime has passed and that a
 * backend used since it was made (unused ones are left to expire).  The
 * refresher connects to the database, renews what is due and exits, so
 * that no worker stays connected to a database (DROP DATABASE waits for
 * every session of it).  On failure a slot backs off (5 s doubling up to
 * 5 minutes) while backends go on using the old credentials until shortly
 * before they expire.  A refresher checks what a backend checks (the
 * connection is enabled, its owner may use the source), and backends still
 * check USAGE and ENABLED on every call.
 *
 * Credentials are written over with zeros whenever a slot is emptied,
 * expires, is given to another connection or gets a new key.  What the
 * view shows is never a key, a secret or a token.
 *
 * IDENTIFICATION
 *	  src/stscache.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/condition_variable.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "storage/shmem.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "catalog.h"
#include "http.h"
#include "privileges.h"
#include "sts.h"
#include "stscache.h"
#include "wipe.h"

PG_FUNCTION_INFO_V1(connection_sts_cache_entries);

/* Room for a key ID, a secret and a token; larger answers are not shared. */
#define CREDS_MAX 8192
#define ROLE_ARN_MAX 2048
#define ERROR_MAX 512

/* Refreshers at work at once, one per database. */
#define MAX_REFRESHERS 4

/* Backends hand out credentials until this long before they expire (or a tenth of their lifetime). */
#define USE_MARGIN_SECS 60

/* An entry used this recently is not given to another connection. */
#define USED_RECENTLY_SECS 60

typedef struct StsSlot
{
	/* all fields under the lock, but last_used */
	Oid			dbid;			/* InvalidOid: free */
	int64		id;
	uint64		generation;		/* changes with dbid/id or key */
	ConnStsKey	key;
	bool		valid;			/* creds hold credentials */
	int			fetcher;		/* pid making the call, or 0 */
	TimestampTz fetch_deadline; /* by the fetcher's own sts_timeout */
	bool		unshared;		/* the answer for key is too large to share */
	TimestampTz fetched;		/* when the credentials arrived */
	TimestampTz expiration;
	TimestampTz next_attempt;	/* the refresher's, after a failure */
	TimestampTz launched;		/* when the launcher last started a refresher for it */
	pg_atomic_uint64 last_used;
	int64		calls;
	int			failures;		/* in a row */
	int			nusers;			/* backends holding a copy */
	int			error_code;
	TimestampTz error_time;
	char		error[ERROR_MAX];
	char		error_detail[ERROR_MAX];
	char		role_arn[ROLE_ARN_MAX];
	int			creds_len;
	char		creds[CREDS_MAX];	/* key ID \0 secret \0 token \0 */
} StsSlot;

typedef struct StsRefresher
{
	Oid			dbid;
	int			pid;
	TimestampTz registered;
} StsRefresher;

typedef struct StsShared
{
	LWLock	   *lock;
	ConditionVariable changed;	/* a call ended */
	int			nslots;
	StsRefresher refreshers[MAX_REFRESHERS];
	StsSlot		slots[FLEXIBLE_ARRAY_MEMBER];
} StsShared;

int			conn_sts_shared_entries = 128;

static StsShared *shared = NULL;
static uint64 *held = NULL;		/* generation of each slot this backend holds */
static bool exit_registered = false;

#if PG_VERSION_NUM >= 150000
static shmem_request_hook_type prev_shmem_request_hook = NULL;
#endif
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

PGDLLEXPORT void ConnStsLauncherMain(Datum arg);
PGDLLEXPORT void ConnStsRefresherMain(Datum arg);

/* ---------------------------------------------------------------------
 * Shared memory
 * ---------------------------------------------------------------------
 */

static Size
shared_size(void)
{
	return add_size(offsetof(StsShared, slots),
					mul_size(conn_sts_shared_entries, sizeof(StsSlot)));
}

static void
request_shmem(void)
{
#if PG_VERSION_NUM >= 150000
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
#endif
	RequestAddinShmemSpace(shared_size());
	RequestNamedLWLockTranche("connection_sts", 1);
}

static void
startup_shmem(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared = ShmemInitStruct("connection STS cache", shared_size(), &found);
	if (!found)
	{
		memset(shared, 0, shared_size());
		shared->lock = &(GetNamedLWLockTranche("connection_sts"))->lock;
		ConditionVariableInit(&shared->changed);
		shared->nslots = conn_sts_shared_entries;
		for (int i = 0; i < shared->nslots; i++)
			pg_atomic_init_u64(&shared->slots[i].last_used, 0);
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * ConnStsSharedInit
 *		From _PG_init: ask for the table when the library is preloaded.
 */
void
ConnStsSharedInit(void)
{
	BackgroundWorker worker;

	if (!process_shared_preload_libraries_in_progress || conn_sts_shared_entries <= 0)
		return;
#if PG_VERSION_NUM >= 150000
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = request_shmem;
#else
	request_shmem();
#endif
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = startup_shmem;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_ConsistentState;
	worker.bgw_restart_time = 10;
	strlcpy(worker.bgw_library_name, "connection", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "ConnStsLauncherMain", BGW_MAXLEN);
	strlcpy(worker.bgw_name, "connection STS launcher", BGW_MAXLEN);
	strlcpy(worker.bgw_type, "connection STS launcher", BGW_MAXLEN);
	RegisterBackgroundWorker(&worker);
}

bool
ConnStsSharedEnabled(void)
{
	return shared != NULL && shared->nslots > 0;
}

/*
 * ConnStsSharedMargin
 *		How long before they expire credentials are no longer handed out
 *		from the table: a minute, or a tenth of their lifetime if shorter.
 */
TimestampTz
ConnStsSharedMargin(TimestampTz fetched, TimestampTz expiration)
{
	TimestampTz tenth = (expiration - fetched) / 10;

	return Min((TimestampTz) USE_MARGIN_SECS * USECS_PER_SEC, Max(tenth, 0));
}

static bool
keys_equal(const ConnStsKey *a, const ConnStsKey *b)
{
	return a->dbid == b->dbid && a->id == b->id &&
		ItemPointerEquals((ItemPointer) &a->tid, (ItemPointer) &b->tid) &&
		a->modified == b->modified && a->source_id == b->source_id &&
		ItemPointerEquals((ItemPointer) &a->source_tid, (ItemPointer) &b->source_tid) &&
		a->source_modified == b->source_modified;
}

/* Forget a slot's credentials (zeroed). Lock held. */
static void
wipe_creds(StsSlot *s)
{
	explicit_bzero(s->creds, sizeof(s->creds));
	s->creds_len = 0;
	s->valid = false;
}

/* Give a slot to a connection (or to none). Lock held. */
static void
assign_slot(StsSlot *s, Oid dbid, int64 id)
{
	wipe_creds(s);
	s->dbid = dbid;
	s->id = id;
	s->generation++;
	memset(&s->key, 0, sizeof(s->key));
	s->fetcher = 0;
	s->unshared = false;
	s->fetched = s->expiration = s->next_attempt = s->launched = 0;
	pg_atomic_write_u64(&s->last_used, 0);
	s->calls = 0;
	s->failures = 0;
	s->nusers = 0;
	s->error_code = 0;
	s->error_time = 0;
	s->error[0] = '\0';
	s->error_detail[0] = '\0';
	s->role_arn[0] = '\0';
}

/* Has a call been going on for too long, or its backend gone? Lock held. */
static bool
fetch_abandoned(StsSlot *s, TimestampTz now)
{
	return s->fetcher != 0 &&
		(now > s->fetch_deadline || BackendPidGetProc(s->fetcher) == NULL);
}

/*
 * A slot for a connection that has none: a free one, else an expired one,
 * else the least recently used of those no backend used for a minute and
 * no call is filling; -1 if there is none (the connection's credentials
 * are then not shared: whoever fills the table cannot push out what other
 * sessions use).  Lock held.
 */
static int
free_slot(TimestampTz now)
{
	int			best = -1;
	uint64		best_used = PG_UINT64_MAX;

	for (int i = 0; i < shared->nslots; i++)
	{
		StsSlot    *s = &shared->slots[i];
		uint64		used;

		if (s->dbid == InvalidOid)
			return i;
		if (s->fetcher != 0 && !fetch_abandoned(s, now))
			continue;
		if (s->valid && now >= s->expiration)
			used = 0;
		else
		{
			used = Max(pg_atomic_read_u64(&s->last_used), (uint64) s->fetch_deadline);
			if ((TimestampTz) used > now - (TimestampTz) USED_RECENTLY_SECS * USECS_PER_SEC)
				continue;
		}
		if (used < best_used)
		{
			best = i;
			best_used = used;
		}
	}
	return best;
}

static int
find_slot(Oid dbid, int64 id)
{
	for (int i = 0; i < shared->nslots; i++)
		if (shared->slots[i].dbid == dbid && shared->slots[i].id == id)
			return i;
	return -1;
}

/* Copy a message into a field, cut at a character boundary. */
static void
clip_copy(char *field, const char *text, int size)
{
	int			len = pg_mbcliplen(text, strlen(text), size - 1);

	memcpy(field, text, len);
	field[len] = '\0';
}

/* This backend makes the call for slot s. Lock held. */
static void
claim(StsSlot *s, TimestampTz now)
{
	s->fetcher = MyProcPid;
	s->fetch_deadline = now + ((TimestampTz) conn_sts_timeout + 10000) * 1000;
}

/* Hold a copy of slot i: counted in the view until released. Lock held. */
static uint64
hold(int i)
{
	StsSlot    *s = &shared->slots[i];

	if (held[i] != s->generation)
	{
		held[i] = s->generation;
		s->nusers++;
	}
	return s->generation;
}

/* Release what this backend holds and the calls it makes, at exit. */
static void
backend_exit(int code, Datum arg)
{
	if (shared == NULL)
		return;
	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	for (int i = 0; i < shared->nslots; i++)
	{
		StsSlot    *s = &shared->slots[i];

		if (held && held[i] != 0 && held[i] == s->generation && s->nusers > 0)
			s->nusers--;
		if (s->fetcher == MyProcPid)
			s->fetcher = 0;
	}
	LWLockRelease(shared->lock);
	ConditionVariableBroadcast(&shared->changed);
}

static void
backend_init(void)
{
	if (held == NULL)
		held = MemoryContextAllocZero(TopMemoryContext, sizeof(uint64) * shared->nslots);
	if (!exit_registered)
	{
		before_shmem_exit(backend_exit, (Datum) 0);
		exit_registered = true;
	}
}

/* Copy a slot's credentials into wiped memory of the current context. Lock held. */
static void
copy_creds(StsSlot *s, ConnTempCreds *creds)
{
	char	   *copy = ConnAllocWiped(CurrentMemoryContext, s->creds_len);

	memcpy(copy, s->creds, s->creds_len);
	creds->key_id = copy;
	creds->secret = creds->key_id + strlen(creds->key_id) + 1;
	creds->token = creds->secret + strlen(creds->secret) + 1;
	creds->expiration = s->expiration;
}

/* ---------------------------------------------------------------------
 * The launcher and the refreshers
 * ---------------------------------------------------------------------
 */

/*
 * Is slot s to be renewed now: valid, 80% of its lifetime passed, used by a
 * backend since it was made, no call going on, not backing off?  Lock held.
 */
static bool
slot_due(StsSlot *s, TimestampTz now)
{
	return s->dbid != InvalidOid && s->valid && now < s->expiration &&
		(s->fetcher == 0 || fetch_abandoned(s, now)) &&
		now >= s->next_attempt &&
		now >= s->fetched + (s->expiration - s->fetched) / 10 * 8 &&
		(TimestampTz) pg_atomic_read_u64(&s->last_used) > s->fetched;
}

/* Is a refresher of dbid starting or running?  Lock held. */
static bool
refresher_busy(StsRefresher *r, TimestampTz now)
{
	return r->dbid != InvalidOid &&
		((r->pid != 0 && BackendPidGetProc(r->pid) != NULL) ||
		 (r->pid == 0 && now < r->registered + 10 * USECS_PER_SEC));
}

/* Start a refresher for dbid (the launcher only). */
static void
start_refresher(Oid dbid)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	TimestampTz now = GetCurrentTimestamp();
	int			free = -1;

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	for (int i = 0; i < MAX_REFRESHERS; i++)
	{
		StsRefresher *r = &shared->refreshers[i];

		if (r->dbid == dbid && refresher_busy(r, now))
		{
			LWLockRelease(shared->lock);
			return;
		}
		if (free < 0 && !refresher_busy(r, now))
			free = i;
	}
	if (free < 0)
	{
		/* as many databases are being refreshed as there may be: later */
		LWLockRelease(shared->lock);
		return;
	}
	shared->refreshers[free].dbid = dbid;
	shared->refreshers[free].pid = 0;
	shared->refreshers[free].registered = now;
	LWLockRelease(shared->lock);

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_ConsistentState;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	strlcpy(worker.bgw_library_name, "connection", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "ConnStsRefresherMain", BGW_MAXLEN);
	snprintf(worker.bgw_name, BGW_MAXLEN, "connection STS refresher for database %u", dbid);
	strlcpy(worker.bgw_type, "connection STS refresher", BGW_MAXLEN);
	worker.bgw_main_arg = ObjectIdGetDatum(dbid);
	worker.bgw_notify_pid = MyProcPid;
	if (!RegisterDynamicBackgroundWorker(&worker, &handle))
	{
		/* no worker slot free now: the next round tries again */
		LWLockAcquire(shared->lock, LW_EXCLUSIVE);
		if (shared->refreshers[free].dbid == dbid && shared->refreshers[free].pid == 0)
			shared->refreshers[free].dbid = InvalidOid;
		LWLockRelease(shared->lock);
	}
}

/*
 * ConnStsLauncherMain
 *		The launcher (registered when the library is preloaded), connected
 *		to no database: once a second it wipes the slots that expired and
 *		starts a refresher for each database that has slots to renew.  A
 *		refresher does what is due and exits, so that no worker stays
 *		connected to a database (DROP DATABASE would wait for it).
 */
void
ConnStsLauncherMain(Datum arg)
{
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	if (shared == NULL)
		proc_exit(0);
	/* to no database: only to be seen in pg_stat_activity */
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);

	for (;;)
	{
		TimestampTz now = GetCurrentTimestamp();
		Oid			due[MAX_REFRESHERS];
		int			ndue = 0;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		LWLockAcquire(shared->lock, LW_EXCLUSIVE);
		for (int i = 0; i < shared->nslots; i++)
		{
			StsSlot    *s = &shared->slots[i];
			bool		listed = false;

			if (s->dbid == InvalidOid)
				continue;
			if (s->valid && now >= s->expiration && s->fetcher == 0)
			{
				assign_slot(s, InvalidOid, 0);
				continue;
			}
			/* a refresher that could not do it is not started again at once */
			if (!slot_due(s, now) || now < s->launched + 10 * USECS_PER_SEC)
				continue;
			s->launched = now;
			for (int j = 0; j < ndue; j++)
				listed |= (due[j] == s->dbid);
			if (!listed && ndue < MAX_REFRESHERS)
				due[ndue++] = s->dbid;
		}
		LWLockRelease(shared->lock);
		for (int j = 0; j < ndue; j++)
			start_refresher(due[j]);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 1000L, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/*
 * ConnStsSharedDue
 *		For the refresher of this database: a slot to renew now, if any
 *		(*slot, *id).  A slot handed out is not handed out again for a
 *		second (ConnStsRefresh may leave it as it is).
 */
bool
ConnStsSharedDue(int *slot, int64 *id)
{
	TimestampTz now = GetCurrentTimestamp();
	bool		found = false;

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	for (int i = 0; i < shared->nslots && !found; i++)
	{
		StsSlot    *s = &shared->slots[i];

		if (s->dbid != MyDatabaseId || !slot_due(s, now))
			continue;
		s->next_attempt = now + USECS_PER_SEC;
		*slot = i;
		*id = s->id;
		found = true;
	}
	LWLockRelease(shared->lock);
	return found;
}

static void
refresher_exit(int code, Datum arg)
{
	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	for (int i = 0; i < MAX_REFRESHERS; i++)
		if (shared->refreshers[i].pid == MyProcPid)
			shared->refreshers[i].dbid = InvalidOid, shared->refreshers[i].pid = 0;
	for (int i = 0; i < shared->nslots; i++)
		if (shared->slots[i].fetcher == MyProcPid)
			shared->slots[i].fetcher = 0;
	LWLockRelease(shared->lock);
	ConditionVariableBroadcast(&shared->changed);
}

/* Renew one slot in a transaction of its own; a failure is recorded. */
static void
refresh_one(int slot, int64 id)
{
	MemoryContext cxt = CurrentMemoryContext;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	PG_TRY();
	{
		ConnStsRefresh(slot, id);
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		ConnStsSharedFailed(slot, id, edata->sqlerrcode, edata->message, edata->detail);
		ereport(LOG,
				(errmsg("could not renew shared temporary credentials: %s", edata->message),
				 edata->detail ? errdetail_internal("%s", edata->detail) : 0));
		FreeErrorData(edata);
	}
	PG_END_TRY();
}

/*
 * ConnStsRefresherMain
 *		The refresher of one database (bgw_main_arg): renews what is due
 *		there, and exits.
 */
void
ConnStsRefresherMain(Datum arg)
{
	Oid			dbid = DatumGetObjectId(arg);
	MemoryContext cxt;
	int			slot;
	int64		id;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	if (shared == NULL)
		proc_exit(0);
	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	for (int i = 0; i < MAX_REFRESHERS; i++)
		if (shared->refreshers[i].dbid == dbid && shared->refreshers[i].pid == 0)
		{
			shared->refreshers[i].pid = MyProcPid;
			break;
		}
	LWLockRelease(shared->lock);
	before_shmem_exit(refresher_exit, (Datum) 0);
	BackgroundWorkerInitializeConnectionByOid(dbid, InvalidOid, 0);

	cxt = AllocSetContextCreate(TopMemoryContext, "connection STS refresher",
								ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(cxt);
	while (ConnStsSharedDue(&slot, &id))
	{
		CHECK_FOR_INTERRUPTS();
		refresh_one(slot, id);
		MemoryContextSwitchTo(cxt);
		MemoryContextReset(cxt);
	}
	proc_exit(0);
}

/* ---------------------------------------------------------------------
 * Backends
 * ---------------------------------------------------------------------
 */

/*
 * ConnStsSharedGet
 *		Credentials for key from the table: true with *creds (wiped memory of
 *		the current context), *fetched and the slot held (*slot,
 *		*generation) when a slot has them, they are not about to expire and
 *		they are still valid at needed.
 *		Otherwise false: *slot >= 0 when this backend now makes the call
 *		for that slot (and must end with ConnStsSharedPut or
 *		ConnStsSharedFailed), -1 when the table cannot take it.  Waits while
 *		another backend makes the call, and reports its failure.
 */
bool
ConnStsSharedGet(const ConnStsKey *key, const char *role_arn, TimestampTz needed,
				 ConnTempCreds *creds, TimestampTz *fetched, int *slot, uint64 *generation)
{
	bool		sleeping = false;
	TimestampTz waiting_since = 0;

	*slot = -1;
	if (!ConnStsSharedEnabled())
		return false;
	backend_init();
	for (;;)
	{
		TimestampTz now = GetCurrentTimestamp();
		int			i;
		StsSlot    *s;

		LWLockAcquire(shared->lock, LW_EXCLUSIVE);
		i = find_slot(key->dbid, key->id);
		s = (i >= 0) ? &shared->slots[i] : NULL;
		if (s && s->fetcher != 0 && !fetch_abandoned(s, now))
		{
			/* another backend is asking: wait for its answer */
			if (!sleeping)
			{
				ConditionVariablePrepareToSleep(&shared->changed);
				sleeping = true;
				if (waiting_since == 0)
					waiting_since = now;
				LWLockRelease(shared->lock);
				continue;
			}
			LWLockRelease(shared->lock);
			(void) ConditionVariableTimedSleep(&shared->changed, 1000, PG_WAIT_EXTENSION);
			continue;
		}
		if (sleeping)
		{
			ConditionVariableCancelSleep();
			sleeping = false;
		}
		if (s && s->valid && keys_equal(&s->key, key) && needed < s->expiration &&
			now < s->expiration - ConnStsSharedMargin(s->fetched, s->expiration))
		{
			copy_creds(s, creds);
			*fetched = s->fetched;
			pg_atomic_write_u64(&s->last_used, (uint64) now);
			*slot = i;
			*generation = hold(i);
			LWLockRelease(shared->lock);
			return true;
		}
		if (s && waiting_since != 0 && s->error_code != 0 && keys_equal(&s->key, key) &&
			s->error_time >= waiting_since)
		{
			int			code = s->error_code;
			char		message[ERROR_MAX];
			char		detail[ERROR_MAX];

			strlcpy(message, s->error, sizeof(message));
			strlcpy(detail, s->error_detail, sizeof(detail));
			LWLockRelease(shared->lock);
			ereport(ERROR,
					(errcode(code),
					 errmsg_internal("%s", message),
					 detail[0] ? errdetail_internal("%s", detail) : 0,
					 errhint("Another session's AssumeRole call for this connection, which this one waited for, failed with this error.")));
		}
		if (s && s->unshared && keys_equal(&s->key, key))
		{
			/* too large to share: everyone calls for themselves, at once */
			LWLockRelease(shared->lock);
			return false;
		}
		if (s == NULL)
		{
			i = free_slot(now);
			if (i < 0)
			{
				LWLockRelease(shared->lock);
				return false;
			}
			s = &shared->slots[i];
			assign_slot(s, key->dbid, key->id);
		}
		if (!keys_equal(&s->key, key))
		{
			/* made from an older (or newer) version: not handed out again */
			wipe_creds(s);
			s->key = *key;
			s->generation++;
			s->nusers = 0;
			s->error_code = 0;
			s->unshared = false;
		}
		strlcpy(s->role_arn, role_arn, sizeof(s->role_arn));
		claim(s, now);
		*slot = i;
		LWLockRelease(shared->lock);
		return false;
	}
}

/*
 * ConnStsSharedPut
 *		Store the credentials this backend got for slot (claimed by
 *		ConnStsSharedGet or ConnStsSharedClaim), wake the waiters, and hold
 *		the slot; returns its generation (0 when not stored).
 */
uint64
ConnStsSharedPut(int slot, const ConnStsKey *key, const ConnTempCreds *creds)
{
	StsSlot    *s = &shared->slots[slot];
	int			l1 = strlen(creds->key_id) + 1;
	int			l2 = strlen(creds->secret) + 1;
	int			l3 = strlen(creds->token) + 1;
	TimestampTz now = GetCurrentTimestamp();
	uint64		generation = 0;

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	if (s->fetcher == MyProcPid && keys_equal(&s->key, key))
	{
		wipe_creds(s);
		s->calls++;
		if (l1 + l2 + l3 <= CREDS_MAX)
		{
			memcpy(s->creds, creds->key_id, l1);
			memcpy(s->creds + l1, creds->secret, l2);
			memcpy(s->creds + l1 + l2, creds->token, l3);
			s->creds_len = l1 + l2 + l3;
			s->valid = true;
			s->fetched = now;
			s->expiration = creds->expiration;
			s->failures = 0;
			s->next_attempt = 0;
			if (!IsBackgroundWorker)
			{
				pg_atomic_write_u64(&s->last_used, (uint64) now);
				generation = hold(slot);
			}
		}
		else
			s->unshared = true;
	}
	/* (a slot whose connection changed meanwhile stores nothing) */
	if (s->fetcher == MyProcPid)
		s->fetcher = 0;
	LWLockRelease(shared->lock);
	ConditionVariableBroadcast(&shared->changed);
	return generation;
}

/*
 * ConnStsSharedFailed
 *		The call for slot failed with this error (sqlerrcode 0: it was
 *		interrupted, which says nothing of the service): record it, back
 *		off the refresher, and wake the waiters.
 */
void
ConnStsSharedFailed(int slot, int64 id, int sqlerrcode, const char *message, const char *detail)
{
	StsSlot    *s = &shared->slots[slot];
	TimestampTz now = GetCurrentTimestamp();

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	/* the call of this backend, or (refresher) one that failed before it began */
	if (s->dbid == MyDatabaseId && s->id == id &&
		(s->fetcher == MyProcPid || (IsBackgroundWorker && s->fetcher == 0)))
	{
		if (sqlerrcode != 0 && ERRCODE_TO_CATEGORY(sqlerrcode) != ERRCODE_OPERATOR_INTERVENTION)
		{
			s->calls++;
			s->failures++;
			s->error_code = sqlerrcode;
			s->error_time = now;
			clip_copy(s->error, message ? message : "unknown error", sizeof(s->error));
			clip_copy(s->error_detail, detail ? detail : "", sizeof(s->error_detail));
			s->next_attempt = now + Min((TimestampTz) 5 << Min(s->failures - 1, 6),
										(TimestampTz) 300) * USECS_PER_SEC;
		}
	}
	if (s->fetcher == MyProcPid)
		s->fetcher = 0;
	LWLockRelease(shared->lock);
	ConditionVariableBroadcast(&shared->changed);
}

/*
 * ConnStsSharedClaim
 *		For the refresher: make the call for slot, which must still hold
 *		connection key->id; false if another call is going on, and when the
 *		connection changed since (the slot is then emptied).
 */
bool
ConnStsSharedClaim(int slot, const ConnStsKey *key)
{
	StsSlot    *s = &shared->slots[slot];
	TimestampTz now = GetCurrentTimestamp();
	bool		claimed = false;

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	if (s->dbid == key->dbid && s->id == key->id &&
		(s->fetcher == 0 || fetch_abandoned(s, now)))
	{
		if (keys_equal(&s->key, key))
		{
			claim(s, now);
			claimed = true;
		}
		else
			assign_slot(s, InvalidOid, 0);
	}
	LWLockRelease(shared->lock);
	return claimed;
}

/*
 * ConnStsSharedForget
 *		Empty slot if it still belongs to connection id of this database (the
 *		connection is gone, disabled or no longer assumes a role).
 */
void
ConnStsSharedForget(int slot, int64 id)
{
	StsSlot    *s = &shared->slots[slot];

	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	if (s->dbid == MyDatabaseId && s->id == id && s->fetcher == 0)
		assign_slot(s, InvalidOid, 0);
	LWLockRelease(shared->lock);
}

/*
 * ConnStsSharedForgetConnection
 *		Connection id of this database changed or went (alter, disable,
 *		rename, rotate_key(), drop): zero the credentials made from it, or
 *		with it as the source, now; a call going on for them stores nothing.
 *		id 0: every connection of this database (a write in plain SQL).
 */
void
ConnStsSharedForgetConnection(int64 id)
{
	if (!ConnStsSharedEnabled())
		return;
	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	for (int i = 0; i < shared->nslots; i++)
	{
		StsSlot    *s = &shared->slots[i];

		if (s->dbid != MyDatabaseId ||
			(id != 0 && s->id != id && s->key.source_id != id))
			continue;
		if (s->fetcher != 0)
		{
			wipe_creds(s);
			memset(&s->key, 0, sizeof(s->key));
			s->generation++;
		}
		else
			assign_slot(s, InvalidOid, 0);
	}
	LWLockRelease(shared->lock);
}

/*
 * ConnStsSharedRelease
 *		This backend no longer holds a copy of slot (of that generation).
 */
void
ConnStsSharedRelease(int slot, uint64 generation)
{
	StsSlot    *s;

	if (!ConnStsSharedEnabled() || held == NULL || slot < 0 || generation == 0)
		return;
	s = &shared->slots[slot];
	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	if (held[slot] == generation && s->generation == generation && s->nusers > 0)
		s->nusers--;
	if (held[slot] == generation)
		held[slot] = 0;
	LWLockRelease(shared->lock);
}

/*
 * ConnStsSharedTouch
 *		A backend used its copy of slot: the refresher renews what is used.
 *		No lock; a slot given to another connection meanwhile is only kept
 *		a little longer.
 */
void
ConnStsSharedTouch(int slot, uint64 generation)
{
	StsSlot    *s;

	if (!ConnStsSharedEnabled() || slot < 0)
		return;
	s = &shared->slots[slot];
	if (s->generation == generation)
		pg_atomic_write_u64(&s->last_used, (uint64) GetCurrentTimestamp());
}

/* ---------------------------------------------------------------------
 * The view
 * ---------------------------------------------------------------------
 */

/* A timestamp, or NULL when unset. */
static Datum
time_or_null(TimestampTz t, bool *isnull)
{
	*isnull = (t == 0);
	return TimestampTzGetDatum(t);
}

/*
 * connection.sts_cache_entries()
 *		The slots of this database: connection, role ARN, expiry, last
 *		refresh, whether a call is going on, calls to STS, backends holding
 *		a copy, and the last error (for roles that may use the connection).
 *		Never a key, a secret or a token.
 */
Datum
connection_sts_cache_entries(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	List	   *copies = NIL;
	ListCell   *lc;
	TimestampTz now = GetCurrentTimestamp();

	InitMaterializedSRF(fcinfo, 0);
	if (!ConnStsSharedEnabled())
		return (Datum) 0;

	/* copy what the view shows (no credentials), then look the names up */
	LWLockAcquire(shared->lock, LW_SHARED);
	for (int i = 0; i < shared->nslots; i++)
	{
		StsSlot    *s = &shared->slots[i];
		StsSlot    *c;

		if (s->dbid != MyDatabaseId)
			continue;
		c = palloc(offsetof(StsSlot, creds));
		memcpy(c, s, offsetof(StsSlot, creds));
		c->valid = s->valid && now < s->expiration;
		copies = lappend(copies, c);
	}
	LWLockRelease(shared->lock);

	foreach(lc, copies)
	{
		StsSlot    *c = lfirst(lc);
		ConnRow    *row = ConnCatalogFetchById(c->id, CurrentMemoryContext);
		Datum		values[10];
		bool		nulls[10] = {false};

		if (row == NULL)
			continue;
		values[0] = CStringGetTextDatum(row->name);
		values[1] = CStringGetTextDatum(c->role_arn);
		values[2] = time_or_null(c->valid ? c->expiration : 0, &nulls[2]);
		values[3] = time_or_null(c->fetched, &nulls[3]);
		values[4] = BoolGetDatum(c->fetcher != 0);
		values[5] = Int64GetDatum(c->calls);
		values[6] = Int32GetDatum(c->nusers);
		values[7] = Int32GetDatum(c->failures);
		/* what a provider said is for those who may use the connection */
		if (c->error_code != 0 && (superuser() || ConnHasUsage(row, GetUserId())))
		{
			values[8] = CStringGetTextDatum(c->error_detail[0] ?
											psprintf("%s (%s)", c->error, c->error_detail) :
											c->error);
			values[9] = TimestampTzGetDatum(c->error_time);
		}
		else
			nulls[8] = nulls[9] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
