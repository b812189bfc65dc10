# Connections at work against real servers on 127.0.0.1: s3rver (npm
# @20minutes/s3rver, which checks Signature V4) for S3, and the emulator of
# test/sts/emulator.py for the OSS and COS object APIs (each signature
# checked) and for STS.  Per cloud: put, get, head, list, delete; import
# and export round trips of 1,000,000 rows (exports in parts: multipart);
# gzip; a wrong secret; retries, a resumed download, a cancel in the middle
# of an import and of an export (no rows, no object, the upload aborted);
# role-based connections through temporary credentials, fetched again when
# they run out mid-transfer; COPY with connection:// URIs by a role with
# USAGE only; the audit lines and no secret in the log; and a populated 1.0
# installation upgraded to 1.1 with the same catalog as a fresh one.
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

my $dir = PostgreSQL::Test::Utils::tempdir;

# ---------------------------------------------------------------- servers
my ($node_modules) = grep { defined && -d "$_/\@20minutes/s3rver" }
  ($ENV{S3RVER_NODE_PATH}, '/var/tmp/connection-s3rver/node_modules',
	"$FindBin::RealBin/../../tmp_s3rver/node_modules");
BAIL_OUT('s3rver is not installed: test/run.sh installs it') unless $node_modules;

mkdir "$dir/s3data";
local $ENV{NODE_PATH} = $node_modules;
my $s3port = start_server($dir, 's3rver', "$dir/s3.port", 'node',
	"$FindBin::RealBin/../s3/s3rver.js", "$dir/s3data", "$dir/s3.port", 'lake', 'spare');

my %key = (
	oss => [ 'LTAI5tObjectsKey01', 'oss-secret/Obj+1' ],
	cos => [ 'AKIDobjectsKey0001', 'cos-secret-Obj-2' ],
	aws => [ 'AKIAOBJECTSSOURCE1', 'aws/source+Obj=3' ],
	ali => [ 'LTAI5tObjectsSrc02', 'aliyun-source-Obj4' ],
	tc  => [ 'AKIDobjectsSource2', 'tencent-source-Obj5' ]);
my $emubase = start_emulator($dir, '--data-dir', "$dir", '--bucket', 'lake', '--bucket', 'lake-1250000000',
	map { ('--key', "$_->[0]=$_->[1]") } values %key);
my ($emuport) = $emubase =~ /:(\d+)$/;
sub control { emulator_control($emubase, @_); return; }
sub stats { return emulator_stats($emubase); }

# ------------------------------------------------------------------- node
write_keys("$dir/key", new_key());
my $node = start_node('objects', "$dir/key", shared_preload_libraries => 'connection',
	'connection.allowed_hosts' => "127.0.0.1:$s3port, 127.0.0.1:$emuport",
	'connection.log_usage' => 'on', log_statement => 'all', log_min_messages => 'debug1');

sub sql { return $node->safe_psql('postgres', $_[0]); }

sql(qq{
	SELECT connection.create('s3', 'STORAGE', 'S3',
	  '{"ACCESS_KEY": "S3RVER", "SECRET_KEY": "S3RVER", "REGION": "us-east-1", "ENDPOINT": "http://127.0.0.1:$s3port"}');
	SELECT connection.create('s3_wrong', 'STORAGE', 'S3',
	  '{"ACCESS_KEY": "S3RVER", "SECRET_KEY": "not-the-secret", "REGION": "us-east-1", "ENDPOINT": "http://127.0.0.1:$s3port"}');
	SELECT connection.create('oss', 'STORAGE', 'OSS',
	  '{"ACCESS_ID": "$key{oss}[0]", "ACCESS_KEY": "$key{oss}[1]", "ENDPOINT": "$emubase"}');
	SELECT connection.create('cos', 'STORAGE', 'COS',
	  '{"ACCESS_KEY": "$key{cos}[0]", "SECRET_KEY": "$key{cos}[1]", "REGION": "ap-shanghai", "APP_ID": "1250000000", "ENDPOINT": "$emubase"}');
	CREATE TABLE big AS
	  SELECT g AS id, md5(g::text) AS h, '2026-01-01'::timestamptz + g * interval '1 second' AS t,
	         CASE WHEN g % 7 = 0 THEN NULL ELSE 'a,"b"' || E'\\n' || g END AS odd
	    FROM generate_series(1, 1000000) g;
});
my $fingerprint = "SELECT count(*), sum(id), md5(string_agg(h || t::text || coalesce(odd, '~'), '' ORDER BY id)) FROM";
my $want = sql("$fingerprint big");

