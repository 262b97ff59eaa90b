//! `cargo xtask fuzz`: every fuzz target of `fuzz/` for a bounded time,
//! with cargo-fuzz (libFuzzer) on the pinned nightly. `cargo xtask test`
//! runs it with a shorter bound; a longer run is `cargo xtask fuzz --secs N`.
//!
//! Each run starts from the committed corpus (`fuzz/corpus/<target>/`) and
//! writes what it discovers to `target/fuzz-corpus/<target>/`, so a test run
//! never changes the tree. To keep a run's discoveries, minimise them into
//! the committed corpus: `cargo fuzz cmin` (see fuzz/README.md).

use std::path::PathBuf;
use std::process::Command;

use crate::tools::{self, Tools};
use crate::{root, run, Result};

/// The targets, as `fuzz/Cargo.toml` names them.
pub const TARGETS: [&str; 4] = ["token", "eligibility", "config", "request_bodies"];

/// cargo-fuzz, pinned like every other tool.
const CARGO_FUZZ: &str = "0.13.2";

/// Bound of each target in `cargo xtask test`.
pub const TEST_SECS: u64 = 30;

/// `cargo xtask fuzz [--secs N]`.
pub fn command(args: &[String]) -> Result {
    let secs = match args {
        [] => 60,
        [flag, n] if flag == "--secs" => n.parse().map_err(|_| format!("--secs takes whole seconds, not {n:?}"))?,
        _ => return Err("usage: cargo xtask fuzz [--secs N]".into()),
    };
    let t = tools::ensure_all(false)?;
    fuzz(&t, secs)
}

/// Lints, builds and runs every target for `secs` seconds each; a crash,
/// panic, leak or timeout fails with the input saved under
/// `fuzz/artifacts/<target>/`.
pub fn fuzz(t: &Tools, secs: u64) -> Result {
    let nightly = t
        .widget_nightly
        .ok_or("fuzzing needs the pinned nightly (libFuzzer's instrumentation), which rustup could not install here")?;
    let cargo_fuzz = tools::ensure_cargo_fuzz(CARGO_FUZZ)?;
    let root = root();
    let manifest = root.join("fuzz/Cargo.toml");
    run(Command::new("cargo").arg("fmt").arg("--manifest-path").arg(&manifest).args(["--", "--check"]))?;
    // Stable's clippy: the nightly is installed without it.
    run(Command::new("cargo")
        .args(["clippy", "--manifest-path"])
        .arg(&manifest)
        .args(["--bins", "--", "-D", "warnings"]))?;
    let fuzz = |args: &[&str]| {
        let mut c = Command::new("rustup");
        c.args(["run", nightly]).arg(&cargo_fuzz).arg("fuzz").args(args).current_dir(&root);
        c
    };
    run(&mut fuzz(&["build", "-O"]))?;
    for target in TARGETS {
        let found = root.join("target/fuzz-corpus").join(target);
        let _ = std::fs::remove_dir_all(&found);
        std::fs::create_dir_all(&found).map_err(|e| e.to_string())?;
        let committed: PathBuf = root.join("fuzz/corpus").join(target);
        // libFuzzer reports every input it keeps: thousands of lines, kept
        // in a file and shown (the end of it) only when the run fails.
        let log = root.join("target/fuzz-corpus").join(format!("{target}.log"));
        eprintln!("xtask: fuzzing {target} for {secs} s (log: {})", log.display());
        let file = std::fs::File::create(&log).map_err(|e| e.to_string())?;
        let status = fuzz(&["run", "-O", target])
            .arg(&found)
            .arg(&committed)
            .arg("--")
            .arg(format!("-max_total_time={secs}"))
            // One input taking seconds is a bug worth a failure too.
            .args(["-timeout=10", "-rss_limit_mb=2048", "-print_final_stats=1"])
            .stdout(file.try_clone().map_err(|e| e.to_string())?)
            .stderr(file)
            .status()
            .map_err(|e| format!("cannot start cargo fuzz: {e}"))?;
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = |n: usize| lines[lines.len().saturating_sub(n)..].join("\n");
        if !status.success() {
            return Err(format!("fuzz target {target} failed ({status}); the end of {}:\n{}", log.display(), tail(80)));
        }
        if let Some(done) = lines.iter().rev().find(|l| l.starts_with("Done ")) {
            eprintln!("xtask: {target}: {done}, no crash");
        }
    }
    Ok(())
}
