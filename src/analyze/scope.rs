//! "What did it touch after compromise?": the Microsoft Graph requests behind each incident.
//!
//! For every incident this collects, from the enriched `graph_activity` table, the requests
//! made with a token the incident's own sign-ins issued (`signInActivityId` =
//! `uniqueTokenIdentifier`), and the requests its principals made after its first event —
//! split into those from the incident's addresses and those from elsewhere (often the real
//! user, sometimes an attacker address no rule named). Requests are grouped by resource
//! kind, method and path template with counts, bytes and time span: the scope a responder
//! reports and the customer's data-protection officer asks for. Without Graph activity logs
//! in the inputs the scope is empty, and the report says so.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use anyhow::Result;
use polars::prelude::*;
use serde::Serialize;

use super::correlate::Incident;
use crate::detect::Finding;
use crate::enrich::{in_list, Enriched};
use crate::schema::Table;

/// How a request is tied to the incident, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// Made with a token issued by one of the incident's sign-ins.
    AttackerToken,
    /// Made by an incident principal from one of the incident's addresses.
    AttackerAddress,
    /// Made by an incident principal from another address, after the incident began.
    PrincipalElsewhere,
}

impl Via {
    pub fn label(self) -> &'static str {
        match self {
            Via::AttackerToken => "token of an incident sign-in",
            Via::AttackerAddress => "incident address",
            Via::PrincipalElsewhere => "principal, other address",
        }
    }
}

/// One group of requests: an incident, how they are tied to it, and what they touched.
#[derive(Debug, Clone, Serialize)]
pub struct ScopeRow {
    pub incident_id: String,
    pub via: Via,
    pub resource: String,
    pub method: String,
    pub resource_path: String,
    pub requests: u64,
    pub bytes: i64,
    /// Requests answered with an HTTP error (4xx/5xx): attempted, not obtained.
    pub errors: u64,
    pub first_seen: i64,
    pub last_seen: i64,
    pub ips: Vec<String>,
    pub callers: Vec<String>,
}

