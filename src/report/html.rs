//! `report.html`: one self-contained page (inline CSS and SVG, no scripts, no network) built
//! from the templates in `reports/` with tera.
//!
//! Every value that comes from a log is hostile: templates are named `*.html` so tera
//! autoescapes them, no template applies `| safe` to log-derived data, and the charts are
//! drawn from numbers computed here. `--templates DIR` replaces the built-in templates.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use polars::prelude::*;
use serde::Serialize;

use super::outputs::TimelineEvent;
use super::timeline::Record;
use crate::analyze::correlate::Incident;
use crate::analyze::remediate::Action;
use crate::detect::{Finding, Kind, RuleRun, Severity};
use crate::enrich::Enriched;
use crate::ingest::time::format_rfc3339;
use crate::schema::Table;

/// The built-in templates, in render order of dependency (base first).
const TEMPLATES: &[(&str, &str)] = &[
    ("_style.html", include_str!("../../reports/_style.html")),
    ("report.html", include_str!("../../reports/report.html")),
    ("dossier.html", include_str!("../../reports/dossier.html")),
];

/// The template engine: the built-in templates, or every `*.html` in `dir`.
fn engine(templates: Option<&Path>) -> Result<tera::Tera> {
    let mut tera = match templates {
        Some(d) => {
            let glob = d.join("*.html");
            tera::Tera::new(&glob.to_string_lossy()).with_context(|| {
                format!("loading templates from {}; they must be *.html files", d.display())
            })?
        }
        None => {
            let mut t = tera::Tera::default();
            t.add_raw_templates(TEMPLATES.iter().copied()).context("built-in templates")?;
            t
        }
    };
    tera.autoescape_on(vec![".html"]);
    tera.set_escape_fn(escape);
    Ok(tera)
}

/// Timeline rows shown in a dossier page; the CSV has them all.
const DOSSIER_TIMELINE_ROWS: usize = 2000;

/// Bounds that keep report.html readable (and openable) on a large tenant: the page says how
/// much is not shown, and findings.jsonl / timeline.csv keep everything.
mod bounds {
    /// Incidents rendered in full; the rest are listed in one table.
    pub const DETAILED_INCIDENTS: usize = 150;
    /// Findings per incident shown in its story and evidence.
    pub const FINDINGS_PER_INCIDENT: usize = 25;
    /// Evidence records shown per finding.
    pub const RECORDS_PER_FINDING: usize = 10;
    /// Timeline events shown per incident.
    pub const TIMELINE_PER_INCIDENT: usize = 100;
    /// Characters of one evidence value (long lists of targeted accounts …).
    pub const EVIDENCE_CHARS: usize = 600;
    /// Rows of the DUET, posture and hunting tables.
    pub const TABLE_ROWS: usize = 300;
    /// Learned items listed per key in "assumed normal".
    pub const ASSUMED_ITEMS: usize = 200;
    /// Remediation actions shown per incident (contain first); all are in remediation.csv.
    pub const ACTIONS_PER_INCIDENT: usize = 50;
    /// Principals named in an incident's header.
    pub const PRINCIPALS_PER_INCIDENT: usize = 50;
    /// Rows of an incident's Graph scope; all are in scope.csv.
    pub const SCOPE_PER_INCIDENT: usize = 30;
}

/// Cut `s` to at most `max` characters at a word boundary, saying how much was cut.
fn clip(s: String, max: usize) -> String {
    if s.chars().count() <= max {
        return s;
    }
    let cut: String = s.chars().take(max).collect();
    let cut = match cut.rfind([' ', ',', ';']) {
        Some(i) if i > max / 2 => cut[..i].to_string(),
        _ => cut,
    };
    format!("{cut} … ({} more characters in findings.jsonl)", s.chars().count() - cut.chars().count())
}

/// Render a dossier page.
pub fn write_dossier(
    path: &Path,
    templates: Option<&Path>,
    d: &crate::investigate::dossier::Dossier,
) -> Result<()> {
    let tera = engine(templates)?;
    let mut ctx = tera::Context::new();
    ctx.insert("version", env!("CARGO_PKG_VERSION"));
    ctx.insert("d", d);
    let shown = d.timeline.rows.len().min(DOSSIER_TIMELINE_ROWS);
    ctx.insert("timeline", &d.timeline.rows[..shown]);
    ctx.insert("shown", &shown);
    ctx.insert("truncated", &(shown < d.timeline.rows.len()));
    let html = tera.render("dossier.html", &ctx).context("rendering dossier.html (check --templates)")?;
    crate::fsio::write(path, html)
}

