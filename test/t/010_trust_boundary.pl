# The trust boundary where it needs fresh databases, several roles and the
# library preloaded (issue 13): CREATE EXTENSION refuses a schema another
# role prepared; default privileges of the installing role grant nothing on
# the extension's objects; a pgcrypto installed by an ordinary role into a
# schema of hers cannot be hijacked; a look-alike catalog in a database
# without the extension is never read nor called; LOCK through a view is
# refused; a populated 1.0 installation upgrades to 1.1 (and refuses to
# while a stranger's object sits in its schema); and no copy of a secret
# that the extension makes stays in a backend's memory after the call.
use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use ConnTest;

my $dir = PostgreSQL::Test::Utils::tempdir;
write_keys("$dir/key", new_key());
my $node = PostgreSQL::Test::Cluster->new('boundary');
$node->init;
$node->append_conf('postgresql.conf', qq{
connection.key_file = '$dir/key'
shared_preload_libraries = 'connection'
});
$node->start;

$node->safe_psql('postgres', q{
	CREATE ROLE alice LOGIN;
	CREATE ROLE mallory LOGIN CREATEDB;
	CREATE ROLE writer LOGIN IN ROLE pg_write_all_data, pg_read_all_data;});

my $props = q('{"ACCESS_KEY": "AKIABOUNDARY", "SECRET_KEY": "boundary-secret", "REGION": "us-east-1"}');

# psql as a role in a database; returns (exit code, stdout, stderr)
sub as
{
	my ($role, $db, $sql) = @_;
	return $node->psql($db, $sql, extra_params => [ '-U', $role ]);
}

# ---------------------------------------------------------------------
# a schema "connection" prepared by another role
# ---------------------------------------------------------------------
$node->safe_psql('postgres', q{
	CREATE DATABASE squat1; CREATE DATABASE squat2; CREATE DATABASE squat3;
	GRANT CREATE ON DATABASE squat1 TO alice;});
$node->safe_psql('squat1', 'GRANT CREATE ON SCHEMA public TO alice');
my ($ret, $out, $err) = as('alice', 'squat1', q{
	CREATE TABLE public.stolen (p text);
	CREATE SCHEMA connection;
	CREATE FUNCTION connection.create(n text, c text, t text, p text) RETURNS void
	  LANGUAGE sql AS $$ INSERT INTO stolen VALUES (p) $$;});
is($ret, 0, 'squatting: alice prepares the schema and an overload of create()');
($ret, $out, $err) = $node->psql('squat1', 'CREATE EXTENSION connection CASCADE');
isnt($ret, 0, 'squatting: CREATE EXTENSION refuses her schema');
like($err, qr/schema "connection" is owned by role "alice", who is not a superuser/,
	'squatting: the error says why');
is($node->safe_psql('squat1', "SELECT count(*) FROM pg_extension WHERE extname = 'connection'"), '0',
	'squatting: nothing was installed');

# a superuser's schema where alice may create: her objects are refused ...
$node->safe_psql('squat2', 'CREATE SCHEMA connection; GRANT CREATE ON SCHEMA connection TO alice');
as('alice', 'squat2', q{CREATE FUNCTION connection.create(n text, c text, t text, p text)
	RETURNS void LANGUAGE sql AS $$ SELECT $$});
($ret, $out, $err) = $node->psql('squat2', 'CREATE EXTENSION connection CASCADE');
isnt($ret, 0, 'a foreign object in the schema: refused');
like($err, qr/schema "connection" holds objects that do not belong to extension "connection"\nDETAIL:  Objects: function (connection\.)?"create" with arguments \(text,text,text,text\)\./,
	'a foreign object: the error names it');

# ... and an empty one is taken over, without her right to create there
$node->safe_psql('squat3', 'CREATE SCHEMA connection; GRANT CREATE ON SCHEMA connection TO alice');
$node->safe_psql('squat3', 'CREATE EXTENSION connection CASCADE');
($ret, $out, $err) = as('alice', 'squat3', q{CREATE FUNCTION connection.create(n text, c text, t text, p text)
	RETURNS void LANGUAGE sql AS $$ SELECT $$});
like($err, qr/permission denied for schema connection/, 'an empty schema: alice may no longer create in it');

