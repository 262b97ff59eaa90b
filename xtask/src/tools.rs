//! Installing what a fresh machine lacks, at pinned versions, once.

use std::path::PathBuf;
use std::process::Command;

use crate::{root, run, Result};

/// worker-build must match the `worker` crate's minor version.
const WORKER_BUILD: &str = "0.8.7";
/// schemathesis, for checking the running Worker against its OpenAPI document.
const SCHEMATHESIS: &str = "4.32.5";
/// openapi-spec-validator, for checking that the generated document is valid OpenAPI 3.1.
const SPEC_VALIDATOR: &str = "0.9.0";
/// The toolchain the widget is built with. Only nightly can rebuild std for
/// wasm32 with panics that trap without a message (no formatting machinery,
/// no panic strings, no file names): BENCHMARKS.md has what that saves
/// every shopper. Pinned by date like any
/// other tool; everything else builds with stable.
pub const WIDGET_NIGHTLY: &str = "nightly-2026-10-30";

/// Paths of the installed tools.
#[derive(Debug, Clone)]
pub struct Tools {
    /// `node_modules/.bin`, first on PATH for wrangler (needs Node 22).
    pub node_bin: PathBuf,
    /// wasm-bindgen CLI (same version as Cargo.lock's crate).
    pub wasm_bindgen: PathBuf,
    /// worker-build.
    pub worker_build: PathBuf,
    /// Python with schemathesis.
    pub python: Option<PathBuf>,
    /// [`WIDGET_NIGHTLY`] when it is installed with its std sources; `None`
    /// when rustup could not fetch it, and the widget is built with stable.
    pub widget_nightly: Option<&'static str>,
}

impl Tools {
    /// PATH with our Node first.
    pub fn path(&self) -> String {
        format!("{}:{}", self.node_bin.display(), std::env::var("PATH").unwrap_or_default())
    }

    /// A command from node_modules/.bin, with our PATH.
    pub fn node_tool(&self, name: &str) -> Command {
        let mut c = Command::new(self.node_bin.join(name));
        c.env("PATH", self.path());
        c
    }
}

fn cargo_bin(name: &str) -> PathBuf {
    let home = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into())).join(".cargo"));
    home.join("bin").join(name)
}

fn version_of(bin: &PathBuf) -> Option<String> {
    let out = Command::new(bin).arg("--version").output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The wasm-bindgen version Cargo.lock pins.
pub fn locked_wasm_bindgen() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|v| v.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_owned());
            }
        }
    }
    Err("wasm-bindgen is not in Cargo.lock".into())
}

fn ensure_cargo_tool(krate: &str, bin: &str, version: &str, locked: bool) -> Result<PathBuf> {
    let path = cargo_bin(bin);
    if version_of(&path).is_some_and(|v| v.ends_with(version)) {
        return Ok(path);
    }
    eprintln!("xtask: installing {krate} {version} (once per machine; several minutes on 2 cores)");
    let mut c = Command::new("cargo");
    c.args(["install", krate, "--version", version, "--force"]);
    // wasm-bindgen-cli's own lock file wants a crate the registry lacks here.
    if locked {
        c.arg("--locked");
    }
    run(&mut c)?;
    Ok(path)
}

/// cargo-fuzz at `version`, for `cargo xtask fuzz`.
pub fn ensure_cargo_fuzz(version: &str) -> Result<PathBuf> {
    ensure_cargo_tool("cargo-fuzz", "cargo-fuzz", version, true)
}

