#!/usr/bin/env bash
# Browser test of the security-centre site: builds the demo pack (plus the
# real XSA tracker data) with the secpack binary, serves it on 127.0.0.1,
# loads the hub and the tracker in headless Chromium, checks the rendered DOM
# and keeps screenshots.
#
# Usage: crates/secpack-site/tests/browser.sh [OUTPUT_DIR]
#   SECPACK   the secpack binary (default: target/debug/secpack, built if missing)
#   CHROMIUM  the browser (default: chromium)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
OUT=${1:-$ROOT/target/site-browser-test}
SECPACK=${SECPACK:-$ROOT/target/debug/secpack}
CHROMIUM=${CHROMIUM:-chromium}
MASTER='60DC AA5E AD50 2177 5F7B  8513 8A7D 4754 3A09 DBD0'
XSA_DATA=$ROOT/crates/secpack/tests/data/sec-xsa.yml

fail() { echo "browser test FAILED: $*" >&2; exit 1; }

command -v "$CHROMIUM" >/dev/null || fail "no $CHROMIUM (apt-get install -y chromium)"
[ -x "$SECPACK" ] || (cd "$ROOT" && cargo build -q -p secpack-cli)

rm -rf "$OUT"
mkdir -p "$OUT"
cp -r "$ROOT/examples/demo-pack" "$OUT/pack"
"$SECPACK" xsa import-jekyll --pack "$OUT/pack" "$XSA_DATA" >/dev/null
"$SECPACK" site build "$OUT/pack" -o "$OUT/site" --master "$MASTER" >/dev/null

# Expected tracker rows, counted from the data file itself.
expected_rows=$(grep -c '^- xsa: ' "$XSA_DATA")

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$OUT/site" >"$OUT/http.log" 2>&1 &
server=$!
profile=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$profile"' EXIT
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/index.html', timeout=1)" 2>/dev/null && break
  sleep 0.1
done

browse() { # browse MODE URL: runs headless Chromium with a fresh profile
  timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" "$@" 2>>"$OUT/chromium.log"
}

# The visible text of a DOM, counted by Python's own HTML parser.
text_chars() {
  python3 -c '
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    n = 0; skip = 0
    def handle_starttag(self, t, a): self.skip += t in ("style", "title", "head")
    def handle_endtag(self, t): self.skip -= t in ("style", "title", "head")
    def handle_data(self, d): self.n += 0 if self.skip else len(d.strip())
p = P(); p.feed(sys.stdin.read()); print(p.n)'
}

base=http://127.0.0.1:$port
browse --dump-dom "$base/index.html" >"$OUT/hub.dom.html"
browse --dump-dom "$base/fr/index.html" >"$OUT/hub-fr.dom.html"
browse --dump-dom "$base/tracker/index.html" >"$OUT/tracker.dom.html"
browse --screenshot="$OUT/hub.png" --window-size=1280,1600 "$base/index.html"
browse --screenshot="$OUT/tracker.png" --window-size=1280,1600 "$base/tracker/index.html"

hub_chars=$(text_chars <"$OUT/hub.dom.html")
[ "$hub_chars" -gt 500 ] || fail "the hub shows only $hub_chars characters of text"
grep -q '<main id="content">' "$OUT/hub.dom.html" || fail "the hub has no main content"
grep -q 'class="trust ok"' "$OUT/hub.dom.html" || fail "the hub does not show the verified pack"
grep -q '<html lang="fr">' "$OUT/hub-fr.dom.html" || fail "the French hub is not in French"
rows=$(grep -o '<tr id="xsa-[0-9]*"' "$OUT/tracker.dom.html" | sort -u | wc -l)
[ "$rows" -eq "$expected_rows" ] || fail "the tracker shows $rows rows, expected $expected_rows"
for png in hub tracker; do
  [ -s "$OUT/$png.png" ] || fail "no screenshot $png.png"
  head -c 8 "$OUT/$png.png" | od -An -c | grep -q 'P   N   G' || fail "$png.png is not a PNG"
done
echo "browser test passed: hub $hub_chars text characters, tracker $rows rows; screenshots in $OUT"
