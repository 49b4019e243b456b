//! `entrascope hunt`: the hunting rules plus a retro-hunt sweep of IOC files.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, HuntArgs};
use crate::detect::{run, Catalog, Kind, RunOptions};
use crate::dossier::{Dossier, Section};
use crate::report::{self, html};
use crate::{enrich, hunt, pipeline};

pub fn run(cli: &Cli, args: &HuntArgs) -> Result<ExitCode> {
    let catalog = Catalog::load(args.analysis.rules.as_deref())?;
    let iocs = enrich::intel::load_all(&args.ioc)?;
    let loaded = pipeline::load(&super::load_options(
        &args.input,
        &args.analysis,
        args.analysis.policy.clone(),
        cli.quiet,
    ))?;
    let opts = RunOptions { kinds: vec![Kind::Hunt], verbose: cli.verbose, ..Default::default() };
    let (leads, runs) = run::run(&catalog, &loaded.enriched, &loaded.policy, &opts)?;
    let hits = hunt::sweep(&loaded.enriched, &iocs)?;
    for r in runs.iter().filter(|r| r.error.is_some()) {
        eprintln!("warning: rule {} failed: {}", r.id, r.error.as_deref().unwrap_or(""));
    }

    if let Some(out) = &args.out {
        super::prepare_out_dir(out, args.force)?;
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
                f.summary.chars().take(100).collect::<String>()
            );
        }
        if let Some(out) = &args.out {
            println!("written: {} and {}", out.join("hunt.csv").display(), out.join("hunt.html").display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
