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
    let _ = writeln!(s, "{:<24} {:>10} {:>10}  {:<20}  last", "table", "loaded", "duplicate", "first");
    for table in Table::ALL {
        let ts = &r.tables[table.name()];
        let _ = writeln!(
            s,
            "{:<24} {:>10} {:>10}  {:<20}  {}",
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
    // How files had to be read (encodings, PowerShell truncation): said once per kind, with
    // how many files, so a UTF-16 tree does not print a line per file.
    let mut notes: std::collections::BTreeMap<String, (usize, String)> = Default::default();
    for e in r.inputs.iter().flat_map(|i| &i.entries) {
        for n in &e.notes {
            let kind: String = n.chars().skip_while(|c| c.is_ascii_digit()).take(60).collect();
            let entry = notes.entry(kind).or_insert((0, e.name.clone()));
            entry.0 += 1;
        }
    }
    for (kind, (files, example)) in notes {
        let advice = kind.contains("truncated");
        let _ = writeln!(
            s,
            "{}: {} file(s), e.g. {example}: {}…",
            if advice { "warning" } else { "note" },
            files,
            kind.trim()
        );
    }
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
        if ts.loaded == 0 && table.is_core() {
            let _ = writeln!(s, "warning: no {} records in the inputs", table.name());
        }
        if ts.loaded == 0 && table == Table::GraphActivity && t.loaded > 0 {
            let _ = writeln!(
                s,
                "note: no graph_activity records: incidents cannot show what an attacker read or changed through Microsoft Graph (export the MicrosoftGraphActivityLogs category to add it)"
            );
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
    incidents: &[crate::analyze::correlate::Incident],
    findings: &[crate::detect::Finding],
    actions: &[crate::analyze::remediate::Action],
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
        let title = shorten(&i.title, 110);
        let _ = writeln!(s, "  {:<8} {:<8} {}", i.incident_id, i.severity.name(), title);
    }
    if incidents.len() > 20 {
        let _ = writeln!(s, "  … {} more in incidents.csv", incidents.len() - 20);
    }
    s
}

/// What the exit code means and the three next steps, after `analyze`.
pub fn next_steps(
    out: &std::path::Path,
    failing: usize,
    fail_on: crate::detect::Severity,
    findings: &[crate::detect::Finding],
) -> String {
    let mut s = String::new();
    let questions = findings.iter().filter(|f| f.kind == crate::detect::Kind::Duet).count();
    let _ = writeln!(s);
    if failing > 0 {
        let _ = writeln!(
            s,
            "exit code 1: {failing} incident(s) at or above --fail-on {} (see the list above).",
            fail_on.name()
        );
    } else {
        let _ = writeln!(s, "exit code 0: no incident at or above --fail-on {}.", fail_on.name());
    }
    let _ = writeln!(s, "next steps:");
    let _ =
        writeln!(s, "  1. read the report, worst incident first:   {}", out.join("report.html").display());
    let _ = writeln!(
        s,
        "  2. send the {questions} question(s) to the customer: {} (fill `answer`, re-run with --duet-answers)",
        out.join("duet.csv").display()
    );
    let _ = writeln!(
        s,
        "  3. review the remediation plan:              {} (prints only; -Execute runs the `contain` actions of high and critical incidents)",
        out.join("remediation.ps1").display()
    );
    s
}

/// `s` cut to at most `max` characters at a word boundary, with "…" when cut.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let head: String = s.chars().take(max.saturating_sub(1)).collect();
    let cut = match head.rfind(char::is_whitespace) {
        Some(i) if i > max / 2 => head[..i].trim_end_matches([' ', ',', ';', ':', '→', '-']).to_string(),
        _ => head,
    };
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod shorten_tests {
    use super::shorten;

    #[test]
    fn cuts_at_a_word_with_an_ellipsis() {
        assert_eq!(shorten("short", 10), "short");
        assert_eq!(
            shorten("Password spray from one IP → Identity Protection", 30),
            "Password spray from one IP…"
        );
        assert!(shorten(&"x".repeat(50), 10).ends_with('…'));
        assert_eq!(shorten(&"x".repeat(50), 10).chars().count(), 10);
    }
}
