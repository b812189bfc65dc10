/*-------------------------------------------------------------------------
 *
 * redact.h
 *	  Recognition and redaction of SQL texts that pass secrets, and the
 *	  scrubbing of report texts, for the server log.  Nothing here reports
 *	  an error: it runs inside emit_log_hook.
 *
 * IDENTIFICATION
 *	  src/redact.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_REDACT_H
#define CONNECTION_REDACT_H

#include "nodes/pg_list.h"

typedef struct ConnFragments ConnFragments;

extern bool ConnSqlPassesSecrets(const char *sql, List **prepared);
extern char *ConnSqlRedact(const char *sql, List **values);
extern bool ConnMentionsSecretCall(const char *text);
extern ConnFragments *ConnFragmentsCreate(MemoryContext cxt, List *values);
extern char *ConnScrubFragments(char *text, const ConnFragments *frags);
extern char *ConnReplaceAll(char *text, const char *from, const char *to);
extern char *ConnMaskParameters(char *text);
extern char *ConnMaskTree(char *text);
extern char *ConnMaskFormat(const char *fmt);
extern char *ConnMaskArguments(const char *message, const char *fmt,
							   bool (*keep) (const char *arg, int len));

#endif							/* CONNECTION_REDACT_H */
