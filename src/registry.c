/*-------------------------------------------------------------------------
 *
 * registry.c
 *	  The connection type registry (one static table) and the validation
 *	  of connection names and property sets against it.
 *
 * Adding a type means adding one ConnTypeDef and its property array below;
 * everything else (types(), desc() order, validation, encryption of the
 * identifier and secret kinds) follows from the table.
 *
 * Validation happens in two steps.  ConnParseProps() turns a jsonb object
 * into a ConnProps, checking each key and each value on its own (known
 * property, value shape, canonical case).  ConnValidateProps() then checks
 * the set as a whole: authentication mode, requiredness, properties that
 * depend on others, ARN shapes and the cloud restriction.  Error messages
 * name properties and types, and echo plain values only: an identifier or
 * secret value never appears in any message.
 *
 * IDENTIFICATION
 *	  src/registry.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <arpa/inet.h>
#include <ctype.h>

#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "parser/scansup.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/varlena.h"

#include "connection.h"
#include "provider.h"
#include "registry.h"
#include "wipe.h"

int			conn_cloud_provider = CONN_CLOUD_NONE;

static const char *const security_protocols[] =
{"PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "SSL", NULL};
static const char *const sasl_mechanisms[] =
{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "GSSAPI", NULL};

/* PEM values: a chain of certificates, or a private key */
#define PEM_MAX (64 * 1024)
static const char *const providers[] =
{"aliyun", "tencent", "aws", NULL};
static const char *const addressing_styles[] =
{"auto", "path", "virtual", NULL};

#define ADDRESSING_STYLE_PROP \
	{"ADDRESSING_STYLE", NULL, CONN_PLAIN, CONN_REQ_OPTIONAL, CONN_FMT_ENUM, addressing_styles, 0, \
	 "auto (default: virtual-hosted on the provider's domains, else path-style), path or virtual"}

/* The STS options every role-capable type accepts (SPEC section 6). */
#define STS_OPTIONS \
	{"SOURCE_CONNECTION", NULL, CONN_PLAIN, CONN_REQ_STS, CONN_FMT_CONNECTION, NULL, 0, \
	 "keys-mode connection whose keys sign the AssumeRole call"}, \
	{"STS_ENDPOINT", NULL, CONN_PLAIN, CONN_REQ_OPTIONAL, CONN_FMT_ENDPOINT, NULL, 0, \
	 "STS endpoint of AssumeRole (role) or of validate()'s GetCallerIdentity (keys); default: the provider's regional endpoint"}, \
	{"SESSION_NAME", NULL, CONN_PLAIN, CONN_REQ_STS, CONN_FMT_SESSION_NAME, NULL, 0, \
	 "role session name, 2 to 64 characters"}, \
	{"DURATION_SECONDS", NULL, CONN_PLAIN, CONN_REQ_STS, CONN_FMT_DURATION, NULL, 0, \
	 "lifetime of the temporary credentials in seconds, 900 to 43200"}

#define EXTERNAL_ID_PROP \
	{"EXTERNAL_ID", NULL, CONN_PLAIN, CONN_REQ_GENERATED, CONN_FMT_GENERATED, NULL, 0, \
	 "generated at creation for the role's trust policy; sent with every AssumeRole call"}

#define ROLE_ARN_PROP(req, what) \
	{"ROLE_ARN", NULL, CONN_PLAIN, req, CONN_FMT_ARN, NULL, 0, what}

static const ConnPropDef oss_props[] = {
	{"ACCESS_ID", NULL, CONN_IDENTIFIER, CONN_REQ_KEYS, CONN_FMT_TEXT, NULL, 0, "AccessKey ID"},
	{"ACCESS_KEY", NULL, CONN_SECRET, CONN_REQ_KEYS, CONN_FMT_TEXT, NULL, 0, "AccessKey secret"},
	{"ENDPOINT", NULL, CONN_PLAIN, CONN_REQ_REQUIRED, CONN_FMT_ENDPOINT, NULL, 0, "OSS endpoint"},
	{"REGION", NULL, CONN_PLAIN, CONN_REQ_ROLE, CONN_FMT_REGION, NULL, 0, "region, such as cn-shanghai"},
	ADDRESSING_STYLE_PROP,
	ROLE_ARN_PROP(CONN_REQ_ROLE_ARN, "RAM role to assume: acs:ram::<account>:role/<name>"),
	EXTERNAL_ID_PROP,
	STS_OPTIONS
};

static const ConnPropDef cos_props[] = {
	{"ACCESS_KEY", NULL, CONN_IDENTIFIER, CONN_REQ_KEYS, CONN_FMT_TEXT, NULL, 0, "SecretId"},
	{"SECRET_KEY", NULL, CONN_SECRET, CONN_REQ_KEYS, CONN_FMT_TEXT, NULL, 0, "SecretKey"},
	{"REGION", NULL, CONN_PLAIN, CONN_REQ_REQUIRED, CONN_FMT_REGION, NULL, 0, "region, such as ap-shanghai"},
	{"APP_ID", NULL, CONN_PLAIN, CONN_REQ_REQUIRED, CONN_FMT_DIGITS, NULL, 0, "APPID of the account"},
	{"ENDPOINT", NULL, CONN_PLAIN, CONN_REQ_OPTIONAL, CONN_FMT_ENDPOINT, NULL, 0,
	"COS endpoint (default: cos.<REGION>.myqcloud.com)"},
	ADDRESSING_STYLE_PROP,
	ROLE_ARN_PROP(CONN_REQ_ROLE_ARN, "CAM role to assume: qcs::cam::uin/<account>:roleName/<name>"),
	EXTERNAL_ID_PROP,
	STS_OPTIONS
};

static const ConnPropDef s3_props[] = {
	{"ACCESS_KEY", "ACCESS_KEY_ID", CONN_IDENTIFIER, CONN_REQ_KEYS, CONN_FMT_TEXT, NULL, 0, "access key ID"},
	{"SECRET_KEY", "SECRET_ACCESS_KEY", CONN_SECRET, CONN_REQ_KEYS, CONN_FMT_TEXT, NULL, 0, "secret access key"},
	{"REGION", NULL, CONN_PLAIN, CONN_REQ_REQUIRED, CONN_FMT_REGION, NULL, 0, "region, such as us-east-1"},
	{"ENDPOINT", NULL, CONN_PLAIN, CONN_REQ_OPTIONAL, CONN_FMT_ENDPOINT, NULL, 0, "endpoint of an S3-compatible service"},
	ADDRESSING_STYLE_PROP,
	ROLE_ARN_PROP(CONN_REQ_ROLE_ARN, "IAM role to assume: arn:aws:iam::<account>:role/<name>"),
	EXTERNAL_ID_PROP,
	STS_OPTIONS
};

