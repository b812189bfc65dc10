--
-- dependencies: what uses a connection, and drop() refusing to orphan it
--
\set VERBOSITY default
SET ROLE regress_conn_super;

SELECT connection.create('dep_s3', 'STORAGE', 'S3',
  '{"ACCESS_KEY": "AKIADEPENDENCIES0001", "SECRET_KEY": "dep-secret", "REGION": "us-east-1"}');
SELECT connection.create('dep_other', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');

CREATE SCHEMA regress_dep;
CREATE TABLE regress_dep.events (id int, payload text);
CREATE VIEW regress_dep.recent AS SELECT * FROM regress_dep.events;
CREATE FUNCTION regress_dep.remote_fn(int) RETURNS int LANGUAGE sql AS $$ SELECT $1 $$;
CREATE TABLE regress_dep.kept (id int);

-- =====================================================================
-- registered dependencies
-- =====================================================================
SELECT connection.add_dependency('dep_s3', 'regress_dep.events'::regclass, 'external table of events');
SELECT connection.add_dependency('dep_s3', 'regress_dep.recent'::regclass);
SELECT connection.add_dependency('dep_s3', 'regress_dep.remote_fn(int)'::regprocedure, 'remote function');
SELECT connection.add_dependency('dep_s3', 'pg_namespace', 'regress_dep'::regnamespace, description => 'external schema');
SELECT connection.add_dependency('dep_s3', 'pg_class', 'regress_dep.kept'::regclass, 1, 'one column');
-- again: the description is updated, nothing doubles
SELECT connection.add_dependency('dep_s3', 'regress_dep.events'::regclass, 'external table of events (S3)');
SELECT * FROM connection.dependents('dep_s3') ORDER BY object;
SELECT info_value FROM connection.desc('dep_s3', true) WHERE info_name = 'dependent' ORDER BY 1;

-- fails: objects or connections that do not exist, wrong catalogs, NULLs
SELECT connection.add_dependency('nowhere', 'regress_dep.events'::regclass);
\echo :LAST_ERROR_SQLSTATE
SELECT connection.add_dependency('dep_s3', 'pg_class', 4294967295);
\echo :LAST_ERROR_SQLSTATE
SELECT connection.add_dependency('dep_s3', 'regress_dep.events', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT connection.add_dependency('dep_s3', NULL::regclass);
\echo :LAST_ERROR_SQLSTATE
SELECT connection.add_dependency('dep_s3', 'pg_class', 'regress_dep.events'::regclass, NULL);
\echo :LAST_ERROR_SQLSTATE
-- fails: only roles that may use the connection declare that they use it
SET ROLE regress_conn_outsider;
SELECT connection.add_dependency('dep_s3', 'pg_class', 'pg_class'::regclass);
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_conn_super;
-- fails: a role that may use the connection, but does not own the object,
-- neither records it nor removes its record (which keeps the connection's
-- name from being freed while the object uses it)
SELECT connection.grant_usage('dep_s3', 'regress_conn_grantee');
SELECT 'regress_dep.events'::regclass::oid AS events_oid \gset
SET ROLE regress_conn_grantee;
SELECT connection.add_dependency('dep_s3', 'pg_class', :events_oid);
\echo :LAST_ERROR_SQLSTATE
SELECT connection.remove_dependency('dep_s3', 'pg_class', :events_oid);
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_conn_super;
SELECT connection.revoke_usage('dep_s3', 'regress_conn_grantee');

-- =====================================================================
-- drop refuses, and force overrides
-- =====================================================================
SELECT connection.drop('dep_s3');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.drop('dep_s3', if_exists => true);
\echo :LAST_ERROR_SQLSTATE
-- fails: a rename while registered objects use the connection (by its
-- name: anyone could take the old name and receive what they send)
SELECT connection.alter('dep_s3', rename_to => 'dep_s3_renamed');
\echo :LAST_ERROR_SQLSTATE

-- remove_dependency undoes add_dependency
SELECT connection.remove_dependency('dep_s3', 'regress_dep.recent'::regclass);
SELECT connection.remove_dependency('dep_s3', 'regress_dep.remote_fn(int)'::regprocedure);
SELECT connection.remove_dependency('dep_s3', 'pg_namespace', 'regress_dep'::regnamespace);
-- fails: nothing recorded
SELECT connection.remove_dependency('dep_s3', 'regress_dep.recent'::regclass);
\echo :LAST_ERROR_SQLSTATE
SELECT kind, object FROM connection.dependents('dep_s3') ORDER BY object;

-- the first call a user types, without a cast: a relation, or a function
-- written with its argument types
SELECT connection.add_dependency('dep_s3', 'regress_dep.recent');
SELECT connection.add_dependency('dep_s3', 'regress_dep.remote_fn(int)', 'remote function');
SELECT kind, object, description FROM connection.dependents('dep_s3') ORDER BY object;
SELECT connection.remove_dependency('dep_s3', 'regress_dep.recent');
SELECT connection.remove_dependency('dep_s3', 'regress_dep.remote_fn(int)');
-- fails: no such relation, no such function
SELECT connection.add_dependency('dep_s3', 'regress_dep.nothing');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.add_dependency('dep_s3', 'regress_dep.nothing(int)');
\echo :LAST_ERROR_SQLSTATE
SELECT kind, object FROM connection.dependents('dep_s3') ORDER BY object;

-- =====================================================================
-- dropping the dependent, by any path, forgets the record
-- =====================================================================
ALTER TABLE regress_dep.kept DROP COLUMN id;
SELECT kind, object FROM connection.dependents('dep_s3') ORDER BY object;
SELECT connection.add_dependency('dep_s3', 'regress_dep.remote_fn(int)'::regprocedure);
DROP FUNCTION regress_dep.remote_fn(int);
SELECT connection.add_dependency('dep_s3', 'regress_dep.recent'::regclass);
DROP SCHEMA regress_dep CASCADE;
SELECT count(*) AS dependents_left FROM connection.dependents('dep_s3');
SELECT count(*) AS records_left FROM connection.pg_connection_depend
 WHERE refconnid = (SELECT id FROM connection.pg_connection WHERE name = 'dep_s3');

-- DROP OWNED drops a role's objects: their records go too
CREATE TABLE regress_owned_table (x int);
ALTER TABLE regress_owned_table OWNER TO regress_conn_grantee;
SELECT connection.add_dependency('dep_s3', 'regress_owned_table'::regclass);
DROP OWNED BY regress_conn_grantee;
SELECT count(*) FROM connection.dependents('dep_s3');

-- another extension's objects: DROP EXTENSION forgets them
CREATE EXTENSION postgres_fdw;
CREATE SERVER regress_pg_server FOREIGN DATA WRAPPER postgres_fdw;
SELECT connection.add_dependency('dep_s3', 'postgres_fdw_handler()'::regprocedure, 'handler');
SELECT connection.add_dependency('dep_s3', 'pg_foreign_server', (SELECT oid FROM pg_foreign_server WHERE srvname = 'regress_pg_server'));
SELECT kind, object FROM connection.dependents('dep_s3') ORDER BY object;
DROP EXTENSION postgres_fdw CASCADE;
SELECT count(*) FROM connection.dependents('dep_s3');

-- =====================================================================
-- OPTIONS (connection 'name') of foreign servers, tables, user mappings
-- =====================================================================
CREATE FOREIGN DATA WRAPPER regress_dummy_fdw;
CREATE SERVER regress_srv FOREIGN DATA WRAPPER regress_dummy_fdw OPTIONS (connection 'DEP_S3');
CREATE USER MAPPING FOR regress_conn_owner SERVER regress_srv OPTIONS (connection 'dep_other');
CREATE FOREIGN TABLE regress_ft (x int) SERVER regress_srv OPTIONS (connection 'dep_s3');
SELECT kind, object, description FROM connection.dependents('dep_s3') ORDER BY object;
SELECT kind, object, description FROM connection.dependents('dep_other') ORDER BY object;
-- fails: a missing connection, and nothing is created
CREATE SERVER regress_srv2 FOREIGN DATA WRAPPER regress_dummy_fdw OPTIONS (connection 'nowhere');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM pg_foreign_server WHERE srvname = 'regress_srv2';
ALTER FOREIGN TABLE regress_ft OPTIONS (SET connection 'nowhere');
\echo :LAST_ERROR_SQLSTATE
-- fails: the option must name a connection the role may use
SET ROLE regress_conn_super;
ALTER SERVER regress_srv OWNER TO regress_conn_outsider;
GRANT USAGE ON FOREIGN DATA WRAPPER regress_dummy_fdw TO regress_conn_outsider;
SET ROLE regress_conn_outsider;
ALTER SERVER regress_srv OPTIONS (SET connection 'dep_other');
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_conn_super;
ALTER SERVER regress_srv OWNER TO regress_conn_super;
-- ALTER ... OPTIONS moves and removes the record
ALTER SERVER regress_srv OPTIONS (SET connection 'dep_other');
ALTER FOREIGN TABLE regress_ft OPTIONS (DROP connection);
SELECT kind, object FROM connection.dependents('dep_s3') ORDER BY object;
SELECT kind, object FROM connection.dependents('dep_other') ORDER BY object;
ALTER FOREIGN TABLE regress_ft OPTIONS (ADD connection 'dep_s3');

-- fails: a rename while foreign objects name the connection in options
SELECT connection.alter('dep_other', rename_to => 'dep_renamed');
\echo :LAST_ERROR_SQLSTATE

-- fails: drop while they do; DROP SERVER ... CASCADE forgets them all
SELECT connection.drop('dep_other');
\echo :LAST_ERROR_SQLSTATE
DROP SERVER regress_srv CASCADE;
SELECT count(*) FROM connection.dependents('dep_other');
SELECT count(*) FROM connection.dependents('dep_s3');
DROP FOREIGN DATA WRAPPER regress_dummy_fdw;

-- =====================================================================
-- connections that reference connections
-- =====================================================================
SELECT connection.create('dep_hms', 'CATALOG', 'HMS',
  '{"HIVE_METASTORE_URIS": "hms:9083", "STORAGE_CONNECTION": "dep_s3"}');
SELECT connection.create('dep_role', 'STORAGE', 'S3',
  '{"ROLE_ARN": "arn:aws:iam::123456789012:role/r", "REGION": "us-east-1", "SOURCE_CONNECTION": "dep_s3"}');
SELECT kind, object, description FROM connection.dependents('dep_s3') ORDER BY object;
-- resync_dependencies() (what a restore runs) finds the same records again
SELECT connection.add_dependency('dep_s3', 'pg_class'::regclass, 'pg_class'::regclass::oid);
SELECT connection.resync_dependencies();
SELECT kind, object, description FROM connection.dependents('dep_s3') ORDER BY object;
SELECT connection.remove_dependency('dep_s3', 'pg_class'::regclass);
-- fails: superusers only
SET ROLE regress_conn_outsider;
SELECT connection.resync_dependencies();
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_conn_super;

-- fails: drop
SELECT connection.drop('dep_s3');
\echo :LAST_ERROR_SQLSTATE
-- fails: the referenced connection may not leave its category
SELECT connection.create('dep_s3', 'CATALOG', 'DATABRICKS',
  '{"HOST": "https://h.example.com", "CLIENT_ID": "i", "CLIENT_SECRET": "s", "ACCESS_REGION": "r"}', or_replace => true);
\echo :LAST_ERROR_SQLSTATE
-- a rename follows: the dependents now name the new name
SELECT connection.alter('dep_s3', rename_to => 'dep_s3_renamed');
SELECT connection.property('dep_hms', 'STORAGE_CONNECTION'), connection.property('dep_role', 'SOURCE_CONNECTION');
SELECT kind, object, description FROM connection.dependents('dep_s3_renamed') ORDER BY object;
-- pointing elsewhere moves the record
SELECT connection.create('dep_s3_b', 'STORAGE', 'S3',
  '{"ACCESS_KEY": "AKIADEPENDENCIES0002", "SECRET_KEY": "b", "REGION": "us-east-1"}');
SELECT connection.alter('dep_hms', set_properties => '{"STORAGE_CONNECTION": "dep_s3_b"}');
SELECT kind, object FROM connection.dependents('dep_s3_renamed') ORDER BY object;
SELECT kind, object FROM connection.dependents('dep_s3_b') ORDER BY object;
-- dropping the dependent connection forgets its records
SELECT connection.drop('dep_role');
SELECT count(*) FROM connection.dependents('dep_s3_renamed');

-- force: dropped with a warning that lists what is left behind; a
-- connection that named it is disabled and names it no more (so that it
-- never resolves to another connection created later with that name)
SELECT connection.drop('dep_s3_b', force => true);
SELECT * FROM stable_desc('dep_hms') WHERE info_name IN ('enabled', 'STORAGE_CONNECTION');
SELECT count(*) AS records_of_dropped FROM connection.pg_connection_depend d
 WHERE NOT EXISTS (SELECT 1 FROM connection.pg_connection c WHERE c.id = d.refconnid);

-- all-or-nothing: a refused drop changed nothing
BEGIN;
SELECT connection.add_dependency('dep_s3_renamed', 'pg_class', 'pg_class'::regclass);
SELECT connection.drop('dep_s3_renamed');
ROLLBACK;
SELECT count(*) FROM connection.dependents('dep_s3_renamed');

SELECT connection.drop('dep_hms');
SELECT connection.drop('dep_s3_renamed');
SELECT connection.drop('dep_other');
