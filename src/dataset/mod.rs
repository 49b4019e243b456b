//! The canonical dataset: where ingested tables live between commands.
//!
//! On disk it is a hive-partitioned parquet tree, `<dir>/<table>/date=YYYY-MM-DD/data.parquet`
//! (zstd; records without a time under `date=__HIVE_DEFAULT_PARTITION__`, the hive convention
//! for null), plus `manifest.json` and `rejects.jsonl` — readable by polars, DuckDB, Spark and
//! pandas without entrascope. Each partition is written once, sorted by (time, id), so the
//! same inputs give the same bytes whatever the batch boundaries were.
//!
//! Every later command takes either such a directory or raw inputs; [`Dataset::open`] makes
//! both look the same: one lazy frame per canonical table.

pub mod select;
pub mod spill;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use polars::prelude::*;

use crate::ingest::{self, IngestReport, Sink};
use crate::schema::{col, empty_frame, Table};

/// The partition directory name of rows without a time.
pub const NULL_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";
pub const MANIFEST: &str = "manifest.json";
pub const REJECTS: &str = "rejects.jsonl";
/// The baseline learned at ingest, as a draft policy (see `enrich::baseline`).
pub const BASELINE: &str = "baseline.toml";
/// The tenant policy kept with the dataset by `ingest --policy`.
pub const POLICY: &str = "policy.toml";

/// Sorts a table frame into its canonical order: time (nulls last), then id.
pub fn sort_canonical(df: &DataFrame) -> Result<DataFrame> {
    Ok(df.sort(
        [col::TIME, col::ID],
        SortMultipleOptions::default().with_nulls_last(true).with_maintain_order(true),
    )?)
}

/// Keeps frames in memory (raw inputs given to a command that is not `ingest`).
#[derive(Default)]
pub struct MemorySink {
    frames: BTreeMap<Table, Vec<DataFrame>>,
}

impl Sink for MemorySink {
    fn write(&mut self, table: Table, df: DataFrame) -> Result<()> {
        self.frames.entry(table).or_default().push(df);
        Ok(())
    }
}

impl MemorySink {
    /// One sorted frame per table (empty tables with their schema).
    pub fn into_tables(self) -> Result<BTreeMap<Table, DataFrame>> {
        let mut frames = self.frames;
        let mut out = BTreeMap::new();
        for t in Table::ALL {
            let parts = frames.remove(&t).unwrap_or_default();
            let df = concat_frames(t, parts)?;
            out.insert(t, sort_canonical(&df)?);
        }
        Ok(out)
    }
}

fn concat_frames(table: Table, parts: Vec<DataFrame>) -> Result<DataFrame> {
    let mut iter = parts.into_iter();
    let Some(mut acc) = iter.next() else { return Ok(empty_frame(table)) };
    for df in iter {
        acc.vstack_mut_owned(df)?;
    }
    acc.rechunk_mut_par();
    Ok(acc)
}

/// Writes parts per (table, day) while ingesting; [`ParquetSink::finish`] merges each day
/// into one sorted file.
pub struct ParquetSink {
    dir: PathBuf,
    part: u64,
}

impl ParquetSink {
    pub fn new(dir: &Path) -> Self {
        ParquetSink { dir: dir.to_path_buf(), part: 0 }
    }

    /// Merge every day's parts into one sorted `data.parquet`.
    pub fn finish(self) -> Result<()> {
        for t in Table::ALL {
            let tdir = self.dir.join(t.name());
            if !tdir.exists() {
                continue;
            }
            for day in sorted_dirs(&tdir)? {
                let parts = sorted_files(&day, "part-")?;
                let frames = parts.iter().map(|p| read_parquet(p)).collect::<Result<Vec<_>>>()?;
                let df = sort_canonical(&concat_frames(t, frames)?)?;
                write_parquet(&day.join("data.parquet"), df, ParquetCompression::Zstd(None))?;
                for p in parts {
                    fs::remove_file(&p).with_context(|| format!("removing {}", p.display()))?;
                }
            }
        }
        Ok(())
    }
}

impl Sink for ParquetSink {
    fn write(&mut self, table: Table, df: DataFrame) -> Result<()> {
        for (day, part) in split_by_day(&df)? {
            let dir = self.dir.join(table.name()).join(format!("date={day}"));
            fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            self.part += 1;
            // Parts are temporary (merged by `finish`): not worth compressing.
            write_parquet(
                &dir.join(format!("part-{:08}.parquet", self.part)),
                part,
                ParquetCompression::Uncompressed,
            )?;
        }
        Ok(())
    }
}

