//! The categories beyond sign-ins, audits and user risk: Microsoft Graph activity, AD FS
//! sign-ins (Connect Health), provisioning and workload-identity risk.
//!
//! Ordinary traffic is derived from the day's sign-ins, so it stays consistent with them: a
//! successful sign-in to Microsoft Graph is followed by the requests its token makes (same
//! user, app, address and `signInActivityId` = the sign-in's `uniqueTokenIdentifier`), a
//! federated user's interactive sign-in is preceded by its AD FS record, and the SCIM
//! connector updates a few accounts a day. Attack stories add their own requests (scenarios.rs).
//! This module also renders these records for the two export shapes that carry them: Azure
//! Monitor `PT1H.json` lines and Log Analytics tables.

use std::sync::Arc;

use serde_json::{json, Value};

use super::la::{Cell, Col, LaCtx, LaType};
use super::model::*;
use super::rng::{Guid, Rng};
use super::tenant::{res, Tenant};

const TAG_GRAPH: u64 = 0x0067_7261_7068;
const TAG_PROV: u64 = 0x7072_6f76;

/// What Outlook, Teams and OneDrive clients ask Graph for all day.
const BENIGN_URIS: [&str; 8] = [
    "https://graph.microsoft.com/v1.0/me",
    "https://graph.microsoft.com/v1.0/me/messages?$top=10&$select=subject,from,receivedDateTime",
    "https://graph.microsoft.com/v1.0/me/drive/recent",
    "https://graph.microsoft.com/v1.0/me/calendar/events?$top=20",
    "https://graph.microsoft.com/v1.0/me/joinedTeams",
    "https://graph.microsoft.com/v1.0/me/photo/$value",
    "https://graph.microsoft.com/beta/me/presence",
    "https://graph.microsoft.com/v1.0/me/mailFolders/inbox/messages?$top=25",
];

pub const DELEGATED_SCOPES: &str =
    "Calendars.ReadWrite Files.ReadWrite.All Mail.ReadWrite openid profile User.Read email";

/// A request made with the token of sign-in `s`.
#[allow(clippy::too_many_arguments)]
pub fn request_from(
    si: &SignIn,
    t: i64,
    id: Guid,
    method: &'static str,
    uri: String,
    status: u16,
    size: u32,
    ua: Option<&str>,
) -> GraphRequest {
    let app_only = si.user.is_none();
    GraphRequest {
        t,
        id,
        user: si.user.clone(),
        sp_id: if app_only { si.workload.as_ref().map(|w| w.sp_id) } else { None },
        app_id: si.app.id.clone(),
        ip: si.net.ip.clone(),
        ua: ua.map_or_else(|| si.ua.clone(), s),
        method,
        uri: s_uri(uri),
        status,
        size,
        uti: si.uti.clone(),
        session: si.session,
        token_t: si.t,
        scopes: (!app_only).then_some(DELEGATED_SCOPES),
        roles: app_only.then_some("User.Read.All Group.Read.All"),
    }
}

fn s_uri(u: String) -> S {
    Arc::from(u.as_str())
}

