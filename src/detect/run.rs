//! Running rules: plan every enabled rule as a lazy query over the whole window, execute the
//! plans in parallel, turn the results into findings, and time each rule.
//!
//! Plans are built on this thread (SQL parsing is cheap). Execution uses a few worker
//! threads of our own, each collecting whole plans: polars parallelises inside each plan on
//! its own pool, and no collect ever blocks a thread of that pool, which is what deadlocks
//! nested collects upstream. Per-rule wall times go to the manifest.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{anyhow, Context, Result};
use polars::prelude::*;
use polars::sql::SQLContext;
use serde::Serialize;

use super::catalog::Catalog;
use super::finding::{self, check_schema, Finding, RecordRef};
use super::native::{self, NativeCtx};
use super::rule::{Engine, Kind, Rule};
use crate::enrich::Enriched;
use crate::policy::Policy;
use crate::schema::{empty_frame, Table};

/// What running one rule did.
#[derive(Debug, Clone, Serialize)]
pub struct RuleRun {
    pub id: String,
    pub kind: Kind,
    pub findings: usize,
    pub seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A plan's result and its wall time in seconds.
type Collected = (Result<DataFrame>, f64);

/// Options for a detection run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Only these kinds (all when empty).
    pub kinds: Vec<Kind>,
    /// Only these rule ids (all when empty).
    pub only: Vec<String>,
    /// Print a line per rule as it finishes.
    pub verbose: bool,
    /// Show a progress bar (rules done, slowest still running) on a terminal.
    pub progress: bool,
}

/// Register the enriched tables under their canonical names.
fn sql_context(tables: &BTreeMap<Table, LazyFrame>) -> SQLContext {
    let ctx = SQLContext::new();
    for (t, lf) in tables {
        ctx.register(t.name(), lf.clone());
    }
    ctx
}

/// Build one rule's lazy query.
pub fn plan(rule: &Rule, tables: &BTreeMap<Table, LazyFrame>, policy: &Policy) -> Result<LazyFrame> {
    #[cfg(test)]
    if rule.meta.id == "TEST-DELIBERATE-PANIC" {
        panic!("a deliberately panicking rule (test)");
    }
    let params = rule.params(policy.params.get(&rule.meta.id))?;
    match rule.meta.engine {
        Engine::Sql => {
            let mut ctx = sql_context(tables);
            ctx.execute(&rule.render(&params))
                .map_err(|e| anyhow!("rule {} ({}): {e}", rule.meta.id, rule.path))
        }
        Engine::Native => {
            let f = native::find(&rule.meta.id)
                .ok_or_else(|| anyhow!("native rule {} is not registered", rule.meta.id))?;
            f(&NativeCtx { tables, params: &params }).map_err(|e| anyhow!("rule {}: {e}", rule.meta.id))
        }
    }
}

/// Which rules a run executes.
pub fn selected<'c>(catalog: &'c Catalog, policy: &Policy, opts: &RunOptions) -> Vec<&'c Rule> {
    catalog
        .rules
        .iter()
        .filter(|r| !policy.disabled_rules.iter().any(|d| d.eq_ignore_ascii_case(&r.meta.id)))
        .filter(|r| opts.kinds.is_empty() || opts.kinds.contains(&r.meta.kind))
        .filter(|r| opts.only.is_empty() || opts.only.iter().any(|o| o.eq_ignore_ascii_case(&r.meta.id)))
        .collect()
}

/// Stack size of the threads that plan and collect rules: polars plans recurse deeply on
/// CTE- and join-heavy SQL, and 2 MiB thread stacks overflowed on real rules.
const RULE_STACK: usize = 64 << 20;

/// Run `f` on a thread with a large stack.
pub fn on_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(RULE_STACK)
            .spawn_scoped(s, f)
            .expect("spawning a thread")
            .join()
            .expect("the rule thread did not panic")
    })
}

/// Run one step of a rule so that a panic becomes that rule's error instead of taking the
/// run down (a rule is data; a crafted or unforeseen input must not cost the other rules).
fn guarded<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    match crate::guard::catch(f) {
        Ok(r) => r,
        Err(msg) => Err(anyhow!(
            "internal error while running this rule ({msg}); its findings are missing — please report it"
        )),
    }
}

