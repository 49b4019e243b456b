//! Dossiers: everything the logs say about one user or one IP address.
//!
//! The tables are first cut down to the rows about the entity (a filter polars pushes into
//! the parquet scan, so only those rows are materialised), enriched (IP networks, intel,
//! tool fingerprints), and then each section is one SQL query over those rows — the same
//! language as the rules, so an analyst can read exactly how a fact was derived.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, Result};
use polars::prelude::*;
use polars::sql::SQLContext;

use crate::dataset::Dataset;
use crate::enrich::{self, intel::Indicator, Knowledge};
use crate::schema::Table;

/// What a dossier is about.
#[derive(Debug, Clone)]
pub enum Subject {
    /// A UPN (case-insensitive) or an object id.
    User(String),
    /// An address or a CIDR.
    Ip(String),
}

impl Subject {
    pub fn label(&self) -> &str {
        match self {
            Subject::User(u) | Subject::Ip(u) => u,
        }
    }

    /// Whether a finding's or incident's principals / IPs name the subject.
    pub fn named_in<'a>(
        &self,
        mut principals: impl Iterator<Item = &'a str>,
        mut ips: impl Iterator<Item = &'a str>,
    ) -> bool {
        match self {
            Subject::User(u) => principals.any(|p| p.eq_ignore_ascii_case(u)),
            Subject::Ip(ip) => match crate::enrich::net::Cidr::parse(ip) {
                Some(c) => ips.any(|a| crate::enrich::net::parse_ip(a).is_some_and(|a| c.contains(a))),
                None => false,
            },
        }
    }

    /// A file-name-safe form of the subject.
    pub fn slug(&self) -> String {
        let kind = match self {
            Subject::User(_) => "user",
            Subject::Ip(_) => "ip",
        };
        let s: String = self
            .label()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@') { c } else { '_' })
            .collect();
        format!("{kind}-{s}")
    }
}

/// One titled table of the dossier.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Section {
    pub title: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// The dossier: headline numbers, sections and the time-ordered activity.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Dossier {
    pub subject: String,
    pub kind: &'static str,
    pub records: usize,
    pub first_seen: String,
    pub last_seen: String,
    pub sections: Vec<Section>,
    pub timeline: Section,
}

