/*-------------------------------------------------------------------------
 *
 * credentials.h
 *	  The checks and the decryption that every hand-out of credentials
 *	  shares (credentials(), property(), presign()).
 *
 * IDENTIFICATION
 *	  src/credentials.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_CREDENTIALS_H
#define CONNECTION_CREDENTIALS_H

#include "catalog.h"

extern const ConnRow *ConnUsableRow(const char *name, const char *function);
extern void ConnLogUsage(const char *name, const char *function);
extern Jsonb *ConnDecryptedProps(const ConnRow *row);
extern bool ConnRowRoleMode(const ConnRow *row);

#endif							/* CONNECTION_CREDENTIALS_H */
