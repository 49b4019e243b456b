//! Record → Graph-shaped JSON (camelCase), shared by every writer: the
//! Azure Monitor `properties`, Graph pages and portal JSON serialise the
//! whole object, Log Analytics serialises the sub-objects as dynamic columns.
//!
//! The three [`Style`]s differ only where real exports differ: time rendering,
//! `userType` case, the Graph `initiatedBy` null member and the Log Analytics
//! extra keys inside `AuthenticationDetails`.

use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;

use super::model::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Diagnostic settings (storage / Event Hubs) `properties`.
    Diag,
    /// Microsoft Graph API objects (Extractor-Suite pages, portal JSON).
    Graph,
    /// Sub-objects rendered into Log Analytics dynamic columns.
    La,
}

impl Style {
    fn ts(self, ms: i64) -> Ts {
        match self {
            Style::Graph => Ts(ms, TimeFmt::IsoMsZ),
            Style::Diag | Style::La => Ts(ms, TimeFmt::Iso7Offset),
        }
    }
}

pub fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("serialisable")
}

pub fn to_json_pretty<T: Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).expect("serialisable")
}

type Res<S> = Result<<S as Serializer>::Ok, <S as Serializer>::Error>;

/// Serialise an iterator as a JSON array.
struct Seq<I>(std::cell::RefCell<Option<I>>);

fn seq<I: Iterator>(it: I) -> Seq<I> {
    Seq(std::cell::RefCell::new(Some(it)))
}

impl<I> Serialize for Seq<I>
where
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        let it = self.0.borrow_mut().take().expect("Seq serialised once");
        let mut sq = s.serialize_seq(None)?;
        for v in it {
            sq.serialize_element(&v)?;
        }
        sq.end()
    }
}

// ---------------------------------------------------------------------------
// sign-in sub-objects

pub struct StatusJson<'a>(pub &'a SignIn);

impl Serialize for StatusJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        let r = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("errorCode", &r.error)?;
        if r.kind.is_user() || r.error != 0 {
            m.serialize_entry("failureReason", failure_reason(r.error))?;
        }
        if r.kind.is_user() {
            m.serialize_entry("additionalDetails", &r.additional)?;
        }
        m.end()
    }
}

pub struct DeviceJson<'a>(pub &'a Device);

impl Serialize for DeviceJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        let d = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("deviceId", d.id.as_deref().unwrap_or(""))?;
        m.serialize_entry("displayName", &*d.name)?;
        m.serialize_entry("operatingSystem", d.os)?;
        m.serialize_entry("browser", &*d.browser)?;
        m.serialize_entry("isCompliant", &d.compliant)?;
        m.serialize_entry("isManaged", &d.managed)?;
        m.serialize_entry("trustType", d.trust)?;
        m.end()
    }
}

pub struct LocationJson<'a>(pub &'a Place);

impl Serialize for LocationJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        let p = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("city", &*p.city)?;
        m.serialize_entry("state", &*p.state)?;
        m.serialize_entry("countryOrRegion", &*p.country)?;
        m.serialize_entry("geoCoordinates", &Geo(p.lat, p.lon))?;
        m.end()
    }
}

struct Geo(f64, f64);

impl Serialize for Geo {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("altitude", &0.0)?;
        m.serialize_entry("latitude", &self.0)?;
        m.serialize_entry("longitude", &self.1)?;
        m.end()
    }
}

pub struct CaJson<'a>(pub &'a [CaResult]);

impl Serialize for CaJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        s.collect_seq(self.0.iter().map(|r| {
            let applied =
                matches!(r.result, "success" | "failure" | "reportOnlyFailure" | "reportOnlySuccess");
            CaOne { r, satisfied: if applied { 3 } else { 1 } }
        }))
    }
}

struct CaOne<'a> {
    r: &'a CaResult,
    satisfied: u32,
}

impl Serialize for CaOne<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        let p = &self.r.policy;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &p.id)?;
        m.serialize_entry("displayName", p.name)?;
        m.serialize_entry("enforcedGrantControls", p.grant)?;
        m.serialize_entry("enforcedSessionControls", p.session)?;
        m.serialize_entry("result", self.r.result)?;
        m.serialize_entry("conditionsSatisfied", &self.satisfied)?;
        m.serialize_entry("conditionsNotSatisfied", &(if self.satisfied == 3 { 0 } else { 2 }))?;
        m.end()
    }
}

pub struct StepsJson<'a>(pub &'a SignIn, pub Style);

