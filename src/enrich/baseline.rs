//! The tenant baseline learned from the logs themselves: what is ordinary here.
//!
//! On day one of a case there is rarely a policy file, and without one every office NAT,
//! VPN and cloud proxy looks like a stranger. This module learns, from the window's own
//! records, the facts a policy would state — shared egress addresses and prefixes, the
//! tenant's usual countries, each user's usual countries, networks and devices, privileged
//! accounts, each service principal's usual sources and routine credential automation —
//! as a [`Policy`] with the same keys, so `entrascope profile` can write it as a draft
//! policy and the rules read it through the same enrichment columns.
//!
//! An attacker must never be learned as normal. Before anything is learned, attack signals
//! are collected: password-spray and brute-force bursts, risky sign-ins, Identity Protection
//! detections, intel-listed addresses and attack-tool user agents. Addresses with such a
//! signal are never learned (a busy shared egress where a handful of its users mistyped or
//! were flagged keeps its standing), and a per-user or per-principal item must be seen
//! before that user's first signal. Per-user places also need a second day and either a
//! managed/compliant device or a tenant-usual country, which a replayed token from abroad
//! never has. Every learned item carries its evidence (users, days, first and last seen);
//! items refused because of a signal are kept too, so the report can show both.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use polars::prelude::*;

use super::fingerprint::{self, ToolKind};
use super::intel::{Indicator, IocKind};
use super::net;
use crate::policy::{Policy, SpHabits, UserHabits};
use crate::schema::Table;

const MINUTE_US: i64 = 60_000_000;
const EXPLODE: ExplodeOptions = ExplodeOptions { empty_as_null: false, keep_nulls: false };
const DAY_US: i64 = 24 * 60 * MINUTE_US;

/// Thresholds of the learning, fixed and documented rather than tunable: they decide what
/// the rules will treat as normal, and a reviewer must be able to read them in one place.
mod limits {
    /// Result codes of a failed first factor (bad, expired or locked password, unknown or
    /// disabled user): the codes sprays and brute force produce.
    pub const BAD_PASSWORD: &[i64] = &[50126, 50053, 50055, 50056, 50034, 50057, 50064];
    /// A spray burst: this many distinct accounts failing from one address in 20 minutes.
    pub const SPRAY_USERS: u32 = 5;
    /// A brute-force burst: this many failures of one account in 20 minutes.
    pub const BRUTE_FAILURES: u32 = 10;
    pub const BURST_US: i64 = 20 * super::MINUTE_US;
    /// Shared egress: at least this many users (or 0.5% of the active users, if more) …
    pub const EGRESS_MIN_USERS: u32 = 5;
    pub const EGRESS_USER_SHARE: f64 = 0.005;
    /// … on at least this many days (fewer when the window is shorter) …
    pub const MIN_DAYS: u32 = 3;
    /// … with at least this share of its successes strongly authenticated (MFA satisfied, or
    /// a compliant or managed device).
    pub const EGRESS_STRONG_SHARE: f64 = 0.5;
    /// A prefix is a shared egress only with this many users per address in it.
    pub const PREFIX_USERS_PER_ADDRESS: f64 = 2.0;
    /// A busy egress keeps its standing despite soft signals (a few users mistyping or
    /// flagged behind it) when its successful users outnumber the signalled ones this much.
    pub const BUSY_RATIO: f64 = 3.0;
    /// Tenant-usual country: this many users (or 1% of the active users, if more).
    pub const COUNTRY_MIN_USERS: u32 = 3;
    pub const COUNTRY_USER_SHARE: f64 = 0.01;
    /// Per-user and per-principal items: seen on at least this many days.
    pub const HABIT_DAYS: u32 = 2;
    /// An unmanaged device becomes usual only after this many days.
    pub const DEVICE_DAYS_UNMANAGED: u32 = 5;
    /// Routine credential automation: the same actor renewed the same app on this many days.
    pub const ROTATION_DAYS: u32 = 3;
}

/// One learned (or refused) item and the evidence for it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Item {
    /// The policy key it fills: `trusted_ips`, `usual_countries`, `users`, …
    pub key: String,
    /// The user or app it belongs to, for per-entity keys.
    pub subject: Option<String>,
    pub value: String,
    pub users: u64,
    pub days: u64,
    pub first: i64,
    pub last: i64,
    /// Human evidence (or, for refused items, the reason).
    pub note: String,
}

/// What the logs say is normal, with the evidence.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    /// The learned facts as policy keys (empty keys were not learned).
    pub policy: Policy,
    pub items: Vec<Item>,
    /// Candidates that met the thresholds but had an attack signal.
    pub refused: Vec<Item>,
    /// Sign-ins and distinct active users the baseline was learned from.
    pub signins: u64,
    pub active_users: u64,
    pub first: Option<i64>,
    pub last: Option<i64>,
}

/// Attack signals: when each address, network and account was first involved in one.
#[derive(Debug, Default)]
struct Signals {
    /// Address → (first signal, why). Hard signals (intel, attack tools) are never waived.
    ips: BTreeMap<String, (i64, String, bool)>,
    /// Users behind each signalled address, to tell a busy egress from an attacker.
    ip_users: BTreeMap<String, BTreeSet<String>>,
    users: BTreeMap<String, i64>,
}

impl Signals {
    fn add_ip(&mut self, ip: &str, t: i64, why: &str, hard: bool) {
        let e = self.ips.entry(ip.to_string()).or_insert((t, why.to_string(), hard));
        if t < e.0 {
            e.0 = t;
            e.1 = why.to_string();
        }
        e.2 |= hard;
    }
    fn add_user(&mut self, upn: &str, t: i64) {
        let e = self.users.entry(upn.to_string()).or_insert(t);
        *e = (*e).min(t);
    }
}

