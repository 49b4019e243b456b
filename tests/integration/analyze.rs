//! `analyze` end to end: the bundled samples (every output, snapshots, determinism, the
//! injected attacks found and the benign look-alikes quiet), hostile log values, DUET
//! answers, and the public samples' ground truth.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common::*;

const OUTPUTS: [&str; 14] = [
    "report.html",
    "scope.csv",
    "findings.csv",
    "findings.jsonl",
    "incidents.csv",
    "remediation.csv",
    "remediation.ps1",
    "duet.csv",
    "posture.csv",
    "timeline.csv",
    "attack-layer.json",
    "manifest.json",
    "rejects.jsonl",
    "findings.csv",
];

fn analyze(inputs: &[&Path], out: &Path, extra: &[&str]) -> i32 {
    let mut cmd = bin();
    cmd.args(["analyze", "-q", "--force", "--rules"]).arg(repo().join("queries")).arg("--out").arg(out);
    cmd.args(inputs).args(extra);
    let o = cmd.output().unwrap();
    let code = o.status.code().unwrap_or(-1);
    assert!(code == 0 || code == 1, "analyze failed ({code}): {}", String::from_utf8_lossy(&o.stderr));
    code
}

fn findings(out: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(out.join("findings.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn strs(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// The report is well-formed (strict XML parse of the polyglot XHTML).
fn assert_parses(html: &str) {
    let mut r = quick_xml::Reader::from_str(html);
    let mut depth = 0i64;
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(_) => {}
            Err(e) => panic!("report.html does not parse at byte {}: {e}", r.buffer_position()),
        }
    }
    assert_eq!(depth, 0, "unbalanced elements");
}

#[test]
fn samples_end_to_end() {
    let samples = repo().join("samples");
    let (a, b) = (scratch("analyze-a"), scratch("analyze-b"));
    assert_eq!(analyze(&[&samples], &a, &[]), 1, "high-severity incidents exit 1");
    analyze(&[&samples], &b, &[]);
    for f in OUTPUTS {
        assert!(a.join(f).is_file(), "{f} written");
    }
    // Same inputs, same bytes (the manifest differs only by its run timestamp).
    for f in OUTPUTS.iter().filter(|f| **f != "manifest.json") {
        assert!(
            std::fs::read(a.join(f)).unwrap() == std::fs::read(b.join(f)).unwrap(),
            "{f} differs between runs"
        );
    }
    let strip = |p: PathBuf| {
        let mut m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        let o = m.as_object_mut().unwrap();
        for k in ["generated_at", "command", "rules"] {
            o.remove(k);
        }
        m
    };
    assert_eq!(strip(a.join("manifest.json")), strip(b.join("manifest.json")));

    insta::assert_snapshot!("samples_incidents", std::fs::read_to_string(a.join("incidents.csv")).unwrap());
    insta::assert_snapshot!(
        "samples_remediation",
        std::fs::read_to_string(a.join("remediation.csv")).unwrap()
    );

    let html = std::fs::read_to_string(a.join("report.html")).unwrap();
    assert_parses(&html);
    let incidents = std::fs::read_to_string(a.join("incidents.csv")).unwrap();
    for line in incidents.lines().skip(1) {
        let id = line.split(',').next().unwrap();
        assert!(html.contains(&format!("id=\"{id}\"")), "{id} in the report");
    }
    for section in [
        "id=\"summary\"",
        "id=\"duet\"",
        "id=\"posture\"",
        "id=\"hunting\"",
        "id=\"charts\"",
        "id=\"custody\"",
    ] {
        assert!(html.contains(section), "{section}");
    }
    assert!(!html.contains("<script"), "no scripts in the report");
    let ps1 = std::fs::read_to_string(a.join("remediation.ps1")).unwrap();
    assert!(ps1.contains("param([switch]$Execute)") && ps1.contains("if ($Execute)"));
    // Actions of incidents below high are guidance only, even with -Execute.
    assert!(ps1.contains("# not run by -Execute: the incident is below high severity"));
    let rem = std::fs::read_to_string(a.join("remediation.csv")).unwrap();
    assert!(rem.lines().filter(|l| l.contains("verify first (medium incident)")).count() >= 1);

    // What the AiTM token replay touched after compromise: the Graph requests made with the
    // replayed session's tokens, by resource — the stolen mailbox pages, the inbox rule and
    // the OneDrive listing (samples/ground-truth.json, aitm-token-replay).
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(samples.join("ground-truth.json")).unwrap()).unwrap();
    let replay =
        truth["scenarios"].as_array().unwrap().iter().find(|s| s["name"] == "aitm-token-replay").unwrap();
    let victim = strs(&replay["users"])[0].clone();
    let inc = incidents.lines().find(|l| l.contains(&victim)).expect("the replay's incident");
    let inc_id = inc.split(',').next().unwrap();
    let scope = std::fs::read_to_string(a.join("scope.csv")).unwrap();
    let rows: Vec<Vec<&str>> = scope
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .filter(|r: &Vec<&str>| r[0] == inc_id)
        .collect();
    let by_token = |resource: &str, method: &str| -> u64 {
        rows.iter()
            .filter(|r| r[1] == "token of an incident sign-in" && r[2] == resource && r[3] == method)
            .map(|r| r[5].parse::<u64>().unwrap())
            .sum()
    };
    assert!(by_token("mailbox", "GET") >= 120, "mailbox pages read with the stolen token:\n{scope}");
    assert_eq!(by_token("mail_rules", "POST"), 1, "the inbox rule written through Graph");
    assert!(by_token("files", "GET") >= 25, "the OneDrive listing");
    assert!(html.contains("What it touched through Microsoft Graph"));
    assert!(html.contains("mail_rules 1 write"), "the incident's scope sentence names the rule write");
}

