//! Baseline ("business as usual") activity for one UTC day: user sessions
//! with interactive and non-interactive sign-ins, workload sign-ins and routine
//! directory audits. Also the record builders the attack scenarios reuse.
//!
//! Each user's activity is planned per *local* calendar day from a stream
//! keyed by (user, local day) and each session from (user, local day,
//! session). A UTC day therefore re-derives exactly the sessions that touch
//! it, which keeps days independent (parallel) and output deterministic.

use std::sync::Arc;

use super::model::*;
use super::rng::{Guid, Rng};
use super::tenant::{app, ca_bits, ca_status, res, Person, PersonKind, Tenant};

const TAG_LOCAL_DAY: u64 = 0x10CA1;
const TAG_SESSION: u64 = 0x5E55;
const TAG_SP: u64 = 0x5B;
const TAG_MI: u64 = 0x3141;

/// Longest session; local days starting this long before a UTC day can reach it.
const MAX_SESSION_MS: i64 = 16 * MS_PER_HOUR;
/// Mean sign-ins per session: 1 interactive + ~0.08 friction events + NI
/// refreshes (about 6.6 on average over laptop and phone sessions),
/// calibrated so the window total matches `signins_per_user_day`.
const EVENTS_PER_SESSION: f64 = 8.4;
const NI_MEAN_LAPTOP: f64 = 7.0;
const NI_MEAN_PHONE: f64 = 3.0;