# ---------------------------------------------------------------------
# default privileges of the installing role
# ---------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE defaults');
$node->safe_psql('defaults', q{
	ALTER DEFAULT PRIVILEGES GRANT ALL ON TABLES TO alice;
	ALTER DEFAULT PRIVILEGES GRANT ALL ON SEQUENCES TO alice;
	ALTER DEFAULT PRIVILEGES GRANT ALL ON FUNCTIONS TO alice;
	ALTER DEFAULT PRIVILEGES GRANT ALL ON SCHEMAS TO alice;
	CREATE EXTENSION connection CASCADE;});
$node->safe_psql('defaults', "SELECT connection.create('d1', 'STORAGE', 'S3', $props)");
is($node->safe_psql('defaults', q{
	SELECT string_agg(c.relname || ':' || p, ',' ORDER BY 1, 2)
	  FROM pg_class c, unnest(ARRAY['SELECT', 'UPDATE', 'TRIGGER', 'REFERENCES']) AS p
	 WHERE c.relnamespace = 'connection'::regnamespace AND c.relkind IN ('r', 'v')
	   AND has_table_privilege('alice', c.oid, p)}),
	'connections:SELECT,sts_cache:SELECT', 'default privileges: alice holds nothing on the catalog (the views are PUBLIC)');
is($node->safe_psql('defaults', q{
	SELECT has_schema_privilege('alice', 'connection', 'CREATE')
	    OR has_function_privilege('alice', 'connection.rotate_key()', 'EXECUTE')}),
	'f', 'default privileges: no CREATE on the schema, no internal function');
($ret, $out, $err) = as('alice', 'defaults', 'SELECT count(*) FROM connection.pg_connection');
like($err, qr/permission denied for table pg_connection/, 'default privileges: the catalog stays closed');

# ---------------------------------------------------------------------
# pgcrypto: a trusted extension any role with CREATE on the database may
# install; its owner (or its schema's) could drop it with CASCADE, and the
# extension with it.  And its SQL functions are never called: the
# extension calls its library.
# ---------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE crypto; GRANT CREATE ON DATABASE crypto TO alice');
($ret, $out, $err) = as('alice', 'crypto', 'CREATE SCHEMA evil; CREATE EXTENSION pgcrypto SCHEMA evil');
is($ret, 0, 'pgcrypto: an ordinary role installs it into her schema');
($ret, $out, $err) = $node->psql('crypto', 'CREATE EXTENSION connection');
like($err, qr/extension "pgcrypto" is owned by role "alice", who is neither a superuser nor the database owner/,
	'pgcrypto of an ordinary role: refused');
$node->safe_psql('crypto', 'DROP EXTENSION pgcrypto; CREATE EXTENSION pgcrypto SCHEMA evil');
($ret, $out, $err) = $node->psql('crypto', 'CREATE EXTENSION connection');
like($err, qr/extension "pgcrypto" is in schema "evil", owned by role "alice", who is neither a superuser nor the database owner/,
	'pgcrypto in a schema of an ordinary role: refused');
$node->safe_psql('crypto', q{
	ALTER EXTENSION pgcrypto SET SCHEMA public;
	ALTER EXTENSION pgcrypto DROP FUNCTION public.pgp_sym_decrypt_bytea(bytea, text, text);
	DROP FUNCTION public.pgp_sym_decrypt_bytea(bytea, text, text);
	CREATE FUNCTION public.pgp_sym_decrypt_bytea(bytea, text, text) RETURNS bytea
	  LANGUAGE plpgsql AS $$ BEGIN RAISE WARNING 'swapped, key %', $2; RETURN $1; END $$;
	ALTER EXTENSION pgcrypto ADD FUNCTION public.pgp_sym_decrypt_bytea(bytea, text, text);
	CREATE EXTENSION connection;});
$node->safe_psql('crypto', "SELECT connection.create('c1', 'STORAGE', 'S3', $props)");
($ret, $out, $err) = $node->psql('crypto', "SELECT connection.property('c1', 'SECRET_KEY')");
is($out, 'boundary-secret', 'pgcrypto: decryption works');
unlike($err, qr/swapped/, 'pgcrypto: the function in its schema was never called with the key');

