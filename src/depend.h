/*-------------------------------------------------------------------------
 *
 * depend.h
 *	  What uses a connection: dependency records and their checks.
 *
 * IDENTIFICATION
 *	  src/depend.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_DEPEND_H
#define CONNECTION_DEPEND_H

#include "catalog.h"

extern void ConnDependBeforeDrop(const ConnRow *row, bool force);
extern void ConnDependSyncProperties(const ConnRow *row, const ConnProps *props);
extern void ConnDependBeforeRename(const ConnRow *row, const char *newname);
extern void ConnDependCheckRetype(const ConnRow *row, const ConnTypeDef *newtype);
extern void ConnDependResync(void);
extern void ConnDependList(int64 connid, List **kinds, List **objects, List **descriptions);

#endif							/* CONNECTION_DEPEND_H */
