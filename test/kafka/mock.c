/*
 * test/kafka/mock.c - librdkafka's mock cluster, as a server for the tests.
 *
 * Usage: mock PORTFILE [BROKERS]
 * Starts a mock Kafka cluster of BROKERS brokers (default 2) on 127.0.0.1,
 * with topics "events" (3 partitions) and "audit" (1), writes its bootstrap
 * servers ("127.0.0.1:p1,127.0.0.1:p2") to PORTFILE, and serves until it is
 * killed.  The mock speaks Kafka's protocol in plaintext, without SASL;
 * test/kafka/proxy.py puts SASL and TLS in front of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

int
main(int argc, char **argv)
{
	char		errstr[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk;
	rd_kafka_mock_cluster_t *mcluster;
	FILE	   *f;
	char		tmp[1024];

	if (argc < 2)
	{
		fprintf(stderr, "usage: %s PORTFILE [BROKERS]\n", argv[0]);
		return 2;
	}
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (rk == NULL)
	{
		fprintf(stderr, "rd_kafka_new: %s\n", errstr);
		return 1;
	}
	mcluster = rd_kafka_mock_cluster_new(rk, argc > 2 ? atoi(argv[2]) : 2);
	if (mcluster == NULL)
	{
		fprintf(stderr, "could not create the mock cluster\n");
		return 1;
	}
	rd_kafka_mock_topic_create(mcluster, "events", 3, 1);
	rd_kafka_mock_topic_create(mcluster, "audit", 1, 1);

	/* written whole, then renamed: the reader never sees half of it */
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
	f = fopen(tmp, "w");
	if (f == NULL || fputs(rd_kafka_mock_cluster_bootstraps(mcluster), f) < 0 || fclose(f) != 0 ||
		rename(tmp, argv[1]) != 0)
	{
		perror(argv[1]);
		return 1;
	}
	for (;;)
		pause();
}