/// Derive the day's ordinary Graph requests, AD FS records and provisioning events from its
/// sign-ins (attackers' included: their tokens make ordinary-looking requests too).
pub fn derive(seed: u64, tenant: &Tenant, day_start: i64, lo: i64, hi: i64, b: &mut DayBatch) {
    let graph_id = &*tenant.resource(res::GRAPH).id;
    // Every tenth member authenticates through the on-premises AD FS farm.
    let federated: std::collections::HashSet<Guid> = tenant
        .people
        .iter()
        .enumerate()
        .filter(|(i, p)| i % 10 == 3 && !p.user.guest)
        .map(|(_, p)| p.user.id)
        .collect();
    for s in &b.signins {
        if s.error != 0 {
            continue;
        }
        let key = [TAG_GRAPH, s.id.0 as u64, (s.id.0 >> 64) as u64];
        if &*s.resource.id == graph_id {
            let mut rng = Rng::stream(seed, &key);
            let n = if s.user.is_some() { 1 + (s.id.0 % 3) as i64 } else { 1 };
            for k in 0..n {
                let t = s.t + 20_000 + k * 41_000;
                if t >= hi {
                    break;
                }
                let uri = if s.user.is_some() {
                    BENIGN_URIS[rng.range(0, BENIGN_URIS.len() as i64 - 1) as usize].to_string()
                } else {
                    "https://graph.microsoft.com/v1.0/users?$select=id,displayName,accountEnabled&$top=999"
                        .into()
                };
                let size = rng.range(900, 24_000) as u32;
                b.graph.push(request_from(s, t, rng.guid(), "GET", uri, 200, size, None));
            }
        }
        // Federated users: AD FS validates the password before Entra issues the token.
        if let Some(u) = &s.user {
            if s.kind == Kind::Interactive && federated.contains(&u.id) && s.t - 1_500 >= lo {
                let mut rng = Rng::stream(seed, &[key[0] ^ 0xadf5, key[1], key[2]]);
                b.adfs.push(AdfsSignIn {
                    t: s.t - 1_500,
                    id: rng.guid(),
                    correlation: rng.guid(),
                    user: u.clone(),
                    ip: s.net.ip.clone(),
                    error: 0,
                    uti: s.uti.clone(),
                });
            }
        }
    }
    // The SCIM connector to the HR file share touches a handful of accounts a day.
    let day = day_start.div_euclid(MS_PER_DAY) as u64;
    let mut rng = Rng::stream(seed, &[TAG_PROV, day]);
    let cycle = rng.guid();
    let members: Vec<&Arc<User>> = tenant.people.iter().map(|p| &p.user).filter(|u| !u.guest).collect();
    let per_day = (members.len() / 100).max(1);
    for k in 0..per_day {
        if members.is_empty() {
            break;
        }
        let u = members[(day as usize * 7 + k * 31) % members.len()];
        let t = day_start + rng.range(0, MS_PER_DAY - 1);
        if t < lo || t >= hi {
            continue;
        }
        let failed = rng.chance(0.1);
        b.provisioning.push(Provision {
            t,
            id: rng.guid(),
            user: u.clone(),
            action: if rng.chance(0.2) { "create" } else { "update" },
            status: if failed { "failure" } else { "success" },
            cycle,
            change: rng.guid(),
        });
    }
}

// ---------------------------------------------------------------------------
// Azure Monitor lines

const SCIM_SP: &str = "3f0d5d1e-52a3-4f6a-9c55-6e2d2a7c1b01";
const SCIM_APP: &str = "Dropbox Business";

fn envelope(t: i64, category: &str, tid: &str, op: &str, result: &str, props: Value) -> Value {
    json!({
        "time": Ts(t, TimeFmt::Iso7Z).to_string(),
        "resourceId": format!("/tenants/{tid}/providers/Microsoft.aadiam"),
        "operationName": op,
        "operationVersion": "1.0",
        "category": category,
        "tenantId": tid,
        "resultType": result,
        "Level": 4,
        "properties": props,
    })
}

