//! `entrascope rules list | explain | lint`.

use std::process::ExitCode;

use anyhow::{bail, Result};

use crate::cli::RulesCommand;
use crate::detect::rule::{Engine, REMEDIATIONS};
use crate::detect::{run, Catalog, Kind};

pub fn run(cmd: &RulesCommand) -> Result<ExitCode> {
    match cmd {
        RulesCommand::List { kind, rules } => {
            let catalog = Catalog::load(rules.as_deref())?;
            println!("{:<24} {:<10} {:<9} {:<28} title", "id", "kind", "severity", "techniques");
            for r in &catalog.rules {
                if kind.as_deref().is_some_and(|k| !r.meta.kind.name().eq_ignore_ascii_case(k)) {
                    continue;
                }
                println!(
                    "{:<24} {:<10} {:<9} {:<28} {}",
                    r.meta.id,
                    r.meta.kind.name(),
                    r.meta.severity.name(),
                    r.meta.techniques.join(","),
                    r.meta.title
                );
            }
            println!(
                "{} rules: {} detection, {} duet, {} hunt, {} posture",
                catalog.rules.len(),
                catalog.count(Kind::Detection),
                catalog.count(Kind::Duet),
                catalog.count(Kind::Hunt),
                catalog.count(Kind::Posture)
            );
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::Explain { id, rules } => {
            let catalog = Catalog::load(rules.as_deref())?;
            let Some(r) = catalog.get(id) else {
                bail!("no rule {id:?}; `entrascope rules list` shows the ids");
            };
            let m = &r.meta;
            println!("{} — {}", m.id, m.title);
            println!("kind: {}   severity: {}   file: {}", m.kind.name(), m.severity.name(), r.path);
            if !m.techniques.is_empty() {
                println!("ATT&CK: {}   tactics: {}", m.techniques.join(", "), m.tactics.join(", "));
            }
            println!("\nWhat it finds\n  {}\n\nWhy it matters\n  {}", m.description.trim(), m.why.trim());
            if !m.params.is_empty() {
                println!("\nParameters (override in the policy under [params.{}])", m.id);
                for (k, v) in &m.params {
                    println!("  {k} = {}", v.to_sql());
                }
            }
            if !m.remediation.is_empty() {
                println!("\nRemediation");
                for code in &m.remediation {
                    let what = REMEDIATIONS.iter().find(|(c, _)| c == code).map_or("", |(_, d)| d);
                    println!("  {code}: {what}");
                }
            }
            if !m.false_positives.is_empty() {
                println!("\nFalse positives");
                for f in &m.false_positives {
                    println!("  - {f}");
                }
            }
            if !m.baselines.is_empty() {
                println!("\nBaselines: {}", m.baselines.join(", "));
            }
            if !m.references.is_empty() {
                println!("\nReferences");
                for f in &m.references {
                    println!("  - {f}");
                }
            }
            match m.engine {
                Engine::Sql => {
                    if !r.views.is_empty() {
                        println!("\nShared views it reads (inlined before it runs)");
                        for v in &r.views {
                            println!("  {} ({}): {}", v.name, v.path, v.description.trim());
                        }
                    }
                    println!("\nLogic (SQL over the canonical tables)\n{}", r.sql)
                }
                Engine::Native => println!(
                    "\nLogic: native rule in src/detect/native (geo/sequence logic SQL cannot express)"
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::Lint { path } => {
            let catalog = Catalog::load(path.as_deref())?;
            let tables = run::empty_tables()?;
            let mut failed = 0;
            for r in &catalog.rules {
                if let Err(e) = run::lint(r, &tables) {
                    failed += 1;
                    println!("FAIL {}: {e:#}", r.meta.id);
                }
            }
            // A view no rule reads is dead code; plan each one on its own too.
            for v in &catalog.views {
                let used = catalog.rules.iter().any(|r| r.views.iter().any(|u| u.name == v.name));
                let planned =
                    run::lint_sql(&format!("SELECT * FROM {}", v.name), std::slice::from_ref(v), &tables);
                if let Err(e) =
                    planned.and_then(|()| if used { Ok(()) } else { anyhow::bail!("no rule reads it") })
                {
                    failed += 1;
                    println!("FAIL view {} ({}): {e:#}", v.name, v.path);
                }
            }
            println!(
                "{} rules and {} views linted, {} failed",
                catalog.rules.len(),
                catalog.views.len(),
                failed
            );
            Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(2) })
        }
    }
}