#[derive(Serialize)]
struct FindingView {
    id: String,
    rule_id: String,
    kind: &'static str,
    severity: &'static str,
    title: String,
    first_seen: String,
    last_seen: String,
    principals: String,
    ips: String,
    techniques: String,
    summary: String,
    evidence: Vec<(String, String)>,
    records: Vec<RecordView>,
    /// Evidence records not shown (bounds::RECORDS_PER_FINDING).
    records_hidden: usize,
    baselines: String,
}

#[derive(Serialize)]
struct RecordView {
    time: String,
    table: &'static str,
    message: String,
    details: Vec<String>,
    source: String,
}

#[derive(Serialize)]
struct IncidentView {
    id: String,
    severity: &'static str,
    title: String,
    first_seen: String,
    last_seen: String,
    principals: Vec<String>,
    ips: Vec<String>,
    techniques: Vec<String>,
    stages: Vec<String>,
    escalation: String,
    /// Shown expanded: high and critical incidents; medium and low are collapsed.
    open: bool,
    findings: Vec<FindingView>,
    findings_hidden: usize,
    actions: Vec<Action>,
    actions_hidden: usize,
    principals_hidden: usize,
    timeline: Vec<TimelineEvent>,
    timeline_hidden: usize,
    /// What it touched through Microsoft Graph (empty without Graph activity logs).
    scope_summary: String,
    scope: Vec<ScopeView>,
    scope_hidden: usize,
}

/// An incident beyond bounds::DETAILED_INCIDENTS: one table row.
#[derive(Serialize)]
struct IncidentRow {
    id: String,
    severity: &'static str,
    title: String,
    first_seen: String,
    principals: usize,
    findings: usize,
}

/// What the analysis assumed was normal, so a responder can challenge it.
#[derive(Serialize, Default)]
struct Assumed {
    describe: String,
    policy_from: Option<String>,
    /// (key, value, evidence, first, last, source)
    items: Vec<(String, String, String, String, String, String)>,
    items_hidden: usize,
    refused: Vec<(String, String, String)>,
    users_with_habits: usize,
    service_principals: usize,
}

#[derive(Serialize)]
struct Bar {
    label: String,
    value: u64,
    /// Width in the chart's 0..=400 scale.
    width: u64,
}

#[derive(Serialize)]
struct Day {
    label: String,
    /// Day of the month, for the axis.
    short: String,
    ok: u64,
    failed: u64,
    x: u64,
    ok_y: u64,
    ok_h: u64,
    fail_y: u64,
    fail_h: u64,
}

/// Everything outside findings that the report shows; built by the command.
#[derive(Serialize, Default)]
pub struct Custody {
    pub inputs: Vec<serde_json::Value>,
    pub totals: serde_json::Value,
    pub tables: Vec<(String, u64, String, String)>,
    pub gaps: Vec<String>,
    pub skipped: Vec<(String, String)>,
    pub rules_run: usize,
    pub rules_failed: Vec<(String, String)>,
    pub duet_answers: String,
}

