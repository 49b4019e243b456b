//! Row selection over the canonical tables — by time window, by user, by IP or CIDR —
//! shared by the analysis pipeline, `query` and the dossiers.

use anyhow::{anyhow, Result};
use polars::prelude::*;

use crate::enrich::{in_list, net};
use crate::schema::Table;

fn utc(us: i64) -> Expr {
    lit(us).cast(DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC)))
}

/// Rows with `since <= time < until` (either bound optional, in UTC microseconds).
pub fn window(mut lf: LazyFrame, since: Option<i64>, until: Option<i64>) -> LazyFrame {
    if let Some(s) = since {
        lf = lf.filter(col("time").gt_eq(utc(s)));
    }
    if let Some(u) = until {
        lf = lf.filter(col("time").lt(utc(u)));
    }
    lf
}

/// Rows about a user (UPN, case-insensitive, or object id); audits match actor or target.
pub fn user(table: Table, user: &str) -> Expr {
    let (upn, id) = (lit(user.to_ascii_lowercase()), lit(user.to_string()));
    let cond = match table {
        Table::Audits => col("actor_upn")
            .eq(upn.clone())
            .or(col("target_upn").eq(upn))
            .or(col("actor_user_id").eq(id.clone()))
            .or(col("target_id").eq(id)),
        // Graph requests carry only the object id (dossiers add the ids a UPN signed in with).
        Table::GraphActivity => col("user_id").eq(id),
        Table::Provisioning => col("source_upn").eq(upn).or(col("source_identity_id").eq(id)),
        Table::RiskyServicePrincipals => lit(false),
        _ => col("user_principal_name").eq(upn).or(col("user_id").eq(id)),
    };
    cond.fill_null(lit(false))
}

/// `ip_address` equal to an address, or inside a CIDR (matched per distinct address of
/// `lf`, which is why it needs the frame). Tables without addresses match nothing.
pub fn ip(lf: LazyFrame, ip: &str) -> Result<Expr> {
    if !lf.clone().collect_schema()?.contains("ip_address") {
        return Ok(lit(false));
    }
    let cidr = net::Cidr::parse(ip).ok_or_else(|| anyhow!("{ip:?} is not an IP address or CIDR"))?;
    if !ip.contains('/') {
        return Ok(col("ip_address").eq(lit(ip.to_string())).fill_null(lit(false)));
    }
    let ips = lf.select([col("ip_address")]).unique(None, UniqueKeepStrategy::Any).collect()?;
    let hits: Vec<String> = ips
        .column("ip_address")?
        .str()?
        .iter()
        .flatten()
        .filter(|a| net::parse_ip(a).is_some_and(|a| cidr.contains(a)))
        .map(str::to_string)
        .collect();
    Ok(in_list(col("ip_address"), &hits))
}
