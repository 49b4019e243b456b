//! Classification and mapping: one [`RawRecord`] in, one canonical [`Row`] out.
//!
//! This is where the export shapes stop mattering. It decides which table a record belongs
//! to (the diagnostic `category`, the Log Analytics `Type`, or the fields of a Graph object
//! — never a folder name) and applies the canonical field mapping of docs/formats.md §7: which
//! source field wins when several carry the same fact, how codes become results, how
//! JSON-in-JSON audit values are decoded. Readers only locate records; this module
//! interprets them.

use std::borrow::Cow;

use sha2::{Digest, Sha256};

use super::raw::{Location, RawRecord, S};
use super::time::parse_utc_micros;
use crate::schema::{
    Audit, GraphActivity, KeyValue, ModifiedProperty, Provisioning, RiskDetection, RiskyServicePrincipal,
    RiskyUser, Row, SignIn, Table, Target, Text,
};

/// The sign-in categories of the canonical `signins.category` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInCategory {
    Interactive,
    NonInteractive,
    ServicePrincipal,
    ManagedIdentity,
    /// Sign-ins at an on-premises AD FS farm, reported by Connect Health (ADFSSignInLogs).
    Adfs,
}

impl SignInCategory {
    pub fn name(self) -> &'static str {
        match self {
            SignInCategory::Interactive => "interactive",
            SignInCategory::NonInteractive => "non_interactive",
            SignInCategory::ServicePrincipal => "service_principal",
            SignInCategory::ManagedIdentity => "managed_identity",
            SignInCategory::Adfs => "adfs",
        }
    }
}

/// What a record is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    SignIn(SignInCategory),
    Audit,
    RiskDetection,
    RiskyUser,
    GraphActivity,
    Provisioning,
    RiskyServicePrincipal,
    /// A known log category entrascope does not model (NetworkAccessTrafficLogs …): counted,
    /// skipped.
    OtherCategory(String),
    /// Nothing identifies it.
    Unknown,
}

/// Where a record was read from, stamped on every row it produces.
#[derive(Debug, Clone, Copy)]
pub struct Provenance<'p> {
    pub file: &'p str,
    pub format: &'p str,
    pub record: i64,
}

/// Why a record could not be mapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MapError {
    Skip(String),
    Reject(String),
}

/// Classify by an explicit category or table name (diagnostic `category`, LA `Type` or
/// `Category`). `None` when the name is not a log category at all.
pub fn kind_from_name(name: &str) -> Option<Kind> {
    let lower = name.trim().to_ascii_lowercase();
    let lower = lower.strip_suffix("_cl").unwrap_or(&lower);
    Some(match lower {
        "signinlogs" => Kind::SignIn(SignInCategory::Interactive),
        "noninteractiveusersigninlogs" | "aadnoninteractiveusersigninlogs" => {
            Kind::SignIn(SignInCategory::NonInteractive)
        }
        "serviceprincipalsigninlogs"
        | "aadserviceprincipalsigninlogs"
        | "microsoftserviceprincipalsigninlogs" => Kind::SignIn(SignInCategory::ServicePrincipal),
        "managedidentitysigninlogs" | "aadmanagedidentitysigninlogs" => {
            Kind::SignIn(SignInCategory::ManagedIdentity)
        }
        "auditlogs" => Kind::Audit,
        "userriskevents" | "aaduserriskevents" => Kind::RiskDetection,
        "serviceprincipalriskevents" | "aadserviceprincipalriskevents" => Kind::RiskDetection,
        "riskyusers" | "aadriskyusers" => Kind::RiskyUser,
        "riskyserviceprincipals" | "aadriskyserviceprincipals" => Kind::RiskyServicePrincipal,
        "adfssigninlogs" => Kind::SignIn(SignInCategory::Adfs),
        "microsoftgraphactivitylogs" => Kind::GraphActivity,
        "provisioninglogs" | "aadprovisioninglogs" => Kind::Provisioning,
        "networkaccesstrafficlogs"
        | "enrichedoffice365auditlogs"
        | "remotenetworkhealthlogs"
        | "customsecurityattributeauditlogs" => Kind::OtherCategory(name.trim().to_string()),
        _ => return None,
    })
}

/// Decide what a record is. `env` is the record as read; for an Azure Monitor envelope its
/// `properties` is the Graph object.
pub fn classify(env: &RawRecord<'_>) -> Kind {
    if let Some(cat) = env.category.get() {
        if env.properties.is_some() {
            if let Some(kind) = kind_from_name(cat) {
                return kind;
            }
            // Some forwarders put the audit sub-category (Policy, RoleManagement …) where the
            // diagnostic category belongs; the body still says what the record is.
            let b = env.body();
            if b.activity_display_name.present() && (b.initiated_by.present() || b.targets.present()) {
                return Kind::Audit;
            }
            return Kind::OtherCategory(cat.to_string());
        }
    }
    if let Some(kind) = env.la_type.get().and_then(kind_from_name) {
        return kind;
    }
    // LA rows without Type (projected away) still carry a sign-in Category.
    if let Some(kind @ Kind::SignIn(_)) = env.category.get().and_then(kind_from_name) {
        return kind;
    }
    let b = env.body();
    // Graph activity and provisioning first: a provisioning event also has `initiatedBy`.
    if b.request_uri.present() && b.request_method.present() {
        return Kind::GraphActivity;
    }
    if b.job_id.present() || b.provisioning_status.present() || b.provisioning_action.present() {
        return Kind::Provisioning;
    }
    if b.risk_last_updated.present() {
        let user = b.upn.present() || b.user_id.present() || b.user_display_name.present();
        if !user && (b.app_id.present() || b.sp_type.present()) {
            return Kind::RiskyServicePrincipal;
        }
        return Kind::RiskyUser;
    }
    if b.risk_event_type.present() || b.risk_type.present() || b.detected_time.present() {
        return Kind::RiskDetection;
    }
    if b.activity_display_name.present() || b.initiated_by.present() || b.targets.present() {
        return Kind::Audit;
    }
    if b.created.present()
        || b.app_id.present()
        || b.sign_in_event_types.present()
        || b.status.present()
        || b.result_type.present()
    {
        return Kind::SignIn(graph_signin_category(b));
    }
    Kind::Unknown
}

use super::raw::Present;

