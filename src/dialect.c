/*-------------------------------------------------------------------------
 *
 * dialect.c
 *	  Parser of the original CONNECTION dialect, for connection.execute():
 *
 *	  CREATE [OR REPLACE] {API | STORAGE | CATALOG} CONNECTION [IF NOT EXISTS]
 *		  name TYPE type [key = value ...] [COMMENT [=] '...' | COMMENTS = '...']
 *		  [WITH PROPERTIES ('key' = value, ...)]	(client properties: one
 *		  object, the PROPERTIES property, keys kept as written)
 *	  DROP [API | STORAGE | CATALOG] CONNECTION [IF EXISTS] name
 *	  SHOW CONNECTIONS ...
 *	  {DESC | DESCRIBE} CONNECTION [EXTENDED] name
 *
 * Statements are separated by ';' (a last one is optional).  Keywords and
 * keys are case-insensitive; names may be "quoted" ("" inside doubles a
 * quote); values are 'strings' ('' doubles a quote), numbers, bare words or
 * lists [v, v, ...]; comments are -- to the end of the line and nested
 * slash-star ones.  Pairs may be separated by blanks or commas.
 *
 * Plain C with no PostgreSQL dependency: the parser allocates with malloc,
 * frees everything on failure, and reports the first error with its byte
 * offset.  No error message quotes a string constant (those hold secrets).
 *
 * IDENTIFICATION
 *	  src/dialect.c
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dialect.h"

typedef enum TokKind
{
	TK_END,
	TK_IDENT,					/* bare word */
	TK_QIDENT,					/* "quoted identifier" */
	TK_STRING,					/* 'string constant' */
	TK_NUMBER,
	TK_SYMBOL					/* = ( ) [ ] , ; */
} TokKind;

typedef struct Token
{
	TokKind		kind;
	size_t		start;
	size_t		len;
} Token;

typedef struct Parser
{
	const char *in;
	size_t		len;
	size_t		pos;			/* where the tokenizer stands */
	Token		tok;			/* current token */
	bool		failed;
	bool		in_properties;	/* past TYPE: tokens may be secrets */
	DialectError *err;
	DialectStmt *stmts;
	int			nstmts;
	int			cap;
} Parser;

/* ------------------------------------------------------------------------
 * memory
 * ------------------------------------------------------------------------
 */

static void *
xmalloc(Parser *p, size_t n)
{
	void	   *m = malloc(n ? n : 1);

	if (m == NULL && p && !p->failed)
	{
		p->failed = true;
		p->err->location = (int) p->tok.start;
		snprintf(p->err->message, sizeof(p->err->message), "out of memory");
	}
	return m;
}

/* Free a string of the text, zeroed first: values are secrets. */
static void
free_wiped(char *str)
{
	if (str)
	{
		explicit_bzero(str, strlen(str));
		free(str);
	}
}

static void
free_stmt(DialectStmt *s)
{
	for (int i = 0; i < s->nprops; i++)
	{
		DialectProp *prop = &s->props[i];

		free_wiped(prop->key);
		free_wiped(prop->value);
		for (int j = 0; j < prop->nitems; j++)
			free_wiped(prop->items[j]);
		free(prop->items);
	}
	free(s->props);
	free_wiped(s->category);
	free_wiped(s->name);
	free_wiped(s->type);
	free_wiped(s->comment);
}

void
dialect_free(DialectStmt *stmts, int nstmts)
{
	if (stmts == NULL)
		return;
	for (int i = 0; i < nstmts; i++)
		free_stmt(&stmts[i]);
	free(stmts);
}

/* ------------------------------------------------------------------------
 * errors
 * ------------------------------------------------------------------------
 */

