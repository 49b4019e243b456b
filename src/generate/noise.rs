//! `--noise`: the ordinary chaos of a real mid-size tenant, on benign users.
//!
//! The baseline (`simulate`) is tidy: people sign in from home, the office or
//! the VPN, and the look-alikes in `scenarios` are a handful of hand-placed
//! stories. Real tenants are louder, and detections tuned on a tidy tenant
//! fire all day on a real one. This module adds that loudness, all of it
//! benign and all of it from the tenant's own users and principals:
//!
//! 1. a cloud web proxy whose egress hops between countries, plus split tunnels;
//! 2. carrier-grade NAT on phones: shared addresses, jumping geolocation;
//! 3. iCloud Private Relay egress geolocated to a nearby city;
//! 4. real trips with feasible flight times, then hotel Wi-Fi for days;
//! 5. password typos, expired passwords, MFA timeouts and mistaken declines;
//! 6. lockouts behind the office NAT, old mail clients retrying legacy auth;
//! 7. helpdesk resets and user updates, extra PIM activations;
//! 8. a secret rotation that moves a service principal, CI/CD principals
//!    with SDK user agents;
//! 9. guest invitations, device registrations, Conditional Access edits,
//!    developer app registrations;
//! 10. a leaver's phone retrying a disabled account for days.
//!
//! Every episode becomes one `noise` entry of `ground-truth.json` (ids from
//! [`FIRST_ID`], same shape as the benign look-alikes, `expectedDetections:
//! []`), so a finding on noise counts as a false positive. Each kind has one
//! function whose comment names the public source of its rate; "(estimate)"
//! marks our own numbers. Counts scale with members × days.
//!
//! Ground rules: noise touches only the members no story picked (the scenario
//! picker's free list), the admins for admin work and the tenant's own
//! principals; noise runs after the stories on random streams of its own (one
//! per kind; users come round-robin from the free list), so the baseline and
//! the stories keep their bytes and nothing changes without `--noise`; the
//! baseline only follows where it must (flights, hotels, leavers, a moved
//! service principal, see `Tenant::offline` / `sp_moves`); nothing looks like an
//! attack (no failures spread over many users from one IP, no attack-tool
//! user agents). IP addresses are illustrative, shaped like each operator's
//! published space; the ASN and the location are what detections read.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use super::audits::*;
use super::model::*;
use super::rng::{Guid, Rng};
use super::scenarios::{key_desc, Specials, Truth};
use super::simulate::*;
use super::tenant::{
    app, net, place, res, role, Offline, Person, PersonKind, SpMove, Tenant, Travel, INITIAL_DOMAIN,
};

const TAG_NOISE: u64 = 0x4015E;

/// Noise ids start here (attacks are 1–10, look-alikes 101+).
pub const FIRST_ID: u32 = 201;

/// One random stream per kind: changing one kind's draws leaves the others' alone.
#[derive(Clone, Copy)]
enum Stream {
    Trip = 1,
    Leaver,
    Proxy,
    Cgnat,
    Relay,
    Typo,
    Expired,
    MfaTimeout,
    MfaDecline,
    Lockout,
    Legacy,
    Helpdesk,
    Pim,
    SpRotation,
    Cicd,
    Guest,
    Device,
    CaEdit,
    AppReg,
}

/// Add the noise to the plan. Runs after every story, so the scenario
/// picker's `free` members are exactly the users no story touched.
pub fn add(t: &mut Tenant, seed: u64, w0: i64, w1: i64, free: Vec<usize>, sp: &mut Specials) {
    let (out, edits) = {
        let mut n = Noise::new(t, seed, w0, w1, free);
        n.run();
        (n.out, n.edits)
    };
    t.travel.extend(edits.travel);
    t.offline.extend(edits.offline);
    t.sp_moves.extend(edits.sp_moves);
    sp.signins.extend(out.signins);
    sp.audits.extend(out.audits);
    sp.noise.extend(out.truths);
}

/// The `## Noise` section of the generated README (empty without noise).
pub fn readme(sp: &Specials) -> String {
    let mut r = String::new();
    if sp.noise.is_empty() {
        return r;
    }
    // per kind: entries, users, sign-ins, audits, description (first-seen order)
    let mut kinds: Vec<(&str, &str)> = Vec::new();
    let mut counts: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    let mut users: BTreeMap<&str, std::collections::BTreeSet<&str>> = BTreeMap::new();
    for x in &sp.noise {
        if !kinds.iter().any(|(n, _)| *n == x.name) {
            kinds.push((x.name, x.description));
        }
        let c = counts.entry(x.name).or_default();
        c[0] += 1;
        c[1] += x.signins;
        c[2] += x.audits;
        users.entry(x.name).or_default().extend(x.users.iter().map(|u| u.as_str()));
    }
    let _ = writeln!(r, "\n## Noise (see ground-truth.json, ids from {FIRST_ID})\n");
    let _ = writeln!(r, "Benign chaos of a real tenant on users no scenario touches; every episode is a `noise` entry with no expected detections.\n");
    let _ = writeln!(r, "| kind | entries | users/principals | sign-ins | audits |");
    let _ = writeln!(r, "|---|---:|---:|---:|---:|");
    for (name, _) in &kinds {
        let c = counts[name];
        let _ = writeln!(r, "| {name} | {} | {} | {} | {} |", c[0], users[name].len(), c[1], c[2]);
    }
    let _ = writeln!(r);
    for (name, description) in &kinds {
        let _ = writeln!(r, "- **{name}**: {description}");
    }
    let _ = writeln!(r, "\nNoise networks (illustrative addresses, real operator ASNs): Zscaler-like proxy egress (AS53813, AS62044), mobile carriers' CGNAT (AS21928, AS6167, AS20057, AS12576, AS25135, AS35228, AS3320, AS3209, AS6805, AS812, AS36522, AS852, AS1221, AS4804, AS133612), iCloud Private Relay egress (AS36183, AS13335, AS54113), airport and hotel Wi-Fi, and CI/CD runners in Azure, AWS and Google Cloud.");
    r
}

// ---------------------------------------------------------------------------
// bookkeeping

/// Records and truth of one episode (one truth entry).
#[derive(Default)]
struct Episode {
    signins: Vec<SignIn>,
    audits: Vec<Audit>,
    users: Vec<String>,
    ips: Vec<String>,
}

impl Episode {
    fn of(who: &[&str]) -> Episode {
        let mut e = Episode::default();
        for w in who {
            push_unique(&mut e.users, w);
        }
        e
    }
}

fn push_unique(v: &mut Vec<String>, x: &str) {
    if !x.is_empty() && !v.iter().any(|y| y == x) {
        v.push(x.to_string());
    }
}

#[derive(Default)]
struct Out {
    truths: Vec<Truth>,
    signins: Vec<SignIn>,
    audits: Vec<Audit>,
}

/// Changes to the tenant that the baseline must follow.
#[derive(Default)]
struct Edits {
    travel: Vec<Travel>,
    offline: Vec<Offline>,
    sp_moves: Vec<SpMove>,
}

struct Noise<'a> {
    t: &'a Tenant,
    seed: u64,
    w0: i64,
    w1: i64,
    /// Midnight UTC of the first day and the number of (partial) days.
    day0: i64,
    ndays: i64,
    /// Members and admins: what per-user rates scale with.
    members: f64,
    /// Window length in days: what per-day rates scale with.
    days: f64,
    /// Free members several kinds may share (travellers and leavers are
    /// taken out, since they are elsewhere or gone).
    shared: Vec<usize>,
    cursor: usize,
    out: Out,
    edits: Edits,
}

