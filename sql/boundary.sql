--
-- boundary: no role gets past the rules -- not through the catalog tables
-- and the view (whatever its predefined roles), not by naming connections
-- it may not use, not through a forced drop, not through the instance's
-- source connection; and the backend cache stays within its memory bound
--
\set VERBOSITY default
SET ROLE regress_conn_super;

CREATE ROLE regress_conn_reader IN ROLE pg_read_all_data;
CREATE ROLE regress_conn_writer IN ROLE pg_write_all_data, pg_read_all_data;

SET ROLE regress_conn_owner;
SELECT connection.create('bnd_s3', 'STORAGE', 'S3',
  '{"ACCESS_KEY": "AKIABOUNDARY00000001", "SECRET_KEY": "boundary-secret-1", "REGION": "us-east-1"}');
SELECT connection.grant_usage('bnd_s3', 'regress_conn_grantee');

-- =====================================================================
-- the catalog: row level security with no policy
-- =====================================================================
SET ROLE regress_conn_reader;
-- pg_read_all_data passes the privilege check, and sees no row
SELECT count(*) FROM connection.pg_connection;
SELECT count(*) FROM connection.pg_connection_depend;
SELECT count(*) FROM connection.pg_connection_reserved;
-- the view is for everyone, and holds no property
SELECT name, owner FROM connection.connections WHERE name = 'bnd_s3';

SET ROLE regress_conn_writer;
-- pg_write_all_data changes nothing
UPDATE connection.pg_connection SET owner = 'regress_conn_writer'::regrole WHERE name = 'bnd_s3';
UPDATE connection.pg_connection SET acl = NULL;
DELETE FROM connection.pg_connection;
DELETE FROM connection.pg_connection_depend;
-- fails: and cannot add a row
INSERT INTO connection.pg_connection
  VALUES (1, 'bnd_fake', 'STORAGE', 'S3', true, 'regress_conn_writer'::regrole, 'x', now(), now(),
          NULL, NULL, '{"REGION": "us-east-1"}', '{}', NULL, NULL);