/// Run the selected rules over the enriched tables.
pub fn run(
    catalog: &Catalog,
    en: &Enriched,
    policy: &Policy,
    opts: &RunOptions,
) -> Result<(Vec<Finding>, Vec<RuleRun>)> {
    let rules = selected(catalog, policy, opts);
    let results: Vec<Mutex<Option<Collected>>> = rules.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    // Over spilled tables a rule's peak is its own scan: one rule at a time keeps the run
    // within the memory limit (polars still uses every core inside the rule).
    let workers =
        if en.on_disk { 1 } else { std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 4) };
    let user_slices = match en.slice_rows {
        Some(rows) if rules.iter().any(|r| r.meta.partition.is_some()) => slices_of_users(en, rows)?,
        _ => Vec::new(),
    };
    let bar = crate::progress::rules_bar(rules.len() as u64, opts.progress);
    // Rules running now and since when, for the bar's "slowest running" message.
    let running: Mutex<BTreeMap<usize, Instant>> = Mutex::new(BTreeMap::new());
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        if !bar.is_hidden() {
            s.spawn(|| {
                while !done.load(Ordering::Relaxed) {
                    let slowest = running
                        .lock()
                        .map(|r| r.iter().min_by_key(|(_, t)| **t).map(|(i, t)| (*i, t.elapsed())))
                        .ok()
                        .flatten();
                    if let Some((i, el)) = slowest {
                        bar.set_message(format!(
                            "slowest running: {} ({:.0}s)",
                            rules[i].meta.id,
                            el.as_secs_f64()
                        ));
                    }
                    bar.tick();
                    std::thread::sleep(std::time::Duration::from_millis(250));
                }
            });
        }
        let mut handles = Vec::new();
        for _ in 0..workers {
            let work = || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(rule) = rules.get(i) else { break };
                let t = Instant::now();
                // One rule at a time: the process's peak since this reset is this rule's.
                let measure_peak = opts.verbose && workers == 1;
                if measure_peak {
                    reset_peak_rss();
                }
                if let Ok(mut r) = running.lock() {
                    r.insert(i, t);
                }
                // A rule that fails to plan or run — or panics, in our code or in polars — is
                // reported as a failed rule, not fatal to the others.
                let out = guarded(|| collect_rule(rule, en, policy, &user_slices));
                let secs = t.elapsed().as_secs_f64();
                if opts.verbose {
                    let n = out.as_ref().map_or(0, |d| d.height());
                    let peak =
                        if measure_peak { peak_rss_mib().map(|m| format!(" {m:>6} MiB peak")) } else { None };
                    eprintln!(
                        "  {:<28} {:>6} rows {:>8.3}s{}",
                        rule.meta.id,
                        n,
                        secs,
                        peak.unwrap_or_default()
                    );
                }
                *results[i].lock().expect("no worker panics while holding it") = Some((out, secs));
                if en.on_disk {
                    release_freed_memory();
                }
                if let Ok(mut r) = running.lock() {
                    r.remove(&i);
                }
                bar.inc(1);
            };
            handles.push(
                std::thread::Builder::new()
                    .stack_size(RULE_STACK)
                    .spawn_scoped(s, work)
                    .expect("spawning a rule worker"),
            );
        }
        for h in handles {
            let _ = h.join();
        }
        done.store(true, Ordering::Relaxed);
    });
    bar.finish_and_clear();

    let mut findings = Vec::new();
    let mut runs = Vec::with_capacity(rules.len());
    for (rule, slot) in rules.iter().zip(results) {
        let (out, seconds) = slot.into_inner().expect("unpoisoned").expect("every plan ran");
        let (n, error) = match out.and_then(|df| guarded(|| finding::from_frame(rule, &df))) {
            Ok(f) => {
                let n = f.len();
                findings.extend(f);
                (n, None)
            }
            Err(e) => (0, Some(format!("{e:#}"))),
        };
        runs.push(RuleRun { id: rule.meta.id.clone(), kind: rule.meta.kind, findings: n, seconds, error });
    }
    attach_provenance(&mut findings, en)?;
    finding::finalise(&mut findings);
    Ok((findings, runs))
}

