/*-------------------------------------------------------------------------
 *
 * sts.h
 *	  Temporary credentials of role-based connections, from the provider's
 *	  AssumeRole API (SPEC section 6); who a connection's keys belong to.
 *
 * IDENTIFICATION
 *	  src/sts.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_STS_H
#define CONNECTION_STS_H

#include "catalog.h"

/* Who a connection's keys belong to, as its cloud's STS says. */
typedef struct ConnStsIdentityResult
{
	char	   *account;
	char	   *arn;
	char	   *user_id;		/* NULL when not given */
} ConnStsIdentityResult;

/* GUC connection.sts_source_connection */
extern char *conn_sts_source_connection;

extern Jsonb *ConnStsCredentials(const ConnRow *row, int min_valid_secs);
extern void ConnStsRefresh(int slot, int64 id);
extern TimestampTz ConnStsValidate(const ConnRow *row, char **assumed);
extern void ConnStsIdentity(const ConnRow *row, ConnStsIdentityResult *who);

#endif							/* CONNECTION_STS_H */
