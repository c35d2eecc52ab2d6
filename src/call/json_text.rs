//! Object arguments given as JSON text. OpenAI's strict mode cannot describe an object with
//! free-form keys (company settings), so the `openai-strict` profile shows such an argument as
//! a string holding the object's JSON, and models elsewhere send objects that way too. Any
//! client's call is read the same way, so the profile stays presentation only: the object is
//! then checked against the generated schema like any other.

use serde_json::{Map, Value};

use crate::catalogue::Tool;

/// Replaces each top-level argument the schema types as `object` that came as a string of a
/// JSON object by that object. Other strings are left for validation to refuse.
pub fn parse_objects(tool: &Tool, args: &mut Map<String, Value>) {
    let looks_like_object = |value: &Value| {
        value
            .as_str()
            .is_some_and(|s| s.trim_start().starts_with('{'))
    };
    // Calls that send no such string (nearly all) never parse the schema.
    if !args.values().any(looks_like_object) {
        return;
    }
    let schema = tool.input_schema();
    for (name, value) in args.iter_mut() {
        let wants_object = schema["properties"][name.as_str()]["type"] == "object";
        if !wants_object || !looks_like_object(value) {
            continue;
        }
        if let Some(Ok(Value::Object(object))) = value.as_str().map(serde_json::from_str) {
            *value = Value::Object(object);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;
    use serde_json::json;

    fn parsed(tool: &str, args: Value) -> Value {
        let tool = Catalogue::global().get(tool).expect("tool exists");
        let Value::Object(mut args) = args else {
            panic!("arguments are an object")
        };
        parse_objects(tool, &mut args);
        Value::Object(args)
    }

    #[test]
    fn an_object_argument_given_as_json_text_is_read_as_the_object() {
        let args = parsed(
            "set_kaseya_bms_company_settings",
            json!({"module_id": 1, "settings": r#" {"TimeZone": "UTC", "Days": 5}"#}),
        );
        assert_eq!(
            args,
            json!({"module_id": 1, "settings": {"TimeZone": "UTC", "Days": 5}})
        );
    }

    #[test]
    fn text_that_is_no_object_or_where_no_object_is_wanted_stays_text() {
        for settings in [r#"{"unclosed": "#, r#"["a list"]"#, "plain"] {
            let args = json!({"module_id": 1, "settings": settings});
            assert_eq!(
                parsed("set_kaseya_bms_company_settings", args.clone()),
                args
            );
        }
        // A string argument that happens to look like JSON is the user's text.
        let args = json!({"setting_key": r#"{"a": 1}"#});
        assert_eq!(
            parsed("list_all_kaseya_bms_company_settings", args.clone()),
            args
        );
    }
}
