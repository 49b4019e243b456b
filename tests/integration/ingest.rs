//! Ingestion: real public samples with exact counts, every quirk, malformed input, the
//! dataset on disk, determinism and the command's exit codes.

use std::collections::BTreeMap;
use std::io::Write;

use entrascope::dataset::Dataset;
use entrascope::ingest;
use entrascope::schema::Table;
use polars::prelude::*;

use crate::common::*;

/// (records, loaded, duplicate, rejected) per entry, keyed by the end of its name.
const PUBLIC_COUNTS: &[(&str, [u64; 4])] = &[
    ("test-alternative-time-and-duration-as-string.log", [1, 1, 0, 0]),
    ("test-audit-logs-sample.log", [3, 3, 0, 0]),
    // Three synthetic edge cases sharing one id and time: one record, two copies.
    ("test-auditlogs-raw.log", [3, 1, 2, 0]),
    ("test-rickyusers-raw.log", [2, 2, 0, 0]),
    ("test-service-principal-signinlogs-sample.log", [7, 7, 0, 0]),
    // One anonymised id across five categories; Microsoft- and customer service principal
    // sign-ins both map to service_principal, so that pair collapses.
    ("test-signinlogs-raw.log", [5, 4, 1, 0]),
    ("test-signinlogs-sample.log", [2, 2, 0, 0]),
    // The same instant in eleven notations: five distinct instants remain.
    ("test-time-formats-corner-cases.log", [11, 5, 6, 0]),
    ("test-userriskevents-raw.log", [2, 2, 0, 0]),
    // The mv-expand duplicate Id inside, and the unzipped copy next to it.
    ("AADAuditEvents.Zip!AADAuditEvents.json", [4, 3, 1, 0]),
    ("otrf-security-datasets/AADAuditEvents.json", [4, 0, 4, 0]),
    ("AuditLogs_Hunting.csv", [5, 5, 0, 0]),
    // Aggregated analytic-rule output, not log records: rejected with that reason.
    ("signinLogs.csv", [1, 0, 0, 1]),
    ("disable_accounts.csv", [4, 4, 0, 0]),
    ("sign-in_adelete.csv", [56, 56, 0, 0]),
];

#[test]
fn public_samples_load_with_exact_counts() {
    let (r, tables) = load(&[public_samples()]);
    assert_reconciled(&r);
    let mut seen = BTreeMap::new();
    for input in &r.inputs {
        for e in &input.entries {
            let (key, want) = PUBLIC_COUNTS
                .iter()
                .find(|(k, _)| e.name.ends_with(k))
                .unwrap_or_else(|| panic!("unexpected entry {}", e.name));
            assert_eq!([e.records, e.loaded, e.duplicate, e.rejected], *want, "{}", e.name);
            seen.insert(*key, ());
        }
    }
    assert_eq!(seen.len(), PUBLIC_COUNTS.len(), "every sample file was read");
    let skipped: Vec<String> =
        r.skipped_files().iter().map(|s| s.name.rsplit('/').next().unwrap().to_string()).collect();
    assert_eq!(skipped, vec!["SOURCES.md"]);
    assert!(
        r.rejects[0].file.ends_with("signinLogs.csv") && r.rejects[0].reason.contains("no Id column"),
        "{:?}",
        r.rejects
    );

    let heights: Vec<usize> = Table::ALL.iter().map(|t| tables[t].height()).collect();
    assert_eq!(heights, vec![79, 12, 2, 2, 0, 0, 0]);
    assert_eq!(r.tables["audits"].without_time, 5, "the Training Lab hunting export has no time column");
}

