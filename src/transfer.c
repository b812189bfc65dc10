/*-------------------------------------------------------------------------
 *
 * transfer.c
 *	  Import of objects into tables and export of query results to
 *	  objects: import_object(), export_query(), and COPY with a
 *	  connection://<connection>/<bucket>/<key> URI.
 *
 * Import is PostgreSQL's COPY FROM, fed by a callback that pulls the
 * object from its HTTP response as COPY asks for more (http.c pauses the
 * transfer while about a megabyte waits), inflating gzip on the way (a key
 * ending in ".gz", or Content-Encoding gzip), so that an object of any
 * size takes constant memory.  A transfer that breaks is resumed where it
 * stopped (a Range request bound to the first answer's ETag by If-Match,
 * so that a changed object is an error, not a mix).  The rows are the
 * caller's transaction's: all or nothing, as with COPY.
 *
 * Export runs the query with a receiver that formats each row as COPY TO
 * does (text, csv or binary, with COPY's options, checked by COPY's own
 * option code) into a part buffer of connection.part_size, deflated when
 * the key ends in ".gz".  An export that fits in one part is one PUT;
 * a larger one is a multipart upload (the same API on all three clouds),
 * completed only when the query has run to the end.  Any error -- the
 * query's, a provider's, a cancel, statement_timeout -- aborts the upload
 * before the error goes on, and so does a backend that is terminated, so
 * that no partial object ever becomes visible.  An export is an external
 * side effect: once it returns, the object is there, whatever becomes of
 * the caller's transaction.
 *
 * COPY.  With the library loaded, the utility hook (hooks.c) hands COPY
 * statements whose file name starts with "connection://" to ConnCopyUri;
 * USAGE on the connection is then the right that COPY checks instead of
 * pg_read_server_files and pg_write_server_files, besides the table's
 * INSERT or the query's SELECT privileges as always.  Other COPY
 * statements are untouched.  The name is folded as an identifier, the
 * key taken literally.
 *
 * Needs PostgreSQL 14 or later (COPY's option code and callbacks).
 *
 * IDENTIFICATION
 *	  src/transfer.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <zlib.h>

#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/copy.h"
#include "executor/executor.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_relation.h"
#include "parser/parser.h"
#include "storage/ipc.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"

#include "commands.h"
#include "connection.h"
#include "storage.h"
#include "transfer.h"

PG_FUNCTION_INFO_V1(connection_import_object);
PG_FUNCTION_INFO_V1(connection_export_query);

int			conn_part_size = 8 * 1024;

/* Compressed bytes read from the response at a time. */
#define INFLATE_CHUNK (64 * 1024)

/* Parts per size step: every this many parts, the part size doubles. */
#define PARTS_PER_STEP 1000

/* The most parts a multipart upload has (all three providers). */
#define MAX_PARTS 10000

/* The largest part size the doubling reaches. */
#define MAX_PART_SIZE (512 * 1024 * 1024)

#if PG_VERSION_NUM >= 140000

/* ---------------------------------------------------------------------
 * Reading an object
 * ---------------------------------------------------------------------
 */

typedef struct ObjectReader
{
	ConnStorage *st;
	ConnObjectCall call;
	ConnHttpStream *s;
	int64		received;		/* bytes of the object so far */
	char		etag[128];
	int			resumes;
	bool		gzip;
	z_stream	z;
	bool		z_done;			/* a gzip member has ended */
	char	   *in;				/* compressed bytes */
	bool		raw_eof;
	MemoryContext cxt;			/* where it lives (COPY calls in others) */
} ObjectReader;

/* The reader COPY's callback reads from (COPY gives it no argument). */
static ObjectReader *current_reader = NULL;

static voidpf
z_alloc(voidpf opaque, uInt items, uInt size)
{
	return MemoryContextAllocExtended((MemoryContext) opaque, (Size) items * size,
									  MCXT_ALLOC_NO_OOM);
}

static void
z_free(voidpf opaque, voidpf address)
{
	pfree(address);
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t		len = strlen(s);
	size_t		slen = strlen(suffix);

	return len >= slen && strcmp(s + len - slen, suffix) == 0;
}

/*
 * Start reading an object (GET, 200 expected), with gzip inflation when
 * its key or its Content-Encoding says gzip.
 */
static ObjectReader *
reader_open(ConnStorage *st, const char *bucket, const char *key)
{
	ObjectReader *r = palloc0(sizeof(ObjectReader));
	const ConnHttpHeaders *h;

	r->cxt = CurrentMemoryContext;
	r->st = st;
	r->call.method = "GET";
	r->call.bucket = bucket;
	r->call.key = key;
	r->call.action = "read";
	r->s = ConnObjectSend(st, &r->call);
	h = ConnHttpResponseHeaders(r->s);
	if (h->status != 200)
		ConnObjectRaise(st, &r->call, r->s);
	strlcpy(r->etag, h->etag, sizeof(r->etag));
	r->gzip = ends_with(key, ".gz") || pg_strcasecmp(h->content_encoding, "gzip") == 0;
	if (r->gzip)
	{
		r->in = palloc(INFLATE_CHUNK);
		r->z.zalloc = z_alloc;
		r->z.zfree = z_free;
		r->z.opaque = CurrentMemoryContext;
		/* 32: a gzip or zlib header, whichever it is */
		if (inflateInit2(&r->z, 15 + 32) != Z_OK)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory")));
	}
	return r;
}

/*
 * Up to len bytes of the object as stored; 0 at its end.  A transfer that
 * breaks is resumed from where it stopped, if the object is unchanged.
 */
