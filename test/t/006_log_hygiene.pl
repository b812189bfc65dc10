# With the library preloaded, no statement that passes a secret to the
# extension ever shows it in the server log, whatever the logging settings
# (log_statement, log_min_duration_statement, log_min_error_statement,
# auto_explain, csvlog, jsonlog, debug_print_*), whichever report carries
# it (errors of the extension and of core input functions, PREPARE /
# EXECUTE and their "prepare:" detail, DO blocks, wrappers, dialect text,
# bind parameters, a deadlock report naming the other session, a crash
# report), however the call is spelled (quoted, Unicode-escaped, through
# search_path, under EXPLAIN ANALYZE), in any language; pg_stat_activity
# shows the redacted text; and the log hook survives every
# log_min_messages level.  The rest of those statements is still logged.
use strict;
use warnings FATAL => 'all';

use File::Find;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use IPC::Run;
use Test::More;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use ConnTest;

my $secret = 'S3cr3t-Needle-7f3a9c';
my $ident  = 'AKIANEEDLE0123456789';
my $props  = qq({"ACCESS_KEY": "$ident", "SECRET_KEY": "$secret", "REGION": "us-east-1"});
# a secret that reads as a name (PostgreSQL folds it when it does)
my $word_secret = 'WordSecretNeedle';
my $word_props = qq({"ACCESS_KEY": "$ident", "SECRET_KEY": "$word_secret", "REGION": "us-east-1"});

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
	%logging, shared_preload_libraries => 'connection,auto_explain',
	deadlock_timeout => '100ms', restart_after_crash => 'on');

