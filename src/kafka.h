/*-------------------------------------------------------------------------
 *
 * kafka.h
 *	  A Kafka metadata request through librdkafka, with a KAFKA
 *	  connection's security settings (validate()).
 *
 * IDENTIFICATION
 *	  src/kafka.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONNECTION_KAFKA_H
#define CONNECTION_KAFKA_H

#include "catalog.h"

extern bool ConnKafkaMetadata(const ConnRow *row, List *brokers, int timeout_ms, char **detail);

#endif							/* CONNECTION_KAFKA_H */
