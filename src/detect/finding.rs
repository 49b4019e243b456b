//! Findings: the rows rules return, in one shape every later stage understands.
//!
//! A rule's result frame must carry the core columns (`first_seen`, `last_seen`,
//! `principals`, `ips`, `evidence_count`, `summary`); it may carry `severity` (an override)
//! and `record_ids` (ids of the evidence records in the rule's first table). Every other
//! column is kept as that finding's evidence.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use polars::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::rule::{Access, Kind, Rule, Severity};
use crate::ingest::time::format_rfc3339;

/// The columns every rule must return.
pub const CORE_COLUMNS: [&str; 6] =
    ["first_seen", "last_seen", "principals", "ips", "evidence_count", "summary"];
/// Optional columns with a meaning of their own.
pub const SEVERITY_COLUMN: &str = "severity";
pub const RECORD_IDS_COLUMN: &str = "record_ids";
/// Optional: per row, whether the principals got in (true), were only targeted (false).
pub const ACCESS_COLUMN: &str = "access";

/// Where an evidence record came from.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct RecordRef {
    pub table: String,
    pub id: String,
    pub source_file: Option<String>,
    pub source_record: Option<i64>,
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub finding_id: String,
    pub rule_id: String,
    pub kind: Kind,
    pub severity: Severity,
    pub title: String,
    #[serde(serialize_with = "ser_time")]
    pub first_seen: i64,
    #[serde(serialize_with = "ser_time")]
    pub last_seen: i64,
    pub principals: Vec<String>,
    pub ips: Vec<String>,
    pub techniques: Vec<String>,
    pub tactics: Vec<String>,
    pub remediation: Vec<String>,
    /// What the finding says about its principals (drives remediation tiers).
    pub access: Access,
    pub evidence_count: i64,
    pub summary: String,
    pub evidence: BTreeMap<String, serde_json::Value>,
    pub records: Vec<RecordRef>,
    #[serde(skip)]
    pub record_ids: Vec<String>,
}

fn ser_time<S: serde::Serializer>(t: &i64, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&format_rfc3339(*t))
}

/// Check that a rule's output schema satisfies the contract; returns the problems.
pub fn check_schema(schema: &Schema) -> Vec<String> {
    let mut problems = Vec::new();
    for c in CORE_COLUMNS {
        match schema.get(c) {
            None => problems.push(format!("missing required output column `{c}`")),
            Some(dt) => {
                let ok = match c {
                    "first_seen" | "last_seen" => matches!(dt, DataType::Datetime(_, _)),
                    "principals" | "ips" => {
                        matches!(dt, DataType::String | DataType::Null)
                            || matches!(dt, DataType::List(inner) if matches!(**inner, DataType::String | DataType::Null))
                    }
                    "evidence_count" => dt.is_integer(),
                    "summary" => matches!(dt, DataType::String),
                    _ => true,
                };
                if !ok {
                    problems.push(format!("column `{c}` has type {dt}, expected {}", expected(c)));
                }
            }
        }
    }
    if let Some(dt) = schema.get(SEVERITY_COLUMN) {
        if !matches!(dt, DataType::String) {
            problems.push(format!("column `severity` has type {dt}, expected str"));
        }
    }
    if let Some(dt) = schema.get(ACCESS_COLUMN) {
        if !matches!(dt, DataType::Boolean) {
            problems.push(format!("column `access` has type {dt}, expected bool"));
        }
    }
    problems
}

fn expected(c: &str) -> &'static str {
    match c {
        "first_seen" | "last_seen" => "a datetime (e.g. MIN(time))",
        "principals" | "ips" => "str or list[str] (e.g. ARRAY_AGG(DISTINCT x))",
        "evidence_count" => "an integer (e.g. COUNT(*))",
        _ => "str",
    }
}

/// Text values of a str or list[str] cell.
fn strings(v: AnyValue<'_>) -> Vec<String> {
    let mut out: Vec<String> = match v {
        AnyValue::Null => Vec::new(),
        // A text cell may hold several values joined with `;` (STRING_AGG, concat_str).
        AnyValue::String(s) => s.split(';').map(|x| x.trim().to_string()).collect(),
        AnyValue::StringOwned(s) => s.split(';').map(|x| x.trim().to_string()).collect(),
        AnyValue::List(s) => {
            s.str().map(|ca| ca.iter().flatten().map(str::to_string).collect()).unwrap_or_default()
        }
        other => vec![other.to_string()],
    };
    out.retain(|s| !s.is_empty());
    out.sort();
    out.dedup();
    out
}

fn micros(v: AnyValue<'_>) -> Option<i64> {
    match v {
        AnyValue::Datetime(t, unit, _) | AnyValue::DatetimeOwned(t, unit, _) => Some(match unit {
            TimeUnit::Nanoseconds => t / 1000,
            TimeUnit::Microseconds => t,
            TimeUnit::Milliseconds => t * 1000,
        }),
        _ => None,
    }
}

