/*-------------------------------------------------------------------------
 *
 * redact.c
 *	  Keeping secrets out of the server log: which SQL texts pass values to
 *	  the extension's secret-taking functions, their redacted forms, and
 *	  the scrubbing of the texts of reports made about them.
 *
 * Everything here runs inside emit_log_hook, while a report is being
 * emitted, so nothing here reports anything or looks anything up in the
 * catalogs.  That is why the SQL text is read by a small lexer of our own
 * rather than PostgreSQL's scanner, which reports lexical errors and
 * NOTICEs (an identifier over 63 bytes is truncated "with a NOTICE", and a
 * report from inside the log hook re-enters it).  The lexer knows every
 * construct of PostgreSQL's lexical syntax that can hold a value: string
 * constants in all their forms ('...', E'...', N'...', B'...', X'...',
 * U&'...', $tag$...$tag$), quoted and Unicode-escaped identifiers, numbers,
 * parameters and comments.  Unterminated constructs run to the end of the
 * text.  Backslashes in plain '...' strings are read both ways
 * (standard_conforming_strings on and off): a byte is inside a constant if
 * either reading says so, so a SET of that parameter in the same text
 * cannot shift what is masked.
 *
 * A text passes secrets when it calls create(), alter() or execute() --
 * qualified or not, quoted, Unicode-escaped, in any case -- or EXECUTEs a
 * prepared statement that does, or holds a string constant whose text does
 * (a DO block, a dynamic statement).  Its redacted form keeps keywords,
 * names and structure, replaces every string constant by '***', and
 * inside the argument list of such a call masks every value, quoted or not
 * (names of named arguments, function names and type names stay).
 *
 * Fragments are the pieces of the values a statement carries: the content
 * of each string constant -- except those of the arguments of a
 * secret-taking call that carry no secret (names, types, roles, comments),
 * which reports may go on showing -- and recursively the quoted pieces and
 * words in it (JSON strings, dialect values); the values written without
 * quotes in a secret argument (as written and folded); and, for a constant
 * that is itself SQL passing secrets (a DO block), the fragments of that
 * SQL.  Reports can quote a piece of a value
 * in any language ("Token "x" is invalid", « x »): the log hook replaces
 * every occurrence of a fragment, whatever surrounds it.  Names of
 * properties, types and categories and the dialect's keywords are not
 * fragments, so messages stay readable.
 *
 * IDENTIFICATION
 *	  src/redact.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/prepare.h"
#include "common/hashfn.h"
#include "lib/stringinfo.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/plancache.h"

#include "connection.h"
#include "redact.h"
#include "registry.h"
#include "wipe.h"

#define MASK "***"

/* Fragments shorter than this are left alone (they give nothing away). */
#define MIN_FRAGMENT 4

/* How deep string constants and prepared statements are looked into. */
#define MAX_DEPTH 4

/* the functions whose arguments may carry secrets */
static const char *const secret_functions[] = {"create", "alter", "execute", NULL};

/* Words of the dialect and of SQL that never carry a secret. */
static const char *const stopwords[] = {
	"create", "alter", "execute", "drop", "replace", "connection", "connections",
	"storage", "catalog", "type", "comment", "comments", "with", "properties",
	"exists", "null", "true", "false", "select", "from", "jsonb", "text", "show",
	"desc", "describe", "extended", "perform", "begin", "end", "cloud_function",
	NULL
};

/* ---------------------------------------------------------------------
 * The lexer
 * ---------------------------------------------------------------------
 */

typedef enum TokKind
{
	TK_EOF,
	TK_IDENT,					/* identifier, quoted or not */
	TK_STRING,					/* string constant of any form */
	TK_PARAM,					/* $n */
	TK_NUMBER,
	TK_OP						/* any other single character */
} TokKind;

typedef struct Token
{
	TokKind		kind;
	int			start;			/* first byte */
	int			end;			/* one past the last byte */
	int			cstart;			/* TK_STRING: first byte of the content */
	int			cend;			/* TK_STRING: one past the last one */
	char		quote;			/* TK_STRING: '\'' or '$'; how to decode */
	bool		backslash;		/* TK_STRING: backslash escapes */
	char		uescape;		/* TK_STRING of U&'': its escape character */
	bool		uncertain;		/* TK_IDENT: its name may not be what
								 * PostgreSQL makes of it (Unicode escapes,
								 * non-ASCII bytes, truncation) */
	char		name[NAMEDATALEN];	/* TK_IDENT: folded/decoded, cut;
									 * TK_OP: the character */
} Token;

/*
 * How much lexing one top-level question may cost (tokens, across the
 * prepared statements and string constants it looks into).  Past it the
 * answer is the safe one: the text passes secrets and is hidden whole.
 * (The log hook cannot be interrupted: its work must be bounded.)
 */
#define TOKEN_BUDGET 2000000

typedef struct Lexer
{
	const char *s;
	int			len;
	int			pos;
	bool		backslash;		/* plain '...' strings take backslash escapes */
	int		   *budget;			/* tokens left; shared by nested lexers */
	bool		lookahead;		/* reading a UESCAPE clause: no clause of its own */
	int			charged;		/* bytes before this have cost budget */
} Lexer;

/* How many bytes of text cost as much budget as one token. */
#define BYTES_PER_TOKEN 64

