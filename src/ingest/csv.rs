//! CSV reader: Log Analytics / Sentinel portal exports and Entra admin center downloads.
//!
//! Headers are matched by name — trimmed, case-folded, whitespace collapsed — never by
//! position, because both families drift (docs/formats.md §3.2, §4). Each row becomes a JSON
//! object in the shape the record mapper already understands:
//! - Log Analytics rows keep their column names (`TimeGenerated [UTC]` → `TimeGenerated`);
//!   dynamic columns stay JSON text, which [`RawRecord`] parses lazily.
//! - Portal sign-in and audit downloads have display-name headers and flattened objects; a
//!   translation table rebuilds the Graph object (`Sign-in error code` → `status.errorCode`,
//!   `Target2ModifiedProperty1NewValue` → `targetResources[1].modifiedProperties[0].newValue`).
//!
//! A `[Local Time]` column makes every row a reject: the values are shifted by an unknown
//! offset, and guessing would corrupt every timeline built on them.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::accumulate::{EntryAcc, Position};
use super::json::is_wrapper_key;
use super::raw::RawRecord;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    LogAnalytics,
    PortalSignIn,
    PortalAudit,
}

/// Header normal form: trimmed, lower case, runs of whitespace collapsed.
fn norm(h: &str) -> String {
    h.trim_start_matches('\u{feff}').split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_lowercase()
}

/// Read every row of a CSV file into `acc`. `file_name` decides the sign-in type of portal
/// downloads, whose four sign-in files share one header.
pub fn read(buf: &[u8], file_name: &str, acc: &mut EntryAcc) {
    let buf = buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(buf);
    // Windows PowerShell's Export-Csv writes `#TYPE <.NET type>` above the header unless
    // told -NoTypeInformation: skip it, keeping line numbers and offsets true to the file.
    let (buf, skipped_lines, skipped_bytes) = match buf.strip_prefix(b"#TYPE") {
        Some(_) => {
            let nl = buf.iter().position(|&b| b == b'\n').map_or(buf.len(), |i| i + 1);
            acc.note("a PowerShell Export-Csv #TYPE line above the header was skipped");
            (&buf[nl..], 1u64, nl as u64)
        }
        None => (buf, 0, 0),
    };
    let mut rdr = csv::ReaderBuilder::new().flexible(true).has_headers(true).from_reader(buf);
    let headers: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(e) => {
            acc.reject(
                Position::Line(1),
                0,
                format!("unreadable CSV header ({e})"),
                &buf[..buf.len().min(500)],
            );
            return;
        }
    };
    let normed: Vec<String> = headers.iter().map(|h| norm(h)).collect();
    let family = if normed.iter().any(|h| h == "date (utc)") {
        if normed.iter().any(|h| h == "activity") {
            Family::PortalAudit
        } else {
            Family::PortalSignIn
        }
    } else {
        Family::LogAnalytics
    };

    // A CSV sharing no column with any Entra table (an IOC list, a spreadsheet) is not an
    // export: its rows are "unrecognised", and the file is listed as skipped.
    const LA_COLUMNS: [&str; 16] = [
        "id",
        "type",
        "timegenerated",
        "correlationid",
        "operationname",
        "resulttype",
        "userprincipalname",
        "createddatetime",
        "activitydatetime",
        "ipaddress",
        "riskeventtype",
        "risklevel",
        "aadtenantid",
        "category",
        "requestid",
        "requesturi",
    ];
    let known = la_keys_folded(&headers).filter(|k| LA_COLUMNS.contains(&k.as_str())).count();
    let not_export = family == Family::LogAnalytics && known < 2;
    // Whole-file reasons to reject every row, decided once from the header.
    let local_time = headers.iter().find(|h| norm(h).ends_with("[local time]"));
    let file_reject = if let Some(h) = local_time {
        Some(format!(
            "column {:?} holds local times with an unknown offset; re-export with the portal's time zone set to UTC",
            h.trim()
        ))
    } else if family == Family::LogAnalytics
        // Graph activity rows are keyed by their request id.
        && !normed.iter().any(|h| h == "id" || h == "id_s" || h == "requestid" || h == "requestid_s")
    {
        Some(format!(
            "not log records: the CSV has no Id column (aggregated query output?); columns: {}",
            headers.iter().take(8).map(|h| h.trim()).collect::<Vec<_>>().join(", ")
        ))
    } else {
        None
    };

    let portal_kind = portal_signin_type(file_name, &normed);
    if family == Family::PortalSignIn && portal_kind.1 {
        acc.note(format!(
            "sign-in type taken as {} (the portal's four sign-in files share one header; name the file InteractiveSignIns_… / NonInteractiveSignIns_… to be explicit)",
            portal_kind.0
        ));
    }
    if file_name.to_ascii_lowercase().contains("_authdetails") {
        acc.note("authentication-details download: one row per step, not a sign-in; its rows are rejected");
    }

    let la_keys: Vec<String> = headers.iter().map(|h| la_key(h)).collect();
    let mut record = csv::StringRecord::new();
    loop {
        let pos = rdr.position().clone();
        let line = (pos.line() + skipped_lines) as i64;
        let local = pos.byte();
        let offset = local + skipped_bytes;
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let end = rdr.position().byte() as usize;
                acc.reject(
                    Position::Line(line),
                    offset,
                    format!("unreadable CSV row ({e})"),
                    &buf[local as usize..end.max(local as usize)],
                );
                continue;
            }
        }
        let raw = &buf[local as usize..(rdr.position().byte() as usize).max(local as usize)];
        if not_export {
            acc.unrecognised(Position::Line(line), offset, "no Entra log columns in the header", raw);
            continue;
        }
        if let Some(reason) = &file_reject {
            acc.reject(Position::Line(line), offset, reason.clone(), raw);
            continue;
        }
        if file_name.to_ascii_lowercase().contains("_authdetails") {
            acc.reject(
                Position::Line(line),
                offset,
                "authentication-details rows are not modelled (join them on Request ID by hand)",
                raw,
            );
            continue;
        }
        if record.len() != headers.len() {
            acc.reject(
                Position::Line(line),
                offset,
                format!("row has {} fields but the header has {}", record.len(), headers.len()),
                raw,
            );
            continue;
        }
        let value = match family {
            Family::LogAnalytics => la_row(&la_keys, &record),
            Family::PortalSignIn => portal_signin_row(&normed, &record, portal_kind.0),
            Family::PortalAudit => portal_audit_row(&normed, &record),
        };
        let container = match family {
            Family::LogAnalytics => "csv",
            _ => "portal_csv",
        };
        match RawRecord::deserialize(&value) {
            Ok(rec) => acc.record(&rec, container, Position::Line(line), offset, raw),
            Err(e) => acc.reject(Position::Line(line), offset, format!("unreadable row ({e})"), raw),
        }
    }
}

