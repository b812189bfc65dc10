/*-------------------------------------------------------------------------
 *
 * privileges.h
 *	  Who may manage and who may use a connection.
 *
 * IDENTIFICATION
 *	  src/privileges.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_PRIVILEGES_H
#define CONNECTION_PRIVILEGES_H

#include "catalog.h"

extern void ConnCheckOwner(const ConnRow *row);
extern void ConnCheckUsage(const ConnRow *row);
extern char *ConnRoleName(Oid roleid);

#endif							/* CONNECTION_PRIVILEGES_H */