static const ConnPropDef kafka_props[] = {
	{"BOOTSTRAP_SERVERS", NULL, CONN_PLAIN, CONN_REQ_REQUIRED, CONN_FMT_HOSTPORT_LIST, NULL, 0, "list of host:port"},
	{"SECURITY_PROTOCOL", NULL, CONN_PLAIN, CONN_REQ_OPTIONAL, CONN_FMT_ENUM, security_protocols, 0,
	"PLAINTEXT (default), SASL_PLAINTEXT, SASL_SSL or SSL"},
	{"SASL_MECHANISM", NULL, CONN_PLAIN, CONN_REQ_SASL, CONN_FMT_ENUM, sasl_mechanisms, 0,
	"PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or GSSAPI (Kerberos)"},
	{"SASL_USERNAME", NULL, CONN_IDENTIFIER, CONN_REQ_SASL_PASSWORD, CONN_FMT_TEXT, NULL, 0,
	"SASL user name (not with GSSAPI)"},
	{"SASL_PASSWORD", NULL, CONN_SECRET, CONN_REQ_SASL_PASSWORD, CONN_FMT_TEXT, NULL, 0,
	"SASL password (not with GSSAPI)"},
	{"KERBEROS_PRINCIPAL", NULL, CONN_IDENTIFIER, CONN_REQ_GSSAPI, CONN_FMT_TEXT, NULL, 0,
	"Kerberos principal of the client (GSSAPI)"},
	{"KERBEROS_KEYTAB", NULL, CONN_SECRET, CONN_REQ_GSSAPI, CONN_FMT_BASE64, NULL, 1024 * 1024,
	"base64 keytab of the principal (GSSAPI)"},
	{"KERBEROS_SERVICE_NAME", NULL, CONN_PLAIN, CONN_REQ_GSSAPI_OPTIONAL, CONN_FMT_TEXT, NULL, 0,
	"Kerberos service name of the brokers (GSSAPI; default kafka)"},
	{"SSL_CA_CERT", NULL, CONN_PLAIN, CONN_REQ_TLS, CONN_FMT_PEM_CERT, NULL, PEM_MAX,
	"PEM certificates of the authorities that sign the brokers' (SSL, SASL_SSL)"},
	{"SSL_CERTIFICATE", NULL, CONN_PLAIN, CONN_REQ_TLS, CONN_FMT_PEM_CERT, NULL, PEM_MAX,
	"PEM client certificate (SSL, SASL_SSL)"},
	{"SSL_KEY", NULL, CONN_SECRET, CONN_REQ_CLIENT_CERT, CONN_FMT_PEM_KEY, NULL, PEM_MAX,
	"PEM private key of the client certificate"},
	{"SSL_KEY_PASSWORD", NULL, CONN_SECRET, CONN_REQ_CLIENT_KEY, CONN_FMT_TEXT, NULL, 0,
	"password of the private key, if it is encrypted"}
};

static const ConnPropDef hdfs_props[] = {
	{"NAME_NODE", NULL, CONN_PLAIN, CONN_REQ_REQUIRED, CONN_FMT_HOST, NULL, 0, "name service or name node"},
	{"NAME_NODE_RPC_ADDRESSES", NULL, CONN_PLAIN, CONN_REQ_REQUIRED, CONN_FMT_HOSTPORT_LIST, NULL, 0,
	"list of host:port"},
	{"KERBEROS_PRINCIPAL", NULL, CONN_IDENTIFIER, CONN_REQ_OPTIONAL, CONN_FMT_TEXT, NULL, 0, "Kerberos principal"},
	{"KERBEROS_KEYTAB", NULL, CONN_SECRET, CONN_REQ_PRINCIPAL, CONN_FMT_BASE64, NULL, 1024 * 1024,
	"base64 keytab of the principal"}
};

static const ConnPropDef cloud_function_props[] = {
	{"PROVIDER", NULL, CONN_PLAIN, CONN_REQ_REQUIRED, CONN_FMT_ENUM, providers, 0, "aliyun, tencent or aws"},
	{"REGION", NULL, CONN_PLAIN, CONN_REQ_REQUIRED, CONN_FMT_REGION, NULL, 0, "region of the function service"},
	ROLE_ARN_PROP(CONN_REQ_REQUIRED, "role the function service assumes, in the provider's ARN form"),
	{"NAMESPACE", NULL, CONN_PLAIN, CONN_REQ_TENCENT, CONN_FMT_TEXT, NULL, 0,
	"namespace (tencent; default \"default\")"},
	{"CODE_BUCKET", NULL, CONN_PLAIN, CONN_REQ_REQUIRED, CONN_FMT_TEXT, NULL, 0, "bucket holding function code"},
	EXTERNAL_ID_PROP,
	STS_OPTIONS
};

static const ConnPropDef hms_props[] = {
	{"HIVE_METASTORE_URIS", NULL, CONN_PLAIN, CONN_REQ_REQUIRED, CONN_FMT_THRIFT_LIST, NULL, 0,
	"list of thrift://host:port or host:port"},
	{"STORAGE_CONNECTION", NULL, CONN_PLAIN, CONN_REQ_REQUIRED, CONN_FMT_CONNECTION, NULL, 0,
	"STORAGE connection for the table data"},
	{"KERBEROS_PRINCIPAL", NULL, CONN_IDENTIFIER, CONN_REQ_OPTIONAL, CONN_FMT_TEXT, NULL, 0,
	"Kerberos principal of the client, for a secured metastore"},
	{"KERBEROS_KEYTAB", NULL, CONN_SECRET, CONN_REQ_PRINCIPAL, CONN_FMT_BASE64, NULL, 1024 * 1024,
	"base64 keytab of the principal"},
	{"METASTORE_PRINCIPAL", NULL, CONN_PLAIN, CONN_REQ_PRINCIPAL, CONN_FMT_TEXT, NULL, 0,
	"Kerberos principal of the metastore, such as hive/_HOST@EXAMPLE.COM"}
};

static const ConnPropDef databricks_props[] = {
	{"HOST", NULL, CONN_PLAIN, CONN_REQ_REQUIRED, CONN_FMT_HTTPS_URL, NULL, 0, "workspace URL (https)"},
	{"CLIENT_ID", NULL, CONN_IDENTIFIER, CONN_REQ_OAUTH, CONN_FMT_TEXT, NULL, 0,
	"OAuth client ID of a service principal (OAuth M2M)"},
	{"CLIENT_SECRET", NULL, CONN_SECRET, CONN_REQ_OAUTH, CONN_FMT_TEXT, NULL, 0,
	"OAuth client secret (OAuth M2M)"},
	{"ACCESS_TOKEN", NULL, CONN_SECRET, CONN_REQ_OPTIONAL, CONN_FMT_TEXT, NULL, 0,
	"personal access token, instead of OAuth M2M"},
	{"ACCESS_REGION", NULL, CONN_PLAIN, CONN_REQ_REQUIRED, CONN_FMT_REGION, NULL, 0, "region of the data"}
};

static const ConnPropDef iceberg_rest_props[] = {
	{"URI", NULL, CONN_PLAIN, CONN_REQ_REQUIRED, CONN_FMT_HTTPS_URL, NULL, 0, "catalog URI (https)"},
	{"OAUTH_CLIENT_ID", NULL, CONN_IDENTIFIER, CONN_REQ_REQUIRED, CONN_FMT_TEXT, NULL, 0, "OAuth client ID"},
	{"OAUTH_CLIENT_SECRET", NULL, CONN_SECRET, CONN_REQ_REQUIRED, CONN_FMT_TEXT, NULL, 0, "OAuth client secret"},
	{"OAUTH_SCOPE", NULL, CONN_PLAIN, CONN_REQ_OPTIONAL, CONN_FMT_TEXT, NULL, 0, "OAuth scope"},
	{"WAREHOUSE", NULL, CONN_PLAIN, CONN_REQ_OPTIONAL, CONN_FMT_TEXT, NULL, 0, "warehouse"},
	{"NAMESPACE", NULL, CONN_PLAIN, CONN_REQ_OPTIONAL, CONN_FMT_TEXT, NULL, 0, "namespace"},
	{"ACCESS_REGION", NULL, CONN_PLAIN, CONN_REQ_OPTIONAL, CONN_FMT_REGION, NULL, 0, "region of the data"},
	{"PROPERTIES", NULL, CONN_PLAIN, CONN_REQ_OPTIONAL, CONN_FMT_OBJECT, NULL, 16 * 1024,
	"client properties (WITH PROPERTIES of the native syntax): an object of strings, such as {\"client.region\": \"ap-southeast-1\"}"}
};