const USER_SECTIONS: &[(&str, &str)] = &[
    ("Identity", "SELECT DISTINCT user_principal_name, user_id, user_display_name, user_type FROM signins ORDER BY user_principal_name"),
    ("Sign-ins by category and result", "SELECT category, result, COUNT(*) AS sign_ins, MIN(time) AS first_seen, MAX(time) AS last_seen FROM signins GROUP BY category, result ORDER BY category, result"),
    ("Countries and cities", "SELECT country, city, COUNT(*) AS sign_ins, SUM(CASE WHEN result = 'success' THEN 1 ELSE 0 END) AS successes FROM signins GROUP BY country, city ORDER BY sign_ins DESC, country, city"),
    ("IP addresses", "SELECT ip_address, MIN(asn) AS asn, MIN(country) AS country, MIN(ip_hosting_provider) AS hosting, MIN(ip_intel) AS intel, MAX(CASE WHEN ip_is_trusted THEN 1 ELSE 0 END) AS trusted, COUNT(*) AS sign_ins, SUM(CASE WHEN result = 'success' THEN 1 ELSE 0 END) AS successes, MIN(time) AS first_seen, MAX(time) AS last_seen FROM signins GROUP BY ip_address ORDER BY sign_ins DESC, ip_address"),
    ("Apps and resources", "SELECT app_display_name, resource_display_name, COUNT(*) AS sign_ins, SUM(CASE WHEN result = 'failure' THEN 1 ELSE 0 END) AS failures FROM signins GROUP BY app_display_name, resource_display_name ORDER BY sign_ins DESC, app_display_name"),
    ("Devices and user agents", "SELECT device_name, device_os, device_browser, device_trust_type, user_agent, MIN(ua_tool) AS tool, COUNT(*) AS sign_ins FROM signins GROUP BY device_name, device_os, device_browser, device_trust_type, user_agent ORDER BY sign_ins DESC, user_agent"),
    ("MFA methods and MFA failures", "SELECT mfa_method, authentication_requirement, error_code, failure_reason, COUNT(*) AS sign_ins FROM signins WHERE mfa_method IS NOT NULL OR error_code IN (500121, 50074, 50076, 50079, 50072, 50158) GROUP BY mfa_method, authentication_requirement, error_code, failure_reason ORDER BY sign_ins DESC"),
    ("Authentication protocols (legacy, ROPC, device code)", "SELECT client_app_used, authentication_protocol, original_transfer_method, MAX(CASE WHEN is_legacy_auth THEN 1 ELSE 0 END) AS legacy, COUNT(*) AS sign_ins, SUM(CASE WHEN result = 'success' THEN 1 ELSE 0 END) AS successes FROM signins GROUP BY client_app_used, authentication_protocol, original_transfer_method ORDER BY sign_ins DESC"),
    ("Risk detections", "SELECT time, risk_event_type, risk_level, risk_state, detection_timing, ip_address, country FROM risk_detections ORDER BY time"),
    ("Risky-user state", "SELECT time, risk_level, risk_state, risk_detail, is_deleted FROM risky_users ORDER BY time"),
    ("Audit events by the user", "SELECT time, activity, target_name, target_upn, result, ip_address, user_agent FROM audits WHERE actor_upn IN (SELECT user_principal_name FROM signins) OR actor_user_id IN (SELECT user_id FROM signins) OR actor_upn = '{SUBJECT}' OR actor_user_id = '{SUBJECT}' ORDER BY time"),
    ("What it touched through Microsoft Graph", "SELECT resource, request_method, resource_path, COUNT(*) AS requests, SUM(response_size_bytes) AS bytes, SUM(CASE WHEN response_status >= 400 THEN 1 ELSE 0 END) AS errors, STRING_AGG(DISTINCT ip_address, ';' ORDER BY ip_address) AS ips, MIN(time) AS first_seen, MAX(time) AS last_seen FROM graph_activity GROUP BY resource, request_method, resource_path ORDER BY requests DESC, resource, resource_path"),
    ("Graph requests from addresses it never signed in from (token used elsewhere)", "SELECT ip_address, MIN(ip_hosting_provider) AS hosting, MIN(user_agent) AS user_agent, COUNT(*) AS requests, COUNT(DISTINCT resource) AS resources, SUM(response_size_bytes) AS bytes, MIN(time) AS first_seen, MAX(time) AS last_seen FROM graph_activity WHERE NOT principal_signed_in_from_ip GROUP BY ip_address ORDER BY requests DESC, ip_address"),
    ("Audit events on the user (roles, methods, password resets)", "SELECT time, activity, actor_upn, actor_app_name, result, ip_address, changes FROM audits WHERE target_upn IN (SELECT user_principal_name FROM signins) OR target_id IN (SELECT user_id FROM signins) OR target_upn = '{SUBJECT}' OR target_id = '{SUBJECT}' ORDER BY time"),
];

