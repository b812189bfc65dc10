/*-------------------------------------------------------------------------
 *
 * provider.c
 *	  The table of cloud providers, and what their functions share: the
 *	  little XML and JSON the providers answer with.
 *
 * Each entry is data (ARN shapes, default regions, domains, type names)
 * and functions (STS call and answer, storage endpoint, bucket naming,
 * signing, presigning) kept in the provider's own file.  See provider.h.
 *
 * The XML of the answers (STS of AWS, the object storage APIs of all
 * three) is small, flat where we read it, and never holds elements we
 * need inside attributes: elements are found by their tags, and the text
 * of one is decoded (the five predefined entities and character
 * references) into wiped memory, since an answer may hold credentials.
 *
 * IDENTIFICATION
 *	  src/provider.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/jsonapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"

#include "connection.h"
#include "provider.h"
#include "wipe.h"

static const char *const aws_arn_prefixes[] = {"arn:aws:iam::", "arn:aws-cn:iam::", NULL};
static const char *const aliyun_arn_prefixes[] = {"acs:ram::", NULL};
static const char *const tencent_arn_prefixes[] = {"qcs::cam::uin/", NULL};

static const char *const aws_domains[] = {"amazonaws.com", "amazonaws.com.cn", NULL};
static const char *const aliyun_domains[] = {"aliyuncs.com", NULL};
static const char *const tencent_domains[] = {"myqcloud.com", NULL};

static const ConnProvider providers[] = {
	{
		.cloud = CONN_CLOUD_AWS,
		.label = "AWS",
		.arn_prefixes = aws_arn_prefixes,
		.arn_account_digits = 12,
		.arn_separator = ":role/",
		.arn_role_path = true,
		.arn_form = "arn:aws:iam::<12-digit account id>:role/<role name> (or arn:aws-cn:...)",
		.sts_default_region = "us-east-1",
		.sts_endpoint = ConnAwsStsEndpoint,
		.sts_call = ConnAwsStsCall,
		.sts_parse = ConnAwsStsParse,
		.storage_type = "S3",
		.storage_label = "s3",
		.signs_payload = true,
		.storage_endpoint = ConnAwsStorageEndpoint,
		.own_domains = aws_domains,
		.bucket_name = NULL,
		.sign = ConnAwsSign,
		.presign = ConnAwsPresign,
	},
	{
		.cloud = CONN_CLOUD_ALIYUN,
		.label = "Alibaba Cloud",
		.arn_prefixes = aliyun_arn_prefixes,
		.arn_account_digits = 0,
		.arn_separator = ":role/",
		.arn_role_path = false,
		.arn_form = "acs:ram::<account id>:role/<role name>",
		.sts_default_region = "cn-hangzhou",
		.sts_endpoint = ConnAliyunStsEndpoint,
		.sts_call = ConnAliyunStsCall,
		.sts_parse = ConnAliyunStsParse,
		.storage_type = "OSS",
		.storage_label = "oss",
		.storage_endpoint = NULL,	/* ENDPOINT is required */
		.own_domains = aliyun_domains,
		.bucket_name = NULL,
		.sign = ConnAliyunSign,
		.presign = ConnAliyunPresign,
	},
	{
		.cloud = CONN_CLOUD_TENCENT,
		.label = "Tencent Cloud",
		.arn_prefixes = tencent_arn_prefixes,
		.arn_account_digits = 0,
		.arn_separator = ":roleName/",
		.arn_role_path = false,
		.arn_form = "qcs::cam::uin/<account id>:roleName/<role name>",
		.sts_default_region = "ap-guangzhou",
		.sts_endpoint = ConnTencentStsEndpoint,
		.sts_call = ConnTencentStsCall,
		.sts_parse = ConnTencentStsParse,
		.storage_type = "COS",
		.storage_label = "cos",
		.storage_endpoint = ConnTencentStorageEndpoint,
		.own_domains = tencent_domains,
		.bucket_name = ConnTencentBucketName,
		.sign = ConnTencentSign,
		.presign = ConnTencentPresign,
	},
};

