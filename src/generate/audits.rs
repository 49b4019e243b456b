//! Directory audit records: the builders shared with the scenarios and the
//! routine daily administration of the baseline (group and user changes,
//! password resets, device updates, app edits, PIM activations).

use super::model::*;
use super::rng::{hash_str, Guid, Rng};
use super::simulate::Sim;
use super::tenant::{res, role, Person, PersonKind, Tenant};

const TAG_AUDIT: u64 = 0xA0D1;

/// JSON-encode a string the way modifiedProperties values are stored.
pub fn jstr(v: &str) -> String {
    serde_json::to_string(v).expect("string")
}

/// JSON-encode a list of strings (`["a","b"]`).
pub fn jarr(items: &[&str]) -> String {
    serde_json::to_string(items).expect("list")
}

fn id_prefix(service: &str) -> &'static str {
    match service {
        "PIM" => "PIM",
        "Authentication Methods" => "UserManagement",
        "Self-service Password Management" => "SSPR",
        "Conditional Access" => "IPCGraph",
        _ => "Directory",
    }
}

#[allow(clippy::too_many_arguments)]
pub fn audit(
    rng: &mut Rng,
    t: i64,
    category: &'static str,
    activity: &str,
    service: &'static str,
    op_type: &'static str,
    initiator: Initiator,
    targets: Vec<Target>,
    details: Vec<(S, S)>,
) -> Audit {
    let correlation = rng.guid();
    audit_in(rng, correlation, t, category, activity, service, op_type, initiator, targets, details)
}

/// Like [`audit`], inside an existing operation (shared correlation id).
#[allow(clippy::too_many_arguments)]
pub fn audit_in(
    rng: &mut Rng,
    correlation: Guid,
    t: i64,
    category: &'static str,
    activity: &str,
    service: &'static str,
    op_type: &'static str,
    initiator: Initiator,
    targets: Vec<Target>,
    details: Vec<(S, S)>,
) -> Audit {
    let id = format!(
        "{}_{}_{}_{}",
        id_prefix(service),
        correlation,
        rng.alnum_upper(5),
        rng.range(10_000_000, 999_999_999)
    );
    Audit {
        t,
        id: s(&id),
        correlation,
        category,
        activity: s(activity),
        service,
        op_type,
        result: "success",
        result_reason: s(""),
        initiator,
        targets,
        details,
    }
}

pub fn by_user(p: &Person, ip: &str) -> Initiator {
    Initiator::User { user: p.user.clone(), ip: (!ip.is_empty()).then(|| s(ip)) }
}

pub fn by_app(name: &str, sp_id: Guid, app_id: Option<&str>) -> Initiator {
    Initiator::App { app_id: app_id.map(s), name: s(name), sp_id, sp_name: None }
}

pub fn user_target(u: &User, props: Vec<ModProp>) -> Target {
    Target { id: s(&u.id.to_string()), display: None, typ: "User", upn: Some(u.upn.clone()), props }
}

pub fn obj_target(id: &str, display: &str, typ: &'static str, props: Vec<ModProp>) -> Target {
    Target { id: s(id), display: Some(s(display)), typ, upn: None, props }
}

pub fn detail(k: &str, v: &str) -> (S, S) {
    (s(k), s(v))
}

pub const PORTAL_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.2365.66";

/// `Role.*` modified properties for a role assignment (`new_side`: add vs remove).
pub fn role_props(r: (&str, &str), role_object_id: Guid, well_known: &str, new_side: bool) -> Vec<ModProp> {
    let values = [
        ("Role.ObjectID", role_object_id.to_string()),
        ("Role.DisplayName", r.0.to_string()),
        ("Role.TemplateId", r.1.to_string()),
        ("Role.WellKnownObjectName", well_known.to_string()),
    ];
    values
        .iter()
        .map(|(name, v)| {
            let v = Some(jstr(v));
            if new_side {
                ModProp::new(name, None, v)
            } else {
                ModProp::new(name, v, None)
            }
        })
        .collect()
}

/// The routine administration of one UTC day.
struct AuditDay<'a> {
    t: &'a Tenant,
    seed: u64,
    rng: Rng,
    day_start: i64,
    /// 0.15 at weekends: admins mostly work on weekdays.
    wf: f64,
    members: Vec<usize>,
    user_admin: usize,
    helpdesk: usize,
    app_admin: usize,
    out: Vec<Audit>,
}