/// Sign-in category of a Graph object: `signInEventTypes` first, then the managed identity
/// and service principal fields, then `isInteractive`.
fn graph_signin_category(b: &RawRecord<'_>) -> SignInCategory {
    for t in b.sign_in_event_types.items() {
        match t.get().map(str::to_ascii_lowercase).as_deref() {
            Some("interactiveuser") => return SignInCategory::Interactive,
            Some("noninteractiveuser") => return SignInCategory::NonInteractive,
            Some("serviceprincipal") => return SignInCategory::ServicePrincipal,
            Some("managedidentity") => return SignInCategory::ManagedIdentity,
            _ => {}
        }
    }
    let msi_type = b.msi.get().and_then(|m| m.msi_type.get());
    if msi_type.is_some_and(|t| !t.eq_ignore_ascii_case("none")) {
        return SignInCategory::ManagedIdentity;
    }
    if b.client_credential_type.get() == Some("managedIdentity") {
        return SignInCategory::ManagedIdentity;
    }
    if !b.user_id.present() && !b.upn.present() && (b.sp_id.present() || b.sp_name.present()) {
        return SignInCategory::ServicePrincipal;
    }
    match b.is_interactive.0 {
        Some(false) => SignInCategory::NonInteractive,
        _ => SignInCategory::Interactive,
    }
}

/// The export style of a record, for `source_format`.
pub fn style(env: &RawRecord<'_>) -> &'static str {
    let la = env.la_type.present() || env.time_generated.present() || env.aad_tenant_id.present();
    let diag_category = env.category.get().and_then(kind_from_name).is_some();
    if env.category.present() && (env.properties.is_some() || (diag_category && !la && env.time.present())) {
        "azure_monitor"
    } else if la {
        "log_analytics"
    } else {
        "graph"
    }
}

/// Map a classified record to its canonical row.
pub fn map_record<'a>(env: &RawRecord<'a>, kind: &Kind, prov: Provenance<'a>) -> Result<Row<'a>, MapError> {
    let row = match kind {
        Kind::SignIn(cat) => Row::SignIn(Box::new(signin(env, *cat, prov)?)),
        Kind::Audit => Row::Audit(Box::new(audit(env, prov)?)),
        Kind::RiskDetection => Row::RiskDetection(Box::new(risk_detection(env, prov)?)),
        Kind::RiskyUser => Row::RiskyUser(Box::new(risky_user(env, prov)?)),
        Kind::GraphActivity => Row::GraphActivity(Box::new(graph_activity(env, prov)?)),
        Kind::Provisioning => Row::Provisioning(Box::new(provisioning(env, prov)?)),
        Kind::RiskyServicePrincipal => Row::RiskyServicePrincipal(Box::new(risky_sp(env, prov)?)),
        Kind::OtherCategory(c) => return Err(MapError::Skip(format!("log category {c} is not modelled"))),
        Kind::Unknown => {
            return Err(MapError::Reject(
                "unrecognised record: no category, Type or sign-in/audit/risk fields".into(),
            ))
        }
    };
    Ok(row)
}

// ---------------------------------------------------------------------------------------------
// helpers

/// First present text of several candidates.
fn first<'a>(cands: &[&S<'a>]) -> Text<'a> {
    cands.iter().find_map(|s| s.cell())
}

/// An address cell: placeholders some exporters write for "no address" (`<null>`, `null`,
/// `-`, an all-zero GUID) are null, so they are never taken for an address shared by every
/// record.
fn ip<'a>(t: Text<'a>) -> Text<'a> {
    t.filter(|s| {
        let v = s.trim();
        let placeholder = v.is_empty()
            || v == "-"
            || v.eq_ignore_ascii_case("<null>")
            || v.eq_ignore_ascii_case("null")
            || (v.len() == 36 && v.bytes().all(|b| b == b'0' || b == b'-'));
        !placeholder
    })
}

fn lower<'a>(t: Text<'a>) -> Text<'a> {
    t.map(|s| if s.bytes().any(|b| b.is_ascii_uppercase()) { Cow::Owned(s.to_ascii_lowercase()) } else { s })
}

/// Parse the first present time field; text that is present but unparseable is a reject.
fn time_of(cands: &[(&str, &S<'_>)]) -> Result<Option<i64>, MapError> {
    for (field, s) in cands {
        if let Some(text) = s.get() {
            return match parse_utc_micros(text) {
                Some(t) => Ok(Some(t)),
                None => Err(MapError::Reject(format!("unparseable time {text:?} in {field}"))),
            };
        }
    }
    Ok(None)
}

fn provenance<'a>(p: Provenance<'a>) -> (Text<'a>, Text<'a>, Option<i64>) {
    (Some(Cow::Borrowed(p.file)), Some(Cow::Borrowed(p.format)), Some(p.record))
}

/// `id` for records that have none (portal audit CSV, aggregated LA rows): a stable hash of
/// the identifying fields, so the same record from two files still deduplicates.
fn synthetic_id(table: Table, parts: &[Option<&str>]) -> String {
    let mut h = Sha256::new();
    h.update(table.name().as_bytes());
    for p in parts {
        h.update([0x1f]);
        h.update(p.unwrap_or("").as_bytes());
    }
    let d = h.finalize();
    let hex: String = d[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("synthetic-{hex}") // keep the prefix in sync with ingest::SYNTHETIC
}

/// Interrupt codes: the portal shows these as "Interrupted", not "Failure" (docs/formats.md §6).
const INTERRUPT_CODES: [i64; 7] = [50140, 50074, 50076, 50079, 50072, 50125, 50199];

pub fn result_of_code(code: i64) -> &'static str {
    if code == 0 {
        "success"
    } else if INTERRUPT_CODES.contains(&code) {
        "interrupted"
    } else {
        "failure"
    }
}

/// Location fields from, in order, the object (`location` / `LocationDetails`), the portal's
/// "City, State, CC" text, or a bare country code.
struct Place<'a> {
    country: Text<'a>,
    state: Text<'a>,
    city: Text<'a>,
    lat: Option<f64>,
    lon: Option<f64>,
}