impl Serialize for StepsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        let (r, style) = (self.0, self.1);
        s.collect_seq(r.steps.iter().enumerate().map(|(i, st)| StepJson { st, t: r.t, style, seq: i }))
    }
}

struct StepJson<'a> {
    st: &'a AuthStep,
    t: i64,
    style: Style,
    seq: usize,
}

impl Serialize for StepJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        let st = self.st;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("authenticationStepDateTime", &self.style.ts(self.t + st.offset_ms))?;
        m.serialize_entry("authenticationMethod", st.method)?;
        if self.style != Style::La || st.detail.is_some() {
            m.serialize_entry("authenticationMethodDetail", &st.detail)?;
        }
        m.serialize_entry("succeeded", &st.ok)?;
        m.serialize_entry("authenticationStepResultDetail", st.result)?;
        m.serialize_entry("authenticationStepRequirement", st.requirement)?;
        if self.style == Style::La {
            m.serialize_entry("StatusSequence", &0)?;
            m.serialize_entry("RequestSequence", &self.seq)?;
        }
        m.end()
    }
}

struct Kv<'a>(&'a str, &'a str);

impl Serialize for Kv<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("key", self.0)?;
        m.serialize_entry("value", self.1)?;
        m.end()
    }
}

/// `authenticationProcessingDetails`; the scope list is itself JSON text.
pub struct ProcessingJson<'a>(pub &'a SignIn);

impl Serialize for ProcessingJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        let r = self.0;
        let mut sq = s.serialize_seq(None)?;
        if !r.kind.is_user() {
            sq.serialize_element(&Kv(
                "Azure AD App Authentication Library",
                "Family: MSAL Library: MSAL.NET 4.59.0 Platform: .NET",
            ))?;
            return sq.end();
        }
        sq.serialize_element(&Kv("Legacy TLS (TLS 1.0, 1.1, 3DES)", "False"))?;
        if let Some(scopes) = r.scopes {
            let list: Vec<&str> = scopes.split(' ').collect();
            sq.serialize_element(&Kv("Oauth Scope Info", &to_json(&list)))?;
        }
        sq.serialize_element(&Kv(
            "Is CAE Token",
            if r.kind == Kind::NonInteractive { "True" } else { "False" },
        ))?;
        sq.end()
    }
}

pub struct MfaJson<'a>(pub &'a SignIn);

impl Serialize for MfaJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        let mut m = s.serialize_map(None)?;
        if let Some(method) = self.0.mfa_method {
            m.serialize_entry("authMethod", method)?;
            m.serialize_entry("authDetail", &None::<&str>)?;
        }
        m.end()
    }
}

pub struct NetLocJson<'a>(pub &'a Net);

impl Serialize for NetLocJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        let mut sq = s.serialize_seq(None)?;
        if let Some(name) = self.0.named_location {
            sq.serialize_element(&NamedNet(name))?;
        }
        sq.end()
    }
}

struct NamedNet(&'static str);

impl Serialize for NamedNet {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("networkType", "trustedNamedLocation")?;
        m.serialize_entry("networkNames", &[self.0])?;
        m.end()
    }
}

pub struct AuthReqPoliciesJson<'a>(pub &'a SignIn);

impl Serialize for AuthReqPoliciesJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        let mut sq = s.serialize_seq(None)?;
        if self.0.mfa_required {
            sq.serialize_element(&ReqPolicy)?;
        }
        sq.end()
    }
}

struct ReqPolicy;

impl Serialize for ReqPolicy {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("requirementProvider", "multiConditionalAccess")?;
        m.serialize_entry("detail", "Conditional Access")?;
        m.end()
    }
}

pub struct MsiJson<'a>(pub &'a (&'static str, S));

impl Serialize for MsiJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("msiType", self.0 .0)?;
        m.serialize_entry("associatedResourceId", &*self.0 .1)?;
        m.serialize_entry("federatedTokenId", &None::<&str>)?;
        m.serialize_entry("federatedTokenIssuer", &None::<&str>)?;
        m.end()
    }
}

pub fn auth_requirement(r: &SignIn) -> &'static str {
    if r.mfa_required && !r.steps.is_empty() {
        "multiFactorAuthentication"
    } else {
        "singleFactorAuthentication"
    }
}

pub fn user_type(u: &User, style: Style) -> &'static str {
    match (u.guest, style) {
        (false, Style::Graph) => "member",
        (true, Style::Graph) => "guest",
        (false, _) => "Member",
        (true, _) => "Guest",
    }
}

