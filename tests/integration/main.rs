//! The single integration-test binary: one module per area.

mod common;
mod crossformat;
mod ingest;
mod rules;
