//! Linking the widget's JS bundle and its wasm module as one program.
//!
//! A wasm module's exports are roots: `wasm-opt` must keep every one, and
//! the code behind it. wasm-bindgen exports what every linked crate marks
//! `#[wasm_bindgen]`, and the JS glue names each import and export with a
//! hash (`__wbg_then_656f253a5dd7d8ea`). Two things follow, both handled
//! the way Emscripten handles its own output, with binaryen's tools:
//!
//! - wasm-streams (linked by server_fn, which Leptos always links) exports
//!   three JS classes a client-side widget never constructs. Once esbuild
//!   has dropped them from the bundle, `wasm-opt --remove-exports` drops
//!   the exports only they called, and the code behind them. (Binaryen's
//!   `wasm-metadce`, made for this, was measured too: its output came out
//!   of `-Oz` 4 KB gzip *larger*, even with no export removed.)
//! - `wasm-opt --minify-imports-and-exports-and-modules` gives every import
//!   and export a one- or two-letter name and prints the mapping; the
//!   bundle is renamed to match here.
//!
//! Both still save bytes (BENCHMARKS.md, "Decisions in force", measures
//! the widget without either and with each). What the streams left in the function
//! table (their futures' poll functions) stays: wasm-opt keeps every
//! function the table holds.
//!
//! These functions are pure over text and bytes, so they are unit-tested;
//! [`check`] verifies the result against the final module, so a change in
//! wasm-bindgen's output fails the build instead of the shopper's page.

use std::collections::{BTreeMap, BTreeSet};

use crate::Result;

/// wasm-bindgen gives every exported class a `Symbol.dispose` hook, a
/// top-level statement, so a bundler must keep the class, and with it the
/// wasm exports the class calls. Our crate exports functions only; the
/// classes are wasm-streams' (see the module comment). Dropping the hooks
/// lets esbuild drop the unused classes. Returns the glue and how many
/// hooks were dropped.
pub fn drop_dispose_hooks(glue: &str) -> (String, usize) {
    let mut dropped = 0;
    let kept: Vec<&str> = glue
        .lines()
        .filter(|line| {
            let l = line.trim();
            let hook = l.starts_with("if (Symbol.dispose) ") && l.ends_with(".prototype.free;");
            dropped += usize::from(hook);
            !hook
        })
        .collect();
    (kept.join("\n") + "\n", dropped)
}

/// The wasm exports the (unminified) bundle reads: each `wasm.NAME`, where
/// `wasm` is the glue's `instance.exports`.
pub fn exports_called(bundle: &str) -> Result<BTreeSet<String>> {
    if !bundle.replace(' ', "").contains("wasm=instance.exports") {
        return Err("the bundle does not bind `wasm = instance.exports`: wasm-bindgen's glue changed shape".into());
    }
    let mut names = BTreeSet::new();
    each_identifier(bundle, |word, after_wasm_dot| {
        if after_wasm_dot {
            names.insert(word.to_owned());
        }
        None
    });
    Ok(names)
}

/// `wasm-opt` arguments that drop the exports the bundle never calls
/// (binaryen's `--remove-exports` takes a wildcard; export names hold no
/// `*` or `?`, so each is matched exactly). The code only they reached
/// goes with them.
pub fn remove_exports_args(exports: &BTreeSet<String>, called: &BTreeSet<String>) -> Vec<String> {
    exports.difference(called).map(|e| format!("--remove-exports={e}")).collect()
}

/// The renaming `wasm-opt --minify-imports-and-exports-and-modules`
/// printed.
#[derive(Debug, Default)]
pub struct Names {
    /// Old import field name → new one.
    imports: BTreeMap<String, String>,
    /// The import module names before minifying.
    modules: BTreeSet<String>,
    /// Old export name → new one.
    exports: BTreeMap<String, String>,
}

