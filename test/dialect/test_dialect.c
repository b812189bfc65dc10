/*-------------------------------------------------------------------------
 *
 * test_dialect.c
 *	  Unit tests of the dialect parser (src/dialect.c), built and run on
 *	  their own: no PostgreSQL needed.  Prints "N passed, M failed".
 *
 * IDENTIFICATION
 *	  test/dialect/test_dialect.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <string.h>

#include "dialect.h"

static int	passed = 0;
static int	failed = 0;

#define CHECK(cond, what) \
	do { \
		if (cond) passed++; \
		else { failed++; fprintf(stderr, "FAILED %s:%d: %s\n", __FILE__, __LINE__, what); } \
	} while (0)

static const char *
str(const char *s)
{
	return s ? s : "(null)";
}

/* Parse text that must succeed; returns the statements. */
static DialectStmt *
ok(const char *text, int expect_n)
{
	DialectStmt *stmts;
	int			n;
	DialectError err;
	bool		res = dialect_parse(text, &stmts, &n, &err);

	CHECK(res, text);
	if (!res)
	{
		fprintf(stderr, "  error at %d: %s\n", err.location, err.message);
		return NULL;
	}
	CHECK(n == expect_n, "statement count");
	return stmts;
}

/* Parse text that must fail at location with a message containing what. */
static void
bad(const char *text, int location, const char *what)
{
	DialectStmt *stmts;
	int			n;
	DialectError err;
	bool		res = dialect_parse(text, &stmts, &n, &err);

	CHECK(!res, text);
	if (res)
	{
		dialect_free(stmts, n);
		return;
	}
	CHECK(stmts == NULL && n == 0, "nothing returned on failure");
	if (err.location != location || strstr(err.message, what) == NULL)
	{
		failed++;
		fprintf(stderr, "FAILED: %s\n  got %d \"%s\", wanted %d \"%s\"\n",
				text, err.location, err.message, location, what);
	}
	else
		passed++;
	/* no error message quotes a string constant */
	CHECK(strstr(err.message, "s3cr3t") == NULL, "secret in message");
}

static void
test_create(void)
{
	DialectStmt *s = ok("CREATE STORAGE CONNECTION IF NOT EXISTS hz_conn_ak TYPE oss\n"
						"ENDPOINT = 'oss-cn-hangzhou.aliyuncs.com' access_id = 'LTAI5t' "
						"access_key = 's3cr3t' comments = 'OSS public endpoint';", 1);

	if (!s)
		return;
	CHECK(s[0].kind == DIALECT_CREATE, "kind");
	CHECK(s[0].if_not_exists && !s[0].or_replace, "flags");
	CHECK(strcmp(str(s[0].category), "STORAGE") == 0, "category");
	CHECK(strcmp(str(s[0].name), "hz_conn_ak") == 0, "name");
	CHECK(strcmp(str(s[0].type), "oss") == 0, "type");
	CHECK(s[0].nprops == 3, "three properties");
	CHECK(strcmp(s[0].props[1].key, "access_id") == 0 && strcmp(s[0].props[1].value, "LTAI5t") == 0, "pair");
	CHECK(strcmp(str(s[0].comment), "OSS public endpoint") == 0, "comments =");
	dialect_free(s, 1);

	s = ok("create or replace catalog connection \"My""Conn\" type hms "
		   "hive_metastore_uris = ['thrift://a:9083', 'b:9083'], storage_connection = 's', "
		   "comment 'it''s here'", 1);
	if (!s)
		return;
	CHECK(s[0].or_replace && strcmp(s[0].category, "CATALOG") == 0, "or replace, lower case");
	CHECK(strcmp(s[0].name, "MyConn") == 0, "quoted name");
	CHECK(s[0].props[0].is_list && s[0].props[0].nitems == 2 &&
		  strcmp(s[0].props[0].items[1], "b:9083") == 0, "list");
	CHECK(strcmp(s[0].comment, "it's here") == 0, "doubled quote, COMMENT without =");
	dialect_free(s, 1);

	s = ok("CREATE API CONNECTION fc TYPE cloud_function WITH PROPERTIES ("
		   "'cloud_function.provider' = 'aliyun', 'cloud_function.region' = 'cn-shanghai', "
		   "DURATION_SECONDS = 3600)", 1);
	if (!s)
		return;
	CHECK(s[0].nprops == 3 && strcmp(s[0].props[0].key, "cloud_function.provider") == 0, "WITH PROPERTIES");
	CHECK(strcmp(s[0].props[2].value, "3600") == 0, "number value");
	dialect_free(s, 1);

	s = ok("CREATE STORAGE CONNECTION k TYPE kafka bootstrap_servers = [] "
		   "security_protocol = PLAINTEXT", 1);
	if (!s)
		return;
	CHECK(s[0].props[0].is_list && s[0].props[0].nitems == 0, "empty list");
	CHECK(strcmp(s[0].props[1].value, "PLAINTEXT") == 0, "bare word value");
	dialect_free(s, 1);
}

