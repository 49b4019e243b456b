//! Window-level events: the injected attack stories, the benign look-alikes
//! that must not be mistaken for them, routine managed-identity certificate
//! renewals and the Identity Protection records. Also the ground truth.
//!
//! These are planned once for the whole window (before the per-day baseline
//! runs, because some of them change the tenant: business trips, the disabled
//! CA policy) and then handed to the day that contains each record.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Value};

use super::activity;
use super::audits::*;
use super::model::*;
use super::rng::{Guid, Rng};
use super::simulate::*;
use super::tenant::{self, app, net, place, res, role, Person, PersonKind, Tenant, Travel, DOMAIN};

const TAG_SCEN: u64 = 0x5CE7;

/// One ground-truth entry (attack scenario or benign look-alike).
pub struct Truth {
    pub id: u32,
    pub name: &'static str,
    pub description: &'static str,
    pub users: Vec<String>,
    pub ips: Vec<String>,
    pub expected: Vec<&'static str>,
    pub start: i64,
    pub end: i64,
    pub signins: usize,
    pub audits: usize,
    pub risks: usize,
}

#[derive(Default)]
pub struct Specials {
    pub signins: Vec<SignIn>,
    pub audits: Vec<Audit>,
    pub risks: Vec<RiskDetection>,
    pub risky: Vec<RiskyUser>,
    /// Graph requests the attackers make (ordinary ones are derived from sign-ins).
    pub graph: Vec<GraphRequest>,
    pub sp_risks: Vec<SpRisk>,
    pub risky_sps: Vec<RiskySp>,
    pub attacks: Vec<Truth>,
    pub benign: Vec<Truth>,
    /// `--noise`: ordinary benign chaos (see `noise.rs`), ids from 201.
    pub noise: Vec<Truth>,
}

/// Record counts before a story, to attribute its records afterwards.
struct Mark(usize, usize, usize);

impl Specials {
    fn mark(&self) -> Mark {
        Mark(self.signins.len(), self.audits.len(), self.risks.len())
    }

    #[allow(clippy::too_many_arguments)]
    fn truth(
        &self,
        m: Mark,
        id: u32,
        name: &'static str,
        description: &'static str,
        users: Vec<String>,
        ips: Vec<String>,
        expected: Vec<&'static str>,
    ) -> Truth {
        let times = self.signins[m.0..]
            .iter()
            .map(|x| x.t)
            .chain(self.audits[m.1..].iter().map(|x| x.t))
            .chain(self.risks[m.2..].iter().map(|x| x.t_activity));
        let (start, end) = times.fold((i64::MAX, i64::MIN), |(a, b), t| (a.min(t), b.max(t)));
        Truth {
            id,
            name,
            description,
            users,
            ips,
            expected,
            start,
            end,
            signins: self.signins.len() - m.0,
            audits: self.audits.len() - m.1,
            risks: self.risks.len() - m.2,
        }
    }
}

/// Places scenario times inside the window whatever its length.
struct Clock {
    w0: i64,
    w1: i64,
    days: i64,
    day0: i64,
}

impl Clock {
    fn new(w0: i64, w1: i64) -> Clock {
        let day0 = w0.div_euclid(MS_PER_DAY) * MS_PER_DAY;
        Clock { w0, w1, days: ((w1 - day0 + MS_PER_DAY - 1) / MS_PER_DAY).max(1), day0 }
    }

    /// `frac` of the way through the window (whole days), at `hour` UTC.
    fn at(&self, frac: f64, hour: f64) -> i64 {
        let d = ((self.days as f64 * frac) as i64).min(self.days - 1);
        // plus a stable sub-second part so story times do not sit on whole seconds
        let t =
            self.day0 + d * MS_PER_DAY + (hour * MS_PER_HOUR as f64) as i64 + (hour * 7919.0) as i64 % 1000;
        let span = (self.w1 - self.w0 - 3 * MS_PER_HOUR).max(MS_PER_HOUR);
        if t < self.w0 || t >= self.w0 + span {
            self.w0 + (t - self.w0).rem_euclid(span)
        } else {
            t
        }
    }
}

/// Deterministic choice of distinct victims with preferences.
struct Picker {
    order: Vec<usize>,
    used: Vec<usize>,
}

impl Picker {
    fn pick(&mut self, t: &Tenant, pred: impl Fn(&Person) -> bool) -> Option<usize> {
        let free: Vec<usize> = self.order.iter().copied().filter(|i| !self.used.contains(i)).collect();
        let choice = free
            .iter()
            .copied()
            .find(|&i| pred(&t.people[i]))
            .or_else(|| free.first().copied())
            .or_else(|| self.order.first().copied())?;
        self.used.push(choice);
        Some(choice)
    }

    /// Members no story has picked, in the picker's order: the users noise
    /// may touch without colliding with an attack victim or a look-alike.
    fn free(&self) -> Vec<usize> {
        self.order.iter().copied().filter(|i| !self.used.contains(i)).collect()
    }
}

fn hosting(ip: &str, asn: u32, city: &str, state: &str, cc: &str, lat: f64, lon: f64) -> Arc<Net> {
    net(ip, asn, place(city, state, cc, lat, lon), NetKind::Hosting, None)
}

fn rogue_device(os: &'static str, browser: &str) -> Arc<Device> {
    Arc::new(Device {
        id: None,
        name: s(""),
        os,
        browser: s(browser),
        compliant: false,
        managed: false,
        trust: "",
    })
}

const UA_O365SPRAY: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/104.0.0.0 Safari/537.36";
const UA_TOKENTACTICS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19042";
const UA_TOR: &str = "Mozilla/5.0 (Windows NT 10.0; rv:115.0) Gecko/20100101 Firefox/115.0";
const UA_CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
const UA_MSI: &str = "Microsoft Azure Graph Client Library 2.1.17-internal";

/// An attacker-side user sign-in: unregistered device, custom UA, CA evaluated.
#[allow(clippy::too_many_arguments)]
fn attacker_signin(
    t: &Tenant,
    p: &Person,
    kind: Kind,
    time: i64,
    n: &Arc<Net>,
    dev: &Arc<Device>,
    ua: &str,
    a: (&str, &str),
    r: (&str, &str),
    session: Option<Guid>,
    rng: &mut Rng,
) -> SignIn {
    let mut si = user_signin(t, p, kind, time, n, Client::Browser, session, t.app(a), t.resource(r), rng);
    si.device = dev.clone();
    si.ua = s(ua);
    si.mfa_required = true;
    si
}

fn detection(
    rng: &mut Rng,
    si: &SignIn,
    event: &'static str,
    legacy: &'static str,
    level: &'static str,
    timing: &'static str,
    delay_ms: i64,
) -> RiskDetection {
    RiskDetection {
        id: s(&rng.hex(64)),
        request_id: si.id,
        correlation: si.correlation,
        event_type: event,
        legacy_type: legacy,
        state: "atRisk",
        level,
        detail: "none",
        timing,
        activity: "signin",
        t_activity: si.t,
        t_detected: si.t + delay_ms,
        t_updated: si.t + delay_ms + rng.range(60_000, 300_000),
        net: si.net.clone(),
        user: si.user.clone().expect("user sign-in"),
        ua: si.ua.clone(),
    }
}

pub(super) fn key_desc(keys: &[(Guid, &str, &str)]) -> String {
    let items: Vec<String> = keys
        .iter()
        .map(|(id, typ, name)| {
            format!("[KeyIdentifier={id},KeyType={typ},KeyUsage=Verify,DisplayName={name}]")
        })
        .collect();
    serde_json::to_string(&items).expect("list")
}

fn upn(t: &Tenant, i: usize) -> String {
    t.people[i].user.upn.to_string()
}

