//! `bms-mcp tools`: the catalogue as a table or JSON.

use serde_json::json;

use super::split_list;
use crate::catalogue::{Catalogue, ToolFilter};

#[derive(Debug, clap::Args)]
pub struct ToolsArgs {
    /// Method classes (read, write, custom) or verbs (list, get, search, ...), comma-separated.
    #[arg(long, value_name = "LIST")]
    methods: Vec<String>,
    /// Tags (servicedesk, crm, lookups, itglue, ...), comma-separated.
    #[arg(long, value_name = "LIST")]
    tags: Vec<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &ToolsArgs) -> anyhow::Result<()> {
    let filter = ToolFilter {
        methods: split_list(&args.methods),
        tags: split_list(&args.tags),
    };
    let catalogue = Catalogue::global();
    super::account::check_filter(&filter)?;
    let tools: Vec<_> = catalogue.filtered(&filter).collect();
    if args.json {
        let list: Vec<_> = tools
            .iter()
            .map(|t| {
                json!({
                    "name": t.def.name,
                    "title": t.def.title,
                    "class": t.def.class.as_str(),
                    "verb": t.def.verb,
                    "tags": t.def.tags,
                    "method": t.def.method.as_str(),
                    "path": t.def.path,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    let width = tools.iter().map(|t| t.def.name.len()).max().unwrap_or(4);
    println!(
        "{:width$}  {:6}  {:28}  {:6}  PATH",
        "NAME", "CLASS", "TAGS", "METHOD"
    );
    for tool in &tools {
        println!(
            "{:width$}  {:6}  {:28}  {:6}  {}",
            tool.def.name,
            tool.def.class.as_str(),
            tool.def.tags.join(","),
            tool.def.method.as_str(),
            tool.def.path
        );
    }
    println!("{} tools", tools.len());
    Ok(())
}
