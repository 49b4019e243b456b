//! Entra admin center "Download → CSV" files: one file per sign-in type with
//! the display-name headers (including their stray spaces and duplicated
//! column) and the flattened audit CSV with Target/ModifiedProperty columns.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::Result;

use super::json::{auth_requirement, home_tenant, user_type, Style};
use super::model::*;
use super::tenant::MS_TENANT;
use super::write::{create, Ctx, Sink, PORTAL_AUDIT_CAP, PORTAL_SIGNIN_CAP};

/// Interactive / non-interactive header, verbatim (docs/formats.md §4).
pub const USER_HEADER: [&str; 55] = [
    "Date (UTC)",
    "Request ID",
    "User agent",
    "Correlation ID",
    "User ID",
    "User",
    "Username",
    "User type",
    "Cross tenant access type",
    "Incoming token type",
    "Authentication Protocol",
    "Unique token identifier",
    "Original transfer method",
    "Client credential type",
    "Token Protection - Sign In Session",
    "Token Protection - Sign In Session StatusCode",
    "Application",
    "Application ID ",
    "Resource",
    "Resource ID ",
    "Resource tenant ID",
    "Home tenant ID",
    "Home tenant name",
    "IP address",
    "Location",
    "Status",
    "Sign-in error code",
    "Failure reason",
    "Client app",
    "Device ID",
    "Browser",
    "Operating System",
    "Compliant",
    "Managed",
    "Join Type",
    "Multifactor authentication result",
    "Multifactor authentication auth method",
    "Multifactor authentication auth detail",
    "Authentication requirement",
    "Sign-in identifier",
    "Session ID",
    "IP address (seen by resource)",
    "Through Global Secure Access",
    "Global Secure Access IP address",
    "Autonomous system  number",
    "Flagged for review",
    "Token issuer type",
    "Incoming token type",
    "Token issuer name",
    "Latency",
    "Conditional Access",
    "Managed Identity type",
    "Associated Resource Id",
    "Federated Token Id",
    "Federated Token Issuer",
];

/// ApplicationSignIns header (22 columns).
pub const APP_HEADER: [&str; 22] = [
    "Date (UTC)",
    "Request ID",
    "Correlation ID",
    "Service principal ID",
    "Service principal name",
    "Credential key ID",
    "Credential thumbprint",
    "Application",
    "Application ID ",
    "App owner tenant ID",
    "Resource",
    "Resource ID ",
    "Resource tenant ID",
    "Resource owner tenant ID",
    "Home tenant ID",
    "Home tenant name",
    "IP address",
    "Location",
    "Status",
    "Sign-in error code",
    "Failure reason",
    "Conditional Access",
];

/// MSISignIns header: not verified against a real download; modelled on the
/// ApplicationSignIns file plus the managed-identity columns.
pub const MSI_HEADER: [&str; 21] = [
    "Date (UTC)",
    "Request ID",
    "Correlation ID",
    "Service principal ID",
    "Service principal name",
    "Managed Identity type",
    "Associated Resource Id",
    "Federated Token Id",
    "Federated Token Issuer",
    "Application",
    "Application ID ",
    "Resource",
    "Resource ID ",
    "Resource tenant ID",
    "Home tenant ID",
    "IP address",
    "Location",
    "Status",
    "Sign-in error code",
    "Failure reason",
    "Conditional Access",
];

const AUDIT_BASE: [&str; 17] = [
    "Date (UTC)",
    "CorrelationId",
    "Service",
    "Category",
    "Activity",
    "Result",
    "ResultReason",
    "User Agent",
    "ActorType",
    "ActorDisplayName",
    "ActorObjectId",
    "ActorUserPrincipalName",
    "IPAddress",
    "ActorHomeTenantId",
    "ActorHomeTenantName",
    "ActorServicePrincipalId",
    "ActorServicePrincipalName",
];
const AUDIT_TARGETS: usize = 3;
const AUDIT_PROPS: usize = 5;
const AUDIT_DETAILS: usize = 6;

pub fn audit_header() -> Vec<String> {
    let mut h: Vec<String> = AUDIT_BASE.iter().map(|s| s.to_string()).collect();
    for n in 1..=AUDIT_TARGETS {
        for f in ["Type", "DisplayName", "ObjectId", "UserPrincipalName"] {
            h.push(format!("Target{n}{f}"));
        }
        for m in 1..=AUDIT_PROPS {
            for f in ["Name", "OldValue", "NewValue"] {
                h.push(format!("Target{n}ModifiedProperty{m}{f}"));
            }
        }
    }
    for n in 1..=AUDIT_DETAILS {
        h.push(format!("AdditionalDetail{n}Key"));
        h.push(format!("AdditionalDetail{n}Value"));
    }
    h
}

fn location(p: &Place) -> String {
    if p.city.is_empty() && p.country.is_empty() {
        String::new()
    } else {
        format!("{}, {}, {}", p.city, p.state, p.country)
    }
}

