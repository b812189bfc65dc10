--
-- desc: the DESC CONNECTION shape, masks, extended rows
--
\set VERBOSITY default
SET ROLE regress_conn_super;

SELECT * FROM stable_desc('oss_keys');
SELECT * FROM stable_desc('cos_keys');
SELECT * FROM stable_desc('s3_keys');
SELECT * FROM stable_desc('kafka_sasl');
SELECT * FROM stable_desc('hdfs_kerberos');
SELECT * FROM stable_desc('fc_aliyun');
SELECT * FROM stable_desc('hms_catalog');
SELECT * FROM stable_desc('unity');
SELECT * FROM stable_desc('iceberg');

-- names are folded
SELECT info_value FROM stable_desc('OSS_KEYS') WHERE info_name = 'name';

-- extended adds category, owner and the key fingerprint
SELECT * FROM stable_desc('oss_keys', true);
SELECT * FROM stable_desc('kafka_plain', extended => true);

-- masks: identifiers of 12 characters or more show their first 6, shorter
-- ones nothing; characters, not bytes
SELECT connection.create('mask_test', 'CATALOG', 'DATABRICKS',
  '{"HOST": "https://h.example.com", "CLIENT_ID": "ÄÖÜäöüßéèêëx", "CLIENT_SECRET": "s", "ACCESS_REGION": "r"}');
SELECT info_value FROM connection.desc('mask_test') WHERE info_name = 'CLIENT_ID';
SELECT connection.alter('mask_test', set_properties => '{"CLIENT_ID": "12345678901"}');
SELECT info_value FROM connection.desc('mask_test') WHERE info_name = 'CLIENT_ID';
SELECT connection.alter('mask_test', set_properties => '{"CLIENT_ID": "123456789012"}');
SELECT info_value FROM connection.desc('mask_test') WHERE info_name = 'CLIENT_ID';
SELECT connection.drop('mask_test');

-- no value of an identifier or a secret appears anywhere in desc()
SELECT count(*) AS leaks
  FROM connection.show() s, connection.desc(s.name, true) d
 WHERE d.info_value ~ '(secret|kafka-pw|dbx-|LTAI5tCreateTestId|AKIDcosCreateTest01|AKIAIOSFODNN7EXAMPLE|EXAMPLEKEY|kafka_user|hdfs/nn1|BQIAAAB|6f1c2d3e-client-id)';

-- every role may describe
SET ROLE regress_conn_outsider;
SELECT * FROM stable_desc('oss_keys');
SET ROLE regress_conn_super;

-- fails: no such connection
SELECT * FROM connection.desc('nowhere');
\echo :LAST_ERROR_SQLSTATE