static size_t
reader_raw(ObjectReader *r, char *buf, size_t len)
{
	for (;;)
	{
		size_t		n = ConnHttpRead(r->s, buf, len);
		ConnHttpFailure failure;
		long		status;
		MemoryContext old;

		if (n > 0)
		{
			r->received += n;
			return n;
		}
		failure = ConnHttpFailed(r->s);
		if (failure == CONN_HTTP_OK)
			return 0;
		if (failure == CONN_HTTP_FATAL || r->resumes >= conn_request_retries ||
			r->etag[0] == '\0')
			ConnHttpRaise(r->s);
		r->resumes++;
		ConnHttpEnd(r->s);
		old = MemoryContextSwitchTo(r->cxt);
		r->call.headers = list_make2(psprintf("Range: bytes=" INT64_FORMAT "-", r->received),
									 psprintf("If-Match: %s", r->etag));
		r->s = ConnObjectSend(r->st, &r->call);
		MemoryContextSwitchTo(old);
		status = ConnHttpResponseHeaders(r->s)->status;
		if (status == 412)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("object \"%s\" changed while it was read", ConnObjectName(&r->call))));
		if (status != 206)
			ConnObjectRaise(r->st, &r->call, r->s);
	}
}

/* Up to len bytes of the object's content (inflated); 0 at its end. */
static size_t
reader_read(ObjectReader *r, char *buf, size_t len)
{
	if (!r->gzip)
		return reader_raw(r, buf, len);

	r->z.next_out = (Bytef *) buf;
	r->z.avail_out = (uInt) len;
	while (r->z.avail_out == len)
	{
		int			rc;

		if (r->z.avail_in == 0 && !r->raw_eof)
		{
			size_t		n = reader_raw(r, r->in, INFLATE_CHUNK);

			r->raw_eof = (n == 0);
			r->z.next_in = (Bytef *) r->in;
			r->z.avail_in = (uInt) n;
		}
		if (r->z.avail_in == 0 && r->raw_eof)
		{
			if (!r->z_done)
				ereport(ERROR,
						(errcode(ERRCODE_BAD_COPY_FILE_FORMAT),
						 errmsg("gzip data of object \"%s\" ends early", ConnObjectName(&r->call))));
			break;
		}
		/* another member after the end of one (concatenated gzip files) */
		if (r->z_done)
		{
			inflateReset(&r->z);
			r->z_done = false;
		}
		rc = inflate(&r->z, Z_NO_FLUSH);
		if (rc == Z_STREAM_END)
			r->z_done = true;
		else if (rc == Z_MEM_ERROR)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory")));
		else if (rc != Z_OK && rc != Z_BUF_ERROR)
			ereport(ERROR,
					(errcode(ERRCODE_BAD_COPY_FILE_FORMAT),
					 errmsg("gzip data of object \"%s\" is corrupt", ConnObjectName(&r->call)),
					 r->z.msg ? errdetail_internal("%s", r->z.msg) : 0));
	}
	return len - r->z.avail_out;
}

static void
reader_close(ObjectReader *r)
{
	if (r->gzip)
		inflateEnd(&r->z);
	ConnHttpEnd(r->s);
}

/* COPY's data source: at least minread bytes, unless the object ends. */
static int
copy_read(void *outbuf, int minread, int maxread)
{
	int			total = 0;

	while (total < minread)
	{
		size_t		n = reader_read(current_reader, (char *) outbuf + total, maxread - total);

		if (n == 0)
			break;
		total += n;
	}
	return total;
}

/* ---------------------------------------------------------------------
 * Import
 * ---------------------------------------------------------------------
 */

/*
 * COPY rel FROM the object: the checks of COPY FROM (INSERT on the
 * columns, no row-level security, not in a read-only transaction), then
 * COPY's own code, reading through the reader.  The relation is open and
 * locked RowExclusive by the caller; whereClause is raw, or NULL.
 */
static uint64
import(ParseState *pstate, ConnStorage *st, Relation rel, Node *whereClause,
	   List *attlist, List *options, const char *bucket, const char *key)
{
	ParseNamespaceItem *nsitem;
	List	   *attnums;
	ListCell   *lc;
	CopyFromState cstate;
	CopyFormatOptions checked = {0};
	ObjectReader *volatile previous = current_reader;
	ObjectReader *reader;
	uint64		rows = 0;

	nsitem = addRangeTableEntryForRelation(pstate, rel, RowExclusiveLock, NULL, false, false);
	attnums = CopyGetAttnums(RelationGetDescr(rel), rel, attlist);
#if PG_VERSION_NUM >= 160000
	nsitem->p_perminfo->requiredPerms = ACL_INSERT;
	foreach(lc, attnums)
		nsitem->p_perminfo->insertedCols =
			bms_add_member(nsitem->p_perminfo->insertedCols,
						   lfirst_int(lc) - FirstLowInvalidHeapAttributeNumber);
	ExecCheckPermissions(pstate->p_rtable, list_make1(nsitem->p_perminfo), true);
#else
	nsitem->p_rte->requiredPerms = ACL_INSERT;
	foreach(lc, attnums)
		nsitem->p_rte->insertedCols =
			bms_add_member(nsitem->p_rte->insertedCols,
						   lfirst_int(lc) - FirstLowInvalidHeapAttributeNumber);
	ExecCheckRTPerms(pstate->p_rtable, true);
#endif
	if (check_enable_rls(RelationGetRelid(rel), InvalidOid, false) == RLS_ENABLED)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("COPY FROM not supported with row-level security"),
				 errhint("Use INSERT statements instead.")));
	if (XactReadOnly && !rel->rd_islocaltemp)
		PreventCommandIfReadOnly("COPY FROM");

	if (whereClause)
	{
		addNSItemToQuery(pstate, nsitem, false, true, true);
		whereClause = transformExpr(pstate, whereClause, EXPR_KIND_COPY_WHERE);
		whereClause = coerce_to_boolean(pstate, whereClause, "WHERE");
		assign_expr_collations(pstate, whereClause);
		whereClause = eval_const_expressions(NULL, whereClause);
		whereClause = (Node *) canonicalize_qual((Expr *) whereClause, false);
		whereClause = (Node *) make_ands_implicit((Expr *) whereClause);
	}

	/* only now, with every right and option checked, is a request sent */
	ProcessCopyOptions(pstate, &checked, true, options);
	reader = reader_open(st, bucket, key);
	PG_TRY();
	{
		/* (binary COPY reads its header at once) */
		current_reader = reader;
		cstate = BeginCopyFrom(pstate, rel, whereClause, NULL, false, copy_read, attlist, options);
		rows = CopyFrom(cstate);
		EndCopyFrom(cstate);
	}
	PG_FINALLY();
	{
		current_reader = previous;
	}
	PG_END_TRY();
	reader_close(reader);
	return rows;
}

