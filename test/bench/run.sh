#!/usr/bin/env bash
# test/bench/run.sh - benchmarks of the extension's hot paths, each measured
# side by side with its baseline in the same run (runs interleaved, medians
# of BENCH_REPS runs of BENCH_SECONDS each). Prints a table of medians and
# ratios and writes it, with the machine it ran on, to test/bench/results.md.
#
#   bash test/bench/run.sh          (set-up as test/run.sh; about 8 minutes)
#
# Cases:
#   credentials lookup  pgbench -M prepared, 1 and 2 clients, random names
#                       over 1,000 and 100,000 connections: credentials()
#                       against the floor (SELECT from a plain indexed table)
#                       and against pgcrypto decryption in SQL; each run
#                       starts new backends (cold caches)
#   warmed backends     the same at 100,000 after each backend touched every
#                       connection once: per-statement latency (pgbench -r)
#   cold lookup         pgbench -C (a new backend per call): credentials()
#                       against one pgcrypto decryption
#   STS                 credentials() of a role-based connection with cached
#                       temporary credentials (the STS emulator of the tests)
#                       against credentials() of a keys-mode connection; then
#                       with the library preloaded (shared temporary
#                       credentials): warm, and the first call of a new
#                       backend (pgbench -C) against a keys-mode one
#   warm 100,000        one backend, every connection cached, random calls
#   show                show() of 100,000 against SELECT ... ORDER BY name
#   create / drop       10,000 each, one transaction and one per statement,
#                       against an INSERT that encrypts the same secrets with
#                       pgcrypto PGP in SQL (pgp_sym_encrypt, cipher-algo=
#                       aes256, s2k-mode=1) and a DELETE of them by name;
#                       constant plaintext; interleaved, medians
#   memory              backend cache after touching 100,000 connections
# Import and export of objects: test/bench/transfer.sh (its own section).
. "$(dirname "$0")/../lib.sh"

SECS=${BENCH_SECONDS:-5}
REPS=${BENCH_REPS:-3}
SMALL=${BENCH_SMALL:-1000}
LARGE=${BENCH_LARGE:-100000}
PORT=${BENCH_PORT:-54339}

