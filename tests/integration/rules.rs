//! Every rule in `queries/` against its fixture: the `fires` inputs must produce the
//! snapshotted findings, the `near_miss` inputs (a benign look-alike) must produce none.
//!
//! Fixture layout, per rule id:
//!   tests/fixtures/rules/<ID>/fires/       export files (Graph JSON, NDJSON, CSV …)
//!   tests/fixtures/rules/<ID>/near_miss/   look-alike that must not fire
//!   tests/fixtures/rules/<ID>/policy.toml  optional tenant policy for both runs
//! Snapshots live in tests/integration/snapshots/ (accept with INSTA_UPDATE=always).
//! `RULES=ID1,ID2` limits the run to those rules while authoring. A rule declaring
//! `partition:` must also give the same findings run one user at a time.

use std::path::{Path, PathBuf};

use entrascope::detect::{run, Catalog, RunOptions};
use entrascope::{ingest, pipeline};

use crate::common::repo;

fn fixtures() -> PathBuf {
    repo().join("tests/fixtures/rules")
}

fn findings_for(id: &str, inputs: &Path, policy: Option<PathBuf>) -> Vec<entrascope::detect::Finding> {
    let catalog = Catalog::from_dir(&repo().join("queries")).expect("rules load");
    let loaded = pipeline::load(&pipeline::LoadOptions {
        inputs: vec![inputs.to_path_buf()],
        ingest: ingest::Options::default(),
        policy,
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("{id}: loading {} failed: {e:#}", inputs.display()));
    let opts = RunOptions { only: vec![id.to_string()], ..Default::default() };
    let (findings, runs) = run::run(&catalog, &loaded.enriched, &loaded.knowledge.policy, &opts).unwrap();
    assert_eq!(runs.len(), 1, "{id}: rule not selected");
    if let Some(e) = &runs[0].error {
        panic!("{id}: rule failed: {e}");
    }
    // A rule that declares `partition: user_principal_name` must give the same findings run
    // one user at a time (as it runs over a window spilled to disk).
    if catalog.rules.iter().any(|r| r.meta.id == id && r.meta.partition.is_some()) {
        let mut en = loaded.enriched;
        en.slice_rows = Some(1);
        let (sliced, _) = run::run(&catalog, &en, &loaded.knowledge.policy, &opts).unwrap();
        assert_eq!(
            render(&sliced),
            render(&findings),
            "{id} declares partition: but its findings differ when run one user at a time on {}",
            inputs.display()
        );
    }
    findings
}

/// The snapshot text: the CSV rows plus the evidence keys, stable across runs.
fn render(findings: &[entrascope::detect::Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let row = entrascope::report::findings::csv_row(f);
        out.push_str(&row[1..].join(" | "));
        out.push('\n');
        let keys: Vec<&String> = f.evidence.keys().collect();
        out.push_str(&format!("  evidence: {keys:?}\n"));
    }
    out
}

#[test]
fn every_rule_fires_on_its_fixture_and_not_on_its_near_miss() {
    let catalog = Catalog::from_dir(&repo().join("queries")).expect("rules load");
    let mut missing = Vec::new();
    let mut failures = Vec::new();
    // RULES=ID1,ID2 focuses the run while authoring (the full set always runs in CI).
    let focus: Vec<String> = std::env::var("RULES")
        .map(|v| v.split(',').map(|s| s.trim().to_string()).collect())
        .unwrap_or_default();
    for rule in &catalog.rules {
        let id = &rule.meta.id;
        if !focus.is_empty() && !focus.contains(id) {
            continue;
        }
        let dir = fixtures().join(id);
        let (fires, near) = (dir.join("fires"), dir.join("near_miss"));
        if !fires.is_dir() || !near.is_dir() {
            missing.push(id.clone());
            continue;
        }
        let policy = dir.join("policy.toml");
        let policy = policy.is_file().then_some(policy);
        let hits = findings_for(id, &fires, policy.clone());
        if hits.is_empty() {
            failures.push(format!("{id}: did not fire on {}", fires.display()));
            continue;
        }
        let quiet = findings_for(id, &near, policy.clone());
        if !quiet.is_empty() {
            failures.push(format!("{id}: fired on its near miss: {}", render(&quiet)));
            continue;
        }
        // Day one of a case has no policy file: say what the rule still finds without one
        // (the snapshot records it, so a change is reviewed).
        let mut text = render(&hits);
        if policy.is_some() {
            let bare = findings_for(id, &fires, None);
            let sev: Vec<&str> = bare.iter().map(|f| f.severity.name()).collect();
            text.push_str(&format!("without policy.toml: {} finding(s) {sev:?}\n", bare.len()));
        }
        insta::with_settings!({ snapshot_suffix => id.clone(), prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!("rule", text);
        });
    }
    assert!(missing.is_empty(), "rules without fixtures (fires/ and near_miss/): {missing:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rule_files_lint_clean() {
    let catalog = Catalog::from_dir(&repo().join("queries")).expect("rules load");
    let tables = run::empty_tables().unwrap();
    let errors: Vec<String> =
        catalog.rules.iter().filter_map(|r| run::lint(r, &tables).err().map(|e| format!("{e:#}"))).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // The embedded copy is the same set of rules.
    let embedded = Catalog::embedded().unwrap();
    let ids = |c: &Catalog| c.rules.iter().map(|r| r.meta.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&embedded), ids(&catalog));
}
