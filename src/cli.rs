//! Command-line interface: clap derive definitions only. Each subcommand's work lives in
//! `commands/<name>.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Offline forensic analyzer for exported Microsoft Entra ID logs.
#[derive(Debug, Parser)]
#[command(name = "entrascope", version, about, long_about = None)]
pub struct Cli {
    /// Print more detail (per-file counts, per-rule timings).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// No progress bars and no summary; errors only.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Worker threads for parsing and queries (default: all cores).
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load exports (any shape, any mix, archives too) into a canonical parquet dataset.
    #[command(after_help = "\
Examples:
  entrascope ingest exports/ --out case-42/        # walk a tree, write the dataset
  entrascope ingest logs.zip PT1H-tree/ --out ds/  # mix archives and folders
  entrascope ingest exports/                        # check and count only, write nothing

Exit codes: 0 ok, 2 error (or any reject with --strict).")]
    Ingest(IngestArgs),
    /// The main job: inputs → incidents, HTML report, remediation plan, DUET questions.
    #[command(after_help = "\
Examples:
  entrascope analyze samples/ --policy samples/policy.toml --out report/
  entrascope analyze case-42/ --out report/ --duet-answers report-v1/duet.csv --force
  entrascope analyze exports.zip --out r/ --fail-on critical   # CI gate: exit 1 only on critical

Writes report.html, findings.csv/.jsonl, incidents.csv, remediation.csv/.ps1, duet.csv,
posture.csv, timeline.csv (Timesketch), attack-layer.json, manifest.json, rejects.jsonl.
Exit codes: 0 ok, 1 an incident at or above --fail-on, 2 error.")]
    Analyze(AnalyzeArgs),
    /// Run the detection rules and write findings.csv / findings.jsonl.
    #[command(after_help = "\
Examples:
  entrascope detect case-42/ --out findings/                 # a dataset from `ingest`
  entrascope detect exports/ --policy policy.toml --out f/   # raw exports, tenant policy
  entrascope detect case-42/ --since 2026-10-01 --until 2026-10-08 --out week/

Exit codes: 0 ok, 1 a finding at or above --fail-on, 2 error.")]
    Detect(DetectArgs),
    /// List, explain and lint the rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// SQL or shorthand filters over the canonical tables (a dataset or raw inputs).
    #[command(after_help = "\
Examples:
  entrascope query case-42/ \"SELECT ip_address, COUNT(*) AS n FROM signins WHERE error_code = 50126 GROUP BY ip_address ORDER BY n DESC\"
  entrascope query case-42/ --user alex.patel@fabrikam.example --result failure
  entrascope query case-42/ --table audits --ip 45.153.160.0/24 --format csv --out audits.csv
  entrascope query case-42/ --analysis report/ \"SELECT rule_id, severity, summary FROM findings\"

Tables: signins, audits, risk_detections, risky_users (see `entrascope schema`), plus
findings and incidents with --analysis. A bad query exits 2 with the table schemas.")]
    Query(QueryArgs),
    /// Everything the logs say about one user: sign-ins, places, IPs, apps, devices, MFA,
    /// protocols, risk, audit events by and on the user, findings, timeline.
    #[command(after_help = "\
Examples:
  entrascope user alex.patel@fabrikam.example case-42/
  entrascope user alex.patel@fabrikam.example case-42/ --out dossiers/ --analysis report/
A user with no records prints a clear message and exits 0.")]
    User(UserArgs),
    /// Everything the logs say about one IP address or CIDR: principals, results, user
    /// agents, apps, audit actions, intel labels, findings, timeline.
    #[command(after_help = "\
Examples:
  entrascope ip 45.153.160.2 case-42/
  entrascope ip 185.220.101.0/24 case-42/ --out dossiers/ --analysis report/ --intel iocs.csv")]
    Ip(IpArgs),
    /// Run the hunting rules and sweep every table for indicators from IOC files.
    #[command(after_help = "\
Examples:
  entrascope hunt case-42/ --ioc iocs.txt --ioc partner-feed.csv --out hunt/
IOC files: one indicator per line (# comments; IP/CIDR, GUID, UPN with @, AS<n>, otherwise a
user-agent substring) or CSV `type,value,label`. Every indicator is reported, hits or not.")]
    Hunt(HuntArgs),
    /// Compliance summary for auditors: MFA coverage, legacy auth, CA gaps, privileged role
    /// changes, policy / app / consent changes, guests, break-glass use, risky users.
    #[command(after_help = "\
Examples:
  entrascope compliance case-42/ --policy policy.toml --out audit-2026Q4/
Each section names the ScubaGear MS.AAD baseline it evidences; compliance.html plus one CSV
per section are written.")]
    Compliance(ComplianceArgs),
    /// Learn what is normal in this tenant from the logs and write it as a draft policy:
    /// shared egress, usual countries, each user's usual places, privileged accounts,
    /// service principals' usual sources, routine credential automation.
    #[command(after_help = "\
Examples:
  entrascope profile case-42/                       # print the draft policy
  entrascope profile exports/ --out policy.toml     # save it, review it with the customer
  entrascope analyze case-42/ --policy policy.toml --out report/

analyze, detect and hunt learn the same baseline on their own when no policy says otherwise;
a key set in --policy replaces the learned value. Addresses and places tied to attack signals
(spray or brute-force bursts, risky sign-ins, risk detections, intel, attack tools) are never
learned; they are listed at the end as comments.")]
    Profile(ProfileArgs),
    /// Print the canonical tables and columns with their meanings.
    Schema,
    /// Write a synthetic but realistic tenant export (for samples, tests and benchmarks).
    #[command(after_help = "\
Examples:
  entrascope generate --out samples/ --users 40 --days 7
  entrascope generate --out /tmp/bench --users 3000 --days 30 --formats azure-monitor --no-attacks")]
    Generate(GenerateArgs),
}

