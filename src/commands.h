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
#include "utils/jsonb.h"

#include "catalog.h"

extern char *ConnArgText(FunctionCallInfo fcinfo, int argno, const char *argname);
extern struct varlena *ConnArgSecret(FunctionCallInfo fcinfo, int argno);
extern char *ConnArgName(FunctionCallInfo fcinfo, int argno);
extern ConnRow *ConnFetchExisting(const char *name);
extern ConnRow *ConnFetchOwned(const char *name, const char *newname);
extern void ConnCreate(const char *name, const char *category, const char *typname,
					   Jsonb *json, const char *comment, bool if_not_exists,
					   bool or_replace);
extern void ConnDrop(const char *name, bool if_exists, bool force, const char *category);
extern void ConnRowProps(const ConnRow *row, ConnProps *props, bool decrypt);
extern ConnCloud ConnRowCloud(const ConnRow *row);
extern bool ConnCanSignFor(const ConnRow *row, ConnCloud cloud);

#endif							/* CONNECTION_COMMANDS_H */