fn strs(df: &DataFrame, c: &str) -> Result<Vec<Option<String>>> {
    Ok(df.column(c)?.cast(&DataType::String)?.str()?.iter().map(|s| s.map(str::to_string)).collect())
}
fn ints(df: &DataFrame, c: &str) -> Result<Vec<Option<i64>>> {
    Ok(df.column(c)?.cast(&DataType::Int64)?.i64()?.iter().collect())
}
fn floats(df: &DataFrame, c: &str) -> Result<Vec<Option<f64>>> {
    Ok(df.column(c)?.cast(&DataType::Float64)?.f64()?.iter().collect())
}

fn micros(c: &str) -> Expr {
    col(c).cast(DataType::Int64)
}

/// Sign-ins with the columns learning reads, plus `t` (µs) and `day`.
fn signins(tables: &BTreeMap<Table, LazyFrame>) -> LazyFrame {
    tables[&Table::SignIns].clone().select([
        micros("time").alias("t"),
        micros("time").floor_div(lit(DAY_US)).alias("day"),
        col("category"),
        col("user_principal_name").alias("upn"),
        col("app_id"),
        col("service_principal_name"),
        col("ip_address").alias("ip"),
        col("asn"),
        col("country"),
        col("device_id"),
        col("result"),
        col("error_code"),
        col("user_agent"),
        col("risk_level_during_signin"),
        col("risk_state"),
        col("credential_key_id"),
        (col("result").eq(lit("success")).and(
            col("authentication_requirement")
                .eq(lit("multiFactorAuthentication"))
                .or(col("device_is_compliant").fill_null(lit(false)))
                .or(col("device_is_managed").fill_null(lit(false))),
        ))
        .fill_null(lit(false))
        .alias("strong"),
        (col("device_is_compliant").fill_null(lit(false)).or(col("device_is_managed").fill_null(lit(false))))
            .alias("managed"),
    ])
}

fn user_signins(si: &LazyFrame) -> LazyFrame {
    si.clone().filter(
        col("category")
            .eq(lit("interactive"))
            .or(col("category").eq(lit("non_interactive")))
            .and(col("upn").is_not_null()),
    )
}

