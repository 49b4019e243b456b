//! Correlation: detection findings → incidents that follow the attack story.
//!
//! Findings are linked when they share an entity (a principal, an IP, a session or
//! correlation id, a created account, an app — the kinds `queries/correlation.toml` lists)
//! and lie within a time window of each other; linking is transitive (union-find), so a
//! spray, the resulting sign-in, the MFA registration and the app secret that follow become
//! one incident. Incident severity is the worst finding's, raised one step when the story
//! progresses past initial access or touches a privileged principal.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::detect::{Finding, Kind, Severity};

/// The correlation spec (`queries/correlation.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub window_hours: i64,
    pub link_on: Vec<String>,
    pub max_principals_per_ip: usize,
    #[serde(default)]
    pub principals_are_targets: Vec<String>,
    pub stages: Vec<String>,
    pub initial_access_until: String,
}

const EMBEDDED_SPEC: &str = include_str!("../../queries/correlation.toml");

impl Spec {
    /// `<rules dir>/correlation.toml` when present, otherwise the built-in spec.
    pub fn load(rules_dir: Option<&Path>) -> Result<Spec> {
        let (text, name) = match rules_dir.map(|d| d.join("correlation.toml")).filter(|p| p.is_file()) {
            Some(p) => (
                std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?,
                p.display().to_string(),
            ),
            None => (EMBEDDED_SPEC.to_string(), "built-in correlation.toml".to_string()),
        };
        let spec: Spec = toml::from_str(&text).map_err(|e| anyhow::anyhow!("{name} is invalid: {e}"))?;
        if !spec.stages.contains(&spec.initial_access_until) {
            anyhow::bail!(
                "{name}: initial_access_until {:?} is not one of the stages",
                spec.initial_access_until
            );
        }
        Ok(spec)
    }

    /// Index of a finding's stage: its rule's first listed tactic that is a known stage
    /// (authors list the primary tactic first; see queries/README.md).
    pub fn stage_of(&self, f: &Finding) -> Option<usize> {
        f.tactics.iter().find_map(|t| self.stages.iter().position(|s| s == t))
    }
}

/// One incident.
#[derive(Debug, Clone, Serialize)]
pub struct Incident {
    pub incident_id: String,
    pub severity: Severity,
    pub title: String,
    pub first_seen: i64,
    pub last_seen: i64,
    pub principals: Vec<String>,
    pub ips: Vec<String>,
    pub techniques: Vec<String>,
    /// Stages reached, in kill-chain order.
    pub stages: Vec<String>,
    /// Findings in time order.
    pub finding_ids: Vec<String>,
    /// Why the severity was raised above the worst finding's, if it was.
    pub escalation: Option<String>,
}

struct UnionFind(Vec<usize>);

impl UnionFind {
    fn find(&mut self, x: usize) -> usize {
        let p = self.0[x];
        if p == x {
            return x;
        }
        let r = self.find(p);
        self.0[x] = r;
        r
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            // The smaller index wins, so the grouping does not depend on visiting order.
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.0[hi] = lo;
        }
    }
}

fn evidence_values(f: &Finding, key: &str) -> Vec<String> {
    match f.evidence.get(key) {
        Some(serde_json::Value::String(s)) => s.split(';').map(|x| x.trim().to_ascii_lowercase()).collect(),
        Some(serde_json::Value::Array(a)) => {
            a.iter().filter_map(|v| v.as_str()).map(|s| s.trim().to_ascii_lowercase()).collect()
        }
        _ => Vec::new(),
    }
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect()
}