/* ---------------------------------------------------------------------
 * Uploading an object
 * ---------------------------------------------------------------------
 */

typedef struct Upload
{
	ConnStorage *st;
	ConnObjectCall call;		/* bucket, key; for messages */
	const char *content_type;
	StringInfoData part;		/* the part being filled */
	StringInfoData spare;		/* the part in flight, or a free buffer */
	size_t		part_size;
	int			started;		/* parts begun */
	int			nparts;			/* parts uploaded */
	char	   *upload_id;		/* of the multipart upload, once begun */
	List	   *etags;
	int64		bytes;			/* bytes of the object */
	ConnHttpStream *inflight;	/* the upload of the part in spare */
	ConnObjectCall inflight_call;
	char		inflight_number[16];
	int			progress_mark;	/* part.len when uploads last moved on */
	bool		gzip;
	z_stream	z;
	bool		finished;
	MemoryContext cxt;			/* where it lives, and what it keeps */
} Upload;

/*
 * Make buf hold exactly size bytes of a part (a StringInfo would round up
 * to a power of two: two parts of 8 MB would take 32 MB).  The current
 * context must be the upload's.
 */
static void
part_buffer(StringInfo buf, size_t size)
{
	if (buf->data != NULL && (size_t) buf->maxlen >= size)
		return;
	if (buf->data)
		pfree(buf->data);
	buf->data = palloc(size + 1);
	buf->maxlen = size + 1;
	buf->len = 0;
	buf->cursor = 0;
	buf->data[0] = '\0';
}

/* Bytes made between two nudges of the part in flight. */
#define PROGRESS_BYTES (64 * 1024)

/* Uploads that a terminated backend aborts on its way out. */
static List *active_uploads = NIL;
static bool exit_callback_registered = false;

static Upload *
upload_begin(ConnStorage *st, const char *bucket, const char *key, const char *content_type)
{
	Upload	   *u = palloc0(sizeof(Upload));

	u->cxt = CurrentMemoryContext;
	u->st = st;
	u->call.bucket = bucket;
	u->call.key = key;
	u->call.action = "write";
	u->part_size = (size_t) conn_part_size * 1024;
	u->gzip = ends_with(key, ".gz");
	u->content_type = u->gzip ? "application/gzip" : content_type;
	part_buffer(&u->part, u->part_size);
	part_buffer(&u->spare, 0);
	if (u->gzip)
	{
		u->z.zalloc = z_alloc;
		u->z.zfree = z_free;
		u->z.opaque = CurrentMemoryContext;
		/* 16: a gzip header and trailer */
		if (deflateInit2(&u->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
						 Z_DEFAULT_STRATEGY) != Z_OK)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory")));
	}
	return u;
}

/* A call on the object. */
static void
upload_call(Upload *u, ConnObjectCall *call, const char *method, const char *content_type,
			const char *body, size_t len, ConnParam *params, int nparams)
{
	*call = u->call;
	call->method = method;
	call->content_type = content_type;
	call->body = body;
	call->body_len = len;
	memcpy(call->params, params, sizeof(ConnParam) * nparams);
	call->nparams = nparams;
}

/* One request on the object, 2xx expected; the stream for headers/body. */
static ConnHttpStream *
upload_request(Upload *u, const char *method, const char *content_type,
			   const char *body, size_t len, ConnParam *params, int nparams)
{
	ConnObjectCall call;
	ConnHttpStream *s;
	long		status;

	upload_call(u, &call, method, content_type, body, len, params, nparams);
	s = ConnObjectSend(u->st, &call);
	status = ConnHttpResponseHeaders(s)->status;
	if (status < 200 || status > 299)
		ConnObjectRaise(u->st, &call, s);
	return s;
}

/*
 * Wait for the part in flight to be uploaded (trying it again, waiting
 * this time, if it failed in a way that may pass) and keep its ETag.
 */
static void
upload_land(Upload *u)
{
	ConnHttpStream *s = u->inflight;
	MemoryContext old;

	if (s == NULL)
		return;
	ConnHttpWait(s);
	if (ConnObjectRetryable(s))
	{
		ConnHttpEnd(s);
		old = MemoryContextSwitchTo(u->cxt);
		s = u->inflight = ConnObjectSend(u->st, &u->inflight_call);
		MemoryContextSwitchTo(old);
	}
	else if (ConnHttpFailed(s))
		ConnHttpRaise(s);
	if (ConnHttpResponseHeaders(s)->status < 200 || ConnHttpResponseHeaders(s)->status > 299)
		ConnObjectRaise(u->st, &u->inflight_call, s);
	if (ConnHttpResponseHeaders(s)->etag[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("%s answered part %d of \"%s\" without an ETag", u->st->provider->storage_type,
						u->nparts + 1, ConnObjectName(&u->call))));
	old = MemoryContextSwitchTo(u->cxt);
	u->etags = lappend(u->etags, pstrdup(ConnHttpResponseHeaders(s)->etag));
	MemoryContextSwitchTo(old);
	ConnHttpEnd(s);
	u->inflight = NULL;
	u->nparts++;
	u->bytes += u->spare.len;
}

/*
 * Send the part buffer as the next part, beginning the multipart upload if
 * need be, and go on filling the other buffer while it uploads (the part
 * before it landed first).
 */