impl<'a> Noise<'a> {
    fn new(t: &'a Tenant, seed: u64, w0: i64, w1: i64, free: Vec<usize>) -> Noise<'a> {
        let day0 = w0.div_euclid(MS_PER_DAY) * MS_PER_DAY;
        let members =
            t.people.iter().filter(|p| matches!(p.kind, PersonKind::Member | PersonKind::Admin)).count();
        Noise {
            t,
            seed,
            w0,
            w1,
            day0,
            ndays: ((w1 - day0 + MS_PER_DAY - 1) / MS_PER_DAY).max(1),
            members: members as f64,
            days: (w1 - w0) as f64 / MS_PER_DAY as f64,
            shared: free,
            cursor: 0,
            out: Out::default(),
            edits: Edits::default(),
        }
    }

    fn run(&mut self) {
        // users who are away or gone first: nobody else may use them
        self.trips();
        self.leaver_phone();
        self.cloud_proxy();
        self.mobile_cgnat();
        self.private_relay();
        self.password_typos();
        self.expired_passwords();
        self.mfa_timeouts();
        self.mfa_declines();
        self.office_lockouts();
        self.legacy_mail_client();
        self.helpdesk();
        self.pim_activations();
        self.sp_rotation();
        self.cicd_principals();
        self.guest_invitations();
        self.device_registrations();
        self.ca_edits();
        self.app_registrations();
    }

    fn stream(&self, s: Stream) -> Rng {
        Rng::stream(self.seed, &[TAG_NOISE, s as u64])
    }

    /// Events for a rate per member per day; at least one, so that small
    /// tenants show every kind.
    fn per_member_day(&self, rate: f64) -> usize {
        ((self.members * self.days * rate).round() as usize).max(1)
    }

    /// Users for a share of the members; at least one.
    fn share(&self, share: f64) -> usize {
        ((self.members * share).round() as usize).max(1)
    }

    /// Up to `n` free members nobody else may use; keeps a few for the rest.
    fn take_exclusive(&mut self, n: usize, pred: impl Fn(&Person) -> bool) -> Vec<usize> {
        let t = self.t;
        let n = n.min(self.shared.len().saturating_sub(4) / 4);
        let chosen: Vec<usize> =
            self.shared.iter().copied().filter(|&i| pred(&t.people[i])).take(n).collect();
        self.shared.retain(|i| !chosen.contains(i));
        chosen
    }

    /// `n` shared members matching `pred`, round-robin so that kinds spread
    /// over different people (distinct within a call while they last).
    fn draw(&mut self, n: usize, pred: impl Fn(&Person) -> bool) -> Vec<usize> {
        let t = self.t;
        let cands: Vec<usize> = self.shared.iter().copied().filter(|&i| pred(&t.people[i])).collect();
        if cands.is_empty() {
            return Vec::new();
        }
        let out = (0..n).map(|k| cands[(self.cursor + k) % cands.len()]).collect();
        self.cursor += n;
        out
    }

    fn one(&mut self, pred: impl Fn(&Person) -> bool) -> Option<usize> {
        self.draw(1, pred).first().copied()
    }

    fn is_weekday(&self, d: i64) -> bool {
        civil(self.day0 + d * MS_PER_DAY).weekday < 5
    }

    /// A random working day of the window (any day if there is none).
    fn weekday(&self, rng: &mut Rng) -> i64 {
        let days: Vec<i64> = (0..self.ndays).filter(|&d| self.is_weekday(d)).collect();
        if days.is_empty() {
            rng.below(self.ndays as u64) as i64
        } else {
            *rng.pick(&days)
        }
    }

    /// Local clock `hour` of `p` on the window's `d`-th day, plus a random
    /// minute and second; moved a day into the window where the time zone
    /// pushes it out (Sydney mornings of the first day are still the day
    /// before in UTC).
    fn at(&self, p: &Person, d: i64, hour: f64, rng: &mut Rng) -> i64 {
        let tm = self.day0 + d * MS_PER_DAY - p.utc_offset_ms
            + (hour * MS_PER_HOUR as f64) as i64
            + rng.range(0, 59_999);
        if tm < self.w0 {
            tm + MS_PER_DAY
        } else if tm >= self.w1 - MS_PER_HOUR {
            tm - MS_PER_DAY
        } else {
            tm
        }
    }

    /// Keep what falls inside the window and record one truth entry.
    fn finish(&mut self, name: &'static str, description: &'static str, mut ep: Episode) {
        let keep = |x: i64| x >= self.w0 && x < self.w1;
        ep.signins.retain(|x| keep(x.t));
        ep.audits.retain(|x| keep(x.t));
        if ep.signins.is_empty() && ep.audits.is_empty() {
            return;
        }
        let mut ips = std::mem::take(&mut ep.ips);
        for x in &ep.signins {
            push_unique(&mut ips, &x.net.ip);
        }
        for x in &ep.audits {
            push_unique(&mut ips, x.initiator.ip().unwrap_or(""));
        }
        let times = ep.signins.iter().map(|x| x.t).chain(ep.audits.iter().map(|x| x.t));
        let (start, end) = times.fold((i64::MAX, i64::MIN), |(a, b), t| (a.min(t), b.max(t)));
        self.out.truths.push(Truth {
            id: FIRST_ID + self.out.truths.len() as u32,
            name,
            description,
            users: ep.users,
            ips,
            expected: vec![],
            start,
            end,
            signins: ep.signins.len(),
            audits: ep.audits.len(),
            risks: 0,
        });
        self.out.signins.extend(ep.signins);
        self.out.audits.extend(ep.audits);
    }

    /// The office NAT in working hours for office goers, else home.
    fn where_is(&self, rng: &mut Rng, p: &Person, d: i64, hour: f64) -> Arc<Net> {
        if self.is_weekday(d) && (8.0..17.5).contains(&hour) && rng.chance(p.office_goer) {
            self.t.offices[p.office].net.clone()
        } else {
            p.home_net.clone()
        }
    }

    fn helpdesk_admin(&self) -> Option<usize> {
        self.t.admin_with(role::HELPDESK_ADMIN).or_else(|| self.t.admin_with(role::USER_ADMIN))
    }

    fn admin_ip(&self, a: usize) -> S {
        let p = &self.t.people[a];
        self.t.offices[p.office].net.ip.clone()
    }
}

// ---------------------------------------------------------------------------
// record builders (thin wrappers over the simulate/audits builders)

type Pair = (&'static str, &'static str);
const BROWSER_REFRESH: &[(Pair, Pair)] =
    &[(app::SHELL_CLIENT, res::SHELL_SERVER), (app::OFFICE_HOME, res::GRAPH), (app::TEAMS, res::TEAMS_SVC)];
const DESKTOP_REFRESH: &[(Pair, Pair)] = &[
    (app::OFFICE, res::EXO),
    (app::TEAMS, res::TEAMS_SVC),
    (app::ONEDRIVE, res::SPO),
    (app::OFFICE, res::SPO),
];
const PHONE_REFRESH: &[(Pair, Pair)] =
    &[(app::OUTLOOK_MOBILE, res::EXO), (app::TEAMS, res::TEAMS_SVC), (app::OUTLOOK_MOBILE, res::GRAPH)];

/// An interactive sign-in on `client` from `n`: password (and MFA when CA
/// wants it off the trusted networks) when `fresh`, else single sign-on.
fn login(
    t: &Tenant,
    p: &Person,
    client: Client,
    tm: i64,
    n: &Arc<Net>,
    fresh: bool,
    rng: &mut Rng,
) -> SignIn {
    let (a, r) = match client {
        Client::Browser => (app::OFFICE_HOME, res::SHELL_SERVER),
        Client::Desktop => (app::OFFICE, res::EXO),
        Client::Phone => (app::OUTLOOK_MOBILE, res::EXO),
    };
    let mut si =
        user_signin(t, p, Kind::Interactive, tm, n, client, Some(rng.guid()), t.app(a), t.resource(r), rng);
    si.mfa_required = !matches!(n.kind, NetKind::Office | NetKind::Vpn);
    if fresh {
        password_steps(&mut si, p, rng);
    } else {
        sso_steps(&mut si);
    }
    finish_ca(t, p, &mut si);
    si
}

/// A token refresh of `base`'s session, by one of `client`'s apps, from `n`.
fn refresh(t: &Tenant, base: &SignIn, client: Client, tm: i64, n: &Arc<Net>, rng: &mut Rng) -> SignIn {
    let list = match client {
        Client::Browser => BROWSER_REFRESH,
        Client::Desktop => DESKTOP_REFRESH,
        Client::Phone => PHONE_REFRESH,
    };
    let (a, r) = *rng.pick(list);
    let mut ni = non_interactive_from(t, base, tm, t.app(a), t.resource(r), rng);
    ni.net = n.clone();
    ni
}

/// A failed attempt of the same flow as `ok` (same device and network) at `tm`.
fn failed_like(t: &Tenant, p: &Person, ok: &SignIn, tm: i64, rng: &mut Rng) -> SignIn {
    let mut bad = ok.clone();
    bad.t = tm;
    bad.id = rng.guid();
    bad.correlation = rng.guid();
    bad.uti = s(&rng.token_id());
    make_bad_password(&mut bad);
    finish_ca(t, p, &mut bad);
    bad
}

/// A push MFA prompt that failed with `result` (500121), password correct.
fn mfa_failed_like(
    t: &Tenant,
    p: &Person,
    ok: &SignIn,
    tm: i64,
    result: &'static str,
    rng: &mut Rng,
) -> SignIn {
    let mut bad = ok.clone();
    bad.t = tm;
    bad.id = rng.guid();
    bad.correlation = rng.guid();
    bad.uti = s(&rng.token_id());
    bad.error = 500121;
    bad.steps =
        vec![step_password(0, true), step(rng.range(20_000, 70_000), p.mfa.0, false, result, MFA_REQ)];
    bad.additional = Some("The user didn't complete the MFA prompt. They may have timed out, opted not to authenticate, or encountered an issue with their MFA setup.");
    bad.mfa_method = None;
    finish_ca(t, p, &mut bad);
    bad
}

fn site_net(
    ip: &str,
    asn: u32,
    (city, state, cc, lat, lon): (&str, &str, &str, f64, f64),
    kind: NetKind,
) -> Arc<Net> {
    net(ip, asn, place(city, state, cc, lat, lon), kind, None)
}

/// Minutes as milliseconds, with a random second.
fn mins(rng: &mut Rng, lo: i64, hi: i64) -> i64 {
    rng.range(lo, hi) * MS_PER_MIN + rng.range(0, 59_999)
}

const UA_SAFARI_IOS: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1";
const UA_BAV2ROPC: &str = "BAV2ROPC";
/// What an old mail client speaks: fetch (IMAP4 or POP3) and often send.
const OLD_MAIL_CLIENTS: &[&[&str]] =
    &[&["IMAP4", "Authenticated SMTP"], &["POP3", "Authenticated SMTP"], &["IMAP4"]];
const UPDATE_CREDS: &str = "Update application – Certificates and secrets management ";

// ---------------------------------------------------------------------------
// 1–3: networks that move people around the map

/// A secure-web-gateway data centre: (city, state, country, lat, lon, /24, ASN).
type Site = (&'static str, &'static str, &'static str, f64, f64, &'static str, u32);

/// Zscaler's US (ZSCALER-INC) and Swiss (Zscaler Switzerland GmbH) ASNs.
/// Neither is in the hosting list of `enrich/fingerprint.rs`, like real SWG
/// egress: it is neither hosting nor the user's ISP.
const ZS_US: u32 = 53813;
const ZS_CH: u32 = 62044;

/// Gateway data centres per office (Seattle, London, Munich, Toronto,
/// Sydney), nearest first. Prefixes are shaped like Zscaler's published
/// ranges (165.225.0.0/17, 147.161.128.0/17, 136.226.0.0/16; see
/// config.zscaler.com / help.zscaler.com "Zscaler Service Endpoints").
const PROXY_SITES: [&[Site]; 5] = [
    &[
        ("Seattle", "Washington", "US", 47.6062, -122.3321, "136.226.62", ZS_US),
        ("San Jose", "California", "US", 37.3382, -121.8863, "165.225.242", ZS_US),
        ("Chicago", "Illinois", "US", 41.8781, -87.6298, "165.225.8", ZS_US),
    ],
    &[
        ("London", "England", "GB", 51.5074, -0.1278, "147.161.166", ZS_CH),
        ("Amsterdam", "Noord-Holland", "NL", 52.3676, 4.9041, "147.161.172", ZS_CH),
        ("Frankfurt am Main", "Hessen", "DE", 50.1109, 8.6821, "165.225.72", ZS_CH),
        ("Manchester", "England", "GB", 53.4808, -2.2426, "165.225.80", ZS_CH),
    ],
    &[
        ("Frankfurt am Main", "Hessen", "DE", 50.1109, 8.6821, "165.225.72", ZS_CH),
        ("Munich", "Bayern", "DE", 48.1351, 11.5820, "165.225.26", ZS_CH),
        ("Amsterdam", "Noord-Holland", "NL", 52.3676, 4.9041, "147.161.172", ZS_CH),
        ("London", "England", "GB", 51.5074, -0.1278, "147.161.166", ZS_CH),
    ],
    &[
        ("Toronto", "Ontario", "CA", 43.6532, -79.3832, "165.225.208", ZS_US),
        ("New York", "New York", "US", 40.7128, -74.0060, "165.225.38", ZS_US),
        ("Chicago", "Illinois", "US", 41.8781, -87.6298, "165.225.8", ZS_US),
    ],
    &[
        ("Sydney", "New South Wales", "AU", -33.8688, 151.2093, "165.225.114", ZS_CH),
        ("Melbourne", "Victoria", "AU", -37.8136, 144.9631, "147.161.214", ZS_CH),
        ("Singapore", "Central Singapore", "SG", 1.3521, 103.8198, "165.225.112", ZS_CH),
    ],
];

/// Each gateway site egresses from a few shared addresses (every customer's
/// users share them).
fn proxy_nodes(office: usize) -> Vec<Vec<Arc<Net>>> {
    PROXY_SITES[office % PROXY_SITES.len()]
        .iter()
        .map(|&(city, state, cc, lat, lon, prefix, asn)| {
            (0..3)
                .map(|k| {
                    let ip = format!("{prefix}.{}", 21 + 37 * k);
                    site_net(&ip, asn, (city, state, cc, lat, lon), NetKind::Hosting)
                })
                .collect()
        })
        .collect()
}

impl Noise<'_> {
    /// Kind 1: Cloud web proxy (Zscaler-like secure web gateway) for a share of
    /// users working from home. The client connector picks the data centre
    /// by latency and fails over between nearby ones, so one session's token
    /// refreshes hop between countries within minutes (London ↔ Amsterdam ↔
    /// Frankfurt). Desktop apps that bypass the proxy (Microsoft recommends
    /// sending Microsoft 365 traffic direct: "Microsoft 365 network
    /// connectivity principles" and "VPN split tunnelling for Microsoft 365")
    /// refresh their tokens from the home IP at the same time.
    /// Rate: 8 % of users behind the gateway, a session on half of their
    /// working days, a hop on about a third of the refreshes (estimate).
    fn cloud_proxy(&mut self) {
        let t = self.t;
        let mut rng = self.stream(Stream::Proxy);
        let nodes: Vec<Vec<Vec<Arc<Net>>>> = (0..PROXY_SITES.len()).map(proxy_nodes).collect();
        for i in self.draw(self.share(0.08), |_| true) {
            let p = &t.people[i];
            let sites = &nodes[p.office % nodes.len()];
            let mut ep = Episode::of(&[&p.user.upn]);
            for d in 0..self.ndays {
                if !self.is_weekday(d) || !rng.chance(0.5) {
                    continue;
                }
                let t0 = self.at(p, d, 8.0 + rng.f64() * 9.0, &mut rng);
                let mut site = if rng.chance(0.75) { 0 } else { 1 };
                let ip_k = rng.below(3) as usize;
                let via = |site: usize| sites[site][ip_k].clone();
                let web = login(t, p, Client::Browser, t0, &via(site), rng.chance(0.3), &mut rng);
                // the desktop apps' own session, direct from home (never written itself)
                let desk =
                    login(t, p, Client::Desktop, t0 - mins(&mut rng, 30, 120), &p.home_net, false, &mut rng);
                let mut tm = t0;
                for _ in 0..rng.range(4, 9) {
                    tm += mins(&mut rng, 2, 20);
                    if rng.chance(0.35) {
                        site = (site + 1 + rng.below(sites.len() as u64 - 1) as usize) % sites.len();
                    }
                    let ni = refresh(t, &web, Client::Browser, tm, &via(site), &mut rng);
                    ep.signins.push(ni);
                    if rng.chance(0.4) {
                        let direct = tm + rng.range(5_000, 240_000);
                        ep.signins.push(refresh(t, &desk, Client::Desktop, direct, &p.home_net, &mut rng));
                    }
                }
                ep.signins.push(web);
            }
            self.finish("cloud-proxy-egress",
                "Works from home through the company's cloud web proxy (Zscaler-like, AS53813/AS62044): token refreshes of one session hop between gateway data centres in different cities or countries within minutes, while desktop apps on the split tunnel refresh directly from the home IP at the same time.",
                ep);
        }
    }
}

/// Mobile carriers per office country: (name, ASN, /16).
const CARRIERS: [&[(&str, u32, &str)]; 5] = [
    &[
        ("T-Mobile US", 21928, "172.56"),
        ("Verizon Wireless", 6167, "174.205"),
        ("AT&T Mobility", 20057, "166.205"),
    ],
    &[("EE", 12576, "31.94"), ("Vodafone UK", 25135, "151.228"), ("O2 UK", 35228, "82.132")],
    &[
        ("Telekom Deutschland", 3320, "80.187"),
        ("Vodafone Germany", 3209, "109.43"),
        ("Telefonica Germany", 6805, "176.3"),
    ],
    &[
        ("Rogers Wireless", 812, "174.88"),
        ("Bell Mobility", 36522, "184.151"),
        ("Telus Mobility", 852, "205.250"),
    ],
    &[("Telstra", 1221, "1.144"), ("Optus", 4804, "49.195"), ("Vodafone Australia", 133612, "49.176")],
];

/// Where a carrier's gateway addresses geolocate, per office region: cities
/// hundreds of kilometres apart.
type City = (&'static str, &'static str, f64, f64);
const CGNAT_CITIES: [&[City]; 5] = [
    &[
        ("Seattle", "Washington", 47.6062, -122.3321),
        ("Portland", "Oregon", 45.5152, -122.6784),
        ("Spokane", "Washington", 47.6588, -117.4260),
        ("Boise", "Idaho", 43.6150, -116.2023),
    ],
    &[
        ("London", "England", 51.5074, -0.1278),
        ("Manchester", "England", 53.4808, -2.2426),
        ("Birmingham", "England", 52.4862, -1.8904),
        ("Leeds", "England", 53.8008, -1.5491),
    ],
    &[
        ("Munich", "Bayern", 48.1351, 11.5820),
        ("Nuremberg", "Bayern", 49.4521, 11.0767),
        ("Frankfurt am Main", "Hessen", 50.1109, 8.6821),
        ("Stuttgart", "Baden-Wurttemberg", 48.7758, 9.1829),
    ],
    &[
        ("Toronto", "Ontario", 43.6532, -79.3832),
        ("Ottawa", "Ontario", 45.4215, -75.6972),
        ("Montreal", "Quebec", 45.5017, -73.5673),
        ("London", "Ontario", 42.9849, -81.2453),
    ],
    &[
        ("Sydney", "New South Wales", -33.8688, 151.2093),
        ("Melbourne", "Victoria", -37.8136, 144.9631),
        ("Brisbane", "Queensland", -27.4698, 153.0251),
        ("Canberra", "Australian Capital Territory", -35.2809, 149.1300),
    ],
];

