//! Synthetic Entra ID log generator: test inputs for the readers.
//!
//! This module owns everything behind `entrascope generate`: a seeded model
//! of a fictional tenant (`fabrikam.example`: users, devices, offices, guests,
//! admins, break-glass accounts, service principals, managed identities,
//! Conditional Access policies), the simulation of a window of sign-ins,
//! directory audits and Identity Protection records with a working-hours
//! rhythm, optional injected attack scenarios with benign look-alikes and a
//! `ground-truth.json`, and writers for six real export shapes (Azure Monitor
//! archive, Graph/Extractor-Suite pages, Log Analytics CSV and JSON, Entra
//! portal CSV and JSON) as described in `docs/formats.md`.
//!
//! Layout: `tenant` (model), `simulate` (baseline day + record builders),
//! `scenarios` (window-level stories and truth), `noise` (the `--noise`
//! chaos of a real tenant, on the benign users), `json` (record → Graph JSON,
//! shared by all writers), `write` / `la` / `portal` (one writer per shape).
//!
//! Output is byte-for-byte reproducible for the same options: every random
//! stream is keyed by seed and entity, days are simulated independently, and
//! writers that span days consume them in a fixed order.

mod activity;
mod audits;
mod json;
mod la;
mod model;
mod noise;
mod portal;
mod rng;
mod scenarios;
mod simulate;
mod tenant;
mod write;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use rayon::prelude::*;

use model::{DayBatch, TimeFmt, Ts, MS_PER_DAY, MS_PER_HOUR};
use write::{Ctx, Sink};

