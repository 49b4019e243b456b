//! Mutation fuzzing of every reader and parser that takes outside input: archive expansion
//! and sniffing, encodings, the JSON and CSV readers, time parsing, IP and CIDR parsing,
//! IOC files, the policy file and rule headers.
//!
//! Each target starts from a corpus of real inputs (`samples/`, the public samples, the rule
//! fixtures, the intel examples, the rules themselves) and applies stacked mutations: bit
//! flips, interesting bytes, deletions, duplications, splices with another seed, tokens of
//! the formats (wrappers, time strings, CSV quotes, BOMs, formula prefixes), deep nesting,
//! UTF-16 transcoding, truncation. A target must never panic, and the readers must keep
//! their accounting: every record is loaded, a duplicate, rejected or skipped, and the
//! frames hold exactly the loaded rows.
//!
//! Budget: `FUZZ_ITERS` inputs per target (default 400: seconds in CI), or `FUZZ_SECS`
//! seconds per target for long local runs (`FUZZ_SECS=900 cargo test --release --test
//! integration fuzz -- --nocapture`). `FUZZ_SEED` picks the sequence (default fixed, so CI
//! is reproducible; long runs print theirs). A failing input is written to
//! `target/fuzz-crashes/` and named in the failure; copy it to
//! `tests/fixtures/fuzz/<target>/` to keep it as a regression, replayed first on every run.
//!
//! Why not cargo-fuzz: it needs a nightly toolchain and a sanitizer-instrumented build of
//! polars (over half an hour per target on the 2-core CI), and CI runs stable. bolero's
//! stable engine draws random bytes rather than mutating the corpus, which rarely gets past
//! a JSON reader's first brace. This harness runs on stable inside `cargo test`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use entrascope::ingest::accumulate::{EntryAcc, EntryOutput};
use entrascope::ingest::source::{self, Budget, Content};
use entrascope::ingest::{csv, json, time};

use crate::common::repo;

/// xorshift64*: small, fast and reproducible from a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Tokens of the formats, so mutations reach past the first brace.
const TOKENS: &[&[u8]] = &[
    b"{\"value\":[",
    b"]}",
    b"{\"records\":[",
    b"\"properties\":{",
    b"\"category\":\"SignInLogs\",",
    b"\"category\":\"AuditLogs\",",
    b"\"createdDateTime\":\"",
    b"\"activityDateTime\":\"",
    b"\"TimeGenerated\":\"",
    b"2024-05-01T10:00:00Z",
    b"2024-05-01T10:00:00.1234567+02:00",
    b"5/1/2024, 10:00:00.000 AM",
    b"9999-99-99T99:99:99Z",
    b"-0",
    b"1e999",
    b"18446744073709551616",
    b"null",
    b"true",
    b"\"\\ud800\"",
    b"\"\\u0000\"",
    b"\\",
    b"\"",
    b",",
    b"\r\n",
    b"\n",
    b"\"\"",
    b"=cmd|' /C calc'!A0",
    b"TimeGenerated [UTC],Id,Type\n",
    b"#TYPE Microsoft.Graph.PowerShell.Models.MicrosoftGraphSignIn\n",
    b"Microsoft.Graph.PowerShell.Models.MicrosoftGraphSignInStatus",
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"\xFE\xFF",
    b"\x00",
    b"\xC3\x28",
    b"\xE2\x80\xAE",
    b"PK\x03\x04",
    b"\x1F\x8B\x08",
    b"../../",
    b"10.0.0.0/8",
    b"::ffff:1.2.3.4",
    b"2001:db8::/129",
    b"-- ---\n",
    b"{{min_failures}}",
];

