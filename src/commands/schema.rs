//! `entrascope schema`: the canonical tables and their columns, from `schema.rs`, and the
//! columns enrichment adds before the rules run.

use std::process::ExitCode;

use crate::schema::Table;

pub fn run() -> ExitCode {
    for t in Table::ALL {
        let doc = t.doc();
        println!("{} — {}", doc.name, doc.doc);
        for c in doc.columns {
            println!("  {:<28} {:<20} {}", c.name, c.dtype.split('{').next().unwrap_or(c.dtype), c.doc);
        }
        let added = crate::schema::enriched::columns(doc.name);
        if !added.is_empty() {
            println!("  added by enrichment before rules run (not stored in the dataset):");
            for c in added {
                println!("  {:<28} {:<20} {}", c.name, c.dtype, c.doc);
            }
        }
        println!();
    }
    ExitCode::SUCCESS
}
