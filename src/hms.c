/*-------------------------------------------------------------------------
 *
 * hms.c
 *	  One call of a Hive metastore, get_all_databases(), over Thrift's
 *	  binary protocol (validate()).
 *
 * The metastore's default transport is a plain socket, unframed, with the
 * strict binary protocol.  The request is a CALL message of
 * get_all_databases with no arguments.  The answer is a REPLY whose result
 * struct holds the list of database names (field 0) or a MetaException
 * (field 1), or an EXCEPTION (a TApplicationException: an unknown method,
 * say).  It is read with bounds: at most HMS_MAX_ANSWER bytes, strings
 * within them, structures nested at most HMS_MAX_DEPTH deep; fields it does
 * not know are skipped.  Every wait, for the connection, the write and the
 * answer, ends at the deadline (one for the whole call, whatever the
 * number of addresses), and serves interrupts: a cancel or a termination
 * ends it; the socket is closed on every path.  What the metastore says
 * in words (an exception's message, database names) is cut short.
 *
 * A metastore that wants SASL (Kerberos: the connection has a
 * KERBEROS_PRINCIPAL) is not called: the server obtains no Kerberos
 * tickets for validate().
 *
 * IDENTIFICATION
 *	  src/hms.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/socket.h>

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "connection.h"
#include "hms.h"
#include "http.h"

/* the largest answer read, and how deep its structures may nest */
#define HMS_MAX_ANSWER (1024 * 1024)
#define HMS_MAX_DEPTH 16

/* how many database names the detail shows, and how much of each */
#define HMS_SHOWN_NAMES 5
#define HMS_SHOWN_BYTES 64

/* how much of an exception's message is shown */
#define HMS_MESSAGE_BYTES 256

/* Thrift's binary protocol */
#define T_VERSION_1 0x80010000U
#define T_VERSION_MASK 0xffff0000U
#define T_CALL 1
#define T_REPLY 2
#define T_EXCEPTION 3
#define T_STOP 0
#define T_BOOL 2
#define T_BYTE 3
#define T_DOUBLE 4
#define T_I16 6
#define T_I32 8
#define T_I64 10
#define T_STRING 11
#define T_STRUCT 12
#define T_MAP 13
#define T_SET 14
#define T_LIST 15

#define METHOD "get_all_databases"

/* The connection to one metastore, and what was read from it. */
typedef struct Peer
{
	const char *authority;		/* for messages */
	pgsocket	sock;
	TimestampTz deadline;
	int			timeout_ms;
	StringInfoData in;			/* the answer so far */
	int			pos;			/* what of it was parsed */
} Peer;

/* Wait for the socket (events) within the deadline, serving interrupts. */
static void
wait_socket(Peer *p, int events)
{
	for (;;)
	{
		long		left;
		int			rc;

		CHECK_FOR_INTERRUPTS();
		left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), p->deadline);
		if (left <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("the metastore at %s did not answer within %d ms", p->authority, p->timeout_ms)));
		rc = WaitLatchOrSocket(MyLatch, WL_LATCH_SET | events | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							   p->sock, Min(left, 100), PG_WAIT_EXTENSION);
		if (rc & WL_LATCH_SET)
			ResetLatch(MyLatch);
		if (rc & events)
			return;
	}
}

static void
send_all(Peer *p, const char *data, int len)
{
	while (len > 0)
	{
		ssize_t		n;

		wait_socket(p, WL_SOCKET_WRITEABLE);
		n = send(p->sock, data, len, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			continue;
		if (n < 0)
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("could not send to the metastore at %s: %m", p->authority)));
		data += n;
		len -= n;
	}
}

static void
malformed(Peer *p, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROTOCOL_VIOLATION),
			 errmsg("the metastore at %s did not answer in Thrift's binary protocol", p->authority),
			 errdetail_internal("%s", why)));
}