conn_setup
DIR=$(mktemp -d /tmp/connection-bench.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres: "$DIR"
EMU_PID=
trap '[ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null; conn_cleanup_cluster "$DIR"' EXIT

conn_as_runner bash "$WORKDIR/test/cluster.sh" "$DIR" "$PORT"
B="$WORKDIR/test/bench"
KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')

sql() { conn_as_runner psql -X -q -At -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U postgres "$@"; }

# tps DB SCRIPT CLIENTS [pgbench options...]
tps() {
    local db=$1 script=$2 clients=$3
    shift 3
    conn_as_runner pgbench -h "$DIR" -p "$PORT" -U postgres -n -M prepared -T "$SECS" \
        -c "$clients" -j "$clients" -f "$B/$script" -D n="${db#bench_}" -D key="$KEY" "$@" "$db" 2>/dev/null |
        sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -n 1
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# median of a blank-separated list of numbers
median_of() { echo "$1" | tr ' ' '\n' | grep . | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }
fmt() { awk -v a="$1" 'BEGIN { printf "%.0f", a }'; }

log "creating $SMALL and $LARGE connections"
for n in "$SMALL" "$LARGE"; do
    sql -d postgres -c "CREATE DATABASE bench_$n"
    sql -d "bench_$n" -v n="$n" -v key="$KEY" -f "$B/setup.sql" >/dev/null
done

ROWS=()
row() { ROWS+=("| $1 | $2 | $3 | $4 | $5 |"); printf '%-46s %12s %12s %8s  %s\n' "$1" "$2" "$3" "$4" "$5" >&2; }

# ---------------------------------------------------------------------------
# credentials lookup, interleaved runs
# ---------------------------------------------------------------------------
log "credentials lookup: $REPS x ${SECS}s per case"
declare -A R
for n in "$SMALL" "$LARGE"; do
    for c in 1 2; do
        for r in $(seq "$REPS"); do
            for s in credentials floor pgcrypto select1; do
                R[$n,$c,$s]+="$(tps "bench_$n" "$s.sql" "$c") "
            done
        done
        for s in credentials floor pgcrypto select1; do
            R[$n,$c,$s]=$(median_of "${R[$n,$c,$s]}")
        done
        cred=${R[$n,$c,credentials]} floor=${R[$n,$c,floor]} pgc=${R[$n,$c,pgcrypto]}
        row "credentials(), $n connections, $c client(s)" "$(fmt "$cred") tps" \
            "$(fmt "$floor") tps (floor)" "$(ratio "$cred" "$floor")" \
            "vs pgcrypto in SQL $(fmt "$pgc") tps: $(ratio "$cred" "$pgc"); SELECT 1: $(fmt "${R[$n,$c,select1]}") tps"
    done
done

# ---------------------------------------------------------------------------
# warmed backends at $LARGE: per-statement latency of the lookup itself
# ---------------------------------------------------------------------------
log "warmed backends over $LARGE connections: $REPS x $((SECS * 2))s per case"
# lat DB SCRIPT CLIENTS PATTERN: average latency (ms) of the statement matching PATTERN
lat() {
    conn_as_runner pgbench -h "$DIR" -p "$PORT" -U postgres -n -M prepared -T "$((SECS * 2))" -r \
        -c "$3" -j "$3" -f "$B/$2" -D n="${1#bench_}" -D warm=0 "$1" 2>/dev/null |
        grep -F "$4" | grep -v count | awk '{ print $1 }' | head -n 1
}
for c in 1 2; do
    l_c="" l_f=""
    for r in $(seq "$REPS"); do
        l_c+="$(lat "bench_$LARGE" credentials_warm.sql "$c" "connection.credentials('c' || :i)") "
        l_f+="$(lat "bench_$LARGE" floor_warm.sql "$c" "FROM plain_table WHERE") "
    done
    l_c=$(median_of "$l_c") l_f=$(median_of "$l_f")
    row "credentials(), $LARGE connections, warmed backend, $c client(s)" \
        "$(awk -v t="$l_c" 'BEGIN { printf "%.0f us", t * 1000 }')" \
        "$(awk -v t="$l_f" 'BEGIN { printf "%.0f us (floor)", t * 1000 }')" "$(ratio "$l_f" "$l_c")" \
        "statement latency, speed ratio; default settings (cache_memory 64MB holds about 85% of them)"
done

# ---------------------------------------------------------------------------
# cold: a new backend for every call
# ---------------------------------------------------------------------------
log "cold lookup"
cold_c="" cold_p=""
for r in $(seq "$REPS"); do
    cold_c+="$(tps "bench_$SMALL" credentials.sql 1 -C) "
    cold_p+="$(tps "bench_$SMALL" pgcrypto.sql 1 -C) "
done
cold_c=$(median_of "${cold_c}")
cold_p=$(median_of "${cold_p}")
row "cold credentials() (new backend per call)" "$(fmt "$cold_c") tps" \
    "$(fmt "$cold_p") tps (pgcrypto)" "$(ratio "$cold_c" "$cold_p")" "target: time within 2x, i.e. ratio >= 0.50x"

# ---------------------------------------------------------------------------
# STS: a role-based connection whose temporary credentials are cached
# (test/sts/emulator.py stands in for AWS STS: one call per backend)
# ---------------------------------------------------------------------------
log "role-based credentials() with cached temporary credentials"
python3 "$WORKDIR/test/sts/emulator.py" --port-file "$DIR/emulator.port" \
    --key AKIABENCHSOURCE=bench-source-secret 2>/dev/null &
EMU_PID=$!
for _ in $(seq 50); do [ -s "$DIR/emulator.port" ] && break; sleep 0.1; done
EMU="http://127.0.0.1:$(cat "$DIR/emulator.port")"
# the emulator is on the loopback: the server may send requests there
sql -c "LOAD 'connection'" -c "ALTER SYSTEM SET connection.allowed_hosts = '127.0.0.1:$(cat "$DIR/emulator.port")'" \
    -c "SELECT pg_reload_conf()" >/dev/null
sql -d "bench_$SMALL" -v emu="$EMU" >/dev/null <<'SQL'
SELECT connection.create('sts_src', 'STORAGE', 'S3',
    '{"ACCESS_KEY": "AKIABENCHSOURCE", "SECRET_KEY": "bench-source-secret", "REGION": "us-east-1"}');
SELECT connection.create('sts_role', 'STORAGE', 'S3',
    json_build_object('ROLE_ARN', 'arn:aws:iam::123456789012:role/bench', 'REGION', 'us-east-1',
                      'SOURCE_CONNECTION', 'sts_src', 'STS_ENDPOINT', :'emu')::jsonb);
SQL
python3 "$WORKDIR/test/sts/emulator.py" trust "$EMU" arn:aws:iam::123456789012:role/bench \
    "$(sql -d "bench_$SMALL" -c "SELECT connection.property('sts_role', 'EXTERNAL_ID')")" >/dev/null
emu_calls() { python3 -c 'import json, sys, urllib.request; print(json.load(urllib.request.urlopen(sys.argv[1] + "/_stats"))["calls"]["aws"])' "$EMU"; }
sts_r="" sts_k=""
for r in $(seq "$REPS"); do
    sts_r+="$(tps "bench_$SMALL" sts_role.sql 1) "
    sts_k+="$(tps "bench_$SMALL" sts_keys.sql 1) "
done
sts_calls=$(emu_calls)
sts_r=$(median_of "${sts_r}")
sts_k=$(median_of "${sts_k}")
row "credentials() of a role-based connection, warm" "$(fmt "$sts_r") tps" "$(fmt "$sts_k") tps (keys mode)" \
    "$(ratio "$sts_r" "$sts_k")" "1 client; $sts_calls AssumeRole calls in all ($REPS backends)"

# the same with the library preloaded: temporary credentials shared in
# shared memory; a new backend per call (pgbench -C) finds them there
log "role-based credentials() with the shared table (library preloaded)"
sql -c "ALTER SYSTEM SET shared_preload_libraries = 'connection'"
conn_as_runner pg_ctl -D "$DIR/data" -l "$DIR/server.log" -w restart >/dev/null
before=$(emu_calls)
sql -d "bench_$SMALL" -c "SELECT connection.credentials('sts_role')" >/dev/null
shr_r="" shr_k="" shc_r="" shc_k=""
for r in $(seq "$REPS"); do
    shc_r+="$(tps "bench_$SMALL" sts_role.sql 1 -C) "
    shc_k+="$(tps "bench_$SMALL" sts_keys.sql 1 -C) "
    shr_r+="$(tps "bench_$SMALL" sts_role.sql 1) "
    shr_k+="$(tps "bench_$SMALL" sts_keys.sql 1) "
done
shared_calls=$(( $(emu_calls) - before ))
kill "$EMU_PID" 2>/dev/null || true
EMU_PID=
sql -c "ALTER SYSTEM RESET shared_preload_libraries"
conn_as_runner pg_ctl -D "$DIR/data" -l "$DIR/server.log" -w restart >/dev/null
shc_r=$(median_of "${shc_r}"); shc_k=$(median_of "${shc_k}")
shr_r=$(median_of "${shr_r}"); shr_k=$(median_of "${shr_k}")
row "first credentials() in a new backend, shared entry warm" "$(fmt "$shc_r") tps" "$(fmt "$shc_k") tps (keys mode)" \
    "$(ratio "$shc_r" "$shc_k")" "pgbench -C, library preloaded; target >= 1.00x; $shared_calls AssumeRole call(s) in all"
row "credentials() of a role-based connection, warm, preloaded" "$(fmt "$shr_r") tps" "$(fmt "$shr_k") tps (keys mode)" \
    "$(ratio "$shr_r" "$shr_k")" "1 client, library preloaded; target: keys-mode speed"

# ---------------------------------------------------------------------------
# warm 100,000: one backend, all cached, random calls, in-query loop
# ---------------------------------------------------------------------------
log "warm lookup over $LARGE connections"
loop_ms() {
    sql -d "bench_$LARGE" <<SQL 2>&1
SELECT count(connection.credentials('c' || i)) FROM generate_series(1, $LARGE) i;
DO \$\$
DECLARE t0 timestamptz; t1 timestamptz; t2 timestamptz; x int;
BEGIN
  -- the same pseudo-random names on both sides, one lookup per row
  t0 := clock_timestamp();
  SELECT count(connection.credentials('c' || (1 + abs(hashint4(k)) % $LARGE)))
    INTO x FROM generate_series(1, 200000) k;
  t1 := clock_timestamp();
  SELECT count((SELECT secret FROM plain_table p WHERE p.name = 'c' || (1 + abs(hashint4(k)) % $LARGE)))
    INTO x FROM generate_series(1, 200000) k;
  t2 := clock_timestamp();
  RAISE NOTICE 'timings % %', extract(epoch FROM t1 - t0) * 1000, extract(epoch FROM t2 - t1) * 1000;
END
\$\$;
SQL
}
w_c="" w_f=""
for r in $(seq "$REPS"); do
    out=$(loop_ms) || { echo "$out" >&2; exit 1; }
    line=$(echo "$out" | sed -n 's/.*NOTICE:  timings \([0-9.]*\) \([0-9.]*\)/\1 \2/p')
    w_c+="${line% *} "
    w_f+="${line#* } "
done
w_c=$(median_of "${w_c}")
w_f=$(median_of "${w_f}")
row "warm credentials(), $LARGE connections, 200k calls" "$(fmt "$w_c") ms" "$(fmt "$w_f") ms (indexed lookup)" \
    "$(ratio "$w_f" "$w_c")" "speed ratio in one backend after one pass over all, default settings"

# ---------------------------------------------------------------------------
# show
# ---------------------------------------------------------------------------
log "show of $LARGE"
s_c="" s_f=""
for r in $(seq "$REPS"); do
    s_c+="$(tps "bench_$LARGE" show.sql 1) "
    s_f+="$(tps "bench_$LARGE" show_floor.sql 1) "
done
s_c=$(median_of "${s_c}")
s_f=$(median_of "${s_f}")
row "show() of $LARGE connections" "$(awk -v t="$s_c" 'BEGIN { printf "%.1f ms", 1000 / t }')" \
    "$(awk -v t="$s_f" 'BEGIN { printf "%.1f ms", 1000 / t }') (ORDER BY name)" "$(ratio "$s_f" "$s_c")" \
    "time ratio; target <= 1.2x"

# ---------------------------------------------------------------------------
# create / drop throughput
# ---------------------------------------------------------------------------
log "create and drop 10,000: $REPS interleaved rounds"
elapsed() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'; }
# the same secrets on both sides, constant; the baseline encrypts them in SQL
props='{"ACCESS_KEY": "AKIAIOSFODNN7EXAMPLE", "SECRET_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "REGION": "us-east-1"}'
secrets='{"ACCESS_KEY": "AKIAIOSFODNN7EXAMPLE", "SECRET_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}'
pgp="pgp_sym_encrypt('$secrets', '$KEY', 'cipher-algo=aes256, s2k-mode=1')"
sql -d "bench_$SMALL" -c "CREATE TABLE plain_bulk (name text PRIMARY KEY, ct bytea)"
for i in $(seq 1 10000); do echo "SELECT connection.create('s$i', 'STORAGE', 'S3', '$props');"; done > "$DIR/create_each.sql"
for i in $(seq 1 10000); do echo "INSERT INTO plain_bulk VALUES ('s$i', $pgp);"; done > "$DIR/insert_each.sql"
for i in $(seq 1 10000); do echo "SELECT connection.drop('s$i');"; done > "$DIR/drop_each.sql"
for i in $(seq 1 10000); do echo "DELETE FROM plain_bulk WHERE name = 's$i';"; done > "$DIR/delete_each.sql"
[ "$(id -u)" = 0 ] && chown postgres: "$DIR"/*.sql
declare -A T
for r in $(seq "$REPS"); do
    # each round starts from the same state: no dead index entries of the
    # names the last round dropped, on either side
    sql -d "bench_$SMALL" -c "VACUUM connection.pg_connection" -c "VACUUM plain_bulk"
    T[cb]+="$(elapsed sql -d "bench_$SMALL" -c "SELECT count(connection.create('t' || i, 'STORAGE', 'S3', '$props')) FROM generate_series(1, 10000) i") "
    T[ib]+="$(elapsed sql -d "bench_$SMALL" -c "INSERT INTO plain_bulk SELECT 't' || i, $pgp FROM generate_series(1, 10000) i") "
    T[db]+="$(elapsed sql -d "bench_$SMALL" -c "SELECT count(connection.drop('t' || i)) FROM generate_series(1, 10000) i") "
    T[xb]+="$(elapsed sql -d "bench_$SMALL" -c "DO \$\$ BEGIN FOR i IN 1..10000 LOOP DELETE FROM plain_bulk WHERE name = 't' || i; END LOOP; END \$\$") "
    T[ce]+="$(elapsed sql -d "bench_$SMALL" -f "$DIR/create_each.sql") "
    T[ie]+="$(elapsed sql -d "bench_$SMALL" -f "$DIR/insert_each.sql") "
    T[de]+="$(elapsed sql -d "bench_$SMALL" -f "$DIR/drop_each.sql") "
    T[xe]+="$(elapsed sql -d "bench_$SMALL" -f "$DIR/delete_each.sql") "
    # the same without waiting for the WAL flush of each commit: the work
    # of the statements themselves
    T[cn]+="$(elapsed sql -d "bench_$SMALL" -c 'SET synchronous_commit = off' -f "$DIR/create_each.sql") "
    T[in]+="$(elapsed sql -d "bench_$SMALL" -c 'SET synchronous_commit = off' -f "$DIR/insert_each.sql") "
    T[dn]+="$(elapsed sql -d "bench_$SMALL" -c 'SET synchronous_commit = off' -f "$DIR/drop_each.sql") "
    T[xn]+="$(elapsed sql -d "bench_$SMALL" -c 'SET synchronous_commit = off' -f "$DIR/delete_each.sql") "
done
for k in cb ib db xb ce ie de xe cn in dn xn; do T[$k]=$(median_of "${T[$k]}"); done
row "create 10,000, one transaction" "${T[cb]} s" "${T[ib]} s (INSERT, PGP in SQL)" "$(ratio "${T[cb]}" "${T[ib]}")" "time ratio; target <= 1.00x"
row "drop 10,000, one transaction" "${T[db]} s" "${T[xb]} s (DELETE by name)" "$(ratio "${T[db]}" "${T[xb]}")" "time ratio; target <= 1.00x"
row "create 10,000, one statement each" "${T[ce]} s" "${T[ie]} s (INSERT, PGP in SQL)" "$(ratio "${T[ce]}" "${T[ie]}")" "time ratio; target <= 1.10x"
row "drop 10,000, one statement each" "${T[de]} s" "${T[xe]} s (DELETE by name)" "$(ratio "${T[de]}" "${T[xe]}")" "time ratio; target <= 1.10x"
row "create 10,000, one statement each, synchronous_commit off" "${T[cn]} s" "${T[in]} s (INSERT, PGP in SQL)" "$(ratio "${T[cn]}" "${T[in]}")" "time ratio; without the WAL flush of each commit"
row "drop 10,000, one statement each, synchronous_commit off" "${T[dn]} s" "${T[xn]} s (DELETE by name)" "$(ratio "${T[dn]}" "${T[xn]}")" "time ratio; without the WAL flush of each commit"

# ---------------------------------------------------------------------------
# memory
# ---------------------------------------------------------------------------
log "memory"
mem() {
    sql -d "bench_$LARGE" <<SQL | tail -n 1
SET connection.cache_size = $1;
SET connection.cache_memory = '${2:-16MB}';
SELECT count(connection.credentials('c' || i)) FROM generate_series(1, $LARGE) i;
SELECT pg_size_pretty(sum(total_bytes)) || ' cache, ' ||
       (SELECT pg_size_pretty(sum(total_bytes)) FROM pg_backend_memory_contexts)
       || ' whole backend'
  FROM pg_backend_memory_contexts WHERE name = 'connection cache';
SQL
}
row "memory after touching $LARGE (default settings)" "$(mem 1000000 64MB)" "" "" "bounded by cache_memory (64MB, default)"
row "memory after touching $LARGE (cache_memory 16MB)" "$(mem 1000000 16MB)" "" "" "bounded by cache_memory"
row "memory after touching $LARGE (cache_memory 512MB)" "$(mem 1000000 512MB)" "" "" "all cached"

vault="skipped: Supabase Vault (supabase_vault) is not installed on this machine"
if [ -n "$(sql -d postgres -c "SELECT 1 FROM pg_available_extensions WHERE name = 'supabase_vault'")" ]; then
    vault="Supabase Vault is available but not benchmarked by this driver"
fi

# ---------------------------------------------------------------------------
# results (the section of test/bench/transfer.sh is kept)
# ---------------------------------------------------------------------------
transfer=$(sed -n '/^## Object storage transfer/,$p' "$ROOT/test/bench/results.md" 2>/dev/null || true)
{
    echo "# Benchmark results"
    echo
    echo "Produced by \`bash test/bench/run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'); medians of $REPS interleaved runs of ${SECS} s."
    echo
    echo "Machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), $(free -g | awk '/^Mem:/ { print $2 }') GiB memory; $(conn_as_runner postgres --version); default settings but for the key."
    echo
    echo "| case | connection | baseline | ratio | notes |"
    echo "|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "Ratios: for throughput, ours / baseline (higher is better); for times, baseline / ours as speed for the warm loop and ours / baseline for show, create and drop (lower is better)."
    echo "Vault: $vault."
    [ -n "$transfer" ] && { echo; echo "$transfer"; }
} > "$ROOT/test/bench/results.md"
log "results written to test/bench/results.md"
cat "$ROOT/test/bench/results.md"
