//! `wrangler dev` (local workerd, D1 and KV on disk): starting it in its
//! own process group, stopping exactly that group, migrating, seeding.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::tools::Tools;
use crate::{build, http, root, run, tools, Result};

/// The development API key (edge/.dev.vars).
pub const DEV_KEY: &str = "Bearer dev-api-key";

/// A running `wrangler dev`, stopped (with its workerd children) on drop.
pub struct Wrangler {
    child: Child,
}

fn wrangler_env(c: &mut Command) {
    c.env("WRANGLER_SEND_METRICS", "false").env("CLOUDFLARE_CF_FETCH_ENABLED", "false").env("CI", "true");
}

/// Applies `edge/migrations` to the local D1 under `state`.
pub fn migrate(t: &Tools, state: &Path) -> Result {
    migrate_in(t, &root().join("edge"), "loyalty", state)
}

/// Applies the migrations of the Worker in `dir` (database `db`).
pub fn migrate_in(t: &Tools, dir: &Path, db: &str, state: &Path) -> Result {
    let mut c = t.node_tool("wrangler");
    c.args(["d1", "migrations", "apply", db, "--local", "--persist-to"]).arg(state).current_dir(dir);
    wrangler_env(&mut c);
    run(&mut c)
}

impl Wrangler {
    /// Starts the Worker on `port` with state under `state`; waits for health.
    pub fn start(t: &Tools, port: u16, state: &Path, log: Option<&Path>) -> Result<Wrangler> {
        Wrangler::start_in(t, &root().join("edge"), port, state, log)
    }

    /// Starts the Worker whose wrangler.toml is in `dir`.
    pub fn start_in(t: &Tools, dir: &Path, port: u16, state: &Path, log: Option<&Path>) -> Result<Wrangler> {
        let mut c = t.node_tool("wrangler");
        c.args([
            "dev",
            "--local",
            "--ip",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--test-scheduled",
            "--persist-to",
        ])
        .arg(state)
        // The demo store with the widget; wrangler.toml names what a
        // deploy uploads, the widget alone.
        .arg("--assets")
        .arg(root().join(crate::build::SITE))
        .current_dir(dir)
        .stdin(Stdio::null())
        // Own process group: wrangler spawns workerd children that must
        // stop with it, and only they.
        .process_group(0);
        wrangler_env(&mut c);
        if let Some(log) = log {
            let f = std::fs::File::create(log).map_err(|e| e.to_string())?;
            c.stdout(f.try_clone().map_err(|e| e.to_string())?).stderr(f);
        }
        let child = c.spawn().map_err(|e| format!("cannot start wrangler: {e}"))?;
        let mut w = Wrangler { child };
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            if let Ok((200, _)) = http::request(port, "GET", "/v1/health", &[], "") {
                return Ok(w);
            }
            if let Ok(Some(status)) = w.child.try_wait() {
                return Err(format!("wrangler dev exited early ({status}); is port {port} free?"));
            }
            if Instant::now() > deadline {
                w.stop();
                return Err("wrangler dev did not answer /v1/health within 90 s".into());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Stops wrangler and its children: the process group, by its id
    /// (`--` so that `kill` reads `-PGID` as a group, not an option).
    pub fn stop(&mut self) {
        let pgid = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &pgid]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &pgid]).stderr(Stdio::null()).status();
        let _ = self.child.wait();
    }

    /// Waits until the process exits on its own.
    fn wait(&mut self) {
        let _ = self.child.wait();
    }
}

impl Drop for Wrangler {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.stop();
        }
    }
}

