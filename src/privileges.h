/*-------------------------------------------------------------------------
 *
 * privileges.h
 *	  Ownership, USAGE privileges and role lifecycle of connections.
 *
 * IDENTIFICATION
 *	  src/privileges.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_PRIVILEGES_H
#define CONNECTION_PRIVILEGES_H

#include "nodes/pg_list.h"

#include "catalog.h"

extern void ConnCheckOwner(const ConnRow *row);
extern bool ConnHasUsage(const ConnRow *row, Oid roleid);
extern void ConnCheckUsage(const ConnRow *row);
extern Acl *ConnRowAcl(const ConnRow *row);
extern void ConnChangeOwner(ConnRow *row, Oid newowner);
extern char *ConnRoleName(Oid roleid);

extern void ConnCheckDropRole(Oid roleid, const char *rolename);
extern void ConnReassignOwned(List *roleids, Oid newowner);
extern void ConnDropOwned(List *roleids, bool cascade);

#endif							/* CONNECTION_PRIVILEGES_H */
