//! Files written the way Windows PowerShell 5.1 and PowerShell 7 write them, and other odd
//! but real inputs: UTF-16 with and without a byte-order mark, `Export-Csv`'s `#TYPE` line,
//! ConvertTo-Json's depth-2 truncation, Windows-1252 bytes, a corrupt gzip, hostile nesting,
//! a deliberately failing reader. Each loads with exact counts or is one accounted reject.

use crate::common::{assert_reconciled, load, scratch, write};
use entrascope::schema::Table;

/// Two sign-ins as `Get-MgAuditLogSignIn | ConvertTo-Json` prints them: PascalCase keys,
/// four-space indents, CRLF, and (at the default -Depth 2) the deeper objects replaced by
/// their .NET type names.
fn convert_to_json() -> String {
    let one = |id: &str, upn: &str, code: u32| {
        format!(
            "    {{\r\n        \"AppDisplayName\":  \"Office 365 Exchange Online\",\r\n        \"CreatedDateTime\":  \"2026-10-05T09:1{code}:00Z\",\r\n        \"Id\":  \"{id}\",\r\n        \"IPAddress\":  \"203.0.113.7\",\r\n        \"IsInteractive\":  true,\r\n        \"Location\":  {{\r\n                         \"City\":  \"Seattle\",\r\n                         \"CountryOrRegion\":  \"US\",\r\n                         \"GeoCoordinates\":  \"Microsoft.Graph.PowerShell.Models.MicrosoftGraphGeoCoordinates\"\r\n                     }},\r\n        \"Status\":  {{\r\n                       \"ErrorCode\":  {code},\r\n                       \"FailureReason\":  \"Other.\"\r\n                   }},\r\n        \"UserPrincipalName\":  \"{upn}\"\r\n    }}"
        )
    };
    format!(
        "[\r\n{},\r\n{}\r\n]\r\n",
        one("ps-1", "Ann.Lee@fabrikam.example", 0),
        one("ps-2", "bo.ng@fabrikam.example", 1)
    )
}

fn utf16(text: &str, little: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend(if little { [0xFF, 0xFE] } else { [0xFE, 0xFF] });
    }
    for u in text.encode_utf16() {
        out.extend(if little { u.to_le_bytes() } else { u.to_be_bytes() });
    }
    out
}

fn notes(r: &entrascope::ingest::IngestReport) -> Vec<String> {
    r.inputs.iter().flat_map(|i| i.entries.iter().flat_map(|e| e.notes.clone())).collect()
}

#[test]
fn powershell_5_1_json_exports_load_with_exact_counts() {
    let dir = scratch("ps51-json");
    // Out-File / > in Windows PowerShell 5.1: UTF-16LE with a BOM.
    write(&dir, "out-file.json", utf16(&convert_to_json(), true, true));
    // -Encoding BigEndianUnicode.
    write(&dir, "bigendian.json", utf16(&convert_to_json().replace("ps-", "be-"), false, true));
    // UTF-16LE without a BOM (some tools): recognised by the NUL pattern.
    write(&dir, "no-bom.json", utf16(&convert_to_json().replace("ps-", "nb-"), true, false));
    // PowerShell 7's default: UTF-8 without a BOM.
    write(&dir, "ps7.json", convert_to_json().replace("ps-", "p7-"));
    let (r, tables) = load(&[dir]);
    assert_reconciled(&r);
    assert_eq!((r.totals.records, r.totals.loaded, r.totals.rejected), (8, 8, 0), "{:?}", r.totals);
    let si = &tables[&Table::SignIns];
    assert_eq!(si.height(), 8);
    let upns = si.column("user_principal_name").unwrap().str().unwrap().clone();
    assert!(upns
        .iter()
        .all(|u| u.is_some_and(|u| u.ends_with("@fabrikam.example") && u == u.to_lowercase())));
    let codes = si.column("error_code").unwrap().i64().unwrap().clone();
    assert_eq!(codes.iter().flatten().filter(|c| *c == 1).count(), 4, "Status survives depth 2");
    let n = notes(&r);
    assert_eq!(n.iter().filter(|n| n.contains("transcoded from UTF-16LE")).count(), 2, "{n:?}");
    assert_eq!(n.iter().filter(|n| n.contains("transcoded from UTF-16BE")).count(), 1, "{n:?}");
    // Every file says its records were cut by ConvertTo-Json, with the fix.
    assert_eq!(
        n.iter()
            .filter(|n| n.contains("truncated by ConvertTo-Json -Depth") && n.contains("-Depth 10"))
            .count(),
        4
    );
}