/// Seeds the demo program, rewards and a demo shopper, unless a program is
/// already configured (so an operator's changes survive restarts).
pub fn seed(port: u16) -> Result {
    let (status, _) = http::request(port, "GET", "/v1/program", &[], "").map_err(|e| e.to_string())?;
    if status == 200 {
        eprintln!("xtask: program already configured; not re-seeding");
        return Ok(());
    }
    let dir = root().join("edge/seed");
    let auth = [("Authorization", DEV_KEY), ("Content-Type", "application/json")];
    let program = std::fs::read_to_string(dir.join("program.json")).map_err(|e| e.to_string())?;
    expect_ok(http::request(port, "PUT", "/v1/program", &auth, &program), "seed program")?;
    let rewards: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("rewards.json")).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    for r in &rewards {
        let id = r["reward_id"].as_str().ok_or("reward without reward_id")?;
        expect_ok(http::request(port, "PUT", &format!("/v1/rewards/{id}"), &auth, &r.to_string()), id)?;
    }
    let welcome = r#"{"points": 650, "reason": "Welcome to the demo"}"#;
    expect_ok(http::request(port, "POST", "/v1/members/demo-shopper/adjustments", &auth, welcome), "demo shopper")?;
    eprintln!("xtask: seeded the demo program, {} rewards and demo-shopper (650 points)", rewards.len());
    Ok(())
}

fn expect_ok(r: std::io::Result<(u16, String)>, what: &str) -> Result {
    match r {
        Ok((s, _)) if (200..300).contains(&s) => Ok(()),
        Ok((s, body)) => Err(format!("{what}: HTTP {s}: {body}")),
        Err(e) => Err(format!("{what}: {e}")),
    }
}

/// `cargo xtask dev`.
pub fn dev() -> Result {
    let t = tools::ensure_all(false)?;
    build::all(&t)?;
    build::install_cli()?;
    // Another port and state folder only for the suite's test of stopping
    // (tests/e2e/dev.test.mjs), which must not touch a developer's server.
    let port: u16 = std::env::var("LOYALTY_DEV_PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(8787);
    let state = std::env::var_os("LOYALTY_DEV_STATE").map_or_else(|| root().join(".dev-state"), PathBuf::from);
    migrate(&t, &state)?;
    // Ctrl-C, SIGTERM and SIGHUP (ctrlc's `termination` feature) all land
    // here, installed before wrangler starts so that no signal can end xtask
    // and leave wrangler's process group (and workerd on :8787) behind.
    let (tx, rx) = mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = tx.send(());
    })
    .map_err(|e| e.to_string())?;
    let mut w = Wrangler::start(&t, port, &state, None)?;
    if rx.try_recv().is_ok() {
        eprintln!("\nxtask: stopping");
        w.stop();
        return Ok(());
    }
    seed(port)?;
    let base = format!("http://127.0.0.1:{port}");
    println!("\n  Loyalty Edge is running:");
    println!("    demo store   {base}/");
    println!("    checkout     {base}/checkout.html");
    println!("    API          {base}/v1/health  (API key: dev-api-key)");
    println!("    widget       {base}/widget/loyalty.js");
    println!("    console      {base}/admin/  (sign in with dev-api-key)");
    println!("    command      loyalty --help  (import, export ledger, verify)");
    println!("  State lives in {} and survives restarts. Ctrl-C (or SIGTERM, SIGHUP) stops.\n", state.display());
    // Wait for a stop signal; if wrangler dies on its own, report it.
    loop {
        if rx.recv_timeout(Duration::from_millis(500)).is_ok() {
            eprintln!("\nxtask: stopping");
            w.stop();
            return Ok(());
        }
        if let Ok(Some(status)) = w.child.try_wait() {
            w.wait();
            return Err(format!("wrangler dev exited ({status})"));
        }
    }
}

/// Runs the JavaScript end-to-end and browser suites (node's test runner),
/// which start their own `wrangler dev` instances through tests/harness.mjs.
pub fn e2e(t: &Tools) -> Result {
    let root = root();
    let out = root.join("tests/output");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in ["tests/e2e", "tests/browser"] {
        let mut found: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.to_string_lossy().ends_with(".test.mjs"))
            .collect();
        found.sort();
        files.extend(found);
    }
    let mut c = t.node_tool("node");
    c.args(["--test", "--test-concurrency=1", "--test-reporter=spec"]).args(&files).current_dir(&root);
    if let Some(py) = &t.python {
        c.env("LOYALTY_PYTHON", py);
    }
    run(&mut c)
}
