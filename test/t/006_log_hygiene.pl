# With the library preloaded, no statement that passes a secret to the
# extension ever shows it in the server log, whatever the logging settings:
# log_statement, log_min_duration_statement, log_min_error_statement,
# errors inside the extension and in core input functions, auto_explain,
# csvlog and jsonlog, PREPARE/EXECUTE, DO blocks, and bind parameters of
# the extended protocol; the rest of those statements is still logged
# (issue 5, point 1).
use strict;
use warnings FATAL => 'all';

use File::Find;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use ConnTest;

my $secret = 'S3cr3t-Needle-7f3a9c';
my $ident  = 'AKIANEEDLE0123456789';
my $props  = qq({"ACCESS_KEY": "$ident", "SECRET_KEY": "$secret", "REGION": "us-east-1"});

my $dir = PostgreSQL::Test::Utils::tempdir;
write_keys("$dir/key", new_key());

my %logging = (
	logging_collector => 'on',
	log_destination => 'stderr,csvlog,jsonlog',
	log_directory => 'log',
	log_statement => 'all',
	log_min_duration_statement => '0',
	log_min_error_statement => 'debug5',
	log_parameter_max_length => '-1',
	log_parameter_max_length_on_error => '-1',
	'auto_explain.log_min_duration' => '0',
	'auto_explain.log_analyze' => 'on',
	'auto_explain.log_verbose' => 'on',
	'auto_explain.log_nested_statements' => 'on',
	'connection.log_usage' => 'on');

# All files of a node's logs (the collector's directory and pg_ctl's file).
sub all_logs
{
	my ($node) = @_;
	my $text = slurp_file($node->logfile);
	my $n = 1;
	find({ no_chdir => 1, wanted => sub {
		return unless -f $_;
		$text .= slurp_file($_);
		$n++;
	} }, $node->data_dir . '/log');
	return ($text, $n);
}

# ---------------------------------------------------------------------
# control: without the library preloaded the secret does reach the log
# ---------------------------------------------------------------------
my $control = start_node('control', "$dir/key", %logging);
$control->safe_psql('postgres', "SELECT connection.create('c1', 'STORAGE', 'S3', '$props')");
my ($ctext) = all_logs($control);
ok(index($ctext, $secret) >= 0, 'control: without the hook the log holds the secret');
$control->stop;

# ---------------------------------------------------------------------
# with the library preloaded
# ---------------------------------------------------------------------
my $node = start_node('hygiene', "$dir/key",
	%logging, shared_preload_libraries => 'connection,auto_explain');

sub run
{
	my ($sql) = @_;
	my ($ret, $out, $err) = $node->psql('postgres', $sql);
	return $ret;
}

is(run("SELECT connection.create('n1', 'STORAGE', 'S3', '$props')"), 0, 'create');
is(run(qq{SELECT connection.alter('n1', set_properties => '{"SECRET_KEY": "$secret"}')}), 0, 'alter');
is(run("SELECT connection.credentials('n1')"), 0, 'credentials, audited');
isnt(run("SELECT connection.create('n1', 'STORAGE', 'S3', '$props')"), 0,
	'an error inside the extension (duplicate)');
isnt(run(qq{SELECT connection.create('n2', 'STORAGE', 'S3', '{"SECRET_KEY": "$secret", "BOGUS": "x"}')}), 0,
	'a validation error');
isnt(run(qq{SELECT connection.create('n2', 'STORAGE', 'S3', '{"SECRET_KEY": $secret}')}), 0,
	'a JSON syntax error on an unquoted secret');
isnt(run(qq{SELECT connection.create('n2', 'STORAGE', 'S3', '{"SECRET_KEY": "$secret",}')}), 0,
	'a JSON syntax error after a secret');
isnt(run(qq{SELECT connection.create('n2', 'STORAGE', 'S3', E'{"SECRET_KEY": "$secret"}'::jsonb, 1)}), 0,
	'a call that does not resolve');
