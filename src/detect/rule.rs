//! A rule file: YAML metadata in a leading SQL comment, then one SELECT.
//!
//! ```sql
//! -- ---
//! -- id: SPRAY-IP
//! -- title: Password spray from one IP
//! -- kind: detection
//! -- severity: medium
//! -- params: { window_minutes: 20, min_users: 5 }
//! -- …
//! -- ---
//! SELECT … FROM signins WHERE … {{min_users}} …
//! ```
//!
//! This module parses and validates the metadata and substitutes parameters; planning and
//! running the SQL belongs to `run.rs`. A rule with `engine: native` has metadata only; its
//! query is a Rust function registered in `native/`.

use std::collections::BTreeMap;
use std::fmt;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

/// What a rule produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A detection: its findings become incidents.
    Detection,
    /// "Did you expect this?": a question for the customer.
    Duet,
    /// A lower-fidelity lead for a hunter.
    Hunt,
    /// A posture / resilience recommendation.
    Posture,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Detection => "detection",
            Kind::Duet => "duet",
            Kind::Hunt => "hunt",
            Kind::Posture => "posture",
        }
    }
}

/// What a finding says about its principals, which decides how hard remediation may hit
/// them: only accounts with evidence that the attacker got in are contained (reset,
/// disabled, revoked); targeted accounts and the actors of changes are verified first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// The principals got in: a validated password, a success from attacker infrastructure,
    /// a risky success, a stolen session used.
    GotIn,
    /// The principals were only targeted (failures, lockouts, prompts they refused).
    Targeted,
    /// The principals made a change (audit events): possibly a legitimate administrator.
    Changed,
}

impl Access {
    pub fn name(self) -> &'static str {
        match self {
            Access::GotIn => "got_in",
            Access::Targeted => "targeted",
            Access::Changed => "changed",
        }
    }
}

/// Finding severity, ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] =
        [Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical];

    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|x| x.name().eq_ignore_ascii_case(s.trim()))
    }

    /// One step up, capped at critical.
    pub fn raised(self) -> Severity {
        match self {
            Severity::Info => Severity::Low,
            Severity::Low => Severity::Medium,
            Severity::Medium => Severity::High,
            _ => Severity::Critical,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The remediation actions a rule may recommend, with what each means. Reports and the
/// remediation script are built from these codes.
pub const REMEDIATIONS: &[(&str, &str)] = &[
    ("disable_account", "block sign-in for the account"),
    ("reset_password", "reset the password (twice for hybrid accounts, on-premises first)"),
    ("revoke_sessions", "revoke refresh tokens and sessions (revokeSignInSessions)"),
    ("require_mfa_reregistration", "remove attacker-added authentication methods and re-register MFA"),
    ("confirm_compromised", "mark the user compromised in Identity Protection"),
    ("block_ip", "block the IP or ASN with a named location and a Conditional Access block"),
    ("block_legacy_auth", "block legacy authentication with Conditional Access"),
    ("remove_app_credential", "remove the added application / service principal credential"),
    ("disable_service_principal", "disable the service principal (accountEnabled = false)"),
    ("revoke_consent_grant", "revoke the OAuth2 permission grant or app role assignment"),
    ("remove_role_assignment", "remove the role assignment or PIM eligibility"),
    ("delete_account", "delete the account the attacker created"),
    ("remove_device", "delete or disable the rogue device"),
    ("revert_policy_change", "revert the Conditional Access / named location / tenant policy change"),
    ("revert_federation", "revert the domain federation change and rotate the token-signing certificate"),
    ("rotate_secrets", "rotate Key Vault and other secrets the identity could read"),
    ("ask_customer", "confirm with the customer whether this was expected"),
    ("review_configuration", "review the tenant configuration this finding points at"),
];

pub fn is_remediation(code: &str) -> bool {
    REMEDIATIONS.iter().any(|(c, _)| *c == code)
}

/// A parameter default: a number, a string, a boolean or a list of strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
    List(Vec<String>),
}

impl ParamValue {
    /// The value as SQL text: numbers as they are, strings quoted, lists as `('a', 'b')`.
    pub fn to_sql(&self) -> String {
        fn quote(s: &str) -> String {
            format!("'{}'", s.replace('\'', "''"))
        }
        match self {
            ParamValue::Int(i) => i.to_string(),
            ParamValue::Float(f) => format!("{f:?}"),
            ParamValue::Bool(b) => b.to_string(),
            ParamValue::Text(s) => quote(s),
            // Not `(NULL)`: `x NOT IN (NULL)` is NULL and would silently drop every row.
            ParamValue::List(v) if v.is_empty() => "('<entrascope:empty-list>')".into(),
            ParamValue::List(v) => format!("({})", v.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", ")),
        }
    }

    pub fn from_toml(v: &toml::Value) -> Option<ParamValue> {
        Some(match v {
            toml::Value::Integer(i) => ParamValue::Int(*i),
            toml::Value::Float(f) => ParamValue::Float(*f),
            toml::Value::Boolean(b) => ParamValue::Bool(*b),
            toml::Value::String(s) => ParamValue::Text(s.clone()),
            toml::Value::Array(a) => {
                ParamValue::List(a.iter().map(|x| x.as_str().map(str::to_string)).collect::<Option<_>>()?)
            }
            _ => return None,
        })
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            ParamValue::Int(i) => Some(*i),
            ParamValue::Float(f) => Some(*f as i64),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            ParamValue::Int(i) => Some(*i as f64),
            ParamValue::Float(f) => Some(*f),
            _ => None,
        }
    }
}