pub fn graph_line(r: &GraphRequest, tid: &str) -> Value {
    let mut e = envelope(
        r.t,
        "MicrosoftGraphActivityLogs",
        tid,
        "Microsoft Graph Activity",
        &r.status.to_string(),
        json!({
            "timeGenerated": Ts(r.t, TimeFmt::Iso7Z).to_string(),
            "location": "West Europe",
            "requestId": r.id.to_string(),
            "operationId": r.id.to_string(),
            "clientRequestId": Guid(r.id.0 ^ 0x5a5a).to_string(),
            "apiVersion": if r.uri.contains("/beta/") { "beta" } else { "v1.0" },
            "requestMethod": r.method,
            "responseStatusCode": r.status,
            "tenantId": tid,
            "durationMs": 120 + r.size / 40,
            "responseSizeBytes": r.size,
            "signInActivityId": &*r.uti,
            "roles": r.roles,
            "tokenIssuedAt": Ts(r.token_t, TimeFmt::IsoMsZ).to_string(),
            "appId": &*r.app_id,
            "userId": r.user.as_ref().map(|u| u.id.to_string()),
            "servicePrincipalId": r.sp_id.map(|g| g.to_string()),
            "scopes": r.scopes,
            "identityProvider": format!("https://sts.windows.net/{tid}/"),
            "clientAuthMethod": if r.user.is_some() { "0" } else { "1" },
            "wids": "b79fbf4d-3ef9-4689-8143-76b194e85509",
            "ipAddress": &*r.ip,
            "userAgent": &*r.ua,
            "requestUri": &*r.uri,
            "sessionId": r.session.map(|g| g.to_string()),
            "atContent": "",
        }),
    );
    e["callerIpAddress"] = json!(&*r.ip);
    e["durationMs"] = json!(120 + r.size / 40);
    e
}

pub fn provisioning_line(r: &Provision, tid: &str) -> Value {
    envelope(
        r.t,
        "ProvisioningLogs",
        tid,
        "Provisioning activity",
        status_word(r.status),
        provisioning_props(r, tid),
    )
}

fn status_word(s: &str) -> &'static str {
    match s {
        "success" => "Success",
        "failure" => "Failure",
        _ => "Skipped",
    }
}

fn provisioning_props(r: &Provision, tid: &str) -> Value {
    let error = (r.status == "failure").then(|| {
        json!({"errorCode": "DropboxEntryConflict", "reason": "Dropbox returned 409: a user with the same name already exists.", "errorCategory": "nonServiceFailure"})
    });
    json!({
        "id": r.id.to_string(),
        "activityDateTime": Ts(r.t, TimeFmt::Iso7Z).to_string(),
        "tenantId": tid,
        "jobId": format!("DropboxSCIMOutDelta.{}", tid.replace('-', "")),
        "cycleId": r.cycle.to_string(),
        "changeId": r.change.to_string(),
        "action": if r.action == "create" { "Create" } else { "Update" },
        "provisioningAction": r.action,
        "servicePrincipal": {"Id": SCIM_SP, "Name": SCIM_APP},
        "sourceSystem": {"Id": Guid(r.cycle.0 ^ 1).to_string(), "Name": "Azure Active Directory", "details": {}},
        "targetSystem": {"Id": Guid(r.cycle.0 ^ 2).to_string(), "Name": "Dropbox", "details": {"ServicePrincipalId": SCIM_SP}},
        "initiatedBy": {"Type": "system", "Id": "", "Name": "Azure AD Provisioning Service"},
        "sourceIdentity": {"identityType": "User", "Id": r.user.id.to_string(), "Name": &*r.user.display,
            "details": {"id": r.user.id.to_string(), "DisplayName": &*r.user.display, "UserPrincipalName": &*r.user.upn}},
        "targetIdentity": {"identityType": "urn:ietf:params:scim:schemas:core:2.0:User", "Id": format!("dbmid:{}", r.user.id.0 % 1_000_000_007), "Name": "", "details": {}},
        "provisioningStatusInfo": {"Status": r.status, "errorInformation": error},
        "modifiedProperties": [{"displayName": "active", "oldValue": null, "newValue": "True"}],
    })
}

pub fn adfs_line(r: &AdfsSignIn, tid: &str) -> Value {
    let mut e =
        envelope(r.t, "ADFSSignInLogs", tid, "Sign-in activity", &r.error.to_string(), adfs_props(r, tid));
    e["callerIpAddress"] = json!(&*r.ip);
    e["identity"] = json!(&*r.user.display);
    e
}

