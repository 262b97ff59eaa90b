//! `cargo xtask bench`: every performance claim as a number from one
//! command, always side by side with a baseline measured in the same run.
//!
//! - sizes: Worker wasm, widget transfer (loader + glue + wasm), raw/gzip/brotli
//! - load: wrk against our Worker and a baseline Worker doing one plain D1
//!   statement per request, interleaved round by round, bounded in time,
//!   on 127.0.0.1 only; our figures are reported as ratios of the baseline's
//! - first render: navigation to the widget's first balance in Chromium
//! - criterion: core's hot paths
//!
//! Results: a table on stdout and `target/bench/results.json`.

use std::fs;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use loyalty_core::token::{mint, Claims};
use serde_json::{json, Value};

use crate::server::{self, Wrangler, DEV_KEY};
use crate::tools::{self, Tools};
use crate::{build, http, root, run, Result};

/// Seconds of each load run; several runs per figure, interleaved.
const RUN_SECS: u32 = 4;
/// Rounds per comparison (the median is reported). With three, the ratios
/// moved by about ±0.05 from run to run on 2 cores; five steady the median
/// for about 100 s more per run.
const ROUNDS: usize = 5;
/// Members the load spreads over: each makes a few requests a minute, as
/// shoppers do. (With 50, each would make several a second: the scripted
/// client the per-member rate limit is there to stop.)
const MEMBERS: usize = 1000;

/// A free loopback port below Linux's ephemeral range (32768 and up). A
/// port the kernel hands out for `bind(0)` can go to any socket once it is
/// closed, wrangler's own port-0 listeners included (tests/harness.mjs
/// tells how that failed a CI run); below the range only a process naming
/// the port can take it.
fn free_port() -> Result<u16> {
    use std::hash::{BuildHasher, RandomState};
    for _ in 0..1000 {
        // Each RandomState is freshly keyed: a random number without a crate.
        let port = 20_000 + (RandomState::new().hash_one(0u8) % 12_000) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    Err("no free loopback port in 20000..32000".into())
}

fn ensure_wrk() -> Result {
    if Command::new("wrk").arg("--version").output().is_ok() {
        return Ok(());
    }
    run(Command::new("apt-get").arg("update"))?;
    run(Command::new("apt-get").args(["install", "-y", "wrk"]))
}

fn gzip(bytes: &[u8]) -> usize {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(bytes).expect("in memory");
    e.finish().expect("in memory").len()
}

fn brotli(bytes: &[u8]) -> usize {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        w.write_all(bytes).expect("in memory");
    }
    out.len()
}

/// What a shopper may download, gzip, before `cargo xtask test` fails: a
/// size budget, not a timing (the bytes are deterministic for a given
/// build). Issue #17 sets the limit at 90 KB and the goal at 64 KB; the
/// typed widget is over both today (BENCHMARKS.md has the figure and where
/// the bytes are), so until it is brought down this budget is a ceiling
/// just above the measured size: it stops growth, it does not mark the
/// goal met. It moves only with a shopper-facing feature an issue asks
/// for, by what that feature measurably costs (BENCHMARKS.md lists each).
/// The stable build (only when the pinned nightly cannot be installed)
/// links std's formatting and panic machinery, hence its margin.
fn widget_budget_gzip(t: &Tools) -> usize {
    match t.widget_nightly {
        Some(_) => 116 * 1024,
        None => 142 * 1024,
    }
}

/// The console's transfer (script, module, stylesheet and page, gzip)
/// before `cargo xtask test` fails. Issue #20 aims under 250 KB; the
/// console is over it (BENCHMARKS.md has the figure and why), so this is
/// a ceiling just above the measured size that stops growth, as the
/// widget's is. It is the console's own: the widget's budget is separate.
fn console_budget_gzip(t: &Tools) -> usize {
    match t.widget_nightly {
        Some(_) => 302 * 1024,
        None => 400 * 1024,
    }
}

