# validate() of KAFKA connections: a metadata request through librdkafka
# with the connection's security settings, against librdkafka's own mock
# cluster (test/kafka/mock.c) on 127.0.0.1, plaintext, and behind
# test/kafka/proxy.py for SASL (PLAIN, SCRAM-SHA-256) and TLS (server
# certificate, and a required client certificate with an encrypted key).
# Each failure (wrong password, unknown authority, no client certificate,
# refused, silent broker, host not allowed) is a row that says so, with no
# secret in rows or the log; a cancel stops a silent broker's wait.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::RealBin/../perl";

use IO::Socket::INET;
use JSON::PP;
use MIME::Base64;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use ConnTest;

my $dir = PostgreSQL::Test::Utils::tempdir;
my $kafka = "$FindBin::RealBin/../kafka";

# the mock cluster: two brokers, topics "events" and "audit"
system_or_bail('cc', '-o', "$dir/kafka_mock", "$kafka/mock.c", '-lrdkafka');
my $bootstraps = start_server($dir, 'kafka_mock', "$dir/kafka.boot", "$dir/kafka_mock", "$dir/kafka.boot");
my @mock = split /,/, $bootstraps;
is(scalar(@mock), 2, 'the mock cluster has two brokers');

# certificates: an authority, the brokers' (for 127.0.0.1), a client's
# whose key is encrypted
system_or_bail('openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=test CA',
	'-keyout', "$dir/ca.key", '-out', "$dir/ca.crt");
system_or_bail('openssl', 'req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1',
	'-keyout', "$dir/server.key", '-out', "$dir/server.csr");
append_to_file("$dir/san.ext", "subjectAltName=IP:127.0.0.1\n");
system_or_bail('openssl', 'x509', '-req', '-in', "$dir/server.csr", '-CA', "$dir/ca.crt", '-CAkey', "$dir/ca.key",
	'-CAcreateserial', '-days', '2', '-extfile', "$dir/san.ext", '-out', "$dir/server.crt");
system_or_bail('openssl', 'req', '-newkey', 'rsa:2048', '-subj', '/CN=loader', '-passout', 'pass:key-Secret-8',
	'-keyout', "$dir/client.key", '-out', "$dir/client.csr");
system_or_bail('openssl', 'x509', '-req', '-in', "$dir/client.csr", '-CA', "$dir/ca.crt", '-CAkey', "$dir/ca.key",
	'-CAcreateserial', '-days', '2', '-out', "$dir/client.crt");

# proxies in front of the first broker: SASL; SASL over TLS; TLS that
# requires a client certificate
sub proxy
{
	my ($name, @args) = @_;
	my $port = start_server($dir, $name, "$dir/$name.port", 'python3', "$kafka/proxy.py",
		'--port-file', "$dir/$name.port", '--upstream', $mock[0], '--stats-file', "$dir/$name.stats", @args);
	return "127.0.0.1:$port";
}
my @users = ('--user', 'alice=alice-Secret-1');
my $sasl = proxy('sasl', @users);
my $sasl_ssl = proxy('sasl_ssl', @users, '--tls', "$dir/server.crt", "$dir/server.key");
my $mtls = proxy('mtls', '--tls', "$dir/server.crt", "$dir/server.key", '--client-ca', "$dir/ca.crt");

sub stats
{
	my ($name) = @_;
	return -e "$dir/$name.stats" ? decode_json(slurp_file("$dir/$name.stats")) : { ok => 0, failed => 0 };
}

# a broker that accepts and never answers; a port nobody listens on
my $silent = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 5, ReuseAddr => 1)
  or die "listen: $!";
my $silent_port = $silent->sockport;
my $closed_port = closed_port();

write_keys("$dir/key", new_key());
my $node = start_node('kafka', "$dir/key",
	'connection.allowed_hosts' => "127.0.0.1:*",
	'connection.sts_timeout' => '2000',
	shared_preload_libraries => 'connection',
	log_min_messages => 'debug1', log_statement => 'all');

sub sql { return $node->safe_psql('postgres', $_[0]); }

# the metadata row of validate(name)
sub metadata
{
	my ($conn) = @_;
	my $out = sql("SELECT check_name, ok, detail FROM connection.validate('$conn')");
	note("validate('$conn'):\n$out");
	my ($row) = $out =~ /^(Kafka metadata .*)$/m;
	return $row // '';
}

sub kafka
{
	my ($name, %props) = @_;
	sql("SELECT connection.create('$name', 'STORAGE', 'KAFKA', '" . encode_json(\%props) . "')");
}

