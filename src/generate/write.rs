//! Writers for the JSON-object export shapes: Azure Monitor diagnostic
//! archives, Extractor-Suite style Graph pages and the portal JSON download.
//! Log Analytics and the portal CSV live in `la.rs` and `portal.rs`.
//!
//! All writers stream: a day batch is written as soon as it is simulated and
//! only Graph keeps a page (≤ 1000 records) in memory.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::ser::Serializer;
use serde::Serialize;
use serde_json::value::RawValue;

use super::activity;
use super::json::*;
use super::model::*;

/// Facts every writer needs besides the records.
pub struct Ctx {
    pub out: PathBuf,
    pub tid: String,
    pub workspace: String,
    pub w0: i64,
    pub w1: i64,
    /// Pretend time at which the "responder" ran the exports.
    pub export_time: i64,
}

impl Ctx {
    /// `<from>_<to>` part of portal download names (inclusive dates).
    pub fn date_range(&self) -> String {
        format!("{}_{}", Ts(self.w0, TimeFmt::Date), Ts(self.w1 - 1, TimeFmt::Date))
    }
}

/// A streaming writer for one export shape; days arrive newest first.
pub trait Sink: Send {
    fn day(&mut self, b: &DayBatch) -> Result<()>;
    /// Flush everything and return the files written.
    fn finish(self: Box<Self>) -> Result<Vec<PathBuf>>;
}

pub fn create(path: &Path) -> Result<BufWriter<File>> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let f = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    Ok(BufWriter::with_capacity(256 * 1024, f))
}

fn append(path: &Path) -> Result<BufWriter<File>> {
    let f = fs::OpenOptions::new()
        .append(true)
        .open(path)
        .with_context(|| format!("appending {}", path.display()))?;
    Ok(BufWriter::new(f))
}

// ---------------------------------------------------------------------------
// Azure Monitor (storage account archive)

/// The diagnostic envelope, written by hand so its spacing matches the real
/// storage blobs (`{ "time": "…", …, "properties": {…}}`).
struct Envelope<'w, W: Write> {
    w: &'w mut W,
    first: bool,
}

impl<'w, W: Write> Envelope<'w, W> {
    fn new(w: &'w mut W) -> Self {
        Envelope { w, first: true }
    }

    fn key(&mut self, k: &str) -> Result<()> {
        self.w.write_all(if self.first { b"{ \"" } else { b", \"" })?;
        self.first = false;
        self.w.write_all(k.as_bytes())?;
        self.w.write_all(b"\": ")?;
        Ok(())
    }

    fn field<T: Serialize + ?Sized>(&mut self, k: &str, v: &T) -> Result<&mut Self> {
        self.key(k)?;
        serde_json::to_writer(&mut *self.w, v)?;
        Ok(self)
    }

    fn opt<T: Serialize + ?Sized>(&mut self, k: &str, v: Option<&T>) -> Result<&mut Self> {
        if let Some(v) = v {
            self.field(k, v)?;
        }
        Ok(self)
    }

    fn properties<T: Serialize>(&mut self, v: &T) -> Result<()> {
        self.key("properties")?;
        serde_json::to_writer(&mut *self.w, v)?;
        self.w.write_all(b"}\n")?;
        Ok(())
    }
}

fn write_signin_line<W: Write>(w: &mut W, r: &SignIn, ctx: &Ctx, rid: &str) -> Result<()> {
    let mut e = Envelope::new(w);
    let code = r.error.to_string();
    let mi = r.kind == Kind::ManagedIdentity;
    e.field("time", &Ts(r.t, TimeFmt::Iso7Z))?
        .field("resourceId", rid)?
        .field("operationName", "Sign-in activity")?
        .field("operationVersion", "1.0")?
        .field("category", r.kind.category())?
        .field("tenantId", &ctx.tid)?
        .field("resultType", &code)?
        .field("resultSignature", "None")?
        .opt("resultDescription", (r.error != 0).then(|| failure_reason(r.error)))?
        .field("durationMs", &0)?
        .opt("callerIpAddress", (!mi).then_some(&*r.net.ip))?
        .field("correlationId", &r.correlation)?
        .opt("identity", r.display())?
        .field("Level", &4)?
        .opt("location", (!mi).then_some(&*r.net.place.country))?;
    e.properties(&SignInJson { r, tid: &ctx.tid, style: Style::Diag })
}