static void
upload_part(Upload *u)
{
	ConnHttpStream *s;
	ConnHttpResponse resp;
	MemoryContext old;
	StringInfoData full;

	if (u->upload_id == NULL)
	{
		ConnParam	uploads = {"uploads", ""};
		char	   *id;

		s = upload_request(u, "POST", u->content_type, NULL, 0, &uploads, 1);
		ConnHttpReadAll(s, &resp, CONN_HTTP_MAX_BODY);
		ConnHttpEnd(s);
		id = ConnXmlElement(resp.body, resp.body + resp.len, "UploadId");
		if (id == NULL || id[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_PROTOCOL_VIOLATION),
					 errmsg("%s did not begin a multipart upload of \"%s\" for connection \"%s\"",
							u->st->provider->storage_type, ConnObjectName(&u->call), u->st->name),
					 errdetail("Its answer has no UploadId.")));
		u->upload_id = MemoryContextStrdup(u->cxt, id);
		old = MemoryContextSwitchTo(TopMemoryContext);
		active_uploads = lappend(active_uploads, u);
		MemoryContextSwitchTo(old);
	}
	if (u->started >= MAX_PARTS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("export to \"%s\" needs more than %d parts", ConnObjectName(&u->call), MAX_PARTS),
				 errhint("Raise connection.part_size.")));
	upload_land(u);

	/* the full buffer goes, the free one is filled next */
	full = u->part;
	u->part = u->spare;
	u->spare = full;
	resetStringInfo(&u->part);
	u->progress_mark = 0;

	snprintf(u->inflight_number, sizeof(u->inflight_number), "%d", ++u->started);
	{
		ConnParam	params[2] = {{"partNumber", u->inflight_number}, {"uploadId", u->upload_id}};

		upload_call(u, &u->inflight_call, "PUT", "application/octet-stream",
					u->spare.data, u->spare.len, params, 2);
	}
	old = MemoryContextSwitchTo(u->cxt);
	u->inflight = ConnObjectBegin(u->st, &u->inflight_call);
	MemoryContextSwitchTo(old);

	/* every PARTS_PER_STEP parts, parts twice as large: 10000 parts go far */
	if (u->started % PARTS_PER_STEP == 0 && u->part_size * 2 <= MAX_PART_SIZE)
		u->part_size *= 2;
	old = MemoryContextSwitchTo(u->cxt);
	part_buffer(&u->part, u->part_size);
	MemoryContextSwitchTo(old);
}

/* Move the part in flight on now and then while the next one is made. */
static void
upload_nudge(Upload *u)
{
	if (u->inflight && u->part.len - u->progress_mark >= PROGRESS_BYTES)
	{
		ConnHttpProgress();
		u->progress_mark = u->part.len;
	}
}

/* Deflate what is given (or finish the stream) into the part buffer. */
static void
upload_deflate(Upload *u, const char *data, size_t len, int flush)
{
	u->z.next_in = (Bytef *) data;
	u->z.avail_in = (uInt) len;
	for (;;)
	{
		size_t		room;
		int			rc;

		if (u->part.len >= (int) u->part_size)
			upload_part(u);
		room = u->part_size - u->part.len;
		u->z.next_out = (Bytef *) u->part.data + u->part.len;
		u->z.avail_out = (uInt) room;
		rc = deflate(&u->z, flush);
		u->part.len += room - u->z.avail_out;
		if (rc == Z_STREAM_END || (u->z.avail_in == 0 && u->z.avail_out > 0 && flush == Z_NO_FLUSH))
			break;
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			elog(ERROR, "could not compress data: %s", u->z.msg ? u->z.msg : "?");
	}
	upload_nudge(u);
}

/* Add bytes of the object. */
static void
upload_write(Upload *u, const char *data, size_t len)
{
	if (u->gzip)
	{
		upload_deflate(u, data, len, Z_NO_FLUSH);
		return;
	}
	/* parts of exactly part_size: a row may straddle two */
	while (u->part.len + len >= u->part_size)
	{
		size_t		room = u->part_size - u->part.len;

		memcpy(u->part.data + u->part.len, data, room);
		u->part.len += room;
		data += room;
		len -= room;
		upload_part(u);
	}
	memcpy(u->part.data + u->part.len, data, len);
	u->part.len += len;
	upload_nudge(u);
}

/*
 * Make the object: one PUT if it never outgrew a part, else the last part
 * and the completion of the multipart upload.
 */
static void
upload_finish(Upload *u)
{
	ConnHttpStream *s;
	StringInfoData xml;
	ListCell   *lc;
	int			i = 0;
	ConnParam	id;
	ConnHttpResponse resp;
	const char *err;
	const char *err_end;

	if (u->gzip)
	{
		upload_deflate(u, NULL, 0, Z_FINISH);
		deflateEnd(&u->z);
	}
	if (u->upload_id == NULL)
	{
		s = upload_request(u, "PUT", u->content_type, u->part.data, u->part.len, NULL, 0);
		ConnHttpEnd(s);
		u->nparts = 1;
		u->bytes = u->part.len;
		u->finished = true;
		return;
	}
	if (u->part.len > 0)
		upload_part(u);
	upload_land(u);

	initStringInfo(&xml);
	appendStringInfoString(&xml, "<CompleteMultipartUpload>");
	foreach(lc, u->etags)
	{
		appendStringInfo(&xml, "<Part><PartNumber>%d</PartNumber><ETag>", ++i);
		for (const char *p = lfirst(lc); *p; p++)
		{
			if (*p == '&')
				appendStringInfoString(&xml, "&amp;");
			else if (*p == '<')
				appendStringInfoString(&xml, "&lt;");
			else if (*p == '>')
				appendStringInfoString(&xml, "&gt;");
			else
				appendStringInfoChar(&xml, *p);
		}
		appendStringInfoString(&xml, "</ETag></Part>");
	}
	appendStringInfoString(&xml, "</CompleteMultipartUpload>");
	id = (ConnParam) {"uploadId", u->upload_id};
	s = upload_request(u, "POST", "application/xml", xml.data, xml.len, &id, 1);
	ConnHttpReadAll(s, &resp, CONN_HTTP_MAX_BODY);
	ConnHttpEnd(s);
	/* S3 may answer 200 and put the error in the body */
	err = ConnXmlNext(resp.body, resp.body + resp.len, "Error", &err_end);
	if (err)
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("could not complete the upload of \"%s\" through connection \"%s\"",
						ConnObjectName(&u->call), u->st->name),
				 errdetail("%s answered error code \"%s\": %s", u->st->provider->storage_type,
						   ConnScrubText(ConnXmlElement(err, err_end, "Code"), &u->st->keys),
						   ConnScrubText(ConnXmlElement(err, err_end, "Message"), &u->st->keys))));
	u->finished = true;
	active_uploads = list_delete_ptr(active_uploads, u);
}