/// A Log Analytics header as a record key: the `[UTC]` suffix dropped (type suffixes are
/// stripped later by the key folding).
fn la_key(h: &str) -> String {
    let h = h.trim_start_matches('\u{feff}').trim();
    let h = match h.rfind(" [") {
        Some(i) if h.ends_with(']') => &h[..i],
        _ => h,
    };
    h.trim().to_string()
}

/// Header names folded like record keys (lower case, `[UTC]` and type suffixes dropped).
fn la_keys_folded(headers: &[String]) -> impl Iterator<Item = String> + '_ {
    headers.iter().map(|h| {
        let mut buf = [0u8; 64];
        super::raw::fold_key(&la_key(h), &mut buf).to_string()
    })
}

fn la_row(keys: &[String], record: &csv::StringRecord) -> Value {
    let mut obj = Map::with_capacity(keys.len());
    for (k, v) in keys.iter().zip(record.iter()) {
        if v.is_empty() || is_wrapper_key(k) {
            continue;
        }
        // With both DeviceDetail_dynamic and DeviceDetail_string present, keep the first.
        obj.entry(k.clone()).or_insert_with(|| Value::String(v.to_string()));
    }
    Value::Object(obj)
}

/// Sign-in type of a portal download from its file name; `.1` is true when guessed.
fn portal_signin_type(file_name: &str, normed: &[String]) -> (&'static str, bool) {
    let base = file_name.rsplit(['/', '\\', '!']).next().unwrap_or(file_name).to_ascii_lowercase();
    if base.starts_with("noninteractivesignins") {
        ("nonInteractiveUser", false)
    } else if base.starts_with("interactivesignins") {
        ("interactiveUser", false)
    } else if base.starts_with("applicationsignins") || base.starts_with("serviceprincipalsignins") {
        ("servicePrincipal", false)
    } else if base.starts_with("msisignins") || base.starts_with("managedidentitysignins") {
        ("managedIdentity", false)
    } else if normed.iter().any(|h| h == "service principal id") && !normed.iter().any(|h| h == "username") {
        ("servicePrincipal", true)
    } else {
        ("interactiveUser", true)
    }
}