/* The provider of a cloud; NULL for CONN_CLOUD_NONE. */
const ConnProvider *
ConnProviderOf(ConnCloud cloud)
{
	for (int i = 0; i < lengthof(providers); i++)
		if (providers[i].cloud == cloud)
			return &providers[i];
	return NULL;
}

/* The provider whose object storage a type is, or NULL. */
const ConnProvider *
ConnProviderOfStorage(const char *type)
{
	for (int i = 0; i < lengthof(providers); i++)
		if (strcmp(providers[i].storage_type, type) == 0)
			return &providers[i];
	return NULL;
}

/*
 * Does an ARN have the provider's shape: a prefix, the account's digits,
 * the separator, and a role name of letters, digits and +=,.@_- (with a
 * /path/ where the provider allows one)?
 */
bool
ConnProviderValidArn(const ConnProvider *provider, const char *arn)
{
	const char *p = NULL;
	size_t		ndigits;
	size_t		len;

	for (int i = 0; provider->arn_prefixes[i]; i++)
		if (strncmp(arn, provider->arn_prefixes[i], strlen(provider->arn_prefixes[i])) == 0)
			p = arn + strlen(provider->arn_prefixes[i]);
	if (p == NULL)
		return false;
	ndigits = strspn(p, "0123456789");
	if (ndigits == 0 ||
		(provider->arn_account_digits > 0 && ndigits != provider->arn_account_digits))
		return false;
	p += ndigits;
	if (strncmp(p, provider->arn_separator, strlen(provider->arn_separator)) != 0)
		return false;
	p += strlen(provider->arn_separator);
	len = strlen(p);
	if (len == 0 || len > 512 || p[len - 1] == '/')
		return false;
	for (; *p; p++)
		if (!isalnum((unsigned char) *p) && !strchr("+=,.@_-", *p) &&
			!(provider->arn_role_path && *p == '/'))
			return false;
	return true;
}

/*
 * ConnProviderStorageHost
 *		Is authority's host the provider's object storage: within its own
 *		domains, with a label that is its storage label or begins with it
 *		and a dash (s3.us-east-1.amazonaws.com, oss-cn-hangzhou.aliyuncs.com,
 *		cos.ap-shanghai.myqcloud.com) -- not another of its services
 *		(ec2-1-2-3-4.compute-1.amazonaws.com)?
 */
bool
ConnProviderStorageHost(const ConnProvider *provider, const char *authority)
{
	const char *colon = strrchr(authority, ':');
	size_t		hlen = colon && authority[0] != '[' ? (size_t) (colon - authority) : strlen(authority);
	size_t		llen = strlen(provider->storage_label);
	const char *label = authority;

	if (!ConnProviderOwnDomain(provider, authority))
		return false;
	while (label < authority + hlen)
	{
		const char *dot = memchr(label, '.', authority + hlen - label);
		size_t		len = dot ? (size_t) (dot - label) : (size_t) (authority + hlen - label);

		if (len >= llen && pg_strncasecmp(label, provider->storage_label, llen) == 0 &&
			(len == llen || label[llen] == '-'))
			return true;
		if (dot == NULL)
			break;
		label = dot + 1;
	}
	return false;
}

/*
 * ConnProviderOwnDomain
 *		Is authority's host within one of the provider's own domains?
 */
bool
ConnProviderOwnDomain(const ConnProvider *provider, const char *authority)
{
	const char *colon = strrchr(authority, ':');
	size_t		hlen = colon && authority[0] != '[' ? (size_t) (colon - authority) : strlen(authority);

	for (int i = 0; provider->own_domains[i]; i++)
	{
		size_t		dlen = strlen(provider->own_domains[i]);

		if (hlen > dlen && authority[hlen - dlen - 1] == '.' &&
			strncmp(authority + hlen - dlen, provider->own_domains[i], dlen) == 0)
			return true;
	}
	return false;
}

