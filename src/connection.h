/*-------------------------------------------------------------------------
 *
 * connection.h
 *	  Definitions every source file of the extension shares: its message
 *	  domain, and running a piece of work whose error is a result.
 *
 * Every .c file includes this header after all of PostgreSQL's, so that
 * the extension's reports carry their own message domain.  The log hook
 * (hooks.c) tells them apart from PostgreSQL's by that domain, whatever
 * lc_messages says: the extension's messages never contain a value.
 *
 * IDENTIFICATION
 *	  src/connection.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_CONNECTION_H
#define CONNECTION_CONNECTION_H

#include "utils/elog.h"

#undef TEXTDOMAIN
#define TEXTDOMAIN PG_TEXTDOMAIN("connection")

extern ErrorData *ConnTrySubtransaction(void (*fn) (void *arg), void *arg);

#endif							/* CONNECTION_CONNECTION_H */
