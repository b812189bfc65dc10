# connection.validate() against servers on 127.0.0.1: TCP listeners for
# KAFKA, HDFS and HMS (open, refused, full backlog for a timeout), Hive
# metastores speaking Thrift (test/hms/metastore.py, in each of its
# modes), the STS emulator for a role (its trust policy with and without
# the connection's EXTERNAL_ID), for GetCallerIdentity of the three clouds
# and its OSS object API for keys with a bucket, and its OAuth endpoints
# for DATABRICKS and ICEBERG_REST; connection.validate_on_change.  Every
# failure is a row (or a warning), never an error nor a secret; a cancel is
# not absorbed; only roles with USAGE may ask; hosts outside
# connection.allowed_hosts are not contacted.
use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use JSON::PP;
use Test::More;
use Time::HiRes qw(time);
use FindBin;
use lib "$FindBin::RealBin/../perl";
use ConnTest;
use IO::Socket::INET;
use IPC::Run;

my $dir = PostgreSQL::Test::Utils::tempdir;

my %key = (oss => [ 'LTAI5tValidateKey01', 'oss-validate-Secret-1' ],
	src => [ 'AKIAVALIDATESOURCE1', 'aws/validate+source=2' ],
	cos => [ 'AKIDValidateCos0001', 'cos-validate-Secret-4' ]);
my $emubase = start_emulator($dir, '--data-dir', "$dir", '--bucket', 'lake',
	'--client', 'dbx-sp=dbx-Secret-1', '--client', 'polaris=ice-Secret-2', '--token', 'dapi-pat-Secret-3',
	map { ('--key', "$_->[0]=$_->[1]") } values %key);
my ($emuport) = $emubase =~ /:(\d+)$/;

# listeners: one that accepts, one whose backlog is full (connects hang)
my $open = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 128, ReuseAddr => 1)
  or die "listen: $!";
my $open_port = $open->sockport;
my $full = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 0, ReuseAddr => 1)
  or die "listen: $!";
my $full_port = $full->sockport;
my @fillers;
for (1 .. 8)
{
	my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $full_port, Blocking => 0);
	push @fillers, $c if $c;
}
my $closed_port = closed_port();

write_keys("$dir/key", new_key());
my $node = start_node('validate', "$dir/key",
	'connection.allowed_hosts' => "127.0.0.1:*",
	'connection.sts_timeout' => '1000',
	log_min_messages => 'debug1', log_statement => 'all');

sub sql { return $node->safe_psql('postgres', $_[0]); }

sub rows
{
	my ($conn, $target) = @_;
	$target = defined $target ? ", '$target'" : '';
	my $out = sql("SELECT check_name, ok, detail FROM connection.validate('$conn'$target)");
	note("validate('$conn'$target):\n$out");
	return $out;
}