fn adfs_props(r: &AdfsSignIn, tid: &str) -> Value {
    json!({
        "id": r.id.to_string(),
        "createdDateTime": Ts(r.t, TimeFmt::IsoMsZ).to_string(),
        "userDisplayName": &*r.user.display,
        "userPrincipalName": &*r.user.upn,
        "userId": r.user.id.to_string(),
        "appId": "00000002-0000-0000-c000-000000000000",
        "appDisplayName": "Microsoft Office 365 Identity Platform",
        "ipAddress": &*r.ip,
        "correlationId": r.correlation.to_string(),
        "status": {"errorCode": r.error},
        "authenticationDetails": [{"authenticationMethod": "Password", "authenticationMethodDetail": "Forms Authentication", "succeeded": r.error == 0}],
        "authenticationProcessingDetails": [{"key": "Server name", "value": "ADFS01"}, {"key": "Is CAE Token", "value": "False"}],
        "tokenIssuerType": "ADFederationServices",
        "tokenIssuerName": "adfs.fabrikam.example",
        "uniqueTokenIdentifier": &*r.uti,
        "signInEventTypes": ["interactiveUser"],
        "isInteractive": true,
        "resourceTenantId": tid,
    })
}

pub fn sp_risk_line(r: &SpRisk, tid: &str) -> Value {
    let mut e = envelope(
        r.t,
        "ServicePrincipalRiskEvents",
        tid,
        "Service Principal Risk Detection",
        "None",
        sp_risk_props(r),
    );
    e["callerIpAddress"] = json!(&*r.ip);
    e
}

fn sp_risk_props(r: &SpRisk) -> Value {
    json!({
        "id": r.id.to_string(),
        "activity": "servicePrincipal",
        "activityDateTime": Ts(r.t, TimeFmt::Iso7Z).to_string(),
        "detectedDateTime": Ts(r.t + 40 * MS_PER_MIN, TimeFmt::Iso7Z).to_string(),
        "lastUpdatedDateTime": Ts(r.t + 40 * MS_PER_MIN, TimeFmt::Iso7Z).to_string(),
        "appId": r.workload.app_id.to_string(),
        "servicePrincipalId": r.workload.sp_id.to_string(),
        "servicePrincipalDisplayName": &*r.workload.name,
        "riskEventType": r.event_type,
        "riskLevel": r.level,
        "riskState": "atRisk",
        "riskDetail": "none",
        "detectionTimingType": "offline",
        "source": "IdentityProtection",
        "ipAddress": &*r.ip,
        "tokenIssuerType": "AzureAD",
    })
}

pub fn risky_sp_line(r: &RiskySp, tid: &str) -> Value {
    envelope(r.t, "RiskyServicePrincipals", tid, "Risky Service Principal", "None", risky_sp_props(r))
}

fn risky_sp_props(r: &RiskySp) -> Value {
    json!({
        "id": r.workload.sp_id.to_string(),
        "appId": r.workload.app_id.to_string(),
        "displayName": &*r.workload.name,
        "servicePrincipalType": "Application",
        "isEnabled": true,
        "isProcessing": false,
        "riskLastUpdatedDateTime": Ts(r.t, TimeFmt::Iso7Z).to_string(),
        "riskLevel": r.level,
        "riskState": r.state,
        "riskDetail": "none",
    })
}

// ---------------------------------------------------------------------------
// Log Analytics tables

fn text(v: &str) -> Cell {
    Cell::S(v.to_string())
}

fn dynamic(v: &Value) -> Cell {
    Cell::J(v.to_string())
}

fn props_cell(v: &Value, key: &str) -> Cell {
    match v.get(key) {
        Some(Value::String(s)) => Cell::S(s.clone()),
        Some(Value::Null) | None => Cell::S(String::new()),
        Some(other) => dynamic(other),
    }
}

