//! The simulated tenant: offices and their networks, people with devices and
//! habits, first-party apps and resources, workload identities and the
//! Conditional Access policy set. Everything is derived from the seed.
//!
//! IP plan (documented in the generated README):
//! * 198.51.100.0/24 — office NAT egress (198.51.100.10/.20/.30/.40/.50) and
//!   on-prem servers (.5/.6);
//! * 203.0.113.10 — the corporate VPN egress (Seattle); the rest of
//!   203.0.113.0/24 and all of 192.0.2.0/24 are home, hotel and partner IPs;
//! * everything else is either Azure (workloads) or attacker infrastructure.

use std::sync::Arc;

use super::model::*;
use super::rng::{Guid, Rng};

pub const TENANT_NAME: &str = "Fabrikam";
pub const DOMAIN: &str = "fabrikam.example";
pub const INITIAL_DOMAIN: &str = "fabrikamexample.onmicrosoft.com";
/// Tenant that owns Microsoft first-party apps.
pub const MS_TENANT: &str = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";

// ---------------------------------------------------------------------------
// static catalogues

/// (id, display name) of first-party client apps used by the simulation.
pub mod app {
    pub const OFFICE_HOME: (&str, &str) = ("4765445b-32c6-49b0-83e6-1d93765276ca", "OfficeHome");
    pub const OFFICE: (&str, &str) = ("d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office");
    pub const TEAMS: (&str, &str) = ("1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams");
    pub const OUTLOOK_MOBILE: (&str, &str) = ("27922004-5251-4030-b22d-91ecd9a37ea4", "Outlook Mobile");
    pub const ONEDRIVE: (&str, &str) = ("ab9b8c07-8f02-4f72-87fa-80105867a763", "OneDrive SyncEngine");
    pub const AZURE_PORTAL: (&str, &str) = ("c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Azure Portal");
    pub const BROKER: (&str, &str) =
        ("29d9ed98-a469-4536-ade2-f981bc1d605e", "Microsoft Authentication Broker");
    pub const WINDOWS_SIGN_IN: (&str, &str) = ("38aa3b87-a06d-4817-b275-7a316988d93b", "Windows Sign In");
    pub const MY_SIGNINS: (&str, &str) = ("19db86c3-b2b9-44cc-b339-36da233a3be2", "My Signins");
    pub const SHELL_CLIENT: (&str, &str) =
        ("89bee1f7-5e6e-4d8a-9f3d-ecd601259da7", "Office365 Shell WCSS-Client");
    pub const GRAPH_PS: (&str, &str) = ("14d82eec-204b-4c2f-b7e8-296a70dab67e", "Microsoft Graph PowerShell");
    pub const EXO_CLIENT: (&str, &str) =
        ("00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online");
    pub const EDGE: (&str, &str) = ("ecd6b820-32c2-49b6-98a6-444530e5a77a", "Microsoft Edge");
}

/// (app id, display name) of resources.
pub mod res {
    pub const GRAPH: (&str, &str) = ("00000003-0000-0000-c000-000000000000", "Microsoft Graph");
    pub const EXO: (&str, &str) = ("00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online");
    pub const SPO: (&str, &str) = ("00000003-0000-0ff1-ce00-000000000000", "Office 365 SharePoint Online");
    pub const AAD_GRAPH: (&str, &str) =
        ("00000002-0000-0000-c000-000000000000", "Windows Azure Active Directory");
    pub const ARM: (&str, &str) =
        ("797f4846-ba00-4fd7-ba43-dac1f8f63013", "Windows Azure Service Management API");
    pub const TEAMS_SVC: (&str, &str) = ("cc15fd57-2c6c-4117-a88c-83b1d56b4bbe", "Microsoft Teams Services");
    pub const SHELL_SERVER: (&str, &str) =
        ("5f09333a-842c-47da-a157-57da27fcbca5", "Office365 Shell WCSS-Server");
    pub const KEY_VAULT: (&str, &str) = ("cfa8b339-82a2-471a-a3c9-0fc0be7a4093", "Azure Key Vault");
    pub const STORAGE: (&str, &str) = ("e406a681-f3d4-42a8-90b6-c2b029497af1", "Azure Storage");
    pub const DRS: (&str, &str) = ("01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9", "Device Registration Service");
}

/// (display name, template id) of directory roles.
pub mod role {
    pub const GLOBAL_ADMIN: (&str, &str) = ("Global Administrator", "62e90394-69f5-4237-9190-012177145e10");
    pub const PRIV_ROLE_ADMIN: (&str, &str) =
        ("Privileged Role Administrator", "e8611ab8-c189-46e8-94e1-60213ab1f814");
    pub const USER_ADMIN: (&str, &str) = ("User Administrator", "fe930be7-5e62-47db-91af-98c3a49a38b1");
    pub const HELPDESK_ADMIN: (&str, &str) =
        ("Helpdesk Administrator", "729827e3-9c14-49f7-bb1b-9608f156bbb8");
    pub const APP_ADMIN: (&str, &str) = ("Application Administrator", "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3");
    pub const SECURITY_ADMIN: (&str, &str) =
        ("Security Administrator", "194ae4cb-b126-40b2-bd5b-6091b380977d");
    pub const EXCHANGE_ADMIN: (&str, &str) =
        ("Exchange Administrator", "29232cdf-9323-42fd-ade2-1d097af3e4de");
    pub const CA_ADMIN: (&str, &str) =
        ("Conditional Access Administrator", "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9");
}

