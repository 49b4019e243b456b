#!/usr/bin/env bash
# Ingest and analysis benchmark: a ~1M-record tenant (3,000 users, 30 days: sign-ins, Graph
# activity, audits, risk) written as an Azure Monitor PT1H.json tree, ingested to parquet,
# then analysed. Prints records/s, MB/s and peak RSS, and DuckDB's read_json on the same
# tree in the same run with the ratio, when the duckdb Python package is installed
# (`pip install duckdb`). BIG=1 adds one 2.7 GB NDJSON file (parallel parts).
# Usage: scripts/bench.sh [path/to/release/entrascope]
# Build first: cargo build --release. Needs ~4 GB of disk under $BENCH_DIR (default /tmp).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/entrascope}
dir=${BENCH_DIR:-/tmp/entrascope-bench}
mkdir -p "$dir"
if [ ! -f "$dir/tree.done" ]; then
  rm -rf "$dir/tree"
  /usr/bin/time -f "generate: %e s" "$bin" generate --out "$dir/tree" --users 3000 --days 30 --rate 8 --formats azure-monitor --force
  touch "$dir/tree.done"
fi
bytes=$(du -sb "$dir/tree" | cut -f1)
files=$(find "$dir/tree" -name 'PT1H.json' | wc -l)
echo "input: $files PT1H.json files, $((bytes / 1000000)) MB"

measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$dir/time.txt" "$@" >/dev/null || true
  read -r secs kb < <(tail -n 1 "$dir/time.txt")
  echo "$label: ${secs} s, peak RSS $((kb / 1024)) MiB"
  echo "$secs"> "$dir/last.secs"
}

rm -rf "$dir/ds"
measure "ingest → parquet" "$bin" ingest "$dir/tree" --out "$dir/ds" -q
secs=$(cat "$dir/last.secs")
ingest_secs=$secs
records=$(python3 -c "import json;print(json.load(open('$dir/ds/manifest.json'))['totals']['records'])")
python3 -c "r=$records; s=$secs; b=$bytes; print(f'ingest throughput: {r/s:,.0f} records/s, {b/s/1e6:,.0f} MB/s ({r:,} records)')"

rm -rf "$dir/report"
set +e
measure "analyze (dataset → report, all rules)" "$bin" analyze "$dir/ds" --out "$dir/report" -q
set -e
python3 -c "import json;m=json.load(open('$dir/report/manifest.json'));print('rules:', m['rules']['run'], 'in', m['rules']['seconds'], 's;', m['results'])"
python3 - "$dir/report/manifest.json" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))['rules']['per_rule']
print('slowest rules:', ', '.join(f"{r['id']} {r['seconds']:.2f}s" for r in sorted(runs, key=lambda r: -r['seconds'])[:5]))
PY

if python3 -c "import duckdb" 2>/dev/null; then
  measure "duckdb read_json (same tree, count only)" python3 -c "
import duckdb
print(duckdb.sql(\"select count(*) from read_json('$dir/tree/**/PT1H.json', format='newline_delimited', union_by_name=true, maximum_object_size=10000000)\").fetchall())"
  duck_secs=$(cat "$dir/last.secs")
  # the machine is shared and noisy: the ratio, measured in the same run, is the number to compare
  python3 -c "print(f'entrascope ingest is {$duck_secs/$ingest_secs:.1f}x DuckDB read_json on the same tree (same run)')"
else
  echo "duckdb not installed: pip install duckdb to compare"
fi

# One large NDJSON file (a 2 GB PT1H.json or Event Hub capture): parsed in parallel parts.
if [ "${BIG:-0}" = 1 ]; then
  mkdir -p "$dir/big"
  [ -f "$dir/big/PT1H.json" ] || find "$dir/tree/azure-monitor/insights-logs-noninteractiveusersigninlogs" -name PT1H.json \
    | sort | head -1200 | xargs cat > "$dir/big/PT1H.json"
  rm -rf "$dir/ds-big"
  measure "ingest one $(($(stat -c %s "$dir/big/PT1H.json") / 1000000)) MB NDJSON file" "$bin" ingest "$dir/big" --out "$dir/ds-big" -q
fi