/// Run one rule to its result frame. A user-partitioned rule over spilled tables runs once
/// per slice of users (every table with a `user_principal_name` cut to the slice, pushed
/// into the parquet scan) and its slices' rows are stacked: the same rows as one run over
/// everything, with one slice's memory.
fn collect_rule(rule: &Rule, en: &Enriched, policy: &Policy, slices: &[Vec<String>]) -> Result<DataFrame> {
    let whole = || plan(rule, &en.tables, policy).and_then(|lf| lf.collect().map_err(anyhow::Error::from));
    let Some(key) = rule.meta.partition.as_deref() else { return whole() };
    if slices.len() < 2 {
        return whole();
    }
    // The tables that carry the key (canonically or as an enrichment column) are cut to
    // each slice; the others are read whole.
    let keyed: Vec<Table> = Table::ALL
        .into_iter()
        .filter(|t| {
            t.doc().columns.iter().any(|c| c.name == key)
                || crate::schema::enriched::columns(t.name()).iter().any(|c| c.name == key)
        })
        .collect();
    let mut out: Option<DataFrame> = None;
    for users in slices {
        let mut tables = en.tables.clone();
        for t in &keyed {
            if let Some(lf) = tables.get_mut(t) {
                *lf = lf.clone().filter(crate::enrich::in_list(col(key), users));
            }
        }
        let part = plan(rule, &tables, policy)?.collect()?;
        match &mut out {
            None => out = Some(part),
            Some(acc) => {
                Context::with_context(acc.vstack_mut(&part), || {
                    format!("stacking the user slices of rule {}", rule.meta.id)
                })?;
            }
        }
        release_freed_memory();
    }
    Ok(out.expect("at least two slices"))
}

/// The window's users (sorted) cut into consecutive slices of about `rows` sign-ins each.
fn slices_of_users(en: &Enriched, rows: usize) -> Result<Vec<Vec<String>>> {
    let key = super::rule::PARTITION_USER;
    let counts = en
        .table(Table::SignIns)
        .filter(col(key).is_not_null())
        .group_by([col(key)])
        .agg([len().cast(DataType::Int64).alias("n")])
        .sort([key], Default::default())
        .collect()?;
    let users = counts.column(key)?.str()?;
    let ns = counts.column("n")?.i64()?;
    let mut slices: Vec<Vec<String>> = Vec::new();
    let mut filled = usize::MAX;
    for (u, n) in users.iter().zip(ns.iter()) {
        let (Some(u), Some(n)) = (u, n) else { continue };
        if filled >= rows {
            slices.push(Vec::new());
            filled = 0;
        }
        slices.last_mut().expect("pushed above").push(u.to_string());
        filled += n as usize;
    }
    Ok(slices)
}

/// Hand memory freed by the last rule back to the system. glibc keeps freed blocks in its
/// arenas, so without this the resident size climbs with every rule to the sum of their
/// peaks' fragments rather than the largest peak (measured: 1.4 GiB instead of ~0.9 GiB over
/// the spilled 3,000-user tenant).
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the kernel; it touches no live data.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Reset the process's peak resident size (Linux `clear_refs` 5), so that the next
/// [`peak_rss_mib`] reads the peak of what ran in between.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The process's peak resident size since start or the last [`reset_peak_rss`], in MiB.
fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kb| kb / 1024)
}

