//! Finding inputs and opening containers.
//!
//! Inputs are files, directories (walked recursively, in sorted order so runs are
//! reproducible) and archives. Archives (`.zip`, `.gz`, `.tar`, `.tar.gz`/`.tgz`) are read in
//! memory — nothing is ever extracted to disk, so an entry name is only a label and can
//! never escape anywhere; names that try (`../`, absolute paths) are refused all the same,
//! because they are a sign of a tampered archive. Archives may nest once (a zip of gz
//! files). Every decompressed byte is charged to one shared [`Budget`], so a zip bomb stops
//! with a clear error at the configured limit instead of exhausting memory.

use std::fs;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{bail, Context, Result};

/// One input file found on disk.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: PathBuf,
    /// Path as shown in reports and `source_file` (as the user gave it, joined with the
    /// walked relative path).
    pub display: String,
    pub size: u64,
    /// Why the file (or directory) cannot be read, found while walking: listed as skipped
    /// with this reason instead of stopping the run.
    pub unreadable: Option<String>,
}

/// Walk the given paths into a sorted, de-duplicated list of files.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<InputFile>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = fs::metadata(p).with_context(|| {
            format!("cannot read input {}; check the path exists and is readable", p.display())
        })?;
        if meta.is_dir() {
            walk(p, &mut out).with_context(|| format!("walking directory {}", p.display()))?;
        } else {
            out.push(InputFile {
                path: p.clone(),
                display: p.display().to_string(),
                size: meta.len(),
                unreadable: None,
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out.dedup_by(|a, b| a.path == b.path);
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<InputFile>) -> Result<()> {
    let unreadable = |path: &Path, e: std::io::Error| InputFile {
        display: path.display().to_string(),
        path: path.to_path_buf(),
        size: 0,
        unreadable: Some(format!("cannot read {}: {e}; check its permissions", path.display())),
    };
    let entries: Vec<_> = match fs::read_dir(dir) {
        Ok(it) => it.filter_map(|e| e.ok()).collect(),
        Err(e) => {
            out.push(unreadable(dir, e));
            return Ok(());
        }
    };
    let mut entries = entries;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            walk(&path, out)?;
        } else if ft.is_file() {
            match e.metadata().and_then(|m| fs::File::open(&path).map(|_| m.len())) {
                Ok(size) => {
                    out.push(InputFile { display: path.display().to_string(), path, size, unreadable: None })
                }
                Err(err) => out.push(unreadable(&path, err)),
            }
        }
        // Symlinks are not followed: an export tree has none, and a loop would hang the walk.
    }
    Ok(())
}

/// The bytes a run may decompress in total, shared by all threads.
pub struct Budget {
    remaining: AtomicU64,
    pub limit: u64,
}

impl Budget {
    pub fn new(limit: u64) -> Self {
        Budget { remaining: AtomicU64::new(limit), limit }
    }

    /// Read `r` to the end, charging every byte; fails once the budget is spent.
    fn read_all(&self, mut r: impl Read, what: &str) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut chunk = vec![0u8; 1 << 16];
        loop {
            let n = r.read(&mut chunk).with_context(|| format!("decompressing {what}"))?;
            if n == 0 {
                return Ok(out);
            }
            let prev = self.remaining.fetch_sub(n as u64, Ordering::Relaxed);
            if prev < n as u64 {
                self.remaining.store(0, Ordering::Relaxed);
                bail!(
                    "{what} expands beyond the decompression limit of {} (a zip bomb, or a genuinely huge export); raise it with --max-expand if the archive is trusted",
                    human_bytes(self.limit)
                );
            }
            out.extend_from_slice(&chunk[..n]);
        }
    }
}

pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// What the first bytes say a blob is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    Zip,
    Gzip,
    Tar,
    Avro,
    Json,
    Csv,
    /// UTF-16 text: transcoded, then sniffed again.
    Utf16,
    Unknown,
}

