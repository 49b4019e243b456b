//! Ingestion: from input paths to deduplicated canonical frames, with full accounting.
//!
//! The flow is `source` (find files, open archives) → `json` / `csv` readers (locate records)
//! → `map` (classify and map each record, via `accumulate`) → here: files are parsed in
//! parallel in size-bounded batches, then deduplicated on (table, id) in input order — so
//! "keep the first" means the first in sorted path order, whatever thread finished first —
//! and handed to a [`Sink`] (memory, or the parquet dataset). Memory stays bounded by the
//! batch size, not the input size.
//!
//! Every record ends as loaded, duplicate, rejected or skipped (a log category entrascope
//! does not model); [`IngestReport`] holds the counts per file, per entry and per table.

pub mod accumulate;
pub mod csv;
pub mod json;
pub mod map;
pub mod raw;
pub mod source;
pub mod time;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use polars::prelude::*;
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::schema::{col, Table};
use accumulate::{EntryAcc, EntryOutput, EntryReport, Reject};
use source::{Budget, Content, InputFile, Skipped};

/// How to ingest.
#[derive(Debug, Clone)]
pub struct Options {
    /// Total bytes archives may expand to in one run.
    pub max_expand: u64,
    /// Input bytes parsed per batch before deduplication and writing (bounds memory).
    pub batch_bytes: u64,
    /// Show a progress bar on stderr.
    pub progress: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { max_expand: 16 << 30, batch_bytes: 256 << 20, progress: false }
    }
}

/// Where deduplicated frames go.
pub trait Sink {
    fn write(&mut self, table: Table, df: DataFrame) -> Result<()>;
}

/// One input file and what came of it.
#[derive(Debug, Clone, Serialize)]
pub struct InputReport {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
    pub entries: Vec<EntryReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
    /// Set when the file could not be read at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Per-table totals and time coverage.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TableSummary {
    pub loaded: u64,
    pub duplicate: u64,
    pub without_time: u64,
    pub first: Option<String>,
    pub last: Option<String>,
    #[serde(skip)]
    pub first_us: Option<i64>,
    #[serde(skip)]
    pub last_us: Option<i64>,
    /// Records per UTC day (days since the epoch → count), for gap detection.
    #[serde(skip)]
    pub per_day: BTreeMap<i64, u64>,
}

/// Run totals.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    pub files: u64,
    pub bytes: u64,
    pub records: u64,
    pub loaded: u64,
    pub duplicate: u64,
    pub rejected: u64,
    pub skipped: u64,
    pub skipped_files: u64,
}

/// Everything an ingest run knows about its inputs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestReport {
    pub inputs: Vec<InputReport>,
    pub tables: BTreeMap<&'static str, TableSummary>,
    pub skipped_categories: BTreeMap<String, u64>,
    pub totals: Totals,
    #[serde(skip)]
    pub rejects: Vec<Reject>,
    #[serde(skip)]
    pub elapsed_s: f64,
}

impl IngestReport {
    /// Days inside a table's time range with no records at all.
    pub fn gaps(&self, table: Table) -> Vec<String> {
        let Some(s) = self.tables.get(table.name()) else { return Vec::new() };
        let (Some(first), Some(last)) = (s.per_day.keys().next(), s.per_day.keys().next_back()) else {
            return Vec::new();
        };
        (*first..=*last)
            .filter(|d| !s.per_day.contains_key(d))
            .map(|d| time::date_of(d * 86_400_000_000))
            .collect()
    }

    /// Every file skipped, or entry skipped inside an archive, with the reason.
    pub fn skipped_files(&self) -> Vec<Skipped> {
        let mut out = Vec::new();
        for i in &self.inputs {
            if let Some(e) = &i.error {
                out.push(Skipped { name: i.path.clone(), reason: e.clone() });
            }
            out.extend(i.skipped.iter().cloned());
        }
        out
    }
}

