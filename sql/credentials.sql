--
-- credentials and property: decrypted values, rights, state, binding
--
\set VERBOSITY default
SET ROLE regress_conn_super;

SELECT connection.credentials('s3_keys');
SELECT connection.credentials('kafka_sasl');
SELECT connection.credentials('hdfs_kerberos');
-- role-based connections assume their role through STS, signed by a source
-- connection (sql/sts.sql and test/t/009_sts.pl go further)
SELECT connection.credentials('lambda_aws');
\echo :LAST_ERROR_SQLSTATE
-- their settings stay readable one by one
SELECT connection.property('lambda_aws', 'ROLE_ARN');
SELECT connection.credentials('hms_catalog');
-- a catalog serves nothing while its storage connection is disabled
SELECT connection.alter('oss_keys', enabled => false);
SELECT connection.credentials('hms_catalog');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.property('hms_catalog', 'HIVE_METASTORE_URIS');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.alter('oss_keys', enabled => true);
SELECT connection.property('hms_catalog', 'HIVE_METASTORE_URIS');

-- property(): plain, identifier, secret, list, alias, unset
SELECT connection.property('s3_keys', 'REGION');
SELECT connection.property('s3_keys', 'access_key');
SELECT connection.property('s3_keys', 'SECRET_ACCESS_KEY');
SELECT connection.property('kafka_sasl', 'BOOTSTRAP_SERVERS');
SELECT connection.property('kafka_sasl', 'SASL_PASSWORD');
SELECT connection.property('oss_keys', 'ROLE_ARN') IS NULL AS unset_is_null;
-- fails: a property the type does not have
SELECT connection.property('s3_keys', 'ENDPOINTS');
\echo :LAST_ERROR_SQLSTATE
-- fails: no such connection
SELECT connection.credentials('nowhere');
\echo :LAST_ERROR_SQLSTATE

-- a disabled connection cannot be used
SELECT connection.alter('s3_keys', enabled => false);
SELECT connection.credentials('s3_keys');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.property('s3_keys', 'REGION');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.alter('s3_keys', enabled => true);

-- rights: owner and members of the owning role yes, others no
SELECT connection.create('owned_secret', 'STORAGE', 'KAFKA',
  '{"BOOTSTRAP_SERVERS": "k:1", "SECURITY_PROTOCOL": "SASL_SSL", "SASL_MECHANISM": "PLAIN",
    "SASL_USERNAME": "owned_user", "SASL_PASSWORD": "owned-pw"}');
SELECT connection.alter('owned_secret', owner => 'regress_conn_owner');
SET ROLE regress_conn_owner;
SELECT connection.property('owned_secret', 'SASL_PASSWORD');
SET ROLE regress_conn_super;
SET ROLE regress_conn_member;
SELECT connection.property('owned_secret', 'SASL_USERNAME');
SET ROLE regress_conn_super;
SET ROLE regress_conn_outsider;
-- fails: no right to the values, whatever the property
SELECT connection.credentials('owned_secret');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.property('owned_secret', 'BOOTSTRAP_SERVERS');
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_conn_super;

-- the cache follows changes made in the same session and transaction
SELECT connection.property('owned_secret', 'SASL_PASSWORD');
BEGIN;
SELECT connection.alter('owned_secret', set_properties => '{"SASL_PASSWORD": "in-xact"}');
SELECT connection.property('owned_secret', 'SASL_PASSWORD');
ROLLBACK;
SELECT connection.property('owned_secret', 'SASL_PASSWORD');

-- =====================================================================
-- ciphertext binding: a ciphertext copied to another row does not decrypt
-- =====================================================================
CREATE TEMP TABLE saved AS
  SELECT name, secrets, key_fingerprint FROM connection.pg_connection
   WHERE name IN ('owned_secret', 'kafka_sasl');
UPDATE connection.pg_connection c
   SET secrets = s.secrets, key_fingerprint = s.key_fingerprint
  FROM saved s
 WHERE c.name = 'owned_secret' AND s.name = 'kafka_sasl';
-- fails: the ciphertext belongs to kafka_sasl
SELECT connection.credentials('owned_secret');
\echo :LAST_ERROR_SQLSTATE
-- fails: a corrupted ciphertext is an error, never garbage
UPDATE connection.pg_connection
   SET secrets = overlay(secrets placing '\xdeadbeef'::bytea from 40)
 WHERE name = 'owned_secret';
