#!/usr/bin/env bash
# Benchmark: `secpack digest check` (one read, four digests in parallel)
# against md5sum, sha1sum, sha256sum and sha512sum run one after the other,
# and against the slowest of them alone.
#
# Usage: bench/digest.sh [IMAGE] [RUNS]
#   IMAGE  test file, made once with 2 GiB from /dev/urandom when absent
#          (default /tmp/secpack-digest-bench/image.iso)
#   RUNS   timed runs of each command (default 3)
# Environment: SECPACK=path to the binary (default target/release/secpack).
set -euo pipefail

image=${1:-/tmp/secpack-digest-bench/image.iso}
runs=${2:-3}
secpack=${SECPACK:-target/release/secpack}
[ -x "$secpack" ] || { echo "no $secpack: run cargo build --release first" >&2; exit 2; }
secpack=$(realpath "$secpack")

mkdir -p "$(dirname "$image")"
if [ ! -f "$image" ]; then
    echo "making $image (2 GiB of random bytes)..." >&2
    head -c 2G /dev/urandom > "$image.part" && mv "$image.part" "$image"
fi
dir=$(dirname "$image")
name=$(basename "$image")
digests="$image.DIGESTS"
if [ ! -f "$digests" ]; then
    echo "making $digests with secpack digest make..." >&2
    "$secpack" digest make "$image" -o "$digests"
fi

echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# file: $image, $(stat -c %s "$image") bytes; runs: $runs"
echo "# $("$secpack" --version); $(md5sum --version | head -1)"

check_cmd="$secpack digest check $image --digests $digests --allow-unsigned"
seq_cmd="cd $dir && md5sum $name >/dev/null && sha1sum $name >/dev/null && sha256sum $name >/dev/null && sha512sum $name >/dev/null"

# The slowest tool alone, from one warm run of each.
slowest=""; slowest_t=0
cat "$image" > /dev/null
for t in md5sum sha1sum sha256sum sha512sum; do
    s=$(date +%s.%N); $t "$image" > /dev/null; e=$(date +%s.%N)
    d=$(echo "$e - $s" | bc)
    echo "# warm-up $t: ${d}s"
    if (( $(echo "$d > $slowest_t" | bc) )); then slowest=$t; slowest_t=$d; fi
done
slow_cmd="$slowest $image >/dev/null"
md5_cmd="md5sum $image >/dev/null"
echo "# slowest alone: $slowest"

if command -v hyperfine > /dev/null; then
    hyperfine --warmup 1 --runs "$runs" --style basic --export-markdown "$dir/warm.md" \
        -n "secpack digest check" "$check_cmd" \
        -n "md5sum; sha1sum; sha256sum; sha512sum" "$seq_cmd" \
        -n "$slowest alone" "$slow_cmd" \
        -n "md5sum alone (floor)" "$md5_cmd"
    cat "$dir/warm.md"
    if [ -w /proc/sys/vm/drop_caches ] && echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; then
        echo "# cold cache (page cache dropped before each run)"
        hyperfine --runs "$runs" --style basic --export-markdown "$dir/cold.md" \
            --prepare 'sync; echo 3 > /proc/sys/vm/drop_caches' \
            -n "secpack digest check (cold)" "$check_cmd" \
            -n "md5sum; sha1sum; sha256sum; sha512sum (cold)" "$seq_cmd"
        cat "$dir/cold.md"
    else
        echo "# cold cache: not permitted here (/proc/sys/vm/drop_caches not writable)"
    fi
else
    echo "# hyperfine not installed: bash time, $runs runs each"
    for c in "$check_cmd" "$seq_cmd" "$slow_cmd" "$md5_cmd"; do
        for _ in $(seq "$runs"); do
            /usr/bin/env bash -c "TIMEFORMAT='%R s  $c'; time ( $c )"
        done
    done
fi
