//! Release artefacts: the widget and the console (`target/assets/widget/`
//! and `target/assets/admin/`: what a deploy uploads, and nothing else),
//! the Worker (`edge/build/`) and the demo
//! store with the widget (`target/site/`: what `wrangler dev --assets`
//! serves for development and the tests).

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::tools::Tools;
use crate::{cargo, link, output, root, run, Result};

/// Builds everything `wrangler dev` serves, and the `loyalty` command.
pub fn all(t: &Tools) -> Result {
    widget(t)?;
    console(t)?;
    worker(t)?;
    site()?;
    cli()
}

/// `loyalty` (`cli/`), in release: `target/release/loyalty`, which the
/// end-to-end tests run and `cargo xtask dev` installs.
pub fn cli() -> Result {
    run(cargo().args(["build", "--release", "--locked", "-p", "loyalty-cli"]))
}

/// Puts `loyalty` on the developer's PATH (cargo's bin folder), from the
/// build above.
pub fn install_cli() -> Result {
    run(cargo()
        .args(["install", "--locked", "--offline", "--force", "--path", "cli", "--target-dir"])
        .arg(root().join("target")))
}

/// The widget's whole dependency graph (Leptos, std) is optimized for
/// size, not only our crate (`[profile.release.package.loyalty-widget]`),
/// which measured smaller (BENCHMARKS.md). The Worker keeps `s` from the
/// workspace profile.
const WIDGET_OPT_LEVEL: &str = "z";

