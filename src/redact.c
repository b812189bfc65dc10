/*-------------------------------------------------------------------------
 *
 * redact.c
 *	  Keeping secrets out of the server log: which statements pass values
 *	  to the extension's secret-taking functions, and the redacted forms of
 *	  such statements and of the messages logged while they run.
 *
 * A statement passes secrets when PostgreSQL's own scanner finds in it a
 * call of connection.create(), connection.alter() or connection.execute()
 * (also unqualified, where the grammar allows), an EXECUTE of a prepared
 * statement that does, or a string constant whose text mentions one of
 * them (a DO block, a dynamic statement).  Its redacted form is the same
 * text with every string constant replaced by '***'; identifiers, keywords
 * and structure stay, so the log still says what was done.
 *
 * Everything here runs inside emit_log_hook, while an error is being
 * reported, so nothing may raise an error.  The core scanner only raises
 * errors for text that does not lex, so the caller passes can_scan = false
 * for reports of lexical errors (ConnStatementPassesSecrets then decides by
 * a plain substring test and gives no redacted text), and we switch off the
 * scanner's warnings and backslash-quote checks before using it.
 *
 * IDENTIFICATION
 *	  src/redact.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/prepare.h"
#include "common/keywords.h"
#include "lib/stringinfo.h"
#include "parser/gramparse.h"
#include "parser/parser.h"
#include "parser/scanner.h"
#include "utils/plancache.h"

#include "redact.h"

#define REDACTED "***"

/* the functions whose arguments may carry secrets */
static const char *const secret_functions[] = {"create", "alter", "execute", NULL};

/* Case-insensitive substring search. */
static const char *
find_ci(const char *haystack, const char *needle)
{
	size_t		n = strlen(needle);

	for (; *haystack; haystack++)
		if (pg_strncasecmp(haystack, needle, n) == 0)
			return haystack;
	return NULL;
}

static bool
is_secret_function(const char *name)
{
	for (int i = 0; secret_functions[i]; i++)
		if (strcmp(name, secret_functions[i]) == 0)
			return true;
	return false;
}

/*
 * ConnMentionsSecretCall
 *		Does a text mention connection.<secret-taking function>, in any case,
 *		quoted or not?
 */
bool
ConnMentionsSecretCall(const char *text)
{
	const char *p = text;

	while ((p = find_ci(p, "connection")) != NULL)
	{
		const char *q = p + strlen("connection");

		if (*q == '"')
			q++;
		if (*q == '.')
		{
			q++;
			if (*q == '"')
				q++;
			for (int i = 0; secret_functions[i]; i++)
				if (pg_strncasecmp(q, secret_functions[i], strlen(secret_functions[i])) == 0)
					return true;
		}
		p = q;
	}
	return false;
}

/*
 * Lower-case text of the current token: the scanner leaves a NUL after each
 * token's text in its buffer (pg_stat_statements relies on the same).
 */
static char *
token_text(core_yy_extra_type *yyextra, int loc, int tok, core_YYSTYPE *yylval)
{
	char	   *text;

	if (tok == IDENT)
		return pstrdup(yylval->str);	/* already folded */
	text = pstrdup(yyextra->scanbuf + loc);
	for (char *c = text; *c; c++)
		*c = pg_ascii_tolower((unsigned char) *c);
	return text;
}

/*
 * ConnStatementPassesSecrets
 *		Does query pass values to the extension's secret-taking functions?
 *		If so and *redacted is not NULL, set it to the redacted text (or to
 *		NULL when the text could not be scanned).
 */
bool
ConnStatementPassesSecrets(const char *query, bool can_scan, char **redacted)
{
	core_yy_extra_type yyextra;
	core_yyscan_t yyscanner;
	core_YYSTYPE yylval;
	YYLTYPE		yylloc;
	int			tok;
	int			ntok = 0;
	char	   *prev[3] = {NULL, NULL, NULL};	/* last tokens, newest first */
	List	   *consts = NIL;	/* start, length pairs of string constants */
	bool		secret = false;

	if (redacted)
		*redacted = NULL;
	if (!find_ci(query, "create") && !find_ci(query, "alter") && !find_ci(query, "execute"))
		return false;
	if (!can_scan)
		return ConnMentionsSecretCall(query) || find_ci(query, "execute") != NULL;

	yyscanner = scanner_init(query, &yyextra, &ScanKeywords, ScanKeywordTokens);
	yyextra.escape_string_warning = false;
	yyextra.backslash_quote = BACKSLASH_QUOTE_ON;

	while ((tok = core_yylex(&yylval, &yylloc, yyscanner)) != 0)
	{
		char	   *text = token_text(&yyextra, yylloc, tok, &yylval);

		if (tok == SCONST || tok == USCONST || tok == BCONST || tok == XCONST)
		{
			consts = lappend_int(consts, yylloc);
			consts = lappend_int(consts, strlen(yyextra.scanbuf + yylloc));
			if (ConnMentionsSecretCall(text))
				secret = true;
		}
		else if (tok == '(' && prev[0] && is_secret_function(prev[0]))
		{
			/* connection.f( always; a bare f( where the grammar allows it */
			if ((prev[1] && strcmp(prev[1], ".") == 0 && prev[2] &&
				 strcmp(prev[2], "connection") == 0) ||
				strcmp(prev[0], "create") != 0)
				secret = true;
		}
		else if (ntok == 1 && strcmp(prev[0], "execute") == 0 && tok == IDENT)
		{
			/* EXECUTE of a prepared statement that passes secrets */
			PreparedStatement *ps = FetchPreparedStatement(yylval.str, false);

			if (ps && ConnStatementPassesSecrets(ps->plansource->query_string, true, NULL))
				secret = true;
		}
		prev[2] = prev[1];
		prev[1] = prev[0];
		prev[0] = text;
		/* count tokens per statement, to spot a leading EXECUTE */
		ntok = (tok == ';') ? 0 : ntok + 1;
	}
	scanner_finish(yyscanner);

	if (secret && redacted)
	{
		StringInfoData buf;
		int			done = 0;
		ListCell   *lc;

		initStringInfo(&buf);
		for (lc = list_head(consts); lc; lc = lnext(consts, lnext(consts, lc)))
		{
			int			start = lfirst_int(lc);
			int			len = lfirst_int(lnext(consts, lc));

			appendBinaryStringInfo(&buf, query + done, start - done);
			appendStringInfoString(&buf, "'" REDACTED "'");
			done = start + len;
		}
		appendStringInfoString(&buf, query + done);
		*redacted = buf.data;
	}
	return secret;
}

