#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS each (default 60) and prints one
# line per target: executions, coverage, crashes. Corpora grow in
# fuzz/corpus/<target>/ (not committed); crashes land in fuzz/artifacts/.
#
# Usage: fuzz/run-all.sh [SECONDS] [TARGET...]
# Needs: a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
set -uo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || mapfile -t targets < <(cargo +nightly fuzz list)
cargo +nightly fuzz build -O
status=0
for t in "${targets[@]}"; do
  log=$(mktemp)
  cargo +nightly fuzz run -O "$t" -- -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  if ((rc == 0)); then verdict=ok; else verdict="CRASH (see fuzz/artifacts/$t)"; status=1; tail -30 "$log"; fi
  printf '%-24s %10s execs  cov %6s  %s\n' "$t" "${execs:-?}" "${cov:-?}" "$verdict"
  rm -f "$log"
done
exit $status
