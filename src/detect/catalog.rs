//! The rule catalog: every rule file, embedded at build time or read from a directory.
//!
//! Loading validates each file (`rule.rs`) and the catalog as a whole: ids are unique, and
//! every `engine: native` rule has exactly one registered implementation and vice versa.

use std::path::Path;

use anyhow::{bail, Context, Result};

use super::native;
use super::rule::{Engine, Kind, Rule};
use super::view::{self, View};

include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

/// All rules, sorted by (area, id).
#[derive(Debug, Clone)]
pub struct Catalog {
    pub rules: Vec<Rule>,
    /// The shared views under `views/`, by name.
    pub views: Vec<View>,
}

impl Catalog {
    /// The rules compiled into the binary.
    pub fn embedded() -> Result<Catalog> {
        Catalog::from_texts(EMBEDDED.iter().map(|(p, t)| (p.to_string(), t.to_string())))
    }

    /// Every `*.sql` under `dir`, recursively.
    pub fn from_dir(dir: &Path) -> Result<Catalog> {
        let mut files = Vec::new();
        collect(dir, &mut files).with_context(|| format!("reading rules from {}", dir.display()))?;
        if files.is_empty() {
            bail!("no rule files (*.sql) under {}; point --rules at a queries/ directory", dir.display());
        }
        let mut texts = Vec::new();
        for f in files {
            let text =
                std::fs::read_to_string(&f).with_context(|| format!("reading rule {}", f.display()))?;
            texts.push((f.display().to_string().replace('\\', "/"), text));
        }
        Catalog::from_texts(texts)
    }

    /// `--rules DIR` when given, otherwise the embedded rules.
    pub fn load(dir: Option<&Path>) -> Result<Catalog> {
        match dir {
            Some(d) => Catalog::from_dir(d),
            None => Catalog::embedded(),
        }
    }

    /// Rule and view files by path: `…/views/*.sql` are views, everything else a rule.
    fn from_texts(files: impl IntoIterator<Item = (String, String)>) -> Result<Catalog> {
        let (mut rules, mut views) = (Vec::new(), Vec::new());
        for (path, text) in files {
            if path.rsplit('/').nth(1) == Some("views") {
                views.push(View::parse(&path, &text)?);
            } else {
                rules.push(Rule::parse(&path, &text)?);
            }
        }
        views.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(w) = views.windows(2).find(|w| w[0].name == w[1].name) {
            bail!("view {} is defined twice: {} and {}", w[0].name, w[0].path, w[1].path);
        }
        for r in &mut rules {
            let need =
                view::needed(&r.sql, &views).with_context(|| format!("rule {} ({})", r.meta.id, r.path))?;
            r.views = need.into_iter().cloned().collect();
        }
        Catalog::new(rules, views)
    }

    fn new(mut rules: Vec<Rule>, views: Vec<View>) -> Result<Catalog> {
        rules.sort_by(|a, b| {
            (a.area.as_str(), a.meta.id.as_str()).cmp(&(b.area.as_str(), b.meta.id.as_str()))
        });
        let mut ids: Vec<(&str, &str)> =
            rules.iter().map(|r| (r.meta.id.as_str(), r.path.as_str())).collect();
        ids.sort();
        if let Some(w) = ids.windows(2).find(|w| w[0].0 == w[1].0) {
            bail!("rule id {} is defined twice: {} and {}", w[0].0, w[0].1, w[1].1);
        }
        for r in &rules {
            if r.meta.engine == Engine::Native && native::find(&r.meta.id).is_none() {
                bail!(
                    "rule {} ({}) says engine: native but no Rust implementation is registered",
                    r.meta.id,
                    r.path
                );
            }
        }
        // The reverse (every registered native rule has a metadata file) is checked on the
        // built-in catalog by a test: a custom --rules directory may leave rules out.
        Ok(Catalog { rules, views })
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.meta.id.eq_ignore_ascii_case(id))
    }

    pub fn count(&self, kind: Kind) -> usize {
        self.rules.iter().filter(|r| r.meta.kind == kind).count()
    }
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "sql") {
            out.push(p);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_native_rule_has_metadata_in_the_builtin_catalog() {
        let c = Catalog::embedded().unwrap();
        for (id, _) in native::NATIVE {
            assert!(
                c.rules.iter().any(|r| r.meta.id == *id && r.meta.engine == Engine::Native),
                "native rule {id} has no queries/ file with engine: native"
            );
        }
    }
}
