#!/usr/bin/env bash
# Benchmark of `secpack verify` against its anchors, in the same run:
#   - a loop of one `gpg --verify` per signature (what users are told to do),
#     plus one `git verify-tag` per tag for the tag part;
#   - a loop of `sqv` per detached signature (sqv has no cleartext or tag mode).
#
# Usage: bench/verify.sh [WORKDIR] [SCALES] [SHAPES]
#   WORKDIR  where packs, keyrings and results go (default /tmp/secpack-bench)
#   SCALES   pack sizes to measure (default "1 10"); scale 1 is a real-size pack
#            (120 bulletins, 50 canaries, 65 digests, 60 RSA-4096 keys,
#            350 detached signatures, 800 signed tags).
#   SHAPES   key shapes (default "synthetic real"): `synthetic` keys are fresh
#            (one user ID, one binding, one certification); `real` keys carry
#            fifteen years of history (make_bench_pack --shape real). Packs
#            are generated on first use: pack-SCALE and real-SCALE.
# Needs: hyperfine, sqv, gpg, git (Debian packages), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/secpack-bench}
scales=${2:-1 10}
shapes=${3:-synthetic real}
mkdir -p "$work"
# Measured runs verify the same pack over and over: the rollback/freeze
# state (docs/verify.md §8) would call the unchanged copy frozen once its
# canary is overdue. bench/history.sh measures what the state costs.
export SECPACK_NO_STATE=1
cargo build --release -q --bin secpack --example make_bench_pack
# Copies of what was just built: the target folder is shared, and another
# build must not change the binary half way through the measurements.
target=${CARGO_TARGET_DIR:-$PWD/target}
cp "$target/release/secpack" "$work/secpack"
cp "$target/release/examples/make_bench_pack" "$work/make_bench_pack"
bin=$work/secpack
gen=$work/make_bench_pack
echo "machine: $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

for shape in $shapes; do
for scale in $scales; do
  case $shape in
    synthetic) name=pack-$scale ;;
    real) name=real-$scale ;;
    *) echo "unknown shape $shape" >&2; exit 2 ;;
  esac
  pack=$work/$name
  if [[ ! -d $pack ]]; then
    echo "generating the $shape pack at scale $scale..."
    "$gen" --shape "$shape" "$pack" "$scale" > "$work/$name.fpr"
  fi
  fpr=$(cat "$work/$name.fpr")
  export GNUPGHOME=$work/gnupg-$name
  if [[ ! -d $GNUPGHOME ]]; then
    mkdir -m 700 -p "$GNUPGHOME"
    find "$pack/keys" -name '*.asc' -exec cat {} + | gpg --batch -q --import 2>/dev/null
  fi
  find "$pack/keys" -name '*.asc' -exec cat {} + > "$work/keyring-$name.asc"
  (cd "$pack" && find . -name '*.sig.*' | sort) > "$work/sigs-$name.txt"
  (cd "$pack" && find digests -name '*.DIGESTS' | sort) > "$work/clear-$name.txt"
  ndet=$(wc -l < "$work/sigs-$name.txt"); nclear=$(wc -l < "$work/clear-$name.txt")
  ntags=$(git -C "$pack" tag | wc -l)
  echo "$shape pack, scale $scale: $ndet detached, $nclear clear-signed, $ntags tags; keys $(du -sh --apparent-size "$pack/keys" | cut -f1)"

  # The pack must verify, and gpg must judge a sample of its signatures the
  # same way (every 7th detached signature, every 5th clear-signed file).
  env -u RUST_BACKTRACE "$bin" verify "$pack" --master "$fpr" --json --no-cache > "$work/report-$name.json"
  python3 - "$pack" "$work/report-$name.json" "$work/sigs-$name.txt" "$work/clear-$name.txt" <<'EOF'
import json, subprocess, sys
pack, report, sigs, clear = sys.argv[1:]
r = json.load(open(report))
assert r["summary"]["ok"], r["summary"]["failures"]
status = {(s["document"], s["signature"]): s["status"] for s in r["signatures"]}
checked = 0
for i, s in enumerate(open(sigs).read().split()):
    if i % 7:
        continue
    s = s.removeprefix("./")
    doc = s.rsplit(".sig.", 1)[0]
    gpg = subprocess.run(["gpg", "--batch", "-q", "--verify", s, doc], cwd=pack,
                         capture_output=True).returncode == 0
    assert gpg == (status[(doc, s)] == "valid"), (s, gpg, status[(doc, s)])
    checked += 1
