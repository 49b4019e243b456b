//! One module per subcommand. Commands are thin: parse arguments, call the stages, print.

pub mod analyze;
pub mod compliance;
pub mod detect;
pub mod dossier;
pub mod generate;
pub mod hunt;
pub mod ingest;
pub mod profile;
pub mod query;
pub mod rules;
pub mod schema;

use std::path::{Path, PathBuf};

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
        no_baseline: analysis.no_baseline,
        intel: analysis.intel.clone(),
        since: analysis.since.clone(),
        until: analysis.until.clone(),
        memory_limit: analysis.memory_limit,
        spill_dir: analysis.spill_dir.clone(),
    }
}

/// An output directory written atomically: everything goes into a hidden sibling
/// (`.<name>.partial-<pid>`), renamed into place by [`OutDir::commit`] once complete. An
/// interrupted run (Ctrl-C, kill, disk full) leaves only the hidden partial directory, never
/// a directory that looks complete; a failed run removes it.
pub struct OutDir {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
}

impl OutDir {
    /// Refuse a non-empty `dir` unless `force`, then create the staging directory.
    pub fn begin(dir: &Path, force: bool) -> Result<OutDir> {
        OutDir::check(dir, force)?;
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create the parent of {}; check the path", dir.display()))?;
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if staging.exists() {
            std::fs::remove_dir_all(&staging).with_context(|| format!("clearing {}", staging.display()))?;
        }
        std::fs::create_dir(&staging).with_context(|| {
            format!("cannot create {}; check permissions and free space", staging.display())
        })?;
        Ok(OutDir { target: dir.to_path_buf(), staging, committed: false })
    }

    /// Refuse an output that is not a directory, or a non-empty one without `force`, before
    /// any work starts (and without creating anything).
    pub fn check(dir: &Path, force: bool) -> Result<()> {
        if dir.exists() {
            if !dir.is_dir() {
                bail!("output {} exists and is not a directory; choose another --out", dir.display());
            }
            let non_empty = std::fs::read_dir(dir)
                .with_context(|| format!("cannot read output directory {}", dir.display()))?
                .next()
                .is_some();
            if non_empty && !force {
                bail!("output directory {} is not empty; choose a new one or pass --force", dir.display());
            }
        }
        Ok(())
    }

    /// Where to write until [`OutDir::commit`].
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Move the finished output into place (replacing an old one when `--force` allowed it).
    pub fn commit(mut self) -> Result<()> {
        if self.target.exists() {
            let old = self.staging.with_extension("old");
            std::fs::rename(&self.target, &old)
                .with_context(|| format!("cannot move the old {} aside", self.target.display()))?;
            std::fs::remove_dir_all(&old).with_context(|| format!("cannot remove {}", old.display()))?;
        }
        std::fs::rename(&self.staging, &self.target).with_context(|| {
            format!("cannot move {} into place as {}", self.staging.display(), self.target.display())
        })?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for OutDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
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
