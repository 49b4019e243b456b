//! `entrascope detect`: inputs → enriched tables → rules → findings.csv / findings.jsonl.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, DetectArgs};
use crate::detect::{run, Catalog, RunOptions};
use crate::{pipeline, report};

pub fn run(cli: &Cli, args: &DetectArgs) -> Result<ExitCode> {
    let catalog = Catalog::load(args.analysis.rules.as_deref())?;
    super::OutDir::check(&args.output.out, args.output.force)?;
    let loaded = pipeline::load(&super::load_options(
        &args.input,
        &args.analysis,
        args.analysis.policy.clone(),
        cli.quiet,
    ))?;
    if !cli.quiet {
        eprintln!("assumed: {}", loaded.knowledge.describe());
    }
    let opts =
        RunOptions { verbose: cli.verbose, progress: !cli.quiet && !cli.verbose, ..Default::default() };
    let t = std::time::Instant::now();
    let (findings, runs) = run::run(&catalog, &loaded.enriched, &loaded.knowledge.policy, &opts)?;
    let secs = t.elapsed().as_secs_f64();
    let staging = super::OutDir::begin(&args.output.out, args.output.force)?;
    report::findings::write(staging.path(), &findings)?;
    let ingest_json = crate::manifest::custody_json(&loaded.dataset)?;
    crate::manifest::write_value(
        staging.path(),
        serde_json::json!({
            "inputs_ingest": ingest_json,
            "rules": { "run": runs.len(), "seconds": (secs * 1000.0).round() / 1000.0, "per_rule": runs },
            "results": { "findings": findings.len() },
        }),
    )?;
    staging.commit()?;
    let failed: Vec<_> = runs.iter().filter(|r| r.error.is_some()).collect();
    if !cli.quiet {
        println!("{} rules ran in {secs:.2}s: {} findings", runs.len(), findings.len());
        for r in &failed {
            eprintln!("warning: rule {} failed: {}", r.id, r.error.as_deref().unwrap_or(""));
        }
        println!("findings written to {}", args.output.out.join("findings.csv").display());
    }
    if findings.iter().any(|f| f.kind == crate::detect::Kind::Detection && f.severity >= args.output.fail_on)
    {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
