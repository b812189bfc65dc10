# Secrets at rest: after a CHECKPOINT no identifier or secret value is in
# any file of the data directory (pg_wal included), nor in pg_dump output;
# a restore under the same key works (SPEC section 4).
use strict;
use warnings FATAL => 'all';

use File::Find;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use ConnTest;

my $dir = PostgreSQL::Test::Utils::tempdir;
write_keys("$dir/key", new_key());
my $node = start_node('at_rest', "$dir/key",
	'connection.allowed_hosts' => 'visible-endpoint.example.com');

# recognisable values of every identifier and secret kind
my %hidden = (
	oss_id      => 'LTAI5tHiddenIdentifier7Q',
	oss_key     => 'HiddenOssSecret-7c1f0e2d',
	kafka_user  => 'hidden_kafka_user_4242',
	kafka_pw    => 'HiddenKafkaPassword-99ab',
	principal   => 'hidden-principal/nn@EXAMPLE.COM',
	keytab      => 'SGlkZGVuS2V5dGFiQnl0ZXM5OQ==',
	client_id   => 'hidden-dbx-client-5a6b7c',
	client_sec  => 'HiddenDbxSecret-0d0e0f');
my $plain = 'visible-endpoint.example.com';

$node->safe_psql('postgres', qq{
SELECT connection.create('oss', 'STORAGE', 'OSS',
  '{"ACCESS_ID": "$hidden{oss_id}", "ACCESS_KEY": "$hidden{oss_key}", "ENDPOINT": "$plain"}');
SELECT connection.create('kafka', 'STORAGE', 'KAFKA',
  '{"BOOTSTRAP_SERVERS": "k:1", "SECURITY_PROTOCOL": "SASL_SSL", "SASL_MECHANISM": "PLAIN",
    "SASL_USERNAME": "$hidden{kafka_user}", "SASL_PASSWORD": "$hidden{kafka_pw}"}');
SELECT connection.create('hdfs', 'STORAGE', 'HDFS',
  '{"NAME_NODE": "ns", "NAME_NODE_RPC_ADDRESSES": "nn:8020",
    "KERBEROS_PRINCIPAL": "$hidden{principal}", "KERBEROS_KEYTAB": "$hidden{keytab}"}');
SELECT connection.create('dbx', 'CATALOG', 'DATABRICKS',
  '{"HOST": "https://dbx.example.com", "CLIENT_ID": "$hidden{client_id}",
    "CLIENT_SECRET": "$hidden{client_sec}", "ACCESS_REGION": "us-west-2"}');
-- alter and replace write new row versions: they must be clean too
SELECT connection.alter('oss', set_properties => '{"ENDPOINT": "$plain"}');
SELECT connection.create('dbx', 'CATALOG', 'DATABRICKS',
  '{"HOST": "https://dbx.example.com", "CLIENT_ID": "$hidden{client_id}",
    "CLIENT_SECRET": "$hidden{client_sec}", "ACCESS_REGION": "us-east-1"}', or_replace => true);
});
is($node->safe_psql('postgres', "SELECT connection.property('kafka', 'SASL_PASSWORD')"),
	$hidden{kafka_pw}, 'values decrypt');
$node->safe_psql('postgres', 'CHECKPOINT');

# Count the files of a tree that contain each needle.
sub search_tree
{
	my ($root, @needles) = @_;
	my %hits = map { $_ => 0 } @needles;
	my $files = 0;
	find(
		{
			no_chdir => 1,
			wanted => sub {
				return unless -f $_;
				open(my $fh, '<:raw', $_) or return;
				local $/;
				my $bytes = <$fh>;
				close($fh);
				$files++;
				foreach my $n (@needles)
				{
					$hits{$n}++ if index($bytes, $n) >= 0;
				}
			}
		},
		$root);
	return ($files, %hits);
}

my ($files, %hits) = search_tree($node->data_dir, $plain, values %hidden);
ok($files > 100, "searched the whole data directory ($files files)");
ok($hits{$plain} > 0, "the search finds a plain value (in $hits{$plain} files)");
foreach my $what (sort keys %hidden)
{
	is($hits{ $hidden{$what} }, 0, "data directory: no trace of $what");
}

# pg_dump: ciphertext only; a restore under the same key works
my $dump = "$dir/dump.sql";
$node->command_ok([ 'pg_dump', '-d', $node->connstr('postgres'), '-f', $dump ], 'pg_dump');
my $dumped = slurp_file($dump);
like($dumped, qr/COPY connection\.pg_connection/, 'the dump holds the catalog');
like($dumped, qr/\Q$plain\E/, 'the dump holds plain values');
foreach my $what (sort keys %hidden)
{
	ok(index($dumped, $hidden{$what}) < 0, "dump: no trace of $what");
}

$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('restored'), '-f', $dump ],
	'restore into another database');
is($node->safe_psql('restored', "SELECT connection.property('hdfs', 'KERBEROS_KEYTAB')"),
	$hidden{keytab}, 'restored connections decrypt under the same key');
is($node->safe_psql('restored', "SELECT string_agg(name, ',' ORDER BY name) FROM connection.show()"),
	'dbx,hdfs,kafka,oss', 'restored connections are all there');
# the id sequence came along: a new connection does not collide
$node->safe_psql('restored',
	"SELECT connection.create('after_restore', 'STORAGE', 'KAFKA', '{\"BOOTSTRAP_SERVERS\": \"k:1\"}')");
is($node->safe_psql('restored', 'SELECT count(DISTINCT id) FROM connection.pg_connection'), '5',
	'ids stay unique after a restore');

$node->stop;
done_testing();