\echo :LAST_ERROR_SQLSTATE
-- fails: nor load rows with COPY
COPY connection.pg_connection FROM stdin;
\.
\echo :LAST_ERROR_SQLSTATE
-- fails: the view cannot be written through
UPDATE connection.connections SET name = 'bnd_renamed' WHERE name = 'bnd_s3';
\echo :LAST_ERROR_SQLSTATE
DELETE FROM connection.connections WHERE name = 'bnd_s3';
\echo :LAST_ERROR_SQLSTATE
-- fails: nor the catalog locked in a mode that holds its owners up
BEGIN;
LOCK TABLE connection.pg_connection IN ACCESS EXCLUSIVE MODE;
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
LOCK TABLE connection.connections IN EXCLUSIVE MODE;
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
-- fails: nor through a view, nor VACUUM FULL (refused before waiting: a
-- waiting lock request would hold everybody else up behind it)
SET ROLE regress_conn_super;
CREATE SCHEMA bnd_w AUTHORIZATION regress_conn_writer;
SET ROLE regress_conn_writer;
CREATE VIEW bnd_w.v AS SELECT name FROM connection.connections;
BEGIN;
LOCK TABLE bnd_w.v IN SHARE MODE;
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
VACUUM FULL connection.pg_connection;
\echo :LAST_ERROR_SQLSTATE
VACUUM FULL;
\echo :LAST_ERROR_SQLSTATE
-- (a mode that blocks nobody is PostgreSQL's own business)
BEGIN;
LOCK TABLE connection.pg_connection IN ROW EXCLUSIVE MODE;
ROLLBACK;
-- the secret is still out of reach, and the connection unchanged
SELECT connection.property('bnd_s3', 'SECRET_KEY');
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_conn_grantee;
SELECT connection.property('bnd_s3', 'SECRET_KEY');
SELECT name, owner FROM connection.connections WHERE name = 'bnd_s3';

-- the privileges of the extension's objects are the scripts' own
SET ROLE regress_conn_super;
CREATE FUNCTION acl_text(acl aclitem[], owner oid) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(CASE WHEN a.grantee = owner THEN 'owner' WHEN a.grantee = 0 THEN 'PUBLIC'
                         ELSE a.grantee::regrole::text END || ':' || a.privilege_type, ', ')
    FROM aclexplode(acl) AS a $$;
SELECT c.relname, acl_text(c.relacl, c.relowner) AS acl, c.relrowsecurity, c.relforcerowsecurity
  FROM pg_class c WHERE c.relnamespace = 'connection'::regnamespace AND c.relkind IN ('r', 'v', 'S')
 ORDER BY 1;
SELECT acl_text(nspacl, nspowner) AS acl FROM pg_namespace WHERE nspname = 'connection';
-- functions: EXECUTE for PUBLIC but on the internal ones
SELECT p.oid::regprocedure AS internal_function FROM pg_proc p
 WHERE p.pronamespace = 'connection'::regnamespace
   AND NOT has_function_privilege('regress_conn_outsider', p.oid, 'EXECUTE')
 ORDER BY 1;
DROP FUNCTION acl_text(aclitem[], oid);
-- connection ids are random, not from a sequence
SELECT count(*) AS sequences FROM pg_class
 WHERE relnamespace = 'connection'::regnamespace AND relkind = 'S';
SELECT count(*) AS ids_below_2_32 FROM connection.pg_connection WHERE id < 4294967296;

-- =====================================================================
-- naming a connection takes USAGE on it
-- =====================================================================
SET ROLE regress_conn_outsider;
-- fails: an outsider cannot pin bnd_s3 with a STORAGE_CONNECTION ...
SELECT connection.create('bnd_hms_out', 'CATALOG', 'HMS',
  '{"HIVE_METASTORE_URIS": "h:9083", "STORAGE_CONNECTION": "bnd_s3"}');
\echo :LAST_ERROR_SQLSTATE
-- ... nor borrow its keys with a SOURCE_CONNECTION
SELECT connection.create('bnd_role_out', 'STORAGE', 'S3',
  '{"ROLE_ARN": "arn:aws:iam::123456789012:role/r", "REGION": "us-east-1",
    "SOURCE_CONNECTION": "bnd_s3"}');
\echo :LAST_ERROR_SQLSTATE
-- ... nor through the original dialect
SELECT connection.execute($$CREATE CATALOG CONNECTION bnd_hms_out TYPE hms
  HIVE_METASTORE_URIS = ['h:9083'] STORAGE_CONNECTION = 'bnd_s3'$$);
\echo :LAST_ERROR_SQLSTATE
-- ... nor by pointing a connection of its own there later
SELECT connection.create('bnd_s3_out', 'STORAGE', 'S3',
  '{"ACCESS_KEY": "AKIAOUTSIDER00000001", "SECRET_KEY": "x", "REGION": "us-east-1"}');
SELECT connection.create('bnd_hms_out', 'CATALOG', 'HMS',
  '{"HIVE_METASTORE_URIS": "h:9083", "STORAGE_CONNECTION": "bnd_s3_out"}');
SELECT connection.alter('bnd_hms_out', set_properties => '{"STORAGE_CONNECTION": "bnd_s3"}');
\echo :LAST_ERROR_SQLSTATE
-- ... nor with a foreign server's OPTIONS, whatever check_function_bodies
-- says, nor a foreign table's, however they are altered
SET ROLE regress_conn_super;
CREATE FOREIGN DATA WRAPPER bnd_fdw;
GRANT USAGE ON FOREIGN DATA WRAPPER bnd_fdw TO regress_conn_outsider, regress_conn_grantee;
SET ROLE regress_conn_outsider;
CREATE SERVER bnd_srv_out FOREIGN DATA WRAPPER bnd_fdw OPTIONS (connection 'bnd_s3');
\echo :LAST_ERROR_SQLSTATE
SET check_function_bodies = off;
CREATE SERVER bnd_srv_out FOREIGN DATA WRAPPER bnd_fdw OPTIONS (connection 'bnd_s3');
\echo :LAST_ERROR_SQLSTATE
RESET check_function_bodies;
SET ROLE regress_conn_super;
CREATE SCHEMA bnd_out AUTHORIZATION regress_conn_outsider;
SET ROLE regress_conn_outsider;
CREATE SERVER bnd_srv_own FOREIGN DATA WRAPPER bnd_fdw;
CREATE FOREIGN TABLE bnd_out.ft (x int) SERVER bnd_srv_own;
ALTER FOREIGN TABLE bnd_out.ft OPTIONS (ADD connection 'bnd_s3');
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE bnd_out.ft OPTIONS (ADD connection 'bnd_s3');
\echo :LAST_ERROR_SQLSTATE
DROP FOREIGN TABLE bnd_out.ft;
DROP SERVER bnd_srv_own;
-- a role with USAGE may; an unchanged reference needs nothing new
SET ROLE regress_conn_grantee;
SELECT connection.create('bnd_hms', 'CATALOG', 'HMS',
  '{"HIVE_METASTORE_URIS": "h:9083", "STORAGE_CONNECTION": "bnd_s3"}');
CREATE SERVER bnd_srv FOREIGN DATA WRAPPER bnd_fdw OPTIONS (connection 'bnd_s3');
SET ROLE regress_conn_owner;
SELECT connection.revoke_usage('bnd_s3', 'regress_conn_grantee');
SET ROLE regress_conn_grantee;
SELECT connection.alter('bnd_hms', comment => 'still pointing at bnd_s3',
                        set_properties => '{"HIVE_METASTORE_URIS": "h2:9083"}');
SELECT kind, object, description FROM connection.dependents('bnd_s3') ORDER BY object;

-- =====================================================================
-- a forced drop leaves no dependent that resolves to a newcomer
-- =====================================================================
SET ROLE regress_conn_owner;
SELECT connection.drop('bnd_s3', force => true);
-- the connection that named it: disabled, the reference cleared
SELECT * FROM stable_desc('bnd_hms') WHERE info_name IN ('enabled', 'STORAGE_CONNECTION');
-- the name is reserved for its owner while the server names it
SET ROLE regress_conn_super;
SELECT name, owner::regrole FROM connection.pg_connection_reserved;
SET ROLE regress_conn_outsider;
-- fails: the outsider cannot take the name, by create, replace, rename or dialect
SELECT connection.create('bnd_s3', 'STORAGE', 'S3',
  '{"ACCESS_KEY": "AKIAOUTSIDER00000002", "SECRET_KEY": "y", "REGION": "us-east-1"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('bnd_s3', 'STORAGE', 'S3',
  '{"ACCESS_KEY": "AKIAOUTSIDER00000002", "SECRET_KEY": "y", "REGION": "us-east-1"}',
  or_replace => true);
\echo :LAST_ERROR_SQLSTATE
SELECT connection.alter('bnd_s3_out', rename_to => 'bnd_s3');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.execute($$CREATE STORAGE CONNECTION bnd_s3 TYPE s3
  access_key = 'AKIAOUTSIDER00000003' secret_key = 'z' region = 'us-east-1'$$);
\echo :LAST_ERROR_SQLSTATE
-- fails: the disabled connection stays disabled until it names one again
SET ROLE regress_conn_grantee;
SELECT connection.alter('bnd_hms', enabled => true);
\echo :LAST_ERROR_SQLSTATE
-- the owner may take the name back: the server depends on the new one
SET ROLE regress_conn_owner;
SELECT connection.create('bnd_s3', 'STORAGE', 'S3',
  '{"ACCESS_KEY": "AKIABOUNDARY00000002", "SECRET_KEY": "boundary-secret-2", "REGION": "us-east-1"}');
SELECT kind, object, description FROM connection.dependents('bnd_s3') ORDER BY object;
SET ROLE regress_conn_super;
SELECT count(*) AS reservations FROM connection.pg_connection_reserved;
-- once no object names it, the reservation goes by itself
SET ROLE regress_conn_owner;
SELECT connection.drop('bnd_s3', force => true);
SET ROLE regress_conn_grantee;
DROP SERVER bnd_srv;
SET ROLE regress_conn_super;
SELECT count(*) AS reservations FROM connection.pg_connection_reserved;
SET ROLE regress_conn_outsider;
SELECT connection.alter('bnd_s3_out', rename_to => 'bnd_s3');
-- and the disabled connection names what its owner chooses, again enabled
SET ROLE regress_conn_super;
SELECT connection.create('bnd_s3_mine', 'STORAGE', 'S3',
  '{"ACCESS_KEY": "AKIABOUNDARY00000003", "SECRET_KEY": "s", "REGION": "us-east-1"}');
SELECT connection.grant_usage('bnd_s3_mine', 'regress_conn_grantee');
SET ROLE regress_conn_grantee;
SELECT connection.alter('bnd_hms', enabled => true,
                        set_properties => '{"STORAGE_CONNECTION": "bnd_s3_mine"}');
SELECT * FROM stable_desc('bnd_hms') WHERE info_name IN ('enabled', 'STORAGE_CONNECTION');

-- =====================================================================
-- the instance's identity is lent like any other connection
-- =====================================================================
SET ROLE regress_conn_super;
SELECT connection.create('bnd_instance', 'STORAGE', 'S3',
  '{"ACCESS_KEY": "AKIAINSTANCE00000001", "SECRET_KEY": "instance-secret", "REGION": "us-east-1"}');
SET connection.sts_source_connection = 'bnd_instance';
SET ROLE regress_conn_outsider;
SELECT connection.create('bnd_role', 'STORAGE', 'S3',
  '{"ROLE_ARN": "arn:aws:iam::123456789012:role/anything", "REGION": "us-east-1"}');
-- fails: the role's owner may not use the instance's keys
SELECT connection.credentials('bnd_role');
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_conn_super;
RESET connection.sts_source_connection;

-- =====================================================================
-- an outsider's IF NOT EXISTS takes no lock on the owner's name
-- (test/isolation/specs/outsider_locks.spec shows the owner not waiting)
-- =====================================================================
SET ROLE regress_conn_outsider;
BEGIN;
SELECT connection.create('bnd_instance', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}',
                         if_not_exists => true);
