--
-- create: every type, each validation rule, duplicates, replace
--
\set VERBOSITY default
SET ROLE regress_conn_super;

-- =====================================================================
-- one valid connection of every type and mode
-- =====================================================================
SELECT connection.create('oss_keys', 'STORAGE', 'OSS',
  '{"ACCESS_ID": "LTAI5tCreateTestId", "ACCESS_KEY": "oss-secret-1",
    "ENDPOINT": "oss-cn-shanghai-internal.aliyuncs.com"}');
SELECT connection.create('oss_role', 'STORAGE', 'OSS',
  '{"ROLE_ARN": "acs:ram::1234567890123456:role/lakehouse-reader",
    "REGION": "cn-shanghai", "ENDPOINT": "oss-cn-shanghai.aliyuncs.com",
    "SESSION_NAME": "lakehouse", "DURATION_SECONDS": "3600"}');
SELECT connection.create('cos_keys', 'storage', 'cos',
  '{"access_key": "AKIDcosCreateTest01", "secret_key": "cos-secret-1",
    "region": "ap-shanghai", "app_id": "1250000000"}');
SELECT connection.create('cos_role', 'Storage', 'Cos',
  '{"ROLE_ARN": "qcs::cam::uin/100000000001:roleName/lakehouse",
    "REGION": "ap-guangzhou", "APP_ID": 1250000000}');
-- S3 accepts the AWS spellings of its key properties; its ENDPOINT must be
-- a host the server may send requests to (connection.allowed_hosts, see sts)
SET connection.allowed_hosts = '*.amazonaws.com, *.amazonaws.com.cn, *.aliyuncs.com, minio.internal:9000';
SELECT connection.create('s3_keys', 'STORAGE', 'S3',
  '{"ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "REGION": "us-east-1", "ENDPOINT": "https://minio.internal:9000"}');
SELECT connection.create('s3_role_cn', 'STORAGE', 'S3',
  '{"ROLE_ARN": "arn:aws-cn:iam::123456789012:role/path/to/reader", "REGION": "cn-north-1",
    "STS_ENDPOINT": "sts.cn-north-1.amazonaws.com.cn"}');
SELECT connection.create('kafka_plain', 'STORAGE', 'KAFKA',
  '{"BOOTSTRAP_SERVERS": ["k1:9092", "10.0.0.2:9093", "[::1]:9094"]}');
SELECT connection.create('kafka_sasl', 'STORAGE', 'KAFKA',
  '{"BOOTSTRAP_SERVERS": "k1:9092,k2:9092", "SECURITY_PROTOCOL": "sasl_plaintext",
    "SASL_MECHANISM": "scram-sha-512", "SASL_USERNAME": "kafka_user", "SASL_PASSWORD": "kafka-pw"}');
SELECT connection.create('kafka_ssl', 'STORAGE', 'KAFKA',
  '{"BOOTSTRAP_SERVERS": "k1:9093", "SECURITY_PROTOCOL": "SSL"}');
SELECT connection.create('hdfs_plain', 'STORAGE', 'HDFS',
  '{"NAME_NODE": "hdfs://nameservice1", "NAME_NODE_RPC_ADDRESSES": "nn1:8020, nn2:8020"}');
SELECT connection.create('hdfs_kerberos', 'STORAGE', 'HDFS',
  '{"NAME_NODE": "hdfs://ns", "NAME_NODE_RPC_ADDRESSES": ["nn1:8020"],
    "KERBEROS_PRINCIPAL": "hdfs/nn1@EXAMPLE.COM", "KERBEROS_KEYTAB": "BQIAAABHAAEAC0VYQU1QTEUuQ09N"}');
SELECT connection.create('fc_aliyun', 'API', 'CLOUD_FUNCTION',
  '{"PROVIDER": "Aliyun", "REGION": "cn-hangzhou", "ROLE_ARN": "acs:ram::1234567890123456:role/fc-invoker",
    "CODE_BUCKET": "fc-code"}');
-- tencent functions get the namespace "default" unless told otherwise
SELECT connection.create('scf_tencent', 'API', 'CLOUD_FUNCTION',
  '{"PROVIDER": "tencent", "REGION": "ap-guangzhou", "ROLE_ARN": "qcs::cam::uin/100000000001:roleName/scf",
    "CODE_BUCKET": "scf-code"}');