/// Real public records of the categories beyond sign-ins and audits (harvested in
/// tests/fixtures/real, provenance in its INDEX.md): Graph activity from diagnostic settings
/// (Elastic fixtures, SEKOIA's sanitised captures, graph2otel's live capture) and Log
/// Analytics, AD FS Connect Health, provisioning in both the diagnostic and the Graph v1.0
/// shape, and the Graph documentation's workload-identity risk objects.
#[test]
fn graph_activity_adfs_provisioning_and_workload_risk_load_from_real_records() {
    let real = repo().join("tests/fixtures/real");
    let files = [
        "elastic-integrations/test-activitylogs-raw.unlabelled.jsonl",
        "sekoia/graph_activity.unlabelled.jsonl",
        "graph2otel/graphactivity_test.realRecord.unlabelled.jsonl",
        "cloud-threat-hunting/MicrosoftGraphActivityLogs.unlabelled.jsonl",
        "elastic-integrations/test-adfs-signin.unlabelled.jsonl",
        "elastic-integrations/test-provisioninglogs-raw.unlabelled.jsonl",
        "graph2otel/provisioning_test.liveProvisioning.unlabelled.jsonl",
        "graph-docs/identityprotectionroot-list-riskyserviceprincipals.beta.unlabelled.jsonl",
        "graph-docs/identityprotectionroot-list-serviceprincipalriskdetections.v1.unlabelled.jsonl",
        "elastic-integrations/test-aadgraph-activity.unlabelled.jsonl",
    ];
    let (r, t) = load(&files.map(|f| real.join(f)));
    assert_reconciled(&r);
    assert_eq!(r.totals.rejected, 0, "{:?}", r.rejects.first());
    // Elastic repeats one request id (two copies of the same request); the legacy Azure AD
    // Graph category is counted and skipped, not mistaken for Microsoft Graph.
    assert_eq!(r.tables["graph_activity"].loaded, 9);
    assert_eq!(r.tables["graph_activity"].duplicate, 1);
    assert_eq!(r.totals.skipped, 7);
    let heights: Vec<usize> = Table::ALL.iter().map(|x| t[x].height()).collect();
    assert_eq!(heights, vec![1, 0, 1, 0, 9, 3, 1]);

    let g = t[&Table::GraphActivity]
        .clone()
        .lazy()
        .filter(col("source_file").str().contains_literal(lit("graph2otel")))
        .collect()
        .unwrap();
    let cell = |df: &DataFrame, c: &str| df.column(c).unwrap().str().unwrap().get(0).map(str::to_string);
    assert_eq!(cell(&g, "request_method").as_deref(), Some("POST"));
    assert_eq!(cell(&g, "resource").as_deref(), Some("users"));
    assert_eq!(cell(&g, "sign_in_activity_id").as_deref(), Some("OPD3UZnmTkud24wRw6ATAA"));
    assert!(cell(&g, "service_principal_id").is_some() && cell(&g, "user_id").is_none(), "an app-only call");

    let adfs = &t[&Table::SignIns];
    assert_eq!(cell(adfs, "category").as_deref(), Some("adfs"));
    assert_eq!(cell(adfs, "token_issuer_type").as_deref(), Some("ADFederationServices"));
    let kv =
        adfs.column("authentication_processing_details").unwrap().list().unwrap().get_as_series(0).unwrap();
    assert_eq!(kv.len(), 5, "AD FS processing details (server name, TLS, CAE) are kept");

    let p = t[&Table::Provisioning].clone().lazy().sort(["id"], Default::default()).collect().unwrap();
    let statuses: Vec<Option<&str>> = p.column("status").unwrap().str().unwrap().iter().collect();
    // Elastic's third record reuses the second's id (a failure of another job): one copy kept.
    assert!(statuses.contains(&Some("skipped")) && statuses.contains(&Some("success")), "{statuses:?}");
    assert_eq!(r.tables["provisioning"].duplicate, 1);

    let rd = &t[&Table::RiskDetections];
    assert_eq!(cell(rd, "activity").as_deref(), Some("servicePrincipal"));
    assert!(cell(rd, "service_principal_id").is_some() && cell(rd, "user_principal_name").is_none());
    assert_eq!(cell(&t[&Table::RiskyServicePrincipals], "risk_state").as_deref(), Some("atRisk"));
}