/// `MicrosoftGraphActivityLogs`.
pub fn graph_cols() -> Vec<Col<GraphRequest>> {
    use LaType::*;
    vec![
        Col { name: "TenantId", ty: Str, get: |_, c: &LaCtx| text(&c.workspace) },
        Col { name: "TimeGenerated", ty: Time, get: |r, _| Cell::T(r.t) },
        Col { name: "Location", ty: Str, get: |_, _| text("West Europe") },
        Col { name: "RequestId", ty: Str, get: |r, _| Cell::S(r.id.to_string()) },
        Col { name: "OperationId", ty: Str, get: |r, _| Cell::S(r.id.to_string()) },
        Col { name: "ClientRequestId", ty: Str, get: |r, _| Cell::S(Guid(r.id.0 ^ 0x5a5a).to_string()) },
        Col {
            name: "ApiVersion",
            ty: Str,
            get: |r, _| text(if r.uri.contains("/beta/") { "beta" } else { "v1.0" }),
        },
        Col { name: "RequestMethod", ty: Str, get: |r, _| text(r.method) },
        Col { name: "ResponseStatusCode", ty: Long, get: |r, _| Cell::I(r.status as i64) },
        Col { name: "AadTenantId", ty: Str, get: |_, c| text(&c.tid) },
        Col { name: "IPAddress", ty: Str, get: |r, _| text(&r.ip) },
        Col { name: "UserAgent", ty: Str, get: |r, _| text(&r.ua) },
        Col { name: "RequestUri", ty: Str, get: |r, _| text(&r.uri) },
        Col { name: "DurationMs", ty: Long, get: |r, _| Cell::I(120 + r.size as i64 / 40) },
        Col { name: "ResponseSizeBytes", ty: Long, get: |r, _| Cell::I(r.size as i64) },
        Col { name: "SignInActivityId", ty: Str, get: |r, _| text(&r.uti) },
        Col { name: "Roles", ty: Str, get: |r, _| text(r.roles.unwrap_or("")) },
        Col { name: "TokenIssuedAt", ty: Time, get: |r, _| Cell::T(r.token_t) },
        Col { name: "AppId", ty: Str, get: |r, _| text(&r.app_id) },
        Col {
            name: "UserId",
            ty: Str,
            get: |r, _| Cell::S(r.user.as_ref().map(|u| u.id.to_string()).unwrap_or_default()),
        },
        Col {
            name: "ServicePrincipalId",
            ty: Str,
            get: |r, _| Cell::S(r.sp_id.map(|g| g.to_string()).unwrap_or_default()),
        },
        Col { name: "Scopes", ty: Str, get: |r, _| text(r.scopes.unwrap_or("")) },
        Col {
            name: "IdentityProvider",
            ty: Str,
            get: |_, c| Cell::S(format!("https://sts.windows.net/{}/", c.tid)),
        },
        Col { name: "ClientAuthMethod", ty: Long, get: |r, _| Cell::I(if r.user.is_some() { 0 } else { 1 }) },
        Col { name: "Wids", ty: Str, get: |_, _| text("b79fbf4d-3ef9-4689-8143-76b194e85509") },
        Col {
            name: "SessionId",
            ty: Str,
            get: |r, _| Cell::S(r.session.map(|g| g.to_string()).unwrap_or_default()),
        },
        Col { name: "SourceSystem", ty: Str, get: |_, _| text("Azure AD") },
        Col { name: "Type", ty: Str, get: |_, _| text("MicrosoftGraphActivityLogs") },
    ]
}

