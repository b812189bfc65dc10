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
extern ConnReservation *ConnDependCheckReservation(const char *name);
extern void ConnDependAdopt(const ConnReservation *res, int64 newid);
extern void ConnDependSyncProperties(const ConnRow *row, const ConnProps *props,
									 bool created);
extern void ConnDependBeforeRename(const ConnRow *row, const char *newname);
extern void ConnDependCheckRetype(const ConnRow *row, const ConnTypeDef *newtype);
extern void ConnDependResync(void);
/* One live dependent, described as pg_describe_object() does. */
typedef struct ConnDependent
{
	char	   *kind;
	char	   *object;
	char	   *description;	/* or NULL */
} ConnDependent;

extern List *ConnDependList(int64 connid);

#endif							/* CONNECTION_DEPEND_H */
