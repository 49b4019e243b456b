//! The compliance summary for auditors: what the logs show about the controls, over the
//! window, each section mapped to the ScubaGear MS.AAD baseline (or Entra recommendation)
//! it evidences. Like dossiers, every section is one SQL query over the enriched tables.

use anyhow::{anyhow, Result};
use polars::sql::SQLContext;

use crate::enrich::{Enriched, Knowledge};
use crate::investigate::dossier::Section;

/// (title, baseline ids, SQL).
pub const SECTIONS: &[(&str, &str, &str)] = &[
    (
        "MFA coverage of successful interactive sign-ins (overall)",
        "MS.AAD.3.2v2",
        "SELECT COUNT(*) AS successful_sign_ins, SUM(CASE WHEN authentication_requirement = 'multiFactorAuthentication' THEN 1 ELSE 0 END) AS multi_factor, ROUND(100.0 * SUM(CASE WHEN authentication_requirement = 'multiFactorAuthentication' THEN 1 ELSE 0 END) / COUNT(*), 1) AS mfa_percent FROM signins WHERE category = 'interactive' AND result = 'success'",
    ),
    (
        "MFA coverage per user (least covered first)",
        "MS.AAD.3.2v2",
        "SELECT user_principal_name, COUNT(*) AS successful_sign_ins, SUM(CASE WHEN authentication_requirement = 'multiFactorAuthentication' THEN 1 ELSE 0 END) AS multi_factor, ROUND(100.0 * SUM(CASE WHEN authentication_requirement = 'multiFactorAuthentication' THEN 1 ELSE 0 END) / COUNT(*), 1) AS mfa_percent, MAX(CASE WHEN user_is_privileged THEN 1 ELSE 0 END) AS privileged FROM signins WHERE category = 'interactive' AND result = 'success' AND user_principal_name IS NOT NULL GROUP BY user_principal_name ORDER BY mfa_percent, successful_sign_ins DESC, user_principal_name",
    ),
    (
        "Legacy authentication by user and protocol",
        "MS.AAD.1.1v1",
        "SELECT user_principal_name, client_app_used, COUNT(*) AS attempts, SUM(CASE WHEN result = 'success' THEN 1 ELSE 0 END) AS successes, MIN(time) AS first_seen, MAX(time) AS last_seen FROM signins WHERE is_legacy_auth GROUP BY user_principal_name, client_app_used ORDER BY successes DESC, attempts DESC, user_principal_name",
    ),
    (
        "Successful sign-ins without Conditional Access applied, per app",
        "MS.AAD.3.1v1; MS.AAD.3.2v2",
        "SELECT app_display_name, COUNT(*) AS successful_sign_ins, SUM(CASE WHEN conditional_access_status = 'notApplied' THEN 1 ELSE 0 END) AS not_applied, ROUND(100.0 * SUM(CASE WHEN conditional_access_status = 'notApplied' THEN 1 ELSE 0 END) / COUNT(*), 1) AS not_applied_percent FROM signins WHERE result = 'success' AND category IN ('interactive', 'non_interactive') GROUP BY app_display_name ORDER BY not_applied DESC, app_display_name",
    ),
    (
        "Privileged role assignments and removals (who, when, via PIM or not)",
        "MS.AAD.7.4v1; MS.AAD.7.5v1",
        "SELECT time, activity, CASE WHEN logged_by_service = 'PIM' OR activity LIKE '%PIM%' THEN 'PIM' ELSE 'direct' END AS path, actor_upn, actor_app_name, target_upn, target_name, result, changes FROM audits WHERE activity LIKE '%member to role%' OR activity LIKE '%eligible member%' OR activity LIKE '%role assignment%' ORDER BY time",
    ),
    (
        "Conditional Access, authentication-method, federation and cross-tenant policy changes",
        "MS.AAD.3.x; MS.AAD.6.1v1; Entra: review policy changes",
        "SELECT time, activity, category, actor_upn, target_name, result, ip_address, changes FROM audits WHERE activity LIKE '%conditional access%' OR activity LIKE '%named location%' OR activity LIKE '%authentication method%policy%' OR activity LIKE '%Authentication Methods Policy%' OR activity LIKE '%federation%' OR activity LIKE '%domain authentication%' OR activity LIKE '%cross-tenant%' OR activity LIKE '%Cross-tenant%' OR activity LIKE '%security defaults%' OR activity LIKE '%authorization policy%' OR activity LIKE '%Update policy%' OR activity LIKE '%Add policy%' OR activity LIKE '%Delete policy%' ORDER BY time",
    ),
    (
        "Application credential and consent changes",
        "MS.AAD.5.1v1; MS.AAD.5.2v1; MS.AAD.5.3v1",
        "SELECT time, activity, actor_upn, actor_app_name, target_name, target_type, result, ip_address, changes FROM audits WHERE activity LIKE '%Certificates and secrets%' OR activity LIKE '%service principal credentials%' OR activity LIKE 'Consent to application%' OR activity LIKE '%delegated permission grant%' OR activity LIKE '%app role assignment%' OR activity LIKE '%federated identity credential%' ORDER BY time",
    ),
    (
        "Guest invitations",
        "MS.AAD.8.1v1; MS.AAD.8.2v1; MS.AAD.8.3v1",
        "SELECT time, activity, actor_upn, target_upn, target_name, result FROM audits WHERE activity LIKE '%Invite external user%' OR activity LIKE '%invite%user%' OR (activity = 'Add user' AND target_upn LIKE '%#ext#%') ORDER BY time",
    ),
    (
        "Break-glass account usage (accounts from the policy)",
        "MS.AAD.7.x; Entra: emergency access accounts",
        "SELECT time, user_principal_name, result, error_code, ip_address, country, app_display_name FROM signins WHERE user_is_break_glass ORDER BY time",
    ),
    (
        "Risky users",
        "MS.AAD.2.1v1; MS.AAD.2.3v1",
        "SELECT user_principal_name, MAX(time) AS last_update, MAX(risk_level) AS risk_level, MAX(risk_state) AS risk_state, MAX(CASE WHEN user_is_privileged THEN 1 ELSE 0 END) AS privileged FROM risky_users GROUP BY user_principal_name ORDER BY risk_level, user_principal_name",
    ),
];

