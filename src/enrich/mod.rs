//! Enrichment: the columns rules use instead of re-deriving facts in every query.
//!
//! Facts that need code or outside knowledge — is this IP one of the customer's offices, a
//! VPS, on an IOC list; is this user agent an attack tool; is this user privileged — are
//! computed once per distinct value (IPs, user agents, users) and joined onto the canonical
//! tables as columns (see `schema::enriched`). Everything stays lazy and columnar; only the
//! small lookup tables are built eagerly.

pub mod fingerprint;
pub mod intel;
pub mod net;

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use polars::prelude::*;

use crate::policy::Policy;
use crate::schema::{enriched as e, Table};
use intel::{Indicator, IocKind};

/// The canonical tables with enrichment columns, ready for rules.
pub struct Enriched {
    pub tables: BTreeMap<Table, LazyFrame>,
    /// Users considered privileged (policy plus role assignments seen), lower-case UPNs.
    pub privileged_users: BTreeSet<String>,
}

impl Enriched {
    pub fn table(&self, t: Table) -> LazyFrame {
        self.tables.get(&t).cloned().expect("every table is enriched")
    }
}

/// `expr IN values`, false for nulls and for an empty list.
pub fn in_list(expr: Expr, values: &[String]) -> Expr {
    if values.is_empty() {
        return lit(false);
    }
    let s = Series::new("values".into(), values);
    expr.is_in(lit(s).implode(false), false).fill_null(lit(false))
}

fn in_list_i64(expr: Expr, values: &[i64]) -> Expr {
    let s = Series::new("values".into(), values);
    expr.is_in(lit(s).implode(false), false).fill_null(lit(false))
}

/// Distinct non-null strings of `column` across several tables.
fn distinct(frames: &[(LazyFrame, &str)]) -> Result<Vec<String>> {
    let parts: Vec<LazyFrame> =
        frames.iter().map(|(lf, c)| lf.clone().select([col(*c).alias("v")])).collect();
    let df = concat(parts, UnionArgs::default())?
        .filter(col("v").is_not_null())
        .unique(None, UniqueKeepStrategy::Any)
        .collect()?;
    let mut v: Vec<String> = df.column("v")?.str()?.iter().flatten().map(str::to_string).collect();
    v.sort();
    Ok(v)
}

/// One row per distinct IP: trust, privacy, intel label and the ASN seen for it.
fn ip_lookup(tables: &BTreeMap<Table, LazyFrame>, policy: &Policy, intel: &[Indicator]) -> Result<LazyFrame> {
    let ips = distinct(&[
        (tables[&Table::SignIns].clone(), "ip_address"),
        (tables[&Table::Audits].clone(), "ip_address"),
        (tables[&Table::RiskDetections].clone(), "ip_address"),
    ])?;
    let trusted: Vec<net::Cidr> = policy.trusted_ips.iter().filter_map(|c| net::Cidr::parse(c)).collect();
    let intel_ips: Vec<&Indicator> = intel.iter().filter(|i| i.kind == IocKind::Ip).collect();
    let mut is_trusted = Vec::with_capacity(ips.len());
    let mut is_private = Vec::with_capacity(ips.len());
    let mut label: Vec<Option<String>> = Vec::with_capacity(ips.len());
    for ip in &ips {
        let parsed = net::parse_ip(ip);
        is_trusted.push(parsed.is_some_and(|a| trusted.iter().any(|c| c.contains(a))));
        is_private.push(parsed.is_some_and(net::is_private));
        let labels: Vec<&str> = match parsed {
            Some(a) => intel_ips
                .iter()
                .filter(|i| i.cidr.is_some_and(|c| c.contains(a)))
                .map(|i| i.label.as_str())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
            None => Vec::new(),
        };
        label.push((!labels.is_empty()).then(|| labels.join("; ")));
    }
    let df = DataFrame::new(
        ips.len(),
        vec![
            Column::new("ip_address".into(), ips),
            Column::new(e::IP_IS_TRUSTED.into(), is_trusted),
            Column::new(e::IP_IS_PRIVATE.into(), is_private),
            Column::new(e::IP_INTEL.into(), label),
        ],
    )?;
    // The ASN of an IP as the sign-ins saw it, so audit initiator IPs get a network too.
    let asn = tables[&Table::SignIns]
        .clone()
        .filter(col("asn").is_not_null().and(col("ip_address").is_not_null()))
        .group_by([col("ip_address")])
        .agg([col("asn").min().alias(e::IP_ASN)]);
    Ok(df.lazy().left_join(asn, col("ip_address"), col("ip_address")))
}

