#!/usr/bin/env bash
# test/cluster.sh DIR PORT [SETTING...] - create and start a throwaway
# cluster in DIR: unix socket in DIR only, the given port, a freshly
# generated master key in DIR/master.key, and any further postgresql.conf
# lines given.  Stop it with: pg_ctl -D DIR/data stop
set -euo pipefail
dir=$1
port=$2
shift 2
initdb -D "$dir/data" -A trust -U postgres >/dev/null
(umask 077; od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "$dir/master.key"; echo >> "$dir/master.key")
cat >> "$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
port = $port
connection.key_file = '$dir/master.key'
CONF
for setting in "$@"; do echo "$setting" >> "$dir/data/postgresql.conf"; done
pg_ctl -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
