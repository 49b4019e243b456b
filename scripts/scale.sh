#!/usr/bin/env bash
# How analysis scales with the size of the tenant, in bounded memory, beside DuckDB.
#
# For each size in SIZES (users; 30 days of sign-ins at --rate 8): generate the tenant and
# ingest it once (cached), then
#   - analyze the dataset with --memory-limit $LIMIT (the window is spilled to disk and rules
#     run one at a time over the spilled files): wall time, rules time (the manifest's
#     per-rule seconds), peak RSS (/usr/bin/time), incidents;
#   - at the first size also in memory (no limit), and check that findings, incidents and the
#     remediation plan are byte-identical between the two;
#   - DuckDB over the same parquet, in the same run: four core queries (spray, MFA fatigue,
#     travel, token replay) against entrascope running the same four rules, as a ratio (the
#     machine is shared and noisy: compare the ratio, not the seconds).
#
# Usage: scripts/scale.sh [path/to/entrascope]   (build first: cargo build --release)
# Env: SIZES ("3000 30000"), DAYS (30), LIMIT (1200M), SCALE_DIR (/tmp/entrascope-scale).
# DuckDB is optional (pip install duckdb); without it that column is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-target/release/entrascope}")
sizes=${SIZES:-3000 30000}
days=${DAYS:-30}
limit=${LIMIT:-1200M}
root=${SCALE_DIR:-/tmp/entrascope-scale}
mkdir -p "$root"

core=$(mktemp -d)
trap 'rm -rf "$core"' EXIT
mkdir -p "$core/rules"
for id in SPRAY-IP MFA-FATIGUE IMPOSSIBLE-TRAVEL TOKEN-REPLAY; do
  cp "$(grep -l -E "^-- id: $id\$" queries/*/*.sql)" "$core/rules/"
done
cp -r queries/views "$core/rules/"

timed() { # label, then the command; prints "seconds peak_kib"
  local out=$core/time.txt
  /usr/bin/time -f "%e %M" -o "$out" "$@" >/dev/null 2>"$core/stderr" || {
    local rc=$?
    # exit 1 means findings at or above --fail-on: a normal analysis result
    [ $rc -eq 1 ] || { cat "$core/stderr" >&2; return $rc; }
  }
  tail -n 1 "$out"
}

rules_seconds() {
  python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print("%.1f" % sum(r["seconds"] for r in m["rules"]["per_rule"]))' "$1/manifest.json"
}

printf '%-8s %10s %9s | %-22s %9s %9s %9s %9s | %9s %9s %7s\n' users sign-ins parquet run analyze_s rules_s peak_MiB incidents core_s duckdb_s ratio
first=1
for users in $sizes; do
  dir=$root/u${users}d${days}
  if [ ! -f "$dir/.done" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    "$bin" -q generate --out "$dir/tree" --users "$users" --days "$days" --rate 8 --formats azure-monitor --noise
    "$bin" -q ingest "$dir/tree" --out "$dir/ds"
    rm -rf "$dir/tree"
    touch "$dir/.done"
  fi
  rows=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tables"]["signins"]["loaded"])' "$dir/ds/manifest.json")
  size=$(du -smL "$dir/ds" | cut -f1)

  runs=("bounded --memory-limit $limit")
  [ $first = 1 ] && runs+=("memory --memory-limit 1T")
  for run in "${runs[@]}"; do
    name=${run%% *}
    flags=${run#* }
    # shellcheck disable=SC2086
    read -r secs kib < <(timed "$bin" -q analyze "$dir/ds" --out "$dir/out-$name" --force $flags)
    incidents=$(($(wc -l < "$dir/out-$name/incidents.csv") - 1))
    # the four core rules alone, and DuckDB's four equivalent queries
    # shellcheck disable=SC2086
    read -r core_s _ < <(timed "$bin" -q detect "$dir/ds" --rules "$core/rules" --out "$dir/core-$name" --force $flags)
    duck=-; ratio=-
    if python3 -c 'import duckdb' 2>/dev/null; then
      read -r duck _ < <(timed python3 scripts/scale-duckdb.py "$dir/ds")
      ratio=$(python3 -c "print('%.2f' % ($core_s / $duck))")
    fi
    printf '%-8s %10s %8sM | %-22s %9s %9s %9s %9s | %9s %9s %7s\n' "$users" "$rows" "$size" "$name (${flags#--memory-limit })" \
      "$secs" "$(rules_seconds "$dir/out-$name")" "$((kib / 1024))" "$incidents" "$core_s" "$duck" "$ratio"
  done
  if [ $first = 1 ]; then
    for f in findings.jsonl incidents.csv remediation.csv scope.csv; do
      cmp -s "$dir/out-bounded/$f" "$dir/out-memory/$f" || { echo "MISMATCH: $f differs between bounded and in-memory" >&2; exit 1; }
    done
    echo "bounded and in-memory runs: findings, incidents, remediation and scope byte-identical"
  fi
  first=0
done
echo "ratio = entrascope detect with the four core rules (load, baseline, enrichment and rules) / DuckDB's four bare queries, same parquet, same run (lower is better)"