/// A carrier's public CGNAT addresses: two per gateway city, shared by
/// every subscriber behind them.
fn carrier_pool(office: usize, carrier: usize, cc: &str) -> Vec<Arc<Net>> {
    let (_, asn, prefix) = CARRIERS[office][carrier];
    let mut v = Vec::new();
    for (c, &(city, state, lat, lon)) in CGNAT_CITIES[office].iter().enumerate() {
        for k in 0..2 {
            let ip = format!("{prefix}.{}.{}", 16 + c * 8 + carrier, 3 + 97 * k + 13 * carrier);
            v.push(site_net(&ip, asn, (city, state, cc, lat, lon), NetKind::Travel));
        }
    }
    v
}

impl Noise<'_> {
    /// Kind 2: Phones on mobile data behind carrier-grade NAT. Cellular networks
    /// almost all use CGN (Richter et al., "A Multi-perspective Analysis of
    /// Carrier-Grade NAT Deployment", IMC 2016; RFC 6888), so many
    /// subscribers share one public address, and geolocation databases place
    /// those addresses at the carrier's gateway, not the phone: as the
    /// phone's address changes the location jumps hundreds of kilometres
    /// within an hour. Rate: 15 % of phone users, a commute or lunch session
    /// on 60 % of working days and 30 % of weekend days (estimate).
    fn mobile_cgnat(&mut self) {
        let t = self.t;
        let mut rng = self.stream(Stream::Cgnat);
        let offices = t.offices.len().min(CARRIERS.len());
        let pools: Vec<Vec<Vec<Arc<Net>>>> = (0..offices)
            .map(|o| {
                let cc = t.offices[o].net.place.country.clone();
                (0..CARRIERS[o].len()).map(|c| carrier_pool(o, c, &cc)).collect()
            })
            .collect();
        for i in self.draw(self.share(0.15), |p| p.dev_phone.is_some()) {
            let p = &t.people[i];
            let carriers = &pools[p.office % offices];
            let pool = &carriers[rng.below(carriers.len() as u64) as usize];
            let mut ep = Episode::of(&[&p.user.upn]);
            for d in 0..self.ndays {
                if !rng.chance(if self.is_weekday(d) { 0.6 } else { 0.3 }) {
                    continue;
                }
                let hour = *rng.pick(&[7.5, 12.0, 17.5]) + rng.f64() * 1.5;
                let t0 = self.at(p, d, hour, &mut rng);
                let mut ip = rng.below(pool.len() as u64) as usize;
                let first = login(t, p, Client::Phone, t0, &pool[ip], false, &mut rng);
                let mut tm = t0;
                for _ in 0..rng.range(3, 6) {
                    tm += mins(&mut rng, 4, 14);
                    if rng.chance(0.5) {
                        ip = rng.below(pool.len() as u64) as usize;
                    }
                    ep.signins.push(refresh(t, &first, Client::Phone, tm, &pool[ip], &mut rng));
                }
                ep.signins.push(first);
            }
            self.finish("mobile-cgnat",
                "A phone on mobile data behind carrier-grade NAT: the public address is shared with many other subscribers (and other users of this tenant) and geolocates to the carrier's gateway, so the same phone appears hundreds of kilometres apart within the hour.",
                ep);
        }
    }
}

/// iCloud Private Relay egress operators: (name, ASN, /16, weight).
const RELAY_PROVIDERS: &[((&str, u32, &str), f64)] = &[
    (("Akamai", 36183, "172.225"), 0.5),
    (("Cloudflare", 13335, "104.28"), 0.35),
    (("Fastly", 54113, "146.75"), 0.15),
];

/// Relay egress cities near each office's homes.
const RELAY_CITIES: [&[City]; 5] = [
    &[
        ("Seattle", "Washington", 47.6062, -122.3321),
        ("Tacoma", "Washington", 47.2529, -122.4443),
        ("Everett", "Washington", 47.9790, -122.2021),
        ("Olympia", "Washington", 47.0379, -122.9007),
    ],
    &[
        ("London", "England", 51.5074, -0.1278),
        ("Slough", "England", 51.5105, -0.5950),
        ("Luton", "England", 51.8787, -0.4200),
        ("Guildford", "England", 51.2362, -0.5704),
    ],
    &[
        ("Munich", "Bayern", 48.1351, 11.5820),
        ("Ingolstadt", "Bayern", 48.7665, 11.4258),
        ("Rosenheim", "Bayern", 47.8571, 12.1181),
        ("Landshut", "Bayern", 48.5442, 12.1469),
    ],
    &[
        ("Toronto", "Ontario", 43.6532, -79.3832),
        ("Hamilton", "Ontario", 43.2557, -79.8711),
        ("Oshawa", "Ontario", 43.8971, -78.8658),
        ("Barrie", "Ontario", 44.3894, -79.6903),
    ],
    &[
        ("Sydney", "New South Wales", -33.8688, 151.2093),
        ("Newcastle", "New South Wales", -32.9283, 151.7817),
        ("Wollongong", "New South Wales", -34.4278, 150.8931),
        ("Gosford", "New South Wales", -33.4245, 151.3419),
    ],
];

fn is_apple(p: &Person) -> bool {
    p.dev_phone.as_ref().is_some_and(|d| d.os == "Ios") || p.browser_ua.contains("Version/17.2 Safari")
}

impl Noise<'_> {
    /// Kind 3: iCloud Private Relay for iPhone and Mac Safari users. Apple: the
    /// relay "replaces the user's original IP address with one assigned from
    /// the range of IP addresses used by the service", "may be shared among
    /// more than one Private Relay user in the same area" and "accurately
    /// represents the client's coarse city-level location" ("Prepare your
    /// network or web server for iCloud Private Relay"; egress by Akamai,
    /// Cloudflare and Fastly). So Safari sign-ins come from AS36183 / AS13335
    /// / AS54113, geolocated to a nearby city, not the user's. Rate: 5 % of
    /// users (iCloud+ subscribers with the relay on), a session on a third of
    /// days, the address rotating within some sessions (estimate).
    fn private_relay(&mut self) {
        let t = self.t;
        let mut rng = self.stream(Stream::Relay);
        for i in self.draw(self.share(0.05), is_apple) {
            let p = &t.people[i];
            let office = p.office % RELAY_CITIES.len();
            let cc = t.offices[p.office].net.place.country.clone();
            let cities: Vec<&City> =
                RELAY_CITIES[office].iter().filter(|c| c.0 != &*p.home_net.place.city).collect();
            // the relay only runs on Apple devices: iPhone Safari, or Safari on a Mac
            let mac_safari = p.browser_ua.contains("Version/17.2 Safari");
            let phone = p.dev_phone.as_ref().filter(|d| d.os == "Ios").map(|d| {
                Arc::new(Device {
                    id: d.id.clone(),
                    name: d.name.clone(),
                    os: d.os,
                    browser: s("Mobile Safari 17.2"),
                    compliant: d.compliant,
                    managed: d.managed,
                    trust: d.trust,
                })
            });
            let relay = |rng: &mut Rng| {
                let &(city, state, lat, lon) = *rng.pick(&cities);
                let &(_, asn, prefix) = rng.weighted(RELAY_PROVIDERS);
                let c = RELAY_CITIES[office].iter().position(|x| x.0 == city).unwrap_or(0);
                let ip = format!("{prefix}.{}.{}", 40 + 16 * office + c, *rng.pick(&[10, 42, 77, 133, 201]));
                site_net(&ip, asn, (city, state, &cc, lat, lon), NetKind::Hosting)
            };
            let mut ep = Episode::of(&[&p.user.upn]);
            for d in 0..self.ndays {
                if !rng.chance(0.35) {
                    continue;
                }
                let t0 = self.at(p, d, 7.0 + rng.f64() * 15.0, &mut rng);
                let mut n = relay(&mut rng);
                let mut web = login(t, p, Client::Browser, t0, &n, rng.chance(0.3), &mut rng);
                if let Some(dev) = phone.as_ref().filter(|_| !mac_safari || rng.chance(0.6)) {
                    web.device = dev.clone();
                    web.ua = s(UA_SAFARI_IOS);
                }
                let mut tm = t0;
                for _ in 0..rng.range(2, 5) {
                    tm += mins(&mut rng, 3, 25);
                    if rng.chance(0.25) {
                        n = relay(&mut rng);
                    }
                    ep.signins.push(refresh(t, &web, Client::Browser, tm, &n, &mut rng));
                }
                ep.signins.push(web);
            }
            self.finish("icloud-private-relay",
                "Safari on an iPhone or Mac with iCloud Private Relay on: sign-ins egress from Akamai (AS36183), Cloudflare (AS13335) or Fastly (AS54113) addresses shared with other relay users and geolocated to a nearby town, not the user's home; the address can change within a session.",
                ep);
        }
    }
}

// ---------------------------------------------------------------------------
// 4: trips

/// A city travellers fly to (or from): time zone, airport Wi-Fi and hotel
/// networks as (/24, ASN).
struct Dest {
    city: City,
    cc: &'static str,
    utc_h: i64,
    airport: (&'static str, u32),
    hotels: &'static [(&'static str, u32)],
}

/// 0–4 are the offices' home airports (same order as the offices).
const DESTS: &[Dest] = &[
    Dest {
        city: ("Seattle", "Washington", 47.4502, -122.3088),
        cc: "US",
        utc_h: -8,
        airport: ("64.124.216", 6461),
        hotels: &[("73.53.60", 7922), ("38.142.31", 174)],
    },
    Dest {
        city: ("London", "England", 51.4700, -0.4543),
        cc: "GB",
        utc_h: 0,
        airport: ("194.72.158", 2856),
        hotels: &[("81.149.10", 2856), ("62.252.3", 5089)],
    },
    Dest {
        city: ("Munich", "Bayern", 48.3537, 11.7750),
        cc: "DE",
        utc_h: 1,
        airport: ("195.145.148", 3320),
        hotels: &[("46.237.192", 8767), ("95.90.200", 3209)],
    },
    Dest {
        city: ("Toronto", "Ontario", 43.6777, -79.6248),
        cc: "CA",
        utc_h: -5,
        airport: ("99.240.15", 812),
        hotels: &[("142.114.20", 577), ("38.99.124", 174)],
    },
    Dest {
        city: ("Sydney", "New South Wales", -33.9399, 151.1753),
        cc: "AU",
        utc_h: 10,
        airport: ("1.157.70", 1221),
        hotels: &[("120.155.30", 4804), ("54.206.40", 16509)],
    },
    Dest {
        city: ("New York", "New York", 40.6413, -73.7781),
        cc: "US",
        utc_h: -5,
        airport: ("38.122.66", 174),
        hotels: &[("71.190.44", 701), ("54.86.112", 14618)],
    },
    Dest {
        city: ("Singapore", "Central Singapore", 1.3644, 103.9915),
        cc: "SG",
        utc_h: 8,
        airport: ("203.116.140", 7473),
        hotels: &[("118.189.80", 4657), ("13.228.64", 16509)],
    },
    Dest {
        city: ("Tokyo", "Tokyo", 35.5494, 139.7798),
        cc: "JP",
        utc_h: 9,
        airport: ("210.173.176", 2914),
        hotels: &[("106.72.3", 2516), ("153.156.80", 4713)],
    },
];

/// Routes from each office: (destination, scheduled block time in hours).
/// Block times from published airline schedules, rounded up (e.g. BA
/// LHR–JFK ~8 h, LH MUC–SIN / FRA–SIN ~12 h, QF SYD–SIN ~8 h).
const ROUTES: [&[(usize, f64)]; 5] = [
    &[(5, 5.5), (1, 9.5), (7, 10.5)],
    &[(5, 8.0), (6, 13.0), (2, 2.0)],
    &[(6, 12.0), (5, 9.0), (1, 2.0)],
    &[(1, 7.0), (0, 5.5), (5, 1.5)],
    &[(6, 8.0), (7, 9.5), (0, 14.0)],
];

fn dest_net(d: &Dest, (prefix, asn): (&str, u32), rng: &mut Rng, kind: NetKind) -> Arc<Net> {
    let (city, state, lat, lon) = d.city;
    let ip = format!("{prefix}.{}", rng.range(2, 250));
    site_net(&ip, asn, (city, state, d.cc, lat, lon), kind)
}