const FIRST: &[&str] = &[
    "Adele",
    "Alex",
    "Allan",
    "Amara",
    "Ana",
    "Anders",
    "Aylin",
    "Ben",
    "Bianca",
    "Carlos",
    "Chen",
    "Chloe",
    "Daniel",
    "Diego",
    "Elena",
    "Emeka",
    "Emma",
    "Farah",
    "Felix",
    "Grace",
    "Hana",
    "Hannah",
    "Henrik",
    "Isabel",
    "Ivan",
    "Jamal",
    "Jana",
    "Jonas",
    "Julia",
    "Kai",
    "Karim",
    "Keiko",
    "Laura",
    "Lea",
    "Lena",
    "Leon",
    "Liam",
    "Lucas",
    "Maja",
    "Marco",
    "Maria",
    "Mateo",
    "Mei",
    "Miguel",
    "Mina",
    "Nadia",
    "Noah",
    "Nora",
    "Omar",
    "Oscar",
    "Pablo",
    "Priya",
    "Rafael",
    "Ravi",
    "Rosa",
    "Ryan",
    "Sara",
    "Sofia",
    "Tariq",
    "Thomas",
    "Tom",
    "Valentina",
    "Victor",
    "Yara",
    "Yusuf",
    "Zoe",
];
const LAST: &[&str] = &[
    "Adams",
    "Ahmed",
    "Andersen",
    "Baker",
    "Becker",
    "Brown",
    "Campbell",
    "Chen",
    "Clarke",
    "Costa",
    "Davies",
    "Diaz",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Gupta",
    "Hall",
    "Hansen",
    "Hoffmann",
    "Ito",
    "Jensen",
    "Johnson",
    "Kim",
    "Klein",
    "Kowalski",
    "Lee",
    "Lopez",
    "Martin",
    "Meyer",
    "Miller",
    "Moreau",
    "Murphy",
    "Nguyen",
    "Novak",
    "Okafor",
    "Olsen",
    "Patel",
    "Perez",
    "Rossi",
    "Santos",
    "Schmidt",
    "Schneider",
    "Silva",
    "Singh",
    "Smith",
    "Suzuki",
    "Taylor",
    "Thompson",
    "Walker",
    "Wang",
    "Weber",
    "Wilson",
    "Wright",
    "Yamamoto",
    "Young",
    "Zhang",
];

struct OfficeSpec {
    name: &'static str,
    city: &'static str,
    state: &'static str,
    cc: &'static str,
    lat: f64,
    lon: f64,
    utc_offset_h: i64,
    egress: &'static str,
    asn: u32,
    weight: f64,
    homes: &'static [(&'static str, &'static str, f64, f64)],
    home_asns: &'static [u32],
}

const OFFICES: &[OfficeSpec] = &[
    OfficeSpec {
        name: "Seattle HQ",
        city: "Seattle",
        state: "Washington",
        cc: "US",
        lat: 47.6062,
        lon: -122.3321,
        utc_offset_h: -8,
        egress: "198.51.100.10",
        asn: 3356,
        weight: 0.40,
        homes: &[
            ("Bellevue", "Washington", 47.6101, -122.2015),
            ("Redmond", "Washington", 47.6740, -122.1215),
            ("Kirkland", "Washington", 47.6815, -122.2087),
            ("Tacoma", "Washington", 47.2529, -122.4443),
            ("Seattle", "Washington", 47.6205, -122.3493),
        ],
        home_asns: &[7922, 20115, 7018],
    },
    OfficeSpec {
        name: "London",
        city: "London",
        state: "England",
        cc: "GB",
        lat: 51.5074,
        lon: -0.1278,
        utc_offset_h: 0,
        egress: "198.51.100.20",
        asn: 2856,
        weight: 0.20,
        homes: &[
            ("Reading", "England", 51.4543, -0.9781),
            ("Croydon", "England", 51.3762, -0.0982),
            ("Watford", "England", 51.6565, -0.3903),
            ("London", "England", 51.5155, -0.0922),
        ],
        home_asns: &[5089, 2856, 5607],
    },
    OfficeSpec {
        name: "Munich",
        city: "Munich",
        state: "Bayern",
        cc: "DE",
        lat: 48.1351,
        lon: 11.5820,
        utc_offset_h: 1,
        egress: "198.51.100.30",
        asn: 3320,
        weight: 0.15,
        homes: &[
            ("Augsburg", "Bayern", 48.3705, 10.8978),
            ("Freising", "Bayern", 48.4029, 11.7488),
            ("Munich", "Bayern", 48.1500, 11.5500),
        ],
        home_asns: &[3320, 3209, 6805],
    },
    OfficeSpec {
        name: "Toronto",
        city: "Toronto",
        state: "Ontario",
        cc: "CA",
        lat: 43.6532,
        lon: -79.3832,
        utc_offset_h: -5,
        egress: "198.51.100.50",
        asn: 577,
        weight: 0.15,
        homes: &[
            ("Mississauga", "Ontario", 43.5890, -79.6441),
            ("Markham", "Ontario", 43.8561, -79.3370),
            ("Toronto", "Ontario", 43.6700, -79.4000),
        ],
        home_asns: &[812, 577],
    },
    OfficeSpec {
        name: "Sydney",
        city: "Sydney",
        state: "New South Wales",
        cc: "AU",
        lat: -33.8688,
        lon: 151.2093,
        utc_offset_h: 10,
        egress: "198.51.100.40",
        asn: 1221,
        weight: 0.10,
        homes: &[
            ("Parramatta", "New South Wales", -33.8150, 151.0011),
            ("Chatswood", "New South Wales", -33.7969, 151.1803),
        ],
        home_asns: &[1221, 4764],
    },
];

