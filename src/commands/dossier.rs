//! `entrascope user` and `entrascope ip`: the dossier of one principal or one address.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, DossierArgs};
use crate::dataset::Dataset;
use crate::enrich::intel;
use crate::investigate::dossier::{self, Subject};
use crate::policy::Policy;
use crate::report::{self, html};

/// Rows per section printed on the terminal; files carry everything.
const TERMINAL_ROWS: usize = 8;

pub fn run(cli: &Cli, args: &DossierArgs, subject: Subject) -> Result<ExitCode> {
    let found = crate::pipeline::find_policy(args.policy.as_deref(), std::slice::from_ref(&args.target));
    let policy = match &found {
        Some((p, _)) => Policy::load(p)?,
        None => Policy::default(),
    };
    let mut intel_files = policy.intel.clone();
    intel_files.extend(args.intel.iter().cloned());
    let iocs = intel::load_all(&intel_files)?;
    let opts = crate::ingest::Options { progress: !cli.quiet, ..Default::default() };
    let ds = Dataset::open(std::slice::from_ref(&args.target), &opts)?;
    // The baseline `ingest` learned and kept with the dataset, if any.
    let stored = args.target.join(crate::dataset::BASELINE);
    let learned = if stored.is_file() {
        let mut p = Policy::load(&stored)?;
        p.normalise();
        Some(crate::enrich::baseline::Baseline { policy: p, ..Default::default() })
    } else {
        None
    };
    let knowledge = crate::enrich::Knowledge::new(policy, found.map(|(_, how)| how), learned);
    if !cli.quiet {
        eprintln!("assumed: {}", knowledge.describe());
    }
    let mut d = dossier::build(&ds, &subject, &knowledge, &iocs)?;
    if let Some(dir) = &args.analysis {
        d.sections.push(dossier::findings_section(dir, &subject)?);
        d.sections.push(dossier::incidents_section(dir, &subject)?);
    }

    if let Some(out) = &args.out {
        std::fs::create_dir_all(out)?;
        // Not with_extension: the subject itself contains dots.
        let html_path = out.join(format!("{}.html", subject.slug()));
        html::write_dossier(&html_path, args.templates.as_deref(), &d)?;
        let csv_path = out.join(format!("{}-timeline.csv", subject.slug()));
        let header: Vec<&str> = d.timeline.header.iter().map(String::as_str).collect();
        report::write_csv(&csv_path, &header, d.timeline.rows.iter().cloned())?;
        if !cli.quiet {
            eprintln!("dossier: {} and {}", html_path.display(), csv_path.display());
        }
    }
    if cli.quiet {
        return Ok(ExitCode::SUCCESS);
    }
    if d.records == 0 {
        println!("no records about {} in {}", d.subject, args.target.display());
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} {}: {} records, {} → {}", d.kind, d.subject, d.records, d.first_seen, d.last_seen);
    for s in d.sections.iter().filter(|s| !s.rows.is_empty()) {
        println!("\n{} ({} rows)", s.title, s.rows.len());
        println!("  {}", s.header.join(" | "));
        for r in s.rows.iter().take(TERMINAL_ROWS) {
            let line: Vec<String> = r.iter().map(|c| c.chars().take(60).collect()).collect();
            println!("  {}", line.join(" | "));
        }
        if s.rows.len() > TERMINAL_ROWS {
            match &args.out {
                Some(out) => println!(
                    "  … {} more in the dossier under {}",
                    s.rows.len() - TERMINAL_ROWS,
                    out.display()
                ),
                None => {
                    println!("  … {} more (use --out DIR for the full dossier)", s.rows.len() - TERMINAL_ROWS)
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
