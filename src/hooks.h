/*-------------------------------------------------------------------------
 *
 * hooks.h
 *	  Hooks into statement processing and the server log.
 *
 * IDENTIFICATION
 *	  src/hooks.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_HOOKS_H
#define CONNECTION_HOOKS_H

extern void ConnInstallHooks(void);
extern void ConnMarkSecretStatement(void);

#endif							/* CONNECTION_HOOKS_H */
