/*-------------------------------------------------------------------------
 *
 * wipe.c
 *	  Memory that is zeroed when its memory context is reset or deleted.
 *
 * Plaintext (decrypted properties, keys, temporary credentials, the
 * statements that pass them) is allocated here, or registered right after
 * a PostgreSQL function has allocated it.  A memory-context reset callback
 * zeroes each registered buffer before its context's memory is released,
 * so no exit path, errors included, can forget to wipe: a transaction
 * abort deletes the contexts of the aborted work, and a cache reset resets
 * its own.  (pgsodium guards its secrets the same way.)
 *
 * A registered buffer is never freed on its own: pfree() would hand its
 * memory back while the callback still points at it.  Code that is done
 * with a value early may zero it itself; the callback zeroes it again.
 *
 * IDENTIFICATION
 *	  src/wipe.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "connection.h"
#include "wipe.h"

typedef struct WipeCallback
{
	MemoryContextCallback cb;
	void	   *ptr;
	Size		len;
} WipeCallback;

static void
wipe_callback(void *arg)
{
	WipeCallback *w = (WipeCallback *) arg;

	explicit_bzero(w->ptr, w->len);
}

/*
 * ConnWipeOnReset
 *		Zero len bytes at ptr (memory of cxt) when cxt is reset or deleted.
 */
void
ConnWipeOnReset(MemoryContext cxt, void *ptr, Size len)
{
	WipeCallback *w;

	if (ptr == NULL || len == 0)
		return;
	w = MemoryContextAlloc(cxt, sizeof(WipeCallback));
	w->cb.func = wipe_callback;
	w->cb.arg = w;
	w->ptr = ptr;
	w->len = len;
	MemoryContextRegisterResetCallback(cxt, &w->cb);
}

/*
 * ConnAllocWiped
 *		len zeroed bytes of cxt, zeroed again when cxt goes.
 */
void *
ConnAllocWiped(MemoryContext cxt, Size len)
{
	void	   *ptr = MemoryContextAllocZero(cxt, len);

	ConnWipeOnReset(cxt, ptr, len);
	return ptr;
}

/*
 * ConnStrdupWiped
 *		A NUL-terminated copy of len bytes of s in cxt, wiped when cxt goes.
 */
char *
ConnStrdupWiped(MemoryContext cxt, const char *s, Size len)
{
	char	   *copy = ConnAllocWiped(cxt, len + 1);

	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

/*
 * ConnWipeVarlena
 *		Register a varlena (in cxt) for wiping; NULL is ignored.
 */
void
ConnWipeVarlena(MemoryContext cxt, void *varlena)
{
	if (varlena)
		ConnWipeOnReset(cxt, varlena, VARSIZE_ANY(varlena));
}