const IP_SECTIONS: &[(&str, &str)] = &[
    ("Network", "SELECT ip_address, MIN(asn) AS asn, MIN(country) AS country, MIN(city) AS city, MIN(ip_hosting_provider) AS hosting, MIN(ip_intel) AS intel, MAX(CASE WHEN ip_is_trusted THEN 1 ELSE 0 END) AS trusted FROM signins GROUP BY ip_address ORDER BY ip_address"),
    ("Principals seen from it", "SELECT COALESCE(user_principal_name, service_principal_name) AS principal, category, SUM(CASE WHEN result = 'success' THEN 1 ELSE 0 END) AS successes, SUM(CASE WHEN result = 'failure' THEN 1 ELSE 0 END) AS failures, SUM(CASE WHEN result = 'interrupted' THEN 1 ELSE 0 END) AS interrupted, MIN(time) AS first_seen, MAX(time) AS last_seen FROM signins GROUP BY COALESCE(user_principal_name, service_principal_name), category ORDER BY successes DESC, failures DESC, principal"),
    ("Result codes", "SELECT error_code, failure_reason, COUNT(*) AS sign_ins FROM signins GROUP BY error_code, failure_reason ORDER BY sign_ins DESC"),
    ("User agents", "SELECT user_agent, MIN(ua_tool) AS tool, COUNT(*) AS sign_ins, COUNT(DISTINCT user_principal_name) AS users FROM signins GROUP BY user_agent ORDER BY sign_ins DESC"),
    ("Apps", "SELECT app_display_name, resource_display_name, COUNT(*) AS sign_ins FROM signins GROUP BY app_display_name, resource_display_name ORDER BY sign_ins DESC"),
    ("Audit actions from it", "SELECT time, activity, actor_upn, target_name, target_upn, result FROM audits ORDER BY time"),
    ("Risk detections from it", "SELECT time, risk_event_type, risk_level, user_principal_name FROM risk_detections ORDER BY time"),
    ("What was touched through Microsoft Graph from it", "SELECT COALESCE(user_principal_name, app_display_name, service_principal_id) AS caller, resource, request_method, COUNT(*) AS requests, SUM(response_size_bytes) AS bytes, MIN(time) AS first_seen, MAX(time) AS last_seen FROM graph_activity GROUP BY COALESCE(user_principal_name, app_display_name, service_principal_id), resource, request_method ORDER BY requests DESC, caller, resource"),
];

/// Rows about the subject in each table.
fn cut(ds: &Dataset, subject: &Subject) -> Result<BTreeMap<Table, LazyFrame>> {
    let mut out = BTreeMap::new();
    // Graph requests name the caller by object id only: the ids the user signed in with.
    let user_ids: Vec<String> = match subject {
        Subject::User(u) => {
            let df = ds
                .table(Table::SignIns)
                .filter(crate::dataset::select::user(Table::SignIns, u))
                .select([col("user_id")])
                .unique(None, UniqueKeepStrategy::Any)
                .collect()?;
            df.column("user_id")?.str()?.iter().flatten().map(str::to_string).collect()
        }
        Subject::Ip(_) => Vec::new(),
    };
    for t in Table::ALL {
        let lf = ds.table(t);
        let cond = match subject {
            Subject::User(u) if t == Table::GraphActivity => {
                crate::dataset::select::user(t, u).or(crate::enrich::in_list(col("user_id"), &user_ids))
            }
            Subject::User(u) => crate::dataset::select::user(t, u),
            Subject::Ip(_) if t == Table::RiskyUsers => lit(false),
            Subject::Ip(ip) => crate::dataset::select::ip(lf.clone(), ip)?,
        };
        out.insert(t, lf.filter(cond).collect()?.lazy());
    }
    Ok(out)
}

/// Build the dossier of `subject` from `ds`.
pub fn build(ds: &Dataset, subject: &Subject, knowledge: &Knowledge, intel: &[Indicator]) -> Result<Dossier> {
    let tables = cut(ds, subject)?;
    let en = enrich::enrich(&tables, knowledge, intel)?;
    let mut ctx = SQLContext::new();
    for (t, lf) in &en.tables {
        ctx.register(t.name(), lf.clone());
    }
    let (kind, specs) = match subject {
        Subject::User(_) => ("user", USER_SECTIONS),
        Subject::Ip(_) => ("ip", IP_SECTIONS),
    };
    let quoted = subject.label().replace('\'', "''");
    let mut sections = Vec::new();
    for (title, sql) in specs {
        let sql = sql.replace("{SUBJECT}", &quoted.to_ascii_lowercase());
        let df = ctx
            .execute(&sql)
            .and_then(|lf| lf.collect())
            .map_err(|e| anyhow!("dossier section {title:?} failed: {e}"))?;
        let (header, rows) = crate::report::frame_rows(&df);
        sections.push(Section { title: title.to_string(), header, rows });
    }

    let timeline = activity(&en)?;
    let times: Vec<&String> = timeline.rows.iter().map(|r| &r[0]).filter(|t| !t.is_empty()).collect();
    Ok(Dossier {
        subject: subject.label().to_string(),
        kind,
        records: timeline.rows.len(),
        first_seen: times.first().map(|s| s.to_string()).unwrap_or_default(),
        last_seen: times.last().map(|s| s.to_string()).unwrap_or_default(),
        sections,
        timeline,
    })
}

