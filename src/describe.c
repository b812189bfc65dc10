/*-------------------------------------------------------------------------
 *
 * describe.c
 *	  SQL entry points that describe connections without revealing any
 *	  identifier or secret: show(), desc() and types().
 *
 * None of them needs the key: desc() shows identifiers through the masks
 * stored beside the ciphertext.
 *
 * IDENTIFICATION
 *	  src/describe.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "cache.h"
#include "commands.h"
#include "connection.h"
#include "depend.h"
#include "privileges.h"
#include "registry.h"

PG_FUNCTION_INFO_V1(connection_show);
PG_FUNCTION_INFO_V1(connection_desc);
PG_FUNCTION_INFO_V1(connection_types);

static const char *
enabled_text(bool enabled)
{
	return enabled ? "ENABLED" : "DISABLED";
}

/* A timestamp as the original DESC CONNECTION prints it: UTC, ms, 'Z'. */
static char *
format_utc(TimestampTz ts)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return psprintf("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
					tm.tm_year, tm.tm_mon, tm.tm_mday,
					tm.tm_hour, tm.tm_min, tm.tm_sec, (int) (fsec / 1000));
}

#define SHOW_TIME_LEN 23		/* YYYY-MM-DD HH:MM:SS.mmm */
#define SHOW_MEMORY_KB (16 * 1024)	/* show()'s listing in memory up to this */

/* n as width zero-padded digits at p */
static void
put_digits(char *p, int n, int width)
{
	for (int i = width - 1; i >= 0; i--, n /= 10)
		p[i] = '0' + n % 10;
}

/*
 * A timestamp as the original SHOW CONNECTIONS prints it, UTC, always with
 * milliseconds, into t (a text of SHOW_TIME_LEN bytes, reused row after
 * row: the tuplestore copies it).  Years outside 1..9999 are refused.
 */
static void
format_show_time(TimestampTz ts, text *t)
{
	struct pg_tm tm;
	fsec_t		fsec;
	char	   *p = VARDATA(t);

	if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0 ||
		tm.tm_year < 1 || tm.tm_year > 9999)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	put_digits(p, tm.tm_year, 4);
	p[4] = '-';
	put_digits(p + 5, tm.tm_mon, 2);
	p[7] = '-';
	put_digits(p + 8, tm.tm_mday, 2);
	p[10] = ' ';
	put_digits(p + 11, tm.tm_hour, 2);
	p[13] = ':';
	put_digits(p + 14, tm.tm_min, 2);
	p[16] = ':';
	put_digits(p + 17, tm.tm_sec, 2);
	p[19] = '.';
	put_digits(p + 20, fsec / 1000, 3);
}

/*
 * connection.show(pattern)
 *		name, category, type, enabled, created_time (UTC wall clock), by
 *		name; pattern is a case-insensitive LIKE pattern.  1.1 declares
 *		created_time as text with three digits of milliseconds, as the
 *		original prints it (a timestamp's output drops trailing zeros); 1.0
 *		declared it timestamp(3).
 */
Datum
connection_show(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	text	   *pattern = PG_ARGISNULL(0) ? NULL : PG_GETARG_TEXT_PP(0);
	Datum		enabled_datum[2];
	ConnCatalogScan *scan;
	Datum		values[5];
	bool		nulls[5] = {false};
	bool		enabled;
	TimestampTz created;
	bool		time_as_text;
	text	   *time_text;

	InitMaterializedSRF(fcinfo, 0);

	/*
	 * The listing stays in memory up to SHOW_MEMORY_KB even with a small
	 * work_mem: 100,000 connections take about 11 MB, and writing them to a
	 * temporary file only to read them back costs a quarter of the call.
	 */
	if (work_mem < SHOW_MEMORY_KB)
	{
		MemoryContext old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);

		tuplestore_end(rsinfo->setResult);
		rsinfo->setResult = tuplestore_begin_heap((rsinfo->allowedModes & SFRM_Materialize_Random) != 0,
												  false, SHOW_MEMORY_KB);
		MemoryContextSwitchTo(old);
	}
	time_as_text = TupleDescAttr(rsinfo->setDesc, 4)->atttypid == TEXTOID;
	time_text = palloc(VARHDRSZ + SHOW_TIME_LEN);
	SET_VARSIZE(time_text, VARHDRSZ + SHOW_TIME_LEN);
	enabled_datum[0] = CStringGetTextDatum(enabled_text(false));
	enabled_datum[1] = CStringGetTextDatum(enabled_text(true));

	scan = ConnCatalogBeginShow();
	while (ConnCatalogNextShow(scan, values, &enabled, &created))
	{
		if (pattern &&
			!DatumGetBool(DirectFunctionCall2Coll(texticlike, C_COLLATION_OID,
												  values[0], PointerGetDatum(pattern))))
			continue;
		values[3] = enabled_datum[enabled ? 1 : 0];
		/* a timestamptz is UTC inside: as a timestamp it reads as UTC */
		if (time_as_text)
		{
			format_show_time(created, time_text);
			values[4] = PointerGetDatum(time_text);
		}
		else
			values[4] = TimestampGetDatum((Timestamp) created);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	ConnCatalogEndScan(scan);
	return (Datum) 0;
}

