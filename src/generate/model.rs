//! Record types shared by the simulation and every writer, plus the time
//! renderings each export shape needs.
//!
//! Records hold `Arc`s into the tenant model (user, device, network) so that a
//! day of sign-ins is cheap to build and clone; writers turn them into text.

use std::fmt::{self, Write as _};
use std::sync::Arc;

use super::rng::Guid;

pub type S = Arc<str>;

pub fn s(x: &str) -> S {
    Arc::from(x)
}

pub const MS_PER_DAY: i64 = 86_400_000;
pub const MS_PER_HOUR: i64 = 3_600_000;
pub const MS_PER_MIN: i64 = 60_000;

// ---------------------------------------------------------------------------
// identities, places, devices

#[derive(Debug)]
pub struct Place {
    pub city: S,
    pub state: S,
    pub country: S,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetKind {
    Office,
    Vpn,
    Home,
    Travel,
    Azure,
    Hosting,
    Guest,
    /// Managed identity sign-ins carry no IP or location at all.
    Empty,
}

#[derive(Debug)]
pub struct Net {
    pub ip: S,
    pub asn: u32,
    pub place: Arc<Place>,
    pub kind: NetKind,
    /// Named location shown in `networkLocationDetails` (trusted egress only).
    pub named_location: Option<&'static str>,
}

#[derive(Debug)]
pub struct Device {
    pub id: Option<S>,
    pub name: S,
    pub os: &'static str,
    pub browser: S,
    pub compliant: bool,
    pub managed: bool,
    pub trust: &'static str,
}

#[derive(Debug)]
pub struct User {
    pub id: Guid,
    pub upn: S,
    pub display: S,
    pub guest: bool,
    pub home_tenant: Guid,
    pub home_tenant_name: S,
}

#[derive(Debug)]
pub struct App {
    pub id: S,
    pub name: S,
}

#[derive(Debug)]
pub struct Resource {
    pub id: S,
    pub name: S,
    /// Object id of the resource's service principal in this tenant.
    pub sp_id: Guid,
}

/// A workload identity (app registration's SP or a managed identity).
#[derive(Debug)]
pub struct Workload {
    pub app_id: Guid,
    pub sp_id: Guid,
    pub app_object_id: Guid,
    pub name: S,
    /// `Some` for managed identities: (msiType, associatedResourceId).
    pub msi: Option<(&'static str, S)>,
}

// ---------------------------------------------------------------------------
// sign-ins

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Interactive,
    NonInteractive,
    ServicePrincipal,
    ManagedIdentity,
}

impl Kind {
    pub const ALL: [Kind; 4] =
        [Kind::Interactive, Kind::NonInteractive, Kind::ServicePrincipal, Kind::ManagedIdentity];

    /// Diagnostic-settings category.
    pub fn category(self) -> &'static str {
        match self {
            Kind::Interactive => "SignInLogs",
            Kind::NonInteractive => "NonInteractiveUserSignInLogs",
            Kind::ServicePrincipal => "ServicePrincipalSignInLogs",
            Kind::ManagedIdentity => "ManagedIdentitySignInLogs",
        }
    }

    /// Graph `signInEventTypes` value.
    pub fn event_type(self) -> &'static str {
        match self {
            Kind::Interactive => "interactiveUser",
            Kind::NonInteractive => "nonInteractiveUser",
            Kind::ServicePrincipal => "servicePrincipal",
            Kind::ManagedIdentity => "managedIdentity",
        }
    }

    /// Log Analytics table name.
    pub fn la_table(self) -> &'static str {
        match self {
            Kind::Interactive => "SigninLogs",
            Kind::NonInteractive => "AADNonInteractiveUserSignInLogs",
            Kind::ServicePrincipal => "AADServicePrincipalSignInLogs",
            Kind::ManagedIdentity => "AADManagedIdentitySignInLogs",
        }
    }

    /// Entra portal download file prefix.
    pub fn portal_prefix(self) -> &'static str {
        match self {
            Kind::Interactive => "InteractiveSignIns",
            Kind::NonInteractive => "NonInteractiveSignIns",
            Kind::ServicePrincipal => "ApplicationSignIns",
            Kind::ManagedIdentity => "MSISignIns",
        }
    }

    pub fn is_user(self) -> bool {
        matches!(self, Kind::Interactive | Kind::NonInteractive)
    }
}

