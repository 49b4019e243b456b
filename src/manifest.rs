//! `manifest.json`: the chain of custody of a run — tool version, command line, every input
//! with size, SHA-256, detected format and counts, per-table time ranges, skipped files and
//! gaps. Only `generated_at` changes between two runs on the same inputs.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::ingest::accumulate::Reject;
use crate::ingest::source::Skipped;
use crate::ingest::{IngestReport, InputReport, TableSummary, Totals};
use crate::schema::Table;

#[derive(Serialize)]
struct Manifest<'r> {
    tool: &'static str,
    version: &'static str,
    command: Vec<String>,
    generated_at: String,
    totals: &'r Totals,
    tables: &'r std::collections::BTreeMap<&'static str, TableSummary>,
    gaps: std::collections::BTreeMap<&'static str, Vec<String>>,
    skipped_categories: &'r std::collections::BTreeMap<String, u64>,
    skipped_files: Vec<Skipped>,
    inputs: &'r [InputReport],
}

/// Write `manifest.json` into `dir`.
pub fn write(dir: &Path, report: &IngestReport) -> Result<()> {
    write_with(dir, report, serde_json::Value::Null)
}

/// The ingest manifest as JSON (what `analyze` shows as chain of custody).
pub fn ingest_json(report: &IngestReport) -> Result<serde_json::Value> {
    let gaps: std::collections::BTreeMap<&str, Vec<String>> =
        Table::ALL.iter().map(|t| (t.name(), report.gaps(*t))).filter(|(_, g)| !g.is_empty()).collect();
    Ok(serde_json::json!({
        "totals": report.totals,
        "tables": report.tables,
        "gaps": gaps,
        "skipped_categories": report.skipped_categories,
        "skipped_files": report.skipped_files(),
        "inputs": report.inputs,
    }))
}

/// Where the analysed data came from: the ingest of raw inputs, or the dataset's manifest.
pub fn custody_json(ds: &crate::dataset::Dataset) -> Result<serde_json::Value> {
    Ok(match (&ds.report, &ds.manifest) {
        (Some(r), _) => ingest_json(r)?,
        (None, Some(m)) => m.clone(),
        (None, None) => serde_json::Value::Null,
    })
}

/// Write `manifest.json` with extra top-level sections (rules run, outputs …).
pub fn write_with(dir: &Path, report: &IngestReport, extra: serde_json::Value) -> Result<()> {
    let gaps =
        Table::ALL.iter().map(|t| (t.name(), report.gaps(*t))).filter(|(_, g)| !g.is_empty()).collect();
    let m = Manifest {
        tool: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
        command: std::env::args().collect(),
        generated_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        totals: &report.totals,
        tables: &report.tables,
        gaps,
        skipped_categories: &report.skipped_categories,
        skipped_files: report.skipped_files(),
        inputs: &report.inputs,
    };
    let mut value = serde_json::to_value(&m)?;
    if let (serde_json::Value::Object(base), serde_json::Value::Object(more)) = (&mut value, extra) {
        base.extend(more);
    }
    let path = dir.join(crate::dataset::MANIFEST);
    let text = serde_json::to_string_pretty(&value)?;
    crate::fsio::write(&path, text + "\n")
}

/// Write `rejects.jsonl` into `dir` (an empty file when nothing was rejected).
pub fn write_rejects(dir: &Path, rejects: &[Reject]) -> Result<()> {
    let path = dir.join(crate::dataset::REJECTS);
    let f = std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    let mut w = std::io::BufWriter::new(f);
    for r in rejects {
        serde_json::to_writer(&mut w, r)?;
        w.write_all(b"\n")?;
    }
    w.flush().map_err(|e| crate::fsio::failed(&path, None, e))
}

/// Write `manifest.json` from sections built by a command, adding tool, version, command
/// line and the run timestamp (the only field that differs between identical runs).
pub fn write_value(dir: &Path, sections: serde_json::Value) -> Result<()> {
    let mut value = serde_json::json!({
        "tool": env!("CARGO_PKG_NAME"),
        "version": env!("CARGO_PKG_VERSION"),
        "command": std::env::args().collect::<Vec<_>>(),
        "generated_at": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    });
    if let (serde_json::Value::Object(base), serde_json::Value::Object(more)) = (&mut value, sections) {
        base.extend(more);
    }
    let path = dir.join(crate::dataset::MANIFEST);
    crate::fsio::write(&path, serde_json::to_string_pretty(&value)? + "\n")
}