/*
 * ConnRedactQuoted
 *		Copy of text with the contents of every single- or double-quoted
 *		segment replaced by ***; a quote doubled inside a segment is part of
 *		it, and an unterminated segment runs to the end.
 */
char *
ConnRedactQuoted(const char *text)
{
	StringInfoData buf;
	const char *p = text;

	initStringInfo(&buf);
	while (*p)
	{
		char		quote = *p;

		if (quote != '\'' && quote != '"')
		{
			appendStringInfoChar(&buf, *p++);
			continue;
		}
		p++;
		while (*p && !(*p == quote && p[1] != quote))
			p += (*p == quote) ? 2 : 1;
		appendStringInfo(&buf, "%c" REDACTED "%c", quote, quote);
		if (*p)
			p++;
	}
	return buf.data;
}

/*
 * ConnReplaceStatement
 *		Copy of text in which every occurrence of statement is replaced by
 *		redacted, and, with quoted, the quoted segments of everything else
 *		are redacted by ConnRedactQuoted.  Returns text itself when nothing
 *		changes.
 */
char *
ConnReplaceStatement(char *text, const char *statement, const char *redacted, bool quoted)
{
	StringInfoData buf;
	const char *p = text;
	const char *hit;
	size_t		slen = strlen(statement);
	bool		changed = false;

	if (text == NULL)
		return NULL;
	initStringInfo(&buf);
	while (p)
	{
		char	   *part;

		hit = slen > 0 ? strstr(p, statement) : NULL;
		part = hit ? pnstrdup(p, hit - p) : pstrdup(p);
		if (quoted)
		{
			char	   *r = ConnRedactQuoted(part);

			changed |= strcmp(r, part) != 0;
			part = r;
		}
		appendStringInfoString(&buf, part);
		if (hit)
		{
			appendStringInfoString(&buf, redacted);
			changed = true;
			p = hit + slen;
		}
		else
			p = NULL;
	}
	if (!changed)
	{
		pfree(buf.data);
		return text;
	}
	return buf.data;
}

/*
 * ConnRedactNear
 *		Syntax errors echo the rest of the statement: "... at or near "<text>"".
 *		Returns a copy with that text replaced by ***, or message itself.
 */
char *
ConnRedactNear(char *message)
{
	const char *marker = " at or near \"";
	char	   *at = message ? strstr(message, marker) : NULL;
	char	   *last;

	if (at == NULL)
		return message;
	at += strlen(marker);
	last = strrchr(at, '"');
	if (last == NULL)
		return psprintf("%.*s" REDACTED "\"", (int) (at - message), message);
	return psprintf("%.*s" REDACTED "%s", (int) (at - message), message, last);
}

/*
 * ConnRedactSqlStatements
 *		In an error context, every 'SQL statement "<statement>"' whose
 *		statement passes secrets shows its redacted form instead (the
 *		statement ran, so it lexes).  Returns a copy, or context itself.
 */
char *
ConnRedactSqlStatements(char *context)
{
	const char *marker = "SQL statement \"";
	StringInfoData buf;
	char	   *p = context;
	char	   *hit;
	bool		changed = false;

	if (context == NULL || strstr(context, marker) == NULL)
		return context;
	initStringInfo(&buf);
	while ((hit = strstr(p, marker)) != NULL)
	{
		char	   *start = hit + strlen(marker);
		char	   *end = strstr(start, "\"\n");
		char	   *inner;
		char	   *redacted;

		if (end == NULL)
			end = strrchr(start, '"');
		if (end == NULL)
			break;
		inner = pnstrdup(start, end - start);
		appendBinaryStringInfo(&buf, p, start - p);
		if (ConnStatementPassesSecrets(inner, true, &redacted))
		{
			appendStringInfoString(&buf, redacted);
			changed = true;
		}
		else
			appendStringInfoString(&buf, inner);
		p = end;
	}
	appendStringInfoString(&buf, p);
	return changed ? buf.data : context;
}