static void fail_at(Parser *p, size_t location, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

static void
fail_at(Parser *p, size_t location, const char *fmt,...)
{
	va_list		ap;

	if (p->failed)
		return;
	p->failed = true;
	p->err->location = (int) location;
	va_start(ap, fmt);
	vsnprintf(p->err->message, sizeof(p->err->message), fmt, ap);
	va_end(ap);
}

/* "syntax error at or near ..." for the current token, saying what was expected */
static void
syntax_error(Parser *p, const char *expected)
{
	const Token *t = &p->tok;

	if (t->kind == TK_END)
		fail_at(p, t->start, "syntax error at end of input (expected %s)", expected);
	else if (t->kind == TK_STRING)
		fail_at(p, t->start, "syntax error at a string constant (expected %s)", expected);
	else if (p->in_properties && t->kind != TK_SYMBOL)
		fail_at(p, t->start, "syntax error at a %s (expected %s)",
				t->kind == TK_QIDENT ? "quoted identifier" :
				t->kind == TK_NUMBER ? "number" : "word", expected);
	else
		fail_at(p, t->start, "syntax error at or near \"%.*s\" (expected %s)",
				(int) (t->len > 40 ? 40 : t->len), p->in + t->start, expected);
}

/* ------------------------------------------------------------------------
 * tokenizer
 * ------------------------------------------------------------------------
 */

static bool
is_word_start(unsigned char c)
{
	return isalpha(c) || c == '_' || c >= 0x80;
}

static bool
is_word_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '$' || c == '.' || c >= 0x80;
}

/* Skip blanks and comments; false (with an error) on an unterminated one. */
static bool
skip_space(Parser *p)
{
	while (p->pos < p->len)
	{
		char		c = p->in[p->pos];

		if (isspace((unsigned char) c))
			p->pos++;
		else if (c == '-' && p->pos + 1 < p->len && p->in[p->pos + 1] == '-')
		{
			while (p->pos < p->len && p->in[p->pos] != '\n')
				p->pos++;
		}
		else if (c == '/' && p->pos + 1 < p->len && p->in[p->pos + 1] == '*')
		{
			size_t		start = p->pos;
			int			depth = 0;

			do
			{
				if (p->pos + 1 < p->len && p->in[p->pos] == '/' && p->in[p->pos + 1] == '*')
				{
					depth++;
					p->pos += 2;
				}
				else if (p->pos + 1 < p->len && p->in[p->pos] == '*' && p->in[p->pos + 1] == '/')
				{
					depth--;
					p->pos += 2;
				}
				else
					p->pos++;
			} while (depth > 0 && p->pos < p->len);
			if (depth > 0)
			{
				fail_at(p, start, "unterminated /* comment");
				return false;
			}
		}
		else
			break;
	}
	return true;
}

/* Scan past a quoted token; false (with an error) when unterminated. */
static bool
scan_quoted(Parser *p, char quote, const char *what)
{
	size_t		start = p->pos++;

	for (;;)
	{
		if (p->pos >= p->len)
		{
			fail_at(p, start, "unterminated %s", what);
			return false;
		}
		if (p->in[p->pos] == quote)
		{
			if (p->pos + 1 < p->len && p->in[p->pos + 1] == quote)
				p->pos += 2;
			else
			{
				p->pos++;
				return true;
			}
		}
		else
			p->pos++;
	}
}

static void
next_token(Parser *p)
{
	Token	   *t = &p->tok;
	unsigned char c;

	if (p->failed || !skip_space(p))
	{
		t->kind = TK_END;
		t->start = p->pos;
		t->len = 0;
		return;
	}
	t->start = p->pos;
	if (p->pos >= p->len)
	{
		t->kind = TK_END;
		t->len = 0;
		return;
	}
	c = (unsigned char) p->in[p->pos];
	if (is_word_start(c))
	{
		t->kind = TK_IDENT;
		while (p->pos < p->len && is_word_char((unsigned char) p->in[p->pos]))
			p->pos++;
	}
	else if (c == '"')
	{
		t->kind = TK_QIDENT;
		if (!scan_quoted(p, '"', "quoted identifier"))
			t->kind = TK_END;
	}
	else if (c == '\'')
	{
		t->kind = TK_STRING;
		if (!scan_quoted(p, '\'', "quoted string"))
			t->kind = TK_END;
	}
	else if (isdigit(c) || ((c == '-' || c == '+') && p->pos + 1 < p->len &&
							isdigit((unsigned char) p->in[p->pos + 1])))
	{
		t->kind = TK_NUMBER;
		p->pos++;
		while (p->pos < p->len && (isdigit((unsigned char) p->in[p->pos]) || p->in[p->pos] == '.'))
			p->pos++;
	}
	else if (strchr("=()[],;", c) != NULL)
	{
		t->kind = TK_SYMBOL;
		p->pos++;
	}
	else
	{
		p->pos++;
		if (p->in_properties)
			fail_at(p, t->start, "syntax error at an unexpected character");
		else
			fail_at(p, t->start, "syntax error at or near \"%c\"", c);
		t->kind = TK_END;
	}
	t->len = p->pos - t->start;
}

