#!/usr/bin/env bash
# test/bench/transfer.sh - import and export through a storage connection,
# side by side with COPY of a local file of the same data, in the same run
# (runs interleaved, medians of BENCH_REPS), against s3rver (S3, Node.js)
# and the emulator of the tests (OSS, Python), both on 127.0.0.1; and the
# backend's private memory (peak RssAnon, sampled every 20 ms) while it
# imports and exports about 1 GB.  Writes the section "Object storage
# transfer" of test/bench/results.md (test/bench/run.sh keeps it).
#
#   bash test/bench/transfer.sh        (set-up as test/run.sh; about 5 minutes)
. "$(dirname "$0")/../lib.sh"

REPS=${BENCH_REPS:-3}
ROWS=${BENCH_ROWS:-1450000}          # about 100 MB of CSV
BIG_ROWS=${BENCH_BIG_ROWS:-14500000} # about 1 GB of CSV
PORT=${BENCH_PORT:-54340}

conn_setup
DIR=$(mktemp -d /tmp/connection-transfer.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres: "$DIR"
PIDS=
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done; conn_cleanup_cluster "$DIR"' EXIT

conn_as_runner bash "$WORKDIR/test/cluster.sh" "$DIR" "$PORT" \
    "shared_preload_libraries = 'connection'" "connection.allowed_hosts = '127.0.0.1:*'"
sql() { conn_as_runner psql -X -q -At -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U postgres -d postgres "$@"; }
# ms STATEMENT: the statement's time in milliseconds, from psql's \timing
ms() { sql -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
speed() { awk -v base="$1" -v ours="$2" 'BEGIN { printf "%.2fx", base / ours }'; }

# the servers
conn_as_runner mkdir -p "$DIR/s3data"
conn_as_runner env NODE_PATH="$S3RVER_NODE_PATH" node "$WORKDIR/test/s3/s3rver.js" \
    "$DIR/s3data" "$DIR/s3.port" lake > "$DIR/s3rver.log" 2>&1 &
PIDS="$PIDS $!"
conn_as_runner python3 "$WORKDIR/test/sts/emulator.py" --port-file "$DIR/emu.port" \
    --data-dir "$DIR" --bucket lake --key LTAI5tBenchKey=bench-secret > "$DIR/emu.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 100); do [ -s "$DIR/s3.port" ] && [ -s "$DIR/emu.port" ] && break; sleep 0.1; done
S3=$(cat "$DIR/s3.port")
EMU=$(cat "$DIR/emu.port")

sql -c "CREATE EXTENSION connection CASCADE" \
    -c "SELECT connection.create('s3', 'STORAGE', 'S3', '{\"ACCESS_KEY\": \"S3RVER\", \"SECRET_KEY\": \"S3RVER\", \"REGION\": \"us-east-1\", \"ENDPOINT\": \"http://127.0.0.1:$S3\"}')" \
    -c "SELECT connection.create('oss', 'STORAGE', 'OSS', '{\"ACCESS_ID\": \"LTAI5tBenchKey\", \"ACCESS_KEY\": \"bench-secret\", \"ENDPOINT\": \"http://127.0.0.1:$EMU\"}')" >/dev/null

log "making $ROWS rows of CSV and putting them on both servers"
sql -c "CREATE TABLE src AS SELECT g AS id, md5(g::text) AS h, now() AS t FROM generate_series(1, $ROWS) g" \
    -c "CREATE TABLE dst (LIKE src)" \
    -c "COPY src TO '$DIR/data.csv' (FORMAT csv)" \
    -c "SELECT connection.put_object(c, 'lake/data.csv', pg_read_binary_file('$DIR/data.csv')) FROM unnest(ARRAY['s3', 'oss']) c" >/dev/null
MB=$(( $(stat -c %s "$DIR/data.csv") / 1024 / 1024 ))

declare -A T
for r in $(seq "$REPS"); do
    log "run $r of $REPS"
    sql -c "TRUNCATE dst" -c "CHECKPOINT"
    T[imp_local]+=" $(ms "COPY dst FROM '$DIR/data.csv' (FORMAT csv)")"
    for c in s3 oss; do
        sql -c "TRUNCATE dst" -c "CHECKPOINT"
        T[imp_$c]+=" $(ms "SELECT connection.import_object('$c', 'lake/data.csv', 'dst', options => 'format csv')")"
    done
    T[exp_local]+=" $(ms "COPY src TO '$DIR/out.csv' (FORMAT csv)")"
    for c in s3 oss; do
        T[exp_$c]+=" $(ms "SELECT connection.export_query('$c', 'lake/out.csv', 'SELECT * FROM src', 'format csv')")"
    done
done
med() { echo "${T[$1]}" | tr ' ' '\n' | grep . | median; }

# peak private memory of a backend while it moves about 1 GB
peak_anon() {
    local what=$1 pid= peak=0 base v
    conn_as_runner env PGAPPNAME=transfer_peak psql -X -q -At -h "$DIR" -p "$PORT" -U postgres -d postgres \
        -c "SELECT connection.head_object('oss', 'lake/data.csv')" \
        -c "SELECT pg_sleep(1)" -c "$what" >/dev/null 2>"$DIR/peak.err" &
    local job=$!
    for _ in $(seq 100); do
        pid=$(sql -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'transfer_peak'")
        [ -n "$pid" ] && break
        sleep 0.05
    done
    sleep 0.5
    base=$(awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status")
    while kill -0 "$job" 2>/dev/null; do
        v=$(awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
        [ "${v:-0}" -gt "$peak" ] && peak=$v
        sleep 0.02
    done
    wait "$job" || { cat "$DIR/peak.err" >&2; exit 1; }
    echo $(( (peak - base) / 1024 ))
}
log "about 1 GB out and back, sampling the backend's memory"
sql -c "CREATE UNLOGGED TABLE big (id bigint, a text, b text)" >/dev/null
EXP_MEM=$(peak_anon "SELECT connection.export_query('s3', 'lake/big.csv', 'SELECT g, md5(g::text), md5((g + 1)::text) FROM generate_series(1, $BIG_ROWS) g', 'format csv')")
BIG_MB=$(( $(sql -c "SELECT size FROM connection.head_object('s3', 'lake/big.csv')") / 1024 / 1024 ))
IMP_MEM=$(peak_anon "SELECT connection.import_object('s3', 'lake/big.csv', 'big', options => 'format csv')")

section=$(
    echo "## Object storage transfer"
    echo
    echo "Produced by \`bash test/bench/transfer.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'); medians of $REPS interleaved runs; a $MB MB CSV object ($ROWS rows); both servers on 127.0.0.1 (s3rver is Node.js, the emulator Python: their own speed is part of each figure)."
    echo
    echo "| case | through the connection | local COPY | speed | target |"
    echo "|---|---|---|---|---|"
    for c in s3 oss; do
        name=$([ $c = s3 ] && echo "S3 (s3rver)" || echo "OSS (emulator)")
        echo "| import, $name | $(med imp_$c) ms | $(med imp_local) ms (COPY FROM file) | $(speed "$(med imp_local)" "$(med imp_$c)") | >= 0.70x |"
        echo "| export, $name | $(med exp_$c) ms | $(med exp_local) ms (COPY TO file) | $(speed "$(med exp_local)" "$(med exp_$c)") | >= 0.70x |"
    done
    echo "| backend memory growth, export of $BIG_MB MB (S3) | $EXP_MEM MB |  |  | < 32 MB |"
    echo "| backend memory growth, import of $BIG_MB MB (S3) | $IMP_MEM MB |  |  | < 32 MB |"
    echo
    echo "Speed: local COPY's time / the connection's time (higher is better). Memory: the peak of the backend's private resident memory (RssAnon) above what it held before, sampled every 20 ms."
)
results="$ROOT/test/bench/results.md"
{
    [ -f "$results" ] && sed '/^## Object storage transfer/,$d' "$results"
    echo "$section"
} > "$results.new"
mv "$results.new" "$results"
log "results written to test/bench/results.md"
echo "$section"
