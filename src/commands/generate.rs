//! `entrascope generate`: a synthetic tenant export, for samples, tests and benchmarks.

use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use crate::cli::{Cli, GenerateArgs};
use crate::generate::{self, Format, GenOptions};

pub fn run(cli: &Cli, args: &GenerateArgs) -> Result<ExitCode> {
    let mut formats = Vec::new();
    for f in &args.formats {
        if f == "all" {
            formats.extend(Format::ALL);
        } else {
            match Format::parse(f) {
                Some(x) => formats.push(x),
                None => bail!("unknown format {f:?}; use azure-monitor, graph, la-csv, la-json, portal-csv, portal-json or all"),
            }
        }
    }
    formats.dedup();
    let day = chrono::NaiveDate::parse_from_str(&args.start, "%Y-%m-%d")
        .with_context(|| format!("--start {:?} is not a date; use YYYY-MM-DD", args.start))?;
    let start = day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc();
    super::prepare_out_dir(&args.out, args.force)?;
    let opts = GenOptions {
        out: args.out.clone(),
        seed: args.seed,
        users: args.users,
        days: args.days,
        start,
        signins_per_user_day: args.rate,
        formats,
        attacks: !args.no_attacks,
        noise: args.noise,
    };
    let t = std::time::Instant::now();
    let s = generate::generate(&opts)?;
    if !cli.quiet {
        println!(
            "wrote {} files ({}) in {:.1}s: {} sign-ins, {} audits, {} risk detections, {} risky users, {} Graph requests, {} provisioning events, {} AD FS sign-ins, {} workload-identity risk records",
            s.files,
            crate::ingest::source::human_bytes(s.bytes),
            t.elapsed().as_secs_f64(),
            s.signins,
            s.audits,
            s.risk_detections,
            s.risky_users,
            s.graph_activity,
            s.provisioning,
            s.adfs_signins,
            s.sp_risk
        );
        if args.noise {
            println!("noise: {} ground-truth entries (see ground-truth.json)", s.noise_events);
        }
    }
    Ok(ExitCode::SUCCESS)
}
