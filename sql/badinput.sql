--
-- badinput: NULLs, wrong JSON, huge values, bad names; nothing half-written
--
\set VERBOSITY default
SET ROLE regress_conn_super;

CREATE TEMP TABLE catalog_before AS
  SELECT id, name, last_modified_time, secrets FROM connection.pg_connection;

-- =====================================================================
-- NULL arguments
-- =====================================================================
SELECT connection.create(NULL, 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('n1', NULL, 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('n1', 'STORAGE', NULL, '{"BOOTSTRAP_SERVERS": "k:1"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('n1', 'STORAGE', 'KAFKA', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('n1', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}', if_not_exists => NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT connection.drop(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT connection.drop('x', if_exists => NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT connection.alter(NULL, enabled => true);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM connection.desc(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT connection.credentials(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT connection.property('s3_keys', NULL);
\echo :LAST_ERROR_SQLSTATE

-- =====================================================================
-- properties that are not a JSON object of scalars
-- =====================================================================
SELECT connection.create('n1', 'STORAGE', 'KAFKA', '["BOOTSTRAP_SERVERS", "k:1"]');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('n1', 'STORAGE', 'KAFKA', '"k:1"');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('n1', 'STORAGE', 'KAFKA', 'null');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('n1', 'STORAGE', 'KAFKA', '42');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('n1', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": {"host": "k", "port": 1}}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('n1', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": [["k:1"]]}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('n1', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": null}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('n1', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": true}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('n1', 'STORAGE', 'OSS', '{"ACCESS_ID": ["a"], "ACCESS_KEY": "b", "ENDPOINT": "e"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('n1', 'STORAGE', 'OSS', '{"ACCESS_ID": "", "ACCESS_KEY": "b", "ENDPOINT": "e"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('n1', 'STORAGE', 'KAFKA', '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('n1', 'STORAGE', 'KAFKA', '{"": "x"}');
\echo :LAST_ERROR_SQLSTATE
-- numbers and booleans are accepted where their text is valid
SELECT connection.create('n_numbers', 'STORAGE', 'COS',
  '{"ACCESS_KEY": 123456789012345, "SECRET_KEY": true, "REGION": "r", "APP_ID": 1250000000}');
SELECT connection.credentials('n_numbers');
SELECT connection.drop('n_numbers');

-- =====================================================================
-- huge and strange values
-- =====================================================================
-- fails: 10 MB values, plain or secret (the message never echoes a secret)
SELECT connection.create('n1', 'STORAGE', 'OSS',
  jsonb_build_object('ACCESS_ID', 'a', 'ACCESS_KEY', repeat('s', 10 * 1024 * 1024), 'ENDPOINT', 'e'));
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('n1', 'STORAGE', 'OSS',
  jsonb_build_object('ACCESS_ID', 'a', 'ACCESS_KEY', 'b', 'ENDPOINT', repeat('e', 10 * 1024 * 1024)));
\echo :LAST_ERROR_SQLSTATE
-- a keytab may be larger than other values
SELECT connection.create('n_keytab', 'STORAGE', 'HDFS',
  jsonb_build_object('NAME_NODE', 'n', 'NAME_NODE_RPC_ADDRESSES', 'n:1',
                     'KERBEROS_PRINCIPAL', 'p@R', 'KERBEROS_KEYTAB', repeat('QUJD', 50000)));
SELECT length(connection.property('n_keytab', 'KERBEROS_KEYTAB'));
SELECT connection.drop('n_keytab');
-- fails: control characters in a plain value
SELECT connection.create('n1', 'STORAGE', 'OSS', '{"ACCESS_ID": "a", "ACCESS_KEY": "b", "ENDPOINT": "e\nx"}');
\echo :LAST_ERROR_SQLSTATE
-- secrets may hold any character, and SQL-looking text is just text
SELECT connection.create('n_odd', 'STORAGE', 'OSS',
  '{"ACCESS_ID": "a''; DROP TABLE x; --", "ACCESS_KEY": "tab\there\nnewline \u00e9 \"quoted\"", "ENDPOINT": "oss-cn-hangzhou.aliyuncs.com"}');
SELECT connection.credentials('n_odd');
SELECT connection.drop('n_odd');
-- fails: a huge unknown property name is cut in the message
SELECT connection.create('n1', 'STORAGE', 'KAFKA', jsonb_build_object(repeat('X', 100000), 'v'));
\echo :LAST_ERROR_SQLSTATE

-- =====================================================================
-- names
-- =====================================================================
-- 63 bytes is fine, 64 is not
SELECT connection.create(repeat('a', 63), 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
SELECT connection.drop(repeat('a', 63));
SELECT connection.create(repeat('a', 64), 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create(repeat('a', 100000), 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
\echo :LAST_ERROR_SQLSTATE
-- 21 three-byte characters are 63 bytes; 22 are too many
SELECT connection.create(repeat('名', 21), 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
SELECT connection.create(repeat('名', 22), 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.drop(repeat('名', 21));
-- non-ASCII letters are letters; ASCII letters fold to lower case
SELECT connection.create('Über_Conn$1', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
SELECT name FROM connection.show('%conn$1');
SELECT connection.drop('ÜBER_CONN$1');
-- fails: not identifiers
SELECT connection.create('', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('1abc', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('$abc', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('a-b', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('a b', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
\echo :LAST_ERROR_SQLSTATE
-- (a quoted identifier is a name spelled another way: its inside must be valid)
SELECT connection.create('"quoted name"', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('""', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('a.b', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM connection.desc('a;b');
\echo :LAST_ERROR_SQLSTATE
-- fails: unknown category or type, empty or huge
SELECT connection.create('n1', '', 'KAFKA', '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('n1', 'STORAGE', '', '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('n1', 'STORAGE', repeat('K', 1000), '{}');
\echo :LAST_ERROR_SQLSTATE

-- =====================================================================
-- a failure in a multi-call transaction leaves nothing behind
-- =====================================================================
BEGIN;
SELECT connection.create('n_half', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
SELECT connection.create('n_half2', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k"}');
COMMIT;
SELECT count(*) FROM connection.show('n_half%');

-- the catalog is exactly as it was before this file
SELECT count(*) AS changed_rows FROM (
  (SELECT id, name, last_modified_time, secrets FROM connection.pg_connection
   EXCEPT SELECT * FROM catalog_before)
  UNION ALL
  (SELECT * FROM catalog_before
   EXCEPT SELECT id, name, last_modified_time, secrets FROM connection.pg_connection)) d;
