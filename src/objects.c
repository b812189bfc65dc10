/*-------------------------------------------------------------------------
 *
 * objects.c
 *	  SQL entry points on single objects of a storage connection:
 *	  list_objects(), get_object(), put_object(), delete_object() and
 *	  head_object().
 *
 * The server makes the request with the connection's keys (storage.c);
 * the caller needs USAGE and never sees a key.  Reading is a plain query;
 * put_object() and delete_object() change the bucket at once, whatever
 * becomes of the caller's transaction: they are external side effects,
 * like a sent mail, and say so in their documentation.
 *
 * IDENTIFICATION
 *	  src/objects.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "commands.h"
#include "connection.h"
#include "storage.h"

PG_FUNCTION_INFO_V1(connection_list_objects);
PG_FUNCTION_INFO_V1(connection_get_object);
PG_FUNCTION_INFO_V1(connection_put_object);
PG_FUNCTION_INFO_V1(connection_delete_object);
PG_FUNCTION_INFO_V1(connection_head_object);

/* Keys asked for per page of a listing (the most all three return). */
#define LIST_PAGE 1000

/*
 * The tuplestore a set-returning function fills (materialize mode), and
 * its descriptor; errors out when the caller cannot take a set.
 */
static Tuplestorestate *
materialize(FunctionCallInfo fcinfo, TupleDesc *tupdesc)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext old;
	Tuplestorestate *store;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (get_call_result_type(fcinfo, NULL, tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	*tupdesc = CreateTupleDescCopy(*tupdesc);
	store = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	rsinfo->setDesc = *tupdesc;
	MemoryContextSwitchTo(old);
	return store;
}

/* A call on bucket/key (key NULL: the bucket) for action, in messages. */
static void
object_call(ConnObjectCall *call, const char *method, const char *bucket,
			const char *key, const char *action)
{
	memset(call, 0, sizeof(*call));
	call->method = method;
	call->bucket = bucket;
	call->key = key;
	call->action = action;
}

/*
 * The storage connection name, opened for function, and a call of method
 * on the object at path ("bucket/key") for action.
 */
static ConnStorage *
open_object(const char *name, const char *path, const char *function,
			const char *method, const char *action, ConnObjectCall *call)
{
	char	   *bucket;
	char	   *key;

	ConnObjectPath(path, true, &bucket, &key);
	object_call(call, method, bucket, key, action);
	return ConnStorageOpen(name, function);
}

/* Send a call; raise the provider's error unless it answered ok (or also). */
static ConnHttpStream *
send_expecting(ConnStorage *st, ConnObjectCall *call, long ok, long also)
{
	ConnHttpStream *s = ConnObjectSend(st, call);
	long		status = ConnHttpResponseHeaders(s)->status;

	if (status != ok && status != also)
		ConnObjectRaise(st, call, s);
	return s;
}

/* A timestamp Datum of text in the given form, or NULL. */
static bool
time_of(const char *s, bool iso, Datum *d)
{
	TimestampTz t;

	if (s == NULL || !(iso ? ConnParseIsoTime(s, &t) : ConnParseHttpDate(s, &t)))
		return false;
	*d = TimestampTzGetDatum(t);
	return true;
}

/*
 * connection.list_objects(name, path, max_keys)
 *		The objects under "bucket/prefix": key, size, last modified and
 *		ETag, in key order, page by page (ListObjects with a marker, which
 *		all three providers speak), at most max_keys of them.
 */
Datum
connection_list_objects(PG_FUNCTION_ARGS)
{
	char	   *name = ConnArgName(fcinfo, 0);
	char	   *path = ConnArgText(fcinfo, 1, "object path");
	int64		limit = PG_ARGISNULL(2) ? -1 : PG_GETARG_INT64(2);
	ConnStorage *st;
	char	   *bucket;
	char	   *prefix;
	char	   *marker = pstrdup("");
	TupleDesc	tupdesc;
	Tuplestorestate *store;
	int64		count = 0;
	MemoryContext page_cxt;

	if (limit < 0 && !PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_keys must not be negative")));
	ConnObjectPath(path, false, &bucket, &prefix);
	store = materialize(fcinfo, &tupdesc);
	st = ConnStorageOpen(name, "connection.list_objects()");
	page_cxt = AllocSetContextCreate(CurrentMemoryContext, "connection listing page",
									 ALLOCSET_DEFAULT_SIZES);

	while (limit < 0 || count < limit)
	{
		MemoryContext old = MemoryContextSwitchTo(page_cxt);
		ConnHttpResponse resp;
		const char *p;
		const char *end;
		const char *item_end;
		char	   *truncated;
		char	   *next;
		char	   *last = NULL;
		char		max_keys[24];

		snprintf(max_keys, sizeof(max_keys), INT64_FORMAT,
				 limit < 0 ? LIST_PAGE : Min(LIST_PAGE, limit - count));
		ConnObjectListPage(st, bucket, prefix, max_keys, marker, &resp);

		end = resp.body + resp.len;
		for (p = resp.body; (p = ConnXmlNext(p, end, "Contents", &item_end)) != NULL;
			 p = item_end)
		{
			Datum		values[4];
			bool		nulls[4] = {false, false, false, false};
			char	   *key = ConnXmlElement(p, item_end, "Key");
			char	   *size = ConnXmlElement(p, item_end, "Size");
			char	   *etag = ConnXmlElement(p, item_end, "ETag");

			if (key == NULL)
				continue;
			last = key;
			if (limit >= 0 && count >= limit)
				break;
			values[0] = CStringGetTextDatum(key);
			nulls[1] = size == NULL;
			if (size)
				values[1] = Int64GetDatum(strtoll(size, NULL, 10));
			nulls[2] = !time_of(ConnXmlElement(p, item_end, "LastModified"), true, &values[2]);
			nulls[3] = etag == NULL;
			if (etag)
				values[3] = CStringGetTextDatum(ConnUnquoteEtag(etag));
			MemoryContextSwitchTo(old);
			tuplestore_putvalues(store, tupdesc, values, nulls);
			MemoryContextSwitchTo(page_cxt);
			count++;
		}
		truncated = ConnXmlElement(resp.body, end, "IsTruncated");
		next = ConnXmlElement(resp.body, end, "NextMarker");
		MemoryContextSwitchTo(old);
		if (truncated == NULL || strcmp(truncated, "true") != 0 || last == NULL)
			break;
		/* without a delimiter, S3 leaves NextMarker out: the last key is it */
		marker = pstrdup(next && next[0] ? next : last);
		MemoryContextReset(page_cxt);
		CHECK_FOR_INTERRUPTS();
	}
	MemoryContextDelete(page_cxt);
	return (Datum) 0;
}

/*
 * connection.get_object(name, object_path)
 *		The object's bytes (at most 1 GB, the most a bytea holds).
 */
Datum
connection_get_object(PG_FUNCTION_ARGS)
{
	char	   *name = ConnArgName(fcinfo, 0);
	char	   *path = ConnArgText(fcinfo, 1, "object path");
	ConnStorage *st;
	ConnObjectCall call;
	ConnHttpStream *s;
	const ConnHttpHeaders *h;
	bytea	   *result;
	size_t		size;
	size_t		len = 0;
	size_t		n;
	const size_t max = MaxAllocSize - VARHDRSZ;

	st = open_object(name, path, "connection.get_object()", "GET", "read", &call);
	s = send_expecting(st, &call, 200, 200);
	h = ConnHttpResponseHeaders(s);
	if (h->content_length > (int64) max)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("object \"%s\" is too large to read into a bytea", ConnObjectName(&call)),
				 errdetail("It has " INT64_FORMAT " bytes; a bytea holds at most %zu.",
						   h->content_length, max),
				 errhint("Import it into a table with connection.import_object().")));

	size = h->content_length >= 0 ? (size_t) h->content_length : 64 * 1024;
	result = palloc(VARHDRSZ + Max(size, 1));
	for (;;)
	{
		if (len == size)
		{
			if (size >= max)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("object \"%s\" is too large to read into a bytea", ConnObjectName(&call))));
			size = Min(Max(size, 1) * 2, max);
			result = repalloc(result, VARHDRSZ + size);
		}
		n = ConnHttpRead(s, VARDATA(result) + len, size - len);
		if (n == 0)
			break;
		len += n;
	}
	if (ConnHttpFailed(s))
		ConnHttpRaise(s);
	ConnHttpEnd(s);
	SET_VARSIZE(result, VARHDRSZ + len);
	PG_RETURN_BYTEA_P(result);
}