fn ensure_wasm_target() -> Result {
    let out = Command::new("rustup").args(["target", "list", "--installed"]).output().map_err(|e| e.to_string())?;
    if !String::from_utf8_lossy(&out.stdout).contains("wasm32-unknown-unknown") {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    Ok(())
}

/// The widget's pinned nightly with `rust-src`, installed if missing.
/// Not fatal when rustup's download server is out of reach: the widget then
/// builds with stable, works the same and is larger (BENCHMARKS.md), and xtask says so.
fn ensure_widget_nightly() -> Option<&'static str> {
    let has_sources = || {
        Command::new("rustup")
            .args(["run", WIDGET_NIGHTLY, "rustc", "--print", "sysroot"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
            .is_some_and(|sysroot| sysroot.join("lib/rustlib/src/rust/library/std").is_dir())
    };
    if has_sources() {
        return Some(WIDGET_NIGHTLY);
    }
    eprintln!("xtask: installing {WIDGET_NIGHTLY} with rust-src for the widget (once per machine)");
    let installed = Command::new("rustup")
        .args(["toolchain", "install", WIDGET_NIGHTLY, "--profile", "minimal", "--component", "rust-src"])
        .arg("--no-self-update")
        .status()
        .is_ok_and(|s| s.success());
    if installed && has_sources() {
        return Some(WIDGET_NIGHTLY);
    }
    eprintln!(
        "xtask: WARNING: could not install {WIDGET_NIGHTLY}; building the widget with stable \
         (it works the same but is larger: see BENCHMARKS.md)"
    );
    None
}

/// npm packages from the committed package-lock.json, reinstalled only when
/// the lock file changes. `npm ci` installs exactly the lock file and refuses
/// (loudly, before touching node_modules) when it and package.json disagree
/// or when it lacks an entry, such as another platform's optional package.
fn ensure_npm() -> Result<PathBuf> {
    let root = root();
    let lock = std::fs::read(root.join("package-lock.json")).map_err(|e| format!("package-lock.json: {e}"))?;
    let stamp = root.join("node_modules/.xtask-lock");
    let node_bin = root.join("node_modules/.bin");
    let fresh = std::fs::read(&stamp).ok().as_deref() == Some(&lock[..]) && node_bin.join("wrangler").exists();
    if !fresh {
        eprintln!("xtask: installing npm packages from package-lock.json");
        run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&root)).map_err(|e| {
            format!("{e}\n  package-lock.json does not match package.json; update it deliberately with `npm install`")
        })?;
        std::fs::write(&stamp, &lock).map_err(|e| e.to_string())?;
    }
    Ok(node_bin)
}

/// Checks that `npm ci` accepts the committed package.json and lock file as
/// a fresh machine would see them: in an empty folder, without installing.
/// node_modules being up to date here proves nothing about a clean clone.
pub fn check_npm_lock() -> Result {
    let dir = root().join("target/tools/npm-lock-check");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    for f in ["package.json", "package-lock.json"] {
        std::fs::copy(root().join(f), dir.join(f)).map_err(|e| format!("{f}: {e}"))?;
    }
    run(Command::new("npm").args(["ci", "--dry-run", "--ignore-scripts", "--no-audit", "--no-fund"]).current_dir(&dir))
        .map_err(|e| format!("{e}\n  `npm ci` refuses the committed package-lock.json: a fresh machine cannot install"))
}

/// Debian's Chromium for the browser tests.
pub fn ensure_chromium() -> Result {
    if PathBuf::from("/usr/bin/chromium").exists() {
        return Ok(());
    }
    eprintln!("xtask: installing Chromium from Debian (apt-get)");
    run(Command::new("apt-get").arg("update"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "chromium", "chromium-driver"])
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// A venv with schemathesis and openapi-spec-validator, under target/.
fn ensure_schemathesis() -> Result<PathBuf> {
    let venv = root().join("target/tools/venv");
    let python = venv.join("bin/python");
    let pins = [format!("schemathesis=={SCHEMATHESIS}"), format!("openapi-spec-validator=={SPEC_VALIDATOR}")];
    let installed = Command::new(&python)
        .args(["-m", "pip", "freeze"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).to_lowercase())
        .unwrap_or_default();
    if !pins.iter().all(|p| installed.lines().any(|l| l == p)) {
        eprintln!("xtask: installing {} into target/tools/venv", pins.join(" "));
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        run(Command::new(&python).args(["-m", "pip", "install", "--quiet"]).args(&pins))?;
    }
    Ok(python)
}

/// Everything `build` needs, and with `e2e` what the tests need too.
pub fn ensure_all(e2e: bool) -> Result<Tools> {
    ensure_wasm_target()?;
    let node_bin = ensure_npm()?;
    let wasm_bindgen = ensure_cargo_tool("wasm-bindgen-cli", "wasm-bindgen", &locked_wasm_bindgen()?, false)?;
    let worker_build = ensure_cargo_tool("worker-build", "worker-build", WORKER_BUILD, true)?;
    let widget_nightly = ensure_widget_nightly();
    let python = if e2e {
        ensure_chromium()?;
        Some(ensure_schemathesis()?)
    } else {
        None
    };
    Ok(Tools { node_bin, wasm_bindgen, worker_build, python, widget_nightly })
}
