/*-------------------------------------------------------------------------
 *
 * hms.h
 *	  One call of a Hive metastore, get_all_databases(), over Thrift's
 *	  binary protocol (validate()).
 *
 * IDENTIFICATION
 *	  src/hms.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_HMS_H
#define CONNECTION_HMS_H

#include "nodes/pg_list.h"

extern bool ConnHmsDatabases(List *authorities, int timeout_ms, char **detail);

#endif							/* CONNECTION_HMS_H */