/// Fails when the built widget, or the console, is over its budget.
pub fn widget_budget(t: &Tools) -> Result {
    let all = sizes(t)?;
    let console = all["console_total"]["gzip"].as_u64().unwrap_or(u64::MAX) as usize;
    let ceiling = console_budget_gzip(t);
    eprintln!("xtask: console transfer {:.1} KB gzip (ceiling {} KB)", console as f64 / 1024.0, ceiling / 1024);
    if console > ceiling {
        return Err(format!(
            "the console is {:.1} KB gzip, over its {} KB ceiling: see BENCHMARKS.md",
            console as f64 / 1024.0,
            ceiling / 1024
        ));
    }
    let total = all["widget_total"]["gzip"].as_u64().unwrap_or(u64::MAX) as usize;
    let budget = widget_budget_gzip(t);
    eprintln!("xtask: widget transfer {:.1} KB gzip (budget {} KB)", total as f64 / 1024.0, budget / 1024);
    if total > budget {
        return Err(format!(
            "the widget is {:.1} KB gzip, over its {} KB budget: see BENCHMARKS.md for where the bytes go",
            total as f64 / 1024.0,
            budget / 1024
        ));
    }
    Ok(())
}

fn sizes(t: &Tools) -> Result<Value> {
    let root = root();
    let read = |p: &Path| fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
    let worker = read(&root.join("edge/build/index_bg.wasm"))?;
    let js = read(&root.join(build::ASSETS).join("widget/loyalty.js"))?;
    let wasm = read(&root.join(build::ASSETS).join("widget/loyalty_bg.wasm"))?;
    let admin = root.join(build::ASSETS).join("admin");
    let mut console = (0, 0, 0);
    for f in ["index.html", "console.js", "console_bg.wasm", "console.css"] {
        let bytes = read(&admin.join(f))?;
        console = (console.0 + bytes.len(), console.1 + gzip(&bytes), console.2 + brotli(&bytes));
    }
    Ok(json!({
        "console_total": {"raw": console.0, "gzip": console.1, "brotli": console.2},
        "worker_wasm": {"raw": worker.len(), "gzip": gzip(&worker)},
        "widget_js": {"raw": js.len(), "gzip": gzip(&js), "brotli": brotli(&js)},
        "widget_wasm": {"raw": wasm.len(), "gzip": gzip(&wasm), "brotli": brotli(&wasm)},
        "widget_total": {"raw": js.len() + wasm.len(), "gzip": gzip(&js) + gzip(&wasm), "brotli": brotli(&js) + brotli(&wasm)},
        "widget_toolchain": t.widget_nightly.unwrap_or("stable"),
    }))
}

