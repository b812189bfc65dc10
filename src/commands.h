/*-------------------------------------------------------------------------
 *
 * commands.h
 *	  Helpers the SQL entry points share: argument checks and the
 *	  properties of a catalog row.
 *
 * IDENTIFICATION
 *	  src/commands.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_COMMANDS_H
#define CONNECTION_COMMANDS_H

#include "fmgr.h"

#include "catalog.h"

extern char *ConnArgText(FunctionCallInfo fcinfo, int argno, const char *argname);
extern char *ConnArgName(FunctionCallInfo fcinfo, int argno);
extern ConnRow *ConnFetchOwned(const char *name, const char *newname);
extern void ConnRowProps(const ConnRow *row, ConnProps *props, bool decrypt);

#endif							/* CONNECTION_COMMANDS_H */
