/*-------------------------------------------------------------------------
 *
 * redact.h
 *	  Redaction of statements that pass secrets, for the server log.
 *
 * IDENTIFICATION
 *	  src/redact.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_REDACT_H
#define CONNECTION_REDACT_H

extern bool ConnStatementPassesSecrets(const char *query, bool can_scan, char **redacted);
extern bool ConnMentionsSecretCall(const char *text);
extern char *ConnRedactQuoted(const char *text);
extern char *ConnRedactNear(char *message);
extern char *ConnRedactSqlStatements(char *context);
extern char *ConnReplaceStatement(char *text, const char *statement,
								  const char *redacted, bool quoted);

#endif							/* CONNECTION_REDACT_H */
