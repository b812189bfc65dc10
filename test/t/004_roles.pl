# Roles and connections with the library preloaded: DROP ROLE is refused
# while a role owns connections, holds reserved names or grants on them, REASSIGN OWNED
# moves them, DROP OWNED drops them and removes grants; an orphaned owner
# never breaks show() or desc() (issue: ownership, USAGE grants).
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
my $node = start_node('roles', "$dir/key", shared_preload_libraries => 'connection');

my $kafka = q('STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1", "SECURITY_PROTOCOL": "SASL_SSL", "SASL_MECHANISM": "PLAIN", "SASL_USERNAME": "u", "SASL_PASSWORD": "p"}');
$node->safe_psql('postgres', qq{
CREATE ROLE alice; CREATE ROLE bob; CREATE ROLE carol; CREATE ROLE dave;
SET ROLE alice;
SELECT connection.create('a1', $kafka);
SELECT connection.create('a2', $kafka);
SET ROLE carol;
SELECT connection.create('c1', $kafka);
SELECT connection.grant_usage('c1', 'bob');
SELECT connection.grant_usage('c1', 'alice');
RESET ROLE;
});

sub owners
{
	return $node->safe_psql('postgres',
		"SELECT string_agg(name || ':' || owner, ',' ORDER BY name) FROM connection.connections");
}

# DROP ROLE refuses, listing what depends on the role
my $err = fails_with($node, 'DROP ROLE alice', '2BP01',
	'role "alice" cannot be dropped because some objects depend on it', 'DROP ROLE of an owner');
like($err, qr/DETAIL:  owner of connection a1\nowner of connection a2\nprivileges for connection c1/,
	'DROP ROLE: the detail lists owned connections and grants');
fails_with($node, 'DROP ROLE bob', '2BP01', 'role "bob" cannot be dropped', 'DROP ROLE of a grantee');
fails_with($node, 'DROP ROLE IF EXISTS dave, bob', '2BP01', 'role "bob" cannot be dropped',
	'DROP ROLE of several roles');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_roles WHERE rolname = 'dave'"), '1',
	'a refused DROP ROLE drops none of its roles');
$node->safe_psql('postgres', 'DROP ROLE dave');
$node->safe_psql('postgres', 'DROP ROLE IF EXISTS nobody');

# REASSIGN OWNED moves connections and their grants
$node->safe_psql('postgres', 'REASSIGN OWNED BY alice TO carol');
is(owners(), 'a1:carol,a2:carol,c1:carol', 'REASSIGN OWNED moves the connections');
is($node->safe_psql('postgres', "SELECT connection.has_usage('a1', 'carol')"), 't',
	'the new owner may use them');

# alice still holds a grant on c1
fails_with($node, 'DROP ROLE alice', '2BP01', '.*cannot be dropped', 'a grant still holds the role');

# DROP OWNED removes grants (and drops what the role owns)
$node->safe_psql('postgres', 'DROP OWNED BY alice, bob');
is($node->safe_psql('postgres',
	"SELECT string_agg(info_value, ',') FROM connection.desc('c1', true) WHERE info_name = 'usage'"),
	'carol=U/carol', 'DROP OWNED removes the grants of the roles');
$node->safe_psql('postgres', 'DROP ROLE alice, bob');
is(owners(), 'a1:carol,a2:carol,c1:carol', 'the dropped roles left the connections alone');
$node->safe_psql('postgres', 'DROP OWNED BY carol');
is(owners(), '', 'DROP OWNED drops the connections the role owns');
$node->safe_psql('postgres', 'DROP ROLE carol');

# a rolled-back REASSIGN OWNED changes nothing
$node->safe_psql('postgres', qq{
CREATE ROLE erin; CREATE ROLE frank;
SET ROLE erin; SELECT connection.create('e1', $kafka); RESET ROLE;
BEGIN; REASSIGN OWNED BY erin TO frank; ROLLBACK;
});
is(owners(), 'e1:erin', 'a rolled-back REASSIGN OWNED changes nothing');

# in a database without the extension the hook does nothing, and cannot see
# this database's connections: the owner is orphaned, show/desc still work
my ($ret, $out, $stderr) = $node->psql('template1', 'DROP ROLE erin');
is($ret, 0, 'DROP ROLE in a database without the extension is not checked there');
like(owners(), qr/^e1:unknown \(OID=\d+\)$/, 'show an orphaned owner as unknown (OID=n)');
like($node->safe_psql('postgres', "SELECT string_agg(info_name || '=' || info_value, ',') FROM connection.desc('e1', true)"),
	qr/owner=unknown \(OID=\d+\)/, 'desc works with an orphaned owner');
$node->safe_psql('postgres', "SELECT connection.alter('e1', owner => 'frank')");
is(owners(), 'e1:frank', 'a superuser gives an orphaned connection a new owner');

# names reserved after a drop with force follow their role: DROP ROLE is
# refused, REASSIGN OWNED moves them, DROP OWNED leaves them to superusers
# (objects still use the name: it must not become free for anyone)
$node->safe_psql('postgres', qq{
CREATE ROLE gina; CREATE ROLE hugo; CREATE ROLE ivan LOGIN;
SET ROLE gina;
SELECT connection.create('g1', $kafka); SELECT connection.create('g2', $kafka);
RESET ROLE;
CREATE TABLE g_uses1 (x int); CREATE TABLE g_uses2 (x int);
SELECT connection.add_dependency('g1', 'g_uses1'::regclass);
SELECT connection.add_dependency('g2', 'g_uses2'::regclass);
SET ROLE gina;
SELECT connection.drop('g1', force => true); SELECT connection.drop('g2', force => true);
RESET ROLE;});
sub reserved
{
	return $node->safe_psql('postgres',
		q{SELECT string_agg(name || ':' || owner::text, ',' ORDER BY name) FROM connection.pg_connection_reserved});
}
is(reserved(), 'g1:gina,g2:gina', 'names reserved for their owner');
fails_with($node, 'DROP ROLE gina', '2BP01',
	'role "gina" cannot be dropped because some objects depend on it\nDETAIL:  owner of the reserved name of dropped connection g1',
	'DROP ROLE is refused while the role holds reserved names');
$node->safe_psql('postgres', 'REASSIGN OWNED BY gina TO hugo');
is(reserved(), 'g1:hugo,g2:hugo', 'REASSIGN OWNED moves reserved names');
$node->safe_psql('postgres', 'DROP OWNED BY hugo CASCADE');
my $super = $node->safe_psql('postgres', 'SELECT rolname FROM pg_authid WHERE oid = 10');
is(reserved(), "g1:$super,g2:$super", 'DROP OWNED leaves reserved names to the bootstrap superuser');
$node->safe_psql('postgres', 'DROP ROLE gina, hugo');
fails_with($node, qq{SET ROLE ivan; SELECT connection.create('g1', $kafka)}, '42501',
	'connection name "g1" is reserved', 'nobody else takes a name reserved that way');

$node->stop;
done_testing();