#[test]
fn otrf_golden_saml_chain_is_intact() {
    let (_, t) = load(&[public_samples().join("otrf-security-datasets")]);
    let audits = &t[&Table::Audits];
    assert_eq!(
        strs(audits, "activity"),
        vec![
            Some("Update application".into()),
            Some("Add delegated permission grant".into()),
            Some("Update application – Certificates and secrets management".into()),
        ]
    );
    assert!(strs(audits, "actor_upn").iter().all(|u| u.as_deref() == Some("pgustavo@simulandlabs.com")));
    let changes = strs(audits, "changes");
    assert!(changes[1].as_deref().unwrap().contains("Mail.ReadWrite"), "{:?}", changes[1]);
    assert!(changes[2].as_deref().unwrap().contains("SimuLandCreds"), "{:?}", changes[2]);
    let times: Vec<String> = audits
        .column("time")
        .unwrap()
        .cast(&DataType::String)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.unwrap()[11..19].to_string())
        .collect();
    assert_eq!(times, vec!["13:25:12", "13:27:20", "13:29:25"]);
    // Nested targets keep the decoded modified properties.
    let targets = audits.column("targets").unwrap().list().unwrap().get_as_series(2).unwrap();
    assert_eq!(targets.len(), 1);
}

#[test]
fn training_lab_disabled_account_attempts() {
    let (_, t) = load(&[public_samples().join("sentinel-training-lab/disable_accounts.csv")]);
    let s = &t[&Table::SignIns];
    assert_eq!(s.height(), 4);
    assert!(strs(s, "ip_address").iter().all(|i| i.as_deref() == Some("175.45.176.99")));
    assert!(strs(s, "user_principal_name")
        .iter()
        .all(|u| u.as_deref() == Some("johns@m365x816222.onmicrosoft.com")));
    assert!(strs(s, "country").iter().all(|c| c.as_deref() == Some("KP")));
    let codes: Vec<Option<i64>> = s.column("error_code").unwrap().i64().unwrap().iter().collect();
    assert_eq!(codes, vec![Some(50057); 4]);
    // No time column at all: the authentication step time stands in.
    let first =
        s.column("time").unwrap().cast(&DataType::String).unwrap().str().unwrap().get(0).unwrap().to_string();
    assert!(first.starts_with("2021-04-19 12:13:19.483475"), "{first}");
}

#[test]
fn training_lab_adele_results_and_identity_protection() {
    let (_, t) = load(&[public_samples().join("sentinel-training-lab/sign-in_adelete.csv")]);
    let s = &t[&Table::SignIns];
    let mut by_code = BTreeMap::new();
    for c in s.column("error_code").unwrap().i64().unwrap().iter() {
        *by_code.entry(c.unwrap()).or_insert(0) += 1;
    }
    assert_eq!(by_code, BTreeMap::from([(0, 53), (16000, 2), (50058, 1)]));

    let (_, t) = load(&[public_samples().join("elastic-integrations")]);
    let rd = &t[&Table::RiskDetections];
    let mut types = strs(rd, "risk_event_type");
    types.sort();
    assert_eq!(types, vec![Some("anonymizedIPAddress".into()), Some("passwordSpray".into())]);
    let detected: Vec<String> = rd
        .column("detected_time")
        .unwrap()
        .cast(&DataType::String)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .map(str::to_string)
        .collect();
    assert!(
        detected.iter().any(|d| d.starts_with("2022-09-09 08:48:50.361")),
        "one-digit hour parsed: {detected:?}"
    );
    let ru = &t[&Table::RiskyUsers];
    let deleted: Vec<Option<bool>> = ru.column("is_deleted").unwrap().bool().unwrap().iter().collect();
    assert!(deleted.contains(&Some(true)));
    let cats = strs(&t[&Table::SignIns], "category");
    for c in ["interactive", "non_interactive", "service_principal", "managed_identity"] {
        assert!(cats.contains(&Some(c.into())), "{c} in {cats:?}");
    }
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (n, d) in files {
        w.start_file(*n, ::zip::write::SimpleFileOptions::default()).unwrap();
        w.write_all(d).unwrap();
    }
    w.finish().unwrap().into_inner()
}

