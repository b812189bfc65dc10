/*-------------------------------------------------------------------------
 *
 * hooks.h
 *	  Hooks into PostgreSQL's utility processing.
 *
 * IDENTIFICATION
 *	  src/hooks.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_HOOKS_H
#define CONNECTION_HOOKS_H

extern void ConnInstallHooks(void);

#endif							/* CONNECTION_HOOKS_H */
