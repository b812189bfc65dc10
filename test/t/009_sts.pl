# STS role assumption and presigned URLs against the emulator of
# test/sts/emulator.py (SPEC section 6): success per provider, the
# per-backend cache (hit, refresh near expiry, invalidation by changes of
# the connection, of its source and of connection.sts_source_connection),
# every failure, cancel and statement_timeout during a slow call, rights,
# a hot standby, presigned GETs the emulator accepts, and no secret in the
# server log.
use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use ConnTest;
use HTTP::Tiny;
use IPC::Run;
use JSON::PP;
use Time::HiRes qw(time);

my $dir = PostgreSQL::Test::Utils::tempdir;
my $emulator = "$FindBin::RealBin/../sts/emulator.py";

# the source connections' keys, as the emulator knows them
my %src = (
	aws     => [ 'AKIAEXAMPLESOURCE1', 'aws/source+secret=1' ],
	aliyun  => [ 'LTAI5tExampleSource', 'aliyun-source-secret' ],
	tencent => [ 'AKIDexampleSource01', 'tencent-source-secret' ]);

my $base = start_emulator($dir, map { ('--key', "$_->[0]=$_->[1]") } values %src);
my ($port) = $base =~ /:(\d+)$/;
my $http = HTTP::Tiny->new(timeout => 30);
sub control { emulator_control($base, @_); return; }
sub stats { return emulator_stats($base); }

sub calls { return stats()->{calls}{ $_[0] }; }

write_keys("$dir/key", new_key());
# the emulator is on the loopback: listed by address and port, for every
# role (an ordinary role's endpoints are checked against it too)
# (the per-backend cache: the shared one is 012_sts_shared.pl's)
my $node = start_node('sts', "$dir/key", shared_preload_libraries => 'connection',
	'connection.sts_shared_entries' => '0',
	wal_level => 'replica', max_wal_senders => '2',
	'connection.allowed_hosts' => "127.0.0.1:$port, 127.0.0.1:1");

my %role = (
	aws     => [ 'S3', 'arn:aws:iam::123456789012:role/reader', qq("REGION": "us-east-1", "ENDPOINT": "$base") ],
	aliyun  => [ 'OSS', 'acs:ram::1234567890:role/reader', qq("REGION": "cn-hangzhou", "ENDPOINT": "$base") ],
	tencent => [ 'COS', 'qcs::cam::uin/100001:roleName/reader', '"REGION": "ap-guangzhou", "APP_ID": "1250000000"' ]);
my %srcprops = (
	aws     => qq({"ACCESS_KEY": "$src{aws}[0]", "SECRET_KEY": "$src{aws}[1]", "REGION": "us-east-1", "ENDPOINT": "$base"}),
	aliyun  => qq({"ACCESS_ID": "$src{aliyun}[0]", "ACCESS_KEY": "$src{aliyun}[1]", "ENDPOINT": "$base"}),
	tencent => qq({"ACCESS_KEY": "$src{tencent}[0]", "SECRET_KEY": "$src{tencent}[1]", "REGION": "ap-guangzhou", "APP_ID": "1250000000"}));

my %roles;
foreach my $p (sort keys %role)
{
	my ($type, $arn, $extra) = @{ $role{$p} };
	$node->safe_psql('postgres', qq{
		SELECT connection.create('src_$p', 'STORAGE', '$type', '$srcprops{$p}');
		SELECT connection.create('role_$p', 'STORAGE', '$type',
			'{"ROLE_ARN": "$arn", $extra, "SOURCE_CONNECTION": "src_$p", "STS_ENDPOINT": "$base"}');});
	$roles{$arn} = $node->safe_psql('postgres',
		"SELECT connection.property('role_$p', 'EXTERNAL_ID')");
}
control(roles => \%roles, mode => 'ok', expires_in => 3600);