fn place<'a>(objs: &[Option<&Location<'a>>], texts: &[&S<'a>]) -> Place<'a> {
    let mut p = Place { country: None, state: None, city: None, lat: None, lon: None };
    for l in objs.iter().flatten() {
        p.country = p.country.or_else(|| l.country.cell());
        p.state = p.state.or_else(|| l.state.cell());
        p.city = p.city.or_else(|| l.city.cell());
        if let Some(g) = l.geo.get() {
            // Managed identity sign-ins carry 0.0/0.0 for "no location".
            if !(g.latitude.0 == Some(0.0) && g.longitude.0 == Some(0.0)) {
                p.lat = p.lat.or(g.latitude.0);
                p.lon = p.lon.or(g.longitude.0);
            }
        }
    }
    for t in texts {
        let Some(text) = t.get() else { continue };
        let parts: Vec<&str> = text.split(',').map(str::trim).collect();
        if parts.len() >= 2 {
            let n = parts.len();
            p.country = p.country.or_else(|| nonempty(parts[n - 1]));
            p.state = p.state.or_else(|| nonempty(parts[n - 2]));
            if n >= 3 {
                p.city = p.city.or_else(|| nonempty(&parts[..n - 2].join(", ")));
            }
        } else if text.len() == 2 && text.bytes().all(|b| b.is_ascii_alphabetic()) {
            p.country = p.country.or_else(|| Some(Cow::Owned(text.to_ascii_uppercase())));
        }
    }
    p
}

fn nonempty<'a>(s: &str) -> Text<'a> {
    (!s.is_empty()).then(|| Cow::Owned(s.to_string()))
}

/// Tenant of the log: LA's `AADTenantId` (its `TenantId` is the workspace), otherwise the
/// envelope's `tenantId`.
fn tenant<'a>(env: &RawRecord<'a>) -> Text<'a> {
    if env.aad_tenant_id.present() {
        return env.aad_tenant_id.cell();
    }
    if style(env) == "log_analytics" {
        return None;
    }
    env.tenant_id.cell().or_else(|| env.body().tenant_id.cell())
}

// ---------------------------------------------------------------------------------------------
// sign-ins

fn signin<'a>(
    env: &RawRecord<'a>,
    cat: SignInCategory,
    prov: Provenance<'a>,
) -> Result<SignIn<'a>, MapError> {
    let b = env.body();
    let status = b.status.get();
    let steps = b.auth_steps.items();
    let time = time_of(&[
        ("createdDateTime", &b.created),
        ("time", &env.time),
        ("TimeGenerated", &env.time_generated),
    ])?
    // Training Lab exports projected every time column away but the step times.
    .or_else(|| steps.iter().find_map(|s| s.step_time.get().and_then(parse_utc_micros)));

    let error_code = status
        .and_then(|s| s.error_code.0)
        .or_else(|| b.result_type.get().and_then(|t| t.trim().parse().ok()))
        .or_else(|| env.result_type.get().and_then(|t| t.trim().parse().ok()));
    let result = match error_code {
        Some(code) => Some(Cow::Borrowed(result_of_code(code))),
        // The portal CSV's Status column when no code survived.
        None => b.status.text.get().map(|t| Cow::Owned(t.trim().to_ascii_lowercase())),
    };

    let loc = place(&[b.location.get(), b.location_details.get()], &[&b.location.text, &env.location.text]);
    let device = b.device.get();
    let is_user =
        matches!(cat, SignInCategory::Interactive | SignInCategory::NonInteractive | SignInCategory::Adfs);

    let mfa_method = b.mfa.get().and_then(|m| m.auth_method.cell()).or_else(|| {
        steps
            .iter()
            .filter(|s| s.succeeded.0 == Some(true))
            .filter_map(|s| s.method.get().map(|m| (s, m)))
            .find(|(_, m)| !matches!(*m, "Password" | "Previously satisfied"))
            .and_then(|(s, _)| s.method.cell())
    });

    let (source_file, source_format, source_record) = provenance(prov);
    let mut row = SignIn {
        time,
        id: b.id.cell(),
        category: Some(Cow::Borrowed(cat.name())),
        correlation_id: first(&[&b.correlation_id, &env.correlation_id]),
        session_id: b.session_id.cell(),
        unique_token_id: b.unique_token_id.cell(),
        original_request_id: b.original_request_id.cell(),
        user_id: b.user_id.cell(),
        // Some records name the user only as the sign-in identifier (a UPN typed at the
        // prompt), e.g. lockouts logged under Microsoft service principals.
        user_principal_name: lower(
            b.upn
                .cell()
                .or_else(|| b.sign_in_identifier.cell().filter(|s| s.contains('@') && !s.contains(' '))),
        ),
        user_display_name: if is_user {
            first(&[&b.user_display_name, &env.identity])
        } else {
            b.user_display_name.cell()
        },
        user_type: lower(b.user_type.cell()),
        app_id: b.app_id.cell(),
        app_display_name: b.app_display_name.cell(),
        resource_id: b.resource_identity.cell().or_else(|| {
            b.resource_id.cell().filter(|r| !r.starts_with("/tenants/") && !r.starts_with("/subscriptions/"))
        }),
        resource_display_name: b.resource_display_name.cell(),
        service_principal_id: b.sp_id.cell(),
        service_principal_name: b.sp_name.cell(),
        credential_key_id: b.sp_key_id.cell(),
        credential_thumbprint: b.sp_thumbprint.cell(),
        ip_address: [&b.ip, &env.caller_ip].iter().find_map(|s| ip(s.cell())),
        asn: b.asn.0,
        country: loc.country,
        state: loc.state,
        city: loc.city,
        latitude: loc.lat,
        longitude: loc.lon,
        client_app_used: b.client_app_used.cell(),
        user_agent: b.user_agent.cell(),
        device_id: device.and_then(|d| d.device_id.cell()),
        device_name: device.and_then(|d| d.display_name.cell()),
        device_os: device.and_then(|d| d.os.cell()),
        device_browser: device.and_then(|d| d.browser.cell()),
        device_trust_type: device.and_then(|d| d.trust_type.cell()),
        device_is_compliant: device.and_then(|d| d.is_compliant.0),
        device_is_managed: device.and_then(|d| d.is_managed.0),
        error_code,
        failure_reason: status
            .and_then(|s| s.failure_reason.cell())
            .or_else(|| first(&[&b.result_description, &env.result_description])),
        status_detail: status.and_then(|s| s.additional_details.cell()),
        result,
        authentication_requirement: b.authentication_requirement.cell(),
        auth_methods: steps.iter().filter_map(|s| s.method.cell()).collect(),
        auth_step_details: steps.iter().filter_map(|s| s.result_detail.cell()).collect(),
        mfa_method,
        mfa_result_detail: b.mfa.get().and_then(|m| m.auth_detail.cell()),
        authentication_protocol: b.authentication_protocol.cell(),
        original_transfer_method: b.original_transfer_method.cell(),
        incoming_token_type: b.incoming_token_type.cell(),
        client_credential_type: b.client_credential_type.cell(),
        conditional_access_status: b.conditional_access_status.cell().map(normalise_ca_status),
        ca_policies: b
            .ca_policies
            .items()
            .iter()
            .filter(|p| matches!(p.result.get(), Some("success" | "failure")))
            .filter_map(|p| Some(Cow::Owned(format!("{}={}", p.display_name.get()?, p.result.get()?))))
            .collect(),
        risk_level_during_signin: b.risk_level_during.cell(),
        risk_level_aggregated: b.risk_level_aggregated.cell(),
        risk_state: b.risk_state.cell(),
        risk_detail: b.risk_detail.cell(),
        risk_event_types: {
            let v2 = b.risk_event_types_v2.items();
            let list = if v2.is_empty() { b.risk_event_types.items() } else { v2 };
            list.iter().filter_map(|s| s.cell()).collect()
        },
        token_issuer_type: b.token_issuer_type.cell(),
        token_issuer_name: b.token_issuer_name.cell(),
        cross_tenant_access_type: b.cross_tenant_access_type.cell(),
        home_tenant_id: b.home_tenant_id.cell(),
        resource_tenant_id: b.resource_tenant_id.cell(),
        tenant_id: tenant(env).or_else(|| b.resource_tenant_id.cell()),
        managed_identity_type: b.msi.get().and_then(|m| m.msi_type.cell()).filter(|t| t != "none"),
        app_owner_tenant_id: b.app_owner_tenant_id.cell(),
        ca_grant_controls: b
            .ca_policies
            .items()
            .iter()
            .filter(|p| matches!(p.result.get(), Some("success" | "failure")))
            .filter_map(|p| {
                let controls: Vec<&str> = p.grant_controls.items().iter().filter_map(|c| c.get()).collect();
                Some(Cow::Owned(format!(
                    "{}={}:{}",
                    p.display_name.get()?,
                    p.result.get()?,
                    controls.join(",")
                )))
            })
            .collect(),
        authentication_processing_details: b
            .processing_details
            .items()
            .iter()
            .map(|kv| KeyValue { key: kv.key.cell(), value: kv.value.cell() })
            .collect(),
        token_protection_status: b
            .token_protection
            .cell()
            .or_else(|| b.token_protection_details.get().and_then(|t| t.session_status.cell())),
        source_file,
        source_format,
        source_record,
    };
    if row.id.is_none() {
        let t = row.time.map(|t| t.to_string());
        let code = row.error_code.map(|c| c.to_string());
        row.id = Some(Cow::Owned(synthetic_id(
            Table::SignIns,
            &[
                t.as_deref(),
                row.correlation_id.as_deref(),
                row.user_principal_name.as_deref(),
                row.service_principal_id.as_deref(),
                row.ip_address.as_deref(),
                row.app_id.as_deref(),
                code.as_deref(),
            ],
        )));
    }
    Ok(row)
}

