//! The stages every analysing command shares: open the inputs (dataset or raw files), cut
//! the time window, decide what may be assumed (policy over learned baseline), load intel,
//! enrich. One call, one type out. It also decides where the window lives under
//! `--memory-limit`: collected in memory, or enriched chunk by chunk into spilled parquet
//! that rules scan (raw exports too large for memory are first ingested to a temporary
//! dataset).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use polars::prelude::*;

use crate::dataset::{select, spill, Dataset};
use crate::enrich::{self, baseline, intel::Indicator, Enriched, Knowledge};
use crate::ingest::{self, time::parse_utc_micros};
use crate::policy::Policy;
use crate::schema::{empty_frame, Table};

/// Bytes of memory an enriched window takes per byte of the dataset's zstd parquet
/// (measured on the generated 3,000-user tenant: 74 MB on disk, 2.2 GB collected).
const MEMORY_PER_PARQUET_BYTE: u64 = 30;

/// Rows enriched and written at a time when the window is spilled: about 150 MB of sign-ins
/// with every enrichment column.
const SPILL_CHUNK_ROWS: usize = 65_536;

/// Memory a user-partitioned rule takes per sign-in it reads from the spilled tables
/// (its projected columns, joins and windows), to size the slices of users it runs in.
const SCANNED_BYTES_PER_ROW: u64 = 1024;

/// The default `--memory-limit`: half of the machine's memory (others share it).
pub fn default_memory_limit() -> u64 {
    let total = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| kb * 1024)
        .unwrap_or(8 << 30);
    total / 2
}

/// Parse a size: `1500M`, `4G`, `2GiB`, `512MB` or plain bytes.
pub fn parse_size(v: &str) -> std::result::Result<u64, String> {
    let t = v.trim();
    let digits = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let n: f64 = num.parse().map_err(|_| format!("{v:?} is not a size; use e.g. 1500M or 4G"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => return Err(format!("{v:?}: unknown unit {unit:?}; use K, M, G or T")),
    };
    Ok((n * mult as f64) as u64)
}

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
    /// `--memory-limit` in bytes (default: [`default_memory_limit`]). A window whose
    /// enriched tables would take more than half of it is spilled to disk.
    pub memory_limit: Option<u64>,
    /// Where spilled tables go (default: the system temporary directory).
    pub spill_dir: Option<PathBuf>,
}

impl LoadOptions {
    /// `--memory-limit`, or the default (half of RAM).
    fn limit(&self) -> u64 {
        self.memory_limit.unwrap_or_else(default_memory_limit)
    }

    /// `--spill-dir`, or the system temporary directory.
    fn spill_parent(&self) -> PathBuf {
        self.spill_dir.clone().unwrap_or_else(std::env::temp_dir)
    }
}

/// Where the enriched window lives while rules run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Residence {
    /// Collected once into memory and shared by every rule (fast; the window fits).
    Memory,
    /// Enriched chunk by chunk into parquet files that every rule scans lazily.
    Disk,
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
    /// The spill directory of an enriched window kept on disk, alive while the tables are.
    _spill: Option<spill::Spill>,
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

/// The memory raw exports would take once ingested into frames: about their size in bytes
/// (JSON and CSV shrink into columns about as much as the frames add), ten times that for
/// compressed files and archives. The files are found as ingest will find them.
fn raw_memory_estimate(inputs: &[PathBuf]) -> Result<u64> {
    let packed = |p: &Path| {
        let name = p.to_string_lossy().to_ascii_lowercase();
        [".gz", ".zip", ".tgz", ".zst"].iter().any(|x| name.ends_with(x))
    };
    Ok(ingest::source::discover(inputs)?
        .iter()
        .map(|f| f.size.saturating_mul(if packed(&f.path) { 10 } else { 1 }))
        .fold(0u64, u64::saturating_add))
}

/// The memory the enriched tables of a dataset directory would take once collected.
fn estimate_memory(dataset: &Dataset) -> u64 {
    dataset.disk_bytes.values().sum::<u64>().saturating_mul(MEMORY_PER_PARQUET_BYTE)
}

fn human_bytes(b: u64) -> String {
    match b {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.0} MiB", b as f64 / (1u64 << 20) as f64),
        b => format!("{:.0} KiB", b as f64 / 1024.0),
    }
}

