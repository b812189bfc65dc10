# Master keys: key_file and key_command, reloads, rotation, missing and
# wrong keys (SPEC section 4).
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
write_keys("$dir/k1", $k1);
my $node = start_node('keys', "$dir/k1");

my $secret_json = q('{"ACCESS_KEY": "AKIAKEYTEST000000001", "SECRET_KEY": "key-test-secret", "REGION": "us-east-1"}');
$node->safe_psql('postgres', "SELECT connection.create('s3_a', 'STORAGE', 'S3', $secret_json)");
$node->safe_psql('postgres', "SELECT connection.create('s3_b', 'STORAGE', 'S3', $secret_json)");
my $fp1 = $node->safe_psql('postgres',
	"SELECT info_value FROM connection.desc('s3_a', true) WHERE info_name = 'key_fingerprint'");
like($fp1, qr/^[0-9a-f]{16}$/, 'desc shows the fingerprint of the key');
is($node->safe_psql('postgres', "SELECT connection.property('s3_a', 'SECRET_KEY')"),
	'key-test-secret', 'key_file: decrypts');

# ---------------------------------------------------------------------
# no key configured: metadata works, the values do not
# ---------------------------------------------------------------------
set_and_reload($node, key_file => '');
is($node->safe_psql('postgres', "SELECT count(*) FROM connection.show()"), '2',
	'no key: show works');
like($node->safe_psql('postgres', "SELECT string_agg(info_value, ',') FROM connection.desc('s3_a')"),
	qr/AKIAKE\*{14}/, 'no key: desc works and masks');
my $err = fails_with($node, "SELECT connection.credentials('s3_a')", '55000',
	'no encryption key is configured for connections', 'no key: credentials');
like($err, qr/HINT:  Set connection.key_file or connection.key_command/, 'no key: hint names both parameters');
is($node->safe_psql('postgres', "SELECT bool_or(loaded) || ':' || sum(connections) FROM connection.key_status()"),
	'false:2', 'no key: the key status says so, and what is encrypted with what it lacks');
fails_with($node, "SELECT connection.create('s3_c', 'STORAGE', 'S3', $secret_json)",
	'55000', 'no encryption key', 'no key: create with secrets');
$node->safe_psql('postgres',
	"SELECT connection.create('kafka_nokey', 'STORAGE', 'KAFKA', '{\"BOOTSTRAP_SERVERS\": \"k:1\"}')");
is($node->safe_psql('postgres', "SELECT connection.property('kafka_nokey', 'BOOTSTRAP_SERVERS')"),
	'["k:1"]', 'no key: a connection without secrets needs none');
is($node->safe_psql('postgres', "SELECT count(*) FROM connection.show('s3_c')"), '0',
	'no key: the failed create left nothing');

# ---------------------------------------------------------------------
# key_command
# ---------------------------------------------------------------------
set_and_reload($node, key_command => "cat $dir/k1");
is($node->safe_psql('postgres', "SELECT connection.property('s3_a', 'SECRET_KEY')"),
	'key-test-secret', 'key_command: decrypts');
set_and_reload($node, key_command => "cat $dir/nonexistent");
fails_with($node, "SELECT connection.credentials('s3_a')", 'F0000',
	'connection.key_command failed', 'key_command failing');
# the key status does not make the server run a failing command in a loop
open(my $cfh, '>', "$dir/count_and_fail.sh") or die;
print $cfh "#!/bin/sh\necho run >> $dir/command_runs\nexit 1\n";
close($cfh);
chmod(0755, "$dir/count_and_fail.sh");
set_and_reload($node, key_command => "$dir/count_and_fail.sh");
unlink("$dir/command_runs");
is($node->safe_psql('postgres', q{CREATE ROLE status_reader LOGIN;
SET ROLE status_reader;
DO $$BEGIN FOR i IN 1..50 LOOP PERFORM * FROM connection.key_status(); END LOOP; END$$;
SELECT count(*) FROM connection.key_status() WHERE loaded;}), '0', 'key status with a failing command: no key loaded');
is(scalar(() = slurp_file("$dir/command_runs") =~ /run/g), 1, 'fifty calls ran the command once');
like(slurp_file($node->logfile), qr/LOG:  connection.key_status\(\) could not load the keys: connection.key_command failed/,
	'and the server log says why');
set_and_reload($node, key_command => "cat $dir/k1", key_file => "$dir/k1");
fails_with($node, "SELECT connection.credentials('s3_a')", 'F0000',
	'connection.key_file and connection.key_command are both set', 'both sources');
set_and_reload($node, key_command => '');

# ---------------------------------------------------------------------
# bad key files
# ---------------------------------------------------------------------
open(my $fh, '>', "$dir/bad") or die; print $fh "not-a-key\n"; close($fh); chmod 0600, "$dir/bad";
set_and_reload($node, key_file => "$dir/bad");
$err = fails_with($node, "SELECT connection.credentials('s3_a')", 'F0000',
	'invalid key in line 1 of the key file of connection.key_file', 'malformed key');
unlike($err, qr/not-a-key/, 'malformed key: the line is not echoed');
write_keys("$dir/open", $k1);
chmod 0644, "$dir/open";
set_and_reload($node, key_file => "$dir/open");
fails_with($node, "SELECT connection.credentials('s3_a')", 'F0000',
	'the key file of connection.key_file has group or world access', 'world-readable key file');