pub struct Sim<'a> {
    pub t: &'a Tenant,
    pub seed: u64,
    pub rate: f64,
    pub win: (i64, i64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Client {
    Browser,
    Desktop,
    Phone,
}

struct SessionPlan {
    start: i64,
    end: i64,
    net: Arc<Net>,
    phone: bool,
}

pub fn simulate_day(sim: &Sim, day_start: i64) -> DayBatch {
    let lo = day_start.max(sim.win.0);
    let hi = (day_start + MS_PER_DAY).min(sim.win.1);
    let mut b = DayBatch::default();
    if lo >= hi {
        return b;
    }
    for (pi, p) in sim.t.people.iter().enumerate() {
        if p.signs_in() {
            user_day(sim, pi, p, lo, hi, &mut b.signins);
        }
    }
    for (k, sp) in sim.t.sps.iter().enumerate() {
        sp_day(sim, k, sp, day_start, lo, hi, &mut b.signins);
    }
    for (k, mi) in sim.t.mis.iter().enumerate() {
        mi_day(sim, k, mi, day_start, lo, hi, &mut b.signins);
    }
    super::audits::audit_day(sim, day_start, lo, hi, &mut b.audits);
    b
}

// ---------------------------------------------------------------------------
// user sessions

fn user_day(sim: &Sim, pi: usize, p: &Person, lo: i64, hi: i64, out: &mut Vec<SignIn>) {
    let off = p.utc_offset_ms;
    let first = (lo + off - MAX_SESSION_MS).div_euclid(MS_PER_DAY);
    let last = (hi - 1 + off).div_euclid(MS_PER_DAY);
    for local_day in first..=last {
        for (si, plan) in plan_sessions(sim, pi, p, local_day).iter_mut().enumerate() {
            // flights and leavers (only with --noise): the session index stays
            // the stream key, so the other sessions are unchanged
            let Some(end) = sim.t.session_end(pi, plan.start, plan.end) else { continue };
            plan.end = end;
            if plan.start >= hi || plan.end < lo {
                continue;
            }
            let mut rng = Rng::stream(sim.seed, &[TAG_SESSION, pi as u64, local_day as u64, si as u64]);
            let mut keep = |s: SignIn| {
                if s.t >= lo && s.t < hi {
                    out.push(s)
                }
            };
            emit_session(sim.t, p, plan, &mut rng, &mut keep);
        }
    }
}

fn plan_sessions(sim: &Sim, pi: usize, p: &Person, local_day: i64) -> Vec<SessionPlan> {
    let mut rng = Rng::stream(sim.seed, &[TAG_LOCAL_DAY, pi as u64, local_day as u64]);
    let weekday = civil(local_day * MS_PER_DAY).weekday < 5;
    let factor = if weekday { 1.3 } else { 0.25 };
    let n = rng.poisson(sim.rate * factor * p.activity / EVENTS_PER_SESSION);
    let midnight_utc = local_day * MS_PER_DAY - p.utc_offset_ms;
    (0..n)
        .map(|_| {
            let hour = session_hour(&mut rng, weekday);
            let start = midnight_utc + (hour * MS_PER_HOUR as f64) as i64;
            let phone = p.dev_phone.is_some() && rng.chance(0.12);
            let dur_h = if phone { 0.5 + rng.f64() * 2.5 } else { 3.0 + rng.f64() * 6.0 };
            let in_office = weekday && (7.5..18.0).contains(&hour) && rng.chance(p.office_goer);
            let net = if p.kind == PersonKind::Guest {
                p.home_net.clone()
            } else if let Some(tr) =
                sim.t.travel.iter().find(|tr| tr.person == pi && (tr.from..tr.to).contains(&start))
            {
                tr.net.clone()
            } else if in_office && !phone {
                sim.t.offices[p.office].net.clone()
            } else if !phone && rng.chance(p.vpn_share) {
                sim.t.vpn.clone()
            } else {
                p.home_net.clone()
            };
            SessionPlan { start, end: start + (dur_h * MS_PER_HOUR as f64) as i64, net, phone }
        })
        .collect()
}

/// Local hour (fractional) of a session start: a working-day double peak with
/// some evening use on weekdays; flat daytime use at weekends.
fn session_hour(rng: &mut Rng, weekday: bool) -> f64 {
    let h = if !weekday {
        9.0 + rng.f64() * 13.0
    } else {
        match rng.below(20) {
            0..=9 => 9.0 + 1.2 * rng.normal(),
            10..=15 => 13.5 + 1.8 * rng.normal(),
            16..=18 => 17.0 + rng.f64() * 6.0,
            _ => rng.f64() * 24.0,
        }
    };
    h.clamp(0.0, 23.99)
}

fn emit_session(t: &Tenant, p: &Person, plan: &SessionPlan, rng: &mut Rng, out: &mut dyn FnMut(SignIn)) {
    let client = if plan.phone {
        Client::Phone
    } else if p.kind == PersonKind::Guest || rng.chance(0.45) {
        Client::Browser
    } else {
        Client::Desktop
    };
    let session = rng.guid();
    let (a, r) = interactive_app(p, client, rng);
    let mut si = user_signin(
        t,
        p,
        Kind::Interactive,
        plan.start,
        &plan.net,
        client,
        Some(session),
        t.app(a),
        t.resource(r),
        rng,
    );
    let prt = client == Client::Desktop && p.joined;
    let fresh = !prt && (p.kind == PersonKind::Guest || rng.chance(0.35));
    si.mfa_required = needs_mfa(&plan.net, a) || p.kind == PersonKind::Guest;
    if prt {
        si.incoming = "primaryRefreshToken";
        sso_steps(&mut si);
    } else if fresh {
        password_steps(&mut si, p, rng);
        noise_before_success(t, p, &si, client, rng, out);
    } else {
        sso_steps(&mut si);
    }
    finish_ca(t, p, &mut si);
    let sess_end = plan.end;
    let first_t = si.t;
    let ni_template = si.clone();
    out(si);

    let mean = if plan.phone { NI_MEAN_PHONE } else { NI_MEAN_LAPTOP };
    let n = rng.geometric(mean);
    let mut times: Vec<i64> =
        (0..n).map(|_| first_t + 5_000 + rng.below((sess_end - first_t).max(1) as u64) as i64).collect();
    times.sort_unstable();
    for tm in times {
        let (a, r) = ni_app(p, client, rng);
        let mut ni = non_interactive_from(t, &ni_template, tm, t.app(a), t.resource(r), rng);
        if rng.chance(0.004) {
            ni.error = 700082;
            ni.additional = None;
            ni.ca_status = "notApplied";
        }
        out(ni);
    }
}

/// CA001 (MFA) is scoped to untrusted networks; CA004 always wants MFA for Azure management.
fn needs_mfa(net: &Net, a: (&str, &str)) -> bool {
    !matches!(net.kind, NetKind::Office | NetKind::Vpn) || a == app::AZURE_PORTAL
}

fn interactive_app(
    p: &Person,
    client: Client,
    rng: &mut Rng,
) -> ((&'static str, &'static str), (&'static str, &'static str)) {
    match client {
        Client::Browser if p.kind == PersonKind::Admin && rng.chance(0.35) => (app::AZURE_PORTAL, res::ARM),
        Client::Browser if p.kind == PersonKind::Guest => (app::TEAMS, res::TEAMS_SVC),
        Client::Browser => *rng
            .weighted(&[((app::OFFICE_HOME, res::SHELL_SERVER), 0.7), ((app::TEAMS, res::TEAMS_SVC), 0.3)]),
        Client::Desktop if p.joined && rng.chance(0.15) => (app::WINDOWS_SIGN_IN, res::AAD_GRAPH),
        Client::Desktop => *rng.weighted(&[
            ((app::OFFICE, res::EXO), 0.4),
            ((app::TEAMS, res::TEAMS_SVC), 0.4),
            ((app::ONEDRIVE, res::SPO), 0.2),
        ]),
        Client::Phone => {
            *rng.weighted(&[((app::OUTLOOK_MOBILE, res::EXO), 0.6), ((app::TEAMS, res::TEAMS_SVC), 0.4)])
        }
    }
}

fn ni_app(
    p: &Person,
    client: Client,
    rng: &mut Rng,
) -> ((&'static str, &'static str), (&'static str, &'static str)) {
    if p.kind == PersonKind::Admin && rng.chance(0.05) {
        return (app::GRAPH_PS, res::GRAPH);
    }
    match client {
        Client::Phone => *rng.weighted(&[
            ((app::OUTLOOK_MOBILE, res::EXO), 0.5),
            ((app::TEAMS, res::TEAMS_SVC), 0.3),
            ((app::OUTLOOK_MOBILE, res::GRAPH), 0.2),
        ]),
        Client::Browser => *rng.weighted(&[
            ((app::SHELL_CLIENT, res::SHELL_SERVER), 0.4),
            ((app::OFFICE_HOME, res::GRAPH), 0.3),
            ((app::TEAMS, res::TEAMS_SVC), 0.3),
        ]),
        Client::Desktop => *rng.weighted(&[
            ((app::OFFICE, res::EXO), 0.25),
            ((app::OFFICE, res::SPO), 0.15),
            ((app::TEAMS, res::TEAMS_SVC), 0.25),
            ((app::TEAMS, res::GRAPH), 0.1),
            ((app::ONEDRIVE, res::SPO), 0.15),
            ((app::EDGE, res::GRAPH), 0.1),
        ]),
    }
}

/// Occasional benign friction before a password sign-in succeeds.
fn noise_before_success(
    t: &Tenant,
    p: &Person,
    ok: &SignIn,
    client: Client,
    rng: &mut Rng,
    out: &mut dyn FnMut(SignIn),
) {
    let roll = rng.f64();
    let mut pre = ok.clone();
    pre.id = rng.guid();
    pre.uti = s(&rng.token_id());
    if roll < 0.03 {
        // mistyped password, a new flow (new correlation) a little earlier
        pre.t = ok.t - rng.range(20_000, 120_000);
        pre.correlation = rng.guid();
        make_bad_password(&mut pre);
    } else if roll < 0.05 && ok.mfa_required {
        pre.t = ok.t - rng.range(30_000, 90_000);
        pre.error = 50074;
        pre.additional = Some("MFA required in Azure AD");
        pre.mfa_method = None;
        pre.steps =
            vec![step_password(0, true), step(5_000, p.mfa.0, false, "MFA required in Azure AD", MFA_REQ)];
    } else if roll < 0.12 && client == Client::Browser {
        // "Keep me signed in?" prompt: same flow, a few seconds before the success
        pre.t = ok.t - rng.range(3_000, 15_000);
        pre.error = 50140;
        pre.additional = None;
    } else {
        return;
    }
    pre.ca_status = "notApplied";
    pre.ca = t.ca(first_factor_bits(t, p, &pre));
    out(pre);
}

// ---------------------------------------------------------------------------
// builders shared with the scenarios

/// A user sign-in with every field at its "plain success" default.
#[allow(clippy::too_many_arguments)]
pub fn user_signin(
    t: &Tenant,
    p: &Person,
    kind: Kind,
    time: i64,
    net: &Arc<Net>,
    client: Client,
    session: Option<Guid>,
    app: Arc<App>,
    resource: Arc<Resource>,
    rng: &mut Rng,
) -> SignIn {
    let (device, ua, client_app) = match client {
        Client::Browser => (p.dev_browser.clone(), p.browser_ua.clone(), "Browser"),
        Client::Desktop => (p.dev_app.clone(), p.app_ua.clone(), "Mobile Apps and Desktop clients"),
        Client::Phone => (
            p.dev_phone.clone().unwrap_or_else(|| p.dev_app.clone()),
            p.phone_ua.clone(),
            "Mobile Apps and Desktop clients",
        ),
    };
    let id = rng.guid();
    SignIn {
        kind,
        t: time,
        id,
        correlation: rng.guid(),
        session,
        uti: s(&rng.token_id()),
        user: Some(p.user.clone()),
        workload: None,
        app,
        resource,
        net: net.clone(),
        device,
        ua,
        client_app,
        error: 0,
        additional: None,
        mfa_required: false,
        steps: Vec::new(),
        mfa_method: None,
        protocol: "none",
        incoming: "none",
        transfer: "none",
        cred_type: "none",
        ca_status: "notApplied",
        ca: t.empty_ca.clone(),
        risk_during: "none",
        risk_agg: "none",
        risk_state: "none",
        risk_types: Vec::new(),
        cross_tenant: if p.user.guest { "b2bCollaboration" } else { "none" },
        cred_key: None,
        cred_thumb: None,
        scopes: None,
        processing_ms: rng.range(40, 400) as u32,
    }
}

/// A token refresh that belongs to the same session as `base`.
pub fn non_interactive_from(
    t: &Tenant,
    base: &SignIn,
    time: i64,
    app: Arc<App>,
    resource: Arc<Resource>,
    rng: &mut Rng,
) -> SignIn {
    let mut ni = base.clone();
    ni.kind = Kind::NonInteractive;
    ni.t = time;
    ni.id = rng.guid();
    ni.correlation = rng.guid();
    ni.uti = s(&rng.token_id());
    ni.scopes = Some(scopes_for(&resource.id));
    ni.app = app;
    ni.resource = resource;
    ni.error = 0;
    ni.steps = Vec::new();
    ni.mfa_method = None;
    ni.additional = base.mfa_required.then_some("MFA requirement satisfied by claim in the token");
    if ni.incoming != "primaryRefreshToken" {
        ni.incoming = "refreshToken";
    }
    ni.protocol = "none";
    ni.transfer = "none";
    ni.processing_ms = rng.range(20, 150) as u32;
    let p_bits =
        if base.ca.iter().any(|r| r.policy.name.starts_with("CA003") && r.result != "reportOnlyNotApplied") {
            ca_bits::ADMIN
        } else {
            0
        };
    let mut bits = p_bits | if ni.mfa_required { ca_bits::MFA_APPLIES } else { 0 };
    if !ni.device.managed {
        bits |= ca_bits::UNMANAGED;
    }
    if t.ca_mfa_off_at.is_some_and(|x| ni.t >= x) {
        bits |= ca_bits::MFA_POLICY_OFF;
    }
    ni.ca = t.ca(bits);
    ni.ca_status = ca_status(&ni.ca);
    ni
}

fn scopes_for(resource_id: &str) -> &'static str {
    match resource_id {
        "00000002-0000-0ff1-ce00-000000000000" => {
            "EWS.AccessAsUser.All Mail.ReadWrite Mail.Send Calendars.ReadWrite Contacts.ReadWrite"
        }
        "00000003-0000-0ff1-ce00-000000000000" => "AllSites.Write MyFiles.Write Sites.Search.All",
        "00000003-0000-0000-c000-000000000000" => {
            "User.Read openid profile offline_access Files.ReadWrite.All"
        }
        _ => "user_impersonation",
    }
}

