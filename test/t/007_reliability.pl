# Reliability (issue 9): connections survive clean and crash restarts; a
# backend killed with SIGKILL in the middle of create, alter, drop and
# rotate_key() leaves every connection fully old; a streaming replica serves
# show, desc, credentials, property and refuses writes; pg_dump / pg_restore
# into new clusters works with the same key (connections, owners and
# reservations by role name, grants, dependencies) and fails cleanly with
# another; the dump holds no plaintext;
# DROP EXTENSION and CREATE EXTENSION again leave no stale state behind.
use strict;
use warnings FATAL => 'all';

use Time::HiRes qw(usleep);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use ConnTest;

my $dir = PostgreSQL::Test::Utils::tempdir;
my ($k1, $k2) = (new_key(), new_key());
write_keys("$dir/key", $k1);
my $node = start_node('primary', "$dir/key", shared_preload_libraries => 'connection',
	wal_level => 'replica', max_wal_senders => '4', restart_after_crash => 'on');
my $restarts = 0;

$node->safe_psql('postgres', q{
CREATE ROLE app LOGIN;
SELECT count(connection.create('s3_' || i, 'STORAGE', 'S3',
         jsonb_build_object('ACCESS_KEY', 'AKIARELIAB' || lpad(i::text, 10, '0'),
                            'SECRET_KEY', 'secret-' || i, 'REGION', 'us-east-1')))
  FROM generate_series(1, 200) AS i;
SELECT connection.create('hms', 'CATALOG', 'HMS', '{"HIVE_METASTORE_URIS": "h:9083", "STORAGE_CONNECTION": "s3_1"}');
SELECT connection.grant_usage('s3_2', 'app');
CREATE TABLE events (id int);
SELECT connection.add_dependency('s3_3', 'events'::regclass, 'events table');
CREATE FOREIGN DATA WRAPPER dummy;
CREATE SERVER srv FOREIGN DATA WRAPPER dummy OPTIONS (connection 's3_4');
CREATE ROLE alice LOGIN;
CREATE ROLE mallory LOGIN;
SELECT connection.create('alices', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
SELECT connection.alter('alices', owner => 'alice');
SELECT connection.create('alices_gone', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
SELECT connection.alter('alices_gone', owner => 'alice');
CREATE TABLE alices_table (id int);
SELECT connection.add_dependency('alices_gone', 'alices_table'::regclass);
SELECT connection.drop('alices_gone', force => true);
});

# How many of the 200 connections decrypt to their own values.
sub all_decrypt
{
	my ($n, $db) = @_;
	return $n->safe_psql($db // 'postgres', q{
SELECT count(*) FILTER (WHERE c->>'SECRET_KEY' = 'secret-' || substr(s.name, 4)
                          AND c->>'ACCESS_KEY' LIKE 'AKIARELIAB%') || '/' || count(*)
  FROM connection.show('s3\_%') AS s,
       LATERAL (SELECT connection.credentials(s.name) AS c) AS x});
}

is(all_decrypt($node), '200/200', 'every connection decrypts');

# ---------------------------------------------------------------------
# restarts
# ---------------------------------------------------------------------
$node->restart;
$restarts++;
is(all_decrypt($node), '200/200', 'after a clean restart');
$node->stop('immediate');
$node->start;
$restarts++;
is(all_decrypt($node), '200/200', 'after a crash (immediate shutdown) and recovery');

# ---------------------------------------------------------------------
# SIGKILL in the middle of writes: all or nothing
# ---------------------------------------------------------------------
sub kill_during
{
	my ($name, $setup, $statement, $wait_us) = @_;
	my $bg = $node->background_psql('postgres', on_error_stop => 0);
	my $pid = $bg->query_safe('SELECT pg_backend_pid()');
	$bg->query_safe($setup) if $setup;
	$bg->query_until(qr/started/, "\\echo started\n$statement\n");
	usleep($wait_us);
	kill 'KILL', $pid;
	eval { $bg->quit };
	$node->poll_query_until('postgres', 'SELECT true') or die "no recovery after killing $name";
	$restarts++;
	return;
}

kill_during('create', undef, q{SELECT count(connection.create('k_' || i, 'STORAGE', 'S3',
  jsonb_build_object('ACCESS_KEY', 'AKIAKILLED', 'SECRET_KEY', 'killed', 'REGION', 'r')))
  FROM generate_series(1, 1000000) AS i;}, 1_500_000);
is($node->safe_psql('postgres', q{SELECT count(*) FROM connection.show('k\_%')}), '0',
	'killed mid-create: none of the new connections exists');

kill_during('alter', undef, q{SELECT count(connection.alter('s3_' || (i % 200 + 1),
  set_properties => jsonb_build_object('SECRET_KEY', 'altered-' || i)))
  FROM generate_series(1, 1000000) AS i;}, 1_500_000);
is(all_decrypt($node), '200/200', 'killed mid-alter: every connection is as before');

kill_during('drop', 'BEGIN', q{SELECT count(connection.drop('s3_' || i, force => true))
  FROM generate_series(1, 200) AS i; SELECT pg_sleep(60);}, 1_000_000);
is(all_decrypt($node), '200/200', 'killed mid-drop: every connection is still there');

my $fp1 = $node->safe_psql('postgres', 'SELECT min(key_fingerprint) FROM connection.pg_connection');
write_keys("$dir/key", $k2, $k1);
$node->reload;
kill_during('rotate_key', 'BEGIN', 'SELECT connection.rotate_key(); SELECT pg_sleep(60);', 1_000_000);
is($node->safe_psql('postgres',
	"SELECT count(*) FROM connection.pg_connection WHERE key_fingerprint IS NOT NULL AND key_fingerprint <> '$fp1'"),
	'0', 'killed mid-rotate_key: every row still under the old key');
is(all_decrypt($node), '200/200', 'and every row decrypts');
is($node->safe_psql('postgres', 'SELECT connection.rotate_key()'), '200', 'a completed rotation re-encrypts all');
is(all_decrypt($node), '200/200', 'every row decrypts under the new key');

my $log = slurp_file($node->logfile);
my $signals = () = $log =~ /was terminated by signal 9/g;
is($signals, 4, 'the server saw exactly the four killed backends');

# ---------------------------------------------------------------------
# hot standby
# ---------------------------------------------------------------------
$node->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($node, 'base', has_streaming => 1);
$standby->append_conf('postgresql.conf', "connection.key_file = '$dir/key'\nshared_preload_libraries = 'connection'\n");
$standby->start;
$node->wait_for_catchup($standby);
is(all_decrypt($standby), '200/200', 'standby: credentials() of every connection');
is($standby->safe_psql('postgres', "SELECT connection.property('s3_7', 'SECRET_KEY')"), 'secret-7',
	'standby: property()');
is($standby->safe_psql('postgres', "SELECT count(*) FROM connection.desc('s3_7', true)"),
	$node->safe_psql('postgres', "SELECT count(*) FROM connection.desc('s3_7', true)"), 'standby: desc()');
my @shown = split /\n/, $standby->safe_psql('postgres', 'SHOW CONNECTIONS');
is(scalar(@shown), 202, 'standby: SHOW CONNECTIONS');
is($standby->safe_psql('postgres', 'SELECT count(*) FROM connection.show()'), '202', 'standby: show()');
# a change on the primary reaches the standby's caches
$node->safe_psql('postgres', q{SELECT connection.alter('s3_7', set_properties => '{"SECRET_KEY": "replicated"}')});
$node->wait_for_catchup($standby);
is($standby->safe_psql('postgres', "SELECT connection.property('s3_7', 'SECRET_KEY')"), 'replicated',
	'standby: a change replicates, and fresh sessions see it');
my $bgs = $standby->background_psql('postgres');
is($bgs->query_safe("SELECT connection.property('s3_8', 'SECRET_KEY')"), 'secret-8', 'standby: cached in a session');
$node->safe_psql('postgres', q{SELECT connection.alter('s3_8', set_properties => '{"SECRET_KEY": "seen"}')});
$node->wait_for_catchup($standby);
is($bgs->query_safe("SELECT connection.property('s3_8', 'SECRET_KEY')"), 'seen',
	'standby: replayed invalidations refresh a session\'s cache');
$bgs->quit;
foreach my $write (
	q{SELECT connection.create('x', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}')},
	q{SELECT connection.alter('s3_9', comment => 'x')},
	q{SELECT connection.drop('s3_9')},
	q{SELECT connection.grant_usage('s3_9', 'app')},
	q{SELECT connection.rotate_key()},
	q{SELECT connection.execute('DROP CONNECTION s3_9')})
{
	fails_with($standby, $write, '25006', 'cannot execute .* in a read-only transaction',
		"standby refuses: $write");
}
$node->safe_psql('postgres', q{SELECT connection.alter('s3_7', set_properties => '{"SECRET_KEY": "secret-7"}');
SELECT connection.alter('s3_8', set_properties => '{"SECRET_KEY": "secret-8"}')});
$standby->stop;

# ---------------------------------------------------------------------
# dump and restore into new clusters
# ---------------------------------------------------------------------
$node->command_ok([ 'pg_dump', '-Fc', '-f', "$dir/dump.custom", '-d', $node->connstr('postgres') ],
	'pg_dump -Fc');
$node->command_ok([ 'pg_dump', '-Fp', '-f', "$dir/dump.sql", '-d', $node->connstr('postgres') ],
	'pg_dump -Fp');
my $plain = slurp_file("$dir/dump.sql");
ok(index($plain, 'secret-17') < 0 && index($plain, 'AKIARELIAB') < 0,
	'the dump holds no secret and no identifier');
like($plain, qr/COPY connection\.pg_connection /, 'the dump holds the catalog');

write_keys("$dir/same", $k2, $k1);
my $copy = start_node('restored', "$dir/same", shared_preload_libraries => 'connection');
$copy->safe_psql('postgres', 'DROP EXTENSION connection; DROP SCHEMA connection; CREATE ROLE app LOGIN');
# objects get new OIDs here: shift them; the roles are made in another order
$copy->safe_psql('postgres', 'CREATE TABLE shift_oids AS SELECT 1 AS x; CREATE TABLE shift_oids2 (y int)');
$copy->safe_psql('postgres', 'CREATE ROLE mallory LOGIN; CREATE ROLE alice LOGIN');
$copy->command_ok([ 'pg_restore', '--exit-on-error', '-d', $copy->connstr('postgres'), "$dir/dump.custom" ],
	'pg_restore into a new cluster with the same keys');
is(all_decrypt($copy), '200/200', 'restored: every connection decrypts');
is($copy->safe_psql('postgres', "SELECT connection.has_usage('s3_2', 'app')"), 't', 'restored: grants');
is($copy->safe_psql('postgres', q{SELECT string_agg(kind || ':' || object, ', ' ORDER BY object)
  FROM (SELECT * FROM connection.dependents('s3_1') UNION ALL SELECT * FROM connection.dependents('s3_3')
        UNION ALL SELECT * FROM connection.dependents('s3_4')) d}),
	'connection:connection hms, server:server srv, table:table events',
	'restored: the dependencies point at the restored objects');
is($copy->safe_psql('postgres', q{SELECT owner FROM connection.connections WHERE name = 'alices'}), 'alice',
	'restored: the owner is the role of that name, not the role of that number');
is($copy->safe_psql('postgres', q{SET ROLE alice; SELECT connection.property('alices', 'BOOTSTRAP_SERVERS')}),
	'["k:1"]', 'restored: the owner uses her connection');
fails_with($copy, q{SET ROLE mallory; SELECT connection.property('alices', 'BOOTSTRAP_SERVERS')}, '42501',
	'permission denied for connection alices', 'restored: another role does not');
is($copy->safe_psql('postgres', q{SELECT owner::text FROM connection.pg_connection_reserved}), 'alice',
	'restored: a reserved name stays reserved for its owner by name');
fails_with($copy, q{SET ROLE mallory; SELECT connection.create('alices_gone', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}')},
	'42501', 'connection name "alices_gone" is reserved', 'restored: nobody else takes the reserved name');
fails_with($copy, "SELECT connection.drop('s3_3')", '2BP01', 'cannot drop connection s3_3',
	'restored: drop still refuses to orphan');
$copy->safe_psql('postgres', 'DROP TABLE events');
is($copy->safe_psql('postgres', "SELECT count(*) FROM connection.dependents('s3_3')"), '0',
	'restored: dropping the restored object forgets it');
$copy->stop;

write_keys("$dir/other", new_key());
my $wrong = start_node('wrongkey', "$dir/other");
$wrong->safe_psql('postgres', 'DROP EXTENSION connection; DROP SCHEMA connection; CREATE ROLE app LOGIN;
CREATE ROLE alice LOGIN; CREATE ROLE mallory LOGIN');
$wrong->command_ok([ 'pg_restore', '--exit-on-error', '-d', $wrong->connstr('postgres'), "$dir/dump.custom" ],
	'pg_restore into a cluster with another key');
is($wrong->safe_psql('postgres', 'SELECT count(*) FROM connection.show()'), '202', 'other key: show() works');
like($wrong->safe_psql('postgres', "SELECT string_agg(info_value, ',') FROM connection.desc('s3_5')"),
	qr/AKIARE\*{14}/, 'other key: desc() works');
fails_with($wrong, "SELECT connection.credentials('s3_5')", '55000', 'the key that encrypted connection "s3_5" is not available',
	'other key: a clear error naming the fingerprint');
ok($wrong->safe_psql('postgres', 'SELECT 1') eq '1', 'other key: the server is fine');
$wrong->stop;

# ---------------------------------------------------------------------
# extension lifecycle: DROP EXTENSION and CREATE EXTENSION again
# ---------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE lifecycle');
my $bgl = $node->background_psql('lifecycle', on_error_stop => 0);
$bgl->query_safe(q{SET client_min_messages = warning; CREATE EXTENSION connection CASCADE;
SELECT connection.create('life', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');});
is($bgl->query_safe(q{SELECT connection.property('life', 'BOOTSTRAP_SERVERS')}), '["k:1"]', 'lifecycle: cached');
$bgl->query_safe('DROP EXTENSION connection; CREATE EXTENSION connection;');
$bgl->{stderr} = '';
$bgl->query(q{SELECT connection.property('life', 'BOOTSTRAP_SERVERS')});
like($bgl->{stderr}, qr/connection "life" does not exist/, 'lifecycle: the same session sees the new, empty catalog');
$bgl->{stderr} = '';
$bgl->query_safe(q{SELECT connection.create('life', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:2"}')});
is($bgl->query_safe(q{SELECT connection.property('life', 'BOOTSTRAP_SERVERS')}), '["k:2"]',
	'lifecycle: and works on it');
$bgl->quit;

note("restarts survived: $restarts");
$node->stop;
done_testing();
