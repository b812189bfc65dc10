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
 * answer, ends at the deadline or when a cancel or a termination is
 * pending; the socket is closed on every path.
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

/* how many database names the detail shows */
#define HMS_SHOWN_NAMES 5

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

/* Wait for the socket (events), within the deadline; false: cancel pending. */
static bool
wait_socket(Peer *p, int events)
{
	for (;;)
	{
		long		left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), p->deadline);
		int			rc;

		if (QueryCancelPending || ProcDiePending)
			return false;
		if (left <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("the metastore at %s did not answer within %d ms", p->authority, p->timeout_ms)));
		rc = WaitLatchOrSocket(MyLatch, WL_LATCH_SET | events | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							   p->sock, Min(left, 100), PG_WAIT_EXTENSION);
		if (rc & WL_LATCH_SET)
			ResetLatch(MyLatch);
		if (rc & events)
			return true;
	}
}

static void
send_all(Peer *p, const char *data, int len)
{
	while (len > 0)
	{
		ssize_t		n;

		if (!wait_socket(p, WL_SOCKET_WRITEABLE))
			return;
		n = send(p->sock, data, len, 0);
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

/* Have n more bytes of the answer at p->pos (or a cancel pending). */
static bool
need(Peer *p, int64 n)
{
	while (p->in.len - p->pos < n)
	{
		char		buf[8192];
		ssize_t		got;

		if ((int64) p->pos + n > HMS_MAX_ANSWER)
			malformed(p, psprintf("The answer is longer than %d bytes.", HMS_MAX_ANSWER));
		if (!wait_socket(p, WL_SOCKET_READABLE))
			return false;
		got = recv(p->sock, buf, sizeof(buf), 0);
		if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			continue;
		if (got < 0)
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("could not read from the metastore at %s: %m", p->authority)));
		if (got == 0)
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("the metastore at %s closed the connection before it answered", p->authority),
					 errhint("A metastore with a framed transport or SASL closes plain calls.")));
		appendBinaryStringInfo(&p->in, buf, got);
	}
	return true;
}

/*
 * The readers: each returns false when a cancel is pending (the caller
 * returns at once), and reports a malformed or cut answer.
 */
static bool
get_bytes(Peer *p, int n, const unsigned char **out)
{
	if (!need(p, n))
		return false;
	*out = (const unsigned char *) p->in.data + p->pos;
	p->pos += n;
	return true;
}

static bool
get_i8(Peer *p, int *v)
{
	const unsigned char *b;

	if (!get_bytes(p, 1, &b))
		return false;
	*v = b[0];
	return true;
}

static bool
get_i16(Peer *p, int *v)
{
	const unsigned char *b;

	if (!get_bytes(p, 2, &b))
		return false;
	*v = (int16) ((b[0] << 8) | b[1]);
	return true;
}

static bool
get_u32(Peer *p, uint32 *v)
{
	const unsigned char *b;

	if (!get_bytes(p, 4, &b))
		return false;
	*v = ((uint32) b[0] << 24) | ((uint32) b[1] << 16) | ((uint32) b[2] << 8) | b[3];
	return true;
}

static bool
get_string(Peer *p, char **s)
{
	uint32		len;
	const unsigned char *b;

	if (!get_u32(p, &len))
		return false;
	if (len > HMS_MAX_ANSWER)
		malformed(p, "A string is longer than the answer may be.");
	if (!get_bytes(p, (int) len, &b))
		return false;
	*s = pnstrdup((const char *) b, len);
	return true;
}

/* Skip a value of type type. */
static bool
skip(Peer *p, int type, int depth)
{
	const unsigned char *b;
	uint32		n;
	int			t1;
	int			t2;
	int			id;

	if (depth > HMS_MAX_DEPTH)
		malformed(p, "Structures nest too deep.");
	switch (type)
	{
		case T_BOOL:
		case T_BYTE:
			return get_bytes(p, 1, &b);
		case T_I16:
			return get_bytes(p, 2, &b);
		case T_I32:
			return get_bytes(p, 4, &b);
		case T_DOUBLE:
		case T_I64:
			return get_bytes(p, 8, &b);
		case T_STRING:
			if (!get_u32(p, &n))
				return false;
			if (n > HMS_MAX_ANSWER)
				malformed(p, "A string is longer than the answer may be.");
			return get_bytes(p, (int) n, &b);
		case T_STRUCT:
			for (;;)
			{
				if (!get_i8(p, &t1))
					return false;
				if (t1 == T_STOP)
					return true;
				if (!get_i16(p, &id) || !skip(p, t1, depth + 1))
					return false;
			}
		case T_MAP:
			if (!get_i8(p, &t1) || !get_i8(p, &t2) || !get_u32(p, &n))
				return false;
			if (n > HMS_MAX_ANSWER)
				malformed(p, "A map has more entries than the answer may hold.");
			for (uint32 i = 0; i < n; i++)
				if (!skip(p, t1, depth + 1) || !skip(p, t2, depth + 1))
					return false;
			return true;
		case T_SET:
		case T_LIST:
			if (!get_i8(p, &t1) || !get_u32(p, &n))
				return false;
			if (n > HMS_MAX_ANSWER)
				malformed(p, "A list has more elements than the answer may hold.");
			for (uint32 i = 0; i < n; i++)
				if (!skip(p, t1, depth + 1))
					return false;
			return true;
		default:
			malformed(p, psprintf("Unknown field type %d.", type));
	}
	return false;
}