#define TYPE(cat, name, cloud, modes, props) \
	{cat, name, cloud, modes, props, lengthof(props)}

const ConnTypeDef ConnTypes[] = {
	TYPE("STORAGE", "OSS", CONN_CLOUD_ALIYUN, true, oss_props),
	TYPE("STORAGE", "COS", CONN_CLOUD_TENCENT, true, cos_props),
	TYPE("STORAGE", "S3", CONN_CLOUD_AWS, true, s3_props),
	TYPE("STORAGE", "KAFKA", CONN_CLOUD_NONE, false, kafka_props),
	TYPE("STORAGE", "HDFS", CONN_CLOUD_NONE, false, hdfs_props),
	TYPE("API", "CLOUD_FUNCTION", CONN_CLOUD_BY_PROVIDER, false, cloud_function_props),
	TYPE("CATALOG", "HMS", CONN_CLOUD_NONE, false, hms_props),
	TYPE("CATALOG", "DATABRICKS", CONN_CLOUD_NONE, false, databricks_props),
	TYPE("CATALOG", "ICEBERG_REST", CONN_CLOUD_NONE, false, iceberg_rest_props),
};
const int	ConnNumTypes = lengthof(ConnTypes);

StaticAssertDecl(lengthof(oss_props) <= CONN_MAX_PROPS &&
				 lengthof(cos_props) <= CONN_MAX_PROPS &&
				 lengthof(s3_props) <= CONN_MAX_PROPS &&
				 lengthof(kafka_props) <= CONN_MAX_PROPS &&
				 lengthof(cloud_function_props) <= CONN_MAX_PROPS,
				 "CONN_MAX_PROPS is too small");

static const char *const categories[] = {"API", "STORAGE", "CATALOG", NULL};

/* Longest user-supplied text echoed in a message. */
#define ECHO_MAX 64

/*
 * Copy of s for use in a message, cut at ECHO_MAX bytes (on a character
 * boundary) with "..." appended when it was longer.
 */
static char *
echo_text(const char *s, int len)
{
	int			cut;

	if (len <= ECHO_MAX)
		return pnstrdup(s, len);
	cut = pg_mbcliplen(s, len, ECHO_MAX);
	return psprintf("%s...", pnstrdup(s, cut));
}

/* ASCII upper-case copy of s[0..len). */
static char *
upper_ascii(const char *s, int len)
{
	char	   *res = pnstrdup(s, len);

	for (char *p = res; *p; p++)
		*p = pg_ascii_toupper((unsigned char) *p);
	return res;
}

/*
 * ConnNormalizeName
 *		Check a connection name against SPEC 1.1 and fold it to lower case.
 *
 * One rule everywhere, the native syntax's (dialect.c): a name may be
 * written as a quoted identifier ("My_S3", "" inside doubling a quote), and
 * is then unquoted and checked and folded like any other, since names are
 * case-insensitive: "T1", T1 and t1 are one connection.
 *
 * Returns a palloc'd copy.  Reports 42602 (invalid_name) for anything that
 * is not a valid identifier of 1 to 63 bytes.
 */
char *
ConnNormalizeName(const char *name, const char *what)
{
	int			len = strlen(name);
	const unsigned char *p;

	if (len >= 2 && name[0] == '"' && name[len - 1] == '"')
	{
		char	   *unquoted = palloc(len);
		int			n = 0;

		for (int i = 1; i < len - 1; i++)
		{
			if (name[i] == '"')
			{
				/* a lone quote inside is no identifier: let the check refuse it */
				if (i + 1 < len - 1 && name[i + 1] == '"')
					i++;
			}
			unquoted[n++] = name[i];
		}
		unquoted[n] = '\0';
		name = unquoted;
		len = n;
	}
	p = (const unsigned char *) name;

	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("%s must not be empty", what)));
	if (len >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("%s \"%s\" is too long", what, echo_text(name, len)),
				 errdetail("Connection names are limited to %d bytes.", NAMEDATALEN - 1)));

	for (int i = 0; i < len; i++)
	{
		unsigned char c = p[i];
		bool		ok;

		/* as in PostgreSQL, bytes of non-ASCII characters count as letters */
		if (i == 0)
			ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
		else
			ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80 ||
				(c >= '0' && c <= '9') || c == '$';
		if (!ok)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_NAME),
					 errmsg("invalid %s \"%s\"", what, echo_text(name, len)),
					 errdetail("Connection names must begin with a letter or underscore and contain only letters, digits, underscores and dollar signs.")));
	}

	return downcase_identifier(name, len, false, false);
}

/*
 * ConnTypeByName
 *		Registry entry of a type name as stored (upper case), or NULL.
 */
const ConnTypeDef *
ConnTypeByName(const char *type)
{
	for (int i = 0; i < ConnNumTypes; i++)
		if (strcmp(ConnTypes[i].name, type) == 0)
			return &ConnTypes[i];
	return NULL;
}

/* Comma-separated list of the valid choices of a NULL-terminated array. */
static char *
join_choices(const char *const *choices)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; choices[i]; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", choices[i]);
	return buf.data;
}

/*
 * ConnLookupType
 *		Resolve a category and type given by the user (any case).
 *
 * Reports 22023 for an unknown category or type, and for a type of another
 * category.
 */
const ConnTypeDef *
ConnLookupType(const char *category, const char *type)
{
	char	   *cat = upper_ascii(category, strlen(category));
	char	   *typ = upper_ascii(type, strlen(type));
	const ConnTypeDef *def;
	bool		known_category = false;

	for (int i = 0; categories[i]; i++)
		if (strcmp(categories[i], cat) == 0)
			known_category = true;
	if (!known_category)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unrecognized connection category \"%s\"", echo_text(category, strlen(category))),
				 errhint("Valid categories are: %s.", join_choices(categories))));

	def = ConnTypeByName(typ);
	if (def == NULL)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		for (int i = 0; i < ConnNumTypes; i++)
			if (strcmp(ConnTypes[i].category, cat) == 0)
				appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "", ConnTypes[i].name);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unrecognized connection type \"%s\"", echo_text(type, strlen(type))),
				 errhint("Valid types of category %s are: %s.", cat, buf.data)));
	}
	if (strcmp(def->category, cat) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("type %s belongs to category %s, not %s", def->name, def->category, cat)));
	return def;
}

/* Can the user set this property at all (in some mode)? */
static bool
prop_is_settable(const ConnPropDef *def)
{
	return def->req != CONN_REQ_GENERATED;
}

/*
 * ConnLookupProp
 *		Index in type->props of a property name or alias (any case).
 *
 * With missing_ok, returns -1 for an unknown name; otherwise reports 22023
 * with a hint that lists the valid names (and the closest one, if close).
 */
