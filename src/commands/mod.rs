//! One module per subcommand. Commands are thin: parse arguments, call the stages, print.

pub mod analyze;
pub mod compliance;
pub mod detect;
pub mod dossier;
pub mod generate;
pub mod hunt;
pub mod ingest;
pub mod query;
pub mod rules;
pub mod schema;

use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::cli::{AnalysisArgs, InputArgs};
use crate::pipeline;

/// The pipeline options every analysing command builds from its arguments.
pub fn load_options(
    input: &InputArgs,
    analysis: &AnalysisArgs,
    policy: Option<std::path::PathBuf>,
    quiet: bool,
) -> pipeline::LoadOptions {
    pipeline::LoadOptions {
        inputs: input.inputs.clone(),
        ingest: crate::ingest::Options {
            max_expand: input.max_expand,
            progress: !quiet,
            ..Default::default()
        },
        policy,
        intel: analysis.intel.clone(),
        since: analysis.since.clone(),
        until: analysis.until.clone(),
    }
}

/// Create `dir`, refusing a non-empty one unless `force` (a report must never silently mix
/// with an earlier run's files).
pub fn prepare_out_dir(dir: &Path, force: bool) -> Result<()> {
    if dir.exists() {
        let non_empty = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read output directory {}", dir.display()))?
            .next()
            .is_some();
        if non_empty && !force {
            bail!("output directory {} is not empty; choose a new one or pass --force", dir.display());
        }
        if non_empty {
            for e in std::fs::read_dir(dir)? {
                let p = e?.path();
                if p.is_dir() {
                    std::fs::remove_dir_all(&p).with_context(|| format!("clearing {}", p.display()))?;
                } else {
                    std::fs::remove_file(&p).with_context(|| format!("clearing {}", p.display()))?;
                }
            }
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create output directory {}", dir.display()))
}
