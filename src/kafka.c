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
#include "utils/timestamp.h"

#include "commands.h"
#include "connection.h"
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
	rd_kafka_resp_err_t err;	/* the first error event, and its reason */
	char		reason[512];
	bool		final;			/* an error event no retry will mend */
} KafkaCall;

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

/* Does this error event end the wait (no retry will help)? */
static bool
final_error(rd_kafka_resp_err_t err)
{
	return err == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
		err == RD_KAFKA_RESP_ERR__SSL ||
		err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
		err == RD_KAFKA_RESP_ERR__RESOLVE ||
		err == RD_KAFKA_RESP_ERR__FATAL;
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
		/* errstr names the setting; librdkafka does not quote values */
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not configure the Kafka client: %s", errstr)));
	}
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
	KafkaCall	call;
	ConnKeys	scrub;
	ListCell   *lc;
	StringInfoData servers;
	const char *mechanism;
	rd_kafka_conf_t *conf;
	rd_kafka_t *volatile rk = NULL;
	const struct rd_kafka_metadata *volatile md = NULL;
	rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__TIMED_OUT;
	char		errstr[512];
	char		timeout[16];
	char		setup_timeout[16];
	bool		ok = false;

	ConnRowProps(row, &props, true);
	mechanism = ConnPropValue(&props, "SASL_MECHANISM");
	if (mechanism && strcmp(mechanism, "GSSAPI") == 0)
	{
		*detail = pstrdup("not checked: SASL GSSAPI needs a Kerberos ticket, which validate() does not obtain (it would run kinit with a keytab file)");
		return false;
	}

	/* the admitted addresses of every bootstrap server */
	memset(&call, 0, sizeof(call));
	pg_atomic_init_u32(&call.refused, 0);
	call.addrs = palloc(0);
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
		call.addrs = repalloc(call.addrs, sizeof(ConnSockAddr) * (call.naddrs + naddrs));
		memcpy(call.addrs + call.naddrs, addrs, sizeof(ConnSockAddr) * naddrs);
		call.naddrs += naddrs;
		appendStringInfo(&servers, "%s%s", servers.len ? "," : "", (char *) lfirst(lc));
	}

	snprintf(timeout, sizeof(timeout), "%d", timeout_ms);
	/* librdkafka's least */
	snprintf(setup_timeout, sizeof(setup_timeout), "%d", Max(timeout_ms, 1000));
	conf = rd_kafka_conf_new();
	rd_kafka_conf_set_opaque(conf, &call);
	rd_kafka_conf_set_connect_cb(conf, connect_admitted);
	rd_kafka_conf_set_log_cb(conf, drop_log);
	rd_kafka_conf_set_error_cb(conf, keep_error);
	set(conf, "client.id", "postgresql-connection-validate");
	set(conf, "bootstrap.servers", servers.data);
	set(conf, "socket.timeout.ms", timeout);
	set(conf, "socket.connection.setup.timeout.ms", setup_timeout);
	set(conf, "security.protocol", ConnPropValue(&props, "SECURITY_PROTOCOL"));
	set(conf, "sasl.mechanism", mechanism);
	set(conf, "sasl.username", ConnPropValue(&props, "SASL_USERNAME"));
	set(conf, "sasl.password", ConnPropValue(&props, "SASL_PASSWORD"));
	set(conf, "ssl.ca.pem", ConnPropValue(&props, "SSL_CA_CERT"));
	set(conf, "ssl.certificate.pem", ConnPropValue(&props, "SSL_CERTIFICATE"));
	set(conf, "ssl.key.pem", ConnPropValue(&props, "SSL_KEY"));
	set(conf, "ssl.key.password", ConnPropValue(&props, "SSL_KEY_PASSWORD"));

	scrub.key_id = (char *) ConnPropValue(&props, "SASL_PASSWORD");
	scrub.secret = (char *) ConnPropValue(&props, "SSL_KEY_PASSWORD");
	scrub.token = NULL;

	PG_TRY();
	{
		TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), timeout_ms);
		int			slice = 250;

		rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
		if (rk == NULL)
		{
			rd_kafka_conf_destroy(conf);
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("could not create a Kafka client for connection \"%s\"", row->name),
					 errdetail("%s", ConnScrubText(errstr, &scrub))));
		}
		for (;;)
		{
			long		left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);
			const struct rd_kafka_metadata *got = NULL;

			if (left <= 0 || QueryCancelPending || ProcDiePending)
				break;
			err = rd_kafka_metadata(rk, 1, NULL, &got, (int) Min(left, slice));
			md = got;
			if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
				break;
			(void) rd_kafka_poll(rk, 0);
			if (call.final)
				break;
			slice = Min(slice * 2, SLICE_MAX_MS);
		}
		if (md)
		{
			ok = true;
			*detail = psprintf("%d broker%s, %d topic%s (answered by %s)",
							   md->broker_cnt, md->broker_cnt == 1 ? "" : "s",
							   md->topic_cnt, md->topic_cnt == 1 ? "" : "s",
							   md->orig_broker_name);
		}
		else if (call.err != RD_KAFKA_RESP_ERR_NO_ERROR)
			*detail = psprintf("no metadata: %s", ConnScrubText(call.reason, &scrub));
		else
			*detail = psprintf("no metadata within %d ms: %s", timeout_ms, rd_kafka_err2str(err));
		if (!ok && pg_atomic_read_u32(&call.refused) > 0)
			*detail = psprintf("%s; %u connection%s to addresses outside BOOTSTRAP_SERVERS refused",
							   *detail, pg_atomic_read_u32(&call.refused),
							   pg_atomic_read_u32(&call.refused) == 1 ? "" : "s");
	}
	PG_FINALLY();
	{
		if (md)
			rd_kafka_metadata_destroy(md);
		if (rk)
			rd_kafka_destroy(rk);
	}
	PG_END_TRY();
	CHECK_FOR_INTERRUPTS();
	return ok;
}
