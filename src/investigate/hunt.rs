//! Retro-hunt: sweep every table for indicators of compromise.
//!
//! Matching runs once per distinct value of each searched column (addresses, ids, UPNs,
//! ASNs, user agents — a few thousand even in large tenants), never per row; the matches
//! are joined back to the rows to count hits and find first/last seen. Every indicator is
//! reported, including those that never matched: a retro-hunt must show what was checked.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use polars::prelude::*;
use serde::Serialize;

use crate::enrich::intel::{Indicator, IocKind};
use crate::enrich::{net, Enriched};
use crate::ingest::time::format_rfc3339;
use crate::schema::Table;

/// Where each kind of indicator is looked for: (table, column, principal column).
fn columns(kind: IocKind) -> &'static [(Table, &'static str, &'static str)] {
    match kind {
        IocKind::Ip => &[
            (Table::SignIns, "ip_address", "user_principal_name"),
            (Table::Audits, "ip_address", "actor_upn"),
            (Table::RiskDetections, "ip_address", "user_principal_name"),
            (Table::GraphActivity, "ip_address", "user_principal_name"),
        ],
        IocKind::Guid => &[
            (Table::SignIns, "app_id", "user_principal_name"),
            (Table::SignIns, "resource_id", "user_principal_name"),
            (Table::SignIns, "user_id", "user_principal_name"),
            (Table::SignIns, "service_principal_id", "service_principal_name"),
            (Table::SignIns, "device_id", "user_principal_name"),
            (Table::SignIns, "correlation_id", "user_principal_name"),
            (Table::Audits, "actor_user_id", "actor_upn"),
            (Table::Audits, "actor_app_id", "actor_app_name"),
            (Table::Audits, "actor_sp_id", "actor_app_name"),
            (Table::Audits, "target_id", "actor_upn"),
            (Table::Audits, "correlation_id", "actor_upn"),
            (Table::RiskDetections, "user_id", "user_principal_name"),
            (Table::RiskDetections, "request_id", "user_principal_name"),
            (Table::GraphActivity, "app_id", "user_principal_name"),
            (Table::GraphActivity, "user_id", "user_principal_name"),
            (Table::GraphActivity, "service_principal_id", "app_display_name"),
        ],
        IocKind::Upn => &[
            (Table::SignIns, "user_principal_name", "user_principal_name"),
            (Table::Audits, "actor_upn", "actor_upn"),
            (Table::Audits, "target_upn", "actor_upn"),
            (Table::RiskDetections, "user_principal_name", "user_principal_name"),
            (Table::RiskyUsers, "user_principal_name", "user_principal_name"),
        ],
        IocKind::Asn => {
            &[(Table::SignIns, "asn", "user_principal_name"), (Table::Audits, "ip_asn", "actor_upn")]
        }
        IocKind::UserAgent => &[
            (Table::SignIns, "user_agent", "user_principal_name"),
            (Table::Audits, "user_agent", "actor_upn"),
            (Table::GraphActivity, "user_agent", "user_principal_name"),
        ],
    }
}

/// One indicator's result.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Hit {
    pub kind: String,
    pub value: String,
    pub label: String,
    pub source: String,
    pub hits: u64,
    pub where_: Vec<String>,
    pub first_seen: String,
    pub last_seen: String,
    pub principals: Vec<String>,
    pub ips: Vec<String>,
}

fn matches(ioc: &Indicator, value: &str) -> bool {
    match ioc.kind {
        IocKind::Ip => net::parse_ip(value).is_some_and(|a| ioc.cidr.is_some_and(|c| c.contains(a))),
        IocKind::Guid => value.eq_ignore_ascii_case(&ioc.value),
        IocKind::Upn => value.eq_ignore_ascii_case(&ioc.value),
        IocKind::Asn => value.parse::<i64>().ok() == ioc.asn,
        IocKind::UserAgent => value.to_ascii_lowercase().contains(&ioc.value.to_ascii_lowercase()),
    }
}

/// A hit being accumulated: first and last time, principals and IPs seen.
type Partial = (Hit, Option<i64>, Option<i64>, BTreeSet<String>, BTreeSet<String>);