/// The portal writes "Not Applied"/"Success"; Graph writes notApplied/success.
fn normalise_ca_status(s: Cow<'_, str>) -> Cow<'_, str> {
    match s.as_ref() {
        "success" | "failure" | "notApplied" => s,
        other => match other.to_ascii_lowercase().replace(' ', "").as_str() {
            "success" => Cow::Borrowed("success"),
            "failure" => Cow::Borrowed("failure"),
            "notapplied" => Cow::Borrowed("notApplied"),
            _ => s,
        },
    }
}

// ---------------------------------------------------------------------------------------------
// audits

/// Decode a modified-property value: JSON-encoded text (`"\"x\""`, `"[\"a\",\"b\"]"`) becomes
/// its plain text; a list of strings is joined with `; `; objects stay compact JSON.
pub fn decode_value<'a>(v: &S<'a>) -> Text<'a> {
    let text = v.get()?;
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if !(t.starts_with('"') || t.starts_with('[') || t.starts_with('{')) {
        return v.cell();
    }
    match serde_json::from_str::<serde_json::Value>(t) {
        Ok(serde_json::Value::String(s)) => nonempty(&s),
        Ok(serde_json::Value::Array(items)) => {
            let parts: Vec<String> = items
                .iter()
                .map(|i| match i {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            nonempty(&parts.join("; "))
        }
        Ok(serde_json::Value::Null) => None,
        Ok(other) => Some(Cow::Owned(other.to_string())),
        Err(_) => v.cell(),
    }
}

fn audit<'a>(env: &RawRecord<'a>, prov: Provenance<'a>) -> Result<Audit<'a>, MapError> {
    let b = env.body();
    let time = time_of(&[
        ("activityDateTime", &b.activity_time),
        ("time", &env.time),
        ("TimeGenerated", &env.time_generated),
    ])?;
    let by = b.initiated_by.get();
    let user = by.and_then(|i| i.user.get()).filter(|u| u.present());
    let app = by.and_then(|i| i.app.get()).filter(|a| a.present());
    let details: Vec<KeyValue<'a>> = b
        .additional_details
        .items()
        .iter()
        .map(|kv| KeyValue { key: kv.key.cell(), value: kv.value.cell() })
        .collect();
    let ua_detail = details
        .iter()
        .find(|kv| kv.key.as_deref().is_some_and(|k| k.eq_ignore_ascii_case("User-Agent")))
        .and_then(|kv| kv.value.clone());
    let targets: Vec<Target<'a>> = b
        .targets
        .items()
        .iter()
        .map(|t| Target {
            id: t.id.cell(),
            display_name: t.display_name.cell(),
            kind: t.kind.cell(),
            upn: lower(t.upn.cell()),
            modified_properties: t
                .modified
                .items()
                .iter()
                .map(|m| ModifiedProperty {
                    name: m.name.cell(),
                    old_value: decode_value(&m.old_value),
                    new_value: decode_value(&m.new_value),
                })
                .collect(),
        })
        .collect();
    let changes = changes_text(&targets);
    let first_target = targets.first().cloned().unwrap_or_default();
    let activity =
        first(&[&b.activity_display_name, &b.operation_name, &env.operation_name]).map(|a| match a {
            Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
            Cow::Owned(s) => Cow::Owned(s.trim().to_string()),
        });
    let (source_file, source_format, source_record) = provenance(prov);
    let mut row = Audit {
        time,
        id: b.id.cell(),
        correlation_id: first(&[&b.correlation_id, &env.correlation_id]),
        // Some forwarders put the audit sub-category on the envelope instead of the body.
        category: b
            .category
            .cell()
            .or_else(|| env.category.cell())
            .filter(|c| !c.eq_ignore_ascii_case("AuditLogs")),
        activity,
        operation_type: b.operation_type.cell(),
        result: lower(b.result.cell()),
        result_reason: b.result_reason.cell(),
        logged_by_service: b.logged_by_service.cell(),
        actor_type: if user.is_some() {
            Some(Cow::Borrowed("user"))
        } else if app.is_some() {
            Some(Cow::Borrowed("app"))
        } else {
            None
        },
        actor_upn: lower(user.and_then(|u| u.upn.cell())),
        actor_user_id: user.and_then(|u| u.id.cell()),
        actor_display_name: user
            .and_then(|u| u.display_name.cell())
            .or_else(|| app.and_then(|a| a.display_name.cell()))
            .or_else(|| env.identity.cell()),
        actor_app_id: app.and_then(|a| a.app_id.cell()),
        actor_app_name: app.and_then(|a| a.display_name.cell().or_else(|| a.sp_name.cell())),
        actor_sp_id: app.and_then(|a| a.sp_id.cell()),
        // PIM records carry the actor's address only as the `ipaddr` additional detail.
        ip_address: user.and_then(|u| ip(u.ip.cell())).or_else(|| ip(env.caller_ip.cell())).or_else(|| {
            details
                .iter()
                .find(|kv| {
                    kv.key.as_deref().is_some_and(|k| {
                        k.eq_ignore_ascii_case("ipaddr")
                            || k.eq_ignore_ascii_case("ipaddress")
                            || k.eq_ignore_ascii_case("ip address")
                    })
                })
                .and_then(|kv| ip(kv.value.clone()))
        }),
        user_agent: b.user_agent.cell().or(ua_detail),
        target_id: first_target.id,
        target_name: first_target.display_name,
        target_upn: first_target.upn,
        target_type: first_target.kind,
        changes,
        targets,
        additional_details: details,
        tenant_id: tenant(env),
        source_file,
        source_format,
        source_record,
    };
    if row.id.is_none() {
        let t = row.time.map(|t| t.to_string());
        row.id = Some(Cow::Owned(synthetic_id(
            Table::Audits,
            &[
                t.as_deref(),
                row.correlation_id.as_deref(),
                row.activity.as_deref(),
                row.actor_upn.as_deref().or(row.actor_app_id.as_deref()),
                row.target_id.as_deref(),
                row.changes.as_deref(),
            ],
        )));
    }
    Ok(row)
}

/// `target/name: old -> new`, one line per modified property, for LIKE-style rules.
fn changes_text<'a>(targets: &[Target<'a>]) -> Text<'a> {
    let mut out = String::new();
    for t in targets {
        for m in &t.modified_properties {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(t.display_name.as_deref().unwrap_or(""));
            out.push('/');
            out.push_str(m.name.as_deref().unwrap_or(""));
            out.push_str(": ");
            out.push_str(m.old_value.as_deref().unwrap_or(""));
            out.push_str(" -> ");
            out.push_str(m.new_value.as_deref().unwrap_or(""));
        }
    }
    (!out.is_empty()).then_some(Cow::Owned(out))
}