int
ConnLookupProp(const ConnTypeDef *type, const char *name, bool missing_ok)
{
	int			len;
	char	   *up;
	const char *closest = NULL;
	int			closest_dist = 3;	/* suggest only within 2 edits */
	StringInfoData valid;

	/* the extension's own lookups spell names as the registry does */
	for (int i = 0; i < type->nprops; i++)
		if (strcmp(type->props[i].name, name) == 0)
			return i;

	len = strlen(name);
	up = upper_ascii(name, len);
	for (int i = 0; i < type->nprops; i++)
	{
		const ConnPropDef *def = &type->props[i];

		if (strcmp(def->name, up) == 0 ||
			(def->alias && strcmp(def->alias, up) == 0))
			return i;
	}
	if (missing_ok)
		return -1;

	initStringInfo(&valid);
	for (int i = 0; i < type->nprops; i++)
	{
		const ConnPropDef *def = &type->props[i];
		int			d;

		if (!prop_is_settable(def))
			continue;
		appendStringInfo(&valid, "%s%s", valid.len > 0 ? ", " : "", def->name);
		if (len < 256)
		{
			d = varstr_levenshtein_less_equal(up, len, def->name, strlen(def->name),
											  1, 1, 1, closest_dist, true);
			if (d < closest_dist)
			{
				closest = def->name;
				closest_dist = d;
			}
		}
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("property \"%s\" is not valid for connection type %s",
					echo_text(up, len), type->name),
			 closest ?
			 errhint("Perhaps you meant the property \"%s\".  Valid properties are: %s.",
					 closest, valid.data) :
			 errhint("Valid properties are: %s.", valid.data)));
	return -1;					/* keep compiler quiet */
}

bool
ConnPropIsList(const ConnPropDef *def)
{
	return def->fmt == CONN_FMT_HOSTPORT_LIST || def->fmt == CONN_FMT_THRIFT_LIST;
}

static void
bad_value(const ConnPropDef *def, const char *value, const char *detail)
{
	/* plain values help the user find the mistake; others are never shown */
	if (def->kind == CONN_PLAIN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for property \"%s\": \"%s\"",
						def->name, echo_text(value, strlen(value))),
				 errdetail("%s", detail)));
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for property \"%s\"", def->name),
				 errdetail("%s", detail)));
}

static bool
all_chars(const char *s, const char *extra, bool alnum)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
	{
		unsigned char c = *s;

		if (alnum && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			continue;
		if (extra && c != '\0' && strchr(extra, c))
			continue;
		return false;
	}
	return true;
}

static bool
has_blank_or_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char) *s <= ' ' || *s == 0x7f)
			return true;
	return false;
}

/*
 * ConnHostProblem
 *		Why host is not a plausible host, or NULL: an IPv4 address in dotted
 *		decimal, a bracketed IPv6 address, or a DNS name of labels of 1 to
 *		63 letters, digits, '-' and '_' (neither first nor last a '-'), 253
 *		bytes at most, whose last label is not all digits.  With
 *		need_domain, a name needs a domain (a dot) unless it is localhost:
 *		where the server sends requests, a name that only resolves through
 *		the resolver's search list (or a stray word, "e") is refused.
 */
const char *
ConnHostProblem(const char *host, bool need_domain)
{
	int			len = strlen(host);
	int			labels = 0;
	const char *label = host;
	bool		numeric = true;

	if (host[0] == '[')
		return NULL;			/* an IPv6 literal, checked as an authority */
	if (len == 0 || len > 253)
		return "A host name has 1 to 253 characters.";
	for (const char *p = host; *p; p++)
		if (!(isdigit((unsigned char) *p) || *p == '.'))
			numeric = false;
	if (numeric)
	{
		unsigned char buf[sizeof(struct in_addr)];

		return inet_pton(AF_INET, host, buf) == 1 ? NULL :
			"An IPv4 address has four numbers from 0 to 255.";
	}
	for (const char *p = host;; p++)
	{
		if (*p == '.' || *p == '\0')
		{
			int			n = p - label;

			if (n == 0)
				return "A host name has no empty labels (no leading, trailing or doubled dot).";
			if (n > 63)
				return "A label of a host name has at most 63 characters.";
			if (label[0] == '-' || label[n - 1] == '-')
				return "A label of a host name neither starts nor ends with a hyphen.";
			labels++;
			if (*p == '\0')
				break;
			label = p + 1;
		}
		else if (!isalnum((unsigned char) *p) && *p != '-' && *p != '_')
			return "A host name has only letters, digits, hyphens, underscores and dots.";
	}
	if (strspn(label, "0123456789") == strlen(label))
		return "The last label of a host name is not a number.";
	if (need_domain && labels < 2 && pg_strcasecmp(host, "localhost") != 0)
		return "A host where the server sends requests is a fully qualified name (with its domain), an IP address, or localhost.";
	return NULL;
}

/*
 * Why s is not a host:port (host a name, an IPv4 address or a bracketed
 * IPv6 one, port 1 to 65535), or NULL; what_form says what an item looks
 * like.
 */
static const char *
host_port_problem(const char *s, const char *what_form)
{
	const char *colon;
	const char *port;
	long		portnum;

	if (s[0] == '[')
	{
		const char *close = strchr(s, ']');

		if (close == NULL || close == s + 1 || close[1] != ':')
			return what_form;
		colon = close + 1;
	}
	else
	{
		const char *problem;

		colon = strrchr(s, ':');
		if (colon == NULL || colon == s || memchr(s, ':', colon - s) != NULL)
			return what_form;
		problem = ConnHostProblem(pnstrdup(s, colon - s), false);
		if (problem)
			return problem;
	}
	port = colon + 1;
	if (*port == '\0' || strlen(port) > 5 || strspn(port, "0123456789") != strlen(port))
		return what_form;
	portnum = strtol(port, NULL, 10);
	return (portnum >= 1 && portnum <= 65535) ? NULL : "A port is a number from 1 to 65535.";
}