/// `AADProvisioningLogs`: dynamic columns as JSON text.
pub fn provisioning_cols() -> Vec<Col<Provision>> {
    use LaType::*;
    fn p(r: &Provision, c: &LaCtx, key: &str) -> Cell {
        props_cell(&provisioning_props(r, &c.tid), key)
    }
    vec![
        Col { name: "TenantId", ty: Str, get: |_, c: &LaCtx| text(&c.workspace) },
        Col { name: "TimeGenerated", ty: Time, get: |r, _| Cell::T(r.t) },
        Col { name: "ActivityDateTime", ty: Time, get: |r, _| Cell::T(r.t) },
        Col { name: "Id", ty: Str, get: |r, _| Cell::S(r.id.to_string()) },
        Col { name: "JobId", ty: Str, get: |r, c| p(r, c, "jobId") },
        Col { name: "CycleId", ty: Str, get: |r, _| Cell::S(r.cycle.to_string()) },
        Col { name: "ChangeId", ty: Str, get: |r, _| Cell::S(r.change.to_string()) },
        Col { name: "Action", ty: Str, get: |r, c| p(r, c, "action") },
        Col { name: "ProvisioningAction", ty: Str, get: |r, _| text(r.action) },
        Col { name: "ServicePrincipal", ty: Dyn, get: |r, c| p(r, c, "servicePrincipal") },
        Col { name: "SourceSystem", ty: Dyn, get: |r, c| p(r, c, "sourceSystem") },
        Col { name: "TargetSystem", ty: Dyn, get: |r, c| p(r, c, "targetSystem") },
        Col { name: "InitiatedBy", ty: Dyn, get: |r, c| p(r, c, "initiatedBy") },
        Col { name: "SourceIdentity", ty: Dyn, get: |r, c| p(r, c, "sourceIdentity") },
        Col { name: "TargetIdentity", ty: Dyn, get: |r, c| p(r, c, "targetIdentity") },
        Col { name: "ProvisioningStatusInfo", ty: Dyn, get: |r, c| p(r, c, "provisioningStatusInfo") },
        Col { name: "ModifiedProperties", ty: Dyn, get: |r, c| p(r, c, "modifiedProperties") },
        Col { name: "OperationName", ty: Str, get: |_, _| text("Provisioning activity") },
        Col { name: "Type", ty: Str, get: |_, _| text("AADProvisioningLogs") },
    ]
}

/// `ADFSSignInLogs`: the sign-in columns AD FS fills.
pub fn adfs_cols() -> Vec<Col<AdfsSignIn>> {
    use LaType::*;
    fn p(r: &AdfsSignIn, c: &LaCtx, key: &str) -> Cell {
        props_cell(&adfs_props(r, &c.tid), key)
    }
    vec![
        Col { name: "TenantId", ty: Str, get: |_, c: &LaCtx| text(&c.workspace) },
        Col { name: "TimeGenerated", ty: Time, get: |r, _| Cell::T(r.t) },
        Col { name: "CreatedDateTime", ty: Time, get: |r, _| Cell::T(r.t) },
        Col { name: "Id", ty: Str, get: |r, _| Cell::S(r.id.to_string()) },
        Col { name: "Category", ty: Str, get: |_, _| text("ADFSSignInLogs") },
        Col { name: "ResultType", ty: Str, get: |r, _| Cell::S(r.error.to_string()) },
        Col { name: "CorrelationId", ty: Str, get: |r, _| Cell::S(r.correlation.to_string()) },
        Col { name: "UserPrincipalName", ty: Str, get: |r, _| text(&r.user.upn) },
        Col { name: "UserDisplayName", ty: Str, get: |r, _| text(&r.user.display) },
        Col { name: "UserId", ty: Str, get: |r, _| Cell::S(r.user.id.to_string()) },
        Col { name: "AppId", ty: Str, get: |r, c| p(r, c, "appId") },
        Col { name: "AppDisplayName", ty: Str, get: |r, c| p(r, c, "appDisplayName") },
        Col { name: "IPAddress", ty: Str, get: |r, _| text(&r.ip) },
        Col { name: "AuthenticationDetails", ty: Dyn, get: |r, c| p(r, c, "authenticationDetails") },
        Col {
            name: "AuthenticationProcessingDetails",
            ty: Dyn,
            get: |r, c| p(r, c, "authenticationProcessingDetails"),
        },
        Col { name: "TokenIssuerType", ty: Str, get: |_, _| text("ADFederationServices") },
        Col { name: "TokenIssuerName", ty: Str, get: |_, _| text("adfs.fabrikam.example") },
        Col { name: "UniqueTokenIdentifier", ty: Str, get: |r, _| text(&r.uti) },
        Col { name: "IsInteractive", ty: Bool, get: |_, _| Cell::B(true) },
        Col { name: "ResourceTenantId", ty: Str, get: |_, c| text(&c.tid) },
        Col { name: "Type", ty: Str, get: |_, _| text("ADFSSignInLogs") },
    ]
}

