//! entrascope: an offline forensic batch analyzer for exported Microsoft Entra ID logs.
//!
//! The stages run downward, each handing one type to the next:
//! `ingest` (readers per export shape) → `schema` (the canonical model) → `dataset`
//! (parquet on disk, or frames in memory, and row selection over it) → `pipeline` (load a
//! window, with `enrich`: policy, learned baseline, intel, fingerprints) → `detect` (rules
//! from `queries/`, in parallel) → `analyze` (incidents, remediation, DUET) → `report`
//! (HTML, CSV/JSON, remediation script). `investigate` (dossiers, hunting, compliance) reads
//! the same enriched tables. Commands in `commands/` only parse arguments, call the stages
//! and print.

pub mod analyze;
pub mod cli;
pub mod commands;
pub mod dataset;
pub mod detect;
pub mod enrich;
pub mod fsio;
pub mod generate;
pub mod guard;
pub mod ingest;
pub mod investigate;
pub mod manifest;
pub mod pipeline;
pub mod policy;
pub mod progress;
pub mod report;
pub mod schema;
pub mod summary;

use std::process::ExitCode;

use anyhow::Result;

use cli::{Cli, Command};

/// Run a parsed command line; the binary maps errors to exit code 2.
pub fn run(cli: Cli) -> Result<ExitCode> {
    if let Some(n) = cli.threads {
        // polars reads this when its pool first starts, which is after this point.
        std::env::set_var("POLARS_MAX_THREADS", n.to_string());
        let _ = rayon::ThreadPoolBuilder::new().num_threads(n).build_global();
    }
    match &cli.command {
        Command::Ingest(args) => commands::ingest::run(&cli, args),
        Command::Schema => Ok(commands::schema::run()),
        Command::Profile(args) => commands::profile::run(&cli, args),
        Command::Query(args) => commands::query::run(&cli, args),
        Command::Hunt(args) => commands::hunt::run(&cli, args),
        Command::Compliance(args) => commands::compliance::run(&cli, args),
        Command::User(args) => commands::dossier::run(
            &cli,
            &args.dossier,
            investigate::dossier::Subject::User(args.subject.clone()),
        ),
        Command::Ip(args) => commands::dossier::run(
            &cli,
            &args.dossier,
            investigate::dossier::Subject::Ip(args.subject.clone()),
        ),
        Command::Analyze(args) => commands::analyze::run(&cli, args),
        Command::Detect(args) => commands::detect::run(&cli, args),
        Command::Rules(cmd) => commands::rules::run(cmd),
        Command::Generate(args) => commands::generate::run(&cli, args),
    }
}