SELECT connection.create('lambda_aws', 'API', 'CLOUD_FUNCTION',
  '{"PROVIDER": "aws", "REGION": "us-west-2", "ROLE_ARN": "arn:aws:iam::123456789012:role/lambda",
    "NAMESPACE": "prod", "CODE_BUCKET": "lambda-code"}');
SELECT connection.create('hms_catalog', 'CATALOG', 'HMS',
  '{"HIVE_METASTORE_URIS": "thrift://hms1:9083, hms2:9083", "STORAGE_CONNECTION": "OSS_KEYS"}',
  comment => 'Hive on OSS');
SELECT connection.create('unity', 'CATALOG', 'DATABRICKS',
  '{"HOST": "https://dbc-1234.cloud.databricks.com", "CLIENT_ID": "6f1c2d3e-client-id",
    "CLIENT_SECRET": "dbx-secret", "ACCESS_REGION": "us-west-2"}');
SELECT connection.create('iceberg', 'CATALOG', 'ICEBERG_REST',
  '{"URI": "https://catalog.example.com/api", "OAUTH_CLIENT_ID": "iceberg-client",
    "OAUTH_CLIENT_SECRET": "iceberg-secret", "WAREHOUSE": "wh", "OAUTH_SCOPE": "PRINCIPAL_ROLE:ALL"}');

SELECT name, category, type, enabled FROM connection.show();
SELECT * FROM stable_desc('scf_tencent');
SELECT * FROM stable_desc('oss_role');