SELECT count(*) AS name_locks FROM pg_locks
 WHERE pid = pg_backend_pid() AND locktype IN ('object', 'advisory');
ROLLBACK;
-- ... and a role that creates many connections in one transaction locks
-- their names, not the whole catalog (that would hold up every owner)
BEGIN;
SELECT count(connection.create('bnd_many_' || i, 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}'))
  FROM generate_series(1, 1001) AS i;
SELECT mode FROM pg_locks
 WHERE pid = pg_backend_pid() AND relation = 'connection.pg_connection'::regclass
 ORDER BY 1;
ROLLBACK;

-- =====================================================================
-- the backend cache is bounded in bytes (connection.cache_memory)
-- =====================================================================
SET ROLE regress_conn_super;
SELECT connection.create('bnd_big_' || i, 'STORAGE', 'HDFS',
  jsonb_build_object('NAME_NODE', 'hdfs://ns', 'NAME_NODE_RPC_ADDRESSES', 'nn:8020',
                     'KERBEROS_PRINCIPAL', 'hdfs/nn@EXAMPLE.COM',
                     'KERBEROS_KEYTAB', encode(convert_to(repeat('k', 600000), 'UTF8'), 'base64')))
  FROM generate_series(1, 8) AS i;
SET connection.cache_memory = '2MB';
SELECT count(*) FROM (SELECT connection.credentials('bnd_big_' || i)
                        FROM generate_series(1, 8) AS i, generate_series(1, 3)) AS calls;
-- at most the bound plus one entry (one keytab, decrypted, is about 1.6 MB)
SELECT sum(total_bytes) < 4 * 1024 * 1024 AS bounded
  FROM pg_backend_memory_contexts WHERE name = 'connection cache';
RESET connection.cache_memory;
SELECT connection.drop('bnd_big_' || i) FROM generate_series(1, 8) AS i;

-- =====================================================================
-- the log hook's work is bounded, whatever a role writes (second review)
-- =====================================================================
SET ROLE regress_conn_outsider;
-- 50,000 adjacent U&'' in a report: once a recursion per token (SIGSEGV)
DO $$BEGIN RAISE WARNING 'length %', length(repeat('U&'''' ', 50000)); END$$;
DO $$BEGIN RAISE NOTICE '%', left(repeat('U&'''' ', 50000), 20); END$$;
-- and in a statement's own text (psql makes it; not echoed here)
\set ECHO none
SELECT format('SELECT length(%L) AS survived', repeat('U&'''' ', 50000)) \gexec
-- 50,000 constants with one prefix in a statement that passes secrets:
-- once quadratic, uncancellable
SELECT format('SELECT cardinality(ARRAY[%s]) WHERE false AND connection.execute(%L) IS NULL',
              string_agg(quote_literal('aaaa' || g), ','), 'x')
  FROM generate_series(1, 50000) AS g \gexec
\set ECHO all
-- LOCK of a view (its OLD and NEW entries name itself): once exponential
SET ROLE regress_conn_super;
CREATE SCHEMA bnd_lock AUTHORIZATION regress_conn_outsider;
SET ROLE regress_conn_outsider;
CREATE VIEW bnd_lock.simple AS SELECT 1 AS x;
CREATE VIEW bnd_lock.layered AS SELECT s.x FROM bnd_lock.simple s, bnd_lock.simple t, bnd_lock.simple u;
BEGIN;
LOCK bnd_lock.simple IN SHARE UPDATE EXCLUSIVE MODE;
LOCK bnd_lock.layered IN ACCESS EXCLUSIVE MODE;
ROLLBACK;

SET ROLE regress_conn_super;
DROP SCHEMA bnd_lock CASCADE;
SELECT connection.drop(name) FROM connection.show('bnd%') AS s;
DROP FOREIGN DATA WRAPPER bnd_fdw CASCADE;
DROP SCHEMA bnd_w, bnd_out CASCADE;
DROP ROLE regress_conn_reader, regress_conn_writer;