/// Group the detection findings into incidents. `privileged` holds privileged UPNs;
/// `shared_ips` are addresses that never link findings on their own — the tenant's trusted
/// egress (offices, VPN, learned shared egress), where unrelated users meet all day.
pub fn correlate(
    findings: &[Finding],
    spec: &Spec,
    privileged: &BTreeSet<String>,
    shared_ips: &BTreeSet<String>,
) -> Vec<Incident> {
    let dets: Vec<&Finding> = findings.iter().filter(|f| f.kind == Kind::Detection).collect();
    let window = spec.window_hours * 3_600_000_000;

    // IPs that touch too many principals are infrastructure, not attacker links.
    let mut ip_principals: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for f in &dets {
        for ip in &f.ips {
            ip_principals.entry(ip).or_default().extend(f.principals.iter().map(String::as_str));
        }
    }

    let mut by_entity: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, f) in dets.iter().enumerate() {
        for kind in &spec.link_on {
            let values: Vec<String> = match kind.as_str() {
                "principal" if spec.principals_are_targets.contains(&f.rule_id) => Vec::new(),
                "principal" => f.principals.iter().map(|p| p.to_ascii_lowercase()).collect(),
                "ip" => f
                    .ips
                    .iter()
                    .filter(|ip| {
                        !shared_ips.contains(ip.as_str())
                            && ip_principals
                                .get(ip.as_str())
                                .is_none_or(|p| p.len() <= spec.max_principals_per_ip)
                    })
                    .cloned()
                    .collect(),
                other => evidence_values(f, other),
            };
            for v in values {
                // A created account or target user links with the same account as principal.
                let key = match kind.as_str() {
                    "target_user" | "created_user" => format!("principal\u{1f}{v}"),
                    k => format!("{k}\u{1f}{v}"),
                };
                by_entity.entry(key).or_default().push(i);
            }
        }
    }

    let mut uf = UnionFind((0..dets.len()).collect());
    for members in by_entity.values_mut() {
        members.sort_by_key(|&i| (dets[i].first_seen, i));
        members.dedup();
        // Chain consecutive findings of one entity that are close enough in time; the
        // running end keeps a long chain together even when one finding spans a while.
        let mut end = i64::MIN;
        let mut prev: Option<usize> = None;
        for &i in members.iter() {
            if let Some(p) = prev {
                if dets[i].first_seen - end <= window {
                    uf.union(p, i);
                }
            }
            end = end.max(dets[i].last_seen);
            prev = Some(i);
        }
    }

    let mut groups: BTreeMap<usize, Vec<&Finding>> = BTreeMap::new();
    for (i, f) in dets.iter().enumerate() {
        let root = uf.find(i);
        groups.entry(root).or_default().push(f);
    }

    let mut incidents: Vec<Incident> = groups.into_values().map(|fs| build(fs, spec, privileged)).collect();
    // Worst first, then in time order: INC-001 is what to look at first.
    incidents.sort_by(|a, b| {
        (std::cmp::Reverse(a.severity), a.first_seen, &a.title).cmp(&(
            std::cmp::Reverse(b.severity),
            b.first_seen,
            &b.title,
        ))
    });
    for (n, inc) in incidents.iter_mut().enumerate() {
        inc.incident_id = format!("INC-{:03}", n + 1);
    }
    incidents
}

