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

use super::accumulate::{EntryAcc, EntryOutput, Position};
use super::raw::RawRecord;

/// Read every record of a JSON file into `acc`.
pub fn read(buf: &[u8], acc: &mut EntryAcc) {
    let mut w = Walker {
        buf,
        text: std::str::from_utf8(buf).ok(),
        lines: LineCounter::default(),
        index: 0,
        ndjson: false,
    };
    w.top_level(acc);
}

/// The reference path: the same walk with every string validated by serde_json one by one
/// (no whole-buffer UTF-8 shortcut). The fuzz tests check the fast path gives identical
/// rows and rejects.
pub fn read_reference(buf: &[u8], acc: &mut EntryAcc) {
    let mut w = Walker { buf, text: None, lines: LineCounter::default(), index: 0, ndjson: false };
    w.top_level(acc);
}

/// Read one part of an NDJSON file (from [`ndjson_parts`]) into `acc` (made with
/// `EntryAcc::part_of`, which keeps line numbers and offsets true to the whole file).
pub fn read_ndjson_part(buf: &[u8], acc: &mut EntryAcc) {
    let text = std::str::from_utf8(buf).ok();
    let mut w = Walker { buf, text, lines: LineCounter::default(), index: 0, ndjson: true };
    w.top_level(acc);
}

/// Split a large NDJSON file into line-aligned parts of about `target` bytes so that one
/// big PT1H.json or Event Hub capture uses every core: `(start, end, lines before start)`.
/// `None` when the file is not NDJSON or too small to be worth it. A part always starts at
/// a line whose first byte opens an object, so no record is cut.
pub fn ndjson_parts(buf: &[u8], target: usize) -> Option<Vec<(usize, usize, i64)>> {
    let first = if buf.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let first = skip_ws(buf, first);
    if buf.len() < 2 * target || !looks_like_ndjson(buf, first) {
        return None;
    }
    let mut parts = Vec::new();
    let (mut start, mut lines_at_start) = (0usize, 0i64);
    let mut cursor = target;
    while cursor < buf.len() {
        // the next newline after the cursor that is followed by an object
        let Some(nl) = buf[cursor..].iter().position(|&b| b == b'\n').map(|n| cursor + n) else { break };
        let next = nl + 1;
        if next >= buf.len() {
            break;
        }
        if buf[next] != b'{' {
            cursor = next;
            continue;
        }
        parts.push((start, next, lines_at_start));
        lines_at_start += buf[start..next].iter().filter(|&&b| b == b'\n').count() as i64;
        start = next;
        cursor = next + target;
    }
    parts.push((start, buf.len(), lines_at_start));
    (parts.len() > 1).then_some(parts)
}

/// Read a large NDJSON entry in parallel parts and join them: `None` when the entry is not
/// NDJSON, too small, or holds records placed by element index (a line that is an array or
/// a `{"records":[…]}` page — their numbering runs across the whole file), in which case the
/// caller reads it whole. The result equals a whole read: rows, counts, lines, offsets.
pub fn read_in_parts(
    name: &str,
    buf: &[u8],
    notes: Vec<String>,
    target: usize,
) -> Option<anyhow::Result<EntryOutput>> {
    use rayon::prelude::*;
    let parts = ndjson_parts(buf, target)?;
    let accs: Vec<EntryAcc> = parts
        .par_iter()
        .map(|&(start, end, lines)| {
            let mut part = EntryAcc::part_of(name, (end - start) as u64, lines, start as u64);
            read_ndjson_part(&buf[start..end], &mut part);
            part
        })
        .collect();
    if accs.iter().any(EntryAcc::used_index_positions) {
        return None;
    }
    Some(EntryAcc::finish_parts(name, buf.len() as u64, notes, accs))
}

struct Walker<'a> {
    buf: &'a [u8],
    /// `buf` as text when it is valid UTF-8 (it is, after the source layer's repair).
    text: Option<&'a str>,
    lines: LineCounter,
    /// Element index across every array in the file.
    index: i64,
    /// A part of an NDJSON file: the container is known even when the part is one line.
    ndjson: bool,
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