static bool
is_keyword(const Parser *p, const char *kw)
{
	return p->tok.kind == TK_IDENT && p->tok.len == strlen(kw) &&
		strncasecmp(p->in + p->tok.start, kw, p->tok.len) == 0;
}

static bool
is_symbol(const Parser *p, char sym)
{
	return p->tok.kind == TK_SYMBOL && p->in[p->tok.start] == sym;
}

/* Consume the keyword, or fail. */
static bool
expect_keyword(Parser *p, const char *kw)
{
	if (!is_keyword(p, kw))
	{
		syntax_error(p, kw);
		return false;
	}
	next_token(p);
	return !p->failed;
}

static bool
expect_symbol(Parser *p, char sym)
{
	char		what[4] = {'"', sym, '"', '\0'};

	if (!is_symbol(p, sym))
	{
		syntax_error(p, what);
		return false;
	}
	next_token(p);
	return !p->failed;
}

/* The text of the current token, unquoted, malloc'd. */
static char *
token_text(Parser *p)
{
	const Token *t = &p->tok;
	const char *src = p->in + t->start;
	size_t		n = t->len;
	char	   *out;
	size_t		o = 0;

	if (t->kind == TK_QIDENT || t->kind == TK_STRING)
	{
		char		quote = src[0];

		out = xmalloc(p, n);
		if (out == NULL)
			return NULL;
		for (size_t i = 1; i + 1 < n; i++)
		{
			out[o++] = src[i];
			if (src[i] == quote)
				i++;			/* doubled quote */
		}
		out[o] = '\0';
		return out;
	}
	out = xmalloc(p, n + 1);
	if (out == NULL)
		return NULL;
	memcpy(out, src, n);
	out[n] = '\0';
	return out;
}

static char *
upper_copy(Parser *p)
{
	char	   *s = token_text(p);

	for (char *c = s; c && *c; c++)
		*c = (char) toupper((unsigned char) *c);
	return s;
}

/* ------------------------------------------------------------------------
 * grammar
 * ------------------------------------------------------------------------
 */

static bool
parse_name(Parser *p, char **out, const char *what)
{
	if (p->tok.kind != TK_IDENT && p->tok.kind != TK_QIDENT)
	{
		syntax_error(p, what);
		return false;
	}
	*out = token_text(p);
	next_token(p);
	return *out != NULL && !p->failed;
}

static bool
parse_category(Parser *p, DialectStmt *s, bool optional)
{
	if (is_keyword(p, "API") || is_keyword(p, "STORAGE") || is_keyword(p, "CATALOG"))
	{
		s->category = upper_copy(p);
		next_token(p);
		return s->category != NULL && !p->failed;
	}
	if (!optional)
	{
		syntax_error(p, "API, STORAGE or CATALOG");
		return false;
	}
	return true;
}