my $pem = sub { my $s = slurp_file($_[0]); $s =~ s/\n$//; $s };
kafka('k_plain', BOOTSTRAP_SERVERS => \@mock);
kafka('k_one_down', BOOTSTRAP_SERVERS => [ "127.0.0.1:$closed_port", $mock[1] ]);
kafka('k_down', BOOTSTRAP_SERVERS => ["127.0.0.1:$closed_port"]);
kafka('k_silent', BOOTSTRAP_SERVERS => ["127.0.0.1:$silent_port"]);
kafka('k_plain_sasl', BOOTSTRAP_SERVERS => [$sasl], SECURITY_PROTOCOL => 'SASL_PLAINTEXT',
	SASL_MECHANISM => 'PLAIN', SASL_USERNAME => 'alice', SASL_PASSWORD => 'alice-Secret-1');
kafka('k_plain_wrong', BOOTSTRAP_SERVERS => [$sasl], SECURITY_PROTOCOL => 'SASL_PLAINTEXT',
	SASL_MECHANISM => 'PLAIN', SASL_USERNAME => 'alice', SASL_PASSWORD => 'wrong-Secret-2');
kafka('k_scram', BOOTSTRAP_SERVERS => [$sasl], SECURITY_PROTOCOL => 'SASL_PLAINTEXT',
	SASL_MECHANISM => 'SCRAM-SHA-256', SASL_USERNAME => 'alice', SASL_PASSWORD => 'alice-Secret-1');
kafka('k_scram_wrong', BOOTSTRAP_SERVERS => [$sasl], SECURITY_PROTOCOL => 'SASL_PLAINTEXT',
	SASL_MECHANISM => 'SCRAM-SHA-256', SASL_USERNAME => 'alice', SASL_PASSWORD => 'wrong-Secret-3');
kafka('k_scram_512', BOOTSTRAP_SERVERS => [$sasl], SECURITY_PROTOCOL => 'SASL_PLAINTEXT',
	SASL_MECHANISM => 'SCRAM-SHA-512', SASL_USERNAME => 'alice', SASL_PASSWORD => 'alice-Secret-1');
kafka('k_sasl_ssl', BOOTSTRAP_SERVERS => [$sasl_ssl], SECURITY_PROTOCOL => 'SASL_SSL',
	SASL_MECHANISM => 'SCRAM-SHA-256', SASL_USERNAME => 'alice', SASL_PASSWORD => 'alice-Secret-1',
	SSL_CA_CERT => $pem->("$dir/ca.crt"));
kafka('k_sasl_ssl_noca', BOOTSTRAP_SERVERS => [$sasl_ssl], SECURITY_PROTOCOL => 'SASL_SSL',
	SASL_MECHANISM => 'SCRAM-SHA-256', SASL_USERNAME => 'alice', SASL_PASSWORD => 'alice-Secret-1');
kafka('k_mtls', BOOTSTRAP_SERVERS => [$mtls], SECURITY_PROTOCOL => 'SSL',
	SSL_CA_CERT => $pem->("$dir/ca.crt"), SSL_CERTIFICATE => $pem->("$dir/client.crt"),
	SSL_KEY => $pem->("$dir/client.key"), SSL_KEY_PASSWORD => 'key-Secret-8');
kafka('k_mtls_nocert', BOOTSTRAP_SERVERS => [$mtls], SECURITY_PROTOCOL => 'SSL',
	SSL_CA_CERT => $pem->("$dir/ca.crt"));
kafka('k_gssapi', BOOTSTRAP_SERVERS => [$sasl], SECURITY_PROTOCOL => 'SASL_PLAINTEXT',
	SASL_MECHANISM => 'GSSAPI', KERBEROS_PRINCIPAL => 'loader@EXAMPLE.COM',
	KERBEROS_KEYTAB => encode_base64('not a real keytab', ''));

# ------------------------------------------------------------ plaintext
my $start;
like(metadata('k_plain'), qr/^Kafka metadata \(librdkafka, PLAINTEXT\)\|t\|2 brokers, 2 topics \(answered by 127\.0\.0\.1:\d+\/\d\)$/,
	'plaintext: the brokers and topics of the mock cluster');
like(metadata('k_one_down'), qr/\|t\|2 brokers, 2 topics \(answered by \Q$mock[1]\E\/\d\)$/,
	'one bootstrap server down: the other answers');
$start = time;
like(sql("SET connection.sts_timeout = 30000; SELECT detail FROM connection.validate('k_down') WHERE check_name LIKE 'Kafka%'"),
	qr/^no metadata: .*127\.0\.0\.1:$closed_port.*Connection refused/, 'a refused broker: the reason');
ok(time - $start < 10, 'at once, not after connection.sts_timeout');
like(metadata('k_silent'), qr/\|f\|no metadata within 2000 ms: /,
	'a broker that never answers: the timeout');

# a cancel stops the wait for a silent broker
$start = time;
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	"SET connection.sts_timeout = 30000; SET statement_timeout = 500; SELECT * FROM connection.validate('k_silent')");
my $took = time - $start;
like($stderr, qr/canceling statement due to statement timeout/, 'statement_timeout cancels the metadata request');
ok($took < 10, "the cancel came before connection.sts_timeout (after ${took}s)");
is(sql('SELECT 1'), '1', 'and the server goes on');

