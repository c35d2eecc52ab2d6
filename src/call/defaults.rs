//! Values the server supplies for arguments the agent left out, as the record asks
//! (`[record.defaults]`): BMS requires a note's `NoteDate`, and "now" is what a person means.

use serde_json::{Map, Value};

use crate::catalogue::{DefaultValue, Tool};
use crate::store::{rfc3339, unix_now};

/// Fills in every defaulted argument `args` lacks. Run before validation, so what is filled in
/// is checked like what the agent sent.
pub fn fill(tool: &Tool, args: &mut Map<String, Value>) {
    for default in tool.def.defaults {
        if !args.contains_key(default.arg) {
            args.insert(default.arg.to_owned(), value_of(default.value));
        }
    }
}

fn value_of(default: DefaultValue) -> Value {
    match default {
        DefaultValue::Now => Value::String(rfc3339(unix_now())),
    }
}