impl Noise<'_> {
    /// Kind 4: Business trips with feasible flight times: a sign-in at the home
    /// airport, the flight (no activity: the baseline goes offline), a
    /// sign-in at the destination airport after the scheduled block time,
    /// hotel Wi-Fi (ISP or hosting ASNs) every morning for two to six days,
    /// where the baseline sessions follow, and the same way back. Rate: 0.15 %
    /// of users start a long trip each day, about one in 20 users a month
    /// (estimate; GBTA puts business travel at a minority of office workers).
    fn trips(&mut self) {
        let t = self.t;
        let mut rng = self.stream(Stream::Trip);
        let n = self.per_member_day(0.0015);
        for i in self.take_exclusive(n, |_| true) {
            let p = &t.people[i];
            let office = p.office % ROUTES.len();
            let (dest_i, block_h) = *rng.pick(ROUTES[office]);
            let (home, dest) = (&DESTS[office], &DESTS[dest_i]);
            let block = (block_h * MS_PER_HOUR as f64) as i64;
            let d = if self.ndays > 3 { rng.range(0, self.ndays - 3) } else { 0 };
            let depart = self.at(p, d, 8.0 + rng.f64() * 12.0, &mut rng);
            let arrive = depart + block;
            let stay = rng.range(2, 6);
            // back on the evening of the last day, destination time
            let dest_off = dest.utc_h * MS_PER_HOUR;
            let local_arrival_day = (arrive + dest_off).div_euclid(MS_PER_DAY);
            let ret_depart = (local_arrival_day + stay) * MS_PER_DAY - dest_off
                + (10.0 * MS_PER_HOUR as f64 + rng.f64() * 10.0 * MS_PER_HOUR as f64) as i64;
            let ret_arrive = ret_depart + block;
            let hotel = dest_net(dest, *rng.pick(dest.hotels), &mut rng, NetKind::Travel);
            let home_airport = dest_net(home, home.airport, &mut rng, NetKind::Travel);
            let dest_airport = dest_net(dest, dest.airport, &mut rng, NetKind::Travel);
            let mut ep = Episode::of(&[&p.user.upn]);
            let phone = if p.dev_phone.is_some() { Client::Phone } else { Client::Browser };
            let mut stops = vec![
                (depart - mins(&mut rng, 40, 100), home_airport.clone(), phone),
                (arrive + mins(&mut rng, 25, 70), dest_airport.clone(), phone),
            ];
            for k in 1..=stay {
                let morning = (local_arrival_day + k) * MS_PER_DAY - dest_off
                    + (7.0 * MS_PER_HOUR as f64 + rng.f64() * 1.5 * MS_PER_HOUR as f64) as i64;
                if morning < ret_depart - 3 * MS_PER_HOUR {
                    stops.push((morning, hotel.clone(), Client::Browser));
                }
            }
            stops.push((ret_depart - mins(&mut rng, 60, 120), dest_airport, phone));
            stops.push((ret_arrive + mins(&mut rng, 25, 70), home_airport, phone));
            for (tm, n, client) in stops {
                let si = login(t, p, client, tm, &n, client == Client::Browser, &mut rng);
                ep.signins.push(refresh(t, &si, client, tm + mins(&mut rng, 3, 30), &n, &mut rng));
                ep.signins.push(si);
            }
            // the baseline follows: offline in the air, hotel sessions in between
            let deplane = 45 * MS_PER_MIN;
            self.edits.offline.push(Offline { person: i, from: depart, to: arrive + deplane });
            self.edits.offline.push(Offline { person: i, from: ret_depart, to: ret_arrive + deplane });
            self.edits.travel.push(Travel { person: i, from: arrive, to: ret_depart, net: hotel });
            self.finish("business-trip",
                "A real trip: sign-in at the home airport, the scheduled flight time without any activity, sign-in at the destination airport, then hotel Wi-Fi (ISP or hosting ASN) for two to six days, where the user's normal work follows, and the same way back. Every hop is slower than an airliner.",
                ep);
        }
    }
}

// ---------------------------------------------------------------------------
// 5–6: people and passwords

impl Noise<'_> {
    /// Kind 5a: Password typos: one or two 50126 failures, then the same device
    /// and network succeed within minutes. Chatterjee et al. ("pASSWORD
    /// tYPOS and How to Correct Them Securely", IEEE S&P 2016) find a large
    /// share of failed logins are simple typos; Microsoft's own
    /// additionalDetails for 50126 says "It's expected to see some number of
    /// these errors". The baseline already has a 3 % typo rate on password
    /// sign-ins; this adds 0.02 episodes per user per day (estimate).
    fn password_typos(&mut self) {
        let t = self.t;
        let mut rng = self.stream(Stream::Typo);
        for _ in 0..self.per_member_day(0.02) {
            let Some(i) = self.one(|_| true) else { return };
            let p = &t.people[i];
            let d = rng.below(self.ndays as u64) as i64;
            let hour = 7.5 + rng.f64() * 13.0;
            let tm = self.at(p, d, hour, &mut rng);
            let phone = p.dev_phone.is_some() && rng.chance(0.3);
            let (client, n) = if phone {
                (Client::Phone, p.home_net.clone())
            } else {
                (Client::Browser, self.where_is(&mut rng, p, d, hour))
            };
            let mut ep = Episode::of(&[&p.user.upn]);
            let ok = login(t, p, client, tm, &n, true, &mut rng);
            let tries = if rng.chance(0.8) { 1 } else { 2 };
            let mut bad_t = tm;
            for _ in 0..tries {
                bad_t -= rng.range(15_000, 70_000);
                ep.signins.push(failed_like(t, p, &ok, bad_t, &mut rng));
            }
            ep.signins.push(refresh(t, &ok, client, tm + mins(&mut rng, 2, 40), &n, &mut rng));
            ep.signins.push(ok);
            self.finish("password-typo",
                "The user mistypes the password (50126) once or twice and succeeds within two minutes from the same device and network.",
                ep);
        }
    }

    /// Kind 5b: Expired passwords: 50055, the user changes the password on the
    /// spot ("Change password (self-service)" + "Change user password"), the
    /// sign-in succeeds, and later the desktop client's old refresh token
    /// fails with 50173 before it signs in again. Entra's maximum password
    /// age defaults to 90 days where expiry is still on ("Password policies
    /// and account restrictions in Microsoft Entra ID"), so 1/90 of users
    /// expire per day; about 30 % let it lapse despite the 14-day warning
    /// (estimate).
    fn expired_passwords(&mut self) {
        let t = self.t;
        let mut rng = self.stream(Stream::Expired);
        for _ in 0..self.per_member_day(0.3 / 90.0) {
            let Some(i) = self.one(|_| true) else { return };
            let p = &t.people[i];
            let d = self.weekday(&mut rng);
            let hour = 8.0 + rng.f64() * 2.0;
            let tm = self.at(p, d, hour, &mut rng);
            let n = self.where_is(&mut rng, p, d, hour);
            let mut ep = Episode::of(&[&p.user.upn]);
            let changed = tm + mins(&mut rng, 1, 3);
            let ok = login(t, p, Client::Browser, changed + rng.range(20_000, 60_000), &n, true, &mut rng);
            let mut expired = ok.clone();
            expired.t = tm;
            expired.id = rng.guid();
            expired.correlation = rng.guid();
            expired.error = 50055;
            expired.additional = None;
            expired.mfa_method = None;
            expired.steps = vec![step(0, "Password", false, "Password expired", PRIMARY)];
            finish_ca(t, p, &mut expired);
            ep.signins.push(expired);
            let corr = rng.guid();
            let mut sspr = audit_in(
                &mut rng,
                corr,
                changed,
                "UserManagement",
                "Change password (self-service)",
                "Self-service Password Management",
                "Update",
                by_user(p, &n.ip),
                vec![user_target(&p.user, vec![])],
                vec![],
            );
            sspr.result_reason = s("User changed password");
            ep.audits.push(sspr);
            let core_t = changed + rng.range(200, 2_000);
            ep.audits.push(audit_in(
                &mut rng,
                corr,
                core_t,
                "UserManagement",
                "Change user password",
                "Core Directory",
                "Update",
                by_user(p, &n.ip),
                vec![user_target(&p.user, vec![])],
                vec![detail("User-Agent", &p.browser_ua)],
            ));
            // the desktop client still holds a token from before the change
            let desk = login(t, p, Client::Desktop, ok.t + mins(&mut rng, 10, 90), &n, true, &mut rng);
            let mut stale = non_interactive_from(
                t,
                &desk,
                desk.t - rng.range(30_000, 180_000),
                desk.app.clone(),
                desk.resource.clone(),
                &mut rng,
            );
            stale.error = 50173;
            stale.additional = None;
            stale.ca_status = "notApplied";
            ep.signins.push(stale);
            ep.signins.push(desk);
            ep.signins.push(ok);
            self.finish("expired-password",
                "The password has expired (50055); the user changes it on the spot (Change password (self-service) / Change user password), signs in, and the desktop client's refresh token from before the change fails once with 50173 before it signs in again.",
                ep);
        }
    }

    /// Kind 5c: MFA timeouts: the push goes unanswered (500121 "MFA denied; user
    /// did not respond to mobile app notification") and the next attempt a
    /// few minutes later is approved from the same device and network.
    /// Rate: 0.4 % of users per day (estimate).
    fn mfa_timeouts(&mut self) {
        self.mfa_retry(
            Stream::MfaTimeout,
            0.004,
            "MFA denied; user did not respond to mobile app notification",
            "mfa-timeout",
            "One push notification goes unanswered (500121, user did not respond); the user retries a few minutes later from the same device and network and approves.",
        );
    }

    /// Kind 5d: Mistaken declines: the user taps "Deny" (500121 "MFA denied; user
    /// declined the authentication", e.g. a number-matching slip) and approves
    /// their own retry within a few minutes from the same device and network.
    /// Rate: 0.1 % of users per day (estimate).
    fn mfa_declines(&mut self) {
        self.mfa_retry(
            Stream::MfaDecline,
            0.001,
            "MFA denied; user declined the authentication",
            "mfa-mistaken-decline",
            "The user declines their own push by mistake (500121, user declined) and approves the retry within a few minutes from the same device and network.",
        );
    }

    fn mfa_retry(
        &mut self,
        s: Stream,
        rate: f64,
        result: &'static str,
        name: &'static str,
        description: &'static str,
    ) {
        let t = self.t;
        let mut rng = self.stream(s);
        for _ in 0..self.per_member_day(rate) {
            let Some(i) = self.one(|p| p.mfa.0 == "Mobile app notification") else { return };
            let p = &t.people[i];
            let d = rng.below(self.ndays as u64) as i64;
            let tm = self.at(p, d, 7.5 + rng.f64() * 13.0, &mut rng);
            let ok = login(t, p, Client::Browser, tm, &p.home_net, true, &mut rng);
            let mut ep = Episode::of(&[&p.user.upn]);
            ep.signins.push(mfa_failed_like(t, p, &ok, tm - mins(&mut rng, 1, 4), result, &mut rng));
            ep.signins.push(refresh(
                t,
                &ok,
                Client::Browser,
                tm + mins(&mut rng, 2, 30),
                &p.home_net,
                &mut rng,
            ));
            ep.signins.push(ok);
            self.finish(name, description, ep);
        }
    }

    /// Kind 6a: Lockout behind the office NAT: a few typos, smart lockout answers
    /// 50053, and the user succeeds after the lockout period. Entra smart
    /// lockout locks after 10 failures by default for one minute at first
    /// ("Protect user accounts from attacks with Microsoft Entra smart
    /// lockout"); this tenant customised the threshold to 5 (allowed with
    /// P1). Rate: 0.07 % of users per day (estimate).
    fn office_lockouts(&mut self) {
        let t = self.t;
        let mut rng = self.stream(Stream::Lockout);
        for _ in 0..self.per_member_day(0.0007) {
            let Some(i) = self.one(|_| true) else { return };
            let p = &t.people[i];
            let d = self.weekday(&mut rng);
            let tm = self.at(p, d, 8.5 + rng.f64() * 8.0, &mut rng);
            let office = t.offices[p.office].net.clone();
            let mut ep = Episode::of(&[&p.user.upn]);
            let mut ok = login(t, p, Client::Browser, tm, &office, true, &mut rng);
            let mut at = tm - mins(&mut rng, 4, 9);
            for _ in 0..rng.range(4, 5) {
                ep.signins.push(failed_like(t, p, &ok, at, &mut rng));
                at += rng.range(12_000, 40_000);
            }
            for _ in 0..rng.range(1, 2) {
                let mut locked = failed_like(t, p, &ok, at, &mut rng);
                locked.error = 50053;
                locked.additional = None;
                locked.steps = vec![step(0, "Password", false, "Account is locked", PRIMARY)];
                ep.signins.push(locked);
                at += rng.range(10_000, 30_000);
            }
            // the lockout period (one minute at first) has passed
            ok.t = ok.t.max(at + 60_000 + rng.range(0, 120_000));
            ep.signins.push(refresh(
                t,
                &ok,
                Client::Browser,
                ok.t + mins(&mut rng, 2, 30),
                &office,
                &mut rng,
            ));
            ep.signins.push(ok);
            self.finish("office-nat-lockout",
                "Behind the office NAT one user mistypes the password four or five times, smart lockout answers 50053, and the user succeeds from the same browser after the lockout period. Other users behind the same NAT are unaffected.",
                ep);
        }
    }

    /// Kind 6b: An old mail client (IMAP4 / POP3 / Authenticated SMTP) keeps the
    /// previous password after a password change and retries from the
    /// user's home every few minutes for days: 50126, now and then 50053
    /// when the user's own retyping trips smart lockout. Exchange Online
    /// sends basic auth to Entra as ROPC with the user agent "BAV2ROPC"
    /// (Microsoft: "Deprecation of Basic authentication in Exchange Online").
    /// Rate: 0.02 % of users per day (estimate).
    fn legacy_mail_client(&mut self) {
        let t = self.t;
        let mut rng = self.stream(Stream::Legacy);
        for _ in 0..self.per_member_day(0.0002) {
            let Some(i) = self.one(|_| true) else { return };
            let p = &t.people[i];
            let d = if self.ndays > 2 { rng.range(0, self.ndays - 2) } else { 0 };
            let changed = self.at(p, d, 9.0 + rng.f64() * 8.0, &mut rng);
            let mut ep = Episode::of(&[&p.user.upn]);
            let mut sspr = audit(
                &mut rng,
                changed,
                "UserManagement",
                "Change password (self-service)",
                "Self-service Password Management",
                "Update",
                by_user(p, &p.home_net.ip),
                vec![user_target(&p.user, vec![])],
                vec![],
            );
            sspr.result_reason = s("User changed password");
            ep.audits.push(sspr);
            let protocols = *rng.pick(OLD_MAIL_CLIENTS);
            let until = changed + rng.range(2 * MS_PER_DAY, 5 * MS_PER_DAY);
            let mut tm = changed + mins(&mut rng, 3, 20);
            let mk = |tm: i64, proto: &'static str, rng: &mut Rng| {
                let mut si = user_signin(
                    t,
                    p,
                    Kind::Interactive,
                    tm,
                    &p.home_net,
                    Client::Browser,
                    None,
                    t.app(app::EXO_CLIENT),
                    t.resource(res::EXO),
                    rng,
                );
                si.device = t.no_device.clone();
                si.ua = s(UA_BAV2ROPC);
                si.client_app = proto;
                si.protocol = "ropc";
                si
            };
            while tm < until {
                let proto = *rng.pick(protocols);
                let mut si = mk(tm, proto, &mut rng);
                make_bad_password(&mut si);
                if rng.chance(0.04) {
                    si.error = 50053;
                    si.additional = None;
                }
                finish_ca(t, p, &mut si);
                ep.signins.push(si);
                tm += mins(&mut rng, 4, 12);
            }
            // sometimes the user finally updates the client
            if rng.chance(0.4) {
                let mut si = mk(tm, protocols[0], &mut rng);
                si.steps = vec![step_password(0, true)];
                finish_ca(t, p, &mut si);
                ep.signins.push(si);
            }
            self.finish("legacy-mail-client-retries",
                "After a password change an old mail client at the user's home keeps the previous password and retries IMAP4 / POP3 / Authenticated SMTP (BAV2ROPC) every few minutes for days with 50126 (now and then 50053), from one home IP and one account only; sometimes the user finally updates it.",
                ep);
        }
    }
}