/// `AADServicePrincipalRiskEvents`.
pub fn sp_risk_cols() -> Vec<Col<SpRisk>> {
    use LaType::*;
    vec![
        Col { name: "TenantId", ty: Str, get: |_, c: &LaCtx| text(&c.workspace) },
        Col { name: "TimeGenerated", ty: Time, get: |r, _| Cell::T(r.t + 40 * MS_PER_MIN) },
        Col { name: "Id", ty: Str, get: |r, _| Cell::S(r.id.to_string()) },
        Col { name: "Activity", ty: Str, get: |_, _| text("servicePrincipal") },
        Col { name: "ActivityDateTime", ty: Time, get: |r, _| Cell::T(r.t) },
        Col { name: "DetectedDateTime", ty: Time, get: |r, _| Cell::T(r.t + 40 * MS_PER_MIN) },
        Col { name: "AppId", ty: Str, get: |r, _| Cell::S(r.workload.app_id.to_string()) },
        Col { name: "ServicePrincipalId", ty: Str, get: |r, _| Cell::S(r.workload.sp_id.to_string()) },
        Col { name: "ServicePrincipalDisplayName", ty: Str, get: |r, _| text(&r.workload.name) },
        Col { name: "RiskEventType", ty: Str, get: |r, _| text(r.event_type) },
        Col { name: "RiskLevel", ty: Str, get: |r, _| text(r.level) },
        Col { name: "RiskState", ty: Str, get: |_, _| text("atRisk") },
        Col { name: "RiskDetail", ty: Str, get: |_, _| text("none") },
        Col { name: "TokenIssuerType", ty: Str, get: |_, _| text("AzureAD") },
        Col { name: "DetectionTimingType", ty: Str, get: |_, _| text("offline") },
        Col { name: "IpAddress", ty: Str, get: |r, _| text(&r.ip) },
        Col { name: "Source", ty: Str, get: |_, _| text("IdentityProtection") },
        Col { name: "Type", ty: Str, get: |_, _| text("AADServicePrincipalRiskEvents") },
    ]
}

/// `AADRiskyServicePrincipals`.
pub fn risky_sp_cols() -> Vec<Col<RiskySp>> {
    use LaType::*;
    vec![
        Col { name: "TenantId", ty: Str, get: |_, c: &LaCtx| text(&c.workspace) },
        Col { name: "TimeGenerated", ty: Time, get: |r, _| Cell::T(r.t) },
        Col { name: "Id", ty: Str, get: |r, _| Cell::S(r.workload.sp_id.to_string()) },
        Col { name: "AppId", ty: Str, get: |r, _| Cell::S(r.workload.app_id.to_string()) },
        Col { name: "DisplayName", ty: Str, get: |r, _| text(&r.workload.name) },
        Col { name: "ServicePrincipalType", ty: Str, get: |_, _| text("Application") },
        Col { name: "IsEnabled", ty: Bool, get: |_, _| Cell::B(true) },
        Col { name: "IsProcessing", ty: Bool, get: |_, _| Cell::B(false) },
        Col { name: "RiskLastUpdatedDateTime", ty: Time, get: |r, _| Cell::T(r.t) },
        Col { name: "RiskLevel", ty: Str, get: |r, _| text(r.level) },
        Col { name: "RiskState", ty: Str, get: |r, _| text(r.state) },
        Col { name: "RiskDetail", ty: Str, get: |_, _| text("none") },
        Col { name: "Type", ty: Str, get: |_, _| text("AADRiskyServicePrincipals") },
    ]
}
