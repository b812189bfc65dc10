--
-- setup: the extension, roles and helpers shared by the other suites
--
CREATE EXTENSION connection CASCADE;

-- the extension's objects
SELECT pg_describe_object(classid, objid, objsubid) AS object
  FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'connection')
 ORDER BY 1;

-- the catalog is an extension configuration table (dumped by pg_dump)
SELECT extconfig::regclass[] FROM pg_extension WHERE extname = 'connection';

-- roles of the suites; they run as regress_conn_super, so that outputs do
-- not depend on the name of the bootstrap superuser
CREATE ROLE regress_conn_super SUPERUSER;
CREATE ROLE regress_conn_owner LOGIN;
CREATE ROLE regress_conn_member LOGIN IN ROLE regress_conn_owner;
CREATE ROLE regress_conn_grantee LOGIN;
CREATE ROLE regress_conn_outsider LOGIN;

-- desc() with its volatile values (times, generated ids, fingerprints)
-- replaced by a description of their shape, so that outputs are stable
CREATE FUNCTION stable_desc(conn text, extended boolean DEFAULT false)
RETURNS TABLE (info_name text, info_value text)
LANGUAGE sql
AS $$
SELECT d.info_name,
       CASE
         WHEN d.info_name IN ('created_time', 'last_modified_time')
              AND d.info_value ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$'
           THEN '<UTC timestamp, ms>'
         WHEN d.info_name = 'EXTERNAL_ID' AND d.info_value ~ '^[A-Za-z0-9]{16}$'
           THEN '<16 random letters and digits>'
         WHEN d.info_name = 'key_fingerprint' AND d.info_value ~ '^[0-9a-f]{16}$'
           THEN '<key fingerprint>'
         ELSE d.info_value
       END
  FROM connection.desc(conn, extended) AS d
$$;
GRANT EXECUTE ON FUNCTION stable_desc(text, boolean) TO PUBLIC;