pub fn audit_day(sim: &Sim, day_start: i64, lo: i64, hi: i64, out: &mut Vec<Audit>) {
    let t = sim.t;
    let members: Vec<usize> = t.members().map(|(i, _)| i).collect();
    let Some(&first) = members.first() else { return };
    let user_admin =
        t.admin_with(role::USER_ADMIN).or_else(|| t.admin_with(role::GLOBAL_ADMIN)).unwrap_or(first);
    let weekday = civil(day_start).weekday < 5;
    let mut d = AuditDay {
        t,
        seed: sim.seed,
        rng: Rng::stream(sim.seed, &[TAG_AUDIT, day_start as u64]),
        day_start,
        wf: if weekday { 1.0 } else { 0.15 },
        members,
        user_admin,
        helpdesk: t.admin_with(role::HELPDESK_ADMIN).unwrap_or(user_admin),
        app_admin: t.admin_with(role::APP_ADMIN).unwrap_or(user_admin),
        out: Vec::new(),
    };
    d.group_adds();
    d.user_updates();
    d.password_resets();
    d.device_updates();
    if weekday {
        d.app_update();
        pim_activations(t, day_start, &mut d.rng, &mut d.out);
    }
    out.extend(d.out.into_iter().filter(|a| a.t >= lo && a.t < hi));
}

impl<'a> AuditDay<'a> {
    /// A time in the admins' working day (06:30–20:00 UTC covers the offices).
    fn at(&mut self) -> i64 {
        self.day_start + self.rng.range(13 * MS_PER_HOUR / 2, 20 * MS_PER_HOUR)
    }

    fn count(&mut self, per_user: f64, floor: f64) -> u32 {
        let mean = (self.members.len() as f64 * per_user).max(floor) * self.wf;
        self.rng.poisson(mean)
    }

    fn member(&mut self) -> &'a Person {
        let t = self.t;
        &t.people[*self.rng.pick(&self.members)]
    }

    fn admin(&self, i: usize) -> Initiator {
        let a = &self.t.people[i];
        by_user(a, &self.t.offices[a.office].net.ip)
    }

    fn group_adds(&mut self) {
        for _ in 0..self.count(0.008, 0.5) {
            let tm = self.at();
            let who = self.member();
            let group = *self.rng.pick(&[
                "SG-Finance",
                "SG-Engineering",
                "SG-Sales",
                "SG-HR",
                "M365-Project-Atlas",
                "SG-VPN-Users",
            ]);
            let gid = Rng::stream(self.seed, &[0x6209, hash_str(group)]).guid().to_string();
            let props = vec![
                ModProp::new("Group.ObjectID", None, Some(jstr(&gid))),
                ModProp::new("Group.DisplayName", None, Some(jstr(group))),
            ];
            let targets = vec![user_target(&who.user, props), obj_target(&gid, group, "Group", vec![])];
            let init = self.admin(self.user_admin);
            let a = audit(
                &mut self.rng,
                tm,
                "GroupManagement",
                "Add member to group",
                "Core Directory",
                "Assign",
                init,
                targets,
                vec![detail("User-Agent", PORTAL_UA)],
            );
            self.out.push(a);
        }
    }

    fn user_updates(&mut self) {
        for _ in 0..self.count(0.01, 0.5) {
            let tm = self.at();
            let who = self.member();
            let (prop, old, new) = *self.rng.pick(&[
                ("JobTitle", "Analyst", "Senior Analyst"),
                ("Department", "Sales", "Marketing"),
                ("TelephoneNumber", "+1 555 0100", "+1 555 0199"),
                ("OfficeLocation", "Floor 2", "Floor 5"),
            ]);
            let props = vec![
                ModProp::new(prop, Some(jarr(&[old])), Some(jarr(&[new]))),
                ModProp::new("Included Updated Properties", None, Some(jstr(prop))),
            ];
            // HR-driven attribute sync or a user administrator in the portal
            let init = if self.rng.chance(0.5) {
                self.admin(self.user_admin)
            } else {
                by_app(
                    "Microsoft Substrate Management",
                    Guid(self.t.id.0 ^ 0x5ab5),
                    Some("98db8bd6-0cc0-4e67-9de5-f187f1cd1b41"),
                )
            };
            let a = audit(
                &mut self.rng,
                tm,
                "UserManagement",
                "Update user",
                "Core Directory",
                "Update",
                init,
                vec![user_target(&who.user, props)],
                vec![detail("User-Agent", "Microsoft.OData.Client/7.12.5")],
            );
            self.out.push(a);
        }
    }

    fn password_resets(&mut self) {
        for _ in 0..self.count(0.002, 0.0) {
            let tm = self.at();
            let who = self.member();
            let mut a = audit(
                &mut self.rng,
                tm,
                "UserManagement",
                "Reset password (self-service)",
                "Self-service Password Management",
                "Update",
                by_user(who, &who.home_net.ip),
                vec![user_target(&who.user, vec![])],
                vec![],
            );
            a.result_reason = s("Successfully completed reset.");
            self.out.push(a);
        }
        for _ in 0..self.count(0.001, 0.0) {
            let tm = self.at();
            let who = self.member();
            let init = self.admin(self.helpdesk);
            let a = audit(
                &mut self.rng,
                tm,
                "UserManagement",
                "Reset user password",
                "Core Directory",
                "Update",
                init,
                vec![user_target(&who.user, vec![])],
                vec![detail("User-Agent", PORTAL_UA)],
            );
            self.out.push(a);
        }
    }

    /// Device check-ins happen around the clock, weekends included.
    fn device_updates(&mut self) {
        let n = self.rng.poisson((self.members.len() as f64 * 0.003).max(0.3));
        for _ in 0..n {
            let tm = self.day_start + self.rng.range(0, MS_PER_DAY - 1);
            let who = self.member();
            let name = &who.dev_app.name;
            let props = vec![
                ModProp::new("CloudDisplayName", Some(jarr(&[name])), Some(jarr(&[name]))),
                ModProp::new("Included Updated Properties", None, Some(jstr("CloudDisplayName"))),
            ];
            let did = who.dev_app.id.clone().unwrap_or_else(|| s(""));
            let init = by_app("Device Registration Service", Guid(self.t.id.0 ^ 0xd25), Some(res::DRS.0));
            let a = audit(
                &mut self.rng,
                tm,
                "Device",
                "Update device",
                "Core Directory",
                "Update",
                init,
                vec![obj_target(&did, name, "Device", props)],
                vec![],
            );
            self.out.push(a);
        }
    }

    /// Now and then the app administrator edits a reply URL.
    fn app_update(&mut self) {
        if !self.rng.chance(0.2) || self.t.sps.is_empty() {
            return;
        }
        let sp = &self.t.sps[self.rng.below(self.t.sps.len() as u64) as usize];
        let url = format!(
            "https://{}.{}/signin-oidc",
            sp.w.name.to_lowercase().replace(' ', "-"),
            super::tenant::DOMAIN
        );
        let props = vec![
            ModProp::new("AppAddress", Some("[]".into()), Some(format!(
                "[{{\"AddressType\":0,\"Address\":\"{url}\",\"ReplyAddressClientType\":1,\"ReplyAddressIndex\":null,\"IsReplyAddressDefault\":false}}]"))),
            ModProp::new("Included Updated Properties", None, Some(jstr("AppAddress"))),
        ];
        let tm = self.at();
        let init = self.admin(self.app_admin);
        let a = audit(
            &mut self.rng,
            tm,
            "ApplicationManagement",
            "Update application",
            "Core Directory",
            "Update",
            init,
            vec![obj_target(&sp.w.app_object_id.to_string(), &sp.w.name, "Application", props)],
            vec![detail("User-Agent", PORTAL_UA), detail("AppId", &sp.w.app_id.to_string())],
        );
        self.out.push(a);
    }
}