# degenerate keys: all zeros, a short pattern repeated, a counting sequence
my %degenerate = (
	zeros => '00' x 32,
	pattern => '0123456789abcdef' x 4,
	counting => join('', map { sprintf('%02x', $_) } 0 .. 31));
foreach my $kind (sort keys %degenerate)
{
	write_keys("$dir/degenerate_$kind", $k1, $degenerate{$kind});
	set_and_reload($node, key_file => "$dir/degenerate_$kind");
	$err = fails_with($node, "SELECT connection.credentials('s3_a')", 'F0000',
		'invalid key in line 3 of the key file of connection.key_file', "degenerate key: $kind");
	like($err, qr/The key is not random/, "degenerate key: $kind, said why");
}

# the key file's path is the superusers' to know: not in the error a role
# sees, only in the server log's detail
$node->safe_psql('postgres', q{
	CREATE ROLE key_user LOGIN;
	GRANT USAGE ON SCHEMA connection TO key_user;
	SELECT connection.grant_usage('s3_a', 'key_user');});
set_and_reload($node, key_file => "$dir/no-such-dir-4711/keys");
my $log_offset = -s $node->logfile;
my ($ret, $out);
($ret, $out, $err) = $node->psql('postgres', "SELECT connection.credentials('s3_a')",
	extra_params => [ '-U', 'key_user' ]);
like($err, qr/could not access the key file of connection.key_file/, 'missing key file: the error');
unlike($err, qr/no-such-dir-4711/, 'missing key file: the role does not see the path');
like(slurp_file($node->logfile, $log_offset), qr/DETAIL:  The key file is "[^"]*no-such-dir-4711\/keys"/,
	'missing key file: the server log has the path');
set_and_reload($node, key_command => "echo $k1; exit 3", key_file => '');
($ret, $out, $err) = $node->psql('postgres', "SELECT connection.credentials('s3_a')",
	extra_params => [ '-U', 'key_user' ]);
like($err, qr/connection.key_command failed\nDETAIL:  child process exited with exit code 3/,
	'failing key command: the exit status, not the command');
unlike($err, qr/echo/, 'failing key command: the command is not shown');
set_and_reload($node, key_command => '');

# ---------------------------------------------------------------------
# a long-lived session rereads the keys after a reload
# ---------------------------------------------------------------------
set_and_reload($node, key_file => "$dir/k1");
my $bg = $node->background_psql('postgres', on_error_stop => 0);
is($bg->query("SELECT connection.property('s3_a', 'SECRET_KEY')"), 'key-test-secret',
	'session: decrypts with k1');
write_keys("$dir/k3only", $k3);
set_and_reload($node, key_file => "$dir/k3only");
# the session handles SIGHUP between statements: retry until it has
my $seen = 0;
foreach (1 .. 100)
{
	$bg->{stderr} = '';
	$bg->query("SELECT connection.property('s3_a', 'SECRET_KEY')");
	if ($bg->{stderr} =~ /is not available/)
	{
		$seen = 1;
		last;
	}
	sleep(0.1);
}
ok($seen, 'session: after the reload it no longer has k1');
like($bg->{stderr}, qr/fingerprint $fp1/, 'missing key: the error names the fingerprint needed');
$bg->quit;

# ---------------------------------------------------------------------
# rotation: new key first, old key kept for decryption
# ---------------------------------------------------------------------
write_keys("$dir/k2k1", $k2, $k1);
set_and_reload($node, key_file => "$dir/k2k1");
is($node->safe_psql('postgres', "SELECT connection.property('s3_a', 'SECRET_KEY')"),
	'key-test-secret', 'rotation: old rows decrypt with the old key');
$node->safe_psql('postgres', "SELECT connection.create('s3_new', 'STORAGE', 'S3', $secret_json)");
my $fp2 = $node->safe_psql('postgres',
	"SELECT info_value FROM connection.desc('s3_new', true) WHERE info_name = 'key_fingerprint'");
isnt($fp2, $fp1, 'rotation: new rows use the new key');
is($node->safe_psql('postgres', 'SELECT connection.rotate_key()'), '2',
	'rotate_key re-encrypts the two old rows');
is($node->safe_psql('postgres', 'SELECT connection.rotate_key()'), '0',
	'rotate_key is idempotent');
is($node->safe_psql('postgres',
	"SELECT count(DISTINCT key_fingerprint) || ':' || min(key_fingerprint) FROM connection.pg_connection WHERE secrets IS NOT NULL"),
	"1:$fp2", 'every row is under the new key');
write_keys("$dir/k2", $k2);
set_and_reload($node, key_file => "$dir/k2");
is($node->safe_psql('postgres',
	"SELECT string_agg(connection.property(name, 'SECRET_KEY'), ',' ORDER BY name) FROM connection.show('s3%')"),
	'key-test-secret,key-test-secret,key-test-secret', 'rotation: the old key is no longer needed');
fails_with($node, 'SET ROLE pg_read_all_data; SELECT connection.rotate_key()', '42501',
	'permission denied', 'rotate_key is for superusers');

$node->stop;
done_testing();