// ---------------------------------------------------------------------------
// 7: helpdesk and PIM

impl Noise<'_> {
    /// Kind 7a/7b: Helpdesk: admin password resets ("Reset user password" in Core
    /// Directory plus "Reset password (by admin)" in SSPR, then the user
    /// signs in) and "Update user" edits. Gartner has long put password
    /// resets at 20–50 % of helpdesk calls; rates of 0.15 % (resets) and
    /// 0.1 % (updates) of users per day (estimate).
    fn helpdesk(&mut self) {
        let t = self.t;
        let mut rng = self.stream(Stream::Helpdesk);
        let Some(h) = self.helpdesk_admin() else { return };
        let admin = &t.people[h];
        let admin_ip = self.admin_ip(h);
        for _ in 0..self.per_member_day(0.0015) {
            let Some(i) = self.one(|_| true) else { return };
            let p = &t.people[i];
            let d = self.weekday(&mut rng);
            let hour = 8.5 + rng.f64() * 8.0;
            let tm = self.at(p, d, hour, &mut rng);
            let mut ep = Episode::of(&[&admin.user.upn, &p.user.upn]);
            let corr = rng.guid();
            ep.audits.push(audit_in(
                &mut rng,
                corr,
                tm,
                "UserManagement",
                "Reset user password",
                "Core Directory",
                "Update",
                by_user(admin, &admin_ip),
                vec![user_target(&p.user, vec![])],
                vec![detail("User-Agent", PORTAL_UA)],
            ));
            let sspr_t = tm + rng.range(300, 3_000);
            let mut by_admin = audit_in(
                &mut rng,
                corr,
                sspr_t,
                "UserManagement",
                "Reset password (by admin)",
                "Self-service Password Management",
                "Update",
                by_user(admin, &admin_ip),
                vec![user_target(&p.user, vec![])],
                vec![],
            );
            by_admin.result_reason = s("Successfully completed reset.");
            ep.audits.push(by_admin);
            let n = self.where_is(&mut rng, p, d, hour);
            ep.signins.push(login(t, p, Client::Browser, tm + mins(&mut rng, 4, 30), &n, true, &mut rng));
            self.finish("helpdesk-password-reset",
                "The helpdesk administrator resets a user's password from the office (Reset user password + Reset password (by admin)) and the user signs in with it minutes later.",
                ep);
        }
        for _ in 0..self.per_member_day(0.001) {
            let Some(i) = self.one(|_| true) else { return };
            let p = &t.people[i];
            let d = self.weekday(&mut rng);
            let tm = self.at(admin, d, 8.5 + rng.f64() * 8.0, &mut rng);
            let (prop, old, new) = *rng.pick(&[
                ("Mobile", "+1 555 0142", "+1 555 0187"),
                ("Department", "Sales", "Customer Success"),
                ("Manager", "", "Team lead"),
            ]);
            let props = vec![
                ModProp::new(prop, Some(jarr(&[old])), Some(jarr(&[new]))),
                ModProp::new("Included Updated Properties", None, Some(jstr(prop))),
            ];
            let mut ep = Episode::of(&[&admin.user.upn, &p.user.upn]);
            ep.audits.push(audit(
                &mut rng,
                tm,
                "UserManagement",
                "Update user",
                "Core Directory",
                "Update",
                by_user(admin, &admin_ip),
                vec![user_target(&p.user, props)],
                vec![detail("User-Agent", PORTAL_UA)],
            ));
            self.finish("helpdesk-user-update",
                "The helpdesk administrator updates a user's phone number, department or manager from the office (Update user).",
                ep);
        }
    }

    /// Kind 7c: Extra PIM activations on top of the baseline's morning ones: a
    /// second activation in the afternoon after the first expired, and
    /// on-call activations at the weekend ("Add member to role requested /
    /// completed (PIM activation)" by MS-PIM, expiry after the activation
    /// window). Rate: half of working days, a tenth of weekend days per
    /// eligible admin (estimate). The Privileged Role Administrator holds a
    /// permanent assignment and never activates.
    fn pim_activations(&mut self) {
        let t = self.t;
        let mut rng = self.stream(Stream::Pim);
        let admins: Vec<usize> = t
            .people
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                p.kind == PersonKind::Admin && p.role.is_some_and(|r| r != role::PRIV_ROLE_ADMIN)
            })
            .map(|(i, _)| i)
            .collect();
        for d in 0..self.ndays {
            for &a in &admins {
                let weekday = self.is_weekday(d);
                if !rng.chance(if weekday { 0.5 } else { 0.1 }) {
                    continue;
                }
                let p = &t.people[a];
                let Some(r) = p.role else { continue };
                let hour = if weekday { 13.5 + rng.f64() * 3.0 } else { 10.0 + rng.f64() * 8.0 };
                let tm = self.at(p, d, hour, &mut rng);
                let net = if weekday { t.offices[p.office].net.clone() } else { p.home_net.clone() };
                let ip = net.ip.clone();
                let hours = rng.range(2, 8);
                let role_tgt = || obj_target(r.1, r.0, "Role", vec![]);
                let corr = rng.guid();
                let pim = by_app("MS-PIM", t.pim_sp, None);
                let why = if weekday { "Afternoon administration" } else { "On-call incident" };
                let mut ep = Episode::of(&[&p.user.upn]);
                // PIM is reached through a browser session: the sign-in from the same
                // address comes first (a request with no sign-in behind it is not routine)
                ep.signins.push(login(t, p, Client::Browser, tm - 90_000, &net, false, &mut rng));
                let mut req = audit_in(
                    &mut rng,
                    corr,
                    tm,
                    "RoleManagement",
                    "Add member to role requested (PIM activation)",
                    "PIM",
                    "CreateRequestActivation",
                    by_user(p, &ip),
                    vec![role_tgt(), user_target(&p.user, vec![])],
                    vec![detail("Justification", why), detail("ipAddress", &ip)],
                );
                req.result_reason = s(why);
                ep.audits.push(req);
                let done = tm + rng.range(1_000, 5_000);
                ep.audits.push(audit_in(
                    &mut rng,
                    corr,
                    done,
                    "RoleManagement",
                    "Add member to role completed (PIM activation)",
                    "PIM",
                    "CreateRequestActivation",
                    pim.clone(),
                    vec![role_tgt(), user_target(&p.user, vec![])],
                    vec![
                        detail("StartTime", &Ts(tm, TimeFmt::IsoMsZ).to_string()),
                        detail("ExpirationTime", &Ts(tm + hours * MS_PER_HOUR, TimeFmt::IsoMsZ).to_string()),
                    ],
                ));
                ep.audits.push(audit(
                    &mut rng,
                    tm + hours * MS_PER_HOUR,
                    "RoleManagement",
                    "Remove member from role (PIM activation expired)",
                    "PIM",
                    "RemoveRequestActivation",
                    pim,
                    vec![role_tgt(), user_target(&p.user, vec![])],
                    vec![],
                ));
                self.finish("pim-activation",
                    "An eligible administrator activates their role through PIM a second time in the afternoon, or on call at the weekend (requested by the admin, completed and later expired by MS-PIM).",
                    ep);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// 8: workloads

/// A CI/CD principal: user agent, egress and cadence.
struct Ci {
    name: &'static str,
    ua: &'static str,
    cred: &'static str,
    site: City,
    cc: &'static str,
    asn: u32,
    /// Fixed egress, or `None` for a fresh hosted runner per run.
    ip: Option<&'static str>,
    /// Runs per working day (builds), or `None` with `every_min` (cron).
    runs: Option<f64>,
    every_min: i64,
    resources: &'static [Pair],
}

const CI: &[Ci] = &[
    Ci {
        name: "github-actions-webshop-deploy",
        ua: "python/3.11.9 (Linux-6.5.0-1025-azure-x86_64-with-glibc2.35) msrest/0.7.1 msrest_azure/0.6.4 azure-mgmt-resource/23.1.1 Azure-SDK-For-Python",
        cred: "clientSecret",
        site: ("Boydton", "Virginia", 36.6676, -78.3875),
        cc: "US",
        asn: 8075,
        ip: None,
        runs: Some(25.0),
        every_min: 0,
        resources: &[res::ARM, res::KEY_VAULT, res::GRAPH],
    },
    Ci {
        name: "etl-hourly-export",
        ua: "python-requests/2.31.0",
        cred: "clientSecret",
        site: ("Dublin", "Dublin", 53.3498, -6.2603),
        cc: "IE",
        asn: 8075,
        ip: Some("52.164.241.35"),
        runs: None,
        every_min: 60,
        resources: &[res::GRAPH, res::STORAGE],
    },
    Ci {
        name: "jenkins-payments-build",
        ua: "okhttp/4.12.0",
        cred: "clientSecret",
        site: ("Ashburn", "Virginia", 39.0438, -77.4874),
        cc: "US",
        asn: 16509,
        ip: Some("3.224.18.77"),
        runs: Some(15.0),
        every_min: 0,
        resources: &[res::ARM, res::KEY_VAULT],
    },
    Ci {
        name: "inventory-sync",
        ua: "Go-http-client/1.1",
        cred: "certificate",
        site: ("The Dalles", "Oregon", 45.5946, -121.1787),
        cc: "US",
        asn: 396982,
        ip: Some("34.83.120.9"),
        runs: None,
        every_min: 15,
        resources: &[res::GRAPH],
    },
];

impl Noise<'_> {
    /// Kind 8a: A secret (or certificate) rotation that moves the principal: the
    /// owner or an automation principal adds a new credential ("Update
    /// application – Certificates and secrets management"), the workload is
    /// redeployed and from then on signs in with the new key id from a new
    /// address in the same cloud (AS8075), and the old credential is removed
    /// days later. Rate: every Azure-hosted principal no story uses rotates
    /// once per 90 days (estimate; a common secret lifetime).
    fn sp_rotation(&mut self) {
        let t = self.t;
        let mut rng = self.stream(Stream::SpRotation);
        // principals the stories use: Payroll (attack 10), HR-Connector (attack 1), ServiceNow (look-alike 105)
        let eligible: Vec<usize> = (0..t.sps.len())
            .filter(|k| ![0, 2, 4].contains(k) && t.sps[*k].net.kind == NetKind::Azure)
            .collect();
        if eligible.is_empty() {
            return;
        }
        let n = ((eligible.len() as f64 * self.days / 90.0).round() as usize).clamp(1, eligible.len());
        let rotator = Arc::new(Workload {
            app_id: rng.guid(),
            sp_id: rng.guid(),
            app_object_id: rng.guid(),
            name: s("KeyVault-Credential-Rotation"),
            msi: None,
        });
        for (j, &k) in eligible.iter().take(n).enumerate() {
            let target = &t.sps[k];
            let d = if self.ndays > 2 { rng.range(0, self.ndays - 2) } else { 0 };
            let tm = self.day0 + d * MS_PER_DAY + rng.range(14 * MS_PER_HOUR, 20 * MS_PER_HOUR);
            let owner = if j % 2 == 0 { self.one(|_| true) } else { None };
            let (init, ua, who, init_ip) = match owner {
                Some(o) => {
                    let p = &t.people[o];
                    let ip = self.where_is(&mut rng, p, d, 11.0).ip.clone();
                    (by_user(p, &ip), p.browser_ua.to_string(), p.user.upn.to_string(), ip.to_string())
                }
                None => (
                    by_app(&rotator.name, rotator.sp_id, Some(&rotator.app_id.to_string())),
                    "Microsoft Azure Graph Client Library 2.1.17-internal".to_string(),
                    rotator.name.to_string(),
                    String::new(),
                ),
            };
            let cert = target.cred_type == "certificate";
            let (typ, old_name, new_name) = if cert {
                ("AsymmetricX509Cert", "CN=deploy-2024", "CN=deploy-2025")
            } else {
                ("Password", "prod-q3", "prod-q4")
            };
            let new_key = rng.guid();
            let new_thumb = target.thumb.as_ref().map(|_| s(&rng.hex(40).to_uppercase()));
            let app_tgt = |props| {
                vec![obj_target(&target.w.app_object_id.to_string(), &target.w.name, "Application", props)]
            };
            let props = |old: String, new: String| {
                vec![
                    ModProp::new("KeyDescription", Some(old), Some(new)),
                    ModProp::new("Included Updated Properties", None, Some(jstr("KeyDescription"))),
                ]
            };
            let details = vec![detail("User-Agent", &ua), detail("AppId", &target.w.app_id.to_string())];
            let mut ep = Episode::of(&[&who, &target.w.name]);
            ep.audits.push(audit(
                &mut rng,
                tm,
                "ApplicationManagement",
                UPDATE_CREDS,
                "Core Directory",
                "Update",
                init.clone(),
                app_tgt(props(
                    key_desc(&[(target.key_id, typ, old_name)]),
                    key_desc(&[(target.key_id, typ, old_name), (new_key, typ, new_name)]),
                )),
                details.clone(),
            ));
            let removed = tm + rng.range(2 * MS_PER_DAY, 4 * MS_PER_DAY);
            ep.audits.push(audit(
                &mut rng,
                removed,
                "ApplicationManagement",
                UPDATE_CREDS,
                "Core Directory",
                "Update",
                init,
                app_tgt(props(
                    key_desc(&[(target.key_id, typ, old_name), (new_key, typ, new_name)]),
                    key_desc(&[(new_key, typ, new_name)]),
                )),
                details,
            ));
            // redeployed: a new address in the same cloud region
            let octets: Vec<&str> = target.net.ip.split('.').collect();
            let new_ip = format!("{}.{}.{}.{}", octets[0], octets[1], rng.range(0, 255), rng.range(4, 250));
            let pl = &target.net.place;
            let new_net = site_net(
                &new_ip,
                target.net.asn,
                (&pl.city, &pl.state, &pl.country, pl.lat, pl.lon),
                NetKind::Azure,
            );
            let moved = tm + mins(&mut rng, 8, 20);
            // the redeployment's smoke test, then the schedule continues (baseline)
            for q in 0..2 {
                let mut si = workload_signin(
                    t,
                    Kind::ServicePrincipal,
                    &target.w,
                    moved + q * rng.range(20_000, 90_000),
                    &new_net,
                    target.resource.clone(),
                    &mut rng,
                );
                si.cred_type = target.cred_type;
                si.cred_key = Some(new_key);
                si.cred_thumb = new_thumb.clone();
                ep.signins.push(si);
            }
            push_unique(&mut ep.ips, &init_ip);
            self.edits.sp_moves.push(SpMove {
                sp: k,
                at: moved + 3 * MS_PER_MIN,
                net: new_net,
                key: new_key,
                thumb: new_thumb,
            });
            self.finish("sp-secret-rotation",
                "A service principal's credential is rotated by its owner or by the KeyVault-Credential-Rotation automation principal; the redeployed workload signs in with the new key id from a new Azure address in the same ASN from then on, and the old credential is removed days later.",
                ep);
        }
    }

    /// Kind 8b: CI/CD principals signing in with SDK and HTTP-library user agents
    /// (Azure SDK for Python, python-requests, okhttp, Go's net/http) from
    /// cloud ASNs many times a day. GitHub-hosted runners run in Azure and
    /// use Azure's address ranges, a different address per job (GitHub
    /// docs, "About GitHub-hosted runners"). Cadence: 15–25 builds per
    /// working day, hourly and 15-minute cron jobs (estimate); one more
    /// principal per 1,000 users.
    fn cicd_principals(&mut self) {
        let t = self.t;
        let mut rng = self.stream(Stream::Cicd);
        let count = CI.len() + self.members as usize / 1000;
        for k in 0..count {
            let ci = &CI[k % CI.len()];
            let name = if k < CI.len() {
                ci.name.to_string()
            } else {
                format!("{}-{:02}", ci.name, k / CI.len() + 1)
            };
            let w = Arc::new(Workload {
                app_id: rng.guid(),
                sp_id: rng.guid(),
                app_object_id: rng.guid(),
                name: s(&name),
                msi: None,
            });
            let key = rng.guid();
            let thumb = (ci.cred == "certificate").then(|| s(&rng.hex(40).to_uppercase()));
            let (city, state, lat, lon) = ci.site;
            let fixed =
                ci.ip.map(|ip| site_net(ip, ci.asn, (city, state, ci.cc, lat, lon), NetKind::Hosting));
            let mut ep = Episode::of(&[&name]);
            for d in 0..self.ndays {
                let day = self.day0 + d * MS_PER_DAY;
                let starts: Vec<i64> = match ci.runs {
                    // builds in the developers' day (Seattle, UTC-8): 15:00–03:00 UTC
                    Some(mean) if self.is_weekday(d) => (0..rng.poisson(mean))
                        .map(|_| day + 15 * MS_PER_HOUR + rng.range(0, 12 * MS_PER_HOUR))
                        .collect(),
                    Some(_) => Vec::new(),
                    None => {
                        let step = ci.every_min * MS_PER_MIN;
                        (0..MS_PER_DAY / step).map(|j| day + j * step + rng.range(1_000, 40_000)).collect()
                    }
                };
                for start in starts {
                    let n = match &fixed {
                        Some(n) => n.clone(),
                        None => {
                            let ip = format!(
                                "20.{}.{}.{}",
                                *rng.pick(&[1, 7, 22, 65, 96]),
                                rng.range(0, 255),
                                rng.range(4, 250)
                            );
                            site_net(&ip, ci.asn, (city, state, ci.cc, lat, lon), NetKind::Azure)
                        }
                    };
                    let calls = if ci.runs.is_some() { rng.range(1, ci.resources.len() as i64) } else { 1 };
                    for c in 0..calls {
                        let r = ci.resources[(c as usize + rng.below(2) as usize) % ci.resources.len()];
                        let mut si = workload_signin(
                            t,
                            Kind::ServicePrincipal,
                            &w,
                            start + c * rng.range(5_000, 60_000),
                            &n,
                            t.resource(r),
                            &mut rng,
                        );
                        si.ua = s(ci.ua);
                        si.cred_type = ci.cred;
                        si.cred_key = Some(key);
                        si.cred_thumb = thumb.clone();
                        ep.signins.push(si);
                    }
                }
            }
            self.finish("cicd-sdk-principal",
                "A CI/CD service principal signs in many times a day from a cloud ASN with an SDK or HTTP-library user agent (Azure SDK for Python, python-requests, okhttp, Go-http-client); GitHub-hosted runners get a new Azure address for every job.",
                ep);
        }
    }
}

// ---------------------------------------------------------------------------
// 9: directory housekeeping

const GUEST_NAMES: &[(&str, &str)] = &[
    ("Ines", "Moreau"),
    ("Paul", "Verhoeven"),
    ("Jessica", "Hart"),
    ("Kenji", "Mori"),
    ("Olga", "Petrova"),
    ("Sam", "Reid"),
    ("Lucia", "Ferrari"),
    ("Arjun", "Rao"),
];

/// Device registration details as (activity-independent) key/value pairs.
fn device_details(id: &str, os: &str, trust: &str) -> Vec<(S, S)> {
    vec![
        detail("Device Id", id),
        detail("Device OS", os),
        detail("Device Trust Type", trust),
        detail("Device Profile", "RegisteredDevice"),
    ]
}

impl Noise<'_> {
    /// Kind 9a: Guest invitations: a member invites a partner ("Invite external
    /// user" by Invited Users with "Add user" in Core Directory), the guest
    /// redeems within hours ("Redeem external user invite") and signs in to
    /// Teams from the partner's network. Rate: 0.07 % of users per day
    /// (estimate; B2B collaboration is on by default for members, "Default
    /// external collaboration settings").
    fn guest_invitations(&mut self) {
        let t = self.t;
        let mut rng = self.stream(Stream::Guest);
        let templates = t.find_kind(PersonKind::Guest);
        if templates.is_empty() {
            return;
        }
        for k in 0..self.per_member_day(0.0007) {
            let Some(i) = self.one(|_| true) else { return };
            let p = &t.people[i];
            let tpl = &t.people[templates[k % templates.len()]];
            let domain = tpl
                .user
                .upn
                .split('_')
                .nth(1)
                .and_then(|x| x.split("#EXT#").next())
                .unwrap_or("partner.example");
            let (first, last) = GUEST_NAMES[k % GUEST_NAMES.len()];
            let mail = format!(
                "{}.{}{}",
                first.to_lowercase(),
                last.to_lowercase(),
                if k >= GUEST_NAMES.len() { k.to_string() } else { String::new() }
            );
            let user = Arc::new(User {
                id: rng.guid(),
                upn: s(&format!("{mail}_{domain}#EXT#@{INITIAL_DOMAIN}")),
                display: s(&format!("{first} {last} ({})", tpl.user.home_tenant_name)),
                guest: true,
                home_tenant: tpl.user.home_tenant,
                home_tenant_name: tpl.user.home_tenant_name.clone(),
            });
            let guest = Person {
                user: user.clone(),
                kind: PersonKind::Guest,
                office: 0,
                utc_offset_ms: tpl.utc_offset_ms,
                home_net: tpl.home_net.clone(),
                dev_browser: tpl.dev_browser.clone(),
                dev_app: tpl.dev_app.clone(),
                dev_phone: None,
                browser_ua: tpl.browser_ua.clone(),
                app_ua: tpl.app_ua.clone(),
                phone_ua: tpl.phone_ua.clone(),
                joined: false,
                activity: tpl.activity,
                office_goer: 0.0,
                vpn_share: 0.0,
                mfa: tpl.mfa,
                role: None,
            };
            let d = self.weekday(&mut rng);
            let hour = 9.0 + rng.f64() * 8.0;
            let tm = self.at(p, d, hour, &mut rng);
            let ip = self.where_is(&mut rng, p, d, hour).ip.clone();
            let email = format!("{mail}@{domain}");
            let mut ep = Episode::of(&[&p.user.upn, &user.upn]);
            let corr = rng.guid();
            ep.audits.push(audit_in(
                &mut rng,
                corr,
                tm,
                "UserManagement",
                "Invite external user",
                "Invited Users",
                "Add",
                by_user(p, &ip),
                vec![user_target(
                    &user,
                    vec![ModProp::new("InvitedUserEmailAddress", None, Some(jstr(&email)))],
                )],
                vec![detail("User-Agent", &p.browser_ua), detail("invitedUserEmailAddress", &email)],
            ));
            let add_t = tm + rng.range(300, 2_000);
            ep.audits.push(audit_in(
                &mut rng,
                corr,
                add_t,
                "UserManagement",
                "Add user",
                "Core Directory",
                "Add",
                by_user(p, &ip),
                vec![user_target(
                    &user,
                    vec![
                        ModProp::new("AccountEnabled", None, Some("[true]".into())),
                        ModProp::new("DisplayName", None, Some(jarr(&[&user.display]))),
                        ModProp::new("UserPrincipalName", None, Some(jarr(&[&user.upn]))),
                        ModProp::new("UserType", None, Some(jarr(&["Guest"]))),
                        ModProp::new(
                            "Included Updated Properties",
                            None,
                            Some(jstr("AccountEnabled, DisplayName, UserPrincipalName, UserType")),
                        ),
                    ],
                )],
                vec![detail("User-Agent", &p.browser_ua)],
            ));
            let redeem = tm + mins(&mut rng, 10, 6 * 60);
            let mut r = audit(
                &mut rng,
                redeem,
                "UserManagement",
                "Redeem external user invite",
                "Invited Users",
                "Update",
                by_user(&guest, &guest.home_net.ip),
                vec![user_target(&user, vec![])],
                vec![detail("invitedUserEmailAddress", &email)],
            );
            r.result_reason = s("User has redeemed the invitation");
            ep.audits.push(r);
            let mut si = user_signin(
                t,
                &guest,
                Kind::Interactive,
                redeem + rng.range(20_000, 90_000),
                &guest.home_net,
                Client::Browser,
                Some(rng.guid()),
                t.app(app::TEAMS),
                t.resource(res::TEAMS_SVC),
                &mut rng,
            );
            si.mfa_required = true;
            password_steps(&mut si, &guest, &mut rng);
            finish_ca(t, &guest, &mut si);
            ep.signins.push(si);
            self.finish("guest-invitation",
                "A member invites a partner as a guest (Invite external user + Add user); the guest redeems the invitation hours later and signs in to Teams from the partner's network.",
                ep);
        }
    }

    /// Kind 9b: Device registrations right after MFA: a new phone enrols through
    /// the Authentication Broker or a new laptop joins ("Register device",
    /// "Add device", "Add registered owner to device" by the Device
    /// Registration Service), minutes after the user completed MFA on it.
    /// Rate: 0.15 % of users per day, a laptop refresh every 3–4 years and
    /// a phone every 2–3 years (estimate).
    fn device_registrations(&mut self) {
        let t = self.t;
        let mut rng = self.stream(Stream::Device);
        let drs = || by_app("Device Registration Service", Guid(t.id.0 ^ 0xd25), Some(res::DRS.0));
        for _ in 0..self.per_member_day(0.0015) {
            let Some(i) = self.one(|_| true) else { return };
            let p = &t.people[i];
            let d = self.weekday(&mut rng);
            let hour = 8.5 + rng.f64() * 9.0;
            let tm = self.at(p, d, hour, &mut rng);
            let laptop = rng.chance(0.3);
            let (client, n, os, name, trust) = if laptop {
                (
                    Client::Desktop,
                    self.where_is(&mut rng, p, d, hour),
                    "Windows",
                    format!("FAB-LT-{}", rng.alnum_upper(6)),
                    "AzureAd",
                )
            } else {
                let ios = rng.chance(0.6);
                (
                    Client::Phone,
                    p.home_net.clone(),
                    if ios { "iOS" } else { "Android" },
                    if ios { "iPhone" } else { "Galaxy S24" }.to_string(),
                    "Workplace",
                )
            };
            let mut si = user_signin(
                t,
                p,
                Kind::Interactive,
                tm,
                &n,
                client,
                Some(rng.guid()),
                t.app(app::BROKER),
                t.resource(res::DRS),
                &mut rng,
            );
            si.mfa_required = true;
            password_steps(&mut si, p, &mut rng);
            finish_ca(t, p, &mut si);
            let reg = tm + mins(&mut rng, 1, 3);
            let dev_id = rng.guid().to_string();
            let mut ep = Episode::of(&[&p.user.upn]);
            ep.signins.push(si);
            let corr = rng.guid();
            let dev_tgt = |props| obj_target(&dev_id, &name, "Device", props);
            for (k, activity) in [
                "Register device",
                "Add device",
                "Add registered owner to device",
                "Add registered users to device",
            ]
            .into_iter()
            .enumerate()
            {
                let targets = if k < 2 {
                    vec![dev_tgt(vec![
                        ModProp::new("DeviceOSType", None, Some(jarr(&[os]))),
                        ModProp::new("DeviceTrustType", None, Some(jarr(&[trust]))),
                    ])]
                } else {
                    vec![dev_tgt(vec![]), user_target(&p.user, vec![])]
                };
                ep.audits.push(audit_in(
                    &mut rng,
                    corr,
                    reg + k as i64 * 400,
                    "Device",
                    activity,
                    "Core Directory",
                    if k == 0 { "Add" } else { "Assign" },
                    drs(),
                    targets,
                    device_details(&dev_id, os, trust),
                ));
            }
            self.finish("device-registration",
                "A user registers a new phone or joins a new laptop (Register device, Add device, registered owner / user by the Device Registration Service) minutes after completing MFA on it.",
                ep);
        }
    }

    /// Kind 9c: Business-hours Conditional Access edits by the CA (or security)
    /// administrator from the office: an app added to a policy, a sign-in
    /// frequency changed, a role added to the admin policy; the state never
    /// changes. Rate: about one edit a week (estimate).
    fn ca_edits(&mut self) {
        let t = self.t;
        let mut rng = self.stream(Stream::CaEdit);
        let Some(a) = t.admin_with(role::CA_ADMIN).or_else(|| t.admin_with(role::SECURITY_ADMIN)) else {
            return;
        };
        if t.ca_policies.len() < 6 {
            return;
        }
        let admin = &t.people[a];
        let ip = self.admin_ip(a);
        let n = ((self.days / 7.0).round() as usize).max(1);
        // what the policies look like now; each edit changes one thing
        let mut mgmt_apps = vec![res::ARM.0];
        let mut freq = 12u32;
        let mut roles =
            vec![role::GLOBAL_ADMIN.1, role::PRIV_ROLE_ADMIN.1, role::USER_ADMIN.1, role::APP_ADMIN.1];
        let more_apps = ["499b84ac-1321-427f-aa17-267ca6975798", "0000000a-0000-0000-c000-000000000000"];
        let more_roles = [role::EXCHANGE_ADMIN.1, role::HELPDESK_ADMIN.1, role::SECURITY_ADMIN.1];
        for k in 0..n {
            let d = self.weekday(&mut rng);
            let tm = self.at(admin, d, 9.5 + rng.f64() * 7.0, &mut rng);
            let (pi, old, new) = match k % 3 {
                0 => {
                    let old = ca_json(t, 3, "enabled", &mgmt_apps, &[], &["mfa"], None);
                    if let Some(x) = more_apps.get(k / 3) {
                        mgmt_apps.push(*x);
                    }
                    (3, old, ca_json(t, 3, "enabled", &mgmt_apps, &[], &["mfa"], None))
                }
                1 => {
                    let old = ca_json(t, 5, "enabled", &["All"], &[], &[], Some(freq));
                    freq = if freq == 12 { 8 } else { 12 };
                    (5, old, ca_json(t, 5, "enabled", &["All"], &[], &[], Some(freq)))
                }
                _ => {
                    let state = "enabledForReportingButNotEnforced";
                    let grant = ["compliantDevice", "domainJoinedDevice"];
                    let old = ca_json(t, 2, state, &["All"], &roles, &grant, None);
                    if let Some(x) = more_roles.get(k / 3) {
                        roles.push(*x);
                    }
                    (2, old, ca_json(t, 2, state, &["All"], &roles, &grant, None))
                }
            };
            let pol = &t.ca_policies[pi];
            let mut ep = Episode::of(&[&admin.user.upn]);
            ep.audits.push(audit(
                &mut rng,
                tm,
                "Policy",
                "Update conditional access policy",
                "Conditional Access",
                "Update",
                by_user(admin, &ip),
                vec![obj_target(
                    &pol.id.to_string(),
                    pol.name,
                    "Policy",
                    vec![ModProp::new("ConditionalAccessPolicy", Some(old), Some(new))],
                )],
                vec![detail("User-Agent", PORTAL_UA)],
            ));
            self.finish("ca-policy-edit",
                "The Conditional Access administrator makes an ordinary change in business hours from the office: an application added to the Azure-management MFA policy, the sign-in frequency changed, or a role added to the (report-only) admin device policy; no policy changes state.",
                ep);
        }
    }

    /// Kind 9d: Developer app registrations: users may register applications by
    /// default ("Default user permissions": users can register
    /// applications), so developers create apps and their service
    /// principals, add reply URLs and a client secret. Rate: 0.02 % of
    /// users per day (estimate).
    fn app_registrations(&mut self) {
        let t = self.t;
        let mut rng = self.stream(Stream::AppReg);
        for k in 0..self.per_member_day(0.0002) {
            let Some(i) = self.one(|_| true) else { return };
            let p = &t.people[i];
            let d = self.weekday(&mut rng);
            let hour = 9.5 + rng.f64() * 7.0;
            let tm = self.at(p, d, hour, &mut rng);
            let ip = self.where_is(&mut rng, p, d, hour).ip.clone();
            let name = format!(
                "{}-{}",
                ["orders-api", "hr-dashboard", "sales-bot", "docs-search", "ml-sandbox"][k % 5],
                p.user.upn.split('.').next().unwrap_or("dev")
            );
            let (app_id, app_obj, sp_id, key) =
                (rng.guid().to_string(), rng.guid().to_string(), rng.guid().to_string(), rng.guid());
            let details = vec![detail("User-Agent", &p.browser_ua), detail("AppId", &app_id)];
            let app_tgt = |props| vec![obj_target(&app_obj, &name, "Application", props)];
            let init = by_user(p, &ip);
            let mut ep = Episode::of(&[&p.user.upn]);
            let corr = rng.guid();
            ep.audits.push(audit_in(
                &mut rng,
                corr,
                tm,
                "ApplicationManagement",
                "Add application",
                "Core Directory",
                "Add",
                init.clone(),
                app_tgt(vec![
                    ModProp::new("AppId", None, Some(jarr(&[&app_id]))),
                    ModProp::new("DisplayName", None, Some(jarr(&[&name]))),
                    ModProp::new("Included Updated Properties", None, Some(jstr("AppId, DisplayName"))),
                ]),
                details.clone(),
            ));
            ep.audits.push(audit_in(
                &mut rng,
                corr,
                tm + 600,
                "ApplicationManagement",
                "Add owner to application",
                "Core Directory",
                "Add",
                init.clone(),
                vec![
                    user_target(
                        &p.user,
                        vec![ModProp::new("Application.ObjectID", None, Some(jstr(&app_obj)))],
                    ),
                    obj_target(&app_obj, &name, "Application", vec![]),
                ],
                details.clone(),
            ));
            ep.audits.push(audit(
                &mut rng,
                tm + 1_900,
                "ApplicationManagement",
                "Add service principal",
                "Core Directory",
                "Add",
                init.clone(),
                vec![obj_target(
                    &sp_id,
                    &name,
                    "ServicePrincipal",
                    vec![
                        ModProp::new("AccountEnabled", None, Some("[true]".into())),
                        ModProp::new("AppPrincipalId", None, Some(jarr(&[&app_id]))),
                        ModProp::new("DisplayName", None, Some(jarr(&[&name]))),
                        ModProp::new("ServicePrincipalName", None, Some(jarr(&[&app_id]))),
                        ModProp::new(
                            "Included Updated Properties",
                            None,
                            Some(jstr("AccountEnabled, AppPrincipalId, DisplayName, ServicePrincipalName")),
                        ),
                    ],
                )],
                details.clone(),
            ));
            let later = tm + mins(&mut rng, 5, 60);
            ep.audits.push(audit(&mut rng, later, "ApplicationManagement", "Update application", "Core Directory", "Update", init.clone(),
                app_tgt(vec![
                    ModProp::new("AppAddress", Some("[]".into()), Some("[{\"AddressType\":0,\"Address\":\"http://localhost:3000/signin-oidc\",\"ReplyAddressClientType\":1,\"ReplyAddressIndex\":null,\"IsReplyAddressDefault\":false}]".into())),
                    ModProp::new("Included Updated Properties", None, Some(jstr("AppAddress"))),
                ]),
                details.clone()));
            let secret_t = later + mins(&mut rng, 2, 30);
            ep.audits.push(audit(
                &mut rng,
                secret_t,
                "ApplicationManagement",
                UPDATE_CREDS,
                "Core Directory",
                "Update",
                init,
                app_tgt(vec![
                    ModProp::new(
                        "KeyDescription",
                        Some("[]".into()),
                        Some(key_desc(&[(key, "Password", "dev")])),
                    ),
                    ModProp::new("Included Updated Properties", None, Some(jstr("KeyDescription"))),
                ]),
                details,
            ));
            self.finish("developer-app-registration",
                "A developer registers an application (Add application, Add owner to application, Add service principal), adds a localhost reply URL and a client secret from the office or home.",
                ep);
        }
    }
}

