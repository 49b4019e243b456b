//! JSON reader: one walker for every JSON shape Entra data arrives in.
//!
//! A file is a sequence of top-level values: NDJSON lines, one pretty-printed object, a bare
//! array, several arrays concatenated by PowerShell (`[…][…]`), Graph pages
//! (`{"value":[…]}`), Event Hub / old storage bodies (`{"records":[…]}`) or Log Analytics
//! query API results (`{"tables":[…]}`). The walker parses one value at a time straight into
//! [`RawRecord`] (no `serde_json::Value` tree on the hot path), steps into wrappers, and on a
//! syntax error rejects the damaged stretch and resynchronises at the next line that starts a
//! value — so a truncated last line of an open append blob costs one reject, not the file.

use serde::Deserialize;

use super::accumulate::{EntryAcc, Position};
use super::raw::RawRecord;

/// Read every record of a JSON file into `acc`.
pub fn read(buf: &[u8], acc: &mut EntryAcc) {
    let mut w = Walker { buf, lines: LineCounter::default(), index: 0 };
    w.top_level(acc);
}

struct Walker<'a> {
    buf: &'a [u8],
    lines: LineCounter,
    /// Element index across every array in the file.
    index: i64,
}

#[derive(Default)]
struct LineCounter {
    pos: usize,
    line: i64,
}

impl LineCounter {
    /// 1-based line of byte `target`; targets must not decrease.
    fn line_at(&mut self, buf: &[u8], target: usize) -> i64 {
        let target = target.min(buf.len());
        if target >= self.pos {
            self.line += buf[self.pos..target].iter().filter(|&&b| b == b'\n').count() as i64;
            self.pos = target;
        }
        self.line + 1
    }
}

fn skip_ws(buf: &[u8], mut pos: usize) -> usize {
    while pos < buf.len() && matches!(buf[pos], b' ' | b'\n' | b'\r' | b'\t') {
        pos += 1;
    }
    pos
}

/// How deeply top-level arrays may nest before the file is rejected as not an export.
const MAX_ARRAY_DEPTH: usize = 16;

/// Parse one value of type `T` starting at `pos`; returns it and the byte after it.
fn parse_at<'a, T: Deserialize<'a>>(buf: &'a [u8], pos: usize) -> Result<(T, usize), serde_json::Error> {
    let mut it = serde_json::Deserializer::from_slice(&buf[pos..]).into_iter::<T>();
    match it.next() {
        Some(Ok(v)) => Ok((v, pos + it.byte_offset())),
        Some(Err(e)) => Err(e),
        None => Err(serde::de::Error::custom("unexpected end of input")),
    }
}

/// The next line after `pos` whose first non-blank byte starts a JSON value (`{` or `[`).
fn next_value_line(buf: &[u8], pos: usize) -> usize {
    let mut i = pos;
    while let Some(nl) = buf[i..].iter().position(|&b| b == b'\n') {
        let start = i + nl + 1;
        let mut j = start;
        while j < buf.len() && matches!(buf[j], b' ' | b'\t' | b'\r') {
            j += 1;
        }
        if j < buf.len() && matches!(buf[j], b'{' | b'[') {
            return j;
        }
        i = start;
        if i >= buf.len() {
            break;
        }
    }
    buf.len()
}

/// Whether the file is NDJSON: its first line is one complete object and more follows.
fn looks_like_ndjson(buf: &[u8], start: usize) -> bool {
    let end = buf[start..].iter().position(|&b| b == b'\n').map(|n| start + n).unwrap_or(buf.len());
    let first = buf[start..end].trim_ascii();
    first.len() > 1 && first.starts_with(b"{") && first.ends_with(b"}") && skip_ws(buf, end) < buf.len()
}

impl<'a> Walker<'a> {
    fn top_level(&mut self, acc: &mut EntryAcc) {
        let buf = self.buf;
        let mut pos = if buf.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
        pos = skip_ws(buf, pos);
        let container = if looks_like_ndjson(buf, pos) { "ndjson" } else { "json" };
        loop {
            pos = skip_ws(buf, pos);
            if pos >= buf.len() {
                break;
            }
            pos = match buf[pos] {
                b'[' => match self.array(acc, pos, "array", 0) {
                    Some(end) => end,
                    None => break,
                },
                b'{' => {
                    let line = self.lines.line_at(buf, pos);
                    match parse_at::<RawRecord>(buf, pos) {
                        Ok((rec, end)) => {
                            if rec.is_wrapper() {
                                self.wrapper(acc, &rec, pos);
                            } else {
                                acc.record(&rec, container, Position::Line(line), pos as u64, &buf[pos..end]);
                            }
                            end
                        }
                        Err(e) => {
                            let next = next_value_line(buf, pos);
                            acc.reject(
                                Position::Line(line),
                                pos as u64,
                                format!("invalid JSON ({e}); skipped to the next line that starts a record"),
                                &buf[pos..next],
                            );
                            next
                        }
                    }
                }
                _ => {
                    let line = self.lines.line_at(buf, pos);
                    let next = next_value_line(buf, pos);
                    acc.reject(
                        Position::Line(line),
                        pos as u64,
                        "not JSON: expected '{' or '[' at the start of a record",
                        &buf[pos..next],
                    );
                    next
                }
            };
        }
    }