# --------------------------------------------- per cloud: the round trips
my %bucket = (s3 => 'lake', oss => 'lake', cos => 'lake');
foreach my $c (qw(s3 oss cos))
{
	my $b = $bucket{$c};
	is(sql("SELECT connection.put_object('$c', '$b/dir/hello.txt', 'hello $c') IS NOT NULL"), 't', "$c: put");
	is(sql("SELECT convert_from(connection.get_object('$c', '$b/dir/hello.txt'), 'UTF8')"), "hello $c", "$c: get");
	is(sql("SELECT size || ' ' || content_type FROM connection.head_object('$c', '$b/dir/hello.txt')"),
		length("hello $c") . ' text/plain; charset=utf-8', "$c: head");
	is(sql("SELECT size FROM connection.head_object('$c', '$b/dir/hello.txt')"), length("hello $c"), "$c: head size");
	is(sql("SELECT convert_from(connection.get_object('$c', '$b/' || k), 'UTF8') || ' ' || (SELECT count(*) FROM connection.list_objects('$c', '$b/odd/'))
	          FROM (SELECT k, connection.put_object('$c', '$b/' || k, 'odd')
	                  FROM (SELECT 'odd/sp ace+plus*(p)/../' || chr(233) || '.txt' AS k) s) p"),
		'odd 1', "$c: a key with blanks, reserved characters, a dot segment and UTF-8");
	# (listed by its first segment: s3rver signs a query's *() unencoded, reads + as a
	# blank and tidies dot segments out of keys, unlike S3)
	sql("SELECT connection.put_object('$c', '$b/dir/b.bin', '\\x00ff00'::bytea)");
	is(sql("SELECT string_agg(key || ':' || size, ' ' ORDER BY key) FROM connection.list_objects('$c', '$b/dir/')"),
		'dir/b.bin:3 dir/hello.txt:' . length("hello $c"), "$c: list under a prefix");
	is(sql("SELECT count(*) FROM connection.list_objects('$c', '$b/dir/', 1)"), '1', "$c: list, limited");
	sql("SELECT connection.delete_object('$c', '$b/dir/b.bin')");
	is(sql("SELECT string_agg(key, ' ') FROM connection.list_objects('$c', '$b/dir')"), 'dir/hello.txt', "$c: delete");
	fails_with($node, "SELECT connection.get_object('$c', '$b/dir/b.bin')", '58P01',
		qr/object "$b\/dir\/b.bin" of connection "$c" does not exist/, "$c: a missing object");

	# 1,000,000 rows out and back, csv with quotes, newlines and NULLs
	my $r = sql("SELECT rows || ' ' || (parts > 1) || ' ' || bytes FROM connection.export_query('$c', '$b/big.csv', 'SELECT * FROM big', 'format csv, header')");
	my ($rows, $multi, $bytes) = split / /, $r;
	is($rows, '1000000', "$c: export of 1,000,000 rows");
	is($multi, 'true', "$c: in parts (multipart upload)");
	cmp_ok($bytes, '>', 50 * 1024 * 1024, "$c: more than 50 MB");
	is(sql("SELECT size FROM connection.head_object('$c', '$b/big.csv')"), $bytes, "$c: the object has every byte");
	sql('CREATE TABLE back (LIKE big)');
	is(sql("SELECT connection.import_object('$c', '$b/big.csv', 'back', options => 'format csv, header true')"),
		'1000000', "$c: import of 1,000,000 rows");
	is(sql("$fingerprint back"), $want, "$c: the same rows came back");
	# gzip, made by gzip(1)
	sql("COPY (SELECT * FROM big WHERE id <= 1000) TO '$dir/part.csv' (FORMAT csv)");
	system("gzip -c '$dir/part.csv' > '$dir/part.csv.gz'") == 0 or die "gzip failed";
	sql("SELECT connection.put_object('$c', '$b/part.csv.gz', pg_read_binary_file('$dir/part.csv.gz'))");
	sql('TRUNCATE back');
	is(sql("SELECT connection.import_object('$c', '$b/part.csv.gz', 'back', options => 'format csv')"),
		'1000', "$c: a gzip object, inflated on the way");
	is(sql("$fingerprint back"), sql("$fingerprint big WHERE id <= 1000"), "$c: gzip rows");
	sql('DROP TABLE back');
}

# ------------------------------------------------------- S3: more of COPY
sql(q{
	CREATE TABLE t (id int, h text, t timestamptz, odd text);
	CREATE ROLE loader LOGIN;
	GRANT SELECT, INSERT ON big, t TO loader;
	SELECT connection.grant_usage('s3', 'loader');
	SELECT connection.grant_usage('oss', 'loader');
});
# a role with USAGE, and neither pg_read_server_files nor pg_write_server_files
my ($ret, $out, $err) = $node->psql('postgres', q{
	SET ROLE loader;
	COPY (SELECT * FROM big WHERE id % 2 = 0) TO 'connection://s3/lake/even.bin' WITH (FORMAT binary);
	COPY t FROM 'connection://s3/lake/even.bin' WITH (FORMAT binary);
	COPY big TO 'connection://S3/lake/big.txt.gz';
	COPY (SELECT id, h FROM big) TO 'connection://s3/lake/two.csv' (FORMAT csv, HEADER);
	COPY t (id, h) FROM 'connection://s3/lake/two.csv' WITH (FORMAT csv, HEADER) WHERE id < 11;
	SELECT count(*), count(*) FILTER (WHERE t.t IS NULL) FROM t;
});
is($ret, 0, 'COPY with connection:// URIs by a role with USAGE only') or diag $err;
is($out, '500010|10', 'COPY TO, COPY FROM (binary), WHERE, columns');
is(sql("SELECT size > 0 FROM connection.head_object('s3', 'lake/big.txt.gz')"), 't', 'COPY TO a .gz key');
sql('TRUNCATE t');
is(sql("SELECT connection.import_object('s3', 'lake/big.txt.gz', 't')"), '1000000', 'text format, gzip, both ways');
($ret, $out, $err) = $node->psql('postgres', q{
	SET ROLE loader;
	COPY t FROM 'connection://cos/lake/big.csv';
});
like($err, qr/permission denied for connection cos/, 'COPY without USAGE: refused');

# a wrong secret: 403, reported clearly, no secret in it
$err = fails_with($node, "SELECT connection.get_object('s3_wrong', 'lake/big.csv')", '28000',
	qr/could not read "lake\/big.csv" through connection "s3_wrong"/, 'wrong secret');
like($err, qr/S3 answered HTTP status 403, error code "SignatureDoesNotMatch"/, 'wrong secret: the provider\'s code');
unlike($err, qr/not-the-secret/, 'wrong secret: not in the error');
fails_with($node, "SELECT connection.put_object('s3', 'nowhere/k', 'x')", '58P01',
	qr/bucket "nowhere" of connection "s3" does not exist/, 'no such bucket');

# cancels: statement_timeout in the middle of an import and of an export
sql('TRUNCATE t');
($ret, $out, $err) = $node->psql('postgres', q{
	SET statement_timeout = '150ms';
	SELECT connection.import_object('s3', 'lake/big.csv', 't', options => 'format csv, header');
});
like($err, qr/canceling statement due to statement timeout/, 'S3 import: cancelled');
is(sql('SELECT count(*) FROM t'), '0', 'S3 import: no rows');
($ret, $out, $err) = $node->psql('postgres', q{
	SET statement_timeout = '300ms';
	SELECT connection.export_query('s3', 'lake/cancelled.csv', 'SELECT * FROM big, generate_series(1, 3)');
});
like($err, qr/canceling statement due to statement timeout/, 'S3 export: cancelled');
fails_with($node, "SELECT connection.head_object('s3', 'lake/cancelled.csv')", '58P01',
	qr/object "lake\/cancelled.csv" of connection "s3" does not exist/, 'S3 export: no object');

# ------------------------------------- the emulator: faults and role-based
control(faults => { part_delay => 1 });
my $before = stats()->{multipart};
($ret, $out, $err) = $node->psql('postgres', q{
	SET statement_timeout = '2500ms';
	SELECT connection.export_query('oss', 'lake/cancelled.csv', 'SELECT * FROM big');
});
like($err, qr/canceling statement due to statement timeout/, 'OSS export: cancelled between parts');
my $after = stats();
is($after->{multipart}{aborted} - $before->{aborted}, 1, 'OSS export: the multipart upload aborted');
is($after->{open_uploads}, 0, 'OSS export: no upload left open');
fails_with($node, "SELECT connection.head_object('oss', 'lake/cancelled.csv')", '58P01',
	qr/object "lake\/cancelled.csv" of connection "oss" does not exist/, 'OSS export: no object');

# a backend terminated in the middle of an export aborts its upload too
$before = stats()->{multipart};
my $bg = $node->background_psql('postgres', on_error_stop => 0);
my $pid = $bg->query_safe('SELECT pg_backend_pid()');
$bg->query_until(qr/started/, q{\echo started
SELECT connection.export_query('cos', 'lake/terminated.csv', 'SELECT * FROM big');
});
$node->poll_query_until('postgres', "SELECT count(*) > 0 FROM pg_stat_activity WHERE pid = $pid AND query LIKE '%terminated.csv%'");
sleep(2);
sql("SELECT pg_terminate_backend($pid)");
eval { $bg->quit; };
$node->poll_query_until('postgres', "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $pid");
$after = stats();
is($after->{multipart}{aborted} - $before->{aborted}, 1, 'terminated export: the upload aborted');
is($after->{open_uploads}, 0, 'terminated export: none left open');
control(faults => {});

# retries: 503 SlowDown twice, then fine; too many; a 403 is not retried
control(faults => { fail_next => 2 });
is(sql("SELECT connection.put_object('cos', 'lake/retried.txt', 'r') IS NOT NULL"), 't', '503 twice: retried');
control(faults => { fail_next => 50 });
fails_with($node, "SET connection.request_retries = 2; SELECT connection.put_object('cos', 'lake/retried.txt', 'r')",
	'08006', qr/could not write "lake\/retried.txt" through connection "cos"/, 'retries run out');
$before = stats()->{requests}{tencent}{put};
control(faults => { fail_next => 1, fail_status => 403, fail_code => 'AccessDenied' });
fails_with($node, "SELECT connection.put_object('cos', 'lake/retried.txt', 'r')", '42501',
	qr/could not write/, '403: refused');
is(stats()->{requests}{tencent}{put} - $before, 1, '403: not tried again');
control(faults => {});

# a download cut in the middle resumes where it stopped
sql('TRUNCATE t');
$before = stats()->{requests}{aliyun}{get};
control(faults => { cut_get_after => 20_000_000 });
is(sql("SELECT connection.import_object('oss', 'lake/big.csv', 't', options => 'format csv, header')"),
	'1000000', 'a cut download: resumed');
is(stats()->{requests}{aliyun}{get} - $before, 2, 'a cut download: one more GET (a Range)');
is(sql("$fingerprint t"), $want, 'a cut download: every row once');

# role-based connections: the same, through temporary credentials
my %role = (
	aws => [ 'S3', 'arn:aws:iam::123456789012:role/loader', qq("REGION": "us-east-1"), 'AKIAOBJECTSSOURCE1', '{"ACCESS_KEY": "%s", "SECRET_KEY": "%s", "REGION": "us-east-1"}' ],
	ali => [ 'OSS', 'acs:ram::1234567890:role/loader', qq("REGION": "cn-hangzhou"), '', '{"ACCESS_ID": "%s", "ACCESS_KEY": "%s", "ENDPOINT": "' . $emubase . '"}' ],
	tc  => [ 'COS', 'qcs::cam::uin/100001:roleName/loader', qq("REGION": "ap-shanghai", "APP_ID": "1250000000"), '', '{"ACCESS_KEY": "%s", "SECRET_KEY": "%s", "REGION": "ap-shanghai", "APP_ID": "1250000000"}' ]);
my %trust;
foreach my $p (sort keys %role)
{
	my ($type, $arn, $extra, undef, $srcfmt) = @{ $role{$p} };
	my $src = sprintf($srcfmt, @{ $key{$p} });
	sql(qq{
		SELECT connection.create('src_$p', 'STORAGE', '$type', '$src');
		SELECT connection.create('role_$p', 'STORAGE', '$type',
		  '{"ROLE_ARN": "$arn", $extra, "ENDPOINT": "$emubase", "STS_ENDPOINT": "$emubase", "SOURCE_CONNECTION": "src_$p"}');
	});
	$trust{$arn} = sql("SELECT connection.property('role_$p', 'EXTERNAL_ID')");
}
control(roles => \%trust);
foreach my $p (sort keys %role)
{
	sql('TRUNCATE t');
	is(sql("SELECT rows FROM connection.export_query('role_$p', 'lake/role_$p.csv', 'SELECT * FROM big WHERE id <= 100000', 'format csv')"),
		'100000', "role_$p: export with temporary credentials");
	is(sql("SELECT connection.import_object('role_$p', 'lake/role_$p.csv', 't', options => 'format csv')"),
		'100000', "role_$p: import with temporary credentials");
	is(sql("SELECT count(*) FROM connection.list_objects('role_$p', 'lake/role_$p')"), '1', "role_$p: list");
}
# credentials that run out in the middle of an export are fetched again
my $calls = stats()->{calls}{aws};
control(expires_in => 302, faults => { part_delay => 0.6 });
# (a change of the connection: the credentials shared by the server are not used)
sql(q{SELECT connection.alter('role_aws', set_properties => '{"SESSION_NAME": "long-export"}')});
cmp_ok(sql("SELECT parts FROM connection.export_query('role_aws', 'lake/long.csv', 'SELECT * FROM big', 'format csv')"),
	'>', 5, 'an export outlives its temporary credentials');
cmp_ok(stats()->{calls}{aws} - $calls, '>=', 2, 'temporary credentials fetched again mid-transfer');
control(expires_in => 3600, faults => {});

# --------------------------------------------------------- the server log
my $log = slurp_file($node->logfile);
like($log, qr/role "loader" used the credentials of connection "s3" through COPY TO/, 'audit: COPY TO');
like($log, qr/used the credentials of connection "oss" through connection\.import_object\(\)/, 'audit: import');
foreach my $secret ((map { $_->[1] } values %key), 'not-the-secret')
{
	unlike($log, qr/\Q$secret\E/, "no secret in the log: $secret");
}

# ------------------------------ a populated 1.0 installation, upgraded
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('postgres', 'CREATE DATABASE upgraded');
$node->safe_psql('fresh', 'CREATE EXTENSION connection CASCADE');
$node->safe_psql('upgraded', qq{
	CREATE EXTENSION connection VERSION '1.0' CASCADE;
	SELECT connection.create('old', 'STORAGE', 'OSS',
	  '{"ACCESS_ID": "$key{oss}[0]", "ACCESS_KEY": "$key{oss}[1]", "ENDPOINT": "$emubase"}');
	CREATE ROLE old_user;
	SELECT connection.grant_usage('old', 'old_user');
	CREATE TABLE uses_old (a int);
	SELECT connection.add_dependency('old', 'uses_old'::regclass);
	ALTER EXTENSION connection UPDATE;
});
is($node->safe_psql('upgraded', "SELECT extversion FROM pg_extension WHERE extname = 'connection'"),
	'1.1', 'upgraded to 1.1');
is($node->safe_psql('upgraded', q{
	SELECT connection.put_object('old', 'lake/from_1_0.txt', 'still works') IS NOT NULL
	   AND connection.has_usage('old', 'old_user')
	   AND (SELECT count(*) FROM connection.dependents('old')) = 1}),
	't', 'upgraded: the 1.0 connection, its grant and dependency work with the new functions');
my $catalog = q{
	SELECT string_agg(x, E'\n' ORDER BY x) FROM (
	  SELECT pg_describe_object(d.classid, d.objid, d.objsubid) AS x
	    FROM pg_depend d JOIN pg_extension e ON d.refobjid = e.oid
	   WHERE d.refclassid = 'pg_extension'::regclass AND e.extname = 'connection' AND d.deptype = 'e'
	  UNION ALL
	  SELECT format('%s %s %s %s %s %s %s', p.oid::regprocedure, pg_get_function_result(p.oid),
	                p.provolatile, p.proparallel, p.prosecdef, p.proacl, obj_description(p.oid, 'pg_proc'))
	    FROM pg_proc p WHERE p.pronamespace = 'connection'::regnamespace
	  UNION ALL
	  SELECT format('%s %s %s %s %s', c.oid::regclass, c.relkind, c.relacl, c.relrowsecurity,
	                (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
	                   FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped))
	    FROM pg_class c WHERE c.relnamespace = 'connection'::regnamespace
	  UNION ALL
	  SELECT format('%s %s %s', evtname, evtevent, evttags) FROM pg_event_trigger
	  UNION ALL
	  SELECT format('%s %s', tgrelid::regclass, tgname) FROM pg_trigger
	   WHERE tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'connection'::regnamespace)
	  UNION ALL
	  SELECT format('%s %s', extconfig::regclass[], extcondition) FROM pg_extension WHERE extname = 'connection'
	) s};