fn mutate(rng: &mut Rng, input: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut b = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = b.len();
        match rng.below(10) {
            0 if len > 0 => {
                let i = rng.below(len);
                b[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                b[i] = [0u8, 0xff, b'"', b'{', b'[', b',', b'\n', b'\\', 0x80, 0xC3][rng.below(10)];
            }
            2 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(256));
                b.drain(i..i + n);
            }
            3 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(512));
                let chunk = b[i..i + n].to_vec();
                let at = rng.below(len + 1);
                b.splice(at..at, chunk);
            }
            4 | 5 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                let at = rng.below(len + 1);
                b.splice(at..at, t.iter().copied());
            }
            6 if !corpus.is_empty() => {
                let other = &corpus[rng.below(corpus.len())];
                let cut = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                b.truncate(cut);
                b.extend_from_slice(&other[from..]);
            }
            7 => {
                let at = rng.below(len + 1);
                let open = [b'[', b'{'][rng.below(2)];
                let n = [3usize, 70, 200, 5000][rng.below(4)];
                let nest: Vec<u8> = if open == b'{' { b"{\"a\":".repeat(n) } else { vec![b'['; n] };
                b.splice(at..at, nest);
            }
            8 => {
                // Transcode what is there to UTF-16 (with or without a byte-order mark).
                let text = String::from_utf8_lossy(&b).into_owned();
                let little = rng.below(2) == 0;
                let mut out = match (rng.below(2), little) {
                    (0, true) => vec![0xFF, 0xFE],
                    (0, false) => vec![0xFE, 0xFF],
                    _ => Vec::new(),
                };
                for u in text.encode_utf16() {
                    out.extend(if little { u.to_le_bytes() } else { u.to_be_bytes() });
                }
                b = out;
            }
            _ if len > 0 => b.truncate(rng.below(len)),
            _ => {}
        }
    }
    b
}

/// Small files of a kind under a directory (recursively), at most `max` of them.
fn files(dir: &Path, exts: &[&str], max: usize, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if out.len() >= max {
            return;
        }
        if p.is_dir() {
            files(&p, exts, max, out);
        } else if exts.iter().any(|e| p.to_string_lossy().ends_with(e))
            && p.metadata().is_ok_and(|m| m.len() <= 256 * 1024)
        {
            out.push(p);
        }
    }
}