/*
 * Abort a multipart upload, if one was begun, with a single try and
 * interrupts held (the error that brought us here is on its way); a
 * failure is a WARNING, since the upload's parts stay invisible anyway
 * until a lifecycle rule removes them.  Never throws.
 */
static void
upload_abort(Upload *u)
{
	MemoryContext cxt = CurrentMemoryContext;
	int			retries = conn_request_retries;
	int			timeout = conn_io_timeout;
	bool		role_mode = u->st->role_mode;

	active_uploads = list_delete_ptr(active_uploads, u);
	if (u->inflight)
		ConnHttpEnd(u->inflight);
	u->inflight = NULL;
	if (u->upload_id == NULL || u->finished)
		return;
	HOLD_INTERRUPTS();
	conn_request_retries = 0;
	conn_io_timeout = Min(conn_io_timeout, 5000);
	/* the keys have minutes left: no catalog lookups on the way out */
	u->st->role_mode = false;
	PG_TRY();
	{
		ConnParam	id = {"uploadId", u->upload_id};

		ConnHttpEnd(upload_request(u, "DELETE", NULL, NULL, 0, &id, 1));
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		FlushErrorState();
		ereport(WARNING,
				(errmsg("could not abort the multipart upload of \"%s\" through connection \"%s\"",
						ConnObjectName(&u->call), u->st->name),
				 errdetail("Its parts are not an object, but take space until a lifecycle rule of the bucket removes them.")));
	}
	PG_END_TRY();
	u->st->role_mode = role_mode;
	conn_request_retries = retries;
	conn_io_timeout = timeout;
	RESUME_INTERRUPTS();
}

/* A backend that is terminated aborts the uploads it had begun. */
static void
abort_uploads_at_exit(int code, Datum arg)
{
	while (active_uploads != NIL)
		upload_abort((Upload *) linitial(active_uploads));
}

/* ---------------------------------------------------------------------
 * Formatting rows as COPY TO does
 * ---------------------------------------------------------------------
 */

typedef struct ExportReceiver
{
	DestReceiver pub;
	Upload	   *upload;
	CopyFormatOptions opts;
	int			file_encoding;
	bool		transcode;
	bool		embeds_ascii;	/* the encoding's multibyte chars hold ASCII */
	int			natts;
	FmgrInfo   *out;
	bool	   *force_quote;
	StringInfoData line;
	MemoryContext rowcxt;
	uint64		rows;
} ExportReceiver;

/* Append s converted to the file's encoding; returns the converted. */
static char *
to_file_encoding(ExportReceiver *er, char *s)
{
	return er->transcode ? pg_server_to_any(s, strlen(s), er->file_encoding) : s;
}

/* Bytes of the character at p in the file's encoding. */
static inline int
char_len(ExportReceiver *er, const char *p)
{
	return (er->embeds_ascii && IS_HIGHBIT_SET(*p)) ? pg_encoding_mblen(er->file_encoding, p) : 1;
}

/* A value of text format: backslash escapes for the delimiter and controls. */
static void
out_text(ExportReceiver *er, char *value)
{
	StringInfo	buf = &er->line;
	char		delimc = er->opts.delim[0];
	const char *p = to_file_encoding(er, value);
	const char *start = p;

	while (*p)
	{
		unsigned char c = (unsigned char) *p;
		char		esc = 0;

		if (c < 0x20)
		{
			switch (c)
			{
				case '\b':
					esc = 'b';
					break;
				case '\f':
					esc = 'f';
					break;
				case '\n':
					esc = 'n';
					break;
				case '\r':
					esc = 'r';
					break;
				case '\t':
					esc = 't';
					break;
				case '\v':
					esc = 'v';
					break;
				default:
					if (c == (unsigned char) delimc)
						esc = delimc;
			}
		}
		else if (c == '\\' || c == (unsigned char) delimc)
			esc = c;
		if (esc)
		{
			appendBinaryStringInfo(buf, start, p - start);
			appendStringInfoChar(buf, '\\');
			appendStringInfoChar(buf, esc);
			start = ++p;
		}
		else
			p += char_len(er, p);
	}
	appendBinaryStringInfo(buf, start, p - start);
}

/* A value of csv format: quoted when it must be (or is forced to be). */
static void
out_csv(ExportReceiver *er, char *value, bool force, bool single)
{
	StringInfo	buf = &er->line;
	char		delimc = er->opts.delim[0];
	char		quotec = er->opts.quote[0];
	char		escapec = er->opts.escape[0];
	bool		quote = force ||
		(er->opts.null_print_len == 0 ? value[0] == '\0' : strcmp(value, er->opts.null_print) == 0);
	const char *s = to_file_encoding(er, value);
	const char *p = s;

	if (!quote && single && strcmp(s, "\\.") == 0)
		quote = true;
	if (!quote)
	{
		/* the common case: one pass, one copy */
		for (; *p; p += char_len(er, p))
			if (*p == delimc || *p == quotec || *p == '\n' || *p == '\r')
				break;
		if (*p == '\0')
		{
			appendBinaryStringInfo(buf, s, p - s);
			return;
		}
	}
	appendStringInfoChar(buf, quotec);
	for (p = s; *p;)
	{
		int			len = char_len(er, p);

		if (*p == quotec || *p == escapec)
			appendStringInfoChar(buf, escapec);
		appendBinaryStringInfo(buf, p, len);
		p += len;
	}
	appendStringInfoChar(buf, quotec);
}