#[derive(Clone, Debug)]
pub struct AuthStep {
    /// Offset from the sign-in time.
    pub offset_ms: i64,
    pub method: &'static str,
    pub detail: Option<&'static str>,
    pub ok: bool,
    pub result: &'static str,
    pub requirement: &'static str,
}

#[derive(Debug)]
pub struct CaPolicy {
    pub id: Guid,
    pub name: &'static str,
    pub grant: &'static [&'static str],
    pub session: &'static [&'static str],
}

#[derive(Clone, Debug)]
pub struct CaResult {
    pub policy: Arc<CaPolicy>,
    pub result: &'static str,
}

#[derive(Clone, Debug)]
pub struct SignIn {
    pub kind: Kind,
    pub t: i64,
    pub id: Guid,
    pub correlation: Guid,
    pub session: Option<Guid>,
    pub uti: S,
    pub user: Option<Arc<User>>,
    pub workload: Option<Arc<Workload>>,
    pub app: Arc<App>,
    pub resource: Arc<Resource>,
    pub net: Arc<Net>,
    pub device: Arc<Device>,
    pub ua: S,
    pub client_app: &'static str,
    pub error: i32,
    /// `status.additionalDetails` (also the portal's "MFA result" column).
    pub additional: Option<&'static str>,
    pub mfa_required: bool,
    pub steps: Vec<AuthStep>,
    /// `mfaDetail.authMethod` when a second factor was performed.
    pub mfa_method: Option<&'static str>,
    pub protocol: &'static str,
    pub incoming: &'static str,
    pub transfer: &'static str,
    pub cred_type: &'static str,
    pub ca_status: &'static str,
    pub ca: Arc<Vec<CaResult>>,
    pub risk_during: &'static str,
    pub risk_agg: &'static str,
    pub risk_state: &'static str,
    pub risk_types: Vec<&'static str>,
    pub cross_tenant: &'static str,
    pub cred_key: Option<Guid>,
    pub cred_thumb: Option<S>,
    /// Space-separated OAuth scopes for `authenticationProcessingDetails`.
    pub scopes: Option<&'static str>,
    pub processing_ms: u32,
}

impl SignIn {
    pub fn upn(&self) -> Option<&str> {
        self.user.as_ref().map(|u| &*u.upn)
    }

    pub fn display(&self) -> Option<&str> {
        self.user.as_ref().map(|u| &*u.display)
    }

    /// Status text as shown in the portal download.
    pub fn portal_status(&self) -> &'static str {
        match self.error {
            0 => "Success",
            50140 | 50074 | 50076 | 50079 | 50072 | 50125 | 50199 => "Interrupted",
            _ => "Failure",
        }
    }
}

/// `status.failureReason` / `ResultDescription` for the codes we emit.
pub fn failure_reason(code: i32) -> &'static str {
    match code {
        0 => "Other.",
        50034 => "The user account does not exist in the directory. To sign into this application, the account must be added to the directory.",
        50053 => "Account is locked because user tried to sign in too many times with an incorrect user ID or password.",
        50055 => "The password is expired.",
        50057 => "User account is disabled. The account has been disabled by an administrator.",
        50074 => "Strong Authentication is required.",
        50076 => "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.",
        50079 => "Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access the resource.",
        65001 => "The user or administrator has not consented to use the application. Send an interactive authorization request for this user and resource.",
        50126 => "Error validating credentials due to invalid username or password.",
        50140 => "This error occurred due to 'Keep me signed in' interrupt when the user was signing-in.",
        50173 => "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.",
        50199 => "For security reasons, user confirmation is required for this request. Please repeat the request allowing user interaction.",
        53003 => "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
        500121 => "Authentication failed during strong authentication request.",
        700082 => "The refresh token has expired due to inactivity. The token was issued on a previous date and was inactive for 90.00:00:00.",
        7000215 => "Invalid client secret is provided.",
        _ => "Other.",
    }
}