/// Portal sign-in header → path in the Graph `signIn` object.
fn portal_signin_path(h: &str) -> Option<&'static [&'static str]> {
    Some(match h {
        "date (utc)" => &["createdDateTime"],
        "request id" => &["id"],
        "user agent" => &["userAgent"],
        "correlation id" => &["correlationId"],
        "user id" => &["userId"],
        "user" => &["userDisplayName"],
        "username" => &["userPrincipalName"],
        "user type" => &["userType"],
        "cross tenant access type" => &["crossTenantAccessType"],
        "incoming token type" => &["incomingTokenType"],
        "authentication protocol" => &["authenticationProtocol"],
        "unique token identifier" => &["uniqueTokenIdentifier"],
        "original transfer method" => &["originalTransferMethod"],
        "client credential type" => &["clientCredentialType"],
        "application" => &["appDisplayName"],
        "application id" => &["appId"],
        "resource" => &["resourceDisplayName"],
        "resource id" => &["resourceId"],
        "resource tenant id" => &["resourceTenantId"],
        "home tenant id" => &["homeTenantId"],
        "ip address" => &["ipAddress"],
        "location" => &["location"],
        "status" => &["result"],
        "sign-in error code" => &["status", "errorCode"],
        "failure reason" => &["status", "failureReason"],
        "client app" => &["clientAppUsed"],
        "device id" => &["deviceDetail", "deviceId"],
        "browser" => &["deviceDetail", "browser"],
        "operating system" => &["deviceDetail", "operatingSystem"],
        "compliant" => &["deviceDetail", "isCompliant"],
        "managed" => &["deviceDetail", "isManaged"],
        "join type" => &["deviceDetail", "trustType"],
        // The portal's "MFA result" is Graph's status.additionalDetails ("MFA requirement
        // satisfied by claim in the token"); the deprecated mfaDetail holds method and detail.
        "multifactor authentication result" => &["status", "additionalDetails"],
        "multifactor authentication auth method" => &["mfaDetail", "authMethod"],
        "multifactor authentication auth detail" => &["mfaDetail", "authDetail"],
        "authentication requirement" => &["authenticationRequirement"],
        "session id" => &["sessionId"],
        "autonomous system number" => &["autonomousSystemNumber"],
        "token issuer type" => &["tokenIssuerType"],
        "token issuer name" => &["tokenIssuerName"],
        "conditional access" => &["conditionalAccessStatus"],
        "managed identity type" => &["managedServiceIdentity", "msiType"],
        "service principal id" => &["servicePrincipalId"],
        "service principal name" => &["servicePrincipalName"],
        "credential key id" => &["servicePrincipalCredentialKeyId"],
        "credential thumbprint" => &["servicePrincipalCredentialThumbprint"],
        _ => return None,
    })
}

fn set_path(obj: &mut Map<String, Value>, path: &[&str], v: Value) {
    match path {
        [] => {}
        [last] => {
            obj.entry(last.to_string()).or_insert(v);
        }
        [head, rest @ ..] => {
            let child = obj.entry(head.to_string()).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = child {
                set_path(m, rest, v);
            }
        }
    }
}

fn portal_signin_row(normed: &[String], record: &csv::StringRecord, event_type: &str) -> Value {
    let mut obj = Map::new();
    for (h, v) in normed.iter().zip(record.iter()) {
        if v.is_empty() {
            continue;
        }
        if let Some(path) = portal_signin_path(h) {
            set_path(&mut obj, path, Value::String(v.to_string()));
        }
    }
    obj.insert("signInEventTypes".into(), Value::Array(vec![Value::String(event_type.into())]));
    Value::Object(obj)
}

/// Index `n` (1-based in the header) of a numbered audit column group, and the rest.
fn numbered<'h>(h: &'h str, prefix: &str) -> Option<(usize, &'h str)> {
    let rest = h.strip_prefix(prefix)?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let n: usize = rest[..digits].parse().ok()?;
    (n >= 1).then_some((n - 1, &rest[digits..]))
}

fn list_item<'m>(obj: &'m mut Map<String, Value>, key: &str, index: usize) -> &'m mut Map<String, Value> {
    let list = obj.entry(key.to_string()).or_insert_with(|| Value::Array(Vec::new()));
    let Value::Array(items) = list else { unreachable!("list keys only hold arrays") };
    while items.len() <= index {
        items.push(Value::Object(Map::new()));
    }
    match &mut items[index] {
        Value::Object(m) => m,
        _ => unreachable!("list items are objects"),
    }
}