static void
export_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	ExportReceiver *er = (ExportReceiver *) self;
	ListCell   *lc;

	er->natts = typeinfo->natts;
	er->out = palloc0(sizeof(FmgrInfo) * Max(er->natts, 1));
	er->force_quote = palloc0(sizeof(bool) * Max(er->natts, 1));
	for (int i = 0; i < er->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(typeinfo, i);
		Oid			func;
		bool		isvarlena;

		if (er->opts.binary)
			getTypeBinaryOutputInfo(att->atttypid, &func, &isvarlena);
		else
			getTypeOutputInfo(att->atttypid, &func, &isvarlena);
		fmgr_info(func, &er->out[i]);
		er->force_quote[i] = er->opts.force_quote_all;
	}
	foreach(lc, er->opts.force_quote)
	{
		char	   *col = strVal(lfirst(lc));
		bool		found = false;

		for (int i = 0; i < er->natts; i++)
			if (strcmp(NameStr(TupleDescAttr(typeinfo, i)->attname), col) == 0)
				er->force_quote[i] = found = true;
		if (!found)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_COLUMN_REFERENCE),
					 errmsg("FORCE_QUOTE column \"%s\" not referenced by COPY", col)));
	}

	initStringInfo(&er->line);
	if (er->opts.binary)
	{
		/* signature, flags, header extension length */
		appendBinaryStringInfo(&er->line, "PGCOPY\n\377\r\n\0", 11);
		pq_sendint32(&er->line, 0);
		pq_sendint32(&er->line, 0);
	}
	else if (er->opts.header_line)
	{
		for (int i = 0; i < er->natts; i++)
		{
			char	   *name = NameStr(TupleDescAttr(typeinfo, i)->attname);

			if (i > 0)
				appendStringInfoChar(&er->line, er->opts.delim[0]);
			if (er->opts.csv_mode)
				out_csv(er, name, false, er->natts == 1);
			else
				out_text(er, name);
		}
		appendStringInfoChar(&er->line, '\n');
	}
	upload_write(er->upload, er->line.data, er->line.len);
}

static bool
export_receive(TupleTableSlot *slot, DestReceiver *self)
{
	ExportReceiver *er = (ExportReceiver *) self;
	MemoryContext old = MemoryContextSwitchTo(er->rowcxt);

	slot_getallattrs(slot);
	resetStringInfo(&er->line);
	if (er->opts.binary)
		pq_sendint16(&er->line, er->natts);
	for (int i = 0; i < er->natts; i++)
	{
		Datum		value = slot->tts_values[i];

		if (er->opts.binary)
		{
			if (slot->tts_isnull[i])
				pq_sendint32(&er->line, -1);
			else
			{
				bytea	   *b = SendFunctionCall(&er->out[i], value);

				pq_sendint32(&er->line, VARSIZE(b) - VARHDRSZ);
				appendBinaryStringInfo(&er->line, VARDATA(b), VARSIZE(b) - VARHDRSZ);
			}
			continue;
		}
		if (i > 0)
			appendStringInfoChar(&er->line, er->opts.delim[0]);
		if (slot->tts_isnull[i])
			appendStringInfoString(&er->line, er->opts.null_print_client);
		else if (er->opts.csv_mode)
			out_csv(er, OutputFunctionCall(&er->out[i], value), er->force_quote[i], er->natts == 1);
		else
			out_text(er, OutputFunctionCall(&er->out[i], value));
	}
	if (!er->opts.binary)
		appendStringInfoChar(&er->line, '\n');
	upload_write(er->upload, er->line.data, er->line.len);
	er->rows++;
	MemoryContextSwitchTo(old);
	MemoryContextReset(er->rowcxt);
	return true;
}

static void
export_shutdown(DestReceiver *self)
{
	ExportReceiver *er = (ExportReceiver *) self;

	if (er->opts.binary)
	{
		int16		trailer = pg_hton16(-1);

		upload_write(er->upload, (char *) &trailer, 2);
	}
}

static void
export_destroy(DestReceiver *self)
{
}

/* ---------------------------------------------------------------------
 * Export
 * ---------------------------------------------------------------------
 */

/*
 * Run a query (raw, from COPY or export_query()) as COPY TO runs one,
 * sending its rows to dest.
 */
static void
run_query(ParseState *pstate, RawStmt *raw, DestReceiver *dest, ErrorContextCallback *errcb)
{
	List	   *rewritten;
	Query	   *query;
	PlannedStmt *plan;
	QueryDesc  *qd;

	/* errors of the analysis of export_query()'s text point into it */
	if (errcb)
	{
		errcb->previous = error_context_stack;
		error_context_stack = errcb;
	}
#if PG_VERSION_NUM >= 150000
	rewritten = pg_analyze_and_rewrite_fixedparams(raw, pstate->p_sourcetext, NULL, 0,
												   pstate->p_queryEnv);
#else
	rewritten = pg_analyze_and_rewrite(raw, pstate->p_sourcetext, NULL, 0, pstate->p_queryEnv);
#endif
	if (errcb)
		error_context_stack = errcb->previous;
	if (rewritten == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("DO INSTEAD NOTHING rules are not supported for COPY")));
	if (list_length(rewritten) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("multi-statement DO INSTEAD rules are not supported for COPY")));
	query = linitial_node(Query, rewritten);
	if (query->utilityStmt != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("COPY (SELECT INTO) is not supported")));
	if (query->commandType != CMD_SELECT && query->returningList == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("COPY query must have a RETURNING clause")));

	plan = pg_plan_query(query, pstate->p_sourcetext, CURSOR_OPT_PARALLEL_OK, NULL);
	PushCopiedSnapshot(GetActiveSnapshot());
	UpdateActiveSnapshotCommandId();
	qd = CreateQueryDesc(plan, pstate->p_sourcetext, GetActiveSnapshot(), InvalidSnapshot,
						 dest, NULL, pstate->p_queryEnv, 0);
	ExecutorStart(qd, 0);
#if PG_VERSION_NUM >= 180000
	ExecutorRun(qd, ForwardScanDirection, 0);
#else
	ExecutorRun(qd, ForwardScanDirection, 0, true);
#endif
	ExecutorFinish(qd);
	ExecutorEnd(qd);
	FreeQueryDesc(qd);
	PopActiveSnapshot();
}

typedef struct ExportResult
{
	uint64		rows;
	int64		bytes;
	int			parts;
} ExportResult;

/*
 * Export the rows of a query to an object, in COPY TO's format with its
 * options: the upload is aborted on any error, cancel included.
 */