/* A value: 'string', number, bare word, or a [list]. */
static bool
parse_value(Parser *p, DialectProp *prop)
{
	if (is_symbol(p, '['))
	{
		int			cap = 0;

		prop->is_list = true;
		next_token(p);
		while (!p->failed && !is_symbol(p, ']'))
		{
			if (prop->nitems > 0 && !expect_symbol(p, ','))
				return false;
			if (p->tok.kind != TK_STRING && p->tok.kind != TK_NUMBER && p->tok.kind != TK_IDENT)
			{
				syntax_error(p, "a list item");
				return false;
			}
			if (prop->nitems == cap)
			{
				char	  **bigger;

				cap = cap ? cap * 2 : 4;
				bigger = realloc(prop->items, sizeof(char *) * cap);
				if (bigger == NULL)
				{
					fail_at(p, p->tok.start, "out of memory");
					return false;
				}
				prop->items = bigger;
			}
			prop->items[prop->nitems] = token_text(p);
			if (prop->items[prop->nitems] == NULL)
				return false;
			prop->nitems++;
			next_token(p);
		}
		return expect_symbol(p, ']');
	}
	if (p->tok.kind != TK_STRING && p->tok.kind != TK_NUMBER && p->tok.kind != TK_IDENT)
	{
		syntax_error(p, "a value");
		return false;
	}
	prop->value = token_text(p);
	next_token(p);
	return prop->value != NULL && !p->failed;
}

/* key = value, appended to s->props; keys must not repeat. */
static bool
parse_pair(Parser *p, DialectStmt *s, int *cap, bool client)
{
	DialectProp *prop;

	if (p->tok.kind != TK_IDENT && p->tok.kind != TK_QIDENT && p->tok.kind != TK_STRING)
	{
		syntax_error(p, "a property name");
		return false;
	}
	if (s->nprops == *cap)
	{
		DialectProp *bigger;

		*cap = *cap ? *cap * 2 : 8;
		bigger = realloc(s->props, sizeof(DialectProp) * *cap);
		if (bigger == NULL)
		{
			fail_at(p, p->tok.start, "out of memory");
			return false;
		}
		s->props = bigger;
	}
	prop = &s->props[s->nprops++];
	memset(prop, 0, sizeof(*prop));
	prop->location = (int) p->tok.start;
	prop->client = client;
	prop->key = token_text(p);
	if (prop->key == NULL)
		return false;
	for (int i = 0; i < s->nprops - 1; i++)
		if (s->props[i].client == client && strcasecmp(s->props[i].key, prop->key) == 0)
		{
			fail_at(p, p->tok.start, "property \"%.64s\" is specified more than once", prop->key);
			return false;
		}
	next_token(p);
	if (!expect_symbol(p, '='))
		return false;
	return parse_value(p, prop);
}

static bool
parse_comment(Parser *p, DialectStmt *s)
{
	size_t		start = p->tok.start;

	next_token(p);
	if (is_symbol(p, '='))
		next_token(p);
	if (p->tok.kind != TK_STRING)
	{
		syntax_error(p, "a string constant");
		return false;
	}
	if (s->comment)
	{
		fail_at(p, start, "the comment is specified more than once");
		return false;
	}
	s->comment = token_text(p);
	next_token(p);
	return s->comment != NULL && !p->failed;
}