/// A CA policy as the audit log stores it (same shape as the stories use).
fn ca_json(
    t: &Tenant,
    i: usize,
    state: &str,
    apps: &[&str],
    roles: &[&str],
    grant: &[&str],
    freq_h: Option<u32>,
) -> String {
    let p = &t.ca_policies[i];
    let list = |v: &[&str]| serde_json::to_string(v).expect("list");
    let users = if roles.is_empty() {
        "{\"includeUsers\":[\"All\"],\"excludeUsers\":[],\"excludeGroups\":[]}".to_string()
    } else {
        format!("{{\"includeRoles\":{},\"excludeUsers\":[],\"excludeGroups\":[]}}", list(roles))
    };
    let grant = if grant.is_empty() {
        "null".to_string()
    } else {
        format!("{{\"operator\":\"OR\",\"builtInControls\":{}}}", list(grant))
    };
    let session = match freq_h {
        Some(h) => format!("{{\"signInFrequency\":{{\"value\":{h},\"type\":\"hours\",\"isEnabled\":true}}}}"),
        None => "null".to_string(),
    };
    format!(
        "{{\"id\":\"{}\",\"displayName\":\"{}\",\"createdDateTime\":\"2023-03-14T09:12:44.1234567+00:00\",\"state\":\"{state}\",\"conditions\":{{\"applications\":{{\"includeApplications\":{}}},\"users\":{users},\"clientAppTypes\":[\"all\"]}},\"grantControls\":{grant},\"sessionControls\":{session}}}",
        p.id,
        p.name,
        list(apps)
    )
}