# ---------------------------------------------------------------------
# a look-alike catalog in a database without the extension
# ---------------------------------------------------------------------
as('mallory', 'postgres', 'CREATE DATABASE lookalike');
($ret, $out, $err) = as('mallory', 'lookalike', q{
	CREATE SCHEMA connection;
	CREATE TABLE connection.pg_connection (id text, name text COLLATE "C", category int);
	CREATE UNIQUE INDEX pg_connection_name_index ON connection.pg_connection (name);
	CREATE UNIQUE INDEX pg_connection_id_pkey ON connection.pg_connection (id);
	CREATE SEQUENCE connection.pg_connection_id_seq;
	CREATE TABLE connection.pg_connection_depend (refconnid text, classid int);
	CREATE INDEX pg_connection_depend_ref_index ON connection.pg_connection_depend (refconnid);
	CREATE INDEX pg_connection_depend_dep_index ON connection.pg_connection_depend (classid);
	INSERT INTO connection.pg_connection VALUES ('x', 'x', 1);
	CREATE FUNCTION connection.show()
	  RETURNS TABLE (name text, category text, type text, enabled text, created_time timestamp(3))
	  LANGUAGE plpgsql AS $$ BEGIN ALTER ROLE mallory SUPERUSER; END $$;});
is($ret, 0, 'look-alike: mallory fakes the schema, the table and show()');
($ret, $out, $err) = $node->psql('lookalike', 'SHOW CONNECTIONS');
like($err, qr/unrecognized configuration parameter "connections"/,
	'look-alike: SHOW CONNECTIONS is not rewritten there');
is($node->safe_psql('postgres', "SELECT rolsuper FROM pg_roles WHERE rolname = 'mallory'"), 'f',
	'look-alike: her show() never ran');
$node->safe_psql('postgres', 'CREATE ROLE victim');
($ret, $out, $err) = $node->psql('lookalike', 'DROP ROLE victim');
is($ret, 0, 'look-alike: DROP ROLE there reads no fake catalog');
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'look-alike: the server is up');

# ---------------------------------------------------------------------
# LOCK through a view of pg_write_all_data's own
# ---------------------------------------------------------------------
$node->safe_psql('defaults', 'CREATE SCHEMA w AUTHORIZATION writer');
($ret, $out, $err) = as('writer', 'defaults', q{
	CREATE VIEW w.v AS SELECT * FROM connection.pg_connection;
	BEGIN; LOCK TABLE w.v IN ACCESS EXCLUSIVE MODE; COMMIT;});
like($err, qr/permission denied to lock the catalog of extension "connection"/,
	'LOCK through a view of her own: refused');

# ---------------------------------------------------------------------
# upgrade of a populated 1.0 installation
# ---------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE upgrade');
$node->safe_psql('upgrade', qq{
	CREATE EXTENSION connection VERSION '1.0' CASCADE;
	CREATE ROLE upgrade_user;
	SELECT connection.create('u_s3', 'STORAGE', 'S3', $props, comment => 'from 1.0');
	SELECT connection.create('u_oss', 'STORAGE', 'OSS',
	  '{"ACCESS_ID": "LTAI5tUpgradeTest", "ACCESS_KEY": "oss-upgrade", "ENDPOINT": "oss-cn-hangzhou.aliyuncs.com"}');
	SELECT connection.create('u_hms', 'CATALOG', 'HMS',
	  '{"HIVE_METASTORE_URIS": "h:9083", "STORAGE_CONNECTION": "u_oss"}');
	SELECT connection.create('u_role', 'STORAGE', 'S3',
	  '{"ROLE_ARN": "arn:aws:iam::123456789012:role/r", "REGION": "us-east-1", "SOURCE_CONNECTION": "u_s3"}');
	SELECT connection.grant_usage('u_s3', 'upgrade_user');
	CREATE TABLE t_ext (id int);
	SELECT connection.add_dependency('u_s3', 't_ext'::regclass, 'external table');});
my $before = $node->safe_psql('upgrade', q{
	SELECT string_agg(c.name || '|' || c.enabled || '|' || coalesce(c.comment, '') || '|' ||
	                  coalesce(connection.credentials(c.name) - 'EXTERNAL_ID', '{}')::text, E'\n' ORDER BY c.name)
	  FROM connection.connections c WHERE c.name <> 'u_role'});
