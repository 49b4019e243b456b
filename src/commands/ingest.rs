//! `entrascope ingest`: inputs → parquet dataset + manifest + rejects, or a dry count.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, IngestArgs};
use crate::dataset::{MemorySink, ParquetSink};
use crate::{ingest, manifest, summary};

/// Learn the baseline from the dataset just written and keep it beside the data as a draft
/// policy (`baseline.toml`), so dossiers and queries see the same "normal" as `analyze`.
fn learn_baseline(
    dir: &std::path::Path,
    label: &std::path::Path,
    policy: Option<&std::path::Path>,
) -> Result<crate::enrich::baseline::Baseline> {
    let opts = crate::pipeline::LoadOptions {
        inputs: vec![dir.to_path_buf()],
        policy: policy.map(std::path::Path::to_path_buf),
        ..Default::default()
    };
    let b = crate::pipeline::learn_only(&opts)?;
    let text = crate::enrich::baseline::to_toml(&b, &label.display().to_string());
    let path = dir.join(crate::dataset::BASELINE);
    std::fs::write(&path, text).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    Ok(b)
}

pub fn run(cli: &Cli, args: &IngestArgs) -> Result<ExitCode> {
    let opts =
        ingest::Options { max_expand: args.input.max_expand, progress: !cli.quiet, ..Default::default() };
    let report = match &args.out {
        Some(target) => {
            super::OutDir::check(target, args.force)?;
            // Read the policy first: a bad policy must fail before minutes of ingest.
            let policy = crate::pipeline::find_policy(args.policy.as_deref(), &args.input.inputs);
            if let Some((p, _)) = &policy {
                crate::policy::Policy::load(p)?;
            }
            let staging = super::OutDir::begin(target, args.force)?;
            let dir = staging.path();
            let mut sink = ParquetSink::new(dir);
            let report = ingest::run(&args.input.inputs, &opts, &mut sink)?;
            sink.finish()?;
            let stored = match &policy {
                Some((p, how)) => {
                    let sha = crate::policy::Policy::store(p, dir)?;
                    if !cli.quiet {
                        eprintln!(
                            "policy {how} kept with the dataset as {}",
                            target.join("policy.toml").display()
                        );
                    }
                    serde_json::json!({ "policy": { "source": p.display().to_string(), "stored": "policy.toml", "sha256": sha } })
                }
                None => serde_json::json!({ "policy": null }),
            };
            // The dataset must be complete (manifest written) before it can be read back.
            manifest::write_with(dir, &report, stored.clone())?;
            let learned = learn_baseline(dir, target, policy.as_ref().map(|(p, _)| p.as_path()))?;
            let mut extra = stored;
            extra["baseline"] = serde_json::json!({
                "stored": crate::dataset::BASELINE,
                "trusted_ips": learned.policy.trusted_ips.len(),
                "usual_countries": learned.policy.usual_countries.len(),
                "users": learned.policy.users.len(),
                "refused": learned.refused.len(),
            });
            manifest::write_rejects(dir, &report.rejects)?;
            // The manifest last: a dataset without it is never taken for a complete one.
            manifest::write_with(dir, &report, extra)?;
            staging.commit()?;
            report
        }
        None => {
            let mut sink = MemorySink::default();
            ingest::run(&args.input.inputs, &opts, &mut sink)?
        }
    };
    if !cli.quiet {
        print!("{}", summary::ingest(&report));
        if cli.verbose {
            for i in &report.inputs {
                for e in &i.entries {
                    println!(
                        "  {}: {} records ({}), {} loaded, {} duplicate, {} rejected",
                        e.name,
                        e.records,
                        e.formats.join(", "),
                        e.loaded,
                        e.duplicate,
                        e.rejected
                    );
                }
            }
        }
        if let Some(dir) = &args.out {
            println!("dataset written to {}", dir.display());
        }
    }
    if args.strict && report.totals.rejected > 0 {
        eprintln!("error: {} records rejected and --strict is set", report.totals.rejected);
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}