pub fn home_tenant<'a>(r: &'a SignIn, tid: &'a str) -> std::borrow::Cow<'a, str> {
    match &r.user {
        Some(u) if u.guest => u.home_tenant.to_string().into(),
        _ => tid.into(),
    }
}

// ---------------------------------------------------------------------------
// the whole sign-in

pub struct SignInJson<'a> {
    pub r: &'a SignIn,
    pub tid: &'a str,
    pub style: Style,
}

impl Serialize for SignInJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        let (r, style) = (self.r, self.style);
        let user = r.kind.is_user();
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &r.id)?;
        m.serialize_entry("createdDateTime", &style.ts(r.t))?;
        if let Some(u) = &r.user {
            m.serialize_entry("userDisplayName", &*u.display)?;
            m.serialize_entry("userPrincipalName", &*u.upn)?;
            m.serialize_entry("userId", &u.id)?;
        } else {
            m.serialize_entry("userId", &None::<&str>)?;
        }
        m.serialize_entry("appId", &*r.app.id)?;
        m.serialize_entry("appDisplayName", &*r.app.name)?;
        m.serialize_entry("ipAddress", &*r.net.ip)?;
        if user {
            m.serialize_entry("clientAppUsed", r.client_app)?;
            m.serialize_entry("userAgent", &*r.ua)?;
        } else if !r.ua.is_empty() {
            // workloads written with an SDK (only `--noise` sets one)
            m.serialize_entry("userAgent", &*r.ua)?;
        }
        m.serialize_entry("correlationId", &r.correlation)?;
        m.serialize_entry("conditionalAccessStatus", r.ca_status)?;
        if user {
            m.serialize_entry("originalRequestId", &r.id)?;
        }
        m.serialize_entry("isInteractive", &(r.kind == Kind::Interactive))?;
        m.serialize_entry("tokenIssuerName", "")?;
        m.serialize_entry("tokenIssuerType", "AzureAD")?;
        m.serialize_entry("clientCredentialType", r.cred_type)?;
        m.serialize_entry("processingTimeInMilliseconds", &r.processing_ms)?;
        m.serialize_entry("riskDetail", "none")?;
        m.serialize_entry("riskLevelAggregated", r.risk_agg)?;
        m.serialize_entry("riskLevelDuringSignIn", r.risk_during)?;
        m.serialize_entry("riskState", r.risk_state)?;
        m.serialize_entry("riskEventTypes", &r.risk_types)?;
        m.serialize_entry("riskEventTypes_v2", &r.risk_types)?;
        m.serialize_entry("resourceDisplayName", &*r.resource.name)?;
        m.serialize_entry("resourceId", &*r.resource.id)?;
        m.serialize_entry("resourceServicePrincipalId", &r.resource.sp_id)?;
        m.serialize_entry("resourceTenantId", self.tid)?;
        m.serialize_entry("homeTenantId", &*home_tenant(r, self.tid))?;
        if let Some(u) = &r.user {
            m.serialize_entry("homeTenantName", &*u.home_tenant_name)?;
            m.serialize_entry(
                "authenticationMethodsUsed",
                &seq(r.steps.iter().filter(|x| x.ok && x.method != "Previously satisfied").map(|x| x.method)),
            )?;
            m.serialize_entry("authenticationRequirement", auth_requirement(r))?;
            m.serialize_entry("signInIdentifier", &*u.upn)?;
            m.serialize_entry("signInIdentifierType", "userPrincipalName")?;
            m.serialize_entry("servicePrincipalId", "")?;
            m.serialize_entry("userType", user_type(u, style))?;
        }
        if let Some(w) = &r.workload {
            m.serialize_entry("servicePrincipalName", &*w.name)?;
            m.serialize_entry("servicePrincipalId", &w.sp_id)?;
            if r.kind == Kind::ServicePrincipal {
                m.serialize_entry("servicePrincipalCredentialKeyId", &r.cred_key)?;
                m.serialize_entry(
                    "servicePrincipalCredentialThumbprint",
                    r.cred_thumb.as_deref().unwrap_or(""),
                )?;
            }
            if let Some(msi) = &w.msi {
                m.serialize_entry("managedServiceIdentity", &MsiJson(msi))?;
            }
        }
        m.serialize_entry("flaggedForReview", &false)?;
        m.serialize_entry("isTenantRestricted", &false)?;
        if r.net.kind != NetKind::Empty {
            m.serialize_entry("autonomousSystemNumber", &r.net.asn)?;
        }
        m.serialize_entry("crossTenantAccessType", r.cross_tenant)?;
        m.serialize_entry("uniqueTokenIdentifier", &*r.uti)?;
        m.serialize_entry("incomingTokenType", r.incoming)?;
        m.serialize_entry("authenticationProtocol", r.protocol)?;
        if user {
            m.serialize_entry("originalTransferMethod", r.transfer)?;
            m.serialize_entry("sessionId", &r.session)?;
        }
        m.serialize_entry("signInEventTypes", &[r.kind.event_type()])?;
        m.serialize_entry("status", &StatusJson(r))?;
        if user {
            m.serialize_entry("deviceDetail", &DeviceJson(&r.device))?;
        }
        m.serialize_entry("location", &LocationJson(&r.net.place))?;
        if user {
            m.serialize_entry("mfaDetail", &MfaJson(r))?;
        }
        m.serialize_entry("appliedConditionalAccessPolicies", &CaJson(&r.ca))?;
        if user {
            m.serialize_entry("authenticationContextClassReferences", &[(); 0])?;
            m.serialize_entry("authenticationDetails", &StepsJson(r, style))?;
        }
        m.serialize_entry("authenticationProcessingDetails", &ProcessingJson(r))?;
        if user {
            m.serialize_entry("authenticationRequirementPolicies", &AuthReqPoliciesJson(r))?;
            m.serialize_entry("sessionLifetimePolicies", &[(); 0])?;
            m.serialize_entry("networkLocationDetails", &NetLocJson(&r.net))?;
        }
        m.end()
    }
}

