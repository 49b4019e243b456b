//! `entrascope analyze`: the main job — inputs to incidents, report, remediation and DUET.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::Result;

use crate::analyze::{correlate, duet, remediate, scope};
use crate::cli::{AnalyzeArgs, Cli};
use crate::detect::{run, Catalog, Kind, RunOptions};
use crate::report::{self, html, outputs, timeline};
use crate::{manifest, pipeline};

pub fn run(cli: &Cli, args: &AnalyzeArgs) -> Result<ExitCode> {
    let catalog = Catalog::load(args.analysis.rules.as_deref())?;
    let spec = correlate::Spec::load(args.analysis.rules.as_deref())?;
    let answers = args.duet_answers.as_deref().map(duet::load_answers).transpose()?;
    super::OutDir::check(&args.output.out, args.output.force)?;
    let loaded = pipeline::load(&super::load_options(
        &args.input,
        &args.analysis,
        args.analysis.policy.clone(),
        cli.quiet,
    ))?;
    let staging = super::OutDir::begin(&args.output.out, args.output.force)?;

    if !cli.quiet {
        eprintln!("assumed: {}", loaded.knowledge.describe());
    }
    let opts =
        RunOptions { verbose: cli.verbose, progress: !cli.quiet && !cli.verbose, ..Default::default() };
    let t = std::time::Instant::now();
    let (mut findings, runs) = run::run(&catalog, &loaded.enriched, &loaded.knowledge.policy, &opts)?;
    let rules_secs = t.elapsed().as_secs_f64();
    let duet_outcome = answers.as_ref().map(|a| duet::apply(&mut findings, a));
    let shared = crate::enrich::trusted_among(&loaded.knowledge, findings.iter().flat_map(|f| f.ips.iter()));
    let incidents = correlate::correlate(&findings, &spec, &loaded.enriched.privileged_users, &shared);
    let actions = remediate::plan(&incidents, &findings);
    let scope = scope::scope(&incidents, &findings, &loaded.enriched)?;
    let records = timeline::records(&findings, &loaded.enriched)?;
    let events = timeline::events(&incidents, &findings, &records);
    let baselines: BTreeMap<String, Vec<String>> =
        catalog.rules.iter().map(|r| (r.meta.id.clone(), r.meta.baselines.clone())).collect();

    // Chain of custody: the ingest of raw inputs, or the dataset's own manifest.
    let ingest_json = manifest::custody_json(&loaded.dataset)?;
    let out = staging.path();
    report::findings::write(out, &findings)?;
    outputs::incidents_csv(out, &incidents)?;
    outputs::remediation_csv(out, &actions)?;
    outputs::remediation_ps1(out, &actions)?;
    outputs::duet_csv(out, &findings)?;
    outputs::posture_csv(out, &findings, &baselines)?;
    outputs::timeline_csv(out, &events)?;
    outputs::scope_csv(out, &scope)?;
    outputs::attack_layer(out, &findings)?;
    let rejects = loaded.dataset.report.as_ref().map(|r| r.rejects.as_slice()).unwrap_or(&[]);
    manifest::write_rejects(out, rejects)?;
    let custody = custody(&ingest_json, &runs, duet_outcome.as_ref());
    html::write(
        out,
        args.templates.as_deref(),
        html::Inputs {
            findings: &findings,
            incidents: &incidents,
            actions: &actions,
            timeline: &events,
            records: &records,
            baselines: &baselines,
            enriched: &loaded.enriched,
            custody,
            runs: &runs,
            knowledge: &loaded.knowledge,
            scope: &scope,
        },
    )?;
    manifest::write_value(
        out,
        serde_json::json!({
            "inputs_ingest": ingest_json,
            "window": { "since": args.analysis.since, "until": args.analysis.until },
            "policy": { "from": loaded.knowledge.given_from, "sha256": loaded.knowledge.given_sha256 },
            "assumed": loaded.knowledge.describe(),
            "rules": { "run": runs.len(), "seconds": (rules_secs * 1000.0).round() / 1000.0, "per_rule": runs },
            "duet": duet_outcome,
            "results": {
                "incidents": incidents.len(),
                "findings": findings.len(),
                "detections": findings.iter().filter(|f| f.kind == Kind::Detection).count(),
                "duet_questions": findings.iter().filter(|f| f.kind == Kind::Duet).count(),
                "posture": findings.iter().filter(|f| f.kind == Kind::Posture).count(),
                "hunting_leads": findings.iter().filter(|f| f.kind == Kind::Hunt).count(),
                "remediation_actions": actions.len(),
            },
        }),
    )?;

    staging.commit()?;
    let out = &args.output.out;
    for r in runs.iter().filter(|r| r.error.is_some()) {
        eprintln!("warning: rule {} failed: {}", r.id, r.error.as_deref().unwrap_or(""));
    }
    if !cli.quiet {
        if let Some(r) = &loaded.dataset.report {
            print!("{}", crate::summary::ingest(r));
        }
        print!("{}", crate::summary::analysis(&incidents, &findings, &actions, runs.len(), rules_secs));
    }
    let failing = incidents.iter().filter(|i| i.severity >= args.output.fail_on).count();
    if !cli.quiet {
        print!("{}", crate::summary::next_steps(out, failing, args.output.fail_on, &findings));
    }
    Ok(if failing > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn custody(ingest: &serde_json::Value, runs: &[run::RuleRun], duet: Option<&duet::Outcome>) -> html::Custody {
    let mut c =
        html::Custody { totals: ingest["totals"].clone(), rules_run: runs.len(), ..Default::default() };
    for i in ingest["inputs"].as_array().into_iter().flatten() {
        let sum = |k: &str| -> u64 {
            i["entries"].as_array().into_iter().flatten().map(|e| e[k].as_u64().unwrap_or(0)).sum()
        };
        c.inputs.push(serde_json::json!({
            "path": i["path"], "bytes": i["bytes"], "sha256": i["sha256"],
            "records": sum("records"), "loaded": sum("loaded"), "duplicate": sum("duplicate"), "rejected": sum("rejected"),
        }));
    }
    if let Some(tables) = ingest["tables"].as_object() {
        for (name, t) in tables {
            let s = |k: &str| {
                t[k].as_str()
                    .map(|x| x.get(..19).unwrap_or(x).replace('T', " "))
                    .unwrap_or_else(|| "-".into())
            };
            c.tables.push((name.clone(), t["loaded"].as_u64().unwrap_or(0), s("first"), s("last")));
        }
    }
    for (table, days) in ingest["gaps"].as_object().into_iter().flatten() {
        let n = days.as_array().map_or(0, |d| d.len());
        c.gaps.push(format!("{table}: {n} day(s) without records"));
    }
    for s in ingest["skipped_files"].as_array().into_iter().flatten() {
        c.skipped.push((s["name"].as_str().unwrap_or("").into(), s["reason"].as_str().unwrap_or("").into()));
    }
    c.rules_failed = runs.iter().filter_map(|r| r.error.clone().map(|e| (r.id.clone(), e))).collect();
    c.duet_answers = match duet {
        Some(d) => format!(
            "Answers applied: {} suppressed as expected, {} escalated as unexpected, {} still open.",
            d.suppressed, d.escalated, d.open
        ),
        None => String::new(),
    };
    c
}