/// Open the dataset, decide where the window will live, and cut it: the tables are
/// collected into memory when the enriched window fits in half of the memory limit, and stay
/// lazy scans otherwise.
fn open_window(opts: &LoadOptions) -> Result<(Dataset, BTreeMap<Table, LazyFrame>, Residence)> {
    let (since, until) = bounds(opts)?;
    let limit = opts.limit();
    let is_dataset = matches!(opts.inputs.as_slice(), [one] if Dataset::is_dataset_dir(one));
    let dataset = if !is_dataset && raw_memory_estimate(&opts.inputs)? > limit / 2 {
        let dir = opts.spill_parent();
        if opts.ingest.progress {
            eprintln!(
                "note: these exports would not fit in half of the {} memory limit; ingesting them to a temporary dataset in {} first (`entrascope ingest … --out DIR` keeps one for later runs)",
                human_bytes(limit),
                dir.display()
            );
        }
        Dataset::ingest_to_disk(&opts.inputs, &opts.ingest, &dir)?
    } else {
        Dataset::open(&opts.inputs, &opts.ingest)?
    };
    // Raw inputs were ingested into memory already; a dataset directory is judged by its size.
    let residence = if estimate_memory(&dataset) <= limit / 2 { Residence::Memory } else { Residence::Disk };
    let mut tables = BTreeMap::new();
    for t in Table::ALL {
        let lf = select::window(dataset.table(t), since, until);
        // In memory, every rule and the baseline then read the same frames instead of
        // re-scanning parquet.
        let lf = if residence == Residence::Memory { lf.collect()?.lazy() } else { lf };
        tables.insert(t, lf);
    }
    Ok((dataset, tables, residence))
}

/// Enrich the window chunk by chunk into a spill directory: each partition file is read in
/// slices of [`SPILL_CHUNK_ROWS`] (a slice is pushed into the parquet scan), cut to the
/// window, enriched against the dimensions of the whole window, and appended to the table's
/// spill file. Memory holds the dimensions and one chunk.
fn spill_enriched(
    dataset: &Dataset,
    en: &enrich::Enricher,
    window: (Option<i64>, Option<i64>),
    dir: &Path,
) -> Result<(BTreeMap<Table, LazyFrame>, spill::Spill)> {
    let spill = spill::Spill::create(dir, "enriched")?;
    let mut out = BTreeMap::new();
    for t in Table::ALL {
        let schema = en.apply(t, empty_frame(t).lazy()).collect_schema()?;
        let pieces = dataset.pieces.get(&t).cloned().unwrap_or_default();
        let mut slices = Vec::new();
        for piece in pieces {
            let n = piece.clone().select([len().cast(DataType::Int64).alias("n")]).collect()?;
            let n = n.column("n")?.i64()?.get(0).unwrap_or(0) as usize;
            for off in (0..n).step_by(SPILL_CHUNK_ROWS) {
                slices.push(piece.clone().slice(off as i64, SPILL_CHUNK_ROWS as IdxSize));
            }
        }
        let chunks = slices.into_iter().map(|slice| {
            let rows = select::window(slice, window.0, window.1);
            Ok(en.apply(t, rows).collect()?)
        });
        out.insert(t, spill.write(t, &schema, chunks)?);
    }
    Ok((out, spill))
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
    let (dataset, tables, residence) = open_window(opts)?;
    let learned = if opts.no_baseline { None } else { Some(baseline::learn(&tables, &intel)?) };
    let sha = match &found {
        Some((p, _)) => Some(file_sha256(p)?),
        None => None,
    };
    let mut knowledge = Knowledge::new(given, found.map(|(_, how)| how), learned);
    knowledge.given_sha256 = sha;
    let enricher = enrich::Enricher::new(&tables, &knowledge, &intel)?;
    let (enriched, spilled) = match residence {
        Residence::Memory => (enricher.collect(&tables)?, None),
        Residence::Disk => {
            let dir = opts.spill_parent();
            let limit = opts.limit();
            if opts.ingest.progress {
                eprintln!(
                    "note: the enriched window would need about {} of memory, more than half of the {} limit; spilling it to {} and running rules one at a time (raise --memory-limit to keep it in memory)",
                    human_bytes(estimate_memory(&dataset)),
                    human_bytes(limit),
                    dir.display()
                );
            }
            let (out, spill) = spill_enriched(&dataset, &enricher, (since, until), &dir)?;
            (
                Enriched {
                    tables: out,
                    privileged_users: enricher.into_privileged_users(),
                    on_disk: true,
                    slice_rows: Some(((limit / 2) / SCANNED_BYTES_PER_ROW).max(1) as usize),
                },
                Some(spill),
            )
        }
    };
    Ok(Loaded { dataset, knowledge, intel, enriched, window: (since, until), _spill: spilled })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_units_and_refuse_nonsense() {
        assert_eq!(parse_size("1500M"), Ok(1500 << 20));
        assert_eq!(parse_size("4G"), Ok(4 << 30));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("1.5g"), Ok(3 << 29));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("4Q").is_err());
    }
}
