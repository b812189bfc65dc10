#!/usr/bin/env bash
# test/demo.sh - a guided tour: set-up as in test/lib.sh, then a throwaway
# cluster (unix socket only, in a temporary directory, with a freshly
# generated key and the library preloaded) and a psql session running
# test/demo.sql, then test/demo_sts.sql against the STS emulator of the
# tests (test/sts/emulator.py), then test/demo_kafka.sql against
# librdkafka's mock cluster (test/kafka/mock.c).
. "$(dirname "$0")/lib.sh"

conn_setup
DEMO=$(mktemp -d /tmp/connection-demo.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres: "$DEMO"
PORT=${PGPORT_DEMO:-54329}

EMU_PID=
KAFKA_PID=
trap '[ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null; [ -n "$KAFKA_PID" ] && kill "$KAFKA_PID" 2>/dev/null; conn_cleanup_cluster "$DEMO"' EXIT

conn_as_runner bash "$WORKDIR/test/cluster.sh" "$DEMO" "$PORT" \
    "shared_preload_libraries = 'connection'"

conn_as_runner psql -X -h "$DEMO" -p "$PORT" -U postgres -d postgres \
    -v ON_ERROR_STOP=1 --echo-queries -f "$WORKDIR/test/demo.sql"

# STS: the emulator stands in for AWS STS and S3
python3 "$WORKDIR/test/sts/emulator.py" --port-file "$DEMO/emulator.port" \
    --key AKIADEMOSOURCE=demo/source/secret --bucket partner-data 2>/dev/null &
EMU_PID=$!
for _ in $(seq 50); do [ -s "$DEMO/emulator.port" ] && break; sleep 0.1; done
conn_as_runner env STS_EMULATOR="http://127.0.0.1:$(cat "$DEMO/emulator.port")" \
    STS_EMULATOR_HOST="127.0.0.1:$(cat "$DEMO/emulator.port")" \
    STS_EMULATOR_PY="$WORKDIR/test/sts/emulator.py" \
    psql -X -h "$DEMO" -p "$PORT" -U postgres -d postgres \
    -v ON_ERROR_STOP=1 --echo-queries -f "$WORKDIR/test/demo_sts.sql"

# Kafka: librdkafka's mock cluster stands in for the brokers
cc -o "$DEMO/kafka_mock" "$WORKDIR/test/kafka/mock.c" -lrdkafka
"$DEMO/kafka_mock" "$DEMO/kafka.boot" 2>/dev/null &
KAFKA_PID=$!
for _ in $(seq 50); do [ -s "$DEMO/kafka.boot" ] && break; sleep 0.1; done
conn_as_runner env KAFKA_BOOTSTRAPS="$(cat "$DEMO/kafka.boot")" \
    psql -X -h "$DEMO" -p "$PORT" -U postgres -d postgres \
    -v ON_ERROR_STOP=1 --echo-queries -f "$WORKDIR/test/demo_kafka.sql"
