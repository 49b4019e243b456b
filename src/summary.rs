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

/// The analysis summary: incidents by severity and the top of the list.
pub fn analysis(
    incidents: &[crate::correlate::Incident],
    findings: &[crate::detect::Finding],
    actions: &[crate::remediate::Action],
    rules: usize,
    secs: f64,
) -> String {
    use crate::detect::Kind;
    let mut s = String::new();
    let count = |k: Kind| findings.iter().filter(|f| f.kind == k).count();
    let _ = writeln!(
        s,
        "{rules} rules in {secs:.2}s: {} detections, {} DUET questions, {} posture, {} hunting leads",
        count(Kind::Detection),
        count(Kind::Duet),
        count(Kind::Posture),
        count(Kind::Hunt)
    );
    let _ = writeln!(s, "{} incidents, {} remediation actions", incidents.len(), actions.len());
    for i in incidents.iter().take(20) {
        let title: String = i.title.chars().take(110).collect();
        let _ = writeln!(s, "  {:<8} {:<8} {}", i.incident_id, i.severity.name(), title);
    }
    if incidents.len() > 20 {
        let _ = writeln!(s, "  … {} more in incidents.csv", incidents.len() - 20);
    }
    s
}