// ---------------------------------------------------------------------------
// audits

pub struct InitiatedByJson<'a>(pub &'a Initiator, pub Style);

impl Serialize for InitiatedByJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        let mut m = s.serialize_map(None)?;
        match self.0 {
            Initiator::User { user, ip } => {
                if self.1 == Style::Graph {
                    m.serialize_entry("app", &None::<&str>)?;
                }
                m.serialize_entry("user", &UserInit(user, ip.as_deref()))?;
            }
            Initiator::App { app_id, name, sp_id, sp_name } => {
                m.serialize_entry("app", &AppInit(app_id.as_deref(), name, sp_id, sp_name.as_deref()))?;
                if self.1 == Style::Graph {
                    m.serialize_entry("user", &None::<&str>)?;
                }
            }
        }
        m.end()
    }
}

struct UserInit<'a>(&'a User, Option<&'a str>);

impl Serialize for UserInit<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &self.0.id)?;
        // the service leaves displayName empty for user initiators
        m.serialize_entry("displayName", &None::<&str>)?;
        m.serialize_entry("userPrincipalName", &*self.0.upn)?;
        m.serialize_entry("ipAddress", &self.1)?;
        m.serialize_entry("roles", &[(); 0])?;
        m.end()
    }
}

struct AppInit<'a>(Option<&'a str>, &'a str, &'a super::rng::Guid, Option<&'a str>);

impl Serialize for AppInit<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("appId", &self.0)?;
        m.serialize_entry("displayName", self.1)?;
        m.serialize_entry("servicePrincipalId", self.2)?;
        m.serialize_entry("servicePrincipalName", &self.3)?;
        m.end()
    }
}

pub struct TargetsJson<'a>(pub &'a [Target]);

impl Serialize for TargetsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        s.collect_seq(self.0.iter().map(TargetJson))
    }
}

struct TargetJson<'a>(&'a Target);

impl Serialize for TargetJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        let t = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &*t.id)?;
        m.serialize_entry("displayName", &t.display.as_deref())?;
        m.serialize_entry("type", t.typ)?;
        if let Some(upn) = &t.upn {
            m.serialize_entry("userPrincipalName", &**upn)?;
        }
        m.serialize_entry("modifiedProperties", &seq(t.props.iter().map(PropJson)))?;
        m.serialize_entry("administrativeUnits", &[(); 0])?;
        m.end()
    }
}

struct PropJson<'a>(&'a ModProp);

impl Serialize for PropJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("displayName", &*self.0.name)?;
        m.serialize_entry("oldValue", &self.0.old)?;
        m.serialize_entry("newValue", &self.0.new)?;
        m.end()
    }
}

pub struct DetailsJson<'a>(pub &'a [(S, S)]);

impl Serialize for DetailsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        s.collect_seq(self.0.iter().map(|(k, v)| Kv(k, v)))
    }
}

pub struct AuditJson<'a> {
    pub a: &'a Audit,
    pub style: Style,
}

