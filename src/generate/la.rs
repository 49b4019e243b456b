//! Log Analytics / Sentinel table exports: the portal "Export to CSV" files
//! and the two JSON shapes (query API `tables[]` and NDJSON row objects).
//!
//! Each table is a list of columns pairing the column name and type with an
//! extractor, so the three renderings cannot drift apart.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::Result;
use serde_json::Value;

use super::activity;
use super::json::*;
use super::model::*;
use super::write::{create, Ctx, Sink};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaType {
    Str,
    Time,
    Bool,
    Long,
    Dyn,
}

impl LaType {
    fn api_name(self) -> &'static str {
        match self {
            LaType::Str => "string",
            LaType::Time => "datetime",
            LaType::Bool => "bool",
            LaType::Long => "long",
            LaType::Dyn => "dynamic",
        }
    }
}

pub enum Cell {
    S(String),
    T(i64),
    B(bool),
    I(i64),
    /// JSON text (dynamic columns travel as strings in every export).
    J(String),
}

fn st(v: &str) -> Cell {
    Cell::S(v.to_string())
}

pub struct LaCtx {
    pub tid: String,
    pub workspace: String,
}

pub struct Col<R> {
    pub name: &'static str,
    pub ty: LaType,
    pub get: fn(&R, &LaCtx) -> Cell,
}

