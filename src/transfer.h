/*-------------------------------------------------------------------------
 *
 * transfer.h
 *	  Import of objects into tables and export of query results to
 *	  objects, through PostgreSQL's COPY: the SQL functions and COPY with
 *	  a connection:// URI.
 *
 * IDENTIFICATION
 *	  src/transfer.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_TRANSFER_H
#define CONNECTION_TRANSFER_H

#include "nodes/parsenodes.h"
#include "parser/parse_node.h"

/* The scheme of the URIs COPY takes for objects. */
#define CONN_URI_PREFIX "connection://"

/* GUC connection.part_size, in kB */
extern int	conn_part_size;

extern bool ConnIsCopyUri(const CopyStmt *stmt);
extern uint64 ConnCopyUri(ParseState *pstate, const CopyStmt *stmt,
						  int stmt_location, int stmt_len);

#endif							/* CONNECTION_TRANSFER_H */