// ---------------------------------------------------------------------------------------------
// Identity Protection

fn risk_detection<'a>(env: &RawRecord<'a>, prov: Provenance<'a>) -> Result<RiskDetection<'a>, MapError> {
    let b = env.body();
    let time = time_of(&[
        ("activityDateTime", &b.activity_time),
        ("detectedDateTime", &b.detected_time),
        ("time", &env.time),
        ("TimeGenerated", &env.time_generated),
    ])?;
    let detected_time = time_of(&[("detectedDateTime", &b.detected_time)])?;
    let loc = place(&[b.location.get()], &[]);
    let (source_file, source_format, source_record) = provenance(prov);
    let mut row = RiskDetection {
        time,
        detected_time,
        id: b.id.cell(),
        request_id: b.request_id.cell(),
        correlation_id: first(&[&b.correlation_id, &env.correlation_id]),
        risk_event_type: first(&[&b.risk_event_type, &b.risk_type]),
        risk_level: b.risk_level.cell(),
        risk_state: b.risk_state.cell(),
        risk_detail: b.risk_detail.cell(),
        source: b.source.cell(),
        detection_timing: b.detection_timing.cell(),
        activity: b.activity.cell(),
        ip_address: [&b.ip, &env.caller_ip].iter().find_map(|s| ip(s.cell())),
        country: loc.country.or_else(|| b.country_or_region.cell()),
        city: loc.city.or_else(|| b.city.cell()),
        user_id: b.user_id.cell(),
        user_principal_name: lower(b.upn.cell()),
        user_display_name: b.user_display_name.cell(),
        service_principal_id: b.sp_id.cell(),
        service_principal_name: first(&[&b.sp_display_name, &b.sp_name]),
        app_id: b.app_id.cell(),
        token_issuer_type: b.token_issuer_type.cell(),
        additional_info: b.additional_info.cell(),
        tenant_id: tenant(env),
        source_file,
        source_format,
        source_record,
    };
    if row.id.is_none() {
        let t = row.time.map(|t| t.to_string());
        row.id = Some(Cow::Owned(synthetic_id(
            Table::RiskDetections,
            &[
                t.as_deref(),
                row.risk_event_type.as_deref(),
                row.user_id
                    .as_deref()
                    .or(row.user_principal_name.as_deref())
                    .or(row.service_principal_id.as_deref()),
                row.ip_address.as_deref(),
            ],
        )));
    }
    Ok(row)
}

