--
-- objects: the server at work with a storage connection (1.1): list, get,
-- put, delete, head, import and export, and COPY with connection:// URIs.
-- Everything here is decided before a request leaves (test/t/011_objects.pl
-- runs the requests against real servers): addressing (through presign()),
-- rights, bad input, the outbound-host rule.
--
\set VERBOSITY default
SET ROLE regress_conn_super;
SET connection.allowed_hosts = '*.amazonaws.com, *.myqcloud.com, *.aliyuncs.com, s3.example.com, minio.example.com, minio.example.com:9000, 127.0.0.1:1';

-- every new function is documented
SELECT p.oid::regprocedure AS function, d.description IS NOT NULL AS commented
  FROM pg_proc p
  JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'connection'
  LEFT JOIN pg_description d ON d.objoid = p.oid AND d.classoid = 'pg_proc'::regclass
 WHERE p.proname IN ('list_objects', 'get_object', 'put_object', 'delete_object',
                     'head_object', 'import_object', 'export_query')
 ORDER BY 1::text;

--
-- Addressing: ENDPOINT (its default port dropped, its path kept) and
-- ADDRESSING_STYLE, the same for presign() and every request
--
SELECT connection.create('obj_s3', 'STORAGE', 'S3',
  '{"ACCESS_KEY": "AKIDEXAMPLE", "SECRET_KEY": "secretexample", "REGION": "us-east-1",
    "ENDPOINT": "https://S3.Example.com:443/store/v1/"}');
