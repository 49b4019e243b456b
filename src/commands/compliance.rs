//! `entrascope compliance`: the auditors' summary — an HTML page and one CSV per section.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, ComplianceArgs};
use crate::investigate::compliance;
use crate::investigate::dossier::{Dossier, Section};
use crate::pipeline;
use crate::report::{self, html};

/// A section title as a file name.
fn file_name(n: usize, title: &str) -> String {
    let slug: String = title
        .split(" — ")
        .next()
        .unwrap_or(title)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect();
    let slug = slug.split('-').filter(|s| !s.is_empty()).collect::<Vec<_>>().join("-");
    format!("{:02}-{slug}.csv", n + 1)
}

pub fn run(cli: &Cli, args: &ComplianceArgs) -> Result<ExitCode> {
    super::OutDir::check(&args.out, args.force)?;
    let loaded = pipeline::load(&super::load_options(
        &args.input,
        &args.analysis,
        args.analysis.policy.clone(),
        cli.quiet,
    ))?;
    if !cli.quiet {
        eprintln!("assumed: {}", loaded.knowledge.describe());
    }
    let sections = compliance::sections(&loaded.enriched, &loaded.knowledge)?;
    let staging = super::OutDir::begin(&args.out, args.force)?;
    for (n, (s, _)) in sections.iter().enumerate() {
        let header: Vec<&str> = s.header.iter().map(String::as_str).collect();
        report::write_csv(&staging.path().join(file_name(n, &s.title)), &header, s.rows.iter().cloned())?;
    }
    let page = Dossier {
        subject: "controls evidenced by the logs".into(),
        kind: "compliance",
        records: sections.iter().map(|(s, _)| s.rows.len()).sum(),
        first_seen: args.analysis.since.clone().unwrap_or_default(),
        last_seen: args.analysis.until.clone().unwrap_or_default(),
        sections: sections.iter().map(|(s, _)| s.clone()).collect(),
        timeline: Section { title: String::new(), header: Vec::new(), rows: Vec::new() },
    };
    html::write_dossier(&staging.path().join("compliance.html"), args.templates.as_deref(), &page)?;
    staging.commit()?;
    if !cli.quiet {
        for (s, _) in &sections {
            println!("{:>6} rows  {}", s.rows.len(), s.title);
            if s.title.contains("NOT EVALUATED") {
                eprintln!("warning: {}", s.title);
            }
        }
        println!("written: {} and one CSV per section", args.out.join("compliance.html").display());
    }
    let gaps: Vec<&str> = sections
        .iter()
        .filter(|(s, _)| compliance::gap(&s.title, &s.rows, &s.header).is_some_and(|g| g >= args.fail_on))
        .map(|(s, _)| s.title.as_str())
        .collect();
    if !gaps.is_empty() {
        if !cli.quiet {
            println!(
                "exit code 1: control gaps at or above --fail-on {}: {}",
                args.fail_on.name(),
                gaps.join("; ")
            );
        }
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
