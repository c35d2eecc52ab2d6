//! Resources and completions: the tenant's reference data (queues, statuses, priorities, issue
//! types, note types) as resources a client can attach to a conversation, and names from the
//! same lookups to complete prompt arguments with. Both are read live through the lookup
//! tools, with the call's metrics and audit: nothing is stored. A resource is offered only
//! where its lookup tool is in the MCP server's scope.

use serde_json::{Map, Value, json};

use super::handler::{ClientContext, Handler, McpEndpoint};
use super::jsonrpc::RpcError;
use super::prompts;
use crate::catalogue::McpScope;
use crate::catalogue::Tool;

/// One lookup table offered as a resource.
pub struct LookupResource {
    pub uri: &'static str,
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub tool: &'static str,
    /// Fixed arguments of the lookup call.
    pub arguments: &'static [(&'static str, &'static str)],
}

/// Every lookup resource, in the order listed.
pub const RESOURCES: &[LookupResource] = &[
    LookupResource {
        uri: "bms://lookups/queues",
        name: "queues",
        title: "Service desk queues",
        description: "The tenant's service desk queues (id, name, active): the names filter_queue_names and the queue argument take.",
        tool: "list_all_kaseya_bms_queues_lookup",
        arguments: &[],
    },
    LookupResource {
        uri: "bms://lookups/statuses",
        name: "statuses",
        title: "Ticket statuses",
        description: "The tenant's ticket statuses (id, name, order): the names filter_status_names and the status argument take.",
        tool: "list_all_kaseya_bms_statuses_lookup",
        arguments: &[],
    },
    LookupResource {
        uri: "bms://lookups/priorities",
        name: "priorities",
        title: "Ticket priorities",
        description: "The tenant's ticket priorities (id, name, default): the names filter_priority_names and the priority argument take.",
        tool: "list_all_kaseya_bms_priorities_lookup",
        arguments: &[],
    },
    LookupResource {
        uri: "bms://lookups/issue-types",
        name: "issue-types",
        title: "Ticket issue types",
        description: "The tenant's ticket issue types (id, name, active).",
        tool: "list_all_kaseya_bms_issue_types_lookup",
        arguments: &[],
    },
    LookupResource {
        uri: "bms://lookups/note-types",
        name: "note-types",
        title: "Ticket note types",
        description: "The tenant's note types (id, name, default): the names the note_type argument of ticket notes takes.",
        tool: "list_all_kaseya_bms_system_table_lookup",
        arguments: &[("table_name", "NoteTypes")],
    },
];

/// Most completion values returned, as the specification caps them.
const MAX_COMPLETIONS: usize = 100;

fn offered(scope: &McpScope) -> impl Iterator<Item = &'static LookupResource> + '_ {
    RESOURCES
        .iter()
        .filter(move |resource| scope.find(resource.tool).is_some())
}

/// The `resources/list` result.
pub fn list(scope: &McpScope) -> Value {
    let resources: Vec<Value> = offered(scope)
        .map(|r| {
            json!({
                "uri": r.uri,
                "name": r.name,
                "title": r.title,
                "description": r.description,
                "mimeType": "application/json",
            })
        })
        .collect();
    json!({ "resources": resources })
}

/// The `resources/templates/list` result: every resource is a fixed URI.
pub fn templates() -> Value {
    json!({ "resourceTemplates": [] })
}

impl Handler {
    /// `resources/read`: the lookup's answer, as its tool returns it.
    pub(super) async fn read_resource(
        &self,
        endpoint: &McpEndpoint,
        params: Option<&Value>,
        client: &ClientContext,
        modern: bool,
    ) -> Result<Value, RpcError> {
        let uri = params
            .and_then(|p| p.get("uri"))
            .and_then(Value::as_str)
            .ok_or_else(|| RpcError::invalid_params("resources/read needs a string `uri`"))?;
        let Some(resource) = offered(&endpoint.scope).find(|r| r.uri == uri) else {
            // SEP-2164: an unknown resource is invalid params, naming the URI.
            return Err(RpcError::invalid_params(format!(
                "Resource not found: {uri}; resources/list names the ones this server offers"
            ))
            .with_data(json!({ "uri": uri })));
        };
        let (tool, arguments) = lookup_call(&endpoint.scope, resource)?;
        let report = self
            .run(endpoint, tool, Some(arguments), client, modern)
            .await;
        if report.outcome.is_error {
            return Err(RpcError::new(
                super::jsonrpc::code::INTERNAL_ERROR,
                format!("Reading {uri} failed: {}", report.outcome.text),
            ));
        }
        Ok(json!({
            "contents": [{"uri": uri, "mimeType": "application/json", "text": report.outcome.text}],
        }))
    }