/// Findings (from an `analyze` output's findings.jsonl) that touch the subject.
pub fn findings_section(analysis: &Path, subject: &Subject) -> Result<Section> {
    let path = analysis.join("findings.jsonl");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        anyhow!("cannot read {}: {e}; pass the directory `entrascope analyze` wrote", path.display())
    })?;
    let mut rows = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let f: serde_json::Value = serde_json::from_str(line)?;
        let list = |k: &str| -> Vec<&str> {
            f[k].as_array().into_iter().flatten().filter_map(|v| v.as_str()).collect()
        };
        let hit = subject.named_in(list("principals").into_iter(), list("ips").into_iter());
        if hit {
            rows.push(
                ["first_seen", "rule_id", "kind", "severity", "summary", "finding_id"]
                    .iter()
                    .map(|k| f[*k].as_str().unwrap_or("").to_string())
                    .collect(),
            );
        }
    }
    Ok(Section {
        title: "Findings touching it (from the analyze output)".into(),
        header: ["first_seen", "rule_id", "kind", "severity", "summary", "finding_id"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows,
    })
}

/// Every record about the subject, time-ordered, as one section.
fn activity(en: &enrich::Enriched) -> Result<Section> {
    let mut rows: Vec<(Option<i64>, Vec<String>)> = Vec::new();
    for t in Table::ALL {
        let df = en.table(t).collect()?;
        let times = df.column("time")?.datetime()?.physical().clone();
        let src = df.column("source_file")?.str()?.clone();
        let rec = df.column("source_record")?.i64()?.clone();
        for i in 0..df.height() {
            let (message, principal, ip, details) = crate::report::timeline::describe(t, &df, i);
            let time = times.get(i);
            rows.push((
                time,
                vec![
                    time.map(crate::ingest::time::format_rfc3339).unwrap_or_default(),
                    t.name().to_string(),
                    message,
                    principal,
                    ip,
                    details,
                    format!(
                        "{}:{}",
                        src.get(i).unwrap_or(""),
                        rec.get(i).map_or(String::new(), |n| n.to_string())
                    ),
                ],
            ));
        }
    }
    rows.sort_by(|a, b| (a.0.is_none(), a.0, &a.1).cmp(&(b.0.is_none(), b.0, &b.1)));
    Ok(Section {
        title: "Timeline".into(),
        header: ["time", "table", "event", "principal", "ip", "details", "source"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows: rows.into_iter().map(|r| r.1).collect(),
    })
}

/// Incidents (from an `analyze` output's incidents.csv) whose principals or IPs include
/// the subject.
pub fn incidents_section(analysis: &Path, subject: &Subject) -> Result<Section> {
    let path = analysis.join("incidents.csv");
    let mut rdr = csv::Reader::from_path(&path).map_err(|e| {
        anyhow!("cannot read {}: {e}; pass the directory `entrascope analyze` wrote", path.display())
    })?;
    let header: Vec<String> = rdr.headers()?.iter().map(str::to_string).collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(pi), Some(ii)) = (col("principals"), col("ips")) else {
        anyhow::bail!("{} has no principals / ips columns", path.display());
    };
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec?;
        let hit =
            subject.named_in(rec.get(pi).unwrap_or("").split(';'), rec.get(ii).unwrap_or("").split(';'));
        if hit {
            rows.push(rec.iter().map(str::to_string).collect());
        }
    }
    Ok(Section { title: "Incidents touching it (from the analyze output)".into(), header, rows })
}
