//! The stages every analysing command shares: open the inputs (dataset or raw files), cut
//! the time window, load policy and intel, enrich. One call, one type out.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use polars::prelude::*;

use crate::dataset::Dataset;
use crate::enrich::{self, intel::Indicator, Enriched};
use crate::ingest::{self, time::parse_utc_micros};
use crate::policy::Policy;
use crate::schema::Table;

/// What to load.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub inputs: Vec<PathBuf>,
    pub ingest: ingest::Options,
    pub policy: Option<PathBuf>,
    /// Extra IOC files beyond the policy's `intel`.
    pub intel: Vec<PathBuf>,
    pub since: Option<String>,
    pub until: Option<String>,
}

/// Inputs loaded, windowed and enriched.
pub struct Loaded {
    pub dataset: Dataset,
    pub policy: Policy,
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

pub fn load(opts: &LoadOptions) -> Result<Loaded> {
    let policy = Policy::load_or_default(opts.policy.as_deref())?;
    let mut intel_files: Vec<&Path> = policy.intel.iter().map(PathBuf::as_path).collect();
    intel_files.extend(opts.intel.iter().map(PathBuf::as_path));
    let intel = enrich::intel::load_all(&intel_files)?;
    let since = opts.since.as_deref().map(|v| parse_bound("--since", v)).transpose()?;
    let until = opts.until.as_deref().map(|v| parse_bound("--until", v)).transpose()?;
    let dataset = Dataset::open(&opts.inputs, &opts.ingest)?;
    let mut tables = std::collections::BTreeMap::new();
    for t in Table::ALL {
        let lf = crate::select::window(dataset.table(t), since, until);
        // Materialise once: every rule reads the same frames, and parquet is scanned once.
        tables.insert(t, lf.collect()?.lazy());
    }
    let enriched = enrich::enrich(&tables, &policy, &intel)?;
    Ok(Loaded { dataset, policy, intel, enriched, window: (since, until) })
}