// ---------------------------------------------------------------------------
// audits

#[derive(Clone, Debug)]
pub enum Initiator {
    User { user: Arc<User>, ip: Option<S> },
    App { app_id: Option<S>, name: S, sp_id: Guid, sp_name: Option<S> },
}

impl Initiator {
    pub fn display(&self) -> &str {
        match self {
            Initiator::User { user, .. } => &user.display,
            Initiator::App { name, .. } => name,
        }
    }

    pub fn ip(&self) -> Option<&str> {
        match self {
            Initiator::User { ip, .. } => ip.as_deref(),
            Initiator::App { .. } => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct ModProp {
    pub name: S,
    /// Already JSON-encoded text (the real logs double-encode), or null.
    pub old: Option<String>,
    pub new: Option<String>,
}

impl ModProp {
    pub fn new(name: &str, old: Option<String>, new: Option<String>) -> ModProp {
        ModProp { name: s(name), old, new }
    }
}

#[derive(Clone, Debug)]
pub struct Target {
    pub id: S,
    pub display: Option<S>,
    pub typ: &'static str,
    pub upn: Option<S>,
    pub props: Vec<ModProp>,
}

#[derive(Clone, Debug)]
pub struct Audit {
    pub t: i64,
    pub id: S,
    pub correlation: Guid,
    pub category: &'static str,
    pub activity: S,
    pub service: &'static str,
    pub op_type: &'static str,
    pub result: &'static str,
    pub result_reason: S,
    pub initiator: Initiator,
    pub targets: Vec<Target>,
    pub details: Vec<(S, S)>,
}

impl Audit {
    pub fn user_agent(&self) -> Option<&str> {
        self.details.iter().find(|(k, _)| &**k == "User-Agent").map(|(_, v)| &**v)
    }
}

// ---------------------------------------------------------------------------
// Identity Protection

#[derive(Clone, Debug)]
pub struct RiskDetection {
    pub id: S,
    pub request_id: Guid,
    pub correlation: Guid,
    pub event_type: &'static str,
    pub legacy_type: &'static str,
    pub state: &'static str,
    pub level: &'static str,
    pub detail: &'static str,
    pub timing: &'static str,
    pub activity: &'static str,
    pub t_activity: i64,
    pub t_detected: i64,
    pub t_updated: i64,
    pub net: Arc<Net>,
    pub user: Arc<User>,
    pub ua: S,
}

#[derive(Clone, Debug)]
pub struct RiskyUser {
    pub t: i64,
    pub user: Arc<User>,
    pub level: &'static str,
    pub state: &'static str,
    pub detail: &'static str,
}

// ---------------------------------------------------------------------------
// the categories beyond sign-ins, audits and user risk (see activity.rs)

/// One Microsoft Graph API request (MicrosoftGraphActivityLogs).
#[derive(Clone, Debug)]
pub struct GraphRequest {
    pub t: i64,
    pub id: Guid,
    /// The caller of a delegated token; `None` for app-only tokens.
    pub user: Option<Arc<User>>,
    /// The service principal of an app-only token.
    pub sp_id: Option<Guid>,
    pub app_id: S,
    pub ip: S,
    pub ua: S,
    pub method: &'static str,
    pub uri: S,
    pub status: u16,
    pub size: u32,
    /// `signInActivityId`: the uniqueTokenIdentifier of the sign-in that issued the token.
    pub uti: S,
    pub session: Option<Guid>,
    pub token_t: i64,
    pub scopes: Option<&'static str>,
    pub roles: Option<&'static str>,
}

/// One provisioning event of the tenant's SCIM connector.
#[derive(Clone, Debug)]
pub struct Provision {
    pub t: i64,
    pub id: Guid,
    pub user: Arc<User>,
    pub action: &'static str,
    pub status: &'static str,
    pub cycle: Guid,
    pub change: Guid,
}

/// One AD FS sign-in reported by Connect Health (ADFSSignInLogs).
#[derive(Clone, Debug)]
pub struct AdfsSignIn {
    pub t: i64,
    pub id: Guid,
    pub correlation: Guid,
    pub user: Arc<User>,
    pub ip: S,
    pub error: i32,
    pub uti: S,
}

/// A workload-identity risk detection (ServicePrincipalRiskEvents).
#[derive(Clone, Debug)]
pub struct SpRisk {
    pub t: i64,
    pub id: Guid,
    pub workload: Arc<Workload>,
    pub ip: S,
    pub event_type: &'static str,
    pub level: &'static str,
}

/// A risky-service-principal state record (RiskyServicePrincipals).
#[derive(Clone, Debug)]
pub struct RiskySp {
    pub t: i64,
    pub workload: Arc<Workload>,
    pub level: &'static str,
    pub state: &'static str,
}

/// All records whose event time falls in one UTC calendar day, time-ordered.
#[derive(Default)]
pub struct DayBatch {
    pub signins: Vec<SignIn>,
    pub audits: Vec<Audit>,
    pub risks: Vec<RiskDetection>,
    pub risky: Vec<RiskyUser>,
    pub graph: Vec<GraphRequest>,
    pub provisioning: Vec<Provision>,
    pub adfs: Vec<AdfsSignIn>,
    pub sp_risks: Vec<SpRisk>,
    pub risky_sps: Vec<RiskySp>,
}

impl DayBatch {
    pub fn sort(&mut self) {
        self.signins.sort_by(|a, b| a.t.cmp(&b.t).then(a.id.cmp(&b.id)));
        self.audits.sort_by(|a, b| a.t.cmp(&b.t).then_with(|| a.id.cmp(&b.id)));
        self.risks.sort_by(|a, b| a.t_updated.cmp(&b.t_updated).then_with(|| a.id.cmp(&b.id)));
        self.risky.sort_by(|a, b| a.t.cmp(&b.t).then(a.user.id.cmp(&b.user.id)));
        self.graph.sort_by(|a, b| a.t.cmp(&b.t).then(a.id.cmp(&b.id)));
        self.provisioning.sort_by(|a, b| a.t.cmp(&b.t).then(a.id.cmp(&b.id)));
        self.adfs.sort_by(|a, b| a.t.cmp(&b.t).then(a.id.cmp(&b.id)));
        self.sp_risks.sort_by(|a, b| a.t.cmp(&b.t).then(a.id.cmp(&b.id)));
        self.risky_sps.sort_by(|a, b| a.t.cmp(&b.t).then(a.workload.sp_id.cmp(&b.workload.sp_id)));
    }
}

// ---------------------------------------------------------------------------
// time rendering

/// Calendar fields of a UTC millisecond timestamp.
#[derive(Clone, Copy, Debug)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub min: u32,
    pub sec: u32,
    pub ms: u32,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u32,
}

pub fn civil(ms: i64) -> Civil {
    let days = ms.div_euclid(MS_PER_DAY);
    let rem = ms.rem_euclid(MS_PER_DAY);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    Civil {
        year,
        month,
        day,
        hour: (rem / MS_PER_HOUR) as u32,
        min: (rem % MS_PER_HOUR / MS_PER_MIN) as u32,
        sec: (rem % MS_PER_MIN / 1000) as u32,
        ms: (rem % 1000) as u32,
        weekday: (days + 3).rem_euclid(7) as u32,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeFmt {
    /// `2024-05-01T10:00:00.1230000Z` (diagnostic envelope `time`).
    Iso7Z,
    /// `2024-05-01T10:00:00.1230000+00:00` (diagnostic `createdDateTime`).
    Iso7Offset,
    /// `2024-05-01T10:00:00.123Z` (Graph, Log Analytics JSON, portal).
    IsoMsZ,
    /// `5/1/2024, 10:00:00.123 AM` (Log Analytics portal CSV).
    LaCsv,
    /// `5/1/2024 10:00:00 AM` (US-culture envelope time seen on risk records).
    UsCulture,
    /// `20240501100000` (Extractor-Suite file names).
    Compact,
    /// `20240501-100000` (Extractor-Suite directory names).
    CompactDash,
    /// `2024-05-01` (portal download file names).
    Date,
}

/// Displayable timestamp; also serialises as a JSON string.
#[derive(Clone, Copy, Debug)]
pub struct Ts(pub i64, pub TimeFmt);

impl fmt::Display for Ts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = civil(self.0);
        let (y, mo, d, h, mi, s, ms) = (c.year, c.month, c.day, c.hour, c.min, c.sec, c.ms);
        let h12 = if h % 12 == 0 { 12 } else { h % 12 };
        let ampm = if h < 12 { "AM" } else { "PM" };
        match self.1 {
            TimeFmt::Iso7Z => write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}0000Z"),
            TimeFmt::Iso7Offset => write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}0000+00:00"),
            TimeFmt::IsoMsZ => write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z"),
            TimeFmt::LaCsv => write!(f, "{mo}/{d}/{y}, {h12}:{mi:02}:{s:02}.{ms:03} {ampm}"),
            TimeFmt::UsCulture => write!(f, "{mo}/{d}/{y} {h12}:{mi:02}:{s:02} {ampm}"),
            TimeFmt::Compact => write!(f, "{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}"),
            TimeFmt::CompactDash => write!(f, "{y:04}{mo:02}{d:02}-{h:02}{mi:02}{s:02}"),
            TimeFmt::Date => write!(f, "{y:04}-{mo:02}-{d:02}"),
        }
    }
}

