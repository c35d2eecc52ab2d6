//! What changed between two catalogues, tool by tool, each change classed by whether it breaks
//! an agent (or an MCP URL's scope) built against the old one.
//!
//! Breaking: a tool removed or renamed, a new required argument, an argument removed or
//! renamed, required-ness added, a type, format or enum narrowed or changed, a tag or method
//! class taken away (scoped URLs lose the tool), the result shape changed, an output field
//! removed or its type widened. Compatible: everything else that changes what an agent reads
//! (new tools, optional arguments, widened inputs, descriptions, titles), and operations that
//! are new in the spec without a record.

mod compare;

use std::collections::HashSet;
use std::fmt;

use serde::Serialize;

use crate::snapshot::{CatalogueSnapshot, OperationStatus, ToolSnapshot, UnbuiltSnapshot};
use strsim::levenshtein as edit_distance;

/// Whether a change breaks agents built against the old catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Breaking,
    Compatible,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Breaking => "breaking",
            Severity::Compatible => "compatible",
        })
    }
}

/// What kind of change, for tools reading the JSON report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    ToolAdded,
    ToolRemoved,
    ToolRenamed,
    OperationMoved,
    RecordOrphaned,
    ResultChanged,
    ClassChanged,
    TagsChanged,
    TitleChanged,
    DescriptionChanged,
    ArgumentAdded,
    ArgumentRemoved,
    ArgumentRenamed,
    RequiredChanged,
    LocationChanged,
    TypeChanged,
    FormatChanged,
    EnumChanged,
    FieldAdded,
    FieldRemoved,
    OutputChanged,
    OutputFieldAdded,
    OutputFieldRemoved,
    OperationAdded,
    OperationRemoved,
    RecordNeedsUpdate,
}

/// One change, said in one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The tool the change is about, or the operation (`GET /v2/...`) when it has no tool.
    pub subject: String,
    pub kind: ChangeKind,
    pub severity: Severity,
    /// What changed, without the subject: ``argument `queue_id` became required``.
    pub message: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.subject, self.message, self.severity)
    }
}

/// Every change between two catalogues, grouped by subject: tools by name, then operations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogueDiff {
    pub old_spec_sha256: String,
    pub new_spec_sha256: String,
    pub changes: Vec<Change>,
}

impl CatalogueDiff {
    /// How many changes break agents.
    pub fn breaking(&self) -> usize {
        self.changes
            .iter()
            .filter(|c| c.severity == Severity::Breaking)
            .count()
    }

    /// How many changes are compatible.
    pub fn compatible(&self) -> usize {
        self.changes.len() - self.breaking()
    }

    /// One line per change, in report order.
    pub fn lines(&self) -> Vec<String> {
        self.changes.iter().map(ToString::to_string).collect()
    }
}

/// Collects changes as they are found.
#[derive(Default)]
struct Changes(Vec<Change>);

impl Changes {
    fn push(
        &mut self,
        subject: &str,
        kind: ChangeKind,
        severity: Severity,
        message: impl Into<String>,
    ) {
        self.0.push(Change {
            subject: subject.to_owned(),
            kind,
            severity,
            message: message.into(),
        });
    }
}

