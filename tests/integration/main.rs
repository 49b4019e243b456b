//! The single integration-test binary: one module per area.

mod common;
mod ingest;
mod rules;