    /// Walk the array starting at `start`; returns the byte after it, or `None` when the
    /// array is broken and the rest of the file cannot be trusted.
    fn array(&mut self, acc: &mut EntryAcc, start: usize, container: &str, depth: usize) -> Option<usize> {
        let buf = self.buf;
        // Exports nest arrays at most twice (a page of pages); a deeper nest is hostile or
        // broken input, and following it would recurse without bound.
        if depth >= MAX_ARRAY_DEPTH {
            acc.reject(
                Position::Index(self.index),
                start as u64,
                format!("arrays nested deeper than {MAX_ARRAY_DEPTH} levels: not an export; the rest of the file was not read"),
                &buf[start..],
            );
            return None;
        }
        let mut pos = skip_ws(buf, start + 1);
        if pos < buf.len() && buf[pos] == b']' {
            return Some(pos + 1);
        }
        loop {
            pos = skip_ws(buf, pos);
            let index = self.index;
            if pos >= buf.len() {
                acc.reject(
                    Position::Index(index),
                    pos as u64,
                    "truncated JSON array: the file ends inside it",
                    b"",
                );
                return None;
            }
            match buf[pos] {
                b'{' => match parse_at::<RawRecord>(buf, pos) {
                    Ok((rec, end)) => {
                        if rec.is_wrapper() {
                            self.wrapper(acc, &rec, pos);
                        } else {
                            self.index += 1;
                            acc.record(&rec, container, Position::Index(index), pos as u64, &buf[pos..end]);
                        }
                        pos = end;
                    }
                    Err(e) => {
                        self.index += 1;
                        acc.reject(
                            Position::Index(index),
                            pos as u64,
                            format!("invalid JSON inside an array ({e}); the rest of the array was not read"),
                            &buf[pos..],
                        );
                        return None;
                    }
                },
                b'[' => pos = self.array(acc, pos, container, depth + 1)?,
                _ => {
                    self.index += 1;
                    let end = buf[pos..]
                        .iter()
                        .position(|&b| b == b',' || b == b']')
                        .map_or(buf.len(), |n| pos + n);
                    acc.reject(
                        Position::Index(index),
                        pos as u64,
                        "array element is not an object",
                        &buf[pos..end],
                    );
                    pos = end;
                }
            }
            pos = skip_ws(buf, pos);
            match buf.get(pos) {
                Some(b',') => pos += 1,
                Some(b']') => return Some(pos + 1),
                _ => {
                    acc.reject(
                        Position::Index(self.index),
                        pos as u64,
                        "invalid JSON array: expected ',' or ']'; the rest of the array was not read",
                        &buf[pos.min(buf.len())..],
                    );
                    return None;
                }
            }
        }
    }

    /// Offset of a borrowed raw value inside the file buffer.
    fn offset_of(&self, raw: &serde_json::value::RawValue) -> usize {
        raw.get().as_ptr() as usize - self.buf.as_ptr() as usize
    }

    /// Step into a Graph page, an Event Hub / storage body or a Log Analytics API result.
    fn wrapper(&mut self, acc: &mut EntryAcc, rec: &RawRecord<'a>, pos: usize) {
        for (raw, container) in [(rec.value, "page"), (rec.records, "records")] {
            let Some(raw) = raw else { continue };
            let at = self.offset_of(raw);
            match self.buf[at] {
                b'[' => {
                    self.array(acc, at, container, 1);
                }
                b'{' => {
                    if let Ok((inner, end)) = parse_at::<RawRecord>(self.buf, at) {
                        let index = self.index;
                        self.index += 1;
                        acc.record(&inner, container, Position::Index(index), at as u64, &self.buf[at..end]);
                    }
                }
                _ => acc.note(format!("a '{container}' member at byte {pos} holds no records")),
            }
        }
        if let Some(raw) = rec.tables {
            self.la_api(acc, raw);
        }
    }

    /// `{"tables":[{"name","columns":[{"name","type"}],"rows":[[…]]}]}`: rows become objects
    /// keyed by column name, then the same record mapping as everything else.
    fn la_api(&mut self, acc: &mut EntryAcc, raw: &serde_json::value::RawValue) {
        #[derive(Deserialize)]
        struct Column {
            name: String,
        }
        #[derive(Deserialize)]
        struct LaTable {
            columns: Vec<Column>,
            rows: Vec<Vec<serde_json::Value>>,
        }
        let at = self.offset_of(raw) as u64;
        let tables: Vec<LaTable> = match serde_json::from_str(raw.get()) {
            Ok(t) => t,
            Err(e) => {
                acc.reject(
                    Position::Index(self.index),
                    at,
                    format!("invalid Log Analytics API result ({e})"),
                    raw.get().as_bytes(),
                );
                return;
            }
        };
        for table in tables {
            for row in table.rows {
                let index = self.index;
                self.index += 1;
                if row.len() != table.columns.len() {
                    acc.reject(
                        Position::Index(index),
                        at,
                        format!(
                            "row has {} cells but the table has {} columns",
                            row.len(),
                            table.columns.len()
                        ),
                        serde_json::Value::Array(row).to_string().as_bytes(),
                    );
                    continue;
                }
                let obj: serde_json::Map<String, serde_json::Value> = table
                    .columns
                    .iter()
                    .zip(row)
                    .filter(|(c, v)| !v.is_null() && !is_wrapper_key(&c.name))
                    .map(|(c, v)| (c.name.clone(), v))
                    .collect();
                let value = serde_json::Value::Object(obj);
                match RawRecord::deserialize(&value) {
                    Ok(rec) => {
                        acc.record(&rec, "api", Position::Index(index), at, value.to_string().as_bytes())
                    }
                    Err(e) => acc.reject(
                        Position::Index(index),
                        at,
                        format!("unreadable row ({e})"),
                        value.to_string().as_bytes(),
                    ),
                }
            }
        }
    }
}

