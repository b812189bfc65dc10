/*-------------------------------------------------------------------------
 *
 * kafka.c
 *	  A Kafka metadata request through librdkafka, with a KAFKA
 *	  connection's security settings (validate()).
 *
 * A short-lived librdkafka client is configured with the connection's
 * bootstrap servers, security protocol, SASL mechanism, user name and
 * password, and TLS authorities, certificate and key (PEM, passed in memory:
 * no file is written), and asked for the cluster's metadata (brokers and
 * topics).  It is destroyed before the function returns, whatever happens.
 *
 * The rules of the server's requests hold: every bootstrap address must be
 * one connection.allowed_hosts admits (ConnTcpAdmitted resolves it and
 * judges its addresses), and librdkafka connects through our connect
 * callback, which admits those addresses and no other -- not a broker the
 * cluster advertises elsewhere, nor a name that resolves differently the
 * second time.
 *
 * librdkafka runs threads of its own, with every signal blocked; they call
 * only the connect callback (no PostgreSQL function) and the log callback,
 * which drops everything, so the server's log never gets librdkafka's
 * lines.  Errors reach us as events of the client, read in this thread.
 * The wait is cut in slices, so a cancel or a statement timeout stops it
 * within a second; the whole of it is bounded by the timeout.
 *
 * SASL GSSAPI is not checked: librdkafka gets Kerberos tickets by running
 * kinit with a keytab file, and the server neither writes keytabs to disk
 * nor runs commands for validate().
 *
 * librdkafka keeps copies of the password and the key in its own memory
 * while the client lives, and frees them without wiping them (it has no
 * way to be told otherwise).
 *
 * IDENTIFICATION
 *	  src/kafka.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "miscadmin.h"
#include "port/atomics.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "commands.h"
#include "connection.h"
#include "crypto.h"
#include "http.h"
#include "kafka.h"
#include "provider.h"
#include "registry.h"

/* longest wait for one metadata answer before interrupts are looked at */
#define SLICE_MAX_MS 1000

/* What the callbacks share with the caller. */
typedef struct KafkaCall
{
	ConnSockAddr *addrs;		/* the admitted addresses */
	int			naddrs;
	pg_atomic_uint32 refused;	/* connections the callback refused */
	pg_atomic_uint64 tried;		/* bit i: addrs[i] was tried (i < 64) */
	rd_kafka_resp_err_t err;	/* the first error event, and its reason */
	char		reason[1024];
	bool		final;			/* an error event no retry will mend */
	bool		all_down;		/* every broker was down once */
} KafkaCall;

/* largest answer read from a broker: a metadata answer of some 50,000 topics */
#define MAX_ANSWER_BYTES "8388608"

/* librdkafka's greatest socket.timeout.ms */
#define MAX_SOCKET_TIMEOUT_MS 300000

static bool
same_address(const ConnSockAddr *sa, const struct sockaddr *addr, int addrlen)
{
	if (sa->family != addr->sa_family)
		return false;
	if (addr->sa_family == AF_INET && addrlen >= (int) sizeof(struct sockaddr_in))
	{
		const struct sockaddr_in *a = (const struct sockaddr_in *) &sa->addr;
		const struct sockaddr_in *b = (const struct sockaddr_in *) addr;

		return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
	}
	if (addr->sa_family == AF_INET6 && addrlen >= (int) sizeof(struct sockaddr_in6))
	{
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *) &sa->addr;
		const struct sockaddr_in6 *b = (const struct sockaddr_in6 *) addr;

		return a->sin6_port == b->sin6_port &&
			memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr)) == 0;
	}
	return false;
}

/*
 * librdkafka's connect callback, in its broker threads: connect the
 * (non-blocking) socket only to an admitted address.
 */
static int
connect_admitted(int sockfd, const struct sockaddr *addr, int addrlen, const char *id, void *opaque)
{
	KafkaCall  *call = (KafkaCall *) opaque;

	for (int i = 0; i < call->naddrs; i++)
		if (same_address(&call->addrs[i], addr, addrlen))
		{
			if (i < 64)
				pg_atomic_fetch_or_u64(&call->tried, UINT64CONST(1) << i);
			if (connect(sockfd, addr, addrlen) != 0 && errno != EINPROGRESS)
				return errno;
			return 0;
		}
	pg_atomic_fetch_add_u32(&call->refused, 1);
	return EACCES;
}

/* librdkafka's log lines: dropped (they may come from any thread) */
static void
drop_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
}

/*
 * Does this error event end the wait (no retry will help)?  Every broker
 * down does only once each admitted address was tried: librdkafka goes on
 * to a name's next address after a failed one.
 */