/// Criterion figures for core, in nanoseconds per iteration.
fn criterion() -> Result<Value> {
    let out = crate::cargo()
        .args([
            "bench",
            "-p",
            "loyalty-core",
            "--bench",
            "core",
            "--",
            "--warm-up-time",
            "1",
            "--measurement-time",
            "3",
        ])
        .args(["--output-format", "bencher"])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("cargo bench failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut figures = serde_json::Map::new();
    for line in text.lines().filter(|l| l.starts_with("test ")) {
        // test NAME ... bench:      95,614 ns/iter (+/- 1,234)
        let Some((name, rest)) = line["test ".len()..].split_once(" ... bench:") else { continue };
        let ns: String = rest.split("ns/iter").next().unwrap_or("").chars().filter(char::is_ascii_digit).collect();
        figures.insert(name.trim().to_owned(), json!(ns.parse::<u64>().unwrap_or(0)));
    }
    Ok(Value::Object(figures))
}

/// One wrk run; its Lua script prints the figures as JSON.
fn wrk(url: &str, script: &Path, connections: u32) -> Result<Value> {
    let threads = connections.clamp(1, 2).to_string();
    let out = Command::new("wrk")
        .args(["-t", &threads, "-c", &connections.to_string(), "-d", &format!("{RUN_SECS}s"), "--timeout", "10s", "-s"])
        .arg(script)
        .arg(url)
        .output()
        .map_err(|e| format!("wrk: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("BENCH_JSON "))
        .ok_or_else(|| format!("wrk printed no figures: {text}"))?;
    let mut v: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let secs = v["duration_us"].as_f64().unwrap_or(1.0) / 1e6;
    v["rps"] = json!((v["requests"].as_f64().unwrap_or(0.0) / secs * 10.0).round() / 10.0);
    Ok(v)
}

fn median(samples: &[Value], key: &str) -> f64 {
    let mut xs: Vec<f64> = samples.iter().filter_map(|s| s[key].as_f64()).collect();
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(0.0)
}

fn summary(samples: &[Value]) -> Value {
    json!({
        "rps": median(samples, "rps"),
        "p50_ms": median(samples, "p50_us") / 1000.0,
        "p90_ms": median(samples, "p90_us") / 1000.0,
        "p99_ms": median(samples, "p99_us") / 1000.0,
        "non_2xx": samples.iter().map(|s| s["non2xx"].as_u64().unwrap_or(0)).sum::<u64>(),
        "errors": samples.iter().map(|s| s["errors"].as_u64().unwrap_or(0)).sum::<u64>(),
        "runs": samples.len(),
    })
}

const LUA_DONE: &str = r#"
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH_JSON {"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
"#;

/// A wrk script: `body` is Lua building the request from `n` (a per-thread
/// counter), `tid` (the thread) and `tokens`.
fn script(dir: &Path, name: &str, tokens: &[String], body: &str) -> Result<PathBuf> {
    let list = tokens.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(",");
    let lua = format!(
        "local tokens = {{{list}}}\nlocal threads = 0\nfunction setup(thread) threads = threads + 1; thread:set('tid', threads) end\n\
         local n = 0\nfunction request()\n  n = n + 1\n{body}\nend\n{LUA_DONE}"
    );
    let path = dir.join(format!("{name}.lua"));
    fs::write(&path, lua).map_err(|e| e.to_string())?;
    Ok(path)
}

fn post(port: u16, path: &str, auth: &str, body: &str) -> Result<String> {
    match http::request(port, "POST", path, &[("Authorization", auth), ("Content-Type", "application/json")], body) {
        Ok((s, b)) if (200..300).contains(&s) => Ok(b),
        Ok((s, b)) => Err(format!("{path}: HTTP {s}: {b}")),
        Err(e) => Err(format!("{path}: {e}")),
    }
}

/// Time to first rendered balance in Chromium (ms since navigation start).
fn first_render(t: &Tools, port: u16) -> Result<Value> {
    post(port, "/v1/members/bench-render/adjustments", DEV_KEY, r#"{"points": 4321, "reason": "bench"}"#)?;
    let port = format!("http://127.0.0.1:{port}");
    let v = node_script(t, "first-render.mjs", &[&port, "bench-render", "9"], false)?;
    // Also timed from the script's arrival, as the issue states the goal:
    // what the widget itself costs once the page has handed it over.
    let samples: Vec<Value> = v["samples"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            let mut s = s.clone();
            if let (Some(b), Some(l)) = (s["balance_ms"].as_f64(), s["script_loaded_ms"].as_f64()) {
                s["since_script_ms"] = json!(b - l);
            }
            s
        })
        .collect();
    let warm = &samples[samples.len().min(1)..];
    Ok(json!({
        "cold_ms": samples.first().and_then(|s| s["balance_ms"].as_f64()),
        "cold_since_script_ms": samples.first().and_then(|s| s["since_script_ms"].as_f64()),
        "warm_median_ms": median(warm, "balance_ms"),
        "warm_script_loaded_median_ms": median(warm, "script_loaded_ms"),
        "warm_since_script_median_ms": median(warm, "since_script_ms"),
        "runs": samples.len(),
    }))
}

/// `tests/bench/scale.mjs`: importing 100,000 members with `loyalty`, the
/// scheduled expiry of 100,000 members due the same day, a standing with
/// 10,000 ledger entries against 20, the member search at 100,000.
fn scale(t: &Tools) -> Result<Value> {
    eprintln!("xtask: figures at scale (100,000 members; several minutes)");
    node_script(t, "scale.mjs", &[], true)
}

/// Runs `tests/bench/{script}` with `args` and reads the `BENCH_JSON`
/// line it prints last; `progress` shows its standard error as it runs.
fn node_script(t: &Tools, script: &str, args: &[&str], progress: bool) -> Result<Value> {
    let mut cmd = t.node_tool("node");
    cmd.arg(root().join("tests/bench").join(script)).args(args).current_dir(root());
    if progress {
        cmd.stderr(std::process::Stdio::inherit());
    }
    let out = cmd.output().map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("BENCH_JSON "))
        .ok_or_else(|| format!("{script} printed nothing: {text}{}", String::from_utf8_lossy(&out.stderr)))?;
    serde_json::from_str(line).map_err(|e| e.to_string())
}

/// Our Worker's config without its `[assets]` block (the demo store and
/// the widget's files), in `dir` beside a copy of `.dev.vars`.
///
/// Why: `wrangler dev` emulates static assets with two JS workers (router
/// and asset server) that run in front of *every* request in the same
/// process, `run_worker_first` or not: about 1.7 times the workerd CPU per
/// request of the Worker alone (BENCHMARKS.md has the measurement). On
/// Cloudflare that routing happens before the Worker, natively, and
/// `run_worker_first` sends `/v1/*` straight to it; the baseline has no
/// assets either. So the load figures compare Worker to Worker.
fn api_only(dir: &Path) -> Result<PathBuf> {
    let edge = root().join("edge");
    let config = fs::read_to_string(edge.join("wrangler.toml")).map_err(|e| e.to_string())?;
    // Paragraphs (comment + table) split by blank lines; drop the assets one.
    let kept: Vec<&str> = config.split("\n\n").filter(|p| !p.lines().any(|l| l.trim() == "[assets]")).collect();
    let derived = kept
        .join("\n\n")
        .replace("\"build/index.js\"", &format!("{:?}", edge.join("build/index.js")))
        .replace("\"migrations\"", &format!("{:?}", edge.join("migrations")));
    if derived.contains("ASSETS") || !derived.contains(&*edge.join("build/index.js").to_string_lossy()) {
        return Err("edge/wrangler.toml changed shape: cannot derive the API-only bench config".into());
    }
    fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    fs::write(dir.join("wrangler.toml"), derived).map_err(|e| e.to_string())?;
    fs::copy(edge.join(".dev.vars"), dir.join(".dev.vars")).map_err(|e| e.to_string())?;
    Ok(dir.to_owned())
}

/// `cargo xtask bench [--only redeem_c10,me_c10,…]`. `--only` runs just
/// the named load comparisons (no criterion, no browser) for a quick A/B
/// while working on the Worker; the full run is what BENCHMARKS.md quotes.
pub fn bench(args: &[String]) -> Result {
    let only: Option<Vec<String>> = match args {
        [] => None,
        [flag, names] if flag == "--only" => Some(names.split(',').map(str::to_owned).collect()),
        _ => return Err("usage: cargo xtask bench [--only NAME,…]".into()),
    };
    let t = tools::ensure_all(false)?;
    if only.is_none() {
        tools::ensure_chromium()?;
    }
    ensure_wrk()?;
    build::all(&t)?;
    let dir = root().join("target/bench");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).map_err(|e| e.to_string())?;

    eprintln!("xtask: measuring sizes and criterion figures");
    let sizes = sizes(&t)?;
    let criterion = if only.is_none() { criterion()? } else { json!({}) };

    eprintln!("xtask: starting our Worker and the baseline Worker");
    let (ours_state, base_state) = (dir.join("state-edge"), dir.join("state-baseline"));
    let baseline_dir = root().join("tests/baseline");
    server::migrate(&t, &ours_state)?;
    server::migrate_in(&t, &baseline_dir, "baseline", &base_state)?;
    let p_ours = free_port()?;
    let mut p_base = free_port()?;
    while p_base == p_ours {
        p_base = free_port()?;
    }
    let api = api_only(&dir.join("api"))?;
    let ours_api = Wrangler::start_in(&t, &api, p_ours, &ours_state, Some(&dir.join("wrangler-ours.log")))?;
    let _base = Wrangler::start_in(&t, &baseline_dir, p_base, &base_state, Some(&dir.join("wrangler-baseline.log")))?;
    server::seed(p_ours)?;

    // Data: a 1-point reward, members with plenty of points, their tokens,
    // and one issued coupon for validation.
    let auth = [("Authorization", DEV_KEY), ("Content-Type", "application/json")];
    let reward = r#"{"name": "Bench", "kind": "free_shipping", "points_cost": 1, "coupon": {"expires_in_days": 30}}"#;
    http::request(p_ours, "PUT", "/v1/rewards/BENCH_1PT", &auth, reward).map_err(|e| e.to_string())?;
    let exp = (js_now() + 7200) as i64;
    let mut tokens = Vec::new();
    for i in 0..MEMBERS {
        let id = format!("bench-{i}");
        post(p_ours, &format!("/v1/members/{id}/adjustments"), DEV_KEY, r#"{"points": 1000000, "reason": "bench"}"#)?;
        let claims = Claims { sub: id, exp, iat: None, nbf: None, email: None, name: None, aud: None, iss: None };
        tokens.push(mint(&claims, b"dev-widget-secret"));
    }
    let receipt = post(p_ours, "/v1/members/bench-0/redemptions", DEV_KEY, r#"{"reward_id": "BENCH_1PT"}"#)?;
    let code = serde_json::from_str::<Value>(&receipt).map_err(|e| e.to_string())?["coupon"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let run_id = js_now();

    let me = script(
        &dir,
        "me",
        &tokens,
        r#"  return wrk.format("GET", "/v1/me", {["Authorization"] = "Bearer " .. tokens[(n % #tokens) + 1]})"#,
    )?;
    let redeem = script(
        &dir,
        "redeem",
        &tokens,
        r#"  return wrk.format("POST", "/v1/me/redemptions", {["Authorization"] = "Bearer " .. tokens[(n % #tokens) + 1], ["Content-Type"] = "application/json"}, '{"reward_id":"BENCH_1PT"}')"#,
    )?;
    let events = script(
        &dir,
        "events",
        &[],
        &format!(
            r#"  local body = string.format('{{"type":"purchase","order_id":"b{run_id}-%d-%d","customer_id":"bench-%d","amount_minor":1999,"currency":"USD"}}', tid, n, n % {MEMBERS})
  return wrk.format("POST", "/v1/events", {{["Authorization"] = "Bearer dev-api-key", ["Content-Type"] = "application/json"}}, body)"#
        ),
    )?;
    // Validations come from many checkout addresses, as a store's servers
    // or shoppers' browsers send them: `VALIDATION_LIMITER` counts per
    // address (300 a minute), and this figure is of validating, not of the
    // limiter's 429s (wrangler dev passes `CF-Connecting-IP` through).
    let validate = script(
        &dir,
        "validate",
        &[],
        &format!(
            r#"  local ip = string.format("10.%d.%d.%d", tid, math.floor(n / 250) % 250, n % 250)
  return wrk.format("POST", "/v1/coupons/validate", {{["Authorization"] = "Bearer dev-api-key", ["Content-Type"] = "application/json", ["CF-Connecting-IP"] = ip}}, '{{"code":"{code}","order_amount_minor":5000,"currency":"USD"}}')"#
        ),
    )?;
    let insert = script(
        &dir,
        "baseline-insert",
        &[],
        r#"  return wrk.format("POST", "/", {["Content-Type"] = "application/json"}, string.format('{"tid":%d,"n":%d}', tid, n))"#,
    )?;
    let select = script(&dir, "baseline-select", &[], r#"  return wrk.format("GET", "/")"#)?;
    // No D1 and no auth: the fixed cost of our Worker per request, against
    // a baseline that does a D1 select on top of its (JS) fixed cost.
    let health = script(&dir, "health", &[], r#"  return wrk.format("GET", "/v1/health")"#)?;

    let ours = format!("http://127.0.0.1:{p_ours}");
    let base = format!("http://127.0.0.1:{p_base}");
    // (name, our script, baseline script, connections)
    let pairs: [(&str, &Path, &Path, u32); 6] = [
        ("redeem_c10", &redeem, &insert, 10),
        ("redeem_c1", &redeem, &insert, 1),
        ("me_c10", &me, &select, 10),
        ("events_c10", &events, &insert, 10),
        ("validate_c10", &validate, &select, 10),
        ("health_c10", &health, &select, 10),
    ];
    let selected = |name: &str| only.as_ref().is_none_or(|o| o.iter().any(|n| n == name));
    let mut load = serde_json::Map::new();
    let mut measure = |name: &str, ours: &str, ours_script: &Path, base_script: &Path, c: u32| -> Result {
        eprintln!("xtask: load {name}: {ROUNDS} interleaved rounds of {RUN_SECS}s, ours then baseline");
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            a.push(wrk(ours, ours_script, c)?);
            b.push(wrk(&base, base_script, c)?);
        }
        let (sa, sb) = (summary(&a), summary(&b));
        let ratio = sa["rps"].as_f64().unwrap_or(0.0) / sb["rps"].as_f64().unwrap_or(1.0).max(0.001);
        let p99_ratio = sa["p99_ms"].as_f64().unwrap_or(0.0) / sb["p99_ms"].as_f64().unwrap_or(1.0).max(0.001);
        load.insert(
            name.into(),
            json!({"ours": sa, "baseline": sb, "throughput_ratio": ratio, "p99_ratio": p99_ratio, "connections": c}),
        );
        Ok(())
    };
    for (name, ours_script, base_script, c) in pairs {
        if selected(name) {
            measure(name, &ours, ours_script, base_script, c)?;
        }
    }

    // The same writes with an endpoint subscribed to every event: each
    // write then also writes its events and deliveries (triggers), and
    // hands them to the Queue after the answer; the consumer's POSTs go to
    // a receiver in this process. Reported beside the figures above, which
    // have no endpoint.
    let hooked = [("redeem_c10_hooked", &redeem, &insert), ("events_c10_hooked", &events, &insert)];
    if hooked.iter().any(|(name, ..)| selected(name)) {
        let receiver = receiver()?;
        let sub = format!(r#"{{"url": "http://127.0.0.1:{receiver}/hooks", "events": ["*"]}}"#);
        let created = post(p_ours, "/v1/webhooks", DEV_KEY, &sub)?;
        for (name, ours_script, base_script) in hooked {
            if selected(name) {
                measure(name, &ours, ours_script, base_script, 10)?;
            }
        }
        let id = serde_json::from_str::<Value>(&created).map_err(|e| e.to_string())?["webhook_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        http::request(p_ours, "DELETE", &format!("/v1/webhooks/{id}"), &auth, "").map_err(|e| e.to_string())?;
    }

    // The same Worker with the demo store's `[assets]`, as `cargo xtask
    // dev` runs it: the first render needs the store's pages, and one
    // balance-read pair shows what wrangler's local asset emulation costs
    // (reported, no goal; see `api_only`).
    drop(ours_api);
    let mut render = json!({});
    if selected("me_c10_dev") {
        let p_dev = free_port()?;
        let _ours_dev = Wrangler::start(&t, p_dev, &ours_state, Some(&dir.join("wrangler-ours-dev.log")))?;
        measure("me_c10_dev", &format!("http://127.0.0.1:{p_dev}"), &me, &select, 10)?;
        if only.is_none() {
            eprintln!("xtask: first render in Chromium");
            render = first_render(&t, p_dev)?;
        }
    }

    // Figures at scale (issue #23): a Worker of its own, from the script.
    let scale = if selected("scale") { scale(&t)? } else { json!({}) };

    let load = Value::Object(load);
    // A goal whose figure was not measured (`--only`) is left out.
    let ratio = |name: &str, key: &str| load[name][key].as_f64();
    let widget_gzip = sizes["widget_total"]["gzip"].as_u64().map(|b| b as f64);
    let mut goals = serde_json::Map::new();
    for (goal, figure, met) in [
        (
            "redemption_throughput_vs_insert_c10 >= 0.70",
            ratio("redeem_c10", "throughput_ratio"),
            (|v| v >= 0.70) as fn(f64) -> bool,
        ),
        ("redemption_p99_vs_insert_c1 <= 2.0", ratio("redeem_c1", "p99_ratio"), |v| v <= 2.0),
        ("balance_read_throughput_vs_select_c10 >= 0.80", ratio("me_c10", "throughput_ratio"), |v| v >= 0.80),
        // Issue #17: at most 90 KB (below Smile.io's 105 and LoyaltyLion's
        // 113), aiming at 64.
        ("widget_transfer_gzip <= 90 KB", widget_gzip, |v| v <= 90.0 * 1024.0),
        ("widget_transfer_gzip <= 64 KB (goal)", widget_gzip, |v| v <= 64.0 * 1024.0),
    ] {
        if let Some(v) = figure {
            goals.insert(goal.into(), Value::Bool(met(v)));
        }
    }
    let results = json!({
        "date": chrono_like_now(),
        "machine": format!("{} cores", std::thread::available_parallelism().map_or(0, |n| n.get())),
        "sizes": sizes, "load": load, "first_render": render, "criterion_ns": criterion, "scale": scale,
        "goals": Value::Object(goals),
    });
    fs::write(dir.join("results.json"), serde_json::to_string_pretty(&results).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    print_table(&results);
    Ok(())
}

/// A webhook receiver on 127.0.0.1 that answers 200 to everything, on a
/// thread of its own for the rest of the bench; its port.
fn receiver() -> Result<u16> {
    use std::io::{BufRead, BufReader, Read};
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(&stream);
                let mut length = 0usize;
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    line.clear();
                }
                let mut body = vec![0u8; length];
                let _ = reader.read_exact(&mut body);
                let _ = (&stream).write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            });
        }
    });
    Ok(port)
}

fn js_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn chrono_like_now() -> String {
    loyalty_core::Timestamp(js_now() as i64).to_rfc3339()
}

fn print_table(r: &Value) {
    let kb = |v: &Value| format!("{:.1} KB", v.as_f64().unwrap_or(0.0) / 1024.0);
    let s = &r["sizes"];
    println!(
        "\nLoyalty Edge benchmarks — {} — {}\n",
        r["date"].as_str().unwrap_or(""),
        r["machine"].as_str().unwrap_or("")
    );
    println!("Sizes                     raw         gzip        brotli");
    for (name, k) in [
        ("Worker wasm", "worker_wasm"),
        ("widget loyalty.js", "widget_js"),
        ("widget .wasm", "widget_wasm"),
        ("widget transfer", "widget_total"),
    ] {
        let v = &s[k];
        let br = if v["brotli"].is_null() { "-".into() } else { kb(&v["brotli"]) };
        println!("  {name:<22} {:<11} {:<11} {br}", kb(&v["raw"]), kb(&v["gzip"]));
    }
    println!("  (widget built with {})", s["widget_toolchain"].as_str().unwrap_or("?"));
    println!("\nLoad (wrk, {ROUNDS} × {RUN_SECS}s interleaved, median)   ours: req/s  p50  p90  p99 ms | baseline: req/s  p99 ms | ratio");
    for (name, v) in r["load"].as_object().into_iter().flatten() {
        let (o, b) = (&v["ours"], &v["baseline"]);
        println!(
            "  {name:<14} {:>8.0} {:>6.1} {:>6.1} {:>6.1} | {:>8.0} {:>6.1} | throughput {:.2}, p99 {:.2}{}",
            o["rps"].as_f64().unwrap_or(0.0),
            o["p50_ms"].as_f64().unwrap_or(0.0),
            o["p90_ms"].as_f64().unwrap_or(0.0),
            o["p99_ms"].as_f64().unwrap_or(0.0),
            b["rps"].as_f64().unwrap_or(0.0),
            b["p99_ms"].as_f64().unwrap_or(0.0),
            v["throughput_ratio"].as_f64().unwrap_or(0.0),
            v["p99_ratio"].as_f64().unwrap_or(0.0),
            if o["non_2xx"].as_u64().unwrap_or(0) + o["errors"].as_u64().unwrap_or(0) > 0 {
                format!("  ({} non-2xx, {} errors)", o["non_2xx"], o["errors"])
            } else {
                String::new()
            }
        );
    }
    let fr = &r["first_render"];
    if !fr["runs"].is_null() {
        println!(
            "\nFirst balance in Chromium, since navigation: cold {:.0} ms, warm median {:.0} ms (script loaded at {:.0} ms), {} runs",
            fr["cold_ms"].as_f64().unwrap_or(0.0),
            fr["warm_median_ms"].as_f64().unwrap_or(0.0),
            fr["warm_script_loaded_median_ms"].as_f64().unwrap_or(0.0),
            fr["runs"]
        );
        println!(
            "  since the script tag's file arrived: cold {:.0} ms, warm median {:.0} ms",
            fr["cold_since_script_ms"].as_f64().unwrap_or(0.0),
            fr["warm_since_script_median_ms"].as_f64().unwrap_or(0.0),
        );
    }
    if r["scale"].as_object().is_some_and(|o| !o.is_empty()) {
        println!(
            "\nAt scale (tests/bench/scale.mjs):\n{}",
            serde_json::to_string_pretty(&r["scale"]).unwrap_or_default()
        );
    }
    println!("\nCriterion (core):");
    for (name, ns) in r["criterion_ns"].as_object().into_iter().flatten() {
        println!("  {name:<50} {:>10.2} µs", ns.as_f64().unwrap_or(0.0) / 1000.0);
    }
    println!("\nGoals:");
    for (goal, met) in r["goals"].as_object().into_iter().flatten() {
        println!("  {} {goal}", if met.as_bool() == Some(true) { "met    " } else { "NOT MET" });
    }
    println!("\nJSON: target/bench/results.json");
}
