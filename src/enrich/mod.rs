//! Enrichment: the columns rules use instead of re-deriving facts in every query.
//!
//! Facts that need code or outside knowledge — is this IP one of the customer's offices or a
//! learned shared egress, a VPS, on an IOC list; is this user agent an attack tool; is this
//! user privileged; is this country, network or device usual for this user — are computed
//! once per distinct key into small dimension tables (IPs, user agents, user×country,
//! user×ASN, user×device, app×source) and joined onto the canonical tables as columns (see
//! `schema::enriched`). [`Enricher`] holds those dimensions, collected once, and applies
//! them to any slice of a table: the whole window when it fits in memory, or chunk by chunk
//! when the pipeline spills a window larger than memory to disk.
//!
//! What the rules may assume comes from [`Knowledge`]: the customer's policy over the
//! baseline learned from the logs (`baseline`), each fact labelled with where it came from.

pub mod baseline;
pub mod fingerprint;
pub mod intel;
pub mod net;
pub mod roles;

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use polars::prelude::*;

use crate::policy::Policy;
use crate::schema::{enriched as e, Table};
use baseline::Baseline;
use intel::{Indicator, IocKind};

/// What the rules may assume about the tenant, and where it came from.
#[derive(Debug, Clone, Default)]
pub struct Knowledge {
    /// The policy in force: the given policy's keys over the learned baseline's.
    pub policy: Policy,
    /// The customer's policy as given (empty when none), and where it came from.
    pub given: Policy,
    pub given_from: Option<String>,
    /// SHA-256 of the policy file as read (chain of custody).
    pub given_sha256: Option<String>,
    /// The baseline learned from the logs, unless turned off.
    pub baseline: Option<Baseline>,
}

impl Knowledge {
    /// Combine a given policy with a learned baseline (either may be absent).
    pub fn new(given: Policy, given_from: Option<String>, baseline: Option<Baseline>) -> Knowledge {
        let policy = match &baseline {
            Some(b) => given.overlay(&b.policy),
            None => given.clone(),
        };
        Knowledge { policy, given, given_from, given_sha256: None, baseline }
    }

    /// Only a policy (tests, linting): no baseline.
    pub fn from_policy(policy: Policy) -> Knowledge {
        Knowledge::new(policy, None, None)
    }

    /// Where a policy key's value comes from: `policy`, `learned` or `none`.
    pub fn source_of(&self, key: &str) -> &'static str {
        if self.given.keys_set().contains(&key) {
            "policy"
        } else if self.policy.keys_set().contains(&key) {
            "learned"
        } else {
            "none"
        }
    }

    /// One line saying what the analysis assumed, for terminals and reports.
    pub fn describe(&self) -> String {
        let policy = match &self.given_from {
            Some(p) => format!("policy {p}"),
            None => "no policy file".to_string(),
        };
        match &self.baseline {
            Some(b) => format!(
                "{policy}; baseline learned from {} sign-ins ({} shared egress, {} usual countries, {} users' usual places)",
                b.signins,
                b.policy.trusted_ips.len(),
                b.policy.usual_countries.len(),
                b.policy.users.len()
            ),
            None => format!("{policy}; no learned baseline"),
        }
    }
}

/// The canonical tables with enrichment columns, ready for rules.
pub struct Enriched {
    pub tables: BTreeMap<Table, LazyFrame>,
    /// Users considered privileged (policy plus role assignments seen), lower-case UPNs.
    pub privileged_users: BTreeSet<String>,
    /// The tables are scans of spilled files, not frames in memory: rules run one at a time.
    pub on_disk: bool,
    /// Over spilled tables: user-partitioned rules run in slices of users holding about this
    /// many sign-ins each.
    pub slice_rows: Option<usize>,
}

impl Enriched {
    pub fn table(&self, t: Table) -> LazyFrame {
        self.tables.get(&t).cloned().expect("every table is enriched")
    }
}

