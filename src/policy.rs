//! The policy file (`--policy policy.toml`): what the customer told us about their tenant,
//! or what `entrascope profile` learned from the logs (a draft policy with the same keys).
//!
//! It feeds enrichment (trusted networks, usual countries and per-user places, break-glass
//! and privileged accounts, service-principal sources, routine automation, threat-intel
//! files), DUET questions (allowed countries, expected device-code users) and tuning (rule
//! parameter overrides, disabled rules). Unknown keys are an error naming the key: a typo
//! must not silently switch a control off.
//!
//! A given policy and a learned baseline combine with [`Policy::overlay`]: every key the
//! policy sets replaces the learned value of that key (per user and per service principal
//! for the per-entity tables), so what the customer says always wins.

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
    /// Countries the tenant's users usually sign in from (learned by `profile`). Unlike
    /// `allowed_countries` this is not a rule the customer set: it only tells rules what is
    /// ordinary (NEW-COUNTRY, travel).
    #[serde(default)]
    pub usual_countries: Vec<String>,
    /// Per-user usual places: `[users."ann@x.com"] countries = ["NL"], asns = [1136]`.
    #[serde(default)]
    pub users: BTreeMap<String, UserHabits>,
    /// Per-service-principal usual sources, keyed by app id:
    /// `[service_principals."<app id>"] asns = [8075], networks = ["20.1.2.0/24"]`.
    #[serde(default)]
    pub service_principals: BTreeMap<String, SpHabits>,
    /// App ids whose credential changes are routine automation (scheduled rotations).
    #[serde(default)]
    pub automation_apps: Vec<String>,
    /// Rule parameter overrides: `[params.SPRAY-IP] min_users = 8`.
    #[serde(default)]
    pub params: BTreeMap<String, BTreeMap<String, toml::Value>>,
    /// Rule ids not to run.
    #[serde(default)]
    pub disabled_rules: Vec<String>,
}

/// Where one user usually signs in from.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UserHabits {
    /// Two-letter countries.
    #[serde(default)]
    pub countries: Vec<String>,
    /// Autonomous system numbers.
    #[serde(default)]
    pub asns: Vec<i64>,
    /// Entra device ids.
    #[serde(default)]
    pub devices: Vec<String>,
}