/// Parse one value of type `T` starting at `pos`; returns it and the byte after it. When the
/// whole buffer is known to be UTF-8 (`text`, checked once per file — the source layer
/// repairs invalid sequences before this), strings are not validated again one by one.
fn parse_at<'a, T: Deserialize<'a>>(
    buf: &'a [u8],
    text: Option<&'a str>,
    pos: usize,
) -> Result<(T, usize), serde_json::Error> {
    fn first<'a, R: serde_json::de::Read<'a>, T: Deserialize<'a>>(
        mut it: serde_json::StreamDeserializer<'a, R, T>,
        pos: usize,
    ) -> Result<(T, usize), serde_json::Error> {
        match it.next() {
            Some(Ok(v)) => Ok((v, pos + it.byte_offset())),
            Some(Err(e)) => Err(e),
            None => Err(serde::de::Error::custom("unexpected end of input")),
        }
    }
    // `pos` is always at an ASCII byte ('{' or '['), so a char boundary of `text`.
    match text.and_then(|t| t.get(pos..)) {
        Some(rest) => first(serde_json::Deserializer::from_str(rest).into_iter::<T>(), pos),
        None => first(serde_json::Deserializer::from_slice(&buf[pos..]).into_iter::<T>(), pos),
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
        let container = if self.ndjson || looks_like_ndjson(buf, pos) { "ndjson" } else { "json" };
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
                    match parse_at::<RawRecord>(buf, self.text, pos) {
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
                b'{' => match parse_at::<RawRecord>(buf, self.text, pos) {
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
                    if let Ok((inner, end)) = parse_at::<RawRecord>(self.buf, self.text, at) {
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

    /// A big NDJSON file read in parallel parts gives exactly what reading it whole gives:
    /// rows in order, counts, formats, and rejects at the same lines and byte offsets —
    /// over real records of every category, with damaged and blank lines between them, and
    /// parts small enough that almost every line is a boundary.
    #[test]
    fn ndjson_parts_read_exactly_like_the_whole_file() {
        let real = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real");
        let mut text = String::from("\u{feff}");
        let mut n = 0;
        for dir in ["sekoia", "elastic-integrations", "graph2otel", "panther"] {
            let mut files: Vec<_> =
                std::fs::read_dir(real.join(dir)).unwrap().map(|e| e.unwrap().path()).collect();
            files.sort();
            for f in files {
                for line in std::fs::read_to_string(&f).unwrap().lines() {
                    text.push_str(line);
                    text.push('\n');
                    n += 1;
                    match n % 17 {
                        3 => text.push_str("{\"id\": \"cut off\n"),
                        7 => text.push_str("\n   \n"),
                        11 => text.push_str("not json at all\n"),
                        _ => {}
                    }
                }
            }
        }
        let buf = text.as_bytes();
        let mut whole = EntryAcc::new("big.json", buf.len() as u64);
        read(buf, &mut whole);
        let whole = whole.finish();
        for target in [700, 4096, 50_000] {
            let parts = ndjson_parts(buf, target).expect("split");
            assert!(parts.len() > 2, "{target}: {} parts", parts.len());
            let accs = parts
                .iter()
                .map(|&(s, e, lines)| {
                    let mut a = EntryAcc::part_of("big.json", (e - s) as u64, lines, s as u64);
                    read_ndjson_part(&buf[s..e], &mut a);
                    a
                })
                .collect();
            let got = EntryAcc::finish_parts("big.json", buf.len() as u64, Vec::new(), accs).unwrap();
            let r = |o: &super::super::accumulate::EntryOutput| {
                (
                    o.report.records,
                    o.report.rejected,
                    o.report.formats.clone(),
                    o.report.tables.clone(),
                    o.unrecognised,
                )
            };
            assert_eq!(r(&got), r(&whole), "{target}");
            let rj = |o: &super::super::accumulate::EntryOutput| {
                o.rejects.iter().map(|x| (x.line, x.byte_offset, x.reason.clone())).collect::<Vec<_>>()
            };
            assert_eq!(rj(&got), rj(&whole), "{target}");
            for ((t, a), (_, b)) in got.frames.iter().zip(whole.frames.iter()) {
                assert!(a.equals_missing(b), "{target}: {} differs", t.name());
            }
        }
        assert!(whole.report.rejected >= 3 && whole.frames[0].1.height() > 20, "{:?}", whole.report);
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
