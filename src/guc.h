/*-------------------------------------------------------------------------
 *
 * guc.h
 *	  The extension's configuration parameters.
 *
 * IDENTIFICATION
 *	  src/guc.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_GUC_H
#define CONNECTION_GUC_H

/* connection.log_usage */
extern bool conn_log_usage;

extern void ConnDefineGucs(void);

#endif							/* CONNECTION_GUC_H */