// ---------------------------------------------------------------------------
// model

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PersonKind {
    Member,
    Admin,
    Guest,
    BreakGlass,
    Disabled,
}

#[derive(Debug)]
pub struct Office {
    pub name: &'static str,
    pub net: Arc<Net>,
}

#[derive(Debug)]
pub struct Person {
    pub user: Arc<User>,
    pub kind: PersonKind,
    pub office: usize,
    pub utc_offset_ms: i64,
    pub home_net: Arc<Net>,
    /// The laptop as seen by a browser sign-in and by a native app sign-in
    /// (only `deviceDetail.browser` differs).
    pub dev_browser: Arc<Device>,
    pub dev_app: Arc<Device>,
    pub dev_phone: Option<Arc<Device>>,
    pub browser_ua: S,
    pub app_ua: S,
    pub phone_ua: S,
    /// Windows device joined to Entra: native apps use the PRT.
    pub joined: bool,
    pub activity: f64,
    pub office_goer: f64,
    pub vpn_share: f64,
    /// (authenticationDetails method, mfaDetail.authMethod)
    pub mfa: (&'static str, &'static str),
    pub role: Option<(&'static str, &'static str)>,
}

impl Person {
    pub fn signs_in(&self) -> bool {
        matches!(self.kind, PersonKind::Member | PersonKind::Admin | PersonKind::Guest)
    }
}

#[derive(Debug)]
pub struct SpProfile {
    pub w: Arc<Workload>,
    pub net: Arc<Net>,
    pub cred_type: &'static str,
    pub key_id: Guid,
    pub thumb: Option<S>,
    pub interval_min: i64,
    pub resource: Arc<Resource>,
}

#[derive(Debug)]
pub struct MiProfile {
    pub w: Arc<Workload>,
    pub interval_min: i64,
    pub resources: Vec<Arc<Resource>>,
    pub cert_key: Guid,
}

/// A benign business trip: the user's remote sign-ins come from `net`.
#[derive(Debug)]
pub struct Travel {
    pub person: usize,
    pub from: i64,
    pub to: i64,
    pub net: Arc<Net>,
}

/// A span in which a person signs in nowhere: a flight, or the time after
/// they left the company (`to == i64::MAX`). Only `--noise` adds these.
#[derive(Debug)]
pub struct Offline {
    pub person: usize,
    pub from: i64,
    pub to: i64,
}

/// From `at` on, a service principal signs in from `net` with a new
/// credential (a rotation that came with a redeployment). Only `--noise`
/// adds these.
#[derive(Debug)]
pub struct SpMove {
    pub sp: usize,
    pub at: i64,
    pub net: Arc<Net>,
    pub key: Guid,
    pub thumb: Option<S>,
}

/// Bits describing a sign-in's Conditional Access situation.
pub mod ca_bits {
    pub const MFA_APPLIES: usize = 1;
    pub const MFA_FAILED: usize = 2;
    pub const LEGACY: usize = 4;
    pub const ADMIN: usize = 8;
    pub const AZURE_MGMT: usize = 16;
    pub const UNMANAGED: usize = 32;
    /// CA001 was switched off (after the privilege-escalation scenario).
    pub const MFA_POLICY_OFF: usize = 64;
    pub const COUNT: usize = 128;
}