// ---------------------------------------------------------------------------
// 10: leavers

impl Noise<'_> {
    /// Kind 10: A leaver's phone: the helpdesk disables the account ("Disable
    /// account"), the user's work stops, and the phone's mail app keeps
    /// redeeming its refresh token every 30–60 minutes for days (50057) from
    /// the same home network until the phone is wiped. Rate: 1 % of staff
    /// leave per month and 30 % of those leave a phone signed in (estimate;
    /// BLS JOLTS puts total separations at 3–4 % a month across sectors).
    fn leaver_phone(&mut self) {
        let t = self.t;
        let mut rng = self.stream(Stream::Leaver);
        let Some(h) = self.helpdesk_admin() else { return };
        let admin = &t.people[h];
        let admin_ip = self.admin_ip(h);
        let n = self.per_member_day(0.01 * 0.3 / 30.0);
        for i in self.take_exclusive(n, |p| p.dev_phone.is_some()) {
            let p = &t.people[i];
            let d = if self.ndays > 2 { rng.range(0, (self.ndays * 2 / 3).max(1)) } else { 0 };
            let off = self.at(p, d, 17.0 + rng.f64(), &mut rng);
            let mut ep = Episode::of(&[&p.user.upn, &admin.user.upn]);
            ep.audits.push(audit(
                &mut rng,
                off,
                "UserManagement",
                "Disable account",
                "Core Directory",
                "Update",
                by_user(admin, &admin_ip),
                vec![user_target(
                    &p.user,
                    vec![
                        ModProp::new("AccountEnabled", Some("[true]".into()), Some("[false]".into())),
                        ModProp::new("Included Updated Properties", None, Some(jstr("AccountEnabled"))),
                    ],
                )],
                vec![detail("User-Agent", PORTAL_UA)],
            ));
            let mut base = login(t, p, Client::Phone, off, &p.home_net, false, &mut rng);
            base.error = 50057;
            base.steps = Vec::new();
            base.additional = None;
            let until = off + rng.range(2 * MS_PER_DAY, 6 * MS_PER_DAY);
            let mut tm = off + mins(&mut rng, 10, 60);
            while tm < until {
                let mut ni = refresh(t, &base, Client::Phone, tm, &p.home_net, &mut rng);
                ni.error = 50057;
                ni.additional = None;
                finish_ca(t, p, &mut ni);
                ep.signins.push(ni);
                tm += mins(&mut rng, 30, 60);
            }
            self.edits.offline.push(Offline { person: i, from: off, to: i64::MAX });
            self.finish("leaver-phone-retries",
                "The helpdesk disables a leaver's account; the leaver's phone keeps refreshing its mail and Teams tokens every 30-60 minutes for days (50057, account disabled) from the same home network until it is wiped.",
                ep);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::super::scenarios::{ground_truth, plan};
    use super::super::simulate::{simulate_day, Sim};
    use super::*;
    use crate::enrich::fingerprint::{user_agent, ToolKind};

    /// 2026-10-05T00:00:00Z, the CLI's default start.
    const W0: i64 = 1_791_158_400_000;

    const KINDS: [&str; 20] = [
        "business-trip",
        "leaver-phone-retries",
        "cloud-proxy-egress",
        "mobile-cgnat",
        "icloud-private-relay",
        "password-typo",
        "expired-password",
        "mfa-timeout",
        "mfa-mistaken-decline",
        "office-nat-lockout",
        "legacy-mail-client-retries",
        "helpdesk-password-reset",
        "helpdesk-user-update",
        "pim-activation",
        "sp-secret-rotation",
        "cicd-sdk-principal",
        "guest-invitation",
        "device-registration",
        "ca-policy-edit",
        "developer-app-registration",
    ];

    fn planned(users: usize, days: i64, noise: bool) -> (Tenant, Specials, i64) {
        let w1 = W0 + days * MS_PER_DAY;
        let mut t = Tenant::build(42, users);
        let sp = plan(&mut t, 42, W0, w1, true, noise);
        (t, sp, w1)
    }

    /// Every baseline sign-in of the window.
    fn baseline(t: &Tenant, w1: i64) -> Vec<SignIn> {
        let sim = Sim { t, seed: 42, rate: 12.0, win: (W0, w1) };
        (0..(w1 - W0) / MS_PER_DAY).flat_map(|d| simulate_day(&sim, W0 + d * MS_PER_DAY).signins).collect()
    }

    fn km(a: &Place, b: &Place) -> f64 {
        let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
        let dl = (b.lon - a.lon).to_radians();
        let h = ((p2 - p1) / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        12_742.0 * h.sqrt().asin()
    }

    #[test]
    fn every_kind_has_truth_entries_and_records() {
        let (_, off, _) = planned(40, 7, false);
        let (_, on, w1) = planned(40, 7, true);
        assert!(off.noise.is_empty());
        let names: BTreeSet<&str> = on.noise.iter().map(|x| x.name).collect();
        assert_eq!(names, KINDS.into_iter().collect::<BTreeSet<_>>());
        for (k, x) in on.noise.iter().enumerate() {
            assert_eq!(x.id, FIRST_ID + k as u32);
            assert!(x.expected.is_empty() && x.risks == 0, "{}", x.name);
            assert!(!x.users.is_empty() && !x.ips.is_empty(), "{} {}", x.id, x.name);
            assert!(x.signins + x.audits > 0 && W0 <= x.start && x.start <= x.end && x.end < w1, "{}", x.id);
        }
        // the truth counts are exactly the records noise added
        let signins: usize = on.noise.iter().map(|x| x.signins).sum();
        let audits: usize = on.noise.iter().map(|x| x.audits).sum();
        assert_eq!(signins, on.signins.len() - off.signins.len());
        assert_eq!(audits, on.audits.len() - off.audits.len());
    }

    #[test]
    fn noise_only_adds() {
        let (t_off, off, w1) = planned(40, 7, false);
        let (t_on, on, _) = planned(40, 7, true);
        // the stories keep their records and their truth
        let ids: BTreeSet<(Guid, i64)> = on.signins.iter().map(|x| (x.id, x.t)).collect();
        assert!(off.signins.iter().all(|x| ids.contains(&(x.id, x.t))));
        let audits: BTreeSet<&str> = on.audits.iter().map(|x| &*x.id).collect();
        assert!(off.audits.iter().all(|x| audits.contains(&*x.id)));
        let (mut a, mut b) = (ground_truth(&t_off, &off, W0, w1), ground_truth(&t_on, &on, W0, w1));
        assert!(b["noise"].is_array() && a.get("noise").is_none());
        b.as_object_mut().unwrap().remove("noise");
        a.as_object_mut().unwrap().remove("noise");
        assert_eq!(a, b);
        // the baseline of everyone the tenant edits did not touch is unchanged
        let moved: BTreeSet<usize> =
            t_on.travel.iter().map(|x| x.person).chain(t_on.offline.iter().map(|x| x.person)).collect();
        let moved_upns: BTreeSet<&str> = moved.iter().map(|&i| &*t_on.people[i].user.upn).collect();
        let moved_sps: BTreeSet<Guid> = t_on.sp_moves.iter().map(|m| t_on.sps[m.sp].w.sp_id).collect();
        let keep = |x: &SignIn| {
            !x.upn().is_some_and(|u| moved_upns.contains(u))
                && !x.workload.as_ref().is_some_and(|w| moved_sps.contains(&w.sp_id))
        };
        let key = |v: Vec<SignIn>| -> Vec<(Guid, i64, String)> {
            v.iter().filter(|x| keep(x)).map(|x| (x.id, x.t, x.net.ip.to_string())).collect()
        };
        assert!(!moved.is_empty() && !moved_sps.is_empty());
        assert_eq!(key(baseline(&t_off, w1)), key(baseline(&t_on, w1)));
    }

    #[test]
    fn deterministic() {
        let (t1, a, w1) = planned(40, 7, true);
        let (t2, b, _) = planned(40, 7, true);
        assert_eq!(ground_truth(&t1, &a, W0, w1), ground_truth(&t2, &b, W0, w1));
        let key =
            |sp: &Specials| sp.signins.iter().map(|x| (x.id, x.t, x.net.ip.to_string())).collect::<Vec<_>>();
        assert_eq!(key(&a), key(&b));
    }

    #[test]
    fn counts_scale_with_users_and_days() {
        let per_kind = |sp: &Specials| {
            let mut m: BTreeMap<&str, usize> = BTreeMap::new();
            for x in &sp.noise {
                *m.entry(x.name).or_default() += x.signins + x.audits;
            }
            m
        };
        let (_, small, _) = planned(40, 7, true);
        let (_, big, _) = planned(400, 14, true);
        let (s, b) = (per_kind(&small), per_kind(&big));
        assert!(big.noise.len() > 3 * small.noise.len(), "{} vs {}", big.noise.len(), small.noise.len());
        for k in
            ["cloud-proxy-egress", "mobile-cgnat", "password-typo", "cicd-sdk-principal", "pim-activation"]
        {
            assert!(b[k] > s[k], "{k}: {} vs {}", b[k], s[k]);
        }
    }

    #[test]
    fn noise_does_not_look_like_an_attack() {
        let (t, sp, w1) = planned(400, 14, true);
        let attack_users: BTreeSet<&str> =
            sp.attacks.iter().flat_map(|x| x.users.iter().map(|u| u.as_str())).collect();
        let noise_users: BTreeSet<&str> =
            sp.noise.iter().flat_map(|x| x.users.iter().map(|u| u.as_str())).collect();
        assert!(
            attack_users.is_disjoint(&noise_users),
            "{:?}",
            attack_users.intersection(&noise_users).collect::<Vec<_>>()
        );
        let noise_ips: BTreeSet<&str> =
            sp.noise.iter().flat_map(|x| x.ips.iter().map(|u| u.as_str())).collect();
        // attacker infrastructure (victims' homes come from the shared documentation ranges)
        let doc = ["192.0.2.", "198.51.100.", "203.0.113."];
        let attack_ips: BTreeSet<&str> = sp
            .attacks
            .iter()
            .flat_map(|x| x.ips.iter().map(|u| u.as_str()))
            .filter(|ip| !doc.iter().any(|d| ip.starts_with(d)))
            .collect();
        assert!(
            attack_ips.is_disjoint(&noise_ips),
            "{:?}",
            attack_ips.intersection(&noise_ips).collect::<Vec<_>>()
        );
        // no failures of many users from one address within an hour (a spray)
        let first_noise = sp.signins.len() - sp.noise.iter().map(|x| x.signins).sum::<usize>();
        let mut failing: BTreeMap<(&str, i64), BTreeSet<&str>> = BTreeMap::new();
        for x in sp.signins[first_noise..].iter().filter(|x| x.error != 0 && x.kind.is_user()) {
            failing.entry((&x.net.ip, x.t / MS_PER_HOUR)).or_default().insert(x.upn().unwrap());
        }
        assert!(failing.values().all(|u| u.len() <= 3), "{:?}", failing.values().map(|u| u.len()).max());
        // no attack-tool user agents
        for x in &sp.signins[first_noise..] {
            assert!(!matches!(user_agent(&x.ua), Some((_, ToolKind::AttackTool))), "{}", x.ua);
        }
        // travellers never move faster than an airliner, baseline included
        // (the corporate VPN egress geolocates to Seattle for everyone: not travel)
        let travellers: BTreeSet<usize> =
            t.offline.iter().filter(|o| o.to != i64::MAX).map(|o| o.person).collect();
        assert!(!travellers.is_empty());
        let all: Vec<SignIn> = baseline(&t, w1).into_iter().chain(sp.signins.iter().cloned()).collect();
        for &i in &travellers {
            let upn = &*t.people[i].user.upn;
            let mut mine: Vec<&SignIn> =
                all.iter().filter(|x| x.upn() == Some(upn) && x.net.kind != NetKind::Vpn).collect();
            mine.sort_by_key(|x| x.t);
            for w in mine.windows(2) {
                let d = km(&w[0].net.place, &w[1].net.place);
                let h = (w[1].t - w[0].t) as f64 / MS_PER_HOUR as f64;
                assert!(
                    d < 500.0 || d / h < 1_000.0,
                    "{upn}: {d:.0} km in {h:.2} h ({} -> {})",
                    w[0].net.place.city,
                    w[1].net.place.city
                );
            }
        }
        // leavers do no work after their account is disabled
        for o in t.offline.iter().filter(|o| o.to == i64::MAX) {
            let upn = &*t.people[o.person].user.upn;
            assert!(all.iter().filter(|x| x.upn() == Some(upn) && x.t > o.from).all(|x| x.error == 50057));
        }
    }

    /// Each noise entry with the sign-ins it accounts for (noise records come
    /// last, in entry order).
    fn by_entry(sp: &Specials) -> Vec<(&Truth, &[SignIn])> {
        let mut at = sp.signins.len() - sp.noise.iter().map(|x| x.signins).sum::<usize>();
        sp.noise
            .iter()
            .map(|x| {
                let r = &sp.signins[at..at + x.signins];
                at += x.signins;
                (x, r)
            })
            .collect()
    }

    #[test]
    fn kinds_have_their_shape() {
        let (t, sp, _) = planned(400, 14, true);
        let entries = by_entry(&sp);
        let of = |name: &'static str| {
            entries.iter().filter(move |(x, _)| x.name == name).flat_map(|(_, r)| r.iter())
        };
        // proxy: the same session in two countries within minutes, and the split tunnel from home
        let proxy: Vec<&SignIn> = of("cloud-proxy-egress").collect();
        let hops = proxy.windows(2).filter(|w| {
            w[0].session == w[1].session
                && [w[0].net.asn, w[1].net.asn].iter().all(|a| [ZS_US, ZS_CH].contains(a))
                && w[0].net.place.country != w[1].net.place.country
                && (w[1].t - w[0].t).abs() < 30 * MS_PER_MIN
        });
        assert!(hops.count() > 0);
        assert!(proxy.iter().any(|x| x.net.kind == NetKind::Home));
        // CGNAT: carrier ASNs, one address shared by several users, a phone far apart within the hour
        let cgnat: Vec<&SignIn> = of("mobile-cgnat").collect();
        let carriers: BTreeSet<u32> = CARRIERS.iter().flat_map(|c| c.iter().map(|x| x.1)).collect();
        assert!(cgnat.iter().all(|x| carriers.contains(&x.net.asn)));
        let mut users_per_ip: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for x in &cgnat {
            users_per_ip.entry(&x.net.ip).or_default().insert(x.upn().unwrap());
        }
        assert!(users_per_ip.values().any(|u| u.len() >= 3));
        assert!(cgnat.windows(2).any(|w| w[0].session == w[1].session
            && km(&w[0].net.place, &w[1].net.place) > 200.0
            && w[1].t - w[0].t < MS_PER_HOUR));
        // Private Relay: Apple devices only, relay ASNs, a town that is not home
        for (x, r) in entries.iter().filter(|(x, _)| x.name == "icloud-private-relay") {
            let p = t.people.iter().find(|p| *p.user.upn == *x.users[0]).unwrap();
            assert!(r.iter().all(|s| s.ua.contains("iPhone") || s.ua.contains("Macintosh")));
            assert!(r.iter().all(|s| [36183, 13335, 54113].contains(&s.net.asn)));
            assert!(r.iter().all(|s| s.net.place.city != p.home_net.place.city));
        }
        // CI/CD: workloads with library user agents from cloud ASNs
        for s in of("cicd-sdk-principal") {
            assert!(s.kind == Kind::ServicePrincipal && [8075, 16509, 396982].contains(&s.net.asn));
            assert!(
                s.ua.contains("Azure-SDK-For-Python")
                    || matches!(user_agent(&s.ua), Some((_, ToolKind::HttpLibrary)))
            );
        }
        // legacy client: one user, one home IP, legacy protocols
        for (_, r) in entries.iter().filter(|(x, _)| x.name == "legacy-mail-client-retries") {
            let ips: BTreeSet<&str> = r.iter().map(|s| &*s.net.ip).collect();
            assert_eq!(ips.len(), 1);
            assert!(r.iter().all(|s| is_legacy(s.client_app) && &*s.ua == UA_BAV2ROPC));
            assert!(r.iter().filter(|s| s.error != 0).count() > 100);
        }
        assert!(of("leaver-phone-retries").all(|s| s.error == 50057 && s.kind == Kind::NonInteractive));
        // MFA slips: a 500121 then the user's own approval from the same device and network
        for name in ["mfa-timeout", "mfa-mistaken-decline"] {
            for (_, r) in entries.iter().filter(|(x, _)| x.name == name) {
                let (bad, ok) = (&r[0], &r[2]);
                assert_eq!((bad.error, ok.error), (500121, 0));
                assert!(
                    bad.net.ip == ok.net.ip && bad.device.id == ok.device.id && ok.t - bad.t < 5 * MS_PER_MIN
                );
            }
        }
    }

    #[test]
    fn rotated_principal_moves() {
        let (t, _, w1) = planned(40, 7, true);
        let mv = &t.sp_moves[0];
        let sp = &t.sps[mv.sp];
        let mine: Vec<SignIn> = baseline(&t, w1)
            .into_iter()
            .filter(|x| x.workload.as_ref().is_some_and(|w| w.sp_id == sp.w.sp_id))
            .collect();
        assert!(mine.iter().any(|x| x.t < mv.at) && mine.iter().any(|x| x.t >= mv.at));
        for x in &mine {
            let after = x.t >= mv.at;
            assert_eq!(x.cred_key == Some(mv.key), after);
            assert_eq!(x.net.ip == mv.net.ip, after);
            assert_eq!(x.net.asn, sp.net.asn);
        }
    }
}