impl serde::Serialize for Ts {
    fn serialize<Se: serde::Serializer>(&self, ser: Se) -> Result<Se::Ok, Se::Error> {
        let mut buf = String::with_capacity(34);
        let _ = write!(buf, "{self}");
        ser.serialize_str(&buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_matches_chrono() {
        for ms in [0i64, 951_782_400_000, 1_714_557_600_123, 1_735_689_599_999, 4_102_444_800_000] {
            let c = civil(ms);
            let d = chrono::DateTime::from_timestamp_millis(ms).unwrap();
            use chrono::{Datelike, Timelike};
            assert_eq!((c.year as i32, c.month, c.day), (d.year(), d.month(), d.day()));
            assert_eq!((c.hour, c.min, c.sec), (d.hour(), d.minute(), d.second()));
            assert_eq!(c.weekday, d.weekday().num_days_from_monday());
        }
    }

    #[test]
    fn time_formats() {
        let t = 1_714_557_600_123 + 3 * MS_PER_HOUR; // 2024-05-01 13:00:00.123 UTC
        assert_eq!(Ts(t, TimeFmt::Iso7Z).to_string(), "2024-05-01T13:00:00.1230000Z");
        assert_eq!(Ts(t, TimeFmt::Iso7Offset).to_string(), "2024-05-01T13:00:00.1230000+00:00");
        assert_eq!(Ts(t, TimeFmt::IsoMsZ).to_string(), "2024-05-01T13:00:00.123Z");
        assert_eq!(Ts(t, TimeFmt::LaCsv).to_string(), "5/1/2024, 1:00:00.123 PM");
        assert_eq!(Ts(t, TimeFmt::UsCulture).to_string(), "5/1/2024 1:00:00 PM");
        assert_eq!(Ts(t - 13 * MS_PER_HOUR, TimeFmt::LaCsv).to_string(), "5/1/2024, 12:00:00.123 AM");
    }
}
