//! `entrascope ingest`: inputs → parquet dataset + manifest + rejects, or a dry count.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, IngestArgs};
use crate::dataset::{MemorySink, ParquetSink};
use crate::{ingest, manifest, summary};

pub fn run(cli: &Cli, args: &IngestArgs) -> Result<ExitCode> {
    let opts =
        ingest::Options { max_expand: args.input.max_expand, progress: !cli.quiet, ..Default::default() };
    let report = match &args.out {
        Some(dir) => {
            super::prepare_out_dir(dir, args.force)?;
            let mut sink = ParquetSink::new(dir);
            let report = ingest::run(&args.input.inputs, &opts, &mut sink)?;
            sink.finish()?;
            manifest::write(dir, &report)?;
            manifest::write_rejects(dir, &report.rejects)?;
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
