/* connection--1.0--1.1.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION connection UPDATE TO '1.1'" to load this file. \quit

--
-- 1.1 closes the catalog to every role but superusers, whatever their
-- memberships (pg_read_all_data, pg_write_all_data) and whatever default
-- privileges were set, and refuses a schema that was not the extension's
-- own.  CREATE EXTENSION runs the 1.0 script and then this one in one
-- transaction, so a new installation is checked exactly like an upgrade.
--

-- The schema "connection" must be the extension's own: owned by a
-- superuser and holding nothing but the extension's objects.  A schema
-- created beforehand by another role could hold a look-alike of a
-- function (an overload of create() that wins for the usual call and
-- receives every secret), or let its owner add one later.
DO $check$
DECLARE
    nsp oid;
    owner_name name;
    owner_super boolean;
    strays text;
    crypto_owner name;
    crypto_owner_ok boolean;
    crypto_schema name;
    crypto_schema_owner name;
    crypto_schema_ok boolean;
BEGIN
    SELECT n.oid, r.rolname, r.rolsuper INTO nsp, owner_name, owner_super
      FROM pg_catalog.pg_namespace AS n
      JOIN pg_catalog.pg_roles AS r ON r.oid = n.nspowner
     WHERE n.nspname = 'connection';
    IF NOT owner_super THEN
        RAISE EXCEPTION 'schema "connection" is owned by role "%", who is not a superuser', owner_name
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Its owner could add objects to the extension''s schema, and these would receive the secrets passed to the extension.',
                  HINT = 'Drop the schema (or rename it), then create the extension: it creates its own schema.';
    END IF;
    -- (" with arguments (": a function named like a secret-taking one, with
    -- its argument list right after its name, would be masked in the log)
    SELECT pg_catalog.string_agg(pg_catalog.replace(pg_catalog.pg_describe_object(d.classid, d.objid, 0),
                                                    '(', ' with arguments ('), ', ' ORDER BY 1)
      INTO strays
      FROM pg_catalog.pg_depend AS d
     WHERE d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
       AND d.refobjid = nsp
       AND d.classid NOT IN ('pg_catalog.pg_extension'::pg_catalog.regclass,
                             'pg_catalog.pg_default_acl'::pg_catalog.regclass)
       AND NOT EXISTS (
             SELECT FROM pg_catalog.pg_depend AS e
              WHERE e.classid = d.classid AND e.objid = d.objid
                AND e.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
                AND e.refobjid = (SELECT oid FROM pg_catalog.pg_extension
                                   WHERE extname = 'connection')
                AND e.deptype = 'e');
    -- pgcrypto (a trusted extension: any role with CREATE on the database
    -- may install it) must be the superusers' or the database owner's: its
    -- owner, or the owner of its schema, could drop it with CASCADE, and
    -- this extension and every connection with it
    SELECT r.rolname, (r.rolsuper OR r.oid = d.datdba), n.nspname,
           nr.rolname, (nr.rolsuper OR nr.oid = d.datdba
                        OR nr.rolname = 'pg_database_owner')
      INTO crypto_owner, crypto_owner_ok, crypto_schema, crypto_schema_owner, crypto_schema_ok
      FROM pg_catalog.pg_extension AS e
      JOIN pg_catalog.pg_roles AS r ON r.oid = e.extowner
      JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace
      JOIN pg_catalog.pg_roles AS nr ON nr.oid = n.nspowner
      JOIN pg_catalog.pg_database AS d ON d.datname = pg_catalog.current_database()
     WHERE e.extname = 'pgcrypto';
    IF NOT crypto_owner_ok THEN
        RAISE EXCEPTION 'extension "pgcrypto" is owned by role "%", who is neither a superuser nor the database owner', crypto_owner
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Its owner could drop it with CASCADE, and with it extension "connection" and every connection.',
                  HINT = 'Have a superuser install pgcrypto (drop it, then CREATE EXTENSION connection CASCADE).';
    END IF;
    IF NOT crypto_schema_ok THEN
        RAISE EXCEPTION 'extension "pgcrypto" is in schema "%", owned by role "%", who is neither a superuser nor the database owner', crypto_schema, crypto_schema_owner
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'The schema''s owner could drop it with CASCADE, and with it extension "connection" and every connection.',
                  HINT = 'Move pgcrypto to a schema a superuser owns with ALTER EXTENSION pgcrypto SET SCHEMA.';
    END IF;
    IF strays IS NOT NULL THEN
        RAISE EXCEPTION 'schema "connection" holds objects that do not belong to extension "connection"'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Objects: ' || strays || '.',
                  HINT = 'Drop them after checking what they did (one of them may have received secrets), then try again.';
    END IF;
    -- triggers and foreign keys of others on the catalog tables (a TRIGGER
    -- or REFERENCES privilege that default privileges granted made them
    -- possible): a trigger sees every row, and runs as whoever writes one
    SELECT pg_catalog.string_agg(x, ', ' ORDER BY x)
      INTO strays
      FROM (SELECT pg_catalog.format('trigger %I on connection.%I', t.tgname, c.relname) AS x
              FROM pg_catalog.pg_trigger AS t
              JOIN pg_catalog.pg_class AS c ON c.oid = t.tgrelid
             WHERE c.relnamespace = nsp AND NOT t.tgisinternal
               AND t.tgname NOT IN ('pg_connection_changed', 'pg_connection_loaded',
                                    'pg_connection_depend_loaded')
            UNION ALL
            SELECT pg_catalog.format('constraint %I on %s', k.conname, k.conrelid::pg_catalog.regclass)
              FROM pg_catalog.pg_constraint AS k
              JOIN pg_catalog.pg_class AS c ON c.oid = k.confrelid
             WHERE c.relnamespace = nsp AND k.contype = 'f') AS s;
    IF strays IS NOT NULL THEN
        RAISE EXCEPTION 'the catalog tables of extension "connection" have triggers or foreign keys that are not the extension''s'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Objects: ' || strays || '.',
                  HINT = 'Drop them after checking what they did (a trigger sees every secret written, and runs as the writer), then try again.';
    END IF;
END
$check$;

--
-- Row level security with no policy: roles that pass the tables' privilege
-- checks anyway (pg_read_all_data, pg_write_all_data, grants made by
-- default privileges) see and change no row.  The extension's C functions
-- read and write the tables directly, and superusers (pg_dump and
-- pg_restore run as one) bypass row level security.
--
ALTER TABLE connection.pg_connection ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE connection.pg_connection_depend ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;

--
-- Names of connections dropped with force while other objects (foreign
-- servers, foreign tables, user mappings, objects registered with
-- add_dependency()) still named them: reserved for the dropped
-- connection's owner, so that nobody else can create a connection of that
-- name and receive what those objects send.  The dependency records of
-- those objects keep pointing at connid; the reservation goes when the last
-- of them does, or when the owner creates the name again (the records then
-- point at the new connection).
--
CREATE TABLE connection.pg_connection_reserved (
    name          text        COLLATE "C" NOT NULL,
    owner         regrole     NOT NULL,
    connid        bigint      NOT NULL,
    dropped_time  timestamptz NOT NULL,
    CONSTRAINT pg_connection_reserved_pkey PRIMARY KEY (name)
);
CREATE UNIQUE INDEX pg_connection_reserved_connid_index
    ON connection.pg_connection_reserved (connid);
ALTER TABLE connection.pg_connection_reserved ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
REVOKE ALL ON TABLE connection.pg_connection_reserved FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('connection.pg_connection_reserved', '');

-- Connection ids are random now (see catalog.c): no sequence that
-- pg_write_all_data could set to make them collide or run out.
ALTER EXTENSION connection DROP SEQUENCE connection.pg_connection_id_seq;
DROP SEQUENCE connection.pg_connection_id_seq;

--
-- The view cannot be written through (a view with WITH is not
-- automatically updatable) and its rows cannot be locked (FOR UPDATE does
-- not reach into a WITH query): it runs with its owner's rights, and
-- members of pg_write_all_data may UPDATE, DELETE and lock every view.
--
-- Owners are stored as regrole: a dump names the role, and a restore into
-- another cluster resolves the name again (an oid column would hand every
-- connection to whichever role has that number there, or to none).  The
-- view reads the column, so it is made again.
DO $views$
DECLARE
    users text;
BEGIN
    SELECT pg_catalog.string_agg(DISTINCT r.ev_class::pg_catalog.regclass::pg_catalog.text, ', ')
      INTO users
      FROM pg_catalog.pg_depend AS d
      JOIN pg_catalog.pg_rewrite AS r ON r.oid = d.objid
     WHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
       AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
       AND d.refobjid = 'connection.connections'::pg_catalog.regclass
       AND r.ev_class <> 'connection.connections'::pg_catalog.regclass;
    IF users IS NOT NULL THEN
        RAISE EXCEPTION 'views outside extension "connection" use its view connection.connections'
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = 'Views: ' || users || '. The update makes the view again.',
                  HINT = 'Drop them (keep their definitions: pg_get_viewdef), update the extension, then create them again.';
    END IF;
END
$views$;
DROP VIEW connection.connections;
ALTER TABLE connection.pg_connection ALTER COLUMN owner TYPE pg_catalog.regrole;

CREATE VIEW connection.connections AS
    WITH c AS (
        SELECT c.name,
               c.category,
               c.type,
               CASE WHEN c.enabled THEN 'ENABLED' ELSE 'DISABLED' END AS enabled,
               pg_catalog.pg_get_userbyid(c.owner)::pg_catalog.text AS owner,
               c.creator,
               c.created_time,
               c.last_modified_time,
               c.comment
          FROM connection.pg_connection AS c)
    SELECT * FROM c;
COMMENT ON VIEW connection.connections IS
'connection metadata (no property values), one row per connection';

-- Temporary credentials shared by the server's backends (library
-- preloaded): one row per role-based connection of this database that has
-- them, never a key, a secret or a token.
CREATE FUNCTION connection.sts_cache_entries(
    OUT name text, OUT role_arn text, OUT expiration timestamptz,
    OUT last_refresh timestamptz, OUT refreshing boolean, OUT sts_calls bigint,
    OUT backends integer, OUT failures integer, OUT last_error text,
    OUT last_error_time timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'connection_sts_cache_entries'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION connection.sts_cache_entries() IS
'the temporary credentials the server shares (library preloaded): per role-based connection of this database, role ARN, expiry, last refresh, calls to STS, backends holding a copy, failures; the last error only for roles that may use the connection; never a key or token';

CREATE VIEW connection.sts_cache AS
    WITH e AS (SELECT * FROM connection.sts_cache_entries())
    SELECT * FROM e;

COMMENT ON VIEW connection.sts_cache IS
'the temporary credentials the server shares, one row per role-based connection of this database that has them (no key, secret or token)';

--
-- Privileges exactly as the scripts grant them: what default privileges of
-- the installing role granted on the extension's objects (to any role, with
-- any right, TRIGGER included) is revoked, and so is every right on the
-- schema but the owner's and PUBLIC's USAGE.
--
DO $privileges$
DECLARE
    ext oid := (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'connection');
    obj record;
    grantee text;
BEGIN
    FOR obj IN
        SELECT 'SCHEMA' AS kind, n.nspname::pg_catalog.text AS name, n.nspowner AS owner,
               n.nspacl AS acl
          FROM pg_catalog.pg_namespace AS n WHERE n.nspname = 'connection'
        UNION ALL
        SELECT CASE WHEN c.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
               c.oid::pg_catalog.regclass::pg_catalog.text, c.relowner, c.relacl
          FROM pg_catalog.pg_class AS c
          JOIN pg_catalog.pg_depend AS d
            ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
         WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
           AND d.refobjid = ext AND d.deptype = 'e'
        UNION ALL
        SELECT 'FUNCTION', p.oid::pg_catalog.regprocedure::pg_catalog.text, p.proowner, p.proacl
          FROM pg_catalog.pg_proc AS p
          JOIN pg_catalog.pg_depend AS d
            ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid
         WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
           AND d.refobjid = ext AND d.deptype = 'e'
    LOOP
        FOR grantee IN
            SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC'
                                 ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END
              FROM pg_catalog.aclexplode(obj.acl) AS a
             WHERE a.grantee <> obj.owner
               AND (a.grantee <> 0 OR obj.kind <> 'FUNCTION')
        LOOP
            EXECUTE pg_catalog.format('REVOKE ALL ON %s %s FROM %s CASCADE', obj.kind, obj.name, grantee);
        END LOOP;
    END LOOP;
END
$privileges$;
GRANT USAGE ON SCHEMA connection TO PUBLIC;
GRANT SELECT ON connection.connections TO PUBLIC;
GRANT SELECT ON connection.sts_cache TO PUBLIC;

COMMENT ON TABLE connection.pg_connection_reserved IS
'names of connections dropped with force while objects still named them, reserved for their owners (superusers only)';

-- ALTER TABLE sets the OPTIONS of a foreign table too: without it in the
-- list, a reference made that way escaped both the USAGE check and the
-- record that keeps drop() from orphaning it
DROP EVENT TRIGGER connection_ddl_command_end;
CREATE EVENT TRIGGER connection_ddl_command_end ON ddl_command_end
    WHEN TAG IN ('CREATE SERVER', 'ALTER SERVER', 'CREATE FOREIGN TABLE',
                 'ALTER FOREIGN TABLE', 'ALTER TABLE', 'CREATE USER MAPPING',
                 'ALTER USER MAPPING', 'IMPORT FOREIGN SCHEMA')
    EXECUTE FUNCTION connection.on_ddl_command_end();

-- a restore loads the reservations too: the records of the objects that
-- name a reserved name are made again then
CREATE TRIGGER pg_connection_reserved_loaded
    AFTER INSERT ON connection.pg_connection_reserved
    FOR EACH STATEMENT EXECUTE FUNCTION connection.catalog_loaded();

-- Connections at work: the server reads and writes object storage with a
-- connection's keys, for roles that hold USAGE and never see a key.

CREATE FUNCTION connection.list_objects(name text, path text, max_keys bigint DEFAULT NULL)
RETURNS TABLE (key text, size bigint, last_modified timestamptz, etag text)
AS 'MODULE_PATHNAME', 'connection_list_objects'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION connection.list_objects(text, text, bigint) IS
'the objects under bucket/prefix of an S3, OSS or COS connection, in key order, at most max_keys of them (owner, USAGE holders, superusers)';

CREATE FUNCTION connection.get_object(name text, object_path text)
RETURNS bytea
AS 'MODULE_PATHNAME', 'connection_get_object'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION connection.get_object(text, text) IS
'the bytes of the object bucket/key (at most 1 GB) of an S3, OSS or COS connection (owner, USAGE holders, superusers)';

CREATE FUNCTION connection.head_object(name text, object_path text,
                                       OUT size bigint, OUT etag text,
                                       OUT content_type text, OUT last_modified timestamptz)
RETURNS record
AS 'MODULE_PATHNAME', 'connection_head_object'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION connection.head_object(text, text) IS
'size, ETag, content type and last modification of the object bucket/key, without reading it; 58P01 if there is none (owner, USAGE holders, superusers)';

CREATE FUNCTION connection.put_object(name text, object_path text, data bytea,
                                      content_type text DEFAULT 'application/octet-stream')
RETURNS text
AS 'MODULE_PATHNAME', 'connection_put_object'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION connection.put_object(text, text, bytea, text) IS
'write data as the whole object bucket/key and return its ETag; an external side effect, done at once whatever becomes of the transaction (owner, USAGE holders, superusers)';

CREATE FUNCTION connection.put_object(name text, object_path text, data text,
                                      content_type text DEFAULT 'text/plain; charset=utf-8')
RETURNS text
AS 'MODULE_PATHNAME', 'connection_put_object'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION connection.put_object(text, text, text, text) IS
'write text (in the database encoding) as the whole object bucket/key and return its ETag; an external side effect, done at once whatever becomes of the transaction (owner, USAGE holders, superusers)';

CREATE FUNCTION connection.delete_object(name text, object_path text)
RETURNS void
AS 'MODULE_PATHNAME', 'connection_delete_object'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION connection.delete_object(text, text) IS
'delete the object bucket/key; an external side effect, done at once whatever becomes of the transaction (owner, USAGE holders, superusers)';

CREATE FUNCTION connection.import_object(name text, object_path text, table_name regclass,
                                         columns text[] DEFAULT NULL, options text DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'connection_import_object'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION connection.import_object(text, text, regclass, text[], text) IS
'COPY table_name (columns) FROM the object bucket/key WITH (options), streamed, gzip inflated (.gz or Content-Encoding gzip); returns the rows; part of the transaction (owner, USAGE holders, superusers, with INSERT on the table)';

CREATE FUNCTION connection.export_query(name text, object_path text, query text,
                                        options text DEFAULT NULL,
                                        OUT rows bigint, OUT bytes bigint, OUT parts integer)
RETURNS record
AS 'MODULE_PATHNAME', 'connection_export_query'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION connection.export_query(text, text, text, text) IS
'COPY (query) TO the object bucket/key WITH (options), in parts, gzip when the key ends in .gz; an error or cancel aborts it; an external side effect once it returns (owner, USAGE holders, superusers)';

-- Records of what uses a connection are the object owner's to make and to
-- remove (besides USAGE on the connection)
COMMENT ON FUNCTION connection.add_dependency(text, regclass, oid, integer, text) IS
'record that a PostgreSQL object uses a connection, so that drop() refuses to orphan it and a rename to free its name (USAGE on the connection, owner of the object)';
COMMENT ON FUNCTION connection.add_dependency(text, regclass, text) IS
'record that a table, view or foreign table uses a connection (USAGE on the connection, owner of the relation)';
COMMENT ON FUNCTION connection.add_dependency(text, regprocedure, text) IS
'record that a function (standing in for a remote function, say) uses a connection (USAGE on the connection, owner of the function)';
COMMENT ON FUNCTION connection.remove_dependency(text, regclass, oid, integer) IS
'forget a dependency recorded with add_dependency() (USAGE on the connection, owner of the object)';
COMMENT ON FUNCTION connection.remove_dependency(text, regclass) IS
'forget that a relation uses a connection (USAGE on the connection, owner of the relation)';
COMMENT ON FUNCTION connection.remove_dependency(text, regprocedure) IS
'forget that a function uses a connection (USAGE on the connection, owner of the function)';

-- Several servers.  What this server can decrypt, by key fingerprint,
-- without decrypting anything: for every role (fingerprints are no
-- secret), with the undecryptable connections' names for superusers.
CREATE FUNCTION connection.key_status(
    OUT fingerprint text, OUT loaded boolean, OUT current boolean,
    OUT connections bigint, OUT undecryptable text[])
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'connection_key_status'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION connection.key_status() IS
'per key fingerprint: whether this server has loaded it, whether it is the current key, how many connections it encrypts, and (superusers only) the connections it cannot decrypt; decrypts nothing';

-- Connections that logical replication's apply worker writes: every
-- backend's caches forget them, and property records are made again here.
CREATE FUNCTION connection.catalog_applied()
RETURNS trigger
AS 'MODULE_PATHNAME', 'connection_catalog_applied'
LANGUAGE C;
REVOKE ALL ON FUNCTION connection.catalog_applied() FROM PUBLIC;

COMMENT ON FUNCTION connection.catalog_applied() IS
'trigger: invalidates caches and remakes property records after logical replication changes a connection (internal)';

CREATE TRIGGER pg_connection_applied
    AFTER INSERT OR UPDATE OR DELETE ON connection.pg_connection
    FOR EACH ROW EXECUTE FUNCTION connection.catalog_applied();
ALTER TABLE connection.pg_connection ENABLE REPLICA TRIGGER pg_connection_applied;

-- 1.1 writes a faster authenticated encryption (format 2, src/crypto.c)
-- and reads 1.0's; rotate_key() also moves rows to the new format.
COMMENT ON FUNCTION connection.rotate_key() IS
're-encrypt every connection not yet under the current key or not in the current ciphertext format; returns how many were re-encrypted (superuser)';

-- show() reads the name index alone (an index-only scan): the index holds
-- the columns it lists.  (The new index takes the name before the old one
-- goes: the drop's event trigger looks the catalog's objects up.)
ALTER INDEX connection.pg_connection_name_index RENAME TO pg_connection_name_index_1_0;
CREATE UNIQUE INDEX pg_connection_name_index ON connection.pg_connection (name)
    INCLUDE (category, type, enabled, created_time);
DROP INDEX connection.pg_connection_name_index_1_0;

-- The first call a user types, add_dependency('conn', 'some_table'), names
-- the object with an untyped literal: it resolves to these text variants
-- (a function when the text has an argument list, else a relation).
CREATE FUNCTION connection.add_dependency(name text, object text,
                                          description text DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'connection_add_dependency_text'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION connection.add_dependency(text, text, text) IS
'record that a relation, or a function written with its argument types, uses a connection (USAGE on the connection, owner of the object)';

CREATE FUNCTION connection.remove_dependency(name text, object text)
RETURNS void
AS 'MODULE_PATHNAME', 'connection_remove_dependency_text'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION connection.remove_dependency(text, text) IS
'forget that a relation, or a function written with its argument types, uses a connection';

-- show() prints created_time as the original SHOW CONNECTIONS does, always
-- with three digits of milliseconds: as text (a timestamp's output drops
-- trailing zeros).  The view keeps its timestamptz columns for queries.
DO $show$
DECLARE
    users text;
BEGIN
    -- a view is named as itself, not as its rewrite rule
    SELECT pg_catalog.string_agg(DISTINCT
             CASE WHEN r.oid IS NOT NULL
                  THEN pg_catalog.pg_describe_object('pg_catalog.pg_class'::pg_catalog.regclass, r.ev_class, 0)
                  ELSE pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid) END, ', ')
      INTO users
      FROM pg_catalog.pg_depend AS d
      LEFT JOIN pg_catalog.pg_rewrite AS r
        ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND r.oid = d.objid
     WHERE d.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass
       AND d.refobjid = 'connection.show(text)'::pg_catalog.regprocedure
       AND d.deptype = 'n';
    IF users IS NOT NULL THEN
        RAISE EXCEPTION 'objects outside extension "connection" use its function connection.show()'
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = 'Objects: ' || users || '. The update makes the function again (created_time becomes text).',
                  HINT = 'Drop them, update the extension, then create them again.';
    END IF;
END
$show$;
DROP FUNCTION connection.show(text);
CREATE FUNCTION connection.show(pattern text DEFAULT NULL)
RETURNS TABLE (name text, category text, type text, enabled text,
               created_time text)
AS 'MODULE_PATHNAME', 'connection_show'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION connection.show(text) IS
'list the connections whose name matches a case-insensitive LIKE pattern (all when NULL), by name; created_time is UTC, YYYY-MM-DD HH:MM:SS.mmm as the original SHOW CONNECTIONS prints it';

-- Prove a connection works (USAGE): one row per check, what the service
-- said, never a secret; the server reaches only the connection's own
-- addresses, under connection.allowed_hosts.
CREATE FUNCTION connection.validate(name text, target text DEFAULT NULL)
RETURNS TABLE (check_name text, ok boolean, detail text, elapsed_ms double precision)
AS 'MODULE_PATHNAME', 'connection_validate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION connection.validate(text, text) IS
'check that a connection works, one row per check: a role-based one assumes its role, KAFKA, HDFS and HMS reach every address, storage with keys lists target "bucket[/prefix]", DATABRICKS and ICEBERG_REST get an OAuth token and make one read-only call (USAGE on the connection; never a secret)';