pub struct GenOptions {
    /// Output directory (created if missing; existing files are overwritten).
    pub out: PathBuf,
    pub seed: u64,
    /// Number of member users (guests, break-glass and a disabled leaver come on top).
    pub users: usize,
    /// Window length in days.
    pub days: u32,
    /// Window start (rendered with millisecond precision).
    pub start: chrono::DateTime<chrono::Utc>,
    /// Average interactive + non-interactive sign-ins per user per day.
    pub signins_per_user_day: f64,
    /// Which shapes to write.
    pub formats: Vec<Format>,
    /// Inject the attack scenarios (and write `ground-truth.json`).
    pub attacks: bool,
    /// Add the ordinary chaos of a real tenant to the benign users (cloud
    /// proxies, CGNAT, Private Relay, trips, typos, helpdesk, CI/CD …), each
    /// event listed under `noise` in `ground-truth.json`.
    pub noise: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    AzureMonitor,
    Graph,
    LaCsv,
    LaJson,
    PortalCsv,
    PortalJson,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::AzureMonitor,
        Format::Graph,
        Format::LaCsv,
        Format::LaJson,
        Format::PortalCsv,
        Format::PortalJson,
    ];

    /// Accepts the [`Format::name`] spelling, case-insensitively, with or
    /// without `-`/`_`.
    pub fn parse(s: &str) -> Option<Format> {
        let norm: String =
            s.chars().filter(|c| !matches!(c, '-' | '_' | ' ')).collect::<String>().to_lowercase();
        Format::ALL.into_iter().find(|f| f.name().replace('-', "") == norm)
    }

    /// Name on the command line and of the output sub-directory.
    pub fn name(self) -> &'static str {
        match self {
            Format::AzureMonitor => "azure-monitor",
            Format::Graph => "graph",
            Format::LaCsv => "la-csv",
            Format::LaJson => "la-json",
            Format::PortalCsv => "portal-csv",
            Format::PortalJson => "portal-json",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenSummary {
    pub files: usize,
    pub bytes: u64,
    pub signins: usize,
    pub audits: usize,
    pub risk_detections: usize,
    pub risky_users: usize,
    pub graph_activity: usize,
    pub provisioning: usize,
    pub adfs_signins: usize,
    /// Workload-identity risk: detections plus risky-service-principal records.
    pub sp_risk: usize,
    /// Ground-truth `noise` entries (0 without `--noise`).
    pub noise_events: usize,
}

pub fn generate(opts: &GenOptions) -> Result<GenSummary> {
    validate(opts)?;
    fs::create_dir_all(&opts.out).with_context(|| format!("creating {}", opts.out.display()))?;
    let w0 = opts.start.timestamp_millis();
    let w1 = w0 + opts.days as i64 * MS_PER_DAY;

    let mut tenant = tenant::Tenant::build(opts.seed, opts.users);
    let specials = scenarios::plan(&mut tenant, opts.seed, w0, w1, opts.attacks, opts.noise);
    let ctx = Ctx {
        out: opts.out.clone(),
        tid: tenant.id.to_string(),
        workspace: tenant.workspace.to_string(),
        w0,
        w1,
        export_time: w1 + 9 * MS_PER_HOUR + 37 * 60_000 + 12_000,
    };
    let formats: Vec<Format> = Format::ALL.into_iter().filter(|f| opts.formats.contains(f)).collect();
    let (mut summary, mut files) = run_days(opts, &tenant, &specials, &ctx, &formats)?;
    summary.noise_events = specials.noise.len();
    if opts.attacks || opts.noise {
        let path = opts.out.join("ground-truth.json");
        let truth = scenarios::ground_truth(&tenant, &specials, w0, w1);
        fs::write(&path, serde_json::to_string_pretty(&truth)? + "\n")?;
        files.push(path);
    }
    let readme = opts.out.join("README.md");
    fs::write(&readme, readme_text(opts, &tenant, &specials, &summary, &files, w0, w1))?;
    files.push(readme);
    summary.files = files.len();
    summary.bytes = files.iter().map(|p| fs::metadata(p).map(|m| m.len()).unwrap_or(0)).sum();
    Ok(summary)
}

fn validate(opts: &GenOptions) -> Result<()> {
    if opts.users == 0 || opts.days == 0 {
        bail!("generate needs at least one user and one day");
    }
    if !(opts.signins_per_user_day.is_finite() && opts.signins_per_user_day >= 0.0) {
        bail!("signins_per_user_day must be a non-negative number");
    }
    Ok(())
}

/// What one simulated day hands back to the sequential part of the run.
struct DayOut {
    /// Kept only when day-spanning writers need it.
    batch: Option<DayBatch>,
    /// sign-ins, audits, risk detections, risky users, Graph requests, provisioning, AD FS,
    /// workload-identity risk
    counts: [usize; 8],
    written: Vec<PathBuf>,
}

/// Simulate and write every day of the window; returns counts and files.
fn run_days(
    opts: &GenOptions,
    tenant: &tenant::Tenant,
    specials: &scenarios::Specials,
    ctx: &Ctx,
    formats: &[Format],
) -> Result<(GenSummary, Vec<PathBuf>)> {
    let extras = split_by_day(specials);
    let sim =
        simulate::Sim { t: tenant, seed: opts.seed, rate: opts.signins_per_user_day, win: (ctx.w0, ctx.w1) };
    let mut sinks = make_sinks(ctx, formats)?;
    let azure = formats.contains(&Format::AzureMonitor);
    let keep_batches = !sinks.is_empty();
    // newest day first: Graph, the portal and LA exports list newest first
    let mut days: Vec<i64> = (ctx.w0.div_euclid(MS_PER_DAY)..=(ctx.w1 - 1).div_euclid(MS_PER_DAY))
        .map(|d| d * MS_PER_DAY)
        .collect();
    days.reverse();
    // without day-spanning writers every day can run at once; otherwise keep
    // only a few simulated days in memory
    let chunk = if keep_batches { rayon::current_num_threads().max(1) * 2 } else { days.len() };
    let one_day = |d: i64| -> Result<DayOut> {
        let mut b = simulate::simulate_day(&sim, d);
        if let Some(x) = extras.get(&d) {
            b.signins.extend(x.signins.iter().cloned());
            b.audits.extend(x.audits.iter().cloned());
            b.risks.extend(x.risks.iter().cloned());
            b.risky.extend(x.risky.iter().cloned());
            b.graph.extend(x.graph.iter().cloned());
            b.sp_risks.extend(x.sp_risks.iter().cloned());
            b.risky_sps.extend(x.risky_sps.iter().cloned());
        }
        let (lo, hi) = (d.max(ctx.w0), (d + MS_PER_DAY).min(ctx.w1));
        activity::derive(opts.seed, tenant, d, lo, hi, &mut b);
        b.sort();
        let counts = [
            b.signins.len(),
            b.audits.len(),
            b.risks.len(),
            b.risky.len(),
            b.graph.len(),
            b.provisioning.len(),
            b.adfs.len(),
            b.sp_risks.len() + b.risky_sps.len(),
        ];
        let written = if azure { write::azure_monitor_day(ctx, &b)? } else { Vec::new() };
        Ok(DayOut { batch: keep_batches.then_some(b), counts, written })
    };
    let mut summary = GenSummary::default();
    let mut files: Vec<PathBuf> = Vec::new();
    for group in days.chunks(chunk) {
        let results: Vec<Result<DayOut>> = group.par_iter().map(|&d| one_day(d)).collect();
        for r in results {
            let DayOut { batch, counts, written } = r?;
            summary.signins += counts[0];
            summary.audits += counts[1];
            summary.risk_detections += counts[2];
            summary.risky_users += counts[3];
            summary.graph_activity += counts[4];
            summary.provisioning += counts[5];
            summary.adfs_signins += counts[6];
            summary.sp_risk += counts[7];
            files.extend(written);
            if let Some(b) = batch {
                for s in sinks.iter_mut() {
                    s.day(&b)?;
                }
            }
        }
    }
    for s in sinks {
        files.extend(s.finish()?);
    }
    Ok((summary, files))
}

fn make_sinks(ctx: &Ctx, formats: &[Format]) -> Result<Vec<Box<dyn Sink>>> {
    let mut sinks: Vec<Box<dyn Sink>> = Vec::new();
    for f in formats {
        match f {
            Format::AzureMonitor => {}
            Format::Graph => sinks.push(Box::new(write::GraphSink::new(ctx))),
            Format::LaCsv => sinks.push(Box::new(la::LaSink::new(ctx, false)?)),
            Format::LaJson => sinks.push(Box::new(la::LaSink::new(ctx, true)?)),
            Format::PortalCsv => sinks.push(Box::new(portal::PortalCsvSink::new(ctx, tenant::TENANT_NAME)?)),
            Format::PortalJson => sinks.push(Box::new(write::PortalJsonSink::new(ctx)?)),
        }
    }
    Ok(sinks)
}

/// Window-level records grouped by the UTC day their file/hour belongs to.
fn split_by_day(sp: &scenarios::Specials) -> BTreeMap<i64, DayBatch> {
    let mut m: BTreeMap<i64, DayBatch> = BTreeMap::new();
    let day = |t: i64| t.div_euclid(MS_PER_DAY) * MS_PER_DAY;
    for x in &sp.signins {
        m.entry(day(x.t)).or_default().signins.push(x.clone());
    }
    for x in &sp.audits {
        m.entry(day(x.t)).or_default().audits.push(x.clone());
    }
    for x in &sp.risks {
        m.entry(day(x.t_updated)).or_default().risks.push(x.clone());
    }
    for x in &sp.risky {
        m.entry(day(x.t)).or_default().risky.push(x.clone());
    }
    for x in &sp.graph {
        m.entry(day(x.t)).or_default().graph.push(x.clone());
    }
    for x in &sp.sp_risks {
        m.entry(day(x.t)).or_default().sp_risks.push(x.clone());
    }
    for x in &sp.risky_sps {
        m.entry(day(x.t)).or_default().risky_sps.push(x.clone());
    }
    m
}

fn readme_text(
    opts: &GenOptions,
    t: &tenant::Tenant,
    sp: &scenarios::Specials,
    s: &GenSummary,
    files: &[PathBuf],
    w0: i64,
    w1: i64,
) -> String {
    let mut r = String::new();
    let ts = |ms| Ts(ms, TimeFmt::IsoMsZ);
    let _ = writeln!(r, "# Synthetic Entra ID export (entrascope generate)\n");
    let _ = writeln!(
        r,
        "Fictional tenant **{}** (`{}`), tenant id `{}`; Log Analytics workspace id `{}`.",
        tenant::TENANT_NAME,
        tenant::DOMAIN,
        t.id,
        t.workspace
    );
    let _ = writeln!(
        r,
        "Window {} to {} ({} days), seed {}, {} member users, {:.1} sign-ins per user per day.\n",
        ts(w0),
        ts(w1),
        opts.days,
        opts.seed,
        opts.users,
        opts.signins_per_user_day
    );
    let _ = writeln!(
        r,
        "Records: {} sign-ins, {} directory audits, {} risk detections, {} risky-user records, {} Microsoft Graph requests, {} provisioning events, {} AD FS sign-ins, {} workload-identity risk records (Graph activity, provisioning, AD FS and workload risk are written to the Azure Monitor and Log Analytics shapes only: the Graph API and the portal have no export of them that responders use).",
        s.signins, s.audits, s.risk_detections, s.risky_users, s.graph_activity, s.provisioning, s.adfs_signins, s.sp_risk
    );
    let _ = writeln!(r, "Every record carries the same id, correlation id and millisecond timestamp in every format, so overlapping exports can be deduplicated.\n");
    let _ = writeln!(r, "## What was written\n");
    let mut per_dir: BTreeMap<String, usize> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(&opts.out).unwrap_or(f);
        let top =
            rel.components().next().map(|c| c.as_os_str().to_string_lossy().to_string()).unwrap_or_default();
        *per_dir.entry(top).or_default() += 1;
    }
    for (dir, n) in &per_dir {
        let what = match dir.as_str() {
            "azure-monitor" => "Diagnostic-settings storage archive: `insights-logs-<category>/tenantId=<tid>/y=/m=/d=/h=/m=00/PT1H.json`, NDJSON envelopes (7-digit fractions, `+00:00` in createdDateTime; risk categories use the US-culture envelope time seen in real samples).",
            "graph" => "Microsoft-Extractor-Suite style Graph export: sign-ins as pretty-printed arrays per page with a UTF-8 BOM (one file holds two concatenated arrays, the managed-identity pass ends with a single unrolled object); audits and Identity Protection as raw `@odata` pages.",
            "la-csv" => "Log Analytics portal CSV per table: BOM, `[UTC]` datetime headers with `M/D/YYYY, h:mm:ss.fff AM` values, JSON text in dynamic columns, TRUE/FALSE, TenantId = workspace id.",
            "la-json" => "Log Analytics JSON: query-API `tables[]` shape (SigninLogs, AADServicePrincipalSignInLogs, AADUserRiskEvents, AADRiskyUsers, AADProvisioningLogs, AADServicePrincipalRiskEvents) and NDJSON row objects (the other tables).",
            "portal-csv" => "Entra portal sign-in and audit CSV downloads (fully quoted, exact headers; capped at 100,000 sign-ins / 250,000 audits per file like the portal).",
            "portal-json" => "Entra portal JSON downloads: one top-level array of Graph objects per log type.",
            "ground-truth.json" if opts.noise => "Injected scenarios, benign look-alikes and noise.",
            "ground-truth.json" => "Injected scenarios and benign look-alikes.",
            _ => "",
        };
        let _ = writeln!(r, "- `{dir}` ({n} file{}): {what}", if *n == 1 { "" } else { "s" });
    }
    let _ = writeln!(r, "\n## Networks\n");
    for o in &t.offices {
        let _ = writeln!(
            r,
            "- {} office NAT egress `{}` ({}, AS{})",
            o.name, o.net.ip, o.net.place.country, o.net.asn
        );
    }
    let _ = writeln!(r, "- Corporate VPN egress `{}` (geolocates to Seattle): users abroad appear there, which is not travel.", t.vpn.ip);
    let _ = writeln!(r, "- Home, hotel and partner IPs come from 192.0.2.0/24 and 203.0.113.0/24; service principals run from 198.51.100.5/.6 or Azure (AS8075).");
    if opts.noise {
        let _ = writeln!(r, "- Anything else is attacker infrastructure (hosting / Tor ASNs, only when scenarios are injected) or one of the noise networks listed under Noise below.");
    } else {
        let _ = writeln!(r, "- Anything else is attacker infrastructure (hosting / Tor ASNs) and appears only when scenarios are injected.");
    }
    let _ = writeln!(r, "\n## Notes\n");
    for note in [
        "All timestamps have millisecond precision so every shape can carry the same instant; the portal `Date (UTC)` therefore shows milliseconds where real downloads show whole seconds.",
        "The MSISignIns CSV header is modelled on ApplicationSignIns plus the managed-identity columns; it was not verified against a real download.",
        "Log Analytics `TenantId` is the workspace id; the Entra tenant is in `AADTenantId`.",
        "The legacy-authentication block policy (CA002) and the admin device policy (CA003) are report-only on purpose: posture gaps the scenarios use.",
    ] {
        let _ = writeln!(r, "- {note}");
    }
    if opts.attacks {
        let _ = writeln!(r, "\n## Injected scenarios (see ground-truth.json)\n");
        let mut attacks: Vec<&scenarios::Truth> = sp.attacks.iter().collect();
        attacks.sort_by_key(|x| x.id);
        for x in attacks {
            let _ = writeln!(
                r,
                "{}. **{}**: {} Users: {}. IPs: {}.",
                x.id,
                x.name,
                x.description,
                x.users.join(", "),
                x.ips.join(", ")
            );
        }
        let _ = writeln!(r, "\nBenign look-alikes:\n");
        for x in &sp.benign {
            let _ = writeln!(r, "- **{}**: {}", x.name, x.description);
        }
    }
    r.push_str(&noise::readme(sp));
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::Value;
    use std::path::Path;

    fn opts(name: &str, formats: Vec<Format>) -> GenOptions {
        let out = std::env::temp_dir().join(format!("entrascope-gen-test-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&out);
        GenOptions {
            out,
            seed: 42,
            users: 40,
            days: 7,
            start: chrono::Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap(),
            signins_per_user_day: 8.0,
            formats,
            attacks: true,
            noise: false,
        }
    }

    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out)
            } else {
                out.push(p)
            }
        }
    }

    fn files_under(dir: &Path) -> Vec<PathBuf> {
        let mut v = Vec::new();
        walk(dir, &mut v);
        v
    }

    /// Parse a file that may hold a BOM, NDJSON, an array, concatenated arrays or one object.
    fn json_values(p: &Path) -> Vec<Value> {
        let text = fs::read_to_string(p).unwrap();
        let text = text.trim_start_matches('\u{feff}');
        serde_json::Deserializer::from_str(text)
            .into_iter::<Value>()
            .map(|v| v.unwrap_or_else(|e| panic!("{}: {e}", p.display())))
            .collect()
    }

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(Format::parse(f.name()), Some(f));
        }
        assert_eq!(Format::parse("AzureMonitor"), Some(Format::AzureMonitor));
        assert_eq!(Format::parse("LA_CSV"), Some(Format::LaCsv));
        assert_eq!(Format::parse("nope"), None);
    }

    #[test]
    fn deterministic_output() {
        let a = opts("det-a", Format::ALL.to_vec());
        let b = opts("det-b", Format::ALL.to_vec());
        let sa = generate(&a).unwrap();
        let sb = generate(&b).unwrap();
        assert_eq!(sa, sb);
        let fa = files_under(&a.out);
        let fb = files_under(&b.out);
        assert_eq!(fa.len(), fb.len());
        assert_eq!(fa.len(), sa.files);
        for (x, y) in fa.iter().zip(&fb) {
            assert_eq!(x.strip_prefix(&a.out).unwrap(), y.strip_prefix(&b.out).unwrap());
            assert!(fs::read(x).unwrap() == fs::read(y).unwrap(), "{} differs", x.display());
        }
        fs::remove_dir_all(&a.out).unwrap();
        fs::remove_dir_all(&b.out).unwrap();
    }

    #[test]
    fn noise_is_deterministic_listed_and_written() {
        let formats = vec![Format::AzureMonitor, Format::LaCsv, Format::PortalJson];
        let mut a = opts("noise-a", formats.clone());
        let mut b = opts("noise-b", formats);
        a.noise = true;
        b.noise = true;
        let (sa, sb) = (generate(&a).unwrap(), generate(&b).unwrap());
        assert_eq!(sa, sb);
        let (fa, fb) = (files_under(&a.out), files_under(&b.out));
        assert_eq!(fa.len(), fb.len());
        for (x, y) in fa.iter().zip(&fb) {
            assert!(fs::read(x).unwrap() == fs::read(y).unwrap(), "{} differs", x.display());
        }
        let truth: Value =
            serde_json::from_str(&fs::read_to_string(a.out.join("ground-truth.json")).unwrap()).unwrap();
        let noise = truth["noise"].as_array().unwrap();
        assert_eq!(noise.len(), sa.noise_events);
        assert!(noise
            .iter()
            .all(|x| x["id"].as_u64().unwrap() >= 201 && x["expectedDetections"] == serde_json::json!([])));
        assert!(fs::read_to_string(a.out.join("README.md")).unwrap().contains("## Noise"));
        // workloads written with an SDK carry its user agent
        let sdk = files_under(&a.out.join("azure-monitor"))
            .iter()
            .flat_map(|p| fs::read_to_string(p).unwrap().lines().map(str::to_string).collect::<Vec<_>>())
            .filter(|l| {
                l.contains("\"ServicePrincipalSignInLogs\"") && l.contains("\"userAgent\":\"okhttp/4.12.0\"")
            })
            .count();
        assert!(sdk > 10);
        fs::remove_dir_all(&a.out).unwrap();
        fs::remove_dir_all(&b.out).unwrap();
    }

    #[test]
    fn every_format_writes_parseable_files() {
        let o = opts("all", Format::ALL.to_vec());
        let s = generate(&o).unwrap();
        assert!(s.signins > 1000 && s.audits > 20 && s.risk_detections >= 6 && s.risky_users >= 5, "{s:?}");
        for f in Format::ALL {
            let dir = o.out.join(f.name());
            assert!(!files_under(&dir).is_empty(), "{} wrote nothing", f.name());
        }
        // Azure Monitor: every line is an envelope with properties
        let mut categories = std::collections::BTreeSet::new();
        for p in files_under(&o.out.join("azure-monitor")) {
            assert_eq!(p.file_name().unwrap(), "PT1H.json");
            for line in fs::read_to_string(&p).unwrap().lines() {
                let v: Value = serde_json::from_str(line).unwrap();
                assert!(v["properties"].is_object());
                categories.insert(v["category"].as_str().unwrap().to_string());
            }
        }
        assert_eq!(categories.len(), 12, "{categories:?}");
        // Graph: concatenated arrays and a single-object page exist
        let graph = files_under(&o.out.join("graph"));
        let mut concatenated = false;
        let mut single = false;
        for p in &graph {
            let vals = json_values(p);
            concatenated |= vals.len() == 2 && vals.iter().all(Value::is_array);
            single |= p.to_string_lossy().contains("managedIdentity")
                && vals.iter().any(|v| v.is_object() && v.get("id").is_some());
        }
        assert!(concatenated && single);
        for dir in ["la-json", "portal-json"] {
            for p in files_under(&o.out.join(dir)) {
                assert!(!json_values(&p).is_empty(), "{}", p.display());
            }
        }
        for p in files_under(&o.out.join("la-csv")).into_iter().chain(files_under(&o.out.join("portal-csv")))
        {
            let mut r = csv::ReaderBuilder::new().flexible(false).from_path(&p).unwrap();
            let n = r.headers().unwrap().len();
            for rec in r.records() {
                assert_eq!(rec.unwrap().len(), n, "{}", p.display());
            }
        }
        fs::remove_dir_all(&o.out).unwrap();
    }

    #[test]
    fn portal_csv_header_is_exact() {
        const EXPECTED: &str = r#""Date (UTC)","Request ID","User agent","Correlation ID","User ID","User","Username","User type","Cross tenant access type","Incoming token type","Authentication Protocol","Unique token identifier","Original transfer method","Client credential type","Token Protection - Sign In Session","Token Protection - Sign In Session StatusCode","Application","Application ID ","Resource","Resource ID ","Resource tenant ID","Home tenant ID","Home tenant name","IP address","Location","Status","Sign-in error code","Failure reason","Client app","Device ID","Browser","Operating System","Compliant","Managed","Join Type","Multifactor authentication result","Multifactor authentication auth method","Multifactor authentication auth detail","Authentication requirement","Sign-in identifier","Session ID","IP address (seen by resource)","Through Global Secure Access","Global Secure Access IP address","Autonomous system  number","Flagged for review","Token issuer type","Incoming token type","Token issuer name","Latency","Conditional Access","Managed Identity type","Associated Resource Id","Federated Token Id","Federated Token Issuer""#;
        let mut o = opts("portal", vec![Format::PortalCsv]);
        o.days = 2;
        o.users = 30;
        generate(&o).unwrap();
        for prefix in ["InteractiveSignIns_", "NonInteractiveSignIns_"] {
            let p = files_under(&o.out.join("portal-csv"))
                .into_iter()
                .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
                .unwrap();
            let text = fs::read_to_string(&p).unwrap();
            assert_eq!(text.lines().next().unwrap(), EXPECTED);
        }
        assert_eq!(portal::user_row(&sample_signin(), "t", "n").len(), portal::USER_HEADER.len());
        fs::remove_dir_all(&o.out).unwrap();
    }

    fn sample_signin() -> model::SignIn {
        let t = tenant::Tenant::build(1, 10);
        let p = &t.people[5];
        let mut rng = rng::Rng::new(3);
        simulate::user_signin(
            &t,
            p,
            model::Kind::Interactive,
            0,
            &p.home_net,
            simulate::Client::Browser,
            None,
            t.app(tenant::app::OFFICE_HOME),
            t.resource(tenant::res::GRAPH),
            &mut rng,
        )
    }

    #[test]
    fn scenarios_are_present_and_consistent() {
        let o = opts("scen", vec![Format::AzureMonitor]);
        generate(&o).unwrap();
        let truth: Value =
            serde_json::from_str(&fs::read_to_string(o.out.join("ground-truth.json")).unwrap()).unwrap();
        let scen = truth["scenarios"].as_array().unwrap();
        assert_eq!(scen.len(), 10);
        let mut recs = Vec::new();
        for p in files_under(&o.out.join("azure-monitor")) {
            for line in fs::read_to_string(&p).unwrap().lines() {
                recs.push(serde_json::from_str::<Value>(line).unwrap());
            }
        }
        // password spray: >= 25 users with 50126 from one IP within an hour, then a success
        let spray: Vec<&Value> = recs
            .iter()
            .filter(|r| r["callerIpAddress"] == "45.153.160.2" && r["category"] == "SignInLogs")
            .collect();
        let failed: std::collections::BTreeSet<&str> = spray
            .iter()
            .filter(|r| r["resultType"] == "50126")
            .map(|r| r["properties"]["userPrincipalName"].as_str().unwrap())
            .collect();
        assert!(failed.len() >= 25);
        assert!(spray.iter().any(|r| r["resultType"] == "0"));
        // MFA fatigue: >= 8 x 500121 for one user
        assert!(recs.iter().filter(|r| r["resultType"] == "500121").count() >= 8);
        // the en-dash activity with its trailing space
        assert!(recs
            .iter()
            .any(|r| r["operationName"] == "Update application – Certificates and secrets management "));
        assert!(recs.iter().any(|r| r["properties"]["authenticationProtocol"] == "deviceCode"));
        // every record of a scenario user's risk detection joins to a sign-in id
        let ids: std::collections::BTreeSet<&str> = recs
            .iter()
            .filter(|r| r["operationName"] == "Sign-in activity")
            .map(|r| r["properties"]["id"].as_str().unwrap())
            .collect();
        for r in recs.iter().filter(|r| r["category"] == "UserRiskEvents") {
            assert!(ids.contains(r["properties"]["requestId"].as_str().unwrap()), "{}", r["properties"]);
        }
        fs::remove_dir_all(&o.out).unwrap();
    }
}