fn portal_audit_row(normed: &[String], record: &csv::StringRecord) -> Value {
    let mut obj = Map::new();
    let mut actor = Map::new();
    let mut actor_type = String::new();
    for (h, v) in normed.iter().zip(record.iter()) {
        if v.is_empty() {
            continue;
        }
        let s = || Value::String(v.to_string());
        let h = h.replace(' ', "");
        match h.as_str() {
            "date(utc)" => set_path(&mut obj, &["activityDateTime"], s()),
            "correlationid" => set_path(&mut obj, &["correlationId"], s()),
            "service" => set_path(&mut obj, &["loggedByService"], s()),
            "category" => set_path(&mut obj, &["category"], s()),
            "activity" => set_path(&mut obj, &["activityDisplayName"], s()),
            "result" => set_path(&mut obj, &["result"], s()),
            "resultreason" => set_path(&mut obj, &["resultReason"], s()),
            "useragent" => set_path(&mut obj, &["userAgent"], s()),
            "actortype" => actor_type = v.to_ascii_lowercase(),
            "actordisplayname" => set_path(&mut actor, &["displayName"], s()),
            "actorobjectid" => set_path(&mut actor, &["id"], s()),
            "actoruserprincipalname" => set_path(&mut actor, &["userPrincipalName"], s()),
            "ipaddress" => set_path(&mut actor, &["ipAddress"], s()),
            "actorserviceprincipalid" => set_path(&mut actor, &["servicePrincipalId"], s()),
            "actorserviceprincipalname" => set_path(&mut actor, &["servicePrincipalName"], s()),
            other => {
                if let Some((t, rest)) = numbered(other, "target") {
                    let target = list_item(&mut obj, "targetResources", t);
                    if let Some((m, field)) = numbered(rest, "modifiedproperty") {
                        let key = match field {
                            "name" => "displayName",
                            "oldvalue" => "oldValue",
                            "newvalue" => "newValue",
                            _ => continue,
                        };
                        list_item(target, "modifiedProperties", m).insert(key.into(), s());
                    } else {
                        let key = match rest {
                            "type" => "type",
                            "displayname" => "displayName",
                            "objectid" => "id",
                            "userprincipalname" => "userPrincipalName",
                            _ => continue,
                        };
                        target.insert(key.into(), s());
                    }
                } else if let Some((d, field)) = numbered(other, "additionaldetail") {
                    let key = match field {
                        "key" => "key",
                        "value" => "value",
                        _ => continue,
                    };
                    list_item(&mut obj, "additionalDetails", d).insert(key.into(), s());
                }
            }
        }
    }
    // An app actor has a service principal and no UPN; everything else is a user.
    let is_app = actor_type.contains("app")
        || actor_type.contains("serviceprincipal")
        || (!actor.contains_key("userPrincipalName") && actor.contains_key("servicePrincipalId"));
    if !actor.is_empty() {
        if is_app {
            if let Some(name) = actor.remove("displayName") {
                actor.insert("displayName".into(), name);
            }
            actor.remove("userPrincipalName");
            obj.insert("initiatedBy".into(), serde_json::json!({ "app": actor }));
        } else {
            obj.insert("initiatedBy".into(), serde_json::json!({ "user": actor }));
        }
    }
    Value::Object(obj)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Table;

    fn run(name: &str, text: &str) -> super::super::accumulate::EntryOutput {
        let mut acc = EntryAcc::new(name, text.len() as u64);
        read(text.as_bytes(), name, &mut acc);
        acc.finish()
    }

    fn height(out: &super::super::accumulate::EntryOutput, t: Table) -> usize {
        out.frames.iter().find(|(x, _)| *x == t).unwrap().1.height()
    }

    #[test]
    fn log_analytics_csv_with_bom_us_times_and_multiline_json() {
        let text = "\u{feff}TenantId,TimeGenerated [UTC],Id,Type,ResultType,IsInteractive,AuthenticationDetails,LocationDetails_dynamic,LocationDetails_string\n\
            ws,\"9/19/2023, 1:45:17.287 PM\",i1,SigninLogs,0,TRUE,\"[\n  {\n    \"\"authenticationMethod\"\": \"\"Password\"\"\n  }\n]\",\"{\"\"city\"\":\"\"Oslo\"\"}\",\n";
        let out = run("x.csv", text);
        assert_eq!(out.report.rejected, 0, "{:?}", out.rejects);
        let df = &out.frames[0].1;
        assert_eq!(df.height(), 1);
        assert_eq!(df.column("city").unwrap().str().unwrap().get(0), Some("Oslo"));
        assert_eq!(df.column("tenant_id").unwrap().str().unwrap().get(0), None, "TenantId is the workspace");
        assert_eq!(out.report.formats, vec!["log_analytics_csv".to_string()]);
    }

    #[test]
    fn unrelated_csv_is_not_an_export() {
        let out = run("known-bad.csv", "type,value,label\nip,1.2.3.4,x\n");
        assert_eq!((out.report.records, out.unrecognised), (1, 1));
    }

    #[test]
    fn local_time_exports_and_aggregates_are_rejected_with_reasons() {
        let out =
            run("x.csv", "TimeGenerated [Local Time],Id,Type\n\"1/1/2024, 1:00:00.000 AM\",a,SigninLogs\n");
        assert_eq!(out.report.rejected, 1);
        assert!(out.rejects[0].reason.contains("re-export"));
        let out =
            run("x.csv", "StartTime [UTC],IPAddress,Type\n\"1/1/2024, 1:00:00.000 AM\",1.2.3.4,SigninLogs\n");
        assert_eq!(out.report.rejected, 1);
        assert!(out.rejects[0].reason.contains("no Id column"));
    }

    #[test]
    fn wrong_column_count_is_a_reject() {
        let out = run("x.csv", "Id,Type,TimeGenerated\na,SigninLogs,2024-01-01T00:00:00Z\nb,SigninLogs\n");
        assert_eq!((out.report.rejected, height(&out, Table::SignIns)), (1, 1));
        assert_eq!(out.rejects[0].line, Some(3));
    }

    #[test]
    fn portal_signin_header_traps() {
        let text = "\"Date (UTC)\",\"Request ID\",\"Application ID \",\"Autonomous system  number\",\"Incoming token type\",\"Incoming token type\",\"Location\",\"Status\",\"Sign-in error code\",\"Username\",\"Conditional Access\"\n\
            \"2025-12-04T08:19:41Z\",\"r1\",\"app\",\"8075\",\"none\",\"none\",\"Redmond, Washington, US\",\"Interrupted\",\"50074\",\"A@B.com\",\"Not Applied\"\n";
        let out = run("NonInteractiveSignIns_2025-12-01_2025-12-05.csv", text);
        assert_eq!(out.report.rejected, 0, "{:?}", out.rejects);
        let df = &out.frames[0].1;
        let s = |c: &str| df.column(c).unwrap().str().unwrap().get(0).map(str::to_string);
        assert_eq!(s("app_id").as_deref(), Some("app"));
        assert_eq!(df.column("asn").unwrap().i64().unwrap().get(0), Some(8075));
        assert_eq!(s("category").as_deref(), Some("non_interactive"));
        assert_eq!(s("result").as_deref(), Some("interrupted"));
        assert_eq!(s("city").as_deref(), Some("Redmond"));
        assert_eq!(s("user_principal_name").as_deref(), Some("a@b.com"));
        assert_eq!(s("conditional_access_status").as_deref(), Some("notApplied"));
    }

    #[test]
    fn portal_audit_columns_rebuild_targets() {
        let text = "Date (UTC),CorrelationId,Service,Category,Activity,Result,ResultReason,User Agent,ActorType,ActorDisplayName,ActorObjectId,ActorUserPrincipalName,IPAddress,Target1Type,Target1DisplayName,Target1ObjectId,Target1ModifiedProperty1Name,Target1ModifiedProperty1OldValue,Target1ModifiedProperty1NewValue,AdditionalDetail1Key,AdditionalDetail1Value\n\
            2025-12-04T08:19:41Z,c1,Core Directory,RoleManagement,Add member to role,success,,Mozilla,User,Eve,u1,eve@x.com,198.51.100.4,Role,Global Administrator,r1,Role.DisplayName,,\"\"\"Global Administrator\"\"\",User-Agent,Mozilla\n";
        let out = run("AuditLogs_2025-12-04.csv", text);
        assert_eq!(out.report.rejected, 0, "{:?}", out.rejects);
        let df = &out.frames[1].1;
        let s = |c: &str| df.column(c).unwrap().str().unwrap().get(0).map(str::to_string);
        assert_eq!(s("activity").as_deref(), Some("Add member to role"));
        assert_eq!(s("actor_upn").as_deref(), Some("eve@x.com"));
        assert_eq!(s("ip_address").as_deref(), Some("198.51.100.4"));
        assert_eq!(s("target_name").as_deref(), Some("Global Administrator"));
        assert!(s("changes").unwrap().contains("Role.DisplayName:  -> Global Administrator"));
        assert!(s("id").unwrap().starts_with("synthetic-"));
    }
}
