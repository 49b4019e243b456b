#!/usr/bin/env bash
# Regenerates samples/: a small fabrikam.example tenant (30 users, 7 days, injected attacks)
# exported the way customers hand logs over — overlapping, in four shapes, partly archived:
#   azure-monitor-archive.tar.gz   diagnostic-settings PT1H.json tree (all categories)
#   graph-extractor-suite.zip      Graph pages as Microsoft-Extractor-Suite writes them
#   log-analytics/*.csv.gz         Log Analytics portal CSV exports, gzipped
#   portal/*.csv                   Entra admin center downloads
# Archives are built with fixed mtimes and sorted names, so the same generator gives the
# same bytes. Usage: scripts/make-samples.sh [path/to/entrascope]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/entrascope}
[ -x "$bin" ] || bin=target/debug/entrascope
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" generate --out "$tmp/gen" --users 30 --days 7 --rate 5 --seed 42 --start 2026-10-05 \
  --formats azure-monitor,graph,la-csv,portal-csv -q
find "$tmp/gen" -exec touch -h -d '2026-10-12T00:00:00Z' {} +
keep=(samples/policy.toml samples/README.md samples/intel)
mkdir -p "$tmp/keep"
for k in "${keep[@]}"; do [ -e "$k" ] && cp -r "$k" "$tmp/keep/"; done
rm -rf samples && mkdir -p samples/log-analytics samples/portal
cp -r "$tmp/keep/." samples/
(cd "$tmp/gen" && tar --sort=name --mtime='2026-10-12 00:00:00Z' --owner=0 --group=0 --numeric-owner \
  -cf - azure-monitor | gzip -n -9 > "$OLDPWD/samples/azure-monitor-archive.tar.gz")
(cd "$tmp/gen/graph" && find . -type f | LC_ALL=C sort | zip -X -q -9 "$OLDPWD/samples/graph-extractor-suite.zip" -@)
for f in "$tmp"/gen/la-csv/*.csv; do gzip -n -9 -c "$f" > "samples/log-analytics/$(basename "$f").gz"; done
cp "$tmp"/gen/portal-csv/*.csv samples/portal/
cp "$tmp/gen/ground-truth.json" samples/ground-truth.json
du -sh samples