fn risky_user<'a>(env: &RawRecord<'a>, prov: Provenance<'a>) -> Result<RiskyUser<'a>, MapError> {
    let b = env.body();
    let time = time_of(&[
        ("riskLastUpdatedDateTime", &b.risk_last_updated),
        ("time", &env.time),
        ("TimeGenerated", &env.time_generated),
    ])?;
    let user_id = first(&[&b.user_id, &b.id]);
    let id = format!(
        "{}|{}",
        user_id.as_deref().or(b.upn.get()).unwrap_or(""),
        time.map(|t| t.to_string()).unwrap_or_default()
    );
    let (source_file, source_format, source_record) = provenance(prov);
    Ok(RiskyUser {
        time,
        id: Some(Cow::Owned(id)),
        user_id,
        user_principal_name: lower(b.upn.cell()),
        user_display_name: b.user_display_name.cell(),
        risk_level: b.risk_level.cell(),
        risk_state: b.risk_state.cell(),
        risk_detail: b.risk_detail.cell(),
        is_deleted: b.is_deleted.0,
        is_processing: b.is_processing.0,
        tenant_id: tenant(env),
        source_file,
        source_format,
        source_record,
    })
}

fn risky_sp<'a>(env: &RawRecord<'a>, prov: Provenance<'a>) -> Result<RiskyServicePrincipal<'a>, MapError> {
    let b = env.body();
    let time = time_of(&[
        ("riskLastUpdatedDateTime", &b.risk_last_updated),
        ("time", &env.time),
        ("TimeGenerated", &env.time_generated),
    ])?;
    let sp_id = first(&[&b.sp_id, &b.id]);
    let id = format!(
        "{}|{}",
        sp_id.as_deref().or(b.app_id.get()).unwrap_or(""),
        time.map(|t| t.to_string()).unwrap_or_default()
    );
    let (source_file, source_format, source_record) = provenance(prov);
    Ok(RiskyServicePrincipal {
        time,
        id: Some(Cow::Owned(id)),
        service_principal_id: sp_id,
        app_id: b.app_id.cell(),
        service_principal_name: first(&[&b.display_name, &b.sp_display_name, &b.sp_name]),
        service_principal_type: b.sp_type.cell(),
        risk_level: b.risk_level.cell(),
        risk_state: b.risk_state.cell(),
        risk_detail: b.risk_detail.cell(),
        is_enabled: b.is_enabled.0,
        is_processing: b.is_processing.0,
        tenant_id: tenant(env),
        source_file,
        source_format,
        source_record,
    })
}

// ---------------------------------------------------------------------------------------------
// Microsoft Graph activity

fn graph_activity<'a>(env: &RawRecord<'a>, prov: Provenance<'a>) -> Result<GraphActivity<'a>, MapError> {
    let b = env.body();
    let time = time_of(&[
        ("timeGenerated", &b.time_generated),
        ("time", &env.time),
        ("TimeGenerated", &env.time_generated),
    ])?;
    let (resource_path, resource) = match b.request_uri.get() {
        Some(uri) => {
            let (path, kind) = graph_resource(uri);
            (Some(Cow::Owned(path)), Some(Cow::Borrowed(kind)))
        }
        None => (None, None),
    };
    let (source_file, source_format, source_record) = provenance(prov);
    let mut row = GraphActivity {
        time,
        id: first(&[&b.request_id, &b.operation_id]),
        request_method: b.request_method.cell().map(|m| match m {
            Cow::Borrowed(s) if s.bytes().all(|c| !c.is_ascii_lowercase()) => Cow::Borrowed(s),
            other => Cow::Owned(other.to_ascii_uppercase()),
        }),
        request_uri: b.request_uri.cell(),
        resource_path,
        resource,
        api_version: b.api_version.cell(),
        response_status: b.response_status.0.or_else(|| env.result_type.get().and_then(|t| t.parse().ok())),
        response_size_bytes: b.response_size.0,
        duration_ms: b.duration_ms.0,
        app_id: b.app_id.cell(),
        service_principal_id: b.sp_id.cell(),
        user_id: b.user_id.cell(),
        ip_address: [&b.ip, &env.caller_ip].iter().find_map(|s| ip(s.cell())),
        user_agent: b.user_agent.cell(),
        sign_in_activity_id: b.sign_in_activity_id.cell(),
        session_id: b.session_id.cell(),
        device_id: b.device_id.cell(),
        token_issued_at: time_of(&[("tokenIssuedAt", &b.token_issued_at)])?,
        scopes: b.scopes.cell(),
        roles: b.roles.cell(),
        wids: b.wids.cell(),
        client_auth_method: b.client_auth_method.cell(),
        client_request_id: b.client_request_id.cell(),
        region: b.location.text.cell().or_else(|| env.location.text.cell()),
        tenant_id: tenant(env),
        source_file,
        source_format,
        source_record,
    };
    if row.id.is_none() {
        let t = row.time.map(|t| t.to_string());
        row.id = Some(Cow::Owned(synthetic_id(
            Table::GraphActivity,
            &[
                t.as_deref(),
                row.request_method.as_deref(),
                row.request_uri.as_deref(),
                row.user_id.as_deref().or(row.service_principal_id.as_deref()),
                row.ip_address.as_deref(),
            ],
        )));
    }
    Ok(row)
}

/// Whether a URI path segment is an object id rather than a resource name: GUIDs, UPNs,
/// mailbox and drive item ids (long, with digits), numeric keys.
fn is_id_segment(seg: &str) -> bool {
    seg.contains('@')
        || (seg.len() == 36 && seg.bytes().filter(|&c| c == b'-').count() == 4)
        || (seg.len() >= 16 && seg.bytes().any(|c| c.is_ascii_digit()))
        || (!seg.is_empty() && seg.bytes().all(|c| c.is_ascii_digit()))
        || seg.contains('=')
}