/// Compares two catalogues.
pub fn diff(old: &CatalogueSnapshot, new: &CatalogueSnapshot) -> CatalogueDiff {
    let mut changes = Changes::default();
    let mut explained_ops: HashSet<String> = HashSet::new();
    let mut explained_unbuilt: HashSet<usize> = HashSet::new();
    let mut added: Vec<&String> = new
        .tools
        .keys()
        .filter(|name| !old.tools.contains_key(*name))
        .collect();

    for (name, tool) in old
        .tools
        .iter()
        .filter(|(n, _)| !new.tools.contains_key(*n))
    {
        if let Some(index) = renamed_to(old, new, tool, &added) {
            let new_name = added.remove(index);
            let new_tool = &new.tools[new_name];
            let mut message = format!("renamed to `{new_name}`");
            if new_tool.operation != tool.operation {
                message.push_str(&format!(
                    " (operation `{}` is now `{}`)",
                    tool.operation, new_tool.operation
                ));
                explained_ops.insert(new_tool.operation.clone());
            }
            changes.push(name, ChangeKind::ToolRenamed, Severity::Breaking, message);
            compare::tool(&mut changes, new_name, tool, new_tool, false);
        } else {
            removed_tool(
                &mut changes,
                old,
                new,
                name,
                tool,
                &mut explained_ops,
                &mut explained_unbuilt,
            );
        }
    }
    for name in added {
        let tool = &new.tools[name];
        changes.push(
            name,
            ChangeKind::ToolAdded,
            Severity::Compatible,
            format!("new tool for `{}`", tool.operation),
        );
    }
    for (name, old_tool) in &old.tools {
        if let Some(new_tool) = new.tools.get(name) {
            compare::tool(&mut changes, name, old_tool, new_tool, true);
        }
    }
    operations(&mut changes, old, new, &explained_ops);
    unbuilt_records(&mut changes, old, new, &explained_unbuilt);

    let mut changes = changes.0;
    // Stable: within a subject, changes keep the order they were found in.
    changes.sort_by_key(|c| (is_operation(&c.subject), c.subject.clone()));
    CatalogueDiff {
        old_spec_sha256: old.spec_sha256.clone(),
        new_spec_sha256: new.spec_sha256.clone(),
        changes,
    }
}

/// The index in `added` of the tool `tool` became: the same operation under a new name, or an
/// operation that replaced its vanished one (same method and verb, one path segment renamed).
fn renamed_to(
    old: &CatalogueSnapshot,
    new: &CatalogueSnapshot,
    tool: &ToolSnapshot,
    added: &[&String],
) -> Option<usize> {
    if let Some(index) = added
        .iter()
        .position(|name| new.tools[*name].operation == tool.operation)
    {
        return Some(index);
    }
    if new.operations.contains_key(&tool.operation) {
        return None;
    }
    let candidates = added.iter().enumerate().filter(|(_, name)| {
        let candidate = &new.tools[**name];
        candidate.verb == tool.verb && !old.operations.contains_key(&candidate.operation)
    });
    closest(
        &tool.operation,
        candidates.map(|(i, name)| (i, new.tools[*name].operation.as_str())),
    )
}

/// Of `candidates`, the operation `operation` most plausibly moved to: same method, same
/// number of segments, at most one literal segment different (parameters may be renamed).
fn closest<'a, T: Copy>(
    operation: &str,
    candidates: impl Iterator<Item = (T, &'a str)>,
) -> Option<T> {
    let (method, path) = operation.split_once(' ')?;
    let segments: Vec<&str> = path.split('/').collect();
    candidates
        .filter_map(|(id, candidate)| {
            let (m, p) = candidate.split_once(' ')?;
            let other: Vec<&str> = p.split('/').collect();
            if m != method || other.len() != segments.len() {
                return None;
            }
            let is_param = |s: &str| s.starts_with('{');
            let literal_changes = segments
                .iter()
                .zip(&other)
                .filter(|(a, b)| a != b && !(is_param(a) && is_param(b)))
                .count();
            (literal_changes <= 1).then(|| (edit_distance(path, p), id))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, id)| id)
}