/// The addresses among `ips` inside the trusted networks in force (policy or learned).
pub fn trusted_among<'a>(kn: &Knowledge, ips: impl Iterator<Item = &'a String>) -> BTreeSet<String> {
    let nets: Vec<net::Cidr> = kn.policy.trusted_ips.iter().filter_map(|c| net::Cidr::parse(c)).collect();
    ips.filter(|ip| net::parse_ip(ip).is_some_and(|a| nets.iter().any(|c| c.contains(a)))).cloned().collect()
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

/// Collect a dimension table once. Dimensions are keyed by distinct values (addresses, user
/// agents, user × address pairs) and small next to the rows they annotate; collected, every
/// rule's plan joins the same frame instead of re-deriving it from a scan of the sign-ins.
fn dim(lf: LazyFrame) -> Result<LazyFrame> {
    Ok(lf.collect()?.lazy())
}

/// Distinct non-null strings of `column` across several tables.
fn distinct(frames: &[(LazyFrame, &str)]) -> Result<Vec<String>> {
    let parts: Vec<LazyFrame> =
        frames.iter().map(|(lf, c)| lf.clone().select([col(*c).cast(DataType::String).alias("v")])).collect();
    let df = concat(parts, UnionArgs::default())?
        .filter(col("v").is_not_null())
        .unique(None, UniqueKeepStrategy::Any)
        .collect()?;
    let mut v: Vec<String> = df.column("v")?.str()?.iter().flatten().map(str::to_string).collect();
    v.sort();
    Ok(v)
}

/// One row per distinct IP: trust (and its source), privacy, intel label and the ASN seen.
fn ip_lookup(tables: &BTreeMap<Table, LazyFrame>, kn: &Knowledge, intel: &[Indicator]) -> Result<LazyFrame> {
    let ips = distinct(&[
        (tables[&Table::SignIns].clone(), "ip_address"),
        (tables[&Table::Audits].clone(), "ip_address"),
        (tables[&Table::RiskDetections].clone(), "ip_address"),
        (tables[&Table::GraphActivity].clone(), "ip_address"),
    ])?;
    let trusted: Vec<net::Cidr> = kn.policy.trusted_ips.iter().filter_map(|c| net::Cidr::parse(c)).collect();
    let trust_source = kn.source_of("trusted_ips");
    let intel_ips: Vec<&Indicator> = intel.iter().filter(|i| i.kind == IocKind::Ip).collect();
    let mut is_trusted = Vec::with_capacity(ips.len());
    let mut trust: Vec<Option<&str>> = Vec::with_capacity(ips.len());
    let mut is_private = Vec::with_capacity(ips.len());
    let mut label: Vec<Option<String>> = Vec::with_capacity(ips.len());
    for ip in &ips {
        let parsed = net::parse_ip(ip);
        let t = parsed.is_some_and(|a| trusted.iter().any(|c| c.contains(a)));
        is_trusted.push(t);
        trust.push(t.then_some(trust_source));
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
            Column::new(e::IP_TRUST.into(), trust),
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
    dim(df.lazy().left_join(asn, col("ip_address"), col("ip_address")))
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
        (tables[&Table::GraphActivity].clone(), "user_agent"),
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

/// A two-column dimension `(upn, value)` marking the user's usual values, joined as a
/// boolean column `flag` (false when the pair is not usual).
fn user_dim(
    kn: &Knowledge,
    value_col: &str,
    dtype: DataType,
    flag: &str,
    values: impl Fn(&crate::policy::UserHabits) -> Vec<String>,
) -> Result<LazyFrame> {
    let (mut upns, mut vals) = (Vec::new(), Vec::new());
    for (u, h) in &kn.policy.users {
        for v in values(h) {
            upns.push(u.clone());
            vals.push(v);
        }
    }
    let n = upns.len();
    Ok(DataFrame::new(
        n,
        vec![
            Column::new("user_principal_name".into(), upns),
            Column::new(value_col.into(), vals).cast(&dtype)?,
            Column::new(flag.into(), vec![true; n]),
        ],
    )?
    .lazy())
}

/// Mark each sign-in whose address already served this user's successful sign-ins on at
/// least two days, the first of them before this row: the user's own home, office or phone.
/// A stuck mail client failing from there is the user; an attacker's address has no such
/// history before its own attack. Computed over distinct (user, address) pairs.
fn own_addresses(signins: &LazyFrame) -> Result<LazyFrame> {
    let own = signins
        .clone()
        .filter(
            col("result")
                .eq(lit("success"))
                .and(col("user_principal_name").is_not_null())
                .and(col("ip_address").is_not_null()),
        )
        .group_by([col("user_principal_name"), col("ip_address")])
        .agg([
            col("time").min().alias("__own_first"),
            col("time").cast(DataType::Date).n_unique().alias("__own_days"),
        ])
        .filter(col("__own_days").gt_eq(lit(2u32)));
    dim(own)
}

/// Distinct (app id, ip, asn) of service-principal sign-ins with whether the source is one
/// the principal usually uses (its learned or declared networks or ASNs).
fn sp_source_lookup(signins: &LazyFrame, kn: &Knowledge) -> Result<LazyFrame> {
    let df = signins
        .clone()
        .filter(col("category").eq(lit("service_principal")).and(col("app_id").is_not_null()))
        .select([col("app_id"), col("ip_address"), col("asn")])
        .unique(None, UniqueKeepStrategy::Any)
        .collect()?;
    let apps = df.column("app_id")?.str()?.clone();
    let ips = df.column("ip_address")?.str()?.clone();
    let asns = df.column("asn")?.i64()?.clone();
    let mut usual = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let hit = apps
            .get(i)
            .and_then(|a| kn.policy.service_principals.get(&a.to_ascii_lowercase()))
            .is_some_and(|h| {
                asns.get(i).is_some_and(|a| h.asns.contains(&a))
                    || ips.get(i).and_then(net::parse_ip).is_some_and(|ip| {
                        h.networks.iter().filter_map(|n| net::Cidr::parse(n)).any(|c| c.contains(ip))
                    })
            });
        usual.push(hit);
    }
    let mut df = df;
    df.with_column(Column::new(e::SOURCE_IS_USUAL_FOR_SP.into(), usual))?;
    Ok(df.lazy())
}

/// The role an audit event concerns and whether it is privileged, as expressions over the
/// audit row (so they stay lazy): the `Role.TemplateId` / `Role.DisplayName` /
/// `Role.WellKnownObjectName` modified properties of directory role events (new value, or
/// old for removals), else a first target of type Role (PIM events, whose target id is the
/// role definition id: the template id for built-in roles). Privilege is decided by
/// template id (see `roles`), by name only when no template id is known; an unknown id or
/// name is a custom role and counts as privileged.
pub fn role_columns() -> [Expr; 3] {
    // `prop` is a regex fragment naming the modified property.
    let changed = |prop: &str| {
        let pat = format!(r#"(?m){prop}: "?([^"\n]*?)"? -> "?([^"\n]*?)"?\r?$"#);
        let new = col("changes").str().extract(lit(pat.clone()), 2);
        let old = col("changes").str().extract(lit(pat), 1);
        when(new.clone().str().len_chars().gt(lit(0))).then(new).otherwise(
            when(old.clone().str().len_chars().gt(lit(0)))
                .then(old)
                .otherwise(lit(NULL).cast(DataType::String)),
        )
    };
    let builtin_ids = roles::built_in_template_ids();
    let builtin_names = roles::built_in_names();
    let role_target = col("target_type").str().to_lowercase().eq(lit("role")).fill_null(lit(false));
    let null_str = || lit(NULL).cast(DataType::String);
    let target_id =
        when(role_target.clone()).then(col("target_id").str().to_lowercase()).otherwise(null_str());
    let target_builtin = in_list(target_id.clone(), &builtin_ids);
    let tid_changed = changed(r"Role(?:Definition)?\.TemplateId").str().to_lowercase();
    let template =
        coalesce(&[tid_changed.clone(), when(target_builtin.clone()).then(target_id).otherwise(null_str())]);
    let name = coalesce(&[
        changed(r"Role(?:Definition)?\.DisplayName"),
        changed(r"Role\.WellKnownObjectName"),
        when(role_target).then(col("target_name")).otherwise(null_str()),
    ]);
    let squashed = name.clone().str().to_lowercase().str().replace_all(lit("[^a-z0-9]"), lit(""), false);
    let by_id =
        |id: Expr| in_list(id.clone(), &roles::privileged_template_ids()).or(in_list(id, &builtin_ids).not());
    let privileged = when(tid_changed.clone().is_not_null())
        .then(by_id(tid_changed))
        .when(template.clone().is_not_null())
        .then(by_id(template.clone()))
        .when(squashed.clone().is_not_null())
        .then(
            in_list(squashed.clone(), &roles::privileged_names()).or(in_list(squashed, &builtin_names).not()),
        )
        .otherwise(lit(NULL).cast(DataType::Boolean));
    [name.alias(e::ROLE_NAME), template.alias(e::ROLE_TEMPLATE_ID), privileged.alias(e::ROLE_IS_PRIVILEGED)]
}

/// Assignments of privileged roles in the audits (directory, PIM eligible and active,
/// activations): `(target upn, role, time µs)`. In PIM events the user is not the first
/// target, so every target's UPN counts.
pub fn privileged_assignments(audits: &LazyFrame) -> Result<Vec<(String, String, i64)>> {
    let df = audits
        .clone()
        .filter(
            col("activity")
                .str()
                .contains(lit("member to role"), false)
                .and(col("activity").str().starts_with(lit("Remove")).not())
                .and(col("result").eq(lit("success"))),
        )
        .with_columns(role_columns())
        .filter(col(e::ROLE_IS_PRIVILEGED).fill_null(lit(false)))
        .select([
            col("targets"),
            col(e::ROLE_NAME),
            col(e::ROLE_TEMPLATE_ID),
            col("time").cast(DataType::Int64).alias("t"),
        ])
        .collect()?;
    let targets = df.column("targets")?.list()?;
    let times = df.column("t")?.i64()?;
    let names = df.column(e::ROLE_NAME)?.str()?;
    let ids = df.column(e::ROLE_TEMPLATE_ID)?.str()?;
    let mut out = Vec::new();
    for i in 0..targets.len() {
        let Some(row) = targets.get_as_series(i) else { continue };
        let label = names.get(i).or(ids.get(i)).unwrap_or("custom role").to_string();
        let upns = row.struct_()?.field_by_name("upn")?;
        for u in upns.str()?.iter().flatten() {
            out.push((u.to_ascii_lowercase(), label.clone(), times.get(i).unwrap_or(0)));
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    Ok(out)
}

/// Users who received a privileged role in the window's audits, plus the policy's list.
fn privileged_users(audits: &LazyFrame, policy: &Policy) -> Result<BTreeSet<String>> {
    let mut out: BTreeSet<String> = policy.privileged_users.iter().cloned().collect();
    out.extend(privileged_assignments(audits)?.into_iter().map(|(u, _, _)| u));
    Ok(out)
}

/// The dimension tables of one analysis, computed once over distinct keys of the whole
/// window (addresses, user agents, user × address pairs, ids → names), and the policy lists
/// the row-level columns test against. [`Enricher::apply`] adds the enrichment columns to
/// any slice of a canonical table: the whole table in memory, or chunk by chunk when the
/// window is larger than memory (the chunks then give exactly the rows the whole would).
pub struct Enricher {
    policy: Policy,
    ips: LazyFrame,
    uas: LazyFrame,
    hosting_by_asn: LazyFrame,
    hosting_by_ip_asn: LazyFrame,
    user_country: LazyFrame,
    user_asn: LazyFrame,
    user_device: LazyFrame,
    own: LazyFrame,
    sp_sources: LazyFrame,
    graph: GraphDims,
    privileged: BTreeSet<String>,
    priv_list: Vec<String>,
}

impl Enricher {
    /// Compute every dimension from the (windowed) canonical tables.
    pub fn new(tables: &BTreeMap<Table, LazyFrame>, kn: &Knowledge, intel: &[Indicator]) -> Result<Enricher> {
        let policy = kn.policy.clone();
        let privileged = privileged_users(&tables[&Table::Audits], &policy)?;
        let priv_list: Vec<String> = privileged.iter().cloned().collect();
        Ok(Enricher {
            ips: ip_lookup(tables, kn, intel)?,
            uas: ua_lookup(tables)?,
            hosting_by_asn: hosting_lookup("asn")?,
            hosting_by_ip_asn: hosting_lookup(e::IP_ASN)?,
            user_country: user_dim(kn, "country", DataType::String, e::COUNTRY_IS_USUAL_FOR_USER, |h| {
                h.countries.clone()
            })?,
            user_asn: user_dim(kn, "asn", DataType::Int64, e::ASN_IS_USUAL_FOR_USER, |h| {
                h.asns.iter().map(|a| a.to_string()).collect()
            })?,
            user_device: user_dim(kn, "device_id", DataType::String, e::DEVICE_IS_USUAL_FOR_USER, |h| {
                h.devices.clone()
            })?,
            own: own_addresses(&tables[&Table::SignIns])?,
            sp_sources: sp_source_lookup(&tables[&Table::SignIns], kn)?,
            graph: GraphDims::new(&tables[&Table::SignIns])?,
            policy,
            privileged,
            priv_list,
        })
    }

    /// Users considered privileged (policy plus role assignments seen), lower-case UPNs.
    pub fn into_privileged_users(self) -> BTreeSet<String> {
        self.privileged
    }

    /// Every table of `tables` enriched and collected into memory (the window fits).
    pub fn collect(self, tables: &BTreeMap<Table, LazyFrame>) -> Result<Enriched> {
        let mut out = BTreeMap::new();
        for t in Table::ALL {
            out.insert(t, self.apply(t, tables[&t].clone()).collect()?.lazy());
        }
        Ok(Enriched { tables: out, privileged_users: self.privileged, on_disk: false, slice_rows: None })
    }

    /// `rows` of table `t` with its enrichment columns, canonical columns first, then the
    /// enrichment in the documented order.
    pub fn apply(&self, t: Table, rows: LazyFrame) -> LazyFrame {
        let lf = match t {
            Table::SignIns => self.signins(rows),
            Table::Audits => self.audits(rows),
            Table::RiskDetections => self.ip_network_cols(rows).drop(cols([e::IP_ASN])).with_column(
                in_list(col("user_principal_name"), &self.priv_list).alias(e::USER_IS_PRIVILEGED),
            ),
            Table::RiskyUsers => rows.with_column(
                in_list(col("user_principal_name"), &self.priv_list).alias(e::USER_IS_PRIVILEGED),
            ),
            Table::GraphActivity => {
                self.graph.apply(self.ip_network_cols(rows), self.uas.clone(), &self.priv_list)
            }
            Table::Provisioning | Table::RiskyServicePrincipals => rows,
        };
        let mut names: Vec<Expr> = t.doc().columns.iter().map(|c| col(c.name)).collect();
        names.extend(e::columns(t.name()).iter().map(|c| col(c.name)));
        lf.select(names)
    }

    /// Trust, privacy and intel of the row's address.
    fn ip_cols(&self, lf: LazyFrame) -> LazyFrame {
        lf.left_join(self.ips.clone().drop(cols([e::IP_ASN])), col("ip_address"), col("ip_address"))
            .with_columns([bool_false(e::IP_IS_TRUSTED), bool_false(e::IP_IS_PRIVATE)])
    }

    /// Tables without an ASN of their own (audits, risk detections, Graph requests) take the
    /// network the sign-ins saw for the address, and its hosting label from that.
    fn ip_network_cols(&self, lf: LazyFrame) -> LazyFrame {
        self.ip_cols(lf)
            .left_join(
                self.ips.clone().select([col("ip_address"), col(e::IP_ASN)]),
                col("ip_address"),
                col("ip_address"),
            )
            .left_join(self.hosting_by_ip_asn.clone(), col(e::IP_ASN), col(e::IP_ASN))
            .with_column(col(e::IP_HOSTING_PROVIDER).is_not_null().alias(e::IP_IS_HOSTING))
    }

    fn signins(&self, rows: LazyFrame) -> LazyFrame {
        let policy = &self.policy;
        let glass = &policy.break_glass_accounts;
        let join2 = |lf: LazyFrame, dim: LazyFrame, key: &str| {
            lf.join(
                dim,
                [col("user_principal_name"), col(key)],
                [col("user_principal_name"), col(key)],
                JoinArgs::new(JoinType::Left),
            )
        };
        let signins = self
            .ip_cols(rows)
            .left_join(self.hosting_by_asn.clone(), col("asn"), col("asn"))
            .with_column(col(e::IP_HOSTING_PROVIDER).is_not_null().alias(e::IP_IS_HOSTING))
            .left_join(self.uas.clone(), col("user_agent"), col("user_agent"));
        let signins = join2(signins, self.user_country.clone(), "country");
        let signins = join2(signins, self.user_asn.clone(), "asn");
        let signins = join2(signins, self.user_device.clone(), "device_id");
        signins
            .join(
                self.own.clone(),
                [col("user_principal_name"), col("ip_address")],
                [col("user_principal_name"), col("ip_address")],
                JoinArgs::new(JoinType::Left),
            )
            .with_column(
                col("__own_first").lt(col("time")).fill_null(lit(false)).alias(e::IP_IS_OWN_FOR_USER),
            )
            .drop(cols(["__own_first", "__own_days"]))
            .join(
                self.sp_sources.clone(),
                [col("app_id"), col("ip_address"), col("asn")],
                [col("app_id"), col("ip_address"), col("asn")],
                JoinArgs { nulls_equal: true, ..JoinArgs::new(JoinType::Left) },
            )
            .with_columns([
                in_list(
                    col("app_id"),
                    &fingerprint::FOCI_APPS.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                )
                .alias(e::APP_IS_FOCI),
                in_list(
                    col("client_app_used"),
                    &fingerprint::LEGACY_CLIENT_APPS.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                )
                .alias(e::IS_LEGACY_AUTH),
                in_list_i64(col("error_code"), fingerprint::FIRST_FACTOR_OK_CODES).alias(e::FIRST_FACTOR_OK),
                in_list(col("user_principal_name"), &self.priv_list).alias(e::USER_IS_PRIVILEGED),
                in_list(col("user_principal_name"), glass).alias(e::USER_IS_BREAK_GLASS),
                country_in(&policy.allowed_countries).alias(e::COUNTRY_ALLOWED),
                country_in(&policy.usual_countries).alias(e::COUNTRY_IS_USUAL),
                bool_false(e::COUNTRY_IS_USUAL_FOR_USER),
                bool_false(e::ASN_IS_USUAL_FOR_USER),
                bool_false(e::DEVICE_IS_USUAL_FOR_USER),
                bool_false(e::SOURCE_IS_USUAL_FOR_SP),
                in_list(col("user_principal_name"), &policy.expected_device_code_users)
                    .alias(e::DEVICE_CODE_EXPECTED),
                in_list(col("app_id"), &policy.high_impact_apps).alias(e::APP_IS_HIGH_IMPACT),
            ])
    }

    fn audits(&self, rows: LazyFrame) -> LazyFrame {
        let glass = &self.policy.break_glass_accounts;
        self.ip_network_cols(rows)
            .left_join(self.uas.clone(), col("user_agent"), col("user_agent"))
            .with_columns(role_columns())
            .with_columns([
                in_list(col("actor_upn"), &self.priv_list).alias(e::ACTOR_IS_PRIVILEGED),
                in_list(col("actor_upn"), glass).alias(e::ACTOR_IS_BREAK_GLASS),
                in_list(col("target_upn"), &self.priv_list).alias(e::TARGET_IS_PRIVILEGED),
                in_list(col("target_upn"), glass).alias(e::TARGET_IS_BREAK_GLASS),
                in_list(col("target_id").str().to_lowercase(), &self.policy.automation_apps)
                    .alias(e::TARGET_IS_AUTOMATION),
            ])
    }
}

/// Whether the row's country is in a policy list: null when the list is empty (nothing is
/// known) or the row has no country.
fn country_in(list: &[String]) -> Expr {
    if list.is_empty() {
        return lit(NULL).cast(DataType::Boolean);
    }
    when(col("country").is_null())
        .then(lit(NULL).cast(DataType::Boolean))
        .otherwise(in_list(col("country"), list))
}

fn bool_false(c: &str) -> Expr {
    col(c).fill_null(lit(false))
}

/// Every table enriched and collected into memory (the window fits).
pub fn enrich(tables: &BTreeMap<Table, LazyFrame>, kn: &Knowledge, intel: &[Indicator]) -> Result<Enriched> {
    Enricher::new(tables, kn, intel)?.collect(tables)
}

/// Graph requests carry ids only: the caller's UPN and the app's name come from the sign-ins
/// (distinct user id → UPN and app id → name dimensions), and whether the caller ever signed
/// in successfully from the request's address (distinct (principal, address) pairs) tells a
/// token used where it was issued from one replayed elsewhere.
struct GraphDims {
    upn_of: LazyFrame,
    app_of: LazyFrame,
    signed_in_from: LazyFrame,
}

fn graph_principal(user: &str, sp: &str) -> Expr {
    when(col(user).is_not_null()).then(col(user)).otherwise(col(sp)).alias("_principal")
}

impl GraphDims {
    fn new(signins: &LazyFrame) -> Result<GraphDims> {
        let upn_of = signins
            .clone()
            .filter(col("user_id").is_not_null().and(col("user_principal_name").is_not_null()))
            .group_by([col("user_id")])
            .agg([col("user_principal_name").min().alias(e::USER_PRINCIPAL_NAME)]);
        let app_of = signins
            .clone()
            .filter(col("app_id").is_not_null().and(col("app_display_name").is_not_null()))
            .group_by([col("app_id")])
            .agg([col("app_display_name").min().alias(e::APP_DISPLAY_NAME)]);
        let signed_in_from = signins
            .clone()
            .filter(col("result").eq(lit("success")).and(col("ip_address").is_not_null()))
            .select([graph_principal("user_id", "service_principal_id"), col("ip_address")])
            .filter(col("_principal").is_not_null())
            .unique(None, UniqueKeepStrategy::Any)
            .with_column(lit(true).alias(e::PRINCIPAL_SIGNED_IN_FROM_IP));
        Ok(GraphDims { upn_of: dim(upn_of)?, app_of: dim(app_of)?, signed_in_from: dim(signed_in_from)? })
    }

    fn apply(&self, graph: LazyFrame, uas: LazyFrame, priv_list: &[String]) -> LazyFrame {
        graph
            .left_join(uas, col("user_agent"), col("user_agent"))
            .left_join(self.upn_of.clone(), col("user_id"), col("user_id"))
            .left_join(self.app_of.clone(), col("app_id"), col("app_id"))
            .with_column(in_list(col(e::USER_PRINCIPAL_NAME), priv_list).alias(e::USER_IS_PRIVILEGED))
            .with_column(graph_principal("user_id", "service_principal_id"))
            .join(
                self.signed_in_from.clone(),
                [col("_principal"), col("ip_address")],
                [col("_principal"), col("ip_address")],
                JoinArgs::new(JoinType::Left),
            )
            .with_column(col(e::PRINCIPAL_SIGNED_IN_FROM_IP).fill_null(lit(false)))
    }
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
            // as the readers write it (ingest::map::changes_text)
            changes: Some("/Role.DisplayName:  -> Global Administrator".into()),
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
        let en = enrich(&tables(), &Knowledge::from_policy(policy), &intel).unwrap();
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