/// A Graph request URI as (path template, resource kind): host, API version and query are
/// dropped, ids become `{id}`, names are lower-cased — so
/// `https://graph.microsoft.com/v1.0/users/5f…/mailFolders/Inbox/messages?$top=50` is
/// `/users/{id}/mailfolders/inbox/messages`, kind `mailbox`. Kinds group requests for the
/// "what did it touch" scope and the enumeration rules.
pub fn graph_resource(uri: &str) -> (String, &'static str) {
    let no_query = uri.split(['?', '#']).next().unwrap_or("");
    let path = match no_query.find("://") {
        Some(i) => no_query[i + 3..].find('/').map_or("", |j| &no_query[i + 3 + j..]),
        None => no_query,
    };
    let mut segs: Vec<String> = Vec::new();
    for raw in path.split('/').filter(|s| !s.is_empty()) {
        // users('a@b') and items(id) address an object by key.
        let (name, keyed) = match raw.find('(') {
            Some(i) => (&raw[..i], true),
            None => (raw, false),
        };
        if segs.is_empty() && (name.eq_ignore_ascii_case("v1.0") || name.eq_ignore_ascii_case("beta")) {
            continue;
        }
        if is_id_segment(name) {
            segs.push("{id}".into());
        } else if !name.is_empty() {
            segs.push(name.to_ascii_lowercase());
        }
        if keyed {
            segs.push("{id}".into());
        }
    }
    let has = |names: &[&str]| segs.iter().any(|s| names.contains(&s.as_str()));
    let kind = if has(&["messagerules", "inboxrules", "mailboxsettings"]) {
        "mail_rules"
    } else if has(&[
        "messages",
        "mailfolders",
        "attachments",
        "events",
        "calendar",
        "calendars",
        "contacts",
        "contactfolders",
    ]) && segs.first().is_some_and(|s| s == "me" || s == "users")
    {
        "mailbox"
    } else if has(&["drive", "drives", "driveitem", "driveitems"]) {
        "files"
    } else if has(&["chats", "teams", "channels"]) {
        "teams"
    } else {
        match segs.first().map(String::as_str) {
            Some("me") if segs.len() == 1 => "me",
            Some("users" | "me") => "users",
            Some("groups") => "groups",
            Some("applications") => "applications",
            Some("serviceprincipals") => "service_principals",
            Some("directoryroles" | "rolemanagement" | "directoryroletemplates") => "roles",
            Some("identity" | "policies" | "identityprotection") => "policies",
            Some("devices") => "devices",
            Some("auditlogs" | "reports") => "audit_logs",
            Some("security") => "security",
            Some("sites") => "sites",
            Some("search") => "search",
            Some("$batch") => "batch",
            Some(
                "organization"
                | "domains"
                | "directoryobjects"
                | "directory"
                | "subscribedskus"
                | "contacts"
                | "oauth2permissiongrants"
                | "tenantrelationships",
            ) => "directory",
            _ => "other",
        }
    };
    (format!("/{}", segs.join("/")), kind)
}

// ---------------------------------------------------------------------------------------------
// provisioning

