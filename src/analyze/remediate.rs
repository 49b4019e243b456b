//! Remediation planning: for each incident, the ordered actions a responder should take.
//!
//! Actions come from the rules' `remediation` codes, aimed at targets taken from each
//! finding: its principals (users, service principals), its IPs, and evidence columns that
//! name apps, roles, devices, policies, domains and created accounts. Every compromised user
//! gets both a credential action and a session revocation. Order: containment first
//! (disable, revoke, block), then eradication (reset, remove what the attacker added,
//! revert changes), then recovery. entrascope only recommends; it never calls an API.
//!
//! Every action has a tier, because hitting the wrong account at 3 a.m. is costly:
//! `contain` when the incident holds evidence that the attacker got in as the target (a
//! validated password, a success from attacker infrastructure, a risky success, a stolen
//! session) or that the change being undone was made by such a principal; `verify` when the
//! target was only targeted, or the change was made by an actor with no sign of compromise
//! (possibly a legitimate administrator); `harden` for tenant-wide improvements and for
//! blocking sources that never got in. `remediation.ps1 -Execute` runs only `contain`
//! actions of high and critical incidents.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analyze::correlate::Incident;
use crate::detect::{Access, Finding, Severity};
use crate::enrich::net;

/// How sure we are that an action is needed now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Evidence of access: act now.
    Contain,
    /// Targeted, or a change by a possibly legitimate actor: confirm first.
    Verify,
    /// A defensive improvement, not a response to access.
    Harden,
}

impl Tier {
    pub fn name(self) -> &'static str {
        match self {
            Tier::Contain => "contain",
            Tier::Verify => "verify",
            Tier::Harden => "harden",
        }
    }
}

/// One recommended action.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Action {
    pub incident_id: String,
    pub priority: usize,
    pub action: String,
    pub target_type: String,
    pub target: String,
    pub reason: String,
    pub finding_ids: Vec<String>,
    pub tier: Tier,
    /// Why the action has its tier.
    pub tier_reason: String,
    /// Whether `remediation.ps1 -Execute` runs it: `contain` actions of high and critical
    /// incidents; everything else is printed as guidance.
    pub executable: bool,
}

/// Actions in the order they should be carried out, with their target kind.
const ORDER: &[(&str, &str)] = &[
    ("disable_account", "user"),
    ("revoke_sessions", "user"),
    ("disable_service_principal", "service_principal"),
    ("block_ip", "ip"),
    ("reset_password", "user"),
    ("require_mfa_reregistration", "user"),
    ("remove_app_credential", "application"),
    ("revoke_consent_grant", "application"),
    ("remove_role_assignment", "role_assignment"),
    ("delete_account", "user"),
    ("remove_device", "device"),
    ("revert_policy_change", "policy"),
    ("revert_federation", "domain"),
    ("rotate_secrets", "application"),
    ("block_legacy_auth", "tenant"),
    ("confirm_compromised", "user"),
    ("review_configuration", "tenant"),
];

/// Codes that mean "this user's credentials or sessions are in the attacker's hands".
const COMPROMISE: [&str; 5] = [
    "disable_account",
    "reset_password",
    "revoke_sessions",
    "require_mfa_reregistration",
    "confirm_compromised",
];

fn evidence(f: &Finding, keys: &[&str]) -> Vec<String> {
    for k in keys {
        let vals: Vec<String> = match f.evidence.get(*k) {
            Some(serde_json::Value::String(s)) => s.split(';').map(|x| x.trim().to_string()).collect(),
            Some(serde_json::Value::Array(a)) => {
                a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()
            }
            _ => Vec::new(),
        };
        let vals: Vec<String> = vals.into_iter().filter(|v| !v.is_empty()).collect();
        if !vals.is_empty() {
            return vals;
        }
    }
    Vec::new()
}

const APP_KEYS: &[&str] = &[
    "target_app",
    "app",
    "app_name",
    "application",
    "service_principal",
    "service_principal_name",
    "sp_name",
];

