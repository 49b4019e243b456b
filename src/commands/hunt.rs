//! `entrascope hunt`: the hunting rules plus a retro-hunt sweep of IOC files.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, HuntArgs};
use crate::detect::{run, Catalog, Kind, RunOptions};
use crate::investigate::dossier::{Dossier, Section};
use crate::investigate::hunt;
use crate::report::{self, html};
use crate::{enrich, pipeline};

pub fn run(cli: &Cli, args: &HuntArgs) -> Result<ExitCode> {
    let catalog = Catalog::load(args.analysis.rules.as_deref())?;
    let iocs = enrich::intel::load_all(&args.ioc)?;
    let loaded = pipeline::load(&super::load_options(
        &args.input,
        &args.analysis,
        args.analysis.policy.clone(),
        cli.quiet,
    ))?;
    if !cli.quiet {
        eprintln!("assumed: {}", loaded.knowledge.describe());
    }
    let opts = RunOptions {
        kinds: vec![Kind::Hunt],
        verbose: cli.verbose,
        progress: !cli.quiet && !cli.verbose,
        ..Default::default()
    };
    let (leads, runs) = run::run(&catalog, &loaded.enriched, &loaded.knowledge.policy, &opts)?;
    let hits = hunt::sweep(&loaded.enriched, &iocs)?;
    for r in runs.iter().filter(|r| r.error.is_some()) {
        eprintln!("warning: rule {} failed: {}", r.id, r.error.as_deref().unwrap_or(""));
    }

    if let Some(target) = &args.out {
        let staging = super::OutDir::begin(target, args.force)?;
        let out = staging.path();
        report::write_csv(&out.join("hunt.csv"), &hunt::CSV_HEADER, hunt::csv_rows(&hits))?;
        report::findings::write(out, &leads)?;
        let page = Dossier {
            subject: format!("{} indicators, {} hunting rules", iocs.len(), runs.len()),
            kind: "hunt",
            records: hits.len() + leads.len(),
            first_seen: String::new(),
            last_seen: String::new(),
            sections: vec![
                Section {
                    title: "Indicators (every one checked, hits first)".into(),
                    header: hunt::CSV_HEADER.iter().map(|s| s.to_string()).collect(),
                    rows: hunt::csv_rows(&hits).collect(),
                },
                Section {
                    title: "Hunting leads".into(),
                    header: report::findings::CSV_HEADER.iter().map(|s| s.to_string()).collect(),
                    rows: leads
                        .iter()
                        .filter(|f| f.kind == Kind::Hunt)
                        .map(report::findings::csv_row)
                        .collect(),
                },
            ],
            timeline: Section { title: String::new(), header: Vec::new(), rows: Vec::new() },
        };
        html::write_dossier(&out.join("hunt.html"), args.templates.as_deref(), &page)?;
        staging.commit()?;
    }
    if !cli.quiet {
        let t = hunt::totals(&hits);
        println!(
            "{} hunting rules: {} leads; {} indicators checked, {} matched",
            runs.len(),
            leads.len(),
            t["indicators"],
            t["matched"]
        );
        for h in &hits {
            println!(
                "  {:<10} {:<40} {:>6} hits  {} → {}  {}",
                h.kind,
                h.value.chars().take(40).collect::<String>(),
                h.hits,
                if h.first_seen.is_empty() { "-" } else { &h.first_seen },
                if h.last_seen.is_empty() { "-" } else { &h.last_seen },
                h.label
            );
        }
        for f in &leads {
            println!(
                "  lead {:<22} {:<8} {}",
                f.rule_id,
                f.severity.name(),
                crate::summary::shorten(&f.summary, 100)
            );
        }
        if let Some(out) = &args.out {
            println!("written: {} and {}", out.join("hunt.csv").display(), out.join("hunt.html").display());
        }
    }
    // Same convention as analyze: 1 when something at or above --fail-on was found. An
    // indicator that matched is a hit on known-bad infrastructure: high.
    let matched = hits.iter().filter(|h| h.hits > 0).count();
    let severe = leads.iter().filter(|f| f.severity >= args.fail_on).count();
    let matched_counts = matched > 0 && crate::detect::Severity::High >= args.fail_on;
    if severe > 0 || matched_counts {
        if !cli.quiet {
            println!(
                "exit code 1: {severe} lead(s) at or above --fail-on {} and {matched} indicator(s) matched",
                args.fail_on.name()
            );
        }
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
