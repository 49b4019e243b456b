//! `findings.csv` and `findings.jsonl`: the detection output contract.

use std::path::Path;

use anyhow::Result;

use crate::detect::Finding;
use crate::ingest::time::format_rfc3339;

pub const CSV_HEADER: [&str; 12] = [
    "finding_id",
    "rule_id",
    "kind",
    "severity",
    "title",
    "first_seen",
    "last_seen",
    "principals",
    "ips",
    "techniques",
    "evidence_count",
    "summary",
];

/// One CSV row of a finding (multi-valued cells joined with `;`).
pub fn csv_row(f: &Finding) -> Vec<String> {
    vec![
        f.finding_id.clone(),
        f.rule_id.clone(),
        f.kind.name().to_string(),
        f.severity.name().to_string(),
        f.title.clone(),
        format_rfc3339(f.first_seen),
        format_rfc3339(f.last_seen),
        f.principals.join(";"),
        f.ips.join(";"),
        f.techniques.join(";"),
        f.evidence_count.to_string(),
        f.summary.clone(),
    ]
}

/// Write both files into `dir`.
pub fn write(dir: &Path, findings: &[Finding]) -> Result<()> {
    super::write_csv(&dir.join("findings.csv"), &CSV_HEADER, findings.iter().map(csv_row))?;
    super::write_jsonl(&dir.join("findings.jsonl"), findings)
}