    /// `completion/complete`: names from a lookup for a prompt argument that has one,
    /// starting with what the person typed (case-insensitive).
    pub(super) async fn complete(
        &self,
        endpoint: &McpEndpoint,
        params: Option<&Value>,
        client: &ClientContext,
        modern: bool,
    ) -> Result<Value, RpcError> {
        let reference = params.and_then(|p| p.get("ref"));
        let argument = params.and_then(|p| p.get("argument"));
        fn text<'v>(value: Option<&'v Value>, key: &str) -> Option<&'v str> {
            value.and_then(|v| v.get(key)).and_then(Value::as_str)
        }
        let (Some(kind), Some(argument_name)) = (text(reference, "type"), text(argument, "name"))
        else {
            return Err(RpcError::invalid_params(
                "completion/complete needs `ref` (type and name) and `argument` (name and value)",
            ));
        };
        let typed = text(argument, "value").unwrap_or_default().to_lowercase();
        let lookup = match kind {
            "ref/prompt" => {
                let prompt_name = text(reference, "name").unwrap_or_default();
                let prompt = prompts::offered(&endpoint.scope)
                    .find(|p| p.name == prompt_name)
                    .ok_or_else(|| {
                        RpcError::invalid_params(format!("Unknown prompt: {prompt_name}"))
                    })?;
                prompt
                    .arguments
                    .iter()
                    .find(|a| a.name == argument_name)
                    .and_then(|a| a.completed_from)
            }
            // Every resource is a fixed URI: nothing to complete.
            "ref/resource" => None,
            other => {
                return Err(RpcError::invalid_params(format!(
                    "Unknown reference type {other}; give ref/prompt or ref/resource"
                )));
            }
        };
        let values = match lookup.and_then(|tool| endpoint.scope.find(tool)) {
            Some(tool) => {
                self.names_from(endpoint, tool, &typed, client, modern)
                    .await
            }
            None => Vec::new(),
        };
        let total = values.len();
        let shown: Vec<String> = values.into_iter().take(MAX_COMPLETIONS).collect();
        Ok(json!({
            "completion": {"values": shown, "total": total, "hasMore": total > MAX_COMPLETIONS},
        }))
    }

    /// The `name`s of a lookup's items that start with `typed`; none if the lookup fails.
    async fn names_from(
        &self,
        endpoint: &McpEndpoint,
        tool: &'static Tool,
        typed: &str,
        client: &ClientContext,
        modern: bool,
    ) -> Vec<String> {
        let mut arguments = Map::new();
        if tool.def.args.iter().any(|a| a.name == "filter_name") && !typed.is_empty() {
            arguments.insert("filter_name".into(), typed.into());
        }
        let report = self
            .run(
                endpoint,
                tool,
                Some(Value::Object(arguments)),
                client,
                modern,
            )
            .await;
        if report.outcome.is_error {
            return Vec::new();
        }
        let Ok(answer) = serde_json::from_str::<Value>(&report.outcome.text) else {
            return Vec::new();
        };
        let mut names: Vec<String> = answer["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|item| item.get("name").and_then(Value::as_str))
            .filter(|name| name.to_lowercase().starts_with(typed))
            .map(str::to_owned)
            .collect();
        names.dedup();
        names
    }
}

/// The lookup tool and arguments behind a resource.
fn lookup_call(
    scope: &McpScope,
    resource: &LookupResource,
) -> Result<(&'static Tool, Value), RpcError> {
    let tool = scope
        .find(resource.tool)
        .ok_or_else(|| RpcError::invalid_params(format!("Resource not found: {}", resource.uri)))?;
    let arguments: Map<String, Value> = resource
        .arguments
        .iter()
        .map(|(name, value)| ((*name).to_owned(), Value::from(*value)))
        .collect();
    Ok((tool, Value::Object(arguments)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::ToolExposure;
    use crate::catalogue::{Catalogue, ToolFilter};

    #[test]
    fn every_resource_reads_through_a_real_lookup_with_valid_arguments() {
        for resource in RESOURCES {
            let tool = Catalogue::global().get(resource.tool).expect(resource.tool);
            let arguments: Map<String, Value> = resource
                .arguments
                .iter()
                .map(|(n, v)| ((*n).to_owned(), Value::from(*v)))
                .collect();
            assert!(
                crate::call::validate(tool, &Value::Object(arguments)).is_ok(),
                "{}",
                resource.uri
            );
        }
    }

    #[test]
    fn a_scope_lists_only_the_resources_whose_lookup_it_holds() {
        let crm = McpScope::new(
            ToolFilter {
                methods: Vec::new(),
                tags: vec!["crm".into()],
            },
            ToolExposure::All,
        );
        let all = McpScope::new(ToolFilter::default(), ToolExposure::All);
        let count = |scope: &McpScope| list(scope)["resources"].as_array().map_or(0, Vec::len);
        assert_eq!(count(&all), RESOURCES.len());
        assert!(count(&crm) < RESOURCES.len());
    }
}
