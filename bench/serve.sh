#!/usr/bin/env bash
# Load test of `secpack serve` on loopback with wrk (bounded: DURATION
# seconds, 2 threads, 16 connections): a static page from memory, and report
# intake (multipart POST: checked, encrypted to the team's key, committed to
# SQLite with synchronous=FULL before the receipt). The rate limit is lifted
# for the bench (--rate-limit 0).
#
# Usage: bench/serve.sh [DURATION]   (default 10; SECPACK=path/to/secpack)
# Needs: wrk (apt-get install wrk). Writes bench/SERVE-RESULTS.md.
set -euo pipefail

duration=${1:-10}
secpack=${SECPACK:-target/release/secpack}
if [ -z "${SECPACK:-}" ]; then cargo build --release -q -p secpack-cli; fi
[ -x "$secpack" ] || { echo "no $secpack" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }

master='60DC AA5E AD50 2177 5F7B  8513 8A7D 4754 3A09 DBD0'
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
"$secpack" serve examples/demo-pack --master "$master" --addr 127.0.0.1:0 \
    --db "$work/inbox.sqlite" --rate-limit 0 > "$work/out" 2> "$work/err" &
pid=$!
for _ in $(seq 100); do grep -q listening "$work/out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$work/out")
[ -n "$url" ] || { cat "$work/err" >&2; exit 1; }

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
static=$(run "${url}")
intake=$(run -s "$work/post.lua" "${url}report/")
stored=$(sqlite3 "$work/inbox.sqlite" 'select count(*) from reports' 2>/dev/null || echo "?")
rps() { sed -n 's/^Requests\/sec: *//p'; }
p99() { sed -n 's/^ *99% *//p'; }
{
    echo "# secpack serve under wrk ($(date -u +%Y-%m-%d), $(nproc) cores, loopback, ${duration} s, 2 threads, 16 connections)"
    echo
    echo "| request | requests/s | p99 latency |"
    echo "|---|---|---|"
    echo "| GET / (site page from memory) | $(echo "$static" | rps) | $(echo "$static" | p99) |"
    echo "| POST /report/ (check, encrypt, SQLite FULL sync commit) | $(echo "$intake" | rps) | $(echo "$intake" | p99) |"
    echo
    echo "Reports stored during the intake run: $stored."
    echo
    echo '```'
    echo "$static"
    echo
    echo "$intake"
    echo '```'
} > bench/SERVE-RESULTS.md
cat bench/SERVE-RESULTS.md
