/* connection--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION connection" to load this file. \quit

--
-- The catalog.  One row per connection object of this database.  Only the
-- extension's C functions read and write it (they bypass table privileges the
-- way PostgreSQL's own catalog code does); ordinary roles cannot read it.
--
-- Identifier and secret property values never appear here in clear: they are
-- encrypted together, with pgcrypto, into "secrets", bound to "id", under the
-- key whose fingerprint is "key_fingerprint".  "masks" holds what desc()
-- shows for identifiers (first 6 characters and 14 '*'), so that show() and
-- desc() work without the key.
--
CREATE SEQUENCE connection.pg_connection_id_seq;

CREATE TABLE connection.pg_connection (
    id                  bigint      NOT NULL,
    name                text        COLLATE "C" NOT NULL,
    category            text        NOT NULL,
    type                text        NOT NULL,
    enabled             boolean     NOT NULL,
    owner               oid         NOT NULL,
    creator             text        NOT NULL,
    created_time        timestamptz NOT NULL,
    last_modified_time  timestamptz NOT NULL,
    comment             text,
    acl                 aclitem[],
    plain_properties    jsonb       NOT NULL,
    masks               jsonb       NOT NULL,
    secrets             bytea,
    key_fingerprint     text,
    CONSTRAINT pg_connection_id_pkey PRIMARY KEY (id),
    CONSTRAINT pg_connection_secrets_key CHECK ((secrets IS NULL) = (key_fingerprint IS NULL))
);
CREATE UNIQUE INDEX pg_connection_name_index ON connection.pg_connection (name);

-- ciphertext does not compress; keep it out of the compressor
ALTER TABLE connection.pg_connection ALTER COLUMN secrets SET STORAGE EXTERNAL;

REVOKE ALL ON TABLE connection.pg_connection FROM PUBLIC;
REVOKE ALL ON SEQUENCE connection.pg_connection_id_seq FROM PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('connection.pg_connection', '');
SELECT pg_catalog.pg_extension_config_dump('connection.pg_connection_id_seq', '');

--
-- Dependencies: what uses a connection.  A row says that the dependent --
-- a PostgreSQL object (classid, objid, objsubid), or another connection
-- (classid = connection.pg_connection, objid = objsubid = 0, depconnid) --
-- uses the connection refconnid.  Rows follow connections by id, so they
-- survive renames.  deptype: 'm' registered with add_dependency(), 'o' an
-- OPTIONS (connection '...') of a foreign server, foreign table or user
-- mapping, 'p' a property (STORAGE_CONNECTION, SOURCE_CONNECTION) of another
-- connection.
--
CREATE TABLE connection.pg_connection_depend (
    refconnid   bigint  NOT NULL,
    classid     oid     NOT NULL,
    objid       oid     NOT NULL,
    objsubid    integer NOT NULL,
    depconnid   bigint  NOT NULL,
    deptype     "char"  NOT NULL,
    description text,
    -- the dependent object's identity (pg_identify_object_as_address), so
    -- that a restore into another cluster finds it again under new OIDs
    objtype     text,
    objnames    text[],
    objargs     text[]
);
CREATE UNIQUE INDEX pg_connection_depend_ref_index
    ON connection.pg_connection_depend (refconnid, classid, objid, objsubid, depconnid);
CREATE INDEX pg_connection_depend_dep_index
    ON connection.pg_connection_depend (classid, objid, objsubid, depconnid);
REVOKE ALL ON TABLE connection.pg_connection_depend FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('connection.pg_connection_depend', '');

-- Our own writes tell every backend's cache; writes made with plain SQL
-- (a superuser's repair, pg_restore's COPY) must do so as well.
CREATE FUNCTION connection.catalog_changed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'connection_catalog_changed'
LANGUAGE C;
REVOKE ALL ON FUNCTION connection.catalog_changed() FROM PUBLIC;
COMMENT ON FUNCTION connection.catalog_changed() IS
'trigger: plain-SQL writes to the catalog invalidate the backends'' caches';

CREATE TRIGGER pg_connection_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON connection.pg_connection
    FOR EACH STATEMENT EXECUTE FUNCTION connection.catalog_changed();

GRANT USAGE ON SCHEMA connection TO PUBLIC;

--
-- Functions.  All are C functions that check their callers themselves; none
-- is SECURITY DEFINER.  Writers are VOLATILE and PARALLEL UNSAFE; readers go
-- through a per-backend cache and the key, so they stay in the leader.
--

CREATE FUNCTION connection.types()
RETURNS TABLE (category text, type text, property text, kind text,
               required text, description text)
AS 'MODULE_PATHNAME', 'connection_types'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION connection.types() IS
'list the connection types, their properties, the kind of each property (plain, identifier, secret) and when it is required';

CREATE FUNCTION connection.create(name text, category text, type text,
                                  properties jsonb,
                                  comment text DEFAULT NULL,
                                  if_not_exists boolean DEFAULT false,
                                  or_replace boolean DEFAULT false)
RETURNS void
AS 'MODULE_PATHNAME', 'connection_create'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION connection.create(text, text, text, jsonb, text, boolean, boolean) IS
'create a connection; identifier and secret properties are encrypted before they are stored';

CREATE FUNCTION connection.show(pattern text DEFAULT NULL)
RETURNS TABLE (name text, category text, type text, enabled text,
               created_time timestamp(3))
AS 'MODULE_PATHNAME', 'connection_show'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION connection.show(text) IS
'list the connections whose name matches a case-insensitive LIKE pattern (all when NULL), by name; created_time is UTC';

CREATE FUNCTION connection.desc(name text, extended boolean DEFAULT false)
RETURNS TABLE (info_name text, info_value text)
AS 'MODULE_PATHNAME', 'connection_desc'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION connection.desc(text, boolean) IS
'describe a connection: metadata, plain properties, masked identifiers, and with extended its owner, key fingerprint and grants; never secrets';

CREATE FUNCTION connection.drop(name text, if_exists boolean DEFAULT false,
                                force boolean DEFAULT false)
RETURNS void
AS 'MODULE_PATHNAME', 'connection_drop'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION connection.drop(text, boolean, boolean) IS
'drop a connection (owner or superuser); refuses while objects depend on it, unless force';

CREATE FUNCTION connection.alter(name text,
                                 set_properties jsonb DEFAULT NULL,
                                 unset_properties text[] DEFAULT NULL,
                                 enabled boolean DEFAULT NULL,
                                 comment text DEFAULT NULL,
                                 rename_to text DEFAULT NULL,
                                 owner regrole DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'connection_alter'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION connection.alter(text, jsonb, text[], boolean, text, text, regrole) IS
'change a connection''s properties, state, comment (empty string removes it), name or owner (owner or superuser)';

CREATE FUNCTION connection.execute(statement text)
RETURNS void
AS 'MODULE_PATHNAME', 'connection_execute'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION connection.execute(text) IS
'run CREATE [OR REPLACE] API|STORAGE|CATALOG CONNECTION and DROP CONNECTION statements of the original dialect, all or nothing';

CREATE FUNCTION connection.credentials(name text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'connection_credentials'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION connection.credentials(text) IS
'all properties of an enabled connection, decrypted; for a role-based connection, its settings and temporary credentials from the provider''s AssumeRole (owner, USAGE holders, superusers)';

CREATE FUNCTION connection.property(name text, property text)
RETURNS text
AS 'MODULE_PATHNAME', 'connection_property'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION connection.property(text, text) IS
'one property of an enabled connection, decrypted; NULL when it is not set (owner, USAGE holders, superusers)';

CREATE FUNCTION connection.presign(name text, method text, object_path text,
                                   expires_in interval DEFAULT '15 minutes')
RETURNS text
AS 'MODULE_PATHNAME', 'connection_presign'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION connection.presign(text, text, text, interval) IS
'a presigned URL for method (GET, PUT, HEAD, DELETE) on the object bucket/key of an S3, OSS or COS connection, valid for expires_in (at most 7 days) (owner, USAGE holders, superusers)';

CREATE FUNCTION connection.rotate_key()
RETURNS bigint
AS 'MODULE_PATHNAME', 'connection_rotate_key'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

REVOKE ALL ON FUNCTION connection.rotate_key() FROM PUBLIC;

COMMENT ON FUNCTION connection.rotate_key() IS
're-encrypt every connection not yet under the current key; returns how many were re-encrypted (superuser)';

CREATE FUNCTION connection.grant_usage(name text, grantee regrole)
RETURNS void
AS 'MODULE_PATHNAME', 'connection_grant_usage'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION connection.grant_usage(text, regrole) IS
'let a role use a connection''s credentials (owner or superuser)';

CREATE FUNCTION connection.grant_usage(name text, grantee text)
RETURNS void
AS 'MODULE_PATHNAME', 'connection_grant_usage_text'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION connection.grant_usage(text, text) IS
'let a role, given by name, or PUBLIC use a connection''s credentials (owner or superuser)';

CREATE FUNCTION connection.revoke_usage(name text, grantee regrole)
RETURNS void
AS 'MODULE_PATHNAME', 'connection_revoke_usage'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION connection.revoke_usage(text, regrole) IS
'take back a role''s USAGE of a connection (owner or superuser)';

CREATE FUNCTION connection.revoke_usage(name text, grantee text)
RETURNS void
AS 'MODULE_PATHNAME', 'connection_revoke_usage_text'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION connection.revoke_usage(text, text) IS
'take back the USAGE of a connection from a role, given by name, or from PUBLIC (owner or superuser)';

CREATE FUNCTION connection.has_usage(name text,
                                     role regrole DEFAULT current_user::regrole)
RETURNS boolean
AS 'MODULE_PATHNAME', 'connection_has_usage'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION connection.has_usage(text, regrole) IS
'may the role (default: the current user) use the connection''s credentials';

CREATE FUNCTION connection.add_dependency(name text, classid regclass, objid oid,
                                          objsubid integer DEFAULT 0,
                                          description text DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'connection_add_dependency'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION connection.add_dependency(text, regclass, oid, integer, text) IS
'record that a PostgreSQL object uses a connection, so that drop() refuses to orphan it (USAGE on the connection)';

CREATE FUNCTION connection.add_dependency(name text, relation regclass,
                                          description text DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'connection_add_dependency_relation'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION connection.add_dependency(text, regclass, text) IS
'record that a table, view or foreign table uses a connection (USAGE on the connection)';

CREATE FUNCTION connection.add_dependency(name text, function regprocedure,
                                          description text DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'connection_add_dependency_function'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION connection.add_dependency(text, regprocedure, text) IS
'record that a function (standing in for a remote function, say) uses a connection (USAGE on the connection)';

CREATE FUNCTION connection.remove_dependency(name text, classid regclass, objid oid,
                                             objsubid integer DEFAULT 0)
RETURNS void
AS 'MODULE_PATHNAME', 'connection_remove_dependency'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION connection.remove_dependency(text, regclass, oid, integer) IS
'forget a dependency recorded with add_dependency()';

CREATE FUNCTION connection.remove_dependency(name text, relation regclass)
RETURNS void
AS 'MODULE_PATHNAME', 'connection_remove_dependency_relation'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION connection.remove_dependency(text, regclass) IS
'forget that a relation uses a connection';

CREATE FUNCTION connection.remove_dependency(name text, function regprocedure)
RETURNS void
AS 'MODULE_PATHNAME', 'connection_remove_dependency_function'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION connection.remove_dependency(text, regprocedure) IS
'forget that a function uses a connection';

CREATE FUNCTION connection.dependents(name text)
RETURNS TABLE (kind text, object text, description text)
AS 'MODULE_PATHNAME', 'connection_dependents'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION connection.dependents(text) IS
'the objects and connections that use a connection, as pg_describe_object() names them';

-- Helpers of the event triggers below.  They only make the records agree
-- with the catalogs, so every role may run them (event triggers run as the
-- role whose command fired them).
CREATE FUNCTION connection.sync_option_dependency(classid oid, objid oid)
RETURNS void
AS 'MODULE_PATHNAME', 'connection_sync_option_dependency'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION connection.sync_option_dependency(oid, oid) IS
'event trigger helper: record the connection an object''s OPTIONS name, or forget it';

CREATE FUNCTION connection.forget_dependent(classid oid, objid oid, objsubid integer)
RETURNS void
AS 'MODULE_PATHNAME', 'connection_forget_dependent'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION connection.forget_dependent(oid, oid, integer) IS
'event trigger helper: forget the dependencies of an object that no longer exists';

CREATE FUNCTION connection.on_ddl_command_end()
RETURNS event_trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT classid, objid FROM pg_catalog.pg_event_trigger_ddl_commands() LOOP
        PERFORM connection.sync_option_dependency(c.classid, c.objid);
    END LOOP;
END
$$;

COMMENT ON FUNCTION connection.on_ddl_command_end() IS
'event trigger: keep OPTIONS (connection ''name'') references recorded';

CREATE FUNCTION connection.on_sql_drop()
RETURNS event_trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    d record;
BEGIN
    FOR d IN SELECT classid, objid, objsubid FROM pg_catalog.pg_event_trigger_dropped_objects() LOOP
        PERFORM connection.forget_dependent(d.classid, d.objid, d.objsubid);
    END LOOP;
END
$$;

COMMENT ON FUNCTION connection.on_sql_drop() IS
'event trigger: forget the dependencies of dropped objects';

CREATE FUNCTION connection.resync_dependencies()
RETURNS void
AS 'MODULE_PATHNAME', 'connection_resync_dependencies'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
REVOKE ALL ON FUNCTION connection.resync_dependencies() FROM PUBLIC;

COMMENT ON FUNCTION connection.resync_dependencies() IS
'make the dependency records agree with the catalogs again: find registered objects by identity, recompute OPTIONS and property references (superuser; run by itself after a restore)';

-- After a restore loads the catalogs' data (plain SQL: COPY), the records
-- are made to agree with the new cluster: objects have new OIDs there.
CREATE FUNCTION connection.catalog_loaded()
RETURNS trigger
AS 'MODULE_PATHNAME', 'connection_catalog_loaded'
LANGUAGE C;
REVOKE ALL ON FUNCTION connection.catalog_loaded() FROM PUBLIC;
COMMENT ON FUNCTION connection.catalog_loaded() IS
'trigger: resynchronize the dependency records after a plain-SQL load of the catalogs (pg_restore)';

CREATE TRIGGER pg_connection_loaded
    AFTER INSERT ON connection.pg_connection
    FOR EACH STATEMENT EXECUTE FUNCTION connection.catalog_loaded();
CREATE TRIGGER pg_connection_depend_loaded
    AFTER INSERT ON connection.pg_connection_depend
    FOR EACH STATEMENT EXECUTE FUNCTION connection.catalog_loaded();

CREATE EVENT TRIGGER connection_ddl_command_end ON ddl_command_end
    WHEN TAG IN ('CREATE SERVER', 'ALTER SERVER', 'CREATE FOREIGN TABLE',
                 'ALTER FOREIGN TABLE', 'CREATE USER MAPPING', 'ALTER USER MAPPING',
                 'IMPORT FOREIGN SCHEMA')
    EXECUTE FUNCTION connection.on_ddl_command_end();

CREATE EVENT TRIGGER connection_sql_drop ON sql_drop
    EXECUTE FUNCTION connection.on_sql_drop();

--
-- Metadata for application queries.  The view runs with its owner's rights,
-- so it can read the catalog; it exposes no property at all.
--
CREATE VIEW connection.connections AS
    SELECT c.name,
           c.category,
           c.type,
           CASE WHEN c.enabled THEN 'ENABLED' ELSE 'DISABLED' END AS enabled,
           pg_catalog.pg_get_userbyid(c.owner)::text AS owner,
           c.creator,
           c.created_time,
           c.last_modified_time,
           c.comment
      FROM connection.pg_connection AS c;

GRANT SELECT ON connection.connections TO PUBLIC;

COMMENT ON VIEW connection.connections IS
'connection metadata (no property values), one row per connection';