fn read_all(paths: &[PathBuf]) -> Vec<Vec<u8>> {
    paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

fn export_corpus() -> Vec<Vec<u8>> {
    let r = repo();
    let mut p = Vec::new();
    let exts = [".json", ".jsonl", ".ndjson", ".csv", ".gz", ".zip", ".tar"];
    files(&r.join("tests/fixtures/public-samples"), &exts, 40, &mut p);
    files(&r.join("tests/fixtures/real"), &exts, 80, &mut p);
    files(&r.join("samples"), &exts, 110, &mut p);
    files(&r.join("tests/fixtures/rules"), &exts, 160, &mut p);
    // The shared public samples, when the checkout sits beside them (not in CI).
    files(&r.join("../shared/samples-public"), &exts, 200, &mut p);
    let mut c = read_all(&p);
    // Line-sized seeds too: mutations of one record explore the record paths faster.
    let lines: Vec<Vec<u8>> = c
        .iter()
        .filter(|b| b.first() == Some(&b'{'))
        .flat_map(|b| b.split(|x| *x == b'\n').take(2).map(<[u8]>::to_vec).collect::<Vec<_>>())
        .filter(|l| l.len() > 2)
        .collect();
    c.extend(lines);
    c.push(gz(br#"{"value":[{"id":"g","createdDateTime":"2024-05-01T10:00:00Z","userPrincipalName":"a@x.com","status":{"errorCode":0}}]}"#));
    c
}

fn gz(b: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    w.write_all(b).unwrap();
    w.finish().unwrap()
}

/// The readers' accounting must hold on any input: every record is read into a table,
/// skipped (a category not modelled) or rejected, and the frames hold exactly the rows read
/// (loaded and duplicate are decided later, across files).
fn check_entry(out: &EntryOutput) -> Result<(), String> {
    let r = &out.report;
    let read: u64 = r.tables.values().map(|c| c.read).sum();
    if r.records != read + r.rejected + r.skipped() {
        return Err(format!(
            "records {} != read {read} + rejected {} + skipped {}",
            r.records,
            r.rejected,
            r.skipped()
        ));
    }
    if out.rejects.len() as u64 != r.rejected {
        return Err(format!("{} reject entries for {} rejected", out.rejects.len(), r.rejected));
    }
    let rows: u64 = out.frames.iter().map(|(_, f)| f.height() as u64).sum();
    if rows != read {
        return Err(format!("frames hold {rows} rows for {read} read"));
    }
    Ok(())
}

/// Expand (sniff, decompress, transcode) and read every entry, as ingest does per file.
fn ingest_bytes(name: &str, bytes: &[u8]) -> Result<(), String> {
    let budget = Budget::new(8 << 20);
    let (mut entries, mut skipped) = (Vec::new(), Vec::new());
    if source::expand(name, bytes.to_vec(), 0, &budget, &mut entries, &mut skipped).is_err() {
        return Ok(()); // a refused archive: ingest reports it as one reject
    }
    for e in entries {
        let mut acc = EntryAcc::new(&e.name, e.bytes.len() as u64);
        match e.content {
            Content::Json => json::read(&e.bytes, &mut acc),
            Content::Csv => csv::read(&e.bytes, &e.name, &mut acc),
            other => return Err(format!("expand yielded a {other:?} entry")),
        }
        check_entry(&acc.finish())?;
    }
    Ok(())
}

fn read_json(bytes: &[u8]) -> Result<(), String> {
    let mut acc = EntryAcc::new("fuzz.json", bytes.len() as u64);
    json::read(bytes, &mut acc);
    check_entry(&acc.finish())
}

/// The fast paths of the JSON reader against the reference: the whole-buffer UTF-8
/// shortcut against serde_json's per-string checks, and parallel NDJSON parts against the
/// whole file. Before reading, each line's object is reshaped the way exports differ —
/// key case flipped, keys dropped, values turned into null, numbers, strings, lists or
/// objects — chosen from the bytes themselves, so every run is the same.
fn json_paths(bytes: &[u8]) -> Result<(), String> {
    let input = reshape(bytes);
    let out = |f: fn(&[u8], &mut EntryAcc)| {
        let mut acc = EntryAcc::new("fuzz.json", input.len() as u64);
        f(&input, &mut acc);
        acc.finish()
    };
    let (fast, reference) = (out(json::read), out(json::read_reference));
    same(&fast, &reference, "fast vs reference")?;
    if let Some(joined) = json::read_in_parts("fuzz.json", &input, Vec::new(), 256) {
        let joined = joined.map_err(|e| format!("joining parts: {e}"))?;
        same(&joined, &fast, "parts vs whole")?;
    }
    check_entry(&fast)
}

fn same(a: &EntryOutput, b: &EntryOutput, what: &str) -> Result<(), String> {
    let r = |o: &EntryOutput| (o.report.records, o.report.rejected, o.report.tables.clone(), o.unrecognised);
    if r(a) != r(b) {
        return Err(format!("{what}: counts differ: {:?} vs {:?}", r(a), r(b)));
    }
    let rj = |o: &EntryOutput| o.rejects.iter().map(|x| (x.line, x.index, x.byte_offset)).collect::<Vec<_>>();
    if rj(a) != rj(b) {
        return Err(format!("{what}: rejects differ: {:?} vs {:?}", rj(a), rj(b)));
    }
    for ((t, x), (_, y)) in a.frames.iter().zip(b.frames.iter()) {
        if !x.equals_missing(y) {
            return Err(format!("{what}: {} rows differ", t.name()));
        }
    }
    Ok(())
}

/// Reshape each line that is a JSON object (see `json_paths`); other lines stay as they are.
fn reshape(bytes: &[u8]) -> Vec<u8> {
    let mut seed =
        bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ *b as u64).wrapping_mul(0x100_0000_01b3));
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut out = Vec::with_capacity(bytes.len());
    for line in bytes.split(|&b| b == b'\n') {
        match serde_json::from_slice::<serde_json::Value>(line) {
            Ok(serde_json::Value::Object(mut m)) => {
                reshape_object(&mut m, &mut next, 0);
                out.extend_from_slice(serde_json::Value::Object(m).to_string().as_bytes());
            }
            _ => out.extend_from_slice(line),
        }
        out.push(b'\n');
    }
    out
}

fn reshape_object(
    m: &mut serde_json::Map<String, serde_json::Value>,
    next: &mut impl FnMut() -> u64,
    depth: usize,
) {
    use serde_json::Value;
    let keys: Vec<String> = m.keys().cloned().collect();
    for k in keys {
        let roll = next() % 16;
        let v = m.remove(&k).unwrap();
        let (k2, v2) = match roll {
            0 => (k.to_ascii_uppercase(), v),
            1 => {
                let mut c = k.chars();
                (c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default(), v)
            }
            2 => continue, // the key is missing
            3 => (k, Value::Null),
            4 => (k, Value::from(next() % 100_000)),
            5 => (k, Value::from(-1.5e300)),
            6 => (k, Value::Array(vec![v, Value::Bool(true)])),
            7 => (k, Value::String(v.to_string())), // JSON text inside a string, as Log Analytics writes it
            8 => (k, Value::String("\u{202e}é\u{0}".into())),
            _ => match v {
                Value::Object(mut inner) if depth < 3 => {
                    reshape_object(&mut inner, next, depth + 1);
                    (k, Value::Object(inner))
                }
                other => (k, other),
            },
        };
        m.insert(k2, v2);
    }
}

fn read_csv(bytes: &[u8]) -> Result<(), String> {
    let mut acc = EntryAcc::new("fuzz.csv", bytes.len() as u64);
    csv::read(bytes, "fuzz.csv", &mut acc);
    check_entry(&acc.finish())
}

fn parse_time(bytes: &[u8]) -> Result<(), String> {
    let s = String::from_utf8_lossy(bytes);
    if let Some(t) = time::parse_utc_micros(&s) {
        let text = time::format_rfc3339(t);
        if time::parse_utc_micros(&text) != Some(t) {
            return Err(format!("{s:?} parsed to {t}, printed as {text}, which does not parse back"));
        }
    }
    Ok(())
}

fn parse_net(bytes: &[u8]) -> Result<(), String> {
    use entrascope::enrich::net;
    for line in String::from_utf8_lossy(bytes).lines() {
        if let Some(ip) = net::parse_ip(line) {
            let _ = net::is_private(ip);
            let _ = net::prefix(line);
        }
        if let Some(c) = net::Cidr::parse(line) {
            if let Some(ip) = net::parse_ip(line.split('/').next().unwrap_or("")) {
                // The address a CIDR is written with lies inside it.
                if !c.contains(ip) {
                    return Err(format!("{line:?} does not contain its own address"));
                }
            }
        }
    }
    Ok(())
}

fn with_file(name: &str, bytes: &[u8], f: impl FnOnce(&Path)) {
    let dir = std::env::temp_dir().join(format!("entrascope-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    f(&p);
}

fn load_intel(bytes: &[u8]) -> Result<(), String> {
    with_file("iocs.csv", bytes, |p| {
        let _ = entrascope::enrich::intel::load(p);
    });
    Ok(())
}

fn load_policy(bytes: &[u8]) -> Result<(), String> {
    with_file("policy.toml", bytes, |p| {
        if let Ok(policy) = entrascope::policy::Policy::load(p) {
            let _ = policy.overlay(&policy.clone());
        }
    });
    Ok(())
}

fn parse_rule(bytes: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(bytes);
    if let Ok(rule) = entrascope::detect::rule::Rule::parse("fuzz.sql", &text) {
        if rule.validate().is_ok() {
            let _ = rule.render(&BTreeMap::new());
        }
    }
    Ok(())
}

type Target = fn(&[u8]) -> Result<(), String>;

/// Run one target over its regressions, its seeds and then mutations within the budget.
fn fuzz(name: &str, target: Target, corpus: Vec<Vec<u8>>) -> (u64, Vec<String>) {
    let iters: u64 = std::env::var("FUZZ_ITERS").ok().and_then(|v| v.parse().ok()).unwrap_or(400);
    let secs: Option<u64> = std::env::var("FUZZ_SECS").ok().and_then(|v| v.parse().ok());
    let seed: u64 = std::env::var("FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5EED_E17A);
    let mut rng = Rng(seed
        ^ name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3)));
    let mut failures = Vec::new();
    let run = |input: &[u8], failures: &mut Vec<String>| {
        let why = match entrascope::guard::catch(|| target(input)) {
            Ok(Ok(())) => return,
            Ok(Err(e)) => e,
            Err(panic) => format!("panic: {panic}"),
        };
        let dir = repo().join("target/fuzz-crashes");
        std::fs::create_dir_all(&dir).ok();
        let hash =
            input.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ *b as u64).wrapping_mul(0x100_0000_01b3));
        let path = dir.join(format!("{name}-{hash:016x}.bin"));
        std::fs::write(&path, input).ok();
        failures.push(format!("{name}: {why} (input kept at {})", path.display()));
    };
    let mut regress = Vec::new();
    files(&repo().join("tests/fixtures/fuzz").join(name), &[""], 10_000, &mut regress);
    let mut execs = 0u64;
    for input in read_all(&regress).iter().chain(corpus.iter()) {
        run(input, &mut failures);
        execs += 1;
    }
    let start = Instant::now();
    let mut i = 0u64;
    loop {
        let done = match secs {
            Some(s) => start.elapsed() >= Duration::from_secs(s),
            None => i >= iters,
        };
        if done || failures.len() >= 5 || corpus.is_empty() {
            break;
        }
        let pick = rng.below(corpus.len());
        let input = mutate(&mut rng, &corpus[pick], &corpus);
        run(&input, &mut failures);
        i += 1;
        execs += 1;
    }
    (execs, failures)
}

