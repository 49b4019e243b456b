//! Threat-intel indicator files (IOCs), offline.
//!
//! Two shapes: plain text, one indicator per line with `#` comments and the type inferred
//! (IP/CIDR; GUID → app or object id; contains `@` → UPN; `AS<n>` → ASN; anything else →
//! user-agent substring), or CSV with a `type,value,label` header. Enrichment uses the
//! IP/CIDR indicators for the `ip_intel` column; the retro-hunt sweeps all of them.

use std::path::Path;

use anyhow::{bail, Context, Result};

use super::net::Cidr;

/// What an indicator matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum IocKind {
    Ip,
    Guid,
    Upn,
    Asn,
    UserAgent,
}

impl IocKind {
    pub fn name(self) -> &'static str {
        match self {
            IocKind::Ip => "ip",
            IocKind::Guid => "guid",
            IocKind::Upn => "upn",
            IocKind::Asn => "asn",
            IocKind::UserAgent => "user_agent",
        }
    }

    fn parse(s: &str) -> Option<IocKind> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "ip" | "ipv4" | "ipv6" | "cidr" | "ip_address" => IocKind::Ip,
            "guid" | "app" | "app_id" | "appid" | "object_id" | "id" => IocKind::Guid,
            "upn" | "user" | "email" | "account" => IocKind::Upn,
            "asn" | "as" => IocKind::Asn,
            "ua" | "user_agent" | "useragent" => IocKind::UserAgent,
            _ => return None,
        })
    }
}

/// One indicator.
#[derive(Debug, Clone)]
pub struct Indicator {
    pub kind: IocKind,
    /// As written in the file (UPNs lower-cased).
    pub value: String,
    pub label: String,
    /// File and line it came from.
    pub source: String,
    pub cidr: Option<Cidr>,
    pub asn: Option<i64>,
}

fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.chars().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

fn parse_asn(s: &str) -> Option<i64> {
    let t = s.trim();
    let digits = t.strip_prefix("AS").or_else(|| t.strip_prefix("as")).unwrap_or(t);
    digits.parse().ok()
}

/// Build an indicator of an inferred or given kind.
fn indicator(kind: Option<IocKind>, value: &str, label: &str, source: String) -> Result<Indicator> {
    let value = value.trim();
    let cidr = Cidr::parse(value);
    let kind = match kind {
        Some(k) => k,
        None if cidr.is_some() => IocKind::Ip,
        None if is_guid(value) => IocKind::Guid,
        None if value.contains('@') => IocKind::Upn,
        // `get`, not `[..2]`: a value starting with a multi-byte character must not panic
        // (found by the fuzzer).
        None if value.len() > 2
            && value.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("as"))
            && parse_asn(value).is_some() =>
        {
            IocKind::Asn
        }
        None => IocKind::UserAgent,
    };
    let asn = if kind == IocKind::Asn { parse_asn(value) } else { None };
    if kind == IocKind::Ip && cidr.is_none() {
        bail!("{source}: {value:?} is not an IP address or CIDR");
    }
    if kind == IocKind::Asn && asn.is_none() {
        bail!("{source}: {value:?} is not an ASN (write AS64500 or 64500)");
    }
    let value = if kind == IocKind::Upn { value.to_ascii_lowercase() } else { value.to_string() };
    Ok(Indicator { kind, value, label: label.trim().to_string(), source, cidr, asn })
}

/// Load one IOC file.
pub fn load(path: &Path) -> Result<Vec<Indicator>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read IOC file {}; check the path", path.display()))?;
    let text = text.trim_start_matches('\u{feff}');
    let name = path.display().to_string();
    let first = text.lines().find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#')).unwrap_or("");
    let header = first.to_ascii_lowercase().replace(' ', "");
    if header.starts_with("type,value") {
        let mut rdr =
            csv::ReaderBuilder::new().comment(Some(b'#')).flexible(true).from_reader(text.as_bytes());
        let mut out = Vec::new();
        for (i, rec) in rdr.records().enumerate() {
            let rec = rec.with_context(|| format!("{name}: unreadable CSV row {}", i + 2))?;
            let source = format!("{name}:{}", rec.position().map_or(i as u64 + 2, |p| p.line()));
            let kind = rec.get(0).unwrap_or("");
            let kind = IocKind::parse(kind).with_context(|| {
                format!("{source}: unknown indicator type {kind:?}; use ip, guid, upn, asn or user_agent")
            })?;
            let value = rec.get(1).unwrap_or("");
            if value.trim().is_empty() {
                continue;
            }
            out.push(indicator(Some(kind), value, rec.get(2).unwrap_or(""), source)?);
        }
        return Ok(out);
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split(" #").next().unwrap_or(line).trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let label = path.file_stem().and_then(|s| s.to_str()).unwrap_or("intel");
        out.push(indicator(None, line, label, format!("{name}:{}", i + 1))?);
    }
    Ok(out)
}

/// Load several IOC files, in order.
pub fn load_all(paths: &[impl AsRef<Path>]) -> Result<Vec<Indicator>> {
    let mut out = Vec::new();
    for p in paths {
        out.extend(load(p.as_ref())?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str, text: &str) -> std::path::PathBuf {
        let p = std::env::temp_dir().join(format!("entrascope-intel-{}-{name}", std::process::id()));
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn plain_lists_infer_types() {
        let p = tmp(
            "bad.txt",
            "# campaign X\n185.220.101.0/24\n2001:db8::1\n04b07795-8ddb-461a-bbee-02f9e1bf7b46\nEve@Evil.example\nAS14061\npython-requests # lib\n",
        );
        let iocs = load(&p).unwrap();
        let kinds: Vec<IocKind> = iocs.iter().map(|i| i.kind).collect();
        assert_eq!(
            kinds,
            vec![IocKind::Ip, IocKind::Ip, IocKind::Guid, IocKind::Upn, IocKind::Asn, IocKind::UserAgent]
        );
        assert_eq!(iocs[3].value, "eve@evil.example");
        assert_eq!(iocs[4].asn, Some(14061));
        assert!(iocs[0].source.ends_with(":2"));
        // A value starting with a multi-byte character used to panic (found by the fuzzer).
        let p = tmp("utf8.txt", "\u{202e}ype\n\u{feff}as1\n");
        let iocs = load(&p).unwrap();
        assert_eq!(
            iocs.iter().map(|i| i.kind).collect::<Vec<_>>(),
            vec![IocKind::UserAgent, IocKind::UserAgent]
        );
    }

    #[test]
    fn csv_with_labels_and_errors() {
        let p = tmp("c.csv", "type,value,label\nip,45.153.160.2,APT-x infra\nua,axios/1.7,kit\n");
        let iocs = load(&p).unwrap();
        assert_eq!(iocs[0].label, "APT-x infra");
        assert_eq!(iocs[1].kind, IocKind::UserAgent);
        let bad = tmp("bad.csv", "type,value,label\nip,not-an-ip,x\n");
        assert!(load(&bad).unwrap_err().to_string().contains("not an IP"));
    }
}