/// Sections that evidence a control gap when they have rows, and how serious that gap is
/// (for `--fail-on`): legacy authentication that succeeded, break-glass accounts used,
/// users still at high risk.
pub fn gap(title: &str, rows: &[Vec<String>], header: &[String]) -> Option<crate::detect::Severity> {
    use crate::detect::Severity;
    let col = |name: &str| header.iter().position(|h| h == name);
    if title.starts_with("Legacy authentication") {
        let i = col("successes")?;
        return rows
            .iter()
            .any(|r| r.get(i).is_some_and(|v| v != "0" && !v.is_empty()))
            .then_some(Severity::High);
    }
    if title.starts_with("Break-glass account usage") && !rows.is_empty() {
        return Some(Severity::High);
    }
    if title.starts_with("Risky users") {
        let (l, st) = (col("risk_level")?, col("risk_state")?);
        return rows
            .iter()
            .any(|r| r.get(l).is_some_and(|v| v == "high") && r.get(st).is_some_and(|v| v == "atRisk"))
            .then_some(Severity::High);
    }
    None
}

/// Sections that depend on facts only a policy can state, and the policy key that states
/// them: without it the section is marked not evaluated instead of looking clean.
const NEEDS_POLICY: &[(&str, &str)] = &[("Break-glass account usage", "break_glass_accounts")];

/// Compute every section.
pub fn sections(en: &Enriched, kn: &Knowledge) -> Result<Vec<(Section, &'static str)>> {
    let mut ctx = SQLContext::new();
    for (t, lf) in &en.tables {
        ctx.register(t.name(), lf.clone());
    }
    let mut out = Vec::new();
    for (title, baseline, sql) in SECTIONS {
        let df = ctx
            .execute(sql)
            .and_then(|lf| lf.collect())
            .map_err(|e| anyhow!("compliance section {title:?} failed: {e}"))?;
        let (header, rows) = crate::report::frame_rows(&df);
        let missing = NEEDS_POLICY
            .iter()
            .find(|(t, key)| title.starts_with(t) && kn.source_of(key) == "none")
            .map(|(_, key)| format!(" — NOT EVALUATED: the policy lists no {key} (pass --policy with them)"));
        let title = format!("{title} — {baseline}{}", missing.unwrap_or_default());
        out.push((Section { title, header, rows }, *baseline));
    }
    Ok(out)
}