static bool
valid_base64(const char *s)
{
	int			n = 0;
	int			pad = 0;

	for (; *s; s++)
	{
		unsigned char c = *s;

		if (c == '\n' || c == '\r' || c == ' ' || c == '\t')
			continue;
		if (c == '=')
			pad++;
		else if (pad > 0)
			return false;		/* data after padding */
		else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				   (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return false;
		n++;
	}
	return n > 0 && n % 4 == 0 && pad <= 2;
}

/* Is value an http:// URL of 127.0.0.1, [::1] or localhost? */
static bool
http_loopback(const char *value)
{
	static const char *const hosts[] = {"127.0.0.1", "[::1]", "localhost", NULL};

	if (pg_strncasecmp(value, "http://", 7) != 0)
		return false;
	value += 7;
	for (int i = 0; hosts[i]; i++)
	{
		size_t		n = strlen(hosts[i]);

		if (pg_strncasecmp(value, hosts[i], n) == 0 &&
			(value[n] == '\0' || value[n] == ':' || value[n] == '/'))
			return true;
	}
	return false;
}

/*
 * Check one list item; returns NULL if it is fine, else the detail text.
 */
static const char *
check_list_item(const ConnPropDef *def, const char *item)
{
	if (def->fmt == CONN_FMT_THRIFT_LIST)
	{
		if (pg_strncasecmp(item, "thrift://", 9) == 0)
			item += 9;
		return host_port_problem(item, "Each item must have the form thrift://host:port or host:port.");
	}
	return host_port_problem(item, "Each item must have the form host:port.");
}

/*
 * Check the shape of one scalar value and return its canonical form
 * (palloc'd).  Context-free checks only; see ConnValidateProps for the rest.
 */
static char *
check_value(const ConnPropDef *def, char *value)
{
	int			len = strlen(value);
	int			maxlen = def->maxlen > 0 ? def->maxlen : CONN_MAX_VALUE_LEN;

	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value of property \"%s\" must not be empty", def->name)));
	if (len > maxlen)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value of property \"%s\" is too long", def->name),
				 errdetail("The limit is %d bytes.", maxlen)));
	if (def->kind == CONN_PLAIN && !ConnPropIsList(def))
	{
		bool		lines = (def->fmt == CONN_FMT_PEM_CERT);

		for (const char *p = value; *p; p++)
			if (((unsigned char) *p < ' ' || *p == 0x7f) && !(lines && (*p == '\n' || *p == '\r')))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("value of property \"%s\" must not contain control characters",
								def->name)));
	}

	switch (def->fmt)
	{
		case CONN_FMT_TEXT:
		case CONN_FMT_ARN:		/* checked with the whole set */
		case CONN_FMT_GENERATED:
		case CONN_FMT_OBJECT:	/* object_text() */
			break;
		case CONN_FMT_HOST:
		case CONN_FMT_ENDPOINT:
			if (has_blank_or_control(value))
				bad_value(def, value, "Host names and URLs must not contain blanks.");
			break;
		case CONN_FMT_REGION:
			if (len > 64 || !all_chars(value, "-_", true))
				bad_value(def, value, "Regions consist of letters, digits, hyphens and underscores.");
			break;
		case CONN_FMT_DIGITS:
			if (!all_chars(value, "0123456789", false))
				bad_value(def, value, "The value must consist of digits only.");
			break;
		case CONN_FMT_HTTPS_URL:
			/* plain http only to this very machine (a local proxy, a test) */
			if ((pg_strncasecmp(value, "https://", 8) != 0 && !http_loopback(value)) ||
				strstr(value, "://")[3] == '\0' || strstr(value, "://")[3] == '/' ||
				has_blank_or_control(value))
				bad_value(def, value, "The value must be an https:// URL (http:// only to 127.0.0.1, [::1] or localhost).");
			break;
		case CONN_FMT_ENUM:
			for (int i = 0; def->choices[i]; i++)
				if (pg_strcasecmp(def->choices[i], value) == 0)
					return pstrdup(def->choices[i]);
			bad_value(def, value, psprintf("Valid values are: %s.", join_choices(def->choices)));
			break;
		case CONN_FMT_PEM_CERT:
			if (strstr(value, "-----BEGIN CERTIFICATE-----") == NULL ||
				strstr(value, "-----END CERTIFICATE-----") == NULL)
				bad_value(def, value, "The value must be PEM certificates (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----).");
			break;
		case CONN_FMT_PEM_KEY:
			if (strncmp(value, "-----BEGIN ", 11) != 0 || strstr(value, "PRIVATE KEY-----") == NULL ||
				strstr(value, "-----END ") == NULL)
				bad_value(def, value, "The value must be a PEM private key (-----BEGIN PRIVATE KEY----- ... -----END PRIVATE KEY-----).");
			break;
		case CONN_FMT_BASE64:
			if (!valid_base64(value))
				bad_value(def, value, "The value must be base64-encoded.");
			break;
		case CONN_FMT_CONNECTION:
			return ConnNormalizeName(value, "connection name");
		case CONN_FMT_DURATION:
			{
				char	   *end;
				long		secs;

				errno = 0;
				secs = strtol(value, &end, 10);
				if (*end != '\0' || errno != 0 || secs < 900 || secs > 43200)
					bad_value(def, value, "The duration must be an integer number of seconds from 900 to 43200.");
				return psprintf("%ld", secs);
			}
		case CONN_FMT_SESSION_NAME:
			if (len < 2 || len > 64 || !all_chars(value, "_=,.@-", true))
				bad_value(def, value, "Session names have 2 to 64 letters, digits and characters _=,.@-.");
			break;
		case CONN_FMT_HOSTPORT_LIST:
		case CONN_FMT_THRIFT_LIST:
			elog(ERROR, "list property \"%s\" checked as scalar", def->name);
	}
	return value;
}

/*
 * A copy of a value given by the user: an identifier's or a secret's is
 * wiped when the current memory context goes, whatever error comes first.
 */
static char *
copy_value(const ConnPropDef *def, const char *s, int len)
{
	if (def->kind == CONN_PLAIN)
		return pnstrdup(s, len);
	return ConnStrdupWiped(CurrentMemoryContext, s, len);
}

/*
 * Parse a list value: either the items of a JSON array, or a comma-separated
 * string.  Returns the canonical value: the trimmed items joined by ','.
 */
static char *
check_list(const ConnPropDef *def, List *items)
{
	StringInfoData buf;
	ListCell   *lc;
	int			maxlen = def->maxlen > 0 ? def->maxlen : CONN_MAX_VALUE_LEN;

	if (items == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value of property \"%s\" must not be empty", def->name)));
	initStringInfo(&buf);
	foreach(lc, items)
	{
		char	   *item = lfirst(lc);
		const char *detail;
		int			start = 0;
		int			end = strlen(item);

		while (start < end && item[start] == ' ')
			start++;
		while (end > start && item[end - 1] == ' ')
			end--;
		item = copy_value(def, item + start, end - start);
		if (item[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("value of property \"%s\" contains an empty item", def->name)));
		detail = check_list_item(def, item);
		if (detail)
			bad_value(def, item, detail);
		appendStringInfo(&buf, "%s%s", buf.len > 0 ? "," : "", item);
	}
	if (buf.len > maxlen)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value of property \"%s\" is too long", def->name),
				 errdetail("The limit is %d bytes.", maxlen)));
	return buf.data;
}

static char *scalar_text(const ConnPropDef *def, JsonbValue *v);

/* Words in a client property's name that say it holds a secret. */
static const char *const secret_words[] = {
	"secret", "password", "passwd", "token", "credential", "private", "access-key",
	"access_key", "accesskey", "session-key", NULL
};

/*
 * The canonical text of an object value (CONN_FMT_OBJECT): its JSON, keys
 * in jsonb's order.  Keys are 1 to 256 bytes without control characters,
 * and none may name a secret: these values are plain, shown by desc() and
 * stored in clear, so a client's keys and passwords belong in the
 * connection's own secret properties.  Values are strings (numbers and
 * booleans are taken as their text).
 */
static char *
object_text(const ConnPropDef *def, JsonbValue *v)
{
	JsonbIterator *it;
	JsonbValue	k;
	JsonbValue	val;
	JsonbIteratorToken tok;
	JsonbParseState *state = NULL;
	Jsonb	   *canonical;
	int			count = 0;
	char	   *text;

	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value of property \"%s\" must be a JSON object of strings", def->name)));
	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		char	   *key;
		char	   *lower;

		if (tok != WJB_KEY)
			continue;
		key = pnstrdup(k.val.string.val, k.val.string.len);
		if (k.val.string.len == 0 || k.val.string.len > 256)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("names in property \"%s\" have 1 to 256 bytes", def->name)));
		for (const char *p = key; *p; p++)
			if ((unsigned char) *p < ' ' || *p == 0x7f)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("names in property \"%s\" must not contain control characters", def->name)));
		lower = asc_tolower(key, strlen(key));
		for (int i = 0; secret_words[i]; i++)
			if (strstr(lower, secret_words[i]))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("property \"%s\" cannot hold \"%s\", which names a secret",
								def->name, echo_text(key, strlen(key))),
						 errdetail("Client properties are stored in clear and shown by desc()."),
						 errhint("Give credentials to the connection's own properties, or to a storage connection.")));
		if (++count > 64)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("property \"%s\" has more than 64 entries", def->name)));
		tok = JsonbIteratorNext(&it, &val, true);
		Assert(tok == WJB_VALUE);
		pushJsonbValue(&state, WJB_KEY, &k);
		{
			JsonbValue	s;
			ConnPropDef item = *def;

			item.fmt = CONN_FMT_TEXT;
			item.maxlen = 0;
			s.type = jbvString;
			s.val.string.val = scalar_text(&item, &val);
			for (const char *p = s.val.string.val; *p; p++)
				if ((unsigned char) *p < ' ' || *p == 0x7f)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("values in property \"%s\" must not contain control characters", def->name)));
			s.val.string.len = strlen(s.val.string.val);
			pushJsonbValue(&state, WJB_VALUE, &s);
		}
	}
	canonical = JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, NULL));
	text = JsonbToCString(NULL, &canonical->root, VARSIZE(canonical));
	if (strlen(text) > (size_t) def->maxlen)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value of property \"%s\" is too long", def->name),
				 errdetail("The limit is %d bytes.", def->maxlen)));
	return text;
}