static void
put_info(ReturnSetInfo *rsinfo, const char *name, const char *value)
{
	Datum		values[2];
	bool		nulls[2] = {false, false};

	values[0] = CStringGetTextDatum(name);
	values[1] = CStringGetTextDatum(value);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * One "usage" row per entry of the connection's effective ACL, in the
 * role=U/grantor form of psql's \dp (PUBLIC has an empty role).
 */
static void
put_grants(ReturnSetInfo *rsinfo, const ConnRow *row)
{
	Acl		   *acl = ConnRowAcl(row);
	AclItem    *items = ACL_DAT(acl);

	for (int i = 0; i < ACL_NUM(acl); i++)
		put_info(rsinfo, "usage",
				 DatumGetCString(DirectFunctionCall1(aclitemout,
													 PointerGetDatum(&items[i]))));
}

/* One "dependent" row per object or connection that uses the connection. */
static void
put_dependents(ReturnSetInfo *rsinfo, const ConnRow *row)
{
	ListCell   *lc;

	foreach(lc, ConnDependList(row->id))
	{
		ConnDependent *d = lfirst(lc);

		put_info(rsinfo, "dependent",
				 d->description ? psprintf("%s (%s)", d->object, d->description) : d->object);
	}
}

/*
 * connection.desc(name, extended)
 *		Rows (info_name, info_value) in the order of the original DESC
 *		CONNECTION: metadata, properties in registry order (identifiers
 *		masked, secrets left out), comment; then, extended, the rest.
 */
Datum
connection_desc(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *name = ConnArgName(fcinfo, 0);
	bool		extended = !PG_ARGISNULL(1) && PG_GETARG_BOOL(1);
	const ConnRow *row;
	ConnProps	plain;
	ConnProps	masks;

	InitMaterializedSRF(fcinfo, 0);
	row = ConnCacheGet(name);

	ConnRowProps(row, &plain, false);
	memset(&masks, 0, sizeof(masks));
	masks.type = row->type;
	ConnPropsFromJsonb(&masks, row->masks);

	put_info(rsinfo, "name", row->name);
	put_info(rsinfo, "type", row->type->name);
	put_info(rsinfo, "enabled", enabled_text(row->enabled));
	put_info(rsinfo, "creator", row->creator);
	put_info(rsinfo, "created_time", format_utc(row->created));
	put_info(rsinfo, "last_modified_time", format_utc(row->modified));
	for (int i = 0; i < row->type->nprops; i++)
	{
		const ConnPropDef *def = &row->type->props[i];

		if (def->kind == CONN_PLAIN && plain.values[i])
			put_info(rsinfo, def->name, ConnPropDisplay(def, plain.values[i]));
		else if (def->kind == CONN_IDENTIFIER && masks.values[i])
			put_info(rsinfo, def->name, masks.values[i]);
	}
	if (row->comment)
		put_info(rsinfo, "comment", row->comment);

	if (extended)
	{
		put_info(rsinfo, "category", row->type->category);
		put_info(rsinfo, "owner", ConnRoleName(row->owner));
		if (row->key_fingerprint)
			put_info(rsinfo, "key_fingerprint", row->key_fingerprint);
		put_grants(rsinfo, row);
		put_dependents(rsinfo, row);
	}
	return (Datum) 0;
}

/*
 * connection.types()
 *		The registry: one row per property of each type, in display order.
 */
Datum
connection_types(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	for (int t = 0; t < ConnNumTypes; t++)
	{
		const ConnTypeDef *type = &ConnTypes[t];

		for (int i = 0; i < type->nprops; i++)
		{
			const ConnPropDef *def = &type->props[i];
			Datum		values[6];
			bool		nulls[6] = {false};

			values[0] = CStringGetTextDatum(type->category);
			values[1] = CStringGetTextDatum(type->name);
			values[2] = CStringGetTextDatum(def->name);
			values[3] = CStringGetTextDatum(ConnKindName(def->kind));
			values[4] = CStringGetTextDatum(ConnRequirementName(def->req));
			values[5] = CStringGetTextDatum(def->alias ?
											psprintf("%s (alias %s)", def->description, def->alias) :
											def->description);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}