pub struct Tenant {
    pub seed: u64,
    pub id: Guid,
    pub workspace: Guid,
    pub subscription: Guid,
    pub offices: Vec<Office>,
    pub vpn: Arc<Net>,
    pub empty_net: Arc<Net>,
    pub no_device: Arc<Device>,
    pub people: Vec<Person>,
    pub sps: Vec<SpProfile>,
    pub mis: Vec<MiProfile>,
    pub ca_policies: Vec<Arc<CaPolicy>>,
    ca_sets: Vec<Arc<Vec<CaResult>>>,
    pub empty_ca: Arc<Vec<CaResult>>,
    pub travel: Vec<Travel>,
    /// Flights and leavers: no baseline sessions start in these spans.
    pub offline: Vec<Offline>,
    /// Service-principal credential rotations that moved the principal.
    pub sp_moves: Vec<SpMove>,
    /// Set by the privilege-escalation scenario: CA001 disabled from then on.
    pub ca_mfa_off_at: Option<i64>,
    pub msi_sp: Guid,
    pub pim_sp: Guid,
    pub apps: Vec<Arc<App>>,
    pub resources: Vec<Arc<Resource>>,
}

impl Tenant {
    pub fn build(seed: u64, members: usize) -> Tenant {
        let mut rng = Rng::stream(seed, &[0x7E4A47]);
        let id = rng.guid();
        let workspace = rng.guid();
        let subscription = rng.guid();
        let msi_sp = rng.guid();
        let pim_sp = rng.guid();
        let offices = build_offices();
        let vpn = net(
            "203.0.113.10",
            3356,
            place("Seattle", "Washington", "US", 47.6062, -122.3321),
            NetKind::Vpn,
            Some("Corporate VPN"),
        );
        let empty_net = net("", 0, place("", "", "", 0.0, 0.0), NetKind::Empty, None);
        let no_device = Arc::new(Device {
            id: None,
            name: s(""),
            os: "",
            browser: s(""),
            compliant: false,
            managed: false,
            trust: "",
        });
        let ca_policies = build_ca_policies(&mut rng);
        let ca_sets = (0..ca_bits::COUNT).map(|bits| Arc::new(ca_results(&ca_policies, bits))).collect();
        let mut t = Tenant {
            seed,
            id,
            workspace,
            subscription,
            offices,
            vpn,
            empty_net,
            no_device,
            people: Vec::new(),
            sps: Vec::new(),
            mis: Vec::new(),
            ca_policies,
            ca_sets,
            empty_ca: Arc::new(Vec::new()),
            travel: Vec::new(),
            offline: Vec::new(),
            sp_moves: Vec::new(),
            ca_mfa_off_at: None,
            msi_sp,
            pim_sp,
            apps: Vec::new(),
            resources: Vec::new(),
        };
        t.apps = ALL_APPS.iter().map(|(i, n)| Arc::new(App { id: s(i), name: s(n) })).collect();
        t.resources = ALL_RESOURCES
            .iter()
            .map(|(i, n)| Arc::new(Resource { id: s(i), name: s(n), sp_id: rng.guid() }))
            .collect();
        t.build_people(&mut rng, members.max(1));
        t.build_workloads(&mut rng, members);
        t
    }

    pub fn app(&self, a: (&str, &str)) -> Arc<App> {
        self.apps.iter().find(|x| &*x.id == a.0 && &*x.name == a.1).cloned().expect("app in catalogue")
    }

    pub fn resource(&self, r: (&str, &str)) -> Arc<Resource> {
        self.resources.iter().find(|x| &*x.id == r.0).cloned().expect("resource in catalogue")
    }

    pub fn ca(&self, bits: usize) -> Arc<Vec<CaResult>> {
        self.ca_sets[bits % ca_bits::COUNT].clone()
    }

    pub fn members(&self) -> impl Iterator<Item = (usize, &Person)> {
        self.people.iter().enumerate().filter(|(_, p)| p.kind == PersonKind::Member)
    }

    pub fn find_kind(&self, kind: PersonKind) -> Vec<usize> {
        self.people.iter().enumerate().filter(|(_, p)| p.kind == kind).map(|(i, _)| i).collect()
    }

    /// The end of a baseline session of `person` planned for `start..end`,
    /// cut short before the person goes offline (token refreshes land up to
    /// a few seconds after a session's end); `None` when it would start while
    /// they are offline or just before.
    pub fn session_end(&self, person: usize, start: i64, end: i64) -> Option<i64> {
        const MARGIN: i64 = 10_000;
        let mut end = end;
        for o in self.offline.iter().filter(|o| o.person == person) {
            if (o.from - MARGIN..o.to).contains(&start) {
                return None;
            }
            if start < o.from && o.from - MARGIN < end {
                end = o.from - MARGIN;
            }
        }
        Some(end)
    }

    pub fn admin_with(&self, r: (&str, &str)) -> Option<usize> {
        self.people.iter().position(|p| p.role.map(|x| x.0) == Some(r.0))
    }

