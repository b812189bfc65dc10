# Several servers (issue 17): a publisher and a subscriber with the same
# keys (logical replication of connection.pg_connection and
# pg_connection_reserved): create, alter, grant, rename, rotate_key() and
# drop on the publisher reach a subscriber session that was open before,
# property records are made again there, owners and grants resolve to the
# subscriber's roles by name; a subscriber with another key gets the clear
# error of a restore with another key; a streaming standby promoted while a
# session is open serves and changes connections at once; the key status on
# each.
use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use ConnTest;

my $dir = PostgreSQL::Test::Utils::tempdir;
my ($k1, $k2, $k3) = (new_key(), new_key(), new_key());
write_keys("$dir/pub.key", $k1);
write_keys("$dir/sub.key", $k1);
write_keys("$dir/other.key", $k3);

my $pub = start_node('publisher', "$dir/pub.key", shared_preload_libraries => 'connection',
	wal_level => 'logical', max_wal_senders => '6', max_replication_slots => '6');
my $sub = start_node('subscriber', "$dir/sub.key", shared_preload_libraries => 'connection');
my $other = start_node('otherkey', "$dir/other.key", shared_preload_libraries => 'connection');

# the roles exist everywhere, created in another order (other OIDs)
$pub->safe_psql('postgres', 'CREATE ROLE alice LOGIN; CREATE ROLE app LOGIN');
$sub->safe_psql('postgres', 'CREATE ROLE filler; CREATE ROLE app LOGIN; CREATE ROLE alice LOGIN');
$other->safe_psql('postgres', 'CREATE ROLE app LOGIN; CREATE ROLE alice LOGIN');

my $s3 = q('{"ACCESS_KEY": "AKIASEVERAL00000001", "SECRET_KEY": "first-secret", "REGION": "us-east-1"}');
$pub->safe_psql('postgres', qq{
SELECT connection.create('c0', 'STORAGE', 'S3', $s3);
SELECT connection.alter('c0', owner => 'alice');
-- a connection that names one stored after it (the update moves the row):
-- the initial copy brings them in that order
SELECT connection.create('early', 'STORAGE', 'S3', $s3);
SELECT connection.create('early_hms', 'CATALOG', 'HMS', '{"HIVE_METASTORE_URIS": "h:9083", "STORAGE_CONNECTION": "early"}');
SELECT connection.alter('early', set_properties => '{"REGION": "us-west-2"}');
CREATE PUBLICATION conn_pub FOR TABLE connection.pg_connection, connection.pg_connection_reserved;});

my $pubconn = $pub->connstr . ' dbname=postgres';
foreach my $n ($sub, $other)
{
	$n->safe_psql('postgres', "CREATE SUBSCRIPTION conn_sub_${\ $n->name} CONNECTION '$pubconn' PUBLICATION conn_pub");
	$n->poll_query_until('postgres',
		q{SELECT count(*) = 0 FROM pg_subscription_rel WHERE srsubstate NOT IN ('r', 's')})
	  or die 'the initial copy did not finish';
}
sub synced
{
	$pub->wait_for_catchup("conn_sub_${\ $_->name}") foreach ($sub, $other);
	return;
}

# ---------------------------------------------------------------------
# the subscriber, in a session open from before
# ---------------------------------------------------------------------
my $bg = $sub->background_psql('postgres', on_error_stop => 0);
is($bg->query_safe(q{SELECT connection.credentials('c0')->>'SECRET_KEY'}), 'first-secret',
	'the initial copy: the connection decrypts on the subscriber');
is($sub->safe_psql('postgres', q{SELECT owner FROM connection.connections WHERE name = 'c0'}), 'alice',
	'its owner is the subscriber\'s role of that name');
is($sub->safe_psql('postgres', q{SELECT string_agg(kind || ':' || object, ',') FROM connection.dependents('early')}),
	'connection:connection early_hms', 'the initial copy makes the property records, whatever the order of the rows');
$pub->safe_psql('postgres', q{SELECT connection.drop('early_hms'); SELECT connection.drop('early')});

$pub->safe_psql('postgres', q{SELECT connection.alter('c0', set_properties => '{"SECRET_KEY": "second-secret"}')});
synced();
is($bg->query_safe(q{SELECT connection.credentials('c0')->>'SECRET_KEY'}), 'second-secret',
	'alter reaches the open session');

$pub->safe_psql('postgres', q{SELECT connection.grant_usage('c0', 'app')});
synced();
is($bg->query_safe(q{SELECT connection.has_usage('c0', 'app')}), 't', 'a grant reaches it, to the role of that name');
is($sub->safe_psql('postgres', q{SELECT connection.property('c0', 'REGION')}, extra_params => [ '-U', 'app' ]),
	'us-east-1', 'and the subscriber\'s role may use the connection');

