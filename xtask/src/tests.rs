//! The review commands end to end, on fixture trees in temporary folders (and once on a copy of
//! the repository's real spec): what they print, what they write, how they exit.

use std::path::{Path, PathBuf};

use bms_mcp_codegen::snapshot::sha256_hex;
use serde_json::{Value, json};

use crate::report::Console;
use crate::{exit_code, gen_cmd, spec_cmd};

/// What one command did.
struct Run {
    code: u8,
    out: String,
    err: String,
}

fn run(root: &Path, args: &[&str]) -> Run {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut console = Console {
        out: &mut out,
        err: &mut err,
        colour: false,
    };
    let result = match args[0].as_str() {
        "gen" => gen_cmd::run(root, &args[1..], &mut console),
        "spec" => spec_cmd::run(root, &args[1..], &mut console),
        other => panic!("no command {other}"),
    };
    let code = exit_code(&result);
    if let Err(error) = &result {
        err.extend_from_slice(format!("error: {error:#}\n").as_bytes());
    }
    Run {
        code,
        out: String::from_utf8(out).expect("utf-8"),
        err: String::from_utf8(err).expect("utf-8"),
    }
}

fn fixture_spec() -> Value {
    let ok = json!({"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ItemListResponse"}}}}});
    json!({
        "openapi": "3.0.1",
        "info": {"title": "fixture", "version": "1"},
        "paths": {
            "/v2/items": {"get": {
                "parameters": [
                    {"name": "Filter.Title", "in": "query", "schema": {"type": "string"}},
                    {"name": "Status", "in": "query", "schema": {"type": "integer", "enum": [0, 1, 2]}}
                ],
                "responses": ok
            }},
            "/v2/items/count": {"get": {"responses": {"200": {"description": "OK"}}}}
        },
        "components": {"schemas": {
            "Item": {"type": "object", "properties": {"Id": {"type": "integer"}, "Title": {"type": "string"}}},
            "ItemListResponse": {"type": "object", "properties": {
                "Result": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}
            }}
        }}
    })
}

const RECORDS: &str = r#"[[record]]
operation = "GET /v2/items"
resource = "items"
title = "List items"
tags = ["crm"]
description = "Lists items."
"#;

const README: &str = "# spec/\n\n- `kaseya-bms-openapi.json`: fixture (OpenAPI 3.0.1, 2 paths, 2 operations, 2 schemas).\n  - sha256: `00`\n- `docs/`: records.\n";

/// A repository tree with the fixture spec, its records and spec/README.md.
fn fixture_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("spec/docs")).expect("mkdir");
    write_spec(dir.path(), &fixture_spec());
    std::fs::write(dir.path().join("spec/docs/items.toml"), RECORDS).expect("records");
    std::fs::write(dir.path().join("spec/README.md"), README).expect("readme");
    dir
}

fn spec_path(root: &Path) -> PathBuf {
    root.join("spec/kaseya-bms-openapi.json")
}

fn write_spec(root: &Path, spec: &Value) {
    let text = serde_json::to_string_pretty(spec).expect("json");
    std::fs::write(spec_path(root), text).expect("spec");
}