fn view(
    f: &Finding,
    recs: &BTreeMap<String, Record>,
    baselines: &BTreeMap<String, Vec<String>>,
) -> FindingView {
    FindingView {
        id: f.finding_id.clone(),
        rule_id: f.rule_id.clone(),
        kind: f.kind.name(),
        severity: f.severity.name(),
        title: f.title.clone(),
        first_seen: format_rfc3339(f.first_seen),
        last_seen: format_rfc3339(f.last_seen),
        principals: clip(f.principals.join(", "), bounds::EVIDENCE_CHARS),
        ips: clip(f.ips.join(", "), bounds::EVIDENCE_CHARS),
        techniques: f.techniques.join(", "),
        summary: clip(f.summary.clone(), bounds::EVIDENCE_CHARS),
        evidence: f
            .evidence
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Array(a) => a
                        .iter()
                        .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                        .collect::<Vec<_>>()
                        .join(", "),
                    other => other.to_string(),
                };
                (k.clone(), clip(text, bounds::EVIDENCE_CHARS))
            })
            .collect(),
        records_hidden: f
            .record_ids
            .iter()
            .filter(|id| recs.contains_key(*id))
            .count()
            .saturating_sub(bounds::RECORDS_PER_FINDING),
        records: f
            .record_ids
            .iter()
            .filter_map(|id| recs.get(id))
            .take(bounds::RECORDS_PER_FINDING)
            .map(|r| RecordView {
                time: r.time.map(format_rfc3339).unwrap_or_default(),
                table: r.table,
                message: r.message.clone(),
                details: r.details.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect(),
                source: format!("{}:{}", r.source_file, r.source_record),
            })
            .collect(),
        baselines: baselines.get(&f.rule_id).map(|b| b.join(", ")).unwrap_or_default(),
    }
}

/// Daily successful/failed sign-ins, top countries and top failing IPs.
fn charts(en: &Enriched) -> Result<(Vec<Day>, Vec<Bar>, Vec<Bar>)> {
    let s = en.table(Table::SignIns);
    let daily = s
        .clone()
        .filter(col("time").is_not_null())
        .group_by([col("time").dt().strftime("%Y-%m-%d").alias("day")])
        .agg([
            col("result").eq(lit("success")).sum().alias("ok"),
            col("result").eq(lit("failure")).sum().alias("failed"),
        ])
        .sort(["day"], Default::default())
        .collect()?;
    let days = daily.column("day")?.str()?;
    let ok = daily.column("ok")?.cast(&DataType::UInt64)?;
    let failed = daily.column("failed")?.cast(&DataType::UInt64)?;
    let (ok, failed) = (ok.u64()?, failed.u64()?);
    let max = (0..daily.height())
        .map(|i| ok.get(i).unwrap_or(0) + failed.get(i).unwrap_or(0))
        .max()
        .unwrap_or(1)
        .max(1);
    let n = daily.height().max(1) as u64;
    let step = (760 / n).max(4);
    let mut out_days = Vec::new();
    for i in 0..daily.height() {
        let (o, fl) = (ok.get(i).unwrap_or(0), failed.get(i).unwrap_or(0));
        let (oh, fh) = (o * 160 / max, fl * 160 / max);
        let label = days.get(i).unwrap_or("").to_string();
        out_days.push(Day {
            short: label.get(8..).unwrap_or("").to_string(),
            label,
            ok: o,
            failed: fl,
            x: 30 + i as u64 * step,
            ok_y: 180 - oh,
            ok_h: oh,
            fail_y: 180 - oh - fh,
            fail_h: fh,
        });
    }
    let top = |lf: LazyFrame, key: &str| -> Result<Vec<Bar>> {
        let df = lf
            .filter(col(key).is_not_null())
            .group_by([col(key)])
            .agg([len().alias("n")])
            .sort(["n", key], SortMultipleOptions::default().with_order_descending_multi([true, false]))
            .limit(10)
            .collect()?;
        let keys = df.column(key)?.str()?;
        let n = df.column("n")?.cast(&DataType::UInt64)?;
        let n = n.u64()?;
        // `get` asserts bounds: probe the first row only when there is one.
        let max = if df.height() > 0 { n.get(0).unwrap_or(1).max(1) } else { 1 };
        Ok((0..df.height())
            .map(|i| Bar {
                label: keys.get(i).unwrap_or("").into(),
                value: n.get(i).unwrap_or(0),
                width: n.get(i).unwrap_or(0) * 400 / max,
            })
            .collect())
    };
    let countries = top(s.clone(), "country")?;
    let failing = top(s.filter(col("result").eq(lit("failure"))), "ip_address")?;
    Ok((out_days, countries, failing))
}

/// Everything the report renders.
pub struct Inputs<'a> {
    pub findings: &'a [Finding],
    pub incidents: &'a [Incident],
    pub actions: &'a [Action],
    pub timeline: &'a [TimelineEvent],
    pub records: &'a BTreeMap<String, Record>,
    pub baselines: &'a BTreeMap<String, Vec<String>>,
    pub enriched: &'a Enriched,
    pub custody: Custody,
    pub runs: &'a [RuleRun],
    pub knowledge: &'a crate::enrich::Knowledge,
    pub scope: &'a [crate::analyze::scope::ScopeRow],
}