sql(qq{
	CREATE ROLE app LOGIN;
	CREATE ROLE outsider LOGIN;
	SELECT connection.create('kafka', 'STORAGE', 'KAFKA',
	  '{"BOOTSTRAP_SERVERS": ["127.0.0.1:$open_port", "127.0.0.1:$closed_port"]}');
	SELECT connection.create('hdfs', 'STORAGE', 'HDFS',
	  '{"NAME_NODE": "hdfs://ns", "NAME_NODE_RPC_ADDRESSES": ["127.0.0.1:$full_port"]}');
	SELECT connection.create('oss', 'STORAGE', 'OSS',
	  '{"ACCESS_ID": "$key{oss}[0]", "ACCESS_KEY": "$key{oss}[1]", "ENDPOINT": "$emubase"}');
	SELECT connection.create('oss_wrong', 'STORAGE', 'OSS',
	  '{"ACCESS_ID": "$key{oss}[0]", "ACCESS_KEY": "not-the-secret", "ENDPOINT": "$emubase"}');
	SELECT connection.create('hms', 'CATALOG', 'HMS',
	  '{"HIVE_METASTORE_URIS": "thrift://127.0.0.1:$open_port", "STORAGE_CONNECTION": "oss"}');
	SELECT connection.create('src', 'STORAGE', 'S3',
	  '{"ACCESS_KEY": "$key{src}[0]", "SECRET_KEY": "$key{src}[1]", "REGION": "us-east-1", "ENDPOINT": "$emubase"}');
	SELECT connection.create('role', 'STORAGE', 'S3',
	  '{"ROLE_ARN": "arn:aws:iam::123456789012:role/reader", "REGION": "us-east-1",
	    "SOURCE_CONNECTION": "src", "STS_ENDPOINT": "$emubase"}');
	SELECT connection.create('unity', 'CATALOG', 'DATABRICKS',
	  '{"HOST": "$emubase", "CLIENT_ID": "dbx-sp", "CLIENT_SECRET": "dbx-Secret-1", "ACCESS_REGION": "us-west-2"}');
	SELECT connection.create('unity_wrong', 'CATALOG', 'DATABRICKS',
	  '{"HOST": "$emubase", "CLIENT_ID": "dbx-sp", "CLIENT_SECRET": "wrong-Secret-9", "ACCESS_REGION": "us-west-2"}');
	SELECT connection.create('unity_pat', 'CATALOG', 'DATABRICKS',
	  '{"HOST": "$emubase", "ACCESS_TOKEN": "dapi-pat-Secret-3", "ACCESS_REGION": "us-west-2"}');
	SELECT connection.create('ice', 'CATALOG', 'ICEBERG_REST',
	  '{"URI": "$emubase/api/catalog", "OAUTH_CLIENT_ID": "polaris", "OAUTH_CLIENT_SECRET": "ice-Secret-2",
	    "OAUTH_SCOPE": "PRINCIPAL_ROLE:ALL", "WAREHOUSE": "lakehouse"}');
	SELECT connection.create('s3_id', 'STORAGE', 'S3',
	  '{"ACCESS_KEY": "$key{src}[0]", "SECRET_KEY": "$key{src}[1]", "REGION": "us-east-1",
	    "ENDPOINT": "$emubase", "STS_ENDPOINT": "$emubase"}');
	SELECT connection.create('oss_id', 'STORAGE', 'OSS',
	  '{"ACCESS_ID": "$key{oss}[0]", "ACCESS_KEY": "$key{oss}[1]", "ENDPOINT": "$emubase", "STS_ENDPOINT": "$emubase"}');
	SELECT connection.create('cos_id', 'STORAGE', 'COS',
	  '{"ACCESS_KEY": "$key{cos}[0]", "SECRET_KEY": "$key{cos}[1]", "REGION": "ap-shanghai", "APP_ID": "1250000000",
	    "ENDPOINT": "$emubase", "STS_ENDPOINT": "$emubase"}');
	SELECT connection.create('s3_id_wrong', 'STORAGE', 'S3',
	  '{"ACCESS_KEY": "$key{src}[0]", "SECRET_KEY": "wrong/Secret+5", "REGION": "us-east-1", "STS_ENDPOINT": "$emubase"}');
	SELECT connection.create('oss_id_wrong', 'STORAGE', 'OSS',
	  '{"ACCESS_ID": "$key{oss}[0]", "ACCESS_KEY": "wrong-Secret-6", "ENDPOINT": "$emubase", "STS_ENDPOINT": "$emubase"}');
	SELECT connection.create('cos_id_wrong', 'STORAGE', 'COS',
	  '{"ACCESS_KEY": "$key{cos}[0]", "SECRET_KEY": "wrong-Secret-7", "REGION": "ap-shanghai", "APP_ID": "1250000000",
	    "STS_ENDPOINT": "$emubase"}');
	SELECT connection.create('s3_aws', 'STORAGE', 'S3',
	  '{"ACCESS_KEY": "$key{src}[0]", "SECRET_KEY": "$key{src}[1]", "REGION": "eu-west-1"}');
	SELECT connection.grant_usage(c, 'app') FROM unnest(ARRAY['kafka', 'hdfs', 'oss', 'oss_wrong', 'hms', 'role', 's3_id']) c;
	SELECT connection.put_object('oss', 'lake/events/2026/one.csv', 'a,b');
});
my $external_id = sql("SELECT connection.property('role', 'EXTERNAL_ID')");