static void
export(ParseState *pstate, ConnStorage *st, RawStmt *raw, ErrorContextCallback *errcb,
	   List *options, const char *bucket, const char *key, ExportResult *result)
{
	ExportReceiver *er = palloc0(sizeof(ExportReceiver));
	MemoryContext cxt = CurrentMemoryContext;
	Upload	   *volatile upload = NULL;

	ProcessCopyOptions(pstate, &er->opts, false, options);
	er->file_encoding = er->opts.file_encoding >= 0 ? er->opts.file_encoding : pg_get_client_encoding();
	er->transcode = er->file_encoding != GetDatabaseEncoding();
	er->embeds_ascii = PG_ENCODING_IS_CLIENT_ONLY(er->file_encoding);
	er->opts.null_print_client = er->transcode ?
		pg_server_to_any(er->opts.null_print, er->opts.null_print_len, er->file_encoding) :
		er->opts.null_print;
	er->pub.receiveSlot = export_receive;
	er->pub.rStartup = export_startup;
	er->pub.rShutdown = export_shutdown;
	er->pub.rDestroy = export_destroy;
	er->pub.mydest = DestNone;
	er->rowcxt = AllocSetContextCreate(CurrentMemoryContext, "connection export row",
									   ALLOCSET_DEFAULT_SIZES);

	if (!exit_callback_registered)
	{
		before_shmem_exit(abort_uploads_at_exit, (Datum) 0);
		exit_callback_registered = true;
	}
	PG_TRY();
	{
		upload = upload_begin(st, bucket, key,
							  er->opts.binary ? "application/octet-stream" :
							  er->opts.csv_mode ? "text/csv" : "text/plain");
		er->upload = upload;
		run_query(pstate, raw, (DestReceiver *) er, errcb);
		upload_finish(upload);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		if (upload)
			upload_abort(upload);
		ReThrowError(edata);
	}
	PG_END_TRY();
	result->rows = er->rows;
	result->bytes = upload->bytes;
	result->parts = upload->nparts;
}

/* ---------------------------------------------------------------------
 * Options, URIs, and the entry points
 * ---------------------------------------------------------------------
 */

/* Syntax errors in text we parse for the user point into that text. */
typedef struct ParseErrorContext
{
	const char *text;
	const char *what;
} ParseErrorContext;

static void
parse_error_callback(void *arg)
{
	ParseErrorContext *ctx = (ParseErrorContext *) arg;
	int			pos = geterrposition();

	if (pos > 0)
	{
		errposition(0);
		internalerrposition(pos);
		internalerrquery(ctx->text);
	}
	errcontext("%s", ctx->what);
}

/* raw_parser of text, its syntax errors pointing into text. */
static List *
parse_own_text(const char *text, const char *what)
{
	ErrorContextCallback errcb;
	ParseErrorContext ctx;
	List	   *stmts;

	ctx.text = text;
	ctx.what = what;
	errcb.callback = parse_error_callback;
	errcb.arg = &ctx;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	stmts = raw_parser(text, RAW_PARSE_DEFAULT);
	error_context_stack = errcb.previous;
	return stmts;
}

/*
 * The DefElem list of COPY options written as COPY takes them between
 * parentheses ("format csv, header"), parsed by PostgreSQL's grammar; the
 * text may be wrapped in one pair of parentheses itself.
 */
static List *
parse_options(const char *text, const char *function)
{
	char	   *trimmed = pstrdup(text ? text : "");
	size_t		len;
	char	   *sql;
	List	   *stmts;
	CopyStmt   *stmt;
	ListCell   *lc;

	while (*trimmed && isspace((unsigned char) *trimmed))
		trimmed++;
	len = strlen(trimmed);
	while (len > 0 && isspace((unsigned char) trimmed[len - 1]))
		trimmed[--len] = '\0';
	if (len == 0)
		return NIL;
	if (trimmed[0] == '(' && trimmed[len - 1] == ')')
	{
		trimmed[len - 1] = '\0';
		trimmed++;
	}
	sql = psprintf("COPY x FROM STDIN (%s)", trimmed);
	stmts = parse_own_text(sql, psprintf("COPY options of %s", function));
	stmt = list_length(stmts) == 1 && IsA(linitial_node(RawStmt, stmts)->stmt, CopyStmt) ?
		(CopyStmt *) linitial_node(RawStmt, stmts)->stmt : NULL;
	if (stmt == NULL || stmt->whereClause != NULL || stmt->attlist != NIL ||
		stmt->filename != NULL || !stmt->is_from)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("invalid COPY options \"%s\"", text),
				 errhint("Write the options as COPY takes them between parentheses, such as 'format csv, header'.")));
	/* their places are in our text, not the caller's */
	foreach(lc, stmt->options)
		lfirst_node(DefElem, lc)->location = -1;
	return stmt->options;
}

/* The raw statement of export_query()'s text: one SELECT, VALUES or DML. */
static RawStmt *
parse_query(const char *text)
{
	List	   *stmts = parse_own_text(text, "query of connection.export_query()");
	RawStmt    *raw;

	if (list_length(stmts) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("connection.export_query() takes exactly one query, not %d statements",
						list_length(stmts))));
	raw = linitial_node(RawStmt, stmts);
	if (!IsA(raw->stmt, SelectStmt) && !IsA(raw->stmt, InsertStmt) &&
		!IsA(raw->stmt, UpdateStmt) && !IsA(raw->stmt, DeleteStmt))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("connection.export_query() exports SELECT, VALUES, or INSERT, UPDATE or DELETE with RETURNING")));
	return raw;
}

/*
 * connection.import_object(name, object_path, table_name, columns,
 *							options)
 *		COPY table_name (columns) FROM the object WITH (options); returns
 *		the number of rows.
 */
Datum
connection_import_object(PG_FUNCTION_ARGS)
{
	char	   *name = ConnArgName(fcinfo, 0);
	char	   *path = ConnArgText(fcinfo, 1, "object path");
	Oid			relid;
	List	   *attlist = NIL;
	List	   *options;
	ParseState *pstate;
	ConnStorage *st;
	Relation	rel;
	char	   *bucket;
	char	   *key;
	uint64		rows;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("table must not be null")));
	relid = PG_GETARG_OID(2);
	if (!PG_ARGISNULL(3))
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(3);
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
		for (int i = 0; i < n; i++)
		{
			if (nulls[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("column names must not be null")));
			attlist = lappend(attlist, makeString(TextDatumGetCString(elems[i])));
		}
	}
	options = parse_options(PG_ARGISNULL(4) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(4)),
							"connection.import_object()");
	ConnObjectPath(path, true, &bucket, &key);

	st = ConnStorageOpen(name, "connection.import_object()");
	pstate = make_parsestate(NULL);
	pstate->p_sourcetext = "";
	rel = table_open(relid, RowExclusiveLock);
	rows = import(pstate, st, rel, NULL, attlist, options, bucket, key);
	table_close(rel, NoLock);
	PG_RETURN_INT64((int64) rows);
}

