# Temporary credentials shared by the whole server (issue 16), against the
# STS emulator: 8 backends making 100 calls each make one AssumeRole call;
# credentials with a short lifetime are renewed in the background while a
# session keeps using them, without any call waiting for STS; when STS
# fails the refresher backs off, calls go on with the old credentials until
# shortly before they expire and then fail with the provider's error, and
# shared memory no longer holds them; alter, disable and rotate_key() reach
# every backend at once; the view's rows (no key, secret or token; the last
# error only for roles that may use the connection); a hot standby.
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
use Time::HiRes qw(time usleep);

my $dir = PostgreSQL::Test::Utils::tempdir;
my @source = ('AKIAEXAMPLESOURCE1', 'aws/source+secret=1');

my $base = start_emulator($dir, '--key', "$source[0]=$source[1]");
my ($port) = $base =~ /:(\d+)$/;
sub control { emulator_control($base, @_); return; }

sub calls { return emulator_stats($base)->{calls}{aws}; }

write_keys("$dir/key", new_key(), new_key());
my $node = start_node('shared', "$dir/key", shared_preload_libraries => 'connection',
	wal_level => 'replica', max_wal_senders => '2', 'connection.sts_shared_entries' => '6',
	'connection.allowed_hosts' => "127.0.0.1:$port");

my %arn = map { $_ => "arn:aws:iam::123456789012:role/$_" } qw(reader short failing);
$node->safe_psql('postgres', qq{
CREATE ROLE app LOGIN;
CREATE ROLE outsider LOGIN;
SELECT connection.create('src', 'STORAGE', 'S3',
  '{"ACCESS_KEY": "$source[0]", "SECRET_KEY": "$source[1]", "REGION": "us-east-1", "ENDPOINT": "$base"}');
SELECT connection.create(n, 'STORAGE', 'S3', jsonb_build_object('ROLE_ARN', 'arn:aws:iam::123456789012:role/' || n,
  'REGION', 'us-east-1', 'SOURCE_CONNECTION', 'src', 'STS_ENDPOINT', '$base', 'ENDPOINT', '$base'))
  FROM unnest(ARRAY['reader', 'short', 'failing']) AS n;
SELECT connection.grant_usage(n, 'app') FROM unnest(ARRAY['reader', 'short', 'failing']) AS n;});
my %roles = map { $arn{$_} => $node->safe_psql('postgres', "SELECT connection.property('$_', 'EXTERNAL_ID')") }
  keys %arn;
control(roles => \%roles, mode => 'ok', expires_in => 3600);

# ---------------------------------------------------------------------
# one call for the whole server
# ---------------------------------------------------------------------
open(my $fh, '>', "$dir/creds.sql") or die;
print $fh "SELECT connection.credentials('reader');\n";
close($fh);
my $before = calls();
$node->command_ok([ 'pgbench', '-n', '-c', '8', '-j', '2', '-t', '100', '-f', "$dir/creds.sql",
	'-U', 'app', '-d', $node->connstr('postgres') ], '8 backends, 100 calls each');
is(calls() - $before, 1, '8 backends and 800 calls made one AssumeRole call');
my $creds = decode_json($node->safe_psql('postgres', "SELECT connection.credentials('reader')"));
is(calls() - $before, 1, 'a new backend gets them from shared memory');

my $row = $node->safe_psql('postgres', q{SELECT role_arn, expiration IS NOT NULL, last_refresh IS NOT NULL,
  refreshing, sts_calls, failures, last_error IS NULL FROM connection.sts_cache WHERE name = 'reader'});
is($row, "$arn{reader}|t|t|f|1|0|t", 'the view: role ARN, expiry, last refresh, one call');
my $all = $node->safe_psql('postgres', 'SELECT * FROM connection.sts_cache');
ok(index($all, $creds->{ACCESS_KEY_ID}) < 0 && index($all, $creds->{SECRET}) < 0
	  && index($all, $creds->{SECURITY_TOKEN}) < 0, 'the view shows no key, secret or token');

# backends holding a copy
my @bg = map { $node->background_psql('postgres', on_error_stop => 0) } 1 .. 2;
$_->query_safe("SELECT connection.credentials('reader')") foreach @bg;
is($node->safe_psql('postgres', q{SELECT backends FROM connection.sts_cache WHERE name = 'reader'}), '2',
	'the view: two backends hold a copy');