/// `package` built for wasm32 and for size, the whole graph at
/// [`WIDGET_OPT_LEVEL`]: with the pinned nightly, std rebuilt with that
/// profile and its `optimize_for_size` feature, the package's `nightly`
/// feature on (Leptos's nightly forms), and a panic made a trap (it
/// already aborted: `panic = "abort"`), so no message formatting,
/// locations or `Debug` output reach the module
/// (BENCHMARKS.md, "Decisions in force", has the figures), in a target dir
/// of its own (`target/{nightly_dir}`: std built this way must not be
/// mixed with the stable artefacts); else with stable. Returns the module.
fn size_optimized_wasm(t: &Tools, package: &str, nightly_dir: &str) -> Result<std::path::PathBuf> {
    let root = root();
    let file = format!("wasm32-unknown-unknown/release/{}.wasm", package.replace('-', "_"));
    match t.widget_nightly {
        Some(nightly) => {
            let dir = root.join("target").join(nightly_dir);
            run(Command::new("rustup")
                .args(["run", nightly, "cargo", "build", "-Zbuild-std=std,panic_abort"])
                // core and alloc's own smaller algorithms (sorting,
                // formatting) where they have one (BENCHMARKS.md).
                .arg("-Zbuild-std-features=optimize_for_size")
                .args(["--release", "--target", "wasm32-unknown-unknown", "-p", package])
                // Leptos's static strings in view types (the package's
                // `nightly` feature, BENCHMARKS.md).
                .args(["--features", "nightly"])
                .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", WIDGET_OPT_LEVEL)
                .env("CARGO_TARGET_DIR", &dir)
                .env("RUSTFLAGS", "-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none")
                .current_dir(&root))?;
            Ok(dir.join(file))
        }
        None => {
            run(cargo()
                .args(["build", "--release", "--target", "wasm32-unknown-unknown", "-p", package])
                .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", WIDGET_OPT_LEVEL))?;
            Ok(root.join("target").join(file))
        }
    }
}

/// `wasm-opt` inlines a function called from one place only when its body
/// is at most this many instructions: binaryen's default (any size) makes
/// the raw module smaller and its gzip larger, none at all leaves the
/// smallest wrappers as calls. 8 measured best for both modules among 0 to
/// 20 (BENCHMARKS.md).
const ONE_CALLER_INLINE_MAX: &str = "--one-caller-inline-max-function-size=8";

/// The widget: cargo → wasm-bindgen (`--target web`) → esbuild bundles
/// the loader, the glue and the CSS into one classic script, dropping what
/// the loader does not use → wasm-opt drops the wasm exports only that
/// code called, optimizes (-Oz) and renames imports and exports short →
/// the bundle renamed to match, checked against the module, minified.
/// Out: `target/assets/widget/{loyalty.js, loyalty_bg.wasm}`.
pub fn widget(t: &Tools) -> Result {
    let root = root();
    let wasm = size_optimized_wasm(t, "loyalty-widget", "widget-nightly")?;
    let pkg = root.join("target/widget-pkg");
    let _ = fs::remove_dir_all(&pkg);
    run(Command::new(&t.wasm_bindgen)
        .arg(wasm)
        .args(["--target", "web", "--no-typescript", "--remove-name-section", "--remove-producers-section"])
        .args(["--out-name", "loyalty", "--out-dir"])
        .arg(&pkg))?;
    // Rebuilt whole, so nothing stale is ever uploaded with it.
    let assets = root.join(ASSETS);
    let _ = fs::remove_dir_all(&assets);
    let out = assets.join("widget");
    fs::create_dir_all(&out).map_err(|e| e.to_string())?;

    let (glue, hooks) = link::drop_dispose_hooks(&read(&pkg.join("loyalty.js"))?);
    eprintln!("xtask: dropped {hooks} dispose hooks of classes the widget never constructs");
    write(&pkg.join("loyalty.js"), &glue)?;
    fs::copy(root.join("widget/loader.js"), pkg.join("loader.js")).map_err(|e| e.to_string())?;
    run(t
        .node_tool("esbuild")
        .arg(root.join("widget/style.css"))
        .args(["--minify", "--log-level=warning"])
        .arg(format!("--outfile={}", pkg.join("style.css").display())))?;
    // `import.meta` is empty in a classic script; the glue reads it only
    // to find the module when `init` is not handed one, and the loader
    // always hands it the download it started.
    run(t
        .node_tool("esbuild")
        .arg(pkg.join("loader.js"))
        .args(["--bundle", "--format=iife", "--loader:.css=text", "--target=es2020"])
        .args(["--pure:FinalizationRegistry", "--log-override:empty-import-meta=silent"])
        .arg(format!("--outfile={}", pkg.join("bundle.js").display())))?;
    let bundle = read(&pkg.join("bundle.js"))?;

    let called = link::exports_called(&bundle)?;
    let exported = link::interface(&fs::read(pkg.join("loyalty_bg.wasm")).map_err(|e| e.to_string())?)?.exports;
    // What shoppers download is the gzip, not the raw bytes. Plain `-Oz`
    // made the raw module 15 % smaller but its gzip 5 % *larger* (inlining
    // single-caller functions breaks up the repetition gzip feeds on);
    // inlining only the smallest of them ([`ONE_CALLER_INLINE_MAX`]) makes
    // the gzip smaller than either.
    //
    // Then the structured control flow is flattened and rebuilt by
    // binaryen's Relooper twice, each time optimized again: the rebuilt
    // blocks nest less and repeat more, which the gzip feeds on. Two
    // seconds more of build. BENCHMARKS.md has the figures of both.
    let names = output(
        t.node_tool("wasm-opt")
            .args(link::remove_exports_args(&exported, &called))
            .args(["-Oz", ONE_CALLER_INLINE_MAX, "--minify-imports-and-exports-and-modules"])
            .args(["--flatten", "--rereloop", "-Oz", "--flatten", "--rereloop", "-Oz", "-Oz"])
            // Debug info and the target-features section are for tools,
            // not browsers.
            .args(["--strip-debug", "--strip-target-features"])
            .arg(pkg.join("loyalty_bg.wasm"))
            .arg("-o")
            .arg(out.join("loyalty_bg.wasm")),
    )?;
    let module = fs::read(out.join("loyalty_bg.wasm")).map_err(|e| e.to_string())?;
    let interface = link::interface(&module)?;
    let linked = link::rename(&bundle, &link::Names::parse(&names)?, interface.import_module()?)?;
    link::check(&linked, &interface)?;
    write(&pkg.join("linked.js"), &linked)?;
    run(t
        .node_tool("esbuild")
        .arg(pkg.join("linked.js"))
        .args(["--minify", "--target=es2020", "--legal-comments=none"])
        .arg(format!("--outfile={}", out.join("loyalty.js").display())))?;
    Ok(())
}

/// The console (`console/`): cargo → wasm-bindgen (`--target web`) →
/// wasm-opt (-Oz) → esbuild bundles the entry with the glue as one ES
/// module. It is a back office: no byte-shaving beyond the optimizer.
/// Out: `target/assets/admin/{index.html, console.js, console_bg.wasm,
/// console.css}`, and `target/assets/_headers`, which gives its pages
/// their security headers. Runs after [`widget`], which rebuilds
/// `target/assets` whole.
pub fn console(t: &Tools) -> Result {
    let root = root();
    let wasm = size_optimized_wasm(t, "loyalty-console", "console-nightly")?;
    let pkg = root.join("target/console-pkg");
    let _ = fs::remove_dir_all(&pkg);
    run(Command::new(&t.wasm_bindgen)
        .arg(wasm)
        .args(["--target", "web", "--no-typescript", "--remove-name-section", "--remove-producers-section"])
        .args(["--out-name", "glue", "--out-dir"])
        .arg(&pkg))?;
    let out = root.join(ASSETS).join("admin");
    let _ = fs::remove_dir_all(&out);
    fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    // Inlining only the smallest functions called once keeps the
    // repetition gzip feeds on, as in the widget: 16 % smaller gzip than
    // plain `-Oz` here (BENCHMARKS.md). The widget's further flatten/rereloop passes gained
    // under 1 % more for 30 s of build, so they are not used.
    run(t
        .node_tool("wasm-opt")
        .args(["-Oz", ONE_CALLER_INLINE_MAX, "--strip-debug", "--strip-target-features"])
        .arg(pkg.join("glue_bg.wasm"))
        .arg("-o")
        .arg(out.join("console_bg.wasm")))?;
    fs::copy(root.join("console/main.js"), pkg.join("main.js")).map_err(|e| e.to_string())?;
    run(t
        .node_tool("esbuild")
        .arg(pkg.join("main.js"))
        .args([
            "--bundle",
            "--format=esm",
            "--minify",
            "--target=es2020",
            "--legal-comments=none",
            "--log-level=warning",
        ])
        .arg(format!("--outfile={}", out.join("console.js").display())))?;
    run(t
        .node_tool("esbuild")
        .arg(root.join("console/style.css"))
        .args(["--minify", "--log-level=warning"])
        .arg(format!("--outfile={}", out.join("console.css").display())))?;
    fs::copy(root.join("console/index.html"), out.join("index.html")).map_err(|e| e.to_string())?;
    fs::copy(root.join("console/_headers"), root.join(ASSETS).join("_headers")).map_err(|e| e.to_string())?;
    // A reward order's claim page (`/claim/#TOKEN`), deployed with the
    // console: plain files, its headers in the same `_headers`.
    let claim = root.join(ASSETS).join("claim");
    let _ = fs::remove_dir_all(&claim);
    copy_dir(&root.join("edge/claim"), &claim)
}

/// The Worker, through worker-build with our pinned tools (it would
/// otherwise try to download them).
pub fn worker(t: &Tools) -> Result {
    let nm = t.node_bin.clone();
    run(Command::new(&t.worker_build)
        .arg("--release")
        .current_dir(root().join("edge"))
        .env("PATH", t.path())
        .env("WASM_BINDGEN_BIN", &t.wasm_bindgen)
        .env("WASM_OPT_BIN", nm.join("wasm-opt"))
        .env("ESBUILD_BIN", nm.join("esbuild")))
}

/// What `wrangler deploy` uploads (edge/wrangler.toml `[assets]`): the
/// widget's and the console's files only. The demo store is not part of a deployment: its
/// pages need the dev routes, which a deployed Worker does not serve.
pub const ASSETS: &str = "target/assets";

/// What `wrangler dev --assets` serves: the demo store pages and the widget.
pub const SITE: &str = "target/site";

/// The demo store pages next to the widget.
pub fn site() -> Result {
    let root = root();
    let out = root.join(SITE);
    let _ = fs::remove_dir_all(&out);
    copy_dir(&root.join("www"), &out)?;
    copy_dir(&root.join(ASSETS), &out)
}

fn copy_dir(from: &Path, to: &Path) -> Result {
    fs::create_dir_all(to).map_err(|e| e.to_string())?;
    for entry in fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn read(p: &Path) -> Result<String> {
    fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))
}

fn write(p: &Path, text: &str) -> Result {
    fs::write(p, text).map_err(|e| format!("{}: {e}", p.display()))
}
