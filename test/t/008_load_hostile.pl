# Load and hostile input (issue 9).
# - pgbench, 4 clients for LOAD_SECONDS (60), mixing create, alter, drop,
#   grant/revoke, dependencies, credentials and show on 12 overlapping
#   names: no unexpected error, deadlocks (if any) resolved by detection,
#   and afterwards a consistent catalog (every row decrypts, every
#   dependency record points at live connections).
# - a generated corpus of a few thousand calls of every function with random
#   names, property maps and values (NULLs, empty, huge, invalid UTF-8,
#   control characters, SQL-looking strings, deep JSON, mangled dialect
#   text): the server never crashes, every call succeeds or fails with a
#   SQLSTATE of the SPEC, and no failed call changes the catalog.
use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use ConnTest;

my $seconds = $ENV{LOAD_SECONDS} // 60;
my $dir = PostgreSQL::Test::Utils::tempdir;
write_keys("$dir/key", new_key());
my $node = start_node('load', "$dir/key", shared_preload_libraries => 'connection',
	max_connections => '20', deadlock_timeout => '100ms');

$node->safe_psql('postgres', q{
CREATE ROLE loadrole;
CREATE TABLE load_table (x int);
SELECT connection.create('load_base', 'STORAGE', 'S3',
  '{"ACCESS_KEY": "AKIALOADBASE00000001", "SECRET_KEY": "load-secret-base", "REGION": "us-east-1"}');
-- every operation of the load, catching only the errors races may cause
CREATE FUNCTION load_op(op int, n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  name text := 'load_' || n;
  c jsonb;
BEGIN
  CASE op
    WHEN 1 THEN PERFORM connection.create(name, 'STORAGE', 'S3',
        jsonb_build_object('ACCESS_KEY', 'AKIALOAD' || lpad(n::text, 12, '0'),
                           'SECRET_KEY', 'load-secret-' || n, 'REGION', 'us-east-1'),
        if_not_exists => true);
    WHEN 2 THEN PERFORM connection.alter(name,
        set_properties => jsonb_build_object('SECRET_KEY', 'load-secret-' || n),
        comment => 'altered at ' || clock_timestamp());
    WHEN 3 THEN PERFORM connection.drop(name, if_exists => true);
    WHEN 4 THEN PERFORM connection.grant_usage(name, 'loadrole');
    WHEN 5 THEN PERFORM connection.revoke_usage(name, 'loadrole');
    WHEN 6 THEN
      c := connection.credentials(name);
      IF c->>'SECRET_KEY' <> 'load-secret-' || n THEN
        RAISE EXCEPTION 'connection % decrypted to a wrong value', name;
      END IF;
    WHEN 7 THEN PERFORM count(*) FROM connection.show('load%');
    WHEN 8 THEN PERFORM connection.add_dependency(name, 'load_table'::regclass);
    WHEN 9 THEN PERFORM connection.remove_dependency(name, 'load_table'::regclass);
    WHEN 10 THEN PERFORM connection.create('hms_' || n, 'CATALOG', 'HMS',
        jsonb_build_object('HIVE_METASTORE_URIS', 'h:9083', 'STORAGE_CONNECTION', name),
        or_replace => true);
    WHEN 11 THEN PERFORM connection.drop('hms_' || n, if_exists => true);
    ELSE PERFORM * FROM connection.desc(name, true);
  END CASE;
EXCEPTION
  WHEN undefined_object OR duplicate_object OR dependent_objects_still_exist
       OR deadlock_detected THEN
    NULL;
END
$$;
});

open(my $fh, '>', "$dir/load.sql") or die;
print $fh "\\set op random(1, 12)\n\\set n random(1, 12)\nSELECT load_op(:op, :n);\n";
close($fh);
$node->command_ok([ 'pgbench', '-n', '-M', 'prepared', '-c', '4', '-j', '4', '-T', $seconds,
	'-f', "$dir/load.sql", '-d', $node->connstr('postgres') ],
	"pgbench: 4 clients for $seconds s, no unexpected error");
my $deadlocks = $node->safe_psql('postgres',
	"SELECT deadlocks FROM pg_stat_database WHERE datname = 'postgres'");
note("deadlocks detected and resolved during the load: $deadlocks");

is($node->safe_psql('postgres', q{
SELECT count(*) FROM connection.show('load\_%') s
 WHERE connection.credentials(s.name)->>'SECRET_KEY' <> 'load-secret-' || substr(s.name, 6)}),
	'0', 'after the load every connection decrypts to its value');
is($node->safe_psql('postgres', q{
SELECT count(*) FROM connection.pg_connection_depend d
 WHERE NOT EXISTS (SELECT 1 FROM connection.pg_connection c WHERE c.id = d.refconnid)
    OR (d.depconnid <> 0 AND NOT EXISTS (SELECT 1 FROM connection.pg_connection c WHERE c.id = d.depconnid))}),
	'0', 'every dependency record points at live connections');
is($node->safe_psql('postgres', q{
SELECT count(*) FROM connection.pg_connection h
 WHERE h.type = 'HMS' AND NOT EXISTS (SELECT 1 FROM connection.pg_connection_depend d
                                       WHERE d.depconnid = h.id)}),
	'0', 'every HMS connection has its property dependency');

# ---------------------------------------------------------------------
# hostile input
# ---------------------------------------------------------------------
$node->safe_psql('postgres', q{
CREATE ROLE hostile_role;
GRANT CREATE ON SCHEMA public TO hostile_role;
CREATE TABLE allowed_states (state text PRIMARY KEY);
INSERT INTO allowed_states VALUES
  ('22023'), ('22004'), ('42602'), ('42704'), ('42710'), ('42501'), ('55000'), ('0A000'),
  ('2BP01'), ('42809'), ('42601'), ('22021'), ('54001'), ('2202E'), ('22P02'), ('25006'),
  ('22025');  -- a LIKE pattern of show() ending in the escape character
CREATE TABLE hostile_result (state text, changed boolean, call text);
GRANT INSERT ON hostile_result TO hostile_role;
CREATE FUNCTION catalog_hash() RETURNS text LANGUAGE sql SECURITY DEFINER AS $$
  SELECT md5(coalesce(string_agg(c::text, '|' ORDER BY c.id), '')) ||
         md5(coalesce((SELECT string_agg(d::text, '|' ORDER BY d::text) FROM connection.pg_connection_depend d), ''))
    FROM connection.pg_connection c
$$;
GRANT EXECUTE ON FUNCTION catalog_hash() TO hostile_role;

CREATE FUNCTION pick(a text[]) RETURNS text LANGUAGE sql AS
  $$ SELECT a[1 + floor(random() * array_length(a, 1))::int] $$;

-- a random JSON value, sometimes nested, sometimes absurd
CREATE FUNCTION hostile_value(depth int) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE r float := random();
BEGIN
  IF r < 0.45 THEN RETURN to_jsonb(pick(ARRAY[
      'us-east-1', 'k1:9092,k2:9092', 'thrift://h:9083', 'https://h.example.com', 'acs:ram::1:role/r',
      'arn:aws:iam::123456789012:role/r', 'qcs::cam::uin/1:roleName/r', 'aliyun', 'tencent', 'aws',
      'SASL_SSL', 'PLAIN', '3600', 'QUJD', '', ' ', repeat('x', 5000), repeat('y', 200000),
      E'line\nbreak', E'tab\tand\u0001control', 'DROP TABLE load_table; --', $q$' OR '1'='1$q$,
      '名前', 'Ünï', 'load_base', 'nowhere', '%', '\\', 'null']));
  ELSIF r < 0.55 THEN RETURN to_jsonb(floor(random() * 100000)::int - 500);
  ELSIF r < 0.60 THEN RETURN to_jsonb(random() < 0.5);
  ELSIF r < 0.65 THEN RETURN 'null'::jsonb;
  ELSIF r < 0.75 AND depth < 3 THEN RETURN jsonb_build_array(hostile_value(depth + 1), hostile_value(depth + 1));
  ELSIF r < 0.80 AND depth < 3 THEN RETURN jsonb_build_object('k', hostile_value(depth + 1));
  ELSIF r < 0.82 THEN RETURN (repeat('[', 2000) || repeat(']', 2000))::jsonb;
  ELSE RETURN to_jsonb(pick(ARRAY['x', 'oss-cn-shanghai.aliyuncs.com', '123', 'b:1']));
  END IF;
END $$;

CREATE FUNCTION hostile_props() RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  result jsonb := '{}';
  keys text[] := ARRAY['ACCESS_ID', 'access_key', 'SECRET_KEY', 'ENDPOINT', 'REGION', 'ROLE_ARN',
    'EXTERNAL_ID', 'APP_ID', 'BOOTSTRAP_SERVERS', 'SECURITY_PROTOCOL', 'SASL_MECHANISM',
    'SASL_USERNAME', 'SASL_PASSWORD', 'NAME_NODE', 'NAME_NODE_RPC_ADDRESSES', 'KERBEROS_PRINCIPAL',
    'KERBEROS_KEYTAB', 'PROVIDER', 'CODE_BUCKET', 'NAMESPACE', 'HIVE_METASTORE_URIS',
    'STORAGE_CONNECTION', 'HOST', 'CLIENT_ID', 'CLIENT_SECRET', 'ACCESS_REGION', 'URI',
    'OAUTH_CLIENT_ID', 'OAUTH_CLIENT_SECRET', 'SOURCE_CONNECTION', 'DURATION_SECONDS',
    'SESSION_NAME', 'STS_ENDPOINT', 'ACCESS_KEY_ID', 'bogus', '', repeat('K', 300), 'Ä'];
BEGIN
  IF random() < 0.05 THEN RETURN hostile_value(0); END IF;	-- not an object at all
  FOR i IN 1 .. floor(random() * 7)::int LOOP
    result := result || jsonb_build_object(pick(keys), hostile_value(0));
  END LOOP;
  RETURN result;
END $$;

CREATE FUNCTION hostile_text() RETURNS text LANGUAGE sql AS $$
  SELECT pick(ARRAY['h_' || floor(random() * 30)::int, 'h_' || floor(random() * 30)::int,
    'load_base', '', repeat('n', 64), repeat('n', 63), '1abc', 'a b', '"q"', 'Mixed_Case', '名前',
    E'ctl\u0002x', 'x;DROP TABLE load_table', '$', '_', NULL])
$$;

CREATE FUNCTION hostile_dialect() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  base text := pick(ARRAY[
    'CREATE STORAGE CONNECTION IF NOT EXISTS h_d TYPE oss ENDPOINT = ''e'' access_id = ''a'' access_key = ''k''',
    'CREATE OR REPLACE CATALOG CONNECTION h_c TYPE hms HIVE_METASTORE_URIS = [''h:1''] STORAGE_CONNECTION = ''load_base''',
    'DROP CONNECTION IF EXISTS h_d; DROP STORAGE CONNECTION h_x',
    'SHOW CONNECTIONS', 'DESC CONNECTION EXTENDED load_base',
    'CREATE API CONNECTION f TYPE cloud_function WITH PROPERTIES (''cloud_function.provider'' = ''aws'')']);
  pos int := floor(random() * length(base))::int;
BEGIN
  CASE floor(random() * 4)::int
    WHEN 0 THEN RETURN base;
    WHEN 1 THEN RETURN left(base, pos);
    WHEN 2 THEN RETURN overlay(base placing pick(ARRAY['''', '"', '/*', '--', ';', '[', ')', '=', 'é']) from pos + 1 for 0);
    ELSE RETURN repeat(base || ';', 1 + floor(random() * 3)::int);
  END CASE;
EXCEPTION WHEN OTHERS THEN RETURN base;
END $$;

-- n random calls; every failure's SQLSTATE and whether it changed the catalog
CREATE FUNCTION hostile(n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  call text; before text; st text; fn int;
BEGIN
  FOR i IN 1 .. n LOOP
    fn := floor(random() * 16)::int;
    call := CASE fn
      WHEN 0 THEN format('SELECT connection.create(%L, %L, %L, %L::jsonb)', hostile_text(),
          pick(ARRAY['STORAGE', 'storage', 'API', 'CATALOG', '', 'BUCKET', NULL, repeat('S', 500)]),
          pick(ARRAY['OSS', 'COS', 's3', 'KAFKA', 'HDFS', 'CLOUD_FUNCTION', 'HMS', 'DATABRICKS',
                     'ICEBERG_REST', 'GCS', '', NULL]), hostile_props())
      WHEN 1 THEN format('SELECT connection.create(%L, %L, %L, %L::jsonb, or_replace => true)', hostile_text(),
          'STORAGE', pick(ARRAY['S3', 'KAFKA', 'OSS']), hostile_props())
      WHEN 2 THEN format('SELECT connection.alter(%L, set_properties => %L::jsonb)', hostile_text(), hostile_props())
      WHEN 3 THEN format('SELECT connection.alter(%L, unset_properties => %L::text[])', hostile_text(),
          pick(ARRAY['{REGION}', '{EXTERNAL_ID}', '{bogus}', '{NULL}', '{}', '{{a,b},{c,d}}']))
      WHEN 4 THEN format('SELECT connection.alter(%L, rename_to => %L, enabled => %s, comment => %L)',
          hostile_text(), hostile_text(), pick(ARRAY['true', 'false', 'NULL']), pick(ARRAY['c', '', NULL, repeat('c', 10000)]))
      WHEN 5 THEN format('SELECT connection.alter(%L, owner => %L)', hostile_text(), pick(ARRAY['hostile_role', 'loadrole', 'postgres']))
      WHEN 6 THEN format('SELECT connection.drop(%L, if_exists => %s, force => %s)', hostile_text(),
          pick(ARRAY['true', 'false']), pick(ARRAY['true', 'false']))
      WHEN 7 THEN format('SELECT connection.credentials(%L)', hostile_text())
      WHEN 8 THEN format('SELECT connection.property(%L, %L)', hostile_text(), pick(ARRAY['SECRET_KEY', 'region', 'nope', '', NULL]))
      WHEN 9 THEN format('SELECT * FROM connection.desc(%L, %s)', hostile_text(), pick(ARRAY['true', 'false', 'NULL']))
      WHEN 10 THEN format('SELECT count(*) FROM connection.show(%L)', pick(ARRAY['%', 'h\_%', '\', '', NULL, '[', repeat('%', 500)]))
      WHEN 11 THEN format('SELECT connection.grant_usage(%L, %L)', hostile_text(), pick(ARRAY['public', 'loadrole', 'nobody', '']))
      WHEN 12 THEN format('SELECT connection.has_usage(%L, %L)', hostile_text(), pick(ARRAY['loadrole', '-', 'postgres']))
      WHEN 13 THEN format('SELECT connection.add_dependency(%L, %L::regclass, %s::oid, %s)', hostile_text(),
          pick(ARRAY['pg_class', 'pg_proc', 'pg_namespace', 'load_table', 'pg_user_mapping']),
          pick(ARRAY['0', '1', '4294967295', '''load_table''::regclass', '''pg_class''::regclass']), pick(ARRAY['0', '1', '-1', '32767']))
      WHEN 14 THEN format('SELECT connection.execute(%L)', hostile_dialect())
      ELSE format('SELECT connection.create(%L, %L, %L, jsonb_build_object(%L, convert_from(%L::bytea, %L)))',
          hostile_text(), 'STORAGE', 'S3', 'SECRET_KEY', pick(ARRAY['\xc328', '\xff', '\xe282', '\x41']), 'UTF8')
    END;
    before := catalog_hash();
    BEGIN
      EXECUTE call;
      INSERT INTO hostile_result VALUES ('ok', false, call);
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE;
      INSERT INTO hostile_result VALUES (st, catalog_hash() <> before, left(call, 300));
    END;
  END LOOP;
END $$;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO hostile_role;
});

# as an ordinary role (permission paths) and as a superuser (everything else)
$node->safe_psql('postgres', 'SET ROLE hostile_role; SELECT setseed(0.25); SELECT hostile(1500)');
$node->safe_psql('postgres', 'SELECT setseed(0.75); SELECT hostile(2500)');

my $total = $node->safe_psql('postgres', 'SELECT count(*) FROM hostile_result');
my $ok = $node->safe_psql('postgres', q{SELECT count(*) FROM hostile_result WHERE state = 'ok'});
my $by_state = $node->safe_psql('postgres',
	q{SELECT string_agg(state || ': ' || n, ', ' ORDER BY n DESC) FROM
	  (SELECT state, count(*) n FROM hostile_result WHERE state <> 'ok' GROUP BY state) s});
note("hostile calls: $total, succeeded: $ok; failed by SQLSTATE: $by_state");
cmp_ok($total, '>=', 4000, 'a few thousand hostile calls ran');
cmp_ok($ok, '>', 100, 'some of them succeeded');
is($node->safe_psql('postgres', q{SELECT string_agg(DISTINCT state, ', ') FROM hostile_result
  WHERE state <> 'ok' AND state NOT IN (SELECT state FROM allowed_states)}), '',
	'every failure has a SQLSTATE of the SPEC');
is($node->safe_psql('postgres', 'SELECT count(*) FROM hostile_result WHERE changed'), '0',
	'no failed call changed the catalog');
is($node->safe_psql('postgres', q{SELECT count(*) FROM connection.connections s
  WHERE s.enabled = 'ENABLED' AND connection.credentials(s.name) IS NULL}), '0',
	'afterwards every enabled connection decrypts');

$node->stop;
unlike(slurp_file($node->logfile), qr/terminated by signal|PANIC|TRAP:/, 'the server never crashed');
done_testing();
