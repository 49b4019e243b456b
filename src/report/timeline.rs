//! The events behind every incident: each finding, and each evidence record it cites
//! (looked up by id in the tables), as one time-ordered list — `timeline.csv` in the
//! Timesketch import format, and the evidence rows of the HTML report.

use std::collections::BTreeMap;

use anyhow::Result;
use polars::prelude::*;

use super::outputs::TimelineEvent;
use crate::analyze::correlate::Incident;
use crate::detect::Finding;
use crate::enrich::{in_list, Enriched};
use crate::ingest::time::format_rfc3339;
use crate::schema::Table;

/// One evidence record, rendered as a sentence, with its decoded changes for audits.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Record {
    pub time: Option<i64>,
    pub table: &'static str,
    pub message: String,
    pub principal: String,
    pub ip: String,
    pub details: String,
    pub source_file: String,
    pub source_record: String,
}

fn s(df: &DataFrame, c: &str, i: usize) -> String {
    df.column(c)
        .ok()
        .and_then(|c| c.str().ok().and_then(|x| x.get(i).map(str::to_string)))
        .unwrap_or_default()
}

/// A record as (sentence, principal, IP, details) for timelines.
pub fn describe(table: Table, df: &DataFrame, i: usize) -> (String, String, String, String) {
    let code = df.column("error_code").ok().and_then(|c| c.i64().ok().and_then(|x| x.get(i)));
    match table {
        Table::SignIns => {
            let who = {
                let u = s(df, "user_principal_name", i);
                if u.is_empty() {
                    s(df, "service_principal_name", i)
                } else {
                    u
                }
            };
            let msg = format!(
                "{} sign-in {} ({}) by {} from {} ({}) to {}{}",
                s(df, "category", i).replace('_', "-"),
                s(df, "result", i),
                code.map_or("-".into(), |c| c.to_string()),
                who,
                s(df, "ip_address", i),
                s(df, "country", i),
                s(df, "app_display_name", i),
                match s(df, "user_agent", i) {
                    ua if ua.is_empty() => String::new(),
                    ua => format!(" [{ua}]"),
                }
            );
            (msg, who, s(df, "ip_address", i), s(df, "failure_reason", i))
        }
        Table::Audits => {
            let actor = {
                let a = s(df, "actor_upn", i);
                if a.is_empty() {
                    s(df, "actor_app_name", i)
                } else {
                    a
                }
            };
            let target = {
                let t = s(df, "target_upn", i);
                if t.is_empty() {
                    s(df, "target_name", i)
                } else {
                    t
                }
            };
            let msg = format!("{} by {} on {} ({})", s(df, "activity", i), actor, target, s(df, "result", i));
            (msg, actor, s(df, "ip_address", i), s(df, "changes", i))
        }
        Table::RiskDetections => {
            // Workload-identity detections name a service principal instead of a user.
            let who = match s(df, "user_principal_name", i) {
                u if u.is_empty() => s(df, "service_principal_name", i),
                u => u,
            };
            let msg = format!(
                "risk detection {} ({}, {}) for {} from {}",
                s(df, "risk_event_type", i),
                s(df, "risk_level", i),
                s(df, "detection_timing", i),
                who,
                s(df, "ip_address", i)
            );
            (msg, who, s(df, "ip_address", i), s(df, "additional_info", i))
        }
        Table::RiskyUsers => {
            let msg = format!(
                "risky user {} at {} ({})",
                s(df, "user_principal_name", i),
                s(df, "risk_level", i),
                s(df, "risk_state", i)
            );
            (msg, s(df, "user_principal_name", i), String::new(), s(df, "risk_detail", i))
        }
        Table::GraphActivity => {
            // Enriched frames carry the caller's UPN; raw dataset frames only the ids.
            let who =
                [s(df, "user_principal_name", i), s(df, "user_id", i), s(df, "service_principal_id", i)]
                    .into_iter()
                    .find(|x| !x.is_empty())
                    .unwrap_or_default();
            let status = df.column("response_status").ok().and_then(|c| c.i64().ok().and_then(|x| x.get(i)));
            let msg = format!(
                "Graph {} {} ({}) by {} from {}",
                s(df, "request_method", i),
                s(df, "resource_path", i),
                status.map_or("-".into(), |c| c.to_string()),
                who,
                s(df, "ip_address", i)
            );
            (msg, who, s(df, "ip_address", i), s(df, "request_uri", i))
        }
        Table::Provisioning => {
            let msg = format!(
                "provisioning {} of {} to {} ({})",
                s(df, "action", i),
                s(df, "source_identity_name", i),
                s(df, "target_system", i),
                s(df, "status", i)
            );
            (msg, s(df, "source_upn", i), String::new(), s(df, "error_reason", i))
        }
        Table::RiskyServicePrincipals => {
            let msg = format!(
                "risky service principal {} at {} ({})",
                s(df, "service_principal_name", i),
                s(df, "risk_level", i),
                s(df, "risk_state", i)
            );
            (msg, s(df, "service_principal_name", i), String::new(), s(df, "risk_detail", i))
        }
    }
}