fn collect_signals(
    tables: &BTreeMap<Table, LazyFrame>,
    si: &LazyFrame,
    intel: &[Indicator],
) -> Result<Signals> {
    let mut s = Signals::default();
    let bad = Series::new("bad".into(), limits::BAD_PASSWORD);
    let fails = user_signins(si).filter(
        col("result")
            .neq(lit("success"))
            .and(col("error_code").is_in(lit(bad).implode(false), false))
            .and(col("ip").is_not_null()),
    );
    let bucket = col("t").floor_div(lit(limits::BURST_US)).alias("bucket");

    // Spray bursts: many accounts failing from one address within 20 minutes.
    let spray = fails
        .clone()
        .with_column(bucket.clone())
        .group_by([col("ip"), col("bucket")])
        .agg([
            col("upn").n_unique().alias("n"),
            col("t").min().alias("t"),
            col("upn").unique().alias("users"),
        ])
        .filter(col("n").gt_eq(lit(limits::SPRAY_USERS)))
        .explode(cols(["users"]), EXPLODE)
        .collect()?;
    let (ips, ts, users) = (strs(&spray, "ip")?, ints(&spray, "t")?, strs(&spray, "users")?);
    let mut spray_start: BTreeMap<String, i64> = BTreeMap::new();
    for ((ip, t), u) in ips.iter().zip(&ts).zip(&users) {
        if let (Some(ip), Some(t)) = (ip, t) {
            s.add_ip(ip, *t, "password-spray burst", false);
            let e = spray_start.entry(ip.clone()).or_insert(*t);
            *e = (*e).min(*t);
            if let Some(u) = u {
                s.ip_users.entry(ip.clone()).or_default().insert(u.clone());
            }
        }
    }
    // A sprayed account is only targeted; the accounts whose password the spraying address
    // then validated (a success, an MFA interrupt, a CA block) are the ones whose later new
    // places must not be learned. (Tainting every account that mistyped once behind a
    // carrier NAT would unlearn half the tenant.)
    if !spray_start.is_empty() {
        let ok = Series::new("ok".into(), fingerprint::FIRST_FACTOR_OK_CODES);
        let addrs: Vec<String> = spray_start.keys().cloned().collect();
        let validated = user_signins(si)
            .filter(
                col("error_code").is_in(lit(ok).implode(false), false).and(super::in_list(col("ip"), &addrs)),
            )
            .select([col("upn"), col("ip"), col("t")])
            .collect()?;
        for ((u, ip), t) in
            strs(&validated, "upn")?.iter().zip(strs(&validated, "ip")?).zip(ints(&validated, "t")?)
        {
            let (Some(u), Some(ip), Some(t)) = (u, ip, t) else { continue };
            if spray_start.get(&ip).is_some_and(|start| t >= *start) {
                s.add_user(u, t);
            }
        }
    }

    // Brute-force bursts: one account failing many times within 20 minutes — unless from an
    // address the account had already signed in from successfully before the burst, and on
    // several days: its own phone or mail client stuck on an old password, not someone
    // guessing it (an attacker's address has no successes before its own burst).
    let own = user_signins(si)
        .filter(col("result").eq(lit("success")).and(col("ip").is_not_null()))
        .group_by([col("upn"), col("ip")])
        .agg([col("day").n_unique().alias("days"), col("t").min().alias("first")])
        .filter(col("days").gt_eq(lit(2)))
        .collect()?;
    let own: BTreeMap<(String, String), i64> = strs(&own, "upn")?
        .into_iter()
        .zip(strs(&own, "ip")?)
        .zip(ints(&own, "first")?)
        .filter_map(|((u, i), f)| Some(((u?, i?), f?)))
        .collect();
    let brute = fails
        .with_column(bucket)
        .group_by([col("upn"), col("bucket")])
        .agg([col("t").min().alias("t"), len().alias("n"), col("ip").unique().alias("ip")])
        .filter(col("n").gt_eq(lit(limits::BRUTE_FAILURES)))
        .explode(cols(["ip"]), EXPLODE)
        .collect()?;
    let (upns, ts, ips) = (strs(&brute, "upn")?, ints(&brute, "t")?, strs(&brute, "ip")?);
    for ((u, t), ip) in upns.iter().zip(&ts).zip(&ips) {
        let (Some(u), Some(t), Some(ip)) = (u, t, ip) else { continue };
        if own.get(&(u.clone(), ip.clone())).is_some_and(|first| first < t) {
            continue;
        }
        s.add_user(u, *t);
        s.add_ip(ip, *t, "brute-force burst", false);
        s.ip_users.entry(ip.clone()).or_default().insert(u.clone());
    }

    // Risky sign-ins and Identity Protection detections.
    let risky = si
        .clone()
        .filter(
            col("risk_level_during_signin")
                .is_in(lit(Series::new("r".into(), ["medium", "high"])).implode(false), false)
                .or(col("risk_state").is_in(
                    lit(Series::new("s".into(), ["atRisk", "confirmedCompromised"])).implode(false),
                    false,
                ))
                .fill_null(lit(false)),
        )
        .select([col("upn"), col("ip"), col("t")]);
    let detections = tables[&Table::RiskDetections].clone().select([
        col("user_principal_name").alias("upn"),
        col("ip_address").alias("ip"),
        micros("time").alias("t"),
    ]);
    let risk = concat([risky, detections], UnionArgs::default())?.filter(col("t").is_not_null()).collect()?;
    let (upns, ips, ts) = (strs(&risk, "upn")?, strs(&risk, "ip")?, ints(&risk, "t")?);
    for ((u, ip), t) in upns.iter().zip(&ips).zip(&ts) {
        let Some(t) = t else { continue };
        if let Some(u) = u {
            s.add_user(u, *t);
        }
        if let Some(ip) = ip {
            s.add_ip(ip, *t, "risky sign-in or risk detection", false);
            if let Some(u) = u {
                s.ip_users.entry(ip.clone()).or_default().insert(u.clone());
            }
        }
    }

    // Hard signals: attack-tool user agents and intel-listed addresses, per distinct value.
    let per_ua = si
        .clone()
        .filter(col("user_agent").is_not_null().and(col("ip").is_not_null()))
        .group_by([col("user_agent"), col("ip")])
        .agg([col("t").min().alias("t"), col("upn").unique().alias("users")])
        .collect()?;
    let (uas, ips, ts) = (strs(&per_ua, "user_agent")?, strs(&per_ua, "ip")?, ints(&per_ua, "t")?);
    let users = per_ua.column("users")?.list()?.clone();
    for (i, ((ua, ip), t)) in uas.iter().zip(&ips).zip(&ts).enumerate() {
        let (Some(ua), Some(ip), Some(t)) = (ua, ip, t) else { continue };
        if let Some((tool, ToolKind::AttackTool)) = fingerprint::user_agent(ua) {
            s.add_ip(ip, *t, &format!("attack tool {tool}"), true);
            if let Some(us) = users.get_as_series(i) {
                for u in us.str()?.iter().flatten() {
                    s.add_user(u, *t);
                }
            }
        }
    }
    let intel_nets: Vec<_> = intel.iter().filter(|i| i.kind == IocKind::Ip).filter_map(|i| i.cidr).collect();
    if !intel_nets.is_empty() {
        let first = si
            .clone()
            .filter(col("ip").is_not_null())
            .group_by([col("ip")])
            .agg([col("t").min().alias("t")])
            .collect()?;
        for (ip, t) in strs(&first, "ip")?.iter().zip(ints(&first, "t")?) {
            let (Some(ip), Some(t)) = (ip, t) else { continue };
            if net::parse_ip(ip).is_some_and(|a| intel_nets.iter().any(|c| c.contains(a))) {
                s.add_ip(ip, t, "listed in an intel file", true);
            }
        }
    }
    Ok(s)
}

/// Per-address success statistics, the input to egress learning and the busy-egress test.
struct IpStats {
    users: u32,
    days: u32,
    strong_share: f64,
    first: i64,
    last: i64,
    asn: Option<i64>,
}

/// What makes a source a shared egress, aggregated over its successful user sign-ins:
/// distinct users and days, the strongly authenticated share, first and last seen.
fn egress_evidence(extra: Expr) -> Vec<Expr> {
    vec![
        col("upn").n_unique().alias("users"),
        col("day").n_unique().alias("days"),
        col("strong").cast(DataType::Float64).mean().alias("strong"),
        col("t").min().alias("first"),
        col("t").max().alias("last"),
        extra,
    ]
}

fn ip_stats(si: &LazyFrame) -> Result<BTreeMap<String, IpStats>> {
    let df = user_signins(si)
        .filter(col("result").eq(lit("success")).and(col("ip").is_not_null()))
        .group_by([col("ip")])
        .agg(egress_evidence(col("asn").min().alias("asn")))
        .collect()?;
    let mut out = BTreeMap::new();
    let (ips, users, days) = (strs(&df, "ip")?, ints(&df, "users")?, ints(&df, "days")?);
    let (strong, first, last) = (floats(&df, "strong")?, ints(&df, "first")?, ints(&df, "last")?);
    let asn = ints(&df, "asn")?;
    for i in 0..df.height() {
        if let Some(ip) = &ips[i] {
            out.insert(
                ip.clone(),
                IpStats {
                    users: users[i].unwrap_or(0) as u32,
                    days: days[i].unwrap_or(0) as u32,
                    strong_share: strong[i].unwrap_or(0.0),
                    first: first[i].unwrap_or(0),
                    last: last[i].unwrap_or(0),
                    asn: asn[i],
                },
            );
        }
    }
    Ok(out)
}