fn write_audit_line<W: Write>(w: &mut W, a: &Audit, ctx: &Ctx, rid: &str) -> Result<()> {
    let mut e = Envelope::new(w);
    e.field("time", &Ts(a.t, TimeFmt::Iso7Z))?
        .field("resourceId", rid)?
        .field("operationName", &*a.activity)?
        .field("operationVersion", "1.0")?
        .field("category", "AuditLogs")?
        .field("tenantId", &ctx.tid)?
        .field("resultSignature", "None")?
        .field("durationMs", &0)?
        .opt("callerIpAddress", a.initiator.ip())?
        .field("correlationId", &a.correlation)?
        .field("identity", a.initiator.display())?
        .field("Level", &4)?;
    e.properties(&AuditJson { a, style: Style::Diag })
}

/// Identity Protection records: US-culture envelope time, lower-case ids and
/// locations, exactly like the published samples.
fn write_risk_line<W: Write>(w: &mut W, r: &RiskDetection, ctx: &Ctx) -> Result<()> {
    let rid = format!("/tenants/{}/providers/microsoft.aadiam", ctx.tid);
    let mut e = Envelope::new(w);
    e.field("time", &Ts(r.t_updated, TimeFmt::UsCulture))?
        .field("resourceId", &rid)?
        .field("operationName", "User Risk Detection")?
        .field("operationVersion", "1.0")?
        .field("category", "UserRiskEvents")?
        .field("tenantId", &ctx.tid)?
        .field("resultSignature", "None")?
        .field("durationMs", &0)?
        .field("callerIpAddress", &*r.net.ip)?
        .field("correlationId", &*r.id)?
        .field("identity", &r.user.display.to_lowercase())?
        .field("Level", &4)?
        .field("location", &r.net.place.country.to_lowercase())?;
    e.properties(&RiskJson { r, tid: &ctx.tid, style: Style::Diag })
}

fn write_risky_line<W: Write>(w: &mut W, r: &RiskyUser, ctx: &Ctx) -> Result<()> {
    let rid = format!("/tenants/{}/providers/microsoft.aadiam", ctx.tid);
    let region = if r.user.id.0 & 1 == 0 { "neu" } else { "weu" };
    let mut e = Envelope::new(w);
    e.field("time", &Ts(r.t, TimeFmt::UsCulture))?
        .field("resourceId", &rid)?
        .field("operationName", "Risky user")?
        .field("operationVersion", "1.0")?
        .field("category", "RiskyUsers")?
        .field("tenantId", &ctx.tid)?
        .field("resultSignature", "None")?
        .field("durationMs", &0)?
        .field("correlationId", &r.user.id)?
        .field("identity", &r.user.display.to_lowercase())?
        .field("Level", &4)?
        .field("location", region)?;
    e.properties(&RiskyUserJson { r, style: Style::Diag })
}

fn value_line<W: Write>(w: &mut W, v: &serde_json::Value) -> Result<()> {
    serde_json::to_writer(&mut *w, v)?;
    w.write_all(b"\n")?;
    Ok(())
}

