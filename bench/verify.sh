#!/usr/bin/env bash
# Benchmark of `secpack verify` against its anchors, in the same run:
#   - a loop of one `gpg --verify` per signature (what users are told to do),
#     plus one `git verify-tag` per tag for the tag part;
#   - a loop of `sqv` per detached signature (sqv has no cleartext or tag mode).
#
# Usage: bench/verify.sh [WORKDIR] [SCALES]
#   WORKDIR  where packs, keyrings and results go (default /tmp/secpack-bench)
#   SCALES   pack sizes to measure (default "1 10"); scale 1 is a real-size pack
#            (120 bulletins, 50 canaries, 65 digests, 60 RSA-4096 keys,
#            350 detached signatures, 800 signed tags).
# Needs: hyperfine, sqv, gpg, git (Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/secpack-bench}
scales=${2:-1 10}
mkdir -p "$work"
cargo build --release -q --bin secpack --example make_bench_pack
bin=$PWD/target/release/secpack
gen=$PWD/target/release/examples/make_bench_pack

for scale in $scales; do
  pack=$work/pack-$scale
  if [[ ! -d $pack ]]; then
    echo "generating pack at scale $scale..."
    "$gen" "$pack" "$scale" > "$work/pack-$scale.fpr"
  fi
  fpr=$(cat "$work/pack-$scale.fpr")
  export GNUPGHOME=$work/gnupg-$scale
  if [[ ! -d $GNUPGHOME ]]; then
    mkdir -m 700 -p "$GNUPGHOME"
    find "$pack/keys" -name '*.asc' -exec cat {} + | gpg --batch -q --import 2>/dev/null
  fi
  find "$pack/keys" -name '*.asc' -exec cat {} + > "$work/keyring-$scale.asc"
  (cd "$pack" && find . -name '*.sig.*' | sort) > "$work/sigs-$scale.txt"
  (cd "$pack" && find digests -name '*.DIGESTS' | sort) > "$work/clear-$scale.txt"
  ndet=$(wc -l < "$work/sigs-$scale.txt"); nclear=$(wc -l < "$work/clear-$scale.txt")
  ntags=$(git -C "$pack" tag | wc -l)
  echo "scale $scale: $ndet detached, $nclear clear-signed, $ntags tags"

  # One command per anchor; each reads the same files.
  gpg_docs="cd $pack && while read -r s; do gpg --batch -q --verify \"\$s\" \"\${s%.sig.*}\" 2>/dev/null; done < $work/sigs-$scale.txt && while read -r d; do gpg --batch -q --verify \"\$d\" 2>/dev/null; done < $work/clear-$scale.txt"
  gpg_tags="cd $pack && git tag | while read -r t; do git verify-tag \"\$t\" 2>/dev/null; done"
  sqv_docs="cd $pack && while read -r s; do sqv --keyring $work/keyring-$scale.asc \"\$s\" \"\${s%.sig.*}\" >/dev/null; done < $work/sigs-$scale.txt"
  runs_slow=3; [[ $scale -gt 1 ]] && runs_slow=1
  # Cold: --no-cache, every public-key operation done. Warm: the cache of
  # successful verifications filled by the warm-up run (documents and keys
  # are still read, hashed and judged). RUST_BACKTRACE is unset: with it,
  # every internal error value captures a backtrace, which users do not pay.
  cache="env -u RUST_BACKTRACE XDG_CACHE_HOME=$work/cache-$scale"
  rm -rf "$work/cache-$scale"
  hyperfine -N --warmup 1 --runs 10 --export-json "$work/secpack-$scale.json" \
    -n "secpack verify (documents)" "$cache $bin verify $pack --master $fpr --json --no-cache" \
    -n "secpack verify --tags" "$cache $bin verify $pack --master $fpr --tags --json --no-cache" \
    -n "secpack verify (documents, warm cache)" "$cache $bin verify $pack --master $fpr --json" \
    -n "secpack verify --tags (warm cache)" "$cache $bin verify $pack --master $fpr --tags --json"
  hyperfine --runs "$runs_slow" --export-json "$work/anchors-$scale.json" \
    -n "gpg --verify loop (documents)" "$gpg_docs" \
    -n "git verify-tag loop (tags)" "$gpg_tags" \
    -n "sqv loop (detached only)" "$sqv_docs"
  python3 - "$work" "$scale" "$ndet" "$nclear" "$ntags" <<'EOF'
import json, sys
work, scale, ndet, nclear, ntags = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
m = {}
for f in (f"{work}/secpack-{scale}.json", f"{work}/anchors-{scale}.json"):
    for r in json.load(open(f))["results"]:
        m[r["command"]] = r["mean"]
s_docs, s_tags = m["secpack verify (documents)"], m["secpack verify --tags"]
w_docs, w_tags = m["secpack verify (documents, warm cache)"], m["secpack verify --tags (warm cache)"]
g_docs, g_tags, sqv = m["gpg --verify loop (documents)"], m["git verify-tag loop (tags)"], m["sqv loop (detached only)"]
print(f"\nscale {scale}: {ndet} detached + {nclear} clear-signed signatures, {ntags} tags")
print(f"| secpack verify (documents), cold | {s_docs*1000:.0f} ms | |")
print(f"| gpg --verify loop (documents) | {g_docs*1000:.0f} ms | secpack {g_docs/s_docs:.0f}x faster |")
print(f"| sqv loop (detached only) | {sqv*1000:.0f} ms | secpack {sqv/s_docs:.0f}x faster (secpack also did {nclear} clear-signed + keys) |")
print(f"| secpack verify --tags | {s_tags*1000:.0f} ms | |")
print(f"| gpg loop + git verify-tag loop | {(g_docs+g_tags)*1000:.0f} ms | secpack {(g_docs+g_tags)/s_tags:.0f}x faster |")
print(f"| per signature, secpack --tags | {s_tags/(ndet+nclear+ntags)*1e6:.0f} µs | |")
print(f"| secpack verify, warm cache | {w_docs*1000:.0f} ms | {g_docs/w_docs:.0f}x faster than the gpg loop, {sqv/w_docs:.0f}x than sqv |")
print(f"| secpack verify --tags, warm cache | {w_tags*1000:.0f} ms | {(g_docs+g_tags)/w_tags:.0f}x faster than gpg + git verify-tag |")
EOF
done