/* The message of an exception struct (field 1, a string), or NULL. */
static bool
exception_message(Peer *p, char **message)
{
	*message = NULL;
	for (;;)
	{
		int			type;
		int			id;

		if (!get_i8(p, &type))
			return false;
		if (type == T_STOP)
			return true;
		if (!get_i16(p, &id))
			return false;
		if (id == 1 && type == T_STRING)
		{
			if (!get_string(p, message))
				return false;
		}
		else if (!skip(p, type, 1))
			return false;
	}
}

/*
 * The answer's result struct: the names (field 0), or the MetaException
 * (field 1) reported.  False when a cancel is pending.
 */
static bool
read_result(Peer *p, List **names)
{
	for (;;)
	{
		int			type;
		int			id;

		if (!get_i8(p, &type))
			return false;
		if (type == T_STOP)
			return true;
		if (!get_i16(p, &id))
			return false;
		if (id == 0 && type == T_LIST)
		{
			int			etype;
			uint32		n;

			if (!get_i8(p, &etype) || !get_u32(p, &n))
				return false;
			if (etype != T_STRING)
				malformed(p, "The list of databases is not a list of strings.");
			if (n > HMS_MAX_ANSWER / 4)
				malformed(p, "The list of databases is longer than the answer may hold.");
			for (uint32 i = 0; i < n; i++)
			{
				char	   *name;

				if (!get_string(p, &name))
					return false;
				*names = lappend(*names, name);
			}
		}
		else if (id == 1 && type == T_STRUCT)
		{
			char	   *message;

			if (!exception_message(p, &message))
				return false;
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("the metastore at %s answered with a MetaException: %s", p->authority,
							message ? message : "(no message)")));
		}
		else if (!skip(p, type, 1))
			return false;
	}
}

/* Append a 32-bit integer in network order. */
static void
put_u32(StringInfo buf, uint32 v)
{
	unsigned char b[4] = {v >> 24, v >> 16, v >> 8, v};

	appendBinaryStringInfo(buf, (const char *) b, 4);
}

/* Call get_all_databases on a connected peer; false when a cancel is pending. */
static bool
call(Peer *p, List **names)
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
	put_u32(&out, 1);	/* seqid */
	appendStringInfoChar(&out, T_STOP); /* no arguments */
	send_all(p, out.data, out.len);
	if (QueryCancelPending || ProcDiePending)
		return false;

	if (!get_u32(p, &version))
		return false;
	if ((version & T_VERSION_MASK) != T_VERSION_1)
		malformed(p, psprintf("The answer begins with 0x%08x, not a strict binary protocol message (a framed transport, or another protocol?).", version));
	if (!get_string(p, &method) || !get_u32(p, &seqid))
		return false;
	if (strcmp(method, METHOD) != 0 || seqid != 1)
		malformed(p, "The answer is not that of the call.");
	if ((version & 0xff) == T_EXCEPTION)
	{
		char	   *message;

		if (!exception_message(p, &message))
			return false;
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("the metastore at %s refused %s(): %s", p->authority, METHOD,
						message ? message : "(no message)")));
	}
	if ((version & 0xff) != T_REPLY)
		malformed(p, psprintf("The answer is a message of type %u.", version & 0xff));
	return read_result(p, names);
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
 *		(authorities: "host:port" strings) that accepts a connection, within
 *		timeout_ms for each.  Returns whether it answered, and in *detail how
 *		many databases it named (and the first few), or why none could be
 *		called; what the metastore answered otherwise is reported.
 */
bool
ConnHmsDatabases(List *authorities, int timeout_ms, char **detail)
{
	ListCell   *lc;

	*detail = NULL;
	foreach(lc, authorities)
	{
		Peer		p;
		ConnSockAddr *addrs;
		int			naddrs;
		int			err = ECONNREFUSED;
		List	   *names = NIL;
		volatile bool done = false;
		char	   *why;

		memset(&p, 0, sizeof(p));
		p.authority = lfirst(lc);
		p.timeout_ms = timeout_ms;
		p.deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), timeout_ms);
		why = ConnTcpAdmitted(p.authority, "HIVE_METASTORE_URIS", &addrs, &naddrs);
		if (why)
		{
			*detail = why;
			continue;
		}
		for (int i = 0; i < naddrs; i++)
		{
			err = ConnTcpConnect(&addrs[i], p.deadline, &p.sock);
			if (err == 0 || err == -1)
				break;
		}
		if (err == -1)
			break;
		if (err != 0)
		{
			*detail = err == ETIMEDOUT ?
				psprintf("could not connect to %s within %d ms", p.authority, timeout_ms) :
				psprintf("could not connect to %s: %s", p.authority, strerror(err));
			continue;
		}

		initStringInfo(&p.in);
		PG_TRY();
		{
			done = call(&p, &names);
		}
		PG_FINALLY();
		{
			closesocket(p.sock);
		}
		PG_END_TRY();
		if (!done)
			break;				/* a cancel */
		*detail = names_detail(names, p.authority);
		return true;
	}
	CHECK_FOR_INTERRUPTS();
	if (*detail == NULL)
		*detail = pstrdup("no metastore address to call");
	return false;
}
