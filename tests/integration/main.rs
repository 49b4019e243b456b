//! The single integration-test binary: one module per area.

mod analyze;
mod common;
mod crossformat;
mod encodings;
mod fuzz;
mod ingest;
mod investigate;
mod rules;
