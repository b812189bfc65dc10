/*-------------------------------------------------------------------------
 *
 * registry.h
 *	  The connection type registry and property validation.
 *
 * IDENTIFICATION
 *	  src/registry.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_REGISTRY_H
#define CONNECTION_REGISTRY_H

#include "utils/jsonb.h"

/* Most properties any type has (its own plus the STS options). */
#define CONN_MAX_PROPS 16

/* Longest accepted property value, in bytes, unless the property says more. */
#define CONN_MAX_VALUE_LEN 4096

typedef enum ConnPropKind
{
	CONN_PLAIN,					/* stored in clear, shown by desc() */
	CONN_IDENTIFIER,			/* encrypted, shown masked by desc() */
	CONN_SECRET					/* encrypted, never shown */
} ConnPropKind;

typedef enum ConnRequirement
{
	CONN_REQ_OPTIONAL,
	CONN_REQ_REQUIRED,
	CONN_REQ_KEYS,				/* required in keys mode, refused in role mode */
	CONN_REQ_ROLE,				/* required in role mode, optional otherwise */
	CONN_REQ_ROLE_ARN,			/* ROLE_ARN itself: its presence picks role mode */
	CONN_REQ_STS,				/* optional, role mode only */
	CONN_REQ_GENERATED,			/* set by the extension in role mode */
	CONN_REQ_SASL,				/* required iff SECURITY_PROTOCOL is SASL_* */
	CONN_REQ_PRINCIPAL,			/* required iff KERBEROS_PRINCIPAL is set */
	CONN_REQ_TENCENT,			/* defaulted when PROVIDER is tencent */
	CONN_REQ_SASL_PASSWORD,		/* required with SASL_* but GSSAPI, else refused */
	CONN_REQ_GSSAPI,			/* required iff SASL_MECHANISM is GSSAPI */
	CONN_REQ_GSSAPI_OPTIONAL,	/* optional with GSSAPI, else refused */
	CONN_REQ_TLS,				/* optional with SSL or SASL_SSL, else refused */
	CONN_REQ_CLIENT_CERT,		/* required iff SSL_CERTIFICATE is set */
	CONN_REQ_CLIENT_KEY,		/* optional with SSL_KEY, else refused */
	CONN_REQ_OAUTH				/* required unless ACCESS_TOKEN is set, then refused */
} ConnRequirement;

typedef enum ConnFormat
{
	CONN_FMT_TEXT,				/* any non-empty text */
	CONN_FMT_HOST,				/* host, host:port or URL; no blanks */
	CONN_FMT_ENDPOINT,			/* the same, where the server sends requests */
	CONN_FMT_REGION,			/* letters, digits, '-' and '_' */
	CONN_FMT_DIGITS,
	CONN_FMT_HTTPS_URL,
	CONN_FMT_HOSTPORT_LIST,		/* list of host:port */
	CONN_FMT_THRIFT_LIST,		/* list of thrift://host:port or host:port */
	CONN_FMT_ENUM,
	CONN_FMT_ARN,				/* role ARN of the connection's cloud */
	CONN_FMT_BASE64,
	CONN_FMT_CONNECTION,		/* name of another connection */
	CONN_FMT_DURATION,			/* STS session duration in seconds */
	CONN_FMT_SESSION_NAME,		/* STS role session name */
	CONN_FMT_GENERATED,
	CONN_FMT_PEM_CERT,			/* PEM certificates (lines: newlines allowed) */
	CONN_FMT_PEM_KEY,			/* a PEM private key */
	CONN_FMT_OBJECT				/* a JSON object of strings, any keys */
} ConnFormat;

typedef enum ConnCloud
{
	CONN_CLOUD_NONE = 0,		/* available everywhere */
	CONN_CLOUD_ALIYUN,
	CONN_CLOUD_TENCENT,
	CONN_CLOUD_AWS,
	CONN_CLOUD_BY_PROVIDER		/* the PROVIDER property says */
} ConnCloud;

typedef struct ConnPropDef
{
	const char *name;			/* upper case, as stored and shown */
	const char *alias;			/* accepted input synonym, or NULL */
	ConnPropKind kind;
	ConnRequirement req;
	ConnFormat	fmt;
	const char *const *choices; /* CONN_FMT_ENUM: NULL-terminated */
	int			maxlen;			/* 0 means CONN_MAX_VALUE_LEN */
	const char *description;
} ConnPropDef;

typedef struct ConnTypeDef
{
	const char *category;		/* API, STORAGE or CATALOG */
	const char *name;			/* OSS, S3, ... */
	ConnCloud	cloud;
	bool		has_auth_modes; /* keys or role, exactly one */
	const ConnPropDef *props;	/* in display order */
	int			nprops;
} ConnTypeDef;

/*
 * A set of property values of one type, indexed like type->props.  A list
 * property's value is its items joined by ','; items never contain one.
 */
typedef struct ConnProps
{
	const ConnTypeDef *type;
	char	   *values[CONN_MAX_PROPS];
} ConnProps;

extern const ConnTypeDef ConnTypes[];
extern const int ConnNumTypes;

extern char *ConnNormalizeName(const char *name, const char *what);
extern const char *ConnHostProblem(const char *host, bool need_domain);
extern const ConnTypeDef *ConnLookupType(const char *category, const char *type);
extern const ConnTypeDef *ConnTypeByName(const char *type);
extern int	ConnLookupProp(const ConnTypeDef *type, const char *name, bool missing_ok);
extern void ConnParseProps(ConnProps *props, Jsonb *json);
extern void ConnValidateProps(ConnProps *props, const char *connname);
extern ConnCloud ConnPropsCloud(const ConnProps *props);
extern ConnCloud ConnCloudOf(const ConnTypeDef *type, const char *provider);
extern bool ConnCloudAllowed(ConnCloud cloud);
extern void ConnCheckCloud(ConnCloud cloud, const char *connname);
extern bool ConnPropsRoleMode(const ConnProps *props);
extern const char *ConnPropValue(const ConnProps *props, const char *name);
extern int	ConnKeyProp(const ConnTypeDef *type, ConnPropKind kind);
extern char *ConnJsonbString(JsonbContainer *c, const char *key);
extern const char *ConnCloudName(ConnCloud cloud);
extern char *ConnMaskValue(const char *value);
extern const char *ConnRequirementName(ConnRequirement req);
extern const char *ConnKindName(ConnPropKind kind);
extern bool ConnPropIsList(const ConnPropDef *def);
extern Jsonb *ConnPropsToJsonb(const ConnProps *props, int kinds, bool mask);
extern void ConnPropsFromJsonb(ConnProps *props, Jsonb *stored);
extern char *ConnPropDisplay(const ConnPropDef *def, const char *value);

#define CONN_KIND_BIT(kind) (1 << (kind))
#define CONN_ALL_KINDS \
	(CONN_KIND_BIT(CONN_PLAIN) | CONN_KIND_BIT(CONN_IDENTIFIER) | CONN_KIND_BIT(CONN_SECRET))

/* GUC connection.cloud_provider */
extern int	conn_cloud_provider;

#endif							/* CONNECTION_REGISTRY_H */