/// How the rule's query is expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    #[default]
    Sql,
    Native,
}

/// The one column rules may be partitioned by (see [`Meta::partition`]).
pub const PARTITION_USER: &str = "user_principal_name";

/// The metadata block of a rule file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub id: String,
    pub title: String,
    pub kind: Kind,
    pub severity: Severity,
    #[serde(default)]
    pub techniques: Vec<String>,
    #[serde(default)]
    pub tactics: Vec<String>,
    pub description: String,
    pub why: String,
    #[serde(default)]
    pub remediation: Vec<String>,
    pub tables: Vec<String>,
    #[serde(default)]
    pub params: BTreeMap<String, ParamValue>,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub false_positives: Vec<String>,
    #[serde(default)]
    pub engine: Engine,
    /// ScubaGear / Entra recommendation ids (posture rules).
    #[serde(default)]
    pub baselines: Vec<String>,
    /// Catalog ids in docs/detections.md this rule implements.
    #[serde(default)]
    pub catalog: Vec<String>,
    /// What findings say about their principals (default: `changed` for rules over audits,
    /// `got_in` otherwise); a rule may return an `access` column to decide per row.
    #[serde(default)]
    pub access: Option<Access>,
    /// `user_principal_name` when the rule's results are the union of its results per user:
    /// every window, join and grouping keeps one user's rows together. Over spilled tables
    /// such a rule runs in slices of users, so its memory is one slice's, not the window's.
    #[serde(default)]
    pub partition: Option<String>,
}

impl Meta {
    /// The rule's default access for its findings.
    pub fn default_access(&self) -> Access {
        self.access.unwrap_or(if self.tables.first().map(String::as_str) == Some("audits") {
            Access::Changed
        } else {
            Access::GotIn
        })
    }
}

/// A parsed rule: metadata, SQL body and where it came from.
#[derive(Debug, Clone)]
pub struct Rule {
    pub meta: Meta,
    /// The SELECT with `{{param}}` placeholders (empty for native rules).
    pub sql: String,
    /// `queries/<area>/<file>.sql` (or the path given).
    pub path: String,
    /// The area directory (`signin`, `audit`, …).
    pub area: String,
    /// The shared views it reads (`queries/views/`), resolved by the catalog and inlined when
    /// it is rendered.
    pub views: Vec<super::view::View>,
}

const FENCE: &str = "---";

