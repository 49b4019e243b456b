//! One generated tenant, written in every export shape, must load to the same canonical rows
//! — apart from provenance and the fields a shape does not carry at all, which are listed
//! here explicitly (and in the README) so a reader regression cannot hide behind them.

use std::collections::BTreeMap;

use entrascope::generate::{self, Format, GenOptions};
use entrascope::schema::Table;
use polars::prelude::*;

use crate::common::{load, scratch};

const PROVENANCE: [&str; 3] = ["source_file", "source_format", "source_record"];

/// Columns a shape cannot carry, per table; `service` lists extra columns missing only on
/// service-principal and managed-identity sign-ins.
struct Limits {
    all: &'static [&'static str],
    service: &'static [&'static str],
}

fn limits(format: Format, table: Table) -> Limits {
    const NONE: &[&str] = &[];
    match (format, table) {
        // Graph objects have no envelope: no tenant id, no `identity` display name.
        (Format::Graph | Format::PortalJson, Table::Audits) => {
            Limits { all: &["tenant_id", "actor_display_name"], service: NONE }
        }
        (Format::Graph | Format::PortalJson, Table::RiskDetections | Table::RiskyUsers) => {
            Limits { all: &["tenant_id"], service: NONE }
        }
        // LA's service-principal and managed-identity tables have far fewer columns.
        (Format::LaCsv | Format::LaJson, Table::SignIns) => Limits {
            all: NONE,
            service: &[
                "app_display_name",
                // an SDK user agent on a workload sign-in (generate --noise)
                "user_agent",
                "authentication_protocol",
                "incoming_token_type",
                "risk_level_during_signin",
                "risk_level_aggregated",
                "risk_state",
                "risk_detail",
                "token_issuer_type",
                "cross_tenant_access_type",
                "home_tenant_id",
                "resource_tenant_id",
                "tenant_id",
                "managed_identity_type",
            ],
        },
        (
            Format::LaCsv | Format::LaJson,
            Table::RiskDetections | Table::RiskyUsers | Table::Provisioning | Table::RiskyServicePrincipals,
        ) => Limits { all: &["tenant_id"], service: NONE },
        (Format::PortalCsv, Table::SignIns) => Limits {
            all: &[
                "original_request_id",
                "latitude",
                "longitude",
                "device_name",
                "auth_methods",
                "auth_step_details",
                "ca_policies",
                "ca_grant_controls",
                "authentication_processing_details",
                "risk_level_during_signin",
                "risk_level_aggregated",
                "risk_state",
                "risk_detail",
                "risk_event_types",
            ],
            service: &[
                "unique_token_id",
                "user_agent",
                "asn",
                "authentication_protocol",
                "incoming_token_type",
                "client_credential_type",
                "token_issuer_type",
                "cross_tenant_access_type",
            ],
        },
        // The portal audit CSV: no id, no operation type, app actors without app id, at most
        // 3 targets × 5 modified properties.
        (Format::PortalCsv, Table::Audits) => Limits {
            all: &["id", "operation_type", "actor_app_id", "changes", "targets", "tenant_id"],
            service: NONE,
        },
        _ => Limits { all: NONE, service: NONE },
    }
}

fn sort_key(table: Table) -> Vec<&'static str> {
    match table {
        Table::SignIns => vec!["category", "id"],
        Table::Audits => vec!["time", "correlation_id", "activity", "target_id"],
        _ => vec!["id"],
    }
}

fn prepared(df: &DataFrame, table: Table, drop: &[&str]) -> DataFrame {
    let keep: Vec<&str> = df
        .get_column_names()
        .into_iter()
        .map(|s| s.as_str())
        .filter(|c| !PROVENANCE.contains(c) && !drop.contains(c))
        .collect();
    df.select(keep)
        .unwrap()
        .sort(sort_key(table), SortMultipleOptions::default().with_maintain_order(true))
        .unwrap()
}

fn compare(format: Format, table: Table, want: &DataFrame, got: &DataFrame) -> Vec<String> {
    let l = limits(format, table);
    let mut problems = Vec::new();
    if want.height() != got.height() {
        return vec![format!(
            "{} {}: {} rows, expected {}",
            format.name(),
            table.name(),
            got.height(),
            want.height()
        )];
    }
    let split = |df: &DataFrame, service: bool| -> DataFrame {
        if table != Table::SignIns {
            return if service { df.head(Some(0)) } else { df.clone() };
        }
        let cat = df.column("category").unwrap().str().unwrap().clone();
        let mask: BooleanChunked = cat
            .iter()
            .map(|c| Some(matches!(c, Some("service_principal" | "managed_identity")) == service))
            .collect();
        df.filter(&mask).unwrap()
    };
    for service in [false, true] {
        let mut drop: Vec<&str> = l.all.to_vec();
        if service {
            drop.extend(l.service);
        }
        let (w, g) =
            (prepared(&split(want, service), table, &drop), prepared(&split(got, service), table, &drop));
        for c in w.get_column_names() {
            let (a, b) = (w.column(c).unwrap(), g.column(c).unwrap());
            if !a.as_materialized_series().equals_missing(b.as_materialized_series()) {
                let i = (0..a.len()).find(|&i| a.get(i).unwrap() != b.get(i).unwrap()).unwrap_or(0);
                problems.push(format!(
                    "{} {}.{c}{}: {:?} vs expected {:?}",
                    format.name(),
                    table.name(),
                    if service { " (service sign-ins)" } else { "" },
                    b.get(i).unwrap(),
                    a.get(i).unwrap()
                ));
            }
        }
    }
    problems
}