# ---------------------------------------------------------------- KAFKA
my $out = rows('kafka');
like($out, qr/^reach broker 127\.0\.0\.1:$open_port\|t\|connected to 127\.0\.0\.1:$open_port$/m,
	'kafka: a listening broker is reached');
like($out, qr/^reach broker 127\.0\.0\.1:$closed_port\|f\|could not connect to 127\.0\.0\.1:$closed_port: Connection refused$/m,
	'kafka: a refused address is a failed row');
like($out, qr/^Kafka metadata \(librdkafka, PLAINTEXT\)\|f\|no metadata/m,
	'kafka: a listener that is no broker gives no metadata (015_kafka.pl checks real brokers)');

# --------------------------------------------------- HDFS: a timeout
$out = rows('hdfs');
like($out, qr/^reach name node 127\.0\.0\.1:$full_port\|f\|could not connect to 127\.0\.0\.1:$full_port within 1000 ms$/m,
	'hdfs: an address that does not answer times out in connection.sts_timeout');
my $elapsed = sql("SELECT elapsed_ms FROM connection.validate('hdfs')");
ok($elapsed >= 900 && $elapsed < 5000, "the timeout took about a second ($elapsed ms)");

# a cancel is not absorbed: statement_timeout ends the call
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	"SET connection.sts_timeout = 20000; SET statement_timeout = 300; SELECT * FROM connection.validate('hdfs')");
like($stderr, qr/canceling statement due to statement timeout/, 'statement_timeout cancels a check');

# ------------------------------------------------- HMS and its storage
$out = rows('hms');
like($out, qr/^reach metastore 127\.0\.0\.1:$open_port\|t\|/m, 'hms: the metastore is reached');
like($out, qr/^storage connection oss\|t\|/m, 'hms: its storage connection is usable');

# ------------------------------------- HMS: get_all_databases() over Thrift
my %hms;
my @modes = qw(ok drip many toolong odd meta unknown empty seqid sasl close huge);
foreach my $mode (@modes)
{
	$hms{$mode} = start_server($dir, "hms_$mode", "$dir/hms_$mode.port", 'python3',
		"$FindBin::RealBin/../hms/metastore.py", '--port-file', "$dir/hms_$mode.port", '--mode', $mode,
		'--databases', 'default,sales,web_logs,ml,finance,archive', '--stats-file', "$dir/hms_$mode.stats");
	sql(qq{SELECT connection.create('hms_$mode', 'CATALOG', 'HMS',
	  '{"HIVE_METASTORE_URIS": "thrift://127.0.0.1:$hms{$mode}", "STORAGE_CONNECTION": "oss"}')});
}
sub thrift_row
{
	my ($conn) = @_;
	my ($row) = rows($conn) =~ /^Hive metastore get_all_databases\(\) \(Thrift\)\|(.*)$/m;
	return $row // '';
}
sub hms_stats { return decode_json(slurp_file("$dir/hms_$_[0].stats")); }
my $at = sub { "the metastore at 127\\.0\\.0\\.1:$hms{$_[0]}" };
my $not_thrift = sub { $at->($_[0]) . " did not answer in Thrift's binary protocol: " };
is(thrift_row('hms_ok'), "t|6 databases: default, sales, web_logs, ml, finance, ... (answered by 127.0.0.1:$hms{ok})",
	'hms: the metastore names its databases (fields it does not know are skipped)');
is(thrift_row('hms_drip'), "t|6 databases: default, sales, web_logs, ml, finance, ... (answered by 127.0.0.1:$hms{drip})",
	'hms: an answer that comes a byte at a time');
is(thrift_row('hms_many'), "t|20000 databases: db_00000, db_00001, db_00002, db_00003, db_00004, ... (answered by 127.0.0.1:$hms{many})",
	'hms: an answer of some 500 kB');
like(thrift_row('hms_toolong'), qr/^f\|${\ $not_thrift->('toolong')}The answer is longer than 1048576 bytes\.$/,
	'hms: an answer longer than the bound is refused');
is(thrift_row('hms_odd'), "t|3 databases: caf\xc3\xa9, bell?, ?? (answered by 127.0.0.1:$hms{odd})",
	'hms: names are printable text of the database encoding');
