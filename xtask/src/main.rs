//! `cargo xtask <command>`: Loyalty Edge's build chores, in Rust.
//!
//! - `dev`   install what is missing, build, migrate, seed, serve on :8787
//! - `test`  the npm lock file as a fresh clone sees it, fmt, clippy (host
//!   and wasm32), unit/property tests, docs, both wasm builds, the widget's
//!   size budget, end-to-end tests on `wrangler dev`, browser tests
//! - `bench` sizes, load test against a baseline Worker, criterion figures
//! - `build` just the release artefacts (widget + Worker + site)
//!
//! Every tool version is pinned here or in a lock file; installs are cached
//! (a second run checks versions and skips).

mod bench;
mod build;
mod fuzz;
mod http;
mod link;
mod server;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

/// A failed step.
pub type Result<T = ()> = std::result::Result<T, String>;

/// Runs a command, failing with its name if it fails.
pub fn run(cmd: &mut Command) -> Result {
    let shown = format!("{cmd:?}");
    eprintln!("xtask: $ {}", shown.replace('"', ""));
    let status = cmd.status().map_err(|e| format!("cannot start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("failed ({status}): {shown}"))
    }
}

/// Runs a command and returns what it printed, failing with its name if
/// it fails.
pub fn output(cmd: &mut Command) -> Result<String> {
    let shown = format!("{cmd:?}");
    eprintln!("xtask: $ {}", shown.replace('"', ""));
    let out = cmd.stderr(std::process::Stdio::inherit()).output().map_err(|e| format!("cannot start {shown}: {e}"))?;
    if !out.status.success() {
        return Err(format!("failed ({}): {shown}", out.status));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("{shown}: {e}"))
}

/// `cargo` with the workspace as working directory.
pub fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

fn usage() -> ExitCode {
    eprintln!("usage: cargo xtask <dev|test [--no-e2e]|bench [--only NAME,…]|fuzz [--secs N]|build|codegen>");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let started = Instant::now();
    let result = match args.first().map(String::as_str) {
        Some("dev") => server::dev(),
        Some("test") => test(&args[1..]),
        Some("bench") => bench::bench(&args[1..]),
        Some("build") => tools::ensure_all(false).and_then(|t| build::all(&t)),
        Some("codegen") => codegen(),
        Some("fuzz") => fuzz::command(&args[1..]),
        _ => return usage(),
    };
    match result {
        Ok(()) => {
            eprintln!("xtask: done in {:.0?}", started.elapsed());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Where the generated OpenAPI document lives (served by the Worker).
fn openapi_path() -> PathBuf {
    root().join("edge/openapi.json")
}

/// `cargo xtask codegen`: writes the files generated from core (the
/// OpenAPI document); `tests::generated_files_are_fresh` fails when a
/// committed one is stale.
fn codegen() -> Result {
    std::fs::write(openapi_path(), loyalty_core::openapi::document_text()).map_err(|e| e.to_string())?;
    eprintln!("xtask: wrote {}", openapi_path().display());
    Ok(())
}

/// The whole test suite, in the order that fails fastest.
/// `--no-e2e` stops after the builds (for a quick local loop).
fn test(args: &[String]) -> Result {
    let e2e = !args.iter().any(|a| a == "--no-e2e");
    let t = tools::ensure_all(e2e)?;
    let step = |name: &str| eprintln!("\nxtask: ── {name} ──");

    step("npm lock file (as a fresh clone sees it)");
    tools::check_npm_lock()?;
    step("rustfmt");
    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    step("clippy (host)");
    run(cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    step("clippy (wasm32)");
    run(cargo().args([
        "clippy",
        "-p",
        "loyalty-core",
        "-p",
        "loyalty-edge",
        "-p",
        "loyalty-widget",
        "-p",
        "loyalty-console",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ]))?;
    step("unit and property tests");
    run(cargo().args(["test", "--workspace"]))?;
    step("fuzzing (each target, bounded)");
    fuzz::fuzz(&t, fuzz::TEST_SECS)?;
    step("docs");
    run(cargo().args(["doc", "-p", "loyalty-core", "--no-deps"]).env("RUSTDOCFLAGS", "-D warnings"))?;
    step("wasm builds");
    build::all(&t)?;
    step("widget size budget and console ceiling");
    bench::widget_budget(&t)?;
    if e2e {
        step("end-to-end and browser tests (wrangler dev + Chromium)");
        server::e2e(&t)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// What `cargo xtask fuzz` runs is every target of fuzz/Cargo.toml,
    /// and each has its committed corpus.
    #[test]
    fn every_fuzz_target_runs_from_its_corpus() {
        let manifest = std::fs::read_to_string(crate::root().join("fuzz/Cargo.toml")).expect("fuzz/Cargo.toml");
        let mut bins: Vec<&str> = manifest
            .split("[[bin]]")
            .skip(1)
            .filter_map(|b| b.lines().find_map(|l| l.strip_prefix("name = ")))
            .map(|n| n.trim_matches('"'))
            .collect();
        bins.sort_unstable();
        let mut targets = crate::fuzz::TARGETS.to_vec();
        targets.sort_unstable();
        assert_eq!(bins, targets);
        for t in targets {
            let corpus = crate::root().join("fuzz/corpus").join(t);
            assert!(std::fs::read_dir(&corpus).is_ok_and(|mut d| d.next().is_some()), "{} is empty", corpus.display());
        }
    }

    #[test]
    fn generated_files_are_fresh() {
        let committed = std::fs::read_to_string(super::openapi_path()).expect("edge/openapi.json");
        assert!(
            committed == loyalty_core::openapi::document_text(),
            "edge/openapi.json is stale: run `cargo xtask codegen` and commit the result"
        );
    }
}
