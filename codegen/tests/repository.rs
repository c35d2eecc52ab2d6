//! The real spec and records in this repository: the catalogue they make, and `generated/`.

use std::path::{Path, PathBuf};

use bms_mcp_codegen::{generate, load_catalogue, stale_files, write_files};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen sits in the workspace")
        .to_owned()
}

#[test]
fn the_seed_integrations_tool_names_exist() {
    let (_, catalogue) = load_catalogue(&repo_root()).expect("catalogue builds");
    let names: Vec<&str> = catalogue.tools.iter().map(|t| t.name.as_str()).collect();
    for name in [
        "list_all_kaseya_bms_servicedesk_tickets",
        "get_single_kaseya_bms_crm_opportunity_by_id",
        "list_all_kaseya_bms_itglue_contact_notes",
        "create_a_kaseya_bms_servicedesk_ticket_note",
        "create_a_kaseya_bms_assignticket",
        "create_a_kaseya_bms_resolve",
        "list_all_kaseya_bms_crm_opportunities",
        "create_a_kaseya_bms_opportunity_note",
    ] {
        assert!(names.contains(&name), "{name} is missing");
    }
    assert!(
        catalogue.tools.len() >= 200,
        "{} tools",
        catalogue.tools.len()
    );
}

/// The write tools the seed's workflows use: an agent that reads only their schemas must be
/// able to fill every argument.
const SEED_WRITE_TOOLS: &[&str] = &[
    "create_a_kaseya_bms_servicedesk_ticket_note",
    "create_a_kaseya_bms_assignticket",
    "create_a_kaseya_bms_resolve",
    "create_a_kaseya_bms_opportunity_note",
    "create_a_kaseya_bms_servicedesk_ticket",
];

#[test]
fn the_seed_write_tools_describe_every_argument_and_show_no_body_id() {
    let (_, catalogue) = load_catalogue(&repo_root()).expect("catalogue builds");
    for name in SEED_WRITE_TOOLS {
        let tool = catalogue
            .tools
            .iter()
            .find(|t| t.name == *name)
            .unwrap_or_else(|| panic!("{name} is missing"));
        let properties = tool.input_schema["properties"]
            .as_object()
            .expect("properties");
        for (arg, schema) in properties {
            let described = schema["description"]
                .as_str()
                .is_some_and(|d| !d.trim().is_empty());
            assert!(described, "{name}: argument `{arg}` has no description");
        }
        assert!(
            tool.args.iter().all(|a| a.wire != "Id"),
            "{name} shows the body's `Id` beside its path ID"
        );
    }
}

#[test]
fn the_seed_write_tools_need_no_numeric_id_without_a_name_or_default() {
    let (_, catalogue) = load_catalogue(&repo_root()).expect("catalogue builds");
    for name in SEED_WRITE_TOOLS {
        let tool = catalogue
            .tools
            .iter()
            .find(|t| t.name == *name)
            .unwrap_or_else(|| panic!("{name} is missing"));
        let required: Vec<&str> = tool.input_schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        for arg in required {
            let schema = &tool.input_schema["properties"][arg];
            let is_path = tool.args.iter().any(|a| {
                a.name == arg && a.location == bms_mcp_codegen::catalogue::ArgLocation::Path
            });
            // The record object's own ID (ticket, opportunity) comes from the list the agent
            // read it in; every other required ID is a code list value and must take a name.
            assert!(
                schema["type"] != "integer" || is_path,
                "{name}: `{arg}` is a required ID with no name form or default"
            );
        }
    }
}

#[test]
fn every_schema_is_valid_json_schema_without_refs_or_top_level_combinators() {
    let (_, catalogue) = load_catalogue(&repo_root()).expect("catalogue builds");
    for tool in &catalogue.tools {
        if let Err(error) = jsonschema::draft202012::meta::validate(&tool.input_schema) {
            panic!(
                "{}: input schema is not valid JSON Schema: {error}",
                tool.name
            );
        }
        let root = tool.input_schema.as_object().expect("object root");
        assert_eq!(root["type"], "object", "{}", tool.name);
        for combinator in ["anyOf", "oneOf", "allOf"] {
            assert!(
                !root.contains_key(combinator),
                "{}: top-level {combinator}",
                tool.name
            );
        }
        let text = tool.input_schema.to_string();
        assert!(
            !text.contains("\"$ref\"") && !text.contains("$defs"),
            "{}",
            tool.name
        );
        if let Some(output) = &tool.output_schema {
            jsonschema::draft202012::meta::validate(output)
                .unwrap_or_else(|e| panic!("{}: output schema: {e}", tool.name));
            assert_eq!(
                output["type"], "object",
                "{}: output root must be an object",
                tool.name
            );
        }
        assert!(
            tool.name.len() <= 64
                && tool
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        );
    }
}

#[test]
fn generation_is_deterministic() {
    let (_, first) = generate(&repo_root()).expect("generates");
    let (_, second) = generate(&repo_root()).expect("generates");
    assert_eq!(first, second);
}

#[test]
fn the_committed_generated_tree_is_current() {
    let root = repo_root();
    let (_, files) = generate(&root).expect("generates");
    let stale = stale_files(&root, &files);
    assert!(
        stale.is_empty(),
        "generated/ is stale ({stale:?}); run `cargo xtask gen` and commit"
    );
}

/// Copies `spec/` to a temporary tree, generates there, then edits things behind the
/// generator's back: the check must notice each.
#[test]
fn the_staleness_check_bites() {
    let root = repo_root();
    let temp = tempfile::tempdir().expect("temp dir");
    copy_dir(&root.join("spec"), &temp.path().join("spec"));
    let (_, files) = generate(temp.path()).expect("generates");
    assert_eq!(
        stale_files(temp.path(), &files).len(),
        files.len(),
        "nothing written yet: all stale"
    );
    write_files(temp.path(), &files).expect("writes");
    assert!(stale_files(temp.path(), &files).is_empty());

    let coverage = temp.path().join("generated/COVERAGE.md");
    std::fs::write(&coverage, "edited by hand").expect("edit");
    assert_eq!(
        stale_files(temp.path(), &files),
        vec![PathBuf::from("generated/COVERAGE.md")]
    );
    write_files(temp.path(), &files).expect("writes");

    std::fs::write(temp.path().join("generated/leftover.rs"), "").expect("extra file");
    assert_eq!(
        stale_files(temp.path(), &files),
        vec![PathBuf::from("generated/leftover.rs")]
    );
    write_files(temp.path(), &files).expect("writes");
    assert!(
        !temp.path().join("generated/leftover.rs").exists(),
        "regeneration removes leftovers"
    );

    // A record edit changes the output.
    let records = temp.path().join("spec/docs/ticket_notes.toml");
    let text = std::fs::read_to_string(&records).expect("records");
    std::fs::write(
        &records,
        text.replacen("title = \"", "title = \"Edited: ", 1),
    )
    .expect("edit record");
    let (_, regenerated) = generate(temp.path()).expect("generates");
    assert!(!stale_files(temp.path(), &regenerated).is_empty());
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