pub fn sniff(name: &str, bytes: &[u8]) -> Content {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Content::Zip;
    }
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Content::Gzip;
    }
    if bytes.len() > 262 && &bytes[257..262] == b"ustar" {
        return Content::Tar;
    }
    if bytes.starts_with(b"Obj\x01") {
        return Content::Avro;
    }
    if detect_encoding(bytes) != Encoding::Utf8 {
        return Content::Utf16;
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = text.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        Some(b'{') | Some(b'[') => Content::Json,
        Some(_) => {
            let line_end = text.iter().position(|&b| b == b'\n').unwrap_or(text.len());
            let line = &text[..line_end];
            let lower = name.to_ascii_lowercase();
            if lower.ends_with(".csv") || (line.contains(&b',') && std::str::from_utf8(line).is_ok()) {
                Content::Csv
            } else {
                Content::Unknown
            }
        }
        None => Content::Unknown,
    }
}

/// A readable blob: a plain file, or a member of an archive, as UTF-8.
pub struct Entry {
    pub name: String,
    pub bytes: Vec<u8>,
    pub content: Content,
    /// What was done to read it (transcoded from UTF-16, invalid UTF-8 replaced …).
    pub notes: Vec<String>,
}

/// The text encoding of an export, from its byte-order mark or, without one, from the NUL
/// pattern of UTF-16 (Windows PowerShell 5.1's `Out-File` and `>` write UTF-16LE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
}

pub fn detect_encoding(bytes: &[u8]) -> Encoding {
    if bytes.starts_with(&[0xFF, 0xFE]) {
        return Encoding::Utf16Le;
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return Encoding::Utf16Be;
    }
    // ASCII text in UTF-16 has a NUL in every other byte.
    let head = &bytes[..bytes.len().min(512) & !1];
    if head.len() >= 4 {
        let pairs = head.len() / 2;
        let nul_odd = head.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
        let nul_even = head.iter().step_by(2).filter(|b| **b == 0).count();
        if nul_odd * 10 >= pairs * 9 && nul_even * 10 < pairs {
            return Encoding::Utf16Le;
        }
        if nul_even * 10 >= pairs * 9 && nul_odd * 10 < pairs {
            return Encoding::Utf16Be;
        }
    }
    Encoding::Utf8
}

/// Text as UTF-8, and what it took: UTF-16 is transcoded (a byte-order mark dropped, an odd
/// trailing byte and unpaired surrogates replaced), and invalid UTF-8 (a Windows-1252 portal
/// download) is replaced with U+FFFD and counted — never a crash, never a silent loss.
pub fn to_utf8(bytes: Vec<u8>) -> (Vec<u8>, Vec<String>) {
    let mut notes = Vec::new();
    let bytes = match detect_encoding(&bytes) {
        Encoding::Utf8 => bytes,
        enc => {
            let le = enc == Encoding::Utf16Le;
            let start =
                if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) { 2 } else { 0 };
            let units = bytes[start..].chunks(2).map(|c| match (c, le) {
                ([a, b], true) => u16::from_le_bytes([*a, *b]),
                ([a, b], false) => u16::from_be_bytes([*a, *b]),
                _ => 0xFFFD,
            });
            let mut out = String::with_capacity(bytes.len() / 2);
            let mut bad = 0usize;
            for ch in char::decode_utf16(units) {
                out.push(ch.unwrap_or_else(|_| {
                    bad += 1;
                    char::REPLACEMENT_CHARACTER
                }));
            }
            notes.push(format!(
                "transcoded from UTF-16{} (a Windows PowerShell 5.1 Out-File / > export){}",
                if le { "LE" } else { "BE" },
                if bad > 0 { format!("; {bad} unpaired surrogate(s) replaced") } else { String::new() }
            ));
            out.into_bytes()
        }
    };
    if std::str::from_utf8(&bytes).is_ok() {
        return (bytes, notes);
    }
    let mut text = String::with_capacity(bytes.len());
    let mut replaced = 0usize;
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            replaced += 1;
            text.push(char::REPLACEMENT_CHARACTER);
        }
    }
    notes.push(format!(
        "{replaced} invalid UTF-8 sequence(s) replaced with U+FFFD (a Windows-1252 export?); the rest of the file was read"
    ));
    (text.into_bytes(), notes)
}