is($node->safe_psql('upgraded', $catalog), $node->safe_psql('fresh', $catalog),
	'a fresh 1.1 and an upgraded 1.0 have the same catalog');
# a trigger of another role on the 1.0 catalog (a TRIGGER privilege that
# default privileges granted): the upgrade refuses it
$node->safe_psql('postgres', 'CREATE DATABASE trapped');
$node->safe_psql('trapped', q{
	CREATE ROLE etl;
	ALTER DEFAULT PRIVILEGES GRANT ALL ON TABLES TO etl;
	CREATE EXTENSION connection VERSION '1.0' CASCADE;
	GRANT CREATE ON SCHEMA public TO etl;
	SET ROLE etl;
	CREATE FUNCTION public.trap() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$;
	CREATE TRIGGER zz_trap AFTER INSERT ON connection.pg_connection
	  FOR EACH STATEMENT EXECUTE FUNCTION public.trap();
});
($ret, $out, $err) = $node->psql('trapped', 'ALTER EXTENSION connection UPDATE');
like($err, qr/triggers or foreign keys that are not the extension's.*trigger zz_trap on connection\.pg_connection/s,
	'upgrade refused: a foreign trigger on the catalog');
# a statement that fails in parse analysis, its report not logged: its raw
# text must not stay in pg_stat_activity while the session idles
my $idle = $node->background_psql('postgres', on_error_stop => 0);
my $idle_pid = $idle->query_safe('SELECT pg_backend_pid()');
$idle->query(q{SET log_min_messages = fatal; SET log_min_error_statement = panic; SELECT connection.create('typo', 'STORAGE', 'OSS', '{"ACCESS_ID": "SEKRETIDLEID1", "ACCESS_KEY": "SEKRETIDLEKEY1", "ENDPOINT": "oss-cn-hangzhou.aliyuncs.com",}')});
my $shown = sql("SELECT query FROM pg_stat_activity WHERE pid = $idle_pid");
like($shown, qr/connection\.create/, 'failed in analysis: the statement is still shown');
unlike($shown, qr/SEKRETIDLE/, 'failed in analysis, not logged: shown redacted while idle');
$idle->quit;



done_testing();