fn text_seeds(items: &[&str]) -> Vec<Vec<u8>> {
    items.iter().map(|s| s.as_bytes().to_vec()).collect()
}

#[test]
fn readers_and_parsers_survive_mutated_inputs() {
    let exports = export_corpus();
    assert!(exports.len() > 50, "the export corpus is missing: {} seeds", exports.len());
    let mut rules = Vec::new();
    files(&repo().join("queries"), &[".sql"], 400, &mut rules);
    let mut policies = Vec::new();
    files(&repo().join("tests/fixtures"), &["policy.toml"], 100, &mut policies);
    files(&repo().join("samples"), &[".toml"], 10, &mut policies);
    let mut intel = Vec::new();
    files(&repo().join("samples"), &["iocs.csv", ".txt", "intel.csv"], 10, &mut intel);
    files(&repo().join("tests/fixtures"), &["iocs.csv", "intel.csv", "iocs.txt"], 20, &mut intel);
    let mut intel = read_all(&intel);
    intel.extend(text_seeds(&[
        "type,value,label\nip,203.0.113.7,c2\ncidr,198.51.100.0/24,vpn\ndomain,evil.example,phish\n",
    ]));

    let times = text_seeds(&[
        "2024-05-01T10:00:00Z",
        "2024-05-01T10:00:00.1234567Z",
        "2024-05-01T10:00:00+02:00",
        "2024-05-01 10:00:00.000",
        "5/1/2024, 10:00:00.000 AM",
        "5/1/2024 10:00:00 PM",
        "/Date(1714557600000)/",
        "1714557600",
    ]);
    let nets = text_seeds(&[
        "10.0.0.1\n192.168.0.0/16\n2001:db8::/32\n::1\n203.0.113.9/32\n0.0.0.0/0\n::ffff:10.1.2.3\n",
    ]);

    let targets: Vec<(&str, Target, Vec<Vec<u8>>)> = vec![
        ("ingest", |b| ingest_bytes("fuzz.bin", b), exports.clone()),
        (
            "json",
            read_json,
            exports
                .iter()
                .filter(|b| !b.starts_with(b"\x1f\x8b") && !b.starts_with(b"PK"))
                .cloned()
                .collect(),
        ),
        (
            "json-paths",
            json_paths,
            exports
                .iter()
                .filter(|b| !b.starts_with(b"\x1f\x8b") && !b.starts_with(b"PK") && b.len() < 200_000)
                .cloned()
                .collect(),
        ),
        ("csv", read_csv, exports.iter().filter(|b| b.contains(&b',')).cloned().collect()),
        ("time", parse_time, times),
        ("net", parse_net, nets),
        ("intel", load_intel, intel),
        ("policy", load_policy, read_all(&policies)),
        ("rule", parse_rule, read_all(&rules)),
    ];
    let mut failures = Vec::new();
    for (name, target, corpus) in targets {
        let t = Instant::now();
        let (execs, f) = fuzz(name, target, corpus);
        eprintln!(
            "fuzz {name}: {execs} executions in {:.1} s, {} failure(s)",
            t.elapsed().as_secs_f64(),
            f.len()
        );
        failures.extend(f);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
