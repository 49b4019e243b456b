//! Shared views: `queries/views/<name>.sql`, one SELECT that rules read by name as if it
//! were a table (the latest risk state per user, the sign-in behind each risk detection …),
//! so that logic several rules need is written once and each rule stays one short query.
//!
//! A view is inlined into every rule that names it as a leading CTE when the rule is
//! rendered, so the SQL a rule runs is self-contained: the same text runs on polars here
//! and on any other SQL engine, and `rules explain` shows exactly what ran. Views may use
//! other views; each is inlined once, before the views and the rule that use it.

use std::collections::BTreeSet;

use anyhow::{bail, Result};
use serde::Deserialize;

/// A view file's header.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ViewMeta {
    view: String,
    description: String,
    #[serde(default)]
    tables: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct View {
    /// The name rules use (`FROM latest_user_risk`).
    pub name: String,
    pub description: String,
    /// The canonical tables it reads.
    pub tables: Vec<String>,
    pub sql: String,
    pub path: String,
}

impl View {
    /// Parse one view file; its name must match the file name, so a reader finds it.
    pub fn parse(path: &str, text: &str) -> Result<View> {
        let (yaml, sql) = super::rule::split(text).map_err(|e| anyhow::anyhow!("view {path}: {e}"))?;
        let meta: ViewMeta = serde_norway::from_str(&yaml)
            .map_err(|e| anyhow::anyhow!("view {path}: invalid metadata: {e}"))?;
        let stem = path.rsplit('/').next().unwrap_or(path).trim_end_matches(".sql");
        if meta.view != stem.replace('-', "_") {
            bail!(
                "view {path}: `view: {}` must be the file name with '_' for '-' ({})",
                meta.view,
                stem.replace('-', "_")
            );
        }
        if !meta.view.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            bail!("view {path}: name {:?} must be lower-case letters, digits and '_'", meta.view);
        }
        if sql.trim().is_empty() {
            bail!("view {path}: no SELECT after the header");
        }
        Ok(View {
            name: meta.view,
            description: meta.description,
            tables: meta.tables,
            sql,
            path: path.into(),
        })
    }
}

/// Whether `sql` names `name` as an identifier (not inside a longer word or a comment).
pub fn mentions(sql: &str, name: &str) -> bool {
    sql.lines().map(|l| l.split("--").next().unwrap_or("")).any(|line| {
        let lower = line.to_ascii_lowercase();
        let mut from = 0;
        while let Some(i) = lower[from..].find(name) {
            let start = from + i;
            let end = start + name.len();
            let ident = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ident(lower[..start].chars().next_back()) && !ident(lower[end..].chars().next()) {
                return true;
            }
            from = end;
        }
        false
    })
}

/// The views `sql` needs, each after the views it needs itself. An unknown or cyclic
/// dependency is an error naming the view.
pub fn needed<'v>(sql: &str, views: &'v [View]) -> Result<Vec<&'v View>> {
    fn visit<'v>(
        v: &'v View,
        views: &'v [View],
        path: &mut Vec<String>,
        out: &mut Vec<&'v View>,
    ) -> Result<()> {
        if out.iter().any(|o| o.name == v.name) {
            return Ok(());
        }
        if path.contains(&v.name) {
            bail!("views use each other in a cycle: {} → {}", path.join(" → "), v.name);
        }
        path.push(v.name.clone());
        for dep in views.iter().filter(|d| d.name != v.name && mentions(&v.sql, &d.name)) {
            visit(dep, views, path, out)?;
        }
        path.pop();
        out.push(v);
        Ok(())
    }
    let mut out = Vec::new();
    let direct: BTreeSet<&str> =
        views.iter().filter(|v| mentions(sql, &v.name)).map(|v| v.name.as_str()).collect();
    for v in views.iter().filter(|v| direct.contains(v.name.as_str())) {
        visit(v, views, &mut Vec::new(), &mut out)?;
    }
    Ok(out)
}

/// `sql` with the views it needs as leading CTEs (merged into its own WITH, if any).
pub fn inline(sql: &str, views: &[&View]) -> String {
    if views.is_empty() {
        return sql.to_string();
    }
    let ctes: Vec<String> = views
        .iter()
        .map(|v| {
            format!(
                "-- view {} ({})\n{} AS (\n{}\n)",
                v.name,
                v.path,
                v.name,
                v.sql.trim().trim_end_matches(';')
            )
        })
        .collect();
    // Find the first keyword after leading comments and blank lines.
    let mut offset = 0;
    for line in sql.split_inclusive('\n') {
        let t = line.trim();
        if t.is_empty() || t.starts_with("--") {
            offset += line.len();
        } else {
            break;
        }
    }
    let (lead, body) = sql.split_at(offset);
    // Bytes, not a string slice: a body starting with a multi-byte character must not panic.
    let b = body.as_bytes();
    if b.len() > 4 && b[..4].eq_ignore_ascii_case(b"with") && b[4].is_ascii_whitespace() {
        format!("{lead}WITH {},\n{}", ctes.join(",\n"), body[4..].trim_start())
    } else {
        format!("{lead}WITH {}\n{body}", ctes.join(",\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(name: &str, sql: &str) -> View {
        View {
            name: name.into(),
            description: String::new(),
            tables: vec![],
            sql: sql.into(),
            path: format!("queries/views/{name}.sql"),
        }
    }

    #[test]
    fn views_are_inlined_once_in_dependency_order() {
        let views = [
            view("latest_user_risk", "SELECT * FROM ranked_risk WHERE rn = 1"),
            view("ranked_risk", "SELECT *, 1 AS rn FROM risky_users"),
            view("unused", "SELECT 1"),
        ];
        let rule = "-- a comment naming unused\nWITH a AS (SELECT * FROM latest_user_risk)\nSELECT * FROM a JOIN latest_user_risk USING (x)";
        let need = needed(rule, &views).unwrap();
        assert_eq!(
            need.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(),
            ["ranked_risk", "latest_user_risk"]
        );
        let out = inline(rule, &need);
        assert!(out.starts_with("-- a comment naming unused\nWITH -- view ranked_risk"), "{out}");
        assert!(
            out.contains("latest_user_risk AS (\nSELECT * FROM ranked_risk WHERE rn = 1\n),\na AS (SELECT"),
            "{out}"
        );
        assert_eq!(out.matches("WITH").count(), 1, "{out}");
        // A rule without its own WITH gets one.
        let out = inline("SELECT * FROM ranked_risk", &needed("SELECT * FROM ranked_risk", &views).unwrap());
        assert!(
            out.starts_with("WITH -- view ranked_risk") && out.ends_with("\nSELECT * FROM ranked_risk"),
            "{out}"
        );
        // Longer identifiers and comments do not count as mentions.
        assert!(!mentions("SELECT * FROM latest_user_risk_2 -- latest_user_risk", "latest_user_risk"));
    }

    #[test]
    fn a_cycle_is_an_error() {
        let views = [view("a_v", "SELECT * FROM b_v"), view("b_v", "SELECT * FROM a_v")];
        let err = needed("SELECT * FROM a_v", &views).unwrap_err().to_string();
        assert!(err.contains("cycle"), "{err}");
    }
}