like(thrift_row('hms_meta'), qr/^f\|${\ $at->('meta')} answered with a MetaException: metastore database is down$/,
	'hms: a MetaException');
like(thrift_row('hms_unknown'), qr/^f\|${\ $at->('unknown')} refused get_all_databases\(\): Invalid method name: 'get_all_databases'$/,
	'hms: an application exception');
like(thrift_row('hms_empty'), qr/^f\|${\ $not_thrift->('empty')}The answer holds neither the databases nor a MetaException\.$/,
	'hms: a result without databases is no success');
like(thrift_row('hms_seqid'), qr/^f\|${\ $not_thrift->('seqid')}The answer is not that of the call\.$/,
	'hms: an answer to another call');
like(thrift_row('hms_sasl'), qr/^f\|${\ $not_thrift->('sasl')}The answer is not a message of the strict binary protocol \(the metastore may want SASL or a framed transport\)\.$/,
	'hms: a SASL-only metastore');
like(thrift_row('hms_close'), qr/^f\|${\ $at->('close')} closed the connection before it answered/,
	'hms: a metastore that hangs up');
like(thrift_row('hms_huge'), qr/^f\|${\ $not_thrift->('huge')}A string is longer than the answer may be\.$/,
	'hms: a string past the bound is refused');
like(thrift_row('hms'), qr/^f\|the metastore at 127\.0\.0\.1:$open_port did not answer within 1000 ms$/,
	'hms: a listener that never answers: the timeout');
foreach my $mode (qw(ok meta))
{
	my $stats;
	foreach (1 .. 50)
	{
		$stats = hms_stats($mode);
		last if $stats->{closed} == $stats->{calls};
		select(undef, undef, undef, 0.1);
	}
	is($stats->{closed}, $stats->{calls}, "hms: every connection was closed ($mode: $stats->{calls} calls)");
}
sql(qq{SELECT connection.create('hms_two', 'CATALOG', 'HMS',
	'{"HIVE_METASTORE_URIS": "thrift://127.0.0.1:$closed_port,thrift://127.0.0.1:$hms{ok}", "STORAGE_CONNECTION": "oss"}')});
like(thrift_row('hms_two'), qr/^t\|6 databases: .* \(answered by 127\.0\.0\.1:$hms{ok}\)$/,
	'hms: the first metastore that accepts answers');
