//! The policy file (`--policy policy.toml`): what the customer told us about their tenant.
//!
//! It feeds enrichment (trusted networks, allowed countries, break-glass and privileged
//! accounts, threat-intel files), DUET questions (expected device-code users, legacy auth
//! state) and tuning (rule parameter overrides, disabled rules). Unknown keys are an error
//! naming the key: a typo must not silently switch a control off.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

/// Tenant facts and tuning. Every field is optional; an empty policy is valid.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Two-letter countries users are expected to sign in from. Empty: no country check.
    #[serde(default)]
    pub allowed_countries: Vec<String>,
    /// UPNs of emergency-access accounts; every use is a question for the customer.
    #[serde(default)]
    pub break_glass_accounts: Vec<String>,
    /// CIDRs of the customer's own egress (offices, VPN); IPv4 or IPv6.
    #[serde(default)]
    pub trusted_ips: Vec<String>,
    /// UPNs known to be privileged, beyond those seen receiving admin roles in the audits.
    #[serde(default)]
    pub privileged_users: Vec<String>,
    /// UPNs expected to use the device-code flow (meeting rooms, kiosks).
    #[serde(default)]
    pub expected_device_code_users: Vec<String>,
    /// App ids whose single-factor access the customer wants to hear about.
    #[serde(default)]
    pub high_impact_apps: Vec<String>,
    /// IOC files: plain IP/CIDR lists (one per line, `#` comments) or CSV `type,value,label`.
    /// Relative paths are relative to the policy file.
    #[serde(default)]
    pub intel: Vec<PathBuf>,
    /// Rule parameter overrides: `[params.SPRAY-IP] min_users = 8`.
    #[serde(default)]
    pub params: BTreeMap<String, BTreeMap<String, toml::Value>>,
    /// Rule ids not to run.
    #[serde(default)]
    pub disabled_rules: Vec<String>,
}

impl Policy {
    /// Load and validate a policy file; relative intel paths are resolved against it.
    pub fn load(path: &Path) -> Result<Policy> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read policy {}; check the path", path.display()))?;
        let mut p: Policy = toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!("policy {} is invalid: {}", path.display(), e.to_string().trim_end())
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        for f in &mut p.intel {
            if f.is_relative() {
                *f = base.join(&*f);
            }
        }
        p.normalise();
        Ok(p)
    }

    /// Lower-case the UPNs and upper-case the countries, as the canonical model stores them.
    fn normalise(&mut self) {
        for list in
            [&mut self.break_glass_accounts, &mut self.privileged_users, &mut self.expected_device_code_users]
        {
            for u in list.iter_mut() {
                *u = u.trim().to_ascii_lowercase();
            }
        }
        for c in &mut self.allowed_countries {
            *c = c.trim().to_ascii_uppercase();
        }
    }

    /// The policy to use: the file when given, otherwise an empty one.
    pub fn load_or_default(path: Option<&Path>) -> Result<Policy> {
        match path {
            Some(p) => Policy::load(p),
            None => Ok(Policy::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_named() {
        let err = toml::from_str::<Policy>("trusted_ip = []").unwrap_err().to_string();
        assert!(err.contains("trusted_ip"), "{err}");
    }

    #[test]
    fn parses_params_and_lists() {
        let p: Policy = toml::from_str(
            "allowed_countries = ['nl']\ndisabled_rules = ['X']\n[params.SPRAY-IP]\nmin_users = 8\n",
        )
        .unwrap();
        assert_eq!(p.params["SPRAY-IP"]["min_users"].as_integer(), Some(8));
        assert_eq!(p.disabled_rules, vec!["X"]);
    }
}
