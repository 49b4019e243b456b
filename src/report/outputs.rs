//! The tabular outputs of `analyze`: incidents, remediation (CSV and a guarded PowerShell
//! script), DUET questions, posture, the Timesketch timeline and the ATT&CK Navigator layer.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;

use super::write_csv;
use crate::analyze::correlate::Incident;
use crate::analyze::remediate::Action;
use crate::detect::{Finding, Kind};
use crate::ingest::time::format_rfc3339;

pub fn incidents_csv(dir: &Path, incidents: &[Incident]) -> Result<()> {
    write_csv(
        &dir.join("incidents.csv"),
        &[
            "incident_id",
            "severity",
            "title",
            "first_seen",
            "last_seen",
            "principals",
            "ips",
            "techniques",
            "finding_ids",
        ],
        incidents.iter().map(|i| {
            vec![
                i.incident_id.clone(),
                i.severity.name().to_string(),
                i.title.clone(),
                format_rfc3339(i.first_seen),
                format_rfc3339(i.last_seen),
                i.principals.join(";"),
                i.ips.join(";"),
                i.techniques.join(";"),
                i.finding_ids.join(";"),
            ]
        }),
    )
}

pub fn remediation_csv(dir: &Path, actions: &[Action]) -> Result<()> {
    write_csv(
        &dir.join("remediation.csv"),
        &[
            "incident_id",
            "priority",
            "tier",
            "action",
            "target_type",
            "target",
            "reason",
            "tier_reason",
            "finding_ids",
        ],
        actions.iter().map(|a| {
            vec![
                a.incident_id.clone(),
                a.priority.to_string(),
                a.tier.name().to_string(),
                a.action.clone(),
                a.target_type.clone(),
                a.target.clone(),
                a.reason.clone(),
                a.tier_reason.clone(),
                a.finding_ids.join(";"),
            ]
        }),
    )
}

pub fn duet_csv(dir: &Path, findings: &[Finding]) -> Result<()> {
    write_csv(
        &dir.join("duet.csv"),
        &crate::analyze::duet::CSV_HEADER,
        findings.iter().filter(|f| f.kind == Kind::Duet).map(crate::analyze::duet::csv_row),
    )
}

pub fn posture_csv(
    dir: &Path,
    findings: &[Finding],
    baselines: &BTreeMap<String, Vec<String>>,
) -> Result<()> {
    write_csv(
        &dir.join("posture.csv"),
        &[
            "finding_id",
            "rule_id",
            "severity",
            "title",
            "baselines",
            "summary",
            "principals",
            "evidence_count",
        ],
        findings.iter().filter(|f| f.kind == Kind::Posture).map(|f| {
            vec![
                f.finding_id.clone(),
                f.rule_id.clone(),
                f.severity.name().to_string(),
                f.title.clone(),
                baselines.get(&f.rule_id).map(|b| b.join(";")).unwrap_or_default(),
                f.summary.clone(),
                f.principals.join(";"),
                f.evidence_count.to_string(),
            ]
        }),
    )
}

/// One row of the Timesketch import (`message`, `datetime`, `timestamp_desc` + fields).
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimelineEvent {
    pub datetime: String,
    pub message: String,
    pub timestamp_desc: String,
    pub incident_id: String,
    pub finding_id: String,
    pub rule_id: String,
    pub table: String,
    pub principal: String,
    pub ip: String,
    pub source_file: String,
    pub source_record: String,
}

/// `scope.csv`: what each incident touched through Microsoft Graph, one row per (tie,
/// resource, method, path) group — the full table behind the report's scope sections.
pub fn scope_csv(dir: &Path, rows: &[crate::analyze::scope::ScopeRow]) -> Result<()> {
    write_csv(
        &dir.join("scope.csv"),
        &[
            "incident_id",
            "tied_by",
            "resource",
            "method",
            "resource_path",
            "requests",
            "bytes",
            "errors",
            "first_seen",
            "last_seen",
            "ips",
            "callers",
        ],
        rows.iter().map(|r| {
            vec![
                r.incident_id.clone(),
                r.via.label().to_string(),
                r.resource.clone(),
                r.method.clone(),
                r.resource_path.clone(),
                r.requests.to_string(),
                r.bytes.to_string(),
                r.errors.to_string(),
                crate::ingest::time::format_rfc3339(r.first_seen),
                crate::ingest::time::format_rfc3339(r.last_seen),
                r.ips.join(";"),
                r.callers.join(";"),
            ]
        }),
    )
}

