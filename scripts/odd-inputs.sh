#!/usr/bin/env bash
# Odd inputs at scale: each must finish with bounded memory and a reconciliation that adds
# up. Prints, per case, the time, peak RSS and the summary's reconciliation line.
#
#   100,000 tiny files · one 100 MB CSV line · a zip of 50,000 entries ·
#   a tar with hard links and device entries · a directory with an unreadable file
#
# Usage: scripts/odd-inputs.sh [path/to/entrascope]   (build first: cargo build --release)
# Env: ODD_DIR (default /tmp/entrascope-odd).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-target/release/entrascope}")
dir=${ODD_DIR:-/tmp/entrascope-odd}
rm -rf "$dir" && mkdir -p "$dir"

python3 - "$dir" <<'PY'
import io, json, os, sys, tarfile, zipfile
d = sys.argv[1]
def rec(i):
    return json.dumps({"id": f"odd-{i}", "createdDateTime": "2026-10-05T10:00:00Z",
                       "userPrincipalName": f"u{i % 500}@fabrikam.example", "ipAddress": "198.51.100.7",
                       "status": {"errorCode": 0}, "appDisplayName": "Office 365"})
# 100,000 tiny files, one record each
tiny = os.path.join(d, "tiny")
for i in range(100_000):
    sub = os.path.join(tiny, f"{i // 1000:03d}")
    if i % 1000 == 0:
        os.makedirs(sub)
    with open(os.path.join(sub, f"{i}.json"), "w") as f:
        f.write(rec(i))
# one 100 MB CSV line between two good rows
os.makedirs(os.path.join(d, "longline"))
with open(os.path.join(d, "longline", "signins.csv"), "w") as f:
    f.write("TimeGenerated [UTC],Id,Type,UserPrincipalName,ResultType\n")
    f.write('"5/1/2024, 10:00:00.000 AM",l1,SigninLogs,a@x.com,0\n')
    f.write('"5/1/2024, 10:00:01.000 AM",l2,SigninLogs,"' + "A" * (100 << 20) + '",0\n')
    f.write('"5/1/2024, 10:00:02.000 AM",l3,SigninLogs,b@x.com,0\n')
# a zip of 50,000 entries
os.makedirs(os.path.join(d, "zip"))
with zipfile.ZipFile(os.path.join(d, "zip", "many.zip"), "w", zipfile.ZIP_DEFLATED) as z:
    for i in range(50_000):
        z.writestr(f"pages/{i}.json", rec(i))
# a tar with a hard link, a symlink and a device entry
os.makedirs(os.path.join(d, "tar"))
with tarfile.open(os.path.join(d, "tar", "odd.tar"), "w") as t:
    data = rec(1).encode()
    ti = tarfile.TarInfo("a.json"); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
    for name, kind in (("hard.json", tarfile.LNKTYPE), ("soft.json", tarfile.SYMTYPE), ("dev", tarfile.CHRTYPE)):
        ti = tarfile.TarInfo(name); ti.type = kind; ti.linkname = "a.json"; t.addfile(ti)
# an unreadable file beside a good one
os.makedirs(os.path.join(d, "unreadable"))
with open(os.path.join(d, "unreadable", "good.json"), "w") as f:
    f.write(rec(7))
with open(os.path.join(d, "unreadable", "secret.json"), "w") as f:
    f.write(rec(8))
os.chmod(os.path.join(d, "unreadable", "secret.json"), 0)
PY

for case in tiny longline zip tar unreadable; do
  set +e
  /usr/bin/time -f "%e %M" -o "$dir/time.txt" "$bin" ingest "$dir/$case" --out "$dir/$case-ds" > "$dir/$case.log" 2>&1
  code=$?
  set -e
  read -r secs kb < <(tail -n 1 "$dir/time.txt")
  echo "$case: exit $code, ${secs} s, peak RSS $((kb / 1024)) MiB"
  grep -E "^records:|skipped|reject" "$dir/$case.log" | head -n 4 | sed 's/^/    /'
done
