--
-- alter: properties, state, comment, name, owner
--
\set VERBOSITY default
SET ROLE regress_conn_super;

CREATE TEMP TABLE t0 AS
  SELECT name, created_time, last_modified_time FROM connection.connections;

-- set and unset properties; the merged set is validated like create's
SELECT connection.alter('oss_keys', set_properties => '{"endpoint": "oss-cn-hangzhou.aliyuncs.com", "region": "cn-hangzhou"}');
SELECT * FROM stable_desc('oss_keys');
SELECT connection.alter('oss_keys', unset_properties => ARRAY['Region']);
SELECT connection.property('oss_keys', 'REGION');
-- secrets can be replaced alone; the others are kept
SELECT connection.alter('oss_keys', set_properties => '{"ACCESS_KEY": "oss-secret-2"}');
SELECT connection.credentials('oss_keys');

-- last_modified_time moves, created_time does not
SELECT c.created_time = t0.created_time AS same_created,
       c.last_modified_time > t0.last_modified_time AS modified_later
  FROM connection.connections c JOIN t0 USING (name) WHERE name = 'oss_keys';

-- keys -> role: the keys go, an EXTERNAL_ID appears
SELECT connection.alter('cos_keys',
  set_properties => '{"ROLE_ARN": "qcs::cam::uin/100000000001:roleName/reader"}',
  unset_properties => ARRAY['ACCESS_KEY', 'SECRET_KEY']);
SELECT * FROM stable_desc('cos_keys', true);
-- role -> keys: the EXTERNAL_ID and the ciphertext's absence follow
SELECT connection.alter('cos_keys',
  set_properties => '{"ACCESS_KEY": "AKIDcosAgain0000001", "SECRET_KEY": "cos-secret-2"}',
  unset_properties => ARRAY['ROLE_ARN']);
SELECT * FROM stable_desc('cos_keys', true);

-- fails: the merged set must still be valid
SELECT connection.alter('oss_keys', unset_properties => ARRAY['ENDPOINT']);
\echo :LAST_ERROR_SQLSTATE
SELECT connection.alter('oss_keys', set_properties => '{"ROLE_ARN": "acs:ram::1:role/r", "REGION": "cn-hangzhou"}');
\echo :LAST_ERROR_SQLSTATE
-- fails: unset a property that is not set
SELECT connection.alter('oss_keys', unset_properties => ARRAY['REGION']);
\echo :LAST_ERROR_SQLSTATE
-- fails: unset a property the type does not have
SELECT connection.alter('oss_keys', unset_properties => ARRAY['APP_ID']);
\echo :LAST_ERROR_SQLSTATE
-- fails: set and unset one property
SELECT connection.alter('oss_keys', set_properties => '{"ENDPOINT": "e"}', unset_properties => ARRAY['endpoint']);
\echo :LAST_ERROR_SQLSTATE
-- fails: EXTERNAL_ID is neither set nor unset by hand
SELECT connection.alter('oss_role', unset_properties => ARRAY['EXTERNAL_ID']);
\echo :LAST_ERROR_SQLSTATE
SELECT connection.alter('oss_role', set_properties => '{"EXTERNAL_ID": "x"}');
\echo :LAST_ERROR_SQLSTATE
-- fails: NULL in the list
SELECT connection.alter('oss_keys', unset_properties => ARRAY[NULL]::text[]);
\echo :LAST_ERROR_SQLSTATE
-- fails: no such connection
SELECT connection.alter('nowhere', enabled => false);
\echo :LAST_ERROR_SQLSTATE
-- a failed alter changed nothing
SELECT connection.credentials('oss_keys');

-- enabled and comment ('' removes it)
SELECT connection.alter('hms_catalog', enabled => false, comment => 'paused');
SELECT name, enabled, comment FROM connection.connections WHERE name = 'hms_catalog';
SELECT connection.alter('hms_catalog', enabled => true, comment => '');
SELECT name, enabled, comment FROM connection.connections WHERE name = 'hms_catalog';

-- nothing to change: nothing changes
CREATE TEMP TABLE t1 AS SELECT last_modified_time FROM connection.connections WHERE name = 'iceberg';
SELECT connection.alter('iceberg');
SELECT c.last_modified_time = t1.last_modified_time AS unchanged
  FROM connection.connections c, t1 WHERE c.name = 'iceberg';

-- rename keeps identity and secrets (they are bound to the id, not the name)
SELECT id AS unity_id FROM connection.pg_connection WHERE name = 'unity' \gset
SELECT connection.alter('unity', rename_to => 'Unity_Catalog');
SELECT name, id = :unity_id AS same_id FROM connection.pg_connection WHERE name LIKE 'unity%';
SELECT connection.property('unity_catalog', 'CLIENT_SECRET');
-- fails: rename onto an existing name, or to an invalid one
SELECT connection.alter('unity_catalog', rename_to => 'ICEBERG');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.alter('unity_catalog', rename_to => '9lives');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.alter('unity_catalog', rename_to => 'unity');

-- owner: to a role (superuser), then the owner acts alone
SELECT connection.alter('kafka_plain', owner => 'regress_conn_owner');
SELECT name, owner, creator FROM connection.connections WHERE name = 'kafka_plain';
SET ROLE regress_conn_owner;
SELECT connection.alter('kafka_plain', comment => 'mine now');
-- fails: only to a role the owner belongs to
SELECT connection.alter('kafka_plain', owner => 'regress_conn_outsider');
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_conn_super;
-- a member of the owning role may alter
SET ROLE regress_conn_member;
SELECT connection.alter('kafka_plain', comment => 'a member was here');
SET ROLE regress_conn_super;
-- fails: an outsider may not alter
SET ROLE regress_conn_outsider;
SELECT connection.alter('kafka_plain', enabled => false);
\echo :LAST_ERROR_SQLSTATE
SELECT connection.alter('oss_keys', set_properties => '{"ACCESS_KEY": "stolen"}');
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_conn_super;
SELECT name, enabled, owner, comment FROM connection.connections WHERE name = 'kafka_plain';
-- fails: no such role
SELECT connection.alter('kafka_plain', owner => 'regress_nobody');
\echo :LAST_ERROR_SQLSTATE

-- a rolled-back alter leaves the old values
BEGIN;
SELECT connection.alter('kafka_sasl', set_properties => '{"SASL_PASSWORD": "new-pw"}');
SELECT connection.property('kafka_sasl', 'SASL_PASSWORD');
ROLLBACK;
SELECT connection.property('kafka_sasl', 'SASL_PASSWORD');
