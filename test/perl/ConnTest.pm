# test/perl/ConnTest.pm - helpers shared by the TAP tests of the extension
package ConnTest;

use strict;
use warnings FATAL => 'all';

use Exporter 'import';
use FindBin;
use HTTP::Tiny;
use IO::Socket::INET;
use IPC::Run;
use JSON::PP;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(new_key write_keys start_node set_and_reload fails_with memory_holds
  start_server start_emulator emulator_control emulator_stats closed_port);

my @servers;
END { local $?; $_->kill_kill foreach @servers; }
my $http = HTTP::Tiny->new(timeout => 30);

# Start a server of the tests (the STS emulator, s3rver) on 127.0.0.1 whose
# command writes its port to $portfile; it is stopped when the test ends.
# Returns the port.
sub start_server
{
	my ($dir, $name, $portfile, @cmd) = @_;
	my $h = IPC::Run::start(\@cmd, '>', "$dir/$name.out", '2>', "$dir/$name.log");
	push @servers, $h;
	for (1 .. 150) { last if -s $portfile; select(undef, undef, undef, 0.1); }
	die "$name did not start: " . slurp_file("$dir/$name.log") unless -s $portfile;
	return slurp_file($portfile);
}

# Start test/sts/emulator.py with further arguments (--key ID=SECRET ...);
# returns its base URL.
sub start_emulator
{
	my ($dir, @args) = @_;
	my $port = start_server($dir, 'emulator', "$dir/emulator.port", 'python3',
		"$FindBin::RealBin/../sts/emulator.py", '--port-file', "$dir/emulator.port", @args);
	return "http://127.0.0.1:$port";
}

# Change the emulator's settings (POST /_control: roles, mode, expires_in...).
sub emulator_control
{
	my ($base, %settings) = @_;
	die "emulator control failed"
	  unless $http->post("$base/_control", { content => encode_json(\%settings) })->{success};
	return;
}

# The emulator's counts (GET /_stats).
sub emulator_stats
{
	my ($base) = @_;
	return decode_json($http->get("$base/_stats")->{content});
}

# A port of 127.0.0.1 nobody listens on (one just closed).
sub closed_port
{
	my $gone = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1)
	  or die "listen: $!";
	my $port = $gone->sockport;
	$gone->close;
	return $port;
}

# A fresh random 256-bit key in hex.
sub new_key
{
	return join('', map { sprintf('%02x', int(rand(256))) } 1 .. 32);
}

# Write a key file (first key current), readable by its owner only.
sub write_keys
{
	my ($path, @keys) = @_;
	open(my $fh, '>', $path) or die "could not write $path: $!";
	print $fh "# connection master keys, current first\n";
	print $fh "$_\n" foreach @keys;
	close($fh);
	chmod(0600, $path) or die "chmod $path: $!";
	return;
}

# Start a node with the extension's library and a key file; returns it.
sub start_node
{
	my ($name, $keyfile, %conf) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->append_conf('postgresql.conf', "connection.key_file = '$keyfile'\n")
	  if defined $keyfile;
	$node->append_conf('postgresql.conf', "$_ = '$conf{$_}'\n") foreach sort keys %conf;
	$node->start;
	$node->safe_psql('postgres', 'CREATE EXTENSION connection CASCADE');
	return $node;
}

# Set connection.* parameters in postgresql.conf, reload, and wait until new
# sessions see them.
sub set_and_reload
{
	my ($node, %gucs) = @_;
	my @checks;
	foreach my $guc (sort keys %gucs)
	{
		$node->append_conf('postgresql.conf', "connection.$guc = '$gucs{$guc}'\n");
		push @checks, "current_setting('connection.$guc') = '$gucs{$guc}'";
	}
	$node->reload;
	$node->poll_query_until('postgres', 'SELECT ' . join(' AND ', @checks))
	  or die "configuration did not reload";
	return;
}

# Run SQL that must fail with the given SQLSTATE and a message matching $re.
sub fails_with
{
	my ($node, $sql, $sqlstate, $re, $name) = @_;
	my ($ret, $out, $err) =
	  $node->psql('postgres', "\\set VERBOSITY verbose\n$sql");
	isnt($ret, 0, "$name: fails");
	like($err, qr/ERROR:  $sqlstate: $re/, "$name: $sqlstate");
	return $err;
}

# How many times needle is in the private writable memory of process pid
# (its heap and anonymous mappings), or in its shared memory when $which is
# 'shared'; undef when this system does not let the test read that memory.
sub memory_holds
{
	my ($pid, $needle, $which) = @_;
	my $kind = ($which // '') eq 'shared' ? 's' : 'p';
	my $count = 0;
	no warnings 'portable';    # 64-bit addresses
	open(my $maps, '<', "/proc/$pid/maps") or return undef;
	open(my $mem, '<:raw', "/proc/$pid/mem") or return undef;
	my $read_any = 0;
	while (my $line = <$maps>)
	{
		my ($from, $to, $perms) = $line =~ /^([0-9a-f]+)-([0-9a-f]+) (\S+)/ or next;
		next unless $perms =~ /^rw.$kind/;
		my ($a, $b) = (hex($from), hex($to));
		my $data;
		next unless sysseek($mem, $a, 0) && sysread($mem, $data, $b - $a);
		$read_any = 1;
		my $at = -1;
		$count++ while (($at = index($data, $needle, $at + 1)) >= 0);
	}
	return $read_any ? $count : undef;
}

1;
