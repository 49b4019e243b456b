//! Built-in reference facts: attack-tool and HTTP-library user agents, hosting and
//! anonymiser networks, FOCI client applications (docs/detections.md §3).
//!
//! These are public facts, kept as data tables so a reviewer can audit them in one place.
//! Rules use the labels through enrichment columns (`ua_tool`, `ua_tool_kind`,
//! `ip_is_hosting`, `app_is_foci`) instead of repeating patterns in SQL.

/// What a user-agent fingerprint means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolKind {
    /// An offensive tool's default or forged user agent.
    AttackTool,
    /// A programming HTTP library: automation, AiTM kits, token replay.
    HttpLibrary,
    /// Legacy ROPC client strings (BAV2ROPC).
    LegacyRopc,
}

impl ToolKind {
    pub fn name(self) -> &'static str {
        match self {
            ToolKind::AttackTool => "attack_tool",
            ToolKind::HttpLibrary => "http_library",
            ToolKind::LegacyRopc => "legacy_ropc",
        }
    }
}

/// How a pattern is matched against the lower-cased user agent.
#[derive(Debug, Clone, Copy)]
enum Match {
    Contains(&'static str),
    Equals(&'static str),
    StartsWith(&'static str),
}

/// (pattern, label, kind), first match wins: specific tools before generic libraries.
const USER_AGENTS: &[(Match, &str, ToolKind)] = &[
    (Match::Contains("aadinternals"), "AADInternals", ToolKind::AttackTool),
    // AADInternals' ActiveSync functions send "Outlook-Android/2.0", but so does the genuine
    // Outlook for Android: not a fingerprint on its own.
    (Match::Equals("autodiscoverclient"), "AADInternals (Autodiscover)", ToolKind::AttackTool),
    (Match::Contains("dsreg/10.0 (windows 10.0.19041.928)"), "ROADtx device registration", ToolKind::AttackTool),
    (Match::Contains("deviceregistrationclient"), "ROADtx device registration", ToolKind::AttackTool),
    (Match::Contains("azurehound"), "AzureHound", ToolKind::AttackTool),
    (Match::Contains("sharphound"), "BloodHound", ToolKind::AttackTool),
    (Match::Contains("bloodhound"), "BloodHound", ToolKind::AttackTool),
    (Match::Contains("kali365-live"), "Kali365 phishing kit", ToolKind::AttackTool),
    (Match::Contains("teams/1.3.00.30866"), "TeamFiltration", ToolKind::AttackTool),
    (Match::Contains("nintendobrowser"), "MFASweep", ToolKind::AttackTool),
    (
        Match::Contains("chrome/70.0.3538.102 safari/537.36 edge/18.19042"),
        "TokenTactics / GraphRunner",
        ToolKind::AttackTool,
    ),
    (
        Match::Equals(
            "mozilla/5.0 (windows nt 10.0; win64; x64) applewebkit/537.36 (khtml, like gecko) chrome/104.0.0.0 safari/537.36",
        ),
        "o365spray",
        ToolKind::AttackTool,
    ),
    (Match::Contains("bav2ropc"), "BAV2ROPC", ToolKind::LegacyRopc),
    (Match::Contains("cbainprod"), "CBAinPROD", ToolKind::LegacyRopc),
    (Match::Contains("cbaintar"), "CBAinTAR", ToolKind::LegacyRopc),
    (Match::Contains("aiohttp"), "aiohttp", ToolKind::HttpLibrary),
    (Match::Contains("python-requests"), "python-requests", ToolKind::HttpLibrary),
    (Match::Contains("python-urllib"), "python-urllib", ToolKind::HttpLibrary),
    (Match::StartsWith("python/"), "python", ToolKind::HttpLibrary),
    (Match::Contains("axios"), "axios", ToolKind::HttpLibrary),
    (Match::Contains("node-fetch"), "node-fetch", ToolKind::HttpLibrary),
    (Match::Contains("undici"), "undici", ToolKind::HttpLibrary),
    (Match::Equals("node"), "node", ToolKind::HttpLibrary),
    (Match::Contains("go-http-client"), "go-http-client", ToolKind::HttpLibrary),
    (Match::Contains("go-resty"), "go-resty", ToolKind::HttpLibrary),
    (Match::Contains("okhttp"), "okhttp", ToolKind::HttpLibrary),
    (Match::Contains("fasthttp"), "fasthttp", ToolKind::HttpLibrary),
    (Match::StartsWith("curl/"), "curl", ToolKind::HttpLibrary),
    (Match::Contains("libwww-perl"), "libwww-perl", ToolKind::HttpLibrary),
];

/// The fingerprint of a user agent, if it is a known tool or library.
pub fn user_agent(ua: &str) -> Option<(&'static str, ToolKind)> {
    let ua = ua.trim().to_ascii_lowercase();
    USER_AGENTS.iter().find_map(|(m, label, kind)| {
        let hit = match m {
            Match::Contains(p) => ua.contains(p),
            Match::Equals(p) => ua == *p,
            Match::StartsWith(p) => ua.starts_with(p),
        };
        hit.then_some((*label, *kind))
    })
}

/// Hosting, VPS, VPN-egress and anonymiser networks (public ASN registrations). Microsoft's
/// own AS8075 is deliberately absent: most of its Entra traffic is Microsoft's services.
pub const HOSTING_ASNS: &[(i64, &str)] = &[
    (13335, "Cloudflare (WARP)"),
    (14061, "DigitalOcean"),
    (14618, "Amazon AWS"),
    (16509, "Amazon AWS"),
    (15169, "Google Cloud"),
    (396982, "Google Cloud"),
    (20473, "Vultr (Choopa)"),
    (63949, "Akamai Linode"),
    (24940, "Hetzner"),
    (16276, "OVH"),
    (12876, "Scaleway"),
    (9009, "M247"),
    (60068, "Datacamp (CDN77)"),
    (212238, "Datacamp"),
    (36352, "ColoCrossing"),
    (53667, "FranTech / BuyVM"),
    (62240, "Clouvider"),
    (51167, "Contabo"),
    (40021, "Contabo"),
    (8100, "QuadraNet"),
    (35916, "Multacom"),
    (197540, "netcup"),
    (45102, "Alibaba Cloud"),
    (132203, "Tencent Cloud"),
    (31898, "Oracle Cloud"),
    (202425, "IP Volume"),
    (200651, "FlokiNET"),
    (208323, "Foundation for Applied Privacy (Tor)"),
    (60729, "Tor exit operator"),
    (395954, "Leaseweb"),
    (60781, "Leaseweb"),
    (28753, "Leaseweb"),
    (30633, "Leaseweb"),
    (46606, "Unified Layer"),
    (209588, "Flyservers"),
];

pub fn hosting_provider(asn: i64) -> Option<&'static str> {
    HOSTING_ASNS.iter().find(|(a, _)| *a == asn).map(|(_, n)| *n)
}

/// Family-of-client-ids applications: their refresh tokens are interchangeable, which token
/// theft tooling exploits. The complete public list: secureworks/family-of-client-ids-research
/// `known-foci-clients.csv` (commit 1eabca76), 37 client ids.
pub const FOCI_APPS: &[&str] = &[
    "00b41c95-dab0-4487-9791-b9d2c32c80f2", // Office 365 Management
    "04b07795-8ddb-461a-bbee-02f9e1bf7b46", // Microsoft Azure CLI
    "1950a258-227b-4e31-a9cf-717495945fc2", // Microsoft Azure PowerShell
    "1fec8e78-bce4-4aaf-ab1b-5451cc387264", // Microsoft Teams
    "26a7ee05-5602-4d76-a7ba-eae8b7b67941", // Windows Search
    "27922004-5251-4030-b22d-91ecd9a37ea4", // Outlook Mobile
    "4813382a-8fa7-425e-ab75-3b753aab3abb", // Microsoft Authenticator App
    "ab9b8c07-8f02-4f72-87fa-80105867a763", // OneDrive SyncEngine
    "d3590ed6-52b3-4102-aeff-aad2292ab01c", // Microsoft Office
    "872cd9fa-d31f-45e0-9eab-6e460a02d1f1", // Visual Studio
    "af124e86-4e96-495a-b70a-90f90ab96707", // OneDrive iOS App
    "2d7f3606-b07d-41d1-b9d2-0d0c9296a6e8", // Microsoft Bing Search for Microsoft Edge
    "844cca35-0656-46ce-b636-13f48b0eecbd", // Microsoft Stream Mobile Native
    "87749df4-7ccf-48f8-aa87-704bad0e0e16", // Microsoft Teams - Device Admin Agent
    "cf36b471-5b44-428c-9ce7-313bf84528de", // Microsoft Bing Search
    "0ec893e0-5785-4de6-99da-4ed124e5296c", // Office UWP PWA
    "22098786-6e16-43cc-a27d-191a01a1e3b5", // Microsoft To-Do client
    "4e291c71-d680-4d0e-9640-0a3358e31177", // PowerApps
    "57336123-6e14-4acc-8dcf-287b6088aa28", // Microsoft Whiteboard Client
    "57fcbcfa-7cee-4eb1-8b25-12d2030b4ee0", // Microsoft Flow
    "66375f6b-983f-4c2c-9701-d680650f588f", // Microsoft Planner
    "9ba1a5c7-f17a-4de9-a1f1-6178c8d51223", // Microsoft Intune Company Portal
    "a40d7d7d-59aa-447e-a655-679a4107e548", // Accounts Control UI
    "a569458c-7f2b-45cb-bab9-b7dee514d112", // Yammer iPhone
    "b26aadf8-566f-4478-926f-589f601d9c74", // OneDrive
    "c0d2a505-13b8-4ae0-aa9e-cddd5eab0b12", // Microsoft Power BI
    "d326c1ce-6cc6-4de2-bebc-4591e5e13ef0", // SharePoint
    "e9c51622-460d-4d3d-952d-966a5b1da34c", // Microsoft Edge
    "eb539595-3fe1-474e-9c1d-feb3625d1be5", // Microsoft Tunnel
    "ecd6b820-32c2-49b6-98a6-444530e5a77a", // Microsoft Edge
    "f05ff7c9-f75a-4acd-a3b5-f4b6a870245d", // SharePoint Android
    "f44b1140-bc5e-48c6-8dc0-5cf5a53c0e34", // Microsoft Edge
    "be1918be-3fe3-4be9-b32b-b542fc27f02e", // M365 Compliance Drive Client
    "cab96880-db5b-4e15-90a7-f3f1d62ffe39", // Microsoft Defender Platform
    "d7b530a4-7680-4c23-a8bf-c52c121d2e87", // Microsoft Edge Enterprise New Tab Page
    "dd47d17a-3194-4d86-bfd5-c6ae6f5651e3", // Microsoft Defender for Mobile
    "e9b154d0-7658-433b-bb25-6b8e0a8a7c59", // Outlook Lite
];

/// `clientAppUsed` values of legacy (basic-auth) protocols.
pub const LEGACY_CLIENT_APPS: &[&str] = &[
    "Authenticated SMTP",
    "AutoDiscover",
    "Exchange ActiveSync",
    "Exchange Online PowerShell",
    "Exchange Web Services",
    "IMAP4",
    "MAPI Over HTTP",
    "Offline Address Book",
    "Outlook Anywhere (RPC over HTTP)",
    "Outlook Service",
    "POP3",
    "Reporting Web Services",
    "Other clients",
];

/// Result codes that mean the first factor (the password) was correct (docs/formats.md §6,
/// Sentinel's password-spray heuristic).
pub const FIRST_FACTOR_OK_CODES: &[i64] = &[
    0, 50055, 50057, 50155, 50105, 50133, 50005, 50076, 50079, 50173, 50158, 50072, 50074, 53003, 53000,
    53001, 50129, 500121,
];

/// Role names that make their holder privileged beyond the generic "contains Admin" test
/// (the CISA highly-privileged list).
pub const PRIVILEGED_ROLES: &[&str] = &[
    "Global Administrator",
    "Company Administrator",
    "Privileged Role Administrator",
    "Privileged Authentication Administrator",
    "User Administrator",
    "SharePoint Administrator",
    "Exchange Administrator",
    "Hybrid Identity Administrator",
    "Application Administrator",
    "Cloud Application Administrator",
    "Security Administrator",
    "Conditional Access Administrator",
    "Authentication Administrator",
    "Helpdesk Administrator",
    "Intune Administrator",
    "Cloud Device Administrator",
    "Azure AD Joined Device Local Administrator",
    "Microsoft Entra Joined Device Local Administrator",
];

/// Whether a role name is privileged.
pub fn is_privileged_role(name: &str) -> bool {
    let n = name.trim();
    PRIVILEGED_ROLES.iter().any(|r| r.eq_ignore_ascii_case(n)) || n.to_ascii_lowercase().contains("admin")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foci_list_is_the_public_list_without_duplicates() {
        let set: std::collections::BTreeSet<&str> = FOCI_APPS.iter().copied().collect();
        assert_eq!((FOCI_APPS.len(), set.len()), (37, 37));
        assert!(set
            .iter()
            .all(|id| id.len() == 36 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')));
    }

    #[test]
    fn specific_tools_win_over_libraries() {
        assert_eq!(user_agent("Python/3.10 aiohttp/3.8.1").unwrap().0, "aiohttp");
        assert_eq!(user_agent("axios/1.7.9").unwrap(), ("axios", ToolKind::HttpLibrary));
        assert_eq!(user_agent("AADInternals").unwrap().1, ToolKind::AttackTool);
        assert_eq!(user_agent("BAV2ROPC").unwrap().1, ToolKind::LegacyRopc);
        assert!(user_agent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36").is_none());
        assert!(user_agent("Mozilla/5.0 (compatible; MSAL 1.0) PKeyAuth/1.0").is_none());
    }

    #[test]
    fn roles() {
        assert!(is_privileged_role("Global Administrator"));
        assert!(is_privileged_role("Teams Administrator"));
        assert!(!is_privileged_role("Directory Readers"));
        assert_eq!(hosting_provider(14061), Some("DigitalOcean"));
        assert_eq!(hosting_provider(8075), None);
    }
}