/// Eligible admins activate their role through PIM on most working days.
fn pim_activations(t: &Tenant, day_start: i64, rng: &mut Rng, out: &mut Vec<Audit>) {
    for p in t.people.iter().filter(|p| p.kind == PersonKind::Admin) {
        let Some(r) = p.role else { continue };
        if r == role::PRIV_ROLE_ADMIN || !rng.chance(0.5) {
            continue; // the Privileged Role Administrator holds a permanent assignment
        }
        // 09:00-11:00 local, expressed inside this UTC day
        let tm = day_start
            + (9 * MS_PER_HOUR - p.utc_offset_ms).rem_euclid(MS_PER_DAY)
            + rng.range(0, 2 * MS_PER_HOUR);
        let ip = t.offices[p.office].net.ip.clone();
        let role_tgt = || obj_target(r.1, r.0, "Role", vec![]);
        let corr = rng.guid();
        let pim = by_app("MS-PIM", t.pim_sp, None);
        let mut req = audit_in(
            rng,
            corr,
            tm,
            "RoleManagement",
            "Add member to role requested (PIM activation)",
            "PIM",
            "CreateRequestActivation",
            by_user(p, &ip),
            vec![role_tgt(), user_target(&p.user, vec![])],
            vec![detail("Justification", "Daily administration"), detail("ipAddress", &ip)],
        );
        req.result_reason = s("Daily administration");
        out.push(req);
        let done = tm + rng.range(1_000, 5_000);
        out.push(audit_in(
            rng,
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
                detail("ExpirationTime", &Ts(tm + 8 * MS_PER_HOUR, TimeFmt::IsoMsZ).to_string()),
            ],
        ));
        out.push(audit(
            rng,
            tm + 8 * MS_PER_HOUR,
            "RoleManagement",
            "Remove member from role (PIM activation expired)",
            "PIM",
            "RemoveRequestActivation",
            pim,
            vec![role_tgt(), user_target(&p.user, vec![])],
            vec![],
        ));
    }
}