/// The injected attacks of samples/ground-truth.json are found; benign look-alikes raise
/// no high or critical detection.
#[test]
fn samples_ground_truth() {
    let out = scratch("truth");
    analyze(&[&repo().join("samples")], &out, &[]);
    let fs = findings(&out);
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("samples/ground-truth.json")).unwrap())
            .unwrap();
    let dets: Vec<&serde_json::Value> = fs.iter().filter(|f| f["kind"] == "detection").collect();
    let mut missed = Vec::new();
    for s in truth["scenarios"].as_array().unwrap() {
        let users: BTreeSet<String> = strs(&s["users"]).into_iter().collect();
        let ips: BTreeSet<String> = strs(&s["ips"]).into_iter().collect();
        let hit = dets.iter().any(|f| {
            strs(&f["principals"]).iter().any(|p| users.contains(p))
                || strs(&f["ips"]).iter().any(|i| ips.contains(i))
        });
        if !hit {
            missed.push(s["name"].as_str().unwrap().to_string());
        }
    }
    assert!(missed.is_empty(), "injected attacks not found: {missed:?}");
    let mut noisy = Vec::new();
    for b in truth["benign"].as_array().unwrap() {
        let ips: BTreeSet<String> = strs(&b["ips"]).into_iter().collect();
        let users: BTreeSet<String> = strs(&b["users"]).into_iter().collect();
        let (start, end) = (b["start"].as_str().unwrap_or(""), b["end"].as_str().unwrap_or("~"));
        for f in &dets {
            let sev = f["severity"].as_str().unwrap();
            let in_window = f["first_seen"].as_str().unwrap() >= &start[..16.min(start.len())]
                && f["first_seen"].as_str().unwrap() <= end;
            let about = strs(&f["ips"]).iter().any(|i| ips.contains(i))
                && (users.is_empty() || strs(&f["principals"]).iter().any(|p| users.contains(p)));
            if about && in_window && (sev == "high" || sev == "critical") {
                noisy.push(format!("{} → {} {} {}", b["name"], f["rule_id"], sev, f["summary"]));
            }
        }
    }
    assert!(noisy.is_empty(), "benign look-alikes raised high findings:\n{}", noisy.join("\n"));
}