/* Have n more bytes of the answer at p->pos. */
static void
need(Peer *p, int64 n)
{
	while (p->in.len - p->pos < n)
	{
		char		buf[8192];
		ssize_t		got;

		if ((int64) p->pos + n > HMS_MAX_ANSWER)
			malformed(p, psprintf("The answer is longer than %d bytes.", HMS_MAX_ANSWER));
		wait_socket(p, WL_SOCKET_READABLE);
		got = recv(p->sock, buf, sizeof(buf), 0);
		if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			continue;
		if (got < 0)
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("could not read from the metastore at %s: %m", p->authority)));
		if (got == 0 && p->in.len == 0)
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("the metastore at %s closed the connection before it answered", p->authority),
					 errhint("A metastore with a framed transport or SASL closes plain calls.")));
		if (got == 0)
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("the metastore at %s closed the connection in the middle of its answer", p->authority)));
		appendBinaryStringInfo(&p->in, buf, got);
	}
}

/* The readers: each reports a malformed or cut answer. */
static const unsigned char *
get_bytes(Peer *p, int n)
{
	const unsigned char *b;

	need(p, n);
	b = (const unsigned char *) p->in.data + p->pos;
	p->pos += n;
	return b;
}

static int
get_i8(Peer *p)
{
	return get_bytes(p, 1)[0];
}

static int
get_i16(Peer *p)
{
	const unsigned char *b = get_bytes(p, 2);

	return (int16) ((b[0] << 8) | b[1]);
}

static uint32
get_u32(Peer *p)
{
	const unsigned char *b = get_bytes(p, 4);

	return ((uint32) b[0] << 24) | ((uint32) b[1] << 16) | ((uint32) b[2] << 8) | b[3];
}

/* A string, of which at most keep bytes are kept. */
static char *
get_string(Peer *p, int keep)
{
	uint32		len = get_u32(p);
	const unsigned char *b;

	if (len > HMS_MAX_ANSWER)
		malformed(p, "A string is longer than the answer may be.");
	b = get_bytes(p, (int) len);
	return pnstrdup((const char *) b, Min(len, (uint32) keep));
}

/* A count of elements, each at least one byte long. */
static uint32
get_count(Peer *p)
{
	uint32		n = get_u32(p);

	if (n > HMS_MAX_ANSWER)
		malformed(p, "A collection has more elements than the answer may hold.");
	return n;
}

/* Skip a value of type type. */
static void
skip(Peer *p, int type, int depth)
{
	uint32		n;
	int			t1;
	int			t2;

	if (depth > HMS_MAX_DEPTH)
		malformed(p, "Structures nest too deep.");
	switch (type)
	{
		case T_BOOL:
		case T_BYTE:
			(void) get_bytes(p, 1);
			break;
		case T_I16:
			(void) get_bytes(p, 2);
			break;
		case T_I32:
			(void) get_bytes(p, 4);
			break;
		case T_DOUBLE:
		case T_I64:
			(void) get_bytes(p, 8);
			break;
		case T_STRING:
			(void) get_string(p, 0);
			break;
		case T_STRUCT:
			while ((t1 = get_i8(p)) != T_STOP)
			{
				(void) get_i16(p);
				skip(p, t1, depth + 1);
			}
			break;
		case T_MAP:
			t1 = get_i8(p);
			t2 = get_i8(p);
			n = get_count(p);
			for (uint32 i = 0; i < n; i++)
			{
				skip(p, t1, depth + 1);
				skip(p, t2, depth + 1);
			}
			break;
		case T_SET:
		case T_LIST:
			t1 = get_i8(p);
			n = get_count(p);
			for (uint32 i = 0; i < n; i++)
				skip(p, t1, depth + 1);
			break;
		default:
			malformed(p, psprintf("Unknown field type %d.", type));
	}
}

/* The message of an exception struct (field 1, a string), or NULL. */
static char *
exception_message(Peer *p)
{
	char	   *message = NULL;
	int			type;

	while ((type = get_i8(p)) != T_STOP)
	{
		int			id = get_i16(p);

		if (id == 1 && type == T_STRING)
			message = get_string(p, HMS_MESSAGE_BYTES);
		else
			skip(p, type, 1);
	}
	return message;
}

/*
 * The answer's result struct: the names (field 0), or the MetaException
 * (field 1) reported.
 */
