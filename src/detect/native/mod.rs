//! Rules SQL cannot express well (sliding windows, geo-velocity, sessionisation), as Rust
//! functions over the enriched tables. Each one's metadata still lives in a `queries/` file
//! with `engine: native`, so every rule is listed, documented and tested the same way; this
//! list is the only place an implementation is registered.

mod impossible_travel;

use std::collections::BTreeMap;

use polars::prelude::*;

use super::rule::ParamValue;
use crate::schema::Table;

/// What a native rule gets: the enriched tables and its parameters.
pub struct NativeCtx<'a> {
    pub tables: &'a BTreeMap<Table, LazyFrame>,
    pub params: &'a BTreeMap<String, ParamValue>,
}

impl NativeCtx<'_> {
    pub fn table(&self, t: Table) -> LazyFrame {
        self.tables[&t].clone()
    }

    /// A numeric parameter (validated against the metadata at load time).
    pub fn num(&self, name: &str) -> PolarsResult<f64> {
        self.params
            .get(name)
            .and_then(ParamValue::as_f64)
            .ok_or_else(|| polars_err!(ComputeError: "numeric param {name} is missing"))
    }
}

impl NativeCtx<'_> {
    /// A boolean parameter.
    pub fn flag(&self, name: &str) -> PolarsResult<bool> {
        match self.params.get(name) {
            Some(ParamValue::Bool(b)) => Ok(*b),
            _ => Err(polars_err!(ComputeError: "boolean param {name} is missing")),
        }
    }
}

/// A native rule: builds the lazy query returning the finding contract's columns.
pub type NativeFn = fn(&NativeCtx) -> PolarsResult<LazyFrame>;

/// Every native rule, by id.
pub const NATIVE: &[(&str, NativeFn)] = &[("IMPOSSIBLE-TRAVEL", impossible_travel::plan)];

pub fn find(id: &str) -> Option<NativeFn> {
    NATIVE.iter().find(|(i, _)| i.eq_ignore_ascii_case(id)).map(|(_, f)| *f)
}