pub const PRIMARY: &str = "Primary authentication";
pub const MFA_REQ: &str = "Multi-factor authentication";

pub fn step(
    offset_ms: i64,
    method: &'static str,
    ok: bool,
    result: &'static str,
    requirement: &'static str,
) -> AuthStep {
    let detail = match method {
        "Password" => Some("Password in the cloud"),
        "Text message" => Some("+X XXXXXXXX12"),
        _ => None,
    };
    AuthStep { offset_ms, method, detail, ok, result, requirement }
}

pub fn step_password(offset_ms: i64, ok: bool) -> AuthStep {
    let result = if ok {
        "Correct password"
    } else {
        "Invalid username or password or Invalid on-premise username or password."
    };
    step(offset_ms, "Password", ok, result, PRIMARY)
}

/// Single sign-on: the first factor (and MFA, when required) come from the token.
pub fn sso_steps(si: &mut SignIn) {
    si.steps = vec![step(
        0,
        "Previously satisfied",
        true,
        "First factor requirement satisfied by claim in the token",
        PRIMARY,
    )];
    if si.mfa_required {
        si.steps.push(step(
            0,
            "Previously satisfied",
            true,
            "MFA requirement satisfied by claim in the token",
            MFA_REQ,
        ));
        si.additional = Some("MFA requirement satisfied by claim in the token");
    }
}