/// Look up every cited record id once.
pub fn records(findings: &[Finding], en: &Enriched) -> Result<BTreeMap<String, Record>> {
    let mut ids: Vec<String> = findings.iter().flat_map(|f| f.record_ids.iter().cloned()).collect();
    ids.sort();
    ids.dedup();
    let mut out = BTreeMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    for t in Table::ALL {
        let df = en.table(t).filter(in_list(col("id"), &ids)).collect()?;
        let times = df.column("time")?.datetime()?.physical().clone();
        for i in 0..df.height() {
            let id = s(&df, "id", i);
            let (message, principal, ip, details) = describe(t, &df, i);
            out.entry(id).or_insert(Record {
                time: times.get(i),
                table: t.name(),
                message,
                principal,
                ip,
                details,
                source_file: s(&df, "source_file", i),
                source_record: df
                    .column("source_record")
                    .ok()
                    .and_then(|c| c.i64().ok().and_then(|x| x.get(i)))
                    .map_or(String::new(), |n| n.to_string()),
            });
        }
    }
    Ok(out)
}

/// The incident timeline: findings and their evidence records, time-ordered.
pub fn events(
    incidents: &[Incident],
    findings: &[Finding],
    recs: &BTreeMap<String, Record>,
) -> Vec<TimelineEvent> {
    let by_id: BTreeMap<&str, &Finding> = findings.iter().map(|f| (f.finding_id.as_str(), f)).collect();
    let mut out = Vec::new();
    for inc in incidents {
        for fid in &inc.finding_ids {
            let Some(f) = by_id.get(fid.as_str()) else { continue };
            out.push(TimelineEvent {
                datetime: format_rfc3339(f.first_seen),
                message: format!("[{}] {}", f.rule_id, f.summary),
                timestamp_desc: "Finding first seen".into(),
                incident_id: inc.incident_id.clone(),
                finding_id: f.finding_id.clone(),
                rule_id: f.rule_id.clone(),
                table: String::new(),
                principal: f.principals.join(";"),
                ip: f.ips.join(";"),
                source_file: String::new(),
                source_record: String::new(),
            });
            for rid in &f.record_ids {
                let Some(r) = recs.get(rid) else { continue };
                let Some(t) = r.time else { continue };
                out.push(TimelineEvent {
                    datetime: format_rfc3339(t),
                    message: r.message.clone(),
                    timestamp_desc: "Event time".into(),
                    incident_id: inc.incident_id.clone(),
                    finding_id: f.finding_id.clone(),
                    rule_id: f.rule_id.clone(),
                    table: r.table.to_string(),
                    principal: r.principal.clone(),
                    ip: r.ip.clone(),
                    source_file: r.source_file.clone(),
                    source_record: r.source_record.clone(),
                });
            }
        }
    }
    out.sort();
    out.dedup();
    out
}