fn ca(r: &SignIn) -> &'static str {
    match r.ca_status {
        "success" => "Success",
        "failure" => "Failure",
        _ => "Not Applied",
    }
}

fn tf(b: bool) -> String {
    (if b { "True" } else { "False" }).to_string()
}

pub fn user_row(r: &SignIn, tid: &str, tenant_name: &str) -> Vec<String> {
    let u = r.user.as_ref();
    let d = &r.device;
    let guid = |g: Option<super::rng::Guid>| g.map(|g| g.to_string()).unwrap_or_default();
    vec![
        Ts(r.t, TimeFmt::IsoMsZ).to_string(),
        r.id.to_string(),
        r.ua.to_string(),
        r.correlation.to_string(),
        u.map(|u| u.id.to_string()).unwrap_or_default(),
        r.display().unwrap_or("").to_string(),
        r.upn().unwrap_or("").to_string(),
        u.map(|u| user_type(u, Style::Diag)).unwrap_or("").to_string(),
        r.cross_tenant.to_string(),
        r.incoming.to_string(),
        r.protocol.to_string(),
        r.uti.to_string(),
        r.transfer.to_string(),
        r.cred_type.to_string(),
        String::new(),
        String::new(),
        r.app.name.to_string(),
        r.app.id.to_string(),
        r.resource.name.to_string(),
        r.resource.id.to_string(),
        tid.to_string(),
        home_tenant(r, tid).to_string(),
        u.map(|u| u.home_tenant_name.to_string()).unwrap_or_else(|| tenant_name.to_string()),
        r.net.ip.to_string(),
        location(&r.net.place),
        r.portal_status().to_string(),
        r.error.to_string(),
        failure_reason(r.error).to_string(),
        r.client_app.to_string(),
        d.id.as_deref().unwrap_or("").to_string(),
        d.browser.to_string(),
        d.os.to_string(),
        tf(d.compliant),
        tf(d.managed),
        d.trust.to_string(),
        r.additional.unwrap_or("").to_string(),
        r.mfa_method.unwrap_or("").to_string(),
        String::new(),
        auth_requirement(r).to_string(),
        r.upn().unwrap_or("").to_string(),
        guid(r.session),
        String::new(),
        tf(false),
        String::new(),
        r.net.asn.to_string(),
        tf(false),
        "AzureAD".to_string(),
        r.incoming.to_string(),
        String::new(),
        r.processing_ms.to_string(),
        ca(r).to_string(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    ]
}

fn app_row(r: &SignIn, tid: &str, tenant_name: &str) -> Vec<String> {
    let w = r.workload.as_ref().expect("workload sign-in");
    vec![
        Ts(r.t, TimeFmt::IsoMsZ).to_string(),
        r.id.to_string(),
        r.correlation.to_string(),
        w.sp_id.to_string(),
        w.name.to_string(),
        r.cred_key.map(|g| g.to_string()).unwrap_or_default(),
        r.cred_thumb.as_deref().unwrap_or("").to_string(),
        r.app.name.to_string(),
        r.app.id.to_string(),
        tid.to_string(),
        r.resource.name.to_string(),
        r.resource.id.to_string(),
        tid.to_string(),
        MS_TENANT.to_string(),
        tid.to_string(),
        tenant_name.to_string(),
        r.net.ip.to_string(),
        location(&r.net.place),
        r.portal_status().to_string(),
        r.error.to_string(),
        if r.error == 0 { String::new() } else { failure_reason(r.error).to_string() },
        ca(r).to_string(),
    ]
}

fn msi_row(r: &SignIn, tid: &str) -> Vec<String> {
    let w = r.workload.as_ref().expect("workload sign-in");
    let (msi_type, rid) = w.msi.as_ref().map(|(t, r)| (*t, r.to_string())).unwrap_or_default();
    vec![
        Ts(r.t, TimeFmt::IsoMsZ).to_string(),
        r.id.to_string(),
        r.correlation.to_string(),
        w.sp_id.to_string(),
        w.name.to_string(),
        msi_type.to_string(),
        rid,
        String::new(),
        String::new(),
        r.app.name.to_string(),
        r.app.id.to_string(),
        r.resource.name.to_string(),
        r.resource.id.to_string(),
        tid.to_string(),
        tid.to_string(),
        r.net.ip.to_string(),
        location(&r.net.place),
        r.portal_status().to_string(),
        r.error.to_string(),
        if r.error == 0 { String::new() } else { failure_reason(r.error).to_string() },
        ca(r).to_string(),
    ]
}

pub fn audit_row(a: &Audit, tid: &str, tenant_name: &str) -> Vec<String> {
    let mut v = vec![
        Ts(a.t, TimeFmt::IsoMsZ).to_string(),
        a.correlation.to_string(),
        a.service.to_string(),
        a.category.to_string(),
        a.activity.to_string(),
        a.result.to_string(),
        a.result_reason.to_string(),
        a.user_agent().unwrap_or("").to_string(),
    ];
    match &a.initiator {
        Initiator::User { user, ip } => v.extend([
            "User".to_string(),
            user.display.to_string(),
            user.id.to_string(),
            user.upn.to_string(),
            ip.as_deref().unwrap_or("").to_string(),
            tid.to_string(),
            tenant_name.to_string(),
            String::new(),
            String::new(),
        ]),
        Initiator::App { name, sp_id, sp_name, .. } => v.extend([
            "Application".to_string(),
            name.to_string(),
            sp_id.to_string(),
            String::new(),
            String::new(),
            tid.to_string(),
            tenant_name.to_string(),
            sp_id.to_string(),
            sp_name.as_deref().unwrap_or("").to_string(),
        ]),
    }
    for n in 0..AUDIT_TARGETS {
        let t = a.targets.get(n);
        v.push(t.map(|t| t.typ.to_string()).unwrap_or_default());
        v.push(t.and_then(|t| t.display.as_deref()).unwrap_or("").to_string());
        v.push(t.map(|t| t.id.to_string()).unwrap_or_default());
        v.push(t.and_then(|t| t.upn.as_deref()).unwrap_or("").to_string());
        for m in 0..AUDIT_PROPS {
            let p = t.and_then(|t| t.props.get(m));
            v.push(p.map(|p| p.name.to_string()).unwrap_or_default());
            v.push(p.and_then(|p| p.old.clone()).unwrap_or_default());
            v.push(p.and_then(|p| p.new.clone()).unwrap_or_default());
        }
    }
    for n in 0..AUDIT_DETAILS {
        let d = a.details.get(n);
        v.push(d.map(|d| d.0.to_string()).unwrap_or_default());
        v.push(d.map(|d| d.1.to_string()).unwrap_or_default());
    }
    v
}

/// A fully quoted CSV capped at the portal's download limit.
struct CsvFile {
    w: csv::Writer<BufWriter<File>>,
    path: PathBuf,
    n: usize,
    cap: usize,
}

impl CsvFile {
    fn create<I: IntoIterator<Item = T>, T: AsRef<[u8]>>(
        path: PathBuf,
        header: I,
        cap: usize,
    ) -> Result<Self> {
        let w = create(&path)?;
        let mut w = csv::WriterBuilder::new().quote_style(csv::QuoteStyle::Always).from_writer(w);
        w.write_record(header)?;
        Ok(CsvFile { w, path, n: 0, cap })
    }

    fn push(&mut self, row: Vec<String>) -> Result<()> {
        if self.n < self.cap {
            self.w.write_record(&row)?;
            self.n += 1;
        }
        Ok(())
    }

    fn finish(self) -> Result<PathBuf> {
        self.w.into_inner().map_err(|e| anyhow::anyhow!("flushing csv: {e}"))?.flush()?;
        Ok(self.path)
    }
}

pub struct PortalCsvSink {
    tid: String,
    tenant_name: String,
    signins: Vec<CsvFile>,
    audits: CsvFile,
}

impl PortalCsvSink {
    pub fn new(ctx: &Ctx, tenant_name: &str) -> Result<Self> {
        let dir = ctx.out.join("portal-csv");
        let range = ctx.date_range();
        let file = |k: Kind| dir.join(format!("{}_{range}.csv", k.portal_prefix()));
        let signins = vec![
            CsvFile::create(file(Kind::Interactive), USER_HEADER, PORTAL_SIGNIN_CAP)?,
            CsvFile::create(file(Kind::NonInteractive), USER_HEADER, PORTAL_SIGNIN_CAP)?,
            CsvFile::create(file(Kind::ServicePrincipal), APP_HEADER, PORTAL_SIGNIN_CAP)?,
            CsvFile::create(file(Kind::ManagedIdentity), MSI_HEADER, PORTAL_SIGNIN_CAP)?,
        ];
        let audits =
            CsvFile::create(dir.join(format!("AuditLogs_{range}.csv")), audit_header(), PORTAL_AUDIT_CAP)?;
        Ok(PortalCsvSink { tid: ctx.tid.clone(), tenant_name: tenant_name.to_string(), signins, audits })
    }
}

impl Sink for PortalCsvSink {
    fn day(&mut self, b: &DayBatch) -> Result<()> {
        for r in b.signins.iter().rev() {
            let (i, row) = match r.kind {
                Kind::Interactive => (0, user_row(r, &self.tid, &self.tenant_name)),
                Kind::NonInteractive => (1, user_row(r, &self.tid, &self.tenant_name)),
                Kind::ServicePrincipal => (2, app_row(r, &self.tid, &self.tenant_name)),
                Kind::ManagedIdentity => (3, msi_row(r, &self.tid)),
            };
            self.signins[i].push(row)?;
        }
        for a in b.audits.iter().rev() {
            self.audits.push(audit_row(a, &self.tid, &self.tenant_name))?;
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<Vec<PathBuf>> {
        let me = *self;
        let mut files = me.signins.into_iter().map(CsvFile::finish).collect::<Result<Vec<_>>>()?;
        files.push(me.audits.finish()?);
        Ok(files)
    }
}
