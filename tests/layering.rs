//! The layering of `src/` as a test: a lower layer never names a higher one.
//!
//! The rules are checked on tokens, not text, so comments, doc comments and string literals
//! never count, and every way of naming a module counts: `use crate::x::Y`, `use crate::{x, y}`,
//! a path in code (`crate::x::f()`), and `super::super::x` climbing out of a layer. The
//! generated tables are checked as what they are compiled as, `catalogue::generated`.

use std::path::{Path, PathBuf};

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// Each layer (a top-level module of the crate) and the top-level modules it must not name.
const RULES: &[(&str, &[&str])] = &[
    ("transport", &["app"]),
    (
        "mcp",
        &["transport", "app", "observe", "store", "admin", "console"],
    ),
    // The management service tells the directory about changes, never the other way round.
    (
        "access",
        &[
            "manage",
            "app",
            "transport",
            "admin",
            "console",
            "oauth",
            "cli",
        ],
    ),
    ("call", &["mcp", "transport", "app"]),
    ("bms", &["call", "mcp", "transport", "app"]),
    ("catalogue", &["mcp", "transport", "app", "call"]),
    ("store", &["mcp", "transport", "app", "call"]),
    // Shared by any layer, so it names none.
    (
        "text",
        &[
            "access",
            "admin",
            "app",
            "bms",
            "call",
            "catalogue",
            "cli",
            "config",
            "console",
            "manage",
            "mcp",
            "oauth",
            "observe",
            "store",
            "transport",
        ],
    ),
];

/// One name of a top-level module, found at `line` of a file.
#[derive(Debug)]
struct Reference {
    line: usize,
    module: String,
}

#[test]
fn no_layer_names_a_layer_above_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    rust_files(&root.join("generated"), &mut files);
    files.sort();
    assert!(
        files.len() > 50,
        "found only {} files under src/ and generated/",
        files.len()
    );

    let mut breaches = Vec::new();
    let mut seen = 0;
    for file in &files {
        let relative = file
            .strip_prefix(root)
            .expect("a file under the manifest dir");
        let module = module_path(relative);
        let text = std::fs::read_to_string(file).expect("a readable source file");
        seen += references(&module, &text).len();
        breaches.extend(
            breaches_in(&module, &text)
                .into_iter()
                .map(|breach| format!("{}:{breach}", relative.display())),
        );
    }
    // A scanner that silently found nothing would pass every rule.
    assert!(
        seen > 1000,
        "found only {seen} module references: is the scanner broken?"
    );
    assert!(
        breaches.is_empty(),
        "modules import upward:\n{}",
        breaches.join("\n")
    );
}

/// The rule breaches in one file's text, as `line: ...` messages.
fn breaches_in(module: &[String], text: &str) -> Vec<String> {
    let Some(layer) = module.first() else {
        return Vec::new();
    };
    let Some((_, forbidden)) = RULES.iter().find(|(name, _)| name == layer) else {
        return Vec::new();
    };
    references(module, text)
        .into_iter()
        .filter(|reference| forbidden.contains(&reference.module.as_str()))
        .map(|Reference { line, module }| {
            format!("{line}: `{layer}` must not use `crate::{module}`")
        })
        .collect()
}

/// Every top-level module one file names (its own layer included), in the order written.
fn references(module: &[String], text: &str) -> Vec<Reference> {
    let tokens: TokenStream = text.parse().expect("a source file that tokenizes");
    let mut out = Vec::new();
    scan(&tokens.into_iter().collect::<Vec<_>>(), module, &mut out);
    out
}

/// Collects every top-level module named in `tokens`, which sit inside module `module`.
fn scan(tokens: &[TokenTree], module: &[String], out: &mut Vec<Reference>) {
    for (i, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Group(group) => {
                let inner: Vec<_> = group.stream().into_iter().collect();
                // `mod name { ... }`: `super` inside it climbs one more level.
                let inline_mod = match (
                    i.checked_sub(2).map(|at| &tokens[at]),
                    i.checked_sub(1).map(|at| &tokens[at]),
                ) {
                    (Some(TokenTree::Ident(kw)), Some(TokenTree::Ident(name)))
                        if kw == "mod" && group.delimiter() == Delimiter::Brace =>
                    {
                        Some(name.to_string())
                    }
                    _ => None,
                };
                match inline_mod {
                    Some(name) => scan(&inner, &[module, &[name]].concat(), out),
                    None => scan(&inner, module, out),
                }
            }
            TokenTree::Ident(ident) if ident == "crate" && is_path_sep(tokens, i + 1) => {
                named_after(&tokens[i + 3..], &[], ident.span().start().line, out);
            }
            TokenTree::Ident(ident)
                if ident == "super"
                    && is_path_sep(tokens, i + 1)
                    && !follows_path_sep(tokens, i) =>
            {
                let mut at = i;
                let mut depth = 0;
                while matches!(&tokens.get(at), Some(TokenTree::Ident(s)) if s == "super")
                    && is_path_sep(tokens, at + 1)
                {
                    depth += 1;
                    at += 3;
                }
                let base = &module[..module.len().saturating_sub(depth)];
                named_after(&tokens[at..], base, ident.span().start().line, out);
            }
            _ => {}
        }
    }
}

