/*-------------------------------------------------------------------------
 *
 * stscache.h
 *	  Temporary credentials shared by every backend of the server (library
 *	  preloaded): a table in shared memory, one AssumeRole call at a time
 *	  per connection, and a background worker that renews them.
 *
 * IDENTIFICATION
 *	  src/stscache.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_STSCACHE_H
#define CONNECTION_STSCACHE_H

#include "datatype/timestamp.h"
#include "storage/itemptr.h"

/*
 * What temporary credentials were made from: the connection's row and its
 * source's row, where they were read and when they last changed.  Any
 * change (alter, rename, enable/disable, rotate_key(), another source)
 * gives another key, and the credentials made from the old one are not
 * handed out again.
 */
typedef struct ConnStsKey
{
	Oid			dbid;
	int64		id;
	ItemPointerData tid;
	TimestampTz modified;
	int64		source_id;
	ItemPointerData source_tid;
	TimestampTz source_modified;
} ConnStsKey;

/* Temporary credentials. */
typedef struct ConnTempCreds
{
	char	   *key_id;
	char	   *secret;
	char	   *token;
	TimestampTz expiration;
} ConnTempCreds;

/* GUC connection.sts_shared_entries */
extern int	conn_sts_shared_entries;

extern void ConnStsSharedInit(void);
extern bool ConnStsSharedEnabled(void);
extern TimestampTz ConnStsSharedMargin(TimestampTz fetched, TimestampTz expiration);
extern bool ConnStsSharedGet(const ConnStsKey *key, const char *role_arn,
							 TimestampTz needed, ConnTempCreds *creds,
							 TimestampTz *fetched, int *slot, uint64 *generation);
extern uint64 ConnStsSharedPut(int slot, const ConnStsKey *key, const ConnTempCreds *creds);
extern void ConnStsSharedFailed(int slot, int64 id, int sqlerrcode, const char *message,
								const char *detail);
extern void ConnStsSharedForgetConnection(int64 id);
extern bool ConnStsSharedClaim(int slot, const ConnStsKey *key);
extern void ConnStsSharedForget(int slot, int64 id);
extern void ConnStsSharedRelease(int slot, uint64 generation);
extern void ConnStsSharedTouch(int slot, uint64 generation);
extern bool ConnStsSharedDue(int *slot, int64 *id);

#endif							/* CONNECTION_STSCACHE_H */