for i, d in enumerate(open(clear).read().split()):
    if i % 5:
        continue
    gpg = subprocess.run(["gpg", "--batch", "-q", "--verify", d], cwd=pack,
                         capture_output=True).returncode == 0
    assert gpg == (status[(d, d)] == "valid"), (d, gpg, status[(d, d)])
    checked += 1
print(f"spot check: gpg and secpack agree on {checked} signatures; the pack verifies")
EOF

  # One command per anchor; each reads the same files.
  gpg_docs="cd $pack && while read -r s; do gpg --batch -q --verify \"\$s\" \"\${s%.sig.*}\" 2>/dev/null; done < $work/sigs-$name.txt && while read -r d; do gpg --batch -q --verify \"\$d\" 2>/dev/null; done < $work/clear-$name.txt"
  gpg_tags="cd $pack && git tag | while read -r t; do git verify-tag \"\$t\" 2>/dev/null; done"
  sqv_docs="cd $pack && while read -r s; do sqv --keyring $work/keyring-$name.asc \"\$s\" \"\${s%.sig.*}\" >/dev/null; done < $work/sigs-$name.txt"
  runs_slow=3; [[ $scale -gt 1 ]] && runs_slow=1
  # Cold: --no-cache, every public-key operation done. Warm: the cache of
  # successful verifications filled by the warm-up run (documents and keys
  # are still read, hashed and judged). RUST_BACKTRACE is unset: with it,
  # every internal error value captures a backtrace, which users do not pay.
  cache="env -u RUST_BACKTRACE XDG_CACHE_HOME=$work/cache-$name XDG_STATE_HOME=$work/state-$name"
  rm -rf "$work/cache-$name" "$work/state-$name"
  hyperfine -N --warmup 2 --runs 15 --export-json "$work/secpack-$name.json" \
    -n "secpack verify (documents)" "$cache $bin verify $pack --master $fpr --json --no-cache" \
    -n "secpack verify --tags" "$cache $bin verify $pack --master $fpr --tags --json --no-cache" \
    -n "secpack verify (documents, warm cache)" "$cache $bin verify $pack --master $fpr --json" \
    -n "secpack verify --tags (warm cache)" "$cache $bin verify $pack --master $fpr --tags --json"
  hyperfine --runs "$runs_slow" --export-json "$work/anchors-$name.json" \
    -n "gpg --verify loop (documents)" "$gpg_docs" \
    -n "git verify-tag loop (tags)" "$gpg_tags" \
    -n "sqv loop (detached only)" "$sqv_docs"
  python3 - "$work" "$name" "$ndet" "$nclear" "$ntags" <<'EOF'
import json, sys
work, name, ndet, nclear, ntags = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
m = {}
for f in (f"{work}/secpack-{name}.json", f"{work}/anchors-{name}.json"):
    for r in json.load(open(f))["results"]:
        m[r["command"]] = r["median"]
s_docs, s_tags = m["secpack verify (documents)"], m["secpack verify --tags"]
w_docs, w_tags = m["secpack verify (documents, warm cache)"], m["secpack verify --tags (warm cache)"]
g_docs, g_tags, sqv = m["gpg --verify loop (documents)"], m["git verify-tag loop (tags)"], m["sqv loop (detached only)"]
print(f"\n{name}: {ndet} detached + {nclear} clear-signed signatures, {ntags} tags (medians)")
print(f"| secpack verify, cold | {s_docs*1000:.1f} ms | {g_docs/s_docs:.0f}x faster than the gpg loop, {sqv/s_docs:.0f}x than sqv |")
print(f"| secpack verify, warm | {w_docs*1000:.1f} ms | {g_docs/w_docs:.0f}x faster than the gpg loop, {sqv/w_docs:.0f}x than sqv |")
print(f"| gpg --verify loop (documents) | {g_docs*1000:.0f} ms | |")
print(f"| sqv loop (detached only) | {sqv*1000:.0f} ms | |")
print(f"| secpack verify --tags, cold | {s_tags*1000:.1f} ms | {(g_docs+g_tags)/s_tags:.0f}x faster than gpg + git verify-tag |")
print(f"| secpack verify --tags, warm | {w_tags*1000:.1f} ms | {(g_docs+g_tags)/w_tags:.0f}x faster than gpg + git verify-tag |")
print(f"| gpg loop + git verify-tag loop | {(g_docs+g_tags)*1000:.0f} ms | |")
EOF
  # The same ratios measured round by round (bench/ratio.py): the anchor
  # and secpack back to back, so the machine's drift hits both alike.
  if [[ $scale -eq 1 ]]; then
    python3 bench/ratio.py "$work" "$name" "$bin" 5
  fi
done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