/// Password, then the user's MFA method when required.
pub fn password_steps(si: &mut SignIn, p: &Person, rng: &mut Rng) {
    si.steps = vec![step_password(0, true)];
    if si.mfa_required {
        si.steps.push(step(rng.range(8_000, 40_000), p.mfa.0, true, "MFA successfully completed", MFA_REQ));
        si.additional = Some("MFA successfully completed");
        si.mfa_method = Some(p.mfa.1);
    }
}

pub fn make_bad_password(si: &mut SignIn) {
    si.error = 50126;
    si.additional = Some("The user didn't enter the right credentials. It's expected to see some number of these errors in your logs due to users making mistakes.");
    si.mfa_method = None;
    si.steps = vec![step_password(0, false)];
    si.ca_status = "notApplied";
}

fn first_factor_bits(t: &Tenant, p: &Person, si: &SignIn) -> usize {
    let mut bits = 0;
    if p.kind == PersonKind::Admin {
        bits |= ca_bits::ADMIN;
    }
    if !si.device.managed {
        bits |= ca_bits::UNMANAGED;
    }
    if t.ca_mfa_off_at.is_some_and(|x| si.t >= x) {
        bits |= ca_bits::MFA_POLICY_OFF;
    }
    bits
}

/// Fill `ca` / `ca_status` from the sign-in's situation.
pub fn finish_ca(t: &Tenant, p: &Person, si: &mut SignIn) {
    let mut bits = first_factor_bits(t, p, si);
    let first_factor_failed = matches!(si.error, 50126 | 50057 | 50053 | 50034 | 50055);
    if first_factor_failed || si.error == 50140 || si.error == 50074 {
        si.ca = t.ca(bits);
        si.ca_status = "notApplied";
        return;
    }
    if si.mfa_required && !is_legacy(si.client_app) {
        bits |= ca_bits::MFA_APPLIES;
    }
    if si.error == 500121 {
        bits |= ca_bits::MFA_FAILED;
    }
    if is_legacy(si.client_app) {
        bits |= ca_bits::LEGACY;
    }
    if &*si.app.id == app::AZURE_PORTAL.0 || &*si.resource.id == res::ARM.0 {
        bits |= ca_bits::AZURE_MGMT;
    }
    si.ca = t.ca(bits);
    si.ca_status = ca_status(&si.ca);
}