static bool
final_error(rd_kafka_resp_err_t err)
{
	return err == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
		err == RD_KAFKA_RESP_ERR__SSL ||
		err == RD_KAFKA_RESP_ERR__RESOLVE ||
		err == RD_KAFKA_RESP_ERR__FATAL;
}

static bool
all_tried(KafkaCall *call)
{
	uint64		tried = pg_atomic_read_u64(&call->tried);

	if (call->naddrs > 64)
		return false;
	return tried == (call->naddrs == 64 ? ~UINT64CONST(0) : (UINT64CONST(1) << call->naddrs) - 1);
}

/*
 * An error event, read in this thread by rd_kafka_poll(): keep the first
 * one's reason, and note one that ends the wait.
 */
static void
keep_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	KafkaCall  *call = (KafkaCall *) opaque;

	if (final_error(err))
		call->final = true;
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
		call->all_down = true;
	if (call->err != RD_KAFKA_RESP_ERR_NO_ERROR)
		return;
	call->err = err;
	strlcpy(call->reason, reason ? reason : "", sizeof(call->reason));
}

static void
set(rd_kafka_conf_t *conf, const char *name, const char *value)
{
	char		errstr[256];

	if (value == NULL)
		return;
	if (rd_kafka_conf_set(conf, name, value, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK)
	{
		rd_kafka_conf_destroy(conf);
		/* errstr names the setting, and may quote the value of an enum */
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not configure the Kafka client: %s", errstr)));
	}
}

/*
 * The client's configuration from the connection's properties; the call's
 * state is what its callbacks get.
 */
static rd_kafka_conf_t *
configure(KafkaCall *call, const ConnProps *props, const char *servers, int timeout_ms)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char		timeout[16];
	char		setup_timeout[16];

	snprintf(timeout, sizeof(timeout), "%d", Min(timeout_ms, MAX_SOCKET_TIMEOUT_MS));
	/* librdkafka's least */
	snprintf(setup_timeout, sizeof(setup_timeout), "%d", Max(timeout_ms, 1000));
	rd_kafka_conf_set_opaque(conf, call);
	rd_kafka_conf_set_connect_cb(conf, connect_admitted);
	rd_kafka_conf_set_log_cb(conf, drop_log);
	rd_kafka_conf_set_error_cb(conf, keep_error);
	set(conf, "client.id", "postgresql-connection-validate");
	set(conf, "bootstrap.servers", servers);
	set(conf, "socket.timeout.ms", timeout);
	set(conf, "socket.connection.setup.timeout.ms", setup_timeout);
	set(conf, "receive.message.max.bytes", MAX_ANSWER_BYTES);
	set(conf, "security.protocol", ConnPropValue(props, "SECURITY_PROTOCOL"));
	set(conf, "sasl.mechanism", ConnPropValue(props, "SASL_MECHANISM"));
	set(conf, "sasl.username", ConnPropValue(props, "SASL_USERNAME"));
	set(conf, "sasl.password", ConnPropValue(props, "SASL_PASSWORD"));
	set(conf, "ssl.ca.pem", ConnPropValue(props, "SSL_CA_CERT"));
	set(conf, "ssl.certificate.pem", ConnPropValue(props, "SSL_CERTIFICATE"));
	set(conf, "ssl.key.pem", ConnPropValue(props, "SSL_KEY"));
	set(conf, "ssl.key.password", ConnPropValue(props, "SSL_KEY_PASSWORD"));
	return conf;
}

/*
 * Ask for the metadata until it comes, an error ends the wait or the time
 * is up: *detail says which.  Interrupts are served between slices.
 */
static bool
ask(rd_kafka_t *rk, KafkaCall *call, int timeout_ms, const ConnKeys *scrub, char **detail)
{
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), timeout_ms);
	int			slice = 250;
	rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__TIMED_OUT;
	const struct rd_kafka_metadata *md = NULL;
	uint32		refused;

	for (;;)
	{
		long		left;

		/* a cancel ends the call here (the caller destroys the client) */
		CHECK_FOR_INTERRUPTS();
		left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);
		if (left <= 0)
			break;
		err = rd_kafka_metadata(rk, 1, NULL, &md, (int) Min(left, slice));
		if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
			break;
		md = NULL;
		(void) rd_kafka_poll(rk, 0);
		if (call->final || (call->all_down && all_tried(call)))
			break;
		slice = Min(slice * 2, SLICE_MAX_MS);
	}
	if (md)
	{
		*detail = psprintf("%d broker%s, %d topic%s (answered by %s)",
						   md->broker_cnt, md->broker_cnt == 1 ? "" : "s",
						   md->topic_cnt, md->topic_cnt == 1 ? "" : "s",
						   ConnScrubText(md->orig_broker_name, scrub));
		rd_kafka_metadata_destroy(md);
		return true;
	}
	if (call->err != RD_KAFKA_RESP_ERR_NO_ERROR)
		*detail = psprintf("no metadata: %s", ConnScrubText(call->reason, scrub));
	else
		*detail = psprintf("no metadata within %d ms: %s", timeout_ms, rd_kafka_err2str(err));
	refused = pg_atomic_read_u32(&call->refused);
	if (refused > 0)
		*detail = psprintf("%s; %u connection%s to addresses not admitted refused",
						   *detail, refused, refused == 1 ? "" : "s");
	return false;
}