/// One row of an incident's Graph scope, formatted.
#[derive(Serialize)]
struct ScopeView {
    via: &'static str,
    resource: String,
    method: String,
    path: String,
    requests: u64,
    bytes: i64,
    errors: u64,
    first_seen: String,
    last_seen: String,
    ips: String,
}

fn assumed(kn: &crate::enrich::Knowledge) -> Assumed {
    let mut a = Assumed {
        describe: kn.describe(),
        policy_from: kn.given_from.clone(),
        users_with_habits: kn.policy.users.len(),
        service_principals: kn.policy.service_principals.len(),
        ..Default::default()
    };
    let day = |t: i64| format_rfc3339(t).chars().take(10).collect::<String>();
    if let Some(b) = &kn.baseline {
        let mut per_key: BTreeMap<&str, usize> = BTreeMap::new();
        for i in b.items.iter().filter(|i| !matches!(i.key.as_str(), "users" | "service_principals")) {
            // A key the policy sets replaces the learned one: those items were not used.
            if kn.source_of(&i.key) != "learned" && i.key != "privileged_users" {
                continue;
            }
            let n = per_key.entry(i.key.as_str()).or_default();
            *n += 1;
            if *n > bounds::ASSUMED_ITEMS {
                a.items_hidden += 1;
                continue;
            }
            let value = match &i.subject {
                Some(s) => format!("{} ({s})", i.value),
                None => i.value.clone(),
            };
            a.items.push((i.key.clone(), value, i.note.clone(), day(i.first), day(i.last), "learned".into()));
        }
        for r in b.refused.iter().take(bounds::ASSUMED_ITEMS) {
            a.refused.push((r.value.clone(), r.note.clone(), day(r.first)));
        }
    }
    for ip in kn.given.trusted_ips.iter().take(bounds::ASSUMED_ITEMS) {
        a.items.push((
            "trusted_ips".into(),
            ip.clone(),
            "from the policy".into(),
            String::new(),
            String::new(),
            "policy".into(),
        ));
    }
    a
}