/// Options shared by every command that reads inputs.
#[derive(Debug, Args, Clone)]
pub struct InputArgs {
    /// Files, directories or archives to read, or one dataset directory.
    #[arg(required = true, value_name = "PATH")]
    pub inputs: Vec<PathBuf>,
    /// Total bytes archives may decompress to (zip-bomb guard), e.g. 16G, 512M.
    #[arg(long, value_name = "SIZE", default_value = "16G", value_parser = parse_size)]
    pub max_expand: u64,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Write the parquet dataset, manifest.json and rejects.jsonl here.
    #[arg(long, short, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write into a non-empty output directory.
    #[arg(long)]
    pub force: bool,
    /// Exit with code 2 if any record is rejected.
    #[arg(long)]
    pub strict: bool,
    /// Tenant policy to keep with the dataset (default: a policy.toml in the single input
    /// directory). Later commands on the dataset use it unless given another --policy.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ProfileArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Write the draft policy here instead of printing it.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Overwrite an existing --out file.
    #[arg(long)]
    pub force: bool,
    /// IOC file(s): listed addresses are attack signals, never learned.
    #[arg(long, value_name = "FILE")]
    pub intel: Vec<PathBuf>,
    /// Learn only from events at or after this time.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Learn only from events before this time.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
}

/// Options shared by commands that run rules.
#[derive(Debug, Args, Clone)]
pub struct AnalysisArgs {
    /// Tenant policy (trusted IPs, allowed countries, break-glass accounts, tuning). Default:
    /// the policy stored with the dataset, or a policy.toml in the input directory.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Do not learn a baseline of what is normal from the logs (shared egress, usual
    /// countries and places); assume only what the policy says.
    #[arg(long)]
    pub no_baseline: bool,
    /// IOC file(s): IP/CIDR lists or CSV `type,value,label` (repeatable).
    #[arg(long, value_name = "FILE")]
    pub intel: Vec<PathBuf>,
    /// Load rules from this directory instead of the built-in set.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Only events at or after this time (2026-10-01 or 2026-10-01T08:00:00Z).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only events before this time.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Memory to stay within (e.g. 4G, 1500M; default: half of RAM). A window whose enriched
    /// tables would not fit in half of it is enriched chunk by chunk to disk and scanned.
    #[arg(long, value_name = "SIZE", value_parser = crate::pipeline::parse_size)]
    pub memory_limit: Option<u64>,
    /// Where a window too large for memory is spilled (default: the temporary directory).
    #[arg(long, value_name = "DIR")]
    pub spill_dir: Option<PathBuf>,
}