static List *
read_result(Peer *p)
{
	List	   *names = NIL;
	bool		found = false;
	int			type;

	while ((type = get_i8(p)) != T_STOP)
	{
		int			id = get_i16(p);

		if (id == 0 && type == T_LIST && !found)
		{
			uint32		n;

			if (get_i8(p) != T_STRING)
				malformed(p, "The list of databases is not a list of strings.");
			n = get_count(p);
			for (uint32 i = 0; i < n; i++)
				names = lappend(names, get_string(p, HMS_SHOWN_BYTES));
			found = true;
		}
		else if (id == 1 && type == T_STRUCT)
		{
			char	   *message = exception_message(p);

			ereport(ERROR,
					(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
					 errmsg("the metastore at %s answered with a MetaException", p->authority),
					 errdetail("%s", message ? message : "(no message)")));
		}
		else if (id == 0)
			malformed(p, "The result is not one list of strings.");
		else
			skip(p, type, 1);
	}
	if (!found)
		malformed(p, "The answer holds neither the databases nor a MetaException.");
	return names;
}

/* Append a 32-bit integer in network order. */
static void
put_u32(StringInfo buf, uint32 v)
{
	unsigned char b[4] = {v >> 24, v >> 16, v >> 8, v};

	appendBinaryStringInfo(buf, (const char *) b, 4);
}

/* Call get_all_databases on a connected peer: the database names. */
static List *
call(Peer *p)
{
	StringInfoData out;
	uint32		version;
	char	   *method;
	uint32		seqid;
	int			len = strlen(METHOD);

	initStringInfo(&out);
	put_u32(&out, T_VERSION_1 | T_CALL);
	put_u32(&out, len);
	appendBinaryStringInfo(&out, METHOD, len);
	put_u32(&out, 1);			/* seqid */
	appendStringInfoChar(&out, T_STOP); /* no arguments */
	send_all(p, out.data, out.len);

	version = get_u32(p);
	if ((version & T_VERSION_MASK) != T_VERSION_1)
		malformed(p, "The answer is not a message of the strict binary protocol (the metastore may want SASL or a framed transport).");
	method = get_string(p, HMS_MESSAGE_BYTES);
	seqid = get_u32(p);
	if (strcmp(method, METHOD) != 0 || seqid != 1)
		malformed(p, "The answer is not that of the call.");
	if ((version & 0xff) == T_EXCEPTION)
	{
		char	   *message = exception_message(p);

		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("the metastore at %s refused %s()", p->authority, METHOD),
				 errdetail("%s", message ? message : "(no message)")));
	}
	if ((version & 0xff) != T_REPLY)
		malformed(p, psprintf("The answer is a message of type %u.", version & 0xff));
	return read_result(p);
}

/* "N databases: a, b, ... (answered by host:port)" */
static char *
names_detail(List *names, const char *authority)
{
	StringInfoData d;
	ListCell   *lc;
	int			shown = 0;

	initStringInfo(&d);
	appendStringInfo(&d, "%d database%s", list_length(names), list_length(names) == 1 ? "" : "s");
	foreach(lc, names)
	{
		if (shown == HMS_SHOWN_NAMES)
		{
			appendStringInfoString(&d, ", ...");
			break;
		}
		appendStringInfo(&d, "%s%s", shown ? ", " : ": ", (char *) lfirst(lc));
		shown++;
	}
	appendStringInfo(&d, " (answered by %s)", authority);
	return d.data;
}

/*
 * ConnHmsDatabases
 *		Call get_all_databases() on the first of the metastores
 *		(authorities: "host:port" strings, each of which
 *		connection.allowed_hosts must admit) that accepts a connection,
 *		within timeout_ms in all.  Returns whether it answered, and in
 *		*detail how many databases it named (and the first few), or why
 *		none could be called; what the metastore answered otherwise is
 *		reported.
 */
bool
ConnHmsDatabases(List *authorities, int timeout_ms, char **detail)
{
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), timeout_ms);
	ListCell   *lc;

	*detail = pstrdup("no metastore address to call");
	foreach(lc, authorities)
	{
		Peer		p;
		char	   *why;
		List	   *names;

		memset(&p, 0, sizeof(p));
		p.authority = lfirst(lc);
		p.timeout_ms = timeout_ms;
		p.deadline = deadline;
		initStringInfo(&p.in);
		why = ConnTcpOpen(p.authority, "HIVE_METASTORE_URIS", deadline, timeout_ms, &p.sock);
		if (why)
		{
			*detail = why;
			continue;
		}

		PG_TRY();
		{
			names = call(&p);
		}
		PG_FINALLY();
		{
			closesocket(p.sock);
		}
		PG_END_TRY();
		*detail = names_detail(names, p.authority);
		return true;
	}
	return false;
}