/// Plan every window-level record. Mutates the tenant (trips, CA change;
/// with `noise` also flights, leavers and moved service principals).
pub fn plan(t: &mut Tenant, seed: u64, w0: i64, w1: i64, attacks: bool, noise: bool) -> Specials {
    let clock = Clock::new(w0, w1);
    let mut rng = Rng::stream(seed, &[TAG_SCEN]);
    let mut order: Vec<usize> =
        t.people.iter().enumerate().filter(|(_, p)| p.kind == PersonKind::Member).map(|(i, _)| i).collect();
    // Fisher–Yates with our stream
    for i in (1..order.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    let mut pk = Picker { order, used: Vec::new() };
    let mut sp = Specials::default();
    if pk.order.is_empty() {
        return sp;
    }
    benign(t, &clock, &mut rng, &mut pk, &mut sp);
    if attacks {
        attack_stories(t, &clock, &mut rng, &mut pk, &mut sp);
    }
    background_risk(t, &clock, &mut rng, &mut pk, &mut sp);
    sp.risky = risky_users(&mut rng, &sp.risks);
    if noise {
        // last, on its own random streams: everything above stays as it was
        super::noise::add(t, seed, w0, w1, pk.free(), &mut sp);
    }
    let keep = |x: i64| x >= w0 && x < w1;
    sp.signins.retain(|x| keep(x.t));
    sp.audits.retain(|x| keep(x.t));
    sp.risks.retain(|x| keep(x.t_updated));
    sp.risky.retain(|x| keep(x.t));
    sp.graph.retain(|x| keep(x.t));
    sp.sp_risks.retain(|x| keep(x.t));
    sp.risky_sps.retain(|x| keep(x.t));
    sp
}

// ---------------------------------------------------------------------------
// benign look-alikes and routine operations

fn benign(t: &mut Tenant, c: &Clock, rng: &mut Rng, pk: &mut Picker, sp: &mut Specials) {
    nat_typos(t, c, rng, pk, sp);
    business_trips(t, c, rng, pk, sp);
    vpn_hop(t, c, rng, pk, sp);
    msi_renewal(t, c, rng, sp);
    secret_rotation(t, c, rng, sp);
    disable_leaver(t, c, rng, sp);
}

/// Five users behind one office NAT mistype a password once each.
fn nat_typos(t: &Tenant, c: &Clock, rng: &mut Rng, pk: &mut Picker, sp: &mut Specials) {
    let m = sp.mark();
    let mut users = Vec::new();
    let office = t.offices[0].net.clone();
    let t0 = c.at(0.2, 16.0);
    for k in 0..5 {
        let Some(i) = pk.pick(t, |p| p.office == 0) else { break };
        let p = &t.people[i];
        let tm = t0 + k * rng.range(4, 10) * MS_PER_MIN;
        let mut ok = user_signin(
            t,
            p,
            Kind::Interactive,
            tm + 75_000,
            &office,
            Client::Browser,
            Some(rng.guid()),
            t.app(app::OFFICE_HOME),
            t.resource(res::SHELL_SERVER),
            rng,
        );
        password_steps(&mut ok, p, rng);
        finish_ca(t, p, &mut ok);
        let mut bad = ok.clone();
        bad.t = tm;
        bad.id = rng.guid();
        bad.correlation = rng.guid();
        make_bad_password(&mut bad);
        finish_ca(t, p, &mut bad);
        sp.signins.push(bad);
        sp.signins.push(ok);
        users.push(upn(t, i));
    }
    let tr = sp.truth(m, 101, "shared-office-nat-typos",
        "Five users behind the Seattle office NAT each mistype their password once and then succeed within two minutes. Not a spray: every failing user succeeds from the same trusted IP.",
        users, vec![office.ip.to_string()], vec![]);
    sp.benign.push(tr);
}

/// Trips: same-country hop and a far one many hours later; sessions follow.
fn business_trips(t: &mut Tenant, c: &Clock, rng: &mut Rng, pk: &mut Picker, sp: &mut Specials) {
    let m = sp.mark();
    let mut users = Vec::new();
    let mut ips = Vec::new();
    let trips = [
        (
            0.30,
            15.0,
            8.0,
            "US",
            hotel("192.0.2.201", 6128, "New York", "New York", "US", 40.7128, -74.0060),
            3,
        ),
        (0.52, 9.0, 18.0, "GB", hotel("192.0.2.210", 2516, "Tokyo", "Tokyo", "JP", 35.6762, 139.6503), 4),
    ];
    for (frac, hour, gap_h, cc, dest, stay_days) in trips {
        let Some(i) = pk.pick(t, |p| &*p.home_net.place.country == cc) else { break };
        let depart = c.at(frac, hour);
        let arrive = depart + (gap_h * MS_PER_HOUR as f64) as i64;
        t.travel.push(Travel {
            person: i,
            from: arrive - MS_PER_HOUR,
            to: arrive + stay_days * MS_PER_DAY,
            net: dest.clone(),
        });
        let p = &t.people[i];
        for (tm, n) in [(depart, p.home_net.clone()), (arrive, dest.clone())] {
            let mut si = user_signin(
                t,
                p,
                Kind::Interactive,
                tm,
                &n,
                Client::Browser,
                Some(rng.guid()),
                t.app(app::OFFICE_HOME),
                t.resource(res::SHELL_SERVER),
                rng,
            );
            si.mfa_required = true;
            password_steps(&mut si, p, rng);
            finish_ca(t, p, &mut si);
            sp.signins.push(si);
        }
        users.push(upn(t, i));
        ips.push(dest.ip.to_string());
    }
    let tr = sp.truth(m, 102, "feasible-travel",
        "Business trips: Seattle -> New York eight hours later (same country) and London -> Tokyo eighteen hours later; the travellers keep working from hotel IPs for a few days.",
        users, ips, vec![]);
    sp.benign.push(tr);
}

/// Home abroad, then the corporate VPN egress half an hour later.
fn vpn_hop(t: &Tenant, c: &Clock, rng: &mut Rng, pk: &mut Picker, sp: &mut Specials) {
    let m = sp.mark();
    let mut users = Vec::new();
    if let Some(i) = pk.pick(t, |p| &*p.home_net.place.country != "US") {
        let p = &t.people[i];
        let t0 = c.at(0.35, 8.5);
        for (tm, n) in [(t0, p.home_net.clone()), (t0 + 30 * MS_PER_MIN, t.vpn.clone())] {
            let mut si = user_signin(
                t,
                p,
                Kind::Interactive,
                tm,
                &n,
                Client::Browser,
                Some(rng.guid()),
                t.app(app::OFFICE_HOME),
                t.resource(res::SHELL_SERVER),
                rng,
            );
            si.mfa_required = n.kind != NetKind::Vpn;
            sso_steps(&mut si);
            finish_ca(t, p, &mut si);
            sp.signins.push(si);
        }
        users.push(upn(t, i));
    }
    let tr = sp.truth(m, 103, "vpn-egress",
        "A European user signs in from home and thirty minutes later through the corporate VPN egress 203.0.113.10 (geolocated to Seattle). Other users also use the VPN throughout the window.",
        users, vec![t.vpn.ip.to_string()], vec![]);
    sp.benign.push(tr);
}

/// Routine certificate roll-over of the managed identities.
fn msi_renewal(t: &Tenant, c: &Clock, rng: &mut Rng, sp: &mut Specials) {
    let m = sp.mark();
    for (k, mi) in t.mis.iter().enumerate() {
        let tm = c.at(0.1 + 0.8 * (k as f64 / t.mis.len().max(1) as f64), 18.25);
        let corr = rng.guid();
        let app_id = mi.w.app_id.to_string();
        let cn = format!("CN={app_id}");
        let new_key = rng.guid();
        let spn = format!("\"{app_id};https://identity.azure.net/{}=\"", rng.alnum_upper(43));
        let props = vec![
            ModProp::new(
                "KeyDescription",
                Some(key_desc(&[(mi.cert_key, "AsymmetricX509Cert", &cn)])),
                Some(key_desc(&[
                    (mi.cert_key, "AsymmetricX509Cert", &cn),
                    (new_key, "AsymmetricX509Cert", &cn),
                ])),
            ),
            ModProp::new("Included Updated Properties", None, Some(jstr("KeyDescription"))),
            ModProp::new("TargetId.ServicePrincipalNames", None, Some(spn)),
        ];
        let init = || by_app("Managed Service Identity", t.msi_sp, None);
        let tgt = |props| vec![obj_target(&mi.w.sp_id.to_string(), &mi.w.name, "ServicePrincipal", props)];
        let details = vec![detail("User-Agent", UA_MSI), detail("AppId", &app_id)];
        sp.audits.push(audit_in(
            rng,
            corr,
            tm,
            "ApplicationManagement",
            "Add service principal credentials",
            "Core Directory",
            "Update",
            init(),
            tgt(props),
            details.clone(),
        ));
        sp.audits.push(audit_in(
            rng,
            corr,
            tm,
            "ApplicationManagement",
            "Update service principal",
            "Core Directory",
            "Update",
            init(),
            tgt(vec![ModProp::new("Included Updated Properties", None, Some(jstr("KeyDescription")))]),
            details.clone(),
        ));
        let removed = vec![ModProp::new(
            "KeyDescription",
            Some(key_desc(&[(mi.cert_key, "AsymmetricX509Cert", &cn), (new_key, "AsymmetricX509Cert", &cn)])),
            Some(key_desc(&[(new_key, "AsymmetricX509Cert", &cn)])),
        )];
        sp.audits.push(audit_in(
            rng,
            corr,
            tm + 2 * MS_PER_HOUR,
            "ApplicationManagement",
            "Remove service principal credentials",
            "Core Directory",
            "Update",
            init(),
            tgt(removed),
            details,
        ));
    }
    let tr = sp.truth(m, 104, "managed-identity-certificate-renewal",
        "Routine certificate roll-over of every managed identity, initiated by the first-party app \"Managed Service Identity\" (Add / Update / Remove service principal credentials).",
        vec![], vec![], vec![]);
    sp.benign.push(tr);
}

/// Planned client-secret rotation by the application administrator.
fn secret_rotation(t: &Tenant, c: &Clock, rng: &mut Rng, sp: &mut Specials) {
    let m = sp.mark();
    if let (Some(a), Some(target)) = (
        t.admin_with(role::APP_ADMIN).or_else(|| t.admin_with(role::GLOBAL_ADMIN)),
        t.sps.get(4).or(t.sps.first()),
    ) {
        let admin = &t.people[a];
        let ip = t.offices[admin.office].net.ip.clone();
        let tm = c.at(0.25, 17.0);
        let new_key = rng.guid();
        let props = |old: String, new: String| {
            vec![
                ModProp::new("KeyDescription", Some(old), Some(new)),
                ModProp::new("Included Updated Properties", None, Some(jstr("KeyDescription"))),
            ]
        };
        let details = vec![detail("User-Agent", PORTAL_UA), detail("AppId", &target.w.app_id.to_string())];
        let app_tgt = |props| {
            vec![obj_target(&target.w.app_object_id.to_string(), &target.w.name, "Application", props)]
        };
        sp.audits.push(audit(
            rng,
            tm,
            "ApplicationManagement",
            "Update application – Certificates and secrets management ",
            "Core Directory",
            "Update",
            by_user(admin, &ip),
            app_tgt(props(
                key_desc(&[(target.key_id, "Password", "prod-2023")]),
                key_desc(&[(target.key_id, "Password", "prod-2023"), (new_key, "Password", "prod-2024")]),
            )),
            details.clone(),
        ));
        sp.audits.push(audit(
            rng,
            tm + 3 * MS_PER_DAY,
            "ApplicationManagement",
            "Update application – Certificates and secrets management ",
            "Core Directory",
            "Update",
            by_user(admin, &ip),
            app_tgt(props(
                key_desc(&[(target.key_id, "Password", "prod-2023"), (new_key, "Password", "prod-2024")]),
                key_desc(&[(new_key, "Password", "prod-2024")]),
            )),
            details,
        ));
        let tr = sp.truth(m, 105, "planned-secret-rotation",
            "The application administrator rotates a client secret from the office network (add new, remove old three days later).",
            vec![upn(t, a)], vec![ip.to_string()], vec![]);
        sp.benign.push(tr);
    }
}

/// The helpdesk disables a leaver's account (precondition of attack 9).
fn disable_leaver(t: &Tenant, c: &Clock, rng: &mut Rng, sp: &mut Specials) {
    if let (Some(d), Some(h)) = (
        t.find_kind(PersonKind::Disabled).first().copied(),
        t.admin_with(role::HELPDESK_ADMIN).or_else(|| t.admin_with(role::USER_ADMIN)),
    ) {
        let admin = &t.people[h];
        let props = vec![
            ModProp::new("AccountEnabled", Some("[true]".into()), Some("[false]".into())),
            ModProp::new("Included Updated Properties", None, Some(jstr("AccountEnabled"))),
        ];
        sp.audits.push(audit(
            rng,
            c.at(0.02, 17.1),
            "UserManagement",
            "Disable account",
            "Core Directory",
            "Update",
            by_user(admin, &t.offices[admin.office].net.ip),
            vec![user_target(&t.people[d].user, props)],
            vec![detail("User-Agent", PORTAL_UA)],
        ));
    }
}

fn hotel(ip: &str, asn: u32, city: &str, state: &str, cc: &str, lat: f64, lon: f64) -> Arc<Net> {
    net(ip, asn, place(city, state, cc, lat, lon), NetKind::Travel, None)
}

/// Low-risk detections that users remediated through MFA: normal noise.
fn background_risk(t: &Tenant, c: &Clock, rng: &mut Rng, pk: &mut Picker, sp: &mut Specials) {
    let n = (t.people.len() / 150).max(2);
    for k in 0..n {
        let Some(i) = pk.pick(t, |_| true) else { break };
        let p = &t.people[i];
        let tm = c.at(0.05 + 0.9 * k as f64 / n as f64, 15.0 + k as f64 % 5.0);
        let n_net = hotel(
            &format!("192.0.2.{}", 220 + k % 30),
            7922,
            &p.home_net.place.city,
            &p.home_net.place.state,
            &p.home_net.place.country,
            p.home_net.place.lat + 0.05,
            p.home_net.place.lon + 0.05,
        );
        let mut si = user_signin(
            t,
            p,
            Kind::Interactive,
            tm,
            &n_net,
            Client::Browser,
            Some(rng.guid()),
            t.app(app::OFFICE_HOME),
            t.resource(res::SHELL_SERVER),
            rng,
        );
        si.mfa_required = true;
        password_steps(&mut si, p, rng);
        si.risk_during = "low";
        si.risk_agg = "low";
        si.risk_state = "remediated";
        si.risk_types = vec!["unfamiliarFeatures"];
        finish_ca(t, p, &mut si);
        let mut d = detection(rng, &si, "unfamiliarFeatures", "unfamiliarFeatures", "low", "realtime", 0);
        d.state = "remediated";
        d.detail = "userPassedMFADrivenByRiskBasedPolicy";
        sp.risks.push(d);
        sp.signins.push(si);
    }
}

/// One riskyUser per user with detections, reflecting the latest state.
fn risky_users(rng: &mut Rng, risks: &[RiskDetection]) -> Vec<RiskyUser> {
    let mut by_user: BTreeMap<Guid, Vec<&RiskDetection>> = BTreeMap::new();
    for r in risks {
        by_user.entry(r.user.id).or_default().push(r);
    }
    let rank = |l: &str| match l {
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    };
    by_user
        .values()
        .map(|v| {
            let last = v.iter().max_by_key(|r| r.t_updated).expect("non-empty");
            let open: Vec<_> = v.iter().filter(|r| r.state == "atRisk").collect();
            let (level, state, detail) = match open.iter().map(|r| rank(r.level)).max() {
                Some(3) => ("high", "atRisk", "none"),
                Some(2) => ("medium", "atRisk", "none"),
                Some(_) => ("low", "atRisk", "none"),
                None => ("none", "remediated", "userPassedMFADrivenByRiskBasedPolicy"),
            };
            RiskyUser {
                t: last.t_updated + rng.range(5_000, 120_000),
                user: last.user.clone(),
                level,
                state,
                detail,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// attacks

fn attack_stories(t: &mut Tenant, c: &Clock, rng: &mut Rng, pk: &mut Picker, sp: &mut Specials) {
    let a = pk.pick(t, |p| p.office == 0);
    let b = pk.pick(t, |p| &*p.home_net.place.country == "US");
    let cc = pk.pick(t, |_| true);
    let d = pk.pick(t, |p| &*p.home_net.place.country == "GB");
    let e = pk.pick(t, |p| &*p.home_net.place.country == "US");
    let f = pk.pick(t, |_| true);
    let h = pk.pick(t, |_| true);
    let g = t.admin_with(role::PRIV_ROLE_ADMIN).or_else(|| t.admin_with(role::GLOBAL_ADMIN));
    if let Some(a) = a {
        spray(t, c, rng, a, sp)
    }
    if let Some(b) = b {
        mfa_fatigue(t, c, rng, b, sp)
    }
    if let Some(f) = f {
        illicit_consent(t, c, rng, f, sp)
    }
    if let Some(x) = cc {
        device_code(t, c, rng, x, sp)
    }
    if let Some(h) = h {
        legacy_auth(t, c, rng, h, sp)
    }
    disabled_account(t, c, rng, sp);
    if let Some(d) = d {
        impossible_travel(t, c, rng, d, sp)
    }
    if let Some(e) = e {
        token_replay(t, c, rng, e, sp)
    }
    if let Some(g) = g {
        privilege_escalation(t, c, rng, g, sp)
    }
}

/// 1. Password spray from one hosting IP, one hit, MFA registration and an app secret.
fn spray(t: &Tenant, c: &Clock, rng: &mut Rng, a: usize, sp: &mut Specials) {
    let m = sp.mark();
    let n = hosting("45.153.160.2", 9009, "Bucharest", "Bucuresti", "RO", 44.4268, 26.1025);
    let dev = rogue_device("Windows10", "Chrome 104.0.0");
    let mut targets: Vec<usize> = t
        .people
        .iter()
        .enumerate()
        .filter(|(i, p)| matches!(p.kind, PersonKind::Member | PersonKind::Admin) && *i != a)
        .map(|(i, _)| i)
        .take(39)
        .collect();
    targets.push(a);
    let mut tm = c.at(0.40, 3.1);
    for &i in &targets {
        let mut si = attacker_signin(
            t,
            &t.people[i],
            Kind::Interactive,
            tm,
            &n,
            &dev,
            UA_O365SPRAY,
            app::OFFICE_HOME,
            res::SHELL_SERVER,
            None,
            rng,
        );
        make_bad_password(&mut si);
        finish_ca(t, &t.people[i], &mut si);
        sp.signins.push(si);
        tm += rng.range(25_000, 80_000);
    }
    let pa = &t.people[a];
    // the hit: password right, MFA registration demanded, attacker enrols its own app
    let hit = tm + 4 * MS_PER_MIN;
    let session = rng.guid();
    let mut pre = attacker_signin(
        t,
        pa,
        Kind::Interactive,
        hit,
        &n,
        &dev,
        UA_O365SPRAY,
        app::OFFICE_HOME,
        res::SHELL_SERVER,
        Some(session),
        rng,
    );
    pre.error = 50079;
    pre.steps = vec![step_password(0, true)];
    pre.additional = Some("User needs to enroll for second factor authentication.");
    finish_ca(t, pa, &mut pre);
    pre.ca_status = "notApplied";
    let mut ok = attacker_signin(
        t,
        pa,
        Kind::Interactive,
        hit + 5 * MS_PER_MIN,
        &n,
        &dev,
        UA_O365SPRAY,
        app::OFFICE_HOME,
        res::SHELL_SERVER,
        Some(session),
        rng,
    );
    ok.steps = vec![
        step_password(0, true),
        step(20_000, "Mobile app notification", true, "MFA successfully completed", MFA_REQ),
    ];
    ok.additional = Some("MFA successfully completed");
    ok.mfa_method = Some("PhoneAppNotification");
    ok.risk_agg = "high";
    ok.risk_state = "atRisk";
    finish_ca(t, pa, &mut ok);
    for k in 0..6 {
        let (ap, rs) = [
            (app::OFFICE_HOME, res::GRAPH),
            (app::SHELL_CLIENT, res::SHELL_SERVER),
            (app::OFFICE_HOME, res::EXO),
        ][k % 3];
        let ni = non_interactive_from(
            t,
            &ok,
            ok.t + (k as i64 + 1) * rng.range(8, 20) * MS_PER_MIN,
            t.app(ap),
            t.resource(rs),
            rng,
        );
        if k == 0 {
            // AzureHound collection with the new Graph token: every directory object type
            const PATHS: [&str; 7] = [
                "users?$select=id,displayName,userPrincipalName,onPremisesSecurityIdentifier&$top=999",
                "groups?$top=999",
                "servicePrincipals?$top=999",
                "applications?$top=999",
                "devices?$top=999",
                "directoryRoles",
                "roleManagement/directory/roleAssignments?$expand=principal",
            ];
            let mut gr = Rng::stream(ni.id.0 as u64, &[0x6772]);
            let mut tq = ni.t + 40_000;
            for j in 0..280 {
                let path = PATHS[j % PATHS.len()];
                let sep = if path.contains('?') { '&' } else { '?' };
                let uri = format!("https://graph.microsoft.com/v1.0/{path}{sep}page={}", j / PATHS.len());
                sp.graph.push(activity::request_from(
                    &ni,
                    tq,
                    gr.guid(),
                    "GET",
                    uri,
                    200,
                    96_000,
                    Some("azurehound/v2.1.7"),
                ));
                tq += gr.range(300, 1_500);
            }
        }
        sp.signins.push(ni);
    }
    let act = Actor { p: pa, ip: n.ip.to_string(), ua: UA_O365SPRAY };
    attacker_mfa_registration(rng, &act, hit, sp);
    app_secret_added(t, rng, &act, hit + 22 * MS_PER_MIN, sp);
    sp.risks.push(detection(rng, &ok, "passwordSpray", "generic", "high", "offline", 14 * MS_PER_HOUR));
    sp.signins.push(pre);
    sp.signins.push(ok);
    let tr = sp.truth(m, 1, "password-spray",
        "o365spray-style spray from one M247 IP: 50126 against 40 accounts within the hour, then the victim's correct password (50079 MFA enrolment interrupt, Authenticator registered by the attacker, success), a second method (SMS) registered after the success, a new client secret on the HR-Connector application, all from the same IP, and an offline passwordSpray detection.",
        vec![upn(t, a)], vec![act.ip.clone()], vec!["SPRAY-IP", "SPRAY-TENANT", "AUTHM-AFTER-RISK", "APP-CRED-ADD", "IDP-CORRELATED"]);
    sp.attacks.push(tr);
}

/// Security-info registration during the interrupted sign-in, and one more
/// method once the attacker is in.
fn attacker_mfa_registration(rng: &mut Rng, act: &Actor, hit: i64, sp: &mut Specials) {
    let corr = rng.guid();
    const APP: &str = "Authenticator App with Notification and Code";
    for (dt, activity, reason, method) in [
        (
            3,
            "User started security info registration",
            "User started the registration for Authenticator App with Notification and Code",
            APP,
        ),
        (
            4,
            "User registered security info",
            "User registered Authenticator App with Notification and Code",
            APP,
        ),
        (
            4,
            "User registered all required security info",
            "User registered all required security info for Multi-Factor Authentication",
            APP,
        ),
        (18, "User registered security info", "User registered Mobile Phone SMS", "Mobile Phone SMS"),
    ] {
        let mut au = audit_in(
            rng,
            corr,
            hit + dt * MS_PER_MIN + dt * 1_371,
            "UserManagement",
            activity,
            "Authentication Methods",
            "Add",
            act.init(),
            vec![user_target(&act.p.user, vec![])],
            vec![detail("AuthenticationMethod", method)],
        );
        au.result_reason = s(reason);
        sp.audits.push(au);
    }
}

/// A client secret on an application the victim owns (note the en dash and
/// the trailing space of the real activity name).
fn app_secret_added(t: &Tenant, rng: &mut Rng, act: &Actor, tm: i64, sp: &mut Specials) {
    let target = t.sps.get(2).unwrap_or(&t.sps[0]);
    let new_key = rng.guid();
    let props = vec![
        ModProp::new(
            "KeyDescription",
            Some(key_desc(&[(target.key_id, "Password", "hr-sync")])),
            Some(key_desc(&[(target.key_id, "Password", "hr-sync"), (new_key, "Password", "key 2")])),
        ),
        ModProp::new("Included Updated Properties", None, Some(jstr("KeyDescription"))),
    ];
    sp.audits.push(audit(
        rng,
        tm,
        "ApplicationManagement",
        "Update application – Certificates and secrets management ",
        "Core Directory",
        "Update",
        act.init(),
        vec![obj_target(&target.w.app_object_id.to_string(), &target.w.name, "Application", props)],
        vec![detail("User-Agent", act.ua), detail("AppId", &target.w.app_id.to_string())],
    ));
}

/// 2. MFA fatigue: push bombing from a Tor exit, then the user gives in.
fn mfa_fatigue(t: &Tenant, c: &Clock, rng: &mut Rng, b: usize, sp: &mut Specials) {
    let m = sp.mark();
    let n = hosting("185.220.101.34", 60729, "Frankfurt am Main", "Hessen", "DE", 50.1109, 8.6821);
    let dev = rogue_device("Windows10", "Chrome 124.0.0");
    let p = &t.people[b];
    let mut tm = c.at(0.45, 22.66);
    for k in 0..9 {
        let mut si = attacker_signin(
            t,
            p,
            Kind::Interactive,
            tm,
            &n,
            &dev,
            UA_CHROME,
            app::OFFICE_HOME,
            res::SHELL_SERVER,
            Some(rng.guid()),
            rng,
        );
        let result = if k % 3 == 2 {
            "MFA denied; user declined the authentication"
        } else {
            "MFA denied; user did not respond to mobile app notification"
        };
        si.error = 500121;
        si.steps =
            vec![step_password(0, true), step(60_000, "Mobile app notification", false, result, MFA_REQ)];
        si.additional = Some("The user didn't complete the MFA prompt. They may have timed out, opted not to authenticate, or encountered an issue with their MFA setup.");
        finish_ca(t, p, &mut si);
        sp.signins.push(si);
        tm += rng.range(75_000, 95_000);
    }
    let mut ok = attacker_signin(
        t,
        p,
        Kind::Interactive,
        tm + 60_000,
        &n,
        &dev,
        UA_CHROME,
        app::OFFICE_HOME,
        res::SHELL_SERVER,
        Some(rng.guid()),
        rng,
    );
    ok.steps = vec![
        step_password(0, true),
        step(25_000, "Mobile app notification", true, "MFA successfully completed", MFA_REQ),
    ];
    ok.additional = Some("MFA successfully completed");
    ok.mfa_method = Some("PhoneAppNotification");
    ok.risk_during = "medium";
    ok.risk_agg = "high";
    ok.risk_state = "atRisk";
    ok.risk_types = vec!["unfamiliarFeatures", "anonymizedIPAddress"];
    finish_ca(t, p, &mut ok);
    for k in 0..4 {
        let ni = non_interactive_from(
            t,
            &ok,
            ok.t + (k + 1) * 11 * MS_PER_MIN,
            t.app(app::OFFICE_HOME),
            t.resource(res::EXO),
            rng,
        );
        sp.signins.push(ni);
    }
    sp.risks.push(detection(rng, &ok, "unfamiliarFeatures", "unfamiliarFeatures", "medium", "realtime", 0));
    sp.risks.push(detection(rng, &ok, "anonymizedIPAddress", "anonymizedIPAddress", "high", "realtime", 0));
    sp.signins.push(ok);
    let tr = sp.truth(m, 2, "mfa-fatigue",
        "Nine 500121 (MFA denied / not answered) sign-ins in about 13 minutes from a Tor exit with the correct password, then an approved push and mail access from the same IP.",
        vec![upn(t, b)], vec![n.ip.to_string()], vec!["MFA-FATIGUE", "MFA-INTERRUPT", "IDP-CORRELATED", "NEW-COUNTRY"]);
    sp.attacks.push(tr);
}

/// 3. Device-code phishing: token issued to an attacker-controlled client.
fn device_code(t: &Tenant, c: &Clock, rng: &mut Rng, x: usize, sp: &mut Specials) {
    let m = sp.mark();
    let n = hosting("103.216.220.45", 20473, "Singapore", "Central Singapore", "SG", 1.3521, 103.8198);
    let dev = rogue_device("Windows10", "Edge 18.19042");
    let p = &t.people[x];
    let tm = c.at(0.55, 15.08);
    let mut si = attacker_signin(
        t,
        p,
        Kind::Interactive,
        tm,
        &n,
        &dev,
        UA_TOKENTACTICS,
        app::OFFICE,
        res::GRAPH,
        Some(rng.guid()),
        rng,
    );
    si.client_app = "Mobile Apps and Desktop clients";
    si.protocol = "deviceCode";
    si.transfer = "deviceCodeFlow";
    si.steps =
        vec![step_password(0, true), step(30_000, p.mfa.0, true, "MFA successfully completed", MFA_REQ)];
    si.additional = Some("MFA successfully completed");
    si.mfa_method = Some(p.mfa.1);
    finish_ca(t, p, &mut si);
    let hops = [
        (app::OFFICE, res::GRAPH),
        (app::TEAMS, res::TEAMS_SVC),
        (app::OUTLOOK_MOBILE, res::EXO),
        (app::OFFICE, res::SPO),
        (app::BROKER, res::DRS),
    ];
    for k in 0..8 {
        let (ap, rs) = hops[k % hops.len()];
        let mut ni = non_interactive_from(
            t,
            &si,
            tm + (k as i64 + 1) * rng.range(9, 25) * MS_PER_MIN,
            t.app(ap),
            t.resource(rs),
            rng,
        );
        ni.transfer = "deviceCodeFlow";
        sp.signins.push(ni);
    }
    sp.signins.push(si);
    let tr = sp.truth(m, 3, "device-code-phishing",
        "Interactive deviceCode / deviceCodeFlow sign-in to Microsoft Office (TokenTactics default client and UA) from a Vultr IP, followed by refresh-token use across FOCI clients from the same IP.",
        vec![upn(t, x)], vec![n.ip.to_string()], vec!["DEVICECODE", "TOOL-TOKENTACTICS", "FOCI-OAUTH-PHISH"]);
    sp.attacks.push(tr);
}

/// 4. Impossible travel: home, then 40 minutes later from another continent.
fn impossible_travel(t: &Tenant, c: &Clock, rng: &mut Rng, d: usize, sp: &mut Specials) {
    let m = sp.mark();
    let p = &t.people[d];
    let far = match &*p.home_net.place.country {
        "US" | "CA" => net(
            "116.87.64.21",
            9506,
            place("Singapore", "Central Singapore", "SG", 1.3521, 103.8198),
            NetKind::Hosting,
            None,
        ),
        "AU" => net(
            "91.64.12.201",
            3209,
            place("Frankfurt am Main", "Hessen", "DE", 50.1109, 8.6821),
            NetKind::Hosting,
            None,
        ),
        _ => net(
            "177.37.142.18",
            26599,
            place("Sao Paulo", "Sao Paulo", "BR", -23.5505, -46.6333),
            NetKind::Hosting,
            None,
        ),
    };
    let t0 = c.at(0.75, 8.15);
    let mut home = user_signin(
        t,
        p,
        Kind::Interactive,
        t0,
        &p.home_net,
        Client::Browser,
        Some(rng.guid()),
        t.app(app::OFFICE_HOME),
        t.resource(res::SHELL_SERVER),
        rng,
    );
    home.mfa_required = true;
    sso_steps(&mut home);
    finish_ca(t, p, &mut home);
    let dev = rogue_device("MacOs", "Safari 17.4");
    let mut away = attacker_signin(t, p, Kind::Interactive, t0 + 40 * MS_PER_MIN, &far, &dev,
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
        app::OFFICE_HOME, res::SHELL_SERVER, Some(rng.guid()), rng);
    away.steps =
        vec![step_password(0, true), step(18_000, p.mfa.0, true, "MFA successfully completed", MFA_REQ)];
    away.additional = Some("MFA successfully completed");
    away.mfa_method = Some(p.mfa.1);
    away.risk_agg = "medium";
    away.risk_state = "atRisk";
    finish_ca(t, p, &mut away);
    for k in 0..3 {
        let ni = non_interactive_from(
            t,
            &away,
            away.t + (k + 1) * 7 * MS_PER_MIN,
            t.app(app::OFFICE_HOME),
            t.resource(res::EXO),
            rng,
        );
        sp.signins.push(ni);
    }
    sp.risks.push(detection(
        rng,
        &away,
        "unlikelyTravel",
        "unlikelyTravel",
        "medium",
        "offline",
        3 * MS_PER_HOUR,
    ));
    let ips = vec![p.home_net.ip.to_string(), far.ip.to_string()];
    sp.signins.push(home);
    sp.signins.push(away);
    let tr = sp.truth(m, 4, "impossible-travel",
        "Successful interactive sign-in from the user's home, then forty minutes later a successful sign-in from a residential ISP more than 8000 km away (not the VPN), with an offline unlikelyTravel detection.",
        vec![upn(t, d)], ips, vec!["IMPOSSIBLE-TRAVEL", "NEW-COUNTRY", "IDP-CORRELATED"]);
    sp.attacks.push(tr);
}

/// 5. AiTM: the victim's session is replayed from cloud hosting by scripts.
fn token_replay(t: &Tenant, c: &Clock, rng: &mut Rng, e: usize, sp: &mut Specials) {
    let m = sp.mark();
    let p = &t.people[e];
    let n = hosting("13.48.92.114", 16509, "Stockholm", "Stockholm", "SE", 59.3293, 18.0686);
    let session = rng.guid();
    let t0 = c.at(0.78, 16.0);
    let mut login = user_signin(
        t,
        p,
        Kind::Interactive,
        t0,
        &p.home_net,
        Client::Browser,
        Some(session),
        t.app(app::OFFICE_HOME),
        t.resource(res::SHELL_SERVER),
        rng,
    );
    login.mfa_required = true;
    password_steps(&mut login, p, rng);
    finish_ca(t, p, &mut login);
    let dev = rogue_device("", "");
    let mut replay = attacker_signin(
        t,
        p,
        Kind::Interactive,
        t0 + 22 * MS_PER_MIN,
        &n,
        &dev,
        "axios/1.7.9",
        app::OFFICE_HOME,
        res::SHELL_SERVER,
        Some(session),
        rng,
    );
    sso_steps(&mut replay);
    replay.risk_agg = "high";
    replay.risk_state = "atRisk";
    finish_ca(t, p, &mut replay);
    let mut first_ni = None;
    for k in 0..6 {
        let rs = if k % 2 == 0 { res::EXO } else { res::GRAPH };
        let mut ni = non_interactive_from(
            t,
            &replay,
            replay.t + (k + 1) * 6 * MS_PER_MIN,
            t.app(app::OFFICE_HOME),
            t.resource(rs),
            rng,
        );
        ni.ua = s(if k < 4 { "python-requests/2.31.0" } else { "axios/1.7.9" });
        first_ni.get_or_insert_with(|| ni.clone());
        sp.signins.push(ni);
    }
    let ni = first_ni.expect("replay events");
    // With the stolen token: page through the inbox, hide replies with an inbox rule, and
    // list the OneDrive root (the scope the report must show).
    // a stream of its own, so the stories' other records stay as they were
    let mut gr = Rng::stream(ni.id.0 as u64, &[0x6772]);
    let mut tq = ni.t + 30_000;
    for k in 0..120 {
        let uri = format!(
            "https://graph.microsoft.com/v1.0/me/mailFolders/inbox/messages?$top=50&$skip={}",
            k * 50
        );
        sp.graph.push(activity::request_from(
            &ni,
            tq,
            gr.guid(),
            "GET",
            uri,
            200,
            180_000,
            Some("python-requests/2.31.0"),
        ));
        tq += gr.range(4_000, 12_000);
    }
    sp.graph.push(activity::request_from(
        &ni,
        tq + 60_000,
        gr.guid(),
        "POST",
        "https://graph.microsoft.com/v1.0/me/mailFolders/inbox/messageRules".into(),
        201,
        640,
        Some("python-requests/2.31.0"),
    ));
    for k in 0..25 {
        let uri = format!("https://graph.microsoft.com/v1.0/me/drive/root/children?$top=200&page={k}");
        sp.graph.push(activity::request_from(
            &ni,
            tq + 120_000 + k * 9_000,
            gr.guid(),
            "GET",
            uri,
            200,
            52_000,
            Some("python-requests/2.31.0"),
        ));
    }
    sp.risks.push(detection(rng, &ni, "anomalousToken", "generic", "high", "offline", 5 * MS_PER_HOUR));
    sp.signins.push(login);
    sp.signins.push(replay);
    let tr = sp.truth(m, 5, "aitm-token-replay",
        "After a normal MFA sign-in from home, the same sessionId is used 22 minutes later from AWS Stockholm by axios and python-requests clients (interactive cookie replay plus refresh-token use); offline anomalousToken detection.",
        vec![upn(t, e)], vec![n.ip.to_string()], vec!["TOKEN-REPLAY", "HTTPLIB-UA", "AITM-OFFICEHOME", "IDP-CORRELATED"]);
    sp.attacks.push(tr);
}

/// 6. Illicit consent grant to a multi-tenant mail-reading app.
fn illicit_consent(t: &Tenant, c: &Clock, rng: &mut Rng, f: usize, sp: &mut Specials) {
    let m = sp.mark();
    let p = &t.people[f];
    let evil = EvilApp { app_id: rng.guid(), sp_id: rng.guid(), name: "Mail Archiver Pro" };
    let tm = c.at(0.5, 14.3);
    let app_arc = Arc::new(App { id: s(&evil.app_id.to_string()), name: s(evil.name) });
    // the consent prompt shows up as a 65001 followed by a success
    let mut ask = user_signin(
        t,
        p,
        Kind::Interactive,
        tm - 40_000,
        &p.home_net,
        Client::Browser,
        Some(rng.guid()),
        app_arc.clone(),
        t.resource(res::GRAPH),
        rng,
    );
    ask.mfa_required = true;
    sso_steps(&mut ask);
    let mut ok = ask.clone();
    ask.error = 65001;
    ask.additional = None;
    finish_ca(t, p, &mut ask);
    ok.id = rng.guid();
    ok.t = tm + 5_000;
    finish_ca(t, p, &mut ok);
    let act = Actor { p, ip: p.home_net.ip.to_string(), ua: "" };
    consent_audits(t, rng, &act, &evil, tm, sp);
    // the app then reads mail on the user's behalf from its own servers
    let n = hosting("45.32.233.11", 20473, "Amsterdam", "Noord-Holland", "NL", 52.3676, 4.9041);
    let mut base = ok.clone();
    base.net = n.clone();
    base.device = rogue_device("", "");
    base.ua = s("Go-http-client/1.1");
    base.session = Some(rng.guid());
    for k in 0..12 {
        let ni = non_interactive_from(
            t,
            &base,
            tm + 20 * MS_PER_MIN + k * rng.range(40, 90) * MS_PER_MIN,
            app_arc.clone(),
            t.resource(res::GRAPH),
            rng,
        );
        // each refreshed token pages through the user's mail (own stream: see token_replay)
        let mut gr = Rng::stream(ni.id.0 as u64, &[0x6772]);
        for j in 0..10 {
            let uri = format!(
                "https://graph.microsoft.com/v1.0/users/{}/messages?$top=100&$skip={}",
                p.user.id,
                (k * 10 + j) * 100
            );
            sp.graph.push(activity::request_from(
                &ni,
                ni.t + 15_000 + j * 6_000,
                gr.guid(),
                "GET",
                uri,
                200,
                240_000,
                None,
            ));
        }
        sp.signins.push(ni);
    }
    sp.signins.push(ask);
    sp.signins.push(ok);
    let tr = sp.truth(m, 6, "illicit-consent-grant",
        "User consent (IsAdminConsent False) to the unknown multi-tenant app \"Mail Archiver Pro\" for Mail.Read Mail.ReadWrite offline_access User.Read, with Add service principal / Add delegated permission grant / Add app role assignment to service principal in one correlation; the app then refreshes the user's tokens from a Vultr IP.",
        vec![upn(t, f)], vec![act.ip.clone(), n.ip.to_string()], vec!["CONSENT-USER-RISKY", "CONSENT-HIGHPRIV", "APP-SP-CREATED"]);
    sp.attacks.push(tr);
}

/// The unknown multi-tenant application of the consent scenario.
struct EvilApp {
    app_id: Guid,
    sp_id: Guid,
    name: &'static str,
}

/// The four audits of one user-consent operation (one correlation id).
fn consent_audits(t: &Tenant, rng: &mut Rng, act: &Actor, evil: &EvilApp, tm: i64, sp: &mut Specials) {
    let scope = "Mail.Read Mail.ReadWrite offline_access User.Read";
    let (app_id, sp_id, name) = (evil.app_id.to_string(), evil.sp_id.to_string(), evil.name);
    let graph = t.resource(res::GRAPH);
    let corr = rng.guid();
    let details = vec![detail("User-Agent", &act.p.browser_ua), detail("AppId", &app_id)];
    let sp_tgt = |props| obj_target(&sp_id, name, "ServicePrincipal", props);
    let graph_tgt = |props| obj_target(&graph.sp_id.to_string(), &graph.name, "ServicePrincipal", props);
    let mut push = |rng: &mut Rng, dt: i64, activity: &str, op: &'static str, targets: Vec<Target>| {
        sp.audits.push(audit_in(
            rng,
            corr,
            tm + dt,
            "ApplicationManagement",
            activity,
            "Core Directory",
            op,
            act.init(),
            targets,
            details.clone(),
        ));
    };
    push(rng, 0, "Add service principal", "Add", vec![sp_tgt(vec![
        ModProp::new("AccountEnabled", None, Some("[true]".into())),
        ModProp::new("AppPrincipalId", None, Some(jarr(&[&app_id]))),
        ModProp::new("DisplayName", None, Some(jarr(&[name]))),
        ModProp::new("AppAddress", None, Some("[{\"AddressType\":0,\"Address\":\"https://mailarchiver-pro.app/auth/callback\",\"ReplyAddressClientType\":1,\"ReplyAddressIndex\":null,\"IsReplyAddressDefault\":false}]".into())),
        ModProp::new("ServicePrincipalName", None, Some(jarr(&[&app_id]))),
        ModProp::new("Included Updated Properties", None, Some(jstr("AccountEnabled, AppPrincipalId, DisplayName, AppAddress, ServicePrincipalName"))),
    ])]);
    let perms = format!("[] => [[Id: {}, ClientId: {sp_id}, PrincipalId: {}, ResourceId: {}, ConsentType: Principal, Scope: {scope}, CreatedDateTime: , LastModifiedDateTime: ]]; ",
        rng.alnum_upper(43), act.p.user.id, graph.sp_id);
    push(
        rng,
        1_000,
        "Consent to application",
        "Assign",
        vec![sp_tgt(vec![
            ModProp::new("ConsentContext.IsAdminConsent", None, Some(jstr("False"))),
            ModProp::new("ConsentContext.IsAppOnly", None, Some(jstr("False"))),
            ModProp::new("ConsentContext.OnBehalfOfAll", None, Some(jstr("False"))),
            ModProp::new("ConsentContext.Tags", None, Some(jstr("WindowsAzureActiveDirectoryIntegratedApp"))),
            ModProp::new("ConsentAction.Permissions", None, Some(jstr(&perms))),
            ModProp::new("TargetId.ServicePrincipalNames", None, Some(jstr(&app_id))),
        ])],
    );
    push(
        rng,
        1_200,
        "Add delegated permission grant",
        "Assign",
        vec![
            graph_tgt(vec![
                ModProp::new("DelegatedPermissionGrant.Scope", None, Some(jstr(&format!(" {scope}")))),
                ModProp::new("DelegatedPermissionGrant.ConsentType", None, Some(jstr("Principal"))),
                ModProp::new("ServicePrincipal.ObjectID", None, Some(jstr(&sp_id))),
            ]),
            sp_tgt(vec![]),
        ],
    );
    let created = jstr(&Ts(tm + 1_500, TimeFmt::IsoMsZ).to_string());
    push(
        rng,
        1_500,
        "Add app role assignment to service principal",
        "Assign",
        vec![
            graph_tgt(vec![
                ModProp::new("AppRole.Id", None, Some(jstr("810c84a8-4a9e-49e6-bf7d-12d183f40d01"))),
                ModProp::new("AppRole.Value", None, Some(jstr("Mail.Read"))),
                ModProp::new("AppRole.DisplayName", None, Some(jstr("Read mail in all mailboxes"))),
                ModProp::new("AppRoleAssignment.CreatedDateTime", None, Some(created.clone())),
                ModProp::new("AppRoleAssignment.LastModifiedDateTime", None, Some(created)),
                ModProp::new("ServicePrincipal.ObjectID", None, Some(jstr(&sp_id))),
                ModProp::new("ServicePrincipal.DisplayName", None, Some(jstr(name))),
                ModProp::new("ServicePrincipal.AppId", None, Some(jstr(&app_id))),
                ModProp::new("ServicePrincipal.Name", None, Some(jstr(&app_id))),
            ]),
            sp_tgt(vec![]),
        ],
    );
}

/// 7 + 10. Compromised privileged admin: backdoor admin, CA off, federation
/// backdoor, and a new secret on a service principal that is then used.
fn privilege_escalation(t: &mut Tenant, c: &Clock, rng: &mut Rng, g: usize, sp: &mut Specials) {
    let t0 = c.at(0.82, 1.5);
    // from the policy change on, sign-ins show CA001 as notEnabled
    t.ca_mfa_off_at = Some(t0 + 22 * MS_PER_MIN);
    let t: &Tenant = t;
    let m = sp.mark();
    let n = hosting("185.220.101.57", 60729, "Frankfurt am Main", "Hessen", "DE", 50.1109, 8.6821);
    admin_session(t, rng, g, &n, t0, sp);
    let act = Actor { p: &t.people[g], ip: n.ip.to_string(), ua: UA_TOR };
    let new_upn = backdoor_admin(t, rng, &act, t0 + 11 * MS_PER_MIN, sp);
    disable_mfa_policy(t, rng, &act, t0 + 22 * MS_PER_MIN, sp);
    federate_domain(rng, &act, t0 + 35 * MS_PER_MIN, sp);
    let tr = sp.truth(m, 7, "privilege-escalation",
        "Privileged Role Administrator signs in from a Tor exit at night, creates svc-sync02 and adds it to Global Administrator outside PIM, disables the MFA Conditional Access policy (state enabled -> disabled) and converts the primary domain to federated with an any.sts issuer.",
        vec![upn(t, g), new_upn], vec![act.ip.clone()],
        vec!["ROLE-ADD-PRIV", "ROLE-OUTSIDE-PIM", "CA-DISABLED", "FED-CHANGE", "TOOL-AADINTERNALS", "PRIV-OUTSIDE-CONTROLS"]);
    sp.attacks.push(tr);
    sp_new_credential(t, rng, &act, t0 + 45 * MS_PER_MIN, sp);
}

/// Who performs a series of attacker audit operations, from where.
struct Actor<'a> {
    p: &'a Person,
    ip: String,
    ua: &'static str,
}

impl Actor<'_> {
    fn init(&self) -> Initiator {
        by_user(self.p, &self.ip)
    }

    fn details(&self) -> Vec<(S, S)> {
        vec![detail("User-Agent", self.ua)]
    }
}

/// The admin's Azure portal session from the Tor exit (an approved MFA prompt).
fn admin_session(t: &Tenant, rng: &mut Rng, g: usize, n: &Arc<Net>, t0: i64, sp: &mut Specials) {
    let p = &t.people[g];
    let dev = rogue_device("Windows10", "Firefox 115.0");
    let mut si = attacker_signin(
        t,
        p,
        Kind::Interactive,
        t0,
        n,
        &dev,
        UA_TOR,
        app::AZURE_PORTAL,
        res::ARM,
        Some(rng.guid()),
        rng,
    );
    si.steps =
        vec![step_password(0, true), step(35_000, p.mfa.0, true, "MFA successfully completed", MFA_REQ)];
    si.additional = Some("MFA successfully completed");
    si.mfa_method = Some(p.mfa.1);
    si.risk_during = "medium";
    si.risk_agg = "medium";
    si.risk_state = "atRisk";
    si.risk_types = vec!["anonymizedIPAddress"];
    finish_ca(t, p, &mut si);
    for k in 0..4 {
        let rs = if k % 2 == 0 { res::ARM } else { res::GRAPH };
        let ni = non_interactive_from(
            t,
            &si,
            t0 + (k + 1) * 9 * MS_PER_MIN,
            t.app(app::AZURE_PORTAL),
            t.resource(rs),
            rng,
        );
        sp.signins.push(ni);
    }
    sp.risks.push(detection(rng, &si, "anonymizedIPAddress", "anonymizedIPAddress", "medium", "realtime", 0));
    sp.signins.push(si);
}

/// "Add user" then "Add member to role" (Global Administrator, not via PIM).
fn backdoor_admin(t: &Tenant, rng: &mut Rng, act: &Actor, tm: i64, sp: &mut Specials) -> String {
    let new_user = User {
        id: rng.guid(),
        upn: s(&format!("svc-sync02@{DOMAIN}")),
        display: s("Sync Service 02"),
        guest: false,
        home_tenant: t.id,
        home_tenant_name: s(tenant::TENANT_NAME),
    };
    sp.audits.push(audit(
        rng,
        tm,
        "UserManagement",
        "Add user",
        "Core Directory",
        "Add",
        act.init(),
        vec![user_target(
            &new_user,
            vec![
                ModProp::new("AccountEnabled", None, Some("[true]".into())),
                ModProp::new("DisplayName", None, Some(jarr(&[&new_user.display]))),
                ModProp::new("UserPrincipalName", None, Some(jarr(&[&new_user.upn]))),
                ModProp::new("UserType", None, Some(jarr(&["Member"]))),
                ModProp::new(
                    "Included Updated Properties",
                    None,
                    Some(jstr("AccountEnabled, DisplayName, UserPrincipalName, UserType")),
                ),
            ],
        )],
        act.details(),
    ));
    let ga_object = Rng::stream(t.seed, &[0x6A]).guid();
    sp.audits.push(audit(
        rng,
        tm + 3 * MS_PER_MIN,
        "RoleManagement",
        "Add member to role",
        "Core Directory",
        "Assign",
        act.init(),
        vec![user_target(&new_user, role_props(role::GLOBAL_ADMIN, ga_object, "TenantAdmins", true))],
        act.details(),
    ));
    new_user.upn.to_string()
}

/// "Update conditional access policy": CA001 state enabled → disabled.
fn disable_mfa_policy(t: &Tenant, rng: &mut Rng, act: &Actor, tm: i64, sp: &mut Specials) {
    let (ca_id, ca_name) = (t.ca_policies[0].id, t.ca_policies[0].name);
    let policy = |state: &str| {
        format!(
        "{{\"id\":\"{ca_id}\",\"displayName\":\"{ca_name}\",\"createdDateTime\":\"2023-03-14T09:12:44.1234567+00:00\",\"state\":\"{state}\",\"conditions\":{{\"applications\":{{\"includeApplications\":[\"All\"]}},\"users\":{{\"includeUsers\":[\"All\"],\"excludeUsers\":[],\"excludeGroups\":[]}},\"locations\":{{\"includeLocations\":[\"All\"],\"excludeLocations\":[\"AllTrusted\"]}},\"clientAppTypes\":[\"all\"]}},\"grantControls\":{{\"operator\":\"OR\",\"builtInControls\":[\"mfa\"]}}}}")
    };
    sp.audits.push(audit(
        rng,
        tm,
        "Policy",
        "Update conditional access policy",
        "Conditional Access",
        "Update",
        act.init(),
        vec![obj_target(
            &ca_id.to_string(),
            ca_name,
            "Policy",
            vec![ModProp::new("ConditionalAccessPolicy", Some(policy("enabled")), Some(policy("disabled")))],
        )],
        act.details(),
    ));
}

/// AADInternals-style federation backdoor on the primary domain.
fn federate_domain(rng: &mut Rng, act: &Actor, tm: i64, sp: &mut Specials) {
    let issuer = format!("http://any.sts/{}", rng.alnum_upper(8));
    sp.audits.push(audit(
        rng,
        tm,
        "DirectoryManagement",
        "Set domain authentication",
        "Core Directory",
        "Set",
        act.init(),
        vec![obj_target(
            DOMAIN,
            DOMAIN,
            "Directory",
            vec![
                ModProp::new("LiveType", Some(jstr("Managed")), Some(jstr("Federated"))),
                ModProp::new("IssuerUri", None, Some(jstr(&issuer))),
            ],
        )],
        act.details(),
    ));
    let cert = format!("MIIC8DCCAdigAwIBAgIQ{}", rng.alnum_upper(40));
    sp.audits.push(audit(
        rng,
        tm + MS_PER_MIN,
        "DirectoryManagement",
        "Set federation settings on domain",
        "Core Directory",
        "Set",
        act.init(),
        vec![obj_target(
            DOMAIN,
            DOMAIN,
            "Directory",
            vec![
                ModProp::new("IssuerUri", None, Some(jstr(&issuer))),
                ModProp::new("PassiveLogOnUri", None, Some(jstr("https://any.sts/adfs/ls/"))),
                ModProp::new(
                    "ActiveLogOnUri",
                    None,
                    Some(jstr("https://any.sts/adfs/services/trust/2005/usernamemixed")),
                ),
                ModProp::new("LogOffUri", None, Some(jstr("https://any.sts/adfs/ls/"))),
                ModProp::new(
                    "MetadataExchangeUri",
                    None,
                    Some(jstr("https://any.sts/adfs/services/trust/mex")),
                ),
                ModProp::new("SigningCertificate", None, Some(jstr(&cert))),
                ModProp::new("PreferredAuthenticationProtocol", None, Some(jstr("WsFed"))),
                ModProp::new("FederationBrandName", None, Some(jstr(tenant::TENANT_NAME))),
            ],
        )],
        act.details(),
    ));
}

/// 10. New password credential on a service principal, then used from a new IP.
fn sp_new_credential(t: &Tenant, rng: &mut Rng, act: &Actor, tm: i64, sp: &mut Specials) {
    let m = sp.mark();
    let target = &t.sps[0];
    let new_key = rng.guid();
    let app_id = target.w.app_id.to_string();
    sp.audits.push(audit(
        rng,
        tm,
        "ApplicationManagement",
        "Add service principal credentials",
        "Core Directory",
        "Update",
        act.init(),
        vec![obj_target(
            &target.w.sp_id.to_string(),
            &target.w.name,
            "ServicePrincipal",
            vec![
                ModProp::new(
                    "KeyDescription",
                    Some(key_desc(&[(target.key_id, "Password", "payroll-prod")])),
                    Some(key_desc(&[
                        (target.key_id, "Password", "payroll-prod"),
                        (new_key, "Password", "sync"),
                    ])),
                ),
                ModProp::new("Included Updated Properties", None, Some(jstr("KeyDescription"))),
                ModProp::new("TargetId.ServicePrincipalNames", None, Some(jstr(&app_id))),
            ],
        )],
        vec![detail("User-Agent", act.ua), detail("AppId", &app_id)],
    ));
    let sp_net = hosting("104.248.12.77", 14061, "Amsterdam", "Noord-Holland", "NL", 52.3676, 4.9041);
    let start = tm + 25 * MS_PER_MIN;
    let mut bad =
        workload_signin(t, Kind::ServicePrincipal, &target.w, start, &sp_net, t.resource(res::GRAPH), rng);
    bad.error = 7000215;
    sp.signins.push(bad);
    for k in 0..6 {
        let mut si = workload_signin(
            t,
            Kind::ServicePrincipal,
            &target.w,
            start + 2 * MS_PER_MIN + k * 17 * MS_PER_MIN,
            &sp_net,
            t.resource(res::GRAPH),
            rng,
        );
        si.cred_key = Some(new_key);
        if k == 0 {
            sp.sp_risks.push(SpRisk {
                t: si.t,
                id: Rng::stream(si.id.0 as u64, &[0x7370]).guid(),
                workload: target.w.clone(),
                ip: sp_net.ip.clone(),
                event_type: "suspiciousSignins",
                level: "high",
            });
            sp.risky_sps.push(RiskySp {
                t: si.t + 45 * MS_PER_MIN,
                workload: target.w.clone(),
                level: "high",
                state: "atRisk",
            });
        }
        sp.signins.push(si);
    }
    let tr = sp.truth(m, 10, "service-principal-new-credential",
        "The compromised admin adds a password credential to the Fabrikam Payroll Sync service principal; 25 minutes later the SP signs in from a DigitalOcean IP with that new key id (one 7000215 first).",
        vec![act.p.user.upn.to_string()], vec![act.ip.clone(), sp_net.ip.to_string()], vec!["APP-CRED-ADD", "SP-NEW-SOURCE", "SP-NEW-KEY-USED"]);
    sp.attacks.push(tr);
}

/// 8. Legacy-protocol spray with the BAV2ROPC user agent and an IMAP foothold.
fn legacy_auth(t: &Tenant, c: &Clock, rng: &mut Rng, h: usize, sp: &mut Specials) {
    let m = sp.mark();
    let n = hosting("165.227.139.8", 14061, "Clifton", "New Jersey", "US", 40.8584, -74.1638);
    let dev = rogue_device("", "");
    let legacy = ["Authenticated SMTP", "IMAP4", "Exchange ActiveSync"];
    let mut targets: Vec<usize> = t
        .people
        .iter()
        .enumerate()
        .filter(|(i, p)| p.kind == PersonKind::Member && *i != h)
        .map(|(i, _)| i)
        .rev()
        .take(14)
        .collect();
    targets.push(h);
    let mut tm = c.at(0.6, 6.0);
    let mk = |p: &Person, tm: i64, client: &'static str, rng: &mut Rng| {
        let mut si = attacker_signin(
            t,
            p,
            Kind::Interactive,
            tm,
            &n,
            &dev,
            "BAV2ROPC",
            app::EXO_CLIENT,
            res::EXO,
            None,
            rng,
        );
        si.client_app = client;
        si.protocol = "ropc";
        si.mfa_required = false;
        si.steps = vec![step_password(0, true)];
        si
    };
    for (k, &i) in targets.iter().enumerate() {
        let p = &t.people[i];
        let mut si = mk(p, tm, legacy[k % 3], rng);
        make_bad_password(&mut si);
        finish_ca(t, p, &mut si);
        sp.signins.push(si);
        tm += rng.range(60_000, 150_000);
    }
    let p = &t.people[h];
    for k in 0..6 {
        let mut si = mk(p, tm + 3 * MS_PER_MIN + k * 41 * MS_PER_MIN, "IMAP4", rng);
        finish_ca(t, p, &mut si);
        sp.signins.push(si);
    }
    let tr = sp.truth(m, 8, "legacy-auth-spray",
        "BAV2ROPC / ROPC spray over Authenticated SMTP, IMAP4 and Exchange ActiveSync against 15 users from one DigitalOcean IP, then repeated single-factor IMAP4 successes for one user (the legacy-auth block policy is report-only).",
        vec![upn(t, h)], vec![n.ip.to_string()], vec!["LEGACY-SUCCESS", "LEGACY-FAIL", "ROPC-SFA", "HTTPLIB-UA", "SPRAY-IP", "POS-LEGACY"]);
    sp.attacks.push(tr);
}

/// 9. Attempts against a disabled leaver account from one IP.
fn disabled_account(t: &Tenant, c: &Clock, rng: &mut Rng, sp: &mut Specials) {
    let Some(d) = t.find_kind(PersonKind::Disabled).first().copied() else { return };
    let m = sp.mark();
    let p = &t.people[d];
    let n = hosting("89.187.163.50", 60068, "Prague", "Hlavni mesto Praha", "CZ", 50.0755, 14.4378);
    let dev = rogue_device("Windows10", "Chrome 120.0.0");
    let apps = [
        (app::AZURE_PORTAL, res::ARM),
        (app::OFFICE_HOME, res::SHELL_SERVER),
        (app::TEAMS, res::TEAMS_SVC),
        (app::OFFICE, res::EXO),
    ];
    let mut tm = c.at(0.65, 11.33);
    for k in 0..8 {
        let (a, r) = apps[k % apps.len()];
        let mut si = attacker_signin(t, p, Kind::Interactive, tm, &n, &dev,
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", a, r, None, rng);
        si.error = 50057;
        si.steps = vec![step_password(0, false)];
        si.additional = None;
        finish_ca(t, p, &mut si);
        sp.signins.push(si);
        tm += rng.range(30_000, 60_000);
    }
    let tr = sp.truth(m, 9, "disabled-account-attempts",
        "Eight 50057 (account disabled) sign-in attempts across four apps within six minutes against the leaver account disabled earlier in the window, all from one Datacamp IP.",
        vec![p.user.upn.to_string()], vec![n.ip.to_string()], vec!["DISABLED-IP", "DISABLED-APPS"]);
    sp.attacks.push(tr);
}

// ---------------------------------------------------------------------------
// ground truth

fn truth_json(x: &Truth) -> Value {
    let ts = |ms: i64| {
        if ms == i64::MAX || ms == i64::MIN {
            Value::Null
        } else {
            Value::String(Ts(ms, TimeFmt::IsoMsZ).to_string())
        }
    };
    json!({
        "id": x.id,
        "name": x.name,
        "description": x.description,
        "users": x.users,
        "ips": x.ips,
        "start": ts(x.start),
        "end": ts(x.end),
        "records": {"signins": x.signins, "audits": x.audits, "riskDetections": x.risks},
        "expectedDetections": x.expected,
    })
}

pub fn ground_truth(t: &Tenant, sp: &Specials, w0: i64, w1: i64) -> Value {
    let mut sorted: Vec<&Truth> = sp.attacks.iter().collect();
    sorted.sort_by_key(|x| x.id);
    let attacks: Vec<Value> = sorted.into_iter().map(truth_json).collect();
    let mut v = json!({
        "generator": "entrascope generate",
        "tenantId": t.id.to_string(),
        "tenantDomain": DOMAIN,
        "logAnalyticsWorkspaceId": t.workspace.to_string(),
        "window": {"start": Ts(w0, TimeFmt::IsoMsZ).to_string(), "end": Ts(w1, TimeFmt::IsoMsZ).to_string()},
        "networks": {
            "officeEgress": t.offices.iter().map(|o| json!({"office": o.name, "ip": &*o.net.ip})).collect::<Vec<_>>(),
            "corporateVpnEgress": &*t.vpn.ip,
            "documentationRanges": ["198.51.100.0/24", "203.0.113.0/24", "192.0.2.0/24"],
        },
        "breakGlassAccounts": t.find_kind(PersonKind::BreakGlass).iter().map(|&i| t.people[i].user.upn.to_string()).collect::<Vec<_>>(),
        "scenarios": attacks,
        "benign": sp.benign.iter().map(truth_json).collect::<Vec<_>>(),
    });
    // only with --noise, so that the file stays byte-identical without it
    if !sp.noise.is_empty() {
        v["noise"] = Value::Array(sp.noise.iter().map(truth_json).collect());
    }
    v
}