impl Names {
    /// Parses wasm-opt's JSON: `{"imports": [[module, old, new]…],
    /// "exports": [[old, new]…]}`.
    pub fn parse(json: &str) -> Result<Names> {
        let v: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("wasm-opt's name map: {e}"))?;
        let rows = |key: &str| -> Result<Vec<Vec<String>>> {
            serde_json::from_value(v[key].clone()).map_err(|e| format!("wasm-opt's name map, {key}: {e}"))
        };
        let mut names = Names::default();
        for row in rows("imports")? {
            let [module, old, new] = <[String; 3]>::try_from(row).map_err(|r| format!("import row {r:?}"))?;
            names.modules.insert(module);
            names.imports.insert(old, new);
        }
        for row in rows("exports")? {
            let [old, new] = <[String; 2]>::try_from(row).map_err(|r| format!("export row {r:?}"))?;
            names.exports.insert(old, new);
        }
        Ok(names)
    }
}

/// The bundle with the module's new names: the import object's keys, its
/// module key (`"./loyalty_bg.js"` → `module`), and every `wasm.NAME`.
/// One pass over the identifiers, so a new name is never renamed again.
pub fn rename(bundle: &str, names: &Names, module: &str) -> Result<String> {
    let mut text = bundle.to_owned();
    for old in &names.modules {
        let quoted = format!("\"{old}\"");
        if text.matches(&quoted).count() != 1 {
            return Err(format!("the bundle should name import module {quoted} once"));
        }
        text = text.replace(&quoted, &format!("\"{module}\""));
    }
    let mut imports_seen = BTreeMap::<&str, usize>::new();
    let mut unknown_export = None;
    let renamed = each_identifier(&text, |word, after_wasm_dot| {
        if after_wasm_dot {
            let new = names.exports.get(word);
            if new.is_none() {
                unknown_export.get_or_insert_with(|| word.to_owned());
            }
            new.cloned()
        } else {
            let (old, new) = names.imports.get_key_value(word)?;
            *imports_seen.entry(old).or_default() += 1;
            Some(new.clone())
        }
    });
    if let Some(word) = unknown_export {
        return Err(format!("the bundle calls wasm.{word}, which the module no longer exports"));
    }
    for old in names.imports.keys() {
        if imports_seen.get(old.as_str()) != Some(&1) {
            return Err(format!("the bundle should define import {old} once"));
        }
    }
    Ok(renamed)
}

/// Where a module's imports come from, and what it exports.
#[derive(Debug, Default, PartialEq)]
pub struct Interface {
    /// Import module names.
    pub modules: BTreeSet<String>,
    /// Export names.
    pub exports: BTreeSet<String>,
}