pub fn timeline_csv(dir: &Path, events: &[TimelineEvent]) -> Result<()> {
    write_csv(
        &dir.join("timeline.csv"),
        &[
            "message",
            "datetime",
            "timestamp_desc",
            "incident_id",
            "finding_id",
            "rule_id",
            "table",
            "principal",
            "ip",
            "source_file",
            "source_record",
        ],
        events.iter().map(|e| {
            vec![
                e.message.clone(),
                e.datetime.clone(),
                e.timestamp_desc.clone(),
                e.incident_id.clone(),
                e.finding_id.clone(),
                e.rule_id.clone(),
                e.table.clone(),
                e.principal.clone(),
                e.ip.clone(),
                e.source_file.clone(),
                e.source_record.clone(),
            ]
        }),
    )
}

/// ATT&CK Navigator layer: every technique seen, scored by the number of findings.
pub fn attack_layer(dir: &Path, findings: &[Finding]) -> Result<()> {
    let mut by_tech: BTreeMap<&str, (usize, Vec<&str>)> = BTreeMap::new();
    for f in findings.iter().filter(|f| matches!(f.kind, Kind::Detection | Kind::Hunt | Kind::Duet)) {
        for t in &f.techniques {
            let e = by_tech.entry(t).or_default();
            e.0 += 1;
            if !e.1.contains(&f.rule_id.as_str()) {
                e.1.push(&f.rule_id);
            }
        }
    }
    let max = by_tech.values().map(|v| v.0).max().unwrap_or(1);
    let techniques: Vec<serde_json::Value> = by_tech
        .iter()
        .map(|(t, (n, rules))| {
            serde_json::json!({
                "techniqueID": t,
                "score": n,
                "comment": format!("{n} finding(s): {}", rules.join(", ")),
                "enabled": true,
            })
        })
        .collect();
    let layer = serde_json::json!({
        "name": "entrascope findings",
        "versions": { "attack": "16", "navigator": "5.1.0", "layer": "4.5" },
        "domain": "enterprise-attack",
        "description": "Techniques behind entrascope findings (detections, DUET and hunting leads).",
        "gradient": { "colors": ["#fff3b0", "#e05d44"], "minValue": 0, "maxValue": max },
        "techniques": techniques,
    });
    let path = dir.join("attack-layer.json");
    crate::fsio::write(&path, serde_json::to_string_pretty(&layer)? + "\n")
}

/// Characters that must never appear raw in the script: controls (a newline would end a
/// comment or statement) and bidirectional overrides (they make the reviewer read
/// something other than what runs).
fn ps_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// A PowerShell string expression for `s`: a single-quoted literal with quotes doubled
/// (PowerShell also ends literals on typographic quotes), and unsafe characters spliced in
/// as `[char]0xNNNN`, so the exact value is targeted while the script text stays inert.
pub fn ps_quote(s: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut lit = String::new();
    for c in s.chars() {
        if ps_unsafe(c) {
            if !lit.is_empty() || parts.is_empty() {
                parts.push(format!("'{}'", std::mem::take(&mut lit)));
            }
            parts.push(format!("[char]0x{:04X}", c as u32));
        } else if matches!(c, '\'' | '‘' | '’' | '‚' | '‛') {
            lit.push_str("''");
        } else {
            lit.push(c);
        }
    }
    if parts.is_empty() {
        return format!("'{lit}'");
    }
    if !lit.is_empty() {
        parts.push(format!("'{lit}'"));
    }
    format!("({})", parts.join(" + "))
}

