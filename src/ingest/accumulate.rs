//! Per-entry accounting: every record a reader finds ends here as a canonical row, a reject
//! (with position, reason and the first 500 bytes) or a skip (a log category entrascope
//! does not model). Readers locate records; [`EntryAcc`] classifies, maps and counts them,
//! so the "nothing lost" arithmetic lives in one place.

use std::collections::BTreeMap;

use anyhow::Result;
use polars::prelude::DataFrame;
use serde::Serialize;

use super::map::{classify, map_record, style, Kind, MapError, Provenance};
use super::raw::RawRecord;
use crate::schema::{Table, TableBuilders};

/// Where a record sits in its file: a line (NDJSON, CSV) or an element index (JSON arrays).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    Line(i64),
    Index(i64),
}

impl Position {
    pub fn ordinal(self) -> i64 {
        match self {
            Position::Line(n) | Position::Index(n) => n,
        }
    }
}

/// One rejected record, as written to `rejects.jsonl`.
#[derive(Debug, Clone, Serialize)]
pub struct Reject {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<i64>,
    pub byte_offset: u64,
    pub reason: String,
    /// The first 500 bytes of the record (lossy UTF-8).
    pub snippet: String,
}

/// Counts for one table within one entry.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub read: u64,
    pub loaded: u64,
    pub duplicate: u64,
}

/// What one readable entry (a file, or an archive member) held.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EntryReport {
    pub name: String,
    pub bytes: u64,
    /// Detected export shapes (`azure_monitor_ndjson`, `log_analytics_csv` …).
    pub formats: Vec<String>,
    pub records: u64,
    pub loaded: u64,
    pub duplicate: u64,
    pub rejected: u64,
    /// Records of log categories entrascope does not model, by category.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub skipped_categories: BTreeMap<String, u64>,
    pub tables: BTreeMap<&'static str, Counts>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl EntryReport {
    pub fn skipped(&self) -> u64 {
        self.skipped_categories.values().sum()
    }
}

/// The result of reading one entry.
pub struct EntryOutput {
    pub report: EntryReport,
    pub frames: [(Table, DataFrame); Table::COUNT],
    pub rejects: Vec<Reject>,
    /// Well-formed records that are none of the modelled kinds. When every record of an
    /// entry is one, the entry is not an export at all (a README, a ground-truth file).
    pub unrecognised: u64,
}

/// Accumulates one entry's rows and accounting.
pub struct EntryAcc {
    name: String,
    builders: TableBuilders,
    report: EntryReport,
    rejects: Vec<Reject>,
    unknown: u64,
    /// Records cut by ConvertTo-Json's default depth.
    ps_truncated: u64,
    /// (style, container, "style_container") of the last record.
    last_format: (&'static str, String, String),
    /// Where this accumulator's part starts in its entry (lines before it, byte offset), when
    /// a large NDJSON entry is read in parallel chunks: positions stay true to the file.
    line_base: i64,
    byte_base: u64,
    /// Records or rejects placed by element index rather than line (arrays, pages): their
    /// numbering runs across the whole file, so a part that has any cannot stand alone.
    index_positions: u64,
}

const SNIPPET_BYTES: usize = 500;

/// Whether a record was cut by PowerShell's ConvertTo-Json (default depth 2): its nested
/// objects are then the .NET type names of the Graph SDK models.
/// (A byte-wise window scan here once took a sixth of all ingest time: memmem's SIMD search
/// finds both marks in one pass over the record instead.)
fn ps_truncated(raw: &[u8]) -> bool {
    use std::sync::LazyLock;
    static MARKS: LazyLock<[memchr::memmem::Finder<'static>; 2]> = LazyLock::new(|| {
        [
            memchr::memmem::Finder::new(b"\"Microsoft.Graph.PowerShell.Models."),
            memchr::memmem::Finder::new(b"\"System.Collections.Hashtable\""),
        ]
    });
    MARKS.iter().any(|m| m.find(raw).is_some())
}

