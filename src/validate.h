/*-------------------------------------------------------------------------
 *
 * validate.h
 *	  Proving that a connection works: validate(), and the same checks run
 *	  after a create or an alter with connection.validate_on_change.
 *
 * IDENTIFICATION
 *	  src/validate.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_VALIDATE_H
#define CONNECTION_VALIDATE_H

/* GUC connection.validate_on_change */
extern bool conn_validate_on_change;

extern void ConnValidateOnChange(const char *name);

#endif							/* CONNECTION_VALIDATE_H */