impl Serialize for AuditJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        let a = self.a;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &*a.id)?;
        m.serialize_entry("category", a.category)?;
        m.serialize_entry("correlationId", &a.correlation)?;
        m.serialize_entry("result", a.result)?;
        m.serialize_entry("resultReason", &*a.result_reason)?;
        m.serialize_entry("activityDisplayName", &*a.activity)?;
        m.serialize_entry("activityDateTime", &self.style.ts(a.t))?;
        m.serialize_entry("loggedByService", a.service)?;
        m.serialize_entry("operationType", a.op_type)?;
        m.serialize_entry("userAgent", &None::<&str>)?;
        m.serialize_entry("initiatedBy", &InitiatedByJson(&a.initiator, self.style))?;
        m.serialize_entry("targetResources", &TargetsJson(&a.targets))?;
        m.serialize_entry("additionalDetails", &DetailsJson(&a.details))?;
        m.end()
    }
}

// ---------------------------------------------------------------------------
// Identity Protection

/// `additionalInfo` is a JSON string holding a key/value list.
pub fn risk_additional_info(r: &RiskDetection) -> String {
    #[derive(Serialize)]
    struct Kv2<'a> {
        #[serde(rename = "Key")]
        k: &'a str,
        #[serde(rename = "Value")]
        v: &'a str,
    }
    let mut v = vec![Kv2 { k: "userAgent", v: &r.ua }];
    if r.timing == "offline" && r.event_type == "unlikelyTravel" {
        v.push(Kv2 { k: "relatedEventTimeInUtc", v: "" });
    }
    to_json(&v)
}

pub struct RiskJson<'a> {
    pub r: &'a RiskDetection,
    pub tid: &'a str,
    pub style: Style,
}

impl Serialize for RiskJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        let r = self.r;
        // Identity Protection renders times with milliseconds and "Z" everywhere
        let ts = |ms| Ts(ms, TimeFmt::IsoMsZ);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &*r.id)?;
        m.serialize_entry("requestId", &r.request_id)?;
        m.serialize_entry("correlationId", &r.correlation)?;
        if self.style == Style::Diag {
            m.serialize_entry("riskType", r.legacy_type)?;
        }
        m.serialize_entry("riskEventType", r.event_type)?;
        m.serialize_entry("riskState", r.state)?;
        m.serialize_entry("riskLevel", r.level)?;
        m.serialize_entry("riskDetail", r.detail)?;
        m.serialize_entry("source", "IdentityProtection")?;
        m.serialize_entry("detectionTimingType", r.timing)?;
        m.serialize_entry("activity", r.activity)?;
        m.serialize_entry("tokenIssuerType", "AzureAD")?;
        m.serialize_entry("ipAddress", &*r.net.ip)?;
        m.serialize_entry("location", &LocationJson(&r.net.place))?;
        m.serialize_entry("activityDateTime", &ts(r.t_activity))?;
        m.serialize_entry("detectedDateTime", &ts(r.t_detected))?;
        m.serialize_entry("lastUpdatedDateTime", &ts(r.t_updated))?;
        m.serialize_entry("userId", &r.user.id)?;
        m.serialize_entry("userDisplayName", &*r.user.display)?;
        m.serialize_entry("userPrincipalName", &*r.user.upn)?;
        m.serialize_entry("additionalInfo", &risk_additional_info(r))?;
        m.serialize_entry("resourceTenantId", &None::<&str>)?;
        m.serialize_entry("homeTenantId", self.tid)?;
        m.serialize_entry("userType", if r.user.guest { "guest" } else { "member" })?;
        m.serialize_entry("crossTenantAccessType", "none")?;
        m.end()
    }
}

pub struct RiskyUserJson<'a> {
    pub r: &'a RiskyUser,
    pub style: Style,
}

impl Serialize for RiskyUserJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Res<S> {
        let r = self.r;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &r.user.id)?;
        m.serialize_entry("userDisplayName", &*r.user.display)?;
        m.serialize_entry("userPrincipalName", &*r.user.upn)?;
        m.serialize_entry("riskLastUpdatedDateTime", &Ts(r.t, TimeFmt::IsoMsZ))?;
        m.serialize_entry("riskState", r.state)?;
        m.serialize_entry("riskDetail", r.detail)?;
        m.serialize_entry("riskLevel", r.level)?;
        if self.style == Style::Diag {
            m.serialize_entry("isGuest", &r.user.guest)?;
        }
        m.serialize_entry("isDeleted", &false)?;
        m.serialize_entry("isProcessing", &false)?;
        m.end()
    }
}
