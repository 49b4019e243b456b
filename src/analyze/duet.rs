//! DUET — "did you expect this?": findings of `kind: duet` become questions for the
//! customer instead of alerts.
//!
//! `duet.csv` lists each open question with an empty `answer` column. Filled in
//! (`expected` | `unexpected`) and passed back with `--duet-answers`, expected items are
//! suppressed and unexpected ones are escalated to detections, which then join incidents
//! like any other finding. A question's id is its finding id: stable for the same data.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Serialize;

use crate::detect::{Finding, Kind, Severity};

/// The customer's answer to one question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Answer {
    Expected,
    Unexpected,
}

/// Read answers from a filled-in `duet.csv` (or any CSV with `question_id` and `answer`).
pub fn load_answers(path: &Path) -> Result<BTreeMap<String, Answer>> {
    let mut rdr = csv::Reader::from_path(path).with_context(|| {
        format!("cannot read DUET answers {}; pass the duet.csv you filled in", path.display())
    })?;
    let headers = rdr.headers()?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
    let (Some(qi), Some(ai)) = (col("question_id"), col("answer")) else {
        bail!("{} needs `question_id` and `answer` columns (the duet.csv entrascope wrote)", path.display());
    };
    let mut out = BTreeMap::new();
    for (n, rec) in rdr.records().enumerate() {
        let rec = rec.with_context(|| format!("{}: unreadable row {}", path.display(), n + 2))?;
        let id = rec.get(qi).unwrap_or("").trim().trim_start_matches('\'');
        let answer = match rec.get(ai).unwrap_or("").trim().to_ascii_lowercase().as_str() {
            "" => continue,
            "expected" => Answer::Expected,
            "unexpected" => Answer::Unexpected,
            other => bail!(
                "{} line {}: answer {other:?} for {id}; write expected or unexpected (or leave it empty)",
                path.display(),
                n + 2
            ),
        };
        out.insert(id.to_string(), answer);
    }
    Ok(out)
}

/// What applying the answers did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    pub open: usize,
    pub suppressed: usize,
    pub escalated: usize,
    /// Answers whose question was not among this run's findings.
    pub unmatched: Vec<String>,
}

/// Suppress expected items and escalate unexpected ones to detections.
pub fn apply(findings: &mut Vec<Finding>, answers: &BTreeMap<String, Answer>) -> Outcome {
    let mut out = Outcome::default();
    let mut matched = std::collections::BTreeSet::new();
    findings.retain_mut(|f| {
        if f.kind != Kind::Duet {
            return true;
        }
        match answers.get(&f.finding_id) {
            Some(Answer::Expected) => {
                matched.insert(f.finding_id.clone());
                out.suppressed += 1;
                false
            }
            Some(Answer::Unexpected) => {
                matched.insert(f.finding_id.clone());
                out.escalated += 1;
                f.kind = Kind::Detection;
                f.severity = f.severity.max(Severity::Medium).raised();
                f.title = format!("Unexpected per customer: {}", f.title);
                if !f.remediation.iter().any(|r| r == "revoke_sessions")
                    && f.principals.iter().any(|p| p.contains('@'))
                {
                    f.remediation.push("revoke_sessions".into());
                }
                f.remediation.retain(|r| r != "ask_customer");
                true
            }
            None => {
                out.open += 1;
                true
            }
        }
    });
    out.unmatched = answers.keys().filter(|k| !matched.contains(*k)).cloned().collect();
    out
}

pub const CSV_HEADER: [&str; 11] = [
    "question_id",
    "rule_id",
    "severity",
    "question",
    "who",
    "what",
    "first_seen",
    "last_seen",
    "where",
    "evidence",
    "answer",
];

/// One open question as a CSV row.
pub fn csv_row(f: &Finding) -> Vec<String> {
    let mut place = f.ips.clone();
    for key in ["countries", "country"] {
        match f.evidence.get(key) {
            Some(serde_json::Value::String(s)) => place.push(s.clone()),
            Some(serde_json::Value::Array(a)) => {
                place.extend(a.iter().filter_map(|v| v.as_str().map(str::to_string)))
            }
            _ => {}
        }
    }
    let evidence: Vec<String> = f
        .records
        .iter()
        .map(|r| {
            format!("{}:{}", r.source_file.as_deref().unwrap_or("?"), r.source_record.unwrap_or_default())
        })
        .collect();
    vec![
        f.finding_id.clone(),
        f.rule_id.clone(),
        f.severity.name().to_string(),
        format!("Did you expect this? {}", f.title),
        f.principals.join(";"),
        f.summary.clone(),
        crate::ingest::time::format_rfc3339(f.first_seen),
        crate::ingest::time::format_rfc3339(f.last_seen),
        place.join(";"),
        evidence.join(";"),
        String::new(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn duet(id: &str) -> Finding {
        Finding {
            finding_id: id.into(),
            rule_id: "DUET-X".into(),
            kind: Kind::Duet,
            severity: Severity::Low,
            title: "Thing".into(),
            first_seen: 0,
            last_seen: 0,
            principals: vec!["u@x.com".into()],
            ips: vec![],
            techniques: vec![],
            tactics: vec![],
            remediation: vec!["ask_customer".into()],
            access: crate::detect::Access::GotIn,
            evidence_count: 1,
            summary: String::new(),
            evidence: Default::default(),
            records: vec![],
            record_ids: vec![],
        }
    }

    #[test]
    fn expected_is_suppressed_unexpected_escalates() {
        let mut fs = vec![duet("a"), duet("b"), duet("c")];
        let answers = BTreeMap::from([
            ("a".to_string(), Answer::Expected),
            ("b".to_string(), Answer::Unexpected),
            ("zz".to_string(), Answer::Expected),
        ]);
        let o = apply(&mut fs, &answers);
        assert_eq!((o.open, o.suppressed, o.escalated), (1, 1, 1));
        assert_eq!(o.unmatched, vec!["zz"]);
        assert_eq!(fs.len(), 2);
        let b = fs.iter().find(|f| f.finding_id == "b").unwrap();
        assert_eq!((b.kind, b.severity), (Kind::Detection, Severity::High));
        assert_eq!(b.remediation, vec!["revoke_sessions"]);
    }

    #[test]
    fn answers_file_is_validated() {
        let p = std::env::temp_dir().join(format!("entrascope-duet-{}.csv", std::process::id()));
        std::fs::write(&p, "question_id,answer\nF-1,Expected\nF-2,\nF-3,maybe\n").unwrap();
        let err = load_answers(&p).unwrap_err().to_string();
        assert!(err.contains("maybe") && err.contains("line 4"), "{err}");
        std::fs::write(&p, "question_id,answer\n'F-1,unexpected\nF-2,\n").unwrap();
        assert_eq!(load_answers(&p).unwrap(), BTreeMap::from([("F-1".to_string(), Answer::Unexpected)]));
    }
}