sub run
{
	my ($sql, @opts) = @_;
	my ($ret, $out, $err) = $node->psql('postgres', $sql, @opts);
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
isnt(run(qq{SELECT connection.create('n2', 'STORAGE', 'S3', {"SECRET_KEY": $secret})}), 0,
	'a secret outside quotes');
is(run(qq{DO \$\$ BEGIN PERFORM connection.create('n3', 'STORAGE', 'S3', '$props'); END \$\$}), 0,
	'a DO block');
is(run(qq{PREPARE p(jsonb) AS SELECT connection.create('n4', 'STORAGE', 'S3', \$1);
EXECUTE p('$props');}), 0, 'PREPARE and EXECUTE');
# the secret is in the PREPARE: EXECUTE logs "DETAIL:  prepare: PREPARE ..."
is(run(qq{PREPARE q AS SELECT connection.create('n4b', 'STORAGE', 'S3', '$props');
EXECUTE q;}), 0, 'EXECUTE of a prepared statement holding the secret');
is(run(qq{PREPARE q AS SELECT connection.create('n4c', 'STORAGE', 'S3', '$props');
EXPLAIN (ANALYZE, COSTS OFF) EXECUTE q;}), 0, 'EXPLAIN ANALYZE EXECUTE');
is(run(qq{BEGIN; SELECT connection.create('n5', 'STORAGE', 'S3', \$x\$$props\$x\$); SELECT 1/0; COMMIT;}), 3,
	'a dollar-quoted secret in a failing transaction');
is(run(qq{SELECT connection.execute('CREATE STORAGE CONNECTION n6 TYPE s3 access_key = ''$ident'' secret_key = ''$secret'' region = ''us-east-1''')}), 0,
	'connection.execute() of the original dialect');
isnt(run(qq{SELECT connection.execute('CREATE STORAGE CONNECTION n7 TYPE s3 access_key ''$ident'' secret_key = $secret')}), 0,
	'a syntax error inside connection.execute()');
isnt(run(qq{SELECT connection.execute('CREATE STORAGE CONNECTION n7 TYPE s3 secret_key = ''$secret'' bogus = ''x''')}), 0,
	'a validation error inside connection.execute()');
is(run(qq{DO \$d\$ BEGIN PERFORM connection.execute(\$x\$CREATE STORAGE CONNECTION n7b TYPE s3 access_key = '$ident' secret_key = '$secret' region = 'us-east-1'\$x\$); END \$d\$}), 0,
	'dialect text dollar-quoted in a DO block (nested auto_explain)');
is(run(qq{CREATE FUNCTION make_conn() RETURNS void LANGUAGE sql
  AS \$\$ SELECT connection.create('n8', 'STORAGE', 'S3', '$props') \$\$;
SELECT make_conn();}), 0, 'a function whose body passes the secret, with nested auto_explain');

# spellings: quoted, Unicode-escaped, through search_path
is(run(qq{SET search_path = connection, public;
SELECT "create"('n9', 'STORAGE', 'S3', '$props');}), 0, 'a quoted name through search_path');
is(run(qq{SELECT connection.U&"\\0063reate"('n10', 'STORAGE', 'S3', '$props')}), 0,
	'a Unicode-escaped name');
is(run(qq{SELECT "connection"."alter"('n10', set_properties => '{"SECRET_KEY": "$secret"}')}), 0,
	'a quoted schema and name');

# what the lexer must read as PostgreSQL does: a -- comment ends at \r; a
# UESCAPE clause may follow a comment and be an E'' string; an EXECUTE whose
# name the lexer may not read as PostgreSQL does counts as passing secrets
is(run(qq{SELECT 1 --x\r, connection.create('n13', 'STORAGE', 'S3', '$props')}), 0,
	'a -- comment ended by a carriage return');
is(run(qq{SELECT connection.U&"!0063reate" /**/ UESCAPE '!' ('n14', 'STORAGE', 'S3', '$props')}), 0,
	'UESCAPE after a comment');
is(run(qq{SELECT connection.U&"!0063reate" UESCAPE E'!' ('n15', 'STORAGE', 'S3', '$props')}), 0,
	"UESCAPE E'!'");
is(run(qq{PREPARE "p\xc3\xa9"(jsonb) AS SELECT connection.create('n16', 'STORAGE', 'S3', \$1);
EXECUTE U&"p\\00e9"('$props');}), 0, 'EXECUTE of a Unicode-escaped, non-ASCII name');
# values PostgreSQL shows transformed: JSON \u escapes decoded, a failing row
# cut at 64 bytes, a value read as a name folded to lower case
(my $escaped = $secret) =~ s/N/\\u004e/;
is(run(qq{WITH p AS MATERIALIZED (SELECT '{"ACCESS_KEY": "$ident", "SECRET_KEY": "$escaped", "REGION": "us-east-1"}'::jsonb AS p)
SELECT connection.create('n17', 'STORAGE', 'S3', p) FROM p;}), 0, 'a JSON \u escape, decoded in a plan');
is(run(qq{CREATE TABLE cut (p jsonb CHECK (p ? 'NOPE'));}), 0, 'a table that refuses rows');
isnt(run(qq{WITH v AS (INSERT INTO cut VALUES ('{"REGION": "us-east-1", "SECRET_KEY": "$secret$secret$secret"}') RETURNING p)
SELECT connection.create('n18', 'STORAGE', 'S3', p) FROM v;}), 0, 'a failing row cut at 64 bytes');
# values that reach the statement from a table: no text of the statement
# shows them, a constraint violation's DETAIL would
my $reversed = reverse $props;
# (staged without auto_explain, whose plan would show the folded value)
is(run(qq{SET auto_explain.log_min_duration = -1;
CREATE TABLE staged AS SELECT reverse('$reversed')::jsonb AS p;}), 0, 'a table of properties');
isnt(run(qq{WITH c AS MATERIALIZED (SELECT connection.create('n20', 'STORAGE', 'S3', p) AS made, p FROM staged)
INSERT INTO cut SELECT jsonb_build_object('SECRET_KEY', p->>'SECRET_KEY') FROM c;}), 0,
	'a value from a row in a failing row');
is(run(qq{CREATE TABLE uniq (s text PRIMARY KEY); INSERT INTO uniq SELECT p->>'SECRET_KEY' FROM staged;}), 0,
	'a table that holds it once');
isnt(run(qq{WITH c AS MATERIALIZED (SELECT connection.create('n21', 'STORAGE', 'S3', p) AS made, p FROM staged)
INSERT INTO uniq SELECT p->>'SECRET_KEY' FROM c;}), 0, 'a value from a row in a duplicate key');
# the CONTEXT of the extension's own reports is others' text: a call made
# as dynamic SQL, a NOTICE, a row COPY reads
is(run(q{CREATE FUNCTION mk(p jsonb, bad boolean) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SELECT connection.create(%L, %L, %L, %L, if_not_exists => true)',
                 'n1', 'STORAGE', 'S3', CASE WHEN bad THEN p || '{"BOGUS": "1"}' ELSE p END);
END $$;}), 0, 'a function that runs create() as dynamic SQL');
isnt(run(q{SELECT mk(p, true) FROM staged}), 0, 'dynamic SQL: an error of the extension');
is(run(q{SET log_min_messages = notice; SELECT mk(p, false) FROM staged}), 0,
	'dynamic SQL: a NOTICE of the extension');
