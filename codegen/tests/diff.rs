//! Change reports between two catalogues, on small fixture specs and records: each test makes
//! one edit and states the exact report.

use std::path::Path;

use bms_mcp_codegen::Spec;
use bms_mcp_codegen::catalogue::Catalogue;
use bms_mcp_codegen::diff::{Severity, diff};
use bms_mcp_codegen::records::{RecordSet, parse_file};
use bms_mcp_codegen::snapshot::{CatalogueSnapshot, sha256_hex};
use serde_json::{Value, json};

fn ok(schema: &str) -> Value {
    json!({"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}}})
}

/// Items: list (with a filter), get, create (with a separate input schema), and an
/// undocumented count.
fn base_spec() -> Value {
    let id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int32"}});
    json!({
        "openapi": "3.0.1",
        "info": {"title": "fixture", "version": "1"},
        "paths": {
            "/v2/items": {
                "get": {
                    "parameters": [{"name": "Filter.Title", "in": "query", "schema": {"type": "string"}}],
                    "responses": ok("ItemListResponse")
                },
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ItemCreate"}}}},
                    "responses": ok("ItemResponse")
                }
            },
            "/v2/items/{id}": {"get": {"parameters": [id], "responses": ok("ItemResponse")}},
            "/v2/items/count": {"get": {"responses": {"200": {"description": "OK"}}}}
        },
        "components": {"schemas": {
            "Status": {"enum": [0, 1, 2], "type": "integer", "format": "int32"},
            "Item": {"type": "object", "properties": {
                "Id": {"type": "integer", "format": "int32"},
                "Title": {"type": "string", "nullable": true},
                "Status": {"$ref": "#/components/schemas/Status"}
            }},
            "ItemCreate": {"type": "object", "properties": {
                "Title": {"type": "string"},
                "Status": {"$ref": "#/components/schemas/Status"},
                "Notes": {"type": "string", "nullable": true},
                "Address": {"type": "object", "properties": {
                    "City": {"type": "string"},
                    "Zip": {"type": "string"}
                }, "required": ["City"]}
            }, "required": ["Title"], "additionalProperties": false},
            "ItemResponse": {"type": "object", "properties": {
                "Success": {"type": "boolean"},
                "Result": {"$ref": "#/components/schemas/Item"}
            }},
            "ItemListResponse": {"type": "object", "properties": {
                "Success": {"type": "boolean"},
                "Result": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
                "TotalRecords": {"type": "integer"}
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

[[record]]
operation = "GET /v2/items/{id}"
resource = "item"
title = "Get an item"
tags = ["crm"]
description = "One item."

[[record]]
operation = "POST /v2/items"
resource = "item"
title = "Create an item"
tags = ["crm"]
description = "Creates an item."
[record.args]
title = "The item's title."
"#;

fn snapshot(spec: &Value, records: &str) -> CatalogueSnapshot {
    let text = spec.to_string();
    let spec = Spec::parse(&text, Path::new("fixture.json")).expect("fixture spec parses");
    let mut set = RecordSet::default();
    parse_file(records, Path::new("spec/docs/fixture.toml"), &mut set).expect("records parse");
    let (catalogue, unbuilt) = Catalogue::build_lenient(&spec, &set).expect("catalogue builds");
    CatalogueSnapshot::of(&catalogue, &unbuilt, &sha256_hex(text.as_bytes()))
}

/// The report of an edit to the spec and records, one line per change.
#[track_caller]
fn check(new_spec: &Value, new_records: &str, expect: &[&str]) {
    let report = diff(
        &snapshot(&base_spec(), RECORDS),
        &snapshot(new_spec, new_records),
    );
    assert_eq!(report.lines(), expect);
}

/// The report of an edit to the spec alone.
#[track_caller]
fn check_spec(edit: impl FnOnce(&mut Value), expect: &[&str]) {
    let mut spec = base_spec();
    edit(&mut spec);
    check(&spec, RECORDS, expect);
}

fn schemas(spec: &mut Value) -> &mut Value {
    &mut spec["components"]["schemas"]
}

#[test]
fn an_unchanged_catalogue_has_an_empty_report() {
    check(&base_spec(), RECORDS, &[]);
}

#[test]
fn a_renamed_path_is_reported_as_a_moved_operation_naming_the_record() {
    check_spec(
        |spec| {
            let paths = spec["paths"].as_object_mut().expect("paths");
            let item = paths.shift_remove("/v2/items/{id}").expect("path");
            paths.insert("/v2/things/{id}".into(), item);
        },
        &[
            "get_single_kaseya_bms_item_by_id: operation moved from `GET /v2/items/{id}` to `GET /v2/things/{id}`; the tool is gone until the record at spec/docs/fixture.toml line 9 names the new path (breaking)",
        ],
    );
}

#[test]
fn a_renamed_path_that_the_record_follows_keeps_the_tool() {
    let mut spec = base_spec();
    let paths = spec["paths"].as_object_mut().expect("paths");
    let item = paths.shift_remove("/v2/items/{id}").expect("path");
    paths.insert("/v2/items/{itemId}".into(), item);
    spec["paths"]["/v2/items/{itemId}"]["get"]["parameters"][0]["name"] = json!("itemId");
    check(
        &spec,
        &RECORDS.replace("GET /v2/items/{id}", "GET /v2/items/{itemId}"),
        &[
            "get_single_kaseya_bms_item_by_id: now calls `GET /v2/items/{itemId}` (was `GET /v2/items/{id}`) (compatible)",
            "get_single_kaseya_bms_item_by_id: argument `id` renamed to `item_id` (breaking)",
        ],
    );
}

#[test]
fn a_renamed_resource_is_a_renamed_tool() {
    check(
        &base_spec(),
        &RECORDS.replace("resource = \"items\"", "resource = \"crm_items\""),
        &["list_all_kaseya_bms_items: renamed to `list_all_kaseya_bms_crm_items` (breaking)"],
    );
}

#[test]
fn a_renamed_path_and_resource_together_are_a_renamed_tool() {
    let mut spec = base_spec();
    let paths = spec["paths"].as_object_mut().expect("paths");
    let item = paths.shift_remove("/v2/items/{id}").expect("path");
    paths.insert("/v2/things/{id}".into(), item);
    let records = RECORDS
        .replace("GET /v2/items/{id}", "GET /v2/things/{id}")
        .replace(
            "resource = \"item\"\ntitle = \"Get",
            "resource = \"thing\"\ntitle = \"Get",
        );
    check(
        &spec,
        &records,
        &[
            "get_single_kaseya_bms_item_by_id: renamed to `get_single_kaseya_bms_thing_by_id` (operation `GET /v2/items/{id}` is now `GET /v2/things/{id}`) (breaking)",
        ],
    );
}

#[test]
fn nested_body_fields_are_compared_field_by_field() {
    check_spec(
        |spec| {
            let address = &mut schemas(spec)["ItemCreate"]["properties"]["Address"];
            address["properties"]
                .as_object_mut()
                .expect("properties")
                .shift_remove("Zip");
            address["properties"]["Country"] = json!({"type": "string"});
            address["required"] = json!(["City", "Country"]);
        },
        &[
            "create_a_kaseya_bms_item: argument `address`: field `Zip` removed (breaking)",
            "create_a_kaseya_bms_item: argument `address`: new required field `Country` (breaking)",
        ],
    );
}

#[test]
fn an_exclusion_whose_operation_left_asks_to_be_deleted() {
    let records = format!(
        "{RECORDS}\n[[excluded]]\noperation = \"GET /v2/items/count\"\nreason = \"Counts only.\"\n"
    );
    let mut spec = base_spec();
    spec["paths"]
        .as_object_mut()
        .expect("paths")
        .shift_remove("/v2/items/count");
    let report = diff(
        &snapshot(&base_spec(), &records),
        &snapshot(&spec, &records),
    );
    assert_eq!(
        report.lines(),
        [
            "GET /v2/items/count: operation removed from the spec; it was not a tool (compatible)",
            "GET /v2/items/count: the exclusion at spec/docs/fixture.toml line 25 names an operation that is no longer in the spec; delete it (compatible)",
        ]
    );
}

#[test]
fn a_new_required_body_field_is_a_new_required_argument() {
    check_spec(
        |spec| {
            let create = &mut schemas(spec)["ItemCreate"];
            create["properties"]["Priority"] = json!({"type": "integer", "format": "int32"});
            create["required"] = json!(["Title", "Priority"]);
        },
        &["create_a_kaseya_bms_item: new required argument `priority` (breaking)"],
    );
}

#[test]
fn a_new_optional_parameter_is_compatible_and_a_relaxed_one_too() {
    check_spec(
        |spec| {
            let list = &mut spec["paths"]["/v2/items"]["get"]["parameters"];
            list.as_array_mut()
                .expect("parameters")
                .push(json!({"name": "Filter.Owner", "in": "query", "schema": {"type": "string"}}));
            schemas(spec)["ItemCreate"]["required"] = json!([]);
        },
        &[
            "create_a_kaseya_bms_item: argument `title` is no longer required (compatible)",
            "list_all_kaseya_bms_items: new optional argument `filter_owner` (compatible)",
        ],
    );
}

#[test]
fn a_dropped_enum_value_breaks_and_an_added_one_does_not() {
    check_spec(
        |spec| schemas(spec)["Status"]["enum"] = json!([0, 1]),
        &["create_a_kaseya_bms_item: argument `status`: enum value `2` removed (breaking)"],
    );
    check_spec(
        |spec| schemas(spec)["Status"]["enum"] = json!([0, 1, 2, 3]),
        &["create_a_kaseya_bms_item: argument `status`: enum value `3` added (compatible)"],
    );
}

#[test]
fn a_required_parameter_and_a_narrowed_type_break() {
    check_spec(
        |spec| {
            let filter = &mut spec["paths"]["/v2/items"]["get"]["parameters"][0];
            filter["required"] = json!(true);
            schemas(spec)["ItemCreate"]["properties"]["Notes"] =
                json!({"type": "integer", "format": "int32"});
        },
        &[
            "create_a_kaseya_bms_item: argument `notes`: type changed from `string` to `integer (int32)` (breaking)",
            "list_all_kaseya_bms_items: argument `filter_title` became required (breaking)",
        ],
    );
}

#[test]
fn a_widened_type_is_compatible() {
    check_spec(
        |spec| {
            spec["paths"]["/v2/items/{id}"]["get"]["parameters"][0]["schema"] =
                json!({"type": "number"});
        },
        &[
            "get_single_kaseya_bms_item_by_id: argument `id`: type widened from `integer (int32)` to `number` (compatible)",
        ],
    );
}

#[test]
fn a_new_operation_without_a_record_asks_for_one() {
    check_spec(
        |spec| {
            spec["paths"]["/v2/widgets"] =
                json!({"get": {"responses": {"200": {"description": "OK"}}}});
        },
        &[
            "GET /v2/widgets: new operation without a record; write one in spec/docs/ to make it a tool (compatible)",
        ],
    );
}

#[test]
fn a_removed_operation_with_a_record_removes_the_tool_and_names_the_record() {
    check_spec(
        |spec| {
            spec["paths"]["/v2/items"]
                .as_object_mut()
                .expect("path")
                .shift_remove("get");
        },
        &[
            "list_all_kaseya_bms_items: removed: operation `GET /v2/items` is no longer in the spec; delete or update the record at spec/docs/fixture.toml line 2 (breaking)",
        ],
    );
}

#[test]
fn a_removed_operation_without_a_record_is_compatible() {
    check_spec(
        |spec| {
            spec["paths"]
                .as_object_mut()
                .expect("paths")
                .shift_remove("/v2/items/count");
        },
        &["GET /v2/items/count: operation removed from the spec; it was not a tool (compatible)"],
    );
}

#[test]
fn record_text_changes_are_compatible() {
    check(
        &base_spec(),
        &RECORDS
            .replace("Creates an item.", "Creates one item.")
            .replace("The item's title.", "Its title.")
            .replace("title = \"Get an item\"", "title = \"Get one item\""),
        &[
            "create_a_kaseya_bms_item: description changed (compatible)",
            "create_a_kaseya_bms_item: argument `title`: description changed (compatible)",
            "get_single_kaseya_bms_item_by_id: title changed from \"Get an item\" to \"Get one item\" (compatible)",
        ],
    );
}

#[test]
fn a_removed_or_retyped_output_field_breaks_every_tool_that_returns_it() {
    check_spec(
        |spec| {
            let item = &mut schemas(spec)["Item"]["properties"];
            item.as_object_mut()
                .expect("properties")
                .shift_remove("Title");
            item["Id"] = json!({"type": "string"});
        },
        &[
            "create_a_kaseya_bms_item: output field `title` removed (breaking)",
            "create_a_kaseya_bms_item: output field `id`: type changed from `integer` to `string` (breaking)",
            "get_single_kaseya_bms_item_by_id: output field `title` removed (breaking)",
            "get_single_kaseya_bms_item_by_id: output field `id`: type changed from `integer` to `string` (breaking)",
            "list_all_kaseya_bms_items: output field `items[].title` removed (breaking)",
            "list_all_kaseya_bms_items: output field `items[].id`: type changed from `integer` to `string` (breaking)",
        ],
    );
}

#[test]
fn a_lost_tag_breaks_scoped_urls() {
    check(
        &base_spec(),
        &RECORDS.replacen("tags = [\"crm\"]", "tags = [\"servicedesk\"]", 1),
        &[
            "list_all_kaseya_bms_items: no longer tagged `crm`; MCP URLs limited to that tag lose it (breaking)",
            "list_all_kaseya_bms_items: now tagged `servicedesk` (compatible)",
        ],
    );
}

#[test]
fn a_record_describing_a_vanished_argument_still_reports_the_argument_removed() {
    check_spec(
        |spec| {
            let create = &mut schemas(spec)["ItemCreate"];
            create["properties"]
                .as_object_mut()
                .expect("properties")
                .shift_remove("Title");
            create["required"] = json!([]);
        },
        &["create_a_kaseya_bms_item: argument `title` removed (breaking)"],
    );
}

#[test]
fn the_counts_split_breaking_from_compatible() {
    let mut spec = base_spec();
    schemas(&mut spec)["Status"]["enum"] = json!([0, 3]);
    let report = diff(&snapshot(&base_spec(), RECORDS), &snapshot(&spec, RECORDS));
    assert_eq!((report.breaking(), report.compatible()), (1, 1));
    assert_eq!(report.changes[0].severity, Severity::Breaking);
}

#[test]
fn a_snapshot_survives_its_json_form() {
    let snapshot = snapshot(&base_spec(), RECORDS);
    let text = snapshot.to_json();
    let read = CatalogueSnapshot::from_json(&text, "catalogue.json").expect("reads back");
    assert_eq!(read, snapshot);
    assert!(CatalogueSnapshot::is_snapshot(&text));
    assert!(!CatalogueSnapshot::is_snapshot(&base_spec().to_string()));
    let older = text.replace("\"format\": 1", "\"format\": 0");
    let error = CatalogueSnapshot::from_json(&older, "generated/catalogue.json")
        .expect_err("another format is refused");
    assert_eq!(
        error.to_string(),
        "generated/catalogue.json has snapshot format 0; this generator writes format 1"
    );
}
