//! `cargo xtask bench`: filled in by the benchmarks issue.

use crate::Result;

/// Prints the benchmark table.
pub fn bench() -> Result {
    Err("cargo xtask bench is not implemented yet".into())
}
