//! Writers: everything entrascope puts in an output directory besides the dataset.
//!
//! Log fields are hostile. CSV cells go through [`csv_cell`] (spreadsheet formula prefixes
//! neutralised); HTML goes through tera's autoescaping (templates named `*.html`, no `|safe`
//! on log-derived values).

pub mod findings;
pub mod html;
pub mod outputs;
pub mod timeline;

use std::borrow::Cow;
use std::path::Path;

use anyhow::{Context, Result};

/// Neutralise a CSV cell that a spreadsheet would run as a formula (`= + - @`, tab, CR):
/// prefix it with a single quote, as OWASP recommends.
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// Text of a frame cell for CSV and HTML tables: lists joined with `;`, times RFC 3339.
pub fn cell_text(v: polars::prelude::AnyValue<'_>) -> String {
    match crate::detect::finding::to_json(v.into_static()) {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s,
        serde_json::Value::Array(a) => a
            .iter()
            .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(";"),
        other => other.to_string(),
    }
}

/// A frame as a header and text rows.
pub fn frame_rows(df: &polars::prelude::DataFrame) -> (Vec<String>, Vec<Vec<String>>) {
    let header = df.get_column_names().iter().map(|s| s.to_string()).collect();
    let rows = (0..df.height())
        .map(|i| {
            df.columns()
                .iter()
                .map(|c| cell_text(c.get(i).unwrap_or(polars::prelude::AnyValue::Null)))
                .collect()
        })
        .collect();
    (header, rows)
}

/// Write rows to a CSV file with every cell neutralised.
pub fn write_csv(path: &Path, header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Result<()> {
    let mut w =
        csv::WriterBuilder::new().from_path(path).with_context(|| format!("creating {}", path.display()))?;
    let written = (|| -> Result<()> {
        w.write_record(header)?;
        for row in rows {
            w.write_record(row.iter().map(|c| csv_cell(c).into_owned()))?;
        }
        Ok(w.flush()?)
    })();
    written.map_err(|e| crate::fsio::failed(path, None, e))
}

/// Write one JSON object per line.
pub fn write_jsonl<T: serde::Serialize>(path: &Path, items: &[T]) -> Result<()> {
    use std::io::Write;
    let f = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut w = std::io::BufWriter::new(f);
    let written = (|| -> Result<()> {
        for it in items {
            serde_json::to_writer(&mut w, it)?;
            w.write_all(b"\n")?;
        }
        Ok(w.flush()?)
    })();
    written.map_err(|e| crate::fsio::failed(path, None, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        for s in ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(1)", "\tx", "\rx"] {
            assert!(csv_cell(s).starts_with('\''), "{s:?}");
        }
        assert_eq!(csv_cell("alice@contoso.com"), "alice@contoso.com");
        assert_eq!(csv_cell(""), "");
    }
}
