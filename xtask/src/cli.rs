//! Command-line arguments of the xtask commands: a few flags and positional paths, so no parser
//! crate is needed.

use anyhow::bail;

/// The arguments of one command.
pub struct Flags {
    flags: Vec<String>,
    /// The arguments that are not flags, in order.
    pub positional: Vec<String>,
}

impl Flags {
    /// Splits `args` into `known` flags and exactly `positional` other arguments.
    pub fn parse(
        args: &[String],
        known: &[&str],
        positional: usize,
        usage: &str,
    ) -> anyhow::Result<Flags> {
        let mut parsed = Flags {
            flags: Vec::new(),
            positional: Vec::new(),
        };
        for arg in args {
            if known.contains(&arg.as_str()) {
                parsed.flags.push(arg.clone());
            } else if arg.starts_with("--") {
                bail!("unknown flag `{arg}`; {usage}");
            } else {
                parsed.positional.push(arg.clone());
            }
        }
        if parsed.positional.len() != positional {
            bail!("unexpected arguments {args:?}; {usage}");
        }
        Ok(parsed)
    }

    /// Whether `flag` was given.
    pub fn has(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }
}