    fn build_people(&mut self, rng: &mut Rng, members: usize) {
        let mut used = std::collections::BTreeSet::new();
        let mut homes = std::collections::BTreeSet::new();
        let admin_roles = admin_roles(members);
        for i in 0..members {
            let kind = if i < admin_roles.len() { PersonKind::Admin } else { PersonKind::Member };
            let role = admin_roles.get(i).copied();
            let p = self.member(rng, &mut used, &mut homes, kind, role);
            self.people.push(p);
        }
        for i in 0..(members / 20).max(3) {
            let p = self.guest(rng, i);
            self.people.push(p);
        }
        for n in 1..=2 {
            let upn = format!("breakglass0{n}@{INITIAL_DOMAIN}");
            let p = self.service_account(
                rng,
                &mut homes,
                &upn,
                &format!("Break Glass 0{n}"),
                PersonKind::BreakGlass,
            );
            self.people.push(p);
        }
        let p = self.service_account(
            rng,
            &mut homes,
            &format!("oliver.grant@{DOMAIN}"),
            "Oliver Grant",
            PersonKind::Disabled,
        );
        self.people.push(p);
    }

    fn member(
        &self,
        rng: &mut Rng,
        used: &mut std::collections::BTreeSet<String>,
        homes: &mut std::collections::BTreeSet<String>,
        kind: PersonKind,
        role: Option<(&'static str, &'static str)>,
    ) -> Person {
        let (first, last) = loop {
            let f = *rng.pick(FIRST);
            let l = *rng.pick(LAST);
            if used.len() > FIRST.len() * LAST.len() / 2 || used.insert(format!("{f}.{l}")) {
                break (f, l);
            }
        };
        let mut upn = format!("{}.{}@{DOMAIN}", first.to_lowercase(), last.to_lowercase());
        let mut n = 2;
        while used.contains(&upn) {
            upn = format!("{}.{}{n}@{DOMAIN}", first.to_lowercase(), last.to_lowercase());
            n += 1;
        }
        used.insert(upn.clone());
        let office =
            *rng.weighted(&OFFICES.iter().enumerate().map(|(i, o)| (i, o.weight)).collect::<Vec<_>>());
        let spec = &OFFICES[office];
        let user = Arc::new(User {
            id: rng.guid(),
            upn: s(&upn),
            display: s(&format!("{first} {last}")),
            guest: false,
            home_tenant: self.id,
            home_tenant_name: s(TENANT_NAME),
        });
        let home = rng.pick(spec.homes);
        let home_ip = home_ip(rng, homes);
        let home_net = net(
            &home_ip,
            *rng.pick(spec.home_asns),
            place(home.0, home.1, spec.cc, home.2, home.3),
            NetKind::Home,
            None,
        );
        let (dev_browser, dev_app, browser_ua, app_ua, joined) = laptop(rng, first);
        let (dev_phone, phone_ua) = phone(rng);
        let mfa = *rng.weighted(&[
            (("Mobile app notification", "PhoneAppNotification"), 0.7),
            (("OATH verification code", "PhoneAppOTP"), 0.2),
            (("Text message", "OneWaySMS"), 0.1),
        ]);
        Person {
            user,
            kind,
            office,
            utc_offset_ms: spec.utc_offset_h * MS_PER_HOUR,
            home_net,
            dev_browser,
            dev_app,
            dev_phone: if kind == PersonKind::Admin || rng.chance(0.85) { Some(dev_phone) } else { None },
            browser_ua: s(&browser_ua),
            app_ua: s(&app_ua),
            phone_ua: s(&phone_ua),
            joined,
            // log-normal with mean ~1 (exp(-sigma^2/2) correction)
            activity: (0.35 * rng.normal() - 0.061).exp().clamp(0.4, 2.2),
            office_goer: rng.f64() * 0.8 + 0.1,
            vpn_share: if rng.chance(0.25) { 0.3 } else { 0.0 },
            mfa,
            role,
        }
    }

    fn guest(&self, rng: &mut Rng, i: usize) -> Person {
        let pt = &PARTNERS[i % PARTNERS.len()];
        let first = *rng.pick(FIRST);
        let last = *rng.pick(LAST);
        let mail = format!(
            "{}.{}{}",
            first.to_lowercase(),
            last.to_lowercase(),
            if i >= PARTNERS.len() { format!("{i}") } else { String::new() }
        );
        let upn = format!("{mail}_{}#EXT#@{INITIAL_DOMAIN}", pt.domain);
        let home_tenant = Rng::stream(0x9A27, &[i as u64 % PARTNERS.len() as u64]).guid();
        let user = Arc::new(User {
            id: rng.guid(),
            upn: s(&upn),
            display: s(&format!("{first} {last} ({})", pt.name)),
            guest: true,
            home_tenant,
            home_tenant_name: s(pt.name),
        });
        let home_net =
            net(pt.ip, 3215, place(pt.city, pt.state, pt.cc, pt.lat, pt.lon), NetKind::Guest, None);
        let (browser, ua) = browser(rng, "Windows10");
        let dev = Arc::new(Device {
            id: None,
            name: s(""),
            os: "Windows10",
            browser: s(&browser),
            compliant: false,
            managed: false,
            trust: "",
        });
        Person {
            user,
            kind: PersonKind::Guest,
            office: 0,
            utc_offset_ms: 0,
            home_net,
            dev_browser: dev.clone(),
            dev_app: dev,
            dev_phone: None,
            browser_ua: s(&ua),
            app_ua: s(&ua),
            phone_ua: s(&ua),
            joined: false,
            activity: 0.15,
            office_goer: 0.0,
            vpn_share: 0.0,
            mfa: ("Mobile app notification", "PhoneAppNotification"),
            role: None,
        }
    }

