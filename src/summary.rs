//! Terminal summaries: short, aligned, on stdout; warnings name what to do next.

use std::fmt::Write;

use crate::ingest::source::human_bytes;
use crate::ingest::IngestReport;
use crate::schema::Table;

/// The ingest summary: counts per table, reconciliation, skipped files and gaps.
pub fn ingest(r: &IngestReport) -> String {
    let t = &r.totals;
    let mut s = String::new();
    let rate = if r.elapsed_s > 0.0 { t.records as f64 / r.elapsed_s } else { 0.0 };
    let _ = writeln!(
        s,
        "read {} files ({}) in {:.1}s: {} records, {:.0} records/s",
        t.files,
        human_bytes(t.bytes),
        r.elapsed_s,
        t.records,
        rate
    );
    let _ = writeln!(s, "{:<16} {:>10} {:>10}  {:<20}  last", "table", "loaded", "duplicate", "first");
    for table in Table::ALL {
        let ts = &r.tables[table.name()];
        let _ = writeln!(
            s,
            "{:<16} {:>10} {:>10}  {:<20}  {}",
            table.name(),
            ts.loaded,
            ts.duplicate,
            ts.first.as_deref().map(|x| &x[..19]).unwrap_or("-"),
            ts.last.as_deref().map(|x| &x[..19]).unwrap_or("-"),
        );
    }
    let _ = writeln!(
        s,
        "records: {} = {} loaded + {} duplicate + {} rejected + {} skipped (unmodelled categories)",
        t.records, t.loaded, t.duplicate, t.rejected, t.skipped
    );
    for (cat, n) in &r.skipped_categories {
        let _ = writeln!(s, "note: {n} records of category {cat} skipped (not modelled)");
    }
    for sk in r.skipped_files() {
        let _ = writeln!(s, "warning: skipped {}: {}", sk.name, sk.reason);
    }
    if t.rejected > 0 {
        let _ = writeln!(
            s,
            "warning: {} records rejected; see rejects.jsonl for file, position and reason",
            t.rejected
        );
    }
    for table in Table::ALL {
        let ts = &r.tables[table.name()];
        if ts.loaded == 0 {
            let _ = writeln!(s, "warning: no {} records in the inputs", table.name());
        }
        if ts.without_time > 0 {
            let _ = writeln!(
                s,
                "warning: {} {} records have no time at all (kept, undated)",
                ts.without_time,
                table.name()
            );
        }
    }
    let gaps = r.gaps(Table::SignIns);
    if !gaps.is_empty() {
        let shown: Vec<&str> = gaps.iter().take(5).map(String::as_str).collect();
        let more = if gaps.len() > 5 { format!(" and {} more", gaps.len() - 5) } else { String::new() };
        let _ = writeln!(
            s,
            "warning: no sign-ins on {} day(s) inside the range: {}{more}; check the export is complete",
            gaps.len(),
            shown.join(", ")
        );
    }
    s
}