static bool
parse_create(Parser *p, DialectStmt *s)
{
	int			cap = 0;

	s->kind = DIALECT_CREATE;
	next_token(p);
	if (is_keyword(p, "OR"))
	{
		next_token(p);
		if (!expect_keyword(p, "REPLACE"))
			return false;
		s->or_replace = true;
	}
	if (!parse_category(p, s, false) || !expect_keyword(p, "CONNECTION"))
		return false;
	if (is_keyword(p, "IF"))
	{
		next_token(p);
		if (!expect_keyword(p, "NOT") || !expect_keyword(p, "EXISTS"))
			return false;
		s->if_not_exists = true;
	}
	if (!parse_name(p, &s->name, "a connection name") || !expect_keyword(p, "TYPE"))
		return false;
	if (p->tok.kind != TK_IDENT && p->tok.kind != TK_QIDENT && p->tok.kind != TK_STRING)
	{
		syntax_error(p, "a connection type");
		return false;
	}
	s->type = token_text(p);
	if (s->type == NULL)
		return false;
	next_token(p);
	p->in_properties = true;

	while (!p->failed && p->tok.kind != TK_END && !is_symbol(p, ';'))
	{
		if (is_symbol(p, ','))
			next_token(p);
		else if (is_keyword(p, "COMMENT") || is_keyword(p, "COMMENTS"))
		{
			if (!parse_comment(p, s))
				return false;
		}
		else if (is_keyword(p, "WITH"))
		{
			next_token(p);
			if (!expect_keyword(p, "PROPERTIES") || !expect_symbol(p, '('))
				return false;
			while (!p->failed && !is_symbol(p, ')'))
			{
				if (!parse_pair(p, s, &cap, true))
					return false;
				if (!is_symbol(p, ')') && !expect_symbol(p, ','))
					return false;
			}
			if (!expect_symbol(p, ')'))
				return false;
		}
		else if (!parse_pair(p, s, &cap, false))
			return false;
	}
	return !p->failed;
}

static bool
parse_statement(Parser *p, DialectStmt *s)
{
	s->location = (int) p->tok.start;
	if (is_keyword(p, "CREATE"))
		return parse_create(p, s);
	if (is_keyword(p, "DROP"))
	{
		s->kind = DIALECT_DROP;
		next_token(p);
		if (!parse_category(p, s, true) || !expect_keyword(p, "CONNECTION"))
			return false;
		if (is_keyword(p, "IF"))
		{
			next_token(p);
			if (!expect_keyword(p, "EXISTS"))
				return false;
			s->if_exists = true;
		}
		return parse_name(p, &s->name, "a connection name");
	}
	if (is_keyword(p, "SHOW"))
	{
		s->kind = DIALECT_SHOW;
		next_token(p);
		if (!expect_keyword(p, "CONNECTIONS"))
			return false;
		while (!p->failed && p->tok.kind != TK_END && !is_symbol(p, ';'))
			next_token(p);
		return !p->failed;
	}
	if (is_keyword(p, "DESC") || is_keyword(p, "DESCRIBE"))
	{
		s->kind = DIALECT_DESC;
		next_token(p);
		if (!expect_keyword(p, "CONNECTION"))
			return false;
		if (is_keyword(p, "EXTENDED"))
		{
			s->extended = true;
			next_token(p);
		}
		return parse_name(p, &s->name, "a connection name");
	}
	syntax_error(p, "CREATE, DROP, SHOW or DESC");
	return false;
}

bool
dialect_parse(const char *input, DialectStmt **stmts, int *nstmts, DialectError *err)
{
	Parser		p;

	memset(&p, 0, sizeof(p));
	p.in = input;
	p.len = strlen(input);
	p.err = err;
	err->location = 0;
	err->message[0] = '\0';

	next_token(&p);
	while (!p.failed && p.tok.kind != TK_END)
	{
		if (is_symbol(&p, ';'))
		{
			next_token(&p);		/* empty statement */
			continue;
		}
		if (p.nstmts == p.cap)
		{
			DialectStmt *bigger;

			p.cap = p.cap ? p.cap * 2 : 4;
			bigger = realloc(p.stmts, sizeof(DialectStmt) * p.cap);
			if (bigger == NULL)
			{
				fail_at(&p, p.tok.start, "out of memory");
				break;
			}
			p.stmts = bigger;
		}
		memset(&p.stmts[p.nstmts], 0, sizeof(DialectStmt));
		p.nstmts++;
		p.in_properties = false;
		if (!parse_statement(&p, &p.stmts[p.nstmts - 1]))
			break;
		p.in_properties = false;
		if (p.tok.kind != TK_END && !expect_symbol(&p, ';'))
			break;
	}
	if (p.failed)
	{
		dialect_free(p.stmts, p.nstmts);
		*stmts = NULL;
		*nstmts = 0;
		return false;
	}
	*stmts = p.stmts;
	*nstmts = p.nstmts;
	return true;
}