/// Rows grouped by UTC day of `time` (in first-appearance order within each day).
fn split_by_day(df: &DataFrame) -> Result<Vec<(String, DataFrame)>> {
    let times = df.column(col::TIME)?.datetime()?.physical().clone();
    let mut groups: BTreeMap<Option<i64>, Vec<IdxSize>> = BTreeMap::new();
    for (i, t) in times.iter().enumerate() {
        groups.entry(t.map(|t| t.div_euclid(86_400_000_000))).or_default().push(i as IdxSize);
    }
    let mut out = Vec::with_capacity(groups.len());
    for (day, idx) in groups {
        let name = match day {
            Some(d) => ingest::time::date_of(d * 86_400_000_000),
            None => NULL_PARTITION.to_string(),
        };
        let part = df.take(&IdxCa::from_vec("idx".into(), idx))?;
        out.push((name, part));
    }
    Ok(out)
}

fn write_parquet(path: &Path, mut df: DataFrame, compression: ParquetCompression) -> Result<()> {
    let f = fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let needed = df.estimated_size() as u64;
    let written = ParquetWriter::new(f).with_compression(compression).finish(&mut df);
    written.map(|_| ()).map_err(|e| crate::fsio::failed(path, Some(needed), e))
}

fn read_parquet(path: &Path) -> Result<DataFrame> {
    let f = fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    Context::with_context(ParquetReader::new(f).finish(), || format!("reading {}", path.display()))
}

fn sorted_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    Ok(v)
}

fn sorted_files(dir: &Path, prefix: &str) -> Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "parquet")
                && p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(prefix))
        })
        .collect();
    v.sort();
    Ok(v)
}

/// The canonical tables, ready to query, and where they came from.
pub struct Dataset {
    pub tables: BTreeMap<Table, LazyFrame>,
    /// Each table as its parts (one lazy scan per partition file, or the one frame in
    /// memory): what is read piece by piece when the window does not fit in memory.
    pub pieces: BTreeMap<Table, Vec<LazyFrame>>,
    /// Bytes of parquet on disk per table (0 for raw inputs held in memory).
    pub disk_bytes: BTreeMap<Table, u64>,
    /// The ingest report when the inputs were raw; `None` for a dataset directory.
    pub report: Option<IngestReport>,
    /// The dataset directory's manifest, when opened from one.
    pub manifest: Option<serde_json::Value>,
    /// Raw inputs too large for memory were ingested into this temporary dataset.
    _spill: Option<spill::Spill>,
}

impl Dataset {
    /// Whether `path` is a dataset directory written by `entrascope ingest`.
    pub fn is_dataset_dir(path: &Path) -> bool {
        path.is_dir() && path.join(MANIFEST).is_file()
    }

    /// Open a dataset directory, or ingest raw inputs in memory.
    pub fn open(inputs: &[PathBuf], opts: &ingest::Options) -> Result<Dataset> {
        if let [one] = inputs {
            if Self::is_dataset_dir(one) {
                return Self::open_dir(one);
            }
        }
        let mut sink = MemorySink::default();
        let report = ingest::run(inputs, opts, &mut sink)?;
        let tables: BTreeMap<Table, LazyFrame> =
            sink.into_tables()?.into_iter().map(|(t, df)| (t, df.lazy())).collect();
        let pieces = tables.iter().map(|(t, lf)| (*t, vec![lf.clone()])).collect();
        Ok(Dataset {
            tables,
            pieces,
            disk_bytes: BTreeMap::new(),
            report: Some(report),
            manifest: None,
            _spill: None,
        })
    }

    /// Ingest raw inputs into a temporary parquet dataset under `parent` (removed when the
    /// dataset is dropped) and scan it: raw exports larger than memory then take the same
    /// bounded path as a dataset directory.
    pub fn ingest_to_disk(inputs: &[PathBuf], opts: &ingest::Options, parent: &Path) -> Result<Dataset> {
        let spill = spill::Spill::create(parent, "dataset")?;
        let mut sink = ParquetSink::new(spill.dir());
        let report = ingest::run(inputs, opts, &mut sink)?;
        sink.finish()?;
        let mut ds = Self::scan_dir(spill.dir())?;
        ds.report = Some(report);
        ds._spill = Some(spill);
        Ok(ds)
    }

    fn open_dir(dir: &Path) -> Result<Dataset> {
        let manifest_path = dir.join(MANIFEST);
        let text = fs::read_to_string(&manifest_path)
            .with_context(|| format!("reading {}", manifest_path.display()))?;
        let manifest: serde_json::Value = serde_json::from_str(&text).with_context(|| {
            format!("{} is not valid JSON; re-run entrascope ingest", manifest_path.display())
        })?;
        let mut ds = Self::scan_dir(dir)?;
        ds.manifest = Some(manifest);
        Ok(ds)
    }