/// Where one service principal usually signs in from.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SpHabits {
    #[serde(default)]
    pub asns: Vec<i64>,
    /// IPs or CIDRs.
    #[serde(default)]
    pub networks: Vec<String>,
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
    pub fn normalise(&mut self) {
        for list in
            [&mut self.break_glass_accounts, &mut self.privileged_users, &mut self.expected_device_code_users]
        {
            for u in list.iter_mut() {
                *u = u.trim().to_ascii_lowercase();
            }
        }
        for c in self.allowed_countries.iter_mut().chain(self.usual_countries.iter_mut()) {
            *c = c.trim().to_ascii_uppercase();
        }
        self.users = std::mem::take(&mut self.users)
            .into_iter()
            .map(|(u, mut h)| {
                for c in &mut h.countries {
                    *c = c.trim().to_ascii_uppercase();
                }
                (u.trim().to_ascii_lowercase(), h)
            })
            .collect();
        for a in &mut self.automation_apps {
            *a = a.trim().to_ascii_lowercase();
        }
        self.service_principals = std::mem::take(&mut self.service_principals)
            .into_iter()
            .map(|(a, h)| (a.trim().to_ascii_lowercase(), h))
            .collect();
    }

    /// The policy's keys over a learned baseline: a key this policy sets (a non-empty list
    /// or table) replaces the learned value; per-user and per-service-principal entries
    /// replace the learned entry of that user or principal. Privileged users are the
    /// union: being privileged is a fact to add, not an assumption of normality.
    pub fn overlay(&self, learned: &Policy) -> Policy {
        fn pick<T: Clone>(mine: &[T], theirs: &[T]) -> Vec<T> {
            if mine.is_empty() {
                theirs.to_vec()
            } else {
                mine.to_vec()
            }
        }
        let mut users = learned.users.clone();
        users.extend(self.users.clone());
        let mut sps = learned.service_principals.clone();
        sps.extend(self.service_principals.clone());
        let mut privileged: Vec<String> =
            self.privileged_users.iter().chain(&learned.privileged_users).cloned().collect();
        privileged.sort();
        privileged.dedup();
        Policy {
            allowed_countries: pick(&self.allowed_countries, &learned.allowed_countries),
            break_glass_accounts: pick(&self.break_glass_accounts, &learned.break_glass_accounts),
            trusted_ips: pick(&self.trusted_ips, &learned.trusted_ips),
            privileged_users: privileged,
            expected_device_code_users: pick(
                &self.expected_device_code_users,
                &learned.expected_device_code_users,
            ),
            high_impact_apps: pick(&self.high_impact_apps, &learned.high_impact_apps),
            intel: pick(&self.intel, &learned.intel),
            usual_countries: pick(&self.usual_countries, &learned.usual_countries),
            users,
            service_principals: sps,
            automation_apps: pick(&self.automation_apps, &learned.automation_apps),
            params: self.params.clone(),
            disabled_rules: self.disabled_rules.clone(),
        }
    }

    /// Keys this policy sets (non-empty), for saying where each fact came from.
    pub fn keys_set(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        let mut add = |k: &'static str, set: bool| {
            if set {
                v.push(k)
            }
        };
        add("allowed_countries", !self.allowed_countries.is_empty());
        add("break_glass_accounts", !self.break_glass_accounts.is_empty());
        add("trusted_ips", !self.trusted_ips.is_empty());
        add("privileged_users", !self.privileged_users.is_empty());
        add("expected_device_code_users", !self.expected_device_code_users.is_empty());
        add("high_impact_apps", !self.high_impact_apps.is_empty());
        add("intel", !self.intel.is_empty());
        add("usual_countries", !self.usual_countries.is_empty());
        add("users", !self.users.is_empty());
        add("service_principals", !self.service_principals.is_empty());
        add("automation_apps", !self.automation_apps.is_empty());
        add("params", !self.params.is_empty());
        add("disabled_rules", !self.disabled_rules.is_empty());
        v
    }

    /// Copy a policy file into a dataset directory as `policy.toml`, with the intel files
    /// it names by relative path (so the dataset is a self-contained case folder). Returns
    /// the SHA-256 of the stored policy. Intel files named by absolute path stay where they
    /// are and are referenced from there.
    pub fn store(path: &Path, dataset: &Path) -> Result<String> {
        use sha2::{Digest, Sha256};
        let policy = Policy::load(path)?; // validate before keeping it
        let text = std::fs::read(path).with_context(|| format!("cannot read policy {}", path.display()))?;
        let dest = dataset.join("policy.toml");
        std::fs::write(&dest, &text).with_context(|| format!("cannot write {}", dest.display()))?;
        let raw: Policy = toml::from_str(&String::from_utf8_lossy(&text)).unwrap_or_default();
        let base = path.parent().unwrap_or(Path::new("."));
        for (rel, _) in raw.intel.iter().zip(&policy.intel) {
            if rel.is_absolute() || rel.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
                continue;
            }
            let (from, to) = (base.join(rel), dataset.join(rel));
            if let Some(dir) = to.parent() {
                std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            }
            std::fs::copy(&from, &to)
                .with_context(|| format!("cannot copy intel file {} into the dataset", from.display()))?;
        }
        Ok(format!("{:x}", Sha256::digest(&text)))
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

    #[test]
    fn policy_keys_replace_learned_ones_item_by_item() {
        let mut learned: Policy = toml::from_str(
            "trusted_ips = ['198.51.100.0/24']\nusual_countries = ['US']\nprivileged_users = ['a@x.com']\n\
             [users.\"ann@x.com\"]\ncountries = ['NL']\n[users.\"bob@x.com\"]\ncountries = ['DE']\n",
        )
        .unwrap();
        learned.normalise();
        let mut given: Policy = toml::from_str(
            "trusted_ips = ['203.0.113.10/32']\nprivileged_users = ['b@x.com']\n[users.\"Bob@X.com\"]\ncountries = ['fr']\n",
        )
        .unwrap();
        given.normalise();
        let p = given.overlay(&learned);
        assert_eq!(p.trusted_ips, vec!["203.0.113.10/32"]);
        assert_eq!(p.usual_countries, vec!["US"]);
        assert_eq!(p.privileged_users, vec!["a@x.com", "b@x.com"]);
        assert_eq!(p.users["ann@x.com"].countries, vec!["NL"]);
        assert_eq!(p.users["bob@x.com"].countries, vec!["FR"]);
        assert!(toml::from_str::<Policy>("[users.\"a@x.com\"]\ncountry = ['NL']").is_err());
    }
}