const GOOD: &str = r#"{"time":"2024-05-01T10:00:00Z","category":"SignInLogs","properties":{"id":"g1","createdDateTime":"2024-05-01T10:00:00Z","userPrincipalName":"a@x.com","status":{"errorCode":0}}}"#;

#[test]
fn malformed_inputs_are_rejects_or_listed_errors_never_panics() {
    let dir = scratch("malformed");
    write(&dir, "a-truncated/PT1H.json", format!("{GOOD}\n{{\"time\":\"2024-05-01T10:01"));
    let mut bad_gz = gz(GOOD.as_bytes());
    bad_gz.truncate(bad_gz.len() - 12);
    write(&dir, "b-bad.json.gz", bad_gz);
    write(
        &dir,
        "c-columns.csv",
        "Id,Type,TimeGenerated [UTC]\nx1,SigninLogs,\"5/1/2024, 10:00:00.000 AM\"\nx2,SigninLogs\n",
    );
    write(
        &dir,
        "d-traversal.zip",
        zip_of(&[
            ("../../evil/PT1H.json", GOOD.as_bytes()),
            ("good/PT1H.json", GOOD.replace("g1", "g2").as_bytes()),
        ]),
    );
    write(&dir, "e-bomb.zip", zip_of(&[("bomb.json", &vec![b' '; 8 << 20])]));
    write(&dir, "f-binary.json", b"[\x00\x01\x02garbage");
    write(&dir, "g-empty.json", b"");

    let mut sink = entrascope::dataset::MemorySink::default();
    let opts = ingest::Options { max_expand: 1 << 20, ..Default::default() };
    let r = ingest::run(std::slice::from_ref(&dir), &opts, &mut sink).unwrap();
    assert_reconciled(&r);
    let t = sink.into_tables().unwrap();
    let mut ids = strs(&t[&Table::SignIns], "id");
    ids.sort();
    assert_eq!(ids, vec![Some("g1".to_string()), Some("g2".into()), Some("x1".into())]);

    let reasons: Vec<(String, String)> = r
        .rejects
        .iter()
        .map(|x| (x.file.rsplit('/').next().unwrap().to_string(), x.reason.clone()))
        .collect();
    assert!(reasons.iter().any(|(f, why)| f == "PT1H.json" && why.contains("invalid JSON")), "{reasons:?}");
    assert!(reasons.iter().any(|(f, why)| f == "c-columns.csv" && why.contains("fields")), "{reasons:?}");
    assert!(reasons.iter().any(|(f, why)| f == "f-binary.json" && why.contains("array")), "{reasons:?}");

    let skipped = r.skipped_files();
    let why = |name: &str| {
        skipped.iter().find(|s| s.name.contains(name)).map(|s| s.reason.clone()).unwrap_or_default()
    };
    assert!(why("evil").contains("unsafe archive entry name"), "{skipped:?}");
    // A corrupt or over-limit archive is refused whole and counted as one reject naming it,
    // so the reconciliation shows the loss instead of a quiet skip.
    let rejected =
        |name: &str| reasons.iter().find(|(f, _)| f == name).map(|(_, w)| w.clone()).unwrap_or_default();
    assert!(rejected("b-bad.json.gz").contains("nothing in it was loaded"), "{reasons:?}");
    assert!(rejected("e-bomb.zip").contains("decompression limit"), "{reasons:?}");
}

#[test]
fn local_time_portal_exports_are_rejected_with_advice() {
    let dir = scratch("localtime");
    write(&dir, "la.csv", "TimeGenerated [Local Time],Id,Type\n\"5/1/2024, 10:00:00.000 AM\",x,SigninLogs\n");
    let (r, _) = load(&[dir]);
    assert_eq!(r.totals.rejected, 1);
    assert!(r.rejects[0].reason.contains("re-export"), "{}", r.rejects[0].reason);
}

