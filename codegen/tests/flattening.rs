//! How operations become flat tool arguments and schemas, on small fixture specs.

use std::path::Path;

use bms_mcp_codegen::catalogue::{ArgLocation, Catalogue, ResultShape, ToolModel};
use bms_mcp_codegen::records::{RecordSet, parse_file};
use bms_mcp_codegen::{GenError, Spec};
use serde_json::{Value, json};

/// A spec with one path and the given operation, plus fixture components.
fn spec_with(path: &str, method: &str, operation: Value) -> Spec {
    let doc = json!({
        "openapi": "3.0.1",
        "info": {"title": "fixture", "version": "1"},
        "paths": { path: { method: operation } },
        "components": {"schemas": {
            "Node": {"type": "object", "properties": {
                "Name": {"type": "string"},
                "Child": {"$ref": "#/components/schemas/Node"}
            }, "additionalProperties": false},
            "Status": {"enum": [0, 1, 2], "type": "integer", "format": "int32"},
            "Patch": {"type": "object", "properties": {
                "op": {"type": "string", "nullable": true},
                "path": {"type": "string", "nullable": true},
                "value": {"nullable": true}
            }, "additionalProperties": false},
            "Item": {"type": "object", "properties": {
                "Id": {"type": "integer", "format": "int32", "readOnly": true},
                "Title": {"type": "string", "nullable": true},
                "Status": {"$ref": "#/components/schemas/Status"},
                "Parent": {"$ref": "#/components/schemas/Node"}
            }, "required": ["Title"], "additionalProperties": false},
            "ItemResponse": {"type": "object", "properties": {
                "Success": {"type": "boolean", "readOnly": true},
                "Result": {"$ref": "#/components/schemas/Item"}
            }},
            "ItemListResponse": {"type": "object", "properties": {
                "Success": {"type": "boolean"},
                "Result": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}, "nullable": true},
                "TotalRecords": {"type": "integer"}
            }}
        }}
    });
    Spec::parse(&doc.to_string(), Path::new("fixture.json")).expect("fixture spec parses")
}

fn body(schema: Value) -> Value {
    json!({"content": {"application/json": {"schema": schema}}})
}