pub fn is_legacy(client_app: &str) -> bool {
    !matches!(client_app, "Browser" | "Mobile Apps and Desktop clients")
}

/// A workload (service principal or managed identity) sign-in.
pub fn workload_signin(
    t: &Tenant,
    kind: Kind,
    w: &Arc<Workload>,
    time: i64,
    net: &Arc<Net>,
    resource: Arc<Resource>,
    rng: &mut Rng,
) -> SignIn {
    let app = Arc::new(App { id: s(&w.app_id.to_string()), name: w.name.clone() });
    SignIn {
        kind,
        t: time,
        id: rng.guid(),
        correlation: rng.guid(),
        session: None,
        uti: s(&rng.token_id()),
        user: None,
        workload: Some(w.clone()),
        app,
        resource,
        net: net.clone(),
        device: t.no_device.clone(),
        ua: s(""),
        client_app: "",
        error: 0,
        additional: None,
        mfa_required: false,
        steps: Vec::new(),
        mfa_method: None,
        protocol: "none",
        incoming: "none",
        transfer: "none",
        cred_type: if kind == Kind::ManagedIdentity { "managedIdentity" } else { "clientSecret" },
        ca_status: "notApplied",
        ca: t.empty_ca.clone(),
        risk_during: "none",
        risk_agg: "none",
        risk_state: "none",
        risk_types: Vec::new(),
        cross_tenant: "none",
        cred_key: None,
        cred_thumb: None,
        scopes: None,
        processing_ms: rng.range(5, 80) as u32,
    }
}