#[test]
fn dataset_round_trips_and_is_deterministic() {
    let out1 = scratch("ds1");
    let out2 = scratch("ds2");
    for out in [&out1, &out2] {
        let st =
            bin().args(["ingest", "-q", "--force", "--out"]).arg(out).arg(public_samples()).status().unwrap();
        assert!(st.success());
    }
    let files = |d: &std::path::Path| -> Vec<(String, Vec<u8>)> {
        let mut v = Vec::new();
        for t in Table::ALL {
            let td = d.join(t.name());
            if !td.exists() {
                continue;
            }
            for day in std::fs::read_dir(&td).unwrap() {
                for f in std::fs::read_dir(day.unwrap().path()).unwrap() {
                    let p = f.unwrap().path();
                    v.push((p.strip_prefix(d).unwrap().display().to_string(), std::fs::read(&p).unwrap()));
                }
            }
        }
        v.sort();
        v
    };
    let (a, b) = (files(&out1), files(&out2));
    assert!(!a.is_empty());
    assert_eq!(a.iter().map(|x| &x.0).collect::<Vec<_>>(), b.iter().map(|x| &x.0).collect::<Vec<_>>());
    assert!(a == b, "same inputs, same parquet bytes");
    assert!(a.iter().any(|(n, _)| n.contains("date=__HIVE_DEFAULT_PARTITION__")));

    let manifest = |d: &std::path::Path| {
        let mut m: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(d.join("manifest.json")).unwrap()).unwrap();
        m.as_object_mut().unwrap().remove("generated_at");
        m.as_object_mut().unwrap().remove("command");
        m
    };
    assert_eq!(manifest(&out1), manifest(&out2));
    let m = manifest(&out1);
    assert_eq!(m["totals"]["loaded"], 95);
    assert_eq!(m["inputs"][0]["sha256"].as_str().unwrap().len(), 64);

    // Reading the dataset back gives the same rows as ingesting in memory.
    let ds = Dataset::open(std::slice::from_ref(&out1), &ingest::Options::default()).unwrap();
    assert!(ds.report.is_none());
    let (_, mem) = load(&[public_samples()]);
    for t in Table::ALL {
        let disk = ds.table(t).collect().unwrap();
        assert_eq!(disk.schema(), mem[&t].schema(), "{}", t.name());
        assert!(disk.equals_missing(&mem[&t]), "{} differs between parquet and memory", t.name());
    }
}

#[test]
fn command_line_errors_and_strict_mode() {
    let out = bin().args(["ingest", "/no/such/export"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/no/such/export") && err.starts_with("error: "), "{err}");

    let dir = scratch("strict");
    write(&dir, "x.json", format!("{GOOD}\n{{broken\n"));
    // Output captured: an expected failure must not print alarming lines in a passing run.
    let ok = bin().args(["ingest", "-q"]).arg(&dir).output().unwrap();
    assert_eq!(ok.status.code(), Some(0));
    let strict = bin().args(["ingest", "-q", "--strict"]).arg(&dir).output().unwrap();
    assert_eq!(strict.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&strict.stderr).contains("--strict"));

    // A failed run leaves nothing that looks like a dataset: no output directory at all.
    let never = dir.parent().unwrap().join("never-created");
    let out = bin().args(["ingest", "-q", "--out"]).arg(&never).arg("/no/such/export").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!never.exists(), "the output directory must not exist after a failed run");
    let leftovers: Vec<_> = std::fs::read_dir(dir.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".never-created.partial"))
        .collect();
    assert!(leftovers.is_empty(), "no partial directory left behind");

    let out_dir = scratch("nonempty");
    write(&out_dir, "keep.txt", "x");
    let out = bin().args(["ingest", "-q", "--out"]).arg(&out_dir).arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
}

/// A full disk is an error that names the file and says what is free, with exit code 2 —
/// never a half-written output that looks complete. `/dev/full` fails every write with
/// "no space left on device".
#[test]
fn a_full_disk_is_a_clear_error_naming_the_file() {
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    let out = crate::common::bin()
        .args(["-q", "query"])
        .arg(crate::common::repo().join("samples"))
        .args(["SELECT * FROM signins", "--out", "/dev/full"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("disk full writing /dev/full") && err.contains("free on that file system"), "{err}");
}