-- =====================================================================
-- categories and types
-- =====================================================================
-- fails: unknown category
SELECT connection.create('c1', 'BUCKET', 'OSS', '{}');
\echo :LAST_ERROR_SQLSTATE
-- fails: unknown type
SELECT connection.create('c1', 'STORAGE', 'GCS', '{}');
\echo :LAST_ERROR_SQLSTATE
-- fails: type of another category
SELECT connection.create('c1', 'API', 'OSS', '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'catalog', 'kafka', '{}');
\echo :LAST_ERROR_SQLSTATE

-- =====================================================================
-- property names
-- =====================================================================
-- fails: unknown property, close to a valid one
SELECT connection.create('c1', 'STORAGE', 'OSS',
  '{"ACCES_ID": "a", "ACCESS_KEY": "b", "ENDPOINT": "e"}');
\echo :LAST_ERROR_SQLSTATE
-- fails: unknown property, nothing close
SELECT connection.create('c1', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1", "COLOR": "red"}');
\echo :LAST_ERROR_SQLSTATE
-- fails: a property of another type
SELECT connection.create('c1', 'STORAGE', 'COS',
  '{"ACCESS_KEY": "a", "SECRET_KEY": "b", "REGION": "r", "APP_ID": "1", "ACCESS_ID": "e"}');
\echo :LAST_ERROR_SQLSTATE
-- fails: the same property twice, in two spellings
SELECT connection.create('c1', 'STORAGE', 'OSS',
  '{"endpoint": "a", "ENDPOINT": "b", "ACCESS_ID": "a", "ACCESS_KEY": "b"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'STORAGE', 'S3',
  '{"ACCESS_KEY": "a", "ACCESS_KEY_ID": "b", "SECRET_KEY": "c", "REGION": "r"}');
\echo :LAST_ERROR_SQLSTATE
-- fails: EXTERNAL_ID is generated, never given
SELECT connection.create('c1', 'STORAGE', 'S3',
  '{"ROLE_ARN": "arn:aws:iam::123456789012:role/r", "REGION": "r", "EXTERNAL_ID": "mine"}');
\echo :LAST_ERROR_SQLSTATE

-- =====================================================================
-- requiredness and authentication modes
-- =====================================================================
-- fails: neither keys nor role
SELECT connection.create('c1', 'STORAGE', 'OSS', '{"ENDPOINT": "e"}');
\echo :LAST_ERROR_SQLSTATE
-- fails: both keys and role
SELECT connection.create('c1', 'STORAGE', 'COS',
  '{"ACCESS_KEY": "a", "SECRET_KEY": "b", "REGION": "r", "APP_ID": "1",
    "ROLE_ARN": "qcs::cam::uin/1:roleName/r"}');
\echo :LAST_ERROR_SQLSTATE
-- fails: half of the keys
SELECT connection.create('c1', 'STORAGE', 'S3', '{"ACCESS_KEY": "a", "REGION": "r"}');
\echo :LAST_ERROR_SQLSTATE
-- fails: a required property
SELECT connection.create('c1', 'STORAGE', 'OSS', '{"ACCESS_ID": "a", "ACCESS_KEY": "b"}');
\echo :LAST_ERROR_SQLSTATE
-- fails: REGION is required for a role-based OSS connection
SELECT connection.create('c1', 'STORAGE', 'OSS',
  '{"ROLE_ARN": "acs:ram::1:role/r", "ENDPOINT": "e"}');
\echo :LAST_ERROR_SQLSTATE
-- fails: STS options need a role
SELECT connection.create('c1', 'STORAGE', 'OSS',
  '{"ACCESS_ID": "a", "ACCESS_KEY": "b", "ENDPOINT": "e", "DURATION_SECONDS": "900"}');
\echo :LAST_ERROR_SQLSTATE
-- fails: a cloud function always assumes a role
SELECT connection.create('c1', 'API', 'CLOUD_FUNCTION',
  '{"PROVIDER": "aws", "REGION": "us-east-1", "CODE_BUCKET": "b"}');
\echo :LAST_ERROR_SQLSTATE
-- fails: SASL settings need a SASL protocol, and a SASL protocol needs them
SELECT connection.create('c1', 'STORAGE', 'KAFKA',
  '{"BOOTSTRAP_SERVERS": "k:1", "SASL_USERNAME": "u"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'STORAGE', 'KAFKA',
  '{"BOOTSTRAP_SERVERS": "k:1", "SECURITY_PROTOCOL": "SASL_SSL", "SASL_MECHANISM": "PLAIN",
    "SASL_USERNAME": "u"}');
\echo :LAST_ERROR_SQLSTATE
-- fails: a keytab needs a principal, and a principal a keytab
SELECT connection.create('c1', 'STORAGE', 'HDFS',
  '{"NAME_NODE": "n", "NAME_NODE_RPC_ADDRESSES": "n:1", "KERBEROS_KEYTAB": "QUJD"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'STORAGE', 'HDFS',
  '{"NAME_NODE": "n", "NAME_NODE_RPC_ADDRESSES": "n:1", "KERBEROS_PRINCIPAL": "p@R"}');
\echo :LAST_ERROR_SQLSTATE

-- Kafka over TLS with a client certificate, and with Kerberos (GSSAPI)
SELECT connection.create('kafka_mtls', 'STORAGE', 'KAFKA',
  jsonb_build_object('BOOTSTRAP_SERVERS', 'k1.example.com:9093', 'SECURITY_PROTOCOL', 'SSL',
    'SSL_CA_CERT', E'-----BEGIN CERTIFICATE-----\nMIIBca\n-----END CERTIFICATE-----\n',
    'SSL_CERTIFICATE', E'-----BEGIN CERTIFICATE-----\nMIIBcl\n-----END CERTIFICATE-----\n',
    'SSL_KEY', E'-----BEGIN PRIVATE KEY-----\nMIIEkey\n-----END PRIVATE KEY-----\n',
    'SSL_KEY_PASSWORD', 'key-pw'));
SELECT info_name, info_value FROM connection.desc('kafka_mtls') WHERE info_name LIKE 'SSL%';
SELECT connection.property('kafka_mtls', 'SSL_KEY') LIKE '-----BEGIN PRIVATE KEY-----%' AS key_kept;
SELECT connection.create('kafka_krb', 'STORAGE', 'KAFKA',
  '{"BOOTSTRAP_SERVERS": "k1.example.com:9092", "SECURITY_PROTOCOL": "SASL_SSL", "SASL_MECHANISM": "GSSAPI",
    "KERBEROS_PRINCIPAL": "etl@EXAMPLE.COM", "KERBEROS_KEYTAB": "QUJD", "KERBEROS_SERVICE_NAME": "kafka"}');
SELECT info_name, info_value FROM connection.desc('kafka_krb') WHERE info_name LIKE 'KERBEROS%';
-- fails: each setting where it does not apply
SELECT connection.create('c1', 'STORAGE', 'KAFKA',
  '{"BOOTSTRAP_SERVERS": "k:1", "SSL_CA_CERT": "-----BEGIN CERTIFICATE-----x-----END CERTIFICATE-----"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'STORAGE', 'KAFKA',
  '{"BOOTSTRAP_SERVERS": "k:1", "SECURITY_PROTOCOL": "SSL", "SSL_CERTIFICATE": "-----BEGIN CERTIFICATE-----x-----END CERTIFICATE-----"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'STORAGE', 'KAFKA',
  '{"BOOTSTRAP_SERVERS": "k:1", "SECURITY_PROTOCOL": "SSL", "SSL_CA_CERT": "not a certificate"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'STORAGE', 'KAFKA',
  '{"BOOTSTRAP_SERVERS": "k:1", "SECURITY_PROTOCOL": "SASL_SSL", "SASL_MECHANISM": "GSSAPI",
    "KERBEROS_PRINCIPAL": "etl@EXAMPLE.COM"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'STORAGE', 'KAFKA',
  '{"BOOTSTRAP_SERVERS": "k:1", "SECURITY_PROTOCOL": "SASL_SSL", "SASL_MECHANISM": "GSSAPI",
    "KERBEROS_PRINCIPAL": "etl@EXAMPLE.COM", "KERBEROS_KEYTAB": "QUJD", "SASL_PASSWORD": "p"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'STORAGE', 'KAFKA',
  '{"BOOTSTRAP_SERVERS": "k:1", "SECURITY_PROTOCOL": "SASL_SSL", "SASL_MECHANISM": "PLAIN",
    "SASL_USERNAME": "u", "SASL_PASSWORD": "p", "KERBEROS_SERVICE_NAME": "kafka"}');
\echo :LAST_ERROR_SQLSTATE

-- Databricks with a personal access token, or OAuth M2M, not both nor none
SELECT connection.create('unity_pat', 'CATALOG', 'DATABRICKS',
  '{"HOST": "https://dbc-1.cloud.databricks.com", "ACCESS_TOKEN": "dapi-token", "ACCESS_REGION": "us-west-2"}');
SELECT connection.create('c1', 'CATALOG', 'DATABRICKS',
  '{"HOST": "https://dbc-1.cloud.databricks.com", "ACCESS_TOKEN": "t", "CLIENT_ID": "i", "CLIENT_SECRET": "s", "ACCESS_REGION": "r"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'CATALOG', 'DATABRICKS',
  '{"HOST": "https://dbc-1.cloud.databricks.com", "ACCESS_REGION": "r"}');
\echo :LAST_ERROR_SQLSTATE

-- a Kerberos-secured metastore
SELECT connection.create('hms_krb', 'CATALOG', 'HMS',
  '{"HIVE_METASTORE_URIS": "thrift://hms1.example.com:9083", "STORAGE_CONNECTION": "oss_keys",
    "KERBEROS_PRINCIPAL": "etl@EXAMPLE.COM", "KERBEROS_KEYTAB": "QUJD",
    "METASTORE_PRINCIPAL": "hive/_HOST@EXAMPLE.COM"}');
SELECT connection.create('c1', 'CATALOG', 'HMS',
  '{"HIVE_METASTORE_URIS": "thrift://hms1.example.com:9083", "STORAGE_CONNECTION": "oss_keys",
    "KERBEROS_PRINCIPAL": "etl@EXAMPLE.COM", "KERBEROS_KEYTAB": "QUJD"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.drop(n) FROM unnest(ARRAY['kafka_mtls', 'kafka_krb', 'unity_pat', 'hms_krb']) n;

-- =====================================================================
-- value shapes
-- =====================================================================
-- fails: ARN of another cloud, for each cloud
SELECT connection.create('c1', 'STORAGE', 'OSS',
  '{"ROLE_ARN": "arn:aws:iam::123456789012:role/r", "REGION": "cn-shanghai", "ENDPOINT": "e"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'STORAGE', 'COS',
  '{"ROLE_ARN": "acs:ram::1:role/r", "REGION": "r", "APP_ID": "1"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'STORAGE', 'S3',
  '{"ROLE_ARN": "arn:aws:iam::1234:role/r", "REGION": "r"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'API', 'CLOUD_FUNCTION',
  '{"PROVIDER": "tencent", "REGION": "r", "ROLE_ARN": "acs:ram::1:role/r", "CODE_BUCKET": "b"}');
\echo :LAST_ERROR_SQLSTATE
-- fails: enumerated values
SELECT connection.create('c1', 'STORAGE', 'KAFKA',
  '{"BOOTSTRAP_SERVERS": "k:1", "SECURITY_PROTOCOL": "TLS"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'API', 'CLOUD_FUNCTION',
  '{"PROVIDER": "azure", "REGION": "r", "ROLE_ARN": "x", "CODE_BUCKET": "b"}');
\echo :LAST_ERROR_SQLSTATE
-- fails: list items
SELECT connection.create('c1', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k1:9092,k2"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k1:99999"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k1:9092,,k2:9092"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": []}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": ["k1:9092", 9093]}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'CATALOG', 'HMS',
  '{"HIVE_METASTORE_URIS": "http://hms:9083", "STORAGE_CONNECTION": "oss_keys"}');
\echo :LAST_ERROR_SQLSTATE
-- addresses are checked for shape: hosts of valid labels, IPv4 numbers
-- in range; where the server sends requests, a name with its domain
SELECT connection.create('c1', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "-k1:9092"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k1..example.com:9092"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'STORAGE', 'HDFS', '{"NAME_NODE": "n", "NAME_NODE_RPC_ADDRESSES": "300.1.1.1:8020"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'STORAGE', 'OSS', '{"ACCESS_ID": "a", "ACCESS_KEY": "b", "ENDPOINT": "e"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'CATALOG', 'DATABRICKS',
  '{"HOST": "https://dbc", "CLIENT_ID": "i", "CLIENT_SECRET": "s", "ACCESS_REGION": "r"}');
\echo :LAST_ERROR_SQLSTATE
-- fails: URLs must be https (http only to this machine itself)
SELECT connection.create('c1', 'CATALOG', 'DATABRICKS',
  '{"HOST": "http://dbc.example.com", "CLIENT_ID": "i", "CLIENT_SECRET": "s", "ACCESS_REGION": "r"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'CATALOG', 'DATABRICKS',
  '{"HOST": "http://127.0.0.1.example.com", "CLIENT_ID": "i", "CLIENT_SECRET": "s", "ACCESS_REGION": "r"}');
\echo :LAST_ERROR_SQLSTATE
-- fails: regions, digits, durations, session names, base64
SELECT connection.create('c1', 'STORAGE', 'S3', '{"ACCESS_KEY": "a", "SECRET_KEY": "b", "REGION": "us east"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'STORAGE', 'COS',
  '{"ACCESS_KEY": "a", "SECRET_KEY": "b", "REGION": "r", "APP_ID": "12a"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'STORAGE', 'S3',
  '{"ROLE_ARN": "arn:aws:iam::123456789012:role/r", "REGION": "r", "DURATION_SECONDS": 60}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'STORAGE', 'S3',
  '{"ROLE_ARN": "arn:aws:iam::123456789012:role/r", "REGION": "r", "SESSION_NAME": "a b"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'STORAGE', 'HDFS',
  '{"NAME_NODE": "n", "NAME_NODE_RPC_ADDRESSES": "n:1", "KERBEROS_PRINCIPAL": "p@R", "KERBEROS_KEYTAB": "not base64!"}');
\echo :LAST_ERROR_SQLSTATE
-- fails: blanks in an endpoint
SELECT connection.create('c1', 'STORAGE', 'OSS',
  '{"ACCESS_ID": "a", "ACCESS_KEY": "b", "ENDPOINT": "oss cn"}');
\echo :LAST_ERROR_SQLSTATE

-- =====================================================================
-- references to other connections
-- =====================================================================
-- fails: no such storage connection
SELECT connection.create('c1', 'CATALOG', 'HMS',
  '{"HIVE_METASTORE_URIS": "hms:9083", "STORAGE_CONNECTION": "nowhere"}');
\echo :LAST_ERROR_SQLSTATE
-- fails: not a storage connection
SELECT connection.create('c1', 'CATALOG', 'HMS',
  '{"HIVE_METASTORE_URIS": "hms:9083", "STORAGE_CONNECTION": "unity"}');
\echo :LAST_ERROR_SQLSTATE
-- fails: an STS source must be a keys-mode connection of the same cloud
SELECT connection.create('c1', 'STORAGE', 'S3',
  '{"ROLE_ARN": "arn:aws:iam::123456789012:role/r", "REGION": "r", "SOURCE_CONNECTION": "oss_keys"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('c1', 'STORAGE', 'S3',
  '{"ROLE_ARN": "arn:aws:iam::123456789012:role/r", "REGION": "r", "SOURCE_CONNECTION": "s3_keys"}');
SELECT connection.drop('c1');

-- =====================================================================
-- existing names
-- =====================================================================
-- fails: duplicate
SELECT connection.create('oss_keys', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
\echo :LAST_ERROR_SQLSTATE
-- names are case-insensitive
SELECT connection.create('OSS_Keys', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
\echo :LAST_ERROR_SQLSTATE
-- one rule for names everywhere, the native syntax's: a quoted identifier
-- is unquoted, then checked and folded like any other name
SELECT connection.create('"OSS_Keys"', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
\echo :LAST_ERROR_SQLSTATE
SELECT info_value FROM connection.desc('"OSS_KEYS"') WHERE info_name = 'name';
SELECT connection.create('"Quoted_Name"', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
SELECT name FROM connection.show('quoted%');
-- the native syntax names the same connection
SELECT connection.execute('DROP CONNECTION "QUOTED_NAME"');
SELECT count(*) FROM connection.show('quoted%');
-- fails: quoting does not make other characters valid
SELECT connection.create('"has space"', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('"a"b"', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
\echo :LAST_ERROR_SQLSTATE
-- skips with a notice, and changes nothing
SELECT connection.create('oss_keys', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}',
                         if_not_exists => true);
SELECT type FROM connection.show('oss_keys');
-- fails: both flags
SELECT connection.create('oss_keys', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}',
                         if_not_exists => true, or_replace => true);
\echo :LAST_ERROR_SQLSTATE

-- or_replace keeps identity, creator, creation time and the EXTERNAL_ID
CREATE TEMP TABLE before_replace AS
  SELECT c.id, c.creator, c.created_time, c.plain_properties->>'EXTERNAL_ID' AS external_id
    FROM connection.pg_connection c WHERE name = 'oss_role';
SELECT pg_sleep(0.01);
SELECT connection.create('oss_role', 'STORAGE', 'OSS',
  '{"ROLE_ARN": "acs:ram::1234567890123456:role/lakehouse-writer",
    "REGION": "cn-beijing", "ENDPOINT": "oss-cn-beijing.aliyuncs.com"}',
  comment => 'replaced', or_replace => true);
SELECT c.id = b.id AS same_id, c.creator = b.creator AS same_creator,
       c.created_time = b.created_time AS same_created_time,
       c.last_modified_time > b.created_time AS modified_later,
       c.plain_properties->>'EXTERNAL_ID' = b.external_id AS same_external_id
  FROM connection.pg_connection c, before_replace b WHERE c.name = 'oss_role';
SELECT * FROM stable_desc('oss_role');
-- or_replace may change the type, too
SELECT connection.create('replace_me', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
SELECT connection.create('replace_me', 'STORAGE', 'HDFS',
  '{"NAME_NODE": "n", "NAME_NODE_RPC_ADDRESSES": "n:1"}', or_replace => true);
SELECT type FROM connection.show('replace_me');
SELECT connection.drop('replace_me');

-- =====================================================================
-- millisecond precision, creator, owner
-- =====================================================================
SELECT count(*) AS rows_with_sub_ms_times
  FROM connection.pg_connection
 WHERE date_trunc('milliseconds', created_time) <> created_time
    OR date_trunc('milliseconds', last_modified_time) <> last_modified_time;
SET ROLE regress_conn_owner;
SELECT connection.create('owned', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
SET ROLE regress_conn_super;
SELECT name, owner, creator FROM connection.connections WHERE name = 'owned';
SELECT connection.drop('owned');