/// Where an analysing command writes, and when it fails the build.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output directory (refused when not empty, unless --force).
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
    /// Write into a non-empty output directory.
    #[arg(long)]
    pub force: bool,
    /// Exit with code 1 when an incident (analyze) or detection (detect) at or above this
    /// severity exists.
    #[arg(long, value_name = "SEVERITY", default_value = "high", value_parser = parse_severity)]
    pub fail_on: crate::detect::Severity,
}

#[derive(Debug, Args)]
pub struct DetectArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// A duet.csv with the customer's answers (expected / unexpected).
    #[arg(long, value_name = "FILE")]
    pub duet_answers: Option<PathBuf>,
    /// Render the report with these templates (*.html) instead of the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Table of every rule: id, kind, severity, techniques, title.
    List {
        /// Only rules of this kind (detection, duet, hunt, posture).
        #[arg(long)]
        kind: Option<String>,
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
    /// Everything about one rule: description, why, logic, remediation, references.
    Explain {
        id: String,
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
    /// Check rule files: metadata valid, SQL plans against the schema, output contract met.
    Lint {
        /// Rules directory (default: the built-in rules).
        path: Option<PathBuf>,
    },
}

pub fn parse_severity(s: &str) -> Result<crate::detect::Severity, String> {
    crate::detect::Severity::parse(s)
        .ok_or_else(|| format!("{s:?} is not a severity; use info, low, medium, high or critical"))
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Output directory.
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
    /// Member users in the tenant.
    #[arg(long, default_value_t = 40)]
    pub users: usize,
    /// Days of activity.
    #[arg(long, default_value_t = 7)]
    pub days: u32,
    /// First day (UTC, YYYY-MM-DD).
    #[arg(long, default_value = "2026-10-05")]
    pub start: String,
    /// Average sign-ins per user per day.
    #[arg(long, default_value_t = 12.0)]
    pub rate: f64,
    /// Random seed; the same seed gives the same bytes.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Export shapes to write (comma-separated): azure-monitor, graph, la-csv, la-json,
    /// portal-csv, portal-json, or all.
    #[arg(long, default_value = "all", value_delimiter = ',')]
    pub formats: Vec<String>,
    /// Do not inject the attack scenarios.
    #[arg(long)]
    pub no_attacks: bool,
    /// Add the ordinary chaos of a real tenant to the benign users: cloud web proxy,
    /// mobile CGNAT, iCloud Private Relay, trips, typos, lockouts, old mail clients,
    /// helpdesk, PIM, CI/CD principals, guests, device and app registrations, a leaver's
    /// phone. Listed under `noise` in ground-truth.json.
    #[arg(long)]
    pub noise: bool,
    /// Write into a non-empty output directory.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ComplianceArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    /// Output directory for compliance.html and the section CSVs.
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
    /// Write into a non-empty output directory.
    #[arg(long)]
    pub force: bool,
    /// Exit with code 1 when a result at or above this severity exists (see the README's
    /// exit codes).
    #[arg(long, value_name = "SEVERITY", default_value = "high", value_parser = parse_severity)]
    pub fail_on: crate::detect::Severity,
    /// Render with these templates (*.html) instead of the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct HuntArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    /// IOC file(s) to sweep for (repeatable).
    #[arg(long, value_name = "FILE")]
    pub ioc: Vec<PathBuf>,
    /// Write hunt.csv, hunt.html and the leads' findings.csv / findings.jsonl here.
    #[arg(long, short, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write into a non-empty output directory.
    #[arg(long)]
    pub force: bool,
    /// Exit with code 1 when a result at or above this severity exists (see the README's
    /// exit codes).
    #[arg(long, value_name = "SEVERITY", default_value = "high", value_parser = parse_severity)]
    pub fail_on: crate::detect::Severity,
    /// Render with these templates (*.html) instead of the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct UserArgs {
    /// The user: UPN (any case) or object id.
    #[arg(value_name = "USER")]
    pub subject: String,
    #[command(flatten)]
    pub dossier: DossierArgs,
}

#[derive(Debug, Args)]
pub struct IpArgs {
    /// The IP address (IPv4 or IPv6) or a CIDR range.
    #[arg(value_name = "ADDR or CIDR")]
    pub subject: String,
    #[command(flatten)]
    pub dossier: DossierArgs,
}

/// What both dossiers take besides their subject.
#[derive(Debug, Args)]
pub struct DossierArgs {
    /// A dataset directory from `ingest`, or an export file / directory / archive.
    #[arg(value_name = "DATASET")]
    pub target: PathBuf,
    /// Also write the dossier page (<kind>-<subject>.html) and its timeline CSV here.
    #[arg(long, short, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// An `analyze` output directory: add the findings touching the subject.
    #[arg(long, value_name = "DIR")]
    pub analysis: Option<PathBuf>,
    /// Tenant policy (trusted IPs, intel files).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// IOC file(s) for intel labels (repeatable).
    #[arg(long, value_name = "FILE")]
    pub intel: Vec<PathBuf>,
    /// Render with these templates (*.html) instead of the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum QueryFormat {
    Table,
    Csv,
    Json,
    Parquet,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// A dataset directory from `ingest`, or an export file / directory / archive.
    #[arg(value_name = "DATASET")]
    pub target: PathBuf,
    /// SQL over the canonical tables; without it, the shorthand filters select rows of --table.
    #[arg(value_name = "SQL")]
    pub sql: Option<String>,
    /// Table for the shorthand filters.
    #[arg(long, default_value = "signins")]
    pub table: String,
    /// Rows of this user (UPN or object id; actor or target for audits).
    #[arg(long)]
    pub user: Option<String>,
    /// Rows from this IP address or CIDR.
    #[arg(long)]
    pub ip: Option<String>,
    /// Rows of this app (name substring or app id).
    #[arg(long)]
    pub app: Option<String>,
    /// success | failure | interrupted (audits: success | failure).
    #[arg(long)]
    pub result: Option<String>,
    /// Only rows at or after this time.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only rows before this time.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// An `analyze` output directory: adds the `findings` and `incidents` tables.
    #[arg(long, value_name = "DIR")]
    pub analysis: Option<PathBuf>,
    /// Shorthand filters: only these columns (comma-separated), in this order.
    #[arg(long, value_name = "COLS", value_delimiter = ',')]
    pub columns: Vec<String>,
    /// Shorthand filters in the table view: every column, not the terminal-sized default set.
    #[arg(long)]
    pub all_columns: bool,
    #[arg(long, value_enum, default_value = "table")]
    pub format: QueryFormat,
    /// Write here instead of stdout (required for parquet).
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `16G`, `512M`, `64K` or plain bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m = match c.to_ascii_uppercase() {
                'K' => 1u64 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                'T' => 1 << 40,
                'B' => 1,
                _ => return Err(format!("unknown size unit in {s:?}; use K, M, G or T")),
            };
            (&s[..i], m)
        }
        _ => (s, 1),
    };
    num.trim()
        .parse::<u64>()
        .map(|n| n.saturating_mul(mult))
        .map_err(|_| format!("{s:?} is not a size; try 16G or 512M"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("16G"), Ok(16 << 30));
        assert_eq!(parse_size("512m"), Ok(512 << 20));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("lots").is_err());
    }
}