/// Hostile values in every text field come out escaped in HTML and neutralised in CSV.
#[test]
fn hostile_log_values_are_escaped_and_neutralised() {
    let dir = scratch("hostile");
    let evil = [
        "<script>alert(1)</script>",
        "\"'><img src=x onerror=alert(1)>",
        "=cmd|' /C calc'!A0",
        "+SUM(1+1)",
        "@attacker",
        "-2+3",
        "evil\u{202E}gpj.exe",
    ];
    let mut lines = Vec::new();
    for (n, e) in evil.iter().enumerate() {
        let v = serde_json::Value::String(e.to_string());
        // A successful hosting-network sign-in with a tool user agent (fires HTTPLIB-UA,
        // HOSTING-SIGNIN …) whose every text field carries the hostile value.
        lines.push(serde_json::json!({
            "id": format!("h{n}"), "createdDateTime": format!("2026-10-06T10:0{n}:00Z"),
            "userPrincipalName": format!("{e}@fabrikam.example"), "userDisplayName": v, "userId": format!("u{n}"),
            "ipAddress": "45.153.160.2", "autonomousSystemNumber": 14061,
            "appDisplayName": v, "appId": "00000003-0000-0000-c000-000000000000", "resourceDisplayName": v,
            "userAgent": format!("python-requests/2.31 {e}"), "clientAppUsed": "Browser",
            "status": {"errorCode": 0, "failureReason": v}, "signInEventTypes": ["interactiveUser"],
            "location": {"city": v, "state": v, "countryOrRegion": "RU", "geoCoordinates": {"latitude": 55.7, "longitude": 37.6}},
            "deviceDetail": {"displayName": v, "operatingSystem": v, "browser": v},
        }).to_string());
        lines.push(serde_json::json!({
            "id": format!("Directory_h{n}"), "activityDateTime": format!("2026-10-06T10:1{n}:00Z"),
            "activityDisplayName": "Update application – Certificates and secrets management ", "category": "ApplicationManagement",
            "result": "success", "loggedByService": "Core Directory", "operationType": "Update",
            "initiatedBy": {"user": {"userPrincipalName": format!("{e}@fabrikam.example"), "ipAddress": "45.153.160.2", "displayName": v}},
            "targetResources": [{"id": format!("app{n}"), "displayName": v, "type": "Application",
                "modifiedProperties": [{"displayName": v, "oldValue": "[]", "newValue": serde_json::to_string(&vec![e]).unwrap()}]}],
            "additionalDetails": [{"key": "User-Agent", "value": v}],
        }).to_string());
    }
    write(&dir, "hostile.json", lines.join("\n"));
    let out = scratch("hostile-out");
    analyze(&[&dir], &out, &[]);

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_parses(&html);
    assert!(
        !html.contains("<script>alert") && !html.contains("<img src=x"),
        "raw markup leaked into the report"
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;"), "the value is shown, escaped");
    assert!(!html.contains('\u{202E}') && html.contains("[U+202E]"), "bidi override shown as a marker");

    let mut cells = 0;
    for f in ["findings.csv", "incidents.csv", "remediation.csv", "duet.csv", "posture.csv", "timeline.csv"] {
        let mut rdr = csv::Reader::from_path(out.join(f)).unwrap();
        for rec in rdr.records() {
            for cell in rec.unwrap().iter() {
                cells += 1;
                assert!(
                    !matches!(cell.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r')),
                    "{f}: formula cell {cell:?}"
                );
            }
        }
    }
    assert!(cells > 0);
    let timeline = std::fs::read_to_string(out.join("timeline.csv")).unwrap();
    assert!(
        timeline.contains("'=cmd") || timeline.contains("=cmd"),
        "the hostile values reached the outputs"
    );
    let ps1 = std::fs::read_to_string(out.join("remediation.ps1")).unwrap();
    assert!(!ps1.contains("\u{202E}"));
}

/// `analyze` with a 1 MB memory limit (everything spills); its stderr.
fn analyze_in_1m(input: &Path, out: &Path, spill: &Path) -> String {
    let mut cmd = bin();
    cmd.args(["analyze", "--force", "--rules"]).arg(repo().join("queries")).arg("--out").arg(out);
    cmd.arg(input).args(["--memory-limit", "1M", "--spill-dir"]).arg(spill);
    let o = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(matches!(o.status.code(), Some(0 | 1)), "{err}");
    err
}

/// A window larger than the memory limit is enriched chunk by chunk to disk and every rule
/// scans the spilled files (user-partitioned rules in slices of about 500 sign-ins): the
/// findings, incidents, scope, timeline and remediation are the bytes the in-memory run
/// writes, and the spill directory is gone afterwards. Raw exports too.
#[test]
fn a_window_larger_than_memory_gives_the_same_results() {
    let ds = scratch("oc-ds").join("ds");
    let o = bin().args(["ingest", "-q"]).arg(repo().join("samples")).arg("--out").arg(&ds).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (mem, disk, spill) = (scratch("oc-mem"), scratch("oc-disk"), scratch("oc-spill"));
    analyze(&[&ds], &mem, &["--memory-limit", "64G"]);
    let err = analyze_in_1m(&ds, &disk, &spill);
    assert!(err.contains("spilling"), "the spill is announced: {err}");
    for f in ["findings.jsonl", "incidents.csv", "scope.csv", "timeline.csv", "remediation.csv", "duet.csv"] {
        assert!(
            std::fs::read(mem.join(f)).unwrap() == std::fs::read(disk.join(f)).unwrap(),
            "{f} differs between the in-memory and the spilled run"
        );
    }
    assert!(findings(&disk).len() > 10, "the comparison is not between two empty runs");
    assert_eq!(std::fs::read_dir(&spill).unwrap().count(), 0, "the spill directory is removed");

    // Raw exports over the limit are ingested to a temporary dataset first, then take the
    // same path: the same bytes as analysing them in memory.
    let (raw_mem, raw_disk) = (scratch("oc-raw-mem"), scratch("oc-raw-disk"));
    let samples = repo().join("samples");
    analyze(&[&samples], &raw_mem, &["--memory-limit", "64G"]);
    let err = analyze_in_1m(&samples, &raw_disk, &spill);
    assert!(err.contains("ingesting them to a temporary dataset"), "{err}");
    for f in
        ["findings.jsonl", "incidents.csv", "scope.csv", "timeline.csv", "remediation.csv", "rejects.jsonl"]
    {
        assert!(
            std::fs::read(raw_mem.join(f)).unwrap() == std::fs::read(raw_disk.join(f)).unwrap(),
            "{f} differs between raw inputs in memory and ingested to disk"
        );
    }
    assert_eq!(std::fs::read_dir(&spill).unwrap().count(), 0, "the temporary dataset is removed");
}

#[test]
fn duet_answers_suppress_and_escalate() {
    let out = scratch("duet1");
    analyze(&[&repo().join("samples")], &out, &[]);
    let mut rdr = csv::Reader::from_path(out.join("duet.csv")).unwrap();
    let headers = rdr.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert!(rows.len() >= 2, "the samples raise DUET questions");
    let answers = scratch("duet-answers").join("answers.csv");
    let mut w = csv::Writer::from_path(&answers).unwrap();
    w.write_record(&headers).unwrap();
    for (i, r) in rows.iter().enumerate() {
        let mut r: Vec<String> = r.iter().map(str::to_string).collect();
        *r.last_mut().unwrap() = match i {
            0 => "expected".into(),
            1 => "unexpected".into(),
            _ => String::new(),
        };
        w.write_record(&r).unwrap();
    }
    w.flush().unwrap();
    let out2 = scratch("duet2");
    analyze(&[&repo().join("samples")], &out2, &["--duet-answers", answers.to_str().unwrap()]);
    let after = csv::Reader::from_path(out2.join("duet.csv")).unwrap().records().count();
    assert_eq!(after, rows.len() - 2);
    let escalated = rows[1].get(0).unwrap();
    let fs = findings(&out2);
    let f = fs.iter().find(|f| f["finding_id"] == escalated).expect("the unexpected answer is a finding");
    assert_eq!(f["kind"], "detection");
    assert!(
        std::fs::read_to_string(out2.join("incidents.csv")).unwrap().contains(escalated),
        "it joined an incident"
    );
}

#[test]
fn public_samples_ground_truth_is_found() {
    // OTRF Golden SAML: permission change, admin consent of Mail.ReadWrite, new app secret.
    let out = scratch("otrf");
    analyze(&[&public_samples().join("otrf-security-datasets")], &out, &[]);
    let fs = findings(&out);
    let rules: BTreeSet<String> = fs.iter().map(|f| f["rule_id"].as_str().unwrap().to_string()).collect();
    assert!(rules.contains("APP-CRED-ADD"), "the new app secret: {rules:?}");
    assert!(rules.contains("APP-PERMISSION-ADDED"), "the app permission change: {rules:?}");
    assert!(
        fs.iter()
            .any(|f| f["kind"] == "detection" && f["summary"].as_str().unwrap().contains("Mail.ReadWrite")),
        "the Mail.ReadWrite admin consent is a detection: {rules:?}"
    );
    // Sentinel Training Lab: IP 175.45.176.99 trying the disabled account.
    let out = scratch("lab");
    analyze(&[&public_samples().join("sentinel-training-lab")], &out, &[]);
    let fs = findings(&out);
    assert!(
        fs.iter()
            .any(|f| f["rule_id"] == "DISABLED-IP" && strs(&f["ips"]).contains(&"175.45.176.99".to_string())),
        "DISABLED-IP for 175.45.176.99"
    );
}

#[test]
fn templates_can_be_replaced_and_still_escape() {
    let dir = scratch("templates");
    write(
        &dir,
        "report.html",
        "<p>custom {{ incidents | length }} incidents{% for i in incidents %} {{ i.title }}{% endfor %}</p>",
    );
    let out = scratch("templates-out");
    analyze(
        &[&public_samples().join("otrf-security-datasets")],
        &out,
        &["--templates", dir.to_str().unwrap()],
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<p>custom ") && html.contains(" incidents"), "{html}");
    // A bad template directory is an error naming the path.
    let o = bin()
        .args(["analyze", "-q", "--force", "--out"])
        .arg(scratch("tpl-bad"))
        .arg("--templates")
        .arg("/no/such/dir")
        .arg(public_samples().join("otrf-security-datasets"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}