fn hosting_lookup(key: &str) -> Result<LazyFrame> {
    let asns: Vec<i64> = fingerprint::HOSTING_ASNS.iter().map(|(a, _)| *a).collect();
    let names: Vec<&str> = fingerprint::HOSTING_ASNS.iter().map(|(_, n)| *n).collect();
    let df = DataFrame::new(
        asns.len(),
        vec![Column::new(key.into(), asns), Column::new(e::IP_HOSTING_PROVIDER.into(), names)],
    )?;
    Ok(df.lazy())
}

fn ua_lookup(tables: &BTreeMap<Table, LazyFrame>) -> Result<LazyFrame> {
    let uas = distinct(&[
        (tables[&Table::SignIns].clone(), "user_agent"),
        (tables[&Table::Audits].clone(), "user_agent"),
    ])?;
    let mut tool: Vec<Option<&str>> = Vec::with_capacity(uas.len());
    let mut kind: Vec<Option<&str>> = Vec::with_capacity(uas.len());
    for ua in &uas {
        let fp = fingerprint::user_agent(ua);
        tool.push(fp.map(|f| f.0));
        kind.push(fp.map(|f| f.1.name()));
    }
    let df = DataFrame::new(
        uas.len(),
        vec![
            Column::new("user_agent".into(), &uas),
            Column::new(e::UA_TOOL.into(), tool),
            Column::new(e::UA_TOOL_KIND.into(), kind),
        ],
    )?;
    Ok(df.lazy())
}

/// Users who received a privileged role in the window's audits, plus the policy's list.
fn privileged_users(audits: &LazyFrame, policy: &Policy) -> Result<BTreeSet<String>> {
    let mut out: BTreeSet<String> = policy.privileged_users.iter().cloned().collect();
    let df = audits
        .clone()
        .filter(
            col("activity")
                .str()
                .contains(lit("member to role"), false)
                .and(col("activity").str().starts_with(lit("Remove")).not())
                .and(col("result").eq(lit("success"))),
        )
        .select([col("targets")])
        .collect()?;
    let targets = df.column("targets")?.list()?;
    for row in (0..targets.len()).filter_map(|i| targets.get_as_series(i)) {
        let items = row.struct_()?;
        let kinds = items.field_by_name("type")?;
        let names = items.field_by_name("display_name")?;
        let upns = items.field_by_name("upn")?;
        let mps = items.field_by_name("modified_properties")?;
        let (kinds, names, upns, mps) = (kinds.str()?, names.str()?, upns.str()?, mps.list()?);
        let mut role_names: Vec<String> = Vec::new();
        for i in 0..items.len() {
            if kinds.get(i).is_some_and(|k| k.eq_ignore_ascii_case("Role")) {
                role_names.extend(names.get(i).map(str::to_string));
            }
            if let Some(props) = mps.get_as_series(i) {
                let props = props.struct_()?;
                let (pn, pv) = (props.field_by_name("name")?, props.field_by_name("new_value")?);
                for (n, v) in pn.str()?.iter().zip(pv.str()?.iter()) {
                    if n.is_some_and(|n| n.ends_with("Role.DisplayName")) {
                        role_names.extend(v.map(str::to_string));
                    }
                }
            }
        }
        if role_names.iter().any(|r| fingerprint::is_privileged_role(r)) {
            out.extend(upns.iter().flatten().map(str::to_ascii_lowercase));
        }
    }
    Ok(out)
}