/*
 * ConnKafkaMetadata
 *		Ask the brokers of a KAFKA connection (brokers: its "host:port"
 *		strings) for the cluster's metadata within timeout_ms, as its
 *		security settings say.  Returns whether it answered, and in *detail
 *		what it said (brokers, topics) or why not, scrubbed of the
 *		connection's secrets.
 */
bool
ConnKafkaMetadata(const ConnRow *row, List *brokers, int timeout_ms, char **detail)
{
	ConnProps	props;
	KafkaCall  *call;
	ConnKeys	scrub;
	ListCell   *lc;
	StringInfoData servers;
	const char *mechanism;
	ConnSockAddr *admitted = palloc(0);
	int			nadmitted = 0;
	rd_kafka_conf_t *volatile conf = NULL;
	rd_kafka_t *volatile rk = NULL;
	volatile bool keep = false;
	bool		ok = false;
	char		errstr[512];

	/* the admitted addresses of every bootstrap server */
	initStringInfo(&servers);
	foreach(lc, brokers)
	{
		ConnSockAddr *addrs;
		int			naddrs;
		char	   *why = ConnTcpAdmitted(lfirst(lc), "BOOTSTRAP_SERVERS", &addrs, &naddrs);

		if (why)
		{
			*detail = why;
			return false;
		}
		admitted = repalloc(admitted, sizeof(ConnSockAddr) * (nadmitted + naddrs));
		memcpy(admitted + nadmitted, addrs, sizeof(ConnSockAddr) * naddrs);
		nadmitted += naddrs;
		appendStringInfo(&servers, "%s%s", servers.len ? "," : "", (char *) lfirst(lc));
	}

	ConnRowProps(row, &props, true);
	mechanism = ConnPropValue(&props, "SASL_MECHANISM");
	if (mechanism && strcmp(mechanism, "GSSAPI") == 0)
	{
		ConnWipeProps(&props);
		*detail = pstrdup("not checked: SASL GSSAPI needs a Kerberos ticket, which validate() does not obtain (it would run kinit with a keytab file)");
		return false;
	}
	scrub.key_id = (char *) ConnPropValue(&props, "SASL_PASSWORD");
	scrub.secret = (char *) ConnPropValue(&props, "SSL_KEY_PASSWORD");
	scrub.token = NULL;

	/*
	 * What librdkafka's threads read lives outside any memory context that an
	 * error resets, and is freed only once they are gone.
	 */
	call = MemoryContextAllocZero(TopMemoryContext, sizeof(KafkaCall));
	call->addrs = MemoryContextAlloc(TopMemoryContext, sizeof(ConnSockAddr) * Max(nadmitted, 1));
	memcpy(call->addrs, admitted, sizeof(ConnSockAddr) * nadmitted);
	call->naddrs = nadmitted;
	pg_atomic_init_u32(&call->refused, 0);
	pg_atomic_init_u64(&call->tried, 0);

	PG_TRY();
	{
		conf = configure(call, &props, servers.data, timeout_ms);
		rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
		if (rk == NULL)
		{
			/*
			 * The configuration is still ours -- but for one failure, after
			 * which librdkafka's threads may still run with it and call.
			 */
			keep = strstr(errstr, "did not initialize") != NULL;
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("could not create a Kafka client for connection \"%s\"", row->name),
					 errdetail("%s", ConnScrubText(errstr, &scrub))));
		}
		conf = NULL;			/* the client's now */
		ok = ask(rk, call, timeout_ms, &scrub, detail);
	}
	PG_FINALLY();
	{
		if (rk)
			rd_kafka_destroy(rk);
		if (!keep)
		{
			if (conf)
				rd_kafka_conf_destroy(conf);
			pfree(call->addrs);
			pfree(call);
		}
		ConnWipeProps(&props);
	}
	PG_END_TRY();
	return ok;
}