/// The rows of every incident, in incident order, strongest tie first, then most requests.
pub fn scope(incidents: &[Incident], findings: &[Finding], en: &Enriched) -> Result<Vec<ScopeRow>> {
    let graph = en.table(Table::GraphActivity);
    if incidents.is_empty() || graph.clone().limit(1).collect()?.height() == 0 {
        return Ok(Vec::new());
    }
    let by_id: HashMap<&str, &Finding> = findings.iter().map(|f| (f.finding_id.as_str(), f)).collect();

    // Tokens the incidents' evidence sign-ins issued, and tokens of cited Graph requests.
    let cited: Vec<String> = {
        let mut v: Vec<String> = findings.iter().flat_map(|f| f.record_ids.iter().cloned()).collect();
        v.sort();
        v.dedup();
        v
    };
    let token_of: HashMap<String, String> = {
        let mut m = HashMap::new();
        for (table, token_col) in
            [(Table::SignIns, "unique_token_id"), (Table::GraphActivity, "sign_in_activity_id")]
        {
            let df = en
                .table(table)
                .filter(in_list(col("id"), &cited).and(col(token_col).is_not_null()))
                .select([col("id"), col(token_col).alias("token")])
                .collect()?;
            let (ids, tokens) = (df.column("id")?.str()?, df.column("token")?.str()?);
            for (id, tok) in ids.iter().zip(tokens.iter()) {
                if let (Some(id), Some(tok)) = (id, tok) {
                    m.insert(id.to_string(), tok.to_string());
                }
            }
        }
        m
    };
    struct Want {
        tokens: HashSet<String>,
        principals: HashSet<String>,
        ips: HashSet<String>,
        since: i64,
    }
    let wants: Vec<Want> = incidents
        .iter()
        .map(|i| {
            let fs = i.finding_ids.iter().filter_map(|id| by_id.get(id.as_str()));
            let tokens =
                fs.flat_map(|f| f.record_ids.iter()).filter_map(|r| token_of.get(r).cloned()).collect();
            Want {
                tokens,
                principals: i.principals.iter().map(|p| p.to_ascii_lowercase()).collect(),
                ips: i.ips.iter().cloned().collect(),
                since: i.first_seen,
            }
        })
        .collect();
    let all_tokens: Vec<String> =
        wants.iter().flat_map(|w| w.tokens.iter().cloned()).collect::<BTreeSet<_>>().into_iter().collect();
    let all_principals: Vec<String> = wants
        .iter()
        .flat_map(|w| w.principals.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let since = wants.iter().map(|w| w.since).min().unwrap_or(i64::MIN);

    let caller = coalesce(&[
        col("user_principal_name"),
        col("app_display_name").str().to_lowercase(),
        col("service_principal_id"),
        col("user_id"),
    ]);
    let df = graph
        .with_column(caller.alias("_caller"))
        .filter(in_list(col("sign_in_activity_id"), &all_tokens).or(
            in_list(col("_caller"), &all_principals).and(col("time").cast(DataType::Int64).gt_eq(lit(since))),
        ))
        .select([
            col("time").cast(DataType::Int64).alias("t"),
            col("_caller"),
            col("ip_address"),
            col("request_method"),
            col("resource"),
            col("resource_path"),
            col("response_size_bytes"),
            col("response_status"),
            col("sign_in_activity_id"),
        ])
        .sort(["t"], Default::default())
        .collect()?;
    let s = |c: &str| -> Result<StringChunked> { Ok(df.column(c)?.str()?.clone()) };
    let (callers, ips, methods, kinds, paths, tokens) = (
        s("_caller")?,
        s("ip_address")?,
        s("request_method")?,
        s("resource")?,
        s("resource_path")?,
        s("sign_in_activity_id")?,
    );
    let times = df.column("t")?.i64()?.clone();
    let sizes = df.column("response_size_bytes")?.i64()?.clone();
    let statuses = df.column("response_status")?.i64()?.clone();

    type Key = (Via, String, String, String);
    let mut out = Vec::new();
    for (inc, want) in incidents.iter().zip(&wants) {
        let mut groups: BTreeMap<Key, ScopeRow> = BTreeMap::new();
        for i in 0..df.height() {
            let t = times.get(i).unwrap_or(0);
            let ip = ips.get(i).unwrap_or("");
            let who = callers.get(i).unwrap_or("");
            let via = if tokens.get(i).is_some_and(|tok| want.tokens.contains(tok)) {
                Via::AttackerToken
            } else if t >= want.since && want.principals.contains(who) {
                if want.ips.contains(ip) {
                    Via::AttackerAddress
                } else {
                    Via::PrincipalElsewhere
                }
            } else {
                continue;
            };
            let key = (
                via,
                kinds.get(i).unwrap_or("other").to_string(),
                methods.get(i).unwrap_or("").to_string(),
                paths.get(i).unwrap_or("").to_string(),
            );
            let row = groups.entry(key.clone()).or_insert_with(|| ScopeRow {
                incident_id: inc.incident_id.clone(),
                via,
                resource: key.1.clone(),
                method: key.2.clone(),
                resource_path: key.3.clone(),
                requests: 0,
                bytes: 0,
                errors: 0,
                first_seen: t,
                last_seen: t,
                ips: Vec::new(),
                callers: Vec::new(),
            });
            row.requests += 1;
            row.bytes += sizes.get(i).unwrap_or(0);
            row.errors += u64::from(statuses.get(i).is_some_and(|c| c >= 400));
            row.first_seen = row.first_seen.min(t);
            row.last_seen = row.last_seen.max(t);
            if !ip.is_empty() && !row.ips.iter().any(|x| x == ip) {
                row.ips.push(ip.to_string());
            }
            if !who.is_empty() && !row.callers.iter().any(|x| x == who) {
                row.callers.push(who.to_string());
            }
        }
        let mut rows: Vec<ScopeRow> = groups.into_values().collect();
        for r in &mut rows {
            r.ips.sort();
            r.callers.sort();
        }
        rows.sort_by(|a, b| {
            (a.via, std::cmp::Reverse(a.requests), &a.resource, &a.method, &a.resource_path).cmp(&(
                b.via,
                std::cmp::Reverse(b.requests),
                &b.resource,
                &b.method,
                &b.resource_path,
            ))
        });
        out.extend(rows);
    }
    Ok(out)
}

/// One sentence per incident: what the attacker's token and addresses touched, by resource.
pub fn summary(rows: &[ScopeRow]) -> String {
    let mut by_kind: BTreeMap<(&str, bool), (u64, i64)> = BTreeMap::new();
    let (mut attacker, mut elsewhere) = (0u64, 0u64);
    for r in rows {
        if r.via == Via::PrincipalElsewhere {
            elsewhere += r.requests;
            continue;
        }
        attacker += r.requests;
        let write = !matches!(r.method.as_str(), "GET" | "HEAD");
        let e = by_kind.entry((r.resource.as_str(), write)).or_default();
        e.0 += r.requests;
        e.1 += r.bytes;
    }
    if attacker == 0 && elsewhere == 0 {
        return String::new();
    }
    let mut parts: Vec<((u64, i64), String)> = by_kind
        .into_iter()
        .map(|((kind, write), (n, bytes))| {
            let what = match (write, n) {
                (true, 1) => "write",
                (true, _) => "writes",
                (false, 1) => "read",
                (false, _) => "reads",
            };
            let size = if bytes >= 1_048_576 { format!(", {} MB", bytes / 1_048_576) } else { String::new() };
            ((n, bytes), format!("{kind} {n} {what}{size}"))
        })
        .collect();
    parts.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut s = if attacker == 0 {
        "No Graph request with the tokens of the incident's sign-ins or from its addresses".to_string()
    } else {
        format!(
            "{attacker} Graph request(s) with the tokens of the incident's sign-ins or from its addresses: {}",
            parts.into_iter().map(|p| p.1).collect::<Vec<_>>().join("; ")
        )
    };
    if elsewhere > 0 {
        s.push_str(&format!("; {elsewhere} by the principals from other addresses since the incident began"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(via: Via, resource: &str, method: &str, requests: u64, bytes: i64) -> ScopeRow {
        ScopeRow {
            incident_id: "I-1".into(),
            via,
            resource: resource.into(),
            method: method.into(),
            resource_path: "/x".into(),
            requests,
            bytes,
            errors: 0,
            first_seen: 0,
            last_seen: 0,
            ips: vec![],
            callers: vec![],
        }
    }

    #[test]
    fn summary_states_reads_writes_and_volume() {
        let rows = vec![
            row(Via::AttackerToken, "mailbox", "GET", 120, 21 * 1_048_576),
            row(Via::AttackerToken, "mail_rules", "POST", 1, 640),
            row(Via::AttackerAddress, "files", "GET", 25, 1000),
            row(Via::PrincipalElsewhere, "mailbox", "GET", 7, 0),
        ];
        assert_eq!(
            summary(&rows),
            "146 Graph request(s) with the tokens of the incident's sign-ins or from its addresses: mailbox 120 reads, 21 MB; files 25 reads; mail_rules 1 write; 7 by the principals from other addresses since the incident began"
        );
        assert_eq!(summary(&[]), "");
        assert_eq!(
            summary(&rows[3..]),
            "No Graph request with the tokens of the incident's sign-ins or from its addresses; 7 by the principals from other addresses since the incident began"
        );
    }
}
