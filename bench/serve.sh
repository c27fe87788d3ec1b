#!/usr/bin/env bash
# Load test of `secpack serve` on loopback with wrk (bounded: DURATION
# seconds each, 2 threads, 16 connections in all): a static page from memory,
# and report intake (multipart POST: checked, encrypted to the team's key,
# committed before the receipt) on each store:
#   - SQLite (WAL, synchronous=FULL), one instance;
#   - PostgreSQL (a throwaway cluster on 127.0.0.1, synchronous_commit=on,
#     fsync=on), one instance;
#   - PostgreSQL, two instances on the same database, 8 connections each
#     (two wrk runs at once; their rates are added).
# The rate limit is lifted (--rate-limit 0). Everything (wrk, the servers,
# PostgreSQL) shares this machine's cores. Then the store alone
# (crates/secpack-server/examples/store_bench.rs: 16 concurrent inserts of a
# 1.5 kB ciphertext, no HTTP, no encryption, no codename) on each backend,
# with one and two store handles (pools) on PostgreSQL.
#
# Usage: bench/serve.sh [DURATION]   (default 10; SECPACK=path/to/secpack)
# Needs: wrk (apt-get install wrk), PostgreSQL's initdb/pg_ctl/psql (apt-get
# install postgresql; as root the cluster runs as the postgres user).
# Writes bench/SERVE-RESULTS.md.
set -euo pipefail

duration=${1:-10}
secpack=${SECPACK:-target/release/secpack}
if [ -z "${SECPACK:-}" ]; then cargo build --release -q -p secpack-cli; fi
[ -x "$secpack" ] || { echo "no $secpack" >&2; exit 2; }
store_bench=${STORE_BENCH:-target/release/examples/store_bench}
if [ -z "${STORE_BENCH:-}" ]; then cargo build --release -q -p secpack-server --example store_bench; fi
[ -x "$store_bench" ] || { echo "no $store_bench" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
pgbin=$(dirname "$(readlink -f "$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | tail -1)")")
[ -x "$pgbin/pg_ctl" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 2; }

master='60DC AA5E AD50 2177 5F7B  8513 8A7D 4754 3A09 DBD0'
work=$(mktemp -d)
pids=()
pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$pgbin/$@"; else "$pgbin/$@"; fi; }
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    [ -d "$work/pg" ] && pg pg_ctl -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# start NAME DB: starts an instance, sets $url.
start() {
    "$secpack" serve examples/demo-pack --master "$master" --addr 127.0.0.1:0 \
        --db "$2" --rate-limit 0 > "$work/$1.out" 2> "$work/$1.err" &
    pids+=($!)
    for _ in $(seq 100); do grep -q listening "$work/$1.out" 2>/dev/null && break; sleep 0.1; done
    url=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$work/$1.out")
    [ -n "$url" ] || { cat "$work/$1.err" >&2; exit 1; }
}

cat > "$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "multipart/form-data; boundary=wrkboundary"
wrk.headers["Accept"] = "application/json"
wrk.body = "--wrkboundary\r\nContent-Disposition: form-data; name=\"summary\"\r\n\r\nBench report\r\n" ..
  "--wrkboundary\r\nContent-Disposition: form-data; name=\"affected\"\r\n\r\n1.0\r\n" ..
  "--wrkboundary\r\nContent-Disposition: form-data; name=\"details\"\r\n\r\n" .. string.rep("detail ", 200) .. "\r\n" ..
  "--wrkboundary--\r\n"
done = function(summary, latency, requests)
  io.write(string.format("non-2xx: %d\n", summary.errors.status))
end
LUA

run() { wrk -t2 -c16 -d"${duration}s" --latency "$@"; }
rps() { sed -n 's/^Requests\/sec: *//p'; }
p99() { sed -n 's/^ *99% *//p'; }
non2xx() { sed -n 's/^non-2xx: *//p'; }

# SQLite.
start sqlite "$work/inbox.sqlite"
static=$(run "${url}")
intake=$(run -s "$work/post.lua" "${url}report/")
stored=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from reports").fetchone()[0])' "$work/inbox.sqlite" 2>/dev/null || echo "?")

