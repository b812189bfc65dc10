/*-------------------------------------------------------------------------
 *
 * wipe.h
 *	  Memory that is zeroed when its memory context is reset or deleted.
 *
 * IDENTIFICATION
 *	  src/wipe.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_WIPE_H
#define CONNECTION_WIPE_H

#include "utils/memutils.h"

/*
 * Buffers registered here are zeroed when their context is reset or
 * deleted, on every path, errors included.  They must never be pfree'd or
 * repalloc'd on their own: they live until their context goes.
 */
extern void ConnWipeOnReset(MemoryContext cxt, void *ptr, Size len);
extern void *ConnAllocWiped(MemoryContext cxt, Size len);
extern char *ConnStrdupWiped(MemoryContext cxt, const char *s, Size len);
extern void ConnWipeVarlena(MemoryContext cxt, void *varlena);

#endif							/* CONNECTION_WIPE_H */