/// Text safe on one `#` comment line: unsafe characters shown as `[U+NNNN]`.
fn ps_comment(s: &str) -> String {
    s.chars().map(|c| if ps_unsafe(c) { format!("[U+{:04X}]", c as u32) } else { c.to_string() }).collect()
}

/// The Graph PowerShell for one action, or `None` when it needs a human decision.
fn ps_command(a: &Action) -> Option<String> {
    let t = ps_quote(&a.target);
    Some(match a.action.as_str() {
        "disable_account" => format!("Update-MgUser -UserId {t} -AccountEnabled:$false"),
        "revoke_sessions" => format!("Revoke-MgUserSignInSession -UserId {t}"),
        "reset_password" => format!(
            "Update-MgUser -UserId {t} -PasswordProfile @{{ ForceChangePasswordNextSignIn = $true; Password = (New-EntrascopePassword) }}"
        ),
        "require_mfa_reregistration" => format!(
            "Get-MgUserAuthenticationMethod -UserId {t} | Format-Table Id, AdditionalProperties  # remove the methods the attacker added, then require re-registration"
        ),
        "confirm_compromised" => format!("Confirm-MgRiskyUserCompromised -UserIds @((Get-MgUser -UserId {t}).Id)"),
        "delete_account" => format!("Remove-MgUser -UserId {t}"),
        "block_ip" => format!(
            "New-MgIdentityConditionalAccessNamedLocation -BodyParameter @{{ '@odata.type' = '#microsoft.graph.ipNamedLocation'; displayName = {}; isTrusted = $false; ipRanges = @(@{{ '@odata.type' = '#microsoft.graph.iPv{}CidrRange'; cidrAddress = {} }}) }}  # then block this location in a CA policy",
            ps_quote(&format!("entrascope {} block {}", a.incident_id, a.target)),
            if a.target.contains(':') { 6 } else { 4 },
            ps_quote(&format!("{}/{}", a.target, if a.target.contains(':') { 128 } else { 32 }))
        ),
        "disable_service_principal" => format!(
            "Get-MgServicePrincipal -Filter (\"displayName eq '{{0}}'\" -f {t}.Replace(\"'\", \"''\")) | ForEach-Object {{ Update-MgServicePrincipal -ServicePrincipalId $_.Id -AccountEnabled:$false }}"
        ),
        "remove_app_credential" => format!(
            "Get-MgApplication -Filter (\"displayName eq '{{0}}'\" -f {t}.Replace(\"'\", \"''\")) | ForEach-Object {{ $_.PasswordCredentials + $_.KeyCredentials | Format-Table KeyId, DisplayName, StartDateTime }}  # then Remove-MgApplicationPassword / Remove-MgApplicationKey for the attacker's KeyId"
        ),
        "revoke_consent_grant" => format!(
            "Get-MgServicePrincipal -Filter (\"displayName eq '{{0}}'\" -f {t}.Replace(\"'\", \"''\")) | ForEach-Object {{ Get-MgOauth2PermissionGrant -Filter \"clientId eq '$($_.Id)'\" | ForEach-Object {{ Remove-MgOauth2PermissionGrant -OAuth2PermissionGrantId $_.Id }} }}"
        ),
        "remove_role_assignment" => {
            let (who, role) = a.target.split_once(" → ").unwrap_or((&a.target, ""));
            format!(
                "Get-MgRoleManagementDirectoryRoleAssignment -Filter \"principalId eq '$((Get-MgUser -UserId {}).Id)'\" -ExpandProperty RoleDefinition | Where-Object {{ {} -eq '' -or $_.RoleDefinition.DisplayName -eq {} }} | ForEach-Object {{ Remove-MgRoleManagementDirectoryRoleAssignment -UnifiedRoleAssignmentId $_.Id }}",
                ps_quote(who),
                ps_quote(role),
                ps_quote(role)
            )
        }
        "remove_device" => format!(
            "Get-MgDevice -Filter (\"displayName eq '{{0}}'\" -f {t}.Replace(\"'\", \"''\")) | ForEach-Object {{ Update-MgDevice -DeviceId $_.Id -AccountEnabled:$false }}"
        ),
        _ => return None,
    })
}