fn read(root: &Path, path: &str) -> String {
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn spec_sha(root: &Path) -> String {
    sha256_hex(&std::fs::read(spec_path(root)).expect("spec"))
}

fn title_required(spec: &mut Value) {
    spec["paths"]["/v2/items"]["get"]["parameters"][0]["required"] = json!(true);
}

const TITLE_REQUIRED: &str =
    "list_all_kaseya_bms_items: argument `filter_title` became required (breaking)";

#[test]
fn gen_on_a_tree_without_a_snapshot_writes_one_and_a_baseline_report() {
    let tree = fixture_tree();
    let first = run(tree.path(), &["gen"]);
    assert_eq!(first.code, 0, "{}", first.err);
    assert!(
        first.out.contains("wrote generated/catalogue.json"),
        "{}",
        first.out
    );
    assert!(
        first.out.contains(
            "No earlier generated/catalogue.json to compare with: this catalogue (1 tools, spec "
        ),
        "{}",
        first.out
    );
    assert!(read(tree.path(), "generated/CHANGES.md").contains("is the baseline"));

    let check = run(tree.path(), &["gen", "--check"]);
    assert_eq!(
        (check.code, check.out.as_str()),
        (0, "generated/ is up to date (1 tools)\n")
    );
}

#[test]
fn a_spec_edit_is_one_line_in_the_report_and_in_changes_md_and_check_passes_after() {
    let tree = fixture_tree();
    assert_eq!(run(tree.path(), &["gen"]).code, 0);
    let old_sha = spec_sha(tree.path());
    let mut spec = fixture_spec();
    title_required(&mut spec);
    write_spec(tree.path(), &spec);
    let new_sha = spec_sha(tree.path());

    let stale = run(tree.path(), &["gen", "--check"]);
    assert_eq!(stale.code, 1);
    assert!(
        stale.out.contains(TITLE_REQUIRED),
        "--check shows why: {}",
        stale.out
    );

    let regen = run(tree.path(), &["gen"]);
    assert_eq!(regen.code, 0, "{}", regen.err);
    let report = regen
        .out
        .split_once("wrote generated/CHANGES.md\n\n")
        .expect("report")
        .1;
    assert_eq!(
        report,
        format!(
            "Catalogue changes (spec {} → {}): 1 breaking, 0 compatible\n\n{TITLE_REQUIRED}\n",
            &old_sha[..12],
            &new_sha[..12]
        )
    );
    assert_eq!(
        read(tree.path(), "generated/CHANGES.md"),
        format!(
            "<!-- Written by `cargo xtask gen` when the catalogue changes: the review report of that regeneration. Not checked by `gen --check`. -->\n# Catalogue changes\n\n1 breaking, 0 compatible (spec {} → {}).\n\n## Breaking\n\n- `list_all_kaseya_bms_items`: argument `filter_title` became required\n",
            &old_sha[..12],
            &new_sha[..12]
        )
    );

    let check = run(tree.path(), &["gen", "--check"]);
    assert_eq!(
        check.code, 0,
        "CHANGES.md is not checked for freshness: {}",
        check.err
    );
    let changes = read(tree.path(), "generated/CHANGES.md");
    let again = run(tree.path(), &["gen"]);
    assert!(
        again
            .out
            .ends_with("generated/ unchanged\n\nNo catalogue changes.\n"),
        "{}",
        again.out
    );
    assert_eq!(
        read(tree.path(), "generated/CHANGES.md"),
        changes,
        "kept when nothing changed"
    );
}

#[test]
fn deny_breaking_exits_2_and_writes_nothing_but_lets_compatible_changes_through() {
    let tree = fixture_tree();
    assert_eq!(run(tree.path(), &["gen"]).code, 0);
    let snapshot = read(tree.path(), "generated/catalogue.json");
    let mut spec = fixture_spec();
    title_required(&mut spec);
    write_spec(tree.path(), &spec);

    let denied = run(tree.path(), &["gen", "--deny-breaking"]);
    assert_eq!(denied.code, 2);
    assert!(denied.out.contains(TITLE_REQUIRED), "{}", denied.out);
    assert!(
        denied.err.contains("1 breaking change (--deny-breaking)"),
        "{}",
        denied.err
    );
    assert_eq!(read(tree.path(), "generated/catalogue.json"), snapshot);

    let mut spec = fixture_spec();
    spec["paths"]["/v2/items"]["get"]["parameters"][1]["schema"]["enum"] = json!([0, 1, 2, 3]);
    write_spec(tree.path(), &spec);
    let allowed = run(tree.path(), &["gen", "--deny-breaking"]);
    assert_eq!(allowed.code, 0, "{}", allowed.err);
    assert!(
        allowed.out.contains(
            "list_all_kaseya_bms_items: argument `status`: enum value `3` added (compatible)"
        ),
        "{}",
        allowed.out
    );
}

#[test]
fn gen_with_a_record_whose_operation_left_reports_it_then_fails() {
    let tree = fixture_tree();
    assert_eq!(run(tree.path(), &["gen"]).code, 0);
    let mut spec = fixture_spec();
    spec["paths"]
        .as_object_mut()
        .expect("paths")
        .shift_remove("/v2/items");
    write_spec(tree.path(), &spec);
    let regen = run(tree.path(), &["gen"]);
    assert_eq!(regen.code, 1);
    assert!(regen.out.contains("list_all_kaseya_bms_items: removed: operation `GET /v2/items` is no longer in the spec; delete or update the record at spec/docs/items.toml line 2 (breaking)"), "{}", regen.out);
    assert!(regen.err.contains("operation not in spec"), "{}", regen.err);
}

#[test]
fn spec_diff_reports_without_touching_the_tree_and_honours_deny_breaking() {
    let tree = fixture_tree();
    let outside = tempfile::tempdir().expect("temp dir");
    let old = outside.path().join("old.json");
    let new = outside.path().join("new.json");
    std::fs::write(&old, fixture_spec().to_string()).expect("old");
    let mut spec = fixture_spec();
    spec["paths"]["/v2/items"]["get"]["parameters"][1]["schema"]["enum"] = json!([0, 1]);
    spec["paths"]["/v2/widgets"] = json!({"get": {"responses": {"200": {"description": "OK"}}}});
    std::fs::write(&new, spec.to_string()).expect("new");
    let (old, new) = (old.to_str().expect("path"), new.to_str().expect("path"));

    let plain = run(tree.path(), &["spec", "diff", old, new]);
    assert_eq!(plain.code, 0, "{}", plain.err);
    let lines: Vec<&str> = plain
        .out
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(
        lines,
        [
            "list_all_kaseya_bms_items: argument `status`: enum value `2` removed (breaking)",
            "GET /v2/widgets: new operation without a record; write one in spec/docs/ to make it a tool (compatible)",
        ]
    );
    assert!(
        !tree.path().join("generated").exists(),
        "spec diff writes nothing"
    );

    assert_eq!(
        run(tree.path(), &["spec", "diff", old, new, "--deny-breaking"]).code,
        2
    );
    assert_eq!(
        run(tree.path(), &["spec", "diff", old, old, "--deny-breaking"]).code,
        0
    );

    let json = run(tree.path(), &["spec", "diff", old, new, "--json"]);
    let report: Value = serde_json::from_str(&json.out).expect("stdout is JSON alone");
    assert_eq!(
        (report["breaking"].clone(), report["compatible"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(report["changes"][0]["kind"], "enum_changed");
    assert_eq!(report["changes"][0]["subject"], "list_all_kaseya_bms_items");

    let markdown = run(tree.path(), &["spec", "diff", old, new, "--markdown"]);
    assert!(markdown.out.contains("## Breaking\n\n- `list_all_kaseya_bms_items`: argument `status`: enum value `2` removed\n"), "{}", markdown.out);
}

#[test]
fn spec_diff_compares_committed_snapshots_for_ci_gates() {
    let tree = fixture_tree();
    assert_eq!(run(tree.path(), &["gen"]).code, 0);
    let outside = tempfile::tempdir().expect("temp dir");
    let before = outside.path().join("before.json");
    std::fs::copy(tree.path().join("generated/catalogue.json"), &before).expect("copy");
    let mut spec = fixture_spec();
    title_required(&mut spec);
    write_spec(tree.path(), &spec);
    assert_eq!(run(tree.path(), &["gen"]).code, 0);
    let after = tree.path().join("generated/catalogue.json");
    let gate = run(
        tree.path(),
        &[
            "spec",
            "diff",
            before.to_str().expect("path"),
            after.to_str().expect("path"),
            "--deny-breaking",
        ],
    );
    assert_eq!(gate.code, 2);
    assert!(gate.out.contains(TITLE_REQUIRED), "{}", gate.out);
}

#[test]
fn spec_update_vendors_the_spec_records_its_sha_and_regenerates() {
    let tree = fixture_tree();
    assert_eq!(run(tree.path(), &["gen"]).code, 0);
    let outside = tempfile::tempdir().expect("temp dir");
    let candidate = outside.path().join("bms.json");
    let mut spec = fixture_spec();
    title_required(&mut spec);
    std::fs::write(&candidate, spec.to_string()).expect("candidate");

    let update = run(
        tree.path(),
        &["spec", "update", candidate.to_str().expect("path")],
    );
    assert_eq!(update.code, 0, "{}", update.err);
    assert_eq!(
        read(tree.path(), "spec/kaseya-bms-openapi.json"),
        spec.to_string()
    );
    let sha = spec_sha(tree.path());
    let readme = read(tree.path(), "spec/README.md");
    assert!(
        readme.contains(&format!("  - sha256: `{sha}`\n  - vendored: ")),
        "{readme}"
    );
    assert!(
        readme.contains("2 paths, 2 operations, 2 schemas"),
        "{readme}"
    );
    assert!(update.out.contains(TITLE_REQUIRED), "{}", update.out);
    assert!(
        read(tree.path(), "generated/CHANGES.md")
            .contains("argument `filter_title` became required")
    );
    assert_eq!(run(tree.path(), &["gen", "--check"]).code, 0);
}

#[test]
fn spec_update_with_deny_breaking_leaves_the_tree_alone() {
    let tree = fixture_tree();
    assert_eq!(run(tree.path(), &["gen"]).code, 0);
    let outside = tempfile::tempdir().expect("temp dir");
    let candidate = outside.path().join("bms.json");
    let mut spec = fixture_spec();
    title_required(&mut spec);
    std::fs::write(&candidate, spec.to_string()).expect("candidate");
    let before = read(tree.path(), "spec/kaseya-bms-openapi.json");

    let update = run(
        tree.path(),
        &[
            "spec",
            "update",
            candidate.to_str().expect("path"),
            "--deny-breaking",
        ],
    );
    assert_eq!(update.code, 2);
    assert!(update.out.contains(TITLE_REQUIRED), "{}", update.out);
    assert_eq!(read(tree.path(), "spec/kaseya-bms-openapi.json"), before);
    assert_eq!(read(tree.path(), "spec/README.md"), README);
}

#[test]
fn spec_update_refuses_a_document_that_is_not_openapi_3_0() {
    let tree = fixture_tree();
    let outside = tempfile::tempdir().expect("temp dir");
    let candidate = outside.path().join("bms.json");
    let mut spec = fixture_spec();
    spec["openapi"] = json!("3.1.0");
    std::fs::write(&candidate, spec.to_string()).expect("candidate");
    let update = run(
        tree.path(),
        &["spec", "update", candidate.to_str().expect("path")],
    );
    assert_eq!(update.code, 1);
    assert!(
        update
            .err
            .contains("OpenAPI version 3.1.0 is not supported; vendor a 3.0.x document"),
        "{}",
        update.err
    );
    assert_eq!(read(tree.path(), "spec/README.md"), README);
}

#[test]
fn the_terminal_report_is_coloured_only_when_asked() {
    use bms_mcp_codegen::diff::{CatalogueDiff, Change, ChangeKind, Severity};
    let diff = CatalogueDiff {
        old_spec_sha256: "a".repeat(64),
        new_spec_sha256: "a".repeat(64),
        changes: vec![Change {
            subject: "list_all_kaseya_bms_items".into(),
            kind: ChangeKind::RequiredChanged,
            severity: Severity::Breaking,
            message: "argument `filter_title` became required".into(),
        }],
    };
    let review = crate::report::Review::Diff(&diff);
    let plain = crate::report::terminal(&review, false);
    assert_eq!(
        plain,
        format!("Catalogue changes: 1 breaking, 0 compatible\n\n{TITLE_REQUIRED}\n")
    );
    let coloured = crate::report::terminal(&review, true);
    assert!(
        coloured.contains("\x1b[1;31m(breaking)\x1b[0m"),
        "{coloured:?}"
    );
}

/// The issue's "done when": one field edited in a copy of the real spec, one precise line.
#[test]
fn one_field_edited_in_the_real_spec_is_one_line_naming_the_tool() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace");
    let tree = tempfile::tempdir().expect("temp dir");
    copy_dir(&repo.join("spec"), &tree.path().join("spec"));
    let first = run(tree.path(), &["gen"]);
    assert_eq!(first.code, 0, "{}", first.err);

    let mut spec: Value =
        serde_json::from_str(&read(tree.path(), "spec/kaseya-bms-openapi.json")).expect("spec");
    let parameters = spec["paths"]["/v2/servicedesk/tickets"]["get"]["parameters"]
        .as_array_mut()
        .expect("parameters");
    let title = parameters
        .iter_mut()
        .find(|p| p["name"] == "Filter.Title")
        .expect("the ticket list filters by title");
    title["required"] = json!(true);
    std::fs::write(
        spec_path(tree.path()),
        serde_json::to_string(&spec).expect("json"),
    )
    .expect("spec");

    let regen = run(tree.path(), &["gen"]);
    assert_eq!(regen.code, 0, "{}", regen.err);
    let report = regen
        .out
        .split_once("wrote generated/CHANGES.md\n\n")
        .expect("report")
        .1;
    let lines: Vec<&str> = report.lines().skip(1).filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines,
        [
            "list_all_kaseya_bms_servicedesk_tickets: argument `filter_title` became required (breaking)"
        ]
    );
    assert_eq!(run(tree.path(), &["gen", "--check"]).code, 0);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