    fn service_account(
        &self,
        rng: &mut Rng,
        homes: &mut std::collections::BTreeSet<String>,
        upn: &str,
        display: &str,
        kind: PersonKind,
    ) -> Person {
        let user = Arc::new(User {
            id: rng.guid(),
            upn: s(upn),
            display: s(display),
            guest: false,
            home_tenant: self.id,
            home_tenant_name: s(TENANT_NAME),
        });
        let mut p = self.member(rng, &mut Default::default(), homes, kind, None);
        p.user = user;
        p.office = 0;
        p.utc_offset_ms = OFFICES[0].utc_offset_h * MS_PER_HOUR;
        p
    }

    fn build_workloads(&mut self, rng: &mut Rng, members: usize) {
        let extra = members / 250;
        for i in 0..SPS.len() + extra {
            let spec = &SPS[i % SPS.len()];
            let name = if i < SPS.len() {
                spec.name.to_string()
            } else {
                format!("Automation-{:02}", i - SPS.len() + 1)
            };
            let pl = match spec.site {
                "Seattle" => place("Seattle", "Washington", "US", 47.6062, -122.3321),
                "Dublin" => place("Dublin", "Dublin", "IE", 53.3498, -6.2603),
                _ => place("Boydton", "Virginia", "US", 36.6676, -78.3875),
            };
            let kind = if spec.asn == 8075 { NetKind::Azure } else { NetKind::Office };
            let w = Arc::new(Workload {
                app_id: rng.guid(),
                sp_id: rng.guid(),
                app_object_id: rng.guid(),
                name: s(&name),
                msi: None,
            });
            let thumb = (spec.cred == "certificate").then(|| s(&rng.hex(40).to_uppercase()));
            self.sps.push(SpProfile {
                w,
                net: net(spec.ip, spec.asn, pl, kind, None),
                cred_type: spec.cred,
                key_id: rng.guid(),
                thumb,
                interval_min: spec.interval_min,
                resource: self.resource(spec.resource),
            });
        }
        const MIS: &[(&str, &str, &str, i64)] = &[
            ("vm-build-agent-01", "systemAssigned", "Microsoft.Compute/virtualMachines", 120),
            ("func-invoice-processor", "systemAssigned", "Microsoft.Web/sites", 60),
            ("id-aks-workload", "userAssigned", "Microsoft.ManagedIdentity/userAssignedIdentities", 90),
            ("logic-hr-sync", "systemAssigned", "Microsoft.Logic/workflows", 240),
        ];
        let extra = members / 300;
        for i in 0..MIS.len() + extra {
            let spec = MIS[i % MIS.len()];
            let name = if i < MIS.len() {
                spec.0.to_string()
            } else {
                format!("{}-{:02}", spec.0, i / MIS.len() + 1)
            };
            let rid = format!(
                "/subscriptions/{}/resourceGroups/rg-prod/providers/{}/{}",
                self.subscription, spec.2, name
            );
            let w = Arc::new(Workload {
                app_id: rng.guid(),
                sp_id: rng.guid(),
                app_object_id: rng.guid(),
                name: s(&name),
                msi: Some((spec.1, s(&rid))),
            });
            let resources = match i % 3 {
                0 => vec![self.resource(res::KEY_VAULT), self.resource(res::STORAGE)],
                1 => vec![self.resource(res::KEY_VAULT), self.resource(res::GRAPH)],
                _ => vec![self.resource(res::STORAGE)],
            };
            self.mis.push(MiProfile { w, interval_min: spec.3, resources, cert_key: rng.guid() });
        }
    }
}

struct Partner {
    domain: &'static str,
    name: &'static str,
    city: &'static str,
    state: &'static str,
    cc: &'static str,
    lat: f64,
    lon: f64,
    ip: &'static str,
}

/// Guests come from these partner organisations (each its own tenant).
const PARTNERS: &[Partner] = &[
    Partner {
        domain: "adatum.example",
        name: "Adatum Corporation",
        city: "Paris",
        state: "Ile-de-France",
        cc: "FR",
        lat: 48.8566,
        lon: 2.3522,
        ip: "192.0.2.140",
    },
    Partner {
        domain: "litware.example",
        name: "Litware Inc",
        city: "Chicago",
        state: "Illinois",
        cc: "US",
        lat: 41.8781,
        lon: -87.6298,
        ip: "192.0.2.150",
    },
    Partner {
        domain: "tailspin.example",
        name: "Tailspin Toys",
        city: "Amsterdam",
        state: "Noord-Holland",
        cc: "NL",
        lat: 52.3676,
        lon: 4.9041,
        ip: "192.0.2.160",
    },
];