/// `remediation.ps1`: every action commented with its evidence; nothing runs without
/// `-Execute` — without it the script only prints what it would do.
pub fn remediation_ps1(dir: &Path, actions: &[Action]) -> Result<()> {
    let mut s = String::new();
    s.push_str(
        "<#\n.SYNOPSIS\n  Remediation recommended by entrascope. Review every action before running.\n.DESCRIPTION\n  Without -Execute this script only prints what it would do. With -Execute it calls\n  Microsoft Graph PowerShell (Connect-MgGraph with the needed scopes first), and runs\n  only the `contain` actions (evidence the attacker got in) of high and critical\n  incidents. `verify` actions (targeted accounts, changes by a possibly legitimate actor),\n  `harden` actions and anything needing a human decision are printed as guidance and\n  never executed.\n#>\n",
    );
    s.push_str("[CmdletBinding()]\nparam([switch]$Execute)\nSet-StrictMode -Version Latest\n$ErrorActionPreference = 'Stop'\n\n");
    s.push_str("function New-EntrascopePassword {\n  -join ((48..57) + (65..90) + (97..122) + (33, 35, 37, 42) | Get-Random -Count 24 | ForEach-Object { [char]$_ })\n}\n\n");
    s.push_str("function Invoke-Step([string]$Id, [scriptblock]$Action, [string]$Text) {\n  if ($Execute) { Write-Host \"[$Id] running: $Text\"; & $Action } else { Write-Host \"[$Id] would run: $Text\" }\n}\n\n");
    let mut current = String::new();
    for a in actions {
        if a.incident_id != current {
            current = a.incident_id.clone();
            let _ = writeln!(s, "# ===== {} =====\n", ps_comment(&a.incident_id));
        }
        let id = format!("{}-{:02}", a.incident_id, a.priority);
        let _ = writeln!(s, "# {id} {} {} {}", a.action, ps_comment(&a.target_type), ps_comment(&a.target));
        let _ = writeln!(s, "# why: {}", ps_comment(&a.reason));
        let _ = writeln!(s, "# tier: {} ({})", a.tier.name(), ps_comment(&a.tier_reason));
        let _ = writeln!(s, "# findings: {}", ps_comment(&a.finding_ids.join(", ")));
        if !a.executable {
            let why = if a.tier != crate::analyze::remediate::Tier::Contain {
                format!("a `{}` action", a.tier.name())
            } else {
                "the incident is below high severity".to_string()
            };
            let _ = writeln!(s, "# not run by -Execute: {why}");
        }
        match ps_command(a).filter(|_| a.executable) {
            Some(cmd) => {
                let _ = writeln!(
                    s,
                    "Invoke-Step {} {{ {cmd} }} {}\n",
                    ps_quote(&id),
                    ps_quote(&format!("{} {}", a.action, a.target))
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "Write-Host {}  # needs a human decision; not executed\n",
                    ps_quote(&format!(
                        "[{id}] {}: {} {}",
                        if a.executable { "manual" } else { a.tier.name() },
                        a.action,
                        a.target
                    ))
                );
            }
        }
    }
    let path = dir.join("remediation.ps1");
    crate::fsio::write(&path, s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powershell_quoting_neutralises_hostile_values() {
        assert_eq!(ps_quote("o'brien@x.com"), "'o''brien@x.com'");
        assert_eq!(
            ps_quote("a\r\nRemove-MgUser x"),
            "('a' + [char]0x000D + [char]0x000A + 'Remove-MgUser x')"
        );
        assert_eq!(ps_quote("x’; calc"), "'x''; calc'");
        assert_eq!(ps_quote("evil\u{202E}gpj.exe"), "('evil' + [char]0x202E + 'gpj.exe')");
        assert_eq!(ps_quote("\u{202E}x"), "('' + [char]0x202E + 'x')");
        assert_eq!(ps_comment("a\nb\u{202E}c"), "a[U+000A]b[U+202E]c");
    }
}