/// An entry that was not read, and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Skipped {
    pub name: String,
    pub reason: String,
}

/// Archive member names are labels, never paths; refuse the ones that try to be.
fn unsafe_name(name: &str) -> Option<&'static str> {
    if name.contains('\0') {
        return Some("the name contains a NUL byte");
    }
    if name.starts_with('/')
        || name.starts_with('\\')
        || name.get(1..3) == Some(":\\")
        || name.get(1..3) == Some(":/")
    {
        return Some("the name is an absolute path");
    }
    if name.split(['/', '\\']).any(|c| c == "..") {
        return Some("the name climbs out of the archive with '..'");
    }
    None
}

/// Open `bytes` (named `name`) into readable entries, expanding containers up to `depth`.
pub fn expand(
    name: &str,
    bytes: Vec<u8>,
    depth: u8,
    budget: &Budget,
    out: &mut Vec<Entry>,
    skipped: &mut Vec<Skipped>,
) -> Result<()> {
    let content = sniff(name, &bytes);
    let nested_ok = depth < 2;
    match content {
        Content::Zip | Content::Gzip | Content::Tar if !nested_ok => {
            skipped.push(Skipped {
                name: name.into(),
                reason: "archive nested more than once; unpack it first".into(),
            });
        }
        Content::Zip => {
            let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
                .with_context(|| format!("{name} is not a readable zip archive"))?;
            let mut names: Vec<(String, usize)> =
                (0..zip.len()).filter_map(|i| zip.name_for_index(i).map(|n| (n.to_string(), i))).collect();
            names.sort();
            for (member, i) in names {
                let label = format!("{name}!{member}");
                if let Some(why) = unsafe_name(&member) {
                    skipped
                        .push(Skipped { name: label, reason: format!("unsafe archive entry name: {why}") });
                    continue;
                }
                let mut f = match zip.by_index(i) {
                    Ok(f) => f,
                    Err(e) => {
                        skipped.push(Skipped { name: label, reason: format!("unreadable zip entry ({e})") });
                        continue;
                    }
                };
                if f.is_dir() {
                    continue;
                }
                let data = budget.read_all(&mut f, &label)?;
                expand(&label, data, depth + 1, budget, out, skipped)?;
            }
        }
        Content::Gzip => {
            let data = budget.read_all(flate2::read::MultiGzDecoder::new(&bytes[..]), name)?;
            // A compressed tar keeps its real name in member labels (`x.tar.gz!member`), so
            // evidence cites a file that exists; a compressed single file is named by what is
            // inside (`x.json.gz` → `x.json`).
            let inner = if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
                name.to_string()
            } else {
                name.strip_suffix(".gz").unwrap_or(name).to_string()
            };
            expand(&inner, data, depth + 1, budget, out, skipped)?;
        }
        Content::Tar => {
            let mut ar = tar::Archive::new(Cursor::new(bytes));
            let mut members = Vec::new();
            for e in ar.entries().with_context(|| format!("{name} is not a readable tar archive"))? {
                let mut e = e.with_context(|| format!("reading {name}"))?;
                let member = String::from_utf8_lossy(&e.path_bytes()).into_owned();
                let label = format!("{name}!{member}");
                let kind = e.header().entry_type();
                if kind.is_dir() {
                    continue;
                }
                if !kind.is_file() {
                    // Hard and symbolic links, devices, FIFOs: never followed or read.
                    skipped.push(Skipped {
                        name: label,
                        reason: format!("tar entry of type {kind:?} (not a regular file): not read"),
                    });
                    continue;
                }
                if let Some(why) = unsafe_name(&member) {
                    skipped
                        .push(Skipped { name: label, reason: format!("unsafe archive entry name: {why}") });
                    continue;
                }
                members.push((label.clone(), budget.read_all(&mut e, &label)?));
            }
            members.sort_by(|a, b| a.0.cmp(&b.0));
            for (label, data) in members {
                expand(&label, data, depth + 1, budget, out, skipped)?;
            }
        }
        Content::Avro => skipped.push(Skipped {
            name: name.into(),
            reason: "Event Hubs Capture Avro is not supported yet; export the Body field as JSON".into(),
        }),
        Content::Unknown => skipped.push(Skipped {
            name: name.into(),
            reason: "not a recognised export (neither JSON, CSV nor an archive)".into(),
        }),
        Content::Json | Content::Csv => {
            let (bytes, notes) = to_utf8(bytes);
            out.push(Entry { name: name.into(), bytes, content, notes })
        }
        Content::Utf16 => {
            let (text, notes) = to_utf8(bytes);
            let content = sniff(name, &text);
            match content {
                Content::Json | Content::Csv => {
                    out.push(Entry { name: name.into(), bytes: text, content, notes })
                }
                _ => skipped.push(Skipped {
                    name: name.into(),
                    reason: "UTF-16 text that is neither JSON nor CSV: not a recognised export".into(),
                }),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (n, d) in files {
            w.start_file(*n, zip::write::SimpleFileOptions::default()).unwrap();
            w.write_all(d).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn gz_of(d: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(d).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn zip_of_gz_opens_once_nested() {
        let z = zip_of(&[("b.json.gz", &gz_of(b"{\"id\":1}\n")), ("a.csv", b"Id,Type\n")]);
        let (mut out, mut skipped) = (Vec::new(), Vec::new());
        expand("x.zip", z, 0, &Budget::new(1 << 20), &mut out, &mut skipped).unwrap();
        let names: Vec<_> = out.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, vec!["x.zip!a.csv", "x.zip!b.json"]);
        assert!(skipped.is_empty());
    }

    #[test]
    fn traversal_names_are_refused() {
        let z = zip_of(&[("../../etc/evil.json", b"{}"), ("ok.json", b"{}")]);
        let (mut out, mut skipped) = (Vec::new(), Vec::new());
        expand("x.zip", z, 0, &Budget::new(1 << 20), &mut out, &mut skipped).unwrap();
        assert_eq!(out.len(), 1);
        assert!(skipped[0].reason.contains("unsafe archive entry name"));
    }

    #[test]
    fn bombs_hit_the_budget() {
        let big = vec![b' '; 4 << 20];
        let z = zip_of(&[("bomb.json", &big)]);
        assert!(z.len() < 64 << 10, "the test bomb should compress well");
        let err =
            expand("bomb.zip", z, 0, &Budget::new(1 << 20), &mut Vec::new(), &mut Vec::new()).unwrap_err();
        assert!(err.to_string().contains("decompression limit"), "{err}");
    }

    #[test]
    fn bad_gzip_is_an_error_naming_the_file() {
        let mut g = gz_of(b"{\"id\":1}\n");
        g.truncate(g.len() / 2);
        let err =
            expand("x.json.gz", g, 0, &Budget::new(1 << 20), &mut Vec::new(), &mut Vec::new()).unwrap_err();
        assert!(format!("{err:#}").contains("x.json.gz"), "{err:#}");
    }

    #[test]
    fn sniffing() {
        assert_eq!(sniff("a", b"\xEF\xBB\xBF[{}]"), Content::Json);
        assert_eq!(sniff("a.log", b"  \n{\"a\":1}"), Content::Json);
        assert_eq!(sniff("a.csv", b"\xEF\xBB\xBFId,Type\n"), Content::Csv);
        assert_eq!(sniff("README.md", b"# Samples\nhello"), Content::Unknown);
    }
}
