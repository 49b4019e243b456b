//! Investigation commands on the bundled samples: query, user and IP dossiers, including
//! subjects that do not exist (a clear message, exit 0, an empty result).

use std::path::Path;

use crate::common::*;

fn run(args: &[&str]) -> (i32, String, String) {
    let o = bin().args(args).output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn dataset() -> std::path::PathBuf {
    let ds = scratch("investigate-ds");
    let st = bin()
        .args(["ingest", "-q", "--force", "--out"])
        .arg(&ds)
        .arg(repo().join("samples"))
        .status()
        .unwrap();
    assert!(st.success());
    ds
}

#[test]
fn query_sql_shorthand_formats_and_errors() {
    let ds = dataset();
    let d = ds.to_str().unwrap();
    let (code, out, _) = run(&["query", d, "SELECT ip_address, COUNT(*) AS n FROM signins WHERE error_code = 50126 GROUP BY ip_address ORDER BY n DESC, ip_address", "--format", "csv"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("query_spray_ips", out);
    let (code, out, _) =
        run(&["query", d, "--user", "Alex.Patel@fabrikam.example", "--result", "failure", "--format", "csv"]);
    assert_eq!(code, 0);
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert!(
        !rows.is_empty()
            && rows.iter().all(|r| r.contains("alex.patel@fabrikam.example") && r.contains(",failure,"))
    );
    let (_, out, _) = run(&["query", d, "--table", "audits", "--ip", "185.220.101.0/24", "--format", "json"]);
    assert!(out.lines().count() >= 3 && out.lines().all(|l| l.contains("185.220.101.")), "{out}");
    let (code, out, _) = run(&["query", d, "--user", "nobody@nowhere.example", "--format", "csv"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 1, "header only: {out}");
    let (code, _, err) = run(&["query", d, "SELECT nope FROM signins"]);
    assert_eq!(code, 2);
    // The columns are listed once (polars names them for a missing column), not twice.
    assert!(err.contains("query failed") && err.contains("nope"), "{err}");
    assert_eq!(err.matches("user_principal_name").count(), 1, "{err}");
    let (code, _, err) = run(&["query", d, "SELECT * FROM nowhere"]);
    assert_eq!(code, 2);
    assert!(err.contains("risk_detections:"), "an unknown table lists the tables: {err}");
    // The shorthand table view shows a terminal-sized column set unless asked otherwise.
    let (code, out, err) = run(&["query", d, "--user", "alex.patel@fabrikam.example", "--result", "failure"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("error_code") && !out.contains("auth_step") && !out.contains("ca_policies"),
        "{out}"
    );
    assert!(err.contains("--all-columns"), "{err}");
    let (code, out, _) = run(&[
        "query",
        d,
        "--user",
        "alex.patel@fabrikam.example",
        "--columns",
        "time,error_code",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().next(), Some("time,error_code"));
    let (code, _, err) = run(&["query", d, "--columns", "time,nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("no column \"nope\""), "{err}");
    let pq = scratch("query-pq").join("x.parquet");
    let (code, _, _) = run(&[
        "query",
        d,
        "SELECT id, time FROM audits",
        "--format",
        "parquet",
        "--out",
        pq.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert!(std::fs::metadata(&pq).unwrap().len() > 0);
}

fn dossier(kind: &str, subject: &str, ds: &Path) -> (String, std::path::PathBuf) {
    let out = scratch("dossier");
    let (code, stdout, err) = run(&[
        kind,
        subject,
        ds.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--policy",
        repo().join("samples/policy.toml").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    (stdout, out)
}

#[test]
fn user_and_ip_dossiers() {
    let ds = dataset();
    let analysis = scratch("dossier-analysis");
    let st = bin()
        .args(["analyze", "-q", "--force", "--out"])
        .arg(&analysis)
        .arg(&ds)
        .arg("--policy")
        .arg(repo().join("samples/policy.toml"))
        .status()
        .unwrap();
    assert!(st.code() == Some(1), "analyze of the samples dataset finds high incidents");
    let out = scratch("dossier-with-analysis");
    let (code, text, _) = run(&[
        "user",
        "alex.patel@fabrikam.example",
        ds.to_str().unwrap(),
        "--analysis",
        analysis.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert!(text.contains("Findings touching it") && text.contains("SPRAY-IP"), "{text}");
    assert!(text.contains("Incidents touching it") && text.contains("INC-"), "{text}");
    let (text, out) = dossier("user", "alex.patel@fabrikam.example", &ds);
    for section in
        ["Sign-ins by category and result", "IP addresses", "Risk detections", "Audit events by the user"]
    {
        assert!(text.contains(section), "{section} in\n{text}");
    }
    assert!(text.contains("password-spray infrastructure"), "intel label of the spray IP");
    // The AzureHound sweep after the spray, from the user's Graph activity (looked up by the
    // object ids the UPN signed in with: Graph logs carry no UPN).
    let graph = text.split("What it touched through Microsoft Graph").nth(1).expect("Graph section");
    for kind in ["service_principals", "applications", "roles", "devices"] {
        assert!(graph.contains(kind), "{kind} in the Graph section:\n{graph}");
    }
    let html = std::fs::read_to_string(out.join("user-alex.patel@fabrikam.example.html")).unwrap();
    assert!(html.contains("User dossier") && html.contains("45.153.160.2"));
    let csv = std::fs::read_to_string(out.join("user-alex.patel@fabrikam.example-timeline.csv")).unwrap();
    assert!(csv.lines().count() > 10);

    let (text, _) = dossier("ip", "45.153.160.0/24", &ds);
    assert!(text.contains("Principals seen from it") && text.contains("M247"), "{text}");
    let graph = text.split("What was touched through Microsoft Graph from it").nth(1).expect("Graph section");
    assert!(graph.contains("alex.patel@fabrikam.example") && graph.contains("groups"), "{graph}");

    let (text, out) = dossier("user", "nobody@nowhere.example", &ds);
    assert!(text.contains("no records about nobody@nowhere.example"), "{text}");
    let html = std::fs::read_to_string(out.join("user-nobody@nowhere.example.html")).unwrap();
    assert!(html.contains("No records about"));
    let (text, _) = dossier("ip", "192.0.2.250", &ds);
    assert!(text.contains("no records about 192.0.2.250"));
}

#[test]
fn hunt_reports_every_indicator_with_or_without_hits() {
    let ds = dataset();
    let dir = scratch("iocs");
    let iocs = write(&dir, "iocs.txt", "# campaign\n45.153.160.0/24\nalex.patel@fabrikam.example\nAS20473\npython-requests\n00000000-0000-0000-0000-000000000000\n10.99.99.99\n");
    let out = scratch("hunt-out");
    let (code, text, err) = run(&[
        "hunt",
        ds.to_str().unwrap(),
        "--ioc",
        iocs.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--force",
    ]);
    // Matched indicators are hits on known-bad infrastructure: exit 1, like analyze.
    assert_eq!(code, 1, "{err}");
    assert!(text.contains("6 indicators checked, 4 matched"), "{text}");
    assert!(text.contains("exit code 1"), "{text}");
    let mut rdr = csv::Reader::from_path(out.join("hunt.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 6, "every indicator has a row");
    let hits = |v: &str| rows.iter().find(|r| &r[1] == v).map(|r| r[3].parse::<u64>().unwrap()).unwrap();
    assert!(hits("45.153.160.0/24") >= 30, "the spray IP");
    assert_eq!(hits("10.99.99.99"), 0);
    assert_eq!(hits("00000000-0000-0000-0000-000000000000"), 0);
    let spray = rows.iter().find(|r| &r[1] == "45.153.160.0/24").unwrap();
    assert!(spray[4].starts_with("2026-10-07") && spray[7].contains("alex.patel@fabrikam.example"));
    assert!(std::fs::read_to_string(out.join("hunt.html")).unwrap().contains("Retro-hunt"));
}

#[test]
fn compliance_summary_sections() {
    let ds = dataset();
    let out = scratch("compliance");
    let policy = repo().join("samples/policy.toml");
    let (code, text, err) = run(&[
        "compliance",
        ds.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--force",
    ]);
    // The samples hold successful legacy authentication and users still at high risk:
    // control gaps at high, so exit 1 like analyze.
    assert_eq!(code, 1, "{err}");
    assert!(text.contains("MS.AAD.1.1v1") && text.contains("Risky users"), "{text}");
    assert!(text.contains("exit code 1: control gaps"), "{text}");
    assert!(!err.contains("NOT EVALUATED"), "the policy lists break-glass accounts: {err}");
    let csvs: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv"))
        .collect();
    assert_eq!(csvs.len(), entrascope::investigate::compliance::SECTIONS.len());
    let legacy =
        std::fs::read_to_string(out.join("03-legacy-authentication-by-user-and-protocol.csv")).unwrap();
    assert!(legacy.contains("rosa.yamamoto@fabrikam.example"), "the legacy-auth victim: {legacy}");
    let roles = std::fs::read_to_string(
        out.join("05-privileged-role-assignments-and-removals-who-when-via-pim-or-not.csv"),
    )
    .unwrap();
    assert!(
        roles.contains("svc-sync02@fabrikam.example") && roles.contains(",direct,"),
        "the role added outside PIM"
    );
    assert!(std::fs::read_to_string(out.join("compliance.html")).unwrap().contains("Compliance summary"));
    // Without a policy the break-glass section says it was not evaluated, instead of looking
    // clean.
    // (samples/portal has no policy.toml, so its dataset keeps none)
    let bare_ds = scratch("compliance-bare-ds");
    let st = bin()
        .args(["ingest", "-q", "--force", "--out"])
        .arg(&bare_ds)
        .arg(repo().join("samples/portal"))
        .status();
    assert!(st.unwrap().success());
    assert!(!bare_ds.join("policy.toml").exists());
    let bare = scratch("compliance-bare");
    let (_, text, err) =
        run(&["compliance", bare_ds.to_str().unwrap(), "--out", bare.to_str().unwrap(), "--force"]);
    assert!(err.contains("NOT EVALUATED") && text.contains("break_glass_accounts"), "{err}\n{text}");
}