isnt(run(qq{SELECT connection.create('n2', 'STORAGE', 'S3', '{"SECRET_KEY": "$secret"}}), 0,
	'a statement that does not lex');
is(run(qq{DO \$\$ BEGIN PERFORM connection.create('n3', 'STORAGE', 'S3', '$props'); END \$\$}), 0,
	'a DO block');
is(run(qq{PREPARE p(jsonb) AS SELECT connection.create('n4', 'STORAGE', 'S3', \$1);
EXECUTE p('$props');}), 0, 'PREPARE and EXECUTE');
is(run(qq{BEGIN; SELECT connection.create('n5', 'STORAGE', 'S3', \$x\$$props\$x\$); SELECT 1/0; COMMIT;}), 3,
	'a dollar-quoted secret in a failing transaction');
is(run(qq{SELECT connection.execute('CREATE STORAGE CONNECTION n6 TYPE s3 access_key = ''$ident'' secret_key = ''$secret'' region = ''us-east-1''')}), 0,
	'connection.execute() of the original dialect');
isnt(run(qq{SELECT connection.execute('CREATE STORAGE CONNECTION n7 TYPE s3 access_key ''$ident'' secret_key = $secret')}), 0,
	'a syntax error inside connection.execute()');
isnt(run(qq{SELECT connection.execute('CREATE STORAGE CONNECTION n7 TYPE s3 secret_key = ''$secret'' bogus = ''x''')}), 0,
	'a validation error inside connection.execute()');
is(run(qq{CREATE FUNCTION make_conn() RETURNS void LANGUAGE sql
  AS \$\$ SELECT connection.create('n8', 'STORAGE', 'S3', '$props') \$\$;
SELECT make_conn();}), 0, 'a function whose body passes the secret, with nested auto_explain');
is(run("SELECT 'visible-marker-4242' AS plain_statement"), 0, 'an unrelated statement');

# extended protocol: the secret only travels as a bind parameter
open(my $fh, '>', "$dir/ext.sql") or die;
print $fh "SELECT connection.create(:name, 'STORAGE', 'S3', :props::jsonb);\n";
close($fh);
foreach my $mode (qw(extended prepared))
{
	$node->command_ok([ 'pgbench', '-n', '-M', $mode, '-t', '1', '-f', "$dir/ext.sql",
		'-D', "name=p_$mode", '-D', "props=$props", '-d', $node->connstr('postgres') ],
		"pgbench -M $mode with the secret as a bind parameter");
	# a second run fails (duplicate) with the parameters in the error context
	$node->command_fails([ 'pgbench', '-n', '-M', $mode, '-t', '1', '-f', "$dir/ext.sql",
		'-D', "name=p_$mode", '-D', "props=$props", '-d', $node->connstr('postgres') ],
		"pgbench -M $mode failing with the secret as a bind parameter");
}
is($node->safe_psql('postgres', "SELECT connection.property('p_extended', 'SECRET_KEY')"), $secret,
	'the bind parameters arrived intact');

$node->safe_psql('postgres', 'SELECT pg_rotate_logfile()');
$node->stop;

my ($log, $nfiles) = all_logs($node);
ok($nfiles >= 4, "read the whole log directory ($nfiles files)");
ok(-f $_, "$_ exists") foreach glob($node->data_dir . '/log/*.csv'), glob($node->data_dir . '/log/*.json');
is(() = $log =~ /\Q$secret\E/g, 0, 'no byte of the log holds the secret');
is(() = $log =~ /\Q$ident\E/g, 0, 'no byte of the log holds the identifier');

# the log is still useful
like($log, qr/statement: SELECT connection\.create\('\*\*\*', '\*\*\*', '\*\*\*', '\*\*\*'\)/,
	'log_statement shows the redacted statement');
like($log, qr/STATEMENT:  SELECT connection\.create\('\*\*\*'/, 'STATEMENT lines show the redacted statement');
like($log, qr/duration: [\d.]+ ms  bind <unnamed>: SELECT connection\.create\(\$1, '\*\*\*', '\*\*\*', \$2::jsonb\)/,
	'log_min_duration_statement logs the redacted statement');
like($log, qr/Query Text: SELECT connection\.create/, 'auto_explain plans are logged');
like($log, qr/connection "n1" already exists/, 'errors of the extension are logged');
like($log, qr/invalid input syntax for type json/, 'core input errors are logged');
like($log, qr/JSON data: \*\*\*/, 'their JSON context is redacted');
like($log, qr/statement hidden: it passes secrets/, 'a statement that does not lex is hidden');
like($log, qr/execute p\('\*\*\*'\)|EXECUTE p\('\*\*\*'\)/, 'EXECUTE of a prepared statement is redacted');
like($log, qr/parameters: \$1 = '\*\*\*', \$2 = '\*\*\*'/, 'bind parameters are redacted');
like($log, qr/statement: SELECT connection\.execute\('\*\*\*'\)/, 'execute() statements are redacted');
like($log, qr/syntax error at a string constant \(expected "="\)/, 'execute() syntax errors are logged');
like($log, qr/statement 1 of connection\.execute\(\), at character 1/, 'execute() errors name their statement');
like($log, qr/visible-marker-4242/, 'unrelated statements keep their constants');
like($log, qr/division by zero/, 'later errors of the same transaction are logged');
like($log, qr/role "\w+" used the credentials of connection "n1"/, 'the usage audit is logged');
like($log, qr/"statement":"SELECT connection\.create\('\*\*\*'/, 'jsonlog statement fields are redacted');

done_testing();
