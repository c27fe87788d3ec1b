#!/usr/bin/env bash
# The cost of authenticating a pack's history: `secpack verify --history`
# against `secpack verify --tags` on the same pack, in the same hyperfine
# run, on a repository of 1 000 commits and 800 tags signed by the demo
# team's throwaway keys (examples/demo-keys).
#
#   bench/history.sh [WORKDIR]     (default /tmp/secpack-history-bench)
#
# Both commands judge the 800 tags; --history also reads every commit, looks
# up the sensitive paths (keys/, secpack.toml) in every tree and walks the
# graph. The issue's bar: --history under 2x --tags.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/secpack-history-bench}
commits=1000
command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install hyperfine)" >&2; exit 2; }

(cd "$root" && cargo build --release -q -p secpack-cli)
bin=$root/target/release/secpack
master=60DCAA5EAD5021775F7B85138A7D47543A09DBD0

rm -rf "$work"
mkdir -p "$work"
pack=$work/pack
cp -r "$root/examples/demo-pack" "$pack"
export GNUPGHOME=$work/gnupg
mkdir -m 700 "$GNUPGHOME"
for k in alice bob; do
  gpg --batch --quiet --import "$root/examples/demo-keys/THROWAWAY-$k.secret.asc"
done
g() { git -C "$pack" -c user.name=Bench -c user.email=bench@demo.invalid \
        -c init.defaultBranch=main -c gpg.program=gpg "$@"; }
g init -q
g add -A
g commit -q -m "demo pack"

# Commits 2..N through fast-import: each appends a line to notes/log.txt.
python3 - "$commits" <<'EOF' | g fast-import --quiet
import sys
n = int(sys.argv[1])
log = ""
for i in range(2, n + 1):
    log += f"entry {i}\n"
    msg = f"commit {i}\n"
    t = 1767225600 + i * 3600
    sys.stdout.write(f"commit refs/heads/main\ncommitter Bench <bench@demo.invalid> {t} +0000\n")
    sys.stdout.write(f"data {len(msg)}\n{msg}")
    if i == 2:
        sys.stdout.write("from refs/heads/main^0\n")
    sys.stdout.write(f"M 100644 inline notes/log.txt\ndata {len(log.encode())}\n{log}\n")
EOF
g reset -q --hard main

# 800 signed tags: every commit but those numbered 3 mod 5 (so the first
# and the last, HEAD, are tagged), alternately by alice (RSA-4096) and bob
# (Ed25519), named the Qubes way.
i=0
g rev-list --reverse main | while read -r c; do
  i=$((i + 1))
  (( i % 5 == 3 )) && continue
  who=$([ $((i % 2)) = 0 ] && echo alice || echo bob)
  g tag -s -u "$who@demo.invalid" -m "security pack" "${who}_sec_${c:0:8}" "$c"
done
echo "pack: $(g rev-list --count main) commits, $(g tag | wc -l) tags"

# Both must pass, or the timing means nothing.
"$bin" verify "$pack" --master $master --tags --no-state --no-cache >/dev/null
"$bin" verify "$pack" --master $master --history --no-state --no-cache >/dev/null

hyperfine -N --warmup 2 --runs 15 --export-json "$work/history.json" \
  -n "secpack verify --tags" "$bin verify $pack --master $master --tags --no-state --json" \
  -n "secpack verify --history" "$bin verify $pack --master $master --history --no-state --json" \
  -n "secpack verify --tags (cold)" "$bin verify $pack --master $master --tags --no-state --no-cache --json" \
  -n "secpack verify --history (cold)" "$bin verify $pack --master $master --history --no-state --no-cache --json" \
  -n "secpack verify --tags (state kept)" "$bin verify $pack --master $master --tags --forget-state --state $work/state.toml --json"
python3 - "$work/history.json" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
for kind in ["", " (cold)"]:
    t, h = r["secpack verify --tags" + kind], r["secpack verify --history" + kind]
    print(f"{'cold' if kind else 'warm'}: --tags {t['median']*1000:.1f} ms, --history {h['median']*1000:.1f} ms "
          f"(medians): --history / --tags = {h['median'] / t['median']:.2f}x")
s = r["secpack verify --tags (state kept)"]
print(f"state kept (read, compared, written): {s['median']*1000:.1f} ms against "
      f"{r['secpack verify --tags']['median']*1000:.1f} ms without")
EOF
