# connection.cloud_provider refuses cross-cloud connections at creation
# (SPEC section 2.1).
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
my $node = start_node('cloud', "$dir/key");

my %conn = (
	OSS => q('STORAGE', 'OSS', '{"ACCESS_ID": "a", "ACCESS_KEY": "b", "ENDPOINT": "oss-cn-hangzhou.aliyuncs.com"}'),
	COS => q('STORAGE', 'COS', '{"ACCESS_KEY": "a", "SECRET_KEY": "b", "REGION": "r", "APP_ID": "1"}'),
	S3  => q('STORAGE', 'S3', '{"ACCESS_KEY": "a", "SECRET_KEY": "b", "REGION": "r"}'),
	KAFKA => q('STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}'),
	HDFS  => q('STORAGE', 'HDFS', '{"NAME_NODE": "n", "NAME_NODE_RPC_ADDRESSES": "n:1"}'),
	FC_aliyun => q('API', 'CLOUD_FUNCTION', '{"PROVIDER": "aliyun", "REGION": "r", "ROLE_ARN": "acs:ram::1:role/r", "CODE_BUCKET": "b"}'),
	FC_tencent => q('API', 'CLOUD_FUNCTION', '{"PROVIDER": "tencent", "REGION": "r", "ROLE_ARN": "qcs::cam::uin/1:roleName/r", "CODE_BUCKET": "b"}'),
	FC_aws => q('API', 'CLOUD_FUNCTION', '{"PROVIDER": "aws", "REGION": "r", "ROLE_ARN": "arn:aws:iam::123456789012:role/r", "CODE_BUCKET": "b"}'),
	DATABRICKS => q('CATALOG', 'DATABRICKS', '{"HOST": "https://h.example.com", "CLIENT_ID": "i", "CLIENT_SECRET": "s", "ACCESS_REGION": "r"}'));

my %allowed = (
	none    => [ sort keys %conn ],
	aliyun  => [qw(OSS KAFKA HDFS FC_aliyun DATABRICKS)],
	tencent => [qw(COS KAFKA HDFS FC_tencent DATABRICKS)],
	aws     => [qw(S3 KAFKA HDFS FC_aws DATABRICKS)]);
my %cloud_name = (aliyun => 'Alibaba Cloud', tencent => 'Tencent Cloud', aws => 'AWS');

foreach my $cloud (qw(aliyun tencent aws none))
{
	set_and_reload($node, cloud_provider => $cloud);
	my %ok = map { $_ => 1 } @{ $allowed{$cloud} };
	foreach my $what (sort keys %conn)
	{
		my $sql = "SELECT connection.create('c_$cloud', $conn{$what}); SELECT connection.drop('c_$cloud')";
		if ($ok{$what})
		{
			my ($ret, $out, $err) = $node->psql('postgres', $sql);
			is($ret, 0, "$cloud: $what is allowed");
		}
		else
		{
			my $err = fails_with($node, $sql, '0A000', "connection \"c_$cloud\" belongs to",
				"$cloud: $what is refused");
			like($err, qr/but this instance runs on \Q$cloud_name{$cloud}\E\n/,
				"$cloud: $what: the message names this cloud");
		}
	}
}

# a connection of another cloud made before the restriction: the
# restriction holds at every use and every change of properties; its
# metadata can still be changed, and it can be dropped
set_and_reload($node, cloud_provider => 'none');
$node->safe_psql('postgres', "SELECT connection.create('old_cos', $conn{COS})");
is($node->safe_psql('postgres', "SELECT connection.property('old_cos', 'SECRET_KEY')"), 'b',
	'a COS connection is usable while no cloud is set');
set_and_reload($node, cloud_provider => 'aliyun');
$node->safe_psql('postgres', "SELECT connection.alter('old_cos', comment => 'still here')");
foreach my $use (q{SELECT connection.property('old_cos', 'SECRET_KEY')},
	q{SELECT connection.credentials('old_cos')},
	q{SELECT connection.property('old_cos', 'REGION')})
{
	fails_with($node, $use, '0A000',
		'connection "old_cos" belongs to Tencent Cloud, but this instance runs on Alibaba Cloud',
		"use of a connection of another cloud is refused: $use");
}
fails_with($node, q{SELECT connection.alter('old_cos', set_properties => '{"REGION": "ap-beijing"}')},
	'0A000', 'connection "old_cos" belongs to Tencent Cloud, but this instance runs on Alibaba Cloud',
	'a change of properties meets the restriction');
$node->safe_psql('postgres', "SELECT connection.drop('old_cos')");
is($node->safe_psql('postgres', "SELECT count(*) FROM connection.show('old_cos')"), '0',
	'it can be dropped');
# but a cloud function cannot be moved to another cloud by alter
set_and_reload($node, cloud_provider => 'none');
$node->safe_psql('postgres', "SELECT connection.create('fc', $conn{FC_aliyun})");
set_and_reload($node, cloud_provider => 'aliyun');
fails_with($node,
	q{SELECT connection.alter('fc', set_properties => '{"PROVIDER": "aws", "ROLE_ARN": "arn:aws:iam::123456789012:role/r"}')},
	'0A000', 'connection "fc" belongs to AWS, but this instance runs on Alibaba Cloud',
	'alter cannot move a function to another cloud');

$node->stop;
done_testing();