/// Split a rule file into its YAML header and SQL body.
pub(crate) fn split(text: &str) -> Result<(String, String)> {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("").trim();
    if first.trim_start_matches("--").trim() != FENCE || !first.starts_with("--") {
        bail!("a rule file must start with a `-- ---` line opening the metadata block");
    }
    let mut yaml = String::new();
    let mut closed = false;
    for line in lines.by_ref() {
        let t = line.trim_start();
        let Some(body) = t.strip_prefix("--") else {
            bail!("metadata lines must start with `--`; found {line:?} before the closing `-- ---`");
        };
        if body.trim() == FENCE {
            closed = true;
            break;
        }
        yaml.push_str(body.strip_prefix(' ').unwrap_or(body));
        yaml.push('\n');
    }
    if !closed {
        bail!("the metadata block is not closed with a `-- ---` line");
    }
    let sql: String = lines.collect::<Vec<_>>().join("\n");
    Ok((yaml, sql.trim().to_string()))
}

impl Rule {
    /// Parse one rule file's text; `path` names it in errors.
    pub fn parse(path: &str, text: &str) -> Result<Rule> {
        let (yaml, sql) = split(text).map_err(|e| anyhow::anyhow!("rule {path}: {e}"))?;
        let meta: Meta = serde_norway::from_str(&yaml)
            .map_err(|e| anyhow::anyhow!("rule {path}: invalid metadata: {e}"))?;
        let area = path.rsplit('/').nth(1).unwrap_or("").to_string();
        let rule = Rule { meta, sql, path: path.to_string(), area, views: Vec::new() };
        rule.validate()?;
        Ok(rule)
    }

    /// Check metadata values; planning the SQL is `run::lint`'s job.
    pub fn validate(&self) -> Result<()> {
        let m = &self.meta;
        let ctx = || format!("rule {} ({})", m.id, self.path);
        let id_ok = !m.id.is_empty()
            && m.id.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
        if !id_ok {
            bail!("{}: id {:?} must be upper-case letters, digits and dashes", ctx(), m.id);
        }
        if let Some(p) = &m.partition {
            if p != PARTITION_USER {
                bail!("{}: partition {p:?} is not supported; the only one is {PARTITION_USER}", ctx());
            }
        }
        for (name, v) in [("title", &m.title), ("description", &m.description), ("why", &m.why)] {
            if v.trim().is_empty() {
                bail!("{}: `{name}` is empty", ctx());
            }
        }
        for t in &m.techniques {
            // Bytes, not string slices: a multi-byte character must not panic (found by
            // the fuzzer).
            let b = t.as_bytes();
            let ok = b.len() >= 5
                && b[0] == b'T'
                && b[1..5].iter().all(u8::is_ascii_digit)
                && (b.len() == 5 || (b.len() == 9 && b[5] == b'.' && b[6..].iter().all(u8::is_ascii_digit)));
            if !ok {
                bail!("{}: technique {t:?} is not an ATT&CK id like T1110 or T1110.003", ctx());
            }
        }
        if m.kind == Kind::Detection && m.techniques.is_empty() {
            bail!("{}: a detection needs at least one ATT&CK technique", ctx());
        }
        for r in &m.remediation {
            if !is_remediation(r) {
                let known: Vec<&str> = REMEDIATIONS.iter().map(|(c, _)| *c).collect();
                bail!("{}: unknown remediation {r:?}; use one of {}", ctx(), known.join(", "));
            }
        }
        if m.tables.is_empty() {
            bail!("{}: `tables` must list the canonical tables the rule reads", ctx());
        }
        for t in &m.tables {
            if crate::schema::Table::from_name(t).is_none() {
                bail!("{}: unknown table {t:?}; see `entrascope schema`", ctx());
            }
        }
        match m.engine {
            Engine::Sql => {
                if self.sql.is_empty() {
                    bail!("{}: no SQL after the metadata block", ctx());
                }
                let used = placeholders(&self.sql);
                for p in &used {
                    if !m.params.contains_key(p) {
                        bail!("{}: the SQL uses {{{{{p}}}}} but `params` does not define it", ctx());
                    }
                }
                for p in m.params.keys() {
                    if !used.contains(p) {
                        bail!("{}: param {p:?} is never used in the SQL", ctx());
                    }
                }
            }
            Engine::Native => {
                if !self.sql.is_empty() {
                    bail!("{}: a native rule has metadata only; its query lives in src/detect/native", ctx());
                }
            }
        }
        Ok(())
    }

