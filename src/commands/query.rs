//! `entrascope query`: SQL, or shorthand filters, over the canonical tables.
//!
//! A dataset directory is scanned lazily, so polars reads only the columns and row groups a
//! query needs. `--analysis DIR` adds the `findings` and `incidents` of an `analyze` run.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use polars::prelude::*;
use polars::sql::SQLContext;

use crate::cli::{Cli, QueryArgs, QueryFormat};
use crate::dataset::select;
use crate::dataset::Dataset;
use crate::detect::finding::to_json;
use crate::ingest;
use crate::pipeline::parse_bound;
use crate::schema::Table;

/// The schema hint printed with a failing query.
fn schema_hint() -> String {
    let mut s = String::from("tables and columns (entrascope schema for meanings):");
    for t in Table::ALL {
        let cols: Vec<&str> = t.doc().columns.iter().map(|c| c.name).collect();
        s.push_str(&format!("\n  {}: {}", t.name(), cols.join(", ")));
    }
    s.push_str("\n  findings, incidents: with --analysis DIR (columns of findings.csv / incidents.csv)");
    s
}

fn read_csv(path: &Path) -> Result<LazyFrame> {
    let read = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(|r| r.finish());
    let f = Context::with_context(read, || {
        format!("reading {}; is it an entrascope analyze output?", path.display())
    })?;
    Ok(f.lazy())
}

/// Columns the shorthand table view shows by default: what fits a terminal and answers "who,
/// from where, what happened".
fn default_columns(table: Table) -> &'static [&'static str] {
    match table {
        Table::SignIns => &[
            "time",
            "user_principal_name",
            "ip_address",
            "app_display_name",
            "result",
            "error_code",
            "country",
            "user_agent",
        ],
        Table::Audits => &["time", "activity", "actor_upn", "target_name", "result", "ip_address"],
        Table::RiskDetections => {
            &["time", "user_principal_name", "risk_event_type", "risk_level", "risk_state", "ip_address"]
        }
        Table::RiskyUsers => &["time", "user_principal_name", "risk_level", "risk_state", "risk_detail"],
        Table::GraphActivity => &[
            "time",
            "user_id",
            "service_principal_id",
            "ip_address",
            "request_method",
            "resource_path",
            "response_status",
        ],
        Table::Provisioning => {
            &["time", "action", "status", "source_identity_name", "target_system", "error_code"]
        }
        Table::RiskyServicePrincipals => {
            &["time", "service_principal_name", "app_id", "risk_level", "risk_state"]
        }
    }
}

/// A query error with the schema hint, unless polars already listed the columns.
fn query_error(e: impl std::fmt::Display) -> anyhow::Error {
    let msg = e.to_string();
    if msg.contains("valid columns") {
        anyhow!("query failed: {msg}\n(entrascope schema lists every table and column)")
    } else {
        anyhow!("query failed: {msg}\n{}", schema_hint())
    }
}

/// Rows of `table` matching the shorthand filters.
fn shorthand(ds: &Dataset, args: &QueryArgs) -> Result<LazyFrame> {
    let table = Table::from_name(&args.table).ok_or_else(|| {
        anyhow!(
            "unknown table {:?}; use signins, audits, risk_detections, risky_users, graph_activity, provisioning or risky_service_principals",
            args.table
        )
    })?;
    let since = args.since.as_deref().map(|v| parse_bound("--since", v)).transpose()?;
    let until = args.until.as_deref().map(|v| parse_bound("--until", v)).transpose()?;
    let mut lf = select::window(ds.table(table), since, until);
    if let Some(u) = &args.user {
        lf = lf.filter(select::user(table, u));
    }
    if let Some(ip) = &args.ip {
        let cond = select::ip(lf.clone(), ip)?;
        lf = lf.filter(cond);
    }
    if let Some(app) = &args.app {
        let pat = lit(app.to_ascii_lowercase());
        let cond = match table {
            Table::SignIns => col("app_display_name")
                .str()
                .to_lowercase()
                .str()
                .contains_literal(pat.clone())
                .or(col("app_id").eq(lit(app.clone())))
                .or(col("service_principal_name").str().to_lowercase().str().contains_literal(pat)),
            Table::Audits => col("target_name")
                .str()
                .to_lowercase()
                .str()
                .contains_literal(pat.clone())
                .or(col("actor_app_name").str().to_lowercase().str().contains_literal(pat))
                .or(col("actor_app_id").eq(lit(app.clone()))),
            _ => bail!("--app filters signins and audits"),
        };
        lf = lf.filter(cond.fill_null(lit(false)));
    }
    if let Some(r) = &args.result {
        lf = lf.filter(col("result").eq(lit(r.to_ascii_lowercase())));
    }
    let lf =
        lf.sort(["time"], SortMultipleOptions::default().with_nulls_last(true).with_maintain_order(true));
    let columns: Vec<String> = if !args.columns.is_empty() {
        args.columns.iter().map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect()
    } else if args.format == QueryFormat::Table && !args.all_columns {
        default_columns(table).iter().map(|c| c.to_string()).collect()
    } else {
        Vec::new()
    };
    if columns.is_empty() {
        return Ok(lf);
    }
    let known: Vec<&str> = table.doc().columns.iter().map(|c| c.name).collect();
    if let Some(bad) = columns.iter().find(|c| !known.contains(&c.as_str())) {
        bail!("{} has no column {bad:?}; its columns: {}", table.name(), known.join(", "));
    }
    Ok(lf.select(columns.iter().map(|c| col(c.as_str())).collect::<Vec<_>>()))
}