static bool
ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool
ident_cont(unsigned char c)
{
	return ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

static bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/*
 * Question the body of a quoted construct whose opening quote is just before
 * lx->pos.  Sets the content end and moves past the closing quote (or to
 * the end of the text).
 */
static void
scan_quoted(Lexer *lx, char quote, bool backslash, int *cend)
{
	while (lx->pos < lx->len)
	{
		char		c = lx->s[lx->pos];

		if (backslash && c == '\\' && lx->pos + 1 < lx->len)
			lx->pos += 2;
		else if (c == quote && lx->pos + 1 < lx->len && lx->s[lx->pos + 1] == quote)
			lx->pos += 2;
		else if (c == quote)
		{
			*cend = lx->pos++;
			return;
		}
		else
			lx->pos++;
	}
	*cend = lx->len;
}

/*
 * Copy an identifier into t->name: folded to lower case (ASCII) when not
 * quoted; quoted ones undoubled and, for U&"...", with their escapes
 * decoded (characters outside ASCII become '?': only ASCII names matter).
 */
static void
set_name(Token *t, const char *s, int len, bool quoted, char escape)
{
	int			n = 0;

	for (int i = 0; i < len && n < NAMEDATALEN - 1; i++)
	{
		char		c = s[i];

		if (quoted && c == '"' && i + 1 < len && s[i + 1] == '"')
			i++;
		else if (escape && c == escape)
		{
			int			ndigits = 4;
			long		code = 0;
			bool		ok = true;

			if (i + 1 < len && s[i + 1] == escape)
			{
				i++;
				t->name[n++] = c;
				continue;
			}
			if (i + 1 < len && s[i + 1] == '+')
			{
				ndigits = 6;
				i++;
			}
			for (int d = 0; d < ndigits; d++)
			{
				char		digit[2] = {i + 1 < len ? s[i + 1] : '\0', '\0'};

				if (!isxdigit((unsigned char) digit[0]))
				{
					ok = false;
					break;
				}
				code = code * 16 + strtol(digit, NULL, 16);
				i++;
			}
			c = (ok && code > 0 && code < 128) ? (char) code : '?';
		}
		else if (!quoted)
			c = pg_ascii_tolower((unsigned char) c);
		t->name[n++] = c;
	}
	t->name[n] = '\0';
}

static void next_token(Lexer *lx, Token *t);
static char *decode_string(const char *s, const Token *t);

/*
 * The UESCAPE clause after a Unicode-escaped token, if any (comments may
 * come between, and the escape may be written E'...', as PostgreSQL's
 * grammar allows): consumed, and its character returned; else '\\'.  Sets
 * *odd when the clause is there but not as expected.
 */
static char
uescape(Lexer *lx, bool *odd)
{
	Lexer		ahead = *lx;
	Token		kw;
	Token		str;
	char	   *esc;

	*odd = false;
	/* the clause's own tokens have none: U&'' U&'' ... never recurses */
	if (lx->lookahead)
		return '\\';
	ahead.lookahead = true;
	next_token(&ahead, &kw);
	if (kw.kind != TK_IDENT || kw.uncertain || strcmp(kw.name, "uescape") != 0)
		return '\\';
	next_token(&ahead, &str);
	ahead.lookahead = false;
	*lx = ahead;
	if (str.kind != TK_STRING)
	{
		*odd = true;
		return '\\';
	}
	esc = decode_string(lx->s, &str);
	if (strlen(esc) != 1)
		*odd = true;
	return esc[0] ? esc[0] : '\\';
}

/* A $tag$ starting at p: its length (2 for $$), or 0 if there is none. */
static int
dollar_tag(const Lexer *lx, int p)
{
	int			q = p + 1;

	if (q < lx->len && lx->s[q] == '$')
		return 2;
	if (q >= lx->len || !ident_start(lx->s[q]))
		return 0;
	while (q < lx->len && ident_cont(lx->s[q]) && lx->s[q] != '$')
		q++;
	return (q < lx->len && lx->s[q] == '$') ? q - p + 1 : 0;
}

static void
next_token(Lexer *lx, Token *t)
{
	const char *s = lx->s;

	memset(t, 0, offsetof(Token, name) + 1);
	/*
	 * Bytes cost budget too (a token every BYTES_PER_TOKEN): the previous
	 * token's and the blanks and comments before this one, so that long
	 * comments and constants bound the work as many tokens do.
	 */
	*lx->budget -= (lx->pos - lx->charged) / BYTES_PER_TOKEN;
	lx->charged = lx->pos - (lx->pos - lx->charged) % BYTES_PER_TOKEN;
	for (;;)
	{
		while (lx->pos < lx->len && is_space(s[lx->pos]))
			lx->pos++;
		if (lx->pos + 1 < lx->len && s[lx->pos] == '-' && s[lx->pos + 1] == '-')
		{
			/* as in PostgreSQL's scanner: to the end of the line, \n or \r */
			while (lx->pos < lx->len && s[lx->pos] != '\n' && s[lx->pos] != '\r')
				lx->pos++;
			continue;
		}
		if (lx->pos + 1 < lx->len && s[lx->pos] == '/' && s[lx->pos + 1] == '*')
		{
			int			depth = 1;

			lx->pos += 2;
			while (lx->pos < lx->len && depth > 0)
			{
				if (lx->pos + 1 < lx->len && s[lx->pos] == '/' && s[lx->pos + 1] == '*')
				{
					depth++;
					lx->pos += 2;
				}
				else if (lx->pos + 1 < lx->len && s[lx->pos] == '*' && s[lx->pos + 1] == '/')
				{
					depth--;
					lx->pos += 2;
				}
				else
					lx->pos++;
			}
			continue;
		}
		break;
	}

	t->start = lx->pos;
	if (lx->pos >= lx->len || --(*lx->budget) < 0)
	{
		t->kind = TK_EOF;
		t->end = lx->pos;
		return;
	}

	if (s[lx->pos] == '\'')
	{
		t->kind = TK_STRING;
		t->quote = '\'';
		t->backslash = lx->backslash;
		t->cstart = ++lx->pos;
		scan_quoted(lx, '\'', lx->backslash, &t->cend);
	}
	else if (s[lx->pos] == '"')
	{
		t->kind = TK_IDENT;
		lx->pos++;
		scan_quoted(lx, '"', false, &t->cend);
		set_name(t, s + t->start + 1, t->cend - t->start - 1, true, 0);
		if (t->cend - t->start - 1 >= NAMEDATALEN - 1)
			t->uncertain = true;
	}
	else if (s[lx->pos] == '$' && lx->pos + 1 < lx->len &&
			 s[lx->pos + 1] >= '0' && s[lx->pos + 1] <= '9')
	{
		t->kind = TK_PARAM;
		lx->pos++;
		while (lx->pos < lx->len && s[lx->pos] >= '0' && s[lx->pos] <= '9')
			lx->pos++;
	}
	else if (s[lx->pos] == '$' && dollar_tag(lx, lx->pos) > 0)
	{
		int			taglen = dollar_tag(lx, lx->pos);
		const char *tag = s + lx->pos;
		int			p;

		t->kind = TK_STRING;
		t->quote = '$';
		t->cstart = lx->pos + taglen;
		t->cend = lx->len;
		lx->pos = lx->len;
		for (p = t->cstart; p + taglen <= lx->len; p++)
			if (s[p] == '$' && memcmp(s + p, tag, taglen) == 0)
			{
				t->cend = p;
				lx->pos = p + taglen;
				break;
			}
	}
	else if (ident_start(s[lx->pos]))
	{
		int			p = lx->pos;

		while (p < lx->len && ident_cont(s[p]))
			p++;
		if (p - lx->pos == 1 && p < lx->len && s[p] == '\'' && strchr("eEnNbBxX", s[lx->pos]))
		{
			/* E'...', N'...', B'...', X'...' */
			t->kind = TK_STRING;
			t->quote = '\'';
			t->backslash = (s[lx->pos] == 'e' || s[lx->pos] == 'E') ||
				((s[lx->pos] == 'n' || s[lx->pos] == 'N') && lx->backslash);
			t->cstart = lx->pos = p + 1;
			scan_quoted(lx, '\'', t->backslash, &t->cend);
		}
		else if (p - lx->pos == 1 && (s[lx->pos] == 'u' || s[lx->pos] == 'U') &&
				 p + 1 < lx->len && s[p] == '&' && (s[p + 1] == '\'' || s[p + 1] == '"'))
		{
			/* U&'...' and U&"..." */
			bool		ident = s[p + 1] == '"';

			bool		odd;

			t->cstart = lx->pos = p + 2;
			scan_quoted(lx, ident ? '"' : '\'', false, &t->cend);
			if (ident)
			{
				char		esc = uescape(lx, &odd);

				t->kind = TK_IDENT;
				set_name(t, s + t->cstart, t->cend - t->cstart, true, esc);
				/* what it decodes to is a guess: never trust it to be harmless */
				t->uncertain = true;
			}
			else
			{
				t->kind = TK_STRING;
				t->quote = '\'';
				t->uescape = uescape(lx, &odd);
			}
		}
		else
		{
			t->kind = TK_IDENT;
			set_name(t, s + lx->pos, p - lx->pos, false, 0);
			/* PostgreSQL may fold or cut such a name otherwise */
			for (int i = lx->pos; i < p; i++)
				if ((unsigned char) s[i] >= 0x80)
					t->uncertain = true;
			if (p - lx->pos >= NAMEDATALEN - 1)
				t->uncertain = true;
			lx->pos = p;
		}
	}
	else if ((s[lx->pos] >= '0' && s[lx->pos] <= '9') ||
			 (s[lx->pos] == '.' && lx->pos + 1 < lx->len &&
			  s[lx->pos + 1] >= '0' && s[lx->pos + 1] <= '9'))
	{
		t->kind = TK_NUMBER;
		while (lx->pos < lx->len &&
			   (isalnum((unsigned char) s[lx->pos]) || s[lx->pos] == '.' || s[lx->pos] == '_'))
			lx->pos++;
	}
	else
	{
		t->kind = TK_OP;
		t->name[0] = s[lx->pos++];
		t->name[1] = '\0';
	}
	t->end = lx->pos;
}

/* ---------------------------------------------------------------------
 * Analysis of a text
 * ---------------------------------------------------------------------
 */

/* What one question about a text shares across its nested readings. */
typedef struct Question
{
	int			budget;			/* tokens left (TOKEN_BUDGET at the start) */
	List	   *memo;			/* Memo: prepared statements already judged */
} Question;

typedef struct Memo
{
	char		name[NAMEDATALEN];
	bool		done;			/* false while it is being judged */
	bool		secret;
	const char *text;
} Memo;

/* What one reading of a text found. */
typedef struct Analysis
{
	bool		secret;			/* passes secrets */
	bool	   *mask;			/* bytes to mask, or NULL */
	List	   *prepared;		/* query strings of prepared statements run */
	List	   *constants;		/* values it carries (see analyze()) */
} Analysis;

static bool text_passes(Question *q, const char *text, int depth, List **prepared);

/* Lower-case-insensitive substring search. */
static const char *
find_ci(const char *haystack, const char *needle)
{
	size_t		n = strlen(needle);

	for (; *haystack; haystack++)
		if (pg_strncasecmp(haystack, needle, n) == 0)
			return haystack;
	return NULL;
}

/* Could a text pass secrets at all?  (A cheap test before lexing.) */
static bool
may_pass(const char *text)
{
	for (int i = 0; secret_functions[i]; i++)
		if (find_ci(text, secret_functions[i]))
			return true;
	/* a Unicode-escaped identifier can spell any name */
	return find_ci(text, "u&") != NULL;
}

static bool
is_secret_function(const char *name)
{
	for (int i = 0; secret_functions[i]; i++)
		if (strcmp(name, secret_functions[i]) == 0)
			return true;
	return false;
}

/* Append a code point as UTF-8 (what the values are in a UTF-8 database). */
static void
append_utf8(StringInfo buf, long code)
{
	if (code <= 0 || code > 0x10FFFF)
		return;
	if (code < 0x80)
		appendStringInfoChar(buf, (char) code);
	else if (code < 0x800)
	{
		appendStringInfoChar(buf, (char) (0xC0 | (code >> 6)));
		appendStringInfoChar(buf, (char) (0x80 | (code & 0x3F)));
	}
	else if (code < 0x10000)
	{
		appendStringInfoChar(buf, (char) (0xE0 | (code >> 12)));
		appendStringInfoChar(buf, (char) (0x80 | ((code >> 6) & 0x3F)));
		appendStringInfoChar(buf, (char) (0x80 | (code & 0x3F)));
	}
	else
	{
		appendStringInfoChar(buf, (char) (0xF0 | (code >> 18)));
		appendStringInfoChar(buf, (char) (0x80 | ((code >> 12) & 0x3F)));
		appendStringInfoChar(buf, (char) (0x80 | ((code >> 6) & 0x3F)));
		appendStringInfoChar(buf, (char) (0x80 | (code & 0x3F)));
	}
}

/* Up to max hex (base 16) or octal (base 8) digits at s[*p..end): their value. */
static long
read_digits(const char *s, int *p, int end, int max, int base)
{
	long		v = 0;
	int			n = 0;

	while (n < max && *p < end &&
		   (base == 16 ? isxdigit((unsigned char) s[*p]) : (s[*p] >= '0' && s[*p] <= '7')))
	{
		char		digit[2] = {s[*p], '\0'};

		v = v * base + strtol(digit, NULL, base);
		(*p)++;
		n++;
	}
	return n > 0 ? v : -1;
}

/* What a one-letter backslash escape stands for (\b \f \n \r \t), or 0. */
static char
simple_escape(char e)
{
	switch (e)
	{
		case 'b':
			return '\b';
		case 'f':
			return '\f';
		case 'n':
			return '\n';
		case 'r':
			return '\r';
		case 't':
			return '\t';
	}
	return 0;
}

/*
 * Start buf as room for a decoded copy of len bytes of text, wiped when the
 * current memory context goes: decoding never lengthens a text (a quote
 * pair gives one quote, an escape no more bytes than it is written with),
 * so the buffer is never moved and no unwiped copy is left behind.
 */
static void
init_decoded(StringInfo buf, int len)
{
	buf->maxlen = len + 8;
	buf->data = ConnAllocWiped(CurrentMemoryContext, buf->maxlen);
	buf->len = 0;
	buf->cursor = 0;
}

/*
 * The content of a string constant as PostgreSQL reads it: quotes
 * undoubled, backslash escapes of E'' strings (\n, \x41, \101, \u0041...)
 * and Unicode escapes of U&'' strings decoded.
 */
static char *
decode_string(const char *s, const Token *t)
{
	StringInfoData buf;
	int			p = t->cstart;

	init_decoded(&buf, t->cend - t->cstart);
	while (p < t->cend)
	{
		char		c = s[p];

		if (t->quote == '\'' && c == '\'' && p + 1 < t->cend && s[p + 1] == '\'')
		{
			appendStringInfoChar(&buf, '\'');
			p += 2;
		}
		else if (t->backslash && c == '\\' && p + 1 < t->cend)
		{
			char		e = s[++p];
			long		v;

			p++;
			if (simple_escape(e))
			{
				appendStringInfoChar(&buf, simple_escape(e));
				continue;
			}
			switch (e)
			{
				case 'x':
					if ((v = read_digits(s, &p, t->cend, 2, 16)) >= 0)
						appendStringInfoChar(&buf, (char) v);
					else
						appendStringInfoChar(&buf, 'x');
					break;
				case 'u':
				case 'U':
					if ((v = read_digits(s, &p, t->cend, e == 'u' ? 4 : 8, 16)) >= 0)
						append_utf8(&buf, v);
					break;
				default:
					if (e >= '0' && e <= '7')
					{
						p--;
						appendStringInfoChar(&buf, (char) read_digits(s, &p, t->cend, 3, 8));
					}
					else
						appendStringInfoChar(&buf, e);
					break;
			}
		}
		else if (t->uescape && c == t->uescape && p + 1 < t->cend)
		{
			long		v;

			p++;
			if (s[p] == t->uescape)
			{
				appendStringInfoChar(&buf, c);
				p++;
			}
			else if (s[p] == '+' && (p++, (v = read_digits(s, &p, t->cend, 6, 16)) >= 0))
				append_utf8(&buf, v);
			else if ((v = read_digits(s, &p, t->cend, 4, 16)) >= 0)
				append_utf8(&buf, v);
		}
		else
		{
			appendStringInfoChar(&buf, c);
			p++;
		}
	}
	return buf.data;
}

static bool
tok_is(const Token *t, char c)
{
	return t->kind == TK_OP && t->name[0] == c;
}

/*
 * Which argument of a secret-taking call carries the secrets: its position
 * and its name (create()'s properties, alter()'s set_properties,
 * execute()'s statement).  Other arguments (names, types, roles,
 * comments) are values of the statement but not the secrets, and reports
 * may show them.
 */
static bool
secret_argument(const char *function, int position, const char *named)
{
	static const struct
	{
		const char *function;
		int			position;
		const char *name;
	}			args[] = {
		{"create", 3, "properties"}, {"alter", 1, "set_properties"}, {"execute", 0, "statement"}
	};

	for (int i = 0; i < lengthof(args); i++)
		if (strcmp(function, args[i].function) == 0)
			return named[0] ? strcmp(named, args[i].name) == 0 : position == args[i].position;
	return true;
}

/*
 * Does EXECUTE of the prepared statement named by t pass secrets?  Each
 * prepared statement is judged once per question (its text may EXECUTE
 * itself, or others, many times over).  A name this lexer may not read as
 * PostgreSQL does, or that names no prepared statement, is taken to pass
 * secrets: better a statement redacted for nothing than one shown.
 */
static bool
prepared_passes(Question *q, const Token *t, int depth, List **prepared)
{
	PreparedStatement *ps;
	ListCell   *lc;
	Memo	   *memo;

	if (t->uncertain)
		return true;
	foreach(lc, q->memo)
	{
		memo = lfirst(lc);
		if (strcmp(memo->name, t->name) == 0)
			return memo->done && memo->secret;	/* a cycle adds nothing */
	}
	ps = FetchPreparedStatement(t->name, false);
	if (ps == NULL)
		return true;
	memo = palloc0(sizeof(Memo));
	strlcpy(memo->name, t->name, sizeof(memo->name));
	q->memo = lappend(q->memo, memo);
	memo->secret = text_passes(q, ps->plansource->query_string, depth + 1, prepared);
	memo->done = true;
	if (memo->secret)
		*prepared = lappend(*prepared, (char *) ps->plansource->query_string);
	return memo->secret;
}

static void collect_values(Question *q, const char *text, int depth, List **values);

/*
 * Read the text once, with or without backslash escapes in plain strings,
 * and fill in *a (mask only if a->mask is not NULL).  The values it
 * collects are the string constants outside secret-taking calls and in
 * their secret arguments (or, for a constant that is itself SQL passing
 * secrets, the values of that SQL), and the unquoted values of secret
 * arguments, as written and folded.  A name that may be a secret-taking
 * function's in another spelling (Unicode escapes) counts as one.
 */
static void
analyze(Question *q, const char *text, int len, bool backslash, int depth, Analysis *a)
{
	Lexer		lx = {text, len, 0, backslash, &q->budget};
	Token		prev2,
				prev,
				cur,
				next;
	int			call_depth = 0; /* parenthesis depth inside a secret call */
	bool		opening = false;	/* a secret call's '(' comes next */
	char		function[NAMEDATALEN] = "";	/* the secret call's */
	int			position = 0;	/* its current argument's */
	char		named[NAMEDATALEN] = "";	/* ... and name, if named */

	memset(&prev2, 0, sizeof(Token));
	memset(&prev, 0, sizeof(Token));
	next_token(&lx, &cur);
	while (cur.kind != TK_EOF)
	{
		bool		in_secret = call_depth == 0 || secret_argument(function, position, named);

		next_token(&lx, &next);

		if (cur.kind == TK_STRING)
		{
			char	   *content = decode_string(text, &cur);
			bool		passes = depth < MAX_DEPTH && may_pass(content) &&
				text_passes(q, content, depth + 1, &a->prepared);

			if (passes)
				a->secret = true;
			if (passes && in_secret)
				collect_values(q, content, depth + 1, &a->constants);
			else if (in_secret)
				a->constants = lappend(a->constants, content);
			if (a->mask)
				memset(a->mask + cur.start, true, cur.end - cur.start);
		}
		else if (cur.kind == TK_IDENT && tok_is(&next, '(') && call_depth == 0 &&
				 (is_secret_function(cur.name) || cur.uncertain))
		{
			a->secret = true;
			opening = true;
			strlcpy(function, cur.name, sizeof(function));
			position = 0;
			named[0] = '\0';
		}
		else if (cur.kind == TK_IDENT && !cur.uncertain && strcmp(cur.name, "execute") == 0 &&
				 next.kind == TK_IDENT && depth < MAX_DEPTH &&
				 prepared_passes(q, &next, depth, &a->prepared))
			a->secret = true;	/* EXECUTE of a prepared statement */

		if (tok_is(&cur, '(') && (opening || call_depth > 0))
		{
			call_depth++;
			opening = false;
		}
		else if (tok_is(&cur, ')') && call_depth > 0)
			call_depth--;
		else if (tok_is(&cur, ',') && call_depth == 1)
		{
			position++;
			named[0] = '\0';
		}
		else if (call_depth == 1 && cur.kind == TK_IDENT &&
				 tok_is(&next, '=') && next.end < len && text[next.end] == '>')
			strlcpy(named, cur.name, sizeof(named));	/* name => value */
		else if (call_depth > 0 &&
				 (cur.kind == TK_NUMBER ||
				  (cur.kind == TK_IDENT &&
				   !tok_is(&next, '(') &&	/* a function */
				   !(tok_is(&prev, ':') && tok_is(&prev2, ':')))))	/* ::type */
		{
			/* a value outside quotes: masked; a secret one is a value */
			if (a->mask)
				memset(a->mask + cur.start, true, cur.end - cur.start);
			if (in_secret)
			{
				a->constants = lappend(a->constants, pnstrdup(text + cur.start, cur.end - cur.start));
				if (cur.kind == TK_IDENT)
					a->constants = lappend(a->constants, pstrdup(cur.name));
			}
		}

		prev2 = prev;
		prev = cur;
		cur = next;
	}
	/* out of budget: everything from here on is masked */
	if (q->budget < 0)
	{
		a->secret = true;
		if (a->mask)
			memset(a->mask + cur.start, true, len - cur.start);
	}
}

/* The values of a text (both readings of backslashes), appended. */
static void
collect_values(Question *q, const char *text, int depth, List **values)
{
	for (int r = 0; r < 2; r++)
	{
		Analysis	a = {false, NULL, NIL, NIL};

		analyze(q, text, strlen(text), r == 1, depth, &a);
		*values = list_concat(*values, a.constants);
	}
}

/* Does text pass secrets?  Appends the prepared statements it runs. */
static bool
text_passes(Question *q, const char *text, int depth, List **prepared)
{
	bool		secret = false;

	for (int r = 0; r < 2 && !secret; r++)
	{
		Analysis	a = {false, NULL, NIL, NIL};

		analyze(q, text, strlen(text), r == 1, depth, &a);
		secret = a.secret;
		*prepared = list_concat(*prepared, a.prepared);
	}
	return secret;
}

/*
 * ConnSqlPassesSecrets
 *		Does SQL text pass values to a secret-taking function (see the file
 *		header)?  If so and prepared is not NULL, *prepared is set to the
 *		query strings of the prepared statements it runs that do (each
 *		once).
 */
bool
ConnSqlPassesSecrets(const char *sql, List **prepared)
{
	Question	q = {TOKEN_BUDGET, NIL};
	List	   *found = NIL;
	bool		secret;

	if (!may_pass(sql))
		return false;
	secret = text_passes(&q, sql, 0, &found);
	if (prepared)
	{
		ListCell   *lc;

		*prepared = NIL;
		foreach(lc, found)
			if (secret)
				*prepared = list_append_unique_ptr(*prepared, lfirst(lc));
	}
	return secret;
}

/* Is the run of masked bytes starting at p a string constant? */
static bool
run_is_string(const char *s, int p, int len)
{
	if (s[p] == '\'' || s[p] == '$')
		return true;
	if (p + 1 < len && s[p + 1] == '\'' && strchr("eEnNbBxX", s[p]))
		return true;
	return p + 2 < len && (s[p] == 'u' || s[p] == 'U') && s[p + 1] == '&';
}

/*
 * ConnSqlRedact
 *		SQL text with every string constant replaced by '***' and, inside
 *		the argument lists of secret-taking calls, every other value by ***
 *		(see the file header).  Appends the values the text carries (see
 *		analyze()) to *values, if values is not NULL.
 */
char *
ConnSqlRedact(const char *sql, List **values)
{
	int			len = strlen(sql);
	bool	   *mask = palloc0(len + 1);
	StringInfoData buf;

	Question	q = {TOKEN_BUDGET, NIL};

	for (int r = 0; r < 2; r++)
	{
		Analysis	a = {false, mask, NIL, NIL};

		analyze(&q, sql, len, r == 1, 0, &a);
		if (values)
			*values = list_concat(*values, a.constants);
	}

	initStringInfo(&buf);
	for (int p = 0; p < len;)
	{
		if (!mask[p])
		{
			appendStringInfoChar(&buf, sql[p++]);
			continue;
		}
		appendStringInfoString(&buf, run_is_string(sql, p, len) ? "'" MASK "'" : MASK);
		while (p < len && mask[p])
			p++;
	}
	pfree(mask);
	return buf.data;
}

/* ---------------------------------------------------------------------
 * Fragments
 * ---------------------------------------------------------------------
 */

/* The fragments of a statement, by the first four bytes of each. */
typedef struct FragmentEntry
{
	uint32		prefix;			/* hash key */
	List	   *fragments;		/* char *, longest first */
} FragmentEntry;

struct ConnFragments
{
	MemoryContext cxt;
	HTAB	   *byprefix;
	int			count;
	bool		overflow;		/* too many: every text is hidden whole */
};

/*
 * The most fragments a statement keeps, and the most that share a prefix:
 * past either, reports about the statement are hidden whole, so that
 * building and matching stay bounded (the log hook cannot be interrupted).
 */
#define MAX_FRAGMENTS 20000
#define MAX_FRAGMENTS_PER_PREFIX 64

static bool
is_stopword(const char *word, int len)
{
	char		buf[NAMEDATALEN];

	if (len >= NAMEDATALEN)
		return false;
	memcpy(buf, word, len);
	buf[len] = '\0';
	for (int i = 0; stopwords[i]; i++)
		if (pg_strcasecmp(buf, stopwords[i]) == 0)
			return true;
	for (int t = 0; t < ConnNumTypes; t++)
	{
		const ConnTypeDef *type = &ConnTypes[t];

		if (pg_strcasecmp(buf, type->name) == 0 || pg_strcasecmp(buf, type->category) == 0)
			return true;
		for (int i = 0; i < type->nprops; i++)
			if (pg_strcasecmp(buf, type->props[i].name) == 0 ||
				(type->props[i].alias && pg_strcasecmp(buf, type->props[i].alias) == 0))
				return true;
	}
	return false;
}

static uint32
prefix_of(const char *s)
{
	uint32		p;

	memcpy(&p, s, sizeof(p));
	return p;
}

static void
add_one_fragment(ConnFragments *frags, char *copy, int len)
{
	FragmentEntry *entry;
	bool		found;
	uint32		prefix;
	ListCell   *lc;
	int			pos = 0;

	if (frags->overflow)
		return;
	if (frags->count >= MAX_FRAGMENTS)
	{
		frags->overflow = true;
		return;
	}
	prefix = prefix_of(copy);
	entry = hash_search(frags->byprefix, &prefix, HASH_ENTER, &found);
	if (!found)
		entry->fragments = NIL;
	if (list_length(entry->fragments) >= MAX_FRAGMENTS_PER_PREFIX)
	{
		frags->overflow = true;
		return;
	}
	foreach(lc, entry->fragments)
	{
		const char *f = lfirst(lc);

		if (strcmp(f, copy) == 0)
			return;
		if ((int) strlen(f) < len)
			break;
		pos++;
	}
	entry->fragments = list_insert_nth(entry->fragments, pos, copy);
	frags->count++;
}

/*
 * Add a fragment, and its lower-case form (identifiers are folded: a value
 * read as a name shows in a report that way).
 */
static void
add_fragment(ConnFragments *frags, const char *s, int len)
{
	char	   *copy;
	char	   *lower;
	bool		differs = false;

	if (len < MIN_FRAGMENT || is_stopword(s, len))
		return;
	copy = ConnStrdupWiped(frags->cxt, s, len);
	add_one_fragment(frags, copy, len);
	lower = ConnStrdupWiped(frags->cxt, s, len);
	for (char *c = lower; *c; c++)
	{
		char		l = pg_ascii_tolower((unsigned char) *c);

		differs |= l != *c;
		*c = l;
	}
	if (differs)
		add_one_fragment(frags, lower, len);
}

/*
 * A JSON string's content with its escapes undone (\u0041, \n, \", ...):
 * how the value shows once PostgreSQL has read it as JSON.
 */
static char *
json_unescaped(const char *s, int len)
{
	StringInfoData buf;

	init_decoded(&buf, len);
	for (int p = 0; p < len; p++)
	{
		long		v;

		if (s[p] != '\\' || p + 1 >= len)
		{
			appendStringInfoChar(&buf, s[p]);
			continue;
		}
		p++;
		if (simple_escape(s[p]))
		{
			appendStringInfoChar(&buf, simple_escape(s[p]));
			continue;
		}
		switch (s[p])
		{
			case 'u':
				p++;
				if ((v = read_digits(s, &p, len, 4, 16)) >= 0)
					append_utf8(&buf, v);
				p--;
				break;
			default:
				appendStringInfoChar(&buf, s[p]);
				break;
		}
	}
	return buf.data;
}

static bool
is_separator(char c)
{
	return is_space(c) || strchr("{}[]:,=();", c) != NULL;
}

/*
 * Add the fragments of a value: the whole of it, the contents of its quoted
 * pieces (recursively) and its words.
 */
static void
split_fragments(ConnFragments *frags, const char *s, int len, int depth)
{
	add_fragment(frags, s, len);
	if (depth >= MAX_DEPTH)
		return;
	for (int p = 0; p < len;)
	{
		char		c = s[p];

		if (is_separator(c))
			p++;
		else if (c == '"' || c == '\'')
		{
			int			start = ++p;

			while (p < len && !(s[p] == c && !(p + 1 < len && s[p + 1] == c)))
				p += (s[p] == '\\' || s[p] == c) ? 2 : 1;
			if (p > len)
				p = len;
			split_fragments(frags, s + start, p - start, depth + 1);
			if (c == '"' && memchr(s + start, '\\', p - start))
			{
				char	   *plain = json_unescaped(s + start, p - start);

				split_fragments(frags, plain, strlen(plain), depth + 1);
			}
			p++;
		}
		else
		{
			int			start = p;

			while (p < len && !is_separator(s[p]) && s[p] != '"' && s[p] != '\'')
				p++;
			add_fragment(frags, s + start, p - start);
		}
	}
}

/*
 * ConnFragmentsCreate
 *		The fragments of a list of values (decoded string constants), kept
 *		in cxt, where they are wiped when cxt is reset.
 */
ConnFragments *
ConnFragmentsCreate(MemoryContext cxt, List *values)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	ConnFragments *frags = palloc0(sizeof(ConnFragments));
	HASHCTL		ctl;
	ListCell   *lc;

	frags->cxt = cxt;
	ctl.keysize = sizeof(uint32);
	ctl.entrysize = sizeof(FragmentEntry);
	ctl.hcxt = cxt;
	frags->byprefix = hash_create("connection log fragments", 64, &ctl,
								  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	foreach(lc, values)
	{
		const char *v = lfirst(lc);

		split_fragments(frags, v, strlen(v), 0);
	}
	MemoryContextSwitchTo(old);
	return frags;
}

/*
 * ConnScrubFragments
 *		Copy of text with every occurrence of a fragment replaced by ***
 *		(the longest one where several start at one place), and every
 *		beginning of one that PostgreSQL cut short ("...", as in a failing
 *		row's detail); text itself when there is none; *** alone when the
 *		statement had too many fragments to keep.
 */
char *
ConnScrubFragments(char *text, const ConnFragments *frags)
{
	StringInfoData buf;
	int			len;
	int			done = 0;

	if (text == NULL || frags == NULL || frags->count == 0)
		return text;
	if (frags->overflow)
		return pstrdup(MASK);
	len = strlen(text);
	buf.data = NULL;
	for (int p = 0; p + MIN_FRAGMENT <= len; p++)
	{
		uint32		prefix = prefix_of(text + p);
		FragmentEntry *entry = hash_search(frags->byprefix, &prefix, HASH_FIND, NULL);
		ListCell   *lc;

		if (entry == NULL)
			continue;
		foreach(lc, entry->fragments)
		{
			const char *f = lfirst(lc);
			int			flen = strlen(f);

			int			same = 0;

			while (same < flen && p + same < len && text[p + same] == f[same])
				same++;
			if (same == flen ||
				(same >= MIN_FRAGMENT && strncmp(text + p + same, "...", 3) == 0))
			{
				if (buf.data == NULL)
					initStringInfo(&buf);
				appendBinaryStringInfo(&buf, text + done, p - done);
				appendStringInfoString(&buf, MASK);
				done = p + same;
				p = done - 1;
				break;
			}
		}
	}
	if (buf.data == NULL)
		return text;
	appendStringInfoString(&buf, text + done);
	return buf.data;
}

/* ---------------------------------------------------------------------
 * Other report texts
 * ---------------------------------------------------------------------
 */

/*
 * ConnReplaceAll
 *		Copy of text with every occurrence of from replaced by to; text
 *		itself when there is none.
 */
char *
ConnReplaceAll(char *text, const char *from, const char *to)
{
	StringInfoData buf;
	const char *p;
	const char *hit;
	size_t		flen;

	if (text == NULL || from == NULL || (flen = strlen(from)) == 0 ||
		(hit = strstr(text, from)) == NULL)
		return text;
	initStringInfo(&buf);
	for (p = text; hit; hit = strstr(p, from))
	{
		appendBinaryStringInfo(&buf, p, hit - p);
		appendStringInfoString(&buf, to);
		p = hit + flen;
	}
	appendStringInfoString(&buf, p);
	return buf.data;
}

/*
 * Copy of text with the body of every quote-delimited segment starting
 * after a match of a prefix test replaced by ***; a doubled quote is part
 * of the segment.
 */
static char *
mask_after(char *text, bool (*at) (const char *, int, int *), char quote, bool backslash)
{
	StringInfoData buf;
	int			len;
	int			done = 0;
	bool		changed = false;

	if (text == NULL)
		return NULL;
	len = strlen(text);
	initStringInfo(&buf);
	for (int p = 0; p < len; p++)
	{
		int			open;

		if (!at(text, p, &open))
			continue;
		appendBinaryStringInfo(&buf, text + done, open + 1 - done);
		appendStringInfoString(&buf, MASK);
		p = open + 1;
		while (p < len && !(text[p] == quote && !(p + 1 < len && text[p + 1] == quote)))
			p += (text[p] == quote || (backslash && text[p] == '\\')) ? 2 : 1;
		if (p > len)
			p = len;
		done = p;
		changed = true;
	}
	if (!changed)
	{
		pfree(buf.data);
		return text;
	}
	appendStringInfoString(&buf, text + done);
	return buf.data;
}

/* "$<digits> = '" at p: where the quote is */
static bool
at_parameter(const char *s, int p, int *open)
{
	int			q = p + 1;

	if (s[p] != '$' || !isdigit((unsigned char) s[q]))
		return false;
	while (isdigit((unsigned char) s[q]))
		q++;
	if (strncmp(s + q, " = '", 4) != 0)
		return false;
	*open = q + 3;
	return true;
}

/*
 * ConnMaskParameters
 *		Bind parameter values as PostgreSQL lists them ("$1 = '...'", in
 *		every language: the list is not translated) replaced by '***'.
 */
char *
ConnMaskParameters(char *text)
{
	return mask_after(text, at_parameter, '\'', false);
}

/* a quoted string, as node trees print them */
static bool
at_tree_string(const char *s, int p, int *open)
{
	*open = p;
	return s[p] == '"';
}

/* ":constvalue <n> [ ... ]" at p: where the bracket is */
static bool
at_constvalue(const char *s, int p, int *open)
{
	int			q = p + 12;

	if (strncmp(s + p, ":constvalue ", 12) != 0 || !isdigit((unsigned char) s[q]))
		return false;
	while (isdigit((unsigned char) s[q]))
		q++;
	if (strncmp(s + q, " [", 2) != 0)
		return false;
	*open = q + 1;
	return true;
}

/*
 * ConnMaskTree
 *		A node tree printed by debug_print_parse, debug_print_rewritten or
 *		debug_print_plan with its constants' bytes and its strings masked.
 */
char *
ConnMaskTree(char *text)
{
	return mask_after(mask_after(text, at_constvalue, ']', false), at_tree_string, '"', true);
}

/*
 * ConnMaskFormat
 *		A message format (a message id, untranslated) with every conversion
 *		replaced by ***: the message with none of its arguments.
 */
char *
ConnMaskFormat(const char *fmt)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (const char *p = fmt; *p; p++)
	{
		if (*p != '%')
		{
			appendStringInfoChar(&buf, *p);
			continue;
		}
		if (p[1] == '%')
		{
			appendStringInfoChar(&buf, '%');
			p++;
			continue;
		}
		/* flags, width, precision, length modifiers, position; then the type */
		p++;
		while (*p && strchr("0123456789$#-+ .'*hlLqjzt", *p))
			p++;
		appendStringInfoString(&buf, MASK);
		if (*p == '\0')
			break;
	}
	return buf.data;
}