/// An evidence cell as JSON.
pub fn to_json(v: AnyValue<'_>) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        AnyValue::Null => J::Null,
        AnyValue::Boolean(b) => J::Bool(b),
        AnyValue::String(s) => J::String(s.to_string()),
        AnyValue::StringOwned(s) => J::String(s.to_string()),
        AnyValue::Int8(i) => J::from(i),
        AnyValue::Int16(i) => J::from(i),
        AnyValue::Int32(i) => J::from(i),
        AnyValue::Int64(i) => J::from(i),
        AnyValue::UInt8(i) => J::from(i),
        AnyValue::UInt16(i) => J::from(i),
        AnyValue::UInt32(i) => J::from(i),
        AnyValue::UInt64(i) => J::from(i),
        AnyValue::Float32(f) => serde_json::Number::from_f64(f64::from(f)).map_or(J::Null, J::Number),
        AnyValue::Float64(f) => {
            serde_json::Number::from_f64((f * 1e6).round() / 1e6).map_or(J::Null, J::Number)
        }
        v @ (AnyValue::Datetime(..) | AnyValue::DatetimeOwned(..)) => {
            micros(v).map_or(J::Null, |t| J::String(format_rfc3339(t)))
        }
        AnyValue::List(s) => J::Array(s.iter().map(|x| to_json(x.into_static())).collect()),
        other => J::String(other.to_string()),
    }
}

/// Turn one rule's result frame into findings.
pub fn from_frame(rule: &Rule, df: &DataFrame) -> Result<Vec<Finding>> {
    let problems = check_schema(df.schema());
    if !problems.is_empty() {
        bail!("rule {} returned an invalid result: {}", rule.meta.id, problems.join("; "));
    }
    let df = df.clone();
    let extra: Vec<&str> = df
        .get_column_names()
        .into_iter()
        .map(|s| s.as_str())
        .filter(|c| {
            !CORE_COLUMNS.contains(c)
                && *c != SEVERITY_COLUMN
                && *c != RECORD_IDS_COLUMN
                && *c != ACCESS_COLUMN
        })
        .collect();
    let count = df.column("evidence_count")?.cast(&DataType::Int64)?;
    let mut out = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let get =
            |c: &str| Context::with_context(df.column(c).and_then(|s| s.get(i)), || format!("reading {c}"));
        let first_seen = micros(get("first_seen")?).unwrap_or_default();
        let last_seen = micros(get("last_seen")?).unwrap_or(first_seen);
        let severity = match df.column(SEVERITY_COLUMN) {
            Ok(c) => match c.get(i)?.get_str() {
                Some(s) => Severity::parse(s).with_context(|| {
                    format!(
                        "rule {} returned severity {s:?}; use info, low, medium, high or critical",
                        rule.meta.id
                    )
                })?,
                None => rule.meta.severity,
            },
            Err(_) => rule.meta.severity,
        };
        let access = match df.column(ACCESS_COLUMN) {
            Ok(c) => match c.get(i)? {
                AnyValue::Boolean(true) => Access::GotIn,
                AnyValue::Boolean(false) => Access::Targeted,
                _ => rule.meta.default_access(),
            },
            Err(_) => rule.meta.default_access(),
        };
        let record_ids = match df.column(RECORD_IDS_COLUMN) {
            Ok(c) => strings(c.get(i)?),
            Err(_) => Vec::new(),
        };
        let mut evidence = BTreeMap::new();
        for c in &extra {
            evidence.insert(c.to_string(), to_json(get(c)?.into_static()));
        }
        let summary = match get("summary")? {
            AnyValue::String(s) => s.to_string(),
            AnyValue::StringOwned(s) => s.to_string(),
            _ => String::new(),
        };
        out.push(Finding {
            finding_id: String::new(),
            rule_id: rule.meta.id.clone(),
            kind: rule.meta.kind,
            severity,
            title: rule.meta.title.clone(),
            first_seen,
            last_seen,
            principals: strings(get("principals")?),
            ips: strings(get("ips")?),
            techniques: rule.meta.techniques.clone(),
            tactics: rule.meta.tactics.clone(),
            remediation: rule.meta.remediation.clone(),
            access,
            evidence_count: count.i64()?.get(i).unwrap_or(0),
            summary,
            evidence,
            records: Vec::new(),
            record_ids,
        });
    }
    Ok(out)
}

/// Sort findings deterministically and give each a stable id derived from its content.
pub fn finalise(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.first_seen, &a.rule_id, &a.principals, &a.ips, &a.summary).cmp(&(
            b.first_seen,
            &b.rule_id,
            &b.principals,
            &b.ips,
            &b.summary,
        ))
    });
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for f in findings.iter_mut() {
        let mut h = Sha256::new();
        for part in [
            f.rule_id.as_str(),
            &f.first_seen.to_string(),
            &f.principals.join(";"),
            &f.ips.join(";"),
            &f.summary,
        ] {
            h.update(part.as_bytes());
            h.update([0x1f]);
        }
        let base: String = h.finalize()[..5].iter().map(|b| format!("{b:02x}")).collect();
        let n = seen.entry(base.clone()).or_insert(0);
        *n += 1;
        f.finding_id = if *n == 1 { format!("F-{base}") } else { format!("F-{base}-{n}") };
    }
}