/// Distinct users with a successful sign-in per network (ASN).
fn asn_user_counts(si: &LazyFrame) -> Result<BTreeMap<i64, u32>> {
    let df = user_signins(si)
        .filter(col("result").eq(lit("success")).and(col("asn").is_not_null()))
        .group_by([col("asn")])
        .agg([col("upn").n_unique().alias("users")])
        .collect()?;
    Ok(ints(&df, "asn")?
        .into_iter()
        .zip(ints(&df, "users")?)
        .filter_map(|(a, u)| Some((a?, u? as u32)))
        .collect())
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// Learn the baseline from the (windowed) canonical tables.
pub fn learn(tables: &BTreeMap<Table, LazyFrame>, intel: &[Indicator]) -> Result<Baseline> {
    let si = signins(tables);
    let overview = user_signins(&si)
        .select([
            len().alias("n"),
            col("upn").filter(col("result").eq(lit("success"))).n_unique().alias("users"),
        ])
        .collect()?;
    // The window spans every sign-in, workloads included: an export of service-principal
    // sign-ins alone still has days.
    let span = si.clone().select([col("t").min().alias("first"), col("t").max().alias("last")]).collect()?;
    let mut b = Baseline {
        signins: ints(&overview, "n")?[0].unwrap_or(0) as u64,
        active_users: ints(&overview, "users")?[0].unwrap_or(0) as u64,
        first: ints(&span, "first")?[0],
        last: ints(&span, "last")?[0],
        ..Default::default()
    };
    let window_days = match (b.first, b.last) {
        (Some(f), Some(l)) => ((l - f) / DAY_US + 1) as u32,
        _ => 0,
    };
    let min_days = limits::MIN_DAYS.min(window_days.max(1));
    // A habit is something seen on more than one day: an export shorter than that teaches no
    // one's habits (else the attack in a one-day export would become its victim's "usual").
    let habit_days = limits::HABIT_DAYS;
    let signals = collect_signals(tables, &si, intel)?;
    let stats = ip_stats(&si)?;
    let active = b.active_users as f64;
    let egress_users =
        (limits::EGRESS_MIN_USERS as f64).max((active * limits::EGRESS_USER_SHARE).ceil()) as u32;

    // An address is tainted by a signal unless it is a busy egress whose users mostly
    // succeed (a few typos or flagged users behind an office NAT do not make it hostile).
    let tainted: BTreeMap<&str, (i64, &str)> = signals
        .ips
        .iter()
        .filter(|(ip, (_, _, hard))| {
            let busy = stats.get(ip.as_str()).is_some_and(|st| {
                let flagged = signals.ip_users.get(ip.as_str()).map_or(0, BTreeSet::len) as f64;
                st.users >= egress_users && st.users as f64 >= limits::BUSY_RATIO * flagged.max(1.0)
            });
            *hard || !busy
        })
        .map(|(ip, (t, why, _))| (ip.as_str(), (*t, why.as_str())))
        .collect();
    // Networks first signalled at a time: later first sightings from them are not learned.
    // A network that many of the tenant's users sign in from (a national ISP, a mobile
    // carrier) is not handed to the attacker by one bad address in it: there the taint holds
    // only for the accounts that address touched, or one stuck mail client at one home would
    // erase the home network of every customer of that ISP.
    let mut tainted_asn: BTreeMap<i64, (i64, BTreeSet<&str>)> = BTreeMap::new();
    for (ip, (t, _)) in &tainted {
        if let Some(asn) = stats.get(*ip).and_then(|s| s.asn) {
            let e = tainted_asn.entry(asn).or_insert((*t, BTreeSet::new()));
            e.0 = e.0.min(*t);
            e.1.extend(signals.ip_users.get(*ip).into_iter().flatten().map(String::as_str));
        }
    }
    let asn_users = asn_user_counts(&si)?;
    let asn_refused = |asn: i64, upn: &str, first: i64| {
        tainted_asn.get(&asn).is_some_and(|(t, users)| {
            first >= *t && (asn_users.get(&asn).copied().unwrap_or(0) < egress_users || users.contains(upn))
        })
    };

    // 1. Shared egress: addresses, then non-hosting /24 and /48 prefixes.
    let mut egress = Vec::new();
    for (ip, st) in &stats {
        if st.users < egress_users || st.days < min_days || st.strong_share < limits::EGRESS_STRONG_SHARE {
            continue;
        }
        let item = Item {
            key: "trusted_ips".into(),
            subject: None,
            value: if ip.contains(':') { format!("{ip}/128") } else { format!("{ip}/32") },
            users: st.users as u64,
            days: st.days as u64,
            first: st.first,
            last: st.last,
            note: format!(
                "shared egress: {} users on {} days, {} strongly authenticated{}",
                st.users,
                st.days,
                pct(st.strong_share),
                st.asn.map(|a| format!(", AS{a}")).unwrap_or_default()
            ),
        };
        match tainted.get(ip.as_str()) {
            Some((t, why)) => b.refused.push(Item { note: format!("{why} at {}", rfc3339(*t)), ..item }),
            None => egress.push(item),
        }
    }
    let prefixes = user_signins(&si)
        .filter(col("result").eq(lit("success")).and(col("ip").is_not_null()))
        .group_by([col("ip")])
        .agg([col("asn").min().alias("asn")])
        .collect()?;
    let mut by_prefix: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (ip, asn) in strs(&prefixes, "ip")?.into_iter().zip(ints(&prefixes, "asn")?) {
        let Some(ip) = ip else { continue };
        if asn.is_some_and(|a| fingerprint::hosting_provider(a).is_some()) {
            continue; // a hosting /24 is shared with strangers: learn its addresses only
        }
        if let Some(p) = net::prefix(&ip) {
            by_prefix.entry(p).or_default().push(ip);
        }
    }
    if by_prefix.values().any(|v| v.len() > 1) {
        let multi: BTreeMap<&String, &Vec<String>> = by_prefix.iter().filter(|(_, v)| v.len() > 1).collect();
        let map: Vec<(String, String)> =
            multi.iter().flat_map(|(p, ips)| ips.iter().map(|ip| (ip.clone(), (*p).clone()))).collect();
        let lookup = DataFrame::new(
            map.len(),
            vec![
                Column::new("ip".into(), map.iter().map(|m| m.0.as_str()).collect::<Vec<_>>()),
                Column::new("prefix".into(), map.iter().map(|m| m.1.as_str()).collect::<Vec<_>>()),
            ],
        )?;
        let df = user_signins(&si)
            .filter(col("result").eq(lit("success")))
            .inner_join(lookup.lazy(), col("ip"), col("ip"))
            .group_by([col("prefix")])
            .agg(egress_evidence(col("ip").n_unique().alias("ips")))
            .collect()?;
        let (ps, users, days) = (strs(&df, "prefix")?, ints(&df, "users")?, ints(&df, "days")?);
        let (strong, first, last, nips) =
            (floats(&df, "strong")?, ints(&df, "first")?, ints(&df, "last")?, ints(&df, "ips")?);
        for i in 0..df.height() {
            let (Some(p), Some(u), Some(d)) = (&ps[i], users[i], days[i]) else { continue };
            let share = strong[i].unwrap_or(0.0);
            if (u as u32) < egress_users || (d as u32) < min_days || share < limits::EGRESS_STRONG_SHARE {
                continue;
            }
            // A NAT pool or proxy serves many users per address; a residential /24 has one
            // household per address and is not a shared egress.
            if (u as f64) < limits::PREFIX_USERS_PER_ADDRESS * nips[i].unwrap_or(1) as f64 {
                continue;
            }
            let item = Item {
                key: "trusted_ips".into(),
                subject: None,
                value: p.clone(),
                users: u as u64,
                days: d as u64,
                first: first[i].unwrap_or(0),
                last: last[i].unwrap_or(0),
                note: format!(
                    "shared egress prefix: {} addresses, {u} users on {d} days, {} strongly authenticated",
                    nips[i].unwrap_or(0),
                    pct(share)
                ),
            };
            // A prefix with any tainted address in it is not learned as a whole.
            let ips_in = &by_prefix[p];
            match ips_in.iter().find_map(|ip| tainted.get(ip.as_str())) {
                Some((t, why)) => b.refused.push(Item { note: format!("{why} at {}", rfc3339(*t)), ..item }),
                None => {
                    egress.retain(|e| !ips_in.iter().any(|ip| e.value.starts_with(&format!("{ip}/"))));
                    egress.push(item);
                }
            }
        }
    }
    egress.sort_by(|a, b| a.value.cmp(&b.value));
    b.policy.trusted_ips = egress.iter().map(|i| i.value.clone()).collect();
    b.items.extend(egress);

    // Clean successes: never from a tainted address.
    let tainted_ips: Vec<String> = tainted.keys().map(|s| s.to_string()).collect();
    let clean = user_signins(&si)
        .filter(col("result").eq(lit("success")))
        .filter(super::in_list(col("ip"), &tainted_ips).not());

    // 2. Tenant-usual countries.
    let country_users =
        (limits::COUNTRY_MIN_USERS as f64).max((active * limits::COUNTRY_USER_SHARE).ceil()) as u32;
    let df = clean
        .clone()
        .filter(col("country").is_not_null())
        .group_by([col("country")])
        .agg([
            col("upn").n_unique().alias("users"),
            col("day").n_unique().alias("days"),
            col("t").min().alias("first"),
            col("t").max().alias("last"),
        ])
        .sort(["country"], Default::default())
        .collect()?;
    let (cs, users, days, first, last) = (
        strs(&df, "country")?,
        ints(&df, "users")?,
        ints(&df, "days")?,
        ints(&df, "first")?,
        ints(&df, "last")?,
    );
    let mut usual_countries = BTreeSet::new();
    for i in 0..df.height() {
        let (Some(c), Some(u), Some(d)) = (&cs[i], users[i], days[i]) else { continue };
        if (u as u32) < country_users || (d as u32) < min_days {
            continue;
        }
        usual_countries.insert(c.clone());
        b.items.push(Item {
            key: "usual_countries".into(),
            subject: None,
            value: c.clone(),
            users: u as u64,
            days: d as u64,
            first: first[i].unwrap_or(0),
            last: last[i].unwrap_or(0),
            note: format!("{u} users on {d} days"),
        });
    }
    b.policy.usual_countries = usual_countries.iter().cloned().collect();

    // 3. Each user's usual countries, networks and devices.
    let before_signal = |upn: &str, first: i64| signals.users.get(upn).is_none_or(|t| first < *t);
    let habits = |key: &str| -> Result<DataFrame> {
        Ok(clean
            .clone()
            .filter(col(key).is_not_null())
            .group_by([col("upn"), col(key)])
            .agg([
                col("day").n_unique().alias("days"),
                col("t").min().alias("first"),
                col("t").max().alias("last"),
                col("managed").any(true).alias("managed"),
            ])
            .sort(["upn", key], Default::default())
            .collect()?)
    };
    let mut users_map: BTreeMap<String, UserHabits> = BTreeMap::new();
    let mut user_evidence: BTreeMap<String, (i64, i64, u64)> = BTreeMap::new();
    for key in ["country", "asn", "device_id"] {
        let df = habits(key)?;
        let (upns, days, first, last) =
            (strs(&df, "upn")?, ints(&df, "days")?, ints(&df, "first")?, ints(&df, "last")?);
        let managed: Vec<Option<bool>> = df.column("managed")?.bool()?.iter().collect();
        let values = strs(&df, key)?;
        for i in 0..df.height() {
            let (Some(u), Some(v), Some(d), Some(f)) = (&upns[i], &values[i], days[i], first[i]) else {
                continue;
            };
            let d = d as u32;
            let managed = managed[i].unwrap_or(false);
            let keep = before_signal(u, f)
                && match key {
                    "country" => d >= habit_days && (managed || usual_countries.contains(v)),
                    "asn" => {
                        let asn: i64 = v.parse().unwrap_or(0);
                        d >= habit_days
                            && !asn_refused(asn, u, f)
                            && (managed || fingerprint::hosting_provider(asn).is_none())
                    }
                    _ => {
                        (managed && d >= habit_days)
                            || d >= limits::DEVICE_DAYS_UNMANAGED.min(window_days).max(habit_days)
                    }
                };
            if !keep {
                continue;
            }
            let h = users_map.entry(u.clone()).or_default();
            match key {
                "country" => h.countries.push(v.clone()),
                "asn" => h.asns.push(v.parse().unwrap_or(0)),
                _ => h.devices.push(v.clone()),
            }
            let e = user_evidence.entry(u.clone()).or_insert((f, last[i].unwrap_or(f), 0));
            e.0 = e.0.min(f);
            e.1 = e.1.max(last[i].unwrap_or(f));
            e.2 = e.2.max(d as u64);
        }
    }
    for (u, h) in &users_map {
        let (first, last, days) = user_evidence[u];
        b.items.push(Item {
            key: "users".into(),
            subject: Some(u.clone()),
            value: format!(
                "countries {:?}, {} networks, {} devices",
                h.countries,
                h.asns.len(),
                h.devices.len()
            ),
            users: 1,
            days,
            first,
            last,
            note: format!("up to {days} days"),
        });
    }
    b.policy.users = users_map;

    // 4. Privileged accounts, from role-management audits.
    for (upn, role, t) in super::privileged_assignments(&tables[&Table::Audits])? {
        b.items.push(Item {
            key: "privileged_users".into(),
            subject: None,
            value: upn.clone(),
            users: 1,
            days: 1,
            first: t,
            last: t,
            note: format!("assigned {role}"),
        });
        b.policy.privileged_users.push(upn);
    }
    b.policy.privileged_users.sort();
    b.policy.privileged_users.dedup();

    // 5. Service principals' usual sources: networks and ASNs the principal already used on
    // its first day in the logs and used again on a later day. A source that first appears
    // later is never usual (a stolen secret used from the attacker's host, even for days);
    // a scheduled rotation that moves to a new address in the same ASN stays usual by ASN.
    let sp = si.clone().filter(
        col("category")
            .eq(lit("service_principal"))
            .and(col("result").eq(lit("success")))
            .and(col("app_id").is_not_null())
            .and(col("ip").is_not_null()),
    );
    let df = sp
        .select([
            col("app_id").str().to_lowercase().alias("app_id"),
            col("service_principal_name"),
            col("ip"),
            col("asn"),
            col("day"),
            col("t"),
        ])
        .collect()?;
    let (apps, names, ips, asns, ds, ts) = (
        strs(&df, "app_id")?,
        strs(&df, "service_principal_name")?,
        strs(&df, "ip")?,
        ints(&df, "asn")?,
        ints(&df, "day")?,
        ints(&df, "t")?,
    );
    type Days<K> = BTreeMap<K, BTreeSet<i64>>;
    struct SpSeen {
        name: Option<String>,
        day0: i64,
        nets: Days<String>,
        asns: Days<i64>,
        first: i64,
        last: i64,
    }
    let mut per_app: BTreeMap<String, SpSeen> = BTreeMap::new();
    for i in 0..df.height() {
        let (Some(app), Some(ip), Some(d), Some(t)) = (&apps[i], &ips[i], ds[i], ts[i]) else { continue };
        if tainted.contains_key(ip.as_str()) {
            continue;
        }
        let e = per_app.entry(app.clone()).or_insert_with(|| SpSeen {
            name: names[i].clone(),
            day0: d,
            nets: Days::new(),
            asns: Days::new(),
            first: t,
            last: t,
        });
        e.day0 = e.day0.min(d);
        if let Some(p) = net::prefix(ip) {
            e.nets.entry(p).or_default().insert(d);
        }
        if let Some(a) = asns[i] {
            e.asns.entry(a).or_default().insert(d);
        }
        e.first = e.first.min(t);
        e.last = e.last.max(t);
    }
    for (app, seen) in per_app {
        let usual = |days: &BTreeSet<i64>| days.contains(&seen.day0) && days.len() as u32 >= habit_days;
        let h = SpHabits {
            networks: seen.nets.iter().filter(|(_, d)| usual(d)).map(|(p, _)| p.clone()).collect(),
            asns: seen.asns.iter().filter(|(_, d)| usual(d)).map(|(a, _)| *a).collect(),
        };
        if h.networks.is_empty() && h.asns.is_empty() {
            continue;
        }
        let days = seen.nets.values().chain(std::iter::empty()).map(BTreeSet::len).max().unwrap_or(0) as u64;
        b.items.push(Item {
            key: "service_principals".into(),
            subject: Some(app.clone()),
            value: format!("networks {:?}, ASNs {:?}", h.networks, h.asns),
            users: 1,
            days,
            first: seen.first,
            last: seen.last,
            note: seen.name.unwrap_or_default(),
        });
        b.policy.service_principals.insert(app, h);
    }

    // 6. Routine automation: an application actor renewing the same app's credentials on
    // several days is a scheduled rotation.
    let audits = tables[&Table::Audits]
        .clone()
        .filter(
            col("activity")
                .str()
                .contains(lit("(?i)certificates and secrets|service principal credentials"), false)
                .and(col("actor_type").eq(lit("app")))
                .and(col("result").eq(lit("success"))),
        )
        .select([
            col("actor_app_name"),
            col("actor_app_id"),
            col("target_id"),
            col("target_name"),
            micros("time").alias("t"),
            micros("time").floor_div(lit(DAY_US)).alias("day"),
        ])
        .group_by([col("target_id"), col("target_name"), col("actor_app_name")])
        .agg([
            col("day").n_unique().alias("days"),
            col("t").min().alias("first"),
            col("t").max().alias("last"),
        ])
        .sort(["target_id"], Default::default())
        .collect()?;
    let (ids, names, actors, days, first, last) = (
        strs(&audits, "target_id")?,
        strs(&audits, "target_name")?,
        strs(&audits, "actor_app_name")?,
        ints(&audits, "days")?,
        ints(&audits, "first")?,
        ints(&audits, "last")?,
    );
    for i in 0..audits.height() {
        let (Some(id), Some(d)) = (&ids[i], days[i]) else { continue };
        if (d as u32) < limits::ROTATION_DAYS {
            continue;
        }
        let id = id.to_ascii_lowercase();
        b.items.push(Item {
            key: "automation_apps".into(),
            subject: names[i].clone(),
            value: id.clone(),
            users: 1,
            days: d as u64,
            first: first[i].unwrap_or(0),
            last: last[i].unwrap_or(0),
            note: format!(
                "credentials renewed by {} on {d} days",
                actors[i].clone().unwrap_or_else(|| "an application".into())
            ),
        });
        b.policy.automation_apps.push(id);
    }
    b.policy.automation_apps.sort();
    b.policy.automation_apps.dedup();
    b.policy.normalise();
    Ok(b)
}

/// UTC RFC 3339 with seconds, for comments and notes.
pub fn rfc3339(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| us.to_string())
}