/// Ingest `paths` into `sink`.
pub fn run(paths: &[PathBuf], opts: &Options, sink: &mut dyn Sink) -> Result<IngestReport> {
    let started = Instant::now();
    let files = source::discover(paths)?;
    let budget = Budget::new(opts.max_expand);
    let total_bytes: u64 = files.iter().map(|f| f.size).sum();
    let bar = crate::progress::bytes_bar(total_bytes, opts.progress);

    let mut report = IngestReport::default();
    for t in Table::ALL {
        report.tables.insert(t.name(), TableSummary::default());
    }
    let mut dedupe = Dedupe::default();
    for batch in batches(&files, opts.batch_bytes) {
        let outcomes: Vec<(InputReport, FileOutput)> = batch
            .par_iter()
            .map(|f| {
                let out = guarded(f, || parse_file(f, &budget));
                bar.inc(f.size);
                out
            })
            .collect();
        // Sequential and in input order: deduplication must not depend on thread timing.
        // Kept rows are gathered per table and handed to the sink once per batch: one
        // write per batch, not one tiny parquet part per input file.
        let mut pending: BTreeMap<Table, Vec<DataFrame>> = BTreeMap::new();
        for (mut input, output) in outcomes {
            // Deduplicate each table's stacked rows once, then count per entry by its range.
            let mut masks: BTreeMap<Table, Vec<bool>> = BTreeMap::new();
            for (table, df) in output.frames {
                let mask = dedupe.mask(table, &df)?;
                let dups = mask.iter().filter(|k| !**k).count() as u64;
                let kept = if dups == 0 {
                    df
                } else {
                    df.filter(&BooleanChunked::from_slice("keep".into(), &mask))?
                };
                let summary = report.tables.get_mut(table.name()).expect("all tables present");
                summary.duplicate += dups;
                summarise(summary, &kept)?;
                if kept.height() > 0 {
                    pending.entry(table).or_default().push(kept);
                }
                masks.insert(table, mask);
            }
            let mut offsets: BTreeMap<Table, usize> = BTreeMap::new();
            for (mut entry, rejects, rows) in output.entries {
                for (table, n) in rows {
                    let start = offsets.entry(table).or_default();
                    let range = &masks[&table][*start..*start + n];
                    *start += n;
                    let loaded = range.iter().filter(|k| **k).count() as u64;
                    let dups = n as u64 - loaded;
                    let counts = entry.tables.entry(table.name()).or_default();
                    counts.duplicate += dups;
                    counts.loaded += loaded;
                    entry.duplicate += dups;
                    entry.loaded += loaded;
                }
                for (cat, n) in &entry.skipped_categories {
                    *report.skipped_categories.entry(cat.clone()).or_default() += n;
                }
                report.rejects.extend(rejects);
                input.entries.push(entry);
            }
            report.inputs.push(input);
        }
        for (table, frames) in pending {
            let mut frames = frames.into_iter();
            let mut df = frames.next().expect("only non-empty lists are pending");
            for f in frames {
                df.vstack_mut_owned(f)?;
            }
            sink.write(table, df)?;
        }
    }
    bar.finish_and_clear();
    report.totals = totals(&report);
    report.elapsed_s = started.elapsed().as_secs_f64();
    Ok(report)
}

/// NDJSON entries larger than twice this are parsed in parts of about this size, in
/// parallel (a single 2 GB PT1H.json or Event Hub capture would otherwise use one core).
pub const NDJSON_PART_BYTES: usize = 16 << 20;

/// Files per batch at most: each parsed file holds its frames until the batch is written,
/// so 100,000 tiny files must not all be pending at once.
const BATCH_FILES: usize = 2048;

/// Consecutive files grouped so each group holds at most `limit` bytes and `BATCH_FILES`
/// files (one file at least).
fn batches(files: &[InputFile], limit: u64) -> Vec<&[InputFile]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut size = 0;
    for (i, f) in files.iter().enumerate() {
        if i > start && (size + f.size > limit || i - start >= BATCH_FILES) {
            out.push(&files[start..i]);
            start = i;
            size = 0;
        }
        size += f.size;
    }
    if start < files.len() {
        out.push(&files[start..]);
    }
    out
}

/// What one input file yielded: each entry's report and rejects with the number of rows it
/// added per table, and the rows of all its entries stacked per table. An archive of 50,000
/// one-record members is one frame per table, not 50,000 sets of frames (which held ~115 KB
/// each); deduplication still counts per entry through the row ranges.
#[derive(Default)]
struct FileOutput {
    entries: Vec<(EntryReport, Vec<Reject>, BTreeMap<Table, usize>)>,
    frames: BTreeMap<Table, DataFrame>,
}

impl FileOutput {
    fn push(&mut self, out: EntryOutput) -> Result<()> {
        let mut rows = BTreeMap::new();
        for (table, df) in out.frames {
            if df.height() == 0 {
                continue;
            }
            rows.insert(table, df.height());
            match self.frames.get_mut(&table) {
                Some(acc) => {
                    acc.vstack_mut_owned(df)?;
                    // Many tiny members make many chunks: merge them now and then.
                    if acc.first_col_n_chunks() > 256 {
                        acc.rechunk_mut();
                    }
                }
                None => {
                    self.frames.insert(table, df);
                }
            }
        }
        self.entries.push((out.report, out.rejects, rows));
        Ok(())
    }
}

/// Run a reader on one file so that a panic (a bug, or input nobody foresaw) costs only that
/// file: it is reported in the manifest with the reason, and the run goes on.
fn guarded(f: &InputFile, read: impl FnOnce() -> (InputReport, FileOutput)) -> (InputReport, FileOutput) {
    match crate::guard::catch(read) {
        Ok(out) => out,
        Err(msg) => {
            let input = InputReport {
                path: f.display.clone(),
                bytes: f.size,
                sha256: String::new(),
                entries: Vec::new(),
                skipped: Vec::new(),
                error: Some(format!(
                    "internal error while reading this file ({msg}); it was not loaded and the run went on — please report it"
                )),
            };
            (input, FileOutput::default())
        }
    }
}