/// The records of one (category, hour) blob.
enum Blob<'a> {
    SignIns(Kind, Vec<&'a SignIn>),
    Audits(Vec<&'a Audit>),
    Risks(Vec<&'a RiskDetection>),
    Risky(Vec<&'a RiskyUser>),
    Graph(Vec<&'a GraphRequest>),
    Provisioning(Vec<&'a Provision>),
    Adfs(Vec<&'a AdfsSignIn>),
    SpRisks(Vec<&'a SpRisk>),
    RiskySps(Vec<&'a RiskySp>),
}

impl Blob<'_> {
    fn category(&self) -> &'static str {
        match self {
            Blob::SignIns(k, _) => k.category(),
            Blob::Audits(_) => "AuditLogs",
            Blob::Risks(_) => "UserRiskEvents",
            Blob::Risky(_) => "RiskyUsers",
            Blob::Graph(_) => "MicrosoftGraphActivityLogs",
            Blob::Provisioning(_) => "ProvisioningLogs",
            Blob::Adfs(_) => "ADFSSignInLogs",
            Blob::SpRisks(_) => "ServicePrincipalRiskEvents",
            Blob::RiskySps(_) => "RiskyServicePrincipals",
        }
    }
}

/// Split time-ordered records into runs that share a clock hour.
fn by_hour<'a, T>(items: impl Iterator<Item = &'a T>, time: impl Fn(&T) -> i64) -> Vec<(i64, Vec<&'a T>)>
where
    T: 'a,
{
    let mut out: Vec<(i64, Vec<&T>)> = Vec::new();
    for x in items {
        let h = time(x).div_euclid(MS_PER_HOUR) * MS_PER_HOUR;
        match out.last_mut() {
            Some((hh, v)) if *hh == h => v.push(x),
            _ => out.push((h, vec![x])),
        }
    }
    out
}

fn blob_path(ctx: &Ctx, category: &str, hour: i64) -> PathBuf {
    let c = civil(hour);
    ctx.out.join("azure-monitor").join(format!("insights-logs-{}", category.to_lowercase())).join(format!(
        "tenantId={}/y={:04}/m={:02}/d={:02}/h={:02}/m=00/PT1H.json",
        ctx.tid, c.year, c.month, c.day, c.hour
    ))
}

/// Write one day as `PT1H.json` blobs, one file per category and hour, in parallel.
pub fn azure_monitor_day(ctx: &Ctx, b: &DayBatch) -> Result<Vec<PathBuf>> {
    let mut blobs: Vec<(i64, Blob)> = Vec::new();
    for kind in Kind::ALL {
        for (h, v) in by_hour(b.signins.iter().filter(|s| s.kind == kind), |s| s.t) {
            blobs.push((h, Blob::SignIns(kind, v)));
        }
    }
    blobs.extend(by_hour(b.audits.iter(), |a| a.t).into_iter().map(|(h, v)| (h, Blob::Audits(v))));
    blobs.extend(by_hour(b.risks.iter(), |r| r.t_updated).into_iter().map(|(h, v)| (h, Blob::Risks(v))));
    blobs.extend(by_hour(b.risky.iter(), |r| r.t).into_iter().map(|(h, v)| (h, Blob::Risky(v))));
    blobs.extend(by_hour(b.graph.iter(), |r| r.t).into_iter().map(|(h, v)| (h, Blob::Graph(v))));
    blobs
        .extend(by_hour(b.provisioning.iter(), |r| r.t).into_iter().map(|(h, v)| (h, Blob::Provisioning(v))));
    blobs.extend(by_hour(b.adfs.iter(), |r| r.t).into_iter().map(|(h, v)| (h, Blob::Adfs(v))));
    blobs.extend(by_hour(b.sp_risks.iter(), |r| r.t).into_iter().map(|(h, v)| (h, Blob::SpRisks(v))));
    blobs.extend(by_hour(b.risky_sps.iter(), |r| r.t).into_iter().map(|(h, v)| (h, Blob::RiskySps(v))));
    let rid = format!("/tenants/{}/providers/Microsoft.aadiam", ctx.tid);
    blobs
        .par_iter()
        .map(|(hour, blob)| {
            let path = blob_path(ctx, blob.category(), *hour);
            let mut w = create(&path)?;
            match blob {
                Blob::SignIns(_, v) => v.iter().try_for_each(|r| write_signin_line(&mut w, r, ctx, &rid))?,
                Blob::Audits(v) => v.iter().try_for_each(|a| write_audit_line(&mut w, a, ctx, &rid))?,
                Blob::Risks(v) => v.iter().try_for_each(|r| write_risk_line(&mut w, r, ctx))?,
                Blob::Risky(v) => v.iter().try_for_each(|r| write_risky_line(&mut w, r, ctx))?,
                Blob::Graph(v) => {
                    v.iter().try_for_each(|r| value_line(&mut w, &activity::graph_line(r, &ctx.tid)))?
                }
                Blob::Provisioning(v) => v
                    .iter()
                    .try_for_each(|r| value_line(&mut w, &activity::provisioning_line(r, &ctx.tid)))?,
                Blob::Adfs(v) => {
                    v.iter().try_for_each(|r| value_line(&mut w, &activity::adfs_line(r, &ctx.tid)))?
                }
                Blob::SpRisks(v) => {
                    v.iter().try_for_each(|r| value_line(&mut w, &activity::sp_risk_line(r, &ctx.tid)))?
                }
                Blob::RiskySps(v) => {
                    v.iter().try_for_each(|r| value_line(&mut w, &activity::risky_sp_line(r, &ctx.tid)))?
                }
            }
            w.flush()?;
            Ok(path)
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Microsoft Graph, as saved by Microsoft-Extractor-Suite

const PAGE: usize = 1000;
const BOM: &[u8] = b"\xEF\xBB\xBF";

struct SignInPage<'a>(&'a [SignIn], &'a str);

impl Serialize for SignInPage<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|r| SignInJson { r, tid: self.1, style: Style::Graph }))
    }
}

/// One Get-GraphEntraSignInLogs pass (its own sub-directory).
struct Pass {
    dir: PathBuf,
    clock: i64,
    pages: usize,
    buf: Vec<SignIn>,
    last: Option<(i64, PathBuf)>,
    /// The pass ends with a one-record page, which PowerShell unrolls to an object.
    single_tail: bool,
    files: Vec<PathBuf>,
}

impl Pass {
    fn new(dir: PathBuf, clock: i64, single_tail: bool) -> Pass {
        Pass {
            dir,
            clock,
            pages: 0,
            buf: Vec::with_capacity(PAGE),
            last: None,
            single_tail,
            files: Vec::new(),
        }
    }

    /// Flushes lazily (one record late) so the last page is never empty.
    fn push(&mut self, r: &SignIn, tid: &str) -> Result<()> {
        if self.buf.len() == PAGE {
            self.flush(tid)?;
        }
        self.buf.push(r.clone());
        Ok(())
    }

    /// Out-File -Append per page: the second page lands in the same second
    /// (hence the same file) as the first, giving concatenated arrays.
    fn flush(&mut self, tid: &str) -> Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        if self.pages != 1 {
            self.clock += 2_000;
        }
        self.pages += 1;
        let name = format!("{}-SignInLogs.json", Ts(self.clock, TimeFmt::Compact));
        let path = self.dir.join(name);
        let mut w = match &self.last {
            Some((c, p)) if *c / 1000 == self.clock / 1000 && *p == path => append(&path)?,
            _ => {
                let mut w = create(&path)?;
                w.write_all(BOM)?;
                self.files.push(path.clone());
                w
            }
        };
        if self.buf.len() == 1 {
            serde_json::to_writer_pretty(&mut w, &SignInJson { r: &self.buf[0], tid, style: Style::Graph })?;
        } else {
            serde_json::to_writer_pretty(&mut w, &SignInPage(&self.buf, tid))?;
        }
        w.write_all(b"\n")?;
        w.flush()?;
        self.last = Some((self.clock, path));
        self.buf.clear();
        Ok(())
    }

    fn finish(mut self, tid: &str) -> Result<Vec<PathBuf>> {
        if self.single_tail && self.buf.len() > 1 {
            let tail = self.buf.pop().expect("non-empty");
            self.flush(tid)?;
            self.buf.push(tail);
        }
        self.flush(tid)?;
        Ok(self.files)
    }
}

/// `{"@odata.context", "@odata.nextLink"?, "value": [...]}` raw API pages.
/// Records are kept pre-serialised so one type serves every resource.
struct ODataPages {
    dir: PathBuf,
    base: &'static str,
    file_suffix: &'static str,
    page_size: usize,
    clock: i64,
    n: usize,
    buf: Vec<Box<RawValue>>,
    files: Vec<PathBuf>,
}

#[derive(Serialize)]
struct ODataPage<'a> {
    #[serde(rename = "@odata.context")]
    context: String,
    #[serde(rename = "@odata.nextLink", skip_serializing_if = "Option::is_none")]
    next: Option<String>,
    value: &'a [Box<RawValue>],
}

impl ODataPages {
    fn new(
        dir: PathBuf,
        base: &'static str,
        file_suffix: &'static str,
        page_size: usize,
        clock: i64,
    ) -> Self {
        ODataPages { dir, base, file_suffix, page_size, clock, n: 0, buf: Vec::new(), files: Vec::new() }
    }

    /// Pages are written one record late so `@odata.nextLink` is only set
    /// when another page really follows.
    fn push<V: Serialize>(&mut self, v: &V) -> Result<()> {
        if self.buf.len() == self.page_size {
            self.write(true)?;
        }
        self.buf.push(serde_json::value::to_raw_value(v)?);
        Ok(())
    }

    fn write(&mut self, more: bool) -> Result<()> {
        self.clock += 1_000;
        self.n += 1;
        let version = if self.base.starts_with("identity") { "beta" } else { "v1.0" };
        let path = self.dir.join(format!("{}-{}.json", Ts(self.clock, TimeFmt::Compact), self.file_suffix));
        let mut w = create(&path)?;
        let page = ODataPage {
            context: format!("https://graph.microsoft.com/{version}/$metadata#{}", self.base),
            next: more.then(|| {
                let token = (self.n as u128).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835);
                format!(
                    "https://graph.microsoft.com/{version}/{}?$top={}&$skiptoken={token:032x}",
                    self.base, self.page_size
                )
            }),
            value: &self.buf,
        };
        serde_json::to_writer(&mut w, &page)?;
        w.flush()?;
        self.files.push(path);
        self.buf.clear();
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<PathBuf>> {
        self.write(false)?;
        Ok(self.files)
    }
}

pub struct GraphSink {
    tid: String,
    passes: [Pass; 3],
    audits: ODataPages,
    risks: ODataPages,
    risky: ODataPages,
}

impl GraphSink {
    pub fn new(ctx: &Ctx) -> GraphSink {
        let root = ctx.out.join("graph");
        let t = ctx.export_time;
        let run =
            |what: &str, offset: i64| root.join(format!("{}-{what}", Ts(t + offset, TimeFmt::CompactDash)));
        let signins = run("SignInLogs", 0);
        let h = MS_PER_HOUR;
        GraphSink {
            tid: ctx.tid.clone(),
            passes: [
                Pass::new(signins.join("interactiveUser & nonInteractiveUser"), t, false),
                Pass::new(signins.join("servicePrincipal"), t + 2 * h, false),
                Pass::new(signins.join("managedIdentity"), t + 3 * h, true),
            ],
            audits: ODataPages::new(
                run("AuditLogs", 4 * h),
                "auditLogs/directoryAudits",
                "AuditLogs",
                PAGE,
                t + 4 * h,
            ),
            risks: ODataPages::new(
                run("RiskDetections", 5 * h),
                "identityProtection/riskDetections",
                "RiskDetections",
                500,
                t + 5 * h,
            ),
            risky: ODataPages::new(
                run("RiskyUsers", 5 * h + 600_000),
                "identityProtection/riskyUsers",
                "RiskyUsers",
                500,
                t + 5 * h + 600_000,
            ),
        }
    }
}

impl Sink for GraphSink {
    fn day(&mut self, b: &DayBatch) -> Result<()> {
        // Graph returns newest first
        for r in b.signins.iter().rev() {
            let pass = match r.kind {
                Kind::Interactive | Kind::NonInteractive => 0,
                Kind::ServicePrincipal => 1,
                Kind::ManagedIdentity => 2,
            };
            self.passes[pass].push(r, &self.tid)?;
        }
        for a in b.audits.iter().rev() {
            self.audits.push(&AuditJson { a, style: Style::Graph })?;
        }
        for r in b.risks.iter().rev() {
            self.risks.push(&RiskJson { r, tid: &self.tid, style: Style::Graph })?;
        }
        for r in b.risky.iter().rev() {
            self.risky.push(&RiskyUserJson { r, style: Style::Graph })?;
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<Vec<PathBuf>> {
        let me = *self;
        let mut files = Vec::new();
        for p in me.passes {
            files.extend(p.finish(&me.tid)?);
        }
        files.extend(me.audits.finish()?);
        files.extend(me.risks.finish()?);
        files.extend(me.risky.finish()?);
        Ok(files)
    }
}

// ---------------------------------------------------------------------------
// Entra portal "Download" → JSON

/// A top-level JSON array written record by record, capped like the portal.
pub struct JsonArrayFile {
    w: BufWriter<File>,
    path: PathBuf,
    n: usize,
    cap: usize,
}

impl JsonArrayFile {
    pub fn create(path: PathBuf, cap: usize) -> Result<Self> {
        let mut w = create(&path)?;
        w.write_all(b"[")?;
        Ok(JsonArrayFile { w, path, n: 0, cap })
    }

    pub fn push<T: Serialize>(&mut self, v: &T) -> Result<()> {
        if self.n >= self.cap {
            return Ok(());
        }
        self.w.write_all(if self.n == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut self.w, v)?;
        self.n += 1;
        Ok(())
    }

    pub fn finish(mut self) -> Result<PathBuf> {
        self.w.write_all(b"\n]\n")?;
        self.w.flush()?;
        Ok(self.path)
    }
}

/// Portal limits: 100,000 sign-ins or 250,000 audit records per download.
pub const PORTAL_SIGNIN_CAP: usize = 100_000;
pub const PORTAL_AUDIT_CAP: usize = 250_000;

pub struct PortalJsonSink {
    tid: String,
    signins: Vec<JsonArrayFile>,
    audits: JsonArrayFile,
}

impl PortalJsonSink {
    pub fn new(ctx: &Ctx) -> Result<Self> {
        let dir = ctx.out.join("portal-json");
        let range = ctx.date_range();
        let signins = Kind::ALL
            .iter()
            .map(|k| {
                JsonArrayFile::create(
                    dir.join(format!("{}_{range}.json", k.portal_prefix())),
                    PORTAL_SIGNIN_CAP,
                )
            })
            .collect::<Result<Vec<_>>>()?;
        let audits = JsonArrayFile::create(dir.join(format!("AuditLogs_{range}.json")), PORTAL_AUDIT_CAP)?;
        Ok(PortalJsonSink { tid: ctx.tid.clone(), signins, audits })
    }
}

impl Sink for PortalJsonSink {
    fn day(&mut self, b: &DayBatch) -> Result<()> {
        for r in b.signins.iter().rev() {
            let i = Kind::ALL.iter().position(|k| *k == r.kind).expect("kind");
            self.signins[i].push(&SignInJson { r, tid: &self.tid, style: Style::Graph })?;
        }
        for a in b.audits.iter().rev() {
            self.audits.push(&AuditJson { a, style: Style::Graph })?;
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<Vec<PathBuf>> {
        let me = *self;
        let mut files = me.signins.into_iter().map(|f| f.finish()).collect::<Result<Vec<_>>>()?;
        files.push(me.audits.finish()?);
        Ok(files)
    }
}