/// Records the top-level module a path names, given the module `base` its prefix resolved to
/// and the tokens after the prefix's `::`.
fn named_after(rest: &[TokenTree], base: &[String], line: usize, out: &mut Vec<Reference>) {
    if let Some(top) = base.first() {
        out.push(Reference {
            line,
            module: top.clone(),
        });
        return;
    }
    match rest.first() {
        Some(TokenTree::Ident(ident)) if ident != "self" => {
            out.push(Reference {
                line: ident.span().start().line,
                module: ident.to_string(),
            });
        }
        // `crate::{a::B, c}`: each item's first name is a top-level module.
        Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => {
            let inner: Vec<_> = group.stream().into_iter().collect();
            for item in inner.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ',')) {
                named_after(item, base, line, out);
            }
        }
        _ => {}
    }
}

/// Whether `tokens[at..]` starts with `::`.
fn is_path_sep(tokens: &[TokenTree], at: usize) -> bool {
    matches!(
        (tokens.get(at), tokens.get(at + 1)),
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
            if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':'
    )
}

/// Whether the token at `at` comes right after a `::` (so it does not start a path).
fn follows_path_sep(tokens: &[TokenTree], at: usize) -> bool {
    at >= 2 && is_path_sep(tokens, at - 2)
}

/// The module path a file is compiled as: `src/mcp/mod.rs` is `mcp`, `src/mcp/era.rs` is
/// `mcp::era`, and `generated/x.rs` is `catalogue::generated::x` (included by `#[path]`).
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    match parts.first().map(String::as_str) {
        Some("generated") => parts.insert(0, "catalogue".to_owned()),
        _ => {
            parts.remove(0);
        }
    }
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable source directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

#[track_caller]
fn check(file: &str, text: &str, expect: &[&str]) {
    assert_eq!(breaches_in(&module_path(Path::new(file)), text), expect);
}

#[test]
fn a_use_of_a_higher_layer_is_a_breach() {
    check(
        "src/mcp/tools.rs",
        "use crate::store::Store;",
        &["1: `mcp` must not use `crate::store`"],
    );
    check(
        "src/bms/mod.rs",
        "\n\nuse crate::call;",
        &["3: `bms` must not use `crate::call`"],
    );
}

#[test]
fn a_use_of_a_lower_layer_or_an_unruled_file_is_not() {
    check(
        "src/mcp/tools.rs",
        "use crate::catalogue::Tool; use crate::call::run;",
        &[],
    );
    check("src/app/mod.rs", "use crate::transport::routes;", &[]);
    check("src/main.rs", "use crate::app::serve;", &[]);
}

#[test]
fn every_item_of_a_grouped_use_counts() {
    check(
        "src/call/mod.rs",
        "use crate::{bms::BmsClient, mcp::{self, Reply}, transport};",
        &[
            "1: `call` must not use `crate::mcp`",
            "1: `call` must not use `crate::transport`",
        ],
    );
}

#[test]
fn a_path_in_code_counts() {
    check(
        "src/store/mod.rs",
        "fn f() { let x = crate::app::State::new(); }",
        &["1: `store` must not use `crate::app`"],
    );
    check(
        "src/transport/sse.rs",
        "fn f() { g!(crate::app::x) }",
        &["1: `transport` must not use `crate::app`"],
    );
}

#[test]
fn super_climbing_out_of_the_layer_counts_and_within_it_does_not() {
    check(
        "src/mcp/era.rs",
        "use super::super::transport;",
        &["1: `mcp` must not use `crate::transport`"],
    );
    check(
        "src/mcp/era.rs",
        "use super::jsonrpc; use super::{shape, tools};",
        &[],
    );
    check(
        "src/call/outcome.rs",
        "mod tests { use super::super::fields; }",
        &[],
    );
    check(
        "src/call/outcome.rs",
        "mod tests { use super::super::super::mcp; }",
        &["1: `call` must not use `crate::mcp`"],
    );
}

#[test]
fn comments_and_strings_do_not_count() {
    check(
        "src/mcp/tools.rs",
        "// use crate::store;\n/* crate::app */\n/// crate::transport\nconst S: &str = \"crate::admin\";",
        &[],
    );
}

#[test]
fn generated_tables_are_checked_as_the_catalogue() {
    check(
        "generated/tickets.rs",
        "use crate::call::x;",
        &["1: `catalogue` must not use `crate::call`"],
    );
    check(
        "generated/tickets.rs",
        "use crate::catalogue::ToolDef;",
        &[],
    );
}