#[test]
fn powershell_export_csv_loads_with_exact_counts() {
    let dir = scratch("ps-csv");
    let header =
        "\"Id\",\"CreatedDateTime\",\"UserPrincipalName\",\"IPAddress\",\"AppDisplayName\",\"Status\"";
    let row = |id: &str, upn: &str| {
        format!("\"{id}\",\"10/5/2026 9:10:00 AM\",\"{upn}\",\"203.0.113.7\",\"OfficeHome\",\"Microsoft.Graph.PowerShell.Models.MicrosoftGraphSignInStatus\"")
    };
    let body = |p: &str| {
        format!(
            "{header}\r\n{}\r\n{}\r\n",
            row(&format!("{p}1"), "ann@x.example"),
            row(&format!("{p}2"), "bo@x.example")
        )
    };
    // Windows PowerShell 5.1 Export-Csv without -NoTypeInformation: a #TYPE line, ASCII.
    write(
        &dir,
        "typed.csv",
        format!("#TYPE Microsoft.Graph.PowerShell.Models.MicrosoftGraphSignIn\r\n{}", body("t")),
    );
    // Export-Csv -Encoding Unicode: UTF-16LE with a BOM.
    write(&dir, "unicode.csv", utf16(&body("u"), true, true));
    // PowerShell 7 Export-Csv: UTF-8 without a BOM, no #TYPE line.
    write(&dir, "ps7.csv", body("s"));
    let (r, tables) = load(&[dir]);
    assert_reconciled(&r);
    assert_eq!((r.totals.records, r.totals.loaded, r.totals.rejected), (6, 6, 0), "{:?}", r.totals);
    assert_eq!(tables[&Table::SignIns].height(), 6);
    let n = notes(&r);
    assert!(n.iter().any(|n| n.contains("#TYPE")), "{n:?}");
    assert!(n.iter().any(|n| n.contains("transcoded from UTF-16LE")), "{n:?}");
    // Export-Csv cannot hold nested objects either: Status became a type name, so the error
    // code is missing, and the responder is told how to re-export.
    assert_eq!(
        n.iter().filter(|n| n.contains("truncated by ConvertTo-Json") && n.contains("-Depth 10")).count(),
        3
    );
}

#[test]
fn windows_1252_bytes_are_replaced_and_counted_never_a_crash() {
    let dir = scratch("cp1252");
    let mut bytes = b"Id,TimeGenerated,UserPrincipalName,UserDisplayName,Type\n".to_vec();
    bytes.extend(b"a1,2026-10-05T09:00:00Z,rene@x.example,Ren\xe9 Dupr\xe9,SigninLogs\n");
    bytes.extend(b"a2,2026-10-05T09:01:00Z,zoe@x.example,Zo\xeb,SigninLogs\n");
    write(&dir, "latin.csv", bytes);
    let (r, tables) = load(&[dir]);
    assert_reconciled(&r);
    assert_eq!((r.totals.loaded, r.totals.rejected), (2, 0));
    let names = tables[&Table::SignIns].column("user_display_name").unwrap().str().unwrap().clone();
    assert_eq!(names.get(0), Some("Ren\u{fffd} Dupr\u{fffd}"));
    assert!(
        notes(&r).iter().any(|n| n.starts_with("3 invalid UTF-8 sequence(s) replaced")),
        "{:?}",
        notes(&r)
    );
}

#[test]
fn a_corrupt_gzip_is_a_reject_with_its_reason() {
    let dir = scratch("badgz");
    // Gzip magic, then garbage: an export that failed to read, not "not an export".
    write(
        &dir,
        "signins.json.gz",
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage that is not deflate".as_slice(),
    );
    write(
        &dir,
        "good.json",
        r#"{"id":"g1","createdDateTime":"2026-10-05T09:00:00Z","userPrincipalName":"a@x.example"}"#,
    );
    let (r, _) = load(&[dir]);
    assert_reconciled(&r);
    assert_eq!((r.totals.loaded, r.totals.rejected), (1, 1));
    let rej = &r.rejects[0];
    assert!(rej.file.ends_with("signins.json.gz") && rej.reason.contains("could not be read"), "{rej:?}");
    assert!(r.skipped_files().is_empty(), "a corrupt archive is a reject, not a skipped file");
}

#[test]
fn hostile_nesting_is_one_reject_and_a_normal_exit() {
    let dir = scratch("nested");
    write(&dir, "deep.json", "[".repeat(200_000));
    write(
        &dir,
        "good.json",
        r#"{"id":"g1","createdDateTime":"2026-10-05T09:00:00Z","userPrincipalName":"a@x.example"}"#,
    );
    let out = crate::common::bin().args(["ingest"]).arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1 loaded") && text.contains("1 rejected"), "{text}");
}

#[test]
fn tar_links_and_devices_are_listed_as_skipped() {
    let dir = scratch("oddtar");
    let mut b = tar::Builder::new(Vec::new());
    let good = br#"{"id":"t1","createdDateTime":"2026-10-05T09:00:00Z","userPrincipalName":"a@x.example"}"#;
    let mut h = tar::Header::new_gnu();
    h.set_size(good.len() as u64);
    h.set_cksum();
    b.append_data(&mut h, "logs/one.json", &good[..]).unwrap();
    for (kind, name) in [
        (tar::EntryType::Link, "logs/hard"),
        (tar::EntryType::Char, "logs/dev"),
        (tar::EntryType::Symlink, "logs/sym"),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_size(0);
        if kind != tar::EntryType::Char {
            h.set_link_name("logs/one.json").unwrap();
        }
        h.set_cksum();
        b.append_data(&mut h, name, std::io::empty()).unwrap();
    }
    write(&dir, "odd.tar", b.into_inner().unwrap());
    let (r, _) = load(&[dir]);
    assert_reconciled(&r);
    assert_eq!(r.totals.loaded, 1);
    let skipped: Vec<String> = r.skipped_files().iter().map(|s| format!("{} {}", s.name, s.reason)).collect();
    assert_eq!(skipped.len(), 3, "{skipped:?}");
    assert!(skipped.iter().all(|s| s.contains("not a regular file")), "{skipped:?}");
}