/// Column names that would be mistaken for page wrappers when a row is re-read as an object.
pub fn is_wrapper_key(name: &str) -> bool {
    matches!(name.to_ascii_lowercase().as_str(), "value" | "records" | "tables" | "properties")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Table;

    fn run(text: &str) -> (super::super::accumulate::EntryOutput, usize) {
        let mut acc = EntryAcc::new("t.json", text.len() as u64);
        read(text.as_bytes(), &mut acc);
        let out = acc.finish();
        let signins = out.frames.iter().find(|(t, _)| *t == Table::SignIns).unwrap().1.height();
        (out, signins)
    }

    const A: &str = r#"{"id":"a","createdDateTime":"2024-05-01T10:00:00Z","userId":"u"}"#;
    const B: &str = r#"{"id":"b","createdDateTime":"2024-05-01T10:00:01Z","userId":"u"}"#;

    #[test]
    fn every_graph_shape() {
        let shapes = [
            format!("{A}\n{B}\n"),
            format!("[{A},{B}]"),
            format!("[\n  {A},\n  {B}\n]\n"),
            format!("[{A}][{B}]"),
            format!("\u{feff}[{A}]\r\n[{B}]"),
            format!(r#"{{"@odata.context":"x","value":[{A},{B}],"@odata.nextLink":"y"}}"#),
            format!(r#"{{"records":[{A},{B}]}}"#),
        ];
        for s in &shapes {
            let (out, n) = run(s);
            assert_eq!((n, out.report.rejected), (2, 0), "{s}");
        }
        let (out, n) = run("{\n  \"id\": \"solo\",\n  \"createdDateTime\": \"2024-05-01T10:00:00Z\"\n}");
        assert_eq!((n, out.report.rejected), (1, 0));
    }

    #[test]
    fn truncated_last_line_is_one_reject() {
        let text = format!("{A}\n{B}\n{{\"id\":\"c\",\"createdDa");
        let (out, n) = run(&text);
        assert_eq!((n, out.report.rejected, out.report.records), (2, 1, 3));
        assert_eq!(out.rejects[0].line, Some(3));
    }

    #[test]
    fn broken_line_in_the_middle_does_not_lose_the_rest() {
        let text = format!("{A}\n{{\"id\": oops}}\n{B}\n");
        let (out, n) = run(&text);
        assert_eq!((n, out.report.rejected), (2, 1));
    }

    #[test]
    fn broken_array_rejects_and_stops() {
        let (out, n) = run(&format!("[{A},{{\"id\":\"x\"  \"y\"}},{B}]"));
        assert_eq!(n, 1);
        assert_eq!(out.report.rejected, 1);
    }

    #[test]
    fn deeply_nested_input_is_one_reject_not_a_crash() {
        // 200,000 nested arrays used to overflow the stack and abort the whole run.
        let (out, n) = run(&"[".repeat(200_000));
        assert_eq!((n, out.report.rejected), (0, 1));
        assert!(out.rejects[0].reason.contains("nested deeper"), "{}", out.rejects[0].reason);
        // Objects nested past serde_json's recursion limit are a reject too.
        let deep = format!("{}{}", r#"{"value":"#.repeat(50_000), "1");
        let (out, n) = run(&deep);
        assert_eq!((n, out.report.rejected), (0, 1));
        // Arrays of records nested a few levels still load.
        let (out, n) = run(&format!("[[[{A}]],[{B}]]"));
        assert_eq!((n, out.report.rejected), (2, 0));
    }

    #[test]
    fn log_analytics_api_rows() {
        let text = r#"{"tables":[{"name":"PrimaryResult","columns":[{"name":"TimeGenerated","type":"datetime"},{"name":"Id","type":"string"},{"name":"Type","type":"string"},{"name":"Status","type":"dynamic"}],
            "rows":[["2024-05-01T10:00:00Z","x","SigninLogs","{\"errorCode\":0}"],["2024-05-01T10:00:00Z","y","SigninLogs"]]}]}"#;
        let (out, n) = run(text);
        assert_eq!((n, out.report.rejected), (1, 1));
        assert_eq!(out.report.formats, vec!["log_analytics_api".to_string()]);
    }
}