open(my $copyfh, '>', "$dir/copy.txt") or die;
print $copyfh reverse($reversed) =~ s/}$/, "BOGUS": "1"}/r, "\n";
close($copyfh);
is(run(q{CREATE TABLE stg2 (p jsonb);
CREATE FUNCTION stg2_make() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM connection.create('n23', 'STORAGE', 'S3', NEW.p); RETURN NEW; END $$;
CREATE TRIGGER stg2_make BEFORE INSERT ON stg2 FOR EACH ROW EXECUTE FUNCTION stg2_make();}), 0,
	'a trigger that creates connections from the rows inserted');
isnt(run(qq{COPY stg2 FROM '$dir/copy.txt'}), 0, 'COPY: an error of the extension about a row');
# PostgreSQL's messages and details about values read from a row
isnt(run(q{SELECT connection.create('n24', 'STORAGE', 'S3', p), (p->>'SECRET_KEY')::regclass FROM staged}), 0,
	'a value from a row read as a relation name');
is(run(q{CREATE FUNCTION strict_find(k text) RETURNS void LANGUAGE plpgsql AS $$
#print_strict_params on
DECLARE x int;
BEGIN
  PERFORM connection.create('n25', 'STORAGE', 'S3',
    jsonb_build_object('ACCESS_KEY', 'AKIASTRICT', 'SECRET_KEY', k, 'REGION', 'us-east-1'));
  SELECT 1 INTO STRICT x FROM pg_class WHERE relname = k;
END $$;}), 0, 'a function with print_strict_params');
isnt(run(q{SELECT strict_find(p->>'SECRET_KEY') FROM staged}), 0, 'print_strict_params: the parameters in DETAIL');
isnt(run(qq{SELECT connection.create('n19', 'STORAGE', 'S3', '$word_props'),
  ('$word_props'::jsonb ->> 'SECRET_KEY')::regclass;}), 0, 'a value read as a name');
# a string that makes the lexer look into the same prepared statement many
# times over: bounded work (it hung the log hook before)
is(run(qq{PREPARE loop_p AS SELECT 1; } . ('EXECUTE loop_p; ' x 40)), 0,
	'EXECUTE of one prepared statement forty times in one string');