fn provisioning<'a>(env: &RawRecord<'a>, prov: Provenance<'a>) -> Result<Provisioning<'a>, MapError> {
    let b = env.body();
    let time = time_of(&[
        ("activityDateTime", &b.activity_time),
        ("time", &env.time),
        ("TimeGenerated", &env.time_generated),
    ])?;
    let sp = b.service_principal.get();
    let src = b.source_identity.get();
    let tgt = b.target_identity.get();
    let by = b.initiated_by.get();
    let status = b.provisioning_status.get();
    let error = status.and_then(|s| s.error.get());
    let mut changes = String::new();
    for m in b.modified_properties.items() {
        if !changes.is_empty() {
            changes.push('\n');
        }
        changes.push_str(m.name.get().unwrap_or(""));
        changes.push_str(": ");
        changes.push_str(decode_value(&m.old_value).as_deref().unwrap_or(""));
        changes.push_str(" -> ");
        changes.push_str(decode_value(&m.new_value).as_deref().unwrap_or(""));
    }
    let (source_file, source_format, source_record) = provenance(prov);
    let mut row = Provisioning {
        time,
        id: b.id.cell(),
        job_id: b.job_id.cell(),
        cycle_id: b.cycle_id.cell(),
        change_id: b.change_id.cell(),
        action: lower(first(&[&b.provisioning_action, &b.action])),
        status: lower(status.and_then(|s| s.status.cell()).or_else(|| env.result_type.cell())),
        error_code: error.and_then(|e| e.error_code.cell()),
        error_reason: error.and_then(|e| e.reason.cell()),
        service_principal_id: sp.and_then(|s| s.id.cell()),
        service_principal_name: sp.and_then(|s| s.name.cell()),
        source_system: b.source_system.get().and_then(|s| s.name.cell()),
        target_system: b.target_system.get().and_then(|s| s.name.cell()),
        source_identity_id: src.and_then(|s| s.id.cell()),
        source_identity_name: src.and_then(|s| s.name.cell()),
        source_identity_type: src.and_then(|s| s.identity_type.cell()),
        source_upn: lower(src.and_then(|s| s.details.get()).and_then(|d| d.upn.cell())),
        target_identity_id: tgt.and_then(|s| s.id.cell()),
        target_identity_name: tgt.and_then(|s| s.name.cell()),
        target_identity_type: tgt.and_then(|s| s.identity_type.cell()),
        initiated_by_type: lower(by.and_then(|i| i.kind.cell())),
        initiated_by_name: by.and_then(|i| i.name.cell()),
        changes: (!changes.is_empty()).then_some(Cow::Owned(changes)),
        tenant_id: tenant(env),
        source_file,
        source_format,
        source_record,
    };
    if row.id.is_none() {
        let t = row.time.map(|t| t.to_string());
        row.id = Some(Cow::Owned(synthetic_id(
            Table::Provisioning,
            &[
                t.as_deref(),
                row.job_id.as_deref(),
                row.change_id.as_deref(),
                row.source_identity_id.as_deref(),
            ],
        )));
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_uris_become_templates_and_kinds() {
        let cases = [
            ("https://graph.microsoft.com/v1.0/users/5f1c0a8e-0d1e-4d7e-9a57-0d6c0c8f3a11/mailFolders/Inbox/messages?$top=50", "/users/{id}/mailfolders/inbox/messages", "mailbox"),
            ("https://graph.microsoft.com/beta//users/7ef3c2ad-d52l-4a89-8cf9-c30178181027/photos/48x48/$value", "/users/{id}/photos/48x48/$value", "users"),
            ("https://graph.microsoft.com/v1.0/me/mailFolders/inbox/messageRules", "/me/mailfolders/inbox/messagerules", "mail_rules"),
            ("https://graph.microsoft.com/v1.0/me/drive/root/children", "/me/drive/root/children", "files"),
            ("https://graph.microsoft.com/v1.0/directoryRoles", "/directoryroles", "roles"),
            ("https://graph.microsoft.com/v1.0/users('a@b.example')/memberOf", "/users/{id}/memberof", "users"),
            ("https://graph.microsoft.com/v1.0/me", "/me", "me"),
            ("/v1.0/servicePrincipals?$filter=x", "/serviceprincipals", "service_principals"),
            ("https://graph.microsoft.com/v1.0/identity/conditionalAccess/policies", "/identity/conditionalaccess/policies", "policies"),
            ("", "/", "other"),
        ];
        for (uri, path, kind) in cases {
            assert_eq!(graph_resource(uri), (path.to_string(), kind), "{uri}");
        }
    }

    fn prov() -> Provenance<'static> {
        Provenance { file: "f", format: "test", record: 1 }
    }

    fn map(json: &str) -> Row<'static> {
        let leaked: &'static str = Box::leak(json.to_string().into_boxed_str());
        let r: RawRecord<'static> = serde_json::from_str(leaked).unwrap();
        let kind = classify(&r);
        map_record(&r, &kind, prov()).unwrap()
    }

    #[test]
    fn diagnostic_sign_in_uses_properties_and_envelope_fallbacks() {
        let Row::SignIn(s) = map(
            r#"{"time":"2024-05-01T10:00:00Z","category":"NonInteractiveUserSignInLogs","callerIpAddress":"203.0.113.7","identity":"Jane","location":"NL","resultType":"50126",
               "properties":{"id":"i1","createdDateTime":"2024-05-01T09:59:59.1234567+00:00","userPrincipalName":"Jane@Contoso.com","status":{"errorCode":50126},"location":{"city":"Amsterdam","geoCoordinates":{"latitude":52.3,"longitude":4.9}}}}"#,
        ) else {
            panic!("not a sign-in")
        };
        assert_eq!(s.category.as_deref(), Some("non_interactive"));
        assert_eq!(s.user_principal_name.as_deref(), Some("jane@contoso.com"));
        assert_eq!(s.ip_address.as_deref(), Some("203.0.113.7"));
        assert_eq!(s.user_display_name.as_deref(), Some("Jane"));
        assert_eq!(s.country.as_deref(), Some("NL"));
        assert_eq!(s.city.as_deref(), Some("Amsterdam"));
        assert_eq!(s.result.as_deref(), Some("failure"));
        assert_eq!(s.time, parse_utc_micros("2024-05-01T09:59:59.123456Z"));
    }

    #[test]
    fn graph_categories_come_from_fields_not_names() {
        let cat = |j: &str| match map(j) {
            Row::SignIn(s) => s.category.unwrap().into_owned(),
            _ => panic!(),
        };
        assert_eq!(
            cat(r#"{"createdDateTime":"2024-01-01T00:00:00Z","signInEventTypes":["nonInteractiveUser"]}"#),
            "non_interactive"
        );
        assert_eq!(
            cat(r#"{"createdDateTime":"2024-01-01T00:00:00Z","isInteractive":false}"#),
            "non_interactive"
        );
        assert_eq!(
            cat(r#"{"createdDateTime":"2024-01-01T00:00:00Z","servicePrincipalId":"sp","userId":null}"#),
            "service_principal"
        );
        assert_eq!(
            cat(
                r#"{"createdDateTime":"2024-01-01T00:00:00Z","managedServiceIdentity":{"msiType":"systemAssigned"}}"#
            ),
            "managed_identity"
        );
        assert_eq!(cat(r#"{"createdDateTime":"2024-01-01T00:00:00Z","userId":"u"}"#), "interactive");
    }

    #[test]
    fn interrupts_and_successes() {
        assert_eq!(result_of_code(0), "success");
        assert_eq!(result_of_code(50074), "interrupted");
        assert_eq!(result_of_code(500121), "failure");
    }

    #[test]
    fn audit_values_are_decoded_and_first_target_flattened() {
        let Row::Audit(a) = map(
            r#"{"id":"Directory_1","activityDisplayName":"Update application – Certificates and secrets management ","activityDateTime":"2021-08-02T13:29:25.983Z",
               "initiatedBy":{"user":{"userPrincipalName":"PG@x.com","ipAddress":"1.2.3.4"}},
               "targetResources":[{"id":"t1","displayName":"SimuLandApp","type":"Application","modifiedProperties":[{"displayName":"KeyDescription","oldValue":"[]","newValue":"[\"[KeyIdentifier=k,KeyType=Password]\"]"},{"displayName":"Included Updated Properties","oldValue":null,"newValue":"\"KeyDescription\""}]}],
               "additionalDetails":[{"key":"User-Agent","value":"python-requests/2.31"}]}"#,
        ) else {
            panic!()
        };
        assert_eq!(a.activity.as_deref(), Some("Update application – Certificates and secrets management"));
        assert_eq!(a.actor_type.as_deref(), Some("user"));
        assert_eq!(a.actor_upn.as_deref(), Some("pg@x.com"));
        assert_eq!(a.target_name.as_deref(), Some("SimuLandApp"));
        let mp = &a.targets[0].modified_properties;
        assert_eq!(mp[0].old_value, None);
        assert_eq!(mp[0].new_value.as_deref(), Some("[KeyIdentifier=k,KeyType=Password]"));
        assert_eq!(mp[1].new_value.as_deref(), Some("KeyDescription"));
        assert_eq!(a.user_agent.as_deref(), Some("python-requests/2.31"));
        assert!(a.changes.as_deref().unwrap().contains("SimuLandApp/KeyDescription:  -> [KeyIdentifier"));
    }

    #[test]
    fn unparseable_time_is_a_reject_and_unknown_records_are_rejected() {
        let r: RawRecord = serde_json::from_str(r#"{"createdDateTime":"not a time","appId":"a"}"#).unwrap();
        let err = map_record(&r, &classify(&r), prov()).unwrap_err();
        assert!(matches!(err, MapError::Reject(m) if m.contains("unparseable time")));
        let r: RawRecord = serde_json::from_str(r#"{"foo":1}"#).unwrap();
        assert_eq!(classify(&r), Kind::Unknown);
        let r: RawRecord =
            serde_json::from_str(r#"{"category":"NetworkAccessTrafficLogs","properties":{}}"#).unwrap();
        assert!(matches!(map_record(&r, &classify(&r), prov()), Err(MapError::Skip(_))));
    }

    #[test]
    fn portal_location_text_splits() {
        let p = place(&[], &[&S(Some("Redmond, Washington, US".into()))]);
        assert_eq!(
            (p.city.as_deref(), p.state.as_deref(), p.country.as_deref()),
            (Some("Redmond"), Some("Washington"), Some("US"))
        );
    }
}
