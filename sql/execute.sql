--
-- execute: administration scripts of the original dialect, unchanged
--
\set VERBOSITY default
SET ROLE regress_conn_super;

-- the statement of the original documentation
SELECT connection.execute($$CREATE STORAGE CONNECTION IF NOT EXISTS hz_conn_ak TYPE oss
ENDPOINT = 'oss-cn-hangzhou.aliyuncs.com' access_id = 'LTAI5tExecuteTest01' access_key = 'exec-secret'
comments = 'OSS public endpoint';$$);
SELECT * FROM stable_desc('hz_conn_ak');
SELECT connection.property('hz_conn_ak', 'ACCESS_KEY');
-- IF NOT EXISTS skips
SELECT connection.execute($$CREATE STORAGE CONNECTION IF NOT EXISTS hz_conn_ak TYPE oss ENDPOINT = 'x'$$);

-- several statements, comments, lists, doubled quotes, quoted names,
-- keywords and keys in any case, commas between pairs, COMMENT without =
SELECT connection.execute($$
  -- a Kafka cluster
  create storage connection "Kafka_Exec" type KAFKA
    bootstrap_servers = ['k1:9092', 'k2:9092'],
    Security_Protocol = 'SASL_SSL', sasl_mechanism = 'PLAIN',
    SASL_USERNAME = 'exec_user', sasl_password = 'it''s secret'
    COMMENT 'the team''s cluster';
  /* a catalog on top of the OSS connection /* nested */ */
  CREATE CATALOG CONNECTION hms_exec TYPE hms
    HIVE_METASTORE_URIS = 'thrift://hms:9083' STORAGE_CONNECTION = 'hz_conn_ak'
$$);
SELECT name, category, type FROM connection.show('%exec%');
SELECT connection.property('kafka_exec', 'SASL_PASSWORD'), connection.property('kafka_exec', 'BOOTSTRAP_SERVERS');
SELECT comment FROM connection.connections WHERE name = 'kafka_exec';

-- OR REPLACE, and the older API form WITH PROPERTIES ('cloud_function.x' = ...)
SELECT connection.execute($$CREATE OR REPLACE API CONNECTION fc_exec TYPE cloud_function
  WITH PROPERTIES ('cloud_function.provider' = 'aliyun', 'cloud_function.region' = 'cn-shanghai',
                   'cloud_function.role_arn' = 'acs:ram::1234567890123456:role/fc',
                   'cloud_function.code_bucket' = 'code', DURATION_SECONDS = 3600)$$);
SELECT * FROM stable_desc('fc_exec');

-- DROP, typed or not
SELECT connection.execute('DROP CATALOG CONNECTION hms_exec; DROP CONNECTION IF EXISTS hms_exec');
-- fails: a typed DROP of another category
SELECT connection.execute('DROP API CONNECTION kafka_exec');
\echo :LAST_ERROR_SQLSTATE

-- fails: SHOW and DESC are for show() and desc(), with the exact call
SELECT connection.execute('SHOW CONNECTIONS');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.execute('DESC CONNECTION EXTENDED kafka_exec');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.execute('describe connection kafka_exec;');
\echo :LAST_ERROR_SQLSTATE

-- fails: syntax errors, with their position; none quotes a value
SELECT connection.execute('CREATE STORAGE CONNECTION x oss');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.execute('CREATE STORAGE CONNECTION x TYPE oss access_key ''exec-secret''');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.execute('CREATE STORAGE CONNECTION x TYPE oss access_key = exec-secret');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.execute('CREATE STORAGE CONNECTION x TYPE oss access_key = ''exec-secret');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.execute('DROP CONNECTION a; DROP TABLE t');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.execute('CREATE STORAGE CONNECTION x TYPE oss a = ''1'' A = ''2''');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.execute('-- nothing but a comment');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.execute(NULL);
\echo :LAST_ERROR_SQLSTATE

-- fails: errors of a statement name it in their context
SELECT connection.execute($$DROP CONNECTION IF EXISTS nothing_here;
CREATE STORAGE CONNECTION bad_exec TYPE oss ENDPOINT = 'e' ACCES_ID = 'a'$$);
\echo :LAST_ERROR_SQLSTATE
-- fails: the same key twice, once through the older prefix
SELECT connection.execute($$CREATE API CONNECTION fc2 TYPE cloud_function
  WITH PROPERTIES ('cloud_function.provider' = 'aliyun', 'provider' = 'aws')$$);
\echo :LAST_ERROR_SQLSTATE

-- the published Iceberg REST statement runs unchanged: WITH PROPERTIES are
-- the client's properties, kept under PROPERTIES with their keys as written
SELECT connection.execute($$CREATE CATALOG CONNECTION snow_opencatalog TYPE ICEBERG_REST URI='https://ab12345.snowflakecomputing.com/polaris/api/catalog'
ACCESS_REGION='ap-southeast-1' OAUTH_CLIENT_ID='0000000000000000000000000000=' OAUTH_CLIENT_SECRET='opencatalog-client-secret'
OAUTH_SCOPE='PRINCIPAL_ROLE:ALL' NAMESPACE='sales' WAREHOUSE='snow_catalog'
WITH PROPERTIES ('client.region'='ap-southeast-1',
'io-impl'='org.apache.iceberg.aws.s3.S3FileIO');$$);
SELECT info_name, info_value FROM connection.desc('snow_opencatalog')
 WHERE info_name IN ('URI', 'WAREHOUSE', 'PROPERTIES', 'OAUTH_SCOPE');
SELECT connection.credentials('snow_opencatalog')->'PROPERTIES' AS client_properties;
SELECT connection.property('snow_opencatalog', 'PROPERTIES');
-- fails: a client property that names a secret is not stored in clear
SELECT connection.execute($$CREATE CATALOG CONNECTION snow_bad TYPE ICEBERG_REST URI='https://ab12345.snowflakecomputing.com/api'
OAUTH_CLIENT_ID='i' OAUTH_CLIENT_SECRET='s'
WITH PROPERTIES ('s3.secret-access-key'='xyz')$$);
\echo :LAST_ERROR_SQLSTATE
-- and the same through create()
SELECT connection.create('snow_bad', 'CATALOG', 'ICEBERG_REST',
  '{"URI": "https://ab12345.snowflakecomputing.com/api", "OAUTH_CLIENT_ID": "i", "OAUTH_CLIENT_SECRET": "s",
    "PROPERTIES": {"client.region": "ap-southeast-1", "s3.session-token": "t"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('snow_bad', 'CATALOG', 'ICEBERG_REST',
  '{"URI": "https://ab12345.snowflakecomputing.com/api", "OAUTH_CLIENT_ID": "i", "OAUTH_CLIENT_SECRET": "s",
    "PROPERTIES": "client.region=x"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.drop('snow_opencatalog');

-- all or nothing: the first statement is undone by the failure of the second
SELECT connection.execute($$CREATE STORAGE CONNECTION first_ok TYPE kafka BOOTSTRAP_SERVERS = 'k:1';
CREATE STORAGE CONNECTION kafka_exec TYPE kafka BOOTSTRAP_SERVERS = 'k:1'$$);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM connection.show('first_ok');

-- the caller's rights apply
SET ROLE regress_conn_outsider;
SELECT connection.execute('DROP CONNECTION kafka_exec');
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_conn_super;

SELECT connection.execute('DROP CONNECTION kafka_exec; DROP CONNECTION fc_exec; DROP STORAGE CONNECTION hz_conn_ak;');
SELECT count(*) FROM connection.show('%exec%');
