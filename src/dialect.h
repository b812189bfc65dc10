/*-------------------------------------------------------------------------
 *
 * dialect.h
 *	  Parser of the original CONNECTION dialect, for connection.execute().
 *
 * Plain C with no PostgreSQL dependency (malloc and free only), so that it
 * is unit-tested and fuzzed on its own (test/dialect, test/fuzz).
 *
 * IDENTIFICATION
 *	  src/dialect.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_DIALECT_H
#define CONNECTION_DIALECT_H

#include <stdbool.h>
#include <stddef.h>

typedef enum DialectKind
{
	DIALECT_CREATE,
	DIALECT_DROP,
	DIALECT_SHOW,
	DIALECT_DESC
} DialectKind;

typedef struct DialectProp
{
	char	   *key;			/* as written (unquoted), any case */
	int			location;		/* byte offset of the key */
	bool		is_list;		/* value was [ ... ] */
	int			nitems;			/* is_list: number of items */
	char	  **items;			/* is_list: the items */
	char	   *value;			/* !is_list: the value */
	bool		client;			/* given in WITH PROPERTIES (...) */
} DialectProp;

typedef struct DialectStmt
{
	DialectKind kind;
	int			location;		/* byte offset of the statement */
	bool		or_replace;
	bool		if_not_exists;
	bool		if_exists;
	bool		extended;		/* DESC CONNECTION EXTENDED */
	char	   *category;		/* upper case; NULL for an untyped DROP */
	char	   *name;			/* as written (unquoted) */
	char	   *type;			/* as written */
	char	   *comment;		/* NULL if none */
	int			nprops;
	DialectProp *props;
} DialectStmt;

typedef struct DialectError
{
	int			location;		/* byte offset the error points at */
	char		message[256];	/* never quotes a string constant */
} DialectError;

/*
 * Parse input (NUL-terminated) into *stmts (count in *nstmts).  Returns true
 * on success; on failure fills *err and leaves nothing allocated.  Free the
 * statements with dialect_free().
 */
extern bool dialect_parse(const char *input, DialectStmt **stmts, int *nstmts,
						  DialectError *err);
extern void dialect_free(DialectStmt *stmts, int nstmts);

#endif							/* CONNECTION_DIALECT_H */