fn removed_tool(
    changes: &mut Changes,
    old: &CatalogueSnapshot,
    new: &CatalogueSnapshot,
    name: &str,
    tool: &ToolSnapshot,
    explained_ops: &mut HashSet<String>,
    explained_unbuilt: &mut HashSet<usize>,
) {
    let op = &tool.operation;
    let record = new
        .unbuilt
        .iter()
        .enumerate()
        .find(|(_, u)| u.tool.as_deref() == Some(name));
    if let Some((index, record)) = record {
        explained_unbuilt.insert(index);
        if !record.operation_missing {
            let message = format!(
                "removed: its record no longer fits the spec: {}",
                record.reason
            );
            changes.push(
                name,
                ChangeKind::RecordNeedsUpdate,
                Severity::Breaking,
                message,
            );
            return;
        }
        let new_ops = new.operations.iter().filter(|(key, status)| {
            !old.operations.contains_key(*key) && **status == OperationStatus::Undocumented
        });
        if let Some(moved) = closest(op, new_ops.map(|(key, _)| (key.as_str(), key.as_str()))) {
            explained_ops.insert(moved.to_owned());
            let message = format!(
                "operation moved from `{op}` to `{moved}`; the tool is gone until the record at {} names the new path",
                record.record
            );
            changes.push(
                name,
                ChangeKind::OperationMoved,
                Severity::Breaking,
                message,
            );
        } else {
            let message = format!(
                "removed: operation `{op}` is no longer in the spec; delete or update the record at {}",
                record.record
            );
            changes.push(
                name,
                ChangeKind::RecordOrphaned,
                Severity::Breaking,
                message,
            );
        }
        return;
    }
    let message = match new.operations.get(op) {
        Some(OperationStatus::Excluded) => format!("removed: `{op}` is now excluded"),
        Some(OperationStatus::Undocumented) => format!("removed: `{op}` has no record any more"),
        Some(OperationStatus::Tool(other)) => format!("removed: `{op}` is now the tool `{other}`"),
        None => format!("removed with its operation `{op}`, which left the spec"),
    };
    changes.push(name, ChangeKind::ToolRemoved, Severity::Breaking, message);
}

/// Operations that came or went without a tool.
fn operations(
    changes: &mut Changes,
    old: &CatalogueSnapshot,
    new: &CatalogueSnapshot,
    explained: &HashSet<String>,
) {
    for (key, status) in &new.operations {
        if old.operations.contains_key(key) || explained.contains(key) {
            continue;
        }
        let message = match status {
            OperationStatus::Undocumented => {
                "new operation without a record; write one in spec/docs/ to make it a tool"
            }
            OperationStatus::Excluded => "new operation, excluded by a record",
            OperationStatus::Tool(_) => continue,
        };
        changes.push(
            key,
            ChangeKind::OperationAdded,
            Severity::Compatible,
            message,
        );
    }
    for (key, status) in &old.operations {
        if new.operations.contains_key(key) || matches!(status, OperationStatus::Tool(_)) {
            continue;
        }
        changes.push(
            key,
            ChangeKind::OperationRemoved,
            Severity::Compatible,
            "operation removed from the spec; it was not a tool",
        );
    }
}

/// Records set aside in the new catalogue that no removed tool already explained.
fn unbuilt_records(
    changes: &mut Changes,
    old: &CatalogueSnapshot,
    new: &CatalogueSnapshot,
    explained: &HashSet<usize>,
) {
    for (index, record) in new.unbuilt.iter().enumerate() {
        if explained.contains(&index) || old.unbuilt.contains(record) {
            continue;
        }
        let subject = record.tool.as_deref().unwrap_or(&record.operation);
        changes.push(
            subject,
            ChangeKind::RecordNeedsUpdate,
            Severity::Compatible,
            unbuilt_message(record),
        );
    }
}

fn unbuilt_message(record: &UnbuiltSnapshot) -> String {
    match (&record.tool, record.operation_missing) {
        (None, true) => format!(
            "the exclusion at {} names an operation that is no longer in the spec; delete it",
            record.record
        ),
        (Some(_), true) => format!(
            "the record at {} names an operation that is not in the spec; fix or delete it",
            record.record
        ),
        (_, false) => format!("not a tool: {}", record.reason),
    }
}

/// Operation subjects (`GET /v2/...`) sort after tool names.
fn is_operation(subject: &str) -> bool {
    subject.contains(' ')
}
