//! Detection: rules from `queries/` run as lazy queries over the enriched tables.
//!
//! `rule` parses and validates rule files, `catalog` loads them (embedded or from a
//! directory), `native` holds the few rules written in Rust, `run` plans and executes them
//! in parallel, and `finding` turns result frames into findings.

pub mod catalog;
pub mod finding;
pub mod native;
pub mod rule;
pub mod run;
pub mod view;

pub use catalog::Catalog;
pub use finding::Finding;
pub use rule::{Access, Kind, Rule, Severity};
pub use run::{RuleRun, RunOptions};