/// Resolve `record_ids` to the files and positions the evidence came from.
fn attach_provenance(findings: &mut [Finding], en: &Enriched) -> Result<()> {
    let mut wanted: Vec<String> = findings.iter().flat_map(|f| f.record_ids.iter().cloned()).collect();
    if wanted.is_empty() {
        return Ok(());
    }
    wanted.sort();
    wanted.dedup();
    let mut index: BTreeMap<String, RecordRef> = BTreeMap::new();
    for t in Table::ALL {
        let df = en
            .table(t)
            .filter(crate::enrich::in_list(col("id"), &wanted))
            .select([col("id"), col("source_file"), col("source_record")])
            .collect()?;
        let ids = df.column("id")?.str()?;
        let files = df.column("source_file")?.str()?;
        let recs = df.column("source_record")?.i64()?;
        for i in 0..df.height() {
            if let Some(id) = ids.get(i) {
                index.entry(id.to_string()).or_insert(RecordRef {
                    table: t.name().to_string(),
                    id: id.to_string(),
                    source_file: files.get(i).map(str::to_string),
                    source_record: recs.get(i),
                });
            }
        }
    }
    for f in findings.iter_mut() {
        f.records = f.record_ids.iter().filter_map(|id| index.get(id).cloned()).collect();
        f.records.sort();
    }
    Ok(())
}

/// Empty enriched tables with the full schema, for linting.
pub fn empty_tables() -> Result<BTreeMap<Table, LazyFrame>> {
    let mut base = BTreeMap::new();
    for t in Table::ALL {
        base.insert(t, empty_frame(t).lazy());
    }
    Ok(crate::enrich::enrich(&base, &crate::enrich::Knowledge::default(), &[])?.tables)
}

/// Lint a shared view: the SELECT over it plans and runs on empty tables.
pub fn lint_sql(sql: &str, views: &[super::view::View], tables: &BTreeMap<Table, LazyFrame>) -> Result<()> {
    let need = super::view::needed(sql, views)?;
    let sql = super::view::inline(sql, &need);
    on_big_stack(|| -> Result<()> {
        let mut ctx = sql_context(tables);
        ctx.execute(&sql)?.collect()?;
        Ok(())
    })
}

/// Lint one rule: its plan resolves against the canonical schema and returns the contract.
pub fn lint(rule: &Rule, tables: &BTreeMap<Table, LazyFrame>) -> Result<()> {
    on_big_stack(|| lint_here(rule, tables))
}

fn lint_here(rule: &Rule, tables: &BTreeMap<Table, LazyFrame>) -> Result<()> {
    let mut lf = plan(rule, tables, &Policy::default())?;
    let schema = Context::with_context(lf.collect_schema(), || {
        format!("rule {} ({}) does not plan", rule.meta.id, rule.path)
    })?;
    let problems = check_schema(&schema);
    if !problems.is_empty() {
        anyhow::bail!("rule {} ({}): {}", rule.meta.id, rule.path, problems.join("; "));
    }
    // Executing on empty tables catches errors that only appear at run time.
    Context::with_context(lf.collect(), || {
        format!("rule {} ({}) fails on empty tables", rule.meta.id, rule.path)
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// A rule that panics is one failed rule in the manifest; the others still run.
    #[test]
    fn a_panicking_rule_is_a_failed_rule_and_the_run_goes_on() {
        let dir = std::env::temp_dir().join(format!("entrascope-panic-rule-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("queries/signin");
        let text = std::fs::read_to_string(root.join("aad-powershell-non-directory-resource.sql")).unwrap();
        std::fs::write(dir.join("good.sql"), &text).unwrap();
        std::fs::write(dir.join("bad.sql"), text.replace("id: AADPS-NONAAD", "id: TEST-DELIBERATE-PANIC"))
            .unwrap();
        let catalog = Catalog::from_dir(&dir);
        std::fs::remove_dir_all(&dir).ok();
        let catalog = catalog.unwrap();
        let en = Enriched {
            tables: empty_tables().unwrap(),
            privileged_users: Default::default(),
            on_disk: false,
            slice_rows: None,
        };
        let (_, runs) = run(&catalog, &en, &Policy::default(), &RunOptions::default()).unwrap();
        let by_id: BTreeMap<&str, &RuleRun> = runs.iter().map(|r| (r.id.as_str(), r)).collect();
        let bad = by_id["TEST-DELIBERATE-PANIC"].error.as_deref().unwrap_or_default();
        assert!(bad.contains("deliberately panicking rule"), "{bad}");
        assert!(by_id["AADPS-NONAAD"].error.is_none(), "{:?}", by_id["AADPS-NONAAD"].error);
    }
}