$pub->safe_psql('postgres', qq{
SELECT connection.create('c1', 'STORAGE', 'S3', $s3);
SELECT connection.create('hms', 'CATALOG', 'HMS', '{"HIVE_METASTORE_URIS": "h:9083", "STORAGE_CONNECTION": "c1"}');});
synced();
is($bg->query_safe(q{SELECT string_agg(kind || ':' || object, ',') FROM connection.dependents('c1')}),
	'connection:connection hms', 'create: the property record is made on the subscriber too');

$pub->safe_psql('postgres', q{SELECT connection.alter('c1', rename_to => 'c1r')});
synced();
is($bg->query_safe(q{SELECT count(*) FROM connection.show('c1%')}), '1', 'rename: one connection');
is($bg->query_safe(q{SELECT connection.property('hms', 'STORAGE_CONNECTION')}), 'c1r',
	'rename: the connection that named it follows');
$bg->{stderr} = '';
$bg->query(q{SELECT connection.credentials('c1')});
like($bg->{stderr}, qr/connection "c1" does not exist/, 'rename: the old name is gone in the open session');
$bg->{stderr} = '';

# a new current key on both servers, then rotate_key() on the publisher
write_keys("$dir/pub.key", $k2, $k1);
write_keys("$dir/sub.key", $k2, $k1);
$_->reload foreach ($pub, $sub);
my $fp2 = $pub->safe_psql('postgres', q{SELECT fingerprint FROM connection.key_status() WHERE current});
$pub->safe_psql('postgres', 'SELECT connection.rotate_key()');
synced();
is($bg->query_safe(q{SELECT connection.credentials('c0')->>'SECRET_KEY'}), 'second-secret',
	'rotate_key(): the subscriber decrypts the rows moved to the new key');
is($sub->safe_psql('postgres', q{SELECT fingerprint || ':' || loaded || ':' || current || ':' || connections
  FROM connection.key_status() WHERE connections > 0}), "$fp2:true:true:2",
	'key status on the subscriber: both connections with secrets under its current key');

$pub->safe_psql('postgres', q{SELECT connection.drop('hms'); SELECT connection.drop('c1r')});
synced();
is($bg->query_safe(q{SELECT string_agg(name, ',' ORDER BY name) FROM connection.show()}), 'c0',
	'drop reaches the open session');
$bg->quit;

# ---------------------------------------------------------------------
# a subscriber with another key
# ---------------------------------------------------------------------
fails_with($other, q{SELECT connection.credentials('c0')}, '55000',
	'the key that encrypted connection "c0" is not available', 'another key: the clear error of a restore');
is($other->safe_psql('postgres', q{SELECT connection.property('c0', 'REGION')}), 'us-east-1',
	'another key: plain properties still work');
is($other->safe_psql('postgres', q{SELECT loaded || ':' || connections || ':' || array_to_string(undecryptable, ',')
  FROM connection.key_status() WHERE fingerprint = '} . $fp2 . q{'}), 'false:1:c0',
	'key status there: the fingerprint is not loaded, and what it cannot decrypt (superuser)');
is($other->safe_psql('postgres', q{SELECT undecryptable IS NULL FROM connection.key_status() WHERE NOT loaded},
	extra_params => [ '-U', 'app' ]), 't', 'key status: other roles see counts, not names');
is($other->safe_psql('postgres', q{SELECT count(*) FROM connection.key_status() WHERE loaded AND current AND connections = 0}),
	'1', 'key status there: its own key is loaded and encrypts nothing');

# ---------------------------------------------------------------------
# a standby promoted while a session is open
# ---------------------------------------------------------------------
$pub->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($pub, 'b', has_streaming => 1);
$standby->start;
$pub->wait_for_catchup($standby);
my $sbg = $standby->background_psql('postgres', on_error_stop => 0);
is($sbg->query_safe(q{SELECT connection.credentials('c0')->>'SECRET_KEY'}), 'second-secret',
	'standby: serves the connection');
is($standby->safe_psql('postgres', q{SELECT count(*) FROM connection.key_status() WHERE loaded}), '2',
	'standby: the key status works');
$standby->promote;
$standby->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()') or die 'no promotion';
$standby->safe_psql('postgres', q{SELECT connection.alter('c0', set_properties => '{"SECRET_KEY": "after-failover"}');
SELECT connection.create('c9', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');});
is($sbg->query_safe(q{SELECT connection.credentials('c0')->>'SECRET_KEY'}), 'after-failover',
	'promoted: a session open before promotion sees a later change');
is($sbg->query_safe(q{SELECT count(*) FROM connection.show('c9')}), '1', 'promoted: and a new connection');
$sbg->quit;

$_->stop foreach ($standby, $other, $sub, $pub);
done_testing();