    /// Scan every table of a parquet dataset tree.
    fn scan_dir(dir: &Path) -> Result<Dataset> {
        let (mut tables, mut pieces, mut disk_bytes) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
        for t in Table::ALL {
            let (scans, bytes) = scan_table(dir, t)?;
            let whole =
                if scans.is_empty() { empty_frame(t).lazy() } else { concat(&scans, UnionArgs::default())? };
            tables.insert(t, whole);
            pieces.insert(t, scans);
            disk_bytes.insert(t, bytes);
        }
        Ok(Dataset { tables, pieces, disk_bytes, report: None, manifest: None, _spill: None })
    }

    pub fn table(&self, t: Table) -> LazyFrame {
        self.tables.get(&t).cloned().unwrap_or_else(|| empty_frame(t).lazy())
    }
}

/// Lazily scan every partition file of one table, with the canonical schema enforced: one
/// scan per file, in partition order, and the bytes they hold.
fn scan_table(dir: &Path, t: Table) -> Result<(Vec<LazyFrame>, u64)> {
    let tdir = dir.join(t.name());
    if !tdir.is_dir() {
        return Ok((Vec::new(), 0));
    }
    let mut files = Vec::new();
    for day in sorted_dirs(&tdir)? {
        files.extend(sorted_files(&day, "")?);
    }
    let bytes = files.iter().filter_map(|f| fs::metadata(f).ok()).map(|m| m.len()).sum();
    let args = ScanArgsParquet { hive_options: HiveOptions::new_disabled(), ..Default::default() };
    let canonical = t.schema();
    let mut scans = Vec::with_capacity(files.len());
    let mut missing: std::collections::BTreeSet<String> = Default::default();
    for f in &files {
        let Some(path) = f.to_str() else { bail!("dataset path {} is not UTF-8", f.display()) };
        let mut scan =
            Context::with_context(LazyFrame::scan_parquet(PlRefPath::from(path), args.clone()), || {
                format!("scanning {}", f.display())
            })?;
        // A dataset written by an older entrascope lacks columns added since: they read as
        // empty, so a case folder keeps working after an upgrade (re-ingest to fill them).
        let have = Context::with_context(scan.collect_schema(), || {
            format!("reading the schema of {}", f.display())
        })?;
        let cols: Vec<Expr> = canonical
            .iter()
            .map(|(name, dtype)| {
                if have.contains(name) {
                    polars::prelude::col(name.clone())
                } else {
                    missing.insert(name.to_string());
                    lit(NULL).cast(dtype.clone()).alias(name.clone())
                }
            })
            .collect();
        scans.push(scan.select(cols));
    }
    if !missing.is_empty() {
        eprintln!(
            "note: {} in {} was written by an older entrascope; empty columns: {} (re-ingest to fill them)",
            t.name(),
            dir.display(),
            missing.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
    Ok((scans, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Row, SignIn, TableBuilders};

    #[test]
    fn a_dataset_from_an_older_version_reads_missing_columns_as_empty() {
        let dir = std::env::temp_dir().join(format!("entrascope-old-ds-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let day = dir.join("signins").join("date=2026-10-05");
        fs::create_dir_all(&day).unwrap();
        let mut b = TableBuilders::default();
        b.push(&Row::SignIn(Box::new(SignIn {
            time: Some(1_790_000_000_000_000),
            id: Some("a".into()),
            user_principal_name: Some("a@x.com".into()),
            ..Default::default()
        })));
        let [(_, signins), ..] = b.finish();
        // An older version did not write risk_detail.
        let mut old = signins.drop("risk_detail").unwrap();
        let f = fs::File::create(day.join("data.parquet")).unwrap();
        ParquetWriter::new(f).finish(&mut old).unwrap();
        fs::write(dir.join(MANIFEST), "{}").unwrap();
        let ds = Dataset::open(std::slice::from_ref(&dir), &ingest::Options::default()).unwrap();
        let df = ds.table(Table::SignIns).collect().unwrap();
        assert_eq!(df.height(), 1);
        assert_eq!(df.column("risk_detail").unwrap().null_count(), 1);
        assert_eq!(df.column("user_principal_name").unwrap().str().unwrap().get(0), Some("a@x.com"));
        assert_eq!(df.schema().len(), Table::SignIns.schema().len());
        let _ = fs::remove_dir_all(&dir);
    }
}
