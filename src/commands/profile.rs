//! `entrascope profile`: the learned baseline written as a draft policy for review.

use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use crate::cli::{Cli, ProfileArgs};
use crate::pipeline;

pub fn run(cli: &Cli, args: &ProfileArgs) -> Result<ExitCode> {
    if let Some(out) = &args.out {
        if out.exists() && !args.force {
            bail!("{} exists; choose another --out or pass --force", out.display());
        }
    }
    let opts = pipeline::LoadOptions {
        inputs: args.input.inputs.clone(),
        ingest: crate::ingest::Options {
            max_expand: args.input.max_expand,
            progress: !cli.quiet,
            ..Default::default()
        },
        intel: args.intel.clone(),
        since: args.since.clone(),
        until: args.until.clone(),
        ..Default::default()
    };
    let baseline = pipeline::learn_only(&opts)?;
    let source = args.input.inputs.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
    let text = crate::enrich::baseline::to_toml(&baseline, &source);
    match &args.out {
        Some(out) => {
            std::fs::write(out, &text)
                .with_context(|| format!("cannot write {}; check the directory exists", out.display()))?;
            if !cli.quiet {
                eprintln!(
                    "draft policy written to {}: {} shared egress, {} usual countries, {} users' usual places, \
                     {} service principals, {} privileged accounts, {} refused for attack signals",
                    out.display(),
                    baseline.policy.trusted_ips.len(),
                    baseline.policy.usual_countries.len(),
                    baseline.policy.users.len(),
                    baseline.policy.service_principals.len(),
                    baseline.policy.privileged_users.len(),
                    baseline.refused.len()
                );
                eprintln!(
                    "review it, then: entrascope analyze <inputs> --policy {} --out <dir>",
                    out.display()
                );
            }
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
