//! Everything that can be wrong with the spec or the records, said so a person can fix it.

use std::path::PathBuf;

/// Where in a record file a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordLocation {
    /// The record file, relative to the repository root where possible.
    pub file: PathBuf,
    /// 1-based line of the record's `operation` key.
    pub line: usize,
    /// The record's operation (`GET /v2/...`), as written.
    pub operation: String,
}

impl std::fmt::Display for RecordLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} line {} (`{}`)",
            self.file.display(),
            self.line,
            self.operation
        )
    }
}

/// A problem in the spec or in a documentation record. Each message names the file, the record
/// and the field, and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a valid OpenAPI 3.0 document: {message}")]
    SpecParse { path: PathBuf, message: String },
    #[error("{path}: OpenAPI version {version} is not supported; vendor a 3.0.x document")]
    SpecVersion { path: PathBuf, version: String },
    #[error("spec: {context}: reference `{reference}` does not resolve to a component")]
    UnresolvedRef { context: String, reference: String },
    #[error("{path}: {message}")]
    RecordSyntax { path: PathBuf, message: String },
    #[error("{at}: field `{field}`: {message}")]
    RecordField {
        at: RecordLocation,
        field: &'static str,
        message: String,
    },
    #[error("{at}: operation not in spec{suggestion}")]
    UnknownOperation {
        at: RecordLocation,
        suggestion: String,
    },
    #[error("{at}: operation already has a record at {first}; keep one of them")]
    DuplicateRecord {
        at: RecordLocation,
        first: RecordLocation,
    },
    #[error(
        "{at}: tool name `{name}` is {len} characters, over the {max} that MCP clients accept; choose a shorter `resource`"
    )]
    NameTooLong {
        at: RecordLocation,
        name: String,
        len: usize,
        max: usize,
    },
    #[error("{at}: tool name `{name}` is already used by {first}; change `resource` or `verb`")]
    DuplicateName {
        at: RecordLocation,
        name: String,
        first: RecordLocation,
    },
    #[error(
        "{at}: arguments collide: {first} and {second} both become `{name}`, and prefixing cannot separate them; set `body_arg` or report the spec"
    )]
    ArgumentCollision {
        at: RecordLocation,
        name: String,
        first: String,
        second: String,
    },
}

impl GenError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> GenError {
        GenError::Io {
            path: path.into(),
            source,
        }
    }
}
