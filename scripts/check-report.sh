#!/usr/bin/env bash
# Renders report.html of samples/ in headless Chromium and fails if the page logs console
# errors, does not contain its incidents, or renders blank. Installs Debian's chromium when
# it is missing (CI runs as root). Usage: scripts/check-report.sh [path/to/entrascope]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/entrascope}
if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium (Debian package)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
set +e
"$bin" analyze samples/ --out "$work/report" -q
code=$?
set -e
if [ "$code" -ne 0 ] && [ "$code" -ne 1 ]; then echo "analyze failed with exit code $code"; exit 1; fi
flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --user-data-dir="$work/profile")
url="file://$work/report/report.html"
timeout 120 chromium "${flags[@]}" --enable-logging=stderr --v=0 --dump-dom "$url" >"$work/dom.html" 2>"$work/console.log"
timeout 120 chromium "${flags[@]}" --window-size=1400,2400 --screenshot="$work/report.png" "$url" >/dev/null 2>&1
if grep -E "CONSOLE|Uncaught|ERROR:.*(console|javascript)" "$work/console.log" | grep -v -E "dbus|gcm|Fontconfig" ; then
  echo "FAIL: the report logged console errors"; exit 1
fi
grep -q 'id="INC-001"' "$work/dom.html" || { echo "FAIL: the rendered DOM has no incidents"; exit 1; }
size=$(stat -c %s "$work/report.png")
# A blank 1400x2400 page compresses to a few KB; the samples report renders to ~0.5 MB.
[ "$size" -gt 60000 ] || { echo "FAIL: the screenshot looks blank ($size bytes)"; exit 1; }
echo "report renders in Chromium: $(grep -c 'class="incident ' "$work/dom.html") incidents, screenshot $size bytes, no console errors"
