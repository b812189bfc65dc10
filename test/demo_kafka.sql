-- Kafka: validate() asks the brokers for the cluster's metadata through
-- librdkafka, with the connection's security settings.  Here librdkafka's
-- own mock cluster (test/kafka/mock.c) stands in for a Kafka cluster.
\getenv bootstraps KAFKA_BOOTSTRAPS
SELECT set_config('connection.allowed_hosts',
                  current_setting('connection.allowed_hosts') || ', 127.0.0.1:*', false);
SELECT connection.create('events', 'STORAGE', 'KAFKA',
    jsonb_build_object('BOOTSTRAP_SERVERS', string_to_array(:'bootstraps', ',')));
SELECT check_name, ok, detail FROM connection.validate('events');

-- With connection.validate_on_change, a create or a change of properties
-- runs the same checks and warns of each failure (the change is made).
SET connection.validate_on_change = on;
SET connection.sts_timeout = '1s';
SELECT connection.alter('events', set_properties =>
    jsonb_build_object('BOOTSTRAP_SERVERS', jsonb_build_array('127.0.0.1:9'),
                       'SECURITY_PROTOCOL', 'SASL_PLAINTEXT', 'SASL_MECHANISM', 'SCRAM-SHA-256',
                       'SASL_USERNAME', 'loader', 'SASL_PASSWORD', 'never shown'));
RESET connection.validate_on_change;