/* One piece of a message format: literal text, or a conversion. */
typedef struct FormatPiece
{
	const char *text;			/* literal: its bytes */
	int			len;			/* literal: its length; conversion: -1 */
} FormatPiece;

#define MAX_PIECES 32
#define MAX_MATCH_STEPS 10000

/* Split a format into literal pieces and conversions; false if too long. */
static bool
split_format(const char *fmt, FormatPiece *pieces, int *npieces)
{
	StringInfoData lit;
	int			n = 0;

	initStringInfo(&lit);
	for (const char *p = fmt;; p++)
	{
		if (*p == '%' && p[1] == '%')
		{
			appendStringInfoChar(&lit, '%');
			p++;
			continue;
		}
		if (*p != '%' && *p != '\0')
		{
			appendStringInfoChar(&lit, *p);
			continue;
		}
		if (lit.len > 0)
		{
			if (n == MAX_PIECES)
				return false;
			pieces[n].text = pstrdup(lit.data);
			pieces[n++].len = lit.len;
			resetStringInfo(&lit);
		}
		if (*p == '\0')
			break;
		p++;
		while (*p && strchr("0123456789$#-+ .'*hlLqjzt", *p))
			p++;
		if (n == MAX_PIECES || *p == '\0')
			return false;
		pieces[n].text = NULL;
		pieces[n++].len = -1;
	}
	*npieces = n;
	return true;
}

