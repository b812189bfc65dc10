# With the library preloaded: SHOW CONNECTIONS as typed returns what
# connection.show() returns (simple and extended protocol, in transactions),
# other SHOWs are untouched; connection.log_usage writes one LOG line per
# hand-out of credentials, never a value (issue 5, points 2 and 3).
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
my $node = start_node('show', "$dir/key", session_preload_libraries => 'connection',
	wal_level => 'replica', max_wal_senders => '4');

$node->safe_psql('postgres', q{
SELECT connection.create('s3_audit', 'STORAGE', 'S3',
  '{"ACCESS_KEY": "AKIAAUDITAUDITAUDIT1", "SECRET_KEY": "audit-secret-value", "REGION": "us-east-1"}');
SELECT connection.create('kafka_b', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
CREATE ROLE app LOGIN;
SELECT connection.grant_usage('s3_audit', 'app');
});

# ---------------------------------------------------------------------
# SHOW CONNECTIONS
# ---------------------------------------------------------------------
my $expected = $node->safe_psql('postgres', 'SELECT * FROM connection.show()');
like($expected, qr/^kafka_b\|STORAGE\|KAFKA\|ENABLED\|.*\ns3_audit\|STORAGE\|S3\|ENABLED\|/,
	'show() lists the connections');
is($node->safe_psql('postgres', 'SHOW CONNECTIONS;'), $expected, 'SHOW CONNECTIONS returns show()');
is($node->safe_psql('postgres', 'show connections'), $expected, 'in any case, without a semicolon');
is($node->safe_psql('postgres', "BEGIN; SHOW CONNECTIONS; COMMIT;"), $expected, 'inside a transaction');
is($node->safe_psql('postgres', 'SHOW CONNECTIONS', extra_params => [ '-c', 'SET ROLE app' ]), $expected,
	'for any role');
# extended protocol: \gdesc parses and describes without executing
is($node->safe_psql('postgres', 'SHOW CONNECTIONS \gdesc'),
	"name|text\ncategory|text\ntype|text\nenabled|text\ncreated_time|text",
	'extended protocol: Describe sees the five columns');
open(my $fh, '>', "$dir/show.sql") or die;
print $fh "SHOW CONNECTIONS;\n";
close($fh);
foreach my $mode (qw(simple extended prepared))
{
	$node->command_ok([ 'pgbench', '-n', '-M', $mode, '-t', '3', '-f', "$dir/show.sql",
		'-d', $node->connstr('postgres') ], "pgbench -M $mode runs SHOW CONNECTIONS");
}
# other SHOWs are untouched
is($node->safe_psql('postgres', 'SHOW work_mem'), '4MB', 'SHOW of a parameter is untouched');
my @all = split /\n/, $node->safe_psql('postgres', 'SHOW ALL');
cmp_ok(scalar(@all), '>', 100, 'SHOW ALL is untouched');
# a database without the extension knows no such parameter
my ($ret, $out, $err) = $node->psql('template1', 'SHOW CONNECTIONS');
like($err, qr/unrecognized configuration parameter "connections"/,
	'without the extension SHOW CONNECTIONS is what it was');

# ---------------------------------------------------------------------
# usage audit
# ---------------------------------------------------------------------
my $offset = -s $node->logfile;
$node->safe_psql('postgres', q{
SET connection.log_usage = on;
SELECT connection.credentials('s3_audit');
SELECT connection.property('s3_audit', 'SECRET_KEY');
SELECT connection.property('s3_audit', 'REGION');
SET ROLE app;
SELECT connection.property('s3_audit', 'ACCESS_KEY');
RESET ROLE;
SET connection.log_usage = off;
SELECT connection.credentials('s3_audit');
});
my $log = slurp_file($node->logfile, $offset);
my @lines = ($log =~ /^.*used the credentials of connection.*$/mg);
is(scalar(@lines), 3, 'one LOG line per hand-out of an identifier or secret, none for plain values or when off');
like($lines[0], qr/LOG:  role "postgres" used the credentials of connection "s3_audit" through connection\.credentials\(\)/,
	'the line names role, connection and function');
like($lines[1], qr/through connection\.property\(\) of SECRET_KEY/, 'property() names the property');
like($lines[2], qr/role "app" used the credentials of connection "s3_audit"/, 'the role is the current user');
unlike($log, qr/audit-secret-value|AKIAAUDITAUDITAUDIT1/, 'no value in the log');
fails_with($node, 'SET ROLE app; SET connection.log_usage = off', '42501',
	'permission denied to set parameter "connection.log_usage"', 'only superusers turn the audit off');

# a refusal is audited as well: no right, disabled, no such connection
$node->safe_psql('postgres', q{CREATE ROLE nobody_special;
	SELECT connection.create('kafka_off', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
	SELECT connection.alter('kafka_off', enabled => false);
	SELECT connection.grant_usage('kafka_off', 'nobody_special');});
$offset = -s $node->logfile;
foreach my $sql ("SELECT connection.credentials('s3_audit')",
	"SELECT connection.property('kafka_off', 'BOOTSTRAP_SERVERS')",
	"SELECT connection.presign('no_such', 'GET', 'bucket/key')")
{
	$node->psql('postgres', "SET connection.log_usage = on; SET ROLE nobody_special; $sql");
}
$log = slurp_file($node->logfile, $offset);
like($log, qr/LOG:  role "nobody_special" was refused the credentials of connection "s3_audit" through connection\.credentials\(\): permission denied/,
	'a refusal for want of USAGE is audited');
like($log, qr/was refused the credentials of connection "kafka_off" through connection\.property\(\): it is disabled/,
	'a refusal of a disabled connection is audited');
like($log, qr/was refused the credentials of connection "no_such" through connection\.presign\(\): it does not exist/,
	'a refusal of a missing connection is audited');
my ($audit_line) = ($log =~ /^(.*was refused the credentials of connection "s3_audit".*\n(?:.*\n)?)/m);
unlike($audit_line, qr/STATEMENT|CONTEXT/, 'the audit line carries no statement');
($ret, $out, $err) = $node->psql('postgres',
	"SET connection.log_usage = on; SET ROLE nobody_special; SELECT connection.credentials('s3_audit')");
unlike($err, qr/was refused/, 'the audit line does not reach the client');
$node->safe_psql('postgres', "SELECT connection.drop('kafka_off'); DROP ROLE nobody_special");

# the audit writes nothing, so it works on a hot standby too
$node->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($node, 'base', has_streaming => 1);
$standby->append_conf('postgresql.conf', "connection.key_file = '$dir/key'\nconnection.log_usage = on\n");
$standby->start;
$node->wait_for_catchup($standby);
$offset = -s $standby->logfile;
is($standby->safe_psql('postgres', "SELECT connection.property('s3_audit', 'SECRET_KEY')"),
	'audit-secret-value', 'standby: property() works');
is($standby->safe_psql('postgres', 'SHOW CONNECTIONS'), $expected, 'standby: SHOW CONNECTIONS works');
$log = slurp_file($standby->logfile, $offset);
like($log, qr/role "postgres" used the credentials of connection "s3_audit" through connection\.property\(\) of SECRET_KEY/,
	'standby: the usage is audited');
$standby->stop;

$node->stop;
done_testing();