/// Reads a module's imports and exports.
pub fn interface(wasm: &[u8]) -> Result<Interface> {
    use wasmparser::{Parser, Payload};
    let mut out = Interface::default();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| format!("wasm: {e}"))? {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(|e| format!("wasm import: {e}"))?;
                    out.modules.insert(import.module.to_owned());
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    out.exports.insert(export.map_err(|e| format!("wasm export: {e}"))?.name.to_owned());
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

impl Interface {
    /// The one module every import comes from (the bundle provides one).
    pub fn import_module(&self) -> Result<&str> {
        match Vec::from_iter(&self.modules)[..] {
            [one] => Ok(one),
            ref many => Err(format!("the widget's module should import from one module, not {many:?}")),
        }
    }
}

/// Checks the renamed bundle against the final module: it reads only
/// exports the module has.
pub fn check(bundle: &str, wasm: &Interface) -> Result {
    let called = exports_called(bundle)?;
    let missing: BTreeSet<_> = called.difference(&wasm.exports).collect();
    match missing.is_empty() {
        true => Ok(()),
        false => Err(format!("the widget's bundle reads exports its module lacks: {missing:?}")),
    }
}

fn is_identifier_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// Calls `f` with every identifier-like word in `text` and whether it
/// directly follows `wasm.`; a `Some` answer replaces the word. Returns
/// the text with the replacements.
fn each_identifier(text: &str, mut f: impl FnMut(&str, bool) -> Option<String>) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut copied, mut i) = (0, 0);
    while i < bytes.len() {
        if !is_identifier_byte(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_identifier_byte(bytes[i]) {
            i += 1;
        }
        let after_wasm_dot = text[..start].ends_with("wasm.")
            && (start == 5 || !is_identifier_byte(bytes[start - 6]) && bytes[start - 6] != b'.');
        if let Some(new) = f(&text[start..i], after_wasm_dot) {
            out.push_str(&text[copied..start]);
            out.push_str(&new);
            copied = i;
        }
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUNDLE: &str = r#"
  let wasm;
  var import0 = { __proto__: null, __wbg_then_656f: function(a) { return a; }, __wbg_new_1a2b: function() {} };
  function imports() { return { __proto__: null, "./loyalty_bg.js": import0 }; }
  function finish(instance) { wasm = instance.exports; wasm.__wbindgen_start(); }
  function mount(p) { wasm.mount(p, wasm.__wbindgen_malloc); other.wasm.mount(); mywasm.mount(); }
"#;

    fn names() -> Names {
        Names::parse(
            r#"{"imports": [["./loyalty_bg.js", "__wbg_then_656f", "a"], ["./loyalty_bg.js", "__wbg_new_1a2b", "b"]],
                "exports": [["__wbindgen_start", "c"], ["mount", "a"], ["__wbindgen_malloc", "d"], ["unused", "e"]]}"#,
        )
        .unwrap()
    }

    #[test]
    fn finds_the_exports_the_bundle_calls_and_only_through_the_glue_binding() {
        let called = exports_called(BUNDLE).unwrap();
        assert_eq!(called.into_iter().collect::<Vec<_>>(), ["__wbindgen_malloc", "__wbindgen_start", "mount"]);
        assert!(exports_called("wasm.mount()").is_err(), "no `wasm = instance.exports`");
    }

    #[test]
    fn renames_imports_exports_and_the_module_once_each() {
        let out = rename(BUNDLE, &names(), "a").unwrap();
        assert!(out.contains(r#"a: function(a) { return a; }, b: function() {}"#), "{out}");
        assert!(out.contains(r#"{ __proto__: null, "a": import0 }"#), "{out}");
        // `mount` (old) became `a`, and that `a` was not renamed again.
        assert!(out.contains("wasm.c(); }"), "{out}");
        assert!(out.contains("wasm.a(p, wasm.d); other.wasm.mount(); mywasm.mount();"), "{out}");
    }

    #[test]
    fn refuses_a_bundle_that_calls_a_dropped_export_or_misses_an_import() {
        let mut n = names();
        n.exports.remove("mount");
        assert!(rename(BUNDLE, &n, "a").unwrap_err().contains("wasm.mount"));
        let mut n = names();
        n.imports.insert("__wbg_gone_ffff".into(), "z".into());
        assert!(rename(BUNDLE, &n, "a").unwrap_err().contains("__wbg_gone_ffff"));
    }

    #[test]
    fn checks_the_bundle_against_the_module() {
        let module = |modules: &[&str], exports: &[&str]| Interface {
            modules: modules.iter().map(|s| s.to_string()).collect(),
            exports: exports.iter().map(|s| s.to_string()).collect(),
        };
        let out = rename(BUNDLE, &names(), "a").unwrap();
        assert!(check(&out, &module(&["a"], &["a", "c", "d"])).is_ok());
        assert!(check(&out, &module(&["a"], &["a", "c"])).unwrap_err().contains("\"d\""));
        assert_eq!(module(&["a"], &[]).import_module(), Ok("a"));
        assert!(module(&["a", "env"], &[]).import_module().unwrap_err().contains("env"));
    }

    #[test]
    fn drops_only_the_dispose_hooks() {
        let glue = "class A {}\nif (Symbol.dispose) A.prototype[Symbol.dispose] = A.prototype.free;\nexport { A };\n";
        let (out, n) = drop_dispose_hooks(glue);
        assert_eq!((out.as_str(), n), ("class A {}\nexport { A };\n", 1));
    }

    #[test]
    fn removes_exactly_the_exports_not_called() {
        let set = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        let args =
            remove_exports_args(&set(&["mount", "memory", "intounderlyingsink_write"]), &set(&["mount", "memory"]));
        assert_eq!(args, ["--remove-exports=intounderlyingsink_write"]);
    }
}