# PostgreSQL: a throwaway cluster.
mkdir -p "$work/pg"
[ "$(id -u)" = 0 ] && chown postgres "$work" "$work/pg"
pg initdb -D "$work/pg/data" -U secpack --auth=trust -E UTF8 --no-locale > /dev/null
port=$((20000 + RANDOM % 30000))
pg pg_ctl -D "$work/pg/data" -l "$work/pg/log" -w \
    -o "-p $port -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=100" start > /dev/null
dburl="postgres://secpack@127.0.0.1:$port/postgres"
psql() { "$pgbin/psql" -h 127.0.0.1 -p "$port" -U secpack -d postgres -At -c "$1"; }

start pg1 "$dburl"
pg_one=$(run -s "$work/post.lua" "${url}report/")
pg_one_stored=$(psql 'select count(*) from reports')
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

start pg2a "$dburl"; url_a=$url
start pg2b "$dburl"; url_b=$url
wrk -t1 -c8 -d"${duration}s" --latency -s "$work/post.lua" "${url_a}report/" > "$work/wrk-a" &
wa=$!
wrk -t1 -c8 -d"${duration}s" --latency -s "$work/post.lua" "${url_b}report/" > "$work/wrk-b"
wait "$wa"
pg_two_a=$(cat "$work/wrk-a"); pg_two_b=$(cat "$work/wrk-b")
pg_two_rps=$(awk -v a="$(echo "$pg_two_a" | rps)" -v b="$(echo "$pg_two_b" | rps)" 'BEGIN { printf "%.2f", a + b }')
pg_total=$(psql 'select count(*) from reports')
pg_two_stored=$((pg_total - pg_one_stored))
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done

# The store alone.
sb() { "$store_bench" "$@" | awk '{print $NF}'; }
sb_sqlite=$(sb "$work/bench.sqlite" 1 16 "$duration")
sb_pg1=$(sb "$dburl" 1 16 "$duration")
sb_pg2=$(sb "$dburl" 2 16 "$duration")

{
    echo "# secpack serve under wrk ($(date -u +%Y-%m-%d), $(nproc) cores, loopback, ${duration} s per run, 16 connections in all)"
    echo
    echo "Command: \`bench/serve.sh ${duration}\` (PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}'), a throwaway cluster on the same machine)."
    echo
    echo "| request | store | instances | requests/s | p99 latency | non-2xx |"
    echo "|---|---|---|---|---|---|"
    echo "| GET / (site page from memory) | - | 1 | $(echo "$static" | rps) | $(echo "$static" | p99) | - |"
    echo "| POST /report/ | SQLite (WAL, synchronous=FULL) | 1 | $(echo "$intake" | rps) | $(echo "$intake" | p99) | $(echo "$intake" | non2xx) |"
    echo "| POST /report/ | PostgreSQL (synchronous_commit=on) | 1 | $(echo "$pg_one" | rps) | $(echo "$pg_one" | p99) | $(echo "$pg_one" | non2xx) |"
    echo "| POST /report/ | PostgreSQL, one database | 2 (8 connections each) | $pg_two_rps ($(echo "$pg_two_a" | rps) + $(echo "$pg_two_b" | rps)) | $(echo "$pg_two_a" | p99) / $(echo "$pg_two_b" | p99) | $(echo "$pg_two_a" | non2xx) / $(echo "$pg_two_b" | non2xx) |"
    echo
    echo "Reports stored: SQLite $stored, PostgreSQL one instance $pg_one_stored, two instances $pg_two_stored."
    echo
    echo "The store alone (store_bench: 16 concurrent inserts of 1.5 kB, committed; no HTTP, encryption or codename):"
    echo
    echo "| store | instances (pools) | reports/s |"
    echo "|---|---|---|"
    echo "| SQLite (WAL, synchronous=FULL) | 1 | $sb_sqlite |"
    echo "| PostgreSQL (synchronous_commit=on) | 1 | $sb_pg1 |"
    echo "| PostgreSQL, one database | 2 | $sb_pg2 |"
    echo
    echo '```'
    echo "$static"
    echo
    echo "$intake"
    echo
    echo "# PostgreSQL, one instance"
    echo "$pg_one"
    echo
    echo "# PostgreSQL, two instances"
    echo "$pg_two_a"
    echo
    echo "$pg_two_b"
    echo '```'
} > bench/SERVE-RESULTS.md
cat bench/SERVE-RESULTS.md
