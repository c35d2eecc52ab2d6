//! The vendored BMS OpenAPI document: loading, checking, and finding operations in it.

use std::path::Path;

use openapiv3::{OpenAPI, Operation, Parameter, ReferenceOr, RequestBody, Schema};

use crate::error::GenError;

/// Where the spec lives in the repository.
pub const SPEC_PATH: &str = "spec/kaseya-bms-openapi.json";

/// A loaded, checked OpenAPI 3.0 document.
#[derive(Debug)]
pub struct Spec {
    pub doc: OpenAPI,
}

/// One operation of the spec, with its path-level parameters merged in.
#[derive(Debug, Clone)]
pub struct SpecOperation<'a> {
    /// Upper-case HTTP method.
    pub method: &'static str,
    pub path: &'a str,
    pub operation: &'a Operation,
    /// Path-level then operation-level parameters, resolved.
    pub parameters: Vec<&'a Parameter>,
}

impl SpecOperation<'_> {
    /// `GET /v2/...`, the form records use.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The first tag the spec gives the operation, or `-`.
    pub fn spec_tag(&self) -> &str {
        self.operation.tags.first().map_or("-", String::as_str)
    }
}

impl Spec {
    /// Reads and checks the spec file.
    pub fn load(path: &Path) -> Result<Spec, GenError> {
        let text = std::fs::read_to_string(path).map_err(|e| GenError::io(path, e))?;
        Spec::parse(&text, path)
    }

    /// Parses and checks spec text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Spec, GenError> {
        let doc: OpenAPI = serde_json::from_str(text).map_err(|e| GenError::SpecParse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        if !doc.openapi.starts_with("3.0.") {
            return Err(GenError::SpecVersion {
                path: path.to_owned(),
                version: doc.openapi.clone(),
            });
        }
        Ok(Spec { doc })
    }

    /// Every operation, paths in document order, methods in a fixed order within a path.
    pub fn operations(&self) -> Result<Vec<SpecOperation<'_>>, GenError> {
        let mut out = Vec::new();
        for (path, item) in self.doc.paths.iter() {
            let ReferenceOr::Item(item) = item else {
                return Err(GenError::UnresolvedRef {
                    context: format!("path `{path}`"),
                    reference: "path item references are not supported".into(),
                });
            };
            let methods: [(&'static str, &Option<Operation>); 5] = [
                ("GET", &item.get),
                ("POST", &item.post),
                ("PUT", &item.put),
                ("PATCH", &item.patch),
                ("DELETE", &item.delete),
            ];
            for (method, operation) in methods {
                let Some(operation) = operation else { continue };
                let context = format!("{method} {path}");
                let mut parameters = Vec::new();
                for p in item.parameters.iter().chain(&operation.parameters) {
                    parameters.push(self.parameter(p, &context)?);
                }
                out.push(SpecOperation {
                    method,
                    path,
                    operation,
                    parameters,
                });
            }
        }
        Ok(out)
    }

    fn parameter<'a>(
        &'a self,
        p: &'a ReferenceOr<Parameter>,
        context: &str,
    ) -> Result<&'a Parameter, GenError> {
        match p {
            ReferenceOr::Item(p) => Ok(p),
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix("#/components/parameters/");
                self.doc
                    .components
                    .as_ref()
                    .and_then(|c| c.parameters.get(name?))
                    .and_then(|p| p.as_item())
                    .ok_or_else(|| GenError::UnresolvedRef {
                        context: context.to_owned(),
                        reference: reference.clone(),
                    })
            }
        }
    }

    /// The request body of an operation, resolved.
    pub fn request_body<'a>(
        &'a self,
        operation: &SpecOperation<'a>,
    ) -> Result<Option<&'a RequestBody>, GenError> {
        match &operation.operation.request_body {
            None => Ok(None),
            Some(ReferenceOr::Item(body)) => Ok(Some(body)),
            Some(ReferenceOr::Reference { reference }) => {
                let name = reference.strip_prefix("#/components/requestBodies/");
                self.doc
                    .components
                    .as_ref()
                    .and_then(|c| c.request_bodies.get(name?))
                    .and_then(|b| b.as_item())
                    .map(Some)
                    .ok_or_else(|| GenError::UnresolvedRef {
                        context: operation.key(),
                        reference: reference.clone(),
                    })
            }
        }
    }

    /// The JSON schema of the first 2xx response, if it declares one.
    pub fn success_schema<'a>(
        &'a self,
        operation: &SpecOperation<'a>,
    ) -> Option<&'a ReferenceOr<Schema>> {
        let responses = &operation.operation.responses.responses;
        let response = responses
            .iter()
            .filter(|(status, _)| status.to_string().starts_with('2'))
            .find_map(|(_, r)| r.as_item())?;
        json_media_schema(&response.content)
    }

    /// A component schema by `$ref` (`#/components/schemas/Name`).
    pub fn schema_by_ref(&self, reference: &str) -> Option<&Schema> {
        let name = reference.strip_prefix("#/components/schemas/")?;
        self.doc.components.as_ref()?.schemas.get(name)?.as_item()
    }

    /// Resolves a schema that may be a `$ref`.
    pub fn resolve<'a>(&'a self, schema: &'a ReferenceOr<Schema>) -> Option<&'a Schema> {
        match schema {
            ReferenceOr::Item(s) => Some(s),
            ReferenceOr::Reference { reference } => self.schema_by_ref(reference),
        }
    }

    /// Operations whose path is closest to `path`, for "did you mean" messages.
    pub fn closest_paths(&self, path: &str) -> Vec<String> {
        let mut scored: Vec<(usize, &String)> = self
            .doc
            .paths
            .paths
            .keys()
            .map(|candidate| (strsim::levenshtein(path, candidate), candidate))
            .collect();
        scored.sort();
        let best = scored.first().map_or(usize::MAX, |(d, _)| *d);
        let limit = (path.len() / 4).max(3);
        scored
            .into_iter()
            .take_while(|(d, _)| *d == best && *d <= limit)
            .map(|(_, p)| p.clone())
            .collect()
    }
}

/// The JSON schema of a body or response: `application/json` first, then any other JSON type.
pub fn json_media_schema(
    content: &indexmap::IndexMap<String, openapiv3::MediaType>,
) -> Option<&ReferenceOr<Schema>> {
    content
        .get("application/json")
        .or_else(|| content.get("text/json"))
        .or_else(|| content.get("text/plain"))
        .or_else(|| content.values().next())
        .and_then(|media| media.schema.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_openapi_3_1_document_is_refused() {
        let err = Spec::parse(
            r#"{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{}}"#,
            Path::new("x.json"),
        )
        .expect_err("3.1 is refused");
        assert_eq!(
            err.to_string(),
            "x.json: OpenAPI version 3.1.0 is not supported; vendor a 3.0.x document"
        );
    }
}