my $external_id = $node->safe_psql('upgrade',
	"SELECT info_value FROM connection.desc('u_role') WHERE info_name = 'EXTERNAL_ID'");
my $deps_before = $node->safe_psql('upgrade',
	"SELECT string_agg(kind || ' ' || object, ',' ORDER BY object) FROM connection.dependents('u_s3')");

# a stranger's object in the schema: the upgrade refuses and changes nothing
$node->safe_psql('upgrade', 'GRANT CREATE ON SCHEMA connection TO alice');
as('alice', 'upgrade', 'CREATE FUNCTION connection.show(x int) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$');
($ret, $out, $err) = $node->psql('upgrade', 'ALTER EXTENSION connection UPDATE');
like($err, qr/holds objects that do not belong to extension "connection"/,
	'upgrade with a foreign object in the schema: refused');
is($node->safe_psql('upgrade', "SELECT extversion FROM pg_extension WHERE extname = 'connection'"), '1.0',
	'upgrade refused: still 1.0');
$node->safe_psql('upgrade', 'DROP FUNCTION connection.show(int)');
# a view of another role on the extension's view: a clear refusal
$node->safe_psql('upgrade', 'GRANT CREATE ON SCHEMA public TO alice');
as('alice', 'upgrade', 'CREATE VIEW public.my_conns AS SELECT name FROM connection.connections');
($ret, $out, $err) = $node->psql('upgrade', 'ALTER EXTENSION connection UPDATE');
like($err, qr/views outside extension "connection" use its view connection.connections\nDETAIL:  Views: my_conns/,
	'upgrade with a view on the extension\'s view: refused, naming it');
$node->safe_psql('upgrade', 'DROP VIEW public.my_conns');
# a view and a function of another role on show(): refused, naming them
as('alice', 'upgrade', 'CREATE VIEW public.my_list AS SELECT name FROM connection.show()');
as('alice', 'upgrade', q{CREATE FUNCTION public.my_count() RETURNS bigint LANGUAGE sql
	BEGIN ATOMIC SELECT count(*) FROM connection.show(); END});
($ret, $out, $err) = $node->psql('upgrade', 'ALTER EXTENSION connection UPDATE');
like($err, qr/objects outside extension "connection" use its function connection.show\(\)\nDETAIL:  Objects: function my_count\(\), view my_list\./,
	'upgrade with objects using show(): refused, naming them');
is($node->safe_psql('upgrade', "SELECT extversion FROM pg_extension WHERE extname = 'connection'"), '1.0',
	'still 1.0, show() unchanged');
$node->safe_psql('upgrade', 'DROP VIEW public.my_list; DROP FUNCTION public.my_count()');

$node->safe_psql('upgrade', 'ALTER EXTENSION connection UPDATE');
is($node->safe_psql('upgrade', "SELECT extversion FROM pg_extension WHERE extname = 'connection'"), '1.1',
	'upgraded to 1.1');
my $after = $node->safe_psql('upgrade', q{
	SELECT string_agg(c.name || '|' || c.enabled || '|' || coalesce(c.comment, '') || '|' ||
	                  coalesce(connection.credentials(c.name) - 'EXTERNAL_ID', '{}')::text, E'\n' ORDER BY c.name)
	  FROM connection.connections c WHERE c.name <> 'u_role'});
is($after, $before, 'upgrade: every connection decrypts to what it held');
is($node->safe_psql('upgrade', "SELECT info_value FROM connection.desc('u_role') WHERE info_name = 'EXTERNAL_ID'"),
	$external_id, 'upgrade: the EXTERNAL_ID is kept');
is($node->safe_psql('upgrade',
	"SELECT string_agg(kind || ' ' || object, ',' ORDER BY object) FROM connection.dependents('u_s3')"),
	$deps_before, 'upgrade: the dependencies are kept');
is($node->safe_psql('upgrade', "SELECT connection.has_usage('u_s3', 'upgrade_user')"), 't',
	'upgrade: the grants are kept');
is($node->safe_psql('upgrade', q{
	SELECT string_agg(relname || ':' || relrowsecurity, ',' ORDER BY relname) FROM pg_class
	 WHERE relnamespace = 'connection'::regnamespace AND relkind IN ('r', 'S')}),
	'pg_connection:true,pg_connection_depend:true,pg_connection_reserved:true',
	'upgrade: row level security on every table, no sequence');
