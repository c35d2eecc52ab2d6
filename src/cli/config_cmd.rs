//! `bms-mcp config check` and `bms-mcp config keys`.

use clap::ArgMatches;
use clap::parser::ValueSource;

use super::serve::{ServeArgs, preflight};
use crate::config::{ConfigFile, Key, KeyDefault, markdown_table};

#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    command: ConfigCommand,
}

#[derive(Debug, clap::Subcommand)]
enum ConfigCommand {
    /// Check the configuration `serve` would run with (file, environment and these flags)
    /// and print it, secrets masked. Exit code 2 when it is not usable.
    Check(Box<CheckArgs>),
    /// Print every configuration key as a Markdown table: default, environment variable, flag.
    Keys,
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    #[command(flatten)]
    serve: ServeArgs,
}

/// Where the values came from: the parsed command line, and the config file with the
/// environment variables it set.
pub struct Sources<'a> {
    pub matches: &'a ArgMatches,
    pub file: Option<&'a ConfigFile>,
    pub from_file: &'a [&'static str],
}

pub fn run(args: &ConfigArgs, sources: &Sources<'_>) -> anyhow::Result<()> {
    match &args.command {
        ConfigCommand::Keys => {
            print!("{}", markdown_table());
            Ok(())
        }
        ConfigCommand::Check(check) => {
            let matches = sources
                .matches
                .subcommand_matches("config")
                .and_then(|m| m.subcommand_matches("check"))
                .unwrap_or(sources.matches);
            print_effective(matches, sources);
            let checked = preflight(&check.serve)?;
            for warning in &checked.warnings {
                println!("warning: {warning}");
            }
            println!("The configuration is valid.");
            Ok(())
        }
    }
}

fn print_effective(matches: &ArgMatches, sources: &Sources<'_>) {
    match sources.file {
        Some(file) => println!("Config file: {}", file.path.display()),
        None => println!("Config file: none (--config or BMS_MCP_CONFIG)"),
    }
    let rows: Vec<(&str, String, String)> = crate::config::KEYS
        .iter()
        .map(|key| {
            let (value, from) = effective(key, matches, sources.from_file);
            (key.name, value, from)
        })
        .collect();
    let width = rows
        .iter()
        .map(|(name, _, _)| name.len())
        .max()
        .unwrap_or(0);
    let value_width = rows
        .iter()
        .map(|(_, value, _)| value.len())
        .max()
        .unwrap_or(0);
    for (name, value, from) in rows {
        println!("{name:width$}  {value:value_width$}  {from}");
    }
}

/// A key's value as printed (masked) and where it came from.
fn effective(key: &Key, matches: &ArgMatches, from_file: &[&str]) -> (String, String) {
    let origin = |by_env: bool| {
        if !by_env {
            key.flag_name().unwrap_or_default()
        } else if from_file.contains(&key.env) {
            "config file".to_owned()
        } else {
            format!("env {}", key.env)
        }
    };
    let found = if key.flag {
        let raw = matches.get_raw(key.name).map(|values| {
            values
                .map(|v| v.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(",")
        });
        match (raw, matches.value_source(key.name)) {
            (Some(value), Some(ValueSource::CommandLine)) => Some((value, origin(false))),
            (Some(value), Some(ValueSource::EnvVariable)) => Some((value, origin(true))),
            (Some(value), _) => Some((value, "default".to_owned())),
            (None, _) => None,
        }
    } else {
        std::env::var(key.env)
            .ok()
            .map(|value| (value, origin(true)))
    };
    match (found, key.default) {
        (Some((value, from)), _) => (key.masked(&value), from),
        (None, KeyDefault::Value(value)) => (value.to_owned(), "default".to_owned()),
        (None, KeyDefault::Unset(what)) => ("-".to_owned(), format!("not set: {what}")),
    }
}