/* Text of a scalar jsonb value: strings, numbers and booleans. */
static char *
scalar_text(const ConnPropDef *def, JsonbValue *v)
{
	switch (v->type)
	{
		case jbvString:
			return copy_value(def, v->val.string.val, v->val.string.len);
		case jbvNumeric:
			{
				char	   *digits = DatumGetCString(DirectFunctionCall1(numeric_out,
																		 NumericGetDatum(v->val.numeric)));
				char	   *copy = copy_value(def, digits, strlen(digits));

				explicit_bzero(digits, strlen(digits));
				pfree(digits);
				return copy;
			}
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		case jbvNull:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("value of property \"%s\" must not be null", def->name),
					 errhint("To remove a property, use unset_properties of connection.alter().")));
			break;
		default:
			break;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("value of property \"%s\" must be a string", def->name),
			 ConnPropIsList(def) ?
			 errhint("List values are a JSON array of strings or a comma-separated string.") : 0));
	return NULL;				/* keep compiler quiet */
}

/*
 * ConnParseProps
 *		Fill props (whose type is set and whose values are all NULL) from a
 *		jsonb object of property names to values.
 */
void
ConnParseProps(ConnProps *props, Jsonb *json)
{
	const ConnTypeDef *type = props->type;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (!JB_ROOT_IS_OBJECT(json) || JB_ROOT_IS_SCALAR(json))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("connection properties must be a JSON object"),
				 errhint("For example: '{\"ENDPOINT\": \"oss-cn-shanghai.aliyuncs.com\"}'.")));

	it = JsonbIteratorInit(&json->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *key;
		int			idx;
		const ConnPropDef *def;
		char	   *value;

		if (tok != WJB_KEY)
			continue;
		key = pnstrdup(v.val.string.val, v.val.string.len);
		idx = ConnLookupProp(type, key, false);
		def = &type->props[idx];
		if (!prop_is_settable(def))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("property \"%s\" cannot be set", def->name),
					 errdetail("It is generated when a role-based connection is created.")));
		if (props->values[idx] != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("property \"%s\" is specified more than once", def->name)));

		tok = JsonbIteratorNext(&it, &v, true);
		Assert(tok == WJB_VALUE);

		if (def->fmt == CONN_FMT_OBJECT)
		{
			props->values[idx] = object_text(def, &v);
			continue;
		}
		if (ConnPropIsList(def))
		{
			List	   *items = NIL;

			if (v.type == jbvBinary && JsonContainerIsArray(v.val.binary.data))
			{
				JsonbIterator *ait = JsonbIteratorInit(v.val.binary.data);
				JsonbValue	elem;

				while ((tok = JsonbIteratorNext(&ait, &elem, true)) != WJB_DONE)
				{
					if (tok != WJB_ELEM)
						continue;
					if (elem.type != jbvString)
						ereport(ERROR,
								(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								 errmsg("items of property \"%s\" must be strings", def->name)));
					items = lappend(items, copy_value(def, elem.val.string.val, elem.val.string.len));
				}
			}
			else
			{
				char	   *s = scalar_text(def, &v);
				char	   *tok_start = s;

				for (char *p = s;; p++)
				{
					if (*p == ',' || *p == '\0')
					{
						bool		last = (*p == '\0');

						*p = '\0';
						items = lappend(items, tok_start);
						if (last)
							break;
						tok_start = p + 1;
					}
				}
				if (list_length(items) == 1 && ((char *) linitial(items))[0] == '\0')
					items = NIL;
			}
			value = check_list(def, items);
		}
		else
			value = check_value(def, scalar_text(def, &v));

		props->values[idx] = value;
	}
}

/* Value of the named property, or NULL. */
const char *
ConnPropValue(const ConnProps *props, const char *name)
{
	int			idx = ConnLookupProp(props->type, name, true);

	return idx >= 0 ? props->values[idx] : NULL;
}

/*
 * ConnKeyProp
 *		Index of a type's access key ID (kind CONN_IDENTIFIER) or secret
 *		(CONN_SECRET) in keys mode, or -1 if the type has no keys mode.
 */
int
ConnKeyProp(const ConnTypeDef *type, ConnPropKind kind)
{
	for (int i = 0; i < type->nprops; i++)
		if (type->props[i].req == CONN_REQ_KEYS && type->props[i].kind == kind)
			return i;
	return -1;
}

/*
 * ConnJsonbString
 *		The string member key of a jsonb object, palloc'd, or NULL when c is
 *		NULL or the member is missing or not a string.
 */
char *
ConnJsonbString(JsonbContainer *c, const char *key)
{
	JsonbValue *v;

	if (c == NULL)
		return NULL;
	v = getKeyJsonValueFromContainer(c, key, strlen(key), NULL);
	return (v && v->type == jbvString) ? pnstrdup(v->val.string.val, v->val.string.len) : NULL;
}

bool
ConnPropsRoleMode(const ConnProps *props)
{
	return ConnPropValue(props, "ROLE_ARN") != NULL;
}

/*
 * ConnCloudOf
 *		The cloud of a type, or for CLOUD_FUNCTION of its PROVIDER (NULL
 *		when unset); CONN_CLOUD_NONE for the types of every cloud.
 */
ConnCloud
ConnCloudOf(const ConnTypeDef *type, const char *provider)
{
	if (type->cloud != CONN_CLOUD_BY_PROVIDER)
		return type->cloud;
	if (provider == NULL)
		return CONN_CLOUD_NONE;
	if (strcmp(provider, "aliyun") == 0)
		return CONN_CLOUD_ALIYUN;
	if (strcmp(provider, "tencent") == 0)
		return CONN_CLOUD_TENCENT;
	return CONN_CLOUD_AWS;
}

/* The cloud a set of properties belongs to (see ConnCloudOf). */
ConnCloud
ConnPropsCloud(const ConnProps *props)
{
	return ConnCloudOf(props->type, ConnPropValue(props, "PROVIDER"));
}

const char *
ConnCloudName(ConnCloud cloud)
{
	const ConnProvider *provider = ConnProviderOf(cloud);

	return provider ? provider->label : "any cloud";
}