/// Add the enrichment columns to every table.
pub fn enrich(tables: &BTreeMap<Table, LazyFrame>, policy: &Policy, intel: &[Indicator]) -> Result<Enriched> {
    let ips = ip_lookup(tables, policy, intel)?;
    let uas = ua_lookup(tables)?;
    let privileged = privileged_users(&tables[&Table::Audits], policy)?;
    let priv_list: Vec<String> = privileged.iter().cloned().collect();
    let glass = &policy.break_glass_accounts;
    let bool_false = |c: &str| col(c).fill_null(lit(false));
    let ip_cols = |lf: LazyFrame| {
        lf.left_join(ips.clone().drop(cols([e::IP_ASN])), col("ip_address"), col("ip_address"))
            .with_columns([bool_false(e::IP_IS_TRUSTED), bool_false(e::IP_IS_PRIVATE)])
    };

    let signins = ip_cols(tables[&Table::SignIns].clone())
        .left_join(hosting_lookup("asn")?, col("asn"), col("asn"))
        .with_column(col(e::IP_HOSTING_PROVIDER).is_not_null().alias(e::IP_IS_HOSTING))
        .left_join(uas.clone(), col("user_agent"), col("user_agent"))
        .with_columns([
            in_list(col("app_id"), &fingerprint::FOCI_APPS.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .alias(e::APP_IS_FOCI),
            in_list(
                col("client_app_used"),
                &fingerprint::LEGACY_CLIENT_APPS.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            )
            .alias(e::IS_LEGACY_AUTH),
            in_list_i64(col("error_code"), fingerprint::FIRST_FACTOR_OK_CODES).alias(e::FIRST_FACTOR_OK),
            in_list(col("user_principal_name"), &priv_list).alias(e::USER_IS_PRIVILEGED),
            in_list(col("user_principal_name"), glass).alias(e::USER_IS_BREAK_GLASS),
            if policy.allowed_countries.is_empty() {
                lit(NULL).cast(DataType::Boolean).alias(e::COUNTRY_ALLOWED)
            } else {
                when(col("country").is_null())
                    .then(lit(NULL).cast(DataType::Boolean))
                    .otherwise(in_list(col("country"), &policy.allowed_countries))
                    .alias(e::COUNTRY_ALLOWED)
            },
            in_list(col("user_principal_name"), &policy.expected_device_code_users)
                .alias(e::DEVICE_CODE_EXPECTED),
            in_list(col("app_id"), &policy.high_impact_apps).alias(e::APP_IS_HIGH_IMPACT),
        ]);

    let audits = ip_cols(tables[&Table::Audits].clone())
        .left_join(
            ips.clone().select([col("ip_address"), col(e::IP_ASN)]),
            col("ip_address"),
            col("ip_address"),
        )
        .left_join(hosting_lookup(e::IP_ASN)?, col(e::IP_ASN), col(e::IP_ASN))
        .with_column(col(e::IP_HOSTING_PROVIDER).is_not_null().alias(e::IP_IS_HOSTING))
        .left_join(uas, col("user_agent"), col("user_agent"))
        .with_columns([
            in_list(col("actor_upn"), &priv_list).alias(e::ACTOR_IS_PRIVILEGED),
            in_list(col("actor_upn"), glass).alias(e::ACTOR_IS_BREAK_GLASS),
            in_list(col("target_upn"), &priv_list).alias(e::TARGET_IS_PRIVILEGED),
            in_list(col("target_upn"), glass).alias(e::TARGET_IS_BREAK_GLASS),
        ]);

    let risk = ip_cols(tables[&Table::RiskDetections].clone())
        .left_join(ips.select([col("ip_address"), col(e::IP_ASN)]), col("ip_address"), col("ip_address"))
        .left_join(hosting_lookup(e::IP_ASN)?, col(e::IP_ASN), col(e::IP_ASN))
        .with_column(col(e::IP_HOSTING_PROVIDER).is_not_null().alias(e::IP_IS_HOSTING))
        .drop(cols([e::IP_ASN]))
        .with_column(in_list(col("user_principal_name"), &priv_list).alias(e::USER_IS_PRIVILEGED));

    let risky = tables[&Table::RiskyUsers]
        .clone()
        .with_column(in_list(col("user_principal_name"), &priv_list).alias(e::USER_IS_PRIVILEGED));

    let mut out = BTreeMap::new();
    for (t, lf) in [
        (Table::SignIns, signins),
        (Table::Audits, audits),
        (Table::RiskDetections, risk),
        (Table::RiskyUsers, risky),
    ] {
        // Canonical columns first, then enrichment in the documented order.
        let mut names: Vec<Expr> = t.doc().columns.iter().map(|c| col(c.name)).collect();
        names.extend(e::columns(t.name()).iter().map(|c| col(c.name)));
        // Materialised once: every rule reads these, and re-running the joins per rule
        // would multiply the cost by the number of rules.
        out.insert(t, lf.select(names).collect()?.lazy());
    }
    Ok(Enriched { tables: out, privileged_users: privileged })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{empty_frame, Audit, ModifiedProperty, Row, SignIn, TableBuilders, Target};

    fn tables() -> BTreeMap<Table, LazyFrame> {
        let mut b = TableBuilders::default();
        for (upn, ip, asn, ua, code) in [
            ("a@x.com", "203.0.113.10", 64500, "Mozilla/5.0", 0),
            ("b@x.com", "45.153.160.2", 14061, "axios/1.7.9", 50126),
        ] {
            b.push(&Row::SignIn(Box::new(SignIn {
                id: Some(upn.into()),
                user_principal_name: Some(upn.into()),
                ip_address: Some(ip.into()),
                asn: Some(asn),
                user_agent: Some(ua.into()),
                error_code: Some(code),
                country: Some("NL".into()),
                ..Default::default()
            })));
        }
        b.push(&Row::Audit(Box::new(Audit {
            id: Some("d1".into()),
            activity: Some("Add member to role".into()),
            result: Some("success".into()),
            ip_address: Some("45.153.160.2".into()),
            target_upn: Some("b@x.com".into()),
            targets: vec![Target {
                upn: Some("b@x.com".into()),
                kind: Some("User".into()),
                modified_properties: vec![ModifiedProperty {
                    name: Some("Role.DisplayName".into()),
                    new_value: Some("Global Administrator".into()),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        })));
        let mut out = BTreeMap::new();
        for (t, df) in b.finish() {
            out.insert(t, if df.height() == 0 { empty_frame(t) } else { df }.lazy());
        }
        out
    }

    #[test]
    fn columns_from_policy_fingerprints_and_audits() {
        let policy = Policy {
            trusted_ips: vec!["203.0.113.0/24".into()],
            allowed_countries: vec!["DE".into()],
            break_glass_accounts: vec!["a@x.com".into()],
            ..Default::default()
        };
        let intel = vec![Indicator {
            kind: IocKind::Ip,
            value: "45.153.160.0/24".into(),
            label: "campaign".into(),
            source: "t".into(),
            cidr: net::Cidr::parse("45.153.160.0/24"),
            asn: None,
        }];
        let en = enrich(&tables(), &policy, &intel).unwrap();
        let s = en.table(Table::SignIns).sort(["user_principal_name"], Default::default()).collect().unwrap();
        let b = |c: &str| s.column(c).unwrap().bool().unwrap().iter().collect::<Vec<_>>();
        let t = |c: &str| {
            s.column(c).unwrap().str().unwrap().iter().map(|x| x.map(str::to_string)).collect::<Vec<_>>()
        };
        assert_eq!(b(e::IP_IS_TRUSTED), vec![Some(true), Some(false)]);
        assert_eq!(b(e::IP_IS_HOSTING), vec![Some(false), Some(true)]);
        assert_eq!(t(e::IP_INTEL), vec![None, Some("campaign".into())]);
        assert_eq!(t(e::UA_TOOL_KIND), vec![None, Some("http_library".into())]);
        assert_eq!(b(e::USER_IS_PRIVILEGED), vec![Some(false), Some(true)]);
        assert_eq!(b(e::USER_IS_BREAK_GLASS), vec![Some(true), Some(false)]);
        assert_eq!(b(e::COUNTRY_ALLOWED), vec![Some(false), Some(false)]);
        assert_eq!(b(e::FIRST_FACTOR_OK), vec![Some(true), Some(false)]);
        let a = en.table(Table::Audits).collect().unwrap();
        assert_eq!(a.column(e::IP_HOSTING_PROVIDER).unwrap().str().unwrap().get(0), Some("DigitalOcean"));
        assert_eq!(a.column(e::TARGET_IS_PRIVILEGED).unwrap().bool().unwrap().get(0), Some(true));
        assert!(en.privileged_users.contains("b@x.com"));
    }
}