/// Where an action aims, for one finding.
fn targets(code: &str, f: &Finding) -> Vec<String> {
    let users = || f.principals.iter().filter(|p| p.contains('@')).cloned().collect::<Vec<_>>();
    match code {
        "disable_account"
        | "revoke_sessions"
        | "reset_password"
        | "require_mfa_reregistration"
        | "confirm_compromised" => users(),
        "delete_account" => evidence(f, &["created_user", "new_user", "rogue_user"]),
        "block_ip" => f
            .ips
            .iter()
            .filter(|ip| net::parse_ip(ip).is_some_and(|a| !net::is_private(a)))
            .cloned()
            .collect(),
        "disable_service_principal" => {
            let mut v = evidence(f, APP_KEYS);
            if v.is_empty() {
                v = f.principals.iter().filter(|p| !p.contains('@')).cloned().collect();
            }
            v
        }
        "remove_app_credential" | "revoke_consent_grant" | "rotate_secrets" => {
            let mut v = evidence(f, &[APP_KEYS, &["target_name"]].concat());
            if v.is_empty() {
                v = f.principals.iter().filter(|p| !p.contains('@')).cloned().collect();
            }
            v
        }
        "remove_role_assignment" => {
            let who = {
                let v = evidence(f, &["target_user", "member", "assignee", "target_upn", "created_user"]);
                if v.is_empty() {
                    users()
                } else {
                    v
                }
            };
            let roles = evidence(f, &["role", "role_name", "roles"]);
            match roles.first() {
                Some(r) => who.into_iter().map(|w| format!("{w} → {r}")).collect(),
                None => who,
            }
        }
        "remove_device" => evidence(f, &["device", "device_name", "target_device"]),
        "revert_policy_change" => evidence(f, &["policy", "policy_name", "target_policy", "target_name"]),
        "revert_federation" => evidence(f, &["domain", "target_domain", "target_name"]),
        "block_legacy_auth" => vec!["Conditional Access: block legacy authentication".into()],
        "review_configuration" => vec!["tenant configuration".into()],
        _ => Vec::new(),
    }
}

/// The remediation plan for every incident.
pub fn plan(incidents: &[Incident], findings: &[Finding]) -> Vec<Action> {
    let by_id: BTreeMap<&str, &Finding> = findings.iter().map(|f| (f.finding_id.as_str(), f)).collect();
    let mut out = Vec::new();
    for inc in incidents {
        // (action, target) → (reason, finding ids)
        let mut acts: BTreeMap<(usize, String), (String, String, Vec<String>)> = BTreeMap::new();
        let mut add = |code: &str, target: String, f: &Finding| {
            let Some(rank) = ORDER.iter().position(|(c, _)| *c == code) else { return };
            let e = acts
                .entry((rank, target))
                .or_insert_with(|| (code.to_string(), format!("{}: {}", f.title, f.summary), Vec::new()));
            if !e.2.contains(&f.finding_id) {
                e.2.push(f.finding_id.clone());
            }
        };
        for fid in &inc.finding_ids {
            let Some(f) = by_id.get(fid.as_str()) else { continue };
            let mut codes: Vec<&str> = f.remediation.iter().map(String::as_str).collect();
            // A compromised user always gets a credential reset and a session revocation.
            if codes.iter().any(|c| COMPROMISE.contains(c)) {
                codes.extend(["reset_password", "revoke_sessions"]);
            }
            for code in codes {
                for t in targets(code, f) {
                    add(code, t, f);
                }
            }
        }
        let evidence = Evidence::of(inc, &by_id);
        let severe = inc.severity >= Severity::High;
        for (n, ((rank, target), (code, reason, fids))) in acts.into_iter().enumerate() {
            let (tier, tier_reason) = evidence.tier(&code, &target, &fids, &by_id);
            let executable = severe && tier == Tier::Contain;
            let reason = if executable {
                reason
            } else if tier == Tier::Contain {
                format!("verify first ({} incident): {reason}", inc.severity)
            } else {
                format!("{} first: {reason}", tier.name())
            };
            out.push(Action {
                incident_id: inc.incident_id.clone(),
                priority: n + 1,
                action: code,
                target_type: ORDER[rank].1.to_string(),
                target,
                reason,
                finding_ids: fids,
                tier,
                tier_reason,
                executable,
            });
        }
    }
    out
}