fn day(us: i64) -> String {
    rfc3339(us).chars().take(10).collect()
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The baseline as a draft policy file, every learned item commented with its evidence.
pub fn to_toml(b: &Baseline, source: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let span = match (b.first, b.last) {
        (Some(f), Some(l)) => format!("{} … {}", day(f), day(l)),
        _ => "no sign-ins".into(),
    };
    let _ = writeln!(out, "# entrascope profile: a draft policy learned from {source}");
    let _ = writeln!(out, "# {} user sign-ins by {} active users, {span}.", b.signins, b.active_users);
    out.push_str(
        "# Everything below is what the rules will treat as NORMAL. Review it with the customer:\n\
         # delete what nobody recognises, add what they tell you (allowed_countries,\n\
         # break_glass_accounts, expected_device_code_users …), then pass it with --policy.\n\
         # Keys you set replace the learned ones; see `entrascope schema` and samples/policy.toml.\n\n",
    );
    let list = |out: &mut String, key: &str, doc: &str| {
        let items: Vec<&Item> = b.items.iter().filter(|i| i.key == key).collect();
        let _ = writeln!(out, "# {doc}");
        if items.is_empty() {
            let _ = writeln!(out, "{key} = []\n");
            return;
        }
        let _ = writeln!(out, "{key} = [");
        for i in items {
            let subject = i.subject.as_deref().map(|s| format!("{s}: ")).unwrap_or_default();
            let _ = writeln!(
                out,
                "  {}, # {subject}{}; {} … {}",
                quote(&i.value),
                i.note,
                day(i.first),
                day(i.last)
            );
        }
        out.push_str("]\n\n");
    };
    list(
        &mut out,
        "trusted_ips",
        "Shared egress: used by many users, mostly strongly authenticated, on many days.",
    );
    list(&mut out, "usual_countries", "Countries many of the tenant's users sign in from.");
    list(&mut out, "privileged_users", "Accounts given a privileged role in the audits.");
    list(&mut out, "automation_apps", "Apps whose credentials an application renews on a schedule.");
    if !b.refused.is_empty() {
        out.push_str("# Not learned, because of attack signals (kept out of trusted_ips on purpose):\n");
        for r in &b.refused {
            let _ = writeln!(out, "#   {} ({}): {}", r.value, r.note, day(r.first));
        }
        out.push('\n');
    }
    let arr = |v: &[String]| format!("[{}]", v.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", "));
    out.push_str("# Each user's usual countries, networks (ASNs) and devices.\n[users]\n");
    for (u, h) in &b.policy.users {
        let ev = b.items.iter().find(|i| i.key == "users" && i.subject.as_deref() == Some(u.as_str()));
        let asns: Vec<String> = h.asns.iter().map(|a| a.to_string()).collect();
        let _ = writeln!(
            out,
            "{} = {{ countries = {}, asns = [{}], devices = {} }}{}",
            quote(u),
            arr(&h.countries),
            asns.join(", "),
            arr(&h.devices),
            ev.map(|e| format!(" # {} … {}, {} days", day(e.first), day(e.last), e.days)).unwrap_or_default()
        );
    }
    out.push_str(
        "\n# Each service principal's usual source networks and ASNs, by app id.\n[service_principals]\n",
    );
    for (app, h) in &b.policy.service_principals {
        let ev = b
            .items
            .iter()
            .find(|i| i.key == "service_principals" && i.subject.as_deref() == Some(app.as_str()));
        let asns: Vec<String> = h.asns.iter().map(|a| a.to_string()).collect();
        let _ = writeln!(
            out,
            "{} = {{ networks = {}, asns = [{}] }}{}",
            quote(app),
            arr(&h.networks),
            asns.join(", "),
            ev.map(|e| format!(" # {} {} … {}", e.note, day(e.first), day(e.last))).unwrap_or_default()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{empty_frame, Row, SignIn, TableBuilders};

    const H: i64 = 3_600_000_000;
    const T0: i64 = 1_790_000_000_000_000;

    #[allow(clippy::too_many_arguments)]
    fn signin(
        b: &mut TableBuilders,
        t: i64,
        upn: &str,
        ip: &str,
        asn: i64,
        cc: &str,
        code: i64,
        strong: bool,
    ) {
        b.push(&Row::SignIn(Box::new(SignIn {
            time: Some(t),
            id: Some(format!("{upn}-{t}-{ip}").into()),
            category: Some("interactive".into()),
            user_principal_name: Some(upn.to_string().into()),
            ip_address: Some(ip.to_string().into()),
            asn: Some(asn),
            country: Some(cc.to_string().into()),
            error_code: Some(code),
            result: Some(if code == 0 { "success" } else { "failure" }.into()),
            authentication_requirement: Some(
                if strong { "multiFactorAuthentication" } else { "singleFactorAuthentication" }.into(),
            ),
            device_is_compliant: Some(strong),
            device_id: strong.then(|| format!("dev-{upn}").into()),
            ..Default::default()
        })));
    }

    fn tables(b: TableBuilders) -> BTreeMap<Table, LazyFrame> {
        b.finish()
            .into_iter()
            .map(|(t, df)| (t, if df.height() == 0 { empty_frame(t) } else { df }.lazy()))
            .collect()
    }

    /// Ten office users over six days, and an attacker who sprays from one address every
    /// day and signs in as two victims from it (and from a second address) for days.
    fn tenant() -> BTreeMap<Table, LazyFrame> {
        let mut b = TableBuilders::default();
        for d in 0..6 {
            for u in 0..10 {
                let upn = format!("u{u}@x.com");
                signin(
                    &mut b,
                    T0 + d * 24 * H + (9 + u) * H / 2,
                    &upn,
                    "198.51.100.10",
                    64500,
                    "US",
                    0,
                    true,
                );
            }
            // The spray: eight accounts fail from 45.0.0.1 within minutes, every day.
            for u in 0..8 {
                let t = T0 + d * 24 * H + 2 * H + u * 60_000_000;
                signin(&mut b, t, &format!("u{u}@x.com"), "45.0.0.1", 14061, "NL", 50126, false);
            }
            // The attacker signs in as u1 and u2 from the spray source and from a second
            // address that never sprays, every day from day 1 (after the first spray).
            if d >= 1 {
                for (u, ip) in [("u1@x.com", "45.0.0.1"), ("u2@x.com", "45.0.0.2"), ("u3@x.com", "45.0.0.2")]
                {
                    signin(&mut b, T0 + d * 24 * H + 3 * H, u, ip, 14061, "NL", 0, false);
                }
            }
        }
        tables(b)
    }

    #[test]
    fn learns_the_office_and_never_the_attacker() {
        let b = learn(&tenant(), &[]).unwrap();
        assert_eq!(b.policy.trusted_ips, vec!["198.51.100.10/32"]);
        assert_eq!(b.policy.usual_countries, vec!["US"]);
        for (u, h) in &b.policy.users {
            assert_eq!(h.countries, vec!["US"], "{u}");
            assert_eq!(h.asns, vec![64500], "{u}");
        }
        let all = format!("{:?}", b.policy);
        assert!(!all.contains("45.0.0") && !all.contains("14061") && !all.contains("\"NL\""), "{all}");
    }

    #[test]
    fn a_busy_office_keeps_its_standing_despite_typos_behind_it() {
        let mut b = TableBuilders::default();
        for d in 0..4 {
            for u in 0..30 {
                signin(
                    &mut b,
                    T0 + d * 24 * H + u * 60_000_000,
                    &format!("u{u}@x.com"),
                    "198.51.100.10",
                    64500,
                    "US",
                    0,
                    true,
                );
            }
            // Five users mistype within 20 minutes behind the office NAT: a "spray" shape.
            for u in 0..5 {
                signin(
                    &mut b,
                    T0 + d * 24 * H + 5 * H + u * 60_000_000,
                    &format!("u{u}@x.com"),
                    "198.51.100.10",
                    64500,
                    "US",
                    50126,
                    true,
                );
            }
        }
        let learned = learn(&tables(b), &[]).unwrap();
        assert_eq!(learned.policy.trusted_ips, vec!["198.51.100.10/32"]);
        assert!(learned.refused.is_empty());
    }

    #[test]
    fn draft_policy_round_trips_with_comments() {
        let b = learn(&tenant(), &[]).unwrap();
        let text = to_toml(&b, "a test");
        assert!(text.contains("# shared egress: 10 users on 6 days"), "{text}");
        let mut back: Policy = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        back.normalise();
        assert_eq!(back.trusted_ips, b.policy.trusted_ips);
        assert_eq!(back.users, b.policy.users);
        assert_eq!(back.usual_countries, b.policy.usual_countries);
    }
}