/* 16 random letters and digits, for EXTERNAL_ID. */
static char *
generate_external_id(void)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	uint8		rnd[16];
	char	   *res = palloc(sizeof(rnd) + 1);

	if (!pg_strong_random(rnd, sizeof(rnd)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate random external ID")));
	/* 256 % 62 != 0: reject the biased tail rather than skew the alphabet */
	for (int i = 0; i < (int) sizeof(rnd); i++)
	{
		while (rnd[i] >= 248)
			if (!pg_strong_random(&rnd[i], 1))
				ereport(ERROR,
						(errcode(ERRCODE_INTERNAL_ERROR),
						 errmsg("could not generate random external ID")));
		res[i] = alphabet[rnd[i] % 62];
	}
	res[sizeof(rnd)] = '\0';
	return res;
}

/* A required property is missing: one full message per kind of rule. */
static void
require(const ConnProps *props, const ConnPropDef *def)
{
	const char *protocol = ConnPropValue(props, "SECURITY_PROTOCOL");

	switch (def->req)
	{
		case CONN_REQ_KEYS:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("property \"%s\" is required for %s connections that authenticate with access keys",
							def->name, props->type->name)));
			break;
		case CONN_REQ_ROLE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("property \"%s\" is required for %s connections that assume a role",
							def->name, props->type->name)));
			break;
		case CONN_REQ_SASL:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("property \"%s\" is required for %s connections with SECURITY_PROTOCOL %s",
							def->name, props->type->name, protocol)));
			break;
		case CONN_REQ_PRINCIPAL:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("property \"%s\" is required for %s connections with KERBEROS_PRINCIPAL",
							def->name, props->type->name)));
			break;
		case CONN_REQ_SASL_PASSWORD:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("property \"%s\" is required for %s connections with SASL_MECHANISM %s",
							def->name, props->type->name, ConnPropValue(props, "SASL_MECHANISM"))));
			break;
		case CONN_REQ_GSSAPI:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("property \"%s\" is required for %s connections with SASL_MECHANISM GSSAPI",
							def->name, props->type->name)));
			break;
		case CONN_REQ_CLIENT_CERT:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("property \"%s\" is required for %s connections with SSL_CERTIFICATE",
							def->name, props->type->name)));
			break;
		case CONN_REQ_OAUTH:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("property \"%s\" is required for %s connections that authenticate with OAuth",
							def->name, props->type->name),
					 errhint("Either set CLIENT_ID and CLIENT_SECRET (OAuth machine-to-machine), or set ACCESS_TOKEN (a personal access token).")));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("property \"%s\" is required for %s connections",
							def->name, props->type->name)));
			break;
	}
}

/* Refuse a property set without what it goes with (22023). */
static void
only_with(const ConnPropDef *def, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("property \"%s\" is only valid with %s", def->name, what)));
}

static void
auth_error(const ConnProps *props, const char *connname, bool both)
{
	const ConnPropDef *keys[2];
	int			n = 0;

	for (int i = 0; i < props->type->nprops && n < 2; i++)
		if (props->type->props[i].req == CONN_REQ_KEYS)
			keys[n++] = &props->type->props[i];
	Assert(n == 2);

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 both ?
			 errmsg("connection \"%s\" cannot use both access keys and a role", connname) :
			 errmsg("connection \"%s\" must authenticate with access keys or a role", connname),
			 errhint("Either set %s and %s (access keys), or set ROLE_ARN (a role assumed through STS).",
					 keys[0]->name, keys[1]->name)));
}

/*
 * ConnValidateProps
 *		Check a complete property set and complete it: generate EXTERNAL_ID in
 *		role mode (keeping one already present), drop it otherwise, fill
 *		defaults; refuse types of another cloud than
 *		connection.cloud_provider.
 */
void
ConnValidateProps(ConnProps *props, const char *connname)
{
	const ConnTypeDef *type = props->type;
	bool		role = ConnPropsRoleMode(props);
	const char *protocol = ConnPropValue(props, "SECURITY_PROTOCOL");
	bool		sasl = protocol && strncmp(protocol, "SASL_", 5) == 0;
	bool		principal = ConnPropValue(props, "KERBEROS_PRINCIPAL") != NULL;
	const char *provider = ConnPropValue(props, "PROVIDER");
	const char *mechanism = ConnPropValue(props, "SASL_MECHANISM");
	bool		gssapi = sasl && mechanism && strcmp(mechanism, "GSSAPI") == 0;
	bool		tls = protocol && (strcmp(protocol, "SSL") == 0 || strcmp(protocol, "SASL_SSL") == 0);
	bool		client_cert = ConnPropValue(props, "SSL_CERTIFICATE") != NULL;
	bool		client_key = ConnPropValue(props, "SSL_KEY") != NULL;
	bool		token = ConnPropValue(props, "ACCESS_TOKEN") != NULL;
	ConnCloud	cloud = ConnPropsCloud(props);

	if (type->has_auth_modes)
	{
		bool		keys = false;

		for (int i = 0; i < type->nprops; i++)
			if (type->props[i].req == CONN_REQ_KEYS && props->values[i])
				keys = true;
		if (keys && role)
			auth_error(props, connname, true);
		if (!keys && !role)
			auth_error(props, connname, false);
	}

	for (int i = 0; i < type->nprops; i++)
	{
		const ConnPropDef *def = &type->props[i];
		char	   *val = props->values[i];

		switch (def->req)
		{
			case CONN_REQ_OPTIONAL:
			case CONN_REQ_ROLE_ARN:
				break;
			case CONN_REQ_REQUIRED:
				if (!val)
					require(props, def);
				break;
			case CONN_REQ_KEYS:
				if (!val && !role)
					require(props, def);
				break;
			case CONN_REQ_ROLE:
				if (!val && role)
					require(props, def);
				break;
			case CONN_REQ_STS:
				if (val && !role)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("property \"%s\" is only valid for connections that assume a role",
									def->name),
							 errhint("Set ROLE_ARN to assume a role through STS.")));
				break;
			case CONN_REQ_GENERATED:
				if (role && !val)
					props->values[i] = generate_external_id();
				else if (!role)
					props->values[i] = NULL;
				break;
			case CONN_REQ_SASL:
				if (!val && sasl)
					require(props, def);
				if (val && !sasl)
					only_with(def, "SECURITY_PROTOCOL SASL_PLAINTEXT or SASL_SSL");
				break;
			case CONN_REQ_PRINCIPAL:
				if (!val && principal)
					require(props, def);
				if (val && !principal)
					only_with(def, "KERBEROS_PRINCIPAL");
				break;
			case CONN_REQ_TENCENT:
				if (!val && provider && strcmp(provider, "tencent") == 0)
					props->values[i] = pstrdup("default");
				break;
			case CONN_REQ_SASL_PASSWORD:
				if (!val && sasl && !gssapi)
					require(props, def);
				if (val && (!sasl || gssapi))
					only_with(def, sasl ? "a SASL_MECHANISM other than GSSAPI (GSSAPI authenticates with KERBEROS_PRINCIPAL and KERBEROS_KEYTAB)" :
							  "SECURITY_PROTOCOL SASL_PLAINTEXT or SASL_SSL");
				break;
			case CONN_REQ_GSSAPI:
				if (!val && gssapi)
					require(props, def);
				if (val && !gssapi)
					only_with(def, "SASL_MECHANISM GSSAPI");
				break;
			case CONN_REQ_GSSAPI_OPTIONAL:
				if (val && !gssapi)
					only_with(def, "SASL_MECHANISM GSSAPI");
				break;
			case CONN_REQ_TLS:
				if (val && !tls)
					only_with(def, "SECURITY_PROTOCOL SSL or SASL_SSL");
				break;
			case CONN_REQ_CLIENT_CERT:
				if (!val && client_cert)
					require(props, def);
				if (val && !client_cert)
					only_with(def, "SSL_CERTIFICATE");
				break;
			case CONN_REQ_CLIENT_KEY:
				if (val && !client_key)
					only_with(def, "SSL_KEY");
				break;
			case CONN_REQ_OAUTH:
				if (!val && !token)
					require(props, def);
				if (val && token)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("connection \"%s\" cannot use both OAuth and a personal access token", connname),
							 errhint("Either set CLIENT_ID and CLIENT_SECRET (OAuth machine-to-machine), or set ACCESS_TOKEN (a personal access token).")));
				break;
		}

		if (def->fmt == CONN_FMT_ARN && val &&
			(ConnProviderOf(cloud) == NULL || !ConnProviderValidArn(ConnProviderOf(cloud), val)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for property \"ROLE_ARN\": \"%s\"", echo_text(val, strlen(val))),
					 ConnProviderOf(cloud) ?
					 errdetail("A role of %s has the form %s.", ConnCloudName(cloud),
							   ConnProviderOf(cloud)->arn_form) : 0));
	}

	ConnCheckCloud(cloud, connname);
}