// ---------------------------------------------------------------------------
// workloads

/// Scheduled jobs: one sign-in per interval with a little jitter.
fn schedule(rng: &mut Rng, day_start: i64, lo: i64, hi: i64, interval_min: i64, phase_key: u64) -> Vec<i64> {
    let step = interval_min * MS_PER_MIN;
    let phase = (phase_key % interval_min as u64) as i64 * MS_PER_MIN + (phase_key % 53) as i64 * 1000;
    let mut out = Vec::new();
    let mut t = day_start + phase;
    while t < hi {
        let jittered = t + rng.range(0, 90_000);
        if jittered >= lo && jittered < hi {
            out.push(jittered);
        }
        t += step;
    }
    out
}

fn sp_day(
    sim: &Sim,
    k: usize,
    sp: &super::tenant::SpProfile,
    day_start: i64,
    lo: i64,
    hi: i64,
    out: &mut Vec<SignIn>,
) {
    let mut rng = Rng::stream(sim.seed, &[TAG_SP, k as u64, day_start as u64]);
    for tm in schedule(&mut rng, day_start, lo, hi, sp.interval_min, sp.w.sp_id.0 as u64) {
        let mut si =
            workload_signin(sim.t, Kind::ServicePrincipal, &sp.w, tm, &sp.net, sp.resource.clone(), &mut rng);
        si.cred_type = sp.cred_type;
        si.cred_key = Some(sp.key_id);
        si.cred_thumb = sp.thumb.clone();
        // a rotation that moved the principal (only with --noise)
        if let Some(mv) = sim.t.sp_moves.iter().filter(|m| m.sp == k && tm >= m.at).max_by_key(|m| m.at) {
            si.net = mv.net.clone();
            si.cred_key = Some(mv.key);
            si.cred_thumb = mv.thumb.clone();
        }
        out.push(si);
    }
}

fn mi_day(
    sim: &Sim,
    k: usize,
    mi: &super::tenant::MiProfile,
    day_start: i64,
    lo: i64,
    hi: i64,
    out: &mut Vec<SignIn>,
) {
    let mut rng = Rng::stream(sim.seed, &[TAG_MI, k as u64, day_start as u64]);
    for (i, tm) in
        schedule(&mut rng, day_start, lo, hi, mi.interval_min, mi.w.sp_id.0 as u64).into_iter().enumerate()
    {
        let r = mi.resources[i % mi.resources.len()].clone();
        let si = workload_signin(sim.t, Kind::ManagedIdentity, &mi.w, tm, &sim.t.empty_net, r, &mut rng);
        out.push(si);
    }
}