/* ---------------------------------------------------------------------
 * What the providers' functions share
 * ---------------------------------------------------------------------
 */

/* Append the UTF-8 encoding of a character reference's code point. */
static bool
append_code_point(StringInfo buf, long cp)
{
	unsigned char utf8[8];

	if (cp <= 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return false;
	unicode_to_utf8((pg_wchar) cp, utf8);
	appendBinaryStringInfo(buf, (char *) utf8, pg_utf_mblen(utf8));
	return true;
}

/*
 * ConnXmlNext
 *		The first element <tag>...</tag> (or <tag attr="...">) within
 *		[start, end): a pointer to its text, with *inner_end set to its
 *		closing tag; NULL if there is none.
 */
const char *
ConnXmlNext(const char *start, const char *end, const char *tag, const char **inner_end)
{
	size_t		tlen = strlen(tag);
	char	   *close = psprintf("</%s>", tag);
	const char *p = start;

	while (p < end && (p = memchr(p, '<', end - p)) != NULL)
	{
		const char *q;

		if ((size_t) (end - p) > tlen + 1 && strncmp(p + 1, tag, tlen) == 0 &&
			(p[tlen + 1] == '>' || p[tlen + 1] == ' '))
		{
			q = memchr(p, '>', end - p);
			if (q == NULL)
				return NULL;
			q++;
			*inner_end = strstr(q, close);
			if (*inner_end == NULL || *inner_end > end)
				return NULL;
			return q;
		}
		p++;
	}
	return NULL;
}

/*
 * ConnXmlElement
 *		The text of the first <tag>...</tag> within [start, end) of a
 *		NUL-terminated document, decoded, in wiped memory; NULL if there is
 *		none.  A character reference that is not a character is kept as
 *		it is.
 */
char *
ConnXmlElement(const char *start, const char *end, const char *tag)
{
	const char *q;
	const char *p = ConnXmlNext(start, end, tag, &q);
	StringInfoData buf;

	if (p == NULL)
		return NULL;
	/* one buffer of the largest size it can take: no copy is left behind */
	buf.data = ConnAllocWiped(CurrentMemoryContext, 4 * (q - p) + 1);
	buf.maxlen = 4 * (q - p) + 1;
	buf.len = 0;
	buf.cursor = 0;
	buf.data[0] = '\0';
	while (p < q)
	{
		static const char *const ents[][2] = {
			{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}
		};
		bool		done = false;

		if (*p == '&' && p[1] == '#')
		{
			char	   *stop;
			long		cp = (p[2] == 'x' || p[2] == 'X') ? strtol(p + 3, &stop, 16)
				: strtol(p + 2, &stop, 10);

			if (stop < q && *stop == ';' && append_code_point(&buf, cp))
			{
				p = stop + 1;
				done = true;
			}
		}
		else if (*p == '&')
			for (int i = 0; i < lengthof(ents); i++)
				if (strncmp(p, ents[i][0], strlen(ents[i][0])) == 0)
				{
					appendStringInfoString(&buf, ents[i][1]);
					p += strlen(ents[i][0]);
					done = true;
					break;
				}
		if (!done)
			appendStringInfoChar(&buf, *p++);
	}
	return buf.data;
}

/* A body as jsonb if it is a well-formed JSON object, else NULL. */
Jsonb *
ConnJsonObject(const char *body, size_t len)
{
	JsonLexContext *lex;
	Datum		d;

	if (!pg_verify_mbstr(GetDatabaseEncoding(), body, len, true))
		return NULL;
#if PG_VERSION_NUM >= 170000
	lex = makeJsonLexContextCstringLen(NULL, (char *) body, len, GetDatabaseEncoding(), true);
#else
	lex = makeJsonLexContextCstringLen((char *) body, len, GetDatabaseEncoding(), true);
#endif
	if (pg_parse_json(lex, &nullSemAction) != JSON_SUCCESS)
		return NULL;
	d = DirectFunctionCall1(jsonb_in, CStringGetDatum(body));
	ConnWipeVarlena(CurrentMemoryContext, DatumGetPointer(d));
	if (!JB_ROOT_IS_OBJECT(DatumGetJsonbP(d)))
		return NULL;
	return DatumGetJsonbP(d);
}

/* The object member key of a JSON object, or NULL. */
JsonbContainer *
ConnJsonMember(JsonbContainer *c, const char *key)
{
	JsonbValue *v;

	if (c == NULL)
		return NULL;
	v = getKeyJsonValueFromContainer(c, key, strlen(key), NULL);
	return (v && v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data))
		? v->val.binary.data : NULL;
}

