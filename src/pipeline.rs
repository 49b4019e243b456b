//! The stages every analysing command shares: open the inputs (dataset or raw files), cut
//! the time window, decide what may be assumed (policy over learned baseline), load intel,
//! enrich. One call, one type out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use polars::prelude::*;

use crate::dataset::Dataset;
use crate::enrich::{self, baseline, intel::Indicator, Enriched, Knowledge};
use crate::ingest::{self, time::parse_utc_micros};
use crate::policy::Policy;
use crate::schema::Table;

/// Windows with at most this many records are collected into memory once and shared by
/// every rule; larger ones stay lazy scans of the dataset.
pub const MATERIALISE_MAX_ROWS: usize = 5_000_000;

/// What to load.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub inputs: Vec<PathBuf>,
    pub ingest: ingest::Options,
    /// `--policy`: overrides the policy stored with a dataset or found in the inputs.
    pub policy: Option<PathBuf>,
    /// `--no-baseline`: assume only what the policy says.
    pub no_baseline: bool,
    /// Extra IOC files beyond the policy's `intel`.
    pub intel: Vec<PathBuf>,
    pub since: Option<String>,
    pub until: Option<String>,
}

/// Inputs loaded, windowed and enriched.
pub struct Loaded {
    pub dataset: Dataset,
    /// The policy in force (given over learned) and where each part came from.
    pub knowledge: Knowledge,
    pub intel: Vec<Indicator>,
    pub enriched: Enriched,
    /// The window actually applied, in UTC microseconds.
    pub window: (Option<i64>, Option<i64>),
}

/// Parse a `--since`/`--until` value: a date (`2024-05-01`) or a timestamp.
pub fn parse_bound(flag: &str, v: &str) -> Result<i64> {
    match parse_utc_micros(v) {
        Some(t) => Ok(t),
        None => bail!("{flag} {v:?} is not a date or time; use 2024-05-01 or 2024-05-01T10:00:00Z"),
    }
}

/// The policy file to use and how it was found: `--policy`, else the one stored in a
/// dataset by `ingest --policy`, else a `policy.toml` inside the single input directory
/// (a case folder carries its customer's policy).
pub fn find_policy(explicit: Option<&Path>, inputs: &[PathBuf]) -> Option<(PathBuf, String)> {
    if let Some(p) = explicit {
        return Some((p.to_path_buf(), p.display().to_string()));
    }
    let [dir] = inputs else { return None };
    let p = dir.join("policy.toml");
    if !p.is_file() {
        return None;
    }
    let how =
        if Dataset::is_dataset_dir(dir) { "stored with the dataset" } else { "found in the input directory" };
    Some((p.clone(), format!("{} ({how})", p.display())))
}

/// Open the inputs, cut the window and learn the baseline, without enriching (`profile`).
pub fn learn_only(opts: &LoadOptions) -> Result<baseline::Baseline> {
    let found = find_policy(opts.policy.as_deref(), &opts.inputs);
    let mut intel_files: Vec<PathBuf> = match &found {
        Some((p, _)) => Policy::load(p)?.intel,
        None => Vec::new(),
    };
    intel_files.extend(opts.intel.iter().cloned());
    let intel_refs: Vec<&Path> = intel_files.iter().map(PathBuf::as_path).collect();
    let intel = enrich::intel::load_all(&intel_refs)?;
    let (_, tables, _) = open_window(opts)?;
    baseline::learn(&tables, &intel)
}

fn file_sha256(p: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(p).map_err(|e| anyhow::anyhow!("cannot read policy {}: {e}", p.display()))?;
    Ok(format!("{:x}", Sha256::digest(&bytes)))
}

fn bounds(opts: &LoadOptions) -> Result<(Option<i64>, Option<i64>)> {
    let since = opts.since.as_deref().map(|v| parse_bound("--since", v)).transpose()?;
    let until = opts.until.as_deref().map(|v| parse_bound("--until", v)).transpose()?;
    Ok((since, until))
}

/// Open the dataset and cut the window: the tables, and whether they were materialised.
fn open_window(opts: &LoadOptions) -> Result<(Dataset, BTreeMap<Table, LazyFrame>, bool)> {
    let (since, until) = bounds(opts)?;
    let dataset = Dataset::open(&opts.inputs, &opts.ingest)?;
    let mut tables = BTreeMap::new();
    let mut rows = 0usize;
    for t in Table::ALL {
        let lf = crate::dataset::select::window(dataset.table(t), since, until);
        let n = lf.clone().select([len().cast(DataType::Int64).alias("n")]).collect()?;
        rows += n.column("n")?.i64()?.get(0).unwrap_or(0) as usize;
        tables.insert(t, lf);
    }
    // Small windows are collected once: every rule and the baseline then read the same
    // frames instead of re-scanning parquet.
    let materialise = rows <= MATERIALISE_MAX_ROWS;
    if materialise {
        for lf in tables.values_mut() {
            *lf = lf.clone().collect()?.lazy();
        }
    }
    Ok((dataset, tables, materialise))
}

pub fn load(opts: &LoadOptions) -> Result<Loaded> {
    let found = find_policy(opts.policy.as_deref(), &opts.inputs);
    let given = match &found {
        Some((p, _)) => Policy::load(p)?,
        None => Policy::default(),
    };
    let mut intel_files: Vec<&Path> = given.intel.iter().map(PathBuf::as_path).collect();
    intel_files.extend(opts.intel.iter().map(PathBuf::as_path));
    let intel = enrich::intel::load_all(&intel_files)?;
    let (since, until) = bounds(opts)?;
    let (dataset, tables, materialise) = open_window(opts)?;
    let learned = if opts.no_baseline { None } else { Some(baseline::learn(&tables, &intel)?) };
    let sha = match &found {
        Some((p, _)) => Some(file_sha256(p)?),
        None => None,
    };
    let mut knowledge = Knowledge::new(given, found.map(|(_, how)| how), learned);
    knowledge.given_sha256 = sha;
    let enriched = enrich::enrich(&tables, &knowledge, &intel, materialise)?;
    Ok(Loaded { dataset, knowledge, intel, enriched, window: (since, until) })
}
