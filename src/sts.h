/*-------------------------------------------------------------------------
 *
 * sts.h
 *	  Temporary credentials of role-based connections, from the provider's
 *	  AssumeRole API (SPEC section 6).
 *
 * IDENTIFICATION
 *	  src/sts.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_STS_H
#define CONNECTION_STS_H

#include "catalog.h"

/* GUC connection.sts_source_connection */
extern char *conn_sts_source_connection;

extern Jsonb *ConnStsCredentials(const ConnRow *row, int min_valid_secs);
extern void ConnStsRefresh(int slot, int64 id);
extern TimestampTz ConnStsValidate(const ConnRow *row);

#endif							/* CONNECTION_STS_H */