/// The reference rows without the records only diagnostic settings and Log Analytics carry:
/// AD FS sign-ins and workload-identity risk detections.
fn monitor_only_rows_removed(table: Table, df: &DataFrame) -> DataFrame {
    let keep = match table {
        Table::SignIns => col("category").neq(lit("adfs")),
        Table::RiskDetections => col("service_principal_id").is_null(),
        _ => lit(true),
    };
    df.clone().lazy().filter(keep).collect().unwrap()
}

#[test]
fn every_export_shape_loads_to_the_same_canonical_rows() {
    same_rows_in_every_shape("crossformat", 16, false);
}

/// The `--noise` records (proxies, CGNAT, legacy clients, SDK user agents on workloads …)
/// are written the same way by every shape.
#[test]
fn noise_loads_to_the_same_canonical_rows_in_every_shape() {
    same_rows_in_every_shape("crossformat-noise", 40, true);
}

fn same_rows_in_every_shape(name: &str, users: usize, noise: bool) {
    let out = scratch(name);
    let opts = GenOptions {
        out: out.clone(),
        seed: 7,
        users,
        days: 2,
        start: chrono::DateTime::parse_from_rfc3339("2026-10-05T00:00:00Z").unwrap().to_utc(),
        signins_per_user_day: 6.0,
        formats: Format::ALL.to_vec(),
        attacks: true,
        noise,
    };
    let summary = generate::generate(&opts).unwrap();
    assert_eq!(summary.noise_events > 0, noise);

    let (_, reference) = load(&[out.join(Format::AzureMonitor.name())]);
    assert!(reference[&Table::SignIns].height() > 100, "the reference shape loaded sign-ins");
    // every category the generator writes arrives, with the counts it wrote
    assert_eq!(reference[&Table::GraphActivity].height(), summary.graph_activity);
    assert_eq!(reference[&Table::Provisioning].height(), summary.provisioning);
    let adfs = reference[&Table::SignIns]
        .column("category")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .filter(|c| *c == Some("adfs"))
        .count();
    assert_eq!(adfs, summary.adfs_signins);
    let sp_risk = reference[&Table::RiskDetections]
        .column("service_principal_id")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .filter(Option::is_some)
        .count()
        + reference[&Table::RiskyServicePrincipals].height();
    assert_eq!(sp_risk, summary.sp_risk);
    assert!(summary.graph_activity > 100 && summary.adfs_signins > 0 && summary.sp_risk == 2, "{summary:?}");
    let mut problems = Vec::new();
    for format in Format::ALL.into_iter().filter(|f| *f != Format::AzureMonitor) {
        let (report, tables) = load(&[out.join(format.name())]);
        assert_eq!(report.totals.rejected, 0, "{}: {:?}", format.name(), report.rejects.first());
        // Graph activity, AD FS sign-ins, provisioning and workload-identity risk exist only
        // in the diagnostic-settings and Log Analytics shapes.
        let monitor_only = !matches!(format, Format::LaCsv | Format::LaJson);
        for table in Table::ALL {
            let got = &tables[&table];
            if got.height() == 0
                && matches!(format, Format::PortalCsv | Format::PortalJson)
                && matches!(table, Table::RiskDetections | Table::RiskyUsers)
            {
                continue; // the portal download has no Identity Protection export
            }
            if monitor_only && !table.is_core() {
                assert_eq!(got.height(), 0, "{} {}", format.name(), table.name());
                continue;
            }
            let want = if monitor_only {
                monitor_only_rows_removed(table, &reference[&table])
            } else {
                reference[&table].clone()
            };
            problems.extend(compare(format, table, &want, got));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // Everything at once: overlapping exports collapse to one copy of each record.
    let (all, tables) = load(std::slice::from_ref(&out));
    let counts: BTreeMap<&str, usize> = Table::ALL.iter().map(|t| (t.name(), tables[t].height())).collect();
    let want: BTreeMap<&str, usize> = Table::ALL.iter().map(|t| (t.name(), reference[t].height())).collect();
    assert_eq!(counts, want);
    // six shapes of the core tables, three of the rest: most records arrive several times
    assert!(all.totals.duplicate > all.totals.loaded * 3, "{:?}", all.totals);
}
