//! `entrascope schema`: the canonical tables and their columns, from `schema.rs`.

use std::process::ExitCode;

use crate::schema::Table;

pub fn run() -> ExitCode {
    for t in Table::ALL {
        let doc = t.doc();
        println!("{} — {}", doc.name, doc.doc);
        for c in doc.columns {
            println!("  {:<28} {:<20} {}", c.name, c.dtype.split('{').next().unwrap_or(c.dtype), c.doc);
        }
        println!();
    }
    ExitCode::SUCCESS
}