/// Read, hash, expand and parse one input file.
fn parse_file(f: &InputFile, budget: &Budget) -> (InputReport, FileOutput) {
    let mut input = InputReport {
        path: f.display.clone(),
        bytes: f.size,
        sha256: String::new(),
        entries: Vec::new(),
        skipped: Vec::new(),
        error: None,
    };
    #[cfg(test)]
    if f.display.ends_with("deliberate-panic.json") {
        panic!("a deliberately panicking reader (test)");
    }
    if let Some(why) = &f.unreadable {
        input.error = Some(why.clone());
        return (input, FileOutput::default());
    }
    let bytes = match std::fs::read(&f.path).with_context(|| format!("cannot read {}", f.display)) {
        Ok(b) => b,
        Err(e) => {
            input.error = Some(format!("{e:#}"));
            return (input, FileOutput::default());
        }
    };
    input.sha256 = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    let mut entries = Vec::new();
    let head: Vec<u8> = bytes.iter().take(64).copied().collect();
    if let Err(e) = source::expand(&f.display, bytes, 0, budget, &mut entries, &mut input.skipped) {
        // A refused archive (corrupt, truncated, a bomb) is refused whole — partial members
        // would give a silently incomplete picture — and counted as a reject, so the
        // reconciliation shows the loss.
        let mut acc = EntryAcc::new(&f.display, f.size);
        acc.reject(
            accumulate::Position::Index(0),
            0,
            format!("the file could not be read as an archive or export: {e:#}; nothing in it was loaded"),
            &head,
        );
        let mut outputs = FileOutput::default();
        if let Err(e) = outputs.push(acc.finish()) {
            input.error = Some(format!("{e:#}"));
        }
        return (input, outputs);
    }
    let mut outputs = FileOutput::default();
    for entry in entries {
        let mut acc = EntryAcc::new(&entry.name, entry.bytes.len() as u64);
        for n in &entry.notes {
            acc.note(n.clone());
        }
        // One big NDJSON file is parsed in line-aligned parts on every core, then put back
        // together in order (same rows, counts and positions as reading it whole).
        let parted = match entry.content {
            Content::Json => {
                json::read_in_parts(&entry.name, &entry.bytes, entry.notes.clone(), NDJSON_PART_BYTES)
            }
            _ => None,
        };
        let out = match parted {
            Some(Ok(out)) => out,
            Some(Err(e)) => {
                input.error =
                    Some(format!("internal error while joining the parts of {} ({e:#})", entry.name));
                return (input, FileOutput::default());
            }
            None => {
                match entry.content {
                    Content::Json => json::read(&entry.bytes, &mut acc),
                    Content::Csv => csv::read(&entry.bytes, &entry.name, &mut acc),
                    _ => unreachable!("expand yields only JSON and CSV entries"),
                }
                acc.finish()
            }
        };
        if out.report.records > 0 && out.unrecognised == out.report.records {
            // Not an Entra export at all (a README, a ground-truth file, a policy): list it
            // as skipped instead of rejecting every "record" in it.
            let why = out.rejects.first().map(|r| r.reason.as_str()).unwrap_or("unrecognised records");
            input.skipped.push(Skipped {
                name: entry.name,
                reason: format!(
                    "not an Entra export: none of its {} records is a sign-in, audit or risk record ({why})",
                    out.report.records
                ),
            });
            continue;
        }
        if let Err(e) = outputs.push(out) {
            input.error = Some(format!(
                "internal error while stacking the rows of this file ({e:#}); it was not loaded"
            ));
            return (input, FileOutput::default());
        }
    }
    (input, outputs)
}

/// First-seen-wins deduplication on (table, id) across the whole run.
///
/// Audit rows from the portal CSV have no id (ours is a content hash), so they cannot match
/// the same event from Graph or Azure Monitor by id. For audits a second key — correlation
/// id, activity, first target and the time to the second — catches those pairs; it only
/// ever merges when one side has a synthetic id, so distinct real events are never merged.
///
/// Keys are kept as 128-bit fingerprints, not strings: 16 bytes a record instead of the id
/// text and its allocation (about 80 MB per million records before). Two records are taken
/// for one only when all 128 bits agree; for 10⁹ distinct keys the chance that any two
/// collide is about 10⁻²¹, far below the chance of a disk error in the same run.
#[derive(Default)]
struct Dedupe {
    seen: BTreeMap<Table, HashSet<u128>>,
    /// Audit content key → whether the record kept for it had a synthetic id.
    content: std::collections::HashMap<u128, bool>,
}