is($node->safe_psql('upgrade', 'SELECT has_schema_privilege(\'alice\', \'connection\', \'CREATE\')'), 'f',
	'upgrade: the stray CREATE right on the schema is revoked');
$node->safe_psql('upgrade', "SELECT connection.create('u_new', 'STORAGE', 'S3', $props)");
is($node->safe_psql('upgrade', "SELECT connection.property('u_new', 'SECRET_KEY')"), 'boundary-secret',
	'upgrade: new connections work');
($ret, $out, $err) = as('writer', 'upgrade', 'UPDATE connection.connections SET name = \'x\'');
like($err, qr/cannot update view "connections"/, 'upgrade: the view cannot be written through');

# ---------------------------------------------------------------------
# backend memory: no copy of a secret that the extension makes outlives
# the call, whether it succeeds or fails (values read from a table, so
# that no text of a statement and no expression of PostgreSQL's holds one)
# ---------------------------------------------------------------------
my $needle = 'MemNeedle-' . join('', map { chr(97 + int(rand(26))) } 1 .. 12);
# the needle reaches the table reversed: no statement's text holds it
my $staged = reverse qq({"ACCESS_KEY": "AKIAMEMORY", "SECRET_KEY": "$needle", "REGION": "us-east-1"});
$node->safe_psql('postgres', 'CREATE DATABASE memory');
$node->safe_psql('memory', qq{
SET client_min_messages = warning;
CREATE EXTENSION connection CASCADE;
CREATE TABLE staged AS SELECT reverse('$staged')::jsonb AS p;
CREATE TABLE staged_bad AS SELECT p || '{"ZZZZ_BOGUS_KEY": "x"}' AS p FROM staged;
CREATE TABLE staged_text AS SELECT format('CREATE STORAGE CONNECTION %s TYPE s3 access_key = %L secret_key = %L region = %L',
       n, 'AKIAMEMORY', p->>'SECRET_KEY', r) AS stmt, ok
  FROM staged, (VALUES ('mem_x', 'us-east-1', true), ('mem_y', 'us east', false)) AS v(n, r, ok);
SELECT connection.create('mem_1', 'STORAGE', 'S3', '{"ACCESS_KEY": "AKIAMEMORY", "SECRET_KEY": "x", "REGION": "us-east-1"}');});
my $mem = $node->background_psql('memory', on_error_stop => 0);
my $pid = $mem->query_safe('SELECT pg_backend_pid()');
my %calls = (
	'create' => q{SELECT connection.create('mem_2', 'STORAGE', 'S3', p) FROM staged},
	'a failing create' => q{SELECT connection.create('mem_3', 'STORAGE', 'S3', p) FROM staged_bad},
	'alter' => q{SELECT connection.alter('mem_1', set_properties => p) FROM staged},
	'an alter of other properties' => q{SELECT connection.alter('mem_1', set_properties => '{"REGION": "us-west-2"}')},
	'a failing alter' => q{SELECT connection.alter('mem_1', set_properties => p) FROM staged_bad},
	'execute()' => q{SELECT connection.execute(stmt) FROM staged_text WHERE ok},
	'a failing execute()' => q{SELECT connection.execute(stmt) FROM staged_text WHERE NOT ok},
	'desc()' => q{SELECT count(*) FROM connection.desc('mem_1', true)},
	'rotate_key()' => q{SELECT connection.rotate_key()});
SKIP:
{
	skip 'this system does not let the test read the memory of a backend', 1 + keys %calls
	  unless defined memory_holds($pid, $needle);
	foreach my $call (sort keys %calls)
	{
		$mem->query($calls{$call});
		$mem->{stderr} = '';
		$mem->query_safe('SELECT 1');
		is(memory_holds($pid, $needle), 0, "backend memory: no copy of the secret after $call");
	}
	# the check finds what is there: property() returns the secret (and
	# the cache keeps it, by design)
	$mem->query_safe(q{SELECT connection.property('mem_1', 'SECRET_KEY')});
	ok(memory_holds($pid, $needle) > 0, 'backend memory: the check finds a secret that is there');
}
$mem->quit;

$node->stop;
done_testing();