/*
 * Match message[pos..] against pieces[i..]; conversions match any text
 * (shortest first).  Records where each conversion matched.
 */
static bool
match_pieces(const char *message, int len, int pos, const FormatPiece *pieces, int npieces,
			 int i, int *starts, int *ends, int *steps)
{
	if (++(*steps) > MAX_MATCH_STEPS)
		return false;
	if (i == npieces)
		return pos == len;
	if (pieces[i].len >= 0)
		return pieces[i].len <= len - pos &&
			memcmp(message + pos, pieces[i].text, pieces[i].len) == 0 &&
			match_pieces(message, len, pos + pieces[i].len, pieces, npieces, i + 1,
						 starts, ends, steps);
	for (int end = pos; end <= len; end++)
	{
		starts[i] = pos;
		ends[i] = end;
		if (match_pieces(message, len, end, pieces, npieces, i + 1, starts, ends, steps))
			return true;
	}
	return false;
}

/*
 * ConnMaskArguments
 *		A message with each of its arguments replaced by *** unless keep()
 *		says it may stay: the message is matched against its format (as
 *		translated), so this works in any language.  When the message does
 *		not match its format, every argument is masked (the format itself,
 *		conversions masked).
 */
char *
ConnMaskArguments(const char *message, const char *fmt,
				  bool (*keep) (const char *arg, int len))
{
	FormatPiece pieces[MAX_PIECES];
	int			starts[MAX_PIECES];
	int			ends[MAX_PIECES];
	int			npieces;
	int			steps = 0;
	int			len = strlen(message);
	StringInfoData buf;

	if (!split_format(fmt, pieces, &npieces) ||
		!match_pieces(message, len, 0, pieces, npieces, 0, starts, ends, &steps))
		return ConnMaskFormat(fmt);
	initStringInfo(&buf);
	for (int i = 0; i < npieces; i++)
	{
		if (pieces[i].len >= 0)
			appendBinaryStringInfo(&buf, pieces[i].text, pieces[i].len);
		else if (keep(message + starts[i], ends[i] - starts[i]))
			appendBinaryStringInfo(&buf, message + starts[i], ends[i] - starts[i]);
		else
			appendStringInfoString(&buf, MASK);
	}
	return buf.data;
}

/*
 * ConnMentionsSecretCall
 *		Does a text (a report's, not necessarily SQL) show a call of a
 *		secret-taking function?
 */
bool
ConnMentionsSecretCall(const char *text)
{
	return text && ConnSqlPassesSecrets(text, NULL);
}
