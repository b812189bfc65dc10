--
-- privileges: ownership, USAGE grants, PUBLIC, and attempts to get around them
--
\set VERBOSITY default
SET ROLE regress_conn_super;

-- every role below, and whether it may use priv_conn
CREATE VIEW usage_matrix AS
  SELECT r AS role, connection.has_usage('priv_conn', r::regrole) AS has_usage
    FROM unnest(ARRAY['regress_conn_owner', 'regress_conn_member', 'regress_conn_grantee',
                      'regress_conn_outsider', 'regress_conn_super']) AS r;
GRANT SELECT ON usage_matrix TO PUBLIC;
CREATE VIEW grants AS
  SELECT info_value AS usage FROM connection.desc('priv_conn', true) WHERE info_name = 'usage';
GRANT SELECT ON grants TO PUBLIC;

SET ROLE regress_conn_owner;
SELECT connection.create('priv_conn', 'STORAGE', 'S3',
  '{"ACCESS_KEY": "AKIAPRIVILEGES000001", "SECRET_KEY": "priv-secret-value", "REGION": "us-east-1"}');

-- =====================================================================
-- by default: the owner, members of the owning role, superusers
-- =====================================================================
SELECT * FROM usage_matrix;
SELECT * FROM grants;
SELECT connection.has_usage('priv_conn');

-- =====================================================================
-- USAGE to one role
-- =====================================================================
SELECT connection.grant_usage('priv_conn', 'regress_conn_grantee');
-- granting twice changes nothing
SELECT connection.grant_usage('priv_conn', 'regress_conn_grantee'::regrole);
SELECT * FROM grants;
SELECT * FROM usage_matrix;

SET ROLE regress_conn_grantee;
SELECT connection.has_usage('priv_conn');
SELECT connection.property('priv_conn', 'SECRET_KEY');
SELECT connection.credentials('priv_conn') ->> 'ACCESS_KEY' AS access_key;
-- fails: USAGE is not ownership
SELECT connection.alter('priv_conn', comment => 'mine');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.drop('priv_conn');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.grant_usage('priv_conn', 'regress_conn_outsider');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.revoke_usage('priv_conn', 'regress_conn_grantee');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('priv_conn', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}', or_replace => true);
\echo :LAST_ERROR_SQLSTATE

-- a disabled connection: still no use, even with USAGE
SET ROLE regress_conn_owner;
SELECT connection.alter('priv_conn', enabled => false);
SET ROLE regress_conn_grantee;
SELECT connection.property('priv_conn', 'SECRET_KEY');
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_conn_owner;
SELECT connection.alter('priv_conn', enabled => true);

-- =====================================================================
-- outsiders
-- =====================================================================
SET ROLE regress_conn_outsider;
SELECT connection.has_usage('priv_conn');
-- fails: no USAGE
SELECT connection.credentials('priv_conn');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.property('priv_conn', 'REGION');
\echo :LAST_ERROR_SQLSTATE
-- metadata is for everyone, and shows nothing secret
SELECT * FROM stable_desc('priv_conn');
SELECT name, owner, creator FROM connection.connections WHERE name = 'priv_conn';

-- =====================================================================
-- PUBLIC
-- =====================================================================
SET ROLE regress_conn_owner;
SELECT connection.grant_usage('priv_conn', 'public');
SELECT * FROM grants;
SET ROLE regress_conn_outsider;
SELECT connection.property('priv_conn', 'SECRET_KEY');
SET ROLE regress_conn_owner;
SELECT connection.revoke_usage('priv_conn', 'PUBLIC');
SET ROLE regress_conn_outsider;
SELECT connection.property('priv_conn', 'SECRET_KEY');
\echo :LAST_ERROR_SQLSTATE
-- as a regrole, '-' stands for PUBLIC
SET ROLE regress_conn_owner;
SELECT connection.grant_usage('priv_conn', '-'::regrole);
SELECT * FROM grants;
SELECT connection.revoke_usage('priv_conn', '-'::regrole);
SELECT * FROM grants;

-- =====================================================================
-- members of the owning role manage; grants survive ownership changes
-- =====================================================================
SET ROLE regress_conn_member;
SELECT connection.grant_usage('priv_conn', 'regress_conn_outsider');
SELECT * FROM grants;
SELECT connection.revoke_usage('priv_conn', 'regress_conn_outsider');
-- revoking what was never granted is a no-op
SELECT connection.revoke_usage('priv_conn', 'regress_conn_outsider');
SET ROLE regress_conn_super;
SELECT connection.alter('priv_conn', owner => 'regress_conn_outsider');
SELECT * FROM grants;
SELECT * FROM usage_matrix;
SELECT connection.alter('priv_conn', owner => 'regress_conn_owner');
SELECT * FROM grants;
-- the owner keeps its rights even if it revokes its own USAGE
SET ROLE regress_conn_owner;
SELECT connection.revoke_usage('priv_conn', 'regress_conn_owner');
SELECT * FROM grants;
SELECT connection.has_usage('priv_conn');
SELECT connection.grant_usage('priv_conn', 'regress_conn_owner');

