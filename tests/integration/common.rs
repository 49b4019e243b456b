//! Shared helpers for the integration tests.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use entrascope::dataset::MemorySink;
use entrascope::ingest::{self, IngestReport};
use entrascope::schema::Table;
use polars::prelude::DataFrame;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Small real public exports (Sentinel Training Lab, OTRF, Elastic fixtures), kept in the
/// repository with their provenance in `SOURCES.md`.
pub fn public_samples() -> PathBuf {
    repo().join("tests/fixtures/public-samples")
}

/// A fresh, empty scratch directory under the target dir.
pub fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = repo().join("target/test-scratch").join(format!(
        "{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Ingest in memory; returns the report and one frame per table.
pub fn load(paths: &[PathBuf]) -> (IngestReport, std::collections::BTreeMap<Table, DataFrame>) {
    let mut sink = MemorySink::default();
    let report = ingest::run(paths, &ingest::Options::default(), &mut sink).expect("ingest runs");
    (report, sink.into_tables().unwrap())
}

/// Text cells of one column, in row order.
pub fn strs(df: &DataFrame, col: &str) -> Vec<Option<String>> {
    df.column(col).unwrap().str().unwrap().iter().map(|s| s.map(str::to_string)).collect()
}

/// Every record of the run is accounted for exactly once.
pub fn assert_reconciled(r: &IngestReport) {
    let t = &r.totals;
    assert_eq!(t.records, t.loaded + t.duplicate + t.rejected + t.skipped, "{t:?}");
    let loaded: u64 = r.tables.values().map(|s| s.loaded).sum();
    assert_eq!(loaded, t.loaded);
    assert_eq!(r.rejects.len() as u64, t.rejected);
}

pub fn bin() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_entrascope"))
}