struct SpSpec {
    name: &'static str,
    cred: &'static str,
    ip: &'static str,
    site: &'static str,
    asn: u32,
    interval_min: i64,
    resource: (&'static str, &'static str),
}

/// App registrations that sign in as themselves on a schedule.
const SPS: &[SpSpec] = &[
    SpSpec {
        name: "Fabrikam Payroll Sync",
        cred: "clientSecret",
        ip: "198.51.100.5",
        site: "Seattle",
        asn: 3356,
        interval_min: 60,
        resource: res::GRAPH,
    },
    SpSpec {
        name: "Terraform-Deploy",
        cred: "certificate",
        ip: "20.42.65.92",
        site: "Boydton",
        asn: 8075,
        interval_min: 120,
        resource: res::ARM,
    },
    SpSpec {
        name: "HR-Connector",
        cred: "clientSecret",
        ip: "52.169.140.17",
        site: "Dublin",
        asn: 8075,
        interval_min: 30,
        resource: res::GRAPH,
    },
    SpSpec {
        name: "Backup-Automation",
        cred: "certificate",
        ip: "198.51.100.6",
        site: "Seattle",
        asn: 3356,
        interval_min: 240,
        resource: res::STORAGE,
    },
    SpSpec {
        name: "ServiceNow Integration",
        cred: "clientSecret",
        ip: "52.168.112.66",
        site: "Boydton",
        asn: 8075,
        interval_min: 60,
        resource: res::GRAPH,
    },
];

const ALL_APPS: &[(&str, &str)] = &[
    app::OFFICE_HOME,
    app::OFFICE,
    app::TEAMS,
    app::OUTLOOK_MOBILE,
    app::ONEDRIVE,
    app::AZURE_PORTAL,
    app::BROKER,
    app::WINDOWS_SIGN_IN,
    app::MY_SIGNINS,
    app::SHELL_CLIENT,
    app::GRAPH_PS,
    app::EXO_CLIENT,
    app::EDGE,
];
const ALL_RESOURCES: &[(&str, &str)] = &[
    res::GRAPH,
    res::EXO,
    res::SPO,
    res::AAD_GRAPH,
    res::ARM,
    res::TEAMS_SVC,
    res::SHELL_SERVER,
    res::KEY_VAULT,
    res::STORAGE,
    res::DRS,
];

fn admin_roles(members: usize) -> Vec<(&'static str, &'static str)> {
    let mut v = vec![
        role::GLOBAL_ADMIN,
        role::PRIV_ROLE_ADMIN,
        role::USER_ADMIN,
        role::HELPDESK_ADMIN,
        role::APP_ADMIN,
        role::SECURITY_ADMIN,
    ];
    for i in 0..members / 400 {
        v.push([role::HELPDESK_ADMIN, role::EXCHANGE_ADMIN, role::CA_ADMIN][i % 3]);
    }
    v.truncate((members / 4).max(1));
    v
}

pub fn place(city: &str, state: &str, cc: &str, lat: f64, lon: f64) -> Arc<Place> {
    Arc::new(Place { city: s(city), state: s(state), country: s(cc), lat, lon })
}

pub fn net(ip: &str, asn: u32, place: Arc<Place>, kind: NetKind, named: Option<&'static str>) -> Arc<Net> {
    Arc::new(Net { ip: s(ip), asn, place, kind, named_location: named })
}

fn build_offices() -> Vec<Office> {
    OFFICES
        .iter()
        .map(|o| Office {
            name: o.name,
            net: net(
                o.egress,
                o.asn,
                place(o.city, o.state, o.cc, o.lat, o.lon),
                NetKind::Office,
                Some("Corporate egress"),
            ),
        })
        .collect()
}

/// A home IP from 192.0.2.0/24 or 203.0.113.20-254 (203.0.113.10 is the VPN), one household
/// per address: once those few hundred are taken, from the 198.18.0.0/15 benchmarking range.
/// (Homes sharing an address across cities would make a residential IP look like an office
/// NAT to the baseline, which no real tenant shows.)
fn home_ip(rng: &mut Rng, homes: &mut std::collections::BTreeSet<String>) -> String {
    let ip = if rng.chance(0.5) {
        format!("192.0.2.{}", rng.range(1, 130))
    } else {
        format!("203.0.113.{}", rng.range(20, 254))
    };
    let ip = if homes.contains(&ip) {
        let n = homes.len();
        format!("198.{}.{}.{}", 18 + n / 65_536, (n / 256) % 256, n % 256)
    } else {
        ip
    };
    homes.insert(ip.clone());
    ip
}