/// Tera's HTML escaping, plus bidirectional-control characters shown as visible markers:
/// an RTL override inside a UPN or file name would otherwise reorder what the reader sees.
pub fn escape(input: &str) -> String {
    let mut out = tera::escape_html(input);
    if out.chars().any(is_bidi_control) {
        out = out
            .chars()
            .map(|c| if is_bidi_control(c) { format!("[U+{:04X}]", c as u32) } else { c.to_string() })
            .collect();
    }
    out
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Render `report.html` into `dir`.
pub fn write(dir: &Path, templates: Option<&Path>, inp: Inputs<'_>) -> Result<()> {
    let tera = engine(templates)?;
    let by_id: BTreeMap<&str, &Finding> = inp.findings.iter().map(|f| (f.finding_id.as_str(), f)).collect();
    let rest: Vec<IncidentRow> = inp
        .incidents
        .iter()
        .skip(bounds::DETAILED_INCIDENTS)
        .map(|i| IncidentRow {
            id: i.incident_id.clone(),
            severity: i.severity.name(),
            title: i.title.clone(),
            first_seen: format_rfc3339(i.first_seen),
            principals: i.principals.len(),
            findings: i.finding_ids.len(),
        })
        .collect();
    let incidents: Vec<IncidentView> = inp
        .incidents
        .iter()
        .take(bounds::DETAILED_INCIDENTS)
        .map(|i| {
            let timeline: Vec<TimelineEvent> =
                inp.timeline.iter().filter(|e| e.incident_id == i.incident_id).cloned().collect();
            let scope: Vec<&crate::analyze::scope::ScopeRow> =
                inp.scope.iter().filter(|r| r.incident_id == i.incident_id).collect();
            let scope: Vec<crate::analyze::scope::ScopeRow> = scope.into_iter().cloned().collect();
            IncidentView {
                id: i.incident_id.clone(),
                severity: i.severity.name(),
                title: i.title.clone(),
                first_seen: format_rfc3339(i.first_seen),
                last_seen: format_rfc3339(i.last_seen),
                principals: i.principals.iter().take(bounds::PRINCIPALS_PER_INCIDENT).cloned().collect(),
                principals_hidden: i.principals.len().saturating_sub(bounds::PRINCIPALS_PER_INCIDENT),
                ips: i.ips.clone(),
                techniques: i.techniques.clone(),
                stages: i.stages.clone(),
                escalation: i.escalation.clone().unwrap_or_default(),
                open: i.severity >= Severity::High,
                // The story keeps the worst findings first when it has to cut.
                findings: {
                    let mut fs: Vec<&&Finding> =
                        i.finding_ids.iter().filter_map(|id| by_id.get(id.as_str())).collect();
                    if fs.len() > bounds::FINDINGS_PER_INCIDENT {
                        fs.sort_by_key(|f| (std::cmp::Reverse(f.severity), f.first_seen));
                        fs.truncate(bounds::FINDINGS_PER_INCIDENT);
                        fs.sort_by_key(|f| (f.first_seen, f.finding_id.clone()));
                    }
                    fs.into_iter().map(|f| view(f, inp.records, inp.baselines)).collect()
                },
                findings_hidden: i.finding_ids.len().saturating_sub(bounds::FINDINGS_PER_INCIDENT),
                actions: inp
                    .actions
                    .iter()
                    .filter(|a| a.incident_id == i.incident_id)
                    .take(bounds::ACTIONS_PER_INCIDENT)
                    .map(|a| Action { reason: clip(a.reason.clone(), bounds::EVIDENCE_CHARS), ..a.clone() })
                    .collect(),
                actions_hidden: inp
                    .actions
                    .iter()
                    .filter(|a| a.incident_id == i.incident_id)
                    .count()
                    .saturating_sub(bounds::ACTIONS_PER_INCIDENT),
                timeline_hidden: timeline.len().saturating_sub(bounds::TIMELINE_PER_INCIDENT),
                timeline: timeline.into_iter().take(bounds::TIMELINE_PER_INCIDENT).collect(),
                scope_summary: crate::analyze::scope::summary(&scope),
                scope_hidden: scope.len().saturating_sub(bounds::SCOPE_PER_INCIDENT),
                scope: scope
                    .iter()
                    .take(bounds::SCOPE_PER_INCIDENT)
                    .map(|r| ScopeView {
                        via: r.via.label(),
                        resource: r.resource.clone(),
                        method: r.method.clone(),
                        path: clip(r.resource_path.clone(), bounds::EVIDENCE_CHARS),
                        requests: r.requests,
                        bytes: r.bytes,
                        errors: r.errors,
                        first_seen: format_rfc3339(r.first_seen),
                        last_seen: format_rfc3339(r.last_seen),
                        ips: clip(r.ips.join(", "), bounds::EVIDENCE_CHARS),
                    })
                    .collect(),
            }
        })
        .collect();
    let count_kind = |k: Kind| inp.findings.iter().filter(|f| f.kind == k).count();
    let of_kind = |k: Kind| -> Vec<FindingView> {
        let mut v: Vec<&Finding> = inp.findings.iter().filter(|f| f.kind == k).collect();
        v.sort_by(|a, b| {
            (std::cmp::Reverse(a.severity), a.first_seen, &a.rule_id).cmp(&(
                std::cmp::Reverse(b.severity),
                b.first_seen,
                &b.rule_id,
            ))
        });
        v.into_iter().take(bounds::TABLE_ROWS).map(|f| view(f, inp.records, inp.baselines)).collect()
    };
    let mut by_sev: Vec<(&str, usize)> = Vec::new();
    for s in Severity::ALL.iter().rev() {
        by_sev.push((s.name(), inp.incidents.iter().filter(|i| i.severity == *s).count()));
    }
    let compromised: Vec<String> = inp
        .incidents
        .iter()
        .filter(|i| i.severity >= Severity::High)
        .flat_map(|i| i.principals.iter().cloned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let (days, countries, failing) = charts(inp.enriched)?;
    let window = inp.custody.tables.iter().find(|t| t.0 == "signins").map(|t| (t.2.clone(), t.3.clone()));
    let mut ctx = tera::Context::new();
    ctx.insert("version", env!("CARGO_PKG_VERSION"));
    ctx.insert("window", &window);
    ctx.insert("by_severity", &by_sev);
    ctx.insert("compromised", &compromised);
    ctx.insert("incidents", &incidents);
    ctx.insert("incident_count", &inp.incidents.len());
    ctx.insert("more_incidents", &rest);
    ctx.insert("duet", &of_kind(Kind::Duet));
    ctx.insert("posture", &of_kind(Kind::Posture));
    ctx.insert("hunts", &of_kind(Kind::Hunt));
    ctx.insert("duet_count", &count_kind(Kind::Duet));
    ctx.insert("posture_count", &count_kind(Kind::Posture));
    ctx.insert("hunt_count", &count_kind(Kind::Hunt));
    // What the bounded tables leave out, computed here: templates do no arithmetic.
    for (key, k) in [("duet_more", Kind::Duet), ("posture_more", Kind::Posture), ("hunt_more", Kind::Hunt)] {
        ctx.insert(key, &count_kind(k).saturating_sub(bounds::TABLE_ROWS));
    }
    ctx.insert("assumed", &assumed(inp.knowledge));
    ctx.insert("days", &days);
    ctx.insert("countries", &countries);
    ctx.insert("failing_ips", &failing);
    ctx.insert("custody", &inp.custody);
    ctx.insert("rules_run", &inp.runs.len());
    let graph_rows = inp.enriched.table(crate::schema::Table::GraphActivity).limit(1).collect()?.height();
    ctx.insert("has_graph", &(graph_rows > 0));
    let html = tera.render("report.html", &ctx).context("rendering report.html (check --templates)")?;
    let path = dir.join("report.html");
    crate::fsio::write(&path, html)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Access;

    fn question(i: usize) -> Finding {
        Finding {
            finding_id: format!("F-{i:05}"),
            rule_id: "DUET-TEST".into(),
            kind: Kind::Duet,
            severity: Severity::Low,
            title: "<b>question</b>".into(),
            first_seen: 1_700_000_000_000_000 + i as i64,
            last_seen: 1_700_000_000_000_000 + i as i64,
            principals: vec![format!("user{i}@example.com")],
            ips: vec![],
            techniques: vec![],
            tactics: vec![],
            remediation: vec![],
            access: Access::Changed,
            evidence_count: 1,
            summary: String::new(),
            evidence: BTreeMap::new(),
            records: vec![],
            record_ids: vec![],
        }
    }

    /// The DUET, posture and hunting tables are bounded; what they leave out is counted in
    /// words (a bug once did that arithmetic in the template and failed the whole report).
    #[test]
    fn overflowing_tables_render_and_count_the_rest() {
        let tables = Table::ALL.into_iter().map(|t| (t, crate::schema::empty_frame(t).lazy())).collect();
        let enriched =
            Enriched { tables, privileged_users: Default::default(), on_disk: false, slice_rows: None };
        let findings: Vec<Finding> = (0..bounds::TABLE_ROWS + 7).map(question).collect();
        let knowledge = crate::enrich::Knowledge::default();
        let dir = std::env::temp_dir().join(format!("entrascope-html-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let inputs = Inputs {
            findings: &findings,
            incidents: &[],
            actions: &[],
            timeline: &[],
            records: &BTreeMap::new(),
            baselines: &BTreeMap::new(),
            enriched: &enriched,
            custody: Custody {
                totals: serde_json::json!({"records": 307, "loaded": 307, "duplicate": 0, "rejected": 0, "skipped": 0}),
                ..Custody::default()
            },
            runs: &[],
            knowledge: &knowledge,
            scope: &[],
        };
        let written = write(&dir, None, inputs);
        let html = std::fs::read_to_string(dir.join("report.html"));
        std::fs::remove_dir_all(&dir).ok();
        written.unwrap();
        let html = html.unwrap();
        assert!(html.contains("7 more question(s) in duet.csv"), "no overflow line");
        assert_eq!(html.matches("user0@example.com").count(), 1);
        assert!(!html.contains("<b>question</b>"), "a log-derived title was not escaped");
    }
}