# ---------------------------------------------------------------------
# changes reach every backend at once
# ---------------------------------------------------------------------
sub secret_in { my ($s, $name) = @_; return $s->query_safe("SELECT connection.credentials('$name')->>'SECRET'"); }
my @old = map { secret_in($_, 'reader') } @bg;
is($old[0], $old[1], 'both backends hand out the same credentials');
$before = calls();
$node->safe_psql('postgres', q{SELECT connection.alter('reader', set_properties => '{"SESSION_NAME": "changed"}')});
my @new = map { secret_in($_, 'reader') } @bg;
ok($new[0] ne $old[0] && $new[0] eq $new[1], 'alter: both backends hand out new credentials');
is(calls() - $before, 1, 'alter: one call for both');
my $bgpid = $bg[0]->query_safe('SELECT pg_backend_pid()');
my $live = $new[0];
SKIP:
{
	skip 'this system does not let the test read the memory of a backend', 2
	  unless defined memory_holds($bgpid, $live, 'shared');
	ok(memory_holds($bgpid, $live, 'shared') > 0, 'shared memory holds the credentials in use');
	$node->safe_psql('postgres', q{SELECT connection.alter('reader', enabled => false)});
	is(memory_holds($bgpid, $live, 'shared'), 0, 'disable: shared memory no longer holds them');
}
$node->safe_psql('postgres', q{SELECT connection.alter('reader', enabled => false)});
foreach my $s (@bg)
{
	$s->{stderr} = '';
	$s->query("SELECT connection.credentials('reader')");
	like($s->{stderr}, qr/connection "reader" is disabled/, 'disable: refused at once in an open backend');
	$s->{stderr} = '';
}
$node->safe_psql('postgres', q{SELECT connection.alter('reader', enabled => true)});
@old = map { secret_in($_, 'reader') } @bg;
$before = calls();
# the second key becomes the current one, and rotate_key() moves every row to it
my @keys = grep { !/^#/ } split /\n/, slurp_file("$dir/key");
write_keys("$dir/key", reverse @keys);
$node->reload;
$node->safe_psql('postgres', q{SELECT connection.rotate_key()});
@new = map { secret_in($_, 'reader') } @bg;
ok($new[0] ne $old[0] && $new[0] eq $new[1], 'rotate_key(): both backends hand out new credentials');
is(calls() - $before, 1, 'rotate_key(): one call for both');
$_->quit foreach @bg;

# the view's last error is for roles that may use the connection
control(mode => 'deny');
$node->safe_psql('postgres', q{SELECT connection.alter('failing', set_properties => '{"SESSION_NAME": "denied"}')});
fails_with($node, "SELECT connection.credentials('failing')", '28000', 'AWS STS did not issue credentials',
	'a denied call fails with the provider\'s error');
control(mode => 'ok');
is($node->safe_psql('postgres', q{SELECT failures, last_error IS NOT NULL FROM connection.sts_cache WHERE name = 'failing'},
	extra_params => [ '-U', 'app' ]), '1|t', 'the view: a role with USAGE sees the last error');
is($node->safe_psql('postgres', q{SELECT failures, last_error IS NULL FROM connection.sts_cache WHERE name = 'failing'},
	extra_params => [ '-U', 'outsider' ]), '1|t', 'the view: a role without USAGE does not');

# ---------------------------------------------------------------------
# renewed in the background while in use, nobody waiting for STS
# ---------------------------------------------------------------------
control(mode => 'ok', expires_in => 30);
my $s = $node->background_psql('postgres', on_error_stop => 0);
$before = calls();
my %expirations;
$expirations{ $s->query_safe("SELECT connection.credentials('short')->>'EXPIRATION'") } = 1;
# from now on a call of a backend's own would take two seconds
control(mode => 'slow', slow => 2, expires_in => 30);
my ($slowest, $start) = (0, time);
while (time - $start < 34)
{
	my $t0 = time;
	$expirations{ $s->query_safe("SELECT connection.credentials('short')->>'EXPIRATION'") } = 1;
	$slowest = time - $t0 if time - $t0 > $slowest;
	usleep(500_000);
}
ok(keys %expirations >= 2, 'short-lived credentials were renewed ('
	  . scalar(keys %expirations) . ' expirations seen over 34 s)');
ok($slowest < 1.5, sprintf('no call waited for STS (slowest %.3f s)', $slowest));
ok(calls() - $before >= 2, 'the refresher made the calls (' . (calls() - $before) . ')');

# ---------------------------------------------------------------------
# STS failing: back off, serve the old credentials until shortly before
# they expire, then fail; shared memory holds them no more
# ---------------------------------------------------------------------
control(mode => 'ok', expires_in => 30);
my $temp = decode_json($s->query_safe("SELECT connection.alter('short', set_properties => '{\"SESSION_NAME\": \"again\"}');
SELECT connection.credentials('short')"));
my $backend = $node->safe_psql('postgres', 'SELECT pg_backend_pid()');
my $shared_holds = sub { return memory_holds($_[0], $temp->{SECRET}, 'shared'); };
my $pid = $s->query_safe('SELECT pg_backend_pid()');
SKIP:
{
	skip 'this system does not let the test read the memory of a backend', 1
	  unless defined $shared_holds->($pid);
	ok($shared_holds->($pid) > 0, 'shared memory holds valid credentials');
}
control(mode => 'error500', expires_in => 30);
$before = calls();
my ($worked, $failed, $error, $while_served) = (0, 0, '', undef);
$start = time;
while (time - $start < 32)
{
	$s->{stderr} = '';
	my $out = $s->query("SELECT connection.credentials('short')->>'SECRET'");
	if ($s->{stderr} eq '' && $out eq $temp->{SECRET}) { $worked++; }
	elsif ($s->{stderr} ne '')
	{
		$failed++;
		$error = $s->{stderr};
		$while_served //= calls() - $before;
	}
	usleep(500_000);
}
ok($worked >= 40, "calls went on with the old credentials ($worked)");
ok($failed >= 3, "then failed ($failed)");
like($error, qr/AWS STS did not issue credentials for connection "short"\nDETAIL:  HTTP status 500/,
	'with the provider\'s error');
ok(defined $while_served && $while_served >= 1 && $while_served <= 3,
	'the refresher tried and backed off while the old credentials were served ('
	  . ($while_served // 'none') . ' calls in about 27 s)');
SKIP:
{
	skip 'this system does not let the test read the memory of a backend', 1
	  unless defined $shared_holds->($pid);
	# the refresher wipes what expired within a second
	sleep 2;
	is($shared_holds->($pid), 0, 'shared memory no longer holds expired credentials');
}
$s->quit;
control(mode => 'ok', expires_in => 3600);

# ---------------------------------------------------------------------
# no worker stays connected to a database: DROP DATABASE is not held up
# ---------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE dropme');
$node->safe_psql('dropme', qq{
SET client_min_messages = warning;
CREATE EXTENSION connection CASCADE;
SELECT connection.create('src', 'STORAGE', 'S3',
  '{"ACCESS_KEY": "$source[0]", "SECRET_KEY": "$source[1]", "REGION": "us-east-1", "ENDPOINT": "$base"}');
SELECT connection.create('dropper', 'STORAGE', 'S3', jsonb_build_object('ROLE_ARN',
  'arn:aws:iam::123456789012:role/dropper', 'REGION', 'us-east-1', 'SOURCE_CONNECTION', 'src',
  'STS_ENDPOINT', '$base'));});
$roles{'arn:aws:iam::123456789012:role/dropper'} =
  $node->safe_psql('dropme', "SELECT connection.property('dropper', 'EXTERNAL_ID')");
control(roles => \%roles, mode => 'ok', expires_in => 3600);
$node->safe_psql('dropme', "SELECT connection.credentials('dropper')");
is($node->safe_psql('dropme', 'SELECT count(*) FROM connection.sts_cache'), '1', 'an entry of another database');
is($node->safe_psql('postgres', q{SELECT count(*) FROM connection.sts_cache WHERE name = 'dropper'}), '0',
	'the view shows the entries of its own database only');
$node->safe_psql('postgres', 'DROP DATABASE dropme');
pass('DROP DATABASE of a database with shared credentials');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'connection STS launcher'}),
	'1', 'the launcher runs, connected to no database');

# ---------------------------------------------------------------------
# a full table: what other sessions use is not pushed out
# ---------------------------------------------------------------------
$node->safe_psql('postgres', q{SELECT connection.credentials('reader')});
$node->safe_psql('postgres', qq{
SELECT connection.create('fill' || i, 'STORAGE', 'S3', jsonb_build_object('ROLE_ARN',
  'arn:aws:iam::123456789012:role/fill' || i, 'REGION', 'us-east-1', 'SOURCE_CONNECTION', 'src',
  'STS_ENDPOINT', '$base'))
  FROM generate_series(1, 8) AS i;});
$roles{"arn:aws:iam::123456789012:role/fill$_"} =
  $node->safe_psql('postgres', "SELECT connection.property('fill$_', 'EXTERNAL_ID')") foreach 1 .. 8;
control(roles => \%roles, mode => 'ok', expires_in => 3600);
$before = calls();
is($node->safe_psql('postgres', q{SELECT count(connection.credentials('fill' || i)) FROM generate_series(1, 8) AS i}),
	'8', 'more connections than the table holds all work');
is($node->safe_psql('postgres', q{SELECT count(*) FROM connection.sts_cache WHERE name = 'reader'}), '1',
	'the entry in use stays in the full table');
$before = calls();
$node->safe_psql('postgres', q{SELECT connection.credentials('reader')});
is(calls() - $before, 0, 'and is served from it');
ok($node->safe_psql('postgres', 'SELECT count(*) FROM connection.sts_cache') <= 6, 'the table holds at most its size');

# ---------------------------------------------------------------------
# a hot standby shares its own
# ---------------------------------------------------------------------
$node->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($node, 'b', has_streaming => 1);
$standby->start;
$node->wait_for_catchup($standby);
$before = calls();
$standby->command_ok([ 'pgbench', '-n', '-c', '4', '-j', '2', '-t', '50', '-f', "$dir/creds.sql",
	'-U', 'app', '-d', $standby->connstr('postgres') ], 'standby: 4 backends, 50 calls each');
is(calls() - $before, 1, 'standby: one AssumeRole call');
is($standby->safe_psql('postgres', q{SELECT sts_calls FROM connection.sts_cache WHERE name = 'reader'}), '1',
	'standby: the view');
$standby->stop;

$node->stop;
done_testing();