type ColFn<R> = fn(&'static str, LaType, fn(&R, &LaCtx) -> Cell) -> Col<R>;

fn col<R>(name: &'static str, ty: LaType, get: fn(&R, &LaCtx) -> Cell) -> Col<R> {
    Col { name, ty, get }
}

// ---------------------------------------------------------------------------
// table schemas

/// SigninLogs and AADNonInteractiveUserSignInLogs; the NI table types its
/// JSON columns as strings and renames ProcessingTimeInMilliseconds.
pub fn user_signin_cols(ni: bool) -> Vec<Col<SignIn>> {
    use LaType::*;
    let col: ColFn<SignIn> = col;
    let dy = if ni { Str } else { Dyn };
    let mut v = vec![
        col("TenantId", Str, |_, c| st(&c.workspace)),
        col("SourceSystem", Str, |_, _| st("Azure AD")),
        col("TimeGenerated", Time, |r, _| Cell::T(r.t)),
        col("ResourceId", Str, |_, c| Cell::S(format!("/tenants/{}/providers/Microsoft.aadiam", c.tid))),
        col("OperationName", Str, |_, _| st("Sign-in activity")),
        col("OperationVersion", Str, |_, _| st("1.0")),
        col("Category", Str, |r, _| st(r.kind.category())),
        col("ResultType", Str, |r, _| Cell::S(r.error.to_string())),
        col("ResultSignature", Str, |_, _| st("None")),
        col("ResultDescription", Str, |r, _| st(if r.error == 0 { "" } else { failure_reason(r.error) })),
        col("DurationMs", Long, |_, _| Cell::I(0)),
        col("CorrelationId", Str, |r, _| Cell::S(r.correlation.to_string())),
        col("Resource", Str, |_, _| st("Microsoft.aadiam")),
        col("ResourceGroup", Str, |_, _| st("Microsoft.aadiam")),
        col("ResourceProvider", Str, |_, _| st("")),
        col("Identity", Str, |r, _| st(r.display().unwrap_or(""))),
        col("Level", Str, |_, _| st("4")),
        col("Location", Str, |r, _| st(&r.net.place.country)),
        col("AlternateSignInName", Str, |r, _| st(r.upn().unwrap_or(""))),
        col("AppDisplayName", Str, |r, _| st(&r.app.name)),
        col("AppId", Str, |r, _| st(&r.app.id)),
        col("AuthenticationContextClassReferences", Str, |_, _| st("[]")),
        col("AuthenticationDetails", Str, |r, _| Cell::J(to_json_pretty(&StepsJson(r, Style::La)))),
        col("AuthenticationMethodsUsed", Str, |_, _| st("")),
        col("AuthenticationProcessingDetails", Str, |r, _| Cell::J(to_json_pretty(&ProcessingJson(r)))),
        col("AuthenticationRequirement", Str, |r, _| st(auth_requirement(r))),
        col("AuthenticationRequirementPolicies", Str, |r, _| Cell::J(to_json(&AuthReqPoliciesJson(r)))),
        col("ClientAppUsed", Str, |r, _| st(r.client_app)),
        col("ConditionalAccessPolicies", dy, |r, _| Cell::J(to_json(&CaJson(&r.ca)))),
        col("ConditionalAccessStatus", Str, |r, _| st(r.ca_status)),
        col("CreatedDateTime", Time, |r, _| Cell::T(r.t)),
        col("DeviceDetail", dy, |r, _| Cell::J(to_json(&DeviceJson(&r.device)))),
        col("IsInteractive", Bool, |r, _| Cell::B(r.kind == Kind::Interactive)),
        col("Id", Str, |r, _| Cell::S(r.id.to_string())),
        col("IPAddress", Str, |r, _| st(&r.net.ip)),
        col("IsRisky", Bool, |r, _| Cell::B(r.risk_state == "atRisk")),
        col("LocationDetails", dy, |r, _| Cell::J(to_json(&LocationJson(&r.net.place)))),
        col("MfaDetail", dy, |r, _| Cell::J(to_json(&MfaJson(r)))),
        col("NetworkLocationDetails", Str, |r, _| Cell::J(to_json(&NetLocJson(&r.net)))),
        col("OriginalRequestId", Str, |r, _| Cell::S(r.id.to_string())),
    ];
    v.push(if ni {
        col("ProcessingTimeInMs", Str, |r, _| Cell::S(r.processing_ms.to_string()))
    } else {
        col("ProcessingTimeInMilliseconds", Str, |r, _| Cell::S(r.processing_ms.to_string()))
    });
    v.extend([
        col("RiskDetail", Str, |_, _| st("none")),
        col("RiskEventTypes", Str, |r, _| Cell::J(to_json(&r.risk_types))),
        col("RiskEventTypes_V2", Str, |r, _| Cell::J(to_json(&r.risk_types))),
        col("RiskLevelAggregated", Str, |r, _| st(r.risk_agg)),
        col("RiskLevelDuringSignIn", Str, |r, _| st(r.risk_during)),
        col("RiskState", Str, |r, _| st(r.risk_state)),
        col("ResourceDisplayName", Str, |r, _| st(&r.resource.name)),
        col("ResourceIdentity", Str, |r, _| st(&r.resource.id)),
        col("ServicePrincipalId", Str, |_, _| st("")),
        col("ServicePrincipalName", Str, |_, _| st("")),
        col("Status", dy, |r, _| Cell::J(to_json(&StatusJson(r)))),
        col("TokenIssuerName", Str, |_, _| st("")),
        col("TokenIssuerType", Str, |_, _| st("AzureAD")),
        col("UserAgent", Str, |r, _| st(&r.ua)),
        col("UserDisplayName", Str, |r, _| st(r.display().unwrap_or(""))),
        col("UserId", Str, |r, _| Cell::S(r.user.as_ref().map(|u| u.id.to_string()).unwrap_or_default())),
        col("UserPrincipalName", Str, |r, _| st(r.upn().unwrap_or(""))),
        col("AADTenantId", Str, |_, c| st(&c.tid)),
        col("UserType", Str, |r, _| st(r.user.as_ref().map(|u| user_type(u, Style::La)).unwrap_or(""))),
        col("FlaggedForReview", Bool, |_, _| Cell::B(false)),
        col("IPAddressFromResourceProvider", Str, |_, _| st("")),
        col("SignInIdentifier", Str, |r, _| st(r.upn().unwrap_or(""))),
        col("SignInIdentifierType", Str, |_, _| st("userPrincipalName")),
        col("ResourceTenantId", Str, |_, c| st(&c.tid)),
        col("HomeTenantId", Str, |r, c| st(&home_tenant(r, &c.tid))),
        col("UniqueTokenIdentifier", Str, |r, _| st(&r.uti)),
        col("SessionLifetimePolicies", Str, |_, _| st("[]")),
        col("AutonomousSystemNumber", Str, |r, _| Cell::S(r.net.asn.to_string())),
        col("AuthenticationProtocol", Str, |r, _| st(r.protocol)),
        col("CrossTenantAccessType", Str, |r, _| st(r.cross_tenant)),
        col("IncomingTokenType", Str, |r, _| st(r.incoming)),
        col("OriginalTransferMethod", Str, |r, _| st(r.transfer)),
        col("ClientCredentialType", Str, |r, _| st(r.cred_type)),
        col("ResourceServicePrincipalId", Str, |r, _| Cell::S(r.resource.sp_id.to_string())),
        col("SessionId", Str, |r, _| Cell::S(r.session.map(|g| g.to_string()).unwrap_or_default())),
    ]);
    if ni {
        v.push(col("SignInEventTypes", Str, |r, _| Cell::J(to_json(&[r.kind.event_type()]))));
    }
    v.push(col("Type", Str, |r, _| st(r.kind.la_table())));
    v
}

/// AADServicePrincipalSignInLogs and AADManagedIdentitySignInLogs.
pub fn workload_cols() -> Vec<Col<SignIn>> {
    use LaType::*;
    let col: ColFn<SignIn> = col;
    vec![
        col("TenantId", Str, |_, c| st(&c.workspace)),
        col("SourceSystem", Str, |_, _| st("Azure AD")),
        col("TimeGenerated", Time, |r, _| Cell::T(r.t)),
        col("OperationName", Str, |_, _| st("Sign-in activity")),
        col("OperationVersion", Str, |_, _| st("1.0")),
        col("Category", Str, |r, _| st(r.kind.category())),
        col("ResultType", Str, |r, _| Cell::S(r.error.to_string())),
        col("ResultSignature", Str, |_, _| st("None")),
        col("ResultDescription", Str, |r, _| st(if r.error == 0 { "" } else { failure_reason(r.error) })),
        col("DurationMs", Long, |_, _| Cell::I(0)),
        col("CorrelationId", Str, |r, _| Cell::S(r.correlation.to_string())),
        col("ResourceGroup", Str, |_, _| st("Microsoft.aadiam")),
        col("Identity", Str, |r, _| st(&r.app.name)),
        col("Level", Str, |_, _| st("4")),
        col("Location", Str, |r, _| st(&r.net.place.country)),
        col("AppId", Str, |r, _| st(&r.app.id)),
        col("AuthenticationProcessingDetails", Dyn, |r, _| Cell::J(to_json(&ProcessingJson(r)))),
        col("ClientCredentialType", Str, |r, _| st(r.cred_type)),
        col("ConditionalAccessPolicies", Dyn, |r, _| Cell::J(to_json(&CaJson(&r.ca)))),
        col("ConditionalAccessStatus", Str, |r, _| st(r.ca_status)),
        col("FederatedCredentialId", Str, |_, _| st("")),
        col("Id", Str, |r, _| Cell::S(r.id.to_string())),
        col("IPAddress", Str, |r, _| st(&r.net.ip)),
        col("LocationDetails", Dyn, |r, _| Cell::J(to_json(&LocationJson(&r.net.place)))),
        col("ResourceDisplayName", Str, |r, _| st(&r.resource.name)),
        col("ResourceIdentity", Str, |r, _| st(&r.resource.id)),
        col("ResourceServicePrincipalId", Str, |r, _| Cell::S(r.resource.sp_id.to_string())),
        col("ServicePrincipalCredentialKeyId", Str, |r, _| {
            Cell::S(r.cred_key.map(|g| g.to_string()).unwrap_or_default())
        }),
        col("ServicePrincipalCredentialThumbprint", Str, |r, _| st(r.cred_thumb.as_deref().unwrap_or(""))),
        col("ServicePrincipalId", Str, |r, _| {
            Cell::S(r.workload.as_ref().map(|w| w.sp_id.to_string()).unwrap_or_default())
        }),
        col("ServicePrincipalName", Str, |r, _| st(&r.app.name)),
        col("UniqueTokenIdentifier", Str, |r, _| st(&r.uti)),
        col("AutonomousSystemNumber", Str, |r, _| {
            Cell::S(if r.net.asn == 0 { String::new() } else { r.net.asn.to_string() })
        }),
        col("Type", Str, |r, _| st(r.kind.la_table())),
    ]
}

pub fn audit_cols() -> Vec<Col<Audit>> {
    use LaType::*;
    let col: ColFn<Audit> = col;
    vec![
        col("TenantId", Str, |_, c| st(&c.workspace)),
        col("SourceSystem", Str, |_, _| st("Azure AD")),
        col("TimeGenerated", Time, |a, _| Cell::T(a.t)),
        col("ResourceId", Str, |_, c| Cell::S(format!("/tenants/{}/providers/Microsoft.aadiam", c.tid))),
        col("OperationName", Str, |a, _| st(&a.activity)),
        col("OperationVersion", Str, |_, _| st("1.0")),
        col("Category", Str, |a, _| st(a.category)),
        col("ResultType", Str, |_, _| st("")),
        col("ResultSignature", Str, |_, _| st("None")),
        col("ResultDescription", Str, |a, _| st(&a.result_reason)),
        col("DurationMs", Long, |_, _| Cell::I(0)),
        col("CorrelationId", Str, |a, _| Cell::S(a.correlation.to_string())),
        col("Resource", Str, |_, _| st("Microsoft.aadiam")),
        col("ResourceGroup", Str, |_, _| st("Microsoft.aadiam")),
        col("ResourceProvider", Str, |_, _| st("")),
        col("Identity", Str, |a, _| st(a.initiator.display())),
        col("Level", Str, |_, _| st("4")),
        col("Location", Str, |_, _| st("")),
        col("AdditionalDetails", Dyn, |a, _| Cell::J(to_json(&DetailsJson(&a.details)))),
        col("Id", Str, |a, _| st(&a.id)),
        col("InitiatedBy", Dyn, |a, _| Cell::J(to_json(&InitiatedByJson(&a.initiator, Style::La)))),
        col("LoggedByService", Str, |a, _| st(a.service)),
        col("Result", Str, |a, _| st(a.result)),
        col("ResultReason", Str, |a, _| st(&a.result_reason)),
        col("TargetResources", Dyn, |a, _| Cell::J(to_json(&TargetsJson(&a.targets)))),
        col("AADTenantId", Str, |_, c| st(&c.tid)),
        col("ActivityDisplayName", Str, |a, _| st(&a.activity)),
        col("ActivityDateTime", Time, |a, _| Cell::T(a.t)),
        col("AADOperationType", Str, |a, _| st(a.op_type)),
        col("Type", Str, |_, _| st("AuditLogs")),
    ]
}

pub fn risk_cols() -> Vec<Col<RiskDetection>> {
    use LaType::*;
    let col: ColFn<RiskDetection> = col;
    vec![
        col("TenantId", Str, |_, c| st(&c.workspace)),
        col("SourceSystem", Str, |_, _| st("Azure AD")),
        col("TimeGenerated", Time, |r, _| Cell::T(r.t_updated)),
        col("Id", Str, |r, _| st(&r.id)),
        col("RequestId", Str, |r, _| Cell::S(r.request_id.to_string())),
        col("CorrelationId", Str, |r, _| Cell::S(r.correlation.to_string())),
        col("RiskEventType", Str, |r, _| st(r.event_type)),
        col("RiskLevel", Str, |r, _| st(r.level)),
        col("RiskState", Str, |r, _| st(r.state)),
        col("RiskDetail", Str, |r, _| st(r.detail)),
        col("Source", Str, |_, _| st("IdentityProtection")),
        col("DetectionTimingType", Str, |r, _| st(r.timing)),
        col("Activity", Str, |r, _| st(r.activity)),
        col("ActivityDateTime", Time, |r, _| Cell::T(r.t_activity)),
        col("DetectedDateTime", Time, |r, _| Cell::T(r.t_detected)),
        col("LastUpdatedDateTime", Time, |r, _| Cell::T(r.t_updated)),
        col("IpAddress", Str, |r, _| st(&r.net.ip)),
        col("Location", Dyn, |r, _| Cell::J(to_json(&LocationJson(&r.net.place)))),
        col("AdditionalInfo", Dyn, |r, _| Cell::J(risk_additional_info(r))),
        col("TokenIssuerType", Str, |_, _| st("AzureAD")),
        col("UserId", Str, |r, _| Cell::S(r.user.id.to_string())),
        col("UserDisplayName", Str, |r, _| st(&r.user.display)),
        col("UserPrincipalName", Str, |r, _| st(&r.user.upn)),
        col("OperationName", Str, |_, _| st("User Risk Detection")),
        col("Type", Str, |_, _| st("AADUserRiskEvents")),
    ]
}

pub fn risky_cols() -> Vec<Col<RiskyUser>> {
    use LaType::*;
    let col: ColFn<RiskyUser> = col;
    vec![
        col("TenantId", Str, |_, c| st(&c.workspace)),
        col("SourceSystem", Str, |_, _| st("Azure AD")),
        col("TimeGenerated", Time, |r, _| Cell::T(r.t)),
        col("Id", Str, |r, _| Cell::S(r.user.id.to_string())),
        col("UserPrincipalName", Str, |r, _| st(&r.user.upn)),
        col("UserDisplayName", Str, |r, _| st(&r.user.display)),
        col("RiskLevel", Str, |r, _| st(r.level)),
        col("RiskState", Str, |r, _| st(r.state)),
        col("RiskDetail", Str, |r, _| st(r.detail)),
        col("RiskLastUpdatedDateTime", Time, |r, _| Cell::T(r.t)),
        col("IsDeleted", Bool, |_, _| Cell::B(false)),
        col("IsProcessing", Bool, |_, _| Cell::B(false)),
        col("OperationName", Str, |_, _| st("Risky user")),
        col("Type", Str, |_, _| st("AADRiskyUsers")),
    ]
}

// ---------------------------------------------------------------------------
// renderings

fn csv_cell(c: Cell) -> String {
    match c {
        Cell::S(s) | Cell::J(s) => s,
        Cell::T(t) => Ts(t, TimeFmt::LaCsv).to_string(),
        Cell::B(b) => (if b { "TRUE" } else { "FALSE" }).to_string(),
        Cell::I(i) => i.to_string(),
    }
}

fn json_cell(c: Cell) -> Value {
    match c {
        Cell::S(s) | Cell::J(s) => Value::String(s),
        Cell::T(t) => Value::String(Ts(t, TimeFmt::IsoMsZ).to_string()),
        Cell::B(b) => Value::Bool(b),
        Cell::I(i) => Value::from(i),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum LaShape {
    /// Portal "Export to CSV (all columns)".
    Csv,
    /// `api.loganalytics.io` query response.
    Api,
    /// One row object per line (az CLI / Export-ALAEvents style).
    Ndjson,
}

enum Out {
    Csv(Box<csv::Writer<BufWriter<File>>>),
    Json(BufWriter<File>),
}

pub struct Table<R> {
    cols: Vec<Col<R>>,
    shape: LaShape,
    out: Out,
    path: PathBuf,
    rows: usize,
}

impl<R> Table<R> {
    pub fn create(path: PathBuf, cols: Vec<Col<R>>, shape: LaShape) -> Result<Self> {
        let mut w = create(&path)?;
        let out = match shape {
            LaShape::Csv => {
                w.write_all(b"\xEF\xBB\xBF")?;
                let mut c = csv::WriterBuilder::new().from_writer(w);
                let header: Vec<String> =
                    cols.iter()
                        .map(|c| {
                            if c.ty == LaType::Time {
                                format!("{} [UTC]", c.name)
                            } else {
                                c.name.to_string()
                            }
                        })
                        .collect();
                c.write_record(&header)?;
                Out::Csv(Box::new(c))
            }
            LaShape::Api => {
                let columns: Vec<Value> = cols
                    .iter()
                    .map(|c| serde_json::json!({"name": c.name, "type": c.ty.api_name()}))
                    .collect();
                write!(
                    w,
                    "{{\"tables\":[{{\"name\":\"PrimaryResult\",\"columns\":{},\"rows\":[",
                    serde_json::to_string(&columns)?
                )?;
                Out::Json(w)
            }
            LaShape::Ndjson => Out::Json(w),
        };
        Ok(Table { cols, shape, out, path, rows: 0 })
    }

    pub fn push(&mut self, r: &R, c: &LaCtx) -> Result<()> {
        let cells = self.cols.iter().map(|col| (col.name, (col.get)(r, c)));
        match (&mut self.out, self.shape) {
            (Out::Csv(w), _) => w.write_record(cells.map(|(_, v)| csv_cell(v)))?,
            (Out::Json(w), LaShape::Api) => {
                let row: Vec<Value> = cells.map(|(_, v)| json_cell(v)).collect();
                w.write_all(if self.rows == 0 { b"" } else { b"," })?;
                serde_json::to_writer(&mut *w, &row)?;
            }
            (Out::Json(w), _) => {
                // written by hand to keep the column order (serde_json maps sort keys)
                for (i, (k, v)) in cells.enumerate() {
                    w.write_all(if i == 0 { b"{" } else { b"," })?;
                    serde_json::to_writer(&mut *w, k)?;
                    w.write_all(b":")?;
                    serde_json::to_writer(&mut *w, &json_cell(v))?;
                }
                w.write_all(b"}\n")?;
            }
        }
        self.rows += 1;
        Ok(())
    }

    pub fn finish(self) -> Result<PathBuf> {
        match self.out {
            Out::Csv(w) => {
                w.into_inner().map_err(|e| anyhow::anyhow!("flushing csv: {e}"))?.flush()?;
            }
            Out::Json(mut w) => {
                if self.shape == LaShape::Api {
                    w.write_all(b"]}]}\n")?;
                }
                w.flush()?;
            }
        }
        Ok(self.path)
    }
}

/// All seven tables in one shape (`la-csv/` or `la-json/`).
pub struct LaSink {
    c: LaCtx,
    signin: [Table<SignIn>; 4],
    audit: Table<Audit>,
    risk: Table<RiskDetection>,
    risky: Table<RiskyUser>,
    graph: Table<GraphRequest>,
    provisioning: Table<Provision>,
    adfs: Table<AdfsSignIn>,
    sp_risk: Table<SpRisk>,
    risky_sp: Table<RiskySp>,
}

impl LaSink {
    /// `json == false`: CSV for every table. `json == true`: the query-API
    /// shape for some tables and NDJSON rows for the others.
    pub fn new(ctx: &Ctx, json: bool) -> Result<Self> {
        let dir = ctx.out.join(if json { "la-json" } else { "la-csv" });
        let ext = if json { "json" } else { "csv" };
        let shape = |api: bool| {
            if !json {
                LaShape::Csv
            } else if api {
                LaShape::Api
            } else {
                LaShape::Ndjson
            }
        };
        let path = |table: &str| dir.join(format!("{table}.{ext}"));
        let signin = [
            Table::create(path("SigninLogs"), user_signin_cols(false), shape(true))?,
            Table::create(path("AADNonInteractiveUserSignInLogs"), user_signin_cols(true), shape(false))?,
            Table::create(path("AADServicePrincipalSignInLogs"), workload_cols(), shape(true))?,
            Table::create(path("AADManagedIdentitySignInLogs"), workload_cols(), shape(false))?,
        ];
        Ok(LaSink {
            c: LaCtx { tid: ctx.tid.clone(), workspace: ctx.workspace.clone() },
            signin,
            audit: Table::create(path("AuditLogs"), audit_cols(), shape(false))?,
            risk: Table::create(path("AADUserRiskEvents"), risk_cols(), shape(true))?,
            risky: Table::create(path("AADRiskyUsers"), risky_cols(), shape(true))?,
            graph: Table::create(path("MicrosoftGraphActivityLogs"), activity::graph_cols(), shape(false))?,
            provisioning: Table::create(
                path("AADProvisioningLogs"),
                activity::provisioning_cols(),
                shape(true),
            )?,
            adfs: Table::create(path("ADFSSignInLogs"), activity::adfs_cols(), shape(false))?,
            sp_risk: Table::create(
                path("AADServicePrincipalRiskEvents"),
                activity::sp_risk_cols(),
                shape(true),
            )?,
            risky_sp: Table::create(
                path("AADRiskyServicePrincipals"),
                activity::risky_sp_cols(),
                shape(false),
            )?,
        })
    }
}

impl Sink for LaSink {
    fn day(&mut self, b: &DayBatch) -> Result<()> {
        for r in b.signins.iter().rev() {
            let i = Kind::ALL.iter().position(|k| *k == r.kind).expect("kind");
            self.signin[i].push(r, &self.c)?;
        }
        for a in b.audits.iter().rev() {
            self.audit.push(a, &self.c)?;
        }
        for r in b.risks.iter().rev() {
            self.risk.push(r, &self.c)?;
        }
        for r in b.risky.iter().rev() {
            self.risky.push(r, &self.c)?;
        }
        for r in b.graph.iter().rev() {
            self.graph.push(r, &self.c)?;
        }
        for r in b.provisioning.iter().rev() {
            self.provisioning.push(r, &self.c)?;
        }
        for r in b.adfs.iter().rev() {
            self.adfs.push(r, &self.c)?;
        }
        for r in b.sp_risks.iter().rev() {
            self.sp_risk.push(r, &self.c)?;
        }
        for r in b.risky_sps.iter().rev() {
            self.risky_sp.push(r, &self.c)?;
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<Vec<PathBuf>> {
        let me = *self;
        let mut files = me.signin.into_iter().map(Table::finish).collect::<Result<Vec<_>>>()?;
        files.push(me.audit.finish()?);
        files.push(me.risk.finish()?);
        files.push(me.risky.finish()?);
        files.push(me.graph.finish()?);
        files.push(me.provisioning.finish()?);
        files.push(me.adfs.finish()?);
        files.push(me.sp_risk.finish()?);
        files.push(me.risky_sp.finish()?);
        Ok(files)
    }
}