my $calls = hms_stats('ok')->{calls};
sql(qq{SELECT connection.create('hms_krb', 'CATALOG', 'HMS',
	'{"HIVE_METASTORE_URIS": "thrift://127.0.0.1:$hms{ok}", "STORAGE_CONNECTION": "oss",
	  "KERBEROS_PRINCIPAL": "loader\@EXAMPLE.COM", "KERBEROS_KEYTAB": "a2V5dGFi",
	  "METASTORE_PRINCIPAL": "hive/_HOST\@EXAMPLE.COM"}')});
like(thrift_row('hms_krb'), qr/^f\|not checked: the metastore wants SASL with Kerberos/, 'hms: Kerberos is said not to be checked');
is(hms_stats('ok')->{calls}, $calls, 'and the metastore was not called');
my $hms_start = time;
($ret, $stdout, $stderr) = $node->psql('postgres',
	"SET connection.sts_timeout = 20000; SET statement_timeout = 300; SELECT * FROM connection.validate('hms')");
my $hms_took = time - $hms_start;
like($stderr, qr/canceling statement due to statement timeout/, 'hms: statement_timeout cancels the wait for an answer');
ok($hms_took < 10, "at once, not after connection.sts_timeout (${hms_took}s)");

# ------------------------------------------------ keys with a bucket
$out = rows('oss', 'lake/events');
like($out, qr/^list lake\/events\|t\|listed object "events\/2026\/one\.csv"$/m, 'oss: one object listed');
$out = rows('oss', 'lake/nothing');
like($out, qr/^list lake\/nothing\|t\|listed no object under "lake\/nothing"$/m, 'oss: an empty prefix');
$out = rows('oss', 'nobucket');
like($out, qr/^list nobucket\|f\|.*NoSuchBucket/m, 'oss: a missing bucket is a failed row');
$out = rows('oss_wrong', 'lake');
like($out, qr/^list lake\|f\|.*Signature/m, 'oss: a wrong secret is a failed row with the service\'s words');
unlike($out, qr/not-the-secret|\Q$key{oss}[1]\E/, 'no secret in the rows');
($ret, $stdout, $stderr) = $node->psql('postgres', "SELECT * FROM connection.validate('oss')");
like($stderr, qr/nothing to check for connection "oss" without a target/,
	'keys of an endpoint off the cloud, without STS_ENDPOINT or a target: told what to pass');
like($stderr, qr/DETAIL:  Its ENDPOINT is not Alibaba Cloud's object storage, so Alibaba Cloud STS is not asked whom its keys belong to; set STS_ENDPOINT to ask one\./,
	'and why the cloud is not asked');
# an S3-compatible service on a host of AWS's domains is not AWS's S3
sql(qq{LOAD 'connection'; SET connection.allowed_hosts = '*.amazonaws.com:*';
	SELECT connection.create('s3_ec2', 'STORAGE', 'S3',
	  '{"ACCESS_KEY": "$key{src}[0]", "SECRET_KEY": "$key{src}[1]", "REGION": "eu-west-1",
	    "ENDPOINT": "https://minio.ec2-1-2-3-4.compute-1.amazonaws.com:9000"}');
	SELECT connection.create('s3_aws_endpoint', 'STORAGE', 'S3',
	  '{"ACCESS_KEY": "$key{src}[0]", "SECRET_KEY": "$key{src}[1]", "REGION": "eu-west-1",
	    "ENDPOINT": "https://s3.eu-west-1.amazonaws.com"}')});
($ret, $stdout, $stderr) = $node->psql('postgres', "SELECT * FROM connection.validate('s3_ec2')");
like($stderr, qr/nothing to check for connection "s3_ec2" without a target\nDETAIL:  Its ENDPOINT is not AWS's object storage/,
	'keys of a service on an EC2 host name are not sent to AWS STS');
like(sql("SELECT check_name FROM connection.validate('s3_aws_endpoint')"), qr/^identity of the keys \(AWS STS GetCallerIdentity\)$/,
	'keys of an ENDPOINT that is AWS\'s S3 are asked about');

# ------------------------------------------ keys: whose are they?
my %account = (s3 => '123456789012', oss => '1234567890123456', cos => '100000000001');
my %arn = (s3 => "arn:aws:iam::123456789012:user/u-$key{src}[0]",
	oss => "acs:ram::1234567890123456:user/u-$key{oss}[0]",
	cos => "qcs::cam::uin/100000000001:uin/u-$key{cos}[0]");
my %label = (s3 => 'AWS', oss => 'Alibaba Cloud', cos => 'Tencent Cloud');
my $before = emulator_stats($emubase)->{calls};
for my $t (qw(s3 oss cos))
{
	$out = rows("${t}_id");
	like($out, qr/^identity of the keys \(\Q$label{$t}\E STS GetCallerIdentity\)\|t\|account $account{$t}, \Q$arn{$t}\E, user id ID\U$key{$t eq 's3' ? 'src' : $t}[0]\E$/m,
		"$t: GetCallerIdentity names the account and the principal");
	$out = rows("${t}_id_wrong");
	like($out, qr/^identity of the keys [^|]*\|f\|\Q$label{$t}\E STS did not say whom the keys of connection "${t}_id_wrong" belong to: HTTP status \d+, error code "[^"]*Signature[^"]*".*\(Check the connection's keys, and that its STS endpoint is its cloud's\.\)$/m,
		"$t: a wrong secret is a failed row with the provider's code");
	unlike($out, qr/wrong-Secret|wrong\/Secret/, "$t: no secret in the row");
}
my $after = emulator_stats($emubase)->{calls};
is($after->{identity} - ($before->{identity} // 0), 6, 'six GetCallerIdentity calls reached the emulator');
is($after->{aws} + $after->{aliyun} + $after->{tencent}, $before->{aws} + $before->{aliyun} + $before->{tencent},
	'and no AssumeRole');
# what a service says is made printable text of the database's encoding
emulator_control($emubase, mode => 'badbytes');
$out = sql("SELECT detail FROM connection.validate('s3_id')");
like($out, qr/error code "AccessDenied": bell\?? \?\? not UTF-8 \?\? \(Check/,
	'a control character and bytes of no character in an answer become "?"');
emulator_control($emubase, mode => 'ok');
$out = rows('s3_id', 'lake/events');
like($out, qr/^identity of the keys [^|]*\|t\|.*\nlist lake\/events\|/s, 'with a target: the identity, then the listing');
is(sql("SET ROLE app; SELECT ok FROM connection.validate('s3_id')"), 't', 'a role with USAGE asks too');
# the provider's own endpoint, by default: refused by allowed_hosts, never reached
$out = rows('s3_aws');
like($out, qr/^identity of the keys [^|]*\|f\|[^\n]*sts\.eu-west-1\.amazonaws\.com[^\n]*allowed_hosts/m,
	'without STS_ENDPOINT the regional AWS endpoint is asked, under allowed_hosts');
$out = sql("SET connection.allowed_hosts = 'sts.example.com'; SELECT ok::text || ' ' || detail FROM connection.validate('s3_id')");
like($out, qr/^false .*allowed_hosts/, 'STS_ENDPOINT is under allowed_hosts too');

# ------------------------------------------------------------- a role
emulator_control($emubase, roles => { 'arn:aws:iam::123456789012:role/reader' => $external_id },
	mode => 'ok', expires_in => 3600);
$out = rows('role');
like($out, qr/^assume role arn:aws:iam::123456789012:role\/reader\|t\|assumed arn:aws:sts::123456789012:assumed-role\/reader\/pg-postgres-role, temporary credentials valid until \d{4}-/m,
	'role: assumed, with the assumed identity and the expiry');
emulator_control($emubase, roles => { 'arn:aws:iam::123456789012:role/reader' => 'SomeOtherId12345' });
$out = rows('role');
like($out, qr/^assume role [^|]*\|f\|.*AccessDenied/m, 'role: a trust policy without the EXTERNAL_ID is refused');
like($out, qr/add the condition \{"StringEquals": \{"sts:ExternalId": "\Q$external_id\E"\}\}/,
	'role: the detail prints the condition to add');
unlike($out, qr/\Q$key{src}[1]\E/, 'no secret of the source');
# a CLOUD_FUNCTION connection: the role its function service assumes
sql(qq{SELECT connection.create('fn', 'API', 'CLOUD_FUNCTION',
	'{"PROVIDER": "aws", "REGION": "us-east-1", "ROLE_ARN": "arn:aws:iam::123456789012:role/invoker",
	  "CODE_BUCKET": "code", "SOURCE_CONNECTION": "src", "STS_ENDPOINT": "$emubase"}')});
my $fn_id = sql("SELECT connection.property('fn', 'EXTERNAL_ID')");
emulator_control($emubase, roles => { 'arn:aws:iam::123456789012:role/invoker' => $fn_id });
like(rows('fn'), qr/^assume role arn:aws:iam::123456789012:role\/invoker\|t\|assumed arn:aws:sts::123456789012:assumed-role\/invoker\/pg-postgres-fn, temporary credentials valid until /m,
	'CLOUD_FUNCTION: its role assumed');

# ------------------------------------------- OAuth catalogs: token, call
$out = rows('unity');
like($out, qr/^OAuth access token\|t\|access token received from 127\.0\.0\.1:$emuport$/m,
	'databricks: the client-credentials exchange');
like($out, qr/^list catalogs \(Unity Catalog\)\|t\|2 catalogs listed$/m, 'databricks: catalogs listed');
$out = rows('unity_pat');
like($out, qr/^OAuth access token\|t\|a personal access token: no exchange needed$/m, 'databricks: a PAT');
like($out, qr/^list catalogs \(Unity Catalog\)\|t\|2 catalogs listed$/m, 'databricks: listed with the PAT');
$out = rows('unity_wrong');
like($out, qr/^OAuth access token\|f\|.*refused the client credentials: HTTP status 401: Client authentication failed$/m,
	'databricks: a wrong secret is a failed row with the endpoint\'s words');
like($out, qr/^list catalogs \(Unity Catalog\)\|f\|not tried: there is no access token$/m,
	'databricks: the call is not tried without a token');
$out = rows('ice');
like($out, qr/^OAuth access token\|t\|/m, 'iceberg: the client-credentials exchange');
like($out, qr/^read the catalog configuration \(GET \/v1\/config\)\|t\|configuration read for warehouse lakehouse$/m,
	'iceberg: the configuration of the warehouse');
unlike(sql("SELECT string_agg(detail, ' ') FROM connection.validate('unity') UNION ALL SELECT string_agg(detail, ' ') FROM connection.validate('ice')"),
	qr/tok-|Secret/, 'no token nor secret in the rows');

# a connection changed while it is being validated: the token is not sent
# to what the name means afterwards (a slow token endpoint leaves the time)
emulator_control($emubase, faults => { oauth_delay => 2 });
my ($vout, $verr) = ('', '');
my $h = IPC::Run::start([ 'psql', '-XAtq', '-d', $node->connstr('postgres'),
	'-c', 'SET connection.sts_timeout = 10000',
	'-c', "SELECT check_name, ok, detail FROM connection.validate('ice')" ], '>', \$vout, '2>', \$verr);
sleep(1);
sql(qq{SELECT connection.drop('ice');
	SELECT connection.create('ice', 'CATALOG', 'DATABRICKS',
	  '{"HOST": "$emubase", "ACCESS_TOKEN": "dapi-pat-Secret-3", "ACCESS_REGION": "us-west-2"}');});
$h->finish;
emulator_control($emubase, faults => { oauth_delay => 0 });
note("validate during a drop and create:\n$vout$verr");
like($vout, qr/^read the catalog configuration[^|]*\|f\|connection "ice" changed while it was being validated$/m,
	'a connection dropped and made again meanwhile: the call is not made');

# long client settings: the request is built without growing (no unwiped copy)
sql(q{SELECT connection.create('ice_long', 'CATALOG', 'ICEBERG_REST',
	jsonb_build_object('URI', '} . $emubase . q{', 'OAUTH_CLIENT_ID', repeat('!', 1200),
	  'OAUTH_CLIENT_SECRET', repeat('!', 1200), 'OAUTH_SCOPE', repeat('!', 4000)))});
like(sql("SELECT ok::text || ' ' || detail FROM connection.validate('ice_long') LIMIT 1"),
	qr/^false .*HTTP status 401/, 'long client settings: a refused token, and the backend lives');

# ------------------------------------------------------------- rights
is($node->safe_psql('postgres', "SET ROLE app; SELECT count(*) FROM connection.validate('kafka')"), '3',
	'a role with USAGE validates');
($ret, $stdout, $stderr) = $node->psql('postgres', "SET ROLE outsider; SELECT * FROM connection.validate('kafka')");
like($stderr, qr/permission denied for connection kafka/, 'a role without USAGE cannot');
sql(q{SELECT connection.alter('oss', enabled => false)});
($ret, $stdout, $stderr) = $node->psql('postgres', "SELECT * FROM connection.validate('hms')");
like($stderr, qr/storage connection "oss" of connection "hms" is disabled/,
	'a catalog whose storage is disabled is refused before any check');
sql(q{SELECT connection.alter('oss', enabled => true)});

# ------------------------------------------- connection.validate_on_change
sub with_checks
{
	my ($sql) = @_;
	# the library first: the log is scrubbed from the next statement on
	my ($ret, $out, $err) = $node->psql('postgres', "LOAD 'connection'; SET connection.validate_on_change = on; $sql");
	is($ret, 0, "with validate_on_change: $sql");
	note($err);
	return $err;
}
my $err = with_checks(qq{SELECT connection.create('k_on', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": ["127.0.0.1:$closed_port"]}')});
like($err, qr/WARNING:  connection "k_on" failed the check "reach broker 127\.0\.0\.1:$closed_port"\nDETAIL:  could not connect to 127\.0\.0\.1:$closed_port: Connection refused/,
	'validate_on_change: a create warns of each failed check');
is(sql("SELECT count(*) FROM connection.show('k_on')"), '1', 'and the connection is created all the same');
($ret, $stdout, $stderr) = $node->psql('postgres',
	qq{SELECT connection.create('k_off', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": ["127.0.0.1:$closed_port"]}')});
is($stderr, '', 'without the setting, nothing is checked');
$err = with_checks(q{SELECT connection.alter('k_on', comment => 'only a comment')});
unlike($err, qr/WARNING/, 'a change of comment is not checked');
$err = with_checks(qq{SELECT connection.alter('k_on', set_properties => '{"BOOTSTRAP_SERVERS": ["127.0.0.1:$open_port"]}')});
like($err, qr/WARNING:  connection "k_on" failed the check "Kafka metadata/, 'new properties are checked');
unlike($err, qr/failed the check "reach broker/, 'and the broker now answers');
$err = with_checks(q{SELECT connection.execute('CREATE STORAGE CONNECTION s3_on TYPE S3 ACCESS_KEY = ''} . $key{src}[0]
	  . q{'' SECRET_KEY = ''wrong/Secret+5'' REGION = ''us-east-1'' STS_ENDPOINT = ''} . $emubase . q{''')});
like($err, qr/WARNING:  connection "s3_on" failed the check "identity of the keys \(AWS STS GetCallerIdentity\)"\nDETAIL:  AWS STS did not say whom the keys of connection "s3_on" belong to: HTTP status 403/,
	'execute()\'s CREATE is checked too, the provider\'s refusal in the warning');
unlike($err, qr/wrong\/Secret/, 'no secret in the warning');
emulator_control($emubase, roles => { 'arn:aws:iam::123456789012:role/reader' => 'SomeOtherId12345' });
$err = with_checks(qq{SELECT connection.create('role_on', 'STORAGE', 'S3',
	'{"ROLE_ARN": "arn:aws:iam::123456789012:role/reader", "REGION": "us-east-1", "SOURCE_CONNECTION": "src", "STS_ENDPOINT": "$emubase"}')});
my $new_id = sql("SELECT connection.property('role_on', 'EXTERNAL_ID')");
like($err, qr/WARNING:  connection "role_on" failed the check "assume role [^"]*"\nDETAIL:  .*add the condition \{"StringEquals": \{"sts:ExternalId": "\Q$new_id\E"\}\}/,
	'a new role-based connection: the warning names the condition its trust policy needs');
sql(q{SELECT connection.alter('oss', enabled => false)});
$err = with_checks(qq{SELECT connection.create('hms_on', 'CATALOG', 'HMS',
	'{"HIVE_METASTORE_URIS": "thrift://127.0.0.1:$open_port", "STORAGE_CONNECTION": "oss"}')});
like($err, qr/WARNING:  connection "hms_on" was not validated: storage connection "oss" of connection "hms_on" is disabled/,
	'a catalog whose storage is disabled: created, with a warning that it was not checked');
sql(q{SELECT connection.alter('oss', enabled => true)});
$err = with_checks(q{SELECT connection.alter('hdfs', enabled => false)});
unlike($err, qr/WARNING/, 'disabling checks nothing');
$err = with_checks(q{SET connection.sts_timeout = 200; SELECT connection.alter('hdfs', enabled => true)});
like($err, qr/WARNING:  connection "hdfs" failed the check "reach name node/, 'enabling again checks');

# hosts outside connection.allowed_hosts are not contacted
set_and_reload($node, allowed_hosts => "127.0.0.1:$emuport");
$out = rows('kafka');
like($out, qr/^reach broker 127\.0\.0\.1:$open_port\|f\|connection\.allowed_hosts does not allow requests to 127\.0\.0\.1:$open_port/m,
	'an address outside allowed_hosts is a failed row');

# nothing secret reached the server log
my $log = slurp_file($node->logfile);
foreach my $secret ($key{oss}[1], $key{src}[1], 'not-the-secret', 'dbx-Secret-1', 'ice-Secret-2',
	'dapi-pat-Secret-3', 'wrong-Secret-9', 'wrong/Secret+5')
{
	unlike($log, qr/\Q$secret\E/, 'the server log holds no secret');
}

$node->stop;
done_testing();