SELECT connection.property('obj_s3', 'ENDPOINT') AS stored_as_given;
-- an S3-compatible endpoint: path-style, host without :443, the path kept
SELECT split_part(connection.presign('obj_s3', 'GET', 'bucket/dir/k.csv'), '?', 1) AS auto;
SELECT connection.alter('obj_s3', set_properties => '{"addressing_style": "Virtual"}');
SELECT connection.property('obj_s3', 'ADDRESSING_STYLE');
SELECT split_part(connection.presign('obj_s3', 'GET', 'bucket/dir/k.csv'), '?', 1) AS virtual;
-- fails: not a style
SELECT connection.alter('obj_s3', set_properties => '{"ADDRESSING_STYLE": "dns"}');
\echo :LAST_ERROR_SQLSTATE
-- http drops :80, keeps another port
SELECT connection.alter('obj_s3', set_properties => '{"ENDPOINT": "http://minio.example.com:80", "ADDRESSING_STYLE": "auto"}');
SELECT split_part(connection.presign('obj_s3', 'PUT', 'bucket/k'), '?', 1) AS http_default_port;
SELECT connection.alter('obj_s3', set_properties => '{"ENDPOINT": "http://minio.example.com:9000"}');
SELECT split_part(connection.presign('obj_s3', 'PUT', 'bucket/k'), '?', 1) AS other_port;
-- the provider's own endpoint: virtual-hosted unless told, path-style for dots
SELECT connection.alter('obj_s3', set_properties => '{"ENDPOINT": "https://s3.eu-west-1.amazonaws.com:443"}');
SELECT split_part(connection.presign('obj_s3', 'GET', 'bucket/k'), '?', 1) AS aws_auto;
SELECT split_part(connection.presign('obj_s3', 'GET', 'my.bucket/k'), '?', 1) AS aws_dotted;
SELECT connection.alter('obj_s3', set_properties => '{"ADDRESSING_STYLE": "path"}');
SELECT split_part(connection.presign('obj_s3', 'GET', 'bucket/k'), '?', 1) AS aws_path;
-- fails: a path that would need encoding, a query
SELECT connection.alter('obj_s3', set_properties => '{"ENDPOINT": "https://s3.example.com/a%20b"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.alter('obj_s3', set_properties => '{"ENDPOINT": "https://s3.example.com/?x=1"}');
\echo :LAST_ERROR_SQLSTATE
-- COS: its default endpoint, or one of its own
SELECT connection.create('obj_cos', 'STORAGE', 'COS',
  '{"ACCESS_KEY": "AKIDCOS", "SECRET_KEY": "cossecret", "REGION": "ap-beijing", "APP_ID": "1250000000"}');
SELECT split_part(connection.presign('obj_cos', 'GET', 'data/k'), '?', 1) AS cos_default;
SELECT connection.alter('obj_cos', set_properties => '{"ENDPOINT": "https://cos.accelerate.myqcloud.com"}');
SELECT split_part(connection.presign('obj_cos', 'GET', 'data/k'), '?', 1) AS cos_endpoint;
-- OSS: virtual-hosted on its ENDPOINT, path-style on an address
SELECT connection.create('obj_oss', 'STORAGE', 'OSS',
  '{"ACCESS_ID": "LTAIEXAMPLE", "ACCESS_KEY": "ossecret", "ENDPOINT": "oss-cn-hangzhou.aliyuncs.com"}');
SELECT split_part(connection.presign('obj_oss', 'GET', 'data/k'), '?', 1) AS oss_virtual;
SELECT connection.alter('obj_oss', set_properties => '{"ENDPOINT": "http://127.0.0.1:1"}');
SELECT split_part(connection.presign('obj_oss', 'GET', 'data/k'), '?', 1) AS oss_address;

--
-- Bad input: clear errors before any request
--
CREATE TABLE obj_t (a int, b text);
SELECT connection.get_object('obj_oss', 'data');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.get_object('obj_oss', 'data/');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.get_object('obj_oss', 'Data_Bucket/k');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.head_object('obj_oss', 'data/' || repeat('k', 1025));
\echo :LAST_ERROR_SQLSTATE
SELECT connection.get_object(NULL, 'data/k');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.put_object('obj_oss', 'data/k', NULL::bytea);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM connection.list_objects('obj_oss', 'data', -1);
\echo :LAST_ERROR_SQLSTATE
SELECT connection.delete_object('nowhere', 'data/k');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('obj_kafka', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:9092"}');
SELECT connection.get_object('obj_kafka', 'data/k');
\echo :LAST_ERROR_SQLSTATE
-- COPY options are COPY's, in its syntax, checked by COPY's own code
SELECT connection.import_object('obj_oss', 'data/k', 'obj_t', options => 'format csv,');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.import_object('obj_oss', 'data/k', 'obj_t', options => 'format xml');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.import_object('obj_oss', 'data/k', 'obj_t', options => 'format csv) WHERE (a > 0');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.import_object('obj_oss', 'data/k', 'obj_t', options => 'format csv); DROP TABLE obj_t; --');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.export_query('obj_oss', 'data/k', 'SELECT 1', 'force_not_null (a)');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.export_query('obj_oss', 'data/k', 'SELECT 1', 'header match');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.import_object('obj_oss', 'data/k', 'obj_t', ARRAY['a', NULL]);
\echo :LAST_ERROR_SQLSTATE
SELECT connection.import_object('obj_oss', 'data/k', 'obj_t', ARRAY['c']);
\echo :LAST_ERROR_SQLSTATE
SELECT connection.import_object('obj_oss', 'data/k', 'no_such_table');
\echo :LAST_ERROR_SQLSTATE
-- one query, and one COPY would run
SELECT connection.export_query('obj_oss', 'data/k', 'SELECT 1; SELECT 2');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.export_query('obj_oss', 'data/k', 'DROP TABLE obj_t');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.export_query('obj_oss', 'data/k', 'SELECT * FROM obj_t WHERE');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.export_query('obj_oss', 'data/k', 'SELECT nope FROM obj_t');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.export_query('obj_oss', 'data/k', 'SELECT 1 INTO obj_new');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.export_query('obj_oss', 'data/k', 'INSERT INTO obj_t VALUES (1)');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.export_query('obj_oss', 'data/k', 'SELECT 1', 'force_quote (nope), format csv');
\echo :LAST_ERROR_SQLSTATE
-- COPY with a URI: its own errors
COPY obj_t FROM 'connection://';
\echo :LAST_ERROR_SQLSTATE
COPY obj_t FROM 'connection://obj_oss';
\echo :LAST_ERROR_SQLSTATE
COPY obj_t FROM 'connection://Bad-Name/data/k';
\echo :LAST_ERROR_SQLSTATE
COPY obj_t FROM 'connection://obj_oss/data/';
\echo :LAST_ERROR_SQLSTATE
COPY obj_t TO 'connection://nowhere/data/k';
\echo :LAST_ERROR_SQLSTATE
COPY obj_t FROM 'CONNECTION://obj_kafka/data/k';
\echo :LAST_ERROR_SQLSTATE

--
-- Rights: USAGE, not pg_read_server_files; the table's rights as always;
-- the connection enabled; a writable transaction for import
--
SELECT connection.grant_usage('obj_oss', 'regress_conn_grantee');
GRANT SELECT ON obj_t TO regress_conn_grantee, regress_conn_outsider;
SET ROLE regress_conn_outsider;
SELECT connection.get_object('obj_oss', 'data/k');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM connection.list_objects('obj_oss', 'data');
\echo :LAST_ERROR_SQLSTATE
COPY obj_t TO 'connection://obj_oss/data/k';
\echo :LAST_ERROR_SQLSTATE
-- plain COPY of files and programs is untouched
COPY obj_t TO '/tmp/obj_t.csv';
\echo :LAST_ERROR_SQLSTATE
COPY obj_t FROM PROGRAM 'connection://obj_oss/data/k';
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_conn_grantee;
-- USAGE, but not INSERT: refused before any request
SELECT connection.import_object('obj_oss', 'data/k', 'obj_t');
\echo :LAST_ERROR_SQLSTATE
COPY obj_t (a) FROM 'connection://obj_oss/data/k';
\echo :LAST_ERROR_SQLSTATE
-- USAGE, but the query reads what the role may not read
SELECT connection.export_query('obj_oss', 'data/k', 'SELECT * FROM connection.pg_connection');
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_conn_super;
-- a read-only transaction imports nothing
BEGIN READ ONLY;
SELECT connection.import_object('obj_oss', 'data/k', 'obj_t');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
-- COPY FROM into a table with row-level security is not supported
CREATE TABLE obj_rls (a int);
ALTER TABLE obj_rls ENABLE ROW LEVEL SECURITY;
GRANT INSERT, SELECT ON obj_rls TO regress_conn_grantee;
SET ROLE regress_conn_grantee;
SELECT connection.import_object('obj_oss', 'data/k', 'obj_rls');
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_conn_super;
SELECT connection.alter('obj_oss', enabled => false);
SELECT connection.put_object('obj_oss', 'data/k', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.alter('obj_oss', enabled => true);

--
-- Where requests go: connection.allowed_hosts before every request, and
-- what cannot be reached is a clear error
--
SET connection.request_retries = 0;
SELECT connection.get_object('obj_oss', 'data/k');
\echo :LAST_ERROR_SQLSTATE
SET connection.allowed_hosts = '*.amazonaws.com';
SELECT connection.get_object('obj_oss', 'data/k');
\echo :LAST_ERROR_SQLSTATE
COPY obj_t FROM 'connection://obj_oss/data/k';
\echo :LAST_ERROR_SQLSTATE
RESET connection.allowed_hosts;
RESET connection.request_retries;

-- the settings
SHOW connection.io_timeout;
SHOW connection.request_retries;
SHOW connection.part_size;
SET connection.part_size = '4MB';
\echo :LAST_ERROR_SQLSTATE
SET connection.request_retries = 21;
\echo :LAST_ERROR_SQLSTATE
SET connection.io_timeout = 50;
\echo :LAST_ERROR_SQLSTATE

SELECT connection.drop(name) FROM unnest(ARRAY['obj_s3', 'obj_cos', 'obj_oss', 'obj_kafka']) AS name;
DROP TABLE obj_t, obj_rls;
RESET ROLE;