/*
 * ConnScrubText
 *		What a provider said went wrong, fit for a message: control
 *		characters dropped, the key ID and secret of the request blanked
 *		out, cut to CONN_PROVIDER_MAX_MESSAGE bytes; "(no message)" for
 *		NULL.
 */
char *
ConnScrubText(const char *message, const ConnKeys *keys)
{
	StringInfoData buf;
	const char *cut;
	const char *const hide[] = {keys->key_id, keys->secret, keys->token};
	char	   *s;

	if (message == NULL)
		return pstrdup("(no message)");
	initStringInfo(&buf);
	/* Alibaba Cloud quotes its string to sign: not needed here */
	cut = strstr(message, " server string to sign is");
	for (const char *p = message; *p && (cut == NULL || p < cut); p++)
	{
		bool		hidden = false;

		for (int i = 0; i < lengthof(hide) && !hidden; i++)
			if (hide[i] && hide[i][0] && strncmp(p, hide[i], strlen(hide[i])) == 0)
			{
				appendStringInfoString(&buf, "****");
				p += strlen(hide[i]) - 1;
				hidden = true;
			}
		if (!hidden && (unsigned char) *p >= 0x20)
			appendStringInfoChar(&buf, *p);
	}
	s = buf.data;
	if (buf.len > CONN_PROVIDER_MAX_MESSAGE)
	{
		s[pg_mbcliplen(s, buf.len, CONN_PROVIDER_MAX_MESSAGE)] = '\0';
		s = psprintf("%s...", s);
	}
	return s;
}

/* "2011-07-15T23:28:33.359Z" and the like, UTC; false if it is not that. */
bool
ConnParseIsoTime(const char *s, TimestampTz *result)
{
	struct pg_tm tm;
	int			n = 0;

	if (s == NULL)
		return false;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
		return false;
	s += n;
	if (*s == '.')
		for (s++; isdigit((unsigned char) *s); s++)
			;
	if (strcmp(s, "Z") != 0 && strcmp(s, "+00:00") != 0)
		return false;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
		tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return false;
	return tm2timestamp(&tm, 0, NULL, result) == 0;
}

/* An HTTP date, "Tue, 01 Dec 2026 16:00:00 GMT"; false if it is not that. */
bool
ConnParseHttpDate(const char *s, TimestampTz *result)
{
	static const char *const months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
	};
	struct pg_tm tm;
	char		wday[4];
	char		mon[4];
	int			n = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%3s, %2d %3s %4d %2d:%2d:%2d GMT%n", wday, &tm.tm_mday, mon, &tm.tm_year,
			   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 7 || s[n] != '\0')
		return false;
	for (int i = 0; i < lengthof(months); i++)
		if (strcmp(mon, months[i]) == 0)
			tm.tm_mon = i + 1;
	if (tm.tm_mon == 0 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
		tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return false;
	return tm2timestamp(&tm, 0, NULL, result) == 0;
}

/* t in UTC, by a strftime format. */
void
ConnUtcFormat(time_t t, const char *fmt, char *buf, size_t len)
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, fmt, &tm);
}