static void
test_others(void)
{
	DialectStmt *s = ok("-- a script\nDROP CONNECTION IF EXISTS a; /* nested /* comment */ */ "
						"drop storage connection b;;\nSHOW CONNECTIONS LIKE 'x%';"
						"DESCRIBE CONNECTION EXTENDED c; desc connection d", 5);

	if (!s)
		return;
	CHECK(s[0].kind == DIALECT_DROP && s[0].if_exists && s[0].category == NULL, "untyped drop");
	CHECK(s[1].kind == DIALECT_DROP && strcmp(s[1].category, "STORAGE") == 0, "typed drop");
	CHECK(s[2].kind == DIALECT_SHOW, "show");
	CHECK(s[3].kind == DIALECT_DESC && s[3].extended && strcmp(s[3].name, "c") == 0, "describe extended");
	CHECK(s[4].kind == DIALECT_DESC && !s[4].extended, "desc");
	CHECK(s[1].location == (int) strlen("-- a script\nDROP CONNECTION IF EXISTS a; /* nested /* comment */ */ "),
		  "statement location");
	dialect_free(s, 5);

	s = ok("   -- only a comment\n", 0);
	dialect_free(s, 0);
}

static void
test_errors(void)
{
	bad("CREATE STORAGE CONNECTION", 25, "end of input (expected a connection name)");
	bad("CREATE STORAGE CONNECTION x", 27, "end of input (expected TYPE)");
	bad("CREATE STORAGE CONNECTION x oss", 28, "near \"oss\" (expected TYPE)");
	bad("CREATE BUCKET CONNECTION x TYPE oss", 7, "(expected API, STORAGE or CATALOG)");
	bad("CREATE STORAGE CONNECTION x TYPE oss access_key 's3cr3t'", 48,
		"at a string constant (expected \"=\")");
	bad("CREATE STORAGE CONNECTION x TYPE oss access_key = 's3cr3t", 50, "unterminated quoted string");
	bad("CREATE STORAGE CONNECTION x TYPE oss a = '1' A = 's3cr3t'", 45, "specified more than once");
	bad("CREATE STORAGE CONNECTION x TYPE oss a = '1' comment 'c' comment 'd'", 57,
		"comment is specified more than once");
	bad("CREATE STORAGE CONNECTION x TYPE oss a = ['1' 's3cr3t']", 46, "at a string constant (expected \",\")");
	bad("CREATE STORAGE CONNECTION x TYPE oss a = @", 41, "at an unexpected character");
	bad("DROP CONNECTION @", 16, "near \"@\"");
	/* inside the properties no token is echoed: it may be a secret */
	bad("CREATE STORAGE CONNECTION x TYPE oss access_key s3cr3t", 48, "at a word (expected \"=\")");
	bad("CREATE STORAGE CONNECTION x TYPE oss access_key = \"s3cr3t\"", 50,
		"at a quoted identifier (expected a value)");
	bad("DROP CONNECTION a b", 18, "near \"b\" (expected \";\")");
	bad("DROP TABLE t", 5, "(expected CONNECTION)");
	bad("SELECT 1", 0, "(expected CREATE, DROP, SHOW or DESC)");
	bad("DROP CONNECTION a; /* never closed", 19, "unterminated /* comment");
	bad("DESC CONNECTION \"unterminated", 16, "unterminated quoted identifier");
	bad("CREATE STORAGE CONNECTION x TYPE oss WITH PROPERTIES ('a' = 's3cr3t'", 68, "end of input");
}

int
main(void)
{
	test_create();
	test_others();
	test_errors();
	printf("%d passed, %d failed\n", passed, failed);
	return failed > 0;
}