-- fails: no such role, no such connection, NULLs
SELECT connection.grant_usage('priv_conn', 'regress_nobody');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.grant_usage('nowhere', 'regress_conn_grantee');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.grant_usage('priv_conn', NULL::regrole);
\echo :LAST_ERROR_SQLSTATE
SELECT connection.has_usage('priv_conn', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT connection.has_usage('nowhere');
\echo :LAST_ERROR_SQLSTATE

-- =====================================================================
-- attempts to get around the checks
-- =====================================================================
SET ROLE regress_conn_outsider;
-- fails: the catalog table and the internal trigger function
SELECT secrets FROM connection.pg_connection;
\echo :LAST_ERROR_SQLSTATE
UPDATE connection.pg_connection SET owner = 0;
\echo :LAST_ERROR_SQLSTATE
SELECT connection.catalog_changed();
\echo :LAST_ERROR_SQLSTATE
SELECT connection.rotate_key();
\echo :LAST_ERROR_SQLSTATE
-- fails: no new objects in the extension's schema
CREATE FUNCTION connection.credentials(name text, x int) RETURNS jsonb
  LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;
\echo :LAST_ERROR_SQLSTATE
CREATE VIEW connection.leak AS SELECT 1;
\echo :LAST_ERROR_SQLSTATE

-- search_path spoofing: look-alikes of pgcrypto's functions in a schema of
-- the grantee, first in the path, and in pg_temp; none is ever called
SET ROLE regress_conn_super;
CREATE SCHEMA regress_evil AUTHORIZATION regress_conn_grantee;
SET ROLE regress_conn_grantee;
CREATE FUNCTION regress_evil.pgp_sym_decrypt_bytea(bytea, text, text) RETURNS bytea
  LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'hijacked with key %', $2; RETURN $1; END $$;
CREATE FUNCTION regress_evil.pgp_sym_encrypt_bytea(bytea, text, text) RETURNS bytea
  LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'hijacked: % with key %', $1, $2; RETURN $1; END $$;
CREATE FUNCTION regress_evil.pg_get_userbyid(oid) RETURNS name
  LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'hijacked view'; RETURN 'x'; END $$;
CREATE FUNCTION pg_temp.pgp_sym_decrypt_bytea(bytea, text, text) RETURNS bytea
  LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'hijacked from pg_temp with key %', $2; RETURN $1; END $$;
SET search_path = regress_evil, public;
SELECT connection.property('priv_conn', 'SECRET_KEY');
SELECT owner FROM connection.connections WHERE name = 'priv_conn';
SET search_path = pg_temp, regress_evil, public;
SELECT connection.property('priv_conn', 'SECRET_KEY');
-- the owner's writes encrypt through the real pgcrypto too
SET ROLE regress_conn_owner;
SELECT connection.alter('priv_conn', set_properties => '{"SECRET_KEY": "priv-secret-value-2"}');
RESET search_path;
SELECT connection.property('priv_conn', 'SECRET_KEY');
SET ROLE regress_conn_super;
DROP SCHEMA regress_evil CASCADE;

-- no error, detail or hint raised by anything an outsider, a grantee or the
-- owner tries contains an identifier or secret value (PL/pgSQL's context
-- would quote the statement itself, so it is left out)
CREATE FUNCTION try_all(stmts text[]) RETURNS TABLE (stmt text, outcome text, leaked boolean)
LANGUAGE plpgsql AS $$
DECLARE
  s text; msg text; det text; hnt text; st text;
BEGIN
  FOREACH s IN ARRAY stmts LOOP
    BEGIN
      EXECUTE s;
      stmt := s; outcome := 'ok'; leaked := false;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL,
                              hnt = PG_EXCEPTION_HINT, st = RETURNED_SQLSTATE;
      stmt := s; outcome := st;
      leaked := concat_ws(' ', msg, det, hnt) ~ '(priv-secret-value|AKIAPRIVILEGES000001)';
    END;
    RETURN NEXT;
  END LOOP;
END $$;
GRANT EXECUTE ON FUNCTION try_all(text[]) TO PUBLIC;
SET ROLE regress_conn_outsider;
SELECT * FROM try_all(ARRAY[
  $$SELECT connection.credentials('priv_conn')$$,
  $$SELECT connection.property('priv_conn', 'SECRET_KEY')$$,
  $$SELECT connection.property('priv_conn', 'NO_SUCH')$$,
  $$SELECT connection.alter('priv_conn', set_properties => '{"SECRET_KEY": ""}')$$,
  $$SELECT connection.create('priv_conn', 'STORAGE', 'S3', '{}', or_replace => true)$$,
  $$SELECT connection.create('priv_copy', 'CATALOG', 'HMS', '{"HIVE_METASTORE_URIS": "h:1", "STORAGE_CONNECTION": "priv_conn"}')$$,
  $$SELECT connection.drop('priv_conn')$$,
  $$SELECT * FROM connection.desc('priv_conn', true)$$]);
SET ROLE regress_conn_grantee;
SELECT * FROM try_all(ARRAY[
  $$SELECT connection.property('priv_conn', 'NO_SUCH')$$,
  $$SELECT connection.alter('priv_conn', set_properties => '{"ACCESS_KEY": ["x"]}')$$,
  $$SELECT connection.alter('priv_conn', rename_to => 'priv_renamed')$$,
  $$SELECT connection.create('priv_conn', 'STORAGE', 'S3', '{"ACCESS_KEY": "a", "SECRET_KEY": "b", "REGION": "r"}', or_replace => true)$$]);
SET ROLE regress_conn_owner;
SELECT * FROM try_all(ARRAY[
  $$SELECT connection.alter('priv_conn', set_properties => '{"SECRET_KEY": ""}')$$,
  $$SELECT connection.alter('priv_conn', set_properties => '{"ROLE_ARN": "arn:aws:iam::123456789012:role/r"}')$$,
  $$SELECT connection.alter('priv_conn', unset_properties => ARRAY['SECRET_KEY'])$$,
  $$SELECT connection.create('priv_conn', 'STORAGE', 'S3', '{"ACCESS_KEY": "AKIAPRIVILEGES000001", "REGION": "r"}')$$]);

SET ROLE regress_conn_super;
DROP FUNCTION try_all(text[]);
DROP VIEW usage_matrix, grants;
SELECT connection.drop('priv_conn');