/// What an incident proves about its principals and sources.
struct Evidence {
    /// Principal (lower-case) → the first finding showing they got in.
    got_in: BTreeMap<String, String>,
    /// IPs of findings showing access.
    access_ips: std::collections::BTreeSet<String>,
}

impl Evidence {
    fn of(inc: &Incident, by_id: &BTreeMap<&str, &Finding>) -> Evidence {
        let mut got_in = BTreeMap::new();
        let mut access_ips = std::collections::BTreeSet::new();
        for f in inc.finding_ids.iter().filter_map(|id| by_id.get(id.as_str())) {
            if f.access != Access::GotIn {
                continue;
            }
            for p in &f.principals {
                got_in
                    .entry(p.to_ascii_lowercase())
                    .or_insert_with(|| format!("{} ({})", f.title, f.finding_id));
            }
            access_ips.extend(f.ips.iter().cloned());
        }
        Evidence { got_in, access_ips }
    }

    fn proof(&self, who: &str) -> Option<&String> {
        self.got_in.get(&who.to_ascii_lowercase())
    }

    /// The tier of one action and why.
    fn tier(
        &self,
        code: &str,
        target: &str,
        fids: &[String],
        by_id: &BTreeMap<&str, &Finding>,
    ) -> (Tier, String) {
        let findings: Vec<&&Finding> = fids.iter().filter_map(|id| by_id.get(id.as_str())).collect();
        match code {
            "block_ip" => {
                return if self.access_ips.contains(target) {
                    (Tier::Contain, format!("the attacker got in from {target}"))
                } else {
                    (Tier::Harden, format!("{target} attacked but nothing shows it got in"))
                };
            }
            "block_legacy_auth" | "review_configuration" => {
                return (Tier::Harden, "a tenant-wide improvement, not a response to access".into());
            }
            _ => {}
        }
        if let Some(p) = self.proof(target) {
            return (Tier::Contain, format!("{target} shows access: {p}"));
        }
        // An object a compromised actor created or changed (a rogue admin account, a new
        // app secret, a weakened policy) is the attacker's too.
        let actors =
            findings.iter().filter(|f| f.access == Access::Changed).flat_map(|f| f.principals.iter());
        if let Some((a, p)) =
            actors.filter(|a| a.as_str() != target).find_map(|a| self.proof(a).map(|p| (a, p)))
        {
            return (Tier::Contain, format!("made by {a}, who shows access: {p}"));
        }
        let why = match code {
            "disable_account"
            | "revoke_sessions"
            | "reset_password"
            | "require_mfa_reregistration"
            | "confirm_compromised" => {
                if findings.iter().any(|f| f.access == Access::Changed) {
                    format!("{target} made or received a change that needs confirming; no sign the account was taken over")
                } else {
                    format!("{target} was targeted; no evidence the attacker got in as this account")
                }
            }
            _ => {
                "the actor shows no sign of compromise; confirm the change was not theirs to make".to_string()
            }
        };
        (Tier::Verify, why)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Kind;

    fn finding(
        id: &str,
        principals: &[&str],
        ips: &[&str],
        codes: &[&str],
        ev: serde_json::Value,
    ) -> Finding {
        Finding {
            finding_id: id.into(),
            rule_id: "R".into(),
            kind: Kind::Detection,
            severity: Severity::High,
            title: "T".into(),
            first_seen: 0,
            last_seen: 0,
            principals: principals.iter().map(|s| s.to_string()).collect(),
            ips: ips.iter().map(|s| s.to_string()).collect(),
            techniques: vec![],
            tactics: vec![],
            remediation: codes.iter().map(|s| s.to_string()).collect(),
            access: Access::GotIn,
            evidence_count: 1,
            summary: "s".into(),
            evidence: serde_json::from_value(ev).unwrap(),
            records: vec![],
            record_ids: vec![],
        }
    }

    fn incident(sev: Severity, ids: &[&str]) -> Incident {
        Incident {
            incident_id: "INC-001".into(),
            severity: sev,
            title: "t".into(),
            first_seen: 0,
            last_seen: 0,
            principals: vec![],
            ips: vec![],
            techniques: vec![],
            stages: vec![],
            finding_ids: ids.iter().map(|s| s.to_string()).collect(),
            escalation: None,
        }
    }

    #[test]
    fn tiers_contain_only_accounts_with_evidence_of_access() {
        let mut spray = finding(
            "f1",
            &["victim@x.com"],
            &["45.1.1.1"],
            &["block_ip", "reset_password"],
            serde_json::json!({}),
        );
        spray.access = Access::GotIn;
        let mut targeted =
            finding("f2", &["admin@x.com"], &["45.1.1.1"], &["reset_password"], serde_json::json!({}));
        targeted.access = Access::Targeted;
        let mut benign_change = finding(
            "f3",
            &["ops@x.com"],
            &[],
            &["revert_policy_change"],
            serde_json::json!({"policy": "CA007"}),
        );
        benign_change.access = Access::Changed;
        let mut attacker_change = finding(
            "f4",
            &["victim@x.com"],
            &[],
            &["remove_app_credential"],
            serde_json::json!({"app": "HR"}),
        );
        attacker_change.access = Access::Changed;
        let fs = vec![spray, targeted, benign_change, attacker_change];
        let acts = plan(&[incident(Severity::Critical, &["f1", "f2", "f3", "f4"])], &fs);
        let tier = |action: &str, target: &str| {
            let a = acts.iter().find(|a| a.action == action && a.target == target).unwrap();
            (a.tier, a.executable)
        };
        assert_eq!(tier("reset_password", "victim@x.com"), (Tier::Contain, true));
        assert_eq!(tier("revoke_sessions", "victim@x.com"), (Tier::Contain, true));
        assert_eq!(tier("block_ip", "45.1.1.1"), (Tier::Contain, true));
        // Only targeted: verify, never executed.
        assert_eq!(tier("reset_password", "admin@x.com"), (Tier::Verify, false));
        // A change by an actor with no sign of compromise: verify.
        assert_eq!(tier("revert_policy_change", "CA007"), (Tier::Verify, false));
        // A change made by the compromised account: contain.
        assert_eq!(tier("remove_app_credential", "HR"), (Tier::Contain, true));
        // Below high severity nothing is executed, whatever the tier.
        let acts = plan(&[incident(Severity::Medium, &["f1"])], &fs);
        assert!(acts.iter().all(|a| !a.executable));
        assert!(acts.iter().any(|a| a.tier == Tier::Contain));
    }

    #[test]
    fn compromised_users_get_reset_and_revoke_and_order_is_containment_first() {
        let fs = vec![
            finding(
                "f1",
                &["u@x.com"],
                &["45.1.1.1", "10.0.0.1"],
                &["block_ip", "confirm_compromised"],
                serde_json::json!({}),
            ),
            finding(
                "f2",
                &["u@x.com"],
                &[],
                &["remove_app_credential"],
                serde_json::json!({"app": "Payroll"}),
            ),
        ];
        let inc = Incident {
            incident_id: "INC-001".into(),
            severity: Severity::High,
            title: "t".into(),
            first_seen: 0,
            last_seen: 0,
            principals: vec![],
            ips: vec![],
            techniques: vec![],
            stages: vec![],
            finding_ids: vec!["f1".into(), "f2".into()],
            escalation: None,
        };
        let acts = plan(&[inc], &fs);
        let got: Vec<(usize, &str, &str)> =
            acts.iter().map(|a| (a.priority, a.action.as_str(), a.target.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (1, "revoke_sessions", "u@x.com"),
                (2, "block_ip", "45.1.1.1"),
                (3, "reset_password", "u@x.com"),
                (4, "remove_app_credential", "Payroll"),
                (5, "confirm_compromised", "u@x.com"),
            ]
        );
        assert_eq!(acts[0].finding_ids, vec!["f1"]);
    }
}
