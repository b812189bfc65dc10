-- test/demo.sql - the tour that test/demo.sh runs in a throwaway cluster.
\pset footer off
\set VERBOSITY terse

CREATE EXTENSION connection CASCADE;

-- An Alibaba Cloud OSS connection that authenticates with access keys.
SELECT connection.create('oss_sh_conn_ak', 'STORAGE', 'OSS',
    '{"ACCESS_ID": "LTAI5tDemoKeyId2025", "ACCESS_KEY": "demo-secret-do-not-use",
      "ENDPOINT": "oss-cn-shanghai-internal.aliyuncs.com"}',
    comment => 'OSS in Shanghai, internal endpoint');

-- A Kafka cluster with SASL; the list takes a JSON array or a comma-separated string.
SELECT connection.create('kafka_prod_conn', 'storage', 'kafka',
    '{"bootstrap_servers": "kafka-1:9092, kafka-2:9092",
      "security_protocol": "sasl_ssl", "sasl_mechanism": "SCRAM-SHA-256",
      "sasl_username": "ingest_service", "sasl_password": "demo-kafka-password"}');

-- A Hive Metastore catalog whose data lives behind the OSS connection.
SELECT connection.create('hms_catalog_conn', 'CATALOG', 'HMS',
    '{"HIVE_METASTORE_URIS": ["thrift://hms-1:9083", "thrift://hms-2:9083"],
      "STORAGE_CONNECTION": "oss_sh_conn_ak"}');

-- A role-based S3 connection: the extension generates its EXTERNAL_ID.
SELECT connection.create('s3_role_conn', 'STORAGE', 'S3',
    '{"ROLE_ARN": "arn:aws:iam::123456789012:role/lakehouse-reader", "REGION": "us-east-1"}');

-- The original dialect, for existing administration scripts.
SELECT connection.execute($$
  CREATE STORAGE CONNECTION IF NOT EXISTS hdfs_conn TYPE hdfs
    NAME_NODE = 'hdfs://nameservice1' NAME_NODE_RPC_ADDRESSES = ['nn1:8020', 'nn2:8020']
    COMMENTS = 'created by an existing script';
$$);

-- SHOW CONNECTIONS, as typed (the library is preloaded), and as a function.
SHOW CONNECTIONS;
SELECT * FROM connection.show('%conn_ak');

-- DESC CONNECTION: identifiers are masked, secrets are absent.
SELECT * FROM connection.desc('oss_sh_conn_ak');
SELECT * FROM connection.desc('kafka_prod_conn', extended => true);
SELECT * FROM connection.desc('s3_role_conn');

-- What is stored: ciphertext, never the values.
SELECT name, plain_properties, masks, length(secrets) AS ciphertext_bytes, key_fingerprint
  FROM connection.pg_connection ORDER BY name;

-- The owner (and superusers) get the decrypted values.
SELECT connection.credentials('oss_sh_conn_ak');
SELECT connection.property('kafka_prod_conn', 'SASL_PASSWORD');

-- Sharing: an application role gets USAGE of one connection, nothing more.
CREATE ROLE demo_app;
SELECT connection.grant_usage('oss_sh_conn_ak', 'demo_app');
SELECT info_value AS grant FROM connection.desc('oss_sh_conn_ak', extended => true)
 WHERE info_name = 'usage';
SET ROLE demo_app;
SELECT connection.property('oss_sh_conn_ak', 'ACCESS_KEY');
\set ON_ERROR_STOP 0
SELECT connection.property('kafka_prod_conn', 'SASL_PASSWORD');
SELECT connection.drop('oss_sh_conn_ak');
\set ON_ERROR_STOP 1
RESET ROLE;

-- Not even pg_read_all_data and pg_write_all_data reach the catalog: row
-- level security, no policy.  (The view shows metadata to everyone.)  And
-- naming a connection takes USAGE on it.
CREATE ROLE demo_auditor IN ROLE pg_read_all_data, pg_write_all_data;
SET ROLE demo_auditor;
SELECT count(*) AS rows_seen FROM connection.pg_connection;
UPDATE connection.pg_connection SET owner = 'demo_auditor'::regrole;
\set ON_ERROR_STOP 0
UPDATE connection.connections SET name = 'stolen';
SELECT connection.create('my_hms', 'CATALOG', 'HMS',
    '{"HIVE_METASTORE_URIS": "h:9083", "STORAGE_CONNECTION": "oss_sh_conn_ak"}');
\set ON_ERROR_STOP 1
RESET ROLE;

-- Validation: a typo never silently drops a setting.
\set ON_ERROR_STOP 0
SELECT connection.create('bad', 'STORAGE', 'OSS', '{"ENDPOINT": "e", "ACCES_ID": "x", "ACCESS_KEY": "y"}');
SELECT connection.create('bad', 'API', 'OSS', '{}');
SELECT connection.create('bad', 'STORAGE', 'S3', '{"REGION": "us-east-1"}');
\set ON_ERROR_STOP 1

-- ALTER: disable, comment, rename.
SELECT connection.alter('kafka_prod_conn', enabled => false, comment => 'paused');
\set ON_ERROR_STOP 0
SELECT connection.credentials('kafka_prod_conn');
\set ON_ERROR_STOP 1
SELECT connection.alter('kafka_prod_conn', enabled => true, rename_to => 'kafka_main');

-- DROP refuses to orphan what uses a connection.
\set ON_ERROR_STOP 0
SELECT connection.drop('oss_sh_conn_ak');
\set ON_ERROR_STOP 1
SELECT * FROM connection.dependents('oss_sh_conn_ak');

-- DROP CONNECTION
SELECT connection.drop('hms_catalog_conn');
SELECT connection.drop('hms_catalog_conn', if_exists => true);
SELECT * FROM connection.show();

-- The view for applications.
SELECT name, category, type, enabled, owner, comment FROM connection.connections ORDER BY name;