/// Sweep the tables for every indicator.
pub fn sweep(en: &Enriched, iocs: &[Indicator]) -> Result<Vec<Hit>> {
    let mut acc: Vec<Partial> = iocs
        .iter()
        .map(|i| {
            let hit = Hit {
                kind: i.kind.name().into(),
                value: i.value.clone(),
                label: i.label.clone(),
                source: i.source.clone(),
                ..Default::default()
            };
            (hit, None, None, BTreeSet::new(), BTreeSet::new())
        })
        .collect();
    let kinds: BTreeSet<IocKind> = iocs.iter().map(|i| i.kind).collect();
    for kind in kinds {
        let of_kind: Vec<usize> = (0..iocs.len()).filter(|&i| iocs[i].kind == kind).collect();
        for (table, column, principal) in columns(kind) {
            let lf = en.table(*table);
            let values = lf
                .clone()
                .select([col(*column).cast(DataType::String).alias("v")])
                .filter(col("v").is_not_null())
                .unique(None, UniqueKeepStrategy::Any)
                .collect()?;
            // (value, indicator index) for every value some indicator matches.
            let (mut vals, mut idx): (Vec<String>, Vec<u32>) = (Vec::new(), Vec::new());
            for v in values.column("v")?.str()?.iter().flatten() {
                for &i in &of_kind {
                    if matches(&iocs[i], v) {
                        vals.push(v.to_string());
                        idx.push(i as u32);
                    }
                }
            }
            if vals.is_empty() {
                continue;
            }
            let pairs = DataFrame::new(
                vals.len(),
                vec![Column::new("v".into(), vals), Column::new("ioc".into(), idx)],
            )?;
            let ip_col = if table == &Table::RiskyUsers {
                lit(NULL).cast(DataType::String)
            } else {
                col("ip_address")
            };
            let rows = lf
                .select([
                    col(*column).cast(DataType::String).alias("v"),
                    col("time").cast(DataType::Int64).alias("t"),
                    col(*principal).alias("p"),
                    ip_col.alias("ip"),
                ])
                .inner_join(pairs.lazy(), col("v"), col("v"))
                .group_by([col("ioc")])
                .agg([
                    len().alias("n"),
                    col("t").min().alias("first"),
                    col("t").max().alias("last"),
                    col("p").drop_nulls().unique().implode(false).alias("ps"),
                    col("ip").drop_nulls().unique().implode(false).alias("ips"),
                ])
                .collect()?;
            for r in 0..rows.height() {
                let i = rows.column("ioc")?.u32()?.get(r).unwrap_or(0) as usize;
                let e = &mut acc[i];
                e.0.hits += rows.column("n")?.cast(&DataType::UInt64)?.u64()?.get(r).unwrap_or(0);
                e.0.where_.push(format!("{}.{}", table.name(), column));
                for (slot, name, min) in [(&mut e.1, "first", true), (&mut e.2, "last", false)] {
                    if let Some(t) = rows.column(name)?.i64()?.get(r) {
                        *slot = Some(slot.map_or(t, |s: i64| if min { s.min(t) } else { s.max(t) }));
                    }
                }
                for (set, name) in [(&mut e.3, "ps"), (&mut e.4, "ips")] {
                    if let Some(list) = rows.column(name)?.list()?.get_as_series(r) {
                        set.extend(list.str()?.iter().flatten().map(str::to_string));
                    }
                }
            }
        }
    }
    let mut out: Vec<Hit> = acc
        .into_iter()
        .map(|(mut h, first, last, ps, ips)| {
            h.first_seen = first.map(format_rfc3339).unwrap_or_default();
            h.last_seen = last.map(format_rfc3339).unwrap_or_default();
            h.principals = ps.into_iter().collect();
            h.ips = ips.into_iter().collect();
            h
        })
        .collect();
    // Hits first (most first), then the quiet ones, each in file order.
    out.sort_by(|a, b| b.hits.cmp(&a.hits).then(a.source.cmp(&b.source)));
    Ok(out)
}

/// The CSV rows of a sweep.
pub fn csv_rows(hits: &[Hit]) -> impl Iterator<Item = Vec<String>> + '_ {
    hits.iter().map(|h| {
        vec![
            h.kind.clone(),
            h.value.clone(),
            h.label.clone(),
            h.hits.to_string(),
            h.first_seen.clone(),
            h.last_seen.clone(),
            h.where_.join(";"),
            h.principals.join(";"),
            h.ips.join(";"),
            h.source.clone(),
        ]
    })
}

pub const CSV_HEADER: [&str; 10] =
    ["type", "value", "label", "hits", "first_seen", "last_seen", "where", "principals", "ips", "source"];

/// Per-indicator counts as a map, for summaries.
pub fn totals(hits: &[Hit]) -> BTreeMap<&'static str, usize> {
    BTreeMap::from([("indicators", hits.len()), ("matched", hits.iter().filter(|h| h.hits > 0).count())])
}