fn write_output(df: &mut DataFrame, format: QueryFormat, out: Option<&Path>) -> Result<()> {
    let written = write_to(df, format, out);
    match out {
        Some(p) => written.map_err(|e| crate::fsio::failed(p, None, e)),
        None => written,
    }
}

fn write_to(df: &mut DataFrame, format: QueryFormat, out: Option<&Path>) -> Result<()> {
    let mut sink: Box<dyn Write> = match out {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let names: Vec<String> = df.get_column_names().iter().map(|s| s.to_string()).collect();
    match format {
        QueryFormat::Table => {
            // SAFETY-free env: set before the first frame is formatted, read by polars' Display.
            std::env::set_var("POLARS_FMT_MAX_ROWS", "40");
            std::env::set_var("POLARS_FMT_STR_LEN", "48");
            writeln!(sink, "{df}")?;
            writeln!(sink, "{} rows", df.height())?;
        }
        QueryFormat::Csv => {
            let mut w = csv::Writer::from_writer(sink);
            w.write_record(&names)?;
            for i in 0..df.height() {
                let row: Vec<String> = df
                    .columns()
                    .iter()
                    .map(|c| {
                        crate::report::csv_cell(&crate::report::cell_text(c.get(i).unwrap_or(AnyValue::Null)))
                            .into_owned()
                    })
                    .collect();
                w.write_record(&row)?;
            }
            w.flush()?;
            return Ok(());
        }
        QueryFormat::Json => {
            for i in 0..df.height() {
                let mut obj = serde_json::Map::new();
                for (n, c) in names.iter().zip(df.columns()) {
                    obj.insert(n.clone(), to_json(c.get(i).unwrap_or(AnyValue::Null).into_static()));
                }
                serde_json::to_writer(&mut sink, &obj)?;
                writeln!(sink)?;
            }
        }
        QueryFormat::Parquet => {
            let Some(p) = out else { bail!("--format parquet needs --out FILE") };
            drop(sink);
            let f = std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?;
            Context::with_context(ParquetWriter::new(f).finish(df), || format!("writing {}", p.display()))?;
            return Ok(());
        }
    }
    sink.flush()?;
    Ok(())
}

pub fn run(cli: &Cli, args: &QueryArgs) -> Result<ExitCode> {
    let opts = ingest::Options { max_expand: 16 << 30, progress: !cli.quiet, ..Default::default() };
    let ds = Dataset::open(std::slice::from_ref(&args.target), &opts)?;
    let lf = match &args.sql {
        Some(sql) => {
            let mut ctx = SQLContext::new();
            for t in Table::ALL {
                ctx.register(t.name(), ds.table(t));
            }
            if let Some(dir) = &args.analysis {
                ctx.register("findings", read_csv(&dir.join("findings.csv"))?);
                ctx.register("incidents", read_csv(&dir.join("incidents.csv"))?);
            }
            ctx.execute(sql).map_err(query_error)?
        }
        None => shorthand(&ds, args)?,
    };
    let mut df = crate::detect::run::on_big_stack(|| lf.collect()).map_err(query_error)?;
    write_output(&mut df, args.format, args.out.as_deref())?;
    if args.sql.is_none()
        && args.format == QueryFormat::Table
        && args.columns.is_empty()
        && !args.all_columns
        && !cli.quiet
    {
        eprintln!("default columns shown; --columns a,b,c or --all-columns for the rest");
    }
    if let (Some(p), false) = (&args.out, cli.quiet) {
        eprintln!("{} rows written to {}", df.height(), p.display());
    }
    Ok(ExitCode::SUCCESS)
}