fn build(mut fs: Vec<&Finding>, spec: &Spec, privileged: &BTreeSet<String>) -> Incident {
    fs.sort_by(|a, b| {
        (a.first_seen, &a.rule_id, &a.finding_id).cmp(&(b.first_seen, &b.rule_id, &b.finding_id))
    });
    let set = |f: &dyn Fn(&Finding) -> &Vec<String>| -> Vec<String> {
        fs.iter().flat_map(|x| f(x).iter().cloned()).collect::<BTreeSet<_>>().into_iter().collect()
    };
    let principals = set(&|f| &f.principals);
    let worst = fs.iter().map(|f| f.severity).max().unwrap_or(Severity::Low);
    let stage_ix: BTreeSet<usize> = fs.iter().filter_map(|f| spec.stage_of(f)).collect();
    let initial = spec.stages.iter().position(|s| *s == spec.initial_access_until).unwrap_or(0);
    // Progress means moving *from* initial access (or credential access) to later stages;
    // an admin's routine changes (persistence-type findings alone) have not progressed. The
    // entry must be a real sign of access — at least medium, and the attacker got in — not a
    // low "new source" note or an account that was only targeted.
    let has_entry = fs.iter().any(|f| {
        spec.stage_of(f).is_some_and(|s| s <= initial)
            && f.severity >= Severity::Medium
            && f.access == crate::detect::Access::GotIn
    });
    let progressed = has_entry && stage_ix.iter().any(|&s| s > initial);
    // A privileged principal raises severity when there is a sign of compromise, not when
    // an administrator merely does administration.
    let privileged_hit: Vec<&String> = if has_entry {
        principals.iter().filter(|p| privileged.contains(p.as_str())).collect()
    } else {
        Vec::new()
    };
    let escalation = if progressed {
        Some("the attack progressed past initial access".to_string())
    } else if !privileged_hit.is_empty() {
        Some(format!("privileged principal involved: {}", privileged_hit[0]))
    } else {
        None
    };
    let severity = if escalation.is_some() { worst.raised() } else { worst };

    // Title: who, then the story as the distinct rule titles in kill-chain order.
    let mut ordered: Vec<&&Finding> = fs.iter().collect();
    ordered.sort_by_key(|f| (spec.stage_of(f).unwrap_or(usize::MAX), f.first_seen));
    let mut steps: Vec<&str> = Vec::new();
    for f in ordered {
        if !steps.contains(&f.title.as_str()) {
            steps.push(&f.title);
        }
    }
    // Lead with the principal most findings are about (the story's protagonist).
    let mut freq: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &fs {
        for p in &f.principals {
            *freq.entry(p).or_default() += 1;
        }
    }
    let lead = freq.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).map(|(p, _)| p.to_string());
    let who = match (lead, principals.len()) {
        (None, _) => fs[0].ips.first().cloned().unwrap_or_else(|| "unknown".into()),
        (Some(p), 1) => p,
        (Some(p), n) => format!("{p} and {} more", n - 1),
    };
    let story = if steps.len() > 4 {
        format!("{} → … → {}", steps[..3].join(" → "), steps[steps.len() - 1])
    } else {
        steps.join(" → ")
    };
    Incident {
        incident_id: String::new(),
        severity,
        title: format!("{who}: {story}"),
        first_seen: fs.iter().map(|f| f.first_seen).min().unwrap_or_default(),
        last_seen: fs.iter().map(|f| f.last_seen).max().unwrap_or_default(),
        principals,
        ips: set(&|f| &f.ips),
        techniques: set(&|f| &f.techniques),
        stages: stage_ix.iter().map(|&i| spec.stages[i].clone()).collect(),
        finding_ids: fs.iter().map(|f| f.finding_id.clone()).collect(),
        escalation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(
        id: &str,
        rule: &str,
        t_min: i64,
        principals: &[&str],
        ips: &[&str],
        tactic: &str,
        sev: Severity,
    ) -> Finding {
        Finding {
            finding_id: id.into(),
            rule_id: rule.into(),
            kind: Kind::Detection,
            severity: sev,
            title: rule.into(),
            first_seen: t_min * 60_000_000,
            last_seen: t_min * 60_000_000,
            principals: principals.iter().map(|s| s.to_string()).collect(),
            ips: ips.iter().map(|s| s.to_string()).collect(),
            techniques: vec!["T1110".into()],
            tactics: vec![tactic.into()],
            remediation: vec![],
            access: crate::detect::Access::GotIn,
            evidence_count: 1,
            summary: String::new(),
            evidence: Default::default(),
            records: vec![],
            record_ids: vec![],
        }
    }

    #[test]
    fn the_story_becomes_one_incident_and_unrelated_findings_stay_apart() {
        let spec = Spec::load(None).unwrap();
        let findings = vec![
            f("a", "SPRAY-IP", 0, &["u@x"], &["45.1.1.1"], "credential-access", Severity::High),
            f("b", "AUTHM-AFTER-RISK", 30, &["u@x"], &["45.1.1.1"], "persistence", Severity::Medium),
            f("c", "APP-CRED-ADD", 90, &["u@x"], &["45.1.1.1"], "persistence", Severity::Medium),
            f("d", "IMPOSSIBLE-TRAVEL", 60, &["v@x"], &["9.9.9.9"], "initial-access", Severity::Medium),
            // an administrator's routine change: persistence only, never raised
            f("g", "APP-CRED-ADD", 120, &["adm@x"], &["198.51.100.10"], "persistence", Severity::Medium),
            // same user, but ten days later: a separate incident
            f(
                "e",
                "LEGACY-FAIL",
                60 * 24 * 10,
                &["u@x"],
                &["8.8.8.8"],
                "credential-access",
                Severity::Medium,
            ),
        ];
        let inc = correlate(&findings, &spec, &BTreeSet::new(), &BTreeSet::new());
        assert_eq!(inc.len(), 4);
        assert_eq!(inc[0].finding_ids, vec!["a", "b", "c"]);
        assert_eq!(inc[0].severity, Severity::Critical, "high raised: progressed past initial access");
        assert!(inc[0].title.contains("SPRAY-IP → AUTHM-AFTER-RISK → APP-CRED-ADD"), "{}", inc[0].title);
        assert_eq!(inc[1].finding_ids, vec!["d"]);
        assert_eq!(inc[1].severity, Severity::Medium);
        let privileged: BTreeSet<String> = ["v@x".to_string(), "adm@x".to_string()].into();
        let inc = correlate(&findings, &spec, &privileged, &BTreeSet::new());
        assert_eq!(inc[1].severity, Severity::High, "privileged principal with signs of compromise raises");
        assert_eq!(inc[2].finding_ids, vec!["g"]);
        assert_eq!(inc[2].severity, Severity::Medium, "an admin doing admin work is not raised");
    }

    #[test]
    fn busy_ips_do_not_link() {
        let mut spec = Spec::load(None).unwrap();
        spec.max_principals_per_ip = 1;
        let findings = vec![
            f("a", "R1", 0, &["u@x"], &["1.1.1.1"], "initial-access", Severity::Low),
            f("b", "R2", 5, &["v@x"], &["1.1.1.1"], "initial-access", Severity::Low),
        ];
        assert_eq!(correlate(&findings, &spec, &BTreeSet::new(), &BTreeSet::new()).len(), 2);
    }

    #[test]
    fn the_tenants_own_egress_does_not_link_strangers() {
        let spec = Spec::load(None).unwrap();
        let findings = vec![
            f("a", "R1", 0, &["u@x"], &["198.51.100.10"], "credential-access", Severity::High),
            f("b", "R2", 5, &["v@x"], &["198.51.100.10"], "persistence", Severity::Medium),
        ];
        assert_eq!(correlate(&findings, &spec, &BTreeSet::new(), &BTreeSet::new()).len(), 1);
        let office: BTreeSet<String> = ["198.51.100.10".to_string()].into();
        let inc = correlate(&findings, &spec, &BTreeSet::new(), &office);
        assert_eq!(inc.len(), 2, "two users behind the office NAT are two stories");
        assert_eq!(inc[0].severity, Severity::High, "and neither is raised by the other's stage");
    }
}