fn snippet(bytes: &[u8]) -> String {
    let mut end = bytes.len().min(SNIPPET_BYTES);
    while end > 0 && end < bytes.len() && (bytes[end] & 0xC0) == 0x80 {
        end -= 1; // do not cut a UTF-8 sequence in half
    }
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

impl EntryAcc {
    pub fn new(name: &str, bytes: u64) -> Self {
        EntryAcc {
            name: name.to_string(),
            builders: TableBuilders::for_bytes(bytes),
            report: EntryReport { name: name.to_string(), bytes, ..Default::default() },
            rejects: Vec::new(),
            unknown: 0,
            ps_truncated: 0,
            last_format: ("", String::new(), String::new()),
            line_base: 0,
            byte_base: 0,
            index_positions: 0,
        }
    }

    /// Whether any record or reject of this accumulator was placed by element index.
    pub fn used_index_positions(&self) -> bool {
        self.index_positions > 0
    }

    /// An accumulator for the part of an entry that starts after `lines` lines, at byte
    /// `offset`: line numbers and byte offsets of its records and rejects are the file's.
    pub fn part_of(name: &str, bytes: u64, lines: i64, offset: u64) -> Self {
        EntryAcc { line_base: lines, byte_base: offset, ..EntryAcc::new(name, bytes) }
    }

    fn rebase(&mut self, pos: Position, byte_offset: u64) -> (Position, u64) {
        if matches!(pos, Position::Index(_)) {
            self.index_positions += 1;
        }
        let pos = match pos {
            Position::Line(l) => Position::Line(l + self.line_base),
            other => other,
        };
        (pos, byte_offset + self.byte_base)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    fn note_format(&mut self, format: &str) {
        if !self.report.formats.iter().any(|f| f == format) {
            self.report.formats.push(format.to_string());
        }
    }

    /// Add a note shown in the manifest for this entry.
    pub fn note(&mut self, note: impl Into<String>) {
        self.report.notes.push(note.into());
    }

    /// One record found by a reader. `container` is the shape around it (`ndjson`, `array`,
    /// `page`, `records`, `csv`, `api`); `raw` is its bytes (for the reject snippet).
    pub fn record(
        &mut self,
        env: &RawRecord<'_>,
        container: &str,
        pos: Position,
        byte_offset: u64,
        raw: &[u8],
    ) {
        self.report.records += 1;
        if ps_truncated(raw) {
            self.ps_truncated += 1;
        }
        let (pos, byte_offset) = self.rebase(pos, byte_offset);
        let kind = classify(env);
        // The label changes rarely within a file: rebuild it only when it does.
        let st = style(env);
        if self.last_format.0 != st || self.last_format.1 != container {
            self.last_format = (st, container.to_string(), format!("{st}_{container}"));
            let label = self.last_format.2.clone();
            self.note_format(&label);
        }
        let prov = Provenance { file: &self.name, format: &self.last_format.2, record: pos.ordinal() };
        match map_record(env, &kind, prov) {
            Ok(row) => {
                let table = row.table();
                self.builders.push(&row);
                self.report.tables.entry(table.name()).or_default().read += 1;
            }
            Err(MapError::Skip(_)) => {
                let cat = match kind {
                    Kind::OtherCategory(c) => c,
                    _ => "other".to_string(),
                };
                *self.report.skipped_categories.entry(cat).or_default() += 1;
            }
            Err(MapError::Reject(reason)) => {
                if kind == Kind::Unknown {
                    self.unknown += 1;
                }
                self.push_reject(pos, byte_offset, reason, raw);
            }
        }
    }

    /// A well-formed record that is not an Entra log record at all (a row of an unrelated
    /// CSV). When every record of an entry is one, the entry is skipped as "not an export".
    pub fn unrecognised(&mut self, pos: Position, byte_offset: u64, reason: &str, raw: &[u8]) {
        self.report.records += 1;
        self.unknown += 1;
        let (pos, byte_offset) = self.rebase(pos, byte_offset);
        self.push_reject(pos, byte_offset, reason.to_string(), raw);
    }

    /// A record (or a stretch of bytes) that could not be read at all.
    pub fn reject(&mut self, pos: Position, byte_offset: u64, reason: impl Into<String>, raw: &[u8]) {
        self.report.records += 1;
        let (pos, byte_offset) = self.rebase(pos, byte_offset);
        self.push_reject(pos, byte_offset, reason.into(), raw);
    }

    fn push_reject(&mut self, pos: Position, byte_offset: u64, reason: String, raw: &[u8]) {
        self.report.rejected += 1;
        let (line, index) = match pos {
            Position::Line(l) => (Some(l), None),
            Position::Index(i) => (None, Some(i)),
        };
        self.rejects.push(Reject {
            file: self.name.clone(),
            line,
            index,
            byte_offset,
            reason,
            snippet: snippet(raw),
        });
    }

    /// One entry read as parallel parts (`part_of`), put back together in part order: the
    /// same rows, counts, formats and rejects as reading it whole.
    pub fn finish_parts(
        name: &str,
        bytes: u64,
        notes: Vec<String>,
        parts: Vec<EntryAcc>,
    ) -> Result<EntryOutput> {
        let mut whole = EntryAcc::new(name, 0);
        whole.report.bytes = bytes;
        whole.report.notes = notes;
        let mut per_table: Vec<Vec<DataFrame>> = (0..Table::COUNT).map(|_| Vec::new()).collect();
        for p in parts {
            let r = p.report;
            whole.report.records += r.records;
            whole.report.rejected += r.rejected;
            for f in r.formats {
                whole.note_format(&f);
            }
            for (c, n) in r.skipped_categories {
                *whole.report.skipped_categories.entry(c).or_default() += n;
            }
            for (t, c) in r.tables {
                whole.report.tables.entry(t).or_default().read += c.read;
            }
            for n in r.notes {
                if !whole.report.notes.contains(&n) {
                    whole.report.notes.push(n);
                }
            }
            whole.rejects.extend(p.rejects);
            whole.unknown += p.unknown;
            whole.ps_truncated += p.ps_truncated;
            for (i, (_, df)) in p.builders.finish().into_iter().enumerate() {
                per_table[i].push(df);
            }
        }
        let mut out = whole.finish();
        for ((_, df), pieces) in out.frames.iter_mut().zip(per_table) {
            let mut pieces = pieces.into_iter();
            if let Some(mut stacked) = pieces.next() {
                for piece in pieces {
                    stacked.vstack_mut_owned(piece)?;
                }
                *df = stacked;
            }
        }
        Ok(out)
    }

    pub fn finish(mut self) -> EntryOutput {
        if self.ps_truncated > 0 {
            self.report.notes.push(format!(
                "{} record(s) truncated by ConvertTo-Json -Depth (or Export-Csv): nested fields became \
                 .NET type names (Microsoft.Graph.PowerShell.Models.…) and are empty here; re-export \
                 with ConvertTo-Json -Depth 10",
                self.ps_truncated
            ));
        }
        EntryOutput {
            report: self.report,
            frames: self.builders.finish(),
            rejects: self.rejects,
            unrecognised: self.unknown,
        }
    }
}