# ----------------------------------------------------------------- SASL
like(metadata('k_plain_sasl'), qr/^Kafka metadata \(librdkafka, SASL_PLAINTEXT PLAIN\)\|t\|2 brokers, 2 topics \(answered by /,
	'SASL PLAIN: authenticated, then the metadata');
like(metadata('k_scram'), qr/^Kafka metadata \(librdkafka, SASL_PLAINTEXT SCRAM-SHA-256\)\|t\|2 brokers, 2 topics \(answered by /,
	'SASL SCRAM-SHA-256: authenticated, then the metadata');
is(stats('sasl')->{ok}, 2, 'the proxy authenticated both');
my $row = metadata('k_plain_wrong');
like($row, qr/\|f\|no metadata: .*SASL authentication error: Authentication failed: Invalid username or password/,
	'SASL PLAIN with a wrong password: the broker\'s refusal');
unlike($row, qr/Secret/, 'no password in the row');
$row = metadata('k_scram_wrong');
like($row, qr/\|f\|no metadata: .*SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256/,
	'SCRAM with a wrong password: the broker\'s refusal');
like(metadata('k_scram_512'), qr/\|f\|no metadata: .*Unsupported SASL mechanism: broker's supported mechanisms: PLAIN,SCRAM-SHA-256/,
	'a mechanism the broker does not offer');
ok(stats('sasl')->{failed} >= 2, 'the proxy refused the wrong passwords');
like(metadata('k_gssapi'), qr/\|f\|not checked: SASL GSSAPI needs a Kerberos ticket/, 'GSSAPI is said not to be checked');

# ------------------------------------------------------------------ TLS
like(metadata('k_sasl_ssl'), qr/^Kafka metadata \(librdkafka, SASL_SSL SCRAM-SHA-256\)\|t\|2 brokers, 2 topics \(answered by /,
	'SASL_SSL with the connection\'s authority: verified, authenticated, answered');
like(metadata('k_sasl_ssl_noca'), qr/\|f\|no metadata: .*certificate verify failed/,
	'an authority the connection does not name: the certificate is not trusted');
like(metadata('k_mtls'), qr/^Kafka metadata \(librdkafka, SSL\)\|t\|2 brokers, 2 topics \(answered by /,
	'SSL with a client certificate and its encrypted key: answered');
like(metadata('k_mtls_nocert'), qr/\|f\|no metadata: .*certificate required/,
	'without a client certificate the broker refuses');

# ------------------------------------------------ rules of the requests
my $before = stats('sasl');
$row = sql("SET connection.allowed_hosts = 'kafka.example.com:*'; "
	  . "SELECT ok::text || ' ' || detail FROM connection.validate('k_scram') WHERE check_name LIKE 'Kafka%'");
like($row, qr/^false connection\.allowed_hosts does not allow requests to 127\.0\.0\.1:\d+/,
	'a broker outside allowed_hosts is not asked');
is_deeply(stats('sasl'), $before, 'and nothing reached it');

sql("CREATE ROLE app LOGIN; CREATE ROLE outsider LOGIN; SELECT connection.grant_usage('k_scram', 'app')");
like($node->safe_psql('postgres', "SET ROLE app; SELECT ok FROM connection.validate('k_scram') WHERE check_name LIKE 'Kafka%'"),
	qr/^t$/, 'a role with USAGE validates');
($ret, $stdout, $stderr) = $node->psql('postgres', "SET ROLE outsider; SELECT * FROM connection.validate('k_scram')");
like($stderr, qr/permission denied for connection k_scram/, 'a role without USAGE cannot');

# connection.log_usage: the check that used the password says so
$node->safe_psql('postgres',
	"SET connection.log_usage = on; SET ROLE app; SELECT count(*) FROM connection.validate('k_scram')");
like(slurp_file($node->logfile), qr/role "app" used the credentials of connection "k_scram" through connection\.validate\(\)/,
	'log_usage: a usage line for validate()');

# nothing secret reached the server log, nor librdkafka's lines
my $log = slurp_file($node->logfile);
foreach my $secret ('alice-Secret-1', 'wrong-Secret-2', 'wrong-Secret-3', 'key-Secret-8', 'ENCRYPTED PRIVATE KEY')
{
	unlike($log, qr/\Q$secret\E/, "the server log holds no $secret");
}
unlike($log, qr/rdkafka#producer/, 'librdkafka logs nothing to the server log');

$node->stop;
done_testing();
