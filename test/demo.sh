#!/usr/bin/env bash
# test/demo.sh - a guided tour: set-up as in test/lib.sh, then a throwaway
# cluster (unix socket only, in a temporary directory, with a freshly
# generated key and the library preloaded) and a psql session running
# test/demo.sql.
. "$(dirname "$0")/lib.sh"

conn_setup
DEMO=$(mktemp -d /tmp/connection-demo.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres: "$DEMO"
PORT=${PGPORT_DEMO:-54329}

trap 'conn_cleanup_cluster "$DEMO"' EXIT

conn_as_runner bash "$WORKDIR/test/cluster.sh" "$DEMO" "$PORT" \
    "shared_preload_libraries = 'connection'"

conn_as_runner psql -X -h "$DEMO" -p "$PORT" -U postgres -d postgres \
    -v ON_ERROR_STOP=1 --echo-queries -f "$WORKDIR/test/demo.sql"