/*
 * connection.export_query(name, object_path, query, options)
 *		COPY (query) TO the object WITH (options); returns rows, bytes and
 *		parts.
 */
Datum
connection_export_query(PG_FUNCTION_ARGS)
{
	char	   *name = ConnArgName(fcinfo, 0);
	char	   *path = ConnArgText(fcinfo, 1, "object path");
	char	   *query = ConnArgText(fcinfo, 2, "query");
	List	   *options;
	ParseState *pstate;
	ConnStorage *st;
	RawStmt    *raw;
	TupleDesc	tupdesc;
	ExportResult result;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	char	   *bucket;
	char	   *key;
	ErrorContextCallback errcb;
	ParseErrorContext ctx;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	options = parse_options(PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3)),
							"connection.export_query()");
	raw = parse_query(query);
	ConnObjectPath(path, true, &bucket, &key);

	st = ConnStorageOpen(name, "connection.export_query()");
	pstate = make_parsestate(NULL);
	pstate->p_sourcetext = query;
	ctx.text = query;
	ctx.what = "query of connection.export_query()";
	errcb.callback = parse_error_callback;
	errcb.arg = &ctx;
	export(pstate, st, raw, &errcb, options, bucket, key, &result);

	values[0] = Int64GetDatum((int64) result.rows);
	values[1] = Int64GetDatum(result.bytes);
	values[2] = Int32GetDatum(result.parts);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

/*
 * A SELECT of a relation's columns (all, or attlist), from ONLY it unless
 * it is partitioned: what COPY rel TO exports.
 */
static RawStmt *
relation_query(Relation rel, List *attlist)
{
	SelectStmt *select = makeNode(SelectStmt);
	RangeVar   *from = makeRangeVar(get_namespace_name(RelationGetNamespace(rel)),
									pstrdup(RelationGetRelationName(rel)), -1);
	RawStmt    *raw = makeNode(RawStmt);
	ListCell   *lc;

	from->inh = rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE;
	if (attlist == NIL)
	{
		ColumnRef  *cr = makeNode(ColumnRef);
		ResTarget  *target = makeNode(ResTarget);

		cr->fields = list_make1(makeNode(A_Star));
		cr->location = -1;
		target->val = (Node *) cr;
		target->location = -1;
		select->targetList = list_make1(target);
	}
	foreach(lc, attlist)
	{
		ColumnRef  *cr = makeNode(ColumnRef);
		ResTarget  *target = makeNode(ResTarget);

		cr->fields = list_make1(makeString(strVal(lfirst(lc))));
		cr->location = -1;
		target->val = (Node *) cr;
		target->location = -1;
		select->targetList = lappend(select->targetList, target);
	}
	select->fromClause = list_make1(from);
	raw->stmt = (Node *) select;
	raw->stmt_location = -1;
	return raw;
}

/* Is a COPY statement's file a connection:// URI? */
bool
ConnIsCopyUri(const CopyStmt *stmt)
{
	return stmt->filename != NULL && !stmt->is_program &&
		pg_strncasecmp(stmt->filename, CONN_URI_PREFIX, strlen(CONN_URI_PREFIX)) == 0;
}

/*
 * ConnCopyUri
 *		COPY ... FROM/TO 'connection://<connection>/<bucket>/<key>': import
 *		or export through the connection; returns the rows.
 */
uint64
ConnCopyUri(ParseState *pstate, const CopyStmt *stmt, int stmt_location, int stmt_len)
{
	const char *rest = stmt->filename + strlen(CONN_URI_PREFIX);
	const char *slash = strchr(rest, '/');
	char	   *name;
	char	   *bucket;
	char	   *key;
	ConnStorage *st;
	uint64		rows;

	if (slash == NULL || slash == rest)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid object URI \"%s\"", stmt->filename),
				 errdetail("An object URI is connection://<connection>/<bucket>/<key>.")));
	name = ConnNormalizeName(pnstrdup(rest, slash - rest), "connection name");
	ConnObjectPath(slash + 1, true, &bucket, &key);

	st = ConnStorageOpen(name, stmt->is_from ? "COPY FROM" : "COPY TO");
	if (stmt->is_from)
	{
		Relation	rel = table_openrv(stmt->relation, RowExclusiveLock);

		rows = import(pstate, st, rel, stmt->whereClause, stmt->attlist, stmt->options,
					  bucket, key);
		table_close(rel, NoLock);
	}
	else
	{
		RawStmt    *raw;
		ExportResult result;
		Relation	rel = NULL;

		if (stmt->relation)
		{
			/* the lock keeps the relation until the query opens it again */
			rel = table_openrv(stmt->relation, AccessShareLock);
			raw = relation_query(rel, stmt->attlist);
		}
		else
		{
			raw = makeNode(RawStmt);
			raw->stmt = stmt->query;
			raw->stmt_location = stmt_location;
			raw->stmt_len = stmt_len;
		}
		export(pstate, st, raw, NULL, stmt->options, bucket, key, &result);
		if (rel)
			table_close(rel, NoLock);
		rows = result.rows;
	}
	return rows;
}

#else							/* PG_VERSION_NUM < 140000 */

static void
not_supported(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("import and export need PostgreSQL 14 or later")));
}

Datum
connection_import_object(PG_FUNCTION_ARGS)
{
	not_supported();
	PG_RETURN_NULL();
}

Datum
connection_export_query(PG_FUNCTION_ARGS)
{
	not_supported();
	PG_RETURN_NULL();
}

bool
ConnIsCopyUri(const CopyStmt *stmt)
{
	return false;
}

uint64
ConnCopyUri(ParseState *pstate, const CopyStmt *stmt, int stmt_location, int stmt_len)
{
	not_supported();
	return 0;
}

#endif