/* Does connection.cloud_provider allow connections of cloud? */
bool
ConnCloudAllowed(ConnCloud cloud)
{
	return conn_cloud_provider == CONN_CLOUD_NONE || cloud == CONN_CLOUD_NONE ||
		cloud == (ConnCloud) conn_cloud_provider;
}

/*
 * ConnCheckCloud
 *		Refuse (0A000) a connection of another cloud than
 *		connection.cloud_provider: at create, at an alter of properties, and
 *		at every use, since the setting may have changed since the
 *		connection was made.
 */
void
ConnCheckCloud(ConnCloud cloud, const char *connname)
{
	if (!ConnCloudAllowed(cloud))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("connection \"%s\" belongs to %s, but this instance runs on %s",
						connname, ConnCloudName(cloud), ConnCloudName(conn_cloud_provider)),
				 errdetail("connection.cloud_provider is \"%s\"; connections to other clouds are not supported.",
						   conn_cloud_provider == CONN_CLOUD_ALIYUN ? "aliyun" :
						   conn_cloud_provider == CONN_CLOUD_TENCENT ? "tencent" : "aws")));
}

/*
 * ConnMaskValue
 *		The form desc() shows of an identifier: its first 6 characters and 14
 *		'*', or only the 14 '*' when it is shorter than 12 characters.
 */
char *
ConnMaskValue(const char *value)
{
	int			len = strlen(value);
	int			nchars = pg_mbstrlen_with_len(value, len);

	if (nchars < 12)
		return pstrdup("**************");
	return psprintf("%.*s**************", pg_mbcharcliplen(value, len, 6), value);
}

const char *
ConnRequirementName(ConnRequirement req)
{
	switch (req)
	{
		case CONN_REQ_OPTIONAL:
			return "optional";
		case CONN_REQ_REQUIRED:
			return "required";
		case CONN_REQ_KEYS:
			return "keys";
		case CONN_REQ_ROLE:
		case CONN_REQ_ROLE_ARN:
			return "role";
		case CONN_REQ_STS:
			return "optional (role)";
		case CONN_REQ_GENERATED:
			return "generated";
		case CONN_REQ_SASL:
			return "with SASL_*";
		case CONN_REQ_PRINCIPAL:
			return "with KERBEROS_PRINCIPAL";
		case CONN_REQ_TENCENT:
			return "tencent (default \"default\")";
		case CONN_REQ_SASL_PASSWORD:
			return "with SASL_* but GSSAPI";
		case CONN_REQ_GSSAPI:
			return "with GSSAPI";
		case CONN_REQ_GSSAPI_OPTIONAL:
			return "optional (GSSAPI)";
		case CONN_REQ_TLS:
			return "optional (SSL, SASL_SSL)";
		case CONN_REQ_CLIENT_CERT:
			return "with SSL_CERTIFICATE";
		case CONN_REQ_CLIENT_KEY:
			return "optional (SSL_KEY)";
		case CONN_REQ_OAUTH:
			return "OAuth (unless ACCESS_TOKEN)";
	}
	return "?";
}

const char *
ConnKindName(ConnPropKind kind)
{
	switch (kind)
	{
		case CONN_PLAIN:
			return "plain";
		case CONN_IDENTIFIER:
			return "identifier";
		case CONN_SECRET:
			return "secret";
	}
	return "?";
}

/*
 * ConnPropsToJsonb
 *		A jsonb object of the properties of props whose kind is in kinds (a
 *		mask of CONN_KIND_BIT()s), list values as JSON arrays.  With mask,
 *		values are replaced by ConnMaskValue().
 */
Jsonb *
ConnPropsToJsonb(const ConnProps *props, int kinds, bool mask)
{
	JsonbParseState *state = NULL;
	JsonbValue	v;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < props->type->nprops; i++)
	{
		const ConnPropDef *def = &props->type->props[i];
		const char *value = props->values[i];

		if (value == NULL || !(kinds & CONN_KIND_BIT(def->kind)))
			continue;
		v.type = jbvString;
		v.val.string.val = (char *) def->name;
		v.val.string.len = strlen(def->name);
		pushJsonbValue(&state, WJB_KEY, &v);
		if (def->fmt == CONN_FMT_OBJECT)
		{
			Jsonb	   *object = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(value)));

			v.type = jbvBinary;
			v.val.binary.data = &object->root;
			v.val.binary.len = VARSIZE(object) - VARHDRSZ;
			pushJsonbValue(&state, WJB_VALUE, &v);
		}
		else if (ConnPropIsList(def))
		{
			char	   *copy = pstrdup(value);
			char	   *save;

			pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
			for (char *item = strtok_r(copy, ",", &save); item;
				 item = strtok_r(NULL, ",", &save))
			{
				v.type = jbvString;
				v.val.string.val = item;
				v.val.string.len = strlen(item);
				pushJsonbValue(&state, WJB_ELEM, &v);
			}
			pushJsonbValue(&state, WJB_END_ARRAY, NULL);
		}
		else
		{
			v.type = jbvString;
			v.val.string.val = mask ? ConnMaskValue(value) : (char *) value;
			v.val.string.len = strlen(v.val.string.val);
			pushJsonbValue(&state, WJB_VALUE, &v);
		}
	}
	return JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, NULL));
}

/*
 * ConnPropsFromJsonb
 *		Fill props from a stored (already validated) jsonb object, as built
 *		by ConnPropsToJsonb.
 */
void
ConnPropsFromJsonb(ConnProps *props, Jsonb *stored)
{
	JsonbIterator *it = JsonbIteratorInit(&stored->root);
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			idx = -1;
	StringInfoData list;

	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		switch (tok)
		{
			case WJB_KEY:
				{
					char	   *key = pnstrdup(v.val.string.val, v.val.string.len);

					idx = ConnLookupProp(props->type, key, true);
					if (idx < 0)
						ereport(ERROR,
								(errcode(ERRCODE_DATA_CORRUPTED),
								 errmsg("stored property \"%s\" is not valid for connection type %s",
										key, props->type->name)));
					if (props->type->props[idx].fmt == CONN_FMT_OBJECT)
					{
						/* the whole object, as its text */
						tok = JsonbIteratorNext(&it, &v, true);
						if (v.type == jbvBinary)
							props->values[idx] = JsonbToCString(NULL, v.val.binary.data, v.val.binary.len);
					}
					break;
				}
			case WJB_VALUE:
				if (v.type == jbvString)
					props->values[idx] = pnstrdup(v.val.string.val, v.val.string.len);
				break;
			case WJB_BEGIN_ARRAY:
				initStringInfo(&list);
				break;
			case WJB_ELEM:
				if (v.type == jbvString)
					appendStringInfo(&list, "%s%.*s", list.len > 0 ? "," : "",
									 v.val.string.len, v.val.string.val);
				break;
			case WJB_END_ARRAY:
				props->values[idx] = list.data;
				break;
			default:
				break;
		}
	}
}

/*
 * ConnPropDisplay
 *		How desc() shows a stored value: list values as a JSON array.
 */
char *
ConnPropDisplay(const ConnPropDef *def, const char *value)
{
	StringInfoData buf;
	char	   *copy;
	char	   *save;
	bool		first = true;

	if (!ConnPropIsList(def))
		return pstrdup(value);
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	copy = pstrdup(value);
	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save))
	{
		if (!first)
			appendStringInfoString(&buf, ", ");
		escape_json(&buf, item);
		first = false;
	}
	appendStringInfoChar(&buf, ']');
	return buf.data;
}
