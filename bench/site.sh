#!/usr/bin/env bash
# Benchmark of `secpack site build` on a real-size pack: 120 bulletins,
# 50 canaries, the real XSA tracker (502 rows), content pages in English and
# French. Bulletins and canaries are unsigned (built with --allow-failures);
# the keys are the demo pack's, so the trust engine still loads every key.
#
# Usage: bench/site.sh [RUNS]     (SECPACK=path/to/secpack to choose the binary)
#
# With SIGNED_PACK=DIR SIGNED_MASTER=FPR (a pack from
# `cargo run --release --example make_bench_pack DIR`: 120 bulletins and 50
# canaries signed twice each, 60 RSA-4096 keys), that pack is used instead,
# every signature is verified and the build must pass without
# --allow-failures.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-5}
SECPACK=${SECPACK:-$ROOT/target/release/secpack}
MASTER='60DC AA5E AD50 2177 5F7B  8513 8A7D 4754 3A09 DBD0'
[ -x "$SECPACK" ] || (cd "$ROOT" && cargo build -q --release -p secpack-cli)

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PACK=$WORK/pack
ALLOW=--allow-failures
if [ -n "${SIGNED_PACK:-}" ]; then
  cp -r "$SIGNED_PACK" "$PACK"
  rm -rf "$PACK/tracker"
  mkdir -p "$PACK/site"
  MASTER=$SIGNED_MASTER
  ALLOW=
else
  mkdir -p "$PACK/QSBs" "$PACK/canaries" "$PACK/site"
  cp -r "$ROOT/examples/demo-pack/keys" "$ROOT/examples/demo-pack/secpack.toml" "$PACK/"

  for n in $(seq 1 120); do
    year=$((2010 + n / 10))
    printf -v num '%03d' "$n"
    {
      printf '             ---===[ Demo Project Security Bulletin %s ]===---\n\n' "$num"
      printf '                             %d-%02d-%02d\n\n' "$year" $((n % 12 + 1)) $((n % 28 + 1))
      printf '            Benchmark bulletin number %d about XSA-%d\n\n' "$n" $((n * 4))
      printf 'User action\n-----------\n\nInstall the updates.\n\n'
      printf 'Summary\n-------\n\n'
      for line in $(seq 1 40); do printf 'Line %d of the summary of bulletin %d, long enough to look real.\n' "$line" "$n"; done
      printf '\n--\nThe Demo Project Security Team\n'
    } >"$PACK/QSBs/qsb-$num-$year.txt"
  done

  for n in $(seq 1 50); do
    year=$((2015 + n / 4))
    month=$(( (n % 4) * 3 + 1 ))
    printf -v num '%03d' "$n"
    {
      printf '                    ---===[ Demo Project Canary %s ]===---\n\n' "$num"
      printf 'Statements\n-----------\n\nThe signers declare:\n\n'
      printf '1. The date of issue of this canary is %d-%02d-02.\n\n' "$year" "$month"
      printf '2. There have been %d Demo Project security bulletins published so far.\n\n' $((n * 2))
      printf '3. The Demo Project Master Signing Key fingerprint is:\n\n    %s\n\n' "$MASTER"
      printf '4. No warrants have ever been served to us.\n\n'
      printf '5. The next canary is scheduled to be published within the first fourteen days of the month.\n\n'
      printf 'Proof of freshness\n------------------\n\nMon, 02 Jan %d 10:00:00 +0000\n\n' "$year"
      printf 'Source: Demo wire (https://wire.invalid/rss)\nHeadline one\nHeadline two\n\n'
      printf 'Source: Demo chain\n%064d\n' "$n"
    } >"$PACK/canaries/canary-$num-$year.txt"
  done
fi

"$SECPACK" xsa import-jekyll --pack "$PACK" "$ROOT/crates/secpack/tests/data/sec-xsa.yml" >/dev/null
printf -- '---\ntitle: Security centre\nref: hub\n---\nThe benchmark hub, with a [link](/keys/).\n' >"$PACK/site/index.md"
printf -- '---\ntitle: Centre de sécurité\nlang: fr\nref: hub\n---\nLe hub du banc d'"'"'essai, avec un [lien](/fr/keys/).\n' >"$PACK/site/index.fr.md"

echo "pack: $(ls "$PACK/QSBs" | grep -vc "\.sig\.") bulletins, $(ls "$PACK/canaries" | grep -vc "\.sig\.") canaries, $(grep -c '^\[\[advisory\]\]' "$PACK/tracker/xsa.toml" || true) tracker rows"
best=
for run in $(seq 1 "$RUNS"); do
  start=$(date +%s.%N)
  "$SECPACK" site build "$PACK" -o "$WORK/site" --master "$MASTER" $ALLOW >"$WORK/out.txt"
  end=$(date +%s.%N)
  t=$(echo "$end - $start" | bc)
  echo "run $run: ${t}s"
  if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
done
cat "$WORK/out.txt"
echo "best of $RUNS: ${best}s"