SELECT connection.credentials('owned_secret');
\echo :LAST_ERROR_SQLSTATE
-- fails: a fingerprint of a key we do not have
UPDATE connection.pg_connection
   SET key_fingerprint = '0000000000000000'
 WHERE name = 'owned_secret';
SELECT connection.credentials('owned_secret');
\echo :LAST_ERROR_SQLSTATE
-- put it back
UPDATE connection.pg_connection c
   SET secrets = s.secrets, key_fingerprint = s.key_fingerprint
  FROM saved s
 WHERE c.name = 'owned_secret' AND s.name = 'owned_secret';
SELECT connection.property('owned_secret', 'SASL_PASSWORD');

-- the catalog holds ciphertext only
SELECT count(*) AS plaintext_rows
  FROM connection.pg_connection
 WHERE position('owned-pw'::bytea IN coalesce(secrets, '')) > 0
    OR plain_properties::text LIKE '%owned%' OR masks::text LIKE '%owned_user%';

-- every row is under the current key, in format 2: nothing to rotate
SELECT connection.rotate_key();
SELECT DISTINCT get_byte(secrets, 0) AS format FROM connection.pg_connection
 WHERE secrets IS NOT NULL;

-- a connection as version 1.0 wrote it (format 1: a pgcrypto PGP message
-- of "connection/1", its id, then names and values, NUL-separated, under
-- the key's hex as password) is read, and rotate_key() rewrites it in
-- format 2 under the same key
SELECT connection.create('format_one', 'STORAGE', 'S3',
  '{"ACCESS_KEY": "AKIAFORMATONE0000001", "SECRET_KEY": "format-one-secret", "REGION": "r"}');
UPDATE connection.pg_connection
   SET secrets = pgp_sym_encrypt_bytea(
         convert_to('connection/1', 'UTF8') || '\x00'::bytea
           || convert_to(id::text, 'UTF8') || '\x00'::bytea
           || convert_to('ACCESS_KEY', 'UTF8') || '\x00'::bytea
           || convert_to('AKIAFORMATONE0000001', 'UTF8') || '\x00'::bytea
           || convert_to('SECRET_KEY', 'UTF8') || '\x00'::bytea
           || convert_to('format-one-secret', 'UTF8') || '\x00'::bytea,
         lower(split_part(pg_read_file(current_setting('connection.key_file')), E'\n', 1)),
         'cipher-algo=aes256, s2k-mode=1, s2k-digest-algo=sha256, compress-algo=0')
 WHERE name = 'format_one';
SELECT get_byte(secrets, 0) <> 2 AS format_one FROM connection.pg_connection WHERE name = 'format_one';
SELECT connection.credentials('format_one');
SELECT connection.rotate_key();
SELECT get_byte(secrets, 0) AS format FROM connection.pg_connection WHERE name = 'format_one';
SELECT connection.credentials('format_one');
-- a format-2 ciphertext whose tag does not match: refused, nothing decrypted
UPDATE connection.pg_connection
   SET secrets = set_byte(secrets, length(secrets) - 1, get_byte(secrets, length(secrets) - 1) # 1)
 WHERE name = 'format_one';
SELECT connection.credentials('format_one');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.drop('format_one');
-- fails: only superusers rotate keys
SET ROLE regress_conn_owner;
SELECT connection.rotate_key();
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_conn_super;
SELECT connection.drop('owned_secret');

-- the key status: one loaded, current key that encrypts what has secrets;
-- a fingerprint no key has is reported with its connections, their names
-- for superusers only (the catalog is written here as a restore would)
SELECT loaded, current, connections = (SELECT count(*) FROM connection.pg_connection WHERE secrets IS NOT NULL) AS all_counted
  FROM connection.key_status() WHERE loaded;
SELECT connection.create('ks_s3', 'STORAGE', 'S3',
  '{"ACCESS_KEY": "AKIAKEYSTATUS0000001", "SECRET_KEY": "ks", "REGION": "us-east-1"}');
UPDATE connection.pg_connection SET key_fingerprint = '00000000deadbeef' WHERE name = 'ks_s3';
SELECT fingerprint, loaded, current, connections, undecryptable FROM connection.key_status() WHERE NOT loaded;
SET ROLE regress_conn_owner;
SELECT fingerprint, loaded, connections, undecryptable FROM connection.key_status() WHERE NOT loaded;
SET ROLE regress_conn_super;
SELECT connection.drop('ks_s3');