fn browser(rng: &mut Rng, os: &str) -> (String, String) {
    let v = rng.range(118, 124);
    let b = rng.range(2000, 2300);
    let p = rng.range(40, 99);
    match (os, rng.below(3)) {
        ("MacOs", 0) => ("Safari 17.2".into(),
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15".into()),
        ("MacOs", _) => (format!("Chrome {v}.0.6099"),
            format!("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36")),
        (_, 0) => (format!("Chrome {v}.0.6099"),
            format!("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36")),
        _ => (format!("Edge {v}.0.{b}"),
            format!("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36 Edg/{v}.0.{b}.{p}")),
    }
}

/// (browser view, native-app view, browser UA, app UA, PRT-capable)
fn laptop(rng: &mut Rng, first: &str) -> (Arc<Device>, Arc<Device>, String, String, bool) {
    let windows = rng.chance(0.75);
    let os = if windows { "Windows10" } else { "MacOs" };
    let (trust, name) = if windows {
        (
            if rng.chance(0.6) { "Azure AD joined" } else { "Hybrid Azure AD joined" },
            format!("FAB-LT-{}", rng.alnum_upper(6)),
        )
    } else {
        ("Azure AD registered", format!("{first}'s MacBook Pro"))
    };
    let id = s(&rng.guid().to_string());
    let compliant = windows || rng.chance(0.7);
    let (browser_name, browser_ua) = browser(rng, os);
    let app_ua = if windows {
        "Windows-AzureAD-Authentication-Provider/1.0".to_string()
    } else {
        "Mozilla/5.0 (compatible; MSAL 1.0) PKeyAuth/1.0".to_string()
    };
    let mk = |b: &str| {
        Arc::new(Device {
            id: Some(id.clone()),
            name: s(&name),
            os,
            browser: s(b),
            compliant,
            managed: true,
            trust,
        })
    };
    (mk(&browser_name), mk("Rich Client 5.2.4.0"), browser_ua, app_ua, windows)
}

fn phone(rng: &mut Rng) -> (Arc<Device>, String) {
    let ios = rng.chance(0.6);
    let (os, name, browser, ua) = if ios {
        ("Ios", "iPhone", "MSAL.iOS 1.2.22",
         "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148".to_string())
    } else {
        (
            "Android",
            "Galaxy S23",
            "MSAL.Android 4.9.0",
            "Dalvik/2.1.0 (Linux; U; Android 14; SM-S911B Build/UP1A.231005.007)".to_string(),
        )
    };
    let dev = Arc::new(Device {
        id: Some(s(&rng.guid().to_string())),
        name: s(name),
        os,
        browser: s(browser),
        compliant: true,
        managed: true,
        trust: "Azure AD registered",
    });
    (dev, ua)
}

fn build_ca_policies(rng: &mut Rng) -> Vec<Arc<CaPolicy>> {
    const SPECS: &[(&str, &[&str], &[&str])] = &[
        ("CA001: Require MFA for all users", &["Mfa"], &[]),
        ("CA002: Block legacy authentication", &["Block"], &[]),
        (
            "CA003: Require compliant or hybrid joined device for admins",
            &["RequireCompliantDevice", "RequireDomainJoinedDevice"],
            &[],
        ),
        ("CA004: Require MFA for Azure management", &["Mfa"], &[]),
        ("CA005: Block high-risk users", &["Block"], &[]),
        ("CA006: Sign-in frequency for unmanaged devices", &[], &["SignInFrequency"]),
    ];
    SPECS
        .iter()
        .map(|(name, grant, session)| Arc::new(CaPolicy { id: rng.guid(), name, grant, session }))
        .collect()
}

/// Evaluate the fixed policy set for one situation (see [`ca_bits`]).
fn ca_results(p: &[Arc<CaPolicy>], bits: usize) -> Vec<CaResult> {
    use ca_bits::*;
    let on = |b: usize| bits & b != 0;
    let mfa_result = if on(MFA_FAILED) { "failure" } else { "success" };
    let r = |i: usize, result: &'static str| CaResult { policy: p[i].clone(), result };
    vec![
        r(
            0,
            if on(MFA_POLICY_OFF) {
                "notEnabled"
            } else if on(MFA_APPLIES) {
                mfa_result
            } else {
                "notApplied"
            },
        ),
        r(1, if on(LEGACY) { "reportOnlyFailure" } else { "reportOnlyNotApplied" }),
        // CA003 is still in report-only mode: a posture gap the attackers use
        r(
            2,
            match (on(ADMIN) && !on(LEGACY), on(UNMANAGED)) {
                (true, false) => "reportOnlySuccess",
                (true, true) => "reportOnlyFailure",
                _ => "reportOnlyNotApplied",
            },
        ),
        r(3, if on(AZURE_MGMT) { mfa_result } else { "notApplied" }),
        r(4, "notEnabled"),
        r(5, if on(UNMANAGED) { "success" } else { "notApplied" }),
    ]
}

/// `conditionalAccessStatus` summarising a policy result list.
pub fn ca_status(v: &[CaResult]) -> &'static str {
    if v.iter().any(|r| r.result == "failure") {
        "failure"
    } else if v.iter().any(|r| r.result == "success") {
        "success"
    } else {
        "notApplied"
    }
}