/*
 * connection.put_object(name, object_path, data, content_type)
 *		Write data (bytea or text) as the whole object, at once; returns
 *		its ETag.
 */
Datum
connection_put_object(PG_FUNCTION_ARGS)
{
	char	   *name = ConnArgName(fcinfo, 0);
	char	   *path = ConnArgText(fcinfo, 1, "object path");
	bytea	   *data;
	ConnStorage *st;
	ConnObjectCall call;
	ConnHttpStream *s;
	char	   *etag;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("object data must not be null")));
	data = PG_GETARG_BYTEA_PP(2);
	st = open_object(name, path, "connection.put_object()", "PUT", "write", &call);
	call.content_type = PG_ARGISNULL(3) ? "application/octet-stream"
		: text_to_cstring(PG_GETARG_TEXT_PP(3));
	call.body = VARDATA_ANY(data);
	call.body_len = VARSIZE_ANY_EXHDR(data);
	s = send_expecting(st, &call, 200, 200);
	etag = ConnUnquoteEtag(ConnHttpResponseHeaders(s)->etag);
	ConnHttpEnd(s);
	if (etag == NULL || etag[0] == '\0')
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(etag));
}

/*
 * connection.delete_object(name, object_path)
 *		Delete the object, at once (deleting a missing one is no error,
 *		as with the providers).
 */
Datum
connection_delete_object(PG_FUNCTION_ARGS)
{
	char	   *name = ConnArgName(fcinfo, 0);
	char	   *path = ConnArgText(fcinfo, 1, "object path");
	ConnStorage *st;
	ConnObjectCall call;

	st = open_object(name, path, "connection.delete_object()", "DELETE", "delete", &call);
	ConnHttpEnd(send_expecting(st, &call, 204, 200));
	PG_RETURN_VOID();
}

/*
 * connection.head_object(name, object_path)
 *		Size, ETag, content type and last modification of the object,
 *		without reading it; 58P01 if there is no such object.
 */
Datum
connection_head_object(PG_FUNCTION_ARGS)
{
	char	   *name = ConnArgName(fcinfo, 0);
	char	   *path = ConnArgText(fcinfo, 1, "object path");
	ConnStorage *st;
	ConnObjectCall call;
	ConnHttpStream *s;
	const ConnHttpHeaders *h;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	st = open_object(name, path, "connection.head_object()", "HEAD", "describe", &call);
	s = send_expecting(st, &call, 200, 200);
	h = ConnHttpResponseHeaders(s);
	nulls[0] = h->content_length < 0;
	values[0] = Int64GetDatum(h->content_length);
	nulls[1] = h->etag[0] == '\0';
	values[1] = CStringGetTextDatum(ConnUnquoteEtag(h->etag));
	nulls[2] = h->content_type[0] == '\0';
	values[2] = CStringGetTextDatum(h->content_type);
	nulls[3] = !time_of(h->last_modified, false, &values[3]);
	ConnHttpEnd(s);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}
