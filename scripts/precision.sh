#!/usr/bin/env bash
# Precision and recall of the detections on a generated tenant with the ordinary noise of a
# real one (`generate --noise`), analysed the way a case starts: without a policy file.
#
# Two tenants from the same seed: with the injected attacks and without them. Each is
# analysed with the learned baseline (the default) and with --no-baseline. Printed: findings
# by rule and severity, incidents by severity, the recall of the injected attacks (found at
# least at the severity they must have), high/critical incidents with no attack behind them,
# and findings on the listed noise events.
#
# Usage: scripts/precision.sh [path/to/entrascope]   (build first: cargo build --release)
# Env: USERS (default 3000), DAYS (30), PRECISION_DIR (/tmp/entrascope-precision).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-target/release/entrascope}")
users=${USERS:-3000}
days=${DAYS:-30}
dir=${PRECISION_DIR:-/tmp/entrascope-precision}/u${users}d${days}
mkdir -p "$dir"

for variant in attacks quiet; do
  if [ ! -f "$dir/$variant.done" ]; then
    rm -rf "$dir/$variant-tree" "$dir/$variant-ds"
    extra=()
    [ "$variant" = quiet ] && extra=(--no-attacks)
    "$bin" -q generate --out "$dir/$variant-tree" --users "$users" --days "$days" --rate 8 \
      --formats azure-monitor --noise ${extra[@]+"${extra[@]}"}
    "$bin" -q ingest "$dir/$variant-tree" --out "$dir/$variant-ds"
    touch "$dir/$variant.done"
  fi
  for mode in baseline no-baseline; do
    out="$dir/$variant-$mode"
    flags=()
    [ "$mode" = no-baseline ] && flags=(--no-baseline)
    set +e
    /usr/bin/time -f "%e %M" -o "$dir/time.txt" "$bin" -q analyze "$dir/$variant-ds" --out "$out" --force ${flags[@]+"${flags[@]}"}
    set -e
    read -r secs kb < <(tail -n 1 "$dir/time.txt")
    echo "analyze $variant ($mode): ${secs} s, peak RSS $((kb / 1024)) MiB"
  done
done

python3 - "$dir" <<'PY'
import csv, json, sys, collections
d = sys.argv[1]
SEV = ["info", "low", "medium", "high", "critical"]
rank = {s: i for i, s in enumerate(SEV)}
# The severity each injected attack must keep (what it had before the recalibration).
MUST = {
    "password-spray": "critical", "illicit-consent-grant": "critical", "device-code-phishing": "critical",
    "privilege-escalation": "critical", "aitm-token-replay": "critical", "mfa-fatigue": "high",
    "legacy-auth-spray": "high", "impossible-travel": "medium", "disabled-account-attempts": "medium",
    "service-principal-new-credential": "medium",
}
truth = json.load(open(f"{d}/attacks-tree/ground-truth.json"))

def load(run):
    inc = list(csv.DictReader(open(f"{d}/{run}/incidents.csv")))
    fs = [json.loads(l) for l in open(f"{d}/{run}/findings.jsonl")]
    return inc, fs

def cells(v):
    return {x.strip().lower() for x in (v if isinstance(v, list) else str(v or "").split(";")) if x.strip()}

def about(entry, principals, ips):
    return bool(cells(entry.get("users", [])) & principals) or bool(cells(entry.get("ips", [])) & ips)

for variant in ["attacks", "quiet"]:
    for mode in ["baseline", "no-baseline"]:
        run = f"{variant}-{mode}"
        inc, fs = load(run)
        dets = [f for f in fs if f["kind"] == "detection"]
        print(f"\n=== {variant} tenant, {mode}: {len(inc)} incidents, {len(dets)} detection findings")
        print("incidents by severity:", dict(collections.Counter(i["severity"] for i in inc)))
        by_rule = collections.Counter((f["rule_id"], f["severity"]) for f in dets)
        rows = sorted(by_rule.items(), key=lambda kv: (-rank[kv[0][1]], -kv[1], kv[0][0]))
        print("detections by rule and severity:", ", ".join(f"{r} {s} {n}" for (r, s), n in rows[:40]))
        scen = truth["scenarios"] if variant == "attacks" else []
        noise = truth.get("noise", []) + truth.get("benign", [])
        # recall: an attack is found when a detection names its users or IPs; at its severity
        # when some incident holding such a finding is at least the required severity
        fid_inc = {fid: i for i in inc for fid in i["finding_ids"].split(";")}
        found, at_sev, missed = 0, 0, []
        for s in scen:
            hits = [f for f in dets if about(s, cells(f["principals"]), cells(f["ips"]))]
            if hits:
                found += 1
                best = max((rank[fid_inc[f["finding_id"]]["severity"]] for f in hits if f["finding_id"] in fid_inc), default=-1)
                if best >= rank[MUST.get(s["name"], "low")]:
                    at_sev += 1
                else:
                    missed.append(f'{s["name"]} (got {SEV[best] if best >= 0 else "no incident"}, needs {MUST.get(s["name"])})')
            else:
                missed.append(f'{s["name"]} (not found)')
        if scen:
            print(f"recall: {found}/{len(scen)} found, {at_sev}/{len(scen)} at their severity; missed: {missed or 'none'}")
        # high/critical incidents with no attack behind them
        unexplained = []
        for i in inc:
            if rank[i["severity"]] < rank["high"]:
                continue
            p, ip = cells(i["principals"]), cells(i["ips"])
            if not any(about(s, p, ip) for s in scen):
                unexplained.append(f'{i["incident_id"]} {i["severity"]} {i["title"][:90]}')
        print(f"high/critical incidents without an attack: {len(unexplained)}", *unexplained[:10], sep="\n  ")
        medium = sum(1 for i in inc if i["severity"] == "medium")
        print(f"medium incidents: {medium}")
        # each finding counted once, on the first noise event it is about (not an attack)
        on_noise = collections.Counter()
        for f in dets:
            p, ip = cells(f["principals"]), cells(f["ips"])
            if any(about(s, p, ip) for s in scen):
                continue
            hit = next((n for n in noise if about(n, p, ip)), None)
            if hit is not None:
                on_noise[(hit["name"], f["rule_id"], f["severity"])] += 1
        print("detection findings on noise / benign events (each counted once):", sum(on_noise.values()))
        for (n, r, s), c in sorted(on_noise.items(), key=lambda kv: -kv[1])[:15]:
            print(f"  {n}: {r} {s} x{c}")
PY