fn ok(schema: &str) -> Value {
    json!({"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}}})
}

fn records(text: &str) -> RecordSet {
    let mut set = RecordSet::default();
    parse_file(text, Path::new("spec/docs/fixture.toml"), &mut set).expect("fixture records parse");
    set
}

fn record(operation: &str, extra: &str) -> String {
    format!(
        "[[record]]\noperation = \"{operation}\"\nresource = \"item\"\ntitle = \"T\"\ntags = [\"crm\"]\ndescription = \"D\"\n{extra}\n"
    )
}

#[track_caller]
fn build_one(spec: &Spec, text: &str) -> ToolModel {
    let catalogue = Catalogue::build(spec, &records(text)).expect("catalogue builds");
    assert_eq!(catalogue.tools.len(), 1);
    catalogue.tools.into_iter().next().expect("one tool")
}

fn arg_names(tool: &ToolModel) -> Vec<(&str, &str, ArgLocation)> {
    tool.args
        .iter()
        .map(|a| (a.name.as_str(), a.wire.as_str(), a.location))
        .collect()
}

#[test]
fn path_query_and_body_collisions_are_prefixed_by_location() {
    let spec = spec_with(
        "/v2/items/{Id}",
        "put",
        json!({
            "parameters": [
                {"name": "Id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int32"}},
                {"name": "id", "in": "query", "schema": {"type": "string"}}
            ],
            "requestBody": body(json!({"type": "object", "properties": {"ID": {"type": "integer"}, "Title": {"type": "string"}}})),
            "responses": ok("ItemResponse")
        }),
    );
    let tool = build_one(&spec, &record("PUT /v2/items/{Id}", ""));
    assert_eq!(
        arg_names(&tool),
        vec![
            ("id", "Id", ArgLocation::Path),
            ("query_id", "id", ArgLocation::Query),
            ("body_id", "ID", ArgLocation::Body),
            ("title", "Title", ArgLocation::Body),
        ]
    );
    assert_eq!(tool.name, "update_a_kaseya_bms_item_by_id");
    assert_eq!(tool.input_schema["required"], json!(["id"]));
    assert_eq!(tool.input_schema["additionalProperties"], json!(false));
}

#[test]
fn array_bodies_become_one_named_argument() {
    let spec = spec_with(
        "/v2/items/{id}",
        "patch",
        json!({
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
            "requestBody": body(json!({"type": "array", "items": {"$ref": "#/components/schemas/Patch"}})),
            "responses": {"200": {"description": "OK"}}
        }),
    );
    let tool = build_one(
        &spec,
        &record(
            "PATCH /v2/items/{id}",
            "verb = \"patch\"\nbody_arg = \"operations\"",
        ),
    );
    assert_eq!(
        arg_names(&tool),
        vec![
            ("id", "id", ArgLocation::Path),
            ("operations", "", ArgLocation::WholeBody)
        ]
    );
    assert_eq!(tool.name, "patch_kaseya_bms_item");
    assert_eq!(tool.class, "custom");
    let items = &tool.input_schema["properties"]["operations"]["items"];
    assert_eq!(
        items["properties"]["op"]["type"], "string",
        "null and absent are the same to BMS"
    );
    let any = items["properties"]["value"]["anyOf"]
        .as_array()
        .expect("an untyped value accepts any type");
    assert_eq!(any.len(), 5);
    assert_eq!(tool.result, ResultShape::Unknown);
    assert!(tool.output_schema.is_none());
}

#[test]
fn refs_are_inlined_cycles_cut_read_only_dropped_enums_and_bounds_kept() {
    let spec = spec_with(
        "/v2/items",
        "post",
        json!({"requestBody": body(json!({"$ref": "#/components/schemas/Item"})), "responses": ok("ItemResponse")}),
    );
    let tool = build_one(&spec, &record("POST /v2/items", ""));
    let props = &tool.input_schema["properties"];
    assert!(props.get("id").is_none(), "readOnly Id is not an argument");
    assert_eq!(props["title"]["type"], "string");
    assert_eq!(props["status"]["enum"], json!([0, 1, 2]));
    assert_eq!(props["status"]["minimum"], json!(i32::MIN));
    assert_eq!(props["status"]["maximum"], json!(i32::MAX));
    assert_eq!(tool.input_schema["required"], json!(["title"]));
    let child = &props["parent"]["properties"]["Child"];
    assert_eq!(child["type"], "object");
    assert!(
        child["description"]
            .as_str()
            .is_some_and(|d| d.contains("recursive")),
        "the cycle is cut with a described stand-in: {child}"
    );
    let text = tool.input_schema.to_string();
    assert!(!text.contains("$ref") && !text.contains("$defs"), "{text}");
}

#[test]
fn output_schemas_are_camel_case_and_never_reject_extra_fields() {
    let spec = spec_with(
        "/v2/items/{id}",
        "get",
        json!({
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
            "responses": ok("ItemResponse")
        }),
    );
    let tool = build_one(&spec, &record("GET /v2/items/{id}", ""));
    assert_eq!(tool.result, ResultShape::Object);
    let output = tool
        .output_schema
        .expect("object results have an output schema");
    assert_eq!(output["type"], "object");
    assert!(
        output["properties"].get("title").is_some() && output["properties"].get("id").is_some()
    );
    assert!(output.get("required").is_none() && output.get("additionalProperties").is_none());
    assert_eq!(
        output["properties"]["title"],
        json!({"anyOf": [{"type": "string"}, {"type": "null"}]})
    );
}

#[test]
fn paged_lists_gain_a_cursor_and_wrap_items() {
    let spec = spec_with(
        "/v2/items",
        "get",
        json!({
            "parameters": [
                {"name": "PageNumber", "in": "query", "schema": {"type": "integer"}},
                {"name": "PageSize", "in": "query", "schema": {"type": "integer"}}
            ],
            "responses": ok("ItemListResponse")
        }),
    );
    let tool = build_one(&spec, &record("GET /v2/items", ""));
    assert_eq!(tool.name, "list_all_kaseya_bms_item");
    assert!(tool.paging.is_some());
    assert!(tool.input_schema["properties"].get("cursor").is_some());
    assert!(
        tool.args.iter().all(|a| a.name != "cursor"),
        "the cursor is never sent upstream"
    );
    let output = tool.output_schema.expect("list output");
    assert_eq!(output["properties"]["items"]["type"], "array");
    assert!(output["properties"].get("next_cursor").is_some());
}

#[test]
fn path_parameters_missing_from_the_template_go_in_the_query() {
    let spec = spec_with(
        "/v2/items/{id}",
        "get",
        json!({
            "parameters": [
                {"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}},
                {"name": "PageSize", "in": "path", "required": true, "schema": {"type": "integer"}}
            ],
            "responses": ok("ItemResponse")
        }),
    );
    let tool = build_one(&spec, &record("GET /v2/items/{id}", ""));
    assert_eq!(
        arg_names(&tool),
        vec![
            ("id", "id", ArgLocation::Path),
            ("page_size", "PageSize", ArgLocation::Query)
        ]
    );
}

#[track_caller]
fn build_error(spec: &Spec, text: &str) -> String {
    match Catalogue::build(spec, &records(text)) {
        Err(error) => error.to_string(),
        Ok(_) => panic!("records should be refused:\n{text}"),
    }
}

fn simple_spec() -> Spec {
    spec_with(
        "/v2/servicedesk/tickets",
        "get",
        json!({"responses": ok("ItemListResponse")}),
    )
}

#[test]
fn a_record_for_a_missing_operation_suggests_the_closest_path() {
    let message = build_error(&simple_spec(), &record("GET /v2/servicedesk/tikets", ""));
    assert_eq!(
        message,
        "spec/docs/fixture.toml line 2 (`GET /v2/servicedesk/tikets`): operation not in spec; did you mean `/v2/servicedesk/tickets`?"
    );
    let message = build_error(&simple_spec(), &record("POST /v2/servicedesk/tickets", ""));
    assert!(
        message.ends_with("the path exists with other methods, check the method"),
        "{message}"
    );
}

#[test]
fn duplicate_records_and_names_are_refused() {
    let one = record("GET /v2/servicedesk/tickets", "");
    let message = build_error(&simple_spec(), &format!("{one}{one}"));
    assert!(
        message.contains("line 9")
            && message.contains("already has a record at spec/docs/fixture.toml line 2"),
        "{message}"
    );
}

#[test]
fn unknown_argument_descriptions_list_the_real_arguments() {
    let spec = spec_with(
        "/v2/items/{id}",
        "get",
        json!({
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
            "responses": ok("ItemResponse")
        }),
    );
    let message = build_error(
        &spec,
        &record("GET /v2/items/{id}", "[record.args]\nitem_id = \"x\""),
    );
    assert!(
        message.ends_with(
            "field `args`: `item_id` is not an argument of this tool; its arguments are: id"
        ),
        "{message}"
    );
}

#[test]
fn names_over_64_characters_are_refused_not_truncated() {
    let long = record("GET /v2/servicedesk/tickets", "")
        .replace("\"item\"", &format!("\"{}\"", "x".repeat(50)));
    let message = build_error(&simple_spec(), &long);
    assert!(
        message.contains(
            "is 70 characters, over the 64 that MCP clients accept; choose a shorter `resource`"
        ),
        "{message}"
    );
}

#[test]
fn exclusions_need_a_real_operation_too() {
    let text = "[[excluded]]\noperation = \"GET /v2/nowhere\"\nreason = \"x\"\n";
    let message = build_error(&simple_spec(), text);
    assert!(message.contains("operation not in spec"), "{message}");
}

#[test]
fn a_spec_error_is_a_message_not_a_panic() {
    let error = Spec::parse("{\"openapi\": 3}", Path::new("bad.json")).expect_err("refused");
    assert!(matches!(error, GenError::SpecParse { .. }), "{error}");
}

/// Two lookups (groups, and the kinds of one group; items with `Id`, `Name`, `IsDefault`) and
/// a create operation whose body takes a `GroupId`, a `KindId`, a `NoteDate`, a `Title` and a
/// server-side `Id`.
fn lookup_and_create_spec() -> Spec {
    let list = json!({"200": {"description": "OK", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"Result": {"type": "array", "items": {
        "type": "object", "properties": {
            "Id": {"type": "integer"}, "Name": {"type": "string"}, "IsDefault": {"type": "boolean"}
        }}}}}}}}});
    let doc = json!({
        "openapi": "3.0.1",
        "info": {"title": "fixture", "version": "1"},
        "paths": {
            "/v2/groups/lookup": {"get": {"responses": list}},
            "/v2/groups/{groupId}/kinds/lookup": {"get": {
                "parameters": [{"name": "groupId", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "responses": list}},
            "/v2/things": {"post": {
                "requestBody": body(json!({"type": "object", "properties": {
                    "Id": {"type": "integer", "format": "int32"},
                    "GroupId": {"type": "integer", "format": "int32"},
                    "KindId": {"type": "integer", "format": "int32"},
                    "NoteDate": {"type": "string", "format": "date-time"},
                    "Title": {"type": "string"}
                }, "required": ["KindId", "NoteDate", "Title"], "additionalProperties": false})),
                "responses": {"200": {"description": "OK"}}}}
        }
    });
    Spec::parse(&doc.to_string(), Path::new("fixture.json")).expect("fixture spec parses")
}

const KINDS: &str = "list_all_kaseya_bms_kinds_lookup";

fn create_record(extra: &str) -> String {
    let lookup = |operation: &str, resource: &str| {
        format!(
            "[[record]]\noperation = \"{operation}\"\nresource = \"{resource}\"\ntitle = \"T\"\ntags = [\"lookups\"]\ndescription = \"D\"\n"
        )
    };
    format!(
        "{}{}[[record]]\noperation = \"POST /v2/things\"\nresource = \"thing\"\ntitle = \"T\"\ntags = [\"crm\"]\ndescription = \"D\"\n{extra}\n",
        lookup("GET /v2/groups/lookup", "groups_lookup"),
        lookup("GET /v2/groups/{groupId}/kinds/lookup", "kinds_lookup"),
    )
}

fn create_tool(text: &str) -> ToolModel {
    let catalogue = Catalogue::build(&lookup_and_create_spec(), &records(text)).expect("builds");
    catalogue
        .tools
        .into_iter()
        .find(|t| t.name == "create_a_kaseya_bms_thing")
        .expect("the create tool")
}

#[test]
fn omitted_arguments_are_neither_shown_nor_sent() {
    let tool = create_tool(&create_record("[record.omit]\nid = \"Assigned by BMS.\""));
    assert!(tool.args.iter().all(|a| a.name != "id"));
    assert!(tool.input_schema["properties"].get("id").is_none());
    let message = build_error(
        &lookup_and_create_spec(),
        &create_record("[record.omit]\ntitle = \"Not wanted.\""),
    );
    assert!(
        message
            .contains("field `omit`: `title` is required by the operation and cannot be omitted"),
        "{message}"
    );
}

#[test]
fn a_defaulted_date_is_no_longer_required_and_says_so() {
    let tool = create_tool(&create_record(
        "[record.args]\nnote_date = \"When.\"\n[record.defaults]\nnote_date = \"now\"",
    ));
    let required = tool.input_schema["required"].as_array().expect("required");
    assert!(!required.contains(&json!("note_date")));
    assert_eq!(
        tool.input_schema["properties"]["note_date"]["description"],
        "When. Leave out for the current time (UTC)."
    );
    assert_eq!(tool.defaults.len(), 1);
    let message = build_error(
        &lookup_and_create_spec(),
        &create_record("[record.defaults]\ntitle = \"now\""),
    );
    assert!(
        message.contains("`title` is not a date-time argument, so it cannot default to now"),
        "{message}"
    );
    let mut set = RecordSet::default();
    let message = parse_file(
        &create_record("[record.defaults]\nnote_date = \"yesterday\""),
        Path::new("spec/docs/fixture.toml"),
        &mut set,
    )
    .expect_err("an unknown default is refused")
    .to_string();
    assert!(
        message.contains("`note_date = \"yesterday\"`: the server knows these defaults: now"),
        "{message}"
    );
}

#[test]
fn a_default_flag_makes_a_required_id_optional_and_must_exist_on_the_items() {
    let flagged = |flag: &str| {
        create_record(&format!(
            "[record.resolve]\nkind_id = {{ tool = \"{KINDS}\", args = {{ group_id = \"1\" }}, default_flag = \"{flag}\" }}"
        ))
    };
    let tool = create_tool(&flagged("IsDefault"));
    let resolver = &tool.resolvers[0];
    assert_eq!(resolver.default_flag.as_deref(), Some("IsDefault"));
    assert!(
        resolver.required,
        "BMS still needs the ID; the server supplies it"
    );
    let required = tool.input_schema["required"].as_array().expect("required");
    assert!(!required.contains(&json!("kind_id")));
    let described = tool.input_schema["properties"]["kind"]["description"]
        .as_str()
        .expect("described");
    assert!(
        described
            .ends_with("Leave both out for the default: the lookup's entry with IsDefault true."),
        "{described}"
    );
    let message = build_error(&lookup_and_create_spec(), &flagged("IsMain"));
    assert!(
        message.contains("items have no boolean `IsMain` to mark the default entry"),
        "{message}"
    );
}

#[test]
fn a_lookup_argument_may_name_another_argument_one_level_deep() {
    let kind = |group: &str| {
        format!("kind_id = {{ tool = \"{KINDS}\", args = {{ group_id = \"{{{group}}}\" }} }}\n")
    };
    let tool = create_tool(&create_record(&format!(
        "[record.resolve]\ngroup_id = \"list_all_kaseya_bms_groups_lookup\"\n{}",
        kind("group_id")
    )));
    let keyed = tool
        .resolvers
        .iter()
        .find(|r| r.id_arg == "kind_id")
        .expect("kind resolver");
    assert_eq!(
        keyed.lookup_args,
        [("group_id".to_owned(), "{group_id}".to_owned())]
    );
    // group_id's own lookup keyed by kind_id: two levels, refused.
    let message = build_error(
        &lookup_and_create_spec(),
        &create_record(&format!(
            "[record.resolve]\ngroup_id = {{ tool = \"{KINDS}\", args = {{ group_id = \"{{kind_id}}\" }} }}\n{}",
            kind("group_id")
        )),
    );
    assert!(
        message
            .contains("whose own lookup is keyed by another argument; only one level is resolved"),
        "{message}"
    );
    let message = build_error(
        &lookup_and_create_spec(),
        &create_record(&format!("[record.resolve]\n{}", kind("nothing"))),
    );
    assert!(
        message.contains("`{nothing}` names no argument of this tool"),
        "{message}"
    );
}
