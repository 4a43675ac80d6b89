//! The layering rules of `crates/interviewd/src` (docs/architecture.md), checked on the
//! source text: every `crate::<module>` a file names must be allowed for the layer the file
//! is in. `.ci/run` runs it with the rest of the tests; `a_broken_rule_is_reported` shows it
//! can fail.
//!
//! | layer | may name |
//! |---|---|
//! | `config`, `secret`, `clock` (leaves) | nothing of the crate (`config` holds `secret`s) |
//! | `store` | itself only (and the `interviewd_domain` crate) |
//! | `wire` | itself only |
//! | `core` | `store`, `app`, and the leaves |
//! | `workers` | anything but `http` |
//! | `http` | `core`, `wire`, `app`, and the leaves; a dialect folder never names another |
//!
//! The wiring modules (`lib.rs`, `main.rs`, `cli.rs`, `admin.rs`, `app.rs`) may name any
//! layer. Besides, the crates `interviewd-domain`, `-notify` and `-voice` never depend on
//! `interviewd`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const LEAVES: &[&str] = &["config", "secret", "clock"];
const DIALECTS: &[&str] = &["instaview", "alpharun", "xobin"];

/// The top-level modules a file of `layer` may name.
fn allowed(layer: &str) -> Option<Vec<&'static str>> {
    let with_leaves = |mut v: Vec<&'static str>| {
        v.extend_from_slice(LEAVES);
        v
    };
    match layer {
        "secret" | "clock" => Some(Vec::new()),
        // The configuration holds secrets.
        "config" => Some(vec!["secret"]),
        "store" => Some(vec!["store"]),
        "wire" => Some(vec!["wire"]),
        "core" => Some(with_leaves(vec!["core", "store", "app"])),
        "workers" => Some(with_leaves(vec!["workers", "core", "store", "app", "wire"])),
        "http" => Some(with_leaves(vec!["http", "core", "wire", "app"])),
        // Wiring: lib, main, cli, admin, app.
        _ => None,
    }
}

/// One broken rule: the file, the line and what it names.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Violation {
    file: String,
    line: usize,
    names: String,
}

/// The layer of a file under `src/` (its first path component, without `.rs`).
fn layer_of(relative: &Path) -> String {
    let first = relative
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    first.trim_end_matches(".rs").to_owned()
}

/// The dialect folder of an `http/` file, if it is in one.
fn dialect_of(relative: &Path) -> Option<&'static str> {
    let mut parts = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy());
    if parts.next()? != "http" {
        return None;
    }
    let second = parts.next()?;
    DIALECTS.iter().copied().find(|d| second == *d)
}

/// The code of a line: without a `//` comment (strings holding `//` are rare enough here).
fn code(line: &str) -> &str {
    match line.find("//") {
        Some(at) => &line[..at],
        None => line,
    }
}

/// Every `crate::name` (and `crate::http::<dialect>`) a line names.
fn named(line: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut rest = code(line);
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `interviewd_crate::…`, not this crate
        }
        let module: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let sub = rest[module.len()..].strip_prefix("::").map(|tail| {
            tail.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect::<String>()
        });
        if !module.is_empty() {
            out.push((module, sub));
        }
    }
    out
}

/// Checks one file's text.
fn check_file(relative: &Path, text: &str) -> Vec<Violation> {
    let layer = layer_of(relative);
    let dialect = dialect_of(relative);
    let shared_http = layer == "http" && dialect.is_none();
    let may_name_dialects = matches!(
        relative.to_string_lossy().as_ref(),
        "http/mod.rs" | "http/openapi/mod.rs"
    );
    let mut out = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("//") {
            continue;
        }
        for (module, sub) in named(line) {
            let broken = match allowed(&layer) {
                Some(ok) => !ok.contains(&module.as_str()),
                None => false,
            };
            let other_dialect = module == "http"
                && sub.as_deref().is_some_and(|s| {
                    DIALECTS.contains(&s)
                        && match dialect {
                            Some(own) => own != s,
                            None => shared_http && !may_name_dialects,
                        }
                });
            if broken || other_dialect {
                let names = match &sub {
                    Some(s) => format!("crate::{module}::{s}"),
                    None => format!("crate::{module}"),
                };
                out.push(Violation {
                    file: relative.display().to_string(),
                    line: number + 1,
                    names,
                });
            }
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Checks every file under `src`.
fn check_tree(src: &Path) -> Vec<Violation> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut out = Vec::new();
    for file in files {
        let relative = file.strip_prefix(src).unwrap_or(&file).to_path_buf();
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        out.extend(check_file(&relative, &text));
    }
    out.sort();
    out
}

#[test]
fn the_layers_keep_their_rules() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let broken = check_tree(&src);
    let report: Vec<String> = broken
        .iter()
        .map(|v| format!("{}:{} names {}", v.file, v.line, v.names))
        .collect();
    assert!(
        broken.is_empty(),
        "{} imports break the layering rules (docs/architecture.md):\n{}",
        broken.len(),
        report.join("\n")
    );
}

#[test]
fn the_pure_crates_do_not_depend_on_the_server() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for name in ["domain", "notify", "voice"] {
        let manifest =
            std::fs::read_to_string(crates.join(name).join("Cargo.toml")).unwrap_or_default();
        let deps: BTreeSet<&str> = manifest
            .lines()
            .filter(|l| {
                l.trim_start().starts_with("interviewd ")
                    || l.trim_start().starts_with("interviewd=")
            })
            .collect();
        assert!(
            deps.is_empty(),
            "crates/{name} depends on interviewd: {deps:?}"
        );
        let mut files = Vec::new();
        rust_files(&crates.join(name).join("src"), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            assert!(
                !text.lines().any(|l| code(l).contains("interviewd::")),
                "{} names the interviewd crate",
                file.display()
            );
        }
    }
}

#[test]
fn a_broken_rule_is_reported() {
    let file = |path: &str, text: &str| check_file(Path::new(path), text);
    assert_eq!(
        file("store/sql/x.rs", "use crate::http::AppState;").len(),
        1,
        "store naming http"
    );
    assert_eq!(
        file("workers/mail.rs", "let x = crate::http::router;").len(),
        1
    );
    assert_eq!(file("wire/xobin.rs", "use crate::store::Page;").len(), 1);
    assert_eq!(file("core/x.rs", "use crate::wire::xobin::A;").len(), 1);
    assert_eq!(file("config.rs", "use crate::store::postgres;").len(), 1);
    assert_eq!(
        file("http/alpharun/x.rs", "use crate::http::xobin::dto;").len(),
        1,
        "a dialect naming another"
    );
    assert_eq!(
        file("http/ratelimit.rs", "use crate::http::instaview::X;").len(),
        1
    );
    // Allowed: what each layer may name, comments, and other crates' paths.
    assert!(file("http/mod.rs", "use crate::http::instaview;").is_empty());
    assert!(file("http/alpharun/x.rs", "use crate::http::alpharun::ctx;").is_empty());
    assert!(
        file(
            "core/x.rs",
            "use crate::store::DynStore; use crate::app::AppState;"
        )
        .is_empty()
    );
    assert!(file("store/x.rs", "// see crate::http::AppState").is_empty());
    assert!(
        file(
            "workers/x.rs",
            "use crate::wire::payload; use crate::core::engine;"
        )
        .is_empty()
    );
    assert!(file("lib.rs", "use crate::http; use crate::store;").is_empty());
    assert!(file("wire/x.rs", "use interviewd_domain::crate_like::X;").is_empty());
}