# backslashes read the other way: a quote escaped with a backslash
is(run(qq{SET standard_conforming_strings = off;
SELECT connection.create('n12', 'STORAGE', 'S3', '{"ACCESS_KEY": "it\\'s $ident", "SECRET_KEY": "$secret", "REGION": "us-east-1"}');}), 0,
	'standard_conforming_strings = off');

# a wrapper: nothing in its text says so, the extension marks the statement
is(run(qq{CREATE FUNCTION wrap(p jsonb, fail boolean DEFAULT false) RETURNS void LANGUAGE plpgsql AS \$\$
BEGIN
  PERFORM connection.create('w_' || md5(p::text || random()::text), 'STORAGE', 'S3', p);
  IF fail THEN RAISE EXCEPTION 'wrapper failed'; END IF;
END \$\$;}), 0, 'a wrapper function');
# (log_statement shows a wrapper's call before it runs: beyond the
# extension's reach, see the README; its other lines come after)
is(run("SET log_statement = none; SELECT wrap('$props')"), 0, 'a wrapper: duration and statement lines');
isnt(run("SET log_statement = none; SELECT wrap('$props', true)"), 0,
	'a wrapper failing after the call: STATEMENT line');

# debug_print_* trees, which any role may ask for
is(run(qq{CREATE ROLE printer LOGIN; GRANT USAGE ON SCHEMA connection TO printer;}), 0, 'a role');
is(run(qq{SET debug_print_parse = on; SET debug_print_rewritten = on; SET debug_print_plan = on;
SET client_min_messages = error;
SELECT connection.create('n11', 'STORAGE', 'S3', '$props');}, extra_params => [ '-U', 'printer' ]), 0,
	'debug_print_parse, _rewritten, _plan');

is(run("SELECT 'visible-marker-4242' AS plain_statement"), 0, 'an unrelated statement');

# extended protocol: the secret only travels as a bind parameter
open(my $fh, '>', "$dir/ext.sql") or die;
print $fh "SELECT connection.create(:name, 'STORAGE', 'S3', :props::jsonb);\n";
close($fh);
open($fh, '>', "$dir/ext_role.sql") or die;
print $fh "SELECT connection.alter('n1', set_properties => :props::jsonb, owner => :owner::regrole);\n";
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
	# an input error outside class 22 quotes its parameter in CONTEXT
	$node->command_fails([ 'pgbench', '-n', '-M', $mode, '-t', '1', '-f', "$dir/ext_role.sql",
		'-D', "props=$props", '-D', "owner=$secret", '-d', $node->connstr('postgres') ],
		"pgbench -M $mode: a parameter that is no role (42704)");
}
is($node->safe_psql('postgres', "SELECT connection.property('p_extended', 'SECRET_KEY')"), $secret,
	'the bind parameters arrived intact');

# ---------------------------------------------------------------------
# pg_stat_activity, the other side of a deadlock, a crash report
# ---------------------------------------------------------------------
$node->safe_psql('postgres', q{
	CREATE TABLE dl1 (); CREATE TABLE dl2 ();
	CREATE ROLE stats_reader LOGIN IN ROLE pg_read_all_stats;});
my $a = $node->background_psql('postgres', on_error_stop => 0);
my $b = $node->background_psql('postgres', on_error_stop => 0);
my $apid = $a->query_safe('SELECT pg_backend_pid()');
my $bpid = $b->query_safe('SELECT pg_backend_pid()');

# an idle session keeps its last statement in pg_stat_activity: redacted
$a->query_safe("SELECT connection.create('act1', 'STORAGE', 'S3', '$props')");
my $activity = $node->safe_psql('postgres', "SELECT query FROM pg_stat_activity WHERE pid = $apid",
	extra_params => [ '-U', 'stats_reader' ]);
like($activity, qr/^SELECT connection\.create\('\*\*\*', '\*\*\*', '\*\*\*', '\*\*\*'\)\s*;?$/,
	'pg_stat_activity shows the redacted statement to pg_read_all_stats');
$a->query_safe('SET log_statement = none');
$a->query_safe("SELECT wrap('$props')");
$activity = $node->safe_psql('postgres', "SELECT query FROM pg_stat_activity WHERE pid = $apid");
like($activity, qr/^SELECT wrap\('\*\*\*'\)\s*;?$/, 'pg_stat_activity: a wrapper marked by the call it made');
$a->query_safe('RESET log_statement');

# the extended protocol publishes the statement's text again at Bind and
# Execute: still redacted while it runs, and afterwards
open(my $sleep_fh, '>', "$dir/sleep.sql") or die;
print $sleep_fh "SELECT connection.create('ext_sleep', 'STORAGE', 'S3', '$props') FROM pg_sleep(2);\n";
close($sleep_fh);
my $bench = IPC::Run::start([ 'pgbench', '-n', '-M', 'extended', '-t', '1', '-f', "$dir/sleep.sql",
	'-d', $node->connstr('postgres') ], '>', \my $bench_out, '2>', \my $bench_err);
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE wait_event = 'PgSleep'")
  or die 'pgbench did not start';
$activity = $node->safe_psql('postgres',
	"SELECT query FROM pg_stat_activity WHERE wait_event = 'PgSleep'",
	extra_params => [ '-U', 'stats_reader' ]);
like($activity, qr/^SELECT connection\.create\('\*\*\*', '\*\*\*', '\*\*\*', '\*\*\*'\) FROM pg_sleep\(2\)/,
	'pg_stat_activity: a statement of the extended protocol, while it runs');
$bench->finish;

# the secret statement waits; the other session detects the deadlock
$a->query_safe('SET deadlock_timeout = 60000');
$a->query_safe('BEGIN; LOCK TABLE dl1 IN ACCESS EXCLUSIVE MODE');
$b->query_safe('BEGIN; LOCK TABLE dl2 IN ACCESS EXCLUSIVE MODE');
$a->query_until(qr/waiting/, "\\echo waiting\nSELECT connection.create('act2', 'STORAGE', 'S3', '$props') FROM (SELECT count(*) FROM dl2) AS s;\n");
$node->poll_query_until('postgres',
	"SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $apid") or die;
my ($out, $failed) = $b->query('SELECT count(*) FROM dl1');
like($b->{stderr}, qr/deadlock detected/, 'deadlock: detected by the other session');
$b->query('ROLLBACK');
$a->query('ROLLBACK');

# a crash report shows what the crashed backend was running
$a->query_safe("SELECT connection.create('act3', 'STORAGE', 'S3', '$props')");
kill 'KILL', $apid;
$node->poll_query_until('postgres', 'SELECT true') or die;
$a->{run}->kill_kill;
$b->{run}->kill_kill;

# ---------------------------------------------------------------------
# the log hook at every log_min_messages level, with an identifier over 63
# bytes (the scanner reports its truncation with a NOTICE)
# ---------------------------------------------------------------------
my $long = 'x' x 70;
my %client_level = (info => 'notice', fatal => 'error', panic => 'error');
foreach my $level (qw(debug5 debug4 debug3 debug2 debug1 info notice warning error log fatal panic))
{
	my $client = $client_level{$level} // $level;
	my ($ret, $stdout, $stderr) = $node->psql('postgres', qq{
		SET log_min_messages = $level;
		SET client_min_messages = $client;
		SELECT connection.create('lv_$level', 'STORAGE', 'S3', '$props') AS $long;
		SELECT connection.alter('lv_$level', set_properties => '{"SECRET_KEY": "$secret"}') AS "$long";
		SELECT connection.execute('DROP CONNECTION lv_$level') AS $long;});
	is($ret, 0, "log_min_messages = $level: the statements ran");
	is($node->safe_psql('postgres', 'SELECT 1'), '1', "log_min_messages = $level: the server is up");
	unlike($stderr, qr/\Q$secret\E/, "log_min_messages = $level: no secret reached the client either");
}

# ---------------------------------------------------------------------
# another language (when the system has the locale)
# ---------------------------------------------------------------------
my $german = `locale -a 2>/dev/null` =~ /^de_DE\.utf-?8$/mi;
SKIP:
{
	skip 'the de_DE.UTF-8 locale is not installed', 3 unless $german;
	my ($ret, $stdout, $stderr) = $node->psql('postgres', qq{
		SET lc_messages = 'de_DE.UTF-8';
		SELECT connection.create('de1', 'STORAGE', 'S3', '{"SECRET_KEY": $secret}');
		SELECT connection.create('de2', 'STORAGE', 'S3', '{"SECRET_KEY": "$secret",}');
		SELECT '$secret'::integer, connection.create('de3', 'STORAGE', 'S3', '$props');});
	like($stderr, qr/ung\S{1,2}ltige Eingabesyntax/, 'German: the errors are German');
	unlike($stderr, qr/\Q$secret\E/, 'German: no secret in the errors');
	ok(1, 'German: the log is searched below with the rest');
}

$node->safe_psql('postgres', 'SELECT pg_rotate_logfile()');
$node->stop;

my ($log, $nfiles) = all_logs($node);
ok($nfiles >= 4, "read the whole log directory ($nfiles files)");
ok(-f $_, "$_ exists") foreach glob($node->data_dir . '/log/*.csv'), glob($node->data_dir . '/log/*.json');
is(() = $log =~ /\Q$secret\E/g, 0, 'no byte of the log holds the secret');
is(() = $log =~ /\Q$ident\E/g, 0, 'no byte of the log holds the identifier');
is(() = $log =~ /\Q$word_secret\E|\Q${\ lc $word_secret}\E/g, 0,
	'nor a secret that reads as a name, folded or not');
is(() = $log =~ /\Q${\ substr($secret, 0, 12)}\E/g, 0, 'nor its first twelve bytes');
unlike($log, qr/PANIC/, 'no PANIC at any log_min_messages level');

# the log is still useful
like($log, qr/statement: SELECT connection\.create\('\*\*\*', '\*\*\*', '\*\*\*', '\*\*\*'\)/,
	'log_statement shows the redacted statement');
like($log, qr/STATEMENT:  SELECT connection\.create\('\*\*\*'/, 'STATEMENT lines show the redacted statement');
like($log, qr/duration: [\d.]+ ms  bind <unnamed>: SELECT connection\.create\(\$1, '\*\*\*', '\*\*\*', \$2::jsonb\)/,
	'log_min_duration_statement logs the redacted statement');
like($log, qr/Query Text: SELECT connection\.create/, 'auto_explain plans are logged');
like($log, qr/connection "n1" already exists/, 'errors of the extension are logged');
like($log, qr/invalid input syntax for type json/, 'core input errors are logged');
like($log, qr/syntax error at or near "(\*\*\*|\{)"/,
	'syntax errors are logged, quoting only what the redacted statement shows');
like($log, qr/DETAIL:  \(hidden: it may quote a value passed to the connection extension\)/,
	'their detail is hidden');
like($log, qr/STATEMENT:  SELECT connection\.create\('\*\*\*', '\*\*\*', '\*\*\*', '\*\*\*'$/m,
	'a statement that does not lex is redacted to its end');
like($log, qr/STATEMENT:  SELECT connection\.create\('\*\*\*', '\*\*\*', '\*\*\*', \{\*\*\*: [*-]+\}\)/,
	'values outside quotes are masked');
like($log, qr/execute p\('\*\*\*'\)|EXECUTE p\('\*\*\*'\)/, 'EXECUTE of a prepared statement is redacted');
like($log, qr/DETAIL:  prepare: PREPARE q AS SELECT connection\.create\('\*\*\*', '\*\*\*', '\*\*\*', '\*\*\*'\)/,
	'the prepare: detail of EXECUTE is redacted');
like($log, qr/statement: EXPLAIN \(ANALYZE, COSTS OFF\) EXECUTE q/, 'EXPLAIN ANALYZE EXECUTE is logged');
like($log, qr/parameters: \$1 = '\*\*\*', \$2 = '\*\*\*'/, 'bind parameters are redacted');
like($log, qr/role "\*\*\*" does not exist/, 'a parameter that is no role: the message is masked');
like($log, qr/portal parameter \$2 = '\*\*\*'/, 'a parameter that is no role: the context is masked');
like($log, qr/statement: SELECT connection\.execute\('\*\*\*'\)/, 'execute() statements are redacted');
like($log, qr/syntax error at a string constant \(expected "="\)/, 'execute() syntax errors are logged');
like($log, qr/statement 1 of connection\.execute\(\), at character 1/, 'execute() errors name their statement');
like($log, qr/statement: SELECT "create"\('\*\*\*'/,
	'a quoted name through search_path is redacted');
like($log, qr/statement: SELECT connection\.U&"\\0063reate"\('\*\*\*'/, 'a Unicode-escaped name is redacted');
like($log, qr/duration: [\d.]+ ms  statement: SELECT wrap\('\*\*\*'\)/, 'a wrapper\'s duration line is redacted');
like($log, qr/STATEMENT:  SELECT wrap\('\*\*\*', true\)/, 'a failing wrapper\'s STATEMENT line is redacted');
like($log, qr/parse tree:/, 'debug_print_parse trees are logged');
like($log, qr/:constvalue \d+ \[\*\*\*\]/, 'their constants are masked');
like($log, qr/new row for relation "cut" violates check constraint "\*\*\*"\n.*DETAIL:  \(hidden: it may quote a value passed to the connection extension\)/,
	'a constraint violation is logged, its failing row hidden');
like($log, qr/duplicate key value violates unique constraint "\*\*\*"\n.*DETAIL:  \(hidden/,
	'a duplicate key is logged, its key hidden');
like($log, qr/CONTEXT:  SQL statement "SELECT connection\.create\('\*\*\*', '\*\*\*', '\*\*\*', '\*\*\*', if_not_exists => \*\*\*\)"/,
	'dynamic SQL: the CONTEXT line is redacted');
like($log, qr/COPY stg2, line \S+: "\*\*\*"/, 'COPY: the line it quotes is masked');
like($log, qr/Index Cond: \(pg_class\.relname = '\*\*\*'::text\)/,
	'a nested plan shows a parameter\'s value masked');
like($log, qr/relation "\*\*\*" does not exist/, 'a relation name read from a row is masked');
like($log, qr/query returned no rows\n.*DETAIL:  \(hidden/, 'print_strict_params: the DETAIL is hidden');
like($log, qr/deadlock detected/, 'the deadlock is logged');
like($log, qr/Process \d+: SELECT connection\.create\('\*\*\*', '\*\*\*', '\*\*\*', '\*\*\*'\) FROM/,
	'the deadlock report shows the other session\'s statement redacted');
like($log, qr/terminated by signal 9: Killed\n.*Failed process was running: SELECT connection\.create\('\*\*\*'/,
	'the crash report shows the redacted statement');
like($log, qr/visible-marker-4242/, 'unrelated statements keep their constants');
like($log, qr/division by zero/, 'later errors of the same transaction are logged');
like($log, qr/role "\w+" used the credentials of connection "n1"/, 'the usage audit is logged');
like($log, qr/"statement":"SELECT connection\.create\('\*\*\*'/, 'jsonlog statement fields are redacted');

done_testing();