# ---------------------------------------------------------------------
# success per provider, and the cache
# ---------------------------------------------------------------------
my %native = (aws => [qw(ACCESS_KEY SECRET_KEY)], aliyun => [qw(ACCESS_ID ACCESS_KEY)],
	tencent => [qw(ACCESS_KEY SECRET_KEY)]);
my @seen_secrets = map { $_->[1] } values %src;
foreach my $p (sort keys %role)
{
	my $before = calls($p);
	my $json = $node->safe_psql('postgres', "SELECT connection.credentials('role_$p')");
	my $c = decode_json($json);
	my $last = stats()->{last};
	is(calls($p), $before + 1, "$p: one AssumeRole call");
	is($c->{ACCESS_KEY_ID}, $last->{key_id}, "$p: the issued key");
	ok(length($c->{SECRET}) > 20 && length($c->{SECURITY_TOKEN}) > 20, "$p: secret and token");
	like($c->{EXPIRATION}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, "$p: expiration in ISO 8601");
	is($c->{ $native{$p}[0] } . '/' . $c->{ $native{$p}[1] }, "$c->{ACCESS_KEY_ID}/$c->{SECRET}",
		"$p: also under the type's own names");
	is($c->{ROLE_ARN}, $role{$p}[1], "$p: settings included");
	is($last->{session}, "pg-postgres-role_$p", "$p: default session name");
	is($last->{duration}, '3600', "$p: default duration");
	push @seen_secrets, $c->{SECRET}, $c->{SECURITY_TOKEN};

	# cache: a second call in the same session does not call again
	$before = calls($p);
	my $two = $node->safe_psql('postgres',
		"SELECT connection.credentials('role_$p') = connection.credentials('role_$p');
		 SELECT connection.credentials('role_$p')->>'SECRET'");
	is(calls($p), $before + 1, "$p: second call in a session is a cache hit");
	push @seen_secrets, (split /\n/, $two)[1];
}

# SESSION_NAME and DURATION_SECONDS are sent
$node->safe_psql('postgres', q{SELECT connection.alter('role_aws',
	set_properties => '{"SESSION_NAME": "etl@nightly", "DURATION_SECONDS": "7200"}')});
$node->safe_psql('postgres', "SELECT connection.credentials('role_aws')");
is(stats()->{last}{session}, 'etl@nightly', 'SESSION_NAME sent');
is(stats()->{last}{duration}, '7200', 'DURATION_SECONDS sent');

# refresh near expiry: credentials with less than five minutes left are
# fetched again
control(expires_in => 200);
my $before = calls('aws');
$node->safe_psql('postgres',
	"SELECT connection.credentials('role_aws'); SELECT connection.credentials('role_aws');");
is(calls('aws'), $before + 2, 'credentials about to expire are renewed');
control(expires_in => 3600);

# invalidation: a change to the connection or to its source, seen by a
# session that holds cached credentials
my $bg = $node->background_psql('postgres', on_error_stop => 0);
$bg->query_safe("SELECT connection.credentials('role_aliyun')");
$before = calls('aliyun');
$bg->query_safe("SELECT connection.credentials('role_aliyun')");
is(calls('aliyun'), $before, 'cached in a session');
$node->safe_psql('postgres', "SELECT connection.alter('role_aliyun', comment => 'changed')");
$bg->query_safe("SELECT connection.credentials('role_aliyun')");
is(calls('aliyun'), $before + 1, 'alter of the connection invalidates');
$node->safe_psql('postgres',
	"SELECT connection.alter('src_aliyun', set_properties => '{\"ENDPOINT\": \"$base/\"}')");
$bg->query_safe("SELECT connection.credentials('role_aliyun')");
is(calls('aliyun'), $before + 2, 'alter of the source invalidates');
$bg->query_safe("SELECT connection.credentials('role_aliyun')");
is(calls('aliyun'), $before + 2, 'and then it is cached again');
$bg->quit;

# ---------------------------------------------------------------------
# the default source: connection.sts_source_connection
# ---------------------------------------------------------------------
$node->safe_psql('postgres', qq{SELECT connection.create('role_default', 'STORAGE', 'S3',
	'{"ROLE_ARN": "arn:aws:iam::123456789012:role/reader", "REGION": "us-east-1", "STS_ENDPOINT": "$base"}')});
fails_with($node, "SELECT connection.credentials('role_default')", '55000',
	'connection "role_default" has no source connection', 'no source');
# the role's trust policy names one external id: this connection has another
fails_with($node, "SET connection.sts_source_connection = 'src_aws'; SELECT connection.credentials('role_default')",
	'28000', 'AWS STS did not issue credentials for connection "role_default"', 'wrong external id');
$node->safe_psql('postgres', qq{SELECT connection.create('role_default2', 'STORAGE', 'S3',
	'{"ROLE_ARN": "arn:aws:iam::123456789012:role/other", "REGION": "us-east-1", "STS_ENDPOINT": "$base"}')});
control(roles => { 'arn:aws:iam::123456789012:role/other' =>
	  $node->safe_psql('postgres', "SELECT connection.property('role_default2', 'EXTERNAL_ID')") });
like($node->safe_psql('postgres',
	"SET connection.sts_source_connection = 'src_aws'; SELECT connection.credentials('role_default2')->>'ACCESS_KEY_ID'"),
	qr/^ASIA/, 'signed with the source named by connection.sts_source_connection');
my $bgd = $node->background_psql('postgres', on_error_stop => 0);
$bgd->query_safe("SET connection.sts_source_connection = 'src_aws'");
$bgd->query_safe("SELECT connection.credentials('role_default2')");
$before = calls('aws');
$bgd->query_safe("SELECT connection.credentials('role_default2')");
is(calls('aws'), $before, 'default source: cached');
$node->safe_psql('postgres', qq{SELECT connection.create('src_aws2', 'STORAGE', 'S3', '$srcprops{aws}')});
$bgd->query_safe("SET connection.sts_source_connection = 'src_aws2'");
$bgd->query_safe("SELECT connection.credentials('role_default2')");
is(calls('aws'), $before + 1, 'another default source invalidates');
$bgd->quit;

# ---------------------------------------------------------------------
# failures
# ---------------------------------------------------------------------
my %label = (aws => 'AWS', aliyun => 'Alibaba Cloud', tencent => 'Tencent Cloud');
my @errors;
foreach my $p (sort keys %role)
{
	my $sql = "SELECT connection.credentials('role_$p')";
	control(mode => 'deny');
	push @errors, fails_with($node, $sql, '28000',
		qq{$label{$p} STS did not issue credentials for connection "role_$p".*\n.*HTTP status 403, error code "AccessDenied"},
		"$p: access denied");
	control(mode => 'error500');
	push @errors, fails_with($node, $sql, '08006',
		qq{$label{$p} STS did not issue credentials.*\n.*HTTP status 500, error code "InternalError"},
		"$p: server error");
	control(mode => 'garbage');
	push @errors, fails_with($node, $sql, '08P01',
		qq{malformed response from the $label{$p} STS endpoint for connection "role_$p"}, "$p: garbage");
	control(mode => 'truncated');
	push @errors, fails_with($node, $sql, '08P01', 'malformed response', "$p: truncated");
	control(mode => 'expired');
	push @errors, fails_with($node, $sql, '28000',
		qq{temporary credentials of connection "role_$p" expired at}, "$p: already expired (clock skew)");
	control(mode => 'ok');
}

# a rejected signature: the source's keys are wrong; the provider's message
# (Alibaba Cloud quotes the string it signed, key ID included) is scrubbed
$node->safe_psql('postgres', qq{SELECT connection.alter('src_aliyun',
	set_properties => '{"ACCESS_KEY": "not-the-secret"}')});
my $err = fails_with($node, "SELECT connection.credentials('role_aliyun')", '28000',
	qq{Alibaba Cloud STS did not issue credentials.*\n.*error code "SignatureDoesNotMatch"}, 'bad signature');
push @errors, $err;
unlike($err, qr/$src{aliyun}[0]|string to sign/, 'bad signature: no key ID, no string to sign');
$node->safe_psql('postgres', qq{SELECT connection.alter('src_aliyun',
	set_properties => '{"ACCESS_KEY": "$src{aliyun}[1]"}')});

# disabled source
$node->safe_psql('postgres', "SELECT connection.alter('src_tencent', enabled => false)");
fails_with($node, "SELECT connection.credentials('role_tencent')", '55000',
	'source connection "src_tencent" of connection "role_tencent" is disabled', 'disabled source');
$node->safe_psql('postgres', "SELECT connection.alter('src_tencent', enabled => true)");

# unreachable, and the time limit
$node->safe_psql('postgres', "SELECT connection.alter('role_tencent', set_properties => '{\"STS_ENDPOINT\": \"http://127.0.0.1:1\"}')");
fails_with($node, "SELECT connection.credentials('role_tencent')", '08001',
	'could not reach the Tencent Cloud STS endpoint', 'unreachable');
$node->safe_psql('postgres', "SELECT connection.alter('role_tencent', set_properties => '{\"STS_ENDPOINT\": \"$base\"}')");
control(mode => 'slow', slow => 3);
my $t0 = time;
fails_with($node, "SET connection.sts_timeout = '500ms'; SELECT connection.credentials('role_tencent')",
	'08006', 'request to the Tencent Cloud STS endpoint timed out after 500 ms', 'sts_timeout');
ok(time - $t0 < 3, 'sts_timeout: gave up before the answer');

# statement_timeout and a query cancel interrupt a slow call
control(mode => 'slow', slow => 60);
$t0 = time;
fails_with($node, "SET connection.sts_timeout = '120s'; SET statement_timeout = '1s'; SELECT connection.credentials('role_aws')",
	'57014', 'canceling statement due to statement timeout', 'statement_timeout');
ok(time - $t0 < 10, 'statement_timeout: interrupted the call');

my ($stdout, $stderr) = ('', '');
my $h = IPC::Run::start(
	[ 'psql', '-XAtq', '-v', 'VERBOSITY=verbose', '-d', $node->connstr('postgres'),
		'-c', "SET connection.sts_timeout = '120s'; SET application_name = 'slow_sts'; SELECT connection.credentials('role_aliyun')" ],
	'>', \$stdout, '2>', \$stderr);
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'slow_sts' AND query LIKE '%credentials%'")
  or die 'slow call did not start';
sleep 1;
$t0 = time;
$node->safe_psql('postgres', "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'slow_sts'");
$h->finish;
like($stderr, qr/57014: canceling statement due to user request/, 'cancel: the call is interrupted');
ok(time - $t0 < 10, 'cancel: promptly');
control(mode => 'ok');
is($node->safe_psql('postgres', "SELECT connection.credentials('role_aliyun') ? 'SECURITY_TOKEN'"),
	't', 'after a cancel, calls work again');

# ---------------------------------------------------------------------
# rights: USAGE on the role connection; its owner's right to the source
# ---------------------------------------------------------------------
$node->safe_psql('postgres', q{
	CREATE ROLE alice LOGIN; CREATE ROLE bob LOGIN;
	SELECT connection.grant_usage('role_aws', 'bob');});
fails_with($node, "SET ROLE alice; SELECT connection.credentials('role_aws')", '42501',
	'permission denied for connection role_aws', 'no USAGE');
like($node->safe_psql('postgres', "SET ROLE bob; SELECT connection.credentials('role_aws')->>'ACCESS_KEY_ID'"),
	qr/^ASIA/, 'USAGE on the role connection is enough');
# alice owns a role connection naming a source she may not use
$node->safe_psql('postgres', qq{
	SELECT connection.create('alice_role', 'STORAGE', 'S3',
		'{"ROLE_ARN": "arn:aws:iam::123456789012:role/other", "REGION": "us-east-1",
		  "SOURCE_CONNECTION": "src_aws", "STS_ENDPOINT": "$base"}');
	SELECT connection.alter('alice_role', owner => 'alice');});
fails_with($node, "SET ROLE alice; SELECT connection.credentials('alice_role')", '42501',
	'owner of connection "alice_role" may not use its source connection "src_aws"', 'owner without USAGE on the source');

# ---------------------------------------------------------------------
# presigned URLs the emulator accepts
# ---------------------------------------------------------------------
foreach my $c (qw(src_aws role_aws src_aliyun role_aliyun))
{
	my $url = $node->safe_psql('postgres', "SELECT connection.presign('$c', 'GET', 'my-bucket/dir/file one.csv')");
	my $r = $http->get($url);
	is($r->{status}, 200, "$c: presigned GET accepted");
	is($r->{content}, "object /my-bucket/dir/file one.csv\n", "$c: the object");
	(my $bad = $url) =~ s/file%20one/file%20two/;
	is($http->get($bad)->{status}, 403, "$c: another object with that signature is refused");
}
my $put = $node->safe_psql('postgres', "SELECT connection.presign('role_aws', 'PUT', 'my-bucket/up.bin', '2 minutes')");
is($http->put($put, { content => 'data' })->{status}, 200, 'presigned PUT accepted');
like($put, qr/X-Amz-Expires=120&X-Amz-Security-Token=/, 'role-based URL carries the session token');
is($http->get($put)->{status}, 403, 'a PUT URL does not GET');

# COS: the URL's host is Tencent's; the emulator checks the signature offline
foreach my $c (qw(src_tencent role_tencent))
{
	# the temporary credentials are those cached in the session that signs
	my ($url, $id, $key) = split /\|/, $node->safe_psql('postgres',
		"SELECT connection.presign('$c', 'GET', 'my-bucket/k.txt') || '|' ||
		        coalesce(connection.credentials('$c')->>'ACCESS_KEY_ID', connection.credentials('$c')->>'ACCESS_KEY')
		        || '|' || coalesce(connection.credentials('$c')->>'SECRET', connection.credentials('$c')->>'SECRET_KEY')");
	like($url, qr{^https://my-bucket-1250000000\.cos\.ap-guangzhou\.myqcloud\.com/k\.txt\?}, "$c: COS host");
	my $ok = system('python3', $emulator, 'verify-cos', $url, $id, $key);
	is($ok, 0, "$c: COS signature verified");
}

# ---------------------------------------------------------------------
# a hot standby assumes roles too: nothing is written
# ---------------------------------------------------------------------
$node->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('sts_standby');
$standby->init_from_backup($node, 'b', has_streaming => 1);
$standby->start;
$node->wait_for_catchup($standby);
$before = calls('tencent');
like($standby->safe_psql('postgres', "SELECT connection.credentials('role_tencent')->>'ACCESS_KEY_ID'"),
	qr/^AKIDtmp/, 'standby: temporary credentials');
is(calls('tencent'), $before + 1, 'standby: from STS');
$standby->stop;

# ---------------------------------------------------------------------
# no secret in errors or in the server log
# ---------------------------------------------------------------------
my $log = slurp_file($node->logfile);
foreach my $s (@seen_secrets)
{
	unlike(join('', @errors), qr/\Q$s\E/, 'errors hold no secret') if $s;
	ok(index($log, $s) < 0, 'server log holds no secret') if $s;
}

is($node->safe_psql('postgres', 'SELECT count(*) FROM connection.sts_cache'), '0',
	'with connection.sts_shared_entries = 0 nothing is shared and the view is empty');
$node->stop;
done_testing();