/// A 128-bit fingerprint of a key: two SipHash passes with different fixed keys, so it is
/// the same on every run and every machine of this build.
fn fingerprint(key: &[u8]) -> u128 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    let hash = |salt: u8| {
        let b: BuildHasherDefault<DefaultHasher> = BuildHasherDefault::default();
        b.hash_one((salt, key))
    };
    (u128::from(hash(0x51)) << 64) | u128::from(hash(0xa7))
}

const SYNTHETIC: &str = "synthetic-";

impl Dedupe {
    /// Which rows of `df` are first sightings (true) rather than duplicates.
    fn mask(&mut self, table: Table, df: &DataFrame) -> Result<Vec<bool>> {
        let seen = self.seen.entry(table).or_default();
        let keys: Vec<&StringChunked> = table
            .dedupe_key()
            .iter()
            .map(|c| df.column(c).and_then(|c| c.str()))
            .collect::<PolarsResult<_>>()?;
        let content_cols = if table == Table::Audits {
            let s = |c: &str| df.column(c).and_then(|c| c.str()).cloned();
            let secs = df.column(col::TIME)?.datetime()?.physical().clone();
            Some((s("correlation_id")?, s("activity")?, s("target_id")?, secs, s(col::ID)?))
        } else {
            None
        };
        let mut key = String::new();
        let mut mask = Vec::with_capacity(df.height());
        for i in 0..df.height() {
            key.clear();
            for k in &keys {
                key.push_str(k.get(i).unwrap_or(""));
                key.push('\u{1f}');
            }
            let mut fresh = seen.insert(fingerprint(key.as_bytes()));
            if let (true, Some((corr, act, target, secs, ids))) = (fresh, &content_cols) {
                let synthetic = ids.get(i).is_some_and(|id| id.starts_with(SYNTHETIC));
                let ck = format!(
                    "{}\u{1f}{}\u{1f}{}\u{1f}{}",
                    corr.get(i).unwrap_or(""),
                    act.get(i).unwrap_or(""),
                    target.get(i).unwrap_or(""),
                    secs.get(i).map_or(String::new(), |t| t.div_euclid(1_000_000).to_string())
                );
                let ck = fingerprint(ck.as_bytes());
                match self.content.get(&ck) {
                    Some(kept_synthetic) if *kept_synthetic || synthetic => fresh = false,
                    Some(_) => {}
                    None => {
                        self.content.insert(ck, synthetic);
                    }
                }
            }
            mask.push(fresh);
        }
        Ok(mask)
    }
}

/// Fold a deduplicated frame into the table's counts, time range and per-day histogram.
fn summarise(s: &mut TableSummary, df: &DataFrame) -> Result<()> {
    s.loaded += df.height() as u64;
    let times = df.column(col::TIME)?.datetime()?.physical().clone();
    for t in times.iter() {
        match t {
            Some(t) => {
                s.first_us = Some(s.first_us.map_or(t, |f| f.min(t)));
                s.last_us = Some(s.last_us.map_or(t, |l| l.max(t)));
                *s.per_day.entry(t.div_euclid(86_400_000_000)).or_default() += 1;
            }
            None => s.without_time += 1,
        }
    }
    s.first = s.first_us.map(time::format_rfc3339);
    s.last = s.last_us.map(time::format_rfc3339);
    Ok(())
}

fn totals(r: &IngestReport) -> Totals {
    let mut t = Totals::default();
    for i in &r.inputs {
        t.files += 1;
        t.bytes += i.bytes;
        t.skipped_files += u64::from(i.error.is_some()) + i.skipped.len() as u64;
        for e in &i.entries {
            t.records += e.records;
            t.loaded += e.loaded;
            t.duplicate += e.duplicate;
            t.rejected += e.rejected;
            t.skipped += e.skipped();
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::MemorySink;

    #[test]
    fn a_panicking_reader_costs_one_file_and_the_run_goes_on() {
        let dir = std::env::temp_dir().join(format!("entrascope-panic-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let good =
            r#"{"id":"g1","createdDateTime":"2026-10-05T09:00:00Z","userPrincipalName":"a@x.example"}"#;
        std::fs::write(dir.join("a-good.json"), good).unwrap();
        std::fs::write(dir.join("deliberate-panic.json"), good.replace("g1", "g2")).unwrap();
        let mut sink = MemorySink::default();
        let r = run(std::slice::from_ref(&dir), &Options::default(), &mut sink).unwrap();
        assert_eq!(r.totals.loaded, 1);
        let bad = r.inputs.iter().find(|i| i.path.ends_with("deliberate-panic.json")).unwrap();
        let err = bad.error.as_deref().unwrap();
        assert!(err.contains("internal error") && err.contains("deliberately panicking"), "{err}");
        assert_eq!(r.skipped_files().len(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