    /// The parameters in force: defaults overridden by the policy's `[params.<ID>]`.
    pub fn params(
        &self,
        overrides: Option<&BTreeMap<String, toml::Value>>,
    ) -> Result<BTreeMap<String, ParamValue>> {
        let mut p = self.meta.params.clone();
        if let Some(o) = overrides {
            for (k, v) in o {
                if !p.contains_key(k) {
                    let known: Vec<&String> = self.meta.params.keys().collect();
                    bail!("policy sets unknown param {k:?} for rule {}; it has {known:?}", self.meta.id);
                }
                let v = ParamValue::from_toml(v).with_context(|| {
                    format!(
                        "policy param {k:?} of rule {} must be a number, string, boolean or list of strings",
                        self.meta.id
                    )
                })?;
                p.insert(k.clone(), v);
            }
        }
        Ok(p)
    }

    /// The SQL with the views it reads inlined and every `{{param}}` replaced.
    pub fn render(&self, params: &BTreeMap<String, ParamValue>) -> String {
        let mut sql = super::view::inline(&self.sql, &self.views.iter().collect::<Vec<_>>());
        for (k, v) in params {
            sql = sql.replace(&format!("{{{{{k}}}}}"), &v.to_sql());
        }
        sql
    }
}

/// Names used as `{{name}}` in the SQL.
fn placeholders(sql: &str) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    let mut rest = sql;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        out.insert(after[..end].trim().to_string());
        rest = &after[end + 2..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "-- ---\n-- id: T-1\n-- title: Test\n-- kind: detection\n-- severity: high\n-- techniques: [T1110.003]\n-- description: d\n-- why: w\n-- remediation: [block_ip]\n-- tables: [signins]\n-- params:\n--   min_users: 5\n--   apps: [a, \"b'c\"]\n-- ---\nSELECT * FROM signins WHERE x >= {{min_users}} AND app IN {{apps}}\n";

    #[test]
    fn a_technique_with_a_multibyte_character_is_an_error_not_a_panic() {
        // Found by the fuzzer: the technique check sliced the string at byte offsets.
        let text = GOOD.replace("T1110.003", "T10\u{feff}98.001");
        let err = Rule::parse("queries/signin/t.sql", &text).unwrap_err().to_string();
        assert!(err.contains("technique") || err.contains("T10"), "{err}");
    }

    #[test]
    fn parses_and_renders() {
        let r = Rule::parse("queries/signin/t.sql", GOOD).unwrap();
        assert_eq!(r.meta.severity, Severity::High);
        assert_eq!(r.area, "signin");
        let mut o = BTreeMap::new();
        o.insert("min_users".to_string(), toml::Value::Integer(9));
        let p = r.params(Some(&o)).unwrap();
        assert_eq!(r.render(&p), "SELECT * FROM signins WHERE x >= 9 AND app IN ('a', 'b''c')");
    }

    #[test]
    fn validation_names_the_problem() {
        let err = |t: &str| Rule::parse("q/x/t.sql", t).unwrap_err().to_string();
        assert!(err(&GOOD.replace("T1110.003", "TA0006")).contains("ATT&CK"));
        assert!(err(&GOOD.replace("block_ip", "nuke_it")).contains("unknown remediation"));
        assert!(err(&GOOD.replace("{{apps}}", "('x')")).contains("never used"));
        assert!(err(&GOOD.replace("[signins]", "[logins]")).contains("unknown table"));
        assert!(err(&GOOD.replace("-- why: w\n", "")).contains("why"));
        assert!(err(&GOOD.replace("-- why: w\n", "-- why: w\n-- colour: red\n")).contains("colour"));
        assert!(err("SELECT 1").contains("must start"));
        let mut o = BTreeMap::new();
        o.insert("nope".to_string(), toml::Value::Integer(1));
        let r = Rule::parse("q/x/t.sql", GOOD).unwrap();
        assert!(r.params(Some(&o)).unwrap_err().to_string().contains("unknown param"));
    }
}
